"""The kiosk's recent log, kept in memory for the technician's screen and its USB export.

A technician has no shell on the appliance: what the journal holds must also be readable on the
touchscreen and copied to a stick. A ``logging.Handler`` keeps the last ``capacity`` records as
text, with every run of digits long enough to be an ID or phone number masked to its last four
(``dvc_common.privacy``), whatever the message's author remembered to mask.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from dvc_common.privacy import mask_digits_in

CAPACITY = 2000


@dataclass(frozen=True)
class LogLine:
    at: datetime
    level: str
    source: str
    text: str

    def render(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.level:<7} {self.source}: {self.text}"


class RecentLog(logging.Handler):
    """Thread-safe: records arrive from the device and sync threads too."""

    def __init__(self, capacity: int = CAPACITY, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._lines: deque[LogLine] = deque(maxlen=capacity)
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
            line = LogLine(
                at=datetime.fromtimestamp(record.created).astimezone(),
                level=record.levelname,
                source=record.name,
                text=mask_digits_in(text),
            )
        except Exception:
            self.handleError(record)
            return
        with self._guard:
            self._lines.append(line)

    def lines(self, limit: int | None = None) -> list[LogLine]:
        """The newest ``limit`` lines (all when None), oldest first."""
        with self._guard:
            lines = list(self._lines)
        return lines if limit is None else lines[-limit:]
