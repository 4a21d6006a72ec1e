"""The connection pool every PostgreSQL store of the gateway uses (its own ``Store``, the
console's, the publications'): one place for how a connection is set up, checked and given back,
and for how psycopg's failures become the one ``BackendError`` the rest of the gateway knows.

- Sessions run in UTC (instants are rebuilt with their own offsets anyway, and UTC keeps any
  text PostgreSQL writes, in logs or a DBA's psql, unambiguous) and, when asked, with a
  ``lock_timeout``, so a row another transaction holds is waited for a bounded time.
- A pooled connection is checked before it is handed out, without a round trip (``_usable``):
  after the server restarted, the next request gets a fresh connection, not an error.
- A single statement runs as its own transaction (``statement``): one round trip, where
  ``transaction`` costs BEGIN and COMMIT on top; a transaction whose statements need not wait
  for each other's results is sent as one batch (``batched``, psycopg's pipeline mode).
- A connection that cannot be had says why in libpq's words (the pool only knows it waited).
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from gateway import migrate as migrations
from gateway.store import BackendError

Connection = psycopg.Connection[DictRow]


def _usable(conn: Connection) -> None:
    """The pool's check of a connection before it is handed out, without a round trip (the
    empty query it replaced was a second round trip for every store call): open and idle as
    libpq knows it, and nothing arrived from the server since it was last used. A server
    shutting down or restarting, or an administrator ending the session, sends its notice
    before closing the socket, and a closed socket reads as its end."""
    if conn.closed or conn.broken or conn.info.transaction_status != TransactionStatus.IDLE:
        raise psycopg.OperationalError("the pooled connection is not usable")
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    if poller.poll(0):
        raise psycopg.OperationalError("the server has closed the pooled connection")


class PostgresPool:
    """``min_connections``..``max_connections`` connections to the database at ``url``.

    ``timeout`` bounds the wait for a pooled connection (and for the first one, when the pool
    opens), ``lock_timeout`` (seconds, None for the server's default) the wait for a row another
    transaction holds; either ends in ``BackendError``.
    """

    def __init__(
        self,
        url: str,
        *,
        min_connections: int = 1,
        max_connections: int = 4,
        timeout: float = 10.0,
        lock_timeout: float | None = None,
    ) -> None:
        self.url = url
        self.where = migrations.describe(url)
        self.timeout = timeout
        self._lock_timeout_ms = None if lock_timeout is None else int(lock_timeout * 1000)
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            url,
            connection_class=Connection,
            kwargs={"row_factory": dict_row, "connect_timeout": max(2, int(timeout))},
            min_size=min_connections,
            max_size=max_connections,
            timeout=timeout,
            configure=self._configure,
            check=_usable,
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
        except PoolTimeout as exc:
            self._pool.close()
            raise BackendError(f"{self.where}: {self.unreachable()}") from exc

    def _configure(self, conn: Connection) -> None:
        conn.execute("SET TIME ZONE 'UTC'")
        if self._lock_timeout_ms is not None:
            conn.execute(f"SET lock_timeout = {self._lock_timeout_ms}")
        conn.commit()

    def unreachable(self) -> str:
        """Why no connection came, in libpq's words."""
        try:
            with psycopg.connect(self.url, connect_timeout=max(2, int(self.timeout))):
                pass
        except psycopg.Error as exc:
            return f"the server cannot be reached: {str(exc).strip()}"
        return f"no connection became free within {self.timeout:g} s"

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction on a pooled connection: committed when the block ends, rolled back
        when it raises; psycopg's exceptions become ``BackendError`` on the way out (a store
        that must tell one apart, a unique violation say, catches it inside the block)."""
        with self._failures(), self._pool.connection() as conn:
            yield conn

    @contextmanager
    def statement(self) -> Iterator[Connection]:
        """A pooled connection for one statement, which is its own transaction (autocommit):
        one round trip instead of three. Only for a block that executes a single statement."""
        with self._failures(), self._pool.connection() as conn:
            conn.autocommit = True
            try:
                yield conn
            finally:
                if not conn.broken:
                    conn.autocommit = False

    @contextmanager
    def batched(self) -> Iterator[Connection]:
        """One transaction in pipeline mode: BEGIN, the statements and COMMIT go out together
        and the server's answers are read once, so a block whose results are not read costs
        one round trip instead of one per statement plus two. Reading a result (``fetchone``)
        sends what is queued and waits, and ``rowcount`` is not known until then: only for
        blocks written for that. An error surfaces when the batch is sent, at the latest when
        the block ends, as ``BackendError`` like any other."""
        with (
            self._failures(),
            self._pool.connection() as conn,
            conn.pipeline(),
            conn.transaction(),
        ):
            yield conn

    @contextmanager
    def _failures(self) -> Iterator[None]:
        """psycopg's exceptions (and the pool's) as ``BackendError``."""
        try:
            yield
        except PoolClosed as exc:
            raise BackendError(f"{self.where}: the store is closed") from exc
        except PoolTimeout as exc:
            raise BackendError(f"{self.where}: {self.unreachable()}") from exc
        except pg_errors.LockNotAvailable as exc:
            raise BackendError(
                f"{self.where}: timed out waiting for a lock ({self._lock_timeout_ms} ms)"
            ) from exc
        except psycopg.Error as exc:
            raise BackendError(f"{self.where}: {str(exc).strip()}") from exc

    def close(self) -> None:
        self._pool.close()
