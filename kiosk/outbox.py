"""The journey's queue port, backed by the durable encrypted outbox (``offline_queue``).

Turns a Dossier into the gateway's ``DossierCreate`` body and the list of page files, and turns
the outbox's errors (a ``StoreFailure`` reason, never a sentence) into the journey's
``QueueError``.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any
from uuid import UUID

from kiosk.dossier import Dossier, DossierDocument, Rating, ScannedPage
from kiosk.ports import QueueError
from offline_queue.errors import StoreError
from offline_queue.records import PageInput
from offline_queue.store import QueueStore

APPLICANT_FIELDS = (
    "id_number",
    "old_id_number",
    "full_name",
    "date_of_birth",
    "sex",
    "address",
    "issue_date",
)


def gateway_body(dossier: Dossier) -> dict[str, Any]:
    """The protocol's DossierCreate for this dossier, without file entries (the outbox adds them
    from the bytes it actually stores)."""
    applicant = dossier.applicant.to_dict(reveal=True)
    return {
        "client_uuid": str(dossier.client_uuid),
        "receipt_number": dossier.receipt_number,
        "kiosk_id": dossier.kiosk_id,
        "procedure_code": dossier.procedure_code,
        "procedure_name": dossier.procedure_name,
        "applicant": {key: applicant[key] for key in APPLICANT_FIELDS},
        "verification": dossier.verification.value,
        "form": dict(dossier.form),
        "documents": [_document_entry(document) for document in dossier.documents],
        "received_at": dossier.received_at.isoformat(),
        "due_date": dossier.due_date.isoformat(),
        "rating": None,
    }


def _document_entry(document: DossierDocument) -> dict[str, Any]:
    entry: dict[str, Any] = {"code": document.code, "name": document.name}
    # Only when there is a warning: a dossier without one keeps the body older kiosks sent, so a
    # retry across an upgrade is still the same request to the gateway.
    if document.warning is not None:
        entry["check"] = document.warning.to_dict()
    return entry


def page_inputs(dossier: Dossier) -> list[PageInput]:
    pages = []
    for document in dossier.documents:
        for number, page in enumerate(document.pages, start=1):
            suffix = page.path.suffix.lower() or ".bin"
            media_type = mimetypes.types_map.get(suffix, "application/octet-stream")
            pages.append(
                PageInput(
                    source=page.path,
                    document_code=document.code,
                    name=f"{document.code}-{number}{suffix}",
                    media_type=media_type,
                )
            )
    return pages


class Outbox:
    """``kiosk.ports.DossierQueue`` on top of the encrypted SQLite outbox."""

    def __init__(self, store: QueueStore) -> None:
        self.store = store

    def enqueue(self, dossier: Dossier) -> None:
        try:
            self.store.enqueue(
                client_uuid=str(dossier.client_uuid),
                receipt_number=dossier.receipt_number,
                procedure_code=dossier.procedure_code,
                body=gateway_body(dossier),
                pages=page_inputs(dossier),
            )
        except StoreError as exc:
            raise QueueError(str(exc), exc.reason) from exc
        except OSError as exc:
            raise QueueError(f"cannot read a page file: {exc.strerror}") from exc

    def record_rating(self, client_uuid: UUID, rating: Rating) -> None:
        try:
            self.store.record_rating(str(client_uuid), rating.score, rating.reason)
        except StoreError as exc:
            raise QueueError(str(exc), exc.reason) from exc


def load_dossier_file(path: Path, pages: list[Path]) -> Dossier:
    """A dossier exported or written by hand, with its page files given in order.

    The JSON is ``Dossier.to_dict()``; the page paths inside it are replaced by ``pages`` in
    document order, so an exported dossier can be re-entered from wherever its files now are.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    listed = [p for d in data.get("documents", []) for p in d.get("pages", [])]
    if len(listed) != len(pages):
        raise ValueError(f"{path.name} lists {len(listed)} pages but {len(pages)} files were given")
    for entry, actual in zip(listed, pages, strict=True):
        found = ScannedPage.from_file(actual)
        if entry.get("sha256") not in (None, found.sha256):
            raise ValueError(f"{actual} is not the page {path.name} lists (SHA-256 differs)")
        entry.update(file=str(actual), size=found.size, sha256=found.sha256)
    return Dossier.from_dict(data)
