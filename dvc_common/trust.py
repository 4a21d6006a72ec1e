"""What the kiosk and the gateway trust each other with, in code both ends hold: the province's
keys, technician badges and the kiosk's proof of its own key at enrolment.

* **Keys.** The gateway holds two key pairs: an Ed25519 *signing* key (badges and enrolment
  answers are signed with it) and an X25519 *sealing* key (a USB export is encrypted to it,
  ``dvc_common.sealed``). A kiosk holds both public keys in its configuration, so it verifies a
  badge and seals an export with no network. Keys travel as text: ``ed25519:<base64url>`` and
  ``x25519:<base64url>`` of the raw 32 bytes, so a typo is a clear error, not a wrong key.
* **Badges.** A technician's badge is a QR code of ``DVCB1.<payload>.<signature>``: the payload
  is canonical JSON (who, which kiosks or which area, from when, until when), the signature the
  gateway's Ed25519 over ``DVCB1.<payload>``. The kiosk checks it offline against the gateway's
  key in its configuration (``verify_badge``); every refusal has its reason. Since 1 July 2025
  there are no districts: a badge names kiosks, or an *area* as a prefix of the units' codes (a
  province's or a commune's), which is the same test for both.
* **Enrolment.** The gateway issues a one-time code (``DVCE1.<code>.<gateway URL>``, shown as a
  QR). The kiosk makes its own Ed25519 key pair and sends the code, its public key and its
  signature over ``enrolment_message(code, public key)``: proof that whoever asks holds the
  private key, and that the code was not lifted from another request.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from hashlib import sha256
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

BADGE_PREFIX: Final = "DVCB1"
ENROLMENT_PREFIX: Final = "DVCE1"
# A badge's QR stays readable by a kiosk's camera at arm's length: keep the payload small.
MAX_BADGE_CHARS: Final = 600
_KIOSK_ID = re.compile(r"^[A-Z0-9]{2,12}$")
_AREA = re.compile(r"^[A-Z0-9]+(\.[0-9A-Z]+)*$")
_CODE = re.compile(r"^[A-Z2-7]{16,40}$")  # base32 without padding: readable, typeable


class KeyKind(StrEnum):
    SIGNING = "ed25519"
    SEALING = "x25519"


class TrustError(ValueError):
    """A key, code or badge that cannot be used; the message says why, in technician words."""


# --- keys ----------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TrustError("not base64url") from exc


def _raw(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_text(key: Ed25519PublicKey | X25519PublicKey) -> str:
    """``ed25519:…`` / ``x25519:…``: how a public key is written in configuration and JSON."""
    kind = KeyKind.SIGNING if isinstance(key, Ed25519PublicKey) else KeyKind.SEALING
    return f"{kind.value}:{_b64(_raw(key))}"


def _key_bytes(text: str, prefix: str) -> bytes:
    """The 32 raw bytes of a key written ``<prefix>:<base64url>`` (public keys are prefixed
    with their kind, private ones with ``<kind>-private``)."""
    found, _, body = text.strip().partition(":")
    if found != prefix or not body:
        raise TrustError(f"expected an {prefix}: key, got {text[:12]!r}…")
    raw = _unb64(body)
    if len(raw) != 32:
        raise TrustError(f"an {prefix} key is 32 bytes, this one is {len(raw)}")
    return raw


def signing_public_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_key_bytes(text, KeyKind.SIGNING.value))


def sealing_public_key(text: str) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(_key_bytes(text, KeyKind.SEALING.value))


def private_key_text(key: Ed25519PrivateKey | X25519PrivateKey) -> str:
    """A private key as text, for a 0600 file (never configuration, never logs)."""
    kind = KeyKind.SIGNING if isinstance(key, Ed25519PrivateKey) else KeyKind.SEALING
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return f"{kind.value}-private:{_b64(raw)}"


def signing_private_key(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_key_bytes(text, f"{KeyKind.SIGNING}-private"))


def sealing_private_key(text: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_key_bytes(text, f"{KeyKind.SEALING}-private"))


def key_id(key: Ed25519PublicKey | X25519PublicKey) -> str:
    """A short name for a public key (16 hex digits of its SHA-256), to say which key sealed or
    signed without carrying the key."""
    return sha256(_raw(key)).hexdigest()[:16]


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# --- badges --------------------------------------------------------------------------------------


class BadgeProblem(StrEnum):
    """Why a badge is refused; the technician screen words each one."""

    MALFORMED = "malformed"  # not a badge, or damaged
    BAD_SIGNATURE = "bad_signature"  # not signed by this kiosk's gateway
    NOT_YET_VALID = "not_yet_valid"  # the kiosk's clock is before the badge's start
    EXPIRED = "expired"
    OTHER_KIOSK = "other_kiosk"  # names kiosks, not this one
    OTHER_AREA = "other_area"  # names an area this kiosk is not in


class BadgeRefusedError(TrustError):
    def __init__(self, problem: BadgeProblem, detail: str = "") -> None:
        super().__init__(f"{problem.value}{': ' + detail if detail else ''}")
        self.problem = problem


@dataclass(frozen=True)
class Badge:
    """A technician's authorisation: valid for ``kiosks`` (ids) or for every kiosk whose unit code
    starts with ``area`` (exactly one of the two), from ``not_before`` to ``expires``."""

    technician_id: str
    technician_name: str
    not_before: datetime
    expires: datetime
    kiosks: tuple[str, ...] = ()
    area: str = ""
    serial: str = field(default="")  # the gateway's number for it, for the audit log

    def __post_init__(self) -> None:
        if bool(self.kiosks) == bool(self.area):
            raise TrustError("a badge names kiosks or an area, exactly one")
        if any(not _KIOSK_ID.fullmatch(k) for k in self.kiosks):
            raise TrustError("a kiosk id is 2-12 upper-case letters or digits")
        if self.area and not _AREA.fullmatch(self.area):
            raise TrustError("an area is a unit code prefix such as H22 or H22.01")
        if self.not_before.tzinfo is None or self.expires.tzinfo is None:
            raise TrustError("a badge's times carry their time zone")
        if self.expires <= self.not_before:
            raise TrustError("a badge expires after it starts")
        if not (1 <= len(self.technician_id) <= 40 and 1 <= len(self.technician_name) <= 80):
            raise TrustError("a technician has an id (1-40) and a name (1-80 characters)")

    def covers(self, kiosk_id: str, unit_code: str) -> bool:
        if self.kiosks:
            return kiosk_id in self.kiosks
        # "H22" covers "H22" and "H22.01.03", not "H221".
        return unit_code == self.area or unit_code.startswith(self.area + ".")

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "v": 1,
            "tid": self.technician_id,
            "name": self.technician_name,
            "nbf": int(self.not_before.timestamp()),
            "exp": int(self.expires.timestamp()),
        }
        if self.kiosks:
            body["kiosks"] = list(self.kiosks)
        else:
            body["area"] = self.area
        if self.serial:
            body["sn"] = self.serial
        return body


def sign_badge(badge: Badge, key: Ed25519PrivateKey) -> str:
    """The badge's QR text, signed with the gateway's signing key."""
    head = f"{BADGE_PREFIX}.{_b64(_canonical(badge.payload()))}"
    text = f"{head}.{_b64(key.sign(head.encode('ascii')))}"
    if len(text) > MAX_BADGE_CHARS:
        raise TrustError(f"the badge is {len(text)} characters; keep it to {MAX_BADGE_CHARS}")
    return text


def is_badge(text: str) -> bool:
    """Whether a code read at the QR reader is meant as a badge (a citizen's card never is)."""
    return text.startswith(BADGE_PREFIX + ".")


def _badge_from(payload: Any) -> Badge:
    if not isinstance(payload, dict) or payload.get("v") != 1:
        raise BadgeRefusedError(BadgeProblem.MALFORMED, "unknown version")
    try:
        return Badge(
            technician_id=str(payload["tid"]),
            technician_name=str(payload["name"]),
            not_before=datetime.fromtimestamp(int(payload["nbf"]), UTC),
            expires=datetime.fromtimestamp(int(payload["exp"]), UTC),
            kiosks=tuple(str(k) for k in payload.get("kiosks", ())),
            area=str(payload.get("area", "")),
            serial=str(payload.get("sn", "")),
        )
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise BadgeRefusedError(BadgeProblem.MALFORMED, str(exc)) from exc


def verify_badge(
    text: str, key: Ed25519PublicKey, *, now: datetime, kiosk_id: str, unit_code: str
) -> Badge:
    """The badge ``text`` names, if the gateway signed it and it is valid here and now; else
    ``BadgeRefusedError`` with the reason. The signature is checked before anything is believed."""
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] != BADGE_PREFIX or len(text) > MAX_BADGE_CHARS:
        raise BadgeRefusedError(BadgeProblem.MALFORMED)
    try:
        signature, payload_bytes = _unb64(parts[2]), _unb64(parts[1])
    except TrustError as exc:
        raise BadgeRefusedError(BadgeProblem.MALFORMED, str(exc)) from exc
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except (InvalidSignature, ValueError) as exc:
        raise BadgeRefusedError(BadgeProblem.BAD_SIGNATURE) from exc
    try:
        payload = json.loads(payload_bytes)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadgeRefusedError(BadgeProblem.MALFORMED, "payload is not JSON") from exc
    try:
        badge = _badge_from(payload)
    except TrustError as exc:
        if isinstance(exc, BadgeRefusedError):
            raise
        raise BadgeRefusedError(BadgeProblem.MALFORMED, str(exc)) from exc
    if now < badge.not_before:
        raise BadgeRefusedError(BadgeProblem.NOT_YET_VALID)
    if now >= badge.expires:
        raise BadgeRefusedError(BadgeProblem.EXPIRED)
    if not badge.covers(kiosk_id, unit_code):
        other = BadgeProblem.OTHER_KIOSK if badge.kiosks else BadgeProblem.OTHER_AREA
        raise BadgeRefusedError(other)
    return badge


