"""Telling systemd how a service is doing, without a dependency: the ``sd_notify`` protocol.

The appliance's services are ``Type=notify`` with a watchdog: systemd calls a service started
only once it says ``READY=1``, shows what it says in ``STATUS=``, and restarts one that stops
sending ``WATCHDOG=1`` within ``WatchdogSec=``. The protocol is one datagram of ``KEY=VALUE``
lines to the AF_UNIX socket ``$NOTIFY_SOCKET`` names (a path, or ``@name`` for the abstract
namespace); outside systemd the variable is unset and every call here does nothing. That is all
libsystemd's ``sd_notify`` does, so neither it nor python-systemd is worth a dependency.

Nothing here raises: a service must never fail because its supervisor cannot be told something.
The first failed send is logged (through the masked handlers, as every log line); the rest are
not, so a vanished socket cannot flood the journal with one line per watchdog ping.

``Watchdog`` is for processes that feed the watchdog from wherever they make progress (several
threads, at any rate): it pings at most every sixth of the interval. A loop that waits must wake
at least every ``wake_every_s`` (a third of the interval) and feed it; then consecutive pings
are less than half the interval apart, as systemd recommends.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Collection, Mapping
from enum import StrEnum

log = logging.getLogger(__name__)

NOTIFY_SOCKET_ENV = "NOTIFY_SOCKET"
WATCHDOG_USEC_ENV = "WATCHDOG_USEC"
WATCHDOG_PID_ENV = "WATCHDOG_PID"
# A full socket queue must not hold the caller (the GUI thread, for the app) for long.
SEND_TIMEOUT_S = 1.0


class Notice(StrEnum):
    """The fixed messages of the protocol (``STATUS=`` carries text and is built by ``status``)."""

    READY = "READY=1"
    STOPPING = "STOPPING=1"
    RELOADING = "RELOADING=1"  # followed by READY=1 once the service is back
    WATCHDOG = "WATCHDOG=1"


_failure_logged = threading.Event()


def _address(value: str) -> str | bytes | None:
    """The socket address ``$NOTIFY_SOCKET`` names; None for kinds not supported here."""
    if value.startswith("@"):
        # The abstract namespace: a leading NUL byte instead of the '@'.
        return b"\0" + value[1:].encode()
    if value.startswith("/"):
        return value
    return None  # e.g. "vsock:…" (a VM's supervisor): not used on the appliance


def _failed(target: str, problem: str) -> bool:
    if not _failure_logged.is_set():
        _failure_logged.set()
        log.warning("cannot notify the service manager at %s: %s", target, problem)
    return False


def notify(*fields: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send ``fields`` (``KEY=VALUE`` each) in one datagram to ``$NOTIFY_SOCKET``.

    True when it was sent; False when there is no socket (not run by systemd) or the send
    failed. Never raises."""
    env = os.environ if environ is None else environ
    target = env.get(NOTIFY_SOCKET_ENV, "")
    if not target or not fields:
        return False
    address = _address(target)
    if address is None:
        return _failed(target, "unsupported address")
    payload = "\n".join(fields).encode()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.settimeout(SEND_TIMEOUT_S)
            sock.sendto(payload, address)
    except OSError as exc:
        return _failed(target, f"{type(exc).__name__}: {exc.strerror or exc}")
    return True


def ready(*extra: str, environ: Mapping[str, str] | None = None) -> bool:
    """Start-up is complete (``READY=1``), with optional further fields (a ``STATUS=``)."""
    return notify(Notice.READY, *extra, environ=environ)


def stopping(environ: Mapping[str, str] | None = None) -> bool:
    """The service is shutting down (``STOPPING=1``)."""
    return notify(Notice.STOPPING, environ=environ)


def reloading(environ: Mapping[str, str] | None = None) -> bool:
    """The service is starting again in place (``RELOADING=1``); it says ``READY=1`` when back.
    systemd ≥ 253 wants the monotonic time of the reload with it."""
    now_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    return notify(Notice.RELOADING, f"MONOTONIC_USEC={now_usec}", environ=environ)


def status_field(text: str) -> str:
    """``STATUS=text`` on one line (a newline would start another field)."""
    return "STATUS=" + " ".join(text.split())


def status(text: str, environ: Mapping[str, str] | None = None) -> bool:
    """A one-line status for ``systemctl status`` (``STATUS=``)."""
    return notify(status_field(text), environ=environ)


def watchdog_ping(environ: Mapping[str, str] | None = None) -> bool:
    """The process is alive (``WATCHDOG=1``)."""
    return notify(Notice.WATCHDOG, environ=environ)


def watchdog_interval(
    environ: Mapping[str, str] | None = None, *, also_for: Collection[int] = ()
) -> float | None:
    """The watchdog's interval in seconds (``$WATCHDOG_USEC``), or None when there is none for
    this process: unset, not a positive number, or ``$WATCHDOG_PID`` naming another process
    (a child inherits its parent's environment, not its watchdog). ``also_for``: other PIDs
    whose watchdog this process keeps (the app's parent when a compositor started it)."""
    env = os.environ if environ is None else environ
    try:
        usec = int(env.get(WATCHDOG_USEC_ENV, ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    owner = env.get(WATCHDOG_PID_ENV, "")
    if owner:
        try:
            pid = int(owner)
        except ValueError:
            return None
        if pid != os.getpid() and pid not in also_for:
            return None
    return usec / 1_000_000


class Watchdog:
    """Feeds systemd's watchdog from wherever the process makes progress (thread-safe).

    ``feed()`` may be called as often as convenient: it pings at most every sixth of the
    interval. Loops that wait must wake at least every ``wake_every_s`` to feed it. Without a
    watchdog (``interval_s`` None) everything is a no-op and loops wait as long as they like.
    """

    def __init__(
        self,
        interval_s: float | None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        ping: Callable[[], object] = watchdog_ping,
    ) -> None:
        self.interval_s = interval_s
        self._monotonic = monotonic
        self._ping = ping
        self._lock = threading.Lock()
        self._last: float | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Watchdog:
        return cls(watchdog_interval(environ), ping=lambda: watchdog_ping(environ))

    @property
    def wake_every_s(self) -> float | None:
        """How long a waiting loop may sleep between feeds (None: no watchdog, no limit)."""
        return None if self.interval_s is None else self.interval_s / 3

    def feed(self) -> None:
        """The process made progress: ping, unless a ping went out very recently."""
        if self.interval_s is None:
            return
        with self._lock:
            now = self._monotonic()
            if self._last is not None and now - self._last < self.interval_s / 6:
                return
            self._last = now
        self._ping()
