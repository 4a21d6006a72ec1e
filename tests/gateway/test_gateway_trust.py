"""The technician mode's trust, on the gateway's side: its keys, one-time enrolment codes and
their redemption over HTTP (every refusal, two redemptions at once, re-enrolment), and the
technician badges it signs, checked with the kiosk's own verifier."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from gateway_testkit import KIOSK, UNIT_CODE, Gateway

from dvc_common.trust import (
    BadgeProblem,
    BadgeRefusedError,
    parse_enrolment_code,
    public_key_text,
    sign_enrolment,
    signing_public_key,
    verify_badge,
)
from gateway.app import open_store
from gateway.cli import main
from gateway.credentials import enrolment_code_digest, issue_enrolment_code
from gateway.keys import SEALING_KEY_FILE, SIGNING_KEY_FILE, ensure_keys, load_keys
from gateway.store_sqlite import DB_NAME

ENROLMENT = "/api/v1/enrolment"
PROBLEMS = "https://kiosk.example/problems/"


def run(*argv: str) -> int:
    return main(list(argv))


def decode_qr(path: Path) -> str:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    with Image.open(path) as image:
        found = zxingcpp.read_barcodes(image)
    assert len(found) == 1
    text: str = found[0].text
    return text


# --- keys ----------------------------------------------------------------------------------------


def test_keys_init_creates_both_keys_private_and_show_prints_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("keys", "init", "--data", str(tmp_path)) == 0
    signing, sealing = capsys.readouterr().out.split()
    assert signing.startswith("ed25519:") and sealing.startswith("x25519:")
    for name in (SIGNING_KEY_FILE, SEALING_KEY_FILE):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []

    assert run("keys", "show", "--data", str(tmp_path), "--json") == 0
    assert capsys.readouterr().out.strip().startswith("{")
    assert run("keys", "show", "--data", str(tmp_path)) == 0
    assert capsys.readouterr().out.split() == [signing, sealing]


def test_keys_are_never_replaced(
    make_gateway: Callable[..., Gateway], capsys: pytest.CaptureFixture[str]
) -> None:
    gateway = make_gateway()  # a served gateway made its keys on start
    before = load_keys(gateway.data_dir)
    files = {n: (gateway.data_dir / n).read_bytes() for n in (SIGNING_KEY_FILE, SEALING_KEY_FILE)}

    assert run("keys", "init", "--data", str(gateway.data_dir)) == 0
    assert "kept the existing" in capsys.readouterr().err
    keys, created = ensure_keys(gateway.data_dir)

    assert not created
    assert (keys.signing_public, keys.sealing_public) == (
        before.signing_public,
        before.sealing_public,
    )
    assert {n: (gateway.data_dir / n).read_bytes() for n in files} == files


def test_callers_creating_keys_at_once_all_end_with_the_same_keys(tmp_path: Path) -> None:
    start = threading.Barrier(8)

    def create() -> tuple[str, str]:
        start.wait()
        keys, _ = ensure_keys(tmp_path)
        return keys.signing_public, keys.sealing_public

    with ThreadPoolExecutor(8) as pool:
        seen = set(pool.map(lambda _: create(), range(8)))
    assert len(seen) == 1
    assert seen == {(load_keys(tmp_path).signing_public, load_keys(tmp_path).sealing_public)}


def test_keys_show_without_keys_says_how_to_make_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("keys", "show", "--data", str(tmp_path)) == 2
    assert "keys init" in capsys.readouterr().err


def test_a_damaged_key_file_is_an_error_not_a_new_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ensure_keys(tmp_path)
    (tmp_path / SIGNING_KEY_FILE).write_text("ed25519-private:short\n")
    assert run("keys", "init", "--data", str(tmp_path)) == 2
    assert SIGNING_KEY_FILE in capsys.readouterr().err
    assert (tmp_path / SIGNING_KEY_FILE).read_text() == "ed25519-private:short\n"


# --- enrolment codes -----------------------------------------------------------------------------


def test_enrol_code_prints_the_qr_text_writes_the_qr_and_keeps_only_a_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "code.png"
    data = tmp_path / "gateway"
    url = "https://dvc.example.gov.vn"
    assert (
        run(
            "enrol-code", "--data", str(data), "--kiosk", "KIOSK07", "--url", url, "--png", str(png)
        )
        == 0
    )
    text = capsys.readouterr().out.strip()
    code = parse_enrolment_code(text)

    assert (code.gateway_url, len(code.code)) == (url, 24)
    assert decode_qr(png) == text
    stored = b"".join(p.read_bytes() for p in data.iterdir() if p.name.startswith(DB_NAME))
    assert code.code.encode() not in stored
    with sqlite3.connect(data / DB_NAME) as db:
        rows = db.execute("SELECT code_sha256, kiosk_id, used_at FROM enrolment_codes").fetchall()
    assert rows == [(enrolment_code_digest(code.code), "KIOSK07", None)]


def test_enrol_code_codes_are_different_each_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(3):
        assert run("enrol-code", "--data", str(tmp_path), "--kiosk", "KIOSK07") == 0
    codes = {parse_enrolment_code(line).code for line in capsys.readouterr().out.split()}
    assert len(codes) == 3


@pytest.mark.parametrize(
    "flags",
    [
        ("--kiosk", "kiosk 7"),
        ("--kiosk", "KIOSK07", "--url", "ftp://gateway"),
        ("--kiosk", "KIOSK07", "--ttl-min", "0"),
    ],
)
def test_enrol_code_refuses_bad_input(
    tmp_path: Path, flags: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("enrol-code", "--data", str(tmp_path), *flags) == 2
    assert capsys.readouterr().err.startswith("gateway: ")


class Enrolling:
    """A gateway and the means to issue codes on its clock and redeem them as a kiosk does."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.session = gateway.anonymous()

    def code(self, kiosk_id: str = KIOSK, ttl: timedelta = timedelta(hours=1)) -> str:
        issued, _ = issue_enrolment_code(
            self.gateway.db, kiosk_id=kiosk_id, now=self.gateway.clock.now(), ttl=ttl
        )
        return issued.code

    def redeem(
        self, code: str, key: Ed25519PrivateKey | None = None, **changes: str
    ) -> requests.Response:
        """Redeem ``code`` as a kiosk with ``key`` (a new one by default); ``changes`` replace
        fields of the body sent."""
        public, proof = sign_enrolment(code, key or Ed25519PrivateKey.generate())
        body = {"code": code, "kiosk_public_key": public, "proof": proof}
        body.update({name.removesuffix("_"): value for name, value in changes.items()})
        return self.session.post(self.gateway.url + ENROLMENT, json=body, timeout=10)


