"""The console's kiosks page ("Kiosk"): kiosks send real heartbeats over HTTP with their tokens,
the gateway's fake clock moves, and the page is read as each role sees it — kiosks out of touch
first and marked, device problems and clock skew flagged, outbox figures shown, each account
limited to its area — and once in Debian's Chromium for a screenshot a person looks at."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from gateway_testkit import MONDAY_MORNING
from playwright.sync_api import sync_playwright
from test_console_kit import (
    ADMIN,
    KIOSK_A,
    KIOSK_B,
    PASSWORD,
    STAFF_A,
    STAFF_B,
    TECHNICIAN,
    ConsoleClient,
    ConsoleGateway,
    running_console_gateway,
)

from gateway.app import enrol, set_kiosk_enabled
from gateway.console import CONSOLE_PATH

KIOSK_C = "KIOSK03"  # enrolled without a unit: the province administrator's alone
CHROMIUM = "/usr/bin/chromium"  # Debian's package (scripts/setup.sh); never a downloaded build
ROW = re.compile(r'<tr id="kiosk-([A-Z0-9]+)"[^>]*>(.*?)</tr>', re.S)


@pytest.fixture
def console_gateway(tmp_path: Path) -> Iterator[ConsoleGateway]:
    yield from running_console_gateway(tmp_path)


def beat(
    gateway: ConsoleGateway,
    kiosk_id: str,
    *,
    skew: timedelta = timedelta(0),
    queue: dict[str, Any] | None = None,
    devices: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """A heartbeat as the kiosk sends it, its clock ``skew`` off the gateway's."""
    body: dict[str, Any] = {
        "kiosk_id": kiosk_id,
        "at": (gateway.clock.now() + skew).isoformat(),
        "software_version": "0.4.2",
        "queue": queue or {"queued": 0, "uploading": 0, "needs_attention": 0,
                           "oldest_queued_at": None},
        "devices": devices or {"printer": "ok", "scanner": "ok"},
        **(extra or {}),
    }  # fmt: skip
    sent = gateway.kiosk(kiosk_id).post(
        gateway.url + "/api/v1/kiosks/heartbeat", json=body, timeout=10
    )
    assert sent.status_code == 204, sent.text


def fleet(gateway: ConsoleGateway) -> None:
    """KIOSK01 beats (clock 7 minutes fast, two dossiers waiting since 08:40) then falls silent
    for 16 minutes; KIOSK02 beats at the end with its printer out of paper; KIOSK03 has no unit,
    never beat and is disabled."""
    enrol(gateway.data_dir, KIOSK_C, now=MONDAY_MORNING)
    set_kiosk_enabled(gateway.data_dir, KIOSK_C, False)
    oldest = (MONDAY_MORNING - timedelta(minutes=20)).isoformat()
    queue = {"queued": 2, "uploading": 1, "needs_attention": 3, "oldest_queued_at": oldest}
    beat(gateway, KIOSK_A, skew=timedelta(minutes=7), queue=queue)
    gateway.clock.advance(16 * 60)
    beat(gateway, KIOSK_B, devices={"printer": "paper_out", "scanner": "ok"})


def signed_in(gateway: ConsoleGateway, username: str) -> ConsoleClient:
    client = gateway.client()
    assert client.login(username).status_code == 303
    return client


def rows(client: ConsoleClient) -> dict[str, str]:
    page = client.get("/kiosks")
    assert page.status_code == 200, page.text
    return dict(ROW.findall(page.text))


def test_a_silent_kiosk_is_marked_out_of_touch_and_listed_first(
    console_gateway: ConsoleGateway,
) -> None:
    fleet(console_gateway)
    admin = signed_in(console_gateway, ADMIN.username)
    page = admin.get("/kiosks")
    found = rows(admin)
    # Out of touch first (silent 16 minutes), then the device problem, then the rest; the
    # disabled kiosk never beat, and is silent on purpose: no alarm for it.
    assert list(found) == [KIOSK_A, KIOSK_B, KIOSK_C]
    assert "Mất liên lạc" in found[KIOSK_A] and "16 phút trước" in found[KIOSK_A]
    assert "Mất liên lạc" not in found[KIOSK_C] and "chưa bao giờ" in found[KIOSK_C]
    assert "Mất liên lạc" not in found[KIOSK_B] and "vừa xong" in found[KIOSK_B]
    assert "3 kiosk · " in page.text and "1 mất liên lạc" in page.text
    assert "1 có lỗi thiết bị" in page.text
    # The absolute time in Vietnam's: KIOSK01's beat arrived at 09:00, KIOSK02's at 09:16.
    assert "23/11/2026 09:00" in found[KIOSK_A] and "23/11/2026 09:16" in found[KIOSK_B]
    assert "Đã tắt" in found[KIOSK_C] and "Đang hoạt động" in found[KIOSK_A]
    admin.close()


def test_fifteen_minutes_of_silence_is_not_yet_out_of_touch(
    console_gateway: ConsoleGateway,
) -> None:
    beat(console_gateway, KIOSK_A)
    beat(console_gateway, KIOSK_B)
    console_gateway.clock.advance(15 * 60)
    admin = signed_in(console_gateway, ADMIN.username)
    found = rows(admin)
    assert "Mất liên lạc" not in found[KIOSK_A] and "15 phút trước" in found[KIOSK_A]
    console_gateway.clock.advance(61)
    assert "Mất liên lạc" in rows(admin)[KIOSK_A]
    admin.close()


