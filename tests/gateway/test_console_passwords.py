"""Staff passwords: scrypt hashes that carry their parameters, and the ``staff`` commands that
make accounts on the server (password from standard input, never the command line)."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from gateway.console import open_console_store
from gateway.console.commands import add_staff_commands
from gateway.console.passwords import (
    CURRENT,
    DUMMY_HASH,
    PasswordTooShortError,
    ScryptParameters,
    hash_password,
    needs_rehash,
    verify_password,
)
from gateway.console.store import CLI_ACTOR, ConsoleAction, StaffRole

GOOD = "một mật khẩu đủ dài"


def test_a_hash_verifies_its_password_only() -> None:
    stored = hash_password(GOOD)
    assert stored.startswith("scrypt$n=32768,r=8,p=1$")
    assert verify_password(GOOD, stored)
    assert not verify_password(GOOD + " ", stored)
    assert not verify_password(GOOD, DUMMY_HASH)
    assert not verify_password(GOOD, "plain text")


def test_two_hashes_of_one_password_differ_by_their_salt() -> None:
    assert hash_password(GOOD) != hash_password(GOOD)


def test_a_short_password_is_refused() -> None:
    with pytest.raises(PasswordTooShortError):
        hash_password("ngắn quá 12")  # 11 characters


def test_a_hash_with_weaker_parameters_still_verifies_and_asks_for_a_rehash() -> None:
    weak = hash_password(GOOD, ScryptParameters(n=2**14, r=8, p=1))
    assert verify_password(GOOD, weak)
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password(GOOD))
    assert ScryptParameters(n=2**15, r=8, p=1) == CURRENT


def run(data: Path, monkeypatch: pytest.MonkeyPatch, stdin: str, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="dvc-gateway")
    add_staff_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["staff", *argv, "--data", str(data)])
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code: int = args.func(args)
    return code


def test_staff_commands_add_list_passwd_and_disable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["add", "--username", "tinh.admin", "--name", "Nguyễn Thị Hoa",
           "--role", "province_admin", "--unit", "H15"]  # fmt: skip
    assert run(tmp_path, monkeypatch, GOOD + "\n", *add) == 0
    assert run(tmp_path, monkeypatch, GOOD + "\n", *add) == 1  # taken
    assert "exists already" in capsys.readouterr().err
    assert run(tmp_path, monkeypatch, "", "list") == 0
    assert "tinh.admin\tprovince_admin\tH15\tenabled\tNguyễn Thị Hoa" in capsys.readouterr().out

    assert run(tmp_path, monkeypatch, "mới nhưng ngắn\n"[:5], "passwd", "--username",
               "tinh.admin") == 1  # fmt: skip
    assert run(tmp_path, monkeypatch, "mật khẩu mới thật dài\n", "passwd", "--username",
               "tinh.admin") == 0  # fmt: skip
    assert run(tmp_path, monkeypatch, "", "disable", "--username", "tinh.admin") == 0
    assert run(tmp_path, monkeypatch, "", "disable", "--username", "nobody") == 1

    with open_console_store(tmp_path) as store:
        staff = store.staff("tinh.admin")
        assert staff is not None and staff.role is StaffRole.PROVINCE_ADMIN
        assert not staff.enabled
        assert verify_password("mật khẩu mới thật dài", staff.password_hash)
        audit = store.audit_entries(unit_prefix=None, limit=10)
    assert [(e.actor, e.action, e.target) for e in audit] == [
        (CLI_ACTOR, ConsoleAction.STAFF_DISABLE, "tinh.admin"),
        (CLI_ACTOR, ConsoleAction.STAFF_PASSWORD, "tinh.admin"),
        (CLI_ACTOR, ConsoleAction.STAFF_ADD, "tinh.admin"),
    ]


def test_staff_add_refuses_a_short_password_and_a_bad_unit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ["add", "--username", "xa.a", "--name", "Lê Thị Lan", "--role", "commune_staff"]
    assert run(tmp_path, monkeypatch, "ngắn\n", *base, "--unit", "H15.50.05.13") == 1
    assert run(tmp_path, monkeypatch, GOOD + "\n", *base, "--unit", "h15 50") == 1
    with open_console_store(tmp_path) as store:
        assert store.all_staff() == []


def test_staff_add_takes_no_password_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit):
        run(tmp_path, monkeypatch, "", "add", "--username", "x", "--name", "X", "--role",
            "commune_staff", "--unit", "H15", "--password", GOOD)  # fmt: skip
