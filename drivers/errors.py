"""Device errors the rest of the kiosk sees: what kind of device, what is wrong (``DeviceProblem``,
the key the screens translate through ``kiosk.faults`` and ``ui.messages``) and a technical
sentence for the technician.

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


# Bridge for the last consumer that still shows a driver's sentence (kiosk.faults.DeviceTrouble
# .message, read by the scan screen): the same words live in ui/i18n/kiosk_vi.ts under
# "reason.device.*" (a test keeps them equal). Drivers know no language; once the screens
# translate the problem, this table and ``citizen_message`` go.
_CITIZEN: dict[DeviceProblem, str] = {
    DeviceProblem.UNPLUGGED: "Thiết bị đang tạm ngừng. Xin bấm nút Gọi cán bộ để được hỗ trợ.",
    DeviceProblem.BUSY: "Thiết bị đang bận. Xin chờ trong giây lát rồi thử lại.",
    DeviceProblem.PAPER_OUT: "Máy in đã hết giấy. Xin bấm nút Gọi cán bộ để được hỗ trợ.",
    DeviceProblem.PAPER_NEAR_END: "Máy in sắp hết giấy.",
    DeviceProblem.COVER_OPEN: "Nắp máy đang mở. Xin đóng nắp lại rồi thử lại.",
    DeviceProblem.JAMMED: "Giấy bị kẹt trong máy quét. Xin gọi cán bộ để lấy giấy ra.",
    DeviceProblem.NO_DOCUMENTS: "Chưa có giấy trong khay. Xin đặt giấy tờ vào khay quét.",
    DeviceProblem.IO_ERROR: "Thiết bị gặp lỗi. Xin thử lại hoặc bấm nút Gọi cán bộ.",
    DeviceProblem.CANCELLED: "Đã dừng quét.",
    DeviceProblem.TIMEOUT: "Thiết bị không trả lời. Xin thử lại hoặc bấm nút Gọi cán bộ.",
    DeviceProblem.UNSUPPORTED: "Thiết bị không hỗ trợ thao tác này. Xin gọi cán bộ.",
}


class DeviceError(Exception):
    """A device could not do what was asked."""

    def __init__(self, kind: DeviceKind, problem: DeviceProblem, technical: str) -> None:
        self.kind = kind
        self.problem = problem
        self.technical = technical
        super().__init__(f"{kind.value}: {problem.value}: {technical}")

    @property
    def citizen_message(self) -> str:
        """Today's Vietnamese sentence for the citizen; to be deleted (see ``_CITIZEN``)."""
        return _CITIZEN[self.problem]

    @property
    def recoverable_by_citizen(self) -> bool:
        """True when the citizen can fix it (add paper to the tray, close a cover, wait)."""
        return self.problem in {
            DeviceProblem.NO_DOCUMENTS,
            DeviceProblem.COVER_OPEN,
            DeviceProblem.BUSY,
            DeviceProblem.CANCELLED,
        }
