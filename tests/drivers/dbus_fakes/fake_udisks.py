"""A fake udisks2: the subset of its D-Bus API the removable-media driver uses, with scripted
behaviour (``python -m dbus_fakes.fake_udisks ADDRESS SCENARIO_JSON``).

Names and signatures follow udisks2's introspection data: the object manager at
``/org/freedesktop/UDisks2`` (dbus-fast answers ``GetManagedObjects`` for the objects exported
below it, and sends ``InterfacesAdded``/``InterfacesRemoved``), block devices under
``block_devices/`` with ``org.freedesktop.UDisks2.Block`` (device paths as NUL-terminated
``ay``) and, when they hold a filesystem, ``.Filesystem`` (``MountPoints`` ``aay``,
``Mount(a{sv}) -> s``, ``Unmount(a{sv})``), drives under ``drives/`` with ``.Drive``
(``ConnectionBus``, ``Removable``, ``CanPowerOff``, ``PowerOff(a{sv})``). Errors carry
udisks2's names: ``AlreadyMounted``, ``NotMounted``, ``OptionNotPermitted``, ``DeviceBusy``,
``NotAuthorizedCanObtain``, ``Failed``.

A mount "mounts" a directory under the scenario's ``media_root`` named after the label, which
keeps its files between mounts (it is the stick's content). ``PowerOff`` and the test-only
``Unplug`` take the drive and its blocks off the bus.

Scenario keys: ``media_root``, ``drives`` ([{"id", "vendor", "model", "bus", "removable",
"can_power_off", "blocks": [{"name", "label", "fstype", "size", "usage", "mounted",
"read_only", "hint_ignore"}]}]), ``mount`` ("normal", "fails", "not_authorized"), ``unmount``
("normal", "busy").
"""

from pathlib import Path
from typing import Any

from dbus_fast import DBusError, PropertyAccess
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

from dbus_fakes.common import (
    AAY,
    ASV,
    AY,
    CONTROL_INTERFACE,
    CONTROL_PATH,
    T64,
    B,
    Control,
    O,
    Recorder,
    S,
    serve,
)

UDISKS = "org.freedesktop.UDisks2"
UDISKS_PATH = "/org/freedesktop/UDisks2"
ERROR = f"{UDISKS}.Error"
# Options udisks2 allows for any filesystem (plus per-type ones; these are what a client asks).
ALLOWED_OPTIONS = {"exec", "noexec", "nodev", "nosuid", "atime", "noatime", "nodiratime", "ro"}
ALLOWED_OPTIONS |= {"rw", "sync", "dirsync", "flush", "relatime", "strictatime", "lazytime"}


def nul(text: str) -> bytes:
    return text.encode() + b"\0"


class World:
    def __init__(self, bus: MessageBus, scenario: dict[str, Any]) -> None:
        self.bus = bus
        self.scenario = scenario
        self.recorder = Recorder()
        self.media_root = Path(scenario["media_root"])
        self.drives: dict[str, Drive] = {}
        self.blocks: dict[str, Block] = {}

    def unplug(self, drive: "Drive") -> None:
        for block in [b for b in self.blocks.values() if b.drive is drive]:
            del self.blocks[block.path]
            self.bus.unexport(block.path)
        del self.drives[drive.path]
        self.bus.unexport(drive.path)

    def state(self) -> dict[str, Any]:
        return {
            "drives": sorted(d.id for d in self.drives.values()),
            "mounted": {
                b.block_name: [p.rstrip(b"\0").decode() for p in b.filesystem.mount_points]
                for b in self.blocks.values()
                if b.filesystem is not None
            },
        }


