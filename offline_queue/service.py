"""The sync process's composition root: the only place its objects are built and wired.

The sync process runs as a service of its own (``packaging/systemd/kiosk-sync.service``), so
the touchscreen never waits on the network. ``kiosk sync run`` / ``kiosk sync --once`` and
``python -m offline_queue`` both come here. One process at a time drains an outbox: it holds an
exclusive lock (``queue/sync.lock``) for its whole life, which ``kiosk queue list`` also reads
to tell a running process from one that stopped.

``sync run`` is the appliance's ``kiosk-sync.service`` (``Type=notify``, ``WatchdogSec=``):

- it follows its configuration file (``ConfigWatch``). Without one, with one that does not
  validate, or without a gateway token (a kiosk not enrolled yet), it does not exit (which
  would make systemd restart it in a loop): it says ``READY=1`` with a ``STATUS=`` naming what
  it waits for, keeps the watchdog fed, and starts syncing by itself when the file changes
  (enrolment from the app rewrites it atomically). When the file changes while it syncs, it
  finishes the pass it is in and starts again on the new file (a re-enrolment's new token);
- ``READY=1`` once it has opened the outbox and starts serving (or starts waiting);
- ``WATCHDOG=1`` from its loop, whose waits wake at least every third of the interval, and from
  every request's progress (``HttpTransport(progress=…)``), so a pass that sends for minutes
  keeps it fed; how long a request can go without progress is
  ``HttpTransport.longest_silence_s`` (a warning is logged when ``WatchdogSec=`` is shorter
  than twice that);
- ``STOPPING=1`` on SIGTERM or SIGINT, then the pass in progress ends after the requests in
  flight are answered, and the process exits 0;
- ``sync-busy`` in the scratch directory while a dossier is being sent (``offline_queue.busy``).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib.metadata
import json
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

from config.settings import (
    DEFAULT_CONFIG_PATH,
    Settings,
    load_effective,
    load_settings,
    resolve_config_path,
)
from dvc_common import sd_notify
from dvc_common.datafile import ConfigError, FileWatch
from dvc_common.device_report import read_report, report_path
from dvc_common.log_setup import configure_logging
from dvc_common.sd_notify import Watchdog
from offline_queue.busy import TransferMarker
from offline_queue.crypto import CryptoError
from offline_queue.errors import StoreError
from offline_queue.link import wifi_signal_percent
from offline_queue.opening import open_queue_store, queue_dir, reference_dir
from offline_queue.records import ACTIVE, QueueStatus, StartupReport
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
# How often ``sync run`` looks at its configuration file (one stat): enrolment takes effect
# within this long.
CONFIG_POLL_S = 1.0


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
    settings: Settings,
    store: QueueStore,
    *,
    software_version: str | None = None,
    progress: Callable[[], None] = lambda: None,
    on_transfer: Callable[[bool], None] = lambda busy: None,
) -> SyncEngine:
    """The sync engine for these settings, over ``store``: transport, tunables, reference, and
    the heartbeat's sources (the app's device report in the scratch directory, the Wi-Fi signal
    from ``/proc``). ``progress`` hears every request's progress (the watchdog), ``on_transfer``
    when a pass starts and stops sending dossiers (the sync-busy marker)."""
    gateway = settings.gateway
    transport = HttpTransport(
        gateway.url,
        gateway.token.get_secret_value(),
        verify=str(gateway.ca_file) if gateway.ca_file else True,
        connect_timeout_s=gateway.connect_timeout_s,
        read_timeout_s=gateway.read_timeout_s,
        proxy=gateway.proxy,
        progress=progress,
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
        on_transfer=on_transfer,
        devices=partial(read_report, report_path(settings.paths.scratch_dir)),
        wifi_signal=wifi_signal_percent,
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

    def serve(self, stop: threading.Event, *, wait: Callable[[float], bool] | None = None) -> None:
        """Keep syncing until ``stop`` is set, or ``wait`` (how to wait between passes; True to
        end) says so, or the engine is halted."""
        log.info("sync process started for %s", self.settings.gateway.url)
        self.engine.run(between_passes(self.store, self.startup, wait or stop.wait))

    def status_line(self) -> str:
        """What ``systemctl status`` shows while it syncs: the engine's state and the backlog."""
        counts = self.store.counts()
        waiting = sum(counts[s.value] for s in ACTIVE)
        attention = counts[QueueStatus.NEEDS_ATTENTION.value]
        return (
            f"{self.engine.progress.state().value}: {waiting} dossier(s) to send, "
            f"{attention} need attention; gateway {self.settings.gateway.url}"
        )


