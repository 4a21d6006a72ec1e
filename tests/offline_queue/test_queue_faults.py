"""Ordinary storage faults never lose an accepted dossier.

Real faults, made here: a second SQLite connection holding the lock, a full tmpfs, bytes flipped
in the real database file (header, b-tree page, schema), a schema that is not UTF-8, a deleted
or damaged master key, concurrent first opens in real processes, and a sweep racing an enqueue.
"""

from __future__ import annotations

import errno
import json
import logging
import multiprocessing
import os
import sqlite3
import threading
import uuid
from pathlib import Path

import pytest

from dvc_common.protocol import DEFAULT_LIMITS, ProtocolLimits
from offline_queue import crypto
from offline_queue.limits import EnqueueRefusal
from offline_queue.recovery import MANIFEST_NAME
from offline_queue.store import (
    DB_NAME,
    AlertKind,
    MasterKeyError,
    PageInput,
    QueueFullError,
    QueueRefusedError,
    QueueStatus,
    QueueStore,
    QueueUnavailableError,
    StoreError,
)
from simulators.gateway_process import GatewayProcess
from tests.offline_queue.conftest import Clock, Env, make_body
from tests.offline_queue.sync_support import drain, engine_for


def _open(root: Path, clock: Clock | None = None, **kwargs: object) -> QueueStore:
    return QueueStore(root / "queue", root / "master.key", now=clock or Clock(), **kwargs)  # type: ignore[arg-type]


def _quarantine(root: Path) -> list[Path]:
    folder = root / "queue" / "quarantine"
    return sorted(folder.rglob("*")) if folder.exists() else []


def _readable(store: QueueStore, client_uuid: str) -> bool:
    store.body(client_uuid)
    for file in store.files(client_uuid):
        with store.open_file(file) as reader:
            if len(reader.read()) != file.size:
                return False
    return True


# --- transient conditions are reported, never quarantined -------------------------------------


