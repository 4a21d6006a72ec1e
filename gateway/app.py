"""The reference gateway as an ASGI application: ``create_app`` builds it on a data directory.

The end of this module is the gateway's composition root: ``create_app`` (through
``build_gateway``) is the only place the store, the reference data, the authenticator, the tus
service, the dossier intake and the importer of USB exports are built and wired (and the
gateway's keys made if they do not exist yet), and ``open_store`` and ``open_publications`` the
only places a database backend is chosen. The catalog and the calendar overrides served, and
those the intake dates dossiers by, are the newest the console published
(``gateway.reference.ReferenceSource``), else the files the settings name; the ``dvc-gateway``
command (``gateway.cli``) turns its arguments into settings
and fault switches and comes here for everything else (``import_exports`` for its ``import``).

Every operation of ``openapi.yaml`` is here, and only those (plus the ``/_admin`` endpoints that
tests use to switch faults, mounted only with ``admin=True``; the administrator of the import is
another thing: a token in the settings). Creating and finalizing a dossier is
``gateway.intake``'s, shared with the import, so a dossier arriving both ways is one dossier.
Routes are plain Starlette routes whose handlers take the raw request and validate bodies
themselves, so that every error, routing errors included, is problem+json, and
``openapi.yaml`` is the one contract. The application is Starlette's own, not FastAPI's:
nothing here used FastAPI's dependency injection or generated documents, and its four extra
layers around every request cost the event loop a tenth of its time under load.

Personal data never reaches a log: requests are logged by path only, and an unexpected error is
logged with ID-shaped numbers masked.
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import hmac
import json
import logging
import secrets
import threading
import traceback
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from dvc_common.admin_units import units_document
from dvc_common.catalog import load_catalog
from dvc_common.clock import VIETNAM
from dvc_common.export_format import SUFFIX
from dvc_common.privacy import mask_digits_in
from dvc_common.protocol import DEFAULT_LIMITS, ProcessingStatus
from dvc_common.trust import check_enrolment_proof
from dvc_common.workdays import load_overrides
from gateway import GATEWAY_VERSION, migrate
from gateway.blobs import DirectoryBlobStore
from gateway.console import CONSOLE_PATH, ConsoleStore, create_console, open_console_store
from gateway.console.publishing import STREAMED_PATHS, PublishingServices, attach_publishing
from gateway.credentials import enrolment_code_digest
from gateway.database import DatabaseChoiceError, check_url, database_url, record_url, redacted
from gateway.faults import FaultMiddleware, FaultState
from gateway.imports import ExportRefusedError, Importer, ImportReport
from gateway.intake import DossierIntake
from gateway.keys import GatewayKeys, ensure_keys
from gateway.locks import LocalLocks, UploadLocks
from gateway.locks_postgres import AdvisoryLocks
from gateway.metrics import METRICS_PATH, GatewayMetrics, RequestMetricsMiddleware
from gateway.middleware import (
    BodyLimitMiddleware,
    MethodOverrideMiddleware,
    TusHeaderMiddleware,
    is_upload_path,
)
from gateway.models import (
    AuditBatch,
    EnrolmentRequest,
    Heartbeat,
    IdentityQuery,
    OtpCheck,
    OtpRequest,
    Rating,
    StatusChange,
    canonical_uuid,
    validate,
)
from gateway.offload import Offloader
from gateway.problems import FieldProblem, ProblemError, ProblemType, problem_response
from gateway.publications import ImportChannel, PublicationStore
from gateway.publications_postgres import PostgresPublicationStore
from gateway.publications_sqlite import SqlitePublicationStore
from gateway.reference import (
    CalendarInForce,
    CatalogInForce,
    FollowingCalendar,
    FollowingCatalog,
    ReferenceData,
    ReferenceSource,
    Tagged,
)
from gateway.settings import MAX_BODY_BYTES, GatewaySettings
from gateway.store import (
    DossierRecord,
    EnrolmentCodeExpiredError,
    EnrolmentCodeUnknownError,
    EnrolmentCodeUsedError,
    NewAuditEvent,
    OtpRecord,
    Store,
    StoreError,
    new_id,
    token_digest,
)
from gateway.store_postgres import PostgresStore
from gateway.store_sqlite import DB_NAME, SqliteStore
from gateway.tus import UPLOADS_PATH, TusService

log = logging.getLogger(__name__)

API = "/api/v1"
HEALTH_PATH = f"{API}/health"
SPEC_PATHS = (f"{API}/openapi.yaml", "/openapi.yaml")
ENROLMENT_PATH = f"{API}/enrolment"
IMPORTS_PATH = f"{API}/imports"
# A kiosk enrolling has no token yet: the one-time code and its proof are its credentials.
PUBLIC_PATHS = frozenset({HEALTH_PATH, ENROLMENT_PATH, *SPEC_PATHS})
OCTET_STREAM = "application/octet-stream"
IMPORTS_DIR = "imports"
ADMIN_PREFIX = "/_admin"
IDENTITIES_FILE = "identities.json"
OUTBOX_FILE = "outbox.jsonl"
OTP_LENGTH = 6
# The PostgreSQL store's pooled connections, and so the threads its calls run on (one each:
# a store thread never waits in the pool): STORE_THREADS for any call, PROMPT_THREADS more for
# the calls a kiosk waits on alone, a heartbeat's or a token check's (``gateway.offload``). The
# embedded SQLite store has one connection.
#
# Few on purpose. Measured with the load benchmark (2 replicas, 20 dossiers/s, 2 cores): with 8
# threads each, the calls of uploads (an fsync or two and a few round trips each) ran 6 times
# slower than with few, as they contended for the disk, the database and the interpreter, so a
# passing burst never drained (PATCH p50 2-4 s); with 3, drained in 2 s, with 2 in 0.4 s and
# heartbeats p99 63 ms. A replica is about one core's worth of Python: more cores want more
# replicas, not more threads.
STORE_THREADS = 2
PROMPT_THREADS = 2
STORE_CONNECTIONS = STORE_THREADS + PROMPT_THREADS
SQLITE_STORE_THREADS = 1

_M = TypeVar("_M", bound=BaseModel)


class IdentityAnswer(StrEnum):
    """What the national identity system says about a person."""

    VERIFIED = "verified"
    NOT_FOUND = "not_found"


Handler = Callable[..., Awaitable[Response]]


def load_specification() -> bytes:
    """The bundled ``openapi.yaml``."""
    return resources.files("gateway").joinpath("openapi.yaml").read_bytes()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _normalize_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# --- the application -----------------------------------------------------------------------------


class Authenticator:
    """Bearer tokens to kiosks: the kiosk a request's token belongs to, or 401 or 403.

    A blocking call (a store look-up): handlers run it off the event loop (``gateway.offload``),
    alone or at the start of a function that goes on with the request's other store calls.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        kiosk = self.store.kiosk_for_token(token) if scheme.lower() == "bearer" and token else None
        if kiosk is None:
            raise ProblemError(
                401,
                ProblemType.UNAUTHORIZED,
                "Send the kiosk's token as 'Authorization: Bearer <token>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not kiosk.enabled:
            raise ProblemError(403, ProblemType.FORBIDDEN, "This kiosk has been disabled.")
        return kiosk.kiosk_id


class Gateway:
    """The handlers and what they share: store, settings, faults and reference data.

    Everything is handed in, built by ``create_app``; the handlers build nothing themselves.
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        settings: GatewaySettings,
        faults: FaultState,
        store: Store,
        authenticate: Authenticator,
        tus: TusService,
        reference: ReferenceData,
        keys: GatewayKeys,
        intake: DossierIntake,
        importer: Importer,
        console_store: ConsoleStore,
        offload: Offloader,
        publications: PublicationStore,
        reference_source: ReferenceSource,
    ) -> None:
        self.data_dir = data_dir
        self.settings = settings
        self.faults = faults
        self.store = store
        self.authenticate = authenticate
        self.tus = tus
        self.keys = keys
        self.intake = intake
        self.importer = importer
        self.console_store = console_store
        self.offload = offload
        self.publications = publications
        self.reference = reference_source
        self.limits_doc = reference.limits_doc
        self.units_doc = reference.units_doc
        self.specification = reference.specification
        self._outbox_lock = threading.Lock()

    def close(self) -> None:
        """Release the upload locks' connections, then the console's store and the
        publications, then the store (once the store calls under way have ended)."""
        try:
            self.tus.locks.close()
        finally:
            try:
                try:
                    self.console_store.close()
                finally:
                    self.publications.close()
            finally:
                try:
                    self.offload.close()
                finally:
                    self.store.close()

    # --- request plumbing -----------------------------------------------------------------------

    async def kiosk_of(self, request: Request) -> str:
        """The kiosk the request's token belongs to (401, 403), looked up off the event loop."""
        return await self.offload(self.authenticate, request)

    def own_dossier_of(self, request: Request, dossier_id: str) -> tuple[str, DossierRecord]:
        """The requesting kiosk and its dossier ``dossier_id`` (404 for another kiosk's); one
        blocking function, so a request hops to a store thread once for both."""
        kiosk_id = self.authenticate(request)
        return kiosk_id, self.own_dossier(dossier_id, kiosk_id)

    async def read_json(self, request: Request) -> Any:
        _check_json_media(request)
        return _parse_json(await self.read_body(request))

    async def read_body(self, request: Request) -> bytes:
        """The request's body, at most ``MAX_BODY_BYTES`` (413) and whole (400)."""
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise ProblemError(
                        413,
                        ProblemType.TOO_LARGE,
                        f"A request body is at most {MAX_BODY_BYTES} bytes.",
                    )
        except ClientDisconnect:
            raise ProblemError(
                400, ProblemType.INVALID_BODY, "The request body ended early."
            ) from None
        return bytes(body)

    async def read_model(self, request: Request, model: type[_M]) -> _M:
        return validate(model, await self.read_json(request))

    def authenticate_admin(self, request: Request) -> None:
        """The province administrator's bearer token (``admin_token``): 401 without it or with
        another; 403 when the gateway has none, which switches the administrator's endpoints
        off."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        unauthorized = ProblemError(
            401,
            ProblemType.UNAUTHORIZED,
            "Send the administrator's token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
        if not token:
            raise unauthorized
        expected = self.settings.admin_token
        if expected is None:
            raise ProblemError(
                403,
                ProblemType.FORBIDDEN,
                "This gateway has no administrator's token; start it with --admin-token-file.",
            )
        # Digests compared in constant time: the comparison says nothing about the token.
        if not hmac.compare_digest(token_digest(token), token_digest(expected)):
            raise unauthorized

    def base_url(self, request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def upload_url(self, request: Request, upload_id: str) -> str:
        return f"{self.base_url(request)}{UPLOADS_PATH}/{upload_id}"

    def own_dossier(self, dossier_id: str, kiosk_id: str) -> DossierRecord:
        dossier = self.store.dossier(dossier_id)
        # Another kiosk's dossier is "not found": its existence is nobody else's business.
        if dossier is None or dossier.kiosk_id != kiosk_id:
            raise ProblemError(404, ProblemType.NOT_FOUND, "No such dossier.")
        return dossier

    def dossier_view(self, request: Request, dossier: DossierRecord) -> dict[str, Any]:
        return {
            "dossier_id": dossier.dossier_id,
            "client_uuid": dossier.client_uuid,
            "status": dossier.intake_status.value,
            "files": [
                {
                    "file_id": f.file_id,
                    "document_code": f.document_code,
                    "name": f.name,
                    "size": f.size,
                    "sha256": f.sha256,
                    "complete": f.complete,
                    "upload_url": self.upload_url(request, f.upload_id) if f.upload_id else None,
                }
                for f in self.store.files(dossier.dossier_id)
            ],
            "dossier_code": dossier.dossier_code,
            "appointment_date": (
                dossier.appointment_date.isoformat() if dossier.appointment_date else None
            ),
        }

    # --- dossiers -------------------------------------------------------------------------------

    async def create_dossier(self, request: Request) -> Response:
        kiosk_id = await self.kiosk_of(request)
        raw_key = request.headers.get("idempotency-key")
        if raw_key is None:
            raise ProblemError(
                400,
                ProblemType.INVALID_HEADER,
                "Idempotency-Key is required.",
                errors=[FieldProblem("Idempotency-Key", "is required")],
            )
        try:
            key = canonical_uuid(raw_key.strip())
        except ValueError as exc:
            raise ProblemError(
                400,
                ProblemType.INVALID_HEADER,
                "Idempotency-Key must be the dossier's client UUID.",
                errors=[FieldProblem("Idempotency-Key", str(exc))],
            ) from None
        raw = await self.read_json(request)

        def register() -> tuple[dict[str, Any], bool]:
            record, created = self.intake.register(key, kiosk_id, raw)
            if created:
                log.info("dossier %s created by kiosk %s", record.dossier_id, kiosk_id)
            return self.dossier_view(request, record), created

        view, created = await self.offload(register)
        return json_response(view, status=201 if created else 200)

    async def get_dossier(self, request: Request, dossier_id: str) -> Response:
        def view() -> dict[str, Any]:
            return self.dossier_view(request, self.own_dossier_of(request, dossier_id)[1])

        return json_response(await self.offload(view))

    async def finalize(self, request: Request, dossier_id: str) -> Response:
        kiosk_id, dossier = await self.offload(self.own_dossier_of, request, dossier_id)
        registered = await self.intake.finalize(dossier, f"Tiếp nhận hồ sơ từ kiosk {kiosk_id}")
        assert registered.registered_at is not None and registered.appointment_date is not None
        return json_response(
            {
                "dossier_id": registered.dossier_id,
                "dossier_code": registered.dossier_code,
                "appointment_date": registered.appointment_date.isoformat(),
                "status": ProcessingStatus.RECEIVED.value,
                "received_at": _iso(registered.registered_at),
            }
        )

    async def rate(self, request: Request, dossier_id: str) -> Response:
        await self.offload(self.own_dossier_of, request, dossier_id)
        rating = await self.read_model(request, Rating)
        await self.offload(self.store.set_rating, dossier_id, rating.model_dump())
        return Response(status_code=204)

    # --- status, reference data -----------------------------------------------------------------

    async def status(self, request: Request, code: str) -> Response:
        return json_response(await self.offload(self._status_view, request, code))

    def _status_view(self, request: Request, code: str) -> dict[str, Any]:
        self.authenticate(request)
        dossier = self.store.dossier_by_code(code)
        if dossier is None or dossier.status is None or dossier.appointment_date is None:
            raise ProblemError(404, ProblemType.NOT_FOUND, "No registered dossier has this code.")
        return {
            "dossier_code": dossier.dossier_code,
            "receipt_number": dossier.receipt_number,
            "procedure_code": dossier.procedure_code,
            "status": dossier.status.value,
            "history": [
                {"at": _iso(h.at), "status": h.status.value, "note": h.note}
                for h in self.store.history(dossier.dossier_id)
            ],
            "expected_return_date": dossier.appointment_date.isoformat(),
        }

    def _catalog_for(self, request: Request) -> CatalogInForce:
        self.authenticate(request)
        return self.reference.catalog()

    def _calendar_for(self, request: Request) -> CalendarInForce:
        self.authenticate(request)
        return self.reference.calendar()

    async def catalog_endpoint(self, request: Request) -> Response:
        # The token and the version in force in one hop off the event loop: the newest
        # publication (``gateway.reference.ReferenceSource``), whichever replica made it.
        in_force = await self.offload(self._catalog_for, request)
        return in_force.doc.response(request)

    async def overrides_endpoint(self, request: Request) -> Response:
        in_force = await self.offload(self._calendar_for, request)
        return in_force.doc.response(request)

    async def limits_endpoint(self, request: Request) -> Response:
        await self.kiosk_of(request)
        return self.limits_doc.response(request)

    async def units_endpoint(self, request: Request) -> Response:
        await self.kiosk_of(request)
        return self.units_doc.response(request)

    # --- identity, one-time codes, heartbeat ----------------------------------------------------

    def _register(self) -> list[dict[str, Any]]:
        path = self.data_dir / IDENTITIES_FILE
        try:
            people = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            log.error("the identity register %s cannot be read", path)
            raise self._identity_unavailable() from None
        if not isinstance(people, list) or not all(isinstance(p, dict) for p in people):
            log.error("the identity register %s is not a list of people", path)
            raise self._identity_unavailable()
        return people

    def _identity_unavailable(self) -> ProblemError:
        return ProblemError(
            503,
            ProblemType.UNAVAILABLE,
            "The national identity system cannot be reached; accept the identity as pending.",
            headers={"Retry-After": str(self.faults.retry_after_s)},
        )

    async def verify_identity(self, request: Request) -> Response:
        await self.kiosk_of(request)
        query = await self.read_model(request, IdentityQuery)
        if self.faults.identity_down:
            raise self._identity_unavailable()
        wanted = (query.id_number, _normalize_name(query.full_name), query.date_of_birth)
        found = any(
            (
                str(p.get("id_number")),
                _normalize_name(str(p.get("full_name", ""))),
                str(p.get("date_of_birth")),
            )
            == wanted
            for p in self._register()
        )
        answer = IdentityAnswer.VERIFIED if found else IdentityAnswer.NOT_FOUND
        return json_response({"result": answer.value})

    @staticmethod
    def _code_digest(otp_id: str, code: str) -> str:
        return hashlib.sha256(f"{otp_id}:{code}".encode()).hexdigest()

    async def request_otp(self, request: Request) -> Response:
        kiosk_id = await self.kiosk_of(request)
        wanted = await self.read_model(request, OtpRequest)
        now = self.settings.now()
        expires_at = now + self.settings.otp_ttl
        code = f"{secrets.randbelow(10**OTP_LENGTH):0{OTP_LENGTH}d}"
        otp_id = new_id("o")
        await self.offload(
            self._send_otp,
            kiosk_id=kiosk_id,
            wanted=wanted,
            otp_id=otp_id,
            code=code,
            now=now,
            expires_at=expires_at,
        )
        return json_response(
            {"otp_id": otp_id, "expires_at": _iso(expires_at), "length": OTP_LENGTH}, status=201
        )

    def _send_otp(
        self,
        *,
        kiosk_id: str,
        wanted: OtpRequest,
        otp_id: str,
        code: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Store the code's digest, then hand the code to the SMS outbox (blocking)."""
        self.store.create_otp(
            otp_id=otp_id,
            kiosk_id=kiosk_id,
            code_sha256=self._code_digest(otp_id, code),
            purpose=wanted.purpose,
            now=now,
            expires_at=expires_at,
            attempts=self.settings.otp_attempts,
        )
        line = {"otp_id": otp_id, "phone": wanted.phone, "code": code, "at": _iso(now)}
        with self._outbox_lock, (self.data_dir / OUTBOX_FILE).open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")

    def _own_otp(self, request: Request, otp_id: str) -> OtpRecord:
        kiosk_id = self.authenticate(request)
        otp = self.store.otp(otp_id)
        if otp is None or otp.kiosk_id != kiosk_id:
            raise ProblemError(404, ProblemType.NOT_FOUND, "No such one-time code.")
        return otp

    async def verify_otp(self, request: Request, otp_id: str) -> Response:
        otp = await self.offload(self._own_otp, request, otp_id)
        check = await self.read_model(request, OtpCheck)
        matches = hmac.compare_digest(self._code_digest(otp_id, check.code), otp.code_sha256)
        valid, left = await self.offload(
            self.store.check_otp, otp_id, matches=matches, now=self.settings.now()
        )
        return json_response({"valid": valid, "attempts_left": left})

    async def heartbeat(self, request: Request) -> Response:
        # The busiest request of a province (every kiosk, every 30 s), so everything of it but
        # reading the body is one trip to a store thread: the token, the body's checks, the
        # save. Each trip waits for the event loop to take its answer, and under load that
        # wait, not the database, was most of a heartbeat's time.
        body = await self.read_body(request)
        await self.offload(self._save_heartbeat, request, body)
        return Response(status_code=204)

    def _save_heartbeat(self, request: Request, body: bytes) -> None:
        """A heartbeat's refusals in the order of every request's (the token, the media type,
        the body), then its save (blocking)."""
        kiosk_id = self.authenticate(request)
        _check_json_media(request)
        beat = validate(Heartbeat, _parse_json(body))
        if beat.kiosk_id != kiosk_id:
            raise ProblemError(
                400,
                ProblemType.INVALID_BODY,
                "The heartbeat names another kiosk.",
                errors=[FieldProblem("kiosk_id", "is not the kiosk the token belongs to")],
            )
        self.store.save_heartbeat(kiosk_id, beat.model_dump(), self.settings.now())

    # --- technician mode: enrolment, audit logs, USB imports -------------------------------------

    async def enrol_kiosk(self, request: Request) -> Response:
        """A kiosk redeems a one-time code with its new public key and its proof of holding the
        private key; it gets its token and the gateway's public keys."""
        wanted = await self.read_model(request, EnrolmentRequest)
        digest = enrolment_code_digest(wanted.code)
        now = self.settings.now()
        # The code is looked at before the proof, so the answer says what the technician must
        # do: an unknown, used or expired code needs a new one, a bad proof is the kiosk's.
        code = await self.offload(self.store.enrolment_code, digest)
        if code is None:
            raise _enrolment_refused(EnrolmentCodeUnknownError())
        if code.used_at is not None:
            raise _enrolment_refused(EnrolmentCodeUsedError())
        if code.expires_at <= now:
            raise _enrolment_refused(EnrolmentCodeExpiredError())
        try:
            check_enrolment_proof(wanted.code, wanted.kiosk_public_key, wanted.proof)
        except ValueError:  # TrustError, or a key the library refuses
            raise ProblemError(
                400,
                ProblemType.ENROLMENT_PROOF_INVALID,
                "The proof is not a signature of this code and key by that key; the code is "
                "still valid.",
                errors=[FieldProblem("proof", "does not verify")],
            ) from None
        try:
            # Atomic: of two redemptions of one code, the second finds it used here.
            token = await self.offload(
                self.store.redeem_enrolment_code,
                digest,
                public_key=wanted.kiosk_public_key,
                now=now,
            )
        except StoreError as exc:
            raise _enrolment_refused(exc) from None
        log.info("kiosk %s enrolled with a one-time code", code.kiosk_id)
        return json_response(
            {
                "kiosk_id": code.kiosk_id,
                "token": token,
                "signing_key": self.keys.signing_public,
                "sealing_key": self.keys.sealing_public,
            },
            status=201,
        )

    async def audit(self, request: Request) -> Response:
        """Events of the kiosk's audit log; an event id seen before from this kiosk is counted
        as a duplicate and not stored again, so a batch is safely sent again."""
        kiosk_id = await self.kiosk_of(request)
        batch = await self.read_model(request, AuditBatch)
        events = [
            NewAuditEvent(
                canonical_uuid(e.id), datetime.fromisoformat(e.at), e.kind, e.actor, e.detail
            )
            for e in batch.events
        ]
        stored = await self.offload(
            self.store.add_audit_events, kiosk_id, events, self.settings.now()
        )
        return json_response({"stored": stored, "duplicates": len(events) - stored})

    async def import_export(self, request: Request) -> Response:
        """A USB export, streamed to the data directory and imported (``gateway.imports``)."""
        self.authenticate_admin(request)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.settings.max_import_bytes:
            # Refused before a byte is read, as the JSON limit is.
            raise self._import_too_large()
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != OCTET_STREAM:
            raise ProblemError(
                415, ProblemType.UNSUPPORTED_MEDIA_TYPE, f"Send the export file as {OCTET_STREAM}."
            )
        incoming = self.importer.staging_dir / f"incoming-{secrets.token_hex(8)}{SUFFIX}"
        try:
            await self._spool(request, incoming)
            try:
                report = await self.importer.import_file(
                    incoming, channel=ImportChannel.API, file_name=_sent_file_name(request)
                )
            except ExportRefusedError as exc:
                raise ProblemError(
                    400, ProblemType.IMPORT_REFUSED, f"Nothing was imported: {exc}."
                ) from None
        finally:
            incoming.unlink(missing_ok=True)
        return json_response(report.to_json())

    def _import_too_large(self) -> ProblemError:
        limit = self.settings.max_import_bytes
        return ProblemError(413, ProblemType.TOO_LARGE, f"An export is at most {limit} bytes.")

    async def _spool(self, request: Request, target: Path) -> None:
        """The request body into ``target`` as it arrives, never whole in memory."""
        limit = self.settings.max_import_bytes
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with target.open("xb") as handle:
            try:
                async for chunk in request.stream():
                    written += len(chunk)
                    if written > limit:
                        raise self._import_too_large()
                    handle.write(chunk)
            except ClientDisconnect:
                raise ProblemError(
                    400, ProblemType.INVALID_BODY, "The request body ended early."
                ) from None

    # --- service --------------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        return json_response({"status": "ok", "version": GATEWAY_VERSION})

    async def spec(self, request: Request) -> Response:
        return Response(self.specification, media_type="application/yaml")

    # --- admin (tests only) ---------------------------------------------------------------------

    async def get_faults(self, request: Request) -> Response:
        return json_response(self.faults.to_dict())

    async def put_faults(self, request: Request) -> Response:
        raw = await self.read_json(request)
        if not isinstance(raw, dict):
            raise ProblemError(400, ProblemType.INVALID_BODY, "Send an object of faults.")
        try:
            self.faults.update(raw)
        except ValueError as exc:
            raise ProblemError(400, ProblemType.INVALID_BODY, str(exc)) from None
        return json_response(self.faults.to_dict())

    async def set_status(self, request: Request, code: str) -> Response:
        change = await self.read_model(request, StatusChange)

        def set_status() -> None:
            dossier = self.store.dossier_by_code(code)
            if dossier is None:
                raise ProblemError(
                    404, ProblemType.NOT_FOUND, "No registered dossier has this code."
                )
            self.store.set_status(
                dossier.dossier_id,
                ProcessingStatus(change.status),
                self.settings.now(),
                change.note,
            )

        await self.offload(set_status)
        return Response(status_code=204)


def _enrolment_refused(error: StoreError) -> ProblemError:
    if isinstance(error, EnrolmentCodeUsedError):
        return ProblemError(
            409,
            ProblemType.ENROLMENT_CODE_USED,
            "This enrolment code has been used; ask for a new one.",
        )
    if isinstance(error, EnrolmentCodeExpiredError):
        return ProblemError(
            410,
            ProblemType.ENROLMENT_CODE_EXPIRED,
            "This enrolment code has expired; ask for a new one.",
        )
    if isinstance(error, EnrolmentCodeUnknownError):
        return ProblemError(
            404,
            ProblemType.ENROLMENT_CODE_UNKNOWN,
            "The gateway issued no such enrolment code; check it, or ask for a new one.",
        )
    raise error


def _check_json_media(request: Request) -> None:
    """415 unless the body is declared JSON (or not declared at all)."""
    content_type = request.headers.get("content-type")
    if content_type is not None:
        media = content_type.split(";")[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise ProblemError(
                415, ProblemType.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json."
            )


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError):
        raise ProblemError(
            400, ProblemType.INVALID_BODY, "The body is not JSON in UTF-8."
        ) from None


def _guarded(handler: Handler) -> Handler:
    """Turns every exception of a handler into a problem+json answer."""

    async def guarded(request: Request, **params: str) -> Response:
        try:
            return await handler(request, **params)
        except ProblemError as problem:
            return problem.to_response()
        except Exception:
            # The traceback may quote request data; ID numbers in it are masked.
            log.error(
                "unexpected error on %s %s\n%s",
                request.method,
                request.url.path,
                mask_digits_in(traceback.format_exc()),
            )
            return problem_response(
                500, ProblemType.INTERNAL_ERROR, "The gateway failed; try again later."
            )

    return guarded


def _route(app: Starlette, path: str, handlers: dict[str, Handler]) -> None:
    """One route per path, so a 405 lists every method the path takes in ``Allow``."""
    guarded = {method: _guarded(handler) for method, handler in handlers.items()}
    if "GET" in guarded and "HEAD" not in guarded:
        guarded["HEAD"] = guarded["GET"]

    async def endpoint(request: Request) -> Response:
        return await guarded[request.method](request, **request.path_params)

    app.router.routes.append(Route(path, endpoint, methods=list(guarded)))


def is_public(method: str, path: str) -> bool:
    """Whether ``method path`` is answered without a token: health, the document, and tus
    discovery (``OPTIONS``, which browsers also send as a CORS preflight without credentials)."""
    return path in PUBLIC_PATHS or (method == "OPTIONS" and is_upload_path(path))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        return problem_response(
            405,
            ProblemType.METHOD_NOT_ALLOWED,
            "This path does not take that method.",
            headers=headers,
        )
    if exc.status_code == 404:
        return problem_response(404, ProblemType.NOT_FOUND, "No such path.", headers=headers)
    return problem_response(
        exc.status_code, ProblemType.INVALID_BODY, str(exc.detail), headers=headers
    )


# --- the composition root ------------------------------------------------------------------------


def open_store(data_dir: Path, *, serving: bool = False) -> Store:
    """The metadata store of the gateway on ``data_dir``: the one place the gateway picks a
    database. PostgreSQL when the directory names one (``gateway.database``; its schema brought
    up to date on opening), otherwise the embedded SQLite file. A ``serving`` gateway's
    PostgreSQL store keeps the kiosk tokens it looked up while it hears of every change to a
    kiosk (``gateway.token_cache``)."""
    url = database_url(data_dir)
    if url is None:
        return SqliteStore(data_dir)
    return PostgresStore(url, max_connections=STORE_CONNECTIONS, cache_tokens=serving)


def open_publications(data_dir: Path) -> PublicationStore:
    """The publications and the import log beside the gateway's store on ``data_dir``: in the
    PostgreSQL database the directory names, or in the embedded SQLite file."""
    url = database_url(data_dir)
    if url is None:
        return SqlitePublicationStore(data_dir)
    return PostgresPublicationStore(url)


def store_offloader(store: Store) -> Offloader:
    """The threads the store's calls run on, off the event loop: one per connection."""
    if isinstance(store, PostgresStore):
        return Offloader(STORE_THREADS, reserved=PROMPT_THREADS, name="store")
    return Offloader(SQLITE_STORE_THREADS, name="store")


def open_upload_locks(data_dir: Path) -> UploadLocks:
    """The tus upload lock's reach: every replica on the PostgreSQL database the directory
    names, or this one process on the embedded SQLite file (which no replica shares)."""
    url = database_url(data_dir)
    return LocalLocks() if url is None else AdvisoryLocks(url)


def store_exists(data_dir: Path) -> bool:
    """Whether ``data_dir`` holds a gateway's metadata (without creating any): a PostgreSQL
    database named, or the SQLite file."""
    return database_url(data_dir) is not None or SqliteStore.exists(data_dir)


def use_database(data_dir: Path, url: str) -> str:
    """Make the PostgreSQL database at ``url`` the metadata store of the gateway on
    ``data_dir``: its schema is brought up to date (a reachable server and a database that
    exists are checked on the way), then the directory names it. Returns the schema revision.

    DatabaseChoiceError when the directory already keeps its metadata elsewhere (its SQLite
    file, or another database): moving a gateway's metadata is not a matter of naming a URL.
    Naming the same database again only upgrades its schema.
    """
    url = check_url(url)
    named = database_url(data_dir)
    if named is not None and named != url:
        raise DatabaseChoiceError(
            f"{data_dir} already keeps its metadata in {redacted(named)}, not {redacted(url)}"
        )
    if named is None and SqliteStore.exists(data_dir):
        raise DatabaseChoiceError(
            f"{data_dir} already keeps its metadata in its SQLite file ({data_dir / DB_NAME})"
        )
    PostgresStore(url).close()  # connects and migrates, or raises BackendError
    record_url(data_dir, url)
    return migrate.current(url) or ""


def load_reference(settings: GatewaySettings) -> ReferenceData:
    """The catalog, calendar, units table and published documents the settings name
    (ConfigError if not)."""
    return ReferenceData(
        catalog=load_catalog(settings.catalog_dir),
        overrides=load_overrides(settings.calendar_overrides),
        limits_doc=Tagged.of(DEFAULT_LIMITS.to_document()),
        units_doc=Tagged.of(units_document(settings.admin_units_dir)),
        specification=load_specification(),
    )


def build_gateway(data_dir: Path, settings: GatewaySettings, faults: FaultState) -> Gateway:
    """Every object a served gateway uses, built and wired here and nowhere else."""
    # The keys first: a gateway that has served once has them, and a kiosk's configuration
    # holds their public halves from its enrolment on.
    keys, created = ensure_keys(data_dir)
    if created:
        log.warning("created the gateway's signing and sealing keys in %s", data_dir)
    store = open_store(data_dir, serving=True)
    offload = store_offloader(store)
    locks: UploadLocks | None = None
    console_store: ConsoleStore | None = None
    publications: PublicationStore | None = None
    try:
        reference = load_reference(settings)
        publications = open_publications(data_dir)
        # The catalog and calendar in force: the newest publication, or the files above.
        source = ReferenceSource(
            publications, catalog=reference.catalog, overrides=reference.overrides
        )
        authenticate = Authenticator(store)
        locks = open_upload_locks(data_dir)
        console_store = open_console_store(data_dir)
        tus = TusService(
            data_dir, store, settings, authenticate, locks=locks,
            blobs=DirectoryBlobStore(data_dir), reached=faults.reached, offload=offload,
        )  # fmt: skip
        intake = DossierIntake(
            store=store,
            offload=offload,
            settings=settings,
            catalog=FollowingCatalog(source),
            calendar=FollowingCalendar(source),
            tus=tus,
        )
        importer = Importer(
            store=store,
            intake=intake,
            tus=tus,
            key=keys.sealing,
            staging_dir=data_dir / IMPORTS_DIR,
            records=publications,
        )
    except BaseException:
        if publications is not None:
            publications.close()
        if console_store is not None:
            console_store.close()
        if locks is not None:
            locks.close()
        offload.close()
        store.close()
        raise
    return Gateway(
        data_dir=data_dir,
        settings=settings,
        faults=faults,
        store=store,
        authenticate=authenticate,
        tus=tus,
        reference=reference,
        keys=keys,
        intake=intake,
        importer=importer,
        console_store=console_store,
        offload=offload,
        publications=publications,
        reference_source=source,
    )


def create_app(
    data_dir: Path, settings: GatewaySettings, faults: FaultState, *, admin: bool = False
) -> Starlette:
    """The gateway on ``data_dir``; ``admin`` mounts the fault switches under ``/_admin``.

    The process's composition root: the CLI's ``serve``, the demo and the tests all come
    through here with their settings and fault switches.
    """
    gateway = build_gateway(data_dir, settings, faults)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Before the first request (and before `gateway serve` says it is listening).
        await gateway.tus.recover()
        yield
        gateway.close()

    app = Starlette(lifespan=lifespan)
    app.state.gateway = gateway
    routes: dict[str, dict[str, Handler]] = {
        f"{API}/dossiers": {"POST": gateway.create_dossier},
        f"{API}/dossiers/{{dossier_id}}": {"GET": gateway.get_dossier},
        f"{API}/dossiers/{{dossier_id}}/finalize": {"POST": gateway.finalize},
        f"{API}/dossiers/{{dossier_id}}/rating": {"POST": gateway.rate},
        UPLOADS_PATH: {"OPTIONS": gateway.tus.options, "POST": gateway.tus.create},
        f"{UPLOADS_PATH}/{{upload_id}}": {
            "OPTIONS": gateway.tus.options,
            "HEAD": gateway.tus.head,
            "PATCH": gateway.tus.patch,
            "DELETE": gateway.tus.delete,
        },
        f"{API}/status/{{code}}": {"GET": gateway.status},
        f"{API}/catalog": {"GET": gateway.catalog_endpoint},
        f"{API}/calendar/overrides": {"GET": gateway.overrides_endpoint},
        f"{API}/limits": {"GET": gateway.limits_endpoint},
        f"{API}/admin-units": {"GET": gateway.units_endpoint},
        f"{API}/identity/verify": {"POST": gateway.verify_identity},
        f"{API}/otp": {"POST": gateway.request_otp},
        f"{API}/otp/{{otp_id}}/verify": {"POST": gateway.verify_otp},
        f"{API}/kiosks/heartbeat": {"POST": gateway.heartbeat},
        ENROLMENT_PATH: {"POST": gateway.enrol_kiosk},
        f"{API}/audit": {"POST": gateway.audit},
        IMPORTS_PATH: {"POST": gateway.import_export},
        HEALTH_PATH: {"GET": gateway.health},
        **{path: {"GET": gateway.spec} for path in SPEC_PATHS},
    }
    if admin:
        routes[f"{ADMIN_PREFIX}/faults"] = {"GET": gateway.get_faults, "PUT": gateway.put_faults}
        routes[f"{ADMIN_PREFIX}/status/{{code}}"] = {"POST": gateway.set_status}
    for path, handlers in routes.items():
        _route(app, path, handlers)
    # The fleet console: its own pages, sessions and CSRF, on the same store and blobs.
    console = create_console(
        store=gateway.store, console_store=gateway.console_store, blobs=gateway.tus.blobs,
        settings=settings, signing_key=gateway.keys.signing, gateway_url=settings.public_url,
    )  # fmt: skip
    attach_publishing(
        console,
        PublishingServices(
            publications=gateway.publications,
            reference=gateway.reference,
            importer=gateway.importer,
            max_import_bytes=settings.max_import_bytes,
        ),
    )
    app.mount(CONSOLE_PATH, console)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Added innermost first: the body limit sees requests after the faults, the tus header is
    # put on every answer under /uploads, fault answers included, and a method override is
    # applied before anything looks at the method. An export is streamed to disk, bounded by
    # max_import_bytes instead of the JSON limit, and so are the console's uploads (an export,
    # a catalog), each bounded by its page.
    streamed = (IMPORTS_PATH, *(CONSOLE_PATH + path for path in STREAMED_PATHS))
    app.add_middleware(BodyLimitMiddleware, limit=MAX_BODY_BYTES, streamed=streamed)
    app.add_middleware(
        FaultMiddleware,
        faults=faults,
        public=is_public,
        never_failing_paths={HEALTH_PATH},
        exempt=_never_faulted,
    )
    app.add_middleware(TusHeaderMiddleware)
    app.add_middleware(MethodOverrideMiddleware)
    # Outermost: every answer is counted, a fault's or a refused body's included.
    metrics = GatewayMetrics(gateway.store, settings.now, settings.metrics_token)
    app.add_route(METRICS_PATH, metrics.endpoint, methods=["GET"])
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics, routes=app)
    return app


