"""Bring a PostgreSQL database to the gateway's schema (Alembic, configured in code).

The store applies pending revisions when it opens (``PostgresStore(url)``), and the
``dvc-gateway db upgrade`` command does it on its own; both call ``upgrade``. Several gateway
processes may start at once on one empty database: a PostgreSQL advisory lock, held around the
whole upgrade, lets one of them migrate while the others wait and then find nothing to do.

Failures arrive as the store's own ``BackendError`` (``gateway.store``), naming the database and
its host but never a password, so the store and the command handle one kind of error.

URLs are libpq's (``postgresql://user@/db?host=/run/postgresql``, or ``host=… dbname=…``):
what the operator writes and psycopg reads. Alembic speaks through SQLAlchemy, whose psycopg
dialect (``postgresql+psycopg://``) is used with a connection that psycopg opens from the
libpq URL itself, so every form libpq accepts (sockets, ``sslmode``, a service file) works
without SQLAlchemy re-parsing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import alembic.util
import psycopg
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.pool import NullPool

from gateway.migrations import SCRIPT_LOCATION
from gateway.store import BackendError

LOCK_KEY = 0x6476_635F_6777_0001
"""The advisory lock taken around an upgrade ("dvc_gw" and 1, as a bigint): a constant every
gateway agrees on, unlikely to be used by anything else sharing the database."""

VERSION_TABLE = "alembic_version"
"""Where Alembic records the revision a database is at."""


def describe(url: str) -> str:
    """The database a URL names, for messages: its name and host, never its password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return "PostgreSQL (an unreadable URL)"
    name = parts.get("dbname") or parts.get("user") or "?"
    host = parts.get("host") or "the default socket"
    return f"PostgreSQL database {name!s} on {host!s}"


@contextmanager
def _errors(url: str, doing: str) -> Iterator[None]:
    """psycopg's, SQLAlchemy's and Alembic's errors become ``BackendError``; SQLAlchemy's own
    wrapping (the statement, a link) is dropped for the driver's words."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        raise BackendError(f"{describe(url)}: {doing} failed: {str(exc.orig).strip()}") from exc
    except (psycopg.Error, sa.exc.SQLAlchemyError, alembic.util.CommandError) as exc:
        raise BackendError(f"{describe(url)}: {doing} failed: {str(exc).strip()}") from exc


def alembic_config() -> Config:
    """Alembic's configuration for the gateway's revisions, in place of an ``alembic.ini``
    (``alembic.command.revision(alembic_config(), "…", rev_id="0002")`` writes the skeleton of
    a new revision)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # "r0002_add_x.py": a file name that is a Python identifier, as mypy wants.
    config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    return config


def head() -> str:
    """The newest revision this gateway knows."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if revision is None:
        raise RuntimeError("the gateway ships no schema revision")
    return revision


def current(url: str) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    with _errors(url, "reading the schema revision"), psycopg.connect(url, autocommit=True) as conn:
        return _current(conn)


def _current(conn: psycopg.Connection[tuple[object, ...]]) -> str | None:
    # to_regclass: a database never migrated has no version table, which is no error here.
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (VERSION_TABLE,)).fetchone()
    if row is None or not row[0]:
        return None
    version = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()  # noqa: S608
    return None if version is None else str(version[0])


def sqlalchemy_engine(url: str) -> sa.Engine:
    """An engine of SQLAlchemy's psycopg dialect on the libpq URL ``url``, one connection at a
    time and none kept (NullPool): a migration is short and should leave nothing open."""
    return sa.create_engine(
        "postgresql+psycopg://",
        creator=lambda: psycopg.connect(url),
        poolclass=NullPool,
    )


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the revisions up to ``revision`` (the newest by default); nothing when the
    database is there already. BackendError if the server cannot be reached or a revision
    fails (that revision's changes are rolled back; those before it stay)."""
    target = head() if revision == "head" else revision
    # The common case, a gateway starting on a database already at head, costs one query and
    # no Alembic machinery.
    if current(url) == target:
        return
    engine = sqlalchemy_engine(url)
    try:
        with _errors(url, "migrating the schema"), engine.connect() as conn:
            # A session lock, not a transaction's: it must outlast the transactions Alembic
            # opens and commits, one per revision. It goes when the connection closes, so a
            # process killed mid-upgrade frees it (and its revision's transaction rolls back).
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            conn.commit()
            try:
                config = alembic_config()
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
            finally:
                conn.rollback()
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                conn.commit()
    finally:
        engine.dispose()
