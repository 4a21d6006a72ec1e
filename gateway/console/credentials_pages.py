"""The console's credentials pages: what a district technician or the province's administrator
issues and withdraws for the kiosks of their units.

- ``/console/enrolment``: a one-time enrolment code for a kiosk of a unit in the account's
  area, valid for a chosen time; shown once, as the QR the kiosk's ``kiosk enrol`` reads
  (``EnrolmentCode.text()``: the code and this gateway's address) and as the code to type;
  the codes of the area listed with their state, and a code still valid revoked.
- ``/console/kiosks/{id}/revoke``: a kiosk's token withdrawn (a confirmation page first, then a
  POST): the kiosk's requests are refused from then on, until it is enrolled again with a new
  code.
- ``/console/badges``: a technician badge signed with the gateway's key, for kiosks of the area
  or for a unit prefix within it, valid up to ``MAX_BADGE_VALIDITY``; shown once, as its QR and
  serial; the badges within the area listed.

A credential is shown once, in the answer to the POST that made it (``no-store``, like every
page of the console), as a PNG in a ``data:`` URL: nothing keeps it, not even a route that could
be asked for it again. The store keeps a code's digest and a badge's record, never the usable
text. The rules of every console page hold here: a session, a synchronizer token and the same
origin on every POST, the role's permission, the account's area (a kiosk outside it is "not
found", as one that does not exist), and an audit entry for every change and every refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dvc_common.trust import TrustError
from gateway.console.access import Permission, allowed, covers
from gateway.console.store import ConsoleAction, Outcome, in_scope
from gateway.console.web import (
    MSG_FORBIDDEN,
    MSG_KIOSK_NOT_FOUND,
    Console,
    PageHandler,
    Visitor,
    kiosk_row,
)
from gateway.credentials import (
    CodeState,
    code_state,
    issue_badge,
    issue_enrolment_code,
    qr_data_url,
)
from gateway.settings import UNIT_CODE_PATTERN
from gateway.store import (
    BadgeRecord,
    EnrolmentCodeExpiredError,
    EnrolmentCodeRecord,
    EnrolmentCodeUnknownError,
    EnrolmentCodeUsedError,
    KioskRecord,
)

KIOSK_ID: Final = re.compile(r"^[A-Z0-9]{2,12}$")
CODE_DIGEST: Final = re.compile(r"^[0-9a-f]{64}$")
ENROLMENT_HOURS: Final = (1, 4, 8, 24, 72, 168)
DEFAULT_ENROLMENT_HOURS: Final = 24
BADGE_HOURS: Final = (1, 4, 8, 12, 24, 72, 168)
DEFAULT_BADGE_HOURS: Final = 12
MAX_BADGE_VALIDITY: Final = timedelta(days=7)
"""A badge cannot be withdrawn once printed (a kiosk checks it offline): it is kept short."""
MAX_BADGE_KIOSKS: Final = 20  # more than this is an area's work, and the QR would not hold them
LIST_LIMIT: Final = 200  # the newest codes and badges shown; the CLI lists them all

MSG_KIOSK_ID = "Mã kiosk gồm 2–12 chữ in hoa hoặc chữ số, ví dụ KIOSK01."
MSG_UNIT = "Mã đơn vị chưa đúng dạng, ví dụ H15.50.05.13."
MSG_UNIT_OUTSIDE = "Đơn vị này không thuộc phạm vi quản lý của bạn ({prefix})."
MSG_KIOSK_ELSEWHERE = (
    "Mã kiosk này đang được dùng cho một kiosk không thuộc đơn vị của bạn. "
    "Vui lòng kiểm tra lại mã kiosk."
)
MSG_HOURS = "Vui lòng chọn thời hạn trong danh sách."
MSG_CODE_GONE = "Mã đăng ký này không còn hiệu lực (đã dùng, đã hết hạn hoặc không tồn tại)."
MSG_TECHNICIAN = "Vui lòng nhập mã kỹ thuật viên (tối đa 40 ký tự) và họ tên (tối đa 80 ký tự)."
MSG_BADGE_SCOPE = "Vui lòng chọn kiosk cụ thể hoặc một khu vực."
MSG_BADGE_KIOSKS = "Vui lòng nhập từ 1 đến {limit} mã kiosk, cách nhau bằng dấu phẩy."
MSG_BADGE_KIOSK_UNKNOWN = "Không tìm thấy kiosk {kiosk_id} trong đơn vị của bạn."
MSG_BADGE_AREA = "Khu vực là một mã đơn vị thuộc phạm vi của bạn ({prefix}), ví dụ {prefix}."
MSG_BADGE_TOO_LONG = "Thẻ quá dài để in thành mã QR. Vui lòng bớt số kiosk hoặc rút ngắn họ tên."
MSG_NO_KEY = (
    "Cổng chưa có khoá ký nên chưa cấp được thẻ. "
    "Quản trị viên cần chạy lệnh 'dvc-gateway keys init' trên máy chủ."
)


CODE_STATE_LABELS: Final[dict[CodeState, str]] = {
    CodeState.VALID: "Còn hiệu lực",
    CodeState.USED: "Đã dùng",
    CodeState.EXPIRED: "Hết hạn",
    CodeState.REVOKED: "Đã thu hồi",
}


@dataclass(frozen=True)
class CodeRow:
    code: EnrolmentCodeRecord
    state: CodeState
    label: str


@dataclass(frozen=True)
class BadgeRow:
    badge: BadgeRecord
    scope: str
    valid: bool


def typeable(code: str) -> str:
    """The code in groups of four, as it is read aloud or typed (the kiosk ignores dashes)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _hours(form: FormData, choices: tuple[int, ...]) -> int | None:
    try:
        hours = int(str(form.get("hours", "")))
    except ValueError:
        return None
    return hours if hours in choices else None


