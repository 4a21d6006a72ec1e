"""What the Qt-free use-case tests share: pages as they come off a feeder, and an inbox that
carries a worker thread's answers to the test's thread the way the app's queued signals do."""

from __future__ import annotations

import queue
from pathlib import Path

import numpy as np

from config.settings import ScannerSection
from drivers.scanner.base import Image
from drivers.scanner.fake import FakeScanner
from kiosk.faults import DeviceTrouble
from kiosk.scanning import PageReady, ScanDesk, ScanFinished, ScanService, ScanTarget
from simulators.scan_pages import GOOD_SCAN, PageKind, sample

WAIT_S = 60.0  # a page runs through the whole pipeline on a slow machine in well under this


def text_pages(count: int, seed: int = 7) -> list[Image]:
    """Generated A4 text pages at 200 dpi (the demo's papers)."""
    rng = np.random.default_rng(seed)
    return [sample(PageKind.TEXT, rng, GOOD_SCAN).image for _ in range(count)]


def blank_pages(count: int) -> list[Image]:
    return [np.full((2339, 1654), 250, dtype=np.uint8) for _ in range(count)]


class Inbox:
    """Answers delivered on the scanner's thread, taken one by one on the test's thread."""

    def __init__(self) -> None:
        self._items: queue.Queue[PageReady | ScanFinished] = queue.Queue()

    def put(self, item: PageReady | ScanFinished) -> None:
        self._items.put(item)

    def take(self) -> PageReady | ScanFinished:
        return self._items.get(timeout=WAIT_S)

    def until_finished(self) -> tuple[list[PageReady], ScanFinished]:
        pages: list[PageReady] = []
        while True:
            item = self.take()
            if isinstance(item, ScanFinished):
                return pages, item
            pages.append(item)

    def empty(self) -> bool:
        return self._items.empty()


class InboxFeed:
    """The desk's ``ScanFeed`` over a real scan service, answers going to an inbox."""

    def __init__(self, service: ScanService, inbox: Inbox) -> None:
        self.service = service
        self.inbox = inbox

    @property
    def scanning(self) -> bool:
        return self.service.scanning

    def start_scan(self, target: ScanTarget) -> DeviceTrouble | None:
        return self.service.start(target, self.inbox.put, self.inbox.put)

    def cancel_scan(self) -> None:
        self.service.cancel()

    def stop_scan(self) -> None:
        self.service.stop()


def deliver(desk: ScanDesk, inbox: Inbox) -> ScanFinished:
    """Hand every answer of the running job to the desk, in order, up to its end."""
    while True:
        item = inbox.take()
        if isinstance(item, ScanFinished):
            desk.finished(item)
            return item
        desk.accept_page(item)


def scanner_with(pages: list[Image]) -> FakeScanner:
    return FakeScanner(feeder=list(pages))


def section() -> ScannerSection:
    return ScannerSection()


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
