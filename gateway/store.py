"""The gateway's metadata, whatever database holds it: the ``Store`` Protocol, the records it
returns and the errors it raises.

Kiosks and their tokens, dossiers and their files, tus uploads, official code sequences, status
history, one-time codes and heartbeats; for the technician mode, enrolment codes, the badges
issued and the kiosks' audit logs. Nothing here names a database: the SQLite implementation
is ``gateway.store_sqlite.SqliteStore``, and the composition root (``gateway.app.open_store``) is
the only place that picks one, so a PostgreSQL backend is one more class that passes the contract
tests (``tests/gateway/test_gateway_store_contract.py``).

Every method is synchronous, short and atomic: it either happens whole or not at all, and a
read-check-write inside one method cannot interleave with another caller's. An answered change
is durable (an official code or an upload offset survives a power cut). A backend's own
exceptions never cross the Protocol: they arrive as ``StoreError`` subclasses.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, Self

from dvc_common.protocol import ProcessingStatus


class IntakeStatus(StrEnum):
    """Where a dossier stands in the hand-over from kiosk to gateway."""

    AWAITING_FILES = "awaiting_files"
    RECEIVED = "received"


class UploadState(StrEnum):
    """The life of a tus upload: it only ever leaves ACTIVE, once."""

    ACTIVE = "active"  # bytes may still arrive
    COMPLETE = "complete"
    TERMINATED = "terminated"  # DELETEd, or replaced by a newer upload of the same dossier file
    EXPIRED = "expired"


class StoreError(Exception):
    """A change the data does not allow, or a store that failed; the message says which."""


class ReceiptNumberTakenError(StoreError):
    """Another dossier (another client UUID) already has this receipt number."""


class FileAlreadyCompleteError(StoreError):
    """The dossier file already holds its bytes: no new upload may start for it."""


class StatusMovedError(StoreError):
    """A status change was made from a status the dossier no longer has: someone else moved it
    meanwhile (the change did not happen)."""


class NoSuchRecordError(StoreError):
    """A change named a dossier, file or one-time code the store does not hold."""


class EnrolmentCodeUnknownError(StoreError):
    """No enrolment code has this digest."""


class EnrolmentCodeUsedError(StoreError):
    """The enrolment code was redeemed already (by this kiosk or by someone else)."""


class EnrolmentCodeExpiredError(StoreError):
    """The enrolment code's time ran out before it was redeemed."""


class EnrolmentCodeRevokedError(EnrolmentCodeExpiredError):
    """The enrolment code was revoked before it was used. A kind of expiry: the kiosk is told
    what it is told of an expired code (ask for a new one), and a caller that knows only
    expiry refuses it the same way."""


class BackendError(StoreError):
    """The database itself failed: it could not be opened, timed out waiting for a lock,
    refused a statement or was already closed. The change did not happen."""


def new_id(prefix: str) -> str:
    """A fresh, unguessable identifier such as ``d_…`` (dossier) or ``u_…`` (upload)."""
    return f"{prefix}_{secrets.token_urlsafe(12)}"


def token_digest(token: str) -> str:
    """What a store keeps of a bearer token: its SHA-256, so a stolen database grants nothing."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KioskRecord:
    kiosk_id: str
    enabled: bool
    public_key: str | None = None
    """The kiosk's own Ed25519 key (``ed25519:…``) when it enrolled with a code; None when its
    token was issued directly (``dvc-gateway enrol``)."""
    unit_code: str | None = None
    """The commune unit the kiosk stands in (``H15.50.05.13``), named when it was enrolled or
    later; None until someone says. The console shows a kiosk, and its dossiers, to the staff
    of that unit and of the district and province above it."""
    token_revoked_at: datetime | None = None
    """When its token was revoked (it no longer authenticates); None while the token is good.
    Enrolling the kiosk again clears it."""


@dataclass(frozen=True)
class EnrolmentCodeRecord:
    """A one-time enrolment code, of which only the SHA-256 is kept."""

    code_sha256: str
    kiosk_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    unit_code: str | None = None  # given to the kiosk when the code is redeemed
    revoked_at: datetime | None = None  # revoked before use: it can no longer be redeemed


@dataclass(frozen=True)
class BadgeRecord:
    """A technician badge as issued; the signed text itself is not kept (it is a credential)."""

    serial: str
    technician_id: str
    technician_name: str
    kiosks: tuple[str, ...]
    area: str
    not_before: datetime
    expires: datetime
    issued_at: datetime


@dataclass(frozen=True)
class NewAuditEvent:
    """One event of a kiosk's audit log, as the kiosk sent it."""

    event_id: str
    at: datetime
    kind: str
    actor: str
    detail: str


