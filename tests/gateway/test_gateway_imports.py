"""The import of a kiosk's USB export (``POST /api/v1/imports`` and ``dvc-gateway import``).

Export files are made with ``export_kit`` the way the format says a kiosk makes them. What is
proved: every dossier of an export is registered with its files; a file imported twice stores
nothing twice; a dossier that arrives by stick and by the kiosk's own sync, in either order and
even half-way through a sync, is one dossier and the kiosk's sync completes (driven by the
kiosk's real sync engine where it can be); a dossier refused for its content leaves nothing
behind; a damaged or malformed file is refused whole, with nothing of it stored.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import struct
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from export_kit import Exported, export_bytes, write_export
from gateway_testkit import KIOSK, OTHER_KIOSK, UNIT_CODE, Gateway, dossier_body

from dvc_common.export_format import dossier_member, file_member
from dvc_common.sealed import MAGIC
from gateway.blobs import DirectoryBlobStore
from gateway.cli import main
from gateway.keys import load_keys
from offline_queue.store import QueueStatus
from offline_queue.usb_export import export_unsent
from tests.offline_queue.sync_support import Kiosk, drain, engine_for

ADMIN_TOKEN = "administrator-" + "t" * 40
IMPORTS = "/api/v1/imports"
OCTETS = "application/octet-stream"
PROBLEMS = "https://kiosk.example/problems/"


@pytest.fixture
def gateway(make_gateway: Callable[..., Gateway]) -> Gateway:
    """A gateway whose administrator may import."""
    return make_gateway(admin_token=ADMIN_TOKEN)


def recipient(gateway: Gateway) -> X25519PublicKey:
    return load_keys(gateway.data_dir).sealing.public_key()


def pages(seed: int, *sizes: int) -> list[bytes]:
    rng = random.Random(seed)
    return [b"%PDF-1.7 " + rng.randbytes(size) for size in sizes]


def exported(n: int, *sizes: int, **body: Any) -> Exported:
    """Dossier number ``n`` of KIOSK01 with files of ``sizes`` (distinct bytes per dossier)."""
    files = pages(n, *sizes)
    body.setdefault("receipt_number", f"KIOSK01-261123-{n:04d}")
    return Exported(dossier_body(files, **body), files)


def post_import(
    gateway: Gateway,
    data: bytes | Iterator[bytes],
    *,
    token: str | None = ADMIN_TOKEN,
    content_type: str = OCTETS,
) -> requests.Response:
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return gateway.anonymous().post(gateway.url + IMPORTS, data=data, headers=headers, timeout=60)


def imported(gateway: Gateway, dossiers: list[Exported]) -> dict[str, Any]:
    answer = post_import(gateway, export_bytes(recipient(gateway), dossiers))
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {d["client_uuid"]: d["outcome"] for d in report["dossiers"]}


def stored_digests(gateway: Gateway, client_uuid: str) -> list[str | None]:
    """SHA-256 of each file the gateway holds for the dossier, read from the disk."""
    dossier = gateway.db.dossier_by_uuid(client_uuid)
    assert dossier is not None
    return [
        hashlib.sha256(
            DirectoryBlobStore(gateway.data_dir).locate(f.stored_path).read_bytes()
        ).hexdigest()
        if f.complete and f.stored_path
        else None
        for f in gateway.db.files(dossier.dossier_id)
    ]


def digests(files: list[bytes]) -> list[str | None]:
    return [hashlib.sha256(f).hexdigest() for f in files]


def nothing_left_over(gateway: Gateway) -> bool:
    """No staged or spooled bytes remain, and no upload is left half-written."""
    staging = gateway.data_dir / "imports"
    staged = list(staging.rglob("*")) if staging.exists() else []
    partial = [p for p in (gateway.data_dir / "uploads").iterdir() if p.stat().st_size]
    return staged == [] and partial == []


def _problem(answer: requests.Response) -> str:
    kind: str = answer.json()["type"]
    return kind.removeprefix(PROBLEMS)


# --- importing -----------------------------------------------------------------------------------


def test_an_import_registers_every_dossier_with_its_files(gateway: Gateway) -> None:
    first, second = exported(1, 70_000, 90_000), exported(2, 5_000)

    report = imported(gateway, [first, second])

    assert (report["kiosk_id"], report["imported"], report["refused"]) == (KIOSK, 2, 0)
    codes = [d["dossier_code"] for d in report["dossiers"]]
    assert codes == [f"{UNIT_CODE}-261123-0001", f"{UNIT_CODE}-261123-0002"]
    for item in (first, second):
        key = item.body["client_uuid"]
        assert stored_digests(gateway, key) == digests(item.files)
        record = gateway.db.dossier_by_uuid(key)
        assert record is not None and record.kiosk_id == KIOSK
        history = gateway.db.history(record.dossier_id)
        assert [h.note for h in history] == ["Tiếp nhận hồ sơ từ kiosk KIOSK01 (qua USB)"]
    # The kiosk sees its dossier registered, as if it had synced it.
    view = gateway.api("GET", f"/api/v1/dossiers/{gateway.db.all_dossiers()[0].dossier_id}")
    assert (view.json()["status"], view.json()["dossier_code"]) == ("received", codes[0])
    assert nothing_left_over(gateway)


def test_importing_the_same_file_twice_stores_nothing_twice(gateway: Gateway) -> None:
    dossiers = [exported(1, 70_000), exported(2, 3_000, 4_000)]
    data = export_bytes(recipient(gateway), dossiers)

    first = post_import(gateway, data).json()
    again = post_import(gateway, data).json()

    assert set(outcomes(first).values()) == {"imported"}
    assert set(outcomes(again).values()) == {"already_present"}
    assert [d["dossier_code"] for d in again["dossiers"]] == [
        d["dossier_code"] for d in first["dossiers"]
    ]
    assert len(gateway.db.all_dossiers()) == 2
    assert len([p for p in (gateway.data_dir / "blobs").rglob("*") if p.is_file()]) == 3
    # No official number was used up by the second import: the next dossier gets the third.
    assert gateway.submit([b"%PDF next"], receipt_number="KIOSK01-261123-0009")["dossier_code"] == (
        f"{UNIT_CODE}-261123-0003"
    )
    assert nothing_left_over(gateway)


def test_an_export_is_taken_streamed(gateway: Gateway) -> None:
    data = export_bytes(recipient(gateway), [exported(1, 200_000)])
    chunks = (data[i : i + 7_000] for i in range(0, len(data), 7_000))  # chunked encoding

    answer = post_import(gateway, chunks)

    assert answer.status_code == 200, answer.text
    assert answer.json()["imported"] == 1


# --- import and sync, in either order ------------------------------------------------------------


def kiosk_export(kiosk: Kiosk, client_uuid: str) -> Exported:
    """What the kiosk's exporter puts on the stick: the body it would POST and its pages."""
    files = []
    for row in kiosk.store.files(client_uuid):
        reader = kiosk.store.open_file(row)
        try:
            files.append(reader.read())
        finally:
            reader.close()
    return Exported(kiosk.store.body(client_uuid), files)


