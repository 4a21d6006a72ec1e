"""One request at a time per tus upload: the lock a PATCH, HEAD, DELETE or completion holds.

A PATCH retried while the server still reads the previous, dying connection must wait for it
rather than interleave, and so must one retried on another replica of the gateway. The lock is
behind a Protocol so the composition root picks its reach: ``LocalLocks`` inside one process
(the embedded SQLite gateway is one process), ``gateway.locks_postgres.AdvisoryLocks`` across
every process on one PostgreSQL database (replicas).

A PATCH first tries ``claim``, which takes only what it can without waiting: the lock is then
taken and given back by the same store-thread trips that do the PATCH's store calls (one round
trip each, no trip of its own), which halves the time an upload's lock is held under load. When
some request already holds or wants the lock, the PATCH waits for it with ``hold`` instead.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class Claim(Protocol):
    """An upload's lock taken without waiting (``UploadLocks.claim``): this process's own part
    is held for the whole block; the part other processes see is taken by ``take`` and given
    back by ``give_back``. Both are blocking (a round trip to the database), so that a store
    thread runs them in the same trip as the store calls they guard; the block's end gives
    back whatever is still held. A request's trips follow one another; only the block's end of
    a cancelled request can overlap its last trip, and an implementation must order the two."""

    def take(self) -> bool:
        """The lock across processes if it is free now (True), without waiting; False when
        another process holds it, or when the claim was already given back."""
        ...

    def give_back(self) -> None:
        """Let other processes have the lock (nothing when not taken); after this the claim
        cannot be taken again."""
        ...


class UploadLocks(Protocol):
    def hold(
        self, upload_id: str, wait_s: float | None
    ) -> AbstractAsyncContextManager[bool]:  # fmt: skip
        """Hold the upload's lock for the block: True inside if it was taken, False if it was
        not free within ``wait_s`` seconds (the block then must not touch the upload). None
        waits as long as it takes."""
        ...

    def claim(
        self, upload_id: str, wait_s: float | None
    ) -> AbstractAsyncContextManager[Claim | None]:  # fmt: skip
        """The upload's lock as far as this process has it, when no request of this process
        holds or awaits it: the block gets a ``Claim`` to ``take`` on a store thread. None when
        one does (the caller then waits for the lock with ``hold``), or when what the claim
        needs besides (a connection for the lock) was not free within ``wait_s`` seconds."""
        ...

    def close(self) -> None: ...


class LocalLocks:
    """An asyncio lock per upload, for the requests of one process; forgotten when unused."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock(self, upload_id: str) -> asyncio.Lock:
        lock = self._locks.get(upload_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[upload_id] = lock
        return lock

    @asynccontextmanager
    async def hold(self, upload_id: str, wait_s: float | None) -> AsyncIterator[bool]:
        lock = self.lock(upload_id)  # a strong reference for the whole block
        try:
            async with asyncio.timeout(wait_s):
                await lock.acquire()
        except TimeoutError:
            yield False
            return
        try:
            yield True
        finally:
            lock.release()

    @asynccontextmanager
    async def claim(
        self, upload_id: str, wait_s: float | None = None
    ) -> AsyncIterator[Claim | None]:
        lock = self.lock(upload_id)
        if lock.locked():
            yield None
            return
        # Free, so this returns at once (a waiter just woken by a release would go first: then
        # this waits its turn, as ``hold`` would).
        await lock.acquire()
        try:
            yield _WithinProcess()
        finally:
            lock.release()

    def close(self) -> None:
        """Nothing to release: the locks live and die with the process."""


class _WithinProcess:
    """The claim of a process alone on its uploads: the asyncio lock is all there is."""

    def take(self) -> bool:
        return True

    def give_back(self) -> None:
        """Nothing: the asyncio lock is let go on the event loop, at the block's end."""