@dataclass(frozen=True)
class AuditRecord:
    kiosk_id: str
    event_id: str
    at: datetime
    kind: str
    actor: str
    detail: str
    received_at: datetime


@dataclass(frozen=True)
class FileRecord:
    """One file of a dossier's manifest; ``stored_path`` is relative to the data directory."""

    file_id: str
    dossier_id: str
    position: int
    document_code: str
    name: str
    size: int
    sha256: str
    media_type: str
    upload_id: str | None
    complete: bool
    stored_path: str | None


@dataclass(frozen=True)
class NewFile:
    """A manifest entry of a dossier being created."""

    document_code: str
    name: str
    size: int
    sha256: str
    media_type: str


@dataclass(frozen=True)
class DossierRecord:
    dossier_id: str
    client_uuid: str
    kiosk_id: str
    receipt_number: str
    procedure_code: str
    body: str
    intake_status: IntakeStatus
    status: ProcessingStatus | None
    dossier_code: str | None
    appointment_date: date | None
    created_at: datetime
    registered_at: datetime | None
    rating: dict[str, Any] | None


@dataclass(frozen=True)
class DossierQuery:
    """Which dossiers a list asks for (the console's dossier list), newest first.

    The area is that of the dossier's kiosk, by the unit the kiosk stands in *now*:
    ``unit_prefix`` names a unit and takes it and every unit under it (``H15.50`` takes
    ``H15.50`` and ``H15.50.05.13``, not ``H15.500``); None takes every unit.
    ``with_no_unit`` adds the dossiers of kiosks with no unit recorded (or not enrolled).
    ``search`` keeps those whose official code or receipt number equals it or starts with it,
    ignoring ASCII case; ``status`` keeps one status, and ``awaiting_files`` (with ``status``
    None) those still awaiting their files, which have no status yet.
    """

    unit_prefix: str | None = None
    with_no_unit: bool = True
    search: str = ""
    status: ProcessingStatus | None = None
    awaiting_files: bool = False
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class ListedDossier:
    dossier: DossierRecord
    unit_code: str | None
    """The unit of the dossier's kiosk as it is now; None when none is recorded."""


@dataclass(frozen=True)
class DossierPage:
    """One page of a ``DossierQuery``: its dossiers, and how many match in all (for a pager)."""

    dossiers: list[ListedDossier]
    total: int


def page_window(total: int, limit: int, offset: int) -> tuple[bool, int, int]:
    """How to read the page at ``offset`` of ``total`` rows listed newest first: (from the
    oldest end?, limit, offset). A page in the older half is read from the oldest end, reversed
    after: skipping most of a province's dossiers to reach its last page costs as much as
    reading them, and the last page is where a pager's "last" link goes."""
    if offset >= total:  # past the end: nothing to read (nor to skip on the way)
        return False, 0, 0
    if offset <= total // 2:
        return False, limit, offset
    remaining = total - offset
    take = min(limit, remaining)
    return True, take, remaining - take


def like_prefix(text: str) -> str:
    """A LIKE pattern (escape character ``\\``) for the values starting with ``text``."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


@dataclass(frozen=True)
class UploadRecord:
    upload_id: str
    kiosk_id: str
    length: int
    offset: int
    metadata: dict[str, str]
    dossier_id: str | None
    file_id: str | None
    state: UploadState
    created_at: datetime
    expires_at: datetime

    def expired_at(self, now: datetime) -> bool:
        # An upload holding all its bytes only awaits completion (see TusService.settle); the
        # client is done with it, so there is nothing left to expire.
        return (
            self.state is UploadState.ACTIVE
            and self.offset < self.length
            and self.expires_at <= now
        )


@dataclass(frozen=True)
class HistoryRecord:
    at: datetime
    status: ProcessingStatus
    note: str | None


@dataclass(frozen=True)
class OtpRecord:
    otp_id: str
    kiosk_id: str
    code_sha256: str
    purpose: str
    expires_at: datetime
    attempts_left: int
    verified: bool


@dataclass(frozen=True)
class HeartbeatRecord:
    """A kiosk's latest heartbeat, with when the gateway received it (by its own clock)."""

    kiosk_id: str
    received_at: datetime
    body: dict[str, Any]


@dataclass(frozen=True)
class StoreCounts:
    """What the province's monitoring counts (``gateway.metrics``)."""

    kiosks: int  # enrolled and enabled, their token not revoked
    uploads_in_progress: int  # active tus uploads: bytes may still arrive
    dossiers_awaiting_files: int  # created, not all files arrived yet


@dataclass(frozen=True)
class Finalization:
    """The outcome of a finalize: the dossier as registered, or the files still missing."""

    dossier: DossierRecord
    missing: tuple[str, ...]


class Store(Protocol):
    """All metadata access of the gateway; the contract every backend keeps.

    Times are stored and returned as the aware datetimes they were given. Methods that look a
    record up return None when there is none; changes to a record that does not exist raise
    ``NoSuchRecordError`` where the docstring says so and otherwise change nothing.
    """

    def close(self) -> None:
        """Release the connection; the store is unusable afterwards (BackendError)."""

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    # --- kiosks ---------------------------------------------------------------------------------

    def enrol(self, kiosk_id: str, now: datetime, unit_code: str | None = None) -> str:
        """A new token for ``kiosk_id``, which is enabled; any earlier token of it stops working
        and a revocation of it is cleared. The kiosk's unit becomes ``unit_code`` when given,
        and stays as it was otherwise."""
        ...

    def set_kiosk_unit(self, kiosk_id: str, unit_code: str | None) -> bool:
        """Name the unit the kiosk stands in (None: unknown); False if it was never enrolled."""
        ...

    def kiosks(self) -> list[KioskRecord]:
        """Every kiosk ever enrolled, enabled or not, by id."""
        ...

    def set_enabled(self, kiosk_id: str, enabled: bool) -> bool:
        """Enable or disable a kiosk; False if it was never enrolled."""
        ...

    def kiosk_for_token(self, token: str) -> KioskRecord | None:
        """The kiosk whose current token this is, enabled or not; None once it is revoked."""
        ...

    def revoke_kiosk_token(self, kiosk_id: str, now: datetime) -> KioskRecord | None:
        """Stop the kiosk's token authenticating, recording ``now`` (a token revoked already
        keeps its first time); the kiosk as it now is, None if it was never enrolled. Only a
        new enrolment gives it a working token again."""
        ...

    def kiosk(self, kiosk_id: str) -> KioskRecord | None:
        """The enrolled kiosk with this id, enabled or not."""
        ...

    # --- enrolment codes ------------------------------------------------------------------------

    def create_enrolment_code(
        self,
        *,
        code_sha256: str,
        kiosk_id: str,
        now: datetime,
        expires_at: datetime,
        unit_code: str | None = None,
    ) -> None:
        """Keep a new one-time code (its digest) for enrolling ``kiosk_id`` (in ``unit_code``,
        when given) until ``expires_at``."""
        ...

    def enrolment_code(self, code_sha256: str) -> EnrolmentCodeRecord | None: ...

    def enrolment_codes(self) -> list[EnrolmentCodeRecord]:
        """Every code issued, used, expired or revoked alike, newest first."""
        ...

    def revoke_enrolment_code(self, code_sha256: str, *, now: datetime) -> EnrolmentCodeRecord:
        """Revoke a code not yet used, so that it can never be redeemed; the code as it now is
        (a code revoked already is returned unchanged, with its first revocation time).

        EnrolmentCodeUnknownError, EnrolmentCodeUsedError (revoke the kiosk's token instead)
        or EnrolmentCodeExpiredError (an expiry at ``now`` or before: nothing left to revoke),
        and nothing changes. Atomic with ``redeem_enrolment_code``: of a revocation and a
        redemption of one code, exactly one succeeds.
        """
        ...

    def redeem_enrolment_code(self, code_sha256: str, *, public_key: str, now: datetime) -> str:
        """Use the code, once: in one atomic step mark it used, enrol its kiosk with
        ``public_key`` (enabled, any earlier token retired, in the code's unit if it names one)
        and return the kiosk's new token.

        EnrolmentCodeUnknownError, EnrolmentCodeUsedError, EnrolmentCodeRevokedError or
        EnrolmentCodeExpiredError (an expiry at ``now`` or before) and nothing changes. Of two
        redemptions of one code, exactly one succeeds.
        """
        ...

    # --- technician badges ----------------------------------------------------------------------

    def record_badge(
        self,
        *,
        technician_id: str,
        technician_name: str,
        kiosks: tuple[str, ...],
        area: str,
        not_before: datetime,
        expires: datetime,
        now: datetime,
    ) -> BadgeRecord:
        """Record a badge about to be issued, under a new serial (never one given before)."""
        ...

    def badges(self) -> list[BadgeRecord]:
        """Every badge issued, oldest first."""
        ...

    # --- audit logs -----------------------------------------------------------------------------

    def add_audit_events(self, kiosk_id: str, events: list[NewAuditEvent], now: datetime) -> int:
        """Keep the kiosk's events; one whose id this kiosk already sent (in this call or
        before) is not kept again. Returns how many were new."""
        ...

    def audit_events(self, kiosk_id: str | None = None) -> list[AuditRecord]:
        """The audit events of one kiosk, or of all, by kiosk and then by their time."""
        ...

    # --- dossiers -------------------------------------------------------------------------------

    def create_dossier(
        self,
        *,
        client_uuid: str,
        kiosk_id: str,
        receipt_number: str,
        procedure_code: str,
        body: str,
        files: list[NewFile],
        now: datetime,
    ) -> tuple[DossierRecord, bool]:
        """The dossier with this client UUID, created now if it did not exist (True if so).

        A dossier that exists is returned as stored, whatever the other arguments say (the
        caller compares bodies). A new one awaits its files, listed in ``files`` order;
        ReceiptNumberTakenError if another dossier has the receipt number.
        """
        ...

    def dossier(self, dossier_id: str) -> DossierRecord | None: ...

    def dossier_by_uuid(self, client_uuid: str) -> DossierRecord | None: ...

    def dossier_by_code(self, code: str) -> DossierRecord | None:
        """The registered dossier with this official code or local receipt number."""
        ...

    def files(self, dossier_id: str) -> list[FileRecord]:
        """The dossier's files in manifest order."""
        ...

    def file(self, file_id: str) -> FileRecord | None: ...

    def all_dossiers(self) -> list[DossierRecord]:
        """Every dossier, oldest first."""
        ...

    def dossier_page(self, query: DossierQuery) -> DossierPage:
        """The dossiers ``query`` asks for, newest (last created) first, ``query.limit`` of
        them from ``query.offset``, and how many match in all. Filtered and paged by the
        database, with indexes for each filter: a province's list does not read every dossier.
        """
        ...

    def set_rating(self, dossier_id: str, rating: dict[str, Any]) -> None:
        """Keep the citizen's rating of the dossier (the last one given wins)."""
        ...

    def finalize(
        self,
        dossier_id: str,
        *,
        now: datetime,
        day: date,
        unit_code: str,
        appointment_date: date,
        note: str,
    ) -> Finalization:
        """Register the dossier under the next official code of ``day``, once.

        The code is ``<unit_code>-<yymmdd>-<NNNN>``, numbered from 1 per unit and day across
        the gateway (every replica); the counter moves in the same atomic step that stores the
        code, so a number is issued exactly once: never twice, and never lost to a crash
        between the two.
        The status becomes RECEIVED with one history entry carrying ``note``. A registered
        dossier is returned unchanged; one with incomplete files is returned unregistered with
        their ids. NoSuchRecordError if there is no such dossier.
        """
        ...

    def set_status(
        self, dossier_id: str, status: ProcessingStatus, at: datetime, note: str | None
    ) -> None:
        """Record a back-office step of a registered dossier (status and a history entry),
        whatever its status was; a change someone made from the status they saw goes through
        ``change_status``, which refuses it when the status has moved since."""
        ...

    def change_status(
        self,
        dossier_id: str,
        *,
        expected: ProcessingStatus | None,
        status: ProcessingStatus,
        at: datetime,
        note: str | None,
    ) -> None:
        """``set_status``, made from the status ``expected`` (None: awaiting files), in one
        atomic step: StatusMovedError and nothing changes when the dossier's status is no longer
        ``expected`` (of two staff changing a dossier from one status at once, exactly one
        succeeds); NoSuchRecordError when there is no such dossier."""
        ...

    def history(self, dossier_id: str) -> list[HistoryRecord]:
        """The dossier's status changes, oldest first."""
        ...

    # --- uploads --------------------------------------------------------------------------------

    def create_upload(
        self,
        *,
        kiosk_id: str,
        length: int,
        metadata: dict[str, str],
        file: FileRecord | None,
        now: datetime,
        expires_at: datetime,
    ) -> tuple[UploadRecord, str | None]:
        """A new active upload at offset 0, attached to ``file`` if given; returns it and the
        upload it replaces (terminated if it was still active).

        FileAlreadyCompleteError if the file completed in the meantime.
        """
        ...

    def upload(self, upload_id: str) -> UploadRecord | None: ...

    def set_offset(self, upload_id: str, offset: int, expires_at: datetime) -> UploadRecord:
        """Record how many bytes are on disk, and the new expiry; the upload as it now is."""
        ...

    def uploads_awaiting_completion(self) -> list[UploadRecord]:
        """Active uploads whose offset has reached their length, oldest first: left by a gateway
        that died between recording the last bytes and completing the upload."""
        ...

    def set_upload_state(self, upload_id: str, state: UploadState) -> None: ...

    def complete_upload(self, upload_id: str, stored_path: str | None) -> None:
        """Mark an upload complete and, for a dossier file, the file stored at ``stored_path``.

        Only an active upload completes: one terminated meanwhile (replaced by a newer upload of
        the same file) stays terminated, and its file waits for the newer one.
        """
        ...

    def terminate_upload(self, upload_id: str) -> None:
        """Terminate; an incomplete dossier file forgets the upload so a new one can start."""
        ...

    # --- one-time codes -------------------------------------------------------------------------

    def create_otp(
        self,
        *,
        otp_id: str,
        kiosk_id: str,
        code_sha256: str,
        purpose: str,
        now: datetime,
        expires_at: datetime,
        attempts: int,
    ) -> None: ...

    def otp(self, otp_id: str) -> OtpRecord | None: ...

    def check_otp(self, otp_id: str, *, matches: bool, now: datetime) -> tuple[bool, int]:
        """Record one attempt; returns (valid, attempts left).

        A match is valid and costs no attempt; a miss costs one. An expired or used-up code is
        never valid and has no attempts left. NoSuchRecordError if there is no such code.
        """
        ...

    # --- heartbeats -----------------------------------------------------------------------------

    def save_heartbeat(self, kiosk_id: str, body: dict[str, Any], now: datetime) -> None:
        """Keep the kiosk's latest heartbeat, replacing the one before."""
        ...

    def heartbeat(self, kiosk_id: str) -> dict[str, Any] | None: ...

    def heartbeats(self) -> list[HeartbeatRecord]:
        """Every kiosk's latest heartbeat, by kiosk id; ``received_at`` is the same instant
        ``save_heartbeat`` was given (its offset may differ)."""
        ...

    # --- monitoring -----------------------------------------------------------------------------

    def counts(self) -> StoreCounts: ...
