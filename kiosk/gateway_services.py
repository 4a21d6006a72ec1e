"""The three questions the citizen app asks the public-service gateway while a citizen waits.

* ``IdentityVerifier``: is this person in the national identity register? A gateway that cannot
  be reached never blocks a citizen: the answer is then ``Verification.PENDING`` and the dossier
  is checked when it syncs.
* ``GatewayConfirmation``: the confirmation code before submitting. With a mobile number and a
  reachable gateway the code goes by SMS; otherwise the kiosk shows a code on screen
  (``ScreenConfirmation``), so confirming works offline.
* ``StatusLookup``: where a dossier stands, from the code printed on the slip, typed or read from
  the slip's QR code.

Everything here is plain Python (no Qt) and goes through ``offline_queue.transport.HttpTransport``,
which already bounds every call (connect/read timeouts, a response-size cap, an overall deadline),
verifies TLS with the configured CA file and sends the kiosk's bearer token. Network trouble is
never raised to the caller: each service turns it into an answer the screens can show.

Threads: ``IdentityVerifier.verify`` and ``StatusLookup.lookup`` are meant for a worker thread.
``GatewayConfirmation`` is called synchronously on the UI thread by the journey, so it has a
short time budget of its own and a circuit breaker: after one failure it goes straight to a
screen code for a while, and a gateway that is down costs the citizen at most one short wait.
Each service gets its own transport (its own ``requests`` session, which is not meant to be
shared between threads).

``build_gateway_services`` builds all three from the settings for the composition root. ID
numbers appear in logs only masked; phone numbers only by their last digits.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from config.settings import GatewaySection, Settings
from dvc_common.clock import Clock, SystemClock
from dvc_common.privacy import mask_digits_in
from dvc_common.protocol import ProcessingStatus
from kiosk.dossier import Verification
from kiosk.identity import Identity
from kiosk.ports import ConfirmationChallenge, ConfirmationChannel, ScreenConfirmation
from offline_queue.store import ErrorKind
from offline_queue.transport import GatewayError, HttpTransport, Response

log = logging.getLogger(__name__)

API = "/api/v1"
IDENTITY_PATH = f"{API}/identity/verify"
OTP_PATH = f"{API}/otp"
OTP_PURPOSE = "confirm_dossier"

# The answers here are a few hundred bytes; a cap far above that still stops a captive portal
# or a broken proxy that streams without end long before memory is at risk.
MAX_ANSWER_BYTES = 256 * 1024
# The sync engine's read timeout suits uploads; a citizen standing at the screen waiting for a
# one-line answer is better served by "not now" after this long.
INTERACTIVE_READ_CAP_S = 10.0
DEFAULT_CONFIRMATION_BUDGET_S = 2.0
DEFAULT_BREAKER_COOLDOWN_S = 60.0

_MOBILE = re.compile(r"0[0-9]{9}")  # the gateway's OtpRequest.phone pattern
SMS_CODE_DIGITS = 6  # the gateway's OTP length (OtpCheck.code), said on the confirm screen
_OTP_CODE = re.compile(rf"[0-9]{{{SMS_CODE_DIGITS}}}")
_OTP_ID = re.compile(r"o_[A-Za-z0-9_-]{8,64}")  # OtpIssued.otp_id


class GatewayCalls(Protocol):
    """The part of ``HttpTransport`` the services use (tests wrap it to count requests)."""

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> Response: ...


def _detail(exc: BaseException) -> str:
    # A problem+json detail may quote what we sent; digit runs shaped like ID or phone numbers
    # are masked before anything reaches a log.
    return mask_digits_in(str(exc))[:300]


def _mask_phone(phone: str) -> str:
    return "*" * max(0, len(phone) - 3) + phone[-3:]


def _malformed(what: str) -> GatewayError:
    # An answer that does not follow the contract is treated like garbage on the line: transient.
    return GatewayError(ErrorKind.TRANSIENT, f"{what}: answer does not follow the contract")


# --- identity ------------------------------------------------------------------------------------


class IdentityVerifier:
    """Checks an identity against the national register through the gateway."""

    def __init__(self, transport: GatewayCalls) -> None:
        self._transport = transport

    def verify(self, identity: Identity) -> Verification:
        """VERIFIED or NOT_FOUND when the gateway answers; PENDING for any trouble.

        Blocks for up to the transport's timeouts: call it from a worker thread.
        """
        body = {
            "id_number": identity.id_number,
            "full_name": identity.full_name,
            "date_of_birth": identity.date_of_birth.isoformat(),
        }
        try:
            answer = self._transport.call("POST", IDENTITY_PATH, json_body=body, ok=(200,))
            result = answer.json_object().get("result")
        except GatewayError as exc:
            # 503 is the documented "identity system unreachable"; timeouts, refused
            # connections, maintenance and garbage all mean the same to the citizen.
            level = logging.WARNING if exc.kind is ErrorKind.TRANSIENT else logging.ERROR
            log.log(level, "identity %s: pending (%s)", identity.masked_id, _detail(exc))
            return Verification.PENDING
        except OSError as exc:
            # requests raises a bare OSError for an unreadable CA bundle: a technician's
            # mistake, but still no reason to stop the citizen.
            log.error("identity %s: pending (%s)", identity.masked_id, _detail(exc))
            return Verification.PENDING
        if result == "verified":
            outcome = Verification.VERIFIED
        elif result == "not_found":
            outcome = Verification.NOT_FOUND
        else:
            log.warning(
                "identity %s: pending (unknown result from the gateway)", identity.masked_id
            )
            return Verification.PENDING
        log.info("identity %s: %s", identity.masked_id, outcome.value)
        return outcome


# --- confirmation codes --------------------------------------------------------------------------


class CircuitBreaker:
    """Remembers a recent failure so that the next caller does not wait for the same outcome.

    After ``record_failure`` the breaker is open for ``cooldown_s`` seconds of the injected
    clock's monotonic time; the first call after that is a single probe: its success closes the
    breaker, its failure opens it for another full cooldown. Not thread-safe: the confirmation
    step runs on the UI thread only.
    """

    def __init__(self, clock: Clock, cooldown_s: float = DEFAULT_BREAKER_COOLDOWN_S) -> None:
        if cooldown_s < 0:
            raise ValueError("the cooldown cannot be negative")
        self._clock = clock
        self._cooldown_s = cooldown_s
        self._opened_at: float | None = None

    @property
    def is_open(self) -> bool:
        if self._opened_at is None:
            return False
        return self._clock.monotonic() - self._opened_at < self._cooldown_s

    def record_failure(self) -> None:
        self._opened_at = self._clock.monotonic()

    def record_success(self) -> None:
        self._opened_at = None


def normalise_mobile(phone: str | None) -> str | None:
    """``0912345678`` from the usual ways of writing a Vietnamese mobile number, else None.

    The form already stores bare digits; spaces, dots and ``+84`` are accepted here as well so
    that another caller cannot make the gateway refuse the request.
    """
    if phone is None:
        return None
    digits = re.sub(r"[\s.()-]", "", phone)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    return digits if _MOBILE.fullmatch(digits) else None


class GatewayConfirmation:
    """A ``ConfirmationProvider``: SMS codes through the gateway, screen codes as the fallback.

    ``issue`` asks the gateway to send a code to the form's mobile number. Without a mobile
    number, while the breaker is open, or when the request fails in any way (unreachable,
    timeout, 5xx, garbage, a refused token), it returns a screen code instead; a failure other
    than a plain refusal of this one request (4xx) opens the breaker.

    ``check`` of an SMS code asks the gateway. If that fails (or the breaker is open) it returns
    False and logs why: the ``ConfirmationProvider`` interface has no "could not check", so the
    citizen is told the code is wrong. After the journey's limit of wrong attempts it issues a
    new code, and with the gateway still down (breaker open) that one is a screen code, so the
    citizen is never stuck. A code that is not six digits is wrong without asking anybody.

    Both methods block the UI thread for at most the transport's short budget, and only when
    the breaker is closed.
    """

    def __init__(
        self,
        transport: GatewayCalls,
        breaker: CircuitBreaker,
        *,
        screen: ScreenConfirmation | None = None,
    ) -> None:
        self._transport = transport
        self._breaker = breaker
        self._screen = screen or ScreenConfirmation()

    def issue(self, phone: str | None) -> ConfirmationChallenge:
        mobile = normalise_mobile(phone)
        if mobile is None:
            return self._screen.issue(phone)
        if self._breaker.is_open:
            log.info("confirmation: gateway failed recently; screen code without trying")
            return self._screen.issue(phone)
        try:
            answer = self._transport.call(
                "POST",
                OTP_PATH,
                json_body={"phone": mobile, "purpose": OTP_PURPOSE},
                ok=(200, 201),
            )
            otp_id = answer.json_object().get("otp_id")
            if not isinstance(otp_id, str) or not _OTP_ID.fullmatch(otp_id):
                raise _malformed(f"POST {OTP_PATH}")
        except (GatewayError, OSError) as exc:
            self._failed(exc)
            log.warning("confirmation: SMS code not sent (%s); screen code", _detail(exc))
            return self._screen.issue(phone)
        self._breaker.record_success()
        log.info("confirmation: SMS code %s sent to %s", otp_id, _mask_phone(mobile))
        return ConfirmationChallenge(ConfirmationChannel.SMS, None, phone=mobile, reference=otp_id)

    def check(self, challenge: ConfirmationChallenge, entered: str) -> bool:
        if challenge.channel is ConfirmationChannel.SCREEN:
            return self._screen.check(challenge, entered)
        code = "".join(entered.split())
        if not _OTP_CODE.fullmatch(code):
            return False  # not worth one of the gateway's five attempts
        otp_id = challenge.reference
        if otp_id is None or not _OTP_ID.fullmatch(otp_id):
            log.error("confirmation: SMS challenge without a usable gateway reference")
            return False
        if self._breaker.is_open:
            log.warning("confirmation: gateway failed recently; SMS code %s not checked", otp_id)
            return False
        path = f"{OTP_PATH}/{quote(otp_id, safe='')}/verify"
        try:
            answer = self._transport.call("POST", path, json_body={"code": code}, ok=(200,))
            valid = answer.json_object().get("valid")
            if not isinstance(valid, bool):
                raise _malformed(f"POST {path}")
        except (GatewayError, OSError) as exc:
            self._failed(exc)
            log.warning("confirmation: SMS code %s not checked (%s)", otp_id, _detail(exc))
            return False
        self._breaker.record_success()
        return valid

    def _failed(self, exc: BaseException) -> None:
        # A 4xx other than 401/403 refuses this request only (a number the gateway will not
        # text, an unknown code): the gateway is up, so the next citizen may still get an SMS.
        if isinstance(exc, GatewayError) and exc.kind is ErrorKind.PERMANENT:
            return
        self._breaker.record_failure()


# --- status lookup -------------------------------------------------------------------------------


class StatusKind(StrEnum):
    """What a status lookup came to."""

    FOUND = "found"
    NOT_FOUND = "not_found"  # the gateway has no registered dossier with this code (yet)
    OFFLINE = "offline"  # the gateway could not be asked or did not answer sensibly
    INVALID_CODE = "invalid_code"  # not a dossier code; nothing was sent


# Codes arrive from a keyboard or a QR reader; anything longer is refused before parsing.
MAX_LOOKUP_INPUT_CHARS = 512
MAX_CODE_CHARS = 80  # the path parameter's maxLength
# The official code {unit code}-{yymmdd}-{sequence} and the kiosk's receipt number
# {kiosk id}-{yymmdd}-{sequence} share this shape (openapi: DossierCode, ReceiptNumber).
_CODE = re.compile(r"[A-Z0-9]+(?:\.[A-Z0-9]+)*-([0-9]{2})([0-9]{2})([0-9]{2})-[0-9]{4,}")
# On-screen keyboards and phones type dashes that only look like "-".
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))


@dataclass(frozen=True)
class StatusStep:
    """One line of a dossier's history."""

    at: datetime
    status: ProcessingStatus | str
    note: str | None


