"""The procedure list on the home screen: categories and a search that ignores diacritics.

A citizen who types "ket hon" on a keyboard without tones finds "Đăng ký kết hôn"; the matching
itself is ``kiosk.search`` (plain Python, tested there); this only exposes it to QML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Property, QObject, Signal, Slot

from dvc_common.catalog import Catalog, Procedure
from kiosk.search import categories, search_procedures
from ui.translate import processing_time_words


def _row(procedure: Procedure) -> dict[str, Any]:
    return {
        "code": procedure.code,
        "name": procedure.name,
        "field": procedure.field,
        "summary": procedure.summary,
        "processingTime": processing_time_words(procedure),
        "fee": procedure.fee.description,
    }


class CatalogViewModel(QObject):
    changed = Signal()

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self._catalog = catalog
        self._category = ""
        self._fields = [name for name, _ in categories(catalog)]
        self._query = ""
        self._found: list[Procedure] = []
        self._search("")

    def _search(self, query: str) -> None:
        """The query and its matches, searched once: the list and the category counts both
        read them."""
        self._query = query
        self._found = search_procedures(self._catalog, query)

    @Slot(str)
    def setQuery(self, text: str) -> None:
        if text != self._query:
            self._search(text)
            self.changed.emit()

    @Slot(str)
    def setCategory(self, name: str) -> None:
        if name != self._category:
            self._category = name
            self.changed.emit()

    @Slot()
    def reset(self) -> None:
        self._search("")
        self._category = ""
        self.changed.emit()

    def _results(self) -> list[dict[str, Any]]:
        found = self._found
        if self._category:
            found = [p for p in found if p.field == self._category]
        return [_row(p) for p in found]

    def _query_get(self) -> str:
        return self._query

    def _category_get(self) -> str:
        return self._category

    def _categories_get(self) -> list[dict[str, Any]]:
        """Every category, with how many of the search's results it holds: "Hộ tịch (6)"
        beside two results would send the citizen looking for four that are not there."""
        return [
            {"name": name, "count": sum(1 for p in self._found if p.field == name)}
            for name in self._fields
        ]

    # mypy sees what Python code reads (the values); Qt sees the properties QML binds to.
    if TYPE_CHECKING:
        results: list[Any]
        query: str
        category: str
        categories: list[Any]
    else:
        results = Property(list, _results, notify=changed)
        query = Property(str, _query_get, notify=changed)
        category = Property(str, _category_get, notify=changed)
        categories = Property(list, _categories_get, notify=changed)
