"""The ``dvc-gateway staff`` commands: console accounts are made on the server, by whoever
runs the gateway (the first province administrator cannot be made in a console nobody can
sign in to yet).

``staff add`` and ``staff passwd`` read the password from standard input (one line), never
from the command line, where other users of the machine and the shell's history would see it.
Every change is written to the console's audit log as done by ``CLI_ACTOR``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from gateway.console import open_console_store
from gateway.console.access import ROLE_LABELS
from gateway.console.passwords import MIN_PASSWORD_CHARS, PasswordTooShortError, hash_password
from gateway.console.store import (
    CLI_ACTOR,
    ConsoleAction,
    NewAuditEntry,
    Outcome,
    StaffExistsError,
    StaffRole,
    throttle_key,
)
from gateway.settings import UNIT_CODE_PATTERN, vietnam_now


def _read_password() -> str:
    """One line of standard input; asked for without echo when it is a terminal."""
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != first:
            raise ValueError("hai lần nhập mật khẩu không khớp")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _audit(data: Path, action: ConsoleAction, username: str, unit: str | None, detail: str) -> None:
    with open_console_store(data) as store:
        store.add_audit(
            NewAuditEntry(
                at=vietnam_now(),
                actor=CLI_ACTOR,
                action=action,
                unit_code=unit,
                target=username,
                outcome=Outcome.SUCCESS,
                detail=detail,
            )
        )


def _add(args: argparse.Namespace) -> int:
    if not UNIT_CODE_PATTERN.fullmatch(args.unit):
        return _fail(f"unit code {args.unit!r} is not like H15, H15.50 or H15.50.05.13")
    try:
        password_hash = hash_password(_read_password())
    except (PasswordTooShortError, ValueError) as exc:
        return _fail(f"{exc} (at least {MIN_PASSWORD_CHARS} characters)")
    role = StaffRole(args.role)
    with open_console_store(args.data) as store:
        try:
            store.add_staff(
                username=args.username,
                full_name=args.name,
                role=role,
                unit_prefix=args.unit,
                password_hash=password_hash,
                now=vietnam_now(),
            )
        except StaffExistsError:
            return _fail(f"an account {args.username!r} exists already")
    _audit(args.data, ConsoleAction.STAFF_ADD, args.username, args.unit,
           f"{ROLE_LABELS[role]}, đơn vị {args.unit}")  # fmt: skip
    print(f"created {args.username} ({role.value}, {args.unit})")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    try:
        password_hash = hash_password(_read_password())
    except (PasswordTooShortError, ValueError) as exc:
        return _fail(f"{exc} (at least {MIN_PASSWORD_CHARS} characters)")
    with open_console_store(args.data) as store:
        staff = store.staff(args.username)
        if staff is None or not store.set_password(args.username, password_hash):
            return _fail(f"no account {args.username!r}")
        # A new password ends the sessions opened with the old one, and lifts a lock-out.
        store.delete_sessions_of(args.username)
        store.login_succeeded(throttle_key(args.username))
    _audit(args.data, ConsoleAction.STAFF_PASSWORD, args.username, staff.unit_prefix,
           "Đặt lại mật khẩu")  # fmt: skip
    print(f"password of {args.username} changed; its sessions ended")
    return 0


def _disable(args: argparse.Namespace) -> int:
    with open_console_store(args.data) as store:
        staff = store.staff(args.username)
        if staff is None or not store.set_staff_enabled(args.username, False):
            return _fail(f"no account {args.username!r}")
    _audit(args.data, ConsoleAction.STAFF_DISABLE, args.username, staff.unit_prefix,
           "Khoá tài khoản, kết thúc các phiên đăng nhập")  # fmt: skip
    print(f"{args.username} disabled; its sessions ended")
    return 0


def _list(args: argparse.Namespace) -> int:
    with open_console_store(args.data) as store:
        accounts = store.all_staff()
    for staff in accounts:
        state = "enabled" if staff.enabled else "disabled"
        print(f"{staff.username}\t{staff.role.value}\t{staff.unit_prefix}\t{state}\t"
              f"{staff.full_name}")  # fmt: skip
    return 0


def add_staff_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``staff add|passwd|disable|list`` to the ``dvc-gateway`` command's subcommands."""
    staff = subparsers.add_parser("staff", help="accounts of the web console (/console)")
    commands = staff.add_subparsers(dest="staff_command", required=True)

    add = commands.add_parser("add", help="create an account (password read from stdin)")
    add.add_argument("--data", type=Path, required=True)
    add.add_argument("--username", required=True)
    add.add_argument("--name", required=True, help="the person's full name")
    add.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    add.add_argument("--unit", required=True, help="unit code prefix: H15, H15.50, H15.50.05.13")
    add.set_defaults(func=_add)

    passwd = commands.add_parser("passwd", help="set a new password (read from stdin)")
    passwd.add_argument("--data", type=Path, required=True)
    passwd.add_argument("--username", required=True)
    passwd.set_defaults(func=_passwd)

    disable = commands.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("--data", type=Path, required=True)
    disable.add_argument("--username", required=True)
    disable.set_defaults(func=_disable)

    listing = commands.add_parser("list", help="every account")
    listing.add_argument("--data", type=Path, required=True)
    listing.set_defaults(func=_list)
