"""The citizen journey state machine: every transition, every guard, idle handling, wipes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from dvc_common.catalog import FieldType
from kiosk.document_check import DocumentCheck, DocumentVerdict
from kiosk.dossier import Verification
from kiosk.forms import page_fields
from kiosk.journey import (
    QUIET_EXIT_STATES,
    READING_STATES,
    WARNED_STATES,
    AddressSuggestion,
    Back,
    CallStaff,
    Cancel,
    ChooseProcedure,
    DocumentChecked,
    Edit,
    EnterCode,
    Event,
    IdentityChecked,
    KeepDocument,
    PageScanned,
    PrintFinished,
    PrintStatus,
    Proceed,
    QrScanned,
    Rate,
    RejectReason,
    RemovePage,
    ReplacePage,
    RescanDocument,
    ResendCode,
    ReviewSection,
    SelectDocument,
    SetField,
    ShowCodeOnScreen,
    Start,
    State,
    Tick,
    Touch,
    UndoRemove,
    transitions,
)
from kiosk.ports import ConfirmationChallenge, ConfirmationChannel
from kiosk.steps import JourneyStep, StepPosition, step_position
from simulators.text_demo import sample_answer
from tests.kiosk.conftest import FEMALE_QR, MALE_QR, Harness
from tests.kiosk.vietnamese import notice_vi, vietnamese

BIRTH = "1.001193"  # one mandatory scanned document (Giấy chứng sinh) and optional ones
WARN_AFTER = 90
READ_AT_LENGTH = 180  # the quiet time on the screens read at length
COUNTDOWN = 30


def send(h: Harness, event: Event, *, accepted: bool = True) -> None:
    outcome = h.kiosk.journey.dispatch(event)
    assert outcome.accepted is accepted, outcome


# The harness's citizen is a relative of the child, not a parent: every document is asked of
# them (a parent is not asked for the power of attorney), and no answer is copied.
ANSWERS = {"relationship": "khac"}


def fill_required(h: Harness) -> None:
    """Answer the required fields of the form page on screen that are still empty."""
    snapshot = h.kiosk.journey.snapshot()
    assert snapshot.procedure is not None
    for field in page_fields(snapshot.procedure, snapshot.form_page, snapshot.form_input):
        # Required answers, and a phone number (optional: not everyone has one).
        wanted = field.required or field.type is FieldType.PHONE
        if wanted and not snapshot.form_input.get(field.name):
            answer = ANSWERS.get(field.name) or sample_answer(field, h.clock.now().date())
            send(h, SetField(field.name, answer))


def complete_form(h: Harness) -> None:
    """Answer every page of the form, one page at a time, as the screens ask."""
    journey = h.kiosk.journey
    while journey.state is State.FORM:
        fill_required(h)
        send(h, Proceed())


def scan_mandatory_and_continue(h: Harness) -> None:
    journey = h.kiosk.journey
    while journey.state is State.SCAN:
        snapshot = journey.snapshot()
        current = snapshot.documents[snapshot.document_index]
        if current.document.mandatory and not current.pages:
            send(h, PageScanned(h.page(f"{current.document.code}.png")))
        send(h, Proceed())


def drive_to(h: Harness, target: State, procedure: str = BIRTH) -> None:
    """Walk the journey forward until ``target``, the way a citizen would."""
    journey = h.kiosk.journey
    if target is State.IDLE_WARNING:
        drive_to(h, State.FORM, procedure)
        h.clock.advance(WARN_AFTER)
        send(h, Tick())
        assert journey.state is State.IDLE_WARNING
        return
    steps: list[Callable[[], None]] = [
        lambda: send(h, Start()),
        lambda: send(h, ChooseProcedure(procedure)),
        lambda: send(h, Proceed()),
        lambda: send(h, QrScanned(FEMALE_QR.encode())),
        lambda: send(h, Proceed()),
        lambda: complete_form(h),
        lambda: scan_mandatory_and_continue(h),
        lambda: send(h, Proceed()),
        lambda: send(h, EnterCode(code(h))),
    ]
    for step in steps:
        if journey.state is target:
            return
        step()
    assert journey.state is target, journey.state


def warned_page(h: Harness) -> None:
    """A page of the document on screen, and the document check's warning about it."""
    journey = h.kiosk.journey
    journey.dispatch(PageScanned(h.page()))
    snapshot = journey.snapshot()
    assert snapshot.session_id is not None
    document = snapshot.documents[snapshot.document_index].document
    check = DocumentCheck(DocumentVerdict.OTHER_DOCUMENT, document.code, "Sổ hộ khẩu", 0)
    journey.dispatch(DocumentChecked(snapshot.session_id, check))


def code(h: Harness) -> str:
    challenge = h.kiosk.journey.snapshot().challenge
    assert challenge is not None and challenge.code is not None
    return challenge.code


def session_dirs(h: Harness) -> list[Path]:
    return sorted(h.kiosk.scratch.root.glob("session-*"))


# --- the whole journey --------------------------------------------------------------------------


