"""The sync process's "a dossier is being sent right now" marker, for maintenance to wait on.

``kiosk maintenance check`` (run before an unattended upgrade) must not interrupt a transfer,
but must not wait for an empty outbox either: a kiosk whose link is dead keeps its dossiers for
days and must still be upgradable. So the sync engine says when a pass has a dossier's request
in flight (``SyncEngine(on_transfer=…)``), and this keeps ``sync-busy`` in the scratch directory
for exactly that long (a PID marker, ``dvc_common.markers``: a crashed process's marker does not
count). The outbox's published status is no substitute: it is in SQLite, which root's check
should not open, and it is refreshed at most once a second.

A marker that cannot be written (a read-only or missing directory) is logged once and otherwise
ignored: syncing matters more than the courtesy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from dvc_common.markers import remove_marker, write_marker

log = logging.getLogger(__name__)

SYNC_BUSY_MARKER = "sync-busy"


class TransferMarker:
    """``sync-busy`` in ``directory`` while a transfer is in flight; call it with True / False."""

    def __init__(self, directory: Path, *, now: Callable[[], float]) -> None:
        self.path = directory / SYNC_BUSY_MARKER
        self._now = now
        self._warned = False

    def __call__(self, busy: bool) -> None:
        try:
            if busy:
                write_marker(self.path, datetime.fromtimestamp(self._now(), UTC))
            else:
                remove_marker(self.path)
        except OSError as exc:
            if not self._warned:
                self._warned = True
                log.warning("cannot keep the %s marker: %s", self.path, exc)

    def clear_stale(self) -> None:
        """Remove a marker a killed predecessor left (or this process's own)."""
        self(False)
