"""What the gateway will take, checked before a dossier is accepted into the outbox.

A dossier the gateway can never take (a page over its size limit, a form key it refuses, a
procedure it does not know, a receipt number it already holds for another dossier) must be
refused at the kiosk, while the citizen is still there, not discovered days later as a
``needs_attention`` row nobody can fix. The limits belong to the protocol: the gateway publishes
them (``GET /api/v1/limits``), the sync process installs the document beside the catalog, and
the kiosk falls back to the protocol's published defaults (``DEFAULT_LIMITS``) until it has one.

Every refusal carries an ``EnqueueRefusal`` reason (the UI and the CLI translate it) and the name
of the offending field, never its value (it may be personal data).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Container, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from dvc_common.protocol import DEFAULT_LIMITS, ProtocolLimits

LIMITS_FILE = "limits.json"

log = logging.getLogger(__name__)


class EnqueueRefusal(StrEnum):
    """Why the outbox refused a dossier; stable codes for the CLI and the screens."""

    FILE_TOO_LARGE = "file_too_large"
    DOSSIER_TOO_LARGE = "dossier_too_large"
    TOO_MANY_FILES = "too_many_files"
    TOO_MANY_DOCUMENTS = "too_many_documents"
    TOO_MANY_FORM_FIELDS = "too_many_form_fields"
    FORM_KEY_INVALID = "form_key_invalid"
    FORM_VALUE_TOO_LONG = "form_value_too_long"
    FORM_VALUE_NOT_TEXT = "form_value_not_text"
    DOCUMENT_CODE_INVALID = "document_code_invalid"
    FILE_NAME_INVALID = "file_name_invalid"
    BODY_TOO_LARGE = "body_too_large"
    PROCEDURE_UNKNOWN = "procedure_unknown"
    PROCEDURE_MISMATCH = "procedure_mismatch"
    RECEIPT_NUMBER_TAKEN = "receipt_number_taken"
    RECEIPT_NUMBER_MISMATCH = "receipt_number_mismatch"
    CLIENT_UUID_MISMATCH = "client_uuid_mismatch"
    PAGE_UNKNOWN_DOCUMENT = "page_unknown_document"
    PAGE_EMPTY = "page_empty"
    PAGE_UNREADABLE = "page_unreadable"
    BODY_MALFORMED = "body_malformed"
    TEXT_TOO_LONG = "text_too_long"
    MEDIA_TYPE_INVALID = "media_type_invalid"


@dataclass(frozen=True)
class Problem:
    reason: EnqueueRefusal
    field: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason.value}"


def load_installed(reference_dir: Path | None) -> ProtocolLimits:
    """The installed limits document, or the protocol's defaults when there is none.

    A document that cannot be read falls back to the defaults too: it was validated before it
    was installed, so this is damage on disk, and the defaults are the protocol's own values.
    """
    if reference_dir is None:
        return DEFAULT_LIMITS
    path = reference_dir / LIMITS_FILE
    try:
        return ProtocolLimits.from_document(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return DEFAULT_LIMITS  # none installed yet: the first sync brings it
    except (OSError, ValueError) as exc:
        log.warning("installed limits %s unusable (%s); the protocol's defaults apply", path, exc)
        return DEFAULT_LIMITS


# Text bounds of the protocol's DossierCreate (docs/gateway-protocol.md, gateway/openapi.yaml)
# that the limits document does not carry; a test holds them equal to the OpenAPI schema.
TEXT_LIMITS: dict[tuple[str, ...], int] = {
    ("procedure_name",): 200,
    ("applicant", "full_name"): 100,
    ("applicant", "address"): 250,
}
DOCUMENT_NAME_MAX = 200
MEDIA_TYPE_PATTERN = r"^[a-z0-9.+-]+/[a-z0-9.+-]+$"
MEDIA_TYPE_MAX = 100


@dataclass(frozen=True)
class PageFacts:
    """What the check needs to know about one page file, measured before anything is stored."""

    document_code: str
    name: str
    size: int
    media_type: str = "application/octet-stream"


def _text_at(body: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = body
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def check_dossier(
    body: dict[str, Any],
    pages: Sequence[PageFacts],
    limits: ProtocolLimits,
    *,
    known_procedures: Container[str] | None,
) -> list[Problem]:
    """Every reason the gateway would refuse this dossier, in field order; [] when none."""
    problems: list[Problem] = []

    def refuse(reason: EnqueueRefusal, where: str) -> None:
        problems.append(Problem(reason, where))

    procedure = body.get("procedure_code")
    if known_procedures is not None and procedure not in known_procedures:
        refuse(EnqueueRefusal.PROCEDURE_UNKNOWN, "procedure_code")
    form = body.get("form")
    if not isinstance(form, dict):
        refuse(EnqueueRefusal.BODY_MALFORMED, "form")
        form = {}
    if len(form) > limits.max_form_fields:
        refuse(EnqueueRefusal.TOO_MANY_FORM_FIELDS, "form")
    key_pattern = re.compile(limits.form_key_pattern)
    for key, value in form.items():
        if not isinstance(key, str) or not key_pattern.fullmatch(key):
            # The key is a field name, not personal data, but it may be garbage: keep it short.
            refuse(EnqueueRefusal.FORM_KEY_INVALID, f"form.{str(key)[:40]}")
            continue
        if not isinstance(value, str):
            refuse(EnqueueRefusal.FORM_VALUE_NOT_TEXT, f"form.{key}")
        elif len(value) > limits.max_form_value_chars:
            refuse(EnqueueRefusal.FORM_VALUE_TOO_LONG, f"form.{key}")
    for path, bound in TEXT_LIMITS.items():
        text = _text_at(body, path)
        if isinstance(text, str) and len(text) > bound:
            refuse(EnqueueRefusal.TEXT_TOO_LONG, ".".join(path))
    documents = body.get("documents")
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        refuse(EnqueueRefusal.BODY_MALFORMED, "documents")
        documents = []
    if len(documents) > limits.max_documents:
        refuse(EnqueueRefusal.TOO_MANY_DOCUMENTS, "documents")
    code_pattern = re.compile(limits.document_code_pattern)
    codes = set()
    for index, document in enumerate(documents):
        code = document.get("code")
        if not isinstance(code, str) or not code_pattern.fullmatch(code):
            refuse(EnqueueRefusal.DOCUMENT_CODE_INVALID, f"documents.{index}.code")
        else:
            codes.add(code)
        name = document.get("name")
        if isinstance(name, str) and len(name) > DOCUMENT_NAME_MAX:
            refuse(EnqueueRefusal.TEXT_TOO_LONG, f"documents.{index}.name")
    per_document: dict[str, int] = {}
    total = 0
    for index, page in enumerate(pages):
        where = f"pages.{index}"
        if page.document_code not in codes:
            refuse(EnqueueRefusal.PAGE_UNKNOWN_DOCUMENT, where)
        if page.size <= 0:
            refuse(EnqueueRefusal.PAGE_EMPTY, where)
        if page.size > limits.max_file_bytes:
            refuse(EnqueueRefusal.FILE_TOO_LARGE, where)
        if (
            not page.name
            or len(page.name) > limits.max_file_name_chars
            or "/" in page.name
            or "\\" in page.name
        ):
            refuse(EnqueueRefusal.FILE_NAME_INVALID, where)
        if len(page.media_type) > MEDIA_TYPE_MAX or not re.fullmatch(
            MEDIA_TYPE_PATTERN, page.media_type
        ):
            refuse(EnqueueRefusal.MEDIA_TYPE_INVALID, where)
        per_document[page.document_code] = per_document.get(page.document_code, 0) + 1
        total += max(page.size, 0)
    for code, count in per_document.items():
        if count > limits.max_files_per_document:
            refuse(EnqueueRefusal.TOO_MANY_FILES, f"documents.{code}")
    if total > limits.max_dossier_bytes:
        refuse(EnqueueRefusal.DOSSIER_TOO_LARGE, "pages")
    # The create request carries the body plus one manifest entry per page (name, size, digest,
    # media type: well under 400 bytes each).
    try:
        encoded = len(json.dumps(body, ensure_ascii=False).encode())
    except (TypeError, ValueError):
        refuse(EnqueueRefusal.BODY_MALFORMED, "(body)")
    else:
        if encoded + 400 * len(pages) > limits.max_body_bytes:
            refuse(EnqueueRefusal.BODY_TOO_LARGE, "(body)")
    return problems
