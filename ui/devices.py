"""The kiosk's devices and gateway calls as Qt signals on the GUI thread.

Drivers call back on their own threads (a QR reader thread, a scan job thread) and gateway
calls must never run on the GUI thread, so every piece of work that can block runs on a worker
thread here and its result comes back as a queued Qt signal. The view-models only ever see
signals on the GUI thread, which keeps the journey state machine single-threaded.

Each result names the session it was started for: a page scanned or a verification answered
after the citizen has left (idle wipe) must not land in the next citizen's dossier.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from config.settings import ScannerSection, Settings
from drivers.errors import DeviceError, DeviceKind, DeviceProblem
from drivers.printer import ReceiptPrinter
from drivers.printer.kept import KeptSlipStore
from drivers.qr.base import QrRead, QrReader
from drivers.scanner import DocumentScanner, ScanRequest, ScanResult
from drivers.scanner import ScannedPage as RawPage
from drivers.scanner.base import JobOutcome, ScanJob
from drivers.scanner.pagefiles import write_page_files
from drivers.scanner.pipeline import PageFlag, process_page
from dvc_common.catalog import Procedure
from kiosk.dossier import Dossier, Verification
from kiosk.gateway_services import (
    OFFLINE_MESSAGE,
    GatewayServices,
    StatusKind,
    StatusResult,
)
from kiosk.identity import Identity
from kiosk.slip import render_dossier_slip

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageReady:
    """A processed page written to the session folder, ready for ``PageScanned``."""

    session_id: uuid.UUID
    document_index: int
    pdf: Path
    thumbnail: Path
    flags: frozenset[PageFlag]
    replaces: int | None = None  # the page this one was scanned again for


@dataclass(frozen=True)
class ScanFinished:
    session_id: uuid.UUID
    outcome: JobOutcome
    pages: int  # pages the feeder delivered (blank backs included)
    kept: int  # pages kept after blank pages were dropped
    error: DeviceError | None = None


@dataclass(frozen=True)
class PrintDone:
    session_id: uuid.UUID
    ok: bool
    detail: str = ""
    kept_job: str | None = None


@dataclass(frozen=True)
class VerificationDone:
    session_id: uuid.UUID
    id_number: str  # which citizen was asked about: a session may read a second card
    result: Verification


@dataclass(frozen=True)
class StatusLooked:
    request: int  # the lookup it answers: a late answer to an earlier one is dropped
    result: StatusResult


@dataclass
class _ScanState:
    session_id: uuid.UUID
    document_index: int
    folder: Path
    prefix: str
    replaces: int | None = None
    job: ScanJob | None = None
    kept: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class DeviceHub(QObject):
    """Starts device and gateway work off the GUI thread and reports back as signals."""

    qrRead = Signal(object)  # bytes
    pageReady = Signal(object)  # PageReady
    scanFinished = Signal(object)  # ScanFinished
    printDone = Signal(object)  # PrintDone
    verificationDone = Signal(object)  # VerificationDone
    statusLooked = Signal(object)  # StatusLooked

    def __init__(
        self,
        *,
        settings: Settings,
        qr: QrReader,
        scanner: DocumentScanner,
        printer: ReceiptPrinter,
        kept_slips: KeptSlipStore,
        services: GatewayServices,
        spawn: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.qr = qr
        self.scanner = scanner
        self.printer = printer
        self.kept_slips = kept_slips
        self.services = services
        # Tests may run the work inline; the app runs it on worker threads it can wait for.
        self._workers: list[threading.Thread] = []
        self._spawn = spawn or self._thread
        self._scan: _ScanState | None = None
        self._qr_started = False

    # --- QR ---------------------------------------------------------------------------------------

    def start_qr(self) -> None:
        if not self._qr_started:
            self.qr.start(self._on_qr)
            self._qr_started = True

    def _on_qr(self, read: QrRead) -> None:
        self.qrRead.emit(read.payload)

    # --- scanning ---------------------------------------------------------------------------------

    @property
    def scanning(self) -> bool:
        scan = self._scan
        return scan is not None and scan.job is not None and not scan.job.done

    def start_scan(
        self,
        session_id: uuid.UUID,
        document_index: int,
        folder: Path,
        prefix: str,
        max_pages: int,
        *,
        replaces: int | None = None,
        section: ScannerSection | None = None,
    ) -> DeviceError | None:
        """Feed the tray for one required document; pages arrive as ``pageReady``.
        ``replaces``: one page is scanned again to take that page's place."""
        request = ScanRequest.from_settings(section or self.settings.devices.scanner)
        pages = 1 if replaces is not None else max(1, max_pages)
        request = ScanRequest(
            request.source, request.resolution_dpi, request.mode, request.area, pages
        )
        state = _ScanState(session_id, document_index, folder, prefix, replaces)
        self._scan = state
        try:
            state.job = self.scanner.start_scan(
                request,
                lambda page: self._on_page(state, page),
                lambda result: self._on_scan_done(state, result),
            )
        except DeviceError as exc:
            self._scan = None
            return exc
        return None

    def cancel_scan(self) -> None:
        scan, self._scan = self._scan, None
        if scan is not None and scan.job is not None:
            scan.job.cancel()

    def _on_page(self, state: _ScanState, page: RawPage) -> None:
        if self._scan is not state:
            return  # the session ended or another scan started: this page belongs to no one
        processed = process_page(page.image, page.dpi, index=page.index)
        if processed.dropped:
            log.info("scan: page %d dropped as blank", page.index)
            return
        if self._scan is not state:
            return  # the citizen left while the page was being processed
        with state.lock:
            state.kept += 1
        stem = f"{state.prefix}-{page.index:03d}-{uuid.uuid4().hex[:8]}"
        try:
            files = write_page_files(processed, state.folder, stem)
        except OSError as exc:
            # The session folder vanished (wiped) or the disk is full: nothing to hand over.
            log.error("scan: page %d not stored: %s", page.index, exc)
            return
        self.pageReady.emit(
            PageReady(
                state.session_id,
                state.document_index,
                files.pdf,
                files.thumbnail,
                processed.flags,
                state.replaces,
            )
        )

    def _on_scan_done(self, state: _ScanState, result: ScanResult) -> None:
        if self._scan is state:
            self._scan = None
        self.scanFinished.emit(
            ScanFinished(
                state.session_id, result.outcome, result.page_count, state.kept, result.error
            )
        )

    # --- printing ---------------------------------------------------------------------------------

    def print_slip(self, session_id: uuid.UUID, dossier: Dossier, procedure: Procedure) -> None:
        def work() -> None:
            job_id = dossier.receipt_number
            try:
                slip = render_dossier_slip(dossier, procedure, self.settings)
            except Exception as exc:
                # Only the type: the message could quote the citizen's data.
                log.error("slip could not be drawn: %s", type(exc).__name__)
                self.printDone.emit(PrintDone(session_id, False, f"render: {type(exc).__name__}"))
                return
            try:
                result = self.printer.print_slip(slip, job_id)
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
                self.printDone.emit(PrintDone(session_id, False, error.technical, job_id))
                return
            log.info("slip %s printed (%s)", job_id, result)
            self.printDone.emit(PrintDone(session_id, True))

        self._spawn(work)

    # --- gateway ----------------------------------------------------------------------------------

    def verify_identity(self, session_id: uuid.UUID, identity: Identity) -> None:
        def work() -> None:
            try:
                result = self.services.identity.verify(identity)
            except Exception as exc:
                log.error("identity verification failed: %s", type(exc).__name__)
                result = Verification.PENDING
            self.verificationDone.emit(VerificationDone(session_id, identity.id_number, result))

        self._spawn(work)

    def lookup_status(self, request: int, code: str) -> None:
        def work() -> None:
            try:
                result = self.services.status.lookup(code)
            except Exception as exc:
                log.error("status lookup failed: %s", type(exc).__name__)
                result = StatusResult(StatusKind.OFFLINE, message=OFFLINE_MESSAGE)
            self.statusLooked.emit(StatusLooked(request, result))

        self._spawn(work)

    def _thread(self, work: Callable[[], None]) -> None:
        self._workers = [t for t in self._workers if t.is_alive()]
        thread = threading.Thread(target=work, name="kiosk-worker", daemon=True)
        self._workers.append(thread)
        thread.start()

    def close(self, timeout_s: float = 10.0) -> None:
        """Stop the devices; first let running work (a slip printing, a gateway call) end,
        so nothing is cut off halfway or answers into a half-destroyed app."""
        for thread in self._workers:
            thread.join(timeout_s)
        self.cancel_scan()
        if self._qr_started:
            self.qr.stop()
            self._qr_started = False
        self.scanner.close()
        self.printer.close()
