"""End to end: the app's device watch writes its report, the sync engine the composition root
builds reads it for its heartbeats and counts its requests, and the reference gateway (a real
process on 127.0.0.1) stores the heartbeat; the fleet's reader (gateway.fleet.KioskReport, what
the console and /metrics show) then sees the printer out of paper and the link poor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.settings import GatewaySection, PathsSection, Settings
from drivers.printer.fake import FakePrinter, PrinterFault
from drivers.qr.fake import FakeQrReader
from drivers.scanner.fake import FAKE_NAME, FakeScanner
from dvc_common.clock import SystemClock
from dvc_common.device_report import report_path
from dvc_common.protocol import DeviceCondition, DeviceKind, LinkQuality
from gateway.app import open_store
from gateway.fleet import KioskReport
from kiosk.device_watch import DeviceWatch, scanner_present
from offline_queue.service import build_engine
from simulators.gateway_process import GatewayProcess
from tests.offline_queue.sync_support import FAULTS_OFF, Kiosk


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(tmp_path / "gateway")
    yield process
    process.stop()


def _stored(gateway: GatewayProcess) -> KioskReport:
    store = open_store(gateway.data_dir)
    try:
        (beat,) = [b for b in store.heartbeats() if b.kiosk_id == "KIOSK01"]
    finally:
        store.close()
    return KioskReport.of(beat)


def test_a_printer_out_of_paper_and_unanswered_requests_reach_the_fleet_view(
    gateway: GatewayProcess, tmp_path: Path
) -> None:
    settings = Settings(
        paths=PathsSection(data_dir=tmp_path / "data", scratch_dir=tmp_path / "scratch"),
        gateway=GatewaySection(url=gateway.url, token=SecretStr(gateway.token)),
    )
    kiosk = Kiosk(tmp_path / "data")  # the outbox these settings name
    kiosk.enqueue()

    # The app's side: the printer has run out of paper, the reader reads, the scanner is there.
    clock = SystemClock()
    printer = FakePrinter(tmp_path / "slips")
    printer.inject(PrinterFault.PAPER_OUT)
    qr = FakeQrReader(clock)
    qr.start(lambda read: None)
    scanner = FakeScanner()
    watch = DeviceWatch(
        report_path(settings.paths.scratch_dir), clock=clock, printer=printer.status,
        qr=qr.status, find_scanner=lambda: scanner_present(scanner, FAKE_NAME),
        scanning=lambda: False,
    )  # fmt: skip
    assert watch.poll()[DeviceKind.PRINTER] is DeviceCondition.PAPER_OUT

    # The sync process's side, as its composition root builds it.
    engine = build_engine(settings, kiosk.store, software_version="9.9.9")
    try:
        report = engine.run_once()  # the dossier: create, uploads, finalize, all answered
        assert report.stopped_by is None and len(report.submitted) == 1, report.failed
        assert engine.heartbeat()
        first = _stored(gateway)
        assert first.device_problems == {"printer": "paper_out"}
        assert first.link.requests is not None and first.link.requests >= 4
        assert first.link.failures == 0
        assert first.link.quality is LinkQuality.GOOD

        # The link goes bad: what comes back is no answer, only bytes without end (the transport
        # gives up at its size cap). Not a slow answer against a short read time-out: that would
        # also fail the answered requests above whenever the machine is busy.
        gateway.set_faults(**{**FAULTS_OFF, "garbage": "endless_body"})
        failed = 0
        answered = first.link.requests + 1  # and the first heartbeat
        while failed / (answered + failed) < 0.2:
            assert not engine.heartbeat()  # no answer: a failure of the link
            failed += 1
        gateway.set_faults(**FAULTS_OFF)
        assert engine.heartbeat()
    finally:
        engine.close()
        engine.transport.close()

    stored = _stored(gateway)
    assert stored.software_version == "9.9.9"
    assert stored.devices == {"printer": "paper_out", "qr_reader": "ok", "scanner": "ok"}
    assert stored.device_problems == {"printer": "paper_out"}
    assert stored.link.failures == failed
    assert stored.link.requests == first.link.requests + 1 + failed
    assert stored.link.signal_percent is None or 0 <= stored.link.signal_percent <= 100
    assert stored.link.quality is LinkQuality.POOR
    store = open_store(gateway.data_dir)
    try:
        body = store.heartbeat("KIOSK01")
    finally:
        store.close()
    assert body is not None and body["app_running"] is True
