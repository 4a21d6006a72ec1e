"""Indexes for the console's dossier list, and a window for the log-in throttle.

Revision ID: 0005
Revises: 0004

- The dossier list (``PostgresStore.dossier_page``) filters and pages in the database: the
  dossiers of an area's kiosks (``dossiers_by_kiosk``, with their status for a count by
  status), a status filter newest first (``dossiers_by_status``), and a search by official
  code or receipt number,
  equal or a prefix, ignoring case (``lower()`` of each, ``text_pattern_ops`` so that
  ``LIKE 'abc%'`` uses them whatever the database's collation).
- ``console_login_throttle.window_start``: when the current count of failures began. The
  per-address limit counts failures within a window (``gateway.console.web``), and rows whose
  count is old and whose lock has ended are purged by it (names typed once and never again).
"""

from __future__ import annotations

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_INDEXES = (
    ("dossiers_by_kiosk", "dossiers (kiosk_id, status)"),
    ("dossiers_by_status", "dossiers (status, seq)"),
    ("dossiers_by_code_lower", "dossiers (lower(dossier_code) text_pattern_ops)"),
    ("dossiers_by_receipt_lower", "dossiers (lower(receipt_number) text_pattern_ops)"),
)


def upgrade() -> None:
    for name, target in _INDEXES:
        op.execute(f"CREATE INDEX {name} ON {target}")
    op.execute("ALTER TABLE console_login_throttle ADD COLUMN window_start timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE console_login_throttle DROP COLUMN window_start")
    for name, _target in reversed(_INDEXES):
        op.execute(f"DROP INDEX {name}")
