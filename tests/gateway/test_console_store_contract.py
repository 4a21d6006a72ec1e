"""The ``ConsoleStore`` contract, run against both backends: SQLite in the gateway's own file
(beside a live gateway store, as it is served) and PostgreSQL on a real throwaway server
(``pg_url``), its tables made by the Alembic revision ``r0002_console``. Every call of the opener
opens the same data again, as a second replica or the ``staff`` command does."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from gateway_testkit import MONDAY_MORNING, downgrade

from gateway import migrate
from gateway.console.store import (
    ConsoleAction,
    ConsoleStore,
    NewAuditEntry,
    Outcome,
    StaffExistsError,
    StaffRole,
    in_scope,
)
from gateway.console.store_postgres import PostgresConsoleStore
from gateway.console.store_sqlite import SqliteConsoleStore
from gateway.store_postgres import PostgresStore
from gateway.store_sqlite import DB_NAME, SqliteStore

Opener = Callable[[], ConsoleStore]
NOW = MONDAY_MORNING
STORED_HASH = "scrypt$n=32768,r=8,p=1$c2FsdA==$aGFzaA=="  # the store keeps it as given


def open_session(store: ConsoleStore, digest: str, username: str, now: datetime) -> None:
    store.create_session(
        token_sha256=digest,
        username=username,
        csrf_token=f"form-{digest}",
        now=now,
    )


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    SqliteStore(tmp_path).close()  # the gateway's own tables are there first, as when served
    return lambda: SqliteConsoleStore(tmp_path)


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    url: str = request.getfixturevalue("pg_url")
    return lambda: PostgresConsoleStore(url)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Opener]] = {
    "sqlite": _sqlite,
    "postgres": _postgres,
}


@pytest.fixture(params=sorted(BACKENDS))
def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    opener = BACKENDS[request.param](request, tmp_path)
    opened: list[ConsoleStore] = []

    def open_store() -> ConsoleStore:
        store = opener()
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def store(reopen: Opener) -> ConsoleStore:
    return reopen()


def add(store: ConsoleStore, username: str = "xa.a", unit: str = "H15.50.05.13") -> None:
    store.add_staff(
        username=username,
        full_name="Lê Thị Lan",
        role=StaffRole.COMMUNE_STAFF,
        unit_prefix=unit,
        password_hash=STORED_HASH,
        now=NOW,
    )


def entry(at: datetime, unit: str | None, actor: str = "xa.a") -> NewAuditEntry:
    return NewAuditEntry(
        at=at,
        actor=actor,
        action=ConsoleAction.STATUS_CHANGE,
        unit_code=unit,
        target="H15.50.05.13-261123-0001",
        outcome=Outcome.SUCCESS,
        detail="Đã tiếp nhận → Đang xử lý",
    )


def test_an_account_is_kept_and_read_back(reopen: Opener) -> None:
    add(reopen())
    staff = reopen().staff("xa.a")
    assert staff is not None
    assert (staff.full_name, staff.role, staff.unit_prefix, staff.enabled) == (
        "Lê Thị Lan",
        StaffRole.COMMUNE_STAFF,
        "H15.50.05.13",
        True,
    )
    assert staff.created_at == NOW
    assert reopen().staff("nobody") is None


def test_a_username_is_taken_once(store: ConsoleStore) -> None:
    add(store)
    with pytest.raises(StaffExistsError):
        add(store, unit="H15")
    assert [s.unit_prefix for s in store.all_staff()] == ["H15.50.05.13"]


def test_accounts_are_listed_by_username(store: ConsoleStore) -> None:
    for name in ("c", "a", "b"):
        add(store, name)
    assert [s.username for s in store.all_staff()] == ["a", "b", "c"]


def test_password_and_enabled_change_only_existing_accounts(store: ConsoleStore) -> None:
    add(store)
    assert store.set_password("xa.a", "scrypt$new")
    assert not store.set_password("nobody", "scrypt$new")
    staff = store.staff("xa.a")
    assert staff is not None and staff.password_hash == "scrypt$new"
    assert store.set_staff_enabled("xa.a", False)
    assert not store.set_staff_enabled("nobody", False)
    staff = store.staff("xa.a")
    assert staff is not None and not staff.enabled


def test_the_threshold_th_failure_locks_and_the_count_starts_again(store: ConsoleStore) -> None:
    lock = timedelta(minutes=15)
    for i in range(4):
        assert store.login_failed("xa.a", now=NOW, threshold=5, lock_for=lock) is None, i
        assert store.locked_until("xa.a", NOW) is None
    until = store.login_failed("xa.a", now=NOW, threshold=5, lock_for=lock)
    assert until == NOW + lock
    assert store.locked_until("xa.a", NOW + timedelta(minutes=14)) == NOW + lock
    assert store.locked_until("xa.a", NOW + lock) is None
    assert store.locked_until("someone.else", NOW) is None
    later = NOW + timedelta(minutes=20)
    for _ in range(4):
        assert store.login_failed("xa.a", now=later, threshold=5, lock_for=lock) is None


def test_a_success_forgets_the_failures(store: ConsoleStore) -> None:
    lock = timedelta(minutes=15)
    for _ in range(4):
        store.login_failed("xa.a", now=NOW, threshold=5, lock_for=lock)
    store.login_succeeded("xa.a")
    for _ in range(4):
        assert store.login_failed("xa.a", now=NOW, threshold=5, lock_for=lock) is None


def test_failures_from_two_replicas_at_once_are_all_counted(reopen: Opener) -> None:
    stores = [reopen(), reopen()]
    barrier = threading.Barrier(2)
    locks: list[datetime | None] = []

    def fail(store: ConsoleStore) -> None:
        barrier.wait()
        for _ in range(5):
            locks.append(
                store.login_failed("xa.a", now=NOW, threshold=10, lock_for=timedelta(minutes=15))
            )

    threads = [threading.Thread(target=fail, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(lock is not None for lock in locks) == 1  # the tenth, whichever replica saw it
    assert stores[0].locked_until("xa.a", NOW) is not None


def test_with_a_window_only_the_failures_within_it_count(store: ConsoleStore) -> None:
    # The per-address limit: 20 within 15 minutes of the first of the count.
    window, lock = timedelta(minutes=15), timedelta(minutes=15)

    def fail(at: datetime) -> datetime | None:
        return store.login_failed("address", now=at, threshold=20, lock_for=lock, window=window)

    for i in range(19):
        assert fail(NOW + timedelta(seconds=i)) is None
    # The window has passed: this failure starts a new count, at one.
    restarted = NOW + window + timedelta(seconds=1)
    for i in range(19):
        assert fail(restarted + timedelta(minutes=14, seconds=i - 19)) is None, i
    twentieth = restarted + timedelta(minutes=14)
    assert fail(twentieth) == twentieth + lock
    assert store.locked_until("address", twentieth + timedelta(minutes=1)) == twentieth + lock


def test_without_a_window_failures_count_however_far_apart(store: ConsoleStore) -> None:
    lock = timedelta(minutes=15)
    for day in range(4):
        assert store.login_failed(
            "xa.a", now=NOW + timedelta(hours=10 * day), threshold=5, lock_for=lock
        ) is None  # fmt: skip
    fifth = NOW + timedelta(days=2)
    assert store.login_failed("xa.a", now=fifth, threshold=5, lock_for=lock) == fifth + lock


def test_stale_throttle_counts_are_purged_and_locks_kept(store: ConsoleStore) -> None:
    lock = timedelta(minutes=15)
    store.login_failed("typed.once", now=NOW, threshold=5, lock_for=lock)
    store.login_failed("typed.lately", now=NOW + timedelta(hours=23), threshold=5, lock_for=lock)
    locked_at = NOW + timedelta(hours=23, minutes=59)
    for _ in range(5):
        store.login_failed("locked", now=locked_at, threshold=5, lock_for=lock)
    now = NOW + timedelta(days=1, minutes=1)

    purged = store.purge_login_throttle(counted_before=now - timedelta(days=1), now=now)

    assert purged == 1
    # The lock is still on; the recent count goes on from where it was.
    assert store.locked_until("locked", now) == locked_at + lock
    for _ in range(3):
        store.login_failed("typed.lately", now=now, threshold=5, lock_for=lock)
    assert store.login_failed("typed.lately", now=now, threshold=5, lock_for=lock) == now + lock
    # The purged one starts again from nothing.
    for _ in range(4):
        assert store.login_failed("typed.once", now=now, threshold=5, lock_for=lock) is None
    # Once its lock is over and its count old, the locked one goes too.
    much_later = now + timedelta(days=2)
    store.purge_login_throttle(counted_before=much_later - timedelta(days=1), now=much_later)
    assert store.purge_login_throttle(counted_before=much_later, now=much_later) == 0
    assert store.login_failed("locked", now=much_later, threshold=2, lock_for=lock) is None


def test_sessions_live_until_deleted_or_stale(reopen: Opener) -> None:
    store = reopen()
    add(store)
    add(store, "xa.b")
    open_session(store, "s1", "xa.a", NOW)
    open_session(store, "s2", "xa.a", NOW)
    open_session(store, "s3", "xa.b", NOW)
    session = reopen().session("s1")
    assert session is not None
    assert (session.username, session.csrf_token, session.created_at, session.last_seen) == (
        "xa.a",
        "form-s1",
        NOW,
        NOW,
    )
    store.touch_session("s1", NOW + timedelta(minutes=20))
    touched = store.session("s1")
    assert touched is not None and touched.last_seen == NOW + timedelta(minutes=20)
    store.delete_session("s2")
    assert store.session("s2") is None
    removed = store.delete_stale_sessions(
        idle_since=NOW + timedelta(minutes=10), created_before=NOW - timedelta(hours=12)
    )
    assert removed == 1  # s3, idle since NOW; s1 was touched
    assert store.session("s1") is not None and store.session("s3") is None
    assert store.delete_sessions_of("xa.a") == 1
    assert store.session("s1") is None


def test_disabling_an_account_ends_its_sessions(store: ConsoleStore) -> None:
    add(store)
    open_session(store, "s1", "xa.a", NOW)
    store.set_staff_enabled("xa.a", False)
    assert store.session("s1") is None


def test_audit_entries_come_newest_first_and_by_area(reopen: Opener) -> None:
    store = reopen()
    units = ["H15.50.05.13", "H15.50.07.01", "H15.60.01.01", None, "H15.5", "H16.50"]
    for i, unit in enumerate(units):
        store.add_audit(entry(NOW + timedelta(minutes=i), unit))
    every = reopen().audit_entries(unit_prefix=None, limit=100)
    assert [e.unit_code for e in every] == list(reversed(units))
    assert every[0].at == NOW + timedelta(minutes=5)
    assert every[0].detail == "Đã tiếp nhận → Đang xử lý"
    district = store.audit_entries(unit_prefix="H15.50", limit=100)
    assert [e.unit_code for e in district] == [None, "H15.50.07.01", "H15.50.05.13"]
    assert [e.unit_code for e in store.audit_entries(unit_prefix=None, limit=2, offset=1)] == [
        "H15.5",
        None,
    ]
    assert store.audit_entries(unit_prefix="h15.50", limit=100) == [
        e for e in district if e.unit_code is None
    ]


def test_times_keep_their_instant_whatever_the_offset(store: ConsoleStore) -> None:
    add(store)
    utc = NOW.astimezone(UTC)
    open_session(store, "s1", "xa.a", utc)
    session = store.session("s1")
    assert session is not None and session.created_at == NOW


def test_naive_times_are_refused(store: ConsoleStore) -> None:
    with pytest.raises(ValueError, match="aware"):
        store.login_failed(
            "xa.a", now=NOW.replace(tzinfo=None), threshold=5, lock_for=timedelta(minutes=1)
        )


def test_scope_is_the_prefix_or_a_unit_under_it() -> None:
    assert in_scope("H15", "H15.50.05.13") and in_scope("H15.50.05.13", "H15.50.05.13")
    assert not in_scope("H15.5", "H15.50.05.13") and not in_scope("H15.50", "H15")


def test_postgres_console_tables_come_with_the_gateways_schema(pg_url: str) -> None:
    PostgresStore(pg_url).close()  # the gateway's store migrates to head: 0002 included
    assert migrate.current(pg_url) == migrate.head() >= "0002"
    with PostgresConsoleStore(pg_url) as store:
        add(store)
        assert store.staff("xa.a") is not None


def test_postgres_the_console_revision_goes_down_and_up_again(pg_url: str) -> None:
    migrate.upgrade(pg_url)
    downgrade(pg_url, "0001")
    assert migrate.current(pg_url) == "0001"
    with PostgresConsoleStore(pg_url) as store:  # migrates up again as it opens
        add(store)
    assert migrate.current(pg_url) == migrate.head()


def test_sqlite_a_file_of_an_earlier_gateway_gains_the_throttle_window(tmp_path: Path) -> None:
    SqliteStore(tmp_path).close()
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        conn.execute(
            "CREATE TABLE console_login_throttle (username TEXT PRIMARY KEY, "
            "failures INTEGER NOT NULL, locked_until TEXT)"
        )
        conn.execute("INSERT INTO console_login_throttle VALUES ('xa.a', 3, NULL)")
    conn.close()

    with SqliteConsoleStore(tmp_path) as store, SqliteConsoleStore(tmp_path) as again:
        lock = timedelta(minutes=15)
        # The count kept from before goes on: two more lock.
        assert store.login_failed("xa.a", now=NOW, threshold=5, lock_for=lock) is None
        assert again.login_failed("xa.a", now=NOW, threshold=5, lock_for=lock) == NOW + lock
