"""``kiosk maintenance check`` (apt's ExecCondition before an unattended upgrade) on real marker
files naming real processes: every exit code, every reason, ``--wait``; and the app's
``SessionMarker``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from config.settings import PathsSection, Settings, save_settings
from dvc_common.clock import VIETNAM, FakeClock
from dvc_common.markers import live_marker, write_marker
from kiosk.cli import main
from kiosk.maintenance_window import (
    SESSION_MARKER,
    Busy,
    SessionMarker,
    check_window,
    wait_for_window,
)
from offline_queue.busy import SYNC_BUSY_MARKER
from tests.conftest import dead_pid

ROOT = Path(__file__).resolve().parents[2]
WHEN = datetime(2026, 12, 2, 9, 30, tzinfo=VIETNAM)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    folder = tmp_path / "scratch"
    folder.mkdir()
    return folder


@pytest.fixture
def config(tmp_path: Path, scratch: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    paths = PathsSection(data_dir=tmp_path / "data", scratch_dir=scratch)
    save_settings(Settings(paths=paths), path)
    return path




def check(config: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["--config", str(config), "maintenance", "check", *extra])
    return code, capsys.readouterr().out


def test_nothing_going_on_allows_the_upgrade(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(config, capsys)
    assert code == 0
    assert out == "ok: no citizen session is open and no dossier is being sent\n"


def test_an_open_session_refuses_with_its_reason(
    config: Path, scratch: Path, child: subprocess.Popen[bytes]
) -> None:
    write_marker(scratch / SESSION_MARKER, WHEN, pid=child.pid)
    # As apt's unit runs it: a process of its own, the line on stdout.
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(config), "maintenance", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == "not now: a citizen session is open\n"


def test_a_transfer_in_flight_refuses_and_both_reasons_are_given(
    config: Path,
    scratch: Path,
    child: subprocess.Popen[bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_marker(scratch / SYNC_BUSY_MARKER, WHEN, pid=child.pid)
    assert check(config, capsys) == (1, "not now: a dossier is being sent to the gateway\n")
    write_marker(scratch / SESSION_MARKER, WHEN, pid=os.getpid())
    assert check(config, capsys) == (
        1,
        "not now: a citizen session is open; a dossier is being sent to the gateway\n",
    )
    assert check_window(scratch).busy == (Busy.CITIZEN_SESSION, Busy.TRANSFER)


def test_markers_of_processes_that_died_do_not_block(
    config: Path, scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_marker(scratch / SESSION_MARKER, WHEN, pid=dead_pid())  # the app crashed
    write_marker(scratch / SYNC_BUSY_MARKER, WHEN, pid=dead_pid())  # the sync was killed
    assert check(config, capsys)[0] == 0


def test_a_marker_whose_pid_now_names_anchild_does_not_block(
    config: Path, scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Written by a process with this PID that started earlier than this one: not us.
    (scratch / SESSION_MARKER).write_text(
        json.dumps({"pid": os.getpid(), "start_ticks": 1, "since": ""}), encoding="utf-8"
    )
    assert check(config, capsys)[0] == 0


def test_a_broken_configuration_does_not_hold_back_the_upgrade(tmp_path: Path) -> None:
    # The kiosk shows its fault page; the nightly upgrade may be what mends it. The markers are
    # looked for in the default scratch directory, and the reason is said on stderr.
    broken = tmp_path / "kiosk.toml"
    broken.write_text("[paths]\nscratch_dir = 42\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(broken), "maintenance", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "paths.scratch_dir" in result.stderr and "/run/kiosk" in result.stderr
    assert result.returncode in (0, 1) and result.stdout.startswith(("ok:", "not now:"))


def test_a_marker_that_cannot_be_read_exits_2(
    config: Path, scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (scratch / SYNC_BUSY_MARKER).mkdir()
    code = main(["--config", str(config), "maintenance", "check"])
    captured = capsys.readouterr()
    assert code == 2
    assert "cannot read the markers" in captured.err


def test_wait_returns_at_once_when_the_moment_is_clear(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(config, capsys, "--wait", "600")[0] == 0


def test_wait_looks_again_until_the_session_ends(
    scratch: Path, child: subprocess.Popen[bytes]
) -> None:
    write_marker(scratch / SESSION_MARKER, WHEN, pid=child.pid)
    clock = FakeClock(WHEN)
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        clock.advance(seconds)
        if len(pauses) == 3:  # the citizen leaves during the third wait
            (scratch / SESSION_MARKER).unlink()

    found = wait_for_window(scratch, 60, monotonic=clock.monotonic, pause=pause)
    assert found.clear
    assert pauses == [1.0, 1.0, 1.0]


def test_wait_gives_up_after_its_seconds_with_the_reason(
    scratch: Path, child: subprocess.Popen[bytes]
) -> None:
    write_marker(scratch / SYNC_BUSY_MARKER, WHEN, pid=child.pid)
    clock = FakeClock(WHEN)
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        clock.advance(seconds)

    found = wait_for_window(scratch, 2.5, monotonic=clock.monotonic, pause=pause)
    assert found.busy == (Busy.TRANSFER,)
    assert found.line() == "not now: a dossier is being sent to the gateway"
    assert pauses == [1.0, 1.0, 0.5]


@pytest.mark.parametrize("given", ["-1", "abc", "86401"])
def test_wait_takes_only_a_sensible_number_of_seconds(
    config: Path, given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--config", str(config), "maintenance", "check", "--wait", given])
    assert exited.value.code == 2
    capsys.readouterr()


# --- the app's marker ----------------------------------------------------------------------------


def test_the_session_marker_follows_the_session(scratch: Path) -> None:
    marker = SessionMarker(scratch, FakeClock(WHEN))
    assert not marker.path.exists()
    marker.update(True)
    holder = live_marker(marker.path)
    assert holder is not None
    assert holder.pid == os.getpid()
    assert holder.since == WHEN.isoformat()
    marker.update(True)  # every journey event: written once per session
    marker.update(False)
    assert not marker.path.exists()
    marker.update(True)
    marker.close()
    assert not marker.path.exists()


def test_at_start_a_stale_marker_or_one_of_this_very_process_is_cleared(
    scratch: Path, child: subprocess.Popen[bytes]
) -> None:
    path = scratch / SESSION_MARKER
    write_marker(path, WHEN, pid=dead_pid())  # the app crashed with a citizen at the screen
    SessionMarker(scratch, FakeClock(WHEN))
    assert not path.exists()
    write_marker(path, WHEN)  # this process before it re-executed itself (same PID)
    SessionMarker(scratch, FakeClock(WHEN))
    assert not path.exists()
    write_marker(path, WHEN, pid=child.pid)  # someone alive: not ours to remove
    SessionMarker(scratch, FakeClock(WHEN))
    assert live_marker(path) is not None


def test_a_marker_that_cannot_be_written_never_stops_the_app(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "scratch"
    blocker.write_text("a file where the directory should be", encoding="utf-8")
    marker = SessionMarker(blocker, FakeClock(WHEN))
    marker.update(True)
    marker.update(False)
    marker.update(True)
    assert marker.open
    warnings = [r for r in caplog.records if r.name == "kiosk.maintenance_window"]
    assert len(warnings) == 1
