"""Technician entry (``kiosk.technician``): the PIN and its lock-out kept across restarts,
badges checked offline, and an audit entry for every attempt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from config.settings import Settings, with_pin
from dvc_common.clock import VIETNAM, FakeClock
from dvc_common.trust import Badge, BadgeProblem, public_key_text, sign_badge
from kiosk.technician import (
    LOCK_FILE,
    PIN_ACTOR,
    AuditKind,
    EntryOutcome,
    TechnicianAccess,
)

PIN = "246810"
START = datetime(2026, 12, 6, 9, 0, tzinfo=VIETNAM)
GATEWAY = Ed25519PrivateKey.generate()


@dataclass
class Trail:
    entries: list[tuple[AuditKind, str, str]] = field(default_factory=list)

    def record(self, kind: AuditKind, actor: str, detail: str) -> None:
        self.entries.append((kind, actor, detail))


def settings(**technician: int) -> Settings:
    base = with_pin(Settings(), PIN)
    return base.model_copy(
        update={
            "technician": base.technician.model_copy(update=technician),
            "gateway": base.gateway.model_copy(
                update={"signing_key": public_key_text(GATEWAY.public_key())}
            ),
            "agency": base.agency.model_copy(update={"unit_code": "H22.01.03"}),
        }
    )


def access(tmp_path: Path, clock: FakeClock, trail: Trail, config: Settings) -> TechnicianAccess:
    return TechnicianAccess(lambda: config, clock, trail, tmp_path)


def test_the_right_pin_opens_and_is_audited(tmp_path: Path) -> None:
    trail, clock = Trail(), FakeClock(START)
    result = access(tmp_path, clock, trail, settings()).try_pin(PIN)
    assert result.granted and result.actor == PIN_ACTOR
    assert trail.entries == [(AuditKind.ENTRY, PIN_ACTOR, "PIN")]
    assert PIN not in (tmp_path / LOCK_FILE).read_text()
    assert (tmp_path / LOCK_FILE).stat().st_mode & 0o777 == 0o600


def test_five_wrong_pins_lock_entry_for_fifteen_minutes_across_a_restart(tmp_path: Path) -> None:
    trail, clock, config = Trail(), FakeClock(START), settings()
    gate = access(tmp_path, clock, trail, config)
    tries = [gate.try_pin("000000") for _ in range(4)]
    assert [t.outcome for t in tries] == [EntryOutcome.WRONG_PIN] * 4
    assert [t.tries_left for t in tries] == [4, 3, 2, 1]
    fifth = gate.try_pin("000000")
    assert fifth.outcome is EntryOutcome.LOCKED_OUT
    assert fifth.locked_until == START + timedelta(minutes=15)
    # The power is pulled: a new process reads the lock from disk; the right PIN is refused.
    again = access(tmp_path, clock, trail, config)
    clock.advance(14 * 60)
    assert again.try_pin(PIN).outcome is EntryOutcome.LOCKED_OUT
    clock.advance(61)
    assert again.try_pin(PIN).granted
    refused = [e for e in trail.entries if e[0] is AuditKind.ENTRY_REFUSED]
    assert len(refused) == 6 and all(PIN not in e[2] for e in refused)


def test_brute_force_across_restarts_gets_no_more_tries(tmp_path: Path) -> None:
    # Restarting between guesses (a new TechnicianAccess each time) does not reset the count.
    clock, config, trail = FakeClock(START), settings(), Trail()
    outcomes = [access(tmp_path, clock, trail, config).try_pin(f"{n:06d}") for n in range(20)]
    assert [o.outcome for o in outcomes[:4]] == [EntryOutcome.WRONG_PIN] * 4
    assert all(o.outcome is EntryOutcome.LOCKED_OUT for o in outcomes[4:])
    assert not any(o.granted for o in outcomes)


def test_a_clock_set_back_cannot_lock_for_days_and_a_damaged_file_locks(tmp_path: Path) -> None:
    clock, config, trail = FakeClock(START), settings(), Trail()
    gate = access(tmp_path, clock, trail, config)
    for _ in range(5):
        gate.try_pin("000000")
    back = FakeClock(START - timedelta(days=3))
    early = access(tmp_path, back, trail, config)
    assert early.locked_until() == back.now() + timedelta(minutes=15)
    back.advance(15 * 60 + 1)
    assert early.try_pin(PIN).granted
    (tmp_path / LOCK_FILE).write_text("{not json")
    assert access(tmp_path, clock, trail, config).try_pin(PIN).outcome is EntryOutcome.LOCKED_OUT


def test_no_pin_configured_refuses_every_pin(tmp_path: Path) -> None:
    config = Settings()
    result = access(tmp_path, FakeClock(START), Trail(), config).try_pin("123456")
    assert result.outcome is EntryOutcome.NO_PIN_SET


def badge_text(key: Ed25519PrivateKey = GATEWAY, **changes: object) -> str:
    fields: dict[str, object] = {
        "technician_id": "KT-0042",
        "technician_name": "Trần Văn Kỹ",
        "not_before": START - timedelta(hours=1),
        "expires": START + timedelta(hours=8),
        "area": "H22.01",
    }
    fields.update(changes)
    return sign_badge(Badge(**fields), key)  # type: ignore[arg-type]


def test_a_badge_opens_even_while_the_pin_is_locked_out(tmp_path: Path) -> None:
    trail, clock, config = Trail(), FakeClock(START), settings()
    gate = access(tmp_path, clock, trail, config)
    for _ in range(5):
        gate.try_pin("000000")
    result = gate.try_badge(badge_text())
    assert result.granted and result.actor == "Trần Văn Kỹ (KT-0042)"
    assert trail.entries[-1][0] is AuditKind.ENTRY


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            badge_text(expires=START - timedelta(minutes=1), not_before=START - timedelta(hours=2)),
            BadgeProblem.EXPIRED,
        ),
        (badge_text(area="H22.02"), BadgeProblem.OTHER_AREA),
        (badge_text(area="", kiosks=("KIOSK09",)), BadgeProblem.OTHER_KIOSK),
        (badge_text(Ed25519PrivateKey.generate()), BadgeProblem.BAD_SIGNATURE),
        ("DVCB1.garbage", BadgeProblem.MALFORMED),
    ],
    ids=["expired", "other-area", "other-kiosk", "forged", "garbage"],
)
def test_badges_refused_with_their_reason(tmp_path: Path, text: str, problem: BadgeProblem) -> None:
    trail = Trail()
    result = access(tmp_path, FakeClock(START), trail, settings()).try_badge(text)
    assert result.outcome is EntryOutcome.BADGE_REFUSED and result.badge_problem is problem
    assert trail.entries[-1][0] is AuditKind.ENTRY_REFUSED


def test_a_kiosk_not_enrolled_cannot_check_badges(tmp_path: Path) -> None:
    result = access(tmp_path, FakeClock(START), Trail(), Settings()).try_badge(badge_text())
    assert result.outcome is EntryOutcome.NO_GATEWAY_KEY


def test_a_damaged_lock_file_locks_once_and_the_lock_ends(tmp_path: Path) -> None:
    clock, config, trail = FakeClock(START), settings(), Trail()
    (tmp_path / LOCK_FILE).write_text("{not json")
    gate = access(tmp_path, clock, trail, config)
    assert gate.try_pin(PIN).outcome is EntryOutcome.LOCKED_OUT
    clock.advance(15 * 60 + 1)
    assert gate.try_pin(PIN).granted


def test_a_wrong_try_that_cannot_be_recorded_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk import technician

    def full(*_: object, **__: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(technician, "write_atomic", full)
    gate = access(tmp_path, FakeClock(START), Trail(), settings())
    # A try whose count cannot be kept is not checked at all, right PIN or wrong: otherwise a
    # full disk would allow unlimited guessing. A badge still opens the kiosk.
    assert gate.try_pin("000000").outcome is EntryOutcome.UNRECORDABLE
    assert gate.try_pin(PIN).outcome is EntryOutcome.UNRECORDABLE
