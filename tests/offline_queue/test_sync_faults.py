"""Faults of one dossier, or of one answer, stay with that dossier.

A page file that vanished, a header that does not parse, a bug that raises something nobody
expected, a rating the gateway refuses, an upload the gateway forgot, a file the gateway keeps
finding corrupt: each is recorded against the dossier (or the rating) it belongs to, with its
own backoff or a technician's attention, and the rest of the queue keeps moving. The reference
gateway runs in-process on loopback (real HTTP); where an answer must be one the reference
gateway never gives, the kiosk's transport rewrites that one answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from gateway.app import create_app, enrol
from gateway.faults import FaultState
from gateway.problems import ProblemError, ProblemType
from gateway.server import BackgroundServer
from gateway.settings import GatewaySettings
from offline_queue.store import AlertKind, ErrorKind, QueueStatus
from offline_queue.sync import AUTH_STATUS_KEY, MISSING_STATUS_KEY, SyncEngine
from offline_queue.transport import GatewayError, HttpTransport, Response, parse_retry_after
from tests.offline_queue.sync_support import FAST, Kiosk, drain, engine_for
from tests.offline_queue.test_sync_missing_files import InProcessGateway

Rewrite = Callable[[str, str, bytes | None, Response], Response]


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


class Wire:
    """Every lane's requests (the lanes are clones of one transport), with hooks to change
    what is sent or answered, or to drop the connection before the gateway sees the request."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.mangle_body: Callable[[str, str, bytes], bytes] | None = None
        self.drop: Callable[[str, str], bool] | None = None
        self.rewrite: Rewrite | None = None
        real = HttpTransport.request
        wire = self

        def request(
            transport: HttpTransport,
            method: str,
            path: str,
            *,
            json_body: Any = None,
            data: bytes | None = None,
            headers: Mapping[str, str] | None = None,
        ) -> Response:
            if wire.drop is not None and wire.drop(method, path):
                raise GatewayError(ErrorKind.TRANSIENT, f"{method} {path}: ConnectionError")
            if data and wire.mangle_body is not None:
                data = wire.mangle_body(method, path, data)
            response = real(
                transport, method, path, json_body=json_body, data=data, headers=headers
            )
            if wire.rewrite is not None:
                response = wire.rewrite(method, path, data, response)
            return response

        monkeypatch.setattr(HttpTransport, "request", request)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    return Wire(monkeypatch)


def row_of(kiosk: Kiosk, client_uuid: str) -> Any:
    row = kiosk.store.find(client_uuid)
    assert row is not None
    return row


# --- 1: anything a lane raises is that dossier's failure ---------------------------------------


def test_a_missing_page_file_quarantines_its_dossier_and_the_others_are_delivered(
    kiosk: Kiosk, gateway: InProcessGateway
) -> None:
    broken = kiosk.enqueue((60_000, 70_000))
    others = [kiosk.enqueue((40_000,)) for _ in range(4)]
    (page,) = (kiosk.root / "queue").rglob(f"{broken}/000.bin")
    page.unlink()
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    drain(engine, kiosk.store)
    for client_uuid in others:
        row = row_of(kiosk, client_uuid)
        assert row.status is QueueStatus.SUBMITTED, row
        assert gateway.registered(client_uuid) == [row.official_code]
    row = row_of(kiosk, broken)
    assert row.status is QueueStatus.NEEDS_ATTENTION
    assert row.error_kind is ErrorKind.CORRUPT and row.quarantined
    assert AlertKind.QUARANTINE in kiosk.store.alerts()


