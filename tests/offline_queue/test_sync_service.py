"""``kiosk sync run`` as systemd runs it (``Type=notify``, ``WatchdogSec=``): READY=1, the
watchdog fed, a kiosk without configuration or token waiting instead of exiting and starting by
itself once enrolled, SIGTERM → STOPPING=1 and exit 0; with the real process, a notify socket
bound here and the reference gateway on loopback. Then the pieces it is made of, each alone:
following the configuration file, the fed wait, the transport's progress, the engine's halt and
its "transfer in flight" hook."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.settings import GatewaySection, PathsSection, Settings, save_settings
from dvc_common.markers import live_marker
from dvc_common.sd_notify import Notice, Watchdog
from offline_queue.busy import SYNC_BUSY_MARKER, TransferMarker
from offline_queue.service import ConfigWatch, Waiting, build_engine, feeding_wait
from offline_queue.store import QueueStatus
from offline_queue.sync import SyncEngine
from offline_queue.transport import HttpTransport
from simulators.gateway_process import GatewayProcess
from tests.dvc_common.notify_support import path_listener
from tests.offline_queue.sync_support import Kiosk, held

ROOT = Path(__file__).resolve().parents[2]
# Short, so the test sees several pings; the process pings at least every third of it.
WATCHDOG_USEC = "900000"
ENTRIES = {
    "kiosk sync run": ["-m", "kiosk", "sync", "run"],
    "python -m offline_queue run": ["-m", "offline_queue", "run"],
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(tmp_path_factory.mktemp("gateway"))
    yield process
    process.stop()


def kiosk_settings(root: Path, url: str, token: str = "") -> Settings:
    return Settings(
        paths=PathsSection(data_dir=root / "data", scratch_dir=root / "scratch"),
        gateway=GatewaySection(url=url, token=SecretStr(token)),
    )


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_an_unenrolled_kiosk_waits_ready_and_fed_then_syncs_once_enrolled(
    entry: str, gateway: GatewayProcess, tmp_path: Path
) -> None:
    config = tmp_path / "kiosk.toml"  # no file yet: a kiosk never configured
    kiosk = Kiosk(tmp_path / "data")  # the outbox the settings below name, one dossier in it
    client_uuid = kiosk.enqueue()
    kiosk.store.close()
    log = tmp_path / "stderr.log"
    with path_listener() as manager, log.open("w") as stderr:
        info = os.fstat(stderr.fileno())
        env = manager.env(
            KIOSK_CONFIG=str(config),
            WATCHDOG_USEC=WATCHDOG_USEC,
            JOURNAL_STREAM=f"{info.st_dev}:{info.st_ino}",  # stderr is "the journal"
        )
        process = subprocess.Popen(
            [sys.executable, *ENTRIES[entry]],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            ready = manager.wait_field(Notice.READY)
            assert ready.pid == process.pid
            assert "waiting for enrolment: no configuration file" in (ready.value("STATUS") or "")
            manager.wait_field(Notice.WATCHDOG)
            manager.wait_field(Notice.WATCHDOG)

            # Configured, not enrolled: still up, saying why.
            save_settings(kiosk_settings(tmp_path, gateway.url), config)
            manager.wait_status("has no gateway token")
            manager.wait_field(Notice.WATCHDOG)
            assert process.poll() is None
            assert held(gateway, client_uuid) == []

            # The technician enrols (the app rewrites the file atomically): it starts by itself.
            save_settings(kiosk_settings(tmp_path, gateway.url, gateway.token), config)
            manager.wait_status(f"syncing to {gateway.url}")
            manager.wait_status("0 dossier(s) to send")
            assert len(held(gateway, client_uuid)) == 1
            manager.wait_field(Notice.WATCHDOG)
            assert live_marker(tmp_path / "scratch" / SYNC_BUSY_MARKER) is None
            assert sum(m.has(Notice.READY) for m in manager.received) == 1

            process.send_signal(signal.SIGTERM)
            manager.wait_field(Notice.STOPPING)
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    logged = log.read_text(encoding="utf-8").splitlines()
    # Each reason logged once, in the journal's format: its priority, no timestamp of ours.
    assert [line for line in logged if "has no gateway token" in line] == [
        f"<4>WARNING offline_queue.service: not syncing: waiting for enrolment: {config} has no "
        "gateway token (enrol from the technician screen, or kiosk enrol CODE)"
    ]


def test_sync_once_without_a_token_still_refuses_at_once(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    save_settings(kiosk_settings(tmp_path, "http://127.0.0.1:9"), config)
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(config), "sync", "--once"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "enrol the kiosk first" in result.stderr


# --- following the configuration file ------------------------------------------------------------


def test_the_configuration_is_followed_through_every_state(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    watch = ConfigWatch(path)
    assert watch.read().waiting is Waiting.NO_CONFIGURATION
    assert not watch.changed()

    path.write_text("[gateway]\nurl = 'ftp://nowhere'\n", encoding="utf-8")
    assert watch.changed()
    broken = watch.read()
    assert broken.waiting is Waiting.INVALID_CONFIGURATION
    assert "gateway.url" in broken.detail
    assert "gateway.url" in broken.status(path)

    save_settings(kiosk_settings(tmp_path, "http://127.0.0.1:9"), path)
    assert watch.changed()
    assert watch.read().waiting is Waiting.NOT_ENROLLED

    save_settings(kiosk_settings(tmp_path, "http://127.0.0.1:9", "t0ken"), path)
    enrolled = watch.read()
    assert enrolled.waiting is None
    assert enrolled.settings is not None
    assert not watch.changed()

    # Rewritten with the same content (a new file, atomically): a change, the same settings.
    save_settings(enrolled.settings, path)
    assert watch.changed()
    assert watch.read().settings == enrolled.settings


class FakeWaits(threading.Event):
    """A stop event whose waits take no time: they move an injected clock instead."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.waits.append(timeout)
        self.now += timeout
        return self.is_set()


