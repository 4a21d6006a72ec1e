"""Per-session scratch space for scanned pages that are not yet submitted.

On the appliance the root is on tmpfs, so a power cut erases it. Each session gets its own
directory (mode 0700); abandoning a session deletes it, and start-up deletes whatever a crash
left behind, because an unfinished session is by definition abandoned.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path


class ScratchSpace:
    def __init__(self, root: Path) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        return self._root

    def new_session_dir(self) -> Path:
        self._root.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._root / f"session-{uuid.uuid4().hex}"
        path.mkdir(mode=0o700)
        return path

    def wipe(self, path: Path) -> None:
        """Delete one session's files; a path outside the root is refused."""
        if path.resolve().parent != self._root.resolve():
            raise ValueError(f"{path} is not a session directory under {self._root}")
        shutil.rmtree(path, ignore_errors=True)

    def wipe_all(self) -> int:
        """Delete every leftover session directory; returns how many there were."""
        if not self._root.exists():
            return 0
        leftovers = [p for p in self._root.iterdir() if p.name.startswith("session-")]
        for path in leftovers:
            shutil.rmtree(path, ignore_errors=True)
        return len(leftovers)
