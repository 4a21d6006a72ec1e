"""The gateway's tus 1.0.0 server: core, creation, checksum, expiration and termination.

Bytes go straight from the socket to ``uploads/<id>.part`` as they arrive. Without
``Upload-Checksum`` whatever arrived before a connection dropped is kept and the offset moves, so
a kiosk on a bad link never sends a byte twice; with it, a request is buffered in
``uploads/<id>.chunk`` and kept whole or not at all. A finished dossier file is checked against
its manifest (size and SHA-256) and becomes a blob named by its digest (``gateway.blobs``); a
finished free-standing upload becomes ``uploads/<id>.bin``. The uploads directory sits on the
storage the replicas share, so a PATCH resumed on another replica finds the bytes.

Only one request works on an upload at a time (``gateway.locks``: within a process, or across
replicas on PostgreSQL): a PATCH retried while the server still reads the previous, dying
connection waits for it rather than interleaving.

Completion can be redone from any point (``TusService.settle``): an upload left holding all its
bytes by a gateway that died mid-completion is completed at start-up, on HEAD, on finalize and
when its file's upload is created again, so a dossier is never stranded by a crash.

A dossier file imported from a USB export (``gateway.imports``) goes through the same steps
(``TusService.take_file``): an upload is created for it, its bytes are recorded all at once and
it is completed and checked like any other, so the kiosk's own uploads of it meet a file that
is simply complete.

Every store call runs off the event loop, in the offloader's bulk lane (``gateway.offload``:
the many calls of uploads do not hold up a heartbeat), the calls of one step of a request
grouped into one blocking function (``_creation``, ``_found``, ``_terminate``, …) so a request
hops to a store thread as few times as its steps allow; a round trip to PostgreSQL never holds
up the other requests of the process.

Why this server and not a maintained library (asgi-tus, tuspyserver): ``docs/tus-server-choice.md``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import re
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from enum import Enum, auto
from pathlib import Path
from typing import Final, NamedTuple, NoReturn

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dvc_common.atomic import fsync_directory, sha256_file
from gateway.blobs import BlobStore, blob_name
from gateway.faults import CrashPoint
from gateway.locks import Claim, UploadLocks
from gateway.offload import Offloader
from gateway.problems import FieldProblem, ProblemError, ProblemType
from gateway.settings import TUS_MAX_SIZE, GatewaySettings
from gateway.store import (
    FileAlreadyCompleteError,
    FileRecord,
    Store,
    UploadRecord,
    UploadState,
)

log = logging.getLogger(__name__)

TUS_VERSION: Final = "1.0.0"
TUS_EXTENSIONS: Final = "creation,creation-with-upload,checksum,expiration,termination"
CHECKSUM_ALGORITHMS: Final = {"sha1": hashlib.sha1, "md5": hashlib.md5, "sha256": hashlib.sha256}
OFFSET_OCTET_STREAM: Final = "application/offset+octet-stream"
UPLOADS_PATH: Final = "/api/v1/uploads"

_DIGITS = re.compile(r"[0-9]+")
_METADATA_MAX_LENGTH = 4096
# The same expressions as the header schemas in openapi.yaml (a test compares them): a header
# the document calls invalid is refused, and one it calls valid is understood.
_BASE64 = r"([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
_PAIR = rf"[!-+\--~]+( {_BASE64})?"
METADATA_PATTERN = re.compile(rf"({_PAIR}(,{_PAIR})*)?")
CHECKSUM_PATTERN = re.compile(
    r"(sha1 [A-Za-z0-9+/]{27}=|md5 [A-Za-z0-9+/]{22}==|sha256 [A-Za-z0-9+/]{43}=)"
)
_COPY_BLOCK = 1 << 20


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes


def http_date(moment: datetime) -> str:
    """RFC 9110 HTTP-date, as ``Upload-Expires`` wants it."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)``; a key may have no value.

    Values are decoded as UTF-8 with replacement: tus allows any bytes, and only the keys the
    gateway understands (ids, which are ASCII) are used.
    """
    if header is None:
        return {}
    if len(header) > _METADATA_MAX_LENGTH or not METADATA_PATTERN.fullmatch(header):
        raise _bad_header("Upload-Metadata", "must be comma-separated 'key base64value' pairs")
    found: dict[str, str] = {}
    for pair in filter(None, header.split(",")):
        key, _, encoded = pair.partition(" ")
        found[key] = base64.b64decode(encoded).decode("utf-8", errors="replace")
    return found


def parse_checksum(header: str | None) -> Checksum | None:
    """``Upload-Checksum: <algorithm> <base64 digest>``, None if absent; 400 if not valid."""
    if header is None:
        return None
    if not CHECKSUM_PATTERN.fullmatch(header):
        raise _bad_header(
            "Upload-Checksum", f"must be '<algorithm> <base64 digest>' with one of {_algorithms()}"
        )
    algorithm, _, encoded = header.partition(" ")
    return Checksum(algorithm, base64.b64decode(encoded))


def _algorithms() -> str:
    return ",".join(CHECKSUM_ALGORITHMS)


def _bad_header(name: str, message: str) -> ProblemError:
    return ProblemError(
        400,
        ProblemType.INVALID_HEADER,
        f"The {name} header is not valid.",
        errors=[FieldProblem(name, message)],
    )


def _number_header(request: Request, name: str) -> int:
    raw = request.headers.get(name)
    if raw is None:
        raise _bad_header(name, "is required")
    if not _DIGITS.fullmatch(raw.strip()):
        raise _bad_header(name, "must be a non-negative integer")
    return int(raw.strip())


def _sha256_of(path: Path) -> tuple[str, int]:
    # Called on a finished upload under its lock: nothing writes to the file meanwhile.
    return sha256_file(path), path.stat().st_size


def _append(source: Path, target: Path, offset: int) -> None:
    with source.open("rb") as src, target.open("r+b") as dst:
        dst.truncate(offset)
        dst.seek(offset)
        while block := src.read(_COPY_BLOCK):
            dst.write(block)
        dst.flush()
        os.fsync(dst.fileno())


def _awaits_completion(upload: UploadRecord) -> bool:
    """All its bytes recorded, not yet completed."""
    return upload.offset == upload.length and upload.state is UploadState.ACTIVE


def partial_path(data_dir: Path, upload_id: str) -> Path:
    """Where the bytes of an incomplete upload are."""
    return data_dir / "uploads" / f"{upload_id}.part"


class _Bytes(Enum):
    """Where a finished dossier file's bytes stand after the check against its manifest."""

    STORED = auto()  # they are its blob
    MISMATCH = auto()  # they do not match the manifest's size and SHA-256
    MISSING = auto()  # they are nowhere on the storage (a crash before they were kept)


