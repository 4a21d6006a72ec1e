"""``gateway.proxy`` set by a technician: the sync process reaches the gateway through it, every
request of a dossier (create, tus uploads, finalize) included, with a real forwarding proxy on
loopback in front of the reference gateway."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr

from config.settings import GatewaySection, Settings
from offline_queue.service import build_engine
from offline_queue.store import QueueStatus
from simulators.gateway_process import GatewayProcess
from tests.offline_queue.sync_support import Kiosk


class _Forward(BaseHTTPRequestHandler):
    """A plain HTTP forward proxy: absolute-URI requests relayed to their host, answers back."""

    server: _ProxyServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _relay(self) -> None:
        target = urlsplit(self.path)
        self.server.seen.append(f"{self.command} {target.path}")
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else None
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in {"proxy-connection", "connection", "host"}
        }
        upstream = http.client.HTTPConnection(target.hostname or "", target.port or 80, timeout=30)
        try:
            path = target.path + (f"?{target.query}" if target.query else "")
            upstream.request(self.command, path, body=body, headers=headers)
            answer = upstream.getresponse()
            content = answer.read()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in {"transfer-encoding", "connection", "content-length"}:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        finally:
            upstream.close()

    def do_GET(self) -> None:
        self._relay()

    def do_POST(self) -> None:
        self._relay()

    def do_PATCH(self) -> None:
        self._relay()

    def do_HEAD(self) -> None:
        self._relay()

    def do_OPTIONS(self) -> None:
        self._relay()


class _ProxyServer(ThreadingHTTPServer):
    seen: list[str]


@pytest.fixture
def proxy() -> Iterator[_ProxyServer]:
    server = _ProxyServer(("127.0.0.1", 0), _Forward)
    server.seen = []
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(tmp_path / "gateway")
    yield process
    process.stop()


def test_a_dossier_syncs_through_the_configured_proxy(
    tmp_path: Path, gateway: GatewayProcess, proxy: _ProxyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    kiosk = Kiosk(tmp_path / "kiosk")
    client_uuid = kiosk.enqueue()
    settings = Settings(
        gateway=GatewaySection(
            url=gateway.url,
            token=SecretStr(gateway.token),
            proxy=f"http://127.0.0.1:{proxy.server_address[1]}",
        )
    )
    engine = build_engine(settings, kiosk.store, software_version="test")
    assert engine.run_once().submitted
    row = kiosk.store.find(client_uuid)
    assert row is not None and row.status is QueueStatus.SUBMITTED
    methods = {line.split()[0] for line in proxy.seen}
    # The dossier created, its files uploaded by tus and finalized: all through the proxy.
    assert {"POST", "PATCH"} <= methods
    assert any(line.endswith("/finalize") for line in proxy.seen)
    kiosk.store.close()
