"""Revocation of what the gateway issued for the technician mode: enrolment codes and kiosk
tokens (``gateway.store_postgres``; the console's credentials pages revoke them).

Revision ID: 0003
Revises: 0002

- ``enrolment_codes.revoked_at`` (with its offset, as every time the store hands back): a code
  revoked before use can no longer be redeemed, and the console lists it as revoked rather than
  deleting the row, so who issued what stays on record.
- ``kiosks.token_revoked_at`` (with its offset): the kiosk's token no longer authenticates; the
  kiosk must be enrolled again with a new code, which clears it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(
        "enrolment_codes", sa.Column("revoked_at", sa.TIMESTAMP(timezone=True), nullable=True)
    )
    op.add_column("enrolment_codes", sa.Column("revoked_at_offset", sa.Integer(), nullable=True))
    op.add_column(
        "kiosks", sa.Column("token_revoked_at", sa.TIMESTAMP(timezone=True), nullable=True)
    )
    op.add_column("kiosks", sa.Column("token_revoked_at_offset", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("kiosks", "token_revoked_at_offset")
    op.drop_column("kiosks", "token_revoked_at")
    op.drop_column("enrolment_codes", "revoked_at_offset")
    op.drop_column("enrolment_codes", "revoked_at")
