"""Driving the real QML by objectName, as a finger would: for the end-to-end tests, the
headless demo and the UI benchmark.

``Driver.tap`` finds the item, scrolls it into view if it sits in a Flickable, waits until it is
visible and enabled, and clicks the middle of it through the window (so the touch goes through
the same event path as a real one, including the session-keeping MouseArea over everything).
Typing sends key events with the text to the focused field. Waiting processes Qt events until a
condition holds or a deadline passes; it never sleeps blindly, and never counts on a number of
event-loop passes or milliseconds being enough: "laid out and drawn" is ``settle()``, a frame
drawn after the change.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QPointF, Qt, QUrl
from PySide6.QtGui import QKeyEvent
from PySide6.QtQuick import QQuickItem, QQuickWindow
from PySide6.QtTest import QTest

from ui.app import SIZES, KioskApp, Orientation


def settle(window: QQuickWindow, wait: Callable[[Callable[[], bool]], None]) -> None:
    """Wait (with ``wait``, which processes events until its condition holds) until ``window``
    has drawn a frame begun after this call: everything changed before it (a scroll, a resize, a
    new screen, new list rows) is laid out and on screen. Qt Quick lays items out ("polishes")
    between ``afterAnimating`` and drawing, so a ``frameSwapped`` after an ``afterAnimating``
    seen from here is such a frame."""
    began: list[bool] = []
    drawn: list[bool] = []

    def animated() -> None:
        began.append(True)

    def swapped() -> None:
        if began:
            drawn.append(True)

    window.afterAnimating.connect(animated)
    window.frameSwapped.connect(swapped)
    try:
        window.update()
        wait(lambda: bool(drawn))
    finally:
        window.afterAnimating.disconnect(animated)
        window.frameSwapped.disconnect(swapped)


def find_item(window: QQuickWindow, name: str) -> QQuickItem | None:
    """The item with this objectName in the window's visual tree. The visual tree, not QObject
    children: a ListView's delegates have the view as visual parent only."""
    pending = [window.contentItem()]
    while pending:
        item = pending.pop()
        if item.objectName() == name:
            return item
        pending.extend(item.childItems())
    return None


class DriverError(AssertionError):
    """The screen did not get where the script expected; says what it was waiting for."""