# --- enrolment -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentCode:
    """What the gateway's enrolment QR says: a one-time code and where to redeem it
    (``gateway_url`` empty when the code was typed by hand: the configured gateway then)."""

    code: str
    gateway_url: str = ""

    def __post_init__(self) -> None:
        if not _CODE.fullmatch(self.code):
            raise TrustError("an enrolment code is 16-40 characters A-Z and 2-7")
        if self.gateway_url and not self.gateway_url.startswith(("https://", "http://")):
            raise TrustError("the gateway's address must be an http(s) URL")

    def text(self) -> str:
        return f"{ENROLMENT_PREFIX}.{self.code}.{self.gateway_url}"


def is_enrolment_code(text: str) -> bool:
    return text.startswith(ENROLMENT_PREFIX + ".")


def parse_enrolment_code(text: str) -> EnrolmentCode:
    """``DVCE1.<code>.<url>`` (the QR), or a bare code typed by hand (spaces and dashes allowed,
    any case)."""
    text = text.strip()
    if is_enrolment_code(text):
        parts = text.split(".", 2)
        if len(parts) != 3:
            raise TrustError("an enrolment QR is DVCE1.<code>.<gateway address>")
        return EnrolmentCode(parts[1].upper(), parts[2].rstrip("/"))
    return EnrolmentCode(text.replace(" ", "").replace("-", "").upper())


def enrolment_message(code: str, kiosk_public_key: str) -> bytes:
    """What the kiosk signs with its new private key to enrol: binds the code to the key."""
    return f"dvc-enrol-v1\n{code}\n{kiosk_public_key}".encode()


def sign_enrolment(code: str, key: Ed25519PrivateKey) -> tuple[str, str]:
    """The kiosk's public key text and its base64url signature over ``enrolment_message``."""
    public = public_key_text(key.public_key())
    return public, _b64(key.sign(enrolment_message(code, public)))


def check_enrolment_proof(code: str, kiosk_public_key: str, signature: str) -> None:
    """The gateway's check that the kiosk holds the private key of ``kiosk_public_key``."""
    key = signing_public_key(kiosk_public_key)
    try:
        key.verify(_unb64(signature), enrolment_message(code, kiosk_public_key))
    except InvalidSignature as exc:
        raise TrustError("the kiosk's proof of its key does not verify") from exc
