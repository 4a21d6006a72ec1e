"""The console's pages and their handlers: ``create_console`` builds the Starlette application
that the gateway mounts under ``/console`` (see ``gateway.console`` for the why and the
permission table).

Every page asks the same questions in the same order: who is signed in (the session cookie, its
idle and absolute expiry), whether a POST carries the session's synchronizer token (and comes
from this site), whether the account's role allows the page, and whether the dossier's unit is
in the account's area; a dossier outside it is "not found", exactly as one that does not exist.
Every change, and every refusal of one, is written to the console's audit log.

The stores are synchronous, so a page's work (session, store calls, rendering) runs on a worker
thread (``offloaded``), one hop per request: a console page waiting on the database never holds
up the kiosks' requests served by the same event loop. The credentials pages are
``gateway.console.credentials_pages``; the catalog, calendar and imports pages
``gateway.console.publishing``; the account pages ``gateway.console.accounts``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import secrets
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dvc_common.clock import VIETNAM
from dvc_common.privacy import mask_id
from dvc_common.protocol import (
    CheckVerdict,
    DeviceCondition,
    DeviceKind,
    LinkQuality,
    ProcessingStatus,
)
from gateway.blobs import BlobError, BlobStore, read_blocks
from gateway.console.access import (
    AWAITING_FILES_LABEL,
    NEXT_STATUSES,
    ROLE_LABELS,
    STATUS_LABELS,
    Permission,
    allowed,
    covers,
)
from gateway.console.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from gateway.console.store import (
    UNKNOWN_ACTOR,
    ConsoleAction,
    ConsoleStore,
    NewAuditEntry,
    Outcome,
    SessionRecord,
    StaffRecord,
    address_throttle_key,
    throttle_key,
)
from gateway.fleet import KioskReport, LinkReport
from gateway.settings import GatewaySettings
from gateway.store import (
    AuditRecord,
    DossierQuery,
    DossierRecord,
    FileRecord,
    HeartbeatRecord,
    KioskRecord,
    NoSuchRecordError,
    StatusMovedError,
    Store,
    token_digest,
)

log = logging.getLogger(__name__)

SESSION_COOKIE = "__Host-dvc_console"
LOGIN_COOKIE = "__Host-dvc_console_login"
"""A pre-session token for the log-in form (double submit): nobody can log a victim's browser
into the attacker's account from another site."""
CSRF_FIELD = "csrf_token"
IDLE_EXPIRY = timedelta(minutes=30)
ABSOLUTE_EXPIRY = timedelta(hours=12)
LOCK_THRESHOLD = 5
LOCK_DURATION = timedelta(minutes=15)
ADDRESS_LOCK_THRESHOLD = 20
ADDRESS_WINDOW = timedelta(minutes=15)
ADDRESS_LOCK_DURATION = timedelta(minutes=15)
"""A brute force across many names from one address: 20 failures within 15 minutes (counted
from the first) lock the address for 15 minutes, whatever names it tries. An office behind one
NAT shares an address, hence a threshold well above a person's typing errors."""
THROTTLE_FORGOTTEN_AFTER = timedelta(days=1)
"""Counts begun this long ago, their lock over, are purged (names typed once and never again)."""
PAGE_SIZE = 50
HASHING_SLOTS = 4
"""Passwords checked at once: each scrypt takes 32 MiB, so a burst of log-ins (a brute force
across many names) queues here instead of taking the server's memory."""
AUDIT_PAGE_SIZE = 100
MAX_NOTE_CHARS = 500
MAX_QUERY_CHARS = 64
STALE_AFTER = timedelta(minutes=15)
"""A kiosk beats every 30 s: one silent for 15 minutes is off the network, off, or broken."""
KIOSK_AUDIT_SHOWN = 300
"""The newest technician audit events a kiosk's page lists (``dvc-gateway audit`` has them all)."""
SKEW_LIMIT = timedelta(minutes=5)
"""Beyond this the kiosk's clock is flagged: its receipts and appointment dates may be wrong."""
AWAITING = "awaiting_files"
"""The status filter's value for dossiers whose files have not all arrived."""

INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/webp"})
"""Media types shown in the browser; anything else is downloaded as octets, so a file a kiosk
sent can never run as a page of the console's origin."""

# ``data:`` images: a credential's QR is shown once, inline in the page that issued it
# (``gateway.console.credentials_pages``), not from a URL that could be asked for again; an image
# runs nothing and fetches nothing.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
)

MSG_BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."
MSG_LOCKED = (
    "Tài khoản đang tạm khoá do đăng nhập sai nhiều lần. Vui lòng thử lại sau {minutes} phút."
)
MSG_STALE_FORM = (
    "Biểu mẫu đã hết hạn hoặc không hợp lệ nên thao tác chưa được thực hiện. "
    "Vui lòng tải lại trang rồi thử lại."
)
MSG_NOT_FOUND = "Không tìm thấy hồ sơ, hoặc hồ sơ không thuộc đơn vị của bạn."
MSG_KIOSK_NOT_FOUND = "Không tìm thấy kiosk, hoặc kiosk không thuộc đơn vị của bạn."
MSG_FORBIDDEN = "Tài khoản của bạn không có quyền thực hiện thao tác này."
MSG_STATUS_MOVED = (
    "Trạng thái hồ sơ vừa được người khác thay đổi. Vui lòng xem lại trước khi cập nhật."
)
MSG_STATUS_REFUSED = "Không thể chuyển hồ sơ sang trạng thái đã chọn."
MSG_LOGGED_OUT = "Bạn đã đăng xuất."
MSG_EXPIRED = "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."

VERDICT_LABELS: dict[CheckVerdict, str] = {
    CheckVerdict.OTHER_DOCUMENT: "Có thể là giấy tờ khác",
    CheckVerdict.BLANK: "Trang trống",
    CheckVerdict.UPSIDE_DOWN: "Trang bị lộn ngược",
    CheckVerdict.CUT_OFF: "Trang bị mất một phần",
    CheckVerdict.UNREADABLE: "Không đọc được nội dung",
}


