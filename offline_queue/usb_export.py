"""The technician's USB export of unsent dossiers: one sealed file on a stick, carried to the
gateway when the kiosk cannot reach it, and imported there exactly as if the kiosk had synced.

``export_unsent`` writes ``<kiosk>-<yyyymmdd-hhmmss>.dvcexport`` (``dvc_common.export_format``):
a tar stream sealed to the gateway's X25519 key (``dvc_common.sealed``), so a lost stick
discloses nothing; the seal's clear header says only which kiosk, when and how many. Inside,
``manifest.json``, then per dossier the body the sync would POST to create it and its page files,
decrypted from the outbox and streamed in segments (memory stays bounded whatever the sizes),
each checked against its SHA-256 on the way.

A stick is pulled, fills up or fails at any moment, so the file is written under a hidden
temporary name, fsynced, and only then renamed to its final name: a file with the final name is
always complete. On any failure the temporary file is removed, nothing in the outbox changes, and
``ExportError`` says why as an ``ExportProblem``. On success each exported dossier is marked
(``QueueStore.mark_exported``, schema version 2) in the same transaction that renames the file.
The mark is a note, not a state: the dossier keeps its status and keeps syncing until the gateway
acknowledges it (the gateway stores a dossier that arrives both ways once, by its client UUID).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import logging
import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, Final, cast

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from pydantic import ValidationError

from dvc_common.atomic import fsync_directory
from dvc_common.export_format import (
    MANIFEST_NAME,
    ExportedDossier,
    ExportManifest,
    dossier_member,
    export_file_name,
    file_member,
    parse_member,
)
from dvc_common.privacy import mask_digits_in
from dvc_common.sealed import SealWriter
from dvc_common.trust import TrustError, sealing_public_key
from offline_queue.crypto import CryptoError, EncryptedReader
from offline_queue.errors import StoreError
from offline_queue.records import DossierRow, FileRow, QueueStatus
from offline_queue.store import QueueStore

log = logging.getLogger(__name__)

# Not yet acknowledged by the gateway: everything but SUBMITTED (the gateway issued the official
# code). A dossier that needs attention was refused or is unreadable, but it is still unsent.
UNSENT: Final = (
    QueueStatus.QUEUED,
    QueueStatus.UPLOADING,
    QueueStatus.UPLOADED,
    QueueStatus.NEEDS_ATTENTION,
)
MAX_DOSSIERS: Final = 10_000  # ExportManifest.dossiers' bound
PARTIAL_SUFFIX: Final = ".partial"
# What the archive and the seal add around the pages, per member, at most (tar header and PAX
# header, padding, a sealed segment's length and tag): for the free-space check only.
_MEMBER_OVERHEAD: Final = 3 * 512
_BODY_ALLOWANCE: Final = 64 * 1024


class ExportProblem(StrEnum):
    """Why an export wrote nothing; the technician screen and the CLI word each one."""

    NO_SEALING_KEY = "no_sealing_key"  # not enrolled: gateway.sealing_key is empty
    BAD_SEALING_KEY = "bad_sealing_key"  # gateway.sealing_key is not an x25519: key
    NOTHING_TO_EXPORT = "nothing_to_export"  # every dossier was acknowledged by the gateway
    UNKNOWN_DOSSIER = "unknown_dossier"  # a selected id names no dossier of this outbox
    ALREADY_DELIVERED = "already_delivered"  # a selected dossier the gateway acknowledged
    TOO_MANY = "too_many"  # more than one export can carry: select some
    NOT_IN_FORMAT = "not_in_format"  # a name or number the export format cannot carry
    TARGET_MISSING = "target_missing"  # the stick's directory is not there (or went away)
    TARGET_READ_ONLY = "target_read_only"
    DISK_FULL = "disk_full"  # the stick is full
    TARGET_FAILED = "target_failed"  # any other write error (a failing or pulled stick)
    FILE_EXISTS = "file_exists"  # an export of the same second is already on the stick
    DOSSIER_UNREADABLE = "dossier_unreadable"  # a dossier's copy failed its integrity check
    OUTBOX_UNAVAILABLE = "outbox_unavailable"  # the outbox database could not be used now


class ExportError(Exception):
    """The export wrote nothing and changed nothing; ``problem`` says why, ``receipt_number``
    which dossier when one is to blame. The message holds no personal data."""

    def __init__(
        self, problem: ExportProblem, detail: str = "", *, receipt_number: str | None = None
    ) -> None:
        self.problem = problem
        self.detail = mask_digits_in(detail)
        self.receipt_number = receipt_number
        where = f" ({receipt_number})" if receipt_number else ""
        super().__init__(f"{problem.value}{where}{': ' + self.detail if self.detail else ''}")


@dataclass(frozen=True)
class ExportReport:
    """What a successful export wrote."""

    path: Path
    dossiers: int
    files: int
    file_bytes: int  # the pages' plaintext bytes carried
    bytes_written: int  # the sealed file's size on the stick
    sha256: str  # of the sealed file as written
    receipt_numbers: tuple[str, ...]
    skipped_quarantined: tuple[str, ...] = ()  # unreadable copies left out of "all unsent"

    @property
    def file_name(self) -> str:
        return self.path.name


# --- where errors come from -------------------------------------------------------------------


class _SourceError(Exception):
    """The outbox's copy of a dossier failed (never the stick's fault)."""

    def __init__(self, row: DossierRow, detail: str) -> None:
        super().__init__(detail)
        self.row = row


class _TargetError(Exception):
    """Writing to the stick failed (never the outbox's fault)."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(exc.strerror or str(exc))
        self.errno = exc.errno


def _target_problem(code: int | None) -> ExportProblem:
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return ExportProblem.DISK_FULL
    if code in (errno.ENOENT, errno.ENOTDIR, errno.ENODEV, errno.ENXIO, errno.ESTALE):
        return ExportProblem.TARGET_MISSING
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ExportProblem.TARGET_READ_ONLY
    if code == errno.EEXIST:
        return ExportProblem.FILE_EXISTS
    return ExportProblem.TARGET_FAILED


def _target_error(exc: OSError) -> ExportError:
    return ExportError(_target_problem(exc.errno), exc.strerror or type(exc).__name__)


class _Target:
    """The sealed file on the stick, as the seal writes it: every byte counted and hashed (the
    report's SHA-256 is of what was written, not read back), every error the stick's. After
    ``discard`` writes go nowhere, so an abandoned archive can be closed without raising."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._hash = hashlib.sha256()
        self.size = 0
        self._discard = False

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        if self._discard:
            return len(view)
        done = 0
        while done < len(view):
            try:
                written = os.write(self._fd, view[done:])
            except OSError as exc:
                raise _TargetError(exc) from exc
            if written <= 0:  # a regular file that takes nothing is a full one
                raise _TargetError(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
            done += written
        self._hash.update(view)
        self.size += len(view)
        return len(view)

    def flush(self) -> None:
        """Nothing is buffered here; durability is ``sync``'s."""

    def sync(self) -> None:
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise _TargetError(exc) from exc

    def discard(self) -> None:
        self._discard = True

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class _CheckedPage:
    """A page's plaintext as the archive reads it: decrypted segment by segment, hashed on the
    way, and refused the moment it comes up short, runs long, or its SHA-256 is not the one
    declared, before the last of its bytes reach the archive."""

    def __init__(self, row: DossierRow, file: FileRow, reader: EncryptedReader) -> None:
        self._row = row
        self._file = file
        self._reader = reader
        self._hash = hashlib.sha256()
        self._seen = 0

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._reader.read(size)
        except (OSError, CryptoError) as exc:
            raise _SourceError(self._row, f"page {self._file.idx}: {exc}") from exc
        self._seen += len(data)
        self._hash.update(data)
        if not data and self._seen < self._file.size:
            raise _SourceError(self._row, f"page {self._file.idx} is shorter than recorded")
        if self._seen > self._file.size:
            raise _SourceError(self._row, f"page {self._file.idx} is longer than recorded")
        if self._seen == self._file.size and self._hash.hexdigest() != self._file.sha256:
            raise _SourceError(self._row, f"page {self._file.idx} fails its SHA-256 check")
        return data


# --- choosing and checking what goes ------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    row: DossierRow
    files: list[FileRow]


def _recipient(text: str) -> X25519PublicKey:
    if not text.strip():
        raise ExportError(
            ExportProblem.NO_SEALING_KEY,
            "gateway.sealing_key is not set: enrol the kiosk first",
        )
    try:
        return sealing_public_key(text)
    except TrustError as exc:
        raise ExportError(ExportProblem.BAD_SEALING_KEY, str(exc)) from exc


def _chosen(
    store: QueueStore, select: Sequence[str] | None
) -> tuple[list[DossierRow], list[DossierRow]]:
    """(the dossiers to export, oldest first; the unreadable ones "all" leaves out)."""
    if select is None:
        rows = store.list_dossiers(limit=MAX_DOSSIERS + 1, statuses=UNSENT)
        if len(rows) > MAX_DOSSIERS:
            raise ExportError(
                ExportProblem.TOO_MANY, f"more than {MAX_DOSSIERS} unsent dossiers: select some"
            )
        rows.reverse()  # listed newest first
        # A quarantined copy cannot be read (a damaged page, a lost key): taking it would make
        # every "export all" fail. Selected by name, it is tried, and its check decides.
        return [r for r in rows if not r.quarantined], [r for r in rows if r.quarantined]
    chosen: dict[str, DossierRow] = {}
    for ident in select:
        row = store.find(ident)
        if row is None:
            raise ExportError(ExportProblem.UNKNOWN_DOSSIER, f"no dossier {ident!r}")
        if row.status not in UNSENT or row.erased_at is not None:
            raise ExportError(
                ExportProblem.ALREADY_DELIVERED,
                "the gateway already acknowledged it",
                receipt_number=row.receipt_number,
            )
        chosen.setdefault(row.client_uuid, row)
    return sorted(chosen.values(), key=lambda r: r.enqueued_at), []


def _plan(store: QueueStore, rows: list[DossierRow]) -> list[_Planned]:
    """Each dossier's files, refused here (before anything is written) when the export format
    cannot name them."""
    planned = []
    for row in rows:
        files = store.files(row.client_uuid)
        names = [f.name for f in files]
        if len(set(names)) != len(names):
            raise ExportError(
                ExportProblem.NOT_IN_FORMAT,
                "two of its files have the same name",
                receipt_number=row.receipt_number,
            )
        for file in files:
            if parse_member(file_member(row.client_uuid, file.name)) is None:
                raise ExportError(
                    ExportProblem.NOT_IN_FORMAT,
                    f"page {file.idx}'s file name is not one the export format carries "
                    "(letters, digits, . _ -, at most 100)",
                    receipt_number=row.receipt_number,
                )
        planned.append(_Planned(row, files))
    return planned


def _manifest(
    planned: list[_Planned], kiosk_id: str, now: datetime, software_version: str
) -> bytes:
    try:
        manifest = ExportManifest(
            kiosk_id=kiosk_id,
            created_at=now,
            software=software_version[:40],
            dossiers=tuple(
                ExportedDossier(
                    client_uuid=p.row.client_uuid,
                    receipt_number=p.row.receipt_number,
                    files=len(p.files),
                )
                for p in planned
            ),
        )
    except ValidationError as exc:
        # Where and what kind of problem, never the value (a receipt number is harmless, but
        # the rule is one rule).
        where = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])}: {e['type']}" for e in exc.errors()
        )
        raise ExportError(ExportProblem.NOT_IN_FORMAT, where) from exc
    return manifest.model_dump_json().encode()


