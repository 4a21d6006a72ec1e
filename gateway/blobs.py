"""Where the gateway keeps the files of the dossiers it received: a content-addressed blob store.

A file is named after its SHA-256 (``sha256/<hex>``), checked against the dossier's manifest
before it gets that name, so the name says what the bytes are wherever they live: a directory on
this machine, one that several gateway replicas share (NFS, a cluster file system), or an
S3-compatible bucket added later as one more class with the same object names, without touching
the database (the metadata holds names, never paths). Two dossiers with the same scan share one
object.

Uploads still in progress stay beside it on the same shared storage (``uploads/`` in the data
directory, ``gateway.tus``): a PATCH resumed on another replica appends to the same partial file,
and a finished one becomes a blob by a rename on the same file system, not by a copy. Files are
streamed in and out in blocks, never loaded whole.

The files received before this store existed keep their place under ``dossiers/``; their
recorded names are paths relative to the data directory and are still found (``locate``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from dvc_common.atomic import fsync_directory

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
PREFIX = "sha256/"
BLOCK = 1 << 16


class BlobError(Exception):
    """A blob name that is not one, or storage that failed; the message says which."""


def blob_name(sha256: str) -> str:
    """The object name of the bytes whose SHA-256 is ``sha256`` (lower-case hex)."""
    if not SHA256_HEX.fullmatch(sha256):
        raise BlobError(f"{sha256!r} is not a SHA-256 in lower-case hex")
    return PREFIX + sha256


class BlobStore(Protocol):
    """The received files of dossiers, by object name."""

    def adopt(self, source: Path, sha256: str) -> str:
        """Take the finished file at ``source`` (on the same storage as the uploads, its
        SHA-256 already checked by the caller) as the blob ``sha256``; ``source`` is gone
        afterwards. A blob that exists already is kept and ``source`` dropped. Durable once it
        returns. Returns the object name."""
        ...

    def exists(self, name: str) -> bool: ...

    def size(self, name: str) -> int:
        """The blob's size in bytes (BlobError if there is no such blob)."""
        ...

    def open(self, name: str) -> BinaryIO:
        """The blob's bytes, to be read in blocks (BlobError if there is no such blob)."""
        ...


class DirectoryBlobStore:
    """Blobs as files under ``<data dir>/blobs/sha256/ab/cd/<hex>``: a directory one machine
    or several replicas share. Two levels of fan-out keep directories small (a province
    receives a few million files a year)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.root = data_dir / "blobs"  # made as blobs arrive: a listing creates nothing

    def locate(self, name: str) -> Path:
        """The file holding blob ``name``; a recorded name from before the blob store (a path
        under ``dossiers/``) is that path."""
        if name.startswith(PREFIX):
            digest = name.removeprefix(PREFIX)
            if not SHA256_HEX.fullmatch(digest):
                raise BlobError(f"{name!r} is not a blob name")
            return self.root / "sha256" / digest[:2] / digest[2:4] / digest
        legacy = Path(name)
        if legacy.is_absolute() or ".." in legacy.parts or legacy.parts[:1] != ("dossiers",):
            raise BlobError(f"{name!r} is not a blob name")
        return self.data_dir / legacy

    def adopt(self, source: Path, sha256: str) -> str:
        name = blob_name(sha256)
        target = self.locate(name)
        if target.exists():
            # The same bytes arrived before (another dossier, or this completion redone after
            # a crash between the rename and the database): one copy is enough.
            source.unlink(missing_ok=True)
            return name
        target.parent.mkdir(parents=True, exist_ok=True)
        source.replace(target)
        fsync_directory(target.parent)
        return name

    def exists(self, name: str) -> bool:
        return self.locate(name).is_file()

    def size(self, name: str) -> int:
        try:
            return self.locate(name).stat().st_size
        except FileNotFoundError:
            raise BlobError(f"no blob {name}") from None

    def open(self, name: str) -> BinaryIO:
        try:
            return self.locate(name).open("rb")
        except FileNotFoundError:
            raise BlobError(f"no blob {name}") from None


def read_blocks(blobs: BlobStore, name: str) -> Iterator[bytes]:
    """The blob's bytes in blocks, for a streamed response or a digest."""
    with blobs.open(name) as handle:
        while block := handle.read(BLOCK):
            yield block
