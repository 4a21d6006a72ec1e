"""A gateway that never completes an upload must not strand the dossier.

A gateway killed inside tus completion keeps every byte of the upload (its offset equals the
length) but never marks the file complete, so finalize answers 409 "files incomplete" for a
file the kiosk sent whole, and HEAD says there is nothing left to send. Here the reference
gateway runs in-process (uvicorn on loopback, real HTTP) with its store's completion step
replaced so that chosen uploads are never completed, exactly the state such a kill leaves.
The kiosk must send those files again as fresh uploads (once is enough when the gateway then
completes them), count attempts so that the backoff grows, and after
``missing_files_limit`` identical answers set the dossier aside for a technician.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.app import Gateway, create_app, enrol
from gateway.blobs import DirectoryBlobStore
from gateway.faults import FaultState
from gateway.server import BackgroundServer
from gateway.settings import GatewaySettings
from gateway.store import Store
from offline_queue.store import ErrorKind, QueueStatus
from tests.offline_queue.sync_support import FAST, Kiosk, drain, engine_for

STRANDED_NAME = "birth_certificate-1.png"


class StrandedCompletions:
    """The gateway 'dies' inside the completion of the first ``times`` uploads of one file:
    every byte is recorded, the upload is never marked complete (and never will be, however
    often the gateway tries again). ``None`` strands every upload of the file."""

    def __init__(self, store: Store, times: int | None) -> None:
        self._store = store
        self._complete = store.complete_upload
        self._times = times
        self.stranded: list[str] = []
        self.completed: list[str] = []

    def complete_upload(self, upload_id: str, stored_path: str | None) -> None:
        upload = self._store.upload(upload_id)
        file = self._store.file(upload.file_id) if upload and upload.file_id else None
        if file is not None and file.name == STRANDED_NAME:
            if upload_id in self.stranded:
                return
            if self._times is None or len(self.stranded) < self._times:
                self.stranded.append(upload_id)
                return
            self.completed.append(upload_id)
        self._complete(upload_id, stored_path)


@dataclass
class InProcessGateway:
    gateway: Gateway
    url: str
    token: str
    data_dir: Path

    def strand(self, monkeypatch: pytest.MonkeyPatch, times: int | None) -> StrandedCompletions:
        stranded = StrandedCompletions(self.gateway.store, times)
        monkeypatch.setattr(self.gateway.store, "complete_upload", stranded.complete_upload)
        return stranded

    def registered(self, client_uuid: str) -> list[str | None]:
        """The official codes of every dossier the gateway holds under this client UUID."""
        return [
            d.dossier_code
            for d in self.gateway.store.all_dossiers()
            if d.client_uuid == client_uuid
        ]

    def stored_digests(self, client_uuid: str) -> list[str | None]:
        dossier = self.gateway.store.dossier_by_uuid(client_uuid)
        assert dossier is not None
        out: list[str | None] = []
        for file in self.gateway.store.files(dossier.dossier_id):
            if not file.complete or file.stored_path is None:
                out.append(None)
                continue
            data = DirectoryBlobStore(self.data_dir).locate(file.stored_path).read_bytes()
            out.append(hashlib.sha256(data).hexdigest())
        return out


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[InProcessGateway]:
    data_dir = tmp_path / "gateway"
    data_dir.mkdir()
    token = enrol(data_dir, "KIOSK01")
    app = create_app(data_dir, GatewaySettings(), FaultState(), admin=True)
    with BackgroundServer(app) as server:
        yield InProcessGateway(app.state.gateway, server.url, token, data_dir)


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    return Kiosk(tmp_path / "kiosk")


def test_a_file_the_gateway_never_completed_is_sent_again_and_the_dossier_submitted_once(
    kiosk: Kiosk, gateway: InProcessGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    stranded = gateway.strand(monkeypatch, times=1)
    client_uuid = kiosk.enqueue((60_000, 70_000))
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    first = engine.run_once()
    # All bytes sent, yet the gateway calls the file missing: the dossier waits a little.
    assert first.submitted == []
    assert [kind for _, kind, _ in first.failed] == [ErrorKind.TRANSIENT]
    assert len(stranded.stranded) == 1

    drain(engine, kiosk.store)
    row = kiosk.store.find(client_uuid)
    assert row is not None and row.status is QueueStatus.SUBMITTED, row
    assert gateway.registered(client_uuid) == [row.official_code]
    # The stranded upload was left behind; the file went again as a new upload, completed.
    assert len(stranded.stranded) == 1 and len(stranded.completed) == 1
    assert stranded.completed[0] != stranded.stranded[0]
    assert gateway.stored_digests(client_uuid) == kiosk.digests[client_uuid]


def test_files_that_keep_going_missing_back_off_then_need_a_technician(
    kiosk: Kiosk, gateway: InProcessGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    stranded = gateway.strand(monkeypatch, times=None)
    client_uuid = kiosk.enqueue((60_000, 70_000))
    settings = dataclasses.replace(FAST, backoff_base_s=2.0, backoff_cap_s=600.0)
    engine = engine_for(kiosk.store, gateway.url, gateway.token, settings=settings, now=kiosk.clock)
    limit = settings.missing_files_limit
    attempts = []
    for answer in range(1, limit + 1):
        row = kiosk.store.find(client_uuid)
        assert row is not None
        kiosk.clock.t = max(kiosk.clock.t, row.next_attempt_at)
        report = engine.run_once()
        assert report.submitted == []
        row = kiosk.store.find(client_uuid)
        assert row is not None and "missing" in (row.last_error or "")
        attempts.append(row.attempts)
        if answer < limit:
            # Re-sending files the gateway then calls missing again is no progress: the
            # attempts grow, and with them the ceiling of the next delay.
            assert row.error_kind is ErrorKind.TRANSIENT
            delay = row.next_attempt_at - kiosk.clock()
            assert 0 <= delay <= settings.backoff_base_s * 2 ** (row.attempts - 1)
    assert attempts == list(range(1, limit + 1))
    row = kiosk.store.find(client_uuid)
    assert row is not None and row.status is QueueStatus.NEEDS_ATTENTION
    assert row.error_kind is ErrorKind.PERMANENT and "technician" in (row.last_error or "")
    # Each answer was met with a fresh upload of the file, and the loop has ended.
    assert len(stranded.stranded) == limit
    assert engine.next_wakeup() is None
    assert gateway.registered(client_uuid) == [None]
