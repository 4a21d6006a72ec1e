"""The journey submitting into the real encrypted outbox, and the queue commands around it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from config.settings import PathsSection, Settings
from dvc_common.clock import VIETNAM, FakeClock
from kiosk.app import build_kiosk
from kiosk.journey import PageScanned, Proceed, Rate, State, Tick
from kiosk.outbox import Outbox, gateway_body, load_dossier_file
from offline_queue.opening import open_queue_store
from offline_queue.store import QueueStatus
from tests.kiosk.conftest import Harness
from tests.kiosk.test_journey import drive_to, send


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        paths=PathsSection(data_dir=tmp_path / "data", scratch_dir=tmp_path / "scratch")
    )


@pytest.fixture
def real(settings: Settings, tmp_path: Path) -> Harness:
    clock = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=VIETNAM))
    kiosk = build_kiosk(settings, clock=clock)
    assert isinstance(kiosk.queue, Outbox)
    return Harness(kiosk, clock, None, tmp_path)  # type: ignore[arg-type]


def test_submission_lands_in_the_encrypted_outbox(real: Harness, settings: Settings) -> None:
    drive_to(real, State.DONE)
    dossier = real.kiosk.journey.snapshot().dossier
    assert dossier is not None
    send(real, Rate(4, "Dễ dùng"))
    store = open_queue_store(settings)
    row = store.find(dossier.receipt_number)
    assert row is not None and row.status is QueueStatus.QUEUED
    body = store.body(row.client_uuid)
    assert body == {
        **gateway_body(dossier),
        "documents": body["documents"],
    }
    (document,) = body["documents"]
    assert document["files"][0]["sha256"] == dossier.documents[0].pages[0].sha256
    assert store.rating(row.client_uuid) == {"score": 4, "reason": "Dễ dùng"}
    # The citizen has gone: the scratch copy is wiped, the outbox copy remains readable.
    assert not dossier.documents[0].pages[0].path.exists()
    (file,) = store.files(row.client_uuid)
    with store.open_file(file) as reader:
        assert reader.read() == b"\x89PNG fake page"


def test_idle_wipe_leaves_nothing_in_database_or_disk(real: Harness, settings: Settings) -> None:
    drive_to(real, State.SCAN)
    send(real, PageScanned(real.page("secret.png", b"NGUYEN 001158000123")))
    real.clock.advance(90)
    send(real, Tick())
    real.clock.advance(30)
    send(real, Tick())
    assert real.kiosk.journey.state is State.ATTRACT
    store = open_queue_store(settings)
    assert store.counts()["queued"] == 0
    everything = b"".join(
        p.read_bytes() for p in settings.paths.data_dir.rglob("*") if p.is_file()
    ) + b"".join(p.read_bytes() for p in settings.paths.scratch_dir.rglob("*") if p.is_file())
    assert b"001158000123" not in everything
    assert "TRẦN THỊ MẪU".encode() not in everything


def test_storage_failure_reaches_the_citizen(real: Harness, settings: Settings) -> None:
    drive_to(real, State.CONFIRM)
    outbox = real.kiosk.queue
    assert isinstance(outbox, Outbox)
    outbox.store.intake.min_free_bytes = 10**15
    challenge = real.kiosk.journey.snapshot().challenge
    assert challenge is not None and challenge.code is not None
    from kiosk.journey import EnterCode, Notice
    from offline_queue.errors import StoreFailure
    from tests.kiosk.vietnamese import notice_vi

    send(real, EnterCode(challenge.code))
    snapshot = real.kiosk.journey.snapshot()
    assert snapshot.state is State.REVIEW
    assert snapshot.notice == Notice(StoreFailure.DISK_FULL)
    assert "Bộ nhớ của máy đã đầy" in notice_vi(snapshot.notice)
    outbox.store.intake.min_free_bytes = 1
    send(real, Proceed())
    challenge = real.kiosk.journey.snapshot().challenge
    assert challenge is not None and challenge.code is not None
    send(real, EnterCode(challenge.code))
    assert real.kiosk.journey.state is State.DONE


def kiosk_cli(*args: str, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ},
    )


@pytest.fixture
def config_file(settings: Settings, tmp_path: Path) -> Path:
    from config.settings import save_settings

    path = tmp_path / "kiosk.toml"
    save_settings(settings, path)
    return path


def test_queue_cli_add_list_show_export_readd(
    real: Harness,
    settings: Settings,
    config_file: Path,
    tmp_path: Path,
    make_harness: Callable[..., Harness],
) -> None:
    # A dossier JSON as the app writes it, with its page file.
    drive_to(real, State.DONE)
    dossier = real.kiosk.journey.snapshot().dossier
    assert dossier is not None
    page = tmp_path / "page-copy.png"
    page.write_bytes(b"\x89PNG fake page")
    json_path = tmp_path / "dossier.json"
    data = dossier.to_dict()
    data["client_uuid"] = "7f1d3c52-8c1e-4f49-9d0e-0a4a6f1f2b11"
    data["receipt_number"] = "KIOSK01-261123-0099"
    json_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    added = kiosk_cli("queue", "add", str(json_path), str(page), config=config_file)
    assert added.returncode == 0, added.stderr
    assert "KIOSK01-261123-0099" in added.stdout
    wrong = tmp_path / "wrong.png"
    wrong.write_bytes(b"another page")
    refused = kiosk_cli("queue", "add", str(json_path), str(wrong), config=config_file)
    assert refused.returncode == 2 and "SHA-256" in refused.stderr

    listing = json.loads(kiosk_cli("queue", "list", "--json", config=config_file).stdout)
    receipts = {d["receipt_number"] for d in listing["dossiers"]}
    assert {"KIOSK01-261123-0099", dossier.receipt_number} <= receipts
    assert "001158000123" not in json.dumps(listing)

    shown = kiosk_cli("queue", "show", "KIOSK01-261123-0099", config=config_file)
    assert shown.returncode == 0, shown.stderr
    assert "********0123" in shown.stdout and "001158000123" not in shown.stdout
    revealed = kiosk_cli("queue", "show", "KIOSK01-261123-0099", "--reveal", config=config_file)
    assert "001158000123" in revealed.stdout

    out = tmp_path / "usb"
    exported = kiosk_cli(
        "queue", "export", "KIOSK01-261123-0099", "--out", str(out), config=config_file
    )
    assert exported.returncode == 0, exported.stderr
    exported_body = json.loads((out / "dossier.json").read_text(encoding="utf-8"))
    files = sorted(p for p in out.iterdir() if p.name != "dossier.json")
    assert [p.read_bytes() for p in files] == [b"\x89PNG fake page"]

    # Re-entered on another kiosk: same client UUID, same bytes.
    other = Settings(paths=PathsSection(data_dir=tmp_path / "other", scratch_dir=tmp_path / "s2"))
    from config.settings import save_settings

    other_config = tmp_path / "other.toml"
    save_settings(other, other_config)
    readd = kiosk_cli(
        "queue", "add", str(out / "dossier.json"), *map(str, files), config=other_config
    )
    assert readd.returncode == 0, readd.stderr
    store = open_queue_store(other)
    row = store.find("KIOSK01-261123-0099")
    assert row is not None and row.client_uuid == exported_body["client_uuid"]
    assert store.body(row.client_uuid)["documents"] == exported_body["documents"]

    missing = kiosk_cli("queue", "show", "NOPE", config=config_file)
    assert missing.returncode == 2 and "no dossier" in missing.stderr


def test_queue_retry_and_check_cli(settings: Settings, config_file: Path, real: Harness) -> None:
    drive_to(real, State.DONE)
    dossier = real.kiosk.journey.snapshot().dossier
    assert dossier is not None
    store = open_queue_store(settings)
    from offline_queue.store import ErrorKind

    store.record_failure(str(dossier.client_uuid), ErrorKind.PERMANENT, "HTTP 413", 0)
    retried = kiosk_cli("queue", "retry", dossier.receipt_number, config=config_file)
    assert retried.returncode == 0, retried.stderr
    assert store.find(dossier.receipt_number).status is QueueStatus.QUEUED  # type: ignore[union-attr]
    checked = kiosk_cli("queue", "check", config=config_file)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["quarantined"] == []


def test_load_dossier_file_checks_page_count(tmp_path: Path, real: Harness) -> None:
    drive_to(real, State.DONE)
    dossier = real.kiosk.journey.snapshot().dossier
    assert dossier is not None
    path = tmp_path / "d.json"
    path.write_text(dossier.to_json(), encoding="utf-8")
    with pytest.raises(ValueError, match="lists 1 pages but 0"):
        load_dossier_file(path, [])


def test_sync_without_token_refuses(config_file: Path) -> None:
    result = kiosk_cli("sync", "--once", config=config_file)
    assert result.returncode == 2
    assert "enrol" in result.stderr


def _exported(real: Harness, settings: Settings, tmp_path: Path, config_file: Path) -> Path:
    drive_to(real, State.DONE)
    dossier = real.kiosk.journey.snapshot().dossier
    assert dossier is not None
    out = tmp_path / "usb"
    exported = kiosk_cli(
        "queue", "export", dossier.receipt_number, "--out", str(out), config=config_file
    )
    assert exported.returncode == 0, exported.stderr
    return out


def _other_kiosk(tmp_path: Path) -> tuple[Settings, Path]:
    from config.settings import save_settings

    other = Settings(paths=PathsSection(data_dir=tmp_path / "other", scratch_dir=tmp_path / "s2"))
    path = tmp_path / "other.toml"
    save_settings(other, path)
    return other, path


def test_an_exported_page_that_does_not_match_is_refused_not_queued(
    real: Harness, settings: Settings, config_file: Path, tmp_path: Path
) -> None:
    out = _exported(real, settings, tmp_path, config_file)
    (page,) = [p for p in out.iterdir() if p.name != "dossier.json"]
    page.write_bytes(b"a different page")
    other, other_config = _other_kiosk(tmp_path)
    refused = kiosk_cli("queue", "add", str(out / "dossier.json"), str(page), config=other_config)
    assert refused.returncode == 2 and "SHA-256" in refused.stderr
    assert open_queue_store(other).list_dossiers() == []


def test_queue_add_says_what_is_wrong_without_a_traceback(
    real: Harness, settings: Settings, config_file: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"client_uuid": "7f1d', encoding="utf-8")
    result = kiosk_cli("queue", "add", str(broken), config=config_file)
    assert result.returncode == 2 and "not a JSON dossier" in result.stderr
    assert "Traceback" not in result.stderr
    odd = tmp_path / "odd.json"
    odd.write_text('{"documents": 5}', encoding="utf-8")
    result = kiosk_cli("queue", "add", str(odd), config=config_file)
    assert result.returncode == 2 and "malformed dossier" in result.stderr
    assert "Traceback" not in result.stderr
    out = _exported(real, settings, tmp_path, config_file)
    result = kiosk_cli(
        "queue", "add", str(out / "dossier.json"), str(tmp_path / "gone.png"), config=config_file
    )
    assert result.returncode == 2 and "no such page file" in result.stderr
    assert "Traceback" not in result.stderr


def test_queue_add_refuses_what_the_gateway_would_refuse_with_reasons(
    real: Harness, settings: Settings, config_file: Path, tmp_path: Path
) -> None:
    out = _exported(real, settings, tmp_path, config_file)
    files = [str(p) for p in sorted(out.iterdir()) if p.name != "dossier.json"]
    body = json.loads((out / "dossier.json").read_text(encoding="utf-8"))
    body["procedure_code"] = "9.999999"
    body["form"] = {**body["form"], "ghi chú": "x", "note": "y" * 600}
    (out / "dossier.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    other, other_config = _other_kiosk(tmp_path)
    refused = kiosk_cli("queue", "add", str(out / "dossier.json"), *files, config=other_config)
    assert refused.returncode == 2, refused.stdout
    for reason in ("procedure_unknown", "form_key_invalid", "form_value_too_long"):
        assert reason in refused.stderr
    assert "y" * 600 not in refused.stderr  # values are never echoed (personal data)
    assert open_queue_store(other).list_dossiers() == []


def test_queue_list_does_not_say_syncing_when_no_sync_process_runs(
    settings: Settings, config_file: Path
) -> None:
    import fcntl

    from offline_queue.opening import QUEUE_DIR

    store = open_queue_store(settings)
    store.publish_status("sync", {"state": "syncing", "current": {"receipt_number": "X"}})
    listing = json.loads(kiosk_cli("queue", "list", "--json", config=config_file).stdout)
    assert listing["sync"]["state"] == "stopped" and listing["sync"]["current"] is None
    lock = settings.paths.data_dir / QUEUE_DIR / "sync.lock"
    with lock.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running sync process does
        listing = json.loads(kiosk_cli("queue", "list", "--json", config=config_file).stdout)
    assert listing["sync"]["state"] == "syncing"


def test_the_kiosk_refuses_to_start_on_an_outbox_it_cannot_open(
    real: Harness, settings: Settings
) -> None:
    from kiosk.ports import QueueError

    drive_to(real, State.DONE)
    settings.master_key_path.unlink()  # the key was lost: never silently replaced
    with pytest.raises(QueueError, match=r"master key file .* is missing"):
        build_kiosk(settings, clock=FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=VIETNAM)))
    assert not settings.master_key_path.exists()


def test_a_deferred_start_up_sweep_runs_between_sync_passes(settings: Settings) -> None:
    import fcntl

    from offline_queue.service import between_passes

    store = open_queue_store(settings)
    orphan = settings.paths.data_dir / "queue" / "outbox" / "0f0e0d0c-0000-4000-8000-000000000000"
    orphan.mkdir(parents=True)
    lock = settings.paths.data_dir / "queue" / "outbox" / ".enqueue.lock"
    with lock.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)  # an enqueue in flight at the sync process's start
        startup = store.check()
    assert startup.sweep_deferred and orphan.exists()
    waits: list[float] = []
    step = between_passes(store, startup, lambda timeout: waits.append(timeout) is not None)
    assert step(5.0) is False
    assert not orphan.exists()  # swept between passes, once the enqueue had finished
    assert waits == [5.0]
