"""Validating what the citizen types into a procedure's form.

The catalog says what each field is; this module turns raw keyboard input into a clean value or
says what to fix: a ``FieldProblem`` (a ``FieldReason`` and the values its sentence needs), which
the screens translate (``ui.messages``); no sentence is worded here. Dates are typed the
Vietnamese way (dd/mm/yyyy) and stored as ISO; phone numbers are stored as bare digits.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from config.provinces import PROVINCES
from dvc_common.catalog import CARD_SOURCES, FieldType, FormField, PrefillSource, Procedure
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


class FieldReason(StrEnum):
    """Why a typed value was refused; the values are stable identifiers (logs, message ids)."""

    CONTROL_CHARACTERS = "control_characters"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    REQUIRED = "required"
    CHOICE_REQUIRED = "choice_required"
    CHOICE_UNKNOWN = "choice_unknown"
    DATE_INVALID = "date_invalid"
    DATE_IN_FUTURE = "date_in_future"
    YEAR_INVALID = "year_invalid"
    DIGITS_ONLY = "digits_only"
    EMAIL_INVALID = "email_invalid"
    ID_NUMBER_FORMAT = "id_number_format"
    ID_NUMBER_PROVINCE = "id_number_province"
    NUMBER_ONLY = "number_only"
    BELOW_MINIMUM = "below_minimum"
    ABOVE_MAXIMUM = "above_maximum"
    NAME_INVALID = "name_invalid"
    PATTERN_MISMATCH = "pattern_mismatch"  # the catalog gave a pattern but no words for it
    CATALOG_RULE = "catalog_rule"  # the catalog's own sentence for its pattern, passed through


# The parameters each reason's sentence takes, in the order of its %1, %2 in the translation
# files. "label" is the field's label as the sentence uses it: the ones that start with "Xin"
# put it mid-sentence, so it arrives in lower case.
FIELD_PARAMS: Mapping[FieldReason, tuple[str, ...]] = MappingProxyType(
    {
        FieldReason.CONTROL_CHARACTERS: ("label",),
        FieldReason.TOO_LONG: ("label", "max_length"),
        FieldReason.TOO_SHORT: ("label", "min_length"),
        FieldReason.REQUIRED: ("label",),
        FieldReason.CHOICE_REQUIRED: ("label",),
        FieldReason.CHOICE_UNKNOWN: ("label",),
        FieldReason.DATE_INVALID: ("label",),
        FieldReason.DATE_IN_FUTURE: ("label",),
        FieldReason.YEAR_INVALID: ("label",),
        FieldReason.DIGITS_ONLY: ("label",),
        FieldReason.EMAIL_INVALID: ("label",),
        FieldReason.ID_NUMBER_FORMAT: ("label",),
        FieldReason.ID_NUMBER_PROVINCE: ("label",),
        FieldReason.NUMBER_ONLY: ("label",),
        FieldReason.BELOW_MINIMUM: ("label", "min_value"),
        FieldReason.ABOVE_MAXIMUM: ("label", "max_value"),
        FieldReason.NAME_INVALID: ("label",),
        FieldReason.PATTERN_MISMATCH: ("label",),
        FieldReason.CATALOG_RULE: ("message",),
    }
)


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one value: the reason and the values its sentence is built from."""

    reason: FieldReason
    params: Mapping[str, str]

    def __post_init__(self) -> None:
        if set(self.params) != set(FIELD_PARAMS[self.reason]):
            raise ValueError(f"{self.reason.value} takes {FIELD_PARAMS[self.reason]}")

    @property
    def arguments(self) -> tuple[str, ...]:
        """The parameters in placeholder order (%1, %2, ...)."""
        return tuple(self.params[name] for name in FIELD_PARAMS[self.reason])


@dataclass(frozen=True)
class FieldResult:
    """A validated value, or the problem to show under the field (exactly one is set)."""

    value: str | None
    problem: FieldProblem | None = None


def _ok(value: str) -> FieldResult:
    return FieldResult(value)


def _bad(reason: FieldReason, **params: object) -> FieldResult:
    problem = FieldProblem(reason, MappingProxyType({k: str(v) for k, v in params.items()}))
    return FieldResult(None, problem)


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
                return _bad(FieldReason.DATE_INVALID, label=label)
            if field.not_in_future and day > today:
                return _bad(FieldReason.DATE_IN_FUTURE, label=label)
            if day.year < 1900:
                return _bad(FieldReason.YEAR_INVALID, label=label)
            return _ok(day.isoformat())
        case FieldType.PHONE:
            digits = re.sub(r"[\s.()-]", "", value)
            if digits.startswith("+84"):
                digits = "0" + digits[3:]
            if not digits.isascii() or not digits.isdigit():
                return _bad(FieldReason.DIGITS_ONLY, label=label)
            value = digits
        case FieldType.EMAIL:
            if not _EMAIL.match(value):
                return _bad(FieldReason.EMAIL_INVALID, label=label)
        case FieldType.ID_NUMBER:
            if len(value) != 12 or not value.isascii() or not value.isdigit():
                return _bad(FieldReason.ID_NUMBER_FORMAT, label=label)
            if value[:3] not in PROVINCES:
                return _bad(FieldReason.ID_NUMBER_PROVINCE, label=label)
        case FieldType.INTEGER:
            if not value.isascii() or not value.isdigit():
                return _bad(FieldReason.NUMBER_ONLY, label=label)
            number = int(value)
            if field.min_value is not None and number < field.min_value:
                return _bad(FieldReason.BELOW_MINIMUM, label=label, min_value=field.min_value)
            if field.max_value is not None and number > field.max_value:
                return _bad(FieldReason.ABOVE_MAXIMUM, label=label, max_value=field.max_value)
            value = str(number)
        case FieldType.CHOICE:
            if value not in {c.value for c in field.choices}:
                return _bad(FieldReason.CHOICE_UNKNOWN, label=label.lower())
        case FieldType.NAME:
            if not all(c.isalpha() or c in " '-." for c in value) or not any(
                c.isalpha() for c in value
            ):
                return _bad(FieldReason.NAME_INVALID, label=label)
        case FieldType.TEXT | FieldType.ADDRESS:
            pass
    if field.min_length is not None and len(value) < field.min_length:
        return _bad(FieldReason.TOO_SHORT, label=label, min_length=field.min_length)
    if field.pattern is not None and not re.fullmatch(field.pattern, value):
        if field.pattern_message:
            # Catalog data: worded (and one day translated) with the procedure, not by us.
            return _bad(FieldReason.CATALOG_RULE, message=field.pattern_message)
        return _bad(FieldReason.PATTERN_MISMATCH, label=label)
    return _ok(value)


