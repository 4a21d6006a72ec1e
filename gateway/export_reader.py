"""Reading a kiosk's USB export at the gateway: the sealed file opened with the gateway's X25519
key (``dvc_common.sealed``), the tar stream inside it read in one pass (``dvc_common.
export_format``), every file checked against the SHA-256 and size its dossier body declares.

Nothing here stores a dossier: ``ExportReader`` yields each dossier as it was found, with its
files checked and, when asked, copied to a staging directory (streamed in blocks, never held in
memory whole), and ``gateway.imports`` hands them to the gateway's intake.

Two kinds of trouble, kept apart:

* the *file* is unusable (``ExportRefusedError``): it does not open with this gateway's key, a
  segment does not authenticate (a flipped bit, a truncated copy), the archive has members the
  format does not have, is out of order or ends early. The whole file is refused;
* one *dossier* is unusable (its ``problem``): its dossier.json is not a valid body, or a file
  does not match its body's size or SHA-256. That dossier is refused, the others are not.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, Final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import ValidationError

from dvc_common.export_format import (
    MANIFEST_NAME,
    ExportedDossier,
    ExportManifest,
    dossier_member,
    parse_member,
)
from dvc_common.sealed import SealedError, SealReader
from gateway.models import DossierCreate, FileManifest, canonical_uuid, field_problems
from gateway.settings import MAX_BODY_BYTES

# 10,000 dossiers of some 120 characters each; a manifest larger than this is not an export.
MAX_MANIFEST_BYTES: Final = 4 * 1024 * 1024
_BLOCK: Final = 1 << 20


class ExportRefusedError(Exception):
    """The export file as a whole cannot be imported; the message says why, for an operator."""


@dataclass(frozen=True)
class ExportedFile:
    """One file of a dossier as found in the export: checked against its body, and where it was
    staged (None when it was not asked for, or the dossier has a problem)."""

    name: str
    size: int
    sha256: str
    staged: Path | None


@dataclass
class FoundDossier:
    """One dossier of the export, read through to its last file."""

    client_uuid: str
    receipt_number: str
    body: Any  # the parsed dossier.json, exactly as the kiosk would POST it
    files: list[ExportedFile] = field(default_factory=list)
    problem: str | None = None
    staging: Path | None = None  # the directory its files were staged in

    def discard(self) -> None:
        """Remove whatever was staged for this dossier."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None


def _not_json(name: str) -> Any:
    # NaN and Infinity: Python reads them, JSON (and the network's intake) does not.
    raise ValueError(f"{name} is not JSON")


