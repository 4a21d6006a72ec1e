"""Device errors: the problem is the key, the technical sentence stays with the technician, the
driver words nothing for the citizen, and every problem has a short Vietnamese sentence in the
screens' translation file (reached through ``kiosk.faults.DeviceFault``)."""

from __future__ import annotations

import re

import pytest

from drivers.errors import DeviceError, DeviceKind, DeviceProblem
from kiosk.faults import DeviceTrouble
from tests.kiosk.vietnamese import vietnamese


def citizen_sentence(error: DeviceError) -> str:
    """What the Vietnamese screens show for ``error``."""
    return vietnamese(DeviceTrouble.from_error(error).fault)


@pytest.mark.parametrize("problem", list(DeviceProblem))
def test_every_problem_has_a_short_vietnamese_sentence(problem: DeviceProblem) -> None:
    error = DeviceError(DeviceKind.SCANNER, problem, "sane: status 9")
    assert not hasattr(error, "citizen_message")  # drivers know no language
    message = citizen_sentence(error)
    assert message.endswith(".")
    assert len(message) <= 80
    assert re.search("[À-ỹ]", message), message


def test_the_error_keeps_kind_problem_and_technical_detail_apart() -> None:
    error = DeviceError(DeviceKind.PRINTER, DeviceProblem.PAPER_OUT, "escpos: paper end sensor")
    assert error.kind is DeviceKind.PRINTER
    assert error.problem is DeviceProblem.PAPER_OUT
    assert str(error) == "printer: paper_out: escpos: paper end sensor"
    # The technician's words never reach the citizen.
    assert "escpos" not in citizen_sentence(error)


def test_only_what_a_citizen_can_fix_is_recoverable_by_the_citizen() -> None:
    recoverable = {
        problem
        for problem in DeviceProblem
        if DeviceError(DeviceKind.SCANNER, problem, "").recoverable_by_citizen
    }
    assert recoverable == {
        DeviceProblem.NO_DOCUMENTS,
        DeviceProblem.COVER_OPEN,
        DeviceProblem.BUSY,
        DeviceProblem.CANCELLED,
    }
