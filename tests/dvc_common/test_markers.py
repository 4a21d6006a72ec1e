"""PID markers with real files and real processes: alive, gone (reaped), a zombie, a number
reused by another process, files that are no marker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from dvc_common.clock import VIETNAM
from dvc_common.markers import (
    live_marker,
    process_alive,
    remove_marker,
    start_ticks,
    write_marker,
)
from tests.conftest import dead_pid

WHEN = datetime(2026, 12, 2, 9, 30, tzinfo=VIETNAM)




def test_a_marker_names_a_live_process_until_it_is_gone(
    tmp_path: Path, child: subprocess.Popen[bytes]
) -> None:
    path = tmp_path / "scratch" / "busy"
    write_marker(path, WHEN, pid=child.pid)
    holder = live_marker(path)
    assert holder is not None
    assert holder.pid == child.pid
    assert holder.since == WHEN.isoformat()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["start_ticks"] == start_ticks(child.pid)
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)

    assert child.stdin is not None
    child.stdin.close()
    child.wait()  # exited and reaped: the marker is stale
    assert live_marker(path) is None


def test_a_reaped_child_s_pid_is_not_alive(tmp_path: Path) -> None:
    pid = dead_pid()
    assert not process_alive(pid)
    path = tmp_path / "busy"
    path.write_text(json.dumps({"pid": pid, "start_ticks": None, "since": ""}), encoding="utf-8")
    assert live_marker(path) is None


def test_a_zombie_is_not_alive() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    # Wait for it to exit but leave it unreaped (WNOWAIT): a zombie, as a crashed app whose
    # parent has not collected it yet.
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    try:
        assert not process_alive(process.pid)
    finally:
        process.wait()


def test_a_pid_reused_by_another_process_does_not_count(tmp_path: Path) -> None:
    path = tmp_path / "busy"
    ticks = start_ticks(os.getpid())
    assert ticks is not None
    # Our PID, but a process that started at another time: not the one that wrote it.
    path.write_text(
        json.dumps({"pid": os.getpid(), "start_ticks": ticks - 1, "since": ""}), encoding="utf-8"
    )
    assert live_marker(path) is None
    write_marker(path, WHEN)
    assert live_marker(path) is not None


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'{"pid": "12"}', b'{"pid": true}', b'{"pid": 0}'],
)
def test_a_file_that_is_no_marker_counts_as_absent(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "busy"
    path.write_bytes(content)
    assert live_marker(path) is None
    assert remove_marker(path)  # and nothing would otherwise ever remove it
    assert not path.exists()


def test_a_marker_that_cannot_be_read_is_an_error_not_an_absence(tmp_path: Path) -> None:
    path = tmp_path / "busy"
    path.mkdir()  # cannot be read as a file
    with pytest.raises(OSError):
        live_marker(path)


def test_removal_leaves_a_live_other_process_s_marker(
    tmp_path: Path, child: subprocess.Popen[bytes]
) -> None:
    path = tmp_path / "busy"
    write_marker(path, WHEN, pid=child.pid)
    assert not remove_marker(path)
    assert live_marker(path) is not None
    write_marker(path, WHEN)  # ours now
    assert remove_marker(path)
    assert not path.exists()
    assert remove_marker(path)  # already gone: fine
