"""CCCD / VNeID QR payload parsing: valid payloads, every rejection reason, mojibake, fuzzing."""

from __future__ import annotations

import contextlib
import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.provinces import PROVINCES
from kiosk.identity import (
    MAX_ADDRESS_CHARS,
    MAX_NAME_CHARS,
    Identity,
    IdentityError,
    IdentityErrorReason,
    IdentityProblem,
    Sex,
    citizen_problem,
    decode_payload,
    parse_identity,
    repair_mojibake,
)
from tests.kiosk.vietnamese import vietnamese

TODAY = date(2026, 11, 22)
R = IdentityErrorReason


def payload(
    id_number: str = "049085001234",
    old_id: str = "123456789",
    name: str = "LÊ VĂN THỬ",
    born: str = "02091985",
    sex: str = "Nam",
    address: str = "Thôn 2, xã Bình Phú, tỉnh Quảng Nam",
    issued: str = "01062021",
    extra: tuple[str, ...] = (),
) -> str:
    return "|".join((id_number, old_id, name, born, sex, address, issued, *extra))


def reason_of(raw: bytes | str) -> IdentityErrorReason:
    with pytest.raises(IdentityError) as caught:
        parse_identity(raw, today=TODAY)
    return caught.value.reason


def test_valid_payload_gives_every_field() -> None:
    identity = parse_identity(payload().encode("utf-8"), today=TODAY)
    assert identity.id_number == "049085001234"
    assert identity.old_id_number == "123456789"
    assert identity.full_name == "LÊ VĂN THỬ"
    assert identity.date_of_birth == date(1985, 9, 2)
    assert identity.sex is Sex.MALE
    assert identity.address == "Thôn 2, xã Bình Phú, tỉnh Quảng Nam"
    assert identity.issue_date == date(2021, 6, 1)
    assert identity.province_of_birth_registration == "Quảng Nam"


def test_empty_old_id_and_extra_trailing_fields_are_tolerated() -> None:
    identity = parse_identity(payload(old_id="", extra=("", "ABC")), today=TODAY)
    assert identity.old_id_number is None


def test_female_and_2000s_digits() -> None:
    identity = parse_identity(
        payload(id_number="079305000001", name="Võ Thị Ánh", born="31122005", sex="Nữ"),
        today=TODAY,
    )
    assert identity.sex is Sex.FEMALE
    assert identity.sex.label == "Nữ"


@pytest.mark.parametrize("sex", ["NỮ", "nữ", "Nu", "NU", "Nu\u0303"])
def test_sex_spellings(sex: str) -> None:
    assert parse_identity(payload(id_number="049185001234", sex=sex), today=TODAY).sex is Sex.FEMALE


def test_line_endings_bom_and_decomposed_text_are_normalised() -> None:
    text = "\ufeff" + unicodedata.normalize("NFD", payload()) + "\r\n"
    identity = parse_identity(text.encode("utf-8"), today=TODAY)
    assert identity.full_name == "LÊ VĂN THỬ"
    assert unicodedata.is_normalized("NFC", identity.address)


def test_twelve_digit_old_id_is_accepted() -> None:
    assert parse_identity(payload(old_id="012345678901"), today=TODAY).old_id_number


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", R.EMPTY),
        (b"\r\n", R.EMPTY),
        (b"\xff\xfe\x00garbage", R.NOT_UTF8),
        ("049085001234|123456789|LÊ VĂN THỬ|02091985|Nam|Quảng Nam".encode(), R.TOO_FEW_FIELDS),
        (b"https://vneid.gov.vn", R.TOO_FEW_FIELDS),
        (payload(id_number="04908500123").encode(), R.ID_NUMBER_FORMAT),
        (payload(id_number="0490850012345").encode(), R.ID_NUMBER_FORMAT),
        (payload(id_number="04908500123A").encode(), R.ID_NUMBER_FORMAT),
        (payload(id_number="０４９０８５００１２３４").encode(), R.ID_NUMBER_FORMAT),
        (payload(id_number="003085001234").encode(), R.PROVINCE_UNKNOWN),
        (payload(id_number="097085001234").encode(), R.PROVINCE_UNKNOWN),
        (payload(id_number="000085001234").encode(), R.PROVINCE_UNKNOWN),
        (payload(old_id="12345").encode(), R.OLD_ID_NUMBER_FORMAT),
        (payload(name="").encode(), R.NAME_INVALID),
        (payload(name="NGUYỄN VĂN 2").encode(), R.NAME_INVALID),
        (payload(name="A" * (MAX_NAME_CHARS + 1)).encode(), R.FIELD_TOO_LONG),
        (payload(born="31021985").encode(), R.BIRTH_DATE_INVALID),
        (payload(born="2091985").encode(), R.BIRTH_DATE_INVALID),
        (payload(born="00001985").encode(), R.BIRTH_DATE_INVALID),
        (payload(sex="X").encode(), R.SEX_INVALID),
        (payload(id_number="049285001234").encode(), R.CENTURY_MISMATCH),
        (payload(id_number="049185001234").encode(), R.SEX_DIGIT_MISMATCH),
        (payload(id_number="049086001234").encode(), R.BIRTH_YEAR_MISMATCH),
        (payload(address="").encode(), R.ADDRESS_INVALID),
        (payload(address="x" * (MAX_ADDRESS_CHARS + 1)).encode(), R.FIELD_TOO_LONG),
        (payload(issued="30022021").encode(), R.ISSUE_DATE_INVALID),
        (payload(issued="01012027").encode(), R.ISSUE_DATE_IN_FUTURE),
        (payload(issued="01011980").encode(), R.ISSUE_DATE_BEFORE_BIRTH),
        (payload(name="LÊ\tVĂN").encode(), R.CONTROL_CHARACTERS),
        (payload(address="Thôn\x002").encode(), R.CONTROL_CHARACTERS),
        (payload(address="Thôn\u200b2").encode(), R.CONTROL_CHARACTERS),
        (("|" * 2000).encode(), R.PAYLOAD_TOO_LONG),
    ],
)
def test_rejections_name_the_reason(raw: bytes, reason: IdentityErrorReason) -> None:
    assert reason_of(raw) is reason


