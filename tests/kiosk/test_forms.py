"""Validating what the citizen types: dates, phones, names, numbers, choices and whole forms."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dvc_common.catalog import FieldType, FormField, PrefillSource, Procedure, load_catalog
from kiosk.forms import (
    FIELD_PARAMS,
    FieldProblem,
    FieldReason,
    FieldResult,
    FormResult,
    asked_pages,
    format_date_vn,
    page_fields,
    parse_date_input,
    prefill_values,
    validate_field,
    validate_form,
)
from kiosk.identity import Identity, Sex
from tests.kiosk.vietnamese import vietnamese

TODAY = date(2026, 11, 23)
PHONE_PATTERN = "^0[35789][0-9]{8}$"
PHONE_MESSAGE = "Số điện thoại di động gồm 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09."

MAU = Identity(
    id_number="049158000123",
    old_id_number="201234567",
    full_name="TRẦN THỊ MẪU",
    date_of_birth=date(1958, 2, 14),
    sex=Sex.FEMALE,
    address="Thôn 3, xã Bình Phú, tỉnh Quảng Nam",
    issue_date=date(2021, 5, 10),
)


def make_field(type_: FieldType, label: str = "Trường thử", **kwargs: Any) -> FormField:
    return FormField(name="truong_thu", label=label, type=type_, **kwargs)


def sentence(problem: FieldProblem) -> str:
    """What the Vietnamese form screen shows under the field for ``problem``."""
    return vietnamese(problem.reason, problem.params)


def ok(result: FieldResult) -> str:
    assert result.problem is None, result.problem
    assert result.value is not None
    return result.value


def bad(result: FieldResult) -> str:
    assert result.value is None
    assert result.problem is not None
    return sentence(result.problem)


def errors(result: FormResult) -> dict[str, str]:
    """Each refused field's sentence, as the Vietnamese form screen shows it."""
    return {name: sentence(problem) for name, problem in result.problems.items()}


@pytest.fixture(scope="module")
def birth() -> Procedure:
    return load_catalog().get("1.001193")


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/09/1980", date(1980, 9, 5)),
        ("5/9/1980", date(1980, 9, 5)),
        ("5-9-1980", date(1980, 9, 5)),
        ("05.09.1980", date(1980, 9, 5)),
        ("  05/09/1980  ", date(1980, 9, 5)),
        ("1980-09-05", date(1980, 9, 5)),
        ("29/02/2024", date(2024, 2, 29)),
        ("31/12/2026", date(2026, 12, 31)),
    ],
)
def test_parse_date_input_accepts(text: str, expected: date) -> None:
    assert parse_date_input(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2020",  # no 31 February
        "29/02/2023",  # not a leap year
        "00/01/2020",
        "01/13/2020",
        "32/01/2020",
        "2020-02-30",
        "2020-1-5",  # ISO needs two-digit month and day
        "05/09/80",  # two-digit year
        "05091980",
        "5 tháng 9 năm 1980",
        "",
        "abc",
    ],
)
def test_parse_date_input_refuses(text: str) -> None:
    assert parse_date_input(text) is None


def test_parse_date_input_is_day_first() -> None:
    assert parse_date_input("03/04/2020") == date(2020, 4, 3)


def test_format_date_vn() -> None:
    assert format_date_vn(date(2026, 3, 5)) == "05/03/2026"
    assert parse_date_input(format_date_vn(date(1958, 2, 14))) == date(1958, 2, 14)


def test_date_field_stores_iso() -> None:
    field = make_field(FieldType.DATE, "Ngày sinh")
    assert ok(validate_field(field, "5/9/1980", TODAY)) == "1980-09-05"
    assert ok(validate_field(field, "1980-09-05", TODAY)) == "1980-09-05"


def test_date_field_impossible_date() -> None:
    error = bad(validate_field(make_field(FieldType.DATE, "Ngày sinh"), "31/02/2020", TODAY))
    assert error.startswith("Ngày sinh")
    assert "ngày không đúng" in error
    assert "05/09/1980" in error  # shows an example


def test_date_field_not_in_future() -> None:
    field = make_field(FieldType.DATE, "Ngày sinh của trẻ", not_in_future=True)
    assert ok(validate_field(field, "23/11/2026", TODAY)) == "2026-11-23"  # today is fine
    error = bad(validate_field(field, "24/11/2026", TODAY))
    assert "Ngày sinh của trẻ" in error
    assert "không được sau ngày hôm nay" in error


