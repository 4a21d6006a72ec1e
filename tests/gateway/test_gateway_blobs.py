"""The content-addressed blob store the gateway keeps received files in (gateway.blobs): names
from digests, moves not copies, one object for equal bytes, and no name that escapes it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from gateway.blobs import BLOCK, BlobError, DirectoryBlobStore, blob_name, read_blocks


def finished(folder: Path, data: bytes, name: str = "u_1.part") -> tuple[Path, str]:
    path = folder / "uploads" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def test_a_finished_upload_becomes_the_blob_named_by_its_digest(tmp_path: Path) -> None:
    blobs = DirectoryBlobStore(tmp_path)
    source, digest = finished(tmp_path, b"%PDF-1.7 page")

    name = blobs.adopt(source, digest)

    assert name == f"sha256/{digest}"
    where = blobs.locate(name)
    assert where == tmp_path / "blobs" / "sha256" / digest[:2] / digest[2:4] / digest
    assert where.read_bytes() == b"%PDF-1.7 page"
    assert not source.exists()  # moved, not copied
    assert blobs.exists(name) and blobs.size(name) == 13


def test_equal_bytes_from_two_dossiers_are_one_object(tmp_path: Path) -> None:
    blobs = DirectoryBlobStore(tmp_path)
    first, digest = finished(tmp_path, b"same scan", "u_1.part")
    second, _ = finished(tmp_path, b"same scan", "u_2.part")

    assert blobs.adopt(first, digest) == blobs.adopt(second, digest)
    assert not second.exists()
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == [
        blobs.locate(blob_name(digest))
    ]


def test_a_large_blob_is_read_back_in_blocks(tmp_path: Path) -> None:
    blobs = DirectoryBlobStore(tmp_path)
    data = bytes(range(256)) * (3 * BLOCK // 256 + 7)
    source, digest = finished(tmp_path, data)
    name = blobs.adopt(source, digest)

    blocks = list(read_blocks(blobs, name))

    assert len(blocks) == 4 and max(len(b) for b in blocks) == BLOCK
    assert b"".join(blocks) == data


def test_a_file_received_before_the_blob_store_is_still_found(tmp_path: Path) -> None:
    old = tmp_path / "dossiers" / "d_1" / "f_1.pdf"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"old")
    blobs = DirectoryBlobStore(tmp_path)

    assert blobs.locate("dossiers/d_1/f_1.pdf") == old
    assert blobs.size("dossiers/d_1/f_1.pdf") == 3


@pytest.mark.parametrize(
    "name",
    ["sha256/abc", "sha256/" + "A" * 64, "../keys/signing.key", "/etc/passwd",
     "dossiers/../keys/signing.key", "uploads/u_1.part", "md5/" + "0" * 32],
)  # fmt: skip
def test_a_name_that_is_no_blob_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(BlobError, match="not a blob name"):
        DirectoryBlobStore(tmp_path).locate(name)


def test_a_missing_blob_is_a_blob_error(tmp_path: Path) -> None:
    blobs = DirectoryBlobStore(tmp_path)
    name = blob_name("0" * 64)
    assert not blobs.exists(name)
    with pytest.raises(BlobError, match="no blob"):
        blobs.size(name)
    with pytest.raises(BlobError, match="no blob"):
        blobs.open(name)


def test_only_a_sha256_in_lower_case_hex_names_a_blob() -> None:
    with pytest.raises(BlobError):
        blob_name("F" * 64)
    assert blob_name("f" * 64) == "sha256/" + "f" * 64
