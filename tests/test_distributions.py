"""The four distributions, built as wheels from this checkout: each carries only its own package,
the appliance declares no web server, and a virtual environment holding only the appliance (and
the shared leaf) cannot import the gateway or the simulators.

Wheels are built without build isolation (setuptools and wheel come with the dev extras), so the
test needs no network.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = {
    "kiosk-dvc": (ROOT, {"kiosk", "ui", "drivers", "offline_queue", "config"}),
    "dvc-common": (ROOT / "dvc_common", {"dvc_common"}),
    "dvc-gateway": (ROOT / "gateway", {"gateway"}),
    "dvc-simulators": (ROOT / "simulators", {"simulators"}),
}
SERVER = {"fastapi", "uvicorn", "starlette", "httptools", "uvloop"}


# Built from a copy: setuptools leaves build/ and *.egg-info folders in the source it builds.
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "artifacts", "tests",
    "benchmarks", ".*_cache", ".hypothesis",
)  # fmt: skip


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("wheels")
    copy = tmp_path_factory.mktemp("source") / "checkout"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    built: dict[str, Path] = {}
    for name, (source, _) in PROJECTS.items():
        before = set(out.glob("*.whl"))
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
             "--no-build-isolation", "--wheel-dir", str(out),
             str(copy / source.relative_to(ROOT))],
            check=True, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        (wheel,) = set(out.glob("*.whl")) - before
        built[name] = wheel
    return built


def _top_level_packages(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {
            name.split("/")[0]
            for name in archive.namelist()
            if "/" in name and ".dist-info/" not in name
        }


def _requires(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(archive.read(metadata).decode("utf-8"))
    return {
        requirement.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
        for requirement in message.get_all("Requires-Dist") or []
        if "extra ==" not in requirement
    }


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_each_wheel_carries_only_its_own_packages(wheels: dict[str, Path], name: str) -> None:
    assert _top_level_packages(wheels[name]) == PROJECTS[name][1]


def test_the_gateway_wheel_carries_its_migrations_and_pages(wheels: dict[str, Path]) -> None:
    """A province installs the wheel, not the checkout: ``db use`` and a replica's start
    apply the migrations from it."""
    with zipfile.ZipFile(wheels["dvc-gateway"]) as archive:
        names = set(archive.namelist())
    wanted = {
        "gateway/migrations/env.py",
        "gateway/migrations/script.py.mako",
        "gateway/migrations/versions/r0001_initial.py",
        "gateway/openapi.yaml",
        # and the console's pages, which a wheel without its package data would lack
        "gateway/console/templates/kiosks.html",
        "gateway/console/static/console.css",
    }
    assert wanted <= names


def test_the_appliance_requires_no_web_server(wheels: dict[str, Path]) -> None:
    appliance = _requires(wheels["kiosk-dvc"])
    assert "dvc-common" in appliance
    assert not appliance & SERVER
    assert not appliance & {"dvc-gateway", "dvc-simulators"}
    assert not _requires(wheels["dvc-common"]) & (SERVER | {"pyside6", "kiosk-dvc"})
    assert {"starlette", "uvicorn", "dvc-common"} <= _requires(wheels["dvc-gateway"])
    assert "kiosk-dvc" not in _requires(wheels["dvc-gateway"])


def test_an_appliance_environment_cannot_import_the_gateway_or_the_simulators(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    env = tmp_path / "appliance"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    # pip of this environment installs into the new one; no dependencies are fetched, the
    # question is only what the two wheels themselves put on the import path.
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", str(wheels["kiosk-dvc"]), str(wheels["dvc-common"])],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    probe = (
        "import importlib.util as u; "
        "print([m for m in ('kiosk', 'ui', 'drivers', 'offline_queue', 'config', 'dvc_common',"
        " 'gateway', 'simulators') if u.find_spec(m) is not None])"
    )
    found = subprocess.run(
        [str(python), "-c", probe],
        cwd=tmp_path,  # not the checkout, whose folders would be importable from here
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    assert found == "['kiosk', 'ui', 'drivers', 'offline_queue', 'config', 'dvc_common']"
