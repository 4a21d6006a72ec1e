"""An impaired network link between a client and a server, emulated on loopback.

Rural kiosks sync over links that are slow (a few hundred kbit/s), far away (hundreds of
milliseconds of round trip) and that drop or hang without warning. This module puts such a link
between a client and a server on the same machine: an asyncio TCP proxy that limits bandwidth,
adds latency, and cuts or stalls connections. The sync engine's tests, the sync benchmark and the
reference gateway's ``--reset-rate`` fault flag all use it, so they all suffer the same,
reproducible impairments (pass a seeded ``random.Random``).

``ImpairedLink`` runs on the caller's event loop; ``ThreadedLink`` runs one on its own loop in a
daemon thread for synchronous code such as ``requests`` or ``http.client``::

    profile = LinkProfile(bandwidth_bps=256_000, latency_ms=150, reset_every_s=(20, 40))
    with ThreadedLink(("127.0.0.1", gateway_port), profile) as (host, port):
        engine.sync(f"http://{host}:{port}")

Only loopback addresses are accepted, to listen on and to connect to: this is a test instrument
and must never become a relay to or from another machine.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import logging
import random
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass
from enum import Enum
from typing import Final, TypeVar

if sys.platform == "linux":
    # Only to see whether a socket's send queue has drained (see _unsent_bytes).
    import fcntl
    import termios

__all__ = ["ImpairedLink", "LinkProfile", "LinkStats", "ThreadedLink"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")

_KIB: Final = 1024
# Unshaped reads take whatever the socket has, so an unlimited link costs next to nothing.
_READ_SIZE: Final = 64 * _KIB
# Shaped traffic moves in slices of about 20 ms of link time: small enough that the rate is
# smooth and concurrent connections interleave finely, large enough to stay cheap at high rates.
_SLICE_SECONDS: Final = 0.02
_MIN_SLICE: Final = 256
_MAX_SLICE: Final = 4 * _KIB
# Bytes in flight per direction of one connection. It only binds on an unlimited link with
# latency (where it acts like a TCP window); shaped traffic never has this much in flight.
_LINE_LIMIT: Final = 1024 * _KIB
_DEFAULT_RESET_SPAN: Final = 64 * _KIB
# l_onoff=1, l_linger=0: close() then discards unsent data and sends RST instead of FIN.
_RST_LINGER: Final = struct.pack("ii", 1, 0)
_THREAD_TIMEOUT_S: Final = 10.0
# How long a cut waits for the bytes before it to leave the kernel, so that the server receives
# the drawn byte count rather than whatever happened to be sent before the RST discarded the rest;
# a server that stops reading gets its cut on time anyway, minus what was in flight.
_FLUSH_TIMEOUT_S: Final = 0.5
_FLUSH_POLL_S: Final = 0.002


@dataclass(frozen=True)
class LinkProfile:
    """What is wrong with the link; the default is a perfect one.

    Bandwidth, latency and stalls apply to open connections as soon as the profile changes; the
    byte count at which a connection will be reset is drawn when it opens.
    """

    bandwidth_bps: int | None = None
    """Bits per second per direction, shared by all connections; ``None`` is unlimited. Counts
    TCP payload only: the headers a real link also carries (about 3%) are free here."""
    latency_ms: float = 0
    """One-way delay added in each direction (the round trip grows by twice this)."""
    reset_probability: float = 0
    """Chance that a new connection is cut after a number of client→server bytes drawn uniformly
    from 1 to ``reset_after_bytes[1]`` (64 KiB when that is unset). When both are set, the
    earlier of the two cut points applies."""
    reset_after_bytes: tuple[int, int] | None = None
    """Cut every connection after a number of client→server bytes drawn from ``[a, b]``."""
    reset_every_s: tuple[float, float] | None = None
    """Cut all open connections at intervals drawn from ``[a, b]`` seconds: the link drops."""
    stall_after_bytes: int | None = None
    """After this many client→server bytes on a connection, forward nothing more in either
    direction but keep both sockets open: a hung link. Nothing is read either, so a client that
    gives up is only noticed once the link recovers (a profile without the stall, which then
    delivers what was held, as TCP would), drops, or stops."""

    def __post_init__(self) -> None:
        if self.bandwidth_bps is not None and self.bandwidth_bps <= 0:
            raise ValueError(f"bandwidth_bps must be positive or None, not {self.bandwidth_bps}")
        # Written as "not in range" so that NaN is refused too.
        if not 0 <= self.latency_ms < float("inf"):
            raise ValueError(f"latency_ms must be a finite number >= 0, not {self.latency_ms}")
        if not 0 <= self.reset_probability <= 1:
            raise ValueError(f"reset_probability must be in [0, 1], not {self.reset_probability}")
        if self.reset_after_bytes is not None:
            low, high = self.reset_after_bytes
            if not 0 <= low <= high:
                raise ValueError(f"reset_after_bytes must be 0 <= a <= b, not {(low, high)}")
        if self.reset_every_s is not None:
            low_s, high_s = self.reset_every_s
            if not (0 <= low_s <= high_s < float("inf") and high_s > 0):
                raise ValueError(f"reset_every_s must be 0 <= a <= b, b > 0, not {(low_s, high_s)}")
        if self.stall_after_bytes is not None and self.stall_after_bytes < 0:
            raise ValueError(f"stall_after_bytes must be >= 0, not {self.stall_after_bytes}")


@dataclass
class LinkStats:
    """Counters since the link started; ``stats`` hands out copies."""

    connections: int = 0
    resets: int = 0
    """Connections cut by the link itself (byte thresholds, drops, ``cut_all``)."""
    bytes_up: int = 0
    """Client → server bytes forwarded."""
    bytes_down: int = 0
    """Server → client bytes forwarded."""


class _Direction(Enum):
    UP = "client→server"
    DOWN = "server→client"


def _loopback(address: tuple[str, int], role: str) -> tuple[str, int]:
    host, port = address
    # Only literal addresses: resolving a name could reach a resolver or yield a routable address.
    try:
        ip = ipaddress.ip_address("127.0.0.1" if host == "localhost" else host)
    except ValueError:
        raise ValueError(f"{role} host must be a loopback IP address, not {host!r}") from None
    if not ip.is_loopback:
        raise ValueError(f"{role} host must be a loopback IP address, not {host!r}")
    lowest = 1 if role == "target" else 0
    if not lowest <= port <= 65535:
        raise ValueError(f"{role} port out of range: {port}")
    return str(ip), port


class _TokenBucket:
    """The capacity of one direction of the link, shared by every connection.

    Tokens may go negative: a taker sleeps off its own debt while holding the lock, and
    asyncio.Lock wakes waiters in arrival order, so connections are served one slice each in
    turn; that is what makes them share the link fairly. Debt and the wake-up overshoot of sleep
    are both settled by the next refill, which is what keeps the long-run rate exact.
    """

    def __init__(self, bandwidth_bps: int) -> None:
        self._rate = bandwidth_bps / 8
        self._tokens = float(self.slice_size)
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    @property
    def slice_size(self) -> int:
        return int(min(_MAX_SLICE, max(_MIN_SLICE, self._rate * _SLICE_SECONDS)))

    def set_rate(self, bandwidth_bps: int) -> None:
        self._refill()
        self._rate = bandwidth_bps / 8

    def _refill(self) -> None:
        now = time.monotonic()
        # An idle link must not bank seconds of capacity that a later bulk transfer would then
        # get for free; but it must bank more than a timer tick (epoll sleeps in whole
        # milliseconds) or fast links lose the capacity of every oversleep.
        burst = max(self.slice_size, self._rate * _SLICE_SECONDS)
        self._tokens = min(burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now

    async def take(self, count: int) -> None:
        async with self._lock:
            self._refill()
            self._tokens -= count
            # Debts under a slice are carried instead of slept off at once: at high rates that
            # saves most of the (sub-millisecond) sleeps, and the long-run rate is the same.
            if self._tokens < -self.slice_size:
                await asyncio.sleep(-self._tokens / self._rate)


class _DelayLine:
    """One direction of one connection: chunks in flight, each with the time it is due.

    The reader puts chunks in as fast as the link's bandwidth allows and the writer takes them
    out when due, so latency delays every byte by the same amount without lowering throughput.
    An empty chunk is the end of the stream, which is delayed like data.
    """

    def __init__(self) -> None:
        self._items: deque[tuple[float, bytes]] = deque()
        self._bytes = 0
        self._last_due = 0.0
        self._changed = asyncio.Condition()

    async def put(self, data: bytes, delay_s: float) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self._bytes < _LINE_LIMIT)
            # Never earlier than the chunk before: lowering the latency must not reorder bytes.
            due = max(asyncio.get_running_loop().time() + delay_s, self._last_due)
            self._last_due = due
            self._items.append((due, data))
            self._bytes += len(data)
            self._changed.notify_all()

    async def get(self) -> tuple[float, bytes]:
        async with self._changed:
            await self._changed.wait_for(lambda: bool(self._items))
            due, data = self._items.popleft()
            self._bytes -= len(data)
            self._changed.notify_all()
            return due, data


def _unsent_bytes(writer: asyncio.StreamWriter) -> int:
    pending = writer.transport.get_write_buffer_size()
    sock = writer.get_extra_info("socket")
    if pending or sock is None or sys.platform != "linux":
        return pending
    # TIOCOUTQ on a TCP socket (SIOCOUTQ): bytes in the kernel's send queue not yet acknowledged.
    with suppress(OSError):
        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
        return int(struct.unpack("i", raw)[0])
    return 0


async def _flushed(writer: asyncio.StreamWriter) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _FLUSH_TIMEOUT_S
    while _unsent_bytes(writer) and loop.time() < deadline:
        await asyncio.sleep(_FLUSH_POLL_S)


def _abort(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        # Fails harmlessly when the socket is already closed or was reset by the peer.
        with suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RST_LINGER)
    writer.transport.abort()


class _Connection:
    """One client connection and, once connected, its twin to the target."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.client = (reader, writer)
        self.server: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.cut_at: int | None = None
        self.up_bytes = 0
        self.task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<connection from {self.client[1].get_extra_info('peername')}>"

    def _writers(self) -> list[asyncio.StreamWriter]:
        return [self.client[1]] + ([self.server[1]] if self.server else [])

    def abort(self) -> None:
        """Reset both sides now. Safe to repeat: the server side may connect in between."""
        for writer in self._writers():
            _abort(writer)

    async def close(self) -> None:
        for writer in self._writers():
            writer.close()
        await self.wait_closed()

    async def wait_closed(self) -> None:
        for writer in self._writers():
            # A reset side reports its error here; it has been dealt with already.
            with suppress(Exception):
                await writer.wait_closed()


