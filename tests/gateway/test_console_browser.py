"""The console in a real browser: Playwright driving Debian's Chromium headless against a
gateway on loopback with the console mounted. Log-in, the lock-out, role and area limits, a
status change seen by a kiosk's status lookup, a stale form refused and a dossier's page opened
in the browser; a screenshot of every page is saved in the test's directory (and copied to
``$CONSOLE_SHOTS_DIR`` when that is set, for a person to look at)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Frame, Page, sync_playwright
from test_console_kit import (
    ADMIN,
    KIOSK_A,
    KIOSK_B,
    PASSWORD,
    STAFF_A,
    TECHNICIAN,
    ConsoleGateway,
    running_console_gateway,
)

from gateway.console.web import LOCK_THRESHOLD, MSG_BAD_LOGIN, MSG_NOT_FOUND, MSG_STALE_FORM

CHROMIUM = "/usr/bin/chromium"  # Debian's package (scripts/setup.sh); never a downloaded build


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


def shot(page: Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"console-{name}.png"
    page.screenshot(path=path, full_page=True)
    copies = os.environ.get("CONSOLE_SHOTS_DIR")
    if copies:
        Path(copies).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(copies) / path.name)
    return path


def log_in(page: Page, gateway: ConsoleGateway, username: str, password: str = PASSWORD) -> None:
    page.goto(gateway.console + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def test_an_administrator_goes_through_every_page(
    console_gateway: ConsoleGateway, page: Page, tmp_path: Path
) -> None:
    sent = console_gateway.send_dossier(KIOSK_A, 1)
    console_gateway.send_dossier(KIOSK_B, 1)
    page.goto(console_gateway.console + "/")
    assert page.url.endswith("/console/login")
    shot(page, tmp_path, "01-login")

    log_in(page, console_gateway, ADMIN.username)
    assert page.url.endswith("/console/dossiers")
    assert page.locator("tbody tr").count() == 2
    assert page.get_by_text(ADMIN.full_name).is_visible()
    shot(page, tmp_path, "02-dossiers")

    page.fill("#q", sent.receipt_number)
    with page.expect_navigation():
        page.click("form.search button")
    assert page.locator("tbody tr").count() == 1
    shot(page, tmp_path, "03-dossiers-search")

    with page.expect_navigation():
        page.click(f"text={sent.dossier_code}")
    assert page.locator("h1").inner_text() == f"Hồ sơ {sent.dossier_code}"
    assert "********0123" in page.inner_text("dl.facts")
    assert "001158000123" not in page.content()
    assert page.locator("p.warning").inner_text().startswith("Kiosk đã cảnh báo: Trang bị lộn")
    shot(page, tmp_path, "04-dossier")
    page.select_option("#new-status", "processing")
    with page.expect_navigation():
        page.click("form.status-form button")

    with page.expect_navigation():
        page.click("nav >> text=Nhật ký thao tác")
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert "Cập nhật trạng thái hồ sơ" in rows.nth(0).inner_text()
    assert "Đã tiếp nhận → Đang xử lý" in rows.nth(0).inner_text()
    assert "Đăng nhập" in rows.nth(1).inner_text()
    shot(page, tmp_path, "05-audit")

    with page.expect_navigation():
        page.click("header button")
    assert page.url.endswith("/console/login?notice=out")
    assert page.get_by_text("Bạn đã đăng xuất.").is_visible()
    page.goto(console_gateway.console + "/dossiers")
    assert page.url.endswith("/console/login")


def test_a_dossiers_page_opens_in_the_browser(
    console_gateway: ConsoleGateway, page: Page, tmp_path: Path
) -> None:
    sent = console_gateway.send_dossier(KIOSK_A, 1)
    log_in(page, console_gateway, STAFF_A.username)
    page.goto(f"{console_gateway.console}/dossiers/{sent.dossier_id}")
    with page.expect_popup() as popup_info:
        page.click("text=giay_chung_sinh-2.png")
    scan = popup_info.value
    scan.wait_for_load_state()
    assert scan.url.endswith(f"/files/{sent.file_ids[1]}")
    size = scan.evaluate("[document.images[0].naturalWidth, document.images[0].naturalHeight]")
    assert size == [620, 877]
    shot(scan, tmp_path, "06-file")


def test_a_pdf_page_opens_in_the_browsers_own_viewer(
    console_gateway: ConsoleGateway, page: Page, tmp_path: Path
) -> None:
    sent = console_gateway.send_dossier(KIOSK_A, 1, pages=1, pdf=True)
    log_in(page, console_gateway, STAFF_A.username)
    address = f"{console_gateway.console}/dossiers/{sent.dossier_id}/files/{sent.file_ids[0]}"
    # Shown, not downloaded: Chromium's PDF viewer (an extension frame) opens on the page, the
    # console's security policy notwithstanding.
    with page.expect_event("framenavigated", predicate=_pdf_viewer) as viewer_frame:
        answer = page.goto(address)
    assert answer is not None and answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline;")
    viewer = viewer_frame.value
    viewer.wait_for_load_state()
    viewer.wait_for_selector("pdf-viewer", state="attached")
    assert page.url == address
    shot(page, tmp_path, "06b-file-pdf")


def _pdf_viewer(frame: Frame) -> bool:
    return frame.url.startswith("chrome-extension://")


def test_five_wrong_passwords_lock_the_account(
    console_gateway: ConsoleGateway, page: Page, tmp_path: Path
) -> None:
    for attempt in range(1, LOCK_THRESHOLD + 1):
        log_in(page, console_gateway, STAFF_A.username, "đoán mò mật khẩu 123")
        alert = page.locator("[role=alert]").inner_text()
        if attempt < LOCK_THRESHOLD:
            assert alert == MSG_BAD_LOGIN
            if attempt == 1:
                shot(page, tmp_path, "07-login-wrong")
        else:
            assert "tạm khoá" in alert and "15 phút" in alert
    log_in(page, console_gateway, STAFF_A.username)  # the right one, too late
    assert page.url.endswith("/console/login")
    assert "tạm khoá" in page.locator("[role=alert]").inner_text()
    shot(page, tmp_path, "08-login-locked")


def test_commune_staff_cannot_open_another_communes_dossier(
    console_gateway: ConsoleGateway, page: Page, tmp_path: Path
) -> None:
    other = console_gateway.send_dossier(KIOSK_B, 1)
    log_in(page, console_gateway, STAFF_A.username)
    assert page.locator("tbody tr").count() == 0
    answer = page.goto(f"{console_gateway.console}/dossiers/{other.dossier_id}")
    assert answer is not None and answer.status == 404
    assert page.locator("[role=alert]").inner_text() == MSG_NOT_FOUND
    assert other.dossier_code not in page.content()
    shot(page, tmp_path, "09-not-found")


def test_a_district_technician_sees_the_dossier_without_the_status_form(
    console_gateway: ConsoleGateway, page: Page, tmp_path: Path
) -> None:
    sent = console_gateway.send_dossier(KIOSK_A, 1)
    log_in(page, console_gateway, TECHNICIAN.username)
    page.goto(f"{console_gateway.console}/dossiers/{sent.dossier_id}")
    assert page.locator("h1").inner_text() == f"Hồ sơ {sent.dossier_code}"
    assert page.locator("form.status-form").count() == 0
    assert page.get_by_text("chỉ được xem hồ sơ").is_visible()
    assert page.locator("nav >> text=Nhật ký thao tác").count() == 0
    shot(page, tmp_path, "10-dossier-technician")


def test_a_status_changed_in_the_browser_is_what_the_kiosk_looks_up(
    console_gateway: ConsoleGateway, page: Page, tmp_path: Path
) -> None:
    sent = console_gateway.send_dossier(KIOSK_A, 1)
    log_in(page, console_gateway, STAFF_A.username)
    page.goto(f"{console_gateway.console}/dossiers/{sent.dossier_id}")
    page.select_option("#new-status", "processing")
    page.fill("#note", "Đã chuyển bộ phận Tư pháp - Hộ tịch")
    with page.expect_navigation():
        page.click("form.status-form button")
    assert page.locator("[role=status]").inner_text() == "Đã cập nhật trạng thái hồ sơ."
    assert "Đang xử lý" in page.inner_text("dl.facts")
    shot(page, tmp_path, "11-dossier-changed")

    lookup = console_gateway.status_lookup(KIOSK_A, sent.dossier_code)
    assert lookup["status"] == "processing"
    assert lookup["history"][-1]["note"] == "Đã chuyển bộ phận Tư pháp - Hộ tịch"


def test_a_form_left_open_across_a_new_log_in_is_refused(
    console_gateway: ConsoleGateway, page: Page, tmp_path: Path
) -> None:
    sent = console_gateway.send_dossier(KIOSK_A, 1)
    log_in(page, console_gateway, STAFF_A.username)
    page.goto(f"{console_gateway.console}/dossiers/{sent.dossier_id}")
    # In a second tab of the same browser: log out and in again, a new session and token.
    second = page.context.new_page()
    second.goto(f"{console_gateway.console}/dossiers")
    with second.expect_navigation():
        second.click("header button")
    log_in(second, console_gateway, STAFF_A.username)
    # The first tab's form still carries the old session's token.
    page.select_option("#new-status", "processing")
    with page.expect_navigation() as navigation:
        page.click("form.status-form button")
    response = navigation.value
    assert response is not None and response.status == 403
    assert page.locator("[role=alert]").inner_text() == MSG_STALE_FORM
    shot(page, tmp_path, "12-stale-form")
    assert console_gateway.status_lookup(KIOSK_A, sent.dossier_code)["status"] == "received"
