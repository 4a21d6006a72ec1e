"""The protocol's limits document (``GET /api/v1/limits``) and proof that it states what the
gateway enforces: for every published number, a request just inside it is taken and one just
past it is refused; for every published pattern, the gateway takes exactly the keys it matches.

Everything here is read from the published document, never from the gateway's own constants, so
a limit changed on one side only fails these tests.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from gateway_testkit import OCTETS, TUS, Gateway, dossier_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.app import load_specification

LIMIT_KEYS = [
    "version",
    "max_file_bytes",
    "max_files_per_document",
    "max_documents",
    "max_form_fields",
    "max_form_value_chars",
    "form_key_pattern",
    "document_code_pattern",
    "max_file_name_chars",
    "max_dossier_bytes",
    "max_body_bytes",
]
ZERO_SHA256 = "0" * 64


def problem_type(response: requests.Response) -> str:
    assert response.headers["Content-Type"] == "application/problem+json"
    kind: str = response.json()["type"].removeprefix("https://kiosk.example/problems/")
    return kind


def limits(gateway: Gateway) -> dict[str, Any]:
    answer = gateway.api("GET", "/api/v1/limits")
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


class Dossiers:
    """Dossier bodies that differ only where a test says, each with its own key and receipt."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.sequence = 0

    def body(self) -> dict[str, Any]:
        self.sequence += 1
        return dossier_body([b"page"], receipt_number=f"KIOSK01-261123-{self.sequence:04d}")

    def send(self, body: dict[str, Any]) -> requests.Response:
        return self.gateway.create_dossier(body)


def manifest(count: int, size: int = 1000) -> list[dict[str, Any]]:
    return [
        {"name": f"p{i}.pdf", "size": size, "sha256": ZERO_SHA256, "media_type": "application/pdf"}
        for i in range(count)
    ]


def assert_refused(answer: requests.Response, statuses: tuple[int, ...] = (400,)) -> None:
    assert answer.status_code in statuses, answer.text
    assert problem_type(answer) in {"invalid-body", "too-large"}


# --- the document --------------------------------------------------------------------------------


def test_the_limits_document_has_the_protocols_shape(gateway: Gateway) -> None:
    document = limits(gateway)

    assert list(document) == LIMIT_KEYS
    assert document["version"] == 1
    for key in LIMIT_KEYS:
        if key.endswith("_pattern"):
            re.compile(document[key])
        else:
            assert type(document[key]) is int and document[key] > 0, key
    # What tus announces is what the document says.
    options = gateway.api("OPTIONS", "/api/v1/uploads")
    assert int(options.headers["Tus-Max-Size"]) == document["max_file_bytes"]