class Drive(ServiceInterface):
    def __init__(self, world: World, spec: dict[str, Any]) -> None:
        super().__init__(f"{UDISKS}.Drive")
        self.world = world
        self.id = str(spec["id"])
        self.path = f"{UDISKS_PATH}/drives/{self.id}"
        self.spec = spec

    @dbus_method()
    def PowerOff(self, options: ASV) -> None:  # noqa: N802
        self.world.recorder.record("PowerOff", self.path, options=options)
        for block in self.world.blocks.values():
            if block.drive is self and block.filesystem and block.filesystem.mount_points:
                raise DBusError(
                    f"{ERROR}.DeviceBusy", f"Cannot power off: {block.block_name} is mounted"
                )
        self.world.unplug(self)

    @dbus_method()
    def Eject(self, options: ASV) -> None:  # noqa: N802
        self.world.recorder.record("Eject", self.path, options=options)

    @dbus_property(access=PropertyAccess.READ)
    def Vendor(self) -> S:  # noqa: N802
        return str(self.spec.get("vendor", ""))

    @dbus_property(access=PropertyAccess.READ)
    def Model(self) -> S:  # noqa: N802
        return str(self.spec.get("model", ""))

    @dbus_property(access=PropertyAccess.READ)
    def Serial(self) -> S:  # noqa: N802
        return str(self.spec.get("serial", ""))

    @dbus_property(access=PropertyAccess.READ)
    def Id(self) -> S:  # noqa: N802
        return self.id

    @dbus_property(access=PropertyAccess.READ)
    def Size(self) -> T64:  # noqa: N802
        return sum(int(b.get("size", 0)) for b in self.spec.get("blocks", []))

    @dbus_property(access=PropertyAccess.READ)
    def Removable(self) -> B:  # noqa: N802
        return bool(self.spec.get("removable", True))

    @dbus_property(access=PropertyAccess.READ)
    def MediaRemovable(self) -> B:  # noqa: N802
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Ejectable(self) -> B:  # noqa: N802
        return False

    @dbus_property(access=PropertyAccess.READ)
    def ConnectionBus(self) -> S:  # noqa: N802
        return str(self.spec.get("bus", "usb"))

    @dbus_property(access=PropertyAccess.READ)
    def CanPowerOff(self) -> B:  # noqa: N802
        return bool(self.spec.get("can_power_off", True))

    @dbus_property(access=PropertyAccess.READ)
    def Seat(self) -> S:  # noqa: N802
        return "seat0"


class Filesystem(ServiceInterface):
    def __init__(self, world: World, block: "Block") -> None:
        super().__init__(f"{UDISKS}.Filesystem")
        self.world = world
        self.block = block
        self.mount_points: list[bytes] = []

    def directory(self) -> Path:
        return self.world.media_root / (self.block.spec.get("label") or self.block.block_name)

    @dbus_method()
    def Mount(self, options: ASV) -> S:  # noqa: N802
        self.world.recorder.record("Mount", self.block.path, options=options)
        device = self.block.device
        for key in ("auth.no_user_interaction",):
            if key in options and options[key].signature != "b":
                raise DBusError(f"{ERROR}.Failed", f"{key} must be a boolean")
        requested = str(options["options"].value).split(",") if "options" in options else []
        for option in requested:
            if option and option not in ALLOWED_OPTIONS:
                raise DBusError(
                    f"{ERROR}.OptionNotPermitted", f"Mount option `{option}' is not allowed"
                )
        if self.mount_points:
            where = self.mount_points[0].rstrip(b"\0").decode()
            raise DBusError(
                f"{ERROR}.AlreadyMounted", f"Device {device} is already mounted at `{where}'."
            )
        mode = self.world.scenario.get("mount", "normal")
        if mode == "not_authorized":
            raise DBusError(
                f"{ERROR}.NotAuthorizedCanObtain", "Not authorized to perform operation"
            )
        if mode == "fails":
            raise DBusError(
                f"{ERROR}.Failed",
                f"Error mounting {device}: wrong fs type, bad option, bad superblock",
            )
        directory = self.directory()
        directory.mkdir(parents=True, exist_ok=True)
        self.mount_points = [nul(str(directory))]
        self.emit_properties_changed({"MountPoints": self.mount_points})
        return str(directory)

    @dbus_method()
    def Unmount(self, options: ASV) -> None:  # noqa: N802
        self.world.recorder.record("Unmount", self.block.path, options=options)
        if not self.mount_points:
            raise DBusError(f"{ERROR}.NotMounted", f"Device `{self.block.device}' is not mounted")
        if self.world.scenario.get("unmount", "normal") == "busy":
            raise DBusError(
                f"{ERROR}.DeviceBusy", f"Error unmounting {self.block.device}: target is busy"
            )
        self.mount_points = []
        self.emit_properties_changed({"MountPoints": self.mount_points})

    @dbus_property(access=PropertyAccess.READ)
    def MountPoints(self) -> AAY:  # noqa: N802
        return self.mount_points

    @dbus_property(access=PropertyAccess.READ)
    def Size(self) -> T64:  # noqa: N802
        return int(self.block.spec.get("size", 0))


