"""The connection the console's and the publications' SQLite stores each keep on the gateway's
file (``gateway.sqlite3``, beside ``gateway.store_sqlite``'s own): opened in WAL mode with full
synchronous writes, its schema applied, shared by the threads of one store under a lock, and
``sqlite3``'s errors turned into the ``BackendError`` the rest of the gateway knows.

Each store opens a connection of its own on the same file: SQLite's file locks keep them (and
other processes on the directory, the ``staff`` and ``import`` commands) consistent.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gateway.store import BackendError
from gateway.store_sqlite import DB_NAME


class SqliteFile:
    """``data_dir``'s gateway file, with ``schema`` (idempotent DDL) applied and then
    ``upgrade`` (what a file made by an earlier gateway lacks), both under the lock."""

    def __init__(
        self,
        data_dir: Path,
        schema: str,
        upgrade: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_NAME
        self.lock = threading.RLock()
        with self.errors():
            self._conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            self._conn.row_factory = sqlite3.Row
            # WAL is the file's mode already when the gateway made it; asking again is harmless
            # and makes a store opened first (a `staff add` command) the same.
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            with self.lock:
                self._conn.executescript(schema)
                if upgrade is not None:
                    upgrade(self._conn)

    @contextmanager
    def errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise BackendError(f"{self.path}: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): committed when the block ends, rolled
        back when it raises."""
        with self.lock, self.errors():
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        with self.lock, self.errors():
            row: sqlite3.Row | None = self._conn.execute(sql, params).fetchone()
            return row

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self.lock, self.errors():
            return list(self._conn.execute(sql, params).fetchall())

    def close(self) -> None:
        with self.lock, self.errors():
            self._conn.close()
