"""The screen router: the one place that decides which screen the kiosk shows, without Qt.

The kiosk is always in one *mode* (``Mode``); ``MODES`` says per mode which screen shows, what
a QR code read in it is for and what being left alone does; ``TRANSITIONS`` lists every move
between modes. Listeners hear ``left`` then ``entered`` on every move, ``wiped`` when idle time
wiped a mode, ``shown`` when the screen changes (as qutebrowser's mode manager does), and
``moved`` once a move between modes is complete and its screen shows.

* ATTRACT: the home screen, nobody in a session. Left alone, its choices (language, search)
  are wiped for the next citizen.
* JOURNEY: a citizen's session; the screen follows the journey's state (``JOURNEY_SCREENS``),
  and the journey itself warns and then wipes the session when it is left alone
  (``kiosk.journey``). The session ending, for whatever reason, goes back to ATTRACT.
* LOOKUP: the status lookup from a slip's code; left alone it closes (back to ATTRACT, the
  lookup's answer wiped by whoever listens to its ``left``).

* TECH_ENTRY: the technician's way in (PIN pad, or a badge held to the QR reader), opened by a
  hidden gesture from any mode. The citizen's session, if any, is left as it was: closing the
  entry, or leaving it alone, returns to it. Only a granted entry ends the session (the screens'
  view-model wipes it as on idle, then moves here).
* TECHNICIAN: the technician's screens; locked (back to ATTRACT) after the configured quiet time
  or on leaving. Codes read here go to the reader test.
* SETUP: the first-run set-up of a kiosk that is not enrolled yet (a new appliance, or one whose
  configuration was lost): the technician's entry, which takes the gateway's enrolment code at
  the reader, with no way back to the citizen screens and no idle time; a dossier taken now
  could go nowhere. Every move that would reach ATTRACT reaches SETUP instead while the kiosk
  still needs it (``needs_setup``); enrolment restarts the app, which then starts in ATTRACT.
Single-threaded: it is driven from the thread that drives the journey.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from dvc_common.clock import Clock
from kiosk.journey import Journey, QrScanned, Snapshot, State, Tick

log = logging.getLogger(__name__)

LOOKUP_IDLE_S = 60.0  # the status lookup closes by itself when nobody touches it
ENTRY_IDLE_S = 60.0  # the technician's PIN pad closes by itself (a citizen found the gesture)


class Screen(StrEnum):
    """The QML screens (file ``screens/<value>Screen.qml``)."""

    HOME = "Home"
    PROCEDURES = "Procedures"
    DETAILS = "Details"
    IDENTIFY = "Identify"
    CARD_CHECK = "CardCheck"
    FORM = "Form"
    SCAN = "Scan"
    REVIEW = "Review"
    CONFIRM = "Confirm"
    DONE = "Done"
    LOOKUP = "Lookup"
    TECH_ENTRY = "TechEntry"
    TECHNICIAN = "Technician"


# The journey's screen per journey state; the idle warning shows over the screen it interrupts.
JOURNEY_SCREENS: dict[State, Screen] = {
    State.ATTRACT: Screen.HOME,
    State.CHOOSE_PROCEDURE: Screen.PROCEDURES,
    State.PROCEDURE_DETAILS: Screen.DETAILS,
    State.IDENTIFY: Screen.IDENTIFY,
    State.IDENTITY_CHECK: Screen.CARD_CHECK,
    State.FORM: Screen.FORM,
    State.SCAN: Screen.SCAN,
    State.REVIEW: Screen.REVIEW,
    State.CONFIRM: Screen.CONFIRM,
    State.SUBMITTING: Screen.CONFIRM,
    State.DONE: Screen.DONE,
}


class Mode(StrEnum):
    ATTRACT = "attract"
    JOURNEY = "journey"
    LOOKUP = "lookup"
    TECH_ENTRY = "tech_entry"
    TECHNICIAN = "technician"
    SETUP = "setup"


class Trigger(StrEnum):
    """What moves the router from one mode to another."""

    SESSION_STARTED = "session_started"
    SESSION_ENDED = "session_ended"  # finished, cancelled or wiped by the journey
    OPEN_LOOKUP = "open_lookup"
    CLOSE_LOOKUP = "close_lookup"
    OPEN_TECHNICIAN = "open_technician"  # the hidden gesture
    TECHNICIAN_GRANTED = "technician_granted"  # a right PIN or a valid badge
    CLOSE_TECHNICIAN = "close_technician"  # the entry closed, or the technician left
    IDLE = "idle"  # nobody touched the kiosk for the mode's idle time


class IdleRule(StrEnum):
    """What being left alone does in a mode."""

    JOURNEY_COUNTS = "journey_counts"  # the journey warns, counts down and wipes by itself
    SESSION_IDLE = "session_idle"  # after the session's idle time (settings), an IDLE trigger
    LOOKUP_IDLE = "lookup_idle"  # after LOOKUP_IDLE_S, an IDLE trigger
    ENTRY_IDLE = "entry_idle"  # after ENTRY_IDLE_S, an IDLE trigger
    TECHNICIAN_IDLE = "technician_idle"  # after the quiet-lock time (settings), an IDLE trigger
    NEVER = "never"  # stays until something else moves it


class CodeUse(StrEnum):
    """What a QR code read in a mode is for."""

    IGNORED = "ignored"
    LOGIN = "login"  # the citizen's ID card, when the journey is on its identify step
    LOOKUP = "lookup"  # a slip's code
    TECHNICIAN = "technician"  # a badge at the entry, the reader test in technician mode


@dataclass(frozen=True)
class ModeSpec:
    screen: Screen | None  # None: the journey's state decides (JOURNEY_SCREENS)
    idle: IdleRule
    codes: CodeUse


MODES: dict[Mode, ModeSpec] = {
    Mode.ATTRACT: ModeSpec(Screen.HOME, IdleRule.SESSION_IDLE, CodeUse.IGNORED),
    Mode.JOURNEY: ModeSpec(None, IdleRule.JOURNEY_COUNTS, CodeUse.LOGIN),
    Mode.LOOKUP: ModeSpec(Screen.LOOKUP, IdleRule.LOOKUP_IDLE, CodeUse.LOOKUP),
    Mode.TECH_ENTRY: ModeSpec(Screen.TECH_ENTRY, IdleRule.ENTRY_IDLE, CodeUse.TECHNICIAN),
    Mode.TECHNICIAN: ModeSpec(Screen.TECHNICIAN, IdleRule.TECHNICIAN_IDLE, CodeUse.TECHNICIAN),
    Mode.SETUP: ModeSpec(Screen.TECH_ENTRY, IdleRule.NEVER, CodeUse.TECHNICIAN),
}

TRANSITIONS: dict[tuple[Mode, Trigger], Mode] = {
    (Mode.ATTRACT, Trigger.SESSION_STARTED): Mode.JOURNEY,
    (Mode.ATTRACT, Trigger.OPEN_LOOKUP): Mode.LOOKUP,
    (Mode.ATTRACT, Trigger.IDLE): Mode.ATTRACT,  # a wipe of the home screen's choices
    (Mode.JOURNEY, Trigger.SESSION_ENDED): Mode.ATTRACT,
    (Mode.LOOKUP, Trigger.CLOSE_LOOKUP): Mode.ATTRACT,
    (Mode.LOOKUP, Trigger.IDLE): Mode.ATTRACT,
    # A session cannot be started from behind the lookup screen; if one is, it shows.
    (Mode.LOOKUP, Trigger.SESSION_STARTED): Mode.JOURNEY,
    (Mode.ATTRACT, Trigger.OPEN_TECHNICIAN): Mode.TECH_ENTRY,
    (Mode.JOURNEY, Trigger.OPEN_TECHNICIAN): Mode.TECH_ENTRY,
    (Mode.LOOKUP, Trigger.OPEN_TECHNICIAN): Mode.TECH_ENTRY,
    (Mode.TECH_ENTRY, Trigger.TECHNICIAN_GRANTED): Mode.TECHNICIAN,
    # Back to the home screen; a citizen's session still open behind the entry then shows again
    # (ScreenRouter resyncs with the journey after these).
    (Mode.TECH_ENTRY, Trigger.CLOSE_TECHNICIAN): Mode.ATTRACT,
    (Mode.TECH_ENTRY, Trigger.IDLE): Mode.ATTRACT,
    (Mode.TECHNICIAN, Trigger.CLOSE_TECHNICIAN): Mode.ATTRACT,
    (Mode.TECHNICIAN, Trigger.IDLE): Mode.ATTRACT,  # the quiet lock
    # A PIN set before enrolment (kiosk config set-pin) opens the technician's screens too.
    (Mode.SETUP, Trigger.TECHNICIAN_GRANTED): Mode.TECHNICIAN,
}

_WIPES_HOME = (Mode.LOOKUP, Mode.TECHNICIAN)
# The modes that show the technician's entry.
ENTRY_MODES = frozenset({Mode.TECH_ENTRY, Mode.SETUP})

T = TypeVar("T")


class Notifier(Generic[T]):
    """A plain-Python signal: listeners are called in the order they were connected."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[T], object]] = []

    def connect(self, listener: Callable[[T], object]) -> None:
        self._listeners.append(listener)

    def emit(self, value: T) -> None:
        for listener in list(self._listeners):
            listener(value)