def test_full_journey_queues_one_complete_dossier(harness: Harness) -> None:
    seen: list[State] = []
    harness.kiosk.journey.subscribe(lambda s: seen.append(s.state))
    drive_to(harness, State.DONE)
    send(harness, Rate(5, "Nhanh, dễ dùng"))

    assert harness.kiosk.journey.state is State.ATTRACT
    steps = [
        State.IDENTIFY,
        State.IDENTITY_CHECK,
        State.FORM,
        State.SCAN,
        State.REVIEW,
        State.CONFIRM,
    ]
    assert [s for s in dict.fromkeys(seen) if s in steps] == steps
    (dossier,) = harness.queue.dossiers
    assert dossier.procedure_code == BIRTH
    assert dossier.applicant.full_name == "TRẦN THỊ MẪU"
    assert dossier.receipt_number == "KIOSK01-261123-0001"
    assert dossier.is_provisional
    assert dossier.form["phone"] == "0912345678"
    assert dossier.form["applicant_birth_date"] == "1958-02-14"
    assert dossier.verification is Verification.PENDING
    # Same-day procedure received on a Monday morning: due the same day.
    assert dossier.due_date == dossier.received_at.date()
    (document,) = [d for d in dossier.documents if d.pages]
    assert len(document.pages) == 1
    stored = harness.queue.pages[dossier.client_uuid]
    assert stored[document.pages[0].sha256] == b"\x89PNG fake page"
    assert harness.queue.ratings[dossier.client_uuid].score == 5
    # The citizen has left: nothing of theirs remains in the scratch space.
    assert session_dirs(harness) == []


def test_three_day_procedure_gets_due_date_from_calendar(harness: Harness) -> None:
    drive_to(harness, State.DONE, procedure="1.004873")
    dossier = harness.kiosk.journey.snapshot().dossier
    assert dossier is not None
    # Received Monday 23/11/2026; Tuesday 24/11 is Ngày Văn hóa Việt Nam, a day off.
    assert dossier.due_date.isoformat() == "2026-11-27"


def test_receipt_numbers_continue_across_citizens(harness: Harness) -> None:
    for _ in range(2):
        drive_to(harness, State.DONE)
        send(harness, Proceed())
    assert [d.receipt_number for d in harness.queue.dossiers] == [
        "KIOSK01-261123-0001",
        "KIOSK01-261123-0002",
    ]
    assert len({d.client_uuid for d in harness.queue.dossiers}) == 2


# --- every row of the transition table ----------------------------------------------------------

# (state, event type) → (how to build the event, the state expected afterwards)
ROWS: dict[tuple[State, type], tuple[Callable[[Harness], Event], State]] = {
    (State.ATTRACT, Start): (lambda h: Start(), State.CHOOSE_PROCEDURE),
    (State.ATTRACT, ChooseProcedure): (lambda h: ChooseProcedure(BIRTH), State.PROCEDURE_DETAILS),
    (State.CHOOSE_PROCEDURE, ChooseProcedure): (
        lambda h: ChooseProcedure(BIRTH),
        State.PROCEDURE_DETAILS,
    ),
    (State.CHOOSE_PROCEDURE, Back): (lambda h: Back(), State.ATTRACT),
    (State.PROCEDURE_DETAILS, Proceed): (lambda h: Proceed(), State.IDENTIFY),
    (State.PROCEDURE_DETAILS, Back): (lambda h: Back(), State.CHOOSE_PROCEDURE),
    (State.IDENTIFY, QrScanned): (lambda h: QrScanned(MALE_QR.encode()), State.IDENTITY_CHECK),
    (State.IDENTIFY, Back): (lambda h: Back(), State.PROCEDURE_DETAILS),
    (State.IDENTITY_CHECK, Proceed): (lambda h: Proceed(), State.FORM),
    (State.IDENTITY_CHECK, Back): (lambda h: Back(), State.IDENTIFY),
    (State.FORM, SetField): (lambda h: SetField("phone", "0987654321"), State.FORM),
    (State.FORM, Proceed): (lambda h: (fill_required(h), Proceed())[1], State.FORM),
    (State.FORM, Back): (lambda h: Back(), State.IDENTITY_CHECK),
    (State.SCAN, SelectDocument): (lambda h: SelectDocument(1), State.SCAN),
    (State.SCAN, PageScanned): (lambda h: PageScanned(h.page()), State.SCAN),
    (State.SCAN, RemovePage): (
        lambda h: (h.kiosk.journey.dispatch(PageScanned(h.page())), RemovePage(0))[1],
        State.SCAN,
    ),
    (State.SCAN, ReplacePage): (
        lambda h: (
            h.kiosk.journey.dispatch(PageScanned(h.page())),
            ReplacePage(0, h.page("again.png")),
        )[1],
        State.SCAN,
    ),
    (State.SCAN, Proceed): (
        lambda h: (h.kiosk.journey.dispatch(PageScanned(h.page())), Proceed())[1],
        State.SCAN,
    ),
    (State.SCAN, UndoRemove): (
        lambda h: (
            h.kiosk.journey.dispatch(PageScanned(h.page())),
            h.kiosk.journey.dispatch(RemovePage(0)),
            UndoRemove(),
        )[2],
        State.SCAN,
    ),
    (State.SCAN, RescanDocument): (lambda h: (warned_page(h), RescanDocument())[1], State.SCAN),
    (State.SCAN, KeepDocument): (lambda h: (warned_page(h), KeepDocument())[1], State.SCAN),
    (State.SCAN, Back): (lambda h: Back(), State.FORM),
    (State.REVIEW, Edit): (lambda h: Edit(ReviewSection.FORM), State.FORM),
    (State.REVIEW, Proceed): (lambda h: Proceed(), State.CONFIRM),
    (State.REVIEW, Back): (lambda h: Back(), State.SCAN),
    (State.CONFIRM, EnterCode): (lambda h: EnterCode(code(h)), State.DONE),
    (State.CONFIRM, ResendCode): (lambda h: ResendCode(), State.CONFIRM),
    (State.CONFIRM, ShowCodeOnScreen): (lambda h: ShowCodeOnScreen(), State.CONFIRM),
    (State.CONFIRM, Back): (lambda h: Back(), State.REVIEW),
    (State.DONE, PrintFinished): (lambda h: PrintFinished(ok=True), State.DONE),
    (State.DONE, Proceed): (lambda h: Proceed(), State.ATTRACT),
    (State.DONE, Rate): (lambda h: Rate(5), State.ATTRACT),
}


