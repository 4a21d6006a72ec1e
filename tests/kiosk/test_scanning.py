"""The scanning use case without Qt: the scan service on the fake scanner (pipeline, page files,
flags, jobs scoped so a late page belongs to no one) and the scan desk on a real journey (pages
into the dossier, rescans, pages held during the idle warning, everything of a citizen who left
deleted)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.errors import DeviceProblem
from drivers.scanner.base import Image
from drivers.scanner.fake import FakeScanner
from kiosk.faults import DeviceFault
from kiosk.journey import Cancel, Notice, PageScanned, SelectDocument, State, Tick, Touch
from kiosk.scanning import (
    PageReady,
    ScanDesk,
    ScanEnd,
    ScanFinished,
    ScanNotice,
    ScanService,
    ScanTarget,
)
from tests.kiosk.conftest import Harness
from tests.kiosk.scan_testkit import (
    Inbox,
    InboxFeed,
    blank_pages,
    deliver,
    files_under,
    scanner_with,
    section,
    text_pages,
)
from tests.kiosk.test_journey import WARN_AFTER, drive_to
from tests.kiosk.vietnamese import notice_vi, vietnamese


def target(folder: Path, *, max_pages: int = 5, replaces: int | None = None) -> ScanTarget:
    return ScanTarget(uuid.uuid4(), 0, folder, "giay_chung_sinh", max_pages, replaces)


# --- the service ---------------------------------------------------------------------------------


def test_each_page_is_processed_and_written_then_the_job_ends(tmp_path: Path) -> None:
    service = ScanService(scanner_with(text_pages(2)), section())
    inbox = Inbox()
    job = target(tmp_path)
    assert service.start(job, inbox.put, inbox.put) is None
    pages, finished = inbox.until_finished()
    assert [p.session_id for p in pages] == [job.session_id] * 2
    for page in pages:
        assert page.pdf.parent == tmp_path and page.pdf.suffix == ".pdf"
        assert page.pdf.read_bytes().startswith(b"%PDF")
        assert page.thumbnail.is_file()
        assert page.pdf.name.startswith("giay_chung_sinh-")
        assert page.replaces is None
    # The blank backs of single-sided sheets were fed too, and dropped.
    assert finished == ScanFinished(job.session_id, ScanEnd.COMPLETED, finished.pages, 2)
    assert finished.pages >= 2
    assert not service.scanning
    service.close()


def test_a_rescan_feeds_one_page_for_the_page_it_replaces(tmp_path: Path) -> None:
    service = ScanService(scanner_with(text_pages(3)), section())
    inbox = Inbox()
    service.start(target(tmp_path, replaces=1), inbox.put, inbox.put)
    pages, finished = inbox.until_finished()
    assert [p.replaces for p in pages] == [1]
    assert finished.kept == 1
    service.close()


def test_a_page_of_a_cancelled_job_is_never_written(tmp_path: Path) -> None:
    scanner = scanner_with(text_pages(2))
    scanner.hold()
    service = ScanService(scanner, section())
    inbox = Inbox()
    service.start(target(tmp_path), inbox.put, inbox.put)
    assert service.scanning
    service.cancel()  # the citizen left while the feeder was pulling their page
    scanner.release(2)
    scanner.unhold()
    pages, finished = inbox.until_finished()
    assert pages == []
    assert finished.kept == 0
    assert files_under(tmp_path) == []
    service.close()


def test_a_scanner_that_refuses_is_a_kiosk_fault_and_nothing_starts(tmp_path: Path) -> None:
    scanner = scanner_with(text_pages(1))
    scanner.open_cover()
    service = ScanService(scanner, section())
    inbox = Inbox()
    trouble = service.start(target(tmp_path), inbox.put, inbox.put)
    if trouble is None:  # a scanner may also find the cover open once the job runs
        _, finished = inbox.until_finished()
        assert finished.end is ScanEnd.FAILED
        trouble = finished.trouble
    assert trouble is not None
    assert trouble.fault is DeviceFault.COVER_OPEN
    # The fault is what the citizen is told about; the screens word it.
    assert vietnamese(trouble.fault) == "Nắp máy đang mở. Xin đóng nắp lại rồi thử lại."
    assert not service.scanning
    service.close()


def test_a_job_failing_midway_says_why(tmp_path: Path) -> None:
    scanner = scanner_with(text_pages(3))
    scanner.fail_next(DeviceProblem.JAMMED, after_pages=1)
    service = ScanService(scanner, section())
    inbox = Inbox()
    service.start(target(tmp_path), inbox.put, inbox.put)
    _, finished = inbox.until_finished()
    assert finished.end is ScanEnd.FAILED
    assert finished.trouble is not None and finished.trouble.fault is DeviceFault.JAMMED
    service.close()


# --- the desk ------------------------------------------------------------------------------------


class Deferred:
    """The desk's ``defer``: run by hand, as the app's event loop runs it after the signal."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []

    def __call__(self, work: Callable[[], None]) -> None:
        self.pending.append(work)

    def run(self) -> None:
        pending, self.pending = self.pending, []
        for work in pending:
            work()


