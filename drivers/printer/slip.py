"""The appointment slip ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"): its content and its picture.

``kiosk.slip.build_slip_content`` decides what the slip says (plain strings in a
``base.SlipContent``); ``render_slip`` here draws them with QPainter on a QImage at the printer's
dot width in the bundled Noto Sans (Vietnamese diacritics, OFL), turns the picture into a 1-bit
page per copy and encodes the ESC/POS job.

Choices worth knowing:

* Type is large for elderly readers: nothing on the slip is under ``BODY_PX`` = 34 dots (the
  font's pixel size, its em: 4.25 mm at 203 dpi, 12 pt), headings are larger. Every paragraph
  wraps inside the paper, at a word if it can and anywhere if it must, so nothing is clipped on
  512-dot printers either; the slip gets longer instead.
* The code is called "Mã hồ sơ" everywhere; a provisional one gets one plain sentence saying so.
* The QR code holds the display code itself (official code, else the provisional receipt number),
  so a kiosk's QR reader or the staff desk scanner can look the dossier up without a network
  address printed on paper. A province that publishes a lookup page can pass
  ``qr_url_template`` (``https://…?ma={code}``) and the QR opens it on a phone instead.
* The CODE128 barcode is drawn into the raster from python-barcode's module pattern (the library
  python-escpos uses for software barcodes), at a whole number of dots per module so bars stay
  sharp; it therefore prints on printers without native barcodes.
* Only the provisional receipt number, the masked phone and the name are personal data on the
  slip; the ID number and address are not printed (a slip is easily lost).
"""

from __future__ import annotations

import ctypes
import functools
import html
import math
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import barcode
import numpy as np
import qrcode
from PySide6.QtCore import QRect
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetrics,
    QGuiApplication,
    QImage,
    QPainter,
    QPalette,
    QTextDocument,
    QTextOption,
)

from drivers.printer.base import INK, PAPER, Bitmap, DrawnText, RenderedSlip, SlipContent
from drivers.printer.encode import (
    Binarize,
    TextLine,
    binarize,
    encode_cp1258,
    encode_raster,
    encode_text,
)
from drivers.printer.profiles import PrinterProfile

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT_FILES = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")

TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
TITLE_LINES = "GIẤY TIẾP NHẬN HỒ SƠ\nVÀ HẸN TRẢ KẾT QUẢ"  # broken where the phrase breaks
CODE_LABEL = "Mã hồ sơ"
# No SMS carries the official code (the only SMS is the confirmation code), so none is promised.
# The gateway answers a lookup by the receipt number as well as the official code
# (``dossier_by_code``) once the dossier has reached it, hence "vẫn dùng mã này".
PROVISIONAL_NOTE = (
    "Đây là mã hồ sơ tạm. Mã chính thức sẽ có khi hồ sơ được gửi đến cơ quan giải quyết; "
    "ông/bà vẫn dùng mã này để tra cứu."
)
COPY_LABEL = "BẢN LƯU"
QR_CAPTION = "Quét mã QR để tra cứu hồ sơ"
APPOINTMENT_HEADING = "HẸN TRẢ KẾT QUẢ"
HOURS_LABEL = "Giờ tiếp dân"  # the screens say it so too
BULLET = "•"

# Sizes in dots at 203 dpi (8 dots per mm).
MARGIN = 12
BODY_PX = 34  # the smallest type anywhere on the slip
TITLE_PX = 42
CODE_MAX_PX = 50
APPOINTMENT_PX = 44
LINE_HEIGHT = 100  # percent of the font's own line spacing, which leaves room for ễ, Ấ…
GAP = 12
LIST_INDENT = 16
QR_MODULE_MAX = 7  # about 1 mm modules read easily on a phone held at arm's length
QR_QUIET_MODULES = 4
BARCODE_HEIGHT = 88
BARCODE_QUIET = 10  # dots of white kept each side inside the image
BARCODE_MODULE_MAX = 3
_MAX_HEIGHT = 12_000  # a canvas taller than any slip; cropped to what was drawn


# --- codes -----------------------------------------------------------------------------------


