"""The heartbeat's body (offline_queue.housekeeping, offline_queue.link): devices from the app's
report file, honest when the report is old or missing; the last hour's link figures from every
request the transport made, answered or not, with an injected clock; the Wi-Fi signal read from
``/proc``-format tables; and a gateway from before the link figures still taking heartbeats."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dvc_common.device_report import read_report, report_path, write_report
from dvc_common.protocol import DeviceCondition, DeviceKind
from offline_queue.housekeeping import LEGACY_RECHECK_S, NEWER_FIELDS, Heartbeats
from offline_queue.link import LinkWindow, level_to_percent, wifi_signal_percent
from offline_queue.sync_settings import SyncSettings
from offline_queue.transport import GatewayError, HttpTransport
from tests.offline_queue.conftest import Env

SETTINGS = SyncSettings(kiosk_id="KIOSK01", software_version="1.2.3")


class Monotonic:
    def __init__(self) -> None:
        self.t = 500.0

    def __call__(self) -> float:
        return self.t


def test_the_window_keeps_an_hour_and_takes_the_median_of_answered_round_trips() -> None:
    clock = Monotonic()
    window = LinkWindow(clock)
    assert window.figures().to_wire() == {
        "signal_percent": None, "rtt_ms": None, "requests": 0, "failures": 0,
    }  # fmt: skip
    window.record(answered=True, round_trip_s=0.300)
    window.record(answered=True)  # a big chunk: answered, its time says nothing of latency
    window.record(answered=False)
    clock.t += 1800
    window.record(answered=True, round_trip_s=0.100)
    window.record(answered=True, round_trip_s=0.200)
    window.record(answered=False, round_trip_s=9.0)  # no answer: no round trip either
    figures = window.figures(signal_percent=42)
    assert figures.to_wire() == {
        "signal_percent": 42, "rtt_ms": 200, "requests": 6, "failures": 2,
    }  # fmt: skip
    clock.t += 1800.5  # the first three are more than an hour old now
    assert window.figures().to_wire() == {
        "signal_percent": None, "rtt_ms": 150, "requests": 3, "failures": 1,
    }  # fmt: skip


def test_signal_levels_become_networkmanagers_percent() -> None:
    assert level_to_percent(-40) == 100
    assert level_to_percent(-30) == 100
    assert level_to_percent(-70) == 50
    assert level_to_percent(-100) == 0
    assert level_to_percent(-110) == 0
    assert level_to_percent(200) == 74  # an old driver's unsigned dBm: -56
    assert level_to_percent(65) == 65  # already a quality percentage


WIRELESS = """Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE
 face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22
 wlan0: 0000   40.  -70.  -256        0      0      0      0     12        0
