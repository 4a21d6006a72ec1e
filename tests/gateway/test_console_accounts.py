"""The console's account pages over HTTP against a real gateway on loopback: who may manage
accounts and which, creating one that can then log in, a new password or a disabled account
ending that account's sessions, one's own password change, and the refusals (another
province's account, a stale form, disabling oneself), each in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_console_kit import (
    ADMIN,
    PASSWORD,
    STAFF_A,
    TECHNICIAN,
    ConsoleClient,
    ConsoleGateway,
    password_hash,
    running_client,
    running_console_gateway,
)

from gateway.console.accounts import (
    MSG_NOT_YOURSELF,
    MSG_PASSWORD_MISMATCH,
    MSG_PASSWORD_SHORT,
    MSG_PASSWORD_WRONG,
    MSG_USERNAME_TAKEN,
)
from gateway.console.store import ConsoleAction, Outcome, StaffRole
from gateway.console.web import LOCK_THRESHOLD

NEW_PASSWORD = "một mật khẩu mới rất dài"


@pytest.fixture
def console_gateway(tmp_path: Path) -> Iterator[ConsoleGateway]:
    yield from running_console_gateway(tmp_path)


@pytest.fixture
def admin(console_gateway: ConsoleGateway) -> Iterator[ConsoleClient]:
    for client in running_client(console_gateway):
        assert client.login(ADMIN.username).status_code == 303
        yield client


def new_account(admin: ConsoleClient, **fields: str) -> dict[str, str]:
    form = {
        "csrf_token": admin.token_on("/accounts"),
        "username": "xa.c",
        "full_name": "Đỗ Thị Mai",
        "role": StaffRole.COMMUNE_STAFF.value,
        "unit": "H15.50.09.02",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
    }
    form.update(fields)
    return form


def signed_in(client: ConsoleClient) -> bool:
    return client.get("/dossiers").status_code == 200


def last_audit(gateway: ConsoleGateway) -> tuple[ConsoleAction, Outcome, str | None, str]:
    entry = gateway.console_store.audit_entries(unit_prefix=None, limit=1)[0]
    return entry.action, entry.outcome, entry.target, entry.actor


def test_only_province_administrators_manage_accounts(console_gateway: ConsoleGateway) -> None:
    for account in (TECHNICIAN, STAFF_A):
        for client in running_client(console_gateway):
            assert client.login(account.username).status_code == 303
            assert client.get("/accounts").status_code == 403
            token = client.token_on("/dossiers")
            answer = client.post(f"/accounts/{ADMIN.username}/enabled",
                                 {"csrf_token": token, "enabled": "0"})  # fmt: skip
            assert answer.status_code == 403
    assert console_gateway.console_store.staff(ADMIN.username).enabled  # type: ignore[union-attr]


def test_the_list_holds_the_accounts_of_the_administrators_units_only(
    console_gateway: ConsoleGateway, admin: ConsoleClient
) -> None:
    console_gateway.console_store.add_staff(
        username="tinh16.admin", full_name="Vũ Văn Nam", role=StaffRole.PROVINCE_ADMIN,
        unit_prefix="H16", password_hash=password_hash(), now=console_gateway.clock.now(),
    )  # fmt: skip
    page = admin.get("/accounts").text
    for username in ("tinh.admin", "huyen.kt", "xa.a", "xa.b"):
        assert f'id="account-{username}"' in page
    assert "tinh16.admin" not in page
    # And an account of another province can be neither reset nor disabled: it is not found.
    token = admin.token_on("/accounts")
    answer = admin.post("/accounts/tinh16.admin/enabled", {"csrf_token": token, "enabled": "0"})
    assert answer.status_code == 404
    assert console_gateway.console_store.staff("tinh16.admin").enabled  # type: ignore[union-attr]
    assert last_audit(console_gateway)[:3] == (
        ConsoleAction.STAFF_DISABLE, Outcome.REFUSED, "tinh16.admin"
    )


def test_a_new_account_can_log_in_and_its_creation_is_audited(
    console_gateway: ConsoleGateway, admin: ConsoleClient
) -> None:
    created = admin.post("/accounts", new_account(admin))
    assert created.status_code == 303
    assert "done=created" in created.headers["location"]
    staff = console_gateway.console_store.staff("xa.c")
    assert staff is not None
    assert (staff.role, staff.unit_prefix, staff.full_name) == (
        StaffRole.COMMUNE_STAFF, "H15.50.09.02", "Đỗ Thị Mai"
    )
    assert last_audit(console_gateway) == (
        ConsoleAction.STAFF_ADD, Outcome.SUCCESS, "xa.c", ADMIN.username
    )
    for client in running_client(console_gateway):
        assert client.login("xa.c", NEW_PASSWORD).status_code == 303
        assert signed_in(client)


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"username": "xa.a"}, 409, MSG_USERNAME_TAKEN),
        ({"password_again": NEW_PASSWORD + "x"}, 400, MSG_PASSWORD_MISMATCH),
        ({"password": "ngắn", "password_again": "ngắn"}, 400, MSG_PASSWORD_SHORT),
        ({"unit": "H16.01"}, 400, "phải thuộc đơn vị của bạn"),
        ({"username": "Xã C"}, 400, "chữ thường không dấu"),
        ({"role": "root"}, 400, "chọn vai trò"),
    ],
)
def test_a_new_account_that_is_not_right_is_refused_with_its_reason(
    console_gateway: ConsoleGateway,
    admin: ConsoleClient,
    fields: dict[str, str],
    status: int,
    message: str,
) -> None:
    before = len(console_gateway.console_store.all_staff())
    answer = admin.post("/accounts", new_account(admin, **fields))
    assert answer.status_code == status
    assert message in answer.text
    assert len(console_gateway.console_store.all_staff()) == before


def test_a_new_password_ends_the_accounts_sessions_and_lifts_its_lock_out(
    console_gateway: ConsoleGateway, admin: ConsoleClient
) -> None:
    for victim in running_client(console_gateway):
        assert victim.login(STAFF_A.username).status_code == 303
        assert signed_in(victim)
        for other in running_client(console_gateway):
            for _ in range(LOCK_THRESHOLD):
                other.login(STAFF_A.username, "sai mật khẩu rồi")
            assert other.login(STAFF_A.username).status_code != 303  # locked out
        token = admin.token_on("/accounts")
        answer = admin.post(f"/accounts/{STAFF_A.username}/password",
                            {"csrf_token": token, "password": NEW_PASSWORD,
                             "password_again": NEW_PASSWORD})  # fmt: skip
        assert answer.status_code == 303
        assert not signed_in(victim)
        assert last_audit(console_gateway) == (
            ConsoleAction.STAFF_PASSWORD, Outcome.SUCCESS, STAFF_A.username, ADMIN.username
        )
    for client in running_client(console_gateway):
        assert client.login(STAFF_A.username).status_code != 303  # the old password
    for client in running_client(console_gateway):
        assert client.login(STAFF_A.username, NEW_PASSWORD).status_code == 303


def test_a_disabled_account_is_signed_out_and_can_be_enabled_again(
    console_gateway: ConsoleGateway, admin: ConsoleClient
) -> None:
    for victim in running_client(console_gateway):
        assert victim.login(STAFF_A.username).status_code == 303
        token = admin.token_on("/accounts")
        disabled = admin.post(f"/accounts/{STAFF_A.username}/enabled",
                              {"csrf_token": token, "enabled": "0"})  # fmt: skip
        assert disabled.status_code == 303
        assert not signed_in(victim)
        assert victim.login(STAFF_A.username).status_code != 303
    token = admin.token_on("/accounts")
    enabled = admin.post(f"/accounts/{STAFF_A.username}/enabled",
                         {"csrf_token": token, "enabled": "1"})  # fmt: skip
    assert enabled.status_code == 303
    assert last_audit(console_gateway)[:2] == (ConsoleAction.STAFF_ENABLE, Outcome.SUCCESS)
    for client in running_client(console_gateway):
        assert client.login(STAFF_A.username).status_code == 303


def test_an_administrator_cannot_disable_itself(
    console_gateway: ConsoleGateway, admin: ConsoleClient
) -> None:
    token = admin.token_on("/accounts")
    answer = admin.post(f"/accounts/{ADMIN.username}/enabled",
                        {"csrf_token": token, "enabled": "0"})  # fmt: skip
    assert answer.status_code == 400
    assert MSG_NOT_YOURSELF in answer.text
    assert signed_in(admin)
    assert last_audit(console_gateway)[:2] == (ConsoleAction.STAFF_DISABLE, Outcome.REFUSED)


def test_a_stale_form_changes_no_account(
    console_gateway: ConsoleGateway, admin: ConsoleClient
) -> None:
    answer = admin.post(f"/accounts/{STAFF_A.username}/enabled",
                        {"csrf_token": "không phải mã của phiên này", "enabled": "0"})  # fmt: skip
    assert answer.status_code == 403
    assert console_gateway.console_store.staff(STAFF_A.username).enabled  # type: ignore[union-attr]
    answer = admin.post("/accounts", {**new_account(admin), "csrf_token": "cũ"})
    assert answer.status_code == 403
    assert console_gateway.console_store.staff("xa.c") is None


def test_ones_own_password_change_keeps_this_session_and_ends_the_others(
    console_gateway: ConsoleGateway,
) -> None:
    for here in running_client(console_gateway):
        assert here.login(TECHNICIAN.username).status_code == 303
        for elsewhere in running_client(console_gateway):
            assert elsewhere.login(TECHNICIAN.username).status_code == 303
            token = here.token_on("/password")
            wrong = here.post("/password", {"csrf_token": token, "current": "không đúng đâu",
                                            "password": NEW_PASSWORD,
                                            "password_again": NEW_PASSWORD})  # fmt: skip
            assert wrong.status_code == 400
            assert MSG_PASSWORD_WRONG in wrong.text
            assert last_audit(console_gateway)[:2] == (
                ConsoleAction.STAFF_PASSWORD, Outcome.FAILURE
            )
            changed = here.post("/password", {"csrf_token": token, "current": PASSWORD,
                                              "password": NEW_PASSWORD,
                                              "password_again": NEW_PASSWORD})  # fmt: skip
            assert changed.status_code == 303
            assert signed_in(here)
            assert not signed_in(elsewhere)
    for client in running_client(console_gateway):
        assert client.login(TECHNICIAN.username, NEW_PASSWORD).status_code == 303
