"""``kiosk enrol``: the kiosk's side of enrolment, against a small gateway on loopback that
implements exactly the contract (``POST /api/v1/enrolment`` answering 201 or a problem+json
refusal, then the authenticated catalog and calendar an enrolled kiosk downloads).

The reference gateway's own endpoint is being written alongside; a test against it follows.
Here the fake checks the kiosk's proof with ``dvc_common.trust`` as the gateway will, and keeps
its codes' states (fresh, used, expired), so "used" is reached by using a code twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from config.settings import Settings, load_settings, save_settings
from dvc_common.calendar import load_overrides
from dvc_common.catalog import load_catalog
from dvc_common.trust import (
    EnrolmentCode,
    TrustError,
    check_enrolment_proof,
    public_key_text,
    signing_private_key,
)
from gateway.reference import catalog_document, overrides_document
from kiosk.enrolment import ENROLMENT_PATH, EnrolmentError, EnrolmentProblem, enrol
from offline_queue.opening import reference_dir
from offline_queue.reference import installed_catalog, installed_overrides

ROOT = Path(__file__).resolve().parents[2]
CODE = "ABCDEFGHIJKLMNOPQRST2345"
PROBLEMS = "https://kiosk.example/problems/"


class CodeState(StrEnum):
    FRESH = "fresh"
    USED = "used"
    EXPIRED = "expired"


@dataclass
class FakeGateway:
    """The enrolment contract on 127.0.0.1; what it was sent is kept for the assertions."""

    url: str = ""
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    codes: dict[str, CodeState] = field(default_factory=lambda: {CODE: CodeState.FRESH})
    kiosk_id: str = "KIOSK07"
    refuse_proofs: bool = False  # answer every proof as invalid
    answer: dict[str, Any] | None = None  # a 201 body other than the contract's
    reference_fails: bool = False
    enrolments: list[dict[str, Any]] = field(default_factory=list)
    enrolment_auth: list[str | None] = field(default_factory=list)
    reference_auth: list[str | None] = field(default_factory=list)
    signing: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    sealing: X25519PrivateKey = field(default_factory=X25519PrivateKey.generate)

    def contract_answer(self) -> dict[str, Any]:
        return {
            "kiosk_id": self.kiosk_id,
            "token": self.token,
            "signing_key": public_key_text(self.signing.public_key()),
            "sealing_key": public_key_text(self.sealing.public_key()),
        }

    def enrol(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        code = str(body.get("code", ""))
        state = self.codes.get(code)
        if state is None:
            return 404, problem("enrolment-code-unknown", 404, "no such enrolment code")
        if state is CodeState.USED:
            return 409, problem("enrolment-code-used", 409, "the code was used")
        if state is CodeState.EXPIRED:
            return 410, problem("enrolment-code-expired", 410, "the code expired")
        try:
            if self.refuse_proofs:
                raise TrustError("refused by the test")
            check_enrolment_proof(code, str(body["kiosk_public_key"]), str(body["proof"]))
        except (TrustError, KeyError):
            return 400, problem("enrolment-proof-invalid", 400, "the proof does not verify")
        self.codes[code] = CodeState.USED
        return 201, self.answer if self.answer is not None else self.contract_answer()


def problem(kind: str, status: int, detail: str) -> dict[str, Any]:
    return {"type": PROBLEMS + kind, "title": kind, "status": status, "detail": detail}


def reference_documents() -> dict[str, bytes]:
    return {
        "/api/v1/catalog": json.dumps(catalog_document(load_catalog())).encode(),
        "/api/v1/calendar/overrides": json.dumps(overrides_document(load_overrides())).encode(),
    }


@contextlib.contextmanager
def serve(gateway: FakeGateway) -> Iterator[FakeGateway]:
    documents = reference_documents()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict[str, Any] | bytes, kind: str) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            if self.path != ENROLMENT_PATH:
                self._send(404, problem("not-found", 404, self.path), "application/problem+json")
                return
            gateway.enrolments.append(body)
            gateway.enrolment_auth.append(self.headers.get("Authorization"))
            status, answer = gateway.enrol(body)
            kind = "application/json" if status == 201 else "application/problem+json"
            self._send(status, answer, kind)

        def do_GET(self) -> None:
            gateway.reference_auth.append(self.headers.get("Authorization"))
            if self.headers.get("Authorization") != f"Bearer {gateway.token}":
                self._send(401, problem("unauthorized", 401, "token"), "application/problem+json")
            elif gateway.reference_fails:
                self._send(
                    500, problem("internal-error", 500, "broken"), "application/problem+json"
                )
            elif self.path in documents:
                self._send(200, documents[self.path], "application/json")
            else:  # limits and units: a gateway that predates them
                self._send(404, problem("not-found", 404, self.path), "application/problem+json")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll keeps shutdown() quick: it waits for the loop to look again.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with serve(FakeGateway()) as running:
        yield running


def existing_config(tmp_path: Path, **gateway: Any) -> Path:
    """A configured kiosk not yet enrolled, with a setting of its own that must survive."""
    settings = Settings.model_validate(
        {
            "agency": {"name": "Ủy ban nhân dân xã Thử Nghiệm"},
            "gateway": gateway,
            "paths": {"data_dir": str(tmp_path / "data"), "scratch_dir": str(tmp_path / "s")},
        }
    )
    path = tmp_path / "kiosk.toml"
    save_settings(settings, path)
    return path


def qr_text(url: str, code: str = CODE) -> str:
    return EnrolmentCode(code, url).text()


def test_a_qr_code_enrols_the_kiosk(tmp_path: Path, gateway: FakeGateway) -> None:
    config = existing_config(tmp_path)
    enrolled = enrol(qr_text(gateway.url), config)

    settings = load_settings(config)
    assert settings.kiosk.id == "KIOSK07" == enrolled.kiosk_id
    assert settings.gateway.url == gateway.url == enrolled.gateway_url
    assert settings.gateway.token.get_secret_value() == gateway.token
    assert settings.gateway.signing_key == public_key_text(gateway.signing.public_key())
    assert settings.gateway.sealing_key == public_key_text(gateway.sealing.public_key())
    assert settings.agency.name == "Ủy ban nhân dân xã Thử Nghiệm"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert gateway.token not in repr(enrolled)

    # The kiosk's own key: 0600, and the public half is the one the gateway was sent.
    key_path = settings.paths.data_dir / "kiosk.key"
    assert enrolled.key_path == key_path
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    key = signing_private_key(key_path.read_text(encoding="ascii"))
    (sent,) = gateway.enrolments
    assert set(sent) == {"code", "kiosk_public_key", "proof"} and sent["code"] == CODE
    assert sent["kiosk_public_key"] == public_key_text(key.public_key())
    # Enrolment goes without a token; the downloads that follow carry the new one.
    assert gateway.enrolment_auth == [None]
    assert set(gateway.reference_auth) == {f"Bearer {gateway.token}"}

    # Catalog and calendar installed where the kiosk reads them, as the sync process would.
    references = reference_dir(settings)
    assert installed_catalog(references) is not None
    assert installed_overrides(references) is not None
    assert enrolled.reference is not None and enrolled.reference.catalog_updated
    assert enrolled.reference_problem == ""
    assert len(load_catalog(installed_catalog(references))) == len(load_catalog())


def test_a_typed_code_uses_the_configured_gateway(tmp_path: Path, gateway: FakeGateway) -> None:
    config = existing_config(tmp_path, url=gateway.url)
    typed = "abcd-efgh ijkl-mnop-qrst-2345"  # as read aloud over the phone
    enrolled = enrol(typed, config)
    assert enrolled.gateway_url == gateway.url
    assert gateway.enrolments[0]["code"] == CODE


def test_the_gateway_given_wins_over_the_qr_s(tmp_path: Path, gateway: FakeGateway) -> None:
    config = existing_config(tmp_path)
    enrolled = enrol(qr_text("http://127.0.0.1:9"), config, gateway_url=gateway.url + "/")
    assert enrolled.gateway_url == gateway.url
    assert load_settings(config).gateway.url == gateway.url


@pytest.mark.parametrize(
    ("state", "refuse_proofs", "expected"),
    [
        (None, False, EnrolmentProblem.CODE_UNKNOWN),
        (CodeState.USED, False, EnrolmentProblem.CODE_USED),
        (CodeState.EXPIRED, False, EnrolmentProblem.CODE_EXPIRED),
        (CodeState.FRESH, True, EnrolmentProblem.PROOF_INVALID),
    ],
)
def test_a_refusal_leaves_everything_as_it_was(
    tmp_path: Path,
    gateway: FakeGateway,
    state: CodeState | None,
    refuse_proofs: bool,
    expected: EnrolmentProblem,
) -> None:
    if state is None:
        gateway.codes.clear()
    else:
        gateway.codes[CODE] = state
    gateway.refuse_proofs = refuse_proofs
    config = existing_config(tmp_path)
    before = config.read_bytes()
    with pytest.raises(EnrolmentError) as refused:
        enrol(qr_text(gateway.url), config)
    assert refused.value.problem is expected
    assert expected.message in str(refused.value)
    assert config.read_bytes() == before
    assert not (tmp_path / "data").exists()  # no key, no outbox, no reference data


def test_a_code_enrols_once(tmp_path: Path, gateway: FakeGateway) -> None:
    config = existing_config(tmp_path)
    enrol(qr_text(gateway.url), config)
    enrolled = config.read_bytes()
    key = (tmp_path / "data" / "kiosk.key").read_bytes()
    with pytest.raises(EnrolmentError) as again:
        enrol(qr_text(gateway.url), config)
    assert again.value.problem is EnrolmentProblem.CODE_USED
    assert "ask the gateway's operator for a new one" in str(again.value)
    assert config.read_bytes() == enrolled
    assert (tmp_path / "data" / "kiosk.key").read_bytes() == key


def test_no_network_changes_nothing(tmp_path: Path) -> None:
    config = existing_config(tmp_path)
    before = config.read_bytes()
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        with pytest.raises(EnrolmentError) as down:
            enrol(qr_text(url), config)
    assert down.value.problem is EnrolmentProblem.UNREACHABLE
    assert "could not be reached" in str(down.value) and url in str(down.value)
    assert config.read_bytes() == before
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ({"signing_key": "ed25519:nonsense"}, "gateway.signing_key"),
        ({"kiosk_id": "kiosk seven"}, "kiosk.id"),
        ({"token": ""}, "token"),
    ],
)
def test_an_answer_that_breaks_the_contract_is_not_taken_up(
    tmp_path: Path, gateway: FakeGateway, answer: dict[str, Any], named: str
) -> None:
    gateway.answer = {**gateway.contract_answer(), **answer}
    config = existing_config(tmp_path)
    before = config.read_bytes()
    with pytest.raises(EnrolmentError) as bad:
        enrol(qr_text(gateway.url), config)
    assert bad.value.problem is EnrolmentProblem.BAD_ANSWER
    assert named in str(bad.value) and gateway.token not in str(bad.value)
    assert config.read_bytes() == before


def test_another_refusal_is_reported_with_its_status(tmp_path: Path, gateway: FakeGateway) -> None:
    config = existing_config(tmp_path)
    with pytest.raises(EnrolmentError) as refused:
        enrol(qr_text(gateway.url + "/elsewhere"), config)  # the fake's 404 not-found
    assert refused.value.problem is EnrolmentProblem.REFUSED
    assert "HTTP 404" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "url", "expected"),
    [
        ("DVCE1.short.https://gw.example.vn", None, EnrolmentProblem.INVALID_CODE),
        ("hello", None, EnrolmentProblem.INVALID_CODE),
        (CODE, "http://gateway.example.vn", EnrolmentProblem.BAD_GATEWAY_URL),
    ],
)
def test_wrong_input_is_refused_before_anything_is_sent(
    tmp_path: Path, text: str, url: str | None, expected: EnrolmentProblem
) -> None:
    config = existing_config(tmp_path)
    before = config.read_bytes()
    with pytest.raises(EnrolmentError) as wrong:
        enrol(text, config, gateway_url=url)
    assert wrong.value.problem is expected
    assert config.read_bytes() == before


def test_a_failed_download_does_not_undo_the_enrolment(
    tmp_path: Path, gateway: FakeGateway
) -> None:
    gateway.reference_fails = True
    config = existing_config(tmp_path)
    enrolled = enrol(qr_text(gateway.url), config)
    assert enrolled.reference is None and "HTTP 500" in enrolled.reference_problem
    assert load_settings(config).gateway.token.get_secret_value() == gateway.token


# --- the command ---------------------------------------------------------------------------------


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "-v", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "KIOSK_CONFIG": ""},
        check=False,
    )


def test_kiosk_enrol_never_prints_the_token(tmp_path: Path, gateway: FakeGateway) -> None:
    config = existing_config(tmp_path)
    done = kiosk("enrol", qr_text(gateway.url), "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "enrolled as KIOSK07 at " + gateway.url in done.stdout
    assert gateway.token not in done.stdout + done.stderr
    again = kiosk("enrol", qr_text(gateway.url), "--config", str(config))
    assert again.returncode == 2
    assert "not enrolled: this code has already been used" in again.stderr
    assert gateway.token not in again.stdout + again.stderr


def test_kiosk_enrol_without_a_gateway_exits_1_and_changes_nothing(tmp_path: Path) -> None:
    config = existing_config(tmp_path)
    before = config.read_bytes()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        done = kiosk("--config", str(config), "enrol", CODE, "--gateway", url)
    assert done.returncode == 1
    assert "could not be reached" in done.stderr
    assert config.read_bytes() == before
