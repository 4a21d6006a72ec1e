"""Whether now is a moment to upgrade (or otherwise disturb) the kiosk: ``kiosk maintenance
check``, run as root from ``ExecCondition=`` of apt's ``apt-daily-upgrade.service``.

Two things make it a bad moment, each told by a PID marker in the scratch directory
(``settings.paths.scratch_dir``, tmpfs; ``dvc_common.markers``: a marker whose process died
does not count, so a crash never blocks upgrades for good):

- ``session-active``: the touchscreen app has a citizen's session open, from leaving the home
  screen until the session ends or is wiped (``SessionMarker``, kept by the app);
- ``sync-busy``: the sync process is sending a dossier right now (``offline_queue.busy``). Not
  "the outbox is empty": a kiosk whose link is dead keeps dossiers for days and must still be
  upgraded.

Qt-free: the app wires ``SessionMarker`` to the journey, the CLI calls ``check_window`` and
``wait_for_window``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from dvc_common.clock import Clock
from dvc_common.markers import live_marker, remove_marker, write_marker
from offline_queue.busy import SYNC_BUSY_MARKER

log = logging.getLogger(__name__)

SESSION_MARKER = "session-active"
WAIT_POLL_S = 1.0  # how often ``--wait`` looks again


class Busy(StrEnum):
    """What makes it a bad moment."""

    CITIZEN_SESSION = "citizen_session"
    TRANSFER = "transfer"


# The technician's words for each (the CLI's output is English, as ``kiosk doctor``'s).
REASONS: dict[Busy, str] = {
    Busy.CITIZEN_SESSION: "a citizen session is open",
    Busy.TRANSFER: "a dossier is being sent to the gateway",
}
MARKERS: dict[Busy, str] = {
    Busy.CITIZEN_SESSION: SESSION_MARKER,
    Busy.TRANSFER: SYNC_BUSY_MARKER,
}


@dataclass(frozen=True)
class WindowCheck:
    busy: tuple[Busy, ...]

    @property
    def clear(self) -> bool:
        return not self.busy

    def line(self) -> str:
        """One line for the journal: ``ok: …`` or ``not now: <reason>[; <reason>]``."""
        if self.clear:
            return "ok: no citizen session is open and no dossier is being sent"
        return "not now: " + "; ".join(REASONS[b] for b in self.busy)


def check_window(scratch_dir: Path) -> WindowCheck:
    """What the markers in ``scratch_dir`` say now."""
    return WindowCheck(
        tuple(busy for busy, name in MARKERS.items() if live_marker(scratch_dir / name))
    )


def wait_for_window(
    scratch_dir: Path,
    timeout_s: float,
    *,
    monotonic: Callable[[], float],
    pause: Callable[[float], object],
    poll_s: float = WAIT_POLL_S,
) -> WindowCheck:
    """Look every ``poll_s`` until the moment is clear or ``timeout_s`` has passed; the last
    look. ``pause(seconds)`` waits (the CLI: an Event's wait; tests: a clock moved by hand)."""
    deadline = monotonic() + max(0.0, timeout_s)
    while True:
        found = check_window(scratch_dir)
        left = deadline - monotonic()
        if found.clear or left <= 0 or math.isnan(left):
            return found
        pause(min(poll_s, left))


class SessionMarker:
    """``session-active`` in the scratch directory while a citizen's session is open; the app
    calls ``update`` after every journey event and ``close`` when it ends.

    Failing to write the marker (a read-only scratch directory) is logged once and otherwise
    ignored: the citizen in front of the screen matters more than the upgrade's courtesy."""

    def __init__(self, scratch_dir: Path, clock: Clock) -> None:
        self.path = scratch_dir / SESSION_MARKER
        self._clock = clock
        self._open = False
        self._warned = False
        # A marker left by a crashed app, or by this very process before it re-executed itself
        # (same PID, same start time): no session is open at start.
        self._apply(remove_marker, self.path)

    @property
    def open(self) -> bool:
        return self._open

    def update(self, session_open: bool) -> None:
        if session_open == self._open:
            return
        self._open = session_open
        if session_open:
            self._apply(lambda path: write_marker(path, self._clock.now()), self.path)
        else:
            self._apply(remove_marker, self.path)

    def close(self) -> None:
        """The app is ending: whatever it had open is wiped with it."""
        self._open = False
        self._apply(remove_marker, self.path)

    def _apply(self, action: Callable[[Path], object], path: Path) -> None:
        try:
            action(path)
        except OSError as exc:
            if not self._warned:
                self._warned = True
                log.warning("cannot keep the %s marker: %s", path, exc)
