"""The screen router without Qt: its table, the journey's screens, the lookup, the codes each
mode takes, entered/left/wiped notifications and the idle wipe from every mode."""

from __future__ import annotations

import pytest

from kiosk.journey import (
    Back,
    Cancel,
    ChooseProcedure,
    Proceed,
    QrScanned,
    Start,
    State,
    Touch,
)
from kiosk.router import (
    ENTRY_IDLE_S,
    JOURNEY_SCREENS,
    LOOKUP_IDLE_S,
    MODES,
    TRANSITIONS,
    Mode,
    Screen,
    ScreenRouter,
    Trigger,
)
from tests.kiosk.conftest import FEMALE_QR, Harness
from tests.kiosk.test_journey import BIRTH, COUNTDOWN, WARN_AFTER, drive_to


class Heard:
    """Everything the router told its listeners, in order."""

    def __init__(self, router: ScreenRouter) -> None:
        self.events: list[tuple[str, str]] = []
        self.codes: list[str] = []
        self.forgotten = 0
        router.entered.connect(lambda mode: self.events.append(("entered", mode.value)))
        router.left.connect(lambda mode: self.events.append(("left", mode.value)))
        router.wiped.connect(lambda mode: self.events.append(("wiped", mode.value)))
        router.shown.connect(lambda screen: self.events.append(("shown", screen.value)))
        router.lookup_codes.connect(self.codes.append)

    def take(self) -> list[tuple[str, str]]:
        events, self.events = self.events, []
        return events


def routed(h: Harness) -> tuple[ScreenRouter, Heard]:
    heard: Heard | None = None

    def forget() -> None:
        assert heard is not None
        heard.forgotten += 1

    router = ScreenRouter(h.kiosk.journey, h.clock, attract_idle_s=WARN_AFTER, forget_codes=forget)
    heard = Heard(router)
    h.kiosk.journey.subscribe(router.on_snapshot)
    return router, heard


def test_the_table_is_whole() -> None:
    assert set(MODES) == set(Mode)
    assert {mode for mode, _ in TRANSITIONS} | set(TRANSITIONS.values()) <= set(Mode)
    shown = {spec.screen for spec in MODES.values() if spec.screen} | set(JOURNEY_SCREENS.values())
    assert shown == set(Screen)  # every screen is reachable, none is left over
    assert State.IDLE_WARNING not in JOURNEY_SCREENS  # the warning shows over its screen


def test_the_journey_s_screens_follow_its_state(harness: Harness) -> None:
    router, heard = routed(harness)
    assert (router.mode, router.screen) == (Mode.ATTRACT, Screen.HOME)
    drive_to(harness, State.CHOOSE_PROCEDURE)
    assert (router.mode, router.screen) == (Mode.JOURNEY, Screen.PROCEDURES)
    assert heard.take() == [("left", "attract"), ("entered", "journey"), ("shown", "Procedures")]
    journey = harness.kiosk.journey
    journey.dispatch(ChooseProcedure(BIRTH))
    journey.dispatch(Proceed())
    assert router.screen is Screen.IDENTIFY
    assert heard.forgotten == 1  # a code held up too early is read again here
    journey.dispatch(QrScanned(FEMALE_QR.encode()))
    assert router.screen is Screen.CARD_CHECK
    journey.dispatch(Proceed())
    assert router.screen is Screen.FORM
    assert [event for event, _ in heard.take()] == ["shown"] * 4


def test_the_idle_warning_shows_over_the_screen_it_interrupts_then_wipes(
    harness: Harness,
) -> None:
    router, heard = routed(harness)
    drive_to(harness, State.FORM)
    heard.take()
    harness.clock.advance(WARN_AFTER)
    router.tick()
    assert harness.kiosk.journey.state is State.IDLE_WARNING
    assert (router.mode, router.screen) == (Mode.JOURNEY, Screen.FORM)
    harness.clock.advance(COUNTDOWN)
    router.tick()
    assert (router.mode, router.screen) == (Mode.ATTRACT, Screen.HOME)
    assert heard.take() == [("left", "journey"), ("entered", "attract"), ("shown", "Home")]
    assert harness.kiosk.journey.snapshot().session_id is None  # the session's data is gone


