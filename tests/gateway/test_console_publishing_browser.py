"""The catalog, calendar and USB import pages in a real browser (Playwright driving Debian's
Chromium headless) against a gateway on loopback, and a kiosk's own reference fetch
(``offline_queue.reference``, the code the kiosk's sync process runs, over HTTP) picking up
what was published: the changed catalog installed, then a 304. A screenshot of every page is
saved in the test's directory (and copied to ``$CONSOLE_SHOTS_DIR`` when that is set)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from test_console_browser import CHROMIUM, log_in, shot
from test_console_kit import ADMIN, KIOSK_A, TECHNICIAN, ConsoleGateway, running_console_gateway
from test_console_publishing import changed_catalog, make_export

from dvc_common.calendar import load_overrides
from dvc_common.catalog import load_catalog
from gateway.reference import catalog_document
from offline_queue.reference import ReferenceData, installed_catalog, installed_overrides
from offline_queue.store import QueueStore
from offline_queue.transport import HttpTransport


@pytest.fixture
def console_gateway(tmp_path: Path) -> Iterator[ConsoleGateway]:
    yield from running_console_gateway(tmp_path)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    yield context.new_page()
    context.close()


@pytest.fixture
def kiosk_reference(tmp_path: Path, console_gateway: ConsoleGateway) -> Iterator[ReferenceData]:
    """KIOSK01's reference data, kept in step with the gateway as its sync process does."""
    store = QueueStore(tmp_path / "kiosk" / "queue", tmp_path / "kiosk" / "master.key")
    transport = HttpTransport(console_gateway.url, console_gateway.tokens[KIOSK_A])
    yield ReferenceData(store, transport, tmp_path / "kiosk" / "reference")
    store.close()


def test_a_catalog_published_in_the_browser_reaches_the_kiosk(
    console_gateway: ConsoleGateway,
    page: Page,
    tmp_path: Path,
    kiosk_reference: ReferenceData,
) -> None:
    first = kiosk_reference.refresh()
    assert first.catalog_updated  # the gateway's catalog as started, installed
    log_in(page, console_gateway, ADMIN.username)
    with page.expect_navigation():
        page.click("nav >> text=Danh mục thủ tục")
    assert page.locator("h1").inner_text() == "Danh mục thủ tục"
    assert "Tệp cài đặt ban đầu" in page.inner_text("dl.facts")
    shot(page, tmp_path, "20-catalog")

    # An invalid file first: refused, with where and why, nothing published.
    broken = catalog_document(load_catalog())
    broken["procedures"][0]["processing_days"] = -1
    broken_file = tmp_path / "danh-muc-loi.json"
    broken_file.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    page.set_input_files("#catalog-file", broken_file)
    with page.expect_navigation():
        page.click("form.upload-form button")
    assert "Danh mục không hợp lệ, chưa được phát hành" in page.content()
    problem = page.locator("table.problem-list tbody tr").first.inner_text()
    assert "processing_days" in problem and "phải lớn hơn hoặc bằng 0" in problem
    shot(page, tmp_path, "21-catalog-invalid")

    document = changed_catalog()
    removed = document.pop("removed_code")
    upload = tmp_path / "danh-muc-thang-12.json"
    upload.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    page.set_input_files("#catalog-file", upload)
    with page.expect_navigation():
        page.click("form.upload-form button")
    review = page.inner_text("section.review")
    assert "Thủ tục thử nghiệm mới" in review and removed in review
    assert "thời hạn giải quyết" in review
    shot(page, tmp_path, "22-catalog-review")
    page.fill("#note", "Danh mục tháng 12 của tỉnh")
    with page.expect_navigation():
        page.click("form.publish-form button")
    assert (
        page.locator("[role=status]").inner_text().startswith("Đã phát hành danh mục phiên bản 1")
    )
    assert "Danh mục tháng 12 của tỉnh" in page.inner_text("table.history")
    shot(page, tmp_path, "23-catalog-published")

    picked_up = kiosk_reference.refresh()
    assert picked_up.catalog_updated and not picked_up.calendar_updated
    installed = installed_catalog(tmp_path / "kiosk" / "reference")
    assert installed is not None
    codes = {p.code for p in load_catalog(installed)}
    assert "1.999999" in codes and removed not in codes
    assert load_catalog(installed).get("1.999999").name == "Thủ tục thử nghiệm mới"
    again = kiosk_reference.refresh()  # a 304 this time: nothing rewritten
    assert not again.catalog_updated


def test_a_day_off_added_in_the_browser_reaches_the_kiosk(
    console_gateway: ConsoleGateway,
    page: Page,
    tmp_path: Path,
    kiosk_reference: ReferenceData,
) -> None:
    kiosk_reference.refresh()
    log_in(page, console_gateway, ADMIN.username)
    with page.expect_navigation():
        page.click("nav >> text=Lịch làm việc")
    shot(page, tmp_path, "24-calendar")
    page.fill("#day-date", "2026-12-24")
    page.select_option("#day-kind", "day_off")
    page.fill("#day-reason", "Nghỉ theo thông báo của UBND tỉnh")
    with page.expect_navigation():
        page.click("form.add-day button")
    assert page.locator("[role=status]").inner_text().startswith("Đã phát hành lịch phiên bản 1")
    row = page.locator("#day-2026-12-24").inner_text()
    assert "24/12/2026" in row and "Thứ Năm" in row and "Nghỉ theo thông báo" in row
    shot(page, tmp_path, "25-calendar-published")

    picked_up = kiosk_reference.refresh()
    assert picked_up.calendar_updated and not picked_up.catalog_updated
    path = installed_overrides(tmp_path / "kiosk" / "reference")
    assert path is not None
    days_off = load_overrides(path).days_off
    assert {d.isoformat(): r for d, r in days_off.items()} == {
        "2026-12-24": "Nghỉ theo thông báo của UBND tỉnh"
    }
    assert not kiosk_reference.refresh().calendar_updated


def test_an_export_imported_in_the_browser_shows_each_dossiers_outcome(
    console_gateway: ConsoleGateway, page: Page, tmp_path: Path
) -> None:
    export = make_export(console_gateway, tmp_path / "KIOSK01-20261123-100000.dvcexport")
    log_in(page, console_gateway, TECHNICIAN.username)
    with page.expect_navigation():
        page.click("nav >> text=Nhập từ USB")
    assert page.locator("nav >> text=Danh mục thủ tục").count() == 0
    shot(page, tmp_path, "26-imports")
    page.set_input_files("#export-file", export)
    with page.expect_navigation():
        page.click("form.upload-form button")
    assert page.locator("[role=status]").inner_text().startswith("Đã nhập xong tệp")
    lines = page.locator("table.import-lines tbody tr")
    assert lines.count() == 2
    assert "Đã nhập" in lines.nth(0).inner_text()
    assert "Bị từ chối" in lines.nth(1).inner_text()
    assert "1 đã nhập" in page.inner_text("dl.facts")
    shot(page, tmp_path, "27-import-outcome")
    with page.expect_navigation():
        page.click("text=← Các lần nhập từ USB")
    assert page.locator("table.imports tbody tr").count() == 1
    shot(page, tmp_path, "28-imports-history")