Endpoint = Callable[[Request], Awaitable[Response]]
PageHandler = Callable[[Request, FormData | None], Response]
"""A console page's work, synchronous: it reads the session and the store and renders."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


async def blocking(function: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
    """``function`` on a worker thread: the stores are synchronous (sqlite3, psycopg), and a
    console page waiting on the database must not hold up the kiosks' requests that the same
    event loop serves."""
    return await run_in_threadpool(function, *args, **kwargs)


def offloaded(handler: PageHandler) -> Endpoint:
    """The endpoint for a page: the form (of a POST) is read on the event loop, then everything
    else of the request — session, permissions, store calls, rendering — runs in one go on a
    worker thread, one thread hop per request."""

    async def endpoint(request: Request) -> Response:
        form = await request.form() if request.method == "POST" else None
        return await blocking(handler, request, form)

    return endpoint


class SecurityHeaders:
    """Security headers on every answer of the console; ``no-store`` on all but the stylesheet,
    so a signed-in page is never kept by the browser or a proxy."""

    def __init__(self, app: ASGIApp, static_prefix: str) -> None:
        self.app = app
        self.static_prefix = static_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A mounted application sees the whole path; its own part follows the mount point.
        path, root = scope["path"], scope.get("root_path", "")
        cacheable = path.removeprefix(root).startswith(self.static_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {name for name, _ in SECURITY_HEADERS}
                ]
                headers.extend(SECURITY_HEADERS)
                if not cacheable:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LockKind(StrEnum):
    """Which log-in lock holds: the name typed, or the address the attempts come from."""

    ACCOUNT = "account"
    ADDRESS = "address"


LOCKED_NOW: Mapping[LockKind, str] = {
    LockKind.ACCOUNT: "Tài khoản bị tạm khoá 15 phút",
    LockKind.ADDRESS: "Địa chỉ máy truy cập bị tạm khoá 15 phút do đăng nhập sai nhiều lần",
}
STILL_LOCKED: Mapping[LockKind, str] = {
    LockKind.ACCOUNT: "Tài khoản đang tạm khoá",
    LockKind.ADDRESS: "Địa chỉ máy truy cập đang tạm khoá",
}
"""What the audit log says of a failed log-in that locked, or was refused by, each lock."""


def client_address(request: Request) -> str:
    """The address a log-in comes from, for its throttle. uvicorn has already replaced the
    peer with the client named in ``X-Forwarded-For`` when, and only when, the peer is a
    trusted proxy (``--forwarded-allow-ips``, by default 127.0.0.1: the nginx of
    ``packaging/gateway/nginx-dvc-gateway.conf`` on the same host, which appends the address
    it saw to the header); it takes the rightmost address no trusted proxy added, so a header
    a browser sends names nobody. Anyone else's ``X-Forwarded-For`` is ignored: the console
    never reads the header itself."""
    return request.client.host if request.client is not None else "(unknown)"


@dataclass(frozen=True)
class Visitor:
    staff: StaffRecord
    session: SessionRecord


@dataclass(frozen=True)
class DossierRow:
    dossier: DossierRecord
    unit_code: str | None
    status_label: str


def _vn_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} byte"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB".replace(".", ",")
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


def _span(length: timedelta) -> str:
    """A length of time in plain words, to the minute: "3 phút", "2 giờ 5 phút", "4 ngày"."""
    minutes = int(abs(length).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} phút"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} giờ {rest} phút" if rest else f"{hours} giờ"
    days, rest = divmod(minutes, 24 * 60)
    return f"{days} ngày {rest // 60} giờ" if rest >= 60 else f"{days} ngày"


def _ago(length: timedelta) -> str:
    return "vừa xong" if length < timedelta(minutes=1) else f"{_span(length)} trước"


def _skew(skew: timedelta) -> str:
    """The kiosk's clock against the gateway's: "nhanh 6 phút", "chậm 12 giây", "khớp"."""
    seconds = round(skew.total_seconds())
    if seconds == 0:
        return "khớp"
    way = "nhanh" if seconds > 0 else "chậm"
    amount = f"{abs(seconds)} giây" if abs(seconds) < 60 else _span(skew)
    return f"{way} {amount}"


DEVICE_LABELS: Mapping[str, str] = {
    DeviceKind.PRINTER: "Máy in",
    DeviceKind.SCANNER: "Máy quét",
    DeviceKind.QR_READER: "Đầu đọc mã QR",
    # Names kiosks of earlier versions sent.
    "card_reader": "Đầu đọc thẻ",
    "reader": "Đầu đọc thẻ",
    "camera": "Máy ảnh",
}
CONDITION_LABELS: Mapping[str, str] = {
    DeviceCondition.OK: "sẵn sàng",
    DeviceCondition.PAPER_LOW: "sắp hết giấy",
    DeviceCondition.PAPER_OUT: "hết giấy",
    DeviceCondition.COVER_OPEN: "đang mở nắp",
    DeviceCondition.MISSING: "không kết nối",
    DeviceCondition.ERROR: "đang bị lỗi",
    DeviceCondition.UNKNOWN: "chưa rõ tình trạng",
    # What kiosks of earlier versions sent, before ``DeviceCondition``.
    "paper_near_end": "sắp hết giấy",
    "unplugged": "không kết nối",
    "cover_open": "đang mở nắp",
    "jammed": "kẹt giấy",
    "paper_jam": "kẹt giấy",
    "busy": "đang bận",
    "io_error": "lỗi giao tiếp",
    "timeout": "không phản hồi",
}
"""The words for the devices and conditions kiosks report; anything else is shown as sent."""

LINK_LABELS: Mapping[LinkQuality, str] = {
    LinkQuality.GOOD: "Tốt",
    LinkQuality.WEAK: "Yếu",
    LinkQuality.POOR: "Kém",
    LinkQuality.UNKNOWN: "Chưa rõ",
}

AUDIT_KIND_LABELS: Mapping[str, str] = {
    "entry": "Vào chế độ kỹ thuật",
    "entry_refused": "Vào chế độ kỹ thuật bị từ chối",
    "exit": "Thoát chế độ kỹ thuật",
    "test": "Kiểm tra thiết bị hoặc kết nối",
    "setting_changed": "Thay đổi cài đặt",
    "export": "Xuất hồ sơ ra USB",
    "retry": "Gửi lại hồ sơ cần xử lý",
    "enrolment": "Đăng ký kiosk với cổng",
    "network": "Cài đặt mạng",
}
"""The kinds of the kiosks' technician audit events (``offline_queue.audit.AuditKind``'s
slugs); a kind a newer kiosk sends is shown as sent."""


def device_text(name: str, condition: str) -> str:
    return f"{DEVICE_LABELS.get(name, name)}: {CONDITION_LABELS.get(condition, condition)}"


def link_figures(link: LinkReport) -> str | None:
    """The figures behind the link's judgement, in small words: "sóng 72%, 180 ms, 2/140
    không phản hồi"; None when the kiosk sent none."""
    parts = []
    if link.signal_percent is not None:
        parts.append(f"sóng {link.signal_percent}%")
    if link.rtt_ms is not None:
        parts.append(f"{link.rtt_ms} ms")
    if link.requests is not None and link.failures is not None:
        parts.append(f"{link.failures}/{link.requests} không phản hồi")
    return ", ".join(parts) or None


