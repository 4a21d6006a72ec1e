"""The console's pages for what the province hands its kiosks and takes in from them by hand:
the procedure catalog and the calendar overrides (checked with the kiosk's own schema, then
published; kiosks fetch them by ETag, ``gateway.reference``), and USB exports imported with
each dossier's outcome (``gateway.imports``).

- ``/catalog`` (province administrator): the catalog in force and its history; an uploaded
  catalog is checked and its changes shown (procedures added, removed, changed), and it is
  published only by a second, confirming POST that carries the checked document back and the
  version it replaces, so nothing published differs from what was shown, and a publication made
  meanwhile by someone else (on any replica) is not silently replaced. An earlier version is
  published again through the same review.
- ``/calendar`` (province administrator): the days off and working days in force, each edit
  (add a day with its reason, remove one, publish an earlier version again) checked and
  published at once, against the version the page showed.
- ``/imports`` (province administrator, district technician within their units): an export
  file is streamed to the data directory as it arrives (never whole in memory, bounded by
  ``max_import_bytes``), after the session, the role and the form's token are checked and
  before a byte of it is written; then imported. The import log lists who brought which file
  from which kiosk and what became of each dossier, including imports made through the
  administrator's API or ``dvc-gateway import``.

Every publication and import, and every refusal of one, goes to the console's audit log. The
services (the publication store, the reference source and the importer) are handed to the
console application by the composition root (``attach_publishing``); ``publishing_routes``
gives ``gateway.console.web.create_console`` the routes.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import ClientDisconnect, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dvc_common.calendar import CalendarOverrides
from dvc_common.export_format import SUFFIX
from gateway.console.access import Permission, allowed, covers
from gateway.console.store import ConsoleAction, Outcome, StaffRole
from gateway.console.web import MSG_FORBIDDEN, Console, Visitor, offloaded
from gateway.imports import ExportOutOfScopeError, ExportRefusedError, Importer
from gateway.publications import (
    ImportChannel,
    ImportOutcome,
    ImportRecord,
    PublicationConflictError,
    PublicationKind,
    PublicationStore,
    UnknownPublicationError,
)
from gateway.reference import (
    MAX_DOCUMENT_BYTES,
    MAX_REASON_CHARS,
    CatalogChanges,
    DocumentProblem,
    DocumentRefusedError,
    ReferenceSource,
    catalog_changes,
    catalog_document,
    check_catalog,
    check_overrides,
    etag_of,
    overrides_document,
    parse_json_document,
)

log = logging.getLogger(__name__)

CATALOG_UPLOAD_BYTES = 4 * MAX_DOCUMENT_BYTES
"""The largest catalog file taken (an indented file is bigger than the document it becomes)."""
CONFIRM_BYTES = 2 * MAX_DOCUMENT_BYTES + 64 * 1024
"""The confirming POST: the checked document, the token and a note."""
MAX_NOTE_CHARS = 300
MAX_FILE_NAME_CHARS = 200
STREAMED_PATHS = ("/catalog/upload", "/catalog/publish", "/imports")
"""The POSTs whose bodies this module streams and bounds itself; the gateway's JSON body limit
must leave them alone (``gateway.app``)."""

MSG_UNAVAILABLE = "Chức năng này chưa được bật trên cổng tiếp nhận."
MSG_CATALOG_CONFLICT = (
    "Danh mục vừa được người khác phát hành trong lúc bạn xem lại, nên bản của bạn chưa được "
    "phát hành. Vui lòng xem lại những thay đổi so với danh mục mới rồi phát hành lại."
)
MSG_CALENDAR_CONFLICT = (
    "Lịch vừa được người khác cập nhật, nên thay đổi của bạn chưa được phát hành. Vui lòng xem "
    "lại lịch hiện hành rồi thử lại."
)
MSG_TOO_LARGE = "Tệp quá lớn: tối đa {limit}."
MSG_MALFORMED = "Không đọc được tệp gửi lên. Vui lòng chọn lại tệp rồi thử lại."
MSG_NO_FILE = "Vui lòng chọn một tệp."
MSG_DOCUMENT_TOO_LARGE = (
    "Danh mục quá lớn để kiosk tải về ({size}); kiosk nhận tối đa {limit}. Vui lòng bỏ bớt "
    "thủ tục hoặc phần mô tả dài."
)
MSG_NO_CHANGE = "Danh mục này giống hệt danh mục đang áp dụng; không có gì để phát hành."
MSG_CALENDAR_NO_CHANGE = "Lịch không thay đổi; không có gì để phát hành."

OUTCOME_LABELS: dict[ImportOutcome, str] = {
    ImportOutcome.IMPORTED: "Đã nhập",
    ImportOutcome.ALREADY_PRESENT: "Đã có từ trước",
    ImportOutcome.REFUSED: "Bị từ chối",
}
CHANNEL_LABELS: dict[ImportChannel, str] = {
    ImportChannel.CONSOLE: "Bảng điều khiển",
    ImportChannel.API: "API quản trị",
    ImportChannel.CLI: "Lệnh trên máy chủ",
}
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

PROCEDURE_FIELD_LABELS: dict[str, str] = {
    "code": "mã thủ tục",
    "slug": "tên ngắn",
    "name": "tên",
    "short_name": "tên gọi ngắn",
    "field": "lĩnh vực",
    "summary": "tóm tắt",
    "keywords": "từ khoá",
    "processing_days": "thời hạn giải quyết",
    "extended_processing_days": "thời hạn kéo dài",
    "extension_reason": "lý do kéo dài",
    "cutoff": "giờ chốt nhận",
    "number_of_sets": "số bộ hồ sơ",
    "documents": "giấy tờ",
    "form": "biểu mẫu",
    "pages": "các trang biểu mẫu",
    "fee": "phí, lệ phí",
    "legal_basis": "căn cứ pháp lý",
    "result_delivery": "cách nhận kết quả",
    "result_place": "nơi trả kết quả",
    "notes": "ghi chú",
}
INDEX_FIELD_LABELS: dict[str, str] = {
    "schema_version": "phiên bản mẫu",
    "sample": "dữ liệu mẫu",
    "source": "nguồn",
    "updated": "ngày cập nhật",
}


@dataclass(frozen=True)
class PublishingServices:
    """What the pages use beyond the console's own store."""

    publications: PublicationStore
    reference: ReferenceSource
    importer: Importer
    max_import_bytes: int


