"""Slips that could not print, kept on disk so staff can hand the citizen their slip later.

When the printer fails (paper out, unplugged…) the dossier is already safe in the queue, but the
citizen leaves without the paper that proves it. ``print_or_keep`` prints, or keeps the rendered
slip (a PNG per copy, the exact ESC/POS bytes and what was drawn) under
``{data_dir}/kept-slips/{job_id}/``; the staff screen lists ``pending()`` and calls
``reprint(job_id)`` once the printer works, which removes the slip from the store.

A kept slip holds the citizen's name and masked phone number: files are 0600 in 0700 folders,
written atomically (``meta.json`` last, so a half-written entry is never listed), and deleted as
soon as the slip has printed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from drivers.errors import DeviceError, DeviceProblem
from drivers.printer.base import (
    DrawnText,
    PrintResult,
    ReceiptPrinter,
    RenderedSlip,
    check_job_id,
)
from drivers.printer.encode import png_bytes, read_png
from dvc_common.atomic import write_atomic
from dvc_common.clock import Clock, SystemClock

log = logging.getLogger(__name__)

KEPT_DIR_NAME = "kept-slips"
META_FILE = "meta.json"
BYTES_FILE = "job.bin"
META_VERSION = 1
REPRINT_SUFFIX = ".reprint"


# Kept slips are stamped in UTC unless the root hands over the kiosk's clock.
_UTC_CLOCK = SystemClock(ZoneInfo("UTC"))


def reprint_job_id(job_id: str) -> str:
    """The job id of a reprint: distinct from the original (which may have half-printed), the
    same for every tap on "In lại" so a double tap prints once."""
    candidate = job_id + REPRINT_SUFFIX
    with contextlib.suppress(ValueError):
        return check_job_id(candidate)
    return hashlib.sha256(job_id.encode()).hexdigest()[:32] + REPRINT_SUFFIX


@dataclass(frozen=True)
class KeptSlip:
    job_id: str
    code: str
    kept_at: datetime
    problem: DeviceProblem
    technical: str
    copies: int
    attempts: int = 1  # print attempts that failed, the first one included


@dataclass(frozen=True)
class PrintOutcome:
    """Either the slip printed (``result``) or it was kept (``kept`` and ``error``)."""

    result: PrintResult | None
    kept: KeptSlip | None = None
    error: DeviceError | None = None

    @property
    def printed(self) -> bool:
        return self.result is not None


class KeptSlipStore:
    def __init__(self, data_dir: Path, *, clock: Clock = _UTC_CLOCK) -> None:
        self.root = data_dir / KEPT_DIR_NAME
        self._clock = clock

    def _dir(self, job_id: str) -> Path:
        return self.root / check_job_id(job_id)

    def keep(self, job_id: str, slip: RenderedSlip, error: DeviceError) -> KeptSlip:
        directory = self._dir(job_id)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.root.chmod(0o700)
        for number, page in enumerate(slip.pages, start=1):
            write_atomic(directory / f"page-{number}.png", png_bytes(page), mode=0o600)
        write_atomic(directory / BYTES_FILE, slip.escpos, mode=0o600)
        kept = KeptSlip(
            job_id=job_id,
            code=slip.code,
            kept_at=self._clock.now(),
            problem=error.problem,
            technical=error.technical,
            copies=slip.copies,
        )
        self._write_meta(kept, slip)
        log.warning("slip %s kept for reprint: %s", job_id, error.problem.value)
        return kept

    def _write_meta(self, kept: KeptSlip, slip: RenderedSlip) -> None:
        meta = {
            "version": META_VERSION,
            "job_id": kept.job_id,
            "code": kept.code,
            "kept_at": kept.kept_at.isoformat(),
            "problem": kept.problem.value,
            "technical": kept.technical,
            "copies": kept.copies,
            "attempts": kept.attempts,
            "qr_payload": slip.qr_payload,
            "barcode_payload": slip.barcode_payload,
            "text_mode": slip.text_mode,
            "texts": [asdict(t) for t in slip.texts],
        }
        data = json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8")
        write_atomic(self._dir(kept.job_id) / META_FILE, data, mode=0o600)

    def _read_meta(self, job_id: str) -> dict[str, Any]:
        path = self._dir(job_id) / META_FILE
        try:
            meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyError(job_id) from None
        return meta

    @staticmethod
    def _kept_from(meta: dict[str, Any]) -> KeptSlip:
        return KeptSlip(
            job_id=meta["job_id"],
            code=meta["code"],
            kept_at=datetime.fromisoformat(meta["kept_at"]),
            problem=DeviceProblem(meta["problem"]),
            technical=meta["technical"],
            copies=int(meta["copies"]),
            attempts=int(meta["attempts"]),
        )

    def pending(self) -> list[KeptSlip]:
        """Kept slips, oldest first."""
        if not self.root.is_dir():
            return []
        kept = []
        for directory in self.root.iterdir():
            if (directory / META_FILE).is_file():
                try:
                    kept.append(self._kept_from(self._read_meta(directory.name)))
                except (ValueError, KeyError, json.JSONDecodeError) as exc:
                    log.error("unreadable kept slip %s: %s", directory.name, exc)
        return sorted(kept, key=lambda k: (k.kept_at, k.job_id))

    def get(self, job_id: str) -> KeptSlip:
        return self._kept_from(self._read_meta(job_id))

    def load(self, job_id: str) -> RenderedSlip:
        """The kept slip as it was rendered: same pages, same bytes."""
        meta = self._read_meta(job_id)
        directory = self._dir(job_id)
        pages = tuple(
            read_png((directory / f"page-{n}.png").read_bytes())
            for n in range(1, int(meta["copies"]) + 1)
        )
        return RenderedSlip(
            code=meta["code"],
            pages=pages,
            escpos=(directory / BYTES_FILE).read_bytes(),
            texts=tuple(DrawnText(**t) for t in meta["texts"]),
            qr_payload=meta["qr_payload"],
            barcode_payload=meta["barcode_payload"],
            text_mode=bool(meta["text_mode"]),
        )

    def reprint(self, job_id: str, printer: ReceiptPrinter) -> PrintResult:
        """Print a kept slip; on success it leaves the store, on failure it stays (and the
        ``DeviceError`` is raised for the staff screen to show)."""
        slip = self.load(job_id)
        try:
            result = printer.print_slip(slip, reprint_job_id(job_id))
        except DeviceError as exc:
            kept = self.get(job_id)
            updated = replace(
                kept, problem=exc.problem, technical=exc.technical, attempts=kept.attempts + 1
            )
            self._write_meta(updated, slip)
            raise
        self.discard(job_id)
        return result

    def discard(self, job_id: str) -> None:
        """Forget a kept slip (printed, or handed over another way)."""
        shutil.rmtree(self._dir(job_id), ignore_errors=True)


def print_or_keep(
    printer: ReceiptPrinter, store: KeptSlipStore, slip: RenderedSlip, job_id: str
) -> PrintOutcome:
    """Print ``slip``; if the printer fails, keep it for a reprint instead of losing it."""
    try:
        return PrintOutcome(printer.print_slip(slip, job_id))
    except DeviceError as exc:
        try:
            kept = store.keep(job_id, slip, exc)
        except OSError as disk:
            # The dossier itself is safe in the queue; a full disk must not also lose the answer.
            log.error("slip %s could not be kept: %s", job_id, disk)
            kept = None
        return PrintOutcome(None, kept, exc)
