"""The citizen journey as an explicit state machine, in plain Python (no Qt).

attract → choose procedure → procedure details → identify (QR) → check the card's details →
the form, one short page at a time → scan each required document → review → confirmation code →
submitting → done (print slip; "were you satisfied?" on the same screen) → attract.

What the card states (name, ID number, date of birth) is shown, never typed; an address printed
before the 2025 reorganisation is offered in its current form; a field another answer decides (a
parent's name when that parent applies) is filled, not asked; the catalog splits the form into
pages (``Procedure.pages``) and a page whose every field is filled is skipped.

Every transition is a row of ``_TABLE``: (state, event type) → handler. Handlers check their
guards and either return the next state or raise ``_RefusedError`` with a reason to show.
A few events are valid everywhere (cancel, call staff, touch, the idle tick). Time comes from an
injected clock; the UI sends ``Tick`` once a second and tests move a fake clock instead.

After the first page of a required document is scanned, the scan service's document check
(``kiosk.document_check``) may warn that it looks like another paper, is blank, upside down, cut
off or unreadable (``DocumentChecked``). The warning belongs to that document's scan step: the
citizen scans the document again (its pages are discarded) or keeps it, and a kept warning goes
into the dossier for staff to judge; nobody is stopped by it.

Idle handling protects the next citizen's privacy: after a quiet spell a warning state counts
down, then the session is wiped (identity, form, scanned pages on disk) and the kiosk returns to
attract. Submitting only hands the dossier to the local queue and never waits for the network.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from dvc_common.catalog import CARD_SOURCES, Catalog, Procedure, RequiredDocument
from dvc_common.clock import Clock
from dvc_common.protocol import CheckVerdict
from dvc_common.workdays import WorkingCalendar
from kiosk.dossier import (
    DocumentWarning,
    Dossier,
    DossierDocument,
    Rating,
    ScannedPage,
    Verification,
)
from kiosk.forms import (
    FieldProblem,
    asked_pages,
    page_fields,
    prefill_values,
    validate_fields,
    validate_form,
)
from kiosk.identity import Identity, IdentityError, parse_identity
from kiosk.ports import (
    ConfirmationChallenge,
    ConfirmationProvider,
    DossierQueue,
    QueueError,
)
from kiosk.receipts import ReceiptNumbers
from kiosk.scratch import ScratchSpace

if TYPE_CHECKING:
    # Only the type: the journey reads the check's fields, and importing the module would load
    # the scan pipeline (numpy, OpenCV) into every user of the journey.
    from kiosk.document_check import DocumentCheck

log = logging.getLogger(__name__)


class State(StrEnum):
    ATTRACT = "attract"
    CHOOSE_PROCEDURE = "choose_procedure"
    PROCEDURE_DETAILS = "procedure_details"
    IDENTIFY = "identify"
    IDENTITY_CHECK = "identity_check"
    FORM = "form"
    SCAN = "scan"
    REVIEW = "review"
    CONFIRM = "confirm"
    SUBMITTING = "submitting"
    DONE = "done"
    IDLE_WARNING = "idle_warning"


# States where an unfinished dossier may hold personal data: idle leads to a warning, then a wipe.
WARNED_STATES = frozenset(
    {
        State.CHOOSE_PROCEDURE,
        State.PROCEDURE_DETAILS,
        State.IDENTIFY,
        State.IDENTITY_CHECK,
        State.FORM,
        State.SCAN,
        State.REVIEW,
        State.CONFIRM,
    }
)
# Screens read at length (the procedure's papers and fee, everything once more before
# submitting): a slow reader is quiet there for two minutes and must not be warned off.
READING_STATES = frozenset({State.PROCEDURE_DETAILS, State.REVIEW})
# The dossier is already safe in the queue: idle simply ends the session.
QUIET_EXIT_STATES = frozenset({State.DONE})


class ReviewSection(StrEnum):
    FORM = "form"
    DOCUMENTS = "documents"


class PrintStatus(StrEnum):
    PENDING = "pending"
    PRINTED = "printed"
    FAILED = "failed"


class RejectReason(StrEnum):
    """Why an event was refused; the screens translate it (``ui.messages``)."""

    NOT_ALLOWED_HERE = "not_allowed_here"
    UNKNOWN_PROCEDURE = "unknown_procedure"
    IDENTITY_INVALID = "identity_invalid"
    UNKNOWN_FIELD = "unknown_field"
    FIELD_FROM_CARD = "field_from_card"  # the card says it; it is confirmed, not typed
    CARD_DATA_INVALID = "card_data_invalid"  # the card's own details fail a check: staff help
    FORM_INVALID = "form_invalid"
    DOCUMENT_MISSING = "document_missing"
    NO_SUCH_DOCUMENT = "no_such_document"
    NO_SUCH_PAGE = "no_such_page"
    NOTHING_TO_UNDO = "nothing_to_undo"
    PAGE_UNREADABLE = "page_unreadable"
    TOO_MANY_PAGES = "too_many_pages"
    WRONG_CODE = "wrong_code"
    NEW_CODE_ISSUED = "new_code_issued"
    SUBMISSION_IN_PROGRESS = "submission_in_progress"
    STORAGE_FAILED = "storage_failed"
    INVALID_RATING = "invalid_rating"


class JourneyNotice(StrEnum):
    """What the journey tells the citizen without refusing anything."""

    STAFF_CALLED = "staff_called"  # help is on its way
    SLIP_NOT_PRINTED = "slip_not_printed"  # the dossier is stored, only the slip is missing


_NO_VALUES: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Notice:
    """What the screen tells the citizen now: a reason, never a sentence.

    ``reason`` is the most precise enum member known: a ``RejectReason`` or ``JourneyNotice``,
    or what lies behind a refusal (the ``kiosk.identity.IdentityProblem`` of a refused QR code,
    the ``offline_queue.errors.StoreFailure`` of a dossier not stored), or, on the scan step, a
    ``kiosk.scanning.ScanNotice`` or a ``kiosk.faults.DeviceFault``. ``params`` are the values
    its sentence takes (a document's name, a page limit). The screens translate both through
    ``ui.messages``.
    """

    reason: StrEnum
    params: Mapping[str, str] = field(default_factory=lambda: _NO_VALUES)


# --- events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """The citizen touched the big start button."""


@dataclass(frozen=True)
class ChooseProcedure:
    code: str


@dataclass(frozen=True)
class Proceed:
    """'Tiếp tục': the forward button of the current screen."""


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class QrScanned:
    payload: bytes | str


@dataclass(frozen=True)
class IdentityChecked:
    """The gateway's answer about the identity, whenever it arrives.

    It names the session it was asked for: an answer that arrives after that citizen has left
    must not mark the next citizen's identity as verified.
    """

    session_id: uuid.UUID
    result: Verification


@dataclass(frozen=True)
class SetField:
    name: str
    value: str


@dataclass(frozen=True)
class SelectDocument:
    index: int


@dataclass(frozen=True)
class PageScanned:
    path: Path


@dataclass(frozen=True)
class RemovePage:
    index: int


@dataclass(frozen=True)
class ReplacePage:
    """A page scanned again (it was dark, blurred, cut off): it takes the old one's place."""

    index: int
    path: Path


@dataclass(frozen=True)
class DocumentChecked:
    """The document check's result for the pages just scanned, whenever it arrives.

    It names the session it was made for (a result arriving after that citizen has left must not
    land in the next citizen's dossier) and, through ``check.expected``, the document.
    """

    session_id: uuid.UUID
    check: DocumentCheck


@dataclass(frozen=True)
class RescanDocument:
    """'Quét lại' after a warning: the document's pages are discarded, to be scanned again."""


@dataclass(frozen=True)
class KeepDocument:
    """'Vẫn nộp giấy tờ này' after a warning: the pages stay and the dossier records it."""


@dataclass(frozen=True)
class UndoRemove:
    """Put back the page just removed, where it was."""


@dataclass(frozen=True)
class Edit:
    section: ReviewSection
    document_index: int = 0
    form_page: int = 0


@dataclass(frozen=True)
class ShowCodeOnScreen:
    """The citizen has no phone with them (or no SMS came): a code shown on the screen."""


@dataclass(frozen=True)
class EnterCode:
    code: str


@dataclass(frozen=True)
class ResendCode:
    pass


@dataclass(frozen=True)
class PrintFinished:
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Rate:
    score: int
    reason: str | None = None


@dataclass(frozen=True)
class Cancel:
    pass


@dataclass(frozen=True)
class CallStaff:
    pass


@dataclass(frozen=True)
class Touch:
    """Any touch on the screen that is not itself an action (keeps the session alive)."""


@dataclass(frozen=True)
class Tick:
    """Sent periodically so idle time is noticed; not a user action."""


Event = (
    Start
    | ChooseProcedure
    | Proceed
    | Back
    | QrScanned
    | IdentityChecked
    | SetField
    | SelectDocument
    | PageScanned
    | RemovePage
    | ReplacePage
    | DocumentChecked
    | RescanDocument
    | KeepDocument
    | UndoRemove
    | Edit
    | EnterCode
    | ResendCode
    | ShowCodeOnScreen
    | PrintFinished
    | Rate
    | Cancel
    | CallStaff
    | Touch
    | Tick
)
# Events the system sends; they neither count as the citizen being present nor end a warning.
_SYSTEM_EVENTS = (Tick, IdentityChecked, PrintFinished, DocumentChecked)


# --- results and snapshots ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    state: State
    reason: RejectReason | None = None  # why it was refused, None when accepted
    notice: Notice | None = None  # what the screen tells the citizen now


@dataclass(frozen=True)
class DocumentProgress:
    document: RequiredDocument
    pages: tuple[ScannedPage, ...]
    check: DocumentCheck | None = None  # the check of its first page, while it has pages
    kept: bool = False  # the citizen chose to keep it despite the check's warning

    @property
    def complete(self) -> bool:
        return bool(self.pages) or not self.document.mandatory

    @property
    def warned(self) -> bool:
        return self.check is not None and self.check.warned

    @property
    def warning_open(self) -> bool:
        """A warning the citizen has not answered yet: the scan step asks about it."""
        return self.warned and not self.kept


@dataclass(frozen=True)
class AddressSuggestion:
    """The card's address in its current form (after the 1 July 2025 reorganisation).

    ``commune_checked`` is False when only the province could be brought up to date: the screen
    then asks the citizen to check the commune's name."""

    card_address: str
    current: str
    commune_checked: bool = True


AddressUpdater = Callable[[str], AddressSuggestion | None]


def _no_updates(_: str) -> AddressSuggestion | None:
    return None


@dataclass(frozen=True)
class Snapshot:
    """Everything a screen needs to render the journey at one moment."""

    state: State
    session_id: uuid.UUID | None
    procedure: Procedure | None
    identity: Identity | None
    verification: Verification
    form_input: dict[str, str]
    form_errors: dict[str, FieldProblem]
    form_page: int  # index into procedure.pages
    asked_pages: tuple[int, ...]  # the pages that ask anything now, in order
    address: AddressSuggestion | None
    documents: tuple[DocumentProgress, ...]
    document_index: int
    can_undo_remove: bool  # the page just removed from this document can be put back
    held_page: Path | None  # that page's file, kept (with its thumbnail) while it can come back
    challenge: ConfirmationChallenge | None
    dossier: Dossier | None
    print_status: PrintStatus
    help_requested: bool
    idle_seconds_left: int | None
    resume_state: State | None
    notice: Notice | None
    session_dir: Path | None


@dataclass
class _Session:
    """The unfinished dossier: everything here is wiped when the session ends."""

    client_uuid: uuid.UUID
    started_at: datetime
    directory: Path
    procedure: Procedure | None = None
    identity: Identity | None = None
    verification: Verification = Verification.PENDING
    form_input: dict[str, str] = field(default_factory=dict)
    form_errors: dict[str, FieldProblem] = field(default_factory=dict)
    form_page: int = 0
    address: AddressSuggestion | None = None
    pages: dict[str, list[ScannedPage]] = field(default_factory=dict)
    document_index: int = 0
    # The page last removed (its document, its place, the page), kept until the citizen does
    # something else so that a slip of the finger can be undone.
    removed: tuple[str, int, ScannedPage] | None = None
    # The document check's latest result per document code, and the codes whose warning the
    # citizen answered with "keep it".
    checks: dict[str, DocumentCheck] = field(default_factory=dict)
    kept_warnings: set[str] = field(default_factory=set)
    return_to_review: bool = False
    challenge: ConfirmationChallenge | None = None
    wrong_codes: int = 0
    dossier: Dossier | None = None
    print_status: PrintStatus = PrintStatus.PENDING

    def forget_check(self, code: str) -> None:
        """The document's check no longer stands (its title page is gone): nor does the
        citizen's answer to it."""
        self.checks.pop(code, None)
        self.kept_warnings.discard(code)


class _RefusedError(Exception):
    def __init__(self, reason: RejectReason, notice: Notice | None = None) -> None:
        self.reason = reason
        self.notice = notice or Notice(reason)
        super().__init__(reason.value)


@dataclass(frozen=True)
class JourneySettings:
    kiosk_id: str
    idle_warning_after_s: float = 90
    idle_countdown_s: float = 30
    help_wait_s: float = 300
    reading_idle_s: float = 180
    max_code_attempts: int = 3


Listener = Callable[[Snapshot], None]
Handler = Callable[["Journey", Any], State]


class Journey:
    """One kiosk's citizen journey. Not thread-safe: drive it from one thread."""

    def __init__(
        self,
        *,
        settings: JourneySettings,
        clock: Clock,
        catalog: Catalog,
        calendar: WorkingCalendar,
        queue: DossierQueue,
        receipts: ReceiptNumbers,
        scratch: ScratchSpace,
        confirmation: ConfirmationProvider,
        addresses: AddressUpdater = _no_updates,
    ) -> None:
        self._settings = settings
        self._addresses = addresses
        self._clock = clock
        self._catalog = catalog
        self._calendar = calendar
        self._queue = queue
        self._receipts = receipts
        self._scratch = scratch
        self._confirmation = confirmation
        self._state = State.ATTRACT
        self._session: _Session | None = None
        self._last_activity = clock.monotonic()
        self._warning_started: float | None = None
        self._resume_state: State | None = None
        self._help_requested = False
        self._notice: Notice | None = None
        self._listeners: list[Listener] = []

    # --- public API -----------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with a fresh snapshot after every event."""
        self._listeners.append(listener)

    def dispatch(self, event: Event) -> Outcome:
        """Apply one event; never raises for a citizen's mistake, returns why it was refused."""
        before = self._state
        try:
            self._apply(event)
        except _RefusedError as rejected:
            self._notice = rejected.notice
            outcome = Outcome(False, self._state, rejected.reason, rejected.notice)
        else:
            outcome = Outcome(True, self._state, None, self._notice)
        if self._state is not before:
            log.info(
                "journey %s -> %s on %s", before.value, self._state.value, type(event).__name__
            )
        snapshot = self.snapshot()
        for listener in list(self._listeners):
            listener(snapshot)
        return outcome

    def snapshot(self) -> Snapshot:
        session = self._session
        idle_left: int | None = None
        if self._state is State.IDLE_WARNING and self._warning_started is not None:
            elapsed = self._clock.monotonic() - self._warning_started
            idle_left = max(0, round(self._settings.idle_countdown_s - elapsed))
        return Snapshot(
            state=self._state,
            session_id=session.client_uuid if session else None,
            procedure=session.procedure if session else None,
            identity=session.identity if session else None,
            verification=session.verification if session else Verification.PENDING,
            form_input=dict(session.form_input) if session else {},
            form_errors=dict(session.form_errors) if session else {},
            form_page=session.form_page if session else 0,
            asked_pages=self._asked_pages(),
            address=session.address if session else None,
            documents=self._progress(),
            document_index=session.document_index if session else 0,
            can_undo_remove=self._undo_target() is not None,
            held_page=session.removed[2].path if session and session.removed else None,
            challenge=session.challenge if session else None,
            dossier=session.dossier if session else None,
            print_status=session.print_status if session else PrintStatus.PENDING,
            help_requested=self._help_requested,
            idle_seconds_left=idle_left,
            resume_state=self._resume_state,
            notice=self._notice,
            session_dir=session.directory if session else None,
        )

    # --- dispatch -------------------------------------------------------------------------------

    def _apply(self, event: Event) -> None:
        if not isinstance(event, _SYSTEM_EVENTS):
            self._last_activity = self._clock.monotonic()
        match event:
            case Tick():
                self._check_idle()
                return
            case CallStaff():
                self._help_requested = True
                self._notice = Notice(JourneyNotice.STAFF_CALLED)
                log.info("staff called from %s", self._state.value)
                self._resume_from_warning()
                return
            case Cancel():
                if self._state is State.SUBMITTING:
                    raise _RefusedError(RejectReason.SUBMISSION_IN_PROGRESS)
                self._end_session("cancelled")
                return
            case IdentityChecked(session_id=session_id, result=result):
                session = self._session
                if session is not None and session.client_uuid == session_id and session.identity:
                    session.verification = result
                return
            case DocumentChecked(session_id=session_id, check=check):
                self._document_checked(session_id, check)
                return
            case Touch():
                self._resume_from_warning()
                return
        if self._state is State.IDLE_WARNING:
            # The warning overlay swallows the first touch: it only means "I'm still here".
            self._resume_from_warning()
            return
        handler = _TABLE.get((self._state, type(event)))
        if handler is None:
            raise _RefusedError(RejectReason.NOT_ALLOWED_HERE)
        if not isinstance(event, UndoRemove):
            self._forget_removed()
        self._notice = None
        self._enter(handler(self, event))

    def _enter(self, state: State) -> None:
        self._state = state
        if state is State.SUBMITTING:
            self._enter(self._submit())

    def _document_checked(self, session_id: uuid.UUID, check: DocumentCheck) -> None:
        session = self._session
        if session is None or session.client_uuid != session_id:
            return  # for a citizen who has left
        if check.expected not in {doc.code for doc in self._scan_documents()}:
            return  # the procedure changed since the scan started
        # A new check of the document (its first page scanned again) replaces the old one and
        # asks afresh.
        session.checks[check.expected] = check
        session.kept_warnings.discard(check.expected)
        if check.warned:
            log.info("document check warned: %s (%s)", check.expected, check.verdict.value)

    # --- idle -----------------------------------------------------------------------------------

    def _check_idle(self) -> None:
        now = self._clock.monotonic()
        if self._state is State.IDLE_WARNING:
            assert self._warning_started is not None
            if now - self._warning_started >= self._settings.idle_countdown_s:
                self._end_session("idle timeout")
            return
        quiet = now - self._last_activity
        if self._help_requested:
            limit = self._settings.help_wait_s
        elif self._state in READING_STATES:
            limit = max(self._settings.reading_idle_s, self._settings.idle_warning_after_s)
        else:
            limit = self._settings.idle_warning_after_s
        if quiet < limit:
            return
        if self._state in WARNED_STATES:
            self._resume_state = self._state
            self._warning_started = now
            self._state = State.IDLE_WARNING
        elif self._state in QUIET_EXIT_STATES:
            self._end_session("idle after submission")

    def _resume_from_warning(self) -> None:
        if self._state is State.IDLE_WARNING and self._resume_state is not None:
            self._state = self._resume_state
        self._resume_state = None
        self._warning_started = None

    def _end_session(self, why: str) -> None:
        """Forget everything about the citizen and return to attract."""
        session = self._session
        if session is not None:
            self._scratch.wipe(session.directory)
            log.info("session ended (%s) in state %s", why, self._state.value)
        self._session = None
        self._state = State.ATTRACT
        self._resume_state = None
        self._warning_started = None
        self._help_requested = False
        self._notice = None

    # --- helpers --------------------------------------------------------------------------------

    def _require_session(self) -> _Session:
        if self._session is None:
            self._session = _Session(
                client_uuid=uuid.uuid4(),
                started_at=self._clock.now(),
                directory=self._scratch.new_session_dir(),
            )
        return self._session

    def _procedure(self) -> Procedure:
        session = self._require_session()
        assert session.procedure is not None, "procedure is chosen before this step"
        return session.procedure

    def _scan_documents(self) -> tuple[RequiredDocument, ...]:
        """The documents this citizen scans: a document that depends on an answer (the power of
        attorney, when a parent applies in person) is not asked of those who do not need it."""
        session = self._session
        if session is None or session.procedure is None:
            return ()
        return session.procedure.scanned_for(session.form_input)

    def _asked_pages(self) -> tuple[int, ...]:
        session = self._session
        if session is None or session.procedure is None:
            return ()
        return asked_pages(session.procedure, session.form_input)

    def _undo_target(self) -> tuple[str, int, ScannedPage] | None:
        """The removed page that can be put back now: only on its own document's scan step."""
        session = self._session
        if session is None or session.removed is None or self._state is not State.SCAN:
            return None
        documents = self._scan_documents()
        if not 0 <= session.document_index < len(documents):
            return None
        if documents[session.document_index].code != session.removed[0]:
            return None
        return session.removed

    def _forget_removed(self) -> None:
        """The citizen moved on: the removed page is gone for good."""
        session = self._session
        if session is not None and session.removed is not None:
            session.removed[2].path.unlink(missing_ok=True)
            session.removed = None

    def _progress(self) -> tuple[DocumentProgress, ...]:
        session = self._session
        if session is None:
            return tuple(DocumentProgress(doc, ()) for doc in self._scan_documents())
        progress = []
        for doc in self._scan_documents():
            pages = tuple(session.pages.get(doc.code, ()))
            # A check is about pages: once every page is gone, so is what it said.
            check = session.checks.get(doc.code) if pages else None
            kept = check is not None and doc.code in session.kept_warnings
            progress.append(DocumentProgress(doc, pages, check, kept))
        return tuple(progress)

    def _first_incomplete(self) -> int | None:
        for index, progress in enumerate(self._progress()):
            if not progress.complete:
                return index
        return None

    def _require_documents_complete(self) -> None:
        missing = self._first_incomplete()
        if missing is not None:
            session = self._require_session()
            session.document_index = missing
            name = self._scan_documents()[missing].name
            raise _RefusedError(
                RejectReason.DOCUMENT_MISSING,
                Notice(RejectReason.DOCUMENT_MISSING, MappingProxyType({"document": name})),
            )

    def _validate_form(self) -> dict[str, str]:
        session = self._require_session()
        result = validate_form(self._procedure(), session.form_input, self._clock.now().date())
        session.form_errors = dict(result.problems)
        if not result.ok:
            raise _RefusedError(RejectReason.FORM_INVALID)
        return result.values

    @staticmethod
    def _prefilled(
        procedure: Procedure, identity: Identity, address: AddressSuggestion | None
    ) -> dict[str, str]:
        """The form prefilled from the card, its old address in its current form: offered, not
        imposed, since the field stays on its page for the citizen to confirm."""
        prefilled = prefill_values(procedure, identity)
        if address is not None:
            for name, value in prefilled.items():
                if value == identity.address:
                    prefilled[name] = address.current
        return prefilled

    def _first_form_page(self) -> State:
        """The form's first page that asks anything, or what follows the form."""
        session = self._require_session()
        pages = self._asked_pages()
        if not pages:
            return self._after_form()
        session.form_page = pages[0]
        return State.FORM

    def _after_form(self) -> State:
        session = self._require_session()
        if session.return_to_review or not self._scan_documents():
            return State.REVIEW
        session.document_index = 0
        return State.SCAN

    def _submit(self) -> State:
        """Build the dossier and hand it to the local queue; local disk only, never network."""
        session = self._require_session()
        procedure = self._procedure()
        assert session.identity is not None
        values = self._validate_form()
        received = self._clock.now()
        try:
            receipt = self._receipts.allocate(received.date())
            dossier = Dossier(
                client_uuid=session.client_uuid,
                receipt_number=receipt,
                kiosk_id=self._settings.kiosk_id,
                procedure_code=procedure.code,
                procedure_name=procedure.name,
                applicant=session.identity,
                verification=session.verification,
                form=values,
                documents=tuple(
                    DossierDocument(p.document.code, p.document.name, p.pages, _warning(p))
                    for p in self._progress()
                    if p.pages
                ),
                started_at=session.started_at,
                received_at=received,
                effective_receipt_date=self._calendar.effective_receipt_day(
                    received, procedure.cutoff
                ),
                due_date=self._calendar.due_date(
                    received, procedure.processing_days, procedure.cutoff
                ),
            )
            self._queue.enqueue(dossier)
        except QueueError as exc:
            log.error("could not store dossier: %s (%s)", exc.detail, exc.reason.value)
            self._notice = Notice(exc.reason)
            return State.REVIEW
        except OSError as exc:
            log.error("could not store dossier: %s", exc)
            self._notice = Notice(RejectReason.STORAGE_FAILED)
            return State.REVIEW
        session.dossier = dossier
        session.challenge = None
        log.info("dossier %s queued", dossier.receipt_number)
        return State.DONE

    # --- transition handlers --------------------------------------------------------------------

    def _start(self, _: Start) -> State:
        self._require_session()
        return State.CHOOSE_PROCEDURE

    def _choose(self, event: ChooseProcedure) -> State:
        try:
            procedure = self._catalog.get(event.code)
        except KeyError:
            raise _RefusedError(RejectReason.UNKNOWN_PROCEDURE) from None
        session = self._require_session()
        if session.procedure is not None and session.procedure.code != procedure.code:
            # A different procedure needs different documents: drop what the old one collected.
            self._clear_pages(session)
            session.form_input = {}
            session.form_errors = {}
            session.form_page = 0
            if session.identity is not None:
                session.form_input = self._prefilled(procedure, session.identity, session.address)
        session.procedure = procedure
        return State.PROCEDURE_DETAILS

    def _to_attract(self, _: Back) -> State:
        self._end_session("back to start")
        return State.ATTRACT

    def _to_choose(self, _: Back) -> State:
        return State.CHOOSE_PROCEDURE

    def _details_proceed(self, _: Proceed) -> State:
        session = self._require_session()
        return State.IDENTITY_CHECK if session.identity is not None else State.IDENTIFY

    def _to_details(self, _: Back) -> State:
        return State.PROCEDURE_DETAILS

    def _qr(self, event: QrScanned) -> State:
        try:
            identity = parse_identity(event.payload, today=self._clock.now().date())
        except IdentityError as exc:
            log.warning("identity QR refused: %s", exc.reason.value)
            raise _RefusedError(RejectReason.IDENTITY_INVALID, Notice(exc.problem)) from None
        session = self._require_session()
        same_person = session.identity is not None and (
            session.identity.id_number == identity.id_number
        )
        if session.identity is not None and not same_person:
            session.form_input = {}
            session.form_page = 0
        if not same_person:
            # The same card read again keeps its answer; another card starts unverified.
            session.verification = Verification.PENDING
        session.identity = identity
        session.address = self._addresses(identity.address)
        prefilled = self._prefilled(self._procedure(), identity, session.address)
        session.form_input = {**prefilled, **session.form_input}
        log.info("identity read: %s", identity.masked_id)
        return State.IDENTITY_CHECK

    def _identity_proceed(self, _: Proceed) -> State:
        """'Đúng': the card's details are confirmed; they must pass the form's checks too, and a
        card that fails them is a matter for staff, since nobody may type over it."""
        session = self._require_session()
        procedure = self._procedure()
        problems = validate_fields(
            procedure.card_fields, session.form_input, self._clock.now().date()
        )
        if problems:
            log.warning("card details fail the form's checks: %s", sorted(problems))
            raise _RefusedError(RejectReason.CARD_DATA_INVALID)
        return self._first_form_page()

    def _identity_back(self, _: Back) -> State:
        return State.IDENTIFY

    def _set_field(self, event: SetField) -> State:
        session = self._require_session()
        try:
            form_field = self._procedure().form_field(event.name)
        except KeyError:
            raise _RefusedError(RejectReason.UNKNOWN_FIELD) from None
        if form_field.prefill in CARD_SOURCES:
            raise _RefusedError(RejectReason.FIELD_FROM_CARD)
        session.form_input[event.name] = event.value
        session.form_errors.pop(event.name, None)
        return self._state

    def _form_proceed(self, _: Proceed) -> State:
        session = self._require_session()
        procedure = self._procedure()
        today = self._clock.now().date()
        fields = page_fields(procedure, session.form_page, session.form_input)
        session.form_errors = validate_fields(fields, session.form_input, today)
        if session.form_errors:
            raise _RefusedError(RejectReason.FORM_INVALID)
        if session.return_to_review:
            # Back from the review: an answer changed here may ask something new elsewhere
            # (another relationship, another parent's page); the first page with a gap opens.
            result = validate_form(procedure, session.form_input, today)
            for index in self._asked_pages():
                names = set(procedure.pages[index].fields)
                if names & set(result.problems):
                    session.form_page = index
                    session.form_errors = {k: v for k, v in result.problems.items() if k in names}
                    raise _RefusedError(RejectReason.FORM_INVALID)
            return self._after_form()
        later = [i for i in self._asked_pages() if i > session.form_page]
        if later:
            session.form_page = later[0]
            return State.FORM
        return self._after_form()

    def _form_back(self, _: Back) -> State:
        session = self._require_session()
        session.form_errors = {}
        if session.return_to_review:
            session.return_to_review = False
            return State.REVIEW
        earlier = [i for i in self._asked_pages() if i < session.form_page]
        if earlier:
            session.form_page = earlier[-1]
            return State.FORM
        return State.IDENTITY_CHECK

    def _select_document(self, event: SelectDocument) -> State:
        if not 0 <= event.index < len(self._scan_documents()):
            raise _RefusedError(RejectReason.NO_SUCH_DOCUMENT)
        self._require_session().document_index = event.index
        return State.SCAN

    def _page_scanned(self, event: PageScanned) -> State:
        session = self._require_session()
        document = self._scan_documents()[session.document_index]
        pages = session.pages.setdefault(document.code, [])
        if len(pages) >= document.max_pages:
            raise _RefusedError(
                RejectReason.TOO_MANY_PAGES,
                Notice(
                    RejectReason.TOO_MANY_PAGES,
                    MappingProxyType({"max_pages": str(document.max_pages)}),
                ),
            )
        try:
            pages.append(ScannedPage.from_file(event.path))
        except OSError:
            raise _RefusedError(RejectReason.PAGE_UNREADABLE) from None
        return State.SCAN

    def _remove_page(self, event: RemovePage) -> State:
        session = self._require_session()
        document = self._scan_documents()[session.document_index]
        pages = session.pages.get(document.code, [])
        if not 0 <= event.index < len(pages):
            raise _RefusedError(RejectReason.NO_SUCH_PAGE)
        session.removed = (document.code, event.index, pages.pop(event.index))
        return State.SCAN

    def _undo_remove(self, _: UndoRemove) -> State:
        session = self._require_session()
        target = self._undo_target()
        if target is None:
            raise _RefusedError(RejectReason.NOTHING_TO_UNDO)
        code, index, page = target
        pages = session.pages.setdefault(code, [])
        pages.insert(min(index, len(pages)), page)
        session.removed = None
        return State.SCAN

    def _replace_page(self, event: ReplacePage) -> State:
        session = self._require_session()
        document = self._scan_documents()[session.document_index]
        pages = session.pages.get(document.code, [])
        if not 0 <= event.index < len(pages):
            raise _RefusedError(RejectReason.NO_SUCH_PAGE)
        try:
            new = ScannedPage.from_file(event.path)
        except OSError:
            raise _RefusedError(RejectReason.PAGE_UNREADABLE) from None
        old, pages[event.index] = pages[event.index], new
        if old.path != new.path:
            old.path.unlink(missing_ok=True)
        if event.index == 0:
            # The check was about the page just replaced: the new page's own check (when it
            # comes, and if it can be made) is the one that counts.
            session.forget_check(document.code)
        return State.SCAN

    def _rescan_document(self, _: RescanDocument) -> State:
        session = self._require_session()
        current = self._progress()[session.document_index]
        if not current.warned:
            raise _RefusedError(RejectReason.NOT_ALLOWED_HERE)
        code = current.document.code
        for page in session.pages.pop(code, []):
            page.path.unlink(missing_ok=True)
        session.forget_check(code)
        return State.SCAN

    def _keep_document(self, _: KeepDocument) -> State:
        session = self._require_session()
        current = self._progress()[session.document_index]
        if not current.warned:
            raise _RefusedError(RejectReason.NOT_ALLOWED_HERE)
        session.kept_warnings.add(current.document.code)
        log.info("document kept despite the check: %s", current.document.code)
        return State.SCAN

    def _scan_proceed(self, _: Proceed) -> State:
        session = self._require_session()
        progress = self._progress()
        current = progress[session.document_index]
        if current.warning_open:
            # Going on is keeping it: the warning is recorded all the same, and the decision is
            # the civil servant's.
            session.kept_warnings.add(current.document.code)
        if not current.complete:
            raise _RefusedError(
                RejectReason.DOCUMENT_MISSING,
                Notice(
                    RejectReason.DOCUMENT_MISSING,
                    MappingProxyType({"document": current.document.name}),
                ),
            )
        if not session.return_to_review and session.document_index + 1 < len(progress):
            session.document_index += 1
            return State.SCAN
        self._require_documents_complete()
        session.return_to_review = False
        return State.REVIEW

    def _scan_back(self, _: Back) -> State:
        session = self._require_session()
        if session.return_to_review:
            session.return_to_review = False
            return State.REVIEW
        if session.document_index > 0:
            session.document_index -= 1
            return State.SCAN
        return self._last_form_page()

    def _last_form_page(self) -> State:
        pages = self._asked_pages()
        if not pages:
            return State.IDENTITY_CHECK
        self._require_session().form_page = pages[-1]
        return State.FORM

    def _review_edit(self, event: Edit) -> State:
        session = self._require_session()
        if event.section is ReviewSection.FORM:
            if event.form_page not in self._asked_pages():
                raise _RefusedError(RejectReason.NO_SUCH_PAGE)
            session.return_to_review = True
            session.form_page = event.form_page
            session.form_errors = {}
            return State.FORM
        if not 0 <= event.document_index < len(self._scan_documents()):
            raise _RefusedError(RejectReason.NO_SUCH_DOCUMENT)
        session.return_to_review = True
        session.document_index = event.document_index
        return State.SCAN

    def _review_proceed(self, _: Proceed) -> State:
        values = self._validate_form()
        self._require_documents_complete()
        self._issue_code(values.get("phone"))
        return State.CONFIRM

    def _review_back(self, _: Back) -> State:
        session = self._require_session()
        if self._scan_documents():
            session.document_index = len(self._scan_documents()) - 1
            return State.SCAN
        return self._last_form_page()

    def _enter_code(self, event: EnterCode) -> State:
        session = self._require_session()
        assert session.challenge is not None
        if self._confirmation.check(session.challenge, event.code):
            return State.SUBMITTING
        session.wrong_codes += 1
        if session.wrong_codes >= self._settings.max_code_attempts:
            self._issue_code(session.form_input.get("phone"))
            raise _RefusedError(RejectReason.NEW_CODE_ISSUED)
        raise _RefusedError(RejectReason.WRONG_CODE)

    def _issue_code(self, phone: str | None) -> None:
        """A new confirmation code (by SMS to ``phone`` when there is one), with fresh tries."""
        session = self._require_session()
        session.challenge = self._confirmation.issue(phone)
        session.wrong_codes = 0

    def _resend_code(self, _: ResendCode) -> State:
        self._issue_code(self._require_session().form_input.get("phone"))
        return State.CONFIRM

    def _code_on_screen(self, _: ShowCodeOnScreen) -> State:
        self._issue_code(None)
        return State.CONFIRM

    def _confirm_back(self, _: Back) -> State:
        self._require_session().challenge = None
        return State.REVIEW

    def _print_finished(self, event: PrintFinished) -> State:
        session = self._require_session()
        session.print_status = PrintStatus.PRINTED if event.ok else PrintStatus.FAILED
        if event.ok:
            # The code stays on screen until the citizen moves on: the slip may not be
            # torn off yet, and some write the code down anyway.
            return State.DONE
        log.warning("slip not printed: %s", event.detail)
        self._notice = Notice(JourneyNotice.SLIP_NOT_PRINTED)
        return State.DONE

    def _rate(self, event: Rate) -> State:
        session = self._require_session()
        assert session.dossier is not None
        try:
            rating = Rating(event.score, (event.reason or "").strip()[:200] or None)
        except ValueError:
            raise _RefusedError(RejectReason.INVALID_RATING) from None
        try:
            self._queue.record_rating(session.dossier.client_uuid, rating)
        except QueueError as exc:
            # A lost rating is regrettable but must not hold the citizen at the kiosk.
            log.error("rating not stored: %s", exc.detail)
        self._end_session("rated")
        return State.ATTRACT

    def _finish(self, _: Proceed) -> State:
        """'Xong' without rating: the dossier is queued, the citizen goes."""
        self._end_session("finished")
        return State.ATTRACT

    def _clear_pages(self, session: _Session) -> None:
        for pages in session.pages.values():
            for page in pages:
                page.path.unlink(missing_ok=True)
        session.pages = {}
        session.checks = {}
        session.kept_warnings = set()
        session.document_index = 0


def _warning(progress: DocumentProgress) -> DocumentWarning | None:
    """What the dossier records of the check: a warning, for a document that has pages."""
    check = progress.check
    if check is None or not check.warned:
        return None
    return DocumentWarning(CheckVerdict(check.verdict.value), check.looks_like, check.page_index)


_TABLE: dict[tuple[State, type], Handler] = {
    (State.ATTRACT, Start): Journey._start,
    (State.ATTRACT, ChooseProcedure): Journey._choose,
    (State.CHOOSE_PROCEDURE, ChooseProcedure): Journey._choose,
    (State.CHOOSE_PROCEDURE, Back): Journey._to_attract,
    (State.PROCEDURE_DETAILS, Proceed): Journey._details_proceed,
    (State.PROCEDURE_DETAILS, Back): Journey._to_choose,
    (State.IDENTIFY, QrScanned): Journey._qr,
    (State.IDENTIFY, Back): Journey._to_details,
    (State.IDENTITY_CHECK, Proceed): Journey._identity_proceed,
    (State.IDENTITY_CHECK, Back): Journey._identity_back,
    (State.FORM, SetField): Journey._set_field,
    (State.FORM, Proceed): Journey._form_proceed,
    (State.FORM, Back): Journey._form_back,
    (State.SCAN, SelectDocument): Journey._select_document,
    (State.SCAN, PageScanned): Journey._page_scanned,
    (State.SCAN, RemovePage): Journey._remove_page,
    (State.SCAN, ReplacePage): Journey._replace_page,
    (State.SCAN, UndoRemove): Journey._undo_remove,
    (State.SCAN, RescanDocument): Journey._rescan_document,
    (State.SCAN, KeepDocument): Journey._keep_document,
    (State.SCAN, Proceed): Journey._scan_proceed,
    (State.SCAN, Back): Journey._scan_back,
    (State.REVIEW, Edit): Journey._review_edit,
    (State.REVIEW, Proceed): Journey._review_proceed,
    (State.REVIEW, Back): Journey._review_back,
    (State.CONFIRM, EnterCode): Journey._enter_code,
    (State.CONFIRM, ResendCode): Journey._resend_code,
    (State.CONFIRM, ShowCodeOnScreen): Journey._code_on_screen,
    (State.CONFIRM, Back): Journey._confirm_back,
    (State.DONE, PrintFinished): Journey._print_finished,
    (State.DONE, Proceed): Journey._finish,
    # The done screen asks "were you satisfied?" itself: one tap rates and finishes.
    (State.DONE, Rate): Journey._rate,
}


def transitions() -> dict[tuple[State, type], Handler]:
    """The transition table, for tests and documentation."""
    return dict(_TABLE)
