"""The architecture's rules, checked on the source (docs/architecture.md draws them).

Three deliverables and a leaf:

* the appliance: ``kiosk`` (domain, journey, use cases), ``ui``, ``drivers``, ``offline_queue``,
  ``config``;
* the gateway: ``gateway``;
* ``dvc_common``: what both ends need; it imports neither side;
* ``simulators``: demo tooling and test instruments; nothing of the three above imports it.

Every import counts, wherever it stands: at module level, inside a function, under
``TYPE_CHECKING``, and ``importlib.import_module("…")`` with a literal name. Relative imports are
resolved. Reachability is transitive: a core module that imports a driver module that imports
Qt inside a function reaches Qt.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("kiosk", "ui", "drivers", "offline_queue", "config", "gateway", "dvc_common", "simulators")
APPLIANCE = ("kiosk", "ui", "drivers", "offline_queue", "config")
CORE = ("kiosk", "offline_queue", "config", "dvc_common")
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6")
VENDOR = ("pyzbar", "escpos", "pyinsane2", "serial", "evdev", "cv2", "zxingcpp", "usb", "jeepney")
SERVER = ("fastapi", "starlette", "uvicorn", "h11", "httptools", "uvloop")
# The one module of ``ui`` that builds devices; every other ui module sees kiosk's ports.
UI_ROOT = "ui.app"
# The ``kiosk`` command is a process root of its own: ``kiosk slip render`` draws a slip with the
# printer driver's renderer, which uses Qt. The domain and the use cases never may.
CLI_ROOT = ("kiosk.__main__", "kiosk.cli", "kiosk.cli_slip")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules_of(package: str) -> dict[str, Path]:
    return {
        module_name(path): path
        for path in (ROOT / package).rglob("*.py")
        if not {"build", "__pycache__"} & set(path.relative_to(ROOT).parts)
    }


ALL_MODULES: dict[str, Path] = {
    name: path for package in OURS for name, path in modules_of(package).items()
}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module a relative ``from . import x`` names."""
    if node.level == 0:
        return node.module or ""
    path = ALL_MODULES[module]
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


