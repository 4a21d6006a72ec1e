"""The impaired-link proxy (gateway/netem.py) measured on loopback: what it forwards, how slowly,
how late, and how it cuts, drops, stalls and cleans up after itself.

Every far end is a tiny server on an ephemeral 127.0.0.1 port. Timing tests are few and their
bounds generous: they measure the proxy, not the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import http.client
import logging
import random
import socket
import struct
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from simulators.netem import ImpairedLink, LinkProfile, LinkStats, ThreadedLink

Address = tuple[str, int]
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
KIB = 1024


def in_loop(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Runs an async test on a fresh event loop, with a ceiling so that a hang fails."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        async def bounded() -> None:
            async with asyncio.timeout(15):
                await test(*args, **kwargs)

        asyncio.run(bounded())

    return run


class Target:
    """A tiny TCP server on an ephemeral loopback port: the far end of the link.

    ``endings`` records, per connection, whether the handler saw the connection end cleanly
    ("eof") or reset ("reset").
    """

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.endings: list[str] = []

    async def __aenter__(self) -> Address:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        return host, port

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._handler(reader, writer)
            self.endings.append("eof")
        except (ConnectionResetError, BrokenPipeError):
            self.endings.append("reset")
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def wait_endings(self, count: int) -> list[str]:
        while len(self.endings) < count:
            await asyncio.sleep(0.01)
        return self.endings


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(64 * KIB):
        writer.write(data)
        await writer.drain()


class Sink:
    """Counts the bytes of each connection; says b"ok" each time another ``ack_every`` are in."""

    def __init__(self, ack_every: int | None = None) -> None:
        self.ack_every = ack_every
        self.received: list[int] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = len(self.received)
        self.received.append(0)
        while data := await reader.read(64 * KIB):
            before = self.received[index]
            self.received[index] += len(data)
            if self.ack_every:
                crossed = self.received[index] // self.ack_every - before // self.ack_every
                if crossed:
                    writer.write(b"ok" * crossed)
                    await writer.drain()


@contextlib.asynccontextmanager
async def impaired(
    target: Address, profile: LinkProfile | None = None, rng: random.Random | None = None
) -> AsyncIterator[tuple[ImpairedLink, Address]]:
    link = ImpairedLink(target, profile or LinkProfile(), rng=rng)
    address = await link.start()
    try:
        yield link, address
    finally:
        await link.stop()


@contextlib.asynccontextmanager
async def client(
    address: Address,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection(*address)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def send(writer: asyncio.StreamWriter, data: bytes) -> None:
    """Sends what the link lets through; a cut link is what some tests are looking for."""
    with contextlib.suppress(ConnectionResetError, BrokenPipeError):
        writer.write(data)
        await writer.drain()


async def ending(reader: asyncio.StreamReader, timeout: float = 3.0) -> str:
    """Reads until the connection ends: "reset" when it was reset (RST), "eof" for a FIN."""
    try:
        async with asyncio.timeout(timeout):
            while await reader.read(64 * KIB):
                pass
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    return "eof"


async def round_trip(address: Address, message: bytes = b"ping") -> float:
    async with client(address) as (reader, writer):
        started = time.monotonic()
        writer.write(message)
        assert await reader.readexactly(len(message)) == message
        return time.monotonic() - started


def open_fds() -> int:
    # Garbage left by earlier tests (a socket in a reference cycle) is closed whenever the
    # collector runs; collecting first keeps that from changing the count in the middle of a test.
    gc.collect()
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


# -- forwarding ------------------------------------------------------------------------------


@in_loop
async def test_forwards_megabytes_both_ways_byte_exact_on_concurrent_connections() -> None:
    payloads = [random.Random(seed).randbytes(size) for seed, size in ((1, 1 << 20), (2, 300_000))]

    async def exchange(address: Address, payload: bytes) -> bytes:
        async with client(address) as (reader, writer):

            async def upload() -> None:
                writer.write(payload)
                await writer.drain()
                writer.write_eof()

            sender = asyncio.create_task(upload())
            echoed = await reader.read(-1)
            await sender
            return echoed

    target_server = Target(echo)
    async with target_server as target, impaired(target) as (link, address):
        echoed = await asyncio.gather(*(exchange(address, p) for p in payloads))
        # Each side's end of stream was passed on as a FIN, not turned into a reset.
        assert await target_server.wait_endings(2) == ["eof", "eof"]
        stats = link.stats

    assert echoed == payloads
    total = sum(map(len, payloads))
    assert stats == LinkStats(connections=2, resets=0, bytes_up=total, bytes_down=total)
    stats.resets = 99
    assert link.stats.resets == 0, "stats must be a snapshot, not the live counters"


# -- bandwidth and latency -------------------------------------------------------------------


@in_loop
async def test_bandwidth_limit_holds_a_bulk_transfer_to_256_kbit_s() -> None:
    sink = Sink(ack_every=64 * KIB)
    async with (
        Target(sink) as target,
        impaired(target, LinkProfile(bandwidth_bps=256_000)) as (_, address),
        client(address) as (reader, writer),
    ):
        started = time.monotonic()
        writer.write(bytes(64 * KIB))
        await writer.drain()
        assert await reader.readexactly(2) == b"ok"
        elapsed = time.monotonic() - started
    # 65 536 bytes at 32 000 bytes/s is 2.05 s.
    assert 1.8 <= elapsed <= 2.6, elapsed


@in_loop
async def test_connections_share_the_bandwidth_fairly() -> None:
    async def transfer(address: Address) -> float:
        async with client(address) as (reader, writer):
            started = time.monotonic()
            writer.write(bytes(64 * KIB))
            await writer.drain()
            await reader.readexactly(2)
            return time.monotonic() - started

    profile = LinkProfile(bandwidth_bps=1_000_000)
    async with (
        Target(Sink(ack_every=64 * KIB)) as target,
        impaired(target, profile) as (_, address),
    ):
        first, second = await asyncio.gather(transfer(address), transfer(address))
    # Alone, each would take 0.52 s; sharing the link both take the 1.05 s of the pair, and
    # neither finishes well before the other.
    assert 0.85 <= first <= 1.6, first
    assert 0.85 <= second <= 1.6, second
    assert abs(first - second) < 0.3, (first, second)


@in_loop
async def test_latency_delays_every_round_trip_but_not_bulk_throughput() -> None:
    async with Target(echo) as target, impaired(target, LinkProfile(latency_ms=100)) as (_, addr):
        rtt = await round_trip(addr)
    assert 0.2 <= rtt <= 0.6, rtt

    # A stop-and-wait link would need 2 x 100 ms per 2.5 KB slice (over 5 s); a delay line
    # costs the bandwidth time (0.52 s) plus one round trip.
    profile = LinkProfile(bandwidth_bps=1_000_000, latency_ms=100)
    async with (
        Target(Sink(ack_every=64 * KIB)) as target,
        impaired(target, profile) as (_, address),
        client(address) as (reader, writer),
    ):
        started = time.monotonic()
        writer.write(bytes(64 * KIB))
        await writer.drain()
        await reader.readexactly(2)
        elapsed = time.monotonic() - started
    assert 0.65 <= elapsed <= 1.1, elapsed


# -- cuts ------------------------------------------------------------------------------------


@in_loop
async def test_reset_after_bytes_cuts_each_connection_at_its_drawn_byte_count() -> None:
    sink = Sink()
    target_server = Target(sink)
    profile = LinkProfile(reset_after_bytes=(10_000, 30_000))
    replica = random.Random(5)
    expected = [replica.randint(10_000, 30_000) for _ in range(3)]
    async with (
        target_server as target,
        impaired(target, profile, rng=random.Random(5)) as (link, address),
    ):
        for _ in expected:
            async with client(address) as (reader, writer):
                await send(writer, bytes(100 * KIB))
                assert await ending(reader) == "reset"
        # The server side is reset too, not closed politely.
        assert await target_server.wait_endings(3) == ["reset"] * 3
        stats = link.stats

    # Everything up to the cut point reached the server, nothing after it.
    assert sink.received == expected
    assert stats.bytes_up == sum(expected)
    assert stats.resets == 3
    assert stats.connections == 3


@in_loop
async def test_reset_probability_cuts_that_share_of_connections_within_64_kib() -> None:
    sink = Sink()
    replica = random.Random(11)
    doomed = [replica.random() < 0.5 and replica.randint(1, 64 * KIB) for _ in range(8)]
    assert any(doomed)
    assert not all(doomed)
    outcomes = []
    async with (
        Target(sink) as target,
        impaired(target, LinkProfile(reset_probability=0.5), rng=random.Random(11)) as (link, a),
    ):
        for _ in doomed:
            async with client(a) as (reader, writer):
                await send(writer, bytes(100 * KIB))
                with contextlib.suppress(OSError):
                    writer.write_eof()
                outcomes.append(await ending(reader))
        stats = link.stats

    assert outcomes == ["reset" if cut else "eof" for cut in doomed]
    assert sink.received == [cut or 100 * KIB for cut in doomed]
    assert stats.resets == sum(1 for cut in doomed if cut)


@in_loop
async def test_reset_every_s_drops_all_open_connections_until_the_profile_changes() -> None:
    profile = LinkProfile(reset_every_s=(0.2, 0.3))
    async with Target(echo) as target, impaired(target, profile) as (link, address):
        started = time.monotonic()
        async with client(address) as (r1, w1), client(address) as (r2, w2):
            w1.write(b"a")
            w2.write(b"b")
            assert await r1.readexactly(1) == b"a"
            assert await r2.readexactly(1) == b"b"
            assert await ending(r1) == "reset"
            assert await ending(r2) == "reset"
        assert 0.15 <= time.monotonic() - started <= 0.6
        assert link.stats.resets == 2

        link.set_profile(LinkProfile())
        async with client(address) as (reader, writer):
            await asyncio.sleep(0.5)
            writer.write(b"still here")
            assert await reader.readexactly(10) == b"still here"
        assert link.stats.resets == 2


@in_loop
async def test_cut_all_resets_every_open_connection_on_both_sides() -> None:
    target_server = Target(echo)
    async with target_server as target, impaired(target) as (link, address):
        async with contextlib.AsyncExitStack() as stack:
            clients = [await stack.enter_async_context(client(address)) for _ in range(3)]
            for reader, writer in clients:
                writer.write(b"hello")
                assert await reader.readexactly(5) == b"hello"
            assert link.cut_all() == 3
            # A reset, not an end of stream: the client's read fails instead of returning b"".
            assert [await ending(reader) for reader, _ in clients] == ["reset"] * 3
        assert await target_server.wait_endings(3) == ["reset"] * 3
        assert link.cut_all() == 0
        assert link.stats.resets == 3
        assert await round_trip(address) < 1


# -- stalls and run-time changes -------------------------------------------------------------


@in_loop
async def test_stall_after_bytes_hangs_the_link_with_sockets_open_until_lifted() -> None:
    sink = Sink(ack_every=500)
    target_server = Target(sink)
    profile = LinkProfile(stall_after_bytes=500)
    async with (
        target_server as target,
        impaired(target, profile) as (link, address),
        client(address) as (reader, writer),
    ):
        writer.write(bytes(1000))
        await writer.drain()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.read(1), 0.3)
        # Hung, not closed: no EOF, no reset, and the client can still send.
        assert not reader.at_eof()
        writer.write(bytes(10))
        await writer.drain()
        assert sink.received == [500]
        assert target_server.endings == []
        assert link.stats == LinkStats(connections=1, bytes_up=500, bytes_down=0)

        link.set_profile(LinkProfile())
        acks = await reader.readexactly(2)
        assert acks == b"ok"
        writer.write_eof()
        assert await target_server.wait_endings(1) == ["eof"]
    assert sink.received == [1010]


@in_loop
async def test_set_profile_retunes_open_connections_and_arms_cuts_for_new_ones() -> None:
    async with (
        Target(Sink(ack_every=64 * KIB)) as target,
        impaired(target) as (link, address),
        client(address) as (reader, writer),
    ):

        async def transfer() -> float:
            started = time.monotonic()
            writer.write(bytes(64 * KIB))
            await writer.drain()
            assert await reader.readexactly(2) == b"ok"
            return time.monotonic() - started

        assert await transfer() < 0.3
        link.set_profile(LinkProfile(bandwidth_bps=1_000_000))
        assert 0.4 <= await transfer() <= 0.9

        # A cut point is drawn when a connection opens: the open one keeps going.
        link.set_profile(LinkProfile(reset_after_bytes=(100, 100)))
        assert await transfer() < 0.3
        async with client(address) as (other_reader, other_writer):
            await send(other_writer, bytes(1000))
            assert await ending(other_reader) == "reset"
        assert link.stats.resets == 1


# -- robustness and cleanup ------------------------------------------------------------------


class FaultyRandom(random.Random):
    """Fails the first draw, as a bug in the proxy's own code would."""

    def __init__(self) -> None:
        super().__init__(0)
        self.failures = 1

    def randint(self, a: int, b: int) -> int:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("injected fault")
        return super().randint(a, b)