class Driver:
    def __init__(self, kapp: KioskApp, *, timeout_s: float = 10.0) -> None:
        self.kapp = kapp
        self.window = kapp.window
        self.timeout_s = timeout_s
        # Touches on the screen (not on the on-screen keyboard): what the journey benchmark
        # counts against its budget.
        self.taps = 0
        # Clicks sent before the first frame land on a scene that has not been laid out yet.
        QTest.qWaitForWindowExposed(self.window)

    # --- waiting ----------------------------------------------------------------------------------

    def pump(self, ms: int = 0) -> None:
        """Process pending events (and those arriving within ``ms``). Not a way to wait for
        something: use ``wait_until`` or ``settle``."""
        end = time.monotonic() + ms / 1000
        while True:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            if time.monotonic() >= end:
                break

    def wait_until(
        self, condition: Callable[[], bool], what: str, timeout_s: float | None = None
    ) -> None:
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        while not condition():
            if time.monotonic() > deadline:
                raise DriverError(
                    f"timed out waiting for {what} (screen {self.kapp.router.screen}, "
                    f"state {self.kapp.journey.state}, message {self.kapp.journey.message!r})"
                )
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    def wait_screen(self, name: str, timeout_s: float | None = None) -> None:
        self.wait_until(lambda: self.kapp.router.screen == name, f"screen {name}", timeout_s)
        self.wait_until(self._loaded, f"screen {name} loaded", timeout_s)

    def _loaded(self) -> bool:
        loader = self.kapp.find("screenLoader")
        return loader is not None and bool(loader.property("ready"))

    def settle(self, what: str = "the window to draw") -> None:
        """Wait until the window has drawn a frame begun after this call (``settle``)."""
        settle(self.window, lambda done: self.wait_until(done, what))

    def _pictures_loaded(self) -> bool:
        """No visible item is still loading a picture (thumbnails load asynchronously)."""
        pending = [self.window.contentItem()]
        while pending:
            item = pending.pop()
            if not item.isVisible():
                continue
            try:
                source = item.property("source")
            except RuntimeError:  # a "source" of a type Python cannot hold: not a picture
                source = None
            if isinstance(source, QUrl) and not source.isEmpty():
                progress = item.property("progress")
                if isinstance(progress, float) and progress < 1.0:
                    return False
            pending.extend(item.childItems())
        return True

    # --- finding and touching ---------------------------------------------------------------------

    def item(self, name: str, timeout_s: float | None = None) -> QQuickItem:
        found: list[QQuickItem] = []

        def visible() -> bool:
            found.clear()
            item = self.find(name)
            if item is not None and item.isVisible():
                found.append(item)
                return True
            return False

        self.wait_until(visible, f"item {name!r} to be visible", timeout_s)
        return found[0]

    def find(self, name: str) -> QQuickItem | None:
        """The visible-tree item with this objectName (``find_item``)."""
        return find_item(self.window, name)

    def exists(self, name: str) -> bool:
        item = self.find(name)
        return item is not None and item.isVisible()

    def text(self, name: str) -> str:
        return str(self.item(name).property("text"))

    def _scroll_into_view(self, item: QQuickItem) -> None:
        """Scroll the Flickable holding ``item`` so that it is in view (then wait until that
        is drawn)."""
        parent = item.parentItem()
        while parent is not None:
            if parent.property("contentY") is not None and parent.property("flicking") is not None:
                top = item.mapToItem(parent.property("contentItem"), QPointF(0, 0)).y()
                view_h = float(parent.height())
                content_h = float(parent.property("contentHeight"))
                current = float(parent.property("contentY"))
                if top < current or top + item.height() > current + view_h:
                    wanted = max(0.0, min(top - view_h / 3, content_h - view_h))
                    parent.setProperty("contentY", wanted)
                    self.settle(f"{item.objectName()!r} scrolled into view")
                return
            parent = parent.parentItem()

    def tap(self, name: str, *, counted: bool = True) -> None:
        """Touch the item; ``counted``: a touch on the screen the journey benchmark counts (a
        demo button that stands for holding up a card is not one)."""
        item = self.item(name)
        self.wait_until(
            lambda: bool(item.isEnabled()) and item.width() > 0 and item.height() > 0,
            f"{name!r} to be enabled and laid out",
        )
        # Positions are read from the layout as last drawn: settle first, so that a screen or
        # list that has just changed is laid out before the finger aims. Then find the item
        # again: settling may have rebuilt a list's rows (a turn of the window does), deleting
        # the one found before.
        self.settle(f"{name!r} laid out")
        item = self.item(name)
        self._scroll_into_view(item)
        self._scroll_into_view(item)  # scrolling may build rows that move it again
        centre = item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()
        QTest.mouseClick(
            self.window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre
        )
        if counted:
            self.taps += 1
        self.pump()

    def type_into(self, name: str, text: str, *, clear: bool = True) -> None:
        """Type ``text`` (any Unicode, Vietnamese included) into the field, tapping it first
        unless it already has the keyboard (a page gives it to its first empty field)."""
        field = self.item(name)
        if not field.hasActiveFocus():
            self.tap(name)
        self.wait_until(lambda: bool(field.hasActiveFocus()), f"{name!r} to take the focus")
        if clear:
            field.setProperty("text", "")
        self.type_text(text)

    def type_text(self, text: str) -> None:
        """Keys to whatever has the keyboard focus, as the on-screen keyboard sends them."""
        for char in text:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
                QCoreApplication.sendEvent(self.window, event)
        self.pump()

    def press_enter(self) -> None:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
            QCoreApplication.sendEvent(self.window, event)
        self.pump()

    # --- screenshots ------------------------------------------------------------------------------

    def shoot(
        self,
        folder: Path,
        name: str,
        orientations: tuple[Orientation, ...] = (Orientation.PORTRAIT,),
        *,
        check: Callable[[Orientation, QQuickWindow], None] | None = None,
    ) -> list[Path]:
        """Grab the window in each orientation (restoring the first one afterwards); ``check``
        is handed the window as drawn in each, before the next turn."""
        folder.mkdir(parents=True, exist_ok=True)
        shots = []
        for orientation in orientations:
            self._turn(orientation)
            # Rows built by the new layout may start loading thumbnails: wait for them, and
            # for the frame that shows them.
            self.wait_until(self._pictures_loaded, f"the pictures of {name} to load")
            self.settle(f"{name} drawn")
            shots.append(self.kapp.grab(folder / f"{name}-{orientation.value}.png"))
            if check is not None:
                check(orientation, self.window)
        if len(orientations) > 1:
            self._turn(orientations[0])
        return shots

    def _turn(self, orientation: Orientation) -> None:
        """Resize the window to ``orientation`` and wait until it is laid out at that size."""
        width, height = SIZES[orientation]
        self.kapp.resize(orientation)
        content = self.window.contentItem()
        self.wait_until(
            lambda: (
                (self.window.width(), self.window.height()) == (width, height)
                and (content.width(), content.height()) == (width, height)
            ),
            f"the window at {width}×{height}",
        )
        self.settle(f"the {orientation.value} layout")
