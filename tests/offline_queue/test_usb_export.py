"""The USB export of unsent dossiers, against a real outbox: opened again with the gateway's
private key exactly as the gateway's import will, member by member; and everything that can go
wrong on a stick (full, pulled, read-only) or in the outbox (a damaged page), each leaving no
file and no mark behind."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from config.settings import Settings, save_settings
from dvc_common.clock import VIETNAM
from dvc_common.export_format import (
    MANIFEST_NAME,
    ExportManifest,
    dossier_member,
    export_file_name,
    file_member,
)
from dvc_common.sealed import SealReader, read_header
from dvc_common.trust import public_key_text
from offline_queue import usb_export
from offline_queue.opening import queue_dir
from offline_queue.store import ErrorKind, PageInput, QueueStatus, QueueStore
from offline_queue.usb_export import ExportError, ExportProblem, export_unsent
from simulators.gateway_process import SAMPLE_APPLICANT, GatewayProcess
from tests.offline_queue.conftest import make_body
from tests.offline_queue.sync_support import FAULTS_OFF, Kiosk, drain, engine_for, held

NOW = datetime(2026, 11, 23, 9, 30, 5, tzinfo=VIETNAM)
KIOSK_ID = "KIOSK01"


@dataclass
class Gateway:
    """The gateway's sealing key pair, as its import holds it."""

    private: X25519PrivateKey

    @property
    def public_text(self) -> str:
        return public_key_text(self.private.public_key())


@pytest.fixture
def gateway_key() -> Gateway:
    return Gateway(X25519PrivateKey.generate())


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    kiosk = Kiosk(tmp_path / "kiosk")
    yield kiosk
    kiosk.store.close()


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    path = tmp_path / "stick"
    path.mkdir()
    return path


def export(kiosk: Kiosk, stick: Path, key: Gateway, **kwargs: Any) -> usb_export.ExportReport:
    return export_unsent(kiosk.store, stick, key.public_text, KIOSK_ID, NOW, **kwargs)


def open_export(path: Path, key: Gateway) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """The seal's clear header, and every member in order, read the way the gateway reads it:
    streamed (``r|``) through the seal."""
    with path.open("rb") as handle, SealReader(handle, key.private) as reader:
        header = reader.header.details
        members = []
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            for info in tar:
                extracted = tar.extractfile(info)
                assert extracted is not None
                members.append((info.name, extracted.read()))
    return header, members


def scan_bytes(kiosk: Kiosk, client_uuid: str, index: int) -> bytes:
    """The page as it was scanned (``Kiosk.enqueue`` keeps the source)."""
    return (kiosk.root / "scans" / f"{client_uuid}-{index}.png").read_bytes()


def marks(store: QueueStore, ids: list[str]) -> list[str | None]:
    found = [store.export_mark(i) for i in ids]
    return [m.export_file if m else None for m in found]


def statuses(store: QueueStore, ids: list[str]) -> list[QueueStatus]:
    rows = [store.find(i) for i in ids]
    return [r.status for r in rows if r is not None]


# --- the file, opened as the gateway opens it ---------------------------------------------------


