"""The touchscreen app keeps the device report the sync process's heartbeats read
(kiosk.device_watch, wired in ui.app): written once the app runs, rewritten at once when asked,
and gone once the watch stops (as the app closes)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from drivers.printer.fake import PrinterFault
from dvc_common.device_report import ReportState, read_report, report_path
from dvc_common.protocol import DeviceCondition, DeviceKind
from tests.ui.conftest import AppFactory


def test_the_app_reports_its_devices_and_withdraws_the_report_when_it_stops(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    app = make_app()
    path = report_path(app.settings.paths.scratch_dir)

    def printer_is(condition: DeviceCondition) -> bool:
        reading = read_report(path, app.clock.now())
        return (
            reading.state is ReportState.CURRENT
            and reading.devices.get(DeviceKind.PRINTER) is condition
        )

    qtbot.waitUntil(lambda: printer_is(DeviceCondition.OK), timeout=10_000)
    reading = read_report(path, app.clock.now())
    assert reading.devices[DeviceKind.SCANNER] is DeviceCondition.OK
    app.printer.inject(PrinterFault.PAPER_OUT)
    watch = app.kapp.device_watch
    assert watch is not None
    watch.poll_soon()
    qtbot.waitUntil(lambda: printer_is(DeviceCondition.PAPER_OUT), timeout=10_000)
    watch.stop()  # what KioskApp.close does for it (the fixture closes the app itself)
    assert not path.exists()
