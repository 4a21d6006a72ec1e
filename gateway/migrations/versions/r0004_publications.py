"""The province's publications and its log of USB imports (``gateway.publications_postgres``).

Revision ID: 0004
Revises: 0003

DDL written by hand, as the SQLite backend's is (``gateway.publications_sqlite``):

- ``publications``: every version of a reference document the console published (the catalog,
  the calendar overrides), its exact body and strong entity tag, who published it when. The
  primary key (kind, version) is also what the gateway asks on every catalog request ("the
  newest version of this kind"), an index-only look-up.
- ``province_imports``: one row per USB export brought in (console, API or command), with the
  per-dossier outcomes as ``jsonb``; the unit index serves a district's history page.

Kinds and channels are plain text without CHECK constraints, as in the earlier revisions: their
enums live in Python (``gateway.publications``).
"""

from __future__ import annotations

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_UP = (
    """
    CREATE TABLE publications (
        kind text NOT NULL,
        version integer NOT NULL,
        body bytea NOT NULL,
        etag text NOT NULL,
        published_at timestamptz NOT NULL,
        published_by text NOT NULL,
        note text NOT NULL,
        CONSTRAINT publications_pkey PRIMARY KEY (kind, version)
    )
    """,
    """
    CREATE TABLE province_imports (
        import_id bigint GENERATED ALWAYS AS IDENTITY,
        at timestamptz NOT NULL,
        actor text NOT NULL,
        channel text NOT NULL,
        file_name text NOT NULL,
        sha256 text NOT NULL,
        size bigint NOT NULL,
        kiosk_id text,
        unit_code text,
        exported_at timestamptz,
        refused text,
        lines jsonb NOT NULL,
        CONSTRAINT province_imports_pkey PRIMARY KEY (import_id)
    )
    """,
    "CREATE INDEX province_imports_by_unit ON province_imports (unit_code text_pattern_ops)",
)

_DOWN = ("province_imports", "publications")


def upgrade() -> None:
    for statement in _UP:
        op.execute(statement)


def downgrade() -> None:
    for table in _DOWN:
        op.execute(f"DROP TABLE {table}")
