"""The form's pages and the catalog's citizen-facing text.

The page rules of ``Procedure`` are tested on a small procedure built in memory from a valid dict,
broken one rule at a time; each refusal must name what is wrong, since a technician reads it. Then
the bundled catalog: every procedure loads, its pages follow the kiosk's conventions, and no text a
citizen reads carries a note meant for staff or developers.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from dvc_common.catalog import (
    BUNDLED_CATALOG_DIR,
    CARD_SOURCES,
    DELIVERY_FIELD,
    INDEX_FILE,
    Catalog,
    FieldType,
    Procedure,
    load_catalog,
)
from dvc_common.datafile import describe_validation_error

# --- A small procedure in memory --------------------------------------------------------------


def _valid() -> dict[str, Any]:
    """A procedure that passes every rule: a card block, a relationship choice that copies the
    applicant's name into the mother's, and a delivery question on its own last page."""
    return {
        "code": "9.999999",
        "slug": "page_rules",
        "name": "Thủ tục thử các trang",
        "field": "Hộ tịch",
        "summary": "Thủ tục nhỏ chỉ dùng để thử các quy tắc của trang.",
        "processing_days": 0,
        "documents": [{"code": "declaration", "name": "Tờ khai", "handling": "form"}],
        "form": [
            {
                "name": "applicant_name",
                "label": "Họ, chữ đệm và tên người yêu cầu",
                "type": "name",
                "prefill": "identity.full_name",
            },
            {
                "name": "applicant_id_number",
                "label": "Số định danh cá nhân",
                "type": "id_number",
                "prefill": "identity.id_number",
            },
            {
                "name": "applicant_birth_date",
                "label": "Ngày, tháng, năm sinh",
                "type": "date",
                "prefill": "identity.date_of_birth",
            },
            {
                "name": "sex",
                "label": "Giới tính",
                "type": "choice",
                "prefill": "identity.sex",
                "choices": [{"value": "nam", "label": "Nam"}, {"value": "nu", "label": "Nữ"}],
            },
            {
                "name": "residence",
                "label": "Nơi cư trú hiện tại",
                "type": "address",
                "prefill": "identity.address",
            },
            {"name": "phone", "label": "Số điện thoại", "type": "phone"},
            {
                "name": "relationship",
                "label": "Quan hệ với trẻ",
                "type": "choice",
                "choices": [
                    {"value": "cha", "label": "Cha"},
                    {"value": "me", "label": "Mẹ"},
                    {"value": "khac", "label": "Người thân khác"},
                ],
            },
            {
                "name": "mother_name",
                "label": "Họ, chữ đệm và tên người mẹ",
                "type": "name",
                "copy_when": {
                    "when_field": "relationship",
                    "equals": "me",
                    "source": "applicant_name",
                },
            },
            {
                "name": DELIVERY_FIELD,
                "label": "Cách nhận kết quả",
                "type": "choice",
                "choices": [
                    {"value": "in_person", "label": "Đến Bộ phận Một cửa nhận"},
                    {"value": "postal", "label": "Nhận qua bưu điện tại nơi cư trú"},
                ],
            },
        ],
        "pages": [
            {"title": "Nơi cư trú và điện thoại", "fields": ["residence", "phone"]},
            {"title": "Ông/bà có quan hệ thế nào với trẻ?", "fields": ["relationship"]},
            {"title": "Mẹ của trẻ", "fields": ["mother_name"]},
            {"title": "Nhận kết quả", "fields": [DELIVERY_FIELD]},
        ],
        "fee": {"kind": "free", "description": "Miễn lệ phí."},
        "legal_basis": ["Luật Hộ tịch số 60/2014/QH13"],
        "result_delivery": ["in_person", "postal"],
        "result_place": "Bộ phận Một cửa, Ủy ban nhân dân cấp xã",
    }


def _field(raw: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(f for f in raw["form"] if f["name"] == name)
    return found


def _page(raw: dict[str, Any], title: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in raw["pages"] if p["title"] == title)
    return found


def _drop(raw: dict[str, Any], name: str) -> None:
    """Remove a field from the form and from its page (and the page, if it empties)."""
    raw["form"] = [f for f in raw["form"] if f["name"] != name]
    for page in raw["pages"]:
        page["fields"] = [n for n in page["fields"] if n != name]
    raw["pages"] = [p for p in raw["pages"] if p["fields"]]


def _refusal(raw: dict[str, Any]) -> str:
    """What the technician reads when this procedure is refused: field and reason, one a line."""
    with pytest.raises(ValidationError) as caught:
        Procedure.model_validate(raw)
    return "\n".join(str(p) for p in describe_validation_error(caught.value, raw))


@pytest.fixture
def raw() -> dict[str, Any]:
    return copy.deepcopy(_valid())


def test_the_valid_procedure_is_valid(raw: dict[str, Any]) -> None:
    procedure = Procedure.model_validate(raw)
    assert [f.name for f in procedure.card_fields] == [
        "applicant_name",
        "applicant_id_number",
        "applicant_birth_date",
        "sex",
    ]
    assert [p.title for p in procedure.pages][-1] == "Nhận kết quả"


def test_field_on_two_pages_is_refused(raw: dict[str, Any]) -> None:
    _page(raw, "Mẹ của trẻ")["fields"].append("phone")
    message = _refusal(raw)
    assert "fields on more than one page: phone" in message


@pytest.mark.parametrize(
    "card_field", ["applicant_name", "applicant_id_number", "applicant_birth_date", "sex"]
)
def test_card_field_on_a_page_is_refused(raw: dict[str, Any], card_field: str) -> None:
    _page(raw, "Nơi cư trú và điện thoại")["fields"].append(card_field)
    message = _refusal(raw)
    assert "read from the card" in message
    assert card_field in message


def test_the_card_address_stays_on_a_page(raw: dict[str, Any]) -> None:
    """The card's address may be out of date, so the residence is asked like any other field."""
    _page(raw, "Nơi cư trú và điện thoại")["fields"].remove("residence")
    message = _refusal(raw)
    assert "fields on no page: residence" in message