def test_the_wait_between_passes_keeps_the_watchdog_fed_and_ends_on_a_change() -> None:
    stop = FakeWaits()
    pings: list[float] = []
    watchdog = Watchdog(3.0, monotonic=lambda: stop.now, ping=lambda: pings.append(stop.now))
    changes = iter([False] * 6 + [True])
    wait = feeding_wait(stop, watchdog, changed=lambda: next(changes), monotonic=lambda: stop.now)
    assert wait(2.5) is False  # the time was up: slices of at most a second (the config poll)
    assert stop.waits == [1.0, 1.0, 0.5]
    assert wait(100.0) is True  # the file changed
    # Never more than a third of the interval without feeding; pings half an interval apart.
    assert watchdog.wake_every_s is not None
    assert max(stop.waits) <= watchdog.wake_every_s
    assert all(b - a <= 1.5 for a, b in itertools.pairwise(pings))
    assert len(pings) >= 3

    stop.set()
    assert wait(100.0) is True  # stopping


# --- progress, halt, the transfer in flight -------------------------------------------------------


def test_a_response_arriving_in_pieces_reports_progress_before_it_ends() -> None:
    """Feeding the watchdog from the request's progress: a slow answer is not a hang."""
    body = b"x" * (64 * 1024)
    release = threading.Event()
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def serve() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(65536)
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                conn.sendall(head + body[: 20 * 1024])
                release.wait(60)
                conn.sendall(body[20 * 1024 :])

        thread = threading.Thread(target=serve)
        thread.start()
        calls: list[int] = []
        first_piece = threading.Event()

        def progress() -> None:
            calls.append(1)
            if len(calls) >= 2:  # the start, then the first piece of the answer
                first_piece.set()

        transport = HttpTransport(f"http://127.0.0.1:{port}", "t", progress=progress)
        answers: list[int] = []

        def fetch() -> None:
            answers.append(len(transport.request("GET", "slow").body))

        client = threading.Thread(target=fetch)
        client.start()
        try:
            assert first_piece.wait(60)
            assert answers == []  # still arriving
        finally:
            release.set()
            client.join(60)
            thread.join(60)
            transport.close()
    assert answers == [len(body)]
    assert len(calls) >= 5  # start, four 16 KiB pieces, end


def test_halting_mid_pass_ends_it_after_the_request_in_flight(
    gateway: GatewayProcess, tmp_path: Path
) -> None:
    kiosk = Kiosk(tmp_path / "data")
    client_uuid = kiosk.enqueue(sizes=(60_000, 70_000, 80_000))
    transfers: list[bool] = []
    engines: list[SyncEngine] = []

    def first_transfer(busy: bool) -> None:
        transfers.append(busy)
        if busy:
            engines[0].halt()  # SIGTERM arrives as the first request of the pass goes out

    settings = kiosk_settings(tmp_path, gateway.url, gateway.token)
    engine = build_engine(settings, kiosk.store, on_transfer=first_transfer)
    engines.append(engine)
    try:
        engine.run(lambda timeout: False)  # returns only because it was halted
    finally:
        engine.close()
        engine.transport.close()
    assert engine.halted
    assert transfers == [True, False]
    row = kiosk.store.find(client_uuid)
    assert row is not None
    assert row.status is not QueueStatus.SUBMITTED  # the files were never started
    kiosk.store.close()


def test_the_transfer_marker_holds_this_process_while_busy(tmp_path: Path) -> None:
    marker = TransferMarker(tmp_path / "scratch", now=lambda: 1_790_000_000.0)
    marker(True)
    holder = live_marker(marker.path)
    assert holder is not None
    assert holder.pid == os.getpid()
    marker(False)
    assert not marker.path.exists()


def test_a_transfer_marker_that_cannot_be_written_never_stops_the_sync(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "scratch"
    blocker.write_text("a file where the directory should be", encoding="utf-8")
    marker = TransferMarker(blocker, now=lambda: 1_790_000_000.0)
    marker(True)
    marker(True)
    marker(False)
    assert [r.levelname for r in caplog.records if r.name == "offline_queue.busy"] == ["WARNING"]
