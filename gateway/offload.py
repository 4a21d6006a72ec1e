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

Taken first is not enough when every thread is in the middle of a bulk call: a heartbeat then
waits for the first of them to end (bulk calls took 60 ms each in a congested load benchmark).
So ``reserved`` threads take prompt calls only: a heartbeat finds one free unless as many prompt
calls are under way already.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import threading
from collections import deque
from collections.abc import Callable
from enum import IntEnum
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


class Lane(IntEnum):
    """Which calls a free thread takes first: the lower value."""

    PROMPT = 0  # a request answered as soon as its call returns: heartbeats, token checks
    BULK = 1  # the many calls of tus uploads


_Job = Callable[[], None]


class Offloader:
    """Runs blocking functions on ``threads`` dedicated threads and awaits their results.

    Usable from any event loop (the served gateway has one; ``dvc-gateway import`` and tests
    run others). A call awaited by a task that is cancelled still runs to its end on its thread:
    a store call is one transaction, committed or rolled back whole.
    """

    def __init__(self, threads: int, *, reserved: int = 0, name: str = "store") -> None:
        """``threads`` take any call (prompt ones first); ``reserved`` more take prompt calls
        only."""
        if threads < 1:
            raise ValueError(f"an offloader needs at least one thread, not {threads}")
        if reserved < 0:
            raise ValueError(f"an offloader cannot reserve {reserved} threads")
        self.threads = threads + reserved
        self._mutex = threading.Lock()
        self._calls: dict[Lane, deque[_Job]] = {lane: deque() for lane in Lane}
        self._for_any = threading.Condition(self._mutex)  # the threads that take any call
        self._for_prompt = threading.Condition(self._mutex)  # the reserved threads
        self._reserved_idle = 0
        self._closed = False
        self._workers = [
            threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True)
            for n in range(threads)
        ] + [
            threading.Thread(target=self._work_prompt, name=f"{name}-prompt-{n}", daemon=True)
            for n in range(reserved)
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
        with self._mutex:
            return sum(len(calls) for calls in self._calls.values())

    async def _run(
        self, lane: Lane, function: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _R:
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

        with self._mutex:
            # Looked at under the mutex: a call queued after the threads ended would never run.
            if self._closed:
                raise RuntimeError("the offloader is closed")
            self._calls[lane].append(job)
            if lane is Lane.PROMPT and self._reserved_idle:
                self._for_prompt.notify()
            else:
                self._for_any.notify()
        return await answer

    def _work(self) -> None:
        """Any call, prompt ones first, until closed with nothing left."""
        while True:
            with self._mutex:
                while not (job := self._next(Lane.PROMPT) or self._next(Lane.BULK)):
                    if self._closed:
                        return
                    self._for_any.wait()
            job()

    def _work_prompt(self) -> None:
        """Prompt calls only, until closed with none left."""
        while True:
            with self._mutex:
                while not (job := self._next(Lane.PROMPT)):
                    if self._closed:
                        return
                    self._reserved_idle += 1
                    self._for_prompt.wait()
                    self._reserved_idle -= 1
            job()

    def _next(self, lane: Lane) -> _Job | None:
        calls = self._calls[lane]
        return calls.popleft() if calls else None

    def close(self) -> None:
        """Wait for the calls queued and under way, then end the threads; later calls raise
        RuntimeError."""
        with self._mutex:
            if self._closed:
                return
            self._closed = True
            self._for_any.notify_all()
            self._for_prompt.notify_all()
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
