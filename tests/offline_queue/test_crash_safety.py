"""kill -9 at random moments: every dossier the kiosk called successful arrives exactly once.

The harness forks child processes that either enqueue dossiers (acknowledging each one on a pipe
only after ``enqueue`` returned, which is when the screen says "successful") or run the sync
engine against the real reference gateway, and SIGKILLs them at random moments. After all the
trials a clean sync runs to the end, and the gateway's holdings are compared with what was
acknowledged: each acknowledged dossier exactly once, every file byte-identical, and nothing
acknowledged missing from the queue.

The kill delays are the randomness under test, not waits for something to happen.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from offline_queue.store import PageInput, QueueStatus, QueueStore
from simulators.gateway_process import GatewayProcess
from tests.offline_queue.conftest import make_body
from tests.offline_queue.sync_support import drain, engine_for, page_bytes

TRIALS = 200


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(tmp_path / "gateway")
    yield process
    process.stop()


def _enqueuer(root: Path, seed: int, ack_fd: int) -> None:
    store = QueueStore(root / "queue", root / "master.key")
    rng = random.Random(seed)
    for n in range(3):
        client_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        receipt = f"KIOSK01-{seed:06d}-{n:04d}"
        pages = []
        digests = []
        for p in range(rng.randint(1, 2)):
            data = page_bytes(seed * 1000 + n * 10 + p, rng.randint(1, 40_000))
            path = root / "scans" / f"{client_uuid}-{p}.png"
            path.write_bytes(data)
            digests.append(hashlib.sha256(data).hexdigest())
            pages.append(PageInput(path, "birth_certificate", f"birth_certificate-{p + 1}.png"))
        store.enqueue(
            client_uuid=client_uuid,
            receipt_number=receipt,
            procedure_code="1.001193",
            body=make_body(client_uuid, receipt),
            pages=pages,
        )
        # Only now would the screen say "successful".
        os.write(ack_fd, f"{client_uuid} {','.join(sorted(digests))}\n".encode())
    time.sleep(60)  # done: wait to be killed like the others


def _syncer(root: Path, url: str, token: str, seed: int) -> None:
    store = QueueStore(root / "queue", root / "master.key")
    # As `kiosk sync` does at start: the sweep races the enqueuer killed beside it.
    store.check()
    engine = engine_for(store, url, token, seed=seed)
    while True:
        engine.pause_until = 0.0
        if not engine.run_once().submitted:
            time.sleep(0.005)  # nothing due yet: do not spin while waiting to be killed


def _spawn(target: str, root: Path, gateway: GatewayProcess, seed: int) -> tuple[int, int]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        os.close(read_fd)
        try:
            if target == "enqueue":
                _enqueuer(root, seed, write_fd)
            else:
                _syncer(root, gateway.url, gateway.token, seed)
        finally:
            os._exit(0)
    os.close(write_fd)
    return pid, read_fd


def _run_trial(
    targets: list[str], root: Path, gateway: GatewayProcess, seed: int, kill_after: float
) -> str:
    children = [_spawn(t, root, gateway, seed) for t in targets]
    time.sleep(kill_after)
    out = []
    for pid, read_fd in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        while data := os.read(read_fd, 65536):
            out.append(data)
        os.close(read_fd)
    return b"".join(out).decode()


def test_kill_minus_nine_never_loses_or_duplicates(tmp_path: Path, gateway: GatewayProcess) -> None:
    root = tmp_path / "kiosk"
    (root / "scans").mkdir(parents=True)
    # No master key yet: the first trials race on a fresh kiosk's first open.
    rng = random.Random(int(os.environ.get("KIOSK_CRASH_SEED", "20261122")))
    acknowledged: dict[str, str] = {}
    for trial in range(TRIALS):
        # The app and the sync process alone, and both at once as on the appliance.
        targets = [["enqueue"], ["sync"], ["enqueue", "sync"]][trial % 3]
        output = _run_trial(targets, root, gateway, seed=trial, kill_after=rng.uniform(0.0, 0.08))
        for line in output.splitlines():
            if line.strip():
                client_uuid, digests = line.split()
                acknowledged[client_uuid] = digests
    assert len(acknowledged) > 20, "the trials should have acknowledged dossiers"

    store = QueueStore(root / "queue", root / "master.key")
    report = store.check()
    assert report.quarantined_rows == [], report
    # Every folder left behind is an enqueue killed before its commit, never acknowledged.
    assert not set(report.orphans_moved) & set(acknowledged), report
    engine = engine_for(store, gateway.url, gateway.token)
    drain(engine, store)

    for client_uuid in acknowledged:
        row = store.find(client_uuid)
        assert row is not None, f"acknowledged dossier {client_uuid} lost from the queue"
        assert row.status is QueueStatus.SUBMITTED, (client_uuid, row.status, row.last_error)

    held: dict[str, list[dict[str, object]]] = {}
    for dossier in gateway.received():
        held.setdefault(str(dossier["client_uuid"]), []).append(dossier)
    duplicates = {k: len(v) for k, v in held.items() if len(v) > 1}
    assert duplicates == {}
    for client_uuid, digests in acknowledged.items():
        (dossier,) = held[client_uuid]
        files = dossier["files"]
        assert isinstance(files, list)
        assert ",".join(sorted(str(f["sha256"]) for f in files)) == digests
        assert dossier["dossier_code"]
