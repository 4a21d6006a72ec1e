"""The tus upload lock across gateway replicas: a PostgreSQL advisory lock per upload.

Every replica of a province's gateway works on one PostgreSQL database, so a session-level
advisory lock keyed by the upload is seen by all of them: a PATCH resumed on another replica
while the first one still reads the dying connection waits for it, as it does within one
process. The server drops a session's locks when its connection ends, so a replica that dies
holding one (SIGKILL, a power cut) frees it at once instead of blocking the upload for ever.

Within a process the requests for one upload first queue on a ``LocalLocks`` lock, so a
process holds at most one connection per upload; the connection comes from a pool of its own
(it is held for a whole PATCH, which must not starve the store's short transactions).

Nothing waits in a shared thread. Measured with the load benchmark, the first version took and
gave back its locks through asyncio's default executor (6 threads on 2 cores, shared with every
fsync and digest of the tus service): once the pool's 32 connections were held, the threads
waiting for one blocked the very releases that would have freed one, and a 20 dossiers/s load
collapsed into 120 s timeouts. Now a PATCH waits for a free connection on an asyncio semaphore
the size of the pool; only then does a thread of the lock's own executor take a connection
(free at once) and wait on the server (``lock_timeout`` bounds ``pg_advisory_lock``), and the
releases run on an executor of their own that nothing else can fill. Taking a lock is one round
trip (the ``lock_timeout`` and the lock in one query string), releasing it another.

A PATCH's ``claim`` takes neither trip of its own: when the process-local lock and a connection
are free at once, the store thread that looks the upload up tries the advisory lock on the way
(``pg_try_advisory_lock``, never waiting on the server, so a store thread is never parked behind
another replica's request), and the one that records the bytes unlocks on its way out. Measured
with the load benchmark (20 dossiers/s, 2 replicas), a PATCH made five trips between the event
loop and a thread, three of them under the lock; now it makes two.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import weakref
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool, PoolTimeout

from gateway.locks import Claim, LocalLocks
from gateway.store import BackendError

log = logging.getLogger(__name__)

# The first key of the two-key advisory lock: "tus" uploads, apart from any other lock a later
# part of the gateway takes on the same database (migrations use their own).
UPLOAD_LOCK_CLASS = 0x747573
# A taker holds a slot, so a pooled connection is free or being opened: this only bounds the
# opening of a new connection to a server that does not answer.
POOL_WAIT_S = 10.0


def upload_key(upload_id: str) -> int:
    """The second key: 32 bits of the upload id's SHA-256 (ids are random; two uploads sharing
    a key only ever wait for each other, never write each other's bytes)."""
    return int.from_bytes(hashlib.sha256(upload_id.encode()).digest()[:4], "big", signed=True)


