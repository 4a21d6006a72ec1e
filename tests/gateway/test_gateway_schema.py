"""Property-based conformance: schemathesis generates requests from ``gateway/openapi.yaml`` and
checks the live server's answers against the same document.

Two ways. Per operation, positive cases (valid per the document) and negative ones (breaking a
constraint) with a valid bearer token: no 5xx, every answer conforms to the document (status,
content type, headers, body), negative data is refused with a 4xx. And schemathesis' own engine,
as ``st run`` drives it: the coverage and fuzzing phases over every operation, then the stateful
phase, which follows the document's links (create a dossier, finalize it, rate it, look up its
status; create an upload, HEAD, PATCH, DELETE it). A counting wrapper around the application
records what the server really saw, per operation and status, so the test can prove the
stateful phase reached finalize, rating and status with real answers, not only 404s.

PATCH bodies are raw bytes schemathesis can only fill at random; the tus invariants are proved
by the property tests in ``test_gateway_tus_properties.py``.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import yaml
from gateway_testkit import KIOSK, dossier_body
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.engine import Status, events, from_schema
from schemathesis.engine.run import PhaseName
from schemathesis.generation.meta import TestPhase
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import gateway
from dvc_common.protocol import DEFAULT_LIMITS
from gateway.app import create_app, enrol
from gateway.faults import FaultState
from gateway.server import BackgroundServer
from gateway.settings import GatewaySettings

SPEC_PATH = Path(gateway.__file__).with_name("openapi.yaml")
SPEC = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
# The protocol's own refusals: tus answers a missing or wrong Tus-Resumable with 412 and a
# too-large upload with 413. A valid request may still meet a 410 (expired upload), 413 (more
# bytes than the upload has room for: the body is not in the schema) or 460 (bytes that do not
# match a well-formed checksum).
CHECKS = """
[checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 409, 410, 412, 413, 415, 422]

[checks.positive_data_acceptance]
expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 410, 413, 460]

[checks.missing_required_header]
expected-statuses = [400, 401, 403, 412]
"""
CONFIG = schemathesis.Config.from_str(CHECKS)
SCHEMA = schemathesis.openapi.from_path(SPEC_PATH, config=CONFIG)
# tus bodies are raw bytes under their own media type.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
EXAMPLES_PER_MODE = 40
# Takes any upload id (a CORS preflight is answered alike for every URL): no invalid input.
NOTHING_TO_BREAK = frozenset({"OPTIONS /api/v1/uploads/{upload_id}"})


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
    the Idempotency-Key, the kiosk is the token's, the procedure is in the catalog, the files
    fit the dossier bound, a receipt number per dossier), so positive cases get past validation
    and exercise what lies behind it."""
    body = case.body
    if isinstance(body, dict) and "kiosk_id" in body:
        body["kiosk_id"] = KIOSK
    if case.operation.label == "POST /api/v1/dossiers" and isinstance(body, dict):
        body["procedure_code"] = "1.001193"
        key = str(body["client_uuid"])
        sequence = int(hashlib.sha256(key.encode()).hexdigest(), 16) % 10**6
        body["receipt_number"] = f"{KIOSK}-261123-{sequence:06d}"
        _fit_the_dossier_bound(body["documents"])
        case.headers = {**(case.headers or {}), "Idempotency-Key": key}
    return case


def _fit_the_dossier_bound(documents: list[dict[str, Any]]) -> None:
    total = 0
    for document in documents:
        kept = []
        for file in document["files"]:
            if total + file["size"] <= DEFAULT_LIMITS.max_dossier_bytes:
                kept.append(file)
                total += file["size"]
        document["files"] = kept


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


def _conforms(live: Live, label: str, mode: GenerationMode) -> None:
    """Generated requests of one mode: no 5xx, and every answer as the spec says."""
    auth = {"Authorization": f"Bearer {live.token}"}

    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_cases(label, live, mode))
    def conforms(case: Any) -> None:
        headers = auth
        if mode is GenerationMode.NEGATIVE and "Authorization" in (case.headers or {}):
            # The broken bearer header is what this case is about: replacing it with the
            # kiosk's good token would make a valid request and "accepted negative data".
            headers = {}
        response = case.call(base_url=live.url, headers=headers, timeout=10)
        assert response.status_code < 500, response.text
        case.validate_response(
            response, headers=headers, transport_kwargs={"base_url": live.url, "timeout": 10}
        )

    conforms()


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_conforms(live: Live, label: str) -> None:
    operation = OPERATIONS[label]
    modes = [GenerationMode.POSITIVE]
    if (any(True for _ in operation.iter_parameters()) or operation.body) and (
        label not in NOTHING_TO_BREAK
    ):
        modes.append(GenerationMode.NEGATIVE)  # nothing to break in a request without input
    for mode in modes:
        _conforms(live, label, mode)


# --- schemathesis' engine: coverage, fuzzing and stateful phases ---------------------------------

