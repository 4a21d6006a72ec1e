"""The console's records in PostgreSQL: the ``ConsoleStore`` Protocol in the province's
database, shared by every gateway replica (a session opened on one is valid on the others, and
the failures of a brute force spread over replicas are counted together).

The tables are the Alembic revision ``r0002_console``'s; opening the store brings the schema up
to date as the gateway's own store does (``gateway.migrate.upgrade``: one query when it is
already there). Each method is one short transaction on a pooled connection; the failure count
is moved by one ``INSERT … ON CONFLICT DO UPDATE``, which takes the row's lock, so concurrent
failures are all counted.

psycopg stays in this module: its exceptions become ``BackendError``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, LiteralString

from psycopg import errors as pg_errors
from psycopg.rows import DictRow

from gateway import migrate as migrations
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
from gateway.pg_pool import PostgresPool
from gateway.store import BackendError


def _aware(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"the console store keeps aware times only, not {moment.isoformat()}")
    return moment


def _staff(row: DictRow) -> StaffRecord:
    return StaffRecord(
        username=row["username"],
        full_name=row["full_name"],
        role=StaffRole(row["role"]),
        unit_prefix=row["unit_prefix"],
        password_hash=row["password_hash"],
        enabled=row["enabled"],
        created_at=row["created_at"],
    )


def _session(row: DictRow) -> SessionRecord:
    return SessionRecord(
        token_sha256=row["token_sha256"],
        username=row["username"],
        csrf_token=row["csrf_token"],
        created_at=row["created_at"],
        last_seen=row["last_seen"],
    )


def _audit(row: DictRow) -> AuditEntry:
    return AuditEntry(
        seq=row["seq"],
        at=row["at"],
        actor=row["actor"],
        action=ConsoleAction(row["action"]),
        unit_code=row["unit_code"],
        target=row["target"],
        outcome=Outcome(row["outcome"]),
        detail=row["detail"],
    )


class PostgresConsoleStore:
    """The ``ConsoleStore`` Protocol on the PostgreSQL database at ``url`` (libpq form)."""

    def __init__(self, url: str, *, max_connections: int = 4, timeout: float = 10.0) -> None:
        migrations.upgrade(url)
        self._db = PostgresPool(url, max_connections=max_connections, timeout=timeout)
        self.where = self._db.where
        self._tx = self._db.transaction

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> PostgresConsoleStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _one(self, sql: LiteralString, params: tuple[Any, ...] | dict[str, Any]) -> DictRow | None:
        with self._tx() as conn:
            return conn.execute(sql, params).fetchone()

    def _all(self, sql: LiteralString, params: tuple[Any, ...]) -> list[DictRow]:
        with self._tx() as conn:
            return conn.execute(sql, params).fetchall()

    def _count(self, sql: LiteralString, params: tuple[Any, ...]) -> int:
        with self._tx() as conn:
            return conn.execute(sql, params).rowcount

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
            row = self._one(
                "INSERT INTO console_staff (username, full_name, role, unit_prefix,"
                " password_hash, enabled, created_at) VALUES (%s, %s, %s, %s, %s, true, %s)"
                " RETURNING *",
                (username, full_name, role.value, unit_prefix, password_hash, _aware(now)),
            )
        except BackendError as exc:
            if isinstance(exc.__cause__, pg_errors.UniqueViolation):
                raise StaffExistsError(f"an account {username!r} exists already") from None
            raise
        assert row is not None
        return _staff(row)

    def staff(self, username: str) -> StaffRecord | None:
        row = self._one("SELECT * FROM console_staff WHERE username = %s", (username,))
        return None if row is None else _staff(row)

    def all_staff(self) -> list[StaffRecord]:
        return [_staff(r) for r in self._all("SELECT * FROM console_staff ORDER BY username", ())]

    def set_password(self, username: str, password_hash: str) -> bool:
        return (
            self._count(
                "UPDATE console_staff SET password_hash = %s WHERE username = %s",
                (password_hash, username),
            )
            == 1
        )

    def set_staff_enabled(self, username: str, enabled: bool) -> bool:
        with self._tx() as conn:
            changed = conn.execute(
                "UPDATE console_staff SET enabled = %s WHERE username = %s", (enabled, username)
            ).rowcount
            if not enabled:
                conn.execute("DELETE FROM console_sessions WHERE username = %s", (username,))
            return changed == 1

    # --- log-in throttle ------------------------------------------------------------------------

    def locked_until(self, username: str, now: datetime) -> datetime | None:
        row = self._one(
            "SELECT locked_until FROM console_login_throttle WHERE username = %s"
            " AND locked_until > %s",
            (username, _aware(now)),
        )
        return None if row is None else row["locked_until"]

    def login_failed(
        self,
        username: str,
        *,
        now: datetime,
        threshold: int,
        lock_for: timedelta,
        window: timedelta | None = None,
    ) -> datetime | None:
        until = _aware(now) + lock_for
        with self._tx() as conn:
            # The upsert takes the row's lock, held to the commit: two failures counted at once
            # on two replicas count both. A count starts again (at this failure) after a lock,
            # or when its window has passed (no window: the cutoff is NULL, never passed).
            row = conn.execute(
                "INSERT INTO console_login_throttle AS t (username, failures, window_start)"
                " VALUES (%(u)s, 1, %(now)s)"
                " ON CONFLICT (username) DO UPDATE SET"
                "  failures = CASE WHEN t.failures = 0"
                "                  OR t.window_start <= %(cutoff)s::timestamptz"
                "                  THEN 1 ELSE t.failures + 1 END,"
                "  window_start = CASE WHEN t.failures = 0 OR t.window_start IS NULL"
                "                      OR t.window_start <= %(cutoff)s::timestamptz"
                "                      THEN %(now)s ELSE t.window_start END"
                " RETURNING failures",
                {"u": username, "now": now, "cutoff": None if window is None else now - window},
            ).fetchone()
            assert row is not None  # an upsert always returns its row
            if row["failures"] < threshold:
                return None
            conn.execute(
                "UPDATE console_login_throttle SET failures = 0, locked_until = %s"
                " WHERE username = %s",
                (until, username),
            )
            return until

    def purge_login_throttle(self, *, counted_before: datetime, now: datetime) -> int:
        return self._count(
            "DELETE FROM console_login_throttle"
            " WHERE (locked_until IS NULL OR locked_until <= %s)"
            " AND (window_start IS NULL OR window_start < %s)",
            (_aware(now), _aware(counted_before)),
        )

    def login_succeeded(self, username: str) -> None:
        self._count("DELETE FROM console_login_throttle WHERE username = %s", (username,))

    # --- sessions -------------------------------------------------------------------------------

    def create_session(
        self, *, token_sha256: str, username: str, csrf_token: str, now: datetime
    ) -> SessionRecord:
        row = self._one(
            "INSERT INTO console_sessions (token_sha256, username, csrf_token, created_at,"
            " last_seen) VALUES (%s, %s, %s, %s, %s) RETURNING *",
            (token_sha256, username, csrf_token, _aware(now), now),
        )
        assert row is not None
        return _session(row)

    def session(self, token_sha256: str) -> SessionRecord | None:
        row = self._one("SELECT * FROM console_sessions WHERE token_sha256 = %s", (token_sha256,))
        return None if row is None else _session(row)

    def touch_session(self, token_sha256: str, now: datetime) -> None:
        self._count(
            "UPDATE console_sessions SET last_seen = %s WHERE token_sha256 = %s",
            (_aware(now), token_sha256),
        )

    def delete_session(self, token_sha256: str) -> None:
        self._count("DELETE FROM console_sessions WHERE token_sha256 = %s", (token_sha256,))

    def delete_sessions_of(self, username: str) -> int:
        return self._count("DELETE FROM console_sessions WHERE username = %s", (username,))

    def delete_stale_sessions(self, *, idle_since: datetime, created_before: datetime) -> int:
        return self._count(
            "DELETE FROM console_sessions WHERE last_seen < %s OR created_at < %s",
            (_aware(idle_since), _aware(created_before)),
        )

    # --- audit ----------------------------------------------------------------------------------

    def add_audit(self, entry: NewAuditEntry) -> None:
        self._count(
            "INSERT INTO console_audit (at, actor, action, unit_code, target, outcome, detail)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                _aware(entry.at),
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
                "SELECT * FROM console_audit ORDER BY seq DESC LIMIT %s OFFSET %s", (limit, offset)
            )
        else:
            # Unit codes are letters, digits and dots: nothing LIKE would read as a wildcard.
            rows = self._all(
                "SELECT * FROM console_audit WHERE unit_code IS NULL OR unit_code = %s"
                " OR unit_code LIKE %s ORDER BY seq DESC LIMIT %s OFFSET %s",
                (unit_prefix, unit_prefix + ".%", limit, offset),
            )
        return [_audit(r) for r in rows]
