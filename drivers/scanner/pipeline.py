"""Scanned page → small, legible PDF page: crop, deskew, orientation, blank drop, checks, encoding.

The kiosk's uplink is weak and the civil servant must be able to read every diacritic, so each
page from the document scanner goes through, in order:

1. **Paper.** The sheet is found against the darker scanner backing on a 50 dpi copy (Otsu,
   largest outer contour, ``minAreaRect``); its measured size names the paper (A4, Letter, ID
   card, … or custom) and becomes the PDF page size. A scan with no backing visible (the
   scanner cropped already, or a white lid) is taken whole.
2. **Skew.** Coarse angle from the paper's edge (or, without one, a ±15° search), refined on the
   text: a projection-profile search over the ink pixels of a 100 dpi copy, done on the pixel
   coordinates (one ``bincount`` per angle) rather than by rotating images, so 60 candidate
   angles cost about as much as one rotation. Residual ≤ 0.1° on the generated pages.
3. **Orientation.** Upside-down pages are told apart by the asymmetry of text lines: Latin
   ascenders, capitals and above all Vietnamese diacritics put more ink above the x-height band
   than descenders and dots below put under it. Measured per text line in 40 mm wide strips.
   (Tesseract's OSD was not used: about 1 s per A4 page here, four times the page budget.)
4. **Blank backs** are dropped when the page holds fewer marks than a few characters, ignoring
   faint bleed-through (less than ~45 grey levels below the paper) and specks under 0.5 mm.
5. **Checks** a citizen can fix by scanning again (``PageFlag``): too dark, low contrast,
   blurred (edge width estimated from the steepest text edges, in millimetres so that it means
   the same at any dpi), cut off (paper running out of the scan area, or ink at the very edge).
6. **Encoding**, chosen per page and explained in ``ProcessedPage.reasons`` (mixed raster
   content, as DjVu and the Internet Archive's archive-pdf-tools do). The page is divided by its
   local paper level (paper = 255). Pictures (halftones, photos, engravings: areas still dark
   once averaged over 2.5 mm at 50 dpi, at least 10 mm across, then grown through the lighter
   ink touching them and by 1.5 mm) go whole into a background JPEG over their bounding box
   (grey ones descreened at 150 dpi, colour ones at 200 dpi), white around them, the black
   text over them inpainted; a page without pictures has no background. A red seal dark
   enough to count as a picture stays red in the background while the black text it was
   stamped over stays in the mask (``_seals``). The text is a CCITT G4 stencil mask
   (/ImageMask, painted black) thresholded at ``ink_ratio`` of the paper on the grey page
   upsampled so that edges keep their sub-pixel position, as ScanTailor and OCRmyPDF do: ×2,
   ×1.5 or ×1, the finest whose G4 size (estimated from the mask's edge pixels) fits
   ``mask_budget_kb``, or the larger ``small_type_budget_kb`` for small or thin type. Other
   colour marks (a blue pen, a seal too light to be a picture) are G4 stencil masks painted in
   their own colour, under the black one so that text stamped over stays black and sharp.
   Light ink (its darkest marks above ``light_ink_from`` of the paper: a worn typewriter
   ribbon, grey print on yellowed paper) raises the threshold, up to ``light_ink_max_ratio``,
   so that its lighter strokes stay whole (``threshold_for``). A page whose ink is faint
   (pencil, carbon copy: ``faint_contrast_levels``) would lose strokes to any threshold: it is
   one grey JPEG at 150 dpi with its contrast stretched. A page mostly made of photos is one
   JPEG. Never JBIG2 (Debian 12 has no jbig2enc; lossy JBIG2 swaps digits).

``process_page`` only composes the stages, each a function with a frozen result that can be run
and tested alone: ``prepare`` (grey and 100 dpi copies), ``locate_page`` (1), ``measure_skew``
(2), ``deskew``, ``survey_ink`` and ``decide_orientation`` (3), ``blank_finding`` (4),
``check_quality``, ``classify``, ``warp_full`` and ``check_blur`` (5), then ``threshold_for``,
``binarise_page``, ``decide_encoding`` and ``encode_text`` or ``encode_greyscale``, or
``encode_photo`` (6). What a stage notices comes back as ``Finding``s: a reason, and the
``PageFlag`` it raises if any.

Everything is computed once at full resolution only where it must be: one affine warp (crop +
deskew + 180° turn together), the threshold and the encoders. Analysis runs on 100 dpi copies.
Stage timings are returned with every page (``ProcessedPage.stage_ms``); ``python -m
benchmarks.scan`` prints them. Input arrays are RGB (H×W×3) or grey (H×W), uint8.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from drivers.scanner.pdf import PdfPage, PlacedImage, StreamKind, write_pdf

Image = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float32]
Matrix = npt.NDArray[np.float64]

MM_PER_INCH = 25.4
PT_PER_INCH = 72.0
ANALYSIS_DPI = 100  # every decision is made on a copy at this resolution
PAPER_DPI = 50  # the sheet is found at this one


class PageKind(StrEnum):
    TEXT = "text"  # one bilevel G4 stencil mask
    MIXED = "mixed"  # G4 masks (black, and colour marks) over a background JPEG of pictures
    PHOTO = "photo"  # one JPEG for the whole page
    GREYSCALE = "greyscale"  # one grey JPEG: faint pencil or carbon that bilevel would break
    BLANK = "blank"  # dropped: not in the PDF


class PageFlag(StrEnum):
    """Problems the citizen can fix by scanning the page again."""

    TOO_DARK = "too_dark"
    LOW_CONTRAST = "low_contrast"
    BLURRED = "blurred"
    CUT_OFF = "cut_off"
    ORIENTATION_UNCERTAIN = "orientation_uncertain"  # text seen but up/down undecided


class Paper(StrEnum):
    A4 = "A4"
    A5 = "A5"
    LETTER = "Letter"
    LEGAL = "Legal"
    ID_CARD = "ID card"
    CUSTOM = "custom"  # whatever the sheet measured


# Portrait (width, height) in mm. A landscape sheet matches with the sides swapped.
PAPER_MM: dict[Paper, tuple[float, float]] = {
    Paper.A4: (210.0, 297.0),
    Paper.A5: (148.0, 210.0),
    Paper.LETTER: (215.9, 279.4),
    Paper.LEGAL: (215.9, 355.6),
    Paper.ID_CARD: (54.0, 85.6),
}
PAPER_TOLERANCE_MM = 4.0  # hand-cut photocopies and our 0.5 mm measuring step


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """Thresholds of the pipeline; the defaults are what the tests and the benchmark measured."""

    jpeg_quality_gray: int = 60
    jpeg_quality_colour: int = 60
    # G4 threshold: a pixel is ink when darker than this fraction of the local paper level.
    ink_ratio: float = 0.72
    # Light ink (a worn typewriter ribbon, grey print on a yellowed book page): its darkest
    # marks above ``light_ink_from`` of the paper raise the threshold by ``light_ink_gain``
    # times the excess, up to ``light_ink_max_ratio``, so its lighter strokes stay in the mask.
    light_ink_from: float = 0.42
    light_ink_gain: float = 0.5
    light_ink_max_ratio: float = 0.76
    # Darker than this many grey levels below the paper: a mark (bleed-through stays above).
    mark_levels: int = 45
    blank_max_marks: int = 4  # marks of at least 0.5 mm; a short word has more
    blank_max_ink_fraction: float = 0.0003
    too_dark_paper_level: int = 150  # the paper's grey level (0-255) below which the page is dark
    low_contrast_levels: int = 70  # paper minus darkest ink
    blur_limit_mm: float = 0.2  # estimated edge blur (Gaussian sigma) above which: blurred
    whole_page_jpeg_fraction: float = 0.35  # patches covering more than this: one JPEG
    # Encoding (``decide_encoding``, ``encode_text``).
    faint_contrast_levels: int = 100  # ink fewer levels below the paper: greyscale page
    greyscale_dpi: int = 150
    jpeg_quality_greyscale: int = 45
    small_type_mm: float = 1.9  # characters shorter than this: the mask at twice the dpi
    thin_stroke_mm: float = 0.34  # strokes thinner than this: likewise
    # The finest mask (×2, ×1.5, else ×1) whose G4 estimate stays under the budget.
    mask_budget_kb: float = 45.0
    small_type_budget_kb: float = 100.0  # small or thin type: legibility first
    black_over_colour: float = 0.3  # of the paper: a colour mark darker than this is black ink
    picture_level: float = 0.85  # of the paper: darker over 2.5 mm is a picture, not text
    picture_reach_level: float = 0.95  # of the paper: a picture grows through what is darker
    picture_min_mm: float = 10.0  # pictures smaller than this stay in the mask
    picture_dpi: int = 150  # the background carrying pictures
    descreen_mm: float = 0.12  # Gaussian sigma applied to grey pictures before they are resampled
    colour_picture_dpi: int = 200  # colour pictures (photos, ID cards): text printed over them
    jpeg_quality_background: int = 50
    max_skew_deg: float = 15.0  # searched when no paper edge is seen
    orientation_margin: float = 0.08  # |asymmetry| below this: undecided, left as it is


DEFAULT_SETTINGS = ScanSettings()


@dataclass(frozen=True, slots=True)
class Layer:
    """One encoded image of a page and where it sits, in pixels of the processed page."""

    kind: StreamKind
    data: bytes = field(repr=False)
    x: int
    y: int
    width: int
    height: int
    dpi: float  # its own: the mask may be finer than the page, the background coarser
    stored_size: tuple[int, int]  # (width, height) of the encoded image in its own pixels
    # A G4 mask painted as a stencil: its ink in ``colour``, its paper transparent over what
    # is below.
    stencil: bool = False
    colour: tuple[int, int, int] = (0, 0, 0)


@dataclass(frozen=True, slots=True)
class ProcessedPage:
    """What the pipeline made of one scanned page, and why; blank pages have no layers."""

    index: int
    kind: PageKind
    layers: tuple[Layer, ...]
    dpi: float
    width_px: int
    height_px: int
    paper: Paper
    size_mm: tuple[float, float]  # the PDF page size (nominal when the paper was recognised)
    skew_deg: float  # the text's rotation in the scan, counter-clockwise positive (corrected)
    rotation_deg: int  # 0 or 180: the turn applied on top of the deskew
    flags: frozenset[PageFlag]
    reasons: tuple[str, ...]  # why this kind/encoding, and why each flag, in plain words
    measures: dict[str, float]
    stage_ms: dict[str, float]
    ms: float

    @property
    def bytes(self) -> int:
        return sum(len(layer.data) for layer in self.layers)

    @property
    def dropped(self) -> bool:
        return self.kind is PageKind.BLANK

    def summary(self) -> dict[str, Any]:
        """A JSON-ready dict (for the CLI, logs and the UI)."""
        return {
            "index": self.index,
            "kind": self.kind.value,
            "encoding": [layer.kind.value for layer in self.layers],
            "bytes": self.bytes,
            "ms": round(self.ms, 1),
            "skew_deg": round(self.skew_deg, 2),
            "rotation": self.rotation_deg,
            "flags": sorted(flag.value for flag in self.flags),
            "dropped_as_blank": self.dropped,
            "paper": self.paper.value,
            "size_mm": [round(v, 1) for v in self.size_mm],
            "reasons": list(self.reasons),
        }

    def pdf_page(self) -> PdfPage:
        """This page for ``pdf.write_pdf``: layers placed on the page's physical size."""
        if self.dropped:
            raise ValueError("a blank page has no PDF page")
        w_pt = self.size_mm[0] / MM_PER_INCH * PT_PER_INCH
        h_pt = self.size_mm[1] / MM_PER_INCH * PT_PER_INCH
        # A nominal size differs from the pixels by at most the tolerance: stretch to fit.
        sx, sy = w_pt / self.width_px, h_pt / self.height_px
        images = []
        for layer in self.layers:
            lw, lh = layer.width * sx, layer.height * sy
            px_w, px_h = layer.stored_size
            images.append(
                PlacedImage(
                    layer.kind,
                    layer.data,
                    px_w,
                    px_h,
                    layer.x * sx,
                    h_pt - (layer.y * sy) - lh,
                    lw,
                    lh,
                    stencil=layer.stencil,
                    colour=layer.colour,
                )
            )
        return PdfPage(w_pt, h_pt, tuple(images))