def qr_matrix(payload: str) -> list[list[bool]]:
    """QR modules (True is dark), error correction M, no quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def code128_modules(payload: str) -> str:
    """CODE128 bars and spaces as ``1``/``0`` modules, start, check symbol and stop included."""
    modules: list[str] = barcode.get("code128", payload).build()
    return modules[0]


# --- drawing ---------------------------------------------------------------------------------

_APP: list[QGuiApplication] = []  # keeps an application we had to create alive


@functools.cache
def guard_none_refcount() -> bool:
    """Work around PySide6 6.12 returning ``None`` without a reference on Python 3.11.

    Every call of a Qt method that returns void (``fillRect``, ``save``, ``setWidth``…) takes one
    reference from ``None``; after a few thousand calls ``None`` is "deallocated" and CPython
    aborts (``Fatal Python error: none_dealloc``), a dozen slips into a session. Python 3.12
    made ``None`` immortal by giving it a huge reference count; on an affected 3.11 we do the
    same. The check is on behaviour, so the guard switches itself off once PySide6 is fixed.
    Returns True when the guard was applied.
    """
    if sys.version_info >= (3, 12):
        return False
    probe = QRect()
    before = sys.getrefcount(None)
    for _ in range(16):
        probe.setWidth(1)
    if sys.getrefcount(None) >= before:
        return False
    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
    return True


def ensure_gui() -> str:
    """A Qt GUI application (created only if none exists) and the bundled font's family."""
    guard_none_refcount()
    instance = QGuiApplication.instance()
    if instance is None:
        if not any(os.environ.get(v) for v in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")):
            # A headless kiosk service or CLI: without this Qt aborts looking for a display.
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        _APP.append(QGuiApplication(["kiosk-slip"]))
    elif not isinstance(instance, QGuiApplication):
        raise RuntimeError("a QCoreApplication exists; drawing slips needs a QGuiApplication")
    return _font_family()


@functools.cache
def _font_family() -> str:
    family = ""
    for name in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(FONT_DIR / name))
        if font_id < 0:
            raise RuntimeError(f"bundled font {FONT_DIR / name} is missing or unreadable")
        family = QFontDatabase.applicationFontFamilies(font_id)[0]
    return family


def _font(family: str, px: int, *, bold: bool = False) -> QFont:
    font = QFont(family)
    font.setPixelSize(px)
    font.setWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
    return font


Run = tuple[str, bool]  # text, bold
NBSP = "\u00a0"


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _unbroken(text: str) -> str:
    """``text`` as one unit for line breaking: a short value wraps whole onto the next line
    rather than leaving "Trong" at the end of one line and "ngày" alone on the next."""
    return text.replace(" ", NBSP)


# Phrases a line break must not split: "7 giờ / 30" reads as two numbers, "thứ / Hai" as a word
# and a number.
_PHRASES = re.compile(
    r"\d{1,2} giờ(?: \d{2})?(?: phút)?|[Tt]hứ (?:Hai|Ba|Tư|Năm|Sáu|Bảy)|[Cc]hủ [Nn]hật"
)


def _phrases_kept(text: str) -> str:
    return _PHRASES.sub(lambda match: _unbroken(match.group()), text)


def _moment(text: str) -> str:
    """``09 giờ 12 phút, ngày 23/11/2026`` breaks only after its comma."""
    return ", ".join(_unbroken(part) for part in text.split(", "))


def _plain(runs: Sequence[Run]) -> str:
    """The text of a paragraph as tests and logs see it: breaks and no-break spaces as spaces."""
    return "".join(text for text, _ in runs).replace("\n", " ").replace(NBSP, " ")


def _natural_width(doc: QTextDocument) -> float:
    """The width of a document laid out without a text width, on one line."""
    return doc.size().width()