def test_a_dossier_imported_then_synced_by_the_kiosk_is_one_dossier(
    gateway: Gateway, tmp_path: Path
) -> None:
    kiosk = Kiosk(tmp_path / "kiosk")
    key = kiosk.enqueue(sizes=(60_000, 90_000))
    code = imported(gateway, [kiosk_export(kiosk, key)])["dossiers"][0]["dossier_code"]

    engine = engine_for(kiosk.store, gateway.url, gateway.token)
    try:
        drain(engine, kiosk.store)
    finally:
        engine.close()

    row = kiosk.store.find(key)
    assert row is not None
    assert (row.status, row.official_code, row.last_error) == (QueueStatus.SUBMITTED, code, None)
    assert engine.bytes_attempted == 0  # the gateway had every page: none was sent
    assert [d.client_uuid for d in gateway.db.all_dossiers()] == [key]
    assert stored_digests(gateway, key) == kiosk.digests[key]


def test_the_kiosks_own_export_imported_by_the_command_then_synced_is_stored_once(
    gateway: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The kiosk's real exporter (offline_queue.usb_export) writes the stick's file; the
    # administrator imports it with the command; the kiosk's sync then finds everything there.
    kiosk = Kiosk(tmp_path / "kiosk")
    keys = [kiosk.enqueue(sizes=(50_000, 20_000)), kiosk.enqueue(sizes=(80_000,))]
    stick = tmp_path / "stick"
    stick.mkdir()
    export = export_unsent(
        kiosk.store,
        stick,
        load_keys(gateway.data_dir).sealing_public,
        KIOSK,
        datetime.fromisoformat("2026-11-23T10:00:00+07:00"),
    )
    data = str(gateway.data_dir)

    assert (
        main(["import", "--data", data, "--unit-code", UNIT_CODE, "--json", str(export.path)]) == 0
    )
    (report,) = json.loads(capsys.readouterr().out)
    assert report["imported"] == 2
    codes = {d["client_uuid"]: d["dossier_code"] for d in report["dossiers"]}

    engine = engine_for(kiosk.store, gateway.url, gateway.token)
    try:
        drain(engine, kiosk.store)
    finally:
        engine.close()

    for key in keys:
        row = kiosk.store.find(key)
        assert row is not None
        assert (row.status, row.official_code) == (QueueStatus.SUBMITTED, codes[key])
        assert stored_digests(gateway, key) == kiosk.digests[key]
    assert engine.bytes_attempted == 0
    assert len(gateway.db.all_dossiers()) == 2


def test_a_dossier_synced_by_the_kiosk_then_imported_is_already_present(
    gateway: Gateway, tmp_path: Path
) -> None:
    kiosk = Kiosk(tmp_path / "kiosk")
    key = kiosk.enqueue(sizes=(60_000,))
    engine = engine_for(kiosk.store, gateway.url, gateway.token)
    try:
        drain(engine, kiosk.store)
    finally:
        engine.close()
    row = kiosk.store.find(key)
    assert row is not None and row.status is QueueStatus.SUBMITTED

    report = imported(gateway, [kiosk_export(kiosk, key)])

    assert report["dossiers"][0]["outcome"] == "already_present"
    assert report["dossiers"][0]["dossier_code"] == row.official_code
    assert len(gateway.db.all_dossiers()) == 1


def test_a_sync_cut_half_way_is_completed_by_the_import_and_the_kiosk_then_finishes(
    gateway: Gateway,
) -> None:
    # The kiosk's requests, as it sends them (offline_queue.uploading): create, tus uploads
    # (one file whole, the other half-way when the link died), then the technician's export.
    item = exported(1, 40_000, 60_000)
    created = gateway.create_dossier(item.body).json()
    first, second = created["files"]
    gateway.upload_dossier_file(created["dossier_id"], first["file_id"], item.files[0])
    upload = gateway.create_upload(
        len(item.files[1]), dossier_id=created["dossier_id"], file_id=second["file_id"]
    ).headers["Location"]
    assert gateway.patch(upload, 0, item.files[1][:30_000]).status_code == 204

    report = imported(gateway, [item])

    assert report["dossiers"][0]["outcome"] == "imported"
    code = report["dossiers"][0]["dossier_code"]
    # The kiosk resumes: its upload is gone, a new one finds the file complete, finalize gives
    # the code the import registered.
    assert gateway.head(upload).status_code == 404
    assert gateway.patch(upload, 30_000, item.files[1][30_000:]).status_code == 404
    again = gateway.create_upload(
        len(item.files[1]), dossier_id=created["dossier_id"], file_id=second["file_id"]
    )
    assert (again.status_code, _problem(again)) == (409, "already-complete")
    finalized = gateway.api("POST", f"/api/v1/dossiers/{created['dossier_id']}/finalize")
    assert (finalized.status_code, finalized.json()["dossier_code"]) == (200, code)
    repeated = gateway.create_dossier(item.body)
    assert (repeated.status_code, repeated.json()["dossier_code"]) == (200, code)
    assert stored_digests(gateway, item.body["client_uuid"]) == digests(item.files)
    assert len(gateway.db.all_dossiers()) == 1
    assert nothing_left_over(gateway)


def test_the_kiosks_repeated_create_after_an_import_answers_the_registered_dossier(
    gateway: Gateway,
) -> None:
    item = exported(1, 10_000)
    code = imported(gateway, [item])["dossiers"][0]["dossier_code"]

    answer = gateway.create_dossier(item.body)

    assert answer.status_code == 200
    view = answer.json()
    assert (view["status"], view["dossier_code"]) == ("received", code)
    assert all(f["complete"] for f in view["files"])


# --- dossiers refused for their content ----------------------------------------------------------


def _wrong_digest(item: Exported) -> None:
    item.files[0] = bytes(len(item.files[0]))


def _wrong_size(item: Exported) -> None:
    item.files[0] += b"more"


def _unknown_procedure(item: Exported) -> None:
    item.body["procedure_code"] = "9.999999"


def _invalid_body(item: Exported) -> None:
    del item.body["applicant"]


def _other_kiosk(item: Exported) -> None:
    item.body["kiosk_id"] = OTHER_KIOSK


def _not_json(item: Exported) -> None:
    item.body["form"] = {"phone": float("nan")}  # json.dumps writes NaN, which is not JSON


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (_wrong_digest, "SHA-256"),
        (_wrong_size, "bytes"),
        (_unknown_procedure, "catalog"),
        (_invalid_body, "applicant"),
        (_other_kiosk, "kiosk_id"),
        (_not_json, "not JSON"),
    ],
    ids=["digest", "size", "procedure", "body", "kiosk", "json"],
)
def test_a_dossier_refused_for_its_content_leaves_nothing_and_the_others_are_imported(
    gateway: Gateway, spoil: Callable[[Exported], None], reason: str
) -> None:
    good, bad, other = exported(1, 20_000), exported(2, 30_000, 10_000), exported(3, 5_000)
    spoil(bad)

    report = imported(gateway, [good, bad, other])

    assert list(outcomes(report).values()) == ["imported", "refused", "imported"]
    refused = report["dossiers"][1]
    assert reason in refused["reason"]
    assert refused["dossier_code"] is None
    assert gateway.db.dossier_by_uuid(bad.body["client_uuid"]) is None
    assert len([p for p in (gateway.data_dir / "blobs").rglob("*") if p.is_file()]) == 2
    assert nothing_left_over(gateway)


