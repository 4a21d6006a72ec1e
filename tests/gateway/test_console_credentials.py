"""The console's credentials pages and the kiosks page's additions, over HTTP against a real
gateway on loopback (``test_console_kit``): enrolment codes issued, listed, revoked and redeemed
by the kiosk's own ``kiosk enrol``; a kiosk's token revoked after a confirmation, and enrolled
again; technician badges that verify with the gateway's public key; link quality, device
conditions and the kiosks' technician audit logs; each role and area's limits, stale forms, the
audit entries; the ``dvc-gateway`` commands that do the same on the server; and a console page
whose store call is slow not holding up the kiosks' requests.
"""

from __future__ import annotations

import asyncio
import base64
import html
import io
import re
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from gateway_testkit import MONDAY_MORNING
from PIL import Image
from test_console_kit import (
    ADMIN,
    COMMUNE_A,
    COMMUNE_B,
    KIOSK_A,
    KIOSK_B,
    STAFF_A,
    TECHNICIAN,
    ConsoleClient,
    ConsoleGateway,
    password_hash,
    running_console_gateway,
)

from config.settings import Settings, load_settings, save_settings
from dvc_common.clock import FakeClock
from dvc_common.trust import BadgeProblem, BadgeRefusedError, parse_enrolment_code, verify_badge
from gateway import cli
from gateway.app import enrol
from gateway.blobs import DirectoryBlobStore
from gateway.console import open_console_store, web
from gateway.console.store import ConsoleAction, Outcome, StaffRole
from gateway.console.web import create_console
from gateway.keys import load_keys
from gateway.settings import GatewaySettings
from gateway.store import KioskRecord, token_digest
from gateway.store_sqlite import SqliteStore
from kiosk.enrolment import EnrolmentError, EnrolmentProblem
from kiosk.enrolment import enrol as kiosk_enrol

