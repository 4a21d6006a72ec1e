"""The technician audit log: what was done at the kiosk in technician mode, by whom, and when.

Every technician action (entering and leaving, a refused entry, a test run, a setting changed,
a USB export, a retry, an enrolment, a network change) is appended to the ``audit`` table of the
outbox database (schema version 3), so it is as durable as a queued dossier: committed with
``synchronous=FULL`` before the action is reported done. The table is append-only by
construction (triggers refuse deleting a row and rewriting one); the only change a row ever
sees is its delivery being recorded, once.

The sync process delivers pending events to the gateway (``offline_queue.sync``,
``AuditSender``) in batches, idempotently by each event's ``id`` (a UUID4 made here), so a
batch sent again after a lost answer is stored once.

Nothing personal belongs here: callers mask ID numbers, and every text is masked once more
(``dvc_common.privacy``) before it is stored, as a safety net.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from dvc_common.privacy import mask_digits_in
from offline_queue.database import Database

DETAIL_MAX: Final = 500
ACTOR_MAX: Final = 80  # the gateway refuses a longer actor (gateway.models.AuditEvent)
PIN_ACTOR: Final = "PIN"  # the technician entered with the kiosk's PIN, not a badge
# The ``kiosk`` command at the machine's console: whoever holds a shell on the appliance.
CONSOLE_ACTOR: Final = "console"


class AuditKind(StrEnum):
    """What a technician did; the values are the slugs the gateway receives. The touchscreen's
    technician mode (``kiosk.technician``) records with these same members."""

    ENTRY = "entry"
    ENTRY_REFUSED = "entry_refused"
    EXIT = "exit"
    TEST = "test"  # a device or connection test was run
    SETTING_CHANGED = "setting_changed"
    EXPORT = "export"  # a USB export of unsent dossiers (or an attempt at one)
    RETRY = "retry"  # a dossier that needed attention was sent back to the sync
    ENROLMENT = "enrolment"
    NETWORK = "network"


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit log. ``kind`` is a plain string only for a slug this software does
    not know (written by a newer version before a downgrade); it is delivered as it is."""

    id: str
    at: datetime
    kind: AuditKind | str
    actor: str
    detail: str
    delivered_at: datetime | None = None

    def to_wire(self) -> dict[str, Any]:
        """The event as the gateway's ``POST /api/v1/audit`` takes it."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "kind": str(self.kind),
            "actor": self.actor,
            "detail": self.detail,
        }


def _clean(text: str, limit: int) -> str:
    """Masked (ID-shaped digit runs keep their last four) and cut to ``limit`` characters."""
    masked = mask_digits_in(text.strip())
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"


def _kind(value: str) -> AuditKind | str:
    try:
        return AuditKind(value)
    except ValueError:
        return value


def _event(row: sqlite3.Row) -> AuditEvent:
    delivered = row["delivered_at"]
    return AuditEvent(
        id=row["id"],
        at=datetime.fromisoformat(row["at"]),
        kind=_kind(row["kind"]),
        actor=row["actor"],
        detail=row["detail"],
        delivered_at=None if delivered is None else datetime.fromtimestamp(delivered, UTC),
    )


class AuditLog:
    """The audit table of one open outbox database. Use from one thread at a time (the
    database's rule); the sync engine reaches it through the store's serialised calls."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, kind: AuditKind, actor: str, detail: str, at: datetime) -> AuditEvent:
        """Append one event, durably; returns it with its new id.

        ``at`` must carry its time zone: the gateway compares events from kiosks and clocks
        in one province, and a time without a zone is a guess. ``detail`` is cut to 500
        characters and ``actor`` to 80 (what the gateway takes); ID-shaped numbers in either
        are masked.
        """
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("an audit event's time carries its time zone")
        slug = AuditKind(kind)  # a member of another enum with the same values is accepted
        event = AuditEvent(
            id=str(uuid.uuid4()),
            at=at,
            kind=slug,
            actor=_clean(actor, ACTOR_MAX) or "-",
            detail=_clean(detail, DETAIL_MAX),
        )
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO audit (id, at, kind, actor, detail) VALUES (?, ?, ?, ?, ?)",
                (event.id, event.at.isoformat(), slug.value, event.actor, event.detail),
            )
        return event

    def pending(self, limit: int) -> list[AuditEvent]:
        """Events not yet delivered, oldest first, at most ``limit``."""
        rows = self._db.conn.execute(
            "SELECT * FROM audit WHERE delivered_at IS NULL ORDER BY seq LIMIT ?", (limit,)
        ).fetchall()
        return [_event(r) for r in rows]

    def pending_count(self) -> int:
        count: int = self._db.conn.execute(
            "SELECT COUNT(*) FROM audit WHERE delivered_at IS NULL"
        ).fetchone()[0]
        return count

    def mark_delivered(self, ids: Collection[str]) -> int:
        """Record that the gateway holds these events; how many were newly marked (an event
        already marked keeps its first delivery time)."""
        if not ids:
            return 0
        now = self._db.now()
        marked = 0
        with self._db.transaction() as conn:
            for event_id in ids:
                cursor = conn.execute(
                    "UPDATE audit SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL",
                    (now, event_id),
                )
                marked += cursor.rowcount
        return marked

    def recent(self, limit: int) -> list[AuditEvent]:
        """The latest events, newest first, delivered or not (the technician's view)."""
        rows = self._db.conn.execute(
            "SELECT * FROM audit ORDER BY seq DESC LIMIT ?", (limit,)
        ).fetchall()
        return [_event(r) for r in rows]
