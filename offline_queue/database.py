"""The outbox's SQLite database: opening it, its schema, transactions and the dossier history.

Durability: WAL mode with ``synchronous=FULL``, so a commit that returned survives power loss on
storage that honours fsync. The touchscreen app (enqueue) and the sync process share the file;
SQLite's locking plus a busy timeout keeps them apart, and writes go through ``transaction``
(``BEGIN IMMEDIATE``: one writer at a time across processes).

Opening tells damage from trouble: only proof that the file is damaged (SQLite's "corrupt" or
"not a database", text that is not UTF-8, tables missing) moves it aside, whole, into
``quarantine/database-<time>/`` and starts a new one; a lock held too long, a full disk or an I/O
error raises ``QueueUnavailableError`` and touches nothing. The move happens here because only
this module holds the database lock that makes it safe (``offline_queue.layout``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from pathlib import Path

from dvc_common.atomic import fsync_directory
from offline_queue.errors import (
    DatabaseCorruptError,
    QueueFullError,
    QueueUnavailableError,
    StoreError,
)
from offline_queue.layout import DB_NAME, Layout

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3

# SQLite's primary result codes (sqlite3.h) that mean the file itself is damaged. Everything
# else at open (locked, busy, full, I/O, cannot open, read-only) is a condition that passes or
# that a technician fixes; the database is left exactly where it is.
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
# The tables of version 1 only: a database from before a later table (``audit``) is upgraded by
# ``migrate``, not taken for a damaged one.
_REQUIRED_TABLES = frozenset({"meta", "dossiers", "files", "events", "alerts", "status"})

Now = Callable[[], float]


class MetaKey(StrEnum):
    """Keys of the ``meta`` table."""

    SCHEMA_VERSION = "schema_version"
    KEY_FINGERPRINT = "key_fingerprint"  # the master key this outbox is sealed with
    RETIRED_KEY_FINGERPRINTS = "retired_key_fingerprints"  # replaced by a rekey
    # Set when a new database is made beside dossier folders (the old one was lost or moved):
    # the next start-up check rebuilds their rows.
    RECOVERY_PENDING = "recovery_pending"


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

# Version 2 (issue 13): a technician's USB export of unsent dossiers marks each dossier it
# carried (``offline_queue.usb_export``). A mark is a note for the technician, not a state: the
# dossier keeps its status and keeps syncing until the gateway acknowledges it.
_V2 = """
ALTER TABLE dossiers ADD COLUMN exported_at REAL;
ALTER TABLE dossiers ADD COLUMN export_file TEXT;
"""

# Version 3 (issue 13): the technician audit log (``offline_queue.audit``), delivered to the
# gateway by the sync process. Append-only by construction: the triggers refuse deleting a row
# and changing one, except recording its delivery once.
_V3 = """
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL,
    delivered_at REAL
);
CREATE INDEX audit_pending ON audit (seq) WHERE delivered_at IS NULL;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_rewrite BEFORE UPDATE ON audit
WHEN NEW.seq IS NOT OLD.seq OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at
    OR NEW.kind IS NOT OLD.kind OR NEW.actor IS NOT OLD.actor OR NEW.detail IS NOT OLD.detail
    OR OLD.delivered_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
