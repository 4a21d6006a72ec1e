"""Request bodies the gateway accepts, validated as strictly as ``openapi.yaml`` states them.

The models mirror the document's schemas field for field (the schemathesis tests send data that
breaks each constraint and expect a 4xx), and they validate the parsed JSON value in strict mode,
so ``"5"`` is not a score and ``true`` is not a number. Dates and times stay strings: the gateway
stores the body exactly as the kiosk sent it, and only checks that they parse. Every size and
pattern a dossier is held to comes from ``dvc_common.protocol.DEFAULT_LIMITS``, the numbers the
gateway publishes at ``/api/v1/limits``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationError,
    field_validator,
    model_serializer,
)

from dvc_common.protocol import DEFAULT_LIMITS, MAX_LOOKS_LIKE_CHARS, CheckVerdict
from gateway.problems import FieldProblem, ProblemError, ProblemType

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _check_date(value: str) -> str:
    if not _DATE.fullmatch(value):
        raise ValueError("must be a date YYYY-MM-DD")
    date.fromisoformat(value)
    return value


def _check_datetime(value: str) -> str:
    if not _DATETIME.fullmatch(value):
        raise ValueError("must be an ISO 8601 date and time with an offset")
    datetime.fromisoformat(value)
    return value


def canonical_uuid(value: str) -> str:
    """The lower-case hyphenated form; ValueError if ``value`` is not one."""
    if not _UUID.fullmatch(value):
        raise ValueError("must be a UUID like 5b0c7c3e-0000-4000-8000-000000000000")
    return value.lower()


def _check_uuid(value: str) -> str:
    canonical_uuid(value)
    return value


def _integral(value: Any) -> Any:
    # JSON Schema counts 5.0 as an integer; strict mode alone would refuse it.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, BeforeValidator(_integral)]


IsoDate = Annotated[str, AfterValidator(_check_date)]
IsoDateTime = Annotated[str, AfterValidator(_check_datetime)]
Uuid = Annotated[str, AfterValidator(_check_uuid)]
FormKey = Annotated[str, StringConstraints(pattern=DEFAULT_LIMITS.form_key_pattern)]
DocumentCode = Annotated[str, StringConstraints(pattern=DEFAULT_LIMITS.document_code_pattern)]
KioskId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,12}$")]
# dvc_common.trust.EnrolmentCode's alphabet and length (base32 without padding).
ENROLMENT_CODE_PATTERN = r"^[A-Z2-7]{16,40}$"


def _text(max_length: int, min_length: int = 1) -> Any:
    return StringConstraints(min_length=min_length, max_length=max_length)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Applicant(_Body):
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
    old_id_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$")] | None = None
    full_name: Annotated[str, _text(100)]
    date_of_birth: IsoDate
    sex: Literal["Nam", "Nữ"]
    address: Annotated[str, _text(250)]
    issue_date: IsoDate


class FileManifest(_Body):
    name: Annotated[
        str,
        StringConstraints(
            min_length=1, max_length=DEFAULT_LIMITS.max_file_name_chars, pattern=r"^[^/\\]+$"
        ),
    ]
    size: Annotated[JsonInt, Field(ge=1, le=DEFAULT_LIMITS.max_file_bytes)]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    media_type: Annotated[
        str, StringConstraints(max_length=100, pattern=r"^[a-z0-9.+-]+/[a-z0-9.+-]+$")
    ]


# The verdicts as a pattern: a strict model takes JSON strings, not enum members.
_VERDICT_PATTERN = "^(" + "|".join(re.escape(v.value) for v in CheckVerdict) + ")$"


class DocumentCheckWarning(_Body):
    """The kiosk's document check warned and the citizen kept the document: staff look."""

    verdict: Annotated[str, StringConstraints(pattern=_VERDICT_PATTERN)]
    looks_like: Annotated[str, _text(MAX_LOOKS_LIKE_CHARS)] | None = None
    page_index: Annotated[JsonInt, Field(ge=0, lt=DEFAULT_LIMITS.max_files_per_document)] | None = (
        None
    )


class DocumentManifest(_Body):
    code: DocumentCode
    name: Annotated[str, _text(200)]
    files: Annotated[list[FileManifest], Field(max_length=DEFAULT_LIMITS.max_files_per_document)]
    # Optional: kiosks without the document check, and dossiers stored before it, have none.
    check: DocumentCheckWarning | None = None


class Rating(_Body):
    score: Annotated[JsonInt, Field(ge=1, le=5)]
    reason: Annotated[str, _text(500, 0)] | None = None


class DossierCreate(_Body):
    client_uuid: Uuid
    receipt_number: Annotated[
        str, StringConstraints(pattern=r"^[A-Z0-9]{2,12}-[0-9]{6}-[0-9]{4,6}$")
    ]
    kiosk_id: KioskId
    procedure_code: Annotated[str, StringConstraints(pattern=r"^[0-9]\.[0-9]{6}$")]
    procedure_name: Annotated[str, _text(200)]
    applicant: Applicant
    verification: Literal["verified", "pending", "not_found"]
    form: Annotated[
        dict[FormKey, Annotated[str, _text(DEFAULT_LIMITS.max_form_value_chars, 0)]],
        Field(max_length=DEFAULT_LIMITS.max_form_fields),
    ]
    documents: Annotated[list[DocumentManifest], Field(max_length=DEFAULT_LIMITS.max_documents)]
    received_at: IsoDateTime
    due_date: IsoDate
    rating: Rating | None = None

    @field_validator("documents")
    @classmethod
    def _fits_the_dossier_bound(cls, documents: list[DocumentManifest]) -> list[DocumentManifest]:
        # A rule JSON Schema cannot state (a sum over nested arrays); openapi.yaml says it in words.
        total = sum(f.size for d in documents for f in d.files)
        if total > DEFAULT_LIMITS.max_dossier_bytes:
            raise ValueError(
                f"the files add up to {total} bytes, more than {DEFAULT_LIMITS.max_dossier_bytes}"
            )
        return documents


