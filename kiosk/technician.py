"""Who may enter technician mode, and for how long: the PIN with its lock-out, the badge signed
by the province's gateway, the quiet lock, and the audit trail every technician action leaves.

* **PIN.** Checked against the scrypt hash in the configuration. ``max_pin_tries`` wrong PINs in
  a row lock PIN entry for ``lockout_s``. The count and the lock live in a small file in the data
  directory, written atomically, so pulling the plug does not reset them (brute force by
  rebooting). The lock is kept on the wall clock (it must survive a restart); a clock set back
  cannot stretch it beyond ``lockout_s`` from now, and a clock set forward only shortens it, as
  a technician with a badge could enter anyway.
* **Badge.** A QR code the gateway signed (``dvc_common.trust``), checked offline against the
  gateway's key in the configuration: it names the technician and the kiosks or area it is good
  for, and when it expires. A badge is a credential of its own, so it opens the kiosk while PIN
  entry is locked out.
* **Quiet lock.** Technician mode locks itself after ``quiet_lock_s`` without a touch: the screen
  router's idle rule for that mode (``kiosk.router``).

The screens and ``kiosk doctor`` use this; nothing here knows Qt.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from config.settings import Settings, verify_pin
from dvc_common.atomic import write_atomic
from dvc_common.clock import Clock
from dvc_common.trust import (
    Badge,
    BadgeProblem,
    BadgeRefusedError,
    TrustError,
    signing_public_key,
    verify_badge,
)
from offline_queue.audit import PIN_ACTOR, AuditKind

log = logging.getLogger(__name__)

LOCK_FILE = "technician-entry.json"


__all__ = [
    "PIN_ACTOR",
    "AuditKind",
    "AuditTrail",
    "EntryOutcome",
    "EntryResult",
    "TechnicianAccess",
]


class AuditTrail(Protocol):
    """Where technician actions are written (``AuditKind`` is the outbox's own: one log); the
    sync process delivers them to the gateway."""

    def record(self, kind: AuditKind, actor: str, detail: str) -> None: ...


class EntryOutcome(StrEnum):
    GRANTED = "granted"
    WRONG_PIN = "wrong_pin"
    LOCKED_OUT = "locked_out"  # too many wrong PINs: wait (or use a badge)
    NO_PIN_SET = "no_pin_set"  # the configuration has no PIN: a badge is the only way in
    BADGE_REFUSED = "badge_refused"
    NO_GATEWAY_KEY = "no_gateway_key"  # not enrolled: badges cannot be checked yet
    UNRECORDABLE = "unrecordable"  # the try count cannot be written (disk full): PIN refused


@dataclass(frozen=True)
class EntryResult:
    outcome: EntryOutcome
    actor: str = ""  # who entered (the badge's technician, or PIN_ACTOR)
    badge: Badge | None = None
    tries_left: int = 0  # after a wrong PIN
    locked_until: datetime | None = None  # while locked out
    badge_problem: BadgeProblem | None = None

    @property
    def granted(self) -> bool:
        return self.outcome is EntryOutcome.GRANTED


@dataclass(frozen=True)
class _LockState:
    failures: int = 0
    locked_until: datetime | None = None


class TechnicianAccess:
    """The way into technician mode (see the module docstring). ``settings`` is read at each
    attempt through ``current``, so a PIN changed in technician mode counts at once."""

    def __init__(
        self,
        current: Callable[[], Settings],
        clock: Clock,
        audit: AuditTrail,
        state_dir: Path,
    ) -> None:
        self._current = current
        self._clock = clock
        self._audit = audit
        self._path = state_dir / LOCK_FILE

    # --- the lock file ---------------------------------------------------------------------------

    def _read(self) -> _LockState:
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
            until = raw.get("locked_until")
            return _LockState(
                failures=int(raw.get("failures", 0)),
                locked_until=datetime.fromisoformat(until) if until else None,
            )
        except FileNotFoundError:
            return _LockState()
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            # A damaged file must not open the kiosk: a fresh lock-out, written once so that it
            # ends like any other (not pushed forward on every look).
            log.warning("technician lock file unreadable (%s): entry locked as a precaution", exc)
            state = _LockState(self._current().technician.max_pin_tries, self._lock_end())
            try:
                self._write(state)
            except OSError as write_exc:
                log.error("technician lock file cannot be rewritten: %s", write_exc)
            return state

    def _write(self, state: _LockState) -> None:
        body = {
            "failures": state.failures,
            "locked_until": state.locked_until.isoformat() if state.locked_until else None,
        }
        write_atomic(self._path, json.dumps(body).encode(), mode=0o600)

    def _lock_end(self) -> datetime:
        return self._clock.now() + timedelta(seconds=self._current().technician.lockout_s)

    def pin_set(self) -> bool:
        return bool(self._current().technician.pin_hash.get_secret_value())

    def locked_until(self) -> datetime | None:
        """When PIN entry opens again, or None when it is open now."""
        state = self._read()
        if state.locked_until is None:
            return None
        now, longest = self._clock.now(), self._lock_end()
        if state.locked_until <= now:
            return None
        if state.locked_until > longest:
            # The clock was set back: the lock must not last days. Stored capped, or every look
            # would push its end forward again.
            self._write(_LockState(state.failures, longest))
            return longest
        return state.locked_until

    # --- entry ------------------------------------------------------------------------------------

    def try_pin(self, pin: str) -> EntryResult:
        try:
            return self._try_pin(pin)
        except OSError as exc:
            # A count that cannot be written would allow unlimited guesses: the PIN is refused
            # until it can (a badge still opens).
            return self._refused(EntryResult(EntryOutcome.UNRECORDABLE), f"PIN: {exc.strerror}")

    def _try_pin(self, pin: str) -> EntryResult:
        settings = self._current()
        stored = settings.technician.pin_hash.get_secret_value()
        if not stored:
            return self._refused(EntryResult(EntryOutcome.NO_PIN_SET), "no PIN configured")
        until = self.locked_until()
        if until is not None:
            return self._refused(
                EntryResult(EntryOutcome.LOCKED_OUT, locked_until=until), "PIN while locked out"
            )
        state = self._read()
        # An expired lock-out starts a fresh count. The try is counted before the PIN is
        # checked: a try that cannot be recorded (disk full) is never checked, so a kiosk whose
        # disk is full cannot be guessed into (a badge still opens it).
        failures = (0 if state.locked_until is not None else state.failures) + 1
        self._write(_LockState(failures, None))
        if verify_pin(pin, stored):
            try:
                self._write(_LockState())
            except OSError as exc:  # counted one wrong try too many: harmless
                log.error("technician lock file not reset: %s", exc.strerror)
            return self._granted(EntryResult(EntryOutcome.GRANTED, actor=PIN_ACTOR))
        limit = settings.technician.max_pin_tries
        if failures >= limit:
            end = self._lock_end()
            self._write(_LockState(failures, end))
            return self._refused(
                EntryResult(EntryOutcome.LOCKED_OUT, locked_until=end),
                f"wrong PIN, {limit} in a row: locked until {end:%H:%M}",
            )
        return self._refused(
            EntryResult(EntryOutcome.WRONG_PIN, tries_left=limit - failures),
            f"wrong PIN ({failures} of {limit})",
        )

    def try_badge(self, text: str) -> EntryResult:
        settings = self._current()
        if not settings.gateway.signing_key:
            return self._refused(EntryResult(EntryOutcome.NO_GATEWAY_KEY), "badge, not enrolled")
        try:
            badge = verify_badge(
                text,
                signing_public_key(settings.gateway.signing_key),
                now=self._clock.now(),
                kiosk_id=settings.kiosk.id,
                unit_code=settings.agency.unit_code,
            )
        except BadgeRefusedError as exc:
            return self._refused(
                EntryResult(EntryOutcome.BADGE_REFUSED, badge_problem=exc.problem),
                f"badge refused: {exc.problem.value}",
            )
        except TrustError as exc:  # the configured key itself is unusable
            return self._refused(EntryResult(EntryOutcome.NO_GATEWAY_KEY), f"badge: {exc}")
        who = f"{badge.technician_name} ({badge.technician_id})"
        return self._granted(
            EntryResult(EntryOutcome.GRANTED, actor=who, badge=badge),
            f"badge {badge.serial or '-'} valid until {badge.expires:%Y-%m-%d %H:%M}",
        )

    def _granted(self, result: EntryResult, detail: str = "") -> EntryResult:
        log.info("technician entry: %s", result.actor)
        self._audit.record(AuditKind.ENTRY, result.actor, detail or "PIN")
        return result

    def _refused(self, result: EntryResult, detail: str) -> EntryResult:
        log.warning("technician entry refused: %s", detail)
        self._audit.record(AuditKind.ENTRY_REFUSED, "-", detail)
        return result
