"""Verifying the citizen's identity against the national register: the use case, without Qt.

* ``IdentityCheck`` (on a worker thread: the gateway may take seconds) asks the gateway through
  ``kiosk.gateway_services.IdentityVerifier``; any trouble, even a bug, is ``PENDING``: a
  citizen is never stopped because the register cannot be asked, the dossier is checked when
  it syncs.
* ``VerificationDesk`` (on the journey's thread) asks once per session and card read, and hands
  the answer to the journey only if it is about the card this session holds now (a citizen may
  read a second card; an answer for a citizen who has left goes nowhere).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.dossier import Verification
from kiosk.identity import Identity
from kiosk.journey import IdentityChecked, Journey, Snapshot

log = logging.getLogger(__name__)


class Verifier(Protocol):
    """The gateway's identity question (``kiosk.gateway_services.IdentityVerifier``)."""

    def verify(self, identity: Identity) -> Verification: ...


class IdentityCheck:
    def __init__(self, verifier: Verifier) -> None:
        self._verifier = verifier

    def verify(self, identity: Identity) -> Verification:
        """VERIFIED, NOT_FOUND or PENDING; never raises. Blocks: call it off the UI thread."""
        try:
            return self._verifier.verify(identity)
        except Exception as exc:
            log.error("identity verification failed: %s", type(exc).__name__)
            return Verification.PENDING


@dataclass(frozen=True)
class VerificationDone:
    session_id: uuid.UUID
    id_number: str  # which citizen was asked about: a session may read a second card
    result: Verification


AskVerification = Callable[[uuid.UUID, Identity], None]


class VerificationDesk:
    """See the module docstring. ``ask`` runs ``IdentityCheck.verify`` off this thread and
    brings its ``VerificationDone`` back to ``answered``."""

    def __init__(self, journey: Journey, ask: AskVerification) -> None:
        self._journey = journey
        self._ask = ask
        self._asked: set[tuple[uuid.UUID, str]] = set()
        self._identity: Identity | None = None

    def on_snapshot(self, snapshot: Snapshot) -> None:
        sid, identity = snapshot.session_id, snapshot.identity
        self._identity = identity
        if sid is None:
            self._asked.clear()
            return
        if (
            identity is not None
            and snapshot.verification is Verification.PENDING
            and (sid, identity.id_number) not in self._asked
        ):
            self._asked.add((sid, identity.id_number))
            self._ask(sid, identity)

    def answered(self, done: VerificationDone) -> None:
        identity = self._identity
        if identity is None or identity.id_number != done.id_number:
            return  # an answer about a card read earlier in this session: not this citizen
        self._journey.dispatch(IdentityChecked(done.session_id, done.result))
