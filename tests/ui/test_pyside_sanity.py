"""PySide6 6.12.0 under Python 3.11 returned None without a reference for every null pointer
(findChild, parentItem, property...), so the interpreter aborted after a few thousand calls
("deallocating None"): the app's event loop makes such calls constantly. pyproject pins below
6.12; this keeps a future upgrade honest."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject
from PySide6.QtQuick import QQuickItem


def test_returning_none_keeps_nones_reference_count() -> None:
    owner = QObject()
    item = QQuickItem()
    before = sys.getrefcount(None)
    for _ in range(200):
        assert owner.findChild(QObject, "absent") is None
        assert item.parentItem() is None
    after = sys.getrefcount(None)
    assert after >= before - 5  # a few may legitimately move; 400 lost would be the bug
