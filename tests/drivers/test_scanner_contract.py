"""One contract for every ``DocumentScanner``: the fake, and the real ``SaneScanner`` on the SANE
``test`` backend (a virtual device in Debian's libsane1: flatbed and a 10-sheet feeder, and an
option that makes ``sane_read`` return any SANE status). Then the fake's fault injection.

Nothing sleeps: jobs are waited for with ``ScanJob.wait`` / events, whose timeouts are only
safety nets; the fake is paced by ``hold``/``release``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from scanner_testkit import SANE_FEEDER_PAGES, WAIT_S, Collector, needs_sane, write_sane_config

from config.settings import ColorMode, ScannerDriver, ScannerSection, ScanSource
from drivers.errors import DeviceError, DeviceKind, DeviceProblem
from drivers.scanner import open_scanner
from drivers.scanner.base import (
    DocumentScanner,
    JobOutcome,
    PageSide,
    ScanArea,
    ScanJob,
    ScannedPage,
    ScanRequest,
    ScanResult,
    expected_pixels,
)
from drivers.scanner.fake import FakeScanner
from tests.drivers.test_errors import citizen_sentence

SANE_STATUS = {
    DeviceProblem.JAMMED: "SANE_STATUS_JAMMED",
    DeviceProblem.NO_DOCUMENTS: "SANE_STATUS_NO_DOCS",
    DeviceProblem.COVER_OPEN: "SANE_STATUS_COVER_OPEN",
    DeviceProblem.BUSY: "SANE_STATUS_DEVICE_BUSY",
    DeviceProblem.IO_ERROR: "SANE_STATUS_IO_ERROR",
}
CITIZEN = {
    DeviceProblem.JAMMED: "Giấy bị kẹt trong máy quét. Xin gọi cán bộ để lấy giấy ra.",
    DeviceProblem.NO_DOCUMENTS: "Chưa có giấy trong khay. Xin đặt giấy tờ vào khay quét.",
    DeviceProblem.COVER_OPEN: "Nắp máy đang mở. Xin đóng nắp lại rồi thử lại.",
    DeviceProblem.BUSY: "Thiết bị đang bận. Xin chờ trong giây lát rồi thử lại.",
    DeviceProblem.IO_ERROR: "Thiết bị gặp lỗi. Xin thử lại hoặc bấm nút Gọi cán bộ.",
    DeviceProblem.UNPLUGGED: "Thiết bị đang tạm ngừng. Xin bấm nút Gọi cán bộ để được hỗ trợ.",
}


class Harness:
    """Makes scanners of one kind and puts their device into the states the contract needs."""

    kind: str
    feeder_pages: int
    device: str

    def scanner(self) -> DocumentScanner:
        raise NotImplementedError

    def failing(self, problem: DeviceProblem) -> DocumentScanner:
        """A scanner whose next job fails with ``problem`` on its first page."""
        raise NotImplementedError

    def unplug(self) -> None:
        raise NotImplementedError

    def replug(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class FakeHarness(Harness):
    kind = "fake"
    feeder_pages = 4
    device = "fake:0"

    def __init__(self) -> None:
        self.made: list[FakeScanner] = []
        self.unplugged = False

    def scanner(self) -> FakeScanner:
        scanner = FakeScanner(feeder=self.feeder_pages)
        if self.unplugged:
            scanner.unplug()
        self.made.append(scanner)
        return scanner

    def failing(self, problem: DeviceProblem) -> DocumentScanner:
        scanner = self.scanner()
        scanner.fail_next(problem)
        return scanner

    def unplug(self) -> None:
        self.unplugged = True
        for scanner in self.made:
            scanner.unplug()

    def replug(self) -> None:
        self.unplugged = False
        for scanner in self.made:
            scanner.replug()

    def close(self) -> None:
        for scanner in self.made:
            scanner.close()


class SaneHarness(Harness):
    """The test backend with two devices; we use ``test:1`` so that it can vanish (a config
    with one device) and come back (two again)."""

    kind = "sane"
    feeder_pages = SANE_FEEDER_PAGES
    device = "test:1"

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.config = write_sane_config(tmp / "sane")
        self.made: list[DocumentScanner] = []

    def _make(self, config: Path) -> DocumentScanner:
        section = ScannerSection(driver=ScannerDriver.SANE, device=self.device)
        scanner = open_scanner(section, sane_config_dir=config)
        self.made.append(scanner)
        return scanner

    def scanner(self) -> DocumentScanner:
        return self._make(self.config)

    def failing(self, problem: DeviceProblem) -> DocumentScanner:
        config = write_sane_config(self.tmp / problem.value, read_status=SANE_STATUS[problem])
        return self._make(config)

    def unplug(self) -> None:
        write_sane_config(self.config, devices=1)

    def replug(self) -> None:
        write_sane_config(self.config, devices=2)

    def close(self) -> None:
        for scanner in self.made:
            scanner.close()


@pytest.fixture(params=["fake", pytest.param("sane", marks=needs_sane)])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    made: Harness = FakeHarness() if request.param == "fake" else SaneHarness(tmp_path)
    yield made
    made.close()


def run(
    scanner: DocumentScanner, request: ScanRequest, collector: Collector | None = None
) -> tuple[ScanResult, Collector]:
    collector = collector or Collector()
    job = scanner.start_scan(request, collector.on_page, collector.on_done)
    result = job.wait(WAIT_S)
    assert result is not None, "scan did not finish"
    assert collector.done.wait(WAIT_S)
    return result, collector


def gray(source: ScanSource, dpi: int = 75, area: ScanArea | None = None) -> ScanRequest:
    return ScanRequest(source, dpi, ColorMode.GRAY, area)


SMALL = ScanArea(0.0, 0.0, 40.0, 50.0)


# --- the contract --------------------------------------------------------------------------------


def test_discovery_finds_the_device(harness: Harness) -> None:
    scanner = harness.scanner()
    names = [d.name for d in scanner.discover()]
    assert harness.device in names
    info = scanner.info()
    assert info.name == harness.device
    assert info.model


def test_capabilities_in_our_terms(harness: Harness) -> None:
    caps = harness.scanner().capabilities()
    assert {ScanSource.FLATBED, ScanSource.FEEDER} <= caps.sources
    assert caps.modes == {ColorMode.GRAY, ColorMode.COLOR}
    assert caps.min_dpi <= 75 and caps.max_dpi >= 600
    assert {100, 200, 300} <= set(caps.resolutions)
    assert caps.max_area is not None and caps.max_area.width_mm >= 100
    assert caps.problem_with(gray(ScanSource.FEEDER)) is None


def test_flatbed_gives_one_page(harness: Harness) -> None:
    result, collector = run(harness.scanner(), gray(ScanSource.FLATBED, area=SMALL))
    assert result.outcome is JobOutcome.COMPLETED
    assert result.error is None
    assert [p.index for p in result.pages] == [0]
    page = result.pages[0]
    assert page.side is PageSide.FRONT and page.source is ScanSource.FLATBED
    assert page.dpi == 75
    assert collector.pages == list(result.pages)


def test_feeder_scans_until_empty(harness: Harness) -> None:
    result, collector = run(harness.scanner(), gray(ScanSource.FEEDER, area=SMALL))
    assert result.outcome is JobOutcome.COMPLETED
    assert result.page_count == harness.feeder_pages
    assert [p.index for p in collector.pages] == list(range(harness.feeder_pages))
    assert all(p.source is ScanSource.FEEDER and p.side is PageSide.FRONT for p in result.pages)


def test_max_pages_stops_the_feeder(harness: Harness) -> None:
    request = ScanRequest(ScanSource.FEEDER, 75, ColorMode.GRAY, SMALL, max_pages=2)
    result, _ = run(harness.scanner(), request)
    assert result.outcome is JobOutcome.COMPLETED
    assert result.page_count == 2


@pytest.mark.parametrize("dpi", [100, 200])
def test_resolution_and_area_are_honoured(harness: Harness, dpi: int) -> None:
    area = ScanArea(10.0, 20.0, 50.0, 80.0)
    result, _ = run(harness.scanner(), gray(ScanSource.FLATBED, dpi, area))
    page = result.pages[0]
    assert page.dpi == dpi
    assert abs(page.width - expected_pixels(50.0, dpi)) <= 1
    assert abs(page.height - expected_pixels(80.0, dpi)) <= 1
    width_mm, height_mm = page.size_mm
    assert width_mm == pytest.approx(50.0, abs=0.6)
    assert height_mm == pytest.approx(80.0, abs=0.6)


@pytest.mark.parametrize("mode", list(ColorMode))
def test_gray_and_colour_shapes(harness: Harness, mode: ColorMode) -> None:
    result, _ = run(harness.scanner(), ScanRequest(ScanSource.FLATBED, 75, mode, SMALL))
    image = result.pages[0].image
    assert image.dtype == np.uint8
    if mode is ColorMode.GRAY:
        assert image.ndim == 2
    else:
        assert image.ndim == 3 and image.shape[2] == 3
    assert result.pages[0].mode is mode


def test_cancel_mid_feed_keeps_delivered_pages(harness: Harness) -> None:
    scanner = harness.scanner()
    collector = Collector()
    jobs: list[ScanJob] = []
    job_known = threading.Event()

    def on_page(page: ScannedPage) -> None:
        collector.on_page(page)
        if page.index == 1:  # the citizen taps "Dừng" while sheet 3 is being fed
            assert job_known.wait(WAIT_S)
            jobs[0].cancel()

    job = scanner.start_scan(gray(ScanSource.FEEDER, area=SMALL), on_page, collector.on_done)
    jobs.append(job)
    job_known.set()
    result = job.wait(WAIT_S)
    assert result is not None
    assert result.outcome is JobOutcome.CANCELLED
    assert result.error is None
    assert [p.index for p in result.pages] == [0, 1]
    assert collector.pages == list(result.pages)
    # The scanner is usable straight away.
    after, _ = run(scanner, gray(ScanSource.FLATBED, area=SMALL))
    assert after.outcome is JobOutcome.COMPLETED


@pytest.mark.parametrize("problem", list(SANE_STATUS))
def test_device_errors_become_device_errors(harness: Harness, problem: DeviceProblem) -> None:
    result, collector = run(harness.failing(problem), gray(ScanSource.FEEDER, area=SMALL))
    assert result.outcome is JobOutcome.FAILED
    assert result.pages == ()
    assert collector.pages == []
    error = result.error
    assert isinstance(error, DeviceError)
    assert error.kind is DeviceKind.SCANNER
    assert error.problem is problem
    assert citizen_sentence(error) == CITIZEN[problem]
    assert error.technical


def test_unplugged_then_replugged_recovers_without_restart(harness: Harness) -> None:
    harness.unplug()
    scanner = harness.scanner()
    failed, _ = run(scanner, gray(ScanSource.FLATBED, area=SMALL))
    assert failed.outcome is JobOutcome.FAILED
    assert failed.error is not None and failed.error.problem is DeviceProblem.UNPLUGGED
    assert citizen_sentence(failed.error) == CITIZEN[DeviceProblem.UNPLUGGED]
    with pytest.raises(DeviceError) as raised:
        scanner.info()
    assert raised.value.problem is DeviceProblem.UNPLUGGED
    harness.replug()
    result, _ = run(scanner, gray(ScanSource.FLATBED, area=SMALL))
    assert result.outcome is JobOutcome.COMPLETED
    assert scanner.info().name == harness.device


def test_pages_arrive_on_a_worker_thread(harness: Harness) -> None:
    result, collector = run(harness.scanner(), gray(ScanSource.FEEDER, area=SMALL))
    assert result.page_count > 1
    assert collector.threads
    assert threading.get_ident() not in collector.threads


def test_a_second_job_while_one_runs_is_busy(harness: Harness) -> None:
    scanner = harness.scanner()
    release = threading.Event()
    first_page = threading.Event()

    def on_page(page: ScannedPage) -> None:
        first_page.set()
        release.wait(WAIT_S)

    job = scanner.start_scan(gray(ScanSource.FLATBED, area=SMALL), on_page)
    assert first_page.wait(WAIT_S)
    with pytest.raises(DeviceError) as raised:
        scanner.start_scan(gray(ScanSource.FLATBED, area=SMALL), on_page)
    assert raised.value.problem is DeviceProblem.BUSY
    release.set()
    result = job.wait(WAIT_S)
    assert result is not None and result.outcome is JobOutcome.COMPLETED


def test_unsupported_request_is_refused(harness: Harness) -> None:
    result, _ = run(harness.scanner(), gray(ScanSource.DUPLEX, area=SMALL))
    if harness.kind == "fake":  # the fake offers duplex
        assert result.outcome is JobOutcome.COMPLETED
        return
    assert result.outcome is JobOutcome.FAILED
    assert result.error is not None and result.error.problem is DeviceProblem.UNSUPPORTED


def test_close_is_idempotent(harness: Harness) -> None:
    scanner = harness.scanner()
    run(scanner, gray(ScanSource.FLATBED, area=SMALL))
    scanner.close()
    scanner.close()
    result, _ = run(scanner, gray(ScanSource.FLATBED, area=SMALL))  # opens again
    assert result.outcome is JobOutcome.COMPLETED


# --- the fake's fault injection ------------------------------------------------------------------


def test_fake_jam_after_pages_keeps_them() -> None:
    scanner = FakeScanner(feeder=5)
    scanner.fail_next(DeviceProblem.JAMMED, after_pages=3)
    result, collector = run(scanner, gray(ScanSource.FEEDER))
    assert result.outcome is JobOutcome.FAILED
    assert result.error is not None and result.error.problem is DeviceProblem.JAMMED
    assert [p.index for p in result.pages] == [0, 1, 2]
    assert collector.pages == list(result.pages)
    # The fault was one-shot: the two sheets left go through on the next job.
    after, _ = run(scanner, gray(ScanSource.FEEDER))
    assert after.outcome is JobOutcome.COMPLETED and after.page_count == 2


def test_fake_empty_feeder_is_no_documents_then_refills() -> None:
    scanner = FakeScanner(feeder=0)
    result, _ = run(scanner, gray(ScanSource.FEEDER))
    assert result.error is not None and result.error.problem is DeviceProblem.NO_DOCUMENTS
    assert result.error.recoverable_by_citizen
    scanner.load(2)
    assert run(scanner, gray(ScanSource.FEEDER))[0].page_count == 2
    assert run(scanner, gray(ScanSource.FEEDER))[0].page_count == 2  # the stack again


def test_fake_unplugged_mid_scan_then_replugged() -> None:
    scanner = FakeScanner(feeder=4)
    scanner.unplug(after_pages=2)
    result, _ = run(scanner, gray(ScanSource.FEEDER))
    assert result.outcome is JobOutcome.FAILED
    assert result.error is not None and result.error.problem is DeviceProblem.UNPLUGGED
    assert result.page_count == 2
    assert scanner.discover() == []
    again, _ = run(scanner, gray(ScanSource.FEEDER))
    assert again.error is not None and again.error.problem is DeviceProblem.UNPLUGGED
    opens = scanner.opens
    scanner.replug()
    back, _ = run(scanner, gray(ScanSource.FEEDER))
    assert back.outcome is JobOutcome.COMPLETED and back.page_count == 2  # the sheets left
    assert scanner.opens == opens + 1  # reopened, as a driver does after a failure


def test_fake_cover_open_until_closed() -> None:
    scanner = FakeScanner()
    scanner.open_cover()
    result, _ = run(scanner, gray(ScanSource.FLATBED))
    assert result.error is not None and result.error.problem is DeviceProblem.COVER_OPEN
    scanner.close_cover()
    assert run(scanner, gray(ScanSource.FLATBED))[0].outcome is JobOutcome.COMPLETED


def test_fake_hold_release_cancels_exactly_between_pages() -> None:
    scanner = FakeScanner(feeder=5)
    scanner.hold()
    second = threading.Event()

    def on_page(page: ScannedPage) -> None:
        if page.index == 1:
            second.set()

    job = scanner.start_scan(gray(ScanSource.FEEDER), on_page)
    scanner.release(2)
    assert second.wait(WAIT_S)
    job.cancel()
    result = job.wait(WAIT_S)
    assert result is not None and result.outcome is JobOutcome.CANCELLED
    assert result.page_count == 2
    assert scanner.sheets_left == 3  # the rest stay in the tray


def test_fake_duplex_and_scripted_images() -> None:
    front = np.zeros((30, 20, 3), dtype=np.uint8)
    front[..., 0] = 200
    back = np.full((30, 20), 50, dtype=np.uint8)
    scanner = FakeScanner(feeder=[(front, back), front])
    result, _ = run(scanner, ScanRequest(ScanSource.DUPLEX, 150, ColorMode.GRAY))
    assert [(p.index, p.side) for p in result.pages] == [
        (0, PageSide.FRONT),
        (1, PageSide.BACK),
        (2, PageSide.FRONT),
        (3, PageSide.BACK),
    ]
    assert result.pages[0].image.shape == (30, 20)  # converted to gray as asked
    assert int(result.pages[0].image[0, 0]) == round(0.299 * 200)
    assert np.array_equal(result.pages[1].image, back)
    assert result.pages[3].image.shape == (expected_pixels(297, 150), expected_pixels(210, 150))


def test_fake_page_handler_errors_do_not_lose_pages(caplog: pytest.LogCaptureFixture) -> None:
    scanner = FakeScanner(feeder=3)

    def broken(page: ScannedPage) -> None:
        raise RuntimeError("UI bug")

    job = scanner.start_scan(gray(ScanSource.FEEDER), broken)
    result = job.wait(WAIT_S)
    assert result is not None and result.page_count == 3
    assert "scanned-page handler failed" in caplog.text


def test_fake_close_ends_a_held_job() -> None:
    scanner = FakeScanner(feeder=3)
    scanner.hold()
    job = scanner.start_scan(gray(ScanSource.FEEDER), lambda page: None)
    scanner.close()
    result = job.wait(WAIT_S)
    assert result is not None and result.outcome is JobOutcome.CANCELLED


def test_fake_busy_is_one_shot_and_citizen_recoverable() -> None:
    scanner = FakeScanner()
    scanner.fail_next(DeviceProblem.BUSY)
    result, _ = run(scanner, gray(ScanSource.FLATBED))
    assert result.error is not None and result.error.recoverable_by_citizen
    assert run(scanner, gray(ScanSource.FLATBED))[0].outcome is JobOutcome.COMPLETED


def test_factory_gives_the_fake_by_default() -> None:
    scanner = open_scanner(ScannerSection())
    assert isinstance(scanner, FakeScanner)


def test_request_from_settings() -> None:
    section = ScannerSection(source=ScanSource.DUPLEX, resolution_dpi=300, mode=ColorMode.COLOR)
    request = ScanRequest.from_settings(section)
    assert (request.source, request.resolution_dpi, request.mode) == (
        ScanSource.DUPLEX,
        300,
        ColorMode.COLOR,
    )
    with pytest.raises(ValueError, match="positive"):
        ScanArea(0, 0, 0, 10)
