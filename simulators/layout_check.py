"""Layout problems of a Qt Quick window, read from the item geometry (not by eye): interactive
elements cut by the window or by a clipping parent, overlapping one another, hidden under the
on-screen keyboard, or too small for a finger.

The journey tests call ``layout_problems`` on every screen in both orientations, after the
window has drawn the screen (``simulators.script.Driver.settle``, which ``Driver.shoot`` does),
and fail with the problems' ``str`` when the list is not empty::

    problems = layout_problems(driver.window)
    assert not problems, "\\n".join(map(str, problems))

The rules, exactly as implemented (all rectangles are scene rectangles: window pixels):

*The tree.* The visual item tree from ``window.contentItem()`` through ``childItems()``, in
paint order (siblings stably sorted by ``z``; an item paints before its children, and after
everything earlier in that walk). A subtree is left out when its root is not visible
(``isVisible()``, which is the effective visibility) or its effective opacity (the product of
the ancestors' ``opacity``) is 0. Items of zero width or height are not checked themselves, but
their children are. The on-screen keyboard (the item with objectName ``"keyboard"``: the Qt
Virtual Keyboard ``InputPanel`` of ``ui/qml/Main.qml``) is left out as well: its keys are Qt's,
and it is checked only as a cover (below).

*Interactive items* are those a finger uses:

* Qt Quick Controls: ``AbstractButton`` and its subclasses (Button, CheckBox, Switch,
  RadioButton, ItemDelegate, ...), ComboBox, Slider, RangeSlider, SpinBox, Dial, whether
  enabled or not (a disabled button still takes its place in the layout, and is enabled later);
* text fields: ``TextInput``/``TextField`` and ``TextEdit``/``TextArea`` unless ``readOnly``;
* enabled ``MouseArea``s (list rows made of a Rectangle and a MouseArea count), except
  *catchers*: a MouseArea whose rectangle covers the whole window (the session-keeping one
  over every screen), or one that fills its parent exactly where the parent is the window's
  content item, a modal overlay (below), a ``Popup``'s item or Qt's ``Overlay`` layer (an
  overlay's dimmer that swallows touches).

An interactive item inside another interactive *control* (a Controls control or a text field,
not a MouseArea) is that control's internals (the ComboBox's text field) and is not checked by
itself. ``ScrollBar``s and ``ScrollIndicator``s are not interactive here: a Flickable is
flicked anywhere on its content, the bar only shows where one is.

*Viewports.* A ``Flickable`` (ListView and GridView included) with ``clip: true`` is a viewport.
Along an axis it can scroll (its ``flickableDirection`` allows that axis and its content is
larger than the view), any part of the content can be brought into view; along an axis it
cannot, only what is shown now can be seen. A Flickable without ``clip: true`` is not a
viewport: Qt draws (and touches reach) its content wherever it lies, so it is checked as laid
out.

*Kinds:*

* ``CLIPPED_BY_PARENT``, inside a viewport: the item cannot be scrolled fully into view: it is
  wider (taller) than the viewport, or it sticks out of the content area (the content's extent,
  ``originX .. originX + contentWidth``, on an axis that scrolls; the viewport's current extent
  on one that does not). Reported whether the item is now in view or not. Being scrolled partly
  or wholly out of view is not a problem.
* ``CLIPPED_BY_PARENT``, by an ancestor with ``clip: true`` that is not a viewport: the part of
  the item shown (the item cut to the viewports around it) is not inside the ancestor's
  rectangle (1 px tolerance). Ancestors are taken from the nearest outwards, each one judged on
  what the nearer ones left, so one missing part is reported once.
* ``CLIPPED_BY_WINDOW``: what is left of the item after that is not inside the window (1 px
  tolerance). Items scrolled wholly out of their viewport are not on screen: no clip check.
* ``OVERLAPS``: the *visible rectangles* (the item cut to its viewports, clipping ancestors and
  the window) of two interactive items intersect by more than 2 px both across and down,
  unless one contains the other in the tree, or one of them is *covered by a modal overlay*.
* ``COVERED_BY_KEYBOARD``: while the keyboard is visible and ``active``, an interactive item
  painted below it (a text field with the focus included) whose visible rectangle intersects
  the keyboard's by more than 2 px both ways; items covered by a modal overlay are not checked.
* ``TOO_SMALL``: an interactive item's rectangle is narrower than ``min_touch_width`` or lower
  than ``min_touch_height`` (default 112 × 112 px, the kiosk's touch target); text fields have
  ``min_field_height`` (80 px) instead of the height minimum. Checked on every interactive item,
  scrolled into view or not, covered or not.

*Modal overlays* take every touch over what is below them: an item whose objectName ends with
``"Overlay"`` (the app's convention, e.g. ``idleOverlay``; it covers its own rectangle; the
name is the declaration, its colour and opacity are not looked at), and the
item of a Qt Quick Controls ``Popup``/``Dialog`` whose ``modal`` is true (it blocks the whole
window). An item is *covered* when a modal overlay painted above it (later in paint order, and
not one of the item's descendants) covers its visible rectangle entirely. Covered items are
unreachable: they are left out of the overlap and keyboard checks (their clipping and size are
still checked: they are the screen's, shown again when the overlay goes).

The tolerances (1 px for clipping, 2 px for overlaps and the keyboard) and the minimum sizes are
keyword arguments of ``layout_problems``. Problems come back without duplicates, sorted by kind
(in the order of ``ProblemKind``), then by the items' names, then by the rectangles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from PySide6.QtCore import QRectF
from PySide6.QtQml import QQmlEngine, QQmlExpression
from PySide6.QtQuick import QQuickItem, QQuickWindow

__all__ = ["LayoutProblem", "ProblemKind", "Rect", "layout_problems"]

MIN_TOUCH = 112.0  # px, the kiosk's minimum touch target (Theme.touch)
MIN_FIELD_HEIGHT = 80.0  # px
CLIP_TOLERANCE = 1.0  # px
OVERLAP_TOLERANCE = 2.0  # px

KEYBOARD_NAME = "keyboard"
OVERLAY_SUFFIX = "Overlay"

# Qt Quick Controls classes a finger uses (C++ class names, tested with QObject.inherits).
_CONTROL_CLASSES = frozenset(
    {
        "QQuickAbstractButton",
        "QQuickComboBox",
        "QQuickSlider",
        "QQuickRangeSlider",
        "QQuickSpinBox",
        "QQuickDial",
    }
)
_FIELD_CLASSES = frozenset({"QQuickTextInput", "QQuickTextEdit"})
_MOUSE_AREA = "QQuickMouseArea"
_FLICKABLE = "QQuickFlickable"
_POPUP_ITEM = "QQuickPopupItem"
_QT_OVERLAY = "QQuickOverlay"

# Flickable.flickableDirection: HorizontalFlick = 1, VerticalFlick = 2 (0 and 0xc are "auto").
_HORIZONTAL_FLICK = 0x1
_VERTICAL_FLICK = 0x2

# How QML writes an object: "BigButton_QMLTYPE_12(0x5581…, \"name\")", "QQuickRectangle(0x…)".
_QML_STRING = re.compile(r"^([A-Za-z_]\w*?)(?:_QML(?:TYPE)?_\d+)?\(")
# Names for items QML has no context for (made by Qt in C++), most specific first.
_KNOWN_TYPES = (
    ("QQuickMouseArea", "MouseArea"),
    ("QQuickTextField", "TextField"),
    ("QQuickTextArea", "TextArea"),
    ("QQuickTextInput", "TextInput"),
    ("QQuickTextEdit", "TextEdit"),
    ("QQuickAbstractButton", "Button"),
    ("QQuickControl", "Control"),
    ("QQuickPopupItem", "Popup"),
    ("QQuickOverlay", "Overlay"),
    ("QQuickFlickable", "Flickable"),
)


class ProblemKind(Enum):
    CLIPPED_BY_WINDOW = "clipped by the window"
    CLIPPED_BY_PARENT = "clipped by a parent"
    OVERLAPS = "overlaps"
    COVERED_BY_KEYBOARD = "covered by the keyboard"
    TOO_SMALL = "too small"


_KIND_ORDER = {kind: index for index, kind in enumerate(ProblemKind)}


@dataclass(frozen=True, order=True)
class Rect:
    """A scene rectangle, in window pixels."""

    x: float
    y: float
    width: float
    height: float

    @classmethod
    def of(cls, rect: QRectF) -> Rect:
        return cls(rect.x(), rect.y(), rect.width(), rect.height())

    def __str__(self) -> str:
        return f"({_px(self.x)},{_px(self.y)} {_px(self.width)}×{_px(self.height)})"


@dataclass(frozen=True)
class LayoutProblem:
    """One problem. ``items`` are the readable names (objectName, or the path from the nearest
    named ancestor) of the item at fault and, when there is one, of the other party: the other
    item it overlaps, the ancestor or viewport that cuts it, the keyboard. ``rects`` are their
    scene rectangles in the same order (for a window clip: the item's, then the window's);
    for an overlap and the keyboard, the visible parts."""

    kind: ProblemKind
    items: tuple[str, ...]
    rects: tuple[Rect, ...]
    detail: str = ""

    def __str__(self) -> str:
        parties = " / ".join(
            f"{name} {rect}" for name, rect in zip(self.items, self.rects, strict=False)
        )
        extra = [str(rect) for rect in self.rects[len(self.items) :]]
        if extra:
            parties += " in " + ", ".join(extra)
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.kind.name}: {parties}{detail}"

    def sort_key(self) -> tuple[int, tuple[str, ...], tuple[Rect, ...], str]:
        return (_KIND_ORDER[self.kind], self.items, self.rects, self.detail)


class _Role(Enum):
    CONTROL = "control"
    FIELD = "field"
    MOUSE_AREA = "mouse area"


@dataclass(eq=False)
class _Node:
    item: QQuickItem
    parent: _Node | None
    order: int  # paint order: later paints above
    end: int = field(init=False)  # the last paint order in this node's subtree (see _walk)
    rect: QRectF = field(default_factory=QRectF)
    role: _Role | None = None
    _name: str = ""

    def contains(self, other: _Node) -> bool:
        """``other`` is in this node's subtree (or is this node)."""
        return self.order <= other.order <= self.end

    def __post_init__(self) -> None:
        self.end = self.order

    @property
    def name(self) -> str:
        """The readable name (worked out only for the items a problem names)."""
        if not self._name:
            self._name = _describe(self)
        return self._name

    def is_a(self, class_name: str) -> bool:
        return bool(self.item.inherits(class_name))

    def ancestors(self) -> list[_Node]:
        found = []
        node = self.parent
        while node is not None:
            found.append(node)
            node = node.parent
        return found


