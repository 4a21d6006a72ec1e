"""The scan benchmark's yardstick: word agreement, the OCR cache, the naive JPEG, the baseline."""

from __future__ import annotations

import collections
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image as PilImage
from PIL import ImageDraw

from benchmarks.revision import load_revision
from benchmarks.scan import (
    Method,
    Scanned,
    agreement,
    naive_jpeg,
    ocr_key,
    paper_jpeg,
    paper_png,
    read_words,
    words,
)
from simulators.scan_pages import (
    GOOD_SCAN,
    Degradation,
    PageKind,
    Typeface,
    face_font,
    sample,
    scan_image,
)

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")


def test_words_are_lower_cased_unicode_words_with_their_counts() -> None:
    got = words("Công dân, CÔNG DÂN — số 12/3; l'état")
    assert got == collections.Counter(
        {"công": 2, "dân": 2, "số": 1, "12": 1, "3": 1, "l": 1, "état": 1}
    )


def test_agreement_is_the_recall_of_the_reference_words_with_multiplicity() -> None:
    reference = collections.Counter({"xã": 2, "hộ": 1, "tịch": 1})
    assert agreement(reference, reference) == 1.0
    assert agreement(reference, collections.Counter({"xã": 1, "hộ": 1, "tịch": 1})) == 0.75
    # Words the output invents do not make up for words it lost.
    noisy = collections.Counter({"xã": 5, "hộ": 1, "rác": 40})
    assert agreement(reference, noisy) == 0.75
    assert agreement(reference, collections.Counter()) == 0.0
    assert agreement(collections.Counter(), collections.Counter({"a": 1})) == 1.0


def test_agreement_tells_a_diacritic_lost_from_a_word_kept() -> None:
    reference = words("Ủy ban nhân dân xã")
    assert agreement(reference, words("Uy ban nhan dan xa")) == pytest.approx(1 / 5)


def test_the_naive_jpeg_is_grey_the_scan_s_size_and_much_larger_than_nothing() -> None:
    scan = sample(PageKind.TEXT, np.random.default_rng(1), GOOD_SCAN)
    encoded = naive_jpeg(scan.image, 200)
    assert encoded.shown.shape == scan.image.shape[:2]
    assert encoded.kb > 50  # a grey A4 page at quality 75 is hundreds of kilobytes
    grey = cv2.cvtColor(scan.image, cv2.COLOR_RGB2GRAY).astype(np.int16)
    assert np.abs(encoded.shown.astype(np.int16) - grey).mean() < 6


def test_the_paper_jpeg_is_the_sheet_cut_back_out_of_the_scan() -> None:
    sheet = np.full((600, 800), 240, dtype=np.uint8)
    sheet[300:303, 100:700] = 0  # one rule across the sheet
    degradation = Degradation(angle_deg=3.0, offset_mm=(2.0, -3.0), jpeg_quality=None)
    skewed = scan_image(sheet, 200, degradation, np.random.default_rng(0))
    scanned = Scanned(skewed, sheet, degradation, (600, 800))
    naive = naive_jpeg(skewed, 200).shown
    paper = paper_jpeg(scanned, 200).shown
    assert naive.shape == skewed.shape
    assert paper.shape == sheet.shape  # no backing left
    assert (naive < 100).sum(axis=1).max() > 800  # rows of dark backing
    rows = (paper < 100).sum(axis=1)
    assert rows.max() > 550 and int(np.argmax(rows)) in range(299, 304)  # the rule, level
    assert np.abs(paper[50:-50, 50:-50].astype(int) - sheet[50:-50, 50:-50]).mean() < 8
    lossless = paper_png(scanned, 200)
    assert lossless.shown.shape == sheet.shape
    # The same sheet, unencoded: JPEG's loss is all that separates the two.
    assert np.abs(lossless.shown.astype(int) - paper.astype(int)).mean() < 3
    assert lossless.kb > paper_jpeg(scanned, 200).kb


@needs_tesseract
def test_read_words_reads_a_line_and_keeps_the_answer_in_the_cache(tmp_path: Path) -> None:
    canvas = PilImage.new("L", (1400, 160), 255)
    font = face_font(Typeface.NOTO_SANS, 60)
    ImageDraw.Draw(canvas).text((40, 40), "Giấy xác nhận cư trú", font=font, fill=0)
    image = np.asarray(canvas, dtype=np.uint8)
    path = tmp_path / "line.png"
    cv2.imwrite(str(path), image)
    cached = tmp_path / "ocr" / f"{ocr_key(image, 300, 'vie+eng')}.json"
    got = read_words(path, 300, "vie+eng", cached)
    assert agreement(words("Giấy xác nhận cư trú"), got) == 1.0
    assert cached.is_file()
    path.unlink()  # a second read comes from the cache, not from tesseract
    assert read_words(path, 300, "vie+eng", cached) == got


def test_the_ocr_key_depends_on_pixels_dpi_and_languages() -> None:
    image = np.zeros((4, 4), dtype=np.uint8)
    other = image.copy()
    other[0, 0] = 1
    keys = {ocr_key(image, 200, "vie+eng"), ocr_key(other, 200, "vie+eng"),
            ocr_key(image, 300, "vie+eng"), ocr_key(image, 200, "eng")}  # fmt: skip
    assert len(keys) == 4


def test_a_revision_s_pipeline_loads_apart_from_the_working_tree_s(tmp_path: Path) -> None:
    import drivers.scanner.pipeline as current

    module = load_revision("HEAD", "drivers.scanner", "pipeline", tmp_path)
    assert module.__name__ != current.__name__
    assert module.process_page is not current.process_page
    scan = sample(PageKind.SPARSE, np.random.default_rng(2), GOOD_SCAN)
    page = module.process_page(scan.image, 200)
    shown = module.render_page(page)
    assert shown.ndim == 2 and page.bytes > 0
    assert {m.value for m in Method} == {
        "current", "baseline", "jpeg75", "jpeg75_paper", "png_paper"}  # fmt: skip


def test_a_revision_s_module_brings_its_own_package_siblings(tmp_path: Path) -> None:
    """The QR benchmark's earlier decoder comes with the ``drivers.qr`` modules of its own
    revision (``base``), not today's."""
    import drivers.qr.base as current_base

    module = load_revision("HEAD", "drivers.qr", "decode", tmp_path)
    assert module.qr_error.__module__ != current_base.__name__
    assert module.qr_error.__module__.endswith(".base")