def test_rows_cover_the_transition_table_exactly() -> None:
    assert set(ROWS) == set(transitions())


@pytest.mark.parametrize(
    ("state", "event_type"),
    list(ROWS),
    ids=lambda v: getattr(v, "value", getattr(v, "__name__", "")),
)
def test_each_transition(harness: Harness, state: State, event_type: type) -> None:
    drive_to(harness, state)
    build, expected = ROWS[(state, event_type)]
    event = build(harness)
    assert isinstance(event, event_type)
    send(harness, event)
    assert harness.kiosk.journey.state is expected


ALL_EVENTS: list[Event] = [
    Start(),
    ChooseProcedure(BIRTH),
    Proceed(),
    Back(),
    QrScanned(FEMALE_QR),
    SetField("phone", "0912345678"),
    SelectDocument(0),
    PageScanned(Path("/nonexistent")),
    RemovePage(0),
    ReplacePage(0, Path("/nonexistent")),
    UndoRemove(),
    RescanDocument(),
    KeepDocument(),
    Edit(ReviewSection.FORM),
    EnterCode("0000"),
    ResendCode(),
    ShowCodeOnScreen(),
    PrintFinished(ok=True),
    Rate(5),
]
RESTING_STATES = [s for s in State if s is not State.SUBMITTING]


@pytest.mark.parametrize("state", [s for s in RESTING_STATES if s is not State.IDLE_WARNING])
def test_events_outside_the_table_are_refused_without_change(
    harness: Harness, state: State
) -> None:
    drive_to(harness, state)
    table = transitions()
    for event in ALL_EVENTS:
        if (state, type(event)) in table:
            continue
        before = harness.kiosk.journey.snapshot()
        outcome = harness.kiosk.journey.dispatch(event)
        assert not outcome.accepted
        assert outcome.reason is RejectReason.NOT_ALLOWED_HERE
        after = harness.kiosk.journey.snapshot()
        assert after.state is state
        assert after.form_input == before.form_input
        assert after.documents == before.documents


# --- guards -------------------------------------------------------------------------------------


def test_unknown_procedure_is_refused(harness: Harness) -> None:
    drive_to(harness, State.CHOOSE_PROCEDURE)
    outcome = harness.kiosk.journey.dispatch(ChooseProcedure("9.999999"))
    assert outcome.reason is RejectReason.UNKNOWN_PROCEDURE
    assert harness.kiosk.journey.state is State.CHOOSE_PROCEDURE


def test_invalid_qr_stays_on_identify_with_vietnamese_message(harness: Harness) -> None:
    drive_to(harness, State.IDENTIFY)
    outcome = harness.kiosk.journey.dispatch(QrScanned(b"https://example.com/not-an-id"))
    assert outcome.reason is RejectReason.IDENTITY_INVALID
    assert "mã QR" in notice_vi(outcome.notice)
    assert harness.kiosk.journey.state is State.IDENTIFY
    assert harness.kiosk.journey.snapshot().identity is None


def test_identity_prefills_the_form(harness: Harness) -> None:
    drive_to(harness, State.FORM)
    form = harness.kiosk.journey.snapshot().form_input
    assert form["applicant_name"] == "TRẦN THỊ MẪU"
    assert form["applicant_birth_date"] == "14/02/1958"
    assert form["applicant_id_number"] == "001158000123"
    assert form["residence"] == "Phường Ba Đình, Hà Nội"


def test_invalid_form_cannot_leave_and_reports_each_field(harness: Harness) -> None:
    drive_to(harness, State.FORM)
    send(harness, SetField("phone", "12345"))
    outcome = harness.kiosk.journey.dispatch(Proceed())
    assert outcome.reason is RejectReason.FORM_INVALID
    problem = harness.kiosk.journey.snapshot().form_errors["phone"]
    assert "Số điện thoại di động" in vietnamese(problem.reason, problem.params)
    assert harness.kiosk.journey.state is State.FORM
    # Correcting a field clears its message at once.
    send(harness, SetField("phone", "0912345678"))
    assert "phone" not in harness.kiosk.journey.snapshot().form_errors


def test_unknown_form_field_is_refused(harness: Harness) -> None:
    drive_to(harness, State.FORM)
    outcome = harness.kiosk.journey.dispatch(SetField("not_a_field", "x"))
    assert outcome.reason is RejectReason.UNKNOWN_FIELD


