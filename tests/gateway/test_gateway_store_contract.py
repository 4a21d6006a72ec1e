"""The ``Store`` contract (gateway.store): the same tests for every backend of the gateway's
metadata, called directly, without HTTP.

Each backend is one entry of ``BACKENDS``: given the test's request (for the fixtures it needs)
and its temporary directory, it returns an opener, and every call of the opener opens the same
data again (a second connection, as the ``received`` and ``enrol`` commands open next to a
serving gateway, or another replica). SQLite keeps a file in the test's directory; PostgreSQL
gets a throwaway database per test on a real server (``pg_url``: Debian's PostgreSQL on a Unix
socket), migrated by the store as it opens. Tests that only make sense for one backend are at
the end, apart from the contract.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
import pytest
from gateway_testkit import KIOSK, MONDAY_MORNING, OTHER_KIOSK, UNIT_CODE

from dvc_common.protocol import ProcessingStatus
from gateway.store import (
    BackendError,
    BadgeRecord,
    DossierPage,
    DossierQuery,
    EnrolmentCodeExpiredError,
    EnrolmentCodeRecord,
    EnrolmentCodeRevokedError,
    EnrolmentCodeUnknownError,
    EnrolmentCodeUsedError,
    FileAlreadyCompleteError,
    FileRecord,
    IntakeStatus,
    KioskRecord,
    NewAuditEvent,
    NewFile,
    NoSuchRecordError,
    ReceiptNumberTakenError,
    StatusMovedError,
    Store,
    StoreCounts,
    StoreError,
    UploadState,
)
from gateway.store_postgres import PostgresStore
from gateway.store_sqlite import DB_NAME, SqliteStore
from simulators.pg_cluster import ThrowawayCluster

Opener = Callable[[], Store]


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    return lambda: SqliteStore(tmp_path / "gateway")


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    url: str = request.getfixturevalue("pg_url")
    return lambda: PostgresStore(url)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Opener]] = {
    "sqlite": _sqlite,
    "postgres": _postgres,
}

NOW = MONDAY_MORNING
TODAY = NOW.date()
LATER = NOW + timedelta(hours=1)
TICK = timedelta(seconds=1)
TTL = timedelta(hours=24)
APPOINTMENT = date(2026, 11, 25)
NOTE = "Tiếp nhận hồ sơ từ kiosk KIOSK01"
BODY = '{"procedure_code":"1.001193"}'


@pytest.fixture(params=sorted(BACKENDS))
def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens the test's data once more on each call; every store opened is closed after."""
    opener = BACKENDS[request.param](request, tmp_path)
    opened: list[Store] = []

    def open_store() -> Store:
        store = opener()
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def store(reopen: Opener) -> Store:
    return reopen()


def new_files(count: int) -> list[NewFile]:
    return [
        NewFile("birth_certificate", f"page-{i + 1}.pdf", 100 + i, f"{i:064x}", "application/pdf")
        for i in range(count)
    ]


def create(
    store: Store,
    client_uuid: str = "c0000000-0000-4000-8000-000000000001",
    *,
    receipt_number: str = "KIOSK01-261123-0001",
    files: int = 2,
    body: str = BODY,
    kiosk_id: str = KIOSK,
) -> str:
    record, created = store.create_dossier(
        client_uuid=client_uuid,
        kiosk_id=kiosk_id,
        receipt_number=receipt_number,
        procedure_code="1.001193",
        body=body,
        files=new_files(files),
        now=NOW,
    )
    assert created
    return record.dossier_id


def upload_for(store: Store, file: FileRecord | None, length: int = 100) -> str:
    upload, _ = store.create_upload(
        kiosk_id=KIOSK, length=length, metadata={}, file=file, now=NOW, expires_at=NOW + TTL
    )
    return upload.upload_id


def complete_files(store: Store, dossier_id: str) -> None:
    """Every file of the dossier uploaded and completed, as the tus service does it."""
    for file in store.files(dossier_id):
        upload_id = upload_for(store, file, file.size)
        store.set_offset(upload_id, file.size, NOW + TTL)
        store.complete_upload(upload_id, f"dossiers/{dossier_id}/{file.file_id}.pdf")


def finalize(store: Store, dossier_id: str, day: date = TODAY) -> str | None:
    outcome = store.finalize(
        dossier_id, now=NOW, day=day, unit_code=UNIT_CODE, appointment_date=APPOINTMENT, note=NOTE
    )
    return outcome.dossier.dossier_code


# --- kiosks --------------------------------------------------------------------------------------


def test_an_enrolled_kiosk_is_found_by_its_token_and_enabled(store: Store) -> None:
    token = store.enrol(KIOSK, NOW)

    kiosk = store.kiosk_for_token(token)

    assert kiosk is not None
    assert (kiosk.kiosk_id, kiosk.enabled) == (KIOSK, True)
    assert store.kiosk_for_token("not-a-token") is None
    assert store.kiosk_for_token("") is None


def test_enrolling_again_retires_the_earlier_token(store: Store) -> None:
    first = store.enrol(KIOSK, NOW)
    second = store.enrol(KIOSK, LATER)

    assert first != second
    assert store.kiosk_for_token(first) is None
    kiosk = store.kiosk_for_token(second)
    assert kiosk is not None and kiosk.kiosk_id == KIOSK


def test_tokens_of_different_kiosks_are_theirs_alone(store: Store) -> None:
    mine, theirs = store.enrol(KIOSK, NOW), store.enrol(OTHER_KIOSK, NOW)

    found = [store.kiosk_for_token(token) for token in (mine, theirs)]
    assert [k.kiosk_id if k else None for k in found] == [KIOSK, OTHER_KIOSK]


def test_a_disabled_kiosk_keeps_its_token_but_is_disabled(store: Store) -> None:
    token = store.enrol(KIOSK, NOW)

    assert store.set_enabled(KIOSK, False) is True
    kiosk = store.kiosk_for_token(token)
    assert kiosk is not None and kiosk.enabled is False

    assert store.set_enabled(KIOSK, True) is True
    kiosk = store.kiosk_for_token(token)
    assert kiosk is not None and kiosk.enabled is True


def test_disabling_a_kiosk_never_enrolled_says_so(store: Store) -> None:
    assert store.set_enabled("NOBODY", False) is False
    assert store.set_enabled("NOBODY", True) is False


def test_enrolling_a_disabled_kiosk_enables_it(store: Store) -> None:
    store.enrol(KIOSK, NOW)
    store.set_enabled(KIOSK, False)

    token = store.enrol(KIOSK, LATER)

    kiosk = store.kiosk_for_token(token)
    assert kiosk is not None and kiosk.enabled is True


def test_a_kiosk_is_found_by_its_id_with_the_key_it_enrolled_with(store: Store) -> None:
    assert store.kiosk(KIOSK) is None
    store.create_enrolment_code(
        code_sha256=CODE, kiosk_id=KIOSK, now=NOW, expires_at=NOW + CODE_TTL
    )
    store.redeem_enrolment_code(CODE, public_key=KIOSK_KEY, now=NOW)

    assert store.kiosk(KIOSK) == KioskRecord(KIOSK, True, KIOSK_KEY)
    store.set_enabled(KIOSK, False)
    assert store.kiosk(KIOSK) == KioskRecord(KIOSK, False, KIOSK_KEY)
    # A token issued without a code belongs to no key.
    store.enrol(KIOSK, LATER)
    assert store.kiosk(KIOSK) == KioskRecord(KIOSK, True, None)


def test_a_kiosk_s_unit_is_named_at_enrolment_or_later_and_kept(store: Store) -> None:
    store.enrol(KIOSK, NOW, "H15.50.05.13")
    store.enrol(OTHER_KIOSK, NOW)
    assert [(k.kiosk_id, k.unit_code) for k in store.kiosks()] == [
        (KIOSK, "H15.50.05.13"), (OTHER_KIOSK, None)]  # fmt: skip

    store.enrol(KIOSK, LATER)  # a new token, the unit unchanged
    assert store.set_kiosk_unit(OTHER_KIOSK, "H15.50.07.01") is True
    assert store.set_kiosk_unit("NOBODY", "H15.50.07.01") is False
    store.set_enabled(OTHER_KIOSK, False)

    assert store.kiosks() == [
        KioskRecord(KIOSK, True, None, "H15.50.05.13"),
        KioskRecord(OTHER_KIOSK, False, None, "H15.50.07.01"),
    ]
    assert store.set_kiosk_unit(KIOSK, None) is True
    kiosk = store.kiosk(KIOSK)
    assert kiosk is not None and kiosk.unit_code is None


