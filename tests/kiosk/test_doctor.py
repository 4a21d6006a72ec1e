"""``kiosk doctor``: the health checks against real things wherever they can be had here.

The gateway is the reference gateway on 127.0.0.1 (a real uvicorn server; over TLS with a
certificate made for the test where TLS is the point), a closed port is a socket bound without
listening, a proxy is a small CONNECT proxy on loopback, a wrong clock is a small HTTP server whose
Date header is off. The outbox is a real one with dossiers put into each state through the store.
Devices are the fake drivers with their fault injection and, where installed, SANE's ``test``
backend. Free space is injected; the kiosk's clock is a FakeClock wherever the verdict depends
on it. ``kiosk doctor`` itself runs as a real process for its output and exit codes.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from tls_kit import Authority

from config.settings import (
    QrDriver,
    QrSection,
    ScannerDriver,
    ScanSource,
    Settings,
    save_settings,
    with_pin,
)
from drivers.errors import DeviceProblem
from drivers.printer.fake import FakePrinter, PrinterFault
from drivers.qr.base import PayloadCallback, PreviewFrame, QrSource, QrStatus, ReaderState
from drivers.qr.fake import FakeQrReader
from drivers.scanner import open_scanner
from drivers.scanner.fake import FakeScanner
from dvc_common.catalog import BUNDLED_CATALOG_DIR
from dvc_common.clock import FakeClock
from dvc_common.trust import public_key_text
from gateway.app import create_app, enrol, set_kiosk_enabled
from gateway.faults import FaultState
from gateway.server import Server, bind, make_config
from gateway.settings import GatewaySettings
from kiosk import __version__
from kiosk.doctor import (
    DEVICE_WORDS,
    STOPPED,
    CheckId,
    CheckResult,
    DeviceFactories,
    Doctor,
    Outcome,
    check_configuration,
    qr_model,
    run_doctor,
    worst,
)
from offline_queue.opening import open_queue_store, reference_dir
from offline_queue.progress import STATUS_KEY, SyncState
from offline_queue.service import single_instance, sync_lock_path
from offline_queue.store import AlertKind, ErrorKind, PageInput, QueueStore
from simulators.gateway_process import sample_dossier_body
from tests.drivers.scanner_testkit import needs_sane, write_sane_config
from tests.gateway.gateway_testkit import KIOSK, UNIT_CODE, Gateway
from tests.kiosk.conftest import MONDAY_MORNING

ROOT = Path(__file__).resolve().parents[2]
PIN = "246810"
SOME_TOKEN = "t0ken"
ID_NUMBER = "001158000123"  # an invented citizen's, to show it never reaches the output


def by_check(results: list[CheckResult]) -> dict[CheckId, CheckResult]:
    return {r.check: r for r in results}


def kiosk_settings(
    tmp_path: Path,
    *,
    url: str = "http://127.0.0.1:9",
    token: str = "",
    keys: bool = True,
    pin: bool = True,
    **sections: dict[str, Any],
) -> Settings:
    """Settings for a kiosk under ``tmp_path``, enrolled with ``token`` at ``url``."""
    gateway: dict[str, Any] = {
        "url": url,
        "token": token,
        "connect_timeout_s": 2.0,
        "read_timeout_s": 5.0,
    }
    if keys:
        gateway["signing_key"] = public_key_text(Ed25519PrivateKey.generate().public_key())
        gateway["sealing_key"] = public_key_text(X25519PrivateKey.generate().public_key())
    raw: dict[str, Any] = {
        "gateway": gateway,
        "paths": {"data_dir": str(tmp_path / "data"), "scratch_dir": str(tmp_path / "scratch")},
        "queue": {"min_free_mb": 1},
        "devices": {"printer": {"path": str(tmp_path / "slips")}},
    }
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    settings = Settings.model_validate(raw)
    return with_pin(settings, PIN) if pin else settings


def write_config(settings: Settings, path: Path) -> Path:
    save_settings(settings, path)
    return path


# --- configuration, enrolment, PIN ---------------------------------------------------------------


def test_an_invalid_configuration_is_the_only_thing_reported(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[gateway]\nurl = "http://gateway.example.vn"\nspeed = 3\n', encoding="utf-8")
    results = run_doctor(path)
    assert [r.check for r in results] == [CheckId.CONFIGURATION]
    assert results[0].outcome is Outcome.FAILED
    assert "gateway.url" in results[0].summary and "gateway.speed" in results[0].summary
    assert "kiosk config check" in results[0].next_step


def test_a_missing_file_fails_and_no_file_at_all_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, settings = check_configuration(tmp_path / "absent.toml")
    assert result.outcome is Outcome.FAILED and settings is None
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setattr("config.settings.DEFAULT_CONFIG_PATH", tmp_path / "etc" / "kiosk.toml")
    result, settings = check_configuration(None)
    assert result.outcome is Outcome.WARNING and settings == Settings()
    good = write_config(kiosk_settings(tmp_path), tmp_path / "kiosk.toml")
    result, settings = check_configuration(good)
    assert result.outcome is Outcome.OK and settings is not None
    assert result.facts["path"] == str(good)


@pytest.mark.parametrize(
    ("token", "keys", "outcome", "said"),
    [
        ("", True, Outcome.FAILED, "not enrolled"),
        (SOME_TOKEN, False, Outcome.WARNING, "token only"),
        (SOME_TOKEN, True, Outcome.OK, "enrolled as KIOSK01"),
    ],
)
def test_enrolment_needs_a_token_and_both_gateway_keys(
    tmp_path: Path, token: str, keys: bool, outcome: Outcome, said: str
) -> None:
    result = Doctor(kiosk_settings(tmp_path, token=token, keys=keys)).enrolment()
    assert result.outcome is outcome
    assert said in result.summary
    if outcome is not Outcome.OK:
        assert "kiosk enrol CODE" in result.next_step
    assert SOME_TOKEN not in json.dumps(result.facts)


def test_a_kiosk_key_readable_by_others_is_a_warning(tmp_path: Path) -> None:
    settings = kiosk_settings(tmp_path, token=SOME_TOKEN)
    key = settings.paths.data_dir / "kiosk.key"
    key.parent.mkdir(parents=True)
    key.write_text("ed25519-private:x\n", encoding="utf-8")
    key.chmod(0o644)
    result = Doctor(settings).enrolment()
    assert result.outcome is Outcome.WARNING and "chmod 600" in result.next_step
    key.chmod(0o600)
    assert Doctor(settings).enrolment().outcome is Outcome.OK


@pytest.mark.parametrize(
    ("pin", "keys", "outcome"),
    [(True, True, Outcome.OK), (False, True, Outcome.WARNING), (False, False, Outcome.FAILED)],
)
def test_technician_entry_needs_a_pin_or_badges(
    tmp_path: Path, pin: bool, keys: bool, outcome: Outcome
) -> None:
    result = Doctor(kiosk_settings(tmp_path, pin=pin, keys=keys)).technician_pin()
    assert result.outcome is outcome
    if outcome is not Outcome.OK:
        assert "kiosk config set-pin" in result.next_step


# --- devices -------------------------------------------------------------------------------------


def test_the_fake_drivers_report_simulated_devices(tmp_path: Path) -> None:
    results = Doctor(kiosk_settings(tmp_path), clock=FakeClock(MONDAY_MORNING)).devices()
    assert [r.outcome for r in results] == [Outcome.OK] * 3
    assert all("simulated" in r.summary for r in results)
    assert by_check(results)[CheckId.PRINTER].facts["status"] == "ready"


def test_simulated_drivers_are_not_built(tmp_path: Path) -> None:
    settings = kiosk_settings(
        tmp_path,
        devices={
            "qr": {"driver": QrDriver.SIMULATED.value},
            "scanner": {"driver": ScannerDriver.SIMULATED.value},
        },
    )
    # make_qr_reader and open_scanner would refuse "simulated" without the demo's constructors.
    results = by_check(Doctor(settings).devices())
    assert results[CheckId.QR_READER].outcome is Outcome.OK
    assert results[CheckId.SCANNER].outcome is Outcome.OK
    assert "simulated" in results[CheckId.SCANNER].summary


def test_unplugged_fakes_fail_in_technician_words(tmp_path: Path) -> None:
    clock = FakeClock(MONDAY_MORNING)
    reader = FakeQrReader(clock)
    reader.unplug()
    scanner = FakeScanner()
    scanner.unplug()
    printer = FakePrinter(tmp_path / "slips")
    printer.inject(PrinterFault.UNPLUGGED)
    devices = DeviceFactories(
        qr=lambda _s, _c: reader, scanner=lambda _s: scanner, printer=lambda _s: printer
    )
    results = by_check(Doctor(kiosk_settings(tmp_path), clock=clock, devices=devices).devices())
    qr = results[CheckId.QR_READER]
    assert qr.outcome is Outcome.FAILED
    assert qr.summary == "QR reader: not connected"
    assert qr.facts["problem"] == "unplugged" and "check its cable" in qr.next_step
    assert results[CheckId.SCANNER].outcome is Outcome.FAILED
    assert results[CheckId.SCANNER].summary == "document scanner: not connected"
    assert results[CheckId.PRINTER].outcome is Outcome.FAILED
    assert "offline" in results[CheckId.PRINTER].summary
    # The probe released what it opened: the reader is stopped again.
    assert reader.status().state is ReaderState.STOPPED


@pytest.mark.parametrize(
    ("fault", "outcome", "said"),
    [
        (PrinterFault.PAPER_OUT, Outcome.FAILED, "out of paper"),
        (PrinterFault.PAPER_NEAR_END, Outcome.WARNING, "nearly used up"),
        (PrinterFault.COVER_OPEN, Outcome.FAILED, "cover open"),
    ],
)
def test_printer_states(tmp_path: Path, fault: PrinterFault, outcome: Outcome, said: str) -> None:
    printer = FakePrinter(tmp_path / "slips")
    printer.inject(fault)
    result = Doctor(
        kiosk_settings(tmp_path), devices=DeviceFactories(printer=lambda _s: printer)
    ).printer()
    assert result.outcome is outcome and said in result.summary
    assert result.next_step
    assert printer.printed == []  # asked, never made to print


def test_a_scanner_that_cannot_do_what_is_configured_fails(tmp_path: Path) -> None:
    flatbed_only = FakeScanner(sources=frozenset({ScanSource.FLATBED}))
    result = Doctor(
        kiosk_settings(tmp_path), devices=DeviceFactories(scanner=lambda _s: flatbed_only)
    ).scanner()
    assert result.outcome is Outcome.FAILED
    assert "source feeder not offered" in result.summary
    assert flatbed_only.jobs == 0  # nothing was scanned


class SilentReader:
    """A QR reader that never gets its device open, as a camera hung in its driver."""

    def start(self, on_payload: PayloadCallback) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def status(self) -> QrStatus:
        return QrStatus(QrSource.CAMERA, ReaderState.STARTING, "camera 0")

    def wait_status(
        self, predicate: Callable[[QrStatus], bool], timeout_s: float
    ) -> QrStatus | None:
        return None  # what a reader answers when ``timeout_s`` passed without the state

    def latest_preview(self) -> PreviewFrame | None:
        return None

    def forget_repeats(self) -> None:
        pass


def test_devices_that_do_not_answer_fail_within_the_bound(tmp_path: Path) -> None:
    reader = SilentReader()
    release = threading.Event()

    class StuckScanner(FakeScanner):
        def discover(self) -> list[Any]:
            release.wait(30)  # a USB call that hangs; released at the end of the test
            return super().discover()

    scanner = StuckScanner()
    devices = DeviceFactories(qr=lambda _s, _c: reader, scanner=lambda _s: scanner)
    doctor = Doctor(kiosk_settings(tmp_path), devices=devices, device_timeout_s=0.05)
    try:
        qr = doctor.qr_reader()
        stuck = doctor.scanner()
    finally:
        release.set()
    assert qr.outcome is Outcome.FAILED and "did not open within" in qr.summary
    assert reader.started is False  # stopped even so
    assert stuck.outcome is Outcome.FAILED and "no answer within" in stuck.summary


def test_the_worst_outcome_decides() -> None:
    ok = CheckResult(CheckId.DISK, Outcome.OK, "fine")
    warned = CheckResult(CheckId.SYNC, Outcome.WARNING, "late", "wait")
    failed = CheckResult(CheckId.CLOCK, Outcome.FAILED, "wrong", "set it")
    assert worst([]) is Outcome.OK
    assert worst([ok, warned]) is Outcome.WARNING
    assert worst([failed, ok, warned]) is Outcome.FAILED


def test_every_device_problem_has_technician_words() -> None:
    assert set(DEVICE_WORDS) == set(DeviceProblem)
    assert all(words and step for words, step in DEVICE_WORDS.values())


@needs_sane
def test_a_sane_scanner_is_found_with_its_model_or_reported_missing(tmp_path: Path) -> None:
    present = write_sane_config(tmp_path / "sane")
    absent = tmp_path / "no-backend"
    absent.mkdir()
    (absent / "dll.conf").write_text("", encoding="utf-8")  # no backend: no scanner at all

    def check(config: Path, device: str) -> CheckResult:
        settings = kiosk_settings(
            tmp_path, devices={"scanner": {"driver": ScannerDriver.SANE.value, "device": device}}
        )
        factories = DeviceFactories(scanner=lambda s: open_scanner(s, sane_config_dir=config))
        return Doctor(settings, devices=factories, device_timeout_s=60).scanner()

    found = check(present, "test:0")
    assert found.outcome is Outcome.OK, found
    assert found.facts["device"] == "test:0" and found.facts["found"] == 2
    assert "frontend-tester" in str(found.facts["model"])
    missing = check(absent, "")
    assert missing.outcome is Outcome.FAILED
    assert missing.summary == "document scanner: not connected"
    assert "no scanner found" in str(missing.facts["error"])


def test_the_model_comes_from_sysfs(tmp_path: Path) -> None:
    sysfs = tmp_path / "sys"
    (sysfs / "class/video4linux/video2").mkdir(parents=True)
    (sysfs / "class/video4linux/video2/name").write_text("HD USB Camera\n", encoding="utf-8")
    usb = sysfs / "devices/pci0000:00/usb1/1-2"
    (usb / "1-2:1.0/tty/ttyACM0").mkdir(parents=True)
    (usb / "product").write_text("QR Scanner Module\n", encoding="utf-8")
    (usb / "manufacturer").write_text("Newland\n", encoding="utf-8")
    (sysfs / "class/tty/ttyACM0").mkdir(parents=True)
    (sysfs / "class/tty/ttyACM0/device").symlink_to(usb / "1-2:1.0")
    camera = QrSection(driver=QrDriver.CAMERA, camera_index=2)
    serial = QrSection(driver=QrDriver.SERIAL, serial_port=str(tmp_path / "ttyACM0"))
    assert qr_model(camera, sysfs) == "HD USB Camera"
    assert qr_model(serial, sysfs) == "Newland QR Scanner Module"
    assert qr_model(QrSection(driver=QrDriver.CAMERA, camera_index=5), sysfs) == ""


# --- the gateway link ----------------------------------------------------------------------------

GATEWAY_STEPS = [
    CheckId.GATEWAY_DNS,
    CheckId.GATEWAY_CONNECT,
    CheckId.GATEWAY_TLS,
    CheckId.GATEWAY_AUTH,
    CheckId.CLOCK,
]


def test_a_reachable_gateway_passes_every_step(tmp_path: Path, reference_gateway: Gateway) -> None:
    settings = kiosk_settings(tmp_path, url=reference_gateway.url, token=reference_gateway.token)
    results = Doctor(settings).gateway()
    assert [r.check for r in results] == GATEWAY_STEPS
    assert [r.outcome for r in results] == [Outcome.OK] * 5, results
    steps = by_check(results)
    assert steps[CheckId.GATEWAY_DNS].facts["addresses"] == "127.0.0.1"
    assert steps[CheckId.GATEWAY_TLS].summary == "TLS not used: plain http to this machine"
    auth = steps[CheckId.GATEWAY_AUTH]
    assert auth.facts["status"] == 200 and isinstance(auth.facts["round_trip_ms"], float)
    # Both clocks are this machine's: what is left is the Date header's whole second (and how
    # stale uvicorn's cached header is on a busy machine).
    assert abs(float(steps[CheckId.CLOCK].facts["skew_s"])) <= 5
    assert reference_gateway.token not in repr(results)


def test_a_closed_port_fails_the_connection_and_leaves_the_rest_unchecked(tmp_path: Path) -> None:
    with socket.socket() as closed:  # bound, never listening: the kernel refuses connections
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        settings = kiosk_settings(tmp_path, url=f"http://127.0.0.1:{port}", token=SOME_TOKEN)
        results = by_check(Doctor(settings).gateway())
    connect = results[CheckId.GATEWAY_CONNECT]
    assert connect.outcome is Outcome.FAILED and "refused" in connect.summary
    assert f"port {port}" in connect.next_step
    for later in (CheckId.GATEWAY_TLS, CheckId.GATEWAY_AUTH, CheckId.CLOCK):
        assert results[later].outcome is Outcome.WARNING
        assert results[later].summary.startswith("not checked")


def test_a_name_that_does_not_resolve_fails_the_first_step(tmp_path: Path) -> None:
    def no_such_host(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    settings = kiosk_settings(tmp_path, url="https://gateway.invalid", token=SOME_TOKEN)
    results = Doctor(settings, resolve=no_such_host).gateway()
    assert results[0].outcome is Outcome.FAILED and "gateway.invalid" in results[0].summary
    assert [r.outcome for r in results[1:]] == [Outcome.WARNING] * 4


@pytest.mark.parametrize(("token", "said"), [("wrong-token", "refuses"), ("", "not enrolled")])
def test_a_refused_token_fails_authentication_with_re_enrol(
    tmp_path: Path, reference_gateway: Gateway, token: str, said: str
) -> None:
    settings = kiosk_settings(tmp_path, url=reference_gateway.url, token=token)
    results = by_check(Doctor(settings).gateway())
    auth = results[CheckId.GATEWAY_AUTH]
    assert auth.outcome is Outcome.FAILED
    assert said in auth.summary and auth.facts["status"] == 401
    assert "enrol the kiosk: kiosk enrol CODE" in auth.next_step
    assert results[CheckId.CLOCK].outcome is Outcome.OK  # a 401 is dated too


def test_a_disabled_kiosk_is_told_apart(tmp_path: Path, reference_gateway: Gateway) -> None:
    set_kiosk_enabled(reference_gateway.data_dir, KIOSK, False)
    settings = kiosk_settings(tmp_path, url=reference_gateway.url, token=reference_gateway.token)
    auth = by_check(Doctor(settings).gateway())[CheckId.GATEWAY_AUTH]
    assert auth.outcome is Outcome.FAILED and "disabled" in auth.summary
    assert auth.facts["status"] == 403


def test_a_gateway_in_maintenance_is_a_warning(tmp_path: Path, reference_gateway: Gateway) -> None:
    reference_gateway.faults.update({"maintenance": True})
    settings = kiosk_settings(tmp_path, url=reference_gateway.url, token=reference_gateway.token)
    auth = by_check(Doctor(settings).gateway())[CheckId.GATEWAY_AUTH]
    assert auth.outcome is Outcome.WARNING and auth.facts["status"] == 503


# --- TLS -----------------------------------------------------------------------------------------


@dataclass
class TlsGateway:
    url: str
    token: str
    ca_file: Path
    other_ca_file: Path


@contextlib.contextmanager
def serve_tls_gateway(tmp_path: Path, *, days: int = 365) -> Iterator[TlsGateway]:
    """The reference gateway app under uvicorn with TLS, on 127.0.0.1."""
    data_dir = tmp_path / "tls-gateway"
    token = enrol(data_dir, KIOSK)
    authority, stranger = Authority.create("Test CA"), Authority.create("Another CA")
    cert_file, key_file = authority.issue(tmp_path, days=days)
    app = create_app(
        data_dir,
        GatewaySettings(unit_code=UNIT_CODE, clock=FakeClock(MONDAY_MORNING).now),
        FaultState(),
    )
    config = make_config(app, ssl_certfile=str(cert_file), ssl_keyfile=str(key_file))
    listening = bind("127.0.0.1", 0)
    port = listening.getsockname()[1]
    with tls_leftovers_ignored(port):
        ready = threading.Event()
        server = Server(config, on_started=ready.set)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
        thread.start()
        try:
            assert ready.wait(30), "the TLS gateway did not start"
            yield TlsGateway(
                f"https://127.0.0.1:{port}",
                token,
                authority.write(tmp_path / "ca.pem"),
                stranger.write(tmp_path / "other-ca.pem"),
            )
        finally:
            server.request_stop()
            thread.join(30)
            listening.close()
            del server, app, config  # the closed loop and all it held: collected on leaving


@contextlib.contextmanager
def tls_leftovers_ignored(port: int) -> Iterator[None]:
    """While the TLS test server on ``port`` runs and stops, drop the warnings about the
    connections it leaves open, and collect what it left before leaving.

    asyncio's TLS server side (and uvicorn closing its loop) leaves transports of connections
    that a client closed during or right after the handshake unclosed (the doctor's TLS step
    hangs up as soon as its side of the handshake is done; a refused certificate ends one
    half-way; the test proxy drops both ends at once), seen on a busy machine only. They are
    collected in the server's thread, or in whichever later test the garbage collector runs.
    They belong to the test's server, not to the code under test: the kiosk's own sockets are
    named by their local port, never the server's, and it uses no asyncio. Every other
    unraisable exception passes on as before.
    """
    previous = sys.unraisablehook
    ours = (f"laddr=('127.0.0.1', {port})", "unclosed transport <")  # asyncio's own words

    def hook(unraisable: Any) -> None:
        error = unraisable.exc_value
        if isinstance(error, ResourceWarning) and any(mark in str(error) for mark in ours):
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
        gc.collect()
    finally:
        sys.unraisablehook = previous


def test_tls_with_the_gateway_s_ca_passes(tmp_path: Path) -> None:
    with serve_tls_gateway(tmp_path) as gateway:
        settings = kiosk_settings(
            tmp_path, url=gateway.url, token=gateway.token, gateway={"ca_file": gateway.ca_file}
        )
        results = by_check(Doctor(settings).gateway())
    tls = results[CheckId.GATEWAY_TLS]
    assert tls.outcome is Outcome.OK, tls
    assert str(tls.facts["version"]).startswith("TLSv1.")
    assert 363 < float(tls.facts["certificate_days_left"]) <= 365
    assert "gateway.ca_file" in str(tls.facts["trust"])
    assert results[CheckId.GATEWAY_AUTH].outcome is Outcome.OK


@pytest.mark.parametrize("trust", ["another CA", "the default bundle"])
def test_tls_with_the_wrong_trust_fails_and_says_what_to_set(tmp_path: Path, trust: str) -> None:
    with serve_tls_gateway(tmp_path) as gateway:
        extra = {"ca_file": gateway.other_ca_file} if trust == "another CA" else {}
        settings = kiosk_settings(tmp_path, url=gateway.url, token=gateway.token, gateway=extra)
        results = by_check(Doctor(settings).gateway())
    tls = results[CheckId.GATEWAY_TLS]
    assert tls.outcome is Outcome.FAILED
    assert "not trusted" in tls.summary and "gateway.ca_file" in tls.next_step
    assert results[CheckId.GATEWAY_AUTH].outcome is Outcome.WARNING


def test_a_certificate_about_to_expire_is_a_warning(tmp_path: Path) -> None:
    with serve_tls_gateway(tmp_path, days=5) as gateway:
        settings = kiosk_settings(
            tmp_path, url=gateway.url, token=gateway.token, gateway={"ca_file": gateway.ca_file}
        )
        tls = by_check(Doctor(settings).gateway())[CheckId.GATEWAY_TLS]
    assert tls.outcome is Outcome.WARNING and "expiring in" in tls.summary


def test_a_missing_ca_file_is_named(tmp_path: Path) -> None:
    # Named before any handshake: a socket that listens (the kernel completes the connection
    # without the test accepting it) is all the gateway this step meets.
    with socket.create_server(("127.0.0.1", 0)) as listening:
        settings = kiosk_settings(
            tmp_path,
            url=f"https://127.0.0.1:{listening.getsockname()[1]}",
            token=SOME_TOKEN,
            gateway={"ca_file": tmp_path / "nowhere.pem"},
        )
        results = by_check(Doctor(settings).gateway())
    assert results[CheckId.GATEWAY_CONNECT].outcome is Outcome.OK
    tls = results[CheckId.GATEWAY_TLS]
    assert tls.outcome is Outcome.FAILED and "does not exist" in tls.summary
    assert "gateway.ca_file" in tls.next_step


class ConnectProxy:
    """An HTTP proxy that only tunnels (CONNECT), on loopback, remembering the targets asked."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.targets: list[str] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            target = head.split()[1].decode()
            self.targets.append(target)
            host, _, port = target.rpartition(":")
            with socket.create_connection((host, int(port)), timeout=10) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                peers = {client: upstream, upstream: client}
                while True:
                    readable, _, _ = select.select(list(peers), [], [], 10)
                    if not readable:
                        return
                    for sock in readable:
                        try:
                            data = sock.recv(65536)
                            if data:
                                peers[sock].sendall(data)
                        except OSError:
                            data = b""  # one side reset: the tunnel ends as a closed one does
                        if not data:
                            return

    def close(self) -> None:
        self.listener.close()


