"""The status lookup screen's view-model: the answer of ``kiosk.lookup.LookupDesk`` formatted
for QML, and the screen's intents. Opening and closing the lookup are the screen router's
moves (``kiosk.router``); the desk is opened and wiped when the router enters and leaves the
LOOKUP mode."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Property, QObject, Signal, Slot

from kiosk.gateway_services import StatusResult, status_label
from kiosk.lookup import LookupDesk, StatusLooked
from kiosk.router import Mode, ScreenRouter
from kiosk.slip import format_appointment


class LookupViewModel(QObject):
    changed = Signal()

    def __init__(self, desk: LookupDesk, router: ScreenRouter, tz: ZoneInfo) -> None:
        super().__init__()
        self._desk = desk
        self._router = router
        self._tz = tz

    # --- the router's moves -----------------------------------------------------------------------

    def on_entered(self, mode: Mode) -> None:
        if mode is Mode.LOOKUP:
            self._desk.open()
            self.changed.emit()

    def on_left(self, mode: Mode) -> None:
        if mode is Mode.LOOKUP:
            self._desk.close()
            self.changed.emit()

    # --- intents and answers ----------------------------------------------------------------------

    @Slot()
    def open(self) -> None:
        self._router.open_lookup()

    @Slot()
    def close(self) -> None:
        self._router.close_lookup()

    @Slot(str)
    def ask(self, code: str) -> None:
        self._router.touch()
        if self._desk.ask(code):
            self.changed.emit()

    @Slot(object)
    def on_status(self, looked: StatusLooked) -> None:
        if self._desk.answered(looked):
            self.changed.emit()

    # --- properties -------------------------------------------------------------------------------

    def _busy(self) -> bool:
        return self._desk.busy

    def _result(self) -> dict[str, Any]:
        result = self._desk.result
        return {} if result is None else self._view(result)

    def _view(self, result: StatusResult) -> dict[str, Any]:
        return {
            "kind": result.kind.value,
            "code": result.code or "",
            "status": result.status_label or "",
            "appointment": format_appointment(result.appointment_date)
            if result.appointment_date
            else "",
            "message": result.message or "",
            "history": [
                f"{step.at.astimezone(self._tz):%d/%m/%Y %H:%M}: "
                + status_label(step.status)
                + (f" ({step.note})" if step.note else "")
                for step in result.history
            ],
        }

    # mypy sees what Python code reads (the values); Qt sees the properties QML binds to.
    if TYPE_CHECKING:
        busy: bool
        result: dict[str, Any]
    else:
        busy = Property(bool, _busy, notify=changed)
        result = Property(dict, _result, notify=changed)