@contextlib.contextmanager
def opened(
    settings: Settings,
    *,
    software_version: str | None = None,
    progress: Callable[[], None] = lambda: None,
    on_transfer: Callable[[bool], None] = lambda busy: None,
) -> Iterator[SyncProcess]:
    """Open the outbox, build the engine, take the single-instance lock and run the start-up
    check; NotEnrolledError without a token, AlreadyRunningError when another process runs.
    The outbox is closed again at the end of the block."""
    store = open_queue_store(settings)
    try:
        if not settings.gateway.token.get_secret_value():
            raise NotEnrolledError(
                "gateway.token is not set: enrol the kiosk first (dvc-gateway enrol at the gateway)"
            )
        engine = build_engine(
            settings,
            store,
            software_version=software_version,
            progress=progress,
            on_transfer=on_transfer,
        )
        try:
            with single_instance(sync_lock_path(settings)):
                yield SyncProcess(settings, store, engine, store.check())
        finally:
            engine.close()  # the lanes' kept-alive connections
            engine.transport.close()
    finally:
        store.close()


class Shutdown:
    """SIGTERM and SIGINT for ``sync run``: tell systemd (``STOPPING=1``), wake every wait, and
    halt the engine in the middle of a pass (lanes stop after the request in flight)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._engine: SyncEngine | None = None

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop()

    def stop(self) -> None:
        if not self.event.is_set():
            sd_notify.stopping()
        self.event.set()
        engine = self._engine
        if engine is not None:
            engine.halt()

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    def attach(self, engine: SyncEngine | None) -> None:
        """The engine a stop must halt (None between engines)."""
        self._engine = engine
        if engine is not None and self.event.is_set():
            engine.halt()  # the signal came while it was being built


class Waiting(StrEnum):
    """Why ``sync run`` is up but not syncing."""

    NO_CONFIGURATION = "no_configuration"  # the file does not exist (yet)
    INVALID_CONFIGURATION = "invalid_configuration"  # it does not validate
    NOT_ENROLLED = "not_enrolled"  # no gateway token


@dataclass(frozen=True)
class ConfigReading:
    """One reading of the configuration file: settings to sync with, or why not."""

    settings: Settings | None
    waiting: Waiting | None
    detail: str = ""

    def status(self, path: Path) -> str:
        """The ``STATUS=`` line for a reading that waits."""
        if self.waiting is Waiting.NO_CONFIGURATION:
            return f"waiting for enrolment: no configuration file at {path}"
        if self.waiting is Waiting.NOT_ENROLLED:
            return (
                f"waiting for enrolment: {path} has no gateway token (enrol from the technician "
                "screen, or kiosk enrol CODE)"
            )
        return f"waiting for a valid configuration: {self.detail}"


def watched_config_path(explicit: Path | None) -> Path:
    """The file ``sync run`` follows: the one named, else $KIOSK_CONFIG, else /etc's (also
    while it does not exist: enrolment may create it)."""
    return resolve_config_path(explicit) or DEFAULT_CONFIG_PATH


class ConfigWatch:
    """The configuration file as ``sync run`` follows it: read it, and notice when it changes
    (polled: one ``stat`` per look)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._watch = FileWatch(path)

    def read(self) -> ConfigReading:
        if self._watch.mark() is None:
            return ConfigReading(None, Waiting.NO_CONFIGURATION)
        try:
            settings = load_settings(self.path)
        except ConfigError as exc:
            return ConfigReading(None, Waiting.INVALID_CONFIGURATION, str(exc))
        if not settings.gateway.token.get_secret_value():
            return ConfigReading(settings, Waiting.NOT_ENROLLED)
        return ConfigReading(settings, None)

    def changed(self) -> bool:
        """Whether the file is not what ``read`` last read."""
        return self._watch.changed()


class Announcer:
    """What systemd hears from ``sync run``: ``READY=1`` once, with the first status, then a
    ``STATUS=`` whenever the status changes. Each new waiting reason is also logged."""

    def __init__(self) -> None:
        self._ready = False
        self._status: str | None = None

    def status(self, text: str) -> None:
        if text == self._status and self._ready:
            return
        self._status = text
        fields = [sd_notify.status_field(text)]
        if not self._ready:
            fields.insert(0, sd_notify.Notice.READY)
        sd_notify.notify(*fields)
        self._ready = True


def feeding_wait(
    stop: threading.Event,
    watchdog: Watchdog,
    *,
    changed: Callable[[], bool],
    poll_s: float = CONFIG_POLL_S,
    monotonic: Callable[[], float] = time.monotonic,
    before: Callable[[], None] = lambda: None,
) -> Callable[[float], bool]:
    """A wait of up to ``timeout`` seconds that keeps the watchdog fed and looks at the
    configuration file every ``poll_s``: True as soon as the process is to stop or the file
    changed, False when the time is up. ``before`` runs once at the start of each wait."""

    def wait(timeout: float) -> bool:
        before()
        deadline = monotonic() + timeout
        while True:
            watchdog.feed()
            if stop.is_set() or changed():
                return True
            left = deadline - monotonic()
            if left <= 0:
                return False
            stop.wait(min(left, poll_s, watchdog.wake_every_s or poll_s))

    return wait


