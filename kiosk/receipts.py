"""Local receipt numbers: ``{kiosk id}-{yymmdd}-{daily sequence}``, unique per kiosk.

The counter lives in SQLite with ``synchronous=FULL`` and is advanced inside an immediate
transaction, so a number is never handed out twice: not after a power cut, and not when the app
and a technician's CLI allocate at the same moment.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS receipt_counter (
    day TEXT PRIMARY KEY,
    last INTEGER NOT NULL
)
"""


class ReceiptNumbers:
    """Allocates receipt numbers for one kiosk."""

    def __init__(
        self, db_path: Path, kiosk_id: str, *, taken: Callable[[str], bool] | None = None
    ) -> None:
        self._db_path = db_path
        self._kiosk_id = kiosk_id
        # Numbers already held elsewhere (the outbox): skipped, so a counter that restarted
        # (its file lost or restored from a backup) never hands out a number a queued dossier
        # has, which the gateway would refuse.
        self._taken = taken
        db_path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._db_path, timeout=10, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def allocate(self, day: date) -> str:
        """The next number for ``day``; durable before it is returned."""
        key = day.strftime("%y%m%d")
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            while True:
                conn.execute(
                    "INSERT INTO receipt_counter(day, last) VALUES (?, 1) "
                    "ON CONFLICT(day) DO UPDATE SET last = last + 1",
                    (key,),
                )
                (sequence,) = conn.execute(
                    "SELECT last FROM receipt_counter WHERE day = ?", (key,)
                ).fetchone()
                number = f"{self._kiosk_id}-{key}-{sequence:04d}"
                if self._taken is None or not self._taken(number):
                    break
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()
        return number