def test_a_kiosk_enrolled_with_a_code_gets_the_code_s_unit(store: Store) -> None:
    store.create_enrolment_code(code_sha256=CODE, kiosk_id=KIOSK, now=NOW,
                                expires_at=NOW + CODE_TTL, unit_code="H15.50.05.13")  # fmt: skip
    code = store.enrolment_code(CODE)
    assert code is not None and code.unit_code == "H15.50.05.13"

    store.redeem_enrolment_code(CODE, public_key=KIOSK_KEY, now=NOW)

    assert store.kiosk(KIOSK) == KioskRecord(KIOSK, True, KIOSK_KEY, "H15.50.05.13")


# --- enrolment codes -----------------------------------------------------------------------------

CODE = "a" * 64
CODE_TTL = timedelta(hours=1)
KIOSK_KEY = "ed25519:" + "k" * 43


def test_an_enrolment_code_is_kept_as_created(store: Store) -> None:
    store.create_enrolment_code(
        code_sha256=CODE, kiosk_id=KIOSK, now=NOW, expires_at=NOW + CODE_TTL
    )

    assert store.enrolment_code(CODE) == EnrolmentCodeRecord(CODE, KIOSK, NOW, NOW + CODE_TTL, None)
    assert store.enrolment_code("b" * 64) is None


def test_redeeming_a_code_enrols_its_kiosk_once(store: Store) -> None:
    old_token = store.enrol(KIOSK, NOW)
    store.create_enrolment_code(
        code_sha256=CODE, kiosk_id=KIOSK, now=NOW, expires_at=NOW + CODE_TTL
    )

    token = store.redeem_enrolment_code(CODE, public_key=KIOSK_KEY, now=LATER - TICK)

    found = store.kiosk_for_token(token)
    assert found is not None and found.kiosk_id == KIOSK
    assert store.kiosk_for_token(old_token) is None
    code = store.enrolment_code(CODE)
    assert code is not None and code.used_at == LATER - TICK
    with pytest.raises(EnrolmentCodeUsedError):
        store.redeem_enrolment_code(CODE, public_key=KIOSK_KEY, now=LATER - TICK)
    assert store.kiosk_for_token(token) is not None  # the refused attempt changed nothing


def test_an_expired_or_unknown_code_enrols_nothing(store: Store) -> None:
    store.create_enrolment_code(
        code_sha256=CODE, kiosk_id=KIOSK, now=NOW, expires_at=NOW + CODE_TTL
    )

    with pytest.raises(EnrolmentCodeExpiredError):
        store.redeem_enrolment_code(CODE, public_key=KIOSK_KEY, now=NOW + CODE_TTL)
    with pytest.raises(EnrolmentCodeUnknownError):
        store.redeem_enrolment_code("b" * 64, public_key=KIOSK_KEY, now=NOW)
    assert store.kiosk(KIOSK) is None
    code = store.enrolment_code(CODE)
    assert code is not None and code.used_at is None


def test_concurrent_redemptions_of_one_code_enrol_once(reopen: Opener) -> None:
    # Two connections, several threads: the check and the use of a code are one atomic step.
    stores = [reopen(), reopen()]
    stores[0].create_enrolment_code(
        code_sha256=CODE, kiosk_id=KIOSK, now=NOW, expires_at=NOW + CODE_TTL
    )
    start = threading.Barrier(8)

    def redeem(n: int) -> str | None:
        start.wait(timeout=30)
        try:
            return stores[n % 2].redeem_enrolment_code(CODE, public_key=KIOSK_KEY, now=NOW)
        except EnrolmentCodeUsedError:
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = [t for t in pool.map(redeem, range(8)) if t is not None]

    assert len(tokens) == 1
    assert stores[1].kiosk_for_token(tokens[0]) is not None


def test_a_revoked_code_is_refused_as_revoked_and_enrols_nothing(store: Store) -> None:
    store.create_enrolment_code(code_sha256=CODE, kiosk_id=KIOSK, now=NOW,
                                expires_at=NOW + CODE_TTL, unit_code="H15.50.05.13")  # fmt: skip

    revoked = store.revoke_enrolment_code(CODE, now=NOW + TICK)

    assert revoked.revoked_at == NOW + TICK and revoked.used_at is None
    assert store.enrolment_code(CODE) == revoked
    with pytest.raises(EnrolmentCodeRevokedError):
        store.redeem_enrolment_code(CODE, public_key=KIOSK_KEY, now=NOW + 2 * TICK)
    assert store.kiosk(KIOSK) is None
    # Revoked twice: the first time stays.
    assert store.revoke_enrolment_code(CODE, now=LATER - TICK).revoked_at == NOW + TICK
    # A revoked code is a kind of expired one, so older callers refuse it too.
    assert issubclass(EnrolmentCodeRevokedError, EnrolmentCodeExpiredError)


def test_only_a_code_still_valid_can_be_revoked(store: Store) -> None:
    used, expired = "c" * 64, "d" * 64
    for digest in (used, expired):
        store.create_enrolment_code(code_sha256=digest, kiosk_id=KIOSK, now=NOW,
                                    expires_at=NOW + CODE_TTL)  # fmt: skip
    store.redeem_enrolment_code(used, public_key=KIOSK_KEY, now=NOW)

    with pytest.raises(EnrolmentCodeUsedError):
        store.revoke_enrolment_code(used, now=NOW + TICK)
    with pytest.raises(EnrolmentCodeExpiredError) as raised:
        store.revoke_enrolment_code(expired, now=NOW + CODE_TTL)
    assert not isinstance(raised.value, EnrolmentCodeRevokedError)
    with pytest.raises(EnrolmentCodeUnknownError):
        store.revoke_enrolment_code("e" * 64, now=NOW)
    assert [c.revoked_at for c in (store.enrolment_code(used), store.enrolment_code(expired))
            if c is not None] == [None, None]  # fmt: skip


def test_codes_are_listed_newest_first_with_their_state(store: Store) -> None:
    vietnam = timezone(timedelta(hours=7))
    issued = [
        ("1" * 64, NOW),
        ("2" * 64, NOW + TICK),
        ("3" * 64, (NOW + 2 * TICK).astimezone(vietnam)),
    ]
    for digest, at in issued:
        store.create_enrolment_code(code_sha256=digest, kiosk_id=KIOSK, now=at,
                                    expires_at=at + CODE_TTL)  # fmt: skip
    store.redeem_enrolment_code("1" * 64, public_key=KIOSK_KEY, now=NOW + TICK)
    store.revoke_enrolment_code("2" * 64, now=NOW + 2 * TICK)

    listed = store.enrolment_codes()

    assert [c.code_sha256 for c in listed] == ["3" * 64, "2" * 64, "1" * 64]
    assert listed[0].created_at == NOW + 2 * TICK and listed[0].created_at.utcoffset() == timedelta(
        hours=7
    )
    assert [(c.used_at, c.revoked_at) for c in listed] == [
        (None, None), (None, NOW + 2 * TICK), (NOW + TICK, None)]  # fmt: skip


def test_a_revocation_and_a_redemption_of_one_code_do_not_both_succeed(reopen: Opener) -> None:
    stores = [reopen(), reopen()]
    stores[0].create_enrolment_code(
        code_sha256=CODE, kiosk_id=KIOSK, now=NOW, expires_at=NOW + CODE_TTL
    )
    start = threading.Barrier(2)

    def redeem() -> str | None:
        start.wait(timeout=30)
        try:
            return stores[0].redeem_enrolment_code(CODE, public_key=KIOSK_KEY, now=NOW)
        except EnrolmentCodeRevokedError:
            return None

    def revoke() -> bool:
        start.wait(timeout=30)
        try:
            stores[1].revoke_enrolment_code(CODE, now=NOW)
        except EnrolmentCodeUsedError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=2) as pool:
        token, revoked = pool.submit(redeem), pool.submit(revoke)
        outcome = (token.result(), revoked.result())

    code = stores[1].enrolment_code(CODE)
    assert code is not None
    if outcome[1]:
        assert outcome[0] is None and code.used_at is None and code.revoked_at == NOW
    else:
        assert outcome[0] is not None and code.used_at == NOW and code.revoked_at is None


