"""The real document check as the app's composition root builds it (``kiosk.title_check`` with
tesseract) behind the scan service, on the fake scanner fed generated Vietnamese papers: the
paper asked for passes without a word, a household book page fed instead is named; and when the
root builds no check at all."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np

from config.settings import DevicesSection, ScannerDriver, ScannerSection, Settings
from dvc_common.catalog import RequiredDocument, load_catalog
from kiosk.document_check import DocumentVerdict
from kiosk.scanning import ScanFinished, ScanService, ScanTarget
from kiosk.title_check import TitleChecker
from offline_queue.opening import catalog_dir
from simulators.documents import PaperKind, make_paper, scanned
from tests.kiosk.scan_testkit import Inbox, scanner_with, section
from ui.app import document_checker

BIRTH = "1.001193"


def birth_notice() -> tuple[RequiredDocument, TitleChecker]:
    catalog = load_catalog(catalog_dir(Settings()))
    document = catalog.get(BIRTH).scanned_documents[0]
    settings = Settings(devices=DevicesSection(scanner=ScannerSection(driver=ScannerDriver.SANE)))
    checker = document_checker(settings, catalog)
    assert isinstance(checker, TitleChecker)
    return document, checker


def scan_paper(tmp_path: Path, kind: PaperKind, seed: int) -> ScanFinished:
    document, checker = birth_notice()
    rng = np.random.default_rng(seed)
    page = scanned(make_paper(kind, rng, layout=0), rng)
    service = ScanService(scanner_with([page]), section(), checker)
    inbox = Inbox()
    target = ScanTarget(uuid.uuid4(), 0, tmp_path, document.code, 2, None, document, 0)
    assert service.start(target, inbox.put, inbox.put) is None
    try:
        _, finished = inbox.until_finished()
    finally:
        service.close()
    return finished


def test_the_paper_asked_for_passes(tmp_path: Path) -> None:
    finished = scan_paper(tmp_path, PaperKind.BIRTH_NOTICE, seed=1)
    assert finished.kept == 1
    assert finished.check is not None
    assert finished.check.verdict is DocumentVerdict.MATCH, finished.check
    assert not finished.check.warned


def test_a_household_book_page_instead_is_named(tmp_path: Path) -> None:
    finished = scan_paper(tmp_path, PaperKind.HOUSEHOLD_BOOK, seed=2)
    assert finished.check is not None
    assert finished.check.verdict is DocumentVerdict.OTHER_DOCUMENT, finished.check
    assert finished.check.looks_like == "Sổ hộ khẩu"
    assert finished.check.expected == "birth_certificate"


def test_the_check_is_off_when_the_settings_say_so_or_the_scanner_feeds_no_paper() -> None:
    catalog = load_catalog(catalog_dir(Settings()))
    off = Settings(
        devices=DevicesSection(
            scanner=ScannerSection(driver=ScannerDriver.SANE, check_documents=False)
        )
    )
    assert document_checker(off, catalog) is None
    assert document_checker(Settings(), catalog) is None  # the fake scanner
    simulated = Settings(
        devices=DevicesSection(scanner=ScannerSection(driver=ScannerDriver.SIMULATED))
    )
    assert document_checker(simulated, catalog) is None