@pytest.fixture
def enrolling(gateway: Gateway) -> Enrolling:
    return Enrolling(gateway)


def _problem(answer: requests.Response) -> str:
    assert answer.headers["content-type"] == "application/problem+json"
    kind: str = answer.json()["type"]
    assert kind.startswith(PROBLEMS)
    return kind.removeprefix(PROBLEMS)


def test_a_kiosk_redeems_a_code_for_its_token_and_the_gateways_keys(
    enrolling: Enrolling,
) -> None:
    gateway = enrolling.gateway
    kiosk_key = Ed25519PrivateKey.generate()
    answer = enrolling.redeem(enrolling.code("KIOSK09"), kiosk_key)

    assert answer.status_code == 201, answer.text
    body = answer.json()
    keys = load_keys(gateway.data_dir)
    assert body["kiosk_id"] == "KIOSK09"
    assert (body["signing_key"], body["sealing_key"]) == (keys.signing_public, keys.sealing_public)
    catalog = gateway.as_kiosk(body["token"]).get(f"{gateway.url}/api/v1/catalog", timeout=10)
    assert catalog.status_code == 200
    kiosk = gateway.db.kiosk("KIOSK09")
    assert kiosk is not None and kiosk.enabled
    assert kiosk.public_key == public_key_text(kiosk_key.public_key())


def test_an_unknown_code_is_refused(enrolling: Enrolling) -> None:
    answer = enrolling.redeem("A" * 24)
    assert (answer.status_code, _problem(answer)) == (404, "enrolment-code-unknown")


def test_a_used_code_is_refused(enrolling: Enrolling) -> None:
    code = enrolling.code()
    assert enrolling.redeem(code).status_code == 201
    answer = enrolling.redeem(code)
    assert (answer.status_code, _problem(answer)) == (409, "enrolment-code-used")


def test_an_expired_code_is_refused(enrolling: Enrolling) -> None:
    code = enrolling.code(ttl=timedelta(minutes=30))
    enrolling.gateway.clock.advance(30 * 60)
    answer = enrolling.redeem(code)
    assert (answer.status_code, _problem(answer)) == (410, "enrolment-code-expired")


