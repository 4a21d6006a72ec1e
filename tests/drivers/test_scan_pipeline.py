"""The scan pipeline on generated scans: geometry, orientation, blank backs, checks, encoding,
the PDF it writes, and (where tesseract is installed) legibility against the perfect page."""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pikepdf
import pytest

from drivers.scanner import pipeline as p
from drivers.scanner.pdf import StreamKind
from drivers.scanner.pipeline import (
    PageFlag,
    PageKind,
    Paper,
    ProcessedPage,
    build_pdf,
    process_document,
    process_page,
    render_page,
)
from simulators.scan_pages import GOOD_SCAN, Degradation, sample
from simulators.scan_pages import PageKind as Drawn


def run(
    kind: Drawn, seed: int, degradation: Degradation = GOOD_SCAN, dpi: int = 200
) -> ProcessedPage:
    scan = sample(kind, np.random.default_rng(seed), degradation, dpi=dpi)
    return process_page(scan.image, dpi)


def residual_skew(page: ProcessedPage) -> float:
    """The text angle left in the pipeline's own output, measured the same way afresh."""

    bitmap = p._resize(render_page(page), p.ANALYSIS_DPI / page.dpi)
    region = np.zeros(bitmap.shape, dtype=bool)
    region[20:-20, 20:-20] = True
    xs, ys = p._ink_points(bitmap, region)
    return p._text_angle(xs, ys, None, 15.0)


@pytest.mark.parametrize(("angle", "margin"), [(0.4, 15.0), (-2.5, 15.0), (-9.0, 30.0), (1.5, 0.0)])
def test_skew_is_corrected_to_half_a_degree(angle: float, margin: float) -> None:
    page = run(Drawn.TEXT, 1, replace(GOOD_SCAN, angle_deg=angle, margin_mm=margin))
    assert abs(page.skew_deg - angle) <= 0.5
    assert abs(residual_skew(page)) <= 0.5
    assert page.rotation_deg == 0


@pytest.mark.parametrize(
    ("kind", "angle"), [(Drawn.TEXT, 2.0), (Drawn.TABLE, -3.0), (Drawn.FORM, 0.0)]
)
def test_upside_down_pages_are_turned(kind: Drawn, angle: float) -> None:
    turned = run(kind, 2, replace(GOOD_SCAN, angle_deg=angle, upside_down=True))
    assert turned.rotation_deg == 180
    assert abs(turned.skew_deg - angle) <= 0.5
    upright = run(kind, 2, replace(GOOD_SCAN, angle_deg=angle))
    assert upright.rotation_deg == 0
    # Turned back, the page is the upright page: same ink in the same places.
    import cv2

    a, b = render_page(turned) < 128, render_page(upright) < 128
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    near_b = cv2.dilate(b[:h, :w].astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert (a[:h, :w] & near_b).sum() > 0.9 * a.sum()  # within ±4 px (0.5 mm)


@pytest.mark.parametrize("seed", [3, 4])
def test_blank_backs_are_dropped(seed: int) -> None:
    page = run(Drawn.BLANK, seed, replace(GOOD_SCAN, angle_deg=1.0))
    assert page.kind is PageKind.BLANK and page.dropped
    assert page.layers == () and page.bytes == 0


def test_a_page_with_one_short_line_is_not_blank() -> None:
    page = run(Drawn.SPARSE, 6)
    assert page.kind is PageKind.TEXT
    assert not page.flags


@pytest.mark.parametrize("kind", [Drawn.TEXT, Drawn.TABLE, Drawn.FORM, Drawn.STAMPED])
def test_good_scans_are_not_flagged(kind: Drawn) -> None:
    page = run(kind, 7, replace(GOOD_SCAN, angle_deg=-1.2, offset_mm=(3.0, -2.0)))
    assert page.flags == frozenset(), page.reasons


def test_too_dark_is_flagged() -> None:
    page = run(Drawn.TEXT, 8, replace(GOOD_SCAN, gain=0.5))
    assert PageFlag.TOO_DARK in page.flags
    assert any(r.startswith("too_dark") for r in page.reasons)


def test_blurred_is_flagged() -> None:
    page = run(Drawn.TEXT, 9, replace(GOOD_SCAN, blur_sigma_px=3.0))
    assert PageFlag.BLURRED in page.flags


def test_paper_running_out_of_the_scan_is_cut_off() -> None:
    page = run(Drawn.TEXT, 10, replace(GOOD_SCAN, cut_mm=30.0))
    assert PageFlag.CUT_OFF in page.flags
    assert any("right" in r for r in page.reasons)


def test_text_pages_are_g4_only() -> None:
    for kind in (Drawn.TEXT, Drawn.TABLE):
        page = run(kind, 11)
        assert page.kind is PageKind.TEXT
        assert [layer.kind for layer in page.layers] == [StreamKind.G4]
        assert page.bytes < 60 * 1024


def test_a_red_seal_stays_red_as_a_red_stencil_mask() -> None:
    page = run(Drawn.STAMPED, 12)
    assert page.kind is PageKind.MIXED
    assert all(layer.kind is StreamKind.G4 and layer.stencil for layer in page.layers)
    red = [layer for layer in page.layers if layer.colour[0] > layer.colour[1] + 80]
    assert len(red) == 1 and page.layers[-1].colour == (0, 0, 0)

    seal = p._decode_layer(red[0])
    assert (seal < 128).sum() > 2000  # the seal's ring and star


def test_photo_and_id_card_pages_keep_continuous_tone() -> None:
    photo = run(Drawn.PHOTO, 13)
    assert photo.kind is PageKind.PHOTO
    assert [layer.kind for layer in photo.layers] == [StreamKind.JPEG_RGB]
    card = run(Drawn.ID_CARD, 14)
    assert card.kind in (PageKind.MIXED, PageKind.PHOTO)
    assert StreamKind.JPEG_RGB in [layer.kind for layer in card.layers]
    assert any("continuous tone" in r or "photo" in r for r in card.reasons)


def test_grey_input_gives_grey_patches() -> None:
    scan = sample(Drawn.PHOTO, np.random.default_rng(15), GOOD_SCAN)
    gray = scan.image.mean(axis=2).astype(np.uint8)
    page = process_page(gray, 200)
    assert page.layers and all(layer.kind is not StreamKind.JPEG_RGB for layer in page.layers)


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    import io

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return [(float(pg.mediabox[2]), float(pg.mediabox[3])) for pg in doc.pages]


def test_pdf_has_one_page_per_kept_page_at_physical_size() -> None:
    rng = np.random.default_rng(16)
    scans = [
        sample(Drawn.TEXT, rng, replace(GOOD_SCAN, angle_deg=1.0)),
        sample(Drawn.BLANK, rng),
        sample(Drawn.CARD_ALONE, rng, replace(GOOD_SCAN, angle_deg=-2.0)),
        sample(Drawn.STAMPED, rng),
    ]
    document = process_document(((s.image, 200.0) for s in scans), title="Giấy khai sinh")
    assert [p.dropped for p in document.pages] == [False, True, False, False]
    assert document.pdf is not None
    boxes = media_boxes(document.pdf)
    assert len(boxes) == 3
    a4 = (210 / 25.4 * 72, 297 / 25.4 * 72)
    card = (85.6 / 25.4 * 72, 54 / 25.4 * 72)
    for got, want in zip(boxes, (a4, card, a4), strict=True):
        assert got == pytest.approx(want, abs=0.5)
    assert document.pages[0].paper is Paper.A4 and document.pages[2].paper is Paper.ID_CARD
    assert b"JBIG2" not in document.pdf


def test_300_dpi_page_size_and_g4() -> None:
    page = run(Drawn.TEXT, 17, replace(GOOD_SCAN, angle_deg=2.0), dpi=300)
    assert page.paper is Paper.A4
    assert page.size_mm == (210.0, 297.0)
    assert abs(page.skew_deg - 2.0) <= 0.5
    assert page.layers[0].kind is StreamKind.G4
    assert not page.flags


def test_pdf_images_decode_to_what_the_pipeline_made() -> None:
    import io

    page = run(Drawn.FORM, 18)
    pdf = build_pdf([page])
    assert pdf is not None
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        xobjects = doc.pages[0].Resources.XObject
        images = [xobjects[name] for name in xobjects]
        assert len(images) == len(page.layers)
        g4 = pikepdf.PdfImage(images[0])
        assert (g4.width, g4.height) == (page.width_px, page.height_px)
        assert g4.filters == ["/CCITTFaxDecode"]


def test_every_page_blank_gives_no_pdf() -> None:
    scan = sample(Drawn.BLANK, np.random.default_rng(19))
    assert process_document([(scan.image, 200.0)]).pdf is None


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="uint8"):
        process_page(np.zeros((100, 100), dtype=np.float32), 200)
    with pytest.raises(ValueError, match="dpi"):
        process_page(np.zeros((100, 100), dtype=np.uint8), 5)