def desk_for(h: Harness, pages: list[Image]) -> tuple[ScanDesk, InboxFeed, Deferred]:
    service = ScanService(scanner_with(pages), section())
    feed = InboxFeed(service, Inbox())
    deferred = Deferred()
    desk = ScanDesk(h.kiosk.journey, feed, deferred)
    h.kiosk.journey.subscribe(desk.on_snapshot)
    return desk, feed, deferred


def pages_in_journey(h: Harness) -> list[Path]:
    snapshot = h.kiosk.journey.snapshot()
    return [page.path for page in snapshot.documents[snapshot.document_index].pages]


def test_scanned_pages_land_in_the_dossier_with_their_thumbnails(harness: Harness) -> None:
    desk, feed, _ = desk_for(harness, text_pages(2))
    drive_to(harness, State.SCAN)
    desk.scan()
    deliver(desk, feed.inbox)
    paths = pages_in_journey(harness)
    assert len(paths) == 2
    assert desk.pages_this_job == 2
    assert desk.notice is None
    for path in paths:
        view = desk.page_view(path)
        assert view is not None and view.thumbnail.is_file()
        assert list(view.flags) == sorted(view.flags)
    feed.service.close()


def test_a_rescanned_page_takes_the_old_ones_place_and_its_thumbnail_goes(
    harness: Harness,
) -> None:
    desk, feed, _ = desk_for(harness, text_pages(3))
    drive_to(harness, State.SCAN)
    desk.scan()
    deliver(desk, feed.inbox)
    old = pages_in_journey(harness)
    old_thumbnail = desk.page_view(old[0])
    assert old_thumbnail is not None
    desk.scan(replaces=0)
    deliver(desk, feed.inbox)
    new = pages_in_journey(harness)
    assert len(new) == len(old) and new[0] != old[0] and new[1:] == old[1:]
    assert not old_thumbnail.thumbnail.exists()
    assert desk.page_view(old[0]) is None
    feed.service.close()


def test_a_page_for_another_session_is_deleted_not_taken(harness: Harness) -> None:
    desk, feed, _ = desk_for(harness, text_pages(1))
    drive_to(harness, State.SCAN)
    folder = harness.kiosk.journey.snapshot().session_dir
    assert folder is not None
    stray = PageReady(uuid.uuid4(), 0, folder / "x.pdf", folder / "x.png", frozenset())
    stray.pdf.write_bytes(b"%PDF")
    stray.thumbnail.write_bytes(b"png")
    desk.accept_page(stray)
    assert pages_in_journey(harness) == []
    assert not stray.pdf.exists() and not stray.thumbnail.exists()
    feed.service.close()


def test_a_page_during_the_idle_warning_is_held_then_taken(harness: Harness) -> None:
    desk, feed, deferred = desk_for(harness, text_pages(1))
    drive_to(harness, State.SCAN)
    desk.scan()
    harness.clock.advance(WARN_AFTER)
    harness.kiosk.journey.dispatch(Tick())
    assert harness.kiosk.journey.state is State.IDLE_WARNING
    deliver(desk, feed.inbox)
    assert pages_in_journey(harness) == []  # not taken while the warning is up
    harness.kiosk.journey.dispatch(Touch())  # "I am still here"
    assert harness.kiosk.journey.state is State.SCAN
    deferred.run()
    assert len(pages_in_journey(harness)) == 1
    feed.service.close()


