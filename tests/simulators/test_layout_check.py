"""The layout checker (``simulators.layout_check``) on small QML scenes, offscreen: each kind of
problem is found when it is there, and nothing is reported for a clean layout, a list scrolled
part-way, or a screen under a modal overlay."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QByteArray, QCoreApplication, QPointF, QUrl
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickItem, QQuickWindow
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from simulators.layout_check import LayoutProblem, ProblemKind, Rect, layout_problems
from simulators.script import find_item, settle

FIXTURES = Path(__file__).resolve().parent / "qml_fixtures"
HEADER = "import QtQuick\nimport QtQuick.Controls.Basic\n"


class Scene:
    """A QML window loaded offscreen, shown, and drawn."""

    def __init__(self, qtbot: QtBot, engine: QQmlApplicationEngine, window: QQuickWindow) -> None:
        self.qtbot = qtbot
        self.engine = engine
        self.window = window
        assert QTest.qWaitForWindowExposed(window)
        self.settle()

    def settle(self) -> None:
        """Wait for a frame begun after this call (``simulators.script.settle``)."""
        settle(self.window, lambda done: self.qtbot.waitUntil(done, timeout=10_000))

    def item(self, name: str) -> QQuickItem:
        """The visual-tree item with this objectName (ListView delegates included)."""
        found = find_item(self.window, name)
        if found is None:
            raise AssertionError(f"no item {name!r}")
        return found

    def problems(self, **limits: float) -> list[LayoutProblem]:
        return layout_problems(self.window, **limits)


SceneFactory = Callable[..., Scene]


@pytest.fixture
def scene(qtbot: QtBot) -> Iterator[SceneFactory]:
    engines: list[QQmlApplicationEngine] = []

    def load(window_body: str = "", *, file: str | None = None, size: str = "800x600") -> Scene:
        engine = QQmlApplicationEngine()
        engines.append(engine)
        if file is not None:
            engine.load(QUrl.fromLocalFile(str(FIXTURES / file)))
        else:
            width, height = size.split("x")
            source = (
                f"{HEADER}Window {{\n width: {width}; height: {height}; visible: true\n"
                f"{window_body}\n}}\n"
            )
            engine.loadData(QByteArray(source.encode()), QUrl.fromLocalFile(str(FIXTURES)))
        roots = engine.rootObjects()
        assert roots and isinstance(roots[0], QQuickWindow)
        return Scene(qtbot, engine, roots[0])

    yield load
    for engine in engines:
        for root in engine.rootObjects():
            if isinstance(root, QQuickWindow):
                root.close()
        shiboken6.delete(engine)
    QCoreApplication.processEvents()


def kinds(problems: list[LayoutProblem]) -> list[tuple[ProblemKind, tuple[str, ...]]]:
    return [(p.kind, p.items) for p in problems]


# --- clean layouts -------------------------------------------------------------------------------


def test_a_clean_layout_has_no_problems(scene: SceneFactory) -> None:
    s = scene(
        """
        // The session-keeping MouseArea over everything, as in ui/qml/Main.qml: not a control.
        MouseArea { anchors.fill: parent; z: 100; onPressed: (mouse) => mouse.accepted = false }
        Column {
            x: 20; y: 20; spacing: 10
            Button { objectName: "okButton"; width: 300; height: 120; text: "OK" }
            Button { objectName: "offButton"; width: 300; height: 120; text: "Off"; enabled: false }
            TextField { objectName: "field"; width: 300; height: 90 }
            ComboBox { objectName: "combo"; width: 300; height: 120; model: ["a", "b"] }
            CheckBox { objectName: "check"; width: 300; height: 120; text: "yes" }
            Text { width: 600; text: "a long text wider than the buttons: not interactive" }
        }
        ListView {
            objectName: "list"
            x: 400; y: 20; width: 380; height: 560
            clip: true; spacing: 10; model: 10
            ScrollBar.vertical: ScrollBar { width: 24 }
            delegate: Rectangle {
                objectName: "row_" + index
                width: 340; height: 130; color: "#eeeeee"
                MouseArea { anchors.fill: parent }
            }
        }
        """,
        size="800x800",
    )
    assert s.problems() == []


def test_a_list_scrolled_part_way_has_no_problems(scene: SceneFactory) -> None:
    s = scene(
        """
        Button { objectName: "aboveList"; x: 20; width: 300; height: 120; text: "above" }
        ListView {
            id: list
            objectName: "list"
            x: 20; y: 140; width: 300; height: 400
            clip: true; spacing: 10; model: 20
            cacheBuffer: 1000  // rows above and below the view are built too
            delegate: Button { objectName: "row_" + index; width: 300; height: 130; text: index }
        }
        """
    )
    s.item("list").setProperty("contentY", 480)  # row 3 is partly out above, row 2 wholly out
    s.settle()
    row2, row3 = s.item("row_2"), s.item("row_3")
    assert row2.isVisible() and row2.mapToScene(QPointF(0, 130)).y() <= 140
    assert row3.mapToScene(QPointF(0, 0)).y() < 140 < row3.mapToScene(QPointF(0, 130)).y()
    # Unclipped, rows 2 and 3 would overlap "aboveList"; scrolled out they are not on screen.
    assert s.problems() == []


# --- each kind of problem ------------------------------------------------------------------------


def test_two_overlapping_buttons_are_found(scene: SceneFactory) -> None:
    s = scene(
        """
        Button { objectName: "left"; x: 0; y: 0; width: 200; height: 120 }
        Button { objectName: "right"; x: 150; y: 50; width: 200; height: 120 }
        // Touching by 2 px is within the tolerance.
        Button { objectName: "top"; x: 400; y: 0; width: 200; height: 120 }
        Button { objectName: "under"; x: 400; y: 118; width: 200; height: 120 }
        // A MouseArea that is not a catcher (not full-window) is a control too.
        Button { objectName: "plain"; x: 0; y: 300; width: 200; height: 120 }
        MouseArea { objectName: "row"; x: 100; y: 300; width: 500; height: 120 }
        """
    )
    assert s.problems() == [
        LayoutProblem(
            ProblemKind.OVERLAPS,
            ("left", "right"),
            (Rect(0, 0, 200, 120), Rect(150, 50, 200, 120)),
            "by 50×70",
        ),
        LayoutProblem(
            ProblemKind.OVERLAPS,
            ("plain", "row"),
            (Rect(0, 300, 200, 120), Rect(100, 300, 500, 120)),
            "by 100×120",
        ),
    ]


def test_a_button_half_outside_the_window_is_found(scene: SceneFactory) -> None:
    s = scene('Button { objectName: "outside"; x: 700; y: 100; width: 200; height: 120 }')
    assert s.problems() == [
        LayoutProblem(
            ProblemKind.CLIPPED_BY_WINDOW,
            ("outside",),
            (Rect(700, 100, 200, 120), Rect(0, 0, 800, 600)),
            "not entirely inside the window",
        )
    ]


def test_a_button_cut_by_a_clipping_parent_is_found(scene: SceneFactory) -> None:
    s = scene(
        """
        Rectangle {
            objectName: "panel"; x: 50; y: 50; width: 300; height: 200; clip: true
            Button { objectName: "inside"; x: 10; y: 10; width: 200; height: 120 }
            Button { objectName: "cut"; x: 220; y: 10; width: 200; height: 120 }
        }
        """
    )
    assert s.problems() == [
        LayoutProblem(
            ProblemKind.CLIPPED_BY_PARENT,
            ("cut", "panel"),
            (Rect(270, 60, 200, 120), Rect(50, 50, 300, 200)),
            "cut by its clip: true ancestor",
        )
    ]


def test_a_button_that_cannot_be_scrolled_into_view_is_found(scene: SceneFactory) -> None:
    s = scene(
        """
        Flickable {
            objectName: "flick"; x: 20; y: 20; width: 300; height: 400
            contentHeight: 2000; clip: true
            Button { objectName: "tooWide"; y: 10; width: 400; height: 120 }
            Button { objectName: "sticksOut"; x: 200; y: 1500; width: 200; height: 120 }
            Button { objectName: "below"; y: 1800; width: 300; height: 120 }  // scrolls into view
        }
        Flickable {
            objectName: "across"; x: 400; y: 20; width: 300; height: 200
            contentWidth: 1000; clip: true
            Button { objectName: "farRight"; x: 800; width: 150; height: 120 }  // scrolls into view
        }
        """
    )
    problems = s.problems()
    assert kinds(problems) == [
        (ProblemKind.CLIPPED_BY_PARENT, ("sticksOut", "flick")),
        (ProblemKind.CLIPPED_BY_PARENT, ("tooWide", "flick")),
    ]
    not_across = "sticks out of the viewport, which does not scroll that way horizontally"
    assert problems[0].detail == not_across
    assert problems[1].detail == "larger than the viewport horizontally"
    assert problems[1].rects == (Rect(20, 30, 400, 120), Rect(20, 20, 300, 400))


@pytest.mark.parametrize("kind", ["named", "popup"])
def test_a_modal_overlay_hides_the_screen_below_it(scene: SceneFactory, kind: str) -> None:
    dialog = (
        """
        Rectangle {
            objectName: "confirmOverlay"; anchors.fill: parent; z: 50; color: "#cc000000"
            MouseArea { anchors.fill: parent }  // swallows touches: a catcher, not a control
            Button { objectName: "dialogButton"; x: 100; y: 100; width: 300; height: 120 }
        }
        """
        if kind == "named"
        else """
        Popup {
            id: popup; modal: true; x: 100; y: 100; width: 400; height: 300
            Button { objectName: "dialogButton"; width: 300; height: 120 }
            Component.onCompleted: open()
        }
        """
    )
    s = scene(
        """
        Button { objectName: "screenButton"; x: 100; y: 100; width: 300; height: 120 }
        Button { objectName: "other"; x: 120; y: 150; width: 300; height: 120 }
        """
        + dialog
    )
    s.qtbot.waitUntil(lambda: s.item("dialogButton").isVisible())
    s.settle()
    # The screen's two buttons overlap each other and the dialog's; all unreachable below it.
    assert s.problems() == []


def test_a_modeless_popup_does_not_hide_what_is_below(scene: SceneFactory) -> None:
    s = scene(
        """
        Button { objectName: "screenButton"; x: 100; y: 100; width: 300; height: 120 }
        Popup {
            modal: false; x: 100; y: 100; width: 400; height: 300; padding: 0
            Button { objectName: "popupButton"; width: 300; height: 120 }
            Component.onCompleted: open()
        }
        """
    )
    s.qtbot.waitUntil(lambda: s.item("popupButton").isVisible())
    s.settle()
    assert kinds(s.problems()) == [(ProblemKind.OVERLAPS, ("popupButton", "screenButton"))]


def test_small_targets_are_found(scene: SceneFactory) -> None:
    s = scene(
        """
        Column {
            spacing: 10
            Button { objectName: "small"; width: 80; height: 60 }
            TextField { objectName: "lowField"; width: 300; height: 60 }
            TextField { objectName: "field"; width: 300; height: 90 }
            ListView {
                width: 300; height: 200; clip: true; model: 2
                delegate: Rectangle {
                    objectName: "row_" + index; width: 300; height: 60
                    MouseArea { anchors.fill: parent }
                }
            }
        }
        """
    )
    problems = s.problems()
    assert kinds(problems) == [
        (ProblemKind.TOO_SMALL, ("lowField",)),
        (ProblemKind.TOO_SMALL, ("row_0/MouseArea",)),
        (ProblemKind.TOO_SMALL, ("row_1/MouseArea",)),
        (ProblemKind.TOO_SMALL, ("small",)),
    ]
    assert problems[0].detail == "300×60, the minimum is 112×80"
    assert problems[-1].detail == "80×60, the minimum is 112×112"
    assert s.problems(min_touch_width=50, min_touch_height=50, min_field_height=50) == []


@pytest.mark.parametrize("make_room", [False, True])
def test_a_field_under_the_active_on_screen_keyboard_is_found(
    scene: SceneFactory, make_room: bool
) -> None:
    """The real Qt Virtual Keyboard (``QT_IM_MODULE=qtvirtualkeyboard``, tests/conftest.py):
    focusing a field opens it offscreen as on the kiosk."""
    s = scene(file="KeyboardScene.qml")
    s.window.setProperty("makeRoom", make_room)
    keyboard = s.item("keyboard")
    assert not keyboard.property("active")
    s.settle()
    assert s.problems() == []  # the keys below the window are Qt's: not checked
    field = s.item("nameField")
    field.forceActiveFocus()
    s.qtbot.waitUntil(lambda: bool(keyboard.property("active")), timeout=10_000)
    s.settle()
    problems = s.problems()
    if make_room:
        assert problems == []
        return
    assert kinds(problems) == [
        (ProblemKind.COVERED_BY_KEYBOARD, ("nameField", "keyboard")),
        (ProblemKind.COVERED_BY_KEYBOARD, ("sendButton", "keyboard")),
    ]
    assert problems[0].detail.endswith("under the keyboard, has the focus")
    assert problems[0].rects[1] == Rect(0, 1000 - keyboard.height(), 1080, keyboard.height())


def test_a_stand_in_keyboard_covers_only_while_active(scene: SceneFactory) -> None:
    s = scene(
        """
        Button { objectName: "bottomButton"; x: 20; y: 450; width: 300; height: 120 }
        Rectangle {
            objectName: "keyboard"; property bool active: false
            y: 400; width: parent.width; height: 200; z: 99
            MouseArea { width: 10; height: 10 }  // the keyboard's own keys are not checked
        }
        """
    )
    assert s.problems() == []
    s.item("keyboard").setProperty("active", True)
    assert s.problems() == [
        LayoutProblem(
            ProblemKind.COVERED_BY_KEYBOARD,
            ("bottomButton", "keyboard"),
            (Rect(20, 450, 300, 120), Rect(0, 400, 800, 200)),
            "300×120 under the keyboard",
        )
    ]


def test_problems_are_sorted_and_read_well(scene: SceneFactory) -> None:
    s = scene(
        """
        Button { objectName: "b"; x: 0; y: 0; width: 60; height: 60 }
        Button { objectName: "a"; x: 30; y: 30; width: 200; height: 120 }
        Button { objectName: "edge"; x: 700; y: 500; width: 200; height: 120 }
        Row {
            y: 300
            Button { width: 50; height: 50 }
            Button { width: 50; height: 50 }
        }
        """
    )
    problems = s.problems()
    assert problems == s.problems()
    assert [p.kind for p in problems] == [
        ProblemKind.CLIPPED_BY_WINDOW,
        ProblemKind.OVERLAPS,
        ProblemKind.TOO_SMALL,
        ProblemKind.TOO_SMALL,
        ProblemKind.TOO_SMALL,
    ]
    assert [p.items for p in problems[2:]] == [
        ("b",),
        ("window/Row/Button[0]",),
        ("window/Row/Button[1]",),
    ]
    assert str(problems[0]) == (
        "CLIPPED_BY_WINDOW: edge (700,500 200×120) in (0,0 800×600): not entirely inside the window"
    )
    assert str(problems[1]) == "OVERLAPS: a (30,30 200×120) / b (0,0 60×60): by 30×30"
