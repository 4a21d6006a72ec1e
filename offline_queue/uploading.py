"""Uploading one dossier: the steps of the protocol over one lane's transport.

For each dossier: create it at the gateway with its client UUID as ``Idempotency-Key`` (a retry
can never make a second dossier), upload each page file with tus, then finalize to get the
official code, then send the citizen's rating if one waits. Every step's result is committed
before anything depends on it (the upload URL before the first PATCH, the dossier id before any
upload), so a kill at any moment loses at most the steps in flight, and redoing them is safe.

- the first chunk rides in the creation POST (tus ``creation-with-upload``); were its answer
  lost, the gateway's dossier view names the upload it made, which is adopted rather than
  created again, so the bytes it kept are not sent twice;
- chunks carry no per-request checksum by default: the gateway then keeps whatever arrived
  before a drop, so a resumed upload sends again only what never arrived. Integrity is the
  gateway's SHA-256 check of the whole file against the manifest when its last byte arrives
  (and TLS on the way); a mismatch makes it discard the file and the kiosk send it again;
- a dossier whose finalize keeps naming files the kiosk sent whole as missing gets fresh
  uploads for them, backs off with growing attempts, and after ``missing_files_limit`` such
  answers in a row needs attention (likewise a file that keeps failing the whole-file check).

This module decides nothing about *when*: each step either returns or raises (a
``GatewayError`` or an ``offline_queue.outcomes`` error) and the scheduling side records it.
The lanes run these steps on threads of their own; ``SteppingHooks`` are how a step tells the
engine that a request got through, reports progress, and learns that the pass is ending.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tusclient.client import TusClient

from offline_queue.chunking import ChunkSizer
from offline_queue.outcomes import (
    AlreadyCompleteError,
    DossierRetryError,
    PageUnreadableError,
    PassStoppedError,
    UploadGoneError,
)
from offline_queue.records import DossierRow, ErrorKind, FileRow
from offline_queue.store import QueueStore
from offline_queue.sync_settings import SyncSettings
from offline_queue.transport import GatewayError, HttpTransport
from offline_queue.tus import (
    TUS_HEADERS,
    FileKey,
    KioskUploader,
    UnclosableStream,
    UrlStore,
    rebase,
)
from offline_queue.tus import fail as tus_fail

log = logging.getLogger(__name__)

API = "api/v1/"
# Small JSON state kept in the store's status table, so a restart remembers it.
MISSING_STATUS_KEY = "sync.missing_files"
MISMATCH_STATUS_KEY = "sync.whole_file_mismatch"
FILES_INCOMPLETE_TYPE = "files-incomplete"  # the last segment of the gateway's problem type


@dataclass(frozen=True)
class SteppingHooks:
    """What a step running on a lane needs from the engine."""

    stop: threading.Event  # set when the pass is ending: stop between chunks
    link_ok: Callable[[], None]  # a request got through
    progress: Callable[[DossierRow, FileRow, int], None]  # about to send from this offset
    monotonic: Callable[[], float]  # to time each request (the rate sizes the chunks)


class RepeatCounter:
    """Per key: the set of things the gateway last reported wrong, and how many answers in a
    row reported exactly those.

    Kept in the store's status table, so neither a new pass nor a restart resets the count: a
    loop that resets its own counter never escalates.
    """

    def __init__(self, store: QueueStore, lock: threading.RLock, status_key: str) -> None:
        self._store = store
        self._lock = lock
        self._key = status_key

    def _all(self) -> dict[str, Any]:
        return self._store.read_status(self._key) or {}

    def entries(self) -> frozenset[str]:
        return frozenset(self._all())

    def get(self, key: str) -> tuple[frozenset[str], int]:
        entry = self._all().get(key)
        if not isinstance(entry, dict):
            return frozenset(), 0
        return frozenset(str(f) for f in entry.get("files", [])), int(entry.get("count", 0))

    def record(self, key: str, files: frozenset[str]) -> int:
        """One more such answer; returns how many in a row named these same files."""
        with self._lock:
            reports = self._all()
            previous, count = self.get(key)
            count = count + 1 if previous == files else 1
            reports[key] = {"files": sorted(files), "count": count}
            self._store.publish_status(self._key, reports)
            return count

    def clear(self, key: str) -> None:
        with self._lock:
            reports = self._all()
            if reports.pop(key, None) is not None:
                self._store.publish_status(self._key, reports)


class DossierUploader:
    """The create, upload, finalize and rating steps of one dossier, on a given lane."""

    def __init__(
        self,
        store: QueueStore,
        *,
        store_lock: threading.RLock,
        settings: SyncSettings,
        chunks: ChunkSizer,
        gateway_url: str,
        hooks: SteppingHooks,
    ) -> None:
        self._store = store
        self._settings = settings
        self._chunks = chunks
        parts = urlsplit(gateway_url)
        self._origin = f"{parts.scheme}://{parts.netloc}/"
        self._hooks = hooks
        self._lock = threading.Lock()
        self._options_lock = threading.Lock()
        self._tus_extensions: frozenset[str] | None = None
        # Files whose creation-with-upload got no answer: the gateway may hold an upload.
        self._uncertain: set[str] = set()
        # Per dossier: files finalize called missing although sent whole.
        self._missing = RepeatCounter(store, store_lock, MISSING_STATUS_KEY)
        # Per file (its context): whole-file SHA-256 mismatches in a row at the gateway.
        self._mismatches = RepeatCounter(store, store_lock, MISMATCH_STATUS_KEY)

    def keeps_failing(self, client_uuid: str) -> bool:
        """Whether this dossier's files keep going missing or failing the whole-file check at
        the gateway: re-sending them is not progress."""
        if self._missing.get(client_uuid)[1]:
            return True
        # Mismatches are keyed by the file's context, "file:<uuid>:<idx>" (FileRow.context).
        return any(k.startswith(f"file:{client_uuid}:") for k in self._mismatches.entries())

    # --- create -------------------------------------------------------------------------------

    def create(self, lane: HttpTransport, row: DossierRow) -> str | None:
        """Create the dossier (idempotently); its gateway id, or None when the gateway already
        had it finalized (then it is recorded as submitted)."""
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
            raise DossierRetryError(
                ErrorKind.TRANSIENT,
                "dossier answer lacks dossier_id or files",
                status=response.status,
            )
        local = self._store.files(row.client_uuid)
        mapping = _match_files(local, files)
        self._store.set_gateway_dossier(row.client_uuid, dossier_id, mapping)
        self._hooks.link_ok()
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

    # --- upload -------------------------------------------------------------------------------

    def upload(self, lane: HttpTransport, row: DossierRow, dossier_id: str, file: FileRow) -> int:
        """Send one file with tus, resuming where the gateway stands; returns bytes sent."""
        try:
            reader = self._store.open_file(file)
        except OSError as exc:
            raise PageUnreadableError(f"page file {file.idx}: {exc}") from exc
        stream = UnclosableStream(reader)
        sent = 0
        try:
            if self._hooks.stop.is_set():
                raise PassStoppedError
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
                    if exc.status == 460 and self._chunks.next_chunk() >= uploader.stop_at:
                        raise self._whole_file_mismatch(file) from None
                    raise
            while uploader.offset < uploader.stop_at:
                if self._hooks.stop.is_set():
                    raise PassStoppedError
                sent += self._send_chunk(uploader, row, file)
            self._store.mark_file_complete(row.client_uuid, file.idx)
            self._mismatches.clear(file.context)
        except AlreadyCompleteError:
            # Killed after the gateway took the last byte but before we recorded it.
            self._store.mark_file_complete(row.client_uuid, file.idx)
            self._mismatches.clear(file.context)
        except UploadGoneError:
            self._store.set_upload_url(file.client_uuid, file.idx, None)
            # The gateway answered (404/410): the link is fine, only this file starts again.
            raise DossierRetryError(
                ErrorKind.TRANSIENT, "upload expired at the gateway; restarting", status=404
            ) from None
        finally:
            reader.close()
        return sent

    def _send_chunk(self, uploader: KioskUploader, row: DossierRow, file: FileRow) -> int:
        """One PATCH of the next chunk; returns the bytes the gateway kept."""
        chunk = self._chunks.next_chunk()
        uploader.chunk_size = chunk
        before = uploader.offset
        started = self._hooks.monotonic()
        length = min(chunk, uploader.stop_at - before)
        self._chunks.attempted(length)
        self._hooks.progress(row, file, before)
        try:
            uploader.upload_chunk()
        except GatewayError as exc:
            self._chunks.link_error(exc)
            if exc.status == 460 and before + length >= uploader.stop_at:
                raise self._whole_file_mismatch(file) from None
            raise
        self._hooks.link_ok()
        moved = int(uploader.offset - before)
        self._chunks.moved(moved, self._hooks.monotonic() - started)
        return moved

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
        return DossierRetryError(
            ErrorKind.TRANSIENT,
            f"page file {file.idx} failed the gateway's whole-file SHA-256 check "
            f"({count} of {limit}); sending it again later",
            status=460,
        )

    def _create_upload(self, lane: HttpTransport, file: FileRow, uploader: KioskUploader) -> int:
        """Create the file's upload and commit its URL before any PATCH; returns bytes sent.

        Where the gateway offers creation-with-upload the first chunk rides along. Were that
        answer lost, the file is marked uncertain: its next attempt asks the gateway which
        upload it made instead of starting another.
        """
        if not self.supports_creation_with_upload(lane):
            uploader.set_url(uploader.create_url())
            uploader.offset = 0
            return 0
        length = min(self._chunks.next_chunk(), uploader.stop_at)
        self._chunks.attempted(length)
        with self._lock:
            self._uncertain.add(file.context)
        started = self._hooks.monotonic()
        try:
            url, offset = uploader.create_with_upload(length)
        except GatewayError as exc:
            self._chunks.link_error(exc)
            raise
        uploader.set_url(url)
        with self._lock:
            self._uncertain.discard(file.context)
        uploader.offset = offset
        self._hooks.link_ok()
        self._chunks.moved(offset, self._hooks.monotonic() - started)
        return offset

    def _uncertain_snapshot(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._uncertain)

    def _adopt_gateway_upload(
        self, lane: HttpTransport, dossier_id: str, file: FileRow, uploader: KioskUploader
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
                uploader.set_url(rebase(url, self._origin))
                try:
                    uploader.offset = uploader.get_offset()
                except UploadGoneError:
                    uploader.forget_url()
        return False

    def _uploader(
        self, lane: HttpTransport, dossier_id: str, file: FileRow, stream: UnclosableStream
    ) -> KioskUploader:
        if not file.gateway_file_id:
            raise DossierRetryError(ErrorKind.TRANSIENT, "file not registered at the gateway yet")
        client = TusClient(lane.url(API + "uploads"), headers=dict(TUS_HEADERS))
        kwargs: dict[str, Any] = {
            "file_stream": stream,
            "client": client,
            "chunk_size": self._chunks.next_chunk(),
            "metadata": {
                "dossier_id": dossier_id,
                "file_id": file.gateway_file_id,
                "filename": file.name,
                "filetype": file.media_type,
            },
            "store_url": True,
            "url_storage": UrlStore(self._store, file, self._origin),
            "fingerprinter": FileKey(file),
            "upload_checksum": self._settings.chunk_checksums,
            "retries": 0,  # retries belong to the engine, with backoff and an injected clock
        }
        try:
            return KioskUploader(lane, **kwargs)
        except UploadGoneError:
            self._store.set_upload_url(file.client_uuid, file.idx, None)
            kwargs["url_storage"] = UrlStore(
                self._store, self._store.files(file.client_uuid)[file.idx], self._origin
            )
            return KioskUploader(lane, **kwargs)

    def supports_creation_with_upload(self, lane: HttpTransport) -> bool:
        """Ask the gateway once per engine (OPTIONS) which tus extensions it offers."""
        with self._options_lock:
            if self._tus_extensions is None:
                response = lane.request("OPTIONS", API + "uploads", headers=dict(TUS_HEADERS))
                if response.status not in (200, 204):
                    raise tus_fail(response, "tus OPTIONS")
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

    # --- finalize and rating ------------------------------------------------------------------

    def finalize(self, lane: HttpTransport, row: DossierRow, dossier_id: str) -> None:
        """Ask for the official code once every file arrived; recorded as submitted."""
        try:
            response = lane.call("POST", f"{API}dossiers/{dossier_id}/finalize", ok=(200,))
        except GatewayError as exc:
            if exc.status == 409:
                if str(exc.problem.get("type", "")).endswith(FILES_INCOMPLETE_TYPE):
                    self._files_missing(row, exc)
                # Another conflict (a proxy's page, a problem the kiosk does not know) names
                # no file: nothing is sent again, the finalize is retried for this dossier.
                raise DossierRetryError(
                    ErrorKind.TRANSIENT, exc.detail, status=409, retry_after=exc.retry_after
                ) from None
            raise
        data = response.json_object()
        code = data.get("dossier_code")
        if not isinstance(code, str) or not code:
            raise DossierRetryError(
                ErrorKind.TRANSIENT, "finalize answer lacks dossier_code", status=response.status
            )
        self._store.mark_submitted(row.client_uuid, code, str(data.get("appointment_date") or ""))
        self._missing.clear(row.client_uuid)
        self._hooks.link_ok()
        log.info("dossier %s submitted as %s", row.receipt_number, code)
        # The rating is a step of its own: whatever becomes of it, the dossier stays delivered.

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
        raise DossierRetryError(
            ErrorKind.TRANSIENT,
            f"finalize: the gateway is missing {len(files)} file(s) the kiosk sent whole "
            f"({count} of {limit}); sending them again",
            status=409,
        ) from None

    def send_rating(self, lane: HttpTransport, row: DossierRow) -> None:
        """The citizen's rating of a delivered dossier (dropped when there is none to send)."""
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
        self._hooks.link_ok()


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
