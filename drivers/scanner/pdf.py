"""A minimal PDF writer for scanned pages: CCITT G4 and JPEG streams embedded as they are.

Why not img2pdf: a page here may be layered (mixed raster content, as in DjVu): a low-resolution
background JPEG carrying the pictures, with the text drawn over it as G4 stencil masks (/ImageMask)
painted in their ink's colour (black text, a red seal, a blue signature), so that a stamped letter
stays a G4-sized page instead of becoming a whole-page colour JPEG. img2pdf puts one image per
page. The format needed for that is small (PDF 1.4: a catalog, a page tree, one content stream
and the image XObjects per page, a cross-reference table), and writing it here means no
re-encoding ever happens on the kiosk: the G4 bytes from libtiff and the JPEG bytes from
libjpeg go into the file unchanged. JBIG2 is never written (lossy JBIG2 swaps digits).

Coordinates: PDF points (1/72 inch), origin at the page's bottom-left corner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class StreamKind(StrEnum):
    """How an image's bytes are encoded, and so which PDF filter and colour space it gets."""

    G4 = "ccitt_g4"  # bilevel, ink = 1 bit of the fax "black" colour, paper = fax "white"
    JPEG_GRAY = "jpeg_gray"
    JPEG_RGB = "jpeg_rgb"


@dataclass(frozen=True, slots=True)
class PlacedImage:
    """One encoded image and where it goes on the page (points, from the bottom-left)."""

    kind: StreamKind
    data: bytes = field(repr=False)
    width_px: int
    height_px: int
    x_pt: float
    y_pt: float
    width_pt: float
    height_pt: float
    # A G4 image drawn as a stencil: only its ink is painted (in ``colour``, RGB 0-255), its
    # paper stays transparent, so whatever was drawn below (a background JPEG) shows through.
    stencil: bool = False
    colour: tuple[int, int, int] = (0, 0, 0)


@dataclass(frozen=True, slots=True)
class PdfPage:
    width_pt: float
    height_pt: float
    images: tuple[PlacedImage, ...]  # painted in this order


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text or "0"


def _image_dict(image: PlacedImage) -> bytes:
    common = f"/Type /XObject /Subtype /Image /Width {image.width_px} /Height {image.height_px}"
    match image.kind:
        case StreamKind.G4:
            parms = f"/DecodeParms << /K -1 /Columns {image.width_px} /Rows {image.height_px} >>"
            if image.stencil:
                # In a stencil mask sample 0 paints; CCITT's fax black decodes to 0.
                colour = "/ImageMask true"
            else:
                colour = "/ColorSpace /DeviceGray /BitsPerComponent 1"
            head = f"{common} {colour} /Filter /CCITTFaxDecode {parms}"
        case StreamKind.JPEG_GRAY:
            head = f"{common} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode"
        case StreamKind.JPEG_RGB:
            head = f"{common} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode"
    return f"<< {head} /Length {len(image.data)} >>".encode("ascii")


def write_pdf(pages: Sequence[PdfPage], *, title: str | None = None) -> bytes:
    """The bytes of a PDF holding ``pages`` in order. An empty sequence is refused."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree's number is known
    tree = add(b"")
    info = None
    if title is not None:
        # A UTF-16BE text string with BOM: Vietnamese titles survive every reader.
        encoded = ("\ufeff" + title).encode("utf-16-be").hex().upper()
        info = add(f"<< /Title <{encoded}> /Producer (kiosk scanner) >>".encode("ascii"))
    kids: list[int] = []
    for page in pages:
        names: list[str] = []
        drawing: list[str] = []
        resources: list[str] = []
        for n, image in enumerate(page.images):
            ref = add(_image_dict(image) + b"\nstream\n" + image.data + b"\nendstream")
            name = f"/Im{n}"
            names.append(name)
            resources.append(f"{name} {ref} 0 R")
            matrix = " ".join(
                _num(v) for v in (image.width_pt, 0, 0, image.height_pt, image.x_pt, image.y_pt)
            )
            fill = ""
            if image.stencil:
                fill = " ".join(_num(c / 255) for c in image.colour) + " rg "
            drawing.append(f"q {fill}{matrix} cm {name} Do Q")
        content = "\n".join(drawing).encode("ascii")
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        box = f"[0 0 {_num(page.width_pt)} {_num(page.height_pt)}]"
        page_obj = (
            f"<< /Type /Page /Parent {tree} 0 R /MediaBox {box} "
            f"/Resources << /XObject << {' '.join(resources)} >> >> /Contents {stream} 0 R >>"
        )
        kids.append(add(page_obj.encode("ascii")))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R >>".encode("ascii")
    refs = " ".join(f"{k} 0 R" for k in kids)
    objects[tree - 1] = f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>".encode("ascii")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = f"<< /Size {len(objects) + 1} /Root {catalog} 0 R"
    if info is not None:
        trailer += f" /Info {info} 0 R"
    out += f"trailer\n{trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode("ascii")
    return bytes(out)
