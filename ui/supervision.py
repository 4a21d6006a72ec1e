"""What the touchscreen app does for systemd, which runs it as ``kiosk-app.service``
(``Type=notify``, ``WatchdogSec=``, inside the cage compositor):

- ``READY=1`` once the event loop runs with the window shown (``announce_ready``);
- ``WATCHDOG=1`` from a timer on the GUI thread (``WatchdogTimer``), so a GUI thread that is
  stuck stops the pings and systemd restarts the app. The app is cage's child, so
  ``$WATCHDOG_PID`` names cage: the app keeps its parent's watchdog too (the unit says
  ``NotifyAccess=all`` for the same reason);
- SIGTERM and SIGINT end the Qt event loop cleanly (``QuitOnSignals``): Python runs a signal
  handler only when the interpreter gets control, which a Qt event loop waiting in C++ does not
  give it, so the signal's number is written to a socket (``signal.set_wakeup_fd``) that a
  ``QSocketNotifier`` on the GUI thread watches; the handler then says ``STOPPING=1`` and quits
  the loop, and ``main`` wipes the session and exits 0.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from types import FrameType

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, QTimer

from dvc_common import sd_notify

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class QuitOnSignals(QObject):
    """SIGTERM / SIGINT quit ``app``'s event loop; ``received`` says which came (None if none).

    Install it before the long start-up: a signal that comes before the loop runs is noted
    (``received``) and ``main`` then does not start the loop at all."""

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__()
        self._app = app
        self.received: int | None = None
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous = {sig: signal.signal(sig, self._on_signal) for sig in QUIT_SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signum
            sd_notify.stopping()
        self._app.quit()

    def _drain(self) -> None:
        """The wake-up bytes: reading them is all; Python has run the handler by now."""
        with contextlib.suppress(BlockingIOError):
            while self._reader.recv(512):
                pass

    def close(self) -> None:
        """Give the signals back as they were (a re-exec starts afresh anyway)."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._reader.close()
        self._writer.close()


class WatchdogTimer(QObject):
    """``WATCHDOG=1`` every third of the watchdog interval, from the GUI thread; nothing when
    systemd set no watchdog for this process (or its parent, the compositor)."""

    def __init__(self) -> None:
        super().__init__()
        self.interval_s = sd_notify.watchdog_interval(also_for=(os.getppid(),))
        self._timer = QTimer(self)
        if self.interval_s is not None:
            self._timer.setInterval(max(1, int(self.interval_s * 1000 / 3)))
            self._timer.timeout.connect(self._ping)
            self._timer.start()

    def _ping(self) -> None:
        sd_notify.watchdog_ping()

    def stop(self) -> None:
        self._timer.stop()


def announce_ready() -> None:
    """``READY=1`` as soon as the event loop runs (the window is shown by then)."""
    QTimer.singleShot(0, lambda: sd_notify.ready(sd_notify.status_field("serving citizens")))