def _network_trouble(exc: BaseException) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return all(_network_trouble(inner) for inner in exc.exceptions)
    return isinstance(exc, OSError)


class ImpairedLink:
    """A TCP proxy on loopback that forwards to ``target`` through an impaired link.

    All methods must be called from the event loop the link was started on (``ThreadedLink``
    does that for other threads).
    """

    def __init__(
        self,
        target: tuple[str, int],
        profile: LinkProfile,
        listen: tuple[str, int] = ("127.0.0.1", 0),
        rng: random.Random | None = None,
    ) -> None:
        self._target = _loopback(target, "target")
        self._listen = _loopback(listen, "listen")
        # Not for security: impairments only need to be reproducible when the caller seeds them.
        self._rng = rng if rng is not None else random.Random()  # noqa: S311
        self._profile = profile
        self._stats = LinkStats()
        self._buckets: dict[_Direction, _TokenBucket | None] = dict.fromkeys(_Direction)
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._dropper: asyncio.Task[None] | None = None
        # Replaced on every profile change; stalled connections wait on it to look again.
        self._profile_changed = asyncio.Event()
        self._retune()

    @property
    def stats(self) -> LinkStats:
        return dataclasses.replace(self._stats)

    @property
    def profile(self) -> LinkProfile:
        return self._profile

    async def start(self) -> tuple[str, int]:
        """Listen; returns the address clients should connect to."""
        if self._server is not None:
            raise RuntimeError("link already started")
        host, port = self._listen
        self._server = await asyncio.start_server(self._accept, host, port)
        self._restart_dropper()
        sockname = self._server.sockets[0].getsockname()
        return str(sockname[0]), int(sockname[1])

    async def stop(self) -> None:
        """Stop listening and reset every connection; returns when all of it is closed."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for conn in list(self._connections):
            conn.abort()
        self._connections.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    def set_profile(self, profile: LinkProfile) -> None:
        previous, self._profile = self._profile, profile
        self._retune()
        if self._server is not None and profile.reset_every_s != previous.reset_every_s:
            self._restart_dropper()
        self._profile_changed.set()
        self._profile_changed = asyncio.Event()

    def cut_all(self) -> int:
        """Reset every open connection now; returns how many there were."""
        doomed = list(self._connections)
        for conn in doomed:
            self._cut(conn)
        return len(doomed)

    # -- internals -------------------------------------------------------------------------

    def _retune(self) -> None:
        bandwidth = self._profile.bandwidth_bps
        for direction, bucket in self._buckets.items():
            if bandwidth is None:
                self._buckets[direction] = None
            elif bucket is None:
                self._buckets[direction] = _TokenBucket(bandwidth)
            else:
                # Keep the bucket (and its queue of waiters) so the change cannot reorder them.
                bucket.set_rate(bandwidth)

    def _spawn(self, work: Coroutine[object, object, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("netem task %s failed", task.get_name(), exc_info=exc)

    def _restart_dropper(self) -> None:
        if self._dropper is not None:
            self._dropper.cancel()
            self._dropper = None
        if self._profile.reset_every_s is not None:
            self._dropper = self._spawn(self._drop_periodically(), "netem-drops")

    async def _drop_periodically(self) -> None:
        while (span := self._profile.reset_every_s) is not None:
            await asyncio.sleep(self._rng.uniform(*span))
            log.debug("link dropped, %d connections cut", self.cut_all())

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._server is None:
            # Accepted in the same loop iteration as stop(): it must not outlive the link.
            _abort(writer)
            return
        conn = _Connection(reader, writer)
        self._connections.add(conn)
        self._stats.connections += 1
        conn.task = self._spawn(self._serve(conn), f"netem {conn!r}")

    def _draw_cut(self) -> int | None:
        profile = self._profile
        limits: list[int] = []
        if profile.reset_after_bytes is not None:
            limits.append(self._rng.randint(*profile.reset_after_bytes))
        if profile.reset_probability > 0 and self._rng.random() < profile.reset_probability:
            high = profile.reset_after_bytes[1] if profile.reset_after_bytes else None
            limits.append(self._rng.randint(1, max(1, high or _DEFAULT_RESET_SPAN)))
        return min(limits, default=None)

    def _cut(self, conn: _Connection) -> None:
        if conn not in self._connections:
            return
        self._connections.discard(conn)
        self._stats.resets += 1
        conn.abort()
        if conn.task is not None:
            conn.task.cancel()

    async def _serve(self, conn: _Connection) -> None:
        finished_cleanly = False
        try:
            conn.cut_at = self._draw_cut()
            host, port = self._target
            conn.server = await asyncio.open_connection(host, port)
            (client_reader, client_writer), (server_reader, server_writer) = (
                conn.client,
                conn.server,
            )
            up, down = _DelayLine(), _DelayLine()
            async with asyncio.TaskGroup() as group:
                group.create_task(self._receive(conn, client_reader, up, _Direction.UP))
                group.create_task(self._deliver(conn, up, server_writer, _Direction.UP))
                group.create_task(self._receive(conn, server_reader, down, _Direction.DOWN))
                group.create_task(self._deliver(conn, down, client_writer, _Direction.DOWN))
            finished_cleanly = True
        except Exception as exc:
            # Contained here whatever it was: one connection's trouble must not reach the others.
            if _network_trouble(exc):
                log.debug("%r ended: %r", conn, exc)
            else:
                log.warning("%r failed", conn, exc_info=True)
        finally:
            self._connections.discard(conn)
            if finished_cleanly:
                await conn.close()
            else:
                # An error on one side is passed on to the other as a reset, as a router would.
                conn.abort()
                await conn.wait_closed()

    def _stalled(self, conn: _Connection) -> bool:
        stall = self._profile.stall_after_bytes
        return stall is not None and conn.up_bytes >= stall

    async def _while_stalled(self, conn: _Connection) -> None:
        while self._stalled(conn):
            await self._profile_changed.wait()

    async def _receive(
        self,
        conn: _Connection,
        reader: asyncio.StreamReader,
        line: _DelayLine,
        direction: _Direction,
    ) -> None:
        while True:
            # A hung link stops reading too, so the sender's buffers fill up as they would.
            await self._while_stalled(conn)
            bucket = self._buckets[direction]
            data = await reader.read(bucket.slice_size if bucket else _READ_SIZE)
            if not data:
                await line.put(b"", self._profile.latency_ms / 1000)
                return
            # The bandwidth may have changed during the read, so slice by the current bucket.
            while data:
                bucket = self._buckets[direction]
                size = bucket.slice_size if bucket is not None else len(data)
                piece, data = data[:size], data[size:]
                if bucket is not None:
                    await bucket.take(len(piece))
                await line.put(piece, self._profile.latency_ms / 1000)

    async def _deliver(
        self,
        conn: _Connection,
        line: _DelayLine,
        writer: asyncio.StreamWriter,
        direction: _Direction,
    ) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due, data = await line.get()
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            if not data:
                await self._while_stalled(conn)
                if writer.can_write_eof():
                    writer.write_eof()
                return
            while data:
                await self._while_stalled(conn)
                if direction is _Direction.DOWN:
                    writer.write(data)
                    self._stats.bytes_down += len(data)
                    data = b""
                else:
                    # Only as much as the cut or stall point allows: the server then receives
                    # exactly that many bytes, which is what tests of resumed uploads rely on.
                    count = self._up_allowance(conn, len(data))
                    writer.write(data[:count])
                    data = data[count:]
                    conn.up_bytes += count
                    self._stats.bytes_up += count
                    if conn.cut_at is not None and conn.up_bytes >= conn.cut_at:
                        await _flushed(writer)
                        self._cut(conn)
                        return
                await writer.drain()

    def _up_allowance(self, conn: _Connection, wanted: int) -> int:
        """How many of ``wanted`` client→server bytes may pass before a cut or a stall."""
        allowance = wanted
        if conn.cut_at is not None:
            allowance = min(allowance, conn.cut_at - conn.up_bytes)
        if (stall := self._profile.stall_after_bytes) is not None:
            allowance = min(allowance, stall - conn.up_bytes)
        return max(0, allowance)


class ThreadedLink:
    """Runs an ImpairedLink on its own event loop in a daemon thread, for synchronous code.

    A context manager: entering starts the link and returns ``(host, port)`` to connect to,
    leaving stops it and joins the thread. The other methods may be called from any thread.
    """

    def __init__(
        self,
        target: tuple[str, int],
        profile: LinkProfile,
        listen: tuple[str, int] = ("127.0.0.1", 0),
        rng: random.Random | None = None,
    ) -> None:
        self._link = ImpairedLink(target, profile, listen, rng)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> tuple[str, int]:
        if self._thread is not None:
            raise RuntimeError("link already running")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=self._run, args=(loop,), name="netem-link", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        try:
            return asyncio.run_coroutine_threadsafe(self._link.start(), loop).result(
                _THREAD_TIMEOUT_S
            )
        except BaseException:
            self._shutdown()
            raise

    def __exit__(self, *exc: object) -> None:
        self._shutdown()

    def set_profile(self, profile: LinkProfile) -> None:
        self._call(lambda: self._link.set_profile(profile))

    def cut_all(self) -> int:
        return self._call(self._link.cut_all)

    @property
    def stats(self) -> LinkStats:
        return self._call(lambda: self._link.stats)

    @property
    def profile(self) -> LinkProfile:
        return self._link.profile

    def _call(self, function: Callable[[], _T]) -> _T:
        """Run ``function`` on the link's loop, so it never races the connections' tasks."""
        loop = self._loop
        if loop is None or threading.current_thread() is self._thread:
            return function()

        async def call() -> _T:
            return function()

        return asyncio.run_coroutine_threadsafe(call(), loop).result(_THREAD_TIMEOUT_S)

    def _shutdown(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._link.stop(), loop).result(_THREAD_TIMEOUT_S)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(_THREAD_TIMEOUT_S)
            self._loop = self._thread = None

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            # stop() normally leaves nothing behind; if it timed out, nothing may outlive the loop.
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