def test_a_lock_held_past_the_timeout_is_reported_and_moves_nothing(env: Env) -> None:
    kept = [env.enqueue(), env.enqueue()]
    env.store.close()
    holder = sqlite3.connect(env.root / "queue" / DB_NAME, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(QueueUnavailableError, match="nothing was moved"):
            _open(env.root, busy_timeout_s=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (env.root / "queue" / DB_NAME).exists()
    assert _quarantine(env.root) == []
    store = _open(env.root)
    assert store.counts()["queued"] == 2
    assert all(_readable(store, u) for u in kept)
    assert store.check().clean


def _fill(directory: Path) -> Path:
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_at_open_never_moves_the_queue(tiny_disk: Path, tmp_path: Path) -> None:
    env = Env(tiny_disk, Clock(), _open(tiny_disk, min_free_bytes=1))
    kept = [env.enqueue(size=20_000), env.enqueue(size=20_000)]
    env.store.close()
    filler = _fill(tiny_disk)
    for _ in range(4):  # the check found the database moved four times in a row
        try:
            store = _open(tiny_disk)
        except StoreError as exc:
            # Reported as a condition, never as damage.
            assert isinstance(exc, QueueFullError | QueueUnavailableError), exc
        else:
            assert store.counts()["queued"] == 2
            assert [r.client_uuid for r in store.list_dossiers()] == kept[::-1]
            store.close()
        assert (tiny_disk / "queue" / DB_NAME).exists()
        assert _quarantine(tiny_disk) == []
    filler.unlink()
    store = _open(tiny_disk)
    report = store.check()
    assert report.clean, report
    assert store.counts()["queued"] == 2
    assert all(_readable(store, u) for u in kept)


# --- proven corruption: quarantined, then rebuilt from the folders -----------------------------


def _flip(path: Path, offset: int, length: int = 16) -> None:
    data = bytearray(path.read_bytes())
    for i in range(offset, min(offset + length, len(data))):
        data[i] ^= 0xA5
    path.write_bytes(bytes(data))


def _corrupt_header(db: Path) -> None:
    _flip(db, 0)


def _corrupt_btree(db: Path) -> None:
    # Page 2 onwards hold the tables' b-trees (page size from the header).
    page = int.from_bytes(db.read_bytes()[16:18], "big")
    for n in range(1, db.stat().st_size // page):
        _flip(db, n * page, 24)


def _corrupt_schema(db: Path) -> None:
    data = db.read_bytes()
    at = data.find(b"CREATE TABLE dossiers")
    assert at > 0
    _flip(db, at + 7, 12)


def _non_utf8_schema(db: Path) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = CAST(sql || X'FF' AS TEXT) WHERE name = 'status'")
    conn.close()


@pytest.mark.parametrize(
    "damage", [_corrupt_header, _corrupt_btree, _corrupt_schema, _non_utf8_schema]
)
def test_a_corrupted_database_loses_no_dossier(env: Env, damage: object) -> None:
    kept = [env.enqueue() for _ in range(5)]
    env.store.record_rating(kept[0], 5, "Nhanh")
    receipts = {u: env.store.find(u).receipt_number for u in kept}  # type: ignore[union-attr]
    env.store.close()
    db = env.root / "queue" / DB_NAME
    damage(db)  # type: ignore[operator]
    store = _open(env.root)
    assert store.startup_report.database_moved_to is not None
    assert AlertKind.DATABASE in store.alerts()
    report = store.check()
    assert sorted(report.recovered) == sorted(receipts.values())
    assert report.orphans_moved == []
    for client_uuid in kept:
        row = store.find(client_uuid)
        assert row is not None and row.receipt_number == receipts[client_uuid]
        assert row.status in (QueueStatus.QUEUED, QueueStatus.UPLOADING)
        assert _readable(store, client_uuid)
    assert store.rating(kept[0]) == {"score": 5, "reason": "Nhanh"}
    # A second look finds nothing more to do.
    assert store.recover().recovered == []


def test_recover_brings_back_folders_already_moved_to_quarantine(env: Env) -> None:
    kept = [env.enqueue() for _ in range(3)]
    # The first was half-way through its upload when the database was lost.
    env.store.set_gateway_dossier(kept[0], "gw-dossier-1", {0: "gw-file-0", 1: "gw-file-1"})
    env.store.mark_file_complete(kept[0], 0)
    env.store.set_upload_url(kept[0], 1, "https://gateway.example/api/v1/uploads/abc")
    env.store.close()
    db = env.root / "queue" / DB_NAME
    # What the previous release did: the database quarantined, the folders moved as orphans.
    orphans = env.root / "queue" / "quarantine" / "orphans"
    orphans.mkdir(parents=True)
    for client_uuid in kept:
        (env.root / "queue" / "outbox" / client_uuid).rename(orphans / client_uuid)
    old = env.root / "queue" / "quarantine" / "database-1"
    old.mkdir()
    db.rename(old / DB_NAME)
    store = _open(env.root)
    report = store.recover()
    assert len(report.recovered) == 3 and report.unreadable == {}
    assert sorted(report.with_salvaged_state) == sorted(report.recovered)
    row = store.find(kept[0])
    assert row is not None and row.status is QueueStatus.UPLOADING
    assert row.gateway_dossier_id == "gw-dossier-1"
    first, second = store.files(kept[0])
    assert (first.complete, first.gateway_file_id) == (True, "gw-file-0")
    assert (second.complete, second.upload_url) == (
        False,
        "https://gateway.example/api/v1/uploads/abc",
    )
    assert all(_readable(store, u) for u in kept)
    assert sorted(
        p.name for p in (env.root / "queue" / "outbox").iterdir() if p.is_dir()
    ) == sorted(kept)


def test_rebuilt_dossiers_reach_the_gateway_exactly_once(env: Env, tmp_path: Path) -> None:
    gateway = GatewayProcess.start(tmp_path / "gateway")
    try:
        kept = [env.enqueue() for _ in range(4)]
        engine = engine_for(env.store, gateway.url, gateway.token)
        # Two delivered, one half-way (created, first file sent), one untouched.
        engine.run_once(max_dossiers=2)
        assert sum(1 for r in env.store.list_dossiers() if r.status is QueueStatus.SUBMITTED) == 2
        env.store.close()
        _corrupt_btree(env.root / "queue" / DB_NAME)
        store = _open(env.root)
        assert len(store.check().recovered) == 4
        drain(engine_for(store, gateway.url, gateway.token), store)
        held = gateway.received()
        by_uuid: dict[str, int] = {}
        for dossier in held:
            by_uuid[dossier["client_uuid"]] = by_uuid.get(dossier["client_uuid"], 0) + 1
        assert by_uuid == dict.fromkeys(kept, 1)
        assert all(r.status is QueueStatus.SUBMITTED for r in store.list_dossiers())
    finally:
        gateway.stop()


# --- the master key ---------------------------------------------------------------------------


def test_a_lost_key_is_never_silently_replaced(env: Env) -> None:
    key = env.root / "master.key"
    env.store.close()  # an empty queue, but it has recorded its key's fingerprint
    key.unlink()
    with pytest.raises(MasterKeyError, match=r"missing.*Restore"):
        _open(env.root)
    assert not key.exists()
    key.write_bytes(b"garbage")
    with pytest.raises(MasterKeyError, match="32-byte"):
        _open(env.root)
    assert key.read_bytes() == b"garbage"


def test_a_lost_key_with_sealed_folders_is_refused_even_without_a_database(env: Env) -> None:
    env.enqueue()
    env.store.close()
    (env.root / "master.key").unlink()
    (env.root / "queue" / DB_NAME).unlink()
    with pytest.raises(MasterKeyError, match=r"outbox/.*sealed with master key"):
        _open(env.root)
    assert not (env.root / "master.key").exists()


def test_rekey_is_explicit_and_keeps_what_the_old_key_sealed(env: Env) -> None:
    kept = env.enqueue()
    env.store.close()
    key = env.root / "master.key"
    with pytest.raises(StoreError, match="opens this outbox"):
        QueueStore.rekey_abandoning_lost_key(env.root / "queue", key)
    key.write_bytes(b"damaged")
    fingerprint, count = QueueStore.rekey_abandoning_lost_key(env.root / "queue", key)
    assert count == 1 and crypto.load_master_key(key).fingerprint == fingerprint
    # The damaged key file is kept beside the new one, never deleted.
    (replaced,) = env.root.glob("master.key.replaced-*")
    assert replaced.read_bytes() == b"damaged"
    store = _open(env.root)
    row = store.find(kept)
    assert row is not None and row.quarantined and row.status is QueueStatus.NEEDS_ATTENTION
    assert (env.root / "queue" / "outbox" / kept / MANIFEST_NAME).exists()
    assert store.next_due(1e12) is None


def _first_open(root: str, barrier: object, out: object) -> None:
    barrier.wait()  # type: ignore[attr-defined]
    store = QueueStore(Path(root) / "queue", Path(root) / "master.key")
    out.put(store._key.fingerprint)  # type: ignore[attr-defined]
    store.close()


def test_concurrent_first_opens_agree_on_one_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for trial in range(12):
        root = tmp_path / f"kiosk{trial}"
        barrier = context.Barrier(4)
        out = context.Queue()
        workers = [
            context.Process(target=_first_open, args=(str(root), barrier, out)) for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert [w.exitcode for w in workers] == [0, 0, 0, 0]
        prints = {out.get(timeout=5) for _ in workers}
        assert prints == {crypto.load_master_key(root / "master.key").fingerprint}


# --- the start-up sweep and an enqueue in flight ------------------------------------------------


def test_the_sweep_never_touches_an_enqueue_in_flight(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    writing = threading.Event()
    release = threading.Event()
    real_encrypt = crypto.encrypt_file

    def slow_encrypt(*args: object, **kwargs: object) -> tuple[int, str]:
        result = real_encrypt(*args, **kwargs)  # type: ignore[arg-type]
        writing.set()
        assert release.wait(30)
        return result

    monkeypatch.setattr(crypto, "encrypt_file", slow_encrypt)
    outcome: list[object] = []
    enqueuer = threading.Thread(target=lambda: outcome.append(env.enqueue(pages=1)))
    enqueuer.start()
    assert writing.wait(30)
    sweeper = _open(env.root)  # what the sync process does at start
    report = sweeper.check()
    assert report.sweep_deferred and report.orphans_moved == [] and report.recovered == []
    (in_flight,) = [p for p in (env.root / "queue" / "outbox").iterdir() if p.is_dir()]
    release.set()
    enqueuer.join(30)
    assert isinstance(outcome[0], str) and outcome[0] == in_flight.name
    assert sweeper.check().clean
    assert _readable(sweeper, in_flight.name)


# --- the kiosk refuses what the gateway will refuse ---------------------------------------------


def _try(
    env: Env, body: dict[str, object], size: int = 1000, page: PageInput | None = None
) -> QueueRefusedError:
    with pytest.raises(QueueRefusedError) as caught:
        env.store.enqueue(
            client_uuid=str(body["client_uuid"]),
            receipt_number=str(body["receipt_number"]),
            procedure_code=str(body["procedure_code"]),
            body=body,
            pages=[page or env.pages(1, size)[0]],
        )
    assert env.store.find(str(body["client_uuid"])) is None
    assert not (env.root / "queue" / "outbox" / str(body["client_uuid"])).exists()
    return caught.value


def _body(env: Env, receipt: str = "KIOSK01-261123-0500") -> dict[str, object]:
    client_uuid = str(uuid.uuid4())
    return make_body(client_uuid, receipt)


def test_a_page_over_the_limit_is_refused_before_anything_is_written(env: Env) -> None:
    body = _body(env)
    page = env.pages(1, 10)[0]
    with page.source.open("r+b") as handle:  # 100 MB, sparse: the check is on the size alone
        handle.truncate(100 * 1024 * 1024)
    assert _try(env, body, page=page).reasons == [EnqueueRefusal.FILE_TOO_LARGE]


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"note": "x" * 10_000_000}, EnqueueRefusal.FORM_VALUE_TOO_LONG),
        ({"Số điện thoại": "0912345678"}, EnqueueRefusal.FORM_KEY_INVALID),
        ({"phone": 912345678}, EnqueueRefusal.FORM_VALUE_NOT_TEXT),
        ({f"field_{i}": "a" for i in range(101)}, EnqueueRefusal.TOO_MANY_FORM_FIELDS),
    ],
)
def test_form_contents_the_gateway_refuses(
    env: Env, form: dict[str, object], reason: EnqueueRefusal
) -> None:
    body = {**_body(env), "form": form}
    assert reason in _try(env, body).reasons


def test_an_unknown_procedure_and_a_taken_receipt_number_are_refused(tmp_path: Path) -> None:
    clock = Clock()
    store = QueueStore(
        tmp_path / "queue",
        tmp_path / "master.key",
        now=clock,
        known_procedures=lambda: {"1.001193"},
    )
    env = Env(tmp_path, clock, store)
    body = {**_body(env), "procedure_code": "9.999999"}
    assert _try(env, body).reasons == [EnqueueRefusal.PROCEDURE_UNKNOWN]
    env.enqueue(receipt="KIOSK01-261123-0007")
    taken = _body(env, "KIOSK01-261123-0007")
    assert _try(env, taken).reasons == [EnqueueRefusal.RECEIPT_NUMBER_TAKEN]


def test_limits_published_by_the_gateway_apply(env: Env, tmp_path: Path) -> None:
    tight = ProtocolLimits(max_file_bytes=500)
    store = QueueStore(tmp_path / "q2", tmp_path / "k2", now=env.clock, limits=lambda: tight)
    env2 = Env(tmp_path, env.clock, store)
    assert _try(env2, _body(env2), size=600).reasons == [EnqueueRefusal.FILE_TOO_LARGE]
    assert DEFAULT_LIMITS.max_file_bytes == 20 * 1024 * 1024


def test_a_garbled_limits_document_is_refused() -> None:
    for document in (
        [],
        {"version": 2},
        {"version": 1, "max_file_bytes": -1},
        {"version": 1, "max_file_bytes": True},
        {"version": 1, "form_key_pattern": "("},
    ):
        with pytest.raises(ValueError):
            ProtocolLimits.from_document(document)
    parsed = ProtocolLimits.from_document({**DEFAULT_LIMITS.to_document(), "future_key": 1})
    assert parsed == DEFAULT_LIMITS
    assert json.loads(json.dumps(parsed.to_document()))["version"] == 1


def test_an_enqueue_that_died_before_its_commit_is_not_filed_behind_the_citizens_back(
    env: Env,
) -> None:
    died = env.enqueue()
    with env.store.transaction() as conn:  # what a kill between manifest and commit leaves
        conn.execute("DELETE FROM files WHERE client_uuid = ?", (died,))
        conn.execute("DELETE FROM events WHERE client_uuid = ?", (died,))
        conn.execute("DELETE FROM dossiers WHERE client_uuid = ?", (died,))
    report = env.reopen().check()
    assert report.orphans_moved == [died] and report.recovered == []
    assert env.store.find(died) is None
    # A technician who decides it should go files it by hand.
    assert len(env.store.recover().recovered) == 1
    assert _readable(env.store, died)


def test_text_and_media_types_the_gateway_refuses(env: Env) -> None:
    body = _body(env)
    body["applicant"] = {**body["applicant"], "address": "Thôn " * 70}  # type: ignore[dict-item]
    assert _try(env, body).reasons == [EnqueueRefusal.TEXT_TOO_LONG]
    body = _body(env)
    page = PageInput(env.pages(1)[0].source, "birth_certificate", "a.png", "Image/PNG")
    assert _try(env, body, page=page).reasons == [EnqueueRefusal.MEDIA_TYPE_INVALID]


# --- review findings: each failed before its fix -------------------------------------------------


def test_a_damaged_database_still_open_elsewhere_is_not_moved_under_it(env: Env) -> None:
    kept = [env.enqueue() for _ in range(2)]
    env.store.close()
    app = _open(env.root)  # the app keeps its handle for hours
    _corrupt_btree(env.root / "queue" / DB_NAME)
    with pytest.raises(QueueUnavailableError, match="another process still has it open"):
        _open(env.root)  # a technician's command, or the sync service restarting
    assert (env.root / "queue" / DB_NAME).exists() and _quarantine(env.root) == []
    app.close()
    store = _open(env.root)  # the first to open it alone moves it and rebuilds the rows
    assert store.startup_report.database_moved_to is not None
    assert len(store.check().recovered) == 2
    assert all(_readable(store, u) for u in kept)


def test_a_database_file_that_is_simply_gone_loses_no_dossier(env: Env) -> None:
    kept = [env.enqueue() for _ in range(3)]
    env.store.close()
    for suffix in ("", "-wal", "-shm"):
        (env.root / "queue" / (DB_NAME + suffix)).unlink(missing_ok=True)
    store = _open(env.root)
    report = store.check()
    assert len(report.recovered) == 3 and report.orphans_moved == []
    assert all(_readable(store, u) for u in kept)


def test_partial_salvaged_progress_starts_again_from_the_idempotent_create(env: Env) -> None:
    kept = env.enqueue()
    env.store.set_gateway_dossier(kept, "gw-dossier-1", {0: "gw-file-0", 1: "gw-file-1"})
    env.store.mark_file_complete(kept, 0)
    with env.store.transaction() as conn:  # the damage took the files table's rows
        conn.execute("DELETE FROM files WHERE client_uuid = ?", (kept,))
    env.store.close()
    old = env.root / "queue" / "quarantine" / "database-1"
    old.mkdir(parents=True)
    (env.root / "queue" / DB_NAME).rename(old / DB_NAME)
    store = _open(env.root)
    store.check()
    row = store.find(kept)
    assert row is not None and row.status is QueueStatus.QUEUED
    assert row.gateway_dossier_id is None
    assert all(f.gateway_file_id is None and not f.complete for f in store.files(kept))


def test_erasing_removes_the_folders_copy_of_the_key_first(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = env.enqueue()
    env.store.record_rating(kept, 4, None)
    env.store.mark_submitted(kept, "H01.01-261123-0001", "2026-11-25")
    env.store.mark_rating_synced(kept)
    folder = env.root / "queue" / "outbox" / kept
    monkeypatch.setattr("offline_queue.integrity.shutil.rmtree", lambda *a, **k: None)
    env.clock.advance(8 * 86_400)
    assert env.store.erase_delivered(7 * 86_400) == 1
    assert folder.is_dir()  # the removal failed (a crash, an I/O error)...
    assert not (folder / MANIFEST_NAME).exists()  # ...but no copy of the key survived
    assert not (folder / "rating.kqs").exists()
    monkeypatch.undo()
    env.reopen().check()  # and the start-up check finishes the removal
    assert not folder.exists()


def test_quarantined_copies_expire_with_the_retention_period(env: Env) -> None:
    env.enqueue()
    env.store.close()
    _corrupt_header(env.root / "queue" / DB_NAME)
    store = _open(env.root, env.clock)
    store.check()
    moved = store.startup_report.database_moved_to
    assert moved is not None and moved.exists()
    store.erase_delivered(7 * 86_400)
    assert moved.exists()  # within the retention period
    env.clock.advance(8 * 86_400)
    store.erase_delivered(7 * 86_400)
    assert not moved.exists()


def test_folders_queued_before_manifests_existed_get_one(env: Env) -> None:
    kept = env.enqueue()
    env.store.record_rating(kept, 5, None)
    folder = env.root / "queue" / "outbox" / kept
    (folder / MANIFEST_NAME).unlink()
    (folder / "rating.kqs").unlink()
    assert env.store.check().clean
    assert (folder / MANIFEST_NAME).exists() and (folder / "rating.kqs").exists()
    env.store.close()
    (env.root / "queue" / DB_NAME).unlink()
    store = _open(env.root)
    assert len(store.check().recovered) == 1
    assert store.rating(kept) == {"score": 5, "reason": None}


def test_a_wrong_key_is_refused_when_the_database_forgot_its_fingerprint(env: Env) -> None:
    env.enqueue()
    env.store.close()
    (env.root / "queue" / DB_NAME).unlink()
    (env.root / "master.key").write_bytes(b"\x07" * 32)  # a wrong backup restored
    with pytest.raises(MasterKeyError, match="folders were sealed with"):
        _open(env.root)
    assert [p.name for p in (env.root / "queue" / "outbox").iterdir() if p.is_dir()]


def test_an_unusable_installed_limits_document_falls_back_to_the_defaults_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from offline_queue.limits import LIMITS_FILE, load_installed

    assert load_installed(tmp_path) == DEFAULT_LIMITS  # none installed yet: quietly the defaults
    assert caplog.records == []
    (tmp_path / LIMITS_FILE).write_text('{"version": 1, "max_dossier_bytes": null}')
    with caplog.at_level(logging.WARNING, logger="offline_queue.limits"):
        assert load_installed(tmp_path) == DEFAULT_LIMITS
    assert "unusable" in caplog.text
