"""Two gateway processes on one PostgreSQL database and one shared directory behave as one:
an upload begun on one resumes on the other, even after the first was killed mid-request; one
Idempotency-Key sent to both at the same moment makes one dossier; official codes stay unique
and gap-free while both register dossiers at once. Real processes, a real server."""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from gateway_testkit import OCTETS, TUS, dossier_body, sha256_hex, stored_files, tus_metadata

from gateway.app import use_database
from simulators.gateway_process import GatewayProcess

PAGE = bytes(range(256)) * 400  # 100 KB
UNIT_CODE = "H00.00.00"  # the serve command's default unit


@pytest.fixture
def replicas(tmp_path: Path, pg_url: str) -> Iterator[tuple[GatewayProcess, GatewayProcess]]:
    data_dir = tmp_path / "shared"
    use_database(data_dir, pg_url)
    first = GatewayProcess.start(data_dir)
    second = first.replica()
    yield first, second
    for gateway in (first, second):
        if gateway.process.poll() is None:
            gateway.stop()


def session(gateway: GatewayProcess) -> requests.Session:
    client = requests.Session()
    client.headers["Authorization"] = f"Bearer {gateway.token}"
    return client


def create(gateway: GatewayProcess, body: dict[str, Any]) -> requests.Response:
    return session(gateway).post(
        f"{gateway.url}/api/v1/dossiers", json=body,
        headers={"Idempotency-Key": body["client_uuid"]}, timeout=30,
    )  # fmt: skip


def upload(gateway: GatewayProcess, dossier: dict[str, Any], data: bytes) -> str:
    metadata = tus_metadata(
        dossier_id=dossier["dossier_id"], file_id=dossier["files"][0]["file_id"]
    )
    created = session(gateway).post(
        f"{gateway.url}/api/v1/uploads", timeout=30,
        headers={**TUS, "Upload-Length": str(len(data)), "Upload-Metadata": metadata},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    return str(created.headers["Location"]).rsplit("/", 1)[-1]


def patch(gateway: GatewayProcess, upload_id: str, offset: int, data: bytes) -> requests.Response:
    return session(gateway).patch(
        f"{gateway.url}/api/v1/uploads/{upload_id}", data=data, timeout=30,
        headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": str(offset)},
    )  # fmt: skip


def offset_on(gateway: GatewayProcess, upload_id: str) -> int:
    answer = session(gateway).head(
        f"{gateway.url}/api/v1/uploads/{upload_id}", headers=TUS, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return int(answer.headers["Upload-Offset"])


def finalize(gateway: GatewayProcess, dossier_id: str) -> dict[str, Any]:
    answer = session(gateway).post(
        f"{gateway.url}/api/v1/dossiers/{dossier_id}/finalize", timeout=60
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_an_upload_begun_on_one_replica_finishes_on_the_other(
    replicas: tuple[GatewayProcess, GatewayProcess],
) -> None:
    first, second = replicas
    dossier = create(first, dossier_body([PAGE])).json()
    upload_id = upload(first, dossier, PAGE)
    assert patch(first, upload_id, 0, PAGE[:40_000]).status_code == 204

    assert offset_on(second, upload_id) == 40_000
    assert patch(second, upload_id, 40_000, PAGE[40_000:]).status_code == 204
    result = finalize(first, dossier["dossier_id"])

    assert re.fullmatch(rf"{re.escape(UNIT_CODE)}-\d{{6}}-0001", result["dossier_code"])
    (stored,) = stored_files(first.data_dir, dossier["dossier_id"])
    assert stored.read_bytes() == PAGE


def until_advisory_locks(url: str, count: int, tries: int = 2000) -> bool:
    """Whether the server comes to hold ``count`` advisory locks, asked again and again; each
    question is a round trip, so this waits on the condition, not on a clock."""
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(tries):
            row = conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
            ).fetchone()
            if row is not None and row[0] == count:
                return True
    return False


def test_a_replica_killed_mid_patch_leaves_the_upload_to_the_other(
    replicas: tuple[GatewayProcess, GatewayProcess], pg_url: str
) -> None:
    first, second = replicas
    dossier = create(first, dossier_body([PAGE])).json()
    upload_id = upload(first, dossier, PAGE)

    # A PATCH whose body stops half-way, as a kiosk's on a dropping link: the first replica
    # holds the upload's lock while it waits for the rest, and is killed there.
    half = threading.Event()
    host, port = first.address
    connection = http.client.HTTPConnection(host, port, timeout=30)

    def body() -> Iterator[bytes]:
        yield PAGE[:50_000]
        half.set()
        threading.Event().wait(5)  # the connection is torn down long before

    def send() -> None:
        try:
            connection.request(
                "PATCH", f"/api/v1/uploads/{upload_id}", body=body(), encode_chunked=True,
                headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": "0",
                         "Authorization": f"Bearer {first.token}"},
            )  # fmt: skip
            connection.getresponse()
        except (OSError, http.client.HTTPException):
            pass  # the replica is gone: what a kiosk sees, and retries elsewhere

    sender = threading.Thread(target=send)
    sender.start()
    assert half.wait(30)
    # Killed while it holds the upload's lock, as the server shows.
    assert until_advisory_locks(pg_url, 1)
    first.kill()
    sender.join(timeout=30)
    connection.close()

    # The dead replica's lock went with its session, and the half it took was never recorded
    # (the offset moves only once bytes are on disk and the request has ended).
    assert offset_on(second, upload_id) == 0
    assert until_advisory_locks(pg_url, 0)
    assert patch(second, upload_id, 0, PAGE).status_code == 204
    result = finalize(second, dossier["dossier_id"])
    assert result["status"] == "received"
    (stored,) = stored_files(second.data_dir, dossier["dossier_id"])
    assert stored.read_bytes() == PAGE


def test_one_key_sent_to_both_replicas_at_once_makes_one_dossier(
    replicas: tuple[GatewayProcess, GatewayProcess],
) -> None:
    first, second = replicas
    for round_ in range(5):
        body = dossier_body([PAGE], receipt_number=f"KIOSK01-261123-{round_ + 1:04d}")
        start = threading.Barrier(2)

        def send(
            gateway: GatewayProcess,
            body: dict[str, Any] = body,
            start: threading.Barrier = start,
        ) -> requests.Response:
            start.wait()
            return create(gateway, body)

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(send, (first, second)))

        assert sorted(a.status_code for a in answers) in ([200, 201], [201, 201]), [
            a.text for a in answers
        ]
        assert len({a.json()["dossier_id"] for a in answers}) == 1
    assert len(first.received()) == 5


def test_codes_stay_unique_and_gap_free_while_both_replicas_register(
    replicas: tuple[GatewayProcess, GatewayProcess],
) -> None:
    first, second = replicas
    count = 16

    def one(i: int) -> str:
        gateway = (first, second)[i % 2]
        data = PAGE[: 1000 + i]
        body = dossier_body([data], receipt_number=f"KIOSK01-261123-{i + 1:04d}")
        dossier = create(gateway, body).json()
        upload_id = upload(gateway, dossier, data)
        assert patch(gateway, upload_id, 0, data).status_code == 204
        # Registered on the other replica than the one that took the files.
        return str(finalize((second, first)[i % 2], dossier["dossier_id"])["dossier_code"])

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(one, range(count)))

    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(1, count + 1))
    held = first.received()
    assert len(held) == count
    assert all(f["complete"] and f["sha256"] == sha256_hex(PAGE[: f["size"]])
               for d in held for f in d["files"])  # fmt: skip
