"""The gateway's metadata in SQLite: the ``Store`` Protocol of ``gateway.store``, on one file.

The database is ``gateway.sqlite3`` in the data directory, in WAL mode with
``synchronous=FULL``: an official code or an upload offset, once answered, survives a power cut.
One connection per ``SqliteStore`` is shared under a lock, and every change runs in an immediate
transaction, so a handler's read-check-write steps cannot interleave with another's. Other
processes (the ``enrol`` and ``received`` commands) open their own ``SqliteStore``.

``sqlite3`` stays in this module: rows become the records of ``gateway.store`` and sqlite3's
exceptions become ``BackendError`` before they leave it.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dvc_common.protocol import ProcessingStatus
from gateway.store import (
    AuditRecord,
    BackendError,
    BadgeRecord,
    DossierPage,
    DossierQuery,
    DossierRecord,
    EnrolmentCodeExpiredError,
    EnrolmentCodeRecord,
    EnrolmentCodeRevokedError,
    EnrolmentCodeUnknownError,
    EnrolmentCodeUsedError,
    FileAlreadyCompleteError,
    FileRecord,
    Finalization,
    HeartbeatRecord,
    HistoryRecord,
    IntakeStatus,
    KioskRecord,
    ListedDossier,
    NewAuditEvent,
    NewFile,
    NoSuchRecordError,
    OtpRecord,
    ReceiptNumberTakenError,
    StatusMovedError,
    StoreCounts,
    UploadRecord,
    UploadState,
    like_prefix,
    new_id,
    page_window,
    token_digest,
)

DB_NAME = "gateway.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kiosks (
    kiosk_id TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    enabled INTEGER NOT NULL DEFAULT 1,
    enrolled_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dossiers (
    dossier_id TEXT PRIMARY KEY,
    client_uuid TEXT NOT NULL UNIQUE,
    kiosk_id TEXT NOT NULL,
    receipt_number TEXT NOT NULL UNIQUE,
    procedure_code TEXT NOT NULL,
    body TEXT NOT NULL,
    intake_status TEXT NOT NULL,
    status TEXT,
    dossier_code TEXT UNIQUE,
    appointment_date TEXT,
    created_at TEXT NOT NULL,
    registered_at TEXT,
    rating TEXT
);
CREATE TABLE IF NOT EXISTS dossier_files (
    file_id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(dossier_id),
    position INTEGER NOT NULL,
    document_code TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    media_type TEXT NOT NULL,
    upload_id TEXT,
    complete INTEGER NOT NULL DEFAULT 0,
    stored_path TEXT
);
CREATE INDEX IF NOT EXISTS dossier_files_by_dossier ON dossier_files(dossier_id, position);
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    length INTEGER NOT NULL,
    upload_offset INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL,
    dossier_id TEXT,
    file_id TEXT,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS unit_day_sequence (
    unit_code TEXT NOT NULL,
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (unit_code, day)
);
CREATE TABLE IF NOT EXISTS status_history (
    dossier_id TEXT NOT NULL REFERENCES dossiers(dossier_id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (dossier_id, seq)
);
CREATE TABLE IF NOT EXISTS otps (
    otp_id TEXT PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    code_sha256 TEXT NOT NULL,
    purpose TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts_left INTEGER NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS heartbeats (
    kiosk_id TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS enrolment_codes (
    code_sha256 TEXT PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE IF NOT EXISTS badges (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    technician_id TEXT NOT NULL,
    technician_name TEXT NOT NULL,
    kiosks TEXT NOT NULL,
    area TEXT NOT NULL,
    not_before TEXT NOT NULL,
    expires TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_events (
    kiosk_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, event_id)
);
"""
# Columns added after a table's first release: a database made by an earlier gateway gains them
# when it is opened (CREATE TABLE IF NOT EXISTS leaves an existing table as it was).
_ADDED_COLUMNS = (
    ("kiosks", "public_key", "TEXT"),
    ("kiosks", "unit_code", "TEXT"),
    ("enrolment_codes", "unit_code", "TEXT"),
    ("enrolment_codes", "revoked_at", "TEXT"),
    ("kiosks", "token_revoked_at", "TEXT"),
)
# Indexes made after the columns they name exist (some came with ``_ADDED_COLUMNS``), so an
# earlier gateway's database gains them when it is opened. They serve the console's dossier list
# (``dossier_page``): the dossiers of an area's kiosks (with their status, so that a count by
# status reads the index alone), a search by code or receipt number ignoring case (LIKE uses an
# index only with NOCASE collation), a status filter across the province in rowid order.
_INDEXES = """
CREATE INDEX IF NOT EXISTS dossiers_by_kiosk ON dossiers(kiosk_id, status);
CREATE INDEX IF NOT EXISTS dossiers_by_status ON dossiers(status);
CREATE INDEX IF NOT EXISTS dossiers_by_code_nocase ON dossiers(dossier_code COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS dossiers_by_receipt_nocase ON dossiers(receipt_number COLLATE NOCASE);
"""


