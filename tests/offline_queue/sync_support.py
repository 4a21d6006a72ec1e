"""Shared pieces for the sync tests: fast engine settings, a kiosk's outbox with a movable
clock, draining without waiting out backoff."""

from __future__ import annotations

import hashlib
import itertools
import random
import uuid
from pathlib import Path
from typing import Any

from offline_queue.store import PageInput, QueueStore
from offline_queue.sync import SyncEngine, SyncSettings
from offline_queue.transport import HttpTransport
from simulators.gateway_process import GatewayProcess
from tests.offline_queue.conftest import Clock, make_body

FAST = SyncSettings(
    kiosk_id="KIOSK01",
    backoff_base_s=0.01,
    backoff_cap_s=0.05,
    chunk_initial=32 * 1024,
    chunk_min=8 * 1024,
    chunk_max=256 * 1024,
)


def engine_for(
    store: QueueStore,
    url: str,
    token: str,
    *,
    settings: SyncSettings = FAST,
    read_timeout_s: float = 5.0,
    seed: int = 1,
    now: object = None,
) -> SyncEngine:
    transport = HttpTransport(url, token, connect_timeout_s=2.0, read_timeout_s=read_timeout_s)
    if now is None:
        return SyncEngine(store, transport, settings, rng=random.Random(seed))
    return SyncEngine(store, transport, settings, rng=random.Random(seed), now=now)  # type: ignore[arg-type]


def drain(engine: SyncEngine, store: QueueStore, *, passes: int = 500) -> int:
    """Run passes until nothing is left to send, without waiting out backoff delays.

    Backoff itself is tested with a fake clock elsewhere; here every retry is made due at once
    so a bad link is exercised hundreds of times in seconds.
    """
    for n in range(passes):
        engine.pause_until = 0.0
        with store.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET next_attempt_at = 0 WHERE status != 'needs_attention'"
            )
        engine.run_once()
        if store.next_wakeup() is None:
            return n + 1
    raise AssertionError("queue did not drain")


def page_bytes(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def write_page(directory: Path, name: str, seed: int, size: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(page_bytes(seed, size))
    return path


FAULTS_OFF: dict[str, Any] = {
    "latency_ms": 0,
    "error_rate": 0.0,
    "maintenance": False,
    "identity_down": False,
    "slow_bytes_per_s": 0,
    "garbage": "none",
}

_RECEIPTS = itertools.count(1)


class Kiosk:
    """An outbox on a fake clock, and the digests of what was queued."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = Clock()
        self.store = QueueStore(root / "queue", root / "master.key", now=self.clock)
        self.digests: dict[str, list[str]] = {}

    def enqueue(
        self,
        sizes: tuple[int, ...] = (60_000, 70_000),
        body: dict[str, Any] | None = None,
        client_uuid: str | None = None,
    ) -> str:
        client_uuid = client_uuid or str(uuid.uuid4())
        # The store refuses a body whose receipt number differs from the row's.
        receipt = body["receipt_number"] if body else f"KIOSK01-261123-{next(_RECEIPTS):04d}"
        pages = []
        for i, size in enumerate(sizes):
            path = write_page(
                self.root / "scans", f"{client_uuid}-{i}.png", hash((client_uuid, i)), size
            )
            pages.append(PageInput(path, "birth_certificate", f"birth_certificate-{i + 1}.png"))
        self.store.enqueue(
            client_uuid=client_uuid,
            receipt_number=receipt,
            procedure_code="1.001193",
            body=body or make_body(client_uuid, receipt),
            pages=pages,
        )
        self.digests[client_uuid] = [
            hashlib.sha256(p.source.read_bytes()).hexdigest() for p in pages
        ]
        return client_uuid


def held(gateway: GatewayProcess, client_uuid: str) -> list[dict[str, Any]]:
    """What the gateway holds of this dossier: one entry per dossier it registered."""
    return [d for d in gateway.received() if d["client_uuid"] == client_uuid]
