"""The console's records in SQLite: the ``ConsoleStore`` Protocol in the gateway's own file.

The tables live in ``gateway.sqlite3`` in the data directory (``gateway.store_sqlite.DB_NAME``)
beside the gateway's, on a connection of their own: the gateway's store already put the file in
WAL mode, so the console's short transactions and the gateway's do not block each other's reads.
Times are kept in UTC with a fixed width, so that text compares as time does in SQL.

``sqlite3`` stays in this module: its exceptions become ``BackendError``.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway.console.store import (
    AuditEntry,
    ConsoleAction,
    NewAuditEntry,
    Outcome,
    SessionRecord,
    StaffExistsError,
    StaffRecord,
    StaffRole,
)
from gateway.sqlite_file import SqliteFile
from gateway.store import BackendError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS console_staff (
    username TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_prefix TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS console_login_throttle (
    username TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    locked_until TEXT
);
CREATE TABLE IF NOT EXISTS console_sessions (
    token_sha256 TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS console_sessions_by_user ON console_sessions(username);
CREATE TABLE IF NOT EXISTS console_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    unit_code TEXT,
    target TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""


def _utc(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError(f"the console store keeps aware times only, not {moment.isoformat()}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _staff(row: sqlite3.Row) -> StaffRecord:
    return StaffRecord(
        username=row["username"],
        full_name=row["full_name"],
        role=StaffRole(row["role"]),
        unit_prefix=row["unit_prefix"],
        password_hash=row["password_hash"],
        enabled=bool(row["enabled"]),
        created_at=_dt(row["created_at"]),
    )


def _session(row: sqlite3.Row) -> SessionRecord:
    return SessionRecord(
        token_sha256=row["token_sha256"],
        username=row["username"],
        csrf_token=row["csrf_token"],
        created_at=_dt(row["created_at"]),
        last_seen=_dt(row["last_seen"]),
    )


def _audit(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        seq=row["seq"],
        at=_dt(row["at"]),
        actor=row["actor"],
        action=ConsoleAction(row["action"]),
        unit_code=row["unit_code"],
        target=row["target"],
        outcome=Outcome(row["outcome"]),
        detail=row["detail"],
    )


def _add_window_start(conn: sqlite3.Connection) -> None:
    """``console_login_throttle.window_start`` came after the table's first release: a file made
    by an earlier gateway gains it when opened (as revision 0005 adds it on PostgreSQL)."""
    present = {r["name"] for r in conn.execute("PRAGMA table_info(console_login_throttle)")}
    if "window_start" in present:
        return
    try:
        conn.execute("ALTER TABLE console_login_throttle ADD COLUMN window_start TEXT")
    except sqlite3.OperationalError:
        # Another process opening the same file added it first.
        present = {r["name"] for r in conn.execute("PRAGMA table_info(console_login_throttle)")}
        if "window_start" not in present:
            raise


class SqliteConsoleStore:
    """The ``ConsoleStore`` Protocol on ``gateway.sqlite3`` in a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self._db = SqliteFile(data_dir, _SCHEMA, _add_window_start)
        self.path = self._db.path
        self._tx = self._db.transaction
        self._one = self._db.one
        self._all = self._db.all

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SqliteConsoleStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- staff ----------------------------------------------------------------------------------

    def add_staff(
        self,
        *,
        username: str,
        full_name: str,
        role: StaffRole,
        unit_prefix: str,
        password_hash: str,
        now: datetime,
    ) -> StaffRecord:
        try:
            with self._tx() as conn:
                conn.execute(
                    "INSERT INTO console_staff (username, full_name, role, unit_prefix,"
                    " password_hash, enabled, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
                    (username, full_name, role.value, unit_prefix, password_hash, _utc(now)),
                )
        except BackendError as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError):
                raise StaffExistsError(f"an account {username!r} exists already") from None
            raise
        record = self.staff(username)
        assert record is not None
        return record

    def staff(self, username: str) -> StaffRecord | None:
        row = self._one("SELECT * FROM console_staff WHERE username = ?", (username,))
        return None if row is None else _staff(row)

    def all_staff(self) -> list[StaffRecord]:
        return [_staff(r) for r in self._all("SELECT * FROM console_staff ORDER BY username")]

    def set_password(self, username: str, password_hash: str) -> bool:
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE console_staff SET password_hash = ? WHERE username = ?",
                (password_hash, username),
            )
            return cursor.rowcount == 1

    def set_staff_enabled(self, username: str, enabled: bool) -> bool:
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE console_staff SET enabled = ? WHERE username = ?", (int(enabled), username)
            )
            if not enabled:
                conn.execute("DELETE FROM console_sessions WHERE username = ?", (username,))
            return cursor.rowcount == 1

    # --- log-in throttle ------------------------------------------------------------------------

    def locked_until(self, username: str, now: datetime) -> datetime | None:
        row = self._one(
            "SELECT locked_until FROM console_login_throttle WHERE username = ?"
            " AND locked_until > ?",
            (username, _utc(now)),
        )
        return None if row is None else _dt(row["locked_until"])

    def login_failed(
        self,
        username: str,
        *,
        now: datetime,
        threshold: int,
        lock_for: timedelta,
        window: timedelta | None = None,
    ) -> datetime | None:
        _utc(now)  # refuses a naive time before anything is counted
        with self._tx() as conn:
            row = conn.execute(
                "SELECT failures, window_start FROM console_login_throttle WHERE username = ?",
                (username,),
            ).fetchone()
            failures = 0 if row is None else int(row["failures"])
            started = None if row is None or row["window_start"] is None else row["window_start"]
            if started is None or failures == 0:
                started = _utc(now)
            elif window is not None and _dt(started) <= now - window:
                failures, started = 0, _utc(now)  # the earlier failures are out of the window
            failures += 1
            until = now + lock_for if failures >= threshold else None
            conn.execute(
                "INSERT INTO console_login_throttle (username, failures, locked_until,"
                " window_start) VALUES (?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET"
                " failures = excluded.failures,"
                " locked_until = COALESCE(excluded.locked_until, locked_until),"
                " window_start = excluded.window_start",
                (
                    username,
                    0 if until else failures,
                    None if until is None else _utc(until),
                    started,
                ),
            )
            return until

    def purge_login_throttle(self, *, counted_before: datetime, now: datetime) -> int:
        with self._tx() as conn:
            cursor = conn.execute(
                "DELETE FROM console_login_throttle"
                " WHERE (locked_until IS NULL OR locked_until <= ?)"
                " AND (window_start IS NULL OR window_start < ?)",
                (_utc(now), _utc(counted_before)),
            )
            return cursor.rowcount

    def login_succeeded(self, username: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM console_login_throttle WHERE username = ?", (username,))

    # --- sessions -------------------------------------------------------------------------------

    def create_session(
        self, *, token_sha256: str, username: str, csrf_token: str, now: datetime
    ) -> SessionRecord:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO console_sessions (token_sha256, username, csrf_token, created_at,"
                " last_seen) VALUES (?, ?, ?, ?, ?)",
                (token_sha256, username, csrf_token, _utc(now), _utc(now)),
            )
        record = self.session(token_sha256)
        assert record is not None
        return record

    def session(self, token_sha256: str) -> SessionRecord | None:
        row = self._one("SELECT * FROM console_sessions WHERE token_sha256 = ?", (token_sha256,))
        return None if row is None else _session(row)

    def touch_session(self, token_sha256: str, now: datetime) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE console_sessions SET last_seen = ? WHERE token_sha256 = ?",
                (_utc(now), token_sha256),
            )

    def delete_session(self, token_sha256: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM console_sessions WHERE token_sha256 = ?", (token_sha256,))

    def delete_sessions_of(self, username: str) -> int:
        with self._tx() as conn:
            return conn.execute(
                "DELETE FROM console_sessions WHERE username = ?", (username,)
            ).rowcount

    def delete_stale_sessions(self, *, idle_since: datetime, created_before: datetime) -> int:
        with self._tx() as conn:
            return conn.execute(
                "DELETE FROM console_sessions WHERE last_seen < ? OR created_at < ?",
                (_utc(idle_since), _utc(created_before)),
            ).rowcount

    # --- audit ----------------------------------------------------------------------------------

    def add_audit(self, entry: NewAuditEntry) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO console_audit (at, actor, action, unit_code, target, outcome, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _utc(entry.at),
                    entry.actor,
                    entry.action.value,
                    entry.unit_code,
                    entry.target,
                    entry.outcome.value,
                    entry.detail,
                ),
            )

    def audit_entries(
        self, *, unit_prefix: str | None, limit: int, offset: int = 0
    ) -> list[AuditEntry]:
        if unit_prefix is None:
            rows = self._all(
                "SELECT * FROM console_audit ORDER BY seq DESC LIMIT ? OFFSET ?", (limit, offset)
            )
        else:
            # GLOB, not LIKE: case-sensitive, as PostgreSQL's LIKE is; unit codes are letters,
            # digits and dots, nothing GLOB reads as a wildcard.
            rows = self._all(
                "SELECT * FROM console_audit WHERE unit_code IS NULL OR unit_code = ?"
                " OR unit_code GLOB ? ORDER BY seq DESC LIMIT ? OFFSET ?",
                (unit_prefix, unit_prefix + ".*", limit, offset),
            )
        return [_audit(r) for r in rows]