def test_the_count_of_a_scan_belongs_to_its_document_and_its_citizen(harness: Harness) -> None:
    desk, feed, _ = desk_for(harness, text_pages(2))
    drive_to(harness, State.SCAN)
    desk.scan()
    deliver(desk, feed.inbox)
    assert desk.pages_this_job == 2
    harness.kiosk.journey.dispatch(SelectDocument(1))
    assert desk.pages_this_job == 0  # the next document's screen says nothing was fed yet
    harness.kiosk.journey.dispatch(SelectDocument(0))
    harness.kiosk.journey.dispatch(Cancel())
    assert desk.pages_this_job == 0  # and the next citizen does not see this one's count
    feed.service.close()


def test_held_pages_go_with_a_citizen_who_leaves(harness: Harness) -> None:
    desk, feed, _ = desk_for(harness, text_pages(1))
    drive_to(harness, State.SCAN)
    desk.scan()
    harness.clock.advance(WARN_AFTER)
    harness.kiosk.journey.dispatch(Tick())
    deliver(desk, feed.inbox)
    harness.kiosk.journey.dispatch(Cancel())
    assert files_under(harness.kiosk.scratch.root) == []
    assert desk.notice is None and not desk.scanning
    feed.service.close()


def test_leaving_mid_scan_stops_the_feeder_and_a_late_page_lands_nowhere(
    harness: Harness,
) -> None:
    scanner = scanner_with(text_pages(2))
    scanner.hold()
    service = ScanService(scanner, section())
    feed = InboxFeed(service, Inbox())
    desk = ScanDesk(harness.kiosk.journey, feed, Deferred())
    harness.kiosk.journey.subscribe(desk.on_snapshot)
    drive_to(harness, State.SCAN)
    desk.scan()
    assert desk.scanning
    harness.kiosk.journey.dispatch(Cancel())  # the session ends: the scan is cancelled
    scanner.unhold()
    pages, finished = feed.inbox.until_finished()
    assert pages == []
    assert desk.finished(finished) is False  # for a citizen who has left
    drive_to(harness, State.SCAN)  # the next citizen
    assert pages_in_journey(harness) == []
    assert files_under(harness.kiosk.scratch.root) == []
    service.close()


@pytest.mark.parametrize(
    ("pages", "notice"), [(blank_pages(2), ScanNotice.ALL_BLANK)], ids=["all blank"]
)
def test_a_scan_that_kept_nothing_says_why(
    harness: Harness, pages: list[Image], notice: ScanNotice
) -> None:
    desk, feed, _ = desk_for(harness, pages)
    drive_to(harness, State.SCAN)
    desk.scan()
    deliver(desk, feed.inbox)
    assert desk.notice == Notice(notice)
    feed.service.close()


def test_a_full_document_feeds_nothing_more(harness: Harness) -> None:
    desk, feed, _ = desk_for(harness, text_pages(1))
    drive_to(harness, State.SCAN)
    snapshot = harness.kiosk.journey.snapshot()
    room = snapshot.documents[snapshot.document_index].document.max_pages
    for number in range(room):
        harness.kiosk.journey.dispatch(PageScanned(harness.page(f"p{number}.pdf")))
    desk.scan()
    assert desk.notice == Notice(ScanNotice.DOCUMENT_FULL)
    assert not desk.scanning and feed.inbox.empty()
    feed.service.close()


def test_a_refusing_scanner_shows_its_sentence(harness: Harness) -> None:
    desk, feed, _ = desk_for(harness, text_pages(1))
    drive_to(harness, State.SCAN)
    scanner = feed.service._scanner
    assert isinstance(scanner, FakeScanner)
    scanner.fail_next(DeviceProblem.NO_DOCUMENTS)
    desk.scan()
    if desk.notice is None:
        deliver(desk, feed.inbox)
    assert desk.notice == Notice(DeviceFault.NO_DOCUMENTS)
    assert notice_vi(desk.notice) == "Chưa có giấy trong khay. Xin đặt giấy tờ vào khay quét."
    feed.service.close()
