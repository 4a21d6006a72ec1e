"""The message keys: every reason the core, the devices and the outbox report has a translation id
(``ui.messages``), both translation files hold every id with the right placeholders, English is
English, and the Vietnamese of each id is exactly what the core words today, so switching the
screens from the core's sentences to the ids changes no Vietnamese wording."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTranslator

from config.settings import Language, PathsSection, Settings
from drivers.errors import DeviceError, DeviceKind, DeviceProblem
from dvc_common.catalog import Choice, FieldType, FormField
from dvc_common.clock import FakeClock
from dvc_common.protocol import ProcessingStatus
from kiosk.app import build_kiosk
from kiosk.faults import DeviceFault, DeviceTrouble
from kiosk.forms import FieldReason, validate_field
from kiosk.gateway_services import StatusKind, StatusLookup, status_label
from kiosk.identity import IdentityError, IdentityErrorReason, IdentityProblem, citizen_problem
from kiosk.journey import (
    _MESSAGES,
    CallStaff,
    EnterCode,
    PageScanned,
    PrintFinished,
    Proceed,
    QrScanned,
    RejectReason,
    State,
)
from kiosk.outbox import citizen_message as outbox_sentence
from kiosk.ports import DEFAULT_STORAGE_MESSAGE, InMemoryQueue
from kiosk.scanning import ScanNotice
from offline_queue.errors import StoreFailure
from offline_queue.store import ErrorKind
from offline_queue.transport import GatewayError
from tests.kiosk.conftest import MONDAY_MORNING, Harness
from tests.kiosk.test_journey import drive_to, send
from ui.i18n import translation_file
from ui.messages import (
    NO_SENTENCE,
    NOTICE_IDS,
    REASON_ENUMS,
    SLIP_NOT_PRINTED_ID,
    STAFF_CALLED_ID,
    Reason,
    all_ids,
    all_messages,
    arguments,
    fill,
    has_message,
    message_id,
    message_spec,
)

PLACEHOLDER = re.compile(r"%([0-9]+)")
VIETNAMESE_LETTER = re.compile("[À-ỹĐđ]")
TODAY = date(2026, 11, 23)


def table(language: Language) -> dict[str, tuple[str, str]]:
    """id → (source, translation) as the .ts file holds them."""
    root = ET.parse(translation_file(language, ".ts")).getroot()  # noqa: S314 - our own file
    found = {}
    for message in root.iter("message"):
        source, translation = message.find("source"), message.find("translation")
        assert source is not None and translation is not None
        found[message.attrib["id"]] = (source.text or "", translation.text or "")
    return found


VI = {key: translation for key, (_, translation) in table(Language.VI).items()}
EN = {key: translation for key, (_, translation) in table(Language.EN).items()}


def vietnamese(reason: Reason, values: Mapping[str, str] | None = None) -> str:
    """What the screens will show for ``reason`` in Vietnamese once they translate it."""
    return fill(VI[message_id(reason)], arguments(reason, values or {}))


# --- every reason has an id, every id a translation ------------------------------------------


def test_every_member_of_every_reason_enum_has_an_id_or_is_shown_otherwise() -> None:
    listed = {(entry.enum, entry.member) for entry in all_messages()}
    for enum in REASON_ENUMS:
        for member in enum:
            assert ((enum, member) in listed) is (member not in NO_SENTENCE), member
            assert has_message(member) is (member not in NO_SENTENCE)
    assert {StatusKind.FOUND} == NO_SENTENCE
    with pytest.raises(KeyError, match="FOUND"):
        message_id(StatusKind.FOUND)


def test_every_driver_problem_reaches_the_screens_as_a_fault_with_an_id() -> None:
    # The screens see kiosk.faults.DeviceFault, never the driver's enum.
    for problem in DeviceProblem:
        trouble = DeviceTrouble.from_error(DeviceError(DeviceKind.PRINTER, problem, "t"))
        assert message_id(trouble.fault) == f"reason.device.{problem.value}"


def test_ids_are_plain_and_a_shared_id_takes_the_same_values_everywhere() -> None:
    seen: dict[str, tuple[str, ...]] = {}
    for entry in all_messages():
        assert re.fullmatch(r"[a-z]+(\.[a-z_]+)+", entry.spec.id), entry.spec.id
        assert seen.setdefault(entry.spec.id, entry.spec.params) == entry.spec.params
    prefixes = {entry.spec.id.rsplit(".", 1)[0] for entry in all_messages()}
    assert prefixes == {
        "reason.journey",
        "reason.field",
        "reason.identity",
        "reason.lookup",
        "status.processing",
        "reason.device",
        "reason.outbox",
        "notice.journey",
        "scan",
    }


@pytest.mark.parametrize("language", list(Language))
def test_every_id_is_in_both_files_with_its_placeholders(language: Language) -> None:
    texts = table(language)
    for key, params in all_ids().items():
        assert key in texts, f"{key} missing from kiosk_{language.value}.ts"
        source, translation = texts[key]
        assert translation.strip(), key
        expected = {str(n) for n in range(1, len(params) + 1)}
        assert set(PLACEHOLDER.findall(translation)) == expected, (key, translation)
        assert set(PLACEHOLDER.findall(source)) == expected, (key, source)


def test_english_has_no_vietnamese_letters() -> None:
    offenders = {key: EN[key] for key in all_ids() if VIETNAMESE_LETTER.search(EN[key])}
    assert offenders == {}


def test_the_compiled_files_translate_the_ids() -> None:
    # The path the screens take: Qt's own lookup by id in the compiled .qm.
    for language, expected in ((Language.VI, VI), (Language.EN, EN)):
        translator = QTranslator()
        assert translator.load(str(translation_file(language)))
        for key in all_ids():
            assert translator.translate("", key) == expected[key], key


def test_values_are_checked_and_filled_in_order() -> None:
    assert arguments(FieldReason.TOO_LONG, {"max_length": "5", "label": "Tên"}) == ("Tên", "5")
    with pytest.raises(ValueError, match="TOO_LONG"):
        arguments(FieldReason.TOO_LONG, {"label": "Tên"})
    assert fill("%1: không quá %2 ký tự.", ("Tên", "5")) == "Tên: không quá 5 ký tự."
    assert fill("%2 then %1, %3 stays", ("a", "b")) == "b then a, %3 stays"
    assert message_spec(RejectReason.DOCUMENT_MISSING).params == ("document",)


# --- the Vietnamese is what the core says today ---------------------------------------------


@pytest.mark.parametrize("reason", sorted(_MESSAGES))
def test_journey_refusals_read_as_today(reason: RejectReason) -> None:
    assert vietnamese(reason) == _MESSAGES[reason]


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    settings = Settings.model_validate(
        {
            "paths": PathsSection(
                data_dir=tmp_path / "data", scratch_dir=tmp_path / "scratch"
            ).model_dump()
        }
    )
    clock = FakeClock(MONDAY_MORNING)
    queue = InMemoryQueue()
    return Harness(build_kiosk(settings, clock=clock, queue=queue), clock, queue, tmp_path)


def test_journey_sentences_with_values_read_as_today(harness: Harness) -> None:
    journey = harness.kiosk.journey
    drive_to(harness, State.SCAN)
    document = journey.snapshot().documents[0].document
    outcome = journey.dispatch(Proceed())
    assert outcome.reason is RejectReason.DOCUMENT_MISSING
    assert outcome.message == vietnamese(outcome.reason, {"document": document.name})
    for number in range(document.max_pages):
        send(harness, PageScanned(harness.page(f"p{number}.png")))
    outcome = journey.dispatch(PageScanned(harness.page("extra.png")))
    assert outcome.reason is RejectReason.TOO_MANY_PAGES
    assert outcome.message == vietnamese(outcome.reason, {"max_pages": str(document.max_pages)})


def test_journey_notices_without_an_enum_read_as_today(harness: Harness) -> None:
    journey = harness.kiosk.journey
    drive_to(harness, State.DONE)
    send(harness, CallStaff())
    assert journey.snapshot().message == VI[STAFF_CALLED_ID]
    send(harness, PrintFinished(ok=False, detail="paper out"))
    assert journey.snapshot().message == VI[SLIP_NOT_PRINTED_ID]
    assert set(NOTICE_IDS) == {STAFF_CALLED_ID, SLIP_NOT_PRINTED_ID}


def test_a_refused_qr_reads_as_its_group_and_the_generic_refusal_as_invalid(
    harness: Harness,
) -> None:
    drive_to(harness, State.IDENTIFY)
    outcome = harness.kiosk.journey.dispatch(QrScanned(b"https://vneid.gov.vn"))
    assert outcome.reason is RejectReason.IDENTITY_INVALID
    assert outcome.message == vietnamese(IdentityProblem.NOT_IDENTITY_CODE)
    assert vietnamese(RejectReason.IDENTITY_INVALID) == vietnamese(IdentityProblem.INVALID)


def test_a_storage_failure_reads_as_today(harness: Harness) -> None:
    drive_to(harness, State.CONFIRM)
    harness.queue.fail_next = "disk broken"
    challenge = harness.kiosk.journey.snapshot().challenge
    assert challenge is not None and challenge.code is not None
    send(harness, EnterCode(challenge.code))
    assert harness.kiosk.journey.snapshot().message == vietnamese(RejectReason.STORAGE_FAILED)
    assert vietnamese(RejectReason.STORAGE_FAILED) == DEFAULT_STORAGE_MESSAGE


@pytest.mark.parametrize("failure", list(StoreFailure))
def test_outbox_failures_read_as_today(failure: StoreFailure) -> None:
    assert vietnamese(failure) == outbox_sentence(failure)


@pytest.mark.parametrize("reason", list(IdentityErrorReason))
def test_identity_refusals_read_as_today(reason: IdentityErrorReason) -> None:
    error = IdentityError(reason, "detail")
    assert error.problem is citizen_problem(reason)
    assert vietnamese(error.problem) == error.citizen_message


def _field(type_: FieldType, **kwargs: Any) -> FormField:
    return FormField(name="truong_thu", label="Trường thử", type=type_, **kwargs)


_CHOICES = (Choice(value="nam", label="Nam"), Choice(value="nu", label="Nữ"))
# One input per reason that makes the validator give that reason.
FIELD_CASES: dict[FieldReason, tuple[FormField, str]] = {
    FieldReason.CONTROL_CHARACTERS: (_field(FieldType.TEXT), "a\x01b"),
    FieldReason.TOO_LONG: (_field(FieldType.TEXT, max_length=5), "abcdefgh"),
    FieldReason.TOO_SHORT: (_field(FieldType.TEXT, min_length=3), "ab"),
    FieldReason.REQUIRED: (_field(FieldType.TEXT), ""),
    FieldReason.CHOICE_REQUIRED: (_field(FieldType.CHOICE, choices=_CHOICES), ""),
    FieldReason.CHOICE_UNKNOWN: (_field(FieldType.CHOICE, choices=_CHOICES), "khac"),
    FieldReason.DATE_INVALID: (_field(FieldType.DATE), "31/02/2020"),
    FieldReason.DATE_IN_FUTURE: (_field(FieldType.DATE, not_in_future=True), "01/01/2030"),
    FieldReason.YEAR_INVALID: (_field(FieldType.DATE), "01/01/1800"),
    FieldReason.DIGITS_ONLY: (_field(FieldType.PHONE), "09a"),
    FieldReason.EMAIL_INVALID: (_field(FieldType.EMAIL), "ten@"),
    FieldReason.ID_NUMBER_FORMAT: (_field(FieldType.ID_NUMBER), "123"),
    FieldReason.ID_NUMBER_PROVINCE: (_field(FieldType.ID_NUMBER), "000123456789"),
    FieldReason.NUMBER_ONLY: (_field(FieldType.INTEGER), "hai"),
    FieldReason.BELOW_MINIMUM: (_field(FieldType.INTEGER, min_value=2), "1"),
    FieldReason.ABOVE_MAXIMUM: (_field(FieldType.INTEGER, max_value=5), "9"),
    FieldReason.NAME_INVALID: (_field(FieldType.NAME), "An 2"),
    # The catalog refuses a pattern without words; a field built past that check gets these.
    FieldReason.PATTERN_MISMATCH: (
        _field(FieldType.TEXT, pattern="^[0-9]+$", pattern_message="x").model_copy(
            update={"pattern_message": None}
        ),
        "abc",
    ),
    FieldReason.CATALOG_RULE: (
        _field(FieldType.TEXT, pattern="^[0-9]+$", pattern_message="Chỉ gồm chữ số."),
        "abc",
    ),
}


def test_every_field_reason_has_a_sample() -> None:
    assert set(FIELD_CASES) == set(FieldReason)


@pytest.mark.parametrize("reason", list(FieldReason))
def test_field_problems_read_as_today(reason: FieldReason) -> None:
    field, raw = FIELD_CASES[reason]
    result = validate_field(field, raw, TODAY)
    assert result.problem is not None and result.problem.reason is reason
    assert set(result.problem.params) == set(message_spec(reason).params)
    assert vietnamese(reason, result.problem.params) == result.error


def test_lookup_answers_read_as_today() -> None:
    class Failing:
        def __init__(self, status: int | None) -> None:
            self.status = status

        def call(self, *_: object, **__: object) -> Any:
            raise GatewayError(ErrorKind.PERMANENT, "no", status=self.status)

    code = "H15.50.05.13-261123-0001"
    answers = {
        StatusKind.INVALID_CODE: StatusLookup(Failing(None)).lookup("not a code"),
        StatusKind.NOT_FOUND: StatusLookup(Failing(404)).lookup(code),
        StatusKind.OFFLINE: StatusLookup(Failing(503)).lookup(code),
    }
    for kind, answer in answers.items():
        assert answer.kind is kind
        assert vietnamese(kind) == answer.message


@pytest.mark.parametrize("status", list(ProcessingStatus))
def test_processing_statuses_read_as_today(status: ProcessingStatus) -> None:
    assert vietnamese(status) == status_label(status)


@pytest.mark.parametrize("problem", list(DeviceProblem))
def test_device_troubles_read_as_today(problem: DeviceProblem) -> None:
    trouble = DeviceTrouble.from_error(DeviceError(DeviceKind.SCANNER, problem, "t"))
    assert vietnamese(trouble.fault) == trouble.message


def test_a_slip_that_cannot_be_drawn_reads_as_a_failed_print() -> None:
    # Today it has no sentence of its own (the trouble's message is empty); the citizen reads
    # the journey's failed-print notice.
    assert message_id(DeviceFault.RENDERING) == SLIP_NOT_PRINTED_ID


def test_scan_notices_keep_the_ids_the_scan_screen_uses() -> None:
    assert message_id(ScanNotice.ALL_BLANK) == "scan.blank"
    assert message_id(ScanNotice.DOCUMENT_FULL) == "scan.full"
