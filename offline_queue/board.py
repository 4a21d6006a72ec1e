"""The alert board: what a technician must know (authentication refused, dossiers quarantined,
a damaged database moved aside) and what the sync process publishes about its progress.

Both live in the outbox database so any process reads them: the sync process raises and clears
alerts and publishes its status; ``kiosk queue list`` and the screen read them. One alert per
kind stands at a time (raising again replaces its detail).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from offline_queue.database import Database
from offline_queue.records import AlertKind


def delete_alert(conn: sqlite3.Connection, kind: AlertKind) -> None:
    """Clear an alert inside a transaction the caller holds."""
    conn.execute("DELETE FROM alerts WHERE kind = ?", (kind.value,))


class AlertBoard:
    """Alerts and published status, over the outbox database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def raise_alert(self, kind: AlertKind, detail: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO alerts (kind, raised_at, detail) VALUES (?, ?, ?)",
                (kind.value, self._db.now(), detail),
            )

    def clear_alert(self, kind: AlertKind) -> None:
        with self._db.transaction() as conn:
            delete_alert(conn, kind)

    def alerts(self) -> dict[AlertKind, str]:
        return {
            AlertKind(kind): detail
            for kind, detail in self._db.conn.execute("SELECT kind, detail FROM alerts")
        }

    def publish_status(self, key: str, value: dict[str, Any]) -> None:
        """Progress for the UI and the technician, readable from any process."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO status (key, value, updated_at) VALUES (?, ?, ?)",
                (key, json.dumps(value), self._db.now()),
            )

    def read_status(self, key: str) -> dict[str, Any] | None:
        row = self._db.conn.execute("SELECT value FROM status WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None
