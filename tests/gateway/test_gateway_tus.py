"""The tus 1.0.0 endpoint: creation, offsets, checksums, expiry, termination, dropped
connections, the whole-file check of dossier files, and a real tus client (tuspy)."""

from __future__ import annotations

import base64
import hashlib
import socket
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from gateway_testkit import (
    MONDAY_MORNING,
    OCTETS,
    TUS,
    Gateway,
    dossier_body,
    stored_files,
    tus_metadata,
)
from tusclient.client import TusClient

DATA = bytes((i * 7 + 3) % 256 for i in range(100_000))


def problem_type(response: requests.Response) -> str:
    assert response.headers["Content-Type"] == "application/problem+json"
    kind: str = response.json()["type"].removeprefix("https://kiosk.example/problems/")
    return kind


def checksum(algorithm: str, data: bytes) -> str:
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def new_upload(gateway: Gateway, length: int = len(DATA)) -> str:
    created = gateway.create_upload(length)
    assert created.status_code == 201, created.text
    return created.headers["Location"]


def dossier_with(gateway: Gateway, data: bytes, manifest: bytes | None = None) -> tuple[str, str]:
    """A dossier of one file whose manifest describes ``manifest`` (``data`` by default)."""
    created = gateway.create_dossier(dossier_body([manifest if manifest is not None else data]))
    assert created.status_code == 201
    dossier = created.json()
    return dossier["dossier_id"], dossier["files"][0]["file_id"]


# --- discovery and creation ----------------------------------------------------------------------


def test_options_describes_the_server(gateway: Gateway) -> None:
    answer = gateway.api("OPTIONS", "/api/v1/uploads")
    assert answer.status_code == 204
    assert {k: answer.headers[k] for k in answer.headers if k.lower().startswith("tus-")} == {
        "tus-version": "1.0.0",
        "tus-extension": "creation,creation-with-upload,checksum,expiration,termination",
        "tus-checksum-algorithm": "sha1,md5,sha256",
        "tus-max-size": str(20 * 1024 * 1024),
        "tus-resumable": "1.0.0",
    }


def test_creation_answers_an_absolute_location_and_an_expiry(gateway: Gateway) -> None:
    created = gateway.create_upload(1000, filename="scan.pdf")

    assert created.status_code == 201
    assert created.headers["Tus-Resumable"] == "1.0.0"
    location = created.headers["Location"]
    assert location.startswith(f"{gateway.url}/api/v1/uploads/u_")
    expires = parsedate_to_datetime(created.headers["Upload-Expires"])
    assert expires == MONDAY_MORNING + timedelta(hours=24)
    head = gateway.head(location)
    assert head.status_code == 200
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"]) == ("0", "1000")
    assert head.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("version", [None, "0.2.2"])
def test_requests_without_tus_1_0_0_are_refused(gateway: Gateway, version: str | None) -> None:
    location = new_upload(gateway)
    headers = {"Upload-Length": "10"} if version is None else {"Tus-Resumable": version}
    for method, url in (("POST", gateway.url + "/api/v1/uploads"), ("HEAD", location)):
        answer = gateway.session.request(method, url, headers=headers, timeout=10)
        assert answer.status_code == 412
        assert answer.headers["Tus-Version"] == "1.0.0"
        assert answer.headers["Tus-Resumable"] == "1.0.0"
    patch = gateway.session.patch(
        location, data=b"x", headers={"Content-Type": OCTETS, "Upload-Offset": "0"}, timeout=10
    )
    assert patch.status_code == 412
    assert problem_type(patch) == "tus-version"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 400),
        ({"Upload-Length": "-1"}, 400),
        ({"Upload-Length": str(20 * 1024 * 1024 + 1)}, 413),
        ({"Upload-Length": "10", "Upload-Metadata": "key not*base64"}, 400),
        ({"Upload-Length": "10", "Upload-Defer-Length": "1"}, 400),
    ],
)
def test_creation_checks_its_headers(
    gateway: Gateway, headers: dict[str, str], status: int
) -> None:
    answer = gateway.api("POST", "/api/v1/uploads", headers={**TUS, **headers})
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "application/problem+json"