def test_every_member_is_the_outboxs_body_and_pages_byte_for_byte(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway
) -> None:
    # Pages smaller than, equal to and larger than a sealed segment (64 KiB), one of 1 byte.
    ids = [
        kiosk.enqueue((60_000, 70_000)),
        kiosk.enqueue((1, 65_536, 200_001)),
        kiosk.enqueue((131_072,)),
    ]
    report = export(kiosk, stick, gateway_key, software_version="1.2.3")

    assert report.path == stick / export_file_name(KIOSK_ID, NOW)
    assert report.path.name == "KIOSK01-20261123-093005.dvcexport"
    assert sorted(p.name for p in stick.iterdir()) == [report.path.name]  # no partial left
    data = report.path.read_bytes()
    assert report.bytes_written == len(data)
    assert report.sha256 == hashlib.sha256(data).hexdigest()
    assert (report.dossiers, report.files) == (3, 6)
    assert report.file_bytes == 60_000 + 70_000 + 1 + 65_536 + 200_001 + 131_072

    header, members = open_export(report.path, gateway_key)
    assert (header["kiosk"], header["dossiers"]) == (KIOSK_ID, 3)
    assert datetime.fromisoformat(header["created"]) == NOW
    # Nothing personal in clear: the header is readable without any key.
    clear = data[: data.index(b"\n", len(b"DVCSEAL1\n")) + 1].decode()
    assert SAMPLE_APPLICANT["id_number"] not in clear
    assert SAMPLE_APPLICANT["full_name"] not in clear
    assert SAMPLE_APPLICANT["id_number"].encode() not in data  # nor anywhere in the file

    names = [name for name, _ in members]
    assert names[0] == MANIFEST_NAME
    manifest = ExportManifest.model_validate_json(members[0][1])
    assert (manifest.kiosk_id, manifest.software, manifest.created_at) == (KIOSK_ID, "1.2.3", NOW)
    assert [d.client_uuid for d in manifest.dossiers] == ids  # oldest first
    assert [d.files for d in manifest.dossiers] == [2, 3, 1]

    content = dict(members)
    expected_names = [MANIFEST_NAME]
    for client_uuid in ids:
        body = kiosk.store.body(client_uuid)
        # Exactly the create request's body: the same JSON, the same bytes.
        assert content[dossier_member(client_uuid)] == json.dumps(body, ensure_ascii=False).encode(
            "utf-8"
        )
        assert json.loads(content[dossier_member(client_uuid)])["applicant"] == SAMPLE_APPLICANT
        expected_names.append(dossier_member(client_uuid))
        listed = [f for d in body["documents"] for f in d["files"]]
        for index, entry in enumerate(listed):
            page = content[file_member(client_uuid, entry["name"])]
            assert page == scan_bytes(kiosk, client_uuid, index)
            assert hashlib.sha256(page).hexdigest() == entry["sha256"]
            assert hashlib.sha256(page).hexdigest() == kiosk.digests[client_uuid][index]
            assert len(page) == entry["size"]
            expected_names.append(file_member(client_uuid, entry["name"]))
    assert names == expected_names  # the format's order, nothing more

    # Marked, and nothing else changed: still waiting for the gateway.
    assert marks(kiosk.store, ids) == [report.path.name] * 3
    assert statuses(kiosk.store, ids) == [QueueStatus.QUEUED] * 3
    history = kiosk.store.history(ids[0])
    assert history[-1]["kind"] == "exported" and history[-1]["detail"] == report.path.name


def test_a_selected_subset_only(kiosk: Kiosk, stick: Path, gateway_key: Gateway) -> None:
    ids = []
    for _ in range(4):
        ids.append(kiosk.enqueue((5000,)))
        kiosk.clock.advance(60)
    receipt = kiosk.store.find(ids[2])
    assert receipt is not None
    # By receipt number and by UUID, in any order, a repeat counted once; written oldest first.
    report = export(kiosk, stick, gateway_key, select=[receipt.receipt_number, ids[0], ids[0]])
    _, members = open_export(report.path, gateway_key)
    manifest = ExportManifest.model_validate_json(members[0][1])
    assert [d.client_uuid for d in manifest.dossiers] == [ids[0], ids[2]]
    assert {n.split("/")[1] for n, _ in members[1:]} == {ids[0], ids[2]}
    assert marks(kiosk.store, ids) == [report.path.name, None, report.path.name, None]


def test_the_exported_mark_survives_reopening_the_store(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway
) -> None:
    client_uuid = kiosk.enqueue((3000,))
    report = export(kiosk, stick, gateway_key)
    kiosk.store.close()
    kiosk.store = QueueStore(kiosk.root / "queue", kiosk.root / "master.key", now=kiosk.clock)
    mark = kiosk.store.export_mark(client_uuid)
    assert mark is not None
    assert (mark.export_file, mark.exported_at) == (report.path.name, NOW.timestamp())
    # Exported is not delivered: it is still due, exactly as before.
    due = kiosk.store.next_due(kiosk.clock())
    assert due is not None and due.client_uuid == client_uuid


def test_pages_are_streamed_not_held_in_memory(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway
) -> None:
    size = 6 * 1024 * 1024
    kiosk.enqueue((size,))
    tracemalloc.start()
    try:
        report = export(kiosk, stick, gateway_key)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.file_bytes == size
    # A few 64 KiB segments in flight, never the 6 MiB page (nor the sealed file).
    assert peak < 1024 * 1024, peak


