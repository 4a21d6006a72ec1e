"""Real scanned pages from public sources, fetched once and cached, and "scanned" again.

The generated pages of ``simulators.scan_pages`` are drawn by one program and miss what real
paper does (small serif book type, typewriter ink, newspaper halftones, old and yellowed paper).
This module takes real scans published with two open-source projects and checked by SHA-256:

- OCRmyPDF's source distribution on PyPI (``tests/resources``: a book page with an engraving, a
  typewritten recipe, a printed product sheet, a French paragraph);
- Leptonica's source tarball from Debian's package pool (``prog/``: magazine and newspaper pages
  with halftone photographs, book pages, a table, a patent, a catalogue, a portrait photo).

Each page records where it comes from, its licence, what kind of page it is, its language and
its own resolution. Only the page files are kept, under ``~/.cache/kiosk-dvc/real-pages/``, and
each is checked against its SHA-256 whenever it is read: a corrupt or altered file is refused with
an error that says which file and what to do.

``degrade`` turns a page into what a 200 dpi sheet-fed scanner hands over (grey, the paper on a
dark backing plate, skewed 1.5–3.5°, a little blur and sensor noise) and keeps the page itself as
the perfect capture, at its own resolution, for OCR comparison.

    python -m simulators.real_pages            # fetch what is missing, list the pages
"""

from __future__ import annotations

import argparse
import io
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np
from PIL import Image as PilImage

from simulators import published
from simulators.published import FetchMethod
from simulators.scan_pages import Degradation, Image, scan_image

DEFAULT_CACHE = Path.home() / ".cache" / "kiosk-dvc" / "real-pages"
SCAN_DPI = 200  # what the kiosk's sheet-fed scanner is set to


class RealKind(StrEnum):
    """What is on a real page, for the benchmark's rows."""

    BOOK = "real_book"  # a book page: serif type, often small
    BOOK_ILLUSTRATED = "real_book_illustrated"  # book page with an engraving
    OLD_BOOK = "real_old_book"  # old print on yellowed paper
    TYPEWRITER = "real_typewriter"
    PRINTED = "real_printed"  # a modern printed sheet
    MAGAZINE_HALFTONE = "real_magazine_halftone"  # columns of text with halftone photographs
    NEWSPAPER = "real_newspaper"  # small type in narrow columns
    TABLE = "real_table"
    FORM = "real_form"  # a patent's front page: fields, numbers, small type
    PHOTO = "real_photo"  # a photograph, no text


@dataclass(frozen=True, slots=True)
class Archive:
    """A published file that holds some of the pages, and how to get it."""

    name: str  # file name once downloaded
    method: FetchMethod
    locator: str  # requirement for pip, or URL
    sha256: str
    root: str  # the folder every member sits in


OCRMYPDF = Archive(
    "ocrmypdf-17.13.0.tar.gz",
    FetchMethod.PYPI_SDIST,
    "ocrmypdf==17.13.0",
    "151c35d810eb628fbc5cb9bbe80b834ecf094737efa0e7a2e9e1fac3c730ed49",
    "ocrmypdf-17.13.0/tests/resources/",
)
LEPTONICA = Archive(
    "leptonlib_1.82.0.orig.tar.gz",
    FetchMethod.DEBIAN_POOL,
    "http://deb.debian.org/debian/pool/main/l/leptonlib/leptonlib_1.82.0.orig.tar.gz",
    "155302ee914668c27b6fe3ca9ff2da63b245f6d62f3061c8f27563774b8ae2d6",
    "leptonica-1.82.0/prog/",
)
ARCHIVES = (OCRMYPDF, LEPTONICA)

_LEPTONICA_LICENCE = "BSD-2-Clause (Leptonica's licence, as shipped in its source)"