def test_a_dossier_upload_must_match_its_manifest_entry(gateway: Gateway) -> None:
    dossier_id, file_id = dossier_with(gateway, DATA)
    other_kiosk_dossier = gateway.as_kiosk(gateway.other_token).post(
        f"{gateway.url}/api/v1/dossiers",
        json=(
            body := dossier_body([DATA], kiosk_id="KIOSK02", receipt_number="KIOSK02-261123-0001")
        ),
        headers={"Idempotency-Key": body["client_uuid"]},
        timeout=10,
    )
    assert other_kiosk_dossier.status_code == 201
    foreign = other_kiosk_dossier.json()

    cases = [
        (len(DATA) - 1, {"dossier_id": dossier_id, "file_id": file_id}),
        (len(DATA), {"dossier_id": dossier_id}),
        (len(DATA), {"dossier_id": "d_doesnotexist0", "file_id": file_id}),
        (len(DATA), {"dossier_id": dossier_id, "file_id": "f_doesnotexist0"}),
        (
            len(DATA),
            {"dossier_id": foreign["dossier_id"], "file_id": foreign["files"][0]["file_id"]},
        ),
    ]
    for length, metadata in cases:
        answer = gateway.create_upload(length, **metadata)
        assert answer.status_code == 400, metadata
        assert problem_type(answer) in {"invalid-header"}


def test_a_new_upload_of_a_dossier_file_replaces_the_old_one(gateway: Gateway) -> None:
    dossier_id, file_id = dossier_with(gateway, DATA)
    first = gateway.create_upload(len(DATA), dossier_id=dossier_id, file_id=file_id)
    assert gateway.patch(first.headers["Location"], 0, DATA[:500]).status_code == 204
    second = gateway.create_upload(len(DATA), dossier_id=dossier_id, file_id=file_id)

    assert gateway.head(first.headers["Location"]).status_code == 404
    state = gateway.api("GET", f"/api/v1/dossiers/{dossier_id}").json()
    assert state["files"][0]["upload_url"] == second.headers["Location"]
    assert gateway.patch(second.headers["Location"], 0, DATA).status_code == 204

    again = gateway.create_upload(len(DATA), dossier_id=dossier_id, file_id=file_id)
    assert again.status_code == 409
    assert problem_type(again) == "already-complete"


# --- PATCH ---------------------------------------------------------------------------------------


def test_bytes_arrive_in_pieces_at_the_right_offsets(gateway: Gateway) -> None:
    location = new_upload(gateway)
    offset = 0
    for size in (1, 4095, 30_000, len(DATA) - 34_096):
        answer = gateway.patch(location, offset, DATA[offset : offset + size])
        assert answer.status_code == 204
        offset += size
        assert answer.headers["Upload-Offset"] == str(offset)
        assert gateway.head(location).headers["Upload-Offset"] == str(offset)
    assert "Upload-Expires" not in gateway.head(location).headers  # complete: nothing expires
    upload_id = location.rsplit("/", 1)[1]
    assert (gateway.data_dir / "uploads" / f"{upload_id}.bin").read_bytes() == DATA
    # A complete upload takes an empty PATCH at its end (a retried last request), nothing more.
    assert gateway.patch(location, len(DATA), b"").status_code == 204
    assert gateway.patch(location, len(DATA), b"x").status_code == 413


def test_a_patch_at_the_wrong_offset_is_a_conflict(gateway: Gateway) -> None:
    location = new_upload(gateway)
    assert gateway.patch(location, 0, DATA[:100]).status_code == 204
    for wrong in (0, 50, 200):
        answer = gateway.patch(location, wrong, DATA[wrong : wrong + 10])
        assert answer.status_code == 409
        assert problem_type(answer) == "offset-mismatch"
    assert gateway.head(location).headers["Upload-Offset"] == "100"


def test_patch_checks_its_headers(gateway: Gateway) -> None:
    location = new_upload(gateway)
    wrong_type = gateway.session.patch(
        location,
        data=b"abc",
        headers={**TUS, "Content-Type": "application/octet-stream", "Upload-Offset": "0"},
        timeout=10,
    )
    no_offset = gateway.session.patch(
        location, data=b"abc", headers={**TUS, "Content-Type": OCTETS}, timeout=10
    )
    unknown_algorithm = gateway.patch(location, 0, b"abc", Upload_Checksum="crc32 AAAAAA==")
    unknown_upload = gateway.patch(location.rsplit("/", 1)[0] + "/u_doesnotexist0", 0, b"abc")

    assert wrong_type.status_code == 415
    assert no_offset.status_code == 400
    assert unknown_algorithm.status_code == 400
    assert problem_type(unknown_algorithm) == "invalid-header"
    assert unknown_upload.status_code == 404
    assert gateway.head(location).headers["Upload-Offset"] == "0"


