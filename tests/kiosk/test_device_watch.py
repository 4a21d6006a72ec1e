"""The app's device report (kiosk.device_watch): each driver's states mapped onto the heartbeat's
conditions, and the report the sync process reads, written by the watch with the fake drivers."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drivers.errors import DeviceError, DeviceProblem
from drivers.errors import DeviceKind as DriverKind
from drivers.printer.base import PrinterStatus
from drivers.printer.fake import FakePrinter, PrinterFault
from drivers.qr.base import QrSource, QrStatus, ReaderState
from drivers.qr.fake import FakeQrReader
from drivers.scanner.fake import FAKE_NAME, FakeScanner
from dvc_common.clock import FakeClock
from dvc_common.device_report import ReportState, read_report, report_path
from dvc_common.protocol import DeviceCondition, DeviceKind
from kiosk.device_watch import (
    PRINTER_CONDITIONS,
    DeviceWatch,
    printer_condition,
    qr_condition,
    scan_condition,
    scanner_present,
)
from kiosk.faults import DeviceFault, DeviceTrouble
from kiosk.scanning import ScanEnd

START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_every_printer_status_has_a_condition() -> None:
    assert set(PRINTER_CONDITIONS) == set(PrinterStatus)
    assert printer_condition(PrinterStatus.PAPER_NEAR_END) is DeviceCondition.PAPER_LOW
    assert printer_condition(PrinterStatus.PAPER_OUT) is DeviceCondition.PAPER_OUT
    assert printer_condition(PrinterStatus.COVER_OPEN) is DeviceCondition.COVER_OPEN
    assert printer_condition(PrinterStatus.OFFLINE) is DeviceCondition.ERROR
    assert printer_condition(PrinterStatus.READY) is DeviceCondition.OK


def _qr(state: ReaderState, problem: DeviceProblem | None = None) -> QrStatus:
    error = None if problem is None else DeviceError(DriverKind.QR_READER, problem, "test")
    return QrStatus(QrSource.FAKE, state, "fake", error)


def test_a_reconnecting_reader_is_missing_when_unplugged_and_an_error_otherwise() -> None:
    assert qr_condition(_qr(ReaderState.READY)) is DeviceCondition.OK
    assert qr_condition(_qr(ReaderState.RECONNECTING, DeviceProblem.UNPLUGGED)) is (
        DeviceCondition.MISSING
    )
    assert qr_condition(_qr(ReaderState.RECONNECTING, DeviceProblem.IO_ERROR)) is (
        DeviceCondition.ERROR
    )
    assert qr_condition(_qr(ReaderState.STARTING)) is DeviceCondition.UNKNOWN


def test_a_scan_speaks_of_the_scanner_only_when_the_scanner_is_at_fault() -> None:
    jam = DeviceTrouble(DeviceFault.JAMMED, "jam")
    assert scan_condition(ScanEnd.COMPLETED, None) is DeviceCondition.OK
    assert scan_condition(ScanEnd.FAILED, jam) is DeviceCondition.ERROR
    unplugged = DeviceTrouble(DeviceFault.UNPLUGGED, "gone")
    assert scan_condition(ScanEnd.FAILED, unplugged) is DeviceCondition.MISSING
    empty = DeviceTrouble(DeviceFault.NO_DOCUMENTS, "no paper in the feeder")
    assert scan_condition(ScanEnd.FAILED, empty) is None  # the citizen's doing
    assert scan_condition(ScanEnd.CANCELLED, None) is None


class Kit:
    def __init__(self, root: Path) -> None:
        self.clock = FakeClock(START)
        self.printer = FakePrinter(root / "slips")
        self.qr = FakeQrReader(self.clock)
        self.scanner = FakeScanner(name=FAKE_NAME)
        self.scanning = False
        self.path = report_path(root / "scratch")
        self.watch = DeviceWatch(
            self.path,
            clock=self.clock,
            printer=self.printer.status,
            qr=self.qr.status,
            find_scanner=lambda: scanner_present(self.scanner, FAKE_NAME),
            scanning=lambda: self.scanning,
        )

    def reported(self) -> dict[DeviceKind, DeviceCondition]:
        reading = read_report(self.path, self.clock.now())
        assert reading.state is ReportState.CURRENT
        return reading.devices


@pytest.fixture
def kit(tmp_path: Path) -> Kit:
    return Kit(tmp_path)


def test_the_report_follows_the_devices(kit: Kit) -> None:
    kit.qr.start(lambda read: None)
    kit.watch.poll()
    assert kit.reported() == {
        DeviceKind.PRINTER: DeviceCondition.OK,
        DeviceKind.SCANNER: DeviceCondition.OK,
        DeviceKind.QR_READER: DeviceCondition.OK,
    }
    kit.printer.inject(PrinterFault.PAPER_OUT)
    kit.qr.unplug()
    kit.watch.poll()
    found = kit.reported()
    assert found[DeviceKind.PRINTER] is DeviceCondition.PAPER_OUT
    assert found[DeviceKind.QR_READER] is DeviceCondition.MISSING
    kit.printer.inject(PrinterFault.PAPER_NEAR_END)
    kit.qr.replug()
    kit.watch.poll()
    assert kit.reported()[DeviceKind.PRINTER] is DeviceCondition.PAPER_LOW
    assert kit.reported()[DeviceKind.QR_READER] is DeviceCondition.OK
    data = json.loads(kit.path.read_text(encoding="utf-8"))
    assert data["pid"] == os.getpid() and data["written_at"] == START.isoformat()


def test_the_scanner_is_looked_for_until_found_and_then_judged_by_its_scans(kit: Kit) -> None:
    kit.scanner.unplug()
    kit.watch.poll()
    assert kit.reported()[DeviceKind.SCANNER] is DeviceCondition.MISSING
    kit.scanner.replug()
    kit.watch.poll()
    assert kit.reported()[DeviceKind.SCANNER] is DeviceCondition.OK
    # A jam is not something discovery can see: it stays an error until a scan completes.
    kit.watch.scan_ended(ScanEnd.FAILED, DeviceTrouble(DeviceFault.JAMMED, "jam"))
    kit.watch.poll()
    assert kit.reported()[DeviceKind.SCANNER] is DeviceCondition.ERROR
    kit.watch.scan_ended(ScanEnd.FAILED, DeviceTrouble(DeviceFault.NO_DOCUMENTS, "empty"))
    kit.watch.poll()
    assert kit.reported()[DeviceKind.SCANNER] is DeviceCondition.ERROR
    kit.watch.scan_ended(ScanEnd.COMPLETED, None)
    kit.watch.poll()
    assert kit.reported()[DeviceKind.SCANNER] is DeviceCondition.OK


def test_a_scanner_unplugged_is_not_looked_for_while_a_citizen_scans(kit: Kit) -> None:
    kit.scanning = True
    kit.watch.poll()
    assert kit.reported()[DeviceKind.SCANNER] is DeviceCondition.UNKNOWN


def test_a_device_whose_driver_fails_to_answer_is_an_error(kit: Kit) -> None:
    def broken() -> PrinterStatus:
        raise RuntimeError("driver bug")

    kit.watch = DeviceWatch(
        kit.path, clock=kit.clock, printer=broken, qr=kit.qr.status,
        find_scanner=lambda: DeviceCondition.OK, scanning=lambda: False,
    )  # fmt: skip
    assert kit.watch.poll()[DeviceKind.PRINTER] is DeviceCondition.ERROR


def test_the_thread_polls_at_once_when_asked_and_stop_removes_the_report(kit: Kit) -> None:
    first, second = threading.Event(), threading.Event()

    def printer() -> PrinterStatus:
        (second if first.is_set() else first).set()
        return PrinterStatus.READY

    watch = DeviceWatch(
        kit.path, clock=kit.clock, printer=printer, qr=kit.qr.status,
        find_scanner=lambda: DeviceCondition.OK, scanning=lambda: False,
        every_s=3600.0,  # only poll_soon can bring the second poll within the test
    )  # fmt: skip
    watch.start()
    try:
        assert first.wait(10)
        watch.poll_soon()
        assert second.wait(10)
    finally:
        watch.stop()
    assert not kit.path.exists()