@dataclass(frozen=True)
class _Cover:
    node: _Node
    rect: QRectF


def layout_problems(
    window: QQuickWindow,
    *,
    min_touch_width: float = MIN_TOUCH,
    min_touch_height: float = MIN_TOUCH,
    min_field_height: float = MIN_FIELD_HEIGHT,
    clip_tolerance: float = CLIP_TOLERANCE,
    overlap_tolerance: float = OVERLAP_TOLERANCE,
) -> list[LayoutProblem]:
    """Every layout problem of the window as last laid out (the module's docstring has the
    rules), sorted. Call it after the window has drawn the state to check."""
    window_rect = QRectF(0, 0, window.width(), window.height())
    nodes, keyboard = _walk(window.contentItem())
    covers = _modal_covers(nodes, window_rect)
    content = window.contentItem()
    for node in nodes:
        node.role = _role(node, window_rect, content, clip_tolerance)
    interactive = [
        node
        for node in nodes
        if node.role is not None
        and not _inside_a_control(node)
        and node.rect.width() > 0
        and node.rect.height() > 0
    ]
    problems: list[LayoutProblem] = []
    visible: dict[_Node, QRectF] = {}
    for node in interactive:
        shown, found = _clipping(node, window_rect, clip_tolerance)
        problems.extend(found)
        if not shown.isEmpty():
            visible[node] = shown
        problems.extend(_size(node, min_touch_width, min_touch_height, min_field_height))

    reachable = [
        node for node in interactive if node in visible and not _covered(node, visible, covers)
    ]
    problems.extend(_overlaps(reachable, visible, overlap_tolerance))
    if keyboard is not None and bool(keyboard.item.property("active")):
        problems.extend(
            _under_keyboard(reachable, visible, keyboard, window_rect, overlap_tolerance)
        )
    return sorted(set(problems), key=LayoutProblem.sort_key)