def test_a_receipt_number_taken_by_another_dossier_is_refused(gateway: Gateway) -> None:
    gateway.submit([b"%PDF network"], receipt_number="KIOSK01-261123-0002")
    clash = exported(2, 1_000)  # the same receipt number under another client UUID

    report = imported(gateway, [clash])

    assert report["dossiers"][0]["outcome"] == "refused"
    assert "receipt number" in report["dossiers"][0]["reason"]
    assert gateway.db.dossier_by_uuid(clash.body["client_uuid"]) is None


def test_another_body_under_a_dossiers_key_is_refused_and_the_dossier_untouched(
    gateway: Gateway,
) -> None:
    item = exported(1, 1_000)
    created = gateway.create_dossier(item.body).json()
    changed = Exported({**item.body, "form": {"phone": "0987654321"}}, item.files)

    report = imported(gateway, [changed])

    assert report["dossiers"][0]["outcome"] == "refused"
    assert "different body" in report["dossiers"][0]["reason"]
    record = gateway.db.dossier(created["dossier_id"])
    assert record is not None and record.dossier_code is None
    assert stored_digests(gateway, item.body["client_uuid"]) == [None]


# --- files refused whole -------------------------------------------------------------------------


def _segments(data: bytes) -> list[int]:
    """Where each sealed segment of ``data`` starts."""
    position = data.index(b"\n", len(MAGIC)) + 1
    starts = []
    while position < len(data):
        starts.append(position)
        (length,) = struct.unpack(">I", data[position : position + 4])
        position += 4 + length
    return starts


