"""Alembic's environment for the gateway's schema: online only, on the connection that
``gateway.migrate.upgrade`` hands over (already holding the advisory lock that keeps two
starting gateways from migrating at once).

There is no ``alembic.ini`` and no offline (SQL script) mode: the schema is always applied to a
live database, by the store on start or by ``dvc-gateway db upgrade``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("the gateway's migrations run through gateway.migrate, online only")

# Each revision in a transaction of its own: PostgreSQL's DDL is transactional, so a revision
# that fails leaves the schema at the one before, and the revisions already applied stay.
context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
