"""``DirectoryMedia``: a directory standing for one mounted USB stick, for the demo and for tests
of what is written (exports read back byte for byte).

It behaves like a stick that is plugged in and mounted: ``unmount`` leaves it listed but not
mounted, ``unmount(power_off=True)`` makes it disappear until ``plug_in()``, and writing goes
through the same ``StickWriter`` as a real stick. ``FakeRemovableMedia`` builds its faults on
the two hooks it offers (``_open`` and ``_refuse``).
"""

from __future__ import annotations

import os
import threading
from enum import StrEnum
from pathlib import Path

from drivers.removable.base import (
    RawFile,
    RemovableError,
    RemovableProblem,
    Stick,
    StickWriter,
    free_bytes,
)


class MediaAction(StrEnum):
    """The operations a subclass may refuse (see ``_refuse``)."""

    LIST = "list"
    MOUNT = "mount"
    UNMOUNT = "unmount"
    WRITE = "write"


class DirectoryMedia:
    """One "stick" that is the directory ``root``; thread-safe."""

    def __init__(self, root: Path, *, label: str = "KIOSK-USB", filesystem: str = "vfat") -> None:
        self._root = root
        self._label = label
        self._filesystem = filesystem
        self._lock = threading.Lock()
        self._mounted = True
        self._plugged = True

    @property
    def root(self) -> Path:
        return self._root

    def plug_in(self) -> None:
        """The stick is (back) in the port, mounted as a desktop would mount it."""
        with self._lock:
            self._plugged = True
            self._mounted = True

    def pull_out(self) -> None:
        """The stick is pulled out without being unmounted first."""
        with self._lock:
            self._plugged = False
            self._mounted = False

    # --- RemovableMedia --------------------------------------------------------------------------

    def available(self) -> bool:
        return True

    def sticks(self) -> tuple[Stick, ...]:
        self._refuse(MediaAction.LIST)
        with self._lock:
            if not self._present():
                return ()
            return (self._stick(),)

    def mount(self, stick: Stick) -> Path:
        self._refuse(MediaAction.MOUNT)
        with self._lock:
            self._check(stick)
            self._mounted = True
            return self._root

    def unmount(self, stick: Stick, *, power_off: bool = True) -> None:
        self._refuse(MediaAction.UNMOUNT)
        with self._lock:
            self._check(stick)
            self._mounted = False
            if power_off:
                self._plugged = False

    def open_write(self, stick: Stick, name: str) -> StickWriter:
        self._refuse(MediaAction.WRITE)
        with self._lock:
            self._check(stick)
            if not self._mounted:
                raise RemovableError(RemovableProblem.NOT_MOUNTED, f"{self._label} is not mounted")
        return StickWriter(self._root, name, self.is_present, self._open)

    # --- hooks -----------------------------------------------------------------------------------

    def _open(self, path: Path) -> RawFile:
        return path.open("wb")

    def _refuse(self, action: MediaAction) -> None:
        """Raise a RemovableError to refuse ``action`` (the fake's faults); nothing here."""

    def _free_bytes(self) -> int | None:
        return free_bytes(self._root)

    def _size_bytes(self) -> int:
        stats = os.statvfs(self._root)
        return stats.f_blocks * stats.f_frsize

    # --- helpers ---------------------------------------------------------------------------------

    def is_present(self) -> bool:
        with self._lock:
            return self._present()

    def _present(self) -> bool:
        return self._plugged and self._root.is_dir()

    def _check(self, stick: Stick) -> None:
        if stick.key != self._key or not self._present():
            raise RemovableError(RemovableProblem.REMOVED, f"{stick.name} is not plugged in")

    @property
    def _key(self) -> str:
        return f"dir:{self._root}"

    def _stick(self) -> Stick:
        return Stick(
            key=self._key,
            device=str(self._root),
            label=self._label,
            filesystem=self._filesystem,
            size_bytes=self._size_bytes(),
            free_bytes=self._free_bytes() if self._mounted else None,
            mounted_at=self._root if self._mounted else None,
            read_only=not os.access(self._root, os.W_OK),
            drive="Directory",
        )
