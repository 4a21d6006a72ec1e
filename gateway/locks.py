"""One request at a time per tus upload: the lock a PATCH, HEAD, DELETE or completion holds.

A PATCH retried while the server still reads the previous, dying connection must wait for it
rather than interleave, and so must one retried on another replica of the gateway. The lock is
behind a Protocol so the composition root picks its reach: ``LocalLocks`` inside one process
(the embedded SQLite gateway is one process), ``gateway.locks_postgres.AdvisoryLocks`` across
every process on one PostgreSQL database (replicas).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class UploadLocks(Protocol):
    def hold(
        self, upload_id: str, wait_s: float | None
    ) -> AbstractAsyncContextManager[bool]:  # fmt: skip
        """Hold the upload's lock for the block: True inside if it was taken, False if it was
        not free within ``wait_s`` seconds (the block then must not touch the upload). None
        waits as long as it takes."""
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

    def close(self) -> None:
        """Nothing to release: the locks live and die with the process."""