@dataclass(frozen=True, slots=True)
class RealPage:
    """One real page: where it is published, its checksum and what it is."""

    name: str
    archive: Archive
    member: str  # file inside the archive's root folder
    sha256: str  # of the member's bytes
    kind: RealKind
    dpi: int  # the resolution it was scanned at (estimated when the file does not say)
    language: str  # tesseract's code for the page's language
    licence: str
    note: str

    @property
    def has_text(self) -> bool:
        return self.kind is not RealKind.PHOTO


PAGES = (
    RealPage("huck_finn", OCRMYPDF, "c03-29.pdf",
             "c2ff83af7d028c95209cc7eebdf80fd5bb4cd292973ed6601e4bab7d1929f201",
             RealKind.BOOK_ILLUSTRATED, 150, "eng", "public domain",
             "Huckleberry Finn, chapter III: small serif type, an engraving, tinted paper"),
    RealPage("typewriter", OCRMYPDF, "typewriter.png",
             "6f7a83685a83af954e9672b3e2db3253af165513d2826d780a48e175742f4469",
             RealKind.TYPEWRITER, 800, "nld",
             "GFDL-1.2-or-later or CC-BY-SA-3.0 (Ellywa, Wikimedia Commons)",
             "a Dutch recipe typed on a Triumph typewriter; dpi from the 10 cpi pitch"),
    RealPage("linn", OCRMYPDF, "linn.png",
             "dcd90f08a6b8a733612f818330153636c13283dd548e2e092cad1fe628ec7bf3",
             RealKind.PRINTED, 300, "eng", "GFDL-1.2-or-later or CC-BY-SA-3.0",
             "a printed product sheet, bilevel: bullets, small type, a logo"),
    RealPage("francais", OCRMYPDF, "francais.pdf",
             "600c27f8dd2ef085a94d3500f6ccdb3b37f4b89aa8ffdf9a00a06a1367887e8b",
             RealKind.PRINTED, 300, "fra", "CC-BY-SA-4.0 (James R. Barlow)",
             "a French paragraph full of accents, grey"),
    RealPage("feynman", LEPTONICA, "feyn.tif",
             "3d64590834da81c4bf14cd915b1fc6bd7b7c9391337b12548a329e0d71946a91",
             RealKind.MAGAZINE_HALFTONE, 300, "eng", _LEPTONICA_LICENCE,
             "magazine page, two columns of serif type, bilevel"),
    RealPage("pageseg1", LEPTONICA, "pageseg1.tif",
             "259d73c5deecbfa92969121786042b7242abb9e0dd871d2750e2761f316316fc",
             RealKind.MAGAZINE_HALFTONE, 300, "eng", _LEPTONICA_LICENCE,
             "newsletter: headlines, columns and a halftone photograph, bilevel"),
    RealPage("pageseg4", LEPTONICA, "pageseg4.tif",
             "169d69c9e62f89c672a06918f4b8ceb7770bf8b5d7d12eca90d1ce86ff54c377",
             RealKind.MAGAZINE_HALFTONE, 300, "eng", _LEPTONICA_LICENCE,
             "magazine page: three columns, a pull quote in large type, bilevel"),
    RealPage("rabi", LEPTONICA, "rabi.png",
             "74b7f916b29632afe5638549c284f0c509b5ea633bf3261c6fa157559c983dba",
             RealKind.MAGAZINE_HALFTONE, 300, "eng", _LEPTONICA_LICENCE,
             "magazine page with a large halftone portrait, bilevel"),
    RealPage("scotsman", LEPTONICA, "scots-frag.tif",
             "2edc2ef83275d2dfbcadd5778c11eceaae80f0d992e52c081c099c16935d7232",
             RealKind.NEWSPAPER, 300, "eng", _LEPTONICA_LICENCE,
             "The Scotsman, 1951: small type in narrow columns, bilevel"),
    RealPage("shearer", LEPTONICA, "shearer.148.tif",
             "d6229ce755bc97d7dc0fd965bafe3a35e2719f0174fe8fa4a91b80c70288daba",
             RealKind.BOOK, 300, "eng", _LEPTONICA_LICENCE,
             "book page, two columns of serif text, bilevel"),
    RealPage("table", LEPTONICA, "table.15.tif",
             "27c4d606ce859d8522500355e76b9b52af5ca6077198061b1755424d11c824e8",
             RealKind.TABLE, 150, "eng", _LEPTONICA_LICENCE,
             "statistical table with thin rules and small figures, bilevel at 150 dpi"),
    RealPage("patent", LEPTONICA, "patent.png",
             "d479709e5017fee9657bd5241a4eb023efd7c07b9fffc1610e2eecd0c33a594a",
             RealKind.FORM, 300, "eng", _LEPTONICA_LICENCE,
             "front page of a US patent: fields, numbers, small type, bilevel"),
    RealPage("lucasta", LEPTONICA, "lucasta.047.jpg",
             "724384417500be28c20fb7d902ef08db1d7999180abaa22cb64fd4a874e52e91",
             RealKind.BOOK, 200, "eng", _LEPTONICA_LICENCE,
             "book page in grey, small serif type with italics; dpi estimated"),
    RealPage("zanotti", LEPTONICA, "zanotti-78.jpg",
             "0d3eee0f8779c50d349ec1ba168332ded3802218418acdee8ba2104601b561c3",
             RealKind.OLD_BOOK, 150, "lat", _LEPTONICA_LICENCE,
             "old Latin book page in colour, small type on yellowed paper"),
    RealPage("catalogue", LEPTONICA, "cat.007.jpg",
             "c42fcd8fca51b475dd0f383742b9624bd09e7e95311ae0d71ffa530509b56a4f",
             RealKind.OLD_BOOK, 200, "eng", _LEPTONICA_LICENCE,
             "old catalogue page in colour: very small type, numbers; dpi estimated"),
    RealPage("brothers", LEPTONICA, "brothers.150.jpg",
             "92b6c3d5e64347ba1d672937f49b70e888c11957829b334cc5dbae2bebad2ba0",
             RealKind.OLD_BOOK, 150, "eng", _LEPTONICA_LICENCE,
             "17th-century English print with long s, in colour"),
    RealPage("portrait", LEPTONICA, "juditharismax.jpg",
             "342832b9b316778a7eee6e14325d85cd7ff26e194f3f9442e420d0538f39e1ae",
             RealKind.PHOTO, 300, "eng", _LEPTONICA_LICENCE,
             "colour photograph of two people; dpi assumed (a 13.5 × 10 cm print)"),
)  # fmt: skip


