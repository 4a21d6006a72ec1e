"""Every change to a kiosk notified on a channel, for the replicas' token caches.

Revision ID: 0006
Revises: 0005

A replica keeps the kiosk tokens it has looked up (``gateway.token_cache``) only while it hears
of every change to ``kiosks``: this trigger notifies ``dvc_kiosk_changed`` with the kiosk's id
after every insert, update or delete, whoever makes it (a replica, ``dvc-gateway`` on the command
line, an administrator in ``psql``). The notification is sent when the change commits.
"""

from __future__ import annotations

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

CHANNEL = "dvc_kiosk_changed"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION dvc_kiosk_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                PERFORM pg_notify('{CHANNEL}', OLD.kiosk_id);
            ELSE
                PERFORM pg_notify('{CHANNEL}', NEW.kiosk_id);
                IF TG_OP = 'UPDATE' AND OLD.kiosk_id IS DISTINCT FROM NEW.kiosk_id THEN
                    PERFORM pg_notify('{CHANNEL}', OLD.kiosk_id);
                END IF;
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER kiosks_changed AFTER INSERT OR UPDATE OR DELETE ON kiosks "
        "FOR EACH ROW EXECUTE FUNCTION dvc_kiosk_changed()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER kiosks_changed ON kiosks")
    op.execute("DROP FUNCTION dvc_kiosk_changed()")
