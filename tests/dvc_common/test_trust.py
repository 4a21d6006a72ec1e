"""Badges, keys and the enrolment proof (``dvc_common.trust``) and the sealed export file
(``dvc_common.sealed``): what verifies, and every way of being refused."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from dvc_common.sealed import SEGMENT_BYTES, SealedError, SealReader, SealWriter, read_header
from dvc_common.trust import (
    Badge,
    BadgeProblem,
    BadgeRefusedError,
    TrustError,
    check_enrolment_proof,
    is_badge,
    parse_enrolment_code,
    private_key_text,
    public_key_text,
    sealing_private_key,
    sealing_public_key,
    sign_badge,
    sign_enrolment,
    signing_private_key,
    signing_public_key,
    verify_badge,
)

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
GATEWAY = Ed25519PrivateKey.generate()


def badge(**changes: object) -> Badge:
    fields: dict[str, object] = {
        "technician_id": "KT-0042",
        "technician_name": "Trần Văn Kỹ",
        "not_before": NOW - timedelta(hours=1),
        "expires": NOW + timedelta(days=1),
        "area": "H22.01",
        "serial": "B000017",
    }
    fields.update(changes)
    return Badge(**fields)  # type: ignore[arg-type]


def check(
    text: str, *, kiosk: str = "KIOSK01", unit: str = "H22.01.03", now: datetime = NOW
) -> Badge:
    return verify_badge(text, GATEWAY.public_key(), now=now, kiosk_id=kiosk, unit_code=unit)


def refused(text: str, **where: object) -> BadgeProblem:
    with pytest.raises(BadgeRefusedError) as caught:
        check(text, **where)  # type: ignore[arg-type]
    return caught.value.problem


def test_a_signed_badge_verifies_offline_and_says_who() -> None:
    text = sign_badge(badge(), GATEWAY)
    assert is_badge(text) and len(text) < 400  # a QR a camera reads at arm's length
    seen = check(text)
    assert seen.technician_name == "Trần Văn Kỹ" and seen.serial == "B000017"


def test_every_refusal_has_its_reason() -> None:
    good = sign_badge(badge(), GATEWAY)
    assert refused(sign_badge(badge(), Ed25519PrivateKey.generate())) is BadgeProblem.BAD_SIGNATURE
    head, payload, signature = good.split(".")
    tampered = f"{head}.{payload[:-2]}AA.{signature}"
    assert refused(tampered) is BadgeProblem.BAD_SIGNATURE
    assert refused(good, now=NOW + timedelta(days=2)) is BadgeProblem.EXPIRED
    assert refused(good, now=NOW - timedelta(hours=2)) is BadgeProblem.NOT_YET_VALID
    # "H22.01" covers its own units only: not H22.010, not the rest of the province.
    assert refused(good, unit="H22.010") is BadgeProblem.OTHER_AREA
    assert refused(good, unit="H22.02.01") is BadgeProblem.OTHER_AREA
    named = sign_badge(badge(area="", kiosks=("KIOSK07",)), GATEWAY)
    assert check(named, kiosk="KIOSK07").kiosks == ("KIOSK07",)
    assert refused(named) is BadgeProblem.OTHER_KIOSK
    for junk in (
        "",
        "DVCB1",
        "DVCB1.a.b.c",
        "DVCB1.!!!.???",
        "0123456789|" * 5,
        "DVCB1." + "A" * 700,
    ):
        assert refused(junk) in {BadgeProblem.MALFORMED, BadgeProblem.BAD_SIGNATURE}


def test_a_badge_must_name_kiosks_or_an_area() -> None:
    with pytest.raises(TrustError):
        badge(kiosks=("KIOSK01",))  # both
    with pytest.raises(TrustError):
        badge(area="")  # neither
    with pytest.raises(TrustError):
        badge(expires=NOW - timedelta(days=1))


def test_keys_round_trip_as_text_and_refuse_the_wrong_kind() -> None:
    signing, sealing = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    assert public_key_text(signing_public_key(public_key_text(signing.public_key()))) == (
        public_key_text(signing.public_key())
    )
    assert signing_private_key(private_key_text(signing)).public_key() == signing.public_key()
    sealed_text = public_key_text(sealing.public_key())
    assert sealed_text.startswith("x25519:")
    assert sealing_private_key(private_key_text(sealing)).public_key() == sealing.public_key()
    with pytest.raises(TrustError, match="ed25519"):
        signing_public_key(sealed_text)
    with pytest.raises(TrustError, match="32 bytes"):
        sealing_public_key("x25519:AAAA")


def test_the_enrolment_proof_binds_the_code_to_the_key() -> None:
    code = parse_enrolment_code("DVCE1.ABCDEFGHIJKLMNOP234567.https://gw.example.vn/")
    assert code.gateway_url == "https://gw.example.vn"
    assert parse_enrolment_code("abcd-efgh ijkl-mnop").code == "ABCDEFGHIJKLMNOP"
    with pytest.raises(TrustError):
        parse_enrolment_code("DVCE1.short.https://gw")
    kiosk = Ed25519PrivateKey.generate()
    public, signature = sign_enrolment(code.code, kiosk)
    check_enrolment_proof(code.code, public, signature)
    with pytest.raises(TrustError):  # the same proof for another code
        check_enrolment_proof("QRSTUVWXYZ234567ABCD", public, signature)
    other = public_key_text(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(TrustError):  # someone else's key with this proof
        check_enrolment_proof(code.code, other, signature)


# --- the sealed file --------------------------------------------------------------------------


def seal(data: bytes, recipient: X25519PrivateKey) -> bytes:
    out = io.BytesIO()
    with SealWriter(out, recipient.public_key(), {"kiosk": "KIOSK01"}) as writer:
        for start in range(0, len(data), 10_000):  # written in pieces, as tar writes
            writer.write(data[start : start + 10_000])
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES + 17])
def test_a_sealed_file_opens_to_exactly_what_was_sealed(size: int) -> None:
    key = X25519PrivateKey.generate()
    data = os.urandom(size)
    sealed = seal(data, key)
    if size >= 16:
        # No run of plaintext shows through. (A plaintext of a byte or two turns up in any
        # random-looking bytes by chance: there the check means nothing, and failed 1 run in 3.)
        assert data[:64] not in sealed
    reader = SealReader(io.BytesIO(sealed), key)
    assert reader.header.details["kiosk"] == "KIOSK01"
    assert reader.read() == data


def test_a_sealed_file_refuses_damage_truncation_and_the_wrong_key() -> None:
    key = X25519PrivateKey.generate()
    sealed = seal(os.urandom(2 * SEGMENT_BYTES + 5), key)
    with pytest.raises(SealedError, match="sealed to key"):
        SealReader(io.BytesIO(sealed), X25519PrivateKey.generate())
    header_end = sealed.index(b"\n", len(b"DVCSEAL1\n")) + 1
    for damaged in (
        sealed[:-1],  # cut inside the last segment
        sealed[: header_end + 4 + SEGMENT_BYTES + 16],  # whole segments, but not the last
        sealed[:-40] + bytes([sealed[-40] ^ 1]) + sealed[-39:],  # one bit flipped
        sealed + b"x",  # bytes after the end
        sealed.replace(b'"kiosk":"KIOSK01"', b'"kiosk":"KIOSK02"'),  # header changed
    ):
        with pytest.raises(SealedError):
            SealReader(io.BytesIO(damaged), key).read()
    header, _ = read_header(io.BytesIO(sealed))
    assert header.details["kiosk"] == "KIOSK01"
