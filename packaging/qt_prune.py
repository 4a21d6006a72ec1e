"""Keeps only the Qt the kiosk app loads, and derives the package's ``Depends:`` from ELF files.

The PySide6 wheels carry all of Qt (WebEngine, 3D, Designer, Charts…): about 650 MB, of which the
app uses a fraction. What is kept is *worked out*, not listed by hand, so a new QML import in a
screen is followed without touching this file:

- **QML modules**: those our screens import (``ui/qml``), then every module those name in their
  ``qmldir`` (``depends``/``import``) or import in their own ``.qml`` files, transitively; with
  each module's parents (``QtQuick.Controls`` for ``QtQuick.Controls.Basic``).
- **Python bindings**: the ``PySide6`` modules the app imports and those they load in turn.
- **Plugins**: the platforms a kiosk runs on (Wayland inside cage; offscreen for checks), the
  virtual keyboard's input context, image formats and speech-dispatcher. Not the multimedia
  (FFmpeg) backend: the keyboard's key sounds are off, and it alone weighs 25 MB.
- **Libraries**: every ``Qt/lib`` file reachable by ``DT_NEEDED`` from what is kept; the rest,
  and duplicate copies of a library under its other names (wheels cannot hold symlinks), go.

The package test then starts the app from the installed package inside a Debian root, which is
what shows the result loads.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

# The PySide6 Python modules the app imports (ui/, and what PySide6 loads with them).
PYTHON_MODULES = frozenset(
    {"QtCore", "QtGui", "QtNetwork", "QtOpenGL", "QtQml", "QtQuick", "QtTextToSpeech"}
)
# Plugin directories kept whole, and single plugins kept from directories otherwise dropped.
PLUGIN_DIRS = frozenset(
    {"wayland-shell-integration", "wayland-decoration-client", "texttospeech"}
)
PLUGIN_FILES = frozenset(
    {
        "platforms/libqwayland.so", "platforms/libqoffscreen.so", "platforms/libqminimal.so",
        "platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
        "wayland-graphics-integration-client/libshm-emulation-server.so",
        "wayland-graphics-integration-client/libdmabuf-server.so",
        "imageformats/libqjpeg.so", "imageformats/libqsvg.so", "imageformats/libqgif.so",
        "imageformats/libqico.so", "iconengines/libqsvgicon.so",
    }
)
# Developer tools and build inputs in the PySide6 tree.
PYSIDE_TOOLS = (
    "assistant", "designer", "linguist", "lrelease", "lupdate", "qmlformat", "qmllint", "qmlls",
    "qsb", "balsam", "balsamui", "svgtoqml", "include", "typesystems", "glue", "doc", "scripts",
    "QtAsyncio", "Qt/libexec", "Qt/resources", "Qt/metatypes", "Qt/modules",
)
# Qt's own messages in the app's two languages, for the modules kept (not Designer's, Linguist's…).
TRANSLATIONS_KEPT = re.compile(
    r"^(qt|qtbase|qtdeclarative|qtmultimedia|qtvirtualkeyboard)_(vi|en)\.qm$"
)
_IMPORT = re.compile(r"^\s*import\s+([A-Za-z][\w.]*)", re.MULTILINE)
_QMLDIR_LINK = re.compile(r"^(?:depends|import)\s+([A-Za-z][\w.]*)", re.MULTILINE)


def qml_imports(qml_root: Path) -> set[str]:
    """Module names imported by the ``.qml`` files under ``qml_root`` (quoted paths excluded)."""
    names: set[str] = set()
    for path in qml_root.rglob("*.qml"):
        names.update(_IMPORT.findall(path.read_text(encoding="utf-8")))
    return names


def _module_dir(qml: Path, module: str) -> Path:
    return qml.joinpath(*module.split("."))


def needed_qml_modules(qml: Path, roots: Iterable[str]) -> set[Path]:
    """Directories (with a ``qmldir``) of the modules reachable from ``roots``."""
    needed: set[Path] = set()
    pending = list(roots)
    while pending:
        module = pending.pop()
        parts = module.split(".")
        # A module's parents come along: QtQuick.Controls.Basic is found through QtQuick.Controls.
        for depth in range(1, len(parts) + 1):
            directory = _module_dir(qml, ".".join(parts[:depth]))
            if directory in needed or not (directory / "qmldir").exists():
                continue
            needed.add(directory)
            text = (directory / "qmldir").read_text(encoding="utf-8")
            pending.extend(_QMLDIR_LINK.findall(text))
            for own in directory.glob("*.qml"):
                pending.extend(_IMPORT.findall(own.read_text(encoding="utf-8")))
            if (directory / "impl" / "qmldir").exists():
                pending.append(".".join(parts[:depth]) + ".impl")
    return needed


def _owner(path: Path, qml: Path) -> Path | None:
    """The module directory a file under Qt/qml belongs to: the nearest one with a qmldir."""
    for parent in [path.parent, *path.parent.parents]:
        if (parent / "qmldir").exists():
            return parent
        if parent == qml:
            return None
    return None


def prune_qml(qml: Path, roots: Iterable[str]) -> None:
    needed = needed_qml_modules(qml, roots)
    # Owners first: deleting a module's qmldir would make its other files look like its
    # parent's.
    files = [path for path in qml.rglob("*") if not path.is_dir()]
    owners = {path: _owner(path, qml) for path in files}
    for path in files:
        owner = owners[path]
        if owner is None or owner not in needed or "designer" in path.relative_to(owner).parts:
            path.unlink()
    _remove_empty_dirs(qml)


def _remove_empty_dirs(root: Path) -> None:
    for path in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not any(path.iterdir()):
            path.rmdir()


def prune_plugins(plugins: Path) -> None:
    for path in [p for p in plugins.rglob("*") if not p.is_dir()]:
        relative = path.relative_to(plugins)
        if relative.parts[0] not in PLUGIN_DIRS and relative.as_posix() not in PLUGIN_FILES:
            path.unlink()
    _remove_empty_dirs(plugins)


def elf_files(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def dynamic_entries(files: Iterable[Path]) -> dict[Path, tuple[set[str], str | None]]:
    """``DT_NEEDED`` names and ``DT_SONAME`` of each ELF file (one readelf run per batch)."""
    files = list(files)
    entries: dict[Path, tuple[set[str], str | None]] = {}
    for start in range(0, len(files), 200):
        batch = files[start : start + 200]
        out = subprocess.run(
            ["readelf", "--dynamic", "--wide", *map(str, batch)],
            capture_output=True, text=True, check=False,
        ).stdout
        current: Path | None = None
        for line in out.splitlines():
            if line.startswith("File: "):
                current = Path(line[6:].strip())
                entries[current] = (set(), None)
            elif current is None and len(batch) == 1:
                current = batch[0]
                entries[current] = (set(), None)
            if current is None:
                continue
            found = re.search(r"\((NEEDED|SONAME)\)\s+[^\[]*\[([^\]]+)\]", line)
            if found:
                needed, _ = entries[current]
                if found.group(1) == "NEEDED":
                    needed.add(found.group(2))
                else:
                    entries[current] = (needed, found.group(2))
    return entries


def drop_unreachable(users: list[Path], libraries: dict[str, Path]) -> None:
    """Delete the ``libraries`` (by file name) that no ``users`` reach through ``DT_NEEDED``,
    directly or through other libraries."""
    entries = dynamic_entries([*users, *libraries.values()])
    keep: set[str] = set()
    pending = [name for user in users for name in entries.get(user, (set(), None))[0]]
    while pending:
        name = pending.pop()
        if name in keep or name not in libraries:
            continue
        keep.add(name)
        pending.extend(entries.get(libraries[name], (set(), None))[0])
    for name, path in libraries.items():
        if name not in keep:
            path.unlink()


def prune_libraries(pyside: Path) -> None:
    """Keep the Qt/lib files reachable from every other ELF file kept in the PySide6 tree."""
    lib = pyside / "Qt" / "lib"
    libraries = {path.name: path for path in lib.iterdir() if path.is_file()}
    drop_unreachable([p for p in elf_files(pyside) if p.parent != lib], libraries)


def remove(path: Path) -> None:
    """A file or a whole folder, gone; nothing when it is not there."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def prune(pyside: Path) -> None:
    """Reduce an installed PySide6 tree to what the kiosk app loads."""
    site = pyside.parent
    for name in PYSIDE_TOOLS:
        remove(pyside / name)
    for module in pyside.glob("Qt*.abi3.so"):
        if module.name.split(".")[0] not in PYTHON_MODULES:
            module.unlink()
    roots = qml_imports(site / "ui" / "qml")
    prune_qml(pyside / "Qt" / "qml", roots)
    prune_plugins(pyside / "Qt" / "plugins")
    translations = pyside / "Qt" / "translations"
    for translation in [p for p in translations.rglob("*") if not p.is_dir()]:
        if not TRANSLATIONS_KEPT.search(translation.name):
            translation.unlink()  # other languages, and WebEngine's locale packs
    _remove_empty_dirs(translations)
    prune_libraries(pyside)


