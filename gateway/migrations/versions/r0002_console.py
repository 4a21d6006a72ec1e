"""The fleet console's tables: staff accounts, their sessions, the log-in throttle and the
console's audit log (``gateway.console.store_postgres``).

Revision ID: 0002
Revises: 0001

The DDL is written out by hand, as the SQLite backend's is (``gateway.console.store_sqlite``):
the same four tables, with PostgreSQL's types. Roles, actions and outcomes are plain text
without CHECK constraints, as in the first revision: their enums live in Python
(``gateway.console.store``) and a new member must not need a migration. Times the store hands
back are ``timestamptz`` alone: the console shows them in the offices' zone whatever offset
they came with, so no ``_offset`` column is kept.
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_UP = (
    """
    CREATE TABLE console_staff (
        username text NOT NULL,
        full_name text NOT NULL,
        role text NOT NULL,
        unit_prefix text NOT NULL,
        password_hash text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL,
        CONSTRAINT console_staff_pkey PRIMARY KEY (username)
    )
    """,
    """
    CREATE TABLE console_login_throttle (
        username text NOT NULL,
        failures integer NOT NULL,
        locked_until timestamptz,
        CONSTRAINT console_login_throttle_pkey PRIMARY KEY (username)
    )
    """,
    """
    CREATE TABLE console_sessions (
        token_sha256 text NOT NULL,
        username text NOT NULL,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        CONSTRAINT console_sessions_pkey PRIMARY KEY (token_sha256),
        CONSTRAINT console_sessions_username_fkey FOREIGN KEY (username)
            REFERENCES console_staff (username) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX console_sessions_by_user ON console_sessions (username)",
    """
    CREATE TABLE console_audit (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        at timestamptz NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        unit_code text,
        target text,
        outcome text NOT NULL,
        detail text NOT NULL,
        CONSTRAINT console_audit_pkey PRIMARY KEY (seq)
    )
    """,
    # The audit page of a district's administrator: newest first within the district.
    "CREATE INDEX console_audit_by_unit ON console_audit (unit_code text_pattern_ops, seq)",
)

_DOWN = ("console_audit", "console_sessions", "console_login_throttle", "console_staff")


def upgrade() -> None:
    for statement in _UP:
        op.execute(statement)


def downgrade() -> None:
    for table in _DOWN:
        op.execute(f"DROP TABLE {table}")
