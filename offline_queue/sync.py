"""The sync engine: drains the outbox to the gateway, oldest dossier first, exactly once.

For each dossier: create it at the gateway with its client UUID as ``Idempotency-Key`` (a retry
can never make a second dossier), upload each page file with tus, then finalize to get the
official code. Every step's result is committed before anything depends on it (the upload URL
before the first PATCH, the dossier id before any upload), so a kill at any moment loses at most
the steps in flight, and redoing them is safe.

On a slow, far link it is round trips, not bytes, that waste the link: while a request waits
300 ms for its answer, nothing is sent. So the engine keeps ``lanes`` requests in flight (three
by default), each on its own kept-alive connection and thread: while one lane waits for an
answer, another sends. A free lane takes the next step of the oldest dossier that has one (its
creation, its next file), so the next dossier is created while the last file of the one before
is still going. Finalizing stays in queue order, so official codes follow the order dossiers
were queued in. The store is one SQLite connection, so the lanes call it one at a time.

Uploads go through tuspy (``_KioskUploader``: every request through ``HttpTransport``):

- the first chunk rides in the creation POST (tus ``creation-with-upload``); were its answer
  lost, the gateway's dossier view names the upload it made, which is adopted rather than
  created again, so the bytes it kept are not sent twice;
- chunks carry no per-request checksum by default: the gateway then keeps whatever arrived
  before a drop, so a resumed upload sends again only what never arrived. Integrity is the
  gateway's SHA-256 check of the whole file against the manifest when its last byte arrives
  (and TLS on the way); a mismatch makes it discard the file and the kiosk send it again.

Failures are classified once (``offline_queue.transport``): transient ones back off
exponentially with full jitter (capped, honouring Retry-After); a permanent refusal parks the
dossier as ``needs_attention`` — kept, never deleted. An authentication failure stops syncing
and raises a technician alert, which clears itself when the gateway address or token changes,
or when a periodic authenticated probe (the heartbeat, with exponential backoff) is accepted.
A dossier whose finalize keeps naming files the kiosk sent whole as missing gets fresh uploads
for them, backs off with growing attempts, and after ``missing_files_limit`` such answers in a
row needs attention.

Runs in its own process (``kiosk sync run``) so the touchscreen never waits on the network.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Collection
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

from tusclient.client import TusClient
from tusclient.fingerprint.interface import Fingerprint
from tusclient.request import TusRequest
from tusclient.storage.interface import Storage
from tusclient.uploader import Uploader

from offline_queue.crypto import CryptoError
from offline_queue.reference import ReferenceData
from offline_queue.store import (
    AlertKind,
    DossierRow,
    ErrorKind,
    FileRow,
    QueueStatus,
    QueueStore,
)
from offline_queue.transport import (
    GatewayError,
    HttpTransport,
    Response,
    classify,
    parse_count,
)

log = logging.getLogger(__name__)

API = "api/v1/"
MAX_RETRY_AFTER_S = 6 * 3600.0
# Chunks are sized so that what a link drop costs stays a small share of what the link carries
# between drops. Without per-chunk checksums a drop costs, per lane, the part of its chunk not
# yet delivered: half a chunk on average, nothing for a lane waiting for its answer. With
# chunks of interval / (DROP_FRACTION · lanes) that is at most 1 / (2 · DROP_FRACTION) of the
# bytes, about 3 %. On benchmarks.sync, 12 measured 0.029–0.040 resent at 0.94 goodput; 16
# keeps the resend well under its 0.05 limit for about 0.01 of goodput.
DROP_FRACTION = 16
STATUS_KEY = "sync"
# Small JSON state of the engine kept in the store's status table, so a restart remembers it.
AUTH_STATUS_KEY = "sync.auth"
MISSING_STATUS_KEY = "sync.missing_files"
MISMATCH_STATUS_KEY = "sync.whole_file_mismatch"
FILES_INCOMPLETE_TYPE = "files-incomplete"  # the last segment of the gateway's problem type


class SyncState(StrEnum):
    """What the sync process is doing, as published for ``kiosk queue list`` and the screen."""

    IDLE = "idle"
    SYNCING = "syncing"
    WAITING = "waiting"  # backing off after the link or the gateway failed
    AUTH_ERROR = "auth_error"  # the gateway refused the kiosk's token; probing


@dataclass(frozen=True)
class SyncSettings:
    kiosk_id: str
    software_version: str = "0"
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 600.0
    chunk_min: int = 16 * 1024
    chunk_max: int = 1024 * 1024
    # The first chunks, before the link has shown how often it drops: small, because the first
    # drop costs up to a chunk per lane. They grow as the link carries bytes without dropping.
    chunk_initial: int = 16 * 1024
    target_chunk_s: float = 4.0
    retention_s: float = 7 * 86_400
    heartbeat_s: float = 300.0
    reference_refresh_s: float = 6 * 3600.0
    # Requests in flight at once, each on its own connection, so that while some wait for
    # their answer another is sending. With two, both often wait at once (they share the
    # link fairly, so they tend to finish together): benchmarks.sync measured goodput 0.906
    # with two lanes, 0.939 with three, at the same resend. Chunks shrink with more lanes
    # (DROP_FRACTION), so a drop costs no more.
    lanes: int = 3
    # sha1 per chunk (tus checksum): a chunk is then kept whole or not at all, so every drop
    # costs the whole chunk in flight. Off by default; see the module docstring.
    chunk_checksums: bool = False
    # After a 401/403: probe with an authenticated heartbeat after 30 s, then 60 s, 120 s, …
    # up to an hour. A token is fixed by a person (re-enrolment, the gateway's operator), so
    # minutes do not matter, while an hour bounds the wait once it is fixed.
    auth_probe_base_s: float = 30.0
    auth_probe_cap_s: float = 3600.0
    # Finalize answers in a row that name the same files as missing although the kiosk sent
    # them whole. The first is explained by a gateway that lost a completion (killed inside
    # it): the files are sent again as new uploads. A second may be one more crash during that
    # resend. A third means the gateway cannot complete them; sending whole files for ever
    # would take the link from every other dossier, so the dossier waits for a technician.
    missing_files_limit: int = 3


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


class _Unclosable(io.RawIOBase):
    """tuspy closes the stream after fingerprinting it; the upload still needs it."""

    def __init__(self, inner: io.RawIOBase) -> None:
        super().__init__()
        self._inner = inner

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return self._inner.read(size)
        except OSError as exc:
            raise _PageUnreadableError(str(exc)) from exc

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            return self._inner.seek(offset, whence)
        except OSError as exc:
            raise _PageUnreadableError(str(exc)) from exc

    def tell(self) -> int:
        return self._inner.tell()

    def close(self) -> None:
        pass  # the engine closes the real stream itself


class _FileKey(Fingerprint):  # type: ignore[misc]
    """Fingerprints an upload by its queue file, not by hashing the content again."""

    def __init__(self, file: FileRow) -> None:
        self._key = f"{file.client_uuid}/{file.idx}"

    def get_fingerprint(self, fs: Any) -> str:
        return self._key


def _rebase(url: str, origin: str) -> str:
    """``url`` on the configured gateway: a stored or announced URL may name a host or port the
    kiosk does not use (a changed gateway address, a proxy), while the upload's path is stable."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return origin + path.lstrip("/")


