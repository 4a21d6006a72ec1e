"""The appointment slip ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"): its content and its picture.

``kiosk.slip.build_slip_content`` decides what the slip says (plain strings in a
``base.SlipContent``); ``render_slip`` here draws them with QPainter on a QImage at the printer's
dot width in the bundled Noto Sans (Vietnamese diacritics, OFL), turns the picture into a 1-bit
page per copy and encodes the ESC/POS job.

Choices worth knowing:

* Type is large for elderly readers: body 26 px, nothing under 24 px (3 mm at 203 dpi).
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
)

from drivers.printer.base import INK, PAPER, Bitmap, DrawnText, RenderedSlip, SlipContent
from drivers.printer.encode import Binarize, TextLine, binarize, encode_raster, encode_text
from drivers.printer.profiles import PrinterProfile

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT_FILES = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")

TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
TITLE_LINES = "GIẤY TIẾP NHẬN HỒ SƠ\nVÀ HẸN TRẢ KẾT QUẢ"  # broken where the phrase breaks
PROVISIONAL_MARK = "MÃ TẠM"
PROVISIONAL_NOTE = "mã chính thức sẽ được gửi sau khi hồ sơ được đồng bộ"
COPY_LABEL = "BẢN LƯU"
QR_CAPTION = "Quét mã để tra cứu tình trạng hồ sơ"

# Sizes in dots at 203 dpi (8 dots per mm).
MARGIN = 12
BODY_PX = 26
SMALL_PX = 24  # the smallest type anywhere on the slip
TITLE_PX = 32
CODE_MAX_PX = 46
APPOINTMENT_PX = 34
GAP = 12
QR_MODULE_MAX = 8  # 1 mm modules read easily on a phone held at arm's length
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


def _plain(runs: Sequence[Run]) -> str:
    """The text of a paragraph as tests and logs see it: breaks and no-break spaces as spaces."""
    return "".join(text for text, _ in runs).replace("\n", " ").replace(NBSP, " ")


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

    def _document(self, runs: Sequence[Run], px: int, width: int, center: bool) -> QTextDocument:
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(_font(self.family, px))
        doc.setTextWidth(width)
        body = "".join(f"<b>{_html(text)}</b>" if bold else _html(text) for text, bold in runs)
        align = "center" if center else "left"
        doc.setHtml(f'<p align="{align}" style="line-height:112%">{body}</p>')
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
        color: QColor | None = None,
    ) -> DrawnText:
        if isinstance(runs, str):
            runs = [(runs, bold)]
        width = self.inner - indent
        doc = self._document(runs, px, width, center)
        height = math.ceil(doc.size().height())
        x = MARGIN + indent
        self._draw_document(doc, x, self.y, color or QColor(0, 0, 0))
        drawn = DrawnText(_plain(runs), x, self.y, width, height)
        self.texts.append(drawn)
        self.y += height
        return drawn

    def field(self, label: str, value: str) -> DrawnText:
        return self.paragraph([(f"{label}: ", True), (value, False)])

    def gap(self, px: int = GAP) -> None:
        self.y += px

    def rule(self, length: int | None = None, thickness: int = 2) -> None:
        length = length or self.inner
        self.painter.fillRect(
            QRect((self.width - length) // 2, self.y, length, thickness), QColor(0, 0, 0)
        )
        self.y += thickness

    def fitted_line(self, text: str, *, max_px: int, min_px: int = SMALL_PX) -> DrawnText:
        """One bold centred line, as large as fits the width (long official codes shrink)."""
        px = max_px
        while px > min_px:
            if (
                QFontMetrics(_font(self.family, px, bold=True)).horizontalAdvance(text)
                <= self.inner
            ):
                break
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
                DrawnText(_plain(runs), x, self.y, self.inner - 2 * inner_indent, height)
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
        self.texts.append(DrawnText(text, MARGIN, self.y, self.inner, height))
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
    canvas.paragraph(QR_CAPTION, px=SMALL_PX, center=True)
    canvas.gap(GAP * 2)
    canvas.barcode(content.barcode_payload)
    canvas.gap(4)
    canvas.paragraph(content.code, px=SMALL_PX, center=True)


def draw_slip(
    content: SlipContent, width: int, *, copy_label: str | None = None
) -> tuple[Bitmap, tuple[DrawnText, ...]]:
    """One copy of the slip as a 1-bit page, and the paragraphs drawn on it."""
    canvas = _Canvas(width, ensure_gui())
    if copy_label:
        canvas.banner(copy_label)
        canvas.gap()
    canvas.paragraph(content.parent.upper(), px=SMALL_PX, center=True)
    canvas.paragraph(content.agency.upper(), px=SMALL_PX, bold=True, center=True)
    if content.unit:
        canvas.paragraph(content.unit, px=SMALL_PX, center=True)
    canvas.gap(6)
    canvas.rule(length=width // 3)
    canvas.gap(GAP * 2)
    canvas.paragraph(TITLE_LINES, px=TITLE_PX, bold=True, center=True)
    canvas.gap(GAP * 2)
    canvas.paragraph("Mã hồ sơ", px=SMALL_PX, center=True)
    canvas.fitted_line(content.code, max_px=CODE_MAX_PX)
    if content.provisional:
        canvas.gap(6)
        canvas.box([([(f"{PROVISIONAL_MARK}: ", True), (PROVISIONAL_NOTE, False)], SMALL_PX, True)])
    canvas.gap(GAP)
    canvas.rule()
    canvas.gap(GAP)
    canvas.field("Người nộp", content.applicant_name)
    if content.phone:
        canvas.field("Số điện thoại", content.phone)
    canvas.field("Thủ tục", content.procedure_name)
    canvas.field("Giấy tờ đã nhận", f"{content.sets} bộ, gồm:")
    for number, document in enumerate(content.documents, start=1):
        canvas.paragraph(f"{number}. {document.text}", indent=24)
    if not content.documents:
        canvas.paragraph("(không có giấy tờ quét)", indent=24)
    canvas.field("Thời hạn giải quyết", content.processing_time)
    # The date stays on one line with its "ngày" when the time wraps.
    canvas.field("Nhận hồ sơ lúc", content.received.replace("ngày ", f"ngày{NBSP}"))
    canvas.gap()
    canvas.box(
        [
            ([("HẸN TRẢ KẾT QUẢ", True)], BODY_PX, True),
            ([(content.appointment, True)], APPOINTMENT_PX, True),
        ]
    )
    canvas.gap()
    canvas.field("Nơi trả kết quả", content.result_place)
    canvas.field("Cách nhận", content.delivery)
    canvas.field("Lệ phí", content.fee)
    if content.verification_note:
        canvas.gap()
        canvas.box([([("Lưu ý: ", True), (content.verification_note, False)], SMALL_PX, False)])
    canvas.gap()
    canvas.rule()
    canvas.gap(GAP)
    _draw_codes(canvas, content)
    canvas.gap(GAP)
    canvas.paragraph(f"Đường dây nóng: {content.hotline}", px=BODY_PX, bold=True, center=True)
    canvas.paragraph("Xin giữ giấy này để nhận kết quả.", px=SMALL_PX, center=True)
    canvas.paragraph(f"Kiosk {content.kiosk_id}", px=SMALL_PX, center=True)
    return canvas.finish()


def draw_codes(content: SlipContent, width: int) -> Bitmap:
    """Only the QR code and the barcode: the raster part of a text-mode slip."""
    canvas = _Canvas(width, ensure_gui())
    _draw_codes(canvas, content)
    return canvas.finish()[0]


def text_lines(content: SlipContent, copy_label: str | None = None) -> list[TextLine]:
    """The slip for text mode, paragraph by paragraph."""
    lines = [TextLine(copy_label, bold=True, center=True, large=True)] if copy_label else []
    lines += [
        TextLine(content.parent.upper(), center=True),
        TextLine(content.agency.upper(), bold=True, center=True),
        TextLine(content.unit, center=True),
        TextLine(""),
        TextLine(TITLE, bold=True, center=True),
        TextLine(""),
        TextLine("Mã hồ sơ:", center=True),
        TextLine(content.code, bold=True, center=True),
    ]
    if content.provisional:
        lines.append(TextLine(f"{PROVISIONAL_MARK}: {PROVISIONAL_NOTE}", center=True))
    lines += [
        TextLine(""),
        TextLine(f"Người nộp: {content.applicant_name}"),
        *([TextLine(f"Số điện thoại: {content.phone}")] if content.phone else []),
        TextLine(f"Thủ tục: {content.procedure_name}"),
        TextLine(f"Giấy tờ đã nhận: {content.sets} bộ, gồm:"),
        *(TextLine(f"  {n}. {d.text}") for n, d in enumerate(content.documents, start=1)),
        TextLine(f"Thời hạn giải quyết: {content.processing_time}"),
        TextLine(f"Nhận hồ sơ lúc: {content.received}"),
        TextLine("HẸN TRẢ KẾT QUẢ:", bold=True, center=True),
        TextLine(content.appointment, bold=True, center=True),
        TextLine(f"Nơi trả kết quả: {content.result_place}"),
        TextLine(f"Cách nhận: {content.delivery}"),
        TextLine(f"Lệ phí: {content.fee}"),
    ]
    if content.verification_note:
        lines.append(TextLine(f"Lưu ý: {content.verification_note}"))
    lines.append(TextLine(f"Đường dây nóng: {content.hotline}", bold=True, center=True))
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
        escpos = encode_text([text_lines(content, label) for label in labels], codes, profile)
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
