"""The sd_notify protocol against real AF_UNIX datagram sockets (a file and the abstract
namespace), as systemd receives it."""

from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path

import pytest

from dvc_common import sd_notify
from dvc_common.sd_notify import Notice, Watchdog
from tests.dvc_common.notify_support import abstract_listener, path_listener


@pytest.fixture(autouse=True)
def fresh_failure_log(monkeypatch: pytest.MonkeyPatch) -> None:
    # "Logged once per process": each test starts as a fresh process would.
    monkeypatch.setattr(sd_notify, "_failure_logged", threading.Event())


@pytest.mark.parametrize("listener", [path_listener, abstract_listener])
def test_each_message_arrives_as_one_datagram_from_this_process(listener: object) -> None:
    with listener() as manager:  # type: ignore[operator]
        env = {"NOTIFY_SOCKET": manager.address}
        assert sd_notify.ready(sd_notify.status_field("up"), environ=env)
        assert sd_notify.watchdog_ping(environ=env)
        assert sd_notify.status("waiting\nfor enrolment", environ=env)
        assert sd_notify.stopping(environ=env)
        assert sd_notify.reloading(environ=env)
        first = manager.wait_field(Notice.READY)
        assert first.fields == ("READY=1", "STATUS=up")
        assert first.pid == os.getpid()
        assert manager.wait_field(Notice.WATCHDOG).fields == ("WATCHDOG=1",)
        # A newline would start a field of its own: the status stays one line.
        assert manager.wait_status("waiting").fields == ("STATUS=waiting for enrolment",)
        assert manager.wait_field(Notice.STOPPING).fields == ("STOPPING=1",)
        reload = manager.wait_field(Notice.RELOADING)
        assert int(reload.value("MONOTONIC_USEC") or "0") > 0


def test_without_a_socket_nothing_is_sent_and_false_is_returned() -> None:
    assert sd_notify.notify("READY=1", environ={}) is False
    assert sd_notify.ready(environ={"NOTIFY_SOCKET": ""}) is False
    assert sd_notify.notify(environ={"NOTIFY_SOCKET": "/nowhere"}) is False  # nothing to send


def test_a_failed_send_never_raises_and_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gone = {"NOTIFY_SOCKET": str(tmp_path / "no-such-socket")}
    with caplog.at_level(logging.WARNING, logger="dvc_common.sd_notify"):
        assert sd_notify.watchdog_ping(environ=gone) is False
        assert sd_notify.watchdog_ping(environ=gone) is False
        assert sd_notify.notify("READY=1", environ={"NOTIFY_SOCKET": "vsock:2:999"}) is False
    warnings = [r for r in caplog.records if r.name == "dvc_common.sd_notify"]
    assert len(warnings) == 1
    assert "no-such-socket" in warnings[0].getMessage()


def test_a_socket_file_nobody_reads_from_any_more_is_a_failure_not_an_exception(
    tmp_path: Path,
) -> None:
    path = tmp_path / "closed"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
    # The file is left behind by a closed socket: sending to it is refused (ECONNREFUSED).
    assert sd_notify.ready(environ={"NOTIFY_SOCKET": str(path)}) is False


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"WATCHDOG_USEC": ""}, None),
        ({"WATCHDOG_USEC": "abc"}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "-5"}, None),
        ({"WATCHDOG_USEC": "30000000"}, 30.0),
        ({"WATCHDOG_USEC": "500000", "WATCHDOG_PID": "{own}"}, 0.5),
        ({"WATCHDOG_USEC": "500000", "WATCHDOG_PID": "{other}"}, None),
        ({"WATCHDOG_USEC": "500000", "WATCHDOG_PID": "x"}, None),
    ],
)
def test_the_watchdog_interval_is_this_process_s_only(
    env: dict[str, str], expected: float | None
) -> None:
    own, other = os.getpid(), os.getppid()
    filled = {k: v.format(own=own, other=other) for k, v in env.items()}
    assert sd_notify.watchdog_interval(filled) == expected


def test_a_process_may_keep_its_parent_s_watchdog_when_told_to() -> None:
    # kiosk-app runs inside the cage compositor, which systemd started: WATCHDOG_PID is cage's.
    env = {"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getppid())}
    assert sd_notify.watchdog_interval(env) is None
    assert sd_notify.watchdog_interval(env, also_for=(os.getppid(),)) == 2.0


class StepClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_feeding_pings_at_most_every_sixth_of_the_interval() -> None:
    clock = StepClock()
    pings: list[float] = []
    watchdog = Watchdog(6.0, monotonic=clock, ping=lambda: pings.append(clock.t))
    assert watchdog.wake_every_s == 2.0
    watchdog.feed()
    clock.t += 0.5
    watchdog.feed()  # too soon: not sent
    clock.t += 0.5
    watchdog.feed()  # a sixth of the interval since the last ping
    clock.t += 2.0
    watchdog.feed()
    assert pings == [100.0, 101.0, 103.0]


def test_without_a_watchdog_feeding_does_nothing_and_waits_are_unbounded() -> None:
    pings: list[int] = []
    watchdog = Watchdog(None, ping=lambda: pings.append(1))
    watchdog.feed()
    assert pings == []
    assert watchdog.wake_every_s is None


def test_a_watchdog_from_the_environment_pings_the_socket() -> None:
    with path_listener() as manager:
        env = {"NOTIFY_SOCKET": manager.address, "WATCHDOG_USEC": "3000000"}
        watchdog = Watchdog.from_environment(env)
        assert watchdog.interval_s == 3.0
        watchdog.feed()
        assert manager.wait_field(Notice.WATCHDOG).pid == os.getpid()