@pytest.mark.parametrize("forgery", ["signed by another key", "signed for another code"])
def test_a_proof_that_does_not_verify_is_refused_and_the_code_stays_usable(
    enrolling: Enrolling, forgery: str
) -> None:
    code = enrolling.code()
    claimed = Ed25519PrivateKey.generate()
    if forgery == "signed by another key":
        _, proof = sign_enrolment(code, Ed25519PrivateKey.generate())
    else:
        _, proof = sign_enrolment(enrolling.code(), claimed)

    answer = enrolling.redeem(
        code, kiosk_public_key=public_key_text(claimed.public_key()), proof=proof
    )

    assert (answer.status_code, _problem(answer)) == (400, "enrolment-proof-invalid")
    assert enrolling.redeem(code).status_code == 201


@pytest.mark.parametrize(
    "changes",
    [{"code_": "lowercase-code-here"}, {"kiosk_public_key": "x25519:abc"}, {"proof": "short"}],
)
def test_a_malformed_enrolment_is_an_invalid_body(
    enrolling: Enrolling, changes: dict[str, str]
) -> None:
    answer = enrolling.redeem(enrolling.code(), **changes)
    assert (answer.status_code, _problem(answer)) == (400, "invalid-body")


def test_two_redemptions_of_one_code_at_once_exactly_one_wins(enrolling: Enrolling) -> None:
    code = enrolling.code()
    start = threading.Barrier(6)

    def redeem(_: int) -> int:
        start.wait()
        return enrolling.redeem(code).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(redeem, range(6)))
    assert statuses == [201, 409, 409, 409, 409, 409]


def test_enrolling_again_retires_the_earlier_token(enrolling: Enrolling) -> None:
    gateway = enrolling.gateway
    first = enrolling.redeem(enrolling.code("KIOSK09")).json()["token"]
    second = enrolling.redeem(enrolling.code("KIOSK09")).json()["token"]

    catalog = f"{gateway.url}/api/v1/catalog"
    assert gateway.as_kiosk(first).get(catalog, timeout=10).status_code == 401
    assert gateway.as_kiosk(second).get(catalog, timeout=10).status_code == 200


def test_enrolment_by_code_retires_a_token_issued_directly_and_enables_the_kiosk(
    enrolling: Enrolling,
) -> None:
    gateway = enrolling.gateway
    assert run("disable", "--data", str(gateway.data_dir), "--kiosk", KIOSK) == 0
    token = enrolling.redeem(enrolling.code(KIOSK)).json()["token"]

    assert gateway.api("GET", "/api/v1/catalog").status_code == 401  # the fixture's token
    catalog = f"{gateway.url}/api/v1/catalog"
    assert gateway.as_kiosk(token).get(catalog, timeout=10).status_code == 200


