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
import json
import logging
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlite_utils

from config.atomic import fsync_directory
from offline_queue import crypto
from offline_queue.crypto import CryptoError, EncryptedReader, MasterKey

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DB_NAME = "queue.sqlite3"
FILES_DIR = "outbox"
QUARANTINE_DIR = "quarantine"

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

    @property
    def clean(self) -> bool:
        return (
            self.integrity_ok
            and not self.quarantined_rows
            and not self.orphans_moved
            and self.database_moved_to is None
        )


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


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=15, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 15000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class QueueStore:
    """One process's handle on the outbox. Use from one thread at a time."""

    def __init__(
        self,
        data_dir: Path,
        master_key_path: Path,
        *,
        now: Now = time.time,
        min_free_bytes: int = 50 * 1024 * 1024,
    ) -> None:
        self._dir = data_dir
        self._files_root = data_dir / FILES_DIR
        self._quarantine = data_dir / QUARANTINE_DIR
        self._now = now
        self._min_free = min_free_bytes
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._files_root.mkdir(exist_ok=True, mode=0o700)
        self._db_path = data_dir / DB_NAME
        self.startup_report = StartupReport(True, [], [], None)
        self._conn = self._open_database()
        self.db = sqlite_utils.Database(self._conn)
        self._migrate()
        self._key = self._load_master_key(master_key_path)

    # --- opening ----------------------------------------------------------------------------

    def _open_database(self) -> sqlite3.Connection:
        """Open the database; a corrupt one is moved to quarantine and a fresh one started."""
        moved: Path | None = None
        try:
            conn = _connect(self._db_path)
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                conn.close()
                raise sqlite3.DatabaseError(result)
        except sqlite3.DatabaseError as exc:
            moved = self._quarantine_database(str(exc))
            conn = _connect(self._db_path)
        self.startup_report = StartupReport(moved is None, [], [], moved)
        return conn

    def _quarantine_database(self, why: str) -> Path:
        target = self._quarantine / f"database-{int(self._now())}"
        target.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            source = self._db_path.with_name(DB_NAME + suffix)
            if source.exists():
                source.replace(target / source.name)
        log.error("queue database unreadable (%s); moved to %s", why, target)
        return target

    def _migrate(self) -> None:
        with self.transaction():
            version = 0
            if "meta" in self.db.table_names():
                row = self._conn.execute(
                    "SELECT value FROM meta WHERE key = 'schema_version'"
                ).fetchone()
                version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise QueueError(f"queue schema {version} is newer than this software")
            for step in MIGRATIONS[version:]:
                for statement in step.split(";"):
                    if statement.strip():
                        self._conn.execute(statement)
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        if self.startup_report.database_moved_to is not None:
            self.raise_alert(
                AlertKind.DATABASE,
                f"queue database was unreadable and moved to "
                f"{self.startup_report.database_moved_to}; its dossiers need a technician",
            )

    def _load_master_key(self, path: Path) -> MasterKey:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'key_fingerprint'").fetchone()
        has_data = (
            self._conn.execute(
                "SELECT 1 FROM dossiers WHERE wrapped_key IS NOT NULL LIMIT 1"
            ).fetchone()
            is not None
        )
        # Creating a new key while encrypted dossiers exist would strand them: refuse instead.
        key = crypto.load_or_create_master_key(path, create=not has_data)
        if row is None:
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES ('key_fingerprint', ?)", (key.fingerprint,)
            )
        elif row[0] != key.fingerprint and has_data:
            raise CryptoError(f"master key {path} does not match the queue's dossiers")
        return key

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: one writer at a time across processes."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

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
        the bytes it actually encrypts. Enqueueing the same client UUID twice is a no-op.
        """
        uuid.UUID(client_uuid)  # refuse anything that is not a UUID before touching disk
        if self.find(client_uuid) is not None:
            return EnqueueResult(client_uuid, receipt_number, already_queued=True)
        try:
            sizes = [p.source.stat().st_size for p in pages]
        except OSError as exc:
            raise QueueError(f"page file unreadable: {exc.filename}") from exc
        if 0 in sizes:
            # A scanner never yields an empty page; one here is a bug upstream, caught now
            # rather than as a refusal from the gateway days later.
            raise QueueError(f"empty page file {pages[sizes.index(0)].name}")
        payload = sum(sizes)
        self._require_space(payload)
        directory = self._files_root / client_uuid
        # A directory without a row is what a crash during an earlier attempt leaves behind.
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(mode=0o700)
        key = crypto.new_dossier_key()
        try:
            files = []
            for idx, page in enumerate(pages):
                target = directory / f"{idx:03d}.bin"
                size, sha256 = crypto.encrypt_file(
                    page.source, target, key, f"file:{client_uuid}:{idx}"
                )
                files.append((idx, page, size, sha256, target))
            fsync_directory(self._files_root)
            full_body = _with_files(body, files)
            now = self._now()
            with self.transaction() as conn:
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
                        self._key.wrap(key, f"key:{client_uuid}"),
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
        except BaseException as exc:
            # Nothing half-written may stay behind: the row did not commit, so the files go.
            shutil.rmtree(directory, ignore_errors=True)
            if isinstance(exc, OSError):
                if exc.errno == errno.ENOSPC:
                    raise QueueFullError(f"disk full while storing {receipt_number}") from exc
                raise QueueError(f"cannot store {receipt_number}: {exc.strerror or exc}") from exc
            if isinstance(exc, sqlite3.Error):
                if "full" in str(exc):
                    raise QueueFullError(f"disk full while storing {receipt_number}") from exc
                raise QueueError(f"cannot store {receipt_number}: {exc}") from exc
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

    def next_due(self, now: float) -> DossierRow | None:
        """The oldest dossier whose next attempt is due, or None."""
        raw = self._conn.execute(
            "SELECT * FROM dossiers WHERE status IN (?, ?, ?) AND quarantined = 0 "
            "AND next_attempt_at <= ? ORDER BY seq LIMIT 1",
            [*(s.value for s in ACTIVE), now],
        ).fetchone()
        if raw is None:
            raw = self._conn.execute(
                "SELECT * FROM dossiers WHERE rating_synced = 0 AND rating IS NOT NULL "
                "AND status = ? AND wrapped_key IS NOT NULL AND next_attempt_at <= ? "
                "ORDER BY seq LIMIT 1",
                (QueueStatus.SUBMITTED.value, now),
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
        """Verify every active dossier can be read; quarantine what cannot, report everything."""
        quarantined: list[str] = []
        for raw in self._conn.execute(
            "SELECT * FROM dossiers WHERE erased_at IS NULL AND quarantined = 0"
        ).fetchall():
            problem = self._problem_with(raw)
            if problem is not None:
                quarantined.append(raw["receipt_number"])
                self.record_failure(raw["client_uuid"], ErrorKind.CORRUPT, problem, self._now())
        orphans = self._move_orphans()
        report = StartupReport(
            self.startup_report.integrity_ok,
            quarantined,
            orphans,
            self.startup_report.database_moved_to,
        )
        if quarantined or orphans:
            self.raise_alert(
                AlertKind.QUARANTINE,
                f"{len(quarantined)} dossier(s) unreadable, {len(orphans)} unexplained "
                f"folder(s) moved to {self._quarantine}",
            )
        self.startup_report = report
        return report

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
        known = {r[0] for r in self._conn.execute("SELECT client_uuid FROM dossiers")}
        moved = []
        for directory in self._files_root.iterdir():
            if directory.name in known:
                continue
            target = self._quarantine / "orphans" / directory.name
            target.parent.mkdir(parents=True, exist_ok=True)
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
            with self.transaction() as conn:
                conn.execute(
                    "UPDATE dossiers SET wrapped_key = NULL, body = NULL, rating = NULL, "
                    "erased_at = ? WHERE client_uuid = ?",
                    (self._now(), client_uuid),
                )
                self._event(client_uuid, "erased", "retention period over")
            # The key is gone, so what remains is noise; removing the files frees the space.
            shutil.rmtree(self._files_root / client_uuid, ignore_errors=True)
        return len(rows)


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