"""
ROUTE_HEADER = (
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
)


def _route(*entries: tuple[str, str, int]) -> str:
    lines = [f"{iface}\t{dest}\t0101A8C0\t0003\t0\t0\t{metric}\t00000000\t0\t0\t0"
             for iface, dest, metric in entries]  # fmt: skip
    return ROUTE_HEADER + "\n".join(lines) + "\n"


def test_the_signal_is_the_default_routes_wifi_and_null_when_wired(tmp_path: Path) -> None:
    wireless, route = tmp_path / "wireless", tmp_path / "route"
    wireless.write_text(WIRELESS, encoding="ascii")
    route.write_text(_route(("wlan0", "00000000", 600), ("wlan0", "0001A8C0", 600)))
    assert wifi_signal_percent(wireless, route) == 50
    # Wired and Wi-Fi both up: the lower metric (the cable) carries the traffic.
    route.write_text(_route(("wlan0", "00000000", 600), ("eth0", "00000000", 100)))
    assert wifi_signal_percent(wireless, route) is None
    # No default route (a gateway on the commune's own network): the one Wi-Fi link.
    route.write_text(_route(("wlan0", "0001A8C0", 600)))
    assert wifi_signal_percent(wireless, route) == 50
    # No Wi-Fi associated: the kernel lists no interface.
    wireless.write_text("\n".join(WIRELESS.splitlines()[:2]) + "\n", encoding="ascii")
    assert wifi_signal_percent(wireless, route) is None
    assert wifi_signal_percent(tmp_path / "absent", route) is None


# --- the transport records every request --------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    # Set per server: the statuses to answer in turn, and the bodies received.
    answers: list[int]
    received: list[dict[str, Any]]

    def do_POST(self) -> None:  # http.server's naming
        length = int(self.headers.get("Content-Length", "0"))
        self.received.append(json.loads(self.rfile.read(length) or b"{}"))
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        status = self.answers.pop(0) if self.answers else 204
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class Server:
    """A plain HTTP server on 127.0.0.1 answering the statuses it is given, in turn."""

    def __init__(self) -> None:
        handler = type("Handler", (_Handler,), {"answers": [], "received": []})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.handler = handler
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        # A short poll: shutdown() waits for the loop to look at its flag.
        serve = partial(self.httpd.serve_forever, poll_interval=0.02)
        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()

    @property
    def received(self) -> list[dict[str, Any]]:
        return self.handler.received  # type: ignore[attr-defined, no-any-return]

    def answer(self, *statuses: int) -> None:
        self.handler.answers.extend(statuses)  # type: ignore[attr-defined]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_every_request_is_recorded_answered_or_not(server: Server) -> None:
    transport = HttpTransport(server.url, "t" * 40, connect_timeout_s=2.0, read_timeout_s=0.3)
    server.answer(204, 503)
    transport.request("GET", "a")
    transport.request("GET", "b")  # an HTTP error is an answer: the link carried it
    refused = HttpTransport(f"http://127.0.0.1:{_free_port()}/", "t" * 40)
    refused.link = transport.link  # as a clone shares it
    with pytest.raises(GatewayError):
        refused.request("GET", "c")
    # A gateway that takes the connection and never answers: a read time-out.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        mute = HttpTransport(f"http://127.0.0.1:{silent.getsockname()[1]}/", "t" * 40,
                             read_timeout_s=0.2)  # fmt: skip
        mute.link = transport.link
        with pytest.raises(GatewayError):
            mute.request("GET", "d")
    twin = transport.clone()
    twin.request("GET", "e")
    figures = transport.link.figures()
    assert (figures.requests, figures.failures) == (5, 2)
    assert figures.rtt_ms is not None and 0 <= figures.rtt_ms < 300
    transport.close()
    twin.close()


# --- the heartbeat's body -------------------------------------------------------------------------


def _heartbeats(env: Env, server: Server, scratch: Path) -> Heartbeats:
    transport = HttpTransport(server.url, "t" * 40, wall=env.clock)
    return Heartbeats(
        env.store, transport, SETTINGS, env.clock,
        devices=partial(read_report, report_path(scratch)), signal=lambda: 61,
    )  # fmt: skip


def test_the_heartbeat_carries_the_apps_report_and_the_link(
    env: Env, server: Server, tmp_path: Path
) -> None:
    scratch = tmp_path / "scratch"
    written = datetime.fromtimestamp(env.clock(), UTC)
    write_report(report_path(scratch), {
        DeviceKind.PRINTER: DeviceCondition.PAPER_OUT,
        DeviceKind.SCANNER: DeviceCondition.OK,
        DeviceKind.QR_READER: DeviceCondition.MISSING,
    }, written)  # fmt: skip
    beats = _heartbeats(env, server, scratch)
    env.enqueue()
    assert beats.send() is None
    assert beats.send() is None
    first, second = server.received
    assert first["devices"] == {"printer": "paper_out", "scanner": "ok", "qr_reader": "missing"}
    assert first["app_running"] is True
    assert first["queue"]["queued"] == 1
    assert first["link"] == {"signal_percent": 61, "rtt_ms": None, "requests": 0, "failures": 0}
    # The second heartbeat counts the first (answered, small: a round trip).
    assert second["link"]["requests"] == 1 and second["link"]["failures"] == 0
    assert second["link"]["rtt_ms"] is not None


def test_an_old_report_or_none_is_said_as_such(env: Env, server: Server, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    beats = _heartbeats(env, server, scratch)
    body = beats.body()
    assert body["devices"] == {"printer": "unknown", "scanner": "unknown", "qr_reader": "unknown"}
    assert body["app_running"] is False
    written = datetime.fromtimestamp(env.clock(), UTC)
    write_report(report_path(scratch), {DeviceKind.PRINTER: DeviceCondition.OK}, written)
    assert beats.body()["app_running"] is True
    env.clock.advance(181)  # the app stopped writing three minutes ago
    body = beats.body()
    assert body["app_running"] is False
    assert set(body["devices"].values()) == {"unknown"}


def test_a_gateway_from_before_the_link_figures_still_takes_heartbeats(
    env: Env, server: Server, tmp_path: Path
) -> None:
    beats = _heartbeats(env, server, tmp_path / "scratch")
    server.answer(422)  # the older gateway's models forbid unknown fields
    assert beats.send() is None
    refused, lean = server.received
    assert set(NEWER_FIELDS) <= set(refused) and not set(NEWER_FIELDS) & set(lean)
    assert beats.send() is None  # sent lean at once: no refusal first
    assert not set(NEWER_FIELDS) & set(server.received[2])
    env.clock.advance(LEGACY_RECHECK_S)
    assert beats.send() is None  # the gateway may have been upgraded: the full form again
    assert set(NEWER_FIELDS) <= set(server.received[3])


def test_a_refusal_of_the_lean_form_too_is_reported(
    env: Env, server: Server, tmp_path: Path
) -> None:
    beats = _heartbeats(env, server, tmp_path / "scratch")
    server.answer(422, 422)
    error = beats.send()
    assert error is not None and error.status == 422
    assert len(server.received) == 2
