"""Running the gateway under uvicorn: in the foreground for ``gateway serve``, or in a background
thread for tests (``BackgroundServer``).

The listening socket is bound before uvicorn starts, so the port is known at once (port 0 picks
a free one) and a client that connects early waits in the backlog instead of being refused.
Readiness is an event set by uvicorn's startup, never a sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
from collections.abc import Callable, Generator
from types import FrameType

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.problems import PROBLEM_JSON, ProblemType, problem_body

_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 30.0
# Requests still running at shutdown (a hung request of the "hang" fault) are cancelled after
# this long rather than holding the process.
GRACEFUL_SHUTDOWN_S = 2


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0 = any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every answer on a kept-alive connection waits 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol on httptools (llhttp, in C), answering a request it cannot
    parse (a ``Content-Length`` that is not a number, a header line without a colon) with
    problem+json like every other error of the gateway, instead of uvicorn's own text/plain
    400. Such a request never reaches the application, so this is the only place it can be
    answered.

    httptools rather than h11 (pure Python): under the load benchmark, parsing and writing
    HTTP with h11 took a sixth of the event loop's time, and the event loop is what a replica
    runs out of first.
    """

    def send_400_response(self, msg: str) -> None:
        body = problem_body(400, ProblemType.INVALID_REQUEST, msg)
        head = [
            b"HTTP/1.1 400 Bad Request\r\n",
            *(name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers),
            b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()


def make_config(
    app: ASGIApp,
    *,
    access_log: bool = False,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
) -> uvicorn.Config:
    """How the gateway is served, in the command and in tests alike (TLS only in tests: a
    deployed gateway sits behind nginx, which ends TLS)."""
    return uvicorn.Config(
        app,
        http=ProblemHttpToolsProtocol,
        # uvloop's event loop (libuv, in C) rather than asyncio's own: the same reason.
        loop="uvloop",
        lifespan="on",
        ws="none",
        log_config=None,
        access_log=access_log,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )


class Server(uvicorn.Server):
    """uvicorn with a started callback, and signals that stop it without re-raising them.

    uvicorn re-raises a caught SIGTERM after its graceful shutdown, which kills the process
    with the signal's status; ``gateway serve`` wants to return its own exit code instead.
    """

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        # uvicorn polls should_exit every 0.1 s; waiting on an event as well lets request_stop
        # end the server at once, which adds up over a test suite that starts one per test.
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.1):
                    await self._wake.wait()

    def request_stop(self) -> None:
        """Ask the server to shut down; callable from any thread."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(wake.set)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_started()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            if self.should_exit and signum == signal.SIGINT:
                self.force_exit = True
            self.should_exit = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class BackgroundServer:
    """A gateway app served on loopback from a daemon thread; a context manager.

    ``url`` is usable as soon as ``start`` (or ``__enter__``) returns.
    """

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self._socket = bind(host, port)
        self.host, self.port = self._socket.getsockname()[:2]
        self._ready = threading.Event()
        self._server = Server(make_config(app), on_started=self._ready.set)
        self._thread = threading.Thread(target=self._run, name="gateway-server", daemon=True)
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # reported by start(); a thread cannot raise to its owner
            self._error = exc
        finally:
            self._ready.set()

    def start(self) -> BackgroundServer:
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT_S) or not self._server.started:
            self.stop()
            raise RuntimeError(f"the gateway did not start: {self._error!r}")
        return self

    def stop(self) -> None:
        self._server.request_stop()
        if self._thread.is_alive():
            self._thread.join(_STOP_TIMEOUT_S)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
