"""The console's account pages: a province administrator creates the staff accounts of the units
under it, sets a new password for one, and disables or enables one (``/console/accounts``);
everyone signed in changes their own password (``/console/password``).

The ``dvc-gateway staff`` commands do the same on the server (the first administrator is made
there); these pages are how a province runs its accounts day to day without a shell. The rules
are the commands' and the log-in's:

- an administrator sees and changes only accounts whose unit is its own or under it, and never
  disables itself (a province must not lock its last administrator out by a slip of the mouse);
- a new password is typed twice, has at least ``MIN_PASSWORD_CHARS`` characters and is hashed
  with scrypt off the event loop, a few at a time (``Console.hashing``);
- a new password or a disabled account ends that account's sessions, and a new password lifts
  a log-in lock-out; one's own new password ends one's other sessions but keeps this one;
- every change, and every refusal of one, is in the console's audit log; passwords never are.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.console.access import ROLE_LABELS, Permission, allowed
from gateway.console.passwords import MIN_PASSWORD_CHARS, hash_password, verify_password
from gateway.console.store import (
    ConsoleAction,
    Outcome,
    StaffExistsError,
    StaffRecord,
    StaffRole,
    in_scope,
    throttle_key,
)
from gateway.console.web import MSG_FORBIDDEN, Console, Visitor
from gateway.settings import UNIT_CODE_PATTERN

MAX_USERNAME_CHARS: Final = 40
MAX_NAME_CHARS: Final = 100
USERNAME_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")

MSG_ACCOUNT_NOT_FOUND: Final = (
    "Không tìm thấy tài khoản, hoặc tài khoản không thuộc đơn vị của bạn."
)
MSG_USERNAME: Final = (
    f"Tên đăng nhập gồm chữ thường không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới, "
    f"tối đa {MAX_USERNAME_CHARS} ký tự."
)
MSG_USERNAME_TAKEN: Final = "Tên đăng nhập này đã có người dùng."
MSG_FULL_NAME: Final = f"Vui lòng nhập họ và tên (tối đa {MAX_NAME_CHARS} ký tự)."
MSG_ROLE: Final = "Vui lòng chọn vai trò."
MSG_UNIT: Final = "Mã đơn vị phải thuộc đơn vị của bạn, ví dụ {prefix} hoặc {prefix}.50."
MSG_PASSWORD_SHORT: Final = f"Mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự."
MSG_PASSWORD_MISMATCH: Final = "Hai lần nhập mật khẩu mới không giống nhau."  # noqa: S105
MSG_PASSWORD_WRONG: Final = "Mật khẩu hiện tại không đúng."  # noqa: S105
MSG_NOT_YOURSELF: Final = "Bạn không thể tự khoá tài khoản của chính mình."


class Done(StrEnum):
    """What the list page, reached after a change, says was done (its ``done`` parameter)."""

    CREATED = "created"
    PASSWORD = "password"  # noqa: S105 (a change's name, no password)
    DISABLED = "disabled"
    ENABLED = "enabled"


NOTICES: Final = {
    Done.CREATED: "Đã tạo tài khoản {username}.",
    Done.PASSWORD: (
        "Đã đặt mật khẩu mới cho {username}; các phiên đăng nhập của tài khoản đã kết thúc."
    ),
    Done.DISABLED: "Đã khoá tài khoản {username}; các phiên đăng nhập của tài khoản đã kết thúc.",
    Done.ENABLED: "Đã mở lại tài khoản {username}.",
}


@dataclass(frozen=True)
class AccountRow:
    username: str
    full_name: str
    role_label: str
    unit_prefix: str
    enabled: bool
    is_self: bool


class Accounts:
    """The handlers of the account pages, sharing the console's plumbing."""

    def __init__(self, console: Console) -> None:
        self.console = console

    # --- helpers --------------------------------------------------------------------------------

    def _manageable(self, visitor: Visitor, username: str) -> StaffRecord | None:
        staff = self.console.console_store.staff(username)
        if staff is None or not in_scope(visitor.staff.unit_prefix, staff.unit_prefix):
            return None
        return staff

    def _rows(self, visitor: Visitor) -> list[AccountRow]:
        return [
            AccountRow(
                username=s.username,
                full_name=s.full_name,
                role_label=ROLE_LABELS[s.role],
                unit_prefix=s.unit_prefix,
                enabled=s.enabled,
                is_self=s.username == visitor.staff.username,
            )
            for s in self.console.console_store.all_staff()
            if in_scope(visitor.staff.unit_prefix, s.unit_prefix)
        ]

    async def _hash(self, password: str) -> str:
        async with self.console.hashing:
            return await run_in_threadpool(hash_password, password)

    def _page(
        self,
        request: Request,
        visitor: Visitor,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        try:
            notice: str | None = NOTICES[Done(request.query_params.get("done", ""))]
        except ValueError:
            notice = None
        return self.console.render(
            request,
            "accounts.html",
            visitor=visitor,
            status_code=status_code,
            rows=self._rows(visitor),
            # The least power first: the form's default is a commune's staff, not an administrator.
            roles=[(role.value, ROLE_LABELS[role]) for role in reversed(StaffRole)],
            errors=errors or {},
            values=values or {"unit": visitor.staff.unit_prefix},
            notice=notice.format(username=request.query_params.get("who", "")) if notice else None,
            min_password=MIN_PASSWORD_CHARS,
        )

    async def _admin(self, request: Request) -> Visitor | Response:
        """The signed-in administrator, or the answer for anyone else."""
        visitor = await run_in_threadpool(self.console.visitor, request)
        if visitor is None:
            return self.console.signed_out(request)
        if not allowed(visitor.staff, Permission.MANAGE_STAFF):
            return self.console.message(request, visitor, 403, "Không có quyền", MSG_FORBIDDEN)
        return visitor

    def _refused(
        self, visitor: Visitor, action: ConsoleAction, target: str, unit: str | None, why: str
    ) -> None:
        self.console.audit(
            visitor.staff.username, action, Outcome.REFUSED, unit_code=unit, target=target,
            detail=why,
        )  # fmt: skip

    def _done(self, request: Request, what: Done, username: str) -> RedirectResponse:
        query = urlencode({"done": what.value, "who": username})
        return RedirectResponse(f"{self.console.base(request)}/accounts?{query}", status_code=303)

    # --- the list, and a new account ------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        admin = await self._admin(request)
        if isinstance(admin, Response):
            return admin
        return await run_in_threadpool(self._page, request, admin)

    async def create(self, request: Request) -> Response:
        admin = await self._admin(request)
        if isinstance(admin, Response):
            return admin
        form = await request.form()
        if not self.console.csrf_ok(request, admin, form):
            return self.console.stale_form(request, admin, "Tạo tài khoản")
        values = {
            "username": str(form.get("username", "")).strip(),
            "full_name": " ".join(str(form.get("full_name", "")).split()),
            "role": str(form.get("role", "")),
            "unit": str(form.get("unit", "")).strip().upper(),
        }
        errors = self._check_new(admin, values)
        password = _new_password(form, errors)
        if errors or password is None:
            return await run_in_threadpool(
                self._page, request, admin, errors=errors, values=values, status_code=400
            )
        password_hash = await self._hash(password)
        role = StaffRole(values["role"])

        def store_it() -> Response | None:
            try:
                self.console.console_store.add_staff(
                    username=values["username"], full_name=values["full_name"], role=role,
                    unit_prefix=values["unit"], password_hash=password_hash,
                    now=self.console.settings.now(),
                )  # fmt: skip
            except StaffExistsError:
                return self._page(
                    request, admin, errors={"username": MSG_USERNAME_TAKEN}, values=values,
                    status_code=409,
                )  # fmt: skip
            self.console.audit(
                admin.staff.username, ConsoleAction.STAFF_ADD, Outcome.SUCCESS,
                unit_code=values["unit"], target=values["username"],
                detail=f"{ROLE_LABELS[role]}, đơn vị {values['unit']}",
            )  # fmt: skip
            return None

        refused = await run_in_threadpool(store_it)
        if refused is not None:
            return refused
        return self._done(request, Done.CREATED, values["username"])

    @staticmethod
    def _check_new(admin: Visitor, values: dict[str, str]) -> dict[str, str]:
        errors: dict[str, str] = {}
        username = values["username"]
        if not (
            0 < len(username) <= MAX_USERNAME_CHARS
            and set(username) <= USERNAME_CHARS
            and username[0].isalnum()
        ):
            errors["username"] = MSG_USERNAME
        if not 0 < len(values["full_name"]) <= MAX_NAME_CHARS:
            errors["full_name"] = MSG_FULL_NAME
        if values["role"] not in {role.value for role in StaffRole}:
            errors["role"] = MSG_ROLE
        unit = values["unit"]
        if not (UNIT_CODE_PATTERN.fullmatch(unit) and in_scope(admin.staff.unit_prefix, unit)):
            errors["unit"] = MSG_UNIT.format(prefix=admin.staff.unit_prefix)
        return errors

    # --- one account ----------------------------------------------------------------------------

    async def reset_password(self, request: Request) -> Response:
        admin = await self._admin(request)
        if isinstance(admin, Response):
            return admin
        form = await request.form()
        if not self.console.csrf_ok(request, admin, form):
            return self.console.stale_form(request, admin, "Đặt lại mật khẩu")
        username = request.path_params["username"]
        staff = await run_in_threadpool(self._manageable, admin, username)
        if staff is None:
            return self._not_found(request, admin, ConsoleAction.STAFF_PASSWORD, username)
        errors: dict[str, str] = {}
        password = _new_password(form, errors)
        if password is None:
            return await run_in_threadpool(
                self._page, request, admin,
                errors={f"password:{username}": next(iter(errors.values()))}, status_code=400,
            )  # fmt: skip
        password_hash = await self._hash(password)

        def store_it() -> None:
            store = self.console.console_store
            store.set_password(username, password_hash)
            store.delete_sessions_of(username)
            store.login_succeeded(throttle_key(username))
            self.console.audit(
                admin.staff.username, ConsoleAction.STAFF_PASSWORD, Outcome.SUCCESS,
                unit_code=staff.unit_prefix, target=username, detail="Đặt lại mật khẩu",
            )  # fmt: skip

        await run_in_threadpool(store_it)
        return self._done(request, Done.PASSWORD, username)

    async def set_enabled(self, request: Request) -> Response:
        admin = await self._admin(request)
        if isinstance(admin, Response):
            return admin
        form = await request.form()
        if not self.console.csrf_ok(request, admin, form):
            return self.console.stale_form(request, admin, "Khoá hoặc mở tài khoản")
        username = request.path_params["username"]
        enable = str(form.get("enabled", "")) == "1"
        action = ConsoleAction.STAFF_ENABLE if enable else ConsoleAction.STAFF_DISABLE
        staff = await run_in_threadpool(self._manageable, admin, username)
        if staff is None:
            return self._not_found(request, admin, action, username)
        if not enable and username == admin.staff.username:
            await run_in_threadpool(
                self._refused, admin, action, username, staff.unit_prefix, MSG_NOT_YOURSELF
            )
            return await run_in_threadpool(
                self._page, request, admin, errors={f"enabled:{username}": MSG_NOT_YOURSELF},
                status_code=400,
            )  # fmt: skip

        def store_it() -> None:
            self.console.console_store.set_staff_enabled(username, enable)
            self.console.audit(
                admin.staff.username, action, Outcome.SUCCESS, unit_code=staff.unit_prefix,
                target=username,
                detail="Mở lại tài khoản" if enable
                else "Khoá tài khoản, kết thúc các phiên đăng nhập",
            )  # fmt: skip

        await run_in_threadpool(store_it)
        return self._done(request, Done.ENABLED if enable else Done.DISABLED, username)

    def _not_found(
        self, request: Request, admin: Visitor, action: ConsoleAction, username: str
    ) -> Response:
        self._refused(admin, action, username, None, "Tài khoản ngoài đơn vị hoặc không tồn tại")
        return self.console.message(
            request, admin, 404, "Không tìm thấy tài khoản", MSG_ACCOUNT_NOT_FOUND
        )

    # --- one's own password ---------------------------------------------------------------------

    async def own_form(self, request: Request) -> Response:
        visitor = await run_in_threadpool(self.console.visitor, request)
        if visitor is None:
            return self.console.signed_out(request)
        return self._own_page(request, visitor, changed=request.query_params.get("done") == "1")

    def _own_page(
        self,
        request: Request,
        visitor: Visitor,
        *,
        errors: dict[str, str] | None = None,
        changed: bool = False,
        status_code: int = 200,
    ) -> Response:
        return self.console.render(
            request, "password.html", visitor=visitor, status_code=status_code,
            errors=errors or {}, changed=changed, min_password=MIN_PASSWORD_CHARS,
        )  # fmt: skip

    async def own_change(self, request: Request) -> Response:
        visitor = await run_in_threadpool(self.console.visitor, request)
        if visitor is None:
            return self.console.signed_out(request)
        form = await request.form()
        if not self.console.csrf_ok(request, visitor, form):
            return self.console.stale_form(request, visitor, "Đổi mật khẩu")
        errors: dict[str, str] = {}
        async with self.console.hashing:
            current_ok = await run_in_threadpool(
                verify_password, str(form.get("current", "")), visitor.staff.password_hash
            )
        if not current_ok:
            errors["current"] = MSG_PASSWORD_WRONG
        password = _new_password(form, errors)
        username = visitor.staff.username
        if errors or password is None:
            if not current_ok:
                await run_in_threadpool(
                    self.console.audit, username, ConsoleAction.STAFF_PASSWORD, Outcome.FAILURE,
                    unit_code=visitor.staff.unit_prefix, target=username,
                    detail="Mật khẩu hiện tại không đúng",
                )  # fmt: skip
            return self._own_page(request, visitor, errors=errors, status_code=400)
        password_hash = await self._hash(password)

        def store_it() -> None:
            store = self.console.console_store
            store.set_password(username, password_hash)
            # The other sessions were opened with the old password: they end. This one stays,
            # renewed as if just opened: whoever holds it has just typed the password.
            keep = visitor.session
            store.delete_sessions_of(username)
            store.create_session(
                token_sha256=keep.token_sha256, username=username, csrf_token=keep.csrf_token,
                now=self.console.settings.now(),
            )  # fmt: skip
            self.console.audit(
                username, ConsoleAction.STAFF_PASSWORD, Outcome.SUCCESS,
                unit_code=visitor.staff.unit_prefix, target=username, detail="Tự đổi mật khẩu",
            )  # fmt: skip

        await run_in_threadpool(store_it)
        return RedirectResponse(f"{self.console.base(request)}/password?done=1", status_code=303)


def _new_password(form: FormData, errors: dict[str, str]) -> str | None:
    """The new password typed twice, or None with the reason added to ``errors``."""
    password = str(form.get("password", ""))
    if password != str(form.get("password_again", "")):
        errors["password"] = MSG_PASSWORD_MISMATCH
        return None
    if len(password) < MIN_PASSWORD_CHARS:  # what ``hash_password`` would refuse
        errors["password"] = MSG_PASSWORD_SHORT
        return None
    return password


def accounts_routes(console: Console) -> list[Route]:
    """The account pages' routes, for ``create_console``."""
    accounts = Accounts(console)
    return [
        Route("/accounts", accounts.page, methods=["GET"]),
        Route("/accounts", accounts.create, methods=["POST"]),
        Route("/accounts/{username}/password", accounts.reset_password, methods=["POST"]),
        Route("/accounts/{username}/enabled", accounts.set_enabled, methods=["POST"]),
        Route("/password", accounts.own_form, methods=["GET"]),
        Route("/password", accounts.own_change, methods=["POST"]),
    ]
