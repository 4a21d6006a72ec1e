"""Every answer that can come from any operation is declared for that operation in
``openapi.yaml``: a request that is not valid HTTP (400), no token (401), a disabled kiosk (403),
a body over the JSON limit (413), a failure (500) and maintenance (503), each provoked for real
against every operation of the document. The administrator's operation (the import of a USB
export) is asked the same with the administrator's token: a kiosk's token there is 401, and its
body is held to the gateway's import bound, set here to the JSON limit. The operation-specific
answers (404, 409, 410, 412, 415, 460 …) are covered by the schemathesis runs and the tus and
dossier tests.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
import requests
import yaml
from gateway_testkit import KIOSK, TUS, Gateway

from gateway.app import load_specification, set_kiosk_enabled
from gateway.settings import MAX_BODY_BYTES

SPEC = yaml.safe_load(load_specification())
METHODS = {"get", "post", "patch", "delete", "head", "options"}
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if method in METHODS
]
CONCRETE = {
    "{dossier_id}": "d_0000000000",
    "{upload_id}": "u_0000000000",
    "{otp_id}": "o_0000000000",
    "{code}": "KIOSK01-261123-0001",
}


def concrete(path: str) -> str:
    for template, value in CONCRETE.items():
        path = path.replace(template, value)
    return path


ADMIN_TOKEN = "administrator-" + "t" * 40


def is_public(operation: dict[str, Any]) -> bool:
    return operation.get("security", SPEC["security"]) == []


def is_administrators(operation: dict[str, Any]) -> bool:
    return operation.get("security", SPEC["security"]) == [{"administrator": []}]


def declared(operation: dict[str, Any]) -> set[int]:
    return {int(status) for status in operation["responses"]}


def is_tus_body(method: str, operation: dict[str, Any]) -> bool:
    content = operation.get("requestBody", {}).get("content", {})
    return method in {"PATCH", "POST"} and "application/offset+octet-stream" in content


def problem_type(response: requests.Response) -> str:
    assert response.headers["Content-Type"] == "application/problem+json"
    kind: str = response.json()["type"].removeprefix("https://kiosk.example/problems/")
    return kind


def raw_request(gateway: Gateway, head: str) -> tuple[int, dict[str, str], bytes]:
    """Send ``head`` as it is (requests would refuse to), and read the answer."""
    host, port = gateway.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode("latin-1"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    header_block, _, body = rest.partition(b"\r\n\r\n")
    headers = {}
    for line in header_block.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_cross_cutting_answers_are_declared(
    make_gateway: Callable[..., Gateway], method: str, path: str, operation: dict[str, Any]
) -> None:
    gateway = make_gateway(admin_token=ADMIN_TOKEN, max_import_bytes=MAX_BODY_BYTES)
    administrators = is_administrators(operation)
    client = gateway.as_kiosk(ADMIN_TOKEN) if administrators else gateway.session
    url = gateway.url + concrete(path)
    seen: dict[str, int] = {}

    # Not HTTP at all: uvicorn answers before any route, and still in problem+json.
    status, headers, body = raw_request(
        gateway,
        f"{method} {concrete(path)} HTTP/1.1\r\nHost: gateway\r\n"
        f"Authorization: Bearer {gateway.token}\r\nContent-Length: no-store\r\n\r\n",
    )
    seen["not HTTP"] = status
    not_http_type = headers["content-type"]

    if not is_public(operation):
        seen["no token"] = (
            gateway.anonymous().request(method, url, headers=TUS, timeout=10).status_code
        )
    if administrators:
        seen["a kiosk's token"] = gateway.session.request(
            method, url, headers=TUS, timeout=10
        ).status_code
    elif not is_public(operation):
        assert set_kiosk_enabled(gateway.data_dir, KIOSK, False)
        seen["disabled kiosk"] = gateway.session.request(
            method, url, headers=TUS, timeout=10
        ).status_code
        assert set_kiosk_enabled(gateway.data_dir, KIOSK, True)

    if not is_tus_body(method, operation) and method != "HEAD":
        too_big = b"{" + b" " * (256 * 1024) + b"}"
        seen["body over the limit"] = client.request(
            method,
            url,
            data=too_big,
            headers={**TUS, "Content-Type": "application/json"},
            timeout=10,
        ).status_code

    if path != "/api/v1/health":  # health never fails: it is how a kiosk tells "down" apart
        gateway.faults.update({"error_rate": 1.0})
        seen["failure"] = client.request(method, url, headers=TUS, timeout=10).status_code
        gateway.faults.update({"error_rate": 0.0})

    gateway.faults.update({"maintenance": True})
    seen["maintenance"] = client.request(method, url, headers=TUS, timeout=10).status_code
    gateway.faults.update({"maintenance": False})

    undeclared = {why: status for why, status in seen.items() if status not in declared(operation)}
    assert not undeclared, f"{method} {path} answers undeclared statuses: {undeclared}"
    assert seen["not HTTP"] == 400
    assert not_http_type == "application/problem+json"
    assert json.loads(body)["type"] == "https://kiosk.example/problems/invalid-request"
    assert seen.get("no token", 401) == 401
    assert seen.get("disabled kiosk", 403) == 403
    assert seen.get("a kiosk's token", 401) == 401
    assert seen.get("body over the limit", 413) == 413
    assert seen.get("failure", 500) == 500
    assert seen["maintenance"] == 503


def test_a_request_that_is_not_http_is_a_problem(gateway: Gateway) -> None:
    status, headers, body = raw_request(
        gateway,
        "DELETE /api/v1/uploads/u_0000000000 HTTP/1.1\r\nHost: gateway\r\n"
        "Content-Length: no-store\r\n\r\n",
    )
    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["type"] == "https://kiosk.example/problems/invalid-request"
    assert problem["status"] == 400 and problem["title"] and problem["detail"]
    assert problem_type(gateway.api("GET", "/api/v1/nothing")) == "not-found"  # still serving
