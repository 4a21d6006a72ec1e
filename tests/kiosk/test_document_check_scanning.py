"""The document check in the scan service and the scan desk, on the fake scanner with a scripted
checker: it runs on the scanner's worker thread before the job's end is reported, only on a job
that holds the document's first page, never for a job nobody waits for; a checker that fails
warns about nothing and logs no personal data; the desk hands the result to the journey."""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from config.settings import Settings
from drivers.scanner.base import Image
from drivers.scanner.pipeline import ProcessedPage
from dvc_common.catalog import RequiredDocument, load_catalog
from kiosk.document_check import DocumentCheck, DocumentVerdict
from kiosk.faults import DeviceTrouble
from kiosk.journey import Cancel, State, Tick, Touch
from kiosk.scanning import (
    CheckStarted,
    PageReady,
    ScanDesk,
    ScanEnd,
    ScanFinished,
    ScanService,
    ScanTarget,
)
from offline_queue.opening import catalog_dir
from tests.kiosk.conftest import Harness
from tests.kiosk.scan_testkit import WAIT_S, blank_pages, scanner_with, section, text_pages
from tests.kiosk.test_journey import BIRTH, WARN_AFTER, drive_to

PRIVATE = "NGUYỄN VĂN AN 001158000123"  # what an OCR error message might quote from a page


class ScriptedChecker:
    """Answers each check from a script, and notes where and on what it ran."""

    def __init__(self, *answers: DocumentVerdict | Exception) -> None:
        self._answers = list(answers)
        self.threads: list[threading.Thread] = []
        self.pages: list[int] = []
        self.documents: list[str] = []

    def check(self, pages: Sequence[ProcessedPage], document: RequiredDocument) -> DocumentCheck:
        self.threads.append(threading.current_thread())
        self.pages.append(len(pages))
        self.documents.append(document.code)
        answer = self._answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        looks_like = "Sổ hộ khẩu" if answer is DocumentVerdict.OTHER_DOCUMENT else None
        return DocumentCheck(answer, document.code, looks_like, 0, ms=12.0)


Answer = PageReady | CheckStarted | ScanFinished


class Answers:
    """The worker thread's answers, in order, taken on the test's thread."""

    def __init__(self) -> None:
        self._items: queue.Queue[Answer] = queue.Queue()

    def put(self, item: Answer) -> None:
        self._items.put(item)

    def take(self) -> Answer:
        return self._items.get(timeout=WAIT_S)

    def until_finished(self) -> list[Answer]:
        items: list[Answer] = []
        while not items or not isinstance(items[-1], ScanFinished):
            items.append(self._items.get(timeout=WAIT_S))
        return items


def birth_document() -> RequiredDocument:
    catalog = load_catalog(catalog_dir(Settings()))
    return catalog.get(BIRTH).scanned_documents[0]


def run(
    tmp_path: Path,
    checker: ScriptedChecker | None,
    pages: list[Image],
    *,
    replaces: int | None = None,
    first_index: int = 0,
) -> list[Answer]:
    document = birth_document()
    service = ScanService(scanner_with(pages), section(), checker)
    answers = Answers()
    job = ScanTarget(uuid.uuid4(), 0, tmp_path, document.code, 5, replaces, document, first_index)
    assert service.start(job, answers.put, answers.put, answers.put) is None
    try:
        return answers.until_finished()
    finally:
        service.close()


def finished_of(answers: list[Answer]) -> ScanFinished:
    last = answers[-1]
    assert isinstance(last, ScanFinished)
    return last


def test_the_check_runs_on_the_worker_thread_before_the_end_is_reported(tmp_path: Path) -> None:
    checker = ScriptedChecker(DocumentVerdict.OTHER_DOCUMENT)
    answers = run(tmp_path, checker, text_pages(2))
    assert [type(a) for a in answers] == [PageReady, PageReady, CheckStarted, ScanFinished]
    finished = finished_of(answers)
    assert finished.check is not None
    assert finished.check.verdict is DocumentVerdict.OTHER_DOCUMENT
    assert finished.check.expected == birth_document().code
    assert checker.pages == [2]  # every page the job kept
    assert checker.threads and checker.threads[0] is not threading.current_thread()
    assert checker.threads[0].name == "scanner-job"


