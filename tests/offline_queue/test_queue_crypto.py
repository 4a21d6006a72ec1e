"""Encryption at rest: segmented page files, sealed blobs, the master key."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offline_queue import crypto
from offline_queue.crypto import (
    SEGMENT_BYTES,
    CryptoError,
    EncryptedReader,
    create_master_key,
    encrypt_file,
    encrypted_size,
    load_master_key,
    new_dossier_key,
    open_sealed,
    seal,
    verify_file,
)


def encrypted(tmp_path: Path, data: bytes, key: bytes, context: str = "file:u:0") -> Path:
    source = tmp_path / "page.png"
    source.write_bytes(data)
    target = tmp_path / "page.bin"
    size, digest = encrypt_file(source, target, key, context)
    assert size == len(data)
    assert digest == hashlib.sha256(data).hexdigest()
    return target


@pytest.mark.parametrize(
    "size", [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES + 7]
)
def test_round_trip_at_segment_boundaries(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    key = new_dossier_key()
    path = encrypted(tmp_path, data, key)
    assert path.stat().st_size == encrypted_size(size)
    with EncryptedReader(path, key, "file:u:0") as reader:
        assert reader.size == size
        assert reader.read() == data
    verify_file(path, key, "file:u:0", hashlib.sha256(data).hexdigest(), size)


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(min_value=0, max_value=4 * SEGMENT_BYTES),
    seeks=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3 * SEGMENT_BYTES)), max_size=6),
)
def test_random_seeks_read_the_plaintext(
    tmp_path_factory: pytest.TempPathFactory, size: int, seeks: list[tuple[float, int]]
) -> None:
    tmp = tmp_path_factory.mktemp("seek")
    data = os.urandom(size)
    key = new_dossier_key()
    path = encrypted(tmp, data, key)
    with EncryptedReader(path, key, "file:u:0") as reader:
        for fraction, length in seeks:
            position = int(fraction * size)
            reader.seek(position)
            assert reader.read(length) == data[position : position + length]
            assert reader.tell() == min(size, position + length)


def test_plaintext_never_reaches_the_disk(tmp_path: Path) -> None:
    marker = "NGUYỄN VĂN BÍ MẬT 049158000123".encode()
    path = encrypted(tmp_path, marker * 5000, new_dossier_key())
    assert marker not in path.read_bytes()
    assert b"049158000123" not in path.read_bytes()


def test_tampering_truncation_and_wrong_keys_are_detected(tmp_path: Path) -> None:
    data = os.urandom(3 * SEGMENT_BYTES)
    key = new_dossier_key()
    path = encrypted(tmp_path, data, key)
    original = path.read_bytes()

    flipped = bytearray(original)
    flipped[len(original) // 2] ^= 0x01
    path.write_bytes(bytes(flipped))
    with pytest.raises(CryptoError, match="corrupt"), EncryptedReader(path, key, "file:u:0") as r:
        r.read()

    path.write_bytes(original[: -SEGMENT_BYTES // 2])
    with pytest.raises(CryptoError), EncryptedReader(path, key, "file:u:0") as r:
        r.read()

    path.write_bytes(original)
    with pytest.raises(CryptoError), EncryptedReader(path, new_dossier_key(), "file:u:0") as r:
        r.read(10)
    # A file moved under another dossier or index does not decrypt either.
    with pytest.raises(CryptoError), EncryptedReader(path, key, "file:u:1") as r:
        r.read(10)
    path.write_bytes(b"garbage")
    with pytest.raises(CryptoError, match="truncated header"):
        EncryptedReader(path, key, "file:u:0")


def test_verify_file_checks_size_and_digest(tmp_path: Path) -> None:
    data = b"page" * 1000
    key = new_dossier_key()
    path = encrypted(tmp_path, data, key)
    with pytest.raises(CryptoError, match="SHA-256"):
        verify_file(path, key, "file:u:0", "0" * 64, len(data))
    with pytest.raises(CryptoError, match="size"):
        verify_file(path, key, "file:u:0", hashlib.sha256(data).hexdigest(), len(data) + 1)


def test_failed_encryption_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "p.png"
    source.write_bytes(b"x" * 1000)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(crypto.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        encrypt_file(source, tmp_path / "p.bin", new_dossier_key(), "c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.png"]


def test_sealed_blobs() -> None:
    key = new_dossier_key()
    sealed = seal(key, b'{"name": "TR\\u1ea6N"}', "body:u")
    assert open_sealed(key, sealed, "body:u") == b'{"name": "TR\\u1ea6N"}'
    with pytest.raises(CryptoError):
        open_sealed(key, sealed, "body:other")
    with pytest.raises(CryptoError):
        open_sealed(new_dossier_key(), sealed, "body:u")


def test_master_key_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master.key"
    with pytest.raises(FileNotFoundError):
        load_master_key(path)
    key = create_master_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_master_key(path) == key
    wrapped = key.wrap(b"k" * 32, "key:u")
    assert key.unwrap(wrapped, "key:u") == b"k" * 32
    with pytest.raises(CryptoError):
        key.unwrap(wrapped, "key:other")
    path.chmod(0o644)
    load_master_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_bytes(b"short")
    with pytest.raises(CryptoError, match="32-byte"):
        load_master_key(path)


def test_creating_a_master_key_never_replaces_one(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    first = create_master_key(path)
    # A second creator (another process racing on a fresh kiosk) gets the existing key.
    assert create_master_key(path) == first
    assert load_master_key(path) == first
    assert [p.name for p in tmp_path.iterdir()] == ["master.key"]