def attach_publishing(console_app: Starlette, services: PublishingServices) -> None:
    """Hand the services to the console application that ``create_console`` built."""
    console_app.state.publishing = services


class DayKind(StrEnum):
    """The two lists of the calendar overrides."""

    DAY_OFF = "day_off"
    WORKING_DAY = "working_day"


DAY_KIND_LABELS: dict[DayKind, str] = {
    DayKind.DAY_OFF: "Ngày nghỉ",
    DayKind.WORKING_DAY: "Ngày làm việc bù",
}


def _vn_size(size: int) -> str:
    """A limit in plain words: "4 MB", "16 GB", "1,5 GB" (a decimal comma, none when whole)."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            amount = size / scale
            text = f"{amount:.0f}" if amount == int(amount) else f"{amount:.1f}"
            return f"{text.replace('.', ',')} {unit}"
    return f"{size} byte"


# --- a multipart body streamed, bounded, checked before a file byte is written -----------------


class FormProblem(StrEnum):
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    REFUSED = "refused"  # the gate said no: a stale token, before the file was read


class FormRefusedError(Exception):
    def __init__(self, problem: FormProblem) -> None:
        self.problem = problem
        super().__init__(problem.value)


@dataclass
class StreamedForm:
    """A multipart form read as it arrived: its text fields, and its one file (kept in memory
    when small, or written to ``path``)."""

    fields: dict[str, str] = field(default_factory=dict)
    file_name: str | None = None
    file_size: int = 0
    file_bytes: bytearray | None = None
    path: Path | None = None

    def form(self) -> FormData:
        return FormData(list(self.fields.items()))


class _Parts:
    """python-multipart's callbacks, gathering fields and the file's blocks."""

    def __init__(
        self, file_field: str | None, gate: Callable[[dict[str, str]], bool], target: Path | None
    ) -> None:
        self.file_field = file_field
        self.gate = gate
        self.target = target
        self.result = StreamedForm()
        self.pending: list[bytes] = []
        self.handle: BinaryIO | None = None
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name: str | None = None
        self._is_file = False
        self._data = bytearray()

    def on_part_begin(self) -> None:
        self._disposition, self._name, self._is_file = b"", None, False
        self._data = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name")
        if name is None:
            raise FormRefusedError(FormProblem.MALFORMED)
        self._name = name.decode("utf-8", "replace")
        if b"filename" not in options:
            return
        if self._name != self.file_field or self.result.file_name is not None:
            raise FormRefusedError(FormProblem.MALFORMED)
        # The session's token came before the file in the form: checked before a byte is kept.
        if not self.gate(self.result.fields):
            raise FormRefusedError(FormProblem.REFUSED)
        self._is_file = True
        self.result.file_name = options[b"filename"].decode("utf-8", "replace")
        if self.target is None:
            self.result.file_bytes = bytearray()
        else:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.handle = self.target.open("xb")
            self.result.path = self.target

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        block = data[start:end]
        if not self._is_file:
            self._data += block
        elif self.result.file_bytes is not None:
            self.result.file_bytes += block
            self.result.file_size += len(block)
        else:
            self.pending.append(bytes(block))
            self.result.file_size += len(block)

    def on_part_end(self) -> None:
        if not self._is_file and self._name is not None:
            self.result.fields[self._name] = self._data.decode("utf-8", "replace")

    def write_pending(self) -> None:
        """The file's blocks received so far, to disk (on a worker thread)."""
        assert self.handle is not None
        for block in self.pending:
            self.handle.write(block)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


