"""Identity checks, confirmation codes and status lookups against the reference gateway.

Every test talks HTTP to a real gateway on 127.0.0.1 (or to a closed port, for "unreachable");
faults are switched on the running server. Time for the circuit breaker comes from a FakeClock,
and "the network was skipped" is shown by counting requests, never by timing them.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from dvc_common.clock import FakeClock
from kiosk.dossier import Verification
from kiosk.gateway_services import (
    CircuitBreaker,
    GatewayConfirmation,
    GatewayServices,
    IdentityVerifier,
    ProcessingStatus,
    StatusKind,
    StatusLookup,
    build_gateway_services,
    normalise_mobile,
    parse_code,
)
from kiosk.identity import Identity, parse_identity
from kiosk.journey import EnterCode, RejectReason, State
from kiosk.ports import ConfirmationChallenge, ConfirmationChannel
from kiosk.slip import qr_payload
from offline_queue.transport import HttpTransport, Response
from simulators.gateway_process import GatewayProcess
from simulators.text_demo import SAMPLE_PHONE
from tests.gateway.gateway_testkit import Gateway
from tests.kiosk.conftest import FEMALE_QR, MALE_QR, MONDAY_MORNING, Harness
from tests.kiosk.vietnamese import vietnamese

PERSON = {"id_number": "001158000123", "full_name": "TRẦN THỊ MẪU", "date_of_birth": "1958-02-14"}
PHONE = "0912345678"
TEMPLATE = "https://dichvucong.example.gov.vn/tra-cuu?ma={code}"
COOLDOWN_S = 60.0

# What the Vietnamese screens read for each answer: the core reports the kind, the screens word
# it through ui/i18n/kiosk_vi.ts (tests.kiosk.vietnamese).
INVALID_CODE_MESSAGE = (
    "Mã hồ sơ không đúng. Xin kiểm tra lại mã in trên giấy hẹn, ví dụ H15.50.05.13-261123-0001, "
    "hoặc đưa mã QR trên giấy hẹn lại gần máy đọc."
)
NOT_FOUND_MESSAGE = (
    "Chưa tìm thấy hồ sơ có mã này. Hồ sơ vừa nộp tại máy có thể chưa được chuyển lên hệ thống; "
    "xin thử lại sau hoặc bấm nút Gọi cán bộ để được hỗ trợ."
)
OFFLINE_MESSAGE = (
    "Hiện chưa kết nối được với hệ thống dịch vụ công nên chưa tra cứu được. "
    "Xin thử lại sau ít phút hoặc bấm nút Gọi cán bộ để được hỗ trợ."
)


class CountingTransport:
    """An HttpTransport that records every request it is asked to make."""

    def __init__(self, inner: HttpTransport) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> Response:
        self.calls.append(f"{method} {path}")
        return self.inner.call(method, path, json_body=json_body, headers=headers, ok=ok)


@pytest.fixture
def closed_port_url() -> Iterator[str]:
    """A loopback port that refuses connections: bound so nobody else takes it, never listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture
def transports() -> Iterator[Callable[..., CountingTransport]]:
    made: list[HttpTransport] = []

    def make(url: str, token: str, **timeouts: float) -> CountingTransport:
        timeouts.setdefault("connect_timeout_s", 2.0)
        timeouts.setdefault("read_timeout_s", 2.0)
        timeouts.setdefault("deadline_s", 4.0)
        transport = HttpTransport(url, token, max_response_bytes=64 * 1024, **timeouts)
        made.append(transport)
        return CountingTransport(transport)

    yield make
    for transport in made:
        transport.close()


def person() -> Identity:
    return parse_identity(FEMALE_QR, today=MONDAY_MORNING.date())


def register(data_dir: Path, *people: Mapping[str, str]) -> None:
    """Put ``people`` in the gateway's stand-in for the national identity register."""
    (data_dir / "identities.json").write_text(json.dumps(list(people)), encoding="utf-8")


def sent_codes(data_dir: Path) -> dict[str, dict[str, str]]:
    """The SMS the gateway 'sent', by otp_id, from the outbox file in its data directory."""
    path = data_dir / "outbox.jsonl"
    if not path.exists():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    return {entry["otp_id"]: entry for entry in map(json.loads, lines)}


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def settings_for(url: str, token: str, **gateway: Any) -> Settings:
    return Settings.model_validate({"gateway": {"url": url, "token": token, **gateway}})


