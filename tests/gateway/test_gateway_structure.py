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
POSTGRES_MODULES = ["gateway.locks_postgres", "gateway.store_postgres"]


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _modules() -> dict[str, set[str]]:
    return {
        ".".join(("gateway", *path.relative_to(GATEWAY_DIR).with_suffix("").parts)): _imports(path)
        for path in sorted(GATEWAY_DIR.rglob("*.py"))
    }


def test_only_the_composition_root_picks_the_store_backend() -> None:
    for backend in (SQLITE_MODULE, *POSTGRES_MODULES):
        pickers = sorted(name for name, imports in _modules().items() if backend in imports)
        assert pickers == [ROOT_MODULE], backend


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
    assert [name for name in speakers if name not in migrations] == [
        "gateway.locks_postgres", "gateway.migrate", "gateway.store_postgres"]  # fmt: skip


def test_only_the_sqlite_backend_speaks_to_sqlite() -> None:
    speakers = sorted(name for name, imports in _modules().items() if "sqlite3" in imports)
    assert speakers == [SQLITE_MODULE]


def test_the_store_protocol_names_no_database() -> None:
    imports = _modules()["gateway.store"]
    assert not {name for name in imports if "sqlite" in name or "psycopg" in name}
