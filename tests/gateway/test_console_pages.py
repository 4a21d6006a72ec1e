"""The console over HTTP against a real gateway on loopback: sessions, the log-in lock-out,
CSRF, role and area limits, status changes seen by the kiosks' status lookup, files streamed,
security headers and the audit log. (The same paths in a real browser:
``test_console_browser.py``.)"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from gateway_testkit import dossier_body
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
    page_image,
    running_client,
    running_console_gateway,
)

from gateway.app import enrol
from gateway.console.store import ConsoleAction, Outcome, address_throttle_key, throttle_key
from gateway.console.web import (
    LOCK_THRESHOLD,
    MSG_BAD_LOGIN,
    MSG_NOT_FOUND,
    MSG_STALE_FORM,
    PAGE_SIZE,
    SESSION_COOKIE,
)
from gateway.store import token_digest
from gateway.store_sqlite import DB_NAME

LOCKED_TEXT = "tạm khoá"


@pytest.fixture
def console_gateway(tmp_path: Path) -> Iterator[ConsoleGateway]:
    yield from running_console_gateway(tmp_path)


@pytest.fixture
def client(console_gateway: ConsoleGateway) -> Iterator[ConsoleClient]:
    yield from running_client(console_gateway)


def csrf(page_text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page_text)
    assert found is not None
    return found.group(1)


def logged_in(client: ConsoleClient, username: str) -> ConsoleClient:
    answer = client.login(username)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/dossiers"
    return client


def change(client: ConsoleClient, dossier_id: str, status: str, note: str) -> requests.Response:
    """Submit the dossier page's status form (as it was when the dossier was received)."""
    page = client.get(f"/dossiers/{dossier_id}")
    form = {"csrf_token": csrf(page.text), "from_status": "received", "status": status,
            "note": note}  # fmt: skip
    return client.post(f"/dossiers/{dossier_id}/status", form)


# --- log-in, sessions --------------------------------------------------------------------------


def test_pages_need_a_session(client: ConsoleClient) -> None:
    for path in ("/", "/dossiers", "/audit", "/dossiers/d_x", "/dossiers/d_x/files/f_y"):
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/console/login")


def test_login_sets_a_host_cookie_that_only_its_digest_is_kept_of(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    answer = logged_in(client, STAFF_A.username).get("/dossiers")
    assert answer.status_code == 200
    token = client.cookies[SESSION_COOKIE]
    assert console_gateway.console_store.session(token_digest(token)) is not None
    assert console_gateway.console_store.session(token) is None


def test_the_session_cookie_is_secure_httponly_strict(client: ConsoleClient) -> None:
    answer = client.login(STAFF_A.username)
    header = next(
        h for h in answer.raw.headers.getlist("set-cookie") if h.startswith(SESSION_COOKIE + "=")
    )
    attributes = {part.strip().split("=")[0].lower(): part for part in header.split(";")[1:]}
    assert "secure" in attributes and "httponly" in attributes
    assert attributes["samesite"].strip().lower() == "samesite=strict"
    assert attributes["path"].strip() == "Path=/"
    assert "domain" not in attributes and "max-age" not in attributes


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client: ConsoleClient) -> None:
    wrong = client.login(STAFF_A.username, "sai mật khẩu rồi 123")
    unknown = client.login("khong.co.ai", "sai mật khẩu rồi 123")
    assert wrong.status_code == unknown.status_code == 401
    assert MSG_BAD_LOGIN in wrong.text and MSG_BAD_LOGIN in unknown.text
    assert SESSION_COOKIE not in client.cookies


@pytest.mark.parametrize("username", [STAFF_A.username, "khong.co.ai"])
def test_five_failures_lock_for_fifteen_minutes_known_or_not(
    console_gateway: ConsoleGateway, client: ConsoleClient, username: str
) -> None:
    for _ in range(LOCK_THRESHOLD - 1):
        answer = client.login(username, "sai mật khẩu rồi 123")
        assert answer.status_code == 401 and LOCKED_TEXT not in answer.text
    fifth = client.login(username, "sai mật khẩu rồi 123")
    assert fifth.status_code == 429 and "15 phút" in fifth.text
    # Locked: even the right password is refused, and nothing tells the account exists.
    right = client.login(username, PASSWORD)
    assert right.status_code == 429 and LOCKED_TEXT in right.text
    assert SESSION_COOKIE not in client.cookies
    # What was typed in the username box is not kept by the throttle (it may be a password).
    with sqlite3.connect(console_gateway.data_dir / DB_NAME) as db:
        keys = {key for (key,) in db.execute("SELECT username FROM console_login_throttle")}
    # (Nor the address, counted too: its digest.)
    assert keys == {throttle_key(username), address_throttle_key("127.0.0.1")}
    console_gateway.clock.advance(15 * 60 + 1)
    if username == STAFF_A.username:
        assert client.login(username, PASSWORD).status_code == 303
    else:
        assert client.login(username, PASSWORD).status_code == 401