class AdvisoryLocks:
    """Upload locks every process on the database at ``url`` respects."""

    def __init__(self, url: str, *, max_connections: int = 32) -> None:
        self._local = LocalLocks()
        self._size = max_connections
        # autocommit: a lock taken outside a transaction lives with the session, and no
        # transaction stays open for the length of a PATCH.
        self._pool = ConnectionPool(
            url, min_size=0, max_size=max_connections, open=True, name="upload-locks",
            kwargs={"autocommit": True},
        )  # fmt: skip
        self._takers = ThreadPoolExecutor(max_connections, thread_name_prefix="upload-lock")
        self._releasers = ThreadPoolExecutor(2, thread_name_prefix="upload-unlock")
        # One semaphore per event loop (the gateway has one; an import or a test may run others).
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _slots_of(self, loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self._size)
        return slots

    @asynccontextmanager
    async def _slot(self, wait_s: float | None) -> AsyncIterator[bool]:
        """One of the pool's connections reserved for the block (True), or False when none
        came free within ``wait_s`` seconds."""
        slots = self._slots_of(asyncio.get_running_loop())
        try:
            async with asyncio.timeout(wait_s):
                await slots.acquire()
        except TimeoutError:
            yield False
            return
        try:
            yield True
        finally:
            slots.release()

    @asynccontextmanager
    async def hold(self, upload_id: str, wait_s: float | None) -> AsyncIterator[bool]:
        loop = asyncio.get_running_loop()
        deadline = None if wait_s is None else loop.time() + wait_s

        def left() -> float | None:
            return None if deadline is None else max(0.0, deadline - loop.time())

        async with self._local.hold(upload_id, wait_s) as held:
            if not held:
                yield False
                return
            async with self._slot(left()) as slot:
                if not slot:
                    yield False
                    return
                connection = await loop.run_in_executor(self._takers, self._take, upload_id, left())
                if connection is None:
                    yield False
                    return
                try:
                    yield True
                finally:
                    await loop.run_in_executor(
                        self._releasers, self._give_back, connection, upload_id
                    )

    @asynccontextmanager
    async def claim(self, upload_id: str, wait_s: float | None) -> AsyncIterator[Claim | None]:
        loop = asyncio.get_running_loop()
        async with self._local.claim(upload_id) as local:
            if local is None:
                yield None
                return
            # Every connection in use is load, not contention for this upload: wait for one
            # here and go on claiming. Falling back to ``hold`` instead made each PATCH of a
            # busy gateway take the costlier way (two more trips), which kept it busy: under
            # the load benchmark a passing burst then never drained.
            async with self._slot(wait_s) as slot:
                if not slot:
                    yield None
                    return
                claim = _AdvisoryClaim(self, upload_id)
                try:
                    yield claim
                finally:
                    if claim.connection is not None:
                        await loop.run_in_executor(self._releasers, claim.give_back)
                    else:
                        claim.give_back()  # nothing to unlock: only closes it (no round trip)

    def _take(self, upload_id: str, wait_s: float | None) -> psycopg.Connection[TupleRow] | None:
        """The upload's lock on a pooled connection, waiting up to ``wait_s`` seconds for the
        process holding it (None: as long as it takes), or None if it was not let go."""
        # lock_timeout 0 would mean "no limit": the shortest real wait is one millisecond.
        timeout_ms = 0 if wait_s is None else max(1, round(wait_s * 1000))
        # Both statements in one round trip (the simple query protocol takes several when
        # nothing is bound; the three numbers are ours, not a client's).
        statement = sql.SQL("SET lock_timeout = {}; SELECT pg_advisory_lock({}, {})").format(
            sql.Literal(timeout_ms),
            sql.Literal(UPLOAD_LOCK_CLASS),
            sql.Literal(upload_key(upload_id)),
        )

        def waiting(connection: psycopg.Connection[TupleRow]) -> bool:
            connection.execute(statement)  # LockNotAvailable when lock_timeout ran out
            return True

        return self._locked(upload_id, waiting)

    def _try(self, upload_id: str) -> psycopg.Connection[TupleRow] | None:
        """The upload's lock on a pooled connection if no process holds it (one round trip,
        never waiting on the server), or None."""

        def if_free(connection: psycopg.Connection[TupleRow]) -> bool:
            row = connection.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (UPLOAD_LOCK_CLASS, upload_key(upload_id))
            ).fetchone()
            return row is not None and bool(row[0])

        return self._locked(upload_id, if_free)

    def _locked(
        self, upload_id: str, lock: Callable[[psycopg.Connection[TupleRow]], bool]
    ) -> psycopg.Connection[TupleRow] | None:
        """A pooled connection on which ``lock`` took the upload's lock, or None (no connection
        in time, or the lock not taken: the connection goes back to the pool)."""
        try:
            # A slot is held, so a connection is free (or is being opened).
            connection = self._pool.getconn(timeout=POOL_WAIT_S)
        except PoolTimeout:
            return None
        except psycopg.Error as exc:
            raise BackendError(f"cannot reach the database for an upload lock: {exc}") from None
        try:
            taken = lock(connection)
        except pg_errors.LockNotAvailable:
            taken = False
        except psycopg.Error as exc:
            self._pool.putconn(connection)
            raise BackendError(f"cannot take the lock of upload {upload_id}: {exc}") from None
        if not taken:
            self._pool.putconn(connection)
            return None
        return connection

    def _give_back(self, connection: psycopg.Connection[TupleRow], upload_id: str) -> None:
        try:
            connection.execute(
                "SELECT pg_advisory_unlock(%s, %s)", (UPLOAD_LOCK_CLASS, upload_key(upload_id))
            )
        except psycopg.Error:
            # The session is gone, and its locks with it; the pool drops a broken connection.
            log.warning("upload %s: lock connection lost before unlocking", upload_id)
        finally:
            self._pool.putconn(connection)

    def close(self) -> None:
        self._takers.shutdown(wait=True)
        self._releasers.shutdown(wait=True)
        self._pool.close()


class _AdvisoryClaim:
    """``AdvisoryLocks.claim``'s block: its advisory lock, taken and given back on store threads.

    A mutex orders ``take`` and ``give_back``, and a given-back claim is never taken again: the
    block's end may give back while a store thread still runs a trip whose awaiting task was
    cancelled, and that trip must not take a lock that nobody would ever give back.
    """

    def __init__(self, locks: AdvisoryLocks, upload_id: str) -> None:
        self._locks = locks
        self._upload_id = upload_id
        self._mutex = threading.Lock()
        self._closed = False
        self.connection: psycopg.Connection[TupleRow] | None = None

    def take(self) -> bool:
        with self._mutex:
            if self._closed:
                return False
            if self.connection is None:
                self.connection = self._locks._try(self._upload_id)
            return self.connection is not None

    def give_back(self) -> None:
        with self._mutex:
            self._closed = True
            connection, self.connection = self.connection, None
            if connection is not None:
                self._locks._give_back(connection, self._upload_id)
