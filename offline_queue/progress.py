"""What the sync process publishes about itself, for ``kiosk queue list`` and the screen: its
state, the measured rate, round trip and chunk size, the backlog, and the file being sent with an
ETA.
Published into the store's status table at most once a second (and at the end of each pass)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from offline_queue.chunking import ChunkSizer
from offline_queue.records import AlertKind, DossierRow, FileRow, QueueStatus
from offline_queue.scheduling import LinkPacing
from offline_queue.store import QueueStore

STATUS_KEY = "sync"


class SyncState(StrEnum):
    """What the sync process is doing, as published for ``kiosk queue list`` and the screen."""

    IDLE = "idle"
    SYNCING = "syncing"
    WAITING = "waiting"  # backing off after the link or the gateway failed
    AUTH_ERROR = "auth_error"  # the gateway refused the kiosk's token; probing


class Progress:
    """The published status, and the receipt number of the dossier last started."""

    def __init__(
        self,
        store: QueueStore,
        chunks: ChunkSizer,
        pacing: LinkPacing,
        *,
        now: Callable[[], float],
        monotonic: Callable[[], float],
        round_trip: Callable[[], float | None] = lambda: None,
    ) -> None:
        self._store = store
        self._round_trip = round_trip
        self._chunks = chunks
        self._pacing = pacing
        self._now = now
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._last_publish = -1e18
        self.current: str | None = None  # receipt number of the dossier last started

    def publish(
        self,
        *,
        force: bool = False,
        row: DossierRow | None = None,
        file: FileRow | None = None,
        offset: int = 0,
    ) -> None:
        """Progress for the screen and the technician, at most once a second."""
        with self._lock:
            now = self._monotonic()
            if not force and now - self._last_publish < 1.0:
                return
            self._last_publish = now
        rate = self._chunks.rate_bps
        chunk = self._chunks.next_chunk()
        pause_until = self._pacing.pause_until
        counts = self._store.counts()
        backlog = sum(counts[s.value] for s in (QueueStatus.QUEUED, QueueStatus.UPLOADING))
        status: dict[str, Any] = {
            "state": self.state().value,
            "rate_bytes_per_s": round(rate or 0.0),
            "chunk_bytes": chunk,
            "counts": counts,
            "backlog": backlog,
            "pause_until": pause_until or None,
            "current": None,
        }
        round_trip = self._round_trip()
        if round_trip is not None:
            status["round_trip_ms"] = round(round_trip * 1000)
        if file is not None and row is not None:
            remaining = file.size - offset
            status["current"] = {
                "receipt_number": row.receipt_number,
                "status": row.status.value,
                "file": file.name,
                "sent": offset,
                "total": file.size,
                "eta_s": round(remaining / rate) if rate else None,
            }
        self._store.publish_status(STATUS_KEY, status)

    def sending(self, row: DossierRow, file: FileRow, offset: int) -> None:
        self.publish(row=row, file=file, offset=offset)

    def state(self) -> SyncState:
        if AlertKind.AUTH in self._store.alerts():
            return SyncState.AUTH_ERROR
        if self._now() < self._pacing.pause_until:
            return SyncState.WAITING
        return SyncState.SYNCING if self.current else SyncState.IDLE
