"""Identity verification and the status lookup as use cases, without Qt: trouble never reaches
the citizen as an exception, an answer only reaches the citizen (and the question) it is for."""

from __future__ import annotations

import uuid
from datetime import date

from kiosk.dossier import Verification
from kiosk.gateway_services import StatusKind, StatusResult
from kiosk.identity import Identity, parse_identity
from kiosk.journey import Back, QrScanned, State
from kiosk.lookup import LookupDesk, StatusLooked, StatusQuery
from kiosk.verification import IdentityCheck, VerificationDesk, VerificationDone
from tests.kiosk.conftest import FEMALE_QR, MALE_QR, Harness
from tests.kiosk.test_journey import drive_to
from tests.kiosk.vietnamese import vietnamese


class Register:
    def __init__(self, answer: Verification | Exception) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def verify(self, identity: Identity) -> Verification:
        self.asked.append(identity.id_number)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class Gateway:
    def __init__(self, answer: StatusResult | Exception) -> None:
        self.answer = answer

    def lookup(self, code: str) -> StatusResult:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_the_register_answer_is_passed_on_and_any_trouble_is_pending() -> None:
    identity = parse_identity(FEMALE_QR, today=date(2026, 11, 23))
    assert IdentityCheck(Register(Verification.VERIFIED)).verify(identity) is Verification.VERIFIED
    assert IdentityCheck(Register(RuntimeError("bug"))).verify(identity) is Verification.PENDING


def test_the_desk_asks_once_per_card_and_answers_only_the_card_held_now(
    harness: Harness,
) -> None:
    asked: list[tuple[uuid.UUID, Identity]] = []
    desk = VerificationDesk(harness.kiosk.journey, lambda sid, who: asked.append((sid, who)))
    journey = harness.kiosk.journey
    journey.subscribe(desk.on_snapshot)
    drive_to(harness, State.FORM)
    assert len(asked) == 1
    session_id, first = asked[0]
    journey.dispatch(QrScanned(FEMALE_QR.encode()))  # more snapshots: not asked again
    assert len(asked) == 1
    # The citizen goes back and reads another card: that one is asked about too...
    while journey.state is not State.IDENTIFY:
        journey.dispatch(Back())
    journey.dispatch(QrScanned(MALE_QR.encode()))
    assert [who.id_number for _, who in asked] == [first.id_number, asked[1][1].id_number]
    # ...and the late answer about the first card is not this citizen's.
    desk.answered(VerificationDone(session_id, first.id_number, Verification.VERIFIED))
    assert journey.snapshot().verification is Verification.PENDING
    second = asked[1][1]
    desk.answered(VerificationDone(session_id, second.id_number, Verification.VERIFIED))
    assert journey.snapshot().verification is Verification.VERIFIED


def test_a_lookup_in_trouble_is_offline() -> None:
    result = StatusQuery(Gateway(ConnectionError("down"))).lookup("X")
    assert result.kind is StatusKind.OFFLINE
    assert vietnamese(result.kind).startswith("Hiện chưa kết nối được với hệ thống dịch vụ công")
    found = StatusResult(StatusKind.FOUND, code="C")
    assert StatusQuery(Gateway(found)).lookup("C") is found


def test_the_lookup_desk_takes_only_the_answer_to_the_last_question() -> None:
    asked: list[tuple[int, str]] = []
    desk = LookupDesk(lambda request, code: asked.append((request, code)))
    assert desk.ask("A") is False  # closed: nothing is asked
    desk.open()
    assert desk.ask("A") and desk.busy
    assert desk.ask("B")
    (first, _), (second, _) = asked
    answer = StatusResult(StatusKind.NOT_FOUND, code="A")
    assert desk.answered(StatusLooked(first, answer)) is False  # asked again since
    assert desk.busy and desk.result is None
    found = StatusResult(StatusKind.FOUND, code="B")
    assert desk.answered(StatusLooked(second, found)) is True
    assert not desk.busy and desk.result is found


def test_an_answer_after_the_lookup_closed_goes_nowhere() -> None:
    asked: list[tuple[int, str]] = []
    desk = LookupDesk(lambda request, code: asked.append((request, code)))
    desk.open()
    desk.ask("A")
    desk.close()
    desk.open()  # the next visit
    assert desk.answered(StatusLooked(asked[0][0], StatusResult(StatusKind.FOUND))) is False
    assert desk.result is None and not desk.busy
