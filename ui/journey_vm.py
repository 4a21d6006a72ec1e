"""The view-model between the QML screens and the citizen journey in ``kiosk.journey``.

QML reads plain properties (strings, numbers, lists of maps) and calls intent slots; every
intent becomes one journey event (or a call on one of the kiosk's use cases), every journey
snapshot becomes the properties. No business rule lives here or in QML: what is allowed, what is
missing and what is wiped is decided by the state machine; scanning, printing and identity
verification are the Qt-free use cases in ``kiosk.scanning``, ``kiosk.printing`` and
``kiosk.verification``; which screen shows is ``kiosk.router``'s decision (``ui.router``). What
lives here is presentation: texts and lists formatted for the screens. The core reports reasons
(``kiosk.journey.Notice``, ``kiosk.forms.FieldProblem``); they are worded here, in the screens'
language, through ``ui.translate``.

The journey is driven from the GUI thread only; device answers arrive as queued signals.
A snapshot is taken in two steps (``on_snapshot`` then ``publish``) so the composition root can
let the router switch the screen in between: a screen always reads the data it was made for.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Property, QObject, QUrl, Signal, Slot

from config.settings import Settings
from dvc_common.catalog import DocumentHandling, FieldType, FormField, Procedure
from dvc_common.clock import Clock
from dvc_common.privacy import mask_id
from kiosk.document_check import DocumentCheck, DocumentVerdict
from kiosk.forms import page_fields, with_copies
from kiosk.gateway_services import SMS_CODE_DIGITS
from kiosk.journey import (
    Back,
    CallStaff,
    Cancel,
    ChooseProcedure,
    DocumentProgress,
    Edit,
    EnterCode,
    Journey,
    KeepDocument,
    Proceed,
    Rate,
    RemovePage,
    RescanDocument,
    ResendCode,
    ReviewSection,
    SelectDocument,
    SetField,
    ShowCodeOnScreen,
    Snapshot,
    Start,
    State,
    Touch,
    UndoRemove,
)
from kiosk.ports import ConfirmationChannel
from kiosk.printing import PrintDesk, PrintDone
from kiosk.router import Screen, ScreenRouter
from kiosk.scanning import CheckStarted, PageReady, ScanDesk, ScanFinished
from kiosk.slip import mask_phone
from kiosk.steps import step_position
from kiosk.verification import VerificationDesk, VerificationDone
from ui.messages import fill, guide_id
from ui.translate import (
    appointment_words,
    notice_text,
    processing_time_words,
    received_words,
    translate,
    translate_id,
)

log = logging.getLogger(__name__)

RATING_REASONS = {
    "wait": "Phải chờ lâu",
    "hard": "Máy khó sử dụng",
    "device": "Máy bị lỗi",
    "documents": "Giấy tờ phức tạp",
    "other": "Lý do khác",
}
REASON_MAX_SCORE = 3  # a reason is asked for scores up to this
IDENTIFY_HELP_AFTER_S = 20.0  # issue: help after 20 s without a read

# Which keypad a field gets: the QML maps these to Qt input-method hints.
KEYPADS: dict[FieldType, str] = {
    FieldType.DATE: "date",
    FieldType.PHONE: "phone",
    FieldType.ID_NUMBER: "digits",
    FieldType.INTEGER: "digits",
    FieldType.EMAIL: "email",
}


def procedure_view(procedure: Procedure) -> dict[str, Any]:
    """What the details screen shows about a procedure (Vietnamese catalog data): what to have
    ready and what it costs. Where and how the result is received is not among it: the form
    asks when there is a choice, and the slip says where."""
    return {
        "code": procedure.code,
        "name": procedure.name,
        "shortName": procedure.short_name or procedure.name,
        "field": procedure.field,
        "summary": procedure.summary,
        "fee": procedure.fee.description,
        "processingTime": processing_time_words(procedure),
        "sets": procedure.number_of_sets,
        "notes": list(procedure.notes),
        "documents": [
            {
                "name": doc.name,
                "mandatory": doc.mandatory,
                "copies": doc.copies,
                "scanned": doc.handling is DocumentHandling.SCAN,
                "shown": doc.handling is DocumentHandling.SHOW,
                "form": doc.handling is DocumentHandling.FORM,
                "condition": doc.condition or "",
            }
            for doc in procedure.documents
        ],
    }


# The check's warnings, worded by the scan screen: %1 the document asked for, %2 (for another
# paper) the paper it looks like. Not in ``ui.messages``' table: that table is keyed by enum
# members, and these share their values ("blank", "unreadable") with other reasons there.
CHECK_WORDING: dict[DocumentVerdict, str] = {
    verdict: f"scan.check.{verdict.value}"
    for verdict in DocumentVerdict
    if DocumentCheck(verdict, "").warned
}


def _warning_text(progress: DocumentProgress) -> str:
    """The check's warning about ``progress``'s document, in the screens' language."""
    check: DocumentCheck | None = progress.check
    assert check is not None and check.warned
    expected = progress.document.name
    if check.verdict is DocumentVerdict.OTHER_DOCUMENT and not check.looks_like:
        # Another paper without a name to say: all the citizen can be told is that it is not
        # sure to be the one asked for.
        return fill(translate_id(CHECK_WORDING[DocumentVerdict.UNREADABLE]), [expected])
    return fill(translate_id(CHECK_WORDING[check.verdict]), [expected, check.looks_like or ""])