# --- kiosk token revocation ----------------------------------------------------------------------


def test_a_revoked_token_no_longer_finds_its_kiosk(reopen: Opener) -> None:
    store, other = reopen(), reopen()
    token = store.enrol(KIOSK, NOW, "H15.50.05.13")
    kept = store.enrol(OTHER_KIOSK, NOW)

    revoked = store.revoke_kiosk_token(KIOSK, NOW + TICK)

    assert revoked == KioskRecord(KIOSK, True, None, "H15.50.05.13", NOW + TICK)
    assert other.kiosk_for_token(token) is None  # on every connection (another replica)
    assert other.kiosk(KIOSK) == revoked and other.kiosks()[0] == revoked
    found = other.kiosk_for_token(kept)
    assert found is not None and found.token_revoked_at is None
    assert store.revoke_kiosk_token(KIOSK, LATER) == revoked  # the first time stays
    assert other.counts().kiosks == 1  # a kiosk cut off is not counted as serving
    assert store.revoke_kiosk_token("NOBODY", NOW) is None


def test_enrolling_again_with_a_code_clears_a_revocation(store: Store) -> None:
    store.enrol(KIOSK, NOW)
    store.revoke_kiosk_token(KIOSK, NOW + TICK)
    store.create_enrolment_code(
        code_sha256=CODE, kiosk_id=KIOSK, now=NOW, expires_at=NOW + CODE_TTL
    )

    token = store.redeem_enrolment_code(CODE, public_key=KIOSK_KEY, now=NOW + 2 * TICK)

    found = store.kiosk_for_token(token)
    assert found == KioskRecord(KIOSK, True, KIOSK_KEY, None, None)
    store.revoke_kiosk_token(KIOSK, LATER)
    assert store.kiosk_for_token(token) is None
    assert store.kiosk_for_token(store.enrol(KIOSK, LATER + TICK)) is not None


# --- badges --------------------------------------------------------------------------------------


def record_badge(store: Store, kiosks: tuple[str, ...] = (), area: str = "") -> BadgeRecord:
    return store.record_badge(
        technician_id="KT-1",
        technician_name="Lê Văn Kỹ",
        kiosks=kiosks,
        area=area,
        not_before=NOW,
        expires=LATER,
        now=NOW,
    )


def test_badges_get_serials_never_given_before(reopen: Opener) -> None:
    first, second = reopen(), reopen()

    issued = [
        record_badge(first, kiosks=(KIOSK, OTHER_KIOSK)),
        record_badge(second, area="H15.50"),
        record_badge(first, kiosks=(KIOSK,)),
    ]

    assert [b.serial for b in issued] == ["B000001", "B000002", "B000003"]
    assert second.badges() == issued
    assert issued[1] == BadgeRecord("B000002", "KT-1", "Lê Văn Kỹ", (), "H15.50", NOW, LATER, NOW)


# --- audit logs ----------------------------------------------------------------------------------


def audit_event(n: int, at: datetime = NOW, detail: str = "") -> NewAuditEvent:
    return NewAuditEvent(f"e0000000-0000-4000-8000-{n:012d}", at, "technician.login", "KT", detail)


def test_audit_events_are_kept_once_per_kiosk(store: Store) -> None:
    assert store.add_audit_events(KIOSK, [audit_event(1), audit_event(2)], NOW) == 2
    assert store.add_audit_events(KIOSK, [audit_event(2), audit_event(3)], LATER) == 1
    assert store.add_audit_events(KIOSK, [audit_event(4), audit_event(4, detail="x")], NOW) == 1
    assert store.add_audit_events(OTHER_KIOSK, [audit_event(1)], NOW) == 1

    mine = store.audit_events(KIOSK)
    assert [(e.event_id[-1], e.detail, e.received_at) for e in mine] == [
        ("1", "", NOW),
        ("2", "", NOW),
        ("3", "", LATER),
        ("4", "", NOW),
    ]
    assert [e.kiosk_id for e in store.audit_events()] == [KIOSK] * 4 + [OTHER_KIOSK]


def test_audit_events_come_in_time_order_not_text_order(store: Store) -> None:
    utc_later = (NOW + TICK).astimezone(UTC)  # "…T02:00:01+00:00" sorts before "…T09:00+07:00"
    store.add_audit_events(KIOSK, [audit_event(1, utc_later), audit_event(2, NOW)], NOW)

    events = store.audit_events(KIOSK)
    assert [e.at for e in events] == [NOW, utc_later]
    assert events[1].at.utcoffset() == timedelta(0)


# --- dossiers ------------------------------------------------------------------------------------


def test_a_new_dossier_awaits_its_files_in_manifest_order(store: Store) -> None:
    record, created = store.create_dossier(
        client_uuid="c1",
        kiosk_id=KIOSK,
        receipt_number="KIOSK01-261123-0001",
        procedure_code="1.001193",
        body=BODY,
        files=new_files(3),
        now=NOW,
    )

    assert created is True
    assert (record.client_uuid, record.kiosk_id, record.receipt_number) == (
        "c1",
        KIOSK,
        "KIOSK01-261123-0001",
    )
    assert (record.procedure_code, record.body) == ("1.001193", BODY)
    assert record.intake_status is IntakeStatus.AWAITING_FILES
    assert record.status is None and record.dossier_code is None
    assert record.appointment_date is None and record.registered_at is None
    assert record.rating is None
    assert record.created_at == NOW
    files = store.files(record.dossier_id)
    assert [f.name for f in files] == ["page-1.pdf", "page-2.pdf", "page-3.pdf"]
    assert [f.position for f in files] == [0, 1, 2]
    assert len({f.file_id for f in files}) == 3
    expected = new_files(3)
    for file, new in zip(files, expected, strict=True):
        assert (file.document_code, file.size, file.sha256, file.media_type) == (
            new.document_code,
            new.size,
            new.sha256,
            new.media_type,
        )
        assert file.dossier_id == record.dossier_id
        assert (file.upload_id, file.complete, file.stored_path) == (None, False, None)
        assert store.file(file.file_id) == file


def test_creating_again_with_the_same_client_uuid_returns_the_stored_dossier(store: Store) -> None:
    first, created = store.create_dossier(
        client_uuid="c1",
        kiosk_id=KIOSK,
        receipt_number="R-1",
        procedure_code="1.001193",
        body=BODY,
        files=new_files(2),
        now=NOW,
    )
    # The caller compares bodies; the store hands back what it holds, whatever was sent.
    again, created_again = store.create_dossier(
        client_uuid="c1",
        kiosk_id=OTHER_KIOSK,
        receipt_number="R-2",
        procedure_code="2.000000",
        body='{"other":true}',
        files=new_files(5),
        now=LATER,
    )

    assert (created, created_again) == (True, False)
    assert again == first
    assert len(store.files(first.dossier_id)) == 2
    assert len(store.all_dossiers()) == 1


def test_a_receipt_number_belongs_to_one_dossier(store: Store) -> None:
    create(store, "c1", receipt_number="KIOSK01-261123-0001")

    with pytest.raises(ReceiptNumberTakenError):
        create(store, "c2", receipt_number="KIOSK01-261123-0001")

    assert [d.client_uuid for d in store.all_dossiers()] == ["c1"]
    assert store.dossier_by_uuid("c2") is None


def test_receipt_number_taken_is_a_store_error(store: Store) -> None:
    create(store, "c1", receipt_number="R-1")

    with pytest.raises(StoreError):
        create(store, "c2", receipt_number="R-1")


def test_dossiers_are_found_by_id_and_client_uuid(store: Store) -> None:
    dossier_id = create(store, "c1")

    by_id, by_uuid = store.dossier(dossier_id), store.dossier_by_uuid("c1")

    assert by_id is not None and by_id == by_uuid
    assert store.dossier("d_missing") is None
    assert store.dossier_by_uuid("c-missing") is None
    assert store.file("f_missing") is None
    assert store.files("d_missing") == []


def test_all_dossiers_lists_oldest_first(store: Store) -> None:
    for n in (3, 1, 2):
        create(store, f"c{n}", receipt_number=f"R-{n}")

    assert [d.client_uuid for d in store.all_dossiers()] == ["c3", "c1", "c2"]