OTHER_DISTRICT = "H15.60.01.01"
KIOSK_FAR = "KIOSK09"  # in another district of the province
KIOSK_NEW = "KIOSK05"  # not enrolled yet
QR_IMAGE = re.compile(r'<img class="qr" src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def console_gateway(tmp_path: Path) -> Iterator[ConsoleGateway]:
    yield from running_console_gateway(tmp_path)


# --- helpers (the browser test uses them too) ----------------------------------------------------


def decode_qr(png: bytes) -> str:
    """The text of the one QR code in an image (a screenshot or the page's own PNG)."""
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert len(found) == 1, f"{len(found)} codes in the image"
    return str(found[0].text)


def kiosk_config(tmp_path: Path) -> Path:
    """A kiosk's configuration before enrolment, its files in the test's directory."""
    settings = Settings.model_validate(
        {"paths": {"data_dir": str(tmp_path / "kiosk"), "scratch_dir": str(tmp_path / "scratch")}}
    )
    path = tmp_path / "kiosk.toml"
    save_settings(settings, path)
    return path


def heartbeat(gateway: ConsoleGateway, kiosk_id: str, **extra: Any) -> int:
    body: dict[str, Any] = {
        "kiosk_id": kiosk_id,
        "at": gateway.clock.now().isoformat(),
        "software_version": "0.5.0",
        "queue": {"queued": 0, "uploading": 0, "needs_attention": 0, "oldest_queued_at": None},
        "devices": {"printer": "ok", "scanner": "ok"},
        **extra,
    }
    answer = gateway.kiosk(kiosk_id).post(
        gateway.url + "/api/v1/kiosks/heartbeat", json=body, timeout=10
    )
    return answer.status_code


def signed_in(gateway: ConsoleGateway, username: str) -> ConsoleClient:
    client = gateway.client()
    assert client.login(username).status_code == 303
    return client


def token_on(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, "no form token on the page"
    return found.group(1)


def issue_code(
    client: ConsoleClient, kiosk_id: str, unit: str, hours: str = "24"
) -> tuple[int, str]:
    token = client.token_on("/enrolment")
    answer = client.post(
        "/enrolment",
        {"csrf_token": token, "kiosk_id": kiosk_id, "unit_code": unit, "hours": hours},
    )
    return answer.status_code, answer.text


def qr_of(page: str) -> str:
    found = QR_IMAGE.search(page)
    assert found is not None, "no QR image on the page"
    return decode_qr(base64.b64decode(found.group(1)))


def audit_of(gateway: ConsoleGateway, action: ConsoleAction) -> list[tuple[str, Outcome, str]]:
    return [
        (e.actor, e.outcome, e.target or "")
        for e in gateway.console_store.audit_entries(unit_prefix=None, limit=100)
        if e.action is action
    ]


def far_kiosk(gateway: ConsoleGateway) -> str:
    gateway.tokens[KIOSK_FAR] = enrol(gateway.data_dir, KIOSK_FAR, unit_code=OTHER_DISTRICT)
    return KIOSK_FAR


def test_the_qr_carries_the_gateways_public_address_when_one_is_set(tmp_path: Path) -> None:
    public = "https://dvc.example.gov.vn"
    for gateway in running_console_gateway(tmp_path, public_url=public):
        technician = signed_in(gateway, TECHNICIAN.username)
        status, page = issue_code(technician, KIOSK_NEW, COMMUNE_A)
        assert status == 200
        assert parse_enrolment_code(qr_of(page)).gateway_url == public
        technician.close()


def test_a_public_address_that_is_not_http_is_refused() -> None:
    for wrong in ("dvc.example.gov.vn", "ftp://dvc.example.gov.vn", "https://a b"):
        with pytest.raises(ValueError, match="public URL"):
            GatewaySettings(public_url=wrong)


# --- enrolment codes -----------------------------------------------------------------------------


def test_a_technician_s_code_enrols_the_kiosk_with_kiosk_enrol(
    console_gateway: ConsoleGateway, tmp_path: Path
) -> None:
    technician = signed_in(console_gateway, TECHNICIAN.username)

    status, page = issue_code(technician, KIOSK_NEW, COMMUNE_A, "4")

    assert status == 200
    text = qr_of(page)
    code = parse_enrolment_code(text)
    assert code.gateway_url == console_gateway.url
    # The typeable code is the QR's, in groups of four.
    typed = re.search(r'id="typed-code">([A-Z2-7-]+)<', page)
    assert typed is not None and typed.group(1).replace("-", "") == code.code
    assert "23/11/2026 13:00" in page  # four hours from 09:00, Vietnam time
    # The code is in no later page, and the store keeps only its digest.
    listing = technician.get("/enrolment").text
    assert code.code not in listing and "Còn hiệu lực" in listing

    enrolled = kiosk_enrol(text, kiosk_config(tmp_path))

    assert enrolled.kiosk_id == KIOSK_NEW
    settings = load_settings(tmp_path / "kiosk.toml")
    token = settings.gateway.token.get_secret_value()
    console_gateway.tokens[KIOSK_NEW] = token
    assert heartbeat(console_gateway, KIOSK_NEW) == 204
    kiosks = technician.get("/kiosks").text
    assert f'id="kiosk-{KIOSK_NEW}"' in kiosks
    assert "Đã dùng" in technician.get("/enrolment").text
    assert audit_of(console_gateway, ConsoleAction.ENROLMENT_CODE_ISSUE) == [
        (TECHNICIAN.username, Outcome.SUCCESS, KIOSK_NEW)
    ]
    technician.close()


def test_a_code_is_issued_only_within_the_account_s_area(
    console_gateway: ConsoleGateway,
) -> None:
    far = far_kiosk(console_gateway)
    technician = signed_in(console_gateway, TECHNICIAN.username)

    outside_unit = issue_code(technician, KIOSK_NEW, OTHER_DISTRICT)
    someone_elses_kiosk = issue_code(technician, far, COMMUNE_A)
    bad = issue_code(technician, "kiosk 1", "H15.50..1", "5")

    assert outside_unit[
        0
    ] == 400 and "không thuộc phạm vi quản lý của bạn (H15.50)" in html.unescape(outside_unit[1])
    # Redeeming it would move another district's kiosk into this one.
    assert someone_elses_kiosk[0] == 400
    assert "không thuộc đơn vị của bạn" in html.unescape(someone_elses_kiosk[1])
    assert bad[0] == 400 and all(
        text in html.unescape(bad[1])
        for text in ("Mã kiosk gồm", "Mã đơn vị chưa đúng dạng", "chọn thời hạn")
    )
    with SqliteStore(console_gateway.data_dir) as store:
        assert store.enrolment_codes() == []
    assert audit_of(console_gateway, ConsoleAction.ENROLMENT_CODE_ISSUE) == [
        (TECHNICIAN.username, Outcome.REFUSED, far)
    ]
    technician.close()


def test_commune_staff_may_not_issue_or_see_credentials(console_gateway: ConsoleGateway) -> None:
    staff = signed_in(console_gateway, STAFF_A.username)
    dossiers = staff.get("/dossiers").text
    assert "/enrolment" not in dossiers and "/badges" not in dossiers

    assert staff.get("/enrolment").status_code == 403
    assert staff.get("/badges").status_code == 403
    assert staff.get(f"/kiosks/{KIOSK_A}/revoke").status_code == 403
    token = token_on(dossiers)
    refused = staff.post(
        "/enrolment",
        {"csrf_token": token, "kiosk_id": KIOSK_NEW, "unit_code": COMMUNE_A, "hours": "24"},
    )
    revoke = staff.post(f"/kiosks/{KIOSK_A}/revoke", {"csrf_token": token})

    assert (refused.status_code, revoke.status_code) == (403, 403)
    assert audit_of(console_gateway, ConsoleAction.ENROLMENT_CODE_ISSUE) == [
        (STAFF_A.username, Outcome.REFUSED, "")
    ]
    assert audit_of(console_gateway, ConsoleAction.KIOSK_TOKEN_REVOKE) == [
        (STAFF_A.username, Outcome.REFUSED, "")
    ]
    assert heartbeat(console_gateway, KIOSK_A) == 204
    staff.close()


def test_a_stale_form_issues_nothing(console_gateway: ConsoleGateway) -> None:
    technician = signed_in(console_gateway, TECHNICIAN.username)
    old = technician.token_on("/enrolment")
    technician.post("/logout", {"csrf_token": old})
    assert technician.login(TECHNICIAN.username).status_code == 303

    answer = technician.post(
        "/enrolment",
        {"csrf_token": old, "kiosk_id": KIOSK_NEW, "unit_code": COMMUNE_A, "hours": "24"},
    )
    other_site = technician.post(
        "/badges",
        {"csrf_token": technician.token_on("/badges"), "technician_id": "KT-1", "name": "A",
         "scope": "area", "area": COMMUNE_A, "hours": "12"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )  # fmt: skip

    assert (answer.status_code, other_site.status_code) == (403, 403)
    with SqliteStore(console_gateway.data_dir) as store:
        assert store.enrolment_codes() == [] and store.badges() == []
    refused = audit_of(console_gateway, ConsoleAction.CSRF_REFUSED)
    assert [(actor, outcome) for actor, outcome, _ in refused] == [
        (TECHNICIAN.username, Outcome.REFUSED)
    ] * 2
    technician.close()


def test_a_revoked_code_is_refused_to_the_kiosk_as_one_to_replace(
    console_gateway: ConsoleGateway, tmp_path: Path
) -> None:
    technician = signed_in(console_gateway, TECHNICIAN.username)
    _, page = issue_code(technician, KIOSK_NEW, COMMUNE_A)
    text = qr_of(page)
    listing = technician.get("/enrolment").text
    digest = re.search(r'name="code" value="([0-9a-f]{64})"', listing)
    assert digest is not None

    revoked = technician.post(
        "/enrolment/revoke", {"csrf_token": token_on(listing), "code": digest.group(1)}
    )

    assert revoked.status_code == 303
    after = technician.get(revoked.headers["location"].removeprefix("/console")).text
    assert "Đã thu hồi mã đăng ký của kiosk KIOSK05" in after and "Đã thu hồi" in after
    assert 'name="code"' not in after  # nothing left to revoke
    with pytest.raises(EnrolmentError) as refused:
        kiosk_enrol(text, kiosk_config(tmp_path))
    assert refused.value.problem is EnrolmentProblem.CODE_EXPIRED
    assert not (tmp_path / "kiosk" / "kiosk.key").exists()
    technician.close()


def test_codes_of_another_district_are_neither_listed_nor_revoked(
    console_gateway: ConsoleGateway,
) -> None:
    admin = signed_in(console_gateway, ADMIN.username)
    _, page = issue_code(admin, KIOSK_NEW, OTHER_DISTRICT)
    assert qr_of(page).startswith("DVCE1.")
    digest = re.search(r'name="code" value="([0-9a-f]{64})"', admin.get("/enrolment").text)
    assert digest is not None

    technician = signed_in(console_gateway, TECHNICIAN.username)
    listing = technician.get("/enrolment").text
    attempt = technician.post(
        "/enrolment/revoke", {"csrf_token": token_on(listing), "code": digest.group(1)}
    )

    assert KIOSK_NEW not in listing
    assert attempt.status_code == 404
    with SqliteStore(console_gateway.data_dir) as store:
        (code,) = store.enrolment_codes()
    assert code.revoked_at is None
    admin.close()
    technician.close()


# --- kiosk tokens --------------------------------------------------------------------------------


def test_a_revoked_token_stops_the_kiosk_until_it_enrols_again(
    console_gateway: ConsoleGateway, tmp_path: Path
) -> None:
    technician = signed_in(console_gateway, TECHNICIAN.username)
    assert f'href="/console/kiosks/{KIOSK_A}/revoke"' in technician.get("/kiosks").text

    confirm = technician.get(f"/kiosks/{KIOSK_A}/revoke")
    assert confirm.status_code == 200 and "Thu hồi mã truy cập của kiosk KIOSK01?" in confirm.text
    assert heartbeat(console_gateway, KIOSK_A) == 204  # nothing happens before the POST
    done = technician.post(f"/kiosks/{KIOSK_A}/revoke", {"csrf_token": token_on(confirm.text)})

    assert done.status_code == 303
    assert done.headers["location"] == f"/console/kiosks/{KIOSK_A}?revoked=1"
    assert heartbeat(console_gateway, KIOSK_A) == 401
    assert heartbeat(console_gateway, KIOSK_B) == 204
    row = re.search(rf'<tr id="kiosk-{KIOSK_A}"[^>]*>(.*?)</tr>', technician.get("/kiosks").text,
                    re.S)  # fmt: skip
    assert row is not None and "Đã thu hồi mã truy cập" in row.group(1)
    assert "Mất liên lạc" not in row.group(1)  # silent on purpose: no alarm
    assert (
        "Đã thu hồi mã truy cập của kiosk KIOSK01."
        in technician.get(f"/kiosks/{KIOSK_A}?revoked=1").text
    )
    assert audit_of(console_gateway, ConsoleAction.KIOSK_TOKEN_REVOKE) == [
        (TECHNICIAN.username, Outcome.SUCCESS, KIOSK_A)
    ]

    # A new code, and the kiosk works again with the token it gets.
    _, page = issue_code(technician, KIOSK_A, COMMUNE_A)
    kiosk_enrol(qr_of(page), kiosk_config(tmp_path))
    console_gateway.tokens[KIOSK_A] = load_settings(
        tmp_path / "kiosk.toml"
    ).gateway.token.get_secret_value()
    assert heartbeat(console_gateway, KIOSK_A) == 204
    assert "Đã thu hồi mã truy cập" not in technician.get(f"/kiosks/{KIOSK_A}").text
    technician.close()


def test_another_district_s_kiosk_is_not_found_for_revocation(
    console_gateway: ConsoleGateway,
) -> None:
    far = far_kiosk(console_gateway)
    technician = signed_in(console_gateway, TECHNICIAN.username)
    token = technician.token_on("/kiosks")

    assert technician.get(f"/kiosks/{far}/revoke").status_code == 404
    assert technician.get(f"/kiosks/{far}").status_code == 404
    assert technician.post(f"/kiosks/{far}/revoke", {"csrf_token": token}).status_code == 404
    assert technician.get("/kiosks/NOBODY").status_code == 404
    assert heartbeat(console_gateway, far) == 204
    technician.close()


# --- badges --------------------------------------------------------------------------------------


def issue_badge_form(client: ConsoleClient, **fields: str) -> tuple[int, str]:
    values = {"technician_id": "KT-015", "name": "Đỗ Văn Kỹ", "scope": "area",
              "area": "H15.50", "kiosks": "", "hours": "12", **fields}  # fmt: skip
    answer = client.post("/badges", {"csrf_token": client.token_on("/badges"), **values})
    return answer.status_code, answer.text


def test_a_badge_verifies_with_the_gateway_s_key_within_its_scope(
    console_gateway: ConsoleGateway,
) -> None:
    technician = signed_in(console_gateway, TECHNICIAN.username)

    status, page = issue_badge_form(technician, area="H15.50", hours="12")

    assert status == 200
    text = qr_of(page)
    key = load_keys(console_gateway.data_dir).signing.public_key()
    now = console_gateway.clock.now()
    badge = verify_badge(text, key, now=now, kiosk_id=KIOSK_A, unit_code=COMMUNE_A)
    assert (badge.technician_id, badge.technician_name, badge.area) == (
        "KT-015", "Đỗ Văn Kỹ", "H15.50")  # fmt: skip
    assert badge.expires == now + timedelta(hours=12)
    serial = re.search(r'id="badge-serial">(B\d+)<', page)
    assert serial is not None and badge.serial == serial.group(1)
    with pytest.raises(BadgeRefusedError) as refused:
        verify_badge(text, key, now=now, kiosk_id=KIOSK_FAR, unit_code=OTHER_DISTRICT)
    assert refused.value.problem is BadgeProblem.OTHER_AREA
    with pytest.raises(BadgeRefusedError):
        verify_badge(text, key, now=now + timedelta(hours=12), kiosk_id=KIOSK_A,
                     unit_code=COMMUNE_A)  # fmt: skip

    listing = technician.get("/badges").text
    assert serial.group(1) in listing and "Khu vực H15.50" in listing and "Còn hiệu lực" in listing
    assert audit_of(console_gateway, ConsoleAction.BADGE_ISSUE) == [
        (TECHNICIAN.username, Outcome.SUCCESS, serial.group(1))
    ]
    technician.close()


def test_a_badge_names_only_kiosks_and_areas_of_the_account(
    console_gateway: ConsoleGateway,
) -> None:
    far = far_kiosk(console_gateway)
    technician = signed_in(console_gateway, TECHNICIAN.username)

    province = issue_badge_form(technician, area="H15")
    other_kiosk = issue_badge_form(technician, scope="kiosks", kiosks=f"{KIOSK_A}, {far}")
    too_long = issue_badge_form(technician, hours="720")
    nobody = issue_badge_form(technician, technician_id="", name="")
    kiosks = issue_badge_form(technician, scope="kiosks", kiosks=f"{KIOSK_A},{KIOSK_B} {KIOSK_A}")

    assert [r[0] for r in (province, other_kiosk, too_long, nobody)] == [400] * 4
    assert "phạm vi của bạn (H15.50)" in html.unescape(province[1])
    assert f"Không tìm thấy kiosk {far} trong đơn vị của bạn" in html.unescape(other_kiosk[1])
    assert kiosks[0] == 200
    key = load_keys(console_gateway.data_dir).signing.public_key()
    badge = verify_badge(qr_of(kiosks[1]), key, now=console_gateway.clock.now(),
                         kiosk_id=KIOSK_B, unit_code=COMMUNE_B)  # fmt: skip
    assert badge.kiosks == (KIOSK_A, KIOSK_B)
    with SqliteStore(console_gateway.data_dir) as store:
        assert len(store.badges()) == 1

    # The administrator's badge for the other district is not in the technician's list.
    admin = signed_in(console_gateway, ADMIN.username)
    assert issue_badge_form(admin, area="H15.60")[0] == 200
    listing = technician.get("/badges").text
    assert "Khu vực H15.60" not in listing and f"Kiosk {KIOSK_A}, {KIOSK_B}" in listing
    assert "Khu vực H15.60" in admin.get("/badges").text
    admin.close()
    technician.close()


# --- the kiosks page's additions -----------------------------------------------------------------


def test_link_quality_and_device_conditions_are_shown_in_vietnamese(
    console_gateway: ConsoleGateway,
) -> None:
    link = {"signal_percent": 22, "rtt_ms": 2400, "requests": 140, "failures": 2}
    devices = {"printer": "paper_low", "qr_reader": "cover_open", "scanner": "lens_fogged"}
    assert heartbeat(console_gateway, KIOSK_A, link=link, devices=devices) == 204
    good = {"signal_percent": None, "rtt_ms": 120, "requests": 90, "failures": 0}
    assert heartbeat(console_gateway, KIOSK_B, link=good) == 204
    staff = signed_in(console_gateway, STAFF_A.username)
    page = staff.get("/kiosks").text
    row = re.search(rf'<tr id="kiosk-{KIOSK_A}"[^>]*>(.*?)</tr>', page, re.S)
    assert row is not None
    cells = html.unescape(row.group(1))
    assert "Kém" in cells and "sóng 22%, 2400 ms, 2/140 không phản hồi" in cells
    assert "Máy in: sắp hết giấy" in cells and "Đầu đọc mã QR: đang mở nắp" in cells
    assert "Máy quét: lens_fogged" in cells  # unknown to this console: shown as sent
    assert f"kiosk-{KIOSK_B}" not in page  # another commune's
    assert "Thu hồi mã truy cập" not in page  # commune staff may not

    admin = signed_in(console_gateway, ADMIN.username)
    other = re.search(rf'<tr id="kiosk-{KIOSK_B}"[^>]*>(.*?)</tr>', admin.get("/kiosks").text,
                      re.S)  # fmt: skip
    assert other is not None and "Tốt" in other.group(1) and "120 ms" in other.group(1)
    staff.close()
    admin.close()


def test_a_kiosk_s_page_lists_its_technician_audit_newest_first(
    console_gateway: ConsoleGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = console_gateway.clock.now()
    events = [
        {"id": str(uuid.uuid4()), "at": (start + timedelta(minutes=m)).isoformat(), "kind": kind,
         "actor": actor, "detail": detail}
        for m, kind, actor, detail in [
            (1, "entry", "B000003", "Thẻ của Đỗ Văn Kỹ"),
            (5, "test", "B000003", "In thử: được"),
            (9, "newer_kind", "B000003", "Một việc của phiên bản mới"),
        ]
    ]  # fmt: skip
    sent = console_gateway.kiosk(KIOSK_A).post(
        console_gateway.url + "/api/v1/audit", json={"events": events}, timeout=10
    )
    assert sent.status_code == 200, sent.text
    staff = signed_in(console_gateway, STAFF_A.username)

    page = html.unescape(staff.get(f"/kiosks/{KIOSK_A}").text)

    rows = re.findall(r"<tr>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", page)
    assert [kind for _, kind in rows] == [
        "newer_kind", "Kiểm tra thiết bị hoặc kết nối", "Vào chế độ kỹ thuật"]  # fmt: skip
    assert rows[0][0] == "23/11/2026 09:09"
    assert "In thử: được" in page
    assert staff.get(f"/kiosks/{KIOSK_B}").status_code == 404
    # A long log: the newest shown, and where to read the rest.
    monkeypatch.setattr(web, "KIOSK_AUDIT_SHOWN", 2)
    page = html.unescape(staff.get(f"/kiosks/{KIOSK_A}").text)
    kinds = [kind for _, kind in re.findall(r"<tr>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", page)]
    assert kinds == ["newer_kind", "Kiểm tra thiết bị hoặc kết nối"]
    assert "Đang hiển thị 2 trong 3 sự kiện" in page
    staff.close()


# --- the commands --------------------------------------------------------------------------------


def test_the_commands_revoke_codes_and_tokens(
    console_gateway: ConsoleGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(console_gateway.data_dir)
    assert cli.main(["enrol-code", "--data", data, "--kiosk", KIOSK_NEW, "--unit", COMMUNE_A]) == 0
    text = capsys.readouterr().out.strip()

    assert cli.main(["enrol-code", "revoke", "--data", data, text]) == 0
    assert "revoked the code for KIOSK05" in capsys.readouterr().out
    assert cli.main(["enrol-code", "list", "--data", data, "--json"]) == 0
    assert '"state": "revoked"' in capsys.readouterr().out
    assert (
        cli.main(["enrol-code", "revoke", "--data", data, "AAAABBBBCCCCDDDDEEEEFFFF"])
        == cli.EXIT_INVALID
    )
    assert "no such code" in capsys.readouterr().err
    assert cli.main(["enrol-code", "--kiosk", KIOSK_NEW]) != 0
    capsys.readouterr()

    assert cli.main(["revoke-token", "--data", data, "--kiosk", KIOSK_B]) == 0
    assert "token revoked" in capsys.readouterr().out
    assert heartbeat(console_gateway, KIOSK_B) == 401
    assert cli.main(["revoke-token", "--data", data, "--kiosk", "NOBODY"]) == cli.EXIT_INVALID
    assert cli.main(["kiosks", "--data", data]) == 0
    assert "token revoked" in capsys.readouterr().out


# --- off the event loop --------------------------------------------------------------------------


class SlowKiosks(SqliteStore):
    """The gateway's SQLite store whose kiosk listing waits until the test lets it go."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.entered = threading.Event()
        self.release = threading.Event()

    def kiosks(self) -> list[KioskRecord]:
        self.entered.set()
        assert self.release.wait(timeout=30), "never released"
        return super().kiosks()


def test_a_slow_store_call_of_a_page_holds_up_no_other_request(tmp_path: Path) -> None:
    data_dir = tmp_path / "gateway"
    clock = FakeClock(MONDAY_MORNING)
    store = SlowKiosks(data_dir)
    console_store = open_console_store(data_dir)
    console_store.add_staff(username=ADMIN.username, full_name=ADMIN.full_name,
                            role=StaffRole.PROVINCE_ADMIN, unit_prefix="H15",
                            password_hash=password_hash(), now=clock.now())  # fmt: skip
    cookie = "session-of-the-test"
    console_store.create_session(token_sha256=token_digest(cookie), username=ADMIN.username,
                                 csrf_token="form-token", now=clock.now())  # noqa: S106  # fmt: skip
    app = create_console(store=store, console_store=console_store,
                         blobs=DirectoryBlobStore(data_dir),
                         settings=GatewaySettings(clock=clock.now))  # fmt: skip

    async def both() -> tuple[int, int, bool]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://console") as client:
            slow = asyncio.create_task(
                client.get("/kiosks", headers={"Cookie": f"__Host-dvc_console={cookie}"})
            )
            await asyncio.to_thread(store.entered.wait, 30)
            # The kiosks page is blocked in the store; another page is answered meanwhile.
            quick = await asyncio.wait_for(client.get("/login"), timeout=10)
            still_waiting = not slow.done()
            store.release.set()
            return quick.status_code, (await slow).status_code, still_waiting

    try:
        assert asyncio.run(both()) == (200, 200, True)
    finally:
        store.release.set()
        store.close()
        console_store.close()


def test_on_postgresql_codes_tokens_and_badges_work_the_same(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for gateway in running_console_gateway(tmp_path, pg_url):
        technician = signed_in(gateway, TECHNICIAN.username)
        _, page = issue_code(technician, KIOSK_NEW, COMMUNE_A)
        kiosk_enrol(qr_of(page), kiosk_config(tmp_path))
        listing = technician.get("/enrolment").text
        assert "Đã dùng" in listing

        confirm = technician.get(f"/kiosks/{KIOSK_A}/revoke")
        revoked = technician.post(
            f"/kiosks/{KIOSK_A}/revoke", {"csrf_token": token_on(confirm.text)}
        )
        assert revoked.status_code == 303
        assert heartbeat(gateway, KIOSK_A) == 401
        status, badge_page = issue_badge_form(technician, area=COMMUNE_B)
        assert status == 200
        key = load_keys(gateway.data_dir).signing.public_key()
        badge = verify_badge(qr_of(badge_page), key, now=gateway.clock.now(), kiosk_id=KIOSK_B,
                             unit_code=COMMUNE_B)  # fmt: skip
        assert badge.area == COMMUNE_B
        assert cli.main(["kiosks", "--data", str(gateway.data_dir)]) == 0
        assert f"{KIOSK_A}  {COMMUNE_A}  enabled  token revoked" in capsys.readouterr().out
        technician.close()
