"""A foreign tus client, tus-js-client on Node, uploads to the reference gateway.

The kiosk's own client is tuspy; this proves the gateway speaks tus to an independent
implementation too. scripts/setup.sh installs tus-js-client where npm is available.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from simulators.gateway_process import GatewayProcess

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / ".venv" / "node" / "node_modules"
SCRIPT = Path(__file__).with_name("tus_js_upload.js")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_MODULES / "tus-js-client").is_dir(),
    reason="node or tus-js-client not installed (scripts/setup.sh installs it where npm exists)",
)


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(tmp_path / "gateway")
    yield process
    process.stop()


@pytest.mark.parametrize("mode", ["patch", "override"])
def test_tus_js_client_uploads_intact_in_chunks(
    gateway: GatewayProcess, tmp_path: Path, mode: str
) -> None:
    # "override": tus-js-client's overridePatchMethod, every PATCH sent as a POST with
    # X-HTTP-Method-Override: PATCH.
    data = os.urandom(180_000)
    source = tmp_path / "scan.bin"
    source.write_bytes(data)
    result = subprocess.run(
        ["node", str(SCRIPT), f"{gateway.url}/api/v1/uploads", gateway.token, str(source), mode],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    url = result.stdout.split()[-1]
    head = requests.head(
        url,
        headers={"Authorization": f"Bearer {gateway.token}", "Tus-Resumable": "1.0.0"},
        timeout=10,
    )
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == str(len(data))
    upload_id = url.rsplit("/", 1)[1]
    (stored,) = [p for p in gateway.data_dir.rglob(f"*{upload_id}*") if p.is_file()]
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
