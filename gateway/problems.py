"""Error answers as RFC 9457 problem details (``application/problem+json``).

Handlers raise ``ProblemError``; one exception handler turns it into the response, so every
error the gateway gives has the same shape and a ``type`` under ``PROBLEM_BASE``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from starlette.responses import Response

PROBLEM_BASE = "https://kiosk.example/problems/"
PROBLEM_JSON = "application/problem+json"


class ProblemType(StrEnum):
    """The problems the gateway names; the value is the last segment of the ``type`` URI."""

    INVALID_BODY = "invalid-body"
    IDEMPOTENCY_CONFLICT = "idempotency-conflict"
    NOT_FOUND = "not-found"
    FILES_INCOMPLETE = "files-incomplete"
    CHECKSUM_MISMATCH = "checksum-mismatch"
    TOO_LARGE = "too-large"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    MAINTENANCE = "maintenance"
    UNAVAILABLE = "unavailable"
    OFFSET_MISMATCH = "offset-mismatch"
    EXPIRED = "expired"
    # Not named by the protocol page, which lists no type for these answers.
    INVALID_HEADER = "invalid-header"
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
    TUS_VERSION = "tus-version"
    ALREADY_COMPLETE = "already-complete"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    INTERNAL_ERROR = "internal-error"
    # Business rules a dossier can break while matching the schema; each has its own type so a
    # kiosk can say which one without parsing prose.
    UNKNOWN_PROCEDURE = "unknown-procedure"
    RECEIPT_NUMBER_TAKEN = "receipt-number-taken"
    INVALID_REQUEST = "invalid-request"
    # Enrolment with a one-time code: each refusal its own type, so the kiosk's screen can say
    # what the technician must do (ask for a new code, or try again).
    ENROLMENT_CODE_UNKNOWN = "enrolment-code-unknown"
    ENROLMENT_CODE_USED = "enrolment-code-used"
    ENROLMENT_CODE_EXPIRED = "enrolment-code-expired"
    ENROLMENT_PROOF_INVALID = "enrolment-proof-invalid"
    # A USB export that cannot be opened, is damaged or is not an export: refused whole, nothing
    # of it stored.
    IMPORT_REFUSED = "import-refused"

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.value


_TITLES: dict[ProblemType, str] = {
    ProblemType.INVALID_BODY: "The request body is not valid",
    ProblemType.IDEMPOTENCY_CONFLICT: "The idempotency key was used with a different request",
    ProblemType.NOT_FOUND: "Not found",
    ProblemType.FILES_INCOMPLETE: "Some files of the dossier have not been uploaded",
    ProblemType.CHECKSUM_MISMATCH: "The data does not match its checksum",
    ProblemType.TOO_LARGE: "Too large",
    ProblemType.UNAUTHORIZED: "Authentication required",
    ProblemType.FORBIDDEN: "This kiosk is not allowed",
    ProblemType.MAINTENANCE: "The gateway is in a maintenance window",
    ProblemType.UNAVAILABLE: "A system the gateway depends on is unavailable",
    ProblemType.OFFSET_MISMATCH: "The upload offset does not match",
    ProblemType.EXPIRED: "The upload has expired",
    ProblemType.INVALID_HEADER: "A request header is missing or not valid",
    ProblemType.UNSUPPORTED_MEDIA_TYPE: "The request body has an unsupported content type",
    ProblemType.TUS_VERSION: "Unsupported tus version",
    ProblemType.ALREADY_COMPLETE: "The file has already been uploaded",
    ProblemType.METHOD_NOT_ALLOWED: "Method not allowed",
    ProblemType.INTERNAL_ERROR: "Internal error",
    ProblemType.UNKNOWN_PROCEDURE: "The procedure is not in the gateway's catalog",
    ProblemType.RECEIPT_NUMBER_TAKEN: "Another dossier already has this receipt number",
    ProblemType.INVALID_REQUEST: "The HTTP request is malformed",
    ProblemType.ENROLMENT_CODE_UNKNOWN: "The gateway issued no such enrolment code",
    ProblemType.ENROLMENT_CODE_USED: "The enrolment code has been used already",
    ProblemType.ENROLMENT_CODE_EXPIRED: "The enrolment code has expired",
    ProblemType.ENROLMENT_PROOF_INVALID: "The kiosk's proof of its key does not verify",
    ProblemType.IMPORT_REFUSED: "The export file is refused as a whole",
}


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: where it is (dotted path) and what is wrong with it."""

    field: str
    message: str


class ProblemError(Exception):
    """An error answer; raised anywhere below a handler."""

    def __init__(
        self,
        status: int,
        problem: ProblemType,
        detail: str,
        *,
        errors: Sequence[FieldProblem] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.problem = problem
        self.detail = detail
        self.errors = tuple(errors)
        self.headers = dict(headers or {})

    def to_response(self) -> Response:
        return problem_response(
            self.status, self.problem, self.detail, errors=self.errors, headers=self.headers
        )


def problem_body(
    status: int, problem: ProblemType, detail: str, errors: Sequence[FieldProblem] = ()
) -> bytes:
    body: dict[str, Any] = {
        "type": problem.uri,
        "title": _TITLES[problem],
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def problem_response(
    status: int,
    problem: ProblemType,
    detail: str,
    *,
    errors: Sequence[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(
        problem_body(status, problem, detail, errors),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=dict(headers or {}),
    )
