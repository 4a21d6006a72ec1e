"""The console's catalog, calendar and USB import pages, over HTTP without a browser (the
browser's run is ``test_console_publishing_browser``): what each role may do, a stale form, an
invalid catalog refused with its reasons and nothing published, a publication reaching kiosks
by ETag and the gateway's own appointment dates, a conflict between two publishers, an import
with its outcome in the log whichever way it came, and a publication made through one replica
served by another on the same PostgreSQL database without a restart."""

from __future__ import annotations

import copy
import hashlib
import html
import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from export_kit import Exported, export_bytes
from gateway_testkit import Gateway, dossier_body
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from test_console_kit import (
    ADMIN,
    COMMUNE_A,
    CSRF_INPUT,
    KIOSK_A,
    STAFF_A,
    TECHNICIAN,
    ConsoleClient,
    ConsoleGateway,
    running_client,
    running_console_gateway,
)

from dvc_common.catalog import load_catalog
from dvc_common.workdays import WorkingCalendar, load_overrides
from gateway.app import create_app, enrol, import_exports, use_database
from gateway.console.publishing import FormRefusedError, read_streamed_form
from gateway.console.store import ConsoleAction, Outcome
from gateway.faults import FaultState
from gateway.imports import SYSTEM_ACTOR
from gateway.keys import load_keys
from gateway.publications import ImportChannel, ImportOutcome
from gateway.publications_sqlite import SqlitePublicationStore
from gateway.reference import MAX_DOCUMENT_BYTES, catalog_document
from gateway.server import BackgroundServer
from gateway.settings import MAX_BODY_BYTES, GatewaySettings
from offline_queue.transport import MAX_RESPONSE_BYTES

OTHER_DISTRICT = "H15.60.01.01"
KIOSK_FAR = "KIOSK09"  # in another district: outside the technician's units


@pytest.fixture
def console_gateway(tmp_path: Path) -> Iterator[ConsoleGateway]:
    yield from running_console_gateway(tmp_path)


@pytest.fixture
def client(console_gateway: ConsoleGateway) -> Iterator[ConsoleClient]:
    yield from running_client(console_gateway)


def signed_in(gateway: ConsoleGateway, username: str) -> ConsoleClient:
    client = gateway.client()
    assert client.login(username).status_code == 303
    return client


def changed_catalog() -> dict[str, Any]:
    """The bundled catalog with one procedure removed, one added and one changed."""
    document = catalog_document(load_catalog())
    procedures = document["procedures"]
    removed = procedures.pop()
    added = copy.deepcopy(procedures[0])
    added.update(code="1.999999", slug="xac_nhan_thu_nghiem", name="Thủ tục thử nghiệm mới")
    procedures.append(added)
    procedures[1]["processing_days"] = procedures[1]["processing_days"] + 2
    document["updated"] = "2026-12-01"
    document["removed_code"] = removed["code"]  # not a catalog field: taken out before upload
    return document


def upload_catalog(
    client: ConsoleClient, document: dict[str, Any], *, token: str | None = None
) -> requests.Response:
    token = token if token is not None else client.token_on("/catalog")
    body = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return client.request(
        "POST",
        "/catalog/upload",
        data={"csrf_token": token},
        files={"catalog": ("danh-muc-tinh.json", body, "application/json")},
    )


def confirm_form(page: str) -> dict[str, str]:
    """The hidden fields of the review's confirming form, as the browser would send them."""
    form = page[page.index('action="/console/catalog/publish"') :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))
    return {name: html.unescape(value) for name, value in fields.items()}


def publish_reviewed(client: ConsoleClient, page: str, note: str = "") -> requests.Response:
    fields = confirm_form(page)
    fields["note"] = note
    return client.request(
        "POST", "/catalog/publish", files={k: (None, v) for k, v in fields.items()}
    )


def kiosk_fetch(
    gateway: ConsoleGateway, path: str, etag: str | None = None, url: str | None = None
) -> requests.Response:
    headers = {"If-None-Match": etag} if etag else {}
    return gateway.kiosk(KIOSK_A).get(
        f"{url or gateway.url}/api/v1/{path}", headers=headers, timeout=10
    )