def test_field_on_no_page_is_refused(raw: dict[str, Any]) -> None:
    _page(raw, "Mẹ của trẻ")["fields"].append("phone")
    _page(raw, "Nơi cư trú và điện thoại")["fields"].remove("phone")
    Procedure.model_validate(raw)  # moved, not lost: still fine
    _page(raw, "Mẹ của trẻ")["fields"].remove("phone")
    message = _refusal(raw)
    assert "fields on no page: phone" in message


def test_copied_field_still_needs_a_page(raw: dict[str, Any]) -> None:
    """A copy rule holds only for one answer; for the others the field is asked on its page."""
    raw["pages"].remove(_page(raw, "Mẹ của trẻ"))
    message = _refusal(raw)
    assert "fields on no page: mother_name" in message


def test_unknown_field_in_a_page_is_refused(raw: dict[str, Any]) -> None:
    _page(raw, "Mẹ của trẻ")["fields"].append("mother_nmae")
    message = _refusal(raw)
    assert "pages name fields the form does not have: mother_nmae" in message


def test_page_of_more_than_six_fields_is_refused(raw: dict[str, Any]) -> None:
    for n in range(6):
        raw["form"].append({"name": f"extra_{n}", "label": f"Thêm {n}", "type": "text"})
    _page(raw, "Nơi cư trú và điện thoại")["fields"] += [f"extra_{n}" for n in range(6)]
    message = _refusal(raw)
    assert "pages[0].fields" in message
    assert "at most 6" in message


def test_empty_page_and_long_title_are_refused(raw: dict[str, Any]) -> None:
    raw["pages"].append({"title": "Trang trống", "fields": []})
    _page(raw, "Mẹ của trẻ")["title"] = "Mẹ của trẻ " + "rất dài " * 8
    message = _refusal(raw)
    assert "pages[4].fields" in message
    assert "pages[2].title" in message
    assert "at most 60 characters" in message