def test_date_field_future_allowed_without_the_flag() -> None:
    field = make_field(FieldType.DATE, "Ngày hẹn")
    assert ok(validate_field(field, "24/11/2030", TODAY)) == "2030-11-24"


def test_date_field_before_1900() -> None:
    error = bad(validate_field(make_field(FieldType.DATE, "Ngày sinh"), "01/01/1899", TODAY))
    assert "Ngày sinh" in error
    assert "năm không đúng" in error


# --- phones -------------------------------------------------------------------------------


def phone_field(**kwargs: Any) -> FormField:
    return make_field(
        FieldType.PHONE,
        "Số điện thoại",
        pattern=PHONE_PATTERN,
        pattern_message=PHONE_MESSAGE,
        max_length=20,
        **kwargs,
    )


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678",
        "0912 345 678",
        " 0912 345 678 ",
        "0912.345.678",
        "0912-345-678",
        "(091) 234 5678",
        "+84912345678",
        "+84 912 345 678",
    ],
)
def test_phone_is_normalised_to_bare_digits(raw: str) -> None:
    assert ok(validate_field(phone_field(), raw, TODAY)) == "0912345678"


@pytest.mark.parametrize("raw", ["0312345678", "0512345678", "0712345678", "0812345678"])
def test_phone_mobile_prefixes(raw: str) -> None:
    assert ok(validate_field(phone_field(), raw, TODAY)) == raw


@pytest.mark.parametrize(
    "raw",
    [
        "0212345678",  # landline prefix
        "091234567",  # nine digits
        "09123456789",  # eleven digits
        "912345678",  # no leading zero
        "+8412345678",  # +84 then a non-mobile prefix
    ],
)
def test_phone_pattern_message(raw: str) -> None:
    assert bad(validate_field(phone_field(), raw, TODAY)) == PHONE_MESSAGE


@pytest.mark.parametrize("raw", ["0912abc678", "09l2345678", "٠٩١٢٣٤٥٦٧٨", "0912/345/678"])
def test_phone_with_non_digits(raw: str) -> None:
    error = bad(validate_field(phone_field(), raw, TODAY))
    assert "Số điện thoại" in error
    assert "chữ số" in error


def test_phone_length_is_judged_on_the_cleaned_digits() -> None:
    field = make_field(
        FieldType.PHONE,
        "Số điện thoại",
        pattern=PHONE_PATTERN,
        pattern_message=PHONE_MESSAGE,
        max_length=10,
    )
    assert ok(validate_field(field, "+84 912 345 678", TODAY)) == "0912345678"
    assert ok(validate_field(field, "0912 345 678", TODAY)) == "0912345678"


def test_phone_over_max_length() -> None:
    field = make_field(FieldType.PHONE, "Số điện thoại", max_length=10)
    error = bad(validate_field(field, "0912 345 6789", TODAY))
    assert "Số điện thoại" in error
    assert "không quá 10 ký tự" in error


def test_phone_without_pattern_takes_any_digits() -> None:
    field = make_field(FieldType.PHONE, "Điện thoại bàn")
    assert ok(validate_field(field, "(0235) 3812 345", TODAY)) == "02353812345"


# --- email, ID number, name, text ------------------------------------------------------------


@pytest.mark.parametrize("raw", ["ten@gmail.com", "tran.thi.mau@xa-binhphu.gov.vn"])
def test_email_accepted(raw: str) -> None:
    field = make_field(FieldType.EMAIL, "Thư điện tử", required=False)
    assert ok(validate_field(field, raw, TODAY)) == raw


@pytest.mark.parametrize("raw", ["ten@gmail", "ten.gmail.com", "ten@@gmail.com", "@gmail.com"])
def test_email_refused(raw: str) -> None:
    error = bad(validate_field(make_field(FieldType.EMAIL, "Thư điện tử"), raw, TODAY))
    assert "Thư điện tử" in error
    assert "ten@gmail.com" in error  # the example


def test_id_number_accepted() -> None:
    field = make_field(FieldType.ID_NUMBER, "Số định danh cá nhân")
    assert ok(validate_field(field, "049158000123", TODAY)) == "049158000123"
    assert ok(validate_field(field, " 001089001234 ", TODAY)) == "001089001234"


