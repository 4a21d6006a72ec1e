"""The one logging set-up of the appliance's processes (``kiosk``, the sync process, the app).

Lines go to stderr with ID numbers masked (``dvc_common.privacy``). Under systemd, stderr is
usually a stream into the journal, which stamps every line itself: a timestamp of ours would be
written twice, so it is dropped there, and each line starts with its syslog priority instead
(``<3>`` for an error: journald reads that prefix, so ``journalctl -p warning`` works).

systemd says stderr is the journal through ``$JOURNAL_STREAM`` (``DEVICE:INODE`` of the stream),
which a child inherits even when its stderr goes elsewhere: it counts only when it matches what
stderr actually is, as systemd.exec(5) asks.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import TextIO

from dvc_common.privacy import install_log_masking

JOURNAL_STREAM_ENV = "JOURNAL_STREAM"
CONSOLE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JOURNAL_FORMAT = "%(levelname)s %(name)s: %(message)s"


def _syslog_priority(levelno: int) -> int:
    """sd-daemon's priorities: 2 critical, 3 error, 4 warning, 6 info, 7 debug."""
    if levelno >= logging.CRITICAL:
        return 2
    if levelno >= logging.ERROR:
        return 3
    if levelno >= logging.WARNING:
        return 4
    if levelno >= logging.INFO:
        return 6
    return 7


class JournalFormatter(logging.Formatter):
    """No timestamp (the journal has its own), the priority prefix journald understands."""

    def __init__(self) -> None:
        super().__init__(JOURNAL_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return f"<{_syslog_priority(record.levelno)}>{super().format(record)}"


def stream_is_journal(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``stream`` is the journal stream ``$JOURNAL_STREAM`` names."""
    env = os.environ if environ is None else environ
    device, _, inode = env.get(JOURNAL_STREAM_ENV, "").partition(":")
    try:
        expected = (int(device), int(inode))
        info = os.fstat(stream.fileno())
    except (ValueError, OSError):
        return False  # unset, malformed, or a stream without a file descriptor
    return (info.st_dev, info.st_ino) == expected


def configure_logging(
    level: int, *, stream: TextIO | None = None, environ: Mapping[str, str] | None = None
) -> None:
    """Log to ``stream`` (stderr) at ``level``: console format, or the journal's when stderr is
    the journal; ID numbers masked on every handler. Like ``basicConfig``, it does nothing to a
    root logger that already has handlers (a test's, a library's) except masking them."""
    out = sys.stderr if stream is None else stream
    handler = logging.StreamHandler(out)
    if stream_is_journal(out, environ):
        handler.setFormatter(JournalFormatter())
    else:
        handler.setFormatter(logging.Formatter(CONSOLE_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    install_log_masking()
