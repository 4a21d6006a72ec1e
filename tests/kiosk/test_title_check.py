"""The document check by title (``kiosk.title_check``): real tesseract on generated Vietnamese
papers through the real scan pipeline, the verdict for each kind of mistake, the Vietnamese
normaliser, and what happens when the reader cannot read at all."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import cv2
import numpy as np
import pytest

from drivers.ocr.base import OcrProblem
from drivers.ocr.fake import FakeReader
from drivers.ocr.tesseract import TesseractReader
from drivers.scanner.pipeline import ProcessedPage, ScanSettings, process_page
from dvc_common.catalog import Catalog, RequiredDocument, load_catalog
from dvc_common.clock import FakeClock
from kiosk.document_check import DocumentVerdict
from kiosk.title_check import MATCH_SCORE, TitleChecker, fold, title_score
from simulators.documents import PaperKind, ScanFault, make_paper, scanned
from simulators.scan_pages import GOOD_SCAN, scan_image


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def checker(catalog: Catalog) -> TitleChecker:
    return TitleChecker(TesseractReader(), catalog)


def document(catalog: Catalog, code: str) -> RequiredDocument:
    return next(d for p in catalog for d in p.documents if d.code == code)


def page_of(
    kind: PaperKind, seed: int, *, fault: ScanFault = ScanFault.NONE, layout: int = 0
) -> ProcessedPage:
    rng = np.random.default_rng(seed)
    return process_page(scanned(make_paper(kind, rng, layout=layout), rng, fault), 200)


# --- the normaliser -------------------------------------------------------------------------------


def test_the_normaliser_ignores_case_diacritics_composition_and_punctuation() -> None:
    assert fold("GIẤY CHỨNG SINH") == fold("giấy chứng sinh") == fold("Giay chung sinh")
    nfd = "GIA\u0302\u0301Y CHU\u031b\u0301NG SINH"
    assert fold(nfd) == fold("GIẤY CHỨNG SINH")
    assert fold("ĐƠN ĐỀ NGHỊ") == "don de nghi"
    assert fold("Độc lập - Tự do - Hạnh phúc") == "doc iap tu do hanh phuc"  # l merged with i


def test_ocr_confusions_and_split_words_still_match_but_other_titles_do_not() -> None:
    assert title_score("GIẤY CHỨNG SINH", "GlẤY CHỨNG S1NH") == 1.0  # l for I, 1 for I
    assert title_score("GIẤY CHỨNG SINH", "GIẤYCHỨNG SINH") == 1.0  # a word merged
    assert title_score("VĂN BẢN ỦY QUYỀN", "VĂN BẢN ỦY QUYÊN") == 1.0  # a lost accent
    assert title_score("GIẤY CHỨNG SINH", "GIAY CHUNC SINH") >= MATCH_SCORE  # one letter wrong
    assert title_score("GIẤY CHỨNG SINH", "GIẤY KHAI SINH") < MATCH_SCORE
    assert title_score("GIẤY CHỨNG TỬ", "GIẤY CHỨNG $Mê@M") < MATCH_SCORE  # a title's start only
    assert title_score("SỔ HỘ KHẨU", "Số: 320045871 HỌ VÀ TÊN CHỦ HỘ") < MATCH_SCORE


# --- real papers ---------------------------------------------------------------------------------


def test_the_document_asked_for_matches(checker: TitleChecker, catalog: Catalog) -> None:
    for kind, code, seed, layout in (
        (PaperKind.BIRTH_NOTICE, "birth_certificate", 1, 0),
        (PaperKind.POWER_OF_ATTORNEY, "power_of_attorney", 2, 1),
        (PaperKind.MARITAL_STATUS, "partner_marital_status", 3, 3),  # title in sentence case
    ):
        result = checker.check([page_of(kind, seed, layout=layout)], document(catalog, code))
        assert result.verdict is DocumentVerdict.MATCH, (kind, result)
        assert not result.warned and result.expected == code and result.page_index == 0


def test_a_household_book_page_for_a_birth_notice_is_named(
    checker: TitleChecker, catalog: Catalog
) -> None:
    result = checker.check(
        [page_of(PaperKind.HOUSEHOLD_BOOK, 4)], document(catalog, "birth_certificate")
    )
    assert result.verdict is DocumentVerdict.OTHER_DOCUMENT
    assert result.looks_like == "Sổ hộ khẩu"
    assert result.warned and result.expected == "birth_certificate"


def test_another_document_of_the_catalog_is_named_by_its_title(
    checker: TitleChecker, catalog: Catalog
) -> None:
    result = checker.check(
        [page_of(PaperKind.DEATH_NOTICE, 5, layout=1)], document(catalog, "birth_certificate")
    )
    assert result.verdict is DocumentVerdict.OTHER_DOCUMENT
    assert result.looks_like == "Giấy báo tử"


def test_a_birth_certificate_is_not_the_birth_notice_it_resembles(
    checker: TitleChecker, catalog: Catalog
) -> None:
    result = checker.check(
        [page_of(PaperKind.BIRTH_CERTIFICATE, 6)], document(catalog, "birth_certificate")
    )
    assert result.verdict is DocumentVerdict.OTHER_DOCUMENT
    assert result.looks_like == "Giấy khai sinh"


def test_blank_sheets_are_blank(checker: TitleChecker, catalog: Catalog) -> None:
    blank = page_of(PaperKind.BLANK, 7)
    assert blank.dropped  # the pipeline keeps no blank page
    result = checker.check([blank, blank], document(catalog, "birth_certificate"))
    assert result.verdict is DocumentVerdict.BLANK and result.page_index == 0


def test_a_blank_back_before_the_paper_is_skipped(checker: TitleChecker, catalog: Catalog) -> None:
    pages = [page_of(PaperKind.BLANK, 8), page_of(PaperKind.BIRTH_NOTICE, 9)]
    pages[1] = ProcessedPage(**{**_fields(pages[1]), "index": 1})
    result = checker.check(pages, document(catalog, "birth_certificate"))
    assert result.verdict is DocumentVerdict.MATCH and result.page_index == 1


def _fields(page: ProcessedPage) -> dict[str, object]:
    return {name: getattr(page, name) for name in ProcessedPage.__slots__}


def test_a_page_the_pipeline_left_upside_down_is_upside_down(
    checker: TitleChecker, catalog: Catalog
) -> None:
    rng = np.random.default_rng(10)
    paper = make_paper(PaperKind.BIRTH_NOTICE, rng, layout=0)
    image = scan_image(paper.perfect, 200, GOOD_SCAN.__class__(upside_down=True), rng)
    # A pipeline that never turns a page: what the check sees when its orientation guess fails.
    page = process_page(image, 200, settings=ScanSettings(orientation_margin=5.0))
    assert page.rotation_deg == 0
    result = checker.check([page], document(catalog, "birth_certificate"))
    assert result.verdict is DocumentVerdict.UPSIDE_DOWN


def test_a_page_cut_off_at_the_top_is_cut_off(checker: TitleChecker, catalog: Catalog) -> None:
    page = page_of(PaperKind.MARITAL_STATUS, 11, fault=ScanFault.CUT_TOP)
    result = checker.check([page], document(catalog, "partner_marital_status"))
    assert result.verdict is DocumentVerdict.CUT_OFF


def test_marks_that_are_no_text_are_unreadable(checker: TitleChecker, catalog: Catalog) -> None:
    rng = np.random.default_rng(12)
    sheet = np.full((2339, 1654), 245, np.uint8)
    for y in range(150, 1400, 60):  # lines of random symbols and blots where text would be
        x = 150
        while x < 1450:
            width = int(rng.integers(20, 90))
            symbols = "".join(chr(int(c)) for c in rng.integers(33, 126, size=4))
            cv2.putText(sheet, symbols, (x, y + 25), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 20, 2)
            x += width + 25
    page = process_page(scan_image(sheet, 200, GOOD_SCAN, rng), 200)
    result = checker.check([page], document(catalog, "birth_certificate"))
    assert result.verdict is DocumentVerdict.UNREADABLE


def test_a_document_that_takes_any_paper_takes_a_household_book(
    checker: TitleChecker, catalog: Catalog
) -> None:
    original = document(catalog, "original_document")
    assert original.any_paper
    result = checker.check([page_of(PaperKind.HOUSEHOLD_BOOK, 13)], original)
    assert result.verdict is DocumentVerdict.MATCH
    assert checker.check([page_of(PaperKind.BLANK, 14)], original).verdict is DocumentVerdict.BLANK


def test_two_threads_check_at_once(checker: TitleChecker, catalog: Catalog) -> None:
    birth = document(catalog, "birth_certificate")
    pages = {"right": page_of(PaperKind.BIRTH_NOTICE, 15), "wrong": page_of(PaperKind.RECEIPT, 16)}
    verdicts: dict[str, list[DocumentVerdict]] = {"right": [], "wrong": []}

    def work(name: str) -> None:
        for _ in range(2):
            verdicts[name].append(checker.check([pages[name]], birth).verdict)

    threads = [threading.Thread(target=work, args=(name,)) for name in pages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert verdicts["right"] == [DocumentVerdict.MATCH] * 2
    assert verdicts["wrong"] == [DocumentVerdict.OTHER_DOCUMENT] * 2


# --- with a fake reader: the engine's faults and the ranking --------------------------------------


@pytest.fixture(scope="module")
def paper_page() -> ProcessedPage:
    return page_of(PaperKind.BIRTH_NOTICE, 17)


def test_a_reader_that_cannot_read_checks_nothing_and_warns_once_in_the_log(
    catalog: Catalog, paper_page: ProcessedPage, caplog: pytest.LogCaptureFixture
) -> None:
    checker = TitleChecker(FakeReader(fail=OcrProblem.LANGUAGE_MISSING), catalog)
    birth = document(catalog, "birth_certificate")
    with caplog.at_level(logging.DEBUG, logger="kiosk.title_check"):
        results = [checker.check([paper_page], birth) for _ in range(3)]
    assert {r.verdict for r in results} == {DocumentVerdict.NOT_CHECKED}
    assert not any(r.warned for r in results)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "language_missing" in warnings[0].getMessage()


def test_the_time_is_measured_on_the_injected_clock(
    catalog: Catalog, paper_page: ProcessedPage
) -> None:
    clock = FakeClock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    reader = FakeReader(["GIẤY CHỨNG SINH"], clock=clock, delay_s=0.25)
    result = TitleChecker(reader, catalog, clock=clock).check(
        [paper_page], document(catalog, "birth_certificate")
    )
    assert result.verdict is DocumentVerdict.MATCH
    assert reader.reads == 1  # a title read for sure ends the search
    assert result.ms == pytest.approx(250.0)


def test_a_title_in_capitals_outranks_a_mention_in_the_running_text(
    catalog: Catalog, paper_page: ProcessedPage
) -> None:
    reader = FakeReader(["Kèm theo bản sao Giấy chứng sinh của con", "SỔ HỘ KHẨU"])
    result = TitleChecker(reader, catalog).check(
        [paper_page], document(catalog, "birth_certificate")
    )
    assert result.verdict is DocumentVerdict.OTHER_DOCUMENT
    assert result.looks_like == "Sổ hộ khẩu"


def test_the_motto_alone_identifies_nothing(catalog: Catalog, paper_page: ProcessedPage) -> None:
    reader = FakeReader(["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"])
    result = TitleChecker(reader, catalog).check(
        [paper_page], document(catalog, "birth_certificate")
    )
    assert result.verdict is DocumentVerdict.UNREADABLE
