"""The store's calls run off the event loop (``gateway.offload``): a request whose store call is
slow holds up no other request of the process.

On PostgreSQL every store call is a round trip to the server; made on the event loop, one slow
call (a row lock, a busy server) stalled every heartbeat of the replica. Here one request's store
call is held until a heartbeat has been answered: on the event loop the heartbeat could not be
answered at all until the hold ran out.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from gateway_testkit import KIOSK, MONDAY_MORNING, OCTETS, OTHER_KIOSK, TUS, UNIT_CODE

from dvc_common.clock import FakeClock
from gateway.app import create_app, enrol, use_database
from gateway.faults import FaultState
from gateway.offload import Offloader
from gateway.server import BackgroundServer
from gateway.settings import GatewaySettings
from gateway.store import Store

# How long a held store call waits for the heartbeat before giving up. Only a failing run waits
# this long: a passing one is released as soon as the heartbeat is answered.
HOLD_LIMIT_S = 30.0
HTTP_TIMEOUT_S = 90.0
HEARTBEAT = {
    "kiosk_id": KIOSK,
    "at": "2026-11-23T09:05:00+07:00",
    "software_version": "0.1.0",
    "queue": {"queued": 0, "uploading": 1, "needs_attention": 0, "oldest_queued_at": None},
    "devices": {"printer": "ok"},
}


@dataclass
class Hold:
    """Wraps one store method: the calls ``applies`` picks wait until ``release`` (or until
    HOLD_LIMIT_S), and say which it was in ``released_in_time``."""

    method: Callable[..., Any]
    applies: Callable[..., bool]
    entered: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    released_in_time: list[bool] = field(default_factory=list)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.applies(*args, **kwargs):
            self.entered.set()
            self.released_in_time.append(self.released.wait(HOLD_LIMIT_S))
        return self.method(*args, **kwargs)


@dataclass
class PostgresGateway:
    url: str
    store: Store
    token: str
    other_token: str

    def post(self, path: str, token: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return requests.post(f"{self.url}{path}", headers=headers, timeout=HTTP_TIMEOUT_S, **kwargs)


@pytest.fixture
def pg_gateway(tmp_path: Path, pg_url: str) -> Any:
    data_dir = tmp_path / "srv"
    use_database(data_dir, pg_url)
    token, other = enrol(data_dir, KIOSK), enrol(data_dir, OTHER_KIOSK)
    settings = GatewaySettings(unit_code=UNIT_CODE, clock=FakeClock(MONDAY_MORNING).now)
    app = create_app(data_dir, settings, FaultState())
    with BackgroundServer(app) as server:
        yield PostgresGateway(server.url, app.state.gateway.store, token, other)


def _heartbeat_answered_while_held(
    gateway: PostgresGateway,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    applies: Callable[..., bool],
    held_request: Callable[[], requests.Response],
) -> requests.Response:
    """Send ``held_request`` with the store's ``method`` held for it, then a heartbeat; the
    held call is let go once the heartbeat is answered. The held request's answer."""
    hold = Hold(getattr(gateway.store, method), applies)
    monkeypatch.setattr(gateway.store, method, hold)
    answers: list[requests.Response] = []
    sender = threading.Thread(target=lambda: answers.append(held_request()))
    sender.start()
    try:
        assert hold.entered.wait(HTTP_TIMEOUT_S), "the held request never reached the store"
        beat = gateway.post("/api/v1/kiosks/heartbeat", gateway.token, json=HEARTBEAT)
        assert beat.status_code == 204, beat.text
    finally:
        hold.released.set()
        sender.join(HTTP_TIMEOUT_S)
    # The heartbeat was answered while the other request still waited on the store.
    assert hold.released_in_time == [True]
    (answer,) = answers
    return answer


