"""Scanning the citizen's documents: the use case behind the scan screen, without Qt.

Two halves, one per thread:

* ``ScanService`` runs on the scanner's worker thread. It feeds the tray for one required
  document (``ScanTarget``), runs every page through the scan pipeline (crop, deskew, blank
  pages dropped, flags), writes the page's PDF and thumbnail into the session folder and reports
  ``PageReady`` / ``ScanFinished`` through callbacks. A page of a job that was cancelled or
  replaced belongs to no one and is dropped before it is written. When a job that holds the
  document's first page ends with pages kept, the document check (``kiosk.document_check``)
  reads them on this same thread, before ``ScanFinished`` reports its result: it takes up to a
  second and must never run on the GUI thread.
* ``ScanDesk`` runs on the journey's thread (the GUI thread in the app, the test's thread in
  tests). It starts scans for the document on screen (room left, rescanning one page, no double
  feed), hands each page to the journey, holds pages that arrive during the idle warning, keeps
  each page's thumbnail and flags for the screen, says why a scan gave nothing, hands the
  document check's result to the journey, and deletes every file of a citizen who has left: a
  late page or check never lands in the next citizen's dossier.

The Qt layer only carries ``PageReady``, ``CheckStarted`` and ``ScanFinished`` from one half to
the other as queued signals (``ui.devices.DeviceHub``).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from config.settings import ScannerSection
from drivers.errors import DeviceError
from drivers.scanner import DocumentScanner, ScanRequest, ScanResult
from drivers.scanner import ScannedPage as RawPage
from drivers.scanner.base import JobOutcome, ScanJob
from drivers.scanner.pagefiles import write_page_files
from drivers.scanner.pipeline import PageFlag, ProcessedPage, process_page
from dvc_common.catalog import RequiredDocument
from kiosk.document_check import DocumentCheck, DocumentChecker
from kiosk.faults import DeviceTrouble
from kiosk.journey import (
    DocumentChecked,
    Journey,
    Notice,
    PageScanned,
    ReplacePage,
    SelectDocument,
    Snapshot,
    State,
    Touch,
)

log = logging.getLogger(__name__)

__all__ = [
    "CheckStarted",
    "PageReady",
    "PageView",
    "ScanDesk",
    "ScanEnd",
    "ScanFeed",
    "ScanFinished",
    "ScanNotice",
    "ScanService",
    "ScanTarget",
]

# States in which a scan may go on: the idle warning only pauses the scan step.
_SCANNING_STATES = (State.SCAN, State.IDLE_WARNING)


class ScanEnd(StrEnum):
    """How a scan job ended."""

    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


_ENDS = {
    JobOutcome.COMPLETED: ScanEnd.COMPLETED,
    JobOutcome.CANCELLED: ScanEnd.CANCELLED,
    JobOutcome.FAILED: ScanEnd.FAILED,
}


class ScanNotice(StrEnum):
    """What the scan step tells the citizen besides the journey's refusals and device faults."""

    ALL_BLANK = "blank"  # every page fed was blank: probably face up
    DOCUMENT_FULL = "full"  # the document has its most pages


@dataclass(frozen=True)
class ScanTarget:
    """One scan job: which session and document it is for, and where its pages go."""

    session_id: uuid.UUID
    document_index: int
    folder: Path
    prefix: str  # the document's code: page files are named after it
    max_pages: int
    replaces: int | None = None  # one page scanned again to take this page's place
    document: RequiredDocument | None = None  # what the pages should be, for the check
    first_index: int = 0  # where the job's first page goes in the document (0: it starts it)

    @property
    def holds_first_page(self) -> bool:
        """Whether the job's pages include the document's first page, the one with its title.

        Only such a job is checked: more pages added to a document (its second side, its next
        sheets) carry no title and would be warned about for nothing, and a page scanned again
        in another place than the first leaves the page the check judged as it was.
        """
        if self.replaces is not None:
            return self.replaces == 0
        return self.first_index == 0


@dataclass(frozen=True)
class PageReady:
    """A processed page written to the session folder, ready for the journey."""

    session_id: uuid.UUID
    document_index: int
    pdf: Path
    thumbnail: Path
    flags: frozenset[PageFlag]
    replaces: int | None = None  # the page this one was scanned again for

    def discard(self) -> None:
        self.pdf.unlink(missing_ok=True)
        self.thumbnail.unlink(missing_ok=True)


