"""``ReaderLifecycle``, the open / read / fail / back off / reopen loop the real QR readers share,
driven by a scripted device (``test_qr_contract`` runs the readers built on it).

Nothing sleeps: the backoff waits are handed to a recorder that returns at once (or holds the
loop until the test lets it go), and the tests wait on conditions with a safety-net timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest

from drivers.errors import DeviceError, DeviceProblem
from drivers.qr.base import (
    RECONNECT_FIRST_S,
    RECONNECT_MAX_S,
    Backoff,
    QrRead,
    QrSource,
    QrStatus,
    ReaderCore,
    ReaderState,
    qr_error,
)
from drivers.qr.lifecycle import ReaderLifecycle, Worker
from dvc_common.clock import FakeClock

TIMEOUT_S = 10.0  # a safety net; every wait here normally ends in milliseconds


class Script:
    """A device whose opens and reads do what the test queued, and which notes every call.

    ``opens`` and ``reads`` hold what each next call does: None succeeds, an exception is
    raised. An empty read queue blocks the read until more is queued or the test releases it.
    """

    def __init__(self, core: ReaderCore) -> None:
        self._core = core
        self._cond = threading.Condition()
        self.opens: list[Exception | None] = []
        self.reads: list[Exception | None] = []
        self.calls: list[str] = []
        self.close_error: Exception | None = None
        self.state_when_lost: list[ReaderState] = []

    def queue(
        self, *, opens: Sequence[Exception | None] = (), reads: Sequence[Exception | None] = ()
    ) -> None:
        with self._cond:
            self.opens += opens
            self.reads += reads
            self._cond.notify_all()

    def open_device(self) -> str:
        with self._cond:
            outcome = self.opens.pop(0) if self.opens else None
            self.calls.append("open" if outcome is None else "open-failed")
            self._cond.notify_all()
        if outcome is not None:
            raise outcome
        return "handle"

    def read_one(self, handle: str) -> None:
        assert handle == "handle"
        with self._cond:
            self._cond.wait_for(lambda: bool(self.reads), 0.05)
            if not self.reads:
                return  # nothing queued: an idle poll, as a device read timing out
            outcome = self.reads.pop(0)
            self.calls.append("read" if outcome is None else "read-failed")
            self._cond.notify_all()
        if outcome is not None:
            raise outcome

    def close_device(self, handle: str) -> None:
        assert handle == "handle"
        with self._cond:
            self.calls.append("close")
            self._cond.notify_all()
        if self.close_error is not None:
            raise self.close_error

    def lost(self) -> None:
        self.state_when_lost.append(self._core.status().state)

    def wait_calls(self, predicate: Callable[[list[str]], bool]) -> list[str]:
        with self._cond:
            assert self._cond.wait_for(lambda: predicate(self.calls), TIMEOUT_S), self.calls
            return list(self.calls)


class Delays:
    """Records the backoff delays instead of waiting them out."""

    def __init__(self) -> None:
        self.seen: list[float] = []

    def __call__(self, delay_s: float) -> None:
        self.seen.append(delay_s)


def unplugged(text: str = "gone") -> DeviceError:
    return qr_error(DeviceProblem.UNPLUGGED, text)


def rig(
    *,
    wait: Callable[[float], object],
    reconnect_first_s: float = RECONNECT_FIRST_S,
    reconnect_max_s: float = RECONNECT_MAX_S,
) -> tuple[ReaderCore, Script, ReaderLifecycle[str]]:
    core = ReaderCore(QrSource.SERIAL, "test device", FakeClock(datetime(2026, 1, 1, tzinfo=UTC)))
    script = Script(core)
    lifecycle = ReaderLifecycle(
        core,
        name="qr-test",
        label="test device",
        open_device=script.open_device,
        read_one=script.read_one,
        close_device=script.close_device,
        on_lost=script.lost,
        reconnect_first_s=reconnect_first_s,
        reconnect_max_s=reconnect_max_s,
        wait=wait,
    )
    return core, script, lifecycle


def ignore(_read: QrRead) -> None:
    pass


def wait_status(core: ReaderCore, predicate: Callable[[QrStatus], bool]) -> QrStatus:
    status = core.wait_status(predicate, TIMEOUT_S)
    assert status is not None, core.status()
    return status


def test_backoff_doubles_up_to_the_cap_and_resets() -> None:
    backoff = Backoff()
    delays = [backoff.next_delay() for _ in range(6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert (RECONNECT_FIRST_S, RECONNECT_MAX_S) == (0.5, 5.0)
    backoff.reset()
    assert backoff.next_delay() == RECONNECT_FIRST_S


def test_a_missing_device_is_retried_with_growing_delays_until_it_opens() -> None:
    delays = Delays()
    core, script, lifecycle = rig(wait=delays)
    error = unplugged("no such port")
    script.queue(opens=[error] * 5)
    lifecycle.start(ignore)
    try:
        status = wait_status(core, lambda s: s.state is ReaderState.READY)
        assert status.error is None and status.reconnects == 0
        assert script.wait_calls(lambda c: "open" in c)[:6] == ["open-failed"] * 5 + ["open"]
        assert delays.seen == [0.5, 1.0, 2.0, 4.0, 5.0]
    finally:
        lifecycle.stop()
    assert core.status().state is ReaderState.STOPPED


def test_a_read_failure_is_reported_then_the_device_is_closed_and_reopened() -> None:
    delays = Delays()
    core, script, lifecycle = rig(wait=delays, reconnect_first_s=0.1, reconnect_max_s=0.3)
    script.queue(opens=[None, unplugged(), None], reads=[None, unplugged("read failed")])
    lifecycle.start(ignore)
    try:
        calls = script.wait_calls(lambda c: c.count("open") == 2)
        assert calls == ["open", "read", "read-failed", "close", "open-failed", "open"]
        status = wait_status(core, lambda s: s.state is ReaderState.READY)
    finally:
        lifecycle.stop()
    assert script.wait_calls(lambda c: len(c) == 7)[-1] == "close"  # closed by stop()
    assert status.reconnects == 1 and status.error is None
    # ``on_lost`` ran while the reader still counted as READY: whoever sees the failure has
    # already lost what the device showed (the camera's preview).
    assert script.state_when_lost == [ReaderState.READY]
    # After the read failure the backoff started again from the first delay; after the failed
    # reopen it doubled; the open that worked reset it.
    assert delays.seen[:2] == [0.1, 0.2]


def test_an_unmapped_exception_is_an_io_error_naming_the_device() -> None:
    # The backoff after the failure waits on an event nobody sets: the status stays put.
    core, script, lifecycle = rig(wait=threading.Event().wait)
    script.queue(reads=[RuntimeError("vendor bug")])
    lifecycle.start(ignore)
    try:
        status = wait_status(core, lambda s: s.state is ReaderState.RECONNECTING)
    finally:
        lifecycle.stop()
    assert status.error is not None
    assert status.error.problem is DeviceProblem.IO_ERROR
    assert status.error.technical == "test device: RuntimeError('vendor bug')"
    assert script.state_when_lost == [ReaderState.READY]


def test_a_close_that_fails_does_not_end_the_reader() -> None:
    _core, script, lifecycle = rig(wait=Delays())
    script.close_error = OSError("already gone")
    script.queue(reads=[unplugged()])
    lifecycle.start(ignore)
    try:
        calls = script.wait_calls(lambda c: c.count("open") >= 2)
        assert calls[:4] == ["open", "read-failed", "close", "open"]
    finally:
        script.close_error = None
        lifecycle.stop()


def test_stop_cuts_a_backoff_short_wakes_workers_and_joins_every_thread() -> None:
    core = ReaderCore(QrSource.SERIAL, "test device", FakeClock(datetime(2026, 1, 1, tzinfo=UTC)))
    script = Script(core)
    script.queue(opens=[unplugged()])
    steps = threading.Event()
    woken = threading.Event()
    blocker = threading.Event()

    def step() -> None:
        steps.set()
        blocker.wait(TIMEOUT_S)

    def wake() -> None:
        woken.set()
        blocker.set()

    lifecycle = ReaderLifecycle(
        core,
        name="qr-test",
        label="test device",
        open_device=script.open_device,
        read_one=script.read_one,
        close_device=script.close_device,
        workers=[Worker("qr-test-worker", step)],
        reconnect_first_s=3600.0,
        reconnect_max_s=3600.0,
    )
    before = set(threading.enumerate())
    lifecycle.start(ignore)
    wait_status(core, lambda s: s.state is ReaderState.RECONNECTING)  # now in an hour's backoff
    assert steps.wait(TIMEOUT_S)
    threads = set(threading.enumerate()) - before
    assert {t.name for t in threads} == {"qr-test", "qr-test-worker"}
    lifecycle.stop(wake=wake)
    assert woken.is_set()
    assert [t.name for t in threads if t.is_alive()] == []
    assert core.status().state is ReaderState.STOPPED
    lifecycle.stop()  # twice is fine


def test_starting_twice_is_refused() -> None:
    _core, _script, lifecycle = rig(wait=Delays())
    lifecycle.start(ignore)
    try:
        with pytest.raises(RuntimeError, match="already started"):
            lifecycle.start(ignore)
    finally:
        lifecycle.stop()
