"""The generated Vietnamese papers of the document check: every kind drawn with its title,
deterministic by seed, in several layouts, and the scan faults doing what they say."""

from __future__ import annotations

import numpy as np
import pytest

from dvc_common.catalog import DocumentHandling, load_catalog
from kiosk.title_check import fold
from simulators.documents import (
    CATALOG_KINDS,
    LAYOUTS,
    OTHER_KINDS,
    SPECS,
    PaperKind,
    ScanFault,
    make_paper,
    scanned,
)


def test_the_same_seed_draws_the_same_paper_and_its_scan() -> None:
    first, second = (np.random.default_rng(4) for _ in range(2))
    a = make_paper(PaperKind.POWER_OF_ATTORNEY, first)
    b = make_paper(PaperKind.POWER_OF_ATTORNEY, second)
    assert (a.title, a.layout) == (b.title, b.layout)
    assert np.array_equal(a.perfect, b.perfect)
    assert np.array_equal(scanned(a, first), scanned(b, second))
    other = make_paper(PaperKind.POWER_OF_ATTORNEY, np.random.default_rng(5))
    assert not np.array_equal(a.perfect, other.perfect)


@pytest.mark.parametrize("kind", list(PaperKind))
def test_every_kind_is_drawn_on_paper_with_its_title(kind: PaperKind) -> None:
    paper = make_paper(kind, np.random.default_rng(1), layout=0)
    assert paper.kind is kind and paper.dpi == 200
    height, width, channels = paper.perfect.shape
    assert channels == 3 and height > width  # portrait A4 or A5
    ink = (paper.perfect.min(axis=2) < 128).mean()
    if kind is PaperKind.BLANK:
        assert paper.title is None and ink < 0.001
    else:
        assert ink > 0.005
    if kind in SPECS:
        assert paper.title in SPECS[kind].titles


def test_layouts_differ_and_the_sentence_case_layout_lowers_the_title() -> None:
    pages = [
        make_paper(PaperKind.BIRTH_NOTICE, np.random.default_rng(2), layout=k)
        for k in range(LAYOUTS)
    ]
    assert len({p.perfect.tobytes() for p in pages}) == LAYOUTS
    assert {p.layout for p in pages} == set(range(LAYOUTS))


def test_every_scanned_document_of_the_catalog_has_a_paper_kind_printing_its_title() -> None:
    printed = {fold(t) for kind in CATALOG_KINDS for t in SPECS[kind].titles}
    for procedure in load_catalog():
        for document in procedure.documents:
            if document.handling is DocumentHandling.SCAN and document.titles:
                assert any(
                    fold(t) in p or p in fold(t) for t in document.titles for p in printed
                ), document.code
    assert PaperKind.HOUSEHOLD_BOOK in OTHER_KINDS and PaperKind.BLANK in OTHER_KINDS


def test_scan_faults_turn_and_cut_the_sheet() -> None:
    paper = make_paper(PaperKind.MARITAL_STATUS, np.random.default_rng(3), layout=0)
    upright = scanned(paper, np.random.default_rng(9))
    turned = scanned(paper, np.random.default_rng(9), ScanFault.UPSIDE_DOWN)
    assert upright.shape == turned.shape
    # The title's dark band is near the top when upright and near the bottom when turned.
    rows_up = (upright.min(axis=2) < 100).sum(axis=1)
    rows_down = (turned.min(axis=2) < 100).sum(axis=1)
    half = upright.shape[0] // 2
    assert rows_up[:half].sum() > rows_up[half:].sum()
    assert rows_down[half:].sum() > rows_down[:half].sum()
    cut = scanned(paper, np.random.default_rng(9), ScanFault.CUT_TOP)
    # The scan starts on the dark backing plate; cut off, it starts inside the paper itself.
    assert upright[:3].mean() < 150 < cut[:3, cut.shape[1] // 3 : 2 * cut.shape[1] // 3].mean()
    side = scanned(paper, np.random.default_rng(9), ScanFault.CUT_SIDE)
    assert side.shape[1] < upright.shape[1]
