"""The durable outbox: one SQLite database plus one directory of encrypted files per dossier.

``QueueStore`` is one process's handle on it. It opens the parts in order and hands each call
to the part that owns it; each part is a module of its own and reads alone:

- ``offline_queue.layout``: the directories and the file locks between processes;
- ``offline_queue.database``: the SQLite file (WAL, ``synchronous=FULL``), its schema, and
  moving a damaged one aside;
- ``offline_queue.keys``: the master key, checked against the one the outbox was sealed with;
- ``offline_queue.intake``: storing a dossier durably (limits, space, encrypted files first);
- ``offline_queue.ledger``: the rows the sync engine schedules from and records into;
- ``offline_queue.board``: technician alerts and the sync process's published status;
- ``offline_queue.integrity``: the start-up check, rebuilding, quarantine, crypto-erase;
- ``offline_queue.audit``: the technician audit log the sync process delivers.

Durability rules (kiosks lose power at any moment): files are written before the row that names
them commits; a commit that returned survives power loss; nothing is ever deleted because it
could not be read, it is quarantined and an alert tells the technician.

The touchscreen app (enqueue) and the sync process share the database; each side only touches
the columns it owns. The outbox's vocabulary (statuses, rows, errors) is re-exported here so a
caller needs one import.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Collection, Container, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from dvc_common.protocol import DEFAULT_LIMITS, ProtocolLimits
from offline_queue import keys
from offline_queue.audit import AuditEvent, AuditKind, AuditLog
from offline_queue.board import AlertBoard
from offline_queue.crypto import EncryptedReader
from offline_queue.database import Database, Now
from offline_queue.errors import (
    DatabaseCorruptError,
    MasterKeyError,
    QueueFullError,
    QueueRefusedError,
    QueueUnavailableError,
    StoreError,
    StoreFailure,
)
from offline_queue.intake import Intake
from offline_queue.integrity import Integrity
from offline_queue.layout import DB_NAME, Layout
from offline_queue.ledger import Ledger
from offline_queue.records import (
    ACTIVE,
    AlertKind,
    DossierRow,
    EnqueueResult,
    ErrorKind,
    EventKind,
    ExportMark,
    FileRow,
    PageInput,
    QueueStatus,
    RecoveryReport,
    StartupReport,
)

__all__ = [
    "ACTIVE",
    "DB_NAME",
    "AlertKind",
    "AuditEvent",
    "AuditKind",
    "DatabaseCorruptError",
    "DossierRow",
    "EnqueueResult",
    "ErrorKind",
    "ExportMark",
    "FileRow",
    "MasterKeyError",
    "PageInput",
    "QueueFullError",
    "QueueRefusedError",
    "QueueStatus",
    "QueueStore",
    "QueueUnavailableError",
    "RecoveryReport",
    "StartupReport",
    "StoreError",
    "StoreFailure",
]


class QueueStore:
    """One process's handle on the outbox. Use from one thread at a time.

    The parts are public (``intake``, ``ledger``, ``board``, ``integrity``) for code that needs
    only one of them; the methods below are the same calls, for callers that hold the store.
    """

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
        layout = Layout(data_dir)
        layout.create()
        self._db = Database(layout, now=now, busy_timeout_s=busy_timeout_s)
        self.startup_report = StartupReport(self._db.moved_to is None, [], [], self._db.moved_to)
        try:
            self._db.migrate()
            self.board = AlertBoard(self._db)
            self._raise_database_alert()
            self._key = keys.load_master_key(self._db, master_key_path)
        except sqlite3.Error as exc:
            # The file passed its integrity check: this is a lock, a full disk or I/O.
            self._db.close()
            raise self._db.unavailable(exc) from exc
        except BaseException:
            self._db.close()
            raise
        self.ledger = Ledger(self._db, self._key)
        self.intake = Intake(
            self._db,
            self._key,
            self.ledger,
            min_free_bytes=min_free_bytes,
            limits=limits,
            known_procedures=known_procedures,
        )
        self.integrity = Integrity(self._db, self._key, self.ledger, self.board)
        self.audit = AuditLog(self._db)

    def _raise_database_alert(self) -> None:
        moved = self.startup_report.database_moved_to
        if moved is not None:
            self.board.raise_alert(
                AlertKind.DATABASE,
                f"queue database was damaged and moved to {moved}; its dossiers are rebuilt "
                "from their folders by the start-up check (kiosk queue recover does it by hand)",
            )

    @classmethod
    def rekey_abandoning_lost_key(
        cls, data_dir: Path, master_key_path: Path, *, now: Now = time.time
    ) -> tuple[str, int]:
        """Start a new master key because the old one is lost for good; (fingerprint, count).

        Explicit and refused when the current key still opens the outbox (``keys``).
        """
        try:
            cls(data_dir, master_key_path, now=now).close()
        except MasterKeyError:
            pass
        else:
            raise StoreError(f"master key {master_key_path} opens this outbox: nothing to re-key")
        return keys.replace_lost_key(Layout(data_dir), master_key_path, now)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: one writer at a time across processes."""
        return self._db.transaction()

    def close(self) -> None:
        self._db.close()

    # --- intake -----------------------------------------------------------------------------

    def enqueue(
        self,
        *,
        client_uuid: str,
        receipt_number: str,
        procedure_code: str,
        body: dict[str, Any],
        pages: Sequence[PageInput],
    ) -> EnqueueResult:
        """Store a dossier durably; see ``Intake.enqueue``."""
        return self.intake.enqueue(
            client_uuid=client_uuid,
            receipt_number=receipt_number,
            procedure_code=procedure_code,
            body=body,
            pages=pages,
        )

    def receipt_number_taken(self, receipt_number: str) -> bool:
        return self.intake.receipt_number_taken(receipt_number)

    def record_rating(self, client_uuid: str, score: int, reason: str | None) -> None:
        self.intake.record_rating(client_uuid, score, reason)

    # --- the ledger: reading ----------------------------------------------------------------

    def find(self, ident: str) -> DossierRow | None:
        return self.ledger.find(ident)

    def list_dossiers(
        self, *, limit: int = 200, statuses: Sequence[QueueStatus] = ()
    ) -> list[DossierRow]:
        return self.ledger.list_dossiers(limit=limit, statuses=statuses)

    def counts(self) -> dict[str, int]:
        return self.ledger.counts()

    def oldest_active_enqueued_at(self) -> float | None:
        return self.ledger.oldest_active_enqueued_at()

    def next_due(self, now: float, *, exclude: Collection[str] = ()) -> DossierRow | None:
        return self.ledger.next_due(now, exclude=exclude)

    def next_wakeup(self) -> float | None:
        return self.ledger.next_wakeup()

    def body(self, client_uuid: str) -> dict[str, Any]:
        return self.ledger.body(client_uuid)

    def rating(self, client_uuid: str) -> dict[str, Any] | None:
        return self.ledger.rating(client_uuid)

    def files(self, client_uuid: str) -> list[FileRow]:
        return self.ledger.files(client_uuid)

    def open_file(self, file: FileRow) -> EncryptedReader:
        return self.ledger.open_file(file)

    def history(self, client_uuid: str) -> list[dict[str, Any]]:
        return self.ledger.history(client_uuid)

    # --- the ledger: sync progress (owned by the sync process) ------------------------------

    def set_gateway_dossier(
        self, client_uuid: str, dossier_id: str, file_ids: dict[int, str]
    ) -> None:
        self.ledger.set_gateway_dossier(client_uuid, dossier_id, file_ids)

    def set_upload_url(self, client_uuid: str, idx: int, url: str | None) -> None:
        self.ledger.set_upload_url(client_uuid, idx, url)

    def mark_file_complete(self, client_uuid: str, idx: int, complete: bool = True) -> None:
        self.ledger.mark_file_complete(client_uuid, idx, complete)

    def mark_submitted(self, client_uuid: str, official_code: str, appointment_date: str) -> None:
        self.ledger.mark_submitted(client_uuid, official_code, appointment_date)

    def mark_rating_synced(self, client_uuid: str) -> None:
        self.ledger.mark_rating_synced(client_uuid)

    def record_success(self, client_uuid: str) -> None:
        self.ledger.record_success(client_uuid)

    def record_failure(
        self, client_uuid: str, kind: ErrorKind, message: str, next_attempt_at: float
    ) -> None:
        self.ledger.record_failure(client_uuid, kind, message, next_attempt_at)

    def retry(self, ident: str) -> DossierRow:
        return self.ledger.retry(ident)

    # --- the alert board --------------------------------------------------------------------

    def raise_alert(self, kind: AlertKind, detail: str) -> None:
        self.board.raise_alert(kind, detail)

    def clear_alert(self, kind: AlertKind) -> None:
        self.board.clear_alert(kind)

    def alerts(self) -> dict[AlertKind, str]:
        return self.board.alerts()

    def publish_status(self, key: str, value: dict[str, Any]) -> None:
        self.board.publish_status(key, value)

    def read_status(self, key: str) -> dict[str, Any] | None:
        return self.board.read_status(key)

    # --- USB exports (``offline_queue.usb_export``) -------------------------------------------

    def mark_exported(
        self,
        client_uuids: Sequence[str],
        export_file: str,
        at: float,
        *,
        before_commit: Callable[[], None] = lambda: None,
    ) -> None:
        """Note that a USB export carried these dossiers. Nothing else changes: an exported
        dossier keeps its status and keeps syncing until the gateway acknowledges it.

        ``before_commit`` runs inside the transaction, after the marks are written: the export
        puts its file in place there, so the marks commit only when the file is complete, and
        a failure to put it there leaves no mark.
        """
        with self._db.transaction() as conn:
            conn.executemany(
                "UPDATE dossiers SET exported_at = ?, export_file = ? WHERE client_uuid = ?",
                [(at, export_file, client_uuid) for client_uuid in client_uuids],
            )
            for client_uuid in client_uuids:
                self._db.event(client_uuid, EventKind.EXPORTED.value, export_file)
            before_commit()

    def export_mark(self, client_uuid: str) -> ExportMark | None:
        """The last USB export that carried this dossier, if any."""
        row = self._db.conn.execute(
            "SELECT exported_at, export_file FROM dossiers WHERE client_uuid = ?", (client_uuid,)
        ).fetchone()
        if row is None or row["exported_at"] is None:
            return None
        return ExportMark(float(row["exported_at"]), str(row["export_file"]))

    # --- the technician audit log (``offline_queue.audit``) ---------------------------------

    def record_audit(self, kind: AuditKind, actor: str, detail: str, at: datetime) -> AuditEvent:
        return self.audit.record(kind, actor, detail, at)

    def pending_audit(self, limit: int) -> list[AuditEvent]:
        return self.audit.pending(limit)

    def mark_audit_delivered(self, ids: Collection[str]) -> int:
        return self.audit.mark_delivered(ids)

    def recent_audit(self, limit: int) -> list[AuditEvent]:
        return self.audit.recent(limit)

    # --- integrity and retention ------------------------------------------------------------

    def check(self) -> StartupReport:
        """The start-up check (``Integrity.check``); remembered as ``startup_report``."""
        self.startup_report = self.integrity.check(self.startup_report)
        return self.startup_report

    def recover(self) -> RecoveryReport:
        return self.integrity.recover()

    def erase_delivered(self, retention_s: float) -> int:
        return self.integrity.erase_delivered(retention_s)