@dataclass(frozen=True)
class StatusResult:
    """The answer to a status lookup, ready for a screen.

    ``kind`` says what the lookup came to and ``status`` where the dossier stands: a
    ``ProcessingStatus``, or the gateway's own word if it is newer than this kiosk (shown as it
    came). The screens translate both (``ui.messages``); no sentence is worded here.
    """

    kind: StatusKind
    code: str | None = None  # the official code when FOUND, else the normalised code asked for
    status: ProcessingStatus | str | None = None
    appointment_date: date | None = None
    receipt_number: str | None = None
    procedure_code: str | None = None
    history: tuple[StatusStep, ...] = ()


def _valid_day(yy: str, mm: str, dd: str) -> bool:
    try:
        date(2000 + int(yy), int(mm), int(dd))
    except ValueError:
        return False
    return True


def _as_code(text: str) -> str | None:
    code = "".join(text.split()).translate(_DASHES).upper()
    if len(code) > MAX_CODE_CHARS:
        return None
    match = _CODE.fullmatch(code)
    if match is None or not _valid_day(*match.groups()):
        return None
    return code


def _code_from_url(text: str, template: str | None) -> str | None:
    if template is not None and "{code}" in template:
        prefix, suffix = template.split("{code}", 1)
        # Scheme and host are case-insensitive, and some QR encoders upper-case a URL to fit
        # the compact alphanumeric mode.
        if (
            len(text) >= len(prefix) + len(suffix)
            and text[: len(prefix)].casefold() == prefix.casefold()
            and text[len(text) - len(suffix) :].casefold() == suffix.casefold()
        ):
            found = _as_code(unquote(text[len(prefix) : len(text) - len(suffix)]))
            if found is not None:
                return found
    # A slip printed before the template changed still carries its code somewhere in the URL:
    # a query value or a path segment, tried last to first.
    parts = urlsplit(text)
    candidates = [value for _, value in parse_qsl(parts.query)]
    candidates += [unquote(segment) for segment in reversed(parts.path.split("/")) if segment]
    candidates.append(unquote(parts.fragment))
    for candidate in candidates:
        found = _as_code(candidate)
        if found is not None:
            return found
    return None


