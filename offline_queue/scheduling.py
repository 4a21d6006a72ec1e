"""Scheduling the sync: which step of which dossier runs next, and when to try again.

- **Which next.** A pass takes due dossiers oldest first (``QueueStore.next_due``) into a window
  of at most one per lane. A free lane takes the next step of the oldest dossier that has one
  (its creation, its next file), so the next dossier is created while the last file of the one
  before is still going. Finalizing stays in queue order, so official codes follow the order
  dossiers were queued in.
- **When again.** A failure of one dossier backs it off alone (``Backoff``: exponential, full
  jitter, Retry-After as a floor). A failure of the link counts once however many lanes it
  interrupted: every dossier in flight waits the same time, and the whole engine pauses
  (``LinkPacing``). The first link failure is retried at once: on a rural link most are a
  dropped connection, and a fresh one usually works.
- **What a pass did**: ``PassReport``.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from enum import Enum

from offline_queue.records import DossierRow, ErrorKind, FileRow, QueueStatus
from offline_queue.transport import GatewayError

MAX_RETRY_AFTER_S = 6 * 3600.0


class Backoff:
    """Exponential backoff with full jitter: a random delay in [0, min(cap, base·2ⁿ)].

    Full jitter spreads the retries of many kiosks after a gateway outage, instead of having
    them all return at the same second; Retry-After from the gateway is a floor.
    """

    def __init__(self, base: float, cap: float, rng: random.Random) -> None:
        self._base = base
        self._cap = cap
        self._rng = rng

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        ceiling = min(self._cap, self._base * 2 ** min(attempts, 30))
        jittered = self._rng.uniform(0, ceiling)
        # A gateway's Retry-After is obeyed, within reason: a broken header must not park the
        # kiosk for weeks.
        return max(jittered, min(retry_after or 0.0, MAX_RETRY_AFTER_S))


@dataclass
class PassReport:
    """What one pass over the outbox did."""

    submitted: list[str] = field(default_factory=list)
    failed: list[tuple[str, ErrorKind, str]] = field(default_factory=list)
    stopped_by: ErrorKind | None = None
    bytes_uploaded: int = 0


class LinkPacing:
    """Whether the link works, as the lanes' requests find it: failures in a row, the pause
    of the whole engine they earned, and the one retry time a pass's link failure gives every
    dossier it interrupted. Shared by the lanes, so every method takes a lock."""

    def __init__(self, backoff: Backoff, now: Callable[[], float]) -> None:
        self._backoff = backoff
        self._now = now
        self._lock = threading.Lock()
        self.failures = 0
        self.pause_until = 0.0
        self._pass_retry_at: float | None = None

    def start_pass(self) -> None:
        with self._lock:
            self._pass_retry_at = None

    def paused(self) -> bool:
        return self._now() < self.pause_until

    def succeeded(self) -> None:
        """A request got through: the link works again."""
        with self._lock:
            if self._pass_retry_at is not None:
                # Another lane's request got through after this pass lost the link: that does
                # not undo the failure (nor the pause it earned).
                return
            self.failures = 0
            self.pause_until = 0.0

    def retry_at(self, row: DossierRow, exc: GatewayError) -> float:
        """When a dossier a link failure interrupted is tried again. Every lane in flight fails
        at the same drop: the failure is counted once, and each dossier waits the same time."""
        retry_at = self._pass_retry_at
        if retry_at is None:
            retry_at = self._now() + self._link_failed(row, exc)
            with self._lock:
                self._pass_retry_at = retry_at
        return retry_at

    def _link_failed(self, row: DossierRow, exc: GatewayError) -> float:
        """Count a link failure and pause the engine; returns the dossier's delay."""
        with self._lock:
            self.failures += 1
            failures = self.failures
        if failures == 1 and exc.retry_after is None:
            # One immediate retry: most failures on a rural link are a dropped connection, and
            # a fresh one usually works. Only repeated failures back off.
            delay = 0.0
        else:
            delay = self._backoff.delay(row.attempts, exc.retry_after)
        # The link (or the gateway) is probably down for everyone: pause the whole engine too.
        pause = (
            0.0 if delay == 0.0 else max(exc.retry_after or 0.0, self._backoff.delay(failures - 2))
        )
        with self._lock:
            self.pause_until = self._now() + pause
        return delay

    def no_verdict(self, retry_after: float | None) -> float:
        """A request that proves nothing about the link (an authentication probe without an
        answer) counts as a link failure; returns the delay before the next try."""
        with self._lock:
            self.failures += 1
            failures = self.failures
        return self._backoff.delay(failures - 1, retry_after)

    def dossier_delay(self, row: DossierRow, retry_after: float | None) -> float:
        """The backoff of one dossier that must wait while the link is fine."""
        return self._backoff.delay(row.attempts, retry_after)


