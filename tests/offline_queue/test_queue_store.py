"""The durable outbox on real SQLite and real files."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from pathlib import Path

import pytest

from offline_queue.crypto import CryptoError, encrypted_size
from offline_queue.limits import EnqueueRefusal
from offline_queue.store import (
    DB_NAME,
    AlertKind,
    ErrorKind,
    PageInput,
    QueueFullError,
    QueueRefusedError,
    QueueStatus,
    QueueStore,
    StoreError,
    StoreFailure,
)
from tests.kiosk.vietnamese import vietnamese
from tests.offline_queue.conftest import APPLICANT, Env, make_body


def test_enqueue_stores_encrypted_body_and_files(env: Env) -> None:
    pages = env.pages(2)
    client_uuid = str(uuid.uuid4())
    result = env.store.enqueue(
        client_uuid=client_uuid,
        receipt_number="KIOSK01-261123-0001",
        procedure_code="1.001193",
        body=make_body(client_uuid, "KIOSK01-261123-0001"),
        pages=pages,
    )
    assert not result.already_queued
    row = env.store.find("KIOSK01-261123-0001")
    assert row is not None
    assert row.status is QueueStatus.QUEUED
    assert (row.file_count, row.sent_files) == (2, 0)
    body = env.store.body(client_uuid)
    assert body["applicant"] == APPLICANT
    files = body["documents"][0]["files"]
    assert [f["name"] for f in files] == ["birth_certificate-1.png", "birth_certificate-2.png"]
    for entry, page in zip(files, pages, strict=True):
        data = page.source.read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    for file, page in zip(env.store.files(client_uuid), pages, strict=True):
        assert file.path.stat().st_size == encrypted_size(file.size)
        with env.store.open_file(file) as reader:
            assert reader.read() == page.source.read_bytes()


def test_no_personal_data_in_plain_text_on_disk(env: Env) -> None:
    env.enqueue()
    env.store.close()
    everything = b"".join(
        p.read_bytes() for p in env.root.joinpath("queue").rglob("*") if p.is_file()
    )
    for secret in ("049158000123", "TRẦN THỊ MẪU", "0912345678", "Bình Phú"):
        assert secret.encode() not in everything


def test_enqueue_is_idempotent_by_client_uuid(env: Env) -> None:
    client_uuid = env.enqueue()
    again = env.store.enqueue(
        client_uuid=client_uuid,
        receipt_number="whatever",
        procedure_code="1.001193",
        body=make_body(client_uuid, "whatever"),
        pages=env.pages(1),
    )
    assert again.already_queued
    assert env.store.counts()["queued"] == 1


def test_enqueue_refuses_bad_input_and_leaves_nothing(env: Env) -> None:
    with pytest.raises(ValueError, match="UUID"):
        env.store.enqueue(
            client_uuid="not-a-uuid", receipt_number="R", procedure_code="x", body={}, pages=[]
        )
    client_uuid = str(uuid.uuid4())
    stray = PageInput(env.pages(1)[0].source, "unknown_doc", "x.png")
    with pytest.raises(QueueRefusedError) as caught:
        env.store.enqueue(
            client_uuid=client_uuid,
            receipt_number="R2",
            procedure_code="1.001193",
            body=make_body(client_uuid, "R2"),
            pages=[stray],
        )
    assert caught.value.reasons == [EnqueueRefusal.PAGE_UNKNOWN_DOCUMENT]
    assert env.store.find(client_uuid) is None
    assert list((env.root / "queue" / "outbox").iterdir()) == []


def test_missing_page_file_is_a_queue_error(env: Env) -> None:
    client_uuid = str(uuid.uuid4())
    page = PageInput(env.root / "nope.png", "birth_certificate", "a.png")
    with pytest.raises(StoreError, match="unreadable"):
        env.store.enqueue(
            client_uuid=client_uuid,
            receipt_number="R",
            procedure_code="1.001193",
            body=make_body(client_uuid, "R"),
            pages=[page],
        )
    assert env.store.find(client_uuid) is None


def test_empty_page_file_is_refused(env: Env) -> None:
    empty = env.root / "empty.png"
    empty.write_bytes(b"")
    client_uuid = str(uuid.uuid4())
    with pytest.raises(QueueRefusedError) as caught:
        env.store.enqueue(
            client_uuid=client_uuid,
            receipt_number="R",
            procedure_code="1.001193",
            body=make_body(client_uuid, "R"),
            pages=[PageInput(empty, "birth_certificate", "a.png")],
        )
    assert caught.value.reasons == [EnqueueRefusal.PAGE_EMPTY]
    assert env.store.find(client_uuid) is None


def test_survives_reopening(env: Env) -> None:
    client_uuid = env.enqueue()
    store = env.reopen()
    assert store.body(client_uuid)["receipt_number"] == env.store.find(client_uuid).receipt_number  # type: ignore[union-attr]
    assert store.check().clean


def test_oldest_due_first_and_backoff_schedule(env: Env) -> None:
    first = env.enqueue()
    env.clock.advance(1)
    second = env.enqueue()
    due = env.store.next_due(env.clock())
    assert due is not None and due.client_uuid == first
    env.store.record_failure(first, ErrorKind.TRANSIENT, "timeout", env.clock() + 60)
    due = env.store.next_due(env.clock())
    assert due is not None and due.client_uuid == second
    assert env.store.next_wakeup() == pytest.approx(env.clock() - 1)
    row = env.store.find(first)
    assert row is not None and row.attempts == 1 and row.status is QueueStatus.QUEUED
    assert row.last_error == "timeout" and row.error_kind is ErrorKind.TRANSIENT
    env.clock.advance(61)
    due = env.store.next_due(env.clock())
    assert due is not None and due.client_uuid == first


def test_permanent_failure_needs_attention_and_retry_brings_it_back(env: Env) -> None:
    client_uuid = env.enqueue()
    env.store.record_failure(client_uuid, ErrorKind.PERMANENT, "HTTP 413", env.clock())
    row = env.store.find(client_uuid)
    assert row is not None and row.status is QueueStatus.NEEDS_ATTENTION
    assert env.store.next_due(env.clock() + 10**6) is None
    assert env.store.body(client_uuid)  # kept, readable
    env.store.retry(row.receipt_number)
    row = env.store.find(client_uuid)
    assert row is not None and row.status is QueueStatus.QUEUED and row.attempts == 0
    assert [h["kind"] for h in env.store.history(client_uuid)] == [
        "enqueued",
        "failed:permanent",
        "retry",
    ]


def test_progress_through_the_states(env: Env) -> None:
    client_uuid = env.enqueue()
    env.store.set_gateway_dossier(client_uuid, "d_1", {0: "f_a", 1: "f_b"})
    assert env.store.find(client_uuid).status is QueueStatus.UPLOADING  # type: ignore[union-attr]
    env.store.set_upload_url(client_uuid, 0, "http://127.0.0.1/api/v1/uploads/u1")
    assert env.store.files(client_uuid)[0].upload_url.endswith("/u1")  # type: ignore[union-attr]
    env.store.mark_file_complete(client_uuid, 0)
    assert env.store.find(client_uuid).status is QueueStatus.UPLOADING  # type: ignore[union-attr]
    env.store.mark_file_complete(client_uuid, 1)
    assert env.store.find(client_uuid).status is QueueStatus.UPLOADED  # type: ignore[union-attr]
    env.store.mark_submitted(client_uuid, "H00.00.00-261123-0001", "2026-11-26")
    row = env.store.find("H00.00.00-261123-0001")
    assert row is not None and row.status is QueueStatus.SUBMITTED
    assert row.appointment_date == "2026-11-26"


def test_rating_is_sealed_and_synced_later(env: Env) -> None:
    client_uuid = env.enqueue()
    env.store.set_gateway_dossier(client_uuid, "d_1", {0: "f_a", 1: "f_b"})
    env.store.mark_submitted(client_uuid, "CODE-1", "2026-11-26")
    assert env.store.next_due(env.clock()) is None
    env.store.record_rating(client_uuid, 5, "Nhanh gọn")
    assert env.store.rating(client_uuid) == {"score": 5, "reason": "Nhanh gọn"}
    due = env.store.next_due(env.clock())
    assert due is not None and due.rating_pending
    env.store.mark_rating_synced(client_uuid)
    assert env.store.next_due(env.clock()) is None
    with pytest.raises(StoreError):
        env.store.record_rating(str(uuid.uuid4()), 3, None)


def test_crypto_erase_after_retention(env: Env) -> None:
    client_uuid = env.enqueue()
    files = env.store.files(client_uuid)
    env.store.mark_submitted(client_uuid, "CODE-1", "2026-11-26")
    env.clock.advance(6 * 86_400)
    assert env.store.erase_delivered(7 * 86_400) == 0
    env.clock.advance(86_400 + 1)
    assert env.store.erase_delivered(7 * 86_400) == 1
    row = env.store.find(client_uuid)
    assert row is not None and row.erased_at is not None and row.official_code == "CODE-1"
    assert not any(f.path.exists() for f in files)
    with pytest.raises(CryptoError, match="erased"):
        env.store.body(client_uuid)
    with sqlite3.connect(env.root / "queue" / DB_NAME) as conn:
        assert conn.execute("SELECT wrapped_key, body FROM dossiers").fetchone() == (None, None)


def test_unsent_dossiers_are_never_erased(env: Env) -> None:
    client_uuid = env.enqueue()
    env.store.record_failure(client_uuid, ErrorKind.PERMANENT, "refused", env.clock())
    env.clock.advance(400 * 86_400)
    assert env.store.erase_delivered(86_400) == 0
    assert env.store.body(client_uuid)


def test_check_quarantines_truncated_files_and_moves_orphans(env: Env) -> None:
    good = env.enqueue()
    bad = env.enqueue()
    damaged = env.store.files(bad)[1].path
    damaged.write_bytes(damaged.read_bytes()[:1000])
    orphan = env.root / "queue" / "outbox" / str(uuid.uuid4())
    orphan.mkdir()
    (orphan / "000.bin").write_bytes(b"half-written")
    report = env.reopen().check()
    assert report.quarantined_rows == [env.store.find(bad).receipt_number]  # type: ignore[union-attr]
    assert report.orphans_moved == [orphan.name]
    assert (env.root / "queue" / "quarantine" / "orphans" / orphan.name / "000.bin").exists()
    row = env.store.find(bad)
    assert row is not None and row.quarantined and row.status is QueueStatus.NEEDS_ATTENTION
    assert "truncated" in (row.last_error or "")
    assert AlertKind.QUARANTINE in env.store.alerts()
    assert env.store.next_due(env.clock()).client_uuid == good  # type: ignore[union-attr]


def test_corrupt_database_is_quarantined_not_dropped(env: Env) -> None:
    env.enqueue()
    env.store.close()
    db = env.root / "queue" / DB_NAME
    db.write_bytes(b"this is not a database" * 100)
    store = QueueStore(env.root / "queue", env.root / "master.key", now=env.clock)
    moved = store.startup_report.database_moved_to
    assert moved is not None and (moved / DB_NAME).read_bytes().startswith(b"this is not")
    assert AlertKind.DATABASE in store.alerts()
    # The lost row is rebuilt from its self-describing folder, readable as before.
    report = store.check()
    assert report.orphans_moved == [] and report.recovered == ["KIOSK01-261123-0001"]
    row = store.find("KIOSK01-261123-0001")
    assert row is not None and row.status is QueueStatus.QUEUED
    assert store.body(row.client_uuid)["receipt_number"] == "KIOSK01-261123-0001"


def test_master_key_rules(env: Env) -> None:
    env.enqueue()
    env.store.close()
    key = env.root / "master.key"
    saved = key.read_bytes()
    key.unlink()
    with pytest.raises(CryptoError, match="missing"):
        QueueStore(env.root / "queue", key, now=env.clock)
    key.write_bytes(b"\x01" * 32)
    with pytest.raises(CryptoError, match="is not the key this outbox was sealed with"):
        QueueStore(env.root / "queue", key, now=env.clock)
    key.write_bytes(saved)
    QueueStore(env.root / "queue", key, now=env.clock).close()


def test_newer_schema_is_refused(env: Env) -> None:
    env.store.close()
    with sqlite3.connect(env.root / "queue" / DB_NAME) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer"):
        QueueStore(env.root / "queue", env.root / "master.key", now=env.clock)


def test_space_reserve_is_enforced(env: Env) -> None:
    store = QueueStore(
        env.root / "queue", env.root / "master.key", now=env.clock, min_free_bytes=10**15
    )
    client_uuid = str(uuid.uuid4())
    with pytest.raises(QueueFullError) as caught:
        store.enqueue(
            client_uuid=client_uuid,
            receipt_number="R",
            procedure_code="1.001193",
            body=make_body(client_uuid, "R"),
            pages=env.pages(1),
        )
    # The outbox gives the reason; the citizen's words for it come from the kiosk side.
    assert caught.value.reason is StoreFailure.DISK_FULL
    assert "bộ nhớ" in vietnamese(caught.value.reason).lower()
    assert store.find(client_uuid) is None


def test_disk_full_mid_enqueue_leaves_nothing_half_written(tiny_disk: Path, env: Env) -> None:
    store = QueueStore(
        tiny_disk / "queue", tiny_disk / "master.key", now=env.clock, min_free_bytes=1
    )
    queued = []
    with pytest.raises(QueueFullError):
        for i in range(20):
            client_uuid = str(uuid.uuid4())
            store.enqueue(
                client_uuid=client_uuid,
                receipt_number=f"R{i}",
                procedure_code="1.001193",
                body=make_body(client_uuid, f"R{i}"),
                pages=env.pages(3, size=40_000),
            )
            queued.append(client_uuid)
    assert queued, "the disk should hold at least one dossier"
    # Everything acknowledged is intact; the failed one left no folder and no row.
    store.close()
    store = QueueStore(tiny_disk / "queue", tiny_disk / "master.key", now=env.clock)
    report = store.check()
    assert report.quarantined_rows == [] and report.orphans_moved == []
    assert store.counts()["queued"] == len(queued)
    for client_uuid in queued:
        for file in store.files(client_uuid):
            with store.open_file(file) as reader:
                assert len(reader.read()) == file.size
