"""The sync engine: drains the outbox to the gateway, oldest dossier first, exactly once.

This module is the sender: a loop that hands the next step of a due dossier to a free lane,
and records what each step came to. The pieces it drives each read alone:

- ``offline_queue.scheduling``: which step of which dossier next, backoff, the link's pause;
- ``offline_queue.uploading``: the steps themselves (create, tus upload, finalize, rating);
- ``offline_queue.auth_probe``: the stop after the gateway refuses the token, and its probes;
- ``offline_queue.housekeeping``: heartbeats, crypto-erase, reference data;
- ``offline_queue.progress``: what the process publishes about itself;
- ``AuditSender`` (here): the technician audit log (``offline_queue.audit``) to the gateway,
  after the dossiers, never before them.

On a slow, far link it is round trips, not bytes, that waste the link: while a request waits
300 ms for its answer, nothing is sent. So the engine keeps ``lanes`` requests in flight (three
by default), each on its own kept-alive connection and thread: while one lane waits for an
answer, another sends. The store is one SQLite connection, so the lanes call it one at a time.

Failures are classified once (``offline_queue.transport``): transient ones back off
exponentially with full jitter (capped, honouring Retry-After); a permanent refusal parks the
dossier as ``needs_attention`` — kept, never deleted; an unreadable copy is quarantined; an
authentication failure stops syncing and raises a technician alert.

Runs in its own process (``offline_queue.service``, ``kiosk sync run``) so the touchscreen
never waits on the network.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, TypeGuard, cast

from dvc_common.protocol import DEFAULT_LIMITS
from offline_queue.audit import AuditEvent
from offline_queue.auth_probe import AUTH_STATUS_KEY, AuthGate
from offline_queue.chunking import DROP_FRACTION, ChunkSizer
from offline_queue.crypto import CryptoError
from offline_queue.housekeeping import DeviceSource, Heartbeats, Housekeeping
from offline_queue.outcomes import DossierRetryError, PageUnreadableError, PassStoppedError
from offline_queue.progress import STATUS_KEY, Progress, SyncState
from offline_queue.records import AlertKind, ErrorKind
from offline_queue.reference import ReferenceData
from offline_queue.scheduling import Backoff, Job, LinkPacing, PassReport, PassWindow, Step, Work
from offline_queue.store import QueueStore
from offline_queue.sync_settings import SyncSettings
from offline_queue.transport import GatewayError, HttpTransport
from offline_queue.uploading import (
    API,
    MISMATCH_STATUS_KEY,
    MISSING_STATUS_KEY,
    DossierUploader,
    SteppingHooks,
)

__all__ = [
    "AUDIT_BATCH",
    "AUTH_STATUS_KEY",
    "DROP_FRACTION",
    "MISMATCH_STATUS_KEY",
    "MISSING_STATUS_KEY",
    "STATUS_KEY",
    "AuditOutcome",
    "AuditReport",
    "AuditSender",
    "Backoff",
    "PassReport",
    "SyncEngine",
    "SyncSettings",
    "SyncState",
]

log = logging.getLogger(__name__)

AUDIT_PATH: Final = API + "audit"
AUDIT_BATCH: Final = 500  # events per request, at most (the gateway's contract)
# Batches one delivery may send before the engine looks at its dossiers again.
AUDIT_BATCHES_PER_DELIVERY: Final = 4
# A gateway without the endpoint (404) is asked again after this long: it may be upgraded.
AUDIT_UNSUPPORTED_RECHECK_S: Final = 3600.0


class AuditOutcome(StrEnum):
    """What one delivery of the audit log came to."""

    NOTHING = "nothing"  # no event was waiting
    DELIVERED = "delivered"  # every event that waited is at the gateway
    MORE = "more"  # delivered what one delivery may send; the rest goes next time
    YIELDED = "yielded"  # dossiers are due: they go first, the events wait
    NOT_DUE = "not_due"  # waiting out a failure, a paused link or a refused token
    UNSUPPORTED = "unsupported"  # an older gateway without the endpoint (404): kept, no alert
    FAILED = "failed"  # kept; the next try backs off like any request


@dataclass(frozen=True)
class AuditReport:
    outcome: AuditOutcome
    delivered: int = 0  # events marked delivered by this delivery
    duplicates: int = 0  # of them, the gateway already held (a batch sent again)
    error: str | None = None


def _count(value: object) -> TypeGuard[int]:
    """A count in a JSON answer: a non-negative integer (JSON's true is not one)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# Requests stay under the gateway's published body limit with room for the JSON around them.
AUDIT_BODY_BYTES = DEFAULT_LIMITS.max_body_bytes - 4096


def fitting_body(events: Sequence[AuditEvent], budget: int = AUDIT_BODY_BYTES) -> list[AuditEvent]:
    """The oldest events whose request body fits ``budget`` bytes (always at least one: a single
    event is bounded far below it). 500 events with long Vietnamese details would not fit, and
    the gateway would refuse the batch (413) every time it was sent again."""
    taken: list[AuditEvent] = []
    size = len(b'{"events":[]}')
    for event in events:
        size += len(json.dumps(event.to_wire(), ensure_ascii=False).encode()) + 1
        if taken and size > budget:
            break
        taken.append(event)
    return taken


class AuditSender:
    """Delivers the technician audit log: ``POST /api/v1/audit`` with at most ``batch`` events,
    oldest first; a 200 with ``{"stored": n, "duplicates": m}`` marks them delivered.

    Idempotent by each event's id: a batch whose answer was lost is sent again as it was, and
    the gateway stores each event once. Failures are classified like every request
    (``offline_queue.transport``) and back off on their own schedule, apart from the dossiers':
    an audit failure never pauses the engine nor raises an alert; a 404 (a gateway from before
    the endpoint) keeps the events and asks again an hour later.
    """

    def __init__(
        self,
        store: QueueStore,
        transport: HttpTransport,
        backoff: Backoff,
        now: Callable[[], float],
        *,
        batch: int = AUDIT_BATCH,
        unsupported_recheck_s: float = AUDIT_UNSUPPORTED_RECHECK_S,
    ) -> None:
        self._store = store
        self._transport = transport
        self._backoff = backoff
        self._now = now
        self._batch = batch
        self._recheck_s = unsupported_recheck_s
        self._failures = 0
        self.next_attempt_at = 0.0

    def send(
        self,
        *,
        dossiers_due: Callable[[], bool] = lambda: False,
        max_batches: int = AUDIT_BATCHES_PER_DELIVERY,
    ) -> AuditReport:
        """Send pending events, a batch at a time, while no dossier is due."""
        if self._now() < self.next_attempt_at:
            return AuditReport(AuditOutcome.NOT_DUE)
        delivered = duplicates = 0
        for _ in range(max_batches):
            if dossiers_due():
                return AuditReport(AuditOutcome.YIELDED, delivered, duplicates)
            pending = self._store.pending_audit(self._batch)
            if not pending:
                break
            events = fitting_body(pending)
            try:
                held = self._post(events)
            except GatewayError as exc:
                return self._failed(exc, delivered, duplicates)
            self._store.mark_audit_delivered([e.id for e in events])
            self._failures = 0
            delivered += len(events)
            duplicates += held
            if len(pending) < self._batch and len(events) == len(pending):
                break
        else:
            return AuditReport(AuditOutcome.MORE, delivered, duplicates)
        outcome = AuditOutcome.DELIVERED if delivered else AuditOutcome.NOTHING
        return AuditReport(outcome, delivered, duplicates)

    def _post(self, events: Sequence[AuditEvent]) -> int:
        """One batch; how many of its events the gateway already held."""
        response = self._transport.call(
            "POST",
            AUDIT_PATH,
            json_body={"events": [e.to_wire() for e in events]},
            ok=(200,),
        )
        data = response.json_object()
        stored, duplicates = data.get("stored"), data.get("duplicates")
        # The answer's shape is checked (a captive portal answers 200 with a web page); its sum
        # is not held to the batch: the gateway answered 200 for the whole batch, and refusing
        # it over a count would resend the same events for ever.
        if not (_count(stored) and _count(duplicates)):
            raise GatewayError(
                ErrorKind.TRANSIENT,
                f"POST {AUDIT_PATH}: answer lacks the stored and duplicates counts",
                status=response.status,
            )
        if stored + duplicates != len(events):
            log.warning(
                "audit: the gateway counted %d stored + %d duplicates for %d events",
                stored,
                duplicates,
                len(events),
            )
        return duplicates

    def _failed(self, exc: GatewayError, delivered: int, duplicates: int) -> AuditReport:
        if exc.status == 404:
            self.next_attempt_at = self._now() + self._recheck_s
            log.info("audit log kept: the gateway has no audit endpoint yet")
            return AuditReport(AuditOutcome.UNSUPPORTED, delivered, duplicates, exc.detail)
        # 401/403 included: the heartbeat and the dossiers handle a refused token (alert, probe);
        # the audit log only waits its turn.
        self._failures += 1
        delay = self._backoff.delay(self._failures, exc.retry_after)
        self.next_attempt_at = self._now() + delay
        log.warning("audit log not delivered (%s); next try in %.0f s", exc, delay)
        return AuditReport(AuditOutcome.FAILED, delivered, duplicates, exc.detail)


class _SerialStore:
    """The store, one call at a time across the lanes' threads.

    ``QueueStore`` wraps one SQLite connection and is to be used from one thread at a time; the
    lanes share it, so every call takes this lock. Attributes are looked up on the real store
    at each call, so a method replaced on it (a test simulating a power cut) is the one called.
    """

    def __init__(self, store: QueueStore) -> None:
        self.inner = store
        self.lock = threading.RLock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def locked(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                return attribute(*args, **kwargs)

        return locked


class SyncEngine:
    """Drains one kiosk's outbox; one engine per process (see ``run``).

    Its public methods are called from one thread; inside a pass it runs its lanes on threads
    of its own.
    """

    def __init__(
        self,
        store: QueueStore,
        transport: HttpTransport,
        settings: SyncSettings,
        *,
        now: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        reference: ReferenceData | None = None,
        on_transfer: Callable[[bool], None] = lambda busy: None,
        devices: DeviceSource | None = None,
        wifi_signal: Callable[[], int | None] | None = None,
    ) -> None:
        serial = _SerialStore(store)
        self._store = cast(QueueStore, serial)
        self.transport = transport
        # Lane 0 is the transport we were given (reference data and heartbeats use it too);
        # the others are clones with connections of their own.
        self._lanes = [transport] + [transport.clone() for _ in range(settings.lanes - 1)]
        self._now = now
        self._stop = threading.Event()  # this pass is ending: lanes stop between chunks
        self._halted = threading.Event()  # the process is stopping: no pass starts again
        # Told True when a pass starts sending a dossier, False when that pass has ended:
        # the sync-busy marker maintenance waits on (offline_queue.busy).
        self._on_transfer = on_transfer
        backoff_rng = rng or random.Random()  # noqa: S311
        backoff = Backoff(settings.backoff_base_s, settings.backoff_cap_s, backoff_rng)
        self.pacing = LinkPacing(backoff, now)
        self.chunks = ChunkSizer(settings, len(self._lanes))
        self.progress = Progress(
            self._store,
            self.chunks,
            self.pacing,
            now=now,
            monotonic=monotonic,
            round_trip=lambda: transport.stats.round_trip_s,
        )
        self.uploader = DossierUploader(
            self._store,
            store_lock=serial.lock,
            settings=settings,
            chunks=self.chunks,
            gateway_url=transport.base_url,
            hooks=SteppingHooks(
                stop=self._stop,
                link_ok=self.pacing.succeeded,
                progress=self.progress.sending,
                monotonic=monotonic,
            ),
        )
        # The heartbeat's devices come from the app's report (``devices``), its link figures from
        # every lane's requests (the transport's window) and ``wifi_signal``; without them it
        # says the devices are unknown and the signal null.
        heartbeat_sources: dict[str, Any] = {}
        if devices is not None:
            heartbeat_sources["devices"] = devices
        if wifi_signal is not None:
            heartbeat_sources["signal"] = wifi_signal
        self.heartbeats = Heartbeats(self._store, transport, settings, now, **heartbeat_sources)
        heartbeats = self.heartbeats
        self.auth = AuthGate(
            self._store,
            settings,
            self.pacing,
            credentials=lambda: transport.credentials_fingerprint,
            probe=heartbeats.send,
            now=now,
        )
        self._housekeeping = Housekeeping(
            self._store,
            settings=settings,
            heartbeats=heartbeats,
            auth=self.auth,
            reference=reference,
            now=now,
        )
        # Its own backoff (same tunables): an audit failure is not a dossier's nor the link's.
        self.audit = AuditSender(
            self._store,
            transport,
            Backoff(settings.backoff_base_s, settings.backoff_cap_s, backoff_rng),
            now,
        )
        self.last_audit: AuditReport | None = None

    @property
    def bytes_attempted(self) -> int:
        """Payload bytes put on the wire, resends included (the benchmark's resend ratio)."""
        return self.chunks.bytes_attempted

    @property
    def pause_until(self) -> float:
        """Wall-clock time before which the engine does not start a pass (the link failed)."""
        return self.pacing.pause_until

    @pause_until.setter
    def pause_until(self, value: float) -> None:
        # Tests and the demo make a paused engine due at once instead of waiting.
        self.pacing.pause_until = value

    def close(self) -> None:
        """Close the connections of the extra lanes (the given transport is the caller's)."""
        for lane in self._lanes[1:]:
            lane.close()

    def halt(self) -> None:
        """Stop soon, from any thread or a signal handler: the pass in progress ends once the
        requests in flight are answered (each lane stops before its next chunk), nothing starts
        after it, and ``run`` returns. What the lanes committed is kept, as on any stop."""
        self._halted.set()
        self._stop.set()

    @property
    def halted(self) -> bool:
        return self._halted.is_set()

    # --- the sender ---------------------------------------------------------------------------

    def next_wakeup(self) -> float | None:
        """Wall-clock time when there will next be something to do, or None."""
        if self.auth.standing():
            return self.auth.next_probe_at()
        due = self._store.next_wakeup()
        if due is None:
            return None
        return max(due, self.pacing.pause_until)

    def run_once(self, *, max_dossiers: int | None = None) -> PassReport:
        """Work through every due dossier, oldest first, until done or the link fails."""
        report = PassReport()
        try:
            if not self.auth.allows(report):
                return report
            if self.pacing.paused():
                return report
            self._drain(report, max_dossiers)
        finally:
            # The pass is over, whatever happened: what is published must not say "syncing"
            # (``kiosk sync --once`` exits right after this).
            self.progress.current = None
            self.progress.publish(force=True)
        return report

    def _drain(self, report: PassReport, max_dossiers: int | None) -> None:
        """Hand the steps of due dossiers to free lanes until none is left or the pass stops."""
        window = PassWindow(
            len(self._lanes),
            max_dossiers,
            lambda taken: self._store.next_due(self._now(), exclude=taken),
            self._store.files,
        )
        free = list(self._lanes)
        inflight: dict[Future[Any], tuple[Job, HttpTransport]] = {}
        self._stop.clear()
        if self._halted.is_set():  # halted before this pass cleared the flag
            self._stop.set()
        self.pacing.start_pass()
        sending = False
        pool = ThreadPoolExecutor(max_workers=len(self._lanes), thread_name_prefix="sync-lane")
        try:
            while True:
                while free and not self._stop.is_set():
                    job = window.next_job()
                    if job is None:
                        break
                    if not sending:
                        sending = True
                        self._on_transfer(True)
                    lane = free.pop()
                    window.started(job)
                    self.progress.current = job.work.row.receipt_number
                    inflight[pool.submit(self._perform, job, lane)] = (job, lane)
                if not inflight:
                    break
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                unsettled: list[Exception] = []
                for future in done:
                    job, lane = inflight.pop(future)
                    free.append(lane)
                    window.ended(job)
                    # Every result that came in is taken in, even when another could not be
                    # (its failure not recordable: the store itself failing): a 401 still
                    # raises its alert, a drop still earns its backoff.
                    try:
                        self._settle(window, job, future, report)
                    except Exception as exc:  # re-raised below, after the others
                        unsettled.append(exc)
                if unsettled:
                    raise unsettled[0]
        finally:
            # Lanes still working finish their request (bounded by the transport's timeouts)
            # and stop before their next one; nothing they committed is lost.
            self._stop.set()
            pool.shutdown(wait=True)
            if sending:
                self._on_transfer(False)

    def _perform(self, job: Job, lane: HttpTransport) -> Any:
        """One step of one dossier, on a lane's thread."""
        work = job.work
        if job.step is Step.CREATE:
            return self.uploader.create(lane, work.row)
        if job.step is Step.RATING:
            self.uploader.send_rating(lane, work.row)
            return None
        assert work.dossier_id is not None  # only created dossiers get these steps
        if job.step is Step.UPLOAD:
            assert job.file is not None
            return self.uploader.upload(lane, work.row, work.dossier_id, job.file)
        self.uploader.finalize(lane, work.row, work.dossier_id)
        return None

    # --- recording what a step came to (on the engine's own thread) ---------------------------

    def _settle(
        self, window: PassWindow, job: Job, future: Future[Any], report: PassReport
    ) -> None:
        """Take in what a lane's step came to."""
        work = job.work
        try:
            result = future.result()
        except PassStoppedError:
            work.finished = True
            return
        except GatewayError as exc:
            if job.step is Step.RATING:
                self._rating_failed(work, exc, report)
            else:
                self._failed(work, exc, report)
            return
        except (CryptoError, PageUnreadableError) as exc:
            if job.step is Step.RATING:
                self._rating_unreadable(work, exc)
            else:
                self._corrupt(work, exc, report)
            return
        except Exception as exc:  # any other failure is this dossier's alone
            # A bug, a store locked past its timeout, an answer that breaks a parser: left to
            # propagate, it would end every pass on the oldest dossier and block the queue. It
            # is recorded as this dossier's failure, which backs off on its own.
            log.exception("sync %s: unexpected error", work.row.receipt_number)
            self._failed(
                work,
                DossierRetryError(ErrorKind.TRANSIENT, f"{type(exc).__name__}: {exc}"),
                report,
            )
            return
        self.pacing.succeeded()
        if job.step is Step.CREATE:
            if result is None:  # the gateway already had it finalized
                self._delivered(work, report)
                return
            window.created(work, str(result))
        elif job.step is Step.UPLOAD:
            report.bytes_uploaded += int(result)
            if not work.failed:  # a refusal recorded meanwhile keeps its reason
                self._progressed(work)
        elif job.step is Step.FINALIZE:
            self._delivered(work, report)
        else:
            work.finished = True

    def _delivered(self, work: Work, report: PassReport) -> None:
        """The gateway registered the dossier; its rating, if one waits, is the next step."""
        report.submitted.append(work.row.receipt_number)
        refreshed = self._store.find(work.row.client_uuid)
        if refreshed is not None and refreshed.rating_pending:
            work.row = refreshed  # submitted now: rating_only
            return
        work.finished = True

    def _rating_failed(self, work: Work, exc: GatewayError, report: PassReport) -> None:
        """A rating the gateway did not take. The dossier is delivered whatever happens here:
        a refusal drops the rating (the gateway will never take it), anything else is retried
        like any request, the dossier's status untouched (record_failure keeps it)."""
        if exc.kind is ErrorKind.PERMANENT:
            work.finished = True
            log.warning(
                "rating of %s refused by the gateway, dropped: %s", work.row.receipt_number, exc
            )
            self._store.mark_rating_synced(work.row.client_uuid)
            return
        self._failed(work, exc, report)

    def _rating_unreadable(self, work: Work, exc: Exception) -> None:
        """A sealed rating that cannot be opened will never be sent; the delivered dossier is
        not to be quarantined for it."""
        work.finished = True
        log.error("rating of %s unreadable, dropped: %s", work.row.receipt_number, exc)
        self._store.mark_rating_synced(work.row.client_uuid)

    def _progressed(self, work: Work) -> None:
        """A file arrived: the dossier's next failure starts its backoff afresh, unless its
        files keep going missing at the gateway (re-sending them is not progress)."""
        if work.progress_recorded or not work.row.attempts:
            return
        if self.uploader.keeps_failing(work.row.client_uuid):
            return
        self._store.record_success(work.row.client_uuid)
        work.progress_recorded = True

    def _failed(self, work: Work, exc: GatewayError, report: PassReport) -> None:
        """Record a failure of one of ``work``'s steps; stop the pass if the link is down or
        syncing is not allowed."""
        if exc.kind is ErrorKind.AUTH:
            # Not the dossier's fault: leave its attempts alone and stop until the credentials
            # are accepted again.
            self.auth.raise_alert(exc.detail)
            report.stopped_by = ErrorKind.AUTH
            self._stop.set()
        work.finished = True
        if work.failed:
            return  # its other lane failed too (the same drop): one failure per dossier
        work.failed = True
        row = work.row
        report.failed.append((row.receipt_number, exc.kind, exc.detail))
        log.warning("sync %s failed: %s", row.receipt_number, exc)
        if exc.kind is ErrorKind.AUTH:
            return
        if exc.kind is ErrorKind.PERMANENT:
            self._store.record_failure(row.client_uuid, exc.kind, exc.detail, self._now())
            return
        if isinstance(exc, DossierRetryError):
            delay = self.pacing.dossier_delay(row, exc.retry_after)
            self._store.record_failure(row.client_uuid, exc.kind, exc.detail, self._now() + delay)
            return
        # The link (or the gateway) failed: the pass stops, every dossier it interrupted waits.
        retry_at = self.pacing.retry_at(row, exc)
        self._store.record_failure(row.client_uuid, exc.kind, exc.detail, retry_at)
        if report.stopped_by is None:
            report.stopped_by = ErrorKind.TRANSIENT
        self._stop.set()

    def _corrupt(self, work: Work, exc: Exception, report: PassReport) -> None:
        work.finished = True
        row = work.row
        log.error("dossier %s unreadable: %s", row.receipt_number, exc)
        if not work.failed:
            work.failed = True
            self._store.record_failure(row.client_uuid, ErrorKind.CORRUPT, str(exc), self._now())
            report.failed.append((row.receipt_number, ErrorKind.CORRUPT, str(exc)))
        why = (
            "a page file is missing or unreadable"
            if isinstance(exc, PageUnreadableError)
            else ("it cannot be decrypted")
        )
        self._store.raise_alert(AlertKind.QUARANTINE, f"dossier {row.receipt_number}: {why}")

    # --- between passes -----------------------------------------------------------------------

    def heartbeat(self, devices: dict[str, str] | None = None) -> bool:
        """Tell the gateway this kiosk is alive; False when it could not be reached."""
        return self._housekeeping.heartbeat(devices)

    def housekeeping(self) -> None:
        """Periodic work: erase delivered dossiers past retention, heartbeat when due."""
        self._housekeeping.run()

    def deliver_audit(self) -> AuditReport:
        """The technician audit log to the gateway, after a pass (``AuditSender``).

        Dossiers first: nothing is sent while one is due, while the link's failure paused the
        engine, or while the gateway refuses the token; each batch is one request on the lane
        the pass has finished with.
        """
        if self.auth.standing() or self.pacing.paused():
            report = AuditReport(AuditOutcome.NOT_DUE)
        else:
            report = self.audit.send(
                dossiers_due=lambda: self._store.next_due(self._now()) is not None
            )
        self.last_audit = report
        return report

    def run(self, stop: Callable[[float], bool], *, idle_poll_s: float = 5.0) -> None:
        """Run until ``stop(timeout)`` returns True (it is called to wait between passes) or
        ``halt()`` is called.

        The loop logs and keeps going on any unexpected error: a crashing sync process would
        stop every dossier behind the one that triggered the bug.
        """
        while not self._halted.is_set():
            try:
                self.housekeeping()
                self.run_once()
                if self._halted.is_set():
                    return
                self.deliver_audit()
                wake = self.next_wakeup()
                wait_s = (
                    idle_poll_s if wake is None else max(0.0, min(idle_poll_s, wake - self._now()))
                )
            except Exception:
                log.exception("sync pass failed; continuing")
                wait_s = idle_poll_s
            if self._halted.is_set() or stop(wait_s):
                return
