"""A module of the tree as it was at an earlier git revision, imported beside today's, so a
benchmark can run the earlier code and the current one on the same input in one run."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_revision(rev: str, package: str, entry: str, folder: Path) -> types.ModuleType:
    """``package``'s module ``entry`` (``"drivers.scanner"``, ``"pipeline"``) as it was at git
    revision ``rev``, with the modules of ``package`` it imports taken from the same revision,
    all in a throw-away package under ``folder``. Imports from elsewhere (``config``,
    ``drivers.errors``) stay today's."""
    sibling = re.compile(rf"^from {re.escape(package)}\.(\w+) import", re.MULTILINE)
    copy = re.sub(r"\W", "_", f"{package}_{rev}")
    target = folder / copy
    target.mkdir(parents=True, exist_ok=True)
    (target / "__init__.py").write_text("")
    git = shutil.which("git") or "/usr/bin/git"
    todo, seen = [entry], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source = subprocess.run(
            [git, "show", f"{rev}:{package.replace('.', '/')}/{name}.py"],
            capture_output=True, text=True, check=True, cwd=ROOT,
        ).stdout  # fmt: skip
        todo.extend(sibling.findall(source))
        source = sibling.sub(lambda m: f"from {copy}.{m.group(1)} import", source)
        (target / f"{name}.py").write_text(source)
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.find_spec(f"{copy}.{entry}")
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {package}.{entry} of {rev}")
        module = importlib.util.module_from_spec(spec)
        # Dataclasses look their module up in sys.modules while the class is being built.
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    return module