# --- the tree ------------------------------------------------------------------------------------


def _walk(root: QQuickItem) -> tuple[list[_Node], _Node | None]:
    """The visible items in paint order, and the keyboard (if any, not walked into).

    Iterative, and without asking any item for its ``metaObject()``: PySide keeps the wrapper
    of a QML type's metaobject alive with the item's wrapper, and once that engine is gone a
    new item at the same address comes back from ``childItems()`` as a ``QMetaObject``."""
    nodes: list[_Node] = []
    keyboard: _Node | None = None
    pending: list[tuple[QQuickItem, _Node | None, float]] = [(root, None, 1.0)]
    while pending:
        item, parent, opacity = pending.pop()
        opacity *= item.opacity()
        if not item.isVisible() or opacity <= 0:
            continue
        node = _Node(item, parent, len(nodes))
        node.rect = item.mapRectToScene(QRectF(0, 0, item.width(), item.height()))
        nodes.append(node)
        if item.objectName() == KEYBOARD_NAME:
            keyboard = keyboard or node
            continue
        children = sorted(enumerate(item.childItems()), key=lambda pair: (pair[1].z(), pair[0]))
        pending.extend((child, node, opacity) for _, child in reversed(children))
    for node in reversed(nodes):  # a subtree is a run of the paint order
        if node.parent is not None:
            node.parent.end = max(node.parent.end, node.end)
    return nodes, keyboard