def test_birth_in_the_future_is_refused() -> None:
    tomorrow = TODAY + timedelta(days=1)
    born = tomorrow.strftime("%d%m%Y")
    raw = payload(id_number="049226001234", born=born, issued=born)
    assert reason_of(raw) is R.BIRTH_DATE_IN_FUTURE


def test_issue_date_today_and_on_birthday_are_accepted() -> None:
    assert parse_identity(payload(issued=TODAY.strftime("%d%m%Y")), today=TODAY)
    newborn = payload(id_number="049226000001", born="01102026", issued="01102026")
    assert parse_identity(newborn, today=TODAY).issue_date == date(2026, 10, 1)


def test_errors_carry_vietnamese_messages_and_no_full_id() -> None:
    for raw in (payload(id_number="049086001234"), payload(issued="01012030"), "a|b"):
        with pytest.raises(IdentityError) as caught:
            parse_identity(raw, today=TODAY)
        error = caught.value
        assert "049086001234" not in str(error) and "049086001234" not in error.detail
        assert any(c in vietnamese(error.problem) for c in "ăâđêôơư")
        assert not hasattr(error, "citizen_message")  # the screens word it, not the core


def test_every_reason_falls_in_one_citizen_group() -> None:
    groups = {reason: citizen_problem(reason) for reason in IdentityErrorReason}
    assert set(groups.values()) == set(IdentityProblem)
    assert {r for r, g in groups.items() if g is IdentityProblem.UNREADABLE} == {
        R.EMPTY,
        R.NOT_UTF8,
        R.CONTROL_CHARACTERS,
    }
    assert {r for r, g in groups.items() if g is IdentityProblem.NOT_IDENTITY_CODE} == {
        R.PAYLOAD_TOO_LONG,
        R.TOO_FEW_FIELDS,
    }


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", IdentityProblem.UNREADABLE),
        (b"https://vneid.gov.vn", IdentityProblem.NOT_IDENTITY_CODE),
        (payload(id_number="049086001234").encode(), IdentityProblem.INVALID),
    ],
)
def test_errors_carry_the_group_the_citizen_is_told(raw: bytes, problem: IdentityProblem) -> None:
    with pytest.raises(IdentityError) as caught:
        parse_identity(raw, today=TODAY)
    assert caught.value.problem is problem
    # One sentence per group: errors of the same group read the same.
    same_group = [r for r in IdentityErrorReason if citizen_problem(r) is problem]
    sentences = {vietnamese(IdentityError(r, "detail").problem) for r in same_group}
    assert sentences == {vietnamese(caught.value.problem)}


def test_repr_masks_id_numbers() -> None:
    identity = parse_identity(payload(), today=TODAY)
    assert "049085001234" not in repr(identity)
    assert "1234" in repr(identity)
    shown = identity.to_dict()
    assert shown["id_number"] == "********1234"
    assert shown["old_id_number"] == "*****6789"
    assert identity.to_dict(reveal=True)["id_number"] == "049085001234"
    assert Identity.from_dict(identity.to_dict(reveal=True)) == identity


# --- mojibake -----------------------------------------------------------------------------------


def as_latin1_mojibake(text: str) -> bytes:
    """What zbar returns when it reads UTF-8 bytes as ISO-8859-1 and re-encodes to UTF-8."""
    return text.encode("utf-8").decode("latin-1").encode("utf-8")


def as_cp1252_mojibake(text: str) -> str:
    return "".join(
        bytes([b]).decode("cp1252", errors="strict")
        if b not in {0x81, 0x8D, 0x8F, 0x90, 0x9D}
        else chr(b)
        for b in text.encode("utf-8")
    )


def test_latin1_mojibake_is_repaired() -> None:
    identity = parse_identity(as_latin1_mojibake(payload()), today=TODAY)
    assert identity.full_name == "LÊ VĂN THỬ"
    assert identity.address == "Thôn 2, xã Bình Phú, tỉnh Quảng Nam"


