"""The credentials pages in a real browser: Playwright driving Debian's Chromium headless against
a gateway on loopback. A district technician issues an enrolment code; the QR image the page
shows is read back from a screenshot of it and handed to the kiosk's own ``kiosk enrol``, which
enrols the kiosk with the gateway. A badge issued in the browser verifies with the gateway's
public key. A kiosk's page with its link, devices and technicians' audit log, and a token
revoked after the confirmation page. A screenshot of every page is saved in the test's directory
(and copied to ``$CONSOLE_SHOTS_DIR`` when set, for a person to look at)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from test_console_browser import CHROMIUM, log_in, shot
from test_console_credentials import decode_qr, heartbeat, kiosk_config
from test_console_kit import COMMUNE_A, KIOSK_A, TECHNICIAN, ConsoleGateway, running_console_gateway

from config.settings import load_settings
from dvc_common.trust import parse_enrolment_code, verify_badge
from gateway.keys import load_keys
from kiosk.enrolment import enrol as kiosk_enrol

KIOSK_NEW = "KIOSK05"


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


def test_a_code_issued_in_the_browser_enrols_a_real_kiosk(
    console_gateway: ConsoleGateway, page: Page, tmp_path: Path
) -> None:
    log_in(page, console_gateway, TECHNICIAN.username)
    with page.expect_navigation():
        page.click("nav >> text=Mã đăng ký")
    shot(page, tmp_path, "20-enrolment")
    page.fill("#kiosk_id", KIOSK_NEW)
    page.fill("#unit_code", COMMUNE_A)
    page.select_option("#hours", "24")
    with page.expect_navigation():
        page.click("form.issue-form button")
    assert page.locator("h1").inner_text() == f"Mã đăng ký cho kiosk {KIOSK_NEW}"
    shot(page, tmp_path, "21-enrolment-issued")

    # What the page shows, read as a camera would: a screenshot of the image.
    text = decode_qr(page.locator("img.qr").screenshot())
    code = parse_enrolment_code(text)
    assert page.inner_text("#typed-code").replace("-", "") == code.code
    assert code.gateway_url == console_gateway.url

    enrolled = kiosk_enrol(text, kiosk_config(tmp_path))

    assert enrolled.kiosk_id == KIOSK_NEW
    token = load_settings(tmp_path / "kiosk.toml").gateway.token.get_secret_value()
    assert token
    console_gateway.tokens[KIOSK_NEW] = token
    assert heartbeat(console_gateway, KIOSK_NEW) == 204
    # A second code, for a kiosk not set up after all: revoked from the list.
    page.goto(console_gateway.console + "/enrolment")
    page.fill("#kiosk_id", "KIOSK06")
    page.fill("#unit_code", COMMUNE_A)
    with page.expect_navigation():
        page.click("form.issue-form button")
    page.goto(console_gateway.console + "/enrolment")
    with page.expect_navigation():
        page.click("table.codes button:text('Thu hồi')")
    assert page.locator("[role=status]").inner_text() == "Đã thu hồi mã đăng ký của kiosk KIOSK06."
    listing = page.inner_text("table.codes")
    assert "Đã dùng" in listing and "Đã thu hồi" in listing and "Còn hiệu lực" not in listing
    shot(page, tmp_path, "22-enrolment-list")
    page.goto(console_gateway.console + "/kiosks")
    assert page.locator(f"#kiosk-{KIOSK_NEW}").is_visible()
    assert COMMUNE_A in page.inner_text(f"#kiosk-{KIOSK_NEW}")


def test_a_badge_issued_in_the_browser_verifies_with_the_gateway_s_key(
    console_gateway: ConsoleGateway, page: Page, tmp_path: Path
) -> None:
    log_in(page, console_gateway, TECHNICIAN.username)
    with page.expect_navigation():
        page.click("nav >> text=Thẻ kỹ thuật viên")
    page.fill("#technician_id", "KT-015")
    page.fill("#name", "Đỗ Văn Kỹ")
    page.check("input[name=scope][value=area]")
    page.fill("#area", "H15")  # the province: beyond a district technician
    with page.expect_navigation():
        page.click("form.issue-form button")
    assert "phạm vi của bạn (H15.50)" in page.locator("[role=alert]").inner_text()
    shot(page, tmp_path, "23-badge-refused")

    page.fill("#area", "H15.50")
    page.select_option("#hours", "8")
    with page.expect_navigation():
        page.click("form.issue-form button")
    shot(page, tmp_path, "24-badge-issued")
    text = decode_qr(page.locator("img.qr").screenshot())
    key = load_keys(console_gateway.data_dir).signing.public_key()
    now = console_gateway.clock.now()
    badge = verify_badge(text, key, now=now, kiosk_id=KIOSK_A, unit_code=COMMUNE_A)
    assert (badge.technician_name, badge.area, badge.serial) == (
        "Đỗ Văn Kỹ", "H15.50", page.inner_text("#badge-serial"))  # fmt: skip
    assert badge.expires == now + timedelta(hours=8)

    page.goto(console_gateway.console + "/badges")
    assert badge.serial in page.inner_text("table.badges")
    shot(page, tmp_path, "25-badges")


def test_a_kiosk_s_page_and_its_token_revoked_after_confirmation(
    console_gateway: ConsoleGateway, page: Page, tmp_path: Path
) -> None:
    link = {"signal_percent": 41, "rtt_ms": 950, "requests": 120, "failures": 3}
    devices = {"printer": "paper_low", "scanner": "ok", "qr_reader": "missing"}
    assert heartbeat(console_gateway, KIOSK_A, link=link, devices=devices) == 204
    start = console_gateway.clock.now()
    events = [
        {"id": str(uuid.uuid4()), "at": (start + timedelta(minutes=m)).isoformat(), "kind": kind,
         "actor": "B000001", "detail": detail}
        for m, kind, detail in [(1, "entry", "Thẻ của Đỗ Văn Kỹ"),
                                (4, "test", "In thử: được"), (6, "exit", "")]
    ]  # fmt: skip
    sent = console_gateway.kiosk(KIOSK_A).post(
        console_gateway.url + "/api/v1/audit", json={"events": events}, timeout=10
    )
    assert sent.status_code == 200, sent.text

    log_in(page, console_gateway, TECHNICIAN.username)
    page.goto(console_gateway.console + "/kiosks")
    row = page.locator(f"#kiosk-{KIOSK_A}")
    assert "Yếu" in row.inner_text() and "Máy in: sắp hết giấy" in row.inner_text()
    shot(page, tmp_path, "26-kiosks")
    with page.expect_navigation():
        row.locator(f"a:text('{KIOSK_A}')").click()
    assert page.locator("table.kiosk-audit tbody tr").count() == 3
    assert "Thoát chế độ kỹ thuật" in page.locator("table.kiosk-audit tbody tr").nth(0).inner_text()
    shot(page, tmp_path, "27-kiosk")

    with page.expect_navigation():
        page.click("text=Thu hồi mã truy cập của kiosk…")
    shot(page, tmp_path, "28-kiosk-revoke")
    assert heartbeat(console_gateway, KIOSK_A) == 204  # not yet
    with page.expect_navigation():
        page.click("form.confirm button")
    assert page.locator("[role=status]").inner_text().startswith("Đã thu hồi mã truy cập")
    shot(page, tmp_path, "29-kiosk-revoked")
    assert heartbeat(console_gateway, KIOSK_A) == 401
