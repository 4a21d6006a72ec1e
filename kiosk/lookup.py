"""Looking up a dossier's status from the code on its slip: the use case, without Qt.

* ``StatusQuery`` (on a worker thread) asks the gateway through
  ``kiosk.gateway_services.StatusLookup``; any trouble, even a bug, is an OFFLINE answer the
  screen can show.
* ``LookupDesk`` (on the UI thread) is one visit to the lookup screen: the question asked, whether
  the answer is awaited, the answer. Every question gets a number, so a late answer to an earlier
  question, or to a visit that has ended, is dropped. Whether the lookup is on screen at all is
  the screen router's decision (``kiosk.router``): it opens and closes the desk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.gateway_services import StatusKind, StatusResult

log = logging.getLogger(__name__)


class StatusSource(Protocol):
    """The gateway's status question (``kiosk.gateway_services.StatusLookup``)."""

    def lookup(self, code: str) -> StatusResult: ...


class StatusQuery:
    def __init__(self, source: StatusSource) -> None:
        self._source = source

    def lookup(self, code: str) -> StatusResult:
        """The answer for ``code``; never raises. Blocks: call it off the UI thread."""
        try:
            return self._source.lookup(code)
        except Exception as exc:
            log.error("status lookup failed: %s", type(exc).__name__)
            return StatusResult(StatusKind.OFFLINE)


@dataclass(frozen=True)
class StatusLooked:
    request: int  # the question it answers: a late answer to an earlier one is dropped
    result: StatusResult


AskStatus = Callable[[int, str], None]


class LookupDesk:
    """See the module docstring. ``ask`` runs ``StatusQuery.lookup`` off this thread and brings
    its ``StatusLooked`` back to ``answered``."""

    def __init__(self, ask: AskStatus) -> None:
        self._ask = ask
        self._request = 0
        self._open = False
        self.busy = False
        self.result: StatusResult | None = None
        # The code as the citizen has it (printed on their slip): the answer is shown under it,
        # even when the gateway knows the dossier by its official code.
        self.asked: str = ""

    def open(self) -> None:
        self._open = True
        self.busy = False
        self.result = None
        self.asked = ""

    def close(self) -> None:
        """The visit ended: forget the answer, and let a pending one go nowhere."""
        self._request += 1
        self._open = False
        self.busy = False
        self.result = None
        self.asked = ""

    def ask(self, code: str) -> bool:
        """Ask about ``code``; False when the lookup is not open."""
        if not self._open:
            return False
        self.busy = True
        self.result = None
        self.asked = code.strip()
        self._request += 1
        self._ask(self._request, code)
        return True

    def answered(self, looked: StatusLooked) -> bool:
        """Take an answer; False when it is for no question on screen."""
        if not self._open or looked.request != self._request:
            return False
        self.busy = False
        self.result = looked.result
        return True
