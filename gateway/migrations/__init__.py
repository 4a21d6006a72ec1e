"""The gateway's PostgreSQL schema, versioned with Alembic.

``env.py`` is Alembic's environment, configured in code by ``gateway.migrate`` (no
``alembic.ini``); ``versions/`` holds the revisions, each written by hand and reviewed: the
schema is a contract with ``gateway.store_postgres``, not something generated from models.
To add a revision, let Alembic write its skeleton from ``script.py.mako``
(``alembic.command.revision(gateway.migrate.alembic_config(), "add …", rev_id="0002")``) and
fill in its DDL by hand.
"""

from __future__ import annotations

from pathlib import Path

SCRIPT_LOCATION = Path(__file__).resolve().parent
"""Where Alembic finds ``env.py`` and ``versions/`` (inside the installed package)."""
