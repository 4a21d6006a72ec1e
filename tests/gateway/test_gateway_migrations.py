"""The gateway's PostgreSQL schema migrations (``gateway.migrate``, Alembic revisions in
``gateway.migrations``) on a real server: an empty database reaches the newest revision, again
changes nothing, two gateway processes starting at once on one empty database both succeed with
one schema, and the schema holds every table, column and constraint ``gateway.store_postgres``
names."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from gateway_testkit import downgrade

from gateway import migrate
from gateway.store import BackendError, UploadState
from gateway.store_postgres import AWAITING_COMPLETION, RECEIPT_NUMBER_CONSTRAINT, PostgresStore

REPO = Path(__file__).resolve().parents[2]
# The gateway's store and the console's: every table of the schema is one of theirs.
STORE_SOURCES = (
    REPO / "gateway" / "store_postgres.py",
    REPO / "gateway" / "console" / "store_postgres.py",
    REPO / "gateway" / "publications_postgres.py",
)

TABLES = {
    "kiosks",
    "enrolment_codes",
    "badges",
    "audit_events",
    "dossiers",
    "dossier_files",
    "uploads",
    "day_sequence",
    "status_history",
    "otps",
    "heartbeats",
    # the fleet console's (revision 0002)
    "console_staff",
    "console_login_throttle",
    "console_sessions",
    "console_audit",
    # published reference documents and the import log (revision 0004)
    "publications",
    "province_imports",
}


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def tables(url: str) -> set[str]:
    return {
        name
        for (name,) in query(
            url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
    }


def columns(url: str, table: str) -> set[str]:
    rows = query(
        url,
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s",
        (table,),
    )
    return {name for (name,) in rows}


def schema(url: str) -> list[tuple[Any, ...]]:
    """Everything a migration could have changed: columns, constraints and indexes."""
    return query(
        url,
        "SELECT 'column', table_name, column_name || ' ' || data_type || ' ' || is_nullable "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "UNION ALL SELECT 'constraint', conrelid::regclass::text, "
        "conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = current_schema()::regnamespace "
        "UNION ALL SELECT 'index', tablename, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() ORDER BY 1, 2, 3",
    )


def test_an_empty_database_is_upgraded_to_the_newest_revision(pg_url: str) -> None:
    assert migrate.current(pg_url) is None
    assert tables(pg_url) == set()

    migrate.upgrade(pg_url)

    assert migrate.current(pg_url) == migrate.head()
    assert tables(pg_url) == TABLES | {migrate.VERSION_TABLE}


def test_upgrading_again_changes_nothing(pg_url: str) -> None:
    migrate.upgrade(pg_url)
    before = schema(pg_url)

    migrate.upgrade(pg_url)
    migrate.upgrade(pg_url, migrate.head())

    assert schema(pg_url) == before
    assert query(pg_url, "SELECT version_num FROM alembic_version") == [(migrate.head(),)]


def test_two_processes_upgrading_one_empty_database_at_once_both_succeed(pg_url: str) -> None:
    # The test holds the upgrade's advisory lock until both processes wait for it, then lets
    # them go at the same moment: one migrates, the other finds the schema there.
    with psycopg.connect(pg_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (migrate.LOCK_KEY,))
        processes = [upgrading_process(pg_url) for _ in range(2)]
        try:
            waiting_for_lock(holder, count=2)
        finally:
            holder.execute("SELECT pg_advisory_unlock(%s)", (migrate.LOCK_KEY,))
        outcomes = [process.communicate(timeout=120) for process in processes]

    for process, (_, stderr) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, stderr
    assert migrate.current(pg_url) == migrate.head()
    assert tables(pg_url) == TABLES | {migrate.VERSION_TABLE}
    assert query(pg_url, "SELECT count(*) FROM alembic_version") == [(1,)]


def upgrading_process(url: str) -> subprocess.Popen[str]:
    """Another gateway starting: a process of its own calling ``gateway.migrate.upgrade``."""
    code = "import sys; from gateway import migrate; migrate.upgrade(sys.argv[1])"
    return subprocess.Popen(
        [sys.executable, "-c", code, url],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def waiting_for_lock(conn: psycopg.Connection[tuple[Any, ...]], count: int) -> None:
    """Until ``count`` sessions wait for the upgrade's advisory lock. The server sends no word
    when a session starts waiting, so its lock table is read again until it shows them."""
    deadline = time.monotonic() + 60
    sql = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    while (row := conn.execute(sql).fetchone()) is None or row[0] < count:
        assert time.monotonic() < deadline, "the processes never waited for the upgrade lock"
        threading.Event().wait(0.02)


def test_every_table_and_column_the_store_writes_exists(pg_url: str) -> None:
    migrate.upgrade(pg_url)
    source = "\n".join(path.read_text() for path in STORE_SOURCES)
    # The store's SQL is in adjacent string literals: join them to read whole statements.
    sql = re.sub(r'"\s*\n\s*"|"\s*\n\s*\'|\'\s*\n\s*"', "", source)

    named = set(re.findall(r"\b(?:FROM|INTO|UPDATE)\s+([a-z_]+)\b", sql))
    assert named, "no table found in the store's SQL"
    assert named <= tables(pg_url)
    assert named >= TABLES  # and the schema has no table the store never touches

    inserts = re.findall(r"INSERT INTO ([a-z_]+)\(([^)]*)\)", sql)
    assert len(inserts) >= 10
    for table, listed in inserts:
        assert {c.strip() for c in listed.split(",")} <= columns(pg_url, table), table
    updates = re.findall(r"UPDATE ([a-z_]+) SET (.+?) WHERE", sql)
    assert len(updates) >= 10
    for table, assignments in updates:
        assigned = set(re.findall(r"([a-z_]+) = ", assignments))
        assert assigned <= columns(pg_url, table), table


def test_the_constraints_the_store_relies_on_exist(pg_url: str) -> None:
    migrate.upgrade(pg_url)

    unique = dict(
        query(
            pg_url,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'u'",
        )
    )
    # The store recognises a taken receipt number by this name; the upserts need the others.
    assert unique[RECEIPT_NUMBER_CONSTRAINT] == "UNIQUE (receipt_number)"
    assert unique["dossiers_client_uuid_key"] == "UNIQUE (client_uuid)"
    primary = "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
    keys = dict(query(pg_url, primary + "WHERE contype = 'p'"))
    assert keys["day_sequence"] == "PRIMARY KEY (unit_code, day)"
    assert keys["audit_events"] == "PRIMARY KEY (kiosk_id, event_id)"
    assert keys["heartbeats"] == "PRIMARY KEY (kiosk_id)"


def test_a_starting_gateway_finds_the_uploads_awaiting_completion_by_their_index(
    pg_url: str,
) -> None:
    migrate.upgrade(pg_url)

    assert f"state = '{UploadState.ACTIVE.value}'" in AWAITING_COMPLETION
    with psycopg.connect(pg_url) as conn:
        conn.execute("SET enable_seqscan = off")  # an empty table would be scanned otherwise
        plan = [line for (line,) in conn.execute("EXPLAIN " + AWAITING_COMPLETION)]
    assert any("uploads_awaiting_completion" in line for line in plan), plan


@pytest.mark.parametrize(
    ("statement", "index"),
    [
        (
            "SELECT * FROM dossiers d WHERE lower(d.receipt_number) LIKE 'kiosk01-2611%'",
            "dossiers_by_receipt_lower",
        ),
        (
            "SELECT * FROM dossiers d WHERE lower(d.dossier_code) LIKE 'h15.50.05.13-2611%'",
            "dossiers_by_code_lower",
        ),
        (
            "SELECT * FROM dossiers d WHERE d.kiosk_id IN ('KIOSK01', 'KIOSK02')",
            "dossiers_by_kiosk",
        ),
        (
            "SELECT * FROM dossiers d WHERE d.status = 'processing' ORDER BY d.seq DESC",
            "dossiers_by_status",
        ),
    ],
)
def test_the_console_s_dossier_list_is_read_through_revision_0005_s_indexes(
    pg_url: str, statement: str, index: str
) -> None:
    # The predicates as ``PostgresStore.dossier_page`` writes them (a search lower-cased and
    # matched as a prefix, whatever the database's collation: ``text_pattern_ops``).
    migrate.upgrade(pg_url)
    with psycopg.connect(pg_url) as conn:
        conn.execute("SET enable_seqscan = off")  # an empty table would be scanned otherwise
        plan = [line for (line,) in conn.execute("EXPLAIN " + statement)]
    assert any(index in line for line in plan), plan


def test_revision_0005_goes_down_and_up_again(pg_url: str) -> None:
    migrate.upgrade(pg_url)
    downgrade(pg_url, "0004")
    assert "window_start" not in columns(pg_url, "console_login_throttle")
    migrate.upgrade(pg_url)
    assert "window_start" in columns(pg_url, "console_login_throttle")
    assert migrate.current(pg_url) == migrate.head()


def test_revision_0006_notifies_every_change_to_a_kiosk_and_goes_down_and_up_again(
    pg_url: str,
) -> None:
    migrate.upgrade(pg_url)

    def heard(change: str) -> list[str]:
        with psycopg.connect(pg_url, autocommit=True) as listener:
            listener.execute("LISTEN dvc_kiosk_changed")
            with psycopg.connect(pg_url, autocommit=True) as writer:
                writer.execute(change)
            return [note.payload for note in listener.notifies(timeout=5.0, stop_after=1)]

    assert heard(
        "INSERT INTO kiosks(kiosk_id, token_sha256, enabled, enrolled_at) "
        "VALUES ('K1', 'x', TRUE, '2026-12-07 09:00+07')"
    ) == ["K1"]
    assert heard("UPDATE kiosks SET enabled = FALSE WHERE kiosk_id = 'K1'") == ["K1"]
    assert heard("DELETE FROM kiosks WHERE kiosk_id = 'K1'") == ["K1"]
    downgrade(pg_url, "0005")
    assert query(pg_url, "SELECT count(*) FROM pg_trigger WHERE tgname = 'kiosks_changed'") == [
        (0,)
    ]
    migrate.upgrade(pg_url)
    assert query(pg_url, "SELECT count(*) FROM pg_trigger WHERE tgname = 'kiosks_changed'") == [
        (1,)
    ]


def test_a_store_opening_an_empty_database_migrates_it(pg_url: str) -> None:
    with PostgresStore(pg_url) as store:
        assert store.kiosk("KIOSK01") is None

    assert migrate.current(pg_url) == migrate.head()


def test_a_store_told_not_to_migrate_refuses_a_database_not_upgraded(pg_url: str) -> None:
    with pytest.raises(BackendError, match=r"revision \(none\).*dvc-gateway db upgrade"):
        PostgresStore(pg_url, migrate=False)
    assert tables(pg_url) == set()

    migrate.upgrade(pg_url)
    with PostgresStore(pg_url, migrate=False) as store:
        assert store.kiosk("KIOSK01") is None


def test_a_server_not_there_is_a_backend_error_naming_the_database(tmp_path: Path) -> None:
    url = f"postgresql://gateway:secret@/gateway?host={tmp_path}"  # no server listens there

    for call in (migrate.upgrade, migrate.current):
        with pytest.raises(BackendError) as raised:
            call(url)
        message = str(raised.value)
        assert message.startswith(f"PostgreSQL database gateway on {tmp_path}: ")
        assert "Is the server running" in message
        assert "secret" not in message


def test_the_first_revision_undone_leaves_an_empty_database(pg_url: str) -> None:
    # Not a step the gateway takes, but a revision whose downgrade fails cannot be backed out of
    # by hand in an emergency either.
    migrate.upgrade(pg_url)
    downgrade(pg_url, "base")

    assert tables(pg_url) == {migrate.VERSION_TABLE}
    assert migrate.current(pg_url) is None
