"""What the gateway issues for the technician mode: one-time enrolment codes for kiosks and
signed technician badges (``dvc_common.trust`` defines both), and their QR images.

An enrolment code is kept only as its SHA-256 (``enrolment_code_digest``): a copy of the
database enrols nothing. A badge is recorded (who, where, when, its serial) but its signed text
is not kept: it is a credential, printed or shown once.
"""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Final

import qrcode  # no type stubs (mypy: ignore_missing_imports)
import qrcode.constants
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dvc_common.atomic import write_atomic
from dvc_common.trust import Badge, EnrolmentCode, sign_badge
from gateway.store import BadgeRecord, EnrolmentCodeRecord, Store

# 15 random bytes are 24 base32 characters without padding: 120 bits, typeable from paper.
_CODE_BYTES: Final = 15
# A kiosk's clock may run a little behind the gateway's: a badge that starts "now" would be
# refused as not yet valid on it for those minutes.
BADGE_CLOCK_SKEW: Final = timedelta(minutes=5)
# The widest serial a badge is dry-run signed with, to check its length before it is recorded.
_LONGEST_SERIAL: Final = "B9999999999"


class CodeState(StrEnum):
    """Where an enrolment code stands, as the console and ``enrol-code list`` show it."""

    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


def code_state(code: EnrolmentCodeRecord, now: datetime) -> CodeState:
    """Used, revoked or expired (in that order: a code used before its expiry stays "used"),
    else valid."""
    if code.used_at is not None:
        return CodeState.USED
    if code.revoked_at is not None:
        return CodeState.REVOKED
    if code.expires_at <= now:
        return CodeState.EXPIRED
    return CodeState.VALID


def new_enrolment_code() -> str:
    """A fresh one-time code: base32 (A-Z, 2-7) of random bytes."""
    return base64.b32encode(secrets.token_bytes(_CODE_BYTES)).decode("ascii")


def enrolment_code_digest(code: str) -> str:
    """What the store keeps of an enrolment code."""
    return hashlib.sha256(code.encode("ascii", errors="replace")).hexdigest()


def issue_enrolment_code(
    store: Store,
    *,
    kiosk_id: str,
    now: datetime,
    ttl: timedelta,
    gateway_url: str = "",
    unit_code: str | None = None,
) -> tuple[EnrolmentCode, datetime]:
    """A new code for enrolling ``kiosk_id`` (in ``unit_code``, when given; its QR text is
    ``.text()``) and its expiry.

    ValueError (``TrustError``) if ``gateway_url`` is not an http(s) URL.
    """
    code = EnrolmentCode(new_enrolment_code(), gateway_url.rstrip("/"))
    expires_at = now + ttl
    store.create_enrolment_code(
        code_sha256=enrolment_code_digest(code.code),
        kiosk_id=kiosk_id,
        now=now,
        expires_at=expires_at,
        unit_code=unit_code,
    )
    return code, expires_at


def issue_badge(
    store: Store,
    key: Ed25519PrivateKey,
    *,
    technician_id: str,
    technician_name: str,
    kiosks: tuple[str, ...] = (),
    area: str = "",
    now: datetime,
    valid_for: timedelta,
) -> tuple[BadgeRecord, str]:
    """Sign a badge and record it under a new serial; the record and the badge's text.

    ``TrustError`` (nothing recorded) if the badge is not one ``dvc_common.trust`` allows:
    kiosks or an area, not both; ids and names within bounds; a text short enough for a QR.
    """
    badge = Badge(
        technician_id=technician_id,
        technician_name=technician_name,
        not_before=now - BADGE_CLOCK_SKEW,
        expires=now + valid_for,
        kiosks=kiosks,
        area=area,
    )
    # Signed once with the widest serial before anything is recorded: a badge too long for its
    # QR is refused without using up a serial.
    sign_badge(replace(badge, serial=_LONGEST_SERIAL), key)
    record = store.record_badge(
        technician_id=technician_id,
        technician_name=technician_name,
        kiosks=kiosks,
        area=area,
        not_before=badge.not_before,
        expires=badge.expires,
        now=now,
    )
    return record, sign_badge(replace(badge, serial=record.serial), key)


QR_TARGET_PIXELS: Final = 360
"""About how wide a QR image is made (modules are whole pixels, so it varies a little): big
enough for a phone or the kiosk's scanner to read off a screen, small enough for a page."""


def qr_png(text: str, *, target_pixels: int = QR_TARGET_PIXELS) -> bytes:
    """``text`` as a QR code in PNG bytes, each module a whole number of pixels."""
    # Medium error correction: a code printed on a badge card survives some wear.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    modules = code.modules_count + 2 * code.border
    code.box_size = max(2, target_pixels // modules)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_data_url(text: str) -> str:
    """The QR image as a ``data:`` URL, for a page that shows it once and keeps it nowhere."""
    return "data:image/png;base64," + base64.b64encode(qr_png(text)).decode("ascii")


def write_qr_png(text: str, path: Path) -> None:
    """``text`` as a QR code in a PNG file, written atomically."""
    write_atomic(path, qr_png(text))
