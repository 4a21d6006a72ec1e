"""A file only the gateway can open: how a technician's USB export of unsent dossiers is sealed
on the kiosk and opened at the gateway, streamed both ways in bounded memory.

A lost stick must disclose nothing, and the kiosk must be able to seal with no network: the
kiosk encrypts to the gateway's X25519 *sealing* public key, which its configuration holds
(``dvc_common.trust``). Layout::

    DVCSEAL1\\n
    <header: one line of JSON>\\n          kiosk, created, recipient key id, ephemeral key, salt
    (<u32 length><AES-256-GCM segment>)*   each at most SEGMENT_BYTES of plaintext

The key is HKDF-SHA256 over X25519(ephemeral, recipient), salted, with the header line as its
info, so a header changed in transit yields a different key and nothing opens. Segment *i* is
sealed with the nonce ``prefix(8) || i(4)`` and authenticated with ``i`` and whether it is the
last, so reordered, dropped or truncated segments are refused (``SealedError``) rather than
opened short. What is sealed is a plain byte stream; the export puts a tar archive in it.
"""

from __future__ import annotations

import io
import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from dvc_common.trust import _b64, _unb64, key_id

MAGIC: Final = b"DVCSEAL1\n"
SEGMENT_BYTES: Final = 64 * 1024
MAX_HEADER_BYTES: Final = 4096
_LENGTH = struct.Struct(">I")
_TAG_BYTES = 16


class SealedError(ValueError):
    """A sealed file that cannot be opened: damaged, truncated, or sealed to another key."""


def _key(shared: bytes, salt: bytes, header_line: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=salt, info=b"dvc-seal-v1" + header_line).derive(
        shared
    )


def _aad(index: int, last: bool) -> bytes:
    return struct.pack(">I?", index, last)


class SealWriter(io.RawIOBase):
    """A writable stream that seals into ``out``; ``close()`` writes the last segment (an empty
    one if need be, so the end is always marked). ``details`` go into the header in clear:
    nothing personal belongs there."""

    def __init__(
        self, out: BinaryIO, recipient: X25519PublicKey, details: Mapping[str, Any]
    ) -> None:
        super().__init__()
        ephemeral = X25519PrivateKey.generate()
        salt, self._prefix = os.urandom(16), os.urandom(8)
        header = {
            **details,
            "v": 1,
            "recipient": key_id(recipient),
            "ephemeral": _b64(ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)),
            "salt": _b64(salt),
            "nonce_prefix": _b64(self._prefix),
            "segment": SEGMENT_BYTES,
        }
        line = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
        if len(line) > MAX_HEADER_BYTES:
            raise ValueError("the sealed file's header is too long")
        self._aes = AESGCM(_key(ephemeral.exchange(recipient), salt, line))
        self._out = out
        self._pending = bytearray()
        self._index = 0
        out.write(MAGIC + line + b"\n")

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._pending += view
        while len(self._pending) > SEGMENT_BYTES:  # keep one segment back: it may be the last
            self._seal(bytes(self._pending[:SEGMENT_BYTES]), last=False)
            del self._pending[:SEGMENT_BYTES]
        return len(view)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        nonce = self._prefix + struct.pack(">I", self._index)
        sealed = self._aes.encrypt(nonce, plain, _aad(self._index, last))
        self._out.write(_LENGTH.pack(len(sealed)) + sealed)
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._pending), last=True)
            self._pending.clear()
            self._out.flush()
        super().close()


@dataclass(frozen=True)
class SealedHeader:
    details: dict[str, Any]
    recipient: str


def read_header(source: BinaryIO) -> tuple[SealedHeader, bytes]:
    """The header in clear (who exported, when, to which key) and its line as sealed."""
    if source.read(len(MAGIC)) != MAGIC:
        raise SealedError("not a sealed export (wrong first line)")
    line = source.readline(MAX_HEADER_BYTES + 1)
    if not line.endswith(b"\n"):
        raise SealedError("the header is damaged or too long")
    line = line[:-1]
    try:
        header = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SealedError("the header is not JSON") from exc
    if not isinstance(header, dict) or header.get("v") != 1:
        raise SealedError("unknown sealed file version")
    return SealedHeader(header, str(header.get("recipient", ""))), line


class SealReader(io.RawIOBase):
    """The plaintext of a sealed file, segment by segment; every segment is authenticated before
    any of its bytes are handed out, and an end without the last segment is an error."""

    def __init__(self, source: BinaryIO, private: X25519PrivateKey) -> None:
        super().__init__()
        self.header, line = read_header(source)
        mine = key_id(private.public_key())
        if self.header.recipient != mine:
            raise SealedError(
                f"sealed to key {self.header.recipient}, this gateway's key is {mine}"
            )
        fields = self.header.details
        try:
            ephemeral = X25519PublicKey.from_public_bytes(_unb64(str(fields["ephemeral"])))
            salt, self._prefix = _unb64(str(fields["salt"])), _unb64(str(fields["nonce_prefix"]))
            self._limit = int(fields["segment"]) + _TAG_BYTES
        except (KeyError, TypeError, ValueError) as exc:
            raise SealedError("the header is incomplete") from exc
        if len(self._prefix) != 8 or not 0 < self._limit <= 16 * 1024 * 1024:
            raise SealedError("the header's parameters are out of range")
        try:
            shared = private.exchange(ephemeral)
        except ValueError as exc:  # a low-order ephemeral key: no shared secret exists
            raise SealedError("the header's ephemeral key is not usable") from exc
        self._aes = AESGCM(_key(shared, salt, line))
        self._source = source
        self._buffer = b""
        self._index = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def _next_segment(self) -> None:
        length_bytes = self._source.read(_LENGTH.size)
        if len(length_bytes) != _LENGTH.size:
            raise SealedError("the file ends before its last segment (truncated)")
        (length,) = _LENGTH.unpack(length_bytes)
        if not _TAG_BYTES <= length <= self._limit:
            raise SealedError("a segment's length is out of range (damaged)")
        sealed = self._source.read(length)
        if len(sealed) != length:
            raise SealedError("the file ends inside a segment (truncated)")
        nonce = self._prefix + struct.pack(">I", self._index)
        for last in (False, True):
            try:
                self._buffer = self._aes.decrypt(nonce, sealed, _aad(self._index, last))
            except InvalidTag:
                continue
            self._index += 1
            if last:
                self._done = True
                if self._source.read(1):
                    raise SealedError("bytes after the last segment (damaged)")
            return
        raise SealedError("a segment does not authenticate (damaged or another key)")

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        while not self._buffer and not self._done:
            self._next_segment()
        n = min(len(view), len(self._buffer))
        view[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n
