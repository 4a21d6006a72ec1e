"""Fault injection: what the gateway does when told to misbehave, switched while it runs."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
import yaml
from gateway_testkit import TUS, Gateway

from gateway.app import load_specification
from gateway.faults import FaultState, Garbage

PROTECTED = ("GET", "/api/v1/catalog")


def operations(gateway: Gateway) -> list[tuple[str, str]]:
    """Every (method, URL) of the document, with made-up identifiers in the paths."""
    spec = yaml.safe_load(load_specification())
    found = []
    for path, item in spec["paths"].items():
        concrete = (
            path.replace("{dossier_id}", "d_0000000000")
            .replace("{upload_id}", "u_0000000000")
            .replace("{otp_id}", "o_0000000000")
            .replace("{code}", "KIOSK01-261123-0001")
        )
        found += [
            (method.upper(), gateway.url + concrete) for method in item if method != "parameters"
        ]
    return found


def test_maintenance_answers_503_with_retry_after_everywhere(gateway: Gateway) -> None:
    gateway.faults.update({"maintenance": True, "retry_after_s": 120})
    every = operations(gateway)
    assert len(every) == 25  # enrolment, the audit log and imports are the 23rd to 25th

    for method, url in every:
        answer = gateway.session.request(method, url, headers=TUS, timeout=10)
        assert answer.status_code == 503, (method, url)
        assert answer.headers["Retry-After"] == "120"
        if method != "HEAD":
            assert answer.json()["type"] == "https://kiosk.example/problems/maintenance"

    gateway.faults.update({"maintenance": False})
    assert gateway.api("GET", "/api/v1/health").status_code == 200


def test_an_error_rate_of_one_fails_everything_but_health(gateway: Gateway) -> None:
    gateway.faults.update({"error_rate": 1.0})

    failed = gateway.api(*PROTECTED)
    health = gateway.api("GET", "/api/v1/health")

    assert failed.status_code == 500
    assert failed.json()["type"] == "https://kiosk.example/problems/internal-error"
    assert health.status_code == 200


def test_an_error_rate_fails_a_fraction_of_requests(gateway: Gateway) -> None:
    gateway.faults.rng.seed(7)
    gateway.faults.update({"error_rate": 0.5})
    statuses = [gateway.api(*PROTECTED).status_code for _ in range(40)]
    assert set(statuses) == {200, 500}


def test_identity_down_makes_verification_unavailable(gateway: Gateway) -> None:
    gateway.faults.update({"identity_down": True, "retry_after_s": 45})
    query = {
        "id_number": "001158000123",
        "full_name": "TRẦN THỊ MẪU",
        "date_of_birth": "1958-02-14",
    }

    answer = gateway.api("POST", "/api/v1/identity/verify", json=query)

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "45"
    assert answer.json()["type"] == "https://kiosk.example/problems/unavailable"
    assert gateway.api(*PROTECTED).status_code == 200  # only the identity system is down


def test_malformed_json_is_a_200_that_does_not_parse(gateway: Gateway) -> None:
    gateway.faults.update({"garbage": "malformed_json"})

    answer = gateway.api(*PROTECTED)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.content)


def test_an_endless_body_keeps_streaming(gateway: Gateway) -> None:
    gateway.faults.update({"garbage": "endless_body"})
    received = 0
    with gateway.api(*PROTECTED, stream=True) as answer:
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "application/json"
        assert "Content-Length" not in answer.headers
        for chunk in answer.iter_content(chunk_size=8192):
            received += len(chunk)
            if received > 256 * 1024:
                break
    assert received > 256 * 1024

    gateway.faults.update({"garbage": "none"})
    assert gateway.api(*PROTECTED).status_code == 200


def test_a_hung_request_is_never_answered(gateway: Gateway) -> None:
    gateway.faults.update({"garbage": "hang"})
    with pytest.raises(requests.ReadTimeout):
        gateway.anonymous().get(gateway.url + "/api/v1/health", timeout=(5, 0.3))
    gateway.faults.update({"garbage": "none"})
    assert gateway.api("GET", "/api/v1/health").status_code == 200


def test_auth_reject_refuses_every_authenticated_request(gateway: Gateway) -> None:
    gateway.faults.update({"garbage": "auth_reject"})

    refused = gateway.api(*PROTECTED)
    upload = gateway.api("HEAD", "/api/v1/uploads/u_0000000000", headers=TUS)

    assert refused.status_code == upload.status_code == 401
    assert refused.json()["type"] == "https://kiosk.example/problems/unauthorized"
    assert "WWW-Authenticate" in refused.headers
    assert gateway.api("GET", "/api/v1/health").status_code == 200
    assert gateway.api("GET", "/api/v1/openapi.yaml").status_code == 200
    # tus discovery asks for no token, so a token rejected is no reason to refuse it.
    assert gateway.api("OPTIONS", "/api/v1/uploads").status_code == 204


def test_latency_is_added_before_answering(gateway: Gateway) -> None:
    gateway.faults.update({"latency_ms": 300})
    started = time.monotonic()
    answer = gateway.api("GET", "/api/v1/health")
    assert answer.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_slow_bytes_trickle_the_body(gateway: Gateway) -> None:
    gateway.faults.update({"slow_bytes_per_s": 40})
    started = time.monotonic()
    answer = gateway.api("GET", "/api/v1/health")
    elapsed = time.monotonic() - started
    assert answer.json()["status"] == "ok"  # slow, but intact
    assert elapsed >= 0.5  # 36 bytes at 40 bytes/s, in 2-byte pieces


# --- the admin switches --------------------------------------------------------------------------


def test_faults_are_switched_over_http(gateway: Gateway) -> None:
    admin = gateway.anonymous()
    url = gateway.url + "/_admin/faults"
    assert admin.get(url, timeout=10).json() == FaultState().to_dict()

    changed = admin.put(url, json={"maintenance": True, "retry_after_s": 7}, timeout=10)

    assert changed.status_code == 200
    assert changed.json()["maintenance"] is True
    answer = gateway.api("GET", "/api/v1/health")
    assert (answer.status_code, answer.headers["Retry-After"]) == (503, "7")
    # The switches themselves are never faulted, so a test can always turn a fault off.
    assert admin.put(url, json={"maintenance": False}, timeout=10).status_code == 200
    assert gateway.api("GET", "/api/v1/health").status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"error_rate": 2},
        {"garbage": "confetti"},
        {"maintenance": "yes"},
        {"latency_ms": -1},
        {"colour": "red"},
        {"retry_after_s": 1.5},
    ],
)
def test_invalid_fault_changes_change_nothing(gateway: Gateway, change: dict[str, Any]) -> None:
    url = gateway.url + "/_admin/faults"
    answer = gateway.anonymous().put(url, json={"latency_ms": 5, **change}, timeout=10)
    assert answer.status_code == 400
    assert gateway.faults.to_dict() == FaultState().to_dict()


def test_the_admin_switches_exist_only_when_asked_for(make_gateway: Callable[..., Gateway]) -> None:
    gateway = make_gateway(admin=False)
    assert gateway.anonymous().get(gateway.url + "/_admin/faults", timeout=10).status_code == 404
    spec = gateway.anonymous().get(gateway.url + "/openapi.yaml", timeout=10).text
    assert "_admin" not in spec


def test_a_fault_state_is_a_plain_value() -> None:
    faults = FaultState(latency_ms=10, garbage=Garbage.HANG)
    faults.update({"garbage": "none", "slow_bytes_per_s": 100})
    assert faults.to_dict()["garbage"] == "none"
    assert faults.snapshot().slow_bytes_per_s == 100
    faults.reset()
    assert faults.to_dict() == FaultState().to_dict()
