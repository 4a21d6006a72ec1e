"""The app's side of the device report (``dvc_common.device_report``): what the printer, the
scanner and the QR reader are doing, in the heartbeat's words, written for the sync process.

Each driver's own states are mapped onto ``DeviceCondition`` here, once:

- the printer is asked (``status()``, a few bytes over its link) at every poll: ``READY`` is
  ok, ``PAPER_NEAR_END`` paper low, ``PAPER_OUT`` and ``COVER_OPEN`` as they say. ``OFFLINE``
  is an error: the driver says it both for a printer that reports its own error state (a jam,
  overheating) and for one it could not reach, and "error" sends the technician to look at the
  printer, where "missing" would send them looking for a cable;
- the QR reader's snapshot (``QrStatus``, no I/O): reading is ok, a reader reconnecting is
  missing when its device is gone (unplugged) and an error otherwise, one starting or stopped
  is unknown;
- the scanner cannot be asked how it is without taking it from a citizen (SANE opens the device
  for any question), so its condition is what its last scan came to (a completed scan ok,
  unplugged missing, a jam or an I/O error an error; a citizen cancelling or an empty feeder
  say nothing of the scanner), and while that is unknown or missing it is looked for with
  ``discover()`` (a list of devices, not an open), never while a scan runs. A jam stays an
  error until a scan completes.

``DeviceWatch`` polls on a thread of its own every ``REPORT_EVERY_S`` and at once when asked
(``poll_soon``, after a print or a scan ended), and rewrites the report at each poll: its date
is how the sync process knows the app is still running. ``stop`` removes the report, so a
stopped app is known at once rather than after ``STALE_AFTER_S``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from drivers.errors import DeviceProblem
from drivers.printer.base import PrinterStatus
from drivers.qr.base import QrStatus, ReaderState
from drivers.scanner.base import DocumentScanner
from dvc_common.clock import Clock
from dvc_common.device_report import REPORT_EVERY_S, remove_report, write_report
from dvc_common.protocol import DeviceCondition, DeviceKind
from kiosk.faults import DeviceFault, DeviceTrouble
from kiosk.scanning import ScanEnd

log = logging.getLogger(__name__)

PRINTER_CONDITIONS: dict[PrinterStatus, DeviceCondition] = {
    PrinterStatus.READY: DeviceCondition.OK,
    PrinterStatus.PAPER_NEAR_END: DeviceCondition.PAPER_LOW,
    PrinterStatus.PAPER_OUT: DeviceCondition.PAPER_OUT,
    PrinterStatus.COVER_OPEN: DeviceCondition.COVER_OPEN,
    PrinterStatus.OFFLINE: DeviceCondition.ERROR,
    PrinterStatus.UNKNOWN: DeviceCondition.UNKNOWN,
}

# What a failed scan says of the scanner; faults not listed (no documents, cancelled) are the
# citizen's doing and leave its condition as it was.
_SCAN_FAULTS: dict[DeviceFault, DeviceCondition] = {
    DeviceFault.UNPLUGGED: DeviceCondition.MISSING,
    DeviceFault.JAMMED: DeviceCondition.ERROR,
    DeviceFault.IO_ERROR: DeviceCondition.ERROR,
    DeviceFault.TIMEOUT: DeviceCondition.ERROR,
    DeviceFault.UNSUPPORTED: DeviceCondition.ERROR,
}

# A scanner in these conditions is looked for at each poll (discovery opens nothing).
_LOOKED_FOR = frozenset({DeviceCondition.UNKNOWN, DeviceCondition.MISSING})


def printer_condition(status: PrinterStatus) -> DeviceCondition:
    return PRINTER_CONDITIONS[status]


def qr_condition(status: QrStatus) -> DeviceCondition:
    if status.state is ReaderState.READY:
        return DeviceCondition.OK if status.error is None else DeviceCondition.ERROR
    if status.state is ReaderState.RECONNECTING:
        unplugged = status.error is not None and status.error.problem is DeviceProblem.UNPLUGGED
        return DeviceCondition.MISSING if unplugged else DeviceCondition.ERROR
    return DeviceCondition.UNKNOWN


def scan_condition(end: ScanEnd, trouble: DeviceTrouble | None) -> DeviceCondition | None:
    """What a finished scan says of the scanner; None when it says nothing of it."""
    if end is ScanEnd.COMPLETED:
        return DeviceCondition.OK
    if trouble is None:
        return None
    return _SCAN_FAULTS.get(trouble.fault)


def scanner_present(scanner: DocumentScanner, device: str) -> DeviceCondition:
    """Whether discovery finds the configured scanner (any scanner when none is named)."""
    found = scanner.discover()
    present = any(info.name == device for info in found) if device else bool(found)
    return DeviceCondition.OK if present else DeviceCondition.MISSING


class DeviceWatch:
    """Polls the devices and keeps the report at ``path`` current; see the module docstring.

    ``printer`` and ``qr`` ask the devices (the printer's call blocks on its link: this runs on
    its own thread, never the GUI thread); ``find_scanner`` looks for the scanner and
    ``scanning`` says whether a scan runs now."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Clock,
        printer: Callable[[], PrinterStatus],
        qr: Callable[[], QrStatus],
        find_scanner: Callable[[], DeviceCondition],
        scanning: Callable[[], bool],
        every_s: float = REPORT_EVERY_S,
    ) -> None:
        self.path = path
        self._clock = clock
        self._printer = printer
        self._qr = qr
        self._find_scanner = find_scanner
        self._scanning = scanning
        self._every_s = every_s
        self._lock = threading.Lock()  # the conditions and the file
        self._polling = threading.Lock()  # one poll at a time
        self._scanner = DeviceCondition.UNKNOWN
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned = False
        self.last: dict[DeviceKind, DeviceCondition] = {}

    def poll(self) -> dict[DeviceKind, DeviceCondition]:
        """Ask the devices and write the report; what it now says."""
        with self._polling:
            printer = self._ask(DeviceKind.PRINTER, lambda: printer_condition(self._printer()))
            qr = self._ask(DeviceKind.QR_READER, lambda: qr_condition(self._qr()))
            if self._scanner in _LOOKED_FOR and not self._scanning():
                found = self._ask(DeviceKind.SCANNER, self._find_scanner)
                with self._lock:
                    # A scan that ended meanwhile knows better than discovery did.
                    if self._scanner in _LOOKED_FOR:
                        self._scanner = found
            with self._lock:
                conditions = {
                    DeviceKind.PRINTER: printer,
                    DeviceKind.SCANNER: self._scanner,
                    DeviceKind.QR_READER: qr,
                }
                self._write(conditions)
            return conditions

    def scan_ended(self, end: ScanEnd, trouble: DeviceTrouble | None) -> None:
        """A scan finished: what it says of the scanner counts from now (the report is
        rewritten when the next poll runs, which ``poll_soon`` brings forward)."""
        condition = scan_condition(end, trouble)
        if condition is None:
            return
        with self._lock:
            self._scanner = condition
        self.poll_soon()

    def poll_soon(self) -> None:
        self._wake.set()

    def _ask(self, kind: DeviceKind, probe: Callable[[], DeviceCondition]) -> DeviceCondition:
        try:
            return probe()
        except Exception as exc:  # a driver failing to answer is the device failing
            log.warning("%s condition unavailable: %s", kind.value, type(exc).__name__)
            return DeviceCondition.ERROR

    def _write(self, conditions: dict[DeviceKind, DeviceCondition]) -> None:
        if conditions != self.last:
            log.info(
                "devices: %s", ", ".join(f"{k.value} {c.value}" for k, c in conditions.items())
            )
        self.last = conditions
        try:
            write_report(self.path, conditions, self._clock.now())
        except OSError as exc:
            if not self._warned:  # the heartbeat then says the app is not running; say why
                self._warned = True
                log.warning("cannot write the device report %s: %s", self.path, exc)

    # --- the thread ------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="device-watch", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # a wish to poll that comes during this poll is kept for after it
            try:
                self.poll()
            except Exception:  # the watch must outlive any bug in a probe
                log.exception("device poll failed")
            self._wake.wait(self._every_s)

    def stop(self, timeout_s: float = 10.0) -> None:
        """End the thread and remove the report: the app no longer speaks for the devices."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout_s)
        with self._lock:
            try:
                remove_report(self.path)
            except OSError as exc:
                log.warning("cannot remove the device report %s: %s", self.path, exc)