def test_a_rating_is_kept_and_the_last_one_wins(store: Store) -> None:
    dossier_id = create(store)

    store.set_rating(dossier_id, {"score": 3, "comment": "chậm"})
    store.set_rating(dossier_id, {"score": 5, "comment": "nhanh, chu đáo"})

    dossier = store.dossier(dossier_id)
    assert dossier is not None and dossier.rating == {"score": 5, "comment": "nhanh, chu đáo"}


# --- finalize and official codes -----------------------------------------------------------------


def test_finalize_names_the_files_still_missing_and_registers_nothing(store: Store) -> None:
    dossier_id = create(store, files=3)
    first = store.files(dossier_id)[0]
    upload_id = upload_for(store, first)
    store.complete_upload(upload_id, "dossiers/x/first.pdf")

    outcome = store.finalize(
        dossier_id,
        now=NOW,
        day=TODAY,
        unit_code=UNIT_CODE,
        appointment_date=APPOINTMENT,
        note=NOTE,
    )

    assert outcome.missing == tuple(f.file_id for f in store.files(dossier_id)[1:])
    assert outcome.dossier.dossier_code is None
    assert outcome.dossier.intake_status is IntakeStatus.AWAITING_FILES
    assert store.history(dossier_id) == []
    assert store.dossier_by_code("KIOSK01-261123-0001") is None


def test_finalize_registers_a_complete_dossier_under_the_days_next_code(store: Store) -> None:
    dossier_id = create(store)
    complete_files(store, dossier_id)

    outcome = store.finalize(
        dossier_id,
        now=LATER,
        day=TODAY,
        unit_code=UNIT_CODE,
        appointment_date=APPOINTMENT,
        note=NOTE,
    )

    registered = outcome.dossier
    assert outcome.missing == ()
    assert registered.dossier_code == f"{UNIT_CODE}-261123-0001"
    assert registered.intake_status is IntakeStatus.RECEIVED
    assert registered.status is ProcessingStatus.RECEIVED
    assert registered.appointment_date == APPOINTMENT
    assert registered.registered_at == LATER
    assert store.dossier(dossier_id) == registered
    [entry] = store.history(dossier_id)
    assert (entry.at, entry.status, entry.note) == (LATER, ProcessingStatus.RECEIVED, NOTE)


def test_finalizing_twice_issues_no_second_code(store: Store) -> None:
    dossier_id = create(store)
    complete_files(store, dossier_id)

    first = finalize(store, dossier_id)
    again = finalize(store, dossier_id)

    assert first == again == f"{UNIT_CODE}-261123-0001"
    assert len(store.history(dossier_id)) == 1
    # The next dossier takes the next number: the repeat consumed none.
    other = create(store, "c2", receipt_number="R-2", files=0)
    assert finalize(store, other) == f"{UNIT_CODE}-261123-0002"


def test_codes_count_per_day(store: Store) -> None:
    codes = []
    for n, day in enumerate([date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 24)]):
        dossier_id = create(store, f"c{n}", receipt_number=f"R-{n}", files=0)
        codes.append(finalize(store, dossier_id, day))

    assert codes == [
        f"{UNIT_CODE}-261123-0001",
        f"{UNIT_CODE}-261123-0002",
        f"{UNIT_CODE}-261124-0001",
    ]


def test_codes_count_per_unit_and_day(store: Store) -> None:
    # Two units on one day: each starts at 1 and goes on without gaps, whatever the other does.
    units = [UNIT_CODE, "H15.50.05.14", UNIT_CODE, UNIT_CODE, "H15.50.05.14"]
    codes = []
    for n, unit in enumerate(units):
        dossier_id = create(store, f"c{n}", receipt_number=f"R-{n}", files=0)
        outcome = store.finalize(
            dossier_id, now=NOW, day=TODAY, unit_code=unit, appointment_date=APPOINTMENT,
            note=NOTE,
        )  # fmt: skip
        codes.append(outcome.dossier.dossier_code)

    assert codes == [
        f"{UNIT_CODE}-261123-0001",
        "H15.50.05.14-261123-0001",
        f"{UNIT_CODE}-261123-0002",
        f"{UNIT_CODE}-261123-0003",
        "H15.50.05.14-261123-0002",
    ]


def test_a_dossier_without_files_registers_at_once(store: Store) -> None:
    dossier_id = create(store, files=0)

    assert finalize(store, dossier_id) == f"{UNIT_CODE}-261123-0001"


def test_finalizing_an_unknown_dossier_is_refused(store: Store) -> None:
    with pytest.raises(NoSuchRecordError):
        finalize(store, "d_missing")


def test_concurrent_finalizes_never_share_a_code(reopen: Opener) -> None:
    # Two connections (the serving gateway and another), several threads each: the day's
    # counter moves with the code it issues, so every number is issued exactly once.
    stores = [reopen(), reopen()]
    dossier_ids = [create(stores[0], f"c{n}", receipt_number=f"R-{n}", files=0) for n in range(16)]
    start = threading.Barrier(8)  # each batch of eight threads starts together

    def register(n: int) -> str:
        start.wait(timeout=30)
        code = finalize(stores[n % 2], dossier_ids[n])
        assert code is not None
        return code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(register, range(16)))

    assert sorted(codes) == [f"{UNIT_CODE}-261123-{n:04d}" for n in range(1, 17)]


def test_a_registered_dossier_is_found_by_code_or_receipt_number(store: Store) -> None:
    dossier_id = create(store, receipt_number="KIOSK01-261123-0007", files=0)
    assert store.dossier_by_code("KIOSK01-261123-0007") is None  # not registered yet

    code = finalize(store, dossier_id)

    assert code is not None
    by_code, by_receipt = store.dossier_by_code(code), store.dossier_by_code("KIOSK01-261123-0007")
    assert by_code is not None and by_code.dossier_id == dossier_id
    assert by_receipt == by_code
    assert store.dossier_by_code("H00-000000-0000") is None


# --- status history ------------------------------------------------------------------------------


def test_status_changes_are_recorded_in_order(store: Store) -> None:
    dossier_id = create(store, files=0)
    finalize(store, dossier_id)

    store.set_status(dossier_id, ProcessingStatus.PROCESSING, LATER, "Chuyển phòng Tư pháp")
    store.set_status(dossier_id, ProcessingStatus.READY, LATER + timedelta(days=1), None)

    dossier = store.dossier(dossier_id)
    assert dossier is not None and dossier.status is ProcessingStatus.READY
    assert [(h.at, h.status, h.note) for h in store.history(dossier_id)] == [
        (NOW, ProcessingStatus.RECEIVED, NOTE),
        (LATER, ProcessingStatus.PROCESSING, "Chuyển phòng Tư pháp"),
        (LATER + timedelta(days=1), ProcessingStatus.READY, None),
    ]
    assert store.history("d_missing") == []


def test_a_status_change_made_from_the_current_status_is_recorded(store: Store) -> None:
    dossier_id = create(store, files=0)
    finalize(store, dossier_id)

    store.change_status(
        dossier_id, expected=ProcessingStatus.RECEIVED, status=ProcessingStatus.PROCESSING,
        at=LATER, note="Chuyển phòng Tư pháp",
    )  # fmt: skip

    dossier = store.dossier(dossier_id)
    assert dossier is not None and dossier.status is ProcessingStatus.PROCESSING
    assert [h.status for h in store.history(dossier_id)] == [
        ProcessingStatus.RECEIVED,
        ProcessingStatus.PROCESSING,
    ]


def test_a_status_change_made_from_another_status_changes_nothing(store: Store) -> None:
    dossier_id = create(store, files=0)
    awaiting = create(store, "c2", receipt_number="R-2", files=1)
    finalize(store, dossier_id)

    for expected in (ProcessingStatus.PROCESSING, None):
        with pytest.raises(StatusMovedError):
            store.change_status(
                dossier_id, expected=expected, status=ProcessingStatus.READY, at=LATER, note=None
            )
    with pytest.raises(StatusMovedError):  # awaiting its files: no status yet
        store.change_status(
            awaiting, expected=ProcessingStatus.RECEIVED, status=ProcessingStatus.PROCESSING,
            at=LATER, note=None,
        )  # fmt: skip
    with pytest.raises(NoSuchRecordError):
        store.change_status(
            "d_missing", expected=None, status=ProcessingStatus.READY, at=LATER, note=None
        )

    dossier = store.dossier(dossier_id)
    assert dossier is not None and dossier.status is ProcessingStatus.RECEIVED
    assert len(store.history(dossier_id)) == 1
    assert store.history(awaiting) == []


