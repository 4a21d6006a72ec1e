"""The publications and the import log in SQLite: the ``PublicationStore`` Protocol in the
gateway's own file (``gateway.sqlite3``), on a connection of its own, as the console's records
are (``gateway.console.store_sqlite``). Times are kept in UTC with a fixed width, so text
compares as time does.

A version number is taken inside an immediate transaction (SQLite's write lock), so two
publications at once get two numbers. ``sqlite3`` stays in this module: its exceptions become
``BackendError``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

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
from gateway.sqlite_file import SqliteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS publications (
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    body BLOB NOT NULL,
    etag TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (kind, version)
);
CREATE TABLE IF NOT EXISTS province_imports (
    import_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    channel TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    kiosk_id TEXT,
    unit_code TEXT,
    exported_at TEXT,
    refused TEXT,
    lines TEXT NOT NULL
);
"""

_INFO = "kind, version, etag, length(body) AS size, published_at, published_by, note"


def _utc(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError(f"publications keep aware times only, not {moment.isoformat()}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _info(row: sqlite3.Row) -> PublicationInfo:
    return PublicationInfo(
        kind=PublicationKind(row["kind"]),
        version=row["version"],
        etag=row["etag"],
        size=row["size"],
        published_at=datetime.fromisoformat(row["published_at"]),
        published_by=row["published_by"],
        note=row["note"],
    )


def _publication(row: sqlite3.Row) -> Publication:
    info = _info(row)
    return Publication(**vars(info), body=bytes(row["body"]))


def _import(row: sqlite3.Row) -> ImportRecord:
    return ImportRecord(
        import_id=row["import_id"],
        at=datetime.fromisoformat(row["at"]),
        actor=row["actor"],
        channel=ImportChannel(row["channel"]),
        file_name=row["file_name"],
        sha256=row["sha256"],
        size=row["size"],
        kiosk_id=row["kiosk_id"],
        unit_code=row["unit_code"],
        exported_at=(
            datetime.fromisoformat(row["exported_at"]) if row["exported_at"] is not None else None
        ),
        refused=row["refused"],
        lines=tuple(ImportLine.from_json(line) for line in json.loads(row["lines"])),
    )


class SqlitePublicationStore:
    """The ``PublicationStore`` Protocol on ``gateway.sqlite3`` in a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self._db = SqliteFile(data_dir, _SCHEMA)
        self.path = self._db.path
        self._tx = self._db.transaction
        self._one = self._db.one
        self._all = self._db.all

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SqlitePublicationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        with self._tx() as conn:
            row = conn.execute(
                "SELECT max(version) FROM publications WHERE kind = ?", (kind.value,)
            ).fetchone()
            if row[0] != replaces:
                raise PublicationConflictError(
                    f"{kind.value} version {row[0]} is in force, not {replaces}"
                )
            version = (replaces or 0) + 1
            conn.execute(
                "INSERT INTO publications (kind, version, body, etag, published_at,"
                " published_by, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (kind.value, version, body, etag, _utc(now), by, note),
            )
        return self.publication(kind, version)

    def latest_version(self, kind: PublicationKind) -> int | None:
        row = self._one("SELECT max(version) FROM publications WHERE kind = ?", (kind.value,))
        return None if row is None or row[0] is None else int(row[0])

    def latest(self, kind: PublicationKind) -> Publication | None:
        row = self._one(
            f"SELECT {_INFO}, body FROM publications WHERE kind = ?"  # noqa: S608 (constant)
            " ORDER BY version DESC LIMIT 1",
            (kind.value,),
        )
        return None if row is None else _publication(row)

    def publication(self, kind: PublicationKind, version: int) -> Publication:
        row = self._one(
            f"SELECT {_INFO}, body FROM publications"  # noqa: S608 (a constant column list)
            " WHERE kind = ? AND version = ?",
            (kind.value, version),
        )
        if row is None:
            raise UnknownPublicationError(f"no {kind.value} version {version}")
        return _publication(row)

    def history(self, kind: PublicationKind, limit: int = HISTORY_LIMIT) -> list[PublicationInfo]:
        rows = self._all(
            f"SELECT {_INFO} FROM publications WHERE kind = ?"  # noqa: S608 (constant)
            " ORDER BY version DESC LIMIT ?",
            (kind.value, limit),
        )
        return [_info(row) for row in rows]

    # --- the import log -------------------------------------------------------------------------

    def add_import(self, new: NewImport) -> ImportRecord:
        lines = json.dumps([line.to_json() for line in new.lines], ensure_ascii=False)
        with self._tx() as conn:
            cursor = conn.execute(
                "INSERT INTO province_imports (at, actor, channel, file_name, sha256, size,"
                " kiosk_id, unit_code, exported_at, refused, lines)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _utc(new.at), new.actor, new.channel.value, new.file_name, new.sha256,
                    new.size, new.kiosk_id, new.unit_code,
                    _utc(new.exported_at) if new.exported_at is not None else None,
                    new.refused, lines,
                ),
            )  # fmt: skip
            import_id = cursor.lastrowid
        assert import_id is not None
        record = self.import_record(import_id)
        assert record is not None
        return record

    def imports(
        self, *, unit_prefix: str | None, actor: str | None = None, limit: int = HISTORY_LIMIT
    ) -> list[ImportRecord]:
        if unit_prefix is None:
            rows = self._all(
                "SELECT * FROM province_imports ORDER BY import_id DESC LIMIT ?", (limit,)
            )
        else:
            # GLOB, not LIKE: unit codes are case-sensitive and "_" is not a wildcard in them.
            rows = self._all(
                "SELECT * FROM province_imports WHERE unit_code = ? OR unit_code GLOB ?"
                " OR actor = ? ORDER BY import_id DESC LIMIT ?",
                (unit_prefix, unit_prefix + ".*", actor, limit),
            )
        return [_import(row) for row in rows]

    def import_record(self, import_id: int) -> ImportRecord | None:
        row = self._one("SELECT * FROM province_imports WHERE import_id = ?", (import_id,))
        return None if row is None else _import(row)
