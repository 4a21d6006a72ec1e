"""Enrolling a kiosk with its gateway, without a screen: what ``kiosk enrol CODE`` does.

The gateway's operator issues a one-time code (a QR that also says where the gateway is, or a
code typed by hand; ``dvc_common.trust``). The kiosk makes its own Ed25519 key pair, proves it
holds the private key by signing the code with it, and sends ``POST /api/v1/enrolment``
``{"code", "kiosk_public_key", "proof"}``. The gateway answers ``201`` with
``{"kiosk_id", "token", "signing_key", "sealing_key"}``, or refuses with problem+json whose
``type`` ends with ``enrolment-code-unknown``, ``-used``, ``-expired`` or
``enrolment-proof-invalid`` (``EnrolmentProblem``).

Only an accepted enrolment writes anything, in this order: the private key (0600,
``paths.data_dir/kiosk.key``), the gateway's catalog and calendar (``offline_queue.reference``,
the sync process's own code, so the sync process finds them current), then the configuration,
atomically, with the kiosk id, the gateway's address, token and keys. A refusal or a network
failure leaves every file as it was. A reference download that fails after the gateway accepted
does not undo the enrolment (the code is spent): the sync process fetches the data later.

The token is a secret: it is never printed, logged or kept anywhere but the 0600 configuration.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr, ValidationError

from config.settings import GatewaySection, Settings, load_settings, save_settings
from dvc_common.atomic import write_atomic
from dvc_common.privacy import mask_digits_in
from dvc_common.trust import (
    TrustError,
    key_id,
    parse_enrolment_code,
    private_key_text,
    sign_enrolment,
    signing_public_key,
)
from kiosk.doctor import KIOSK_KEY_FILE, gateway_verify
from offline_queue.crypto import CryptoError
from offline_queue.errors import StoreError
from offline_queue.opening import open_queue_store, reference_dir
from offline_queue.reference import ReferenceData, RefreshResult
from offline_queue.transport import GatewayError, HttpTransport, classify

log = logging.getLogger(__name__)

ENROLMENT_PATH = "/api/v1/enrolment"


class EnrolmentProblem(StrEnum):
    """Why an enrolment did not happen; ``message`` says it in technician words."""

    INVALID_CODE = "invalid_code"  # not an enrolment code (typo, wrong QR)
    BAD_GATEWAY_URL = "bad_gateway_url"  # not an address the kiosk may send to
    CODE_UNKNOWN = "code_unknown"
    CODE_USED = "code_used"
    CODE_EXPIRED = "code_expired"
    PROOF_INVALID = "proof_invalid"
    REFUSED = "refused"  # another refusal (an older gateway, a proxy's page)
    UNREACHABLE = "unreachable"  # no answer: network down, wrong address, TLS not trusted
    BAD_ANSWER = "bad_answer"  # accepted, but the answer breaks the protocol
    NOT_SAVED = "not_saved"  # accepted, but the kiosk could not write what it received

    @property
    def message(self) -> str:
        return _MESSAGES[self]


_MESSAGES: dict[EnrolmentProblem, str] = {
    EnrolmentProblem.INVALID_CODE: "this is not an enrolment code; check what was typed or scanned",
    EnrolmentProblem.BAD_GATEWAY_URL: "the gateway's address cannot be used",
    EnrolmentProblem.CODE_UNKNOWN: (
        "the gateway does not know this code: check it was typed right, or ask the gateway's "
        "operator for a new one"
    ),
    EnrolmentProblem.CODE_USED: (
        "this code has already been used: ask the gateway's operator for a new one"
    ),
    EnrolmentProblem.CODE_EXPIRED: (
        "this code has expired: ask the gateway's operator for a new one"
    ),
    EnrolmentProblem.PROOF_INVALID: (
        "the gateway could not verify this kiosk's proof of its key: check the kiosk's and the "
        "gateway's software versions match, then try again"
    ),
    EnrolmentProblem.REFUSED: "the gateway refused the enrolment",
    EnrolmentProblem.UNREACHABLE: (
        "the gateway could not be reached: check the network, the gateway's address and "
        "gateway.ca_file (kiosk doctor shows each step); nothing was changed"
    ),
    EnrolmentProblem.BAD_ANSWER: (
        "the gateway accepted the code but its answer is not what the protocol says; the code "
        "is probably spent: ask for a new one once the gateway is fixed"
    ),
    EnrolmentProblem.NOT_SAVED: (
        "the gateway accepted the code but the kiosk could not save what it received; the code "
        "is spent: free the disk or fix the permissions, then enrol with a new code"
    ),
}

# The last segment of the problem ``type`` URI the gateway answers a refusal with.
_REFUSALS: dict[str, EnrolmentProblem] = {
    "enrolment-code-unknown": EnrolmentProblem.CODE_UNKNOWN,
    "enrolment-code-used": EnrolmentProblem.CODE_USED,
    "enrolment-code-expired": EnrolmentProblem.CODE_EXPIRED,
    "enrolment-proof-invalid": EnrolmentProblem.PROOF_INVALID,
}


class EnrolmentError(Exception):
    """The kiosk was not enrolled (or, for BAD_ANSWER and NOT_SAVED, the gateway enrolled it
    but the kiosk could not take it up)."""

    def __init__(self, problem: EnrolmentProblem, detail: str = "") -> None:
        self.problem = problem
        self.detail = detail
        super().__init__(problem.message + (f" ({detail})" if detail else ""))


@dataclass(frozen=True)
class Enrolled:
    """What an accepted enrolment left behind; deliberately without the token."""

    kiosk_id: str
    gateway_url: str
    config_path: Path
    key_path: Path
    signing_key_id: str  # a short digest of the gateway's signing key, to compare by eye
    reference: RefreshResult | None  # None when the download failed
    reference_problem: str = ""  # why it failed ("" when it did not)


def _transport(gateway: GatewaySection, token: str, user_agent: str) -> HttpTransport:
    # No token (enrolling): the transport sends no Authorization header; the old token, if any,
    # is one this enrolment replaces and that the gateway need not see.
    return HttpTransport(
        gateway.url,
        token,
        verify=gateway_verify(gateway),
        connect_timeout_s=gateway.connect_timeout_s,
        read_timeout_s=gateway.read_timeout_s,
        deadline_s=gateway.connect_timeout_s + gateway.read_timeout_s,
        proxy=gateway.proxy,
        user_agent=user_agent,
    )


def _with_gateway(settings: Settings, url: str) -> Settings:
    """``settings`` with the gateway at ``url``, validated as the configuration would be."""
    raw = settings.model_dump()
    raw["gateway"]["url"] = url
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        reasons = "; ".join(str(e["msg"]) for e in exc.errors())
        raise EnrolmentError(EnrolmentProblem.BAD_GATEWAY_URL, f"{url}: {reasons}") from None


def _enrolled_settings(settings: Settings, answer: dict[str, Any]) -> Settings:
    """``settings`` with what the gateway's 201 answer gives; BAD_ANSWER naming the fields that
    break the protocol (never their values: one of them is the token)."""
    raw = settings.model_dump()
    fields = ("kiosk_id", "token", "signing_key", "sealing_key")
    wrong = [f for f in fields if not isinstance(answer.get(f), str) or not answer[f]]
    if wrong:
        raise EnrolmentError(EnrolmentProblem.BAD_ANSWER, f"missing or empty: {', '.join(wrong)}")
    raw["kiosk"]["id"] = answer["kiosk_id"]
    raw["gateway"].update(
        token=SecretStr(answer["token"]),
        signing_key=answer["signing_key"],
        sealing_key=answer["sealing_key"],
    )
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        names = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise EnrolmentError(
            EnrolmentProblem.BAD_ANSWER, f"not valid: {', '.join(names)}"
        ) from None


def _refusal(transport: HttpTransport, status: int, problem: dict[str, Any]) -> EnrolmentError:
    kind = str(problem.get("type", "")).rstrip("/").rsplit("/", 1)[-1]
    detail = mask_digits_in(str(problem.get("detail", "")))[:200]
    known = _REFUSALS.get(kind)
    if known is not None:
        return EnrolmentError(known, detail)
    said = f"HTTP {status}" + (f": {detail}" if detail else "")
    return EnrolmentError(EnrolmentProblem.REFUSED, f"{said} from {transport.url(ENROLMENT_PATH)}")


def _download_reference(settings: Settings) -> tuple[RefreshResult | None, str]:
    """The gateway's catalog, calendar, limits and units, installed as the sync process does
    (its ETags kept in the outbox, so the sync process's next refresh is a 304)."""
    transport = _transport(settings.gateway, settings.gateway.token.get_secret_value(), "kiosk")
    try:
        store = open_queue_store(settings)
    except (StoreError, CryptoError, OSError) as exc:
        transport.close()
        return None, f"the outbox cannot be opened: {mask_digits_in(str(exc))[:200]}"
    try:
        return ReferenceData(store, transport, reference_dir(settings)).refresh(), ""
    except (GatewayError, StoreError, OSError) as exc:
        return None, mask_digits_in(str(exc))[:200]
    finally:
        store.close()
        transport.close()


def enrol(
    code_text: str,
    config_path: Path,
    *,
    gateway_url: str | None = None,
) -> Enrolled:
    """Enrol this kiosk with the code ``code_text`` and write what the gateway gives into the
    configuration at ``config_path`` (created from the defaults if it does not exist).

    The gateway is ``gateway_url`` if given (the technician's word wins), else the one the QR
    code names, else the configured one. Raises ``EnrolmentError`` (files untouched unless the
    problem is NOT_SAVED) or ``ConfigError`` for a configuration that cannot be read.
    """
    settings = load_settings(config_path) if config_path.exists() else Settings()
    try:
        code = parse_enrolment_code(code_text)
    except TrustError as exc:
        raise EnrolmentError(EnrolmentProblem.INVALID_CODE, str(exc)) from None
    url = (gateway_url or code.gateway_url or settings.gateway.url).rstrip("/")
    settings = _with_gateway(settings, url)

    key = Ed25519PrivateKey.generate()
    public_key, proof = sign_enrolment(code.code, key)
    transport = _transport(settings.gateway, "", "kiosk-enrol")
    try:
        response = transport.request(
            "POST",
            ENROLMENT_PATH,
            json_body={"code": code.code, "kiosk_public_key": public_key, "proof": proof},
        )
    except GatewayError as exc:
        raise EnrolmentError(EnrolmentProblem.UNREACHABLE, f"{url}: {exc.detail}") from None
    finally:
        transport.close()
    if response.status != 201:
        # classify() reads problem+json as the sync engine does (its clock is for Retry-After).
        problem = classify(response, f"POST {ENROLMENT_PATH}", 0.0).problem
        raise _refusal(transport, response.status, problem)
    try:
        answer = response.json_object()
    except GatewayError:
        raise EnrolmentError(EnrolmentProblem.BAD_ANSWER, "the answer is not JSON") from None
    enrolled = _enrolled_settings(settings, answer)

    key_path = enrolled.paths.data_dir / KIOSK_KEY_FILE
    try:
        write_atomic(key_path, (private_key_text(key) + "\n").encode("ascii"), mode=0o600)
    except OSError as exc:
        raise EnrolmentError(EnrolmentProblem.NOT_SAVED, f"{key_path}: {exc.strerror}") from None
    reference, reference_problem = _download_reference(enrolled)
    try:
        save_settings(enrolled, config_path)
    except OSError as exc:
        raise EnrolmentError(EnrolmentProblem.NOT_SAVED, f"{config_path}: {exc.strerror}") from None
    log.info("enrolled as %s at %s", enrolled.kiosk.id, enrolled.gateway.url)
    return Enrolled(
        kiosk_id=enrolled.kiosk.id,
        gateway_url=enrolled.gateway.url,
        config_path=config_path,
        key_path=key_path,
        signing_key_id=key_id(signing_public_key(enrolled.gateway.signing_key)),
        reference=reference,
        reference_problem=reference_problem,
    )
