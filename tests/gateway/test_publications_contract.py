"""The ``PublicationStore`` contract, run against both backends: SQLite in the gateway's own file
(beside a live gateway store, as it is served) and PostgreSQL on a real throwaway server
(``pg_url``), its tables made by the Alembic revision ``r0004_publications``. Every call of the
opener opens the same data again, as a second replica does."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from gateway_testkit import MONDAY_MORNING

from gateway.publications import (
    ImportChannel,
    ImportLine,
    ImportOutcome,
    NewImport,
    PublicationConflictError,
    PublicationKind,
    PublicationStore,
    UnknownPublicationError,
)
from gateway.publications_postgres import PostgresPublicationStore
from gateway.publications_sqlite import SqlitePublicationStore
from gateway.store_sqlite import SqliteStore

Opener = Callable[[], PublicationStore]
NOW = MONDAY_MORNING
CATALOG = PublicationKind.CATALOG
CALENDAR = PublicationKind.CALENDAR


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    SqliteStore(tmp_path).close()  # the gateway's own tables are there first, as when served
    return lambda: SqlitePublicationStore(tmp_path)


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    url: str = request.getfixturevalue("pg_url")
    return lambda: PostgresPublicationStore(url)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Opener]] = {
    "sqlite": _sqlite,
    "postgres": _postgres,
}


@pytest.fixture(params=sorted(BACKENDS))
def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    opener = BACKENDS[request.param](request, tmp_path)
    opened: list[PublicationStore] = []

    def open_store() -> PublicationStore:
        store = opener()
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def store(reopen: Opener) -> PublicationStore:
    return reopen()


def test_nothing_published_is_no_version(store: PublicationStore) -> None:
    assert store.latest_version(CATALOG) is None
    assert store.latest(CATALOG) is None
    assert store.history(CATALOG) == []
    with pytest.raises(UnknownPublicationError):
        store.publication(CATALOG, 1)


def test_versions_count_per_kind_and_the_newest_is_in_force(reopen: Opener) -> None:
    store = reopen()
    first = store.publish(
        CATALOG, b'{"a": 1}', '"e1"', replaces=None, now=NOW, by="tinh.admin", note="Lần đầu"
    )
    store.publish(CALENDAR, b'{"c": 1}', '"c1"', replaces=None, now=NOW, by="tinh.admin", note="")
    second = store.publish(
        CATALOG, b'{"a": 2}', '"e2"', replaces=1, now=NOW + timedelta(minutes=5), by="khac",
        note="Sửa",
    )  # fmt: skip
    assert (first.version, second.version) == (1, 2)
    again = reopen()  # another replica
    assert again.latest_version(CATALOG) == 2
    assert again.latest_version(CALENDAR) == 1
    latest = again.latest(CATALOG)
    assert latest is not None
    assert (latest.body, latest.etag, latest.published_by, latest.note) == (
        b'{"a": 2}', '"e2"', "khac", "Sửa",
    )  # fmt: skip
    assert latest.published_at == NOW + timedelta(minutes=5)
    assert latest.published_at.utcoffset() is not None
    older = again.publication(CATALOG, 1)
    assert (older.body, older.etag, older.size) == (b'{"a": 1}', '"e1"', 8)
    assert [(p.version, p.etag, p.size) for p in again.history(CATALOG)] == [
        (2, '"e2"', 8), (1, '"e1"', 8),
    ]  # fmt: skip
    assert [p.version for p in again.history(CATALOG, limit=1)] == [2]


def test_bodies_are_kept_byte_for_byte(store: PublicationStore) -> None:
    body = "Thủ tục đăng ký khai sinh \x00\xff".encode() + bytes(range(256))
    store.publish(CATALOG, body, '"x"', replaces=None, now=NOW, by="a", note="")
    latest = store.latest(CATALOG)
    assert latest is not None and latest.body == body


def test_a_publication_over_a_version_no_longer_in_force_is_refused(reopen: Opener) -> None:
    store, other = reopen(), reopen()
    store.publish(CATALOG, b"1", '"1"', replaces=None, now=NOW, by="a", note="")
    with pytest.raises(PublicationConflictError):
        other.publish(CATALOG, b"2", '"2"', replaces=None, now=NOW, by="b", note="")
    other.publish(CATALOG, b"2", '"2"', replaces=1, now=NOW, by="b", note="")
    with pytest.raises(PublicationConflictError):
        store.publish(CATALOG, b"3", '"3"', replaces=1, now=NOW, by="a", note="")
    assert store.latest_version(CATALOG) == 2
    # Another kind is a series of its own.
    assert (
        store.publish(CALENDAR, b"c", '"c"', replaces=None, now=NOW, by="a", note="").version == 1
    )


def test_publishers_at_once_each_replace_the_version_they_saw_or_are_refused(
    reopen: Opener,
) -> None:
    stores = [reopen() for _ in range(4)]
    made: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(stores))

    def publish(store: PublicationStore, n: int) -> None:
        try:
            start.wait()
            for i in range(5):
                seen = store.latest_version(CATALOG)
                try:
                    done = store.publish(
                        CATALOG, f"{n}-{i}".encode(), f'"{n}-{i}"', replaces=seen, now=NOW,
                        by="a", note="",
                    )  # fmt: skip
                except PublicationConflictError:
                    refused.append(n)
                else:
                    assert done.version == (seen or 0) + 1
                    made.append(done.version)
        except BaseException as exc:  # reported below, with the thread's failure
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(s, n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(made) + len(refused) == 20
    assert sorted(made) == list(range(1, len(made) + 1))
    assert sorted(p.version for p in stores[0].history(CATALOG)) == sorted(made)


def _import(
    actor: str, unit: str | None, *, refused: str | None = None, minutes: int = 0
) -> NewImport:
    lines = (
        ()
        if refused
        else (
            ImportLine("u-1", "KIOSK01-261123-0001", ImportOutcome.IMPORTED, dossier_code="H15-1"),
            ImportLine("u-2", "KIOSK01-261123-0002", ImportOutcome.REFUSED, reason="hỏng tệp"),
            ImportLine("u-3", "KIOSK01-261123-0003", ImportOutcome.ALREADY_PRESENT),
        )
    )
    return NewImport(
        at=NOW + timedelta(minutes=minutes),
        actor=actor,
        channel=ImportChannel.CONSOLE,
        file_name="kiosk01-2026-11-23.dvcexport",
        sha256="ab" * 32,
        size=123_456,
        kiosk_id=None if refused else "KIOSK01",
        unit_code=unit,
        exported_at=None if refused else NOW - timedelta(hours=2),
        refused=refused,
        lines=lines,
    )


def test_the_import_log_keeps_each_dossiers_outcome(reopen: Opener) -> None:
    store = reopen()
    made = store.add_import(_import("huyen.kt", "H15.50.05.13"))
    found = reopen().import_record(made.import_id)
    assert found is not None
    assert found == made
    assert found.count(ImportOutcome.IMPORTED) == 1
    assert found.count(ImportOutcome.REFUSED) == 1
    assert found.lines[1].reason == "hỏng tệp"
    assert found.lines[0].dossier_code == "H15-1"
    assert found.exported_at == NOW - timedelta(hours=2)
    assert found.at.astimezone(UTC) == NOW.astimezone(UTC)
    assert reopen().import_record(made.import_id + 1000) is None


def test_the_import_log_is_shown_within_units_and_to_its_maker(store: PublicationStore) -> None:
    a = store.add_import(_import("tinh.admin", "H15.50.05.13", minutes=1))
    b = store.add_import(_import("tinh.admin", "H15.51.01.01", minutes=2))
    c = store.add_import(_import("huyen.kt", None, refused="không mở được", minutes=3))
    d = store.add_import(_import("tinh.admin", "H15.500.01", minutes=4))  # not under H15.50
    everything = [r.import_id for r in store.imports(unit_prefix=None)]
    assert everything == [d.import_id, c.import_id, b.import_id, a.import_id]
    district = store.imports(unit_prefix="H15.50", actor="huyen.kt")
    assert [r.import_id for r in district] == [c.import_id, a.import_id]
    assert district[0].refused == "không mở được" and district[0].lines == ()
    assert [r.import_id for r in store.imports(unit_prefix="H15.50", actor="nobody")] == [
        a.import_id
    ]
    assert [r.import_id for r in store.imports(unit_prefix=None, limit=2)] == [
        d.import_id, c.import_id,
    ]  # fmt: skip