def test_only_a_job_holding_the_first_page_is_checked(tmp_path: Path) -> None:
    # More pages for a document that has some: no title on them, nothing to check.
    checker = ScriptedChecker()
    more = run(tmp_path, checker, text_pages(1), first_index=2)
    assert finished_of(more).check is None and checker.pages == []
    assert not any(isinstance(a, CheckStarted) for a in more)
    # A page scanned again in another place than the first: the title page is as it was.
    again = run(tmp_path, checker, text_pages(1), replaces=1)
    assert finished_of(again).check is None and checker.pages == []
    # The first page scanned again: checked again, on that page alone.
    checker = ScriptedChecker(DocumentVerdict.MATCH)
    first = run(tmp_path, checker, text_pages(1), replaces=0)
    check = finished_of(first).check
    assert check is not None and check.verdict is DocumentVerdict.MATCH
    assert checker.pages == [1]


def test_without_a_checker_or_a_kept_page_nothing_is_checked(tmp_path: Path) -> None:
    assert finished_of(run(tmp_path, None, text_pages(1))).check is None
    checker = ScriptedChecker()
    # Fed, dropped as blank: nothing kept, nothing to check.
    assert finished_of(run(tmp_path, checker, blank_pages(1))).check is None
    assert checker.pages == []


def test_a_checker_that_fails_warns_about_nothing_and_logs_no_page_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    checker = ScriptedChecker(RuntimeError(f"tesseract choked on {PRIVATE}"))
    with caplog.at_level(logging.INFO):
        answers = run(tmp_path, checker, text_pages(1))
    finished = finished_of(answers)
    assert finished.check is None
    assert finished.kept == 1  # the page itself is kept as ever
    assert "document check failed" in caplog.text and "RuntimeError" in caplog.text
    assert "NGUYỄN" not in caplog.text and "001158000123" not in caplog.text


def test_a_cancelled_job_is_not_checked(tmp_path: Path) -> None:
    document = birth_document()
    scanner = scanner_with(text_pages(2))
    scanner.hold()
    checker = ScriptedChecker(DocumentVerdict.BLANK)
    service = ScanService(scanner, section(), checker)
    answers = Answers()
    job = ScanTarget(uuid.uuid4(), 0, tmp_path, document.code, 5, None, document, 0)
    service.start(job, answers.put, answers.put, answers.put)
    scanner.release(1)
    service.cancel()  # the citizen left
    scanner.release(1)
    scanner.unhold()
    finished = finished_of(answers.until_finished())
    assert finished.check is None and checker.pages == []
    service.close()


def test_a_feed_the_citizen_stops_keeps_its_pages_and_is_checked(tmp_path: Path) -> None:
    # "Dừng quét": the feeder stops, but the job is still the citizen's. The page already fed
    # stays, and the document is checked as after a feed that ran out of paper.
    document = birth_document()
    scanner = scanner_with(text_pages(3))
    scanner.hold()
    checker = ScriptedChecker(DocumentVerdict.OTHER_DOCUMENT)
    service = ScanService(scanner, section(), checker)
    answers = Answers()
    job = ScanTarget(uuid.uuid4(), 0, tmp_path, document.code, 5, None, document, 0)
    assert service.start(job, answers.put, answers.put, answers.put) is None
    scanner.release(1)
    first = answers.take()
    assert isinstance(first, PageReady)
    service.stop()
    scanner.unhold()
    rest = answers.until_finished()
    assert [type(a) for a in rest] == [CheckStarted, ScanFinished]
    finished = finished_of(rest)
    assert finished.check is not None
    assert finished.check.verdict is DocumentVerdict.OTHER_DOCUMENT
    assert checker.pages == [1]
    assert first.pdf.exists()
    service.close()


# --- the desk, on a real journey ------------------------------------------------------------------


class AnswerFeed:
    """The desk's ``ScanFeed`` over a real scan service with a checker."""

    def __init__(self, service: ScanService) -> None:
        self.service = service
        self.answers = Answers()

    @property
    def scanning(self) -> bool:
        return self.service.scanning

    def start_scan(self, target: ScanTarget) -> DeviceTrouble | None:
        return self.service.start(target, self.answers.put, self.answers.put, self.answers.put)

    def cancel_scan(self) -> None:
        self.service.cancel()

    def stop_scan(self) -> None:
        self.service.stop()


def deliver(desk: ScanDesk, feed: AnswerFeed) -> ScanFinished:
    for item in feed.answers.until_finished():
        if isinstance(item, PageReady):
            desk.accept_page(item)
        elif isinstance(item, CheckStarted):
            assert desk.check_started(item)
            assert desk.checking
        else:
            desk.finished(item)
            return item
    raise AssertionError("no end")


