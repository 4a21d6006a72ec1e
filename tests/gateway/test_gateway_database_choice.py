"""Which database holds a gateway's metadata (gateway.database) and the ``dvc-gateway db``
commands: a data directory names its PostgreSQL database once, and every command on it reaches
that database; a choice that would strand metadata, a URL that is no URL and a server out of
reach are each one clear line, never a traceback."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from gateway import migrate
from gateway.app import open_store
from gateway.cli import main
from gateway.database import (
    DATABASE_FILE,
    DatabaseChoiceError,
    check_url,
    database_url,
    redacted,
)
from gateway.store_sqlite import DB_NAME


def run(*argv: str) -> int:
    return main(list(argv))


def test_a_postgresql_url_is_taken_and_anything_else_refused() -> None:
    assert check_url(" postgresql://gw@db.local/gateway\n") == "postgresql://gw@db.local/gateway"
    assert check_url("postgres://gw@/gateway?host=/run/postgresql").startswith("postgres://")
    with pytest.raises(DatabaseChoiceError, match="not a PostgreSQL URL"):
        check_url("sqlite:///gateway.sqlite3")
    with pytest.raises(DatabaseChoiceError, match="names no database"):
        check_url("postgresql://gw@db.local/")


def test_a_password_never_shows() -> None:
    shown = redacted("postgresql://gw:s3cret@db.local:5433/gateway")
    assert shown == "postgresql://gw:***@db.local:5433/gateway"
    assert redacted("postgresql://gw@db.local/gateway") == "postgresql://gw@db.local/gateway"
    with pytest.raises(DatabaseChoiceError) as refused:
        check_url("mysql://gw:s3cret@db.local/gateway")
    assert "s3cret" not in str(refused.value)


def test_db_use_names_the_database_and_every_command_reaches_it(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "gateway"
    assert run("db", "use", "--data", str(data), pg_url) == 0
    assert f"schema {migrate.head()}" in capsys.readouterr().out
    assert database_url(data) == pg_url
    assert stat.S_IMODE((data / DATABASE_FILE).stat().st_mode) == 0o600

    assert run("enrol", "--data", str(data), "--kiosk", "KIOSK07") == 0
    token = capsys.readouterr().out.strip()
    with open_store(data) as store:
        kiosk = store.kiosk_for_token(token)
    assert kiosk is not None and kiosk.kiosk_id == "KIOSK07"
    assert not (data / DB_NAME).exists()  # nothing went to SQLite

    assert run("db", "status", "--data", str(data), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status == {"backend": "postgresql", "url": pg_url,
                      "revision": migrate.head(), "head": migrate.head()}  # fmt: skip
    assert run("db", "upgrade", "--data", str(data)) == 0  # nothing to apply: a no-op
    assert capsys.readouterr().out.strip() == f"schema {migrate.head()} (head {migrate.head()})"


def test_a_directory_with_sqlite_metadata_is_not_moved_by_naming_a_url(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "gateway"
    assert run("enrol", "--data", str(data), "--kiosk", "KIOSK07") == 0
    capsys.readouterr()

    assert run("db", "use", "--data", str(data), pg_url) == 2
    assert "already keeps its metadata in its SQLite file" in capsys.readouterr().err
    assert database_url(data) is None
    assert run("db", "upgrade", "--data", str(data)) == 2
    assert "names no PostgreSQL database" in capsys.readouterr().err


def test_another_database_is_refused_once_one_is_named(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "gateway"
    assert run("db", "use", "--data", str(data), pg_url) == 0
    other = pg_url.replace("/test_", "/other_")

    assert run("db", "use", "--data", str(data), other) == 2
    assert "already keeps its metadata in" in capsys.readouterr().err
    assert database_url(data) == pg_url
    assert run("db", "use", "--data", str(data), pg_url) == 0  # the same one again: fine


def test_a_database_out_of_reach_is_one_line_not_a_traceback(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "gateway"
    missing = pg_url.replace("/test_", "/no_such_database_")

    assert run("db", "use", "--data", str(data), missing) == 2
    error = capsys.readouterr().err
    assert error.startswith("gateway: ") and error.count("\n") == 1
    assert database_url(data) is None  # nothing named that does not work


def test_a_broken_database_file_is_said_by_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "gateway"
    data.mkdir()
    (data / DATABASE_FILE).write_text("host=db.local dbname=gateway\n")

    for command, rest in ((["received"], []), (["enrol"], ["--kiosk", "KIOSK07"]),
                          (["db", "status"], [])):  # fmt: skip
        assert run(*command, "--data", str(data), *rest) == 2, command
        assert "is not a PostgreSQL URL" in capsys.readouterr().err