@pytest.fixture
def services(reference_gateway: Gateway) -> Iterator[tuple[GatewayServices, FakeClock]]:
    clock = FakeClock(MONDAY_MORNING)
    built = build_gateway_services(
        settings_for(reference_gateway.url, reference_gateway.token),
        clock=clock,
        qr_url_template=TEMPLATE,
    )
    yield built, clock
    built.close()


# --- identity ------------------------------------------------------------------------------------


def test_a_registered_person_is_verified(
    reference_gateway: Gateway, services: tuple[GatewayServices, FakeClock]
) -> None:
    register(reference_gateway.data_dir, PERSON)
    assert services[0].identity.verify(person()) is Verification.VERIFIED


def test_a_person_missing_from_the_register_is_not_found(
    reference_gateway: Gateway, services: tuple[GatewayServices, FakeClock]
) -> None:
    register(reference_gateway.data_dir, PERSON)
    other = parse_identity(MALE_QR, today=MONDAY_MORNING.date())
    assert services[0].identity.verify(other) is Verification.NOT_FOUND


@pytest.mark.parametrize(
    "fault",
    [
        {"identity_down": True},
        {"maintenance": True},
        {"error_rate": 1.0},
        {"garbage": "malformed_json"},
        {"garbage": "endless_body"},
        {"garbage": "auth_reject"},
        {"garbage": "hang"},
    ],
    ids=lambda fault: next(iter(fault.values())) if "garbage" in fault else next(iter(fault)),
)
def test_any_trouble_at_the_gateway_makes_the_identity_pending(
    reference_gateway: Gateway,
    transports: Callable[..., CountingTransport],
    fault: dict[str, Any],
) -> None:
    register(reference_gateway.data_dir, PERSON)
    transport = transports(reference_gateway.url, reference_gateway.token, read_timeout_s=0.3)
    verifier = IdentityVerifier(transport)
    assert verifier.verify(person()) is Verification.VERIFIED

    reference_gateway.faults.update(fault)
    assert verifier.verify(person()) is Verification.PENDING
    assert transport.calls == ["POST /api/v1/identity/verify"] * 2


def test_an_unreachable_gateway_makes_the_identity_pending(
    closed_port_url: str, transports: Callable[..., CountingTransport]
) -> None:
    transport = transports(closed_port_url, "token")
    assert IdentityVerifier(transport).verify(person()) is Verification.PENDING
    assert transport.calls == ["POST /api/v1/identity/verify"]


def test_a_missing_ca_file_makes_the_identity_pending_instead_of_raising(
    reference_gateway: Gateway, tmp_path: Path
) -> None:
    # requests raises a bare OSError for an unreadable CA bundle; the verifier must not.
    settings = settings_for(
        reference_gateway.url.replace("http://", "https://"),
        reference_gateway.token,
        ca_file=str(tmp_path / "missing-ca.pem"),
    )
    built = build_gateway_services(settings, clock=FakeClock(MONDAY_MORNING))
    try:
        assert built.identity.verify(person()) is Verification.PENDING
    finally:
        built.close()


def test_identity_logs_carry_only_the_masked_number(
    reference_gateway: Gateway,
    services: tuple[GatewayServices, FakeClock],
    caplog: pytest.LogCaptureFixture,
) -> None:
    reference_gateway.faults.update({"identity_down": True})
    with caplog.at_level(logging.INFO, logger="kiosk.gateway_services"):
        assert services[0].identity.verify(person()) is Verification.PENDING
    assert "********0123" in caplog.text
    assert PERSON["id_number"] not in caplog.text


# --- confirmation codes --------------------------------------------------------------------------


def confirmation_on(transport: CountingTransport, clock: FakeClock) -> GatewayConfirmation:
    return GatewayConfirmation(transport, CircuitBreaker(clock, COOLDOWN_S))