def test_of_status_changes_racing_from_one_status_exactly_one_wins(reopen: Opener) -> None:
    # Two connections (two replicas, or a replica and a command), four threads each, all
    # changing the dossier from "received" at the same moment, as staff on two screens would.
    stores = [reopen(), reopen()]
    dossier_id = create(stores[0], files=0)
    finalize(stores[0], dossier_id)
    targets = [ProcessingStatus.PROCESSING, ProcessingStatus.REJECTED]
    start = threading.Barrier(8)

    def change(n: int) -> ProcessingStatus | None:
        start.wait(timeout=30)
        try:
            stores[n % 2].change_status(
                dossier_id, expected=ProcessingStatus.RECEIVED, status=targets[n % 2],
                at=LATER, note=f"lần {n}",
            )  # fmt: skip
        except StatusMovedError:
            return None
        return targets[n % 2]

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(change, range(8)))

    won = [o for o in outcomes if o is not None]
    assert len(won) == 1
    dossier = stores[1].dossier(dossier_id)
    assert dossier is not None and dossier.status is won[0]
    assert [h.status for h in stores[1].history(dossier_id)] == [ProcessingStatus.RECEIVED, won[0]]


# --- the console's dossier list ------------------------------------------------------------------

AREA_KIOSKS = {
    "K-COMMUNE": "H15.50.05.13",
    "K-NEIGHBOUR": "H15.50.06.01",
    "K-LOOKALIKE": "H15.500.01",  # starts with "H15.50" but is not under it
    "K-OTHER-PROVINCE": "H16.01",
    "K-NO-UNIT": None,
}


def listing(store: Store) -> dict[str, str]:
    """Dossiers of every kiosk of ``AREA_KIOSKS`` and of one never enrolled, created in turn
    (three rounds), the newest of each kiosk registered; receipt number -> dossier id."""
    for kiosk, unit in AREA_KIOSKS.items():
        store.enrol(kiosk, NOW, unit)
    made: dict[str, str] = {}
    kiosks = [*AREA_KIOSKS, "K-NEVER-ENROLLED"]
    for round_ in range(3):
        for kiosk in kiosks:
            receipt = f"{kiosk}-{round_}"
            made[receipt] = create(
                store, f"uuid-{receipt}", receipt_number=receipt, files=0, kiosk_id=kiosk
            )
    for kiosk in kiosks:
        finalize(store, made[f"{kiosk}-2"])
    return made


def receipts(page: DossierPage) -> list[str]:
    return [listed.dossier.receipt_number for listed in page.dossiers]


def test_the_list_is_an_area_s_dossiers_newest_first(store: Store) -> None:
    listing(store)

    district = store.dossier_page(DossierQuery(unit_prefix="H15.50", with_no_unit=False))
    assert receipts(district) == [
        "K-NEIGHBOUR-2", "K-COMMUNE-2", "K-NEIGHBOUR-1", "K-COMMUNE-1",
        "K-NEIGHBOUR-0", "K-COMMUNE-0",
    ]  # fmt: skip
    assert district.total == 6
    units = {listed.dossier.kiosk_id: listed.unit_code for listed in district.dossiers}
    assert units == {"K-COMMUNE": "H15.50.05.13", "K-NEIGHBOUR": "H15.50.06.01"}

    commune = store.dossier_page(DossierQuery(unit_prefix="H15.50.05.13", with_no_unit=False))
    assert receipts(commune) == ["K-COMMUNE-2", "K-COMMUNE-1", "K-COMMUNE-0"]

    # A province administrator: the province, and the kiosks with no unit (or none enrolled).
    province = store.dossier_page(DossierQuery(unit_prefix="H15", with_no_unit=True))
    assert province.total == 15
    assert {r.rsplit("-", 1)[0] for r in receipts(province)} == {
        "K-COMMUNE", "K-NEIGHBOUR", "K-LOOKALIKE", "K-NO-UNIT", "K-NEVER-ENROLLED",
    }  # fmt: skip
    everything = store.dossier_page(DossierQuery(unit_prefix=None, with_no_unit=True))
    assert everything.total == 18 and receipts(everything)[0] == "K-NEVER-ENROLLED-2"
    units_only = store.dossier_page(DossierQuery(unit_prefix=None, with_no_unit=False))
    assert units_only.total == 12


def test_the_list_pages_with_a_total(store: Store) -> None:
    listing(store)
    query = DossierQuery(unit_prefix=None, with_no_unit=True, limit=4)

    pages = [store.dossier_page(replace(query, offset=offset)) for offset in (0, 4, 16, 20)]

    assert [page.total for page in pages] == [18] * 4
    assert [len(page.dossiers) for page in pages] == [4, 4, 2, 0]
    whole = receipts(store.dossier_page(replace(query, limit=18)))
    assert receipts(pages[0]) + receipts(pages[1]) == whole[:8]
    assert receipts(pages[2]) == whole[16:]
    # Every window, in the newer half or the older (read from the oldest end), is the same
    # slice of the whole list.
    for limit in (1, 4, 7):
        for offset in range(19):
            page = store.dossier_page(replace(query, limit=limit, offset=offset))
            assert receipts(page) == whole[offset : offset + limit], (limit, offset)


def test_the_list_searches_codes_and_receipt_numbers_equal_or_by_prefix(store: Store) -> None:
    made = listing(store)
    everything = DossierQuery(unit_prefix=None, with_no_unit=True)
    registered = store.dossier(made["K-COMMUNE-2"])
    assert registered is not None and registered.dossier_code is not None

    def found(search: str) -> list[str]:
        return receipts(store.dossier_page(replace(everything, search=search)))

    assert found(registered.dossier_code) == ["K-COMMUNE-2"]
    assert found("K-COMMUNE-1") == ["K-COMMUNE-1"]
    assert found("k-commune-") == ["K-COMMUNE-2", "K-COMMUNE-1", "K-COMMUNE-0"]  # any case
    assert len(found(f"{UNIT_CODE}-261123-")) == 6  # every code issued
    assert found("K-COMMUNE-3") == []
    # LIKE's wildcards in a search are plain characters.
    assert found("K%") == [] and found("K-COMMUNE_") == [] and found("_") == []


def test_the_list_filters_by_status_or_awaiting_files(store: Store) -> None:
    made = listing(store)
    store.change_status(
        made["K-COMMUNE-2"], expected=ProcessingStatus.RECEIVED,
        status=ProcessingStatus.PROCESSING, at=LATER, note=None,
    )  # fmt: skip
    commune = DossierQuery(unit_prefix=UNIT_CODE, with_no_unit=False)

    def found(**filters: Any) -> list[str]:
        return receipts(store.dossier_page(replace(commune, **filters)))

    assert found(status=ProcessingStatus.PROCESSING) == ["K-COMMUNE-2"]
    assert found(status=ProcessingStatus.RECEIVED) == []
    assert found(awaiting_files=True) == ["K-COMMUNE-1", "K-COMMUNE-0"]
    assert found(search="K-COMMUNE-0", awaiting_files=True) == ["K-COMMUNE-0"]
    everything = DossierQuery(unit_prefix=None, with_no_unit=True)
    assert store.dossier_page(replace(everything, status=ProcessingStatus.RECEIVED)).total == 5


def test_a_kiosk_moved_to_another_unit_takes_its_dossiers_along(store: Store) -> None:
    listing(store)
    store.set_kiosk_unit("K-NO-UNIT", "H15.50.05.13")

    commune = store.dossier_page(DossierQuery(unit_prefix=UNIT_CODE, with_no_unit=False))

    assert commune.total == 6
    assert {listed.unit_code for listed in commune.dossiers} == {UNIT_CODE}


# --- uploads -------------------------------------------------------------------------------------


def test_a_free_standing_upload_starts_active_at_zero(store: Store) -> None:
    metadata = {"filename": "ảnh chụp.png", "flag": ""}

    upload, replaced = store.create_upload(
        kiosk_id=KIOSK, length=500, metadata=metadata, file=None, now=NOW, expires_at=NOW + TTL
    )

    assert replaced is None
    assert upload.state is UploadState.ACTIVE
    assert (upload.kiosk_id, upload.length, upload.offset) == (KIOSK, 500, 0)
    assert upload.metadata == metadata
    assert (upload.dossier_id, upload.file_id) == (None, None)
    assert (upload.created_at, upload.expires_at) == (NOW, NOW + TTL)
    assert store.upload(upload.upload_id) == upload
    assert store.upload("u_missing") is None