_IN_AREA = (
    "d.kiosk_id IN (SELECT kiosk_id FROM kiosks WHERE unit_code = ? OR substr(unit_code, 1, ?) = ?)"
)
"""The dossiers of kiosks in the area: the unit named or one under it (substr, not LIKE: exact
case, and no wildcard in a unit code to escape). Through the kiosks (a few hundred), so that
the dossiers are read by the ``dossiers_by_kiosk`` index: a commune's page and count touch its
dossiers only."""
_OUTSIDE_AREA_EXCLUDED = (
    "d.kiosk_id NOT IN (SELECT kiosk_id FROM kiosks "
    "WHERE unit_code IS NOT NULL AND NOT (unit_code = ? OR substr(unit_code, 1, ?) = ?))"
)
"""Every dossier but those of kiosks with a unit outside the area: the area's, and those of
kiosks with no unit or never enrolled (a province administrator's, nearly all)."""
_WITH_A_UNIT = "d.kiosk_id IN (SELECT kiosk_id FROM kiosks WHERE unit_code IS NOT NULL)"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _file(row: sqlite3.Row) -> FileRecord:
    return FileRecord(
        file_id=row["file_id"],
        dossier_id=row["dossier_id"],
        position=row["position"],
        document_code=row["document_code"],
        name=row["name"],
        size=row["size"],
        sha256=row["sha256"],
        media_type=row["media_type"],
        upload_id=row["upload_id"],
        complete=bool(row["complete"]),
        stored_path=row["stored_path"],
    )


def _dossier(row: sqlite3.Row) -> DossierRecord:
    return DossierRecord(
        dossier_id=row["dossier_id"],
        client_uuid=row["client_uuid"],
        kiosk_id=row["kiosk_id"],
        receipt_number=row["receipt_number"],
        procedure_code=row["procedure_code"],
        body=row["body"],
        intake_status=IntakeStatus(row["intake_status"]),
        status=ProcessingStatus(row["status"]) if row["status"] else None,
        dossier_code=row["dossier_code"],
        appointment_date=(
            date.fromisoformat(row["appointment_date"]) if row["appointment_date"] else None
        ),
        created_at=_dt(row["created_at"]),
        registered_at=_dt(row["registered_at"]) if row["registered_at"] else None,
        rating=json.loads(row["rating"]) if row["rating"] else None,
    )


def _kiosk(row: sqlite3.Row) -> KioskRecord:
    return KioskRecord(
        row["kiosk_id"],
        bool(row["enabled"]),
        row["public_key"],
        row["unit_code"],
        _dt(row["token_revoked_at"]) if row["token_revoked_at"] else None,
    )


def _enrolment_code(row: sqlite3.Row) -> EnrolmentCodeRecord:
    return EnrolmentCodeRecord(
        code_sha256=row["code_sha256"],
        kiosk_id=row["kiosk_id"],
        created_at=_dt(row["created_at"]),
        expires_at=_dt(row["expires_at"]),
        used_at=_dt(row["used_at"]) if row["used_at"] else None,
        unit_code=row["unit_code"],
        revoked_at=_dt(row["revoked_at"]) if row["revoked_at"] else None,
    )


def _badge(row: sqlite3.Row) -> BadgeRecord:
    return BadgeRecord(
        serial=f"B{row['seq']:06d}",
        technician_id=row["technician_id"],
        technician_name=row["technician_name"],
        kiosks=tuple(json.loads(row["kiosks"])),
        area=row["area"],
        not_before=_dt(row["not_before"]),
        expires=_dt(row["expires"]),
        issued_at=_dt(row["issued_at"]),
    )


def _audit(row: sqlite3.Row) -> AuditRecord:
    return AuditRecord(
        kiosk_id=row["kiosk_id"],
        event_id=row["event_id"],
        at=_dt(row["at"]),
        kind=row["kind"],
        actor=row["actor"],
        detail=row["detail"],
        received_at=_dt(row["received_at"]),
    )


def _upload(row: sqlite3.Row) -> UploadRecord:
    return UploadRecord(
        upload_id=row["upload_id"],
        kiosk_id=row["kiosk_id"],
        length=row["length"],
        offset=row["upload_offset"],
        metadata=json.loads(row["metadata"]),
        dossier_id=row["dossier_id"],
        file_id=row["file_id"],
        state=UploadState(row["state"]),
        created_at=_dt(row["created_at"]),
        expires_at=_dt(row["expires_at"]),
    )


@contextmanager
def _backend_errors(path: Path) -> Iterator[None]:
    """sqlite3's exceptions become the store's own at the boundary: callers of the Protocol
    handle ``StoreError`` whichever database is behind it."""
    try:
        yield
    except sqlite3.Error as exc:
        raise BackendError(f"{path}: {exc}") from exc