@dataclass(frozen=True)
class CheckStarted:
    """The feeder is done and the document check reads the pages (up to a second)."""

    session_id: uuid.UUID


@dataclass(frozen=True)
class ScanFinished:
    session_id: uuid.UUID
    end: ScanEnd
    pages: int  # pages the feeder delivered (blank backs included)
    kept: int  # pages kept after blank pages were dropped
    trouble: DeviceTrouble | None = None
    check: DocumentCheck | None = None  # None: not checked (see ScanTarget.holds_first_page)


@dataclass
class _Job:
    target: ScanTarget
    job: ScanJob | None = None
    kept: int = 0
    checked: list[ProcessedPage] = field(default_factory=list)  # the pages the check reads
    checking: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class ScanService:
    """Feeds the tray for one document at a time; see the module docstring."""

    def __init__(
        self,
        scanner: DocumentScanner,
        section: ScannerSection,
        checker: DocumentChecker | None = None,
    ) -> None:
        self._scanner = scanner
        self._section = section
        self._checker = checker  # None: the check is turned off ([devices.scanner])
        self._current: _Job | None = None

    @property
    def scanning(self) -> bool:
        """Feeding, or checking what was fed: the job is not over for the citizen."""
        current = self._current
        if current is None or current.job is None:
            return False
        return not current.job.done or current.checking

    def start(
        self,
        target: ScanTarget,
        on_page: Callable[[PageReady], None],
        on_finished: Callable[[ScanFinished], None],
        on_checking: Callable[[CheckStarted], None] | None = None,
    ) -> DeviceTrouble | None:
        """Start feeding; the callbacks run on the scanner's thread. A scanner that refuses
        (busy, no paper, unplugged) is answered at once, and nothing is started.
        ``on_checking`` hears when the feeder is done and the check starts reading."""
        base = ScanRequest.from_settings(self._section)
        pages = 1 if target.replaces is not None else max(1, target.max_pages)
        request = ScanRequest(base.source, base.resolution_dpi, base.mode, base.area, pages)
        state = _Job(target)
        self._current = state
        try:
            state.job = self._scanner.start_scan(
                request,
                lambda page: self._on_page(state, page, on_page),
                lambda result: self._on_done(state, result, on_finished, on_checking),
            )
        except DeviceError as exc:
            self._current = None
            return DeviceTrouble.from_error(exc)
        return None

    def cancel(self) -> None:
        """The job belongs to no one any more (the citizen left, another scan replaces it):
        pages still on their way are dropped and nothing is checked."""
        current, self._current = self._current, None
        if current is not None and current.job is not None:
            current.job.cancel()

    def stop(self) -> None:
        """The citizen stopped the feeder: no more pages are drawn in, but the job stays the
        citizen's, so the pages already fed are kept and the document is checked as after a
        feed that ran out of paper."""
        current = self._current
        if current is not None and current.job is not None:
            current.job.cancel()

    def close(self) -> None:
        self.cancel()
        self._scanner.close()

    def _on_page(self, state: _Job, page: RawPage, on_page: Callable[[PageReady], None]) -> None:
        if self._current is not state:
            return  # the session ended or another scan started: this page belongs to no one
        processed = process_page(page.image, page.dpi, index=page.index)
        if processed.dropped:
            log.info("scan: page %d dropped as blank", page.index)
            return
        if self._current is not state:
            return  # the citizen left while the page was being processed
        with state.lock:
            state.kept += 1
        target = state.target
        stem = f"{target.prefix}-{page.index:03d}-{uuid.uuid4().hex[:8]}"
        try:
            files = write_page_files(processed, target.folder, stem)
        except OSError as exc:
            # The session folder vanished (wiped) or the disk is full: nothing to hand over.
            log.error("scan: page %d not stored: %s", page.index, exc)
            return
        if self._checks(target):
            state.checked.append(processed)
        on_page(
            PageReady(
                target.session_id,
                target.document_index,
                files.pdf,
                files.thumbnail,
                processed.flags,
                target.replaces,
            )
        )

    def _checks(self, target: ScanTarget) -> bool:
        return self._checker is not None and target.document is not None and target.holds_first_page

    def _on_done(
        self,
        state: _Job,
        result: ScanResult,
        on_finished: Callable[[ScanFinished], None],
        on_checking: Callable[[CheckStarted], None] | None,
    ) -> None:
        check: DocumentCheck | None = None
        # Only a job still current is checked: one cancelled (the citizen left, or stopped the
        # feeder) or replaced by another has pages nobody is waiting to hear about.
        if self._current is state and state.checked:
            state.checking = True
            if on_checking is not None:
                on_checking(CheckStarted(state.target.session_id))
            try:
                check = self._check(state)
            finally:
                state.checking = False
        state.checked.clear()  # page images: not kept a moment longer than needed
        if self._current is state:
            self._current = None
        trouble = DeviceTrouble.from_error(result.error) if result.error is not None else None
        on_finished(
            ScanFinished(
                state.target.session_id,
                _ENDS[result.outcome],
                result.page_count,
                state.kept,
                trouble,
                check,
            )
        )

    def _check(self, state: _Job) -> DocumentCheck | None:
        """The check's result; a check that fails warns about nothing and stops nothing."""
        checker, document = self._checker, state.target.document
        assert checker is not None and document is not None
        try:
            check = checker.check(tuple(state.checked), document)
        except Exception as exc:
            # The type only: the message of an OCR failure may quote what the page says.
            log.error("document check failed for %s: %s", document.code, type(exc).__name__)
            return None
        log.info(
            "document check of %s: %s in %.0f ms", document.code, check.verdict.value, check.ms
        )
        return check