# --- what is chosen, and what is refused before anything is written ------------------------------


def test_nothing_to_export_writes_nothing(kiosk: Kiosk, stick: Path, gateway_key: Gateway) -> None:
    with pytest.raises(ExportError) as empty:
        export(kiosk, stick, gateway_key)
    assert empty.value.problem is ExportProblem.NOTHING_TO_EXPORT
    # Delivered dossiers are not "unsent".
    client_uuid = kiosk.enqueue((1000,))
    kiosk.store.mark_submitted(client_uuid, "H22.99-261123-0001", "2026-11-25")
    with pytest.raises(ExportError) as delivered:
        export(kiosk, stick, gateway_key)
    assert delivered.value.problem is ExportProblem.NOTHING_TO_EXPORT
    with pytest.raises(ExportError) as chosen:
        export(kiosk, stick, gateway_key, select=[client_uuid])
    assert chosen.value.problem is ExportProblem.ALREADY_DELIVERED
    with pytest.raises(ExportError) as unknown:
        export(kiosk, stick, gateway_key, select=["KIOSK01-261123-9999"])
    assert unknown.value.problem is ExportProblem.UNKNOWN_DOSSIER
    assert list(stick.iterdir()) == []


@pytest.mark.parametrize(
    ("key_text", "problem"),
    [
        ("", ExportProblem.NO_SEALING_KEY),
        ("   ", ExportProblem.NO_SEALING_KEY),
        ("x25519:not-a-key", ExportProblem.BAD_SEALING_KEY),
        ("x25519:" + "A" * 40, ExportProblem.BAD_SEALING_KEY),  # 30 bytes, not 32
        # The gateway's *signing* key where the sealing key belongs.
        ("ed25519:" + "A" * 43, ExportProblem.BAD_SEALING_KEY),
    ],
)
def test_a_missing_or_wrong_sealing_key_is_refused_before_writing(
    kiosk: Kiosk, stick: Path, key_text: str, problem: ExportProblem
) -> None:
    client_uuid = kiosk.enqueue((2000,))
    with pytest.raises(ExportError) as refused:
        export_unsent(kiosk.store, stick, key_text, KIOSK_ID, NOW)
    assert refused.value.problem is problem
    assert list(stick.iterdir()) == []
    assert kiosk.store.export_mark(client_uuid) is None


def test_a_file_sealed_to_another_gateway_does_not_open(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway
) -> None:
    kiosk.enqueue((2000,))
    report = export(kiosk, stick, gateway_key)
    other = Gateway(X25519PrivateKey.generate())
    with pytest.raises(ValueError, match="sealed to key"):
        open_export(report.path, other)


def test_quarantined_copies_are_left_out_of_all_and_reported(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway
) -> None:
    good, bad = kiosk.enqueue((2000,)), kiosk.enqueue((2000,))
    kiosk.store.record_failure(bad, ErrorKind.CORRUPT, "page unreadable", kiosk.clock())
    bad_row = kiosk.store.find(bad)
    assert bad_row is not None and bad_row.quarantined
    report = export(kiosk, stick, gateway_key)
    assert report.skipped_quarantined == (bad_row.receipt_number,)
    assert marks(kiosk.store, [good, bad]) == [report.path.name, None]


def test_a_file_name_the_format_cannot_carry_is_refused_before_writing(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway
) -> None:
    # The outbox takes any name without a slash (``queue add``); the export format is stricter.
    source = kiosk.root / "scans" / "odd.png"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(b"page")
    client_uuid = "0b9d8a56-1c7e-4c47-9a55-0f6f0e3c2a11"
    receipt = "KIOSK01-261123-0500"
    kiosk.store.enqueue(
        client_uuid=client_uuid,
        receipt_number=receipt,
        procedure_code="1.001193",
        body=make_body(client_uuid, receipt),
        pages=[PageInput(source, "birth_certificate", "giấy khai sinh.png")],
    )
    with pytest.raises(ExportError) as refused:
        export(kiosk, stick, gateway_key)
    assert refused.value.problem is ExportProblem.NOT_IN_FORMAT
    assert refused.value.receipt_number == receipt
    assert list(stick.iterdir()) == []


