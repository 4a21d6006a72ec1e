"""The view-model between the QML screens and the citizen journey in ``kiosk.journey``.

QML reads plain properties (strings, numbers, lists of maps) and calls intent slots; every
intent becomes one journey event, every journey snapshot becomes the properties. No business
rule lives here or in QML: what is allowed, what is missing and what is wiped is decided by the
state machine. What lives here is presentation (the screen to show, texts formatted for it) and
the glue that starts device work when the journey reaches a step (print on "done", verify an
identity once it is read) and turns the answers back into journey events.

The journey is driven from the GUI thread only; device answers arrive as queued signals.
Idle time is noticed by ``tick()``, which a QTimer calls once a second (tests call it by hand
after moving a fake clock).
"""

from __future__ import annotations

import logging
import uuid
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Property, QObject, QTimer, QUrl, Signal, Slot

from config.settings import Settings
from drivers.errors import DeviceError
from dvc_common.catalog import DocumentHandling, FieldType, Procedure
from dvc_common.clock import Clock
from kiosk.dossier import Verification
from kiosk.gateway_services import status_label
from kiosk.journey import (
    Back,
    CallStaff,
    Cancel,
    ChooseProcedure,
    Edit,
    EnterCode,
    IdentityChecked,
    Journey,
    PageScanned,
    PrintFinished,
    PrintStatus,
    Proceed,
    QrScanned,
    Rate,
    RemovePage,
    ReplacePage,
    ResendCode,
    ReviewSection,
    SelectDocument,
    SetField,
    Snapshot,
    Start,
    State,
    Tick,
    Touch,
)
from kiosk.ports import ConfirmationChannel
from kiosk.slip import (
    delivery_text,
    format_appointment,
    format_received,
    format_vnd,
    mask_phone,
    processing_time_text,
)
from ui.devices import (
    DeviceHub,
    PageReady,
    PrintDone,
    ScanFinished,
    StatusLooked,
    VerificationDone,
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
LOOKUP_IDLE_S = 60.0  # the status lookup closes by itself when nobody touches it

# Which keypad a field gets: the QML maps these to Qt input-method hints.
KEYPADS: dict[FieldType, str] = {
    FieldType.DATE: "date",
    FieldType.PHONE: "phone",
    FieldType.ID_NUMBER: "digits",
    FieldType.INTEGER: "digits",
    FieldType.EMAIL: "email",
}


class ScanNotice(StrEnum):
    """Scan-step messages the screen translates itself (``scanMessage`` otherwise carries a
    device's Vietnamese message as it is)."""

    ALL_BLANK = "blank"  # every page fed was blank: probably face up
    DOCUMENT_FULL = "full"  # the document has its most pages


class Screen:
    """Names of the QML screens (file ``screens/<Name>Screen.qml``)."""

    HOME = "Home"
    PROCEDURES = "Procedures"
    DETAILS = "Details"
    IDENTIFY = "Identify"
    FORM = "Form"
    SCAN = "Scan"
    REVIEW = "Review"
    CONFIRM = "Confirm"
    DONE = "Done"
    RATING = "Rating"
    LOOKUP = "Lookup"


SCREENS: dict[State, str] = {
    State.ATTRACT: Screen.HOME,
    State.CHOOSE_PROCEDURE: Screen.PROCEDURES,
    State.PROCEDURE_DETAILS: Screen.DETAILS,
    State.IDENTIFY: Screen.IDENTIFY,
    State.FORM: Screen.FORM,
    State.SCAN: Screen.SCAN,
    State.REVIEW: Screen.REVIEW,
    State.CONFIRM: Screen.CONFIRM,
    State.SUBMITTING: Screen.CONFIRM,
    State.DONE: Screen.DONE,
    State.RATING: Screen.RATING,
}


def procedure_view(procedure: Procedure) -> dict[str, Any]:
    """What the details screen shows about a procedure (Vietnamese catalog data)."""
    return {
        "code": procedure.code,
        "name": procedure.name,
        "field": procedure.field,
        "summary": procedure.summary,
        "fee": procedure.fee.description,
        "processingTime": processing_time_text(procedure),
        "resultPlace": procedure.result_place,
        "delivery": delivery_text(procedure.result_delivery),
        "sets": procedure.number_of_sets,
        "notes": list(procedure.notes),
        "documents": [
            {
                "name": doc.name,
                "mandatory": doc.mandatory,
                "copies": doc.copies,
                "scanned": doc.handling is DocumentHandling.SCAN,
                "shown": doc.handling is DocumentHandling.SHOW,
                "condition": doc.condition or "",
            }
            for doc in procedure.documents
        ],
    }


class JourneyViewModel(QObject):
    """One object for every journey screen; see the module docstring."""

    changed = Signal()
    lookupChanged = Signal()
    sessionEnded = Signal()  # the citizen left (finished, cancelled or wiped)
    attractIdle = Signal()  # nobody has touched the home screen for a while

    def __init__(
        self,
        *,
        journey: Journey,
        settings: Settings,
        clock: Clock,
        hub: DeviceHub,
        tick_interval_ms: int | None = 1000,
    ) -> None:
        super().__init__()
        self._journey = journey
        self._settings = settings
        self._clock = clock
        self._hub = hub
        self._tz = ZoneInfo(settings.kiosk.timezone)
        self._snapshot = journey.snapshot()
        self._verifying: set[tuple[uuid.UUID, str]] = set()
        self._held_pages: list[PageReady] = []  # arrived during the idle warning
        self._printing: set[uuid.UUID] = set()
        self._page_info: dict[Path, dict[str, Any]] = {}
        self._identify_since: float | None = None
        self._scan_message = ""
        self._scan_pages_this_job = 0
        self._lookup_open = False
        self._lookup_busy = False
        self._lookup_result: dict[str, Any] = {}
        self._lookup_touched = 0.0
        self._lookup_request = 0
        self._last_touch = clock.monotonic()
        self._identify_help_shown = False
        self._timer: QTimer | None = None
        if tick_interval_ms is not None:
            self._timer = QTimer(self)
            self._timer.setInterval(tick_interval_ms)
            self._timer.timeout.connect(self.tick)
            self._timer.start()

    # --- snapshot → side effects ------------------------------------------------------------------

    def on_snapshot(self, snapshot: Snapshot) -> None:
        previous = self._snapshot
        self._snapshot = snapshot
        if snapshot.state is State.IDENTIFY and previous.state is not State.IDENTIFY:
            self._identify_since = self._clock.monotonic()
            # A code held up before this screen asked for it was seen and ignored: let the
            # reader report it again now that it counts.
            self._hub.qr.forget_repeats()
        if snapshot.session_id is None:
            # The session ended (finished, cancelled or wiped): forget everything about it.
            self._hub.cancel_scan()
            self._page_info.clear()
            self._verifying.clear()
            self._printing.clear()
            for held in self._held_pages:
                held.pdf.unlink(missing_ok=True)
                held.thumbnail.unlink(missing_ok=True)
            self._held_pages.clear()
            self._scan_message = ""
            if previous.session_id is not None:
                self.sessionEnded.emit()
        elif snapshot.state not in (State.SCAN, State.IDLE_WARNING) and self._hub.scanning:
            self._hub.cancel_scan()
        if snapshot.state is State.SCAN and self._held_pages:
            # Not from inside the journey's notification: the replay dispatches events itself.
            QTimer.singleShot(0, self._replay_held_pages)
        self._forget_removed_pages(snapshot)
        sid = snapshot.session_id
        identity = snapshot.identity
        if (
            sid is not None
            and identity is not None
            and snapshot.verification is Verification.PENDING
            and (sid, identity.id_number) not in self._verifying
        ):
            self._verifying.add((sid, identity.id_number))
            self._hub.verify_identity(sid, identity)
        if (
            sid is not None
            and snapshot.state is State.DONE
            and snapshot.dossier is not None
            and snapshot.procedure is not None
            and snapshot.print_status is PrintStatus.PENDING
            and sid not in self._printing
        ):
            self._printing.add(sid)
            self._hub.print_slip(sid, snapshot.dossier, snapshot.procedure)
        help_shown = self._identify_help()
        # The once-a-second tick changes nothing most of the time: QML re-reads only on change.
        if snapshot != previous or help_shown != self._identify_help_shown:
            self._identify_help_shown = help_shown
            self.changed.emit()

    def _replay_held_pages(self) -> None:
        held, self._held_pages = self._held_pages, []
        for ready in held:
            self.on_page_ready(ready)

    def _forget_removed_pages(self, snapshot: Snapshot) -> None:
        """A page removed or replaced by the journey takes its thumbnail with it."""
        kept = {page.path for progress in snapshot.documents for page in progress.pages}
        for pdf in [path for path in self._page_info if path not in kept]:
            thumbnail = Path(QUrl(self._page_info.pop(pdf)["thumbnail"]).toLocalFile())
            thumbnail.unlink(missing_ok=True)

    # --- device answers ---------------------------------------------------------------------------

    @Slot(object)
    def on_qr(self, payload: bytes) -> None:
        if self._lookup_open:
            text = payload.decode("utf-8", errors="replace")
            self.lookup(text)
        elif self._snapshot.state is State.IDENTIFY:
            self._journey.dispatch(QrScanned(payload))
        else:
            log.debug("QR read ignored in state %s", self._snapshot.state.value)

    @Slot(object)
    def on_page_ready(self, ready: PageReady) -> None:
        snap = self._snapshot
        if ready.session_id != snap.session_id or snap.state not in (
            State.SCAN,
            State.IDLE_WARNING,
        ):
            ready.pdf.unlink(missing_ok=True)
            ready.thumbnail.unlink(missing_ok=True)
            return
        if snap.state is State.IDLE_WARNING:
            # The journey takes no pages while it asks "are you still there?": keep them for
            # when the citizen answers (or delete them with the session).
            self._held_pages.append(ready)
            return
        if ready.document_index != snap.document_index:
            self._journey.dispatch(SelectDocument(ready.document_index))
        if ready.replaces is not None:
            outcome = self._journey.dispatch(ReplacePage(ready.replaces, ready.pdf))
        else:
            outcome = self._journey.dispatch(PageScanned(ready.pdf))
        if outcome.accepted:
            self._scan_pages_this_job += 1
            self._page_info[ready.pdf] = {
                "thumbnail": QUrl.fromLocalFile(str(ready.thumbnail)).toString(),
                "flags": sorted(flag.value for flag in ready.flags),
            }
        else:
            ready.pdf.unlink(missing_ok=True)
            ready.thumbnail.unlink(missing_ok=True)
            self._scan_message = outcome.message or ""
        self.changed.emit()

    @Slot(object)
    def on_scan_finished(self, finished: ScanFinished) -> None:
        if finished.session_id != self._snapshot.session_id:
            return
        if finished.error is not None:
            self._scan_message = finished.error.citizen_message
        elif finished.kept == 0 and finished.outcome.value == "completed":
            # Everything fed was blank: probably the papers went in face down.
            self._scan_message = ScanNotice.ALL_BLANK
        self.changed.emit()

    @Slot(object)
    def on_print_done(self, done: PrintDone) -> None:
        if done.session_id != self._snapshot.session_id:
            return
        self._journey.dispatch(PrintFinished(done.ok, done.detail))

    @Slot(object)
    def on_verification(self, done: VerificationDone) -> None:
        identity = self._snapshot.identity
        if identity is None or identity.id_number != done.id_number:
            return  # an answer about a card read earlier in this session: not this citizen
        self._journey.dispatch(IdentityChecked(done.session_id, done.result))

    @Slot(object)
    def on_status(self, looked: StatusLooked) -> None:
        if not self._lookup_open or looked.request != self._lookup_request:
            return  # the lookup was closed or asked again: this answer is for no one on screen
        result = looked.result
        self._lookup_busy = False
        self._lookup_result = {
            "kind": result.kind.value,
            "code": result.code or "",
            "status": result.status_label or "",
            "appointment": format_appointment(result.appointment_date)
            if result.appointment_date
            else "",
            "message": result.message or "",
            "history": [
                f"{step.at.astimezone(self._tz):%d/%m/%Y %H:%M}: "
                + status_label(step.status)
                + (f" ({step.note})" if step.note else "")
                for step in result.history
            ],
        }
        self.lookupChanged.emit()

    # --- intents ----------------------------------------------------------------------------------

    @Slot()
    def tick(self) -> None:
        self._journey.dispatch(Tick())
        now = self._clock.monotonic()
        if self._lookup_open and now - self._lookup_touched > LOOKUP_IDLE_S:
            self.closeLookup()
        quiet = now - self._last_touch
        if (
            self._snapshot.state is State.ATTRACT
            and not self._lookup_open
            and quiet > self._settings.session.idle_warning_after_s
        ):
            # Someone switched the language or typed a search and walked away without starting:
            # the next citizen gets the kiosk as it was.
            self._last_touch = now
            self.attractIdle.emit()

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
        self._lookup_touched = self._last_touch = self._clock.monotonic()
        self._journey.dispatch(Touch())

    @Slot(str, str)
    def setField(self, name: str, value: str) -> None:
        self._journey.dispatch(SetField(name, value))

    @Slot(int)
    def selectDocument(self, index: int) -> None:
        self._journey.dispatch(SelectDocument(index))

    @Slot()
    def scanPages(self) -> None:
        self._scan(None)

    @Slot(int)
    def rescanPage(self, index: int) -> None:
        """Scan one page again (it was flagged dark, blurred, cut off) in the same place."""
        self._scan(index)

    def _scan(self, replaces: int | None) -> None:
        snap = self._snapshot
        if snap.state is not State.SCAN or snap.session_id is None or snap.session_dir is None:
            return
        if self._hub.scanning:
            return  # a double tap must not feed twice
        progress = snap.documents[snap.document_index]
        if replaces is not None and not 0 <= replaces < len(progress.pages):
            return
        room = progress.document.max_pages - len(progress.pages)
        self._scan_message = ""
        self._scan_pages_this_job = 0
        if room <= 0 and replaces is None:
            self._scan_message = ScanNotice.DOCUMENT_FULL
            self.changed.emit()
            return
        error: DeviceError | None = self._hub.start_scan(
            snap.session_id,
            snap.document_index,
            snap.session_dir,
            progress.document.code,
            room,
            replaces=replaces,
        )
        if error is not None:
            self._scan_message = error.citizen_message
        self._journey.dispatch(Touch())
        self.changed.emit()

    @Slot()
    def stopScan(self) -> None:
        self._hub.cancel_scan()
        self.changed.emit()

    @Slot(int)
    def removePage(self, index: int) -> None:
        self._journey.dispatch(RemovePage(index))

    @Slot()
    def editForm(self) -> None:
        self._journey.dispatch(Edit(ReviewSection.FORM))

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

    @Slot()
    def openLookup(self) -> None:
        if self._snapshot.state is not State.ATTRACT:
            return
        self._lookup_open = True
        self._hub.qr.forget_repeats()
        self._lookup_result = {}
        self._lookup_touched = self._clock.monotonic()
        self.lookupChanged.emit()
        self.changed.emit()

    @Slot()
    def closeLookup(self) -> None:
        self._lookup_request += 1
        self._lookup_open = False
        self._lookup_busy = False
        self._lookup_result = {}
        self.lookupChanged.emit()
        self.changed.emit()

    @Slot(str)
    def lookup(self, code: str) -> None:
        if not self._lookup_open:
            return
        self._lookup_touched = self._clock.monotonic()
        self._lookup_busy = True
        self._lookup_result = {}
        self._lookup_request += 1
        self.lookupChanged.emit()
        self._hub.lookup_status(self._lookup_request, code)

    # --- properties -------------------------------------------------------------------------------

    def _state(self) -> str:
        return self._snapshot.state.value

    def _screen(self) -> str:
        snap = self._snapshot
        if self._lookup_open and snap.state is State.ATTRACT:
            return Screen.LOOKUP
        state = snap.resume_state if snap.state is State.IDLE_WARNING else snap.state
        return SCREENS.get(state or State.ATTRACT, Screen.HOME)

    def _idle_left(self) -> int:
        left = self._snapshot.idle_seconds_left
        return -1 if left is None else left

    def _message(self) -> str:
        return self._snapshot.message or ""

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
        snap = self._snapshot
        if snap.procedure is None:
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
                "error": snap.form_errors.get(f.name, ""),
                "choices": [{"value": c.value, "label": c.label} for c in f.choices],
            }
            for f in snap.procedure.form
        ]

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
                "pages": [
                    {
                        "thumbnail": self._page_info.get(page.path, {}).get("thumbnail", ""),
                        "flags": self._page_info.get(page.path, {}).get("flags", []),
                        "kb": max(1, round(page.size / 1024)),
                    }
                    for page in p.pages
                ],
            }
            for p in self._snapshot.documents
        ]

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
        }

    def _dossier(self) -> dict[str, Any]:
        dossier = self._snapshot.dossier
        if dossier is None:
            return {}
        return {
            "code": dossier.display_code,
            "provisional": dossier.is_provisional,
            "procedureName": dossier.procedure_name,
            "received": format_received(dossier.received_at, self._tz),
            "appointment": format_appointment(dossier.due_date),
            "verificationPending": dossier.verification is Verification.PENDING,
            "pages": sum(len(d.pages) for d in dossier.documents),
        }

    def _print_status(self) -> str:
        return self._snapshot.print_status.value

    def _scanning(self) -> bool:
        return self._hub.scanning

    def _scan_msg(self) -> str:
        return self._scan_message

    def _scan_count(self) -> int:
        return self._scan_pages_this_job

    def _identify_help(self) -> bool:
        since = self._identify_since
        return (
            self._snapshot.state is State.IDENTIFY
            and since is not None
            and self._clock.monotonic() - since >= IDENTIFY_HELP_AFTER_S
        )

    def _fee_total(self) -> str:
        procedure = self._snapshot.procedure
        if procedure is None:
            return ""
        return (
            procedure.fee.description
            if procedure.fee.amount_vnd == 0
            else format_vnd(procedure.fee.amount_vnd)
        )

    def _lookup_open_get(self) -> bool:
        return self._lookup_open

    def _lookup_busy_get(self) -> bool:
        return self._lookup_busy

    def _lookup_result_get(self) -> dict[str, Any]:
        return self._lookup_result

    # mypy sees what Python code reads (the values); Qt sees the properties QML binds to.
    if TYPE_CHECKING:
        state: str
        screen: str
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
        identifyHelp: bool
        feeText: str
        lookupOpen: bool
        lookupBusy: bool
        lookupResult: dict[str, Any]
    else:
        state = Property(str, _state, notify=changed)
        screen = Property(str, _screen, notify=changed)
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
        identifyHelp = Property(bool, _identify_help, notify=changed)
        feeText = Property(str, _fee_total, notify=changed)
        lookupOpen = Property(bool, _lookup_open_get, notify=lookupChanged)
        lookupBusy = Property(bool, _lookup_busy_get, notify=lookupChanged)
        lookupResult = Property(dict, _lookup_result_get, notify=lookupChanged)

    # --- for tests and the demo -------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