# --- legibility ----------------------------------------------------------------------------


def words(image: np.ndarray, folder: Path) -> collections.Counter[str]:
    import cv2

    path = folder / "page.png"
    cv2.imwrite(str(path), image)
    out = subprocess.run(
        ["tesseract", str(path), "-", "-l", "vie+eng", "--dpi", "200"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return collections.Counter(re.findall(r"\w+", out.lower()))


def tesseract_ready() -> str | None:
    if shutil.which("tesseract") is None:
        return "no tesseract binary (apt-get install tesseract-ocr tesseract-ocr-vie)"
    langs = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
    ).stdout
    if "vie" not in langs.split():
        return "tesseract has no Vietnamese model (apt-get install tesseract-ocr-vie)"
    return None


@pytest.mark.skipif(tesseract_ready() is not None, reason=str(tesseract_ready()))
def test_ocr_reads_the_output_as_well_as_the_perfect_page(tmp_path: Path) -> None:
    read_perfect = read_output = 0
    for kind, seed in ((Drawn.TEXT, 20), (Drawn.FORM, 21)):
        scan = sample(kind, np.random.default_rng(seed), replace(GOOD_SCAN, angle_deg=1.7))
        page = process_page(scan.image, 200)
        perfect = words(scan.page.perfect_gray(), tmp_path)
        output = words(render_page(page), tmp_path)
        read_perfect += sum(perfect.values())
        read_output += sum(min(n, output[w]) for w, n in perfect.items())
    assert read_output >= 0.98 * read_perfect


@pytest.mark.skipif(tesseract_ready() is not None, reason=str(tesseract_ready()))
def test_light_typewriter_ink_is_thresholded_higher_and_reads_better(tmp_path: Path) -> None:
    # A worn ribbon: the darkest marks sit at about 0.55 of the paper's level.
    scan = sample(Drawn.TYPEWRITER, np.random.default_rng(2), replace(GOOD_SCAN, angle_deg=1.0))
    perfect = words(scan.page.perfect_gray(), tmp_path)

    def recall(settings: p.ScanSettings) -> tuple[float, ProcessedPage]:
        page = process_page(scan.image, 200, settings=settings)
        output = words(render_page(page), tmp_path)
        found = sum(min(n, output[w]) for w, n in perfect.items())
        return found / sum(perfect.values()), page

    raised, page = recall(p.DEFAULT_SETTINGS)
    fixed, _ = recall(replace(p.DEFAULT_SETTINGS, light_ink_from=1.0))  # never raised
    assert any(r.startswith("light ink") for r in page.reasons)
    assert raised >= fixed + 0.03
