"""USB sticks through udisks2 over D-Bus: ``UDisksMedia`` implements ``RemovableMedia``.

Names, signatures and error names are udisks2's documented D-Bus API: the object manager at
``/org/freedesktop/UDisks2`` (``GetManagedObjects``), ``org.freedesktop.UDisks2.Block``
(``Device``, ``Size``, ``IdUsage``, ``IdType``, ``IdLabel``, ``Drive``, ``ReadOnly``,
``HintIgnore``), ``.Filesystem`` (``MountPoints``, ``Mount``, ``Unmount``) and ``.Drive``
(``ConnectionBus``, ``Removable``, ``CanPowerOff``, ``PowerOff``).

A stick is a block device with a filesystem on a drive whose ``ConnectionBus`` is "usb" and that
is ``Removable``; internal disks, encrypted volumes (no Filesystem interface until unlocked) and
blocks udisks2 was told to ignore are left out. Every call reads the object tree afresh: a
``Stick`` can be stale (pulled out, re-plugged under another name), and an object that is gone
is REMOVED. Mounting asks for ``noexec`` (nothing on a stick is run) on top of udisks2's own
``nosuid,nodev``, and never for interaction (a kiosk has nobody to type a password). The kiosk's
user needs polkit's ``org.freedesktop.udisks2.filesystem-mount`` (and ``-other-seat`` when the
kiosk runs without a logind seat) and ``power-off-drive``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from drivers.dbus import (
    Bus,
    BusError,
    BusTimeoutError,
    BusUnavailableError,
    Props,
    RemoteError,
    Variant,
    variant,
)
from drivers.removable.base import (
    RemovableError,
    RemovableProblem,
    Stick,
    StickWriter,
    free_bytes,
)

log = logging.getLogger(__name__)

UDISKS: Final = "org.freedesktop.UDisks2"
UDISKS_PATH: Final = "/org/freedesktop/UDisks2"
BLOCK: Final = f"{UDISKS}.Block"
FILESYSTEM: Final = f"{UDISKS}.Filesystem"
DRIVE: Final = f"{UDISKS}.Drive"
ERROR: Final = f"{UDISKS}.Error"
USB: Final = "usb"
FILESYSTEM_USAGE: Final = "filesystem"
MOUNT_OPTIONS: Final = "noexec"
DEFAULT_CALL_TIMEOUT_S: Final = 30.0  # a mount may first replay a dirty FAT journal


def _text(raw: bytes) -> str:
    """udisks2 gives paths as NUL-terminated byte strings."""
    return raw.rstrip(b"\0").decode("utf-8", errors="surrogateescape")


class UDisksMedia:
    """``RemovableMedia`` over udisks2; ``bus_address`` None means the system bus. One connection
    per call: an instance holds nothing and is thread-safe."""

    def __init__(
        self,
        bus_address: str | None = None,
        *,
        call_timeout_s: float = DEFAULT_CALL_TIMEOUT_S,
        mount_options: str = MOUNT_OPTIONS,
    ) -> None:
        self._address = bus_address
        self._timeout_s = call_timeout_s
        self._mount_options = mount_options

    # --- RemovableMedia --------------------------------------------------------------------------

    def available(self) -> bool:
        try:
            with Bus(self._address, timeout_s=self._timeout_s) as bus:
                return bus.has_owner(UDISKS)
        except BusError:
            return False

    def sticks(self) -> tuple[Stick, ...]:
        with self._session("listing sticks") as bus:
            objects = bus.managed_objects(UDISKS, UDISKS_PATH)
        return tuple(
            sorted(
                (stick for path in objects if (stick := _stick(path, objects)) is not None),
                key=lambda s: s.device,
            )
        )

    def mount(self, stick: Stick) -> Path:
        with self._session(f"mounting {stick.name}", RemovableProblem.MOUNT_FAILED) as bus:
            current = self._current(bus, stick)
            if current.mounted_at is not None:
                return current.mounted_at
            options = {
                "auth.no_user_interaction": variant("b", True),
                "options": variant("s", self._mount_options),
            }
            try:
                (where,) = bus.call(
                    UDISKS, stick.key, FILESYSTEM, "Mount", signature="a{sv}", body=(options,)
                )
            except RemoteError as exc:
                if exc.name != f"{ERROR}.AlreadyMounted":
                    raise
                # Mounted meanwhile (by a desktop automounter): use that mount.
                mounted = self._current(bus, stick).mounted_at
                if mounted is None:
                    raise
                return mounted
            log.info("removable: mounted %s at %s", stick.device, where)
            return Path(str(where))

    def unmount(self, stick: Stick, *, power_off: bool = True) -> None:
        with self._session(f"unmounting {stick.name}") as bus:
            current = self._current(bus, stick)
            quiet = {"auth.no_user_interaction": variant("b", True)}
            if current.mounted_at is not None:
                try:
                    bus.call(
                        UDISKS, stick.key, FILESYSTEM, "Unmount", signature="a{sv}", body=(quiet,)
                    )
                except RemoteError as exc:
                    if exc.name != f"{ERROR}.NotMounted":
                        raise
            if power_off:
                self._power_off(bus, stick, quiet)

    def open_write(self, stick: Stick, name: str) -> StickWriter:
        with self._session(f"writing {name} on {stick.name}") as bus:
            current = self._current(bus, stick)
        if current.mounted_at is None:
            raise RemovableError(RemovableProblem.NOT_MOUNTED, f"{stick.name} is not mounted")
        if current.read_only:
            raise RemovableError(RemovableProblem.READ_ONLY, f"{stick.name} is write-protected")
        return StickWriter(current.mounted_at, name, lambda: self._present(stick))

    # --- plumbing --------------------------------------------------------------------------------

    @contextmanager
    def _session(
        self, doing: str, otherwise: RemovableProblem = RemovableProblem.FAILED
    ) -> Iterator[Bus]:
        """A connection for one operation; every bus failure leaves as a RemovableError."""
        try:
            with Bus(self._address, timeout_s=self._timeout_s) as bus:
                if not bus.has_owner(UDISKS):
                    raise RemovableError(
                        RemovableProblem.UNAVAILABLE, f"{UDISKS} is not on the bus"
                    )
                yield bus
        except BusError as exc:
            raise _mapped(exc, doing, otherwise) from None

    def _current(self, bus: Bus, stick: Stick) -> Stick:
        """``stick`` as udisks2 sees it now; REMOVED when it is gone."""
        objects = bus.managed_objects(UDISKS, UDISKS_PATH)
        current = _stick(stick.key, objects)
        if current is None:
            raise RemovableError(RemovableProblem.REMOVED, f"{stick.device} is no longer there")
        return current

    def _present(self, stick: Stick) -> bool:
        """Whether the stick is still plugged in (asked after a failed write)."""
        try:
            with Bus(self._address, timeout_s=self._timeout_s) as bus:
                objects = bus.managed_objects(UDISKS, UDISKS_PATH)
        except BusError:
            return True  # cannot tell: report the write's own error
        return stick.key in objects

    def _power_off(self, bus: Bus, stick: Stick, options: dict[str, Variant]) -> None:
        objects = bus.managed_objects(UDISKS, UDISKS_PATH)
        block = objects.get(stick.key, {}).get(BLOCK)
        drive_path = block.path("Drive") if block is not None else None
        drive = objects.get(drive_path or "", {}).get(DRIVE)
        if drive_path is None or drive is None or not drive.flag("CanPowerOff"):
            return  # unmounted is safe to pull out; nothing more to do
        try:
            bus.call(UDISKS, drive_path, DRIVE, "PowerOff", signature="a{sv}", body=(options,))
        except RemoteError as exc:
            if exc.name == f"{ERROR}.DeviceBusy":
                # Another partition of the same stick is still mounted: it stays powered.
                log.info("removable: %s stays powered: %s", drive_path, exc.message)
                return
            raise


def _stick(path: str, objects: dict[str, dict[str, Props]]) -> Stick | None:
    """The block object at ``path`` as a Stick, if it is a filesystem on a USB stick."""
    interfaces = objects.get(path)
    if interfaces is None:
        return None
    block, filesystem = interfaces.get(BLOCK), interfaces.get(FILESYSTEM)
    if block is None or filesystem is None:
        return None
    if block.text("IdUsage") != FILESYSTEM_USAGE or block.flag("HintIgnore"):
        return None
    drive = objects.get(block.path("Drive") or "", {}).get(DRIVE)
    if drive is None or drive.text("ConnectionBus") != USB or not drive.flag("Removable"):
        return None
    mount_points = [Path(_text(raw)) for raw in filesystem.datas("MountPoints")]
    mounted_at = mount_points[0] if mount_points else None
    return Stick(
        key=path,
        device=_text(block.data("PreferredDevice") or block.data("Device")),
        label=block.text("IdLabel"),
        filesystem=block.text("IdType"),
        size_bytes=block.number("Size"),
        free_bytes=free_bytes(mounted_at) if mounted_at is not None else None,
        mounted_at=mounted_at,
        read_only=block.flag("ReadOnly"),
        drive=" ".join(part for part in (drive.text("Vendor"), drive.text("Model")) if part),
    )


def _mapped(exc: BusError, doing: str, otherwise: RemovableProblem) -> RemovableError:
    """A bus failure as the RemovableError the screen can word; ``otherwise`` for a udisks2
    error with nothing more specific to say (its message goes to ``technical``)."""
    if isinstance(exc, BusUnavailableError):
        return RemovableError(RemovableProblem.UNAVAILABLE, f"{doing}: {exc}")
    if isinstance(exc, BusTimeoutError):
        return RemovableError(RemovableProblem.TIMEOUT, f"{doing}: udisks2: {exc}")
    assert isinstance(exc, RemoteError)
    technical = f"{doing}: {exc.name}: {exc.message}"
    if exc.absent:
        return RemovableError(RemovableProblem.UNAVAILABLE, technical)
    if exc.gone:
        return RemovableError(RemovableProblem.REMOVED, technical)
    if exc.name.startswith(f"{ERROR}.NotAuthorized"):  # also ...CanObtain, ...Dismissed
        return RemovableError(RemovableProblem.NOT_AUTHORIZED, technical)
    if exc.name == f"{ERROR}.DeviceBusy":
        return RemovableError(RemovableProblem.BUSY, technical)
    if exc.name == f"{ERROR}.Timedout":
        return RemovableError(RemovableProblem.TIMEOUT, technical)
    return RemovableError(otherwise, technical)
