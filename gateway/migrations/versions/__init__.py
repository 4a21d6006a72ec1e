"""The revisions of the gateway's PostgreSQL schema, oldest first by ``down_revision``
(Alembic loads each file here itself and skips this one)."""