@pytest.mark.parametrize(
    "raw", ["04915800012", "0491580001234", "04915800012a", "０４９１５８０００１２３"]
)
def test_id_number_wrong_shape(raw: str) -> None:
    field = make_field(FieldType.ID_NUMBER, "Số định danh cá nhân", max_length=20)
    error = bad(validate_field(field, raw, TODAY))
    assert "Số định danh cá nhân" in error
    assert "12 chữ số" in error


def test_id_number_unknown_province() -> None:
    field = make_field(FieldType.ID_NUMBER, "Số định danh cá nhân")
    error = bad(validate_field(field, "999158000123", TODAY))
    assert "Số định danh cá nhân" in error
    assert "mã tỉnh" in error


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("TRẦN THỊ MẪU", "TRẦN THỊ MẪU"),
        ("  Trần   Thị  Mẫu ", "Trần Thị Mẫu"),
        ("Nguyễn Văn A-Lếch", "Nguyễn Văn A-Lếch"),
        ("Hồ Thị O'Reilly", "Hồ Thị O'Reilly"),
        ("Tra\u0302\u0300n Thi\u0323 Ma\u0302\u0303u", "Trần Thị Mẫu"),  # NFD input stored as NFC
    ],
)
def test_name_accepted(raw: str, expected: str) -> None:
    field = make_field(FieldType.NAME, "Họ, chữ đệm và tên")
    assert ok(validate_field(field, raw, TODAY)) == expected


@pytest.mark.parametrize("raw", ["Trần Thị 2", "123", "Trần_Thị", "Mẫu@", "---"])
def test_name_refused(raw: str) -> None:
    error = bad(validate_field(make_field(FieldType.NAME, "Họ, chữ đệm và tên"), raw, TODAY))
    assert "Họ, chữ đệm và tên" in error
    assert "chữ cái" in error


def test_text_and_address_are_cleaned_but_free() -> None:
    for type_ in (FieldType.TEXT, FieldType.ADDRESS):
        field = make_field(type_, "Nơi cư trú")
        raw = "  Số 12,\tđường Lê Lợi;  xã Bình Phú  "
        assert ok(validate_field(field, raw, TODAY)) == "Số 12, đường Lê Lợi; xã Bình Phú"


def test_min_length() -> None:
    field = make_field(FieldType.TEXT, "Dân tộc", min_length=3)
    error = bad(validate_field(field, "Ab", TODAY))
    assert "Dân tộc" in error
    assert "ít nhất 3 ký tự" in error
    assert ok(validate_field(field, "Tày", TODAY)) == "Tày"


def test_max_length() -> None:
    field = make_field(FieldType.TEXT, "Nơi sinh", max_length=10)
    assert ok(validate_field(field, "a" * 10, TODAY)) == "a" * 10
    error = bad(validate_field(field, "a" * 11, TODAY))
    assert "Nơi sinh" in error
    assert "không quá 10 ký tự" in error


def test_max_length_is_measured_after_collapsing_spaces() -> None:
    field = make_field(FieldType.TEXT, "Nơi sinh", max_length=10)
    assert ok(validate_field(field, "  abcd     efgh  ", TODAY)) == "abcd efgh"


def test_pattern_without_custom_wording_on_text() -> None:
    field = make_field(
        FieldType.TEXT,
        "Mã hồ sơ",
        pattern="^[A-Z]{2}[0-9]{3}$",
        pattern_message="Mã gồm 2 chữ và 3 số.",
    )
    assert ok(validate_field(field, "AB123", TODAY)) == "AB123"
    assert bad(validate_field(field, "AB12", TODAY)) == "Mã gồm 2 chữ và 3 số."


# --- control characters, required and optional ------------------------------------------------


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\u200b", "\u202e"])
@pytest.mark.parametrize("type_", [FieldType.TEXT, FieldType.NAME, FieldType.PHONE])
def test_control_characters_are_refused(control: str, type_: FieldType) -> None:
    field = make_field(type_, "Trường thử", required=False)
    error = bad(validate_field(field, f"0912{control}345678", TODAY))
    assert "Trường thử" in error
    assert "ký tự không hợp lệ" in error


def test_control_character_alone_in_optional_field_is_refused() -> None:
    field = make_field(FieldType.TEXT, "Ghi chú", required=False)
    assert "ký tự không hợp lệ" in bad(validate_field(field, "\x00", TODAY))