def test_device_problems_skew_and_the_outbox_are_shown(console_gateway: ConsoleGateway) -> None:
    fleet(console_gateway)
    admin = signed_in(console_gateway, ADMIN.username)
    found = rows(admin)
    assert 'role="alert"' in found[KIOSK_B] and "Máy in: hết giấy" in found[KIOSK_B]
    assert 'role="alert"' not in found[KIOSK_A] and "Sẵn sàng" in found[KIOSK_A]
    assert "nhanh 7 phút" in found[KIOSK_A] and "Lệch quá 5 phút" in found[KIOSK_A]
    assert "khớp" in found[KIOSK_B] and "Lệch quá" not in found[KIOSK_B]
    assert "Chờ gửi: 2" in found[KIOSK_A] and "Đang gửi: 1" in found[KIOSK_A]
    assert "Cần xử lý: 3" in found[KIOSK_A]
    # Queued at 08:40 by the kiosk, looked at 09:16 by the gateway's clock.
    assert "36 phút" in found[KIOSK_A]
    assert "0.4.2" in found[KIOSK_A] and "0.4.2" not in found[KIOSK_C]
    admin.close()


def test_a_kiosk_whose_app_is_not_running_says_so_once(console_gateway: ConsoleGateway) -> None:
    unknown = {"printer": "unknown", "scanner": "unknown", "qr_reader": "unknown"}
    beat(console_gateway, KIOSK_A, devices=unknown, extra={"app_running": False})
    beat(console_gateway, KIOSK_B, devices={"printer": "unknown"}, extra={"app_running": True})
    admin = signed_in(console_gateway, ADMIN.username)
    found = rows(admin)
    assert "Ứng dụng trên kiosk không chạy" in found[KIOSK_A]
    assert found[KIOSK_A].count('role="alert"') == 1
    # Running, a device not known yet: that device is named, and the app is not blamed.
    assert "Ứng dụng trên kiosk không chạy" not in found[KIOSK_B]
    assert 'role="alert"' in found[KIOSK_B]
    admin.close()


def test_a_small_skew_is_shown_but_not_flagged(console_gateway: ConsoleGateway) -> None:
    beat(console_gateway, KIOSK_A, skew=-timedelta(minutes=4, seconds=59))
    admin = signed_in(console_gateway, ADMIN.username)
    row = rows(admin)[KIOSK_A]
    assert "chậm 4 phút" in row and "Lệch quá" not in row and "skew-flag" not in row
    admin.close()


@pytest.mark.parametrize(
    ("username", "visible"),
    [
        (ADMIN.username, [KIOSK_A, KIOSK_B, KIOSK_C]),
        (TECHNICIAN.username, [KIOSK_A, KIOSK_B]),
        (STAFF_A.username, [KIOSK_A]),
        (STAFF_B.username, [KIOSK_B]),
    ],
)
def test_each_account_sees_the_kiosks_of_its_area(
    console_gateway: ConsoleGateway, username: str, visible: list[str]
) -> None:
    fleet(console_gateway)
    client = signed_in(console_gateway, username)
    page = client.get("/kiosks")
    assert list(rows(client)) == visible
    assert f"{len(visible)} kiosk · " in page.text
    # Linked in the navigation for every role.
    assert f'href="{CONSOLE_PATH}/kiosks"' in client.get("/dossiers").text
    client.close()


def test_the_kiosks_page_needs_a_log_in(console_gateway: ConsoleGateway) -> None:
    client = console_gateway.client()
    answer = client.get("/kiosks")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/console/login")
    client.close()


def test_the_kiosks_page_in_the_browser(console_gateway: ConsoleGateway, tmp_path: Path) -> None:
    """A screenshot for a person to look at (copied to ``$CONSOLE_SHOTS_DIR`` when set)."""
    fleet(console_gateway)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
        page = context.new_page()
        page.goto(console_gateway.console + "/login")
        page.fill("#username", ADMIN.username)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        page.click("nav >> text=Kiosk")
        page.wait_for_url("**/console/kiosks")
        first = page.locator("table.kiosks tbody tr").first
        assert first.get_attribute("id") == f"kiosk-{KIOSK_A}"
        assert first.locator(".badge").inner_text() == "Mất liên lạc"
        assert page.locator("[role=alert]").inner_text() == "Máy in: hết giấy"
        path = tmp_path / "console-13-kiosks.png"
        page.screenshot(path=path, full_page=True)
        context.close()
        browser.close()
    copies = os.environ.get("CONSOLE_SHOTS_DIR")
    if copies:
        Path(copies).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(copies) / path.name)
    assert path.stat().st_size > 10_000


def test_the_page_reads_the_gateways_clock_not_the_kiosks(
    console_gateway: ConsoleGateway,
) -> None:
    """A kiosk whose clock runs a day ahead is still judged by when its beat arrived."""
    beat(console_gateway, KIOSK_A, skew=timedelta(days=1))
    admin = signed_in(console_gateway, ADMIN.username)
    row = rows(admin)[KIOSK_A]
    assert "vừa xong" in row and "Mất liên lạc" not in row and "nhanh 1 ngày" in row
    admin.close()