class _Creation(NamedTuple):
    kiosk_id: str
    length: int
    metadata: dict[str, str]
    file: FileRecord | None
    upload: UploadRecord | None  # None: the file's earlier upload is to be settled first


class _PatchRequest(NamedTuple):
    kiosk_id: str
    offset: int
    checksum: Checksum | None
    declared: int | None


class _BodyDroppedError(Exception):
    """The request body stopped before its end: the client went away or went silent."""


class TusService:
    """The handlers of ``/api/v1/uploads``; authentication is passed in by the application."""

    def __init__(
        self,
        data_dir: Path,
        store: Store,
        settings: GatewaySettings,
        authenticate: Callable[[Request], str],
        *,
        locks: UploadLocks,
        blobs: BlobStore,
        offload: Offloader,
        reached: Callable[[CrashPoint], None] = lambda point: None,
    ) -> None:
        self.uploads_dir = data_dir / "uploads"
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.store = store
        self.settings = settings
        self.authenticate = authenticate
        self.locks = locks
        self.blobs = blobs
        self.offload = offload
        # Called at each step of completion; tests make the gateway die there (gateway.faults).
        self.reached = reached

    # --- paths ----------------------------------------------------------------------------------

    def partial_path(self, upload_id: str) -> Path:
        return partial_path(self.data_dir, upload_id)

    def chunk_path(self, upload_id: str) -> Path:
        return self.uploads_dir / f"{upload_id}.chunk"

    def free_path(self, upload_id: str) -> Path:
        return self.uploads_dir / f"{upload_id}.bin"

    def _discard(self, upload_id: str) -> None:
        self.partial_path(upload_id).unlink(missing_ok=True)
        self.chunk_path(upload_id).unlink(missing_ok=True)

    # --- shared checks --------------------------------------------------------------------------

    @staticmethod
    def _check_version(request: Request) -> None:
        if request.headers.get("tus-resumable") != TUS_VERSION:
            raise ProblemError(
                412,
                ProblemType.TUS_VERSION,
                f"This server speaks tus {TUS_VERSION}; send Tus-Resumable: {TUS_VERSION}.",
                headers={"Tus-Version": TUS_VERSION},
            )

    def _expiry(self, now: datetime) -> datetime:
        return now + self.settings.upload_ttl

    def _found(self, request: Request, upload_id: str) -> tuple[str, UploadRecord]:
        """The requesting kiosk (401, 403, then 412 for another tus version) and its upload
        ``upload_id`` (``_lookup``): the blocking start of HEAD and DELETE."""
        kiosk_id = self.authenticate(request)
        self._check_version(request)
        return kiosk_id, self._lookup(upload_id, kiosk_id)

    def _lookup(self, upload_id: str, kiosk_id: str) -> UploadRecord:
        """The upload, if this kiosk may see it and it is still alive (blocking)."""
        upload = self.store.upload(upload_id)
        if upload is None or upload.kiosk_id != kiosk_id or upload.state is UploadState.TERMINATED:
            raise ProblemError(404, ProblemType.NOT_FOUND, "No such upload.")
        if upload.state is UploadState.EXPIRED or upload.expired_at(self.settings.now()):
            if upload.state is not UploadState.EXPIRED:
                self.store.set_upload_state(upload_id, UploadState.EXPIRED)
                self._discard(upload_id)
            raise ProblemError(
                410, ProblemType.EXPIRED, "The upload expired; create a new one and start again."
            )
        return upload

    def _hold(self, upload_id: str, *, wait: bool = False) -> AbstractAsyncContextManager[bool]:
        """The upload's lock for a block; the block learns whether it was taken within
        ``upload_lock_wait_s`` (always, after as long as it takes, with ``wait``)."""
        return self.locks.hold(upload_id, None if wait else self.settings.upload_lock_wait_s)

    def _headers(self, upload: UploadRecord) -> dict[str, str]:
        headers = {"Upload-Offset": str(upload.offset)}
        if upload.state is UploadState.ACTIVE:
            headers["Upload-Expires"] = http_date(upload.expires_at)
        return headers

    # --- handlers -------------------------------------------------------------------------------

    async def options(self, request: Request, upload_id: str | None = None) -> Response:
        """tus discovery, on the endpoint and on an upload's URL (where a browser's preflight for
        HEAD, PATCH or DELETE goes); the same answer for any upload, existing or not."""
        # No token asked for: tus discovery says what the server can do, nothing about any
        # upload, and a browser's CORS preflight never carries credentials.
        return Response(
            status_code=204,
            headers={
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": TUS_EXTENSIONS,
                "Tus-Checksum-Algorithm": _algorithms(),
                "Tus-Max-Size": str(TUS_MAX_SIZE),
            },
        )

    async def create(self, request: Request) -> Response:
        creation = await self.offload.bulk(self._creation, request)
        upload = creation.upload
        if upload is None:
            assert creation.file is not None and creation.file.upload_id is not None
            # The file's current upload may hold all its bytes, its completion interrupted
            # (a client that never got the answer to a creation-with-upload comes back here).
            await self._settle_locked(creation.file.upload_id)
            upload = await self.offload.bulk(self._creation_again, creation)
        if upload.length == 0:
            await self._complete(upload)
        upload = await self._first_bytes(request, upload)
        location = f"{str(request.base_url).rstrip('/')}{UPLOADS_PATH}/{upload.upload_id}"
        headers = {"Location": location, "Upload-Offset": str(upload.offset)}
        if upload.state is UploadState.ACTIVE:
            headers["Upload-Expires"] = http_date(upload.expires_at)
        return Response(status_code=201, headers=headers)

    def _creation(self, request: Request) -> _Creation:
        """The checks of a creation, in the order their refusals come (blocking): the kiosk,
        the tus version, the length, the metadata and the dossier file it names (or None);
        then the new upload, unless the file has an upload already, which may have to be
        settled first (``upload`` None)."""
        kiosk_id = self.authenticate(request)
        self._check_version(request)
        if "upload-defer-length" in request.headers:
            raise _bad_header("Upload-Defer-Length", "deferred lengths are not supported")
        length = _number_header(request, "Upload-Length")
        if length > TUS_MAX_SIZE:
            raise ProblemError(
                413, ProblemType.TOO_LARGE, f"A file is at most {TUS_MAX_SIZE} bytes."
            )
        metadata = parse_metadata(request.headers.get("upload-metadata"))
        file = self._dossier_file(metadata, kiosk_id, length)
        if file is not None and file.upload_id is not None:
            return _Creation(kiosk_id, length, metadata, file, None)
        upload = self._new_upload(kiosk_id, length, metadata, file)
        return _Creation(kiosk_id, length, metadata, file, upload)

    def _creation_again(self, creation: _Creation) -> UploadRecord:
        """The new upload of a creation, once the file's earlier upload was settled: the file
        looked at again, as settling may have completed it (blocking)."""
        file = self._dossier_file(creation.metadata, creation.kiosk_id, creation.length)
        return self._new_upload(creation.kiosk_id, creation.length, creation.metadata, file)

    def _new_upload(
        self, kiosk_id: str, length: int, metadata: dict[str, str], file: FileRecord | None
    ) -> UploadRecord:
        """A new upload and its empty ``.part`` file, replacing the file's earlier upload
        (blocking); 409 when the file is complete."""
        now = self.settings.now()
        try:
            upload, replaced = self.store.create_upload(
                kiosk_id=kiosk_id,
                length=length,
                metadata=metadata,
                file=file,
                now=now,
                expires_at=self._expiry(now),
            )
        except FileAlreadyCompleteError:
            raise self._already_complete() from None
        if replaced is not None:
            self._discard(replaced)
        self.partial_path(upload.upload_id).touch()
        return upload

    async def _first_bytes(self, request: Request, upload: UploadRecord) -> UploadRecord:
        """creation-with-upload: take the bytes sent along with the POST, as a PATCH at 0.

        The upload exists whatever happens to those bytes, so the answer is always 201 with the
        offset reached: a checksum mismatch or a dropped body just leaves it at 0, and the client
        carries on with PATCH requests. That saves a kiosk one round trip per file.
        """
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != OFFSET_OCTET_STREAM or request.headers.get("content-length") in (None, "0"):
            return upload
        checksum = parse_checksum(request.headers.get("upload-checksum"))
        # A new upload: nobody else knows its id yet, so waiting costs nothing.
        async with self._hold(upload.upload_id, wait=True):
            try:
                if checksum is None:
                    upload = await self._receive_streaming(request, upload, None)
                else:
                    upload = await self._receive_checked(request, upload, checksum)
                if upload.offset == upload.length and upload.state is UploadState.ACTIVE:
                    upload = await self._complete(upload)
            except ProblemError as problem:
                if problem.status not in (400, 460):
                    raise
                log.info("upload %s: bytes sent with the creation discarded", upload.upload_id)
                current = await self.offload.bulk(self.store.upload, upload.upload_id)
                assert current is not None
                upload = current
        return upload

    @staticmethod
    def _already_complete() -> ProblemError:
        return ProblemError(
            409, ProblemType.ALREADY_COMPLETE, "This file of the dossier is already complete."
        )

    def _dossier_file(
        self, metadata: dict[str, str], kiosk_id: str, length: int
    ) -> FileRecord | None:
        """The dossier file an upload's metadata names, checked (blocking)."""
        dossier_id, file_id = metadata.get("dossier_id"), metadata.get("file_id")
        if dossier_id is None and file_id is None:
            return None
        where = "Upload-Metadata"
        if not dossier_id or not file_id:
            raise _bad_header(where, "dossier_id and file_id go together")
        dossier = self.store.dossier(dossier_id)
        if dossier is None or dossier.kiosk_id != kiosk_id:
            raise _bad_header(where, "dossier_id names no dossier of this kiosk")
        file = self.store.file(file_id)
        if file is None or file.dossier_id != dossier_id:
            raise _bad_header(where, "file_id names no file of that dossier")
        if file.complete:
            raise self._already_complete()
        if length != file.size:
            raise _bad_header("Upload-Length", f"must equal the manifest size {file.size}")
        return file

    async def head(self, request: Request, upload_id: str) -> Response:
        kiosk_id, _ = await self.offload.bulk(self._found, request, upload_id)
        # A PATCH in progress is about to move the offset: answering after it keeps a resuming
        # client from sending bytes the server is still taking in.
        async with self._hold(upload_id) as held:
            upload = await self.offload.bulk(self._lookup, upload_id, kiosk_id)
            if held:
                # A client told offset = length sends nothing more; finishing it is ours to do.
                upload = await self.settle(upload)
        headers = self._headers(upload)
        headers["Upload-Length"] = str(upload.length)
        headers["Cache-Control"] = "no-store"
        return Response(status_code=200, headers=headers)

    async def delete(self, request: Request, upload_id: str) -> Response:
        kiosk_id, _ = await self.offload.bulk(self._found, request, upload_id)
        async with self._hold(upload_id) as held:
            if not held:
                raise self._busy()
            await self.offload.bulk(self._terminate, upload_id, kiosk_id)
        return Response(status_code=204)

    def _terminate(self, upload_id: str, kiosk_id: str) -> None:
        """Terminate the upload and delete its bytes (blocking; under the upload's lock)."""
        upload = self._lookup(upload_id, kiosk_id)
        self.store.terminate_upload(upload_id)
        self._discard(upload_id)
        if upload.file_id is None:
            self.free_path(upload_id).unlink(missing_ok=True)

    @staticmethod
    def _busy() -> ProblemError:
        return ProblemError(
            409,
            ProblemType.OFFSET_MISMATCH,
            "Another request is writing to this upload; ask for the offset again.",
        )

    def _patch_checks(self, request: Request) -> _PatchRequest:
        """A PATCH's checks of the request itself, in the order their refusals come (blocking):
        the kiosk, the tus version, the headers."""
        kiosk_id = self.authenticate(request)
        self._check_version(request)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != OFFSET_OCTET_STREAM:
            raise ProblemError(
                415,
                ProblemType.UNSUPPORTED_MEDIA_TYPE,
                f"Send the bytes as {OFFSET_OCTET_STREAM}.",
            )
        offset = _number_header(request, "Upload-Offset")
        checksum = parse_checksum(request.headers.get("upload-checksum"))
        declared: int | None = None
        if "content-length" in request.headers:
            declared = _number_header(request, "Content-Length")
        return _PatchRequest(kiosk_id, offset, checksum, declared)

    def _patch_request(self, request: Request, upload_id: str) -> _PatchRequest:
        """``_patch_checks``, then the upload (404 before a wait for its lock) (blocking)."""
        checked = self._patch_checks(request)
        self._lookup(upload_id, checked.kiosk_id)
        return checked

    def _patch_claimed(
        self, request: Request, upload_id: str, claim: Claim
    ) -> tuple[_PatchRequest, UploadRecord, FileRecord | None] | None:
        """The start of a PATCH whose lock this process claimed at once: the checks, the lock
        across processes, and the upload with its file (blocking; one trip to a store thread).
        None when another process holds the lock."""
        checked = self._patch_checks(request)
        if not claim.take():
            return None
        upload, file = self._lookup_with_file(upload_id, checked.kiosk_id)
        return checked, upload, file

    async def patch(self, request: Request, upload_id: str) -> Response:
        # The usual PATCH: nobody else wants its upload, so the lock is taken and given back by
        # the two trips to a store thread the PATCH makes anyway (``UploadLocks.claim``).
        async with self.locks.claim(upload_id, self.settings.upload_lock_wait_s) as claim:
            if claim is not None:
                claimed = await self.offload.bulk(self._patch_claimed, request, upload_id, claim)
                if claimed is not None:
                    checked, upload, file = claimed
                    return await self._patch_held(request, checked, upload, file, claim)
        # Another request holds the lock or waits for it (a retry while the server still reads
        # the dying connection of the first, here or on another replica): wait for it.
        checked = await self.offload.bulk(self._patch_request, request, upload_id)
        async with self._hold(upload_id) as held:
            if not held:
                raise self._busy()
            upload, file = await self.offload.bulk(
                self._lookup_with_file, upload_id, checked.kiosk_id
            )
            return await self._patch_held(request, checked, upload, file, None)

    async def _patch_held(
        self,
        request: Request,
        checked: _PatchRequest,
        upload: UploadRecord,
        file: FileRecord | None,
        claim: Claim | None,
    ) -> Response:
        """The PATCH of an upload whose lock is held: the offset and size checks, the bytes
        received and recorded, the upload completed when they are its last. ``claim``, when
        the lock was claimed, is given back by the trip that records the bytes."""
        if checked.offset != upload.offset:
            raise ProblemError(
                409,
                ProblemType.OFFSET_MISMATCH,
                f"The upload is at offset {upload.offset}, not {checked.offset}.",
            )
        room = upload.length - upload.offset
        if upload.state is UploadState.COMPLETE and not checked.declared:
            return Response(status_code=204, headers=self._headers(upload))
        if checked.declared is not None and checked.declared > room:
            raise ProblemError(
                413, ProblemType.TOO_LARGE, f"Only {room} more bytes fit in this upload."
            )
        if checked.checksum is None:
            upload = await self._receive_streaming(request, upload, file, claim)
        else:
            upload = await self._receive_checked(request, upload, checked.checksum)
        if upload.offset == upload.length and upload.state is UploadState.ACTIVE:
            upload = await self._complete(upload, file)
        return Response(status_code=204, headers=self._headers(upload))

    def _lookup_with_file(
        self, upload_id: str, kiosk_id: str
    ) -> tuple[UploadRecord, FileRecord | None]:
        """``_lookup``, and the upload's dossier file (None for a free-standing upload), which
        its completion checks the bytes against: fetched in the same trip to a store thread,
        since a PATCH usually carries a file's last bytes (blocking)."""
        upload = self._lookup(upload_id, kiosk_id)
        file = None if upload.file_id is None else self.store.file(upload.file_id)
        return upload, file

    # --- receiving ------------------------------------------------------------------------------

    async def _body(self, request: Request) -> AsyncGenerator[bytes, None]:
        """The request body as it arrives; _BodyDroppedError if its end will never come."""
        while True:
            try:
                async with asyncio.timeout(self.settings.body_idle_timeout_s):
                    message = await request.receive()
            except TimeoutError:
                raise _BodyDroppedError from None
            if message["type"] == "http.disconnect":
                raise _BodyDroppedError
            body: bytes = message.get("body", b"")
            if body:
                yield body
            if not message.get("more_body", False):
                return

    async def _receive_streaming(
        self,
        request: Request,
        upload: UploadRecord,
        file: FileRecord | None,
        claim: Claim | None = None,
    ) -> UploadRecord:
        """The body appended to the upload's bytes and recorded; when that completes a dossier
        file (the usual PATCH: a kiosk sends a page in one), the file checked and stored too."""
        partial = self.partial_path(upload.upload_id)
        room = upload.length - upload.offset
        written = 0
        overflow = False
        dropped = False
        with partial.open("r+b") as handle:
            # Bytes past the recorded offset are from a request whose end was never recorded
            # (a crash); the offset in the database is the truth.
            handle.truncate(upload.offset)
            handle.seek(upload.offset)
            try:
                async with aclosing(self._body(request)) as body:
                    async for chunk in body:
                        if written + len(chunk) > room:
                            overflow = True
                            break
                        handle.write(chunk)
                        written += len(chunk)
            except _BodyDroppedError:
                dropped = True
            if overflow:
                handle.truncate(upload.offset)
                handle.flush()
                await run_in_threadpool(os.fsync, handle.fileno())
                raise ProblemError(
                    413, ProblemType.TOO_LARGE, f"Only {room} more bytes fit in this upload."
                )
            handle.flush()
            if dropped:
                log.info("upload %s: connection dropped, kept %d bytes", upload.upload_id, written)
            # One trip to a store thread for the rest (an fsync, a digest and a rename of a
            # page, and the store calls between them): measured under load, each trip waited
            # longer for the event loop than the work it did, and the upload's lock is held
            # across all of them.
            recorded, kept = await self.offload.bulk(
                self._record_received, handle.fileno(), upload, written, file, claim
            )
        if isinstance(kept, _Bytes):
            await self._start_again(recorded)
        return kept

    def _record_received(
        self,
        fd: int,
        upload: UploadRecord,
        written: int,
        file: FileRecord | None,
        claim: Claim | None,
    ) -> tuple[UploadRecord, UploadRecord | _Bytes]:
        """The bytes just written made durable, then their new offset recorded (never ahead
        of the bytes); if that is the last byte of a dossier file, the file finished as
        ``_complete`` does (``_finish_file``) (blocking). The upload as recorded, and what it
        became: itself, completed, or the ``_Bytes`` that keep it from completing. When that
        leaves nothing more to do under the lock, ``claim`` is given back on the way out."""
        os.fsync(fd)
        now = self.settings.now()
        upload = self.store.set_offset(upload.upload_id, upload.offset + written, self._expiry(now))
        finished: UploadRecord | _Bytes = upload
        if _awaits_completion(upload) and file is not None and upload.file_id is not None:
            finished = self._finish_file(upload, file)
        if (
            claim is not None
            and isinstance(finished, UploadRecord)
            and not _awaits_completion(finished)
        ):
            claim.give_back()  # nothing more to do under the lock: no trip of its own
        return upload, finished

    async def _receive_checked(
        self, request: Request, upload: UploadRecord, checksum: Checksum
    ) -> UploadRecord:
        chunk_path = self.chunk_path(upload.upload_id)
        hasher = CHECKSUM_ALGORITHMS[checksum.algorithm]()
        room = upload.length - upload.offset
        received = 0
        try:
            with chunk_path.open("wb") as handle:
                async with aclosing(self._body(request)) as body:
                    async for chunk in body:
                        received += len(chunk)
                        if received > room:
                            raise ProblemError(
                                413, ProblemType.TOO_LARGE, f"Only {room} more bytes fit."
                            )
                        hasher.update(chunk)
                        handle.write(chunk)
            if hasher.digest() != checksum.digest:
                raise ProblemError(
                    460,
                    ProblemType.CHECKSUM_MISMATCH,
                    f"The bytes do not match their {checksum.algorithm} checksum; send them again.",
                )
            partial = self.partial_path(upload.upload_id)
            await run_in_threadpool(_append, chunk_path, partial, upload.offset)
        except _BodyDroppedError:
            log.info(
                "upload %s: connection dropped, checksummed request discarded", upload.upload_id
            )
            raise ProblemError(
                400, ProblemType.INVALID_BODY, "The request body ended before its end."
            ) from None
        finally:
            chunk_path.unlink(missing_ok=True)
        now = self.settings.now()
        return await self.offload.bulk(
            self.store.set_offset, upload.upload_id, upload.offset + received, self._expiry(now)
        )

    async def _complete(self, upload: UploadRecord, file: FileRecord | None = None) -> UploadRecord:
        """Finish an upload whose last byte is recorded; for a dossier file, check it first
        (against ``file``, the upload's dossier file, looked up when not given).

        Every step may be redone: a gateway that dies anywhere in here leaves an upload whose
        offset equals its length but which is not complete, and ``settle`` runs this again (at
        start-up, on HEAD, on finalize), picking up from what the storage says. The bytes are in
        ``.part`` until they become their blob (or, for a free-standing upload, ``.bin``), so
        whichever of the two exists holds them.
        """
        if upload.file_id is not None:
            finished = await self.offload.bulk(self._finish_file, upload, file)
            if isinstance(finished, _Bytes):
                await self._start_again(upload)
            return finished
        self.reached(CrashPoint.OFFSET_RECORDED)
        await self._move_free(upload, self.partial_path(upload.upload_id))
        self.reached(CrashPoint.FILE_MOVED)
        return await self.offload.bulk(self._mark_complete, upload.upload_id, None)

    def _finish_file(self, upload: UploadRecord, file: FileRecord | None) -> UploadRecord | _Bytes:
        """A dossier file's completion once its last byte is recorded (blocking): its bytes
        checked against its manifest (``file``, looked up when None) and made its blob, then the
        upload recorded complete. The completed upload, or the ``_Bytes`` that keep it from
        completing (its bytes then start again)."""
        self.reached(CrashPoint.OFFSET_RECORDED)
        if file is None:
            assert upload.file_id is not None
            file = self.store.file(upload.file_id)
            assert file is not None  # uploads reference files that exist: both written together
        stored = self._adopt_checked(self.partial_path(upload.upload_id), file)
        if stored is not _Bytes.STORED:
            return stored
        self.reached(CrashPoint.FILE_MOVED)
        return self._mark_complete(upload.upload_id, blob_name(file.sha256))

    def _adopt_checked(self, partial: Path, file: FileRecord) -> _Bytes:
        """The finished file's bytes made its blob if they match its manifest (blocking)."""
        if partial.exists():
            sha256, size = _sha256_of(partial)
            if sha256 != file.sha256 or size != file.size:
                return _Bytes.MISMATCH
            self.blobs.adopt(partial, file.sha256)
            return _Bytes.STORED
        # Not in .part: the blob it became before a crash, or nothing at all to keep. A blob
        # is named by its checked digest: one that exists holds these very bytes.
        return _Bytes.STORED if self.blobs.exists(blob_name(file.sha256)) else _Bytes.MISSING

    def _mark_complete(self, upload_id: str, stored: str | None) -> UploadRecord:
        """Record the upload complete, its bytes in ``stored`` (a blob's name; None for a
        free-standing upload's ``.bin``), and read it back (blocking)."""
        self.store.complete_upload(upload_id, stored)
        self.reached(CrashPoint.UPLOAD_COMPLETED)
        completed = self.store.upload(upload_id)
        assert completed is not None
        return completed

    async def _move_free(self, upload: UploadRecord, partial: Path) -> None:
        """A free-standing upload (no dossier file): its bytes become ``uploads/<id>.bin``."""
        target = self.free_path(upload.upload_id)
        source = partial if partial.exists() else target if target.exists() else None
        if source is None or source.stat().st_size != upload.length:
            if source == target:
                target.unlink()
            await self._start_again(upload)
        if source == partial:
            partial.replace(target)
            await run_in_threadpool(fsync_directory, target.parent)

    async def _start_again(self, upload: UploadRecord) -> NoReturn:
        """Discard a finished file that does not match its manifest (or, after a crash, whose
        bytes are not all on the storage): offset 0, and 460."""
        partial = self.partial_path(upload.upload_id)
        partial.write_bytes(b"")
        self.reached(CrashPoint.MISMATCH_DISCARDED)
        now = self.settings.now()
        await self.offload.bulk(self.store.set_offset, upload.upload_id, 0, self._expiry(now))
        log.warning("upload %s: file does not match its manifest", upload.upload_id)
        raise ProblemError(
            460,
            ProblemType.CHECKSUM_MISMATCH,
            "The file does not match the SHA-256 and size of the dossier's manifest; "
            "it was discarded, send it again from the start.",
        )

    # --- bytes that arrive on a USB stick --------------------------------------------------------

    async def take_file(self, file: FileRecord, kiosk_id: str, source: Path) -> bool:
        """A dossier file's bytes from a file on this machine (a USB import), through the steps
        a tus upload goes through: a new upload of the file, replacing the kiosk's own if one is
        under way; all its bytes at once; completion, with its check against the manifest.

        ``source`` is moved, not copied, so it must be on the data directory's file system.
        False when the file was complete already (``source`` is left alone). A file that does
        not match its manifest is 460 (``checksum-mismatch``), as at the end of a PATCH.
        """
        if file.upload_id is not None:
            # The kiosk's own upload may hold all its bytes, its completion interrupted.
            await self._settle_locked(file.upload_id)
        now = self.settings.now()
        metadata = {
            "dossier_id": file.dossier_id,
            "file_id": file.file_id,
            "filename": file.name,
            "filetype": file.media_type,
        }
        try:
            upload, replaced = await self.offload.bulk(
                self.store.create_upload,
                kiosk_id=kiosk_id,
                length=file.size,
                metadata=metadata,
                file=file,
                now=now,
                expires_at=self._expiry(now),
            )
        except FileAlreadyCompleteError:
            return False
        if replaced is not None:
            # The kiosk's next PATCH to its upload is answered 404, its next creation 409
            # (already-complete): both tell it the file is there.
            self._discard(replaced)
        async with self._hold(upload.upload_id, wait=True):
            partial = self.partial_path(upload.upload_id)
            source.replace(partial)
            await run_in_threadpool(fsync_directory, partial.parent)
            upload = await self.offload.bulk(
                self.store.set_offset, upload.upload_id, upload.length, self._expiry(now)
            )
            await self._complete(upload)
        return True

    # --- completing what a crash left behind ---------------------------------------------------

    async def settle(self, upload: UploadRecord) -> UploadRecord:
        """Complete ``upload`` if it holds all its bytes but was never completed.

        That state is only ever left by a gateway that died or failed between recording the
        last offset and marking the upload complete: the client has sent everything and waits
        for nothing, so only the gateway can finish it. A file that breaks its manifest starts
        again at offset 0, as at the end of a PATCH. The caller holds the upload's lock.
        """
        if upload.state is not UploadState.ACTIVE or upload.offset != upload.length:
            return upload
        log.warning(
            "upload %s: all bytes received but not completed; completing it", upload.upload_id
        )
        try:
            return await self._complete(upload)
        except ProblemError as problem:
            if problem.status != 460:
                raise
        current = await self.offload.bulk(self.store.upload, upload.upload_id)
        assert current is not None
        return current

    async def _settle_locked(self, upload_id: str) -> bool:
        """Complete the upload if it holds all its bytes; False when another request holds its
        lock (it is being written or completed), so nothing can be said about it now."""
        async with self._hold(upload_id) as held:
            if not held:
                return False
            upload = await self.offload.bulk(self.store.upload, upload_id)
            if upload is not None:
                await self.settle(upload)
        return True

    async def settle_dossier(self, dossier_id: str) -> bool:
        """Complete every upload of the dossier's missing files that holds all its bytes.

        False when some upload could not be looked at (its lock was busy): such a file is not
        known to be missing, only unfinished, and must not be reported missing.
        """
        examined = True
        for file in await self.offload.bulk(self.store.files, dossier_id):
            if not file.complete and file.upload_id is not None:
                examined = await self._settle_locked(file.upload_id) and examined
        return examined

    async def recover(self) -> int:
        """At start-up: complete every upload a previous process left holding all its bytes.

        One that cannot be completed now is logged and left for HEAD or finalize to retry,
        so it cannot keep the gateway from starting.
        """
        count = 0
        for upload in await self.offload.bulk(self.store.uploads_awaiting_completion):
            try:
                await self._settle_locked(upload.upload_id)
            except Exception:
                log.exception("upload %s could not be completed at start-up", upload.upload_id)
            else:
                count += 1
        if count:
            log.warning("completed %d upload(s) left unfinished by the previous run", count)
        return count
