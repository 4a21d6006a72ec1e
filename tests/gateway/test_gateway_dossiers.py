"""Dossiers at the gateway: idempotent creation, finalizing with official codes, status lookup,
ratings and appointment dates."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from gateway_testkit import (
    KIOSK,
    MONDAY_MORNING,
    UNIT_CODE,
    Gateway,
    dossier_body,
)

from dvc_common.catalog import load_catalog
from dvc_common.clock import VIETNAM, FakeClock
from dvc_common.workdays import WorkingCalendar, load_overrides
from gateway.app import create_app
from gateway.blobs import DirectoryBlobStore
from gateway.faults import FaultState
from gateway.server import BackgroundServer
from gateway.settings import GatewaySettings

PAGE = b"%PDF-1.7\n" + bytes(range(256)) * 40
PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 3000
CODE = re.compile(r"^H15\.50\.05\.13-[0-9]{6}-[0-9]{4}$")


def problem_type(response: requests.Response) -> str:
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == response.status_code
    assert body["title"] and body["detail"]
    kind: str = body["type"].removeprefix("https://kiosk.example/problems/")
    return kind


# --- idempotent creation -------------------------------------------------------------------------


def test_a_repeated_create_returns_the_same_dossier(gateway: Gateway) -> None:
    body = dossier_body([PAGE, PHOTO])
    first = gateway.create_dossier(body)
    again = gateway.create_dossier(body)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    created = first.json()
    assert created["dossier_id"].startswith("d_")
    assert created["client_uuid"] == body["client_uuid"]
    assert created["status"] == "awaiting_files"
    assert created["dossier_code"] is None and created["appointment_date"] is None
    assert [(f["name"], f["size"], f["complete"]) for f in created["files"]] == [
        ("birth_certificate-1.pdf", len(PAGE), False),
        ("birth_certificate-2.pdf", len(PHOTO), False),
    ]
    assert len(gateway.db.all_dossiers()) == 1


def test_key_order_and_whitespace_do_not_make_a_different_body(gateway: Gateway) -> None:
    body = dossier_body([PAGE])
    first = gateway.create_dossier(body)
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=4, ensure_ascii=True)
    again = gateway.api(
        "POST",
        "/api/v1/dossiers",
        data=reordered.encode(),
        headers={
            "Idempotency-Key": body["client_uuid"].upper(),
            "Content-Type": "application/json",
        },
    )
    assert again.status_code == 200
    assert again.json()["dossier_id"] == first.json()["dossier_id"]


def test_the_same_key_with_a_different_body_is_a_conflict(gateway: Gateway) -> None:
    body = dossier_body([PAGE])
    assert gateway.create_dossier(body).status_code == 201
    changed = {**body, "form": {**body["form"], "phone": "0987654321"}}

    answer = gateway.create_dossier(changed)

    assert answer.status_code == 409
    assert problem_type(answer) == "idempotency-conflict"


def test_another_kiosk_reusing_a_key_is_a_conflict(gateway: Gateway) -> None:
    body = dossier_body([PAGE])
    assert gateway.create_dossier(body).status_code == 201
    other = gateway.as_kiosk(gateway.other_token).post(
        f"{gateway.url}/api/v1/dossiers",
        json=body,
        headers={"Idempotency-Key": body["client_uuid"]},
        timeout=10,
    )
    assert other.status_code == 409


@pytest.mark.parametrize(
    ("headers", "field"),
    [({}, "Idempotency-Key"), ({"Idempotency-Key": "not-a-uuid"}, "Idempotency-Key")],
)
def test_a_missing_or_malformed_key_is_refused(
    gateway: Gateway, headers: dict[str, str], field: str
) -> None:
    answer = gateway.api("POST", "/api/v1/dossiers", json=dossier_body([PAGE]), headers=headers)
    assert answer.status_code == 400
    assert problem_type(answer) == "invalid-header"
    assert [e["field"] for e in answer.json()["errors"]] == [field]


@pytest.mark.parametrize(
    ("change", "field", "kind"),
    [
        ({"kiosk_id": "KIOSK02"}, "kiosk_id", "invalid-body"),
        ({"procedure_code": "9.999999"}, "procedure_code", "unknown-procedure"),
    ],
)
def test_rules_beyond_the_schema_are_checked(
    gateway: Gateway, change: dict[str, str], field: str, kind: str
) -> None:
    answer = gateway.create_dossier({**dossier_body([PAGE]), **change})
    assert answer.status_code == 400
    assert problem_type(answer) == kind
    assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_an_unknown_procedure_among_other_problems_is_an_invalid_body(gateway: Gateway) -> None:
    answer = gateway.create_dossier(
        {**dossier_body([PAGE]), "kiosk_id": "KIOSK02", "procedure_code": "9.999999"}
    )
    assert answer.status_code == 400
    assert problem_type(answer) == "invalid-body"
    assert [e["field"] for e in answer.json()["errors"]] == ["kiosk_id", "procedure_code"]


def test_the_body_uuid_must_be_the_key(gateway: Gateway) -> None:
    answer = gateway.api(
        "POST",
        "/api/v1/dossiers",
        json=dossier_body([PAGE]),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["client_uuid"]


def test_invalid_fields_are_listed_without_their_values(gateway: Gateway) -> None:
    body = dossier_body([PAGE])
    body["applicant"]["id_number"] = "12345"
    body["documents"][0]["files"][0]["sha256"] = "XYZ"
    del body["due_date"]

    answer = gateway.create_dossier(body)

    assert answer.status_code == 400
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"applicant.id_number", "documents.0.files.0.sha256", "due_date"}
    assert "12345" not in answer.text


def test_a_receipt_number_belongs_to_one_dossier(gateway: Gateway) -> None:
    assert gateway.create_dossier(dossier_body([PAGE])).status_code == 201
    answer = gateway.create_dossier(dossier_body([PHOTO]))
    assert answer.status_code == 409
    assert problem_type(answer) == "receipt-number-taken"
    assert answer.json()["errors"][0]["field"] == "receipt_number"


def test_a_body_that_is_not_json_is_refused(gateway: Gateway) -> None:
    answer = gateway.api(
        "POST",
        "/api/v1/dossiers",
        data=b"{not json",
        headers={"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert problem_type(answer) == "invalid-body"


def test_a_body_of_another_type_is_refused(gateway: Gateway) -> None:
    answer = gateway.api(
        "POST",
        "/api/v1/dossiers",
        data=b"a=b",
        headers={
            "Idempotency-Key": str(uuid.uuid4()),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert answer.status_code == 415
    assert problem_type(answer) == "unsupported-media-type"


def test_bodies_over_256_kib_are_refused(gateway: Gateway) -> None:
    body = dossier_body([PAGE])
    body["form"]["note"] = "x" * 100
    big = json.dumps(body).encode() + b" " * (256 * 1024)
    headers = {"Idempotency-Key": body["client_uuid"], "Content-Type": "application/json"}

    declared = gateway.api("POST", "/api/v1/dossiers", data=big, headers=headers)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 16 * 1024):
            yield big[start : start + 16 * 1024]

    streamed = gateway.api("POST", "/api/v1/dossiers", data=chunks(), headers=headers)

    assert (declared.status_code, streamed.status_code) == (413, 413)
    assert problem_type(declared) == problem_type(streamed) == "too-large"
    assert gateway.db.all_dossiers() == []


def test_a_dossier_is_visible_to_its_kiosk_only(gateway: Gateway) -> None:
    created = gateway.create_dossier(dossier_body([PAGE])).json()
    path = f"/api/v1/dossiers/{created['dossier_id']}"

    own = gateway.api("GET", path)
    other = gateway.as_kiosk(gateway.other_token).get(gateway.url + path, timeout=10)
    unknown = gateway.api("GET", "/api/v1/dossiers/d_doesnotexist0")

    assert own.status_code == 200 and own.json() == created
    assert other.status_code == 404 and problem_type(other) == "not-found"
    assert unknown.status_code == 404


# --- uploading and finalizing --------------------------------------------------------------------


def test_a_whole_dossier_goes_through(gateway: Gateway) -> None:
    body = dossier_body([PAGE, PHOTO])
    dossier = gateway.create_dossier(body).json()
    dossier_id = dossier["dossier_id"]
    first, second = dossier["files"]

    # The first file in two requests, checking the offset in between.
    created = gateway.create_upload(len(PAGE), dossier_id=dossier_id, file_id=first["file_id"])
    location = created.headers["Location"]
    half = len(PAGE) // 2
    assert gateway.patch(location, 0, PAGE[:half]).headers["Upload-Offset"] == str(half)
    assert gateway.head(location).headers["Upload-Offset"] == str(half)
    early = gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/finalize")
    assert early.status_code == 409
    assert problem_type(early) == "files-incomplete"
    assert [e["field"] for e in early.json()["errors"]] == [first["file_id"], second["file_id"]]
    assert gateway.patch(location, half, PAGE[half:]).headers["Upload-Offset"] == str(len(PAGE))
    gateway.upload_dossier_file(dossier_id, second["file_id"], PHOTO)

    state = gateway.api("GET", f"/api/v1/dossiers/{dossier_id}").json()
    assert [f["complete"] for f in state["files"]] == [True, True]
    assert state["files"][0]["upload_url"] == location

    finalized = gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/finalize")
    assert finalized.status_code == 200
    result = finalized.json()
    assert CODE.match(result["dossier_code"])
    assert result["dossier_code"] == f"{UNIT_CODE}-261123-0001"
    assert result["status"] == "received"
    assert result["appointment_date"] == "2026-11-23"  # same-day procedure, before 15:00
    assert datetime.fromisoformat(result["received_at"]) == MONDAY_MORNING

    gateway.clock.advance(3600)
    assert gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/finalize").json() == result
    after = gateway.api("GET", f"/api/v1/dossiers/{dossier_id}").json()
    assert after["status"] == "received"
    assert after["dossier_code"] == result["dossier_code"]
    assert after["appointment_date"] == result["appointment_date"]

    blobs = DirectoryBlobStore(gateway.data_dir)
    stored = [blobs.locate(f.stored_path or "") for f in gateway.db.files(dossier_id)]
    assert sorted(p.read_bytes() for p in stored) == sorted([PAGE, PHOTO])


def test_a_kiosk_s_dossiers_are_numbered_in_its_commune(gateway: Gateway) -> None:
    assert gateway.db.set_kiosk_unit(KIOSK, "H15.50.07.01")
    first = gateway.submit([PAGE], receipt_number="KIOSK01-261123-0001")
    second = gateway.submit([PHOTO], receipt_number="KIOSK01-261123-0002")
    assert gateway.db.set_kiosk_unit(KIOSK, None)  # a kiosk nobody placed: the gateway's unit
    third = gateway.submit([PAGE + PHOTO], receipt_number="KIOSK01-261123-0003")

    assert [first["dossier_code"], second["dossier_code"]] == [
        "H15.50.07.01-261123-0001", "H15.50.07.01-261123-0002"]  # fmt: skip
    assert third["dossier_code"].startswith(f"{UNIT_CODE}-261123-")


def test_status_is_found_by_official_code_and_by_receipt_number(gateway: Gateway) -> None:
    result = gateway.submit([PAGE], receipt_number="KIOSK01-261123-0042")

    by_code = gateway.api("GET", f"/api/v1/status/{result['dossier_code']}")
    by_receipt = gateway.api("GET", "/api/v1/status/KIOSK01-261123-0042")

    assert by_code.status_code == by_receipt.status_code == 200
    assert by_code.json() == by_receipt.json()
    status = by_code.json()
    assert status == {
        "dossier_code": result["dossier_code"],
        "receipt_number": "KIOSK01-261123-0042",
        "procedure_code": "1.001193",
        "status": "received",
        "history": [
            {
                "at": MONDAY_MORNING.isoformat(),
                "status": "received",
                "note": "Tiếp nhận hồ sơ từ kiosk KIOSK01",
            }
        ],
        "expected_return_date": "2026-11-23",
    }
    assert "001158000123" not in by_code.text and "MẪU" not in by_code.text
    # Any kiosk may look a dossier up: the citizen may ask at another one.
    other = gateway.as_kiosk(gateway.other_token)
    assert other.get(f"{gateway.url}/api/v1/status/{result['dossier_code']}", timeout=10).ok


def test_status_history_follows_the_back_office(gateway: Gateway) -> None:
    code = gateway.submit([PAGE])["dossier_code"]
    gateway.clock.advance(7200)
    changed = gateway.anonymous().post(
        f"{gateway.url}/_admin/status/{code}",
        json={"status": "ready", "note": "Đã có kết quả"},
        timeout=10,
    )
    assert changed.status_code == 204

    status = gateway.api("GET", f"/api/v1/status/{code}").json()
    assert status["status"] == "ready"
    assert [(h["status"], h["note"]) for h in status["history"]] == [
        ("received", "Tiếp nhận hồ sơ từ kiosk KIOSK01"),
        ("ready", "Đã có kết quả"),
    ]


def test_unknown_and_unfinalized_dossiers_have_no_status(gateway: Gateway) -> None:
    body = dossier_body([PAGE], receipt_number="KIOSK01-261123-0007")
    assert gateway.create_dossier(body).status_code == 201
    for code in ("KIOSK01-261123-0007", f"{UNIT_CODE}-261123-0001", "nothing"):
        answer = gateway.api("GET", f"/api/v1/status/{code}")
        assert answer.status_code == 404
        assert problem_type(answer) == "not-found"


def test_a_dossier_without_files_finalizes_at_once(gateway: Gateway) -> None:
    created = gateway.create_dossier(dossier_body([])).json()
    assert created["files"] == []
    answer = gateway.api("POST", f"/api/v1/dossiers/{created['dossier_id']}/finalize")
    assert answer.status_code == 200


def test_finalizing_another_kiosks_dossier_is_not_found(gateway: Gateway) -> None:
    created = gateway.create_dossier(dossier_body([])).json()
    other = gateway.as_kiosk(gateway.other_token).post(
        f"{gateway.url}/api/v1/dossiers/{created['dossier_id']}/finalize", timeout=10
    )
    assert other.status_code == 404


def test_official_codes_count_per_day_and_survive_a_restart(
    make_gateway: Callable[..., Gateway], tmp_path: Path
) -> None:
    gateway = make_gateway()

    def submit(n: int) -> str:
        code: str = gateway.submit([PAGE], receipt_number=f"KIOSK01-261123-{n:04d}")["dossier_code"]
        return code

    assert [submit(1), submit(2)] == [f"{UNIT_CODE}-261123-0001", f"{UNIT_CODE}-261123-0002"]
    gateway.clock.advance(24 * 3600)
    assert submit(3) == f"{UNIT_CODE}-261124-0001"

    # A new server on the same data carries on where the last one stopped.
    settings = GatewaySettings(unit_code=UNIT_CODE, clock=gateway.clock.now)
    app = create_app(gateway.data_dir, settings, FaultState())
    with BackgroundServer(app) as restarted:
        gateway.url = restarted.url
        assert submit(4) == f"{UNIT_CODE}-261124-0002"


def test_the_code_takes_the_gateways_day_in_vietnam(make_gateway: Callable[..., Gateway]) -> None:
    # 23:00 UTC on Monday is 06:00 on Tuesday in Vietnam.
    clock = FakeClock(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
    gateway = make_gateway(clock=clock.now)

    result = gateway.submit([PAGE])

    assert result["dossier_code"] == f"{UNIT_CODE}-261124-0001"
    # The appointment counts from when the citizen handed the dossier in at the kiosk.
    assert result["appointment_date"] == "2026-11-23"


# --- appointment dates ---------------------------------------------------------------------------


def test_appointment_dates_come_from_the_working_calendar(gateway: Gateway) -> None:
    calendar = WorkingCalendar(load_overrides())
    catalog = load_catalog()
    three_days = next(p for p in catalog if p.processing_days == 3)
    received = datetime(2026, 11, 23, 9, 0, tzinfo=VIETNAM)

    result = gateway.submit([PAGE], procedure_code=three_days.code)

    expected = calendar.due_date(received, three_days.processing_days, three_days.cutoff)
    # Tuesday 24 November is Vietnamese Culture Day, a public holiday.
    assert result["appointment_date"] == expected.isoformat() == "2026-11-27"


def test_after_the_cut_off_a_same_day_procedure_is_due_the_next_working_day(
    gateway: Gateway,
) -> None:
    result = gateway.submit([PAGE], received_at="2026-11-27T16:00:00+07:00")  # a Friday
    assert result["appointment_date"] == "2026-11-30"  # the Monday after


def test_calendar_overrides_from_the_settings_move_appointments(
    make_gateway: Callable[..., Gateway], tmp_path: Path
) -> None:
    overrides = tmp_path / "overrides.toml"
    overrides.write_text(
        'schema_version = 1\n[[day_off]]\ndate = 2026-11-26\nreason = "Nghỉ bù"\n',
        encoding="utf-8",
    )
    gateway = make_gateway(calendar_overrides=overrides)
    three_days = next(p for p in load_catalog() if p.processing_days == 3)

    result = gateway.submit([PAGE], procedure_code=three_days.code)

    assert result["appointment_date"] == "2026-11-30"  # 27 without the extra day off
    served = gateway.api("GET", "/api/v1/calendar/overrides").json()
    assert served["day_off"] == [{"date": "2026-11-26", "reason": "Nghỉ bù"}]


# --- rating --------------------------------------------------------------------------------------


def test_the_last_rating_wins(gateway: Gateway) -> None:
    dossier_id = gateway.create_dossier(dossier_body([PAGE])).json()["dossier_id"]
    path = f"/api/v1/dossiers/{dossier_id}/rating"

    first = gateway.api("POST", path, json={"score": 2, "reason": "Chờ lâu"})
    second = gateway.api("POST", path, json={"score": 5, "reason": None})

    assert (first.status_code, second.status_code) == (204, 204)
    stored = gateway.db.dossier(dossier_id)
    assert stored is not None and stored.rating == {"score": 5, "reason": None}


@pytest.mark.parametrize("rating", [{"score": 0}, {"score": 6}, {"score": "5"}, {"reason": "x"}])
def test_a_rating_is_one_to_five(gateway: Gateway, rating: dict[str, object]) -> None:
    dossier_id = gateway.create_dossier(dossier_body([PAGE])).json()["dossier_id"]
    answer = gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/rating", json=rating)
    assert answer.status_code == 400
    assert problem_type(answer) == "invalid-body"


def test_rating_an_unknown_dossier_is_not_found(gateway: Gateway) -> None:
    answer = gateway.api("POST", "/api/v1/dossiers/d_doesnotexist0/rating", json={"score": 4})
    assert answer.status_code == 404


def test_nothing_personal_reaches_the_logs(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    gateway.submit([PAGE])
    gateway.create_dossier({**dossier_body([PAGE]), "kiosk_id": "KIOSK02"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "dossier" in text  # the gateway did log its work
    assert "001158000123" not in text and "MẪU" not in text
    assert KIOSK in text