class _UrlStore(Storage):  # type: ignore[misc]
    """tuspy's URL storage, backed by the queue so a stored URL survives restarts."""

    def __init__(self, store: QueueStore, file: FileRow, base_url: str) -> None:
        self._store = store
        self._file = file
        self._url = file.upload_url
        self._base_url = base_url

    def get_item(self, key: str) -> str | None:
        if self._url is None:
            return None
        return _rebase(self._url, self._base_url)

    def set_item(self, key: str, value: str | None) -> None:
        self._url = value
        self._store.set_upload_url(self._file.client_uuid, self._file.idx, value)

    def remove_item(self, key: str) -> None:
        self._url = None
        self._store.set_upload_url(self._file.client_uuid, self._file.idx, None)


class _AlreadyCompleteError(Exception):
    """The gateway already holds this whole file (its last answer to us was lost)."""


class _UploadGoneError(Exception):
    """The stored upload URL is unknown or expired at the gateway: start the file again."""


class _PageUnreadableError(Exception):
    """A page file in the outbox is gone or cannot be read: that dossier cannot be sent as it
    is, like one that cannot be decrypted; it is set aside for a technician."""


class _PassStoppedError(Exception):
    """Another lane failed and the pass is ending: stop between chunks, lose nothing."""


class _DossierRetryError(GatewayError):
    """This dossier must wait and try again, but the link and the gateway are fine: back off
    this dossier only, with growing attempts, and carry on with the others."""


class _TimedPatch(TusRequest):  # type: ignore[misc]
    """tuspy's PATCH, sent through our transport (timeouts, caps) instead of bare requests."""

    def __init__(self, uploader: _KioskUploader) -> None:
        super().__init__(uploader)
        self._transport = uploader.transport

    def perform(self) -> None:
        chunk = self.file.read(self._content_length)
        self.add_checksum(chunk)
        response = self._transport.request(
            "PATCH", self._url, data=chunk, headers=self._request_headers
        )
        self.status_code = response.status
        self.response_content = response.body
        self.response_headers = response.headers


class _KioskUploader(Uploader):  # type: ignore[misc]
    """tuspy's uploader with every HTTP call going through ``HttpTransport``."""

    url: Any  # tuspy's: the upload URL, or None before the upload is created

    def __init__(self, transport: HttpTransport, **kwargs: Any) -> None:
        self.transport = transport
        super().__init__(**kwargs)

    def forget_url(self) -> None:
        """Drop the upload URL, in the queue too: the next step creates a new upload."""
        self.url_storage.remove_item("")
        self.url = None
        self.offset = 0

    def create_url(self) -> str:
        response = self.transport.request(
            "POST", self.client.url, headers=self.get_url_creation_headers()
        )
        location = response.headers.get("location")
        if response.status != 201 or not location:
            raise _fail(response, "tus create")
        return _join(self.client.url, location, response, "tus create")

    def create_with_upload(self, length: int) -> tuple[str, int]:
        """tus ``creation-with-upload``: the first chunk travels in the POST, saving a round trip
        per file (on a 300 ms link that is most of a small file's overhead)."""
        stream = self.get_file_stream()
        stream.seek(0)
        chunk = stream.read(length)
        headers = {
            **self.get_url_creation_headers(),
            "Content-Type": "application/offset+octet-stream",
        }
        if self.upload_checksum:
            digest = hashlib.sha1(chunk).digest()  # noqa: S324 - tus checksum, not security
            headers["Upload-Checksum"] = "sha1 " + base64.b64encode(digest).decode()
        response = self.transport.request("POST", self.client.url, data=chunk, headers=headers)
        location = response.headers.get("location")
        offset = parse_count(response.headers.get("upload-offset", "0"))
        if response.status != 201 or not location or offset is None:
            raise _fail(response, "tus create with upload")
        return _join(self.client.url, location, response, "tus create with upload"), offset

    def get_offset(self) -> int:
        response = self.transport.request("HEAD", self.url, headers=self.get_headers())
        if response.status in (404, 410):
            raise _UploadGoneError(self.url)
        offset = parse_count(response.headers.get("upload-offset"))
        if response.status != 200 or offset is None:
            raise _fail(response, "tus HEAD")
        return offset

    def _do_request(self) -> None:
        self.request = _TimedPatch(self)
        self.request.perform()
        response = Response(self.request.status_code, self.request.response_headers)
        if response.status in (404, 410):
            raise _UploadGoneError(self.url)
        if response.status == 409 and b"already-complete" not in self.request.response_content:
            # Our idea of the offset is stale (a PATCH landed but its answer was lost). The
            # link and the gateway are fine: only this dossier tries again, from the offset.
            self.offset = self.get_offset()
            raise _DossierRetryError(
                ErrorKind.TRANSIENT, "tus offset mismatch; resynchronised", status=409
            )
        offset = parse_count(response.headers.get("upload-offset"))
        if not 200 <= response.status < 300 or offset is None:
            raise _fail(
                Response(response.status, response.headers, self.request.response_content),
                "tus PATCH",
            )


def _join(base: str, location: str, response: Response, what: str) -> str:
    """The upload URL a Location header names; one that is no URL is a bad answer."""
    try:
        return urljoin(base, location)
    except ValueError:
        raise _DossierRetryError(
            ErrorKind.TRANSIENT, f"{what}: Location header is not a URL", status=response.status
        ) from None


def _fail(response: Response, what: str) -> Exception:
    if response.status == 409 and b"already-complete" in response.body:
        return _AlreadyCompleteError(what)
    if 200 <= response.status < 300:
        # The gateway answered, so the link works: a malformed answer is retried for this
        # dossier alone, with its own backoff, instead of being taken for a dropped link.
        return _DossierRetryError(
            ErrorKind.TRANSIENT,
            f"{what}: answer lacks required headers or they do not parse",
            status=response.status,
        )
    if response.status == 460:
        return GatewayError(ErrorKind.TRANSIENT, f"{what}: checksum mismatch", status=460)
    return classify(response, what, time.time())


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


