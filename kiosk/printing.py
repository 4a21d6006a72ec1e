"""Printing the appointment slip: the use case behind the "done" screen, without Qt.

* ``SlipPrinting`` (on a worker thread: printing blocks) draws the dossier's slip through the
  ``SlipRenderer`` port, prints it, and when the printer fails keeps the drawn slip in the kept
  slip store for a technician's reprint. Whatever happens it returns a ``PrintReport``; driver
  errors (and driver bugs) end as a ``DeviceTrouble``, never as an exception.
* ``PrintDesk`` (on the journey's thread) asks for the slip once per session when the journey
  reaches "done" with the print still pending, and hands the answer back to the journey as
  ``PrintFinished`` if the citizen it was for is still there.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from config.settings import Settings
from drivers.errors import DeviceError, DeviceKind, DeviceProblem
from drivers.printer import ReceiptPrinter
from drivers.printer.base import PrinterStatus, RenderedSlip
from drivers.printer.kept import KeptSlipStore
from dvc_common.catalog import Procedure
from kiosk.dossier import Dossier
from kiosk.faults import DeviceFault, DeviceTrouble
from kiosk.journey import Journey, PrintFinished, PrintStatus, Snapshot, State
from kiosk.slip import SlipRenderer, render_dossier_slip

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintReport:
    """How printing one slip ended."""

    ok: bool
    detail: str = ""  # technical, for the journey's log; never the citizen's data
    kept_job: str | None = None  # the kept slip's job id when the printer failed
    trouble: DeviceTrouble | None = None


@dataclass(frozen=True)
class PrintDone:
    """A ``PrintReport`` for the session it was asked for."""

    session_id: uuid.UUID
    report: PrintReport


class SlipPrinting:
    """Draws, prints and, on failure, keeps a dossier's slip."""

    def __init__(
        self,
        *,
        printer: ReceiptPrinter,
        kept: KeptSlipStore,
        render: SlipRenderer,
        settings: Settings,
    ) -> None:
        self._printer = printer
        self.kept_slips = kept
        self._render = render
        self._settings = settings

    def print_slip(self, dossier: Dossier, procedure: Procedure) -> PrintReport:
        """Blocks while the printer works: call it from a worker thread."""
        job_id = dossier.receipt_number
        try:
            slip = render_dossier_slip(dossier, procedure, self._settings, render=self._render)
        except Exception as exc:
            # Only the type: the message could quote the citizen's data.
            log.error("slip could not be drawn: %s", type(exc).__name__)
            detail = f"render: {type(exc).__name__}"
            return PrintReport(False, detail, trouble=DeviceTrouble(DeviceFault.RENDERING, detail))
        try:
            result = self._printer.print_slip(slip, job_id)
        except Exception as exc:
            # A driver bug must end like a device failure: the slip kept, the code on screen.
            error = (
                exc
                if isinstance(exc, DeviceError)
                else DeviceError(DeviceKind.PRINTER, DeviceProblem.IO_ERROR, type(exc).__name__)
            )
            log.warning("slip %s not printed: %s", job_id, error.technical)
            try:
                self.kept_slips.keep(job_id, slip, error)
            except OSError as kept_exc:
                log.error("slip %s could not be kept either: %s", job_id, kept_exc.strerror)
            return PrintReport(False, error.technical, job_id, DeviceTrouble.from_error(error))
        log.info("slip %s printed (%s)", job_id, result)
        return PrintReport(True)

    def printer_status(self) -> PrinterStatus:
        """What the printer reports now (paper out, cover open...), for the technician; a
        printer that cannot be asked is ``UNKNOWN``."""
        try:
            return self._printer.status()
        except Exception as exc:  # a driver bug must not end the technician's screen
            log.warning("printer status unavailable: %s", type(exc).__name__)
            return PrinterStatus.UNKNOWN

    def print_test(self, slip: RenderedSlip) -> PrintReport:
        """The technician's test page; never kept for reprint (it is nobody's slip)."""
        try:
            result = self._printer.print_slip(slip, f"{slip.code}-{uuid.uuid4().hex[:8]}")
        except DeviceError as exc:
            log.warning("test page not printed: %s", exc.technical)
            return PrintReport(False, exc.technical, trouble=DeviceTrouble.from_error(exc))
        except Exception as exc:
            detail = f"printer: {type(exc).__name__}"
            trouble = DeviceTrouble(DeviceFault.IO_ERROR, detail)
            return PrintReport(False, detail, trouble=trouble)
        log.info("test page printed (%s)", result)
        return PrintReport(True, result.status.value)

    def close(self) -> None:
        self._printer.close()


AskPrint = Callable[[uuid.UUID, Dossier, Procedure], None]


class PrintDesk:
    """Asks for the slip once per session; see the module docstring. ``ask`` starts the print
    off this thread and brings its ``PrintDone`` back to ``answered``."""

    def __init__(self, journey: Journey, ask: AskPrint) -> None:
        self._journey = journey
        self._ask = ask
        self._session_id: uuid.UUID | None = None
        self._asked: set[uuid.UUID] = set()

    def on_snapshot(self, snapshot: Snapshot) -> None:
        sid = self._session_id = snapshot.session_id
        if sid is None:
            self._asked.clear()
            return
        if (
            snapshot.state is State.DONE
            and snapshot.dossier is not None
            and snapshot.procedure is not None
            and snapshot.print_status is PrintStatus.PENDING
            and sid not in self._asked
        ):
            self._asked.add(sid)
            self._ask(sid, snapshot.dossier, snapshot.procedure)

    def answered(self, done: PrintDone) -> None:
        if done.session_id != self._session_id:
            return  # the citizen has left: their slip is kept or printed, nothing to show
        self._journey.dispatch(PrintFinished(done.report.ok, done.report.detail))
