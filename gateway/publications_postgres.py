"""The publications and the import log in PostgreSQL: the ``PublicationStore`` Protocol in the
province's database, so a catalog published through one gateway replica is served by all of
them (each asks the newest version number on every request and reloads the body only when it
changed).

The tables are the Alembic revision ``r0004_publications``'s; opening the store brings the
schema up to date as the gateway's own store does (``gateway.migrate.upgrade``: one query when
it is there already). A version number is taken under a transaction-scoped advisory lock of its
kind, so two publications at once on two replicas get two numbers without a failed insert.

psycopg stays in this module: its exceptions become ``BackendError``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, LiteralString

from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from gateway import migrate as migrations
from gateway.pg_pool import PostgresPool
from gateway.publications import (
    HISTORY_LIMIT,
    ImportChannel,
    ImportLine,
    ImportRecord,
    NewImport,
    Publication,
    PublicationConflictError,
    PublicationInfo,
    PublicationKind,
    UnknownPublicationError,
)

PUBLISH_LOCK = 0x6476_635F_7075_0000
"""The advisory lock key of publishing ("dvc_pu", plus the kind's place), held for one
transaction."""


def _aware(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"publications keep aware times only, not {moment.isoformat()}")
    return moment


def _info(row: DictRow) -> PublicationInfo:
    return PublicationInfo(
        kind=PublicationKind(row["kind"]),
        version=row["version"],
        etag=row["etag"],
        size=row["size"],
        published_at=row["published_at"],
        published_by=row["published_by"],
        note=row["note"],
    )


def _publication(row: DictRow) -> Publication:
    return Publication(**vars(_info(row)), body=bytes(row["body"]))


def _import(row: DictRow) -> ImportRecord:
    return ImportRecord(
        import_id=row["import_id"],
        at=row["at"],
        actor=row["actor"],
        channel=ImportChannel(row["channel"]),
        file_name=row["file_name"],
        sha256=row["sha256"],
        size=row["size"],
        kiosk_id=row["kiosk_id"],
        unit_code=row["unit_code"],
        exported_at=row["exported_at"],
        refused=row["refused"],
        lines=tuple(ImportLine.from_json(line) for line in row["lines"]),
    )


class PostgresPublicationStore:
    """The ``PublicationStore`` Protocol on the PostgreSQL database at ``url`` (libpq form)."""

    def __init__(self, url: str, *, max_connections: int = 4, timeout: float = 10.0) -> None:
        migrations.upgrade(url)
        self._db = PostgresPool(url, max_connections=max_connections, timeout=timeout)
        self.where = self._db.where
        self._tx = self._db.transaction

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> PostgresPublicationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _one(self, sql: LiteralString, params: tuple[Any, ...]) -> DictRow | None:
        with self._tx() as conn:
            return conn.execute(sql, params).fetchone()

    def _all(self, sql: LiteralString, params: tuple[Any, ...]) -> list[DictRow]:
        with self._tx() as conn:
            return conn.execute(sql, params).fetchall()

    # --- publications ---------------------------------------------------------------------------

    def publish(
        self,
        kind: PublicationKind,
        body: bytes,
        etag: str,
        *,
        replaces: int | None,
        now: datetime,
        by: str,
        note: str,
    ) -> Publication:
        place = list(PublicationKind).index(kind)
        with self._tx() as conn:
            # Held to the end of the transaction: the check and the insert are one step for
            # every replica.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (PUBLISH_LOCK + place,))
            current = conn.execute(
                "SELECT max(version) AS version FROM publications WHERE kind = %s", (kind.value,)
            ).fetchone()
            in_force = current["version"] if current is not None else None
            if in_force != replaces:
                conn.rollback()
                raise PublicationConflictError(
                    f"{kind.value} version {in_force} is in force, not {replaces}"
                )
            row = conn.execute(
                "INSERT INTO publications (kind, version, body, etag, published_at,"
                " published_by, note)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " RETURNING kind, version, etag, octet_length(body) AS size, published_at,"
                " published_by, note, body",
                (kind.value, (replaces or 0) + 1, body, etag, _aware(now), by, note),
            ).fetchone()
        assert row is not None
        return _publication(row)

    def latest_version(self, kind: PublicationKind) -> int | None:
        row = self._one(
            "SELECT max(version) AS version FROM publications WHERE kind = %s", (kind.value,)
        )
        return None if row is None or row["version"] is None else int(row["version"])

    def latest(self, kind: PublicationKind) -> Publication | None:
        row = self._one(
            "SELECT kind, version, etag, octet_length(body) AS size, published_at, published_by,"
            " note, body FROM publications WHERE kind = %s"
            " ORDER BY version DESC LIMIT 1",
            (kind.value,),
        )
        return None if row is None else _publication(row)

    def publication(self, kind: PublicationKind, version: int) -> Publication:
        row = self._one(
            "SELECT kind, version, etag, octet_length(body) AS size, published_at, published_by,"
            " note, body FROM publications WHERE kind = %s AND version = %s",
            (kind.value, version),
        )
        if row is None:
            raise UnknownPublicationError(f"no {kind.value} version {version}")
        return _publication(row)

    def history(self, kind: PublicationKind, limit: int = HISTORY_LIMIT) -> list[PublicationInfo]:
        rows = self._all(
            "SELECT kind, version, etag, octet_length(body) AS size, published_at, published_by,"
            " note FROM publications WHERE kind = %s ORDER BY version DESC LIMIT %s",
            (kind.value, limit),
        )
        return [_info(row) for row in rows]

    # --- the import log -------------------------------------------------------------------------

    def add_import(self, new: NewImport) -> ImportRecord:
        row = self._one(
            "INSERT INTO province_imports (at, actor, channel, file_name, sha256, size,"
            " kiosk_id, unit_code, exported_at, refused, lines)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING *",
            (
                _aware(new.at), new.actor, new.channel.value, new.file_name, new.sha256, new.size,
                new.kiosk_id, new.unit_code,
                _aware(new.exported_at) if new.exported_at is not None else None,
                new.refused, Jsonb([line.to_json() for line in new.lines]),
            ),
        )  # fmt: skip
        assert row is not None
        return _import(row)

    def imports(
        self, *, unit_prefix: str | None, actor: str | None = None, limit: int = HISTORY_LIMIT
    ) -> list[ImportRecord]:
        if unit_prefix is None:
            rows = self._all(
                "SELECT * FROM province_imports ORDER BY import_id DESC LIMIT %s", (limit,)
            )
        else:
            # Unit codes are letters, digits and dots: nothing LIKE would read as a wildcard.
            rows = self._all(
                "SELECT * FROM province_imports WHERE unit_code = %s OR unit_code LIKE %s"
                " OR actor = %s ORDER BY import_id DESC LIMIT %s",
                (unit_prefix, unit_prefix + ".%", actor, limit),
            )
        return [_import(row) for row in rows]

    def import_record(self, import_id: int) -> ImportRecord | None:
        row = self._one("SELECT * FROM province_imports WHERE import_id = %s", (import_id,))
        return None if row is None else _import(row)