def parse_code(text: str, qr_url_template: str | None = None) -> str | None:
    """The dossier code in what was typed or scanned, normalised (``H15.50.05.13-261123-0001``).

    Typed codes may have spaces, lower case and look-alike dashes. A QR payload is either the
    bare code or a URL made from ``qr_url_template`` (``https://…?ma={code}``, as
    ``kiosk.slip.qr_payload`` builds it). None when there is no valid code.
    """
    if len(text) > MAX_LOOKUP_INPUT_CHARS:
        return None
    text = unicodedata.normalize("NFKC", text).strip()
    if any(unicodedata.category(c)[0] == "C" for c in text):
        return None
    if text.casefold().startswith(("http://", "https://")):
        return _code_from_url(text, qr_url_template)
    return _as_code(text)


def _status_value(raw: Any, what: str) -> ProcessingStatus | str:
    if not isinstance(raw, str) or not raw or len(raw) > 80:
        raise _malformed(what)
    try:
        return ProcessingStatus(raw)
    except ValueError:
        return raw  # a status newer than this kiosk: shown as the gateway words it


def _parse_status(data: dict[str, Any], what: str) -> StatusResult:
    try:
        code = data["dossier_code"]
        history_raw = data.get("history") or []
        if not isinstance(code, str) or not isinstance(history_raw, list):
            raise _malformed(what)
        history = tuple(
            StatusStep(
                at=datetime.fromisoformat(step["at"]),
                status=_status_value(step["status"], what),
                note=step.get("note") if isinstance(step.get("note"), str) else None,
            )
            for step in history_raw
        )
        receipt = data.get("receipt_number")
        procedure = data.get("procedure_code")
        return StatusResult(
            kind=StatusKind.FOUND,
            code=code,
            status=_status_value(data["status"], what),
            appointment_date=date.fromisoformat(data["expected_return_date"]),
            receipt_number=receipt if isinstance(receipt, str) else None,
            procedure_code=procedure if isinstance(procedure, str) else None,
            history=history,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _malformed(what) from None


class StatusLookup:
    """Looks a dossier up at the gateway by the code on its slip."""

    def __init__(self, transport: GatewayCalls, *, qr_url_template: str | None = None) -> None:
        self._transport = transport
        self._template = qr_url_template

    def lookup(self, code: str) -> StatusResult:
        """FOUND with the details, or NOT_FOUND / OFFLINE / INVALID_CODE.

        ``code`` is typed text or a slip's QR payload; it is validated before anything is sent.
        Blocks for up to the transport's timeouts: call it from a worker thread.
        """
        normalised = parse_code(code, self._template)
        if normalised is None:
            return StatusResult(StatusKind.INVALID_CODE)
        path = f"{API}/status/{quote(normalised, safe='')}"
        try:
            answer = self._transport.call("GET", path, ok=(200,))
            result = _parse_status(answer.json_object(), f"GET {path}")
        except GatewayError as exc:
            if exc.status == 404:
                log.info("status %s: not found", normalised)
                return StatusResult(StatusKind.NOT_FOUND, code=normalised)
            level = logging.WARNING if exc.kind is ErrorKind.TRANSIENT else logging.ERROR
            log.log(level, "status %s: offline (%s)", normalised, _detail(exc))
            return StatusResult(StatusKind.OFFLINE, code=normalised)
        except OSError as exc:
            log.error("status %s: offline (%s)", normalised, _detail(exc))
            return StatusResult(StatusKind.OFFLINE, code=normalised)
        log.info("status %s: %s", normalised, result.status)
        return result


# --- composition ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GatewayServices:
    """What the composition root hands to the screens; ``close`` releases the connections."""

    identity: IdentityVerifier
    confirmation: GatewayConfirmation
    status: StatusLookup
    transports: tuple[HttpTransport, ...] = ()

    def close(self) -> None:
        for transport in self.transports:
            transport.close()


def _transport(
    gateway: GatewaySection, *, connect_s: float, read_s: float, deadline_s: float
) -> HttpTransport:
    return HttpTransport(
        gateway.url,
        gateway.token.get_secret_value(),
        verify=str(gateway.ca_file) if gateway.ca_file else True,
        connect_timeout_s=connect_s,
        read_timeout_s=read_s,
        deadline_s=deadline_s,
        max_response_bytes=MAX_ANSWER_BYTES,
        proxy=gateway.proxy,
    )


def build_gateway_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    qr_url_template: str | None = None,
    confirmation_budget_s: float = DEFAULT_CONFIRMATION_BUDGET_S,
    breaker_cooldown_s: float = DEFAULT_BREAKER_COOLDOWN_S,
) -> GatewayServices:
    """The three services on ``settings.gateway``, each with its own transport.

    ``confirmation_budget_s`` is split evenly between the connect and the read timeout of the
    confirmation transport and is also its overall deadline, so one confirmation call costs the
    UI thread about that long at most (resolving the gateway's host name is not covered by
    ``requests`` timeouts). ``clock`` drives the circuit breaker. Identity and status lookups,
    run from worker threads, use the configured timeouts with the read timeout capped.
    """
    if confirmation_budget_s <= 0:
        raise ValueError("the confirmation budget must be positive")
    gateway = settings.gateway
    read_s = min(gateway.read_timeout_s, INTERACTIVE_READ_CAP_S)
    interactive = {
        "connect_s": gateway.connect_timeout_s,
        "read_s": read_s,
        "deadline_s": gateway.connect_timeout_s + read_s,
    }
    identity_transport = _transport(gateway, **interactive)
    status_transport = _transport(gateway, **interactive)
    half = confirmation_budget_s / 2
    confirmation_transport = _transport(
        gateway, connect_s=half, read_s=half, deadline_s=confirmation_budget_s
    )
    breaker = CircuitBreaker(clock or SystemClock(), breaker_cooldown_s)
    return GatewayServices(
        identity=IdentityVerifier(identity_transport),
        confirmation=GatewayConfirmation(confirmation_transport, breaker),
        status=StatusLookup(status_transport, qr_url_template=qr_url_template),
        transports=(identity_transport, confirmation_transport, status_transport),
    )
