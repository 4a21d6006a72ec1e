"""An authentication alert clears itself: new credentials, or a probe the gateway accepts.

After a 401/403 the engine stops syncing and raises a technician alert. It resumes on its own
when the gateway address or token differs from the one the alert was raised with, or when an
authenticated probe (a heartbeat, sent with exponential backoff on the injected clock) is
accepted. Real gateway process over HTTP on loopback; ``garbage=auth_reject`` makes it refuse
every token, as a gateway with a broken token database would.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from offline_queue.store import AlertKind, ErrorKind, QueueStatus
from offline_queue.sync import SyncEngine, SyncSettings
from offline_queue.transport import HttpTransport, Response
from simulators.gateway_process import GatewayProcess
from tests.offline_queue.sync_support import FAST, FAULTS_OFF, Kiosk, engine_for, held

HEARTBEAT = "kiosks/heartbeat"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(tmp_path_factory.mktemp("gateway"))
    yield process
    process.stop()


@pytest.fixture(autouse=True)
def faults_off(gateway: GatewayProcess) -> Iterator[None]:
    gateway.set_faults(**FAULTS_OFF)
    yield
    gateway.set_faults(**FAULTS_OFF)


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    return Kiosk(tmp_path)


class RecordingTransport(HttpTransport):
    """Notes the (fake) time of every heartbeat the engine sends."""

    def __init__(self, url: str, token: str, clock: Callable[[], float]) -> None:
        super().__init__(url, token, connect_timeout_s=2.0, read_timeout_s=5.0)
        self._clock = clock
        self.heartbeats: list[float] = []

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        if path.endswith(HEARTBEAT):
            self.heartbeats.append(self._clock())
        return super().request(method, path, json_body=json_body, data=data, headers=headers)


def recording_engine(
    kiosk: Kiosk, gateway: GatewayProcess, settings: SyncSettings = FAST
) -> tuple[SyncEngine, RecordingTransport]:
    transport = RecordingTransport(gateway.url, gateway.token, kiosk.clock)
    engine = SyncEngine(kiosk.store, transport, settings, now=kiosk.clock, rng=random.Random(1))
    return engine, transport


@pytest.mark.parametrize("change", ["token", "address"])
def test_new_credentials_clear_the_alert_and_deliver(
    kiosk: Kiosk, gateway: GatewayProcess, change: str
) -> None:
    client_uuid = kiosk.enqueue()
    if change == "token":
        refused = engine_for(kiosk.store, gateway.url, "wrong-token", now=kiosk.clock)
    else:
        gateway.set_faults(garbage="auth_reject")
        refused = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    assert refused.run_once().stopped_by is ErrorKind.AUTH
    assert AlertKind.AUTH in kiosk.store.alerts()
    gateway.set_faults(**FAULTS_OFF)

    # The technician puts the right token (or the gateway's new address) in the configuration;
    # the sync process restarts with it. Nobody touches the alert.
    url = gateway.url if change == "token" else gateway.url.replace("127.0.0.1", "localhost")
    fixed = engine_for(kiosk.store, url, gateway.token, now=kiosk.clock)
    assert fixed.next_wakeup() == kiosk.clock()
    report = fixed.run_once()
    assert report.stopped_by is None, report.failed
    assert AlertKind.AUTH not in kiosk.store.alerts()
    row = kiosk.store.find(client_uuid)
    assert row is not None and row.status is QueueStatus.SUBMITTED
    assert len(held(gateway, client_uuid)) == 1


def test_probe_with_growing_backoff_clears_the_alert_when_the_gateway_accepts_again(
    kiosk: Kiosk, gateway: GatewayProcess
) -> None:
    client_uuid = kiosk.enqueue()
    settings = dataclasses.replace(FAST, auth_probe_base_s=30.0, auth_probe_cap_s=400.0)
    engine, transport = recording_engine(kiosk, gateway, settings)
    gateway.set_faults(garbage="auth_reject")
    raised_at = kiosk.clock()
    assert engine.run_once().stopped_by is ErrorKind.AUTH
    assert AlertKind.AUTH in kiosk.store.alerts()
    assert transport.heartbeats == []

    # Refused probes: 30 s after the alert, then 60, 120, 240, then the cap.
    for _ in range(5):
        due = engine.next_wakeup()
        assert due is not None
        sent = len(transport.heartbeats)
        kiosk.clock.t = due - 1  # nothing goes out before the probe is due
        assert engine.run_once().stopped_by is ErrorKind.AUTH
        assert len(transport.heartbeats) == sent
        kiosk.clock.t = due
        assert engine.run_once().stopped_by is ErrorKind.AUTH
        assert transport.heartbeats[sent:] == [due]
        assert AlertKind.AUTH in kiosk.store.alerts()
    times = [raised_at, *transport.heartbeats]
    assert [b - a for a, b in itertools.pairwise(times)] == [30, 60, 120, 240, 400]
    row = kiosk.store.find(client_uuid)
    assert row is not None and row.attempts == 0 and row.status is QueueStatus.QUEUED

    # The gateway accepts the same token again: the next probe clears the alert, and the same
    # pass delivers.
    gateway.set_faults(**FAULTS_OFF)
    due = engine.next_wakeup()
    assert due == transport.heartbeats[-1] + 400
    kiosk.clock.t = due
    report = engine.run_once()
    assert report.stopped_by is None, report.failed
    assert transport.heartbeats[-1] == due
    assert AlertKind.AUTH not in kiosk.store.alerts()
    row = kiosk.store.find(client_uuid)
    assert row is not None and row.status is QueueStatus.SUBMITTED
    assert len(held(gateway, client_uuid)) == 1


def test_a_restart_probes_at_once_and_keeps_the_backoff(
    kiosk: Kiosk, gateway: GatewayProcess
) -> None:
    kiosk.enqueue()
    gateway.set_faults(garbage="auth_reject")
    first, _ = recording_engine(kiosk, gateway)
    assert first.run_once().stopped_by is ErrorKind.AUTH
    kiosk.clock.advance(5)

    # A restarted sync process checks the standing alert once, at once, with the same token.
    restarted, transport = recording_engine(kiosk, gateway)
    assert restarted.next_wakeup() == kiosk.clock()
    assert restarted.run_once().stopped_by is ErrorKind.AUTH
    assert transport.heartbeats == [kiosk.clock()]
    # Refused: the backoff goes on from where the alert's record left it (one probe so far).
    assert restarted.next_wakeup() == kiosk.clock() + 2 * FAST.auth_probe_base_s
    # Housekeeping sends no heartbeat of its own while the alert stands: the probe is the one.
    restarted.housekeeping()
    assert transport.heartbeats == [kiosk.clock()]