def test_copy_rule_naming_a_non_choice_is_refused(raw: dict[str, Any]) -> None:
    _field(raw, "mother_name")["copy_when"]["when_field"] = "phone"
    message = _refusal(raw)
    assert "mother_name: copy_when.when_field must be a choice field" in message


def test_copy_rule_naming_an_unknown_field_is_refused(raw: dict[str, Any]) -> None:
    _field(raw, "mother_name")["copy_when"]["when_field"] = "relation"
    message = _refusal(raw)
    assert "mother_name: copy_when.when_field must be a choice field" in message


def test_copy_rule_with_an_unknown_value_is_refused(raw: dict[str, Any]) -> None:
    _field(raw, "mother_name")["copy_when"]["equals"] = "mẹ"  # the label's spelling, not the value
    message = _refusal(raw)
    assert "mother_name: 'mẹ' is not a choice of relationship" in message


def test_copy_rule_copying_itself_is_refused(raw: dict[str, Any]) -> None:
    _field(raw, "mother_name")["copy_when"]["source"] = "mother_name"
    message = _refusal(raw)
    assert "mother_name: copy_when.source must be another form field" in message


def test_copy_rule_copying_an_unknown_field_is_refused(raw: dict[str, Any]) -> None:
    _field(raw, "mother_name")["copy_when"]["source"] = "applicant_full_name"
    message = _refusal(raw)
    assert "mother_name: copy_when.source must be another form field" in message


def test_copy_rule_copying_another_type_is_refused(raw: dict[str, Any]) -> None:
    _field(raw, "mother_name")["copy_when"]["source"] = "phone"
    message = _refusal(raw)
    assert "mother_name: copies a phone field" in message


def test_several_deliveries_without_the_question_are_refused(raw: dict[str, Any]) -> None:
    _drop(raw, DELIVERY_FIELD)
    message = _refusal(raw)
    assert f"several result_delivery ways need a {DELIVERY_FIELD} choice field" in message


def test_one_delivery_needs_no_question(raw: dict[str, Any]) -> None:
    _drop(raw, DELIVERY_FIELD)
    raw["result_delivery"] = ["in_person"]
    Procedure.model_validate(raw)


@pytest.mark.parametrize(
    "values",
    [
        ["in_person"],  # one way missing
        ["in_person", "postal", "online"],  # a way the procedure does not offer
        ["in_person", "post"],  # misspelt
    ],
)
def test_question_with_wrong_choices_is_refused(raw: dict[str, Any], values: list[str]) -> None:
    _field(raw, DELIVERY_FIELD)["choices"] = [{"value": v, "label": v} for v in values]
    message = _refusal(raw)
    assert f"{DELIVERY_FIELD} must be a choice of exactly the result_delivery" in message


def test_question_that_is_not_a_choice_is_refused(raw: dict[str, Any]) -> None:
    question = _field(raw, DELIVERY_FIELD)
    question["type"] = "text"
    del question["choices"]
    message = _refusal(raw)
    assert f"{DELIVERY_FIELD} must be a choice of exactly the result_delivery" in message


def test_question_when_only_one_way_is_offered_must_match_it(raw: dict[str, Any]) -> None:
    raw["result_delivery"] = ["in_person"]
    message = _refusal(raw)  # the question still offers the post
    assert f"{DELIVERY_FIELD} must be a choice of exactly the result_delivery" in message


# --- The bundled catalog ----------------------------------------------------------------------

PROCEDURE_FILES = sorted(p for p in BUNDLED_CATALOG_DIR.glob("*.toml") if p.name != INDEX_FILE)