async def read_streamed_form(
    request: Request,
    *,
    limit: int,
    file_field: str | None = None,
    target: Path | None = None,
    gate: Callable[[dict[str, str]], bool] = lambda fields: True,
) -> StreamedForm:
    """The multipart form of ``request``, at most ``limit`` bytes (FormRefusedError otherwise,
    before reading when the declared length says so). The file of ``file_field`` is written to
    ``target`` as it arrives (kept in memory when ``target`` is None, for small files); ``gate``
    sees the fields sent before it and may refuse the form before any of the file is kept. On a
    refusal the caller removes ``target``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FormRefusedError(FormProblem.TOO_LARGE)
    media, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if media != b"multipart/form-data" or not boundary:
        raise FormRefusedError(FormProblem.MALFORMED)
    parts = _Parts(file_field, gate, target)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": parts.on_part_begin,
            "on_part_data": parts.on_part_data,
            "on_part_end": parts.on_part_end,
            "on_header_field": parts.on_header_field,
            "on_header_value": parts.on_header_value,
            "on_header_end": parts.on_header_end,
            "on_headers_finished": parts.on_headers_finished,
        },
    )
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise FormRefusedError(FormProblem.TOO_LARGE)
            try:
                parser.write(chunk)
            except FormRefusedError:
                raise
            except Exception as exc:  # python-multipart's own errors: the body is not a form
                raise FormRefusedError(FormProblem.MALFORMED) from exc
            if parts.pending:
                await run_in_threadpool(parts.write_pending)
                parts.pending.clear()
        parser.finalize()
    except ClientDisconnect:
        raise FormRefusedError(FormProblem.MALFORMED) from None
    finally:
        parts.close()
    return parts.result


# --- the pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogReview:
    """A checked catalog awaiting confirmation, as the review shows it."""

    document: str
    """The document to publish, exactly (sent back by the confirming POST)."""
    etag: str
    size: int
    procedures: int
    changes: CatalogChanges
    replaces: int | None
    source_name: str
    republishes: int | None = None
    """The earlier version this is, when one is published again."""


class PublishingPages:
    """The handlers; each one's blocking work (sessions, stores, checking, rendering) runs on a
    worker thread, the event loop only reading request bodies."""

    def __init__(self, console: Console) -> None:
        self.console = console

    # --- plumbing -------------------------------------------------------------------------------

    @staticmethod
    def services(request: Request) -> PublishingServices | None:
        services = getattr(request.app.state, "publishing", None)
        return services if isinstance(services, PublishingServices) else None

    def _gatekeep(
        self, request: Request, permission: Permission
    ) -> tuple[Visitor, PublishingServices] | Response:
        """The signed-in account and the services, or the answer to give instead: the log-in
        page, 404 when the pages are not served, 403 for a role without ``permission``
        (audited for a POST)."""
        console = self.console
        visitor = console.visitor(request)
        if visitor is None:
            return console.signed_out(request)
        services = self.services(request)
        if services is None:
            return console.message(request, visitor, 404, "Không có trang này", MSG_UNAVAILABLE)
        if not allowed(visitor.staff, permission):
            if request.method == "POST":
                console.audit(
                    visitor.staff.username, _action_of(request), Outcome.REFUSED,
                    unit_code=visitor.staff.unit_prefix, detail="Vai trò không có quyền này",
                )  # fmt: skip
            return console.message(request, visitor, 403, "Không có quyền", MSG_FORBIDDEN)
        return visitor, services

    def page(
        self, permission: Permission, handler: Callable[[Request, Visitor, PublishingServices],
                                                        Response],
    ) -> Callable[[Request], Awaitable[Response]]:  # fmt: skip
        """A GET page: everything on a worker thread, one hop per request."""

        def run(request: Request, form: FormData | None) -> Response:
            gate = self._gatekeep(request, permission)
            if isinstance(gate, Response):
                return gate
            return handler(request, *gate)

        return offloaded(run)

    def small_form(
        self,
        permission: Permission,
        what: str,
        handler: Callable[[Request, Visitor, PublishingServices, FormData], Response],
    ) -> Callable[[Request], Awaitable[Response]]:
        """A POST of a short form (read on the event loop; the rest on a worker thread), its
        token checked before anything else of it is looked at."""

        def run(request: Request, form: FormData) -> Response:
            gate = self._gatekeep(request, permission)
            if isinstance(gate, Response):
                return gate
            visitor, services = gate
            if not self.console.csrf_ok(request, visitor, form):
                return self.console.stale_form(request, visitor, what)
            return handler(request, visitor, services, form)

        async def endpoint(request: Request) -> Response:
            form = await request.form(max_files=0, max_fields=20)
            return await run_in_threadpool(run, request, form)

        return endpoint

    def refusal(self, request: Request, visitor: Visitor, problem: FormProblem, what: str,
                limit: int) -> Response:  # fmt: skip
        if problem is FormProblem.REFUSED:
            return self.console.stale_form(request, visitor, what)
        if problem is FormProblem.TOO_LARGE:
            text = MSG_TOO_LARGE.format(limit=_vn_size(limit))
            return self.console.message(request, visitor, 413, "Tệp quá lớn", text)
        return self.console.message(request, visitor, 400, "Không đọc được tệp", MSG_MALFORMED)

    def base(self, request: Request) -> str:
        return self.console.base(request)

    # --- the catalog ----------------------------------------------------------------------------

    def catalog_page(
        self, request: Request, visitor: Visitor, services: PublishingServices, *,
        review: CatalogReview | None = None, problems: list[DocumentProblem] | None = None,
        error: str | None = None, file_name: str | None = None, status_code: int = 200,
    ) -> Response:  # fmt: skip
        in_force = services.reference.catalog()
        published = request.query_params.get("published")
        return self.console.render(
            request,
            "catalog.html",
            visitor=visitor,
            status_code=status_code,
            in_force=in_force,
            started=in_force.publication is None,
            procedures=list(in_force.catalog),
            history=services.publications.history(PublicationKind.CATALOG),
            published=int(published) if published and published.isdigit() else None,
            review=review,
            problems=problems or [],
            error=error,
            file_name=file_name,
            field_labels=PROCEDURE_FIELD_LABELS,
            index_labels=INDEX_FIELD_LABELS,
            max_note=MAX_NOTE_CHARS,
            upload_limit=_vn_size(CATALOG_UPLOAD_BYTES),
        )

    def review_catalog(
        self,
        services: PublishingServices,
        raw: Any,
        source_name: str,
        republishes: int | None = None,
    ) -> CatalogReview:
        """``raw`` checked and compared with the catalog in force (DocumentRefusedError)."""
        catalog = check_catalog(raw)
        body = json.dumps(catalog_document(catalog), ensure_ascii=False)
        size = len(body.encode("utf-8"))
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentRefusedError(
                [DocumentProblem("", MSG_DOCUMENT_TOO_LARGE.format(
                    size=_vn_size(size), limit=_vn_size(MAX_DOCUMENT_BYTES)))]
            )  # fmt: skip
        in_force = services.reference.catalog()
        return CatalogReview(
            document=body,
            etag=etag_of(body.encode("utf-8")),
            size=size,
            procedures=len(catalog),
            changes=catalog_changes(in_force.catalog, catalog),
            replaces=in_force.publication.version if in_force.publication else None,
            source_name=source_name,
            republishes=republishes,
        )

    async def catalog_upload(self, request: Request) -> Response:
        gate = await run_in_threadpool(self._gatekeep, request, Permission.PUBLISH_REFERENCE)
        if isinstance(gate, Response):
            return gate
        visitor, services = gate
        what = "Tải lên danh mục thủ tục"
        try:
            form = await read_streamed_form(
                request, limit=CATALOG_UPLOAD_BYTES, file_field="catalog",
                gate=lambda fields: self._token_ok(request, visitor, fields),
            )  # fmt: skip
        except FormRefusedError as exc:
            return await run_in_threadpool(
                self.refusal, request, visitor, exc.problem, what, CATALOG_UPLOAD_BYTES
            )
        return await run_in_threadpool(self._catalog_uploaded, request, visitor, services, form)

    def _token_ok(self, request: Request, visitor: Visitor, fields: dict[str, str]) -> bool:
        return self.console.csrf_ok(request, visitor, FormData(list(fields.items())))

    def _catalog_uploaded(
        self, request: Request, visitor: Visitor, services: PublishingServices, form: StreamedForm
    ) -> Response:
        if not self.console.csrf_ok(request, visitor, form.form()):
            return self.console.stale_form(request, visitor, "Tải lên danh mục thủ tục")
        name = _file_name(form.file_name)
        if form.file_bytes is None or not form.file_size:
            return self.catalog_page(request, visitor, services, error=MSG_NO_FILE,
                                     status_code=400)  # fmt: skip
        try:
            raw = parse_json_document(bytes(form.file_bytes))
            review = self.review_catalog(services, raw, name)
        except DocumentRefusedError as exc:
            self.console.audit(
                visitor.staff.username, ConsoleAction.PUBLISH_CATALOG, Outcome.FAILURE,
                unit_code=visitor.staff.unit_prefix, target=name,
                detail=f"Danh mục không hợp lệ ({len(exc.problems)} lỗi): {exc.problems[0]}"[:500],
            )  # fmt: skip
            return self.catalog_page(request, visitor, services, problems=exc.problems,
                                     file_name=name, status_code=422)  # fmt: skip
        return self.catalog_page(request, visitor, services, review=review)

    async def catalog_publish(self, request: Request) -> Response:
        gate = await run_in_threadpool(self._gatekeep, request, Permission.PUBLISH_REFERENCE)
        if isinstance(gate, Response):
            return gate
        visitor, services = gate
        what = "Phát hành danh mục thủ tục"
        try:
            form = await read_streamed_form(request, limit=CONFIRM_BYTES)
        except FormRefusedError as exc:
            return await run_in_threadpool(
                self.refusal, request, visitor, exc.problem, what, CONFIRM_BYTES
            )
        return await run_in_threadpool(self._catalog_confirmed, request, visitor, services, form)

    def _catalog_confirmed(
        self, request: Request, visitor: Visitor, services: PublishingServices, form: StreamedForm
    ) -> Response:
        console = self.console
        if not console.csrf_ok(request, visitor, form.form()):
            return console.stale_form(request, visitor, "Phát hành danh mục thủ tục")
        fields = form.fields
        document = fields.get("document", "")
        name = _file_name(fields.get("source_name"))
        republishes = _version(fields.get("republishes"))
        note = " ".join(fields.get("note", "").split())[:MAX_NOTE_CHARS]
        replaces = _version(fields.get("replaces", ""))
        try:
            review = self.review_catalog(
                services, parse_json_document(document.encode("utf-8")), name, republishes
            )
        except DocumentRefusedError as exc:
            return self.catalog_page(request, visitor, services, problems=exc.problems,
                                     file_name=name, status_code=422)  # fmt: skip
        # The document must be the one reviewed, byte for byte, and still replace what it was
        # compared with: otherwise the review is shown again, against what is in force now.
        if review.etag != fields.get("etag") or review.document != document:
            return self.catalog_page(request, visitor, services, review=review, status_code=409,
                                     error=MSG_CATALOG_CONFLICT)  # fmt: skip
        if review.changes.none:
            return self.catalog_page(request, visitor, services, error=MSG_NO_CHANGE,
                                     status_code=409)  # fmt: skip
        try:
            published = services.publications.publish(
                PublicationKind.CATALOG, document.encode("utf-8"), review.etag,
                replaces=replaces, now=console.settings.now(), by=visitor.staff.username,
                note=note or (f"Phát hành lại phiên bản {republishes}" if republishes
                              else f"Từ tệp {name}"),
            )  # fmt: skip
        except PublicationConflictError:
            console.audit(
                visitor.staff.username, ConsoleAction.PUBLISH_CATALOG, Outcome.FAILURE,
                unit_code=visitor.staff.unit_prefix, target=name,
                detail="Danh mục đã được người khác phát hành trước",
            )  # fmt: skip
            fresh = self.review_catalog(services, json.loads(document), name, republishes)
            return self.catalog_page(request, visitor, services, review=fresh, status_code=409,
                                     error=MSG_CATALOG_CONFLICT)  # fmt: skip
        changes = review.changes
        console.audit(
            visitor.staff.username, ConsoleAction.PUBLISH_CATALOG, Outcome.SUCCESS,
            unit_code=visitor.staff.unit_prefix, target=f"Phiên bản {published.version}",
            detail=(f"{review.procedures} thủ tục: thêm {len(changes.added)}, bỏ "
                    f"{len(changes.removed)}, sửa {len(changes.changed)}; ETag {published.etag}"),
        )  # fmt: skip
        return RedirectResponse(
            f"{self.base(request)}/catalog?published={published.version}", status_code=303
        )

    def catalog_version(
        self, request: Request, visitor: Visitor, services: PublishingServices
    ) -> Response:
        """An earlier version, reviewed against the one in force, to publish again."""
        version = _version(str(request.path_params["version"]))
        try:
            if version is None:
                raise UnknownPublicationError(str(request.path_params["version"]))
            earlier = services.publications.publication(PublicationKind.CATALOG, version)
        except UnknownPublicationError:
            return self.console.message(
                request, visitor, 404, "Không tìm thấy", "Không có phiên bản danh mục này."
            )
        try:
            review = self.review_catalog(
                services, parse_json_document(earlier.body), f"phiên bản {version}", version
            )
        except DocumentRefusedError as exc:
            return self.catalog_page(request, visitor, services, problems=exc.problems,
                                     file_name=f"phiên bản {version}", status_code=422)  # fmt: skip
        return self.catalog_page(request, visitor, services, review=review)

    def catalog_download(
        self, request: Request, visitor: Visitor, services: PublishingServices
    ) -> Response:
        """The catalog in force as the kiosks download it, to edit and upload again."""
        in_force = services.reference.catalog()
        # Indented for a person to edit; the same document once parsed.
        text = json.dumps(json.loads(in_force.doc.body), ensure_ascii=False, indent=2)
        version = in_force.publication.version if in_force.publication else 0
        return Response(
            text.encode("utf-8"),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="danh-muc-thu-tuc-v{version}.json"'
            },
        )

    # --- the calendar ---------------------------------------------------------------------------

    def calendar_page(
        self, request: Request, visitor: Visitor, services: PublishingServices, *,
        error: str | None = None, problems: list[DocumentProblem] | None = None,
        status_code: int = 200, entered: dict[str, str] | None = None,
    ) -> Response:  # fmt: skip
        in_force = services.reference.calendar()
        overrides = in_force.overrides
        published = request.query_params.get("published")
        return self.console.render(
            request,
            "calendar.html",
            visitor=visitor,
            status_code=status_code,
            in_force=in_force,
            started=in_force.publication is None,
            days=_days(overrides),
            history=services.publications.history(PublicationKind.CALENDAR),
            published=int(published) if published and published.isdigit() else None,
            replaces=in_force.publication.version if in_force.publication else "",
            error=error,
            problems=problems or [],
            entered=entered or {},
            kinds=list(DAY_KIND_LABELS.items()),
            max_reason=MAX_REASON_CHARS,
            today=self.console.settings.now().date().isoformat(),
        )

    def calendar_change(
        self, request: Request, visitor: Visitor, services: PublishingServices, form: FormData
    ) -> Response:
        console = self.console
        action = str(form.get("action", ""))
        entered = {k: str(form.get(k, "")) for k in ("date", "kind", "reason")}
        replaces = _version(str(form.get("replaces", "")))
        in_force = services.reference.calendar()
        shown = in_force.publication.version if in_force.publication else None
        if replaces != shown:
            return self.calendar_page(request, visitor, services, error=MSG_CALENDAR_CONFLICT,
                                      status_code=409, entered=entered)  # fmt: skip
        try:
            kind = DayKind(entered["kind"])
            day = date.fromisoformat(entered["date"])
        except ValueError:
            return self.calendar_page(
                request, visitor, services, status_code=400, entered=entered,
                error="Vui lòng chọn ngày (dạng ngày/tháng/năm) và loại ngày.",
            )  # fmt: skip
        document = overrides_document(in_force.overrides)
        entries: list[dict[str, str]] = document[kind.value]
        reason = " ".join(entered["reason"].split())
        if action == "add":
            entries.append({"date": day.isoformat(), "reason": reason})
            summary = f"Thêm {DAY_KIND_LABELS[kind].lower()} {day:%d/%m/%Y}: {reason}"
        elif action == "remove":
            kept = [e for e in entries if e["date"] != day.isoformat()]
            if len(kept) == len(entries):
                return self.calendar_page(request, visitor, services, status_code=409,
                                          error=MSG_CALENDAR_NO_CHANGE)  # fmt: skip
            document[kind.value] = kept
            summary = f"Bỏ {DAY_KIND_LABELS[kind].lower()} {day:%d/%m/%Y}"
        else:
            return console.message(request, visitor, 400, "Không rõ thao tác", MSG_MALFORMED)
        return self._publish_calendar(
            request, visitor, services, document=document, replaces=replaces, summary=summary,
            entered=entered if action == "add" else None,
        )  # fmt: skip

    def calendar_republish(
        self, request: Request, visitor: Visitor, services: PublishingServices, form: FormData
    ) -> Response:
        version = _version(str(form.get("version", "")))
        replaces = _version(str(form.get("replaces", "")))
        try:
            if version is None:
                raise UnknownPublicationError("")
            earlier = services.publications.publication(PublicationKind.CALENDAR, version)
        except UnknownPublicationError:
            return self.console.message(
                request, visitor, 404, "Không tìm thấy", "Không có phiên bản lịch này."
            )
        try:
            document = json.loads(earlier.body)
        except ValueError:
            document = None
        return self._publish_calendar(
            request, visitor, services, document=document, replaces=replaces,
            summary=f"Phát hành lại phiên bản {version}", entered=None,
        )  # fmt: skip

    def _publish_calendar(
        self,
        request: Request,
        visitor: Visitor,
        services: PublishingServices,
        *,
        document: Any,
        replaces: int | None,
        summary: str,
        entered: dict[str, str] | None,
    ) -> Response:  # fmt: skip
        console = self.console
        staff = visitor.staff
        try:
            overrides = check_overrides(document)
        except DocumentRefusedError as exc:
            console.audit(
                staff.username, ConsoleAction.PUBLISH_CALENDAR, Outcome.FAILURE,
                unit_code=staff.unit_prefix, detail=f"{summary} — {exc.problems[0]}"[:500],
            )  # fmt: skip
            return self.calendar_page(request, visitor, services, problems=exc.problems,
                                      status_code=422, entered=entered)  # fmt: skip
        body = json.dumps(overrides_document(overrides), ensure_ascii=False).encode("utf-8")
        if body == services.reference.calendar().doc.body:
            return self.calendar_page(request, visitor, services, status_code=409,
                                      error=MSG_CALENDAR_NO_CHANGE)  # fmt: skip
        try:
            published = services.publications.publish(
                PublicationKind.CALENDAR, body, etag_of(body), replaces=replaces,
                now=console.settings.now(), by=staff.username, note=summary[:MAX_NOTE_CHARS],
            )  # fmt: skip
        except PublicationConflictError:
            console.audit(
                staff.username, ConsoleAction.PUBLISH_CALENDAR, Outcome.FAILURE,
                unit_code=staff.unit_prefix, detail=f"{summary} — lịch đã được người khác đổi",
            )  # fmt: skip
            return self.calendar_page(request, visitor, services, error=MSG_CALENDAR_CONFLICT,
                                      status_code=409, entered=entered)  # fmt: skip
        console.audit(
            staff.username, ConsoleAction.PUBLISH_CALENDAR, Outcome.SUCCESS,
            unit_code=staff.unit_prefix, target=f"Phiên bản {published.version}",
            detail=summary[:500],
        )  # fmt: skip
        return RedirectResponse(
            f"{self.base(request)}/calendar?published={published.version}", status_code=303
        )

    # --- USB imports ----------------------------------------------------------------------------

    def visible_imports(self, visitor: Visitor, services: PublishingServices) -> list[ImportRecord]:
        staff = visitor.staff
        prefix = None if staff.role is StaffRole.PROVINCE_ADMIN else staff.unit_prefix
        return [
            record
            for record in services.publications.imports(unit_prefix=prefix, actor=staff.username)
            if _may_see(visitor, record)
        ]

    def imports_page(
        self, request: Request, visitor: Visitor, services: PublishingServices, *,
        error: str | None = None, detail: str | None = None, status_code: int = 200,
    ) -> Response:  # fmt: skip
        return self.console.render(
            request,
            "imports.html",
            visitor=visitor,
            status_code=status_code,
            records=self.visible_imports(visitor, services),
            outcome=ImportOutcome,
            channel_labels=CHANNEL_LABELS,
            error=error,
            error_detail=detail,
            limit=_vn_size(services.max_import_bytes),
            suffix=SUFFIX,
        )

    def import_page(
        self, request: Request, visitor: Visitor, services: PublishingServices
    ) -> Response:
        import_id = _version(str(request.path_params["import_id"]))
        record = services.publications.import_record(import_id) if import_id else None
        if record is None or not _may_see(visitor, record):
            return self.console.message(
                request, visitor, 404, "Không tìm thấy",
                "Không tìm thấy lần nhập này, hoặc nó không thuộc đơn vị của bạn.",
            )  # fmt: skip
        return self.console.render(
            request,
            "imports.html",
            visitor=visitor,
            record=record,
            outcome=ImportOutcome,
            outcome_labels=OUTCOME_LABELS,
            channel_labels=CHANNEL_LABELS,
            reason_text=reason_text,
            done=request.query_params.get("done") == "1",
        )

    async def import_upload(self, request: Request) -> Response:
        gate = await run_in_threadpool(self._gatekeep, request, Permission.IMPORT_USB)
        if isinstance(gate, Response):
            return gate
        visitor, services = gate
        what = "Nhập hồ sơ từ USB"
        limit = services.max_import_bytes
        target = services.importer.staging_dir / f"console-{secrets.token_hex(8)}{SUFFIX}"
        try:
            try:
                form = await read_streamed_form(
                    request, limit=limit, file_field="export", target=target,
                    gate=lambda fields: self._token_ok(request, visitor, fields),
                )  # fmt: skip
            except FormRefusedError as exc:
                return await run_in_threadpool(
                    self.refusal, request, visitor, exc.problem, what, limit
                )
            if not await run_in_threadpool(self._token_ok, request, visitor, form.fields):
                return await run_in_threadpool(self.console.stale_form, request, visitor, what)
            if form.path is None or not form.file_size:
                return await run_in_threadpool(
                    lambda: self.imports_page(
                        request, visitor, services, error=MSG_NO_FILE, status_code=400
                    )
                )
            name = _file_name(form.file_name)
            try:
                report = await services.importer.import_file(
                    form.path, actor=visitor.staff.username, channel=ImportChannel.CONSOLE,
                    file_name=name, may_import=lambda unit: covers(visitor.staff, unit),
                )  # fmt: skip
            except ExportRefusedError as exc:
                return await run_in_threadpool(self._import_refused, request, visitor,
                                               services, name, exc)  # fmt: skip
        finally:
            target.unlink(missing_ok=True)
        await run_in_threadpool(
            lambda: self.console.audit(
                visitor.staff.username,
                ConsoleAction.IMPORT_USB,
                Outcome.SUCCESS,
                unit_code=visitor.staff.unit_prefix,
                target=report.kiosk_id,
                detail=(
                    f"{name}: {report.count(ImportOutcome.IMPORTED)} đã nhập, "
                    f"{report.count(ImportOutcome.ALREADY_PRESENT)} đã có, "
                    f"{report.count(ImportOutcome.REFUSED)} bị từ chối"
                )[:500],
            )
        )
        return RedirectResponse(
            f"{self.base(request)}/imports/{report.import_id}?done=1"
            if report.import_id is not None
            else f"{self.base(request)}/imports",
            status_code=303,
        )

    def _import_refused(
        self, request: Request, visitor: Visitor, services: PublishingServices, name: str,
        exc: ExportRefusedError,
    ) -> Response:  # fmt: skip
        out_of_scope = isinstance(exc, ExportOutOfScopeError)
        self.console.audit(
            visitor.staff.username, ConsoleAction.IMPORT_USB,
            Outcome.REFUSED if out_of_scope else Outcome.FAILURE,
            unit_code=visitor.staff.unit_prefix, target=name, detail=str(exc)[:500],
        )  # fmt: skip
        if out_of_scope:
            text = ("Tệp này được xuất từ một kiosk không thuộc đơn vị của bạn, nên không "
                    "được nhập. Không hồ sơ nào được lưu.")  # fmt: skip
            return self.imports_page(request, visitor, services, error=text, status_code=403)
        text = ("Tệp không nhập được, không hồ sơ nào được lưu: tệp bị hỏng, không phải tệp "
                "xuất của kiosk, không được niêm phong cho cổng này, hoặc kiosk chưa đăng ký "
                "với cổng.")  # fmt: skip
        return self.imports_page(request, visitor, services, error=text, detail=str(exc),
                                 status_code=400)  # fmt: skip


_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(.+) does not match the SHA-256 its body declares$"),
     "Tệp {0} không khớp mã kiểm tra SHA-256 khai trong hồ sơ (tệp hỏng hoặc bị sửa)."),
    (re.compile(r"^(.+) is ([0-9]+) bytes, its body says ([0-9]+)$"),
     "Tệp {0} dài {1} byte, hồ sơ khai {2} byte (tệp hỏng hoặc thiếu)."),
    (re.compile(r"^its files do not match the dossier the gateway holds$"),
     "Các tệp không khớp với hồ sơ cổng đang giữ."),
    (re.compile(r"^its dossier\.json is not"),
     "Phần mô tả hồ sơ (dossier.json) không hợp lệ."),
    (re.compile(r"^the manifest says"),
     "Số tệp trong danh sách xuất không khớp với hồ sơ."),
    (re.compile(r"^file [0-9]+ is "),
     "Các tệp của hồ sơ không đúng thứ tự hoặc tên khai trong hồ sơ."),
    (re.compile(r"^Another dossier already has this receipt number"),
     "Số biên nhận đã được dùng cho một hồ sơ khác."),
    (re.compile(r"^This Idempotency-Key was already used with a different body"),
     "Cổng đã có hồ sơ cùng mã định danh nhưng nội dung khác."),
    (re.compile(r"^The gateway's catalog has no procedure (\S+?)\.?( |$)"),
     "Danh mục của cổng không có thủ tục {0}."),
)  # fmt: skip


def reason_text(reason: str | None) -> str:
    """Why a dossier was refused, in Vietnamese for the reasons an import gives most; others
    in plain words, the technical text being shown beside it."""
    if not reason:
        return ""
    for pattern, text in _REASONS:
        found = pattern.search(reason)
        if found is not None:
            return text.format(*found.groups())
    return "Hồ sơ không hợp lệ."


def _action_of(request: Request) -> ConsoleAction:
    path = request.url.path
    if "/catalog" in path:
        return ConsoleAction.PUBLISH_CATALOG
    if "/calendar" in path:
        return ConsoleAction.PUBLISH_CALENDAR
    return ConsoleAction.IMPORT_USB


def _may_see(visitor: Visitor, record: ImportRecord) -> bool:
    return covers(visitor.staff, record.unit_code) or record.actor == visitor.staff.username


def _version(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _file_name(name: str | None) -> str:
    """A file name as the browser sent it, for the log and the page: its last part, printable,
    not too long."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())[:MAX_FILE_NAME_CHARS]
    return name or "(không tên)"


