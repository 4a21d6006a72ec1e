"""The throwaway PostgreSQL cluster the gateway's PostgreSQL tests run on: a real server,
reached through its socket, with databases made and dropped per test."""

from __future__ import annotations

import psycopg
import pytest

from simulators.pg_cluster import ClusterError, ThrowawayCluster


def test_each_test_gets_an_empty_database_of_its_own(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        name, tables = conn.execute(
            "SELECT current_database(),"
            " (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')"
        ).fetchone() or ("", -1)
    assert name.startswith("test_")
    assert tables == 0


def test_a_database_copied_from_a_template_has_the_template_s_tables(
    pg_cluster: ThrowawayCluster,
) -> None:
    pg_cluster.create_database("copy_source")
    pg_cluster.psql("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)", "copy_source")
    url = pg_cluster.create_database("copy_made", template="copy_source")
    try:
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT n FROM kept").fetchall() == [(7,)]
    finally:
        pg_cluster.drop_database("copy_made")
        pg_cluster.drop_database("copy_source")
    assert "copy_made" not in pg_cluster.psql("SELECT datname FROM pg_database")


def test_the_server_listens_on_no_tcp_port(pg_cluster: ThrowawayCluster) -> None:
    assert pg_cluster.psql("SHOW listen_addresses").strip() == ""


def test_a_name_that_is_not_plain_is_refused_before_sql(pg_cluster: ThrowawayCluster) -> None:
    with pytest.raises(ValueError, match="not a plain database name"):
        pg_cluster.create_database('x"; DROP DATABASE postgres; --')


def test_a_failed_statement_says_what_the_server_said(pg_cluster: ThrowawayCluster) -> None:
    with pytest.raises(ClusterError, match="does not exist"):
        pg_cluster.psql("SELECT * FROM no_such_table")
