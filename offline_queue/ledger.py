"""The sync ledger: one row per dossier with its status, attempts, next attempt time and last
error, one row per page file with its gateway id, upload URL and completeness.

This is what the sync engine schedules from (``next_due``, oldest first; ``next_wakeup``) and
records into (each step's result committed before anything depends on it), and what the
technician reads (``find``, ``list_dossiers``, ``counts``, ``history``) and resets (``retry``).
Reading a dossier's sealed body, rating or page files needs the master key; the rows alone
hold no personal data.

The sync process owns the progress columns; the app only inserts rows (``offline_queue.intake``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from typing import Any

from offline_queue import crypto
from offline_queue.board import delete_alert
from offline_queue.crypto import EncryptedReader, MasterKey
from offline_queue.database import Database
from offline_queue.errors import StoreError
from offline_queue.keys import dossier_key
from offline_queue.records import (
    ACTIVE,
    AlertKind,
    DossierRow,
    ErrorKind,
    EventKind,
    FileRow,
    QueueStatus,
    iso,
)


class Ledger:
    """The dossiers' and files' rows: reading them, and the sync engine's progress."""

    def __init__(self, db: Database, master: MasterKey) -> None:
        self._db = db
        self._master = master

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._db.conn

    # --- reading ----------------------------------------------------------------------------

    def raw(self, client_uuid: str) -> sqlite3.Row | None:
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

    def body(self, client_uuid: str) -> dict[str, Any]:
        """The decrypted DossierCreate body (personal data: never log it)."""
        raw = self.raw(client_uuid)
        if raw is None:
            raise StoreError(f"no dossier {client_uuid}")
        key = dossier_key(self._master, raw)
        data: dict[str, Any] = json.loads(
            crypto.open_sealed(key, raw["body"], f"body:{client_uuid}")
        )
        return data

    def rating(self, client_uuid: str) -> dict[str, Any] | None:
        raw = self.raw(client_uuid)
        if raw is None or raw["rating"] is None:
            return None
        key = dossier_key(self._master, raw)
        data: dict[str, Any] = json.loads(
            crypto.open_sealed(key, raw["rating"], f"rating:{client_uuid}")
        )
        return data

    def files(self, client_uuid: str) -> list[FileRow]:
        rows = self._conn.execute(
            "SELECT * FROM files WHERE client_uuid = ? ORDER BY idx", (client_uuid,)
        ).fetchall()
        data_dir = self._db.layout.data_dir
        return [
            FileRow(
                client_uuid=r["client_uuid"],
                idx=r["idx"],
                document_code=r["document_code"],
                name=r["name"],
                media_type=r["media_type"],
                size=r["size"],
                sha256=r["sha256"],
                path=data_dir / r["path"],
                gateway_file_id=r["gateway_file_id"],
                upload_url=r["upload_url"],
                complete=bool(r["complete"]),
            )
            for r in rows
        ]

    def open_file(self, file: FileRow) -> EncryptedReader:
        """A seekable plaintext stream over one queued page file."""
        raw = self.raw(file.client_uuid)
        if raw is None:
            raise StoreError(f"no dossier {file.client_uuid}")
        return EncryptedReader(file.path, dossier_key(self._master, raw), file.context)

    def history(self, client_uuid: str) -> list[dict[str, Any]]:
        return [
            {"at": iso(r["at"]), "kind": r["kind"], "detail": r["detail"]}
            for r in self._conn.execute(
                "SELECT at, kind, detail FROM events WHERE client_uuid = ? ORDER BY id",
                (client_uuid,),
            )
        ]

    # --- sync progress (owned by the sync process) --------------------------------------------

    def set_gateway_dossier(
        self, client_uuid: str, dossier_id: str, file_ids: dict[int, str]
    ) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET gateway_dossier_id = ?, status = ? WHERE client_uuid = ?",
                (dossier_id, QueueStatus.UPLOADING.value, client_uuid),
            )
            conn.executemany(
                "UPDATE files SET gateway_file_id = ? WHERE client_uuid = ? AND idx = ?",
                [(file_id, client_uuid, idx) for idx, file_id in file_ids.items()],
            )
            self._db.event(client_uuid, EventKind.CREATED.value, dossier_id)

    def set_upload_url(self, client_uuid: str, idx: int, url: str | None) -> None:
        # Stored (and committed) before the first PATCH: tus creation is not idempotent.
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE files SET upload_url = ? WHERE client_uuid = ? AND idx = ?",
                (url, client_uuid, idx),
            )

    def mark_file_complete(self, client_uuid: str, idx: int, complete: bool = True) -> None:
        with self._db.transaction() as conn:
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
        now = self._db.now
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET status = ?, official_code = ?, appointment_date = ?, "
                "submitted_at = ?, last_error = NULL, error_kind = NULL, attempts = 0, "
                "next_attempt_at = ? WHERE client_uuid = ?",
                (
                    QueueStatus.SUBMITTED.value,
                    official_code,
                    appointment_date,
                    now(),
                    now(),
                    client_uuid,
                ),
            )
            self._db.event(client_uuid, EventKind.SUBMITTED.value, official_code)

    def mark_rating_synced(self, client_uuid: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET rating_synced = 1 WHERE client_uuid = ?", (client_uuid,)
            )

    def record_success(self, client_uuid: str) -> None:
        """Progress was made: the next failure starts its backoff from the beginning."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET attempts = 0, last_error = NULL, error_kind = NULL "
                "WHERE client_uuid = ?",
                (client_uuid,),
            )

    def record_failure(
        self, client_uuid: str, kind: ErrorKind, message: str, next_attempt_at: float
    ) -> None:
        """One more failed attempt; a refusal or an unreadable copy parks the dossier for a
        technician (an unreadable one also quarantined), anything else waits its next try."""
        attention = kind in (ErrorKind.PERMANENT, ErrorKind.CORRUPT)
        with self._db.transaction() as conn:
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
            self._db.event(client_uuid, EventKind.failed(kind), message[:500])

    def retry(self, ident: str) -> DossierRow:
        """A technician sends a dossier that needs attention back to the sync engine."""
        row = self.find(ident)
        if row is None:
            raise StoreError(f"no dossier {ident}")
        if row.erased_at is not None:
            raise StoreError(f"{row.receipt_number} was erased after it was delivered")
        status = QueueStatus.QUEUED if row.gateway_dossier_id is None else QueueStatus.UPLOADING
        if row.status is QueueStatus.SUBMITTED:
            status = QueueStatus.SUBMITTED
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET status = ?, attempts = 0, next_attempt_at = ?, "
                "quarantined = 0, last_error = NULL, error_kind = NULL WHERE client_uuid = ?",
                (status.value, self._db.now(), row.client_uuid),
            )
            self._db.event(row.client_uuid, EventKind.RETRY.value, "by technician")
            # A technician asking for a retry has looked at the kiosk: an authentication stop
            # gets another try too (the sync engine raises it again if the token is still bad).
            delete_alert(conn, AlertKind.AUTH)
        found = self.find(row.client_uuid)
        assert found is not None
        return found
