"""Dependency rules of the architecture, checked on the source: ui → kiosk → (drivers,
offline_queue, config); nothing imports ui; kiosk and config never import Qt or vendor
device libraries; importing a package starts nothing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6")
VENDOR = ("pyzbar", "escpos", "pyinsane2", "serial", "evdev", "cv2", "zxingcpp")


def imports_of(package: str) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[path] = names
    return found


def offenders(package: str, banned: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, names in imports_of(package).items()
        for name in names
        if name.split(".")[0] in banned
    ]


@pytest.mark.parametrize("package", ["kiosk", "config"])
def test_core_never_imports_qt(package: str) -> None:
    assert offenders(package, QT) == []


def test_config_depends_on_nothing_of_ours() -> None:
    assert offenders("config", ("kiosk", "ui", "drivers", "offline_queue")) == []


def test_drivers_depend_only_on_config() -> None:
    # The kiosk uses the drivers, never the other way round: a driver is handed plain values.
    assert offenders("drivers", ("kiosk", "ui", "offline_queue", "gateway")) == []


def test_nothing_imports_ui() -> None:
    for package in ("kiosk", "config", "drivers", "offline_queue"):
        if (ROOT / package).exists():
            assert offenders(package, ("ui",)) == []


def test_vendor_libraries_stay_in_drivers() -> None:
    # The scripted demo draws a stand-in page with OpenCV; nothing else in kiosk may.
    found = [o for o in offenders("kiosk", VENDOR) if not o.startswith("kiosk/demo.py")]
    assert found == []
    assert offenders("config", VENDOR) == []


def test_every_module_starts_with_a_docstring() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for package in ("kiosk", "config", "drivers")
        for path in (ROOT / package).rglob("*.py")
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
        and path.stat().st_size > 0
    ]
    assert missing == []


def test_importing_starts_no_thread_and_opens_nothing() -> None:
    code = (
        "import threading, kiosk.app, kiosk.cli, kiosk.journey, config.catalog;"
        "print(threading.active_count())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "1"