def test_a_token_issued_directly_retires_the_earlier_one_and_the_kiosks_key(
    enrolling: Enrolling, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway = enrolling.gateway
    coded = enrolling.redeem(enrolling.code("KIOSK09")).json()["token"]
    assert run("enrol", "--data", str(gateway.data_dir), "--kiosk", "KIOSK09") == 0
    direct = capsys.readouterr().out.strip()

    catalog = f"{gateway.url}/api/v1/catalog"
    assert gateway.as_kiosk(coded).get(catalog, timeout=10).status_code == 401
    assert gateway.as_kiosk(direct).get(catalog, timeout=10).status_code == 200
    kiosk = gateway.db.kiosk("KIOSK09")
    assert kiosk is not None and kiosk.public_key is None


def test_enrolment_needs_no_token_even_when_tokens_are_refused(enrolling: Enrolling) -> None:
    enrolling.gateway.faults.update({"garbage": "auth_reject"})
    assert enrolling.redeem(enrolling.code()).status_code == 201


# --- badges --------------------------------------------------------------------------------------


def _issue(data: Path, *flags: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run("badge", "issue", "--data", str(data), *flags)
    captured = capsys.readouterr()
    return code, captured.out.strip(), captured.err


def test_a_badge_for_kiosks_verifies_with_the_gateways_key_on_those_kiosks_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ensure_keys(tmp_path)
    png = tmp_path / "badge.png"
    code, text, _ = _issue(
        tmp_path,
        "--technician-id", "KT-0042", "--name", "Lê Văn Kỹ",
        "--kiosk", "KIOSK01", "--kiosk", "KIOSK02", "--png", str(png),
        capsys=capsys,
    )  # fmt: skip
    assert code == 0
    assert run("keys", "show", "--data", str(tmp_path)) == 0
    signing_text = capsys.readouterr().out.split()[0]
    key = signing_public_key(signing_text)
    now = datetime.now(UTC)

    badge = verify_badge(text, key, now=now, kiosk_id="KIOSK02", unit_code=UNIT_CODE)

    assert (badge.technician_id, badge.technician_name) == ("KT-0042", "Lê Văn Kỹ")
    assert badge.kiosks == ("KIOSK01", "KIOSK02")
    assert badge.serial == "B000001"
    assert badge.expires - badge.not_before > timedelta(hours=8)  # 8 hours, started early
    assert decode_qr(png) == text
    with pytest.raises(BadgeRefusedError) as refused:
        verify_badge(text, key, now=now, kiosk_id="KIOSK03", unit_code=UNIT_CODE)
    assert refused.value.problem is BadgeProblem.OTHER_KIOSK
    with pytest.raises(BadgeRefusedError) as refused:
        verify_badge(text, key, now=now + timedelta(hours=9), kiosk_id="KIOSK01", unit_code="X")
    assert refused.value.problem is BadgeProblem.EXPIRED
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(BadgeRefusedError) as refused:
        verify_badge(text, other, now=now, kiosk_id="KIOSK01", unit_code=UNIT_CODE)
    assert refused.value.problem is BadgeProblem.BAD_SIGNATURE


def test_a_badge_for_an_area_covers_the_units_under_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys, _ = ensure_keys(tmp_path)
    flags = ("--technician-id", "KT-7", "--name", "Kỹ thuật viên", "--area", "H15.50")
    code, first, _ = _issue(tmp_path, *flags, "--hours", "2", capsys=capsys)
    assert code == 0
    _, second, _ = _issue(tmp_path, *flags, capsys=capsys)
    key = keys.signing.public_key()
    now = datetime.now(UTC)

    badge = verify_badge(first, key, now=now, kiosk_id="KIOSK05", unit_code="H15.50.05.13")
    assert (badge.area, badge.serial) == ("H15.50", "B000001")
    assert verify_badge(second, key, now=now, kiosk_id="K1", unit_code="H15.50").serial == (
        "B000002"
    )
    with pytest.raises(BadgeRefusedError) as refused:
        verify_badge(first, key, now=now, kiosk_id="KIOSK05", unit_code="H15.501")
    assert refused.value.problem is BadgeProblem.OTHER_AREA


def test_badge_list_shows_what_was_issued_without_the_badges_themselves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ensure_keys(tmp_path)
    _, text, _ = _issue(
        tmp_path, "--technician-id", "KT-1", "--name", "An", "--kiosk", "KIOSK01", capsys=capsys
    )
    assert run("badge", "list", "--data", str(tmp_path), "--json") == 0
    listing: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    assert [(b["serial"], b["technician_id"], b["kiosks"], b["area"]) for b in listing] == [
        ("B000001", "KT-1", ["KIOSK01"], None)
    ]
    signature = text.rsplit(".", 1)[1]
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(DB_NAME))
    assert signature.encode() not in stored
    assert run("badge", "list", "--data", str(tmp_path)) == 0
    assert "B000001  KT-1  An  kiosks KIOSK01" in capsys.readouterr().out


FORTY_KIOSKS = tuple(flag for n in range(40) for flag in ("--kiosk", f"KIOSK{n:02d}"))


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--kiosk", "kiosk one"), "kiosk id"),
        (("--area", "h15"), "area"),
        (("--kiosk", "KIOSK01", "--hours", "0"), "--hours"),
        (FORTY_KIOSKS, "characters"),  # too long for a QR the kiosk's camera reads
    ],
)
def test_badge_issue_refuses_a_badge_the_kiosk_could_not_use(
    tmp_path: Path, flags: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ensure_keys(tmp_path)
    code, out, err = _issue(
        tmp_path, "--technician-id", "KT-1", "--name", "An", *flags, capsys=capsys
    )
    assert (code, out) == (2, "")
    assert message in err
    with open_store(tmp_path) as store:
        assert store.badges() == []  # no serial used up


def test_badge_issue_needs_the_gateways_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _issue(
        tmp_path, "--technician-id", "KT-1", "--name", "An", "--area", "H15", capsys=capsys
    )
    assert code == 2
    assert "keys init" in err


def test_badge_issue_takes_kiosks_or_an_area_not_both(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        run("badge", "issue", "--data", str(tmp_path), "--technician-id", "K", "--name", "A",
            "--kiosk", "KIOSK01", "--area", "H15")  # fmt: skip
    assert exit_.value.code == 2
