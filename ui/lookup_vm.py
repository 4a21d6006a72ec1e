"""The status lookup screen's view-model: the answer of ``kiosk.lookup.LookupDesk`` formatted
for QML, and the screen's intents. Opening and closing the lookup are the screen router's
moves (``kiosk.router``); the desk is opened and wiped when the router enters and leaves the
LOOKUP mode. The answer's kind and the dossier's status are reasons, worded here in the
screens' language (``ui.translate``); a status word newer than this kiosk is shown as the gateway
sent it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Property, QObject, Signal, Slot

from dvc_common.protocol import ProcessingStatus
from kiosk.gateway_services import StatusKind, StatusResult
from kiosk.lookup import LookupDesk, StatusLooked
from kiosk.router import Mode, ScreenRouter
from ui.translate import appointment_words, translate


def status_text(status: ProcessingStatus | str) -> str:
    """The words for a dossier's status; a gateway's own newer word is shown as it came."""
    return translate(status) if isinstance(status, ProcessingStatus) else status


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
        official = result.code or ""
        asked = self._desk.asked or official
        return {
            "kind": result.kind.value,
            # One name for the code everywhere: the one on the citizen's slip comes first; the
            # office's own code, when it differs, is said on a line of its own.
            "code": asked,
            "officialCode": official if official and official != asked else "",
            "status": status_text(result.status) if result.status is not None else "",
            "appointment": appointment_words(result.appointment_date)
            if result.appointment_date
            else "",
            "message": "" if result.kind is StatusKind.FOUND else translate(result.kind),
            "history": [
                f"{step.at.astimezone(self._tz):%d/%m/%Y %H:%M}: "
                + status_text(step.status)
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
