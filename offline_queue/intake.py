"""Intake: storing a dossier durably, and the citizen's rating of it.

``enqueue`` returns once the dossier would survive a power cut:

- first it refuses, before anything is written, what the gateway would refuse (the limits the
  gateway published, the procedures the kiosk offers, a receipt number already used) and what
  the disk cannot hold with a safety reserve;
- then the page files are encrypted and written atomically (temp, fsync, rename, fsync of the
  directory), and the folder describes itself (``offline_queue.recovery``), *before* the row
  that names them commits, so a committed row always has its files;
- if anything fails before the commit, the folder goes: nothing half-written stays behind.

It holds the outbox's enqueue lock shared throughout, so the start-up sweep never takes the
folder of an enqueue in flight for an orphan.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dvc_common.atomic import fsync_directory
from dvc_common.protocol import ProtocolLimits
from offline_queue import crypto, recovery
from offline_queue.crypto import MasterKey
from offline_queue.database import Database
from offline_queue.errors import QueueFullError, QueueRefusedError, StoreError
from offline_queue.keys import dossier_key
from offline_queue.ledger import Ledger
from offline_queue.limits import EnqueueRefusal, PageFacts, Problem, check_dossier
from offline_queue.records import EnqueueResult, EventKind, PageInput, QueueStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Submission:
    """One enqueue's input, as the caller gave it."""

    client_uuid: str
    receipt_number: str
    procedure_code: str
    body: dict[str, Any]
    pages: Sequence[PageInput]


# One stored page: its index, what was given, plaintext size and SHA-256, the encrypted file.
_StoredPage = tuple[int, PageInput, int, str, Path]