@dataclass(frozen=True)
class _AuthProbe:
    """The standing authentication alert, as the engine keeps it in the store's status table:
    with which credentials it was raised, how many probes failed since, when the next is due."""

    fingerprint: str
    probes: int
    next_at: float

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> _AuthProbe | None:
        if not data or not isinstance(data.get("fingerprint"), str):
            return None
        try:
            return cls(str(data["fingerprint"]), int(data["probes"]), float(data["next_at"]))
        except (KeyError, TypeError, ValueError):
            return None

    def to_json(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "probes": self.probes, "next_at": self.next_at}


class _MissingReports:
    """Per dossier: the files the gateway's finalize last named as missing although the kiosk
    had sent them whole, and how many finalize answers in a row named exactly those.

    Kept in the store's status table, so neither a new pass nor a restart resets the count: a
    loop that resets its own counter never escalates.
    """

    def __init__(
        self, store: QueueStore, lock: threading.RLock, status_key: str = MISSING_STATUS_KEY
    ) -> None:
        self._store = store
        self._lock = lock
        self._key = status_key

    def _all(self) -> dict[str, Any]:
        return self._store.read_status(self._key) or {}

    def entries(self) -> frozenset[str]:
        return frozenset(self._all())

    def get(self, client_uuid: str) -> tuple[frozenset[str], int]:
        entry = self._all().get(client_uuid)
        if not isinstance(entry, dict):
            return frozenset(), 0
        return frozenset(str(f) for f in entry.get("files", [])), int(entry.get("count", 0))

    def record(self, client_uuid: str, files: frozenset[str]) -> int:
        """One more such answer; returns how many in a row named these same files."""
        with self._lock:
            reports = self._all()
            previous, count = self.get(client_uuid)
            count = count + 1 if previous == files else 1
            reports[client_uuid] = {"files": sorted(files), "count": count}
            self._store.publish_status(self._key, reports)
            return count

    def clear(self, client_uuid: str) -> None:
        with self._lock:
            reports = self._all()
            if reports.pop(client_uuid, None) is not None:
                self._store.publish_status(self._key, reports)


class _Step(Enum):
    CREATE = "create"
    UPLOAD = "upload"
    FINALIZE = "finalize"
    RATING = "rating"