@pytest.mark.parametrize("raw", ["", "   ", "\t\n"])
def test_required_empty(raw: str) -> None:
    error = bad(validate_field(make_field(FieldType.TEXT, "Dân tộc của trẻ"), raw, TODAY))
    assert error == "Xin nhập dân tộc của trẻ."


def test_required_empty_choice_asks_to_choose() -> None:
    field = make_field(
        FieldType.CHOICE, "Giới tính của trẻ", choices=[{"value": "nam", "label": "Nam"}]
    )
    assert bad(validate_field(field, "", TODAY)) == "Xin chọn giới tính của trẻ."


@pytest.mark.parametrize("type_", list(FieldType))
def test_optional_empty_is_empty_value(type_: FieldType) -> None:
    extra: dict[str, Any] = {}
    if type_ is FieldType.CHOICE:
        extra["choices"] = [{"value": "a", "label": "A"}]
    field = make_field(type_, required=False, **extra)
    assert validate_field(field, "  ", TODAY) == FieldResult("", None)


# --- integers and choices -------------------------------------------------------------------


def integer_field() -> FormField:
    return make_field(FieldType.INTEGER, "Số bản sao", min_value=1, max_value=10)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", "1"), ("10", "10"), ("007", "7"), (" 5 ", "5")]
)
def test_integer_accepted(raw: str, expected: str) -> None:
    assert ok(validate_field(integer_field(), raw, TODAY)) == expected


def test_integer_below_min() -> None:
    error = bad(validate_field(integer_field(), "0", TODAY))
    assert "Số bản sao" in error
    assert "ít nhất là 1" in error


def test_integer_above_max() -> None:
    error = bad(validate_field(integer_field(), "11", TODAY))
    assert "Số bản sao" in error
    assert "nhiều nhất là 10" in error


@pytest.mark.parametrize("raw", ["-1", "2.5", "hai", "1e3", "５", "٣"])
def test_integer_not_a_number(raw: str) -> None:
    error = bad(validate_field(integer_field(), raw, TODAY))
    assert "Số bản sao" in error
    assert "chỉ nhập số" in error


def test_integer_without_bounds() -> None:
    field = make_field(FieldType.INTEGER, "Số trang")
    assert ok(validate_field(field, "0", TODAY)) == "0"
    assert ok(validate_field(field, "123456", TODAY)) == "123456"


def choice_field() -> FormField:
    return make_field(
        FieldType.CHOICE,
        "Quan hệ với trẻ",
        choices=[{"value": "cha", "label": "Cha"}, {"value": "me", "label": "Mẹ"}],
    )


@pytest.mark.parametrize("raw", ["cha", "me"])
def test_choice_accepted(raw: str) -> None:
    assert ok(validate_field(choice_field(), raw, TODAY)) == raw


@pytest.mark.parametrize("raw", ["Cha", "Mẹ", "ong_ba", "cha me"])
def test_choice_refused_asks_to_choose(raw: str) -> None:
    assert bad(validate_field(choice_field(), raw, TODAY)) == "Xin chọn quan hệ với trẻ."


# --- whole forms over the bundled birth registration ---------------------------------------------


def good_birth_input() -> dict[str, str]:
    return {
        "applicant_name": "TRẦN THỊ MẪU",
        "applicant_id_number": "049158000123",
        "applicant_birth_date": "14/02/1958",
        "residence": "Thôn 3, xã Bình Phú, tỉnh Quảng Nam",
        "phone": "+84 912 345 678",
        "relationship": "ong_ba",
        "child_name": "Lê Thị Thử",
        "child_birth_date": "01/11/2026",
        "child_sex": "nu",
        "child_birth_place": "Trạm Y tế xã Bình Phú",
        "child_ethnicity": "Kinh",
        "child_hometown": "xã Bình Phú, tỉnh Quảng Nam",
        "mother_name": "Trần Thị Thí Dụ",
        "mother_id_number": "",
        "email": "",
        "result_delivery": "in_person",
    }


def test_validate_form_good_input(birth: Procedure) -> None:
    result = validate_form(birth, good_birth_input(), TODAY)
    assert result.ok
    assert errors(result) == {}
    assert result.values["phone"] == "0912345678"
    assert result.values["applicant_birth_date"] == "1958-02-14"
    assert result.values["child_birth_date"] == "2026-11-01"
    assert result.values["relationship"] == "ong_ba"
    # Optional fields left empty are absent, not stored as "".
    for name in ("mother_id_number", "father_name", "father_id_number", "email"):
        assert name not in result.values
    assert set(result.values) <= {f.name for f in birth.form}


