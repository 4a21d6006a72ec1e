"""Injected time: the journey's idle timers and every timestamp go through a Clock.

Tests use FakeClock and move time forward by hand; nothing in the kiosk calls ``time.sleep`` or
``datetime.now`` directly.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware wall-clock time in the kiosk's time zone."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never jump (for timeouts)."""
        ...


class SystemClock:
    """The machine's clock."""

    def __init__(self, tz: ZoneInfo = VIETNAM) -> None:
        self._tz = tz

    def now(self) -> datetime:
        return datetime.now(self._tz)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not go backwards")
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


class SteppableClock:
    """The machine's clock, plus time skipped on purpose: the scripted demo and the UI
    benchmark show the idle warning without waiting out the real minutes."""

    def __init__(self, tz: ZoneInfo = VIETNAM) -> None:
        self._system = SystemClock(tz)
        self._skipped = 0.0

    def now(self) -> datetime:
        return self._system.now() + timedelta(seconds=self._skipped)

    def monotonic(self) -> float:
        return self._system.monotonic() + self._skipped

    def skip(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not go backwards")
        self._skipped += seconds