@dataclass(eq=False)
class _Work:
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
class _Job:
    step: _Step
    work: _Work
    file: FileRow | None = None


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
    ) -> None:
        self._serial = _SerialStore(store)
        self._store = cast(QueueStore, self._serial)
        self._reference = reference
        self._last_reference = -1e18
        self._http = transport
        # Lane 0 is the transport we were given (reference data and heartbeats use it too);
        # the others are clones with connections of their own.
        self._lanes = [transport] + [transport.clone() for _ in range(settings.lanes - 1)]
        self._settings = settings
        self._now = now
        self._monotonic = monotonic
        self._backoff = Backoff(
            settings.backoff_base_s,
            settings.backoff_cap_s,
            rng or random.Random(),  # noqa: S311
        )
        # Guards what the lanes share: chunk sizing, counters, the link-failure state.
        self._lock = threading.Lock()
        self._options_lock = threading.Lock()
        self._stop = threading.Event()
        self._chunk = settings.chunk_initial
        self._rate_bps: float | None = None
        self._drop_interval: float | None = None  # bytes the link carries between drops
        self._since_drop = 0
        self._tus_extensions: frozenset[str] | None = None
        self._pause_until = 0.0
        self._link_failures = 0
        self._pass_retry_at: float | None = None
        # Files whose creation-with-upload got no answer: the gateway may hold an upload.
        self._uncertain: set[str] = set()
        self._missing = _MissingReports(self._store, self._serial.lock)
        # Per file (its context): whole-file SHA-256 mismatches in a row at the gateway.
        self._mismatches = _MissingReports(self._store, self._serial.lock, MISMATCH_STATUS_KEY)
        self._auth_probed = False  # whether this process has checked a standing auth alert
        self._last_heartbeat = -1e18
        self._last_publish = -1e18
        self._current: str | None = None  # receipt number of the dossier last started
        self.bytes_attempted = 0

    def close(self) -> None:
        """Close the connections of the extra lanes (the given transport is the caller's)."""
        for lane in self._lanes[1:]:
            lane.close()

    # --- scheduling ---------------------------------------------------------------------------

    def next_wakeup(self) -> float | None:
        """Wall-clock time when there will next be something to do, or None."""
        if AlertKind.AUTH in self._store.alerts():
            probe = _AuthProbe.load(self._store.read_status(AUTH_STATUS_KEY))
            if (
                probe is None
                or probe.fingerprint != self._http.credentials_fingerprint
                or not self._auth_probed
            ):
                return self._now()
            return probe.next_at
        due = self._store.next_wakeup()
        if due is None:
            return None
        return max(due, self._pause_until)

    def run_once(self, *, max_dossiers: int | None = None) -> PassReport:
        """Work through every due dossier, oldest first, until done or the link fails."""
        report = PassReport()
        try:
            if not self._auth_allows(report):
                return report
            if self._now() < self._pause_until:
                return report
            self._drain(report, max_dossiers)
        finally:
            # The pass is over, whatever happened: what is published must not say "syncing"
            # (``kiosk sync --once`` exits right after this).
            self._current = None
            self._publish(force=True)
        return report

    def _drain(self, report: PassReport, max_dossiers: int | None) -> None:
        """Hand the steps of due dossiers to free lanes until none is left or the pass stops."""
        window: list[_Work] = []
        taken: set[str] = set()
        free = list(self._lanes)
        inflight: dict[Future[Any], tuple[_Job, HttpTransport]] = {}
        self._stop.clear()
        with self._lock:
            self._pass_retry_at = None
        pool = ThreadPoolExecutor(max_workers=len(self._lanes), thread_name_prefix="sync-lane")
        try:
            while True:
                while free and not self._stop.is_set():
                    job = self._next_job(window)
                    if job is None:
                        if self._take_next(window, taken, max_dossiers):
                            continue
                        break
                    lane = free.pop()
                    self._dispatched(job)
                    inflight[pool.submit(self._perform, job, lane)] = (job, lane)
                if not inflight:
                    break
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                unsettled: list[Exception] = []
                for future in done:
                    job, lane = inflight.pop(future)
                    free.append(lane)
                    # Every result that came in is taken in, even when another could not be
                    # (its failure not recordable: the store itself failing): a 401 still
                    # raises its alert, a drop still earns its backoff.
                    try:
                        self._settle(job, future, report)
                    except Exception as exc:  # re-raised below, after the others
                        unsettled.append(exc)
                if unsettled:
                    raise unsettled[0]
        finally:
            # Lanes still working finish their request (bounded by the transport's timeouts)
            # and stop before their next one; nothing they committed is lost.
            self._stop.set()
            pool.shutdown(wait=True)

    def _next_job(self, window: list[_Work]) -> _Job | None:
        """The next step to start, oldest dossier first; finalizing waits for earlier ones."""
        earlier_open = False
        for work in window:
            if work.finished:
                continue
            if not work.busy:
                if work.rating_only:
                    return _Job(_Step.RATING, work)
                if work.dossier_id is None:
                    return _Job(_Step.CREATE, work)
                if work.pending:
                    return _Job(_Step.UPLOAD, work, work.pending.popleft())
                if work.uploading == 0 and not earlier_open:
                    return _Job(_Step.FINALIZE, work)
            if not work.rating_only:
                earlier_open = True
        return None

    def _take_next(self, window: list[_Work], taken: set[str], max_dossiers: int | None) -> bool:
        """Take the next due dossier into the pass, if a lane could use it; False otherwise."""
        while window and window[0].finished:
            window.pop(0)  # a long backlog must not make every look-up longer
        if sum(1 for w in window if not w.finished) >= len(self._lanes):
            return False
        if max_dossiers is not None and len(taken) >= max_dossiers:
            return False
        row = self._next_due(taken)
        if row is None:
            return False
        taken.add(row.client_uuid)
        work = _Work(row, row.gateway_dossier_id)
        if work.dossier_id is not None and not work.rating_only:
            work.pending.extend(f for f in self._store.files(row.client_uuid) if not f.complete)
        window.append(work)
        return True

    def _next_due(self, taken: Collection[str]) -> DossierRow | None:
        """The oldest due dossier this pass has not taken yet."""
        return self._store.next_due(self._now(), exclude=taken)

    def _dispatched(self, job: _Job) -> None:
        if job.step is _Step.UPLOAD:
            job.work.uploading += 1
        else:
            job.work.busy = True
        self._current = job.work.row.receipt_number

    def _perform(self, job: _Job, lane: HttpTransport) -> Any:
        """One step of one dossier, on a lane's thread."""
        work = job.work
        if job.step is _Step.CREATE:
            return self._create(lane, work.row)
        if job.step is _Step.RATING:
            self._send_rating(lane, work.row)
            return None
        assert work.dossier_id is not None  # only created dossiers get these steps
        if job.step is _Step.UPLOAD:
            assert job.file is not None
            return self._upload(lane, work.row, work.dossier_id, job.file)
        self._finalize(lane, work.row, work.dossier_id)
        return None

    def _settle(self, job: _Job, future: Future[Any], report: PassReport) -> None:
        """Take in what a lane's step came to (on the engine's own thread)."""
        work = job.work
        if job.step is _Step.UPLOAD:
            work.uploading -= 1
        else:
            work.busy = False
        try:
            result = future.result()
        except _PassStoppedError:
            work.finished = True
            return
        except GatewayError as exc:
            if job.step is _Step.RATING:
                self._rating_failed(work, exc, report)
            else:
                self._failed(work, exc, report)
            return
        except (CryptoError, _PageUnreadableError) as exc:
            if job.step is _Step.RATING:
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
                _DossierRetryError(ErrorKind.TRANSIENT, f"{type(exc).__name__}: {exc}"),
                report,
            )
            return
        self._succeeded()
        if job.step is _Step.CREATE:
            if result is None:  # the gateway already had it finalized
                self._delivered(work, report)
                return
            work.dossier_id = str(result)
            work.pending.extend(
                f for f in self._store.files(work.row.client_uuid) if not f.complete
            )
        elif job.step is _Step.UPLOAD:
            report.bytes_uploaded += int(result)
            if not work.failed:  # a refusal recorded meanwhile keeps its reason
                self._progressed(work)
        elif job.step is _Step.FINALIZE:
            self._delivered(work, report)
        else:
            work.finished = True

    def _delivered(self, work: _Work, report: PassReport) -> None:
        """The gateway registered the dossier; its rating, if one waits, is the next step."""
        report.submitted.append(work.row.receipt_number)
        refreshed = self._store.find(work.row.client_uuid)
        if refreshed is not None and refreshed.rating_pending:
            work.row = refreshed  # submitted now: rating_only
            return
        work.finished = True

    def _rating_failed(self, work: _Work, exc: GatewayError, report: PassReport) -> None:
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

    def _rating_unreadable(self, work: _Work, exc: Exception) -> None:
        """A sealed rating that cannot be opened will never be sent; the delivered dossier is
        not to be quarantined for it."""
        work.finished = True
        log.error("rating of %s unreadable, dropped: %s", work.row.receipt_number, exc)
        self._store.mark_rating_synced(work.row.client_uuid)

    def _progressed(self, work: _Work) -> None:
        """A file arrived: the dossier's next failure starts its backoff afresh, unless its
        files keep going missing at the gateway (re-sending them is not progress)."""
        if work.progress_recorded or not work.row.attempts:
            return
        if self._missing.get(work.row.client_uuid)[1]:
            return
        if any(k.startswith(f"{work.row.client_uuid}/") for k in self._mismatches.entries()):
            return  # a file of it keeps failing the gateway's whole-file check: no progress
        self._store.record_success(work.row.client_uuid)
        work.progress_recorded = True

    def _failed(self, work: _Work, exc: GatewayError, report: PassReport) -> None:
        """Record a failure of one of ``work``'s steps; stop the pass if the link is down or
        syncing is not allowed."""
        if exc.kind is ErrorKind.AUTH:
            # Not the dossier's fault: leave its attempts alone and stop until the credentials
            # are accepted again.
            self._raise_auth(exc.detail)
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
        if isinstance(exc, _DossierRetryError):
            delay = self._backoff.delay(row.attempts, exc.retry_after)
            self._store.record_failure(row.client_uuid, exc.kind, exc.detail, self._now() + delay)
            return
        # The link (or the gateway) failed. Every lane in flight fails at the same drop: it is
        # counted once, and each dossier it interrupted waits the same time.
        retry_at = self._pass_retry_at
        if retry_at is None:
            retry_at = self._now() + self._link_failed(row, exc)
            with self._lock:
                self._pass_retry_at = retry_at
        self._store.record_failure(row.client_uuid, exc.kind, exc.detail, retry_at)
        if report.stopped_by is None:
            report.stopped_by = ErrorKind.TRANSIENT
        self._stop.set()

    def _link_failed(self, row: DossierRow, exc: GatewayError) -> float:
        """Count a link failure and pause the engine; returns the dossier's delay."""
        with self._lock:
            self._link_failures += 1
            failures = self._link_failures
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
            self._pause_until = self._now() + pause
        return delay

    def _corrupt(self, work: _Work, exc: Exception, report: PassReport) -> None:
        work.finished = True
        row = work.row
        log.error("dossier %s unreadable: %s", row.receipt_number, exc)
        if not work.failed:
            work.failed = True
            self._store.record_failure(row.client_uuid, ErrorKind.CORRUPT, str(exc), self._now())
            report.failed.append((row.receipt_number, ErrorKind.CORRUPT, str(exc)))
        why = (
            "a page file is missing or unreadable"
            if isinstance(exc, _PageUnreadableError)
            else ("it cannot be decrypted")
        )
        self._store.raise_alert(AlertKind.QUARANTINE, f"dossier {row.receipt_number}: {why}")

    def _succeeded(self) -> None:
        with self._lock:
            if self._pass_retry_at is not None:
                # Another lane's request got through after this pass lost the link: that does
                # not undo the failure (nor the pause it earned).
                return
            self._link_failures = 0
            self._pause_until = 0.0

    # --- authentication -----------------------------------------------------------------------

    def _auth_allows(self, report: PassReport) -> bool:
        """Whether syncing may go on. While an authentication alert stands, it is cleared when
        the gateway address or token differs from the one it was raised with, or when a probe
        (due now, or at once after a restart) is accepted; otherwise the pass stops."""
        if AlertKind.AUTH not in self._store.alerts():
            return True
        current = self._http.credentials_fingerprint
        probe = _AuthProbe.load(self._store.read_status(AUTH_STATUS_KEY))
        if probe is not None and probe.fingerprint != current:
            self._clear_auth("the gateway address or token changed")
            return True
        if probe is None:
            # Raised without a record of its credentials (by an earlier version, or another
            # process): take it as raised with these, and let a probe decide.
            probe = _AuthProbe(current, 0, self._now())
        if self._auth_probed and self._now() < probe.next_at:
            report.stopped_by = ErrorKind.AUTH
            return False
        self._auth_probed = True
        error = self._send_heartbeat(self._http)
        if error is None:
            self._succeeded()
            self._clear_auth("an authenticated probe was accepted")
            return True
        if error.kind is not ErrorKind.AUTH:
            # No verdict on the token (the link dropped, the gateway is down or answered
            # garbage): not a refusal, so the probe backoff stays; probe again on the link's.
            with self._lock:
                self._link_failures += 1
                failures = self._link_failures
            next_at = self._now() + self._backoff.delay(failures - 1, error.retry_after)
            self._store.publish_status(
                AUTH_STATUS_KEY, _AuthProbe(current, probe.probes, next_at).to_json()
            )
            log.info("authentication probe got no verdict (%s); next soon", error.detail)
            report.stopped_by = ErrorKind.TRANSIENT
            return False
        probes = probe.probes + 1
        next_at = self._now() + self._probe_delay(probes)
        self._store.publish_status(AUTH_STATUS_KEY, _AuthProbe(current, probes, next_at).to_json())
        log.info(
            "authentication probe %d refused (%s); next in %.0f s",
            probes,
            error.detail,
            next_at - self._now(),
        )
        report.stopped_by = ErrorKind.AUTH
        return False

    def _probe_delay(self, probes: int) -> float:
        """Seconds to the next probe after ``probes`` refused ones: base·2ⁿ, capped."""
        settings = self._settings
        delay = settings.auth_probe_base_s * 2 ** min(probes, 30)
        return float(min(settings.auth_probe_cap_s, delay))

    def _raise_auth(self, detail: str) -> None:
        self._store.raise_alert(AlertKind.AUTH, detail)
        probe = _AuthProbe(
            self._http.credentials_fingerprint, 0, self._now() + self._probe_delay(0)
        )
        self._store.publish_status(AUTH_STATUS_KEY, probe.to_json())
        # The refusal itself was this process's check of these credentials.
        self._auth_probed = True

    def _clear_auth(self, why: str) -> None:
        self._store.clear_alert(AlertKind.AUTH)
        self._store.publish_status(AUTH_STATUS_KEY, {"cleared_at": self._now(), "why": why})
        log.info("authentication alert cleared: %s; syncing resumes", why)

    # --- one dossier's steps (on a lane's thread) ---------------------------------------------

    def _create(self, lane: HttpTransport, row: DossierRow) -> str | None:
        body = self._store.body(row.client_uuid)
        response = lane.call(
            "POST",
            API + "dossiers",
            json_body=body,
            headers={"Idempotency-Key": row.client_uuid},
            ok=(200, 201),
        )
        data = response.json_object()
        dossier_id = data.get("dossier_id")
        files = data.get("files")
        if not isinstance(dossier_id, str) or not isinstance(files, list):
            raise _DossierRetryError(
                ErrorKind.TRANSIENT,
                "dossier answer lacks dossier_id or files",
                status=response.status,
            )
        local = self._store.files(row.client_uuid)
        mapping = _match_files(local, files)
        self._store.set_gateway_dossier(row.client_uuid, dossier_id, mapping)
        self._succeeded()
        for remote in files:
            if isinstance(remote, dict) and remote.get("complete") is True:
                idx = next((i for i, fid in mapping.items() if fid == remote.get("file_id")), None)
                if idx is not None:
                    self._store.mark_file_complete(row.client_uuid, idx)
        if data.get("status") == "received" and isinstance(data.get("dossier_code"), str):
            self._store.mark_submitted(
                row.client_uuid, data["dossier_code"], str(data.get("appointment_date") or "")
            )
            return None
        log.info("dossier %s created at gateway", row.receipt_number)
        return dossier_id

    def _upload(self, lane: HttpTransport, row: DossierRow, dossier_id: str, file: FileRow) -> int:
        """Send one file with tus, resuming where the gateway stands; returns bytes sent."""
        try:
            reader = self._store.open_file(file)
        except OSError as exc:
            raise _PageUnreadableError(f"page file {file.idx}: {exc}") from exc
        stream = _Unclosable(reader)
        sent = 0
        try:
            if self._stop.is_set():
                raise _PassStoppedError
            uploader = self._uploader(lane, dossier_id, file, stream)
            if (
                not uploader.url
                and file.context in self._uncertain_snapshot()
                and self._adopt_gateway_upload(lane, dossier_id, file, uploader)
            ):
                self._store.mark_file_complete(row.client_uuid, file.idx)
                return 0
            if (
                uploader.url
                and uploader.offset >= uploader.stop_at
                and file.gateway_file_id in self._missing.get(row.client_uuid)[0]
            ):
                # The gateway holds every byte of this upload, yet its finalize calls the file
                # missing: it never completed it (killed inside its completion step) and this
                # upload never will. A fresh upload is the way out.
                log.warning(
                    "dossier %s file %d: the gateway never completed its upload; "
                    "starting a new one",
                    row.receipt_number,
                    file.idx,
                )
                uploader.forget_url()
            if not uploader.url:
                try:
                    sent += self._create_upload(lane, file, uploader)
                except GatewayError as exc:
                    if exc.status == 460 and self._next_chunk() >= uploader.stop_at:
                        raise self._whole_file_mismatch(file) from None
                    raise
            while uploader.offset < uploader.stop_at:
                if self._stop.is_set():
                    raise _PassStoppedError
                chunk = self._next_chunk()
                uploader.chunk_size = chunk
                before = uploader.offset
                started = self._monotonic()
                length = min(chunk, uploader.stop_at - before)
                self._attempted(length)
                self._publish(row=row, file=file, offset=before)
                try:
                    uploader.upload_chunk()
                except GatewayError as exc:
                    self._link_error(exc)
                    if exc.status == 460 and before + length >= uploader.stop_at:
                        raise self._whole_file_mismatch(file) from None
                    raise
                self._succeeded()
                moved = uploader.offset - before
                sent += moved
                self._moved(moved, self._monotonic() - started)
            self._store.mark_file_complete(row.client_uuid, file.idx)
            self._mismatches.clear(file.context)
        except _AlreadyCompleteError:
            # Killed after the gateway took the last byte but before we recorded it.
            self._store.mark_file_complete(row.client_uuid, file.idx)
            self._mismatches.clear(file.context)
        except _UploadGoneError:
            self._store.set_upload_url(file.client_uuid, file.idx, None)
            # The gateway answered (404/410): the link is fine, only this file starts again.
            raise _DossierRetryError(
                ErrorKind.TRANSIENT, "upload expired at the gateway; restarting", status=404
            ) from None
        finally:
            reader.close()
        return sent

    def _whole_file_mismatch(self, file: FileRow) -> GatewayError:
        """The gateway checked the whole file against its manifest's SHA-256, found it wrong,
        discarded it (offset 0) and answered 460. Sending it again at once would loop for ever
        if it never matches, so this dossier backs off with growing attempts, and after
        ``missing_files_limit`` such answers in a row waits for a technician."""
        count = self._mismatches.record(file.context, frozenset({file.sha256}))
        limit = self._settings.missing_files_limit
        if count >= limit:
            self._mismatches.clear(file.context)  # a technician's retry starts a fresh count
            return GatewayError(
                ErrorKind.PERMANENT,
                f"page file {file.idx} failed the gateway's whole-file SHA-256 check {count} "
                "times in a row; kept for a technician",
                status=460,
            )
        return _DossierRetryError(
            ErrorKind.TRANSIENT,
            f"page file {file.idx} failed the gateway's whole-file SHA-256 check "
            f"({count} of {limit}); sending it again later",
            status=460,
        )

    def _create_upload(self, lane: HttpTransport, file: FileRow, uploader: _KioskUploader) -> int:
        """Create the file's upload and commit its URL before any PATCH; returns bytes sent.

        Where the gateway offers creation-with-upload the first chunk rides along. Were that
        answer lost, the file is marked uncertain: its next attempt asks the gateway which
        upload it made instead of starting another.
        """
        if not self._supports_creation_with_upload(lane):
            uploader.set_url(uploader.create_url())
            uploader.offset = 0
            return 0
        length = min(self._next_chunk(), uploader.stop_at)
        self._attempted(length)
        with self._lock:
            self._uncertain.add(file.context)
        started = self._monotonic()
        try:
            url, offset = uploader.create_with_upload(length)
        except GatewayError as exc:
            self._link_error(exc)
            raise
        uploader.set_url(url)
        with self._lock:
            self._uncertain.discard(file.context)
        uploader.offset = offset
        self._succeeded()
        self._moved(offset, self._monotonic() - started)
        return offset

    def _uncertain_snapshot(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._uncertain)

    def _adopt_gateway_upload(
        self, lane: HttpTransport, dossier_id: str, file: FileRow, uploader: _KioskUploader
    ) -> bool:
        """After a creation whose answer was lost: adopt the upload the gateway's dossier view
        names for this file (committing its URL, then asking its offset), so the bytes it kept
        are not sent again. True when the gateway says the file is already complete."""
        data = lane.call("GET", f"{API}dossiers/{dossier_id}", ok=(200,)).json_object()
        with self._lock:
            self._uncertain.discard(file.context)
        for entry in data.get("files") or []:
            if not isinstance(entry, dict) or entry.get("file_id") != file.gateway_file_id:
                continue
            if entry.get("complete") is True:
                return True
            url = entry.get("upload_url")
            if isinstance(url, str) and url:
                uploader.set_url(_rebase(url, self._origin()))
                try:
                    uploader.offset = uploader.get_offset()
                except _UploadGoneError:
                    uploader.forget_url()
        return False

    def _uploader(
        self, lane: HttpTransport, dossier_id: str, file: FileRow, stream: _Unclosable
    ) -> _KioskUploader:
        if not file.gateway_file_id:
            raise _DossierRetryError(ErrorKind.TRANSIENT, "file not registered at the gateway yet")
        client = TusClient(lane.url(API + "uploads"), headers={"Tus-Resumable": "1.0.0"})
        kwargs: dict[str, Any] = {
            "file_stream": stream,
            "client": client,
            "chunk_size": self._next_chunk(),
            "metadata": {
                "dossier_id": dossier_id,
                "file_id": file.gateway_file_id,
                "filename": file.name,
                "filetype": file.media_type,
            },
            "store_url": True,
            "url_storage": _UrlStore(self._store, file, self._origin()),
            "fingerprinter": _FileKey(file),
            "upload_checksum": self._settings.chunk_checksums,
            "retries": 0,  # retries belong to the engine, with backoff and an injected clock
        }
        try:
            return _KioskUploader(lane, **kwargs)
        except _UploadGoneError:
            self._store.set_upload_url(file.client_uuid, file.idx, None)
            kwargs["url_storage"] = _UrlStore(
                self._store, self._store.files(file.client_uuid)[file.idx], self._origin()
            )
            return _KioskUploader(lane, **kwargs)

    def _supports_creation_with_upload(self, lane: HttpTransport) -> bool:
        """Ask the gateway once per engine (OPTIONS) which tus extensions it offers."""
        with self._options_lock:
            if self._tus_extensions is None:
                response = lane.request(
                    "OPTIONS", API + "uploads", headers={"Tus-Resumable": "1.0.0"}
                )
                if response.status not in (200, 204):
                    raise _fail(response, "tus OPTIONS")
                offered = response.headers.get("tus-extension", "")
                extensions = frozenset(e.strip() for e in offered.split(",") if e.strip())
                # Tus-Resumable (which the gateway puts on every tus answer) or Tus-Version
                # (which the tus spec asks of an OPTIONS answer) marks a tus server's answer.
                if not {"tus-resumable", "tus-version"} & response.headers.keys():
                    # Not a tus server's answer (a proxy's or portal's page): plain creation
                    # works everywhere, and the next upload asks again instead of doing
                    # without creation-with-upload for the life of the process.
                    return False
                self._tus_extensions = extensions
            return "creation-with-upload" in self._tus_extensions

    def _origin(self) -> str:
        parts = urlsplit(self._http.base_url)
        return f"{parts.scheme}://{parts.netloc}/"

    def _finalize(self, lane: HttpTransport, row: DossierRow, dossier_id: str) -> None:
        try:
            response = lane.call("POST", f"{API}dossiers/{dossier_id}/finalize", ok=(200,))
        except GatewayError as exc:
            if exc.status == 409:
                if str(exc.problem.get("type", "")).endswith(FILES_INCOMPLETE_TYPE):
                    self._files_missing(row, exc)
                # Another conflict (a proxy's page, a problem the kiosk does not know) names
                # no file: nothing is sent again, the finalize is retried for this dossier.
                raise _DossierRetryError(
                    ErrorKind.TRANSIENT, exc.detail, status=409, retry_after=exc.retry_after
                ) from None
            raise
        data = response.json_object()
        code = data.get("dossier_code")
        if not isinstance(code, str) or not code:
            raise _DossierRetryError(
                ErrorKind.TRANSIENT, "finalize answer lacks dossier_code", status=response.status
            )
        self._store.mark_submitted(row.client_uuid, code, str(data.get("appointment_date") or ""))
        self._missing.clear(row.client_uuid)
        self._succeeded()
        log.info("dossier %s submitted as %s", row.receipt_number, code)
        # The rating is a step of its own (see _delivered): whatever becomes of it, the dossier
        # stays delivered.

    def _files_missing(self, row: DossierRow, exc: GatewayError) -> None:
        """Finalize said files are missing, although the kiosk sent every one whole (it only
        finalizes then). Always raises: the files are sent again, as new uploads when the
        gateway holds all their bytes, and the dossier backs off with growing attempts; after
        ``missing_files_limit`` such answers in a row it needs a technician."""
        named = {str(e.get("field")) for e in exc.problem.get("errors", []) if isinstance(e, dict)}
        files = [
            f for f in self._store.files(row.client_uuid) if f.gateway_file_id in named or not named
        ]
        ids = frozenset(str(f.gateway_file_id) for f in files)
        count = self._missing.record(row.client_uuid, ids)
        limit = self._settings.missing_files_limit
        if count >= limit:
            # A technician's retry starts a fresh count.
            self._missing.clear(row.client_uuid)
            raise GatewayError(
                ErrorKind.PERMANENT,
                f"finalize: the gateway reported {len(files)} file(s) missing {count} times in "
                "a row although the kiosk sent them whole each time; kept for a technician",
                status=409,
            ) from None
        for file in files:
            self._store.mark_file_complete(row.client_uuid, file.idx, complete=False)
        raise _DossierRetryError(
            ErrorKind.TRANSIENT,
            f"finalize: the gateway is missing {len(files)} file(s) the kiosk sent whole "
            f"({count} of {limit}); sending them again",
            status=409,
        ) from None

    def _send_rating(self, lane: HttpTransport, row: DossierRow) -> None:
        rating = self._store.rating(row.client_uuid)
        if rating is None or row.gateway_dossier_id is None:
            self._store.mark_rating_synced(row.client_uuid)
            return
        lane.call(
            "POST",
            f"{API}dossiers/{row.gateway_dossier_id}/rating",
            json_body=rating,
            ok=(204, 200),
        )
        self._store.mark_rating_synced(row.client_uuid)
        self._succeeded()

    # --- chunk sizing (shared by the lanes) ---------------------------------------------------

    def _next_chunk(self) -> int:
        with self._lock:
            return self._chunk

    def _attempted(self, length: int) -> None:
        with self._lock:
            self.bytes_attempted += length

    def _link_error(self, exc: GatewayError) -> None:
        """A request failed; a network failure (no answer at all) is a drop of the link."""
        if exc.status is not None:
            return
        with self._lock:
            if self._since_drop > 0:
                interval = float(self._since_drop)
                previous = self._drop_interval
                self._drop_interval = (
                    interval if previous is None else 0.5 * previous + 0.5 * interval
                )
            # Every lane fails at the same drop; only the first one measures the interval.
            self._since_drop = 0
            self._chunk = self._bounded(min(self._chunk, self._drop_limit()))

    def _drop_limit(self) -> int:
        """The largest chunk the drops of this link allow (see DROP_FRACTION); until one has
        been seen, what the link carried so far without dropping is the evidence."""
        interval = self._drop_interval
        if interval is None:
            floor = self._settings.chunk_initial * DROP_FRACTION * len(self._lanes)
            interval = float(max(self._since_drop, floor))
        return int(interval / (DROP_FRACTION * len(self._lanes)))

    def _bounded(self, wanted: int) -> int:
        wanted = max(self._settings.chunk_min, min(self._settings.chunk_max, wanted))
        return max(self._settings.chunk_min, wanted // 4096 * 4096)

    def _moved(self, moved: int, seconds: float) -> None:
        """Bytes the gateway kept in one request of one lane: size the next chunks.

        Chunks stay within what the drops allow (``_drop_limit``). Within that, they take
        about ``target_chunk_s`` to send at the rate one lane gets, so requests stay few.
        Growth is gradual (×1.5 per chunk) because a drop may come before its rate is known.
        """
        with self._lock:
            self._since_drop += max(0, moved)
            if moved <= 0 or seconds <= 0:
                return
            rate = moved / seconds
            previous = self._rate_bps
            self._rate_bps = rate if previous is None else 0.7 * previous + 0.3 * rate
            wanted = int(self._rate_bps * self._settings.target_chunk_s)
            wanted = min(wanted, self._drop_limit(), int(1.5 * self._chunk))
            self._chunk = self._bounded(wanted)

    # --- housekeeping ---------------------------------------------------------------------------

    def _heartbeat_body(self, devices: dict[str, str] | None) -> dict[str, Any]:
        counts = self._store.counts()
        oldest = self._store.oldest_active_enqueued_at()
        return {
            "kiosk_id": self._settings.kiosk_id,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._now())),
            "software_version": self._settings.software_version,
            "queue": {
                "queued": counts[QueueStatus.QUEUED.value],
                "uploading": counts[QueueStatus.UPLOADING.value]
                + counts[QueueStatus.UPLOADED.value],
                "needs_attention": counts[QueueStatus.NEEDS_ATTENTION.value],
                "oldest_queued_at": (
                    time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(oldest)) if oldest else None
                ),
            },
            "devices": devices or {},
        }

    def _send_heartbeat(
        self, lane: HttpTransport, devices: dict[str, str] | None = None
    ) -> GatewayError | None:
        """One heartbeat; the error when it was not accepted."""
        try:
            lane.call(
                "POST",
                API + "kiosks/heartbeat",
                json_body=self._heartbeat_body(devices),
                ok=(204, 200),
            )
        except GatewayError as exc:
            return exc
        self._last_heartbeat = self._now()
        return None

    def heartbeat(self, devices: dict[str, str] | None = None) -> bool:
        """Tell the gateway this kiosk is alive; False when it could not be reached."""
        error = self._send_heartbeat(self._http, devices)
        if error is not None:
            if error.kind is ErrorKind.AUTH and AlertKind.AUTH not in self._store.alerts():
                self._raise_auth(error.detail)
            return False
        if AlertKind.AUTH in self._store.alerts():
            self._clear_auth("an authenticated heartbeat was accepted")
        return True

    def housekeeping(self) -> None:
        """Periodic work: erase delivered dossiers past retention, heartbeat when due."""
        erased = self._store.erase_delivered(self._settings.retention_s)
        if erased:
            log.info("crypto-erased %d delivered dossier(s)", erased)
        if AlertKind.AUTH in self._store.alerts():
            # While the gateway refuses the token, the probe (a heartbeat, with its backoff) is
            # the only request: anything else would be refused too, on its own schedule.
            return
        if self._now() - self._last_heartbeat >= self._settings.heartbeat_s:
            self.heartbeat()
        if (
            self._reference is not None
            and self._now() - self._last_reference >= self._settings.reference_refresh_s
        ):
            try:
                self._reference.refresh()
            except GatewayError as exc:
                # The installed catalog stays in use; nothing waits for a new one.
                log.warning("reference data not refreshed: %s", exc)
            else:
                self._last_reference = self._now()

    def _publish(
        self,
        *,
        force: bool = False,
        row: DossierRow | None = None,
        file: FileRow | None = None,
        offset: int = 0,
    ) -> None:
        """Progress for the screen and the technician, at most once a second."""
        with self._lock:
            now = self._monotonic()
            if not force and now - self._last_publish < 1.0:
                return
            self._last_publish = now
            rate = self._rate_bps
            chunk = self._chunk
            pause_until = self._pause_until
        counts = self._store.counts()
        backlog = sum(counts[s.value] for s in (QueueStatus.QUEUED, QueueStatus.UPLOADING))
        status: dict[str, Any] = {
            "state": self._state().value,
            "rate_bytes_per_s": round(rate or 0.0),
            "chunk_bytes": chunk,
            "counts": counts,
            "backlog": backlog,
            "pause_until": pause_until or None,
            "current": None,
        }
        if file is not None and row is not None:
            remaining = file.size - offset
            status["current"] = {
                "receipt_number": row.receipt_number,
                "status": row.status.value,
                "file": file.name,
                "sent": offset,
                "total": file.size,
                "eta_s": round(remaining / rate) if rate else None,
            }
        self._store.publish_status(STATUS_KEY, status)

    def _state(self) -> SyncState:
        if AlertKind.AUTH in self._store.alerts():
            return SyncState.AUTH_ERROR
        if self._now() < self._pause_until:
            return SyncState.WAITING
        return SyncState.SYNCING if self._current else SyncState.IDLE

    def run(self, stop: Callable[[float], bool], *, idle_poll_s: float = 5.0) -> None:
        """Run until ``stop(timeout)`` returns True; it is called to wait between passes.

        The loop logs and keeps going on any unexpected error: a crashing sync process would
        stop every dossier behind the one that triggered the bug.
        """
        while True:
            try:
                self.housekeeping()
                self.run_once()
                wake = self.next_wakeup()
                wait_s = (
                    idle_poll_s if wake is None else max(0.0, min(idle_poll_s, wake - self._now()))
                )
            except Exception:
                log.exception("sync pass failed; continuing")
                wait_s = idle_poll_s
            if stop(wait_s):
                return


def _match_files(local: list[FileRow], remote: list[Any]) -> dict[int, str]:
    """Pair the gateway's file ids with the queue's files by document, name and digest."""
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for file in local:
        for entry in remote:
            if not isinstance(entry, dict):
                continue
            file_id = entry.get("file_id")
            if (
                isinstance(file_id, str)
                and file_id not in used
                and entry.get("sha256") == file.sha256
                and entry.get("name") == file.name
                and entry.get("document_code") == file.document_code
            ):
                mapping[file.idx] = file_id
                used.add(file_id)
                break
    if len(mapping) != len(local):
        raise GatewayError(
            ErrorKind.PERMANENT, "gateway's file list does not match the dossier's files"
        )
    return mapping


@contextlib.contextmanager
def single_instance(lock_path: Any) -> Any:
    """Hold an exclusive lock so only one sync process drains the outbox."""
    import fcntl  # noqa: PLC0415 - POSIX only, and only the sync process needs it

    handle = open(lock_path, "a+")  # noqa: SIM115, PTH123
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another sync process holds {lock_path}") from None
        yield
    finally:
        handle.close()