def test_the_limits_document_needs_a_token_and_has_a_strong_etag(gateway: Gateway) -> None:
    anonymous = gateway.anonymous().get(f"{gateway.url}/api/v1/limits", timeout=10)
    assert anonymous.status_code == 401

    first = gateway.api("GET", "/api/v1/limits")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Content-Type"] == "application/json"
    for header in (etag, f'"stale", {etag}', f"W/{etag}", "*"):
        cached = gateway.api("GET", "/api/v1/limits", headers={"If-None-Match": header})
        assert cached.status_code == 304, header
        assert cached.headers["ETag"] == etag
        assert cached.content == b""
    stale = gateway.api("GET", "/api/v1/limits", headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_the_openapi_document_states_the_same_limits(gateway: Gateway) -> None:
    document = limits(gateway)
    spec = yaml.safe_load(load_specification())
    schemas = spec["components"]["schemas"]
    dossier = schemas["DossierCreate"]["properties"]
    file = schemas["FileManifest"]["properties"]
    upload_length = next(
        p
        for p in spec["paths"]["/api/v1/uploads"]["post"]["parameters"]
        if p.get("name") == "Upload-Length"
    )

    assert file["size"]["maximum"] == document["max_file_bytes"]
    assert upload_length["schema"]["maximum"] == document["max_file_bytes"]
    assert (
        spec["components"]["headers"]["TusMaxSize"]["schema"]["const"]
        == (document["max_file_bytes"])
    )
    assert file["name"]["maxLength"] == document["max_file_name_chars"]
    assert (
        schemas["DocumentManifest"]["properties"]["files"]["maxItems"]
        == (document["max_files_per_document"])
    )
    assert (
        schemas["DocumentManifest"]["properties"]["code"]["pattern"]
        == (document["document_code_pattern"])
    )
    assert dossier["documents"]["maxItems"] == document["max_documents"]
    assert dossier["form"]["maxProperties"] == document["max_form_fields"]
    assert dossier["form"]["additionalProperties"]["maxLength"] == document["max_form_value_chars"]
    assert dossier["form"]["propertyNames"]["pattern"] == document["form_key_pattern"]
    limits_schema = schemas["Limits"]
    assert limits_schema["required"] == LIMIT_KEYS
    assert list(limits_schema["properties"]) == LIMIT_KEYS
    # The prose states the two sizes a reader looks for first.
    description = spec["info"]["description"]
    assert f"{document['max_body_bytes'] // 1024} KiB" in description
    assert f"{document['max_file_bytes'] // (1024 * 1024)} MiB" in description


# --- every number is the one enforced ------------------------------------------------------------


def test_max_file_bytes_bounds_a_manifest_entry_and_a_tus_upload(gateway: Gateway) -> None:
    top = limits(gateway)["max_file_bytes"]
    dossiers = Dossiers(gateway)
    inside, past = dossiers.body(), dossiers.body()
    inside["documents"][0]["files"] = manifest(1, size=top)
    past["documents"][0]["files"] = manifest(1, size=top + 1)

    assert dossiers.send(inside).status_code == 201
    assert_refused(dossiers.send(past))
    assert gateway.create_upload(top).status_code == 201
    too_long = gateway.create_upload(top + 1)
    assert too_long.status_code == 413 and problem_type(too_long) == "too-large"


@pytest.mark.parametrize(
    ("key", "build"),
    [
        (
            "max_files_per_document",
            lambda body, n: body["documents"][0].__setitem__("files", manifest(n)),
        ),
        (
            "max_documents",
            lambda body, n: body.__setitem__(
                "documents",
                [{"code": "doc_a", "name": "Giấy tờ", "files": manifest(1)} for _ in range(n)],
            ),
        ),
        (
            "max_form_fields",
            lambda body, n: body.__setitem__("form", {f"f{i}": "x" for i in range(n)}),
        ),
        (
            "max_form_value_chars",
            # Characters, not bytes: every one of these is two bytes in UTF-8.
            lambda body, n: body["form"].__setitem__("note", "ệ" * n),
        ),
        (
            "max_file_name_chars",
            lambda body, n: body["documents"][0]["files"][0].__setitem__(
                "name", "a" * (n - 4) + ".pdf"
            ),
        ),
    ],
)
def test_each_count_is_taken_at_the_limit_and_refused_past_it(
    gateway: Gateway, key: str, build: Any
) -> None:
    top = limits(gateway)[key]
    dossiers = Dossiers(gateway)
    inside, past = dossiers.body(), dossiers.body()
    build(inside, top)
    build(past, top + 1)

    accepted = dossiers.send(inside)
    refused = dossiers.send(past)

    assert accepted.status_code == 201, accepted.text
    assert_refused(refused)


def test_max_dossier_bytes_bounds_the_sum_of_the_files(gateway: Gateway) -> None:
    document = limits(gateway)
    total, per_file = document["max_dossier_bytes"], document["max_file_bytes"]
    dossiers = Dossiers(gateway)

    def files_adding_up_to(amount: int) -> list[dict[str, Any]]:
        sizes = [per_file] * (amount // per_file)
        if amount % per_file:
            sizes.append(amount % per_file)
        assert len(sizes) <= document["max_files_per_document"]
        return [manifest(1, size=size)[0] | {"name": f"p{i}.pdf"} for i, size in enumerate(sizes)]

    inside, past = dossiers.body(), dossiers.body()
    inside["documents"][0]["files"] = files_adding_up_to(total)
    past["documents"][0]["files"] = files_adding_up_to(total + 1)

    assert dossiers.send(inside).status_code == 201
    refused = dossiers.send(past)
    assert_refused(refused)
    assert [e["field"] for e in refused.json()["errors"]] == ["documents"]


def test_max_body_bytes_is_the_json_body_limit(gateway: Gateway) -> None:
    top = limits(gateway)["max_body_bytes"]
    dossiers = Dossiers(gateway)

    def padded(body: dict[str, Any], length: int) -> bytes:
        raw = json.dumps(body).encode()
        assert len(raw) < length
        return raw + b" " * (length - len(raw))  # whitespace after JSON is still that JSON

    def send(body: dict[str, Any], data: bytes | Iterator[bytes]) -> requests.Response:
        headers = {"Idempotency-Key": body["client_uuid"], "Content-Type": "application/json"}
        return gateway.api("POST", "/api/v1/dossiers", data=data, headers=headers)

    def streamed(data: bytes) -> Iterator[bytes]:
        yield from (data[i : i + 16 * 1024] for i in range(0, len(data), 16 * 1024))

    inside, past, past_streamed = dossiers.body(), dossiers.body(), dossiers.body()
    assert send(inside, padded(inside, top)).status_code == 201
    for body, data in (
        (past, padded(past, top + 1)),
        (past_streamed, streamed(padded(past_streamed, top + 1))),
    ):
        answer = send(body, data)
        assert answer.status_code == 413 and problem_type(answer) == "too-large"


# --- every pattern is the one enforced -----------------------------------------------------------

_KEYS = st.one_of(
    st.text(alphabet="abcxyz019_AZ-.ệ", min_size=0, max_size=45),
    st.from_regex(r"[a-z][a-z0-9_]{0,41}", fullmatch=True),
)


@pytest.mark.parametrize("key", ["form_key_pattern", "document_code_pattern"])
def test_a_key_is_taken_exactly_when_the_published_pattern_matches_it(
    gateway: Gateway, key: str
) -> None:
    pattern = re.compile(limits(gateway)[key])
    dossiers = Dossiers(gateway)

    @settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(candidate=_KEYS)
    def matches_iff_taken(candidate: str) -> None:
        body = dossiers.body()
        if key == "form_key_pattern":
            body["form"] = {candidate: "x"}
        else:
            body["documents"][0]["code"] = candidate
        answer = dossiers.send(body)
        if pattern.fullmatch(candidate):
            assert answer.status_code == 201, (candidate, answer.text)
        else:
            assert answer.status_code == 400, (candidate, answer.text)

    matches_iff_taken()


# --- refusals the kiosk can tell apart ------------------------------------------------------------


def test_an_unknown_procedure_is_refused_at_creation_with_its_own_type(gateway: Gateway) -> None:
    answer = gateway.create_dossier(dossier_body([b"page"], procedure_code="9.999999"))

    assert answer.status_code == 400
    assert problem_type(answer) == "unknown-procedure"
    assert [e["field"] for e in answer.json()["errors"]] == ["procedure_code"]
    assert gateway.db.all_dossiers() == []


def test_a_receipt_number_taken_by_another_dossier_has_its_own_type(gateway: Gateway) -> None:
    first = dossier_body([b"page"])
    assert gateway.create_dossier(first).status_code == 201
    second = dossier_body([b"other page"], receipt_number=first["receipt_number"])
    assert second["client_uuid"] != first["client_uuid"]

    answer = gateway.create_dossier(second)

    assert answer.status_code == 409
    assert problem_type(answer) == "receipt-number-taken"
    assert [e["field"] for e in answer.json()["errors"]] == ["receipt_number"]
    assert len(gateway.db.all_dossiers()) == 1
    # The same key with another body is still the idempotency conflict it always was.
    changed = {**first, "form": {"phone": "0987654321"}}
    assert problem_type(gateway.create_dossier(changed)) == "idempotency-conflict"


def test_a_tus_upload_of_exactly_max_file_bytes_completes(gateway: Gateway) -> None:
    top = limits(gateway)["max_file_bytes"]
    data = bytes(range(256)) * (top // 256)
    assert len(data) == top
    dossier = gateway.create_dossier(dossier_body([data])).json()
    location = gateway.create_upload(
        top, dossier_id=dossier["dossier_id"], file_id=dossier["files"][0]["file_id"]
    ).headers["Location"]
    answer = gateway.session.patch(
        location,
        data=data,
        headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": "0"},
        timeout=60,
    )
    assert answer.status_code == 204, answer.text
    stored = gateway.api("GET", f"/api/v1/dossiers/{dossier['dossier_id']}").json()["files"][0]
    assert stored["complete"] is True
    assert stored["sha256"] == hashlib.sha256(data).hexdigest()


def test_the_protocol_page_shows_the_published_values(gateway: Gateway) -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "gateway-protocol.md").read_text(
        encoding="utf-8"
    )
    section = page.split("## Limits", 1)[1]
    block = section.split("```json", 1)[1].split("```", 1)[0]
    shown = json.loads(re.sub(r"//[^\n]*", "", block))
    assert shown == limits(gateway)


def test_the_served_catalog_fits_the_published_limits(gateway: Gateway) -> None:
    # A procedure whose form or documents the limits refuse could never be submitted.
    document = limits(gateway)
    form_key = re.compile(document["form_key_pattern"])
    document_code = re.compile(document["document_code_pattern"])
    catalog = gateway.api("GET", "/api/v1/catalog").json()
    for procedure in catalog["procedures"]:
        code = procedure["code"]
        assert len(procedure["form"]) <= document["max_form_fields"], code
        assert len(procedure["documents"]) <= document["max_documents"], code
        for field in procedure["form"]:
            assert form_key.fullmatch(field["name"]), (code, field["name"])
            assert field["max_length"] <= document["max_form_value_chars"], (code, field["name"])
        for required in procedure["documents"]:
            assert document_code.fullmatch(required["code"]), (code, required["code"])
            assert required["max_pages"] <= document["max_files_per_document"], code