class RealPageError(RuntimeError):
    """A real page could not be fetched, or its cached file is not the published one."""


def cached_path(page: RealPage, cache: Path = DEFAULT_CACHE) -> Path:
    return cache / f"{page.name}{Path(page.member).suffix}"


def _download(archive: Archive, folder: Path) -> Path:
    """The archive, downloaded into ``folder`` with the ordinary client for its registry."""
    return published.download(archive, folder, RealPageError)


def missing(cache: Path = DEFAULT_CACHE, pages: tuple[RealPage, ...] = PAGES) -> list[RealPage]:
    """The pages whose file is not in the cache yet."""
    return [p for p in pages if not cached_path(p, cache).is_file()]


def fetch(cache: Path = DEFAULT_CACHE, pages: tuple[RealPage, ...] = PAGES) -> list[Path]:
    """Put every page of ``pages`` in ``cache``, downloading only archives with a page missing.

    Each page file is checked against its SHA-256 before it is written (atomically), so the
    cache holds the published files or nothing. The archives themselves are not kept.
    """
    wanted = [
        published.Wanted(p.archive, p.member, p.sha256, cached_path(p, cache))
        for p in missing(cache, pages)
    ]
    # ``_download`` is looked up at each call: a test hands over its own tarball there.
    published.fetch_members(wanted, _download, RealPageError)
    return [cached_path(p, cache) for p in pages]