def audit_actions(gateway: ConsoleGateway) -> list[tuple[ConsoleAction, Outcome]]:
    entries = gateway.console_store.audit_entries(unit_prefix=None, limit=20)
    return [(e.action, e.outcome) for e in entries]


# --- roles ---------------------------------------------------------------------------------------


def test_commune_staff_are_refused_every_page_and_form(console_gateway: ConsoleGateway) -> None:
    client = signed_in(console_gateway, STAFF_A.username)
    for path in ("/catalog", "/calendar", "/imports", "/catalog/document"):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "không có quyền" in answer.text
    token = client.token_on("/dossiers")
    refused = upload_catalog(client, changed_catalog(), token=token)
    assert refused.status_code == 403
    day = client.post(
        "/calendar/days",
        {"csrf_token": token, "replaces": "", "action": "add", "kind": "day_off",
         "date": "2026-12-24", "reason": "Nghỉ thử"},
    )  # fmt: skip
    assert day.status_code == 403
    assert audit_actions(console_gateway)[:2] == [
        (ConsoleAction.PUBLISH_CALENDAR, Outcome.REFUSED),
        (ConsoleAction.PUBLISH_CATALOG, Outcome.REFUSED),
    ]
    publications = kiosk_fetch(console_gateway, "catalog").json()
    assert len(publications["procedures"]) == len(load_catalog())
    client.close()


def test_a_district_technician_imports_but_does_not_publish(
    console_gateway: ConsoleGateway,
) -> None:
    client = signed_in(console_gateway, TECHNICIAN.username)
    assert client.get("/imports").status_code == 200
    assert client.get("/catalog").status_code == 403
    assert client.get("/calendar").status_code == 403
    nav = client.get("/dossiers").text
    assert "Nhập từ USB" in nav and "Danh mục thủ tục" not in nav
    client.close()


def test_signed_out_visitors_are_sent_to_the_log_in_page(client: ConsoleClient) -> None:
    for path in ("/catalog", "/calendar", "/imports", "/imports/1"):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].endswith("/console/login")


# --- the catalog ---------------------------------------------------------------------------------