def _check_space(target_dir: Path, planned: list[_Planned]) -> None:
    """Refuse at once when the stick cannot hold even the pages (a full stick found after
    minutes of writing is a worse experience, and the write would fail anyway)."""
    needed = sum(
        sum(f.size for f in p.files) + _BODY_ALLOWANCE + _MEMBER_OVERHEAD * (1 + len(p.files))
        for p in planned
    )
    try:
        stats = os.statvfs(target_dir)
    except OSError as exc:
        raise _target_error(exc) from exc
    free = stats.f_bavail * stats.f_frsize
    if free < needed:
        raise ExportError(
            ExportProblem.DISK_FULL, f"the stick has {free} bytes free, the export needs {needed}"
        )


# --- writing --------------------------------------------------------------------------------


def _member(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    info.mode = 0o600
    info.type = tarfile.REGTYPE
    return info


def _listed_files(row: DossierRow, body: dict[str, Any], files: list[FileRow]) -> list[FileRow]:
    """The dossier's files in the order its body's documents list them (the format's order),
    each the one the body declares: same document, name, size and SHA-256."""
    by_key = {(f.document_code, f.name): f for f in files}
    ordered: list[FileRow] = []
    try:
        for document in body["documents"]:
            for entry in document.get("files", []):
                file = by_key.pop((document["code"], entry["name"]), None)
                if file is None or (file.size, file.sha256) != (entry["size"], entry["sha256"]):
                    raise _SourceError(row, "its body and its stored files disagree")
                ordered.append(file)
    except (KeyError, TypeError, AttributeError) as exc:
        raise _SourceError(row, "its body does not list its files") from exc
    if by_key:
        raise _SourceError(row, "it stores files its body does not list")
    return ordered


def _write_dossier(tar: tarfile.TarFile, store: QueueStore, planned: _Planned, mtime: int) -> None:
    row = planned.row
    try:
        body = store.body(row.client_uuid)
    except (CryptoError, StoreError) as exc:
        raise _SourceError(row, f"its body cannot be opened: {exc}") from exc
    # Byte for byte what the sync's create request carries (``HttpTransport.request``).
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    tar.addfile(_member(dossier_member(row.client_uuid), len(data), mtime), io.BytesIO(data))
    for file in _listed_files(row, body, planned.files):
        try:
            reader = store.open_file(file)
        except (OSError, CryptoError, StoreError) as exc:
            raise _SourceError(row, f"page {file.idx} cannot be opened: {exc}") from exc
        with reader:
            if reader.size != file.size:
                raise _SourceError(row, f"page {file.idx} is not the size recorded")
            if file.size == 0 and hashlib.sha256(b"").hexdigest() != file.sha256:
                raise _SourceError(row, f"page {file.idx} fails its SHA-256 check")
            tar.addfile(
                _member(file_member(row.client_uuid, file.name), file.size, mtime),
                cast(BinaryIO, _CheckedPage(row, file, reader)),
            )


def export_unsent(
    store: QueueStore,
    target_dir: Path,
    sealing_key_text: str,
    kiosk_id: str,
    now: datetime,
    *,
    select: Sequence[str] | None = None,
    software_version: str = "0",
) -> ExportReport:
    """Write every dossier the gateway has not acknowledged (or the ``select``-ed ones: client
    UUIDs, receipt numbers or official codes) into one sealed file in ``target_dir``; mark them
    exported. ``ExportError`` when nothing was written (the reason as ``ExportProblem``); the
    outbox is then exactly as it was.

    ``now`` (aware) names the file and dates the manifest. Checks that need no writing (the key,
    the selection, the format, the free space) come first.
    """
    if now.tzinfo is None:
        raise ValueError("the export's time carries its time zone")
    recipient = _recipient(sealing_key_text)
    try:
        rows, quarantined = _chosen(store, select)
        if not rows:
            raise ExportError(ExportProblem.NOTHING_TO_EXPORT, "no unsent dossier")
        planned = _plan(store, rows)
    except (StoreError, sqlite3.Error) as exc:
        raise ExportError(ExportProblem.OUTBOX_UNAVAILABLE, str(exc)) from exc
    manifest = _manifest(planned, kiosk_id, now, software_version)
    if not target_dir.is_dir():
        raise ExportError(ExportProblem.TARGET_MISSING, f"{target_dir} is not a directory")
    name = export_file_name(kiosk_id, now)
    final = target_dir / name
    if final.exists():
        raise ExportError(ExportProblem.FILE_EXISTS, f"{name} is already there")
    _check_space(target_dir, planned)

    try:
        # Hidden and without the export's suffix: neither the gateway's import nor a person
        # takes a half-written file for an export.
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=PARTIAL_SUFFIX, dir=target_dir)
    except OSError as exc:
        raise _target_error(exc) from exc
    tmp = Path(tmp_name)
    target = _Target(fd)
    fd_open, renamed = True, False
    writer: SealWriter | None = None
    tar: tarfile.TarFile | None = None
    try:
        writer = SealWriter(
            cast(BinaryIO, target),
            recipient,
            {"kiosk": kiosk_id, "created": now.isoformat(), "dossiers": len(planned)},
        )
        tar = tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT)  # noqa: SIM115
        mtime = int(now.timestamp())
        tar.addfile(_member(MANIFEST_NAME, len(manifest), mtime), io.BytesIO(manifest))
        for item in planned:
            _write_dossier(tar, store, item, mtime)
        tar.close()
        writer.close()
        target.sync()
        fd_open = False  # closed once, even if closing fails: the number may be reused at once
        os.close(fd)

        def publish() -> None:
            nonlocal renamed
            if final.exists():
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(final))
            tmp.rename(final)
            renamed = True
            fsync_directory(target_dir)

        store.mark_exported(
            [p.row.client_uuid for p in planned], name, now.timestamp(), before_commit=publish
        )
    except BaseException as exc:
        _abandon(target, tar, writer)
        if fd_open:
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        if renamed:
            # Renamed, but the marks did not commit: the outbox must say what is on the stick.
            with contextlib.suppress(OSError):
                final.unlink()
        error = _classify(exc)
        if error is None:
            raise
        log.warning("USB export to %s failed: %s", target_dir, error)
        raise error from exc
    report = ExportReport(
        path=final,
        dossiers=len(planned),
        files=sum(len(p.files) for p in planned),
        file_bytes=sum(f.size for p in planned for f in p.files),
        bytes_written=target.size,
        sha256=target.sha256,
        receipt_numbers=tuple(p.row.receipt_number for p in planned),
        skipped_quarantined=tuple(r.receipt_number for r in quarantined),
    )
    log.info("USB export %s: %d dossier(s), %d bytes", name, report.dossiers, report.bytes_written)
    return report


def _abandon(target: _Target, tar: tarfile.TarFile | None, writer: SealWriter | None) -> None:
    """Close a half-written archive without writing anything more: its bytes go nowhere, and
    nothing is left for a finaliser to flush (and fail) later."""
    target.discard()
    with contextlib.suppress(Exception):
        if tar is not None:
            tar.close()
    with contextlib.suppress(Exception):
        if writer is not None:
            writer.close()


def _classify(exc: BaseException) -> ExportError | None:
    """The export error for what went wrong, or None for what is not the export's to report
    (KeyboardInterrupt, a bug)."""
    if isinstance(exc, ExportError):
        return exc
    if isinstance(exc, _SourceError):
        return ExportError(
            ExportProblem.DOSSIER_UNREADABLE, str(exc), receipt_number=exc.row.receipt_number
        )
    if isinstance(exc, _TargetError):
        return ExportError(_target_problem(exc.errno), str(exc))
    if isinstance(exc, StoreError | sqlite3.Error):
        return ExportError(ExportProblem.OUTBOX_UNAVAILABLE, str(exc))
    if isinstance(exc, OSError):  # creating, renaming, syncing on the stick
        return _target_error(exc)
    return None