def create_with(gateway: Gateway, length: int, body: bytes, **headers: str) -> requests.Response:
    all_headers = {**TUS, "Upload-Length": str(length), "Content-Type": OCTETS}
    all_headers.update({k.replace("_", "-"): v for k, v in headers.items()})
    return gateway.api("POST", "/api/v1/uploads", headers=all_headers, data=body)


def test_creation_with_upload_keeps_the_first_bytes(gateway: Gateway) -> None:
    first = DATA[:4000]
    created = create_with(gateway, len(DATA), first, Upload_Checksum=checksum("sha1", first))
    assert created.status_code == 201
    assert created.headers["Upload-Offset"] == "4000"
    location = created.headers["Location"]
    assert gateway.head(location).headers["Upload-Offset"] == "4000"
    rest = gateway.patch(location, 4000, DATA[4000:])
    assert rest.status_code == 204 and rest.headers["Upload-Offset"] == str(len(DATA))


def test_creation_with_upload_is_not_held_to_the_json_body_limit(gateway: Gateway) -> None:
    # The kiosk's first chunk grows with the link (up to 1 MiB); only the upload's length bounds
    # the bytes of a tus request, as for PATCH.
    data = DATA * 4
    assert len(data) > 256 * 1024
    created = create_with(gateway, len(data), data, Upload_Checksum=checksum("sha1", data))
    assert created.status_code == 201, created.text
    assert created.headers["Upload-Offset"] == str(len(data))
    too_many = create_with(gateway, len(data) - 1, data)
    assert too_many.status_code == 413 and problem_type(too_many) == "too-large"


def test_creation_with_a_bad_checksum_still_creates_the_upload(gateway: Gateway) -> None:
    first = DATA[:4000]
    created = create_with(gateway, len(DATA), first, Upload_Checksum=checksum("sha1", b"other"))
    assert created.status_code == 201
    assert created.headers["Upload-Offset"] == "0"
    assert gateway.head(created.headers["Location"]).headers["Upload-Offset"] == "0"


def test_creation_with_a_whole_dossier_file_completes_it(gateway: Gateway) -> None:
    dossier_id, file_id = dossier_with(gateway, DATA)
    metadata = tus_metadata(dossier_id=dossier_id, file_id=file_id)
    created = create_with(gateway, len(DATA), DATA, Upload_Metadata=metadata)
    assert created.status_code == 201
    assert created.headers["Upload-Offset"] == str(len(DATA))
    assert "Upload-Expires" not in created.headers  # complete: nothing left to expire
    files = gateway.api("GET", f"/api/v1/dossiers/{dossier_id}").json()["files"]
    assert files[0]["complete"] is True


def test_creation_with_a_file_that_breaks_its_manifest_starts_at_zero(gateway: Gateway) -> None:
    dossier_id, file_id = dossier_with(gateway, DATA)
    wrong = b"\x00" + DATA[1:]
    metadata = tus_metadata(dossier_id=dossier_id, file_id=file_id)
    created = create_with(gateway, len(DATA), wrong, Upload_Metadata=metadata)
    assert created.status_code == 201
    assert created.headers["Upload-Offset"] == "0"


@pytest.mark.parametrize("algorithm", ["sha1", "md5", "sha256"])
def test_checksummed_pieces_are_kept_whole_or_not_at_all(gateway: Gateway, algorithm: str) -> None:
    location = new_upload(gateway)
    piece = DATA[:5000]
    corrupted = b"\x00" + piece[1:]

    refused = gateway.patch(location, 0, corrupted, Upload_Checksum=checksum(algorithm, piece))
    assert refused.status_code == 460
    assert problem_type(refused) == "checksum-mismatch"
    assert gateway.head(location).headers["Upload-Offset"] == "0"

    accepted = gateway.patch(location, 0, piece, Upload_Checksum=checksum(algorithm, piece))
    assert accepted.status_code == 204
    assert accepted.headers["Upload-Offset"] == "5000"


@pytest.mark.parametrize("algorithm", [None, "sha1"])
def test_data_past_the_length_is_refused(gateway: Gateway, algorithm: str | None) -> None:
    location = new_upload(gateway, length=100)
    data = DATA[:150]
    extra = {"Upload_Checksum": checksum(algorithm, data)} if algorithm else {}

    answer = gateway.patch(location, 0, data, **extra)

    assert answer.status_code == 413
    assert gateway.head(location).headers["Upload-Offset"] == "0"


