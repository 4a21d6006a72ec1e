"""The durable outbox: one SQLite database plus one directory of encrypted files per dossier.

Durability rules (kiosks lose power at any moment):
- the page files are encrypted and written atomically (temp, fsync, rename, fsync of the
  directory) *before* the row that names them commits, so a committed row always has its files;
- the database runs in WAL mode with ``synchronous=FULL``, so a commit that returned survives
  power loss on storage that honours fsync;
- nothing is ever deleted because it could not be read: it is moved to ``quarantine/`` and an
  alert tells the technician.

The touchscreen app (enqueue) and the sync process share the database; SQLite's locking plus a
busy timeout keeps them apart, and each side only touches the columns it owns.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Collection, Container, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlite_utils

from dvc_common.atomic import fsync_directory
from dvc_common.protocol import DEFAULT_LIMITS, ProtocolLimits
from offline_queue import crypto, recovery
from offline_queue.crypto import CryptoError, EncryptedReader, MasterKey
from offline_queue.limits import (
    EnqueueRefusal,
    PageFacts,
    Problem,
    check_dossier,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DB_NAME = "queue.sqlite3"
FILES_DIR = "outbox"
QUARANTINE_DIR = "quarantine"
ORPHANS_DIR = "orphans"
# Held shared by every enqueue from before its folder exists until its row commits, and
# exclusively by the start-up sweep: the sweep can never mistake an enqueue in flight for an
# orphan. flock, so a killed process releases it.
ENQUEUE_LOCK = ".enqueue.lock"
DB_LOCK = ".db.lock"

# SQLite's primary result codes (sqlite3.h) that mean the file itself is damaged. Everything
# else at open (locked, busy, full, I/O, cannot open, read-only) is a condition that passes or
# that a technician fixes; the database is left exactly where it is.
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
_RECOVERY_PENDING = "recovery_pending"
_REQUIRED_TABLES = frozenset({"meta", "dossiers", "files", "events", "alerts", "status"})

Now = Callable[[], float]


class QueueStatus(StrEnum):
    QUEUED = "queued"  # stored on the kiosk; the gateway knows nothing yet
    UPLOADING = "uploading"  # the gateway created the dossier; files are being sent
    UPLOADED = "uploaded"  # every file arrived; waiting for the official code
    SUBMITTED = "submitted"  # the gateway issued the official code
    NEEDS_ATTENTION = "needs_attention"  # refused or unreadable: kept for a technician


ACTIVE = (QueueStatus.QUEUED, QueueStatus.UPLOADING, QueueStatus.UPLOADED)


class ErrorKind(StrEnum):
    TRANSIENT = "transient"  # network, timeouts, 5xx, garbage: retried with backoff
    AUTH = "auth"  # 401/403: syncing stops, a technician must re-enrol
    PERMANENT = "permanent"  # the gateway refused this dossier (4xx): kept, needs attention
    CORRUPT = "corrupt"  # the kiosk's own copy cannot be read: quarantined


class AlertKind(StrEnum):
    AUTH = "auth"
    QUARANTINE = "quarantine"
    DATABASE = "database"


class QueueError(Exception):
    """Storing or reading the queue failed; ``citizen_message`` is for the screen."""

    citizen_message = (
        "Máy chưa lưu được hồ sơ của ông/bà. Xin bấm nút Gọi cán bộ để được hỗ trợ; "
        "thông tin ông/bà đã nhập vẫn được giữ."
    )


class QueueFullError(QueueError):
    """Not enough disk space to store the dossier safely."""

    citizen_message = (
        "Bộ nhớ của máy đã đầy nên chưa lưu được hồ sơ. Xin bấm nút Gọi cán bộ; "
        "thông tin ông/bà đã nhập vẫn được giữ."
    )


class QueueUnavailableError(QueueError):
    """The outbox cannot be opened right now (locked, disk full, I/O error); nothing was moved.

    Not corruption: the database stays where it is, and opening it again once the condition
    passes finds every dossier.
    """


class QueueRefusedError(QueueError):
    """The gateway would refuse this dossier; nothing was stored. ``problems`` say why."""

    def __init__(self, receipt_number: str, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        self.reasons = [p.reason for p in self.problems]
        super().__init__(f"{receipt_number} refused: " + "; ".join(str(p) for p in self.problems))


class MasterKeyError(CryptoError):
    """The master key file is missing, damaged or not the outbox's; nothing was created."""


class DatabaseCorruptError(Exception):
    """Proof that the queue database is damaged (as opposed to busy, full or unreadable)."""


@dataclass(frozen=True)
class PageInput:
    """A page file to queue, and the document it belongs to."""

    source: Path
    document_code: str
    name: str
    media_type: str = "application/octet-stream"


@dataclass(frozen=True)
class FileRow:
    client_uuid: str
    idx: int
    document_code: str
    name: str
    media_type: str
    size: int
    sha256: str
    path: Path
    gateway_file_id: str | None
    upload_url: str | None
    complete: bool

    @property
    def context(self) -> str:
        return f"file:{self.client_uuid}:{self.idx}"


@dataclass(frozen=True)
class DossierRow:
    client_uuid: str
    receipt_number: str
    procedure_code: str
    enqueued_at: float
    status: QueueStatus
    attempts: int
    next_attempt_at: float
    last_error: str | None
    error_kind: ErrorKind | None
    gateway_dossier_id: str | None
    official_code: str | None
    appointment_date: str | None
    submitted_at: float | None
    rating_pending: bool
    erased_at: float | None
    quarantined: bool
    total_bytes: int
    sent_files: int
    file_count: int

    def to_public(self) -> dict[str, Any]:
        """What a technician may see without decrypting anything: no personal data."""
        return {
            "client_uuid": self.client_uuid,
            "receipt_number": self.receipt_number,
            "procedure_code": self.procedure_code,
            "status": self.status.value,
            "enqueued_at": _iso(self.enqueued_at),
            "attempts": self.attempts,
            "next_attempt_at": _iso(self.next_attempt_at) if self.status in ACTIVE else None,
            "last_error": self.last_error,
            "error_kind": self.error_kind.value if self.error_kind else None,
            "official_code": self.official_code,
            "appointment_date": self.appointment_date,
            "files": f"{self.sent_files}/{self.file_count}",
            "bytes": self.total_bytes,
            "erased": self.erased_at is not None,
            "quarantined": self.quarantined,
        }


@dataclass(frozen=True)
class _Submission:
    """One enqueue's input, as the caller gave it."""

    client_uuid: str
    receipt_number: str
    procedure_code: str
    body: dict[str, Any]
    pages: Sequence[PageInput]


@dataclass(frozen=True)
class EnqueueResult:
    client_uuid: str
    receipt_number: str
    already_queued: bool


@dataclass(frozen=True)
class StartupReport:
    integrity_ok: bool
    quarantined_rows: list[str]
    orphans_moved: list[str]
    database_moved_to: Path | None
    recovered: list[str] = field(default_factory=list)
    sweep_deferred: bool = False

    @property
    def clean(self) -> bool:
        return (
            self.integrity_ok
            and not self.quarantined_rows
            and not self.orphans_moved
            and self.database_moved_to is None
            and not self.recovered
        )