class SqliteStore:
    """The ``Store`` Protocol on ``gateway.sqlite3`` in a data directory."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_NAME
        self._lock = threading.RLock()
        with _backend_errors(self.path):
            self._conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            with self._lock:
                # executescript commits as it goes; CREATE ... IF NOT EXISTS makes that harmless.
                self._conn.executescript(_SCHEMA)
                self._add_columns()
                self._conn.executescript(_INDEXES)
                self._key_counters_by_unit()

    def _add_columns(self) -> None:
        for table, column, kind in _ADDED_COLUMNS:
            present = {r["name"] for r in self._conn.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                try:
                    self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
                except sqlite3.OperationalError:
                    # Another process opening the same database added it first.
                    present = {r["name"] for r in self._conn.execute(f"PRAGMA table_info({table})")}
                    if column not in present:
                        raise

    def _key_counters_by_unit(self) -> None:
        """An earlier gateway counted official codes per day alone (``day_sequence``); the
        counters are now per unit and day, as on PostgreSQL. Each unit's counter of a day starts
        from the highest number that unit was given that day (read from the codes issued, which
        name their unit), so no number is ever issued twice and none skipped; then the old
        table goes. Once, under the write lock: a second process opening the file meanwhile
        finds the work done."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            old = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'day_sequence'"
            ).fetchone()
            if old is not None:
                highest: dict[tuple[str, str], int] = {}
                for (code,) in conn.execute(
                    "SELECT dossier_code FROM dossiers WHERE dossier_code IS NOT NULL"
                ):
                    unit, day, number = str(code).rsplit("-", 2)
                    key = (unit, day)
                    highest[key] = max(highest.get(key, 0), int(number))
                conn.executemany(
                    "INSERT INTO unit_day_sequence(unit_code, day, last) VALUES (?, ?, ?) "
                    "ON CONFLICT(unit_code, day) DO UPDATE SET last = max(last, excluded.last)",
                    [(unit, day, last) for (unit, day), last in highest.items()],
                )
                conn.execute("DROP TABLE day_sequence")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @staticmethod
    def exists(data_dir: Path) -> bool:
        """Whether ``data_dir`` holds a gateway database (without creating one)."""
        return (data_dir / DB_NAME).is_file()

    def close(self) -> None:
        with self._lock, _backend_errors(self.path):
            self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock, _backend_errors(self.path):
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _one(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Row | None:
        with self._lock, _backend_errors(self.path):
            row: sqlite3.Row | None = self._conn.execute(sql, params).fetchone()
            return row

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock, _backend_errors(self.path):
            return list(self._conn.execute(sql, params).fetchall())

    # --- kiosks ---------------------------------------------------------------------------------

    def enrol(self, kiosk_id: str, now: datetime, unit_code: str | None = None) -> str:
        """A new token for ``kiosk_id``; any earlier token of that kiosk stops working."""
        with self._tx() as conn:
            return self._enrol(conn, kiosk_id, now, None, unit_code)

    def set_kiosk_unit(self, kiosk_id: str, unit_code: str | None) -> bool:
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE kiosks SET unit_code = ? WHERE kiosk_id = ?", (unit_code, kiosk_id)
            )
            return cursor.rowcount == 1

    def kiosks(self) -> list[KioskRecord]:
        return [_kiosk(row) for row in self._all("SELECT * FROM kiosks ORDER BY kiosk_id")]

    @staticmethod
    def _enrol(
        conn: sqlite3.Connection,
        kiosk_id: str,
        now: datetime,
        public_key: str | None,
        unit_code: str | None,
    ) -> str:
        # One row per kiosk holding the digest of its one current token: replacing the digest
        # is what retires the earlier token. A token issued without a code forgets the key of
        # an earlier enrolment: that key belongs to whatever the kiosk was before.
        token = secrets.token_urlsafe(32)
        conn.execute(
            "INSERT INTO kiosks(kiosk_id, token_sha256, enabled, enrolled_at, public_key, "
            "unit_code) VALUES (?, ?, 1, ?, ?, ?) ON CONFLICT(kiosk_id) DO UPDATE SET "
            "token_sha256 = excluded.token_sha256, enabled = 1, token_revoked_at = NULL, "
            "enrolled_at = excluded.enrolled_at, public_key = excluded.public_key, "
            "unit_code = coalesce(excluded.unit_code, kiosks.unit_code)",
            (kiosk_id, token_digest(token), _iso(now), public_key, unit_code),
        )
        return token

    def set_enabled(self, kiosk_id: str, enabled: bool) -> bool:
        """Enable or disable a kiosk; False if it was never enrolled."""
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE kiosks SET enabled = ? WHERE kiosk_id = ?", (int(enabled), kiosk_id)
            )
            return cursor.rowcount == 1

    def kiosk_for_token(self, token: str) -> KioskRecord | None:
        row = self._one(
            "SELECT * FROM kiosks WHERE token_sha256 = ? AND token_revoked_at IS NULL",
            (token_digest(token),),
        )
        return _kiosk(row) if row else None

    def revoke_kiosk_token(self, kiosk_id: str, now: datetime) -> KioskRecord | None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE kiosks SET token_revoked_at = coalesce(token_revoked_at, ?) "
                "WHERE kiosk_id = ?",
                (_iso(now), kiosk_id),
            )
            row = conn.execute("SELECT * FROM kiosks WHERE kiosk_id = ?", (kiosk_id,)).fetchone()
            return _kiosk(row) if row else None

    def kiosk(self, kiosk_id: str) -> KioskRecord | None:
        row = self._one("SELECT * FROM kiosks WHERE kiosk_id = ?", (kiosk_id,))
        return _kiosk(row) if row else None

    # --- enrolment codes ------------------------------------------------------------------------

    def create_enrolment_code(
        self,
        *,
        code_sha256: str,
        kiosk_id: str,
        now: datetime,
        expires_at: datetime,
        unit_code: str | None = None,
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO enrolment_codes(code_sha256, kiosk_id, created_at, expires_at, "
                "unit_code) VALUES (?, ?, ?, ?, ?)",
                (code_sha256, kiosk_id, _iso(now), _iso(expires_at), unit_code),
            )

    def enrolment_code(self, code_sha256: str) -> EnrolmentCodeRecord | None:
        row = self._one("SELECT * FROM enrolment_codes WHERE code_sha256 = ?", (code_sha256,))
        return _enrolment_code(row) if row else None

    def enrolment_codes(self) -> list[EnrolmentCodeRecord]:
        # rowid breaks ties between codes issued in the same instant: the later one first.
        rows = self._all("SELECT * FROM enrolment_codes ORDER BY created_at DESC, rowid DESC")
        return sorted((_enrolment_code(r) for r in rows), key=lambda c: c.created_at, reverse=True)

    def revoke_enrolment_code(self, code_sha256: str, *, now: datetime) -> EnrolmentCodeRecord:
        with self._tx() as conn:
            row = conn.execute(
                "SELECT * FROM enrolment_codes WHERE code_sha256 = ?", (code_sha256,)
            ).fetchone()
            if row is None:
                raise EnrolmentCodeUnknownError("no such enrolment code")
            code = _enrolment_code(row)
            if code.used_at is not None:
                raise EnrolmentCodeUsedError(f"the code was used at {code.used_at.isoformat()}")
            if code.revoked_at is not None:
                return code
            if code.expires_at <= now:
                raise EnrolmentCodeExpiredError(
                    f"the code expired at {code.expires_at.isoformat()}"
                )
            conn.execute(
                "UPDATE enrolment_codes SET revoked_at = ? WHERE code_sha256 = ?",
                (_iso(now), code_sha256),
            )
            return replace(code, revoked_at=now)

    def redeem_enrolment_code(self, code_sha256: str, *, public_key: str, now: datetime) -> str:
        """Use the code once and enrol its kiosk with ``public_key``; the new token."""
        with self._tx() as conn:
            # The immediate transaction holds the write lock from the read on: a second
            # redemption of the same code waits here and then finds it used.
            row = conn.execute(
                "SELECT * FROM enrolment_codes WHERE code_sha256 = ?", (code_sha256,)
            ).fetchone()
            if row is None:
                raise EnrolmentCodeUnknownError("no such enrolment code")
            code = _enrolment_code(row)
            if code.used_at is not None:
                raise EnrolmentCodeUsedError(f"the code was used at {code.used_at.isoformat()}")
            if code.revoked_at is not None:
                raise EnrolmentCodeRevokedError(
                    f"the code was revoked at {code.revoked_at.isoformat()}"
                )
            if code.expires_at <= now:
                raise EnrolmentCodeExpiredError(
                    f"the code expired at {code.expires_at.isoformat()}"
                )
            conn.execute(
                "UPDATE enrolment_codes SET used_at = ? WHERE code_sha256 = ?",
                (_iso(now), code_sha256),
            )
            return self._enrol(conn, code.kiosk_id, now, public_key, code.unit_code)

    # --- technician badges ----------------------------------------------------------------------

    def record_badge(
        self,
        *,
        technician_id: str,
        technician_name: str,
        kiosks: tuple[str, ...],
        area: str,
        not_before: datetime,
        expires: datetime,
        now: datetime,
    ) -> BadgeRecord:
        with self._tx() as conn:
            # AUTOINCREMENT: a serial is never reused, even after the newest row were deleted.
            cursor = conn.execute(
                "INSERT INTO badges(technician_id, technician_name, kiosks, area, not_before, "
                "expires, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    technician_id,
                    technician_name,
                    json.dumps(list(kiosks)),
                    area,
                    _iso(not_before),
                    _iso(expires),
                    _iso(now),
                ),
            )
            row = conn.execute("SELECT * FROM badges WHERE seq = ?", (cursor.lastrowid,)).fetchone()
            return _badge(row)

    def badges(self) -> list[BadgeRecord]:
        return [_badge(r) for r in self._all("SELECT * FROM badges ORDER BY seq")]

    # --- audit logs -----------------------------------------------------------------------------

    def add_audit_events(self, kiosk_id: str, events: list[NewAuditEvent], now: datetime) -> int:
        stored = 0
        with self._tx() as conn:
            for event in events:
                cursor = conn.execute(
                    "INSERT INTO audit_events(kiosk_id, event_id, at, kind, actor, detail, "
                    "received_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(kiosk_id, event_id) DO NOTHING",
                    (
                        kiosk_id,
                        event.event_id,
                        _iso(event.at),
                        event.kind,
                        event.actor,
                        event.detail,
                        _iso(now),
                    ),
                )
                stored += cursor.rowcount
        return stored

    def audit_events(self, kiosk_id: str | None = None) -> list[AuditRecord]:
        if kiosk_id is None:
            rows = self._all("SELECT * FROM audit_events")
        else:
            rows = self._all("SELECT * FROM audit_events WHERE kiosk_id = ?", (kiosk_id,))
        # Sorted here, not in SQL: times carry their offsets, so text order is not time order.
        return sorted((_audit(r) for r in rows), key=lambda e: (e.kiosk_id, e.at, e.event_id))

    # --- dossiers -------------------------------------------------------------------------------

    def create_dossier(
        self,
        *,
        client_uuid: str,
        kiosk_id: str,
        receipt_number: str,
        procedure_code: str,
        body: str,
        files: list[NewFile],
        now: datetime,
    ) -> tuple[DossierRecord, bool]:
        """The dossier with this client UUID, created now if it did not exist (True if so)."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT * FROM dossiers WHERE client_uuid = ?", (client_uuid,)
            ).fetchone()
            if row is not None:
                return _dossier(row), False
            taken = conn.execute(
                "SELECT 1 FROM dossiers WHERE receipt_number = ?", (receipt_number,)
            ).fetchone()
            if taken:
                raise ReceiptNumberTakenError(
                    f"receipt number {receipt_number} belongs to another dossier"
                )
            dossier_id = new_id("d")
            conn.execute(
                "INSERT INTO dossiers(dossier_id, client_uuid, kiosk_id, receipt_number, "
                "procedure_code, body, intake_status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    dossier_id,
                    client_uuid,
                    kiosk_id,
                    receipt_number,
                    procedure_code,
                    body,
                    IntakeStatus.AWAITING_FILES.value,
                    _iso(now),
                ),
            )
            for position, new in enumerate(files):
                conn.execute(
                    "INSERT INTO dossier_files(file_id, dossier_id, position, document_code, "
                    "name, size, sha256, media_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        new_id("f"),
                        dossier_id,
                        position,
                        new.document_code,
                        new.name,
                        new.size,
                        new.sha256,
                        new.media_type,
                    ),
                )
            created = conn.execute(
                "SELECT * FROM dossiers WHERE dossier_id = ?", (dossier_id,)
            ).fetchone()
            return _dossier(created), True

    def dossier(self, dossier_id: str) -> DossierRecord | None:
        row = self._one("SELECT * FROM dossiers WHERE dossier_id = ?", (dossier_id,))
        return _dossier(row) if row else None

    def dossier_by_uuid(self, client_uuid: str) -> DossierRecord | None:
        row = self._one("SELECT * FROM dossiers WHERE client_uuid = ?", (client_uuid,))
        return _dossier(row) if row else None

    def dossier_by_code(self, code: str) -> DossierRecord | None:
        """The registered dossier with this official code or local receipt number."""
        row = self._one(
            "SELECT * FROM dossiers WHERE dossier_code IS NOT NULL "
            "AND (dossier_code = ? OR receipt_number = ?)",
            (code, code),
        )
        return _dossier(row) if row else None

    def files(self, dossier_id: str) -> list[FileRecord]:
        rows = self._all(
            "SELECT * FROM dossier_files WHERE dossier_id = ? ORDER BY position", (dossier_id,)
        )
        return [_file(r) for r in rows]

    def file(self, file_id: str) -> FileRecord | None:
        row = self._one("SELECT * FROM dossier_files WHERE file_id = ?", (file_id,))
        return _file(row) if row else None

    def all_dossiers(self) -> list[DossierRecord]:
        return [_dossier(r) for r in self._all("SELECT * FROM dossiers ORDER BY rowid")]

    def dossier_page(self, query: DossierQuery) -> DossierPage:
        """Newest first by rowid (the order of creation, as ``all_dossiers`` reversed). The area
        is read from the kiosks as they are now, so a kiosk moved to another unit takes its
        dossiers with it, as the Python filter did."""
        where: list[str] = ["1"]
        params: list[Any] = []
        newest_first = "d.rowid DESC"
        if query.unit_prefix is not None:
            params += [query.unit_prefix, len(query.unit_prefix) + 1, query.unit_prefix + "."]
            where.append(_OUTSIDE_AREA_EXCLUDED if query.with_no_unit else _IN_AREA)
            if not query.with_no_unit:
                # A district's or a commune's dossiers are a few among many: read them by the
                # kiosk index and sort them, rather than walk every dossier newest first until
                # enough are found (the plan SQLite picks for a small LIMIT when it has no
                # statistics: the gateway never runs ANALYZE). ``+`` keeps the rowid's order
                # from being used.
                newest_first = "+d.rowid DESC"
        elif not query.with_no_unit:
            where.append(_WITH_A_UNIT)
        if query.search:
            pattern = like_prefix(query.search)
            where.append(
                "(d.dossier_code LIKE ? ESCAPE '\\' OR d.receipt_number LIKE ? ESCAPE '\\')"
            )
            params += [pattern, pattern]
        if query.status is not None:
            where.append("d.status = ?")
            params.append(query.status.value)
        elif query.awaiting_files:
            where.append("d.status IS NULL")
        sql_from = "FROM dossiers AS d WHERE " + " AND ".join(where)
        with self._lock, _backend_errors(self.path):
            # One read transaction: the count and the page see the same dossiers.
            self._conn.execute("BEGIN")
            try:
                (total,) = self._conn.execute(f"SELECT count(*) {sql_from}", params).fetchone()
                oldest_end, limit, offset = page_window(total, query.limit, query.offset)
                order = newest_first.replace("DESC", "ASC") if oldest_end else newest_first
                rows = self._conn.execute(
                    f"SELECT d.* {sql_from} ORDER BY {order} LIMIT ? OFFSET ?",
                    [*params, limit, offset],
                ).fetchall()
                if oldest_end:
                    rows.reverse()
                units = {
                    r["kiosk_id"]: r["unit_code"]
                    for r in self._conn.execute("SELECT kiosk_id, unit_code FROM kiosks")
                }
            finally:
                self._conn.execute("COMMIT")
        return DossierPage(
            [ListedDossier(_dossier(r), units.get(r["kiosk_id"])) for r in rows], total
        )

    def set_rating(self, dossier_id: str, rating: dict[str, Any]) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE dossiers SET rating = ? WHERE dossier_id = ?",
                (json.dumps(rating, ensure_ascii=False), dossier_id),
            )

    def finalize(
        self,
        dossier_id: str,
        *,
        now: datetime,
        day: date,
        unit_code: str,
        appointment_date: date,
        note: str,
    ) -> Finalization:
        """Register the dossier under the next official code of ``unit_code`` and ``day``, once.

        The counter of the unit and day moves inside the same transaction that stores the code,
        so a number is issued exactly once: never twice, and never lost to a crash between them.
        """
        with self._tx() as conn:
            row = conn.execute(
                "SELECT * FROM dossiers WHERE dossier_id = ?", (dossier_id,)
            ).fetchone()
            if row is None:
                raise NoSuchRecordError(f"no dossier {dossier_id}")
            current = _dossier(row)
            if current.dossier_code is not None:
                return Finalization(current, ())
            missing = tuple(
                r["file_id"]
                for r in conn.execute(
                    "SELECT file_id FROM dossier_files WHERE dossier_id = ? AND complete = 0 "
                    "ORDER BY position",
                    (dossier_id,),
                )
            )
            if missing:
                return Finalization(current, missing)
            key = day.strftime("%y%m%d")
            (sequence,) = conn.execute(
                "INSERT INTO unit_day_sequence(unit_code, day, last) VALUES (?, ?, 1) "
                "ON CONFLICT(unit_code, day) DO UPDATE SET last = last + 1 RETURNING last",
                (unit_code, key),
            ).fetchone()
            code = f"{unit_code}-{key}-{sequence:04d}"
            conn.execute(
                "UPDATE dossiers SET dossier_code = ?, intake_status = ?, status = ?, "
                "appointment_date = ?, registered_at = ? WHERE dossier_id = ?",
                (
                    code,
                    IntakeStatus.RECEIVED.value,
                    ProcessingStatus.RECEIVED.value,
                    appointment_date.isoformat(),
                    _iso(now),
                    dossier_id,
                ),
            )
            self._add_history(conn, dossier_id, now, ProcessingStatus.RECEIVED, note)
            updated = conn.execute(
                "SELECT * FROM dossiers WHERE dossier_id = ?", (dossier_id,)
            ).fetchone()
            return Finalization(_dossier(updated), ())

    @staticmethod
    def _add_history(
        conn: sqlite3.Connection,
        dossier_id: str,
        at: datetime,
        status: ProcessingStatus,
        note: str | None,
    ) -> None:
        (seq,) = conn.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM status_history WHERE dossier_id = ?",
            (dossier_id,),
        ).fetchone()
        conn.execute(
            "INSERT INTO status_history(dossier_id, seq, at, status, note) VALUES (?, ?, ?, ?, ?)",
            (dossier_id, seq, _iso(at), status.value, note),
        )

    def set_status(
        self, dossier_id: str, status: ProcessingStatus, at: datetime, note: str | None
    ) -> None:
        """Record a back-office step of a registered dossier."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE dossiers SET status = ? WHERE dossier_id = ?", (status.value, dossier_id)
            )
            self._add_history(conn, dossier_id, at, status, note)

    def change_status(
        self,
        dossier_id: str,
        *,
        expected: ProcessingStatus | None,
        status: ProcessingStatus,
        at: datetime,
        note: str | None,
    ) -> None:
        """The change only if the status is still ``expected``: the check and the write share
        one immediate transaction, which holds the database's write lock throughout."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT status FROM dossiers WHERE dossier_id = ?", (dossier_id,)
            ).fetchone()
            if row is None:
                raise NoSuchRecordError(f"no dossier {dossier_id}")
            if row["status"] != (expected.value if expected is not None else None):
                raise StatusMovedError(f"dossier {dossier_id} is no longer {expected}")
            conn.execute(
                "UPDATE dossiers SET status = ? WHERE dossier_id = ?", (status.value, dossier_id)
            )
            self._add_history(conn, dossier_id, at, status, note)

    def history(self, dossier_id: str) -> list[HistoryRecord]:
        rows = self._all(
            "SELECT at, status, note FROM status_history WHERE dossier_id = ? ORDER BY seq",
            (dossier_id,),
        )
        return [HistoryRecord(_dt(r["at"]), ProcessingStatus(r["status"]), r["note"]) for r in rows]

    # --- uploads --------------------------------------------------------------------------------

    def create_upload(
        self,
        *,
        kiosk_id: str,
        length: int,
        metadata: dict[str, str],
        file: FileRecord | None,
        now: datetime,
        expires_at: datetime,
    ) -> tuple[UploadRecord, str | None]:
        """A new upload, attached to ``file`` if given; returns it and the upload it replaces.

        Raises FileAlreadyCompleteError if the file completed in the meantime.
        """
        upload_id = new_id("u")
        with self._tx() as conn:
            replaced: str | None = None
            if file is not None:
                row = conn.execute(
                    "SELECT complete, upload_id FROM dossier_files WHERE file_id = ?",
                    (file.file_id,),
                ).fetchone()
                if row is None:
                    raise NoSuchRecordError(f"no dossier file {file.file_id}")
                if row["complete"]:
                    raise FileAlreadyCompleteError(f"file {file.file_id} is already complete")
                replaced = row["upload_id"]
                if replaced is not None:
                    conn.execute(
                        "UPDATE uploads SET state = ? WHERE upload_id = ? AND state = ?",
                        (UploadState.TERMINATED.value, replaced, UploadState.ACTIVE.value),
                    )
                conn.execute(
                    "UPDATE dossier_files SET upload_id = ? WHERE file_id = ?",
                    (upload_id, file.file_id),
                )
            conn.execute(
                "INSERT INTO uploads(upload_id, kiosk_id, length, upload_offset, metadata, "
                "dossier_id, file_id, state, created_at, expires_at) "
                "VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                (
                    upload_id,
                    kiosk_id,
                    length,
                    json.dumps(metadata, ensure_ascii=False),
                    file.dossier_id if file else None,
                    file.file_id if file else None,
                    UploadState.ACTIVE.value,
                    _iso(now),
                    _iso(expires_at),
                ),
            )
            row = conn.execute("SELECT * FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
            return _upload(row), replaced

    def upload(self, upload_id: str) -> UploadRecord | None:
        row = self._one("SELECT * FROM uploads WHERE upload_id = ?", (upload_id,))
        return _upload(row) if row else None

    def set_offset(self, upload_id: str, offset: int, expires_at: datetime) -> UploadRecord:
        with self._tx() as conn:
            conn.execute(
                "UPDATE uploads SET upload_offset = ?, expires_at = ? WHERE upload_id = ?",
                (offset, _iso(expires_at), upload_id),
            )
            row = conn.execute("SELECT * FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
            return _upload(row)

    def uploads_awaiting_completion(self) -> list[UploadRecord]:
        """Active uploads whose offset has reached their length: left by a gateway that died
        between recording the last bytes and completing the upload."""
        rows = self._all(
            "SELECT * FROM uploads WHERE state = ? AND upload_offset = length ORDER BY rowid",
            (UploadState.ACTIVE.value,),
        )
        return [_upload(r) for r in rows]

    def set_upload_state(self, upload_id: str, state: UploadState) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE uploads SET state = ? WHERE upload_id = ?", (state.value, upload_id)
            )

    def complete_upload(self, upload_id: str, stored_path: str | None) -> None:
        """Mark an upload complete and, for a dossier file, the file stored at ``stored_path``.

        Only an active upload completes: one terminated meanwhile (replaced by a newer upload of
        the same file) stays terminated, and its file waits for the newer one.
        """
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE uploads SET state = ? WHERE upload_id = ? AND state = ?",
                (UploadState.COMPLETE.value, upload_id, UploadState.ACTIVE.value),
            )
            if cursor.rowcount == 1:
                conn.execute(
                    "UPDATE dossier_files SET complete = 1, stored_path = ? WHERE upload_id = ?",
                    (stored_path, upload_id),
                )

    def terminate_upload(self, upload_id: str) -> None:
        """Terminate; an incomplete dossier file forgets the upload so a new one can start."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE uploads SET state = ? WHERE upload_id = ?",
                (UploadState.TERMINATED.value, upload_id),
            )
            conn.execute(
                "UPDATE dossier_files SET upload_id = NULL WHERE upload_id = ? AND complete = 0",
                (upload_id,),
            )

    # --- one-time codes -------------------------------------------------------------------------

    def create_otp(
        self,
        *,
        otp_id: str,
        kiosk_id: str,
        code_sha256: str,
        purpose: str,
        now: datetime,
        expires_at: datetime,
        attempts: int,
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO otps(otp_id, kiosk_id, code_sha256, purpose, created_at, expires_at, "
                "attempts_left) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (otp_id, kiosk_id, code_sha256, purpose, _iso(now), _iso(expires_at), attempts),
            )

    def otp(self, otp_id: str) -> OtpRecord | None:
        row = self._one("SELECT * FROM otps WHERE otp_id = ?", (otp_id,))
        if row is None:
            return None
        return OtpRecord(
            otp_id=row["otp_id"],
            kiosk_id=row["kiosk_id"],
            code_sha256=row["code_sha256"],
            purpose=row["purpose"],
            expires_at=_dt(row["expires_at"]),
            attempts_left=row["attempts_left"],
            verified=bool(row["verified"]),
        )

    def check_otp(self, otp_id: str, *, matches: bool, now: datetime) -> tuple[bool, int]:
        """Record one attempt; returns (valid, attempts left)."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT attempts_left, verified, expires_at FROM otps WHERE otp_id = ?", (otp_id,)
            ).fetchone()
            if row is None:
                raise NoSuchRecordError(f"no one-time code {otp_id}")
            left: int = row["attempts_left"]
            if _dt(row["expires_at"]) <= now or left <= 0:
                conn.execute("UPDATE otps SET attempts_left = 0 WHERE otp_id = ?", (otp_id,))
                return False, 0
            if matches:
                conn.execute("UPDATE otps SET verified = 1 WHERE otp_id = ?", (otp_id,))
                return True, left
            left -= 1
            conn.execute("UPDATE otps SET attempts_left = ? WHERE otp_id = ?", (left, otp_id))
            return False, left

    # --- heartbeats -----------------------------------------------------------------------------

    def save_heartbeat(self, kiosk_id: str, body: dict[str, Any], now: datetime) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO heartbeats(kiosk_id, received_at, body) VALUES (?, ?, ?) "
                "ON CONFLICT(kiosk_id) DO UPDATE SET received_at = excluded.received_at, "
                "body = excluded.body",
                (kiosk_id, _iso(now), json.dumps(body, ensure_ascii=False)),
            )

    def heartbeat(self, kiosk_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT body FROM heartbeats WHERE kiosk_id = ?", (kiosk_id,))
        if row is None:
            return None
        body: dict[str, Any] = json.loads(row["body"])
        return body

    def heartbeats(self) -> list[HeartbeatRecord]:
        rows = self._all("SELECT kiosk_id, received_at, body FROM heartbeats ORDER BY kiosk_id")
        return [
            HeartbeatRecord(row["kiosk_id"], _dt(row["received_at"]), json.loads(row["body"]))
            for row in rows
        ]

    def counts(self) -> StoreCounts:
        row = self._one(
            "SELECT (SELECT count(*) FROM kiosks WHERE enabled AND token_revoked_at IS NULL) "
            "AS kiosks, "
            "(SELECT count(*) FROM uploads WHERE state = ?) AS uploads, "
            "(SELECT count(*) FROM dossiers WHERE intake_status = ?) AS awaiting",
            (UploadState.ACTIVE.value, IntakeStatus.AWAITING_FILES.value),
        )
        assert row is not None  # an aggregate always has its one row
        return StoreCounts(row["kiosks"], row["uploads"], row["awaiting"])