def test_a_file_that_does_not_match_its_manifest_starts_again(gateway: Gateway) -> None:
    wrong = bytes(reversed(DATA))
    dossier_id, file_id = dossier_with(gateway, DATA)
    location = gateway.create_upload(len(DATA), dossier_id=dossier_id, file_id=file_id).headers[
        "Location"
    ]
    assert gateway.patch(location, 0, wrong[:60_000]).status_code == 204

    refused = gateway.patch(location, 60_000, wrong[60_000:])

    assert refused.status_code == 460
    assert problem_type(refused) == "checksum-mismatch"
    assert gateway.head(location).headers["Upload-Offset"] == "0"
    state = gateway.api("GET", f"/api/v1/dossiers/{dossier_id}").json()
    assert state["files"][0]["complete"] is False
    assert gateway.patch(location, 0, DATA).status_code == 204
    assert gateway.api("GET", f"/api/v1/dossiers/{dossier_id}").json()["files"][0]["complete"]


# --- expiry and termination ----------------------------------------------------------------------


def test_an_idle_upload_expires_a_day_after_its_last_patch(gateway: Gateway) -> None:
    location = new_upload(gateway)
    gateway.clock.advance(20 * 3600)
    answer = gateway.patch(location, 0, DATA[:10])
    assert parsedate_to_datetime(answer.headers["Upload-Expires"]) == gateway.clock.now() + (
        timedelta(hours=24)
    )
    gateway.clock.advance(23 * 3600)
    assert gateway.head(location).status_code == 200  # 43 h after creation, 23 h after the PATCH

    gateway.clock.advance(3600 + 1)

    for answer in (gateway.head(location), gateway.patch(location, 10, DATA[10:20])):
        assert answer.status_code == 410
    assert problem_type(gateway.patch(location, 10, DATA[10:20])) == "expired"
    upload_id = location.rsplit("/", 1)[1]
    assert not (gateway.data_dir / "uploads" / f"{upload_id}.part").exists()


def test_a_terminated_upload_is_gone(gateway: Gateway) -> None:
    dossier_id, file_id = dossier_with(gateway, DATA)
    location = gateway.create_upload(len(DATA), dossier_id=dossier_id, file_id=file_id).headers[
        "Location"
    ]
    assert gateway.patch(location, 0, DATA[:10]).status_code == 204

    deleted = gateway.session.delete(location, headers=TUS, timeout=10)

    assert deleted.status_code == 204
    assert deleted.headers["Tus-Resumable"] == "1.0.0"
    assert gateway.head(location).status_code == 404
    assert gateway.patch(location, 10, DATA[10:20]).status_code == 404
    assert gateway.session.delete(location, headers=TUS, timeout=10).status_code == 404
    state = gateway.api("GET", f"/api/v1/dossiers/{dossier_id}").json()
    assert state["files"][0]["upload_url"] is None


def test_another_kiosks_upload_is_not_found(gateway: Gateway) -> None:
    location = new_upload(gateway)
    other = gateway.as_kiosk(gateway.other_token)
    assert other.head(location, headers=TUS, timeout=10).status_code == 404


# --- dropped connections -------------------------------------------------------------------------


