"""A gateway that dies or fails inside tus completion finishes the upload itself, exactly once.

Completion is several steps (offset of the last byte recorded, file checked against its
manifest and moved to its final place, database marked complete). A gateway killed between
them used to answer HEAD with offset = length for ever, so the kiosk sent nothing more, and
finalize answered 409 "files incomplete" for ever: the dossier was stranded. Now the gateway
completes such an upload at start-up, on HEAD and on finalize.

Two kinds of death, both at named steps (``gateway.faults.CrashPoint``): a real gateway process
that exits on the spot (``os._exit``, as under SIGKILL) and is restarted on the same data
directory; and, in a live gateway, a request that fails at that step with an exception (the
process lives on, so only HEAD or finalize can notice).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from gateway_testkit import OCTETS, TUS, Gateway, dossier_body, stored_files, tus_metadata

from gateway.app import open_store
from gateway.faults import CRASH_EXIT_STATUS, CrashPoint
from gateway.store import UploadState
from simulators.gateway_process import GatewayProcess

DATA = bytes((i * 13 + 5) % 251 for i in range(120_000))
STEPS_THAT_KEEP_THE_BYTES = [
    CrashPoint.OFFSET_RECORDED,
    CrashPoint.FILE_MOVED,
    CrashPoint.UPLOAD_COMPLETED,
]


# --- a real process, killed and restarted --------------------------------------------------------


class Client:
    """The kiosk's side, over plain HTTP to a gateway process that may be replaced."""

    def __init__(self, gateway: GatewayProcess) -> None:
        self.gateway = gateway
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {gateway.token}"

    def url(self, path: str) -> str:
        return f"{self.gateway.url}{path}"

    def create_dossier(self, files: list[bytes]) -> dict[str, Any]:
        body = dossier_body(files)
        answer = self.session.post(
            self.url("/api/v1/dossiers"),
            json=body,
            headers={"Idempotency-Key": body["client_uuid"]},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created

    def create_upload(self, length: int, data: bytes | None = None, **metadata: str) -> str:
        headers = {**TUS, "Upload-Length": str(length)}
        if metadata:
            headers["Upload-Metadata"] = tus_metadata(**metadata)
        if data is not None:
            headers["Content-Type"] = OCTETS
        answer = self.session.post(
            self.url("/api/v1/uploads"), headers=headers, data=data, timeout=10
        )
        assert answer.status_code == 201, answer.text
        return answer.headers["Location"]

    def upload_path(self, location: str) -> str:
        # The location names the old process's port; the path is what survives a restart.
        return "/api/v1/uploads/" + location.rsplit("/", 1)[1]

    def patch(self, location: str, offset: int, data: bytes) -> requests.Response:
        return self.session.patch(
            self.url(self.upload_path(location)),
            data=data,
            headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": str(offset)},
            timeout=10,
        )

    def head(self, location: str) -> requests.Response:
        return self.session.head(self.url(self.upload_path(location)), headers=TUS, timeout=10)

    def finalize(self, dossier_id: str) -> requests.Response:
        return self.session.post(self.url(f"/api/v1/dossiers/{dossier_id}/finalize"), timeout=10)

    def die_at(self, step: CrashPoint) -> None:
        self.gateway.set_faults(crash_at=step.value)

    def restart_after_crash(self) -> None:
        assert self.gateway.process.wait(timeout=30) == CRASH_EXIT_STATUS
        self.gateway = self.gateway.restart()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    client = Client(GatewayProcess.start(tmp_path / "gateway"))
    yield client
    client.gateway.stop()
    client.session.close()


def upload_record(data_dir: Path, location: str) -> tuple[UploadState, int, int]:
    with open_store(data_dir) as store:
        upload = store.upload(location.rsplit("/", 1)[1])
        assert upload is not None
        return upload.state, upload.offset, upload.length


def assert_registered_exactly_once(client: Client, dossier_id: str, data: bytes) -> None:
    """Finalize answers one official code, again and again; one dossier, one file, intact."""
    first = client.finalize(dossier_id)
    again = client.finalize(dossier_id)
    assert first.status_code == 200, first.text
    assert again.json()["dossier_code"] == first.json()["dossier_code"]
    assert first.json()["dossier_code"].endswith("-0001")
    (held,) = client.gateway.received()
    assert held["dossier_code"] == first.json()["dossier_code"]
    (file,) = held["files"]
    assert file["complete"] is True
    assert file["sha256"] == hashlib.sha256(data).hexdigest()
    (stored,) = stored_files(client.gateway.data_dir, dossier_id)
    assert stored.read_bytes() == data
    assert list((client.gateway.data_dir / "uploads").glob("*.part")) == []


@pytest.mark.parametrize("step", STEPS_THAT_KEEP_THE_BYTES, ids=str)
def test_a_gateway_killed_inside_completion_completes_the_upload_at_start_up(
    client: Client, step: CrashPoint
) -> None:
    dossier = client.create_dossier([DATA])
    dossier_id, file_id = dossier["dossier_id"], dossier["files"][0]["file_id"]
    location = client.create_upload(len(DATA), dossier_id=dossier_id, file_id=file_id)
    client.die_at(step)

    with pytest.raises(requests.ConnectionError):
        client.patch(location, 0, DATA)
    client.restart_after_crash()

    # Complete before anyone asks: the restart did it.
    assert upload_record(client.gateway.data_dir, location) == (
        UploadState.COMPLETE,
        len(DATA),
        len(DATA),
    )
    head = client.head(location)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == str(len(DATA))
    assert "Upload-Expires" not in head.headers
    assert_registered_exactly_once(client, dossier_id, DATA)


def test_a_gateway_killed_completing_a_creation_with_upload_completes_it(client: Client) -> None:
    # The kiosk never learns the upload's URL; it creates the upload again, and is told that
    # the file is already there.
    dossier = client.create_dossier([DATA])
    dossier_id, file_id = dossier["dossier_id"], dossier["files"][0]["file_id"]
    client.die_at(CrashPoint.OFFSET_RECORDED)

    with pytest.raises(requests.ConnectionError):
        client.create_upload(len(DATA), DATA, dossier_id=dossier_id, file_id=file_id)
    client.restart_after_crash()

    again = client.session.post(
        client.url("/api/v1/uploads"),
        headers={
            **TUS,
            "Upload-Length": str(len(DATA)),
            "Upload-Metadata": tus_metadata(dossier_id=dossier_id, file_id=file_id),
        },
        timeout=10,
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("/already-complete")
    assert_registered_exactly_once(client, dossier_id, DATA)


def test_a_gateway_killed_discarding_a_wrong_file_asks_for_it_again(client: Client) -> None:
    dossier = client.create_dossier([DATA])
    dossier_id, file_id = dossier["dossier_id"], dossier["files"][0]["file_id"]
    location = client.create_upload(len(DATA), dossier_id=dossier_id, file_id=file_id)
    client.die_at(CrashPoint.MISMATCH_DISCARDED)

    with pytest.raises(requests.ConnectionError):
        client.patch(location, 0, bytes(reversed(DATA)))
    client.restart_after_crash()

    assert client.head(location).headers["Upload-Offset"] == "0"
    missing = client.finalize(dossier_id)
    assert missing.status_code == 409
    assert [e["field"] for e in missing.json()["errors"]] == [file_id]
    assert client.patch(location, 0, DATA).status_code == 204
    assert_registered_exactly_once(client, dossier_id, DATA)


def test_a_free_standing_upload_killed_after_its_move_is_complete_after_restart(
    client: Client,
) -> None:
    location = client.create_upload(len(DATA), filename="scan.pdf")
    client.die_at(CrashPoint.FILE_MOVED)

    with pytest.raises(requests.ConnectionError):
        client.patch(location, 0, DATA)
    client.restart_after_crash()

    state, offset, _ = upload_record(client.gateway.data_dir, location)
    assert (state, offset) == (UploadState.COMPLETE, len(DATA))
    upload_id = location.rsplit("/", 1)[1]
    assert (client.gateway.data_dir / "uploads" / f"{upload_id}.bin").read_bytes() == DATA


# --- a live gateway whose completion failed -------------------------------------------------------


def stranded(gateway: Gateway, step: CrashPoint, data: bytes = DATA) -> tuple[str, str, str]:
    """A dossier of one file whose upload failed at ``step`` of completion; its ids and URL."""
    created = gateway.create_dossier(dossier_body([DATA]))
    assert created.status_code == 201
    dossier = created.json()
    dossier_id, file_id = dossier["dossier_id"], dossier["files"][0]["file_id"]
    location = gateway.create_upload(len(DATA), dossier_id=dossier_id, file_id=file_id).headers[
        "Location"
    ]
    gateway.faults.update({"crash_at": step.value, "crash_mode": "fail"})
    failed = gateway.patch(location, 0, data)
    assert failed.status_code == 500
    assert gateway.faults.crash_at is CrashPoint.NONE  # it fired
    return dossier_id, file_id, location


@pytest.mark.parametrize("step", [CrashPoint.OFFSET_RECORDED, CrashPoint.FILE_MOVED], ids=str)
def test_head_completes_an_upload_whose_completion_failed(
    gateway: Gateway, step: CrashPoint
) -> None:
    dossier_id, file_id, location = stranded(gateway, step)
    upload_id = location.rsplit("/", 1)[1]
    before = gateway.db.upload(upload_id)
    assert before is not None and before.state is UploadState.ACTIVE
    assert before.offset == before.length

    head = gateway.head(location)

    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == str(len(DATA))
    assert "Upload-Expires" not in head.headers
    after = gateway.db.upload(upload_id)
    assert after is not None and after.state is UploadState.COMPLETE
    file = gateway.db.file(file_id)
    assert file is not None and file.complete
    assert gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/finalize").status_code == 200


@pytest.mark.parametrize("step", [CrashPoint.OFFSET_RECORDED, CrashPoint.FILE_MOVED], ids=str)
def test_finalize_completes_an_upload_whose_completion_failed(
    gateway: Gateway, step: CrashPoint
) -> None:
    dossier_id, _, _ = stranded(gateway, step)

    first = gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/finalize")
    again = gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/finalize")

    assert first.status_code == 200, first.text
    assert again.json()["dossier_code"] == first.json()["dossier_code"]
    (stored,) = stored_files(gateway.data_dir, dossier_id)
    assert stored.read_bytes() == DATA
    assert len(gateway.db.all_dossiers()) == 1


def test_an_upload_holding_all_its_bytes_does_not_expire(gateway: Gateway) -> None:
    dossier_id, _, location = stranded(gateway, CrashPoint.OFFSET_RECORDED)
    gateway.clock.advance(48 * 3600)

    head = gateway.head(location)

    assert head.status_code == 200, head.text
    assert head.headers["Upload-Offset"] == str(len(DATA))
    assert gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/finalize").status_code == 200


def test_a_failed_discard_of_a_wrong_file_still_asks_for_it_again(gateway: Gateway) -> None:
    dossier_id, file_id, location = stranded(
        gateway, CrashPoint.MISMATCH_DISCARDED, bytes(reversed(DATA))
    )

    assert gateway.head(location).headers["Upload-Offset"] == "0"
    missing = gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/finalize")
    assert missing.status_code == 409
    assert [e["field"] for e in missing.json()["errors"]] == [file_id]
    assert gateway.patch(location, 0, DATA).status_code == 204
    assert gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/finalize").status_code == 200


def test_crash_points_are_switched_like_any_fault(gateway: Gateway) -> None:
    admin = gateway.anonymous()
    url = gateway.url + "/_admin/faults"
    refused = admin.put(url, json={"crash_at": "somewhere"}, timeout=10)
    assert refused.status_code == 400
    changed = admin.put(url, json={"crash_at": "file-moved", "crash_mode": "fail"}, timeout=10)
    assert changed.json()["crash_at"] == "file-moved"
    assert changed.json()["crash_mode"] == "fail"


def test_creating_the_upload_again_finds_the_file_complete(gateway: Gateway) -> None:
    # creation-with-upload failed while completing: the kiosk never got the URL, so it creates
    # the upload again, and must hear that the file is there rather than send it twice.
    created = gateway.create_dossier(dossier_body([DATA])).json()
    metadata = tus_metadata(
        dossier_id=created["dossier_id"], file_id=created["files"][0]["file_id"]
    )
    headers = {**TUS, "Upload-Length": str(len(DATA)), "Upload-Metadata": metadata}
    gateway.faults.update({"crash_at": "offset-recorded", "crash_mode": "fail"})
    failed = gateway.api(
        "POST", "/api/v1/uploads", headers={**headers, "Content-Type": OCTETS}, data=DATA
    )
    assert failed.status_code == 500

    again = gateway.api("POST", "/api/v1/uploads", headers=headers)

    assert again.status_code == 409, again.text
    assert again.json()["type"].endswith("/already-complete")
    finalized = gateway.api("POST", f"/api/v1/dossiers/{created['dossier_id']}/finalize")
    assert finalized.status_code == 200


def test_finalize_says_busy_not_missing_while_an_upload_is_held(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway.locks import LocalLocks

    dossier_id, _, _ = stranded(gateway, CrashPoint.OFFSET_RECORDED)

    @contextlib.asynccontextmanager
    async def held(self: LocalLocks, upload_id: str, wait_s: float | None) -> AsyncIterator[bool]:
        yield False  # another request holds the upload's lock past the wait

    monkeypatch.setattr(LocalLocks, "hold", held)
    busy = gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/finalize")
    assert busy.status_code == 503, busy.text
    assert busy.headers["Retry-After"] == "2"
    monkeypatch.undo()
    done = gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/finalize")
    assert done.status_code == 200, done.text
