"""What the appliance shows when its configuration cannot be used: a plain page, not a crash loop.

A kiosk whose ``/etc/kiosk/kiosk.toml`` does not validate cannot build its screens or open its
devices. Exiting would make systemd start it again every two seconds, forever, with cage
flashing on the screen. In full-screen mode (the appliance) ``kiosk-app`` shows this page
instead: the citizen reads that the kiosk is out of service and where to go; the technician
reads what is wrong with the file. The page keeps the service manager's watchdog fed and looks
at the file once a second: when it changes, the app starts again on it (the restart exit code,
which ``ui.__main__`` turns into a re-exec in the same service).

The texts are the app's own messages (``ui/i18n``), in the kiosk's default language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Property, QObject, QTimer, Signal
from PySide6.QtQml import QQmlApplicationEngine

from config.settings import Language
from dvc_common.datafile import FileWatch
from ui.i18n import LanguageSwitch

log = logging.getLogger(__name__)

FAULT_QML = Path(__file__).resolve().parent / "qml" / "FaultPage.qml"
LOOK_EVERY_MS = 1000


class FaultPage(QObject):
    """The page's data for QML, and the watch on the configuration file."""

    changed = Signal()

    def __init__(
        self,
        detail: str,
        config_path: Path | None,
        *,
        restart: Callable[[], None],
        look_every_ms: int = LOOK_EVERY_MS,
    ) -> None:
        super().__init__()
        self._detail = detail
        self._path = config_path
        self._restart = restart
        # No file named at all (built-in defaults failed to validate): nothing to watch.
        self._watch = FileWatch(config_path) if config_path is not None else None
        self._timer = QTimer(self)
        self._timer.setInterval(look_every_ms)
        self._timer.timeout.connect(self._look)
        self._timer.start()

    def _look(self) -> None:
        if self._watch is not None and self._watch.changed():
            log.info("configuration file changed: starting again on it")
            self._timer.stop()
            self._restart()

    def stop(self) -> None:
        self._timer.stop()

    def _get_detail(self) -> str:
        return self._detail

    def _get_path(self) -> str:
        return str(self._path) if self._path is not None else ""

    detail = Property(str, _get_detail, notify=changed)
    path = Property(str, _get_path, notify=changed)


class FaultScreen:
    """The page on screen: engine, window and watch, kept alive together."""

    def __init__(
        self,
        detail: str,
        config_path: Path | None,
        *,
        restart: Callable[[], None],
        show: bool = True,
        look_every_ms: int = LOOK_EVERY_MS,
    ) -> None:
        self.language = LanguageSwitch(Language.VI)
        self.page = FaultPage(detail, config_path, restart=restart, look_every_ms=look_every_ms)
        self.engine = QQmlApplicationEngine()
        self.engine.rootContext().setContextProperty("fault", self.page)
        self.engine.setInitialProperties({"visible": show})
        self.engine.load(FAULT_QML.as_uri())
        roots = self.engine.rootObjects()
        if not roots:
            raise RuntimeError(f"{FAULT_QML.name} did not load")
        self.window = roots[0]

    def show_full_screen(self) -> None:
        self.window.showFullScreen()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.page.stop()
        self.language.detach()
        self.engine.deleteLater()