class ScreenRouter:
    """See the module docstring.

    ``lookup_codes`` hears the text of every code read while the lookup shows; ``forget_codes``
    tells the QR reader to report a code it has just seen again (a code-reading screen appeared).
    """

    def __init__(
        self,
        journey: Journey,
        clock: Clock,
        *,
        attract_idle_s: float,
        forget_codes: Callable[[], object],
        lookup_idle_s: float = LOOKUP_IDLE_S,
        technician_idle_s: float = 300.0,
        needs_setup: Callable[[], bool] = lambda: False,
    ) -> None:
        self._journey = journey
        self._needs_setup = needs_setup
        self._clock = clock
        self._forget_codes = forget_codes
        self._idle_limits: dict[IdleRule, float | None] = {
            IdleRule.JOURNEY_COUNTS: None,
            IdleRule.SESSION_IDLE: attract_idle_s,
            IdleRule.LOOKUP_IDLE: lookup_idle_s,
            IdleRule.ENTRY_IDLE: ENTRY_IDLE_S,
            IdleRule.TECHNICIAN_IDLE: technician_idle_s,
            IdleRule.NEVER: None,
        }
        snapshot = journey.snapshot()
        self._journey_state = snapshot.state
        self._journey_screen = self._screen_for(snapshot)
        self._mode = Mode.JOURNEY if snapshot.session_id is not None else self._home()
        self._screen = self._current_screen()
        self._reading = self._codes_count()
        self._quiet_since = clock.monotonic()
        self.entered: Notifier[Mode] = Notifier()
        self.left: Notifier[Mode] = Notifier()
        self.wiped: Notifier[Mode] = Notifier()
        self.shown: Notifier[Screen] = Notifier()
        # After a move is complete and its screen shows: (the mode left, the mode entered).
        self.moved: Notifier[tuple[Mode, Mode]] = Notifier()
        self.lookup_codes: Notifier[str] = Notifier()
        self.technician_codes: Notifier[str] = Notifier()

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def screen(self) -> Screen:
        return self._screen

    @property
    def at_entry(self) -> bool:
        """Whether the technician's entry shows (opened by the gesture, or the first-run set-up)."""
        return self._mode in ENTRY_MODES

    @property
    def in_session(self) -> bool:
        """Whether a citizen's session is open (perhaps behind the technician's entry)."""
        return self._journey.snapshot().session_id is not None

    # --- inputs -----------------------------------------------------------------------------------

    def on_snapshot(self, _: Snapshot) -> None:
        """The journey moved. Read afresh: a listener before this one may have dispatched a
        newer event, whose snapshot has already been here."""
        snapshot = self._journey.snapshot()
        self._journey_state = snapshot.state
        self._journey_screen = self._screen_for(snapshot)
        in_session = snapshot.session_id is not None
        if in_session and self._mode is not Mode.JOURNEY:
            self.trigger(Trigger.SESSION_STARTED)
        elif not in_session and self._mode is Mode.JOURNEY:
            self.trigger(Trigger.SESSION_ENDED)
        self._refresh_screen()
        self._refresh_reading()

    def touch(self) -> None:
        """Someone is at the kiosk (the journey hears its own ``Touch``)."""
        self._quiet_since = self._clock.monotonic()

    def tick(self) -> None:
        """Called about once a second: the journey counts its idle time, the router the rest."""
        self._journey.dispatch(Tick())
        limit = self._idle_limits[MODES[self._mode].idle]
        if limit is not None and self._clock.monotonic() - self._quiet_since > limit:
            self.trigger(Trigger.IDLE)

    def open_lookup(self) -> bool:
        return self.trigger(Trigger.OPEN_LOOKUP)

    def close_lookup(self) -> bool:
        return self.trigger(Trigger.CLOSE_LOOKUP)

    def read_code(self, payload: bytes) -> None:
        """A QR code was read: it goes where the current mode says, or nowhere."""
        use = MODES[self._mode].codes
        if use is CodeUse.LOOKUP:
            self.touch()
            self.lookup_codes.emit(payload.decode("utf-8", errors="replace"))
        elif use is CodeUse.TECHNICIAN:
            self.touch()
            self.technician_codes.emit(payload.decode("utf-8", errors="replace"))
        elif self._codes_count():
            self._journey.dispatch(QrScanned(payload))
        else:
            log.debug("QR read ignored in mode %s", self._mode.value)

    def _home(self) -> Mode:
        """Where the kiosk rests: the home screen, or the set-up while it is not enrolled."""
        return Mode.SETUP if self._needs_setup() else Mode.ATTRACT

    def trigger(self, trigger: Trigger) -> bool:
        """Move along ``TRANSITIONS``; False (and nothing happens) when the table has no row."""
        target = TRANSITIONS.get((self._mode, trigger))
        if target is None:
            return False
        if target is Mode.ATTRACT:
            target = self._home()
        before = self._mode
        self._quiet_since = self._clock.monotonic()
        if trigger is Trigger.IDLE:
            log.info("router: %s wiped after idle time", before.value)
            self.wiped.emit(before)
        if target is not before:
            log.info("router: %s -> %s on %s", before.value, target.value, trigger.value)
            self.left.emit(before)
            self._mode = target
            self.entered.emit(target)
            self._refresh_screen()
            self._refresh_reading()
            self.moved.emit((before, target))
            if trigger is Trigger.IDLE and target is Mode.ATTRACT and before in _WIPES_HOME:
                # Whoever walked away from the lookup (or the technician's screens) also left the
                # home screen's choices (language, search) behind: they go now, not one more idle
                # period later. Not from the entry: a citizen's session may be open behind it.
                self.wiped.emit(Mode.ATTRACT)
            if before is Mode.TECH_ENTRY and target is Mode.ATTRACT:
                # The entry closed over a citizen's session that is still open: it shows again.
                self.on_snapshot(self._journey.snapshot())
        return True

    # --- the screen -------------------------------------------------------------------------------

    @staticmethod
    def _screen_for(snapshot: Snapshot) -> Screen:
        state = snapshot.resume_state if snapshot.state is State.IDLE_WARNING else snapshot.state
        return JOURNEY_SCREENS.get(state or State.ATTRACT, Screen.HOME)

    def _current_screen(self) -> Screen:
        return MODES[self._mode].screen or self._journey_screen

    def _refresh_screen(self) -> None:
        screen = self._current_screen()
        if screen is self._screen:
            return
        self._screen = screen
        self.shown.emit(screen)

    # --- the codes --------------------------------------------------------------------------------

    def _codes_count(self) -> bool:
        """Whether a code read now is used: always in the lookup, for login only on the QR
        step (not under the idle warning drawn over it)."""
        use = MODES[self._mode].codes
        return use is CodeUse.LOOKUP or (
            use is CodeUse.LOGIN and self._journey_state is State.IDENTIFY
        )

    def _refresh_reading(self) -> None:
        # A code held up while codes did not count was seen and ignored: once they count again
        # (the QR step or the lookup appears, the idle warning over the QR step goes), the
        # reader is told to report it again.
        reading = self._codes_count()
        if reading and not self._reading:
            self._forget_codes()
        self._reading = reading
