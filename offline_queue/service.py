"""The sync process's composition root: the only place its objects are built and wired.

The sync process runs as a service of its own (``packaging/systemd/kiosk-sync.service``), so
the touchscreen never waits on the network. ``kiosk sync run`` / ``kiosk sync --once`` and
``python -m offline_queue`` both come here. One process at a time drains an outbox: it holds an
exclusive lock (``queue/sync.lock``) for its whole life, which ``kiosk queue list`` also reads
to tell a running process from one that stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib.metadata
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.settings import Settings, load_effective
from dvc_common.datafile import ConfigError
from dvc_common.privacy import install_log_masking
from offline_queue.crypto import CryptoError
from offline_queue.errors import StoreError
from offline_queue.opening import open_queue_store, queue_dir, reference_dir
from offline_queue.records import StartupReport
from offline_queue.reference import ReferenceData
from offline_queue.scheduling import PassReport
from offline_queue.store import QueueStore
from offline_queue.sync import STATUS_KEY, AuditReport, SyncEngine
from offline_queue.sync_settings import SyncSettings
from offline_queue.transport import HttpTransport

log = logging.getLogger(__name__)

SYNC_LOCK = "sync.lock"
DISTRIBUTION = "kiosk-dvc"  # the appliance's distribution, whose version heartbeats report
EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2


class NotEnrolledError(Exception):
    """The kiosk has no gateway token: nothing can be sent until it is enrolled."""


class AlreadyRunningError(RuntimeError):
    """Another sync process holds the outbox."""


def sync_lock_path(settings: Settings) -> Path:
    return queue_dir(settings) / SYNC_LOCK


@contextlib.contextmanager
def single_instance(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock so only one sync process drains the outbox."""
    handle = open(lock_path, "a+")  # noqa: SIM115, PTH123
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunningError(f"another sync process holds {lock_path}") from None
        yield
    finally:
        handle.close()


def sync_process_running(lock_path: Path) -> bool:
    """Whether a sync process holds its lock now (a killed one holds nothing)."""
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def published_status(settings: Settings, store: QueueStore) -> dict[str, Any] | None:
    """The sync process's last published status, marked stopped when no process runs: what a
    process said before it exited (or was killed) is not what it is doing now."""
    status = store.read_status(STATUS_KEY)
    if status is not None and not sync_process_running(sync_lock_path(settings)):
        status = {**status, "state": "stopped", "current": None}
    return status


def installed_version() -> str:
    """The appliance's version, as installed ("0" when it is run from a bare source tree)."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return SyncSettings.software_version


def build_engine(
    settings: Settings, store: QueueStore, *, software_version: str | None = None
) -> SyncEngine:
    """The sync engine for these settings, over ``store``: transport, tunables, reference."""
    gateway = settings.gateway
    transport = HttpTransport(
        gateway.url,
        gateway.token.get_secret_value(),
        verify=str(gateway.ca_file) if gateway.ca_file else True,
        connect_timeout_s=gateway.connect_timeout_s,
        read_timeout_s=gateway.read_timeout_s,
        proxy=gateway.proxy,
    )
    sync = settings.sync
    return SyncEngine(
        store,
        transport,
        SyncSettings(
            kiosk_id=settings.kiosk.id,
            software_version=software_version or installed_version(),
            backoff_base_s=sync.backoff_base_s,
            backoff_cap_s=sync.backoff_cap_s,
            chunk_min=sync.chunk_min_kb * 1024,
            chunk_max=sync.chunk_max_kb * 1024,
            target_chunk_s=sync.target_chunk_s,
            retention_s=settings.queue.retention_days * 86_400,
            heartbeat_s=sync.heartbeat_s,
        ),
        reference=ReferenceData(store, transport, reference_dir(settings)),
    )


def between_passes(
    store: QueueStore, report: StartupReport, wait: Callable[[float], bool]
) -> Callable[[float], bool]:
    """What the sync process does between passes: a start-up sweep that an enqueue in flight
    deferred (and a rebuild of lost rows waiting on it) runs as soon as it can, not at the next
    restart; then it waits."""
    deferred = report.sweep_deferred

    def step(timeout: float) -> bool:
        nonlocal deferred
        if deferred:
            deferred = store.check().sweep_deferred
        return wait(timeout)

    return step


@dataclass(frozen=True)
class SyncProcess:
    """One sync process's objects, built by ``opened``."""

    settings: Settings
    store: QueueStore
    engine: SyncEngine
    startup: StartupReport

    def once(self) -> PassReport:
        """Housekeeping, then one pass, then the technician audit log (after the dossiers)."""
        self.engine.housekeeping()
        report = self.engine.run_once()
        self.engine.deliver_audit()
        return report

    def serve(self, stop: threading.Event) -> None:
        """Keep syncing until ``stop`` is set."""
        log.info("sync process started for %s", self.settings.gateway.url)
        self.engine.run(between_passes(self.store, self.startup, stop.wait))


@contextlib.contextmanager
def opened(settings: Settings, *, software_version: str | None = None) -> Iterator[SyncProcess]:
    """Open the outbox, build the engine, take the single-instance lock and run the start-up
    check; NotEnrolledError without a token, AlreadyRunningError when another process runs."""
    store = open_queue_store(settings)
    if not settings.gateway.token.get_secret_value():
        raise NotEnrolledError(
            "gateway.token is not set: enrol the kiosk first (dvc-gateway enrol at the gateway)"
        )
    engine = build_engine(settings, store, software_version=software_version)
    try:
        with single_instance(sync_lock_path(settings)):
            yield SyncProcess(settings, store, engine, store.check())
    finally:
        engine.close()  # the lanes' kept-alive connections


def stop_on_signals() -> threading.Event:
    """An event SIGTERM (systemd stopping the unit) or SIGINT sets."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def pass_summary(
    report: PassReport, counts: dict[str, int], audit: AuditReport | None = None
) -> dict[str, Any]:
    """What ``sync --once`` prints."""
    summary: dict[str, Any] = {
        "submitted": report.submitted,
        "failed": [{"receipt": r, "kind": k.value, "detail": d} for r, k, d in report.failed],
        "stopped_by": report.stopped_by.value if report.stopped_by else None,
        "counts": counts,
    }
    if audit is not None:
        summary["audit"] = {"outcome": audit.outcome.value, "delivered": audit.delivered}
    return summary


def run_command(
    settings: Settings,
    *,
    keep_running: bool,
    software_version: str | None = None,
    prog: str = "kiosk",
) -> int:
    """``sync run`` (until stopped) or ``sync --once`` (one pass, its summary as JSON); the
    process's exit code. Outbox errors pass up to the caller's handler."""
    try:
        with opened(settings, software_version=software_version) as process:
            if keep_running:
                process.serve(stop_on_signals())
                return EXIT_OK
            report = process.once()
    except NotEnrolledError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except RuntimeError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    summary = pass_summary(report, process.store.counts(), process.engine.last_audit)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return EXIT_OK if report.stopped_by is None else EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m offline_queue [run] [--once] [--config FILE] [-v]``."""
    parser = argparse.ArgumentParser(
        prog="python -m offline_queue", description="send queued dossiers to the gateway"
    )
    parser.add_argument("mode", nargs="?", choices=["run"], help="run: keep syncing until stopped")
    parser.add_argument("--once", action="store_true", help="one pass, then exit (the default)")
    parser.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_log_masking()
    prog = "offline_queue"
    try:
        settings, _ = load_effective(args.config)
        return run_command(settings, keep_running=args.mode == "run", prog=prog)
    except (ConfigError, StoreError, CryptoError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_INVALID
