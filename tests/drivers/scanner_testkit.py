"""Helpers shared by the scanner tests: a temporary SANE configuration that enables only the
``test`` backend, and a page collector that records which thread delivered each page.

Imported by the ``test_scanner_*`` modules (pytest puts this folder on ``sys.path``); it holds no
fixtures. Every ``SaneScanner`` runs SANE in a worker process of its own that reads
``SANE_CONFIG_DIR`` when it starts, so each test gets its own configuration without touching
this process's environment or initialising SANE here.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from drivers.scanner.base import ScannedPage, ScanResult

HAVE_SANE_TEST = any(Path("/usr/lib").glob("*/sane/libsane-test.so*"))
needs_sane = pytest.mark.skipif(
    not HAVE_SANE_TEST, reason="the SANE test backend (Debian libsane1) is not installed"
)
# The test backend's feeder holds this many sheets (sane-backends >= 1.0.28).
SANE_FEEDER_PAGES = 10
# Generous safety nets: jobs end in milliseconds; these only stop a hung test.
WAIT_S = 30.0


def write_sane_config(
    directory: Path, *, devices: int = 2, read_status: str = "Default", three_pass: bool = False
) -> Path:
    """A SANE_CONFIG_DIR with only the test backend; ``read_status`` is what sane_read returns
    (e.g. "SANE_STATUS_JAMMED")."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "dll.conf").write_text("test\n", encoding="utf-8")
    (directory / "test.conf").write_text(
        f"number_of_devices {devices}\n"
        f'read-status-code "{read_status}"\n'
        f"three-pass {'true' if three_pass else 'false'}\n",
        encoding="utf-8",
    )
    return directory


class Collector:
    """on_page / on_done callbacks that remember pages, threads and the result."""

    def __init__(self) -> None:
        self.pages: list[ScannedPage] = []
        self.threads: set[int] = set()
        self.result: ScanResult | None = None
        self.done = threading.Event()

    def on_page(self, page: ScannedPage) -> None:
        self.threads.add(threading.get_ident())
        self.pages.append(page)

    def on_done(self, result: ScanResult) -> None:
        self.threads.add(threading.get_ident())
        self.result = result
        self.done.set()