class Step(Enum):
    CREATE = "create"
    UPLOAD = "upload"
    FINALIZE = "finalize"
    RATING = "rating"


@dataclass(eq=False)
class Work:
    """One dossier taken into the current pass."""

    row: DossierRow
    dossier_id: str | None
    pending: deque[FileRow] = field(default_factory=deque)
    uploading: int = 0  # its files in flight
    busy: bool = False  # its creation, finalize or rating is in flight
    finished: bool = False  # submitted, refused or set aside until the next pass
    failed: bool = False  # a failure was recorded for it in this pass
    progress_recorded: bool = False

    @property
    def rating_only(self) -> bool:
        return self.row.status is QueueStatus.SUBMITTED


@dataclass(frozen=True)
class Job:
    step: Step
    work: Work
    file: FileRow | None = None


class PassWindow:
    """The dossiers one pass has in hand, oldest first, and which of their steps runs next."""

    def __init__(
        self,
        lanes: int,
        max_dossiers: int | None,
        next_due: Callable[[Collection[str]], DossierRow | None],
        files: Callable[[str], list[FileRow]],
    ) -> None:
        self._lanes = lanes
        self._max = max_dossiers
        self._next_due = next_due
        self._files = files
        self._window: list[Work] = []
        self._taken: set[str] = set()

    def next_job(self) -> Job | None:
        """The next step to start, taking the next due dossier in when none has one."""
        while True:
            job = self._next_in_window()
            if job is not None:
                return job
            if not self._take_next():
                return None

    def _next_in_window(self) -> Job | None:
        """The next step to start, oldest dossier first; finalizing waits for earlier ones."""
        earlier_open = False
        for work in self._window:
            if work.finished:
                continue
            if not work.busy:
                if work.rating_only:
                    return Job(Step.RATING, work)
                if work.dossier_id is None:
                    return Job(Step.CREATE, work)
                if work.pending:
                    return Job(Step.UPLOAD, work, work.pending.popleft())
                if work.uploading == 0 and not earlier_open:
                    return Job(Step.FINALIZE, work)
            if not work.rating_only:
                earlier_open = True
        return None

    def _take_next(self) -> bool:
        """Take the next due dossier into the pass, if a lane could use it; False otherwise."""
        window = self._window
        while window and window[0].finished:
            window.pop(0)  # a long backlog must not make every look-up longer
        if sum(1 for w in window if not w.finished) >= self._lanes:
            return False
        if self._max is not None and len(self._taken) >= self._max:
            return False
        row = self._next_due(self._taken)
        if row is None:
            return False
        self._taken.add(row.client_uuid)
        work = Work(row, row.gateway_dossier_id)
        if work.dossier_id is not None and not work.rating_only:
            work.pending.extend(f for f in self._files(row.client_uuid) if not f.complete)
        window.append(work)
        return True

    @staticmethod
    def started(job: Job) -> None:
        if job.step is Step.UPLOAD:
            job.work.uploading += 1
        else:
            job.work.busy = True

    @staticmethod
    def ended(job: Job) -> None:
        if job.step is Step.UPLOAD:
            job.work.uploading -= 1
        else:
            job.work.busy = False

    def created(self, work: Work, dossier_id: str) -> None:
        """The gateway created the dossier: its files not yet complete become steps."""
        work.dossier_id = dossier_id
        work.pending.extend(f for f in self._files(work.row.client_uuid) if not f.complete)
