"""Generated document pages and "scans" of them, for the scan pipeline's tests and benchmark.

No real dossier may ever be used in a test, so the pipeline is measured on pages drawn here:
Vietnamese administrative text with its diacritics (Noto Sans), a table, a form with
rules to fill in, a red commune seal with a blue signature, a photocopied chip ID card of an
invented person, a photo page, a page with a single line, and the empty backs of duplex scans
with dust and bleed-through. So that the benchmark is not one generator's idea of paper, more
kinds vary what real papers vary: typefaces and sizes (8–9 pt book serif; Liberation, FreeFont,
TeX Gyre and DejaVu faces from Debian, all with Vietnamese glyphs), a typewriter's uneven ink, a
tired photocopier's grey, specks and streaks, faint pencil and carbon copies, handwriting on
ruled paper, tables ruled with hairlines, halftone-screened pictures, a red seal stamped across
text, and French, German, Spanish and Portuguese text. Real scans are in
``simulators.real_pages``. ``scan`` then spoils a page the way a document scanner does: a few
degrees of skew, fed upside down, offset on the darker scanner background, sensor noise, a little
optical blur, JPEG artefacts of the scanner's own compression, too little light, or paper that
runs off the scan area.

Every text page keeps its ``perfect`` rendering (the page before any degradation) so that OCR on
the pipeline's output can be compared with OCR on an ideal capture of the same page. Everything
is driven by a numpy ``Generator``: a seed gives the same pages on every machine. All text is
invented.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import NamedTuple, TypeVar

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image as PilImage
from PIL import ImageDraw, ImageFont

Image = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float32]
_T = TypeVar("_T")

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
MM_PER_INCH = 25.4
A4_MM = (210.0, 297.0)
ID_CARD_MM = (85.6, 54.0)  # ISO/IEC 7810 ID-1, the chip ID card (CCCD)

PAPER_RGB = (246, 245, 240)
INK_RGB = (22, 22, 26)
SEAL_RGB = (205, 32, 40)
SIGNATURE_RGB = (30, 48, 150)


class PageKind(StrEnum):
    """What is printed on a generated page."""

    TEXT = "text"  # paragraphs of an administrative letter
    TABLE = "table"  # a ruled table with a heading
    FORM = "form"  # a form: labels and dotted / ruled lines, some filled in by hand-ish text
    STAMPED = "stamped"  # a decision with a red seal over a blue signature
    SPARSE = "sparse"  # one short line of text, nothing else: must never count as blank
    ID_CARD = "id_card"  # A4 photocopy of both sides of an invented chip ID card, in colour
    PHOTO = "photo"  # a full-width colour photograph with a caption
    CARD_ALONE = "card_alone"  # the ID card itself on the glass: an 85.6 × 54 mm "page"
    BLANK = "blank"  # the empty back of a duplex scan: dust and bleed-through only
    SMALL_SERIF = "small_serif"  # a book-like page in 8–9 pt serif type
    TYPEFACES = "typefaces"  # sections in several typefaces and sizes (8–16 pt)
    TYPEWRITER = "typewriter"  # monospaced type with uneven ribbon ink
    PHOTOCOPY = "photocopy"  # a copy of a copy: grey background, speckle, toner streaks
    FAINT = "faint"  # pencil or carbon copy: low contrast
    HANDWRITING = "handwriting"  # a handwritten request on ruled paper, with a signature
    THIN_TABLE = "thin_table"  # a dense table ruled with 0.1–0.2 mm lines
    HALFTONE = "halftone"  # text with a halftone-screened illustration, as in print
    SEAL_OVER_TEXT = "seal_over_text"  # a red seal stamped across lines of text
    LATIN = "latin"  # French, German, Spanish and Portuguese text with their diacritics


TEXT_KINDS = (PageKind.TEXT, PageKind.TABLE, PageKind.FORM, PageKind.SPARSE)
# What ``benchmarks.scan`` runs: pages a citizen brings, text pages first (those count for the
# size and time targets), then the pictures. Blank backs and a card alone are the pipeline
# tests' business.
TEXT_BENCH_KINDS = (
    PageKind.TEXT, PageKind.SMALL_SERIF, PageKind.TYPEFACES, PageKind.TYPEWRITER,
    PageKind.PHOTOCOPY, PageKind.FAINT, PageKind.HANDWRITING, PageKind.TABLE, PageKind.THIN_TABLE,
    PageKind.FORM, PageKind.STAMPED, PageKind.SEAL_OVER_TEXT, PageKind.LATIN,
)  # fmt: skip
BENCH_KINDS = (*TEXT_BENCH_KINDS, PageKind.HALFTONE, PageKind.PHOTO, PageKind.ID_CARD)


class Typeface(StrEnum):
    """Typefaces with Vietnamese glyphs, from Debian's font packages (see scripts/setup.sh)."""

    NOTO_SANS = "noto_sans"  # fonts-noto-core
    NOTO_SERIF = "noto_serif"
    LIBERATION_SERIF = "liberation_serif"  # fonts-liberation2: metric-compatible with Times
    LIBERATION_SANS = "liberation_sans"  # ... with Arial, the usual office sans
    LIBERATION_MONO = "liberation_mono"  # ... with Courier New
    FREE_SERIF = "free_serif"  # fonts-freefont-ttf
    FREE_MONO = "free_mono"
    TERMES = "termes"  # fonts-texgyre: Times-like
    PAGELLA = "pagella"  # Palatino-like, a book face
    CURSOR = "cursor"  # Courier-like: the typewriter's face
    CHORUS = "chorus"  # Zapf Chancery-like: the nearest to handwriting with Vietnamese glyphs
    DEJAVU_CONDENSED = "dejavu_condensed"  # fonts-dejavu-extra: narrow sans


_TEXGYRE = Path("/usr/share/texmf/fonts/opentype/public/tex-gyre")
_TRUETYPE = Path("/usr/share/fonts/truetype")
_FACE_FILES: dict[Typeface, tuple[Path, Path]] = {  # regular, bold
    Typeface.NOTO_SANS: (_TRUETYPE / "noto/NotoSans-Regular.ttf",
                         _TRUETYPE / "noto/NotoSans-Bold.ttf"),
    Typeface.NOTO_SERIF: (_TRUETYPE / "noto/NotoSerif-Regular.ttf",
                          _TRUETYPE / "noto/NotoSerif-Bold.ttf"),
    Typeface.LIBERATION_SERIF: (_TRUETYPE / "liberation2/LiberationSerif-Regular.ttf",
                                _TRUETYPE / "liberation2/LiberationSerif-Bold.ttf"),
    Typeface.LIBERATION_SANS: (_TRUETYPE / "liberation2/LiberationSans-Regular.ttf",
                               _TRUETYPE / "liberation2/LiberationSans-Bold.ttf"),
    Typeface.LIBERATION_MONO: (_TRUETYPE / "liberation2/LiberationMono-Regular.ttf",
                               _TRUETYPE / "liberation2/LiberationMono-Bold.ttf"),
    Typeface.FREE_SERIF: (_TRUETYPE / "freefont/FreeSerif.ttf",
                          _TRUETYPE / "freefont/FreeSerifBold.ttf"),
    Typeface.FREE_MONO: (_TRUETYPE / "freefont/FreeMono.ttf",
                         _TRUETYPE / "freefont/FreeMonoBold.ttf"),
    Typeface.TERMES: (_TEXGYRE / "texgyretermes-regular.otf", _TEXGYRE / "texgyretermes-bold.otf"),
    Typeface.PAGELLA: (_TEXGYRE / "texgyrepagella-regular.otf",
                       _TEXGYRE / "texgyrepagella-bold.otf"),
    Typeface.CURSOR: (_TEXGYRE / "texgyrecursor-regular.otf", _TEXGYRE / "texgyrecursor-bold.otf"),
    Typeface.CHORUS: (_TEXGYRE / "texgyrechorus-mediumitalic.otf",
                      _TEXGYRE / "texgyrechorus-mediumitalic.otf"),
    Typeface.DEJAVU_CONDENSED: (_TRUETYPE / "dejavu/DejaVuSansCondensed.ttf",
                                _TRUETYPE / "dejavu/DejaVuSansCondensed-Bold.ttf"),
}  # fmt: skip
SERIF_FACES = (Typeface.NOTO_SERIF, Typeface.LIBERATION_SERIF, Typeface.FREE_SERIF,
               Typeface.TERMES, Typeface.PAGELLA)  # fmt: skip
