"""Where the outbox keeps things on disk, and the file locks every process takes on them.

One data directory holds the database (``queue.sqlite3``), one folder of encrypted files per
dossier under ``outbox/``, and ``quarantine/`` for whatever could not be read (damaged databases,
folders no row explains). Two ``flock`` locks keep processes apart where SQLite's own locking
cannot (flock, so a killed process releases them):

- ``.db.lock`` is held shared by every open handle for its whole life; moving a damaged database
  aside takes it exclusively, so no process is ever left writing into a file that was moved;
- ``outbox/.enqueue.lock`` is held shared by every enqueue from before its folder exists until
  its row commits, and exclusively by the sweep of unexplained folders, which can therefore never
  mistake an enqueue in flight for an orphan.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DB_NAME = "queue.sqlite3"
FILES_DIR = "outbox"
QUARANTINE_DIR = "quarantine"
ORPHANS_DIR = "orphans"
ENQUEUE_LOCK = ".enqueue.lock"
DB_LOCK = ".db.lock"


@dataclass(frozen=True)
class Layout:
    """The paths of one outbox."""

    data_dir: Path

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME

    @property
    def files_root(self) -> Path:
        return self.data_dir / FILES_DIR

    @property
    def quarantine(self) -> Path:
        return self.data_dir / QUARANTINE_DIR

    @property
    def orphans(self) -> Path:
        return self.quarantine / ORPHANS_DIR

    def folder(self, client_uuid: str) -> Path:
        """The folder of one dossier's encrypted files."""
        return self.files_root / client_uuid

    def create(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.files_root.mkdir(exist_ok=True, mode=0o700)

    def dossier_folders(self, *roots: Path) -> Iterator[Path]:
        """Dossier folders under ``roots`` (default: the outbox), in name order; dot-names are
        the store's own lock and staging files."""
        for root in roots or (self.files_root,):
            if root.is_dir():
                for entry in sorted(root.iterdir()):
                    if entry.is_dir() and not entry.name.startswith("."):
                        yield entry

    def has_dossier_folders(self) -> bool:
        return next(self.dossier_folders(), None) is not None

    @contextlib.contextmanager
    def enqueue_lock(self, *, shared: bool, wait: bool = True) -> Iterator[bool]:
        """flock on ``outbox/.enqueue.lock``; yields False when ``wait`` is off and it is held."""
        fd = os.open(self.files_root / ENQUEUE_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            flags = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            try:
                fcntl.flock(fd, flags if wait else flags | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # closing releases the lock

    def open_db_lock(self) -> int:
        """The database lock's file descriptor, held shared until it is closed."""
        fd = os.open(self.data_dir / DB_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
        except BaseException:
            os.close(fd)
            raise
        return fd