def test_a_heartbeat_is_answered_while_another_kiosks_token_check_waits_on_the_database(
    pg_gateway: PostgresGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = pg_gateway.other_token
    answer = _heartbeat_answered_while_held(
        pg_gateway,
        monkeypatch,
        "kiosk_for_token",
        lambda token: token == other,
        lambda: requests.get(
            f"{pg_gateway.url}/api/v1/limits",
            headers={"Authorization": f"Bearer {other}"},
            timeout=HTTP_TIMEOUT_S,
        ),
    )
    assert answer.status_code == 200, answer.text


def test_a_heartbeat_is_answered_while_a_patch_records_its_offset(
    pg_gateway: PostgresGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = pg_gateway.post(
        "/api/v1/uploads", pg_gateway.other_token, headers={**TUS, "Upload-Length": "5"}
    )
    assert created.status_code == 201, created.text
    location = created.headers["Location"]

    def patch() -> requests.Response:
        return requests.patch(
            location,
            data=b"hello",
            headers={
                **TUS,
                "Authorization": f"Bearer {pg_gateway.other_token}",
                "Content-Type": OCTETS,
                "Upload-Offset": "0",
            },
            timeout=HTTP_TIMEOUT_S,
        )

    answer = _heartbeat_answered_while_held(
        pg_gateway, monkeypatch, "set_offset", lambda *args, **kwargs: True, patch
    )
    assert answer.status_code == 204, answer.text
    assert answer.headers["Upload-Offset"] == "5"


# --- the offloader itself ------------------------------------------------------------------------

_REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


def test_a_heartbeat_is_answered_while_a_scrape_reads_the_fleet(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics_token = "m" * 40
    data_dir = tmp_path / "srv"
    use_database(data_dir, pg_url)
    token = enrol(data_dir, KIOSK)
    settings = GatewaySettings(
        unit_code=UNIT_CODE, clock=FakeClock(MONDAY_MORNING).now, metrics_token=metrics_token
    )
    app = create_app(data_dir, settings, FaultState())
    with BackgroundServer(app) as server:
        gateway = PostgresGateway(server.url, app.state.gateway.store, token, "")
        answer = _heartbeat_answered_while_held(
            gateway,
            monkeypatch,
            "heartbeats",
            lambda *args, **kwargs: True,
            lambda: requests.get(
                f"{server.url}/metrics",
                headers={"Authorization": f"Bearer {metrics_token}"},
                timeout=HTTP_TIMEOUT_S,
            ),
        )
    assert answer.status_code == 200, answer.text
    assert "dvc_gateway_kiosk_last_seen_timestamp_seconds" in answer.text


def _where(tag: str, *, suffix: str) -> tuple[str, str, str]:
    return threading.current_thread().name, _REQUEST_ID.get(), tag + suffix


def _refuse(message: str) -> None:
    raise LookupError(message)


def test_a_call_runs_on_the_offloaders_own_thread_with_its_arguments_and_context() -> None:
    offload = Offloader(2, name="store-test")

    async def run() -> tuple[str, str, str]:
        _REQUEST_ID.set("r-17")
        return await offload(_where, "a", suffix="b")

    try:
        thread, request_id, joined = asyncio.run(run())
    finally:
        offload.close()
    assert thread.startswith("store-test")
    assert (request_id, joined) == ("r-17", "ab")


def test_an_offloaded_calls_exception_is_raised_to_the_caller() -> None:
    offload = Offloader(1)
    try:
        with pytest.raises(LookupError, match="no such dossier"):
            asyncio.run(offload(_refuse, "no such dossier"))
    finally:
        offload.close()


def test_a_prompt_call_is_taken_before_the_bulk_calls_queued_ahead_of_it() -> None:
    offload = Offloader(1)
    busy, release = threading.Event(), threading.Event()
    order: list[str] = []

    def occupy() -> None:
        busy.set()
        assert release.wait(HOLD_LIMIT_S)

    async def run() -> None:
        holder = asyncio.ensure_future(offload.bulk(occupy))
        assert await asyncio.to_thread(busy.wait, HOLD_LIMIT_S)
        # The only thread is busy: these three wait, queued in this order.
        first = asyncio.ensure_future(offload.bulk(order.append, "bulk 1"))
        second = asyncio.ensure_future(offload.bulk(order.append, "bulk 2"))
        prompt = asyncio.ensure_future(offload(order.append, "prompt"))
        while offload.waiting < 3:
            await asyncio.sleep(0)  # let the three tasks queue their calls
        release.set()
        await asyncio.gather(holder, first, second, prompt)

    try:
        asyncio.run(run())
    finally:
        offload.close()
    assert order == ["prompt", "bulk 1", "bulk 2"]


def test_calls_of_a_lane_run_in_order_and_a_closed_offloader_refuses_more() -> None:
    offload = Offloader(1)
    done: list[int] = []

    async def run() -> None:
        await asyncio.gather(*(offload.bulk(done.append, n) for n in range(5)))

    asyncio.run(run())
    offload.close()
    assert done == [0, 1, 2, 3, 4]
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(offload(done.append, 5))


def test_a_prompt_call_runs_on_a_reserved_thread_while_every_other_is_in_a_bulk_call() -> None:
    offload = Offloader(2, reserved=1)
    busy, release = threading.Barrier(3), threading.Event()
    ran_on: list[str] = []

    def occupy() -> None:
        busy.wait(HOLD_LIMIT_S)
        assert release.wait(HOLD_LIMIT_S)

    def where() -> None:
        ran_on.append(threading.current_thread().name)

    async def run() -> None:
        holders = [asyncio.ensure_future(offload.bulk(occupy)) for _ in range(2)]
        await asyncio.to_thread(busy.wait, HOLD_LIMIT_S)  # both general threads are held
        # A third bulk call waits (the reserved thread does not take it); a prompt call runs.
        waiting = asyncio.ensure_future(offload.bulk(where))
        while offload.waiting < 1:
            await asyncio.sleep(0)
        await offload(where)
        assert (ran_on, waiting.done(), offload.waiting) == (["store-prompt-0"], False, 1)
        release.set()
        await asyncio.gather(*holders, waiting)

    try:
        asyncio.run(run())
    finally:
        offload.close()
    assert ran_on[0] == "store-prompt-0" and ran_on[1].startswith("store-") and len(ran_on) == 2
    assert not ran_on[1].startswith("store-prompt")


def test_closing_runs_the_calls_queued_in_both_lanes_first() -> None:
    offload = Offloader(1, reserved=1)
    busy, release = threading.Event(), threading.Event()
    done: list[str] = []

    def occupy() -> None:
        busy.set()
        assert release.wait(HOLD_LIMIT_S)
        done.append("held")

    async def run() -> None:
        calls = [asyncio.ensure_future(offload.bulk(occupy))]
        assert await asyncio.to_thread(busy.wait, HOLD_LIMIT_S)
        calls.append(asyncio.ensure_future(offload.bulk(done.append, "bulk")))
        while offload.waiting < 1:
            await asyncio.sleep(0)
        closing = asyncio.ensure_future(asyncio.to_thread(offload.close))
        release.set()
        await closing
        with pytest.raises(RuntimeError, match="closed"):
            await offload(done.append, "too late")
        await asyncio.gather(*calls)

    asyncio.run(run())
    assert done == ["held", "bulk"]


def test_an_offloader_needs_a_thread() -> None:
    with pytest.raises(ValueError, match="at least one thread"):
        Offloader(0)
    with pytest.raises(ValueError, match="cannot reserve"):
        Offloader(1, reserved=-1)