def _type_name(item: QQuickItem) -> str:
    """The item's QML type ("BigButton", "Rectangle"), read as QML writes the object; for items
    Qt made without a QML context, the nearest of a few known classes, or "Item"."""
    context = QQmlEngine.contextForObject(item)
    if context is not None:
        text, undefined = QQmlExpression(context, item, "String(this)").evaluate()
        match = _QML_STRING.match(text) if isinstance(text, str) and not undefined else None
        if match:
            name = match.group(1)
            return name.removeprefix("QQuick") or name
    return next((label for cls, label in _KNOWN_TYPES if item.inherits(cls)), "Item")


def _describe(node: _Node) -> str:
    """The objectName, or the path of types from the nearest named ancestor ("window" for the
    window's content item), with the index among same-typed siblings where there are several."""
    steps: list[str] = []
    current = node
    while current.parent is not None and not current.item.objectName():
        step = _type_name(current.item)
        same = [c for c in current.parent.item.childItems() if _type_name(c) == step]
        if len(same) > 1:
            step += f"[{same.index(current.item)}]"
        steps.append(step)
        current = current.parent
    head = current.item.objectName() or "window"
    return "/".join([head, *reversed(steps)])


# --- what is interactive -------------------------------------------------------------------------


def _role(node: _Node, window_rect: QRectF, content: QQuickItem, tolerance: float) -> _Role | None:
    if any(node.is_a(name) for name in _CONTROL_CLASSES):
        return _Role.CONTROL
    if any(node.is_a(name) for name in _FIELD_CLASSES):
        return None if bool(node.item.property("readOnly")) else _Role.FIELD
    if (
        node.is_a(_MOUSE_AREA)
        and node.item.isEnabled()
        and not _catcher(node, window_rect, content, tolerance)
    ):
        return _Role.MOUSE_AREA
    return None


