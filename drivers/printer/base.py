"""What the kiosk sees of a receipt printer: the ``ReceiptPrinter`` Protocol and its values.

A slip is rendered once (``RenderedSlip``: the 1-bit raster of each copy plus the ESC/POS bytes
that print it) and then handed to whichever printer the configuration chose: a real ESC/POS
printer, the fake that writes files, or the kept-slip store when printing failed.

Printing is idempotent per job id: a citizen tapping "In lại" twice, or the journey retrying after
an answer was lost, must not give two slips. ``JobLedger`` remembers the job ids that printed and
answers a repeat with the first result marked ``duplicate``. Failed jobs are not remembered, so a
retry after paper was added prints.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

import numpy as np
import numpy.typing as npt

from drivers.errors import DeviceError, DeviceKind, DeviceProblem

# A 1-bit page stored one byte per dot: 0 is a printed (black) dot, 255 is bare paper.
Bitmap = npt.NDArray[np.uint8]
INK = 0
PAPER = 255

# Job ids become file names in the fake printer and the kept-slip store.
_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class PrinterStatus(StrEnum):
    """What the printer says about itself just now."""

    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"  # still prints; staff should change the roll soon
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"  # unplugged, unreachable, or the printer reports an error state
    UNKNOWN = "unknown"  # the connection cannot tell (a device file, a printer that never answers)

    @property
    def can_print(self) -> bool:
        return self in {PrinterStatus.READY, PrinterStatus.PAPER_NEAR_END, PrinterStatus.UNKNOWN}


def refusal_for(status: PrinterStatus) -> DeviceProblem | None:
    """The problem that stops a job when the printer reports ``status`` before printing."""
    return {
        PrinterStatus.PAPER_OUT: DeviceProblem.PAPER_OUT,
        PrinterStatus.COVER_OPEN: DeviceProblem.COVER_OPEN,
        PrinterStatus.OFFLINE: DeviceProblem.IO_ERROR,
    }.get(status)


def printer_error(problem: DeviceProblem, technical: str) -> DeviceError:
    return DeviceError(DeviceKind.PRINTER, problem, technical)


def check_job_id(job_id: str) -> str:
    """Refuse job ids that could not safely name a file (a programming error, not a device one)."""
    if not _JOB_ID.fullmatch(job_id):
        raise ValueError(f"job id must match {_JOB_ID.pattern}, got {job_id!r}")
    return job_id


@dataclass(frozen=True)
class SlipDocument:
    name: str
    pages: int  # 0 for a document with no scanned pages (the declaration filled in on the kiosk)

    @property
    def text(self) -> str:
        return f"{self.name}: {self.pages} trang" if self.pages else self.name


@dataclass(frozen=True)
class SlipContent:
    """Everything the slip says, as the strings that are printed (``kiosk.slip`` builds it)."""

    parent: str
    agency: str
    unit: str
    code: str
    provisional: bool
    applicant_name: str
    phone: str | None  # masked
    procedure_name: str
    documents: tuple[SlipDocument, ...]  # the declaration form first, then the scanned ones
    sets: int
    processing_time: str
    received: str
    appointment: str
    office_hours: str | None  # only when the citizen may come to the office for the result
    result_place: str | None  # where to come for the result; None when it is not collected
    address: str | None  # the office's address, when configured and the result is collected
    delivery: str  # the way the citizen chose, or the procedure's ways joined by "hoặc"
    bring_heading: str | None  # "Khi đến nhận kết quả, xin mang theo:"; None: nothing to bring
    bring: tuple[str, ...]  # what to bring when collecting the result, one item each
    fee: str
    verification_note: str | None
    hotline: str
    kiosk_id: str
    qr_payload: str

    @property
    def barcode_payload(self) -> str:
        return self.code


@dataclass(frozen=True)
class DrawnText:
    """One paragraph the renderer drew, and where (in dots), so tests and logs can find it.

    ``px`` is the font's pixel size, its em height in printer dots: the figure type sizes are
    quoted in (34 dots at 203 dpi is 4.25 mm, 12 pt). 0 on slips kept before it was recorded.
    """

    text: str
    x: int
    y: int
    width: int
    height: int
    px: int = 0


@dataclass(frozen=True, eq=False)
class RenderedSlip:
    """A slip ready to print: what it looks like and the exact bytes that print it."""

    code: str  # the dossier code printed on the slip (official, or the provisional receipt number)
    pages: tuple[Bitmap, ...]  # one 1-bit raster per copy, citizen's copy first
    escpos: bytes  # every copy, each followed by a cut
    texts: tuple[DrawnText, ...]  # paragraphs drawn on the first copy, top to bottom
    qr_payload: str
    barcode_payload: str
    text_mode: bool = False  # True when ``escpos`` prints text with a code page, not the raster

    def __post_init__(self) -> None:
        if not self.pages:
            raise ValueError("a slip has at least one page")
        widths = {page.shape[1] for page in self.pages}
        if len(widths) != 1:
            raise ValueError("every copy of a slip has the same width")

    @property
    def image(self) -> Bitmap:
        """The citizen's copy."""
        return self.pages[0]

    @property
    def width(self) -> int:
        return int(self.pages[0].shape[1])

    @property
    def copies(self) -> int:
        return len(self.pages)

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.texts)


@dataclass(frozen=True)
class PrintResult:
    """What happened to one print job."""

    job_id: str
    status: PrinterStatus  # as reported just before printing
    copies: int
    bytes_sent: int
    duplicate: bool = False  # the job id had printed before: nothing was sent this time

    @property
    def warning(self) -> DeviceProblem | None:
        """Something staff should hear about although the slip printed."""
        return DeviceProblem.PAPER_NEAR_END if self.status is PrinterStatus.PAPER_NEAR_END else None


class ReceiptPrinter(Protocol):
    """A printer for appointment slips; every failure is a ``DeviceError`` of kind PRINTER."""

    def status(self) -> PrinterStatus:
        """Ask the printer how it is; never raises for a device state (unreachable is OFFLINE)."""
        ...

    def print_slip(self, slip: RenderedSlip, job_id: str) -> PrintResult:
        """Print every copy of ``slip`` once per ``job_id``; a repeat returns a duplicate result."""
        ...

    def close(self) -> None:
        """Release the connection; the next call opens it again."""
        ...


class JobLedger:
    """The job ids that printed recently, and the lock that makes one job print at a time.

    Holding the lock for the whole job means a second tap that arrives while the first slip is
    still printing waits, then finds the job done instead of printing it again.
    """

    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._done: OrderedDict[str, PrintResult] = OrderedDict()
        self._lock = threading.Lock()

    def run(self, job_id: str, job: Callable[[], PrintResult]) -> PrintResult:
        check_job_id(job_id)
        with self._lock:
            previous = self._done.get(job_id)
            if previous is not None:
                return replace(previous, duplicate=True, bytes_sent=0)
            result = job()
            self._done[job_id] = result
            while len(self._done) > self._capacity:
                self._done.popitem(last=False)
            return result

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._done