@dataclass(frozen=True)
class RecoveryReport:
    """What ``recover`` rebuilt, and what it could not."""

    recovered: list[str]  # receipt numbers of rows rebuilt from folders
    restored_from_database: list[str]  # rows brought back from a quarantined database alone
    with_salvaged_state: list[str]  # rebuilt rows whose progress came from an old database
    unreadable: dict[str, str]  # folder name → why it could not be used
    already_present: int


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE dossiers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    client_uuid TEXT NOT NULL UNIQUE,
    receipt_number TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    enqueued_at REAL NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT,
    error_kind TEXT,
    wrapped_key BLOB,
    body BLOB,
    gateway_dossier_id TEXT,
    official_code TEXT,
    appointment_date TEXT,
    submitted_at REAL,
    rating BLOB,
    rating_synced INTEGER NOT NULL DEFAULT 1,
    erased_at REAL,
    quarantined INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX dossiers_due ON dossiers (status, next_attempt_at);
CREATE INDEX dossiers_receipt ON dossiers (receipt_number);
CREATE TABLE files (
    client_uuid TEXT NOT NULL REFERENCES dossiers (client_uuid),
    idx INTEGER NOT NULL,
    document_code TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    gateway_file_id TEXT,
    upload_url TEXT,
    complete INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client_uuid, idx)
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_uuid TEXT,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT
);
CREATE TABLE alerts (
    kind TEXT PRIMARY KEY,
    raised_at REAL NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE status (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at REAL NOT NULL);
"""

# Index i upgrades a database from version i to i + 1.
MIGRATIONS: Sequence[str] = (_V1,)


def _connect(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
    )
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        _enter_wal(conn, busy_timeout_s)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _enter_wal(conn: sqlite3.Connection, busy_timeout_s: float) -> None:
    """``PRAGMA journal_mode = WAL``, retried while another process holds the lock.

    Switching a new database to WAL needs an exclusive lock, and SQLite answers "database is
    locked" at once, without its busy handler, when two processes open a fresh kiosk's queue
    together; the busy timeout alone does not cover it.
    """
    deadline = time.monotonic() + busy_timeout_s
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if code not in (_SQLITE_BUSY, _SQLITE_LOCKED) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _is_corruption(exc: BaseException) -> bool:
    """True only for errors that prove the file is damaged.

    "database is locked", "database or disk is full", "disk I/O error", "unable to open" are
    not: treating them as corruption moved healthy queues into quarantine.
    """
    if isinstance(exc, UnicodeDecodeError | DatabaseCorruptError):
        return True
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    # Raised by Python's module itself, without a SQLite code: text that is not UTF-8 in the
    # schema or in a row is damage too.
    return "Could not decode" in str(exc)


def _verify_integrity(conn: sqlite3.Connection) -> None:
    """Raise DatabaseCorruptError when the file is provably damaged; sqlite3 errors pass up."""
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise DatabaseCorruptError(str(result)[:300])
    # name and sql both: text that is not UTF-8 anywhere in the schema is damage.
    names = {str(row[0]) for row in conn.execute("SELECT name, sql FROM sqlite_master")}
    # A database with some of our tables but not all is not one we wrote: ours are created in
    # one transaction. (An empty file is a new queue.)
    present = names & _REQUIRED_TABLES
    if present and present != _REQUIRED_TABLES:
        raise DatabaseCorruptError(f"tables missing: {sorted(_REQUIRED_TABLES - present)}")
    if present:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or not str(row[0]).isdigit():
            raise DatabaseCorruptError("schema version unreadable")


class QueueStore:
    """One process's handle on the outbox. Use from one thread at a time."""

    def __init__(
        self,
        data_dir: Path,
        master_key_path: Path,
        *,
        now: Now = time.time,
        min_free_bytes: int = 50 * 1024 * 1024,
        busy_timeout_s: float = 15.0,
        limits: Callable[[], ProtocolLimits] = lambda: DEFAULT_LIMITS,
        known_procedures: Callable[[], Container[str]] | None = None,
    ) -> None:
        self._dir = data_dir
        self._files_root = data_dir / FILES_DIR
        self._quarantine = data_dir / QUARANTINE_DIR
        self._now = now
        self._min_free = min_free_bytes
        self._busy_timeout_s = busy_timeout_s
        self._limits = limits
        self._known_procedures = known_procedures
        self._key_path = master_key_path
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._files_root.mkdir(exist_ok=True, mode=0o700)
        self._db_path = data_dir / DB_NAME
        self.startup_report = StartupReport(True, [], [], None)
        # Held shared for this handle's whole life; moving a damaged database away needs it
        # exclusively, so no process is ever left writing into a file that was moved.
        self._db_lock = os.open(data_dir / DB_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._db_lock, fcntl.LOCK_SH)
            self._conn = self._open_database()
        except BaseException:
            os.close(self._db_lock)
            raise
        try:
            self.db = sqlite_utils.Database(self._conn)
            self._migrate()
            self._key = self._load_master_key(master_key_path)
        except sqlite3.Error as exc:
            # The file passed its integrity check: this is a lock, a full disk or I/O.
            self._close_handles()
            raise self._unavailable(exc) from exc
        except BaseException:
            self._close_handles()
            raise

    # --- opening ----------------------------------------------------------------------------

    def _open_database(self) -> sqlite3.Connection:
        """Open the database. Only proven corruption moves it to quarantine.

        A lock held too long, a full disk or an I/O error raises QueueUnavailableError and
        touches nothing: the queue is healthy and will open once the condition passes.
        """
        moved: Path | None = None
        try:
            conn = _connect(self._db_path, self._busy_timeout_s)
            try:
                _verify_integrity(conn)
            except BaseException:
                conn.close()
                raise
        except (sqlite3.DatabaseError, UnicodeDecodeError, DatabaseCorruptError) as exc:
            if not _is_corruption(exc):
                raise self._unavailable(exc) from exc
            moved = self._quarantine_database(str(exc))
            try:
                conn = _connect(self._db_path, self._busy_timeout_s)
            except sqlite3.Error as again:
                raise self._unavailable(again) from again
        self.startup_report = StartupReport(moved is None, [], [], moved)
        return conn

    def _unavailable(self, exc: BaseException) -> QueueError:
        text = str(exc)
        if "full" in text or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
            return QueueFullError(f"queue database {self._db_path}: {text} (nothing was moved)")
        return QueueUnavailableError(
            f"queue database {self._db_path} cannot be opened now: {text}; nothing was moved, "
            "try again (another process may hold it, or the disk is full or failing)"
        )

    def _quarantine_database(self, why: str) -> Path:
        """Move the damaged database aside, whole, with no process still using it.

        The files are hard-linked into the quarantine folder, made durable, and only then
        removed (write-ahead log first): a kill at any point leaves either the original in
        place (found damaged again next time) or a complete copy in quarantine.
        """
        try:
            fcntl.flock(self._db_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise QueueUnavailableError(
                f"queue database {self._db_path} is damaged ({why}) but another process still "
                "has it open; it is moved aside (and its dossiers rebuilt) by the first process "
                "to open it alone: restart the kiosk services"
            ) from None
        try:
            target = self._quarantine / f"database-{int(self._now())}"
            suffix_n = 1
            while target.exists():
                target = self._quarantine / f"database-{int(self._now())}-{suffix_n}"
                suffix_n += 1
            target.mkdir(parents=True, mode=0o700)
            present = [
                self._db_path.with_name(DB_NAME + suffix)
                for suffix in ("", "-wal", "-shm")
                if self._db_path.with_name(DB_NAME + suffix).exists()
            ]
            for source in present:
                os.link(source, target / source.name)
            fsync_directory(target)
            fsync_directory(self._quarantine)
            for source in reversed(present):  # -shm, -wal, then the database itself
                source.unlink()
            fsync_directory(self._dir)
        finally:
            fcntl.flock(self._db_lock, fcntl.LOCK_SH)
        log.error("queue database damaged (%s); moved to %s", why, target)
        return target

    def _migrate(self) -> None:
        # Read first, write only when something changes: opening a healthy queue to read it
        # (``kiosk queue list`` on a full disk) must not need a single byte of space.
        if self._schema_version() == SCHEMA_VERSION:
            self._raise_database_alert()
            return
        with self.transaction():
            version = self._schema_version()
            if version > SCHEMA_VERSION:
                raise QueueError(f"queue schema {version} is newer than this software")
            for step in MIGRATIONS[version:]:
                for statement in step.split(";"):
                    if statement.strip():
                        self._conn.execute(statement)
            if version == 0 and self._has_dossier_folders():
                # A new database beside dossier folders: the old one was lost or moved (a kill
                # right after the move included). The next check() rebuilds their rows.
                self._conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')",
                    (_RECOVERY_PENDING,),
                )
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        self._raise_database_alert()

    def _schema_version(self) -> int:
        has_meta = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if has_meta is None:
            return 0
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _dossier_folders(self, *roots: Path) -> Iterator[Path]:
        """Dossier folders under ``roots`` (default: the outbox), in name order; dot-names are
        the store's own lock and staging files."""
        for root in roots or (self._files_root,):
            if root.is_dir():
                for entry in sorted(root.iterdir()):
                    if entry.is_dir() and not entry.name.startswith("."):
                        yield entry

    def _has_dossier_folders(self) -> bool:
        return next(self._dossier_folders(), None) is not None

    def _raise_database_alert(self) -> None:
        if self.startup_report.database_moved_to is not None:
            self.raise_alert(
                AlertKind.DATABASE,
                f"queue database was damaged and moved to "
                f"{self.startup_report.database_moved_to}; its dossiers are rebuilt from their "
                "folders by the start-up check (kiosk queue recover does it by hand)",
            )

    def _sealed_evidence(self) -> str | None:
        """Why a new master key must not be made here, or None when nothing was ever sealed."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'key_fingerprint'").fetchone()
        if row is not None:
            return f"this outbox was sealed with master key {row[0]}"
        if self._conn.execute("SELECT 1 FROM dossiers LIMIT 1").fetchone() is not None:
            return "the outbox database holds dossiers"
        for entry in self._dossier_folders(self._files_root, self._quarantine / ORPHANS_DIR):
            fingerprint = recovery.manifest_fingerprint(entry)
            return f"{entry.parent.name}/{entry.name} was sealed with master key " + (
                fingerprint or "(unknown)"
            )
        return None

    def _folder_fingerprints(self) -> set[str]:
        return {
            fingerprint
            for entry in self._dossier_folders(self._files_root, self._quarantine / ORPHANS_DIR)
            if (fingerprint := recovery.manifest_fingerprint(entry))
        }

    def _load_master_key(self, path: Path) -> MasterKey:
        """Load the master key; create one only for an outbox that never sealed anything.

        One transaction, so two processes starting a fresh kiosk at once agree on one key (the
        loser of the race reads the winner's key) and record one fingerprint.
        """
        with self.transaction():
            row = self._conn.execute(
                "SELECT value FROM meta WHERE key = 'key_fingerprint'"
            ).fetchone()
            try:
                key = crypto.load_master_key(path)
            except FileNotFoundError:
                evidence = self._sealed_evidence()
                if evidence is not None:
                    raise MasterKeyError(
                        f"master key file {path} is missing, but {evidence}. Restore the key "
                        "file from the kiosk's key backup (32 bytes, mode 0600). If it is lost "
                        "for good, `kiosk queue rekey --abandon-lost-key` starts a new key; "
                        "dossiers sealed with the lost one stay in quarantine."
                    ) from None
                key = crypto.create_master_key(path)
            except CryptoError as exc:
                raise MasterKeyError(
                    f"{exc}. Restore the key file from the kiosk's key backup; a deliberate "
                    "new key is `kiosk queue rekey --abandon-lost-key`."
                ) from None
            if row is None:
                sealed_with = self._folder_fingerprints()
                if sealed_with and key.fingerprint not in sealed_with:
                    # The database forgot its key (new or rebuilt), the folders did not: a
                    # wrong key would make every folder unreadable and seal new dossiers
                    # with it.
                    raise MasterKeyError(
                        f"master key {path} (fingerprint {key.fingerprint}) is not the key the "
                        f"outbox's folders were sealed with ({', '.join(sorted(sealed_with))}). "
                        "Put the right key file back."
                    )
                self._conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('key_fingerprint', ?)",
                    (key.fingerprint,),
                )
            elif row[0] != key.fingerprint:
                raise MasterKeyError(
                    f"master key {path} (fingerprint {key.fingerprint}) is not the key this "
                    f"outbox was sealed with ({row[0]}). Put the right key file back; a "
                    "deliberate new key is `kiosk queue rekey --abandon-lost-key`."
                )
        return key

    @classmethod
    def rekey_abandoning_lost_key(
        cls, data_dir: Path, master_key_path: Path, *, now: Now = time.time
    ) -> tuple[str, int]:
        """Start a new master key because the old one is lost for good; (fingerprint, count).

        Explicit and refused when the current key still opens the outbox. The old key file, if
        any, is kept beside the new one; dossiers sealed with the lost key are marked corrupt
        and kept (quarantined), never deleted: should the key turn up, they can be recovered.
        """
        try:
            cls(data_dir, master_key_path, now=now).close()
        except MasterKeyError:
            pass
        else:
            raise QueueError(f"master key {master_key_path} opens this outbox: nothing to re-key")
        conn = _connect(data_dir / DB_NAME, 15.0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            if master_key_path.exists():
                master_key_path.replace(
                    master_key_path.with_name(f"{master_key_path.name}.replaced-{int(now())}")
                )
            key = crypto.create_master_key(master_key_path)
            old = conn.execute("SELECT value FROM meta WHERE key = 'key_fingerprint'").fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('key_fingerprint', ?)",
                (key.fingerprint,),
            )
            if old is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES "
                    "('retired_key_fingerprints', ?)",
                    (old[0],),
                )
            lost = conn.execute(
                "UPDATE dossiers SET status = ?, quarantined = 1, error_kind = ?, "
                "last_error = 'sealed with a master key that was replaced' "
                "WHERE wrapped_key IS NOT NULL",
                (QueueStatus.NEEDS_ATTENTION.value, ErrorKind.CORRUPT.value),
            ).rowcount
            conn.execute(
                "INSERT INTO events (client_uuid, at, kind, detail) VALUES (NULL, ?, ?, ?)",
                (now(), "rekey", f"new master key {key.fingerprint}; {lost} dossier(s) kept"),
            )
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()
        log.warning(
            "new master key %s; %d dossier(s) sealed with the old one", key.fingerprint, lost
        )
        return key.fingerprint, lost

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: one writer at a time across processes."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            # SQLite has already rolled back after some errors (disk full, I/O); a second
            # ROLLBACK would replace the real error with "no transaction is active".
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def close(self) -> None:
        self._close_handles()

    def _close_handles(self) -> None:
        self._conn.close()
        with contextlib.suppress(OSError):
            os.close(self._db_lock)  # releases the shared database lock

    # --- enqueue ----------------------------------------------------------------------------

    def enqueue(
        self,
        *,
        client_uuid: str,
        receipt_number: str,
        procedure_code: str,
        body: dict[str, Any],
        pages: Sequence[PageInput],
    ) -> EnqueueResult:
        """Store a dossier durably; returns once it would survive a power cut.

        ``body`` is the gateway's DossierCreate without file entries; the queue adds them from
        the bytes it actually encrypts. Enqueueing the same client UUID twice is a no-op. A
        dossier the gateway would refuse is refused here (QueueRefusedError), before anything
        is written.
        """
        uuid.UUID(client_uuid)  # refuse anything that is not a UUID before touching disk
        if self.find(client_uuid) is not None:
            return EnqueueResult(client_uuid, receipt_number, already_queued=True)
        sizes = []
        for page in pages:
            try:
                sizes.append(page.source.stat().st_size)
            except OSError as exc:
                raise QueueError(f"page file unreadable: {exc.filename}") from exc
        submission = _Submission(client_uuid, receipt_number, procedure_code, body, pages)
        self._refuse_what_the_gateway_would(submission, sizes)
        payload = sum(sizes)
        self._require_space(payload)
        directory = self._files_root / client_uuid
        try:
            with self._enqueue_lock(shared=True):
                return self._store_dossier(directory, submission)
        except BaseException as exc:
            if isinstance(exc, OSError):
                if exc.errno == errno.ENOSPC:
                    raise QueueFullError(f"disk full while storing {receipt_number}") from exc
                raise QueueError(f"cannot store {receipt_number}: {exc.strerror or exc}") from exc
            if isinstance(exc, sqlite3.Error):
                if "full" in str(exc):
                    raise QueueFullError(f"disk full while storing {receipt_number}") from exc
                raise QueueError(f"cannot store {receipt_number}: {exc}") from exc
            raise

    def _refuse_what_the_gateway_would(self, sub: _Submission, sizes: Sequence[int]) -> None:
        problems = check_dossier(
            sub.body,
            [
                PageFacts(p.document_code, p.name, n, p.media_type)
                for p, n in zip(sub.pages, sizes, strict=True)
            ],
            self._limits(),
            known_procedures=self._known_procedures() if self._known_procedures else None,
        )
        # The row's columns and the body the gateway receives must say the same thing.
        for name, reason in (
            ("client_uuid", EnqueueRefusal.CLIENT_UUID_MISMATCH),
            ("receipt_number", EnqueueRefusal.RECEIPT_NUMBER_MISMATCH),
            ("procedure_code", EnqueueRefusal.PROCEDURE_MISMATCH),
        ):
            if sub.body.get(name) != getattr(sub, name):
                problems.append(Problem(reason, name))
        if self._receipt_taken(sub.client_uuid, sub.receipt_number):
            problems.append(Problem(EnqueueRefusal.RECEIPT_NUMBER_TAKEN, "receipt_number"))
        if problems:
            raise QueueRefusedError(sub.receipt_number, problems)

    def receipt_number_taken(self, receipt_number: str) -> bool:
        """Whether a queued dossier already has this receipt number."""
        return self._receipt_taken("", receipt_number)

    def _receipt_taken(self, client_uuid: str, receipt_number: str) -> bool:
        return (
            self._conn.execute(
                "SELECT 1 FROM dossiers WHERE receipt_number = ? AND client_uuid != ?",
                (receipt_number, client_uuid),
            ).fetchone()
            is not None
        )

    @contextlib.contextmanager
    def _enqueue_lock(self, *, shared: bool, wait: bool = True) -> Iterator[bool]:
        """flock on ``outbox/.enqueue.lock``; yields False when ``wait`` is off and it is held."""
        fd = os.open(self._files_root / ENQUEUE_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
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

    def _store_dossier(self, directory: Path, submission: _Submission) -> EnqueueResult:
        client_uuid, receipt_number, procedure_code, body, pages = (
            submission.client_uuid,
            submission.receipt_number,
            submission.procedure_code,
            submission.body,
            submission.pages,
        )
        # A directory without a row is what a crash during an earlier attempt of this same
        # dossier leaves behind (the sweep cannot run meanwhile: we hold the enqueue lock).
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(mode=0o700)
        key = crypto.new_dossier_key()
        committing = False
        try:
            files = []
            for idx, page in enumerate(pages):
                target = directory / f"{idx:03d}.bin"
                size, sha256 = crypto.encrypt_file(
                    page.source, target, key, f"file:{client_uuid}:{idx}"
                )
                files.append((idx, page, size, sha256, target))
            full_body = _with_files(body, files)
            now = self._now()
            wrapped = self._key.wrap(key, f"key:{client_uuid}")
            # The folder describes itself before its row exists: a lost database is rebuilt
            # from the folders with the master key alone (offline_queue.recovery).
            recovery.write_manifest(
                directory,
                recovery.FolderManifest(
                    client_uuid=client_uuid,
                    receipt_number=receipt_number,
                    procedure_code=procedure_code,
                    enqueued_at=now,
                    body=full_body,
                    files=[
                        recovery.FolderFile(
                            idx=idx,
                            document_code=page.document_code,
                            name=page.name,
                            media_type=page.media_type,
                            size=size,
                            sha256=sha256,
                            path=str(target.relative_to(self._dir)),
                        )
                        for idx, page, size, sha256, target in files
                    ],
                    wrapped_key=wrapped,
                    key_fingerprint=self._key.fingerprint,
                ),
                key,
                self._key,
            )
            fsync_directory(self._files_root)
            with self.transaction() as conn:
                if self._receipt_taken(client_uuid, receipt_number):
                    # Another process took it between the check and now.
                    raise QueueRefusedError(
                        receipt_number,
                        [Problem(EnqueueRefusal.RECEIPT_NUMBER_TAKEN, "receipt_number")],
                    )
                conn.execute(
                    "INSERT INTO dossiers (client_uuid, receipt_number, procedure_code, "
                    "enqueued_at, status, next_attempt_at, wrapped_key, body) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        client_uuid,
                        receipt_number,
                        procedure_code,
                        now,
                        QueueStatus.QUEUED.value,
                        now,
                        wrapped,
                        crypto.seal(key, json.dumps(full_body).encode(), f"body:{client_uuid}"),
                    ),
                )
                conn.executemany(
                    "INSERT INTO files (client_uuid, idx, document_code, name, media_type, "
                    "size, sha256, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            client_uuid,
                            idx,
                            page.document_code,
                            page.name,
                            page.media_type,
                            size,
                            sha256,
                            str(target.relative_to(self._dir)),
                        )
                        for idx, page, size, sha256, target in files
                    ],
                )
                self._event(client_uuid, "enqueued", f"{len(files)} files")
                committing = True
        except BaseException:
            # Nothing half-written may stay behind: the row did not commit, so the files go.
            # Unless COMMIT itself failed: a commit that reported an error can still be in the
            # write-ahead log and reappear, so its folder stays for the start-up check.
            if not committing:
                shutil.rmtree(directory, ignore_errors=True)
            raise
        log.info("queued %s (%d files)", receipt_number, len(files))
        return EnqueueResult(client_uuid, receipt_number, already_queued=False)

    def _require_space(self, payload: int) -> None:
        free = shutil.disk_usage(self._dir).free
        needed = 2 * payload + self._min_free
        if free < needed:
            raise QueueFullError(
                f"{free // 1_048_576} MB free, {needed // 1_048_576} MB needed to queue safely"
            )

    def record_rating(self, client_uuid: str, score: int, reason: str | None) -> None:
        row = self._raw(client_uuid)
        if row is None:
            raise QueueError(f"no dossier {client_uuid}")
        if row["wrapped_key"] is None:
            return  # already erased: the rating can no longer travel with it
        key = self._dossier_key(row)
        sealed = crypto.seal(
            key, json.dumps({"score": score, "reason": reason}).encode(), f"rating:{client_uuid}"
        )
        with self.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET rating = ?, rating_synced = 0 WHERE client_uuid = ?",
                (sealed, client_uuid),
            )
        # Also beside the dossier, so a database rebuilt from the folders still carries it.
        recovery.write_rating(self._files_root / client_uuid, client_uuid, sealed)

    # --- reading ----------------------------------------------------------------------------

    def _raw(self, client_uuid: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._conn.execute(
            "SELECT * FROM dossiers WHERE client_uuid = ?", (client_uuid,)
        ).fetchone()
        return row

    def _row(self, raw: sqlite3.Row) -> DossierRow:
        counts = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(complete), 0), COALESCE(SUM(size), 0) "
            "FROM files WHERE client_uuid = ?",
            (raw["client_uuid"],),
        ).fetchone()
        return DossierRow(
            client_uuid=raw["client_uuid"],
            receipt_number=raw["receipt_number"],
            procedure_code=raw["procedure_code"],
            enqueued_at=raw["enqueued_at"],
            status=QueueStatus(raw["status"]),
            attempts=raw["attempts"],
            next_attempt_at=raw["next_attempt_at"],
            last_error=raw["last_error"],
            error_kind=ErrorKind(raw["error_kind"]) if raw["error_kind"] else None,
            gateway_dossier_id=raw["gateway_dossier_id"],
            official_code=raw["official_code"],
            appointment_date=raw["appointment_date"],
            submitted_at=raw["submitted_at"],
            rating_pending=not raw["rating_synced"],
            erased_at=raw["erased_at"],
            quarantined=bool(raw["quarantined"]),
            file_count=counts[0],
            sent_files=counts[1],
            total_bytes=counts[2],
        )

    def find(self, ident: str) -> DossierRow | None:
        """A dossier by client UUID or receipt number or official code."""
        raw = self._conn.execute(
            "SELECT * FROM dossiers WHERE client_uuid = ? OR receipt_number = ? "
            "OR official_code = ? ORDER BY seq LIMIT 1",
            (ident, ident, ident),
        ).fetchone()
        return self._row(raw) if raw else None

    def list_dossiers(
        self, *, limit: int = 200, statuses: Sequence[QueueStatus] = ()
    ) -> list[DossierRow]:
        """Newest first, bounded: the technician's view never loads the whole backlog."""
        where = ""
        params: list[Any] = []
        if statuses:
            where = f"WHERE status IN ({','.join('?' * len(statuses))})"
            params = [s.value for s in statuses]
        rows = self._conn.execute(
            f"SELECT * FROM dossiers {where} ORDER BY seq DESC LIMIT ?",  # noqa: S608
            [*params, limit],
        ).fetchall()
        return [self._row(r) for r in rows]

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in QueueStatus}
        for status, count in self._conn.execute(
            "SELECT status, COUNT(*) FROM dossiers GROUP BY status"
        ):
            out[status] = count
        out["quarantined"] = self._conn.execute(
            "SELECT COUNT(*) FROM dossiers WHERE quarantined = 1"
        ).fetchone()[0]
        return out

    def oldest_active_enqueued_at(self) -> float | None:
        row = self._conn.execute(
            "SELECT MIN(enqueued_at) FROM dossiers WHERE status IN (?, ?, ?)",
            [s.value for s in ACTIVE],
        ).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def next_due(self, now: float, *, exclude: Collection[str] = ()) -> DossierRow | None:
        """The oldest dossier whose next attempt is due (then a due rating), or None.

        ``exclude``: client UUIDs the caller already has in hand (the sync engine's lanes).
        """
        skip = ""
        if exclude:
            skip = f"AND client_uuid NOT IN ({','.join('?' * len(exclude))}) "
        raw = self._conn.execute(
            "SELECT * FROM dossiers WHERE status IN (?, ?, ?) AND quarantined = 0 "  # noqa: S608 - placeholders only
            f"AND next_attempt_at <= ? {skip}ORDER BY seq LIMIT 1",
            [*(s.value for s in ACTIVE), now, *exclude],
        ).fetchone()
        if raw is None:
            raw = self._conn.execute(
                "SELECT * FROM dossiers WHERE rating_synced = 0 AND rating IS NOT NULL "  # noqa: S608 - placeholders only
                "AND status = ? AND wrapped_key IS NOT NULL AND next_attempt_at <= ? "
                f"{skip}ORDER BY seq LIMIT 1",
                [QueueStatus.SUBMITTED.value, now, *exclude],
            ).fetchone()
        return self._row(raw) if raw else None

    def next_wakeup(self) -> float | None:
        row = self._conn.execute(
            "SELECT MIN(next_attempt_at) FROM dossiers WHERE quarantined = 0 AND "
            "(status IN (?, ?, ?) OR (status = ? AND rating_synced = 0 AND rating IS NOT NULL))",
            [*(s.value for s in ACTIVE), QueueStatus.SUBMITTED.value],
        ).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def _dossier_key(self, raw: sqlite3.Row) -> bytes:
        if raw["wrapped_key"] is None:
            raise CryptoError(f"dossier {raw['receipt_number']} was erased")
        return self._key.unwrap(raw["wrapped_key"], f"key:{raw['client_uuid']}")

    def body(self, client_uuid: str) -> dict[str, Any]:
        """The decrypted DossierCreate body (personal data: never log it)."""
        raw = self._raw(client_uuid)
        if raw is None:
            raise QueueError(f"no dossier {client_uuid}")
        key = self._dossier_key(raw)
        data: dict[str, Any] = json.loads(
            crypto.open_sealed(key, raw["body"], f"body:{client_uuid}")
        )
        return data

    def rating(self, client_uuid: str) -> dict[str, Any] | None:
        raw = self._raw(client_uuid)
        if raw is None or raw["rating"] is None:
            return None
        key = self._dossier_key(raw)
        data: dict[str, Any] = json.loads(
            crypto.open_sealed(key, raw["rating"], f"rating:{client_uuid}")
        )
        return data

    def files(self, client_uuid: str) -> list[FileRow]:
        rows = self._conn.execute(
            "SELECT * FROM files WHERE client_uuid = ? ORDER BY idx", (client_uuid,)
        ).fetchall()
        return [
            FileRow(
                client_uuid=r["client_uuid"],
                idx=r["idx"],
                document_code=r["document_code"],
                name=r["name"],
                media_type=r["media_type"],
                size=r["size"],
                sha256=r["sha256"],
                path=self._dir / r["path"],
                gateway_file_id=r["gateway_file_id"],
                upload_url=r["upload_url"],
                complete=bool(r["complete"]),
            )
            for r in rows
        ]

    def open_file(self, file: FileRow) -> EncryptedReader:
        """A seekable plaintext stream over one queued page file."""
        raw = self._raw(file.client_uuid)
        if raw is None:
            raise QueueError(f"no dossier {file.client_uuid}")
        return EncryptedReader(file.path, self._dossier_key(raw), file.context)

    def history(self, client_uuid: str) -> list[dict[str, Any]]:
        return [
            {"at": _iso(r["at"]), "kind": r["kind"], "detail": r["detail"]}
            for r in self._conn.execute(
                "SELECT at, kind, detail FROM events WHERE client_uuid = ? ORDER BY id",
                (client_uuid,),
            )
        ]

    # --- sync progress (owned by the sync process) --------------------------------------------

    def _event(self, client_uuid: str | None, kind: str, detail: str | None = None) -> None:
        self._conn.execute(
            "INSERT INTO events (client_uuid, at, kind, detail) VALUES (?, ?, ?, ?)",
            (client_uuid, self._now(), kind, detail),
        )

    def set_gateway_dossier(
        self, client_uuid: str, dossier_id: str, file_ids: dict[int, str]
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET gateway_dossier_id = ?, status = ? WHERE client_uuid = ?",
                (dossier_id, QueueStatus.UPLOADING.value, client_uuid),
            )
            conn.executemany(
                "UPDATE files SET gateway_file_id = ? WHERE client_uuid = ? AND idx = ?",
                [(file_id, client_uuid, idx) for idx, file_id in file_ids.items()],
            )
            self._event(client_uuid, "created", dossier_id)

    def set_upload_url(self, client_uuid: str, idx: int, url: str | None) -> None:
        # Stored (and committed) before the first PATCH: tus creation is not idempotent.
        with self.transaction() as conn:
            conn.execute(
                "UPDATE files SET upload_url = ? WHERE client_uuid = ? AND idx = ?",
                (url, client_uuid, idx),
            )

    def mark_file_complete(self, client_uuid: str, idx: int, complete: bool = True) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE files SET complete = ? WHERE client_uuid = ? AND idx = ?",
                (int(complete), client_uuid, idx),
            )
            remaining = conn.execute(
                "SELECT COUNT(*) FROM files WHERE client_uuid = ? AND complete = 0",
                (client_uuid,),
            ).fetchone()[0]
            status = QueueStatus.UPLOADED if remaining == 0 else QueueStatus.UPLOADING
            conn.execute(
                "UPDATE dossiers SET status = ? WHERE client_uuid = ? AND status IN (?, ?)",
                (
                    status.value,
                    client_uuid,
                    QueueStatus.UPLOADING.value,
                    QueueStatus.UPLOADED.value,
                ),
            )

    def mark_submitted(self, client_uuid: str, official_code: str, appointment_date: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET status = ?, official_code = ?, appointment_date = ?, "
                "submitted_at = ?, last_error = NULL, error_kind = NULL, attempts = 0, "
                "next_attempt_at = ? WHERE client_uuid = ?",
                (
                    QueueStatus.SUBMITTED.value,
                    official_code,
                    appointment_date,
                    self._now(),
                    self._now(),
                    client_uuid,
                ),
            )
            self._event(client_uuid, "submitted", official_code)

    def mark_rating_synced(self, client_uuid: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET rating_synced = 1 WHERE client_uuid = ?", (client_uuid,)
            )

    def record_success(self, client_uuid: str) -> None:
        """Progress was made: the next failure starts its backoff from the beginning."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET attempts = 0, last_error = NULL, error_kind = NULL "
                "WHERE client_uuid = ?",
                (client_uuid,),
            )

    def record_failure(
        self, client_uuid: str, kind: ErrorKind, message: str, next_attempt_at: float
    ) -> None:
        attention = kind in (ErrorKind.PERMANENT, ErrorKind.CORRUPT)
        with self.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET attempts = attempts + 1, last_error = ?, error_kind = ?, "
                "next_attempt_at = ?, "
                "status = CASE WHEN ? THEN ? ELSE status END, "
                "quarantined = CASE WHEN ? THEN 1 ELSE quarantined END "
                "WHERE client_uuid = ?",
                (
                    message[:500],
                    kind.value,
                    next_attempt_at,
                    attention,
                    QueueStatus.NEEDS_ATTENTION.value,
                    kind is ErrorKind.CORRUPT,
                    client_uuid,
                ),
            )
            self._event(client_uuid, f"failed:{kind.value}", message[:500])

    def retry(self, ident: str) -> DossierRow:
        """A technician sends a dossier that needs attention back to the sync engine."""
        row = self.find(ident)
        if row is None:
            raise QueueError(f"no dossier {ident}")
        if row.erased_at is not None:
            raise QueueError(f"{row.receipt_number} was erased after it was delivered")
        status = QueueStatus.QUEUED if row.gateway_dossier_id is None else QueueStatus.UPLOADING
        if row.status is QueueStatus.SUBMITTED:
            status = QueueStatus.SUBMITTED
        with self.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET status = ?, attempts = 0, next_attempt_at = ?, "
                "quarantined = 0, last_error = NULL, error_kind = NULL WHERE client_uuid = ?",
                (status.value, self._now(), row.client_uuid),
            )
            self._event(row.client_uuid, "retry", "by technician")
            # A technician asking for a retry has looked at the kiosk: an authentication stop
            # gets another try too (the sync engine raises it again if the token is still bad).
            conn.execute("DELETE FROM alerts WHERE kind = ?", (AlertKind.AUTH.value,))
        found = self.find(row.client_uuid)
        assert found is not None
        return found

    # --- alerts and status ----------------------------------------------------------------------

    def raise_alert(self, kind: AlertKind, detail: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO alerts (kind, raised_at, detail) VALUES (?, ?, ?)",
                (kind.value, self._now(), detail),
            )

    def clear_alert(self, kind: AlertKind) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM alerts WHERE kind = ?", (kind.value,))

    def alerts(self) -> dict[AlertKind, str]:
        return {
            AlertKind(kind): detail
            for kind, detail in self._conn.execute("SELECT kind, detail FROM alerts")
        }

    def publish_status(self, key: str, value: dict[str, Any]) -> None:
        """Progress for the UI and the technician, readable from any process."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO status (key, value, updated_at) VALUES (?, ?, ?)",
                (key, json.dumps(value), self._now()),
            )

    def read_status(self, key: str) -> dict[str, Any] | None:
        row = self._conn.execute("SELECT value FROM status WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    # --- start-up checks, retention --------------------------------------------------------------

    def check(self) -> StartupReport:
        """Verify every active dossier can be read; rebuild rows for folders the database lost;
        quarantine what cannot be read; report everything."""
        quarantined: list[str] = []
        for raw in self._conn.execute(
            "SELECT * FROM dossiers WHERE erased_at IS NULL AND quarantined = 0"
        ).fetchall():
            problem = self._problem_with(raw)
            if problem is not None:
                quarantined.append(raw["receipt_number"])
                self.record_failure(raw["client_uuid"], ErrorKind.CORRUPT, problem, self._now())
            elif not (self._files_root / raw["client_uuid"] / recovery.MANIFEST_NAME).exists():
                # Queued before folders described themselves: described now, so a later loss
                # of the database loses nothing.
                self._write_manifest_for(raw)
        recovered: list[str] = []
        orphans: list[str] = []
        # The sweep of unexplained folders runs only while no enqueue is in flight: a folder
        # being written has no row yet and must not be taken for an orphan.
        with self._enqueue_lock(shared=False, wait=False) as exclusive:
            if exclusive:
                # Folders are rebuilt into rows only after the database was lost. Otherwise a
                # folder without a row is an enqueue that died before its commit: the citizen
                # was never told "successful", so it must not be filed behind their back.
                pending = self._recovery_pending()
                if pending:
                    recovered = self._recover_folders(
                        [self._files_root], self._salvage_sources()
                    ).recovered
                orphans = self._move_orphans()
                if pending:
                    with self.transaction() as conn:
                        conn.execute("DELETE FROM meta WHERE key = ?", (_RECOVERY_PENDING,))
        report = StartupReport(
            self.startup_report.integrity_ok,
            quarantined,
            orphans,
            self.startup_report.database_moved_to,
            recovered=recovered,
            sweep_deferred=not exclusive,
        )
        if quarantined or orphans:
            self.raise_alert(
                AlertKind.QUARANTINE,
                f"{len(quarantined)} dossier(s) unreadable, {len(orphans)} unexplained "
                f"folder(s) moved to {self._quarantine}",
            )
        if recovered:
            log.warning("rebuilt %d dossier row(s) from their folders", len(recovered))
        self.startup_report = report
        return report

    def _recovery_pending(self) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM meta WHERE key = ?", (_RECOVERY_PENDING,)
        ).fetchone()
        return row is not None

    def recover(self) -> RecoveryReport:
        """Rebuild every dossier the database lost, from folders in the outbox and in
        quarantine, with state salvaged from quarantined databases where they can be read.

        Safe to repeat; waits for enqueues in flight. Rows already present are left alone. A
        technician's command: it also files a dossier whose enqueue died just before its commit
        (its folder is complete), which the automatic start-up check does not.
        """
        with self._enqueue_lock(shared=False):
            return self._recover_folders(
                [self._files_root, self._quarantine / ORPHANS_DIR],
                self._salvage_sources(),
                restore_rows_without_folder=True,
            )

    def _salvage_sources(self) -> list[Path]:
        """Quarantined databases, newest first (the newest knows the most recent progress)."""
        if not self._quarantine.is_dir():
            return []
        found = [
            d
            for d in self._quarantine.iterdir()
            if d.name.startswith("database-") and (d / DB_NAME).is_file()
        ]
        return sorted(found, key=lambda d: d.stat().st_mtime, reverse=True)

    def _recover_folders(
        self,
        roots: Sequence[Path],
        sources: Sequence[Path],
        *,
        restore_rows_without_folder: bool = False,
    ) -> RecoveryReport:
        known = {r[0] for r in self._conn.execute("SELECT client_uuid FROM dossiers")}
        candidates: dict[str, Path] = {}
        for folder in self._dossier_folders(*roots):
            # "<uuid>-<time>" when a folder was moved to quarantine twice.
            candidates.setdefault(folder.name[:36], folder)
        already = sum(1 for name in candidates if name in known)
        wanted = [name for name in candidates if name not in known]
        salvaged: dict[str, recovery.SalvagedDossier] = {}
        for source in sources:  # newest first: the first to know a dossier wins
            readable = recovery.salvage(
                source,
                DB_NAME,
                [u for u in wanted if u not in salvaged],
                everything=restore_rows_without_folder,
            )
            for client_uuid, dossier in readable.items():
                if client_uuid in known or client_uuid in salvaged:
                    continue
                salvaged[client_uuid] = dossier
                if client_uuid not in wanted:
                    wanted.append(client_uuid)
        report = RecoveryReport([], [], [], {}, already)
        for name in wanted:
            found = candidates.get(name)
            old = salvaged.get(name)
            if found is None:
                if old is not None and self._restore_record(old):
                    report.restored_from_database.append(str(old.row.get("receipt_number")))
                elif old is not None and old.row.get("erased_at") is None:
                    report.unreadable[name] = (
                        f"{old.row.get('receipt_number')}: only the old database knew it; its "
                        "folder (pages and key) is gone"
                    )
                continue
            if old is not None and old.row.get("erased_at") is not None:
                # Delivered and crypto-erased; the folder is what a crash left before removal.
                shutil.rmtree(found, ignore_errors=True)
                continue
            try:
                manifest = recovery.read_manifest(found, self._key)
            except CryptoError as exc:
                report.unreadable[name] = str(exc)
                continue
            self._adopt(found, manifest, old)
            report.recovered.append(manifest.receipt_number)
            if old is not None:
                report.with_salvaged_state.append(manifest.receipt_number)
        return report

    def _adopt(
        self,
        folder: Path,
        manifest: recovery.FolderManifest,
        old: recovery.SalvagedDossier | None,
    ) -> None:
        """Insert the rows of a dossier rebuilt from its folder (moved back into the outbox)."""
        client_uuid = manifest.client_uuid
        target = self._files_root / client_uuid
        if folder != target:
            shutil.move(str(folder), str(target))
            fsync_directory(self._files_root)
        state = old.row if old is not None else {}
        status = _salvaged_status(manifest, old)
        if status is QueueStatus.QUEUED:
            # Nothing of the salvaged progress is trusted: the idempotent create answers with
            # the gateway's ids, which files it holds, and the official code if it has one.
            state = {k: v for k, v in state.items() if k in ("rating", "rating_synced")}
        gateway_id = state.get("gateway_dossier_id")
        rating = recovery.read_rating(target)
        if rating is None and isinstance(state.get("rating"), bytes):
            rating = state["rating"]
        now = self._now()
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO dossiers (client_uuid, receipt_number, procedure_code, enqueued_at, "
                "status, attempts, next_attempt_at, wrapped_key, body, gateway_dossier_id, "
                "official_code, appointment_date, submitted_at, rating, rating_synced) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    client_uuid,
                    manifest.receipt_number,
                    manifest.procedure_code,
                    manifest.enqueued_at,
                    status.value,
                    int(state.get("attempts") or 0),
                    now,
                    manifest.wrapped_key,
                    crypto.seal(
                        self._key.unwrap(manifest.wrapped_key, f"key:{client_uuid}"),
                        json.dumps(manifest.body).encode(),
                        f"body:{client_uuid}",
                    ),
                    gateway_id if status is not QueueStatus.QUEUED else None,
                    state.get("official_code"),
                    state.get("appointment_date"),
                    state.get("submitted_at"),
                    rating,
                    0 if rating is not None and not state.get("rating_synced") else 1,
                ),
            )
            for entry in manifest.files:
                old_file = old.files.get(entry.idx, {}) if old is not None else {}
                same = old_file.get("sha256") == entry.sha256
                keep = same and status is not QueueStatus.QUEUED
                conn.execute(
                    "INSERT INTO files (client_uuid, idx, document_code, name, media_type, size, "
                    "sha256, path, gateway_file_id, upload_url, complete) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        client_uuid,
                        entry.idx,
                        entry.document_code,
                        entry.name,
                        entry.media_type,
                        entry.size,
                        entry.sha256,
                        entry.path,
                        old_file.get("gateway_file_id") if keep else None,
                        old_file.get("upload_url") if keep else None,
                        int(bool(old_file.get("complete"))) if keep else 0,
                    ),
                )
            self._event(
                client_uuid,
                "recovered",
                "from its folder" + (" and the old database" if old is not None else ""),
            )

    def _restore_record(self, old: recovery.SalvagedDossier) -> bool:
        """A delivered dossier without a folder: bring back its record (code, dates) alone."""
        row = old.row
        if row.get("status") != QueueStatus.SUBMITTED.value or not row.get("client_uuid"):
            return False
        columns = (
            "client_uuid",
            "receipt_number",
            "procedure_code",
            "enqueued_at",
            "status",
            "next_attempt_at",
            "gateway_dossier_id",
            "official_code",
            "appointment_date",
            "submitted_at",
            "erased_at",
        )
        if any(row.get(c) is None for c in columns[:6]):
            return False
        # Without its folder there is no key and no body: the record stands as erased.
        values = [row.get(c) for c in columns[:-1]] + [row.get("erased_at") or self._now()]
        with self.transaction() as conn:
            conn.execute(
                f"INSERT OR IGNORE INTO dossiers ({', '.join(columns)}) "  # noqa: S608
                f"VALUES ({', '.join('?' * len(columns))})",
                values,
            )
        return True

    def _write_manifest_for(self, raw: sqlite3.Row) -> None:
        client_uuid = raw["client_uuid"]
        key = self._dossier_key(raw)
        files = self.files(client_uuid)
        recovery.write_manifest(
            self._files_root / client_uuid,
            recovery.FolderManifest(
                client_uuid=client_uuid,
                receipt_number=raw["receipt_number"],
                procedure_code=raw["procedure_code"],
                enqueued_at=raw["enqueued_at"],
                body=self.body(client_uuid),
                files=[
                    recovery.FolderFile(
                        idx=f.idx,
                        document_code=f.document_code,
                        name=f.name,
                        media_type=f.media_type,
                        size=f.size,
                        sha256=f.sha256,
                        path=str(f.path.relative_to(self._dir)),
                    )
                    for f in files
                ],
                wrapped_key=raw["wrapped_key"],
                key_fingerprint=self._key.fingerprint,
            ),
            key,
            self._key,
        )
        if raw["rating"] is not None:
            recovery.write_rating(self._files_root / client_uuid, client_uuid, raw["rating"])

    def _problem_with(self, raw: sqlite3.Row) -> str | None:
        try:
            key = self._dossier_key(raw)
            crypto.open_sealed(key, raw["body"], f"body:{raw['client_uuid']}")
        except CryptoError as exc:
            return str(exc)
        for file in self.files(raw["client_uuid"]):
            try:
                actual = file.path.stat().st_size
            except OSError:
                return f"file {file.idx} missing"
            if actual != crypto.encrypted_size(file.size):
                return f"file {file.idx} truncated ({actual} bytes on disk)"
        return None

    def _move_orphans(self) -> list[str]:
        """Folders no row explains and no manifest can rebuild: kept in quarantine."""
        rows = {
            r[0]: r[1] is not None
            for r in self._conn.execute("SELECT client_uuid, erased_at FROM dossiers")
        }
        moved = []
        for directory in self._dossier_folders():
            if directory.name in rows:
                if rows[directory.name]:
                    # Erased: the crash came between forgetting the key and removing the files.
                    shutil.rmtree(directory, ignore_errors=True)
                continue
            target = self._quarantine / ORPHANS_DIR / directory.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                target = target.with_name(f"{directory.name}-{int(self._now())}")
            shutil.move(str(directory), str(target))
            moved.append(directory.name)
        return moved

    def erase_delivered(self, retention_s: float) -> int:
        """Crypto-erase dossiers the gateway acknowledged more than ``retention_s`` ago."""
        cutoff = self._now() - retention_s
        rows = self._conn.execute(
            "SELECT client_uuid FROM dossiers WHERE status = ? AND submitted_at <= ? "
            "AND erased_at IS NULL AND (rating_synced = 1 OR rating IS NULL)",
            (QueueStatus.SUBMITTED.value, cutoff),
        ).fetchall()
        for (client_uuid,) in rows:
            folder = self._files_root / client_uuid
            # The folder's own copies of the key go first (durably): a crash later leaves a
            # row that still has its key, never a copy of a key the row says is destroyed.
            for name in (recovery.MANIFEST_NAME, recovery.RATING_NAME):
                (folder / name).unlink(missing_ok=True)
            if folder.is_dir():
                fsync_directory(folder)
            with self.transaction() as conn:
                conn.execute(
                    "UPDATE dossiers SET wrapped_key = NULL, body = NULL, rating = NULL, "
                    "erased_at = ? WHERE client_uuid = ?",
                    (self._now(), client_uuid),
                )
                self._event(client_uuid, "erased", "retention period over")
            # The key is gone, so what remains is noise; removing the files frees the space.
            # What a crash leaves, check() removes.
            shutil.rmtree(folder, ignore_errors=True)
        self._expire_quarantine(cutoff)
        return len(rows)

    def _expire_quarantine(self, cutoff: float) -> None:
        """Quarantined databases and orphan folders hold sealed personal data and a copy of
        dossier keys: they are kept for a technician for the retention period, then deleted.
        A quarantined database is kept while its rows may still be rebuilt."""
        if not self._quarantine.is_dir() or self._recovery_pending():
            return
        for entry in self._quarantine.iterdir():
            if entry.name.startswith("database-"):
                try:
                    moved_at = float(entry.name.split("-")[1])
                except (IndexError, ValueError):
                    continue
                if moved_at <= cutoff:
                    shutil.rmtree(entry, ignore_errors=True)
        orphans = self._quarantine / ORPHANS_DIR
        if orphans.is_dir():
            for entry in orphans.iterdir():
                try:
                    if entry.stat().st_mtime <= cutoff:
                        shutil.rmtree(entry, ignore_errors=True)
                except OSError:
                    continue


