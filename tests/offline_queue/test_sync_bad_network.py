"""The queue drains through an impaired link: drops, stalls, throttling and latency.

An asyncio TCP proxy (``simulators.netem``) sits between the sync engine and the real gateway.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from offline_queue.store import PageInput, QueueStatus, QueueStore
from simulators.gateway_process import GatewayProcess
from simulators.netem import LinkProfile, ThreadedLink
from tests.offline_queue.conftest import make_body
from tests.offline_queue.sync_support import drain, engine_for, write_page


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(tmp_path / "gateway")
    yield process
    process.stop()


def fill(
    store: QueueStore, root: Path, dossiers: int, pages: int, size: int
) -> tuple[dict[str, list[str]], int]:
    rng = random.Random(5)
    digests: dict[str, list[str]] = {}
    payload = 0
    for d in range(dossiers):
        client_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        inputs = []
        for p in range(pages):
            path = write_page(
                root / "scans", f"{d}-{p}.png", d * 100 + p, size + rng.randint(-5000, 5000)
            )
            payload += path.stat().st_size
            inputs.append(PageInput(path, "birth_certificate", f"birth_certificate-{p + 1}.png"))
        store.enqueue(
            client_uuid=client_uuid,
            receipt_number=f"KIOSK01-261123-{d + 1:04d}",
            procedure_code="1.001193",
            body=make_body(client_uuid, f"KIOSK01-261123-{d + 1:04d}"),
            pages=inputs,
        )
        digests[client_uuid] = sorted(
            hashlib.sha256(i.source.read_bytes()).hexdigest() for i in inputs
        )
    return digests, payload


def check_delivered(
    gateway: GatewayProcess, store: QueueStore, digests: dict[str, list[str]]
) -> None:
    held: dict[str, list[str]] = {}
    for dossier in gateway.received():
        assert dossier["client_uuid"] not in held, "duplicate dossier at the gateway"
        held[dossier["client_uuid"]] = sorted(f["sha256"] for f in dossier["files"])
    assert held == digests
    assert store.counts()[QueueStatus.SUBMITTED.value] == len(digests)


def test_drops_and_throttling_drain_with_little_resent(
    tmp_path: Path, gateway: GatewayProcess
) -> None:
    store = QueueStore(tmp_path / "queue", tmp_path / "master.key")
    digests, payload = fill(store, tmp_path, dossiers=10, pages=4, size=120_000)
    profile = LinkProfile(
        bandwidth_bps=8_000_000, latency_ms=15, reset_after_bytes=(600_000, 1_200_000)
    )
    with ThreadedLink(gateway.address, profile, rng=random.Random(3)) as (host, port):
        engine = engine_for(store, f"http://{host}:{port}", gateway.token)
        passes = drain(engine, store)
    check_delivered(gateway, store, digests)
    assert passes > 1, "the link should have dropped at least once"
    resent = engine.bytes_attempted - payload
    assert resent < 0.10 * payload, f"resent {resent} of {payload}"


def test_a_stalled_link_times_out_and_recovers(tmp_path: Path, gateway: GatewayProcess) -> None:
    store = QueueStore(tmp_path / "queue", tmp_path / "master.key")
    digests, _ = fill(store, tmp_path, dossiers=2, pages=2, size=80_000)
    link = ThreadedLink(gateway.address, LinkProfile(stall_after_bytes=50_000))
    with link as (host, port):
        engine = engine_for(store, f"http://{host}:{port}", gateway.token, read_timeout_s=1.0)
        report = engine.run_once()
        assert report.stopped_by is not None
        assert any("Timeout" in detail or "Connection" in detail for _, _, detail in report.failed)
        link.set_profile(LinkProfile(latency_ms=5))
        drain(engine, store)
    check_delivered(gateway, store, digests)


def test_slow_high_latency_link(tmp_path: Path, gateway: GatewayProcess) -> None:
    store = QueueStore(tmp_path / "queue", tmp_path / "master.key")
    digests, payload = fill(store, tmp_path, dossiers=2, pages=2, size=30_000)
    profile = LinkProfile(bandwidth_bps=2_000_000, latency_ms=100)
    with ThreadedLink(gateway.address, profile) as (host, port):
        engine = engine_for(store, f"http://{host}:{port}", gateway.token)
        drain(engine, store)
    check_delivered(gateway, store, digests)
    assert engine.bytes_attempted == payload  # a clean slow link resends nothing
