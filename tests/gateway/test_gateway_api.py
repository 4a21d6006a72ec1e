"""Authentication, the service endpoints, reference data, identity checks, one-time codes and
heartbeats, over HTTP to a running gateway."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

import pytest
import requests
import yaml
from gateway_testkit import KIOSK, MONDAY_MORNING, Gateway

import gateway as gateway_package
from dvc_common.catalog import load_catalog
from gateway.app import enrol, load_specification, set_kiosk_enabled

PERSON = {"id_number": "001158000123", "full_name": "TRẦN THỊ MẪU", "date_of_birth": "1958-02-14"}


def problem_type(response: requests.Response) -> str:
    assert response.headers["Content-Type"] == "application/problem+json"
    kind: str = response.json()["type"].removeprefix("https://kiosk.example/problems/")
    return kind


# --- authentication ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer not-a-token", "Basic a2lvc2s6cGFzcw==", "token"]
)
def test_a_missing_or_unknown_token_is_401(gateway: Gateway, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = gateway.anonymous().get(f"{gateway.url}/api/v1/catalog", headers=headers, timeout=10)
    assert answer.status_code == 401
    assert problem_type(answer) == "unauthorized"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_disabled_kiosk_is_403_until_enabled_again(gateway: Gateway) -> None:
    assert set_kiosk_enabled(gateway.data_dir, KIOSK, False)
    refused = gateway.api("GET", "/api/v1/catalog")
    assert refused.status_code == 403
    assert problem_type(refused) == "forbidden"
    assert gateway.api("GET", "/api/v1/health").status_code == 200

    assert set_kiosk_enabled(gateway.data_dir, KIOSK, True)
    assert gateway.api("GET", "/api/v1/catalog").status_code == 200
    assert not set_kiosk_enabled(gateway.data_dir, "NEVER", False)


def test_enrolling_again_replaces_the_token(gateway: Gateway) -> None:
    new_token = enrol(gateway.data_dir, KIOSK)
    assert new_token != gateway.token
    assert gateway.api("GET", "/api/v1/catalog").status_code == 401
    fresh = gateway.as_kiosk(new_token).get(f"{gateway.url}/api/v1/catalog", timeout=10)
    assert fresh.status_code == 200


def test_tokens_are_stored_hashed(gateway: Gateway) -> None:
    for path in gateway.data_dir.glob("gateway.sqlite3*"):  # the database and its WAL
        assert gateway.token.encode() not in path.read_bytes()
    digest = hashlib.sha256(gateway.token.encode()).hexdigest()
    stored = gateway.db.kiosk_for_token(gateway.token)
    assert stored is not None and stored.kiosk_id == KIOSK
    assert digest.encode() in b"".join(p.read_bytes() for p in gateway.data_dir.glob("gateway*"))


# --- service endpoints ---------------------------------------------------------------------------


def test_health_needs_no_token(gateway: Gateway) -> None:
    answer = gateway.anonymous().get(f"{gateway.url}/api/v1/health", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "version": gateway_package.GATEWAY_VERSION}


@pytest.mark.parametrize("path", ["/api/v1/openapi.yaml", "/openapi.yaml"])
def test_the_document_is_served_without_a_token(gateway: Gateway, path: str) -> None:
    answer = gateway.anonymous().get(gateway.url + path, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/yaml"
    assert answer.content == load_specification()
    spec = yaml.safe_load(answer.text)
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_no_generated_documents_are_served(gateway: Gateway) -> None:
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert gateway.api("GET", path).status_code == 404


def test_unknown_paths_and_methods_are_problems(gateway: Gateway) -> None:
    missing = gateway.api("GET", "/api/v1/nothing")
    wrong_method = gateway.api("DELETE", "/api/v1/catalog")
    assert missing.status_code == 404 and problem_type(missing) == "not-found"
    assert wrong_method.status_code == 405 and problem_type(wrong_method) == "method-not-allowed"
    assert set(wrong_method.headers["Allow"].split(", ")) == {"GET", "HEAD"}


# --- reference data ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/catalog", "/api/v1/calendar/overrides"])
def test_reference_data_has_a_strong_etag(gateway: Gateway, path: str) -> None:
    first = gateway.api("GET", path)
    etag = first.headers["ETag"]
    assert first.status_code == 200
    assert etag.startswith('"') and not etag.startswith("W/")

    for header in (etag, f'"stale", {etag}', f"W/{etag}", "*"):
        cached = gateway.api("GET", path, headers={"If-None-Match": header})
        assert cached.status_code == 304, header
        assert cached.headers["ETag"] == etag
        assert cached.content == b""
    stale = gateway.api("GET", path, headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200
    assert stale.content == first.content


def test_the_catalog_is_the_bundled_one_as_json(gateway: Gateway) -> None:
    catalog = load_catalog()
    served = gateway.api("GET", "/api/v1/catalog").json()
    assert served["schema_version"] == 1
    assert served["sample"] is True
    assert served["updated"] == catalog.index.updated
    assert [p["code"] for p in served["procedures"]] == [p.code for p in catalog]
    birth = next(p for p in served["procedures"] if p["code"] == "1.001193")
    assert birth == json.loads(catalog.get("1.001193").model_dump_json())


def test_the_calendar_overrides_are_the_bundled_ones(gateway: Gateway) -> None:
    served = gateway.api("GET", "/api/v1/calendar/overrides").json()
    assert served == {"schema_version": 1, "day_off": [], "working_day": []}


# --- identity ------------------------------------------------------------------------------------


def test_identities_are_checked_against_the_register(gateway: Gateway) -> None:
    (gateway.data_dir / "identities.json").write_text(json.dumps([PERSON]), encoding="utf-8")

    def verify(**changes: str) -> str:
        answer = gateway.api("POST", "/api/v1/identity/verify", json={**PERSON, **changes})
        assert answer.status_code == 200
        result: str = answer.json()["result"]
        return result

    assert verify() == "verified"
    assert verify(full_name="  trần  thị mẫu ") == "verified"
    assert verify(date_of_birth="1958-02-15") == "not_found"
    assert verify(id_number="001158000124") == "not_found"


def test_without_a_register_nobody_is_found(gateway: Gateway) -> None:
    answer = gateway.api("POST", "/api/v1/identity/verify", json=PERSON)
    assert answer.json() == {"result": "not_found"}


def test_a_broken_register_is_an_unavailable_identity_system(gateway: Gateway) -> None:
    (gateway.data_dir / "identities.json").write_text("{broken", encoding="utf-8")
    answer = gateway.api("POST", "/api/v1/identity/verify", json=PERSON)
    assert answer.status_code == 503
    assert problem_type(answer) == "unavailable"
    assert int(answer.headers["Retry-After"]) > 0


def test_an_identity_query_is_validated(gateway: Gateway) -> None:
    answer = gateway.api("POST", "/api/v1/identity/verify", json={**PERSON, "id_number": "12"})
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["id_number"]


# --- one-time codes ------------------------------------------------------------------------------


def request_code(gateway: Gateway) -> tuple[str, str]:
    answer = gateway.api(
        "POST", "/api/v1/otp", json={"phone": "0912345678", "purpose": "confirm_dossier"}
    )
    assert answer.status_code == 201
    issued = answer.json()
    lines = (gateway.data_dir / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    sent = json.loads(lines[-1])
    assert sent["otp_id"] == issued["otp_id"]
    return issued["otp_id"], sent["code"]


def verify_code(gateway: Gateway, otp_id: str, code: str) -> dict[str, object]:
    answer = gateway.api("POST", f"/api/v1/otp/{otp_id}/verify", json={"code": code})
    assert answer.status_code == 200
    result: dict[str, object] = answer.json()
    return result


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_is_written_to_the_outbox(gateway: Gateway) -> None:
    answer = gateway.api(
        "POST", "/api/v1/otp", json={"phone": "0912345678", "purpose": "confirm_dossier"}
    )
    issued = answer.json()
    assert issued["length"] == 6
    assert datetime.fromisoformat(issued["expires_at"]) == MONDAY_MORNING + timedelta(minutes=5)
    (line,) = (gateway.data_dir / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    sent = json.loads(line)
    assert sent["phone"] == "0912345678"
    assert len(sent["code"]) == 6 and sent["code"].isdigit()
    assert datetime.fromisoformat(sent["at"]) == MONDAY_MORNING


def test_the_right_code_is_valid_and_stays_valid_for_a_retry(gateway: Gateway) -> None:
    otp_id, code = request_code(gateway)
    assert verify_code(gateway, otp_id, wrong(code)) == {"valid": False, "attempts_left": 4}
    assert verify_code(gateway, otp_id, code) == {"valid": True, "attempts_left": 4}
    assert verify_code(gateway, otp_id, code) == {"valid": True, "attempts_left": 4}


def test_five_wrong_attempts_use_up_a_code(gateway: Gateway) -> None:
    otp_id, code = request_code(gateway)
    lefts = [verify_code(gateway, otp_id, wrong(code))["attempts_left"] for _ in range(5)]
    assert lefts == [4, 3, 2, 1, 0]
    assert verify_code(gateway, otp_id, code) == {"valid": False, "attempts_left": 0}


def test_a_code_expires_after_five_minutes(gateway: Gateway) -> None:
    otp_id, code = request_code(gateway)
    gateway.clock.advance(5 * 60)
    assert verify_code(gateway, otp_id, code) == {"valid": False, "attempts_left": 0}


def test_unknown_or_foreign_codes_are_not_found(gateway: Gateway) -> None:
    otp_id, code = request_code(gateway)
    unknown = gateway.api("POST", "/api/v1/otp/o_doesnotexist0/verify", json={"code": code})
    foreign = gateway.as_kiosk(gateway.other_token).post(
        f"{gateway.url}/api/v1/otp/{otp_id}/verify", json={"code": code}, timeout=10
    )
    assert unknown.status_code == foreign.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "912345678", "purpose": "confirm_dossier"},
        {"phone": "0912345678", "purpose": "marketing"},
        {"phone": "0912345678"},
    ],
)
def test_a_code_request_is_validated(gateway: Gateway, body: dict[str, str]) -> None:
    answer = gateway.api("POST", "/api/v1/otp", json=body)
    assert answer.status_code == 400
    assert not (gateway.data_dir / "outbox.jsonl").exists()


# --- heartbeat -----------------------------------------------------------------------------------


def heartbeat(kiosk_id: str = KIOSK) -> dict[str, object]:
    return {
        "kiosk_id": kiosk_id,
        "at": "2026-11-23T09:05:00+07:00",
        "software_version": "0.1.0",
        "queue": {
            "queued": 2,
            "uploading": 1,
            "needs_attention": 0,
            "oldest_queued_at": "2026-11-23T08:40:00+07:00",
        },
        "devices": {"printer": "ok", "scanner": "paper jam"},
    }


def test_the_last_heartbeat_is_kept(gateway: Gateway) -> None:
    first = gateway.api("POST", "/api/v1/kiosks/heartbeat", json=heartbeat())
    later = {**heartbeat(), "devices": {"printer": "out of paper"}}
    second = gateway.api("POST", "/api/v1/kiosks/heartbeat", json=later)
    assert (first.status_code, second.status_code) == (204, 204)
    assert gateway.db.heartbeat(KIOSK) == later


def test_a_heartbeat_is_refused_for_its_token_before_its_body(gateway: Gateway) -> None:
    # The handler reads the body before its one trip to a store thread; the refusals must still
    # come in the order of every request: the token, then the media type, then the body.
    url = gateway.url + "/api/v1/kiosks/heartbeat"
    stranger = gateway.anonymous()
    no_token = stranger.post(url, data=b"not json", headers={"Content-Type": "text/plain"})
    wrong_media = gateway.api(
        "POST", "/api/v1/kiosks/heartbeat", data=b"{}", headers={"Content-Type": "text/plain"}
    )
    not_json = gateway.api(
        "POST", "/api/v1/kiosks/heartbeat", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert no_token.status_code == 401 and problem_type(no_token) == "unauthorized"
    assert wrong_media.status_code == 415
    assert not_json.status_code == 400 and problem_type(not_json) == "invalid-body"
    assert gateway.db.heartbeat(KIOSK) is None


def test_a_heartbeat_for_another_kiosk_is_refused(gateway: Gateway) -> None:
    answer = gateway.api("POST", "/api/v1/kiosks/heartbeat", json=heartbeat("KIOSK02"))
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["kiosk_id"]
    assert gateway.db.heartbeat(KIOSK) is None