def test_a_catalog_is_reviewed_then_published_and_kiosks_fetch_it_by_etag(
    console_gateway: ConsoleGateway,
) -> None:
    before = kiosk_fetch(console_gateway, "catalog")
    old_etag = before.headers["etag"]
    client = signed_in(console_gateway, ADMIN.username)
    document = changed_catalog()
    removed = document.pop("removed_code")

    review = upload_catalog(client, document)
    assert review.status_code == 200, review.text
    text = review.text
    assert "Xem lại trước khi phát hành" in text
    added_part = text[text.index("Thêm mới") : text.index("Bỏ đi")]
    assert "1.999999" in added_part and "Thủ tục thử nghiệm mới" in added_part
    assert removed in text[text.index("Bỏ đi") : text.index("Sửa đổi")]
    changed_part = text[text.index("Sửa đổi") : text.index("</dl>", text.index("Sửa đổi"))]
    assert document["procedures"][1]["code"] in changed_part
    assert "thời hạn giải quyết" in changed_part
    # Reviewed, not published: the kiosks still get the catalog they had.
    assert kiosk_fetch(console_gateway, "catalog", old_etag).status_code == 304

    published = publish_reviewed(client, text, note="Danh mục tháng 12")
    assert published.status_code == 303, published.text
    assert published.headers["location"].endswith("/console/catalog?published=1")
    page = client.get("/catalog?published=1").text
    assert "Đã phát hành danh mục phiên bản 1" in page
    assert "Danh mục tháng 12" in page

    fetched = kiosk_fetch(console_gateway, "catalog", old_etag)
    assert fetched.status_code == 200
    codes = {p["code"] for p in fetched.json()["procedures"]}
    assert "1.999999" in codes and removed not in codes
    new_etag = fetched.headers["etag"]
    assert new_etag != old_etag and new_etag.strip('"') in page
    assert kiosk_fetch(console_gateway, "catalog", new_etag).status_code == 304
    action, outcome = audit_actions(console_gateway)[0]
    assert (action, outcome) == (ConsoleAction.PUBLISH_CATALOG, Outcome.SUCCESS)
    detail = console_gateway.console_store.audit_entries(unit_prefix=None, limit=1)[0].detail
    assert "thêm 1, bỏ 1, sửa 1" in detail

    # The gateway's intake follows too: a dossier of the new procedure is accepted.
    body = dossier_body([b"%PDF-1.7 page"], kiosk_id=KIOSK_A, procedure_code="1.999999",
                        receipt_number=f"{KIOSK_A}-261123-0042")  # fmt: skip
    created = console_gateway.kiosk(KIOSK_A).post(
        console_gateway.url + "/api/v1/dossiers", json=body,
        headers={"Idempotency-Key": body["client_uuid"]}, timeout=10,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    client.close()


def test_an_invalid_catalog_is_refused_with_its_reasons_and_nothing_is_published(
    console_gateway: ConsoleGateway,
) -> None:
    client = signed_in(console_gateway, ADMIN.username)
    document = catalog_document(load_catalog())
    first = document["procedures"][0]
    first["fee"]["amount_vnd"] = -5
    document["procedures"][1]["code"] = "abc"
    document["procedures"][2]["documentz"] = []

    answer = upload_catalog(client, document)

    assert answer.status_code == 422
    text = answer.text
    assert "Danh mục không hợp lệ, chưa được phát hành" in text
    assert f"procedures[{first['code']}].fee.amount_vnd" in text
    assert "phải lớn hơn hoặc bằng 0" in text
    assert "procedures[abc].code" in text and "không đúng định dạng" in text
    assert "documentz" in text and "không có trong mẫu danh mục" in text
    assert "Phát hành danh mục này" not in text
    assert audit_actions(console_gateway)[0] == (ConsoleAction.PUBLISH_CATALOG, Outcome.FAILURE)
    assert (
        kiosk_fetch(console_gateway, "catalog").json()["procedures"][0]["fee"]["amount_vnd"]
        == load_catalog().get(first["code"]).fee.amount_vnd
    )
    assert "Chưa phát hành lần nào" in client.get("/catalog").text

    broken = client.request(
        "POST", "/catalog/upload", data={"csrf_token": client.token_on("/catalog")},
        files={"catalog": ("x.json", b'{"schema_version": 1,\n  "procedures": [}', "text/plain")},
    )  # fmt: skip
    assert broken.status_code == 422
    assert "dòng 2, cột" in broken.text and "không phải JSON hợp lệ" in broken.text
    client.close()


def test_a_stale_form_publishes_nothing(console_gateway: ConsoleGateway) -> None:
    client = signed_in(console_gateway, ADMIN.username)
    document = changed_catalog()
    document.pop("removed_code")
    stale = upload_catalog(client, document, token="not-the-session-token")  # noqa: S106
    assert stale.status_code == 403
    assert "Biểu mẫu đã hết hạn" in stale.text
    review = upload_catalog(client, document).text
    fields = confirm_form(review)
    fields["csrf_token"] = "forged"
    forged = client.request(
        "POST", "/catalog/publish", files={k: (None, v) for k, v in fields.items()}
    )
    assert forged.status_code == 403
    day = client.post(
        "/calendar/days",
        {"csrf_token": "forged", "replaces": "", "action": "add", "kind": "day_off",
         "date": "2026-12-24", "reason": "Nghỉ thử"},
    )  # fmt: skip
    assert day.status_code == 403
    refused = [a for a in audit_actions(console_gateway) if a[0] is ConsoleAction.CSRF_REFUSED]
    assert len(refused) == 3
    assert "Chưa phát hành lần nào" in client.get("/catalog").text
    assert "Chưa phát hành lần nào" in client.get("/calendar").text
    client.close()


def test_a_document_other_than_the_reviewed_one_is_not_published(
    console_gateway: ConsoleGateway,
) -> None:
    client = signed_in(console_gateway, ADMIN.username)
    document = changed_catalog()
    document.pop("removed_code")
    review = upload_catalog(client, document).text
    fields = confirm_form(review)
    fields["document"] = fields["document"].replace("Thủ tục thử nghiệm mới", "Tên đã bị sửa")
    swapped = client.request(
        "POST", "/catalog/publish", files={k: (None, v) for k, v in fields.items()}
    )
    assert swapped.status_code == 409
    assert "Chưa phát hành lần nào" in client.get("/catalog").text
    client.close()


def test_a_second_publisher_over_the_same_version_is_refused_and_reviews_again(
    console_gateway: ConsoleGateway,
) -> None:
    first, second = (signed_in(console_gateway, ADMIN.username) for _ in range(2))
    document = changed_catalog()
    document.pop("removed_code")
    other = copy.deepcopy(document)
    other["procedures"][0]["summary"] = "Một câu tóm tắt khác cho thủ tục này."
    review_one = upload_catalog(first, document).text
    review_two = upload_catalog(second, other).text
    assert publish_reviewed(first, review_one).status_code == 303
    late = publish_reviewed(second, review_two)
    assert late.status_code == 409
    assert "vừa được người khác phát hành" in late.text
    # Reviewed again against version 1: only the summary differs now.
    assert "(phiên bản 1)" in late.text
    assert publish_reviewed(second, late.text).status_code == 303
    assert (
        console_gateway.kiosk(KIOSK_A)
        .get(console_gateway.url + "/api/v1/catalog", timeout=10)
        .json()["procedures"][0]["summary"]
        == "Một câu tóm tắt khác cho thủ tục này."
    )
    first.close()
    second.close()


def test_an_earlier_version_is_published_again_after_a_review(
    console_gateway: ConsoleGateway,
) -> None:
    client = signed_in(console_gateway, ADMIN.username)
    document = changed_catalog()
    document.pop("removed_code")
    assert publish_reviewed(client, upload_catalog(client, document).text).status_code == 303
    original = catalog_document(load_catalog())
    assert publish_reviewed(client, upload_catalog(client, original).text).status_code == 303
    v1 = kiosk_fetch(console_gateway, "catalog")
    review = client.get("/catalog/versions/1")
    assert review.status_code == 200
    assert "1.999999" in review.text[review.text.index("Thêm mới") :]
    assert publish_reviewed(client, review.text).status_code == 303
    again = kiosk_fetch(console_gateway, "catalog", v1.headers["etag"])
    assert again.status_code == 200
    assert "1.999999" in {p["code"] for p in again.json()["procedures"]}
    page = client.get("/catalog").text
    assert "Đang áp dụng" in page and "Phát hành lại phiên bản 1" in page
    assert client.get("/catalog/versions/99").status_code == 404
    client.close()


# --- the calendar --------------------------------------------------------------------------------


def add_day(
    client: ConsoleClient, day: str, reason: str, kind: str = "day_off"
) -> requests.Response:
    page = client.get("/calendar").text
    token = CSRF_INPUT.search(page)
    assert token is not None
    replaces = re.search(r'name="replaces" value="([0-9]*)"', page)
    assert replaces is not None
    return client.post(
        "/calendar/days",
        {"csrf_token": token.group(1), "replaces": replaces.group(1), "action": "add",
         "kind": kind, "date": day, "reason": reason},
    )  # fmt: skip


def test_a_day_off_is_published_kiosks_fetch_it_and_appointments_count_it(
    console_gateway: ConsoleGateway,
) -> None:
    before = kiosk_fetch(console_gateway, "calendar/overrides")
    # The kit's dossiers are received on Monday 23 November 2026 at 9:00.
    sent = console_gateway.send_dossier(KIOSK_A, 1, pages=1)
    assert console_gateway.status_lookup(KIOSK_A, sent.dossier_code)[
        "expected_return_date"
    ] == _due_without_day_off(console_gateway)
    client = signed_in(console_gateway, ADMIN.username)

    added = add_day(client, "2026-11-23", "Nghỉ đột xuất theo quyết định của UBND tỉnh")

    assert added.status_code == 303, added.text
    page = client.get("/calendar?published=1").text
    assert "Đã phát hành lịch phiên bản 1" in page
    assert "23/11/2026" in page and "Thứ Hai" in page
    fetched = kiosk_fetch(console_gateway, "calendar/overrides", before.headers["etag"])
    assert fetched.status_code == 200
    assert fetched.json()["day_off"] == [
        {"date": "2026-11-23", "reason": "Nghỉ đột xuất theo quyết định của UBND tỉnh"}
    ]
    assert (
        kiosk_fetch(console_gateway, "calendar/overrides", fetched.headers["etag"]).status_code
        == 304
    )
    # The gateway's own calendar follows: a dossier received on the day off counts from the
    # next working day.
    later = console_gateway.send_dossier(KIOSK_A, 2, pages=1)
    due = console_gateway.status_lookup(KIOSK_A, later.dossier_code)["expected_return_date"]
    assert date.fromisoformat(due) > date.fromisoformat(_due_without_day_off(console_gateway))
    assert audit_actions(console_gateway)[0] == (ConsoleAction.PUBLISH_CALENDAR, Outcome.SUCCESS)

    # Removed again: version 2, the kiosks' list empty.
    page = client.get("/calendar").text
    form = page[page.index('id="day-2026-11-23"') :]
    token = CSRF_INPUT.search(form)
    assert token is not None
    removed = client.post(
        "/calendar/days",
        {"csrf_token": token.group(1), "replaces": "1", "action": "remove",
         "kind": "day_off", "date": "2026-11-23"},
    )  # fmt: skip
    assert removed.status_code == 303
    assert kiosk_fetch(console_gateway, "calendar/overrides").json()["day_off"] == []
    client.close()


def _due_without_day_off(gateway: ConsoleGateway) -> str:
    procedure = load_catalog().get(dossier_body([b"x"])["procedure_code"])
    return (
        WorkingCalendar(load_overrides())
        .due_date(gateway.clock.now(), procedure.processing_days, procedure.cutoff)
        .isoformat()
    )


def test_calendar_edits_are_validated_and_conflicts_refused(
    console_gateway: ConsoleGateway,
) -> None:
    client = signed_in(console_gateway, ADMIN.username)
    assert add_day(client, "2026-12-24", "Nghỉ lễ của tỉnh").status_code == 303
    twice = add_day(client, "2026-12-24", "Làm bù", kind="working_day")
    assert twice.status_code == 422
    assert "24/12/2026 đã có trong danh sách day_off" in twice.text
    blank = add_day(client, "2026-12-28", "   ")
    assert blank.status_code == 422 and "cần ghi lý do" in blank.text
    no_date = add_day(client, "", "Lý do")
    assert no_date.status_code == 400
    # A page shown before another publication: its edit is refused, not merged blindly.
    token = CSRF_INPUT.search(client.get("/calendar").text)
    assert token is not None
    stale = client.post(
        "/calendar/days",
        {"csrf_token": token.group(1), "replaces": "", "action": "add", "kind": "day_off",
         "date": "2026-12-31", "reason": "Nghỉ cuối năm"},
    )  # fmt: skip
    assert stale.status_code == 409 and "vừa được người khác cập nhật" in stale.text
    assert kiosk_fetch(console_gateway, "calendar/overrides").json()["day_off"] == [
        {"date": "2026-12-24", "reason": "Nghỉ lễ của tỉnh"}
    ]
    client.close()


# --- USB imports ---------------------------------------------------------------------------------


def make_export(gateway: ConsoleGateway, path: Path, kiosk_id: str = KIOSK_A) -> Path:
    files = [b"%PDF-1.7 trang mot", b"%PDF-1.7 trang hai"]
    ok = Exported(dossier_body(files, kiosk_id=kiosk_id,
                               receipt_number=f"{kiosk_id}-261123-0101"), files)  # fmt: skip
    bad_files = [b"%PDF-1.7 hong"]
    # Its file's bytes are not the ones its body declares: this dossier alone is refused.
    bad_body = dossier_body(bad_files, kiosk_id=kiosk_id, receipt_number=f"{kiosk_id}-261123-0102")
    bad = Exported(bad_body, [b"%PDF-1.7 khac"])
    recipient = load_keys(gateway.data_dir).sealing.public_key()
    path.write_bytes(export_bytes(recipient, [ok, bad], kiosk_id=kiosk_id))
    return path


def upload_export(client: ConsoleClient, path: Path, token: str | None = None) -> requests.Response:
    token = token if token is not None else client.token_on("/imports")
    with path.open("rb") as handle:
        return client.request(
            "POST", "/imports", data={"csrf_token": token},
            files={"export": (path.name, handle, "application/octet-stream")},
        )  # fmt: skip


def test_an_import_through_the_page_shows_each_dossiers_outcome_and_is_logged(
    console_gateway: ConsoleGateway, tmp_path: Path
) -> None:
    export = make_export(console_gateway, tmp_path / "KIOSK01-20261123-100000.dvcexport")
    client = signed_in(console_gateway, TECHNICIAN.username)

    answer = upload_export(client, export)

    assert answer.status_code == 303, answer.text
    page = client.get(answer.headers["location"].removeprefix("/console")).text
    assert "Đã nhập xong tệp KIOSK01-20261123-100000.dvcexport" in page
    assert "1 đã nhập · 0 đã có từ trước · " in page
    assert f"{KIOSK_A}-261123-0101" in page and "Đã nhập" in page
    assert f"{KIOSK_A}-261123-0102" in page and "Bị từ chối" in page
    assert hashlib.sha256(export.read_bytes()).hexdigest() in page
    assert audit_actions(console_gateway)[0] == (ConsoleAction.IMPORT_USB, Outcome.SUCCESS)
    # The same file again: already present, nothing stored twice.
    again = upload_export(client, export)
    assert again.status_code == 303
    assert (
        "0 đã nhập · 1 đã có từ trước"
        in client.get(again.headers["location"].removeprefix("/console")).text
    )
    listing = client.get("/imports").text
    assert listing.count("KIOSK01-20261123-100000.dvcexport") == 2
    assert not [p for p in (console_gateway.data_dir / "imports").rglob("*") if p.is_file()]
    client.close()


def test_an_import_from_another_district_is_refused_for_a_technician(
    console_gateway: ConsoleGateway, tmp_path: Path
) -> None:
    enrol(console_gateway.data_dir, KIOSK_FAR, unit_code=OTHER_DISTRICT)
    export = make_export(console_gateway, tmp_path / "far.dvcexport", kiosk_id=KIOSK_FAR)
    technician = signed_in(console_gateway, TECHNICIAN.username)
    refused = upload_export(technician, export)
    assert refused.status_code == 403
    assert "không thuộc đơn vị của bạn" in refused.text
    assert audit_actions(console_gateway)[0] == (ConsoleAction.IMPORT_USB, Outcome.REFUSED)
    admin = signed_in(console_gateway, ADMIN.username)
    assert upload_export(admin, export).status_code == 303
    # The admin's import is not in the technician's list; the technician's refusal is.
    listing = technician.get("/imports").text
    assert listing.count("far.dvcexport") == 1 and "Cả tệp bị từ chối" in listing
    assert admin.get("/imports").text.count("far.dvcexport") == 2
    admin_import = re.findall(r'href="/console/imports/([0-9]+)"', admin.get("/imports").text)[0]
    assert technician.get(f"/imports/{admin_import}").status_code == 404
    technician.close()
    admin.close()


def test_a_stale_form_or_a_damaged_file_imports_nothing(
    console_gateway: ConsoleGateway, tmp_path: Path
) -> None:
    export = make_export(console_gateway, tmp_path / "k.dvcexport")
    client = signed_in(console_gateway, ADMIN.username)
    assert upload_export(client, export, token="stale").status_code == 403  # noqa: S106
    damaged = tmp_path / "damaged.dvcexport"
    data = bytearray(export.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    answer = upload_export(client, damaged)
    assert answer.status_code == 400
    assert "không hồ sơ nào được lưu" in answer.text
    listing = client.get("/imports").text
    assert "damaged.dvcexport" in listing and "k.dvcexport" not in listing
    assert not [p for p in (console_gateway.data_dir / "imports").rglob("*") if p.is_file()]
    client.close()


def test_an_import_by_the_command_is_in_the_pages_log(
    console_gateway: ConsoleGateway, tmp_path: Path
) -> None:
    export = make_export(console_gateway, tmp_path / "by-command.dvcexport")
    settings = GatewaySettings(unit_code=COMMUNE_A, clock=console_gateway.clock.now)
    [report] = import_exports(console_gateway.data_dir, settings, [export])
    assert not isinstance(report, Exception)
    assert report.count(ImportOutcome.IMPORTED) == 1
    client = signed_in(console_gateway, ADMIN.username)
    listing = client.get("/imports").text
    assert "by-command.dvcexport" in listing and "Lệnh trên máy chủ" in listing
    client.close()


# --- replicas ------------------------------------------------------------------------------------


def test_a_publication_through_one_replica_is_served_by_another_without_a_restart(
    tmp_path: Path, pg_url: str
) -> None:
    (tmp_path / "one").mkdir()
    for first in running_console_gateway(tmp_path / "one", pg_url):
        second_dir = tmp_path / "two"
        second_dir.mkdir()
        use_database(second_dir, pg_url)
        settings = GatewaySettings(unit_code=COMMUNE_A, clock=first.clock.now)
        with BackgroundServer(create_app(second_dir, settings, FaultState())) as second:
            before = kiosk_fetch(first, "catalog", url=second.url)
            assert before.status_code == 200
            client = signed_in(first, ADMIN.username)
            document = changed_catalog()
            document.pop("removed_code")
            assert (
                publish_reviewed(client, upload_catalog(client, document).text).status_code == 303
            )
            assert add_day(client, "2026-12-24", "Nghỉ lễ của tỉnh").status_code == 303
            fetched = kiosk_fetch(first, "catalog", before.headers["etag"], url=second.url)
            assert fetched.status_code == 200
            assert "1.999999" in {p["code"] for p in fetched.json()["procedures"]}
            again = kiosk_fetch(first, "catalog", fetched.headers["etag"], url=first.url)
            assert again.status_code == 304  # the same bytes and tag on every replica
            days = kiosk_fetch(first, "calendar/overrides", url=second.url).json()["day_off"]
            assert days == [{"date": "2026-12-24", "reason": "Nghỉ lễ của tỉnh"}]
            client.close()


# --- the streamed form ---------------------------------------------------------------------------


def _form_app(tmp_path: Path) -> Starlette:
    async def endpoint(request: Request) -> Response:
        target = tmp_path / "received.bin"
        target.unlink(missing_ok=True)
        try:
            form = await read_streamed_form(
                request, limit=100_000, file_field="export", target=target,
                gate=lambda fields: fields.get("csrf_token") == "right",
            )  # fmt: skip
        except FormRefusedError as exc:
            return PlainTextResponse(exc.problem.value, status_code=400)
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        return PlainTextResponse(f"{form.file_name} {form.file_size} {digest} {form.fields}")

    return Starlette(routes=[Route("/", endpoint, methods=["POST"])])


def _multipart(token: str, data: bytes, boundary: str = "b0undary") -> Iterator[bytes]:
    """A multipart body sent in pieces, without a declared length (chunked)."""
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="export"; filename="k.dvcexport"'
        "\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    for start in range(0, len(data), 8192):
        yield data[start : start + 8192]
    yield f"\r\n--{boundary}--\r\n".encode()


def test_a_streamed_form_is_bounded_and_keeps_no_file_byte_before_its_token(
    tmp_path: Path,
) -> None:
    data = bytes(range(256)) * 300  # 76,800 bytes
    chunked = {"Content-Type": "multipart/form-data; boundary=b0undary"}
    with BackgroundServer(_form_app(tmp_path)) as server:
        ok = requests.post(server.url, data=_multipart("right", data), headers=chunked, timeout=10)
        assert ok.status_code == 200, ok.text
        assert ok.text == (
            f"k.dvcexport {len(data)} {hashlib.sha256(data).hexdigest()} {{'csrf_token': 'right'}}"
        )
        stale = requests.post(server.url, data=_multipart("wrong", data), headers=chunked,
                              timeout=10)  # fmt: skip
        assert (stale.status_code, stale.text) == (400, "refused")
        assert not (tmp_path / "received.bin").exists()
        big = data + data
        over = requests.post(server.url, data=_multipart("right", big), headers=chunked,
                             timeout=10)  # fmt: skip
        assert (over.status_code, over.text) == (400, "too_large")
        declared = requests.post(
            server.url, files={"export": ("k", big)}, data={"csrf_token": "right"}, timeout=10
        )
        assert (declared.status_code, declared.text) == (400, "too_large")
        plain = requests.post(server.url, data={"csrf_token": "right"}, timeout=10)
        assert (plain.status_code, plain.text) == (400, "malformed")


def _catalog_of(count: int) -> dict[str, Any]:
    document = catalog_document(load_catalog())
    model = document["procedures"][0]
    for n in range(count):
        extra = copy.deepcopy(model)
        extra.update(code=f"1.9{n:05d}", slug=f"thu_tuc_them_{n}", name=f"Thủ tục thêm số {n}")
        document["procedures"].append(extra)
    return document


def test_a_catalog_larger_than_a_json_body_is_published_and_one_too_large_for_kiosks_is_not(
    console_gateway: ConsoleGateway,
) -> None:
    client = signed_in(console_gateway, ADMIN.username)
    # Some 450 KB: past the gateway's JSON body limit, which the console's uploads are exempt
    # from (they bound themselves), and within what a kiosk downloads.
    large = _catalog_of(60)
    review = upload_catalog(client, large)
    assert review.status_code == 200, review.text
    assert len(confirm_form(review.text)["document"].encode()) > MAX_BODY_BYTES
    assert publish_reviewed(client, review.text).status_code == 303
    fetched = kiosk_fetch(console_gateway, "catalog")
    assert len(fetched.json()["procedures"]) == len(load_catalog()) + 60
    assert len(fetched.content) <= MAX_RESPONSE_BYTES
    # Past what a kiosk accepts in one answer: refused, saying so.
    too_large = upload_catalog(client, _catalog_of(200))
    assert too_large.status_code == 422
    assert "quá lớn để kiosk tải về" in too_large.text
    assert MAX_DOCUMENT_BYTES == MAX_RESPONSE_BYTES
    client.close()


def test_an_import_through_the_administrators_api_is_logged_with_its_file_name(
    make_gateway: Callable[..., Gateway], tmp_path: Path
) -> None:
    token = "administrator-" + "t" * 40
    gateway = make_gateway(admin_token=token)
    files = [b"%PDF-1.7 qua API"]
    data = export_bytes(
        load_keys(gateway.data_dir).sealing.public_key(), [Exported(dossier_body(files), files)]
    )
    answer = gateway.anonymous().post(
        gateway.url + "/api/v1/imports", data=data, timeout=30,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream",
                 "Content-Disposition": 'attachment; filename="KIOSK01-20261123.dvcexport"'},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert "import_id" not in answer.json()  # the protocol's answer is unchanged
    with SqlitePublicationStore(gateway.data_dir) as records:
        [record] = records.imports(unit_prefix=None)
    assert (record.channel, record.actor, record.file_name) == (
        ImportChannel.API, SYSTEM_ACTOR, "KIOSK01-20261123.dvcexport",
    )  # fmt: skip
    assert record.sha256 == hashlib.sha256(data).hexdigest() and record.size == len(data)
    assert record.count(ImportOutcome.IMPORTED) == 1