def read_shlibs(path: Path) -> dict[str, str]:
    """``soname package`` lines (comments with ``#``) into a mapping."""
    mapping: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            soname, package = line.split()
            mapping[soname] = package
    return mapping


class MissingLibraryError(Exception):
    """An ELF file needs a system library that shlibs.txt does not map to a Debian package."""


def debian_depends(stage: Path, shlibs: Path, base: Iterable[str]) -> list[str]:
    """The packages providing every system library the shipped ELF files need, plus ``base``."""
    files = elf_files(stage)
    entries = dynamic_entries(files)
    provided = {path.name for path in files} | {
        soname for _, soname in entries.values() if soname
    }
    wanted = {name for needed, _ in entries.values() for name in needed} - provided
    mapping = read_shlibs(shlibs)
    unknown = sorted(wanted - mapping.keys())
    if unknown:
        users = {
            name: sorted(str(p.relative_to(stage)) for p, (n, _) in entries.items() if name in n)
            for name in unknown
        }
        detail = "; ".join(f"{name} (needed by {users[name][0]})" for name in unknown)
        raise MissingLibraryError(
            f"no Debian package known for: {detail}. Add each to packaging/shlibs.txt "
            "(dpkg -S <path of the library>)"
        )
    packages = {mapping[name] for name in wanted} | set(base)
    packages.discard("-")  # provided by an Essential package (libc6)
    return sorted(packages)