def test_an_sms_code_is_sent_and_the_right_one_accepted(
    reference_gateway: Gateway, transports: Callable[..., CountingTransport]
) -> None:
    transport = transports(reference_gateway.url, reference_gateway.token)
    confirmation = confirmation_on(transport, FakeClock(MONDAY_MORNING))

    challenge = confirmation.issue("+84 912 345 678")

    assert challenge.channel is ConfirmationChannel.SMS
    assert challenge.code is None
    assert challenge.phone == PHONE
    sent = sent_codes(reference_gateway.data_dir)
    assert challenge.reference in sent
    assert sent[challenge.reference or ""]["phone"] == PHONE
    right = sent[challenge.reference or ""]["code"]
    assert confirmation.check(challenge, wrong(right)) is False
    assert confirmation.check(challenge, f" {right[:3]} {right[3:]} ") is True


def test_a_malformed_entry_is_wrong_without_using_a_gateway_attempt(
    reference_gateway: Gateway, transports: Callable[..., CountingTransport]
) -> None:
    transport = transports(reference_gateway.url, reference_gateway.token)
    confirmation = confirmation_on(transport, FakeClock(MONDAY_MORNING))
    challenge = confirmation.issue(PHONE)
    calls = len(transport.calls)

    assert confirmation.check(challenge, "12345") is False
    assert confirmation.check(challenge, "abcdef") is False
    assert len(transport.calls) == calls


@pytest.mark.parametrize("phone", [None, "", "0243 826 1234", "12345"])
def test_without_a_mobile_number_the_code_is_shown_on_screen(
    closed_port_url: str, transports: Callable[..., CountingTransport], phone: str | None
) -> None:
    transport = transports(closed_port_url, "token")
    confirmation = confirmation_on(transport, FakeClock(MONDAY_MORNING))

    challenge = confirmation.issue(phone)

    assert challenge.channel is ConfirmationChannel.SCREEN
    assert challenge.code is not None
    assert confirmation.check(challenge, challenge.code) is True
    assert transport.calls == []


@pytest.mark.parametrize("down", ["closed_port", "maintenance", "garbage"])
def test_a_down_gateway_costs_one_try_then_the_breaker_skips_it(
    reference_gateway: Gateway,
    closed_port_url: str,
    transports: Callable[..., CountingTransport],
    down: str,
) -> None:
    url = closed_port_url if down == "closed_port" else reference_gateway.url
    if down == "maintenance":
        reference_gateway.faults.update({"maintenance": True})
    elif down == "garbage":
        reference_gateway.faults.update({"garbage": "malformed_json"})
    transport = transports(url, reference_gateway.token)
    clock = FakeClock(MONDAY_MORNING)
    confirmation = confirmation_on(transport, clock)

    first = confirmation.issue(PHONE)
    assert first.channel is ConfirmationChannel.SCREEN
    assert first.code is not None and confirmation.check(first, first.code)
    assert transport.calls == ["POST /api/v1/otp"]

    clock.advance(COOLDOWN_S - 1)
    second = confirmation.issue(PHONE)
    assert second.channel is ConfirmationChannel.SCREEN
    assert transport.calls == ["POST /api/v1/otp"]  # the breaker skipped the network

    clock.advance(1)
    third = confirmation.issue(PHONE)  # the cooldown is over: one probe, which fails again
    assert third.channel is ConfirmationChannel.SCREEN
    assert transport.calls == ["POST /api/v1/otp"] * 2
    assert sent_codes(reference_gateway.data_dir) == {}


def test_the_breaker_closes_when_the_gateway_is_back(
    reference_gateway: Gateway, transports: Callable[..., CountingTransport]
) -> None:
    transport = transports(reference_gateway.url, reference_gateway.token)
    clock = FakeClock(MONDAY_MORNING)
    confirmation = confirmation_on(transport, clock)
    reference_gateway.faults.update({"maintenance": True})
    assert confirmation.issue(PHONE).channel is ConfirmationChannel.SCREEN

    reference_gateway.faults.update({"maintenance": False})
    assert confirmation.issue(PHONE).channel is ConfirmationChannel.SCREEN  # still cooling down
    clock.advance(COOLDOWN_S)
    back = confirmation.issue(PHONE)

    assert back.channel is ConfirmationChannel.SMS
    assert back.reference in sent_codes(reference_gateway.data_dir)
    assert transport.calls == ["POST /api/v1/otp"] * 2