def _patch_then_drop(gateway: Gateway, location: str, data: bytes, extra: str = "") -> None:
    """Send a PATCH's headers and the first half of its body, then close the connection."""
    url = urlsplit(location)
    assert url.hostname is not None and url.port is not None
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        head = (
            f"PATCH {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: Bearer {gateway.token}\r\nTus-Resumable: 1.0.0\r\n"
            f"Content-Type: {OCTETS}\r\nUpload-Offset: 0\r\nContent-Length: {len(data)}\r\n"
            f"{extra}Expect: 100-continue\r\n\r\n"
        )
        sock.sendall(head.encode())
        # The server asks for the body once the handler reads it, holding the upload.
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(1024)
            assert chunk, "the server closed the connection"
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 100"), reply
        sock.sendall(data[: len(data) // 2])


def test_bytes_before_a_dropped_connection_are_kept(gateway: Gateway) -> None:
    location = new_upload(gateway)

    _patch_then_drop(gateway, location, DATA)

    # HEAD waits for the interrupted PATCH to finish, so the offset is final.
    offset = int(gateway.head(location).headers["Upload-Offset"])
    assert offset == len(DATA) // 2
    assert gateway.patch(location, offset, DATA[offset:]).status_code == 204
    upload_id = location.rsplit("/", 1)[1]
    assert (gateway.data_dir / "uploads" / f"{upload_id}.bin").read_bytes() == DATA


def test_a_checksummed_request_cut_short_keeps_nothing(gateway: Gateway) -> None:
    location = new_upload(gateway)

    _patch_then_drop(gateway, location, DATA, f"Upload-Checksum: {checksum('sha1', DATA)}\r\n")

    assert gateway.head(location).headers["Upload-Offset"] == "0"
    upload_id = location.rsplit("/", 1)[1]
    assert not (gateway.data_dir / "uploads" / f"{upload_id}.chunk").exists()


# --- a real tus client ---------------------------------------------------------------------------


def _tuspy_upload(gateway: Gateway, path: Path, **metadata: str) -> str:
    client = TusClient(
        f"{gateway.url}/api/v1/uploads", headers={"Authorization": f"Bearer {gateway.token}"}
    )
    # A stream we own: given a path, tuspy opens the file and never closes it.
    with path.open("rb") as stream:
        uploader = client.uploader(
            file_stream=stream, chunk_size=16 * 1024, upload_checksum=True, metadata=metadata
        )
        uploader.upload()
        assert uploader.offset == path.stat().st_size
        url: str = uploader.url
    return url


def test_tuspy_uploads_a_free_standing_file_intact(gateway: Gateway, tmp_path: Path) -> None:
    source = tmp_path / "scan.pdf"
    source.write_bytes(DATA)

    url = _tuspy_upload(gateway, source, filename="scan.pdf")

    upload_id = url.rsplit("/", 1)[1]
    assert (gateway.data_dir / "uploads" / f"{upload_id}.bin").read_bytes() == DATA
    upload = gateway.db.upload(upload_id)
    assert upload is not None and upload.metadata == {"filename": "scan.pdf"}


def test_tuspy_uploads_a_dossier_file(gateway: Gateway, tmp_path: Path) -> None:
    source = tmp_path / "birth_certificate-1.pdf"
    source.write_bytes(DATA)
    dossier_id, file_id = dossier_with(gateway, DATA)

    _tuspy_upload(gateway, source, dossier_id=dossier_id, file_id=file_id)

    finalized = gateway.api("POST", f"/api/v1/dossiers/{dossier_id}/finalize")
    assert finalized.status_code == 200
    (stored,) = stored_files(gateway.data_dir, dossier_id)
    assert stored.read_bytes() == DATA


def test_metadata_is_tus_encoded(gateway: Gateway) -> None:
    encoded = tus_metadata(filename="giấy khai sinh.pdf", filetype="application/pdf") + ",flag"
    created = gateway.api(
        "POST", "/api/v1/uploads", headers={**TUS, "Upload-Length": "5", "Upload-Metadata": encoded}
    )
    assert created.status_code == 201
    upload = gateway.db.upload(created.headers["Location"].rsplit("/", 1)[1])
    assert upload is not None
    assert upload.metadata == {
        "filename": "giấy khai sinh.pdf",
        "filetype": "application/pdf",
        "flag": "",
    }


def test_the_header_patterns_of_the_document_are_the_servers(gateway: Gateway) -> None:
    import yaml

    from gateway import tus

    spec = yaml.safe_load(gateway.anonymous().get(gateway.url + "/openapi.yaml", timeout=10).text)
    create = spec["paths"]["/api/v1/uploads"]["post"]["parameters"]
    patch = spec["paths"]["/api/v1/uploads/{upload_id}"]["patch"]["parameters"]
    metadata = next(p for p in create if p.get("name") == "Upload-Metadata")["schema"]["pattern"]
    checksum_pattern = next(p for p in patch if p.get("name") == "Upload-Checksum")["schema"][
        "pattern"
    ]
    assert metadata == f"^{tus.METADATA_PATTERN.pattern}$"
    assert checksum_pattern == f"^{tus.CHECKSUM_PATTERN.pattern}$"


# --- discovery without a token, browsers, X-HTTP-Method-Override --------------------------------

BROWSER_ORIGIN = "https://kiosk-console.example"
TUS_CAPABILITIES = {
    "tus-version": "1.0.0",
    "tus-extension": "creation,creation-with-upload,checksum,expiration,termination",
    "tus-checksum-algorithm": "sha1,md5,sha256",
    "tus-max-size": str(20 * 1024 * 1024),
}


def test_discovery_needs_no_token(gateway: Gateway) -> None:
    location = new_upload(gateway)
    anonymous = gateway.anonymous()
    for url in (f"{gateway.url}/api/v1/uploads", location):
        answer = anonymous.options(url, timeout=10)
        assert answer.status_code == 204, (url, answer.text)
        assert {k: answer.headers.get(k) for k in TUS_CAPABILITIES} == TUS_CAPABILITIES
        assert answer.headers["Tus-Resumable"] == "1.0.0"
        assert answer.content == b""  # capabilities only, nothing of any upload


def test_a_browser_preflight_is_answered_without_a_token(gateway: Gateway) -> None:
    location = new_upload(gateway)
    wanted = "authorization, content-type, tus-resumable, upload-offset, upload-checksum"
    for url, method in ((f"{gateway.url}/api/v1/uploads", "POST"), (location, "PATCH")):
        answer = gateway.anonymous().options(
            url,
            headers={
                "Origin": BROWSER_ORIGIN,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": wanted,
            },
            timeout=10,
        )
        assert answer.status_code == 204, answer.text
        assert answer.content == b""
        assert answer.headers["Access-Control-Allow-Origin"] in {"*", BROWSER_ORIGIN}
        allowed_methods = {
            m.strip() for m in answer.headers["Access-Control-Allow-Methods"].split(",")
        }
        assert method in allowed_methods
        allowed = {
            h.strip().lower() for h in answer.headers["Access-Control-Allow-Headers"].split(",")
        }
        assert {h.strip() for h in wanted.split(",")} <= allowed
        assert int(answer.headers["Access-Control-Max-Age"]) > 0


def test_a_browser_may_read_the_tus_headers_of_an_answer(gateway: Gateway) -> None:
    created = gateway.api(
        "POST",
        "/api/v1/uploads",
        headers={**TUS, "Upload-Length": "10", "Origin": BROWSER_ORIGIN},
    )
    patched = gateway.patch(created.headers["Location"], 0, b"0123456789", Origin=BROWSER_ORIGIN)

    for answer in (created, patched):
        assert answer.headers["Access-Control-Allow-Origin"] in {"*", BROWSER_ORIGIN}
        exposed = {
            h.strip().lower() for h in answer.headers["Access-Control-Expose-Headers"].split(",")
        }
        assert {"location", "upload-offset", "upload-expires", "tus-resumable"} <= exposed


def _post_override(
    gateway: Gateway, location: str, method: str, data: bytes = b"", **headers: str
) -> requests.Response:
    all_headers = {**TUS, "X-HTTP-Method-Override": method}
    all_headers.update({k.replace("_", "-"): v for k, v in headers.items()})
    return gateway.session.post(location, data=data, headers=all_headers, timeout=10)


def test_a_post_overridden_to_patch_is_a_patch(gateway: Gateway) -> None:
    # Larger than the JSON body limit: the override makes it a tus PATCH before any limit looks.
    data = DATA * 3
    location = new_upload(gateway, length=len(data))

    first = _post_override(
        gateway, location, "PATCH", data[:1000], Content_Type=OCTETS, Upload_Offset="0"
    )
    wrong = _post_override(
        gateway, location, "PATCH", data[:10], Content_Type=OCTETS, Upload_Offset="0"
    )
    rest = _post_override(
        gateway,
        location,
        "PATCH",
        data[1000:],
        Content_Type=OCTETS,
        Upload_Offset="1000",
        Upload_Checksum=checksum("sha1", data[1000:]),
    )

    assert (first.status_code, first.headers["Upload-Offset"]) == (204, "1000")
    assert wrong.status_code == 409 and problem_type(wrong) == "offset-mismatch"
    assert (rest.status_code, rest.headers["Upload-Offset"]) == (204, str(len(data)))
    upload_id = location.rsplit("/", 1)[1]
    assert (gateway.data_dir / "uploads" / f"{upload_id}.bin").read_bytes() == data


def test_a_post_overridden_to_delete_terminates(gateway: Gateway) -> None:
    location = new_upload(gateway)

    answer = _post_override(gateway, location, "DELETE")

    assert answer.status_code == 204
    assert gateway.head(location).status_code == 404


def test_an_override_to_a_method_the_upload_does_not_take_is_405(gateway: Gateway) -> None:
    location = new_upload(gateway)
    for method in ("PUT", "GET"):
        answer = _post_override(gateway, location, method)
        assert answer.status_code == 405, method
        assert problem_type(answer) == "method-not-allowed"
    assert gateway.head(location).headers["Upload-Offset"] == "0"
