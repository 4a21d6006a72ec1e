"""The device report's file (dvc_common.device_report): what the sync process makes of a report
that is current, old, left by a process that is gone, garbled, or not there."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dvc_common.device_report import (
    STALE_AFTER_S,
    ReportState,
    read_report,
    remove_report,
    report_path,
    write_report,
)
from dvc_common.protocol import DeviceCondition, DeviceKind

WRITTEN = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
PAPER_OUT = {DeviceKind.PRINTER: DeviceCondition.PAPER_OUT, DeviceKind.SCANNER: DeviceCondition.OK}
ALL_UNKNOWN = dict.fromkeys(DeviceKind, DeviceCondition.UNKNOWN)


def test_a_current_report_gives_its_devices_and_unknown_for_those_it_leaves_out(
    tmp_path: Path,
) -> None:
    path = report_path(tmp_path)
    write_report(path, PAPER_OUT, WRITTEN)
    reading = read_report(path, WRITTEN + timedelta(seconds=60))
    assert reading.state is ReportState.CURRENT and reading.app_running
    assert reading.age_s == 60
    assert reading.conditions() == {
        DeviceKind.PRINTER: DeviceCondition.PAPER_OUT,
        DeviceKind.SCANNER: DeviceCondition.OK,
        DeviceKind.QR_READER: DeviceCondition.UNKNOWN,
    }


def test_an_old_report_says_nothing_of_the_devices(tmp_path: Path) -> None:
    path = report_path(tmp_path)
    write_report(path, PAPER_OUT, WRITTEN)
    late = read_report(path, WRITTEN + timedelta(seconds=STALE_AFTER_S + 1))
    assert late.state is ReportState.STALE and not late.app_running
    assert late.conditions() == ALL_UNKNOWN
    # From the future (the clock was set back since): not trusted either.
    early = read_report(path, WRITTEN - timedelta(seconds=STALE_AFTER_S + 1))
    assert early.state is ReportState.STALE


def test_a_report_whose_writer_died_says_nothing_at_once(tmp_path: Path) -> None:
    path = report_path(tmp_path)
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    write_report(path, PAPER_OUT, WRITTEN, pid=int(child.stdout))  # that process is gone
    reading = read_report(path, WRITTEN)
    assert reading.state is ReportState.WRITER_GONE
    assert reading.conditions() == ALL_UNKNOWN


def test_no_report_or_a_garbled_one(tmp_path: Path) -> None:
    path = report_path(tmp_path)
    assert read_report(path, WRITTEN).state is ReportState.ABSENT
    for garbage in (b"not json", b"[]", b'{"version": 2}', b"{" + b" " * 5000 + b"}"):
        path.write_bytes(garbage)
        assert read_report(path, WRITTEN).state is ReportState.UNREADABLE, garbage
    write_report(path, PAPER_OUT, WRITTEN)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["written_at"] = "2026-12-07T08:00:00"  # no offset: cannot be compared
    path.write_text(json.dumps(data), encoding="utf-8")
    assert read_report(path, WRITTEN).state is ReportState.UNREADABLE


def test_a_newer_apps_words_are_unknown_and_its_other_devices_ignored(tmp_path: Path) -> None:
    path = report_path(tmp_path)
    write_report(path, PAPER_OUT, WRITTEN)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["devices"] = {"printer": "smoking", "coffee_machine": "ok", "qr_reader": "ok"}
    path.write_text(json.dumps(data), encoding="utf-8")
    reading = read_report(path, WRITTEN)
    assert reading.devices == {
        DeviceKind.PRINTER: DeviceCondition.UNKNOWN,
        DeviceKind.QR_READER: DeviceCondition.OK,
    }


def test_only_the_writer_removes_its_report(tmp_path: Path) -> None:
    path = report_path(tmp_path)
    write_report(path, PAPER_OUT, WRITTEN, pid=1)  # another running process's (init's)
    remove_report(path)
    assert path.exists()
    write_report(path, PAPER_OUT, WRITTEN)
    remove_report(path)
    assert not path.exists()
