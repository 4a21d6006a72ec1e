"""What the kiosk sees of a document scanner: the ``DocumentScanner`` Protocol, its values, and
the job runner every implementation shares.

A citizen feeds a stack of papers into the feeder (or lays one on the glass) and presses
"Quét". Scanning takes seconds per page, so it never runs on the UI thread: ``start_scan``
returns a ``ScanJob`` at once and a worker thread delivers each ``ScannedPage`` to a callback
as soon as it arrives, then the final ``ScanResult``: completed with N pages, cancelled, or
failed with a ``DeviceError`` after K pages. Pages already delivered are part of the result
whatever happens after them, so a jam on sheet 4 never costs the citizen sheets 1 to 3.

Implementations only write a generator of pages (``PageSource``); ``ScanJob`` owns the thread,
cancellation, the callbacks and the outcome, once for all scanners, so the fake and the SANE
scanner behave the same in the contract tests.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np
import numpy.typing as npt

from config.settings import ColorMode, ScannerSection, ScanSource
from drivers.errors import DeviceError, DeviceKind, DeviceProblem

log = logging.getLogger(__name__)

# A page image: uint8, (height, width) for gray, (height, width, 3) for RGB; 0 is black.
Image = npt.NDArray[np.uint8]

MM_PER_INCH = 25.4
# Resolutions a kiosk would reasonably ask for; a device offering a continuous range is
# described by the ones inside its range (document scanning has no use for 37 dpi).
COMMON_RESOLUTIONS = (75, 100, 150, 200, 240, 300, 400, 600)


class PageSide(StrEnum):
    FRONT = "front"
    BACK = "back"


class JobOutcome(StrEnum):
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


def scanner_error(problem: DeviceProblem, technical: str) -> DeviceError:
    return DeviceError(DeviceKind.SCANNER, problem, technical)


@dataclass(frozen=True, slots=True)
class ScanArea:
    """A rectangle on the glass or the sheet, in millimetres from the top-left corner."""

    left_mm: float
    top_mm: float
    width_mm: float
    height_mm: float

    def __post_init__(self) -> None:
        if self.left_mm < 0 or self.top_mm < 0:
            raise ValueError("a scan area starts inside the page (left/top >= 0)")
        if self.width_mm <= 0 or self.height_mm <= 0:
            raise ValueError("a scan area has a positive width and height")

    @property
    def right_mm(self) -> float:
        return self.left_mm + self.width_mm

    @property
    def bottom_mm(self) -> float:
        return self.top_mm + self.height_mm


A4 = ScanArea(0.0, 0.0, 210.0, 297.0)


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """One press of "Quét": where the paper is, how fine, gray or colour, and which part."""

    source: ScanSource
    resolution_dpi: int
    mode: ColorMode
    area: ScanArea | None = None  # None: the largest area the device offers
    max_pages: int | None = None  # stop feeding after this many pages (None: until empty)

    def __post_init__(self) -> None:
        if not 10 <= self.resolution_dpi <= 4800:
            raise ValueError(f"resolution_dpi out of range: {self.resolution_dpi}")
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError("max_pages must be >= 1")

    @classmethod
    def from_settings(cls, section: ScannerSection, area: ScanArea | None = None) -> ScanRequest:
        return cls(section.source, section.resolution_dpi, section.mode, area)


@dataclass(frozen=True, slots=True, eq=False)
class ScannedPage:
    """One side of one sheet, as the device delivered it."""

    image: Image = field(repr=False)
    dpi: int  # the resolution the device actually used (it may round what was asked)
    index: int  # 0-based position in the job, in delivery order
    side: PageSide
    source: ScanSource

    def __post_init__(self) -> None:
        if self.image.dtype != np.uint8 or self.image.ndim not in (2, 3):
            raise ValueError("a page image is uint8 HxW (gray) or HxWx3 (RGB)")
        if self.image.ndim == 3 and self.image.shape[2] != 3:
            raise ValueError("a colour page image has 3 channels")

    @property
    def mode(self) -> ColorMode:
        return ColorMode.COLOR if self.image.ndim == 3 else ColorMode.GRAY

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def size_mm(self) -> tuple[float, float]:
        """(width, height) of the scanned area in millimetres."""
        return (self.width * MM_PER_INCH / self.dpi, self.height * MM_PER_INCH / self.dpi)

    def __repr__(self) -> str:
        return (
            f"ScannedPage(index={self.index}, side={self.side.value}, source={self.source.value},"
            f" {self.width}x{self.height} {self.mode.value} @ {self.dpi} dpi)"
        )


@dataclass(frozen=True, slots=True)
class ScannerInfo:
    """A device as discovery reports it."""

    name: str  # what ``ScannerSection.device`` holds, e.g. "fujitsu:fi-7160:123456"
    vendor: str
    model: str
    kind: str  # the backend's own words: "sheetfed scanner", "flatbed scanner", ...

    @property
    def label(self) -> str:
        return f"{self.vendor} {self.model} ({self.name})"


@dataclass(frozen=True, slots=True)
class ScannerCapabilities:
    """What the opened device offers, in our terms."""

    sources: frozenset[ScanSource]
    modes: frozenset[ColorMode]
    resolutions: tuple[int, ...]  # ascending; for a range device, COMMON_RESOLUTIONS inside it
    min_dpi: int
    max_dpi: int
    max_area: ScanArea | None  # the largest scan area (flatbed/default source), if known

    def problem_with(self, request: ScanRequest) -> str | None:
        """Why this device cannot do ``request`` (None if it can), for the technician."""
        if request.source not in self.sources:
            offered = ", ".join(sorted(s.value for s in self.sources))
            return f"source {request.source.value} not offered (offers: {offered})"
        if request.mode not in self.modes:
            return f"mode {request.mode.value} not offered"
        if not self.min_dpi <= request.resolution_dpi <= self.max_dpi:
            return f"{request.resolution_dpi} dpi outside {self.min_dpi}..{self.max_dpi}"
        return None


@dataclass(frozen=True, slots=True)
class ScanResult:
    """How a job ended. ``pages`` holds every page delivered, also when it failed."""

    outcome: JobOutcome
    pages: tuple[ScannedPage, ...]
    error: DeviceError | None = None  # set when FAILED

    @property
    def page_count(self) -> int:
        return len(self.pages)


PageCallback = Callable[[ScannedPage], None]
DoneCallback = Callable[[ScanResult], None]


class CancelToken:
    """Set once by ``ScanJob.cancel``; implementations check it between pages and may register
    a hook to interrupt a page that is being read (the SANE scanner tells its worker)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._hooks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            hooks = list(self._hooks)
        for hook in hooks:
            try:
                hook()
            except Exception:
                log.exception("scanner cancel hook failed")

    def on_cancel(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Call ``hook`` when cancelled (now, if already). Returns a function removing it."""
        with self._lock:
            already = self._event.is_set()
            if not already:
                self._hooks.append(hook)
        if already:
            hook()

        def remove() -> None:
            with self._lock:
                if hook in self._hooks:
                    self._hooks.remove(hook)

        return remove

    def wait(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for a cancel; True if cancelled. For paced fakes only."""
        return self._event.wait(timeout_s)


# An implementation's part of a job: yields pages as they arrive, raises DeviceError.
PageSource = Callable[[ScanRequest, CancelToken], Generator[ScannedPage, None, None]]


class ScanJob:
    """One scan running on its own thread; see the module docstring."""

    def __init__(
        self,
        request: ScanRequest,
        pages: PageSource,
        on_page: PageCallback,
        on_done: DoneCallback | None = None,
        *,
        on_finish: Callable[[ScanResult], None] | None = None,
    ) -> None:
        self.request = request
        self._pages = pages
        self._on_page = on_page
        self._on_done = on_done
        self._on_finish = on_finish  # the scanner's own bookkeeping, before the caller hears
        self._token = CancelToken()
        self._delivered: list[ScannedPage] = []
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._result: ScanResult | None = None
        self._thread = threading.Thread(target=self._run, name="scanner-job", daemon=True)

    def start(self) -> ScanJob:
        self._thread.start()
        return self

    # --- for the caller --------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop after the page being read (or interrupt it); pages delivered so far are kept."""
        self._token.cancel()

    @property
    def cancel_requested(self) -> bool:
        return self._token.cancelled

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    @property
    def pages_delivered(self) -> int:
        with self._lock:
            return len(self._delivered)

    def wait(self, timeout_s: float) -> ScanResult | None:
        """The result once the job ended, or None if ``timeout_s`` passed first."""
        if not self._finished.wait(timeout_s):
            return None
        return self._result

    # --- the worker thread -----------------------------------------------------------------------

    def _run(self) -> None:
        error: DeviceError | None = None
        cancelled = False
        source = self._pages(self.request, self._token)
        try:
            for page in source:
                with self._lock:
                    self._delivered.append(page)
                try:
                    self._on_page(page)
                except Exception:
                    # The kiosk's handler failing must not lose the rest of the stack.
                    log.exception("scanned-page handler failed on page %d", page.index)
                if self._token.cancelled:
                    cancelled = True
                    break
        except DeviceError as exc:
            if exc.problem is DeviceProblem.CANCELLED or self._token.cancelled:
                cancelled = True
            else:
                error = exc
        except Exception as exc:
            # A bug in a driver must still end the job with an outcome, never hang the UI.
            log.exception("scanner driver failed")
            error = scanner_error(DeviceProblem.IO_ERROR, f"driver error: {exc!r}")
        finally:
            # Stopped early (cancel): let the implementation end its side now, on this thread.
            try:
                source.close()
            except DeviceError as exc:
                log.warning("scanner: ending the scan failed: %s", exc)
        if not cancelled and error is None and self._token.cancelled:
            cancelled = True  # cancelled after the last page: the caller asked, so say so
        with self._lock:
            pages = tuple(self._delivered)
        if error is not None:
            result = ScanResult(JobOutcome.FAILED, pages, error)
            log.warning("scan failed after %d page(s): %s", len(pages), error)
        elif cancelled:
            result = ScanResult(JobOutcome.CANCELLED, pages)
        else:
            result = ScanResult(JobOutcome.COMPLETED, pages)
        if self._on_finish is not None:
            try:
                self._on_finish(result)
            except Exception:
                log.exception("scanner bookkeeping failed")
        self._result = result
        self._finished.set()
        if self._on_done is not None:
            try:
                self._on_done(result)
            except Exception:
                log.exception("scan-done handler failed")


class DocumentScanner(Protocol):
    """A document scanner; every failure is a ``DeviceError`` of kind SCANNER.

    ``discover``, ``info`` and ``capabilities`` may block on the device (open it, ask it): call
    them from a worker, not the UI thread. A failure closes the device; the next call opens it
    again (a scanner unplugged and plugged back in works without restarting the kiosk).
    """

    def discover(self) -> list[ScannerInfo]:
        """Every device this driver can see (for the technician's set-up screen)."""
        ...

    def info(self) -> ScannerInfo:
        """The configured device (opening it if needed)."""
        ...

    def capabilities(self) -> ScannerCapabilities: ...

    def start_scan(
        self, request: ScanRequest, on_page: PageCallback, on_done: DoneCallback | None = None
    ) -> ScanJob:
        """Start scanning on a worker thread and return at once.

        ``on_page`` and ``on_done`` are called on that thread. A second job while one runs
        is refused with BUSY (a double tap on "Quét" must not feed twice).
        """
        ...

    def close(self) -> None:
        """Release the device; safe to call twice. Waits for a running job to end."""
        ...


class JobSlot:
    """The one job a scanner runs at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job: ScanJob | None = None

    def start(
        self,
        request: ScanRequest,
        pages: PageSource,
        on_page: PageCallback,
        on_done: DoneCallback | None,
        on_finish: Callable[[ScanResult], None] | None = None,
    ) -> ScanJob:
        with self._lock:
            if self._job is not None and not self._job.done:
                raise scanner_error(DeviceProblem.BUSY, "a scan job is already running")
            job = ScanJob(request, pages, on_page, on_done, on_finish=on_finish)
            self._job = job
        return job.start()

    def stop(self, timeout_s: float) -> None:
        """Cancel the running job, if any, and wait up to ``timeout_s`` for it to end."""
        with self._lock:
            job = self._job
        if job is not None and not job.done:
            job.cancel()
            job.wait(timeout_s)


def expected_pixels(length_mm: float, dpi: int) -> int:
    """How many pixels ``length_mm`` gives at ``dpi`` (devices truncate, as SANE's test does)."""
    return int(length_mm * dpi / MM_PER_INCH)


def as_mode(image: Image, mode: ColorMode) -> Image:
    """``image`` converted to gray (ITU-R 601 luma) or RGB as ``mode`` asks."""
    if mode is ColorMode.COLOR:
        if image.ndim == 3:
            return image
        return np.repeat(image[:, :, np.newaxis], 3, axis=2)
    if image.ndim == 2:
        return image
    luma = image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return np.clip(np.rint(luma), 0, 255).astype(np.uint8)