def test_a_failed_check_is_a_wrong_code_and_opens_the_breaker(
    reference_gateway: Gateway,
    transports: Callable[..., CountingTransport],
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = transports(reference_gateway.url, reference_gateway.token)
    clock = FakeClock(MONDAY_MORNING)
    confirmation = confirmation_on(transport, clock)
    challenge = confirmation.issue(PHONE)
    right = sent_codes(reference_gateway.data_dir)[challenge.reference or ""]["code"]

    reference_gateway.faults.update({"maintenance": True})
    with caplog.at_level(logging.WARNING, logger="kiosk.gateway_services"):
        assert confirmation.check(challenge, right) is False
    assert "not checked" in caplog.text
    assert confirmation.check(challenge, right) is False  # breaker open: not even tried
    assert confirmation.issue(PHONE).channel is ConfirmationChannel.SCREEN
    verify_path = f"POST /api/v1/otp/{challenge.reference}/verify"
    assert transport.calls == ["POST /api/v1/otp", verify_path]

    reference_gateway.faults.update({"maintenance": False})
    clock.advance(COOLDOWN_S)
    assert confirmation.check(challenge, right) is True
    assert transport.calls[-1] == verify_path


def test_a_code_the_gateway_does_not_know_does_not_open_the_breaker(
    reference_gateway: Gateway, transports: Callable[..., CountingTransport]
) -> None:
    transport = transports(reference_gateway.url, reference_gateway.token)
    confirmation = confirmation_on(transport, FakeClock(MONDAY_MORNING))
    unknown = ConfirmationChallenge(
        ConfirmationChannel.SMS, None, phone=PHONE, reference="o_doesnotexist0"
    )

    assert confirmation.check(unknown, "123456") is False  # 404: this code only
    assert confirmation.issue(PHONE).channel is ConfirmationChannel.SMS
    assert transport.calls[-1] == "POST /api/v1/otp"


def test_an_sms_challenge_without_a_reference_is_never_accepted(
    reference_gateway: Gateway, transports: Callable[..., CountingTransport]
) -> None:
    transport = transports(reference_gateway.url, reference_gateway.token)
    confirmation = confirmation_on(transport, FakeClock(MONDAY_MORNING))
    legacy = ConfirmationChallenge(ConfirmationChannel.SMS, None, phone=PHONE)
    assert confirmation.check(legacy, "123456") is False
    assert transport.calls == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("02438261234", None),
        ("091234567", None),
        (None, None),
    ],
)
def test_mobile_numbers_are_normalised(raw: str | None, expected: str | None) -> None:
    assert normalise_mobile(raw) == expected


# --- the journey with SMS codes ------------------------------------------------------------------


def drive_to_confirm(h: Harness) -> None:
    # The journey tests' walk fills the form's required phone with the demo's mobile number.
    from tests.kiosk.test_journey import drive_to

    drive_to(h, State.CONFIRM)
    assert h.kiosk.journey.snapshot().form_input["phone"] == SAMPLE_PHONE


def test_the_journey_confirms_with_the_code_sent_by_sms(
    reference_gateway: Gateway,
    transports: Callable[..., CountingTransport],
    make_harness: Callable[..., Harness],
) -> None:
    transport = transports(reference_gateway.url, reference_gateway.token)
    h = make_harness(confirmation=confirmation_on(transport, FakeClock(MONDAY_MORNING)))
    drive_to_confirm(h)
    challenge = h.kiosk.journey.snapshot().challenge
    assert challenge is not None and challenge.channel is ConfirmationChannel.SMS

    right = sent_codes(reference_gateway.data_dir)[challenge.reference or ""]["code"]
    outcome = h.kiosk.journey.dispatch(EnterCode(right))

    assert outcome.accepted
    assert h.kiosk.journey.state is State.DONE
    assert len(h.queue.dossiers) == 1


