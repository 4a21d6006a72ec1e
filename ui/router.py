"""The screen router as QML sees it: a thin Qt adapter over ``kiosk.router.ScreenRouter``.

QML's screen loader takes ``router.screen`` and nothing else. The router's plain-Python
notifications become Qt signals here (``modeEntered``/``modeLeft``, and the two the composition
root wires most: ``sessionEnded`` when a citizen's session is left, ``homeWiped`` when the home
screen was left alone). A QTimer calls ``tick`` once a second; tests call it by hand after
moving a fake clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from kiosk.router import ENTRY_MODES, Mode, Screen, ScreenRouter


class RouterViewModel(QObject):
    changed = Signal()
    modeEntered = Signal(str)
    modeLeft = Signal(str)
    sessionEnded = Signal()  # the citizen left (finished, cancelled or wiped)
    homeWiped = Signal()  # nobody touched the home screen for a while

    def __init__(self, router: ScreenRouter, tick_interval_ms: int | None = 1000) -> None:
        super().__init__()
        self._router = router
        router.shown.connect(self._on_shown)
        router.entered.connect(self._on_entered)
        router.left.connect(self._on_left)
        router.wiped.connect(self._on_wiped)
        router.moved.connect(self._on_moved)
        self._timer: QTimer | None = None
        if tick_interval_ms is not None:
            self._timer = QTimer(self)
            self._timer.setInterval(tick_interval_ms)
            self._timer.timeout.connect(self.tick)
            self._timer.start()

    @property
    def router(self) -> ScreenRouter:
        return self._router

    @Slot()
    def tick(self) -> None:
        self._router.tick()

    @Slot(object)
    def on_code(self, payload: bytes) -> None:
        """A QR code read (queued from the reader's thread): the router says what it is for."""
        self._router.read_code(payload)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()

    def _on_shown(self, _: Screen) -> None:
        self.changed.emit()

    def _on_entered(self, mode: Mode) -> None:
        self.modeEntered.emit(mode.value)
        self.changed.emit()

    def _on_left(self, mode: Mode) -> None:
        self.modeLeft.emit(mode.value)

    def _on_moved(self, move: tuple[Mode, Mode]) -> None:
        # Only once the next screen shows: what resets on a session's end (the language) must
        # not make the departing screen re-read its emptied data.
        before, after = move
        ended = (
            # Leaving a session, except for the technician's entry drawn over it.
            (before is Mode.JOURNEY and after is not Mode.TECH_ENTRY)
            # The entry granted (any session behind it was wiped) or closed over no session.
            or (before in ENTRY_MODES and not self._router.in_session)
            # The technician leaves: the next citizen starts afresh.
            or before is Mode.TECHNICIAN
        )
        if ended:
            self.sessionEnded.emit()

    def _on_wiped(self, mode: Mode) -> None:
        if mode is Mode.ATTRACT:
            self.homeWiped.emit()

    def _screen(self) -> str:
        return self._router.screen.value

    def _mode(self) -> str:
        return self._router.mode.value

    # mypy sees what Python code reads (the values); Qt sees the properties QML binds to.
    if TYPE_CHECKING:
        screen: str
        mode: str
    else:
        screen = Property(str, _screen, notify=changed)
        mode = Property(str, _mode, notify=changed)
