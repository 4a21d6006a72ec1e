"""The store's blocking calls, run off the event loop on threads of their own.

The ``Store`` backends are synchronous (psycopg, sqlite3). Called inside an async handler, each
round trip to the database stalls every other request of the process: measured with the load
benchmark, one PostgreSQL replica spent most of its time waiting on the network with the event
loop idle, and heartbeats queued behind uploads. The handlers of the kiosk API therefore hand
their store calls to an ``Offloader``: ``await self.offload(self.store.save_heartbeat, ...)``,
or one function that makes several store calls of a request, so a request hops to a thread once
rather than once per call.

The offloader has its own threads, as many as the store has connections and no more: a thread
that runs a store call then always finds a free connection at once instead of waiting in the
connection pool while holding a thread, and the upload locks (which have executors of their own
for the same reason, see ``gateway.locks_postgres``) never queue behind store calls or in front
of them. One exception, measured: the end of a PATCH (the page's fsync, its digest and move
into the blob store, between the store calls that record them) is one call here, because each
separate trip waited longer for the loaded event loop than its file work took.

Calls wait for a thread in two lanes. The bulk of the store calls are those of uploads (six
files a dossier, each created, written and completed: ``offload.bulk``); a heartbeat or a token
check waiting behind them would take as long as the queue of uploads, so the calls of the
other requests (``offload(...)``) are taken first. A bulk call waits only while such calls are
queued, and they are few and short.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import itertools
import queue
import threading
from collections.abc import Callable
from enum import IntEnum
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


class Lane(IntEnum):
    """Which calls a free thread takes first: the lower value."""

    PROMPT = 0  # a request answered as soon as its call returns: heartbeats, token checks
    BULK = 1  # the many calls of tus uploads
    STOP = 2  # after everything queued: a thread's signal to end


_Job = Callable[[], None]


class Offloader:
    """Runs blocking functions on ``threads`` dedicated threads and awaits their results.

    Usable from any event loop (the served gateway has one; ``dvc-gateway import`` and tests
    run others). A call awaited by a task that is cancelled still runs to its end on its thread:
    a store call is one transaction, committed or rolled back whole.
    """

    def __init__(self, threads: int, *, name: str = "store") -> None:
        if threads < 1:
            raise ValueError(f"an offloader needs at least one thread, not {threads}")
        self.threads = threads
        self._queue: queue.PriorityQueue[tuple[Lane, int, _Job | None]] = queue.PriorityQueue()
        self._order = itertools.count()  # first in, first out within a lane
        self._closed = False
        self._workers = [
            threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True)
            for n in range(threads)
        ]
        for worker in self._workers:
            worker.start()

    async def __call__(
        self, function: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _R:
        """``function(*args, **kwargs)`` on one of the threads, taken before any bulk call,
        with the caller's context variables; its exception is raised here."""
        return await self._run(Lane.PROMPT, function, *args, **kwargs)

    async def bulk(self, function: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """As a call of the offloader, in the bulk lane: taken once no prompt call waits."""
        return await self._run(Lane.BULK, function, *args, **kwargs)

    @property
    def waiting(self) -> int:
        """Calls queued for a thread (not those running)."""
        return self._queue.qsize()

    async def _run(
        self, lane: Lane, function: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _R:
        if self._closed:
            raise RuntimeError("the offloader is closed")
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[_R] = loop.create_future()
        context = contextvars.copy_context()

        def job() -> None:
            try:
                result = context.run(function, *args, **kwargs)
            except BaseException as exc:  # handed to the awaiting task, whatever it is
                _answer(loop, answer, functools.partial(answer.set_exception, exc))
            else:
                _answer(loop, answer, functools.partial(answer.set_result, result))

        self._queue.put((lane, next(self._order), job))
        return await answer

    def _work(self) -> None:
        while True:
            _, _, job = self._queue.get()
            if job is None:
                return
            job()

    def close(self) -> None:
        """Wait for the calls queued and under way, then end the threads; later calls raise
        RuntimeError."""
        if self._closed:
            return
        self._closed = True
        for _ in self._workers:
            self._queue.put((Lane.STOP, next(self._order), None))
        for worker in self._workers:
            worker.join()


def _answer(
    loop: asyncio.AbstractEventLoop, answer: asyncio.Future[_R], settle: Callable[[], None]
) -> None:
    """Settle ``answer`` on its loop, unless its task gave up waiting (cancelled) or the loop
    is gone (a call that outlived its loop has nobody to tell)."""

    def on_loop() -> None:
        if not answer.done():
            settle()

    with contextlib.suppress(RuntimeError):  # the loop is closed
        loop.call_soon_threadsafe(on_loop)
