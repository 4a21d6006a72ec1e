"""What the technician mode sees of USB sticks, whatever mounts them: the ``RemovableMedia``
Protocol, ``Stick``, the one error, and ``StickWriter``, the way files are written on a stick.

The technician exports unsent dossiers to a stick (``dvc_common.export_format``) and may read a
file from one. The real implementation is ``drivers.removable.udisks`` (udisks2 over D-Bus);
``DirectoryMedia`` is a directory standing for a mounted stick (demo, tests) and
``FakeRemovableMedia`` adds the faults a real stick has.

Writing goes through ``StickWriter`` for every implementation: into ``.<name>.part`` beside the
target, flushed and fsynced, then renamed, and the directory fsynced, so a stick pulled out
mid-write never holds a file under the final name that is cut short. Each OS error becomes a
``RemovableError`` whose kind says what the technician can do: FULL (use a bigger stick),
FILE_TOO_LARGE (FAT32's 4 GiB limit: use exFAT), READ_ONLY (the lock switch), REMOVED (plugged
out; told apart from a failing stick by asking whether it is still there).
"""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Protocol

log = logging.getLogger(__name__)

# Characters FAT and exFAT refuse in names, plus the path separator (and control characters).
_FORBIDDEN = set('<>:"/\\|?*')
NAME_MAX_BYTES = 255


class RemovableProblem(StrEnum):
    """What went wrong, as a stable identifier for the screens, logs and tests."""

    UNAVAILABLE = "unavailable"  # no udisks2 (or no system bus) on this machine
    REMOVED = "removed"  # the stick is gone (pulled out, or powered off)
    NOT_MOUNTED = "not_mounted"  # writing needs ``mount`` first
    NOT_AUTHORIZED = "not_authorized"  # polkit refused the kiosk's user
    BUSY = "busy"  # a file on it is still open: cannot unmount
    MOUNT_FAILED = "mount_failed"  # unknown or damaged filesystem, refused options
    FULL = "full"
    FILE_TOO_LARGE = "file_too_large"  # FAT32 holds no file of 4 GiB or more
    READ_ONLY = "read_only"  # write-protect switch, or mounted read-only
    IO_ERROR = "io_error"  # the stick is there but fails
    TIMEOUT = "timeout"
    FAILED = "failed"  # anything else; ``technical`` says what


class RemovableError(Exception):
    """A stick operation failed; ``kind`` for the screen, ``technical`` for the log."""

    def __init__(self, kind: RemovableProblem, technical: str) -> None:
        self.kind = kind
        self.technical = technical
        super().__init__(f"{kind.value}: {technical}")


@dataclass(frozen=True, slots=True)
class Stick:
    """One filesystem on a USB stick (a stick with two partitions is two ``Stick``s)."""

    key: str  # stable while plugged in: udisks2's block object path, or the directory
    device: str  # "/dev/sdb1" (for a directory: the directory)
    label: str  # the filesystem label; may be empty
    filesystem: str  # "vfat", "exfat", "ntfs", "ext4", ...
    size_bytes: int
    free_bytes: int | None  # known only while mounted
    mounted_at: Path | None
    read_only: bool
    drive: str  # vendor and model, e.g. "SanDisk Cruzer Blade"

    @property
    def name(self) -> str:
        """What the screen calls it: the label, else the drive, else the device."""
        return self.label or self.drive or self.device


