"""Simulated devices are chosen by the settings through the real factories, and only where the
composition root handed their constructors in."""

from __future__ import annotations

import pytest

from config.settings import QrDriver, QrSection, ScannerDriver, ScannerSection
from drivers.qr import make_qr_reader
from drivers.qr.fake import FakeQrReader
from drivers.scanner import open_scanner
from drivers.scanner.fake import FakeScanner
from drivers.simulated import Simulated
from dvc_common.clock import SystemClock
from dvc_common.datafile import ConfigError


def test_a_simulated_device_needs_its_constructor_handed_in() -> None:
    with pytest.raises(ConfigError, match=r"devices\.qr\.driver"):
        make_qr_reader(QrSection(driver=QrDriver.SIMULATED), SystemClock())
    with pytest.raises(ConfigError, match=r"devices\.scanner\.driver"):
        open_scanner(ScannerSection(driver=ScannerDriver.SIMULATED))


def test_the_factories_build_the_simulated_devices_they_are_given() -> None:
    clock = SystemClock()
    reader, scanner = FakeQrReader(clock), FakeScanner()
    seen: list[object] = []

    def qr(section: QrSection, given: object) -> FakeQrReader:
        seen.append((section.driver, given))
        return reader

    simulated = Simulated(qr=qr, scanner=lambda _section: scanner)
    assert (
        make_qr_reader(QrSection(driver=QrDriver.SIMULATED), clock, simulated=simulated) is reader
    )
    assert seen == [(QrDriver.SIMULATED, clock)]
    assert (
        open_scanner(ScannerSection(driver=ScannerDriver.SIMULATED), simulated=simulated) is scanner
    )
    # A real driver in the settings is never replaced by what was handed in.
    assert make_qr_reader(QrSection(driver=QrDriver.FAKE), clock, simulated=simulated) is not reader