def test_an_unexpected_error_backs_off_its_dossier_only(
    kiosk: Kiosk, gateway: InProcessGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = kiosk.enqueue((30_000,))
    other = kiosk.enqueue((30_000,))
    real_body = kiosk.store.body

    def body(client_uuid: str) -> dict[str, Any]:
        if client_uuid == broken:
            raise RecursionError("maximum recursion depth exceeded while decoding JSON")
        return real_body(client_uuid)

    monkeypatch.setattr(kiosk.store, "body", body)
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    report = engine.run_once()
    assert report.submitted == [row_of(kiosk, other).receipt_number]
    assert [kind for _, kind, _ in report.failed] == [ErrorKind.TRANSIENT]
    row = row_of(kiosk, broken)
    assert row.status is QueueStatus.QUEUED and row.attempts == 1
    assert "RecursionError" in (row.last_error or "")
    assert row.next_attempt_at > kiosk.clock()
    # Its backoff is its own: the engine is not paused for the others.
    assert engine.next_wakeup() == row.next_attempt_at
    monkeypatch.setattr(kiosk.store, "body", real_body)
    drain(engine, kiosk.store)
    assert row_of(kiosk, broken).status is QueueStatus.SUBMITTED


@pytest.mark.parametrize(
    ("header", "value"), [("upload-offset", "\u00b2"), ("location", "http://[::1/x")]
)
def test_an_answer_with_a_header_that_does_not_parse_is_a_retry_of_that_dossier(
    kiosk: Kiosk, gateway: InProcessGateway, wire: Wire, header: str, value: str
) -> None:
    broken = kiosk.enqueue((60_000,))
    other = kiosk.enqueue((30_000, 30_000))
    # The two dossiers upload on lanes of their own, so the first tus creation on the wire may be
    # either's: the spoiled answer is aimed at the broken dossier's by the bytes it carries.
    page = (kiosk.root / "scans" / f"{broken}-0.png").read_bytes()
    spoiled: list[str] = []

    def rewrite(method: str, path: str, data: bytes | None, response: Response) -> Response:
        if (
            method == "POST"
            and path.endswith("/uploads")
            and data
            and page.startswith(data)
            and not spoiled
        ):
            spoiled.append(path)
            return dataclasses.replace(response, headers={**response.headers, header: value})
        return response

    wire.rewrite = rewrite
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    report = engine.run_once()
    assert spoiled
    assert report.submitted == [row_of(kiosk, other).receipt_number]
    assert [(receipt, kind) for receipt, kind, _ in report.failed] == [
        (row_of(kiosk, broken).receipt_number, ErrorKind.TRANSIENT)
    ]
    assert report.stopped_by is None
    wire.rewrite = None
    drain(engine, kiosk.store)
    for client_uuid in (broken, other):
        row = row_of(kiosk, client_uuid)
        assert row.status is QueueStatus.SUBMITTED
        assert gateway.stored_digests(client_uuid) == kiosk.digests[client_uuid]


def test_a_retry_after_that_is_not_ascii_digits_is_ignored() -> None:
    assert parse_retry_after("\u00b2", 0.0) is None
    assert parse_retry_after("\u0663", 0.0) is None  # an Arabic-Indic three
    assert parse_retry_after("12", 0.0) == 12.0


# --- 4: the rating is its own step --------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 422])
def test_a_refused_rating_leaves_the_dossier_delivered(
    kiosk: Kiosk, gateway: InProcessGateway, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    client_uuid = kiosk.enqueue((30_000,))
    kiosk.store.record_rating(client_uuid, 5, None)

    def refuse(dossier_id: str, rating: dict[str, Any]) -> None:
        raise ProblemError(status, ProblemType.INVALID_REQUEST, "no rating for this dossier")

    monkeypatch.setattr(gateway.gateway.store, "set_rating", refuse)
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    report = engine.run_once()
    row = row_of(kiosk, client_uuid)
    assert row.status is QueueStatus.SUBMITTED, row
    assert report.submitted == [row.receipt_number]
    assert gateway.registered(client_uuid) == [row.official_code]
    # The refusal is the rating's: it is dropped, nothing is left to do.
    assert not row.rating_pending
    assert engine.next_wakeup() is None


def test_a_rating_lost_on_the_link_is_sent_later_and_the_dossier_stays_delivered(
    kiosk: Kiosk, gateway: InProcessGateway, wire: Wire
) -> None:
    client_uuid = kiosk.enqueue((30_000,))
    kiosk.store.record_rating(client_uuid, 4, "nhanh")
    wire.drop = lambda method, path: path.endswith("/rating")
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    report = engine.run_once()
    row = row_of(kiosk, client_uuid)
    assert report.submitted == [row.receipt_number]
    assert row.status is QueueStatus.SUBMITTED and row.rating_pending
    wire.drop = None
    drain(engine, kiosk.store)
    row = row_of(kiosk, client_uuid)
    assert row.status is QueueStatus.SUBMITTED and not row.rating_pending
    dossier = gateway.gateway.store.dossier_by_uuid(client_uuid)
    assert dossier is not None and dossier.rating is not None


# --- 3: per-dossier conditions are not link drops ----------------------------------------------


def test_an_upload_the_gateway_forgot_restarts_that_dossier_only(
    kiosk: Kiosk, gateway: InProcessGateway, wire: Wire
) -> None:
    forgotten = kiosk.enqueue((120_000,))
    other = kiosk.enqueue((30_000, 30_000))
    # Aimed at the forgotten dossier's upload by the bytes it carries: the other dossier's pages
    # upload on a lane of their own and could send the first PATCH with smaller chunks.
    page = (kiosk.root / "scans" / f"{forgotten}-0.png").read_bytes()
    answered: list[str] = []

    def rewrite(method: str, path: str, data: bytes | None, response: Response) -> Response:
        if method == "PATCH" and data and data in page and not answered:
            answered.append(path)
            return Response(404, {"content-type": "application/problem+json"}, b"{}")
        return response

    wire.rewrite = rewrite
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    report = engine.run_once()
    assert answered
    assert report.stopped_by is None
    assert report.submitted == [row_of(kiosk, other).receipt_number]
    assert [(receipt, kind) for receipt, kind, _ in report.failed] == [
        (row_of(kiosk, forgotten).receipt_number, ErrorKind.TRANSIENT)
    ]
    assert engine.pause_until == 0.0
    wire.rewrite = None
    drain(engine, kiosk.store)
    assert row_of(kiosk, forgotten).status is QueueStatus.SUBMITTED
    assert gateway.stored_digests(forgotten) == kiosk.digests[forgotten]


# --- 6: an auth probe that gets no answer is not a refusal --------------------------------------


def test_an_auth_probe_lost_on_the_link_does_not_grow_the_probe_backoff(
    kiosk: Kiosk, gateway: InProcessGateway, wire: Wire
) -> None:
    client_uuid = kiosk.enqueue((30_000,))
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    engine.auth.raise_alert("HTTP 401")
    wire.drop = lambda method, path: path.endswith("kiosks/heartbeat")
    for _ in range(6):
        wake = engine.next_wakeup()
        assert wake is not None
        kiosk.clock.t = max(kiosk.clock.t, wake)
        report = engine.run_once()
        assert report.submitted == []
        probe = kiosk.store.read_status(AUTH_STATUS_KEY)
        assert probe is not None and probe["probes"] == 0, probe
        assert probe["next_at"] - kiosk.clock() <= FAST.backoff_cap_s
    wire.drop = None
    wake = engine.next_wakeup()
    assert wake is not None
    kiosk.clock.t = max(kiosk.clock.t, wake)
    report = engine.run_once()
    assert AlertKind.AUTH not in kiosk.store.alerts()
    assert report.submitted == [row_of(kiosk, client_uuid).receipt_number]


# --- 2: a file the gateway keeps finding corrupt ------------------------------------------------


def test_a_file_that_keeps_failing_the_whole_file_check_backs_off_then_needs_attention(
    kiosk: Kiosk, gateway: InProcessGateway, wire: Wire
) -> None:
    client_uuid = kiosk.enqueue((60_000,))

    def flip(method: str, path: str, data: bytes) -> bytes:
        # Corrupted on the way, unseen by TCP: the gateway's SHA-256 of the whole file fails.
        return bytes([data[0] ^ 1]) + data[1:] if "/uploads" in path else data

    wire.mangle_body = flip
    settings = dataclasses.replace(FAST, backoff_base_s=2.0, backoff_cap_s=600.0)
    engine = engine_for(kiosk.store, gateway.url, gateway.token, settings=settings, now=kiosk.clock)
    attempts = []
    for _ in range(settings.missing_files_limit + 3):
        row = row_of(kiosk, client_uuid)
        if row.status is QueueStatus.NEEDS_ATTENTION:
            break
        kiosk.clock.t = max(kiosk.clock.t, row.next_attempt_at, engine.pause_until)
        engine.run_once()
        attempts.append(row_of(kiosk, client_uuid).attempts)
    row = row_of(kiosk, client_uuid)
    assert row.status is QueueStatus.NEEDS_ATTENTION, row
    assert row.error_kind is ErrorKind.PERMANENT and "SHA-256" in (row.last_error or "")
    assert attempts == list(range(1, settings.missing_files_limit + 1))
    assert engine.next_wakeup() is None


def test_a_file_failing_the_whole_file_check_is_not_progress_for_its_dossier(
    kiosk: Kiosk, gateway: InProcessGateway, wire: Wire
) -> None:
    # Another of the dossier's files arriving must not reset the backoff while this one keeps
    # failing: the uploader has to see the mismatch recorded under the file's context.
    client_uuid = kiosk.enqueue((60_000,))
    wire.mangle_body = lambda method, path, data: (
        bytes([data[0] ^ 1]) + data[1:] if "/uploads" in path else data
    )
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    assert not engine.uploader.keeps_failing(client_uuid)
    engine.run_once()
    assert row_of(kiosk, client_uuid).attempts == 1
    assert engine.uploader.keeps_failing(client_uuid)


# --- 5: only a files-incomplete answer names missing files -------------------------------------


def test_a_conflict_that_is_not_files_incomplete_does_not_resend_the_files(
    kiosk: Kiosk, gateway: InProcessGateway, wire: Wire
) -> None:
    client_uuid = kiosk.enqueue((30_000, 30_000))
    conflicts: list[str] = []

    def rewrite(method: str, path: str, data: bytes | None, response: Response) -> Response:
        if path.endswith("/finalize") and not conflicts:
            conflicts.append(path)
            return Response(409, {"content-type": "text/html"}, b"<html>Conflict</html>")
        return response

    wire.rewrite = rewrite
    engine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    report = engine.run_once()
    assert conflicts and report.submitted == []
    assert all(f.complete for f in kiosk.store.files(client_uuid))
    assert not (kiosk.store.read_status(MISSING_STATUS_KEY) or {}).get(client_uuid)
    sent = engine.transport.bytes_sent
    drain(engine, kiosk.store)
    assert row_of(kiosk, client_uuid).status is QueueStatus.SUBMITTED
    assert engine.transport.bytes_sent == sent  # finalize again, no page sent twice


# --- 7: a garbage OPTIONS answer is not remembered ---------------------------------------------


def test_an_options_answer_without_tus_resumable_is_asked_again(
    kiosk: Kiosk, gateway: InProcessGateway, wire: Wire
) -> None:
    wire.rewrite = lambda method, path, data, response: (
        Response(200, {}, b"") if method == "OPTIONS" else response
    )
    engine: SyncEngine = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    assert not engine.uploader.supports_creation_with_upload(engine.transport)
    wire.rewrite = None
    assert engine.uploader.supports_creation_with_upload(engine.transport)
