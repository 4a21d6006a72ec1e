"""The procedure browser's view-model: the categories' counts follow the search."""

from __future__ import annotations

from dvc_common.catalog import load_catalog
from ui.catalog_vm import CatalogViewModel


def counts(model: CatalogViewModel) -> dict[str, int]:
    return {row["name"]: row["count"] for row in model.categories}


def test_category_counts_are_those_of_the_results_shown() -> None:
    model = CatalogViewModel(load_catalog())
    everything = counts(model)
    assert everything == {"Chứng thực": 1, "Hộ tịch": 6}
    model.setQuery("khai sinh")
    shown = {row["field"] for row in model.results}
    # As many in each category as the list shows for it; the categories themselves stay.
    assert counts(model) == {
        name: sum(1 for row in model.results if row["field"] == name) for name in everything
    }
    assert sum(counts(model).values()) == len(model.results) < 7
    assert shown == {"Hộ tịch"} and counts(model)["Chứng thực"] == 0
    model.reset()
    assert counts(model) == everything
