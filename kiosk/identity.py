"""Citizen identity from the QR code of a chip ID card (CCCD) or the VNeID app.

The payload is seven ``|``-separated fields: 12-digit ID number | old 9-digit number (may be
empty) | full name | date of birth ``ddmmyyyy`` | sex (``Nam``/``Nữ``) | permanent address |
issue date ``ddmmyyyy``. Readers mangle it: zbar guesses the text encoding and hands back UTF-8
that was decoded as Shift-JIS or latin-1 on the way, and some serial scanner modules do the same.
We therefore take raw bytes, decode UTF-8 ourselves and undo those mix-ups before validating.

Every rejection carries a reason code (stable, for logs and tests), the citizen-facing group it
falls in (``IdentityProblem``, which the screens translate; no sentence is worded here) and an
English detail for the technician. None ever holds a full ID number.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from config.provinces import PROVINCES
from dvc_common.privacy import mask_id

MAX_PAYLOAD_BYTES = 1024
MAX_NAME_CHARS = 100
MAX_ADDRESS_CHARS = 250
FIELD_SEPARATOR = "|"
FIELD_COUNT = 7


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label(self) -> str:
        """The word printed on the card."""
        return "Nam" if self is Sex.MALE else "Nữ"


class IdentityErrorReason(StrEnum):
    """Why a payload was refused; the values are stable identifiers."""

    EMPTY = "empty"
    PAYLOAD_TOO_LONG = "payload_too_long"
    NOT_UTF8 = "not_utf8_text"
    CONTROL_CHARACTERS = "control_characters"
    TOO_FEW_FIELDS = "too_few_fields"
    FIELD_TOO_LONG = "field_too_long"
    ID_NUMBER_FORMAT = "id_number_not_12_digits"
    PROVINCE_UNKNOWN = "province_code_unknown"
    OLD_ID_NUMBER_FORMAT = "old_id_number_invalid"
    NAME_INVALID = "name_invalid"
    BIRTH_DATE_INVALID = "birth_date_invalid"
    BIRTH_DATE_IN_FUTURE = "birth_date_in_future"
    SEX_INVALID = "sex_invalid"
    CENTURY_MISMATCH = "century_digit_mismatch"
    SEX_DIGIT_MISMATCH = "sex_digit_mismatch"
    BIRTH_YEAR_MISMATCH = "birth_year_mismatch"
    ADDRESS_INVALID = "address_invalid"
    ISSUE_DATE_INVALID = "issue_date_invalid"
    ISSUE_DATE_IN_FUTURE = "issue_date_in_future"
    ISSUE_DATE_BEFORE_BIRTH = "issue_date_before_birth"


class IdentityProblem(StrEnum):
    """What the citizen is told about a refused payload: the reasons fall into three groups, one
    sentence each (the screens translate the group, ``ui.messages``)."""

    UNREADABLE = "unreadable"  # the reader got nothing usable: show the code again
    NOT_IDENTITY_CODE = "not_identity_code"  # some other QR code: scan the right one
    INVALID = "invalid"  # an identity code with contradicting data: staff must look


# Every reason named, so a new reason is a decision here rather than a silent default.
_PROBLEMS: dict[IdentityErrorReason, IdentityProblem] = {
    IdentityErrorReason.EMPTY: IdentityProblem.UNREADABLE,
    IdentityErrorReason.NOT_UTF8: IdentityProblem.UNREADABLE,
    IdentityErrorReason.CONTROL_CHARACTERS: IdentityProblem.UNREADABLE,
    IdentityErrorReason.PAYLOAD_TOO_LONG: IdentityProblem.NOT_IDENTITY_CODE,
    IdentityErrorReason.TOO_FEW_FIELDS: IdentityProblem.NOT_IDENTITY_CODE,
    IdentityErrorReason.FIELD_TOO_LONG: IdentityProblem.INVALID,
    IdentityErrorReason.ID_NUMBER_FORMAT: IdentityProblem.INVALID,
    IdentityErrorReason.PROVINCE_UNKNOWN: IdentityProblem.INVALID,
    IdentityErrorReason.OLD_ID_NUMBER_FORMAT: IdentityProblem.INVALID,
    IdentityErrorReason.NAME_INVALID: IdentityProblem.INVALID,
    IdentityErrorReason.BIRTH_DATE_INVALID: IdentityProblem.INVALID,
    IdentityErrorReason.BIRTH_DATE_IN_FUTURE: IdentityProblem.INVALID,
    IdentityErrorReason.SEX_INVALID: IdentityProblem.INVALID,
    IdentityErrorReason.CENTURY_MISMATCH: IdentityProblem.INVALID,
    IdentityErrorReason.SEX_DIGIT_MISMATCH: IdentityProblem.INVALID,
    IdentityErrorReason.BIRTH_YEAR_MISMATCH: IdentityProblem.INVALID,
    IdentityErrorReason.ADDRESS_INVALID: IdentityProblem.INVALID,
    IdentityErrorReason.ISSUE_DATE_INVALID: IdentityProblem.INVALID,
    IdentityErrorReason.ISSUE_DATE_IN_FUTURE: IdentityProblem.INVALID,
    IdentityErrorReason.ISSUE_DATE_BEFORE_BIRTH: IdentityProblem.INVALID,
}


def citizen_problem(reason: IdentityErrorReason) -> IdentityProblem:
    """The group ``reason`` falls in, i.e. what the citizen is told."""
    return _PROBLEMS[reason]


class IdentityError(ValueError):
    """A QR payload that is not a usable identity."""

    def __init__(self, reason: IdentityErrorReason, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason.value}: {detail}")

    @property
    def problem(self) -> IdentityProblem:
        """What the citizen is told, as a key for the screens to translate."""
        return _PROBLEMS[self.reason]


@dataclass(frozen=True, slots=True)
class Identity:
    """A validated identity. ``repr`` masks the ID numbers so it can never leak into a log."""

    id_number: str
    old_id_number: str | None
    full_name: str
    date_of_birth: date
    sex: Sex
    address: str
    issue_date: date

    @property
    def province_code(self) -> str:
        return self.id_number[:3]

    @property
    def province_of_birth_registration(self) -> str:
        return PROVINCES[self.province_code]

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)

    def __repr__(self) -> str:
        return f"Identity(id_number={self.masked_id!r}, born={self.date_of_birth.year})"

    def to_dict(self, *, reveal: bool = False) -> dict[str, Any]:
        """JSON-able fields; ID numbers masked unless ``reveal``."""
        old = self.old_id_number
        return {
            "id_number": self.id_number if reveal else self.masked_id,
            "old_id_number": (old if reveal else mask_id(old)) if old else None,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth.isoformat(),
            "sex": self.sex.label,
            "address": self.address,
            "issue_date": self.issue_date.isoformat(),
            "province_code": self.province_code,
            "province": self.province_of_birth_registration,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Identity:
        """Inverse of ``to_dict(reveal=True)`` for stored dossiers."""
        sex = Sex.MALE if data["sex"] == Sex.MALE.label else Sex.FEMALE
        return cls(
            id_number=str(data["id_number"]),
            old_id_number=data.get("old_id_number") or None,
            full_name=str(data["full_name"]),
            date_of_birth=date.fromisoformat(data["date_of_birth"]),
            sex=sex,
            address=str(data["address"]),
            issue_date=date.fromisoformat(data["issue_date"]),
        )


# --- decoding -----------------------------------------------------------------------------------


def _encode_cp1252_lenient(text: str) -> bytes:
    """Undo a cp1252-or-latin-1 decode: cp1252 where it has the character, else the code point.

    Decoders disagree on the five bytes cp1252 leaves undefined and on C1 controls, so a strict
    codec would fail on exactly the mojibake we are trying to repair.
    """
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                raise
            out.append(ord(char))
    return bytes(out)


def _undo_once(text: str) -> str | None:
    """One layer of mojibake removed, or None if ``text`` does not look like mojibake."""
    attempts = (
        _encode_cp1252_lenient,
        lambda t: t.encode("shift_jis"),
        lambda t: t.encode("cp932"),
    )
    for encode in attempts:
        try:
            repaired = encode(text).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        # Pure ASCII round-trips unchanged; only a real change is a repair.
        if repaired != text:
            return repaired
    return None


def repair_mojibake(text: str) -> str:
    """Undo up to three layers of UTF-8-read-as-latin-1/cp1252/Shift-JIS.

    A repair is accepted only when the re-encoded bytes are valid UTF-8, which genuine
    Vietnamese text essentially never is once pushed through a single-byte code page.
    """
    for _ in range(3):
        repaired = _undo_once(text)
        if repaired is None:
            break
        text = repaired
    return text


def decode_payload(raw: bytes | str) -> str:
    """Text of a QR payload: UTF-8 decoded by us, mojibake repaired, NFC, line ends stripped."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_PAYLOAD_BYTES * 4:
            raise IdentityError(
                IdentityErrorReason.PAYLOAD_TOO_LONG, f"{len(raw)} bytes, limit {MAX_PAYLOAD_BYTES}"
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise IdentityError(
                IdentityErrorReason.NOT_UTF8, f"invalid UTF-8 at byte {exc.start}"
            ) from None
    else:
        text = raw
    text = repair_mojibake(text.removeprefix("\ufeff"))
    text = unicodedata.normalize("NFC", text).strip("\r\n\x00 ")
    if len(text.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise IdentityError(
            IdentityErrorReason.PAYLOAD_TOO_LONG,
            f"{len(text.encode('utf-8'))} bytes, limit {MAX_PAYLOAD_BYTES}",
        )
    if "\ufffd" in text:
        raise IdentityError(
            IdentityErrorReason.NOT_UTF8, "payload holds U+FFFD: the reader dropped bytes"
        )
    return text


# --- validation ---------------------------------------------------------------------------------


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co", "Cn"} for c in text)


def _parse_date(value: str, reason: IdentityErrorReason, what: str) -> date:
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise IdentityError(reason, f"{what} must be 8 digits ddmmyyyy, got {len(value)} chars")
    try:
        return date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        raise IdentityError(reason, f"{what} is not a calendar date") from None


def _parse_sex(value: str) -> Sex:
    folded = unicodedata.normalize("NFD", value.strip().casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    if plain == "nam":
        return Sex.MALE
    if plain == "nu":
        return Sex.FEMALE
    raise IdentityError(IdentityErrorReason.SEX_INVALID, "sex must be 'Nam' or 'Nữ'")


def _is_name_char(char: str) -> bool:
    return unicodedata.category(char)[0] in {"L", "M"} or char in " '-."


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if len(name) > MAX_NAME_CHARS:
        raise IdentityError(
            IdentityErrorReason.FIELD_TOO_LONG,
            f"name has {len(name)} chars, limit {MAX_NAME_CHARS}",
        )
    if not name or not any(c.isalpha() for c in name) or not all(map(_is_name_char, name)):
        raise IdentityError(
            IdentityErrorReason.NAME_INVALID, "name must be letters, spaces, ' - or ."
        )
    return name


def _check_id_consistency(id_number: str, born: date, sex: Sex) -> None:
    digit = int(id_number[3])
    expected_century = 1900 + 100 * (digit // 2)
    if not expected_century <= born.year < expected_century + 100:
        raise IdentityError(
            IdentityErrorReason.CENTURY_MISMATCH,
            f"century digit {digit} means born {expected_century}-{expected_century + 99}, "
            f"date of birth is in {born.year}",
        )
    if (digit % 2 == 1) != (sex is Sex.FEMALE):
        raise IdentityError(
            IdentityErrorReason.SEX_DIGIT_MISMATCH,
            f"century/sex digit {digit} is {'odd' if digit % 2 else 'even'} but sex is {sex.label}",
        )
    if id_number[4:6] != f"{born.year % 100:02d}":
        raise IdentityError(
            IdentityErrorReason.BIRTH_YEAR_MISMATCH,
            f"birth-year digits {id_number[4:6]} do not match year of birth {born.year}",
        )


def parse_identity(raw: bytes | str, *, today: date) -> Identity:
    """Parse and validate a CCCD/VNeID QR payload; raises IdentityError with the first problem.

    ``today`` is injected so that "issued in the future" is judged against the kiosk's clock.
    """
    text = decode_payload(raw)
    if not text:
        raise IdentityError(IdentityErrorReason.EMPTY, "empty payload")
    if _has_control(text):
        raise IdentityError(IdentityErrorReason.CONTROL_CHARACTERS, "payload has control chars")
    fields = [f.strip() for f in text.split(FIELD_SEPARATOR)]
    if len(fields) < FIELD_COUNT:
        raise IdentityError(
            IdentityErrorReason.TOO_FEW_FIELDS, f"{len(fields)} fields, need {FIELD_COUNT}"
        )
    # Extra trailing fields are tolerated: newer cards and the app may append data we ignore.
    id_number, old_id, name, born_s, sex_s, address, issued_s = fields[:FIELD_COUNT]

    if len(id_number) != 12 or not id_number.isascii() or not id_number.isdigit():
        raise IdentityError(
            IdentityErrorReason.ID_NUMBER_FORMAT,
            f"ID number must be 12 digits, got {len(id_number)} chars",
        )
    if id_number[:3] not in PROVINCES:
        raise IdentityError(
            IdentityErrorReason.PROVINCE_UNKNOWN,
            f"province code {id_number[:3]} is not in Circular 07/2016/TT-BCA",
        )
    # Old ID cards (CMND) had 9 digits; a late series had 12.
    if old_id and not (old_id.isascii() and old_id.isdigit() and len(old_id) in {9, 12}):
        raise IdentityError(
            IdentityErrorReason.OLD_ID_NUMBER_FORMAT,
            f"old ID number must be empty, 9 or 12 digits, got {len(old_id)} chars",
        )
    full_name = _check_name(name)
    born = _parse_date(born_s, IdentityErrorReason.BIRTH_DATE_INVALID, "date of birth")
    if born > today:
        raise IdentityError(
            IdentityErrorReason.BIRTH_DATE_IN_FUTURE, "date of birth is after today"
        )
    sex = _parse_sex(sex_s)
    _check_id_consistency(id_number, born, sex)

    address = " ".join(address.split())
    if len(address) > MAX_ADDRESS_CHARS:
        raise IdentityError(
            IdentityErrorReason.FIELD_TOO_LONG,
            f"address has {len(address)} chars, limit {MAX_ADDRESS_CHARS}",
        )
    if not address:
        raise IdentityError(IdentityErrorReason.ADDRESS_INVALID, "address is empty")

    issued = _parse_date(issued_s, IdentityErrorReason.ISSUE_DATE_INVALID, "issue date")
    if issued > today:
        raise IdentityError(IdentityErrorReason.ISSUE_DATE_IN_FUTURE, "issue date is after today")
    if issued < born:
        raise IdentityError(
            IdentityErrorReason.ISSUE_DATE_BEFORE_BIRTH, "issue date is before date of birth"
        )
    return Identity(
        id_number=id_number,
        old_id_number=old_id or None,
        full_name=full_name,
        date_of_birth=born,
        sex=sex,
        address=address,
        issue_date=issued,
    )
