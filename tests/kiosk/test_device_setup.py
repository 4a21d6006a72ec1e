"""Changing a device from the technician's screen (``kiosk.device_setup``): the choice becomes
validated settings, the device is probed with them by the doctor, and the configuration is
written only when it answered."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import PrinterDriver, QrDriver, Settings, load_settings, save_settings
from kiosk.device_setup import (
    DeviceChoice,
    DeviceKind,
    SetupError,
    candidate,
    save_if_answered,
    try_device,
)
from kiosk.doctor import Doctor, Outcome


def fast_doctor(settings: Settings) -> Doctor:
    return Doctor(settings, device_timeout_s=3.0)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    save_settings(Settings(), path)
    return path


def test_a_choice_becomes_the_section_it_names() -> None:
    settings = Settings()
    serial = candidate(settings, DeviceChoice(DeviceKind.QR, "serial", "/dev/ttyACM3"))
    assert serial.devices.qr.driver is QrDriver.SERIAL
    assert serial.devices.qr.serial_port == "/dev/ttyACM3"
    printer = candidate(
        settings, DeviceChoice(DeviceKind.PRINTER, "network", "10.0.0.7:9101", "TM-T88V")
    )
    assert (printer.devices.printer.host, printer.devices.printer.port) == ("10.0.0.7", 9101)
    assert printer.devices.printer.profile == "TM-T88V"
    usb = candidate(settings, DeviceChoice(DeviceKind.PRINTER, "usb", "04b8:0202"))
    assert (usb.devices.printer.usb_vendor_id, usb.devices.printer.usb_product_id) == (
        0x04B8,
        0x0202,
    )
    assert settings.devices.qr.driver is QrDriver.FAKE  # the original is untouched


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        (DeviceChoice(DeviceKind.PRINTER, "usb", "epson"), "devices.printer.usb"),
        (DeviceChoice(DeviceKind.PRINTER, "network", "host:http"), "devices.printer.port"),
        (DeviceChoice(DeviceKind.PRINTER, "network", "h:70000"), "devices.printer.port"),
        (DeviceChoice(DeviceKind.PRINTER, "usb", "", "No Such Printer"), "devices.printer.profile"),
        (DeviceChoice(DeviceKind.QR, "camera", "front"), "devices.qr.camera_index"),
        (DeviceChoice(DeviceKind.QR, "simulated"), "devices.qr.driver"),
    ],
)
def test_a_bad_choice_names_its_field(choice: DeviceChoice, field: str) -> None:
    with pytest.raises(SetupError) as caught:
        candidate(Settings(), choice)
    assert caught.value.field == field


@pytest.fixture
def listening_printer() -> Iterator[int]:
    """A network printer that accepts connections and answers every status query "ready"."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(0.5)
                try:
                    while conn.recv(16):
                        conn.sendall(b"\x12")  # DLE EOT answers: online, paper present
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_printer_that_does_not_answer_is_not_saved(config: Path) -> None:
    before = config.read_bytes()
    choice = DeviceChoice(DeviceKind.PRINTER, "network", f"127.0.0.1:{closed_port()}")
    changed, result = try_device(load_settings(config), choice, fast_doctor)
    assert result.outcome is Outcome.FAILED
    assert not save_if_answered(changed, [result], config)
    assert config.read_bytes() == before


def test_a_printer_that_answers_is_saved(config: Path, listening_printer: int) -> None:
    choice = DeviceChoice(DeviceKind.PRINTER, "network", f"127.0.0.1:{listening_printer}")
    changed, result = try_device(load_settings(config), choice, fast_doctor)
    assert result.outcome is not Outcome.FAILED, result.summary
    assert save_if_answered(changed, [result], config)
    saved = load_settings(config)
    assert saved.devices.printer.driver is PrinterDriver.NETWORK
    assert saved.devices.printer.port == listening_printer


def test_a_serial_reader_on_a_missing_port_is_not_saved(config: Path, tmp_path: Path) -> None:
    before = config.read_bytes()
    choice = DeviceChoice(DeviceKind.QR, "serial", str(tmp_path / "ttyACM9"))
    changed, result = try_device(load_settings(config), choice, fast_doctor)
    assert result.outcome is Outcome.FAILED
    assert not save_if_answered(changed, [result], config)
    assert config.read_bytes() == before


def test_a_gateway_address_that_does_not_answer_is_not_saved(config: Path) -> None:
    from kiosk.device_setup import try_gateway

    before = config.read_bytes()
    changed, results = try_gateway(
        load_settings(config), f"http://127.0.0.1:{closed_port()}", "", "", fast_doctor
    )
    assert any(r.outcome is Outcome.FAILED for r in results)
    assert not save_if_answered(changed, results, config)
    assert config.read_bytes() == before


def test_a_gateway_choice_is_validated_by_field() -> None:
    from kiosk.device_setup import gateway_candidate

    with pytest.raises(SetupError) as caught:
        gateway_candidate(Settings(), "http://gateway.example.vn", "", "")  # not TLS, not loopback
    assert caught.value.field == "gateway.url"
    with pytest.raises(SetupError) as caught:
        gateway_candidate(Settings(), "https://gw.example.vn", "", "ftp://proxy")
    assert caught.value.field == "gateway.proxy"
    moved = gateway_candidate(Settings(), "https://gw.example.vn", "/etc/kiosk/ca.pem", "")
    assert moved.gateway.url == "https://gw.example.vn"
    assert moved.gateway.ca_file == Path("/etc/kiosk/ca.pem")
