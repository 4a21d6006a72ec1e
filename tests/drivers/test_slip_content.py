"""What the appointment slip says to an elderly citizen (``kiosk.slip.build_slip_content``): the
office's own name and hours, what to bring, only the way of receiving the result they chose, every
document handed in starting with the form filled in on the kiosk. No Qt: content only."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from conftest_printer import BIRTH_REGISTRATION, make_dossier, make_settings

from config.settings import Settings
from drivers.printer.base import SlipContent
from dvc_common.catalog import (
    Catalog,
    Delivery,
    DocumentHandling,
    Procedure,
    RequiredDocument,
    load_catalog,
)
from kiosk.dossier import Verification
from kiosk.slip import (
    BRING_ID_CARD,
    BRING_IN_PERSON,
    BRING_POSTAL,
    BRING_SLIP,
    DELIVERY_FIELD,
    DELIVERY_TEXT,
    IDENTITY_DOCUMENT_CODES,
    VERIFICATION_PENDING_NOTE,
    build_slip_content,
)

GENERIC_PLACE = "Bộ phận Một cửa, Ủy ban nhân dân cấp xã"
OFFICE = "Bộ phận Một cửa, Ủy ban nhân dân xã Mẫu"
MARRIAGE_CERTIFICATE = "Giấy chứng nhận kết hôn của cha, mẹ trẻ"
PHONE_FORM = {"applicant_name": "TRẦN THỊ MẪU", "phone": "0912345678"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def birth(catalog: Catalog) -> Procedure:
    return catalog.get(BIRTH_REGISTRATION)


def settings_with(**agency: str) -> Settings:
    return Settings.model_validate({"agency": agency})


def content_for(
    procedure: Procedure,
    *,
    delivery: str | None = None,
    settings: Settings | None = None,
    **changes: Any,
) -> SlipContent:
    form = dict(PHONE_FORM)
    if delivery is not None:
        form[DELIVERY_FIELD] = delivery
    dossier = make_dossier(procedure_code=procedure.code, form=form, **changes)
    return build_slip_content(dossier, procedure, settings or make_settings())


def all_text(content: SlipContent) -> str:
    """Every string the slip prints from its content, for "never says X" checks."""
    parts = [value for value in vars(content).values() if isinstance(value, str)]
    parts += content.bring
    parts += [d.text for d in content.documents]
    return "\n".join(parts)


def offering(procedure: Procedure, *ways: Delivery) -> Procedure:
    return procedure.model_copy(update={"result_delivery": ways})


def with_documents(procedure: Procedure, *documents: RequiredDocument) -> Procedure:
    return procedure.model_copy(update={"documents": documents})


def shown(code: str, name: str) -> RequiredDocument:
    return RequiredDocument(code=code, name=name, handling=DocumentHandling.SHOW)


# --- the key the journey fills --------------------------------------------------------------


def test_the_delivery_answer_has_one_name() -> None:
    assert DELIVERY_FIELD == "result_delivery"


# --- where, and when ------------------------------------------------------------------------


def test_the_office_is_named_instead_of_the_catalog_s_generic_place(birth: Procedure) -> None:
    assert birth.result_place == GENERIC_PLACE  # the sample catalog's wording: generic
    content = content_for(birth, delivery="in_person")
    assert content.result_place == OFFICE
    assert GENERIC_PLACE not in all_text(content)
    assert "cấp xã" not in all_text(content)


def test_the_configured_office_and_its_address_are_printed(birth: Procedure) -> None:
    settings = settings_with(office="Trung tâm Phục vụ hành chính công xã Bình Phú", address="")
    content = content_for(birth, delivery="in_person", settings=settings)
    assert content.result_place == "Trung tâm Phục vụ hành chính công xã Bình Phú"
    assert content.address is None  # nothing configured, nothing printed

    settings = settings_with(address="Thôn 3, xã Bình Phú, tỉnh Quảng Nam")
    content = content_for(birth, delivery="in_person", settings=settings)
    assert content.address == "Thôn 3, xã Bình Phú, tỉnh Quảng Nam"


def test_a_catalog_place_naming_another_office_is_kept(birth: Procedure) -> None:
    elsewhere = birth.model_copy(
        update={"result_place": "Trung tâm Phục vụ hành chính công tỉnh Quảng Nam"}
    )
    settings = settings_with(address="Thôn 3, xã Bình Phú")
    content = content_for(elsewhere, delivery="in_person", settings=settings)
    assert content.result_place == "Trung tâm Phục vụ hành chính công tỉnh Quảng Nam"
    assert content.address is None  # our address is not that office's


def test_the_office_hours_go_with_the_appointment_for_a_visit(birth: Procedure) -> None:
    hours = "Sáng từ 7 giờ đến 11 giờ, từ thứ Hai đến thứ Bảy"
    content = content_for(birth, delivery="in_person", settings=settings_with(office_hours=hours))
    assert content.appointment == "Thứ Hai, ngày 23/11/2026"
    assert content.office_hours == hours
    assert make_settings().agency.office_hours.startswith("Sáng từ 7 giờ 30")


def test_a_postal_result_sends_nobody_to_the_office(birth: Procedure) -> None:
    content = content_for(birth, delivery="postal")
    assert content.appointment == "Thứ Hai, ngày 23/11/2026"
    assert content.result_place is None and content.address is None
    assert content.office_hours is None
    assert OFFICE not in all_text(content) and GENERIC_PLACE not in all_text(content)


# --- only the way chosen --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected", "absent"),
    [
        ("postal", "Qua dịch vụ bưu chính công ích", "trực tiếp"),
        ("in_person", "Nhận trực tiếp", "bưu"),
        (" postal ", "Qua dịch vụ bưu chính công ích", "trực tiếp"),
    ],
)
def test_only_the_chosen_way_is_printed(
    birth: Procedure, answer: str, expected: str, absent: str
) -> None:
    content = content_for(birth, delivery=answer)
    assert content.delivery == expected
    assert "hoặc" not in content.delivery
    assert absent not in content.delivery


def test_the_only_way_offered_needs_no_answer(birth: Procedure) -> None:
    content = content_for(offering(birth, Delivery.IN_PERSON))
    assert content.delivery == "Nhận trực tiếp"
    content = content_for(offering(birth, Delivery.POSTAL))
    assert content.delivery == "Qua dịch vụ bưu chính công ích"


def test_an_old_dossier_without_the_answer_lists_every_way(birth: Procedure) -> None:
    content = content_for(offering(birth, Delivery.IN_PERSON, Delivery.POSTAL))
    assert content.delivery == ("Nhận trực tiếp hoặc qua dịch vụ bưu chính công ích")
    assert content.result_place == OFFICE  # a visit is possible: say where
    assert content.bring_heading == BRING_IN_PERSON


@pytest.mark.parametrize("answer", ["online", "bưu điện", "IN_PERSON"])
def test_an_answer_the_procedure_does_not_offer_falls_back_and_warns(
    birth: Procedure, answer: str, caplog: pytest.LogCaptureFixture
) -> None:
    procedure = offering(birth, Delivery.IN_PERSON, Delivery.POSTAL)
    with caplog.at_level(logging.WARNING, logger="kiosk.slip"):
        content = content_for(procedure, delivery=answer)
    assert content.delivery == ("Nhận trực tiếp hoặc qua dịch vụ bưu chính công ích")
    [record] = [r for r in caplog.records if r.name == "kiosk.slip"]
    assert record.levelno == logging.WARNING
    assert DELIVERY_FIELD in record.getMessage() and procedure.code in record.getMessage()


def test_every_way_has_plain_wording() -> None:
    assert set(DELIVERY_TEXT) == set(Delivery)


# --- what to bring ----------------------------------------------------------------------------


def test_what_to_bring_lists_the_slip_the_card_and_what_to_show(birth: Procedure) -> None:
    content = content_for(birth, delivery="in_person")
    assert content.bring_heading == BRING_IN_PERSON == "Khi đến nhận kết quả, xin mang theo:"
    assert content.bring[0] == BRING_SLIP
    shown_names = [d.name for d in birth.documents if d.handling is DocumentHandling.SHOW]
    assert MARRIAGE_CERTIFICATE in shown_names
    for name in shown_names:
        assert sum(item.startswith(name) for item in content.bring) == 1, name
    # The optional one says when it is needed, in the catalog's words.
    [marriage] = [item for item in content.bring if item.startswith(MARRIAGE_CERTIFICATE)]
    assert marriage == (
        f"{MARRIAGE_CERTIFICATE} (khi cha, mẹ của trẻ đã đăng ký kết hôn; "
        "mang theo để cán bộ đối chiếu)"
    )


def test_the_id_card_is_asked_for_once(birth: Procedure) -> None:
    assert "identity_card" in {d.code for d in birth.documents}  # the sample lists it to show
    content = content_for(birth, delivery="in_person")
    cards = [item for item in content.bring if "căn cước" in item]
    assert cards == ["Thẻ căn cước hoặc căn cước công dân của người yêu cầu"]
    assert BRING_ID_CARD not in content.bring


def test_the_id_card_is_asked_for_when_the_procedure_does_not_list_it(
    birth: Procedure,
) -> None:
    procedure = with_documents(
        birth,
        *(d for d in birth.documents if d.code not in IDENTITY_DOCUMENT_CODES),
    )
    content = content_for(procedure, delivery="in_person")
    assert content.bring[:2] == (BRING_SLIP, BRING_ID_CARD)
    assert [item for item in content.bring if "căn cước" in item] == [BRING_ID_CARD]


def test_both_spouses_cards_stand_for_the_id_card(birth: Procedure) -> None:
    both = shown("identity_cards", "Thẻ căn cước hoặc căn cước công dân của cả hai bên nam, nữ")
    other = shown("household_book", "Sổ hộ khẩu cũ")
    procedure = with_documents(birth, *birth.scanned_documents, other, both)
    content = content_for(procedure, delivery="in_person")
    assert content.bring == (BRING_SLIP, both.name, other.name)


def test_a_postal_result_is_prepared_for_not_fetched(birth: Procedure) -> None:
    content = content_for(birth, delivery="postal")
    assert content.bring_heading == BRING_POSTAL
    assert content.bring[0] == BRING_SLIP
    assert any(item.startswith(MARRIAGE_CERTIFICATE) for item in content.bring)


def test_an_electronic_result_asks_nothing_to_be_brought(birth: Procedure) -> None:
    content = content_for(offering(birth, Delivery.ONLINE))
    assert content.bring_heading is None and content.bring == ()
    assert content.delivery == "Nhận bản điện tử trực tuyến"


# --- documents handed in ----------------------------------------------------------------------


def test_the_form_filled_in_on_the_kiosk_is_listed_first(birth: Procedure) -> None:
    content = content_for(birth)
    assert [d.text for d in content.documents] == [
        "Tờ khai đăng ký khai sinh (đã điền trên máy)",
        "Giấy chứng sinh: 1 trang",
        "Văn bản ủy quyền: 2 trang",
    ]


def test_every_procedure_lists_its_form_first(catalog: Catalog) -> None:
    for procedure in catalog:
        forms = [d.name for d in procedure.documents if d.handling is DocumentHandling.FORM]
        assert forms, procedure.code  # every sample procedure has its declaration form
        listed = content_for(procedure).documents
        assert [d.pages for d in listed[: len(forms)]] == [0] * len(forms)
        assert [d.name[: len(f)] for d, f in zip(listed, forms, strict=False)] == forms
        assert all(d.pages > 0 for d in listed[len(forms) :])  # then the scans, with pages


# --- wording ------------------------------------------------------------------------------------


def test_verification_pending_says_xac_minh(birth: Procedure) -> None:
    content = content_for(birth, verification=Verification.PENDING)
    assert content.verification_note == VERIFICATION_PENDING_NOTE
    assert "xác minh" in VERIFICATION_PENDING_NOTE and "thẻ căn cước" in VERIFICATION_PENDING_NOTE
    for other in ("xác thực", "kiểm tra danh tính", "đồng bộ"):
        assert other not in all_text(content)


def test_the_slip_is_vietnamese_whatever_the_screen_language(birth: Procedure) -> None:
    english = Settings.model_validate({"kiosk": {"language": "en"}})
    assert content_for(birth, delivery="in_person", settings=english) == content_for(
        birth, delivery="in_person"
    )