def _flip(data: bytes, at: int) -> bytes:
    damaged = bytearray(data)
    damaged[at] ^= 0x10
    return bytes(damaged)


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated mid-segment": lambda data: data[: len(data) // 2],
    "truncated at a segment boundary": lambda data: data[: _segments(data)[-1]],
    "last segment only cut short": lambda data: data[:-1],
    "header only": lambda data: data[: _segments(data)[0]],
    "bit flipped in a segment": lambda data: _flip(data, len(data) // 2),
    "bit flipped in the header": lambda data: _flip(data, data.index(b'"salt"') + 12),
    "bytes appended": lambda data: data + b"\x00" * 16,
    "empty": lambda data: b"",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_file_is_refused_whole_and_nothing_of_it_is_stored(
    gateway: Gateway, damage: str
) -> None:
    dossiers = [exported(n, 100_000) for n in range(1, 4)]  # several segments
    data = export_bytes(recipient(gateway), dossiers)
    assert len(_segments(data)) > 4

    answer = post_import(gateway, DAMAGE[damage](data))

    assert (answer.status_code, _problem(answer)) == (400, "import-refused"), answer.text
    assert answer.json()["detail"].startswith("Nothing was imported")
    assert gateway.db.all_dossiers() == []
    assert nothing_left_over(gateway)


def test_a_file_sealed_to_another_gateway_says_so(gateway: Gateway) -> None:
    data = export_bytes(X25519PrivateKey.generate().public_key(), [exported(1, 1_000)])
    answer = post_import(gateway, data)
    assert (answer.status_code, _problem(answer)) == (400, "import-refused")
    assert "this gateway's key is" in answer.json()["detail"]
    assert gateway.db.all_dossiers() == []


def test_a_file_that_is_not_sealed_is_refused(gateway: Gateway) -> None:
    answer = post_import(gateway, b"PK\x03\x04 a zip file, say")
    assert (answer.status_code, _problem(answer)) == (400, "import-refused")
    assert "not a sealed export" in answer.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        {"ephemeral": base64.urlsafe_b64encode(bytes(32)).decode().rstrip("=")},  # low order
        {"segment": None},
        {"salt": 5},
    ],
    ids=["low-order ephemeral key", "segment size null", "salt a number"],
)
def test_a_forged_header_is_refused_not_a_failure(gateway: Gateway, header: dict[str, Any]) -> None:
    # A header made by hand to the gateway's key id, with values no SealWriter writes: the
    # reader must refuse it like any damaged file, not fail with a 500.
    genuine = export_bytes(recipient(gateway), [exported(1, 1_000)])
    line_end = genuine.index(b"\n", len(MAGIC))
    fields = {**json.loads(genuine[len(MAGIC) : line_end]), **header}
    forged = MAGIC + json.dumps(fields).encode() + genuine[line_end:]

    answer = post_import(gateway, forged)

    assert (answer.status_code, _problem(answer)) == (400, "import-refused"), answer.text
    assert gateway.db.all_dossiers() == []