def validate_field(field: FormField, raw: str, today: date) -> FieldResult:
    """Clean and check one value."""
    # Checked before whitespace is folded: str.split() would quietly turn \x1f or \x85 into a
    # space and hide input that did not come from the keyboard.
    if _has_control(raw.replace("\n", " ").replace("\r", " ").replace("\t", " ")):
        return _bad(FieldReason.CONTROL_CHARACTERS, label=field.label)
    value = _clean_text(raw)
    # A generous bound before any parsing, so no pattern or int() ever sees unbounded input;
    # the exact limit is judged on the cleaned value below.
    if len(value) > 2 * field.max_length + 8:
        return _bad(FieldReason.TOO_LONG, label=field.label, max_length=field.max_length)
    if not value:
        if field.required:
            reason = (
                FieldReason.CHOICE_REQUIRED
                if field.type is FieldType.CHOICE
                else FieldReason.REQUIRED
            )
            return _bad(reason, label=field.label.lower())
        return _ok("")
    result = _validate_typed(field, value, today)
    # Length is judged on the cleaned value: "0912 345 678" is a 10-digit phone number.
    if result.value is not None and len(result.value) > field.max_length:
        return _bad(FieldReason.TOO_LONG, label=field.label, max_length=field.max_length)
    return result


@dataclass(frozen=True)
class FormResult:
    """Every field's clean value, or what is wrong with it (``problems``, by field name)."""

    values: dict[str, str]
    problems: dict[str, FieldProblem] = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def copied(field: FormField, raw: Mapping[str, str]) -> bool:
    """Whether ``field`` takes another field's answer now (and so is not asked)."""
    rule = field.copy_when
    return rule is not None and raw.get(rule.when_field, "") == rule.equals


def with_copies(procedure: Procedure, raw: Mapping[str, str]) -> dict[str, str]:
    """The input with every copy rule that holds applied: the mother's name is the applicant's
    when the applicant is the mother, whatever was typed before the answer changed."""
    resolved = dict(raw)
    for field in procedure.form:
        rule = field.copy_when
        if rule is not None and copied(field, raw):
            resolved[field.name] = raw.get(rule.source, "")
    return resolved


def asked(field: FormField, raw: Mapping[str, str]) -> bool:
    """Whether the citizen answers ``field`` on a form page (not from the card, not copied)."""
    return field.prefill not in CARD_SOURCES and not copied(field, raw)


def page_fields(procedure: Procedure, page: int, raw: Mapping[str, str]) -> tuple[FormField, ...]:
    """The fields of form page ``page`` the citizen is asked now, in the page's order."""
    fields = (procedure.form_field(name) for name in procedure.pages[page].fields)
    return tuple(f for f in fields if asked(f, raw))


def asked_pages(procedure: Procedure, raw: Mapping[str, str]) -> tuple[int, ...]:
    """The indexes of the pages that ask anything now (a page whose every field is copied, such
    as the mother's page when the mother applies, is skipped)."""
    return tuple(i for i in range(len(procedure.pages)) if page_fields(procedure, i, raw))


def validate_form(procedure: Procedure, raw: Mapping[str, str], today: date) -> FormResult:
    """Validate every field of ``procedure``'s form; unknown keys are ignored. A copied field's
    problem is its source's, reported there only."""
    resolved = with_copies(procedure, raw)
    values: dict[str, str] = {}
    problems: dict[str, FieldProblem] = {}
    for field in procedure.form:
        result = validate_field(field, resolved.get(field.name, ""), today)
        if result.problem is not None:
            if not copied(field, raw):
                problems[field.name] = result.problem
        elif result.value:
            values[field.name] = result.value
    return FormResult(values, problems)


def validate_fields(
    fields: tuple[FormField, ...], raw: Mapping[str, str], today: date
) -> dict[str, FieldProblem]:
    """The problems of just these fields (one form page, or the card's fields)."""
    problems: dict[str, FieldProblem] = {}
    for field in fields:
        problem = validate_field(field, raw.get(field.name, ""), today).problem
        if problem is not None:
            problems[field.name] = problem
    return problems


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