@dataclass(frozen=True)
class DayRow:
    day: date
    weekday: str
    kind: DayKind
    kind_label: str
    reason: str


def _days(overrides: CalendarOverrides) -> list[DayRow]:
    rows = [
        DayRow(day, WEEKDAYS[day.weekday()], kind, DAY_KIND_LABELS[kind], reason)
        for kind, entries in (
            (DayKind.DAY_OFF, overrides.days_off),
            (DayKind.WORKING_DAY, overrides.working_days),
        )
        for day, reason in entries.items()
    ]
    return sorted(rows, key=lambda row: row.day)


def publishing_routes(console: Console) -> list[Route]:
    """The catalog, calendar and imports pages, to mount in the console application."""
    pages = PublishingPages(console)
    publish, imports = Permission.PUBLISH_REFERENCE, Permission.IMPORT_USB
    return [
        Route("/catalog", pages.page(publish, pages.catalog_page), methods=["GET"]),
        Route("/catalog/document", pages.page(publish, pages.catalog_download), methods=["GET"]),
        Route("/catalog/upload", pages.catalog_upload, methods=["POST"]),
        Route("/catalog/publish", pages.catalog_publish, methods=["POST"]),
        Route(
            "/catalog/versions/{version}",
            pages.page(publish, pages.catalog_version),
            methods=["GET"],
        ),
        Route("/calendar", pages.page(publish, pages.calendar_page), methods=["GET"]),
        Route(
            "/calendar/days",
            pages.small_form(publish, "Cập nhật lịch làm việc", pages.calendar_change),
            methods=["POST"],
        ),
        Route(
            "/calendar/republish",
            pages.small_form(publish, "Phát hành lại lịch làm việc", pages.calendar_republish),
            methods=["POST"],
        ),
        Route("/imports", pages.page(imports, pages.imports_page), methods=["GET"]),
        Route("/imports", pages.import_upload, methods=["POST"]),
        Route("/imports/{import_id}", pages.page(imports, pages.import_page), methods=["GET"]),
    ]


__all__ = [
    "STREAMED_PATHS",
    "PublishingServices",
    "attach_publishing",
    "publishing_routes",
    "read_streamed_form",
]
