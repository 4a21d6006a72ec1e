"""The sync engine: drains the outbox to the gateway, oldest dossier first, exactly once.

For each dossier: create it at the gateway with its client UUID as ``Idempotency-Key`` (a retry
can never make a second dossier), upload each page file with tus (the upload URL is committed
before the first byte is sent, so a restart resumes mid-file), then finalize to get the official
code. Every step's result is committed before the next, so a kill at any moment loses at most
the step in flight, and redoing it is safe.

Failures are classified once (``offline_queue.transport``): transient ones back off
exponentially with full jitter (capped, honouring Retry-After); an authentication failure stops
syncing and raises a technician alert; a permanent refusal parks the dossier as
``needs_attention`` — kept, never deleted.

Runs in its own process (``kiosk sync run``) so the touchscreen never waits on the network.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
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
from offline_queue.transport import GatewayError, HttpTransport, Response, classify

log = logging.getLogger(__name__)

API = "api/v1/"
MAX_RETRY_AFTER_S = 6 * 3600.0
# Chunks are kept to 1/DROP_FRACTION of the bytes seen between link drops, bounding the resend.
DROP_FRACTION = 12
STATUS_KEY = "sync"


@dataclass(frozen=True)
class SyncSettings:
    kiosk_id: str
    software_version: str = "0"
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 600.0
    chunk_min: int = 16 * 1024
    chunk_max: int = 1024 * 1024
    chunk_initial: int = 64 * 1024
    target_chunk_s: float = 4.0
    retention_s: float = 7 * 86_400
    heartbeat_s: float = 300.0
    reference_refresh_s: float = 6 * 3600.0


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
        return self._inner.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(offset, whence)

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
        # Re-based on the configured gateway: the stored URL may name a host or port the kiosk
        # no longer uses (a changed gateway address, a proxy), while the upload's path is stable.
        parts = urlsplit(self._url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self._base_url + path.lstrip("/")

    def set_item(self, key: str, value: str) -> None:
        self._url = value
        self._store.set_upload_url(self._file.client_uuid, self._file.idx, value)

    def remove_item(self, key: str) -> None:
        self._url = None
        self._store.set_upload_url(self._file.client_uuid, self._file.idx, None)


class _AlreadyCompleteError(Exception):
    """The gateway already holds this whole file (its last answer to us was lost)."""


class _UploadGoneError(Exception):
    """The stored upload URL is unknown or expired at the gateway: start the file again."""


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

    def __init__(self, transport: HttpTransport, **kwargs: Any) -> None:
        self.transport = transport
        super().__init__(**kwargs)

    def create_url(self) -> str:
        response = self.transport.request(
            "POST", self.client.url, headers=self.get_url_creation_headers()
        )
        location = response.headers.get("location")
        if response.status != 201 or not location:
            raise _fail(response, "tus create")
        base: str = self.client.url
        return urljoin(base, location)

    def create_with_upload(self, length: int) -> tuple[str, int]:
        """tus ``creation-with-upload``: the first chunk travels in the POST, saving a round trip
        per file (on a 300 ms link that is most of a small file's overhead)."""
        stream = self.get_file_stream()
        stream.seek(0)
        chunk = stream.read(length)
        headers = {
            **self.get_url_creation_headers(),
            "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": "sha1 " + base64.b64encode(hashlib.sha1(chunk).digest()).decode(),  # noqa: S324 - tus checksum, not security
        }
        response = self.transport.request("POST", self.client.url, data=chunk, headers=headers)
        location = response.headers.get("location")
        offset = response.headers.get("upload-offset", "0")
        if response.status != 201 or not location or not offset.isdigit():
            raise _fail(response, "tus create with upload")
        base: str = self.client.url
        return urljoin(base, location), int(offset)

    def get_offset(self) -> int:
        response = self.transport.request("HEAD", self.url, headers=self.get_headers())
        if response.status in (404, 410):
            raise _UploadGoneError(self.url)
        offset = response.headers.get("upload-offset")
        if response.status != 200 or offset is None or not offset.isdigit():
            raise _fail(response, "tus HEAD")
        return int(offset)

    def _do_request(self) -> None:
        self.request = _TimedPatch(self)
        self.request.perform()
        response = Response(self.request.status_code, self.request.response_headers)
        if response.status in (404, 410):
            raise _UploadGoneError(self.url)
        if response.status == 409:
            # Our idea of the offset is stale (a PATCH landed but its answer was lost).
            self.offset = self.get_offset()
            raise GatewayError(ErrorKind.TRANSIENT, "tus offset mismatch; resynchronised")
        offset = response.headers.get("upload-offset")
        if not 200 <= response.status < 300 or offset is None or not offset.isdigit():
            raise _fail(
                Response(response.status, response.headers, self.request.response_content),
                "tus PATCH",
            )


def _fail(response: Response, what: str) -> Exception:
    if response.status == 409 and b"already-complete" in response.body:
        return _AlreadyCompleteError(what)
    if 200 <= response.status < 300:
        return GatewayError(
            ErrorKind.TRANSIENT, f"{what}: answer lacks required headers", status=response.status
        )
    if response.status == 460:
        return GatewayError(ErrorKind.TRANSIENT, f"{what}: checksum mismatch", status=460)
    return classify(response, what, time.time())


class SyncEngine:
    """Drains one kiosk's outbox. Not thread-safe; one engine per process (see ``run``)."""

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
        self._store = store
        self._reference = reference
        self._last_reference = -1e18
        self._http = transport
        self._settings = settings
        self._now = now
        self._monotonic = monotonic
        self._backoff = Backoff(
            settings.backoff_base_s,
            settings.backoff_cap_s,
            rng or random.Random(),  # noqa: S311
        )
        self._chunk = settings.chunk_initial
        self._rate_bps: float | None = None
        self._drop_interval: float | None = None  # bytes the link carries between drops
        self._since_drop = 0
        self._tus_extensions: frozenset[str] | None = None
        self._pause_until = 0.0
        self._link_failures = 0
        self._last_heartbeat = -1e18
        self._last_publish = -1e18
        self._current: dict[str, Any] | None = None
        self.bytes_attempted = 0

    # --- scheduling ---------------------------------------------------------------------------

    def next_wakeup(self) -> float | None:
        """Wall-clock time when there will next be something to do, or None."""
        if AlertKind.AUTH in self._store.alerts():
            return None
        due = self._store.next_wakeup()
        if due is None:
            return None
        return max(due, self._pause_until)

    def run_once(self, *, max_dossiers: int | None = None) -> PassReport:
        """Work through every due dossier, oldest first, until done or the link fails."""
        report = PassReport()
        if AlertKind.AUTH in self._store.alerts():
            report.stopped_by = ErrorKind.AUTH
            return report
        if self._now() < self._pause_until:
            return report
        handled = 0
        while max_dossiers is None or handled < max_dossiers:
            row = self._store.next_due(self._now())
            if row is None:
                break
            handled += 1
            try:
                self._process(row, report)
            except GatewayError as exc:
                if self._on_failure(row, exc, report):
                    break
            except CryptoError as exc:
                log.error("dossier %s unreadable: %s", row.receipt_number, exc)
                self._store.record_failure(
                    row.client_uuid, ErrorKind.CORRUPT, str(exc), self._now()
                )
                self._store.raise_alert(
                    AlertKind.QUARANTINE, f"dossier {row.receipt_number} cannot be decrypted"
                )
                report.failed.append((row.receipt_number, ErrorKind.CORRUPT, str(exc)))
        self._publish(force=True)
        return report

    def _on_failure(self, row: DossierRow, exc: GatewayError, report: PassReport) -> bool:
        """Record a failure; True when the pass must stop (link down, or not allowed)."""
        report.failed.append((row.receipt_number, exc.kind, exc.detail))
        log.warning("sync %s failed: %s", row.receipt_number, exc)
        if exc.kind is ErrorKind.AUTH:
            # Not the dossier's fault: leave its attempts alone and stop until re-enrolled.
            self._store.raise_alert(AlertKind.AUTH, exc.detail)
            report.stopped_by = ErrorKind.AUTH
            return True
        if exc.kind is ErrorKind.PERMANENT:
            self._store.record_failure(row.client_uuid, exc.kind, exc.detail, self._now())
            return False
        self._link_failures += 1
        if self._link_failures == 1 and exc.retry_after is None:
            # One immediate retry: most failures on a rural link are a dropped connection, and
            # a fresh one usually works. Only repeated failures back off.
            delay = 0.0
        else:
            delay = self._backoff.delay(row.attempts, exc.retry_after)
        self._store.record_failure(row.client_uuid, exc.kind, exc.detail, self._now() + delay)
        # The link (or the gateway) is probably down for everyone: pause the whole engine too.
        self._pause_until = self._now() + (
            0.0
            if delay == 0.0
            else max(exc.retry_after or 0.0, self._backoff.delay(self._link_failures - 2))
        )
        report.stopped_by = ErrorKind.TRANSIENT
        return True

    def _succeeded(self) -> None:
        self._link_failures = 0
        self._pause_until = 0.0

    # --- one dossier ----------------------------------------------------------------------------

    def _process(self, row: DossierRow, report: PassReport) -> None:
        self._current = {"receipt_number": row.receipt_number, "status": row.status.value}
        if row.status is QueueStatus.SUBMITTED:
            self._send_rating(row)
            return
        dossier_id = row.gateway_dossier_id
        if dossier_id is None:
            dossier_id = self._create(row)
            if dossier_id is None:  # the gateway already had it finalized
                report.submitted.append(row.receipt_number)
                return
        for file in self._store.files(row.client_uuid):
            if not file.complete:
                report.bytes_uploaded += self._upload(row, file)
        self._finalize(row, dossier_id)
        report.submitted.append(row.receipt_number)
        refreshed = self._store.find(row.client_uuid)
        if refreshed is not None and refreshed.rating_pending:
            self._send_rating(refreshed)

    def _create(self, row: DossierRow) -> str | None:
        body = self._store.body(row.client_uuid)
        response = self._http.call(
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
            raise GatewayError(ErrorKind.TRANSIENT, "dossier answer lacks dossier_id or files")
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

    def _upload(self, row: DossierRow, file: FileRow) -> int:
        """Send one file with tus, resuming where the gateway stands; returns bytes sent."""
        reader = self._store.open_file(file)
        stream = _Unclosable(reader)
        sent = 0
        try:
            uploader = self._uploader(file, stream)
            if not uploader.url:
                # The upload is created, and its URL committed, before any PATCH (an empty file
                # is complete once created). Where the gateway offers creation-with-upload the
                # first chunk rides along; were that answer lost, the orphan upload expires and
                # at most one chunk is sent again.
                if self._supports_creation_with_upload():
                    length = min(self._chunk, uploader.stop_at)
                    self.bytes_attempted += length
                    started = self._monotonic()
                    try:
                        url, offset = uploader.create_with_upload(length)
                    except GatewayError:
                        self._dropped()
                        raise
                    uploader.set_url(url)
                    uploader.offset = offset
                    sent += offset
                    self._since_drop += offset
                    self._adapt_chunk(offset, self._monotonic() - started)
                else:
                    uploader.set_url(uploader.create_url())
                    uploader.offset = 0
            while uploader.offset < uploader.stop_at:
                uploader.chunk_size = self._chunk
                before = uploader.offset
                started = self._monotonic()
                self.bytes_attempted += min(self._chunk, uploader.stop_at - before)
                self._publish(file=file, offset=before)
                try:
                    uploader.upload_chunk()
                except GatewayError:
                    self._dropped()
                    raise
                self._succeeded()
                moved = uploader.offset - before
                sent += moved
                self._since_drop += moved
                self._adapt_chunk(moved, self._monotonic() - started)
            self._store.mark_file_complete(row.client_uuid, file.idx)
            if row.attempts:
                # Progress: the next failure of this dossier starts its backoff afresh.
                self._store.record_success(row.client_uuid)
        except _AlreadyCompleteError:
            # Killed after the gateway took the last byte but before we recorded it.
            self._store.mark_file_complete(row.client_uuid, file.idx)
        except _UploadGoneError:
            self._store.set_upload_url(file.client_uuid, file.idx, None)
            raise GatewayError(
                ErrorKind.TRANSIENT, "upload expired at the gateway; restarting"
            ) from None
        finally:
            reader.close()
        return sent

    def _uploader(self, file: FileRow, stream: _Unclosable) -> _KioskUploader:
        if not file.gateway_file_id:
            raise GatewayError(ErrorKind.TRANSIENT, "file not registered at the gateway yet")
        row = self._store.find(file.client_uuid)
        assert row is not None and row.gateway_dossier_id is not None
        client = TusClient(self._http.url(API + "uploads"), headers={"Tus-Resumable": "1.0.0"})
        kwargs: dict[str, Any] = {
            "file_stream": stream,
            "client": client,
            "chunk_size": self._chunk,
            "metadata": {
                "dossier_id": row.gateway_dossier_id,
                "file_id": file.gateway_file_id,
                "filename": file.name,
                "filetype": file.media_type,
            },
            "store_url": True,
            "url_storage": _UrlStore(self._store, file, self._origin()),
            "fingerprinter": _FileKey(file),
            "upload_checksum": True,
            "retries": 0,  # retries belong to the engine, with backoff and an injected clock
        }
        try:
            return _KioskUploader(self._http, **kwargs)
        except _UploadGoneError:
            self._store.set_upload_url(file.client_uuid, file.idx, None)
            kwargs["url_storage"] = _UrlStore(
                self._store, self._store.files(file.client_uuid)[file.idx], self._origin()
            )
            return _KioskUploader(self._http, **kwargs)

    def _supports_creation_with_upload(self) -> bool:
        """Ask the gateway once (OPTIONS) which tus extensions it offers."""
        if self._tus_extensions is None:
            response = self._http.request(
                "OPTIONS", API + "uploads", headers={"Tus-Resumable": "1.0.0"}
            )
            if response.status not in (200, 204):
                raise _fail(response, "tus OPTIONS")
            offered = response.headers.get("tus-extension", "")
            self._tus_extensions = frozenset(e.strip() for e in offered.split(",") if e.strip())
        return "creation-with-upload" in self._tus_extensions

    def _origin(self) -> str:
        parts = urlsplit(self._http.base_url)
        return f"{parts.scheme}://{parts.netloc}/"

    def _dropped(self) -> None:
        """A chunk failed: learn how often this link drops, and send smaller chunks."""
        if self._since_drop > 0:
            interval = float(self._since_drop)
            previous = self._drop_interval
            self._drop_interval = interval if previous is None else 0.5 * previous + 0.5 * interval
        self._since_drop = 0
        self._chunk = max(self._settings.chunk_min, self._chunk // 2 // 4096 * 4096)

    def _adapt_chunk(self, moved: int, seconds: float) -> None:
        """Size chunks to the measured link.

        A checksummed chunk is kept whole or not at all, so a drop mid-chunk costs the whole
        chunk: chunks stay a small fraction of the bytes this link carries between drops.
        Within that, they take about ``target_chunk_s`` to send, so round trips stay a small
        share of the time. Growth is gradual (×1.5 per chunk) because the first drop comes
        before the link's drop rate is known.
        """
        if moved <= 0 or seconds <= 0:
            return
        rate = moved / seconds
        self._rate_bps = rate if self._rate_bps is None else 0.7 * self._rate_bps + 0.3 * rate
        wanted = int(self._rate_bps * self._settings.target_chunk_s)
        if self._drop_interval is not None:
            wanted = min(wanted, int(self._drop_interval / DROP_FRACTION))
        wanted = min(wanted, int(1.5 * self._chunk))
        wanted = max(self._settings.chunk_min, min(self._settings.chunk_max, wanted))
        self._chunk = max(self._settings.chunk_min, wanted // 4096 * 4096)

    def _finalize(self, row: DossierRow, dossier_id: str) -> None:
        try:
            response = self._http.call("POST", f"{API}dossiers/{dossier_id}/finalize", ok=(200,))
        except GatewayError as exc:
            if exc.status == 409:
                self._reopen_missing(row, exc)
                raise GatewayError(
                    ErrorKind.TRANSIENT, "gateway is missing files; resending them"
                ) from None
            raise
        data = response.json_object()
        code = data.get("dossier_code")
        if not isinstance(code, str) or not code:
            raise GatewayError(ErrorKind.TRANSIENT, "finalize answer lacks dossier_code")
        self._store.mark_submitted(row.client_uuid, code, str(data.get("appointment_date") or ""))
        self._succeeded()
        log.info("dossier %s submitted as %s", row.receipt_number, code)

    def _reopen_missing(self, row: DossierRow, exc: GatewayError) -> None:
        missing = {
            str(e.get("field")) for e in exc.problem.get("errors", []) if isinstance(e, dict)
        }
        for file in self._store.files(row.client_uuid):
            if file.gateway_file_id in missing or not missing:
                self._store.mark_file_complete(row.client_uuid, file.idx, complete=False)

    def _send_rating(self, row: DossierRow) -> None:
        rating = self._store.rating(row.client_uuid)
        if rating is None or row.gateway_dossier_id is None:
            self._store.mark_rating_synced(row.client_uuid)
            return
        self._http.call(
            "POST",
            f"{API}dossiers/{row.gateway_dossier_id}/rating",
            json_body=rating,
            ok=(204, 200),
        )
        self._store.mark_rating_synced(row.client_uuid)
        self._succeeded()

    # --- housekeeping ---------------------------------------------------------------------------

    def heartbeat(self, devices: dict[str, str] | None = None) -> bool:
        """Tell the gateway this kiosk is alive; False when it could not be reached."""
        counts = self._store.counts()
        oldest = self._store.oldest_active_enqueued_at()
        body = {
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
        try:
            self._http.call("POST", API + "kiosks/heartbeat", json_body=body, ok=(204, 200))
        except GatewayError as exc:
            if exc.kind is ErrorKind.AUTH:
                self._store.raise_alert(AlertKind.AUTH, exc.detail)
            return False
        self._last_heartbeat = self._now()
        return True

    def housekeeping(self) -> None:
        """Periodic work: erase delivered dossiers past retention, heartbeat when due."""
        erased = self._store.erase_delivered(self._settings.retention_s)
        if erased:
            log.info("crypto-erased %d delivered dossier(s)", erased)
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
        self, *, force: bool = False, file: FileRow | None = None, offset: int = 0
    ) -> None:
        """Progress for the screen and the technician, at most once a second."""
        now = self._monotonic()
        if not force and now - self._last_publish < 1.0:
            return
        self._last_publish = now
        counts = self._store.counts()
        backlog = sum(counts[s.value] for s in (QueueStatus.QUEUED, QueueStatus.UPLOADING))
        status: dict[str, Any] = {
            "state": self._state_name(),
            "rate_bytes_per_s": round(self._rate_bps or 0.0),
            "chunk_bytes": self._chunk,
            "counts": counts,
            "backlog": backlog,
            "pause_until": self._pause_until or None,
            "current": None,
        }
        if file is not None and self._current is not None:
            remaining = file.size - offset
            status["current"] = {
                **self._current,
                "file": file.name,
                "sent": offset,
                "total": file.size,
                "eta_s": round(remaining / self._rate_bps) if self._rate_bps else None,
            }
        self._store.publish_status(STATUS_KEY, status)

    def _state_name(self) -> str:
        if AlertKind.AUTH in self._store.alerts():
            return "auth_error"
        if self._now() < self._pause_until:
            return "waiting"
        return "syncing" if self._current else "idle"

    def run(self, stop: Callable[[float], bool], *, idle_poll_s: float = 5.0) -> None:
        """Run until ``stop(timeout)`` returns True; it is called to wait between passes.

        The loop logs and keeps going on any unexpected error: a crashing sync process would
        stop every dossier behind the one that triggered the bug.
        """
        while True:
            try:
                self.housekeeping()
                self.run_once()
                self._current = None
                wake = self.next_wakeup()
                wait = (
                    idle_poll_s if wake is None else max(0.0, min(idle_poll_s, wake - self._now()))
                )
            except Exception:
                log.exception("sync pass failed; continuing")
                wait = idle_poll_s
            if stop(wait):
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