class RawFile(Protocol):
    """The partial file under a ``StickWriter`` (a real file, or the fake's faulty one)."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...

    def fileno(self) -> int: ...

    def close(self) -> None: ...


class StickWriter:
    """A file being written on a stick; a context manager and a writable binary stream (what
    ``tarfile.open(fileobj=..., mode="w|")`` needs). Leaving the block without an exception
    commits the file under its name; with one, the partial file is removed."""

    def __init__(
        self,
        directory: Path,
        name: str,
        present: Callable[[], bool],
        opener: Callable[[Path], RawFile] | None = None,
    ) -> None:
        self.path = directory / check_name(name)
        self._partial = directory / f".{name}.part"
        self._present = present
        self.written = 0
        self._closed = False
        try:
            self._file: RawFile = (opener or _open_new)(self._partial)
        except OSError as exc:
            raise self._mapped(exc, "creating") from exc

    def write(self, data: bytes) -> int:
        try:
            count = self._file.write(data)
        except OSError as exc:
            self._abort()
            raise self._mapped(exc, "writing") from exc
        self.written += count
        return count

    def flush(self) -> None:
        try:
            self._file.flush()
        except OSError as exc:
            self._abort()
            raise self._mapped(exc, "flushing") from exc

    def commit(self) -> Path:
        """Make the file durable under its name; the stick can be unmounted after this."""
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._closed = True
            self._partial.replace(self.path)
            _fsync_directory(self.path.parent)
        except OSError as exc:
            self._abort()
            raise self._mapped(exc, "saving") from exc
        return self.path

    def abort(self) -> None:
        """Give up: close and remove the partial file (as far as the stick still allows)."""
        self._abort()

    def _abort(self) -> None:
        if not self._closed:
            self._closed = True
            with suppress(OSError):
                self._file.close()
        with suppress(OSError):
            self._partial.unlink(missing_ok=True)

    def _mapped(self, exc: OSError, doing: str) -> RemovableError:
        technical = f"{doing} {self.path.name}: {exc.strerror or exc} (errno {exc.errno})"
        return RemovableError(classify(exc, self._present), technical)

    def __enter__(self) -> StickWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self._abort()


def classify(exc: OSError, present: Callable[[], bool]) -> RemovableProblem:
    """What an OS error on a stick means for the technician."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return RemovableProblem.FULL
    if exc.errno == errno.EFBIG:
        return RemovableProblem.FILE_TOO_LARGE
    if exc.errno == errno.EROFS:
        return RemovableProblem.READ_ONLY
    try:
        still_there = present()
    except Exception:  # asking must not hide the write's own error
        log.exception("could not tell whether the stick is still there")
        still_there = True
    if not still_there:
        return RemovableProblem.REMOVED
    return RemovableProblem.IO_ERROR


def check_name(name: str) -> str:
    """``name`` if it can name a file at the top of any stick; ValueError otherwise (the caller
    chooses names, so a bad one is a programming error)."""
    if (
        not name
        or name in (".", "..")
        or name.startswith(".")
        or len(name.encode("utf-8")) > NAME_MAX_BYTES - len(".part") - 1
        or any(char in _FORBIDDEN or ord(char) < 32 for char in name)
        or name.endswith((" ", "."))
    ):
        raise ValueError(f"{name!r} cannot name a file on a stick")
    return name


def free_bytes(mount_point: Path) -> int | None:
    try:
        stats = os.statvfs(mount_point)
    except OSError:
        return None
    return stats.f_bavail * stats.f_frsize


def _open_new(path: Path) -> BinaryIO:
    # "wb", not "xb": a ".part" left by an earlier attempt that died is ours to overwrite.
    return path.open("wb")


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable. Some filesystems refuse fsync on a directory (EINVAL)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
    finally:
        os.close(descriptor)


class RemovableMedia(Protocol):
    """The technician's USB sticks. Every call blocks: call them from a worker thread."""

    def available(self) -> bool:
        """Whether there is a udisks2 (or a stand-in) to ask at all."""
        ...

    def sticks(self) -> tuple[Stick, ...]:
        """The filesystems on USB sticks plugged in now. Raises ``RemovableError``."""
        ...

    def mount(self, stick: Stick) -> Path:
        """Mount it (if it is not) and return where."""
        ...

    def unmount(self, stick: Stick, *, power_off: bool = True) -> None:
        """Unmount it (if it is mounted), and power the stick off so it can be pulled out
        safely; a stick that cannot be powered off is safe to pull once unmounted."""
        ...

    def open_write(self, stick: Stick, name: str) -> StickWriter:
        """Start writing the file ``name`` at the top of the mounted stick."""
        ...