def test_cp1252_mojibake_is_repaired() -> None:
    garbled = as_cp1252_mojibake(payload())
    assert "Ã" in garbled
    identity = parse_identity(garbled.encode("utf-8"), today=TODAY)
    assert identity.full_name == "LÊ VĂN THỬ"


def test_double_mojibake_is_repaired() -> None:
    twice = as_latin1_mojibake(as_latin1_mojibake(payload()).decode("utf-8"))
    assert parse_identity(twice, today=TODAY).full_name == "LÊ VĂN THỬ"


def test_shift_jis_mojibake_is_repaired() -> None:
    # Ư, Ấ, Ẩ, Ặ... are letters whose UTF-8 bytes are also valid Shift-JIS, so zbar's guess
    # turns them into katakana and kanji that can be turned back.
    original = payload(name="LƯ ẤN", address="Ấp Ẩn, Quang Nam")
    garbled = original.encode("utf-8").decode("shift_jis")
    assert "LƯ" not in garbled
    identity = parse_identity(garbled.encode("utf-8"), today=TODAY)
    assert (identity.full_name, identity.address) == ("LƯ ẤN", "Ấp Ẩn, Quang Nam")


def test_genuine_latin1_compatible_vietnamese_is_left_alone() -> None:
    for text in ("Lê Hà", "Tô Vũ Hòa", "Ánh Dương", "Hồ Chí Minh", "ÂU CƠ"):
        assert repair_mojibake(text) == text


def test_text_input_is_decoded_like_bytes() -> None:
    assert decode_payload(payload()) == decode_payload(payload().encode("utf-8"))


# --- properties ---------------------------------------------------------------------------------

VIETNAMESE_LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)
name_word = st.text(
    alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper(), min_size=1, max_size=8
)
names = (
    st.lists(name_word, min_size=2, max_size=5)
    .map(" ".join)
    .filter(lambda n: len(n) <= MAX_NAME_CHARS)
)
addresses = st.text(
    alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " ,.-/0123456789",
    min_size=1,
    max_size=120,
).filter(lambda a: a.strip() != "")


@st.composite
def identities(draw: st.DrawFn) -> tuple[str, Identity]:
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    issued = draw(st.dates(min_value=born, max_value=TODAY))
    sex = draw(st.sampled_from(list(Sex)))
    century = (born.year - 1900) // 100 * 2 + (1 if sex is Sex.FEMALE else 0)
    province = draw(st.sampled_from(sorted(PROVINCES)))
    tail = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    id_number = f"{province}{century}{born.year % 100:02d}{tail}"
    old = draw(st.one_of(st.just(""), st.text(alphabet="0123456789", min_size=9, max_size=9)))
    name = " ".join(draw(names).split())
    address = " ".join(draw(addresses).split())
    text = "|".join(
        (
            id_number,
            old,
            name,
            born.strftime("%d%m%Y"),
            sex.label,
            address,
            issued.strftime("%d%m%Y"),
        )
    )
    expected = Identity(id_number, old or None, name, born, sex, address, issued)
    return text, expected


@given(identities())
def test_every_valid_payload_round_trips(case: tuple[str, Identity]) -> None:
    text, expected = case
    assert parse_identity(text.encode("utf-8"), today=TODAY) == expected


@given(identities())
def test_every_valid_payload_survives_latin1_mojibake(case: tuple[str, Identity]) -> None:
    text, expected = case
    assert parse_identity(as_latin1_mojibake(text), today=TODAY) == expected


@given(identities(), st.sampled_from(["id", "year", "sex"]))
def test_inconsistent_id_digits_are_always_caught(case: tuple[str, Identity], what: str) -> None:
    text, _ = case
    fields = text.split("|")
    digits = list(fields[0])
    if what == "year":
        digits[5] = str((int(digits[5]) + 1) % 10)
        expected = R.BIRTH_YEAR_MISMATCH
    elif what == "sex":
        digits[3] = str(int(digits[3]) ^ 1)
        expected = R.SEX_DIGIT_MISMATCH
    else:
        digits[3] = str((int(digits[3]) + 2) % 10)
        expected = R.CENTURY_MISMATCH
    fields[0] = "".join(digits)
    assert reason_of("|".join(fields)) is expected


@settings(max_examples=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_fuzz_arbitrary_bytes_never_crash(raw: bytes) -> None:
    try:
        identity = parse_identity(raw, today=TODAY)
    except IdentityError as error:
        assert isinstance(error.reason, IdentityErrorReason)
    else:
        assert len(identity.id_number) == 12


@settings(max_examples=1000)
@given(st.text(max_size=400))
def test_fuzz_arbitrary_text_never_crashes(text: str) -> None:
    with contextlib.suppress(IdentityError):
        parse_identity(text, today=TODAY)


@settings(max_examples=500)
@given(identities(), st.integers(min_value=0, max_value=400), st.binary(min_size=1, max_size=4))
def test_fuzz_corrupted_valid_payloads_never_crash(
    case: tuple[str, Identity], position: int, junk: bytes
) -> None:
    raw = case[0].encode("utf-8")
    position %= len(raw)
    corrupted = raw[:position] + junk + raw[position + len(junk) :]
    with contextlib.suppress(IdentityError):
        parse_identity(corrupted, today=TODAY)