ENGINE_EXAMPLES = 15
# The walk is seeded, yet not only by the seed: which link it follows also depends on the
# process's memory layout, i.e. on which modules were imported before it runs. With 25 steps it
# missed GET /status/{code} whenever the UI tests' helpers had been imported; with 40 it later
# missed PATCH /uploads/{upload_id} 204 once more modules were collected (one fresh-clone run in
# three). No fixed budget can promise every link in a walk the seed alone does not decide, so
# the walk goes on, from the next seed, until every link has been answered or WALKS walks have
# been taken; every walk must pass its checks.
STATEFUL_STEPS = 40
WALKS = 6
SEED = 20261123
OPERATION_PATHS = [
    (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in SPEC["paths"]
]


def operation_label(method: str, path: str) -> str:
    for pattern, template in OPERATION_PATHS:
        if pattern.match(path):
            return f"{method} {template}"
    return f"{method} (no operation) {path}"


class Counting:
    """The application, counting every answer by operation and status, as the server saw it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: Counter[tuple[str, int]] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        label = operation_label(scope["method"], scope["path"])

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.seen[(label, message["status"])] += 1
            await send(message)

        await self.app(scope, receive, counted)

    def answered(self, label: str, status: int) -> int:
        return self.seen[(label, status)]


def _header_patterns(operation: Any) -> dict[str, re.Pattern[str]]:
    item = SPEC["paths"][operation.path]
    found = {}
    declared = [*item.get("parameters", []), *item[operation.method.lower()].get("parameters", [])]
    for entry in declared:
        parameter = entry
        if "$ref" in entry:
            parameter = SPEC["components"]["parameters"][entry["$ref"].rsplit("/", 1)[1]]
        pattern = parameter.get("schema", {}).get("pattern")
        if parameter["in"] == "header" and pattern is not None:
            found[parameter["name"].lower()] = re.compile(pattern)
    return found


def engine_schema(url: str, token: str, phases: set[PhaseName], seed: int = SEED) -> Any:
    """The document as schemathesis' engine runs it against ``url``, with the hooks every
    generated case goes through."""

    def enabled(phase: PhaseName) -> str:
        return "true" if phase in phases else "false"

    config = schemathesis.Config.from_str(
        f"""
base-url = "{url}"
seed = {seed}

[headers]
Authorization = "Bearer {token}"

[generation]
max-examples = {ENGINE_EXAMPLES}
database = "none"

[phases.examples]
enabled = {enabled(PhaseName.EXAMPLES)}

[phases.coverage]
enabled = {enabled(PhaseName.COVERAGE)}

[phases.fuzzing]
enabled = {enabled(PhaseName.FUZZING)}

[phases.stateful]
enabled = {enabled(PhaseName.STATEFUL_TESTING)}
max-steps = {STATEFUL_STEPS}
{CHECKS}
# HTTP lets a server ignore headers it does not know, and tus requests carry no JSON body whose
# unknown properties could be refused: no "unexpected header" cases for them.
[[operations]]
include-tag = "uploads"

[operations.generation]
allow-extra-parameters = false

# Any upload id is taken here (see NOTHING_TO_BREAK): no negative case can be made.
[[operations]]
include-operation-id = "tusOptionsAtUpload"

[operations.generation]
mode = "positive"

# Boundary cases for the Upload-Metadata pattern cost the coverage phase some 14 s of CPU, more
# than every other operation together; that header is fuzzed below and tested in
# test_gateway_tus.py.
[[operations]]
include-operation-id = "createUpload"

[operations.phases.coverage]
enabled = false

# The technician mode's operations (enrolment, audit log, USB import) lead to no other: no link
# starts from them. Left in the stateful phase they would only draw its steps away from the
# chains the links make; the coverage and fuzzing phases test them.
[[operations]]
include-operation-id = ["enrolKiosk", "sendAuditEvents", "importExport"]

[operations.phases.stateful]
enabled = false
"""
    )
    schema = schemathesis.openapi.from_path(SPEC_PATH, config=config)

    @schema.hook("map_case")  # type: ignore[untyped-decorator]
    def coherent(context: Any, case: Any) -> Any:
        meta = case.meta
        if meta is None or meta.generation.mode is not GenerationMode.POSITIVE:
            return case
        _coherent(case)
        if meta.phase.name is TestPhase.STATEFUL and case.operation.label == (
            "POST /api/v1/dossiers"
        ):
            # Links cannot carry a dossier's id into tus metadata (base64 in a header), so
            # the stateful phase cannot upload a dossier's files; dossiers without files it
            # can finalize, and then rate and look up.
            for document in case.body["documents"]:
                document["files"] = []
        return case

    @schema.hook("filter_case")  # type: ignore[untyped-decorator]
    def truly_positive(context: Any, case: Any) -> bool:
        # The coverage phase labels a few cases positive while a header in them breaks its
        # pattern (seen: "Upload-Checksum: 0" in a near-boundary Upload-Offset case); such a
        # case is not valid data, and its 400 is right.
        meta = case.meta
        if meta is None or meta.generation.mode is not GenerationMode.POSITIVE:
            return True
        patterns = _header_patterns(case.operation)
        return all(
            not isinstance(value, str)
            or (pattern := patterns.get(name.lower())) is None
            or pattern.search(value) is not None
            for name, value in (case.headers or {}).items()
        )

    return schema


class EngineRun:
    """What one run of schemathesis' engine reported: phases, errors and failed checks."""

    def __init__(self, schema: Any) -> None:
        self.phases: dict[PhaseName, Status] = {}
        self.errors: list[str] = []
        self.failures: list[str] = []
        for event in from_schema(schema).execute():
            if isinstance(event, events.PhaseFinished):
                self.phases[event.phase.name] = event.status
            elif isinstance(event, events.NonFatalError):
                self.errors.append(f"{event.label}: {event.value!r}")
            elif isinstance(event, events.FatalError):
                self.errors.append(f"fatal: {event.exception!r}")
            elif isinstance(event, events.ScenarioFinished):
                self._record_failures(event)
        # The engine keeps its requests session in a thread-local it never closes, so its
        # socket would be closed whenever the garbage collector next runs, possibly inside a
        # later test that counts this process's file descriptors. Collect now.
        gc.collect()

    def _record_failures(self, event: events.ScenarioFinished) -> None:
        recorder = event.recorder
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.status is not Status.FAILURE or check.failure_info is None:
                    continue
                case = recorder.cases[case_id].value
                response = recorder.find_response(case_id=case_id)
                answer = f"{response.status_code} {response.text[:300]}" if response else "none"
                self.failures.append(
                    f"[{event.phase}] {case.method} {case.path} {check.name}: "
                    f"{check.failure_info.failure.title} -> {answer}\n"
                    f"    {case.as_curl_command()}"
                )


@pytest.fixture
def counted_gateway(tmp_path: Path) -> Iterator[tuple[str, str, Counting]]:
    data_dir = tmp_path / "gateway"
    token = enrol(data_dir, KIOSK)
    counting = Counting(create_app(data_dir, GatewaySettings(), FaultState()))
    with BackgroundServer(counting) as server:
        yield server.url, token, counting


def test_schemathesis_coverage_and_fuzzing_phases_pass(
    counted_gateway: tuple[str, str, Counting],
) -> None:
    url, token, counting = counted_gateway

    run = EngineRun(engine_schema(url, token, {PhaseName.COVERAGE, PhaseName.FUZZING}))

    assert run.errors == []
    assert run.failures == [], "\n".join(run.failures)
    assert run.phases[PhaseName.COVERAGE] is Status.SUCCESS
    assert run.phases[PhaseName.FUZZING] is Status.SUCCESS
    reached = {label for label, _ in counting.seen}
    assert set(OPERATIONS) <= reached, set(OPERATIONS) - reached


def test_schemathesis_stateful_phase_reaches_finalize_rating_and_status(
    counted_gateway: tuple[str, str, Counting],
) -> None:
    url, token, counting = counted_gateway
    # Real answers, reached by following links from a created dossier or upload: a random
    # dossier id, code or upload id only ever meets a 404.
    chained = {
        ("POST /api/v1/dossiers/{dossier_id}/finalize", 200),
        ("POST /api/v1/dossiers/{dossier_id}/rating", 204),
        ("GET /api/v1/status/{code}", 200),
        ("GET /api/v1/dossiers/{dossier_id}", 200),
        ("HEAD /api/v1/uploads/{upload_id}", 200),
        ("PATCH /api/v1/uploads/{upload_id}", 204),
        ("DELETE /api/v1/uploads/{upload_id}", 204),
    }

    for walk in range(WALKS):
        run = EngineRun(engine_schema(url, token, {PhaseName.STATEFUL_TESTING}, SEED + walk))
        assert run.errors == []
        assert run.failures == [], "\n".join(run.failures)
        assert run.phases[PhaseName.STATEFUL_TESTING] is Status.SUCCESS
        if all(counting.answered(*answer) for answer in chained):
            break

    assert {
        answer: counting.answered(*answer) for answer in chained if not counting.answered(*answer)
    } == {}


def test_every_protocol_operation_is_documented() -> None:
    # The gateway's routes and the document list the same operations.
    assert set(OPERATIONS) == {
        "POST /api/v1/dossiers",
        "GET /api/v1/dossiers/{dossier_id}",
        "POST /api/v1/dossiers/{dossier_id}/finalize",
        "POST /api/v1/dossiers/{dossier_id}/rating",
        "OPTIONS /api/v1/uploads",
        "POST /api/v1/uploads",
        "OPTIONS /api/v1/uploads/{upload_id}",
        "HEAD /api/v1/uploads/{upload_id}",
        "PATCH /api/v1/uploads/{upload_id}",
        "DELETE /api/v1/uploads/{upload_id}",
        "GET /api/v1/status/{code}",
        "GET /api/v1/catalog",
        "GET /api/v1/calendar/overrides",
        "GET /api/v1/limits",
        "GET /api/v1/admin-units",
        "POST /api/v1/identity/verify",
        "POST /api/v1/otp",
        "POST /api/v1/otp/{otp_id}/verify",
        "POST /api/v1/kiosks/heartbeat",
        "POST /api/v1/enrolment",
        "POST /api/v1/audit",
        "POST /api/v1/imports",
        "GET /api/v1/health",
        "GET /api/v1/openapi.yaml",
        "GET /openapi.yaml",
    }