def _never_faulted(path: str) -> bool:
    """The paths injected faults leave alone: the switches themselves, monitoring, the console."""
    return path.startswith((ADMIN_PREFIX, CONSOLE_PATH + "/")) or path in (
        METRICS_PATH,
        CONSOLE_PATH,
    )


def import_exports(
    data_dir: Path, settings: GatewaySettings, paths: list[Path]
) -> list[ImportReport | ExportRefusedError]:
    """Import USB export files into the gateway on ``data_dir`` (``dvc-gateway import``), with
    the objects a served gateway uses: each file's report, or why it was refused whole."""
    gateway = build_gateway(data_dir, settings, FaultState())

    async def run() -> list[ImportReport | ExportRefusedError]:
        # Uploads a previous run left holding all their bytes are completed first, as a
        # starting server does: an import must not replace them and throw their bytes away.
        await gateway.tus.recover()
        results: list[ImportReport | ExportRefusedError] = []
        for path in paths:
            try:
                results.append(
                    await gateway.importer.import_file(
                        path, actor=_server_account(), channel=ImportChannel.CLI
                    )
                )
            except ExportRefusedError as exc:
                results.append(exc)
        return results

    try:
        return asyncio.run(run())
    finally:
        gateway.close()


def _server_account() -> str:
    """Who the import log names for ``dvc-gateway import``: the server's account running it."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a container's)
        return "(máy chủ)"


def _sent_file_name(request: Request) -> str | None:
    """The export's file name, when the client named it (``Content-Disposition``)."""
    header = request.headers.get("content-disposition", "")
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename" and value.strip('"'):
            return value.strip('"').rsplit("/", 1)[-1][:200]
    return None


def enrol(
    data_dir: Path, kiosk_id: str, now: datetime | None = None, unit_code: str | None = None
) -> str:
    """Issue a new bearer token for ``kiosk_id`` (replacing any earlier one, which stops working
    at once; in ``unit_code`` when given) and return it."""
    with open_store(data_dir) as store:
        return store.enrol(kiosk_id, now or datetime.now(VIETNAM), unit_code)


def set_kiosk_enabled(data_dir: Path, kiosk_id: str, enabled: bool) -> bool:
    """Disable (or re-enable) an enrolled kiosk; False if it was never enrolled."""
    with open_store(data_dir) as store:
        return store.set_enabled(kiosk_id, enabled)