# Words a citizen must never read: notes about sample data or the software, the wrong word for
# verification ("xác minh" is the one used), the old card's names. Compared case-insensitively.
FORBIDDEN = (
    "số liệu mẫu",
    "dữ liệu mẫu",
    "ở đây là",
    "cần thay",
    "phải thay",
    "thay bằng mức",
    "kiosk",
    "phần mềm",
    "TODO",
    "FIXME",
    "xác thực",
    "CMND",
    "CCCD",
    "chứng minh nhân dân",
    "sáp nhập",
    "sample",
)


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every string value in parsed TOML, with a dotted path; comments are not values."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(params=PROCEDURE_FILES, ids=lambda path: path.stem)
def procedure_file(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


@pytest.fixture
def procedure(procedure_file: Path, catalog: Catalog) -> Procedure:
    return catalog.get(procedure_file.stem)


def test_every_bundled_procedure_loads(catalog: Catalog) -> None:
    assert {p.slug for p in catalog} == {path.stem for path in PROCEDURE_FILES}
    assert len(catalog) == len(PROCEDURE_FILES) == 7


def test_no_developer_notes_in_citizen_text(procedure_file: Path) -> None:
    """Read from the file itself (not the loaded model), so a file the schema refuses is still
    judged; a sample-data caveat belongs in a ``#`` comment, which is no value."""
    data = tomllib.loads(procedure_file.read_text(encoding="utf-8"))
    found = [
        f"{path}: {phrase!r} in {text!r}"
        for path, text in _strings(data, procedure_file.stem)
        for phrase in FORBIDDEN
        if phrase.casefold() in text.casefold()
    ]
    assert not found, "\n".join(found)


def test_no_notes_in_names_labels_and_titles(procedure: Procedure) -> None:
    """Short texts carry no parenthesised remarks, and no choice reads as two options ("Ông,
    bà", "Cha, mẹ"): each choice is one answer."""
    short = [("name", procedure.name)]
    short += [(f"documents[{d.code}].name", d.name) for d in procedure.documents]
    short += [(f"form[{f.name}].label", f.label) for f in procedure.form]
    short += [(f"pages[{i}].title", p.title) for i, p in enumerate(procedure.pages)]
    choices = [(f"form[{f.name}].choices", c.label) for f in procedure.form for c in f.choices]
    for path, text in short + choices:
        assert "(" not in text and ")" not in text, f"{path}: {text!r}"
    for path, label in choices:
        assert not re.fullmatch(r"\w+, \w+", label), f"{path}: {label!r} reads as two options"


def test_citizen_is_addressed_as_ong_ba(procedure_file: Path) -> None:
    data = tomllib.loads(procedure_file.read_text(encoding="utf-8"))
    for path, text in _strings(data, procedure_file.stem):
        for wrong in ("anh/chị", "anh, chị", "bạn ", "quý khách", "cho ông, bà", "ông, bà đã"):
            assert wrong not in text.casefold(), f"{path}: {text!r}"


def test_no_page_has_more_than_six_fields(procedure: Procedure) -> None:
    for page in procedure.pages:
        assert 1 <= len(page.fields) <= 6, page.title
        assert len(page.title) <= 60, page.title


def test_pages_hold_every_typed_field_once(procedure: Procedure) -> None:
    placed = [name for page in procedure.pages for name in page.fields]
    typed = [f.name for f in procedure.form if f.prefill not in CARD_SOURCES]
    assert sorted(placed) == sorted(typed)


def test_page_fields_are_listed_in_the_form_order(procedure: Procedure) -> None:
    """A page shows its fields in the form's order, so the file lists them that way too."""
    order = [f.name for f in procedure.form]
    for page in procedure.pages:
        assert list(page.fields) == sorted(page.fields, key=order.index), page.title


def test_residence_phone_and_email_share_the_first_page(procedure: Procedure) -> None:
    assert procedure.pages[0].fields == ("residence", "phone", "email")


def test_delivery_question_is_alone_on_the_last_page(procedure: Procedure) -> None:
    if len(procedure.result_delivery) < 2:
        assert DELIVERY_FIELD not in {f.name for f in procedure.form}
        return
    last = procedure.pages[-1]
    assert (last.title, last.fields) == ("Nhận kết quả", (DELIVERY_FIELD,))
    question = procedure.form_field(DELIVERY_FIELD)
    assert question.type is FieldType.CHOICE and question.required


def test_delivery_choices_are_worded_alike(catalog: Catalog) -> None:
    """The same way of receiving the result reads the same in every procedure."""
    labels: dict[str, set[str]] = {}
    for procedure in catalog:
        if DELIVERY_FIELD in {f.name for f in procedure.form}:
            for choice in procedure.form_field(DELIVERY_FIELD).choices:
                labels.setdefault(choice.value, set()).add(choice.label)
    assert labels == {
        "in_person": {"Đến Bộ phận Một cửa nhận"},
        "postal": {"Nhận qua bưu điện tại nơi cư trú"},
    }


def test_copy_rules_come_after_their_question(procedure: Procedure) -> None:
    """The deciding choice is asked on an earlier page than the field it may fill, so the
    citizen never types what the kiosk would then copy over."""
    page_of = {name: i for i, page in enumerate(procedure.pages) for name in page.fields}
    for field in procedure.form:
        if field.copy_when is not None:
            assert page_of[field.copy_when.when_field] < page_of[field.name], field.name


def test_shared_fields_read_the_same_everywhere(catalog: Catalog) -> None:
    """The applicant block, the residence hint and the email are worded once for all."""
    reference = catalog.get("birth_registration")
    for name in ("applicant_id_number", "residence", "phone", "email"):
        expected = reference.form_field(name)
        for procedure in catalog:
            got = procedure.form_field(name)
            assert (got.label, got.help) == (expected.label, expected.help), (procedure.slug, name)


def test_scan_instructions_are_one_sentence_at_the_scanner(procedure: Procedure) -> None:
    """One sentence as in the birth registration: "Đặt … vào khay quét, mặt chữ úp xuống." """
    for document in procedure.scanned_documents:
        text = document.instructions or ""
        assert text.startswith("Đặt "), document.code
        assert text.endswith(" vào khay quét, mặt chữ úp xuống."), document.code
        assert text.count(".") == 1, document.code


def test_optional_documents_say_when_they_are_needed(procedure: Procedure) -> None:
    for document in procedure.documents:
        if not document.mandatory:
            assert (document.condition or "").startswith("Khi "), document.code


# --- documents that depend on an answer -----------------------------------------------------------


def _with_conditional_scan(raw: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    raw["documents"].append(
        {
            "code": "power_of_attorney",
            "name": "Văn bản ủy quyền",
            "handling": "scan",
            "mandatory": False,
            "condition": "Khi nhờ người khác nộp thay.",
            "instructions": "Đặt văn bản ủy quyền vào khay quét, mặt chữ úp xuống.",
            "titles": ["VĂN BẢN ỦY QUYỀN"],
            "needed_when": rule,
        }
    )
    return raw


def test_a_document_is_scanned_only_for_the_answers_that_need_it(raw: dict[str, Any]) -> None:
    procedure = Procedure.model_validate(
        _with_conditional_scan(raw, {"field": "relationship", "values": ["khac"]})
    )
    assert procedure.scanned_for({}) == ()  # not answered yet: not asked
    assert procedure.scanned_for({"relationship": "me"}) == ()
    [asked] = procedure.scanned_for({"relationship": "khac"})
    assert asked.code == "power_of_attorney"


def test_a_document_rule_on_a_non_choice_is_refused(raw: dict[str, Any]) -> None:
    rule = {"field": "phone", "values": ["x"]}
    assert "needed_when.field must be a choice field" in _refusal(
        _with_conditional_scan(raw, rule)
    )


def test_a_document_rule_with_an_unknown_answer_is_refused(raw: dict[str, Any]) -> None:
    rule = {"field": "relationship", "values": ["chu"]}
    assert "not choices of relationship: ['chu']" in _refusal(_with_conditional_scan(raw, rule))


def test_a_document_rule_on_a_document_not_scanned_is_refused(raw: dict[str, Any]) -> None:
    raw["documents"][0]["needed_when"] = {"field": "relationship", "values": ["khac"]}
    assert "needed_when applies to scanned documents" in _refusal(raw)
