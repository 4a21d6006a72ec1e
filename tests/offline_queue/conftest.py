"""Fixtures for the outbox tests: a real store on real SQLite with a movable clock."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from offline_queue.store import PageInput, QueueStore
from simulators.gateway_process import SAMPLE_APPLICANT, sample_dossier_body

APPLICANT = SAMPLE_APPLICANT
make_body = sample_dossier_body


class Clock:
    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Env:
    root: Path
    clock: Clock
    store: QueueStore
    counter: int = 0

    def reopen(self) -> QueueStore:
        self.store.close()
        self.store = QueueStore(self.root / "queue", self.root / "master.key", now=self.clock)
        return self.store

    def pages(self, count: int = 2, size: int = 60_000) -> list[PageInput]:
        out = []
        for i in range(count):
            self.counter += 1
            path = self.root / "scans" / f"p{self.counter}.png"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(bytes([self.counter % 256]) * size + f"page {i}".encode())
            out.append(PageInput(path, "birth_certificate", f"birth_certificate-{i + 1}.png"))
        return out

    def enqueue(self, receipt: str | None = None, pages: int = 2, size: int = 60_000) -> str:
        client_uuid = str(uuid.uuid4())
        receipt = receipt or f"KIOSK01-261123-{self.counter + 1:04d}"
        self.store.enqueue(
            client_uuid=client_uuid,
            receipt_number=receipt,
            procedure_code="1.001193",
            body=make_body(client_uuid, receipt),
            pages=self.pages(pages, size),
        )
        return client_uuid


@pytest.fixture
def env(tmp_path: Path) -> Env:
    clock = Clock()
    store = QueueStore(tmp_path / "queue", tmp_path / "master.key", now=clock)
    return Env(tmp_path, clock, store)


@pytest.fixture
def make_env(tmp_path: Path) -> Callable[[], Env]:
    def make() -> Env:
        clock = Clock()
        return Env(
            tmp_path, clock, QueueStore(tmp_path / "queue", tmp_path / "master.key", now=clock)
        )

    return make


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 900 KiB tmpfs, to fill for disk-full faults (skipped where mounting is refused)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=900k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)