def test_validate_form_ignores_unknown_keys(birth: Procedure) -> None:
    raw = good_birth_input() | {"not_a_field": "x", "admin": "true"}
    result = validate_form(birth, raw, TODAY)
    assert result.ok
    assert "not_a_field" not in result.values


def test_validate_form_reports_every_problem(birth: Procedure) -> None:
    raw = good_birth_input() | {
        "phone": "0212345678",
        "child_birth_date": "24/11/2026",  # tomorrow
        "child_sex": "Nữ",  # the label, not the value
        "email": "mau@",
    }
    del raw["child_name"]
    result = validate_form(birth, raw, TODAY)
    assert not result.ok
    assert set(errors(result)) == {"phone", "child_birth_date", "child_sex", "email", "child_name"}
    assert errors(result)["phone"].startswith("Số điện thoại di động gồm 10 chữ số")
    assert "không được sau ngày hôm nay" in errors(result)["child_birth_date"]
    assert errors(result)["child_sex"] == "Xin chọn giới tính của trẻ."
    assert errors(result)["child_name"] == "Xin nhập họ, chữ đệm và tên của trẻ."
    assert "phone" not in result.values
    assert result.values["applicant_name"] == "TRẦN THỊ MẪU"


def test_validate_form_empty_input_lists_every_required_field(birth: Procedure) -> None:
    result = validate_form(birth, {}, TODAY)
    required = {f.name for f in birth.form if f.required}
    assert set(errors(result)) == required
    assert result.values == {}


def test_validate_form_optional_id_number_checked_when_given(birth: Procedure) -> None:
    raw = good_birth_input() | {"mother_id_number": "04915800012"}
    result = validate_form(birth, raw, TODAY)
    assert set(errors(result)) == {"mother_id_number"}
    assert "12 chữ số" in errors(result)["mother_id_number"]


# --- prefill -----------------------------------------------------------------------------


def test_prefill_values_from_identity(birth: Procedure) -> None:
    values = prefill_values(birth, MAU)
    assert values == {
        "applicant_name": "TRẦN THỊ MẪU",
        "applicant_id_number": "049158000123",
        "applicant_birth_date": "14/02/1958",
        "residence": "Thôn 3, xã Bình Phú, tỉnh Quảng Nam",
    }


def test_prefilled_values_pass_validation(birth: Procedure) -> None:
    raw = good_birth_input()
    for name in ("applicant_name", "applicant_id_number", "applicant_birth_date", "residence"):
        del raw[name]
    result = validate_form(birth, raw | prefill_values(birth, MAU), TODAY)
    assert result.ok, errors(result)
    assert result.values["applicant_birth_date"] == "1958-02-14"
    assert result.values["applicant_id_number"] == "049158000123"


def test_prefill_sex_uses_the_card_word(birth: Procedure) -> None:
    form = (
        FormField(
            name="gioi_tinh", label="Giới tính", type=FieldType.TEXT, prefill=PrefillSource.SEX
        ),
        FormField(name="ghi_chu", label="Ghi chú", type=FieldType.TEXT),
    )
    procedure = birth.model_copy(update={"form": form})
    assert prefill_values(procedure, MAU) == {"gioi_tinh": "Nữ"}
    male = Identity(
        id_number="001089001234",
        old_id_number=None,
        full_name="LÊ VĂN THỬ",
        date_of_birth=date(1989, 9, 2),
        sex=Sex.MALE,
        address="Phường Ba Đình, Hà Nội",
        issue_date=date(2021, 6, 1),
    )
    assert prefill_values(procedure, male) == {"gioi_tinh": "Nam"}


def test_prefill_pads_day_and_month(birth: Procedure) -> None:
    identity = Identity(
        id_number="001203001234",
        old_id_number=None,
        full_name="LÊ VĂN THỬ",
        date_of_birth=date(2003, 1, 5),
        sex=Sex.MALE,
        address="Phường Ba Đình, Hà Nội",
        issue_date=date(2021, 6, 1),
    )
    assert prefill_values(birth, identity)["applicant_birth_date"] == "05/01/2003"


# --- regressions found in review ----------------------------------------------------------------


def test_very_long_integer_input_is_refused_not_crashed() -> None:
    field = FormField(
        name="copies", label="Số bản sao", type=FieldType.INTEGER, max_value=10, max_length=3
    )
    result = validate_field(field, "1" * 5000, date(2026, 11, 23))
    assert "không quá 3 ký tự" in bad(result)


