"""Turns ``packaging/devices.toml`` into the package's udev rules.

Each listed device (by USB vendor and product id) is given to the ``kiosk`` group, mode 0660: the
USB device node itself (libusb: SANE's scanner backends, python-escpos) and the nodes its
interfaces create (hidraw for HID POS readers, tty for USB serial ones, usbmisc for usblp
printers, input for keyboard-wedge readers). A device not in the list gets nothing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

GROUP = "kiosk"
_HEX4 = re.compile(r"^[0-9a-f]{4}$")


class DeviceKind(StrEnum):
    QR = "qr"
    SCANNER = "scanner"
    PRINTER = "printer"


@dataclass(frozen=True)
class Device:
    kind: DeviceKind
    vendor: str
    product: str
    name: str


class DeviceListError(ValueError):
    """devices.toml has an entry that cannot become a rule; the message names it."""


def load(path: Path) -> list[Device]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    devices = []
    for number, entry in enumerate(data.get("device", []), start=1):
        where = f"{path.name}, device {number}"
        unknown = set(entry) - {"kind", "vendor", "product", "name"}
        if unknown:
            raise DeviceListError(f"{where}: unknown keys {sorted(unknown)}")
        try:
            kind = DeviceKind(entry["kind"])
        except (KeyError, ValueError):
            kinds = ", ".join(k.value for k in DeviceKind)
            raise DeviceListError(f"{where}: kind must be one of {kinds}") from None
        vendor, product = str(entry.get("vendor", "")), str(entry.get("product", ""))
        for label, value in (("vendor", vendor), ("product", product)):
            if not _HEX4.match(value):
                raise DeviceListError(f"{where}: {label} must be 4 lower-case hex digits")
        name = str(entry.get("name", "")).strip()
        if not name or '"' in name or "\n" in name:
            raise DeviceListError(f"{where}: name must be one line without quotes")
        devices.append(Device(kind, vendor, product, name))
    pairs = [(d.vendor, d.product) for d in devices]
    if len(pairs) != len(set(pairs)):
        raise DeviceListError(f"{path.name}: a vendor:product pair is listed twice")
    return devices


def render(devices: list[Device]) -> str:
    lines = [
        "# Generated from packaging/devices.toml by packaging/udev_rules.py: edit that list.",
        "# The kiosk's QR reader, document scanner and receipt printer, by USB id, for the",
        f"# '{GROUP}' group; nothing else.",
        "# Local additions: /etc/udev/rules.d/71-kiosk-local.rules.",
        'ACTION=="remove", GOTO="kiosk_dvc_end"',
        "",
    ]
    for device in devices:
        match = f'ATTR{{idVendor}}=="{device.vendor}", ATTR{{idProduct}}=="{device.product}"'
        parent = f'ATTRS{{idVendor}}=="{device.vendor}", ATTRS{{idProduct}}=="{device.product}"'
        grant = f'GROUP="{GROUP}", MODE="0660", ENV{{KIOSK_DEVICE}}="{device.kind.value}"'
        lines += [
            f"# {device.name} ({device.kind.value}, {device.vendor}:{device.product})",
            f'SUBSYSTEM=="usb", ENV{{DEVTYPE}}=="usb_device", {match}, {grant}',
            f'SUBSYSTEM=="hidraw|tty|usbmisc|input", {parent}, {grant}',
            "",
        ]
    lines.append('LABEL="kiosk_dvc_end"')
    return "\n".join(lines) + "\n"