def test_an_upload_of_a_dossier_file_is_attached_to_it(store: Store) -> None:
    dossier_id = create(store)
    file = store.files(dossier_id)[0]

    upload_id = upload_for(store, file)

    upload = store.upload(upload_id)
    assert upload is not None
    assert (upload.dossier_id, upload.file_id) == (dossier_id, file.file_id)
    attached = store.file(file.file_id)
    assert attached is not None and attached.upload_id == upload_id


def test_a_new_upload_of_a_file_replaces_and_terminates_the_earlier_one(store: Store) -> None:
    file = store.files(create(store))[0]
    first = upload_for(store, file)

    second, replaced = store.create_upload(
        kiosk_id=KIOSK, length=100, metadata={}, file=file, now=LATER, expires_at=LATER + TTL
    )

    assert replaced == first
    earlier = store.upload(first)
    assert earlier is not None and earlier.state is UploadState.TERMINATED
    attached = store.file(file.file_id)
    assert attached is not None and attached.upload_id == second.upload_id


def test_set_offset_moves_the_offset_and_the_expiry(store: Store) -> None:
    upload_id = upload_for(store, None, 300)

    moved = store.set_offset(upload_id, 120, LATER + TTL)

    assert (moved.offset, moved.expires_at, moved.state) == (120, LATER + TTL, UploadState.ACTIVE)
    assert store.upload(upload_id) == moved


def test_uploads_holding_all_their_bytes_await_completion_oldest_first(store: Store) -> None:
    full_later, partial, full_first, done = (upload_for(store, None, 10) for _ in range(4))
    store.set_offset(full_first, 10, NOW + TTL)
    store.set_offset(full_later, 10, NOW + TTL)
    store.set_offset(partial, 9, NOW + TTL)
    store.set_offset(done, 10, NOW + TTL)
    store.complete_upload(done, None)

    awaiting = store.uploads_awaiting_completion()

    assert [u.upload_id for u in awaiting] == [full_later, full_first]


def test_completing_an_upload_completes_its_file(store: Store) -> None:
    dossier_id = create(store)
    file = store.files(dossier_id)[0]
    upload_id = upload_for(store, file)
    store.set_offset(upload_id, 100, NOW + TTL)

    store.complete_upload(upload_id, f"dossiers/{dossier_id}/{file.file_id}.pdf")

    upload = store.upload(upload_id)
    assert upload is not None and upload.state is UploadState.COMPLETE
    stored = store.file(file.file_id)
    assert stored is not None and stored.complete
    assert stored.stored_path == f"dossiers/{dossier_id}/{file.file_id}.pdf"
    assert stored.upload_id == upload_id
    assert store.uploads_awaiting_completion() == []


def test_a_free_standing_upload_completes_without_a_file(store: Store) -> None:
    upload_id = upload_for(store, None, 0)

    store.complete_upload(upload_id, None)

    upload = store.upload(upload_id)
    assert upload is not None and upload.state is UploadState.COMPLETE


def test_a_replaced_upload_never_completes_its_file(store: Store) -> None:
    file = store.files(create(store))[0]
    replaced = upload_for(store, file)
    newer = upload_for(store, file)

    store.complete_upload(replaced, "dossiers/x/stale.pdf")

    stale = store.upload(replaced)
    assert stale is not None and stale.state is UploadState.TERMINATED
    waiting = store.file(file.file_id)
    assert waiting is not None
    assert (waiting.complete, waiting.stored_path, waiting.upload_id) == (False, None, newer)


def test_no_upload_starts_for_a_file_already_complete(store: Store) -> None:
    dossier_id = create(store)
    stale = store.files(dossier_id)[0]  # read before its completion, as a racing request would
    upload_id = upload_for(store, stale)
    store.complete_upload(upload_id, "dossiers/x/done.pdf")

    with pytest.raises(FileAlreadyCompleteError):
        upload_for(store, stale)

    done = store.file(stale.file_id)
    assert done is not None and done.upload_id == upload_id and done.complete


def test_terminating_an_upload_frees_its_incomplete_file(store: Store) -> None:
    file = store.files(create(store))[0]
    upload_id = upload_for(store, file)

    store.terminate_upload(upload_id)

    upload = store.upload(upload_id)
    assert upload is not None and upload.state is UploadState.TERMINATED
    freed = store.file(file.file_id)
    assert freed is not None and freed.upload_id is None
    upload_for(store, freed)  # a new upload may start


def test_terminating_a_completed_upload_keeps_its_file(store: Store) -> None:
    file = store.files(create(store))[0]
    upload_id = upload_for(store, file)
    store.complete_upload(upload_id, "dossiers/x/done.pdf")

    store.terminate_upload(upload_id)

    kept = store.file(file.file_id)
    assert kept is not None and kept.complete and kept.upload_id == upload_id


def test_an_upload_can_be_marked_expired(store: Store) -> None:
    upload_id = upload_for(store, None)

    store.set_upload_state(upload_id, UploadState.EXPIRED)

    upload = store.upload(upload_id)
    assert upload is not None and upload.state is UploadState.EXPIRED


def test_an_upload_expires_only_while_bytes_are_still_due(store: Store) -> None:
    upload_id = upload_for(store, None, 10)
    upload = store.upload(upload_id)
    assert upload is not None

    assert not upload.expired_at(NOW + TTL - timedelta(seconds=1))
    assert upload.expired_at(NOW + TTL)
    full = store.set_offset(upload_id, 10, NOW + TTL)
    assert not full.expired_at(NOW + TTL * 2)  # only awaits completion


# --- one-time codes ------------------------------------------------------------------------------


def make_otp(store: Store, otp_id: str = "o_1", attempts: int = 3) -> None:
    store.create_otp(
        otp_id=otp_id,
        kiosk_id=KIOSK,
        code_sha256="ab" * 32,
        purpose="submit",
        now=NOW,
        expires_at=NOW + timedelta(minutes=5),
        attempts=attempts,
    )


def test_a_one_time_code_is_kept_as_created(store: Store) -> None:
    make_otp(store)

    otp = store.otp("o_1")

    assert otp is not None
    assert (otp.otp_id, otp.kiosk_id, otp.code_sha256, otp.purpose) == (
        "o_1",
        KIOSK,
        "ab" * 32,
        "submit",
    )
    assert (otp.expires_at, otp.attempts_left, otp.verified) == (
        NOW + timedelta(minutes=5),
        3,
        False,
    )
    assert store.otp("o_missing") is None


def test_a_matching_code_is_valid_and_costs_no_attempt(store: Store) -> None:
    make_otp(store)

    assert store.check_otp("o_1", matches=False, now=NOW) == (False, 2)
    assert store.check_otp("o_1", matches=True, now=NOW) == (True, 2)
    otp = store.otp("o_1")
    assert otp is not None and otp.verified


def test_a_code_used_up_is_never_valid_again(store: Store) -> None:
    make_otp(store, attempts=2)

    assert store.check_otp("o_1", matches=False, now=NOW) == (False, 1)
    assert store.check_otp("o_1", matches=False, now=NOW) == (False, 0)
    assert store.check_otp("o_1", matches=True, now=NOW) == (False, 0)


def test_an_expired_code_is_never_valid_and_loses_its_attempts(store: Store) -> None:
    make_otp(store)

    assert store.check_otp("o_1", matches=True, now=NOW + timedelta(minutes=5)) == (False, 0)
    otp = store.otp("o_1")
    assert otp is not None and (otp.attempts_left, otp.verified) == (0, False)


def test_checking_an_unknown_code_is_refused(store: Store) -> None:
    with pytest.raises(NoSuchRecordError):
        store.check_otp("o_missing", matches=True, now=NOW)


# --- heartbeats ----------------------------------------------------------------------------------


def test_the_latest_heartbeat_replaces_the_one_before(store: Store) -> None:
    assert store.heartbeat(KIOSK) is None

    store.save_heartbeat(KIOSK, {"queue": 1, "note": "máy in hết giấy"}, NOW)
    store.save_heartbeat(KIOSK, {"queue": 0}, LATER)

    assert store.heartbeat(KIOSK) == {"queue": 0}
    assert store.heartbeat(OTHER_KIOSK) is None


