"""The console's log-in throttle per client address, over HTTP against a real gateway on
loopback: a brute force across many names from one address locks that address (the same answer
as an account's lock, and audited), other addresses are not held up, and the address is the one
the trusted proxy (the gateway's own nginx, on 127.0.0.1) names, never one a client forged."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from test_console_kit import (
    PASSWORD,
    STAFF_A,
    ConsoleClient,
    ConsoleGateway,
    running_client,
    running_console_gateway,
)

from gateway.console.store import ConsoleAction, Outcome, address_throttle_key
from gateway.console.web import (
    ADDRESS_LOCK_THRESHOLD,
    LOCK_THRESHOLD,
    LOCKED_NOW,
    SESSION_COOKIE,
    LockKind,
)

LOCKED_TEXT = "tạm khoá"
ATTACKER = "203.0.113.7"
COLLEAGUE = "203.0.113.8"


@pytest.fixture
def console_gateway(tmp_path: Path) -> Iterator[ConsoleGateway]:
    yield from running_console_gateway(tmp_path)


@pytest.fixture
def client(console_gateway: ConsoleGateway) -> Iterator[ConsoleClient]:
    yield from running_client(console_gateway)


def login_from(
    client: ConsoleClient, forwarded_for: str, username: str, password: str
) -> requests.Response:
    """A log-in as nginx passes it on: from 127.0.0.1, naming the client in X-Forwarded-For."""
    token = client.token_on("/login")
    return client.post(
        "/login",
        {"login_token": token, "username": username, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
    )


def brute_force(client: ConsoleClient, forwarded_for: str, count: int) -> list[int]:
    # A different name each time, so no name reaches its own lock.
    return [
        login_from(client, forwarded_for, f"ten.doan.{n}", "thử mật khẩu 123456").status_code
        for n in range(count)
    ]


def test_many_names_tried_from_one_address_lock_that_address(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    answers = brute_force(client, ATTACKER, ADDRESS_LOCK_THRESHOLD)

    assert answers == [401] * (ADDRESS_LOCK_THRESHOLD - 1) + [429]
    assert ADDRESS_LOCK_THRESHOLD > LOCK_THRESHOLD  # no name was tried often enough to lock
    # Locked: the right password of a real account is refused from there, with the answer an
    # account's lock gets (nothing tells which lock it is, or that the account exists) ...
    right = login_from(client, ATTACKER, STAFF_A.username, PASSWORD)
    assert right.status_code == 429 and LOCKED_TEXT in right.text and "15 phút" in right.text
    assert SESSION_COOKIE not in client.cookies
    # ... and the audit log says what happened, without the address.
    entries = console_gateway.console_store.audit_entries(unit_prefix=None, limit=3)
    assert (entries[0].action, entries[0].outcome) == (ConsoleAction.LOGIN_FAILED, Outcome.REFUSED)
    assert entries[0].actor == STAFF_A.username
    locking = entries[1]
    assert (locking.outcome, locking.detail) == (Outcome.FAILURE, LOCKED_NOW[LockKind.ADDRESS])
    assert all(ATTACKER not in e.detail for e in entries)
    # A colleague elsewhere is not held up by it.
    assert login_from(client, COLLEAGUE, STAFF_A.username, PASSWORD).status_code == 303

    console_gateway.clock.advance(15 * 60 + 1)
    other = console_gateway.client()
    assert login_from(other, ATTACKER, STAFF_A.username, PASSWORD).status_code == 303
    other.close()


def test_an_address_s_failures_count_only_within_fifteen_minutes(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    assert set(brute_force(client, ATTACKER, ADDRESS_LOCK_THRESHOLD - 1)) == {401}
    console_gateway.clock.advance(15 * 60 + 1)

    assert set(brute_force(client, ATTACKER, ADDRESS_LOCK_THRESHOLD - 1)) == {401}
    assert login_from(client, ATTACKER, STAFF_A.username, PASSWORD).status_code == 303


def test_a_success_does_not_wipe_the_address_s_count(
    console_gateway: ConsoleGateway, client: ConsoleClient
) -> None:
    # An attacker with an account of their own cannot reset the count by logging in with it.
    assert set(brute_force(client, ATTACKER, ADDRESS_LOCK_THRESHOLD - 2)) == {401}
    assert login_from(client, ATTACKER, STAFF_A.username, PASSWORD).status_code == 303
    other = console_gateway.client()

    assert [
        login_from(other, ATTACKER, f"ten.khac.{n}", "thử mật khẩu 123456").status_code
        for n in range(2)
    ] == [401, 429]
    other.close()


def test_an_address_forged_in_front_of_the_proxy_s_does_not_escape_the_lock(
    client: ConsoleClient,
) -> None:
    # A browser sending its own X-Forwarded-For reaches the gateway with nginx's address
    # appended (``$proxy_add_x_forwarded_for``): the last one is what counts.
    answers = [
        login_from(
            client, f"198.51.100.{n}, {ATTACKER}", f"ten.doan.{n}", "sai 123456789"
        ).status_code
        for n in range(ADDRESS_LOCK_THRESHOLD)
    ]

    assert answers[-1] == 429 and set(answers[:-1]) == {401}


def _raw_login(base: str, forwarded_for: str, username: str) -> int:
    """A log-in sent from 127.0.0.2, which is no trusted proxy, claiming to come from
    ``forwarded_for``: the form fetched, then posted, with the pre-session cookie."""
    parts = urlsplit(base)
    assert parts.hostname is not None and parts.port is not None

    def connection() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(
            parts.hostname or "", parts.port, timeout=10, source_address=("127.0.0.2", 0)
        )

    form = connection()
    form.request("GET", parts.path + "/login")
    answer = form.getresponse()
    cookie = answer.getheader("set-cookie", "").split(";", 1)[0]
    found = re.search(r'name="login_token" value="([^"]+)"', answer.read().decode())
    form.close()
    assert found is not None and cookie
    post = connection()
    post.request(
        "POST",
        parts.path + "/login",
        body=urlencode(
            {"login_token": found.group(1), "username": username, "password": "sai 123456789"}
        ),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "X-Forwarded-For": forwarded_for,
        },
    )
    status = post.getresponse().status
    post.close()
    return status


def test_x_forwarded_for_from_anyone_but_the_proxy_is_ignored(
    console_gateway: ConsoleGateway,
) -> None:
    # Each attempt claims another address; the peer, 127.0.0.2, is what is counted.
    answers = [
        _raw_login(console_gateway.console, f"192.0.2.{n}", f"ten.doan.{n}")
        for n in range(ADDRESS_LOCK_THRESHOLD)
    ]

    assert answers[-1] == 429 and set(answers[:-1]) == {401}
    assert console_gateway.console_store.locked_until(
        address_throttle_key("127.0.0.2"), console_gateway.clock.now()
    )