class ScanFeed(Protocol):
    """How the desk starts scans: the scan service, with its answers brought to the desk's
    thread (``ui.devices.DeviceHub`` in the app; the tests bring them by hand)."""

    @property
    def scanning(self) -> bool: ...

    def start_scan(self, target: ScanTarget) -> DeviceTrouble | None: ...

    def cancel_scan(self) -> None: ...

    def stop_scan(self) -> None: ...


@dataclass(frozen=True)
class PageView:
    """What the scan and review screens show of one page besides the journey's own data."""

    thumbnail: Path
    flags: tuple[str, ...]  # sorted PageFlag values: the screen translates each


Defer = Callable[[Callable[[], None]], None]


class ScanDesk:
    """The scan step of the citizen on screen; see the module docstring.

    ``defer`` runs a function after the current journey notification has returned (held pages
    are replayed from there, because replaying dispatches journey events itself).
    """

    def __init__(self, journey: Journey, feed: ScanFeed, defer: Defer) -> None:
        self._journey = journey
        self._feed = feed
        self._defer = defer
        self._snapshot = journey.snapshot()
        self._held: list[PageReady] = []  # arrived during the idle warning
        # The check of held pages: it follows them into the journey, never before them.
        self._held_check: DocumentChecked | None = None
        self._pages: dict[Path, PageView] = {}
        # What the scan step tells the citizen: a ScanNotice, a DeviceFault or the journey's
        # refusal of a page; None for nothing. The screen translates it.
        self.notice: Notice | None = None
        self.pages_this_job = 0
        self.checking = False  # the document check reads the pages just scanned

    @property
    def scanning(self) -> bool:
        return self._feed.scanning

    def page_view(self, pdf: Path) -> PageView | None:
        return self._pages.get(pdf)

    # --- the journey moved ------------------------------------------------------------------------

    def on_snapshot(self, snapshot: Snapshot) -> None:
        if (snapshot.session_id, snapshot.document_index) != (
            self._snapshot.session_id,
            self._snapshot.document_index,
        ):
            # "N pages scanned, take your originals" belongs to the document it was said for.
            self.pages_this_job = 0
        self._snapshot = snapshot
        if snapshot.session_id is None:
            # The session ended (finished, cancelled or wiped): forget everything about it.
            self._feed.cancel_scan()
            self._pages.clear()
            for held in self._held:
                held.discard()
            self._held.clear()
            self._held_check = None
            self.notice = None
            self.checking = False
        elif snapshot.state not in _SCANNING_STATES and self._feed.scanning:
            self._feed.cancel_scan()
        if snapshot.state is State.SCAN and (self._held or self._held_check is not None):
            self._defer(self._replay_held)
        self._forget_removed_pages(snapshot)

    def _replay_held(self) -> None:
        held, self._held = self._held, []
        checked, self._held_check = self._held_check, None
        for ready in held:
            self.accept_page(ready)
        if checked is not None:
            self._journey.dispatch(checked)

    def _forget_removed_pages(self, snapshot: Snapshot) -> None:
        """A page removed or replaced by the journey takes its thumbnail with it."""
        kept = {page.path for progress in snapshot.documents for page in progress.pages}
        if snapshot.held_page is not None:
            kept.add(snapshot.held_page)  # removed, but it may still be put back
        for pdf in [path for path in self._pages if path not in kept]:
            self._pages.pop(pdf).thumbnail.unlink(missing_ok=True)

    # --- the citizen's intents --------------------------------------------------------------------

    def scan(self, replaces: int | None = None) -> None:
        """Feed the tray for the document on screen; ``replaces``: scan that page again."""
        snap = self._snapshot
        if snap.state is not State.SCAN or snap.session_id is None or snap.session_dir is None:
            return
        if self._feed.scanning:
            return  # a double tap must not feed twice
        progress = snap.documents[snap.document_index]
        if replaces is not None and not 0 <= replaces < len(progress.pages):
            return
        room = progress.document.max_pages - len(progress.pages)
        self.notice = None
        self.pages_this_job = 0
        if room <= 0 and replaces is None:
            self.notice = Notice(ScanNotice.DOCUMENT_FULL)
            return
        trouble = self._feed.start_scan(
            ScanTarget(
                snap.session_id,
                snap.document_index,
                snap.session_dir,
                progress.document.code,
                room,
                replaces,
                progress.document,
                len(progress.pages),
            )
        )
        if trouble is not None:
            log.warning("scan refused: %s", trouble.technical)
            self.notice = Notice(trouble.fault)
        self._journey.dispatch(Touch())

    def stop(self) -> None:
        """The citizen's "stop": the pages fed so far stay, and are checked."""
        self._feed.stop_scan()

    # --- the scanner's answers --------------------------------------------------------------------

    def accept_page(self, ready: PageReady) -> None:
        snap = self._snapshot
        if ready.session_id != snap.session_id or snap.state not in _SCANNING_STATES:
            ready.discard()
            return
        if snap.state is State.IDLE_WARNING:
            # The journey takes no pages while it asks "are you still there?": keep them for
            # when the citizen answers (or delete them with the session).
            self._held.append(ready)
            return
        if ready.document_index != snap.document_index:
            self._journey.dispatch(SelectDocument(ready.document_index))
        if ready.replaces is not None:
            outcome = self._journey.dispatch(ReplacePage(ready.replaces, ready.pdf))
        else:
            outcome = self._journey.dispatch(PageScanned(ready.pdf))
        if outcome.accepted:
            self.pages_this_job += 1
            self._pages[ready.pdf] = PageView(
                ready.thumbnail, tuple(sorted(flag.value for flag in ready.flags))
            )
        else:
            ready.discard()
            self.notice = outcome.notice

    def check_started(self, started: CheckStarted) -> bool:
        """The check reads the pages; False when it is for a citizen who has left."""
        if started.session_id != self._snapshot.session_id:
            return False
        self.checking = True
        return True

    def finished(self, done: ScanFinished) -> bool:
        """The job ended; False when it was for a citizen who has left."""
        if done.session_id != self._snapshot.session_id:
            return False
        self.checking = False
        if done.check is not None:
            checked = DocumentChecked(done.session_id, done.check)
            if self._held:
                # Its pages wait for the citizen to answer the idle warning: the check goes in
                # after them (a first page scanned again would otherwise drop it on arrival).
                self._held_check = checked
            else:
                # After its pages, which reached the journey first (same thread, same order).
                self._journey.dispatch(checked)
        if done.trouble is not None:
            log.warning("scan ended: %s", done.trouble.technical)
            self.notice = Notice(done.trouble.fault)
        elif done.kept == 0 and done.end is ScanEnd.COMPLETED:
            # Everything fed was blank: probably the papers went in face down.
            self.notice = Notice(ScanNotice.ALL_BLANK)
        return True
