"""Shared pieces for the sync tests: a real gateway process and fast engine settings."""

from __future__ import annotations

import random
from pathlib import Path

from offline_queue.store import QueueStore
from offline_queue.sync import SyncEngine, SyncSettings
from offline_queue.transport import HttpTransport

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
        engine._pause_until = 0.0
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
