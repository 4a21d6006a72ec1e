"""Technician mode as QML sees it: the way in (PIN pad or badge), and the technician's sections
(status, devices, network, outbox, log), each a thin adapter over a Qt-free use case.

Entry is decided by ``kiosk.technician.TechnicianAccess``; the screen router owns the modes
(``TECH_ENTRY``, ``TECHNICIAN``) and the quiet lock. A granted entry first ends a citizen's session
exactly as leaving it alone would (the journey's ``Cancel``: memory and scratch files wiped),
then moves to technician mode. Anything slow (checks over the network, a test scan or print, an
export to a stick) runs on a worker thread; its result comes back here on the GUI thread through
a queued signal. Every action goes to the audit trail, which the sync process delivers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Property, QObject, QUrl, Signal, Slot, qtTrId

from dvc_common.clock import Clock
from dvc_common.privacy import mask_digits_in
from dvc_common.trust import is_badge, is_enrolment_code
from kiosk.device_setup import CHOICES, SOURCES, DeviceChoice, DeviceKind, SetupError
from kiosk.doctor import CheckResult, Outcome
from kiosk.enrolment import EnrolmentError
from kiosk.identity import IdentityError, parse_identity
from kiosk.journey import Cancel, Journey
from kiosk.logbook import RecentLog
from kiosk.maintenance import CareResult
from kiosk.router import ENTRY_MODES, Mode, ScreenRouter, Trigger
from kiosk.technician import AuditKind, AuditTrail, EntryOutcome, EntryResult, TechnicianAccess

log = logging.getLogger(__name__)

LOG_LINES_SHOWN = 200


class Section(StrEnum):
    STATUS = "status"
    DEVICES = "devices"
    NETWORK = "network"
    OUTBOX = "outbox"
    LOG = "log"


class Task(StrEnum):
    """Work that runs off the GUI thread; one of each at a time."""

    CHECKS = "checks"
    SCAN = "scan"
    PRINT = "print"
    OUTBOX = "outbox"
    EXPORT = "export"
    LOG_EXPORT = "log_export"
    WIFI = "wifi"
    PRINTER_STATUS = "printer_status"
    ENROL = "enrol"
    SETUP = "setup"
    GATEWAY = "gateway"
    CAMERA = "camera"
    SCANNERS = "scanners"


@dataclass
class TechnicianTools:
    """What the sections work with; absent ones make their section say so. Every callable may
    block: the view-model calls them off the GUI thread."""

    checks: Callable[[], Sequence[CheckResult]] | None = None
    test_scan: Callable[[], dict[str, Any]] | None = None  # thumbnail, flags, kb, pages
    test_print: Callable[[], tuple[bool, str]] | None = None  # printed, detail
    printer_status: Callable[[], str] | None = None
    outbox: Callable[[], dict[str, Any]] | None = None  # counts and dossiers (no personal data)
    retry: Callable[[str | None], int] | None = None  # one id, or all when None: how many
    export: Callable[[], CareResult] | None = None  # the unsent dossiers to the stick
    export_log: Callable[[str], CareResult] | None = None  # the log's text to the stick
    wifi: Callable[[str, dict[str, str]], dict[str, Any]] | None = None  # action, args → state
    say: Callable[[str], None] | None = None  # the speaker test
    # Enrolment from a code read at the reader: (kiosk id, gateway) or an EnrolmentError.
    enrol: Callable[[str], tuple[str, str]] | None = None
    restart: Callable[[], None] | None = None  # start again on the configuration just written
    enrolled: Callable[[], bool] = lambda: True  # False on a kiosk never enrolled (first boot)
    cancel_scan: Callable[[], None] | None = None  # a test scan still feeding when they leave
    # A device's new settings probed, then saved when it answered: (saved, CheckResult).
    setup: Callable[[DeviceChoice], tuple[bool, CheckResult]] | None = None
    # The gateway's address, CA bundle and proxy, the link checked before saving:
    # (saved, the link's steps).
    setup_gateway: Callable[[str, str, str], tuple[bool, list[CheckResult]]] | None = None
    gateway_now: Callable[[], dict[str, str]] = dict  # url, ca_file, proxy as configured
    # The camera's exposure and focus: read, set live (the preview shows it), saved.
    # The scanners the scanner driver finds: (device name, what it is), for the set-up.
    list_scanners: Callable[[], list[tuple[str, str]]] | None = None
    # (exposure, focus), None for the camera's automatic.
    camera_tuning: Callable[[], tuple[int | None, int | None]] | None = None
    tune_camera: Callable[[int | None, int | None], None] | None = None
    save_camera: Callable[[int | None, int | None], None] | None = None


def entry_message(result: EntryResult) -> str:
    """The entry screen's answer, in the screens' language."""
    match result.outcome:
        case EntryOutcome.WRONG_PIN:
            return qtTrId("tech.entry.wrongPin").replace("%1", str(result.tries_left))
        case EntryOutcome.LOCKED_OUT:
            until = result.locked_until
            return qtTrId("tech.entry.locked").replace("%1", f"{until:%H:%M}" if until else "")
        case EntryOutcome.NO_PIN_SET:
            return qtTrId("tech.entry.noPin")
        case EntryOutcome.NO_GATEWAY_KEY:
            return qtTrId("tech.entry.noKey")
        case EntryOutcome.UNRECORDABLE:
            return qtTrId("tech.entry.unrecordable")
        case EntryOutcome.BADGE_REFUSED:
            problem = result.badge_problem.value if result.badge_problem else "malformed"
            return qtTrId(f"tech.badge.{problem}")
        case EntryOutcome.GRANTED:
            return ""


def reader_test_words(text: str, clock: Clock) -> str:
    """What the reader test shows of a code: a citizen's card as its kind and the last four
    digits of its number (a name, a birth date or an address is nobody's business here),
    anything else with its ID-like numbers masked."""
    try:
        identity = parse_identity(text, today=clock.now().date())
    except IdentityError:
        return mask_digits_in(text)[:120]
    return qtTrId("tech.devices.qrCard").replace("%1", identity.masked_id)


def care_words(result: CareResult) -> str:
    """A maintenance result in the screens' language: ``tech.care.<reason>`` with ``%file``,
    ``%count``, ``%detail`` filled from its values."""
    text = qtTrId(f"tech.care.{result.reason.value}")
    params = dict(result.params)
    problem = params.pop("problem", "")
    if problem:
        params["detail"] = qtTrId(f"tech.export.{problem}")
        receipt = params.pop("receipt", "")
        if receipt:
            params["detail"] += f" ({receipt})"
    for key, value in params.items():
        text = text.replace(f"%{key}", value)
    return text


class TechnicianViewModel(QObject):
    changed = Signal()
    _finished = Signal(object)  # (Task, result or exception), from a worker thread

    def __init__(
        self,
        *,
        router: ScreenRouter,
        journey: Journey,
        access: TechnicianAccess,
        audit: AuditTrail,
        clock: Clock,
        recent_log: RecentLog,
        tools: TechnicianTools,
        spawn: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        super().__init__()
        self._router = router
        self._journey = journey
        self._access = access
        self._audit = audit
        self._clock = clock
        self._log = recent_log
        self._tools = tools
        self._spawn = spawn or self._thread
        self._finished.connect(self._on_finished)
        self._actor = ""
        self._message = ""
        self._section = Section.STATUS
        self._busy: set[Task] = set()
        self._results: dict[Task, Any] = {}
        self._qr_read = ""
        self._touch_ok: bool | None = None
        self._leaving = False
        self._visit = 0  # a new number on every opening of the entry
        self._enrolled_now = False  # enrolled during this run (the settings say so after restart)
        self._locked_until = ""
        self._workers: list[threading.Thread] = []
        router.technician_codes.connect(self._on_code)
        router.entered.connect(self._on_entered)
        router.left.connect(self._on_left)

    # --- entry ------------------------------------------------------------------------------------

    @Slot()
    def open(self) -> None:
        """The hidden gesture: the PIN pad shows (a citizen's session stays behind it)."""
        self._message = ""
        self._router.trigger(Trigger.OPEN_TECHNICIAN)
        self.changed.emit()

    @Slot()
    def cancelEntry(self) -> None:
        self._message = ""
        self._router.trigger(Trigger.CLOSE_TECHNICIAN)

    @Slot(str)
    def submitPin(self, pin: str) -> None:
        if not self._router.at_entry:
            return
        result = self._access.try_pin(pin)
        self._refresh_lock()
        self._answer(result)

    def _on_code(self, text: str) -> None:
        if self._router.at_entry:
            if is_badge(text):
                self._answer(self._access.try_badge(text))
            elif is_enrolment_code(text) and self._may_enrol_at_entry():
                # First boot: no PIN, no gateway key to check a badge, nothing stored yet. The
                # gateway's one-time code is the credential: it is redeemed before anyone is in.
                self._enrol_at_entry(text)
            else:
                self._message = qtTrId("tech.badge.notBadge")
                self.changed.emit()
        elif (
            self._router.mode is Mode.TECHNICIAN
            and is_enrolment_code(text)
            and self._section is Section.STATUS
        ):
            enrol = self._tools.enrol
            if enrol is not None:
                self._start(
                    Task.ENROL,
                    lambda: enrol(text),
                    audit=(AuditKind.ENROLMENT, "enrolment code read"),
                )
        elif self._router.mode is Mode.TECHNICIAN:
            self._qr_read = reader_test_words(text, self._clock)
            self._audit.record(AuditKind.TEST, self._actor, "QR reader: a code was read")
            self.changed.emit()

    def _may_enrol_at_entry(self) -> bool:
        """Only a kiosk never enrolled and with no PIN takes an enrolment code at the entry:
        otherwise the PIN or a badge comes first."""
        return not (self._enrolled_now or self._tools.enrolled() or self._access.pin_set())

    def _refresh_lock(self) -> None:
        until = self._access.locked_until()
        self._locked_until = f"{until:%H:%M}" if until else ""

    def _enrol_at_entry(self, text: str) -> None:
        enrol = self._tools.enrol
        if enrol is None:
            self._message = qtTrId("tech.enrol.noConfigFile")
            self.changed.emit()
            return
        self._start(
            Task.ENROL, lambda: enrol(text), audit=(AuditKind.ENROLMENT, "code read at the entry")
        )

    def _answer(self, result: EntryResult) -> None:
        if not result.granted:
            self._message = entry_message(result)
            self.changed.emit()
            return
        # A citizen's session is wiped as on idle: their answers and scans are gone before any
        # technician screen shows. Refused only while the dossier is being stored: let it finish.
        in_session = self._journey.snapshot().session_id is not None
        if in_session and not self._journey.dispatch(Cancel()).accepted:
            self._message = qtTrId("tech.entry.citizenSubmitting")
            self.changed.emit()
            return
        self._actor = result.actor
        self._message = ""
        self._section = Section.STATUS
        self._router.trigger(Trigger.TECHNICIAN_GRANTED)
        self.runChecks()

    @Slot()
    def leave(self) -> None:
        self._leaving = True
        self._router.trigger(Trigger.CLOSE_TECHNICIAN)
        self._leaving = False

    def _on_entered(self, mode: Mode) -> None:
        if mode in ENTRY_MODES:
            self._visit += 1
            self._busy.clear()
            self._results.clear()
            self._message = ""
            self._refresh_lock()
        self.changed.emit()

    def _on_left(self, mode: Mode) -> None:
        if mode is Mode.TECHNICIAN:
            how = "left" if self._leaving else "locked after the quiet time"
            self._audit.record(AuditKind.EXIT, self._actor or "-", how)
            # Nothing of this visit stays on screen for the next one.
            self._actor = ""
            self._results.clear()
            self._busy.clear()
            self._visit += 1  # late results of this visit are dropped
            self._qr_read = ""
            self._touch_ok = None
            if self._tools.cancel_scan is not None:
                self._tools.cancel_scan()
            self.changed.emit()

    # --- sections ---------------------------------------------------------------------------------

    @Slot(str)
    def showSection(self, name: str) -> None:
        self._section = Section(name)
        if self._section is Section.OUTBOX:
            self.refreshOutbox()
        if self._section is Section.NETWORK:
            self.wifi("look", "", "")
        if self._section is Section.DEVICES and self._tools.printer_status is not None:
            self._start(Task.PRINTER_STATUS, self._tools.printer_status)
        self.changed.emit()

    @Slot()
    def runChecks(self) -> None:
        if self._tools.checks is not None:
            self._start(Task.CHECKS, self._tools.checks)

    @Slot()
    def testScan(self) -> None:
        if self._tools.test_scan is not None:
            self._start(
                Task.SCAN, self._tools.test_scan, audit=(AuditKind.TEST, "scanner: test scan")
            )

    @Slot()
    def testPrint(self) -> None:
        if self._tools.test_print is not None:
            self._start(
                Task.PRINT, self._tools.test_print, audit=(AuditKind.TEST, "printer: test page")
            )

    @Slot()
    def testSpeaker(self) -> None:
        if self._tools.say is not None:
            self._audit.record(AuditKind.TEST, self._actor, "speaker: read-aloud")
            self._tools.say(qtTrId("tech.devices.speakerSample"))

    @Slot(bool)
    def touchTested(self, every_corner: bool) -> None:
        result = "every corner reached" if every_corner else "some corner not reached"
        self._audit.record(AuditKind.TEST, self._actor, f"touch: {result}")
        self._touch_ok = every_corner
        self.changed.emit()

    @Slot(str, str, str, str)
    def setupDevice(self, kind: str, driver: str, where: str, option: str) -> None:
        """Probe the device as chosen; the configuration is saved only if it answered."""
        setup = self._tools.setup
        if setup is None:
            return
        choice = DeviceChoice(DeviceKind(kind), driver, where, option)
        detail = f"{kind}: try {driver} {mask_digits_in(where)}"
        self._start(Task.SETUP, lambda: setup(choice), audit=(AuditKind.SETTING_CHANGED, detail))

    @Slot(str, str, str)
    def setupGateway(self, url: str, ca_file: str, proxy: str) -> None:
        """Check the link with this address, trust and proxy; saved only if no step failed."""
        setup = self._tools.setup_gateway
        if setup is not None:
            self._start(
                Task.GATEWAY,
                lambda: setup(url, ca_file, proxy),
                audit=(AuditKind.SETTING_CHANGED, f"gateway: try {url}"),
            )

    @Slot()
    def findScanners(self) -> None:
        if self._tools.list_scanners is not None:
            self._start(Task.SCANNERS, self._tools.list_scanners)

    @Slot(int, int)
    def tuneCamera(self, exposure: int, focus: int) -> None:
        """Exposure and focus for the live picture (-1: automatic); nothing saved yet."""
        if self._tools.tune_camera is not None:
            self._tools.tune_camera(
                exposure if exposure > 0 else None, focus if focus >= 0 else None
            )
            self.changed.emit()

    @Slot()
    def saveCameraTuning(self) -> None:
        """Keep the exposure and focus the preview shows now (used again after a restart)."""
        save, read = self._tools.save_camera, self._tools.camera_tuning
        if save is not None and read is not None:
            exposure, focus = read()
            detail = f"camera: exposure {exposure or 'auto'}, focus {focus or 'auto'}"
            self._start(
                Task.CAMERA,
                lambda: save(exposure, focus),
                audit=(AuditKind.SETTING_CHANGED, detail),
            )

    @Slot()
    def restart(self) -> None:
        """Start the kiosk again on the configuration enrolment wrote."""
        if self._tools.restart is not None:
            self._audit.record(AuditKind.SETTING_CHANGED, self._actor, "restart after enrolment")
            self._tools.restart()

    @Slot()
    def refreshOutbox(self) -> None:
        if self._tools.outbox is not None:
            self._start(Task.OUTBOX, self._tools.outbox)

    @Slot(str)
    def retry(self, ident: str) -> None:
        retry = self._tools.retry
        if retry is None:
            return
        target = ident or None
        listing = self._tools.outbox

        def retry_then_list() -> dict[str, Any]:
            retry(target)
            return listing() if listing is not None else {}

        self._start(
            Task.OUTBOX, retry_then_list, audit=(AuditKind.RETRY, f"retry {ident or 'all'}")
        )

    @Slot()
    def exportOutbox(self) -> None:
        if self._tools.export is not None:
            self._start(Task.EXPORT, self._tools.export)

    @Slot()
    def exportLog(self) -> None:
        export = self._tools.export_log
        if export is not None:
            text = "\n".join(line.render() for line in self._log.lines())
            self._start(Task.LOG_EXPORT, lambda: export(text))

    @Slot(str, str, str)
    def wifi(self, action: str, ssid: str, passphrase: str) -> None:
        """``look``, ``scan``, ``join`` (with the passphrase, never kept here) or ``forget``."""
        control = self._tools.wifi
        if control is None:
            return
        changes = action in {"join", "forget"}
        audit = (AuditKind.NETWORK, f"wifi {action} {ssid}") if changes else None
        args = {"ssid": ssid, "passphrase": passphrase}
        self._start(Task.WIFI, lambda: control(action, args), audit=audit)

    # --- work off the GUI thread ------------------------------------------------------------------

    def _start(
        self,
        task: Task,
        work: Callable[[], Any],
        *,
        audit: tuple[AuditKind, str] | None = None,
    ) -> bool:
        """Run ``work`` off the GUI thread unless the same task is running (the screen's button
        is disabled meanwhile); ``audit`` is recorded only for work that starts."""
        if task in self._busy:
            return False
        if audit is not None:
            self._audit.record(audit[0], self._actor or "-", audit[1])
        self._busy.add(task)
        visit = self._visit
        self.changed.emit()

        def run() -> None:
            try:
                outcome: Any = work()
            except Exception as exc:  # reported on screen, never raised into Qt
                log.warning("technician task %s failed: %s", task.value, mask_digits_in(str(exc)))
                outcome = exc
            self._finished.emit((visit, task, outcome))

        self._spawn(run)
        return True

    def _thread(self, work: Callable[[], None]) -> None:
        self._workers = [t for t in self._workers if t.is_alive()]
        thread = threading.Thread(target=work, name="technician-task", daemon=True)
        self._workers.append(thread)
        thread.start()

    def join(self, timeout_s: float = 10.0) -> None:
        for thread in self._workers:
            thread.join(timeout_s)

    @Slot(object)
    def _on_finished(self, done: tuple[int, Task, Any]) -> None:
        visit, task, outcome = done
        if visit != self._visit:
            # Started in an earlier visit: nothing of it reaches whoever is here now.
            log.info("technician task %s ended after its visit", task.value)
            return
        self._busy.discard(task)
        self._results[task] = outcome
        if task is Task.GATEWAY and isinstance(outcome, tuple):
            saved = "saved" if outcome[0] else "not saved"
            self._audit.record(AuditKind.SETTING_CHANGED, self._actor, f"gateway {saved}")
        if task is Task.SETUP and isinstance(outcome, tuple):
            saved = "saved" if outcome[0] else "not saved"
            self._audit.record(AuditKind.SETTING_CHANGED, self._actor, f"device set-up {saved}")
        if task is Task.ENROL:
            said = outcome.problem.value if isinstance(outcome, EnrolmentError) else "enrolled"
            self._enrolled_now = self._enrolled_now or isinstance(outcome, tuple)
            self._audit.record(AuditKind.ENROLMENT, self._actor or "-", f"enrolment: {said}")
            at_entry = self._router.at_entry
            if at_entry and isinstance(outcome, tuple):
                # Enrolled at first boot: in, to restart on the new configuration.
                actor = qtTrId("tech.enrol.actor")
                self._audit.record(AuditKind.ENTRY, actor, "enrolment code at first boot")
                self._answer(EntryResult(EntryOutcome.GRANTED, actor=actor))
            elif at_entry:
                self._message = self._get_enrolment().get("text", "")
        if task in (Task.EXPORT, Task.LOG_EXPORT) and isinstance(outcome, CareResult):
            what = "outbox" if task is Task.EXPORT else "log"
            said = ", ".join(f"{k}={v}" for k, v in sorted(outcome.params.items()))
            self._audit.record(
                AuditKind.EXPORT, self._actor, f"{what} export: {outcome.reason.value} {said}"
            )
        if task is Task.EXPORT:
            self.refreshOutbox()
        if task is Task.PRINT and self._tools.printer_status is not None:
            self._start(Task.PRINTER_STATUS, self._tools.printer_status)
        self.changed.emit()

    # --- what QML reads ---------------------------------------------------------------------------

    def _result(self, task: Task) -> Any:
        return self._results.get(task)

    def _error(self, task: Task) -> str:
        outcome = self._results.get(task)
        if not isinstance(outcome, Exception):
            return ""
        return qtTrId("tech.failed").replace("%1", mask_digits_in(str(outcome)))

    def _get_actor(self) -> str:
        return self._actor

    def _get_message(self) -> str:
        return self._message

    def _get_section(self) -> str:
        return self._section.value

    def _get_busy(self) -> list[str]:
        return sorted(t.value for t in self._busy)

    def _get_locked_until(self) -> str:
        return self._locked_until

    def _get_checks(self) -> list[dict[str, str]]:
        found = self._result(Task.CHECKS)
        if not isinstance(found, Sequence):
            return []
        # The check's name in the screens' language; what it found stays in the doctor's
        # technician English (the same words `kiosk doctor` prints).
        return [
            {
                "name": qtTrId(f"tech.check.{c.check.value}"),
                "outcome": c.outcome.value,
                "summary": mask_digits_in(c.summary),
                "nextStep": c.next_step,
            }
            for c in found
        ]

    def _get_checks_error(self) -> str:
        return self._error(Task.CHECKS)

    def _get_qr_read(self) -> str:
        return self._qr_read

    def _get_scan(self) -> dict[str, Any]:
        found = self._result(Task.SCAN)
        if isinstance(found, Exception):
            return {"error": self._error(Task.SCAN)}
        if not isinstance(found, dict):
            return {}
        thumbnail = found.get("thumbnail")
        shown = dict(found)
        # The pipeline's flags as the citizen's scan screen words them.
        shown["flags"] = [qtTrId(f"scan.flag.{flag}") for flag in found.get("flags", [])]
        if isinstance(thumbnail, Path):
            shown["thumbnail"] = QUrl.fromLocalFile(str(thumbnail)).toString()
        return shown

    def _get_print(self) -> dict[str, Any]:
        found = self._result(Task.PRINT)
        if isinstance(found, Exception):
            return {"ok": False, "detail": self._error(Task.PRINT)}
        if not isinstance(found, tuple):
            return {}
        return {"ok": bool(found[0]), "detail": str(found[1])}

    def _get_printer_status(self) -> str:
        found = self._result(Task.PRINTER_STATUS)
        return found if isinstance(found, str) else ""

    def _get_touch(self) -> str:
        ok = self._touch_ok
        return "" if ok is None else ("ok" if ok else "failed")

    def _get_outbox(self) -> dict[str, Any]:
        found = self._result(Task.OUTBOX)
        if isinstance(found, Exception):
            return {"error": self._error(Task.OUTBOX)}
        if not isinstance(found, dict):
            return {}
        counts = found.get("counts", {})
        oldest = found.get("oldestMinutes")
        summary = (
            qtTrId("tech.outbox.summary")
            .replace("%1", str(counts.get("queued", 0)))
            .replace("%2", str(counts.get("uploading", 0) + counts.get("uploaded", 0)))
            .replace("%3", str(counts.get("needs_attention", 0)))
            .replace("%4", str(counts.get("submitted", 0)))
        )
        if oldest is not None:
            summary += " " + qtTrId("tech.outbox.oldest").replace("%1", str(oldest))
        return {**found, "summary": summary}

    def _get_export(self) -> dict[str, Any]:
        return self._done_view(Task.EXPORT)

    def _get_log_export(self) -> dict[str, Any]:
        return self._done_view(Task.LOG_EXPORT)

    def _done_view(self, task: Task) -> dict[str, Any]:
        found = self._result(task)
        if isinstance(found, Exception):
            return {"ok": False, "text": self._error(task)}
        if not isinstance(found, CareResult):
            return {}
        return {"ok": found.ok, "text": care_words(found)}

    def _get_log_lines(self) -> list[str]:
        if self._router.mode is not Mode.TECHNICIAN:
            return []
        return [line.render() for line in reversed(self._log.lines(LOG_LINES_SHOWN))]

    def _get_wifi(self) -> dict[str, Any]:
        found = self._result(Task.WIFI)
        if isinstance(found, Exception):
            return {"error": self._error(Task.WIFI)}
        if not isinstance(found, dict):
            return {}
        if not found.get("available"):
            return {**found, "summary": qtTrId("tech.network.noControl")}
        if found.get("problem"):
            return {**found, "error": qtTrId(f"tech.wifi.{found['problem']}")}
        summary = (
            qtTrId("tech.network.connected")
            .replace("%1", str(found.get("connection", "")))
            .replace("%2", str(found.get("address", "")))
            if found.get("connected")
            else qtTrId("tech.network.notConnected")
        )
        return {**found, "summary": summary}

    def _get_enrolment(self) -> dict[str, Any]:
        found = self._result(Task.ENROL)
        if isinstance(found, EnrolmentError):
            return {"ok": False, "text": qtTrId(f"tech.enrol.{found.problem.value}")}
        if isinstance(found, Exception):
            return {"ok": False, "text": self._error(Task.ENROL)}
        if not isinstance(found, tuple):
            return {}
        text = qtTrId("tech.enrol.done").replace("%1", found[0]).replace("%2", found[1])
        return {"ok": True, "text": text}

    def _not_saved(self, task: Task) -> dict[str, Any] | None:
        """A set-up that ended without trying (a choice the configuration refuses, worded with
        its field) or failed outright; None when it has a result (or none yet)."""
        found = self._result(task)
        if isinstance(found, SetupError):
            text = qtTrId("tech.setup.badChoice").replace("%1", found.field)
            return {"saved": False, "text": text.replace("%2", found.reason)}
        if isinstance(found, Exception):
            return {"saved": False, "text": self._error(task)}
        return None

    def _get_setup(self) -> dict[str, Any]:
        found = self._result(Task.SETUP)
        refused = self._not_saved(Task.SETUP)
        if refused is not None:
            return refused
        if not isinstance(found, tuple):
            return {}
        saved, check = found
        said = qtTrId("tech.setup.saved" if saved else "tech.setup.notSaved")
        detail = check.summary + (f" — {check.next_step}" if check.next_step and not saved else "")
        return {"saved": saved, "text": said.replace("%1", detail)}

    def _get_enrol_at_entry(self) -> bool:
        return self._tools.enrol is not None and self._may_enrol_at_entry()

    def _get_gateway(self) -> dict[str, Any]:
        found = self._result(Task.GATEWAY)
        now = self._tools.gateway_now()
        refused = self._not_saved(Task.GATEWAY)
        if refused is not None:
            return {**now, **refused}
        if not isinstance(found, tuple):
            return now
        saved, steps = found
        failed = [step for step in steps if step.outcome is Outcome.FAILED]
        said = qtTrId("tech.gateway.saved" if saved else "tech.gateway.notSaved")
        detail = "; ".join(
            f"{qtTrId(f'tech.check.{step.check.value}')}: {step.summary}" for step in failed
        )
        return {**now, "saved": saved, "text": said.replace("%1", detail)}

    def _get_scanners(self) -> dict[str, Any]:
        found = self._result(Task.SCANNERS)
        if isinstance(found, Exception):
            return {"error": self._error(Task.SCANNERS), "found": []}
        if not isinstance(found, list):
            return {"found": []}
        if not found:
            return {"error": qtTrId("tech.setup.noScanner"), "found": []}
        return {"found": [{"name": name, "label": label} for name, label in found]}

    def _get_camera(self) -> dict[str, Any]:
        read = self._tools.camera_tuning
        if read is None or self._tools.tune_camera is None:
            return {"available": False}
        exposure, focus = read()
        saved: bool | None = None
        if Task.CAMERA in self._results:
            saved = not isinstance(self._results[Task.CAMERA], Exception)
        return {
            "available": True,
            "exposure": exposure if exposure is not None else -1,
            "focus": focus if focus is not None else -1,
            "saved": saved,
        }

    def _get_setup_choices(self) -> dict[str, Any]:
        return {
            "kinds": [kind.value for kind in DeviceKind],
            "drivers": {kind.value: list(CHOICES[kind]) for kind in DeviceKind},
            "sources": list(SOURCES),
        }

    def _get_available(self) -> dict[str, bool]:
        tools = self._tools
        return {
            "checks": tools.checks is not None,
            "scan": tools.test_scan is not None,
            "print": tools.test_print is not None,
            "outbox": tools.outbox is not None,
            "export": tools.export is not None,
            "logExport": tools.export_log is not None,
            "wifi": tools.wifi is not None,
            "speaker": tools.say is not None,
            "enrol": tools.enrol is not None,
            "restart": tools.restart is not None,
            "setup": tools.setup is not None,
            "gateway": tools.setup_gateway is not None,
            "cameraSave": tools.save_camera is not None,
        }

    if TYPE_CHECKING:
        actor: str
        message: str
        section: str
        busy: list[str]
        lockedUntil: str
        checks: list[dict[str, str]]
        checksError: str
        qrRead: str
        scan: dict[str, Any]
        printResult: dict[str, Any]
        printerStatus: str
        touch: str
        outbox: dict[str, Any]
        export: dict[str, Any]
        logExport: dict[str, Any]
        logLines: list[str]
        wifiState: dict[str, Any]
        enrolment: dict[str, Any]
        setup: dict[str, Any]
        setupChoices: dict[str, Any]
        gateway: dict[str, Any]
        camera: dict[str, Any]
        scanners: dict[str, Any]
        enrolAtEntry: bool
        available: dict[str, bool]
    else:
        actor = Property(str, _get_actor, notify=changed)
        message = Property(str, _get_message, notify=changed)
        section = Property(str, _get_section, notify=changed)
        busy = Property(list, _get_busy, notify=changed)
        lockedUntil = Property(str, _get_locked_until, notify=changed)
        checks = Property(list, _get_checks, notify=changed)
        checksError = Property(str, _get_checks_error, notify=changed)
        qrRead = Property(str, _get_qr_read, notify=changed)
        scan = Property(dict, _get_scan, notify=changed)
        printResult = Property(dict, _get_print, notify=changed)
        printerStatus = Property(str, _get_printer_status, notify=changed)
        touch = Property(str, _get_touch, notify=changed)
        outbox = Property(dict, _get_outbox, notify=changed)
        export = Property(dict, _get_export, notify=changed)
        logExport = Property(dict, _get_log_export, notify=changed)
        logLines = Property(list, _get_log_lines, notify=changed)
        wifiState = Property(dict, _get_wifi, notify=changed)
        enrolment = Property(dict, _get_enrolment, notify=changed)
        setup = Property(dict, _get_setup, notify=changed)
        setupChoices = Property(dict, _get_setup_choices, constant=True)
        enrolAtEntry = Property(bool, _get_enrol_at_entry, notify=changed)
        gateway = Property(dict, _get_gateway, notify=changed)
        camera = Property(dict, _get_camera, notify=changed)
        scanners = Property(dict, _get_scanners, notify=changed)
        available = Property(dict, _get_available, notify=changed)

