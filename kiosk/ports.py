"""What the citizen journey needs from the outside world, as small interfaces.

The journey never talks to the network. Submitting hands the dossier to a ``DossierQueue``,
which stores it durably on the kiosk and returns at once; the sync process takes it from there.
The in-memory implementations here serve the tests and the scripted demo.

The QR reader is seen through ``CodeReader`` (and its camera picture through ``Preview``), so the
screens and the use cases need no driver types: ``drivers.qr`` readers fit these as they are.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from kiosk.dossier import Dossier, Rating
from offline_queue.errors import StoreError, StoreFailure


class QueueError(Exception):
    """The dossier could not be stored on the kiosk (disk full, database broken...).

    ``reason`` says why, as the outbox's ``StoreFailure`` (the screens translate it); ``detail``
    is for the log. Raised ``from`` the outbox's ``StoreError`` without a reason of its own, it
    takes that error's reason.
    """

    def __init__(self, detail: str, reason: StoreFailure | None = None) -> None:
        self.detail = detail
        self._reason = reason
        super().__init__(detail)

    @property
    def reason(self) -> StoreFailure:
        if self._reason is not None:
            return self._reason
        cause = self.__cause__
        return cause.reason if isinstance(cause, StoreError) else StoreFailure.NOT_STORED


class DossierQueue(Protocol):
    def enqueue(self, dossier: Dossier) -> None:
        """Store the dossier and its page files durably; raise QueueError on failure."""
        ...

    def record_rating(self, client_uuid: UUID, rating: Rating) -> None:
        """Attach the citizen's rating to a stored dossier, to be synced with it."""
        ...


class InMemoryQueue:
    """A queue that keeps dossiers and their page bytes in memory: for tests and the demo.

    Like the real queue it copies the page files at enqueue time, because the session's scratch
    directory is wiped as soon as the citizen leaves.
    """

    def __init__(self) -> None:
        self.dossiers: list[Dossier] = []
        self.pages: dict[UUID, dict[str, bytes]] = {}
        self.ratings: dict[UUID, Rating] = {}
        self.fail_next: str | None = None

    def enqueue(self, dossier: Dossier) -> None:
        if self.fail_next is not None:
            detail, self.fail_next = self.fail_next, None
            raise QueueError(detail)
        if any(d.client_uuid == dossier.client_uuid for d in self.dossiers):
            return  # idempotent, like the real queue
        try:
            pages = {
                page.sha256: page.path.read_bytes()
                for document in dossier.documents
                for page in document.pages
            }
        except OSError as exc:
            raise QueueError(f"page file unreadable: {exc.strerror}") from None
        self.pages[dossier.client_uuid] = pages
        self.dossiers.append(dossier)

    def record_rating(self, client_uuid: UUID, rating: Rating) -> None:
        if not any(d.client_uuid == client_uuid for d in self.dossiers):
            raise QueueError("rating for an unknown dossier")
        self.ratings[client_uuid] = rating


class ConfirmationChannel(StrEnum):
    SCREEN = "screen"  # the kiosk shows the code and the citizen types it back (works offline)
    SMS = "sms"  # the gateway sent the code to the phone in the form


@dataclass(frozen=True)
class ConfirmationChallenge:
    channel: ConfirmationChannel
    code: str | None  # known to the kiosk only for SCREEN; SMS codes are checked by the gateway
    phone: str | None = None
    # What the gateway calls this code (its ``otp_id``) for SMS, so ``check`` can ask about it;
    # None for SCREEN codes, which never leave the kiosk.
    reference: str | None = None


class ConfirmationProvider(Protocol):
    def issue(self, phone: str | None) -> ConfirmationChallenge: ...

    def check(self, challenge: ConfirmationChallenge, entered: str) -> bool: ...


class ScreenConfirmation:
    """Short random codes shown on screen: the confirmation step never needs the network."""

    def __init__(self, digits: int = 4) -> None:
        self._digits = digits

    def issue(self, phone: str | None) -> ConfirmationChallenge:
        code = "".join(secrets.choice("0123456789") for _ in range(self._digits))
        return ConfirmationChallenge(ConfirmationChannel.SCREEN, code)

    def check(self, challenge: ConfirmationChallenge, entered: str) -> bool:
        return challenge.code is not None and secrets.compare_digest(
            challenge.code, entered.strip()
        )


class CodeRead(Protocol):
    """One QR code read (``drivers.qr.base.QrRead``)."""

    @property
    def payload(self) -> bytes: ...


class Preview(Protocol):
    """A small RGB picture of what the camera sees (``drivers.qr.base.PreviewFrame``)."""

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...

    def to_bytes(self) -> bytes:
        """Packed RGB888 rows."""
        ...


class PreviewSource(Protocol):
    def latest_preview(self) -> Preview | None:
        """The newest picture (a new object each time there is a newer one), or None."""
        ...


class CodeReader(PreviewSource, Protocol):
    """The QR reader as the kiosk uses it (``drivers.qr.base.QrReader``)."""

    def start(self, on_payload: Callable[[CodeRead], None]) -> None:
        """Report every code read, on the reader's own thread."""
        ...

    def stop(self) -> None: ...

    def forget_repeats(self) -> None:
        """Report the next read even if it repeats the last one."""
        ...
