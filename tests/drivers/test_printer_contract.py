"""One contract for every ``ReceiptPrinter``: the fake, and real python-escpos connections that
can run here (``File`` to a temporary device file, ``Network`` to a local TCP printer that
answers DLE EOT). Each test makes the same assertions against every backend."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest_printer import (
    BIRTH_REGISTRATION,
    COVER_OPEN,
    OFFLINE,
    PAPER_END,
    PAPER_END_STOP,
    PAPER_NEAR_END,
    READY_BYTES,
    TcpPrinter,
    make_dossier,
    make_settings,
    render_slip,
)

from config.settings import PrinterDriver, PrinterSection
from drivers.errors import DeviceError, DeviceKind, DeviceProblem
from drivers.printer import escpos_printer, open_printer
from drivers.printer.base import PAPER, PrinterStatus, ReceiptPrinter, RenderedSlip
from drivers.printer.escpos_printer import EscposPrinter
from drivers.printer.fake import FakePrinter, PrinterFault
from dvc_common.catalog import load_catalog
from tests.drivers.test_errors import citizen_sentence


@pytest.fixture(scope="module")
def slip(qapp: Any) -> RenderedSlip:
    return render_slip(make_dossier(), load_catalog().get(BIRTH_REGISTRATION), make_settings())


@dataclass
class Backend:
    """A printer under test and how to look at, or spoil, the device behind it."""

    name: str
    printer: ReceiptPrinter
    healthy: PrinterStatus
    reports_status: bool
    extra: dict[str, Any] = field(default_factory=dict)

    def received(self) -> bytes:
        if isinstance(self.printer, FakePrinter):
            fake = self.printer
            return b"".join(fake.files(job)[1].read_bytes() for job in fake.printed)
        if self.name == "file":
            path: Path = self.extra["path"]
            return path.read_bytes() if path.exists() else b""
        server: TcpPrinter = self.extra["server"]
        # A status round trip: the server answers in stream order, so everything sent before
        # on this connection has been read once the answer is back; earlier connections are
        # waited for apart.
        self.printer.status()
        server.wait_earlier_connections_read()
        return server.printed

    def fault(self, fault: PrinterFault) -> None:
        if isinstance(self.printer, FakePrinter):
            self.printer.inject(fault)
            return
        server: TcpPrinter = self.extra["server"]
        server.status = (
            dict(READY_BYTES)
            | {
                PrinterFault.PAPER_OUT: {1: OFFLINE, 2: PAPER_END_STOP, 4: PAPER_END},
                PrinterFault.COVER_OPEN: {1: OFFLINE, 2: COVER_OPEN},
                PrinterFault.PAPER_NEAR_END: {4: PAPER_NEAR_END},
            }[fault]
        )

    def clear(self) -> None:
        if isinstance(self.printer, FakePrinter):
            self.printer.clear()
        else:
            self.extra["server"].status = dict(READY_BYTES)

    def unplug(self) -> None:
        if isinstance(self.printer, FakePrinter):
            self.printer.inject(PrinterFault.UNPLUGGED)
        elif self.name == "file":
            path: Path = self.extra["path"]
            path.unlink()
            path.parent.rmdir()
        else:
            self.extra["server"].stop()

    def replug(self) -> None:
        if isinstance(self.printer, FakePrinter):
            self.printer.clear()
        elif self.name == "file":
            path = self.extra["path"]
            path.parent.mkdir()
            path.touch()
        else:
            self.extra["server"].start()


@pytest.fixture(params=["fake", "file", "network"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "fake":
        section = PrinterSection(driver=PrinterDriver.FAKE, path=tmp_path / "slips")
        yield Backend("fake", open_printer(section), PrinterStatus.READY, True)
        return
    if request.param == "file":
        device = tmp_path / "usb" / "lp0"
        device.parent.mkdir()
        device.touch()
        section = PrinterSection(driver=PrinterDriver.FILE, path=device)
        printer = open_printer(section)
        yield Backend("file", printer, PrinterStatus.UNKNOWN, False, {"path": device})
        printer.close()
        return
    server = TcpPrinter()
    section = PrinterSection(driver=PrinterDriver.NETWORK, host="127.0.0.1", port=server.port)
    printer = open_printer(section)
    yield Backend("network", printer, PrinterStatus.READY, True, {"server": server})
    printer.close()
    server.stop()


def needs_status(backend: Backend) -> None:
    if not backend.reports_status:
        pytest.skip(f"a {backend.name} printer cannot report paper or cover state")


# --- the contract ----------------------------------------------------------------------------


def test_factory_picks_the_configured_kind(backend: Backend) -> None:
    expected = FakePrinter if backend.name == "fake" else EscposPrinter
    assert isinstance(backend.printer, expected)


def test_a_healthy_printer_reports_its_state(backend: Backend) -> None:
    assert backend.printer.status() is backend.healthy


def test_a_slip_is_sent_exactly_once(backend: Backend, slip: RenderedSlip) -> None:
    result = backend.printer.print_slip(slip, "job-1")
    assert result.job_id == "job-1"
    assert result.copies == 1
    assert result.bytes_sent == len(slip.escpos)
    assert not result.duplicate
    assert result.warning is None
    assert result.status is backend.healthy
    assert backend.received() == slip.escpos


def test_a_repeated_job_id_does_not_print_twice(backend: Backend, slip: RenderedSlip) -> None:
    first = backend.printer.print_slip(slip, "job-tap")
    again = backend.printer.print_slip(slip, "job-tap")
    assert again.duplicate
    assert again.bytes_sent == 0
    assert again.job_id == first.job_id
    assert backend.received() == slip.escpos


def test_different_jobs_print_in_order(backend: Backend, slip: RenderedSlip) -> None:
    backend.printer.print_slip(slip, "job-a")
    backend.printer.print_slip(slip, "job-b")
    assert backend.received() == slip.escpos * 2


def test_two_taps_at_once_print_once(backend: Backend, slip: RenderedSlip) -> None:
    start = threading.Barrier(2)
    results = []

    def tap() -> None:
        start.wait()
        results.append(backend.printer.print_slip(slip, "job-double"))

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r.duplicate for r in results) == [False, True]
    assert backend.received() == slip.escpos


def test_a_slip_wider_than_the_printer_is_refused(backend: Backend, slip: RenderedSlip) -> None:
    wide = RenderedSlip(
        code="X",
        pages=(np.full((8, 640), PAPER, dtype=np.uint8),),
        escpos=b"\x1b@",
        texts=(),
        qr_payload="X",
        barcode_payload="X",
    )
    with pytest.raises(DeviceError) as caught:
        backend.printer.print_slip(wide, "job-wide")
    assert caught.value.problem is DeviceProblem.UNSUPPORTED
    assert backend.received() == b""


def test_job_ids_must_be_safe_file_names(backend: Backend, slip: RenderedSlip) -> None:
    for bad in ("", "../etc/passwd", "a b", "x" * 200):
        with pytest.raises(ValueError, match="job id"):
            backend.printer.print_slip(slip, bad)


def test_unplugged_then_back_without_restarting(backend: Backend, slip: RenderedSlip) -> None:
    backend.printer.print_slip(slip, "job-before")
    backend.unplug()
    assert backend.printer.status() is PrinterStatus.OFFLINE
    with pytest.raises(DeviceError) as caught:
        backend.printer.print_slip(slip, "job-while-out")
    assert caught.value.kind is DeviceKind.PRINTER
    assert caught.value.problem is DeviceProblem.UNPLUGGED
    assert citizen_sentence(caught.value).startswith("Thiết bị đang tạm ngừng")
    backend.replug()
    assert backend.printer.status() is backend.healthy
    # The failed job was not remembered: the retry prints.
    result = backend.printer.print_slip(slip, "job-while-out")
    assert not result.duplicate
    assert backend.received().endswith(slip.escpos)


def test_close_then_print_again(backend: Backend, slip: RenderedSlip) -> None:
    backend.printer.print_slip(slip, "job-1")
    backend.printer.close()
    backend.printer.print_slip(slip, "job-2")
    assert backend.received().endswith(slip.escpos)


@pytest.mark.parametrize(
    ("fault", "status", "problem", "citizen"),
    [
        (
            PrinterFault.PAPER_OUT,
            PrinterStatus.PAPER_OUT,
            DeviceProblem.PAPER_OUT,
            "Máy in đã hết giấy. Xin bấm nút Gọi cán bộ để được hỗ trợ.",
        ),
        (
            PrinterFault.COVER_OPEN,
            PrinterStatus.COVER_OPEN,
            DeviceProblem.COVER_OPEN,
            "Nắp máy đang mở. Xin đóng nắp lại rồi thử lại.",
        ),
    ],
)
def test_a_printer_that_cannot_print_refuses_the_job(
    backend: Backend,
    slip: RenderedSlip,
    fault: PrinterFault,
    status: PrinterStatus,
    problem: DeviceProblem,
    citizen: str,
) -> None:
    needs_status(backend)
    backend.fault(fault)
    assert backend.printer.status() is status
    with pytest.raises(DeviceError) as caught:
        backend.printer.print_slip(slip, "job-refused")
    assert caught.value.problem is problem
    assert citizen_sentence(caught.value) == citizen
    assert backend.received() == b""
    backend.clear()
    assert not backend.printer.print_slip(slip, "job-refused").duplicate
    assert backend.received() == slip.escpos


def test_paper_near_end_prints_with_a_warning(backend: Backend, slip: RenderedSlip) -> None:
    needs_status(backend)
    backend.fault(PrinterFault.PAPER_NEAR_END)
    assert backend.printer.status() is PrinterStatus.PAPER_NEAR_END
    result = backend.printer.print_slip(slip, "job-low")
    assert result.status is PrinterStatus.PAPER_NEAR_END
    assert result.warning is DeviceProblem.PAPER_NEAR_END
    assert backend.received() == slip.escpos


# --- network specifics -----------------------------------------------------------------------


@pytest.fixture
def tcp() -> Iterator[TcpPrinter]:
    server = TcpPrinter()
    yield server
    server.stop()


def network_printer(server: TcpPrinter) -> EscposPrinter:
    return EscposPrinter(
        PrinterSection(driver=PrinterDriver.NETWORK, host="127.0.0.1", port=server.port)
    )


def test_a_printer_rebooted_between_jobs_is_reconnected(
    tcp: TcpPrinter, slip: RenderedSlip
) -> None:
    printer = network_printer(tcp)
    printer.print_slip(slip, "job-1")
    assert printer.status() is PrinterStatus.READY  # job 1 is in before the reboot
    tcp.drop_connections()
    printer.print_slip(slip, "job-2")
    printer.status()
    assert bytes(tcp.printed) == slip.escpos * 2
    assert tcp.connections == 2
    printer.close()


def test_a_printer_that_never_answers_status_still_prints(
    tcp: TcpPrinter, slip: RenderedSlip, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(escpos_printer, "STATUS_TIMEOUT_S", 0.05)
    tcp.answer_queries = False
    printer = network_printer(tcp)
    assert printer.status() is PrinterStatus.UNKNOWN
    result = printer.print_slip(slip, "job-mute")
    assert result.status is PrinterStatus.UNKNOWN
    tcp.answer_queries = True
    printer.status()
    assert bytes(tcp.printed) == slip.escpos
    printer.close()


def test_status_is_asked_before_every_job(tcp: TcpPrinter, slip: RenderedSlip) -> None:
    printer = network_printer(tcp)
    printer.print_slip(slip, "job-1")
    asked = tcp.queries
    assert asked >= 2  # DLE EOT 1 and 4
    printer.print_slip(slip, "job-1")  # a duplicate asks nothing
    printer.print_slip(slip, "job-2")
    assert tcp.queries == 2 * asked
    printer.close()