def test_every_kiosk_s_latest_heartbeat_is_listed_with_when_it_arrived(store: Store) -> None:
    assert store.heartbeats() == []
    store.save_heartbeat(OTHER_KIOSK, {"queue": {"queued": 2}}, NOW)
    store.save_heartbeat(KIOSK, {"queue": {"queued": 1}}, NOW)
    store.save_heartbeat(KIOSK, {"queue": {"queued": 0}}, LATER)

    beats = store.heartbeats()

    assert [b.kiosk_id for b in beats] == [KIOSK, OTHER_KIOSK]
    assert [b.body for b in beats] == [{"queue": {"queued": 0}}, {"queue": {"queued": 2}}]
    # The same instants (aware datetimes compare as instants, whatever their offset).
    assert [b.received_at for b in beats] == [LATER, NOW]
    assert all(b.received_at.tzinfo is not None for b in beats)


# --- monitoring ----------------------------------------------------------------------------------


def test_counts_follow_kiosks_uploads_and_dossiers_awaiting_files(store: Store) -> None:
    assert store.counts() == StoreCounts(kiosks=0, uploads_in_progress=0, dossiers_awaiting_files=0)
    store.enrol(KIOSK, NOW)
    store.enrol(OTHER_KIOSK, NOW)
    store.set_enabled(OTHER_KIOSK, False)
    waiting = create(store)
    done = create(store, "c0000000-0000-4000-8000-000000000002",
                  receipt_number="KIOSK01-261123-0002")  # fmt: skip
    complete_files(store, done)
    store.finalize(done, now=NOW, day=TODAY, unit_code=UNIT_CODE,
                   appointment_date=APPOINTMENT, note=NOTE)  # fmt: skip
    first, _ = store.files(waiting)
    upload_for(store, first, first.size)

    assert store.counts() == StoreCounts(kiosks=1, uploads_in_progress=1, dossiers_awaiting_files=1)


# --- durability and the boundary -----------------------------------------------------------------


def test_what_one_store_wrote_another_reads(reopen: Opener) -> None:
    writer = reopen()
    token = writer.enrol(KIOSK, NOW)
    dossier_id = create(writer)
    complete_files(writer, dossier_id)
    code = finalize(writer, dossier_id)
    writer.close()

    reader = reopen()

    assert reader.kiosk_for_token(token) is not None
    registered = reader.dossier(dossier_id)
    assert registered is not None and registered.dossier_code == code
    assert all(f.complete for f in reader.files(dossier_id))


def test_times_come_back_as_the_aware_moments_given(store: Store) -> None:
    dossier_id = create(store)
    dossier = store.dossier(dossier_id)

    assert dossier is not None
    assert dossier.created_at == NOW
    assert dossier.created_at.utcoffset() == NOW.utcoffset()


def test_a_closed_store_raises_its_own_error(reopen: Opener) -> None:
    store = reopen()
    store.close()

    with pytest.raises(BackendError):
        store.dossier("d_1")
    with pytest.raises(StoreError):
        store.enrol(KIOSK, NOW)


def test_the_store_is_a_context_manager_that_closes(reopen: Opener) -> None:
    with reopen() as store:
        token = store.enrol(KIOSK, NOW)

    with pytest.raises(BackendError):
        store.kiosk_for_token(token)


# --- SQLite only ---------------------------------------------------------------------------------


def test_sqlite_keeps_its_database_in_the_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "gateway"
    assert not SqliteStore.exists(data_dir)

    with SqliteStore(data_dir) as store:
        store.enrol(KIOSK, NOW)

    assert SqliteStore.exists(data_dir)
    assert (data_dir / DB_NAME).is_file()


def test_sqlite_errors_become_store_errors(tmp_path: Path) -> None:
    data_dir = tmp_path / "gateway"
    (data_dir / DB_NAME).mkdir(parents=True)  # a directory where the database file should be

    with pytest.raises(BackendError) as raised:
        SqliteStore(data_dir)

    assert not isinstance(raised.value, sqlite3.Error)
    assert isinstance(raised.value.__cause__, sqlite3.Error)


def test_sqlite_keeps_only_a_digest_of_each_token(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "gateway") as store:
        token = store.enrol(KIOSK, NOW)
    with sqlite3.connect(tmp_path / "gateway" / DB_NAME) as conn:
        stored = conn.execute("SELECT token_sha256 FROM kiosks").fetchall()
    conn.close()

    assert stored and token not in {row[0] for row in stored}


def test_sqlite_gives_a_database_of_an_earlier_gateway_the_kiosks_key_and_unit_columns(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "gateway"
    data_dir.mkdir()
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        conn.execute(
            "CREATE TABLE kiosks (kiosk_id TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, "
            "enabled INTEGER NOT NULL DEFAULT 1, enrolled_at TEXT NOT NULL)"
        )
        conn.execute("INSERT INTO kiosks VALUES ('KIOSK01', 'digest', 1, '2026-01-01T00:00:00')")
        conn.execute(
            "CREATE TABLE enrolment_codes (code_sha256 TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, "
            "created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT)"
        )
    conn.close()

    with SqliteStore(data_dir) as store:
        assert store.kiosk(KIOSK) == KioskRecord(KIOSK, True, None, None)
        store.create_enrolment_code(
            code_sha256=CODE, kiosk_id=KIOSK, now=NOW, expires_at=NOW + CODE_TTL,
            unit_code="H15.50.05.13",
        )  # fmt: skip
        store.redeem_enrolment_code(CODE, public_key=KIOSK_KEY, now=NOW)
        assert store.kiosk(KIOSK) == KioskRecord(KIOSK, True, KIOSK_KEY, "H15.50.05.13")
        # And the revocation columns: a token revoked, a code revoked.
        store.revoke_kiosk_token(KIOSK, LATER)
        assert store.kiosk(KIOSK) == KioskRecord(KIOSK, True, KIOSK_KEY, "H15.50.05.13", LATER)
        store.create_enrolment_code(code_sha256="b" * 64, kiosk_id=KIOSK, now=NOW,
                                    expires_at=NOW + CODE_TTL)  # fmt: skip
        assert store.revoke_enrolment_code("b" * 64, now=NOW).revoked_at == NOW


def test_sqlite_an_earlier_gateway_s_day_counters_go_on_per_unit(tmp_path: Path) -> None:
    # An earlier gateway counted per day alone (``day_sequence``): the counters of each unit
    # go on from the numbers its codes already carry, with no repeat and no gap.
    data_dir = tmp_path / "gateway"
    with SqliteStore(data_dir) as store:
        for n, unit in enumerate([UNIT_CODE, UNIT_CODE, "H15.50.05.14"]):
            dossier_id = create(store, f"c{n}", receipt_number=f"R-{n}", files=0)
            store.finalize(
                dossier_id, now=NOW, day=TODAY, unit_code=unit, appointment_date=APPOINTMENT,
                note=NOTE,
            )  # fmt: skip
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        conn.execute("DROP TABLE unit_day_sequence")
        conn.execute("CREATE TABLE day_sequence (day TEXT PRIMARY KEY, last INTEGER NOT NULL)")
        conn.execute("INSERT INTO day_sequence VALUES ('261123', 3)")
    conn.close()

    with SqliteStore(data_dir) as store, SqliteStore(data_dir) as again:
        codes = []
        for n, unit in enumerate([UNIT_CODE, "H15.50.05.14", "H15.50.05.15"], start=3):
            dossier_id = create(store, f"c{n}", receipt_number=f"R-{n}", files=0)
            outcome = again.finalize(
                dossier_id, now=NOW, day=TODAY, unit_code=unit, appointment_date=APPOINTMENT,
                note=NOTE,
            )  # fmt: skip
            codes.append(outcome.dossier.dossier_code)
    assert codes == [
        f"{UNIT_CODE}-261123-0003",
        "H15.50.05.14-261123-0002",
        "H15.50.05.15-261123-0001",
    ]
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert "day_sequence" not in names and "unit_day_sequence" in names


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (DossierQuery(unit_prefix=UNIT_CODE, with_no_unit=False), "dossiers_by_kiosk"),
        (DossierQuery(search="kiosk01-2611"), "dossiers_by_receipt_nocase"),
        (DossierQuery(search="h15.50.05.13-2611"), "dossiers_by_code_nocase"),
    ],
)
def test_sqlite_the_list_is_read_through_its_indexes(
    tmp_path: Path, query: DossierQuery, index: str
) -> None:
    with SqliteStore(tmp_path / "gateway") as store:
        store.dossier_page(query)  # the statements are valid
        with sqlite3.connect(tmp_path / "gateway" / DB_NAME) as conn:
            conn.execute("ANALYZE")  # as the planner would know a province's tables
        conn.close()
    traced: list[str] = []
    with SqliteStore(tmp_path / "gateway") as store:
        store._conn.set_trace_callback(traced.append)
        store.dossier_page(query)
        selects = [sql for sql in traced if "LIMIT" in sql]
        assert len(selects) == 1
        plan = store._conn.execute("EXPLAIN QUERY PLAN " + selects[0]).fetchall()
    assert any(index in str(tuple(row)) for row in plan), [tuple(row) for row in plan]


