"""tus 1.0 uploads through tuspy, with every request going through ``HttpTransport``.

tuspy brings the protocol (offsets, creation, chunked PATCH); this module makes it the kiosk's:
requests with our timeouts and size caps, the upload URL kept in the outbox so a stored URL
survives a restart, ``creation-with-upload`` (the first chunk rides in the creation POST, saving
a round trip per file), and the gateway's answers turned into the engine's outcomes
(``offline_queue.outcomes``) or a classified ``GatewayError``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

from tusclient.fingerprint.interface import Fingerprint
from tusclient.request import TusRequest
from tusclient.storage.interface import Storage
from tusclient.uploader import Uploader

from offline_queue.outcomes import (
    AlreadyCompleteError,
    DossierRetryError,
    PageUnreadableError,
    UploadGoneError,
)
from offline_queue.records import ErrorKind, FileRow
from offline_queue.store import QueueStore
from offline_queue.transport import GatewayError, HttpTransport, Response, classify, parse_count

TUS_HEADERS = {"Tus-Resumable": "1.0.0"}


class UnclosableStream(io.RawIOBase):
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
            raise PageUnreadableError(str(exc)) from exc

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            return self._inner.seek(offset, whence)
        except OSError as exc:
            raise PageUnreadableError(str(exc)) from exc

    def tell(self) -> int:
        return self._inner.tell()

    def close(self) -> None:
        pass  # the engine closes the real stream itself


class FileKey(Fingerprint):  # type: ignore[misc]
    """Fingerprints an upload by its queue file, not by hashing the content again."""

    def __init__(self, file: FileRow) -> None:
        self._key = f"{file.client_uuid}/{file.idx}"

    def get_fingerprint(self, fs: Any) -> str:
        return self._key


def rebase(url: str, origin: str) -> str:
    """``url`` on the configured gateway: a stored or announced URL may name a host or port the
    kiosk does not use (a changed gateway address, a proxy), while the upload's path is stable."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return origin + path.lstrip("/")


class UrlStore(Storage):  # type: ignore[misc]
    """tuspy's URL storage, backed by the queue so a stored URL survives restarts."""

    def __init__(self, store: QueueStore, file: FileRow, base_url: str) -> None:
        self._store = store
        self._file = file
        self._url = file.upload_url
        self._base_url = base_url

    def get_item(self, key: str) -> str | None:
        if self._url is None:
            return None
        return rebase(self._url, self._base_url)

    def set_item(self, key: str, value: str | None) -> None:
        self._url = value
        self._store.set_upload_url(self._file.client_uuid, self._file.idx, value)

    def remove_item(self, key: str) -> None:
        self._url = None
        self._store.set_upload_url(self._file.client_uuid, self._file.idx, None)


class _TimedPatch(TusRequest):  # type: ignore[misc]
    """tuspy's PATCH, sent through our transport (timeouts, caps) instead of bare requests."""

    def __init__(self, uploader: KioskUploader) -> None:
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


class KioskUploader(Uploader):  # type: ignore[misc]
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
            raise fail(response, "tus create")
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
            raise fail(response, "tus create with upload")
        return _join(self.client.url, location, response, "tus create with upload"), offset

    def get_offset(self) -> int:
        response = self.transport.request("HEAD", self.url, headers=self.get_headers())
        if response.status in (404, 410):
            raise UploadGoneError(self.url)
        offset = parse_count(response.headers.get("upload-offset"))
        if response.status != 200 or offset is None:
            raise fail(response, "tus HEAD")
        return offset

    def _do_request(self) -> None:
        self.request = _TimedPatch(self)
        self.request.perform()
        response = Response(self.request.status_code, self.request.response_headers)
        if response.status in (404, 410):
            raise UploadGoneError(self.url)
        if response.status == 409 and b"already-complete" not in self.request.response_content:
            # Our idea of the offset is stale (a PATCH landed but its answer was lost). The
            # link and the gateway are fine: only this dossier tries again, from the offset.
            self.offset = self.get_offset()
            raise DossierRetryError(
                ErrorKind.TRANSIENT, "tus offset mismatch; resynchronised", status=409
            )
        offset = parse_count(response.headers.get("upload-offset"))
        if not 200 <= response.status < 300 or offset is None:
            raise fail(
                Response(response.status, response.headers, self.request.response_content),
                "tus PATCH",
            )


def _join(base: str, location: str, response: Response, what: str) -> str:
    """The upload URL a Location header names; one that is no URL is a bad answer."""
    try:
        return urljoin(base, location)
    except ValueError:
        raise DossierRetryError(
            ErrorKind.TRANSIENT, f"{what}: Location header is not a URL", status=response.status
        ) from None


def fail(response: Response, what: str) -> Exception:
    """What an unexpected tus answer means for the engine."""
    if response.status == 409 and b"already-complete" in response.body:
        return AlreadyCompleteError(what)
    if 200 <= response.status < 300:
        # The gateway answered, so the link works: a malformed answer is retried for this
        # dossier alone, with its own backoff, instead of being taken for a dropped link.
        return DossierRetryError(
            ErrorKind.TRANSIENT,
            f"{what}: answer lacks required headers or they do not parse",
            status=response.status,
        )
    if response.status == 460:
        return GatewayError(ErrorKind.TRANSIENT, f"{what}: checksum mismatch", status=460)
    return classify(response, what, time.time())
