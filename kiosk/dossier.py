"""The dossier a citizen submits: what travels from the kiosk to the public-service gateway.

The client UUID is made when the session starts and never changes: it is the idempotency key the
sync engine sends, so a retried upload can never create a second dossier at the gateway. The
local receipt number is printed on the slip (marked provisional) until the gateway issues the
official dossier code.

A document the kiosk's check warned about (it looked like another paper, was blank, upside down,
cut off or unreadable) and the citizen kept anyway carries a ``DocumentWarning``: the decision is
the civil servant's, who sees it with the dossier.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from uuid import UUID

from dvc_common.atomic import sha256_file
from dvc_common.protocol import CheckVerdict
from kiosk.identity import Identity

DOSSIER_FORMAT_VERSION = 1


class DossierState(StrEnum):
    """Where a dossier stands, seen from the kiosk."""

    DRAFT = "draft"  # still being filled in on screen
    QUEUED = "queued"  # stored on the kiosk, waiting for the gateway
    SUBMITTED = "submitted"  # the gateway acknowledged it and issued the official code
    NEEDS_ATTENTION = "needs_attention"  # the gateway refused it; staff must look


class Verification(StrEnum):
    """Outcome of checking the identity with the gateway."""

    VERIFIED = "verified"
    PENDING = "pending"  # gateway unreachable: accepted, checked when the dossier syncs
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class ScannedPage:
    """One page image or PDF on disk, with what is needed to prove it arrived intact."""

    path: Path
    size: int
    sha256: str

    @classmethod
    def from_file(cls, path: Path) -> ScannedPage:
        return cls(path=path, size=path.stat().st_size, sha256=sha256_file(path))


@dataclass(frozen=True)
class DocumentWarning:
    """The check's warning about a document the citizen kept: staff look at it."""

    verdict: CheckVerdict
    looks_like: str | None = None  # for OTHER_DOCUMENT: the name of the paper it looks like
    page_index: int | None = None  # the page the warning is about (0-based), if one

    def to_dict(self) -> dict[str, Any]:
        """The protocol's ``check`` object of a document entry (``dvc_common.protocol``)."""
        data: dict[str, Any] = {"verdict": self.verdict.value}
        if self.looks_like is not None:
            data["looks_like"] = self.looks_like
        if self.page_index is not None:
            data["page_index"] = self.page_index
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentWarning:
        page = data.get("page_index")
        return cls(
            CheckVerdict(data["verdict"]),
            data.get("looks_like"),
            None if page is None else int(page),
        )


@dataclass(frozen=True)
class DossierDocument:
    code: str
    name: str
    pages: tuple[ScannedPage, ...]
    warning: DocumentWarning | None = None  # kept despite the document check's warning


@dataclass(frozen=True)
class Rating:
    score: int
    reason: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.score <= 5:
            raise ValueError("a rating is 1 to 5")


@dataclass(frozen=True)
class Dossier:
    client_uuid: UUID
    receipt_number: str
    kiosk_id: str
    procedure_code: str
    procedure_name: str
    applicant: Identity
    verification: Verification
    form: dict[str, str]
    documents: tuple[DossierDocument, ...]
    started_at: datetime
    received_at: datetime
    effective_receipt_date: date
    due_date: date
    state: DossierState = DossierState.QUEUED
    official_code: str | None = None
    rating: Rating | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def display_code(self) -> str:
        """The code to print: the official one once known, else the provisional receipt number."""
        return self.official_code or self.receipt_number

    @property
    def is_provisional(self) -> bool:
        return self.official_code is None

    def page_files(self) -> list[Path]:
        return [page.path for doc in self.documents for page in doc.pages]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, ID number included: callers must treat it as personal data."""
        return {
            "format_version": DOSSIER_FORMAT_VERSION,
            "client_uuid": str(self.client_uuid),
            "receipt_number": self.receipt_number,
            "kiosk_id": self.kiosk_id,
            "procedure_code": self.procedure_code,
            "procedure_name": self.procedure_name,
            "applicant": self.applicant.to_dict(reveal=True),
            "verification": self.verification.value,
            "form": dict(self.form),
            "documents": [
                {
                    "code": doc.code,
                    "name": doc.name,
                    "pages": [
                        {"file": str(p.path), "size": p.size, "sha256": p.sha256} for p in doc.pages
                    ],
                    "warning": doc.warning.to_dict() if doc.warning is not None else None,
                }
                for doc in self.documents
            ],
            "started_at": self.started_at.isoformat(),
            "received_at": self.received_at.isoformat(),
            "effective_receipt_date": self.effective_receipt_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "state": self.state.value,
            "official_code": self.official_code,
            "rating": (
                {"score": self.rating.score, "reason": self.rating.reason} if self.rating else None
            ),
            "extra": self.extra,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dossier:
        if data.get("format_version") != DOSSIER_FORMAT_VERSION:
            raise ValueError(f"unsupported dossier format {data.get('format_version')!r}")
        rating = data.get("rating")
        return cls(
            client_uuid=UUID(data["client_uuid"]),
            receipt_number=data["receipt_number"],
            kiosk_id=data["kiosk_id"],
            procedure_code=data["procedure_code"],
            procedure_name=data["procedure_name"],
            applicant=Identity.from_dict(data["applicant"]),
            verification=Verification(data["verification"]),
            form=dict(data["form"]),
            documents=tuple(
                DossierDocument(
                    code=doc["code"],
                    name=doc["name"],
                    pages=tuple(
                        ScannedPage(Path(p["file"]), int(p["size"]), p["sha256"])
                        for p in doc["pages"]
                    ),
                    # Absent from dossiers stored before the document check existed.
                    warning=(
                        DocumentWarning.from_dict(doc["warning"]) if doc.get("warning") else None
                    ),
                )
                for doc in data["documents"]
            ),
            started_at=datetime.fromisoformat(data["started_at"]),
            received_at=datetime.fromisoformat(data["received_at"]),
            effective_receipt_date=date.fromisoformat(data["effective_receipt_date"]),
            due_date=date.fromisoformat(data["due_date"]),
            state=DossierState(data["state"]),
            official_code=data.get("official_code"),
            rating=Rating(rating["score"], rating.get("reason")) if rating else None,
            extra=dict(data.get("extra", {})),
        )

    @classmethod
    def from_json(cls, text: str) -> Dossier:
        return cls.from_dict(json.loads(text))
