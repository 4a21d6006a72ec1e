"""The scan pipeline's stages one at a time, on generated scans from ``simulators.scan_pages``:
what each stage hands the next (``test_scan_pipeline`` checks what the whole pipeline makes)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from drivers.scanner import pipeline as p
from drivers.scanner.pdf import StreamKind
from drivers.scanner.pipeline import PageFlag, PageKind, Paper
from simulators.scan_pages import GOOD_SCAN, Degradation
from simulators.scan_pages import PageKind as Drawn
from simulators.scan_pages import sample as draw

DPI = 200


def scanned(kind: Drawn, seed: int, degradation: Degradation = GOOD_SCAN) -> p.Prepared:
    scan = draw(kind, np.random.default_rng(seed), degradation, dpi=DPI)
    return p.prepare(scan.image, DPI)


def analysed(
    prepared: p.Prepared,
) -> tuple[p.PageFrame, p.SkewEstimate, p.AnalysisPage, p.InkSurvey, p.Orientation]:
    """The stages up to the orientation, as ``process_page`` runs them."""
    frame = p.locate_page(prepared)
    skew = p.measure_skew(prepared, frame)
    page = p.deskew(prepared, frame, skew)
    ink = p.survey_ink(page)
    orientation = p.decide_orientation(ink.marks)
    if orientation.turn:
        page, ink = page.turned_over(frame, skew), ink.turned_over()
    return frame, skew, page, ink, orientation


def flags(findings: tuple[p.Finding, ...]) -> set[PageFlag]:
    return {f.flag for f in findings if f.flag is not None}


# --- prepare -------------------------------------------------------------------------------------


def test_prepare_makes_grey_and_100_dpi_copies() -> None:
    prepared = scanned(Drawn.TEXT, 1)
    h, w = prepared.gray.shape
    assert prepared.rgb is not None and prepared.rgb.shape == (h, w, 3)
    assert prepared.scale == pytest.approx(0.5)
    assert prepared.gray100.shape == (round(h / 2), round(w / 2))
    assert prepared.rgb100 is not None and prepared.rgb100.shape[:2] == prepared.gray100.shape


def test_prepare_keeps_grey_input_grey_and_drops_alpha() -> None:
    rgb = scanned(Drawn.TEXT, 1).rgb
    assert rgb is not None
    grey = p.prepare(rgb[:, :, 1].copy(), DPI)
    assert grey.rgb is None and grey.rgb100 is None
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert np.array_equal(p.prepare(rgba, DPI).gray, p.prepare(rgb, DPI).gray)


@pytest.mark.parametrize(
    ("image", "dpi", "match"),
    [
        (np.zeros((80, 80), np.uint16), 200, "uint8"),
        (np.zeros((80, 80, 2), np.uint8), 200, "H×W"),
        (np.zeros((80, 80), np.uint8), 30, "dpi"),
        (np.zeros((80, 80), np.uint8), 2400, "dpi"),
    ],
)
def test_prepare_refuses_what_is_not_a_scan(image: np.ndarray, dpi: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        p.prepare(image, dpi)


# --- paper ---------------------------------------------------------------------------------------


def test_locate_page_finds_an_a4_sheet_on_the_backing() -> None:
    prepared = scanned(Drawn.TEXT, 2, replace(GOOD_SCAN, angle_deg=3.0, offset_mm=(4.0, -3.0)))
    frame = p.locate_page(prepared)
    assert frame.sheet is not None and frame.paper is Paper.A4
    assert frame.size_mm == (210.0, 297.0)
    # The measured sheet, not the nominal size: within the paper tolerance of A4 at 200 dpi.
    assert abs(frame.width_px - 210 / 25.4 * DPI) < 4 / 25.4 * DPI
    assert abs(frame.height_px - 297 / 25.4 * DPI) < 4 / 25.4 * DPI
    h, w = prepared.gray.shape
    # Shifted by the offset: 4 mm right and 3 mm up of the scan's centre (32 and 24 px).
    assert frame.centre[0] - w / 2 == pytest.approx(32, abs=6)
    assert frame.centre[1] - h / 2 == pytest.approx(-24, abs=6)
    assert frame.findings == ()


def test_locate_page_takes_the_whole_scan_without_backing() -> None:
    prepared = scanned(Drawn.TEXT, 3, replace(GOOD_SCAN, margin_mm=0.0))
    frame = p.locate_page(prepared)
    assert frame.sheet is None
    assert (frame.height_px, frame.width_px) == prepared.gray.shape
    assert frame.paper is Paper.A4
    assert [f.reason for f in frame.findings] == [
        "no scanner backing seen: the whole scan is the page"
    ]
    assert flags(frame.findings) == set()


def test_locate_page_flags_a_sheet_running_out_of_the_scan() -> None:
    frame = p.locate_page(scanned(Drawn.TEXT, 4, replace(GOOD_SCAN, cut_mm=30.0)))
    assert flags(frame.findings) == {PageFlag.CUT_OFF}
    assert "right" in frame.findings[0].reason


def test_locate_page_names_an_id_card() -> None:
    frame = p.locate_page(scanned(Drawn.CARD_ALONE, 5, replace(GOOD_SCAN, angle_deg=-2.0)))
    assert frame.paper is Paper.ID_CARD
    assert frame.size_mm == (85.6, 54.0)


# --- skew ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("angle", "margin"), [(2.5, 15.0), (-6.0, 30.0), (1.0, 0.0)])
def test_measure_skew_finds_the_text_angle(angle: float, margin: float) -> None:
    prepared = scanned(Drawn.TEXT, 6, replace(GOOD_SCAN, angle_deg=angle, margin_mm=margin))
    skew = p.measure_skew(prepared, p.locate_page(prepared))
    # Image coordinates (y down): the warp's angle is the scan's counter-clockwise angle negated.
    assert -skew.angle_deg == pytest.approx(angle, abs=0.5)
    assert skew.ink_points >= 300
    assert skew.measures == {"ink_points": float(skew.ink_points)}


def test_measure_skew_on_a_blank_back_follows_the_sheet_edge() -> None:
    prepared = scanned(Drawn.BLANK, 7, replace(GOOD_SCAN, angle_deg=2.0))
    frame = p.locate_page(prepared)
    assert frame.sheet is not None
    skew = p.measure_skew(prepared, frame)
    # Only dust and bleed-through to go by: the search stays within 2° of the sheet's edge.
    assert abs(skew.angle_deg - frame.sheet.angle_deg) <= 2.0
    assert -skew.angle_deg == pytest.approx(2.0, abs=0.5)


# --- deskew and orientation ----------------------------------------------------------------------


def test_deskew_makes_the_cropped_page_at_100_dpi() -> None:
    prepared = scanned(Drawn.TABLE, 8, replace(GOOD_SCAN, angle_deg=4.0))
    frame = p.locate_page(prepared)
    page = p.deskew(prepared, frame, p.measure_skew(prepared, frame))
    assert page.size100 == (round(frame.width_px / 2), round(frame.height_px / 2))
    assert page.gray.shape == (page.size100[1], page.size100[0])
    assert page.inner.shape == page.gray.shape and not page.inner[0].any()
    assert not page.turned
    # Cropped to the sheet: just inside the 4 mm edge band, all round, is paper, not backing.
    edge = np.flatnonzero(page.inner[:, page.inner.shape[1] // 2])[0]
    ring = page.gray[edge:-edge, edge:-edge]
    for side in (ring[0], ring[-1], ring[:, 0], ring[:, -1]):
        assert np.median(side) > 200


def test_upright_text_is_left_as_it_is() -> None:
    _frame, _skew, page, ink, orientation = analysed(scanned(Drawn.TEXT, 9))
    assert not orientation.turn and not page.turned
    assert orientation.lines >= 3 and orientation.asymmetry > 0.08
    assert orientation.findings == ()
    assert ink.mark_count > 100 and ink.paper_level > 200


def test_upside_down_text_is_turned_with_its_marks_and_warp() -> None:
    prepared = scanned(Drawn.TEXT, 9, replace(GOOD_SCAN, upside_down=True))
    frame = p.locate_page(prepared)
    skew = p.measure_skew(prepared, frame)
    page = p.deskew(prepared, frame, skew)
    ink = p.survey_ink(page)
    orientation = p.decide_orientation(ink.marks)
    assert orientation.turn and orientation.asymmetry < -0.08
    turned, turned_ink = page.turned_over(frame, skew), ink.turned_over()
    assert turned.turned
    assert np.array_equal(turned.gray, page.gray[::-1, ::-1])
    assert np.array_equal(turned_ink.marks, ink.marks[::-1, ::-1])
    # The full-resolution warp turns too: the page's centre stays, its corners swap.
    corner = np.array([0.0, 0.0, 1.0])
    a, b = page.matrix @ corner, turned.matrix @ corner
    assert b == pytest.approx([frame.width_px - a[0], frame.height_px - a[1]])


def test_too_few_lines_say_nothing_about_orientation() -> None:
    _frame, _skew, _page, ink, orientation = analysed(scanned(Drawn.BLANK, 10))
    assert orientation.lines < 3
    assert not orientation.turn and orientation.findings == ()
    assert ink.mark_count <= p.DEFAULT_SETTINGS.blank_max_marks


def test_an_undecided_orientation_is_flagged() -> None:
    strict = replace(p.DEFAULT_SETTINGS, orientation_margin=1.0)  # nothing is that clear
    _frame, _skew, _page, ink, _orientation = analysed(scanned(Drawn.TEXT, 11))
    orientation = p.decide_orientation(ink.marks, strict)
    assert not orientation.turn
    assert flags(orientation.findings) == {PageFlag.ORIENTATION_UNCERTAIN}
    assert orientation.findings[0].reason.startswith("orientation_uncertain")


# --- blank ---------------------------------------------------------------------------------------


def test_blank_finding_tells_a_blank_back_from_a_short_line() -> None:
    *_, blank_ink, _ = analysed(scanned(Drawn.BLANK, 12, replace(GOOD_SCAN, angle_deg=1.0)))
    blank = p.blank_finding(blank_ink)
    assert blank is not None and blank.flag is None and blank.reason.startswith("blank: ")
    *_, sparse_ink, _ = analysed(scanned(Drawn.SPARSE, 6))
    assert p.blank_finding(sparse_ink) is None


# --- checks, classification, warp, blur ----------------------------------------------------------


def checked(
    prepared: p.Prepared,
) -> tuple[p.PageFrame, p.AnalysisPage, p.InkSurvey, p.QualityChecks, p.Classification]:
    frame, _skew, page, ink, _orientation = analysed(prepared)
    checks = p.check_quality(page, ink)
    return frame, page, ink, checks, p.classify(prepared, page, ink, checks)


def test_a_good_text_page_passes_the_checks_as_text() -> None:
    _frame, _page, ink, checks, classified = checked(scanned(Drawn.TEXT, 13))
    assert checks.findings == ()
    assert ink.paper_level - checks.ink_level >= p.DEFAULT_SETTINGS.low_contrast_levels
    assert checks.edge_ink_px <= 40
    assert classified.kind is PageKind.TEXT and classified.regions == ()
    assert not classified.colourful
    assert [f.reason for f in classified.findings] == [
        "text: no colour or continuous-tone region → bilevel CCITT G4"
    ]


def test_a_dark_scan_is_too_dark() -> None:
    _frame, _page, _ink, checks, _classified = checked(
        scanned(Drawn.TEXT, 14, replace(GOOD_SCAN, gain=0.5))
    )
    assert PageFlag.TOO_DARK in flags(checks.findings)


def test_a_seal_makes_a_mixed_page_with_a_colourful_region() -> None:
    _frame, _page, _ink, _checks, classified = checked(scanned(Drawn.STAMPED, 15))
    assert classified.kind is PageKind.MIXED and classified.colourful
    assert 0 < classified.patch_fraction <= p.DEFAULT_SETTINGS.whole_page_jpeg_fraction
    assert classified.colour_fraction > 0
    assert classified.findings[0].reason.startswith("mixed: colour marks")


def test_a_photo_page_is_one_photo() -> None:
    _frame, _page, _ink, _checks, classified = checked(scanned(Drawn.PHOTO, 16))
    assert classified.kind is PageKind.PHOTO
    assert classified.patch_fraction > p.DEFAULT_SETTINGS.whole_page_jpeg_fraction
    assert set(classified.measures) == {"colour_fraction", "photo_fraction", "patch_fraction"}


def test_warp_full_keeps_colour_only_when_the_page_needs_it() -> None:
    prepared = scanned(Drawn.STAMPED, 17)
    frame, page, ink, _checks, classified = checked(prepared)
    full = p.warp_full(prepared, frame, page, ink, classified.colourful)
    assert (full.width_px, full.height_px) == (frame.width_px, frame.height_px)
    assert full.rgb is not None and full.rgb.shape[:2] == full.gray.shape
    assert full.sliver == round(0.8 / 25.4 * DPI)
    assert (full.gray[: full.sliver] == round(full.fill)).all()  # the edge painted paper
    assert p.warp_full(prepared, frame, page, ink, colourful=False).rgb is None


@pytest.mark.parametrize(("sigma", "blurred"), [(0.6, False), (3.0, True)])
def test_check_blur_measures_the_text_edges(sigma: float, blurred: bool) -> None:
    prepared = scanned(Drawn.TEXT, 18, replace(GOOD_SCAN, blur_sigma_px=sigma))
    frame, page, ink, checks, _classified = checked(prepared)
    blur = p.check_blur(p.warp_full(prepared, frame, page, ink, False), ink, checks)
    assert (PageFlag.BLURRED in flags(blur.findings)) is blurred
    assert (blur.blur_mm > p.DEFAULT_SETTINGS.blur_limit_mm) is blurred


# --- encoding ------------------------------------------------------------------------------------


def test_encode_text_paints_colour_marks_then_black_ink_as_stencils() -> None:
    prepared = scanned(Drawn.STAMPED, 19)
    frame, page, ink, checks, classified = checked(prepared)
    full = p.warp_full(prepared, frame, page, ink, classified.colourful)
    text = p.binarise_page(full, ink.marks)
    assert text.ink.shape == full.gray.shape and not text.ink[: full.sliver].any()
    assert text.colour.any() and not (text.ink & text.colour).any()
    choice = p.decide_encoding(text, ink, checks, full.dpi)
    assert choice.encoding is p.Encoding.MASK
    layers, finding = p.encode_text(full, text, choice)
    assert all(layer.kind is StreamKind.G4 and layer.stencil for layer in layers)
    assert layers[-1].colour == (0, 0, 0) and len(layers) >= 2
    width, height = layers[-1].stored_size
    assert (width, height) == (round(full.width_px * choice.mask_scale),
                               round(full.height_px * choice.mask_scale))  # fmt: skip
    assert "no background" in finding.reason  # seal and signature need none: no picture


def test_encode_photo_is_one_jpeg_of_the_whole_page() -> None:
    prepared = scanned(Drawn.PHOTO, 20)
    frame, page, ink, _checks, classified = checked(prepared)
    full = p.warp_full(prepared, frame, page, ink, classified.colourful)
    (layer,) = p.encode_photo(full)
    assert layer.kind is StreamKind.JPEG_RGB
    assert (layer.x, layer.y, layer.width, layer.height) == (0, 0, full.width_px, full.height_px)
    grey = p.FullPage(full.dpi, full.gray, None, full.fill, full.sliver)
    assert [layer.kind for layer in p.encode_photo(grey)] == [StreamKind.JPEG_GRAY]


def test_encode_photo_keeps_a_dense_picture_dark() -> None:
    """One gain for the page: a dark picture on it stays dark. Divided by the local paper level,
    which sinks inside the picture, it came out near white and text over it was lost."""
    gray = np.full((1200, 900), 200, np.uint8)
    gray[300:900, 200:700] = 70  # a dark photo
    gray[580:620, 250:650] = 20  # a line of text printed over it
    (layer,) = p.encode_photo(p.FullPage(200.0, gray, None, 200.0, 4))
    shown = p._decode_layer(layer)
    assert abs(int(np.median(shown[20:200, 20:200])) - 255) <= 2  # paper is white
    assert abs(int(np.median(shown[350:550, 250:650])) - 70 * 255 // 200) <= 4
    assert int(np.median(shown[590:610, 300:600])) <= 20 * 255 // 200 + 4


# --- the composition -----------------------------------------------------------------------------


def test_process_page_reports_every_stage_in_order() -> None:
    scan = draw(Drawn.FORM, np.random.default_rng(21), GOOD_SCAN, dpi=DPI)
    page = p.process_page(scan.image, DPI)
    stages = ["prepare", "paper", "skew", "orientation", "checks", "classify", "warp", "blur"]
    assert list(page.stage_ms) == [*stages, "binarise", "encode"]
    blank = draw(Drawn.BLANK, np.random.default_rng(22), GOOD_SCAN, dpi=DPI)
    assert list(p.process_page(blank.image, DPI).stage_ms) == stages[:4]


def test_threshold_for_raises_the_threshold_only_for_light_ink() -> None:
    _frame, _page, ink, checks, _classified = checked(scanned(Drawn.TEXT, 13))
    settings, finding = p.threshold_for(ink, checks)
    assert settings == p.DEFAULT_SETTINGS and finding is None  # black ink: the fixed fraction

    def at(relative: float) -> tuple[p.ScanSettings, p.Finding | None]:
        light = replace(checks, ink_level=relative * ink.paper_level)
        return p.threshold_for(ink, light)

    slightly, _ = at(0.46)  # a little above light_ink_from: raised by half the excess
    assert slightly.ink_ratio == pytest.approx(0.72 + 0.5 * (0.46 - 0.42))
    worn, reason = at(0.6)  # a worn ribbon: raised, but no further than the cap
    assert worn.ink_ratio == p.DEFAULT_SETTINGS.light_ink_max_ratio
    assert reason is not None and reason.flag is None
    assert reason.reason.startswith("light ink (its darkest marks at 0.60 of the paper)")
    assert replace(worn, ink_ratio=p.DEFAULT_SETTINGS.ink_ratio) == p.DEFAULT_SETTINGS
