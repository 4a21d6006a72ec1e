"""The appointment slip: what it says (Vietnamese formats, provisional code, masking) and what it
looks like (bundled font, dot width per profile, codes that scan, copies, text mode)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from conftest_printer import (
    BIRTH_REGISTRATION,
    MARITAL_STATUS,
    decode_gs_v_0,
    make_dossier,
    make_settings,
    render_slip,
)
from pyzbar import pyzbar

from drivers.printer.base import INK, PAPER, RenderedSlip
from drivers.printer.encode import encode_cp1258
from drivers.printer.profiles import UnknownProfileError, load_profile
from drivers.printer.slip import COPY_LABEL, PROVISIONAL_NOTE, TITLE
from dvc_common.catalog import Catalog, load_catalog
from kiosk.dossier import DossierState, Verification
from kiosk.slip import (
    FREE,
    SAME_DAY,
    VERIFICATION_PENDING_NOTE,
    build_slip_content,
    fee_text,
    format_appointment,
    format_received,
    format_vnd,
    mask_phone,
    processing_time_text,
    qr_payload,
    weekday_vi,
)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICIAL = "H15.50.05.13-261123-0975"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def slip(qapp: Any, catalog: Catalog) -> RenderedSlip:
    dossier = make_dossier(verification=Verification.PENDING)
    return render_slip(dossier, catalog.get(BIRTH_REGISTRATION), make_settings())


def render(catalog: Catalog, *, profile: str = "TM-T20II", **changes: Any) -> RenderedSlip:
    printer = changes.pop("printer", {})
    dossier = make_dossier(**changes)
    return render_slip(
        dossier,
        catalog.get(dossier.procedure_code),
        make_settings(**printer),
        profile=load_profile(profile),
    )


def decoded(page: np.ndarray[Any, Any]) -> dict[str, str]:
    return {str(r.type): r.data.decode() for r in pyzbar.decode(page)}


# --- formats ---------------------------------------------------------------------------------


def test_weekday_names_of_a_whole_week() -> None:
    monday = date(2026, 11, 23)
    names = [weekday_vi(monday + timedelta(days=n)) for n in range(7)]
    assert names == ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


def test_appointment_date_with_weekday() -> None:
    assert format_appointment(date(2026, 10, 8)) == "Thứ Năm, ngày 08/10/2026"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 23, 2, 12, 30, tzinfo=UTC), "09 giờ 12 phút, ngày 23/11/2026"),
        (datetime(2026, 1, 4, 18, 5, tzinfo=UTC), "01 giờ 05 phút, ngày 05/01/2026"),
        (datetime(2026, 3, 2, 14, 0, tzinfo=VIETNAM), "14 giờ 00 phút, ngày 02/03/2026"),
    ],
)
def test_time_received_in_kiosk_time(moment: datetime, expected: str) -> None:
    assert format_received(moment, VIETNAM) == expected


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "0 đồng"), (500, "500 đồng"), (15_000, "15.000 đồng"), (1_234_567, "1.234.567 đồng")],
)
def test_amounts_use_dot_thousands(amount: int, text: str) -> None:
    assert format_vnd(amount) == text


@pytest.mark.parametrize(
    ("code", "form", "expected"),
    [
        (BIRTH_REGISTRATION, {}, FREE),
        ("1.005461", {}, "10.000 đồng"),  # per dossier
        (MARITAL_STATUS, {"copies": "2"}, "30.000 đồng (tạm tính)"),  # per copy
        (MARITAL_STATUS, {}, "15.000 đồng (tạm tính)"),
        ("2.000815", {"page_count": "5"}, "7.000 đồng (tạm tính)"),  # 2×2.000 + 3×1.000
        ("2.000815", {}, "5.000 đồng (tạm tính)"),  # 3 scanned pages
    ],
)
def test_fee_text(catalog: Catalog, code: str, form: dict[str, str], expected: str) -> None:
    dossier = make_dossier(procedure_code=code, form=form)
    assert fee_text(catalog.get(code), dossier) == expected


def test_processing_time_wording(catalog: Catalog) -> None:
    assert processing_time_text(catalog.get(BIRTH_REGISTRATION)) == SAME_DAY == "Trong ngày"
    assert processing_time_text(catalog.get(MARITAL_STATUS)) == "3 ngày làm việc"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("0912345678", "*******678"),
        ("+84 912 345 678", "********678"),
        ("091", "***"),
        ("12", "**"),
    ],
)
def test_phone_masked_but_last_three_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_qr_payload_is_the_code_or_a_url() -> None:
    assert qr_payload("KIOSK01-261123-0007") == "KIOSK01-261123-0007"
    url = qr_payload("H15.50/1", "https://dvc.example.vn/tra-cuu?ma={code}")
    assert url == "https://dvc.example.vn/tra-cuu?ma=H15.50%2F1"
    with pytest.raises(ValueError, match="code"):
        qr_payload("X", "https://dvc.example.vn/")


# --- content ---------------------------------------------------------------------------------


def test_content_of_a_provisional_dossier(catalog: Catalog) -> None:
    content = build_slip_content(make_dossier(), catalog.get(BIRTH_REGISTRATION), make_settings())
    assert content.provisional
    assert content.code == "KIOSK01-261123-0007"
    assert content.phone == "*******678"
    assert content.received == "09 giờ 12 phút, ngày 23/11/2026"
    assert content.appointment == "Thứ Hai, ngày 23/11/2026"
    assert content.processing_time == "Trong ngày"
    assert content.agency == "Ủy ban nhân dân xã Mẫu"
    assert content.hotline == "1900 0000"
    assert [d.text for d in content.documents] == [
        "Tờ khai đăng ký khai sinh (đã điền trên máy)",
        "Giấy chứng sinh: 1 trang",
        "Văn bản ủy quyền: 2 trang",
    ]
    # A dossier without the delivery answer (made before the question existed): both ways.
    assert content.delivery == ("Nhận trực tiếp hoặc qua dịch vụ bưu chính công ích")
    assert content.result_place == "Bộ phận Một cửa, Ủy ban nhân dân xã Mẫu"
    assert content.office_hours is not None and "7 giờ 30" in content.office_hours
    assert content.verification_note is None


def test_content_once_the_official_code_is_known(catalog: Catalog) -> None:
    dossier = make_dossier(official_code=OFFICIAL, state=DossierState.SUBMITTED)
    content = build_slip_content(dossier, catalog.get(BIRTH_REGISTRATION), make_settings())
    assert not content.provisional
    assert content.code == content.qr_payload == content.barcode_payload == OFFICIAL


def test_content_refuses_the_wrong_procedure(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match=MARITAL_STATUS):
        build_slip_content(make_dossier(), catalog.get(MARITAL_STATUS), make_settings())


# --- the drawn slip --------------------------------------------------------------------------


def test_slip_says_what_the_official_form_says(slip: RenderedSlip) -> None:
    text = "\n".join(slip.lines)
    for expected in (
        "ỦY BAN NHÂN DÂN TỈNH MẪU",
        "ỦY BAN NHÂN DÂN XÃ MẪU",
        "Bộ phận Một cửa",
        TITLE,
        "Mã hồ sơ",
        "KIOSK01-261123-0007",
        PROVISIONAL_NOTE,
        "Người nộp: TRẦN THỊ MẪU",
        "Số điện thoại: *******678",
        "Thủ tục: Đăng ký khai sinh",
        "Giấy tờ đã nộp (1 bộ):",
        "1. Tờ khai đăng ký khai sinh (đã điền trên máy)",
        "2. Giấy chứng sinh: 1 trang",
        "3. Văn bản ủy quyền: 2 trang",
        "Thời hạn giải quyết: Trong ngày",
        "Nhận hồ sơ lúc: 09 giờ 12 phút, ngày 23/11/2026",
        "Thứ Hai, ngày 23/11/2026",
        "Giờ tiếp dân: Sáng từ 7 giờ 30 đến 11 giờ 30",
        "Nơi nhận kết quả: Bộ phận Một cửa, Ủy ban nhân dân xã Mẫu",
        "Cách nhận: Nhận trực tiếp hoặc qua dịch vụ bưu chính công ích",
        "Khi đến nhận kết quả, xin mang theo:",
        "• Phiếu hẹn này",
        "Lệ phí: Miễn phí",
        VERIFICATION_PENDING_NOTE,
        "Đường dây nóng: 1900 0000",
    ):
        assert expected in text, expected


def test_slip_prints_no_full_phone_or_id_number(slip: RenderedSlip) -> None:
    text = "\n".join(slip.lines)
    assert "0912345678" not in text
    assert "049158000123" not in text


def test_every_paragraph_left_ink_where_it_was_drawn(slip: RenderedSlip) -> None:
    page = slip.image
    for drawn in slip.texts:
        area = page[drawn.y : drawn.y + drawn.height, drawn.x : drawn.x + drawn.width]
        assert (area == INK).sum() > 20, drawn.text


def test_paragraphs_are_set_in_large_type(slip: RenderedSlip) -> None:
    # A line of 34 px Noto Sans is about 46 px high; smaller type would give shorter lines
    # (the type size itself is checked against the ink in test_slip_layout).
    assert min(t.height for t in slip.texts) >= 44


def test_the_slip_is_one_bit_at_the_printer_width(slip: RenderedSlip) -> None:
    assert slip.width == 576
    assert set(np.unique(slip.image).tolist()) == {INK, PAPER}
    # 72 mm wide; about 36 cm for this slip (provisional code, identity not verified, both ways
    # of receiving): long, but the type is what an elderly reader needs.
    assert 1200 < slip.image.shape[0] < 3200


def test_margins_are_blank(slip: RenderedSlip) -> None:
    assert (slip.image[:, :8] == PAPER).all()
    assert (slip.image[-8:, :] == PAPER).all()


def test_qr_and_barcode_scan_from_the_printed_raster(slip: RenderedSlip) -> None:
    printed = decode_gs_v_0(slip.escpos).pages[0]
    assert decoded(printed) == {"QRCODE": slip.code, "CODE128": slip.code}


@pytest.mark.parametrize("profile", ["TM-T20II", "TM-T88V"])
def test_official_code_scans_on_both_widths(catalog: Catalog, profile: str) -> None:
    slip = render(catalog, profile=profile, official_code=OFFICIAL)
    assert decoded(decode_gs_v_0(slip.escpos).pages[0]) == {"QRCODE": OFFICIAL, "CODE128": OFFICIAL}
    assert PROVISIONAL_NOTE not in slip.lines
    assert "tạm" not in "\n".join(slip.lines)


def test_qr_can_carry_a_lookup_url(qapp: Any, catalog: Catalog) -> None:
    dossier = make_dossier()
    template = "https://dichvucong.example.vn/tra-cuu?ma={code}"
    slip = render_slip(
        dossier, catalog.get(BIRTH_REGISTRATION), make_settings(), qr_url_template=template
    )
    found = decoded(slip.image)
    assert found["QRCODE"] == "https://dichvucong.example.vn/tra-cuu?ma=KIOSK01-261123-0007"
    assert found["CODE128"] == "KIOSK01-261123-0007"


@pytest.mark.parametrize(
    ("profile", "width"), [("TM-T20II", 576), ("TM-T88V", 512), ("default", 576)]
)
def test_width_comes_from_the_profile(catalog: Catalog, profile: str, width: int) -> None:
    slip = render(catalog, profile=profile)
    assert slip.width == width
    assert decode_gs_v_0(slip.escpos).bands[0][0] == width // 8


def test_unknown_and_too_narrow_profiles_are_refused() -> None:
    with pytest.raises(UnknownProfileError, match="TM-T20II"):
        load_profile("TM-T20")
    with pytest.raises(UnknownProfileError, match="at least 384"):
        load_profile("AF-240")


def test_second_copy_is_marked_for_the_office(catalog: Catalog) -> None:
    slip = render(catalog, printer={"copies": 2})
    assert slip.copies == 2
    first, second = slip.pages
    # The staff copy opens with a black band carrying "BẢN LƯU" in white.
    assert (second[20:30, 20:-20] == INK).mean() > 0.6
    assert (first[20:30, 20:-20] == INK).mean() < 0.3
    assert COPY_LABEL not in slip.lines
    job = decode_gs_v_0(slip.escpos)
    assert len(job.pages) == 2
    assert np.array_equal(job.pages[0], first)
    assert np.array_equal(job.pages[1], second)


def test_text_mode_uses_the_vietnamese_code_page(catalog: Catalog) -> None:
    slip = render(catalog, printer={"text_mode": True})
    cp1258 = load_profile("TM-T20II").vietnamese_code_page
    assert slip.text_mode
    assert b"\x1bt" + bytes([cp1258 or 0]) in slip.escpos
    assert encode_cp1258("Thủ tục: Đăng ký khai sinh") in slip.escpos
    assert encode_cp1258("Khi đến nhận kết quả, xin mang theo:") in slip.escpos
    assert b"\x1dv0" in slip.escpos  # the codes still print as a picture
    assert slip.escpos.endswith(b"\x1dV\x00")


def test_text_mode_falls_back_to_raster_without_a_code_page(catalog: Catalog) -> None:
    assert load_profile("TM-T88IV").vietnamese_code_page is None
    slip = render(catalog, profile="TM-T88IV", printer={"text_mode": True})
    assert not slip.text_mode
    assert decode_gs_v_0(slip.escpos).pages[0].shape == slip.image.shape


def test_cp1258_sends_tone_marks_after_the_letter() -> None:
    # ẫ is not in CP1258: â (0xE2) then the combining tilde (0xDE). Đ is 0xD0, ă 0xE3;
    # ý has no byte of its own either.
    assert encode_cp1258("Mẫu") == b"M\xe2\xdeu"
    assert encode_cp1258("Đăng") == b"\xd0\xe3ng"
    assert encode_cp1258("ký") == b"ky\xec"
