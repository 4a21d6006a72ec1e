"""The gateway's seams, read from its source: one module picks the database backend, and only
the backend's module speaks to the database driver, so another backend is one more module and
one line in the composition root."""

from __future__ import annotations

import ast
from pathlib import Path

import gateway

GATEWAY_DIR = Path(gateway.__file__).parent
ROOT_MODULE = "gateway.app"
SQLITE_MODULE = "gateway.store_sqlite"
POSTGRES_MODULES = [
    "gateway.locks_postgres",
    "gateway.publications_postgres",
    "gateway.store_postgres",
]
PG_POOL = "gateway.pg_pool"  # the pool the PostgreSQL stores share
PUBLICATIONS_SQLITE = "gateway.publications_sqlite"
CONSOLE_SQLITE = "gateway.console.store_sqlite"
SQLITE_FILE = "gateway.sqlite_file"  # the connection the console's and publications' stores keep
CONSOLE_POSTGRES = "gateway.console.store_postgres"


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _name(path: Path) -> str:
    parts = path.relative_to(GATEWAY_DIR).with_suffix("").parts
    return ".".join(("gateway", *(parts[:-1] if parts[-1] == "__init__" else parts)))


def _modules() -> dict[str, set[str]]:
    return {_name(path): _imports(path) for path in sorted(GATEWAY_DIR.rglob("*.py"))}


def _importers(module: str) -> list[str]:
    return sorted(name for name, imports in _modules().items() if module in imports)


def test_only_the_composition_root_picks_the_store_backend() -> None:
    for backend in POSTGRES_MODULES:
        assert _importers(backend) == [ROOT_MODULE], backend
    assert _importers(PG_POOL) == sorted(
        [CONSOLE_POSTGRES, "gateway.publications_postgres", "gateway.store_postgres"]
    )
    assert _importers(PUBLICATIONS_SQLITE) == [ROOT_MODULE]
    # The console's and the publications' SQLite backends live in the gateway's SQLite file and
    # take its name there.
    assert _importers(SQLITE_MODULE) == sorted([ROOT_MODULE, SQLITE_FILE])
    assert _importers(SQLITE_FILE) == sorted([CONSOLE_SQLITE, PUBLICATIONS_SQLITE])


def test_only_the_console_package_picks_the_console_store_backend() -> None:
    for backend in (CONSOLE_SQLITE, CONSOLE_POSTGRES):
        assert _importers(backend) == ["gateway.console"], backend


def test_only_the_postgresql_backend_and_its_migrations_speak_to_postgresql() -> None:
    speakers = sorted(
        name
        for name, imports in _modules().items()
        if any(
            i.split(".")[0] in ("psycopg", "psycopg_pool", "sqlalchemy", "alembic") for i in imports
        )
    )
    migrations = [name for name in speakers if name.startswith("gateway.migrations.")]
    assert migrations, "the migrations speak to the database through Alembic"
    backends = sorted([CONSOLE_POSTGRES, "gateway.migrate", PG_POOL, *POSTGRES_MODULES])
    assert [name for name in speakers if name not in migrations] == backends


def test_only_the_sqlite_backend_speaks_to_sqlite() -> None:
    speakers = sorted(name for name, imports in _modules().items() if "sqlite3" in imports)
    assert speakers == sorted([CONSOLE_SQLITE, PUBLICATIONS_SQLITE, SQLITE_FILE, SQLITE_MODULE])


def test_the_store_protocol_names_no_database() -> None:
    imports = _modules()["gateway.store"]
    assert not {name for name in imports if "sqlite" in name or "psycopg" in name}