def _decode(data: bytes, member: str) -> PilImage.Image:
    if member.endswith(".pdf"):
        import pikepdf  # only the PDF pages need it

        with pikepdf.open(io.BytesIO(data)) as pdf:
            for image in pdf.pages[0].get_images().values():
                if isinstance(image, pikepdf.Stream):
                    return pikepdf.PdfImage(image).as_pil_image()
        raise RealPageError(f"{member} holds no image on its first page")
    return PilImage.open(io.BytesIO(data))


def load(page: RealPage, cache: Path = DEFAULT_CACHE) -> Image:
    """The page as published, grey (H×W uint8) at ``page.dpi``; its file is checked first."""
    command = "python -m simulators.real_pages"
    data = published.read_checked(cached_path(page, cache), page.sha256, command, RealPageError)
    picture = _decode(data, page.member)
    if picture.mode in ("RGBA", "LA", "P"):
        picture = picture.convert("RGB")
    return np.asarray(picture.convert("L"), dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class RealScan:
    """A real page as the kiosk's scanner hands it over, with its perfect capture."""

    page: RealPage
    perfect: Image = field(repr=False)  # grey, the page as published, at ``page.dpi``
    degradation: Degradation
    image: Image = field(repr=False)  # grey, what the scanner delivers, at ``dpi``
    sheet_shape: tuple[int, int]  # the sheet's (height, width) at ``dpi``
    dpi: int = SCAN_DPI


def sheet_fed_degradation(rng: np.random.Generator) -> Degradation:
    """The issue's checkers' scanner: skew 1.5–3.5° either way, dark backing, noise, slight blur.

    The scanner hands over raw grey samples (no JPEG of its own): what is lost is lost in the
    pipeline, not before it.
    """
    sign = 1.0 if rng.random() < 0.5 else -1.0
    return Degradation(
        angle_deg=sign * float(rng.uniform(1.5, 3.5)),
        margin_mm=float(rng.uniform(6, 12)),
        offset_mm=(float(rng.uniform(-3, 3)), float(rng.uniform(-3, 3))),
        background=float(rng.uniform(35, 80)),
        blur_sigma_px=float(rng.uniform(0.5, 0.9)),
        noise_sigma=float(rng.uniform(2.0, 4.0)),
        jpeg_quality=None,
    )


def page_seed(page: RealPage, seed: int = 0) -> int:
    """A seed per page that does not depend on the order pages are run in."""
    return zlib.crc32(page.name.encode()) ^ seed


def degrade(
    page: RealPage, *, seed: int = 0, cache: Path = DEFAULT_CACHE, dpi: int = SCAN_DPI
) -> RealScan:
    """``page`` scanned again by a 200 dpi sheet-fed scanner (grey), reproducibly for ``seed``."""
    perfect = load(page, cache)
    rng = np.random.default_rng(page_seed(page, seed))
    scale = dpi / page.dpi
    size = (max(1, round(perfect.shape[1] * scale)), max(1, round(perfect.shape[0] * scale)))
    # The scanner's sensor integrates over its pixel: area averaging when reducing, and a
    # smooth interpolation when the published file is coarser than the scanner.
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    paper = np.asarray(cv2.resize(perfect, size, interpolation=interpolation), dtype=np.uint8)
    degradation = sheet_fed_degradation(rng)
    image = scan_image(paper, dpi, degradation, rng)
    return RealScan(page, perfect, degradation, image, (paper.shape[0], paper.shape[1]), dpi)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    fetch(args.cache)
    for page in PAGES:
        perfect = load(page, args.cache)
        h, w = perfect.shape
        print(f"{page.name:<12}{page.kind.value:<24}{page.dpi:>5} dpi {w}×{h:<6} "
              f"{page.language:<4}{page.licence}")  # fmt: skip


if __name__ == "__main__":
    main()