@dataclass(frozen=True)
class KioskRow:
    """One kiosk as the fleet page shows it, read defensively from its last heartbeat (a kiosk
    of an older version may leave fields out)."""

    kiosk_id: str
    unit_code: str | None
    enabled: bool
    token_revoked_at: datetime | None
    last_seen: datetime | None
    last_seen_ago: str
    stale: bool
    software_version: str | None
    queued: int | None
    uploading: int | None
    needs_attention: int | None
    oldest_age: str | None
    skew: str | None
    skew_flagged: bool
    device_problems: tuple[str, ...]
    devices: tuple[tuple[str, bool], ...]
    """Every device the kiosk reported, in words, and whether it is in trouble."""
    link_quality: LinkQuality
    link_label: str
    link_figures: str | None

    @property
    def sort_key(self) -> tuple[bool, bool, str]:
        # Out of touch first, then device trouble, then by id.
        return (not self.stale, not self.device_problems, self.kiosk_id)


APP_NOT_RUNNING = "Ứng dụng trên kiosk không chạy, chưa rõ tình trạng thiết bị"


def kiosk_row(kiosk: KioskRecord, beat: HeartbeatRecord | None, now: datetime) -> KioskRow:
    report = KioskReport.of(beat) if beat is not None else None
    oldest = report.oldest_queued_at if report is not None else None
    skew = report.clock_skew if report is not None else None
    problems = tuple(
        device_text(name, condition)
        for name, condition in (report.device_problems if report is not None else {}).items()
    )
    if report is not None and report.app_running is False:
        # Its devices are all "unknown" then: one line saying why reads better than three.
        problems = (APP_NOT_RUNNING,)
    outbox = report.outbox if report is not None else {}
    link = report.link if report is not None else LinkReport()
    return KioskRow(
        kiosk_id=kiosk.kiosk_id,
        unit_code=kiosk.unit_code,
        enabled=kiosk.enabled,
        token_revoked_at=kiosk.token_revoked_at,
        last_seen=beat.received_at if beat is not None else None,
        last_seen_ago=_ago(now - beat.received_at) if beat is not None else "chưa bao giờ",
        # A disabled kiosk, or one whose token was revoked, is silent on purpose: no alarm.
        stale=kiosk.enabled
        and kiosk.token_revoked_at is None
        and (beat is None or now - beat.received_at > STALE_AFTER),
        software_version=report.software_version if report is not None else None,
        queued=outbox.get("queued"),
        uploading=outbox.get("uploading"),
        needs_attention=outbox.get("needs_attention"),
        oldest_age=_span(now - oldest) if oldest is not None else None,
        skew=_skew(skew) if skew is not None else None,
        skew_flagged=skew is not None and abs(skew) > SKEW_LIMIT,
        device_problems=problems,
        devices=tuple(
            (device_text(name, condition), condition != DeviceCondition.OK)
            for name, condition in (report.devices if report is not None else {}).items()
        ),
        link_quality=link.quality,
        link_label=LINK_LABELS[link.quality],
        link_figures=link_figures(link),
    )


@dataclass(frozen=True)
class AuditLine:
    """One of a kiosk's technician audit events, in the console's words."""

    at: datetime
    kind: str
    actor: str
    detail: str
    received_at: datetime


def audit_line(event: AuditRecord) -> AuditLine:
    return AuditLine(
        at=event.at,
        kind=AUDIT_KIND_LABELS.get(event.kind, event.kind),
        actor=event.actor,
        detail=event.detail,
        received_at=event.received_at,
    )


def status_label(dossier: DossierRecord) -> str:
    return AWAITING_FILES_LABEL if dossier.status is None else STATUS_LABELS[dossier.status]