@pytest.mark.parametrize("raw", ["Trần\x1fThị", "Trần\x85Thị", "Trần\x1cThị"])
def test_separator_controls_are_refused_not_folded(raw: str) -> None:
    field = FormField(name="who", label="Họ và tên", type=FieldType.NAME)
    assert validate_field(field, raw, date(2026, 11, 23)).problem is not None


def test_mixed_date_separators_are_refused() -> None:
    assert parse_date_input("05/09-1980") is None
    assert parse_date_input("05.09.1980") == date(1980, 9, 5)


# --- reasons behind the sentences -----------------------------------------------------------


def test_each_problem_carries_its_reason_and_the_values_of_its_sentence() -> None:
    field = make_field(FieldType.INTEGER, label="Số bản sao", min_value=1, max_value=10)
    result = validate_field(field, "12", TODAY)
    assert result.problem == FieldProblem(
        FieldReason.ABOVE_MAXIMUM, {"label": "Số bản sao", "max_value": "10"}
    )
    assert result.problem.arguments == ("Số bản sao", "10")
    assert bad(result) == "Số bản sao: nhiều nhất là 10."


def test_sentences_starting_with_xin_take_the_label_in_lower_case() -> None:
    result = validate_field(make_field(FieldType.TEXT, label="Nơi sinh"), "", TODAY)
    assert result.problem == FieldProblem(FieldReason.REQUIRED, {"label": "nơi sinh"})
    assert bad(result) == "Xin nhập nơi sinh."


def test_a_catalog_sentence_passes_through_as_its_only_value() -> None:
    field = make_field(FieldType.PHONE, pattern=PHONE_PATTERN, pattern_message=PHONE_MESSAGE)
    result = validate_field(field, "0123456789", TODAY)
    assert result.problem == FieldProblem(FieldReason.CATALOG_RULE, {"message": PHONE_MESSAGE})
    assert bad(result) == PHONE_MESSAGE


def test_every_reason_names_its_values_and_problems_are_checked_against_them() -> None:
    assert set(FIELD_PARAMS) == set(FieldReason)
    assert all(names and names[0] in {"label", "message"} for names in FIELD_PARAMS.values())
    with pytest.raises(ValueError, match="too_long"):
        FieldProblem(FieldReason.TOO_LONG, {"label": "Họ và tên"})


def test_whole_form_reports_problems_not_sentences(birth: Procedure) -> None:
    result = validate_form(birth, {}, TODAY)
    assert not result.ok
    assert {f.name for f in birth.form if f.required} == result.problems.keys()
    assert not hasattr(result, "errors")
    assert all(isinstance(problem, FieldProblem) for problem in result.problems.values())
    assert not any(hasattr(validate_field(f, "", TODAY), "error") for f in birth.form)


# --- pages and answers another answer decides ----------------------------------------------------


def test_the_parent_who_applies_is_copied_not_asked(birth: Procedure) -> None:
    answers = {**good_birth_input(), "relationship": "me", "mother_name": ""}
    result = validate_form(birth, answers, TODAY)
    assert result.ok, errors(result)
    assert result.values["mother_name"] == "TRẦN THỊ MẪU"
    assert result.values["mother_id_number"] == "049158000123"
    mother_page = next(i for i, p in enumerate(birth.pages) if "mother_name" in p.fields)
    assert page_fields(birth, mother_page, answers) == ()
    assert mother_page not in asked_pages(birth, answers)
    # Another answer: the mother's page is asked again, and her name is required there.
    answers["relationship"] = "khac"
    assert mother_page in asked_pages(birth, answers)
    assert "mother_name" in validate_form(birth, answers, TODAY).problems


def test_a_bad_source_is_reported_once_where_it_is_typed(birth: Procedure) -> None:
    answers = {**good_birth_input(), "relationship": "cha", "applicant_name": "123"}
    problems = validate_form(birth, answers, TODAY).problems
    assert "applicant_name" in problems
    assert "father_name" not in problems  # copied: its source carries the problem


def test_card_fields_are_on_no_page(birth: Procedure) -> None:
    on_pages = {name for page in birth.pages for name in page.fields}
    card = {f.name for f in birth.card_fields}
    assert card == {"applicant_name", "applicant_id_number", "applicant_birth_date"}
    assert not card & on_pages
