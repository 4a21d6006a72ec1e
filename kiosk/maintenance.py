"""The technician's use cases that are not entry: what the outbox holds and sending it again,
exporting it or the log to a USB stick, and a test scan. Qt-free; the technician screen's
view-model calls these off the GUI thread.

Results carry reasons as enums (``CareReason``) with their values; the screens word them.
Nothing here shows personal data: dossiers are named by their receipt numbers, errors have their
digit runs masked.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from drivers.network.base import (
    NetworkError,
    Security,
    Unavailable,
    WifiControl,
    WifiNetwork,
)
from drivers.removable.base import RemovableError, RemovableMedia
from dvc_common.atomic import write_atomic
from dvc_common.privacy import mask_digits_in
from kiosk.scanning import PageReady, ScanFinished, ScanService, ScanTarget
from offline_queue.errors import StoreError
from offline_queue.records import ACTIVE, QueueStatus
from offline_queue.store import QueueStore
from offline_queue.usb_export import ExportError, export_unsent

log = logging.getLogger(__name__)

OUTBOX_LISTED = 200
TEST_SCAN_PAGES = 3
TEST_SCAN_TIMEOUT_S = 120.0


class CareReason(StrEnum):
    EXPORTED = "exported"  # n dossiers, file name
    LOG_EXPORTED = "log_exported"  # file name
    NO_STICK = "no_stick"  # no USB stick found or it could not be mounted
    EXPORT_FAILED = "export_failed"  # problem (an ExportProblem value)
    WRITE_FAILED = "write_failed"  # the stick refused the file (full, removed, read-only)


@dataclass(frozen=True)
class CareResult:
    ok: bool
    reason: CareReason
    params: dict[str, str] = field(default_factory=dict)


# Where the stick is: a mounted directory, or an OSError saying why there is none.
StickTarget = Callable[[], Path]


class OutboxCare:
    """The outbox as a technician sees it: counts, dossiers needing attention, retry."""

    def __init__(self, store: QueueStore) -> None:
        self._store = store

    def summary(self, now: float) -> dict[str, Any]:
        counts = self._store.counts()
        rows = self._store.list_dossiers(limit=OUTBOX_LISTED)
        waiting = [r for r in rows if r.status in ACTIVE or r.status is QueueStatus.NEEDS_ATTENTION]
        oldest = min((r.enqueued_at for r in waiting), default=None)
        return {
            "counts": {status.value: int(counts.get(status.value, 0)) for status in QueueStatus},
            "oldestMinutes": None if oldest is None else int((now - oldest) // 60),
            "dossiers": [
                {
                    "receipt": row.receipt_number,
                    "state": row.status.value,
                    "detail": mask_digits_in(row.last_error or "")[:200],
                    "retryable": row.status is QueueStatus.NEEDS_ATTENTION
                    or (row.status in ACTIVE and row.attempts > 0),
                    "attempts": row.attempts,
                }
                for row in waiting
            ],
        }

    def retry(self, receipt: str | None) -> int:
        """Send one dossier (by receipt number) or every one needing attention back to the
        sync; how many were sent."""
        if receipt is not None:
            self._store.retry(receipt)
            return 1
        sent = 0
        for row in self._store.list_dossiers(
            limit=OUTBOX_LISTED, statuses=(QueueStatus.NEEDS_ATTENTION,)
        ):
            try:
                self._store.retry(row.client_uuid)
                sent += 1
            except StoreError as exc:  # erased meanwhile: nothing to send
                log.warning("retry of %s skipped: %s", row.receipt_number, exc)
        return sent


def export_outbox(
    store: QueueStore,
    stick: StickTarget,
    *,
    sealing_key: str,
    kiosk_id: str,
    now: datetime,
    software: str,
) -> CareResult:
    """Every dossier the gateway has not acknowledged, sealed to the gateway, onto the stick
    (``offline_queue.usb_export``); they stay in the outbox and keep syncing."""
    try:
        folder = stick()
    except OSError as exc:
        return CareResult(False, CareReason.NO_STICK, {"detail": str(exc)})
    try:
        report = export_unsent(
            store, folder, sealing_key, kiosk_id, now, software_version=software
        )
    except ExportError as exc:
        # The screens word the problem (``problem``); which dossier, when one is to blame.
        params = {"problem": exc.problem.value, "receipt": exc.receipt_number or ""}
        return CareResult(False, CareReason.EXPORT_FAILED, params)
    return CareResult(
        True,
        CareReason.EXPORTED,
        {"count": str(report.dossiers), "file": report.file_name},
    )


def export_log(text: str, stick: StickTarget, kiosk_id: str, now: datetime) -> CareResult:
    """The recent log (already masked) as a text file on the stick."""
    try:
        folder = stick()
    except OSError as exc:
        return CareResult(False, CareReason.NO_STICK, {"detail": str(exc)})
    name = f"{kiosk_id}-log-{now:%Y%m%d-%H%M%S}.txt"
    try:
        write_atomic(folder / name, (mask_digits_in(text) + "\n").encode("utf-8"))
    except OSError as exc:
        return CareResult(False, CareReason.WRITE_FAILED, {"detail": exc.strerror or str(exc)})
    return CareResult(True, CareReason.LOG_EXPORTED, {"file": name})


def trial_scan(service: ScanService, scratch: Path) -> dict[str, Any]:
    """Feed up to three pages through the real pipeline into a scratch folder and report what
    a citizen's scan would give: the first page's thumbnail, the pipeline's flags, the size each
    page would upload. Blocks until the scanner finishes (call it off the GUI thread)."""
    folder = scratch / "technician-test"
    for old in folder.glob("*") if folder.exists() else ():
        old.unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    pages: list[PageReady] = []
    finished: list[ScanFinished] = []
    done = threading.Event()

    def on_finished(result: ScanFinished) -> None:
        finished.append(result)
        done.set()

    target = ScanTarget(uuid.uuid4(), 0, folder, "test", TEST_SCAN_PAGES)
    trouble = service.start(target, pages.append, on_finished)
    if trouble is not None:
        return {"error": trouble.fault.value, "technical": trouble.technical}
    if not done.wait(TEST_SCAN_TIMEOUT_S):
        service.cancel()
        return {"error": "timeout", "technical": f"no answer in {TEST_SCAN_TIMEOUT_S:.0f} s"}
    result = finished[0]
    if result.trouble is not None and not pages:
        return {"error": result.trouble.fault.value, "technical": result.trouble.technical}
    sizes = [page.pdf.stat().st_size for page in pages]
    return {
        "pages": len(pages),
        "thumbnail": pages[0].thumbnail if pages else "",
        "flags": sorted({flag.value for page in pages for flag in page.flags}),
        "kb": round(sum(sizes) / 1024 / max(1, len(sizes)), 1),
    }


# --- Wi-Fi and the stick -------------------------------------------------------------------------


class WifiAction(StrEnum):
    LOOK = "look"  # the state and the networks known, without a scan
    SCAN = "scan"
    JOIN = "join"
    FORGET = "forget"


def wifi_view(
    control: WifiControl, action: WifiAction, ssid: str = "", passphrase: str = ""
) -> dict[str, Any]:
    """Do ``action`` and say where the Wi-Fi stands: ``available``, ``problem`` (a
    ``NetworkProblem`` value, or ""), ``connection``, ``address``, ``connected`` and the
    ``networks`` in range (SSID, signal, secured, active, saved). Blocks: call it off the GUI
    thread. The passphrase is never logged or returned."""
    if not control.available():
        return {"available": False, "problem": "", "networks": []}
    problem = ""
    networks: tuple[WifiNetwork, ...] = ()
    try:
        if action is WifiAction.SCAN:
            networks = control.scan()
        elif action is WifiAction.JOIN:
            control.join(ssid, passphrase or None)
        elif action is WifiAction.FORGET:
            control.forget(ssid)
    except NetworkError as exc:
        log.warning("wifi %s failed: %s", action.value, exc.kind.value)
        problem = exc.kind.value
    try:
        status = control.status()
        if not networks:
            networks = control.networks()
    except NetworkError as exc:
        return {"available": True, "problem": problem or exc.kind.value, "networks": []}
    if isinstance(status, Unavailable):
        return {"available": False, "problem": "", "networks": []}
    return {
        "available": True,
        "problem": problem,
        "connected": status.connection is not None and status.ipv4 is not None,
        "connection": status.connection or "",
        "address": str(status.ipv4.ip) if status.ipv4 else "",
        "networks": [
            {
                "ssid": n.ssid,
                "signal": n.signal,
                "secured": n.security is not Security.OPEN,
                "active": n.active,
                "saved": n.saved,
            }
            for n in sorted(networks, key=lambda n: (not n.active, -n.signal))
        ],
    }


def first_stick(media: RemovableMedia) -> Path:
    """The first USB stick, mounted; an OSError saying why when there is none."""
    try:
        sticks = media.sticks()
        if not sticks:
            raise FileNotFoundError("no USB stick found")
        return media.mount(sticks[0])
    except RemovableError as exc:
        raise OSError(f"USB: {exc.kind.value}") from exc