class Intake:
    """Enqueueing dossiers and recording ratings (the touchscreen app's side of the outbox)."""

    def __init__(
        self,
        db: Database,
        master: MasterKey,
        ledger: Ledger,
        *,
        min_free_bytes: int,
        limits: Callable[[], ProtocolLimits],
        known_procedures: Callable[[], Container[str]] | None,
    ) -> None:
        self._db = db
        self._layout = db.layout
        self._master = master
        self._ledger = ledger
        # Public so a test can shrink the disk without filling it.
        self.min_free_bytes = min_free_bytes
        self._limits = limits
        self._known_procedures = known_procedures

    def enqueue(
        self,
        *,
        client_uuid: str,
        receipt_number: str,
        procedure_code: str,
        body: dict[str, Any],
        pages: Sequence[PageInput],
    ) -> EnqueueResult:
        """Store a dossier durably; returns once it would survive a power cut.

        ``body`` is the gateway's DossierCreate without file entries; the queue adds them from
        the bytes it actually encrypts. Enqueueing the same client UUID twice is a no-op. A
        dossier the gateway would refuse is refused here (QueueRefusedError), before anything
        is written.
        """
        uuid.UUID(client_uuid)  # refuse anything that is not a UUID before touching disk
        if self._ledger.find(client_uuid) is not None:
            return EnqueueResult(client_uuid, receipt_number, already_queued=True)
        sizes = []
        for page in pages:
            try:
                sizes.append(page.source.stat().st_size)
            except OSError as exc:
                raise StoreError(f"page file unreadable: {exc.filename}") from exc
        submission = _Submission(client_uuid, receipt_number, procedure_code, body, pages)
        self._refuse_what_the_gateway_would(submission, sizes)
        self._require_space(sum(sizes))
        directory = self._layout.folder(client_uuid)
        try:
            with self._layout.enqueue_lock(shared=True):
                return self._store_dossier(directory, submission)
        except BaseException as exc:
            if isinstance(exc, OSError):
                if exc.errno == errno.ENOSPC:
                    raise QueueFullError(f"disk full while storing {receipt_number}") from exc
                raise StoreError(f"cannot store {receipt_number}: {exc.strerror or exc}") from exc
            if isinstance(exc, sqlite3.Error):
                if "full" in str(exc):
                    raise QueueFullError(f"disk full while storing {receipt_number}") from exc
                raise StoreError(f"cannot store {receipt_number}: {exc}") from exc
            raise

    def _refuse_what_the_gateway_would(self, sub: _Submission, sizes: Sequence[int]) -> None:
        problems = check_dossier(
            sub.body,
            [
                PageFacts(p.document_code, p.name, n, p.media_type)
                for p, n in zip(sub.pages, sizes, strict=True)
            ],
            self._limits(),
            known_procedures=self._known_procedures() if self._known_procedures else None,
        )
        # The row's columns and the body the gateway receives must say the same thing.
        for name, reason in (
            ("client_uuid", EnqueueRefusal.CLIENT_UUID_MISMATCH),
            ("receipt_number", EnqueueRefusal.RECEIPT_NUMBER_MISMATCH),
            ("procedure_code", EnqueueRefusal.PROCEDURE_MISMATCH),
        ):
            if sub.body.get(name) != getattr(sub, name):
                problems.append(Problem(reason, name))
        if self._receipt_taken(sub.client_uuid, sub.receipt_number):
            problems.append(Problem(EnqueueRefusal.RECEIPT_NUMBER_TAKEN, "receipt_number"))
        if problems:
            raise QueueRefusedError(sub.receipt_number, problems)

    def receipt_number_taken(self, receipt_number: str) -> bool:
        """Whether a queued dossier already has this receipt number."""
        return self._receipt_taken("", receipt_number)

    def _receipt_taken(self, client_uuid: str, receipt_number: str) -> bool:
        return (
            self._db.conn.execute(
                "SELECT 1 FROM dossiers WHERE receipt_number = ? AND client_uuid != ?",
                (receipt_number, client_uuid),
            ).fetchone()
            is not None
        )

    def _require_space(self, payload: int) -> None:
        free = shutil.disk_usage(self._layout.data_dir).free
        needed = 2 * payload + self.min_free_bytes
        if free < needed:
            raise QueueFullError(
                f"{free // 1_048_576} MB free, {needed // 1_048_576} MB needed to queue safely"
            )

    def _store_dossier(self, directory: Path, submission: _Submission) -> EnqueueResult:
        client_uuid, receipt_number, procedure_code, body, pages = (
            submission.client_uuid,
            submission.receipt_number,
            submission.procedure_code,
            submission.body,
            submission.pages,
        )
        data_dir = self._layout.data_dir
        # A directory without a row is what a crash during an earlier attempt of this same
        # dossier leaves behind (the sweep cannot run meanwhile: we hold the enqueue lock).
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(mode=0o700)
        key = crypto.new_dossier_key()
        committing = False
        try:
            files: list[_StoredPage] = []
            for idx, page in enumerate(pages):
                target = directory / f"{idx:03d}.bin"
                size, sha256 = crypto.encrypt_file(
                    page.source, target, key, f"file:{client_uuid}:{idx}"
                )
                files.append((idx, page, size, sha256, target))
            full_body = _with_files(body, files)
            now = self._db.now()
            wrapped = self._master.wrap(key, f"key:{client_uuid}")
            # The folder describes itself before its row exists: a lost database is rebuilt
            # from the folders with the master key alone (offline_queue.recovery).
            recovery.write_manifest(
                directory,
                recovery.FolderManifest(
                    client_uuid=client_uuid,
                    receipt_number=receipt_number,
                    procedure_code=procedure_code,
                    enqueued_at=now,
                    body=full_body,
                    files=[
                        recovery.FolderFile(
                            idx=idx,
                            document_code=page.document_code,
                            name=page.name,
                            media_type=page.media_type,
                            size=size,
                            sha256=sha256,
                            path=str(target.relative_to(data_dir)),
                        )
                        for idx, page, size, sha256, target in files
                    ],
                    wrapped_key=wrapped,
                    key_fingerprint=self._master.fingerprint,
                ),
                key,
                self._master,
            )
            fsync_directory(self._layout.files_root)
            with self._db.transaction() as conn:
                if self._receipt_taken(client_uuid, receipt_number):
                    # Another process took it between the check and now.
                    raise QueueRefusedError(
                        receipt_number,
                        [Problem(EnqueueRefusal.RECEIPT_NUMBER_TAKEN, "receipt_number")],
                    )
                conn.execute(
                    "INSERT INTO dossiers (client_uuid, receipt_number, procedure_code, "
                    "enqueued_at, status, next_attempt_at, wrapped_key, body) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        client_uuid,
                        receipt_number,
                        procedure_code,
                        now,
                        QueueStatus.QUEUED.value,
                        now,
                        wrapped,
                        crypto.seal(key, json.dumps(full_body).encode(), f"body:{client_uuid}"),
                    ),
                )
                conn.executemany(
                    "INSERT INTO files (client_uuid, idx, document_code, name, media_type, "
                    "size, sha256, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            client_uuid,
                            idx,
                            page.document_code,
                            page.name,
                            page.media_type,
                            size,
                            sha256,
                            str(target.relative_to(data_dir)),
                        )
                        for idx, page, size, sha256, target in files
                    ],
                )
                self._db.event(client_uuid, EventKind.ENQUEUED.value, f"{len(files)} files")
                committing = True
        except BaseException:
            # Nothing half-written may stay behind: the row did not commit, so the files go.
            # Unless COMMIT itself failed: a commit that reported an error can still be in the
            # write-ahead log and reappear, so its folder stays for the start-up check.
            if not committing:
                shutil.rmtree(directory, ignore_errors=True)
            raise
        log.info("queued %s (%d files)", receipt_number, len(files))
        return EnqueueResult(client_uuid, receipt_number, already_queued=False)

    def record_rating(self, client_uuid: str, score: int, reason: str | None) -> None:
        row = self._ledger.raw(client_uuid)
        if row is None:
            raise StoreError(f"no dossier {client_uuid}")
        if row["wrapped_key"] is None:
            return  # already erased: the rating can no longer travel with it
        key = dossier_key(self._master, row)
        sealed = crypto.seal(
            key, json.dumps({"score": score, "reason": reason}).encode(), f"rating:{client_uuid}"
        )
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE dossiers SET rating = ?, rating_synced = 0 WHERE client_uuid = ?",
                (sealed, client_uuid),
            )
        # Also beside the dossier, so a database rebuilt from the folders still carries it.
        recovery.write_rating(self._layout.folder(client_uuid), client_uuid, sealed)


def _with_files(body: dict[str, Any], files: Sequence[_StoredPage]) -> dict[str, Any]:
    """The body with each document's file entries, from the bytes actually stored."""
    documents = [dict(d) for d in body.get("documents", [])]
    by_code = {d["code"]: d for d in documents}
    for d in documents:
        d["files"] = []
    for _idx, page, size, sha256, _target in files:
        document = by_code.get(page.document_code)
        if document is None:
            raise StoreError(f"page for unknown document {page.document_code!r}")
        document["files"].append(
            {"name": page.name, "size": size, "sha256": sha256, "media_type": page.media_type}
        )
    return {**body, "documents": documents}