def _manifest(items: list[Exported], **changes: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "kiosk_id": KIOSK,
        "created_at": "2026-11-23T10:00:00+07:00",
        "software": "tests",
        "dossiers": [
            {
                "client_uuid": d.body["client_uuid"],
                "receipt_number": d.body["receipt_number"],
                "files": len(d.files),
            }
            for d in items
        ],
        **changes,
    }


def _malformed(name: str, public: X25519PublicKey) -> bytes:
    """A properly sealed archive that breaks the export format in the way ``name`` says."""
    item = exported(1, 2_000)
    key = item.body["client_uuid"]
    if name == "member outside the format":
        # Where the dossier's second file should come, a name that climbs out of it.
        item.extra_members.append((f"dossiers/{key}/files/../../../escape", b"x"))
        return export_bytes(public, [item], manifest=_manifest([item], dossiers=[
            {"client_uuid": key, "receipt_number": item.body["receipt_number"], "files": 2}
        ]))  # fmt: skip
    if name == "absolute member name":
        return export_bytes(public, [item], first_members=[("/etc/passwd", b"x")])
    if name == "manifest not first":
        return export_bytes(public, [item], first_members=[(dossier_member(key), b"{}")])
    if name == "symbolic link":
        item.symlinks.append((file_member(key, "birth_certificate-1.pdf"), "/etc/passwd"))
        return export_bytes(public, [item], manifest=_manifest([item], dossiers=[
            {"client_uuid": key, "receipt_number": item.body["receipt_number"], "files": 2}
        ]))  # fmt: skip
    if name == "a dossier missing":
        missing = exported(2, 1_000)
        return export_bytes(public, [item], manifest=_manifest([item, missing]))
    if name == "more members than listed":
        item.extra_members.append((file_member(key, "unlisted.pdf"), b"x"))
        return export_bytes(public, [item], manifest=_manifest([item]))
    if name == "a file of another dossier":
        item.extra_members.append((file_member(str(uuid.uuid4()), "a.pdf"), b"x"))
        return export_bytes(public, [item], manifest=_manifest([item]))
    if name == "manifest not valid":
        return export_bytes(public, [item], manifest=_manifest([item], version=2))
    raise AssertionError(name)


MALFORMED = [
    "member outside the format",
    "absolute member name",
    "manifest not first",
    "symbolic link",
    "a dossier missing",
    "more members than listed",
    "a file of another dossier",
    "manifest not valid",
]


