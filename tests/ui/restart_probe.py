"""``kiosk-app`` asked to start itself again once its window shows, as a technician's enrolment
does: the real ``main`` with the real re-exec, for the test that watches it as systemd would
(``test_app_supervision.py``). The file ``$KIOSK_RESTART_FLAG`` names makes it happen once."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer

import ui.app
from config.settings import Settings
from ui.__main__ import main

FLAG = Path(os.environ["KIOSK_RESTART_FLAG"])
_build_app = ui.app.build_app


def build_app_then_restart(settings: Settings, **kwargs: Any) -> ui.app.KioskApp:
    kapp = _build_app(settings, **kwargs)
    if not FLAG.exists():
        FLAG.write_text(str(os.getpid()), encoding="utf-8")
        restart = kwargs["restart"]
        # Two turns of the event loop: after READY=1, which main schedules once this returns.
        QTimer.singleShot(0, lambda: QTimer.singleShot(0, restart))
    return kapp


ui.app.build_app = build_app_then_restart
sys.exit(main())
