"""The printing use case without Qt: the slip drawn through the renderer port, printed on the
fake printer, kept for a reprint when printing fails (also when the driver itself breaks), and
asked for once per citizen."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from drivers.printer.base import RenderedSlip, SlipContent
from drivers.printer.fake import FakePrinter, PrinterFault
from drivers.printer.kept import KeptSlipStore
from drivers.printer.profiles import PrinterProfile
from dvc_common.catalog import Delivery, Procedure
from kiosk.dossier import Dossier
from kiosk.faults import DeviceFault
from kiosk.journey import EnterCode, PrintStatus, State
from kiosk.printing import PrintDesk, PrintDone, PrintReport, SlipPrinting
from kiosk.slip import DELIVERY_FIELD, delivery_text
from tests.kiosk.conftest import Harness
from tests.kiosk.test_journey import code, drive_to
from tests.kiosk.vietnamese import vietnamese


class StubRenderer:
    """A ``SlipRenderer`` that draws nothing: the use case's logic needs no Qt painter."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.drawn: list[tuple[SlipContent, str, int]] = []

    def __call__(
        self,
        content: SlipContent,
        profile: PrinterProfile,
        *,
        copies: int = 1,
        text_mode: bool = False,
    ) -> RenderedSlip:
        if self.fail is not None:
            raise self.fail
        self.drawn.append((content, profile.name, copies))
        page = np.zeros((16, 384), dtype=np.uint8)
        return RenderedSlip(
            code=content.code,
            pages=(page,) * copies,
            escpos=b"\x1b@slip\x1dV\x00" * copies,
            texts=(),
            qr_payload=content.qr_payload,
            barcode_payload=content.barcode_payload,
            text_mode=text_mode,
        )


class BrokenPrinter(FakePrinter):
    def print_slip(self, slip: RenderedSlip, job_id: str) -> object:  # type: ignore[override]
        raise RuntimeError("driver bug")


def done_dossier(h: Harness) -> tuple[Dossier, Procedure]:
    drive_to(h, State.DONE)
    snapshot = h.kiosk.journey.snapshot()
    assert snapshot.dossier is not None and snapshot.procedure is not None
    return snapshot.dossier, snapshot.procedure


def printing(
    h: Harness, printer: FakePrinter, render: StubRenderer
) -> tuple[SlipPrinting, KeptSlipStore]:
    kept = KeptSlipStore(h.root / "kept")
    return SlipPrinting(printer=printer, kept=kept, render=render, settings=h.kiosk.settings), kept


def test_the_slip_is_drawn_from_the_dossier_and_printed(harness: Harness, tmp_path: Path) -> None:
    dossier, procedure = done_dossier(harness)
    printer, render = FakePrinter(tmp_path / "slips"), StubRenderer()
    use_case, kept = printing(harness, printer, render)
    assert use_case.print_slip(dossier, procedure) == PrintReport(True)
    assert printer.printed == [dossier.receipt_number]
    [(content, _, copies)] = render.drawn
    assert content.code == dossier.display_code
    assert copies == harness.kiosk.settings.devices.printer.copies
    assert kept.pending() == []


def test_the_slip_names_only_the_way_the_citizen_chose(harness: Harness, tmp_path: Path) -> None:
    dossier, procedure = done_dossier(harness)
    assert len(procedure.result_delivery) > 1  # the journey asked, and the form kept the answer
    chosen = Delivery(dossier.form[DELIVERY_FIELD])
    render = StubRenderer()
    use_case, _ = printing(harness, FakePrinter(tmp_path / "slips"), render)
    assert use_case.print_slip(dossier, procedure).ok
    [(content, _, _)] = render.drawn
    assert content.delivery == delivery_text([chosen])
    assert "hoặc" not in content.delivery


@pytest.mark.parametrize(
    ("fault", "expected"),
    [(PrinterFault.PAPER_OUT, DeviceFault.PAPER_OUT), (PrinterFault.UNPLUGGED, None)],
)
def test_a_failed_print_keeps_the_slip_for_a_reprint(
    harness: Harness, tmp_path: Path, fault: PrinterFault, expected: DeviceFault | None
) -> None:
    dossier, procedure = done_dossier(harness)
    printer = FakePrinter(tmp_path / "slips")
    printer.inject(fault)
    use_case, kept = printing(harness, printer, StubRenderer())
    report = use_case.print_slip(dossier, procedure)
    assert not report.ok
    assert report.kept_job == dossier.receipt_number
    assert report.trouble is not None and vietnamese(report.trouble.fault)
    if expected is not None:
        assert report.trouble.fault is expected
    assert [slip.code for slip in kept.pending()] == [dossier.display_code]


def test_a_driver_bug_ends_like_a_device_failure(harness: Harness, tmp_path: Path) -> None:
    dossier, procedure = done_dossier(harness)
    use_case, kept = printing(harness, BrokenPrinter(tmp_path / "slips"), StubRenderer())
    report = use_case.print_slip(dossier, procedure)
    assert not report.ok
    assert report.trouble is not None and report.trouble.fault is DeviceFault.IO_ERROR
    assert report.detail == "RuntimeError"  # the type only: a message could quote the citizen
    assert len(kept.pending()) == 1


def test_a_slip_that_cannot_be_drawn_is_reported_and_nothing_printed(
    harness: Harness, tmp_path: Path
) -> None:
    dossier, procedure = done_dossier(harness)
    printer = FakePrinter(tmp_path / "slips")
    use_case, kept = printing(harness, printer, StubRenderer(fail=ValueError("Nguyễn")))
    report = use_case.print_slip(dossier, procedure)
    assert (
        report == PrintReport(False, "render: ValueError", trouble=report.trouble)
        and report.trouble is not None
    )
    assert report.trouble.fault is DeviceFault.RENDERING
    assert "Nguyễn" not in report.detail
    assert printer.printed == [] and kept.pending() == []


def test_the_desk_asks_once_per_citizen_and_answers_only_that_citizen(
    harness: Harness,
) -> None:
    asked: list[tuple[uuid.UUID, Dossier, Procedure]] = []
    desk = PrintDesk(harness.kiosk.journey, lambda *args: asked.append(args))
    harness.kiosk.journey.subscribe(desk.on_snapshot)
    journey = harness.kiosk.journey
    # Stop just before the print would be reported by the journey's own test walk.
    drive_to(harness, State.CONFIRM)
    journey.dispatch(EnterCode(code(harness)))
    assert journey.state is State.DONE
    assert len(asked) == 1
    journey.dispatch(EnterCode("0000"))  # more snapshots: still one print
    assert len(asked) == 1
    session_id = asked[0][0]
    desk.answered(PrintDone(uuid.uuid4(), PrintReport(True)))  # someone else's
    assert journey.snapshot().print_status is PrintStatus.PENDING
    desk.answered(PrintDone(session_id, PrintReport(False, "paper out")))
    assert journey.snapshot().print_status is PrintStatus.FAILED
