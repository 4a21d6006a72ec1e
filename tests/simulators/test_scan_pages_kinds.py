"""Each kind of generated page shows what it claims: faces, sizes, textures, seals, screens."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from simulators.scan_pages import (
    BENCH_KINDS,
    MONO_FACES,
    TEXT_BENCH_KINDS,
    Degradation,
    Page,
    PageKind,
    Typeface,
    face_font,
    halftone,
    make_page,
    scan_image,
)


def _page(kind: PageKind, seed: int = 5) -> Page:
    return make_page(kind, np.random.default_rng(seed))


def _line_pitch(grey: np.ndarray) -> float:
    """Median distance in pixels between the tops of successive text lines."""
    inked = (grey < 128).sum(axis=1) > 0
    tops = np.flatnonzero(inked[1:] & ~inked[:-1])
    return float(np.median(np.diff(tops)))


def _screen_peak(grey: np.ndarray) -> float:
    """How far the strongest fine periodic pattern (periods of 2.5–7 px) stands above the rest."""
    spectrum = np.abs(np.fft.fft2(grey.astype(np.float32) - grey.mean()))
    fy = np.fft.fftfreq(grey.shape[0])[:, None]
    fx = np.fft.fftfreq(grey.shape[1])[None, :]
    radius = np.hypot(fy, fx)
    band = (radius > 0.15) & (radius < 0.4)
    return float(spectrum[band].max() / np.median(spectrum[band]))


@pytest.mark.parametrize("kind", BENCH_KINDS)
def test_every_benchmark_kind_is_an_a4_page_with_words_and_is_reproducible(
    kind: PageKind,
) -> None:
    first, again = _page(kind, 11), _page(kind, 11)
    assert first.perfect.shape == (2339, 1654, 3)  # A4 at 200 dpi
    assert first.words, "every benchmark page has words for OCR to compare"
    assert np.array_equal(first.perfect, again.perfect)
    assert first.faces, "the typefaces used are recorded"


def test_the_text_kinds_and_the_picture_kinds_do_not_overlap() -> None:
    pictures = set(BENCH_KINDS) - set(TEXT_BENCH_KINDS)
    assert pictures == {PageKind.HALFTONE, PageKind.PHOTO, PageKind.ID_CARD}
    assert set(TEXT_BENCH_KINDS) <= set(BENCH_KINDS)


def test_every_typeface_is_installed_and_has_vietnamese_glyphs() -> None:
    missing = "\ufffe"  # no font maps a noncharacter: how a missing glyph measures
    for face in Typeface:
        font = face_font(face, 40)
        notdef = font.getmask(missing).getbbox()
        for char in "ẠệứờặươđỹỶ":
            assert font.getmask(char).getbbox() != notdef, f"{face.value} lacks {char}"


def test_the_typefaces_page_sets_text_in_several_faces_that_look_different() -> None:
    page = _page(PageKind.TYPEFACES)
    assert len(set(page.faces)) >= 4
    assert min(page.sizes_pt) <= 9
    assert max(page.sizes_pt) >= 14
    # Metric-compatible faces (Liberation Serif and Termes) set a line equally wide: compare the
    # glyphs' pixels, not their widths.
    shapes = {bytes(face_font(f, 40).getmask("Ủy ban nhân dân xã")) for f in page.faces}
    assert len(shapes) == len(set(page.faces)), "two faces draw the same pixels"


def test_the_small_serif_page_is_8_to_9_points_with_lines_much_closer_than_a_letter() -> None:
    page = _page(PageKind.SMALL_SERIF)
    assert max(page.sizes_pt) <= 9.0
    assert Typeface.NOTO_SANS not in page.faces
    small = _line_pitch(page.perfect_gray())
    ordinary = _line_pitch(_page(PageKind.TEXT).perfect_gray())
    assert small < 0.7 * ordinary
    assert len(page.words) > 2 * len(_page(PageKind.TEXT).words)


def _stroke_darkness(grey: np.ndarray) -> np.ndarray:
    """The darkest grey of every mark (connected ink), i.e. how hard each glyph was printed."""
    count, labels = cv2.connectedComponents((grey < 200).astype(np.uint8))
    darkest = np.full(count, 255, dtype=np.int32)
    np.minimum.at(darkest, labels.ravel().astype(np.intp), grey.ravel().astype(np.int32))
    return darkest[1:]


def test_the_typewriter_page_is_monospaced_with_uneven_ink() -> None:
    page = _page(PageKind.TYPEWRITER)
    assert page.faces[0] in MONO_FACES
    typed = _stroke_darkness(page.perfect_gray())
    printed = _stroke_darkness(_page(PageKind.TEXT).perfect_gray())
    # Keys struck harder or softer and a worn ribbon: glyphs differ in darkness; a laser
    # printer prints every glyph equally black.
    assert printed.std() < 5
    assert typed.std() > 12
    assert len(typed) > 500


def test_the_photocopy_has_a_grey_background_specks_and_streaks() -> None:
    grey = _page(PageKind.PHOTOCOPY).perfect_gray()
    clean = _page(PageKind.TEXT).perfect_gray()
    assert np.median(grey) < np.median(clean) - 20
    margin = grey[:, : grey.shape[1] // 12]  # the left margin holds no text
    assert (margin < 150).sum() > 20, "toner specks in the empty margin"
    columns = grey[grey.shape[0] // 2 :, :].mean(axis=0)
    dips = columns < np.median(columns) - 10
    assert dips[: grey.shape[1] * 9 // 10].any(), "a darker streak along the paper path"


def test_the_faint_page_has_low_contrast() -> None:
    for seed in (1, 2, 3):
        grey = _page(PageKind.FAINT, seed).perfect_gray()
        contrast = float(np.median(grey) - np.percentile(grey, 0.05))
        assert 40 < contrast < 110, contrast
    clean = _page(PageKind.TEXT).perfect_gray()
    assert np.median(clean) - np.percentile(clean, 0.05) > 180


def test_the_handwriting_page_is_blue_pen_on_ruled_paper() -> None:
    page = _page(PageKind.HANDWRITING)
    r, b = page.perfect[:, :, 0].astype(int), page.perfect[:, :, 2].astype(int)
    pen = (b > r + 60) & (b > 100) & (r < 90)
    assert pen.sum() > 20_000
    rules = ((b > 200) & (r < 190) & (r > 150)).sum(axis=1) > page.perfect.shape[1] // 2
    assert rules.sum() >= 20, "the notebook's ruled lines"
    assert page.faces == (Typeface.CHORUS,)


def test_the_thin_table_is_ruled_with_lines_one_pixel_thick() -> None:
    grey = _page(PageKind.THIN_TABLE).perfect_gray()
    ruled = (grey < 128).sum(axis=1) > grey.shape[1] * 0.6
    rows = np.flatnonzero(ruled)
    assert len(rows) >= 20
    runs = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
    assert max(len(run) for run in runs) == 1, "a rule thicker than 0.2 mm"


def test_the_halftone_page_has_a_dot_screen_and_the_photo_page_does_not() -> None:
    screened = _screen_peak(_page(PageKind.HALFTONE).perfect_gray())
    assert screened > 300
    assert screened > 2 * _screen_peak(_page(PageKind.TEXT).perfect_gray())
    assert screened > 2 * _screen_peak(_page(PageKind.PHOTO).perfect_gray())


def test_a_halftone_dot_grows_with_the_darkness_of_the_picture() -> None:
    ramp = np.tile(np.linspace(0, 255, 400, dtype=np.float32), (100, 1))
    dots = halftone(ramp, 5.0).astype(np.float32)
    # Averaged over cells the screen keeps the tone; pixel by pixel it is dots, not grey.
    assert abs(dots[:, :40].mean() - ramp[:, :40].mean()) < 40
    assert abs(dots[:, -40:].mean() - ramp[:, -40:].mean()) < 20
    middle = dots[:, 180:220]
    assert middle.std() > 60


def test_the_seal_is_red_and_stamped_over_text() -> None:
    page = _page(PageKind.SEAL_OVER_TEXT)
    r, g, b = (page.perfect[:, :, c].astype(int) for c in range(3))
    red = (r > 150) & (g < 110) & (b < 110)
    assert red.sum() > 2_000
    ys, xs = np.nonzero(red)
    box = (slice(ys.min(), ys.max()), slice(xs.min(), xs.max()))
    black = (r < 90) & (g < 90) & (b < 90)
    assert black[box].sum() > 500, "black text under the seal"


def test_the_latin_page_carries_other_latin_diacritics() -> None:
    text = " ".join(_page(PageKind.LATIN).words)
    assert sum(char in text for char in "éèêüöäßñçãõá") >= 5


def test_a_grey_sheet_is_scanned_grey_on_a_dark_backing() -> None:
    sheet = np.full((400, 300), 240, dtype=np.uint8)
    out = scan_image(sheet, 200, Degradation(angle_deg=2.5, jpeg_quality=None),
                     np.random.default_rng(0))  # fmt: skip
    assert out.ndim == 2
    margin = round(15 / 25.4 * 200)
    assert out.shape == (400 + 2 * margin, 300 + 2 * margin)
    assert out[:20, :20].mean() < 90  # the backing plate
    assert out[out.shape[0] // 2, out.shape[1] // 2] > 220  # the paper