# --- failures while writing: no file, no mark ----------------------------------------------------


def _unchanged(kiosk: Kiosk, ids: list[str], before: list[list[dict[str, Any]]]) -> None:
    assert marks(kiosk.store, ids) == [None] * len(ids)
    assert statuses(kiosk.store, ids) == [QueueStatus.QUEUED] * len(ids)
    assert [kiosk.store.history(i) for i in ids] == before


def _fails_after(budget: int, stick: Path, code: int) -> Callable[[int, Any], int]:
    """``os.write`` for the stick's files that takes ``budget`` bytes, then fails with
    ``code``; every other descriptor writes as usual."""
    real = os.write
    left = {"bytes": budget}

    def write(fd: int, data: Any) -> int:
        try:
            on_stick = Path(f"/proc/self/fd/{fd}").readlink().parent == stick
        except OSError:
            on_stick = False
        if not on_stick:
            return real(fd, data)
        if left["bytes"] <= 0:
            raise OSError(code, os.strerror(code))
        view = memoryview(data)[: left["bytes"]]
        written = real(fd, view)
        left["bytes"] -= written
        return written

    return write


def test_a_stick_that_fills_up_mid_export_leaves_nothing(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No tmpfs without root: the stick "fills" at the system-call boundary instead. os.write on
    # the stick's file takes 150 KB and then answers ENOSPC, as a full FAT stick does.
    ids = [kiosk.enqueue((100_000, 100_000)) for _ in range(2)]
    before = [kiosk.store.history(i) for i in ids]
    monkeypatch.setattr(os, "write", _fails_after(150_000, stick, errno.ENOSPC))
    with pytest.raises(ExportError) as full:
        export(kiosk, stick, gateway_key)
    monkeypatch.undo()
    assert full.value.problem is ExportProblem.DISK_FULL
    assert list(stick.iterdir()) == []  # the partial file is gone
    _unchanged(kiosk, ids, before)
    # Once there is room, the same export works.
    report = export(kiosk, stick, gateway_key)
    assert report.dossiers == 2


def test_a_stick_failing_mid_export_is_reported_as_such(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [kiosk.enqueue((100_000,))]
    before = [kiosk.store.history(i) for i in ids]
    monkeypatch.setattr(os, "write", _fails_after(70_000, stick, errno.EIO))
    with pytest.raises(ExportError) as failed:
        export(kiosk, stick, gateway_key)
    monkeypatch.undo()
    assert failed.value.problem is ExportProblem.TARGET_FAILED
    assert list(stick.iterdir()) == []
    _unchanged(kiosk, ids, before)


def test_a_stick_too_small_is_refused_before_writing(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    kiosk.enqueue((500_000,))
    real = os.statvfs

    class Small:
        f_bavail, f_frsize = 100, 4096  # 400 KB free

    def statvfs(path: Any) -> Any:
        return Small() if Path(path) == stick else real(path)

    monkeypatch.setattr(os, "statvfs", statvfs)
    written: list[int] = []
    real_write = os.write

    def counted(fd: int, data: Any) -> int:
        written.append(fd)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", counted)
    with pytest.raises(ExportError) as full:
        export(kiosk, stick, gateway_key)
    assert full.value.problem is ExportProblem.DISK_FULL
    assert written == []
    assert list(stick.iterdir()) == []


def test_the_directory_vanishing_mid_export_leaves_nothing(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [kiosk.enqueue((80_000,)) for _ in range(3)]
    before = [kiosk.store.history(i) for i in ids]
    real_body = kiosk.store.body
    calls = {"n": 0}

    def body_then_pull(client_uuid: str) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 2:  # the first dossier is in the archive: the stick goes away
            shutil.rmtree(stick)
        return real_body(client_uuid)

    monkeypatch.setattr(kiosk.store, "body", body_then_pull)
    with pytest.raises(ExportError) as gone:
        export(kiosk, stick, gateway_key)
    assert gone.value.problem is ExportProblem.TARGET_MISSING
    assert not stick.exists()
    _unchanged(kiosk, ids, before)
    with pytest.raises(ExportError) as missing:
        export(kiosk, stick, gateway_key)
    assert missing.value.problem is ExportProblem.TARGET_MISSING


def test_a_damaged_page_fails_the_export_and_names_its_dossier(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway
) -> None:
    ids = [kiosk.enqueue((100_000,)) for _ in range(3)]
    before = [kiosk.store.history(i) for i in ids]
    (damaged,) = kiosk.store.files(ids[1])
    raw = bytearray(damaged.path.read_bytes())
    raw[-100] ^= 0xFF  # inside the last sealed segment: found after most bytes went out
    damaged.path.write_bytes(bytes(raw))
    with pytest.raises(ExportError) as unreadable:
        export(kiosk, stick, gateway_key)
    row = kiosk.store.find(ids[1])
    assert row is not None
    assert unreadable.value.problem is ExportProblem.DOSSIER_UNREADABLE
    assert unreadable.value.receipt_number == row.receipt_number
    assert list(stick.iterdir()) == []
    _unchanged(kiosk, ids, before)
    # Leaving it out, the others go.
    report = export(kiosk, stick, gateway_key, select=[ids[0], ids[2]])
    assert report.dossiers == 2


def test_a_recorded_digest_that_disagrees_with_the_body_fails_the_export(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway
) -> None:
    client_uuid = kiosk.enqueue((10_000,))
    with kiosk.store.transaction() as conn:
        conn.execute("UPDATE files SET sha256 = ? WHERE client_uuid = ?", ("0" * 64, client_uuid))
    with pytest.raises(ExportError) as mismatch:
        export(kiosk, stick, gateway_key)
    assert mismatch.value.problem is ExportProblem.DOSSIER_UNREADABLE
    assert "disagree" in str(mismatch.value)
    assert list(stick.iterdir()) == []


class _Altered(io.RawIOBase):
    """A page reader whose plaintext differs from what was queued by one bit, although every
    segment authenticates (what a bug between enqueue and export would produce)."""

    def __init__(self, inner: Any) -> None:
        super().__init__()
        self._inner = inner
        self.size = inner.size
        self._first = True

    def read(self, size: int = -1) -> bytes:
        data = bytearray(self._inner.read(size))
        if self._first and data:
            data[0] ^= 1
            self._first = False
        return bytes(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


def test_a_page_that_decrypts_but_is_not_what_was_queued_fails_the_export(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [kiosk.enqueue((200_000,)), kiosk.enqueue((10_000,))]
    real_open = kiosk.store.open_file
    monkeypatch.setattr(
        kiosk.store,
        "open_file",
        lambda file: _Altered(real_open(file)) if file.client_uuid == ids[0] else real_open(file),
    )
    with pytest.raises(ExportError) as mismatch:
        export(kiosk, stick, gateway_key)
    assert mismatch.value.problem is ExportProblem.DOSSIER_UNREADABLE
    assert "SHA-256" in str(mismatch.value)
    assert list(stick.iterdir()) == []
    assert marks(kiosk.store, ids) == [None, None]


def test_an_export_of_the_same_second_is_not_overwritten(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway
) -> None:
    kiosk.enqueue((1000,))
    first = export(kiosk, stick, gateway_key)
    before = first.path.read_bytes()
    with pytest.raises(ExportError) as again:
        export(kiosk, stick, gateway_key)
    assert again.value.problem is ExportProblem.FILE_EXISTS
    assert first.path.read_bytes() == before
    assert sorted(p.name for p in stick.iterdir()) == [first.path.name]


# --- exported is not delivered: the sync goes on -------------------------------------------------


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(tmp_path_factory.mktemp("gateway"))
    process.set_faults(**FAULTS_OFF)
    yield process
    process.stop()


def test_an_exported_dossier_still_syncs_once(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway, gateway: GatewayProcess
) -> None:
    ids = [kiosk.enqueue((70_000, 1000)), kiosk.enqueue((5000,))]
    report = export(kiosk, stick, gateway_key)
    assert report.dossiers == 2
    drain(engine_for(kiosk.store, gateway.url, gateway.token), kiosk.store)
    for client_uuid in ids:
        row = kiosk.store.find(client_uuid)
        assert row is not None and row.status is QueueStatus.SUBMITTED
        (dossier,) = held(gateway, client_uuid)
        assert sorted(f["sha256"] for f in dossier["files"]) == sorted(kiosk.digests[client_uuid])
        mark = kiosk.store.export_mark(client_uuid)
        assert mark is not None and mark.export_file == report.path.name  # the note stays
    # Acknowledged now: nothing left to carry.
    with pytest.raises(ExportError) as empty:
        export(kiosk, stick, gateway_key)
    assert empty.value.problem is ExportProblem.NOTHING_TO_EXPORT


# --- the command ---------------------------------------------------------------------------------


def _kiosk_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "KIOSK_CONFIG": ""},
    )


def test_kiosk_queue_export_usb(tmp_path: Path, stick: Path, gateway_key: Gateway) -> None:
    settings = Settings.model_validate(
        {
            "paths": {"data_dir": str(tmp_path / "data"), "scratch_dir": str(tmp_path / "tmp")},
            "gateway": {"sealing_key": gateway_key.public_text},
        }
    )
    config = tmp_path / "kiosk.toml"
    save_settings(settings, config)
    kiosk = Kiosk(tmp_path / "scan-root")
    kiosk.store.close()
    kiosk.store = QueueStore(queue_dir(settings), settings.master_key_path, now=kiosk.clock)
    ids = [kiosk.enqueue((4000,)), kiosk.enqueue((4000,))]
    receipts = [r.receipt_number for r in (kiosk.store.find(i) for i in ids) if r]
    kiosk.store.close()

    # --config after the command, and one dossier chosen.
    result = _kiosk_cli(
        "queue", "export-usb", "--to", str(stick), "--id", receipts[1], "--config", str(config)
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["dossiers"] == 1 and out["receipts"] == [receipts[1]]
    written = Path(out["file"])
    assert written.parent == stick and written.suffix == ".dvcexport"
    assert out["sha256"] == hashlib.sha256(written.read_bytes()).hexdigest()
    assert SAMPLE_APPLICANT["id_number"] not in result.stdout + result.stderr
    _, members = open_export(written, gateway_key)
    assert {name.split("/")[1] for name, _ in members[1:]} == {ids[1]}

    shown = json.loads(_kiosk_cli("--config", str(config), "queue", "show", receipts[1]).stdout)
    assert shown["exported"]["file"] == written.name
    assert shown["status"] == "queued"

    # No stick: a clear reason, exit 1, nothing written.
    missing = _kiosk_cli("--config", str(config), "queue", "export-usb", "--to", str(stick / "no"))
    assert missing.returncode == 1
    assert "[target_missing]" in missing.stderr

    audit = json.loads(_kiosk_cli("--config", str(config), "queue", "audit").stdout)
    assert [(e["kind"], e["actor"]) for e in audit] == [
        ("export", "console"),
        ("export", "console"),
    ]
    assert audit[0]["detail"] == "failed: target_missing"
    assert audit[1]["detail"].startswith(f"1 dossier(s) to {written.name}")
    assert not any(e["delivered"] for e in audit)


def test_the_command_without_a_sealing_key_says_to_enrol(tmp_path: Path, stick: Path) -> None:
    settings = Settings.model_validate(
        {"paths": {"data_dir": str(tmp_path / "data"), "scratch_dir": str(tmp_path / "tmp")}}
    )
    config = tmp_path / "kiosk.toml"
    save_settings(settings, config)
    result = _kiosk_cli("--config", str(config), "queue", "export-usb", "--to", str(stick))
    assert result.returncode == 1
    assert "enrol" in result.stderr and "[no_sealing_key]" in result.stderr
    assert list(stick.iterdir()) == []


def test_reading_the_export_back_needs_the_whole_file(
    kiosk: Kiosk, stick: Path, gateway_key: Gateway
) -> None:
    # What a stick pulled during the final rename cannot produce, but a copy cut short can:
    # the gateway's reader refuses a truncated file rather than importing part of it.
    kiosk.enqueue((200_000,))
    report = export(kiosk, stick, gateway_key)
    data = report.path.read_bytes()
    cut = stick / "cut.dvcexport"
    cut.write_bytes(data[: len(data) - 1000])
    with pytest.raises(ValueError, match=r"truncated"):
        open_export(cut, gateway_key)
    header, _ = read_header(io.BytesIO(data))
    assert header.details["dossiers"] == 1
