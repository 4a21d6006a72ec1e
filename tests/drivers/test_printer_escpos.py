"""ESC/POS output: exact bytes against python-escpos's ``Dummy``, the raster decoded back to the
rendered page, status bytes, and vendor exceptions turned into ``DeviceError``s."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import errno
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import serial
import usb.core
from conftest_printer import (
    BIRTH_REGISTRATION,
    decode_gs_v_0,
    make_dossier,
    make_settings,
    render_slip,
)
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy

from config.settings import PrinterDriver, PrinterSection
from drivers.errors import DeviceError, DeviceKind, DeviceProblem
from drivers.printer.base import INK, PAPER, PrinterStatus, RenderedSlip
from drivers.printer.encode import (
    BAND_ROWS,
    Binarize,
    binarize,
    encode_raster,
    png_bytes,
    read_png,
)
from drivers.printer.escpos_printer import EscposPrinter, classify, status_from_bytes
from drivers.printer.profiles import load_profile
from dvc_common.catalog import load_catalog
from tests.drivers.test_errors import citizen_sentence

ROOT = Path(__file__).resolve().parents[2]
INIT = b"\x1b@"
FEED_AND_CUT = b"\x1bd\x06" + b"\x1dV\x00"  # ESC d 6 (past the cutter), GS V 0 (full cut)


@pytest.fixture(scope="module")
def slip(qapp: Any) -> RenderedSlip:
    return render_slip(
        make_dossier(), load_catalog().get(BIRTH_REGISTRATION), make_settings(copies=1)
    )


def test_a_tiny_page_gives_exactly_these_bytes() -> None:
    page = np.full((2, 16), PAPER, dtype=np.uint8)
    page[0, 0] = INK  # top-left dot
    page[1, 15] = INK  # bottom-right dot
    expected = INIT + b"\x1dv0\x00" + b"\x02\x00\x02\x00" + b"\x80\x00" + b"\x00\x01"
    assert encode_raster([page], load_profile("TM-T20II")) == expected + FEED_AND_CUT


def test_slip_job_starts_with_reset_and_raster_header(slip: RenderedSlip) -> None:
    header = b"\x1dv0\x00" + (576 // 8).to_bytes(2, "little") + BAND_ROWS.to_bytes(2, "little")
    assert slip.escpos.startswith(INIT + header)
    assert slip.escpos.endswith(FEED_AND_CUT)
    assert slip.escpos.count(b"\x1dV\x00") == 1


def test_raster_goes_in_bands_that_add_up_to_the_page(slip: RenderedSlip) -> None:
    job = decode_gs_v_0(slip.escpos)
    heights = [height for _, height in job.bands]
    assert all(width == 72 for width, _ in job.bands)
    assert all(height == BAND_ROWS for height in heights[:-1])
    assert 0 < heights[-1] <= BAND_ROWS
    assert sum(heights) == slip.image.shape[0]


def test_decoded_raster_is_the_rendered_page(slip: RenderedSlip) -> None:
    (printed,) = decode_gs_v_0(slip.escpos).pages
    assert printed.shape == slip.image.shape
    assert np.array_equal(printed, slip.image)


def test_dummy_printer_sends_the_same_bytes(slip: RenderedSlip) -> None:
    # What a real connection receives is what python-escpos's Dummy records.
    dummy = Dummy(profile="TM-T20II")
    dummy._raw(slip.escpos)
    assert dummy.output == slip.escpos


def test_binarize_thresholds_text_and_dithers_photos() -> None:
    ramp = np.tile(np.arange(256, dtype=np.uint8), (16, 1))
    crisp = binarize(ramp)
    assert (crisp[:, :128] == INK).all()
    assert (crisp[:, 128:] == PAPER).all()
    dithered = binarize(ramp, Binarize.DITHER)
    assert set(np.unique(dithered).tolist()) == {INK, PAPER}
    # Mid-grey becomes a mix of dots, not a solid edge.
    assert 0.3 < (dithered[:, 112:144] == INK).mean() < 0.7


def test_png_round_trip_keeps_every_dot(slip: RenderedSlip) -> None:
    assert np.array_equal(read_png(png_bytes(slip.image)), slip.image)


# --- status bytes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("online", "offline", "paper", "status"),
    [
        (0x12, None, 0x12, PrinterStatus.READY),
        (0x16, None, 0x12, PrinterStatus.READY),  # drawer pin high: not our business
        (0x12, None, 0x1E, PrinterStatus.PAPER_NEAR_END),
        (0x12, None, 0x72, PrinterStatus.PAPER_OUT),
        (0x1A, 0x16, 0x12, PrinterStatus.COVER_OPEN),
        (0x1A, 0x32, 0x72, PrinterStatus.PAPER_OUT),
        (0x1A, 0x52, 0x12, PrinterStatus.OFFLINE),  # an error state
        (0x1A, None, None, PrinterStatus.OFFLINE),
        (None, None, None, PrinterStatus.UNKNOWN),
    ],
)
def test_status_from_dle_eot_answers(
    online: int | None, offline: int | None, paper: int | None, status: PrinterStatus
) -> None:
    assert status_from_bytes(online, offline, paper) is status


# --- vendor exceptions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "problem"),
    [
        (DeviceNotFoundError("no printer"), DeviceProblem.UNPLUGGED),
        (usb.core.USBError("No such device", -4, errno.ENODEV), DeviceProblem.UNPLUGGED),
        (
            usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT),
            DeviceProblem.TIMEOUT,
        ),
        (usb.core.USBError("Pipe error", -9, errno.EPIPE), DeviceProblem.IO_ERROR),
        (usb.core.NoBackendError("No backend available"), DeviceProblem.UNSUPPORTED),
        (serial.SerialTimeoutException("Write timeout"), DeviceProblem.TIMEOUT),
        (serial.SerialException("device reports readiness to read"), DeviceProblem.IO_ERROR),
        (TimeoutError("timed out"), DeviceProblem.TIMEOUT),
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), DeviceProblem.UNPLUGGED),
        (BrokenPipeError(errno.EPIPE, "broken pipe"), DeviceProblem.UNPLUGGED),
        (OSError(errno.ENODEV, "No such device"), DeviceProblem.UNPLUGGED),
        (OSError(errno.ENOSPC, "No space left"), DeviceProblem.IO_ERROR),
        (
            RuntimeError("Printing with USB connection requires a usb library"),
            DeviceProblem.UNSUPPORTED,
        ),
    ],
)
def test_vendor_exceptions_become_device_problems(exc: Exception, problem: DeviceProblem) -> None:
    assert classify(exc) is problem


def test_a_missing_serial_printer_is_unplugged(slip: RenderedSlip, tmp_path: Path) -> None:
    section = PrinterSection(driver=PrinterDriver.SERIAL, serial_port=str(tmp_path / "ttyUSB9"))
    printer = EscposPrinter(section)
    assert printer.status() is PrinterStatus.OFFLINE
    with pytest.raises(DeviceError) as caught:
        printer.print_slip(slip, "job-serial")
    assert caught.value.kind is DeviceKind.PRINTER
    assert caught.value.problem is DeviceProblem.UNPLUGGED
    assert "ttyUSB9" in caught.value.technical
    assert citizen_sentence(caught.value).startswith("Thiết bị")


def test_a_missing_usb_printer_is_a_device_error(slip: RenderedSlip) -> None:
    # No printer with this vendor/product id is attached to the test machine (and there may be
    # no USB access at all): either way the kiosk sees a printer DeviceError, never pyusb's.
    printer = EscposPrinter(
        PrinterSection(driver=PrinterDriver.USB, usb_vendor_id=0xFFFE, usb_product_id=0xFFFE)
    )
    assert printer.status() is PrinterStatus.OFFLINE
    with pytest.raises(DeviceError) as caught:
        printer.print_slip(slip, "job-usb")
    assert caught.value.problem in {
        DeviceProblem.UNPLUGGED,
        DeviceProblem.UNSUPPORTED,
    }


def test_the_fake_driver_is_not_an_escpos_connection() -> None:
    with pytest.raises(ValueError, match="FakePrinter"):
        EscposPrinter(PrinterSection(driver=PrinterDriver.FAKE))


def test_pyside_void_calls_no_longer_kill_none() -> None:
    # PySide6 6.12 on Python 3.11 drops a reference to None on every void call; without the
    # guard this loop aborts the interpreter.
    code = (
        "from drivers.printer.slip import guard_none_refcount\n"
        "from PySide6.QtCore import QRect\n"
        "guard_none_refcount()\n"
        "r = QRect()\n"
        "for _ in range(200_000):\n"
        "    r.setWidth(1)\n"
        "print('alive')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "alive"