def _catcher(node: _Node, window_rect: QRectF, content: QQuickItem, tolerance: float) -> bool:
    """A MouseArea that catches every touch of the window or of an overlay: not a control."""
    if _within(node.rect, window_rect, tolerance):
        return True
    parent = node.parent
    if parent is None or not _same(node.rect, parent.rect, tolerance):
        return False
    return (
        parent.item == content
        or _is_named_overlay(parent)
        or parent.is_a(_POPUP_ITEM)
        or parent.is_a(_QT_OVERLAY)
    )


def _inside_a_control(node: _Node) -> bool:
    return any(a.role in (_Role.CONTROL, _Role.FIELD) for a in node.ancestors())


def _is_named_overlay(node: _Node) -> bool:
    return node.item.objectName().endswith(OVERLAY_SUFFIX)


def _modal_covers(nodes: list[_Node], window_rect: QRectF) -> list[_Cover]:
    covers = []
    for node in nodes:
        if node.rect.isEmpty():
            continue
        if _is_named_overlay(node):
            covers.append(_Cover(node, node.rect.intersected(window_rect)))
        elif node.is_a(_POPUP_ITEM):
            popup = node.item.parent()
            if popup is not None and bool(popup.property("modal")):
                covers.append(_Cover(node, window_rect))
    return covers


def _covered(node: _Node, visible: dict[_Node, QRectF], covers: list[_Cover]) -> bool:
    return any(
        cover.node.order > node.order
        and not node.contains(cover.node)
        and _within(cover.rect, visible[node], 0.0)
        for cover in covers
    )


# --- the checks ----------------------------------------------------------------------------------


def _clipping(
    node: _Node, window_rect: QRectF, tolerance: float
) -> tuple[QRectF, list[LayoutProblem]]:
    """What of the item is on screen (empty when scrolled out of view or cut away), and the
    clipping problems."""
    problems = []
    shown = QRectF(node.rect)
    for ancestor in node.ancestors():
        if not ancestor.item.clip():
            continue
        if ancestor.is_a(_FLICKABLE):
            why = _unreachable(node, ancestor, tolerance)
            if why:
                problems.append(
                    LayoutProblem(
                        ProblemKind.CLIPPED_BY_PARENT,
                        (node.name, ancestor.name),
                        (Rect.of(node.rect), Rect.of(ancestor.rect)),
                        why,
                    )
                )
        elif not shown.isEmpty() and not _within(ancestor.rect, shown, tolerance):
            problems.append(
                LayoutProblem(
                    ProblemKind.CLIPPED_BY_PARENT,
                    (node.name, ancestor.name),
                    (Rect.of(node.rect), Rect.of(ancestor.rect)),
                    "cut by its clip: true ancestor",
                )
            )
        shown = _cut(shown, ancestor.rect)
    if not shown.isEmpty() and not _within(window_rect, shown, tolerance):
        problems.append(
            LayoutProblem(
                ProblemKind.CLIPPED_BY_WINDOW,
                (node.name,),
                (Rect.of(node.rect), Rect.of(window_rect)),
                "not entirely inside the window",
            )
        )
    return _cut(shown, window_rect), problems


def _unreachable(node: _Node, flickable: _Node, tolerance: float) -> str:
    """Why the item cannot be scrolled fully into the viewport ("" when it can)."""
    view = flickable.item
    content = view.property("contentItem")
    if not isinstance(content, QQuickItem):
        return ""
    rect = node.item.mapRectToItem(content, QRectF(0, 0, node.item.width(), node.item.height()))
    direction = _flick_direction(view)
    reasons = []
    for axis, flag, start, size, origin, offset, view_size, content_size in (
        (
            "horizontally",
            _HORIZONTAL_FLICK,
            rect.x(),
            rect.width(),
            float(view.property("originX")),
            float(view.property("contentX")),
            view.width(),
            content.width(),
        ),
        (
            "vertically",
            _VERTICAL_FLICK,
            rect.y(),
            rect.height(),
            float(view.property("originY")),
            float(view.property("contentY")),
            view.height(),
            content.height(),
        ),
    ):
        automatic = (direction & (_HORIZONTAL_FLICK | _VERTICAL_FLICK)) == 0
        allowed = automatic or bool(direction & flag)
        scrolls = allowed and content_size > view_size + tolerance
        low, high = (origin, origin + content_size) if scrolls else (offset, offset + view_size)
        if size > view_size + tolerance:
            reasons.append(f"larger than the viewport {axis}")
        elif start < low - tolerance or start + size > high + tolerance:
            where = "content area" if scrolls else "viewport, which does not scroll that way"
            reasons.append(f"sticks out of the {where} {axis}")
    return "; ".join(reasons)


