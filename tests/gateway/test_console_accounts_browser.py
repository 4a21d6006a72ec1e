"""The account pages in a real browser: Playwright driving Debian's Chromium headless against a
gateway on loopback. A province administrator creates an account through the form, the new
member of staff logs in with it in another browser context, is signed out there when the
administrator disables the account, and everyone changes their own password from the header's
link. A screenshot of each page is saved in the test's directory (and copied to
``$CONSOLE_SHOTS_DIR`` when set, for a person to look at)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from test_console_browser import CHROMIUM, log_in, shot
from test_console_kit import ADMIN, PASSWORD, STAFF_A, ConsoleGateway, running_console_gateway

NEW_PASSWORD = "một mật khẩu mới rất dài"


@pytest.fixture
def console_gateway(tmp_path: Path) -> Iterator[ConsoleGateway]:
    yield from running_console_gateway(tmp_path)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


def new_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    return context.new_page()


def test_an_account_made_in_the_browser_logs_in_and_is_disabled(
    console_gateway: ConsoleGateway, browser: Browser, tmp_path: Path
) -> None:
    admin = new_page(browser)
    log_in(admin, console_gateway, ADMIN.username)
    with admin.expect_navigation():
        admin.click("nav >> text=Tài khoản")
    shot(admin, tmp_path, "40-accounts")
    admin.fill("#username", "xa.c")
    admin.fill("#full_name", "Đỗ Thị Mai")
    admin.select_option("#role", "commune_staff")
    admin.fill("#unit", "H15.50.09.02")
    admin.fill("#password", NEW_PASSWORD)
    admin.fill("#password_again", NEW_PASSWORD + "!")
    with admin.expect_navigation():
        admin.click("form.account-form button")
    assert "không giống nhau" in admin.locator("[role=alert]").inner_text()
    shot(admin, tmp_path, "41-accounts-mismatch")
    admin.fill("#password", NEW_PASSWORD)
    admin.fill("#password_again", NEW_PASSWORD)
    with admin.expect_navigation():
        admin.click("form.account-form button")
    assert admin.locator("[role=status]").inner_text() == "Đã tạo tài khoản xa.c."
    assert "Đỗ Thị Mai" in admin.inner_text("#account-xa\\.c")
    shot(admin, tmp_path, "42-accounts-created")

    staff = new_page(browser)
    log_in(staff, console_gateway, "xa.c", NEW_PASSWORD)
    assert staff.locator(".who .name").inner_text() == "Đỗ Thị Mai"

    with admin.expect_navigation():
        admin.click("#account-xa\\.c button:text('Khoá tài khoản')")
    assert "Đã khoá tài khoản xa.c" in admin.locator("[role=status]").inner_text()
    assert "Đã khoá" in admin.inner_text("#account-xa\\.c")
    shot(admin, tmp_path, "43-accounts-disabled")
    staff.reload()
    assert staff.url.startswith(console_gateway.console + "/login")


def test_ones_own_password_is_changed_from_the_header(
    console_gateway: ConsoleGateway, browser: Browser, tmp_path: Path
) -> None:
    page = new_page(browser)
    log_in(page, console_gateway, STAFF_A.username)
    with page.expect_navigation():
        page.click("text=Đổi mật khẩu")
    page.fill("#current", "không phải mật khẩu")
    page.fill("#password", NEW_PASSWORD)
    page.fill("#password_again", NEW_PASSWORD)
    with page.expect_navigation():
        page.click("form.account-form button")
    assert "không đúng" in page.locator("[role=alert]").inner_text()
    shot(page, tmp_path, "44-password-wrong")
    page.fill("#current", PASSWORD)
    page.fill("#password", NEW_PASSWORD)
    page.fill("#password_again", NEW_PASSWORD)
    with page.expect_navigation():
        page.click("form.account-form button")
    assert page.locator("[role=status]").inner_text() == "Đã đổi mật khẩu."
    shot(page, tmp_path, "45-password-changed")
    page.goto(console_gateway.console + "/dossiers")
    assert page.url == console_gateway.console + "/dossiers"  # still signed in
