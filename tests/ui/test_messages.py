"""The message keys: every reason the core, the devices and the outbox report has a translation id
(``ui.messages``), both translation files hold every id with the right placeholders, English is
English, and the Vietnamese of each id is exactly the sentence in ``BEFORE``: captured from the
core on 2026-12-06 just before it handed over reasons only (so that switch changed no wording),
then changed only where the copy review of the journey redesign (issue 12) reworded a sentence
or added one. A wording change is made here and in the translation file together."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
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
from kiosk.gateway_services import StatusKind, StatusLookup
from kiosk.identity import IdentityError, IdentityErrorReason, IdentityProblem, citizen_problem
from kiosk.journey import (
    CallStaff,
    EnterCode,
    JourneyNotice,
    Notice,
    PageScanned,
    PrintFinished,
    Proceed,
    QrScanned,
    RejectReason,
    State,
)
from kiosk.ports import InMemoryQueue, QueueError
from kiosk.scanning import ScanNotice
from offline_queue.errors import QueueFullError, StoreFailure
from offline_queue.store import ErrorKind
from offline_queue.transport import GatewayError
from tests.kiosk.conftest import MONDAY_MORNING, Harness
from tests.kiosk.test_journey import drive_to, send
from ui.i18n import translation_file
from ui.messages import (
    NO_SENTENCE,
    REASON_ENUMS,
    SLIP_NOT_PRINTED_ID,
    STAFF_CALLED_ID,
    MessageSpec,
    Reason,
    all_ids,
    all_messages,
    arguments,
    fill,
    has_message,
    merge_tables,
    message_id,
    message_spec,
    say,
    sentences,
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
    """What the screens show for ``reason`` in Vietnamese."""
    return fill(VI[message_id(reason)], arguments(reason, values or {}))


# What the core worded for each reason just before the switch, as literal data (``{name}`` are
# the values). The Vietnamese translation of each reason's id must read exactly so.
BEFORE: dict[Reason, str] = {
    RejectReason.NOT_ALLOWED_HERE: "Thao tác này không dùng được ở bước này.",
    RejectReason.UNKNOWN_PROCEDURE: "Không tìm thấy thủ tục này. Xin chọn lại.",
    RejectReason.UNKNOWN_FIELD: "Không có ô thông tin này.",
    # Issue 12: errors are marked by a sign, not by colour alone; the sentence names the sign.
    RejectReason.FORM_INVALID: "Còn thông tin chưa đúng. Xin xem dòng có dấu ⚠.",
    RejectReason.FIELD_FROM_CARD: (
        "Thông tin này lấy từ thẻ căn cước, không sửa được ở đây. Nếu sai, xin gọi cán bộ."
    ),
    RejectReason.CARD_DATA_INVALID: (
        "Thông tin trên thẻ chưa dùng được cho hồ sơ này. Xin bấm Gọi cán bộ để được giúp."
    ),
    RejectReason.NOTHING_TO_UNDO: "Không còn trang nào để lấy lại.",
    RejectReason.NO_SUCH_DOCUMENT: "Không có giấy tờ này trong danh sách.",
    RejectReason.NO_SUCH_PAGE: "Không có trang này.",
    RejectReason.PAGE_UNREADABLE: "Không đọc được trang vừa quét. Xin quét lại.",
    RejectReason.WRONG_CODE: "Mã xác nhận chưa đúng. Xin nhập lại.",
    RejectReason.NEW_CODE_ISSUED: "Nhập sai nhiều lần. Máy đã tạo mã xác nhận mới.",
    RejectReason.SUBMISSION_IN_PROGRESS: "Máy đang lưu hồ sơ, xin chờ trong giây lát.",
    RejectReason.INVALID_RATING: "Xin chọn từ 1 đến 5.",
    RejectReason.DOCUMENT_MISSING: "Chưa quét giấy tờ bắt buộc: {document}.",
    RejectReason.TOO_MANY_PAGES: (
        "Giấy tờ này nhiều nhất {max_pages} trang. Xin bỏ bớt trang thừa."
    ),
    # The journey worded these two from the identity's group and the outbox's failure; when
    # neither came along, they read as the group INVALID and the failure NOT_STORED.
    RejectReason.IDENTITY_INVALID: (
        "Thông tin trong mã QR không đúng. Xin bấm nút Gọi cán bộ để được giúp."
    ),
    RejectReason.STORAGE_FAILED: (
        "Máy chưa lưu được hồ sơ của ông/bà. Xin bấm nút Gọi cán bộ để được hỗ trợ; "
        "thông tin ông/bà đã nhập vẫn được giữ."
    ),
    JourneyNotice.STAFF_CALLED: "Đã gọi cán bộ. Xin ông/bà chờ trong giây lát.",
    JourneyNotice.SLIP_NOT_PRINTED: (
        "Máy chưa in được phiếu hẹn. Xin chụp ảnh mã hồ sơ trên màn hình "
        "hoặc bấm Gọi cán bộ để được in lại."
    ),
    FieldReason.CONTROL_CHARACTERS: "{label}: có ký tự không hợp lệ.",
    FieldReason.TOO_LONG: "{label}: không quá {max_length} ký tự.",
    FieldReason.TOO_SHORT: "{label}: cần ít nhất {min_length} ký tự.",
    FieldReason.REQUIRED: "Xin nhập {label}.",
    FieldReason.CHOICE_REQUIRED: "Xin chọn {label}.",
    FieldReason.CHOICE_UNKNOWN: "Xin chọn {label}.",
    FieldReason.DATE_INVALID: (
        "{label}: ngày không đúng. Xin nhập ngày/tháng/năm, ví dụ 05/09/1980."
    ),
    FieldReason.DATE_IN_FUTURE: "{label}: không được sau ngày hôm nay.",
    FieldReason.YEAR_INVALID: "{label}: năm không đúng.",
    FieldReason.DIGITS_ONLY: "{label}: chỉ gồm chữ số.",
    FieldReason.EMAIL_INVALID: "{label}: địa chỉ thư điện tử không đúng, ví dụ ten@gmail.com.",
    FieldReason.ID_NUMBER_FORMAT: "{label}: gồm đúng 12 chữ số.",
    FieldReason.ID_NUMBER_PROVINCE: "{label}: ba chữ số đầu không đúng mã tỉnh.",
    FieldReason.NUMBER_ONLY: "{label}: chỉ nhập số.",
    FieldReason.BELOW_MINIMUM: "{label}: ít nhất là {min_value}.",
    FieldReason.ABOVE_MAXIMUM: "{label}: nhiều nhất là {max_value}.",
    FieldReason.NAME_INVALID: "{label}: chỉ gồm chữ cái, không có chữ số hay ký hiệu.",
    FieldReason.PATTERN_MISMATCH: "{label}: không đúng.",
    FieldReason.CATALOG_RULE: "{message}",
    IdentityProblem.UNREADABLE: (
        "Không đọc được mã QR. Xin mở lại mã QR trên ứng dụng VNeID hoặc đưa mặt sau "
        "thẻ căn cước lại gần máy đọc."
    ),
    IdentityProblem.NOT_IDENTITY_CODE: (
        "Mã vừa quét không phải mã QR của thẻ căn cước hoặc VNeID. Xin quét đúng mã QR."
    ),
    IdentityProblem.INVALID: (
        "Thông tin trong mã QR không đúng. Xin bấm nút Gọi cán bộ để được giúp."
    ),
    StatusKind.INVALID_CODE: (
        "Mã hồ sơ không đúng. Xin kiểm tra lại mã in trên giấy hẹn, ví dụ "
        "H15.50.05.13-261123-0001, hoặc đưa mã QR trên giấy hẹn lại gần máy đọc."
    ),
    StatusKind.NOT_FOUND: (
        "Chưa tìm thấy hồ sơ có mã này. Hồ sơ vừa nộp tại máy có thể chưa được chuyển lên "
        "hệ thống; xin thử lại sau hoặc bấm nút Gọi cán bộ để được hỗ trợ."
    ),
    StatusKind.OFFLINE: (
        "Hiện chưa kết nối được với hệ thống dịch vụ công nên chưa tra cứu được. "
        "Xin thử lại sau ít phút hoặc bấm nút Gọi cán bộ để được hỗ trợ."
    ),
    ProcessingStatus.RECEIVED: "Đã tiếp nhận",
    ProcessingStatus.PROCESSING: "Đang giải quyết",
    ProcessingStatus.ADDITIONAL_DOCUMENTS_REQUIRED: "Cần bổ sung giấy tờ",
    ProcessingStatus.READY: "Đã có kết quả, mời ông/bà đến nhận",
    ProcessingStatus.RETURNED: "Đã trả kết quả",
    ProcessingStatus.REJECTED: "Không được giải quyết",
    DeviceFault.UNPLUGGED: "Thiết bị đang tạm ngừng. Xin bấm nút Gọi cán bộ để được hỗ trợ.",
    DeviceFault.BUSY: "Thiết bị đang bận. Xin chờ trong giây lát rồi thử lại.",
    DeviceFault.PAPER_OUT: "Máy in đã hết giấy. Xin bấm nút Gọi cán bộ để được hỗ trợ.",
    DeviceFault.PAPER_NEAR_END: "Máy in sắp hết giấy.",
    DeviceFault.COVER_OPEN: "Nắp máy đang mở. Xin đóng nắp lại rồi thử lại.",
    DeviceFault.JAMMED: "Giấy bị kẹt trong máy quét. Xin gọi cán bộ để lấy giấy ra.",
    DeviceFault.NO_DOCUMENTS: "Chưa có giấy trong khay. Xin đặt giấy tờ vào khay quét.",
    DeviceFault.IO_ERROR: "Thiết bị gặp lỗi. Xin thử lại hoặc bấm nút Gọi cán bộ.",
    DeviceFault.CANCELLED: "Đã dừng quét.",
    DeviceFault.TIMEOUT: "Thiết bị không trả lời. Xin thử lại hoặc bấm nút Gọi cán bộ.",
    DeviceFault.UNSUPPORTED: "Thiết bị không hỗ trợ thao tác này. Xin gọi cán bộ.",
    # A slip that could not be drawn had no sentence of its own: the failed-print notice.
    DeviceFault.RENDERING: (
        "Máy chưa in được phiếu hẹn. Xin chụp ảnh mã hồ sơ trên màn hình "
        "hoặc bấm Gọi cán bộ để được in lại."
    ),
    StoreFailure.NOT_STORED: (
        "Máy chưa lưu được hồ sơ của ông/bà. Xin bấm nút Gọi cán bộ để được hỗ trợ; "
        "thông tin ông/bà đã nhập vẫn được giữ."
    ),
    StoreFailure.DISK_FULL: (
        "Bộ nhớ của máy đã đầy nên chưa lưu được hồ sơ. Xin bấm nút Gọi cán bộ; "
        "thông tin ông/bà đã nhập vẫn được giữ."
    ),
    StoreFailure.UNAVAILABLE: (
        "Máy chưa lưu được hồ sơ của ông/bà. Xin bấm nút Gọi cán bộ để được hỗ trợ; "
        "thông tin ông/bà đã nhập vẫn được giữ."
    ),
    StoreFailure.REFUSED: (
        "Máy chưa lưu được hồ sơ của ông/bà. Xin bấm nút Gọi cán bộ để được hỗ trợ; "
        "thông tin ông/bà đã nhập vẫn được giữ."
    ),
}


def before(reason: Reason, values: Mapping[str, str] | None = None) -> str:
    """The sentence the core worded for ``reason`` with ``values`` before the switch."""
    return BEFORE[reason].format_map(values or {})


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


# --- the Vietnamese reads as before the switch --------------------------------------------------


def test_every_sentence_that_existed_before_is_captured() -> None:
    # Every reason with a sentence, but the scan step's own notices (translated by the screen
    # before the switch already, test below), has its wording from before the switch.
    worded = {entry.member for entry in all_messages()} - set(ScanNotice)
    assert worded == set(BEFORE)


@pytest.mark.parametrize("reason", list(BEFORE), ids=lambda r: f"{type(r).__name__}.{r.name}")
def test_each_reason_reads_as_before(reason: Reason) -> None:
    names = message_spec(reason).params
    values = {name: f"<{name}>" for name in names}
    assert vietnamese(reason, values) == before(reason, values)


def test_the_qt_free_reader_reads_the_vietnamese_file_as_the_screens_do() -> None:
    texts = sentences(Language.VI)
    for entry in all_messages():
        values = {name: name.upper() for name in entry.spec.params}
        assert say(entry.member, values, texts) == vietnamese(entry.member, values)


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


def notice_vi(notice: Notice | None) -> str:
    assert notice is not None
    return vietnamese(notice.reason, notice.params)


def test_journey_refusals_with_values_read_as_before(harness: Harness) -> None:
    journey = harness.kiosk.journey
    drive_to(harness, State.SCAN)
    document = journey.snapshot().documents[0].document
    outcome = journey.dispatch(Proceed())
    assert outcome.reason is RejectReason.DOCUMENT_MISSING
    assert outcome.notice == Notice(RejectReason.DOCUMENT_MISSING, {"document": document.name})
    assert notice_vi(outcome.notice) == f"Chưa quét giấy tờ bắt buộc: {document.name}."
    for number in range(document.max_pages):
        send(harness, PageScanned(harness.page(f"p{number}.png")))
    outcome = journey.dispatch(PageScanned(harness.page("extra.png")))
    assert outcome.reason is RejectReason.TOO_MANY_PAGES
    assert notice_vi(outcome.notice) == before(
        RejectReason.TOO_MANY_PAGES, {"max_pages": str(document.max_pages)}
    )
    assert journey.snapshot().notice == outcome.notice


def test_a_refusal_without_values_is_its_reason(harness: Harness) -> None:
    outcome = harness.kiosk.journey.dispatch(Proceed())  # nothing to go on to from attract
    assert outcome.reason is RejectReason.NOT_ALLOWED_HERE
    assert outcome.notice == Notice(RejectReason.NOT_ALLOWED_HERE)
    assert notice_vi(outcome.notice) == "Thao tác này không dùng được ở bước này."


def test_journey_notices_read_as_before(harness: Harness) -> None:
    journey = harness.kiosk.journey
    drive_to(harness, State.DONE)
    send(harness, CallStaff())
    assert journey.snapshot().notice == Notice(JourneyNotice.STAFF_CALLED)
    assert notice_vi(journey.snapshot().notice) == VI[STAFF_CALLED_ID]
    send(harness, PrintFinished(ok=False, detail="paper out"))
    assert journey.snapshot().notice == Notice(JourneyNotice.SLIP_NOT_PRINTED)
    assert notice_vi(journey.snapshot().notice) == VI[SLIP_NOT_PRINTED_ID]
    assert message_id(JourneyNotice.SLIP_NOT_PRINTED) == SLIP_NOT_PRINTED_ID


def test_a_refused_qr_reads_as_its_group_and_the_generic_refusal_as_invalid(
    harness: Harness,
) -> None:
    drive_to(harness, State.IDENTIFY)
    outcome = harness.kiosk.journey.dispatch(QrScanned(b"https://vneid.gov.vn"))
    assert outcome.reason is RejectReason.IDENTITY_INVALID
    assert outcome.notice == Notice(IdentityProblem.NOT_IDENTITY_CODE)
    assert notice_vi(outcome.notice) == before(IdentityProblem.NOT_IDENTITY_CODE)
    assert vietnamese(RejectReason.IDENTITY_INVALID) == vietnamese(IdentityProblem.INVALID)


def test_a_storage_failure_reads_as_before(harness: Harness) -> None:
    drive_to(harness, State.CONFIRM)
    harness.queue.fail_next = "disk broken"
    challenge = harness.kiosk.journey.snapshot().challenge
    assert challenge is not None and challenge.code is not None
    send(harness, EnterCode(challenge.code))
    notice = harness.kiosk.journey.snapshot().notice
    assert notice == Notice(StoreFailure.NOT_STORED)
    assert notice_vi(notice) == before(RejectReason.STORAGE_FAILED)
    assert vietnamese(RejectReason.STORAGE_FAILED) == vietnamese(StoreFailure.NOT_STORED)


def test_the_queue_error_carries_the_outbox_reason() -> None:
    assert QueueError("x").reason is StoreFailure.NOT_STORED
    assert QueueError("x", StoreFailure.DISK_FULL).reason is StoreFailure.DISK_FULL
    # Raised from the outbox's error, it takes that error's reason.
    try:
        try:
            raise QueueFullError("no room")
        except QueueFullError as exc:
            raise QueueError(str(exc)) from exc
    except QueueError as error:
        assert error.reason is StoreFailure.DISK_FULL
    assert not hasattr(QueueError("x"), "citizen_message")


@pytest.mark.parametrize("reason", list(IdentityErrorReason))
def test_identity_refusals_read_as_their_group(reason: IdentityErrorReason) -> None:
    error = IdentityError(reason, "detail")
    assert error.problem is citizen_problem(reason)
    assert vietnamese(error.problem) == before(error.problem)
    assert not hasattr(error, "citizen_message")


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
def test_field_problems_read_as_before(reason: FieldReason) -> None:
    field, raw = FIELD_CASES[reason]
    result = validate_field(field, raw, TODAY)
    assert result.problem is not None and result.problem.reason is reason
    assert set(result.problem.params) == set(message_spec(reason).params)
    assert vietnamese(reason, result.problem.params) == before(reason, result.problem.params)
    assert not hasattr(result, "error")


def test_lookup_answers_read_as_before() -> None:
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
        assert vietnamese(answer.kind) == before(kind)
        assert not hasattr(answer, "message")


@pytest.mark.parametrize("status", list(ProcessingStatus))
def test_processing_statuses_read_as_before(status: ProcessingStatus) -> None:
    assert vietnamese(status) == before(status)


@pytest.mark.parametrize("problem", list(DeviceProblem))
def test_device_troubles_read_as_before(problem: DeviceProblem) -> None:
    error = DeviceError(DeviceKind.SCANNER, problem, "t")
    trouble = DeviceTrouble.from_error(error)
    assert vietnamese(trouble.fault) == before(trouble.fault)
    assert not hasattr(trouble, "message") and not hasattr(error, "citizen_message")


def test_a_slip_that_cannot_be_drawn_reads_as_a_failed_print() -> None:
    # It never had a sentence of its own; the citizen reads the journey's failed-print notice.
    assert message_id(DeviceFault.RENDERING) == SLIP_NOT_PRINTED_ID


def test_scan_notices_keep_the_ids_the_scan_screen_uses() -> None:
    assert message_id(ScanNotice.ALL_BLANK) == "scan.blank"
    assert message_id(ScanNotice.DOCUMENT_FULL) == "scan.full"
    assert vietnamese(ScanNotice.ALL_BLANK) == VI["scan.blank"]


def test_two_enums_sharing_a_value_are_refused_not_merged_silently() -> None:
    class One(StrEnum):
        OUT = "paper_out"

    class Other(StrEnum):
        OUT = "paper_out"

    with pytest.raises(ValueError, match=r"Other\.OUT and One\.OUT share the value 'paper_out'"):
        merge_tables({One.OUT: MessageSpec("a")},
                              {Other.OUT: MessageSpec("b")})  # fmt: skip
    merged = merge_tables({One.OUT: MessageSpec("a")})
    assert merged == {One.OUT: MessageSpec("a")}