class JourneyViewModel(QObject):
    """One object for every journey screen; see the module docstring."""

    changed = Signal()

    def __init__(
        self,
        *,
        journey: Journey,
        settings: Settings,
        clock: Clock,
        router: ScreenRouter,
        scan: ScanDesk,
        printing: PrintDesk,
        verification: VerificationDesk,
    ) -> None:
        super().__init__()
        self._journey = journey
        self._settings = settings
        self._clock = clock
        self._router = router
        self._scan_desk = scan
        self._print_desk = printing
        self._verification = verification
        self._tz = ZoneInfo(settings.kiosk.timezone)
        self._snapshot = journey.snapshot()
        self._published = self._snapshot
        self._identify_since: float | None = None
        self._identify_help_shown = False

    # --- snapshot → properties --------------------------------------------------------------------

    def on_snapshot(self, snapshot: Snapshot) -> None:
        """Take the journey's new state (the screens are told in ``publish``)."""
        previous = self._snapshot
        self._snapshot = snapshot
        if snapshot.state is State.IDENTIFY and previous.state is not State.IDENTIFY:
            self._identify_since = self._clock.monotonic()

    def publish(self, _: Snapshot | None = None) -> None:
        """Tell the screens, if anything they show changed."""
        snapshot = self._snapshot
        help_shown = self._identify_help()
        # The once-a-second tick changes nothing most of the time: QML re-reads only on change.
        if snapshot != self._published or help_shown != self._identify_help_shown:
            self._published = snapshot
            self._identify_help_shown = help_shown
            self.changed.emit()

    # --- device answers ---------------------------------------------------------------------------

    @Slot(object)
    def on_page_ready(self, ready: PageReady) -> None:
        self._scan_desk.accept_page(ready)
        self.changed.emit()

    @Slot(object)
    def on_check_started(self, started: CheckStarted) -> None:
        if self._scan_desk.check_started(started):
            self.changed.emit()

    @Slot(object)
    def on_scan_finished(self, finished: ScanFinished) -> None:
        if self._scan_desk.finished(finished):
            self.changed.emit()

    @Slot(object)
    def on_print_done(self, done: PrintDone) -> None:
        self._print_desk.answered(done)

    @Slot(object)
    def on_verification(self, done: VerificationDone) -> None:
        self._verification.answered(done)

    @Slot(str, result=str)
    def guideFor(self, screen: str) -> str:
        """The translation id of the guide "Nghe hướng dẫn" reads on ``screen`` now."""
        return guide_id(Screen(screen), self._snapshot)

    # --- intents ----------------------------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        self._journey.dispatch(Start())

    @Slot(str)
    def chooseProcedure(self, code: str) -> None:
        if self._snapshot.state is State.ATTRACT:
            self._journey.dispatch(Start())
        self._journey.dispatch(ChooseProcedure(code))

    @Slot()
    def proceed(self) -> None:
        self._journey.dispatch(Proceed())

    @Slot()
    def back(self) -> None:
        self._journey.dispatch(Back())

    @Slot()
    def cancel(self) -> None:
        self._journey.dispatch(Cancel())

    @Slot()
    def callStaff(self) -> None:
        self._journey.dispatch(CallStaff())

    @Slot()
    def touch(self) -> None:
        self._router.touch()
        self._journey.dispatch(Touch())

    @Slot(str, str)
    def setField(self, name: str, value: str) -> None:
        self._journey.dispatch(SetField(name, value))

    @Slot(str, str)
    def answer(self, name: str, value: str) -> None:
        """A tap on an answer of a page that asks only that question: answered, and on."""
        if self._journey.dispatch(SetField(name, value)).accepted:
            self._journey.dispatch(Proceed())

    @Slot()
    def undoRemove(self) -> None:
        self._journey.dispatch(UndoRemove())

    @Slot()
    def codeOnScreen(self) -> None:
        self._journey.dispatch(ShowCodeOnScreen())

    @Slot(int)
    def selectDocument(self, index: int) -> None:
        self._journey.dispatch(SelectDocument(index))

    @Slot()
    def scanPages(self) -> None:
        self._scan_desk.scan()
        self.changed.emit()

    @Slot(int)
    def rescanPage(self, index: int) -> None:
        """Scan one page again (it was flagged dark, blurred, cut off) in the same place."""
        self._scan_desk.scan(index)
        self.changed.emit()

    @Slot()
    def stopScan(self) -> None:
        self._scan_desk.stop()
        self.changed.emit()

    @Slot()
    def rescanDocument(self) -> None:
        """After the check's warning: this document's pages go, and the feeder starts again."""
        if self._journey.dispatch(RescanDocument()).accepted:
            self._scan_desk.scan()
        self.changed.emit()

    @Slot()
    def keepDocument(self) -> None:
        """After the check's warning: the pages stay, the dossier says so, staff decide."""
        self._journey.dispatch(KeepDocument())

    @Slot(int)
    def removePage(self, index: int) -> None:
        self._journey.dispatch(RemovePage(index))

    @Slot(int)
    def editForm(self, page: int) -> None:
        self._journey.dispatch(Edit(ReviewSection.FORM, form_page=page))

    @Slot(int)
    def editDocument(self, index: int) -> None:
        self._journey.dispatch(Edit(ReviewSection.DOCUMENTS, index))

    @Slot(str)
    def enterCode(self, code: str) -> None:
        self._journey.dispatch(EnterCode(code))

    @Slot()
    def resendCode(self) -> None:
        self._journey.dispatch(ResendCode())

    @Slot(int, str)
    def rate(self, score: int, reason_key: str) -> None:
        # Stored in Vietnamese whatever the screen's language: staff read the ratings. A
        # reason is asked for (and kept) only for the lower scores.
        reason = RATING_REASONS.get(reason_key) if score <= REASON_MAX_SCORE else None
        self._journey.dispatch(Rate(score, reason))

    # --- properties -------------------------------------------------------------------------------

    def _state(self) -> str:
        return self._snapshot.state.value

    def _idle_left(self) -> int:
        left = self._snapshot.idle_seconds_left
        return -1 if left is None else left

    def _message(self) -> str:
        return notice_text(self._snapshot.notice)

    def _help_requested(self) -> bool:
        return self._snapshot.help_requested

    def _procedure(self) -> dict[str, Any]:
        procedure = self._snapshot.procedure
        return procedure_view(procedure) if procedure else {}

    def _identity(self) -> dict[str, Any]:
        identity = self._snapshot.identity
        if identity is None:
            return {}
        return {
            "name": identity.full_name,
            "maskedId": identity.masked_id,
            "dateOfBirth": f"{identity.date_of_birth:%d/%m/%Y}",
            "sex": identity.sex.value,
            "address": identity.address,
            "verification": self._snapshot.verification.value,
        }

    def _fields(self) -> list[dict[str, Any]]:
        """The fields of the form page on screen, as the citizen is asked them now."""
        snap = self._snapshot
        if snap.procedure is None or snap.state is not State.FORM:
            return []
        return [
            {
                "name": f.name,
                "label": f.label,
                "help": f.help or "",
                "type": f.type.value,
                "keypad": KEYPADS.get(f.type, "text"),
                "required": f.required,
                "maxLength": f.max_length,
                "value": snap.form_input.get(f.name, ""),
                "error": self._field_error(f.name),
                "choices": [{"value": c.value, "label": c.label} for c in f.choices],
            }
            for f in page_fields(snap.procedure, snap.form_page, snap.form_input)
        ]

    def _form_page(self) -> dict[str, Any]:
        snap = self._snapshot
        if snap.procedure is None or snap.form_page not in snap.asked_pages:
            return {}
        fields = page_fields(snap.procedure, snap.form_page, snap.form_input)
        first_error = next((f.name for f in fields if f.name in snap.form_errors), "")
        return {
            "title": snap.procedure.pages[snap.form_page].title,
            "number": snap.asked_pages.index(snap.form_page) + 1,
            "count": len(snap.asked_pages),
            # One question with set answers: a tap on an answer is the way on.
            "choiceOnly": len(fields) == 1 and fields[0].type is FieldType.CHOICE,
            "firstError": first_error,
        }

    def _step(self) -> dict[str, Any]:
        snap = self._snapshot
        position = step_position(snap.state, snap.procedure, snap.resume_state)
        if position is None:
            return {}
        return {
            "number": position.number,
            "total": position.total,
            "key": position.step.value,
        }

    def _card(self) -> list[dict[str, str]]:
        """What the card says, as shown to be confirmed: the ID number masked, as everywhere."""
        snap = self._snapshot
        identity = snap.identity
        if identity is None or snap.procedure is None:
            return []
        born = f"{identity.date_of_birth:%d/%m/%Y}"
        rows = [
            {"label": translate_id("card.name"), "value": identity.full_name},
            {"label": translate_id("card.idNumber"), "value": identity.masked_id},
            {"label": translate_id("card.birthDate"), "value": born},
            {"label": translate_id("card.sex"), "value": identity.sex.label},
        ]
        address = snap.address
        rows.append(
            {
                "label": translate_id("card.address"),
                "value": identity.address if address is None else address.current,
            }
        )
        return rows

    def _address(self) -> dict[str, Any]:
        address = self._snapshot.address
        if address is None:
            return {}
        return {
            "card": address.card_address,
            "current": address.current,
            "communeChecked": address.commune_checked,
        }

    def _review_sections(self) -> list[dict[str, Any]]:
        """The answers grouped by the form's pages, each with its own "Sửa"; a row with no label
        is the page's only answer, under its question."""
        snap = self._snapshot
        procedure = snap.procedure
        if procedure is None:
            return []
        values = with_copies(procedure, snap.form_input)
        sections = []
        for index in snap.asked_pages:
            # An optional question left empty is not news to the citizen: not listed.
            rows = [
                {"label": f.label, "value": self._shown_value(f, values.get(f.name, ""))}
                for f in page_fields(procedure, index, snap.form_input)
                if f.required or values.get(f.name)
            ]
            title = procedure.pages[index].title
            if len(rows) == 1:
                # One answer: its question is the heading (the page's title would only say the
                # same again), the answer under it.
                title, rows = rows[0]["label"], [{"label": "", "value": rows[0]["value"]}]
            sections.append({"title": title, "page": index, "rows": rows})
        return sections

    @staticmethod
    def _shown_value(field: FormField, value: str) -> str:
        if field.type is FieldType.CHOICE:
            return next((c.label for c in field.choices if c.value == value), value)
        if field.type is FieldType.ID_NUMBER and value:
            # Shown masked like the card's number: someone may be standing behind.
            return mask_id(value)
        return value or "—"

    def _can_undo(self) -> bool:
        return self._snapshot.can_undo_remove

    def _field_error(self, name: str) -> str:
        problem = self._snapshot.form_errors.get(name)
        return "" if problem is None else translate(problem.reason, problem.params)

    def _documents(self) -> list[dict[str, Any]]:
        return [
            {
                "code": p.document.code,
                "name": p.document.name,
                "instructions": p.document.instructions or "",
                "condition": p.document.condition or "",
                "mandatory": p.document.mandatory,
                "complete": p.complete,
                "maxPages": p.document.max_pages,
                "pages": [self._page(page.path, page.size) for page in p.pages],
                # The check's warning, worded; "" when there is none.
                "warning": _warning_text(p) if p.warned else "",
                "warningOpen": p.warning_open,
            }
            for p in self._snapshot.documents
        ]

    def _page(self, pdf: Path, size: int) -> dict[str, Any]:
        view = self._scan_desk.page_view(pdf)
        return {
            "thumbnail": QUrl.fromLocalFile(str(view.thumbnail)).toString() if view else "",
            "flags": list(view.flags) if view else [],
            "kb": max(1, round(size / 1024)),
        }

    def _document_index(self) -> int:
        return self._snapshot.document_index

    def _challenge(self) -> dict[str, Any]:
        challenge = self._snapshot.challenge
        if challenge is None:
            return {}
        return {
            "channel": challenge.channel.value,
            "code": challenge.code if challenge.channel is ConfirmationChannel.SCREEN else "",
            "phone": mask_phone(challenge.phone) if challenge.phone else "",
            "length": len(challenge.code) if challenge.code else SMS_CODE_DIGITS,
        }

    def _dossier(self) -> dict[str, Any]:
        dossier = self._snapshot.dossier
        if dossier is None:
            return {}
        return {
            "code": dossier.display_code,
            "procedureName": dossier.procedure_name,
            "received": received_words(dossier.received_at, self._tz),
            "appointment": appointment_words(dossier.due_date),
            "officeHours": self._settings.agency.office_hours,
            "office": self._settings.agency.office,
            "pages": sum(len(d.pages) for d in dossier.documents),
        }

    def _print_status(self) -> str:
        return self._snapshot.print_status.value

    def _scanning(self) -> bool:
        return self._scan_desk.scanning

    def _scan_msg(self) -> str:
        return notice_text(self._scan_desk.notice)

    def _scan_count(self) -> int:
        return self._scan_desk.pages_this_job

    def _checking(self) -> bool:
        return self._scan_desk.checking

    def _identify_help(self) -> bool:
        since = self._identify_since
        return (
            self._snapshot.state is State.IDENTIFY
            and since is not None
            and self._clock.monotonic() - since >= IDENTIFY_HELP_AFTER_S
        )

    # mypy sees what Python code reads (the values); Qt sees the properties QML binds to.
    if TYPE_CHECKING:
        state: str
        idleSecondsLeft: int
        message: str
        helpRequested: bool
        procedure: dict[str, Any]
        identity: dict[str, Any]
        fields: list[Any]
        documents: list[Any]
        documentIndex: int
        challenge: dict[str, Any]
        dossier: dict[str, Any]
        printStatus: str
        scanning: bool
        scanMessage: str
        scanPagesThisJob: int
        checking: bool
        identifyHelp: bool
        formPage: dict[str, Any]
        step: dict[str, Any]
        card: list[Any]
        address: dict[str, Any]
        reviewSections: list[Any]
        canUndo: bool
    else:
        state = Property(str, _state, notify=changed)
        idleSecondsLeft = Property(int, _idle_left, notify=changed)
        message = Property(str, _message, notify=changed)
        helpRequested = Property(bool, _help_requested, notify=changed)
        procedure = Property(dict, _procedure, notify=changed)
        identity = Property(dict, _identity, notify=changed)
        fields = Property(list, _fields, notify=changed)
        documents = Property(list, _documents, notify=changed)
        documentIndex = Property(int, _document_index, notify=changed)
        challenge = Property(dict, _challenge, notify=changed)
        dossier = Property(dict, _dossier, notify=changed)
        printStatus = Property(str, _print_status, notify=changed)
        scanning = Property(bool, _scanning, notify=changed)
        scanMessage = Property(str, _scan_msg, notify=changed)
        scanPagesThisJob = Property(int, _scan_count, notify=changed)
        checking = Property(bool, _checking, notify=changed)
        identifyHelp = Property(bool, _identify_help, notify=changed)
        formPage = Property(dict, _form_page, notify=changed)
        step = Property(dict, _step, notify=changed)
        card = Property(list, _card, notify=changed)
        address = Property(dict, _address, notify=changed)
        reviewSections = Property(list, _review_sections, notify=changed)
        canUndo = Property(bool, _can_undo, notify=changed)

    # --- for tests and the demo -------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot
