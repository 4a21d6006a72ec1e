"""What the province hands its kiosks and what it took in from them by hand, kept where every
gateway replica reads it: the published reference documents (the procedure catalog and the
calendar overrides, each a numbered series of versions) and the log of USB imports.

A publication is the exact JSON body the kiosks download, with its strong entity tag, so every
replica serves the same bytes under the same tag; the newest version of a kind is the one in
force, and publishing an earlier version again makes a new version with its body. Nothing is
ever changed or deleted: the history is the record of who put what in force when.

The import log lives beside them (one table each, on the same backends) because both are the
console's province-level records that the kiosks' own protocol does not keep: who brought which
file (its name and SHA-256) from which kiosk, and what became of each dossier in it.

``PublicationStore`` is the Protocol; ``gateway.publications_sqlite`` (the embedded default, in
the gateway's SQLite file) and ``gateway.publications_postgres`` (the province's database) are
its backends, chosen by the composition root as the gateway's store is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, Self

from gateway.store import StoreError

__all__ = [
    "ImportChannel",
    "ImportLine",
    "ImportOutcome",
    "ImportRecord",
    "NewImport",
    "Publication",
    "PublicationConflictError",
    "PublicationInfo",
    "PublicationKind",
    "PublicationStore",
    "UnknownPublicationError",
]

HISTORY_LIMIT = 50
"""Versions the console lists; older ones stay stored."""


class PublicationKind(StrEnum):
    """The reference documents the console publishes."""

    CATALOG = "catalog"  # GET /api/v1/catalog
    CALENDAR = "calendar"  # GET /api/v1/calendar/overrides


@dataclass(frozen=True)
class PublicationInfo:
    """A publication without its body: what the history lists."""

    kind: PublicationKind
    version: int
    """1, 2, 3 … per kind, in the order they were published."""
    etag: str
    """The strong entity tag served with the body, quotes included (``"3f…"``)."""
    size: int
    published_at: datetime
    published_by: str
    note: str


@dataclass(frozen=True)
class Publication(PublicationInfo):
    body: bytes
    """The JSON document exactly as the kiosks download it."""


class UnknownPublicationError(StoreError):
    """No publication of that kind has that version."""


class PublicationConflictError(StoreError):
    """Another publication of the kind was made since the one the publisher looked at."""


class ImportOutcome(StrEnum):
    """What became of one dossier of an export."""

    IMPORTED = "imported"  # the gateway registered it now (or completed what a sync began)
    ALREADY_PRESENT = "already_present"  # registered before (an earlier import or a sync)
    REFUSED = "refused"  # not stored; ``reason`` says why


class ImportChannel(StrEnum):
    """How an export reached the importer."""

    CONSOLE = "console"  # uploaded on the console's page
    API = "api"  # POST /api/v1/imports with the administrator's token
    CLI = "cli"  # dvc-gateway import, on the server


@dataclass(frozen=True)
class ImportLine:
    """One dossier of an import, as the log keeps it."""

    client_uuid: str
    receipt_number: str
    outcome: ImportOutcome
    reason: str | None = None
    dossier_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "client_uuid": self.client_uuid,
            "receipt_number": self.receipt_number,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "dossier_code": self.dossier_code,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ImportLine:
        return cls(
            client_uuid=str(raw["client_uuid"]),
            receipt_number=str(raw["receipt_number"]),
            outcome=ImportOutcome(raw["outcome"]),
            reason=raw.get("reason"),
            dossier_code=raw.get("dossier_code"),
        )


@dataclass(frozen=True)
class NewImport:
    """An import to log: the file, who brought it, and its result (``refused`` set, and no
    lines, when the file was refused as a whole)."""

    at: datetime
    actor: str
    channel: ImportChannel
    file_name: str
    sha256: str
    size: int
    kiosk_id: str | None
    unit_code: str | None
    """The kiosk's unit when the import was made, so the log is shown within staff's units."""
    exported_at: datetime | None
    refused: str | None
    lines: tuple[ImportLine, ...] = ()


@dataclass(frozen=True)
class ImportRecord(NewImport):
    import_id: int = 0

    def count(self, outcome: ImportOutcome) -> int:
        return sum(1 for line in self.lines if line.outcome is outcome)


class PublicationStore(Protocol):
    """The publications and the import log, whichever database holds them. Times come back as
    aware datetimes (the instant given; PostgreSQL answers in UTC)."""

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    # --- publications ---------------------------------------------------------------------------

    def publish(
        self,
        kind: PublicationKind,
        body: bytes,
        etag: str,
        *,
        replaces: int | None,
        now: datetime,
        by: str,
        note: str,
    ) -> Publication:
        """Store ``body`` as the next version of ``kind`` (1 for the first), if the version in
        force is still ``replaces`` (None: nothing published), the one the publisher reviewed;
        PublicationConflictError if another was published meanwhile, on any replica."""
        ...

    def latest_version(self, kind: PublicationKind) -> int | None:
        """The version in force, or None when nothing was published: one cheap query, asked on
        every request that serves the document."""
        ...

    def latest(self, kind: PublicationKind) -> Publication | None: ...

    def publication(self, kind: PublicationKind, version: int) -> Publication:
        """That version; UnknownPublicationError if there is none."""
        ...

    def history(self, kind: PublicationKind, limit: int = HISTORY_LIMIT) -> list[PublicationInfo]:
        """The newest ``limit`` versions, newest first."""
        ...

    # --- the import log -------------------------------------------------------------------------

    def add_import(self, new: NewImport) -> ImportRecord: ...

    def imports(
        self, *, unit_prefix: str | None, actor: str | None = None, limit: int = HISTORY_LIMIT
    ) -> list[ImportRecord]:
        """The newest imports first: all of them (``unit_prefix`` None), or those of kiosks in
        the unit ``unit_prefix`` or under it, plus those ``actor`` made (a refused file names
        no kiosk, and its maker must still see it)."""
        ...

    def import_record(self, import_id: int) -> ImportRecord | None: ...
