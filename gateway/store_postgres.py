"""The gateway's metadata in PostgreSQL: the ``Store`` Protocol of ``gateway.store`` for a
province, where several gateway processes (replicas) share one database.

``PostgresStore(url)`` takes a libpq URL (``postgresql://user@/gateway?host=/run/postgresql``),
applies the pending schema revisions (``gateway.migrate``, Alembic; ``migrate=False`` leaves
that to ``dvc-gateway db upgrade``) and keeps a small psycopg pool. Every method is one short
transaction on one pooled connection, at PostgreSQL's default READ COMMITTED isolation; where a
method reads, checks and then writes, the rows it depends on are locked first (``FOR UPDATE``,
or an ``INSERT … ON CONFLICT`` that takes the row lock itself), so two replicas serialise on
the dossier, file, code or day they both touch and on nothing else. Where one method locks
several rows the order is always the same (a dossier before its files, a file before its
uploads), so two methods never wait on each other in a cycle.

Times: the contract hands back the aware datetime it was given, offset included, and
``timestamptz`` keeps only the instant (it answers in the session's zone). A returned time is
therefore two columns: the ``timestamptz`` instant, which sorts and compares across offsets
(audit events in time order, a console's "stale since"), and ``<name>_offset``, the seconds east
of UTC it came with, to rebuild the same aware datetime. Naive datetimes are refused
(``ValueError``): the gateway only ever has aware ones, and guessing a zone would shift them.

JSON (heartbeats, ratings, tus metadata) is ``jsonb``: the dicts come back equal, though with
their keys in PostgreSQL's order, not the order given.

psycopg stays in this module: its exceptions become ``BackendError`` (the server unreachable or
gone, a timeout, a closed store) or the ``StoreError`` the Protocol names, and the message
names the database and host, never a password.

Official codes are unique and gap-free per unit *and* day (``day_sequence`` is keyed by both,
as SQLite's ``unit_day_sequence`` is).

A served gateway's store (``cache_tokens``) keeps the kiosk tokens it has looked up
(``gateway.token_cache``) while a thread of its own listens on the channel revision 0006's
trigger notifies on every change to a kiosk; its own writes forget at once. A change made by
another process is heard of when PostgreSQL delivers the notification, milliseconds after the
commit: until then that replica still takes the revoked token, as it would have if the request
had come those milliseconds earlier.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from dvc_common.protocol import ProcessingStatus
from gateway import migrate as migrations
from gateway.pg_pool import Connection, PostgresPool
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
from gateway.token_cache import TokenCache

RECEIPT_NUMBER_CONSTRAINT = "dossiers_receipt_number_key"
"""The unique constraint (named in the first migration) that says a receipt number is taken."""

_ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASCII_LOWER = _ASCII_UPPER.lower()

_IN_AREA = (
    "d.kiosk_id = ANY(ARRAY(SELECT kiosk_id FROM kiosks "
    "WHERE unit_code = %(unit)s OR starts_with(unit_code, %(under)s)))"
)
"""The dossiers of kiosks in the area: the unit named or one under it. The kiosks (a few
hundred) are listed first, as an array: the planner then reads a commune's or a district's
dossiers through ``dossiers_by_kiosk`` (an ``IN (SELECT …)`` became a hash join over every
dossier, 25 times slower for a district's count at 100,000 dossiers)."""
_OUTSIDE_AREA_EXCLUDED = (
    "NOT (d.kiosk_id = ANY(ARRAY(SELECT kiosk_id FROM kiosks WHERE unit_code IS NOT NULL "
    "AND NOT (unit_code = %(unit)s OR starts_with(unit_code, %(under)s)))))"
)
"""Every dossier but those of kiosks with a unit outside the area: the area's, and those of
kiosks with no unit or never enrolled (a province administrator's, nearly all)."""
_WITH_A_UNIT = "d.kiosk_id = ANY(ARRAY(SELECT kiosk_id FROM kiosks WHERE unit_code IS NOT NULL))"

AWAITING_COMPLETION = (
    "SELECT * FROM uploads WHERE state = 'active' AND upload_offset = length ORDER BY seq"
)
"""The uploads a starting gateway completes. The state is written out ('active' is
``UploadState.ACTIVE``) rather than passed: only a literal lets the planner use the partial
index the first migration made for this query, in every plan."""


# --- times ---------------------------------------------------------------------------------------


def _offset(moment: datetime) -> int:
    """The seconds east of UTC ``moment`` carries, kept next to its instant."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"the store keeps aware times only, not {moment.isoformat()}")
    return int(offset.total_seconds())


def _moment(moment: datetime) -> tuple[datetime, int]:
    return moment, _offset(moment)


def _aware(instant: datetime, offset: int) -> datetime:
    return instant.astimezone(timezone(timedelta(seconds=offset)))


def _at(row: DictRow, name: str) -> datetime:
    return _aware(row[name], row[f"{name}_offset"])


def _at_or_none(row: DictRow, name: str) -> datetime | None:
    return None if row[name] is None else _at(row, name)


# --- rows to records -----------------------------------------------------------------------------


def _kiosk(row: DictRow) -> KioskRecord:
    return KioskRecord(
        row["kiosk_id"],
        row["enabled"],
        row["public_key"],
        row["unit_code"],
        _at_or_none(row, "token_revoked_at"),
    )


def _enrolment_code(row: DictRow) -> EnrolmentCodeRecord:
    return EnrolmentCodeRecord(
        code_sha256=row["code_sha256"],
        kiosk_id=row["kiosk_id"],
        created_at=_at(row, "created_at"),
        expires_at=_at(row, "expires_at"),
        used_at=_at_or_none(row, "used_at"),
        unit_code=row["unit_code"],
        revoked_at=_at_or_none(row, "revoked_at"),
    )


def _badge(row: DictRow) -> BadgeRecord:
    return BadgeRecord(
        serial=f"B{row['seq']:06d}",
        technician_id=row["technician_id"],
        technician_name=row["technician_name"],
        kiosks=tuple(row["kiosks"]),
        area=row["area"],
        not_before=_at(row, "not_before"),
        expires=_at(row, "expires"),
        issued_at=_at(row, "issued_at"),
    )


def _audit(row: DictRow) -> AuditRecord:
    return AuditRecord(
        kiosk_id=row["kiosk_id"],
        event_id=row["event_id"],
        at=_at(row, "at"),
        kind=row["kind"],
        actor=row["actor"],
        detail=row["detail"],
        received_at=_at(row, "received_at"),
    )


def _file(row: DictRow) -> FileRecord:
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
        complete=row["complete"],
        stored_path=row["stored_path"],
    )


def _dossier(row: DictRow) -> DossierRecord:
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
        appointment_date=row["appointment_date"],
        created_at=_at(row, "created_at"),
        registered_at=_at_or_none(row, "registered_at"),
        rating=row["rating"],
    )


def _upload(row: DictRow) -> UploadRecord:
    return UploadRecord(
        upload_id=row["upload_id"],
        kiosk_id=row["kiosk_id"],
        length=row["length"],
        offset=row["upload_offset"],
        metadata=row["metadata"],
        dossier_id=row["dossier_id"],
        file_id=row["file_id"],
        state=UploadState(row["state"]),
        created_at=_at(row, "created_at"),
        expires_at=_at(row, "expires_at"),
    )


log = logging.getLogger(__name__)

# The channel revision 0006's trigger notifies with a kiosk's id on every change to it.
KIOSK_CHANNEL = "dvc_kiosk_changed"
# How often the listening thread looks up from its wait to see whether the store is closing.
LISTEN_POLL_S = 0.25
# After a lost connection, the first wait before listening again; it doubles up to the last.
RELISTEN_S = (0.5, 30.0)
# A server that does not answer: give up connecting after this long (the cache stays off).
LISTEN_CONNECT_TIMEOUT_S = 10


class KioskChanges:
    """A thread listening on ``KIOSK_CHANNEL`` for the ``TokenCache`` it keeps live: the cache
    forgets each kiosk it hears of, and is off whenever the thread is not listening."""

    def __init__(self, url: str, cache: TokenCache) -> None:
        self._url = url
        self._cache = cache
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kiosk-changes", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        wait = RELISTEN_S[0]
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._url, autocommit=True, connect_timeout=LISTEN_CONNECT_TIMEOUT_S
                ) as conn:
                    conn.execute(f"LISTEN {KIOSK_CHANNEL}")
                    self._cache.go_live()  # listening from here: a later commit is heard of
                    wait = RELISTEN_S[0]
                    while not self._stop.is_set():
                        for change in conn.notifies(timeout=LISTEN_POLL_S):
                            self._cache.forget(change.payload)
            except psycopg.Error as exc:
                log.warning("not hearing of kiosk changes (token cache off): %s", exc)
            finally:
                self._cache.go_deaf()
            self._stop.wait(wait)
            wait = min(wait * 2, RELISTEN_S[1])

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


class PostgresStore:
    """The ``Store`` Protocol on a PostgreSQL database shared by the gateway's replicas."""

    def __init__(
        self,
        url: str,
        *,
        migrate: bool = True,
        min_connections: int = 1,
        max_connections: int = 8,
        timeout: float = 10.0,
        lock_timeout: float = 30.0,
        cache_tokens: bool = False,
    ) -> None:
        """Open a pool of ``min_connections``..``max_connections`` on ``url``.

        ``timeout`` bounds the wait for a pooled connection (and the first connection),
        ``lock_timeout`` the wait for a row another transaction holds; either ends in
        ``BackendError``. With ``migrate`` the schema is brought to the newest revision first.
        ``cache_tokens`` keeps the kiosk tokens looked up while a thread hears of every change
        to a kiosk (a served gateway; one more connection).
        """
        where = migrations.describe(url)
        if migrate:
            migrations.upgrade(url)
        else:
            # Left to ``dvc-gateway db upgrade``: a gateway must still not run on a schema other
            # than its own, where its statements would fail one request at a time.
            found, wanted = migrations.current(url), migrations.head()
            if found != wanted:
                raise BackendError(
                    f"{where}: the schema is at revision {found or '(none)'} and this "
                    f"gateway needs {wanted}: run `dvc-gateway db upgrade`"
                )
        self._db = PostgresPool(
            url, min_connections=min_connections, max_connections=max_connections,
            timeout=timeout, lock_timeout=lock_timeout,
        )  # fmt: skip
        self.where = self._db.where
        self._tx = self._db.transaction
        self._tokens: TokenCache | None = None
        self._changes: KioskChanges | None = None
        if cache_tokens:
            self._tokens = TokenCache()
            self._changes = KioskChanges(url, self._tokens)

    def close(self) -> None:
        if self._changes is not None:
            self._changes.close()
        self._db.close()

    def _kiosk_changed(self, kiosk_id: str) -> None:
        """After this store's own change to a kiosk committed: forget it now, not when the
        notification comes back."""
        if self._tokens is not None:
            self._tokens.forget(kiosk_id)

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _one(self, sql: str, params: tuple[Any, ...]) -> DictRow | None:
        with self._db.statement() as conn:
            return conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[DictRow]:
        with self._db.statement() as conn:
            return conn.execute(sql, params).fetchall()

    # --- kiosks ---------------------------------------------------------------------------------

    def enrol(self, kiosk_id: str, now: datetime, unit_code: str | None = None) -> str:
        """A new token for ``kiosk_id``; any earlier token of that kiosk stops working."""
        with self._tx() as conn:
            token = self._enrol(conn, kiosk_id, now, None, unit_code)
        self._kiosk_changed(kiosk_id)
        return token

    def set_kiosk_unit(self, kiosk_id: str, unit_code: str | None) -> bool:
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE kiosks SET unit_code = %s WHERE kiosk_id = %s", (unit_code, kiosk_id)
            )
        self._kiosk_changed(kiosk_id)
        return cursor.rowcount == 1

    def kiosks(self) -> list[KioskRecord]:
        return [_kiosk(row) for row in self._all("SELECT * FROM kiosks ORDER BY kiosk_id")]

    @staticmethod
    def _enrol(
        conn: Connection,
        kiosk_id: str,
        now: datetime,
        public_key: str | None,
        unit_code: str | None,
    ) -> str:
        # One row per kiosk holding the digest of its one current token: replacing the digest
        # retires the earlier token. A token issued without a code forgets the key of an
        # earlier enrolment: that key belongs to whatever the kiosk was before.
        _offset(now)  # aware only, as everywhere, though only the instant is kept
        token = secrets.token_urlsafe(32)
        conn.execute(
            "INSERT INTO kiosks(kiosk_id, token_sha256, enabled, enrolled_at, public_key, "
            "unit_code) VALUES (%s, %s, TRUE, %s, %s, %s) ON CONFLICT (kiosk_id) DO UPDATE SET "
            "token_sha256 = excluded.token_sha256, enabled = TRUE, token_revoked_at = NULL, "
            "token_revoked_at_offset = NULL, "
            "enrolled_at = excluded.enrolled_at, public_key = excluded.public_key, "
            "unit_code = coalesce(excluded.unit_code, kiosks.unit_code)",
            (kiosk_id, token_digest(token), now, public_key, unit_code),
        )
        return token

    def set_enabled(self, kiosk_id: str, enabled: bool) -> bool:
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE kiosks SET enabled = %s WHERE kiosk_id = %s", (enabled, kiosk_id)
            )
        self._kiosk_changed(kiosk_id)
        return cursor.rowcount == 1

    def kiosk_for_token(self, token: str) -> KioskRecord | None:
        digest = token_digest(token)
        if self._tokens is None:
            return self._kiosk_of(digest)
        cached = self._tokens.get(digest)
        if cached is not None:
            return cached
        generation = self._tokens.generation()  # before the query: see gateway.token_cache
        kiosk = self._kiosk_of(digest)
        if kiosk is not None:
            self._tokens.put(digest, kiosk, generation)
        return kiosk

    def _kiosk_of(self, digest: str) -> KioskRecord | None:
        row = self._one(
            "SELECT * FROM kiosks WHERE token_sha256 = %s AND token_revoked_at IS NULL",
            (digest,),
        )
        return _kiosk(row) if row else None

    def revoke_kiosk_token(self, kiosk_id: str, now: datetime) -> KioskRecord | None:
        with self._tx() as conn:
            # The CASE keeps the first revocation's instant and offset together.
            row = conn.execute(
                "UPDATE kiosks SET token_revoked_at = coalesce(token_revoked_at, %s), "
                "token_revoked_at_offset = CASE WHEN token_revoked_at IS NULL THEN %s "
                "ELSE token_revoked_at_offset END WHERE kiosk_id = %s RETURNING *",
                (*_moment(now), kiosk_id),
            ).fetchone()
        self._kiosk_changed(kiosk_id)
        return _kiosk(row) if row else None

    def kiosk(self, kiosk_id: str) -> KioskRecord | None:
        row = self._one("SELECT * FROM kiosks WHERE kiosk_id = %s", (kiosk_id,))
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
                "INSERT INTO enrolment_codes(code_sha256, kiosk_id, created_at, "
                "created_at_offset, expires_at, expires_at_offset, unit_code) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (code_sha256, kiosk_id, *_moment(now), *_moment(expires_at), unit_code),
            )

    def enrolment_code(self, code_sha256: str) -> EnrolmentCodeRecord | None:
        row = self._one("SELECT * FROM enrolment_codes WHERE code_sha256 = %s", (code_sha256,))
        return _enrolment_code(row) if row else None

    def enrolment_codes(self) -> list[EnrolmentCodeRecord]:
        rows = self._all("SELECT * FROM enrolment_codes ORDER BY created_at DESC, code_sha256")
        return [_enrolment_code(row) for row in rows]

    def revoke_enrolment_code(self, code_sha256: str, *, now: datetime) -> EnrolmentCodeRecord:
        with self._tx() as conn:
            # Locked as a redemption locks it: of the two, the second sees what the first did.
            row = conn.execute(
                "SELECT * FROM enrolment_codes WHERE code_sha256 = %s FOR UPDATE", (code_sha256,)
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
                "UPDATE enrolment_codes SET revoked_at = %s, revoked_at_offset = %s "
                "WHERE code_sha256 = %s",
                (*_moment(now), code_sha256),
            )
            return replace(code, revoked_at=now)

    def redeem_enrolment_code(self, code_sha256: str, *, public_key: str, now: datetime) -> str:
        """Use the code once and enrol its kiosk with ``public_key``; the new token."""
        with self._tx() as conn:
            # The row lock makes a second redemption of the same code (from any replica) wait
            # here, and then read the code as the first left it: used.
            row = conn.execute(
                "SELECT * FROM enrolment_codes WHERE code_sha256 = %s FOR UPDATE", (code_sha256,)
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
                "UPDATE enrolment_codes SET used_at = %s, used_at_offset = %s "
                "WHERE code_sha256 = %s",
                (*_moment(now), code_sha256),
            )
            token = self._enrol(conn, code.kiosk_id, now, public_key, code.unit_code)
        self._kiosk_changed(code.kiosk_id)
        return token

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
            # The serial is an identity column: never handed out twice, even by a transaction
            # that rolled back.
            row = conn.execute(
                "INSERT INTO badges(technician_id, technician_name, kiosks, area, not_before, "
                "not_before_offset, expires, expires_offset, issued_at, issued_at_offset) "
                "VALUES (%s, %s, %s::text[], %s, %s, %s, %s, %s, %s, %s) RETURNING *",
                (
                    technician_id,
                    technician_name,
                    list(kiosks),
                    area,
                    *_moment(not_before),
                    *_moment(expires),
                    *_moment(now),
                ),
            ).fetchone()
            if row is None:
                raise BackendError(f"{self.where}: the badge was not recorded")
            return _badge(row)

    def badges(self) -> list[BadgeRecord]:
        return [_badge(r) for r in self._all("SELECT * FROM badges ORDER BY seq")]

    # --- audit logs -----------------------------------------------------------------------------

    def add_audit_events(self, kiosk_id: str, events: list[NewAuditEvent], now: datetime) -> int:
        stored = 0
        with self._tx() as conn:
            for event in events:
                cursor = conn.execute(
                    "INSERT INTO audit_events(kiosk_id, event_id, at, at_offset, kind, actor, "
                    "detail, received_at, received_at_offset) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (kiosk_id, event_id) DO NOTHING",
                    (
                        kiosk_id,
                        event.event_id,
                        *_moment(event.at),
                        event.kind,
                        event.actor,
                        event.detail,
                        *_moment(now),
                    ),
                )
                stored += cursor.rowcount
        return stored

    def audit_events(self, kiosk_id: str | None = None) -> list[AuditRecord]:
        # Byte order for the ids (COLLATE "C"), as SQLite and Python sort them, whatever
        # locale the database was created with; instants for the times.
        if kiosk_id is None:
            rows = self._all(
                'SELECT * FROM audit_events ORDER BY kiosk_id COLLATE "C", at, event_id COLLATE "C"'
            )
        else:
            rows = self._all(
                'SELECT * FROM audit_events WHERE kiosk_id = %s ORDER BY at, event_id COLLATE "C"',
                (kiosk_id,),
            )
        return [_audit(r) for r in rows]

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
        """The dossier with this client UUID, created now if it did not exist (True if so).

        Two replicas creating one client UUID at once: the second insert waits for the first
        and then does nothing, and both return the one dossier.
        """
        select = "SELECT * FROM dossiers WHERE client_uuid = %s"
        with self._tx() as conn:
            existing = conn.execute(select, (client_uuid,)).fetchone()
            if existing is not None:
                return _dossier(existing), False
            try:
                # A savepoint, so that the transaction survives a refused insert.
                with conn.transaction():
                    row = conn.execute(
                        "INSERT INTO dossiers(dossier_id, client_uuid, kiosk_id, receipt_number, "
                        "procedure_code, body, intake_status, created_at, created_at_offset) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                        "ON CONFLICT (client_uuid) DO NOTHING RETURNING *",
                        (
                            new_id("d"),
                            client_uuid,
                            kiosk_id,
                            receipt_number,
                            procedure_code,
                            body,
                            IntakeStatus.AWAITING_FILES.value,
                            *_moment(now),
                        ),
                    ).fetchone()
            except pg_errors.UniqueViolation as exc:
                if exc.diag.constraint_name != RECEIPT_NUMBER_CONSTRAINT:
                    raise
                # ON CONFLICT covers the client UUID only: a racing insert of the same dossier
                # (same UUID, same receipt number) can surface as a taken receipt number.
                # Read again: if the dossier is there now, it is this one.
                raced = conn.execute(select, (client_uuid,)).fetchone()
                if raced is not None:
                    return _dossier(raced), False
                raise ReceiptNumberTakenError(
                    f"receipt number {receipt_number} belongs to another dossier"
                ) from exc
            if row is None:
                # Another transaction created it between our read and our insert.
                raced = conn.execute(select, (client_uuid,)).fetchone()
                if raced is None:
                    raise BackendError(f"{self.where}: dossier {client_uuid} vanished")
                return _dossier(raced), False
            created = _dossier(row)
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO dossier_files(file_id, dossier_id, position, document_code, "
                    "name, size, sha256, media_type) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        (
                            new_id("f"),
                            created.dossier_id,
                            position,
                            new.document_code,
                            new.name,
                            new.size,
                            new.sha256,
                            new.media_type,
                        )
                        for position, new in enumerate(files)
                    ],
                )
            return created, True

    def dossier(self, dossier_id: str) -> DossierRecord | None:
        row = self._one("SELECT * FROM dossiers WHERE dossier_id = %s", (dossier_id,))
        return _dossier(row) if row else None

    def dossier_by_uuid(self, client_uuid: str) -> DossierRecord | None:
        row = self._one("SELECT * FROM dossiers WHERE client_uuid = %s", (client_uuid,))
        return _dossier(row) if row else None

    def dossier_by_code(self, code: str) -> DossierRecord | None:
        """The registered dossier with this official code or local receipt number."""
        row = self._one(
            "SELECT * FROM dossiers WHERE dossier_code IS NOT NULL "
            "AND (dossier_code = %s OR receipt_number = %s)",
            (code, code),
        )
        return _dossier(row) if row else None

    def files(self, dossier_id: str) -> list[FileRecord]:
        rows = self._all(
            "SELECT * FROM dossier_files WHERE dossier_id = %s ORDER BY position", (dossier_id,)
        )
        return [_file(r) for r in rows]

    def file(self, file_id: str) -> FileRecord | None:
        row = self._one("SELECT * FROM dossier_files WHERE file_id = %s", (file_id,))
        return _file(row) if row else None

    def all_dossiers(self) -> list[DossierRecord]:
        return [_dossier(r) for r in self._all("SELECT * FROM dossiers ORDER BY seq")]

    def dossier_page(self, query: DossierQuery) -> DossierPage:
        """Newest first by ``seq`` (the order of creation). The search compares ``lower()`` of
        the codes, which revision 0005 indexes for prefix matches (``text_pattern_ops``); the
        area is read from the kiosks as they are now."""
        where: list[str] = ["TRUE"]
        params: dict[str, Any] = {}
        if query.unit_prefix is not None:
            params |= {"unit": query.unit_prefix, "under": query.unit_prefix + "."}
            where.append(_OUTSIDE_AREA_EXCLUDED if query.with_no_unit else _IN_AREA)
        elif not query.with_no_unit:
            where.append(_WITH_A_UNIT)
        if query.search:
            where.append(
                "(lower(d.dossier_code) LIKE %(pattern)s "
                "OR lower(d.receipt_number) LIKE %(pattern)s)"
            )
            # Lower-cased in Python as ASCII only, as SQLite's LIKE ignores case: codes are ASCII.
            params["pattern"] = like_prefix(
                query.search.translate(str.maketrans(_ASCII_UPPER, _ASCII_LOWER))
            )
        if query.status is not None:
            where.append("d.status = %(status)s")
            params["status"] = query.status.value
        elif query.awaiting_files:
            where.append("d.status IS NULL")
        sql_from = "FROM dossiers AS d WHERE " + " AND ".join(where)
        with self._tx() as conn:
            # REPEATABLE READ: the count and the page see one snapshot.
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            counted = conn.execute(f"SELECT count(*) AS n {sql_from}", params).fetchone()
            total = 0 if counted is None else int(counted["n"])
            oldest_end, limit, offset = page_window(total, query.limit, query.offset)
            order = "d.seq ASC" if oldest_end else "d.seq DESC"
            rows = conn.execute(
                f"SELECT d.* {sql_from} ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s",
                params | {"limit": limit, "offset": offset},
            ).fetchall()
            if oldest_end:
                rows.reverse()
            units = {
                r["kiosk_id"]: r["unit_code"]
                for r in conn.execute("SELECT kiosk_id, unit_code FROM kiosks")
            }
        return DossierPage(
            [ListedDossier(_dossier(r), units.get(r["kiosk_id"])) for r in rows], total
        )

    def set_rating(self, dossier_id: str, rating: dict[str, Any]) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE dossiers SET rating = %s WHERE dossier_id = %s",
                (Jsonb(rating), dossier_id),
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

        The counter row of the unit and day is moved by an upsert in the transaction that stores
        the code: its row lock makes concurrent finalizes of that day (on any replica) take
        their numbers one after the other, and a rollback takes the number back with it, so the
        numbers have no gaps and no repeats.
        """
        with self._tx() as conn:
            # Locked: a second finalize of this dossier waits, then finds it registered. (NO KEY:
            # the dossier's id never changes, so rows referring to it need not wait.)
            row = conn.execute(
                "SELECT * FROM dossiers WHERE dossier_id = %s FOR NO KEY UPDATE", (dossier_id,)
            ).fetchone()
            if row is None:
                raise NoSuchRecordError(f"no dossier {dossier_id}")
            current = _dossier(row)
            if current.dossier_code is not None:
                return Finalization(current, ())
            missing = tuple(
                r["file_id"]
                for r in conn.execute(
                    "SELECT file_id FROM dossier_files WHERE dossier_id = %s AND NOT complete "
                    "ORDER BY position",
                    (dossier_id,),
                )
            )
            if missing:
                return Finalization(current, missing)
            counter = conn.execute(
                "INSERT INTO day_sequence(unit_code, day, last) VALUES (%s, %s, 1) "
                "ON CONFLICT (unit_code, day) DO UPDATE SET last = day_sequence.last + 1 "
                "RETURNING last",
                (unit_code, day),
            ).fetchone()
            if counter is None:
                raise BackendError(f"{self.where}: the day's counter did not move")
            code = f"{unit_code}-{day.strftime('%y%m%d')}-{counter['last']:04d}"
            updated = conn.execute(
                "UPDATE dossiers SET dossier_code = %s, intake_status = %s, status = %s, "
                "appointment_date = %s, registered_at = %s, registered_at_offset = %s "
                "WHERE dossier_id = %s RETURNING *",
                (
                    code,
                    IntakeStatus.RECEIVED.value,
                    ProcessingStatus.RECEIVED.value,
                    appointment_date,
                    *_moment(now),
                    dossier_id,
                ),
            ).fetchone()
            if updated is None:
                raise BackendError(f"{self.where}: dossier {dossier_id} vanished")
            self._add_history(conn, dossier_id, now, ProcessingStatus.RECEIVED, note)
            return Finalization(_dossier(updated), ())

    @staticmethod
    def _add_history(
        conn: Connection,
        dossier_id: str,
        at: datetime,
        status: ProcessingStatus,
        note: str | None,
    ) -> None:
        # The caller holds the dossier's row lock, so no other entry of this dossier can take
        # the same number between the read of the maximum and the insert.
        conn.execute(
            "INSERT INTO status_history(dossier_id, seq, at, at_offset, status, note) "
            "SELECT %s, COALESCE(MAX(seq), 0) + 1, %s, %s, %s, %s "
            "FROM status_history WHERE dossier_id = %s",
            (dossier_id, *_moment(at), status.value, note, dossier_id),
        )

    def set_status(
        self, dossier_id: str, status: ProcessingStatus, at: datetime, note: str | None
    ) -> None:
        """Record a back-office step of a registered dossier; nothing for an unknown one."""
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE dossiers SET status = %s WHERE dossier_id = %s",
                (status.value, dossier_id),
            )
            if cursor.rowcount == 1:
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
        """One conditional UPDATE: it takes the dossier's row lock and, if another transaction
        changed the row meanwhile, judges its condition again on the committed row (READ
        COMMITTED), so of two changes from one status the second finds it moved."""
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE dossiers SET status = %s WHERE dossier_id = %s "
                "AND status IS NOT DISTINCT FROM %s",
                (status.value, dossier_id, expected.value if expected is not None else None),
            )
            if cursor.rowcount != 1:
                found = conn.execute(
                    "SELECT 1 FROM dossiers WHERE dossier_id = %s", (dossier_id,)
                ).fetchone()
                if found is None:
                    raise NoSuchRecordError(f"no dossier {dossier_id}")
                raise StatusMovedError(f"dossier {dossier_id} is no longer {expected}")
            self._add_history(conn, dossier_id, at, status, note)

    def history(self, dossier_id: str) -> list[HistoryRecord]:
        rows = self._all(
            "SELECT * FROM status_history WHERE dossier_id = %s ORDER BY seq", (dossier_id,)
        )
        return [HistoryRecord(_at(r, "at"), ProcessingStatus(r["status"]), r["note"]) for r in rows]

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
        # Batched: the file's row is read (one round trip with BEGIN), the updates and the
        # insert go with the read of the new row, COMMIT alone: three round trips, not five.
        with self._db.batched() as conn:
            replaced: str | None = None
            if file is not None:
                # The file's row first, then the uploads' (the order every method keeps).
                row = conn.execute(
                    "SELECT complete, upload_id FROM dossier_files WHERE file_id = %s FOR UPDATE",
                    (file.file_id,),
                ).fetchone()
                if row is None:
                    raise NoSuchRecordError(f"no dossier file {file.file_id}")
                if row["complete"]:
                    raise FileAlreadyCompleteError(f"file {file.file_id} is already complete")
                replaced = row["upload_id"]
                if replaced is not None:
                    conn.execute(
                        "UPDATE uploads SET state = %s WHERE upload_id = %s AND state = %s",
                        (UploadState.TERMINATED.value, replaced, UploadState.ACTIVE.value),
                    )
                conn.execute(
                    "UPDATE dossier_files SET upload_id = %s WHERE file_id = %s",
                    (upload_id, file.file_id),
                )
            created = conn.execute(
                "INSERT INTO uploads(upload_id, kiosk_id, length, upload_offset, metadata, "
                "dossier_id, file_id, state, created_at, created_at_offset, expires_at, "
                "expires_at_offset) VALUES (%s, %s, %s, 0, %s, %s, %s, %s, %s, %s, %s, %s) "
                "RETURNING *",
                (
                    upload_id,
                    kiosk_id,
                    length,
                    Jsonb(metadata),
                    file.dossier_id if file else None,
                    file.file_id if file else None,
                    UploadState.ACTIVE.value,
                    *_moment(now),
                    *_moment(expires_at),
                ),
            ).fetchone()
            if created is None:
                raise BackendError(f"{self.where}: the upload was not recorded")
            return _upload(created), replaced

    def upload(self, upload_id: str) -> UploadRecord | None:
        row = self._one("SELECT * FROM uploads WHERE upload_id = %s", (upload_id,))
        return _upload(row) if row else None

    def set_offset(self, upload_id: str, offset: int, expires_at: datetime) -> UploadRecord:
        # One statement, its own transaction: one round trip, where BEGIN and COMMIT made
        # three (every PATCH records an offset).
        with self._db.statement() as conn:
            row = conn.execute(
                "UPDATE uploads SET upload_offset = %s, expires_at = %s, expires_at_offset = %s "
                "WHERE upload_id = %s RETURNING *",
                (offset, *_moment(expires_at), upload_id),
            ).fetchone()
            if row is None:
                raise NoSuchRecordError(f"no upload {upload_id}")
            return _upload(row)

    def uploads_awaiting_completion(self) -> list[UploadRecord]:
        """Active uploads whose offset has reached their length: left by a gateway that died
        between recording the last bytes and completing the upload."""
        rows = self._all(AWAITING_COMPLETION)
        return [_upload(r) for r in rows]

    def set_upload_state(self, upload_id: str, state: UploadState) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE uploads SET state = %s WHERE upload_id = %s", (state.value, upload_id)
            )

    @staticmethod
    def _lock_file_of(conn: Connection, upload_id: str) -> None:
        """Lock the dossier file an upload belongs to, before the upload's own row: the order
        ``create_upload`` takes them in, so the two never deadlock. An upload's file never
        changes, so reading it unlocked is safe."""
        conn.execute(
            "SELECT 1 FROM dossier_files WHERE file_id = "
            "(SELECT file_id FROM uploads WHERE upload_id = %s) FOR UPDATE",
            (upload_id,),
        )

    def complete_upload(self, upload_id: str, stored_path: str | None) -> None:
        """Mark an upload complete and, for a dossier file, the file stored at ``stored_path``.

        Only an active upload completes: one terminated meanwhile (replaced by a newer upload of
        the same file) stays terminated, and its file waits for the newer one.
        """
        # One batch (every PATCH that ends a page comes here): the file's row locked, the
        # upload completed if active, and the file marked stored if its upload is complete
        # now, decided by the server rather than by reading the first update's row count.
        # An upload complete before this call already has its file stored, at the same blob
        # (the name is the file's digest), so marking it again changes nothing.
        with self._db.batched() as conn:
            self._lock_file_of(conn, upload_id)
            conn.execute(
                "UPDATE uploads SET state = %s WHERE upload_id = %s AND state = %s",
                (UploadState.COMPLETE.value, upload_id, UploadState.ACTIVE.value),
            )
            conn.execute(
                "UPDATE dossier_files SET complete = TRUE, stored_path = %s "
                "WHERE upload_id = %s AND EXISTS "
                "(SELECT 1 FROM uploads WHERE upload_id = %s AND state = %s)",
                (stored_path, upload_id, upload_id, UploadState.COMPLETE.value),
            )

    def terminate_upload(self, upload_id: str) -> None:
        """Terminate; an incomplete dossier file forgets the upload so a new one can start."""
        with self._tx() as conn:
            self._lock_file_of(conn, upload_id)
            conn.execute(
                "UPDATE uploads SET state = %s WHERE upload_id = %s",
                (UploadState.TERMINATED.value, upload_id),
            )
            conn.execute(
                "UPDATE dossier_files SET upload_id = NULL WHERE upload_id = %s AND NOT complete",
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
        _offset(now)  # aware only, as everywhere, though only the instant is kept
        # One statement, its own transaction: a kiosk's every 30 s in one round trip.
        with self._db.statement() as conn:
            conn.execute(
                "INSERT INTO otps(otp_id, kiosk_id, code_sha256, purpose, created_at, "
                "expires_at, expires_at_offset, attempts_left) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (otp_id, kiosk_id, code_sha256, purpose, now, *_moment(expires_at), attempts),
            )

    def otp(self, otp_id: str) -> OtpRecord | None:
        row = self._one("SELECT * FROM otps WHERE otp_id = %s", (otp_id,))
        if row is None:
            return None
        return OtpRecord(
            otp_id=row["otp_id"],
            kiosk_id=row["kiosk_id"],
            code_sha256=row["code_sha256"],
            purpose=row["purpose"],
            expires_at=_at(row, "expires_at"),
            attempts_left=row["attempts_left"],
            verified=row["verified"],
        )

    def check_otp(self, otp_id: str, *, matches: bool, now: datetime) -> tuple[bool, int]:
        """Record one attempt; returns (valid, attempts left)."""
        with self._tx() as conn:
            # Locked, so two attempts at once each cost their own attempt.
            row = conn.execute(
                "SELECT attempts_left, expires_at, expires_at_offset FROM otps "
                "WHERE otp_id = %s FOR UPDATE",
                (otp_id,),
            ).fetchone()
            if row is None:
                raise NoSuchRecordError(f"no one-time code {otp_id}")
            left: int = row["attempts_left"]
            if _at(row, "expires_at") <= now or left <= 0:
                conn.execute("UPDATE otps SET attempts_left = 0 WHERE otp_id = %s", (otp_id,))
                return False, 0
            if matches:
                conn.execute("UPDATE otps SET verified = TRUE WHERE otp_id = %s", (otp_id,))
                return True, left
            left -= 1
            conn.execute("UPDATE otps SET attempts_left = %s WHERE otp_id = %s", (left, otp_id))
            return False, left

    # --- heartbeats -----------------------------------------------------------------------------

    def save_heartbeat(self, kiosk_id: str, body: dict[str, Any], now: datetime) -> None:
        _offset(now)  # aware only, as everywhere, though only the instant is kept
        # One statement, its own transaction: a kiosk's every 30 s in one round trip.
        with self._db.statement() as conn:
            conn.execute(
                "INSERT INTO heartbeats(kiosk_id, received_at, body) VALUES (%s, %s, %s) "
                "ON CONFLICT (kiosk_id) DO UPDATE SET received_at = excluded.received_at, "
                "body = excluded.body",
                (kiosk_id, now, Jsonb(body)),
            )

    def heartbeat(self, kiosk_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT body FROM heartbeats WHERE kiosk_id = %s", (kiosk_id,))
        if row is None:
            return None
        body: dict[str, Any] = row["body"]
        return body

    def heartbeats(self) -> list[HeartbeatRecord]:
        rows = self._all("SELECT kiosk_id, received_at, body FROM heartbeats ORDER BY kiosk_id")
        # Only the instant of a heartbeat's arrival is kept (monitoring compares instants).
        return [
            HeartbeatRecord(row["kiosk_id"], row["received_at"].astimezone(UTC), row["body"])
            for row in rows
        ]

    def counts(self) -> StoreCounts:
        row = self._one(
            "SELECT (SELECT count(*) FROM kiosks WHERE enabled AND token_revoked_at IS NULL) "
            "AS kiosks, "
            "(SELECT count(*) FROM uploads WHERE state = %s) AS uploads, "
            "(SELECT count(*) FROM dossiers WHERE intake_status = %s) AS awaiting",
            (UploadState.ACTIVE.value, IntakeStatus.AWAITING_FILES.value),
        )
        assert row is not None  # an aggregate always has its one row
        return StoreCounts(row["kiosks"], row["uploads"], row["awaiting"])