@pytest.mark.parametrize("name", MALFORMED)
def test_an_archive_outside_the_export_format_is_refused_whole(gateway: Gateway, name: str) -> None:
    answer = post_import(gateway, _malformed(name, recipient(gateway)))

    assert (answer.status_code, _problem(answer)) == (400, "import-refused"), answer.text
    assert gateway.db.all_dossiers() == []
    assert nothing_left_over(gateway)


def test_an_export_from_a_kiosk_not_enrolled_here_is_refused(gateway: Gateway) -> None:
    stranger = exported(1, 1_000, kiosk_id="KIOSK77", receipt_number="KIOSK77-261123-0001")
    data = export_bytes(recipient(gateway), [stranger], kiosk_id="KIOSK77")

    answer = post_import(gateway, data)

    assert (answer.status_code, _problem(answer)) == (400, "import-refused")
    assert "KIOSK77" in answer.json()["detail"]
    assert gateway.db.all_dossiers() == []


# --- who may import ------------------------------------------------------------------------------


def test_only_the_administrator_imports(gateway: Gateway) -> None:
    data = export_bytes(recipient(gateway), [exported(1, 1_000)])

    for token in (None, gateway.token, ADMIN_TOKEN[:-1] + "u"):
        answer = post_import(gateway, data, token=token)
        assert (answer.status_code, _problem(answer)) == (401, "unauthorized")
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    wrong_type = post_import(gateway, data, content_type="application/json")
    assert wrong_type.status_code == 415
    assert gateway.db.all_dossiers() == []


def test_a_gateway_without_an_administrators_token_takes_no_import(
    make_gateway: Callable[..., Gateway],
) -> None:
    gateway = make_gateway()
    answer = post_import(gateway, export_bytes(recipient(gateway), [exported(1, 1_000)]))
    assert (answer.status_code, _problem(answer)) == (403, "forbidden")


@pytest.mark.parametrize("sent", ["with its length", "chunked"])
def test_an_export_over_the_bound_is_refused(
    make_gateway: Callable[..., Gateway], sent: str
) -> None:
    gateway = make_gateway(admin_token=ADMIN_TOKEN, max_import_bytes=50_000)
    data = export_bytes(recipient(gateway), [exported(1, 60_000)])
    body = data if sent == "with its length" else iter([data[:40_000], data[40_000:]])

    answer = post_import(gateway, body)

    assert (answer.status_code, _problem(answer)) == (413, "too-large")
    assert gateway.db.all_dossiers() == []
    assert nothing_left_over(gateway)


# --- the command ---------------------------------------------------------------------------------


def test_the_import_command_imports_each_file_and_says_what_became_of_it(
    gateway: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    public = recipient(gateway)
    good = write_export(tmp_path / "KIOSK01-20261123-100000.dvcexport", public, [exported(1, 9)])
    damaged = tmp_path / "damaged.dvcexport"
    damaged.write_bytes(export_bytes(public, [exported(2, 9)])[:-3])
    data = str(gateway.data_dir)

    assert main(["import", "--data", data, "--unit-code", UNIT_CODE, str(good), str(damaged)]) == 2
    out = capsys.readouterr().out
    assert f"{good}: kiosk KIOSK01, 1 imported, 0 already present, 0 refused" in out
    assert f"{damaged}: refused, nothing imported: " in out
    assert f"{UNIT_CODE}-" in out

    assert main(["import", "--data", data, "--unit-code", UNIT_CODE, "--json", str(good)]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert (report["file"], report["already_present"]) == (str(good), 1)
    assert len(gateway.db.all_dossiers()) == 1


def test_the_import_command_exits_1_when_a_dossier_is_refused(
    gateway: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = exported(1, 9)
    _unknown_procedure(bad)
    path = write_export(tmp_path / "bad.dvcexport", recipient(gateway), [bad, exported(2, 9)])

    assert main(["import", "--data", str(gateway.data_dir), str(path)]) == 1
    out = capsys.readouterr().out
    assert "1 imported, 0 already present, 1 refused" in out
    assert "refused  (The gateway's catalog has no procedure 9.999999." in out


def test_the_import_command_refuses_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "--data", str(tmp_path), str(tmp_path / "none.dvcexport")]) == 2
    assert "no such file" in capsys.readouterr().err
