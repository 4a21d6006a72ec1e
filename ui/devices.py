"""The bridge from worker threads to the GUI thread: the kiosk's use cases' answers as queued
Qt signals.

Drivers call back on their own threads (a QR reader thread, a scan job thread), and printing and
gateway calls must never block the GUI thread, so they run on worker threads here. What to do
is decided by the Qt-free use cases in ``kiosk`` (``kiosk.scanning``, ``kiosk.printing``,
``kiosk.verification``, ``kiosk.lookup``); this module only runs them off the GUI thread and
emits their results, so the view-models see them on the GUI thread, where the journey is driven.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from dvc_common.catalog import Procedure
from kiosk.dossier import Dossier
from kiosk.faults import DeviceTrouble
from kiosk.identity import Identity
from kiosk.lookup import StatusLooked, StatusQuery
from kiosk.ports import CodeRead, CodeReader
from kiosk.printing import PrintDone, SlipPrinting
from kiosk.scanning import ScanService, ScanTarget
from kiosk.verification import IdentityCheck, VerificationDone

Spawn = Callable[[Callable[[], None]], None]


class DeviceHub(QObject):
    """Starts device and gateway work off the GUI thread and reports back as signals."""

    qrRead = Signal(object)  # bytes
    pageReady = Signal(object)  # kiosk.scanning.PageReady
    checkStarted = Signal(object)  # kiosk.scanning.CheckStarted
    scanFinished = Signal(object)  # kiosk.scanning.ScanFinished
    printDone = Signal(object)  # kiosk.printing.PrintDone
    verificationDone = Signal(object)  # kiosk.verification.VerificationDone
    statusLooked = Signal(object)  # kiosk.lookup.StatusLooked

    def __init__(
        self,
        *,
        qr: CodeReader,
        scanning: ScanService,
        printing: SlipPrinting,
        identity: IdentityCheck,
        status: StatusQuery,
        spawn: Spawn | None = None,
    ) -> None:
        super().__init__()
        self.qr = qr
        self.scanning_service = scanning
        self.printing = printing
        self._identity = identity
        self._status = status
        # Tests may run the work inline; the app runs it on worker threads it can wait for.
        self._workers: list[threading.Thread] = []
        self._spawn = spawn or self._thread
        self._qr_started = False

    # --- QR ---------------------------------------------------------------------------------------

    def start_qr(self) -> None:
        if not self._qr_started:
            self.qr.start(self._on_qr)
            self._qr_started = True

    def _on_qr(self, read: CodeRead) -> None:
        self.qrRead.emit(read.payload)

    # --- scanning (kiosk.scanning.ScanFeed) -------------------------------------------------------

    @property
    def scanning(self) -> bool:
        return self.scanning_service.scanning

    def start_scan(self, target: ScanTarget) -> DeviceTrouble | None:
        return self.scanning_service.start(
            target, self.pageReady.emit, self.scanFinished.emit, self.checkStarted.emit
        )

    def cancel_scan(self) -> None:
        self.scanning_service.cancel()

    def stop_scan(self) -> None:
        self.scanning_service.stop()

    # --- printing and the gateway -----------------------------------------------------------------

    def print_slip(self, session_id: uuid.UUID, dossier: Dossier, procedure: Procedure) -> None:
        self._spawn(
            lambda: self.printDone.emit(
                PrintDone(session_id, self.printing.print_slip(dossier, procedure))
            )
        )

    def verify_identity(self, session_id: uuid.UUID, identity: Identity) -> None:
        self._spawn(
            lambda: self.verificationDone.emit(
                VerificationDone(session_id, identity.id_number, self._identity.verify(identity))
            )
        )

    def lookup_status(self, request: int, code: str) -> None:
        self._spawn(
            lambda: self.statusLooked.emit(StatusLooked(request, self._status.lookup(code)))
        )

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
        if self._qr_started:
            self.qr.stop()
            self._qr_started = False
        self.scanning_service.close()
        self.printing.close()
