"""SANE specifics of ``SaneScanner``: 16.16 fixed-point option values, mapping backends' source
and mode names to ours, raw frames to images, and recovery when the SANE worker dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scanner_testkit import WAIT_S, Collector, needs_sane, write_sane_config

from config.settings import ColorMode, ScannerDriver, ScannerSection, ScanSource
from drivers.errors import DeviceProblem
from drivers.scanner.base import JobOutcome, ScanArea, ScanRequest
from drivers.scanner.sane_scanner import (
    SaneFrame,
    SaneOption,
    SaneScanner,
    SaneType,
    SaneUnit,
    frames_to_image,
    from_fixed,
    match_modes,
    match_sources,
    problem_for,
    to_fixed,
)

ROOT = Path(__file__).resolve().parents[2]


def test_fixed_point_round_trip() -> None:
    assert to_fixed(1.0) == 65536
    assert to_fixed(200.0) == 13107200  # the test backend's geometry maximum, as raw word
    assert to_fixed(25.4) == 1664614
    assert from_fixed(to_fixed(215.9)) == pytest.approx(215.9, abs=1 / 65536)
    assert to_fixed(-1.5) == -98304


def test_fixed_option_converts_values_and_constraints() -> None:
    geometry = SaneOption("br-x", SaneType.FIXED, SaneUnit.MM, 5, (0, to_fixed(200.0), to_fixed(1)))
    assert geometry.bounds() == (0.0, 200.0, 1.0)
    assert geometry.to_raw(80.0) == 5242880
    assert geometry.clamp(250.0) == 200.0
    assert geometry.clamp(79.6) == 80.0
    words = SaneOption(
        "resolution", SaneType.FIXED, SaneUnit.DPI, 5, [to_fixed(v) for v in (150, 300)]
    )
    assert words.numbers() == [150.0, 300.0]
    assert words.clamp(200) == 150.0
    integer = SaneOption("resolution", SaneType.INT, SaneUnit.DPI, 5, [75, 150, 300, 600])
    assert integer.to_raw(300) == 300
    assert integer.clamp(400) == 300.0
    inactive = SaneOption("x", SaneType.INT, SaneUnit.NONE, 5 | (1 << 5), None)
    assert not inactive.active and not inactive.settable


@pytest.mark.parametrize(
    ("offered", "expected"),
    [
        (
            ["Flatbed", "Automatic Document Feeder"],
            {ScanSource.FLATBED: "Flatbed", ScanSource.FEEDER: "Automatic Document Feeder"},
        ),
        (
            ["FlatBed", "ADF", "ADF Duplex"],
            {
                ScanSource.FLATBED: "FlatBed",
                ScanSource.FEEDER: "ADF",
                ScanSource.DUPLEX: "ADF Duplex",
            },
        ),
        (
            ["ADF Front", "ADF Back", "ADF Duplex"],
            {ScanSource.FEEDER: "ADF Front", ScanSource.DUPLEX: "ADF Duplex"},
        ),
        (["Flatbed", "ADF", "ADF Card"], {ScanSource.FLATBED: "Flatbed", ScanSource.FEEDER: "ADF"}),
        (
            ["Normal", "Document Feeder", "Duplex"],
            {
                ScanSource.FLATBED: "Normal",
                ScanSource.FEEDER: "Document Feeder",
                ScanSource.DUPLEX: "Duplex",
            },
        ),
    ],
)
def test_source_names_of_backends(offered: list[str], expected: dict[ScanSource, str]) -> None:
    assert match_sources(offered) == expected


def test_mode_names_avoid_dithering() -> None:
    brother = ["Black & White", "Gray[Error Diffusion]", "True Gray", "24bit Color"]
    assert match_modes(brother) == {ColorMode.GRAY: "True Gray", ColorMode.COLOR: "24bit Color"}
    assert match_modes(["Lineart", "Gray", "Color"]) == {
        ColorMode.GRAY: "Gray",
        ColorMode.COLOR: "Color",
    }
    assert match_modes(["Lineart", "Halftone"]) == {}


def test_statuses_map_to_problems() -> None:
    assert problem_for(6) is DeviceProblem.JAMMED
    assert problem_for(7) is DeviceProblem.NO_DOCUMENTS
    assert problem_for(8) is DeviceProblem.COVER_OPEN
    assert problem_for(3) is DeviceProblem.BUSY
    assert problem_for(9) is DeviceProblem.IO_ERROR
    assert problem_for(2) is DeviceProblem.CANCELLED
    assert problem_for(99) is DeviceProblem.IO_ERROR


def test_frames_to_image_depths_and_three_pass() -> None:
    gray8 = bytes(range(12))  # 3 lines of 4 pixels
    image = frames_to_image([(SaneFrame.GRAY, True, 4, 4, 3, 8, gray8)])
    assert image.shape == (3, 4) and int(image[2, 3]) == 11
    # 16 bit, host order, with padding bytes at the end of each line (ppl 2, bpl 6).
    words = np.array([[0x1234, 0xFF00, 0], [0x0100, 0x8000, 0]], dtype="=u2")
    image16 = frames_to_image([(SaneFrame.GRAY, True, 6, 2, 2, 16, words.tobytes())])
    assert image16.tolist() == [[0x12, 0xFF], [0x01, 0x80]]
    # Lineart: a set bit is black; 10 pixels in 2 bytes per line.
    image1 = frames_to_image([(SaneFrame.GRAY, True, 2, 10, 1, 1, bytes([0b10000000, 0b01000000]))])
    assert image1.tolist() == [[0, 255, 255, 255, 255, 255, 255, 255, 255, 0]]
    rgb = frames_to_image([(SaneFrame.RGB, True, 6, 2, 1, 8, bytes([1, 2, 3, 4, 5, 6]))])
    assert rgb.shape == (1, 2, 3) and rgb[0, 1].tolist() == [4, 5, 6]
    planes = [
        (SaneFrame.GREEN, False, 2, 2, 1, 8, bytes([20, 21])),
        (SaneFrame.RED, False, 2, 2, 1, 8, bytes([10, 11])),
        (SaneFrame.BLUE, True, 2, 2, 1, 8, bytes([30, 31])),
    ]
    assert frames_to_image(planes)[0].tolist() == [[10, 20, 30], [11, 21, 31]]
    # A hand scanner reports -1 lines: the bytes decide.
    assert frames_to_image([(SaneFrame.GRAY, True, 4, 4, -1, 8, gray8)]).shape == (3, 4)


def test_importing_the_driver_does_not_initialise_sane() -> None:
    code = (
        "import sys; import drivers.scanner, drivers.scanner.sane_scanner; "
        "from config.settings import ScannerSection, ScannerDriver; "
        "drivers.scanner.open_scanner(ScannerSection(driver=ScannerDriver.SANE)); "
        "print('pyinsane2' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def _scanner(config: Path, device: str = "test:0") -> SaneScanner:
    return SaneScanner(
        ScannerSection(driver=ScannerDriver.SANE, device=device), sane_config_dir=config
    )


def _scan(
    scanner: SaneScanner, request: ScanRequest
) -> tuple[JobOutcome, int, DeviceProblem | None]:
    collector = Collector()
    job = scanner.start_scan(request, collector.on_page, collector.on_done)
    result = job.wait(WAIT_S)
    assert result is not None
    return result.outcome, result.page_count, result.error.problem if result.error else None


SMALL_GRAY = ScanRequest(ScanSource.FLATBED, 75, ColorMode.GRAY, ScanArea(0, 0, 30, 30))


@needs_sane
def test_worker_killed_mid_session_recovers(tmp_path: Path) -> None:
    scanner = _scanner(write_sane_config(tmp_path))
    try:
        assert _scan(scanner, SMALL_GRAY)[0] is JobOutcome.COMPLETED
        pid = scanner.worker_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # a backend crashing, or the USB device dropping off
        outcome, _, problem = _scan(scanner, SMALL_GRAY)
        assert outcome is JobOutcome.FAILED and problem is DeviceProblem.IO_ERROR
        assert scanner.worker_pid is None
        assert _scan(scanner, SMALL_GRAY)[0] is JobOutcome.COMPLETED
        assert scanner.worker_pid not in {None, pid}
        assert scanner.restarts == 1
    finally:
        scanner.close()


@needs_sane
def test_many_open_close_cycles_in_one_process(tmp_path: Path) -> None:
    config = write_sane_config(tmp_path)
    pids = set()
    for _ in range(5):
        scanner = _scanner(config)
        assert _scan(scanner, SMALL_GRAY)[0] is JobOutcome.COMPLETED
        pids.add(scanner.worker_pid)
        scanner.close()
        assert scanner.worker_pid is None
    assert len(pids) == 5


@needs_sane
def test_three_pass_colour_is_assembled(tmp_path: Path) -> None:
    scanner = _scanner(write_sane_config(tmp_path, three_pass=True))
    try:
        request = ScanRequest(ScanSource.FLATBED, 75, ColorMode.COLOR, ScanArea(0, 0, 30, 30))
        collector = Collector()
        result = scanner.start_scan(request, collector.on_page).wait(WAIT_S)
        assert result is not None and result.outcome is JobOutcome.COMPLETED
        assert result.pages[0].image.shape == (88, 88, 3)
    finally:
        scanner.close()


@needs_sane
def test_first_device_when_none_named_and_missing_libusb_name(tmp_path: Path) -> None:
    config = write_sane_config(tmp_path)
    first = _scanner(config, device="")
    try:
        assert first.info().name == "test:0"
    finally:
        first.close()
    missing = _scanner(config, device="test:libusb:001:007")
    try:
        outcome, _, problem = _scan(missing, SMALL_GRAY)
        # A USB address that changed, but two devices of that backend: ambiguous, so missing.
        assert outcome is JobOutcome.FAILED and problem is DeviceProblem.UNPLUGGED
    finally:
        missing.close()
