"""The fault page the appliance shows for a configuration it cannot use (``ui.fault_screen``):
what it says to the citizen and to the technician, that it lays out in both orientations, and
that a change of the file asks for a restart (and nothing else does)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtQuick import QQuickWindow
from pytestqt.qtbot import QtBot

from simulators.layout_check import layout_problems
from tests.ui.conftest import ARTIFACTS
from ui.fault_screen import FaultScreen


def text_of(window: QQuickWindow, name: str) -> str:
    item = window.findChild(QObject, name)
    assert item is not None, name
    return str(item.property("text"))


def settle() -> None:
    QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def test_the_fault_page_says_what_to_do_and_restarts_once_the_file_changes(
    qapp: QGuiApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[paths]\nscratch_dir_typo = 1\n", encoding="utf-8")
    restarts: list[bool] = []
    screen = FaultScreen(
        "paths.scratch_dir_typo: Extra inputs are not permitted",
        config,
        restart=lambda: restarts.append(True),
        look_every_ms=20,
    )
    try:
        window = screen.window
        assert isinstance(window, QQuickWindow)
        assert text_of(window, "faultTitle") == "Kiosk đang tạm ngừng phục vụ"
        assert "quầy Bộ phận Một cửa" in text_of(window, "faultCitizen")
        technician = text_of(window, "faultTechnician")
        assert str(config) in technician and "scratch_dir_typo" in technician
        assert f"kiosk config check {config}" in technician and "%" not in technician
        for name, (width, height) in {"portrait": (1080, 1920), "landscape": (1920, 1080)}.items():
            window.resize(width, height)
            qtbot.waitUntil(lambda w=width: window.contentItem().width() == w)
            settle()
            assert layout_problems(window) == []
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            assert window.grabWindow().save(str(ARTIFACTS / f"fault-{name}.png"))
        # Looking at an unchanged file asks for nothing; a changed one asks for one restart.
        qtbot.wait(100)  # several looks at the unchanged file (the page's timer runs at 20 ms)
        assert restarts == []
        fixed = tmp_path / "kiosk.toml.new"
        fixed.write_text("[paths]\n", encoding="utf-8")
        fixed.replace(config)
        qtbot.waitUntil(lambda: restarts == [True])
    finally:
        screen.close()
