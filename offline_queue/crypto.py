"""Encryption at rest for queued dossiers.

Each dossier gets its own random 256-bit key. Its JSON body and its page files are encrypted with
that key (AES-GCM); the key itself is stored in the database only wrapped by the kiosk's master
key, which lives in a separate 0600 file. Erasing a dossier destroys its wrapped key: flash
storage does not reliably overwrite data in place, but without the key the ciphertext left
behind is noise (crypto-erase).

Page files use a segmented format so that an upload can resume at any byte offset without
decrypting the whole file, and so that memory stays bounded: each 64 KiB segment is sealed on its
own with a nonce made of a random per-file prefix and the segment number, and the header
(including the plaintext size) is authenticated with every segment, so truncation, reordering
and tampering are all detected.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dvc_common.atomic import fsync_directory

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
SEGMENT_BYTES = 64 * 1024
_MAGIC = b"KQF1"
_HEADER = struct.Struct(">4sIQ8s")  # magic, segment size, plaintext size, nonce prefix


class CryptoError(Exception):
    """Data could not be decrypted: wrong key, corrupted or truncated ciphertext."""


@dataclass(frozen=True)
class MasterKey:
    """The kiosk's key-encryption key."""

    key: bytes

    @property
    def fingerprint(self) -> str:
        """Identifies the key without revealing it (stored to detect a swapped key file)."""
        return hashlib.sha256(b"kiosk-master-key-id:" + self.key).hexdigest()[:16]

    def wrap(self, dossier_key: bytes, context: str) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + AESGCM(self.key).encrypt(nonce, dossier_key, context.encode())

    def unwrap(self, wrapped: bytes, context: str) -> bytes:
        try:
            return AESGCM(self.key).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context.encode()
            )
        except (InvalidTag, ValueError):
            raise CryptoError("dossier key cannot be unwrapped with this master key") from None


def load_master_key(path: Path) -> MasterKey:
    """Read the master key file; FileNotFoundError when absent, CryptoError when damaged."""
    data = path.read_bytes()
    if len(data) != KEY_BYTES:
        raise CryptoError(f"master key file {path} is not a {KEY_BYTES}-byte key")
    if path.stat().st_mode & 0o077:
        # Readable by others: tighten rather than refuse, the key may already be exposed though.
        path.chmod(0o600)
    return MasterKey(data)


def create_master_key(path: Path) -> MasterKey:
    """Create a new master key file (0600, durably), never replacing one that exists.

    The key is written to a temporary file and linked into place: ``link`` fails if the name
    exists, so two processes racing on a fresh kiosk cannot each believe their own key won.
    The loser reads the winner's key.
    """
    data = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return load_master_key(path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_directory(path.parent)
    return MasterKey(data)


def new_dossier_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, context: str) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())


def open_sealed(key: bytes, sealed: bytes, context: str) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context.encode())
    except (InvalidTag, ValueError):
        raise CryptoError(f"cannot decrypt {context}") from None


# --- segmented files ----------------------------------------------------------------------------


def encrypted_size(plaintext_size: int) -> int:
    segments = max(1, -(-plaintext_size // SEGMENT_BYTES))
    return _HEADER.size + plaintext_size + segments * TAG_BYTES


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def encrypt_file(source: Path, target: Path, key: bytes, context: str) -> tuple[int, str]:
    """Encrypt ``source`` into ``target`` durably (temp, fsync, rename, fsync dir).

    Returns the plaintext size and SHA-256, computed on the bytes actually encrypted, so what is
    announced to the gateway is exactly what will be uploaded.
    """
    size = source.stat().st_size
    prefix = secrets.token_bytes(8)
    header = _HEADER.pack(_MAGIC, SEGMENT_BYTES, size, prefix)
    aad = header + context.encode()
    cipher = AESGCM(key)
    digest = hashlib.sha256()
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with source.open("rb") as src, tmp.open("wb") as out:
            out.write(header)
            total = 0
            # An empty file still gets one (empty) sealed segment, so it is authenticated too.
            for index in range(max(1, -(-size // SEGMENT_BYTES))):
                segment = src.read(SEGMENT_BYTES)
                digest.update(segment)
                total += len(segment)
                out.write(cipher.encrypt(_nonce(prefix, index), segment, aad))
            out.flush()
            os.fsync(out.fileno())
        if total != size or source.stat().st_size != size:
            raise OSError(f"{source.name} changed size while it was being queued")
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)
    return size, digest.hexdigest()


class EncryptedReader(io.RawIOBase):
    """A seekable, read-only view of the plaintext of an encrypted page file.

    Holds one decrypted segment at a time, so memory stays at 64 KiB whatever the file size.
    """

    def __init__(self, path: Path, key: bytes, context: str) -> None:
        super().__init__()
        self._file: BinaryIO = path.open("rb")
        header = self._file.read(_HEADER.size)
        try:
            magic, segment, size, prefix = _HEADER.unpack(header)
        except struct.error:
            self._file.close()
            raise CryptoError(f"{path.name}: truncated header") from None
        if magic != _MAGIC or segment <= 0:
            self._file.close()
            raise CryptoError(f"{path.name}: not an encrypted page file")
        self._segment: int = segment
        self._size: int = size
        self._prefix: bytes = prefix
        self._aad = header + context.encode()
        self._cipher = AESGCM(key)
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None
        self._name = path.name

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base: int = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        position = base + offset
        if position < 0:
            raise ValueError("negative seek position")
        self._pos = position
        return position

    def _load(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        stride = self._segment + TAG_BYTES
        self._file.seek(_HEADER.size + index * stride)
        sealed = self._file.read(stride)
        try:
            plain = self._cipher.decrypt(_nonce(self._prefix, index), sealed, self._aad)
        except (InvalidTag, ValueError):
            raise CryptoError(f"{self._name}: segment {index} is corrupt") from None
        last = max(0, (self._size - 1) // self._segment)
        expected = self._segment if index < last else self._size - last * self._segment
        if len(plain) != expected:
            raise CryptoError(f"{self._name}: segment {index} has the wrong length")
        self._cached = (index, plain)
        return plain

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._size - self._pos
        out = bytearray()
        while size > 0 and self._pos < self._size:
            index, within = divmod(self._pos, self._segment)
            chunk = self._load(index)[within : within + size]
            out += chunk
            self._pos += len(chunk)
            size -= len(chunk)
        return bytes(out)

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._file.close()
        self._cached = None
        super().close()


def verify_file(path: Path, key: bytes, context: str, sha256: str, size: int) -> None:
    """Decrypt a whole page file and check it against its manifest entry; raises CryptoError."""
    digest = hashlib.sha256()
    with EncryptedReader(path, key, context) as reader:
        if reader.size != size:
            raise CryptoError(f"{path.name}: size {reader.size}, manifest says {size}")
        while chunk := reader.read(SEGMENT_BYTES):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        raise CryptoError(f"{path.name}: content does not match its SHA-256")
