"""The kiosk's view of its link to the gateway, for the heartbeat's ``link`` object.

Every request the sync process makes to the gateway goes through ``HttpTransport.request``,
which records it here: when it ended, whether it got an answer, and, for a small request, its
round trip. A heartbeat reports the last hour of them (``LinkWindow.figures``) with the Wi-Fi
signal (``wifi_signal_percent``); the gateway judges the link from these
(``gateway.fleet.LinkReport``).

- ``requests``: requests tried in the last hour, answered or not;
- ``failures``: of them, those that got no (complete) answer: a time-out, a refused or reset
  connection, an answer that trickled past the transport's deadline. An HTTP error status is an
  answer (the link carried it) and counts as none;
- ``rtt_ms``: the median round trip of the answered small requests (request and answer each
  at most ``SMALL_REQUEST_BYTES``, as ``TransportStats.round_trip``): a 1 MiB chunk's time says
  the link's rate, not its latency, and would make any busy kiosk look far away;
- ``signal_percent``: the Wi-Fi signal, null on a wired link or when it cannot be read.

The signal is read from ``/proc/net/wireless`` (world-readable; the sync process runs without
privileges and may not import the drivers, so NetworkManager's D-Bus view is the app's, not
its own), for the interface that carries the default route, and converted from dBm to percent
the way NetworkManager does (``nm_wifi_utils_level_to_quality``), so the gateway's thresholds
mean the same as the percentages the technician's Wi-Fi screen shows.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

WINDOW_S: Final = 3600.0
# Bounds memory on a kiosk that sends a big backlog in small chunks: at 16 KiB chunks and
# 256 kbit/s a lane makes about two requests a second, so an hour of three lanes is about 20 000.
MAX_KEPT: Final = 30_000
PROC_WIRELESS: Final = Path("/proc/net/wireless")
PROC_ROUTE: Final = Path("/proc/net/route")
_RTF_UP = 0x1


@dataclass(frozen=True)
class _Attempt:
    ended_at: float  # monotonic
    answered: bool
    round_trip_s: float | None  # answered small requests only


@dataclass(frozen=True)
class LinkFigures:
    """The heartbeat's ``link`` object (see ``gateway.fleet.LinkReport``)."""

    signal_percent: int | None
    rtt_ms: int | None
    requests: int
    failures: int

    def to_wire(self) -> dict[str, Any]:
        return {
            "signal_percent": self.signal_percent,
            "rtt_ms": self.rtt_ms,
            "requests": self.requests,
            "failures": self.failures,
        }


class LinkWindow:
    """Gateway requests of the last ``window_s`` seconds, shared by a transport and its clones
    (the lanes record from their own threads)."""

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        window_s: float = WINDOW_S,
        max_kept: int = MAX_KEPT,
    ) -> None:
        self._monotonic = monotonic
        self._window_s = window_s
        self._lock = threading.Lock()
        self._attempts: deque[_Attempt] = deque(maxlen=max_kept)

    def record(self, *, answered: bool, round_trip_s: float | None = None) -> None:
        """One request ended; ``round_trip_s`` only for an answered small request."""
        attempt = _Attempt(self._monotonic(), answered, round_trip_s if answered else None)
        with self._lock:
            self._attempts.append(attempt)

    def figures(self, signal_percent: int | None = None) -> LinkFigures:
        """The last hour's figures, with the given Wi-Fi signal."""
        horizon = self._monotonic() - self._window_s
        with self._lock:
            while self._attempts and self._attempts[0].ended_at < horizon:
                self._attempts.popleft()
            kept = list(self._attempts)
        trips = [a.round_trip_s for a in kept if a.round_trip_s is not None]
        return LinkFigures(
            signal_percent=signal_percent,
            rtt_ms=round(statistics.median(trips) * 1000) if trips else None,
            requests=len(kept),
            failures=sum(1 for a in kept if not a.answered),
        )


def level_to_percent(level: float) -> int:
    """A signal level as ``/proc/net/wireless`` shows it, in NetworkManager's percent: dBm
    (negative) maps -100..-40 onto 0..100; an old driver's unsigned 8-bit dBm (111..255) is
    shifted first; anything else is already a quality percentage."""
    value = level
    if 110 < value < 256:
        value -= 256
    if value < 0:
        clamped = min(max(value, -100.0), -40.0)
        value = 100 - int(100.0 * abs(clamped + 40) / 60.0)
    return int(min(max(value, 0), 100))


def _default_interface(route_table: str) -> str | None:
    """The interface of the default route with the lowest metric, from ``/proc/net/route``."""
    best: tuple[int, str] | None = None
    for line in route_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 7 or fields[1] != "00000000":
            continue
        try:
            flags, metric = int(fields[3], 16), int(fields[6])
        except ValueError:
            continue
        if flags & _RTF_UP and (best is None or metric < best[0]):
            best = (metric, fields[0])
    return None if best is None else best[1]


def _wireless_levels(table: str) -> dict[str, float]:
    """Each associated Wi-Fi interface's signal level (the kernel lists only those)."""
    levels: dict[str, float] = {}
    for line in table.splitlines()[2:]:
        name, sep, rest = line.partition(":")
        fields = rest.split()
        if not sep or len(fields) < 3:
            continue
        try:
            levels[name.strip()] = float(fields[2].rstrip("."))
        except ValueError:
            continue
    return levels


def wifi_signal_percent(wireless: Path = PROC_WIRELESS, route: Path = PROC_ROUTE) -> int | None:
    """The signal of the Wi-Fi link the kiosk's traffic takes, in percent; None when the
    default route is wired, when no Wi-Fi interface is associated, or when it cannot be read.
    Without a default route (a gateway on the local network), the one associated Wi-Fi
    interface counts if there is exactly one."""
    try:
        levels = _wireless_levels(wireless.read_text(encoding="ascii", errors="replace"))
    except OSError:
        return None
    if not levels:
        return None
    try:
        interface = _default_interface(route.read_text(encoding="ascii", errors="replace"))
    except OSError:
        interface = None
    if interface is None:
        if len(levels) != 1:
            return None
        (level,) = levels.values()
        return level_to_percent(level)
    level_of = levels.get(interface)
    return None if level_of is None else level_to_percent(level_of)