@in_loop
async def test_a_failing_connection_never_takes_the_proxy_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    profile = LinkProfile(reset_after_bytes=(1 << 40, 1 << 40))
    with caplog.at_level(logging.DEBUG, logger="simulators.netem"):
        async with (
            Target(echo) as target,
            impaired(target, profile, rng=FaultyRandom()) as (link, address),
        ):
            async with client(address) as (reader, _):
                assert await ending(reader) == "reset"
            assert "injected fault" in caplog.text

            # A client that resets in the middle of a large echo.
            reader, writer = await asyncio.open_connection(*address)
            writer.write(bytes(1 << 20))
            await reader.readexactly(1000)
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            await writer.wait_closed()

            assert await round_trip(address) < 1
            assert link.stats.connections == 3

    # Nothing listens on a port just released: the client is reset, the proxy lives on.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()
    async with impaired(dead) as (link, address):
        for _ in range(2):
            async with client(address) as (reader, _):
                assert await ending(reader) == "reset"
        assert link.stats.connections == 2


async def firehose(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Echoes, except that b"pour" gets a megabyte back."""
    while data := await reader.read(64 * KIB):
        writer.write(bytes(1 << 20) if data == b"pour" else data)
        await writer.drain()


@in_loop
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts fds in /proc")
async def test_stop_closes_every_connection_and_leaks_no_task_or_socket() -> None:
    target_server = Target(firehose)
    async with target_server as target:
        fds = open_fds()
        profile = LinkProfile(
            bandwidth_bps=256_000, latency_ms=50, reset_every_s=(30, 40), stall_after_bytes=4000
        )
        link = ImpairedLink(target, profile)
        address = await link.start()
        async with contextlib.AsyncExitStack() as stack:
            idle = await stack.enter_async_context(client(address))
            busy = await stack.enter_async_context(client(address))
            stalled = await stack.enter_async_context(client(address))
            busy[1].write(b"pour")
            stalled[1].write(bytes(8000))
            await busy[0].readexactly(1000)
            await asyncio.sleep(0.3)
            stats = link.stats
            assert stats.connections == 3
            assert stats.bytes_up == 4 + 4000

            await link.stop()
            assert [await ending(c[0]) for c in (idle, busy, stalled)] == ["reset"] * 3
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection(*address)

        assert await target_server.wait_endings(3) == ["reset"] * 3
        await asyncio.sleep(0.05)
        assert asyncio.all_tasks() == {asyncio.current_task()}
        assert open_fds() == fds


def test_rejects_unsafe_addresses_before_touching_the_network() -> None:
    # Addresses that bind or reach beyond this machine, which the link must refuse.
    anywhere = "0.0.0.0"  # noqa: S104
    for target in [("10.0.0.1", 80), (anywhere, 80), ("example.com", 80), ("::", 80)]:
        with pytest.raises(ValueError, match="loopback"):
            ImpairedLink(target, LinkProfile())
        with pytest.raises(ValueError, match="loopback"):
            ThreadedLink(target, LinkProfile())
    for listen in [(anywhere, 0), ("", 0), ("192.168.1.10", 0)]:
        with pytest.raises(ValueError, match="loopback"):
            ImpairedLink(("127.0.0.1", 80), LinkProfile(), listen=listen)
    with pytest.raises(ValueError, match="port"):
        ImpairedLink(("127.0.0.1", 0), LinkProfile())
    ImpairedLink(("localhost", 80), LinkProfile(), listen=("::1", 0))


@pytest.mark.parametrize(
    "bad",
    [
        {"bandwidth_bps": 0},
        {"latency_ms": -1},
        {"latency_ms": float("nan")},
        {"reset_probability": 1.5},
        {"reset_after_bytes": (10, 5)},
        {"reset_after_bytes": (-1, 5)},
        {"reset_every_s": (0, 0)},
        {"reset_every_s": (3, 2)},
        {"stall_after_bytes": -1},
    ],
)
def test_profile_refuses_nonsense(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        LinkProfile(**bad)


# -- from synchronous code -------------------------------------------------------------------


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._answer("xin chào".encode())

    def do_POST(self) -> None:
        self._answer(self.rfile.read(int(self.headers["Content-Length"])))

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Connections reset by the link are what these tests do on purpose.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def http_target() -> Iterator[Address]:
    server = QuietHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield str(host), int(port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_threaded_link_serves_requests_and_http_client_from_synchronous_code() -> None:
    body = random.Random(3).randbytes(300_000)
    with http_target() as target:
        link = ThreadedLink(target, LinkProfile(latency_ms=50))
        with link as (host, port):
            url = f"http://{host}:{port}"
            started = time.monotonic()
            answer = requests.get(f"{url}/", timeout=5)
            assert time.monotonic() - started >= 0.1
            assert answer.status_code == 200
            assert answer.text == "xin chào"
            assert requests.post(f"{url}/echo", data=body, timeout=10).content == body

            connection = http.client.HTTPConnection(host, port, timeout=5)
            try:
                connection.request("GET", "/")
                assert connection.getresponse().read() == "xin chào".encode()
            finally:
                connection.close()

            # A closed connection lingers in the link until its FIN has crossed the latency.
            time.sleep(0.3)
            with socket.create_connection((host, port), timeout=2) as idle:
                while link.stats.connections < 4:
                    time.sleep(0.01)
                assert link.cut_all() == 1
                with pytest.raises(ConnectionResetError):
                    idle.recv(1)

            link.set_profile(LinkProfile(reset_after_bytes=(10, 10)))
            with pytest.raises(requests.ConnectionError):
                requests.get(f"{url}/", timeout=5)
            link.set_profile(LinkProfile())
            assert requests.get(f"{url}/", timeout=5).status_code == 200

            stats = link.stats
            assert stats.connections == 6
            assert stats.resets == 2
            assert stats.bytes_up > len(body)
            assert stats.bytes_down > len(body)

        assert not any(t.name == "netem-link" for t in threading.enumerate())
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((host, port), timeout=2).close()
