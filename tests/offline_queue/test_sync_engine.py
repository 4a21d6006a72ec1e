"""The sync engine against the real reference gateway over real HTTP on loopback."""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from offline_queue.store import AlertKind, ErrorKind, QueueStatus
from offline_queue.sync import Backoff, SyncState
from simulators.gateway_process import GatewayProcess
from simulators.netem import LinkProfile, ThreadedLink
from tests.offline_queue.conftest import make_body
from tests.offline_queue.sync_support import FAST, FAULTS_OFF, Kiosk, drain, engine_for, held


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


def test_drains_oldest_first_with_byte_identical_files(
    kiosk: Kiosk, gateway: GatewayProcess
) -> None:
    ids = [kiosk.enqueue(), kiosk.enqueue((300_000,)), kiosk.enqueue((1, 5000, 65_536))]
    engine = engine_for(kiosk.store, gateway.url, gateway.token)
    report = engine.run_once()
    assert report.stopped_by is None, report.failed
    assert report.submitted == [kiosk.store.find(i).receipt_number for i in ids]  # type: ignore[union-attr]
    codes = []
    for client_uuid in ids:
        row = kiosk.store.find(client_uuid)
        assert row is not None and row.status is QueueStatus.SUBMITTED
        assert row.official_code is not None and row.appointment_date
        codes.append(row.official_code)
        (dossier,) = held(gateway, client_uuid)
        assert dossier["dossier_code"] == row.official_code
        assert sorted(f["sha256"] for f in dossier["files"]) == sorted(kiosk.digests[client_uuid])
    # Official codes follow the order the dossiers were queued in.
    assert codes == sorted(codes)
    status = kiosk.store.read_status("sync")
    assert status is not None and status["counts"]["submitted"] == 3


def test_a_finished_pass_is_not_published_as_syncing(kiosk: Kiosk, gateway: GatewayProcess) -> None:
    # `kiosk sync --once` exits right after its pass: `kiosk queue list` then reads what the
    # pass published last, which must not say a sync is going on.
    kiosk.enqueue()
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    assert engine.run_once().submitted
    status = kiosk.store.read_status("sync")
    assert status is not None
    assert (status["state"], status["current"]) == (SyncState.IDLE, None)
    # The link's round trip, from the small requests (create, HEAD, finalize), for the
    # technician: on loopback, well under a second and above nothing.
    assert 0 <= status["round_trip_ms"] < 1000
    # Likewise after a pass the link cut short (its one immediate retry is due at once).
    kiosk.enqueue()
    gateway.set_faults(error_rate=1.0)
    assert engine.run_once().stopped_by is ErrorKind.TRANSIENT
    status = kiosk.store.read_status("sync")
    assert status is not None
    assert (status["state"], status["current"]) == (SyncState.IDLE, None)


def test_rating_follows_the_dossier(kiosk: Kiosk, gateway: GatewayProcess) -> None:
    client_uuid = kiosk.enqueue()
    engine = engine_for(kiosk.store, gateway.url, gateway.token)
    engine.run_once()
    kiosk.store.record_rating(client_uuid, 5, "Rất tốt")
    assert kiosk.store.find(client_uuid).rating_pending  # type: ignore[union-attr]
    engine.run_once()
    assert not kiosk.store.find(client_uuid).rating_pending  # type: ignore[union-attr]