def desk_with(
    h: Harness, checker: ScriptedChecker, pages: list[Image]
) -> tuple[ScanDesk, AnswerFeed]:
    feed = AnswerFeed(ScanService(scanner_with(pages), section(), checker))
    desk = ScanDesk(h.kiosk.journey, feed, lambda work: work())
    h.kiosk.journey.subscribe(desk.on_snapshot)
    return desk, feed


def test_the_desk_hands_the_warning_to_the_journey(harness: Harness) -> None:
    checker = ScriptedChecker(DocumentVerdict.OTHER_DOCUMENT)
    desk, feed = desk_with(harness, checker, text_pages(2))
    drive_to(harness, State.SCAN)
    desk.scan()
    deliver(desk, feed)
    assert not desk.checking
    snapshot = harness.kiosk.journey.snapshot()
    progress = snapshot.documents[snapshot.document_index]
    assert len(progress.pages) == 2 and progress.warning_open
    assert progress.check is not None and progress.check.looks_like == "Sổ hộ khẩu"
    assert checker.documents == [progress.document.code]
    feed.service.close()


def test_more_pages_for_a_checked_document_are_not_checked_again(harness: Harness) -> None:
    checker = ScriptedChecker(DocumentVerdict.MATCH)
    scanner = scanner_with(text_pages(1))
    feed = AnswerFeed(ScanService(scanner, section(), checker))
    desk = ScanDesk(harness.kiosk.journey, feed, lambda work: work())
    harness.kiosk.journey.subscribe(desk.on_snapshot)
    drive_to(harness, State.SCAN)
    desk.scan()
    deliver(desk, feed)
    scanner.load(text_pages(1, seed=3))  # the back of the sheet, put in the tray
    desk.scan()  # "Quét thêm trang"
    finished = deliver(desk, feed)
    assert finished.check is None
    assert checker.pages == [1]
    snapshot = harness.kiosk.journey.snapshot()
    progress = snapshot.documents[snapshot.document_index]
    assert len(progress.pages) == 2
    assert progress.check is not None and progress.check.verdict is DocumentVerdict.MATCH
    feed.service.close()


def test_a_check_for_a_citizen_who_has_left_is_dropped(harness: Harness) -> None:
    checker = ScriptedChecker(DocumentVerdict.OTHER_DOCUMENT)
    desk, feed = desk_with(harness, checker, text_pages(1))
    drive_to(harness, State.SCAN)
    left = harness.kiosk.journey.snapshot().session_id
    assert left is not None
    stale = ScanFinished(
        left,
        ScanEnd.COMPLETED,
        1,
        1,
        None,
        DocumentCheck(DocumentVerdict.OTHER_DOCUMENT, birth_document().code, "Sổ hộ khẩu", 0),
    )
    harness.kiosk.journey.dispatch(Cancel())
    drive_to(harness, State.SCAN)
    assert not desk.check_started(CheckStarted(left))
    assert not desk.finished(stale)
    assert all(p.check is None for p in harness.kiosk.journey.snapshot().documents)
    feed.service.close()


def test_a_check_arriving_with_held_pages_follows_them_in(harness: Harness) -> None:
    # The first page scanned again while the idle warning is up: the page is held, and its
    # check must not reach the journey before it (the page's arrival would drop it).
    checker = ScriptedChecker(DocumentVerdict.MATCH, DocumentVerdict.UPSIDE_DOWN)
    scanner = scanner_with(text_pages(1))
    feed = AnswerFeed(ScanService(scanner, section(), checker))
    pending: list[Callable[[], None]] = []
    desk = ScanDesk(harness.kiosk.journey, feed, pending.append)
    journey = harness.kiosk.journey
    journey.subscribe(desk.on_snapshot)
    drive_to(harness, State.SCAN)
    desk.scan()
    deliver(desk, feed)
    scanner.load(text_pages(1, seed=4))
    desk.scan(replaces=0)
    harness.clock.advance(WARN_AFTER)
    journey.dispatch(Tick())
    assert journey.state is State.IDLE_WARNING
    deliver(desk, feed)
    snapshot = journey.snapshot()
    check = snapshot.documents[0].check
    assert check is not None and check.verdict is DocumentVerdict.MATCH  # nothing taken yet
    journey.dispatch(Touch())
    for work in pending:
        work()
    progress = journey.snapshot().documents[0]
    assert progress.pages[0].path != snapshot.documents[0].pages[0].path  # the new page
    assert progress.check is not None and progress.check.verdict is DocumentVerdict.UPSIDE_DOWN
    feed.service.close()
