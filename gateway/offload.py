"""The store's blocking calls, run off the event loop on threads of their own.

The ``Store`` backends are synchronous (psycopg, sqlite3). Called inside an async handler, each
round trip to the database stalls every other request of the process: measured with the load
benchmark, one PostgreSQL replica spent most of its time waiting on the network with the event
loop idle, and heartbeats queued behind uploads (p99 300 ms). The handlers of the kiosk API
therefore hand their store calls to an ``Offloader``: ``await self.offload(self.store.heartbeat,
...)``, or one function that makes several store calls of a request, so a request hops to a
thread once rather than once per call.

The offloader has its own threads, as many as the store has connections and no more: a thread
that runs a store call then always finds a free connection at once instead of waiting in the
connection pool while holding a thread, and nothing else of the process (file digests, fsyncs,
the upload locks, which have executors of their own for the same reason, see
``gateway.locks_postgres``) queues behind store calls or in front of them.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


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
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix=name)

    async def __call__(
        self, function: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _R:
        """``function(*args, **kwargs)`` on one of the threads, with the caller's context
        variables; its exception is raised here."""
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        call = functools.partial(context.run, function, *args, **kwargs)
        return await loop.run_in_executor(self._executor, call)

    def close(self) -> None:
        """Wait for the calls under way, then end the threads; later calls raise RuntimeError."""
        self._executor.shutdown(wait=True)