def test_a_code_held_up_during_the_warning_over_the_qr_screen_is_read_after_it(
    harness: Harness,
) -> None:
    router, heard = routed(harness)
    drive_to(harness, State.IDENTIFY)
    forgotten = heard.forgotten
    harness.clock.advance(WARN_AFTER)
    router.tick()
    assert harness.kiosk.journey.state is State.IDLE_WARNING
    assert router.screen is Screen.IDENTIFY  # the warning is drawn over the QR screen
    harness.kiosk.journey.dispatch(Touch())
    assert harness.kiosk.journey.state is State.IDENTIFY
    assert heard.forgotten == forgotten + 1  # the reader reports the held card again


@pytest.mark.parametrize("leave", [Cancel(), Back()], ids=["cancel", "back"])
def test_a_session_ending_any_way_goes_home(harness: Harness, leave: object) -> None:
    router, _ = routed(harness)
    harness.kiosk.journey.dispatch(Start())
    harness.kiosk.journey.dispatch(leave)  # type: ignore[arg-type]
    assert (router.mode, router.screen) == (Mode.ATTRACT, Screen.HOME)


def test_the_lookup_opens_only_from_home_and_closes_back_to_it(harness: Harness) -> None:
    router, heard = routed(harness)
    assert router.open_lookup()
    assert (router.mode, router.screen) == (Mode.LOOKUP, Screen.LOOKUP)
    assert heard.forgotten == 1
    assert heard.take() == [("left", "attract"), ("entered", "lookup"), ("shown", "Lookup")]
    assert router.close_lookup()
    assert router.screen is Screen.HOME
    harness.kiosk.journey.dispatch(Start())
    assert not router.open_lookup()  # not in the middle of a citizen's session
    assert router.mode is Mode.JOURNEY


def test_the_lookup_left_alone_closes_and_touches_keep_it(harness: Harness) -> None:
    router, heard = routed(harness)
    router.open_lookup()
    heard.take()
    harness.clock.advance(LOOKUP_IDLE_S - 1)
    router.touch()
    harness.clock.advance(LOOKUP_IDLE_S - 1)
    router.tick()
    assert router.mode is Mode.LOOKUP
    harness.clock.advance(2)
    router.tick()
    assert router.mode is Mode.ATTRACT
    assert heard.take() == [
        ("wiped", "lookup"),
        ("left", "lookup"),
        ("entered", "attract"),
        ("shown", "Home"),
        ("wiped", "attract"),  # the home's choices go with whoever walked away
    ]


def test_home_left_alone_is_wiped_for_the_next_citizen(harness: Harness) -> None:
    router, heard = routed(harness)
    harness.clock.advance(WARN_AFTER - 1)
    router.tick()
    assert heard.take() == []
    harness.clock.advance(2)
    router.tick()
    assert heard.take() == [("wiped", "attract")]
    router.tick()
    assert heard.take() == []  # once per quiet spell


def test_a_code_goes_where_the_mode_says(harness: Harness) -> None:
    router, heard = routed(harness)
    router.read_code(FEMALE_QR.encode())  # home: ignored
    assert harness.kiosk.journey.state is State.ATTRACT and heard.codes == []
    router.open_lookup()
    router.read_code(b"KIOSK01-261123-0001")
    assert heard.codes == ["KIOSK01-261123-0001"]
    router.close_lookup()
    drive_to(harness, State.PROCEDURE_DETAILS)
    router.read_code(FEMALE_QR.encode())  # not asked for yet: ignored, no message
    assert harness.kiosk.journey.state is State.PROCEDURE_DETAILS
    assert harness.kiosk.journey.snapshot().notice is None
    harness.kiosk.journey.dispatch(Proceed())
    assert harness.kiosk.journey.state is State.IDENTIFY
    router.read_code(FEMALE_QR.encode())
    assert harness.kiosk.journey.state is State.IDENTITY_CHECK
    assert heard.codes == ["KIOSK01-261123-0001"]


def test_a_trigger_without_a_row_changes_nothing(harness: Harness) -> None:
    router, heard = routed(harness)
    assert router.trigger(Trigger.CLOSE_LOOKUP) is False
    assert router.trigger(Trigger.SESSION_ENDED) is False
    assert router.mode is Mode.ATTRACT and heard.take() == []
    harness.kiosk.journey.dispatch(Touch())
    assert heard.take() == []