def _warn_if_watchdog_too_short(watchdog: Watchdog, transport: HttpTransport) -> None:
    interval = watchdog.interval_s
    quiet = transport.longest_silence_s
    if interval is not None and interval < 2 * quiet:
        log.warning(
            "WatchdogSec=%.0f s is less than twice the longest a request may go without progress "
            "(%.0f s with these gateway timeouts): a slow but healthy link may be taken for a "
            "hang; use WatchdogSec=%.0f or more",
            interval,
            quiet,
            2 * quiet,
        )


class SyncService:
    """``sync run``'s life: sync with the configuration file's settings, or wait (fed, with a
    status) until the file is one to sync with; start again when it changes; return when
    ``shutdown`` is requested. AlreadyRunningError and outbox errors pass up."""

    def __init__(
        self,
        watch: ConfigWatch,
        shutdown: Shutdown,
        *,
        watchdog: Watchdog,
        software_version: str | None = None,
        poll_s: float = CONFIG_POLL_S,
    ) -> None:
        self.watch = watch
        self.shutdown = shutdown
        self.watchdog = watchdog
        self.software_version = software_version
        self.poll_s = poll_s
        self.announce = Announcer()
        self._logged: ConfigReading | None = None  # the waiting reason last logged

    def run(self) -> None:
        reading = self.watch.read()
        while not self.shutdown.requested:
            settings = reading.settings
            if reading.waiting is not None or settings is None:
                reading = self._wait_for_change(reading)
            else:
                self._logged = None
                reading = self._sync_until_changed(settings)

    def _wait(self, before: Callable[[], None] = lambda: None) -> Callable[[float], bool]:
        return feeding_wait(
            self.shutdown.event,
            self.watchdog,
            changed=self.watch.changed,
            poll_s=self.poll_s,
            before=before,
        )

    def _wait_for_change(self, reading: ConfigReading) -> ConfigReading:
        """Up, ready and fed, saying what it waits for, until the file changes or the stop."""
        status = reading.status(self.watch.path)
        last = self._logged
        if last is None or (last.waiting, last.detail) != (reading.waiting, reading.detail):
            self._logged = reading
            log.warning("not syncing: %s", status)
        self.announce.status(status)
        self._wait()(math.inf)
        return self.watch.read()

    def _sync_until_changed(self, settings: Settings) -> ConfigReading:
        """Sync with ``settings`` until the stop, or until the file changes to something else;
        the reading that ended it."""
        marker = TransferMarker(settings.paths.scratch_dir, now=time.time)
        marker.clear_stale()
        with opened(
            settings,
            software_version=self.software_version,
            progress=self.watchdog.feed,
            on_transfer=marker,
        ) as process:
            self.shutdown.attach(process.engine)
            _warn_if_watchdog_too_short(self.watchdog, process.engine.transport)
            self.announce.status(f"syncing to {settings.gateway.url}")
            try:
                while True:
                    process.serve(
                        self.shutdown.event,
                        wait=self._wait(lambda: self.announce.status(process.status_line())),
                    )
                    reading = self.watch.read()
                    if self.shutdown.requested or reading.waiting or reading.settings != settings:
                        break
                    # Touched but the same settings: carry on with the same outbox and engine.
            finally:
                self.shutdown.attach(None)
                marker(False)
        if not self.shutdown.requested:
            log.warning("%s changed: starting again on it", self.watch.path)
        return reading


def serve_command(
    config: Path | None, *, software_version: str | None = None, prog: str = "kiosk"
) -> int:
    """``sync run``: follow the configuration file and sync until SIGTERM (exit 0). Exit 1 when
    another sync process runs; outbox errors pass up to the caller's handler."""
    shutdown = Shutdown()
    shutdown.install()
    try:
        SyncService(
            ConfigWatch(watched_config_path(config)),
            shutdown,
            watchdog=Watchdog.from_environment(),
            software_version=software_version,
        ).run()
    except AlreadyRunningError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    shutdown.stop()  # STOPPING=1 if no signal said it yet
    return EXIT_OK


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
    config: Path | None,
    *,
    keep_running: bool,
    software_version: str | None = None,
    prog: str = "kiosk",
) -> int:
    """``sync run`` (``serve_command``) or ``sync --once`` (one pass, its summary as JSON); the
    process's exit code. Configuration and outbox errors pass up to the caller's handler."""
    if keep_running:
        return serve_command(config, software_version=software_version, prog=prog)
    settings, _ = load_effective(config)
    try:
        with opened(settings, software_version=software_version) as process:
            report = process.once()
            summary = pass_summary(report, process.store.counts(), process.engine.last_audit)
    except NotEnrolledError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except RuntimeError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_ERROR
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
    configure_logging(logging.INFO if args.verbose else logging.WARNING)
    prog = "offline_queue"
    try:
        return run_command(args.config, keep_running=args.mode == "run", prog=prog)
    except (ConfigError, StoreError, CryptoError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_INVALID