def _copy(source: IO[bytes], target: BinaryIO | None, limit: int) -> tuple[int, str]:
    """Stream ``source`` (at most ``limit`` + 1 bytes) into ``target``; its size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    while size <= limit and (block := source.read(min(_BLOCK, limit + 1 - size))):
        digest.update(block)
        size += len(block)
        if target is not None:
            target.write(block)
    return size, digest.hexdigest()


class ExportReader:
    """One pass over an export: ``manifest`` once it is read, then ``dossiers()``.

    ``stage(client_uuid)`` says whether a dossier's files are wanted (a dossier the gateway
    already registered is only checked); staged files go to a new directory under
    ``staging_dir`` (None: nothing is staged, the pass only checks). The caller removes a
    dossier's staging directory (``FoundDossier.discard``) once done with it.
    """

    def __init__(
        self,
        source: BinaryIO,
        key: X25519PrivateKey,
        *,
        staging_dir: Path | None = None,
        stage: Callable[[str], bool] = lambda client_uuid: True,
    ) -> None:
        self._source = source
        self._key = key
        self._staging_dir = staging_dir
        self._stage = stage
        self._sealed: SealReader | None = None
        self._tar: tarfile.TarFile | None = None
        self.manifest: ExportManifest | None = None

    def dossiers(self) -> Generator[FoundDossier, None, None]:
        """Each dossier in the manifest's order; ExportRefusedError at the first sign that the
        file is not a whole, intact export (the dossiers yielded before it were intact)."""
        try:
            yield from self._read()
        except SealedError as exc:
            raise ExportRefusedError(f"the sealed file cannot be opened: {exc}") from None
        except tarfile.TarError as exc:
            raise ExportRefusedError(f"the archive inside is damaged: {exc}") from None
        except (OSError, EOFError) as exc:
            raise ExportRefusedError(f"the file cannot be read: {exc}") from None

    def _read(self) -> Iterator[FoundDossier]:
        self._sealed = SealReader(self._source, self._key)
        with tarfile.open(fileobj=self._sealed, mode="r|") as self._tar:
            self.manifest = self._manifest()
            for entry in self.manifest.dossiers:
                yield self._dossier(entry)
            extra = self._next()
            if extra is not None:
                raise ExportRefusedError(
                    f"the archive holds {extra.name!r} after the dossiers its manifest lists"
                )
        # The archive's end is not the file's: the sealed stream must end with its last
        # segment, or a truncated copy whose cut falls in the archive's padding would pass.
        while self._sealed.read(_BLOCK):
            pass

    def _next(self) -> tarfile.TarInfo | None:
        assert self._tar is not None
        member = self._tar.next()
        # tarfile keeps every member it has read for random access, which a stream never
        # needs: forgetting them keeps memory flat across thousands of files.
        self._tar.members = []  # type: ignore[attr-defined]  # not in typeshed's TarFile
        return member

    def _member(self, expected: str) -> tarfile.TarInfo:
        member = self._next()
        if member is None:
            raise ExportRefusedError(f"the archive ends before {expected}")
        if not member.isreg():
            raise ExportRefusedError(f"{member.name!r} is not a regular file")
        return member

    def _read_small(self, member: tarfile.TarInfo, limit: int) -> bytes:
        assert self._tar is not None
        if member.size > limit:
            raise ExportRefusedError(f"{member.name} is {member.size} bytes, more than {limit}")
        handle = self._tar.extractfile(member)
        assert handle is not None  # a regular file always has its bytes
        return handle.read()

    def _manifest(self) -> ExportManifest:
        member = self._member(MANIFEST_NAME)
        if member.name != MANIFEST_NAME:
            raise ExportRefusedError(f"the archive starts with {member.name!r}, not the manifest")
        try:
            return ExportManifest.model_validate_json(self._read_small(member, MAX_MANIFEST_BYTES))
        except ValidationError as exc:
            where = ", ".join(p.field for p in field_problems(exc))
            raise ExportRefusedError(f"the manifest is not valid ({where})") from None

    def _dossier(self, entry: ExportedDossier) -> FoundDossier:
        name = dossier_member(entry.client_uuid)
        member = self._member(name)
        if member.name != name:
            raise ExportRefusedError(f"expected {name}, found {member.name!r}")
        found = FoundDossier(entry.client_uuid, entry.receipt_number, None)
        declared = self._declared_files(found, self._read_small(member, MAX_BODY_BYTES), entry)
        wanted = found.problem is None and self._staging_dir is not None
        if wanted and self._stage(entry.client_uuid):
            assert self._staging_dir is not None
            self._staging_dir.mkdir(parents=True, exist_ok=True)
            found.staging = Path(tempfile.mkdtemp(prefix="dossier-", dir=self._staging_dir))
        try:
            for position in range(entry.files):
                self._file(found, position, declared[position] if declared else None)
        except BaseException:
            found.discard()
            raise
        if found.problem is not None:
            found.discard()
            found.files = []
        return found

    def _declared_files(
        self, found: FoundDossier, raw: bytes, entry: ExportedDossier
    ) -> list[FileManifest] | None:
        """The files the dossier body lists, in order; None (and the dossier's problem) if the
        body cannot say."""
        try:
            found.body = json.loads(raw.decode("utf-8"), parse_constant=_not_json)
            body = DossierCreate.model_validate(found.body)
        except (UnicodeDecodeError, ValueError) as exc:
            if isinstance(exc, ValidationError):
                where = ", ".join(sorted({p.field for p in field_problems(exc)}))
                found.problem = f"its dossier.json is not a valid dossier body ({where})"
            else:
                found.problem = "its dossier.json is not JSON in UTF-8"
            return None
        declared = [f for document in body.documents for f in document.files]
        if canonical_uuid(body.client_uuid) != entry.client_uuid:
            found.problem = "its dossier.json names another client_uuid than its place"
        elif body.receipt_number != entry.receipt_number:
            found.problem = "its dossier.json names another receipt number than the manifest"
        elif len(declared) != entry.files:
            found.problem = (
                f"the manifest says {entry.files} files follow, its body lists {len(declared)}"
            )
        return None if found.problem else declared

    def _file(self, found: FoundDossier, position: int, declared: FileManifest | None) -> None:
        assert self._tar is not None
        member = self._member(f"file {position + 1} of dossier {found.client_uuid}")
        parsed = parse_member(member.name)
        if parsed is None:
            # An archive must not name where its bytes go (../, absolute paths, anything else).
            raise ExportRefusedError(f"{member.name!r} is not a name the export format has")
        if parsed[0] != found.client_uuid or parsed[1] is None:
            raise ExportRefusedError(
                f"{member.name!r} is not a file of dossier {found.client_uuid}"
            )
        if declared is None or found.problem is not None:
            return  # the dossier is refused already: its bytes are skipped, not read
        if parsed[1] != declared.name:
            found.problem = (
                f"file {position + 1} is {parsed[1]!r}, its body lists {declared.name!r}"
            )
            return
        if member.size != declared.size:
            found.problem = f"{declared.name} is {member.size} bytes, its body says {declared.size}"
            return
        source = self._tar.extractfile(member)
        assert source is not None
        staged = None
        if found.staging is not None:
            staged = found.staging / f"{position:04d}"
            with staged.open("xb") as target:
                size, sha256 = _copy(source, target, declared.size)
                target.flush()
                # The staged file becomes the stored file by renames only: its bytes must be on
                # the disk before the database says the file is complete.
                os.fsync(target.fileno())
        else:
            size, sha256 = _copy(source, None, declared.size)
        if size != declared.size or sha256 != declared.sha256:
            found.problem = f"{declared.name} does not match the SHA-256 its body declares"
            return
        found.files.append(ExportedFile(declared.name, size, sha256, staged))
