"""``kiosk-app``: the citizen touchscreen app.

    kiosk-app [--config FILE] [--orientation portrait|landscape] [--fullscreen]

Exit codes: 0 done (SIGTERM and SIGINT included: the session is wiped first), 2 a broken
configuration or data file, 3 the outbox cannot be opened. Under systemd it says READY=1,
feeds the watchdog and says STOPPING=1 (``ui.supervision``); when it starts itself again on a
rewritten configuration it says RELOADING=1 and the new image says READY=1.

With ``--fullscreen`` (the appliance) a broken configuration does not exit: the fault page
(``ui.fault_screen``) says on the screen that the kiosk is out of service and, for the
technician, what is wrong with which file, until the file changes; then it starts again on it.
Exiting would have systemd restart it every two seconds for ever.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from config.settings import load_effective, resolve_config_path
from dvc_common import sd_notify
from dvc_common.datafile import ConfigError
from dvc_common.log_setup import configure_logging
from kiosk.ports import QueueError
from ui.app import Orientation

if TYPE_CHECKING:  # Qt is imported once the configuration has been read
    from PySide6.QtGui import QGuiApplication

    from ui.supervision import QuitOnSignals

# The exit code with which the app asks to be started again (its configuration was rewritten).
RESTART = 75


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-app", description="Kiosk dịch vụ công")
    parser.add_argument("--config", type=Path, help="settings file (default /etc/kiosk/kiosk.toml)")
    parser.add_argument(
        "--orientation", choices=[o.value for o in Orientation], default=Orientation.PORTRAIT.value
    )
    parser.add_argument(
        "--fullscreen",
        action="store_true",
        help="fill the screen (the appliance; a broken configuration is then shown on screen "
        "until it is fixed, instead of exiting 2)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(logging.INFO)
    orientation = Orientation(args.orientation)
    try:
        settings, config_path = load_effective(args.config)
    except ConfigError as exc:
        print(f"kiosk-app: {exc}", file=sys.stderr)
        if args.fullscreen:
            # The appliance: say so on the screen until the file is fixed, not a crash loop.
            return show_fault(str(exc), resolve_config_path(args.config))
        return 2
    from ui.app import build_app  # noqa: PLC0415
    from ui.supervision import QuitOnSignals  # noqa: PLC0415

    app = _application()
    # Before the long start-up: a SIGTERM during it ends the app cleanly too.
    signals = QuitOnSignals(app)
    try:
        kapp = build_app(
            settings,
            orientation=orientation,
            config_path=config_path or args.config,
            restart=lambda: app.exit(RESTART),
        )
    except ConfigError as exc:
        print(f"kiosk-app: {exc}", file=sys.stderr)
        if args.fullscreen:
            signals.close()
            return show_fault(str(exc), config_path or args.config)
        return 2
    except QueueError as exc:
        # The outbox cannot be opened (locked, disk full, key missing): say why and exit
        # non-zero, so the service restarts it once the condition passes; nothing was moved.
        print(f"kiosk-app: outbox: {exc.detail}", file=sys.stderr)
        return 3
    if args.fullscreen:
        kapp.window.showFullScreen()

    def close() -> None:
        kapp.close()
        # The citizen's scans on disk go with the app (a new one would wipe them at start).
        kapp.kiosk.scratch.wipe_all()

    return _serve(app, signals, close)


def _application() -> QGuiApplication:
    """The one Qt application of this process (made on first use, its environment first)."""
    from PySide6.QtGui import QGuiApplication  # noqa: PLC0415

    from ui.app import prepare_qt_environment  # noqa: PLC0415

    existing = QGuiApplication.instance()
    if isinstance(existing, QGuiApplication):
        return existing
    prepare_qt_environment()
    return QGuiApplication(sys.argv[:1])


def _serve(app: QGuiApplication, signals: QuitOnSignals, close: Callable[[], None]) -> int:
    """Run the event loop as systemd's service: READY=1 and the watchdog fed from the loop,
    STOPPING=1 (or RELOADING=1) at the end, ``close`` then; and on the restart code start again
    in this same process slot (systemd sees one service throughout; the new image says READY=1
    again). sys.orig_argv is the command as started (``kiosk-app …`` or ``python -m ui …``)."""
    from ui.supervision import WatchdogTimer, announce_ready  # noqa: PLC0415

    watchdog = WatchdogTimer()
    announce_ready()
    code = 1  # what an exception out of the event loop leaves
    try:
        # A signal that came during start-up has quit a loop that was not running yet.
        code = 0 if signals.received is not None else int(app.exec())
    finally:
        watchdog.stop()
        if code == RESTART:
            sd_notify.reloading()
        elif signals.received is None:  # a signal's handler has said it already
            sd_notify.stopping()
        close()
        signals.close()
    if code == RESTART:
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])  # noqa: S606
    return code


def show_fault(detail: str, config_path: Path | None) -> int:
    """The fault page (``ui.fault_screen``) until the configuration file changes; then start
    again on it, in this same process (as after an enrolment or a device change)."""
    from ui.fault_screen import FaultScreen  # noqa: PLC0415
    from ui.supervision import QuitOnSignals  # noqa: PLC0415

    app = _application()
    signals = QuitOnSignals(app)
    screen = FaultScreen(detail, config_path, restart=lambda: app.exit(RESTART))
    screen.show_full_screen()
    sd_notify.status(f"configuration unusable: {detail}")
    return _serve(app, signals, screen.close)


if __name__ == "__main__":
    sys.exit(main())
