"""USB-stick scenarios for the fake udisks2, and the driver against it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dbus_fakes.harness import FakeService, PrivateBus
from drivers.removable.udisks import UDisksMedia

GB = 1_000_000_000


def block(
    name: str, label: str = "", fstype: str = "vfat", size: int = 16 * GB, **more: Any
) -> Any:
    return {"name": name, "label": label, "fstype": fstype, "size": size, **more}


def drive(
    drive_id: str, vendor: str, model: str, *blocks: dict[str, Any], **more: Any
) -> dict[str, Any]:
    return {"id": drive_id, "vendor": vendor, "model": model, "blocks": list(blocks), **more}


KIOSK_STICK = drive(
    "SanDisk_Cruzer_Blade_4C5300011", "SanDisk", "Cruzer Blade", block("sdb1", "KIOSK")
)
TWO_PARTITIONS = drive(
    "Kingston_DataTraveler_3_2e0_E0D55EA5",  # udisks2 escapes "." in object paths as "_2e"
    "Kingston",
    "DataTraveler 3.0",
    block("sdc1", "DATA", "exfat", 60 * GB),
    block("sdc2", "", "ntfs", 4 * GB),
)
INTERNAL_DISK = drive(
    "Samsung_SSD_870_EVO_S6PNNM0T",
    "",
    "Samsung SSD 870 EVO",
    block("sda2", "", "ext4", 500 * GB, mounted=True),
    bus="sata",
    removable=False,
)
ENCRYPTED = drive(
    "Verbatim_Store_n_Go_0713",
    "Verbatim",
    "Store n Go",
    block("sdd1", "", "crypto_LUKS", 32 * GB, usage="crypto"),
)
IGNORED = drive(
    "Generic_Flash_Disk_ABCD", "Generic", "Flash Disk", block("sde1", "RECOVERY", hint_ignore=True)
)


def scenario(media_root: Path, *drives: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"media_root": str(media_root), "drives": list(drives), **more}


@contextmanager
def udisks(bus: PrivateBus, spec: dict[str, Any]) -> Iterator[tuple[UDisksMedia, FakeService]]:
    with FakeService("fake_udisks", bus.address, spec) as service:
        yield UDisksMedia(bus.address), service
        # A bug in the fake shows as a traceback on its stderr, and as a misleading answer.
        assert "Traceback" not in service.log(), service.log()


def unplug(service: FakeService, drive_id: str) -> None:
    """Pull the stick out without asking udisks2."""
    service.control("Unplug", "s", drive_id, interface="org.kiosk.test.Control.UDisks")