def test_lost_create_answer_makes_no_duplicate(
    kiosk: Kiosk, gateway: GatewayProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    client_uuid = kiosk.enqueue()
    engine = engine_for(kiosk.store, gateway.url, gateway.token)
    original = kiosk.store.set_gateway_dossier
    calls = {"n": 0}

    def crash_once(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt("power cut after the gateway created the dossier")
        original(*args)

    monkeypatch.setattr(kiosk.store, "set_gateway_dossier", crash_once)
    with pytest.raises(KeyboardInterrupt):
        engine.run_once()
    drain(engine_for(kiosk.store, gateway.url, gateway.token), kiosk.store)
    assert len(held(gateway, client_uuid)) == 1
    assert kiosk.store.find(client_uuid).status is QueueStatus.SUBMITTED  # type: ignore[union-attr]


def test_upload_resumes_mid_file(kiosk: Kiosk, gateway: GatewayProcess) -> None:
    size = 800_000
    client_uuid = kiosk.enqueue((size,))
    # The link drops once after ~300 KB of this upload. The gateway keeps what arrived; what is
    # sent again is at most the rest of the chunk in flight, never the file.
    small_chunks = dataclasses.replace(FAST, chunk_max=64 * 1024)
    with ThreadedLink(gateway.address, LinkProfile(reset_after_bytes=(300_000, 300_000))) as addr:
        engine = engine_for(
            kiosk.store, f"http://{addr[0]}:{addr[1]}", gateway.token, settings=small_chunks
        )
        report = engine.run_once()
    assert report.stopped_by is ErrorKind.TRANSIENT
    (file,) = kiosk.store.files(client_uuid)
    assert file.upload_url is not None and not file.complete
    direct = engine_for(kiosk.store, gateway.url, gateway.token, settings=small_chunks)
    drain(direct, kiosk.store)
    assert kiosk.store.find(client_uuid).status is QueueStatus.SUBMITTED  # type: ignore[union-attr]
    resent = engine.bytes_attempted + direct.bytes_attempted - size
    assert 0 < resent <= 64 * 1024, resent
    assert resent < 0.10 * size
    (dossier,) = held(gateway, client_uuid)
    assert dossier["files"][0]["sha256"] == kiosk.digests[client_uuid][0]


# --- gateway faults -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "words"),
    [
        ({"error_rate": 1.0}, "HTTP 500"),
        ({"garbage": "malformed_json"}, "not JSON"),
        ({"garbage": "endless_body"}, "larger than"),
        ({"garbage": "hang"}, "Timeout"),
    ],
)
def test_transient_faults_back_off_and_lose_nothing(
    kiosk: Kiosk, gateway: GatewayProcess, faults: dict[str, Any], words: str
) -> None:
    client_uuid = kiosk.enqueue()
    engine = engine_for(
        kiosk.store, gateway.url, gateway.token, read_timeout_s=1.0, now=kiosk.clock
    )
    gateway.set_faults(**faults)
    report = engine.run_once()
    assert report.stopped_by is ErrorKind.TRANSIENT
    row = kiosk.store.find(client_uuid)
    assert row is not None
    assert row.status is QueueStatus.QUEUED and row.error_kind is ErrorKind.TRANSIENT
    assert row.attempts == 1 and words in (row.last_error or "")
    assert row.next_attempt_at > kiosk.clock() - 1
    assert kiosk.store.body(client_uuid)["client_uuid"] == client_uuid
    gateway.set_faults(**FAULTS_OFF)
    drain(engine_for(kiosk.store, gateway.url, gateway.token), kiosk.store)
    assert len(held(gateway, client_uuid)) == 1


def test_maintenance_honours_retry_after(kiosk: Kiosk, gateway: GatewayProcess) -> None:
    client_uuid = kiosk.enqueue()
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    gateway.set_faults(maintenance=True, retry_after_s=120)
    report = engine.run_once()
    assert report.stopped_by is ErrorKind.TRANSIENT
    row = kiosk.store.find(client_uuid)
    assert row is not None and row.next_attempt_at >= kiosk.clock() + 120
    assert "503" in (row.last_error or "")
    # The engine itself does not try again before then either.
    kiosk.clock.advance(60)
    assert engine.run_once().submitted == []
    assert (engine.next_wakeup() or 0) >= kiosk.clock() + 59


def test_auth_failure_stops_and_alerts_without_blaming_the_dossier(
    kiosk: Kiosk, gateway: GatewayProcess
) -> None:
    client_uuid = kiosk.enqueue()
    engine = engine_for(kiosk.store, gateway.url, "wrong-token", now=kiosk.clock)
    report = engine.run_once()
    assert report.stopped_by is ErrorKind.AUTH
    assert AlertKind.AUTH in kiosk.store.alerts()
    row = kiosk.store.find(client_uuid)
    assert row is not None and row.attempts == 0 and row.status is QueueStatus.QUEUED
    assert engine.run_once().stopped_by is ErrorKind.AUTH
    # Nothing is due but the first authentication probe (test_sync_auth.py follows them).
    assert engine.next_wakeup() == kiosk.clock() + FAST.auth_probe_base_s
    kiosk.store.clear_alert(AlertKind.AUTH)
    drain(engine_for(kiosk.store, gateway.url, gateway.token), kiosk.store)
    assert kiosk.store.find(client_uuid).status is QueueStatus.SUBMITTED  # type: ignore[union-attr]


def test_idempotency_conflict_is_permanent_and_kept(
    kiosk: Kiosk, gateway: GatewayProcess, tmp_path: Path
) -> None:
    client_uuid = kiosk.enqueue()
    drain(engine_for(kiosk.store, gateway.url, gateway.token), kiosk.store)
    # Another kiosk (a restored backup, a bug) sends different data under the same key.
    other = Kiosk(tmp_path / "other")
    body = make_body(client_uuid, "KIOSK02-261123-0001")
    body["form"] = {"phone": "0987654321"}
    other.enqueue(body=body, client_uuid=client_uuid)
    report = engine_for(other.store, gateway.url, gateway.token).run_once()
    assert report.failed and report.failed[0][1] is ErrorKind.PERMANENT
    row = other.store.find(client_uuid)
    assert row is not None and row.status is QueueStatus.NEEDS_ATTENTION
    assert "409" in (row.last_error or "")
    assert other.store.body(client_uuid)["form"] == {"phone": "0987654321"}
    assert len(held(gateway, client_uuid)) == 1


def test_permanent_refusal_is_kept_and_others_still_go(
    kiosk: Kiosk, gateway: GatewayProcess
) -> None:
    # A body the gateway refuses (400) although the outbox took it. (A body over the size limit
    # used to be the example; the outbox now refuses those itself, at enqueue.)
    refused = str(uuid.uuid4())
    body = make_body(refused, "KIOSK01-261123-9999")
    body["kiosk_id"] = "KIOSK02"  # not the kiosk the token belongs to
    kiosk.enqueue(body=body, client_uuid=refused)
    small = kiosk.enqueue()
    report = engine_for(kiosk.store, gateway.url, gateway.token).run_once()
    assert (kiosk.store.find(refused).status, kiosk.store.find(small).status) == (  # type: ignore[union-attr]
        QueueStatus.NEEDS_ATTENTION,
        QueueStatus.SUBMITTED,
    )
    assert "400" in (kiosk.store.find(refused).last_error or "")  # type: ignore[union-attr]
    assert report.submitted == [kiosk.store.find(small).receipt_number]  # type: ignore[union-attr]
    assert kiosk.store.body(refused)["kiosk_id"] == "KIOSK02"


def test_heartbeat_and_retention(kiosk: Kiosk, gateway: GatewayProcess) -> None:
    client_uuid = kiosk.enqueue()
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    assert engine.heartbeat({"printer": "ok"})
    engine.run_once()
    kiosk.clock.advance(8 * 86_400)
    engine.housekeeping()
    row = kiosk.store.find(client_uuid)
    assert row is not None and row.erased_at is not None


def test_backoff_is_full_jitter_capped_and_respects_retry_after() -> None:
    backoff = Backoff(base=2.0, cap=600.0, rng=random.Random(7))
    for attempts in range(20):
        ceiling = min(600.0, 2.0 * 2**attempts)
        delays = [backoff.delay(attempts) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.5 * ceiling  # spread over the whole range, not clustered
    assert all(backoff.delay(0, retry_after=120) >= 120 for _ in range(50))
