"""Kiosk tokens kept by a served gateway's PostgreSQL store (``gateway.token_cache``): kept only
while every change to a kiosk is heard of, forgotten at once by the store's own writes and as
soon as another process's change is notified, never put back stale by a look-up that raced a
change, and not kept at all while the listening connection is down."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime

import psycopg
import pytest

from dvc_common.clock import VIETNAM
from gateway.store import KioskRecord
from gateway.store_postgres import PostgresStore
from gateway.token_cache import TokenCache

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=VIETNAM)
WAIT_LIMIT_S = 30.0


def _kiosk(kiosk_id: str = "K1", *, enabled: bool = True) -> KioskRecord:
    return KioskRecord(kiosk_id, enabled)


def _until(condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` came true within the limit, looked at as changes are heard of
    (an Event that nothing sets: the wait is the bound, the condition the answer)."""
    done = threading.Event()
    deadline = threading.Timer(WAIT_LIMIT_S, done.set)
    deadline.start()
    try:
        while not done.is_set():
            if condition():
                return True
            done.wait(0.01)
        return condition()
    finally:
        deadline.cancel()


# --- the cache alone -------------------------------------------------------------------------


def test_nothing_is_kept_until_the_cache_is_live_nor_after_it_goes_deaf() -> None:
    cache = TokenCache()
    cache.put("d1", _kiosk(), cache.generation())
    assert cache.get("d1") is None and cache.generation() is None
    cache.go_live()
    cache.put("d1", _kiosk(), cache.generation())
    assert cache.get("d1") == _kiosk()
    cache.go_deaf()
    assert cache.get("d1") is None
    cache.put("d1", _kiosk(), cache.generation())
    assert cache.get("d1") is None


def test_a_look_up_that_raced_a_change_is_not_kept() -> None:
    cache = TokenCache()
    cache.go_live()
    stamp = cache.generation()  # the look-up starts…
    cache.forget("K1")  # …a change to the kiosk is heard of meanwhile…
    cache.put("d1", _kiosk(), stamp)  # …and what the look-up read may be stale
    assert cache.get("d1") is None
    cache.put("d1", _kiosk(), cache.generation())
    assert cache.get("d1") == _kiosk()


def test_forgetting_a_kiosk_drops_its_token_and_a_new_token_replaces_the_old() -> None:
    cache = TokenCache()
    cache.go_live()
    cache.put("old", _kiosk("K1"), cache.generation())
    cache.put("other", _kiosk("K2"), cache.generation())
    cache.put("new", _kiosk("K1"), cache.generation())
    assert (cache.get("old"), cache.get("new")) == (None, _kiosk("K1"))
    cache.forget("K1")
    assert (cache.get("new"), cache.get("other")) == (None, _kiosk("K2"))


def test_a_full_cache_starts_again_rather_than_grow() -> None:
    cache = TokenCache(capacity=2)
    cache.go_live()
    for n in range(3):
        cache.put(f"d{n}", _kiosk(f"K{n}"), cache.generation())
    assert [cache.get(f"d{n}") for n in range(3)] == [None, None, _kiosk("K2")]


# --- the served gateway's PostgreSQL store -----------------------------------------------------


@pytest.fixture
def caching(pg_url: str) -> Iterator[PostgresStore]:
    with PostgresStore(pg_url, cache_tokens=True) as store:
        assert _until(lambda: store._tokens is not None and store._tokens.live)
        yield store


def _trigger(url: str, on: bool) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE kiosks {'ENABLE' if on else 'DISABLE'} TRIGGER kiosks_changed")


def test_the_store_answers_a_known_token_without_the_database(
    caching: PostgresStore, pg_url: str
) -> None:
    # Nobody told of changes from here (the trigger off), not even of the enrolment, whose
    # notification would otherwise arrive at some moment of its own and empty the cache.
    _trigger(pg_url, on=False)
    try:
        token = caching.enrol("K1", NOW)
        assert caching.kiosk_for_token(token) is not None
        # Revoked behind the store's back: only a store that kept the answer still has it;
        # one that asks the database does not.
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("UPDATE kiosks SET token_revoked_at = now() WHERE kiosk_id = 'K1'")
        assert caching.kiosk_for_token(token) is not None
        with PostgresStore(pg_url) as asking:
            assert asking.kiosk_for_token(token) is None
    finally:
        _trigger(pg_url, on=True)


def test_the_store_s_own_revocation_and_disabling_are_seen_at_once(
    caching: PostgresStore,
) -> None:
    token = caching.enrol("K1", NOW)
    assert caching.kiosk_for_token(token) == KioskRecord("K1", True)
    caching.set_enabled("K1", False)
    kiosk = caching.kiosk_for_token(token)
    assert kiosk is not None and not kiosk.enabled
    caching.revoke_kiosk_token("K1", NOW)
    assert caching.kiosk_for_token(token) is None
    again = caching.enrol("K1", NOW)
    assert (caching.kiosk_for_token(token), caching.kiosk_for_token(again)) == (
        None,
        KioskRecord("K1", True),
    )


def test_a_revocation_by_another_process_reaches_the_cache(
    caching: PostgresStore, pg_url: str
) -> None:
    token = caching.enrol("K1", NOW)
    other = caching.enrol("K2", NOW)
    assert caching.kiosk_for_token(token) is not None
    assert caching.kiosk_for_token(other) is not None
    with PostgresStore(pg_url) as elsewhere:  # another replica, or `dvc-gateway revoke-token`
        elsewhere.revoke_kiosk_token("K1", NOW)
    assert _until(lambda: caching.kiosk_for_token(token) is None)
    assert caching.kiosk_for_token(other) is not None  # the other kiosk is kept


def test_while_the_listening_connection_is_down_nothing_is_kept(
    caching: PostgresStore, pg_url: str
) -> None:
    tokens = caching._tokens
    assert tokens is not None
    token = caching.enrol("K1", NOW)
    assert caching.kiosk_for_token(token) is not None
    with psycopg.connect(pg_url, autocommit=True) as admin:
        ended = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query = 'LISTEN dvc_kiosk_changed' AND datname = current_database()"
        ).fetchall()
        assert ended == [(True,)]
        assert _until(lambda: not tokens.live)
        # Revoked while nobody listens: the store must not answer from what it kept.
        with PostgresStore(pg_url) as elsewhere:
            elsewhere.revoke_kiosk_token("K1", NOW)
        assert caching.kiosk_for_token(token) is None
    assert _until(lambda: tokens.live)  # listening again, from nothing
    assert caching.kiosk_for_token(token) is None