# --- technician mode ------------------------------------------------------------------------------


def test_the_entry_over_a_session_returns_to_it_unharmed(harness: Harness) -> None:
    router, heard = routed(harness)
    technician_codes: list[str] = []
    router.technician_codes.connect(technician_codes.append)
    drive_to(harness, State.IDENTIFY)
    heard.take()
    assert router.trigger(Trigger.OPEN_TECHNICIAN)
    assert router.mode is Mode.TECH_ENTRY and router.screen is Screen.TECH_ENTRY
    # A code held up now is a badge for the entry, not the citizen's login.
    router.read_code(FEMALE_QR.encode())
    assert technician_codes == [FEMALE_QR] and harness.kiosk.journey.state is State.IDENTIFY
    assert router.trigger(Trigger.CLOSE_TECHNICIAN)
    assert router.mode is Mode.JOURNEY and router.screen is Screen.IDENTIFY
    assert ("wiped", "attract") not in heard.take()  # the citizen's language is kept


def test_the_entry_left_alone_closes_and_the_technician_locks_when_quiet(
    harness: Harness,
) -> None:
    router, heard = routed(harness)
    router.trigger(Trigger.OPEN_TECHNICIAN)
    harness.clock.advance(ENTRY_IDLE_S + 1)
    router.tick()
    assert router.mode is Mode.ATTRACT
    router.trigger(Trigger.OPEN_TECHNICIAN)
    assert router.trigger(Trigger.TECHNICIAN_GRANTED)
    assert router.mode is Mode.TECHNICIAN and router.screen is Screen.TECHNICIAN
    heard.take()
    harness.clock.advance(299)
    router.touch()
    harness.clock.advance(299)
    router.tick()
    assert router.mode is Mode.TECHNICIAN  # touched within the quiet time
    harness.clock.advance(2)
    router.tick()
    assert router.mode is Mode.ATTRACT
    assert heard.take()[-2:] == [("shown", "Home"), ("wiped", "attract")]


def test_technician_mode_cannot_be_granted_without_the_entry(harness: Harness) -> None:
    router, _ = routed(harness)
    assert router.trigger(Trigger.TECHNICIAN_GRANTED) is False
    drive_to(harness, State.FORM)
    assert router.trigger(Trigger.TECHNICIAN_GRANTED) is False
    assert router.mode is Mode.JOURNEY


def test_a_kiosk_not_enrolled_rests_in_its_first_run_set_up(harness: Harness) -> None:
    enrolled = False
    router = ScreenRouter(
        harness.kiosk.journey,
        harness.clock,
        attract_idle_s=WARN_AFTER,
        forget_codes=lambda: None,
        needs_setup=lambda: not enrolled,
    )
    harness.kiosk.journey.subscribe(router.on_snapshot)
    # It starts in the set-up, the technician's entry, and codes read go to the entry.
    assert (router.mode, router.screen) == (Mode.SETUP, Screen.TECH_ENTRY)
    assert router.at_entry
    heard: list[str] = []
    router.technician_codes.connect(heard.append)
    router.read_code(b"DVCE1.code.https://gw")
    assert heard == ["DVCE1.code.https://gw"]
    # No way to the citizen screens: no idle time, no closing, no lookup, no gesture.
    harness.clock.advance(24 * 3600)
    router.tick()
    for trigger in (Trigger.CLOSE_TECHNICIAN, Trigger.OPEN_LOOKUP, Trigger.OPEN_TECHNICIAN):
        assert router.trigger(trigger) is False
    assert router.mode is Mode.SETUP
    # A PIN set before enrolment lets the technician in; leaving comes back to the set-up.
    assert router.trigger(Trigger.TECHNICIAN_GRANTED)
    assert router.mode is Mode.TECHNICIAN and not router.at_entry
    assert router.trigger(Trigger.CLOSE_TECHNICIAN)
    assert router.mode is Mode.SETUP
    # Enrolled (the app restarts on it anyway): the technician's leaving reaches the home screen.
    router.trigger(Trigger.TECHNICIAN_GRANTED)
    enrolled = True
    router.trigger(Trigger.CLOSE_TECHNICIAN)
    assert (router.mode, router.screen) == (Mode.ATTRACT, Screen.HOME)