class Block(ServiceInterface):
    def __init__(self, world: World, drive: Drive, spec: dict[str, Any]) -> None:
        super().__init__(f"{UDISKS}.Block")
        self.world = world
        self.drive = drive
        self.spec = spec
        # Not ``name``: dbus-fast keeps the interface name there.
        self.block_name = str(spec["name"])
        self.path = f"{UDISKS_PATH}/block_devices/{self.block_name}"
        self.device = f"/dev/{self.block_name}"
        usage = spec.get("usage", "filesystem")
        self.filesystem = Filesystem(world, self) if usage == "filesystem" else None
        if self.filesystem is not None and spec.get("mounted"):
            directory = self.filesystem.directory()
            directory.mkdir(parents=True, exist_ok=True)
            self.filesystem.mount_points = [nul(str(directory))]

    @dbus_property(access=PropertyAccess.READ)
    def Device(self) -> AY:  # noqa: N802
        return nul(self.device)

    @dbus_property(access=PropertyAccess.READ)
    def PreferredDevice(self) -> AY:  # noqa: N802
        return nul(self.device)

    @dbus_property(access=PropertyAccess.READ)
    def Symlinks(self) -> AAY:  # noqa: N802
        return [nul(f"/dev/disk/by-id/usb-{self.drive.id}-part1")]

    @dbus_property(access=PropertyAccess.READ)
    def Id(self) -> S:  # noqa: N802
        return f"by-id-usb-{self.drive.id}"

    @dbus_property(access=PropertyAccess.READ)
    def Size(self) -> T64:  # noqa: N802
        return int(self.spec.get("size", 0))

    @dbus_property(access=PropertyAccess.READ)
    def ReadOnly(self) -> B:  # noqa: N802
        return bool(self.spec.get("read_only", False))

    @dbus_property(access=PropertyAccess.READ)
    def Drive(self) -> O:  # noqa: N802
        return self.drive.path

    @dbus_property(access=PropertyAccess.READ)
    def IdUsage(self) -> S:  # noqa: N802
        return str(self.spec.get("usage", "filesystem"))

    @dbus_property(access=PropertyAccess.READ)
    def IdType(self) -> S:  # noqa: N802
        return str(self.spec.get("fstype", "vfat"))

    @dbus_property(access=PropertyAccess.READ)
    def IdVersion(self) -> S:  # noqa: N802
        return "FAT32"

    @dbus_property(access=PropertyAccess.READ)
    def IdLabel(self) -> S:  # noqa: N802
        return str(self.spec.get("label", ""))

    @dbus_property(access=PropertyAccess.READ)
    def IdUUID(self) -> S:  # noqa: N802
        return "4C53-1A2B"

    @dbus_property(access=PropertyAccess.READ)
    def CryptoBackingDevice(self) -> O:  # noqa: N802
        return "/"

    @dbus_property(access=PropertyAccess.READ)
    def HintPartitionable(self) -> B:  # noqa: N802
        return False

    @dbus_property(access=PropertyAccess.READ)
    def HintSystem(self) -> B:  # noqa: N802
        return self.drive.spec.get("bus", "usb") != "usb"

    @dbus_property(access=PropertyAccess.READ)
    def HintIgnore(self) -> B:  # noqa: N802
        return bool(self.spec.get("hint_ignore", False))

    @dbus_property(access=PropertyAccess.READ)
    def HintAuto(self) -> B:  # noqa: N802
        return True


class Manager(ServiceInterface):
    def __init__(self) -> None:
        super().__init__(f"{UDISKS}.Manager")

    @dbus_property(access=PropertyAccess.READ)
    def Version(self) -> S:  # noqa: N802
        return "2.9.4"


class UDisksControl(ServiceInterface):
    """Test-only: pull a stick out without asking udisks2 (as a person does)."""

    def __init__(self, world: World) -> None:
        super().__init__(f"{CONTROL_INTERFACE}.UDisks")
        self.world = world

    @dbus_method()
    def Unplug(self, drive_id: S) -> None:  # noqa: N802
        self.world.unplug(self.world.drives[f"{UDISKS_PATH}/drives/{drive_id}"])


async def build(bus: MessageBus, scenario: dict[str, Any]) -> None:
    world = World(bus, scenario)
    bus.export(f"{UDISKS_PATH}/Manager", Manager())
    bus.export(CONTROL_PATH, Control(world.recorder, world.state))
    bus.export(CONTROL_PATH, UDisksControl(world))
    for spec in scenario.get("drives", []):
        drive = Drive(world, spec)
        world.drives[drive.path] = drive
        bus.export(drive.path, drive)
        for block_spec in spec.get("blocks", []):
            block = Block(world, drive, block_spec)
            world.blocks[block.path] = block
            bus.export(block.path, block)
            if block.filesystem is not None:
                bus.export(block.path, block.filesystem)


if __name__ == "__main__":
    serve(UDISKS, build)
