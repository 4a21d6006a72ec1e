"""Simulated devices: the slot through which demo tooling and tests supply a device the settings
select with ``driver = "simulated"``.

A simulated device is chosen exactly as a real one is, by the settings and through the same
factories (``make_qr_reader``, ``open_scanner``); only its construction comes from outside, so no
production module knows the simulators. On a kiosk where nothing was installed here, selecting a
simulated device is refused with a ``ConfigError`` naming the field.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from dvc_common.datafile import ConfigError, FieldProblem

if TYPE_CHECKING:
    from config.settings import QrSection, ScannerSection
    from drivers.qr.base import QrReader
    from drivers.scanner.base import DocumentScanner
    from dvc_common.clock import Clock

QrFactory = Callable[["QrSection", "Clock"], "QrReader"]
ScannerFactory = Callable[["ScannerSection"], "DocumentScanner"]

_lock = threading.Lock()
_qr: QrFactory | None = None
_scanner: ScannerFactory | None = None


def install(*, qr: QrFactory | None = None, scanner: ScannerFactory | None = None) -> None:
    """Make ``driver = "simulated"`` build devices with these factories (``None`` removes one)."""
    global _qr, _scanner
    with _lock:
        _qr, _scanner = qr, scanner


def _missing(field: str) -> ConfigError:
    return ConfigError(
        "settings", [FieldProblem(field, "'simulated' needs the demo tooling, not installed here")]
    )


def qr_reader(section: QrSection, clock: Clock) -> QrReader:
    with _lock:
        factory = _qr
    if factory is None:
        raise _missing("devices.qr.driver")
    return factory(section, clock)


def scanner(section: ScannerSection) -> DocumentScanner:
    with _lock:
        factory = _scanner
    if factory is None:
        raise _missing("devices.scanner.driver")
    return factory(section)
