"""The document scanner: the citizen's papers, page by page, as numpy images.

``base`` holds the ``DocumentScanner`` Protocol, its values (``ScanRequest``, ``ScannedPage``,
``ScannerCapabilities``, ``ScanResult``) and the ``ScanJob`` runner that delivers pages from a
worker thread; ``sane_scanner`` drives real scanners through SANE (pyinsane2, in a worker process
of its own, ``sane_worker``); ``fake`` is the scripted scanner with fault injection for the demo
and the tests. ``open_scanner`` is the one factory the composition root calls: it imports the
chosen implementation lazily and opens nothing (the device opens on first use; importing
pyinsane2 would load libsane, so only the SANE worker process ever does).
"""

from __future__ import annotations

from pathlib import Path

from config.settings import ScannerDriver, ScannerSection
from drivers import simulated as simulation
from drivers.scanner.base import (
    DocumentScanner,
    JobOutcome,
    PageSide,
    ScanArea,
    ScanJob,
    ScannedPage,
    ScannerCapabilities,
    ScannerInfo,
    ScanRequest,
    ScanResult,
)
from drivers.simulated import Simulated

__all__ = [
    "DocumentScanner",
    "JobOutcome",
    "PageSide",
    "ScanArea",
    "ScanJob",
    "ScanRequest",
    "ScanResult",
    "ScannedPage",
    "ScannerCapabilities",
    "ScannerInfo",
    "open_scanner",
]


def open_scanner(
    section: ScannerSection,
    *,
    sane_config_dir: Path | None = None,
    simulated: Simulated = simulation.NONE,
) -> DocumentScanner:
    """The scanner the settings describe: the fake, or a SANE device (``section.device``, or
    the first one found). ``sane_config_dir`` overrides ``SANE_CONFIG_DIR`` for its worker."""
    if section.driver is ScannerDriver.FAKE:
        from drivers.scanner.fake import FakeScanner

        return FakeScanner()
    if section.driver is ScannerDriver.SIMULATED:
        return simulation.scanner(simulated, section)
    from drivers.scanner.sane_scanner import SaneScanner

    return SaneScanner(section, sane_config_dir=sane_config_dir)