class CredentialPages:
    """The handlers of the credentials pages, on the console's plumbing."""

    def __init__(
        self, console: Console, *, keys: Ed25519PrivateKey | None, gateway_url: str | None
    ) -> None:
        self.console = console
        self._signing_key = keys
        self.gateway_url = gateway_url.rstrip("/") if gateway_url else None

    def pages(self) -> list[tuple[str, PageHandler, list[str]]]:
        return [
            ("/enrolment", self.enrolment, ["GET"]),
            ("/enrolment", self.issue_code, ["POST"]),
            ("/enrolment/revoke", self.revoke_code, ["POST"]),
            ("/kiosks/{kiosk_id}/revoke", self.confirm_revoke_token, ["GET"]),
            ("/kiosks/{kiosk_id}/revoke", self.revoke_token, ["POST"]),
            ("/badges", self.badges, ["GET"]),
            ("/badges", self.issue_badge, ["POST"]),
        ]

    # --- shared ---------------------------------------------------------------------------------

    def signing_key(self) -> Ed25519PrivateKey | None:
        """The gateway's signing key, as ``create_console`` was given it (None: no badges)."""
        return self._signing_key

    def permitted(self, request: Request) -> Visitor | Response:
        """The visitor if signed in and allowed to issue credentials; else the answer."""
        console = self.console
        visitor = console.visitor(request)
        if visitor is None:
            return console.signed_out(request)
        if not allowed(visitor.staff, Permission.ISSUE_CREDENTIALS):
            return console.message(request, visitor, 403, "Không có quyền", MSG_FORBIDDEN)
        return visitor

    def posted(
        self, request: Request, form: FormData | None, action: ConsoleAction, what: str
    ) -> Visitor | Response:
        """As ``permitted``, for a POST: the form's token checked first, and a role without
        the permission audited as refused."""
        console = self.console
        visitor = console.visitor(request)
        if visitor is None:
            return console.signed_out(request)
        if not console.csrf_ok(request, visitor, form):
            return console.stale_form(request, visitor, what)
        if not allowed(visitor.staff, Permission.ISSUE_CREDENTIALS):
            console.audit(
                visitor.staff.username, action, Outcome.REFUSED,
                unit_code=visitor.staff.unit_prefix, detail="Vai trò không được cấp hoặc thu hồi",
            )  # fmt: skip
            return console.message(request, visitor, 403, "Không có quyền", MSG_FORBIDDEN)
        return visitor

    def address(self, request: Request) -> str:
        """Where kiosks reach this gateway: the configured address, else the one this page was
        asked at (the console is served by the gateway it issues codes for)."""
        return self.gateway_url or f"{request.url.scheme}://{request.url.netloc}"

    # --- enrolment codes ------------------------------------------------------------------------

    def code_rows(self, visitor: Visitor, now: datetime) -> list[CodeRow]:
        rows = []
        for code in self.console.store.enrolment_codes():
            if covers(visitor.staff, code.unit_code):
                state = code_state(code, now)
                rows.append(CodeRow(code, state, CODE_STATE_LABELS[state]))
            if len(rows) == LIST_LIMIT:
                break
        return rows

    def enrolment_view(
        self,
        request: Request,
        visitor: Visitor,
        *,
        errors: list[str] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        now = self.console.settings.now()
        unit = visitor.staff.unit_prefix
        return self.console.render(
            request,
            "enrolment.html",
            visitor=visitor,
            status_code=status_code,
            rows=self.code_rows(visitor, now),
            errors=errors or [],
            values=values or {"kiosk_id": "", "unit_code": unit, "hours": "24"},
            hour_choices=ENROLMENT_HOURS,
            revoked=request.query_params.get("revoked", ""),
        )

    def enrolment(self, request: Request, form: FormData | None = None) -> Response:
        visitor = self.permitted(request)
        if not isinstance(visitor, Visitor):
            return visitor
        return self.enrolment_view(request, visitor)

    def issue_code(self, request: Request, form: FormData | None) -> Response:
        action = ConsoleAction.ENROLMENT_CODE_ISSUE
        visitor = self.posted(request, form, action, "Cấp mã đăng ký kiosk")
        if not isinstance(visitor, Visitor):
            return visitor
        assert form is not None
        console, staff = self.console, visitor.staff
        values = {
            "kiosk_id": str(form.get("kiosk_id", "")).strip().upper()[:40],
            "unit_code": str(form.get("unit_code", "")).strip().upper()[:60],
            "hours": str(form.get("hours", "")),
        }
        kiosk_id, unit = values["kiosk_id"], values["unit_code"]
        errors = []
        if not KIOSK_ID.fullmatch(kiosk_id):
            errors.append(MSG_KIOSK_ID)
        if not UNIT_CODE_PATTERN.fullmatch(unit):
            errors.append(MSG_UNIT)
        elif not in_scope(staff.unit_prefix, unit):
            errors.append(MSG_UNIT_OUTSIDE.format(prefix=staff.unit_prefix))
        hours = _hours(form, ENROLMENT_HOURS)
        if hours is None:
            errors.append(MSG_HOURS)
        existing = console.store.kiosk(kiosk_id) if not errors else None
        if existing is not None and not covers(staff, existing.unit_code):
            # A code would move another unit's kiosk into this account's area on redemption.
            errors.append(MSG_KIOSK_ELSEWHERE)
            console.audit(
                staff.username, action, Outcome.REFUSED, unit_code=unit, target=kiosk_id,
                detail="Kiosk thuộc đơn vị khác",
            )  # fmt: skip
        if errors or hours is None:
            return self.enrolment_view(
                request, visitor, errors=errors, values=values, status_code=400
            )
        now = console.settings.now()
        code, expires_at = issue_enrolment_code(
            console.store,
            kiosk_id=kiosk_id,
            now=now,
            ttl=timedelta(hours=hours),
            gateway_url=self.address(request),
            unit_code=unit,
        )
        console.audit(
            staff.username, action, Outcome.SUCCESS, unit_code=unit, target=kiosk_id,
            detail=f"Hiệu lực {hours} giờ",
        )  # fmt: skip
        text = code.text()
        return console.render(
            request,
            "enrolment_issued.html",
            visitor=visitor,
            kiosk_id=kiosk_id,
            unit_code=unit,
            qr=qr_data_url(text),
            qr_text=text,
            typed=typeable(code.code),
            gateway_url=code.gateway_url,
            expires_at=expires_at,
            hours=hours,
        )

    def revoke_code(self, request: Request, form: FormData | None) -> Response:
        action = ConsoleAction.ENROLMENT_CODE_REVOKE
        visitor = self.posted(request, form, action, "Thu hồi mã đăng ký kiosk")
        if not isinstance(visitor, Visitor):
            return visitor
        assert form is not None
        console = self.console
        digest = str(form.get("code", ""))
        code = console.store.enrolment_code(digest) if CODE_DIGEST.fullmatch(digest) else None
        if code is None or not covers(visitor.staff, code.unit_code):
            return console.message(request, visitor, 404, "Không tìm thấy mã", MSG_CODE_GONE)
        try:
            console.store.revoke_enrolment_code(digest, now=console.settings.now())
        except (EnrolmentCodeUnknownError, EnrolmentCodeUsedError, EnrolmentCodeExpiredError):
            console.audit(
                visitor.staff.username, action, Outcome.FAILURE, unit_code=code.unit_code,
                target=code.kiosk_id, detail="Mã đã dùng hoặc đã hết hạn",
            )  # fmt: skip
            return console.message(request, visitor, 409, "Không thu hồi được", MSG_CODE_GONE)
        console.audit(
            visitor.staff.username, action, Outcome.SUCCESS, unit_code=code.unit_code,
            target=code.kiosk_id, detail="Mã chưa dùng đã bị thu hồi",
        )  # fmt: skip
        return RedirectResponse(
            f"{console.base(request)}/enrolment?revoked={code.kiosk_id}", status_code=303
        )

    # --- kiosk tokens ---------------------------------------------------------------------------

    def revocable(self, request: Request, visitor: Visitor) -> KioskRecord | Response:
        try:
            return self.console.visible_kiosk(visitor, request.path_params["kiosk_id"])
        except LookupError:
            return self.console.message(
                request, visitor, 404, "Không tìm thấy kiosk", MSG_KIOSK_NOT_FOUND
            )

    def confirm_revoke_token(self, request: Request, form: FormData | None = None) -> Response:
        visitor = self.permitted(request)
        if not isinstance(visitor, Visitor):
            return visitor
        kiosk = self.revocable(request, visitor)
        if not isinstance(kiosk, KioskRecord):
            return kiosk
        beat = next(
            (b for b in self.console.store.heartbeats() if b.kiosk_id == kiosk.kiosk_id), None
        )
        return self.console.render(
            request,
            "kiosk_revoke.html",
            visitor=visitor,
            row=kiosk_row(kiosk, beat, self.console.settings.now()),
        )

    def revoke_token(self, request: Request, form: FormData | None) -> Response:
        action = ConsoleAction.KIOSK_TOKEN_REVOKE
        visitor = self.posted(request, form, action, "Thu hồi mã truy cập của kiosk")
        if not isinstance(visitor, Visitor):
            return visitor
        kiosk = self.revocable(request, visitor)
        if not isinstance(kiosk, KioskRecord):
            return kiosk
        console = self.console
        revoked = console.store.revoke_kiosk_token(kiosk.kiosk_id, console.settings.now())
        console.audit(
            visitor.staff.username, action, Outcome.SUCCESS, unit_code=kiosk.unit_code,
            target=kiosk.kiosk_id,
            detail="Đã thu hồi" if kiosk.token_revoked_at is None else "Đã thu hồi từ trước",
        )  # fmt: skip
        assert revoked is not None  # enrolled kiosks are never deleted
        return RedirectResponse(
            f"{console.base(request)}/kiosks/{kiosk.kiosk_id}?revoked=1", status_code=303
        )

    # --- badges ---------------------------------------------------------------------------------

    @staticmethod
    def badge_in_area(visitor: Visitor, badge: BadgeRecord, units: dict[str, str | None]) -> bool:
        """An area badge within the account's prefix, or one whose kiosks are all in its
        area; a kiosk never enrolled has no unit, and so is the province administrator's."""
        staff = visitor.staff
        if badge.area:
            return in_scope(staff.unit_prefix, badge.area)
        return all(covers(staff, units.get(kiosk_id)) for kiosk_id in badge.kiosks)

    def badges_view(
        self,
        request: Request,
        visitor: Visitor,
        *,
        errors: list[str] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        console = self.console
        now = console.settings.now()
        units = {k.kiosk_id: k.unit_code for k in console.store.kiosks()}
        rows = [
            BadgeRow(
                badge,
                f"Kiosk {', '.join(badge.kiosks)}" if badge.kiosks else f"Khu vực {badge.area}",
                badge.not_before <= now < badge.expires,
            )
            for badge in reversed(console.store.badges())
            if self.badge_in_area(visitor, badge, units)
        ][:LIST_LIMIT]
        return console.render(
            request,
            "badges.html",
            visitor=visitor,
            status_code=status_code,
            rows=rows,
            errors=errors or [],
            values=values
            or {"technician_id": "", "name": "", "scope": "kiosks", "kiosks": "",
                "area": visitor.staff.unit_prefix, "hours": str(DEFAULT_BADGE_HOURS)},
            hour_choices=BADGE_HOURS,
            max_days=MAX_BADGE_VALIDITY.days,
            have_key=self.signing_key() is not None,
        )  # fmt: skip

    def badges(self, request: Request, form: FormData | None = None) -> Response:
        visitor = self.permitted(request)
        if not isinstance(visitor, Visitor):
            return visitor
        return self.badges_view(request, visitor)

    def issue_badge(self, request: Request, form: FormData | None) -> Response:
        action = ConsoleAction.BADGE_ISSUE
        visitor = self.posted(request, form, action, "Cấp thẻ kỹ thuật viên")
        if not isinstance(visitor, Visitor):
            return visitor
        assert form is not None
        console, staff = self.console, visitor.staff
        values = {
            "technician_id": " ".join(str(form.get("technician_id", "")).split())[:60],
            "name": " ".join(str(form.get("name", "")).split())[:100],
            "scope": str(form.get("scope", "")),
            "kiosks": str(form.get("kiosks", "")).upper()[:400],
            "area": str(form.get("area", "")).strip().upper()[:60],
            "hours": str(form.get("hours", "")),
        }
        errors = []
        if not (1 <= len(values["technician_id"]) <= 40 and 1 <= len(values["name"]) <= 80):
            errors.append(MSG_TECHNICIAN)
        kiosks: tuple[str, ...] = ()
        area = ""
        if values["scope"] == "kiosks":
            kiosks = tuple(dict.fromkeys(k for k in re.split(r"[\s,;]+", values["kiosks"]) if k))
            if not 1 <= len(kiosks) <= MAX_BADGE_KIOSKS:
                errors.append(MSG_BADGE_KIOSKS.format(limit=MAX_BADGE_KIOSKS))
            for kiosk_id in kiosks:
                known = console.store.kiosk(kiosk_id) if KIOSK_ID.fullmatch(kiosk_id) else None
                if known is None or not covers(staff, known.unit_code):
                    errors.append(MSG_BADGE_KIOSK_UNKNOWN.format(kiosk_id=kiosk_id))
        elif values["scope"] == "area":
            area = values["area"]
            if not UNIT_CODE_PATTERN.fullmatch(area) or not in_scope(staff.unit_prefix, area):
                errors.append(MSG_BADGE_AREA.format(prefix=staff.unit_prefix))
        else:
            errors.append(MSG_BADGE_SCOPE)
        hours = _hours(form, BADGE_HOURS)
        if hours is None or timedelta(hours=hours) > MAX_BADGE_VALIDITY:
            errors.append(MSG_HOURS)
        key = self.signing_key()
        if key is None:
            errors.append(MSG_NO_KEY)
        if errors or hours is None or key is None:
            return self.badges_view(request, visitor, errors=errors, values=values, status_code=400)
        now = console.settings.now()
        try:
            record, text = issue_badge(
                console.store,
                key,
                technician_id=values["technician_id"],
                technician_name=values["name"],
                kiosks=kiosks,
                area=area,
                now=now,
                valid_for=timedelta(hours=hours),
            )
        except TrustError:
            return self.badges_view(
                request, visitor, errors=[MSG_BADGE_TOO_LONG], values=values, status_code=400
            )
        scope = f"Kiosk {', '.join(kiosks)}" if kiosks else f"Khu vực {area}"
        console.audit(
            staff.username, action, Outcome.SUCCESS, unit_code=area or staff.unit_prefix,
            target=record.serial, detail=f"{record.technician_id}; {scope}; {hours} giờ",
        )  # fmt: skip
        return console.render(
            request,
            "badge_issued.html",
            visitor=visitor,
            badge=record,
            scope=scope,
            qr=qr_data_url(text),
            hours=hours,
        )