MONO_FACES = (Typeface.LIBERATION_MONO, Typeface.FREE_MONO, Typeface.CURSOR)


@dataclass(frozen=True, slots=True)
class Page:
    """One generated page as printed: RGB, ``dpi``, and the words drawn on it."""

    kind: PageKind
    perfect: Image  # RGB, the page before the scanner touched it
    dpi: int
    words: tuple[str, ...] = ()
    faces: tuple[Typeface, ...] = ()  # typefaces the text is set in, in order of first use
    sizes_pt: tuple[float, ...] = ()  # body text sizes used

    @property
    def size_mm(self) -> tuple[float, float]:
        h, w = self.perfect.shape[:2]
        return w / self.dpi * MM_PER_INCH, h / self.dpi * MM_PER_INCH

    def perfect_gray(self) -> Image:
        return np.asarray(cv2.cvtColor(self.perfect, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class Degradation:
    """How the scanner spoils a page; the defaults are a decent, slightly noisy ADF scan."""

    angle_deg: float = 0.0  # positive = counter-clockwise as seen on screen
    upside_down: bool = False
    margin_mm: float = 15.0  # scanner background visible around the paper (0: page fills scan)
    offset_mm: tuple[float, float] = (0.0, 0.0)  # paper shift inside the scan area
    background: float = 70.0  # grey level of the scanner's backing plate
    blur_sigma_px: float = 0.6  # optics and motion of the sheet
    noise_sigma: float = 3.0
    gain: float = 1.0  # < 1: too little light (lamp ageing, dark setting)
    jpeg_quality: int | None = 90  # the scanner's own JPEG; None: lossless transfer
    cut_mm: float = 0.0  # how much of the paper's right side runs out of the scan area


GOOD_SCAN = Degradation()


# --- invented text --------------------------------------------------------------------------------

_SENTENCES = (
    "Căn cứ Luật Hộ tịch và các văn bản hướng dẫn thi hành hiện hành.",
    "Ủy ban nhân dân xã đã tiếp nhận hồ sơ đầy đủ và hợp lệ của công dân.",
    "Người yêu cầu chịu trách nhiệm trước pháp luật về nội dung cam đoan của mình.",
    "Đề nghị cơ quan có thẩm quyền xem xét và giải quyết theo quy định.",
    "Thời hạn giải quyết không quá ba ngày làm việc kể từ ngày nhận đủ giấy tờ.",
    "Trường hợp cần xác minh thì thời hạn được kéo dài thêm không quá năm ngày.",
    "Công chức tư pháp hộ tịch kiểm tra thông tin và ghi vào sổ đăng ký.",
    "Bản sao được cấp từ sổ gốc có giá trị sử dụng thay cho bản chính.",
    "Hồ sơ gồm tờ khai theo mẫu, giấy tờ tùy thân và giấy tờ chứng minh nơi cư trú.",
    "Kết quả được trả trực tiếp tại bộ phận một cửa hoặc qua dịch vụ bưu chính công ích.",
    "Lệ phí được miễn đối với người thuộc gia đình có công với cách mạng.",
    "Mọi thắc mắc xin liên hệ bộ phận tiếp nhận và trả kết quả của xã.",
    "Thông tin cá nhân được bảo vệ và chỉ sử dụng cho mục đích giải quyết thủ tục.",
    "Người được ủy quyền phải xuất trình văn bản ủy quyền đã được chứng thực.",
    "Chúng tôi cam đoan những lời khai trên đây là đúng sự thật.",
    "Việc đăng ký lại chỉ được thực hiện nếu sổ hộ tịch và bản chính đều bị mất.",
    "Giấy xác nhận có giá trị trong thời hạn sáu tháng kể từ ngày cấp.",
    "Đương sự đã đọc lại, đồng ý với nội dung và cùng ký tên dưới đây.",
)
_HEADINGS = (
    "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
    "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    "QUYẾT ĐỊNH VỀ VIỆC CHO PHÉP THAY ĐỔI HỘ TỊCH",
    "ĐƠN ĐỀ NGHỊ CẤP BẢN SAO TRÍCH LỤC",
    "BIÊN BẢN TIẾP NHẬN HỒ SƠ",
)
_NAMES = (
    "Nguyễn Thị Thu Hương", "Trần Văn Bình", "Lê Minh Khánh", "Phạm Thị Ngọc Lan",
    "Hoàng Đức Thắng", "Võ Thị Mỹ Yến", "Đặng Quang Lộc", "Bùi Thanh Trang",
)  # fmt: skip
_PLACES = ("xã Bình Phú", "xã Hòa Lợi", "xã Tân Hưng", "thị trấn Đồng Lê", "xã Phú Xuân")
_FORM_LABELS = (
    "Họ, chữ đệm, tên người yêu cầu:", "Ngày, tháng, năm sinh:", "Nơi cư trú:",
    "Số định danh cá nhân:", "Quan hệ với người được cấp bản sao:", "Số lượng bản sao đề nghị:",
    "Mục đích sử dụng:", "Số điện thoại liên hệ:",
)  # fmt: skip


def _u8(array: object) -> Image:
    return np.asarray(array, dtype=np.uint8)


@cache
def _font(size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size_px)


@cache
def face_font(face: Typeface, size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """``face`` at ``size_px``; a clear error when its Debian package is not installed."""
    path = _FACE_FILES[face][1 if bold else 0]
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: scripts/setup.sh installs the fonts")
    return ImageFont.truetype(str(path), size_px)


def _px(mm: float, dpi: int) -> int:
    return round(mm / MM_PER_INCH * dpi)


def _pt(points: float, dpi: int) -> int:
    return max(6, round(points / 72 * dpi))


class _Writer:
    """Lays out lines of text top to bottom on a page, wrapping at the right margin.

    Without a ``face`` the text is Noto Sans, as on the commune's own printouts; with one, every
    line and paragraph is set in it unless a call names another, and the faces and sizes used
    are recorded for the ``Page``.
    """

    def __init__(
        self, canvas: PilImage.Image, dpi: int, left_mm: float = 25.0, *,
        face: Typeface | None = None, right_mm: float = 18.0, top_mm: float = 18.0,
        leading: float = 1.45, fill: tuple[int, int, int] = INK_RGB,
    ) -> None:  # fmt: skip
        self.draw = ImageDraw.Draw(canvas)
        self.dpi = dpi
        self.left = _px(left_mm, dpi)
        self.right = canvas.width - _px(right_mm, dpi)
        self.y = _px(top_mm, dpi)
        self.face = face
        self.leading = leading
        self.fill = fill
        self.words: list[str] = []
        self.faces: list[Typeface] = []
        self.sizes: list[float] = []

    def font(
        self, points: float, bold: bool = False, face: Typeface | None = None
    ) -> ImageFont.FreeTypeFont:
        face = face or self.face
        if face is None:
            return _font(_pt(points, self.dpi), bold)
        if face not in self.faces:
            self.faces.append(face)
        return face_font(face, _pt(points, self.dpi), bold)

    def line(
        self, text: str, *, points: float = 12.0, bold: bool = False, centre: bool = False,
        x: int | None = None, fill: tuple[int, int, int] | None = None,
        face: Typeface | None = None,
    ) -> None:  # fmt: skip
        font = self.font(points, bold, face)
        width = font.getlength(text)
        left = x if x is not None else self.left
        if centre:
            left = int((self.left + self.right - width) / 2)
        self.draw.text((left, self.y), text, font=font, fill=fill or self.fill)
        self.words.extend(text.split())
        self.y += int(font.size * self.leading)

    def paragraph(
        self, text: str, *, points: float = 12.0, indent_mm: float = 10.0,
        face: Typeface | None = None,
    ) -> None:  # fmt: skip
        font = self.font(points, face=face)
        if points not in self.sizes:
            self.sizes.append(points)
        space = font.getlength(" ")
        x = self.left + _px(indent_mm, self.dpi)
        for word in text.split():
            width = font.getlength(word)
            if x + width > self.right:
                self.y += int(font.size * self.leading)
                x = self.left
            self.draw.text((x, self.y), word, font=font, fill=self.fill)
            self.words.append(word)
            x += int(width + space)
        self.y += int(font.size * self.leading * 1.3)

    def gap(self, mm: float) -> None:
        self.y += _px(mm, self.dpi)


def _blank_canvas(size_mm: tuple[float, float], dpi: int) -> PilImage.Image:
    return PilImage.new("RGB", (_px(size_mm[0], dpi), _px(size_mm[1], dpi)), PAPER_RGB)


def _letterhead(writer: _Writer, rng: np.random.Generator) -> None:
    place = _PLACES[int(rng.integers(len(_PLACES)))]
    writer.line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", points=12, bold=True, centre=True)
    writer.line("Độc lập - Tự do - Hạnh phúc", points=12, bold=True, centre=True)
    writer.line(f"{place.capitalize()}, ngày {int(rng.integers(1, 29))} tháng "
                f"{int(rng.integers(1, 13))} năm 2026", points=11, centre=True)  # fmt: skip
    writer.gap(6)
    writer.line(_HEADINGS[int(rng.integers(len(_HEADINGS)))], points=14, bold=True, centre=True)
    writer.gap(4)


def _paragraphs(writer: _Writer, rng: np.random.Generator, count: int) -> None:
    for _ in range(count):
        n = int(rng.integers(2, 5))
        picks = rng.choice(len(_SENTENCES), size=n, replace=False)
        writer.paragraph(" ".join(_SENTENCES[int(i)] for i in picks))


def _text_page(dpi: int, rng: np.random.Generator) -> tuple[PilImage.Image, list[str]]:
    canvas = _blank_canvas(A4_MM, dpi)
    writer = _Writer(canvas, dpi)
    _letterhead(writer, rng)
    name = _NAMES[int(rng.integers(len(_NAMES)))]
    writer.paragraph(f"Kính gửi: Ủy ban nhân dân {_PLACES[int(rng.integers(len(_PLACES)))]}.")
    writer.paragraph(f"Tôi tên là {name}, xin trình bày nội dung như sau.")
    _paragraphs(writer, rng, 7)
    writer.line("NGƯỜI LÀM ĐƠN", points=12, bold=True, x=canvas.width * 3 // 5)
    writer.gap(14)
    writer.line(name, points=12, x=canvas.width * 3 // 5)
    return canvas, writer.words


def _table_page(dpi: int, rng: np.random.Generator) -> tuple[PilImage.Image, list[str]]:
    canvas = _blank_canvas(A4_MM, dpi)
    writer = _Writer(canvas, dpi)
    _letterhead(writer, rng)
    _paragraphs(writer, rng, 1)
    columns = (("STT", 15), ("Họ và tên", 60), ("Ngày sinh", 32), ("Quan hệ", 30), ("Ghi chú", 30))
    row_h = _px(9, dpi)
    font = _font(_pt(11, dpi))
    bold = _font(_pt(11, dpi), bold=True)
    y0 = writer.y
    rows = 1 + int(rng.integers(8, 14))
    x_edges = [writer.left]
    for _, width in columns:
        x_edges.append(x_edges[-1] + _px(width, dpi))
    line_w = max(1, _px(0.25, dpi))
    for r in range(rows + 1):
        y = y0 + r * row_h
        writer.draw.line([(x_edges[0], y), (x_edges[-1], y)], fill=INK_RGB, width=line_w)
    for x in x_edges:
        writer.draw.line([(x, y0), (x, y0 + rows * row_h)], fill=INK_RGB, width=line_w)
    relations = ("Chủ hộ", "Vợ", "Chồng", "Con", "Cháu", "Mẹ", "Cha")
    for r in range(rows):
        if r == 0:
            cells = [c for c, _ in columns]
        else:
            cells = [
                str(r),
                _NAMES[int(rng.integers(len(_NAMES)))],
                f"{int(rng.integers(1, 29)):02d}/{int(rng.integers(1, 13)):02d}/"
                f"{int(rng.integers(1950, 2020))}",
                relations[int(rng.integers(len(relations)))],
                "",
            ]
        for c, text in enumerate(cells):
            pad = _px(1.5, dpi)
            writer.draw.text((x_edges[c] + pad, y0 + r * row_h + pad), text,
                             font=bold if r == 0 else font, fill=INK_RGB)  # fmt: skip
            writer.words.extend(text.split())
    writer.y = y0 + rows * row_h + _px(8, dpi)
    _paragraphs(writer, rng, 2)
    return canvas, writer.words


def _form_page(dpi: int, rng: np.random.Generator) -> tuple[PilImage.Image, list[str]]:
    canvas = _blank_canvas(A4_MM, dpi)
    writer = _Writer(canvas, dpi)
    _letterhead(writer, rng)
    font = _font(_pt(12, dpi))
    hand = _font(_pt(13, dpi))
    for label in _FORM_LABELS:
        writer.draw.text((writer.left, writer.y), label, font=font, fill=INK_RGB)
        writer.words.extend(label.split())
        start = writer.left + int(font.getlength(label)) + _px(2, dpi)
        baseline = writer.y + int(font.size * 1.15)
        # Dotted leader to the right margin, as on printed civil-status forms.
        for x in range(start, writer.right, _px(1.2, dpi)):
            writer.draw.point((x, baseline), fill=INK_RGB)
            writer.draw.point((x + 1, baseline), fill=INK_RGB)
        if rng.random() < 0.6:
            answer = _NAMES[int(rng.integers(len(_NAMES)))]
            writer.draw.text((start + _px(4, dpi), writer.y - _px(0.8, dpi)), answer,
                             font=hand, fill=SIGNATURE_RGB)  # fmt: skip
            writer.words.extend(answer.split())
        writer.y += _px(11, dpi)
    writer.gap(4)
    _paragraphs(writer, rng, 2)
    box = (writer.left, writer.y, writer.right, writer.y + _px(30, dpi))
    writer.draw.rectangle(box, outline=INK_RGB, width=max(1, _px(0.3, dpi)))
    return canvas, writer.words


def _curved_text(
    canvas: PilImage.Image, centre: tuple[int, int], radius: int, text: str, *, size: int,
    colour: tuple[int, int, int],
) -> None:  # fmt: skip
    """Text along the top of a circle, one rotated glyph at a time, as on a round seal."""
    font = _font(size, bold=True)
    span = math.radians(250)
    for i, char in enumerate(text):
        theta = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(text)
        glyph = PilImage.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(glyph).text((size // 2, size // 4), char, font=font, fill=255)
        glyph = glyph.rotate(-math.degrees(theta) - 90, resample=PilImage.Resampling.BICUBIC)
        x = int(centre[0] + radius * math.cos(theta)) - size
        y = int(centre[1] + radius * math.sin(theta)) - size
        canvas.paste(PilImage.new("RGB", glyph.size, colour), (x, y), glyph)


def _seal(canvas: PilImage.Image, centre: tuple[int, int], dpi: int, place: str) -> None:
    """A round red commune seal, drawn on its own layer and multiplied onto the page like ink."""
    layer = PilImage.new("RGB", canvas.size, (255, 255, 255))
    draw = ImageDraw.Draw(layer)
    r = _px(19, dpi)
    w = max(2, _px(0.8, dpi))
    for radius in (r, r - _px(6, dpi)):
        box = (centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius)
        draw.ellipse(box, outline=SEAL_RGB, width=w)
    _curved_text(layer, centre, r - _px(3, dpi), f"ỦY BAN NHÂN DÂN {place.upper()}",
                 size=_pt(7, dpi), colour=SEAL_RGB)  # fmt: skip
    star = []
    for k in range(10):  # a five-pointed star: outer and inner points in turn
        radius = _px(7, dpi) if k % 2 == 0 else _px(3, dpi)
        theta = -math.pi / 2 + k * math.pi / 5
        star.append((centre[0] + radius * math.cos(theta), centre[1] + radius * math.sin(theta)))
    draw.polygon(star, fill=SEAL_RGB)
    page = np.asarray(canvas, dtype=np.float32)
    ink = np.asarray(layer, dtype=np.float32) / 255.0
    canvas.paste(PilImage.fromarray(np.clip(page * ink, 0, 255).astype(np.uint8)))


def _signature(
    canvas: PilImage.Image, origin: tuple[int, int], dpi: int, rng: np.random.Generator
) -> None:
    draw = ImageDraw.Draw(canvas)
    t = np.linspace(0, 1, 200)
    length = _px(45, dpi)
    xs = origin[0] + t * length
    ys = origin[1] + _px(5, dpi) * np.sin(t * rng.uniform(8, 14)) * np.sin(t * 3.1 + 0.5)
    points = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]
    draw.line(points, fill=SIGNATURE_RGB, width=max(2, _px(0.5, dpi)), joint="curve")


def _stamped_page(dpi: int, rng: np.random.Generator) -> tuple[PilImage.Image, list[str]]:
    canvas = _blank_canvas(A4_MM, dpi)
    writer = _Writer(canvas, dpi)
    _letterhead(writer, rng)
    _paragraphs(writer, rng, 4)
    x = canvas.width * 3 // 5
    writer.line("TM. ỦY BAN NHÂN DÂN", points=12, bold=True, x=x)
    writer.line("CHỦ TỊCH", points=12, bold=True, x=x + _px(10, dpi))
    sign_y = writer.y + _px(6, dpi)
    _signature(canvas, (x, sign_y), dpi, rng)
    writer.gap(22)
    writer.line(_NAMES[int(rng.integers(len(_NAMES)))], points=12, bold=True, x=x)
    _seal(canvas, (x - _px(4, dpi), sign_y + _px(2, dpi)), dpi,
          _PLACES[int(rng.integers(len(_PLACES)))])  # fmt: skip
    return canvas, writer.words


def _sparse_page(dpi: int, rng: np.random.Generator) -> tuple[PilImage.Image, list[str]]:
    canvas = _blank_canvas(A4_MM, dpi)
    writer = _Writer(canvas, dpi)
    writer.gap(float(rng.uniform(20, 120)))
    writer.line("Trang này được để trống có chủ ý.", points=12)
    return canvas, writer.words


def _smooth_field(shape: tuple[int, int], rng: np.random.Generator, cells: int) -> Floats:
    h, w = shape
    coarse = rng.normal(0, 1, size=(cells, max(2, cells * w // max(h, 1)), 3)).astype(np.float32)
    return np.asarray(cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC), dtype=np.float32)


def _photo(shape: tuple[int, int], rng: np.random.Generator) -> Image:
    """A photograph-like picture: sky-to-ground gradient, soft blobs, fine texture."""
    h, w = shape
    yy = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky = np.array([200, 220, 245], dtype=np.float32)
    ground = np.array([70, 120, 60], dtype=np.float32)
    horizon = float(rng.uniform(0.35, 0.6))
    base = np.where(yy < horizon, sky - 60 * yy, ground + 40 * (yy - horizon))
    img = base + 35 * _smooth_field((h, w), rng, 6) + 12 * _smooth_field((h, w), rng, 40)
    for _ in range(int(rng.integers(3, 7))):  # houses, trees: saturated soft shapes
        cx, cy = int(rng.integers(0, w)), int(rng.integers(int(h * horizon), h))
        colour = tuple(float(v) for v in rng.uniform(20, 230, size=3))
        axes = (int(rng.integers(w // 20, w // 6)), int(rng.integers(h // 20, h // 6)))
        cv2.ellipse(img, (cx, cy), axes, 0, 0, 360, colour, -1)
    img = cv2.GaussianBlur(img, (0, 0), 1.2) + rng.normal(0, 4, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _portrait(shape: tuple[int, int], rng: np.random.Generator) -> Image:
    """A face-like ID photo: pale blue backdrop, skin-toned head, dark hair, shirt."""
    h, w = shape
    img = np.empty((h, w, 3), dtype=np.uint8)
    img[:] = (190, 210, 235)
    skin = tuple(float(v) for v in rng.uniform([180, 140, 110], [225, 185, 155]))
    cv2.ellipse(img, (w // 2, int(h * 0.42)), (int(w * 0.3), int(h * 0.3)), 0, 0, 360,
                (40, 30, 30), -1)  # fmt: skip
    cv2.ellipse(img, (w // 2, int(h * 0.47)), (int(w * 0.25), int(h * 0.28)), 0, 0, 360, skin, -1)
    cv2.ellipse(img, (w // 2, h), (int(w * 0.5), int(h * 0.25)), 0, 180, 360, (240, 240, 240), -1)
    for dx in (-1, 1):
        cv2.circle(img, (w // 2 + dx * int(w * 0.1), int(h * 0.43)), max(1, w // 40), (40,) * 3, -1)
    soft = cv2.GaussianBlur(img, (0, 0), max(1.0, w / 120)).astype(np.float32)
    return _u8(np.clip(soft + rng.normal(0, 3, size=soft.shape), 0, 255))


def _card_image(dpi: int, rng: np.random.Generator) -> tuple[Image, list[str]]:
    """The front of an invented chip ID card at ``dpi``, RGB."""
    w, h = _px(ID_CARD_MM[0], dpi), _px(ID_CARD_MM[1], dpi)
    canvas = PilImage.new("RGB", (w, h), (232, 236, 228))
    arr = np.asarray(canvas).copy()
    for k in range(16):  # guilloche: the card's fine security pattern
        xs = np.arange(0, w, 2, dtype=np.float32)
        ys = h * (0.05 + 0.06 * k) + 0.03 * h * np.sin(xs / w * 2 * math.pi * 4 + k)
        pts = np.stack([xs, ys], axis=1).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(arr, [pts], isClosed=False, color=(200, 215, 225), thickness=1)
    ph, pw = int(h * 0.55), int(w * 0.24)
    arr[int(h * 0.3) : int(h * 0.3) + ph, int(w * 0.04) : int(w * 0.04) + pw] = _portrait(
        (ph, pw), rng
    )
    canvas = PilImage.fromarray(arr)
    draw = ImageDraw.Draw(canvas)
    name = _NAMES[int(rng.integers(len(_NAMES)))]
    lines = (
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 7, True, (160, 30, 40)),
        ("CĂN CƯỚC CÔNG DÂN", 9, True, (160, 30, 40)),
        (f"Số: 0{int(rng.integers(10, 99))}0{int(rng.integers(10**7, 10**8))}", 7, True, INK_RGB),
        ("Họ và tên:", 6, False, INK_RGB),
        (name.upper(), 7, True, INK_RGB),
        (f"Ngày sinh: {int(rng.integers(1, 29)):02d}/0{int(rng.integers(1, 10))}/19"
         f"{int(rng.integers(50, 99))}", 6, False, INK_RGB),
        (f"Quê quán: {_PLACES[int(rng.integers(len(_PLACES)))]}", 6, False, INK_RGB),
    )  # fmt: skip
    y = int(h * 0.06)
    words: list[str] = []
    for text, points, bold, colour in lines:
        font = _font(_pt(points, dpi), bold)
        x = int(w * 0.32) if y > h * 0.25 else int((w - font.getlength(text)) / 2)
        draw.text((x, y), text, font=font, fill=colour)
        words.extend(text.split())
        y += int(font.size * 1.5)
    return np.asarray(canvas, dtype=np.uint8), words


def _id_card_page(dpi: int, rng: np.random.Generator) -> tuple[PilImage.Image, list[str]]:
    canvas = _blank_canvas(A4_MM, dpi)
    writer = _Writer(canvas, dpi)
    writer.line("BẢN SAO CĂN CƯỚC CÔNG DÂN", points=13, bold=True, centre=True)
    card, words = _card_image(dpi, rng)
    x = (canvas.width - card.shape[1]) // 2
    for k in range(2):
        canvas.paste(PilImage.fromarray(card), (x, _px(40 + 75 * k, dpi)))
    return canvas, writer.words + words


def _photo_page(dpi: int, rng: np.random.Generator) -> tuple[PilImage.Image, list[str]]:
    canvas = _blank_canvas(A4_MM, dpi)
    writer = _Writer(canvas, dpi)
    writer.line("Ảnh hiện trạng nhà ở tại thửa đất số 112", points=12, bold=True)
    width = writer.right - writer.left
    photo = _photo((int(width * 0.75), width), rng)
    canvas.paste(PilImage.fromarray(photo), (writer.left, writer.y + _px(4, dpi)))
    writer.y += photo.shape[0] + _px(10, dpi)
    writer.paragraph("Ảnh chụp ngày 12 tháng 3 năm 2026, hướng nhìn từ đường vào nhà.")
    return canvas, writer.words


def _blank_page(dpi: int, rng: np.random.Generator) -> tuple[PilImage.Image, list[str]]:
    """An empty back: slightly uneven paper, faint mirrored bleed-through, dust and a hair."""
    front, _ = _text_page(dpi, rng)
    ink = 255.0 - np.asarray(front.convert("L"), dtype=np.float32)[:, ::-1]
    bleed = cv2.GaussianBlur(ink, (0, 0), 2.5) * float(rng.uniform(0.05, 0.09))
    paper = np.array(PAPER_RGB, dtype=np.float32)[None, None, :] - bleed[:, :, None]
    paper += 4 * _smooth_field(bleed.shape[:2], rng, 4)[:, :, :1]
    h, w = bleed.shape
    for _ in range(int(rng.integers(5, 25))):  # dust: one to three pixels across
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        r = int(rng.integers(1, 3))
        paper[y : y + r, x : x + r] = float(rng.uniform(40, 140))
    x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
    hair = np.array([[x0 + 60 * k, y0 + int(15 * math.sin(k))] for k in range(4)], dtype=np.int32)
    cv2.polylines(paper, [hair.reshape(-1, 1, 2)], False, (120, 120, 120), 1)
    return PilImage.fromarray(np.clip(paper, 0, 255).astype(np.uint8)), []


def _card_alone(dpi: int, rng: np.random.Generator) -> tuple[PilImage.Image, list[str]]:
    card, words = _card_image(dpi, rng)
    return PilImage.fromarray(card), words


# --- more kinds of paper: typefaces, textures, hands, screens -------------------------------------

_LATIN = (
    # French, German, Spanish and Portuguese: the accents and umlauts of other Latin scripts.
    "La demande doit être déposée au secrétariat de la mairie avant la fin du trimestre.",
    "Les pièces justificatives sont à fournir en français ou accompagnées d'une traduction.",
    "Le délai de réponse est fixé à quinze jours ouvrés à compter de la réception du dossier.",
    "Die Bescheinigung wird nur gegen Vorlage eines gültigen Ausweises ausgehändigt.",
    "Bitte füllen Sie das Formular vollständig aus und legen Sie die Unterlagen bei.",
    "Für Rückfragen steht Ihnen das Bürgerbüro während der Öffnungszeiten zur Verfügung.",
    "La solicitud se presentará en la oficina municipal acompañada del documento de identidad.",
    "El plazo de resolución será de diez días hábiles desde la recepción de la petición.",
    "A certidão é emitida mediante a apresentação do cartão de cidadão e do requerimento.",
    "O pedido pode ser entregue pessoalmente ou enviado por correio para a junta de freguesia.",
)
_HANDWRITTEN = (
    "Kính gửi Ủy ban nhân dân xã, tôi viết đơn này để xin xác nhận nơi cư trú.",
    "Gia đình tôi đã sống tại thôn Đông từ năm hai nghìn không trăm mười hai.",
    "Tôi xin cam đoan những điều trên là đúng sự thật, nếu sai tôi xin chịu trách nhiệm.",
    "Kính mong Ủy ban xem xét và giúp đỡ, tôi xin chân thành cảm ơn.",
    "Con trai tôi cần giấy này để nộp hồ sơ nhập học vào tháng chín tới.",
    "Tôi sẽ đến nhận kết quả vào buổi sáng thứ hai tuần sau.",
)


class _Drawn(NamedTuple):
    """What a page maker drew: the page, its words, the faces and body sizes it used."""

    canvas: PilImage.Image
    words: list[str]
    faces: tuple[Typeface, ...] = ()
    sizes_pt: tuple[float, ...] = ()


def _pick(rng: np.random.Generator, options: tuple[_T, ...]) -> _T:
    return options[int(rng.integers(len(options)))]


def _drawn(canvas: PilImage.Image, writer: _Writer) -> _Drawn:
    return _Drawn(canvas, writer.words, tuple(writer.faces), tuple(writer.sizes))


def _small_serif_page(dpi: int, rng: np.random.Generator) -> _Drawn:
    """A book or gazette page: 8–9 pt serif on narrow margins, a running head, a footnote."""
    canvas = _blank_canvas(A4_MM, dpi)
    face = _pick(rng, SERIF_FACES)
    points = float(rng.choice([8.0, 8.5, 9.0]))
    writer = _Writer(canvas, dpi, 20.0, face=face, right_mm=20.0, top_mm=15.0, leading=1.25)
    writer.line(f"CÔNG BÁO / Số {int(rng.integers(100, 999))}", points=points, bold=True)
    writer.gap(3)
    writer.line(_pick(rng, _HEADINGS), points=points + 2, bold=True, centre=True)
    writer.gap(2)
    while writer.y < canvas.height - _px(45, dpi):
        n = int(rng.integers(3, 6))
        picks = rng.choice(len(_SENTENCES), size=n, replace=False)
        writer.paragraph(" ".join(_SENTENCES[int(i)] for i in picks), points=points, indent_mm=5)
    writer.gap(3)
    writer.draw.line([(writer.left, writer.y), (writer.left + _px(40, dpi), writer.y)],
                     fill=INK_RGB, width=1)  # fmt: skip
    writer.gap(1.5)
    writer.paragraph("(1) " + _pick(rng, _SENTENCES), points=8.0, indent_mm=0)
    return _drawn(canvas, writer)


def _typefaces_page(dpi: int, rng: np.random.Generator) -> _Drawn:
    """Sections each set in another typeface and size, as in a dossier of papers from many
    offices: serif, sans, condensed and monospaced, 8 to 16 pt, some bold."""
    canvas = _blank_canvas(A4_MM, dpi)
    writer = _Writer(canvas, dpi, face=Typeface.LIBERATION_SANS)
    faces = list(_FACE_FILES)
    faces.remove(Typeface.CHORUS)  # not a text face
    order = [faces[int(i)] for i in rng.permutation(len(faces))][:6]
    sizes = (8.0, 9.0, 10.0, 11.0, 12.0, 14.0, 16.0)
    for face in order:
        if writer.y > canvas.height - _px(50, dpi):
            break
        points = float(rng.choice(sizes))
        writer.line(_pick(rng, _HEADINGS).capitalize(), points=points + 1, bold=True, face=face)
        n = int(rng.integers(2, 4))
        picks = rng.choice(len(_SENTENCES), size=n, replace=False)
        writer.paragraph(" ".join(_SENTENCES[int(i)] for i in picks), points=points, face=face)
        writer.gap(2)
    return _drawn(canvas, writer)


def _ink_onto(canvas: PilImage.Image, ink: Floats, colour: tuple[int, int, int]) -> None:
    """Lay ``ink`` (0: none, 1: full) of ``colour`` onto ``canvas``, multiplied like real ink."""
    page = np.asarray(canvas, dtype=np.float32)
    tint = np.array(colour, dtype=np.float32) / 255.0
    layer = 1.0 - ink[:, :, None] * (1.0 - tint[None, None, :])
    canvas.paste(PilImage.fromarray(np.clip(page * layer, 0, 255).astype(np.uint8)))


def _typewriter_page(dpi: int, rng: np.random.Generator) -> _Drawn:
    """Typed on a mechanical typewriter: monospaced, each key struck a little harder or softer
    and a little off the line, the ribbon's ink uneven and grainy."""
    canvas = _blank_canvas(A4_MM, dpi)
    face = _pick(rng, MONO_FACES)
    font = face_font(face, _pt(12, dpi))
    mask = PilImage.new("L", canvas.size, 0)
    draw = ImageDraw.Draw(mask)
    pitch = font.getlength("m")
    left, right = _px(25, dpi), canvas.width - _px(20, dpi)
    y = _px(25, dpi)
    words: list[str] = []
    lines = [_pick(rng, _HEADINGS)] + [
        " ".join(_SENTENCES[int(i)] for i in rng.choice(len(_SENTENCES), 3, replace=False))
        for _ in range(7)
    ]
    for text in lines:
        x = float(left + (0 if text.isupper() else int(5 * pitch)))
        for word in text.split():
            if x + pitch * len(word) > right:
                y += int(font.size * 1.6)
                x = float(left)
            for char in word:
                strike = int(255 * rng.uniform(0.7, 1.0))  # how hard the key hit
                dy = int(rng.integers(-1, 2)) if rng.random() < 0.3 else 0
                draw.text((round(x), y + dy), char, font=font, fill=strike)
                x += pitch
            words.append(word)
            x += pitch
        y += int(font.size * 1.6 * 1.5)
    ink = np.asarray(mask, dtype=np.float32) / 255.0
    ribbon = 0.9 + 0.1 * _smooth_field(ink.shape, rng, 30)[:, :, 0]  # worn patches of ribbon
    grain = rng.uniform(0.75, 1.0, size=ink.shape).astype(np.float32)  # the cloth's weave
    # The type bar presses ink into the paper: strokes spread a little beyond the glyph.
    spread = np.asarray(cv2.GaussianBlur(ink, (0, 0), 0.7), dtype=np.float32) * 1.6
    ink = np.clip(spread, 0, 1) * np.clip(ribbon, 0.6, 1.0) * grain
    _ink_onto(canvas, np.clip(ink, 0, 1), (30, 30, 36))
    return _Drawn(canvas, words, (face,), (12.0,))


def _photocopy_page(dpi: int, rng: np.random.Generator) -> _Drawn:
    """A text page after a tired photocopier: greyish paper, toner speckle, vertical streaks from
    the drum, thickened strokes and a dark band where the lid did not close."""
    canvas, words = _text_page(dpi, rng)
    grey = np.asarray(canvas.convert("L"), dtype=np.float32)
    ink = 1.0 - grey / 255.0
    if rng.random() < 0.6:  # toner spreads: strokes a pixel thicker
        ink = np.asarray(cv2.dilate(ink, np.ones((2, 2), np.uint8)), dtype=np.float32)
    h, w = ink.shape
    paper = float(rng.uniform(200, 222)) + 8 * _smooth_field((h, w), rng, 5)[:, :, 0]
    page = paper * (1.0 - np.clip(ink * 1.05, 0, 1))
    for _ in range(int(rng.integers(2, 6))):  # drum streaks run along the paper path
        x0, width = int(rng.integers(0, w)), int(rng.integers(2, 7))
        page[:, x0 : x0 + width] -= float(rng.uniform(15, 45))
    specks = rng.random((h, w)) < float(rng.uniform(0.0008, 0.003))
    page[specks] = rng.uniform(20, 120, size=int(specks.sum()))
    page = cv2.GaussianBlur(page, (0, 0), 0.6)
    band = int(rng.integers(_px(3, dpi), _px(9, dpi)))
    page[:, w - band :] *= np.linspace(1.0, 0.35, band, dtype=np.float32)[None, :]
    rgb = np.repeat(np.clip(page, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)
    return _Drawn(PilImage.fromarray(rgb), words, (Typeface.NOTO_SANS,), (12.0,))


def _faint_page(dpi: int, rng: np.random.Generator) -> _Drawn:
    """Pencil on paper, or the third carbon copy: the ink barely darker than the paper."""
    canvas = _blank_canvas(A4_MM, dpi)
    carbon = rng.random() < 0.5
    face = Typeface.CURSOR if carbon else Typeface.CHORUS
    writer = _Writer(canvas, dpi, face=face, leading=1.6, fill=(255, 255, 255))
    mask = PilImage.new("RGB", canvas.size, (0, 0, 0))
    writer.draw = ImageDraw.Draw(mask)  # draw the text as ink amounts, tinted below
    writer.line(_pick(rng, _HEADINGS), points=13, bold=True, centre=True)
    writer.gap(5)
    size = 12.0 if carbon else 15.0
    for _ in range(6):
        writer.paragraph(_pick(rng, _HANDWRITTEN if not carbon else _SENTENCES), points=size)
    ink = np.asarray(mask, dtype=np.float32)[:, :, 0] / 255.0
    if carbon:  # carbon paper smudges and spreads
        ink = cv2.GaussianBlur(ink, (0, 0), 1.0) * float(rng.uniform(0.45, 0.6))
        colour = (40, 50, 120)
    else:  # graphite: grainy, greyish, lighter where the pencil pressed less
        grain = rng.uniform(0.5, 1.0, size=ink.shape).astype(np.float32)
        ink = ink * grain * float(rng.uniform(0.4, 0.55))
        colour = (60, 60, 66)
    _ink_onto(canvas, np.clip(ink, 0, 1), colour)
    return _drawn(canvas, writer)


def _handwriting_page(dpi: int, rng: np.random.Generator) -> _Drawn:
    """A request written by hand with a ballpoint on ruled paper: a calligraphic face with
    wandering baseline, size and slant for each word, and a signature of free pen strokes."""
    canvas = _blank_canvas(A4_MM, dpi)
    draw = ImageDraw.Draw(canvas)
    pitch = _px(9, dpi)
    for y in range(_px(30, dpi), canvas.height - _px(20, dpi), pitch):  # the notebook's rules
        draw.line([(0, y), (canvas.width, y)], fill=(170, 195, 225), width=1)
    pen = (int(rng.integers(20, 45)), int(rng.integers(30, 60)), int(rng.integers(120, 170)))
    left, right = _px(22, dpi), canvas.width - _px(15, dpi)
    y, words = _px(30, dpi) - _px(6, dpi), []
    lines = ["Đơn xin xác nhận"] + [_pick(rng, _HANDWRITTEN) for _ in range(8)]
    for text in lines:
        x = float(left + (_px(50, dpi) if text.startswith("Đơn") else _px(8, dpi)))
        for word in text.split():
            font = face_font(Typeface.CHORUS, _pt(float(rng.uniform(15, 17.5)), dpi))
            width = font.getlength(word)
            if x + width > right:
                y += pitch
                x = float(left)
            glyphs = PilImage.new("L", (int(width) + 8, int(font.size * 2)), 0)
            ImageDraw.Draw(glyphs).text((4, int(font.size // 3)), word, font=font, fill=255)
            glyphs = glyphs.rotate(float(rng.uniform(-3, 3)), resample=PilImage.Resampling.BICUBIC)
            dy = int(rng.normal(0, 1.2))
            canvas.paste(PilImage.new("RGB", glyphs.size, pen), (int(x), y + dy), glyphs)
            words.append(word)
            x += width + font.getlength(" ") * float(rng.uniform(0.8, 1.4))
        y += pitch
    _signature(canvas, (canvas.width * 3 // 5, y + _px(8, dpi)), dpi, rng)
    return _Drawn(canvas, words, (Typeface.CHORUS,), (16.0,))


def _thin_table_page(dpi: int, rng: np.random.Generator) -> _Drawn:
    """A register extract: a dense table in 9 pt ruled with hairlines of 0.1–0.2 mm, thinner
    than a pixel at 200 dpi, so the rules are grey on the page as on a real print."""
    canvas = _blank_canvas(A4_MM, dpi)
    face = _pick(rng, (Typeface.LIBERATION_SANS, Typeface.LIBERATION_SERIF, Typeface.TERMES))
    writer = _Writer(canvas, dpi, 15.0, face=face, right_mm=15.0)
    _letterhead(writer, rng)
    columns = (("STT", 10), ("Họ và tên", 48), ("Ngày sinh", 24), ("Nơi sinh", 36),
               ("Quan hệ", 22), ("Số định danh", 40))  # fmt: skip
    font = writer.font(9.0)
    bold = writer.font(9.0, bold=True)
    writer.sizes.append(9.0)
    row_h = _px(6.0, dpi)
    rule_mm = float(rng.uniform(0.1, 0.2))
    rules = PilImage.new("L", canvas.size, 0)
    rule_draw = ImageDraw.Draw(rules)
    # A rule thinner than a pixel is drawn one pixel wide with its share of the ink.
    strength = int(255 * min(1.0, rule_mm / MM_PER_INCH * dpi))
    x_edges = [writer.left]
    for _, width in columns:
        x_edges.append(x_edges[-1] + _px(width, dpi))
    y0 = writer.y
    rows = 1 + int(rng.integers(22, 30))
    relations = ("Chủ hộ", "Vợ", "Chồng", "Con", "Cháu", "Mẹ", "Cha")
    for r in range(rows):
        if r == 0:
            cells = [c for c, _ in columns]
        else:
            cells = [str(r), _pick(rng, _NAMES),
                     f"{int(rng.integers(1, 29)):02d}/{int(rng.integers(1, 13)):02d}/"
                     f"{int(rng.integers(1940, 2024))}", _pick(rng, _PLACES).capitalize(),
                     _pick(rng, relations), f"0{int(rng.integers(10**10, 10**11))}"]  # fmt: skip
        for c, text in enumerate(cells):
            writer.draw.text((x_edges[c] + _px(1, dpi), y0 + r * row_h + _px(1, dpi)), text,
                             font=bold if r == 0 else font, fill=INK_RGB)  # fmt: skip
            writer.words.extend(text.split())
    for r in range(rows + 1):
        y = y0 + r * row_h
        rule_draw.line([(x_edges[0], y), (x_edges[-1], y)], fill=strength, width=1)
    for x in x_edges:
        rule_draw.line([(x, y0), (x, y0 + rows * row_h)], fill=strength, width=1)
    _ink_onto(canvas, np.asarray(rules, dtype=np.float32) / 255.0, INK_RGB)
    return _drawn(canvas, writer)


def halftone(grey: Floats, period_px: float, angle_deg: float = 45.0) -> Image:
    """``grey`` (0–255) as a printer's amplitude-modulated screen: round black dots on a grid of
    ``period_px`` at ``angle_deg``, each as large as its cell is dark; drawn 4× finer and
    averaged down, as the scanner's sensor averages the paper. Done in strips of rows so that
    the fine drawing of a page-wide picture stays a few megabytes."""
    fine, strip = 4, 32
    h, w = grey.shape
    theta = math.radians(angle_deg)
    out = np.empty((h, w), dtype=np.float32)
    xs = np.arange(w * fine, dtype=np.float32)[None, :] / fine
    for top in range(0, h, strip):
        rows = min(strip, h - top)
        part = grey[top : top + rows]
        big = cv2.resize(part, (w * fine, rows * fine), interpolation=cv2.INTER_LINEAR)
        big = big.reshape(rows * fine, w * fine)  # one row: OpenCV may drop an axis
        ys = (top + np.arange(rows * fine, dtype=np.float32)[:, None] / fine).astype(np.float32)
        u = (xs * math.cos(theta) + ys * math.sin(theta)) / period_px
        v = (-xs * math.sin(theta) + ys * math.cos(theta)) / period_px
        # Distance to the cell's centre, 0 (centre) .. ~0.7 (corner), against the dot's radius.
        dist = np.hypot(u - np.round(u), v - np.round(v))
        radius = np.sqrt(np.clip(1.0 - big / 255.0, 0, 1) / math.pi)  # area ∝ darkness
        dots = (dist < radius).astype(np.float32)
        out[top : top + rows] = cv2.resize(dots, (w, rows), interpolation=cv2.INTER_AREA)
    return _u8(np.clip(255.0 * (1.0 - out), 0, 255))


def _halftone_page(dpi: int, rng: np.random.Generator) -> _Drawn:
    """A newsletter page: text, then a photograph printed through a halftone screen of 40–60
    lines per inch, then its caption and more text."""
    canvas = _blank_canvas(A4_MM, dpi)
    face = _pick(rng, SERIF_FACES)
    writer = _Writer(canvas, dpi, face=face)
    writer.line("BẢN TIN XÃ " + _pick(rng, _PLACES).upper(), points=16, bold=True, centre=True)
    _paragraphs(writer, rng, 2)
    width = writer.right - writer.left
    picture = _portrait((int(width * 0.55), int(width * 0.45)), rng) if rng.random() < 0.4 \
        else _photo((int(width * 0.5), width), rng)  # fmt: skip
    lpi = float(rng.uniform(40, 60))
    screened = halftone(np.asarray(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY), np.float32),
                        dpi / lpi, float(rng.choice([45.0, 15.0, 75.0])))  # fmt: skip
    canvas.paste(PilImage.fromarray(screened).convert("RGB"), (writer.left, writer.y))
    writer.y += screened.shape[0] + _px(3, dpi)
    writer.line("Ảnh: Quang cảnh buổi lễ khánh thành nhà văn hóa thôn.", points=9)
    writer.gap(3)
    _paragraphs(writer, rng, 2)
    return _drawn(canvas, writer)


def _seal_over_text_page(dpi: int, rng: np.random.Generator) -> _Drawn:
    """A certified copy: the commune's red seal stamped across the last lines of text and the
    signature, as the certifying officer does it."""
    canvas = _blank_canvas(A4_MM, dpi)
    writer = _Writer(canvas, dpi, face=_pick(rng, (Typeface.TERMES, Typeface.LIBERATION_SERIF)))
    _letterhead(writer, rng)
    _paragraphs(writer, rng, 4)
    anchor = writer.y - _px(12, dpi)  # the seal covers the end of the last paragraph
    x = canvas.width * 3 // 5
    writer.line("CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH", points=12, bold=True, x=x - _px(40, dpi))
    writer.line("CÔNG CHỨC TƯ PHÁP - HỘ TỊCH", points=12, bold=True, x=x - _px(10, dpi))
    _signature(canvas, (x, writer.y + _px(4, dpi)), dpi, rng)
    writer.gap(18)
    writer.line(_pick(rng, _NAMES), points=12, bold=True, x=x)
    for _ in range(int(rng.integers(1, 3))):  # sometimes stamped twice, as on a page join
        centre = (int(rng.integers(writer.left + _px(25, dpi), writer.right - _px(25, dpi))),
                  int(anchor + rng.integers(-_px(8, dpi), _px(8, dpi))))  # fmt: skip
        _seal(canvas, centre, dpi, _pick(rng, _PLACES))
        anchor = writer.y - _px(20, dpi)
    return _drawn(canvas, writer)


def _latin_page(dpi: int, rng: np.random.Generator) -> _Drawn:
    """A foreign document in French, German, Spanish or Portuguese (a certificate brought from
    abroad), in a serif or sans face."""
    canvas = _blank_canvas(A4_MM, dpi)
    face = _pick(rng, (*SERIF_FACES, Typeface.LIBERATION_SANS, Typeface.NOTO_SANS))
    writer = _Writer(canvas, dpi, face=face)
    writer.line("ATTESTATION / BESCHEINIGUNG / CERTIFICADO", points=13, bold=True, centre=True)
    writer.gap(5)
    points = float(rng.choice([10.0, 11.0, 12.0]))
    for _ in range(8):
        picks = rng.choice(len(_LATIN), size=3, replace=False)
        writer.paragraph(" ".join(_LATIN[int(i)] for i in picks), points=points)
    return _drawn(canvas, writer)


def _plain(
    maker: Callable[[int, np.random.Generator], tuple[PilImage.Image, list[str]]],
) -> Callable[[int, np.random.Generator], _Drawn]:
    """The first kinds: Noto Sans, body text at 12 pt."""

    def make(dpi: int, rng: np.random.Generator) -> _Drawn:
        canvas, words = maker(dpi, rng)
        return _Drawn(canvas, words, (Typeface.NOTO_SANS,), (12.0,) if words else ())

    return make


_MAKERS: dict[PageKind, Callable[[int, np.random.Generator], _Drawn]] = {
    PageKind.TEXT: _plain(_text_page),
    PageKind.TABLE: _plain(_table_page),
    PageKind.FORM: _plain(_form_page),
    PageKind.STAMPED: _plain(_stamped_page),
    PageKind.SPARSE: _plain(_sparse_page),
    PageKind.ID_CARD: _plain(_id_card_page),
    PageKind.PHOTO: _plain(_photo_page),
    PageKind.CARD_ALONE: _plain(_card_alone),
    PageKind.BLANK: _plain(_blank_page),
    PageKind.SMALL_SERIF: _small_serif_page,
    PageKind.TYPEFACES: _typefaces_page,
    PageKind.TYPEWRITER: _typewriter_page,
    PageKind.PHOTOCOPY: _photocopy_page,
    PageKind.FAINT: _faint_page,
    PageKind.HANDWRITING: _handwriting_page,
    PageKind.THIN_TABLE: _thin_table_page,
    PageKind.HALFTONE: _halftone_page,
    PageKind.SEAL_OVER_TEXT: _seal_over_text_page,
    PageKind.LATIN: _latin_page,
}


def make_page(kind: PageKind, rng: np.random.Generator, *, dpi: int = 200) -> Page:
    """A freshly drawn page of ``kind`` at ``dpi`` (A4 except ``CARD_ALONE``)."""
    drawn = _MAKERS[kind](dpi, rng)
    pixels = np.asarray(drawn.canvas.convert("RGB"), dtype=np.uint8)
    return Page(kind, pixels, dpi, tuple(drawn.words), drawn.faces, drawn.sizes_pt)


# --- the scanner ----------------------------------------------------------------------------------


def scan(page: Page, degradation: Degradation, rng: np.random.Generator) -> Image:
    """What a document scanner delivers for ``page``: RGB, at the page's dpi."""
    return scan_image(page.perfect, page.dpi, degradation, rng)


def scan_image(paper: Image, dpi: int, degradation: Degradation, rng: np.random.Generator) -> Image:
    """What a document scanner delivers for the sheet ``paper`` (RGB or grey, at ``dpi``).

    The result has the input's channels: a grey sheet gives a grey scan, as a scanner set to
    grey hands over (``simulators.real_pages`` feeds real pages through here).
    """
    d = degradation
    grey = paper.ndim == 2
    img = (paper[:, :, None] if grey else paper).astype(np.float32)
    if d.upside_down:
        img = img[::-1, ::-1]
    h, w = img.shape[:2]
    margin = _px(d.margin_mm, dpi)
    out_w, out_h = w + 2 * margin, h + 2 * margin
    centre = (w / 2, h / 2)
    matrix = cv2.getRotationMatrix2D(centre, d.angle_deg, 1.0)
    matrix[0, 2] += margin + _px(d.offset_mm[0], dpi)
    matrix[1, 2] += margin + _px(d.offset_mm[1], dpi)
    outside_value = (-1.0, -1.0, -1.0)  # no real pixel is negative: marks the backing
    warped = cv2.warpAffine(img, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=outside_value)  # fmt: skip
    backing = d.background + 6 * _smooth_field((out_h, out_w), rng, 3)
    # The paper's edge casts a soft shadow on the backing plate.
    if warped.ndim == 2:  # OpenCV drops a single channel axis
        warped = warped[:, :, None]
    outside = (warped[:, :, 0] < 0).astype(np.float32)
    shadow = cv2.GaussianBlur(1.0 - outside, (0, 0), max(1.0, dpi / 100))[:, :, None]
    backing = backing * (1.0 - 0.3 * shadow)
    out = np.where(outside[:, :, None] > 0, backing, warped)
    if d.cut_mm > 0:  # the sheet ran past the end of the scan area
        out = out[:, : out_w - margin + _px(d.offset_mm[0], dpi) - _px(d.cut_mm, dpi)]
    out = out * d.gain
    if d.blur_sigma_px > 0:
        out = cv2.GaussianBlur(out, (0, 0), d.blur_sigma_px)
    out = out + rng.normal(0, d.noise_sigma, size=out.shape).astype(np.float32)
    if grey:
        out = out[:, :, 0]
    result = np.clip(out, 0, 255).astype(np.uint8)
    if d.jpeg_quality is not None:
        ok, data = cv2.imencode(".jpg", result, [cv2.IMWRITE_JPEG_QUALITY, d.jpeg_quality])
        assert ok
        result = np.asarray(cv2.imdecode(data, cv2.IMREAD_UNCHANGED), dtype=np.uint8)
    return result


def unscan(image: Image, paper_shape: tuple[int, int], dpi: int, degradation: Degradation) -> Image:
    """The sheet cut back out of ``scan_image``'s output: the skew, offset and margin undone
    exactly (the simulation knows them), so only what the scanner's light, blur and noise did
    is left. ``paper_shape`` is the sheet's (height, width) at ``dpi``."""
    d = degradation
    h, w = paper_shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), d.angle_deg, 1.0)
    matrix[0, 2] += _px(d.margin_mm, dpi) + _px(d.offset_mm[0], dpi)
    matrix[1, 2] += _px(d.margin_mm, dpi) + _px(d.offset_mm[1], dpi)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    sheet = cv2.warpAffine(image, matrix, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    if d.upside_down:
        sheet = sheet[::-1, ::-1]
    return np.ascontiguousarray(sheet, dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class ScanSample:
    """A page, how it was spoiled, and what the scanner delivered."""

    page: Page
    degradation: Degradation
    image: Image = field(repr=False)


def sample(
    kind: PageKind, rng: np.random.Generator, degradation: Degradation = GOOD_SCAN, *,
    dpi: int = 200,
) -> ScanSample:  # fmt: skip
    page = make_page(kind, rng, dpi=dpi)
    return ScanSample(page, degradation, scan(page, degradation, rng))


def random_degradation(rng: np.random.Generator, *, max_angle: float = 4.0) -> Degradation:
    """A plausible good scan: skew within ±``max_angle``, a small offset, ordinary noise."""
    return replace(
        GOOD_SCAN,
        angle_deg=float(rng.uniform(-max_angle, max_angle)),
        offset_mm=(float(rng.uniform(-4, 4)), float(rng.uniform(-4, 4))),
        background=float(rng.uniform(40, 110)),
        noise_sigma=float(rng.uniform(1.5, 4.0)),
        blur_sigma_px=float(rng.uniform(0.4, 0.8)),
    )