def _flick_direction(view: QQuickItem) -> int:
    """``flickableDirection`` (PySide cannot convert the enum: read through QML); 0 ("auto")
    when the view has no QML context."""
    context = QQmlEngine.contextForObject(view)
    if context is None:
        return 0
    value, undefined = QQmlExpression(context, view, "flickableDirection").evaluate()
    return 0 if undefined or not isinstance(value, int) else value


def _size(
    node: _Node, min_width: float, min_height: float, min_field_height: float
) -> list[LayoutProblem]:
    wanted_h = min_field_height if node.role is _Role.FIELD else min_height
    width, height = node.rect.width(), node.rect.height()
    if width >= min_width and height >= wanted_h:
        return []
    return [
        LayoutProblem(
            ProblemKind.TOO_SMALL,
            (node.name,),
            (Rect.of(node.rect),),
            f"{_px(width)}×{_px(height)}, the minimum is {_px(min_width)}×{_px(wanted_h)}",
        )
    ]


def _overlaps(
    nodes: list[_Node], visible: dict[_Node, QRectF], tolerance: float
) -> list[LayoutProblem]:
    problems = []
    for index, first in enumerate(nodes):
        for second in nodes[index + 1 :]:
            if first.contains(second) or second.contains(first):
                continue
            common = visible[first].intersected(visible[second])
            if common.width() > tolerance and common.height() > tolerance:
                (a, ra), (b, rb) = sorted(
                    [(first.name, visible[first]), (second.name, visible[second])],
                    key=lambda pair: (pair[0], Rect.of(pair[1])),
                )
                problems.append(
                    LayoutProblem(
                        ProblemKind.OVERLAPS,
                        (a, b),
                        (Rect.of(ra), Rect.of(rb)),
                        f"by {_px(common.width())}×{_px(common.height())}",
                    )
                )
    return problems


def _under_keyboard(
    nodes: list[_Node],
    visible: dict[_Node, QRectF],
    keyboard: _Node,
    window_rect: QRectF,
    tolerance: float,
) -> list[LayoutProblem]:
    board = _cut(keyboard.rect, window_rect)
    problems = []
    for node in nodes:
        if node.order > keyboard.order:
            continue  # painted above the keyboard
        common = visible[node].intersected(board)
        if common.width() > tolerance and common.height() > tolerance:
            focus = ", has the focus" if node.item.hasActiveFocus() else ""
            problems.append(
                LayoutProblem(
                    ProblemKind.COVERED_BY_KEYBOARD,
                    (node.name, keyboard.name),
                    (Rect.of(visible[node]), Rect.of(board)),
                    f"{_px(common.width())}×{_px(common.height())} under the keyboard{focus}",
                )
            )
    return problems


# --- geometry ------------------------------------------------------------------------------------


def _within(outer: QRectF, inner: QRectF, tolerance: float) -> bool:
    return (
        inner.left() >= outer.left() - tolerance
        and inner.top() >= outer.top() - tolerance
        and inner.right() <= outer.right() + tolerance
        and inner.bottom() <= outer.bottom() + tolerance
    )


def _same(a: QRectF, b: QRectF, tolerance: float) -> bool:
    return _within(a, b, tolerance) and _within(b, a, tolerance)


def _cut(rect: QRectF, by: QRectF) -> QRectF:
    common = rect.intersected(by)
    return common if common.width() > 0 and common.height() > 0 else QRectF()


def _px(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"
