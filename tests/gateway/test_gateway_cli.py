"""The ``dvc-gateway`` commands, through ``gateway.cli.main`` in this process and as a real
process started with ``python -m gateway``."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from export_kit import Exported, export_bytes
from gateway_testkit import TUS, Gateway, dossier_body

from dvc_common.trust import parse_enrolment_code, sign_enrolment
from gateway.blobs import DirectoryBlobStore, blob_name
from gateway.cli import main
from gateway.keys import load_keys

ROOT = Path(__file__).resolve().parents[2]
PAGE = b"%PDF-1.7 " + bytes(range(256)) * 20
OCTETS = "application/octet-stream"


def run(*argv: str) -> int:
    return main(list(argv))


# --- enrol, disable ------------------------------------------------------------------------------


def test_enrol_prints_a_token_the_gateway_accepts(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("enrol", "--data", str(gateway.data_dir), "--kiosk", "KIOSK07") == 0
    token = capsys.readouterr().out.strip()
    assert len(token) >= 40
    answer = gateway.as_kiosk(token).get(f"{gateway.url}/api/v1/catalog", timeout=10)
    assert answer.status_code == 200


def test_enrol_refuses_a_bad_kiosk_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("enrol", "--data", str(tmp_path), "--kiosk", "kiosk 1") == 2
    assert "kiosk id" in capsys.readouterr().err


def test_kiosks_lists_units_and_heartbeats_and_sets_a_unit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "gateway")
    assert run("enrol", "--data", data, "--kiosk", "KIOSK07", "--unit", "H15.50.05.13") == 0
    assert run("enrol", "--data", data, "--kiosk", "KIOSK08") == 0
    capsys.readouterr()

    assert run("kiosks", "--data", data, "--kiosk", "KIOSK08", "--unit", "H15.50.07.01") == 0
    assert run("kiosks", "--data", data, "--json") == 0
    listing = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert [(k["kiosk_id"], k["unit_code"], k["last_heartbeat"]) for k in listing] == [
        ("KIOSK07", "H15.50.05.13", None), ("KIOSK08", "H15.50.07.01", None)]  # fmt: skip

    assert run("kiosks", "--data", data, "--kiosk", "NOBODY", "--unit", "H15.50.07.01") == 2
    assert "not enrolled" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run("enrol", "--data", data, "--kiosk", "KIOSK09", "--unit", "xã Mẫu")
    assert "is not like H15.50.05.13" in capsys.readouterr().err


def test_disable_makes_the_token_forbidden(gateway: Gateway) -> None:
    assert run("disable", "--data", str(gateway.data_dir), "--kiosk", "KIOSK01") == 0
    assert gateway.api("GET", "/api/v1/catalog").status_code == 403
    assert run("disable", "--data", str(gateway.data_dir), "--kiosk", "KIOSK01", "--enable") == 0
    assert gateway.api("GET", "/api/v1/catalog").status_code == 200
    assert run("disable", "--data", str(gateway.data_dir), "--kiosk", "NOBODY") == 2


# --- received ------------------------------------------------------------------------------------


def test_received_lists_dossiers_with_digests_from_the_disk(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    body = dossier_body([PAGE, PAGE[::-1]], receipt_number="KIOSK01-261123-0003")
    dossier = gateway.create_dossier(body).json()
    gateway.upload_dossier_file(dossier["dossier_id"], dossier["files"][0]["file_id"], PAGE)
    pending = gateway.create_dossier(dossier_body([PAGE], receipt_number="KIOSK01-261123-0004"))
    assert pending.status_code == 201
    gateway.upload_dossier_file(dossier["dossier_id"], dossier["files"][1]["file_id"], PAGE[::-1])
    code = gateway.api("POST", f"/api/v1/dossiers/{dossier['dossier_id']}/finalize").json()[
        "dossier_code"
    ]
    partial = gateway.create_upload(
        len(PAGE),
        dossier_id=pending.json()["dossier_id"],
        file_id=pending.json()["files"][0]["file_id"],
    )
    assert gateway.patch(partial.headers["Location"], 0, PAGE[:100]).status_code == 204

    assert run("received", "--data", str(gateway.data_dir), "--json") == 0
    listing = json.loads(capsys.readouterr().out)

    assert [(d["receipt_number"], d["status"], d["dossier_code"]) for d in listing] == [
        ("KIOSK01-261123-0003", "received", code),
        ("KIOSK01-261123-0004", "awaiting_files", None),
    ]
    done, waiting = listing
    assert done["dossier_id"] == dossier["dossier_id"]
    assert done["client_uuid"] == body["client_uuid"]
    assert [(f["name"], f["size"], f["sha256"], f["complete"]) for f in done["files"]] == [
        ("birth_certificate-1.pdf", len(PAGE), hashlib.sha256(PAGE).hexdigest(), True),
        ("birth_certificate-2.pdf", len(PAGE), hashlib.sha256(PAGE[::-1]).hexdigest(), True),
    ]
    assert [(f["size"], f["sha256"], f["complete"]) for f in waiting["files"]] == [
        (100, None, False)
    ]


def test_received_reads_the_bytes_not_the_manifest(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    dossier = gateway.create_dossier(dossier_body([PAGE])).json()
    gateway.upload_dossier_file(dossier["dossier_id"], dossier["files"][0]["file_id"], PAGE)
    stored = DirectoryBlobStore(gateway.data_dir).locate(
        blob_name(hashlib.sha256(PAGE).hexdigest())
    )
    stored.write_bytes(b"tampered")

    assert run("received", "--data", str(gateway.data_dir), "--json") == 0
    (entry,) = json.loads(capsys.readouterr().out)[0]["files"]
    assert (entry["size"], entry["sha256"]) == (8, hashlib.sha256(b"tampered").hexdigest())


def test_received_in_plain_text(gateway: Gateway, capsys: pytest.CaptureFixture[str]) -> None:
    result = gateway.submit([PAGE])
    assert run("received", "--data", str(gateway.data_dir)) == 0
    out = capsys.readouterr().out
    assert result["dossier_code"] in out
    assert "birth_certificate-1.pdf" in out
    assert hashlib.sha256(PAGE).hexdigest() in out
    assert "001158000123" not in out


def test_received_without_gateway_data_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("received", "--data", str(tmp_path / "nothing"), "--json") == 2
    assert "no gateway data" in capsys.readouterr().err


def test_python_m_gateway_takes_the_commands_with_or_without_the_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["enrol", "--data", str(tmp_path), "--kiosk", "KIOSK03"]) == 0
    assert main(["gateway", "enrol", "--data", str(tmp_path), "--kiosk", "KIOSK04"]) == 0
    first, second = capsys.readouterr().out.split()
    assert first != second


# --- serve ---------------------------------------------------------------------------------------


@contextmanager
def serving(
    *flags: str, command: tuple[str, ...] = ("gateway", "serve")
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m gateway serve`` (or ``command``) as a process; yields it and its URL once it
    listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", *command, "--port", "0", *flags],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the socket is bound, or the process ends
        assert line.startswith("listening on http://127.0.0.1:"), line + process.stderr.read()
        yield process, line.removeprefix("listening on ").strip()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_serve_runs_until_sigterm(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serving("--data", str(data), "--unit-code", "H99.01") as (process, url):
        assert requests.get(f"{url}/api/v1/health", timeout=10).status_code == 200
        token = subprocess.run(
            [sys.executable, "-m", "gateway", "enrol", "--data", str(data), "--kiosk", "KIOSK01"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        assert requests.get(f"{url}/api/v1/catalog", headers=headers, timeout=10).ok

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    assert (data / "gateway.sqlite3").exists()


def test_serve_takes_fault_flags(tmp_path: Path) -> None:
    flags = ("--data", str(tmp_path), "--maintenance", "--retry-after", "9", "--admin")
    with serving(*flags) as (process, url):
        answer = requests.get(f"{url}/api/v1/health", timeout=10)
        assert (answer.status_code, answer.headers["Retry-After"]) == (503, "9")
        faults = requests.get(f"{url}/_admin/faults", timeout=10).json()
        assert faults["maintenance"] is True
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0


@pytest.mark.parametrize(
    "flags",
    [
        ("--unit-code", "h00"),
        ("--error-rate", "1.5"),
        ("--slow-bytes-per-s", "-5"),
        ("--port", "70000"),
    ],
)
def test_serve_refuses_bad_flags(tmp_path: Path, flags: tuple[str, ...]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--data", str(tmp_path), *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("gateway: ")
    assert result.stdout == ""


def test_impaired_gateway_refuses_a_reset_rate_outside_0_to_1(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulators",
            "impaired-gateway",
            "--data",
            str(tmp_path),
            "--reset-rate",
            "-0.1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "must be between 0 and 1" in result.stderr
    assert result.stdout == ""


def test_serve_with_a_reset_rate_cuts_connections(tmp_path: Path) -> None:
    # The impaired link is demo tooling: the gateway behind it is the same server.
    data = tmp_path / "data"
    command = ("simulators", "impaired-gateway")
    with serving("--data", str(data), "--reset-rate", "1", command=command) as (process, url):
        token = subprocess.run(
            [sys.executable, "-m", "gateway", "enrol", "--data", str(data), "--kiosk", "KIOSK01"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        session = requests.Session()
        session.headers.update({**TUS, "Authorization": f"Bearer {token}"})

        def small(method: str, path: str, **kwargs: Any) -> requests.Response:
            # Every connection is cut after 1 to 64 KiB from the client: a request of a few
            # hundred bytes almost always gets through, and a retry settles the rare cut.
            for _ in range(10):
                try:
                    return session.request(method, url + path, timeout=10, **kwargs)
                except requests.ConnectionError:
                    continue
            raise AssertionError("ten small requests in a row were cut")

        location = small("POST", "/api/v1/uploads", headers={"Upload-Length": str(200 * 1024)})
        upload = location.headers["Location"].removeprefix(url)
        with pytest.raises(requests.ConnectionError):
            session.patch(
                url + upload,
                data=b"x" * 200 * 1024,
                headers={"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"},
                timeout=10,
            )
        offset = int(small("HEAD", upload).headers["Upload-Offset"])
        assert 0 <= offset <= 64 * 1024  # what got through before the cut is kept
        session.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


# --- the technician mode, against a served process -----------------------------------------------


def test_a_served_gateway_enrols_by_code_and_imports_with_the_administrators_token(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    token_file = tmp_path / "admin-token"
    token_file.write_text("z" * 40 + "\n")
    with serving("--data", str(data), "--admin-token-file", str(token_file)) as (process, url):
        keys = load_keys(data)  # made by the process on its first start
        qr = subprocess.run(
            [sys.executable, "-m", "gateway", "enrol-code", "--data", str(data),
             "--kiosk", "KIOSK01", "--url", url],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        code = parse_enrolment_code(qr)
        public, proof = sign_enrolment(code.code, Ed25519PrivateKey.generate())
        enrolled = requests.post(
            f"{code.gateway_url}/api/v1/enrolment",
            json={"code": code.code, "kiosk_public_key": public, "proof": proof},
            timeout=10,
        )
        assert enrolled.status_code == 201, enrolled.text
        assert enrolled.json()["sealing_key"] == keys.sealing_public

        files = [PAGE]
        export = export_bytes(keys.sealing.public_key(), [Exported(dossier_body(files), files)])
        answer = requests.post(
            f"{url}/api/v1/imports",
            data=export,
            headers={"Authorization": f"Bearer {'z' * 40}", "Content-Type": OCTETS},
            timeout=30,
        )
        assert (answer.status_code, answer.json()["imported"]) == (200, 1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


def test_serve_refuses_an_administrators_token_too_short_to_be_safe(tmp_path: Path) -> None:
    token_file = tmp_path / "admin-token"
    token_file.write_text("short\n")
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--data", str(tmp_path / "data"),
         "--admin-token-file", str(token_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "at least 32 characters" in result.stderr