@dataclass(frozen=True, slots=True)
class ScannedDocument:
    """All pages of one required document, and its PDF (None when every page was blank)."""

    pages: tuple[ProcessedPage, ...]
    pdf: bytes | None = field(repr=False)

    @property
    def kept(self) -> tuple[ProcessedPage, ...]:
        return tuple(page for page in self.pages if not page.dropped)

    @property
    def flagged(self) -> tuple[ProcessedPage, ...]:
        return tuple(page for page in self.pages if page.flags)


# --- small helpers -----------------------------------------------------------------------------


def _u8(array: Any) -> Image:
    return np.asarray(array, dtype=np.uint8)


def _resize(image: Image, scale: float) -> Image:
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return _u8(cv2.resize(image, size, interpolation=cv2.INTER_AREA))


def _mm(px: float, dpi: float) -> float:
    return px / dpi * MM_PER_INCH


def _px(mm: float, dpi: float) -> int:
    return round(mm / MM_PER_INCH * dpi)


def _percentile(gray: Image, q: float, mask: Mask | None = None) -> float:
    """Percentile of a uint8 image by histogram: much cheaper than np.percentile's sort."""
    m = None if mask is None else mask.astype(np.uint8)
    hist = cv2.calcHist([gray], [0], m, [256], [0, 256]).ravel()
    total = float(hist.sum())
    if total == 0:
        return 0.0
    return float(np.searchsorted(np.cumsum(hist), q / 100 * total))


# --- 1. the paper --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sheet:
    """The sheet's outline as found against the scanner backing."""

    centre: tuple[float, float]  # full-resolution pixels
    size: tuple[float, float]  # along its near-horizontal edge, then the other
    angle_deg: float  # of its near-horizontal edge, image coordinates (y down)
    touches_border: tuple[str, ...]  # sides of the scan the sheet runs into


def _find_sheet(gray100: Image, scale_to_full: float) -> tuple[Sheet | None, Mask | None]:
    """The sheet, if its outline can be trusted; and the paper mask (50 dpi) if backing shows."""
    small = _resize(gray100, PAPER_DPI / ANALYSIS_DPI)
    small = _u8(cv2.GaussianBlur(small, (3, 3), 0))
    _level, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    paper_mean = _percentile(small, 50, bright > 0)
    backing_mean = _percentile(small, 50, bright == 0)
    if paper_mean - backing_mean < 40:
        return None, None  # no darker backing visible: the scan is the page
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None, None
    contour = max(contours, key=cv2.contourArea)
    # The sheet's outline filled: text and photos on it are paper too.
    filled = np.zeros_like(bright)
    cv2.drawContours(filled, [contour], -1, 255, thickness=cv2.FILLED)
    sheet = filled > 0
    h, w = small.shape
    area = cv2.contourArea(contour)
    if area < 0.05 * h * w or area > 0.985 * h * w:
        return None, None
    box = cv2.boxPoints(cv2.minAreaRect(cv2.convexHull(contour)))
    edges = [(box[(i + 1) % 4] - box[i]) for i in range(4)]
    angles = [math.degrees(math.atan2(float(e[1]), float(e[0]))) for e in edges]
    # The edge closest to horizontal gives the angle and the width; its neighbour the height.
    folded = [((a + 90) % 180) - 90 for a in angles]
    i = min(range(4), key=lambda k: abs(folded[k]))
    width = float(np.hypot(*edges[i]))
    height = float(np.hypot(*edges[(i + 1) % 4]))
    # A side of the scan the sheet runs along for more than 25 mm: that edge of the sheet is
    # missing. A skewed corner poking out touches it for a few mm only (and loses no content).
    run = _px(25, PAPER_DPI)
    sides = [
        side
        for side, line in (
            ("left", sheet[:, 0]),
            ("top", sheet[0, :]),
            ("right", sheet[:, -1]),
            ("bottom", sheet[-1, :]),
        )
        if int(line.sum()) > run
    ]
    if len(sides) == 4:
        return None, sheet  # the sheet overfills the scan: nothing to crop, no edge to trust
    s = scale_to_full * ANALYSIS_DPI / PAPER_DPI
    centre = box.mean(axis=0) * s
    found = Sheet((float(centre[0]), float(centre[1])), (width * s, height * s), folded[i],
                  tuple(sides))  # fmt: skip
    return found, sheet


def _name_paper(w_mm: float, h_mm: float) -> tuple[Paper, tuple[float, float]]:
    for paper, (pw, ph) in PAPER_MM.items():
        for a, b in ((pw, ph), (ph, pw)):
            if abs(w_mm - a) <= PAPER_TOLERANCE_MM and abs(h_mm - b) <= PAPER_TOLERANCE_MM:
                return paper, (a, b)
    return Paper.CUSTOM, (w_mm, h_mm)


# --- 2. skew -------------------------------------------------------------------------------------


