"""Generated Vietnamese papers for the document check's tests and benchmark.

Every kind of paper the catalog asks to scan (a birth notice from the hospital, a power of
attorney, a death notice, a marital status certificate, a court judgment, a divorce decision...)
and the papers a citizen feeds by mistake (a household book page, a receipt, a birth or marriage
certificate, a declaration form, an ID-card copy, a photo page, a blank sheet), each in several
layouts: the national motto centred or beside the issuing body, the title at different heights,
sizes and cases, in DejaVu and Noto fonts (sans, serif, condensed), with fields to fill, running
text with its diacritics, a blue signature and a red seal.

``scanned`` then passes a paper through a plausible 200 dpi sheet-fed scan
(``simulators.scan_pages``): a few degrees of skew, an offset, noise and blur; or fed upside
down; or with the paper running off the scan area (cut off at the top or the side).

Everything is drawn from a numpy ``Generator``: a seed gives the same papers on every machine.
All names and numbers are invented.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from PIL import Image as PilImage
from PIL import ImageDraw, ImageFont

from simulators import scan_pages
from simulators.scan_pages import Degradation, random_degradation, scan_image

Image = npt.NDArray[np.uint8]
_T = TypeVar("_T")

MM_PER_INCH = 25.4
A4_MM = (210.0, 297.0)
A5_MM = (148.0, 210.0)
PAPER_RGB = (246, 245, 240)
INK_RGB = (22, 22, 26)
SEAL_RGB = (205, 32, 40)
SIGNATURE_RGB = (30, 48, 150)
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_NOTO = Path("/usr/share/fonts/truetype/noto")
# (regular, bold) pairs; those missing on this machine are skipped.
_FONT_PAIRS = (
    (_NOTO / "NotoSans-Regular.ttf", _NOTO / "NotoSans-Bold.ttf"),
    (_NOTO / "NotoSerif-Regular.ttf", _NOTO / "NotoSerif-Bold.ttf"),
    (_DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"),
    (_DEJAVU / "DejaVuSerif.ttf", _DEJAVU / "DejaVuSerif-Bold.ttf"),
    (_DEJAVU / "DejaVuSansCondensed.ttf", _DEJAVU / "DejaVuSansCondensed-Bold.ttf"),
)
_BUNDLED = Path(__file__).resolve().parent.parent / "drivers" / "fonts"


class PaperKind(StrEnum):
    """What a generated paper is."""

    # Asked for by the catalog (``handling = "scan"``).
    BIRTH_NOTICE = "birth_notice"  # Giấy chứng sinh
    POWER_OF_ATTORNEY = "power_of_attorney"  # Văn bản / Giấy / Hợp đồng ủy quyền
    DEATH_NOTICE = "death_notice"  # Giấy báo tử
    DEATH_RECORD = "death_record"  # Biên bản xác nhận việc chết
    DEATH_CERTIFICATE = "death_certificate"  # Giấy chứng tử, Trích lục khai tử
    MARITAL_STATUS = "marital_status"  # Giấy xác nhận tình trạng hôn nhân
    COURT_JUDGMENT = "court_judgment"  # Bản án
    DIVORCE_DECISION = "divorce_decision"  # Quyết định công nhận thuận tình ly hôn
    # Papers a citizen feeds by mistake.
    BIRTH_CERTIFICATE = "birth_certificate"  # Giấy khai sinh, Trích lục khai sinh
    MARRIAGE_CERTIFICATE = "marriage_certificate"  # Giấy chứng nhận kết hôn
    HOUSEHOLD_BOOK = "household_book"  # a page of the Sổ hộ khẩu
    RECEIPT = "receipt"  # Biên lai thu tiền, Hóa đơn
    DECLARATION = "declaration"  # Tờ khai (the kiosk fills it, the citizen may bring one)
    APPLICATION = "application"  # Đơn đề nghị
    RESIDENCE = "residence"  # Giấy xác nhận thông tin về cư trú
    UNLISTED = "unlisted"  # a paper whose title the check knows nothing of (a notice, a contract)
    ID_CARD_COPY = "id_card_copy"  # a photocopy of the chip ID card
    PHOTO = "photo"  # a page with a photo
    BLANK = "blank"  # an empty sheet


class ScanFault(StrEnum):
    """How the paper went through the scanner."""

    NONE = "none"
    UPSIDE_DOWN = "upside_down"  # fed head last
    CUT_TOP = "cut_top"  # the top of the sheet (and its title) ran off the scan area
    CUT_SIDE = "cut_side"  # the sheet ran past the end of the scan area on one side


@dataclass(frozen=True, slots=True)
class _Spec:
    titles: tuple[str, ...]
    issuers: tuple[tuple[str, str], ...]  # (body above, unit below) printed at the top left
    fields: tuple[str, ...]
    signers: tuple[str, ...]
    subtitle: tuple[str, ...] = ()
    paper_mm: tuple[float, float] = A4_MM


_COMMUNE = (("UBND HUYỆN PHÚ XUÂN", "UBND XÃ BÌNH PHÚ"), ("UBND TỈNH HÒA BÌNH", "UBND XÃ TÂN HƯNG"),
            ("UBND TỈNH ĐỒNG THÁP", "UBND PHƯỜNG HÒA LỢI"))  # fmt: skip
_HOSPITAL = (("SỞ Y TẾ TỈNH ĐỒNG THÁP", "BỆNH VIỆN ĐA KHOA TỈNH"),
             ("SỞ Y TẾ TỈNH HÒA BÌNH", "TRUNG TÂM Y TẾ HUYỆN"))  # fmt: skip
_COURT = (("TÒA ÁN NHÂN DÂN", "TỈNH ĐỒNG THÁP"), ("TÒA ÁN NHÂN DÂN", "KHU VỰC 2 - HÒA BÌNH"))
_PERSON = (
    "Họ, chữ đệm và tên:", "Ngày, tháng, năm sinh:", "Giới tính:", "Dân tộc:", "Quốc tịch:",
    "Số định danh cá nhân:", "Nơi cư trú:",
)  # fmt: skip

# fmt: off
SPECS: dict[PaperKind, _Spec] = {
    PaperKind.BIRTH_NOTICE: _Spec(
        ("GIẤY CHỨNG SINH",),
        _HOSPITAL,
        (
            "Họ và tên mẹ:",
            "Năm sinh:",
            "Số định danh cá nhân:",
            "Nơi đăng ký thường trú:",
            "Dân tộc:",
            "Đã sinh con vào lúc: 08 giờ 15 phút, ngày 02 tháng 3 năm 2026",
            "Tại: Khoa Sản",
            "Số con trong lần sinh này: 01",
            "Giới tính của con: Nam",
            "Cân nặng: 3.200 gam",
            "Dự định đặt tên con là:",
        ),
        ("NGƯỜI ĐỠ ĐẺ", "THỦ TRƯỞNG CƠ SỞ KHÁM BỆNH, CHỮA BỆNH"),
        ("Số: ..../GCS",),
    ),
    PaperKind.POWER_OF_ATTORNEY: _Spec(
        ("VĂN BẢN ỦY QUYỀN", "GIẤY ỦY QUYỀN", "HỢP ĐỒNG ỦY QUYỀN"),
        (),
        (
            "Bên ủy quyền:",
            *_PERSON[:2],
            "Số định danh cá nhân:",
            "Bên được ủy quyền:",
            *_PERSON[:2],
            "Nội dung ủy quyền: thay mặt tôi nộp hồ sơ và nhận kết quả thủ tục hành chính.",
            "Thời hạn ủy quyền: kể từ ngày ký đến khi hoàn thành công việc.",
        ),
        ("BÊN ỦY QUYỀN", "BÊN ĐƯỢC ỦY QUYỀN"),
        ("(Dùng cho việc nộp hồ sơ thủ tục hành chính)",),
    ),
    PaperKind.DEATH_NOTICE: _Spec(
        ("GIẤY BÁO TỬ",),
        _HOSPITAL,
        (
            *_PERSON,
            "Đã chết vào lúc: 14 giờ 30 phút, ngày 11 tháng 5 năm 2026",
            "Nơi chết:",
            "Nguyên nhân chết:",
        ),
        ("THỦ TRƯỞNG ĐƠN VỊ",),
        ("Số: ..../GBT",),
    ),
    PaperKind.DEATH_RECORD: _Spec(
        ("BIÊN BẢN XÁC NHẬN VIỆC CHẾT",),
        _COMMUNE,
        (
            "Hôm nay, vào hồi 9 giờ, tại nơi cư trú của người chết, chúng tôi gồm:",
            "Ông (bà): trưởng thôn",
            *_PERSON[:3],
            "Đã chết vào ngày:",
            "Tại:",
            "Biên bản được lập thành hai bản có giá trị như nhau.",
        ),
        ("NGƯỜI LÀM CHỨNG", "TRƯỞNG THÔN"),
    ),
    PaperKind.DEATH_CERTIFICATE: _Spec(
        ("GIẤY CHỨNG TỬ", "TRÍCH LỤC KHAI TỬ"),
        _COMMUNE,
        (*_PERSON, "Đã chết vào lúc:", "Nơi chết:", "Nguyên nhân chết:", "Nơi đăng ký khai tử:"),
        ("NGƯỜI KÝ GIẤY CHỨNG TỬ",),
        ("(Bản sao)", "Số: ..../TLKT-BS"),
    ),
    PaperKind.MARITAL_STATUS: _Spec(
        ("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",),
        _COMMUNE,
        (
            *_PERSON,
            "Tình trạng hôn nhân: Hiện tại chưa đăng ký kết hôn với ai.",
            "Giấy này được cấp để: làm thủ tục đăng ký kết hôn.",
            "Giấy này có giá trị sử dụng 06 tháng kể từ ngày cấp.",
        ),
        ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
        ("Số: ..../UBND-XNTTHN",),
    ),
    PaperKind.COURT_JUDGMENT: _Spec(
        ("BẢN ÁN",),
        _COURT,
        (
            "NHÂN DANH NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Về việc: Ly hôn, tranh chấp về nuôi con",
            "Nguyên đơn:",
            "Bị đơn:",
            "NỘI DUNG VỤ ÁN",
            "NHẬN ĐỊNH CỦA TÒA ÁN",
            "QUYẾT ĐỊNH:",
        ),
        ("TM. HỘI ĐỒNG XÉT XỬ", "THẨM PHÁN - CHỦ TỌA PHIÊN TÒA"),
        ("Số: ..../2026/HNGĐ-ST",),
    ),
    PaperKind.DIVORCE_DECISION: _Spec(
        (
            "QUYẾT ĐỊNH CÔNG NHẬN THUẬN TÌNH LY HÔN VÀ SỰ THỎA THUẬN CỦA CÁC ĐƯƠNG SỰ",
            "QUYẾT ĐỊNH CÔNG NHẬN THUẬN TÌNH LY HÔN",
        ),
        _COURT,
        (
            "Căn cứ Điều 212 và Điều 213 của Bộ luật Tố tụng dân sự;",
            "Người yêu cầu:",
            "Công nhận sự thuận tình ly hôn giữa:",
            "Quyết định này có hiệu lực pháp luật ngay.",
        ),
        ("THẨM PHÁN",),
        ("Số: ..../2026/QĐST-HNGĐ",),
    ),
    PaperKind.BIRTH_CERTIFICATE: _Spec(
        ("GIẤY KHAI SINH", "TRÍCH LỤC KHAI SINH"),
        _COMMUNE,
        (
            *_PERSON[:5],
            "Nơi sinh:",
            "Quê quán:",
            "Họ, chữ đệm, tên người mẹ:",
            "Họ, chữ đệm, tên người cha:",
            "Nơi đăng ký khai sinh:",
        ),
        ("NGƯỜI KÝ GIẤY KHAI SINH",),
        ("(Bản chính)", "Số: ..../2026"),
    ),
    PaperKind.MARRIAGE_CERTIFICATE: _Spec(
        ("GIẤY CHỨNG NHẬN KẾT HÔN",),
        _COMMUNE,
        (
            "Họ, chữ đệm, tên vợ:",
            "Ngày, tháng, năm sinh:",
            "Họ, chữ đệm, tên chồng:",
            "Ngày, tháng, năm sinh:",
            "Nơi đăng ký:",
            "Ngày đăng ký: 14 tháng 2 năm 2020",
        ),
        ("CHỒNG", "VỢ", "NGƯỜI KÝ GIẤY CHỨNG NHẬN KẾT HÔN"),
        ("Số: ..../2020",),
    ),
    PaperKind.HOUSEHOLD_BOOK: _Spec(
        ("SỔ HỘ KHẨU",),
        (("BỘ CÔNG AN", "CÔNG AN TỈNH ĐỒNG THÁP"),),
        (
            "Họ và tên chủ hộ:",
            "Nơi thường trú:",
            "Số sổ: 320045871",
            "Quan hệ với chủ hộ: Chủ hộ",
            "Ngày, tháng, năm sinh:",
            "Nghề nghiệp, nơi làm việc:",
            "NHÂN KHẨU THƯỜNG TRÚ",
        ),
        ("TRƯỞNG CÔNG AN",),
        ("Số: 320045871",),
    ),
    PaperKind.RECEIPT: _Spec(
        ("BIÊN LAI THU TIỀN PHÍ, LỆ PHÍ", "HÓA ĐƠN BÁN HÀNG", "HÓA ĐƠN GIÁ TRỊ GIA TĂNG"),
        (
            ("CHI CỤC THUẾ KHU VỰC", "Mẫu số: 01BLP2-001"),
            ("CÔNG TY TNHH AN PHÚ", "Ký hiệu: 1C26TAA"),
        ),
        (
            "Tên đơn vị thu phí, lệ phí:",
            "Tên người nộp:",
            "Địa chỉ:",
            "Nội dung thu: Lệ phí hộ tịch",
            "Số tiền: 8.000 đồng",
            "Viết bằng chữ: Tám nghìn đồng",
            "Hình thức thanh toán: Tiền mặt",
        ),
        ("NGƯỜI NỘP TIỀN", "NGƯỜI THU TIỀN"),
        ("Số: 0000123",),
        A5_MM,
    ),
    PaperKind.DECLARATION: _Spec(
        ("TỜ KHAI ĐĂNG KÝ KHAI SINH", "TỜ KHAI ĐĂNG KÝ KẾT HÔN", "TỜ KHAI ĐĂNG KÝ KHAI TỬ"),
        (),
        (
            "Kính gửi: Ủy ban nhân dân xã Bình Phú",
            "Họ, chữ đệm, tên người yêu cầu:",
            "Nơi cư trú:",
            "Giấy tờ tùy thân:",
            "Quan hệ với người được khai sinh:",
            "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:",
            *_PERSON[:4],
        ),
        ("NGƯỜI YÊU CẦU",),
    ),
    PaperKind.APPLICATION: _Spec(
        ("ĐƠN ĐỀ NGHỊ", "ĐƠN XIN XÁC NHẬN"),
        (),
        (
            "Kính gửi: Ủy ban nhân dân xã Tân Hưng",
            "Tôi tên là:",
            "Số định danh cá nhân:",
            "Nơi cư trú:",
            "Nay tôi làm đơn này đề nghị Ủy ban nhân dân xã xem xét, giải quyết.",
            "Tôi xin cam đoan những nội dung trên là đúng sự thật.",
        ),
        ("NGƯỜI LÀM ĐƠN",),
    ),
    PaperKind.RESIDENCE: _Spec(
        ("GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ", "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"),
        (("CÔNG AN TỈNH ĐỒNG THÁP", "CÔNG AN XÃ BÌNH PHÚ"),),
        (*_PERSON, "Nơi thường trú:", "Họ, chữ đệm và tên chủ hộ:", "Quan hệ với chủ hộ:"),
        ("TRƯỞNG CÔNG AN XÃ",),
        ("Số: ..../XN",),
    ),
    PaperKind.UNLISTED: _Spec(
        ("THÔNG BÁO", "GIẤY MỜI", "HỢP ĐỒNG MUA BÁN XE", "PHIẾU KHÁM SỨC KHỎE"), _COMMUNE,
        ("Kính gửi: Ông (bà)", "Địa chỉ:", "Thời gian: 8 giờ 00, ngày 15 tháng 6 năm 2026",
         "Địa điểm: Hội trường Ủy ban nhân dân xã", "Nội dung:"),
        ("TM. ỦY BAN NHÂN DÂN",), ("Số: ..../TB-UBND",),
    ),
}
# fmt: on

# The papers the catalog asks for, and the titles printed on each (as ``SPECS`` prints them).
CATALOG_KINDS = (
    PaperKind.BIRTH_NOTICE, PaperKind.POWER_OF_ATTORNEY, PaperKind.DEATH_NOTICE,
    PaperKind.DEATH_RECORD, PaperKind.DEATH_CERTIFICATE, PaperKind.MARITAL_STATUS,
    PaperKind.COURT_JUDGMENT, PaperKind.DIVORCE_DECISION,
)  # fmt: skip
OTHER_KINDS = tuple(k for k in PaperKind if k not in CATALOG_KINDS)

_NAMES = ("NGUYỄN THỊ HỒNG NHUNG", "TRẦN VĂN ĐỨC", "LÊ THỊ THU HƯƠNG", "PHẠM QUỐC VIỆT",
          "HOÀNG MINH KHÔI", "VÕ THỊ NGỌC ÁNH", "ĐẶNG HỮU LỘC")  # fmt: skip
_PLACES = ("Bình Phú", "Tân Hưng", "Hòa Lợi", "Phú Xuân", "Đồng Lê")
_BODY = (
    "Người yêu cầu chịu trách nhiệm trước pháp luật về tính trung thực của nội dung nêu trên.",
    "Giấy tờ này được lập thành hai bản, mỗi bên giữ một bản có giá trị pháp lý như nhau.",
    "Mọi sửa chữa, tẩy xóa trên giấy tờ này đều không có giá trị.",
    "Đề nghị các cơ quan, đơn vị có liên quan tạo điều kiện để hoàn thành thủ tục.",
    "Thông tin cá nhân được ghi đúng theo Cơ sở dữ liệu quốc gia về dân cư.",
)


@dataclass(frozen=True, slots=True)
class Paper:
    """One generated paper as printed: RGB at ``dpi``, its kind and the title printed on it."""

    kind: PaperKind
    title: str | None  # None for papers without a printed title (a photo, a blank sheet)
    perfect: Image
    dpi: int
    layout: int


@cache
def _fonts() -> tuple[tuple[Path, Path], ...]:
    found = tuple(pair for pair in _FONT_PAIRS if pair[0].exists() and pair[1].exists())
    bundled = (_BUNDLED / "NotoSans-Regular.ttf", _BUNDLED / "NotoSans-Bold.ttf")
    return found or (bundled,)


@cache
def _font(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size_px)


def _px(mm: float, dpi: int) -> int:
    return round(mm / MM_PER_INCH * dpi)


def _pt(points: float, dpi: int) -> int:
    return max(6, round(points / 72 * dpi))


class _Sheet:
    """A page being drawn: a font family, a pen position, a left and right margin."""

    def __init__(self, size_mm: tuple[float, float], dpi: int, fonts: tuple[Path, Path]) -> None:
        self.canvas = PilImage.new("RGB", (_px(size_mm[0], dpi), _px(size_mm[1], dpi)), PAPER_RGB)
        self.draw = ImageDraw.Draw(self.canvas)
        self.dpi = dpi
        self.fonts = fonts
        self.left = _px(20, dpi)
        self.right = self.canvas.width - _px(15, dpi)
        self.y = _px(12, dpi)

    def text(
        self, text: str, points: float, *, bold: bool = False,
        at: tuple[float, float] | None = None, centre_of: tuple[int, int] | None = None,
        advance: bool = True,
    ) -> None:  # fmt: skip
        """Draw ``text``: at the pen (``at`` = (x, y) overrides), centred between two x when
        ``centre_of`` is given; the pen moves down one line unless ``advance`` is False."""
        font = _font(self.fonts[1 if bold else 0], _pt(points, self.dpi))
        x, y = at if at is not None else (self.left, self.y)
        if centre_of is not None:
            x = (centre_of[0] + centre_of[1] - font.getlength(text)) / 2
        self.draw.text((x, y), text, font=font, fill=INK_RGB)
        if advance:
            self.y = int(y + font.size * 1.5)

    def wrapped(self, text: str, points: float) -> None:
        font = _font(self.fonts[0], _pt(points, self.dpi))
        line = ""
        for word in text.split():
            trial = f"{line} {word}".strip()
            if font.getlength(trial) > self.right - self.left and line:
                self.text(line, points)
                line = word
            else:
                line = trial
        if line:
            self.text(line, points)


def _choice(rng: np.random.Generator, options: tuple[_T, ...]) -> _T:
    return options[int(rng.integers(len(options)))]


def _header(sheet: _Sheet, spec: _Spec, layout: int, rng: np.random.Generator) -> None:
    """The motto (and the issuing body beside it when there is one), as the layout puts them."""
    mid = sheet.canvas.width // 2
    if spec.issuers and layout % 2 == 0:
        # The usual administrative layout: the issuing body at the left, the motto at the right.
        body, unit = _choice(rng, spec.issuers)
        split = sheet.left + int((sheet.right - sheet.left) * 0.38)
        y = sheet.y
        sheet.text(body, 10.5, at=(0, y), centre_of=(sheet.left - _px(8, sheet.dpi), split))
        sheet.text(unit, 10.5, bold=True, centre_of=(sheet.left - _px(8, sheet.dpi), split),
                   at=(0, sheet.y))  # fmt: skip
        for line in spec.subtitle[-1:]:
            sheet.text(line, 10.5, centre_of=(sheet.left - _px(8, sheet.dpi), split),
                       at=(0, sheet.y))  # fmt: skip
        left_bottom = sheet.y
        sheet.y = y
        sheet.text(MOTTO[0], 10.5, bold=True, at=(0, y), centre_of=(split, sheet.right))
        sheet.text(MOTTO[1], 11.5, bold=True, at=(0, sheet.y), centre_of=(split, sheet.right))
        sheet.y = max(sheet.y, left_bottom)
    else:
        sheet.text(MOTTO[0], 12.5, bold=True, centre_of=(sheet.left, sheet.right))
        sheet.text(MOTTO[1], 12.5, bold=True, centre_of=(sheet.left, sheet.right))
        if spec.issuers:
            body, unit = _choice(rng, spec.issuers)
            sheet.text(f"{unit}", 11, centre_of=(sheet.left, sheet.right))
    place = _choice(rng, _PLACES)
    day, month = int(rng.integers(1, 29)), int(rng.integers(1, 13))
    date = f"{place}, ngày {day} tháng {month} năm 2026"
    sheet.text(
        date, 11, centre_of=(mid, sheet.right) if layout % 2 == 0 else (sheet.left, sheet.right)
    )
    del mid


def _title(sheet: _Sheet, spec: _Spec, layout: int, rng: np.random.Generator) -> str:
    title = _choice(rng, spec.titles)
    sheet.y += _px(float(rng.uniform(4, 22)), sheet.dpi)
    points = float(rng.uniform(12, 19))
    printed = title
    if layout == 3:
        # Some offices print the title in sentence case, larger.
        printed = title[:1] + title[1:].lower()
        points += 2
    font = _font(sheet.fonts[1], _pt(points, sheet.dpi))
    if font.getlength(printed) > sheet.right - sheet.left:
        # A long title goes on two lines, split at the middle word.
        words = printed.split()
        half = len(words) // 2
        for part in (" ".join(words[:half]), " ".join(words[half:])):
            sheet.text(part, points, bold=True, centre_of=(sheet.left, sheet.right))
    else:
        sheet.text(printed, points, bold=True, centre_of=(sheet.left, sheet.right))
    for line in spec.subtitle[:1] if layout % 2 == 1 else ():
        sheet.text(line, 11, centre_of=(sheet.left, sheet.right))
    sheet.y += _px(float(rng.uniform(3, 8)), sheet.dpi)
    return title


def _fields(sheet: _Sheet, spec: _Spec, rng: np.random.Generator) -> None:
    points = float(rng.uniform(11, 13))
    font = _font(sheet.fonts[0], _pt(points, sheet.dpi))
    name = _choice(rng, _NAMES)
    for label in spec.fields:
        value = ""
        if label.startswith(("Họ", "Bên", "Tên người")):
            value = name.title()
        elif "năm sinh" in label:
            day, month = int(rng.integers(1, 29)), int(rng.integers(1, 13))
            value = f"{day:02d}/{month:02d}/19{int(rng.integers(50, 99))}"
        elif "Số định danh" in label:
            value = f"0{int(rng.integers(10**10, 10**11))}"
        text = f"{label} {value}".strip()
        if font.getlength(text) > sheet.right - sheet.left:
            sheet.wrapped(text, points)
            continue
        sheet.text(text, points, advance=False)
        end = sheet.left + font.getlength(text) + _px(2, sheet.dpi)
        if label.endswith(":") and not value and end < sheet.right - _px(10, sheet.dpi):
            # Dotted leader to fill in by hand.
            dots = "." * int((sheet.right - end) / max(1.0, font.getlength(".")))
            sheet.text(dots, points, at=(end, sheet.y), advance=False)
        sheet.y += int(font.size * 1.55)
    for sentence in rng.choice(len(_BODY), size=int(rng.integers(1, 3)), replace=False):
        sheet.wrapped(_BODY[int(sentence)], points)


def _signatures(sheet: _Sheet, spec: _Spec, rng: np.random.Generator, seal: bool) -> None:
    sheet.y += _px(6, sheet.dpi)
    count = len(spec.signers)
    width = (sheet.right - sheet.left) / count
    y = sheet.y
    for k, signer in enumerate(spec.signers):
        lo = int(sheet.left + k * width)
        hi = int(lo + width)
        sheet.text(signer, 10.5, bold=True, at=(0, y), centre_of=(lo, hi), advance=False)
        sheet.text("(Ký, ghi rõ họ tên)", 10, at=(0, y + _px(6, sheet.dpi)), centre_of=(lo, hi),
                   advance=False)  # fmt: skip
        _signature(sheet, ((lo + hi) // 2 - _px(18, sheet.dpi), y + _px(20, sheet.dpi)), rng)
        name = _choice(rng, _NAMES).title()
        sheet.text(name, 11, bold=True, at=(0, y + _px(34, sheet.dpi)), centre_of=(lo, hi),
                   advance=False)  # fmt: skip
    if seal:
        hi = sheet.right
        lo = int(sheet.left + (count - 1) * width)
        _seal(sheet, ((lo + hi) // 2 - _px(12, sheet.dpi), y + _px(20, sheet.dpi)))
    sheet.y = y + _px(44, sheet.dpi)


def _signature(sheet: _Sheet, origin: tuple[int, int], rng: np.random.Generator) -> None:
    t = np.linspace(0, 1, 160)
    xs = origin[0] + t * _px(36, sheet.dpi)
    ys = origin[1] + _px(4, sheet.dpi) * np.sin(t * rng.uniform(8, 14)) * np.sin(t * 3.1 + 0.5)
    points = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]
    sheet.draw.line(points, fill=SIGNATURE_RGB, width=max(2, _px(0.5, sheet.dpi)), joint="curve")


def _seal(sheet: _Sheet, centre: tuple[int, int]) -> None:
    """A red round seal multiplied onto the page like ink (its text is not drawn: too small to
    read and the title check must not depend on it)."""
    layer = PilImage.new("RGB", sheet.canvas.size, (255, 255, 255))
    draw = ImageDraw.Draw(layer)
    r = _px(18, sheet.dpi)
    for radius in (r, r - _px(5, sheet.dpi)):
        box = (centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius)
        draw.ellipse(box, outline=SEAL_RGB, width=max(2, _px(0.8, sheet.dpi)))
    draw.regular_polygon((centre, _px(6, sheet.dpi)), 5, fill=SEAL_RGB)
    page = np.asarray(sheet.canvas, dtype=np.float32)
    ink = np.asarray(layer, dtype=np.float32) / 255.0
    sheet.canvas.paste(PilImage.fromarray(np.clip(page * ink, 0, 255).astype(np.uint8)))


LAYOUTS = 4  # layout 3 prints the title in sentence case


def make_paper(
    kind: PaperKind, rng: np.random.Generator, *, dpi: int = 200, layout: int | None = None
) -> Paper:
    """A freshly drawn paper of ``kind`` (layout drawn at random unless given)."""
    if layout is None:
        layout = int(rng.integers(LAYOUTS))
    if kind in (PaperKind.ID_CARD_COPY, PaperKind.PHOTO, PaperKind.BLANK):
        page_kind = {
            PaperKind.ID_CARD_COPY: scan_pages.PageKind.ID_CARD,
            PaperKind.PHOTO: scan_pages.PageKind.PHOTO,
            PaperKind.BLANK: scan_pages.PageKind.BLANK,
        }[kind]
        page = scan_pages.make_page(page_kind, rng, dpi=dpi)
        title = "CĂN CƯỚC CÔNG DÂN" if kind is PaperKind.ID_CARD_COPY else None
        return Paper(kind, title, page.perfect, dpi, layout)
    spec = SPECS[kind]
    fonts = _fonts()
    sheet = _Sheet(spec.paper_mm, dpi, fonts[int(rng.integers(len(fonts)))])
    if layout == 2:
        sheet.y += _px(float(rng.uniform(5, 25)), dpi)  # a letterhead's space left at the top
    _header(sheet, spec, layout, rng)
    title = _title(sheet, spec, layout, rng)
    _fields(sheet, spec, rng)
    _signatures(sheet, spec, rng, seal=bool(spec.issuers) and rng.random() < 0.8)
    perfect = np.asarray(sheet.canvas.convert("RGB"), dtype=np.uint8)
    return Paper(kind, title, perfect, dpi, layout)


def scanned(paper: Paper, rng: np.random.Generator, fault: ScanFault = ScanFault.NONE) -> Image:
    """What a 200 dpi sheet-fed scanner hands over for ``paper`` (RGB), spoiled by ``fault``."""
    degradation: Degradation = random_degradation(rng, max_angle=3.0)
    quality = rng.random()
    if quality < 0.25:
        # A photocopy scanned again, or a tired scanner: darker, noisier, softer, more JPEG.
        degradation = replace(
            degradation,
            gain=float(rng.uniform(0.8, 0.92)),
            noise_sigma=float(rng.uniform(4, 7)),
            blur_sigma_px=float(rng.uniform(0.8, 1.1)),
            jpeg_quality=int(rng.integers(55, 75)),
        )
    match fault:
        case ScanFault.UPSIDE_DOWN:
            degradation = replace(degradation, upside_down=True)
        case ScanFault.CUT_TOP:
            # The top of the sheet, title and all, is past the scan area's edge.
            shift = float(rng.uniform(45, 70))
            degradation = replace(degradation, margin_mm=5.0, offset_mm=(0.0, -shift))
        case ScanFault.CUT_SIDE:
            degradation = replace(degradation, cut_mm=float(rng.uniform(25, 50)))
        case ScanFault.NONE:
            pass
    return scan_image(paper.perfect, paper.dpi, degradation, rng)
