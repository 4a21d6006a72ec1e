"""The gateway's deployment files (packaging/gateway), run for real: the nginx site in front of
two replicas on PostgreSQL, over TLS a kiosk verifies, and the systemd units through
``systemd-analyze verify``. The files are the shipped ones; only their paths and ports are
swapped for temporary ones."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from gateway_testkit import OCTETS, TUS, dossier_body, tus_metadata
from tls_kit import Authority

from gateway.app import use_database
from simulators.gateway_process import GatewayProcess

PACKAGING = Path(__file__).resolve().parents[2] / "packaging" / "gateway"
SITE = PACKAGING / "nginx-dvc-gateway.conf"
PAGE = bytes(range(256)) * 300
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Deployment:
    https: str
    http: str
    ca_file: Path
    replicas: tuple[GatewayProcess, GatewayProcess]
    error_log: Path

    def session(self) -> requests.Session:
        client = requests.Session()
        client.trust_env = False  # REQUESTS_CA_BUNDLE would override the CA given here
        client.verify = str(self.ca_file)
        client.headers["Authorization"] = f"Bearer {self.replicas[0].token}"
        return client


def site_for_test(tmp: Path, https_port: int, http_port: int) -> str:
    """The shipped site with temporary paths and loopback ports (IPv6 may be absent here)."""
    text = SITE.read_text()
    swaps = {
        "/etc/dvc-gateway/nginx-replicas.conf": str(tmp / "replicas.conf"),
        "/etc/ssl/dvc-gateway/fullchain.pem": str(tmp / "server.pem"),
        "/etc/ssl/dvc-gateway/privkey.pem": str(tmp / "server.key"),
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
    }
    for old, new in swaps.items():
        assert old in text, old  # the shipped file still says what this test swaps
        text = text.replace(old, new)
    return "\n".join(line for line in text.splitlines() if "listen [::]" not in line)


@pytest.fixture
def deployment(tmp_path: Path, pg_url: str) -> Iterator[Deployment]:
    data_dir = tmp_path / "srv"
    use_database(data_dir, pg_url)
    # Each process is stopped by the stack as soon as it exists: a failure starting the next
    # one (or nginx) must not leave it running after the test.
    with contextlib.ExitStack() as stack:
        first = GatewayProcess.start(data_dir)
        stack.callback(_stop_replica, first)
        second = first.replica()
        stack.callback(_stop_replica, second)
        nginx_dir = tmp_path / "nginx"
        nginx_dir.mkdir()
        nginx_dir.chmod(0o777)  # nginx's workers (www-data when run as root) keep temp files here
        authority = Authority.create("Province CA (test)")
        ca_file = authority.write(nginx_dir / "ca.pem")
        authority.issue(nginx_dir, days=30)
        servers = [f"server {h}:{p} max_fails=1 fail_timeout=5s;\n" for h, p in
                   (first.address, second.address)]  # fmt: skip
        (nginx_dir / "replicas.conf").write_text("".join(servers))
        https_port, http_port = free_port(), free_port()
        (nginx_dir / "site.conf").write_text(site_for_test(nginx_dir, https_port, http_port))
        error_log = nginx_dir / "error.log"
        (nginx_dir / "nginx.conf").write_text(
            f"pid {nginx_dir}/nginx.pid;\nerror_log {error_log} warn;\nevents {{}}\n"
            f"http {{\n  access_log off;\n"
            + "".join(f"  {kind}_temp_path {nginx_dir}/{kind};\n" for kind in TEMP_PATHS)
            + f"  include {nginx_dir}/site.conf;\n}}\n"
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        conf = str(nginx_dir / "nginx.conf")
        checked = subprocess.run([nginx, "-t", "-p", str(nginx_dir), "-c", conf],
                                 capture_output=True, text=True, check=False)  # fmt: skip
        assert checked.returncode == 0, checked.stderr
        server = subprocess.Popen(
            [nginx, "-p", str(nginx_dir), "-c", conf, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        stack.callback(_stop_nginx, server)
        ready = _wait_for_port(https_port, server)
        assert ready, server.stderr.read() if server.stderr else ""
        yield Deployment(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}",
                         ca_file, (first, second), error_log)  # fmt: skip


def _stop_replica(replica: GatewayProcess) -> None:
    if replica.process.poll() is None:
        replica.stop()


def _stop_nginx(server: subprocess.Popen[str]) -> None:
    server.terminate()
    server.wait(timeout=30)
    if server.stderr is not None:
        server.stderr.close()


def _wait_for_port(port: int, server: subprocess.Popen[str], tries: int = 5000) -> bool:
    """Whether nginx comes to accept connections on ``port`` (each try is a connect attempt:
    a condition, not a clock), or False once it has exited."""
    for _ in range(tries):
        if server.poll() is not None:
            return False
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
    return False


def test_a_kiosk_sends_a_dossier_through_nginx_and_survives_a_replica_dying(
    deployment: Deployment,
) -> None:
    client = deployment.session()
    assert client.get(f"{deployment.https}/api/v1/health", timeout=30).status_code == 200

    body = dossier_body([PAGE])
    created = client.post(f"{deployment.https}/api/v1/dossiers", json=body, timeout=30,
                          headers={"Idempotency-Key": body["client_uuid"]})  # fmt: skip
    assert created.status_code == 201, created.text
    dossier = created.json()
    (file,) = dossier["files"]
    upload = client.post(
        f"{deployment.https}/api/v1/uploads", timeout=30,
        headers={**TUS, "Upload-Length": str(len(PAGE)),
                 "Upload-Metadata": tus_metadata(dossier_id=dossier["dossier_id"],
                                                 file_id=file["file_id"])},
    )  # fmt: skip
    assert upload.status_code == 201, upload.text
    location = upload.headers["Location"]
    # The replica builds the address from what nginx forwarded: https, the name used.
    assert location.startswith(f"{deployment.https}/api/v1/uploads/")

    half = len(PAGE) // 2
    sent = client.patch(location, data=PAGE[:half], timeout=30,
                        headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": "0"})  # fmt: skip
    assert sent.status_code == 204, sent.text

    # One replica dies; nginx sends the kiosk's next requests to the other.
    deployment.replicas[0].kill()
    for _ in range(4):  # whichever replica nginx would have picked
        head = client.head(location, headers=TUS, timeout=30)
        assert head.status_code == 200, head.text
        assert head.headers["Upload-Offset"] == str(half)
    headers = {**TUS, "Content-Type": OCTETS, "Upload-Offset": str(half)}
    rest = client.patch(location, data=PAGE[half:], headers=headers, timeout=30)
    assert rest.status_code == 204, rest.text
    done = client.post(f"{deployment.https}/api/v1/dossiers/{dossier['dossier_id']}/finalize",
                       timeout=30)  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "received"


def test_plain_http_is_sent_to_https_and_metrics_stay_inside(deployment: Deployment) -> None:
    moved = requests.get(f"{deployment.http}/api/v1/health", allow_redirects=False, timeout=30)
    assert moved.status_code == 301
    assert moved.headers["Location"].startswith("https://127.0.0.1")
    assert deployment.session().get(f"{deployment.https}/metrics", timeout=30).status_code == 404


def test_a_kiosk_refuses_the_gateway_without_the_province_s_certificate(
    deployment: Deployment,
) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        # The system's CAs only (and not an environment variable's bundle either).
        plain = requests.Session()
        plain.trust_env = False
        plain.get(f"{deployment.https}/api/v1/health", timeout=30)


def test_an_upload_larger_than_a_scan_is_refused_by_nginx(deployment: Deployment) -> None:
    client = deployment.session()
    too_big = client.post(f"{deployment.https}/api/v1/dossiers", data=b"{" + b" " * 300_000,
                          headers={"Content-Type": "application/json"}, timeout=30)  # fmt: skip
    assert too_big.status_code == 413


UNITS = ("dvc-gateway@.service", "dvc-gateway-backup.service", "dvc-gateway-backup.timer")


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree("/lib/systemd/system", root / "lib/systemd/system", symlinks=True)
    for name in UNITS:
        target = root / "etc/systemd/system" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PACKAGING / name, target)
    (root / "etc/dvc-gateway").mkdir(parents=True)
    shutil.copy(PACKAGING / "gateway.env", root / "etc/dvc-gateway/gateway.env")
    for program in ("opt/dvc-gateway/bin/dvc-gateway", "bin/sh"):
        path = root / program
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    units = ["/etc/systemd/system/dvc-gateway@8801.service",
             "/etc/systemd/system/dvc-gateway-backup.service",
             "/etc/systemd/system/dvc-gateway-backup.timer"]  # fmt: skip
    verified = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", *units],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert "dvc-gateway" not in verified.stderr, verified.stderr  # no warning about ours