def test_a_gateway_lost_during_confirmation_ends_in_a_screen_code(
    reference_gateway: Gateway,
    transports: Callable[..., CountingTransport],
    make_harness: Callable[..., Harness],
) -> None:
    transport = transports(reference_gateway.url, reference_gateway.token)
    h = make_harness(confirmation=confirmation_on(transport, FakeClock(MONDAY_MORNING)))
    drive_to_confirm(h)
    challenge = h.kiosk.journey.snapshot().challenge
    assert challenge is not None
    right = sent_codes(reference_gateway.data_dir)[challenge.reference or ""]["code"]

    reference_gateway.faults.update({"maintenance": True})
    reasons = [h.kiosk.journey.dispatch(EnterCode(right)).reason for _ in range(3)]

    assert reasons == [
        RejectReason.WRONG_CODE,
        RejectReason.WRONG_CODE,
        RejectReason.NEW_CODE_ISSUED,
    ]
    fallback = h.kiosk.journey.snapshot().challenge
    assert fallback is not None and fallback.channel is ConfirmationChannel.SCREEN
    assert fallback.code is not None
    assert h.kiosk.journey.dispatch(EnterCode(fallback.code)).accepted
    assert h.kiosk.journey.state is State.DONE
    # One failed check reached the network; the breaker answered everything after it.
    assert transport.calls == ["POST /api/v1/otp", f"POST /api/v1/otp/{challenge.reference}/verify"]


# --- status lookup -------------------------------------------------------------------------------


def registered(gateway: Gateway) -> dict[str, Any]:
    """A dossier submitted, uploaded and finalized at the gateway: its finalize answer."""
    return gateway.submit([b"%PDF-1.4 a birth certificate"])


def test_a_registered_dossier_is_found_with_its_history(
    reference_gateway: Gateway, services: tuple[GatewayServices, FakeClock]
) -> None:
    finalized = registered(reference_gateway)
    code = finalized["dossier_code"]
    changed = reference_gateway.api(
        "POST", f"/_admin/status/{code}", json={"status": "ready", "note": "Đã ký"}
    )
    assert changed.status_code == 204

    result = services[0].status.lookup(code)

    assert result.kind is StatusKind.FOUND
    assert result.code == code
    assert result.status is ProcessingStatus.READY
    assert vietnamese(result.status) == "Đã có kết quả, mời ông/bà đến nhận"
    assert result.appointment_date == date.fromisoformat(finalized["appointment_date"])
    assert result.receipt_number == "KIOSK01-261123-0001"
    assert result.procedure_code == "1.001193"
    assert [step.status for step in result.history] == [
        ProcessingStatus.RECEIVED,
        ProcessingStatus.READY,
    ]
    assert result.history[-1].note == "Đã ký"


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.lower(),
        lambda code: " " + code.replace("-", " - ") + " ",
        lambda code: code.replace("-", "–"),
        lambda code: qr_payload(code, TEMPLATE),
        lambda code: qr_payload(code, TEMPLATE).upper(),
        lambda code: qr_payload(code, "https://old.example.vn/hs/{code}"),
        qr_payload,  # no template: the bare code
    ],
    ids=["lower", "spaces", "en-dash", "qr-url", "qr-url-upper", "old-template", "qr-bare"],
)
def test_typed_and_scanned_codes_find_the_dossier(
    reference_gateway: Gateway,
    services: tuple[GatewayServices, FakeClock],
    typed: Callable[[str], str],
) -> None:
    code = registered(reference_gateway)["dossier_code"]
    result = services[0].status.lookup(typed(code))
    assert result.kind is StatusKind.FOUND
    assert result.code == code


def test_the_provisional_receipt_number_finds_the_dossier_too(
    reference_gateway: Gateway, services: tuple[GatewayServices, FakeClock]
) -> None:
    code = registered(reference_gateway)["dossier_code"]
    result = services[0].status.lookup("kiosk01-261123-0001")
    assert result.kind is StatusKind.FOUND
    assert result.code == code
    assert result.status is ProcessingStatus.RECEIVED


def test_an_unknown_code_is_not_found(
    reference_gateway: Gateway, transports: Callable[..., CountingTransport]
) -> None:
    transport = transports(reference_gateway.url, reference_gateway.token)
    result = StatusLookup(transport).lookup("H15.50.05.13-261123-0042")
    assert result.kind is StatusKind.NOT_FOUND
    assert result.code == "H15.50.05.13-261123-0042"
    assert vietnamese(result.kind) == NOT_FOUND_MESSAGE
    assert transport.calls == ["GET /api/v1/status/H15.50.05.13-261123-0042"]