def test_cannot_leave_scan_step_without_mandatory_document(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    outcome = harness.kiosk.journey.dispatch(Proceed())
    assert outcome.reason is RejectReason.DOCUMENT_MISSING
    assert "Giấy chứng sinh" in notice_vi(outcome.notice)
    assert harness.kiosk.journey.state is State.SCAN
    # Jumping to the last document does not help either.
    last = len(harness.kiosk.journey.snapshot().documents) - 1
    send(harness, SelectDocument(last))
    outcome = harness.kiosk.journey.dispatch(Proceed())
    assert outcome.reason is RejectReason.DOCUMENT_MISSING
    assert harness.kiosk.journey.state is State.SCAN
    assert harness.kiosk.journey.snapshot().document_index == 0


def test_optional_documents_can_be_skipped(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    send(harness, PageScanned(harness.page()))
    while harness.kiosk.journey.state is State.SCAN:
        send(harness, Proceed())
    assert harness.kiosk.journey.state is State.REVIEW


def test_removing_the_only_page_blocks_again(harness: Harness) -> None:
    drive_to(harness, State.REVIEW)
    send(harness, Edit(ReviewSection.DOCUMENTS, 0))
    page_path = harness.kiosk.journey.snapshot().documents[0].pages[0].path
    send(harness, RemovePage(0))
    assert page_path.exists()  # it can still be put back
    outcome = harness.kiosk.journey.dispatch(Proceed())
    assert outcome.reason is RejectReason.DOCUMENT_MISSING
    assert not page_path.exists()  # the citizen moved on: gone from the disk


def test_a_page_scanned_again_takes_the_old_ones_place(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    first, second = harness.page("p1.png", b"one"), harness.page("p2.png", b"two")
    send(harness, PageScanned(first))
    send(harness, PageScanned(second))
    again = harness.page("p1-again.png", b"one, legible this time")
    send(harness, ReplacePage(0, again))
    pages = harness.kiosk.journey.snapshot().documents[0].pages
    assert [p.path for p in pages] == [again, second]
    assert not first.exists()  # the unreadable scan is not kept
    assert harness.kiosk.journey.dispatch(ReplacePage(5, again)).reason is RejectReason.NO_SUCH_PAGE
    missing = harness.kiosk.journey.dispatch(ReplacePage(0, harness.root / "gone.png"))
    assert missing.reason is RejectReason.PAGE_UNREADABLE
    assert [p.path for p in harness.kiosk.journey.snapshot().documents[0].pages] == [again, second]


def test_page_limits_and_unreadable_pages(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    outcome = harness.kiosk.journey.dispatch(PageScanned(harness.root / "missing.png"))
    assert outcome.reason is RejectReason.PAGE_UNREADABLE
    limit = harness.kiosk.journey.snapshot().documents[0].document.max_pages
    for i in range(limit):
        send(harness, PageScanned(harness.page(f"p{i}.png")))
    outcome = harness.kiosk.journey.dispatch(PageScanned(harness.page("extra.png")))
    assert outcome.reason is RejectReason.TOO_MANY_PAGES
    assert len(harness.kiosk.journey.snapshot().documents[0].pages) == limit
    assert harness.kiosk.journey.dispatch(RemovePage(limit)).reason is RejectReason.NO_SUCH_PAGE
    assert harness.kiosk.journey.dispatch(SelectDocument(99)).reason is (
        RejectReason.NO_SUCH_DOCUMENT
    )


def test_edits_from_review_return_to_review(harness: Harness) -> None:
    drive_to(harness, State.REVIEW)
    send(harness, Edit(ReviewSection.FORM))
    send(harness, SetField("phone", "0987654321"))
    send(harness, Proceed())
    assert harness.kiosk.journey.state is State.REVIEW
    send(harness, Edit(ReviewSection.DOCUMENTS, 0))
    send(harness, PageScanned(harness.page("second.png")))
    send(harness, Proceed())
    assert harness.kiosk.journey.state is State.REVIEW
    assert len(harness.kiosk.journey.snapshot().documents[0].pages) == 2
    send(harness, Edit(ReviewSection.FORM))
    send(harness, Back())
    assert harness.kiosk.journey.state is State.REVIEW


def test_review_rechecks_the_form(harness: Harness) -> None:
    drive_to(harness, State.REVIEW)
    send(harness, Edit(ReviewSection.FORM))
    send(harness, SetField("phone", "0912"))  # too short
    send(harness, Back())  # back to review without passing validation
    outcome = harness.kiosk.journey.dispatch(Proceed())
    assert outcome.reason is RejectReason.FORM_INVALID
    assert harness.kiosk.journey.state is State.REVIEW


def test_wrong_codes_then_a_new_code(harness: Harness) -> None:
    drive_to(harness, State.CONFIRM)
    first = code(harness)
    wrong = "0000" if first != "0000" else "1111"
    assert harness.kiosk.journey.dispatch(EnterCode(wrong)).reason is RejectReason.WRONG_CODE
    assert harness.kiosk.journey.dispatch(EnterCode(wrong)).reason is RejectReason.WRONG_CODE
    outcome = harness.kiosk.journey.dispatch(EnterCode(wrong))
    assert outcome.reason is RejectReason.NEW_CODE_ISSUED
    assert harness.kiosk.journey.state is State.CONFIRM
    assert harness.queue.dossiers == []
    send(harness, EnterCode(code(harness)))
    assert harness.kiosk.journey.state is State.DONE


def test_storage_failure_keeps_everything_and_can_be_retried(harness: Harness) -> None:
    drive_to(harness, State.CONFIRM)
    harness.queue.fail_next = "disk full"
    send(harness, EnterCode(code(harness)))
    snapshot = harness.kiosk.journey.snapshot()
    assert snapshot.state is State.REVIEW
    assert "chưa lưu được" in notice_vi(snapshot.notice)
    assert snapshot.identity is not None and snapshot.documents[0].pages
    assert snapshot.documents[0].pages[0].path.exists()
    session_id = snapshot.session_id
    send(harness, Proceed())
    send(harness, EnterCode(code(harness)))
    assert harness.kiosk.journey.state is State.DONE
    (dossier,) = harness.queue.dossiers
    assert dossier.client_uuid == session_id


def test_submitting_is_the_state_while_the_queue_stores(harness: Harness) -> None:
    drive_to(harness, State.CONFIRM)
    states_during_enqueue: list[State] = []
    original = harness.queue.enqueue

    def watching(dossier: Any) -> None:
        states_during_enqueue.append(harness.kiosk.journey.state)
        original(dossier)

    harness.queue.enqueue = watching  # type: ignore[method-assign]
    send(harness, EnterCode(code(harness)))
    assert states_during_enqueue == [State.SUBMITTING]
    assert harness.kiosk.journey.state is State.DONE


def test_print_failure_keeps_the_code_on_screen(harness: Harness) -> None:
    drive_to(harness, State.DONE)
    send(harness, PrintFinished(ok=False, detail="paper out"))
    snapshot = harness.kiosk.journey.snapshot()
    assert snapshot.state is State.DONE
    assert snapshot.print_status is PrintStatus.FAILED
    assert snapshot.dossier is not None
    assert "chụp ảnh mã hồ sơ" in notice_vi(snapshot.notice)
    send(harness, Proceed())
    assert harness.kiosk.journey.state is State.ATTRACT


def test_invalid_rating_is_refused(harness: Harness) -> None:
    drive_to(harness, State.DONE)
    assert harness.kiosk.journey.dispatch(Rate(0)).reason is RejectReason.INVALID_RATING
    assert harness.kiosk.journey.dispatch(Rate(6)).reason is RejectReason.INVALID_RATING
    assert harness.kiosk.journey.state is State.DONE


def test_changing_procedure_drops_pages_of_the_old_one(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    page = harness.page()
    send(harness, PageScanned(page))
    journey = harness.kiosk.journey
    while journey.state is not State.CHOOSE_PROCEDURE:  # back through every page and step
        send(harness, Back())
    send(harness, ChooseProcedure("1.004873"))
    assert not page.exists()
    snapshot = harness.kiosk.journey.snapshot()
    assert all(not d.pages for d in snapshot.documents)
    # The identity is kept and the new form is prefilled from it.
    assert snapshot.form_input["applicant_name"] == "TRẦN THỊ MẪU"
    send(harness, Proceed())
    assert harness.kiosk.journey.state is State.IDENTITY_CHECK


def test_identity_verification_only_applies_to_its_own_session(harness: Harness) -> None:
    drive_to(harness, State.FORM)
    own = harness.kiosk.journey.snapshot().session_id
    assert own is not None
    send(harness, Cancel())
    drive_to(harness, State.FORM)
    send(harness, IdentityChecked(own, Verification.VERIFIED))
    assert harness.kiosk.journey.snapshot().verification is Verification.PENDING
    current = harness.kiosk.journey.snapshot().session_id
    assert current is not None
    send(harness, IdentityChecked(current, Verification.VERIFIED))
    assert harness.kiosk.journey.snapshot().verification is Verification.VERIFIED


# --- cancel, call staff, idle -------------------------------------------------------------------


def assert_wiped(h: Harness) -> None:
    snapshot = h.kiosk.journey.snapshot()
    assert snapshot.state is State.ATTRACT
    assert snapshot.identity is None
    assert snapshot.form_input == {}
    assert snapshot.documents == ()
    assert snapshot.session_dir is None
    assert snapshot.challenge is None
    assert session_dirs(h) == []


@pytest.mark.parametrize("state", RESTING_STATES)
def test_cancel_from_every_state_wipes_the_session(harness: Harness, state: State) -> None:
    drive_to(harness, state)
    send(harness, Cancel())
    assert_wiped(harness)


@pytest.mark.parametrize("state", RESTING_STATES)
def test_call_staff_from_every_state(harness: Harness, state: State) -> None:
    drive_to(harness, state)
    expected = harness.kiosk.journey.snapshot().resume_state or state
    send(harness, CallStaff())
    snapshot = harness.kiosk.journey.snapshot()
    assert snapshot.help_requested
    assert snapshot.state is expected
    assert "gọi cán bộ" in notice_vi(snapshot.notice).lower()


def test_waiting_for_staff_extends_the_quiet_time(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    send(harness, CallStaff())
    harness.clock.advance(WARN_AFTER + 1)
    send(harness, Tick())
    assert harness.kiosk.journey.state is State.SCAN
    harness.clock.advance(300)
    send(harness, Tick())
    assert harness.kiosk.journey.state is State.IDLE_WARNING


@pytest.mark.parametrize("state", RESTING_STATES)
def test_idle_timeout_from_every_state(harness: Harness, state: State) -> None:
    drive_to(harness, state)
    queued_before = len(harness.queue.dossiers)
    quiet = READ_AT_LENGTH if state in READING_STATES else WARN_AFTER
    harness.clock.advance(quiet - 1)
    send(harness, Tick())
    # Nothing happens before the quiet time is up (the warning state's own countdown aside).
    if state is not State.IDLE_WARNING:
        assert harness.kiosk.journey.state is state
    harness.clock.advance(1)
    send(harness, Tick())
    if state in WARNED_STATES:
        assert harness.kiosk.journey.state is State.IDLE_WARNING
        assert harness.kiosk.journey.snapshot().idle_seconds_left == COUNTDOWN
        harness.clock.advance(COUNTDOWN)
        send(harness, Tick())
        assert_wiped(harness)
    elif state in QUIET_EXIT_STATES or state is State.IDLE_WARNING:
        assert_wiped(harness)
    else:
        assert state is State.ATTRACT
        assert harness.kiosk.journey.state is State.ATTRACT
    # A timeout never loses a dossier that was already stored.
    assert len(harness.queue.dossiers) == queued_before


def test_idle_in_the_middle_of_scanning_deletes_pages_from_disk(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    pages = [harness.page(f"p{i}.png") for i in range(2)]
    for page in pages:
        send(harness, PageScanned(page))
    harness.clock.advance(WARN_AFTER)
    send(harness, Tick())
    harness.clock.advance(COUNTDOWN)
    send(harness, Tick())
    assert_wiped(harness)
    assert not any(p.exists() for p in pages)
    assert harness.queue.dossiers == []


def test_touch_during_warning_resumes_with_data_intact(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    send(harness, PageScanned(harness.page()))
    harness.clock.advance(WARN_AFTER)
    send(harness, Tick())
    assert harness.kiosk.journey.state is State.IDLE_WARNING
    harness.clock.advance(COUNTDOWN - 1)
    send(harness, Tick())
    assert harness.kiosk.journey.snapshot().idle_seconds_left == 1
    send(harness, Touch())
    snapshot = harness.kiosk.journey.snapshot()
    assert snapshot.state is State.SCAN
    assert len(snapshot.documents[0].pages) == 1
    # The quiet time starts again from the touch.
    harness.clock.advance(WARN_AFTER - 1)
    send(harness, Tick())
    assert harness.kiosk.journey.state is State.SCAN


def test_first_action_during_warning_only_dismisses_it(harness: Harness) -> None:
    drive_to(harness, State.FORM)
    harness.clock.advance(WARN_AFTER)
    send(harness, Tick())
    send(harness, Proceed())
    assert harness.kiosk.journey.state is State.FORM


def test_activity_keeps_the_session_alive(harness: Harness) -> None:
    drive_to(harness, State.FORM)
    for _ in range(10):
        harness.clock.advance(WARN_AFTER - 5)
        send(harness, SetField("phone", "0912345678"))
        send(harness, Tick())
    assert harness.kiosk.journey.state is State.FORM


def test_quiet_times_come_from_settings(make_harness: Callable[..., Harness]) -> None:
    h = make_harness(idle_warning_after_s=20, idle_countdown_s=5)
    drive_to(h, State.FORM)
    h.clock.advance(20)
    send(h, Tick())
    assert h.kiosk.journey.state is State.IDLE_WARNING
    h.clock.advance(5)
    send(h, Tick())
    assert_wiped(h)


def test_leftover_sessions_are_wiped_at_start(make_harness: Callable[..., Harness]) -> None:
    first = make_harness()
    drive_to(first, State.SCAN)
    send(first, PageScanned(first.page()))
    assert session_dirs(first)
    # A crash: a new kiosk process starts on the same directories.
    second = make_harness(start=first.clock.now() + timedelta(minutes=5))
    assert session_dirs(second) == []


# --- the card's details, the form's pages, copied answers ----------------------------------------


def test_the_cards_details_are_confirmed_not_typed(harness: Harness) -> None:
    drive_to(harness, State.IDENTITY_CHECK)
    snapshot = harness.kiosk.journey.snapshot()
    assert snapshot.form_input["applicant_name"] == "TRẦN THỊ MẪU"
    outcome = harness.kiosk.journey.dispatch(SetField("applicant_name", "Người Khác"))
    assert outcome.reason is RejectReason.NOT_ALLOWED_HERE  # no typing on the card's page
    send(harness, Proceed())
    assert harness.kiosk.journey.state is State.FORM
    outcome = harness.kiosk.journey.dispatch(SetField("applicant_name", "Người Khác"))
    assert outcome.reason is RejectReason.FIELD_FROM_CARD
    outcome = harness.kiosk.journey.dispatch(SetField("applicant_id_number", "001158000999"))
    assert outcome.reason is RejectReason.FIELD_FROM_CARD
    assert harness.kiosk.journey.snapshot().form_input["applicant_name"] == "TRẦN THỊ MẪU"


def test_the_form_goes_page_by_page_and_checks_only_the_page_on_screen(
    harness: Harness,
) -> None:
    drive_to(harness, State.FORM)
    journey = harness.kiosk.journey
    procedure = journey.snapshot().procedure
    assert procedure is not None
    first = journey.snapshot().form_page
    assert procedure.pages[first].fields[0] == "residence"
    send(harness, SetField("phone", "0912"))  # too short
    outcome = journey.dispatch(Proceed())
    # Only the phone on this page is wrong; the child's name on a later page is not judged yet.
    assert outcome.reason is RejectReason.FORM_INVALID
    assert set(journey.snapshot().form_errors) == {"phone"}
    assert journey.snapshot().form_page == first
    send(harness, SetField("phone", "0912345678"))
    send(harness, Proceed())
    assert journey.snapshot().form_page == first + 1
    assert journey.snapshot().form_errors == {}
    send(harness, Back())
    assert journey.snapshot().form_page == first
    send(harness, Back())
    assert journey.state is State.IDENTITY_CHECK


def answer_until(h: Harness, page_title: str) -> None:
    journey = h.kiosk.journey
    procedure = journey.snapshot().procedure
    assert procedure is not None
    while procedure.pages[journey.snapshot().form_page].title != page_title:
        fill_required(h)
        send(h, Proceed())
        assert journey.state is State.FORM


def test_the_mothers_page_is_skipped_when_the_mother_applies(harness: Harness) -> None:
    drive_to(harness, State.FORM)
    journey = harness.kiosk.journey
    procedure = journey.snapshot().procedure
    assert procedure is not None
    mother_page = next(i for i, p in enumerate(procedure.pages) if "mother_name" in p.fields)
    answer_until(harness, "Ông/bà có quan hệ thế nào với trẻ?")
    send(harness, SetField("relationship", "me"))
    assert mother_page not in journey.snapshot().asked_pages
    complete_form(harness)
    scan_mandatory_and_continue(harness)
    assert journey.state is State.REVIEW
    send(harness, Proceed())
    send(harness, EnterCode(code(harness)))
    dossier = journey.snapshot().dossier
    assert dossier is not None
    # Filled from the applicant, never typed: the mother is the applicant.
    assert dossier.form["mother_name"] == "TRẦN THỊ MẪU"
    assert dossier.form["mother_id_number"] == "001158000123"
    assert "father_name" not in dossier.form


def test_a_changed_answer_from_the_review_opens_the_page_it_leaves_unanswered(
    harness: Harness,
) -> None:
    drive_to(harness, State.FORM)
    journey = harness.kiosk.journey
    answer_until(harness, "Ông/bà có quan hệ thế nào với trẻ?")
    send(harness, SetField("relationship", "me"))
    complete_form(harness)
    scan_mandatory_and_continue(harness)
    procedure = journey.snapshot().procedure
    assert procedure is not None
    relationship_page = next(i for i, p in enumerate(procedure.pages) if "relationship" in p.fields)
    send(harness, Edit(ReviewSection.FORM, form_page=relationship_page))
    assert journey.snapshot().form_page == relationship_page
    send(harness, SetField("relationship", "khac"))
    outcome = journey.dispatch(Proceed())
    # Now nobody says who the mother is: her page opens with its gap marked.
    assert outcome.reason is RejectReason.FORM_INVALID
    assert "mother_name" in procedure.pages[journey.snapshot().form_page].fields
    assert "mother_name" in journey.snapshot().form_errors
    send(harness, SetField("mother_name", "Phạm Thị Hoa"))
    send(harness, Proceed())
    assert journey.state is State.REVIEW


def test_an_edit_names_a_page_that_asks_something(harness: Harness) -> None:
    drive_to(harness, State.REVIEW)
    outcome = harness.kiosk.journey.dispatch(Edit(ReviewSection.FORM, form_page=99))
    assert outcome.reason is RejectReason.NO_SUCH_PAGE
    assert harness.kiosk.journey.state is State.REVIEW


def test_the_card_address_is_offered_in_its_current_form(harness: Harness) -> None:
    drive_to(harness, State.IDENTIFY)
    # Printed before 1 July 2025: Quảng Nam has since joined Đà Nẵng (the bundled table).
    send(harness, QrScanned(MALE_QR.encode()))
    snapshot = harness.kiosk.journey.snapshot()
    assert snapshot.address == AddressSuggestion(
        card_address="Thôn 2, xã Bình Phú, tỉnh Quảng Nam",
        current="Thôn 2, xã Thăng Phú, thành phố Đà Nẵng",
        commune_checked=True,
    )
    # Offered on the residence page, where the citizen confirms it or types another.
    assert snapshot.form_input["residence"] == "Thôn 2, xã Thăng Phú, thành phố Đà Nẵng"
    assert snapshot.identity is not None
    assert snapshot.identity.address == "Thôn 2, xã Bình Phú, tỉnh Quảng Nam"  # the card's own


def test_a_current_address_is_left_as_it_is(harness: Harness) -> None:
    drive_to(harness, State.IDENTITY_CHECK)  # Hà Nội kept its name and borders
    snapshot = harness.kiosk.journey.snapshot()
    assert snapshot.address is None
    assert snapshot.form_input["residence"] == "Phường Ba Đình, Hà Nội"


# --- scanning: undo, skipping -------------------------------------------------------------------


def test_a_removed_page_can_be_put_back_until_the_citizen_moves_on(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    journey = harness.kiosk.journey
    first, second = harness.page("a.png", b"first"), harness.page("b.png", b"second")
    send(harness, PageScanned(first))
    send(harness, PageScanned(second))
    send(harness, RemovePage(0))
    snapshot = journey.snapshot()
    assert snapshot.can_undo_remove
    assert [p.path for p in snapshot.documents[0].pages] == [second]
    assert first.exists()  # kept for the undo
    send(harness, Touch())  # the press of the undo button itself must not forget it
    send(harness, UndoRemove())
    assert [p.path for p in journey.snapshot().documents[0].pages] == [first, second]
    assert not journey.snapshot().can_undo_remove
    send(harness, UndoRemove(), accepted=False)
    send(harness, RemovePage(1))
    send(harness, PageScanned(harness.page("c.png", b"third")))  # moving on forgets it
    assert not journey.snapshot().can_undo_remove
    assert not second.exists()


def test_a_citizen_without_a_phone_gets_the_code_on_screen(
    make_harness: Callable[..., Harness],
) -> None:
    class SmsOnly:
        def issue(self, phone: str | None) -> ConfirmationChallenge:
            if phone is None:
                return ConfirmationChallenge(ConfirmationChannel.SCREEN, "4321")
            return ConfirmationChallenge(ConfirmationChannel.SMS, None, phone=phone)

        def check(self, challenge: ConfirmationChallenge, entered: str) -> bool:
            return challenge.code == entered

    h = make_harness(confirmation=SmsOnly())
    drive_to(h, State.CONFIRM)
    challenge = h.kiosk.journey.snapshot().challenge
    assert challenge is not None and challenge.channel is ConfirmationChannel.SMS
    send(h, ShowCodeOnScreen())
    challenge = h.kiosk.journey.snapshot().challenge
    assert challenge is not None and challenge.channel is ConfirmationChannel.SCREEN
    send(h, EnterCode("4321"))
    assert h.kiosk.journey.state is State.DONE


# --- the step indicator -------------------------------------------------------------------------


def test_every_journey_state_has_a_step_and_numbers_count_up(harness: Harness) -> None:
    journey = harness.kiosk.journey
    numbers: list[int] = []
    journey.subscribe(
        lambda s: (
            numbers.append(position.number)
            if (position := step_position(s.state, s.procedure, s.resume_state))
            else None
        )
    )
    drive_to(harness, State.DONE)
    assert sorted(set(numbers)) == [1, 2, 3, 4, 5, 6, 7]
    assert numbers == sorted(numbers)  # never backwards on the way through
    snapshot = journey.snapshot()
    assert step_position(State.SCAN, snapshot.procedure) == StepPosition(
        JourneyStep.DOCUMENTS, 4, 7
    )
    for state in State:
        if state not in {State.ATTRACT, State.IDLE_WARNING}:
            assert step_position(state, snapshot.procedure) is not None, state
    assert step_position(State.IDLE_WARNING, None, State.SCAN) == StepPosition(
        JourneyStep.DOCUMENTS, 4, 7
    )


def test_a_procedure_with_nothing_to_scan_has_six_steps(harness: Harness) -> None:
    catalog = harness.kiosk.catalog
    nothing_scanned = [p for p in catalog if not p.scanned_documents]
    for procedure in nothing_scanned:
        assert step_position(State.REVIEW, procedure) == StepPosition(JourneyStep.REVIEW, 4, 6)


def test_screens_read_at_length_wait_longer_before_the_warning(harness: Harness) -> None:
    journey = harness.kiosk.journey
    for state in (State.PROCEDURE_DETAILS, State.REVIEW):
        drive_to(harness, state)
        harness.clock.advance(WARN_AFTER + 30)  # two minutes of reading the papers or answers
        send(harness, Tick())
        assert journey.state is state
        harness.clock.advance(READ_AT_LENGTH - WARN_AFTER - 30)
        send(harness, Tick())
        assert journey.state is State.IDLE_WARNING
        send(harness, Cancel())


def test_a_parent_is_not_asked_for_a_power_of_attorney(harness: Harness) -> None:
    drive_to(harness, State.FORM)
    answer_until(harness, "Ông/bà có quan hệ thế nào với trẻ?")
    send(harness, SetField("relationship", "me"))
    complete_form(harness)
    snapshot = harness.kiosk.journey.snapshot()
    assert [p.document.code for p in snapshot.documents] == ["birth_certificate"]
    scan_mandatory_and_continue(harness)
    assert harness.kiosk.journey.state is State.REVIEW
    # Another relative applying is asked for it (optional: they may be entitled on their own).
    procedure = snapshot.procedure
    assert procedure is not None
    page = next(i for i, p in enumerate(procedure.pages) if "relationship" in p.fields)
    send(harness, Edit(ReviewSection.FORM, form_page=page))
    send(harness, SetField("relationship", "khac"))
    send(harness, Proceed(), accepted=False)  # the mother's page now asks her name
    send(harness, SetField("mother_name", "Phạm Thị Hoa"))
    send(harness, Proceed())
    codes = [p.document.code for p in harness.kiosk.journey.snapshot().documents]
    assert codes == ["birth_certificate", "power_of_attorney"]
