"""A document scanner without hardware, for the demo and the tests: ``FakeScanner``.

It feeds the sheets it was loaded with (images given by the caller, or plain generated pages
numbered by black bars) through the same ``ScanJob`` runner as the real scanner, and injects the
faults real feeders have: a jam after N pages, an empty tray, an open cover, busy, an I/O error,
and the USB cable pulled out (before a job or in the middle of one) and pushed back in.

The feeder behaves like the SANE ``test`` backend's: a job takes sheets from the stack until it
is empty; a job that stops early (cancel, jam) leaves the rest for the next job; once a job has
emptied it, the stack is there again for the next one (the next citizen puts theirs in).

Tests pace it by hand instead of sleeping: ``hold()`` makes every page wait for ``release()``,
so a test can cancel exactly between page 2 and page 3. The demo can slow it down with
``page_interval_s`` (the wait ends early on cancel).
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from config.settings import ColorMode, ScanSource
from drivers.errors import DeviceProblem
from drivers.scanner.base import (
    COMMON_RESOLUTIONS,
    CancelToken,
    DoneCallback,
    Image,
    JobSlot,
    PageCallback,
    PageSide,
    ScanArea,
    ScanJob,
    ScannedPage,
    ScannerCapabilities,
    ScannerInfo,
    ScanRequest,
    as_mode,
    expected_pixels,
    scanner_error,
)

FAKE_NAME = "fake:0"
# The glass of an ordinary A4 flatbed, and the widest sheet its feeder takes (US Letter / A4).
GLASS = ScanArea(0.0, 0.0, 216.0, 297.0)
FEEDER_PAGE = ScanArea(0.0, 0.0, 210.0, 297.0)
# Sheets or (front, back) pairs; a sheet given as one image has a blank back.
Sheet = Image | tuple[Image, Image]


def generated_page(area: ScanArea, dpi: int, mode: ColorMode, number: int, side: PageSide) -> Image:
    """A white page with a black frame and ``number`` short black bars near the top, so a test
    or a person looking at the demo can tell pages apart; the back has a grey band instead."""
    height = max(1, expected_pixels(area.height_mm, dpi))
    width = max(1, expected_pixels(area.width_mm, dpi))
    page = np.full((height, width), 255, dtype=np.uint8)
    frame = max(1, dpi // 50)
    page[:frame, :] = 0
    page[-frame:, :] = 0
    page[:, :frame] = 0
    page[:, -frame:] = 0
    unit = max(1, dpi // 25)  # about 1 mm
    if side is PageSide.BACK:
        page[height // 2 : height // 2 + 4 * unit, 2 * frame : -2 * frame] = 160
    else:
        for bar in range(number):
            top = 5 * unit
            left = 5 * unit + bar * 3 * unit
            page[top : top + 8 * unit, left : left + 2 * unit] = 0
    return as_mode(page, mode)


@dataclass
class _Fault:
    problem: DeviceProblem
    after_pages: int
    unplug: bool = False  # the device stays gone afterwards


class FakeScanner:
    """A scripted document scanner; see the module docstring."""

    def __init__(
        self,
        *,
        feeder: int | Sequence[Sheet] = 3,
        flatbed: Image | None = None,
        sources: frozenset[ScanSource] = frozenset(ScanSource),
        modes: frozenset[ColorMode] = frozenset(ColorMode),
        resolutions: tuple[int, ...] = COMMON_RESOLUTIONS,
        page_interval_s: float = 0.0,
        name: str = FAKE_NAME,
    ) -> None:
        self._info = ScannerInfo(name, "Kiosk", "Fake document scanner", "sheetfed scanner")
        self._caps = ScannerCapabilities(
            sources=sources,
            modes=modes,
            resolutions=tuple(sorted(resolutions)),
            min_dpi=min(resolutions),
            max_dpi=max(resolutions),
            max_area=GLASS,
        )
        self._flatbed = flatbed
        self._interval_s = page_interval_s
        self._cond = threading.Condition()
        self._stack: list[Sheet | None] = []
        self._remaining: list[Sheet | None] = []
        self._faults: list[_Fault] = []
        self._unplugged = False
        self._cover_open = False
        self._held = False
        self._releases = 0
        self._closed = False
        self._slot = JobSlot()
        self.opens = 0  # how often the "device" was opened (after a failure it is reopened)
        self.jobs = 0
        self._open = False
        self.load(feeder)

    # --- DocumentScanner -------------------------------------------------------------------------

    def discover(self) -> list[ScannerInfo]:
        with self._cond:
            return [] if self._unplugged else [self._info]

    def info(self) -> ScannerInfo:
        with self._cond:
            self._ensure_open()
            return self._info

    def capabilities(self) -> ScannerCapabilities:
        with self._cond:
            self._ensure_open()
            return self._caps

    def start_scan(
        self, request: ScanRequest, on_page: PageCallback, on_done: DoneCallback | None = None
    ) -> ScanJob:
        with self._cond:
            self._closed = False
        return self._slot.start(request, self._pages, on_page, on_done)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._open = False
            self._cond.notify_all()
        self._slot.stop(timeout_s=10.0)

    # --- driving it ------------------------------------------------------------------------------

    def load(self, sheets: int | Sequence[Sheet]) -> None:
        """Put a stack into the feeder: a number of generated sheets, or the caller's images."""
        with self._cond:
            if isinstance(sheets, int):
                self._stack = [None] * sheets
            else:
                self._stack = list(sheets)
            self._remaining = list(self._stack)

    def fail_next(self, problem: DeviceProblem, after_pages: int = 0) -> None:
        """The next job fails with ``problem`` once it has delivered ``after_pages`` pages."""
        with self._cond:
            self._faults.append(_Fault(problem, after_pages))

    def unplug(self, after_pages: int | None = None) -> None:
        """Pull the cable now (None), or during the next job after ``after_pages`` pages."""
        with self._cond:
            if after_pages is None:
                self._unplugged = True
                self._open = False
                self._cond.notify_all()
            else:
                self._faults.append(_Fault(DeviceProblem.UNPLUGGED, after_pages, unplug=True))

    def replug(self) -> None:
        with self._cond:
            self._unplugged = False

    def open_cover(self) -> None:
        with self._cond:
            self._cover_open = True

    def close_cover(self) -> None:
        with self._cond:
            self._cover_open = False

    def hold(self) -> None:
        """From now on every page waits for ``release()`` before it is delivered."""
        with self._cond:
            self._held = True

    def release(self, pages: int = 1) -> None:
        """Let ``pages`` more held pages through."""
        with self._cond:
            self._releases += pages
            self._cond.notify_all()

    def unhold(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()

    @property
    def sheets_left(self) -> int:
        with self._cond:
            return len(self._remaining)

    # --- the job ---------------------------------------------------------------------------------

    def _ensure_open(self) -> None:
        """(lock held) Open the device, as a real driver does on first use or after a failure."""
        if self._unplugged:
            raise scanner_error(DeviceProblem.UNPLUGGED, "fake scanner: no such device")
        if not self._open:
            self._open = True
            self.opens += 1

    def _pages(
        self, request: ScanRequest, token: CancelToken
    ) -> Generator[ScannedPage, None, None]:
        remove_hook = token.on_cancel(self._wake)
        try:
            yield from self._feed(request, token)
        finally:
            remove_hook()

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _feed(self, request: ScanRequest, token: CancelToken) -> Iterator[ScannedPage]:
        with self._cond:
            self.jobs += 1
            self._ensure_open()
            problem = self._caps.problem_with(request)
            if problem is not None:
                raise scanner_error(DeviceProblem.UNSUPPORTED, f"fake scanner: {problem}")
            if self._cover_open:
                raise scanner_error(DeviceProblem.COVER_OPEN, "fake scanner: cover open")
            faults, self._faults = self._faults, []
        area = request.area or (GLASS if request.source is ScanSource.FLATBED else FEEDER_PAGE)
        delivered = 0
        sheet_no = 0
        while True:
            for fault in faults:
                if fault.after_pages == delivered:
                    self._fail(fault)
            if request.max_pages is not None and delivered >= request.max_pages:
                return
            flatbed = request.source is ScanSource.FLATBED
            if flatbed and delivered == 1:
                return
            if not flatbed:
                with self._cond:
                    if not self._remaining:
                        # Refill for the next job, as the SANE test backend does.
                        self._remaining = list(self._stack)
                        if delivered == 0:
                            raise scanner_error(
                                DeviceProblem.NO_DOCUMENTS, "fake scanner: feeder empty"
                            )
                        return
            # The sheet is taken only once the feeder moves: a cancel now leaves it in the tray.
            self._pace(token)
            if token.cancelled:
                return
            sides: list[tuple[PageSide, Image | None]] = [(PageSide.FRONT, self._flatbed)]
            if not flatbed:
                with self._cond:
                    sheet = self._remaining.pop(0)
                sides = _sides(sheet, request.source is ScanSource.DUPLEX)
            sheet_no += 1
            for side, given in sides:
                if side is PageSide.BACK:
                    for fault in faults:
                        if fault.after_pages == delivered:
                            self._fail(fault)
                    self._pace(token)
                    if token.cancelled:
                        return
                if given is None:
                    image = generated_page(
                        area, request.resolution_dpi, request.mode, sheet_no, side
                    )
                else:
                    image = as_mode(given, request.mode)
                yield ScannedPage(image, request.resolution_dpi, delivered, side, request.source)
                delivered += 1

    def _fail(self, fault: _Fault) -> None:
        with self._cond:
            if fault.unplug:
                self._unplugged = True
                self._open = False
            elif fault.problem in {DeviceProblem.IO_ERROR, DeviceProblem.UNPLUGGED}:
                self._open = False  # a driver closes the device after such errors
        raise scanner_error(fault.problem, f"fake scanner: injected {fault.problem.value}")

    def _pace(self, token: CancelToken) -> None:
        """Wait as the paper moves: for ``release()`` when held, else ``page_interval_s``."""
        with self._cond:
            if self._held:
                self._cond.wait_for(
                    lambda: self._releases > 0 or token.cancelled or self._closed
                    or not self._held
                )
                if self._releases > 0 and not token.cancelled:
                    self._releases -= 1
            if self._unplugged:
                raise scanner_error(DeviceProblem.UNPLUGGED, "fake scanner: unplugged mid-scan")
        if self._interval_s > 0:
            token.wait(self._interval_s)


def _sides(sheet: Sheet | None, duplex: bool) -> list[tuple[PageSide, Image | None]]:
    front: Image | None
    back: Image | None
    if isinstance(sheet, tuple):
        front, back = sheet
    else:
        front, back = sheet, None
    if not duplex:
        return [(PageSide.FRONT, front)]
    return [(PageSide.FRONT, front), (PageSide.BACK, back)]