def test_a_session_ends_after_30_idle_minutes_and_after_12_hours(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    logged_in(client, STAFF_A.username)
    console_gateway.clock.advance(29 * 60)
    assert client.get("/dossiers").status_code == 200  # activity restarts the idle time
    console_gateway.clock.advance(29 * 60)
    assert client.get("/dossiers").status_code == 200
    console_gateway.clock.advance(31 * 60)
    expired = client.get("/dossiers")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/console/login?notice=expired"
    assert "Phiên làm việc đã hết hạn" in client.get("/login?notice=expired").text
    token = client.cookies[SESSION_COOKIE]
    assert console_gateway.console_store.session(token_digest(token)) is None

    logged_in(client, STAFF_A.username)
    minutes = 0
    while client.get("/dossiers").status_code == 200:  # active every 29 minutes
        console_gateway.clock.advance(29 * 60)
        minutes += 29
        assert minutes <= 12 * 60 + 29, "the session outlived its 12 hours"
    assert minutes > 12 * 60


def test_logout_deletes_the_session(console_gateway: ConsoleGateway, client: ConsoleClient) -> None:
    page = logged_in(client, STAFF_A.username).get("/dossiers")
    token = client.cookies[SESSION_COOKIE]
    answer = client.post("/logout", {"csrf_token": csrf(page.text)})
    assert answer.status_code == 303
    assert SESSION_COOKIE not in client.cookies
    assert console_gateway.console_store.session(token_digest(token)) is None
    # The old cookie, replayed, opens nothing.
    client.cookies[SESSION_COOKIE] = token
    assert client.get("/dossiers").status_code == 303


def test_a_login_form_from_elsewhere_is_refused(client: ConsoleClient) -> None:
    client.get("/login")
    answer = client.post(
        "/login", {"login_token": "forged", "username": STAFF_A.username, "password": PASSWORD}
    )
    assert answer.status_code == 403 and SESSION_COOKIE not in client.cookies
    token = client.token_on("/login")
    cross_site = client.post(
        "/login",
        {"login_token": token, "username": STAFF_A.username, "password": PASSWORD},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross_site.status_code == 403 and SESSION_COOKIE not in client.cookies


# --- headers -----------------------------------------------------------------------------------


def test_every_answer_carries_the_security_headers(client: ConsoleClient) -> None:
    logged_in(client, STAFF_A.username)
    for path in ("/login", "/dossiers", "/dossiers/d_nothing", "/static/console.css"):
        answer = client.get(path)
        assert "default-src 'self'" in answer.headers["content-security-policy"], path
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
        if path.startswith("/static"):
            assert answer.headers.get("cache-control") != "no-store"
        else:
            assert answer.headers["cache-control"] == "no-store"


# --- area and role limits ----------------------------------------------------------------------


def test_each_account_lists_the_dossiers_of_its_area_only(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    a = console_gateway.send_dossier(KIOSK_A, 1)
    b = console_gateway.send_dossier(KIOSK_B, 1)
    seen = {}
    for account in (STAFF_A, STAFF_B, TECHNICIAN, ADMIN):
        other = console_gateway.client()
        text = logged_in(other, account.username).get("/dossiers").text.partition("<tbody>")[2]
        seen[account.username] = (a.dossier_code in text, b.dossier_code in text)
        other.close()
    assert seen == {
        STAFF_A.username: (True, False),
        STAFF_B.username: (False, True),
        TECHNICIAN.username: (True, True),
        ADMIN.username: (True, True),
    }


def test_a_kiosk_without_a_unit_is_seen_by_province_administrators_only(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    console_gateway.tokens["KIOSK03"] = enrol(console_gateway.data_dir, "KIOSK03")
    sent = console_gateway.send_dossier("KIOSK03", 1, pages=1)
    for account, status in ((ADMIN, 200), (TECHNICIAN, 404), (STAFF_A, 404)):
        other = logged_in(console_gateway.client(), account.username)
        assert other.get(f"/dossiers/{sent.dossier_id}").status_code == status, account
        listed = sent.receipt_number in other.get("/dossiers").text.partition("<tbody>")[2]
        assert listed == (status == 200)
        other.close()


def test_another_communes_dossier_and_file_are_not_found(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    b = console_gateway.send_dossier(KIOSK_B, 1)
    logged_in(client, STAFF_A.username)
    page = client.get(f"/dossiers/{b.dossier_id}")
    missing = client.get("/dossiers/d_doesnotexist")
    assert page.status_code == missing.status_code == 404
    assert MSG_NOT_FOUND in page.text and b.dossier_code not in page.text
    assert client.get(f"/dossiers/{b.dossier_id}/files/{b.file_ids[0]}").status_code == 404
    token = csrf(client.get("/dossiers").text)
    answer = client.post(
        f"/dossiers/{b.dossier_id}/status",
        {"csrf_token": token, "from_status": "received", "status": "processing", "note": ""},
    )
    assert answer.status_code == 404
    assert console_gateway.status_lookup(KIOSK_B, b.dossier_code)["status"] == "received"


def test_search_finds_by_code_or_receipt_number_exact_or_prefix(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    first = console_gateway.send_dossier(KIOSK_A, 1, pages=1)
    second = console_gateway.send_dossier(KIOSK_A, 2, pages=1)
    logged_in(client, STAFF_A.username)

    def found(query: str, status: str = "") -> set[str]:
        page = client.get("/dossiers", params={"q": query, "status": status}).text
        text = page.partition("<tbody>")[2]  # the rows, not the search box's example
        return {s.receipt_number for s in (first, second) if s.receipt_number in text}

    assert found(first.dossier_code) == {first.receipt_number}
    assert found(second.receipt_number) == {second.receipt_number}
    assert found(first.dossier_code[:-2]) == {first.receipt_number, second.receipt_number}
    assert found("kiosk01-261123-000") == {first.receipt_number, second.receipt_number}
    assert found("KIOSK02") == set()
    assert found("", "processing") == set()
    assert found("", "received") == {first.receipt_number, second.receipt_number}


def test_the_list_is_newest_first_fifty_a_page(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    kiosk = console_gateway.kiosk(KIOSK_A)
    for number in range(1, PAGE_SIZE + 2):  # created, their files never sent
        body = dossier_body([b"page"], receipt_number=f"{KIOSK_A}-261123-{number:04d}")
        created = kiosk.post(
            console_gateway.url + "/api/v1/dossiers",
            json=body,
            headers={"Idempotency-Key": body["client_uuid"]},
            timeout=10,
        )
        assert created.status_code == 201, created.text
    logged_in(client, STAFF_A.username)
    receipts = re.compile(rf"<td>{KIOSK_A}-261123-(\d{{4}})</td>")
    first = client.get("/dossiers", params={"status": "awaiting_files"}).text
    numbers = [int(n) for n in receipts.findall(first)]
    assert numbers == list(range(PAGE_SIZE + 1, 1, -1))
    assert "trang 1/2" in first
    second = client.get("/dossiers", params={"status": "awaiting_files", "page": "2"}).text
    assert [int(n) for n in receipts.findall(second)] == [1]
    received = client.get("/dossiers", params={"status": "received"}).text
    assert receipts.findall(received) == []


def test_a_district_technician_may_look_but_not_change(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    a = console_gateway.send_dossier(KIOSK_A, 1)
    page = logged_in(client, TECHNICIAN.username).get(f"/dossiers/{a.dossier_id}")
    assert page.status_code == 200 and "Cập nhật trạng thái" not in page.text
    answer = change(client, a.dossier_id, "processing", "thử")
    assert answer.status_code == 403
    assert console_gateway.status_lookup(KIOSK_A, a.dossier_code)["status"] == "received"
    refused = console_gateway.console_store.audit_entries(unit_prefix=None, limit=5)[0]
    assert (refused.action, refused.outcome, refused.actor) == (
        ConsoleAction.STATUS_CHANGE,
        Outcome.REFUSED,
        TECHNICIAN.username,
    )


# --- status changes ----------------------------------------------------------------------------


def test_a_status_change_reaches_the_kiosks_status_lookup_and_the_audit_log(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    a = console_gateway.send_dossier(KIOSK_A, 1)
    logged_in(client, STAFF_A.username)
    answer = change(client, a.dossier_id, "processing", "Đã chuyển phòng Tư pháp")
    assert answer.status_code == 303
    assert client.get(answer.headers["location"].removeprefix("/console")).status_code == 200
    lookup = console_gateway.status_lookup(KIOSK_A, a.dossier_code)
    assert lookup["status"] == "processing"
    assert lookup["history"][-1]["note"] == "Đã chuyển phòng Tư pháp"
    entry = console_gateway.console_store.audit_entries(unit_prefix=None, limit=1)[0]
    assert (entry.actor, entry.action, entry.outcome, entry.target, entry.unit_code) == (
        STAFF_A.username,
        ConsoleAction.STATUS_CHANGE,
        Outcome.SUCCESS,
        a.dossier_code,
        "H15.50.05.13",
    )
    assert entry.detail == "Đã tiếp nhận → Đang xử lý"
    assert "Tư pháp" not in entry.detail  # notes may name people: the log keeps statuses only


def test_a_step_the_back_office_does_not_take_is_refused(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    a = console_gateway.send_dossier(KIOSK_A, 1)
    logged_in(client, STAFF_A.username)
    answer = change(client, a.dossier_id, "returned", "")
    assert answer.status_code == 400
    assert console_gateway.status_lookup(KIOSK_A, a.dossier_code)["status"] == "received"


def test_a_form_from_before_someone_elses_change_is_not_applied(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    a = console_gateway.send_dossier(KIOSK_A, 1)
    admin = logged_in(console_gateway.client(), ADMIN.username)
    assert change(admin, a.dossier_id, "processing", "").status_code == 303
    logged_in(client, STAFF_A.username)
    stale = change(client, a.dossier_id, "rejected", "")  # says it was "received"
    assert stale.status_code == 409
    assert console_gateway.status_lookup(KIOSK_A, a.dossier_code)["status"] == "processing"
    refused = console_gateway.console_store.audit_entries(unit_prefix=None, limit=1)[0]
    assert (refused.action, refused.outcome) == (ConsoleAction.STATUS_CHANGE, Outcome.REFUSED)
    admin.close()


@pytest.mark.parametrize("token", ["", "not-the-sessions-token"])
def test_a_missing_or_stale_csrf_token_changes_nothing(
    console_gateway: ConsoleGateway, client: ConsoleClient, token: str
) -> None:
    a = console_gateway.send_dossier(KIOSK_A, 1)
    logged_in(client, STAFF_A.username)
    answer = client.post(
        f"/dossiers/{a.dossier_id}/status",
        {"csrf_token": token, "from_status": "received", "status": "processing", "note": ""},
    )
    assert answer.status_code == 403 and MSG_STALE_FORM in answer.text
    assert console_gateway.status_lookup(KIOSK_A, a.dossier_code)["status"] == "received"
    entry = console_gateway.console_store.audit_entries(unit_prefix=None, limit=1)[0]
    assert (entry.action, entry.outcome) == (ConsoleAction.CSRF_REFUSED, Outcome.REFUSED)


def test_a_token_of_an_earlier_session_is_stale(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    a = console_gateway.send_dossier(KIOSK_A, 1)
    old = csrf(logged_in(client, STAFF_A.username).get(f"/dossiers/{a.dossier_id}").text)
    client.post("/logout", {"csrf_token": old})
    logged_in(client, STAFF_A.username)
    answer = client.post(
        f"/dossiers/{a.dossier_id}/status",
        {"csrf_token": old, "from_status": "received", "status": "processing", "note": ""},
    )
    assert answer.status_code == 403
    assert console_gateway.status_lookup(KIOSK_A, a.dossier_code)["status"] == "received"


# --- files -------------------------------------------------------------------------------------


def test_a_file_is_streamed_inline_with_its_media_type(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    a = console_gateway.send_dossier(KIOSK_A, 1)
    logged_in(client, TECHNICIAN.username)
    answer = client.get(f"/dossiers/{a.dossier_id}/files/{a.file_ids[1]}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["content-disposition"].startswith('inline; filename="giay_chung_sinh-2')
    assert answer.content == page_image(f"GIAY CHUNG SINH - {KIOSK_A} - TRANG 2")


def test_a_file_of_another_dossier_is_not_found_through_this_one(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    a = console_gateway.send_dossier(KIOSK_A, 1)
    b = console_gateway.send_dossier(KIOSK_B, 1)
    logged_in(client, STAFF_A.username)
    assert client.get(f"/dossiers/{a.dossier_id}/files/{b.file_ids[0]}").status_code == 404
    assert client.get(f"/dossiers/{a.dossier_id}/files/f_nothing").status_code == 404


# --- audit -------------------------------------------------------------------------------------


def test_only_province_administrators_read_the_audit_log(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    for account in (STAFF_A, TECHNICIAN):
        other = logged_in(console_gateway.client(), account.username)
        page = other.get("/dossiers")
        assert "Nhật ký thao tác" not in page.text
        assert other.get("/audit").status_code == 403
        other.close()
    client.login(STAFF_B.username, "sai mật khẩu rồi 123")
    page = logged_in(client, ADMIN.username).get("/audit")
    assert page.status_code == 200 and "Nhật ký thao tác" in page.text
    for expected in (
        "Đăng nhập không thành công",
        STAFF_B.username,
        STAFF_A.username,
        "Thành công",
    ):
        assert expected in page.text
