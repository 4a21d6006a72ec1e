"""Changing a device's settings from the technician's screen: the choice, a probe of the device
as chosen (the doctor's own check, ``kiosk.doctor``), and only then the configuration saved.

A technician swaps a printer or moves the QR module to another port; the kiosk must not be left
with a configuration that names a device which does not answer. ``try_device`` builds the
settings the choice would give (validated like any configuration file: a bad port or host is a
named field error), asks the doctor to check that one device with them, and ``save_if_answered``
writes them atomically only when the check did not fail. The devices the app holds are built at
start-up, so the new ones are used after a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.settings import (
    PrinterDriver,
    QrDriver,
    ScannerDriver,
    ScanSource,
    Settings,
    save_settings,
)
from drivers.printer.profiles import profile_names
from kiosk.doctor import CheckResult, Doctor, Outcome


class DeviceKind(StrEnum):
    QR = "qr"
    SCANNER = "scanner"
    PRINTER = "printer"


# What a technician may choose on the screen: the real drivers (fake and simulated are for the
# demo and the tests, set in the file).
CHOICES: dict[DeviceKind, tuple[str, ...]] = {
    DeviceKind.QR: (QrDriver.CAMERA.value, QrDriver.SERIAL.value, QrDriver.KEYBOARD.value),
    DeviceKind.SCANNER: (ScannerDriver.SANE.value,),
    DeviceKind.PRINTER: (
        PrinterDriver.USB.value,
        PrinterDriver.SERIAL.value,
        PrinterDriver.NETWORK.value,
        PrinterDriver.FILE.value,
    ),
}
SOURCES = tuple(source.value for source in ScanSource)


@dataclass(frozen=True)
class DeviceChoice:
    """``where``: the camera's number, a serial port, an evdev path, a SANE device name, a
    printer's ``vvvv:pppp`` USB ids, ``host:port`` or device file. ``option``: the scanner's
    source, the printer's profile."""

    kind: DeviceKind
    driver: str
    where: str = ""
    option: str = ""


class SetupError(ValueError):
    """The choice cannot be a configuration; ``field`` names what is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _usb_ids(text: str) -> dict[str, int]:
    vendor, _, product = text.partition(":")
    try:
        return {"usb_vendor_id": int(vendor, 16), "usb_product_id": int(product, 16)}
    except ValueError as exc:
        raise SetupError("devices.printer.usb", "write the ids as vvvv:pppp (hex)") from exc


def _host_port(text: str) -> dict[str, Any]:
    host, _, port = text.rpartition(":")
    if not host:
        return {"host": text}
    try:
        return {"host": host, "port": int(port)}
    except ValueError as exc:
        raise SetupError("devices.printer.port", "the port is a number") from exc


def _section_changes(choice: DeviceChoice) -> dict[str, Any]:
    where = choice.where.strip()
    if choice.kind is DeviceKind.QR:
        changes: dict[str, Any] = {"driver": choice.driver}
        if choice.driver == QrDriver.CAMERA.value and where:
            try:
                changes["camera_index"] = int(where)
            except ValueError as exc:
                raise SetupError("devices.qr.camera_index", "the camera's number") from exc
        elif choice.driver == QrDriver.SERIAL.value and where:
            changes["serial_port"] = where
        elif choice.driver == QrDriver.KEYBOARD.value:
            changes["keyboard_device"] = where
        return changes
    if choice.kind is DeviceKind.SCANNER:
        changes = {"driver": choice.driver, "device": where}
        if choice.option:
            changes["source"] = choice.option
        return changes
    changes = {"driver": choice.driver}
    if choice.option:
        if choice.option not in profile_names():
            raise SetupError("devices.printer.profile", "not a known printer profile")
        changes["profile"] = choice.option
    if where:
        if choice.driver == PrinterDriver.USB.value:
            changes.update(_usb_ids(where))
        elif choice.driver == PrinterDriver.SERIAL.value:
            changes["serial_port"] = where
        elif choice.driver == PrinterDriver.NETWORK.value:
            changes.update(_host_port(where))
        elif choice.driver == PrinterDriver.FILE.value:
            changes["path"] = Path(where)
    return changes


def candidate(settings: Settings, choice: DeviceChoice) -> Settings:
    """The settings with this one device changed, validated as a configuration file is."""
    if choice.driver not in CHOICES[choice.kind] and choice.driver != _current(settings, choice):
        raise SetupError(f"devices.{choice.kind.value}.driver", "not a driver offered here")
    data = settings.model_dump(mode="python")
    data["devices"][choice.kind.value].update(_section_changes(choice))
    return _validated(data)


def _validated(data: dict[str, Any]) -> Settings:
    """Settings from ``data`` as a configuration file is checked; the first problem as a
    ``SetupError`` naming its field."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SetupError(".".join(str(part) for part in first["loc"]), first["msg"]) from None


def _current(settings: Settings, choice: DeviceChoice) -> str:
    section = getattr(settings.devices, choice.kind.value)
    return str(section.driver.value)


_CHECKS: dict[DeviceKind, Callable[[Doctor], CheckResult]] = {
    DeviceKind.QR: Doctor.qr_reader,
    DeviceKind.SCANNER: Doctor.scanner,
    DeviceKind.PRINTER: Doctor.printer,
}


def try_device(
    settings: Settings,
    choice: DeviceChoice,
    make_doctor: Callable[[Settings], Doctor] = Doctor,
) -> tuple[Settings, CheckResult]:
    """The candidate settings and the doctor's check of that device with them (blocks up to
    the doctor's device timeout: call it off the GUI thread)."""
    changed = candidate(settings, choice)
    return changed, _CHECKS[choice.kind](make_doctor(changed))


def save_if_answered(changed: Settings, results: Sequence[CheckResult], path: Path) -> bool:
    """Write the configuration when no check failed (a warning, such as paper running out,
    still saves); False, and nothing written, when one did."""
    if any(result.outcome is Outcome.FAILED for result in results):
        return False
    save_settings(changed, path)
    return True


# --- the gateway's address, its TLS trust, a proxy ------------------------------------------------


def gateway_candidate(settings: Settings, url: str, ca_file: str, proxy: str) -> Settings:
    """The settings with the gateway's address, extra CA bundle and proxy changed, validated."""
    data = settings.model_dump(mode="python")
    data["gateway"].update(
        {
            "url": url.strip(),
            "ca_file": Path(ca_file.strip()) if ca_file.strip() else None,
            "proxy": proxy.strip(),
        }
    )
    return _validated(data)


def try_gateway(
    settings: Settings,
    url: str,
    ca_file: str,
    proxy: str,
    make_doctor: Callable[[Settings], Doctor] = Doctor,
) -> tuple[Settings, list[CheckResult]]:
    """The candidate settings and the link checked with them, step by step (name, connection,
    TLS with that trust, the kiosk's token accepted, the clock). The token is the one this
    gateway issued: another gateway refuses it, and needs an enrolment, not an address."""
    changed = gateway_candidate(settings, url, ca_file, proxy)
    return changed, make_doctor(changed).gateway()