"""

# Index i upgrades a database from version i to i + 1.
MIGRATIONS: Sequence[str] = (_V1, _V2, _V3)


def statements(script: str) -> Iterator[str]:
    """The SQL statements of a migration, one at a time.

    A trigger's body holds semicolons of its own, so the script is cut where SQLite says a
    statement is complete, not at every semicolon. (``executescript`` would commit the
    migration's transaction first.)
    """
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending.strip()
            pending = ""
    if pending.strip(" \n;"):
        raise ValueError(f"incomplete SQL statement in a migration: {pending.strip()[:60]}")


def connect(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """A connection in WAL mode with ``synchronous=FULL``, autocommit (transactions explicit)."""
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


def is_corruption(exc: BaseException) -> bool:
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


def verify_integrity(conn: sqlite3.Connection) -> None:
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
        row = conn.execute(
            "SELECT value FROM meta WHERE key = ?", (MetaKey.SCHEMA_VERSION.value,)
        ).fetchone()
        if row is None or not str(row[0]).isdigit():
            raise DatabaseCorruptError("schema version unreadable")


class Database:
    """One process's connection to the outbox database, and its shared database lock.

    Use from one thread at a time. ``moved_to`` names where a damaged database was moved when
    this handle opened it (None when it opened healthy).
    """

    def __init__(self, layout: Layout, *, now: Now, busy_timeout_s: float) -> None:
        self.layout = layout
        self.now = now
        self._busy_timeout_s = busy_timeout_s
        self.moved_to: Path | None = None
        # Held shared for this handle's whole life; moving a damaged database away needs it
        # exclusively, so no process is ever left writing into a file that was moved.
        self._lock = layout.open_db_lock()
        try:
            self.conn = self._open()
        except BaseException:
            os.close(self._lock)
            raise

    # --- opening ----------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        """Open the database. Only proven corruption moves it to quarantine.

        A lock held too long, a full disk or an I/O error raises QueueUnavailableError and
        touches nothing: the queue is healthy and will open once the condition passes.
        """
        path = self.layout.db_path
        try:
            conn = connect(path, self._busy_timeout_s)
            try:
                verify_integrity(conn)
            except BaseException:
                conn.close()
                raise
        except (sqlite3.DatabaseError, UnicodeDecodeError, DatabaseCorruptError) as exc:
            if not is_corruption(exc):
                raise self.unavailable(exc) from exc
            self.moved_to = self._move_damaged_aside(str(exc))
            try:
                conn = connect(path, self._busy_timeout_s)
            except sqlite3.Error as again:
                raise self.unavailable(again) from again
        return conn

    def unavailable(self, exc: BaseException) -> StoreError:
        """The error for a database that cannot be used now, although it is not damaged."""
        path = self.layout.db_path
        text = str(exc)
        if "full" in text or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
            return QueueFullError(f"queue database {path}: {text} (nothing was moved)")
        return QueueUnavailableError(
            f"queue database {path} cannot be opened now: {text}; nothing was moved, "
            "try again (another process may hold it, or the disk is full or failing)"
        )

    def _move_damaged_aside(self, why: str) -> Path:
        """Move the damaged database aside, whole, with no process still using it.

        The files are hard-linked into the quarantine folder, made durable, and only then
        removed (write-ahead log first): a kill at any point leaves either the original in
        place (found damaged again next time) or a complete copy in quarantine.
        """
        path = self.layout.db_path
        quarantine = self.layout.quarantine
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise QueueUnavailableError(
                f"queue database {path} is damaged ({why}) but another process still "
                "has it open; it is moved aside (and its dossiers rebuilt) by the first process "
                "to open it alone: restart the kiosk services"
            ) from None
        try:
            target = quarantine / f"database-{int(self.now())}"
            suffix_n = 1
            while target.exists():
                target = quarantine / f"database-{int(self.now())}-{suffix_n}"
                suffix_n += 1
            target.mkdir(parents=True, mode=0o700)
            present = [
                path.with_name(DB_NAME + suffix)
                for suffix in ("", "-wal", "-shm")
                if path.with_name(DB_NAME + suffix).exists()
            ]
            for source in present:
                os.link(source, target / source.name)
            fsync_directory(target)
            fsync_directory(quarantine)
            for source in reversed(present):  # -shm, -wal, then the database itself
                source.unlink()
            fsync_directory(self.layout.data_dir)
        finally:
            fcntl.flock(self._lock, fcntl.LOCK_SH)
        log.error("queue database damaged (%s); moved to %s", why, target)
        return target

    def migrate(self) -> None:
        """Bring the schema to ``SCHEMA_VERSION``; a database newer than this software is
        refused."""
        # Read first, write only when something changes: opening a healthy queue to read it
        # (``kiosk queue list`` on a full disk) must not need a single byte of space.
        if self._schema_version() == SCHEMA_VERSION:
            return
        with self.transaction():
            version = self._schema_version()
            if version > SCHEMA_VERSION:
                raise StoreError(f"queue schema {version} is newer than this software")
            for step in MIGRATIONS[version:]:
                for statement in statements(step):
                    self.conn.execute(statement)
            if version == 0 and self.layout.has_dossier_folders():
                # A new database beside dossier folders: the old one was lost or moved (a kill
                # right after the move included). The next check() rebuilds their rows.
                self.set_meta(MetaKey.RECOVERY_PENDING, "1")
            self.set_meta(MetaKey.SCHEMA_VERSION, str(SCHEMA_VERSION))

    def _schema_version(self) -> int:
        has_meta = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if has_meta is None:
            return 0
        row = self.get_meta(MetaKey.SCHEMA_VERSION)
        return int(row) if row else 0

    # --- using it ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: one writer at a time across processes."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            # SQLite has already rolled back after some errors (disk full, I/O); a second
            # ROLLBACK would replace the real error with "no transaction is active".
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def event(self, client_uuid: str | None, kind: str, detail: str | None = None) -> None:
        """One line of a dossier's history; call inside a transaction."""
        self.conn.execute(
            "INSERT INTO events (client_uuid, at, kind, detail) VALUES (?, ?, ?, ?)",
            (client_uuid, self.now(), kind, detail),
        )

    def get_meta(self, key: MetaKey) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key.value,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: MetaKey, value: str) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key.value, value)
        )

    def delete_meta(self, key: MetaKey) -> None:
        self.conn.execute("DELETE FROM meta WHERE key = ?", (key.value,))

    def recovery_pending(self) -> bool:
        return self.get_meta(MetaKey.RECOVERY_PENDING) is not None

    def close(self) -> None:
        self.conn.close()
        with contextlib.suppress(OSError):
            os.close(self._lock)  # releases the shared database lock