class _Canvas:
    """Paragraphs, boxes, rules and codes stacked top to bottom on one tall greyscale image."""

    def __init__(self, width: int, family: str) -> None:
        self.width = width
        self.family = family
        self.inner = width - 2 * MARGIN
        self.image = QImage(width, _MAX_HEIGHT, QImage.Format.Format_Grayscale8)
        self.image.fill(QColor(255, 255, 255))
        self.painter = QPainter(self.image)
        self.painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        self.painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self.y = MARGIN
        self.texts: list[DrawnText] = []

    # layout primitives

    def _document(
        self, runs: Sequence[Run], px: int, width: int, center: bool, hang: int = 0
    ) -> QTextDocument:
        """``hang``: the first line starts that many dots left of the others (a list item's
        number or bullet stands out, the wrapped lines align with its text)."""
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(_font(self.family, px))
        option = QTextOption()
        # A word wider than the paper (a long code) breaks rather than running off the edge.
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        doc.setDefaultTextOption(option)
        doc.setTextWidth(width)
        body = "".join(f"<b>{_html(text)}</b>" if bold else _html(text) for text, bold in runs)
        align = "center" if center else "left"
        style = f"line-height:{LINE_HEIGHT}%"
        if hang:
            style += f"; margin-left:{hang}px; text-indent:-{hang}px"
        doc.setHtml(f'<p align="{align}" style="{style}">{body}</p>')
        return doc

    def _draw_document(self, doc: QTextDocument, x: int, y: int, color: QColor) -> None:
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, color)
        self.painter.save()
        self.painter.translate(x, y)
        doc.documentLayout().draw(self.painter, context)
        self.painter.restore()

    def paragraph(
        self,
        runs: Sequence[Run] | str,
        *,
        px: int = BODY_PX,
        bold: bool = False,
        center: bool = False,
        indent: int = 0,
        hang: int = 0,
        color: QColor | None = None,
    ) -> DrawnText:
        if isinstance(runs, str):
            runs = [(runs, bold)]
        width = self.inner - indent
        doc = self._document(runs, px, width, center, hang)
        height = math.ceil(doc.size().height())
        x = MARGIN + indent
        self._draw_document(doc, x, self.y, color or QColor(0, 0, 0))
        drawn = DrawnText(_plain(runs), x, self.y, width, height, px)
        self.texts.append(drawn)
        self.y += height
        return drawn

    def field(self, label: str, value: str, *, unbroken: bool = False) -> DrawnText:
        return self.paragraph(
            [(f"{label}: ", True), (_unbroken(value) if unbroken else value, False)]
        )

    def item(self, marker: str, text: str) -> DrawnText:
        """One line of a list, wrapped lines aligned with the text after ``marker``."""
        lead = f"{marker} "
        hang = QFontMetrics(_font(self.family, BODY_PX)).horizontalAdvance(lead)
        return self.paragraph(lead + text, indent=LIST_INDENT, hang=hang)

    def gap(self, px: int = GAP) -> None:
        self.y += px

    def rule(self, length: int | None = None, thickness: int = 2) -> None:
        length = length or self.inner
        self.painter.fillRect(
            QRect((self.width - length) // 2, self.y, length, thickness), QColor(0, 0, 0)
        )
        self.y += thickness

    def fitted_line(self, text: str, *, max_px: int, min_px: int = BODY_PX) -> DrawnText:
        """One bold centred line, as large as fits the width (long official codes shrink, and
        wrap rather than shrink below ``min_px``)."""
        px = max_px
        # Measured with the document that will draw it: font metrics alone come out a few dots
        # narrower than the laid-out line, and the code would break before its last digit.
        while (
            px > min_px
            and _natural_width(self._document([(text, True)], px, -1, True)) > self.inner
        ):
            px -= 1
        return self.paragraph(text, px=px, bold=True, center=True)

    def box(self, paragraphs: Sequence[tuple[Sequence[Run], int, bool]], border: int = 3) -> None:
        """Paragraphs (runs, px, centred) inside a black frame, for what must not be missed."""
        pad = 10
        top = self.y
        self.y += border + pad
        for runs, px, center in paragraphs:
            inner_indent = border + pad
            doc = self._document(runs, px, self.inner - 2 * inner_indent, center)
            height = math.ceil(doc.size().height())
            x = MARGIN + inner_indent
            self._draw_document(doc, x, self.y, QColor(0, 0, 0))
            self.texts.append(
                DrawnText(_plain(runs), x, self.y, self.inner - 2 * inner_indent, height, px)
            )
            self.y += height
        self.y += pad + border
        frame = QRect(MARGIN, top, self.inner, self.y - top)
        black = QColor(0, 0, 0)
        self.painter.fillRect(QRect(frame.left(), frame.top(), frame.width(), border), black)
        self.painter.fillRect(
            QRect(frame.left(), frame.bottom() - border + 1, frame.width(), border), black
        )
        self.painter.fillRect(QRect(frame.left(), frame.top(), border, frame.height()), black)
        self.painter.fillRect(
            QRect(frame.right() - border + 1, frame.top(), border, frame.height()), black
        )

    def banner(self, text: str) -> None:
        """White letters on a black band: the mark of the staff copy."""
        doc = self._document([(text, True)], TITLE_PX, self.inner, True)
        height = math.ceil(doc.size().height()) + 2 * GAP
        self.painter.fillRect(QRect(MARGIN, self.y, self.inner, height), QColor(0, 0, 0))
        self._draw_document(doc, MARGIN, self.y + GAP, QColor(255, 255, 255))
        self.texts.append(DrawnText(text, MARGIN, self.y, self.inner, height, TITLE_PX))
        self.y += height

    def _blit(self, modules: Bitmap, left: int) -> None:
        """Paste a code drawn module by module in numpy: one paint call instead of hundreds."""
        height, width = modules.shape
        data = np.ascontiguousarray(modules).tobytes()
        image = QImage(data, width, height, width, QImage.Format.Format_Grayscale8)
        self.painter.drawImage(left, self.y, image)
        self.y += height

    def qr(self, payload: str) -> None:
        matrix = np.array(qr_matrix(payload), dtype=bool)
        size = len(matrix)
        module = max(2, min(QR_MODULE_MAX, self.inner * 6 // 10 // (size + 2 * QR_QUIET_MODULES)))
        self.y += QR_QUIET_MODULES * module
        pixels = np.where(np.kron(matrix, np.ones((module, module), dtype=bool)), INK, PAPER)
        self._blit(pixels.astype(np.uint8), (self.width - size * module) // 2)
        self.y += QR_QUIET_MODULES * module

    def barcode(self, payload: str) -> None:
        bars = np.array([bit == "1" for bit in code128_modules(payload)], dtype=bool)
        # The paper's unprinted edges (4 mm each side on 80 mm rolls) add to the quiet zone, so
        # wide modules win over a full 10-module quiet zone inside the image.
        module = max(1, min(BARCODE_MODULE_MAX, (self.width - 2 * BARCODE_QUIET) // len(bars)))
        row = np.where(np.repeat(bars, module), INK, PAPER).astype(np.uint8)
        self._blit(np.tile(row, (BARCODE_HEIGHT, 1)), (self.width - row.size) // 2)

    def finish(self) -> tuple[Bitmap, tuple[DrawnText, ...]]:
        self.painter.end()
        height = min(self.y + 2 * MARGIN, _MAX_HEIGHT)
        gray = _gray_pixels(self.image)[:height]
        return binarize(gray, Binarize.THRESHOLD), tuple(self.texts)


def _gray_pixels(image: QImage) -> Bitmap:
    """A Grayscale8 QImage as a (height, width) uint8 array (a copy: Qt owns its buffer)."""
    ptr = image.constBits()
    rows = np.frombuffer(ptr, dtype=np.uint8, count=image.bytesPerLine() * image.height())
    return rows.reshape(image.height(), image.bytesPerLine())[:, : image.width()].copy()


def _draw_codes(canvas: _Canvas, content: SlipContent) -> None:
    canvas.qr(content.qr_payload)
    canvas.paragraph(QR_CAPTION, center=True)
    canvas.gap(GAP * 2)
    canvas.barcode(content.barcode_payload)
    canvas.gap(4)
    canvas.paragraph(content.code, center=True)


def _appointment_box(canvas: _Canvas, content: SlipContent) -> None:
    paragraphs: list[tuple[Sequence[Run], int, bool]] = [
        ([(APPOINTMENT_HEADING, True)], BODY_PX, True),
        ([(_moment(content.appointment), True)], APPOINTMENT_PX, True),
    ]
    if content.office_hours:
        # Left-aligned: several lines of centred text are hard to follow for a weak reader.
        paragraphs.append(
            (
                [(f"{HOURS_LABEL}: ", True), (_phrases_kept(content.office_hours), False)],
                BODY_PX,
                False,
            )
        )
    canvas.box(paragraphs)


def draw_slip(
    content: SlipContent, width: int, *, copy_label: str | None = None
) -> tuple[Bitmap, tuple[DrawnText, ...]]:
    """One copy of the slip as a 1-bit page, and the paragraphs drawn on it."""
    canvas = _Canvas(width, ensure_gui())
    if copy_label:
        canvas.banner(copy_label)
        canvas.gap()
    canvas.paragraph(content.parent.upper(), center=True)
    canvas.paragraph(content.agency.upper(), bold=True, center=True)
    if content.unit:
        canvas.paragraph(content.unit, center=True)
    canvas.gap(6)
    canvas.rule(length=width // 3)
    canvas.gap(GAP)
    canvas.paragraph(TITLE_LINES, px=TITLE_PX, bold=True, center=True)
    canvas.gap(GAP)
    canvas.paragraph(CODE_LABEL, center=True)
    canvas.fitted_line(content.code, max_px=CODE_MAX_PX)
    if content.provisional:
        canvas.gap(6)
        canvas.box([([(PROVISIONAL_NOTE, False)], BODY_PX, False)])
    canvas.gap(GAP)
    canvas.rule()
    canvas.gap(GAP)
    canvas.field("Người nộp", content.applicant_name)
    if content.phone:
        canvas.field("Số điện thoại", content.phone)
    canvas.field("Thủ tục", content.procedure_name)
    canvas.paragraph([("Nhận hồ sơ lúc: ", True), (_moment(content.received), False)])
    canvas.field("Thời hạn giải quyết", content.processing_time, unbroken=True)
    canvas.field("Lệ phí", content.fee)
    canvas.paragraph([(f"Giấy tờ đã nộp ({content.sets} bộ):", True)])
    for number, document in enumerate(content.documents, start=1):
        canvas.item(f"{number}.", document.text)
    if not content.documents:
        canvas.item("-", "(không có giấy tờ quét)")
    canvas.gap()
    _appointment_box(canvas, content)
    canvas.gap()
    if content.result_place:
        canvas.field("Nơi nhận kết quả", content.result_place)
    if content.address:
        canvas.field("Địa chỉ", content.address)
    canvas.field("Cách nhận", content.delivery)
    if content.bring_heading:
        canvas.gap(GAP // 2)
        canvas.paragraph(content.bring_heading, bold=True)
        for thing in content.bring:
            canvas.item(BULLET, thing)
    if content.verification_note:
        canvas.gap()
        canvas.box([([("Lưu ý: ", True), (content.verification_note, False)], BODY_PX, False)])
    canvas.gap()
    canvas.rule()
    canvas.gap(GAP)
    _draw_codes(canvas, content)
    canvas.gap(GAP)
    canvas.paragraph(f"Đường dây nóng: {content.hotline}", bold=True, center=True)
    canvas.paragraph(f"Nộp tại máy {content.kiosk_id}", center=True)
    return canvas.finish()


def draw_codes(content: SlipContent, width: int) -> Bitmap:
    """Only the QR code and the barcode: the raster part of a text-mode slip."""
    canvas = _Canvas(width, ensure_gui())
    _draw_codes(canvas, content)
    return canvas.finish()[0]


def cells(text: str) -> int:
    """Character cells ``text`` takes on a text-mode printer: one per CP1258 byte, because the
    printers do not compose a tone mark sent after its letter but print it in a cell of its own."""
    return len(encode_cp1258(text))


def wrap_cells(text: str, columns: int) -> list[str]:
    """``text`` broken at spaces into lines of at most ``columns`` cells (a word longer than a
    line is cut), continuation lines indented like the first. ``encode_text`` wraps by
    characters, which lets a line with many tone marks run past the paper's edge; lines that
    fit in cells pass through it unchanged."""
    body = text.lstrip(" ")
    indent = text[: len(text) - len(body)]
    width = max(columns - len(indent), 1)
    lines: list[str] = []
    current = ""
    for word in body.split():
        candidate = f"{current} {word}" if current else word
        if cells(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        rest = word
        while cells(rest) > width:
            cut = max([1, *(n for n in range(len(rest) + 1) if cells(rest[:n]) <= width)])
            lines.append(rest[:cut])
            rest = rest[cut:]
        current = rest
    lines.append(current)
    return [indent + line for line in lines]


def text_lines(
    content: SlipContent, copy_label: str | None = None, columns: int | None = None
) -> list[TextLine]:
    """The slip for text mode, paragraph by paragraph; with ``columns``, each paragraph is
    broken into lines that fit the printer's width in cells."""
    lines = _text_paragraphs(content, copy_label)
    if columns is None:
        return lines
    return [
        TextLine(part, bold=line.bold, center=line.center, large=line.large)
        for line in lines
        for part in wrap_cells(line.text, columns // 2 if line.large else columns)
    ]


def _text_paragraphs(content: SlipContent, copy_label: str | None) -> list[TextLine]:
    lines = [TextLine(copy_label, bold=True, center=True, large=True)] if copy_label else []
    lines += [
        TextLine(content.parent.upper(), center=True),
        TextLine(content.agency.upper(), bold=True, center=True),
        TextLine(content.unit, center=True),
        TextLine(""),
        TextLine(TITLE, bold=True, center=True),
        TextLine(""),
        TextLine(f"{CODE_LABEL}:", center=True),
        TextLine(content.code, bold=True, center=True),
    ]
    if content.provisional:
        lines.append(TextLine(PROVISIONAL_NOTE))
    lines += [
        TextLine(""),
        TextLine(f"Người nộp: {content.applicant_name}"),
        *([TextLine(f"Số điện thoại: {content.phone}")] if content.phone else []),
        TextLine(f"Thủ tục: {content.procedure_name}"),
        TextLine(f"Nhận hồ sơ lúc: {content.received}"),
        TextLine(f"Thời hạn giải quyết: {content.processing_time}"),
        TextLine(f"Lệ phí: {content.fee}"),
        TextLine(f"Giấy tờ đã nộp ({content.sets} bộ):", bold=True),
        *(TextLine(f"  {n}. {d.text}") for n, d in enumerate(content.documents, start=1)),
        TextLine(""),
        TextLine(f"{APPOINTMENT_HEADING}:", bold=True, center=True),
        TextLine(content.appointment, bold=True, center=True),
    ]
    if content.office_hours:
        lines.append(TextLine(f"{HOURS_LABEL}: {content.office_hours}"))
    lines.append(TextLine(""))
    if content.result_place:
        lines.append(TextLine(f"Nơi nhận kết quả: {content.result_place}"))
    if content.address:
        lines.append(TextLine(f"Địa chỉ: {content.address}"))
    lines.append(TextLine(f"Cách nhận: {content.delivery}"))
    if content.bring_heading:
        lines.append(TextLine(content.bring_heading, bold=True))
        lines += [TextLine(f"  - {thing}") for thing in content.bring]
    if content.verification_note:
        lines.append(TextLine(f"Lưu ý: {content.verification_note}"))
    lines.append(TextLine(f"Đường dây nóng: {content.hotline}", bold=True, center=True))
    lines.append(TextLine(f"Nộp tại máy {content.kiosk_id}", center=True))
    return lines


def render_slip(
    content: SlipContent,
    profile: PrinterProfile,
    *,
    copies: int = 1,
    text_mode: bool = False,
) -> RenderedSlip:
    """Draw ``copies`` copies (the second marked as the office's) and encode the ESC/POS job.

    Text mode is used only when asked for and the profile has a Vietnamese code page; otherwise
    the slip goes as raster, which every printer prints correctly.
    """
    labels = [None, COPY_LABEL][:copies]
    drawn = [draw_slip(content, profile.width_dots, copy_label=label) for label in labels]
    pages = tuple(page for page, _ in drawn)
    text_mode = text_mode and profile.vietnamese_code_page is not None
    if text_mode:
        codes = draw_codes(content, profile.width_dots)
        escpos = encode_text(
            [text_lines(content, label, profile.columns) for label in labels], codes, profile
        )
    else:
        escpos = encode_raster(pages, profile)
    return RenderedSlip(
        code=content.code,
        pages=pages,
        escpos=escpos,
        texts=drawn[0][1],
        qr_payload=content.qr_payload,
        barcode_payload=content.barcode_payload,
        text_mode=text_mode,
    )


# --- the technician's test page -----------------------------------------------------------------

TEST_TITLE = "TRANG IN THỬ"
# Every Vietnamese vowel with every tone, capital and small, then a plain sentence: a missing
# glyph or a wrong code page shows at once.
TEST_SAMPLES = (
    "a à á ả ã ạ ă ằ ắ ẳ ẵ ặ â ầ ấ ẩ ẫ ậ đ e è é ẻ ẽ ẹ ê ề ế ể ễ ệ",
    "i ì í ỉ ĩ ị o ò ó ỏ õ ọ ô ồ ố ổ ỗ ộ ơ ờ ớ ở ỡ ợ",
    "u ù ú ủ ũ ụ ư ừ ứ ử ữ ự y ỳ ý ỷ ỹ ỵ",
    "Ă Ắ Ằ Ẳ Ẵ Ặ Â Ấ Ầ Ẩ Ẫ Ậ Đ Ê Ế Ề Ể Ễ Ệ Ô Ố Ồ Ổ Ỗ Ộ Ơ Ớ Ờ Ở Ỡ Ợ Ư Ứ Ừ Ử Ữ Ự Ỳ Ý Ỷ Ỹ Ỵ",
    "Ủy ban nhân dân xã Thăng Phú tiếp nhận hồ sơ đăng ký khai sinh, chứng thực bản sao.",
)
RULER_TICK = 8  # dots between small ticks; every 8th is long and numbered


def _ruler(canvas: _Canvas) -> None:
    """A ruler across the whole printable width, both edges marked: a profile with the wrong dot
    width prints a ruler cut short or a right edge that never appears."""
    black = QColor(0, 0, 0)
    painter, top = canvas.painter, canvas.y
    painter.fillRect(QRect(0, top, canvas.width, 3), black)
    for x in range(0, canvas.width, RULER_TICK):
        long = x % (RULER_TICK * 8) == 0
        painter.fillRect(QRect(x, top, 2, 36 if long else 16), black)
        if long and x + 60 < canvas.width:
            painter.setFont(_font(canvas.family, 20))
            painter.drawText(x + 4, top + 60, str(x))
    painter.fillRect(QRect(0, top, 4, 80), black)  # the edges, thick
    painter.fillRect(QRect(canvas.width - 4, top, 4, 80), black)
    canvas.y += 84


def render_test_page(profile: PrinterProfile, *, kiosk_id: str, moment: str) -> RenderedSlip:
    """The technician's test slip: the profile and its width, a ruler edge to edge, every
    Vietnamese letter, a QR code and a barcode, as raster (what every printer prints)."""
    canvas = _Canvas(profile.width_dots, _font_family())
    canvas.paragraph(TEST_TITLE, px=TITLE_PX, bold=True, center=True)
    canvas.gap()
    canvas.field("Máy", kiosk_id)
    canvas.field("Lúc", moment)
    canvas.field("Loại máy in", f"{profile.name}, {profile.width_dots} chấm")
    canvas.gap()
    _ruler(canvas)
    canvas.gap()
    for sample in TEST_SAMPLES:
        canvas.paragraph(sample)
    canvas.gap()
    canvas.qr(f"TEST {kiosk_id}")
    canvas.barcode(kiosk_id)
    page, texts = canvas.finish()
    return RenderedSlip(
        code=f"TEST-{kiosk_id}",
        pages=(page,),
        escpos=encode_raster((page,), profile),
        texts=texts,
        qr_payload=f"TEST {kiosk_id}",
        barcode_payload=kiosk_id,
    )