def test_the_configured_proxy_carries_every_step(tmp_path: Path) -> None:
    proxy = ConnectProxy()
    try:
        with serve_tls_gateway(tmp_path) as gateway:
            settings = kiosk_settings(
                tmp_path,
                url=gateway.url,
                token=gateway.token,
                gateway={"ca_file": gateway.ca_file, "proxy": proxy.url},
            )
            results = by_check(Doctor(settings).gateway())
    finally:
        proxy.close()
    assert [r.outcome for r in results.values()] == [Outcome.OK] * 5, results
    assert results[CheckId.GATEWAY_DNS].facts["proxy"] == proxy.url.removeprefix("http://")
    assert "proxy" in results[CheckId.GATEWAY_CONNECT].summary
    # The TLS step's own tunnel, then the authenticated requests'.
    port = gateway.url.rsplit(":", 1)[1]
    assert len(proxy.targets) >= 2 and set(proxy.targets) == {f"127.0.0.1:{port}"}


# --- the clock -----------------------------------------------------------------------------------


@contextlib.contextmanager
def dated_server(date: datetime) -> Iterator[str]:
    """A tiny gateway stand-in whose every answer is dated ``date``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"schema_version": 1, "day_off": [], "working_day": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def date_time_string(self, timestamp: float | None = None) -> str:
            return format_datetime(date.astimezone(UTC), usegmt=True)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll keeps shutdown() quick: it waits for the loop to look again.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.mark.parametrize(
    ("gateway_behind_s", "outcome"),
    [(0, Outcome.OK), (50, Outcome.OK), (90, Outcome.WARNING), (-90, Outcome.WARNING),
     (-600, Outcome.FAILED), (400, Outcome.FAILED)],
)  # fmt: skip
def test_clock_skew_is_measured_against_the_gateway_s_date(
    tmp_path: Path, gateway_behind_s: int, outcome: Outcome
) -> None:
    kiosk_clock = FakeClock(MONDAY_MORNING)
    with dated_server(MONDAY_MORNING - timedelta(seconds=gateway_behind_s)) as url:
        settings = kiosk_settings(tmp_path, url=url, token=SOME_TOKEN)
        results = by_check(Doctor(settings, clock=kiosk_clock).gateway())
    clock = results[CheckId.CLOCK]
    assert clock.outcome is outcome, clock
    # The kiosk's clock does not move during the request (a FakeClock): the measured skew is the
    # offset less the half second the Date header's truncation is worth.
    assert clock.facts["skew_s"] == pytest.approx(gateway_behind_s - 0.5)
    if outcome is not Outcome.OK:
        assert "ahead of" in clock.summary if gateway_behind_s > 0 else "behind" in clock.summary
        assert "timedatectl set-ntp true" in clock.next_step
    if outcome is Outcome.FAILED:
        assert "appointment dates will be wrong" in clock.summary


# --- disk ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("free_mb", "outcome"), [(101, Outcome.OK), (99, Outcome.WARNING), (49, Outcome.FAILED)]
)
def test_free_space_against_the_outbox_reserve(
    tmp_path: Path, free_mb: int, outcome: Outcome
) -> None:
    asked: list[Path] = []

    def free_space(path: Path) -> int:
        asked.append(path)
        return free_mb * 1024 * 1024

    settings = kiosk_settings(tmp_path, queue={"min_free_mb": 50})
    result = Doctor(settings, free_space=free_space).disk()
    assert result.outcome is outcome
    assert result.facts["free_mb"] == free_mb and result.facts["min_free_mb"] == 50
    # The data directory does not exist yet: its nearest existing parent is measured.
    assert asked == [tmp_path]


# --- the outbox and the sync process -------------------------------------------------------------

T0 = MONDAY_MORNING.timestamp()


def enqueue(store: QueueStore, tmp_path: Path, n: int) -> str:
    client_uuid = str(uuid.uuid4())
    receipt = f"KIOSK01-261123-{n:04d}"
    page = tmp_path / "scans" / f"page-{n}.png"
    page.parent.mkdir(exist_ok=True)
    page.write_bytes(b"\x89PNG page %d" % n)
    store.enqueue(
        client_uuid=client_uuid,
        receipt_number=receipt,
        procedure_code="1.001193",
        body=sample_dossier_body(client_uuid, receipt),
        pages=[PageInput(page, "birth_certificate", "birth_certificate-1.png")],
    )
    return client_uuid


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[tuple[Settings, QueueStore]]:
    """A real outbox with one dossier in each state, enqueued at T0."""
    settings = kiosk_settings(tmp_path, token=SOME_TOKEN)
    store = open_queue_store(settings, now=lambda: T0)
    queued, uploading, delivered, refused = (enqueue(store, tmp_path, n) for n in range(1, 5))
    store.set_gateway_dossier(uploading, "d_1", {0: "f_1"})
    store.set_gateway_dossier(delivered, "d_2", {0: "f_2"})
    store.mark_submitted(delivered, "H15.50.05.13-261123-0001", "2026-11-23")
    store.record_failure(
        refused, ErrorKind.PERMANENT, f"HTTP 400 (invalid-body: applicant {ID_NUMBER})", T0
    )
    assert queued
    yield settings, store
    store.close()


def test_the_outbox_counts_states_ages_and_reasons(outbox: tuple[Settings, QueueStore]) -> None:
    settings, _ = outbox
    clock = FakeClock(MONDAY_MORNING + timedelta(hours=3))
    results = by_check(Doctor(settings, clock=clock).outbox())
    queue = results[CheckId.OUTBOX]
    assert queue.outcome is Outcome.WARNING
    assert {k: queue.facts[k] for k in ("queued", "uploading", "submitted", "needs_attention")} == {
        "queued": 1,
        "uploading": 1,
        "submitted": 1,
        "needs_attention": 1,
    }
    assert queue.facts["oldest_waiting_s"] == 3 * 3600
    assert "2 waiting (oldest 3 h)" in queue.summary and "1 delivered" in queue.summary
    reason = str(queue.facts["needs_attention_1"])
    assert reason.startswith("KIOSK01-261123-0004: permanent: HTTP 400")
    assert "kiosk queue retry" in queue.next_step
    assert ID_NUMBER not in repr(results) and "********0123" in reason


def test_a_standing_alert_fails_the_outbox(outbox: tuple[Settings, QueueStore]) -> None:
    settings, store = outbox
    store.raise_alert(AlertKind.AUTH, "POST /api/v1/dossiers: HTTP 401")
    queue = by_check(Doctor(settings, clock=FakeClock(MONDAY_MORNING)).outbox())[CheckId.OUTBOX]
    assert queue.outcome is Outcome.FAILED
    assert "alert: auth" in queue.summary and "kiosk enrol CODE" in queue.next_step
    assert queue.facts["alert_auth"] == "POST /api/v1/dossiers: HTTP 401"


def test_dossiers_waiting_for_a_day_are_a_warning(tmp_path: Path) -> None:
    settings = kiosk_settings(tmp_path, token=SOME_TOKEN)
    store = open_queue_store(settings, now=lambda: T0)
    try:
        enqueue(store, tmp_path, 1)
        clock = FakeClock(MONDAY_MORNING + timedelta(hours=1))
        assert by_check(Doctor(settings, clock=clock).outbox())[CheckId.OUTBOX].outcome is (
            Outcome.OK
        )
        clock.advance(25 * 3600)
        late = by_check(Doctor(settings, clock=clock).outbox())[CheckId.OUTBOX]
    finally:
        store.close()
    assert late.outcome is Outcome.WARNING and "not leaving" in late.next_step


def test_no_outbox_yet_is_a_warning_and_is_not_created(tmp_path: Path) -> None:
    settings = kiosk_settings(tmp_path, token=SOME_TOKEN)
    results = Doctor(settings).outbox()
    assert [r.outcome for r in results] == [Outcome.WARNING, Outcome.WARNING]
    assert not (settings.paths.data_dir / "master.key").exists()
    assert not settings.paths.data_dir.exists()


@pytest.mark.parametrize(
    ("state", "running", "outcome"),
    [
        (SyncState.IDLE, True, Outcome.OK),
        (SyncState.SYNCING, True, Outcome.OK),
        (SyncState.WAITING, True, Outcome.WARNING),
        (SyncState.AUTH_ERROR, True, Outcome.FAILED),
        (SyncState.IDLE, False, Outcome.WARNING),  # what it said before it stopped is not news
    ],
)
def test_the_sync_process_s_own_report(
    outbox: tuple[Settings, QueueStore], state: SyncState, running: bool, outcome: Outcome
) -> None:
    settings, store = outbox
    store.publish_status(
        STATUS_KEY,
        {"state": state.value, "rate_bytes_per_s": 30_720, "chunk_bytes": 65_536, "backlog": 2},
    )
    with single_instance(sync_lock_path(settings)) if running else contextlib.nullcontext():
        sync = by_check(Doctor(settings, clock=FakeClock(MONDAY_MORNING)).outbox())[CheckId.SYNC]
    assert sync.outcome is outcome, sync
    assert sync.facts["state"] == (state.value if running else STOPPED)
    assert sync.facts["rate_bytes_per_s"] == 30_720
    if outcome is Outcome.OK:
        assert "measured 30.0 KiB/s" in sync.summary


def test_a_sync_process_that_never_reported(outbox: tuple[Settings, QueueStore]) -> None:
    settings, _ = outbox
    sync = by_check(Doctor(settings).outbox())[CheckId.SYNC]
    assert sync.outcome is Outcome.WARNING and "has not reported" in sync.summary


# --- versions ------------------------------------------------------------------------------------


def test_versions_say_which_catalog_is_in_use(tmp_path: Path) -> None:
    settings = kiosk_settings(tmp_path)
    bundled = Doctor(settings).versions()
    assert bundled.outcome is Outcome.WARNING and "bundled sample" in bundled.summary
    assert bundled.facts["software"] == __version__
    assert bundled.facts["catalog_source"] == "bundled"
    assert bundled.facts["calendar_source"] == "bundled"
    assert int(bundled.facts["catalog_procedures"]) >= 7
    shutil.copytree(BUNDLED_CATALOG_DIR, reference_dir(settings) / "catalog")
    installed = Doctor(settings).versions()
    assert installed.outcome is Outcome.OK
    assert installed.facts["catalog_source"] == "gateway"
    assert "catalog_installed" in installed.facts
    (reference_dir(settings) / "catalog" / "index.toml").write_text("broken", encoding="utf-8")
    assert Doctor(settings).versions().outcome is Outcome.FAILED


# --- the command ---------------------------------------------------------------------------------


def kiosk_doctor(config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "doctor", "--config", str(config), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "KIOSK_CONFIG": ""},
        check=False,
    )


def healthy_kiosk(tmp_path: Path, gateway: Gateway, token: str) -> tuple[Settings, Path]:
    """A kiosk that passes every check but the sync process's (whose lock the test holds)."""
    settings = kiosk_settings(tmp_path, url=gateway.url, token=token)
    shutil.copytree(BUNDLED_CATALOG_DIR, reference_dir(settings) / "catalog")
    store = open_queue_store(settings)
    store.publish_status(
        STATUS_KEY, {"state": SyncState.IDLE.value, "rate_bytes_per_s": 0, "backlog": 0}
    )
    store.close()
    return settings, write_config(settings, tmp_path / "kiosk.toml")


