"""The technician audit log: append-only in the outbox database, masked, durable across reopening
and upgrading; delivered by the sync engine to a gateway that implements ``POST /api/v1/audit``
(a small server here, to the contract: the real endpoint is being built beside this), in batches,
idempotently, and never in the dossiers' way."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dvc_common.clock import VIETNAM
from dvc_common.protocol import DEFAULT_LIMITS
from offline_queue.audit import DETAIL_MAX, PIN_ACTOR, AuditKind, AuditLog
from offline_queue.database import SCHEMA_VERSION
from offline_queue.records import QueueStatus
from offline_queue.service import pass_summary
from offline_queue.store import QueueStore
from offline_queue.sync import (
    AUDIT_BATCH,
    AuditOutcome,
    AuditReport,
    AuditSender,
    Backoff,
    PassReport,
    SyncEngine,
)
from offline_queue.transport import HttpTransport
from simulators.gateway_process import GatewayProcess
from tests.offline_queue.conftest import Env
from tests.offline_queue.sync_support import FAST, FAULTS_OFF, Kiosk, engine_for, held

AT = datetime(2026, 11, 23, 9, 0, tzinfo=VIETNAM)
TOKEN = "audit-test-token"
ID_NUMBER = "049085001234"


def record(store: QueueStore, n: int, kind: AuditKind = AuditKind.TEST) -> list[str]:
    return [
        store.record_audit(kind, "Lê Văn Kỹ Thuật", f"check {i}", AT + timedelta(seconds=i)).id
        for i in range(n)
    ]


# --- the log -------------------------------------------------------------------------------------


def test_record_pending_deliver_recent(env: Env) -> None:
    log = AuditLog(env.store._db)
    first = log.record(AuditKind.ENTRY, PIN_ACTOR, "PIN", AT)
    second = log.record(AuditKind.SETTING_CHANGED, "Trần Kỹ", "session.idle_s 90 → 120", AT)
    assert first.id != second.id
    assert [e.id for e in log.pending(10)] == [first.id, second.id]  # oldest first
    assert [e.id for e in log.pending(1)] == [first.id]
    assert [e.id for e in log.recent(10)] == [second.id, first.id]  # newest first
    assert log.pending_count() == 2

    assert log.mark_delivered([first.id]) == 1
    assert log.mark_delivered([first.id]) == 0  # marked once; the first time stays
    (delivered,) = [e for e in log.recent(10) if e.id == first.id]
    assert delivered.delivered_at == datetime.fromtimestamp(env.clock(), UTC)
    assert [e.id for e in log.pending(10)] == [second.id]

    wire = second.to_wire()
    assert wire == {
        "id": second.id,
        "at": "2026-11-23T09:00:00+07:00",
        "kind": "setting_changed",
        "actor": "Trần Kỹ",
        "detail": "session.idle_s 90 → 120",
    }


def test_id_numbers_are_masked_and_texts_bounded(env: Env) -> None:
    event = env.store.record_audit(
        AuditKind.EXPORT,
        f"Kỹ thuật viên {ID_NUMBER} " + "x" * 200,
        f"citizen {ID_NUMBER} asked; " + "y" * 1000,
        AT,
    )
    stored = env.store.recent_audit(1)[0]
    for text in (event.actor, event.detail, stored.actor, stored.detail):
        assert ID_NUMBER not in text
    assert "********1234" in stored.detail and "********1234" in stored.actor
    assert len(stored.detail) == DETAIL_MAX and stored.detail.endswith("…")
    assert len(stored.actor) == 80  # what the gateway takes


def test_a_time_without_a_zone_is_refused(env: Env) -> None:
    with pytest.raises(ValueError, match="time zone"):
        env.store.record_audit(AuditKind.ENTRY, PIN_ACTOR, "PIN", AT.replace(tzinfo=None))
    assert env.store.recent_audit(10) == []


def test_the_log_is_append_only(env: Env) -> None:
    (event_id,) = record(env.store, 1)
    conn = env.store._db.conn
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit SET detail = 'nothing happened' WHERE id = ?", (event_id,))
    env.store.mark_audit_delivered([event_id])
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit SET delivered_at = 0 WHERE id = ?", (event_id,))
    (kept,) = env.store.recent_audit(5)
    assert kept.detail == "check 0" and kept.delivered_at is not None


def test_an_unknown_kind_written_by_newer_software_is_kept_as_it_is(env: Env) -> None:
    with env.store.transaction() as conn:
        conn.execute(
            "INSERT INTO audit (id, at, kind, actor, detail) VALUES (?, ?, ?, ?, ?)",
            ("5b0c7c3e-0000-4000-8000-000000000001", AT.isoformat(), "firmware", "PIN", "-"),
        )
    (event,) = env.store.pending_audit(5)
    assert event.kind == "firmware" and event.to_wire()["kind"] == "firmware"


def test_events_survive_reopening(env: Env) -> None:
    ids = record(env.store, 3)
    env.store.mark_audit_delivered(ids[:1])
    store = env.reopen()
    assert [e.id for e in store.pending_audit(10)] == ids[1:]
    assert [e.id for e in store.recent_audit(10)] == ids[::-1]


def test_a_version_1_outbox_is_upgraded_in_place(env: Env) -> None:
    client_uuid = env.enqueue()
    env.store.close()
    # Back to what issue 12's software wrote: no export columns, no audit table.
    conn = sqlite3.connect(env.root / "queue" / "queue.sqlite3")
    conn.executescript(
        "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_no_rewrite; DROP TABLE audit;"
        "ALTER TABLE dossiers DROP COLUMN exported_at;"
        "ALTER TABLE dossiers DROP COLUMN export_file;"
        "UPDATE meta SET value = '1' WHERE key = 'schema_version';"
    )
    conn.close()
    store = QueueStore(env.root / "queue", env.root / "master.key", now=env.clock)
    env.store = store
    assert store.startup_report.database_moved_to is None  # upgraded, not taken for damage
    version = store._db.conn.execute(
        "SELECT value FROM meta WHERE key = 'schema_version'"
    ).fetchone()[0]
    assert int(version) == SCHEMA_VERSION == 3
    row = store.find(client_uuid)
    assert row is not None and row.status is QueueStatus.QUEUED
    assert store.body(client_uuid)["client_uuid"] == client_uuid
    assert store.export_mark(client_uuid) is None
    record(store, 1)
    assert len(store.pending_audit(5)) == 1


# --- a gateway implementing POST /api/v1/audit ----------------------------------------------------


@dataclass
class AuditGateway:
    """The endpoint's contract: bearer token, ``{"events": [...]}`` of at most 500, answer
    ``{"stored": n, "duplicates": m}``; events kept by id."""

    url: str = ""
    mode: str = "ok"  # ok | lose_answer_once | not_found | error | portal
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    batches: list[list[str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)  # every request body's length, in bytes
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        gateway = self.server.gateway
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        gateway.sizes.append(len(body))
        if len(body) > DEFAULT_LIMITS.max_body_bytes:  # as the real gateway's middleware
            self._answer(413, b'{"title": "Payload Too Large"}', "application/problem+json")
            return
        if gateway.mode == "not_found" or self.path != "/api/v1/audit":
            self._answer(404, b'{"title": "Not Found"}', "application/problem+json")
            return
        if gateway.mode == "error":
            self._answer(500, b'{"title": "boom"}', "application/problem+json")
            return
        if gateway.mode == "portal":
            self._answer(200, b"<html>Sign in to the Wi-Fi</html>", "text/html")
            return
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._answer(401, b"{}")
            return
        events = json.loads(body)["events"]
        with gateway.lock:
            if not 1 <= len(events) <= AUDIT_BATCH or any(
                set(e) != {"id", "at", "kind", "actor", "detail"} for e in events
            ):
                gateway.refused.append(self.path)
                self._answer(422, b"{}")
                return
            gateway.batches.append([e["id"] for e in events])
            new = [e for e in events if e["id"] not in gateway.events]
            gateway.events.update({e["id"]: e for e in new})
            lose = gateway.mode == "lose_answer_once"
            if lose:
                gateway.mode = "ok"
        if lose:  # stored, but the answer never reaches the kiosk
            self.close_connection = True
            return
        answer = {"stored": len(new), "duplicates": len(events) - len(new)}
        self._answer(200, json.dumps(answer).encode())


class _Server(ThreadingHTTPServer):
    gateway: AuditGateway


@pytest.fixture
def audit_gateway() -> Iterator[AuditGateway]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.gateway = AuditGateway(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.gateway
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    kiosk = Kiosk(tmp_path / "kiosk")
    yield kiosk
    kiosk.store.close()


def engine(kiosk: Kiosk, gateway: AuditGateway) -> SyncEngine:
    transport = HttpTransport(gateway.url, TOKEN, connect_timeout_s=2.0, read_timeout_s=5.0)
    return SyncEngine(kiosk.store, transport, FAST, rng=random.Random(3), now=kiosk.clock)


def test_delivered_in_batches_of_at_most_500(kiosk: Kiosk, audit_gateway: AuditGateway) -> None:
    ids = record(kiosk.store, 1203)
    sync = engine(kiosk, audit_gateway)
    report = sync.deliver_audit()
    assert (report.outcome, report.delivered, report.duplicates) == (
        AuditOutcome.DELIVERED,
        1203,
        0,
    )
    assert [len(b) for b in audit_gateway.batches] == [500, 500, 203]
    assert [i for b in audit_gateway.batches for i in b] == ids  # oldest first, each once
    assert kiosk.store.pending_audit(10) == []
    sent = audit_gateway.events[ids[0]]
    assert sent == {
        "id": ids[0],
        "at": "2026-11-23T09:00:00+07:00",
        "kind": "test",
        "actor": "Lê Văn Kỹ Thuật",
        "detail": "check 0",
    }
    # Nothing waits: no request at all.
    assert sync.deliver_audit().outcome is AuditOutcome.NOTHING
    assert len(audit_gateway.batches) == 3


def test_long_details_go_in_smaller_batches_under_the_body_limit(
    kiosk: Kiosk, audit_gateway: AuditGateway
) -> None:
    # 500 events of 500 characters of Vietnamese would be some 700 KB: refused (413) every
    # time the same oldest batch was sent again, had the sender not cut it to fit.
    detail = ("Đổi máy in sang cổng mạng, thử in trang kiểm tra. " * 12)[:500]
    for i in range(600):
        kiosk.store.record_audit(
            AuditKind.TEST, "Lê Văn Kỹ Thuật", detail, AT + timedelta(seconds=i)
        )
    sync = engine(kiosk, audit_gateway)
    delivered = 0
    for _ in range(5):
        delivered += sync.deliver_audit().delivered
        if not kiosk.store.pending_audit(1):
            break
    assert delivered == 600 and kiosk.store.pending_audit(1) == []
    assert max(audit_gateway.sizes) <= DEFAULT_LIMITS.max_body_bytes
    assert len(audit_gateway.batches[0]) < 500  # cut to fit, not 500 + 100


def test_one_delivery_sends_a_bounded_number_of_batches(
    kiosk: Kiosk, audit_gateway: AuditGateway
) -> None:
    record(kiosk.store, 25)
    sender = AuditSender(
        kiosk.store,
        HttpTransport(audit_gateway.url, TOKEN),
        Backoff(1.0, 10.0, random.Random(1)),
        kiosk.clock,
        batch=10,
    )
    first = sender.send(max_batches=2)
    assert (first.outcome, first.delivered) == (AuditOutcome.MORE, 20)
    second = sender.send(max_batches=2)
    assert (second.outcome, second.delivered) == (AuditOutcome.DELIVERED, 5)
    assert [len(b) for b in audit_gateway.batches] == [10, 10, 5]


def test_a_batch_sent_again_after_a_lost_answer_is_stored_once(
    kiosk: Kiosk, audit_gateway: AuditGateway
) -> None:
    ids = record(kiosk.store, 7)
    sync = engine(kiosk, audit_gateway)
    audit_gateway.mode = "lose_answer_once"
    lost = sync.deliver_audit()
    assert lost.outcome is AuditOutcome.FAILED
    assert len(audit_gateway.events) == 7  # the gateway has them...
    assert [e.id for e in kiosk.store.pending_audit(10)] == ids  # ...the kiosk cannot know
    assert kiosk.store.alerts() == {}
    # Backs off on its own schedule (full jitter, seeded here), within the configured cap.
    assert kiosk.clock() < sync.audit.next_attempt_at <= kiosk.clock() + FAST.backoff_cap_s
    assert sync.deliver_audit().outcome is AuditOutcome.NOT_DUE
    assert len(audit_gateway.batches) == 1
    kiosk.clock.advance(FAST.backoff_cap_s)
    again = sync.deliver_audit()
    assert (again.outcome, again.delivered, again.duplicates) == (AuditOutcome.DELIVERED, 7, 7)
    assert audit_gateway.batches == [ids, ids]  # the same batch, as it was
    assert len(audit_gateway.events) == 7
    assert kiosk.store.pending_audit(10) == []


def test_an_older_gateway_without_the_endpoint_keeps_them_pending_quietly(
    kiosk: Kiosk, audit_gateway: AuditGateway
) -> None:
    ids = record(kiosk.store, 3)
    sync = engine(kiosk, audit_gateway)
    audit_gateway.mode = "not_found"
    report = sync.deliver_audit()
    assert report.outcome is AuditOutcome.UNSUPPORTED
    assert [e.id for e in kiosk.store.pending_audit(10)] == ids
    assert kiosk.store.alerts() == {}
    # Not asked again at every pass: an hour later.
    assert sync.audit.next_attempt_at == kiosk.clock() + 3600
    assert sync.deliver_audit().outcome is AuditOutcome.NOT_DUE
    audit_gateway.mode = "ok"  # the gateway is upgraded
    kiosk.clock.advance(3599)
    assert sync.deliver_audit().outcome is AuditOutcome.NOT_DUE
    kiosk.clock.advance(1)
    assert sync.deliver_audit().delivered == 3
    assert audit_gateway.batches == [ids]


@pytest.mark.parametrize("mode", ["error", "portal"])
def test_a_failing_gateway_backs_off_and_keeps_them(
    kiosk: Kiosk, audit_gateway: AuditGateway, mode: str
) -> None:
    ids = record(kiosk.store, 2)
    sync = engine(kiosk, audit_gateway)
    audit_gateway.mode = mode  # 500, or a captive portal's 200 with a web page
    report = sync.deliver_audit()
    assert report.outcome is AuditOutcome.FAILED
    assert report.error is not None
    assert ("HTTP 500" if mode == "error" else "not JSON") in report.error
    assert [e.id for e in kiosk.store.pending_audit(10)] == ids
    assert kiosk.store.alerts() == {}
    assert sync.pause_until == 0.0  # the dossiers' link pacing is untouched
    audit_gateway.mode = "ok"
    kiosk.clock.advance(FAST.backoff_cap_s)
    assert sync.deliver_audit().delivered == 2


def test_due_dossiers_go_first(kiosk: Kiosk, audit_gateway: AuditGateway) -> None:
    record(kiosk.store, 3)
    kiosk.enqueue((1000,))  # due now
    sync = engine(kiosk, audit_gateway)
    report = sync.deliver_audit()
    assert report.outcome is AuditOutcome.YIELDED
    assert audit_gateway.batches == []  # not one request
    assert len(kiosk.store.pending_audit(10)) == 3


def test_a_refused_token_stops_the_audit_too(kiosk: Kiosk, audit_gateway: AuditGateway) -> None:
    record(kiosk.store, 1)
    sync = engine(kiosk, audit_gateway)
    sync.auth.raise_alert("HTTP 401")  # the dossiers' gate: the heartbeat probes for it
    assert sync.deliver_audit().outcome is AuditOutcome.NOT_DUE
    assert audit_gateway.batches == []


def test_the_once_summary_says_what_the_audit_came_to() -> None:
    summary = pass_summary(PassReport(), {"queued": 0}, None)
    assert "audit" not in summary
    summary = pass_summary(PassReport(), {"queued": 0}, AuditReport(AuditOutcome.DELIVERED, 4))
    assert summary["audit"] == {"outcome": "delivered", "delivered": 4}


# --- beside the dossiers, in the sync process's loop ---------------------------------------------


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(tmp_path_factory.mktemp("gateway"))
    process.set_faults(**FAULTS_OFF)
    yield process
    process.stop()


@pytest.mark.parametrize("mode", ["not_found", "error", "ok"])
def test_the_sync_loop_delivers_dossiers_whatever_the_audit_endpoint_does(
    kiosk: Kiosk, gateway: GatewayProcess, audit_gateway: AuditGateway, mode: str
) -> None:
    # The dossiers go to the reference gateway; the audit requests to the contract server (the
    # engine's sender is pointed there), which answers 404, 500 or 200.
    ids = record(kiosk.store, 3)
    client_uuid = kiosk.enqueue((70_000, 5000))
    sync = engine_for(kiosk.store, gateway.url, gateway.token, now=kiosk.clock)
    sync.audit = AuditSender(
        kiosk.store,
        HttpTransport(audit_gateway.url, TOKEN),
        Backoff(FAST.backoff_base_s, FAST.backoff_cap_s, random.Random(2)),
        kiosk.clock,
    )
    audit_gateway.mode = mode
    passes: list[bool] = []

    def stop(_timeout: float) -> bool:
        passes.append(True)
        return True  # one turn of the loop

    sync.run(stop)
    assert passes == [True]
    row = kiosk.store.find(client_uuid)
    assert row is not None and row.status is QueueStatus.SUBMITTED
    assert len(held(gateway, client_uuid)) == 1
    assert kiosk.store.alerts() == {}
    pending = [e.id for e in kiosk.store.pending_audit(10)]
    assert sync.last_audit is not None
    if mode == "ok":
        assert (pending, sync.last_audit.outcome) == ([], AuditOutcome.DELIVERED)
        assert audit_gateway.batches == [ids]
    else:
        assert pending == ids
        expected = AuditOutcome.UNSUPPORTED if mode == "not_found" else AuditOutcome.FAILED
        assert sync.last_audit.outcome is expected
