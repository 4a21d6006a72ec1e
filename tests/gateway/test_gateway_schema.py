"""Property-based conformance: schemathesis generates requests from ``gateway/openapi.yaml`` for
every operation and checks the live server's answers against the same document.

Positive cases (valid per the document) and negative ones (breaking a constraint) both run with
a valid bearer token; with faults off, no answer may be a 5xx, every answer must conform to the
document (status, content type, headers, body), negative data must be refused with a 4xx, and
operations that declare authentication must refuse requests without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from gateway_testkit import KIOSK, dossier_body
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

import gateway
from gateway.app import create_app, enrol
from gateway.faults import FaultState
from gateway.server import BackgroundServer
from gateway.settings import GatewaySettings

SPEC_PATH = Path(gateway.__file__).with_name("openapi.yaml")
# The protocol's own refusals: tus answers a missing Tus-Resumable with 412 and a too-large
# upload with 413. A valid request may still meet a 410 (expired upload), 413 (more bytes than
# the upload has room for: the body is not in the schema) or 460 (bytes that do not match a
# well-formed checksum).
CONFIG = schemathesis.Config.from_str(
    """
[checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 409, 410, 412, 413, 415, 422]

[checks.positive_data_acceptance]
expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 410, 413, 460]
"""
)
SCHEMA = schemathesis.openapi.from_path(SPEC_PATH, config=CONFIG)
# tus bodies are raw bytes under their own media type.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
EXAMPLES_PER_MODE = 40


class Live:
    def __init__(self, url: str, token: str, known: dict[str, list[str]]) -> None:
        self.url = url
        self.token = token
        self.known = known


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data_dir = tmp_path_factory.mktemp("schema-gateway")
    token = enrol(data_dir, KIOSK)
    app = create_app(data_dir, GatewaySettings(), FaultState())
    with BackgroundServer(app) as server, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        # Real identifiers, so generated cases reach past "not found" some of the time.
        body = dossier_body([b"%PDF-1.7 one page"])
        created = session.post(
            f"{server.url}/api/v1/dossiers",
            json=body,
            headers={"Idempotency-Key": body["client_uuid"]},
            timeout=10,
        ).json()
        upload = session.post(
            f"{server.url}/api/v1/uploads",
            headers={"Tus-Resumable": "1.0.0", "Upload-Length": "100"},
            timeout=10,
        ).headers["Location"]
        otp = session.post(
            f"{server.url}/api/v1/otp",
            json={"phone": "0912345678", "purpose": "confirm_dossier"},
            timeout=10,
        ).json()
        known = {
            "dossier_id": [created["dossier_id"]],
            "upload_id": [upload.rsplit("/", 1)[1]],
            "otp_id": [otp["otp_id"]],
            "code": [body["receipt_number"]],
        }
        yield Live(server.url, token, known)


def _coherent(case: Any) -> Any:
    """Make a valid request also meet the rules a schema cannot state (``client_uuid`` equals
    the Idempotency-Key, the kiosk is the token's, the procedure is in the catalog), so positive
    cases get past validation and exercise what lies behind it."""
    body = case.body
    if isinstance(body, dict) and "kiosk_id" in body:
        body["kiosk_id"] = KIOSK
    if case.operation.label == "POST /api/v1/dossiers" and isinstance(body, dict):
        body["procedure_code"] = "1.001193"
        case.headers = {**(case.headers or {}), "Idempotency-Key": body["client_uuid"]}
    return case


def _cases(label: str, live: Live, mode: GenerationMode) -> st.SearchStrategy[Any]:
    operation = OPERATIONS[label]
    generated = operation.as_strategy(generation_mode=mode)
    if mode is not GenerationMode.POSITIVE:
        return generated
    names = [p.name for p in operation.iter_parameters() if p.location == "path"]
    if names:
        pinned = operation.as_strategy(
            generation_mode=mode,
            path_parameters={name: live.known[name][0] for name in names if name in live.known},
        )
        generated = st.one_of(generated, pinned)
    return generated.map(_coherent)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_conforms(live: Live, label: str) -> None:
    auth = {"Authorization": f"Bearer {live.token}"}

    operation = OPERATIONS[label]
    modes = [GenerationMode.POSITIVE]
    if any(True for _ in operation.iter_parameters()) or operation.body:
        modes.append(GenerationMode.NEGATIVE)  # nothing to break in a request without input
    for mode in modes:

        @settings(
            max_examples=EXAMPLES_PER_MODE,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=_cases(label, live, mode))
        def conforms(case: Any) -> None:
            response = case.call(base_url=live.url, headers=auth, timeout=10)
            assert response.status_code < 500, response.text
            case.validate_response(
                response, headers=auth, transport_kwargs={"base_url": live.url, "timeout": 10}
            )

        conforms()


def test_every_protocol_operation_is_documented() -> None:
    # The gateway's routes and the document list the same operations.
    assert set(OPERATIONS) == {
        "POST /api/v1/dossiers",
        "GET /api/v1/dossiers/{dossier_id}",
        "POST /api/v1/dossiers/{dossier_id}/finalize",
        "POST /api/v1/dossiers/{dossier_id}/rating",
        "OPTIONS /api/v1/uploads",
        "POST /api/v1/uploads",
        "HEAD /api/v1/uploads/{upload_id}",
        "PATCH /api/v1/uploads/{upload_id}",
        "DELETE /api/v1/uploads/{upload_id}",
        "GET /api/v1/status/{code}",
        "GET /api/v1/catalog",
        "GET /api/v1/calendar/overrides",
        "POST /api/v1/identity/verify",
        "POST /api/v1/otp",
        "POST /api/v1/otp/{otp_id}/verify",
        "POST /api/v1/kiosks/heartbeat",
        "GET /api/v1/health",
        "GET /api/v1/openapi.yaml",
        "GET /openapi.yaml",
    }
