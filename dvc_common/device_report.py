"""The device report: how the touchscreen app tells the sync process what its devices are doing.

The app holds the printer, the scanner and the QR reader; the sync process sends the
heartbeats. They are separate processes (``offline_queue`` may not import the drivers), so the
app writes a small JSON file into the scratch directory (``settings.paths.scratch_dir``, tmpfs
on the appliance, shared by both processes) whenever a device's condition changes and at least
every ``REPORT_EVERY_S``; the sync process reads it for each heartbeat.

A report is current only while it is younger than ``STALE_AFTER_S`` and the process that wrote
it is alive (its PID and start time, as the markers of ``dvc_common.markers`` hold them): an app
that crashed, hangs or was stopped leaves a report that says nothing of the devices now, and the
heartbeat must then say "not known, and the app is not running" rather than repeat it.

Content, one JSON object::

    {"version": 1, "written_at": "2026-12-06T10:00:00+00:00", "pid": 1234,
     "start_ticks": 567890, "devices": {"printer": "paper_out", "scanner": "ok", ...}}

Keys are ``DeviceKind`` values and values ``DeviceCondition`` values; a reader ignores keys it
does not know and reads a value it does not know as ``UNKNOWN`` (a newer app may say more).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Final

from dvc_common.markers import process_alive, start_ticks
from dvc_common.protocol import DeviceCondition, DeviceKind

REPORT_FILE: Final = "device-report.json"
REPORT_VERSION: Final = 1
REPORT_EVERY_S: Final = 30.0
# Six missed writes: a GUI thread stalled for a few minutes is not yet "not running" (systemd's
# watchdog restarts a hung app within WatchdogSec), while a heartbeat every 5 minutes never
# repeats a report older than its own interval.
STALE_AFTER_S: Final = 180.0
_MAX_BYTES = 4096  # a report is about 200 bytes; anything larger is not one
_KINDS = frozenset(kind.value for kind in DeviceKind)
_CONDITIONS = frozenset(condition.value for condition in DeviceCondition)


class ReportState(StrEnum):
    """What the sync process found when it looked for the app's report."""

    CURRENT = "current"
    ABSENT = "absent"  # no file: the app has not run since boot, or it stopped cleanly
    STALE = "stale"  # older than STALE_AFTER_S: the app stopped writing
    WRITER_GONE = "writer_gone"  # the process that wrote it is no longer running
    UNREADABLE = "unreadable"  # not a report (garbled, another version, no permission)


@dataclass(frozen=True)
class DeviceReading:
    """The app's report as the sync process reads it for one heartbeat."""

    state: ReportState
    devices: dict[DeviceKind, DeviceCondition] = field(default_factory=dict)
    age_s: float | None = None

    @property
    def app_running(self) -> bool:
        return self.state is ReportState.CURRENT

    def conditions(self) -> dict[DeviceKind, DeviceCondition]:
        """Every device kind with its condition: what the report says when it is current (a
        device it leaves out is UNKNOWN), else UNKNOWN for all: nothing is known of them."""
        known = self.devices if self.app_running else {}
        return {kind: known.get(kind, DeviceCondition.UNKNOWN) for kind in DeviceKind}


def report_path(scratch_dir: Path) -> Path:
    return scratch_dir / REPORT_FILE


def write_report(
    path: Path,
    devices: Mapping[DeviceKind, DeviceCondition],
    written_at: datetime,
    *,
    pid: int | None = None,
) -> None:
    """Replace the report atomically (a reader never sees half of one); OSError when it cannot.
    Not fsynced: it lives on tmpfs, and after a power cut no app it could describe is running."""
    pid = os.getpid() if pid is None else pid
    body = {
        "version": REPORT_VERSION,
        "written_at": written_at.isoformat(),
        "pid": pid,
        "start_ticks": start_ticks(pid),
        "devices": {kind.value: condition.value for kind, condition in sorted(devices.items())},
    }
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle)
            handle.write("\n")
        Path(tmp_name).chmod(0o644)  # the technician may read it; it names no one
        Path(tmp_name).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp_name).unlink()
        raise


def remove_report(path: Path, *, pid: int | None = None) -> None:
    """Remove the report if this process (``pid``) wrote it: an app that stops cleanly leaves no
    report behind, and never removes another running app's."""
    pid = os.getpid() if pid is None else pid
    try:
        data = json.loads(path.read_bytes()[:_MAX_BYTES])
    except (OSError, ValueError):
        return
    if isinstance(data, dict) and data.get("pid") == pid:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_report(
    path: Path, now: datetime, *, stale_after_s: float = STALE_AFTER_S
) -> DeviceReading:
    """What the report at ``path`` says at ``now`` (an aware time); never raises."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return DeviceReading(ReportState.ABSENT)
    except OSError:
        return DeviceReading(ReportState.UNREADABLE)
    try:
        data = json.loads(raw) if len(raw) <= _MAX_BYTES else None
        written_at = datetime.fromisoformat(data["written_at"]) if isinstance(data, dict) else None
    except (ValueError, TypeError, KeyError):
        return DeviceReading(ReportState.UNREADABLE)
    if (
        not isinstance(data, dict)
        or data.get("version") != REPORT_VERSION
        or written_at is None
        or written_at.tzinfo is None
        or not isinstance(data.get("devices"), dict)
    ):
        return DeviceReading(ReportState.UNREADABLE)
    age = (now - written_at).total_seconds()
    devices: dict[DeviceKind, DeviceCondition] = {}
    for key, value in data["devices"].items():
        if key in _KINDS:
            known = value in _CONDITIONS
            devices[DeviceKind(key)] = DeviceCondition(value) if known else DeviceCondition.UNKNOWN
    pid = _int(data.get("pid"))
    if pid is None or not process_alive(pid, _int(data.get("start_ticks"))):
        return DeviceReading(ReportState.WRITER_GONE, devices, age)
    # A report from the future (the clock was set back) is as old as it can be trusted: not.
    if age > stale_after_s or age < -stale_after_s:
        return DeviceReading(ReportState.STALE, devices, age)
    return DeviceReading(ReportState.CURRENT, devices, age)
