"""The scan pipeline's encoding: bilevel mask or greyscale per page, pictures carried whole by
the background layer, colour marks as coloured stencil masks, and the PDF as poppler draws it
matching ``render_page``."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.scanner import pipeline as p
from drivers.scanner.pdf import StreamKind
from drivers.scanner.pipeline import PageKind, ProcessedPage, build_pdf, render_page
from simulators.scan_pages import GOOD_SCAN, ScanSample, sample
from simulators.scan_pages import PageKind as Drawn

DPI = 200
STRAIGHT = replace(GOOD_SCAN, angle_deg=0.0)


def scanned(kind: Drawn, seed: int) -> tuple[ScanSample, ProcessedPage]:
    scan = sample(kind, np.random.default_rng(seed), STRAIGHT, dpi=DPI)
    return scan, p.process_page(scan.image, DPI)


def poppler(page: ProcessedPage, folder: Path, *, gray: bool) -> np.ndarray:
    """The page as poppler draws its PDF at the page's resolution."""
    pdf = build_pdf([page])
    assert pdf is not None
    (folder / "page.pdf").write_bytes(pdf)
    mode = ["-gray"] if gray else []
    subprocess.run(["pdftoppm", "-r", str(round(page.dpi)), *mode, "-png", "-singlefile",
                    str(folder / "page.pdf"), str(folder / "out")], check=True)  # fmt: skip
    flag = cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR
    image = cv2.imread(str(folder / "out.png"), flag)
    assert image is not None
    return image


needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="no pdftoppm (apt-get install poppler-utils)"
)


def test_a_text_page_is_one_black_stencil_mask_and_no_background() -> None:
    _scan, page = scanned(Drawn.TEXT, 31)
    assert page.kind is PageKind.TEXT
    (layer,) = page.layers
    assert layer.kind is StreamKind.G4 and layer.stencil and layer.colour == (0, 0, 0)
    assert any(reason.startswith("mask at") for reason in page.reasons)
    assert page.bytes < 60 * 1024


def test_small_type_gets_a_finer_mask_than_the_page() -> None:
    _scan, page = scanned(Drawn.SMALL_SERIF, 32)
    mask = page.layers[-1]
    assert mask.kind is StreamKind.G4
    assert mask.stored_size[0] >= 1.5 * page.width_px
    assert page.measures["mask_scale"] >= 1.5


def test_a_pencil_or_carbon_page_falls_back_to_greyscale() -> None:
    _scan, page = scanned(Drawn.FAINT, 33)
    assert page.kind is PageKind.GREYSCALE
    (layer,) = page.layers
    assert layer.kind is StreamKind.JPEG_GRAY and layer.dpi < page.dpi
    assert any(reason.startswith("greyscale:") for reason in page.reasons)


def test_a_halftone_illustration_is_rendered_whole() -> None:
    """Low-passed over 1 mm and averaged over 5 mm tiles, the output matches the perfect page
    everywhere: a rectangle cut out of the picture, or a grey box pasted over it, would differ
    by about a hundred levels over a whole tile (today's worst tile: under 30)."""
    scan, page = scanned(Drawn.HALFTONE, 34)
    assert page.kind is PageKind.MIXED
    assert page.layers[0].kind is StreamKind.JPEG_GRAY and not page.layers[0].stencil
    assert page.measures["picture_fraction"] > 0.02
    perfect = scan.page.perfect_gray()
    out = cv2.resize(render_page(page), perfect.shape[::-1], interpolation=cv2.INTER_AREA)
    ref = cv2.convertScaleAbs(perfect, alpha=255.0 / float(np.percentile(perfect, 90)))
    low = [cv2.GaussianBlur(im, (0, 0), 4).astype(np.float32) for im in (ref, out)]
    tiles = cv2.resize(np.abs(low[0] - low[1]), None, fx=1 / 40, fy=1 / 40,
                       interpolation=cv2.INTER_AREA)  # fmt: skip
    assert float(tiles.max()) < 45


@needs_poppler
def test_a_red_seal_stays_red_and_the_text_over_it_black(tmp_path: Path) -> None:
    _scan, page = scanned(Drawn.SEAL_OVER_TEXT, 35)
    stencils = [layer for layer in page.layers if layer.stencil]
    red = [layer for layer in stencils if layer.colour[0] > layer.colour[1] + 80]
    assert red and stencils[-1].colour == (0, 0, 0)  # black painted last, over the seal
    rgb = poppler(page, tmp_path, gray=False).astype(np.int16)  # BGR
    reddish = (rgb[:, :, 2] - rgb[:, :, 1] > 80).sum()
    assert reddish > 2000  # the seal's ring and lettering
    black = (rgb.max(axis=2) < 60).sum()
    assert black > 5000  # the text, over the seal too


@needs_poppler
@pytest.mark.parametrize(("kind", "seed"), [(Drawn.HALFTONE, 36), (Drawn.SMALL_SERIF, 37),
                                            (Drawn.FAINT, 38), (Drawn.STAMPED, 39)])  # fmt: skip
def test_poppler_draws_the_pdf_as_render_page_does(kind: Drawn, seed: int, tmp_path: Path) -> None:
    _scan, page = scanned(kind, seed)
    ours = render_page(page)
    theirs = poppler(page, tmp_path, gray=True)
    theirs = cv2.resize(theirs, ours.shape[::-1], interpolation=cv2.INTER_AREA)
    # Poppler's anti-aliasing of a fine mask and its placement to a fraction of a pixel differ
    # from ours: compared over 1 mm. A layer missing, misplaced or mis-coloured would not pass.
    low = [cv2.GaussianBlur(im, (0, 0), 3).astype(np.float32) for im in (ours, theirs)]
    diff = np.abs(low[0] - low[1])
    assert float(diff.mean()) < 3.0
    assert float(np.percentile(diff, 99.9)) < 40