def _salvaged_status(
    manifest: recovery.FolderManifest, old: recovery.SalvagedDossier | None
) -> QueueStatus:
    """How far a rebuilt dossier may resume: only from progress the old database states whole.

    A gateway dossier id without every file's gateway id (the files table was damaged) would
    stop the engine on "file not registered" for ever; a submitted row without its id would
    drop the rating. Anything partial starts again as queued, and the gateway's idempotency
    makes that safe.
    """
    if old is None:
        return QueueStatus.QUEUED
    try:
        status = QueueStatus(str(old.row.get("status")))
    except ValueError:
        return QueueStatus.QUEUED
    if status is QueueStatus.QUEUED or not old.row.get("gateway_dossier_id"):
        return QueueStatus.QUEUED
    for entry in manifest.files:
        salvaged = old.files.get(entry.idx)
        if (
            salvaged is None
            or salvaged.get("sha256") != entry.sha256
            or not salvaged.get("gateway_file_id")
        ):
            return QueueStatus.QUEUED
    if status is QueueStatus.SUBMITTED and not old.row.get("official_code"):
        return QueueStatus.QUEUED
    if status is QueueStatus.NEEDS_ATTENTION:
        # Whatever parked it will be met again; a technician sees the history.
        return QueueStatus.UPLOADING
    return status


def _with_files(
    body: dict[str, Any], files: Sequence[tuple[int, PageInput, int, str, Path]]
) -> dict[str, Any]:
    documents = [dict(d) for d in body.get("documents", [])]
    by_code = {d["code"]: d for d in documents}
    for d in documents:
        d["files"] = []
    for _idx, page, size, sha256, _target in files:
        document = by_code.get(page.document_code)
        if document is None:
            raise QueueError(f"page for unknown document {page.document_code!r}")
        document["files"].append(
            {"name": page.name, "size": size, "sha256": sha256, "media_type": page.media_type}
        )
    return {**body, "documents": documents}
