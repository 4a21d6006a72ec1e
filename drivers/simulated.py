"""Simulated devices: how demo tooling and tests supply a device the settings select with
``driver = "simulated"``.

A simulated device is chosen exactly as a real one is, by the settings and through the same
factories (``make_qr_reader``, ``open_scanner``); only its construction is handed in, by the
composition root of the process that wants one (the demo's), as a ``Simulated`` value. No
production module knows the simulators, and nothing is registered globally. Selecting a simulated
device where none was handed in is refused with a ``ConfigError`` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dvc_common.datafile import ConfigError, FieldProblem

if TYPE_CHECKING:
    from config.settings import QrSection, ScannerSection
    from drivers.network.base import WifiControl
    from drivers.qr.base import QrReader
    from drivers.scanner.base import DocumentScanner
    from dvc_common.clock import Clock

QrFactory = Callable[["QrSection", "Clock"], "QrReader"]
ScannerFactory = Callable[["ScannerSection"], "DocumentScanner"]


@dataclass(frozen=True)
class Simulated:
    """The constructors of the simulated devices a composition root offers (None: not offered)."""

    qr: QrFactory | None = None
    scanner: ScannerFactory | None = None
    # The Wi-Fi the technician's screen shows where the demo has no NetworkManager to drive.
    network: WifiControl | None = None


NONE = Simulated()


def _missing(field: str) -> ConfigError:
    return ConfigError(
        "settings", [FieldProblem(field, "'simulated' needs the demo tooling, not installed here")]
    )


def qr_reader(simulated: Simulated, section: QrSection, clock: Clock) -> QrReader:
    if simulated.qr is None:
        raise _missing("devices.qr.driver")
    return simulated.qr(section, clock)


def scanner(simulated: Simulated, section: ScannerSection) -> DocumentScanner:
    if simulated.scanner is None:
        raise _missing("devices.scanner.driver")
    return simulated.scanner(section)
