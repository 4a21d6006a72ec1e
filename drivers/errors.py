"""Device errors the rest of the kiosk sees: what kind of device, what is wrong (``DeviceProblem``,
the key the screens translate through ``kiosk.faults`` and ``ui.messages``) and a technical
sentence for the technician. Drivers know no language: no sentence for a citizen is worded here.

Vendor exceptions never cross this boundary; a driver catches them and raises one of these.
"""

from __future__ import annotations

from enum import StrEnum


class DeviceKind(StrEnum):
    QR_READER = "qr_reader"
    SCANNER = "scanner"
    PRINTER = "printer"


class DeviceProblem(StrEnum):
    """What is wrong, as a stable identifier for logs, heartbeats and tests."""

    UNPLUGGED = "unplugged"
    BUSY = "busy"
    PAPER_OUT = "paper_out"
    PAPER_NEAR_END = "paper_near_end"
    COVER_OPEN = "cover_open"
    JAMMED = "jammed"
    NO_DOCUMENTS = "no_documents"
    IO_ERROR = "io_error"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    UNSUPPORTED = "unsupported"


class DeviceError(Exception):
    """A device could not do what was asked."""

    def __init__(self, kind: DeviceKind, problem: DeviceProblem, technical: str) -> None:
        self.kind = kind
        self.problem = problem
        self.technical = technical
        super().__init__(f"{kind.value}: {problem.value}: {technical}")

    @property
    def recoverable_by_citizen(self) -> bool:
        """True when the citizen can fix it (add paper to the tray, close a cover, wait)."""
        return self.problem in {
            DeviceProblem.NO_DOCUMENTS,
            DeviceProblem.COVER_OPEN,
            DeviceProblem.BUSY,
            DeviceProblem.CANCELLED,
        }