@pytest.mark.parametrize(
    ("case", "code"), [("healthy", 0), ("sync stopped", 1), ("token refused", 2)]
)
def test_kiosk_doctor_exit_codes(
    tmp_path: Path, reference_gateway: Gateway, case: str, code: int
) -> None:
    token = "refused" if case == "token refused" else reference_gateway.token
    settings, config = healthy_kiosk(tmp_path, reference_gateway, token)
    with (
        single_instance(sync_lock_path(settings))
        if case != "sync stopped"
        else contextlib.nullcontext()
    ):
        done = kiosk_doctor(config)
    assert done.returncode == code, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(CheckId)
    labels = [line.split()[0] for line in lines]
    if case == "healthy":
        assert labels == ["ok"] * len(CheckId)
    elif case == "sync stopped":
        assert labels.count("warning") == 1 and lines[labels.index("warning")].split()[1] == "sync"
    else:
        auth = next(line for line in lines if line.split()[1] == "gateway_auth")
        assert auth.startswith("FAILED") and "— next: re-enrol the kiosk" in auth
    assert reference_gateway.token not in done.stdout + done.stderr


def test_kiosk_doctor_json_is_one_object_per_check(
    tmp_path: Path, reference_gateway: Gateway
) -> None:
    settings, config = healthy_kiosk(tmp_path, reference_gateway, reference_gateway.token)
    done = kiosk_doctor(config, "--json")
    assert done.returncode == 1  # no sync process holds the outbox
    objects = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["check"] for o in objects] == [c.value for c in CheckId]
    assert all(set(o) == {"check", "outcome", "summary", "next_step", "facts"} for o in objects)
    by_name = {o["check"]: o for o in objects}
    assert by_name["sync"]["outcome"] == "warning"
    assert by_name["gateway_auth"]["facts"]["status"] == 200
    assert by_name["versions"]["facts"]["software"] == __version__
    assert settings.gateway.token.get_secret_value() not in done.stdout
