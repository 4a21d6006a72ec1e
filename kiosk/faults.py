"""Device trouble as the kiosk's use cases report it: a kiosk-level enum, so the screens never
need to know the driver packages.

Drivers raise ``drivers.errors.DeviceError``; the use cases (scanning, printing) catch it at
their boundary and hand on a ``DeviceTrouble``. The screens translate ``fault``
(``ui.messages``); the technical sentence is for the log and the technician only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from drivers.errors import DeviceError, DeviceProblem


class DeviceFault(StrEnum):
    """What went wrong with a device, in the kiosk's words (one per driver problem)."""

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
    RENDERING = "rendering"  # the slip could not be drawn: no device was involved


_FAULTS: dict[DeviceProblem, DeviceFault] = {
    DeviceProblem.UNPLUGGED: DeviceFault.UNPLUGGED,
    DeviceProblem.BUSY: DeviceFault.BUSY,
    DeviceProblem.PAPER_OUT: DeviceFault.PAPER_OUT,
    DeviceProblem.PAPER_NEAR_END: DeviceFault.PAPER_NEAR_END,
    DeviceProblem.COVER_OPEN: DeviceFault.COVER_OPEN,
    DeviceProblem.JAMMED: DeviceFault.JAMMED,
    DeviceProblem.NO_DOCUMENTS: DeviceFault.NO_DOCUMENTS,
    DeviceProblem.IO_ERROR: DeviceFault.IO_ERROR,
    DeviceProblem.CANCELLED: DeviceFault.CANCELLED,
    DeviceProblem.TIMEOUT: DeviceFault.TIMEOUT,
    DeviceProblem.UNSUPPORTED: DeviceFault.UNSUPPORTED,
}


@dataclass(frozen=True)
class DeviceTrouble:
    """A device could not do what the citizen asked."""

    fault: DeviceFault  # what the screens translate
    technical: str  # for the log and the technician, never shown to the citizen

    @classmethod
    def from_error(cls, error: DeviceError) -> DeviceTrouble:
        return cls(_FAULTS[error.problem], error.technical)
