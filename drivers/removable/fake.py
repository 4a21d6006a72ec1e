"""``FakeRemovableMedia``: a ``DirectoryMedia`` with the faults of real sticks, for the technician
screen's tests: no udisks2, a stick that fills up or is pulled out part-way through a write, a
write-protected stick, a mount that fails or is not authorised, an unmount refused because a
file is open.

The write faults are injected below ``StickWriter``, as the OS error a real stick gives (ENOSPC,
EROFS, EIO with the stick gone), so the writer's own classification and clean-up are what the
tests see. Faults are switched while the fake is in use (``set_faults``).
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

from drivers.removable.base import RawFile, RemovableError, RemovableProblem
from drivers.removable.directory import DirectoryMedia, MediaAction


class StickFault(StrEnum):
    NO_UDISKS = "no_udisks"
    FULL = "full"  # writes fail with ENOSPC once ``capacity_bytes`` are on the stick
    REMOVED_MID_WRITE = "removed_mid_write"  # pulled out after ``fail_after_bytes`` of a file
    READ_ONLY = "read_only"
    MOUNT_FAILS = "mount_fails"
    NOT_AUTHORIZED = "not_authorized"
    BUSY = "busy"  # unmount refused


class _FaultyFile:
    """The partial file on the stick, failing as the faults say."""

    def __init__(self, media: FakeRemovableMedia, path: Path) -> None:
        self._media = media
        self._file = path.open("wb")

    def write(self, data: bytes) -> int:
        self._media.before_write(len(data))
        return self._file.write(data)

    def flush(self) -> None:
        self._file.flush()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()


class FakeRemovableMedia(DirectoryMedia):
    """One stick in ``root`` with switchable faults; see the module docstring."""

    def __init__(
        self,
        root: Path,
        *,
        label: str = "KIOSK-USB",
        faults: Iterable[StickFault] = (),
        capacity_bytes: int = 64 * 1024 * 1024,
        fail_after_bytes: int = 0,
    ) -> None:
        super().__init__(root, label=label)
        self._faults = set(faults)
        self._capacity = capacity_bytes
        self._fail_after = fail_after_bytes
        self._written_now = 0  # bytes of the file being written
        self._fault_lock = threading.Lock()

    def set_faults(self, *faults: StickFault, fail_after_bytes: int | None = None) -> None:
        with self._fault_lock:
            self._faults = set(faults)
            if fail_after_bytes is not None:
                self._fail_after = fail_after_bytes

    def available(self) -> bool:
        with self._fault_lock:
            return StickFault.NO_UDISKS not in self._faults

    # --- DirectoryMedia's hooks ------------------------------------------------------------------

    def _refuse(self, action: MediaAction) -> None:
        with self._fault_lock:
            faults = set(self._faults)
        if StickFault.NO_UDISKS in faults:
            raise RemovableError(RemovableProblem.UNAVAILABLE, "fake: no udisks2")
        if action is MediaAction.MOUNT and StickFault.NOT_AUTHORIZED in faults:
            raise RemovableError(
                RemovableProblem.NOT_AUTHORIZED,
                "fake: org.freedesktop.UDisks2.Error.NotAuthorizedCanObtain",
            )
        if action is MediaAction.MOUNT and StickFault.MOUNT_FAILS in faults:
            raise RemovableError(
                RemovableProblem.MOUNT_FAILED, "fake: wrong fs type, bad superblock"
            )
        if action is MediaAction.UNMOUNT and StickFault.BUSY in faults:
            raise RemovableError(RemovableProblem.BUSY, "fake: target is busy")

    def _open(self, path: Path) -> RawFile:
        with self._fault_lock:
            self._written_now = 0
            if StickFault.READ_ONLY in self._faults:
                raise OSError(errno.EROFS, "Read-only file system")
        return _FaultyFile(self, path)

    def _free_bytes(self) -> int | None:
        return max(0, self._capacity - self._used())

    def _size_bytes(self) -> int:
        return self._capacity

    # --- faults ----------------------------------------------------------------------------------

    def before_write(self, size: int) -> None:
        """Called before ``size`` more bytes of the current file go to the stick."""
        with self._fault_lock:
            faults = set(self._faults)
            self._written_now += size
            past = self._written_now > self._fail_after
        if StickFault.REMOVED_MID_WRITE in faults and past:
            self.pull_out()
            raise OSError(errno.EIO, "Input/output error")
        if StickFault.FULL in faults and self._used() + size > self._capacity:
            raise OSError(errno.ENOSPC, "No space left on device")

    def _used(self) -> int:
        root = self.root
        if not root.is_dir():
            return 0
        return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())