# --- PostgreSQL only -----------------------------------------------------------------------------
# What only a server shows: separate stores (as separate replicas would hold them) racing on one
# database, and a server that goes away.

REPLICAS = 8
OTHER_UNIT = "H15.50.05.14"


@pytest.fixture
def replicas(pg_url: str) -> Iterator[list[PostgresStore]]:
    """Eight stores on one database, each with its own pool, as eight gateway processes."""
    stores = [PostgresStore(pg_url) for _ in range(REPLICAS)]
    yield stores
    for store in stores:
        store.close()


def test_postgres_replicas_finalizing_at_once_number_each_unit_and_day_without_gaps(
    replicas: list[PostgresStore],
) -> None:
    per_unit = 24
    units = [UNIT_CODE, OTHER_UNIT]
    dossier_ids = [
        create(replicas[0], f"c{n}", receipt_number=f"R-{n}", files=0)
        for n in range(per_unit * len(units))
    ]
    start = threading.Barrier(REPLICAS)

    def register(worker: int) -> list[str | None]:
        start.wait(timeout=30)
        return [
            replicas[worker]
            .finalize(
                dossier_ids[n],
                now=NOW,
                day=TODAY,
                unit_code=units[n % len(units)],
                appointment_date=APPOINTMENT,
                note=NOTE,
            )
            .dossier.dossier_code
            for n in range(worker, len(dossier_ids), REPLICAS)
        ]

    with ThreadPoolExecutor(max_workers=REPLICAS) as pool:
        codes = [code for batch in pool.map(register, range(REPLICAS)) for code in batch]

    for unit in units:
        issued = sorted(c for c in codes if c is not None and c.startswith(f"{unit}-"))
        assert issued == [f"{unit}-261123-{n:04d}" for n in range(1, per_unit + 1)]


def test_postgres_replicas_creating_one_client_uuid_at_once_make_one_dossier(
    replicas: list[PostgresStore],
) -> None:
    # The same request (same client UUID, same receipt number) reaching every replica at the
    # same moment, several times over: one creates, every other gets that dossier back. (Now
    # and then the loser's insert trips on the receipt number rather than the client UUID;
    # thirty rounds meet that case a few times.)
    rounds = 30
    start = threading.Barrier(REPLICAS)

    def send(worker: int, attempt: int) -> tuple[str, bool]:
        start.wait(timeout=30)
        record, created = replicas[worker].create_dossier(
            client_uuid=f"c0000000-0000-4000-8000-{attempt:012d}",
            kiosk_id=KIOSK,
            receipt_number=f"KIOSK01-261123-{attempt:04d}",
            procedure_code="1.001193",
            body=BODY,
            files=new_files(3),
            now=NOW,
        )
        return record.dossier_id, created

    with ThreadPoolExecutor(max_workers=REPLICAS) as pool:
        for attempt in range(rounds):
            outcomes = list(pool.map(send, range(REPLICAS), [attempt] * REPLICAS))
            assert [created for _, created in outcomes].count(True) == 1
            assert len({dossier_id for dossier_id, _ in outcomes}) == 1
            assert len(replicas[0].files(outcomes[0][0])) == 3

    assert len(replicas[0].all_dossiers()) == rounds


def test_postgres_replicas_redeeming_one_code_at_once_enrol_once(
    replicas: list[PostgresStore],
) -> None:
    replicas[0].create_enrolment_code(
        code_sha256=CODE, kiosk_id=KIOSK, now=NOW, expires_at=NOW + CODE_TTL
    )
    start = threading.Barrier(REPLICAS)

    def redeem(worker: int) -> str | None:
        start.wait(timeout=30)
        try:
            return replicas[worker].redeem_enrolment_code(CODE, public_key=KIOSK_KEY, now=NOW)
        except EnrolmentCodeUsedError:
            return None

    with ThreadPoolExecutor(max_workers=REPLICAS) as pool:
        tokens = [t for t in pool.map(redeem, range(REPLICAS)) if t is not None]

    assert len(tokens) == 1
    assert replicas[-1].kiosk_for_token(tokens[0]) == KioskRecord(KIOSK, True, KIOSK_KEY)


def _poll(conn: psycopg.Connection[tuple[Any, ...]], sql: str, timeout_s: float = 30) -> Any:
    """The first value of ``sql`` once it has a row. The server has no notification for
    "a backend started waiting on a lock", so the catalog is asked again until it says so."""
    deadline = time.monotonic() + timeout_s
    while (row := conn.execute(sql).fetchone()) is None:
        assert time.monotonic() < deadline, f"never true: {sql}"
        threading.Event().wait(0.01)
    return row[0]


def test_postgres_a_finalize_cut_off_midway_leaves_nothing_behind(pg_url: str) -> None:
    # A finalize that has locked its dossier and waits for the day's counter loses its server
    # connection (as when the server restarts): it fails as a BackendError, and the dossier,
    # its history and the counter are as they were, so no number is lost.
    with PostgresStore(pg_url) as store:
        assert finalize(store, create(store, "c1", receipt_number="R-1", files=0)) is not None
        second = create(store, "c2", receipt_number="R-2", files=0)
        with (
            psycopg.connect(pg_url) as blocker,
            psycopg.connect(pg_url, autocommit=True) as monitor,
            ThreadPoolExecutor(max_workers=1) as pool,
        ):
            blocker.execute("SELECT last FROM day_sequence FOR UPDATE")  # holds the counter
            pending = pool.submit(finalize, store, second)
            waiting = _poll(
                monitor,
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            )
            monitor.execute("SELECT pg_terminate_backend(%s)", (waiting,))
            with pytest.raises(BackendError) as raised:
                pending.result(timeout=30)
            blocker.rollback()

        assert isinstance(raised.value.__cause__, psycopg.Error)
        assert "terminating connection" in str(raised.value)
        cut_off = store.dossier(second)  # the pool replaced the broken connection
        assert cut_off is not None and cut_off.dossier_code is None
        assert cut_off.intake_status is IntakeStatus.AWAITING_FILES
        assert store.history(second) == []
        assert finalize(store, second) == f"{UNIT_CODE}-261123-0002"


def test_postgres_a_lock_held_too_long_is_a_backend_error_and_changes_nothing(
    pg_url: str,
) -> None:
    with PostgresStore(pg_url, lock_timeout=0.2) as store:
        dossier_id = create(store, files=0)
        with psycopg.connect(pg_url) as blocker:
            blocker.execute("SELECT 1 FROM dossiers FOR UPDATE")  # another replica, stuck

            with pytest.raises(BackendError, match="timed out waiting for a lock"):
                finalize(store, dossier_id)
            blocker.rollback()

        assert store.history(dossier_id) == []
        assert finalize(store, dossier_id) == f"{UNIT_CODE}-261123-0001"


def test_postgres_a_stopped_server_is_a_backend_error_that_says_so() -> None:
    with ThrowawayCluster() as cluster:
        url = cluster.create_database("gateway")
        store = PostgresStore(url, timeout=2)
        dossier_id = create(store, files=0)

        cluster.stop()
        with pytest.raises(BackendError) as during:
            finalize(store, dossier_id)
        with pytest.raises(BackendError) as opening:
            PostgresStore(url, timeout=2)

        for raised in (during, opening):
            message = str(raised.value)
            assert "PostgreSQL database gateway on" in message
            assert "Is the server running" in message  # libpq's own words, passed on
            assert not isinstance(raised.value, psycopg.Error)
        store.close()

        cluster.start()
        with PostgresStore(url) as again:
            untouched = again.dossier(dossier_id)
            assert untouched is not None and untouched.dossier_code is None
            assert finalize(again, dossier_id) == f"{UNIT_CODE}-261123-0001"