@pytest.mark.parametrize("down", ["closed_port", "maintenance", "malformed_json", "auth_reject"])
def test_a_gateway_in_trouble_makes_the_lookup_offline(
    reference_gateway: Gateway,
    closed_port_url: str,
    transports: Callable[..., CountingTransport],
    down: str,
) -> None:
    code = registered(reference_gateway)["dossier_code"]
    if down == "maintenance":
        reference_gateway.faults.update({"maintenance": True})
    elif down != "closed_port":
        reference_gateway.faults.update({"garbage": down})
    url = closed_port_url if down == "closed_port" else reference_gateway.url
    transport = transports(url, reference_gateway.token)

    result = StatusLookup(transport).lookup(code)

    assert result.kind is StatusKind.OFFLINE
    assert result.code == code
    assert vietnamese(result.kind) == OFFLINE_MESSAGE
    assert result.status is None
    assert len(transport.calls) == 1


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "H15.50.05.13-261323-0001",  # month 13
        "H15.50.05.13-261123-01",  # sequence too short
        "H15.50.05.13/261123/0001",
        "H15.50.05.13-261123-0001; DROP",
        "H15-261123-0001\x00",
        "A" * 70 + "-261123-0001",  # longer than a code may be
        "https://dichvucong.example.gov.vn/tra-cuu?ma=",
        "https://example.com/",
        "x" * 5000,
    ],
)
def test_an_invalid_code_is_refused_before_any_request(
    closed_port_url: str, transports: Callable[..., CountingTransport], text: str
) -> None:
    transport = transports(closed_port_url, "token")
    result = StatusLookup(transport, qr_url_template=TEMPLATE).lookup(text)
    assert result.kind is StatusKind.INVALID_CODE
    assert vietnamese(result.kind) == INVALID_CODE_MESSAGE
    assert result.code is None
    assert transport.calls == []


@pytest.mark.parametrize(
    ("text", "template", "expected"),
    [
        ("h15.50.05.13-261123-0001", None, "H15.50.05.13-261123-0001"),
        ("ＫＩＯＳＫ０１－２６１１２３－０００７", None, "KIOSK01-261123-0007"),
        (
            "https://dichvucong.example.gov.vn/tra-cuu?ma=H15.50.05.13-261123-0001",
            TEMPLATE,
            "H15.50.05.13-261123-0001",
        ),
        (
            "https://x.example/a?lang=vi&ma=KIOSK01-261123-0002#top",
            "https://x.example/a?lang=vi&ma={code}#top",
            "KIOSK01-261123-0002",
        ),
        ("https://x.example/hs/KIOSK01-261123-0003/xem", None, "KIOSK01-261123-0003"),
        ("https://x.example/hs?ma=not-a-code", TEMPLATE, None),
    ],
)
def test_codes_are_found_in_typed_text_and_slip_urls(
    text: str, template: str | None, expected: str | None
) -> None:
    assert parse_code(text, template) == expected


# --- composition and the gateway as its own process ---------------------------------------------


def test_services_built_from_settings_answer_from_a_gateway_process(tmp_path: Path) -> None:
    process = GatewayProcess.start(tmp_path / "gateway-process")
    built: GatewayServices | None = None
    try:
        register(process.data_dir, PERSON)
        built = build_gateway_services(
            settings_for(process.url, process.token), clock=FakeClock(MONDAY_MORNING)
        )

        assert built.identity.verify(person()) is Verification.VERIFIED
        challenge = built.confirmation.issue(PHONE)
        assert challenge.channel is ConfirmationChannel.SMS
        right = sent_codes(process.data_dir)[challenge.reference or ""]["code"]
        assert built.confirmation.check(challenge, right) is True
        assert built.status.lookup("H15.50.05.13-261123-0001").kind is StatusKind.NOT_FOUND

        process.set_faults(identity_down=True)
        assert built.identity.verify(person()) is Verification.PENDING
    finally:
        if built is not None:
            built.close()
        process.stop()


def test_the_factory_refuses_a_budget_of_nothing(reference_gateway: Gateway) -> None:
    with pytest.raises(ValueError, match="budget"):
        build_gateway_services(
            settings_for(reference_gateway.url, reference_gateway.token),
            confirmation_budget_s=0,
        )
