"""Marker files that say "this process is busy with something right now", and die with it.

The appliance's processes leave such markers in the scratch directory (tmpfs) for whoever must
not disturb them: the touchscreen app while a citizen's session is open, the sync process while
a dossier is being sent; ``kiosk maintenance check`` reads them before an upgrade.

A process that crashes cannot remove its marker, so a marker counts only while the process it
names is alive: it holds the writer's PID and that process's start time (``/proc/PID/stat``),
and a reader treats a marker whose PID is gone, a zombie, or a different process that reused
the number, as absent. So is a file that is no marker (not JSON, no PID): nothing would ever
remove it, and upgrades must not be blocked for ever. A marker that exists but cannot be read
(permissions, I/O) raises OSError: the reader cannot tell, which is not "absent".

Content, one JSON object: ``{"pid": 1234, "start_ticks": 567890, "since": "2026-12-06T…"}``
(``start_ticks``: clock ticks since boot, as the kernel reports; ``since``: when it was written,
for the technician who reads it).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class MarkerHolder:
    """The live process a marker names."""

    pid: int
    since: str


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """The process's state letter and start time in clock ticks, or None when unknown."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces or ')': split after the
    # last one. Then field 3 (the state) is first and field 22 (starttime) is the 20th.
    fields = text[text.rfind(")") + 2 :].split()
    try:
        return fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


def start_ticks(pid: int) -> int | None:
    """When the process started (clock ticks since boot), or None when it cannot be told."""
    stat = _proc_stat(pid)
    return None if stat is None else stat[1]


def process_alive(pid: int, started: int | None = None) -> bool:
    """Whether ``pid`` is a running process (not a zombie) and, when ``started`` is given, the
    same one that started then (a PID is reused once its process is gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, and belongs to someone else
    stat = _proc_stat(pid)
    if stat is None:
        return True  # no /proc to ask: the signal check is all there is
    state, ticks = stat
    if state == "Z":
        return False  # dead, waiting for its parent to reap it
    return started is None or ticks == started


def _read(path: Path) -> tuple[int, int | None, str] | None:
    """The marker's PID, start time and date; None when there is none or it is not a marker.
    A marker that exists but cannot be read (permissions, I/O) raises OSError: the reader
    cannot tell, which is not the same as "absent"."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    pid, ticks, since = data.get("pid"), data.get("start_ticks"), data.get("since", "")
    if not isinstance(pid, int) or isinstance(pid, bool):
        return None
    if ticks is not None and (not isinstance(ticks, int) or isinstance(ticks, bool)):
        return None
    return pid, ticks, str(since)


def live_marker(path: Path) -> MarkerHolder | None:
    """The process holding the marker at ``path``, or None when there is no live one; OSError
    when the marker exists but cannot be read."""
    found = _read(path)
    if found is None:
        return None
    pid, ticks, since = found
    return MarkerHolder(pid, since) if process_alive(pid, ticks) else None


def write_marker(path: Path, since: datetime, *, pid: int | None = None) -> None:
    """Say that process ``pid`` (this one by default) is busy; raises OSError when it cannot.

    Replaced atomically (a reader never sees half a marker); not fsynced: it lives on tmpfs,
    and after a power cut no process it could name is alive anyway."""
    pid = os.getpid() if pid is None else pid
    body = {"pid": pid, "start_ticks": start_ticks(pid), "since": since.isoformat()}
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle)
            handle.write("\n")
        # Readable by the technician and by root's maintenance check (which can read it anyway).
        Path(tmp_name).chmod(0o644)
        Path(tmp_name).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp_name).unlink()
        raise


def remove_marker(path: Path, *, pid: int | None = None) -> bool:
    """Remove the marker if it is this process's (``pid``) or names no live process; a live
    other process's marker stays. True when no marker of ours or a dead one is left."""
    pid = os.getpid() if pid is None else pid
    found = _read(path)
    if found is not None and found[0] != pid and process_alive(found[0], found[1]):
        return False
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True
