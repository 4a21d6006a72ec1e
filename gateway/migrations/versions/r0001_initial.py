"""The gateway's first PostgreSQL schema: every table ``gateway.store_postgres`` uses.

Revision ID: 0001
Revises: (none)

The tables mirror SQLite's (``gateway.store_sqlite``), with PostgreSQL's own types:

- A time the store hands back is two columns: ``<name>`` (``timestamptz``, the instant, which
  orders and compares correctly across offsets) and ``<name>_offset`` (the UTC offset it was
  given, in seconds east of UTC), because the ``Store`` contract returns the aware datetime it
  was given and ``timestamptz`` keeps only the instant. Times only written (a kiosk's
  enrolment, a heartbeat's arrival, a one-time code's creation) have no offset column.
- ``dossiers`` and ``uploads`` carry ``seq``, an identity column: their lists come oldest first,
  which SQLite reads from its ``rowid`` and PostgreSQL has no equivalent of.
- ``day_sequence`` is keyed by unit *and* day: official codes are unique and gap-free per unit
  and day, the counter moved by the same transaction that stores the code (no ``SEQUENCE``
  object: those are not transactional and would leave gaps).
- Statuses and states are plain text without CHECK constraints: their enums live in Python
  (``gateway.store``, ``dvc_common.protocol``) and a new member must not need a migration.

Constraint names are given explicitly: the store recognises a taken receipt number by the
name of the constraint PostgreSQL reports.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_TABLES = (
    "audit_events",
    "badges",
    "enrolment_codes",
    "heartbeats",
    "otps",
    "status_history",
    "day_sequence",
    "uploads",
    "dossier_files",
    "dossiers",
    "kiosks",
)
"""Every table of this revision, dependants before what they refer to (the drop order)."""


def _moment(name: str, *, nullable: bool = False) -> tuple[sa.Column[object], sa.Column[object]]:
    """A time returned as given: the instant and the UTC offset it came with (seconds)."""
    return (
        sa.Column(name, sa.TIMESTAMP(timezone=True), nullable=nullable),
        sa.Column(f"{name}_offset", sa.Integer(), nullable=nullable),
    )


def _text(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "kiosks",
        _text("kiosk_id"),
        _text("token_sha256"),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("enrolled_at", sa.TIMESTAMP(timezone=True), nullable=False),
        _text("public_key", nullable=True),
        _text("unit_code", nullable=True),
        sa.PrimaryKeyConstraint("kiosk_id", name="kiosks_pkey"),
        sa.UniqueConstraint("token_sha256", name="kiosks_token_sha256_key"),
    )
    op.create_table(
        "enrolment_codes",
        _text("code_sha256"),
        _text("kiosk_id"),
        *_moment("created_at"),
        *_moment("expires_at"),
        *_moment("used_at", nullable=True),
        _text("unit_code", nullable=True),
        sa.PrimaryKeyConstraint("code_sha256", name="enrolment_codes_pkey"),
    )
    op.create_table(
        "badges",
        # An identity is never handed out twice, even when a transaction rolls back or the
        # newest row were deleted: a badge serial is never reused.
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        _text("technician_id"),
        _text("technician_name"),
        sa.Column("kiosks", ARRAY(sa.Text()), nullable=False),
        _text("area"),
        *_moment("not_before"),
        *_moment("expires"),
        *_moment("issued_at"),
        sa.PrimaryKeyConstraint("seq", name="badges_pkey"),
    )
    op.create_table(
        "audit_events",
        _text("kiosk_id"),
        _text("event_id"),
        *_moment("at"),
        _text("kind"),
        _text("actor"),
        _text("detail"),
        *_moment("received_at"),
        sa.PrimaryKeyConstraint("kiosk_id", "event_id", name="audit_events_pkey"),
    )
    op.create_table(
        "dossiers",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        _text("dossier_id"),
        _text("client_uuid"),
        _text("kiosk_id"),
        _text("receipt_number"),
        _text("procedure_code"),
        _text("body"),
        _text("intake_status"),
        _text("status", nullable=True),
        _text("dossier_code", nullable=True),
        sa.Column("appointment_date", sa.Date(), nullable=True),
        *_moment("created_at"),
        *_moment("registered_at", nullable=True),
        sa.Column("rating", JSONB(), nullable=True),
        sa.PrimaryKeyConstraint("dossier_id", name="dossiers_pkey"),
        sa.UniqueConstraint("seq", name="dossiers_seq_key"),
        sa.UniqueConstraint("client_uuid", name="dossiers_client_uuid_key"),
        sa.UniqueConstraint("receipt_number", name="dossiers_receipt_number_key"),
        sa.UniqueConstraint("dossier_code", name="dossiers_dossier_code_key"),
    )
    op.create_table(
        "dossier_files",
        _text("file_id"),
        _text("dossier_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("document_code"),
        _text("name"),
        sa.Column("size", sa.BigInteger(), nullable=False),
        _text("sha256"),
        _text("media_type"),
        _text("upload_id", nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.false()),
        _text("stored_path", nullable=True),
        sa.PrimaryKeyConstraint("file_id", name="dossier_files_pkey"),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.dossier_id"], name="dossier_files_dossier_id_fkey"
        ),
    )
    op.create_index("dossier_files_by_dossier", "dossier_files", ["dossier_id", "position"])
    # Completing and terminating an upload find its file by the upload's id.
    op.create_index("dossier_files_by_upload", "dossier_files", ["upload_id"])
    op.create_table(
        "uploads",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        _text("upload_id"),
        _text("kiosk_id"),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("upload_offset", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("metadata", JSONB(), nullable=False),
        _text("dossier_id", nullable=True),
        _text("file_id", nullable=True),
        _text("state"),
        *_moment("created_at"),
        *_moment("expires_at"),
        sa.PrimaryKeyConstraint("upload_id", name="uploads_pkey"),
        sa.UniqueConstraint("seq", name="uploads_seq_key"),
    )
    # A gateway starting up asks for the uploads left holding all their bytes: a handful among
    # all the uploads ever made.
    op.create_index(
        "uploads_awaiting_completion",
        "uploads",
        ["seq"],
        postgresql_where=sa.text("state = 'active' AND upload_offset = length"),
    )
    op.create_table(
        "day_sequence",
        _text("unit_code"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_code", "day", name="day_sequence_pkey"),
    )
    op.create_table(
        "status_history",
        _text("dossier_id"),
        sa.Column("seq", sa.Integer(), nullable=False),
        *_moment("at"),
        _text("status"),
        _text("note", nullable=True),
        sa.PrimaryKeyConstraint("dossier_id", "seq", name="status_history_pkey"),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.dossier_id"], name="status_history_dossier_id_fkey"
        ),
    )
    op.create_table(
        "otps",
        _text("otp_id"),
        _text("kiosk_id"),
        _text("code_sha256"),
        _text("purpose"),
        sa.Column("created_at", sa.TIMESTAMP(timezone=True), nullable=False),
        *_moment("expires_at"),
        sa.Column("attempts_left", sa.Integer(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("otp_id", name="otps_pkey"),
    )
    op.create_table(
        "heartbeats",
        _text("kiosk_id"),
        sa.Column("received_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("body", JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", name="heartbeats_pkey"),
    )


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
