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
6. **Encoding**, chosen per page and explained in ``ProcessedPage.reasons``: text is bilevel
   CCITT G4 (background-normalised local threshold that keeps thin diacritics); regions of
   colour (red seal, blue signature) or continuous tone (photos, the portrait on an ID card) are
   JPEG patches over the G4 page (colour only when the region is colourful); a page mostly made
   of such regions is one JPEG. Never JBIG2.

``process_page`` only composes the stages, each a function with a frozen result that can be run
and tested alone: ``prepare`` (grey and 100 dpi copies), ``locate_page`` (1), ``measure_skew``
(2), ``deskew``, ``survey_ink`` and ``decide_orientation`` (3), ``blank_finding`` (4),
``check_quality``, ``classify``, ``warp_full`` and ``check_blur`` (5), then ``binarise_page`` with
``encode_text``, or ``encode_photo`` (6). What a stage notices comes back as ``Finding``s: a
reason, and the ``PageFlag`` it raises if any.

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
    TEXT = "text"  # one bilevel G4 image
    MIXED = "mixed"  # G4 text with JPEG patches (seal, signature, photo)
    PHOTO = "photo"  # one JPEG for the whole page
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
    # Darker than this many grey levels below the paper: a mark (bleed-through stays above).
    mark_levels: int = 45
    blank_max_marks: int = 4  # marks of at least 0.5 mm; a short word has more
    blank_max_ink_fraction: float = 0.0003
    too_dark_paper_level: int = 150  # the paper's grey level (0-255) below which the page is dark
    low_contrast_levels: int = 70  # paper minus darkest ink
    blur_limit_mm: float = 0.2  # estimated edge blur (Gaussian sigma) above which: blurred
    whole_page_jpeg_fraction: float = 0.35  # patches covering more than this: one JPEG
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
    dpi: float  # a photo patch may be stored at a lower resolution than the page


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
            px_w = round(layer.width * layer.dpi / self.dpi)
            px_h = round(layer.height * layer.dpi / self.dpi)
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


def binarise(gray: Image, settings: ScanSettings = DEFAULT_SETTINGS) -> Mask:
    """Ink mask of a grey page: darker than ``ink_ratio`` of the local paper level.

    The paper level comes from a max filter on a 1/8 copy, so shading, a dark scan and the
    yellowed edge of an old sheet do not turn to ink, while thin diacritic strokes, lighter than
    full ink after the scanner's blur, stay above the threshold.
    """
    h, w = gray.shape
    small = _resize(gray, 1 / 8)
    paper = cv2.dilate(small, np.ones((5, 5), np.uint8))
    paper = cv2.blur(paper, (5, 5))
    limit = (paper.astype(np.float32) * settings.ink_ratio).astype(np.uint8)
    limit_full = _u8(cv2.resize(limit, (w, h), interpolation=cv2.INTER_LINEAR))
    return np.asarray(gray < limit_full, dtype=np.bool_)


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


def render_page(page: ProcessedPage) -> Image:
    """The grey bitmap a PDF viewer shows for ``page`` at the page's dpi, from its layers."""
    from PIL import Image as PilImage

    canvas = np.full((page.height_px, page.width_px), 255, dtype=np.uint8)
    for layer in page.layers:
        if layer.kind is StreamKind.G4:
            tiff = PilImage.open(io.BytesIO(g4_as_tiff(layer.data, layer.width, layer.height)))
            pixels = np.asarray(tiff.convert("L"), dtype=np.uint8)
        else:
            decoded = cv2.imdecode(np.frombuffer(layer.data, np.uint8), cv2.IMREAD_GRAYSCALE)
            if decoded is None:
                raise ValueError("a JPEG layer does not decode")
            pixels = _u8(cv2.resize(decoded, (layer.width, layer.height)))
        canvas[layer.y : layer.y + layer.height, layer.x : layer.x + layer.width] = pixels
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
    """Paper to white, as on the G4 page around it (and flat white costs no bytes)."""
    return _u8(cv2.convertScaleAbs(image, alpha=255.0 / max(fill, 1.0)))


def encode_photo(full: FullPage, settings: ScanSettings = DEFAULT_SETTINGS) -> tuple[Layer, ...]:
    """Stage ``encode`` of a PHOTO page: the whole page as one JPEG (colour if it has colour)."""
    if full.rgb is not None:
        source, stream, quality = full.rgb, StreamKind.JPEG_RGB, settings.jpeg_quality_colour
    else:
        source, stream, quality = full.gray, StreamKind.JPEG_GRAY, settings.jpeg_quality_gray
    data = encode_jpeg(_whitened(source, full.fill), quality)
    return (Layer(stream, data, 0, 0, full.width_px, full.height_px, full.dpi),)


def binarise_page(full: FullPage, settings: ScanSettings = DEFAULT_SETTINGS) -> Mask:
    """Stage ``binarise``: the ink mask for G4, with the painted-over edge kept paper."""
    ink = binarise(full.gray, settings)
    _clear_edges(ink.view(np.uint8), full.sliver, 0)
    return ink


def encode_text(
    full: FullPage, ink: Mask, regions: Sequence[Region], scale: float,
    settings: ScanSettings = DEFAULT_SETTINGS,
) -> tuple[Layer, ...]:  # fmt: skip
    """Stage ``encode`` of a TEXT or MIXED page: the ink as one G4 image, then a JPEG patch per
    region (``scale``: full resolution → the regions' 100 dpi). Clears ``ink`` under patches."""
    out_w, out_h = full.width_px, full.height_px
    patches: list[Layer] = []
    for r in regions:
        x0, y0 = round(r.x / scale), round(r.y / scale)
        x1, y1 = min(out_w, round((r.x + r.w) / scale)), min(out_h, round((r.y + r.h) / scale))
        if r.colourful and full.rgb is not None:
            crop: Image = full.rgb[y0:y1, x0:x1]
            stream, quality = StreamKind.JPEG_RGB, settings.jpeg_quality_colour
        else:
            crop = full.gray[y0:y1, x0:x1]
            stream, quality = StreamKind.JPEG_GRAY, settings.jpeg_quality_gray
        ink[y0:y1, x0:x1] = False  # the patch carries everything inside its box
        data = encode_jpeg(_whitened(crop, full.fill), quality)
        patches.append(Layer(stream, data, x0, y0, x1 - x0, y1 - y0, full.dpi))
    return (Layer(StreamKind.G4, encode_g4(ink), 0, 0, out_w, out_h, full.dpi), *patches)


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
    if classified.kind is PageKind.PHOTO:
        layers = encode_photo(full, settings)
    else:
        mask = binarise_page(full, settings)
        watch.lap("binarise")
        layers = encode_text(full, mask, classified.regions, prepared.scale, settings)
    watch.lap("encode")

    measures |= checks.measures | classified.measures | ({} if blur is None else blur.measures)
    findings += [*checks.findings, *classified.findings, *(() if blur is None else blur.findings)]
    return _processed(index, classified.kind, layers, prepared=prepared, frame=frame, skew=skew,
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