@cache
def imports_of(module: str) -> frozenset[str]:
    """Every module ``module`` names in an import, anywhere in its source."""
    tree = ast.parse(ALL_MODULES[module].read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            names.add(base)
            # ``from drivers import simulated`` imports the module drivers.simulated.
            names.update(
                f"{base}.{alias.name}"
                for alias in node.names
                if f"{base}.{alias.name}" in ALL_MODULES
            )
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return frozenset(names)


def top(name: str) -> str:
    return name.split(".", maxsplit=1)[0]


def ours(name: str) -> str | None:
    """The module of ours that importing ``name`` runs (its longest known prefix)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in ALL_MODULES:
            return candidate
    return None


@cache
def reaches(module: str) -> frozenset[str]:
    """Every top-level package (ours or not) ``module`` reaches through imports, transitively;
    importing ``a.b.c`` runs ``a`` and ``a.b`` first, so their imports count too."""
    seen: set[str] = set()
    found: set[str] = set()
    stack = [module]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for name in imports_of(current):
            found.add(top(name))
            target = ours(name)
            if target is None:
                continue
            parts = target.split(".")
            stack.extend(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return frozenset(found)


def direct_offenders(
    packages: Iterable[str], banned: Iterable[str], *, allow: Iterable[str] = ()
) -> list[str]:
    banned, allowed = tuple(banned), set(allow)
    return sorted(
        f"{module} imports {name}"
        for package in packages
        for module in modules_of(package)
        if module not in allowed
        for name in imports_of(module)
        if top(name) in banned
    )


def reach_offenders(
    packages: Iterable[str], banned: Iterable[str], *, allow: Iterable[str] = ()
) -> list[str]:
    banned, allowed = tuple(banned), tuple(allow)
    return sorted(
        f"{module} reaches {sorted(reaches(module) & set(banned))}"
        for package in packages
        for module in modules_of(package)
        if module not in allowed
        if reaches(module) & set(banned)
    )


# --- the three deliverables ----------------------------------------------------------------------


def test_the_appliance_never_reaches_the_gateway_the_simulators_or_a_web_server() -> None:
    assert reach_offenders(APPLIANCE, ("gateway", "simulators", *SERVER)) == []


def test_the_gateway_reaches_no_appliance_package_and_no_simulator() -> None:
    assert reach_offenders(("gateway",), (*APPLIANCE, "simulators", *QT, *VENDOR)) == []


def test_the_shared_leaf_imports_nothing_of_ours() -> None:
    assert reach_offenders(("dvc_common",), tuple(p for p in OURS if p != "dvc_common")) == []


def test_nothing_imports_the_simulators_but_the_simulators() -> None:
    others = [p for p in OURS if p != "simulators"]
    assert direct_offenders(others, ("simulators",)) == []


def _distribution(pyproject: Path) -> dict[str, object]:
    project: dict[str, object] = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return project


def test_the_appliance_distribution_declares_no_server_dependency() -> None:
    project = _distribution(ROOT / "pyproject.toml")
    dependencies = [
        str(d).split(">")[0].split("=")[0].split(";")[0].strip().lower()
        for d in project["dependencies"]
    ]  # type: ignore[attr-defined]
    assert not set(dependencies) & set(SERVER)
    assert "dvc-common" in dependencies


def test_each_distribution_packages_only_its_own_code() -> None:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = root["tool"]["setuptools"]["packages"]["find"]["include"]
    assert sorted(p.rstrip("*") for p in include) == sorted(APPLIANCE)
    for package in ("gateway", "dvc_common", "simulators"):
        own = tomllib.loads((ROOT / package / "pyproject.toml").read_text(encoding="utf-8"))
        packages = own["tool"]["setuptools"]["packages"]
        # The package and its own subpackages (the gateway's migrations), nothing else.
        assert packages[0] == package
        assert all(p.startswith(f"{package}.") for p in packages[1:]), packages


def test_the_kiosk_command_is_the_appliance_and_the_server_has_its_own() -> None:
    root = _distribution(ROOT / "pyproject.toml")["scripts"]
    gateway = _distribution(ROOT / "gateway" / "pyproject.toml")["scripts"]
    assert root == {"kiosk": "kiosk.cli:main", "kiosk-app": "ui.__main__:main"}
    assert gateway == {"dvc-gateway": "gateway.cli:main"}


# --- inside the appliance ------------------------------------------------------------------------


def test_the_core_never_reaches_qt() -> None:
    assert reach_offenders(CORE, QT, allow=CLI_ROOT) == []


def test_config_depends_on_nothing_of_the_appliance() -> None:
    assert reach_offenders(("config",), ("kiosk", "ui", "drivers", "offline_queue")) == []


def test_drivers_depend_only_on_config_and_the_leaf() -> None:
    # The kiosk uses the drivers, never the other way round: a driver is handed plain values.
    assert direct_offenders(("drivers",), ("kiosk", "ui", "offline_queue")) == []


def test_the_outbox_knows_nothing_of_the_journey_the_screens_or_the_devices() -> None:
    assert direct_offenders(("offline_queue",), ("kiosk", "ui", "drivers")) == []


def test_nothing_imports_ui() -> None:
    assert direct_offenders(("kiosk", "config", "drivers", "offline_queue"), ("ui",)) == []


def test_ui_reaches_drivers_only_in_its_composition_root() -> None:
    assert direct_offenders(("ui",), ("drivers",), allow=(UI_ROOT,)) == []


def test_vendor_libraries_stay_in_drivers() -> None:
    assert direct_offenders(("kiosk", "config", "offline_queue", "ui", "dvc_common"), VENDOR) == []


def test_every_module_starts_with_a_docstring() -> None:
    missing = [
        module
        for module, path in ALL_MODULES.items()
        if path.stat().st_size > 0
        and ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


# --- the checker itself --------------------------------------------------------------------------


def test_the_checker_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    # The rules above are only as good as the import finder: show it what it must catch.
    ALL_MODULES["kiosk._probe"] = tmp_path / "probe.py"
    (tmp_path / "probe.py").write_text(
        "from __future__ import annotations\n"
        "import importlib\n"
        "def later() -> None:\n"
        "    from gateway.app import create_app\n"
        "    importlib.import_module('simulators.netem')\n"
        "    from .slip import qr_payload\n",
        encoding="utf-8",
    )
    try:
        found = imports_of("kiosk._probe")
        assert {"gateway.app", "simulators.netem", "kiosk.slip"} <= found
    finally:
        del ALL_MODULES["kiosk._probe"]
        imports_of.cache_clear()


@pytest.mark.parametrize(
    "root",
    ["kiosk.cli", "ui.app", "offline_queue.service", "gateway.cli", "simulators.screens_demo"],
)
def test_importing_a_composition_root_starts_no_thread(root: str) -> None:
    code = f"import threading, {root}; print(threading.active_count())"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "1"