class IdentityQuery(_Body):
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
    full_name: Annotated[str, _text(100)]
    date_of_birth: IsoDate


class OtpRequest(_Body):
    phone: Annotated[str, StringConstraints(pattern=r"^0[0-9]{9}$")]
    purpose: Literal["confirm_dossier"]


class OtpCheck(_Body):
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class QueueCounts(_Body):
    queued: Annotated[JsonInt, Field(ge=0)]
    uploading: Annotated[JsonInt, Field(ge=0)]
    needs_attention: Annotated[JsonInt, Field(ge=0)]
    oldest_queued_at: IsoDateTime | None


# The link object's bounds: generous beside what a kiosk can send (its transport gives up on a
# request after 120 s, and it keeps at most 30 000 requests of the last hour), tight enough that
# a garbled figure is refused rather than shown.
MAX_LINK_RTT_MS = 600_000
MAX_LINK_REQUESTS = 1_000_000


class LinkFigures(_Body):
    """A heartbeat's ``link`` object (``gateway.fleet.LinkReport`` judges it): the last hour's
    gateway requests as the kiosk saw them. Every key is sent; the two figures a kiosk may not
    know are null. ``failures`` above ``requests`` is not refused (the schema cannot say it);
    the judgement caps the ratio at 1."""

    signal_percent: Annotated[JsonInt, Field(ge=0, le=100)] | None
    rtt_ms: Annotated[JsonInt, Field(ge=0, le=MAX_LINK_RTT_MS)] | None
    requests: Annotated[JsonInt, Field(ge=0, le=MAX_LINK_REQUESTS)]
    failures: Annotated[JsonInt, Field(ge=0, le=MAX_LINK_REQUESTS)]


class Heartbeat(_Body):
    """``POST /api/v1/kiosks/heartbeat``. ``link`` and ``app_running`` came with issue 16: an
    older kiosk leaves them out and is still accepted."""

    kiosk_id: KioskId
    at: IsoDateTime
    software_version: Annotated[str, _text(40)]
    queue: QueueCounts
    devices: Annotated[
        dict[
            Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")],
            Annotated[str, _text(200)],
        ],
        Field(max_length=20),
    ]
    link: LinkFigures | None = None
    app_running: bool | None = None

    @model_serializer(mode="wrap")
    def _as_sent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The body as the kiosk sent it: the store keeps what came, so an older kiosk's
        heartbeat is stored without the fields it left out (not with nulls it never sent)."""
        data: dict[str, Any] = handler(self)
        for name in _NEWER_HEARTBEAT_FIELDS:
            if name not in self.model_fields_set:
                data.pop(name, None)
        return data


_NEWER_HEARTBEAT_FIELDS = ("link", "app_running")


class EnrolmentRequest(_Body):
    """``POST /api/v1/enrolment``: a one-time code, the kiosk's new public key and its proof."""

    code: Annotated[str, StringConstraints(pattern=ENROLMENT_CODE_PATTERN)]
    kiosk_public_key: Annotated[str, StringConstraints(pattern=r"^ed25519:[A-Za-z0-9_-]{43}$")]
    proof: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{86}$")]


MAX_AUDIT_EVENTS = 500
AUDIT_KIND_PATTERN = r"^[a-z][a-z0-9._-]{0,39}$"


class AuditEvent(_Body):
    id: Uuid
    at: IsoDateTime
    kind: Annotated[str, StringConstraints(pattern=AUDIT_KIND_PATTERN)]
    actor: Annotated[str, _text(80, 0)]
    detail: Annotated[str, _text(500, 0)]


class AuditBatch(_Body):
    """``POST /api/v1/audit``: events of the kiosk's audit log (already masked by the kiosk)."""

    events: Annotated[list[AuditEvent], Field(min_length=1, max_length=MAX_AUDIT_EVENTS)]


class StatusChange(_Body):
    """``POST /_admin/status/{code}``: a back-office step, for tests of the status lookup."""

    status: Literal[
        "received", "processing", "additional_documents_required", "ready", "returned", "rejected"
    ]
    note: Annotated[str, _text(500, 0)] | None = None


_M = TypeVar("_M", bound=BaseModel)


def validate(model: type[_M], raw: Any) -> _M:
    """``raw`` (parsed JSON) as ``model``, or ``400`` (``invalid-body``) naming every bad field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ProblemError(
            400,
            ProblemType.INVALID_BODY,
            "Some fields are missing or not valid.",
            errors=field_problems(exc),
        ) from None


def field_problems(error: ValidationError) -> list[FieldProblem]:
    """One entry per invalid field, without the offending values (they may be personal data)."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "(body)"
        problems.append(FieldProblem(where, item["msg"]))
    return problems
