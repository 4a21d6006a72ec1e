"""From pixels to ESC/POS bytes: 1-bit conversion, raster (GS v 0) jobs and the text-mode job.

The bytes are produced once, at render time, with python-escpos's ``Dummy`` printer and the
configured profile, so the fake printer, the kept-slip store and every real connection send
exactly the same job, and tests can compare it byte for byte.

Raster is the default and the dependable way to print Vietnamese: the slip is drawn with a real
font and sent as GS v 0 images in bands of ``BAND_ROWS`` lines (small enough for the receive
buffer of cheap printers), then the paper is fed past the cutter and cut. Text mode (CP1258 code
page) exists only for printers and settings that ask for it; printers do not compose the tone
marks CP1258 sends as separate characters, so it prints worse than raster on most models.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from PIL import Image

from drivers.printer.base import INK, PAPER, Bitmap
from drivers.printer.profiles import PrinterProfile, escpos_modules

BAND_ROWS = 256
THRESHOLD = 128  # text is drawn black on white with anti-aliasing; mid-grey splits it evenly
GS_V_0 = b"\x1dv0"
ESC_INIT = b"\x1b@"
_ESC_T = b"\x1bt"
# CP1258 has the five Vietnamese tone marks as combining characters (and ă â ê ô ơ ư đ as
# letters): a syllable it has no precomposed byte for is sent as base letter + tone mark.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


class Binarize(StrEnum):
    THRESHOLD = "threshold"  # text, codes and lines: crisp edges, no speckle
    DITHER = "dither"  # photographs and logos with grey areas (Floyd–Steinberg)


def binarize(gray: Bitmap, method: Binarize = Binarize.THRESHOLD) -> Bitmap:
    """A greyscale image (0 black … 255 white) as a 1-bit page (``INK`` / ``PAPER``)."""
    if method is Binarize.THRESHOLD:
        return np.where(gray < THRESHOLD, INK, PAPER).astype(np.uint8)
    dithered = Image.fromarray(np.ascontiguousarray(gray)).convert("1")
    return np.where(np.asarray(dithered, dtype=bool), PAPER, INK).astype(np.uint8)


def _dummy(profile: PrinterProfile) -> Any:
    return escpos_modules().printer.Dummy(profile=profile.name)


def _send_image(printer: Any, page: Bitmap) -> None:
    # python-escpos prints a notice on stdout when a profile has no pixel width; it is not ours
    # to show (the CLI's stdout is for its own output).
    with contextlib.redirect_stdout(io.StringIO()):
        printer.image(
            Image.fromarray(np.ascontiguousarray(page)),
            impl="bitImageRaster",
            fragment_height=BAND_ROWS,
        )


def encode_raster(pages: Sequence[Bitmap], profile: PrinterProfile) -> bytes:
    """Each page as GS v 0 bands, then feed and cut; the printer is reset before each copy."""
    printer = _dummy(profile)
    for page in pages:
        if page.shape[1] > profile.width_dots:
            raise ValueError(
                f"page is {page.shape[1]} dots wide, {profile.name} prints {profile.width_dots}"
            )
        printer.hw("INIT")
        _send_image(printer, page)
        printer.cut()
    return bytes(printer.output)


def encode_cp1258(text: str) -> bytes:
    """Vietnamese text in code page 1258, tone marks decomposed where CP1258 needs it."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
        tones = "".join(c for c in decomposed if c in _TONE_MARKS)
        try:
            out += (base + tones).encode("cp1258")
        except UnicodeEncodeError:
            out += b"?"
    return bytes(out)


@dataclass(frozen=True)
class TextLine:
    """A paragraph of the text-mode slip."""

    text: str
    bold: bool = False
    center: bool = False
    large: bool = False  # double width and height


def encode_text(
    copies: Sequence[Sequence[TextLine]], codes: Bitmap, profile: PrinterProfile
) -> bytes:
    """Each copy as CP1258 text, then the QR code and barcode as a raster image, then a cut."""
    code_page = profile.vietnamese_code_page
    if code_page is None:
        raise ValueError(f"profile {profile.name} has no Vietnamese code page")
    printer = _dummy(profile)
    for lines in copies:
        printer.hw("INIT")
        printer._raw(_ESC_T + bytes([code_page]))
        for line in lines:
            printer.set(
                align="center" if line.center else "left",
                bold=line.bold,
                double_width=line.large,
                double_height=line.large,
                normal_textsize=not line.large,
            )
            columns = profile.columns // 2 if line.large else profile.columns
            for part in textwrap.wrap(line.text, columns) or [""]:
                printer._raw(encode_cp1258(part) + b"\n")
        printer.set(align="left", bold=False, normal_textsize=True)
        _send_image(printer, codes)
        printer.cut()
    return bytes(printer.output)


def png_bytes(page: Bitmap) -> bytes:
    """A page as a PNG file (1-bit, so a slip is a few kilobytes)."""
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(page)).convert("1").save(out, format="PNG")
    return out.getvalue()


def read_png(data: bytes) -> Bitmap:
    """A PNG written by ``png_bytes`` (or any greyscale-convertible PNG) as a 1-bit page."""
    with Image.open(io.BytesIO(data)) as image:
        gray = np.asarray(image.convert("L"), dtype=np.uint8)
    return binarize(gray)