def _ink_points(gray100: Image, region: Mask) -> tuple[Floats, Floats]:
    level, _ = cv2.threshold(gray100[region], 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = (gray100 < level) & region
    ys, xs = np.nonzero(ink)
    step = max(1, len(xs) // 40_000)  # enough for a 0.05° peak, bounded cost
    # Each point stands for a pixel's area: spread it over the pixel. On the bare integer grid
    # angle 0 puts every row of a line into a single bin and wins by aliasing.
    jitter = np.random.default_rng(0).uniform(-0.5, 0.5, size=(2, len(xs[::step])))
    return (
        (xs[::step] + jitter[0]).astype(np.float32),
        (ys[::step] + jitter[1]).astype(np.float32),
    )


def _profile_score(xs: Floats, ys: Floats, angle_deg: float) -> float:
    a = math.radians(angle_deg)
    # Distance across the lines for text whose lines climb at ``angle``, in pixels.
    proj = ys * math.cos(a) - xs * math.sin(a)
    bins = np.bincount((proj - proj.min()).astype(np.int64))
    return float(np.dot(bins, bins))


def _search(xs: Floats, ys: Floats, centre: float, span: float, step: float) -> float:
    candidates = np.arange(centre - span, centre + span + step / 2, step)
    scores = [_profile_score(xs, ys, float(c)) for c in candidates]
    return float(candidates[int(np.argmax(scores))])


def _text_angle(xs: Floats, ys: Floats, coarse: float | None, limit: float) -> float:
    if coarse is None:
        coarse = _search(xs, ys, 0.0, limit, 0.5)
        coarse = _search(xs, ys, coarse, 0.5, 0.1)
    else:
        # Text is normally printed square to the sheet; photocopies can be off by a degree.
        coarse = _search(xs, ys, coarse, 2.0, 0.1)
    return _search(xs, ys, coarse, 0.1, 0.02)


# --- 3. orientation ------------------------------------------------------------------------------


def _line_asymmetry(ink: Mask) -> tuple[float, int]:
    """(ink above the x-height band − ink below) / both, over all text lines; and line count.

    Positive on upright Latin/Vietnamese text. Components that are not character-sized
    (rules, table borders, photos) are left out first.
    """
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    heights, widths = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    keep = (heights >= 2) & (heights <= 28) & (widths <= 160)
    keep[0] = False
    chars8 = keep[labels].view(np.uint8)
    strip = 160  # 40 mm at 100 dpi: baselines stay aligned within a strip
    above = below = 0.0
    lines = 0
    for x0 in range(0, chars8.shape[1], strip):
        profile = cv2.reduce(chars8[:, x0 : x0 + strip], 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S)
        profile = profile.ravel().astype(np.float64)
        rows = np.flatnonzero(profile > 0)
        if rows.size == 0:
            continue
        # Runs of inked rows, bridging one-row gaps (a diacritic floating over its letter).
        breaks = np.flatnonzero(np.diff(rows) > 2)
        starts = np.concatenate(([rows[0]], rows[breaks + 1]))
        ends = np.concatenate((rows[breaks], [rows[-1]]))
        for s, e in zip(starts, ends, strict=True):
            if e - s < 5:
                continue
            band = profile[s : e + 1]
            core = np.flatnonzero(band >= 0.5 * band.max())
            above += float(band[: core[0]].sum())
            below += float(band[core[-1] + 1 :].sum())
            lines += 1
    total = above + below
    return (0.0 if total == 0 else (above - below) / total), lines


# --- 4.–6. analysis of the deskewed page ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Region:
    """A box of colour or continuous tone (100 dpi pixels) that becomes a JPEG patch."""

    x: int
    y: int
    w: int
    h: int
    colourful: bool


def _marks(gray: Image, paper: float, levels: int, inner: Mask) -> tuple[Mask, int, int]:
    """Marks clearly darker than the paper; (mask, marks ≥ 0.5 mm, their pixels)."""
    dark = (gray.astype(np.int16) < paper - levels) & inner
    _n, _, stats, _ = cv2.connectedComponentsWithStats(dark.astype(np.uint8), connectivity=8)
    big = (stats[1:, cv2.CC_STAT_HEIGHT] >= 2) & (stats[1:, cv2.CC_STAT_AREA] >= 3)
    return dark, int(big.sum()), int(stats[1:, cv2.CC_STAT_AREA][big].sum())


def _regions(
    rgb100: Image | None, gray100: Image, paper: float, inner: Mask
) -> tuple[list[Region], float, float]:
    """Boxes (100 dpi px) of colour or continuous tone; and the colour and photo fractions."""
    h, w = gray100.shape
    inner8 = inner.view(np.uint8)
    if rgb100 is not None:
        r, g, b = cv2.split(rgb100)
        chroma = cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))
        # Scanner noise and JPEG fringes at black text stay well under 60 levels of chroma.
        colour8 = cv2.bitwise_and(
            cv2.threshold(chroma, 60, 255, cv2.THRESH_BINARY)[1], inner8 * 255
        )
        colour8 = cv2.morphologyEx(colour8, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    else:
        colour8 = np.zeros((h, w), dtype=np.uint8)
    mid = cv2.inRange(gray100, int(0.2 * paper) + 1, int(0.82 * paper))
    grad = cv2.morphologyEx(gray100, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    smooth = cv2.threshold(grad, 0.18 * paper, 255, cv2.THRESH_BINARY_INV)[1]
    photo = cv2.bitwise_and(cv2.bitwise_and(mid, smooth), inner8 * 255)
    # Blurred text also makes smooth mid-tones, in strokes and lines: a photo is an area.
    photo = cv2.morphologyEx(photo, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(photo, connectivity=8)
    photo = (stats[:, cv2.CC_STAT_AREA] >= 400)[labels] & (labels > 0)  # ≥ 5 × 5 mm
    photo8 = photo.view(np.uint8)
    either = cv2.bitwise_or(colour8, photo8 * 255)
    merged = cv2.dilate(either, np.ones((13, 13), np.uint8))  # 3 mm: a seal and its text join
    n, labels, stats, _ = cv2.connectedComponentsWithStats(merged, connectivity=8)
    boxes = []
    pad = 6
    for k in range(1, n):
        x, y, bw, bh, _ = (int(v) for v in stats[k])
        sub = labels[y : y + bh, x : x + bw] == k
        if cv2.countNonZero(either[y : y + bh, x : x + bw] & sub.view(np.uint8) * 255) < 25:
            continue  # a coloured speck, not a mark
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(w, x + bw + pad), min(h, y + bh + pad)
        col = cv2.countNonZero(colour8[y0:y1, x0:x1])
        boxes.append(Region(x0, y0, x1 - x0, y1 - y0, col > 0.004 * (x1 - x0) * (y1 - y0)))
    area = float(h * w)
    return boxes, cv2.countNonZero(colour8) / area, cv2.countNonZero(photo8) / area


def _blur_mm(gray: Image, dpi: float, paper: float, ink: float) -> float:
    """Estimated Gaussian sigma of the text's edges, in mm.

    A step of contrast C blurred by sigma has a steepest slope of C / (sigma·√(2π)); the 90th
    percentile of the Sobel slope over edge pixels stands for the steepest slope. Measured in
    pixels, converted with the dpi: the same paper blur reads the same at 200 and 300 dpi.
    """
    contrast = max(paper - ink, 1.0)
    # A band through the middle third is plenty and keeps the cost to a few ms.
    h = gray.shape[0]
    band = gray[h // 6 : h - h // 6]
    # |d/dx| + |d/dy| per pixel (a 3×3 Sobel is 8× the slope), saturating at 255.
    gx = cv2.convertScaleAbs(cv2.Sobel(band, cv2.CV_16S, 1, 0, ksize=3), alpha=1 / 8)
    gy = cv2.convertScaleAbs(cv2.Sobel(band, cv2.CV_16S, 0, 1, ksize=3), alpha=1 / 8)
    mag = cv2.add(gx, gy)
    hist = cv2.calcHist([mag], [0], None, [256], [0, 256]).ravel()
    hist[: int(0.1 * contrast) + 1] = 0  # flat paper and noise are not edges
    if hist.sum() < 500:
        return 0.0
    slope = float(np.searchsorted(np.cumsum(hist), 0.9 * hist.sum()))
    sigma_px = contrast / (slope * math.sqrt(2 * math.pi))
    return _mm(sigma_px, dpi)


# --- 6. encoding ---------------------------------------------------------------------------------


def paper_level_map(gray: Image) -> Image:
    """The local paper level of a grey page, full size: a max filter on a 1/8 copy, smoothed.

    Shading, a dark scan and the yellowed edge of an old sheet are paper, not ink.
    """
    h, w = gray.shape
    small = _resize(gray, 1 / 8)
    paper = cv2.dilate(small, np.ones((5, 5), np.uint8))
    paper = cv2.blur(paper, (5, 5))
    return _u8(cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR))


def normalise(gray: Image, paper: Image) -> Image:
    """The page divided by its local paper level (``paper_level_map``): paper reads 255
    everywhere, ink keeps its contrast. What the mask is thresholded on and what the JPEG
    layers are made of."""
    return _u8(cv2.divide(gray, np.maximum(paper, 1), scale=255))


def binarise(norm: Image, settings: ScanSettings = DEFAULT_SETTINGS, scale: float = 1.0) -> Mask:
    """Ink mask of a normalised page: darker than ``ink_ratio`` of the paper, at ``scale`` times
    the page's resolution.

    Above 1 the grey page is upsampled (bicubic) before the threshold, as ScanTailor and
    OCRmyPDF do: a stroke's edge then falls between the page's pixels where the grey says it
    is, so small type keeps its shapes and thin strokes (diacritics, serifs) their width; a
    viewer showing the page at its own resolution averages the finer mask back into grey edges.
    """
    limit = round(settings.ink_ratio * 255)
    if scale != 1.0:
        norm = _u8(cv2.resize(norm, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC))
    return np.asarray(norm < limit, dtype=np.bool_)


def encode_g4(ink: Mask) -> bytes:
    """The CCITT G4 bytes (one strip, paper = fax white) of an ink mask, via libtiff."""
    from PIL import Image as PilImage

    # Pillow's mode "1" stores 0 bits for black; libtiff encodes 0 bits as fax white. Ink goes
    # in as 1 so that the paper is fax white: G4's short codes are for long white runs.
    h, w = ink.shape
    picture = PilImage.frombytes("1", (w, h), np.packbits(ink, axis=1).tobytes())
    out = io.BytesIO()
    picture.save(out, "TIFF", compression="group4", strip_size=2**31 - 1)
    tiff = PilImage.open(io.BytesIO(out.getvalue()))
    tags: Any = getattr(tiff, "tag_v2", {})  # a TiffImageFile; Pillow types open() as ImageFile
    offsets, counts = tags[273], tags[279]
    if len(offsets) != 1:
        raise RuntimeError("libtiff wrote the G4 image in more than one strip")
    data = out.getvalue()
    return data[offsets[0] : offsets[0] + counts[0]]


def g4_as_tiff(data: bytes, width: int, height: int) -> bytes:
    """A one-strip TIFF around raw G4 bytes (``encode_g4``'s), for any TIFF reader to decode."""
    import struct

    tags = (  # (tag, type, value); type 3 = SHORT, 4 = LONG; in ascending tag order
        (256, 4, width), (257, 4, height), (258, 3, 1), (259, 3, 4),
        (262, 3, 0),  # WhiteIsZero: fax white (0 bits) is the paper
        (273, 4, 0), (277, 3, 1), (278, 4, height), (279, 4, len(data)),
    )  # fmt: skip
    ifd_size = 2 + 12 * len(tags) + 4
    data_offset = 8 + ifd_size
    out = bytearray(b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(tags)))
    for tag, kind, given in tags:
        value = data_offset if tag == 273 else given
        packed = struct.pack("<HHI", tag, kind, 1)
        packed += struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        out += packed
    out += struct.pack("<I", 0)
    return bytes(out) + data


def _decode_layer(layer: Layer) -> Image:
    """A layer's pixels at its own resolution: ink = 0 for G4, grey levels for a JPEG."""
    from PIL import Image as PilImage

    if layer.kind is StreamKind.G4:
        w, h = layer.stored_size
        tiff = PilImage.open(io.BytesIO(g4_as_tiff(layer.data, w, h)))
        return np.asarray(tiff.convert("L"), dtype=np.uint8)
    decoded = cv2.imdecode(np.frombuffer(layer.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if decoded is None:
        raise ValueError("a JPEG layer does not decode")
    return _u8(decoded)


def render_page(page: ProcessedPage) -> Image:
    """The grey bitmap a PDF viewer shows for ``page`` at the page's dpi, from its layers.

    Painted in order on white paper: a JPEG is scaled to its place (bilinear, as viewers
    smooth images); a stencil mask paints black where it has ink, its finer pixels averaged
    into the page's (the anti-aliasing a viewer does) and leaves the rest as it was.
    """
    canvas = np.full((page.height_px, page.width_px), 255, dtype=np.uint8)
    for layer in page.layers:
        pixels = _decode_layer(layer)
        box = (layer.width, layer.height)
        area = canvas[layer.y : layer.y + layer.height, layer.x : layer.x + layer.width]
        if layer.stencil:
            # Coverage of each page pixel by ink, 0..255.
            ink = cv2.subtract(np.full_like(pixels, 255), pixels)
            if pixels.shape[::-1] != box:
                ink = _u8(cv2.resize(ink, box, interpolation=cv2.INTER_AREA))
            r, g, b = layer.colour
            luma = round(0.299 * r + 0.587 * g + 0.114 * b)  # what the grey view shows
            cover = ink.astype(np.uint16)
            mixed = area.astype(np.uint16) * (255 - cover) + luma * cover
            area[...] = _u8((mixed + 127) // 255)
        else:
            if pixels.shape[::-1] != box:
                pixels = _u8(cv2.resize(pixels, box, interpolation=cv2.INTER_LINEAR))
            area[...] = pixels
    return canvas


def encode_jpeg(image: Image, quality: int) -> bytes:
    """JPEG bytes (baseline, 4:2:0 for colour) of a grey or RGB image."""
    pixels = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(data.tobytes())


# --- page geometry -------------------------------------------------------------------------------


def _as_rgb_or_gray(image: npt.NDArray[Any]) -> tuple[Image, Image | None]:
    if image.dtype != np.uint8:
        raise ValueError(f"a scanned page must be uint8, not {image.dtype}")
    if image.ndim == 2:
        return image, None
    if image.ndim == 3 and image.shape[2] in (3, 4):
        rgb = _u8(image[:, :, :3])
        return _u8(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)), rgb
    raise ValueError(f"a scanned page must be H×W or H×W×3, not {image.shape}")


def _affine(angle_deg: float, centre: tuple[float, float], out_w: int, out_h: int,
            turn: bool) -> Matrix:  # fmt: skip
    """Full-resolution matrix: rotate by ``angle`` about the sheet's centre, centre it in an
    ``out_w × out_h`` page, and turn it by 180° if asked."""
    m = np.vstack([cv2.getRotationMatrix2D(centre, angle_deg, 1.0), [0.0, 0.0, 1.0]])
    m[0, 2] += out_w / 2 - centre[0]
    m[1, 2] += out_h / 2 - centre[1]
    if turn:
        m = np.array([[-1.0, 0.0, out_w], [0.0, -1.0, out_h], [0.0, 0.0, 1.0]]) @ m
    return np.asarray(m[:2], dtype=np.float64)


def _scaled(m: Matrix, scale: float) -> Matrix:
    out = m.copy()
    out[:, 2] *= scale
    return out


def _warp(image: Image, m: Matrix, size: tuple[int, int], fill: float) -> Image:
    border = (fill,) * (3 if image.ndim == 3 else 1)
    return _u8(cv2.warpAffine(image, m, size, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=border))  # fmt: skip


def _clear_edges(image: Image, px: int, value: float | tuple[float, ...]) -> None:
    """Paint a thin band at the page edge: the slivers of backing left by the crop."""
    if px <= 0:
        return
    image[:px] = value
    image[-px:] = value
    image[:, :px] = value
    image[:, -px:] = value


# --- the stages ----------------------------------------------------------------------------------
#
# ``process_page`` runs these in order. Each stage is a function of what the earlier ones found,
# returns a frozen result and reports what it noticed as ``Finding``s (a reason, and the flag it
# raises if any), so that a stage can be run and tested on its own.


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of ``ProcessedPage.reasons``, and the ``PageFlag`` it raises (if it does)."""

    reason: str
    flag: PageFlag | None = None


class _Stopwatch:
    """Milliseconds per stage (``ProcessedPage.stage_ms``) and in all."""

    def __init__(self, now: Callable[[], float] = time.perf_counter) -> None:
        self._now = now
        self._start = self._last = now()
        self.stage_ms: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = self._now()
        self.stage_ms[stage] = round((now - self._last) * 1000, 2)
        self._last = now

    def total_ms(self) -> float:
        return (self._now() - self._start) * 1000


@dataclass(frozen=True, slots=True)
class Prepared:
    """Stage ``prepare``: the scan in grey (and RGB when in colour), with 100 dpi copies."""

    dpi: float
    gray: Image
    rgb: Image | None
    gray100: Image
    rgb100: Image | None

    @property
    def scale(self) -> float:
        """Full resolution → analysis copy."""
        return ANALYSIS_DPI / self.dpi


def prepare(image: npt.NDArray[Any], dpi: float) -> Prepared:
    """Check the input (uint8, H×W or H×W×3/4, a scanner's dpi) and make the analysis copies."""
    if not 50 <= dpi <= 1200:
        raise ValueError(f"dpi {dpi} is not a scanner resolution")
    gray, rgb = _as_rgb_or_gray(image)
    scale = ANALYSIS_DPI / dpi
    rgb100 = None if rgb is None else _resize(rgb, scale)
    return Prepared(dpi, gray, rgb, _resize(gray, scale), rgb100)


@dataclass(frozen=True, slots=True)
class PageFrame:
    """Stage ``paper``: where the page lies in the scan, its size in pixels and its paper."""

    sheet: Sheet | None  # the sheet's outline, when there is one to trust
    paper_mask: Mask | None  # 50 dpi, when scanner backing shows
    centre: tuple[float, float]  # full-resolution pixels of the scan
    width_px: int  # of the page once cropped and deskewed
    height_px: int
    paper: Paper
    size_mm: tuple[float, float]  # the PDF page size (nominal when the paper was recognised)
    findings: tuple[Finding, ...]


def locate_page(prepared: Prepared) -> PageFrame:
    """Find the sheet against the scanner backing; without one the whole scan is the page."""
    sheet, paper_mask = _find_sheet(prepared.gray100, 1 / prepared.scale)
    findings: list[Finding] = []
    if sheet is None:
        full_h, full_w = prepared.gray.shape
        centre = (full_w / 2, full_h / 2)
        out_w, out_h = full_w, full_h
        findings.append(Finding("no scanner backing seen: the whole scan is the page"))
    else:
        centre = sheet.centre
        out_w, out_h = round(sheet.size[0]), round(sheet.size[1])
        if sheet.touches_border and len(sheet.touches_border) < 4:
            findings.append(
                Finding(
                    f"cut_off: the sheet runs out of the scan ({', '.join(sheet.touches_border)})",
                    PageFlag.CUT_OFF,
                )
            )
    paper, size_mm = _name_paper(_mm(out_w, prepared.dpi), _mm(out_h, prepared.dpi))
    return PageFrame(sheet, paper_mask, centre, out_w, out_h, paper, size_mm, tuple(findings))


@dataclass(frozen=True, slots=True)
class SkewEstimate:
    """Stage ``skew``: the text's angle in the scan (image coordinates, y down)."""

    angle_deg: float  # what the warp rotates by; ``ProcessedPage.skew_deg`` is its negative
    ink_points: int  # ink pixels the text search looked at (0: too few, the edge's angle kept)

    @property
    def measures(self) -> dict[str, float]:
        return {"ink_points": float(self.ink_points)}


def _skew_region(prepared: Prepared, frame: PageFrame) -> npt.NDArray[np.uint8]:
    """Where to look for text at 100 dpi: the sheet (or the scan) less a 5 mm margin."""
    h100, w100 = prepared.gray100.shape
    region = np.zeros((h100, w100), dtype=np.uint8)
    inset = _px(5, ANALYSIS_DPI)
    sheet = frame.sheet
    if sheet is None:
        region[inset:-inset, inset:-inset] = 1
        if frame.paper_mask is not None:  # keep the backing's dark corners out of the ink
            paper100 = cv2.resize(frame.paper_mask.view(np.uint8), (w100, h100),
                                  interpolation=cv2.INTER_NEAREST)  # fmt: skip
            region &= _u8(cv2.erode(paper100, np.ones((2 * inset + 1,) * 2, np.uint8)))
    else:
        scale = prepared.scale
        c = (sheet.centre[0] * scale, sheet.centre[1] * scale)
        inner_size = (
            max(1.0, sheet.size[0] * scale - 2 * inset),
            max(1.0, sheet.size[1] * scale - 2 * inset),
        )
        box = cv2.boxPoints((c, inner_size, sheet.angle_deg)).astype(np.int32)
        cv2.fillConvexPoly(region, box, 1)
    return region


def measure_skew(
    prepared: Prepared, frame: PageFrame, settings: ScanSettings = DEFAULT_SETTINGS
) -> SkewEstimate:
    """The text's angle: refined on the ink around the sheet edge's angle (or searched within
    ``max_skew_deg`` without an edge); the edge's angle alone when there is too little ink."""
    region = _skew_region(prepared, frame)
    if region.any():
        xs, ys = _ink_points(prepared.gray100, region > 0)
    else:
        xs = ys = np.zeros(0, np.float32)
    coarse = None if frame.sheet is None else frame.sheet.angle_deg
    if xs.size >= 300:
        angle = _text_angle(xs, ys, coarse, settings.max_skew_deg)
    else:
        angle = 0.0 if coarse is None else coarse
    return SkewEstimate(angle, int(xs.size))


@dataclass(frozen=True, slots=True)
class AnalysisPage:
    """Stage ``orientation`` (first half): the page cropped and deskewed at 100 dpi, and the
    full-resolution warp that makes the same page (turned by 180° too once ``turned``)."""

    matrix: Matrix  # full-resolution scan → page
    size100: tuple[int, int]  # (width, height) of ``gray``
    gray: Image
    inner: Mask  # the page less a 4 mm band at its edge (the crop's slivers of backing)
    turned: bool = False

    def turned_over(self, frame: PageFrame, skew: SkewEstimate) -> AnalysisPage:
        """The same page turned by 180°, and the warp to match."""
        matrix = _affine(skew.angle_deg, frame.centre, frame.width_px, frame.height_px, turn=True)
        # ``inner`` is symmetric: it needs no turning.
        gray = _u8(cv2.rotate(self.gray, cv2.ROTATE_180))
        return replace(self, matrix=matrix, gray=gray, turned=True)


def deskew(prepared: Prepared, frame: PageFrame, skew: SkewEstimate) -> AnalysisPage:
    """Crop and deskew the 100 dpi copy with the warp the full-resolution page will get."""
    scale = prepared.scale
    size100 = (max(1, round(frame.width_px * scale)), max(1, round(frame.height_px * scale)))
    matrix = _affine(skew.angle_deg, frame.centre, frame.width_px, frame.height_px, turn=False)
    page100 = _warp(prepared.gray100, _scaled(matrix, scale), size100, 255.0)
    inner = np.zeros(page100.shape, dtype=bool)
    edge = _px(4, ANALYSIS_DPI)
    inner[edge:-edge, edge:-edge] = True
    return AnalysisPage(matrix, size100, page100, inner)


@dataclass(frozen=True, slots=True)
class InkSurvey:
    """The paper's grey level and the marks clearly darker than it, on the analysis page."""

    paper_level: float  # 90th percentile of the page's grey levels
    marks: Mask
    mark_count: int  # marks of at least 0.5 mm
    ink_fraction: float  # their pixels over the page's

    @property
    def measures(self) -> dict[str, float]:
        return {
            "paper_level": self.paper_level,
            "marks": float(self.mark_count),
            "ink_fraction": self.ink_fraction,
        }

    def turned_over(self) -> InkSurvey:
        return replace(self, marks=self.marks[::-1, ::-1])


def survey_ink(page: AnalysisPage, settings: ScanSettings = DEFAULT_SETTINGS) -> InkSurvey:
    """Paper level and marks (darker by more than ``mark_levels``: bleed-through is not)."""
    paper_level = _percentile(page.gray, 90, page.inner)
    marks, count, pixels = _marks(page.gray, paper_level, settings.mark_levels, page.inner)
    fraction = pixels / max(1, cv2.countNonZero(page.inner.view(np.uint8)))
    return InkSurvey(paper_level, marks, count, fraction)


@dataclass(frozen=True, slots=True)
class Orientation:
    """Stage ``orientation`` (second half): upright or upside down, from the text lines."""

    asymmetry: float  # ink above the x-height band less ink below, over both (> 0: upright)
    lines: int
    turn: bool
    findings: tuple[Finding, ...]

    @property
    def measures(self) -> dict[str, float]:
        return {"asymmetry": round(self.asymmetry, 3), "text_lines": float(self.lines)}


def decide_orientation(marks: Mask, settings: ScanSettings = DEFAULT_SETTINGS) -> Orientation:
    """Turn the page when its lines lean clearly the wrong way; flag it when it cannot be told
    (and at least three lines were seen: fewer say nothing either way)."""
    asymmetry, lines = _line_asymmetry(marks)
    turn = False
    findings: tuple[Finding, ...] = ()
    if lines >= 3:
        if asymmetry < -settings.orientation_margin:
            turn = True
        elif asymmetry <= settings.orientation_margin:
            findings = (
                Finding(
                    f"orientation_uncertain: line asymmetry {asymmetry:+.2f} too small",
                    PageFlag.ORIENTATION_UNCERTAIN,
                ),
            )
    return Orientation(asymmetry, lines, turn, findings)


def blank_finding(ink: InkSurvey, settings: ScanSettings = DEFAULT_SETTINGS) -> Finding | None:
    """Why the page is a blank back to drop, or None when it holds content."""
    if (
        ink.mark_count > settings.blank_max_marks
        or ink.ink_fraction > settings.blank_max_ink_fraction
    ):
        return None
    return Finding(
        f"blank: {ink.mark_count} marks ≥ 0.5 mm, ink {ink.ink_fraction:.5f} of the page"
    )


@dataclass(frozen=True, slots=True)
class QualityChecks:
    """Stage ``checks``: darkness, contrast and ink at the very edge, on the analysis page."""

    ink_level: float  # 5th percentile of the marks' grey levels
    edge_ink_px: float  # dark pixels 1–2 mm from the page's edge
    findings: tuple[Finding, ...]

    @property
    def measures(self) -> dict[str, float]:
        return {"ink_level": self.ink_level, "edge_ink_px": self.edge_ink_px}


def check_quality(
    page: AnalysisPage, ink: InkSurvey, settings: ScanSettings = DEFAULT_SETTINGS
) -> QualityChecks:
    """TOO_DARK and LOW_CONTRAST, and the ink near the edge that ``classify`` judges."""
    paper_level = ink.paper_level
    ink_level = _percentile(page.gray, 5, ink.marks)
    findings: list[Finding] = []
    if paper_level < settings.too_dark_paper_level:
        findings.append(Finding(f"too_dark: paper reads {paper_level:.0f}/255", PageFlag.TOO_DARK))
    if paper_level - ink_level < settings.low_contrast_levels:
        findings.append(
            Finding(
                f"low_contrast: ink only {paper_level - ink_level:.0f} levels below paper",
                PageFlag.LOW_CONTRAST,
            )
        )
    # Ink in the band 1-2 mm from the edge: text printed there was cut by the sheet's edge
    # or by the scan area. Nearer than 1 mm is the crop's own sliver of backing.
    band = np.zeros(page.gray.shape, dtype=bool)
    o, i = _px(2, ANALYSIS_DPI), _px(1, ANALYSIS_DPI)
    band[i:-i, i:-i] = True
    band[o:-o, o:-o] = False
    edge_marks = (page.gray.astype(np.int16) < paper_level - 80) & band
    edge_ink_px = float(cv2.countNonZero(edge_marks.view(np.uint8)))
    return QualityChecks(ink_level, edge_ink_px, tuple(findings))


@dataclass(frozen=True, slots=True)
class Classification:
    """Stage ``classify``: the page's kind and the regions that become JPEG patches."""

    kind: PageKind
    regions: tuple[Region, ...]  # 100 dpi pixels of the analysis page
    colour_fraction: float
    photo_fraction: float
    patch_fraction: float  # of the page covered by ``regions``
    findings: tuple[Finding, ...]

    @property
    def colourful(self) -> bool:
        return any(region.colourful for region in self.regions)

    @property
    def measures(self) -> dict[str, float]:
        return {
            "colour_fraction": round(self.colour_fraction, 5),
            "photo_fraction": round(self.photo_fraction, 5),
            "patch_fraction": round(self.patch_fraction, 4),
        }


def _kind_finding(
    regions: Sequence[Region], colour_fraction: float, photo_fraction: float,
    patch_fraction: float, settings: ScanSettings,
) -> tuple[PageKind, Finding]:  # fmt: skip
    colourful = any(region.colourful for region in regions)
    if patch_fraction > settings.whole_page_jpeg_fraction:
        return PageKind.PHOTO, Finding(
            f"photo: colour/continuous-tone regions cover {patch_fraction:.0%} of the page "
            f"(> {settings.whole_page_jpeg_fraction:.0%}) → one "
            f"{'colour' if colourful else 'grey'} JPEG"
        )
    if regions:
        what = []
        if colour_fraction > 0:
            what.append(f"colour marks {colour_fraction:.2%}")
        if photo_fraction > 0:
            what.append(f"continuous tone {photo_fraction:.2%}")
        return PageKind.MIXED, Finding(
            f"mixed: {' and '.join(what)} of the page → G4 text + {len(regions)} JPEG patch(es) "
            f"covering {patch_fraction:.1%}"
        )
    return PageKind.TEXT, Finding("text: no colour or continuous-tone region → bilevel CCITT G4")


def classify(
    prepared: Prepared, page: AnalysisPage, ink: InkSurvey, checks: QualityChecks,
    settings: ScanSettings = DEFAULT_SETTINGS,
) -> Classification:  # fmt: skip
    """TEXT, MIXED or PHOTO from the regions of colour and continuous tone; and CUT_OFF when
    ink runs to the edge of a page that is not a photo (a photo may well be cut)."""
    rgb_page100 = None
    if prepared.rgb100 is not None:
        matrix100 = _scaled(page.matrix, prepared.scale)
        rgb_page100 = _warp(prepared.rgb100, matrix100, page.size100, 255.0)
    regions, colour_fraction, photo_fraction = _regions(
        rgb_page100, page.gray, ink.paper_level, page.inner
    )
    patch_fraction = sum(r.w * r.h for r in regions) / float(page.size100[0] * page.size100[1])
    kind, finding = _kind_finding(
        regions, colour_fraction, photo_fraction, patch_fraction, settings
    )
    findings = [finding]
    if kind is not PageKind.PHOTO and checks.edge_ink_px > 40:
        findings.append(
            Finding(
                f"cut_off: ink within 2 mm of the page edge ({checks.edge_ink_px:.0f} px)",
                PageFlag.CUT_OFF,
            )
        )
    return Classification(
        kind, tuple(regions), colour_fraction, photo_fraction, patch_fraction, tuple(findings)
    )


@dataclass(frozen=True, slots=True)
class FullPage:
    """Stage ``warp``: the page at full resolution, cropped, deskewed and turned in one warp."""

    dpi: float
    gray: Image
    rgb: Image | None  # only for a page with colourful regions
    fill: float  # the paper's level: what the warp filled in and the edges were painted with
    sliver: int  # the band at the edge painted over, in pixels

    @property
    def width_px(self) -> int:
        return int(self.gray.shape[1])

    @property
    def height_px(self) -> int:
        return int(self.gray.shape[0])


def warp_full(
    prepared: Prepared, frame: PageFrame, page: AnalysisPage, ink: InkSurvey, colourful: bool
) -> FullPage:
    """One affine warp of the full-resolution scan (colour only when the page needs it), with
    the crop's slivers of backing painted over in the paper's level."""
    size = (frame.width_px, frame.height_px)
    fill = min(255.0, ink.paper_level)
    gray = _warp(prepared.gray, page.matrix, size, fill)
    rgb = None
    if colourful and prepared.rgb is not None:
        rgb = _warp(prepared.rgb, page.matrix, size, fill)
    sliver = _px(0.8, prepared.dpi)
    _clear_edges(gray, sliver, fill)
    if rgb is not None:
        _clear_edges(rgb, sliver, (fill, fill, fill))
    return FullPage(prepared.dpi, gray, rgb, fill, sliver)


@dataclass(frozen=True, slots=True)
class BlurCheck:
    """Stage ``blur``: the text edges' estimated spread, and BLURRED when it is too much."""

    blur_mm: float
    findings: tuple[Finding, ...]

    @property
    def measures(self) -> dict[str, float]:
        return {"blur_mm": round(self.blur_mm, 3)}


def check_blur(
    full: FullPage, ink: InkSurvey, checks: QualityChecks,
    settings: ScanSettings = DEFAULT_SETTINGS,
) -> BlurCheck:  # fmt: skip
    """Blur measured at full resolution (the analysis copy is too coarse to show it)."""
    blur = _blur_mm(full.gray, full.dpi, ink.paper_level, checks.ink_level)
    findings: tuple[Finding, ...] = ()
    if blur > settings.blur_limit_mm:
        findings = (
            Finding(
                f"blurred: text edges spread {blur:.2f} mm (> {settings.blur_limit_mm})",
                PageFlag.BLURRED,
            ),
        )
    return BlurCheck(blur, findings)


def _whitened(image: Image, fill: float) -> Image:
    """Paper to white by the page's paper level (one gain for the whole page)."""
    return _u8(cv2.convertScaleAbs(image, alpha=255.0 / max(fill, 1.0)))


def _jpeg_layer(image: Image, quality: int, page_size: tuple[int, int], dpi: float) -> Layer:
    """A grey or RGB image (already at its stored size) as a JPEG covering the whole page."""
    stream = StreamKind.JPEG_GRAY if image.ndim == 2 else StreamKind.JPEG_RGB
    h, w = image.shape[:2]
    data = encode_jpeg(image, quality)
    return Layer(stream, data, 0, 0, page_size[0], page_size[1], dpi, (w, h))


def encode_photo(full: FullPage, settings: ScanSettings = DEFAULT_SETTINGS) -> tuple[Layer, ...]:
    """Stage ``encode`` of a PHOTO page: the whole page as one JPEG (colour if it has colour),
    paper brought to white by one gain for the whole page.

    Not by the local paper level, as text pages are: inside a dense picture it sinks and
    flattens the picture, and text printed over a photo lost a twentieth of its words that way
    (generated photo pages 0.958 against 1.000 word agreement; the old book page "brothers"
    0.562 against 0.675, "catalogue" 0.647 against 0.533).
    """
    if full.rgb is not None:
        source, quality = _whitened(full.rgb, full.fill), settings.jpeg_quality_colour
    else:
        source, quality = _whitened(full.gray, full.fill), settings.jpeg_quality_gray
    return (_jpeg_layer(source, quality, (full.width_px, full.height_px), full.dpi),)


@dataclass(frozen=True, slots=True)
class TextPage:
    """Stage ``binarise``: the normalised page, its ink mask at the page's resolution, and the
    areas the mask leaves to the background layer."""

    norm: Image  # the grey page divided by its local paper level (paper = 255)
    paper: Image  # that local paper level
    ink: Mask  # darker than ``ink_ratio`` of the paper, pictures and colour left out
    pictures: Mask  # halftones, photos, illustrations: carried whole by the background
    colour: Mask  # colourful marks (seal, signature): the background carries them in colour
    left_out: Mask  # what the black mask leaves to the other layers: pictures (not seals), colour
    char_height_mm: float  # median height of character-sized marks
    stroke_mm: float  # mean stroke width of the ink
    edge_px: int  # the ink's edge pixels: what G4's bytes grow with

    @property
    def measures(self) -> dict[str, float]:
        size = float(self.ink.size)
        return {
            "picture_fraction": round(cv2.countNonZero(self.pictures.view(np.uint8)) / size, 4),
            "colour_ink_fraction": round(cv2.countNonZero(self.colour.view(np.uint8)) / size, 5),
            "char_height_mm": round(self.char_height_mm, 2),
            "stroke_mm": round(self.stroke_mm, 3),
        }


def find_pictures(
    gray: Image, paper: float, dpi: float, settings: ScanSettings = DEFAULT_SETTINGS
) -> Mask:
    """Halftones, photos and illustrations: areas that stay dark once averaged over 2.5 mm.

    As leptonica finds halftone regions: at 50 dpi, a text line is a thin grey band between
    white line gaps and an opening 2.5 mm across wipes it out, while a picture (a screen of
    dots, an engraving's hatching, a photo) is a grey area that survives. What survives, if at
    least ``picture_min_mm`` across, is grown by 1.5 mm so that the picture's light edges go
    with it: the background layer then carries the picture whole, never cut into boxes.
    """
    h, w = gray.shape
    small = _resize(gray, PAPER_DPI / dpi)
    # Relative to the page's paper level: the local one sinks inside a dense picture.
    level = settings.picture_level * paper
    dark = cv2.threshold(small, level, 255, cv2.THRESH_BINARY_INV)[1]
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    solid = cv2.morphologyEx(dark, cv2.MORPH_OPEN, kernel)
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    side = _px(settings.picture_min_mm, PAPER_DPI)
    big = (stats[:, cv2.CC_STAT_WIDTH] >= side) & (stats[:, cv2.CC_STAT_HEIGHT] >= side)
    big[0] = False
    if not big.any():
        return np.zeros((h, w), dtype=bool)
    region = big[labels].view(np.uint8) * 255
    # Its lighter parts (a figure drawn in open line work beside a dark one) join it when they
    # touch it, up to 6 mm out: grown step by step through anything not plain paper.
    inked = cv2.threshold(small, settings.picture_reach_level * paper, 255, cv2.THRESH_BINARY_INV)[
        1
    ]
    step = np.ones((3, 3), np.uint8)
    for _ in range(_px(6, PAPER_DPI)):
        region = cv2.bitwise_and(cv2.dilate(region, step), inked) | region
    # Close the gaps between a picture's dark parts (a face's light cheek, the sky), then grow.
    round_kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15))
    region = cv2.morphologyEx(region, cv2.MORPH_CLOSE, round_kernel)
    grow = 2 * _px(1.5, PAPER_DPI) + 1
    region = cv2.dilate(region, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    return np.asarray(cv2.resize(region, (w, h), interpolation=cv2.INTER_LINEAR) > 127)


def _colour_marks(full: FullPage) -> Mask:
    """Colourful pixels of the full page (red seal, blue signature); none for a grey page."""
    if full.rgb is None:
        return np.zeros(full.gray.shape, dtype=bool)
    r, g, b = cv2.split(full.rgb)
    chroma = cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))
    colour = cv2.threshold(chroma, 50, 255, cv2.THRESH_BINARY)[1]
    colour = cv2.morphologyEx(colour, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    return np.asarray(colour > 0)


def _colour_inks(full: FullPage, colour: Mask) -> list[tuple[Mask, tuple[int, int, int]]]:
    """The colour marks split by hue (red-ish: seals; the rest: pens), each with its median
    colour: each becomes a stencil mask painted in that colour."""
    if full.rgb is None or not colour.any():
        return []
    ys, xs = np.nonzero(colour)
    pixels = full.rgb[ys, xs]  # N × 3: only the colour pixels are looked at
    hue = cv2.cvtColor(pixels[np.newaxis], cv2.COLOR_RGB2HSV)[0, :, 0]  # 0-180
    red = (hue < 20) | (hue > 150)
    inks = []
    for chosen in (red, ~red):
        if int(chosen.sum()) < 50:
            continue
        group = np.zeros(colour.shape, dtype=bool)
        group[ys[chosen], xs[chosen]] = True
        median = np.median(pixels[chosen][::7], axis=0)  # a sample is plenty for a colour
        # Painted flat, so a little deeper than the median: the stroke's core, not its edge.
        inks.append((group, (int(median[0] * 0.85), int(median[1] * 0.85), int(median[2] * 0.85))))
    return inks


def _type_size(ink: Mask, marks100: Mask, dpi: float) -> tuple[float, float, int]:
    """(median height of character-sized marks, mean stroke width) in mm, and the ink's edge
    pixels. Heights from the 100 dpi marks (a connected-component pass at full resolution
    costs 25 ms); the stroke from the full-resolution mask's area and edge."""
    ink8 = ink.view(np.uint8)
    area = cv2.countNonZero(ink8)
    if area == 0:
        return 0.0, 0.0, 0
    edge = area - cv2.countNonZero(cv2.erode(ink8, np.ones((3, 3), np.uint8)))
    _n, _labels, stats, _ = cv2.connectedComponentsWithStats(
        marks100.view(np.uint8), connectivity=8
    )
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    chars = heights[(heights >= 2) & (heights <= _px(8, ANALYSIS_DPI))]
    height = _mm(float(np.median(chars)), ANALYSIS_DPI) if chars.size else 0.0
    # A stroke of width w and length L has area w·L and about 2·L edge pixels.
    return height, _mm(2.0 * area / max(edge, 1), dpi), edge


def threshold_for(
    ink: InkSurvey, checks: QualityChecks, settings: ScanSettings = DEFAULT_SETTINGS
) -> tuple[ScanSettings, Finding | None]:
    """The settings to threshold this page with: ``ink_ratio``, raised for light ink.

    A fixed fraction of the paper suits black ink, whose strokes are far darker than it; the
    strokes of light ink (its darkest marks, on the 100 dpi copy, above ``light_ink_from`` of
    the paper: a worn typewriter ribbon, grey print on yellowed paper) fade at their edges and
    thin parts into that band, and a threshold there breaks letters apart. Measured with
    ``python -m benchmarks.scan``: a generated worn-ribbon page (ink at 0.57 of the paper) went
    from 0.845 to 0.917 OCR agreement, the illustrated book page (0.50) from 0.942 to 0.969.
    Higher ratios than ``light_ink_max_ratio`` fill the gaps between letters and their accents
    (a French page with thin light strokes reads one word of its 65 fewer at 0.76, 0.923 →
    0.908, and more at 0.78 and above), and pages in black ink lose words to any raise
    (strokes merge), so theirs stays.
    """
    relative = checks.ink_level / max(ink.paper_level, 1.0)
    excess = relative - settings.light_ink_from
    if excess <= 0:
        return settings, None
    ratio = min(settings.light_ink_max_ratio, settings.ink_ratio + settings.light_ink_gain * excess)
    return replace(settings, ink_ratio=ratio), Finding(
        f"light ink (its darkest marks at {relative:.2f} of the paper) → threshold raised to "
        f"{ratio:.2f} of the paper"
    )


def binarise_page(
    full: FullPage, marks100: Mask, settings: ScanSettings = DEFAULT_SETTINGS
) -> TextPage:
    """Stage ``binarise``: the normalised page, the areas left to the background (pictures,
    colour) and the ink mask at the page's resolution, with the painted-over edge kept paper."""
    paper = paper_level_map(full.gray)
    norm = normalise(full.gray, paper)
    pictures = find_pictures(full.gray, full.fill, full.dpi, settings)
    # Colourful marks leave the black mask, except where they are nearly black: the text a
    # seal is stamped over (painted black, over the seal's own mask).
    colour = _colour_marks(full)
    if colour.any():
        colour &= norm >= settings.black_over_colour * 255
    left_out = pictures | colour if pictures.any() else colour
    if pictures.any() and colour.any():
        # A picture that is mostly colour marks is a seal: the black text it was stamped over
        # stays in the mask, sharp, and the background carries only the seal.
        left_out = (pictures & ~_seals(pictures, colour, full.dpi)) | colour
    ink = binarise(norm, settings)
    if left_out.any():
        ink &= ~left_out
    _clear_edges(ink.view(np.uint8), full.sliver, 0)
    height, stroke, edge = _type_size(ink, marks100, full.dpi)
    return TextPage(norm, paper, ink, pictures, colour, left_out, height, stroke, edge)


def _seals(pictures: Mask, colour: Mask, dpi: float) -> Mask:
    """The pictures of which at least a sixth of the area is colour marks (at 50 dpi)."""
    h, w = pictures.shape
    size = (max(1, round(w * PAPER_DPI / dpi)), max(1, round(h * PAPER_DPI / dpi)))
    p50 = cv2.resize(pictures.view(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    c50 = cv2.resize(colour.view(np.uint8) * 255, size, interpolation=cv2.INTER_AREA)
    n, labels = cv2.connectedComponents(p50, connectivity=8)
    if n <= 1:
        return np.zeros((h, w), dtype=bool)
    sums = np.bincount(labels.ravel(), weights=c50.ravel(), minlength=n)
    counts = np.maximum(np.bincount(labels.ravel(), minlength=n), 1)
    seal = sums / counts > 255 / 6
    seal[0] = False
    if not seal.any():
        return np.zeros((h, w), dtype=bool)
    chosen = seal[labels].view(np.uint8)
    return np.asarray(cv2.resize(chosen, (w, h), interpolation=cv2.INTER_NEAREST) > 0)


class Encoding(StrEnum):
    """How a page that is not one photo is encoded (``decide_encoding``)."""

    MASK = "mask"  # a bilevel G4 text mask, over a background JPEG where the page has one
    GREYSCALE = "greyscale"  # one grey JPEG: bilevel would lose the faint strokes


@dataclass(frozen=True, slots=True)
class EncodingChoice:
    """Stage ``decide``: the encoding, the mask's resolution and why."""

    encoding: Encoding
    mask_scale: float  # mask pixels per page pixel (1, 1.5 or 2)
    findings: tuple[Finding, ...]


def decide_encoding(
    text: TextPage, ink: InkSurvey, checks: QualityChecks, dpi: float,
    settings: ScanSettings = DEFAULT_SETTINGS,
) -> EncodingChoice:  # fmt: skip
    """Bilevel where it keeps the page legible, greyscale where it would not; and the mask's
    resolution: finer for small or thin type (its shapes are made of few pixels), finer too
    when the mask is cheap enough that the bytes stay within ``mask_budget_kb``."""
    contrast = ink.paper_level - checks.ink_level
    if contrast < settings.faint_contrast_levels:
        return EncodingChoice(Encoding.GREYSCALE, 1.0, (Finding(
            f"greyscale: the ink is only {contrast:.0f} levels below the paper "
            f"(< {settings.faint_contrast_levels}: pencil, carbon copy or a faded page) → one "
            f"grey JPEG at {settings.greyscale_dpi} dpi, a threshold would break its strokes"
        ),))  # fmt: skip
    small = 0 < text.char_height_mm < settings.small_type_mm
    thin = 0 < text.stroke_mm < settings.thin_stroke_mm
    # G4 spends about 0.14-0.22 bytes per edge pixel of the mask (measured on the generated
    # pages), and its bytes grow about linearly with the scale (the edges' length).
    estimate_kb = 0.2 * text.edge_px / 1024
    if small or thin:
        budget = settings.small_type_budget_kb
        why = (f"small type ({text.char_height_mm:.1f} mm)" if small else
               f"thin strokes ({text.stroke_mm:.2f} mm)")  # fmt: skip
    else:
        budget = settings.mask_budget_kb
        why = "ordinary type"
    scale = next((s for s in (2.0, 1.5) if estimate_kb * s <= budget), 1.0)
    why += f", about {estimate_kb:.0f} KB at {dpi:.0f} dpi, budget {budget:.0f} KB"
    return EncodingChoice(Encoding.MASK, scale, (Finding(
        f"mask at {dpi * scale:.0f} dpi ({why}): binarised from the grey page upsampled so "
        "that edges keep their position"
    ),))  # fmt: skip


def _background(full: FullPage, text: TextPage, settings: ScanSettings) -> Layer:
    """The pictures as one JPEG over their bounding box, white around them within it; black
    text the mask paints over them is filled in from around (inpainted) so that the JPEG does
    not spend bytes on it.

    A grey picture (a printed halftone or engraving) is descreened and kept at
    ``picture_dpi``; a colour one (a photo, an ID card with the text printed over its ground)
    at ``colour_picture_dpi`` and not blurred: there the text the mask leaves to it must stay
    readable, and measured on ID-card copies the blur cost a tenth of the words.
    """
    grown = cv2.dilate(
        text.pictures.view(np.uint8), np.ones((2 * _px(1.5, full.dpi) + 1,) * 2, np.uint8)
    )
    x, y, w, h = cv2.boundingRect(grown)
    colour = full.rgb if full.rgb is not None else full.gray
    # Relative to the page's paper level: the local one sinks inside a dense picture.
    crop = _whitened(colour[y : y + h, x : x + w], full.fill)
    if full.rgb is None:
        # A halftone's dots resampled to 150 dpi beat into moiré, which costs JPEG bytes and
        # shows nothing of the picture (the ink dots are 0.15-0.3 mm apart).
        sigma = settings.descreen_mm / MM_PER_INCH * full.dpi
        crop = _u8(cv2.GaussianBlur(crop, (0, 0), sigma))
        scale = min(1.0, settings.picture_dpi / full.dpi)
    else:
        scale = min(1.0, settings.colour_picture_dpi / full.dpi)
    small = crop if scale == 1.0 else _resize(crop, scale)
    size = (small.shape[1], small.shape[0])
    inside = cv2.resize(grown[y : y + h, x : x + w], size, interpolation=cv2.INTER_AREA) > 0
    over = (text.ink[y : y + h, x : x + w] & (grown[y : y + h, x : x + w] > 0)).view(np.uint8)
    dark = cv2.resize(over * 255, size, interpolation=cv2.INTER_AREA)
    dark = cv2.dilate(cv2.threshold(dark, 20, 255, cv2.THRESH_BINARY)[1], np.ones((3, 3), np.uint8))
    if dark.any():
        small = _u8(cv2.inpaint(small, dark, 3, cv2.INPAINT_TELEA))
    small[~inside] = 255  # the rest is the mask's business: white costs no bytes
    stream = StreamKind.JPEG_GRAY if small.ndim == 2 else StreamKind.JPEG_RGB
    data = encode_jpeg(small, settings.jpeg_quality_background)
    return Layer(stream, data, x, y, w, h, full.dpi * scale, size)


def encode_text(
    full: FullPage, text: TextPage, choice: EncodingChoice,
    settings: ScanSettings = DEFAULT_SETTINGS,
) -> tuple[tuple[Layer, ...], Finding]:  # fmt: skip
    """Stage ``encode`` of a TEXT or MIXED page (mixed raster content, as DjVu and the Internet
    Archive's archive-pdf-tools do): a background JPEG of the pictures and colour marks only,
    at a low resolution, with everything else white; over it the ink as a G4 stencil mask at
    ``choice.mask_scale`` times the page's resolution, painted black. A page that is plain
    paper behind its text has no background layer at all."""
    page_size = (full.width_px, full.height_px)
    layers: list[Layer] = []
    keep = text.pictures
    if keep.any():
        layers.append(_background(full, text, settings))
        what = f"background {layers[0].kind.value} at {layers[0].dpi:.0f} dpi"
    else:
        what = "no background (plain paper behind the text)"
    for group, rgb in _colour_inks(full, text.colour & ~text.pictures):
        layers.append(Layer(StreamKind.G4, encode_g4(group), 0, 0, page_size[0], page_size[1],
                            full.dpi, page_size, stencil=True, colour=rgb))  # fmt: skip
        what += f" + {'red' if rgb[0] > rgb[2] else 'colour'} ink mask"
    scale = choice.mask_scale
    clean = text.norm
    if text.left_out.any():
        clean = clean.copy()
        clean[text.left_out] = 255
    ink = binarise(clean, settings, scale) if scale != 1.0 else text.ink
    if scale != 1.0:
        border = max(1, round(full.sliver * scale))
        _clear_edges(ink.view(np.uint8), border, 0)
    mh, mw = ink.shape
    mask = Layer(StreamKind.G4, encode_g4(ink), 0, 0, page_size[0], page_size[1],
                 full.dpi * scale, (mw, mh), stencil=True)  # fmt: skip
    layers.append(mask)
    kb = [f"{len(layer.data) / 1024:.1f}" for layer in layers]
    return tuple(layers), Finding(f"encoded: {what} + G4 stencil mask ({' + '.join(kb)} KB)")


def encode_greyscale(
    full: FullPage, text: TextPage, ink: InkSurvey, checks: QualityChecks,
    settings: ScanSettings = DEFAULT_SETTINGS,
) -> tuple[Layer, ...]:  # fmt: skip
    """Stage ``encode`` of a GREYSCALE page: the normalised page, its faint ink stretched to a
    readable contrast, as one grey JPEG at ``greyscale_dpi``."""
    contrast = max(8.0, (ink.paper_level - checks.ink_level) / max(ink.paper_level, 1) * 255)
    gain = min(3.0, 200.0 / contrast)
    stretched = _u8(cv2.convertScaleAbs(text.norm, alpha=gain, beta=255 - 255 * gain))
    scale = min(1.0, settings.greyscale_dpi / full.dpi)
    small = _resize(stretched, scale) if scale < 1 else stretched
    dpi = settings.greyscale_dpi if scale < 1 else full.dpi
    return (_jpeg_layer(small, settings.jpeg_quality_greyscale,
                        (full.width_px, full.height_px), dpi),)  # fmt: skip


def process_page(
    image: npt.NDArray[Any], dpi: float, *, index: int = 0,
    settings: ScanSettings = DEFAULT_SETTINGS,
) -> ProcessedPage:  # fmt: skip
    """Run the whole pipeline on one scanned page (RGB or grey uint8) scanned at ``dpi``: the
    stages above in order, each timed; a blank back stops after its orientation is known."""
    watch = _Stopwatch()
    prepared = prepare(image, dpi)
    watch.lap("prepare")
    frame = locate_page(prepared)
    watch.lap("paper")
    skew = measure_skew(prepared, frame, settings)
    watch.lap("skew")
    page = deskew(prepared, frame, skew)
    ink = survey_ink(page, settings)
    orientation = decide_orientation(ink.marks, settings)
    if orientation.turn:
        page, ink = page.turned_over(frame, skew), ink.turned_over()
    watch.lap("orientation")
    measures = skew.measures | ink.measures | orientation.measures
    findings = [*frame.findings, *orientation.findings]

    blank = blank_finding(ink, settings)
    if blank is not None:
        # A blank back has no orientation to be uncertain about.
        kept = [f for f in findings if f.flag is not PageFlag.ORIENTATION_UNCERTAIN]
        return _processed(index, PageKind.BLANK, (), prepared=prepared, frame=frame, skew=skew,
                          page=page, findings=[*kept, blank], measures=measures,
                          watch=watch)  # fmt: skip

    checks = check_quality(page, ink, settings)
    watch.lap("checks")
    classified = classify(prepared, page, ink, checks, settings)
    watch.lap("classify")
    full = warp_full(prepared, frame, page, ink, classified.colourful)
    watch.lap("warp")
    blur = None if classified.kind is PageKind.PHOTO else check_blur(full, ink, checks, settings)
    watch.lap("blur")
    kind = classified.kind
    encoded: list[Finding] = []
    if kind is PageKind.PHOTO:
        layers = encode_photo(full, settings)
    else:
        threshold, light = threshold_for(ink, checks, settings)
        text = binarise_page(full, ink.marks, threshold)
        watch.lap("binarise")
        choice = decide_encoding(text, ink, checks, full.dpi, settings)
        encoded += (*choice.findings, *(() if light is None else (light,)))
        measures |= text.measures | {"mask_scale": choice.mask_scale}
        if choice.encoding is Encoding.GREYSCALE:
            kind = PageKind.GREYSCALE
            layers = encode_greyscale(full, text, ink, checks, settings)
        else:
            layers, done = encode_text(full, text, choice, threshold)
            kind = PageKind.MIXED if len(layers) > 1 else PageKind.TEXT
            encoded.append(done)
    watch.lap("encode")

    measures |= checks.measures | classified.measures | ({} if blur is None else blur.measures)
    findings += [*checks.findings, *classified.findings, *(() if blur is None else blur.findings)]
    findings += encoded
    return _processed(index, kind, layers, prepared=prepared, frame=frame, skew=skew,
                      page=page, findings=findings, measures=measures, watch=watch)  # fmt: skip


def _processed(
    index: int, kind: PageKind, layers: tuple[Layer, ...], *, prepared: Prepared,
    frame: PageFrame, skew: SkewEstimate, page: AnalysisPage, findings: Sequence[Finding],
    measures: dict[str, float], watch: _Stopwatch,
) -> ProcessedPage:  # fmt: skip
    """The page as the stages left it; flags are those the findings raised."""
    flags = frozenset(f.flag for f in findings if f.flag is not None)
    return ProcessedPage(
        index, kind, layers, prepared.dpi, frame.width_px, frame.height_px, frame.paper,
        frame.size_mm, -skew.angle_deg, 180 if page.turned else 0, flags,
        tuple(f.reason for f in findings), measures, watch.stage_ms, watch.total_ms(),
    )  # fmt: skip


def process_document(
    pages: Iterable[tuple[npt.NDArray[Any], float]], *, title: str | None = None,
    settings: ScanSettings = DEFAULT_SETTINGS,
) -> ScannedDocument:  # fmt: skip
    """Every scanned page of one required document, and the PDF of the pages kept."""
    processed = tuple(
        process_page(image, dpi, index=i, settings=settings) for i, (image, dpi) in enumerate(pages)
    )
    return ScannedDocument(processed, build_pdf(processed, title=title))


def build_pdf(pages: Sequence[ProcessedPage], *, title: str | None = None) -> bytes | None:
    """One PDF of the non-blank ``pages`` in order; None if there is none."""
    kept = [page.pdf_page() for page in pages if not page.dropped]
    return write_pdf(kept, title=title) if kept else None
