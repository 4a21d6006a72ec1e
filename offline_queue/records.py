"""What the outbox holds and reports, as plain values: statuses, error and alert kinds, the rows
as read, and the reports of the start-up check and of a recovery.

Every part of the outbox (intake, the sync ledger, the alert board, integrity) and the sync
engine speak these; none of them needs the database to be understood.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


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


class EventKind(StrEnum):
    """What a dossier's history records (the ``events`` table; ``kiosk queue show``)."""

    ENQUEUED = "enqueued"
    CREATED = "created"
    SUBMITTED = "submitted"
    RETRY = "retry"
    RECOVERED = "recovered"
    ERASED = "erased"
    REKEY = "rekey"
    EXPORTED = "exported"  # carried on a USB stick (``offline_queue.usb_export``); still syncs

    @staticmethod
    def failed(kind: ErrorKind) -> str:
        """The history entry of a failure: ``failed:<kind>``."""
        return f"failed:{kind.value}"


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
            "enqueued_at": iso(self.enqueued_at),
            "attempts": self.attempts,
            "next_attempt_at": iso(self.next_attempt_at) if self.status in ACTIVE else None,
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
class ExportMark:
    """The last USB export that carried a dossier (schema version 2). A note for the
    technician, not a state: the dossier keeps its status and keeps syncing."""

    exported_at: float
    export_file: str


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
    recovered: list[str] = field(default_factory=list)
    sweep_deferred: bool = False

    @property
    def clean(self) -> bool:
        return (
            self.integrity_ok
            and not self.quarantined_rows
            and not self.orphans_moved
            and self.database_moved_to is None
            and not self.recovered
        )


@dataclass(frozen=True)
class RecoveryReport:
    """What ``recover`` rebuilt, and what it could not."""

    recovered: list[str]  # receipt numbers of rows rebuilt from folders
    restored_from_database: list[str]  # rows brought back from a quarantined database alone
    with_salvaged_state: list[str]  # rebuilt rows whose progress came from an old database
    unreadable: dict[str, str]  # folder name → why it could not be used
    already_present: int


def iso(epoch: float) -> str:
    """UTC time as the technician's views print it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
