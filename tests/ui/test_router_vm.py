"""The router's Qt adapter: a session's end is announced only once the home screen shows, so
what resets then (the language, the search) never makes the departing screen re-read."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from kiosk.journey import Cancel, Start
from kiosk.router import ScreenRouter
from tests.kiosk.conftest import Harness, harness, make_harness  # noqa: F401 - the fixtures
from tests.kiosk.test_journey import WARN_AFTER
from ui.router import RouterViewModel


def test_session_ended_is_heard_with_the_home_screen_already_showing(
    qtbot: QtBot,
    harness: Harness,  # noqa: F811 - the fixture imported above
) -> None:
    router = ScreenRouter(
        harness.kiosk.journey, harness.clock, attract_idle_s=WARN_AFTER, forget_codes=lambda: None
    )
    harness.kiosk.journey.subscribe(router.on_snapshot)
    adapter = RouterViewModel(router, tick_interval_ms=None)
    screens: list[str] = []
    adapter.sessionEnded.connect(lambda: screens.append(adapter.screen))
    harness.kiosk.journey.dispatch(Start())
    assert adapter.screen == "Procedures"
    harness.kiosk.journey.dispatch(Cancel())
    assert screens == ["Home"]
