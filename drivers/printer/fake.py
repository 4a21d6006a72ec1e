"""A printer without hardware: each slip becomes a PNG per copy and its ESC/POS bytes in a folder.

Used by the demo, the tests and a kiosk whose printer is not installed yet. Faults can be
injected to rehearse what the citizen and staff see: paper out, paper near its end (prints, with
a warning), cover open, unplugged, and a jam-like I/O error that strikes while printing. A fault
either happens once (the next job consumes it) or lasts until cleared.
"""

from __future__ import annotations

import threading
from enum import StrEnum
from pathlib import Path

from drivers.errors import DeviceProblem
from drivers.printer.base import (
    JobLedger,
    PrinterStatus,
    PrintResult,
    RenderedSlip,
    check_job_id,
    printer_error,
    refusal_for,
)
from drivers.printer.encode import png_bytes
from drivers.printer.profiles import DEFAULT_WIDTH_DOTS
from dvc_common.atomic import write_atomic


class PrinterFault(StrEnum):
    PAPER_OUT = "paper_out"
    PAPER_NEAR_END = "paper_near_end"
    COVER_OPEN = "cover_open"
    UNPLUGGED = "unplugged"
    IO_ERROR = "io_error"  # like a jam: the printer looked ready, the job failed


class FaultMode(StrEnum):
    ONCE = "once"  # the next print job meets the fault, later ones do not
    UNTIL_CLEARED = "until_cleared"


_STATUS_OF_FAULT = {
    PrinterFault.PAPER_OUT: PrinterStatus.PAPER_OUT,
    PrinterFault.PAPER_NEAR_END: PrinterStatus.PAPER_NEAR_END,
    PrinterFault.COVER_OPEN: PrinterStatus.COVER_OPEN,
    PrinterFault.UNPLUGGED: PrinterStatus.OFFLINE,
    PrinterFault.IO_ERROR: PrinterStatus.READY,
}


class FakePrinter:
    """A ``ReceiptPrinter`` writing ``{job}.png`` (``{job}.copy2.png``…) and ``{job}.bin``."""

    def __init__(self, folder: Path, *, width_dots: int = DEFAULT_WIDTH_DOTS) -> None:
        self.folder = folder
        self.width_dots = width_dots
        self._fault: PrinterFault | None = None
        self._mode = FaultMode.UNTIL_CLEARED
        self._lock = threading.Lock()
        self._ledger = JobLedger()
        self.printed: list[str] = []  # job ids, in the order they printed

    def inject(self, fault: PrinterFault, mode: FaultMode = FaultMode.UNTIL_CLEARED) -> None:
        with self._lock:
            self._fault, self._mode = fault, mode

    def clear(self) -> None:
        with self._lock:
            self._fault = None

    def status(self) -> PrinterStatus:
        with self._lock:
            return PrinterStatus.READY if self._fault is None else _STATUS_OF_FAULT[self._fault]

    def files(self, job_id: str, copies: int = 1) -> tuple[list[Path], Path]:
        """Where the pages and the bytes of ``job_id`` are written."""
        check_job_id(job_id)
        pages = [self.folder / f"{job_id}.png"]
        pages += [self.folder / f"{job_id}.copy{n}.png" for n in range(2, copies + 1)]
        return pages, self.folder / f"{job_id}.bin"

    def print_slip(self, slip: RenderedSlip, job_id: str) -> PrintResult:
        return self._ledger.run(job_id, lambda: self._print(slip, job_id))

    def _take_fault(self) -> PrinterFault | None:
        with self._lock:
            fault = self._fault
            if self._mode is FaultMode.ONCE:
                self._fault = None
            return fault

    def _print(self, slip: RenderedSlip, job_id: str) -> PrintResult:
        if slip.width > self.width_dots:
            raise printer_error(
                DeviceProblem.UNSUPPORTED,
                f"slip is {slip.width} dots wide; this printer prints {self.width_dots}",
            )
        fault = self._take_fault()
        status = PrinterStatus.READY if fault is None else _STATUS_OF_FAULT[fault]
        if fault is PrinterFault.UNPLUGGED:
            raise printer_error(DeviceProblem.UNPLUGGED, "fake printer: unplugged (injected)")
        problem = refusal_for(status)
        if problem is not None:
            raise printer_error(problem, f"fake printer reports {status.value} (injected)")
        if fault is PrinterFault.IO_ERROR:
            raise printer_error(DeviceProblem.IO_ERROR, "fake printer: paper jam (injected)")
        pages, data = self.files(job_id, slip.copies)
        try:
            for path, page in zip(pages, slip.pages, strict=True):
                write_atomic(path, png_bytes(page))
            write_atomic(data, slip.escpos)
        except OSError as exc:
            raise printer_error(
                DeviceProblem.IO_ERROR, f"fake printer cannot write {self.folder}: {exc}"
            ) from exc
        self.printed.append(job_id)
        return PrintResult(job_id, status, slip.copies, len(slip.escpos))

    def close(self) -> None:
        """Nothing to release; faults stay injected."""
