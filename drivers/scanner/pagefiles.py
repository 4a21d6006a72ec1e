"""A processed page as the files the kiosk keeps during a session: a one-page PDF (what the
dossier carries) and a small PNG thumbnail (what the scan screen shows).

Kept here so that OpenCV stays inside ``drivers``: the app only handles paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from drivers.scanner.pipeline import ProcessedPage, build_pdf, render_page

# Pixels: the scan screen shows it about 330 px wide to recognise the page, and full screen
# (about 1000 px tall) to check it can be read; smaller made the full view a blur.
THUMB_WIDTH = 640


@dataclass(frozen=True, slots=True)
class PageFiles:
    pdf: Path
    thumbnail: Path


def write_page_files(
    page: ProcessedPage, folder: Path, stem: str, *, thumb_width: int = THUMB_WIDTH
) -> PageFiles:
    """Write ``stem.pdf`` and ``stem.png`` into ``folder``, which must exist: a session folder
    wiped under us must not come back. Raises OSError (disk full, the folder wiped) and
    ValueError for a page dropped as blank (it has nothing to show)."""
    pdf = build_pdf([page])
    if pdf is None:
        raise ValueError("a blank page has no files")
    pdf_path = folder / f"{stem}.pdf"
    thumb_path = folder / f"{stem}.png"
    picture = render_page(page)
    scale = thumb_width / picture.shape[1]
    small = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, png = cv2.imencode(".png", np.ascontiguousarray(small))
    if not ok:
        raise OSError("thumbnail could not be encoded")
    pdf_path.write_bytes(pdf)
    thumb_path.write_bytes(png.tobytes())
    return PageFiles(pdf_path, thumb_path)
