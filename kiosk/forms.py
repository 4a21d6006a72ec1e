"""Validating what the citizen types into a procedure's form.

The catalog says what each field is; this module turns raw keyboard input into a clean value or a
plain Vietnamese message saying what to fix. Dates are typed the Vietnamese way (dd/mm/yyyy) and
stored as ISO; phone numbers are stored as bare digits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from config.provinces import PROVINCES
from dvc_common.catalog import FieldType, FormField, PrefillSource, Procedure
from kiosk.identity import Identity

_DATE_VN = re.compile(r"^([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})$")
_DATE_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def format_date_vn(day: date) -> str:
    """``2026-03-05`` → ``05/03/2026``, the way dates are written in Vietnam."""
    return day.strftime("%d/%m/%Y")


def parse_date_input(text: str) -> date | None:
    """A date typed as dd/mm/yyyy (or d-m-yyyy, or ISO), or None when it is not one."""
    text = text.strip()
    match = _DATE_VN.match(text)
    try:
        if match:
            return date(int(match[4]), int(match[3]), int(match[1]))
        match = _DATE_ISO.match(text)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class FieldResult:
    """A validated value, or the message to show under the field."""

    value: str | None
    error: str | None


def _ok(value: str) -> FieldResult:
    return FieldResult(value, None)


def _bad(message: str) -> FieldResult:
    return FieldResult(None, message)


def _clean_text(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFC", raw).split())


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c)[0] == "C" for c in text)


def _validate_typed(field: FormField, value: str, today: date) -> FieldResult:
    label = field.label
    match field.type:
        case FieldType.DATE:
            day = parse_date_input(value)
            if day is None:
                return _bad(f"{label}: ngày không đúng. Xin nhập ngày/tháng/năm, ví dụ 05/09/1980.")
            if field.not_in_future and day > today:
                return _bad(f"{label}: không được sau ngày hôm nay.")
            if day.year < 1900:
                return _bad(f"{label}: năm không đúng.")
            return _ok(day.isoformat())
        case FieldType.PHONE:
            digits = re.sub(r"[\s.()-]", "", value)
            if digits.startswith("+84"):
                digits = "0" + digits[3:]
            if not digits.isascii() or not digits.isdigit():
                return _bad(f"{label}: chỉ gồm chữ số.")
            value = digits
        case FieldType.EMAIL:
            if not _EMAIL.match(value):
                return _bad(f"{label}: địa chỉ thư điện tử không đúng, ví dụ ten@gmail.com.")
        case FieldType.ID_NUMBER:
            if len(value) != 12 or not value.isascii() or not value.isdigit():
                return _bad(f"{label}: gồm đúng 12 chữ số.")
            if value[:3] not in PROVINCES:
                return _bad(f"{label}: ba chữ số đầu không đúng mã tỉnh.")
        case FieldType.INTEGER:
            if not value.isascii() or not value.isdigit():
                return _bad(f"{label}: chỉ nhập số.")
            number = int(value)
            if field.min_value is not None and number < field.min_value:
                return _bad(f"{label}: ít nhất là {field.min_value}.")
            if field.max_value is not None and number > field.max_value:
                return _bad(f"{label}: nhiều nhất là {field.max_value}.")
            value = str(number)
        case FieldType.CHOICE:
            if value not in {c.value for c in field.choices}:
                return _bad(f"Xin chọn {label.lower()}.")
        case FieldType.NAME:
            if not all(c.isalpha() or c in " '-." for c in value) or not any(
                c.isalpha() for c in value
            ):
                return _bad(f"{label}: chỉ gồm chữ cái, không có chữ số hay ký hiệu.")
        case FieldType.TEXT | FieldType.ADDRESS:
            pass
    if field.min_length is not None and len(value) < field.min_length:
        return _bad(f"{label}: cần ít nhất {field.min_length} ký tự.")
    if field.pattern is not None and not re.fullmatch(field.pattern, value):
        return _bad(field.pattern_message or f"{label}: không đúng.")
    return _ok(value)


def validate_field(field: FormField, raw: str, today: date) -> FieldResult:
    """Clean and check one value."""
    # Checked before whitespace is folded: str.split() would quietly turn \x1f or \x85 into a
    # space and hide input that did not come from the keyboard.
    if _has_control(raw.replace("\n", " ").replace("\r", " ").replace("\t", " ")):
        return _bad(f"{field.label}: có ký tự không hợp lệ.")
    value = _clean_text(raw)
    # A generous bound before any parsing, so no pattern or int() ever sees unbounded input;
    # the exact limit is judged on the cleaned value below.
    if len(value) > 2 * field.max_length + 8:
        return _bad(f"{field.label}: không quá {field.max_length} ký tự.")
    if not value:
        if field.required:
            verb = "chọn" if field.type is FieldType.CHOICE else "nhập"
            return _bad(f"Xin {verb} {field.label.lower()}.")
        return _ok("")
    result = _validate_typed(field, value, today)
    # Length is judged on the cleaned value: "0912 345 678" is a 10-digit phone number.
    if result.value is not None and len(result.value) > field.max_length:
        return _bad(f"{field.label}: không quá {field.max_length} ký tự.")
    return result


@dataclass(frozen=True)
class FormResult:
    values: dict[str, str]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_form(procedure: Procedure, raw: Mapping[str, str], today: date) -> FormResult:
    """Validate every field of ``procedure``'s form; unknown keys are ignored."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in procedure.form:
        result = validate_field(field, raw.get(field.name, ""), today)
        if result.error is not None:
            errors[field.name] = result.error
        elif result.value:
            values[field.name] = result.value
    return FormResult(values, errors)


def prefill_values(procedure: Procedure, identity: Identity) -> dict[str, str]:
    """Raw form input prefilled from the identity, as the citizen would have typed it."""
    sources: dict[PrefillSource, str] = {
        PrefillSource.FULL_NAME: identity.full_name,
        PrefillSource.DATE_OF_BIRTH: format_date_vn(identity.date_of_birth),
        PrefillSource.SEX: identity.sex.label,
        PrefillSource.ID_NUMBER: identity.id_number,
        PrefillSource.ADDRESS: identity.address,
    }
    values: dict[str, str] = {}
    for field in procedure.form:
        if field.prefill is None:
            continue
        value: str | None = sources[field.prefill]
        if field.type is FieldType.CHOICE:
            value = _matching_choice(field, sources[field.prefill])
        if value is not None:
            values[field.name] = value
    return values


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")


def _matching_choice(field: FormField, text: str) -> str | None:
    """The choice whose value or label is ``text`` ignoring case and diacritics ("Nữ" → "nu")."""
    wanted = _fold(text)
    for choice in field.choices:
        if wanted in {_fold(choice.value), _fold(choice.label)}:
            return choice.value
    return None