class Console:
    """The handlers and what they share, all handed in by ``create_console``."""

    def __init__(
        self,
        *,
        store: Store,
        console_store: ConsoleStore,
        blobs: BlobStore,
        settings: GatewaySettings,
    ) -> None:
        self.store = store
        self.console_store = console_store
        self.blobs = blobs
        self.settings = settings
        self.templates = Environment(
            loader=PackageLoader("gateway.console", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["vn_time"] = _vn_time
        self.templates.filters["size"] = _size
        self.hashing = asyncio.Semaphore(HASHING_SLOTS)
        """Slots for scrypt (log-ins, passwords set in the account pages)."""

    # --- plumbing -------------------------------------------------------------------------------

    def base(self, request: Request) -> str:
        """The path the console is mounted at (``/console``), for links and form actions."""
        return str(request.scope.get("root_path", "")).rstrip("/")

    def render(
        self,
        request: Request,
        template: str,
        *,
        visitor: Visitor | None = None,
        status_code: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        page = self.templates.get_template(template).render(
            base=self.base(request),
            visitor=visitor,
            role_label=ROLE_LABELS[visitor.staff.role] if visitor else "",
            can_audit=visitor is not None and allowed(visitor.staff, Permission.VIEW_AUDIT),
            can_kiosks=visitor is not None and allowed(visitor.staff, Permission.VIEW_KIOSKS),
            can_credentials=visitor is not None
            and allowed(visitor.staff, Permission.ISSUE_CREDENTIALS),
            can_publish=visitor is not None
            and allowed(visitor.staff, Permission.PUBLISH_REFERENCE),
            can_import=visitor is not None and allowed(visitor.staff, Permission.IMPORT_USB),
            can_staff=visitor is not None and allowed(visitor.staff, Permission.MANAGE_STAFF),
            csrf_field=CSRF_FIELD,
            csrf_token=visitor.session.csrf_token if visitor else "",
            **values,
        )
        return HTMLResponse(page, status_code=status_code)

    def message(
        self, request: Request, visitor: Visitor | None, status_code: int, title: str, text: str
    ) -> HTMLResponse:
        return self.render(
            request, "message.html", visitor=visitor, status_code=status_code,
            title=title, text=text,
        )  # fmt: skip

    def audit(
        self,
        actor: str,
        action: ConsoleAction,
        outcome: Outcome,
        *,
        unit_code: str | None = None,
        target: str | None = None,
        detail: str = "",
    ) -> None:
        self.console_store.add_audit(
            NewAuditEntry(
                at=self.settings.now(),
                actor=actor,
                action=action,
                unit_code=unit_code,
                target=target,
                outcome=outcome,
                detail=detail,
            )
        )

    def to_login(self, request: Request, notice: str | None = None) -> RedirectResponse:
        query = f"?{urlencode({'notice': notice})}" if notice else ""
        return RedirectResponse(f"{self.base(request)}/login{query}", status_code=303)

    def signed_out(self, request: Request) -> RedirectResponse:
        """To the log-in page; saying the session ended when the browser still had one."""
        return self.to_login(request, "expired" if request.cookies.get(SESSION_COOKIE) else None)

    def visitor(self, request: Request) -> Visitor | None:
        """The signed-in account of the request, or None (no cookie, an unknown or expired
        session, a disabled account); an expired session is deleted on sight."""
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        digest = token_digest(token)
        session = self.console_store.session(digest)
        if session is None:
            return None
        now = self.settings.now()
        staff = self.console_store.staff(session.username)
        if (
            now - session.last_seen > IDLE_EXPIRY
            or now - session.created_at > ABSOLUTE_EXPIRY
            or staff is None
            or not staff.enabled
        ):
            self.console_store.delete_session(digest)
            return None
        self.console_store.touch_session(digest, now)
        return Visitor(staff, session)

    @staticmethod
    def same_origin(request: Request) -> bool:
        """A POST another site made the browser send is refused before its token is looked at.
        Browsers say where a request comes from in ``Sec-Fetch-Site``; ``Origin`` is checked
        too where it names a site (under ``Referrer-Policy: no-referrer`` a form's POST says
        ``Origin: null``). A client that sends neither is judged by its token alone."""
        site = request.headers.get("sec-fetch-site")
        if site is not None and site not in {"same-origin", "none"}:
            return False
        origin = request.headers.get("origin")
        if origin is None or origin == "null":
            return True
        return urlsplit(origin).netloc == request.headers.get("host", "")

    def csrf_ok(self, request: Request, visitor: Visitor, form: FormData | None) -> bool:
        sent = form.get(CSRF_FIELD) if form is not None else None
        return (
            self.same_origin(request)
            and isinstance(sent, str)
            and hmac.compare_digest(sent.encode(), visitor.session.csrf_token.encode())
        )

    def stale_form(self, request: Request, visitor: Visitor, what: str) -> HTMLResponse:
        self.audit(visitor.staff.username, ConsoleAction.CSRF_REFUSED, Outcome.REFUSED, detail=what)
        return self.message(request, visitor, 403, "Biểu mẫu không hợp lệ", MSG_STALE_FORM)

    def visible_dossier(
        self, visitor: Visitor, dossier_id: str
    ) -> tuple[DossierRecord, str | None]:
        """The dossier and its unit if the account's area covers it; LookupError for one that
        does not exist and for one outside the area alike."""
        dossier = self.store.dossier(dossier_id)
        if dossier is None:
            raise LookupError(dossier_id)
        kiosk = self.store.kiosk(dossier.kiosk_id)
        unit = kiosk.unit_code if kiosk is not None else None
        if not covers(visitor.staff, unit):
            raise LookupError(dossier_id)
        return dossier, unit

    # --- log-in, log-out ------------------------------------------------------------------------

    def home(self, request: Request, form: FormData | None = None) -> Response:
        if self.visitor(request) is None:
            return self.to_login(request)
        return RedirectResponse(f"{self.base(request)}/dossiers", status_code=303)

    def login_page(
        self, request: Request, *, error: str | None = None, status_code: int = 200,
        username: str = "",
    ) -> Response:  # fmt: skip
        token = secrets.token_urlsafe(32)
        notices = {"out": MSG_LOGGED_OUT, "expired": MSG_EXPIRED}
        response = self.render(
            request,
            "login.html",
            status_code=status_code,
            error=error,
            notice=notices.get(request.query_params.get("notice", "")),
            login_token=token,
            username=username,
        )
        response.set_cookie(
            LOGIN_COOKIE, token, path="/", secure=True, httponly=True, samesite="strict"
        )
        return response

    def login_form(self, request: Request, form: FormData | None = None) -> Response:
        if self.visitor(request) is not None:
            return RedirectResponse(f"{self.base(request)}/dossiers", status_code=303)
        return self.login_page(request)

    async def login(self, request: Request) -> Response:
        # Async, unlike the other handlers: the password check waits for a hashing slot on the
        # event loop; every store step around it runs on a thread (``blocking``).
        form = await request.form()
        sent = form.get("login_token")
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if (
            not self.same_origin(request)
            or not isinstance(sent, str)
            or not expected
            or not hmac.compare_digest(sent.encode(), expected.encode())
        ):
            return self.login_page(request, error=MSG_STALE_FORM, status_code=403)
        username = str(form.get("username", "")).strip()[:100]
        password = str(form.get("password", ""))
        now = self.settings.now()
        key = throttle_key(username)
        address_key = address_throttle_key(client_address(request))
        locked, lock_kind = await blocking(self.lock_on, key, address_key, now)
        if locked is not None:
            return await blocking(self.refuse_locked, request, username, locked, now, lock_kind)
        staff = await blocking(self.console_store.staff, username)
        # The hash is checked even for an unknown name, so the time taken says nothing.
        stored = staff.password_hash if staff is not None else DUMMY_HASH
        async with self.hashing:
            matches = await run_in_threadpool(verify_password, password, stored)
        if staff is None or not staff.enabled or not matches:
            return await blocking(
                self.login_failed, request, staff, username, key, now, address_key=address_key
            )
        rehashed = None
        if needs_rehash(staff.password_hash):
            async with self.hashing:
                rehashed = await run_in_threadpool(hash_password, password)
        return await blocking(self.logged_in, request, staff, key, now, rehashed)

    def lock_on(
        self, key: str, address_key: str, now: datetime
    ) -> tuple[datetime | None, LockKind]:
        """The end of the lock on the name or on the address (the later), and which."""
        by_address = self.console_store.locked_until(address_key, now)
        by_name = self.console_store.locked_until(key, now)
        if by_address is not None and (by_name is None or by_address >= by_name):
            return by_address, LockKind.ADDRESS
        return by_name, LockKind.ACCOUNT

    def login_failed(
        self,
        request: Request,
        staff: StaffRecord | None,
        username: str,
        key: str,
        now: datetime,
        *,
        address_key: str,
    ) -> Response:
        until = self.console_store.login_failed(
            key, now=now, threshold=LOCK_THRESHOLD, lock_for=LOCK_DURATION
        )
        # The address's count goes on across names and is never reset by a success (an
        # attacker's own account must not wipe it); only its window ends it.
        address_until = self.console_store.login_failed(
            address_key,
            now=now,
            threshold=ADDRESS_LOCK_THRESHOLD,
            lock_for=ADDRESS_LOCK_DURATION,
            window=ADDRESS_WINDOW,
        )
        kind = LockKind.ACCOUNT
        if address_until is not None and (until is None or address_until >= until):
            until, kind = address_until, LockKind.ADDRESS
        self.audit(
            staff.username if staff is not None else UNKNOWN_ACTOR,
            ConsoleAction.LOGIN_FAILED,
            Outcome.FAILURE,
            unit_code=staff.unit_prefix if staff is not None else None,
            detail=LOCKED_NOW[kind] if until else "Sai mật khẩu hoặc tài khoản",
        )
        if until is not None:
            return self.refuse_locked(request, username, until, now, kind, audited=True)
        return self.login_page(request, error=MSG_BAD_LOGIN, status_code=401, username=username)

    def logged_in(
        self, request: Request, staff: StaffRecord, key: str, now: datetime, rehashed: str | None
    ) -> Response:
        self.console_store.login_succeeded(key)
        self.console_store.purge_login_throttle(
            counted_before=now - THROTTLE_FORGOTTEN_AFTER, now=now
        )
        if rehashed is not None:
            self.console_store.set_password(staff.username, rehashed)
        self.console_store.delete_stale_sessions(
            idle_since=now - IDLE_EXPIRY, created_before=now - ABSOLUTE_EXPIRY
        )
        token = secrets.token_urlsafe(32)
        self.console_store.create_session(
            token_sha256=token_digest(token),
            username=staff.username,
            csrf_token=secrets.token_urlsafe(32),
            now=now,
        )
        self.audit(
            staff.username, ConsoleAction.LOGIN, Outcome.SUCCESS, unit_code=staff.unit_prefix
        )
        response = RedirectResponse(f"{self.base(request)}/dossiers", status_code=303)
        # A session cookie (no Max-Age): it goes when the browser closes, and the server's
        # expiry bounds it anyway.
        response.set_cookie(
            SESSION_COOKIE, token, path="/", secure=True, httponly=True, samesite="strict"
        )
        response.delete_cookie(LOGIN_COOKIE, path="/", secure=True, httponly=True)
        return response

    def refuse_locked(
        self, request: Request, username: str, until: datetime, now: datetime, kind: LockKind,
        *, audited: bool = False,
    ) -> Response:  # fmt: skip
        """The same answer whichever lock holds (the name's or the address's): it tells
        neither which names exist nor which limit was reached; the audit log says which."""
        if not audited:
            staff = self.console_store.staff(username)
            self.audit(
                staff.username if staff is not None else UNKNOWN_ACTOR,
                ConsoleAction.LOGIN_FAILED,
                Outcome.REFUSED,
                unit_code=staff.unit_prefix if staff is not None else None,
                detail=STILL_LOCKED[kind],
            )
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        return self.login_page(
            request, error=MSG_LOCKED.format(minutes=minutes), status_code=429, username=username
        )

    def logout(self, request: Request, form: FormData | None) -> Response:
        visitor = self.visitor(request)
        if visitor is None:
            return self.signed_out(request)
        if not self.csrf_ok(request, visitor, form):
            return self.stale_form(request, visitor, "Đăng xuất")
        self.console_store.delete_session(visitor.session.token_sha256)
        self.audit(
            visitor.staff.username,
            ConsoleAction.LOGOUT,
            Outcome.SUCCESS,
            unit_code=visitor.staff.unit_prefix,
        )
        response = self.to_login(request, "out")
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True)
        return response

    # --- dossiers -------------------------------------------------------------------------------

    def dossiers(self, request: Request, form: FormData | None = None) -> Response:
        visitor = self.visitor(request)
        if visitor is None:
            return self.signed_out(request)
        params = request.query_params
        query = params.get("q", "").strip()[:MAX_QUERY_CHARS]
        wanted = params.get("status", "")
        statuses = {s.value: STATUS_LABELS[s] for s in ProcessingStatus}
        if wanted not in statuses and wanted != AWAITING:
            wanted = ""
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        # The database filters and pages (``Store.dossier_page``): the area is the account's
        # (``covers``: its unit and those under it, and for a province administrator the
        # kiosks with no unit), the search an official code or receipt number equal to the
        # query or starting with it.
        asked = DossierQuery(
            unit_prefix=visitor.staff.unit_prefix,
            with_no_unit=covers(visitor.staff, None),
            search=query,
            status=ProcessingStatus(wanted) if wanted in statuses else None,
            awaiting_files=wanted == AWAITING,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        found = self.store.dossier_page(asked)
        pages = max(1, math.ceil(found.total / PAGE_SIZE))
        if page > pages:  # a page past the end (the list shrank, a link typed): the last one
            page = pages
            found = self.store.dossier_page(replace(asked, offset=(page - 1) * PAGE_SIZE))
        shown = [
            DossierRow(listed.dossier, listed.unit_code, status_label(listed.dossier))
            for listed in found.dossiers
        ]

        def page_link(number: int) -> str:
            values = {"q": query, "status": wanted, "page": str(number)}
            return "?" + urlencode({k: v for k, v in values.items() if v})

        # Only the rows shown are read further: the procedure's name is in the dossier's body.
        procedures = [str(_body(row.dossier).get("procedure_name") or "") for row in shown]
        return self.render(
            request,
            "dossiers.html",
            visitor=visitor,
            rows=list(zip(shown, procedures, strict=True)),
            total=found.total,
            page=page,
            pages=pages,
            previous_link=page_link(page - 1) if page > 1 else None,
            next_link=page_link(page + 1) if page < pages else None,
            query=query,
            wanted=wanted,
            statuses=[(AWAITING, AWAITING_FILES_LABEL), *statuses.items()],
        )

    def dossier_page(self, request: Request, form: FormData | None = None) -> Response:
        visitor = self.visitor(request)
        if visitor is None:
            return self.signed_out(request)
        try:
            dossier, unit = self.visible_dossier(visitor, request.path_params["dossier_id"])
        except LookupError:
            return self.message(request, visitor, 404, "Không tìm thấy hồ sơ", MSG_NOT_FOUND)
        return self.dossier_view(request, visitor, dossier, unit)

    def dossier_view(
        self,
        request: Request,
        visitor: Visitor,
        dossier: DossierRecord,
        unit: str | None,
        *,
        error: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        body = _body(dossier)
        applicant = body.get("applicant") if isinstance(body.get("applicant"), dict) else {}
        assert isinstance(applicant, dict)
        files = self.store.files(dossier.dossier_id)
        can_change = allowed(visitor.staff, Permission.CHANGE_STATUS)
        next_statuses = NEXT_STATUSES[dossier.status] if dossier.status is not None else ()
        return self.render(
            request,
            "dossier.html",
            visitor=visitor,
            status_code=status_code,
            dossier=dossier,
            unit=unit,
            status=status_label(dossier),
            applicant_name=str(applicant.get("full_name", "")),
            applicant_id=mask_id(str(applicant.get("id_number", "") or "")),
            procedure_name=str(body.get("procedure_name", "")),
            documents=list(_documents(body, files)),
            history=[
                (h.at, STATUS_LABELS[h.status], h.note)
                for h in self.store.history(dossier.dossier_id)
            ],
            can_change=can_change and bool(next_statuses),
            view_only=not can_change,
            next_statuses=[(s.value, STATUS_LABELS[s]) for s in next_statuses],
            changed=request.query_params.get("changed") == "1",
            error=error,
            max_note=MAX_NOTE_CHARS,
        )

    def change_status(self, request: Request, form: FormData | None) -> Response:
        visitor = self.visitor(request)
        if visitor is None:
            return self.signed_out(request)
        if not self.csrf_ok(request, visitor, form):
            return self.stale_form(request, visitor, "Cập nhật trạng thái hồ sơ")
        try:
            dossier, unit = self.visible_dossier(visitor, request.path_params["dossier_id"])
        except LookupError:
            return self.message(request, visitor, 404, "Không tìm thấy hồ sơ", MSG_NOT_FOUND)
        target = dossier.dossier_code or dossier.receipt_number
        if not allowed(visitor.staff, Permission.CHANGE_STATUS):
            self.audit(
                visitor.staff.username, ConsoleAction.STATUS_CHANGE, Outcome.REFUSED,
                unit_code=unit, target=target, detail="Vai trò không được đổi trạng thái",
            )  # fmt: skip
            return self.message(request, visitor, 403, "Không có quyền", MSG_FORBIDDEN)
        assert form is not None  # csrf_ok refuses a request without one
        try:
            wanted = ProcessingStatus(str(form.get("status", "")))
        except ValueError:
            wanted = None
        note = " ".join(str(form.get("note", "")).split())[:MAX_NOTE_CHARS] or None
        current = dossier.status
        if str(form.get("from_status", "")) != (current.value if current else ""):
            return self.moved_meanwhile(request, visitor, dossier, unit)
        if current is None or wanted is None or wanted not in NEXT_STATUSES[current]:
            self.audit(
                visitor.staff.username, ConsoleAction.STATUS_CHANGE, Outcome.FAILURE,
                unit_code=unit, target=target,
                detail=f"{status_label(dossier)} → {STATUS_LABELS[wanted] if wanted else '?'}",
            )  # fmt: skip
            return self.dossier_view(
                request, visitor, dossier, unit, error=MSG_STATUS_REFUSED, status_code=400
            )
        try:
            # The store checks the status again in the step that changes it: a colleague's
            # change committed since this page read the dossier wins, and this one is refused.
            self.store.change_status(
                dossier.dossier_id, expected=current, status=wanted,
                at=self.settings.now(), note=note,
            )  # fmt: skip
        except (StatusMovedError, NoSuchRecordError):
            moved = self.store.dossier(dossier.dossier_id) or dossier
            return self.moved_meanwhile(request, visitor, moved, unit)
        self.audit(
            visitor.staff.username, ConsoleAction.STATUS_CHANGE, Outcome.SUCCESS,
            unit_code=unit, target=target,
            detail=f"{STATUS_LABELS[current]} → {STATUS_LABELS[wanted]}",
        )  # fmt: skip
        return RedirectResponse(
            f"{self.base(request)}/dossiers/{dossier.dossier_id}?changed=1", status_code=303
        )

    def moved_meanwhile(
        self, request: Request, visitor: Visitor, dossier: DossierRecord, unit: str | None
    ) -> HTMLResponse:
        """A status change made from a status the dossier no longer has (a colleague's change
        came first): refused, audited, and the dossier shown as it now is."""
        self.audit(
            visitor.staff.username, ConsoleAction.STATUS_CHANGE, Outcome.REFUSED,
            unit_code=unit, target=dossier.dossier_code or dossier.receipt_number,
            detail=f"Trạng thái vừa được người khác đổi thành: {status_label(dossier)}",
        )  # fmt: skip
        return self.dossier_view(
            request, visitor, dossier, unit, error=MSG_STATUS_MOVED, status_code=409
        )

    def dossier_file(self, request: Request, form: FormData | None = None) -> Response:
        visitor = self.visitor(request)
        if visitor is None:
            return self.signed_out(request)
        not_found = self.message(request, visitor, 404, "Không tìm thấy tệp", MSG_NOT_FOUND)
        try:
            dossier, _unit = self.visible_dossier(visitor, request.path_params["dossier_id"])
        except LookupError:
            return not_found
        record = self.store.file(request.path_params["file_id"])
        if (
            record is None
            or record.dossier_id != dossier.dossier_id
            or not record.complete
            or record.stored_path is None
        ):
            return not_found
        try:
            size = self.blobs.size(record.stored_path)
            blocks = read_blocks(self.blobs, record.stored_path)
        except BlobError:
            log.error("dossier %s: file %s is recorded but not stored", dossier.dossier_id,
                      record.file_id)  # fmt: skip
            return not_found
        inline = record.media_type in INLINE_TYPES
        media_type = record.media_type if inline else "application/octet-stream"
        return StreamingResponse(
            blocks,
            media_type=media_type,
            headers={
                "Content-Length": str(size),
                "Content-Disposition": _disposition(record, inline),
            },
        )

    # --- kiosks ---------------------------------------------------------------------------------

    def kiosks(self, request: Request, form: FormData | None = None) -> Response:
        visitor = self.visitor(request)
        if visitor is None:
            return self.signed_out(request)
        if not allowed(visitor.staff, Permission.VIEW_KIOSKS):
            return self.message(request, visitor, 403, "Không có quyền", MSG_FORBIDDEN)
        now = self.settings.now()
        beats = {beat.kiosk_id: beat for beat in self.store.heartbeats()}
        rows = sorted(
            (
                kiosk_row(kiosk, beats.get(kiosk.kiosk_id), now)
                for kiosk in self.store.kiosks()
                if covers(visitor.staff, kiosk.unit_code)
            ),
            key=lambda row: row.sort_key,
        )
        return self.render(
            request,
            "kiosks.html",
            visitor=visitor,
            rows=rows,
            now=now,
            stale_count=sum(row.stale for row in rows),
            trouble_count=sum(bool(row.device_problems) for row in rows),
            stale_minutes=int(STALE_AFTER.total_seconds() // 60),
            can_revoke=allowed(visitor.staff, Permission.ISSUE_CREDENTIALS),
            revoked=request.query_params.get("revoked", ""),
        )

    def visible_kiosk(self, visitor: Visitor, kiosk_id: str) -> KioskRecord:
        """The kiosk if the account's area covers it; LookupError for one never enrolled and
        for one outside the area alike."""
        kiosk = self.store.kiosk(kiosk_id)
        if kiosk is None or not covers(visitor.staff, kiosk.unit_code):
            raise LookupError(kiosk_id)
        return kiosk

    def kiosk_page(self, request: Request, form: FormData | None = None) -> Response:
        """One kiosk: its last heartbeat in full (every device, the link's figures) and the
        technicians' audit log it sent, newest first. The log is here rather than on the fleet
        page: it grows without bound, and is read for one kiosk when someone asks."""
        visitor = self.visitor(request)
        if visitor is None:
            return self.signed_out(request)
        if not allowed(visitor.staff, Permission.VIEW_KIOSKS):
            return self.message(request, visitor, 403, "Không có quyền", MSG_FORBIDDEN)
        try:
            kiosk = self.visible_kiosk(visitor, request.path_params["kiosk_id"])
        except LookupError:
            return self.message(request, visitor, 404, "Không tìm thấy kiosk", MSG_KIOSK_NOT_FOUND)
        now = self.settings.now()
        beat = next((b for b in self.store.heartbeats() if b.kiosk_id == kiosk.kiosk_id), None)
        recorded = self.store.audit_events(kiosk.kiosk_id)
        events = [audit_line(e) for e in reversed(recorded[-KIOSK_AUDIT_SHOWN:])]
        return self.render(
            request,
            "kiosk.html",
            visitor=visitor,
            row=kiosk_row(kiosk, beat, now),
            events=events,
            event_count=len(recorded),
            can_revoke=allowed(visitor.staff, Permission.ISSUE_CREDENTIALS),
            request_revoked=request.query_params.get("revoked") == "1",
        )

    # --- audit ----------------------------------------------------------------------------------

    def audit_page(self, request: Request, form: FormData | None = None) -> Response:
        visitor = self.visitor(request)
        if visitor is None:
            return self.signed_out(request)
        if not allowed(visitor.staff, Permission.VIEW_AUDIT):
            return self.message(request, visitor, 403, "Không có quyền", MSG_FORBIDDEN)
        try:
            page = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            page = 1
        entries = self.console_store.audit_entries(
            unit_prefix=visitor.staff.unit_prefix,
            limit=AUDIT_PAGE_SIZE + 1,
            offset=(page - 1) * AUDIT_PAGE_SIZE,
        )
        return self.render(
            request,
            "audit.html",
            visitor=visitor,
            entries=entries[:AUDIT_PAGE_SIZE],
            page=page,
            previous_link=f"?page={page - 1}" if page > 1 else None,
            next_link=f"?page={page + 1}" if len(entries) > AUDIT_PAGE_SIZE else None,
            action_labels=ACTION_LABELS,
            outcome_labels=OUTCOME_LABELS,
        )


ACTION_LABELS: Mapping[ConsoleAction, str] = {
    ConsoleAction.LOGIN: "Đăng nhập",
    ConsoleAction.LOGIN_FAILED: "Đăng nhập không thành công",
    ConsoleAction.LOGOUT: "Đăng xuất",
    ConsoleAction.STATUS_CHANGE: "Cập nhật trạng thái hồ sơ",
    ConsoleAction.CSRF_REFUSED: "Biểu mẫu không hợp lệ",
    ConsoleAction.STAFF_ADD: "Tạo tài khoản",
    ConsoleAction.STAFF_PASSWORD: "Đổi mật khẩu",
    ConsoleAction.STAFF_DISABLE: "Khoá tài khoản",
    ConsoleAction.STAFF_ENABLE: "Mở lại tài khoản",
    ConsoleAction.PUBLISH_CATALOG: "Phát hành danh mục thủ tục",
    ConsoleAction.PUBLISH_CALENDAR: "Phát hành lịch làm việc",
    ConsoleAction.IMPORT_USB: "Nhập hồ sơ từ USB",
    ConsoleAction.ENROLMENT_CODE_ISSUE: "Cấp mã đăng ký kiosk",
    ConsoleAction.ENROLMENT_CODE_REVOKE: "Thu hồi mã đăng ký kiosk",
    ConsoleAction.KIOSK_TOKEN_REVOKE: "Thu hồi mã truy cập của kiosk",
    ConsoleAction.BADGE_ISSUE: "Cấp thẻ kỹ thuật viên",
}
OUTCOME_LABELS: Mapping[Outcome, str] = {
    Outcome.SUCCESS: "Thành công",
    Outcome.FAILURE: "Không thành công",
    Outcome.REFUSED: "Bị từ chối",
}


def _body(dossier: DossierRecord) -> dict[str, Any]:
    try:
        body = json.loads(dossier.body)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@dataclass(frozen=True)
class DocumentView:
    name: str
    warning: str | None
    files: list[FileRecord]


def _documents(body: dict[str, Any], files: list[FileRecord]) -> Iterator[DocumentView]:
    """The dossier's documents in its order, each with its files and the kiosk's warning."""
    by_code: dict[str, list[FileRecord]] = {}
    for record in files:
        by_code.setdefault(record.document_code, []).append(record)
    documents = body.get("documents")
    for document in documents if isinstance(documents, list) else []:
        if not isinstance(document, dict):
            continue
        code = str(document.get("code", ""))
        yield DocumentView(
            name=str(document.get("name") or code),
            warning=_warning(document.get("check")),
            files=by_code.pop(code, []),
        )
    for code, rest in by_code.items():  # files whose document the body does not name
        yield DocumentView(name=code, warning=None, files=rest)


def _warning(check: object) -> str | None:
    if not isinstance(check, dict):
        return None
    try:
        verdict = CheckVerdict(str(check.get("verdict")))
    except ValueError:
        return None
    text = VERDICT_LABELS[verdict]
    looks_like = check.get("looks_like")
    if verdict is CheckVerdict.OTHER_DOCUMENT and isinstance(looks_like, str) and looks_like:
        text += f" (trông giống: {looks_like})"
    page = check.get("page_index")
    if isinstance(page, int) and not isinstance(page, bool):
        text += f", trang {page + 1}"
    return text


def _disposition(record: FileRecord, inline: bool) -> str:
    """``inline`` or ``attachment`` with the file's name, ASCII fallback and UTF-8 (RFC 6266)."""
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                         for c in record.name)  # fmt: skip
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(record.name)}"


def create_console(
    *,
    store: Store,
    console_store: ConsoleStore,
    blobs: BlobStore,
    settings: GatewaySettings,
    signing_key: Ed25519PrivateKey | None = None,
    gateway_url: str | None = None,
) -> Starlette:
    """The console as an ASGI application, to be mounted at ``/console`` (any path works: links
    are made from the mount point).

    ``signing_key`` signs technician badges (the gateway's, ``gateway.keys``; without it the
    badges page says none can be issued). ``gateway_url`` is the address kiosks
    reach the gateway at, written into enrolment QR codes; when None, the address the console
    was asked at.
    """
    # The pages' modules build on ``Console``, defined in this one: imported here, not on top.
    from gateway.console.accounts import accounts_routes  # noqa: PLC0415
    from gateway.console.credentials_pages import CredentialPages  # noqa: PLC0415
    from gateway.console.publishing import publishing_routes  # noqa: PLC0415

    console = Console(store=store, console_store=console_store, blobs=blobs, settings=settings)
    credentials = CredentialPages(console, keys=signing_key, gateway_url=gateway_url)
    pages: list[tuple[str, PageHandler, list[str]]] = [
        ("/", console.home, ["GET"]),
        ("/login", console.login_form, ["GET"]),
        ("/logout", console.logout, ["POST"]),
        ("/dossiers", console.dossiers, ["GET"]),
        ("/dossiers/{dossier_id}", console.dossier_page, ["GET"]),
        ("/dossiers/{dossier_id}/status", console.change_status, ["POST"]),
        ("/dossiers/{dossier_id}/files/{file_id}", console.dossier_file, ["GET"]),
        ("/kiosks", console.kiosks, ["GET"]),
        ("/kiosks/{kiosk_id}", console.kiosk_page, ["GET"]),
        ("/audit", console.audit_page, ["GET"]),
        *credentials.pages(),
    ]
    routes = [
        Route("/login", console.login, methods=["POST"]),
        *(Route(path, offloaded(page), methods=methods) for path, page, methods in pages),
        # The catalog, the calendar and USB imports (``gateway.console.publishing``).
        *publishing_routes(console),
        # Staff accounts and one's own password (``gateway.console.accounts``).
        *accounts_routes(console),
    ]
    app = Starlette(
        routes=[
            *routes,
            Mount("/static", StaticFiles(packages=[("gateway.console", "static")]), name="static"),
        ]
    )
    app.add_middleware(SecurityHeaders, static_prefix="/static/")
    app.state.console = console
    return app
