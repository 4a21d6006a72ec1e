"""Integrity and quarantine: the start-up check, rebuilding what a lost database forgot, and
the end of a dossier's life (crypto-erase, expiry of what quarantine keeps).

Nothing is ever deleted because it could not be read: an unreadable dossier is marked corrupt
and kept for a technician, a folder no row explains moves to ``quarantine/orphans/``, and an
alert says so. The database is an index and the dossier folders are the truth
(``offline_queue.recovery``): after a database was lost or moved aside, ``check`` rebuilds the
rows of the outbox's folders, with the progress salvaged from quarantined databases where
SQLite can still read them; ``recover`` (a technician's command) also looks in quarantine.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from dvc_common.atomic import fsync_directory
from offline_queue import crypto, recovery
from offline_queue.board import AlertBoard
from offline_queue.crypto import CryptoError, MasterKey
from offline_queue.database import Database, MetaKey
from offline_queue.keys import dossier_key
from offline_queue.layout import DB_NAME
from offline_queue.ledger import Ledger
from offline_queue.records import (
    AlertKind,
    ErrorKind,
    EventKind,
    QueueStatus,
    RecoveryReport,
    StartupReport,
)

log = logging.getLogger(__name__)


class Integrity:
    """Checks, rebuilds, quarantines and erases, over one open outbox."""

    def __init__(self, db: Database, master: MasterKey, ledger: Ledger, board: AlertBoard) -> None:
        self._db = db
        self._layout = db.layout
        self._master = master
        self._ledger = ledger
        self._board = board

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._db.conn

    # --- the start-up check -----------------------------------------------------------------

    def check(self, opened: StartupReport) -> StartupReport:
        """Verify every active dossier can be read; rebuild rows for folders the database lost;
        quarantine what cannot be read; report everything. ``opened`` is what opening found."""
        quarantined: list[str] = []
        for raw in self._conn.execute(
            "SELECT * FROM dossiers WHERE erased_at IS NULL AND quarantined = 0"
        ).fetchall():
            problem = self._problem_with(raw)
            if problem is not None:
                quarantined.append(raw["receipt_number"])
                self._ledger.record_failure(
                    raw["client_uuid"], ErrorKind.CORRUPT, problem, self._db.now()
                )
            elif not (self._layout.folder(raw["client_uuid"]) / recovery.MANIFEST_NAME).exists():
                # Queued before folders described themselves: described now, so a later loss
                # of the database loses nothing.
                self._write_manifest_for(raw)
        recovered: list[str] = []
        orphans: list[str] = []
        # The sweep of unexplained folders runs only while no enqueue is in flight: a folder
        # being written has no row yet and must not be taken for an orphan.
        with self._layout.enqueue_lock(shared=False, wait=False) as exclusive:
            if exclusive:
                # Folders are rebuilt into rows only after the database was lost. Otherwise a
                # folder without a row is an enqueue that died before its commit: the citizen
                # was never told "successful", so it must not be filed behind their back.
                pending = self._db.recovery_pending()
                if pending:
                    recovered = self._recover_folders(
                        [self._layout.files_root], self._salvage_sources()
                    ).recovered
                orphans = self._move_orphans()
                if pending:
                    with self._db.transaction():
                        self._db.delete_meta(MetaKey.RECOVERY_PENDING)
        report = StartupReport(
            opened.integrity_ok,
            quarantined,
            orphans,
            opened.database_moved_to,
            recovered=recovered,
            sweep_deferred=not exclusive,
        )
        if quarantined or orphans:
            self._board.raise_alert(
                AlertKind.QUARANTINE,
                f"{len(quarantined)} dossier(s) unreadable, {len(orphans)} unexplained "
                f"folder(s) moved to {self._layout.quarantine}",
            )
        if recovered:
            log.warning("rebuilt %d dossier row(s) from their folders", len(recovered))
        return report

    def _problem_with(self, raw: sqlite3.Row) -> str | None:
        try:
            key = dossier_key(self._master, raw)
            crypto.open_sealed(key, raw["body"], f"body:{raw['client_uuid']}")
        except CryptoError as exc:
            return str(exc)
        for file in self._ledger.files(raw["client_uuid"]):
            try:
                actual = file.path.stat().st_size
            except OSError:
                return f"file {file.idx} missing"
            if actual != crypto.encrypted_size(file.size):
                return f"file {file.idx} truncated ({actual} bytes on disk)"
        return None

    def _write_manifest_for(self, raw: sqlite3.Row) -> None:
        client_uuid = raw["client_uuid"]
        key = dossier_key(self._master, raw)
        files = self._ledger.files(client_uuid)
        folder = self._layout.folder(client_uuid)
        recovery.write_manifest(
            folder,
            recovery.FolderManifest(
                client_uuid=client_uuid,
                receipt_number=raw["receipt_number"],
                procedure_code=raw["procedure_code"],
                enqueued_at=raw["enqueued_at"],
                body=self._ledger.body(client_uuid),
                files=[
                    recovery.FolderFile(
                        idx=f.idx,
                        document_code=f.document_code,
                        name=f.name,
                        media_type=f.media_type,
                        size=f.size,
                        sha256=f.sha256,
                        path=str(f.path.relative_to(self._layout.data_dir)),
                    )
                    for f in files
                ],
                wrapped_key=raw["wrapped_key"],
                key_fingerprint=self._master.fingerprint,
            ),
            key,
            self._master,
        )
        if raw["rating"] is not None:
            recovery.write_rating(folder, client_uuid, raw["rating"])

    def _move_orphans(self) -> list[str]:
        """Folders no row explains and no manifest can rebuild: kept in quarantine."""
        rows = {
            r[0]: r[1] is not None
            for r in self._conn.execute("SELECT client_uuid, erased_at FROM dossiers")
        }
        moved = []
        for directory in self._layout.dossier_folders():
            if directory.name in rows:
                if rows[directory.name]:
                    # Erased: the crash came between forgetting the key and removing the files.
                    shutil.rmtree(directory, ignore_errors=True)
                continue
            target = self._layout.orphans / directory.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                target = target.with_name(f"{directory.name}-{int(self._db.now())}")
            shutil.move(str(directory), str(target))
            moved.append(directory.name)
        return moved

    # --- rebuilding what a lost database forgot ---------------------------------------------

    def recover(self) -> RecoveryReport:
        """Rebuild every dossier the database lost, from folders in the outbox and in
        quarantine, with state salvaged from quarantined databases where they can be read.

        Safe to repeat; waits for enqueues in flight. Rows already present are left alone. A
        technician's command: it also files a dossier whose enqueue died just before its commit
        (its folder is complete), which the automatic start-up check does not.
        """
        with self._layout.enqueue_lock(shared=False):
            return self._recover_folders(
                [self._layout.files_root, self._layout.orphans],
                self._salvage_sources(),
                restore_rows_without_folder=True,
            )

    def _salvage_sources(self) -> list[Path]:
        """Quarantined databases, newest first (the newest knows the most recent progress)."""
        quarantine = self._layout.quarantine
        if not quarantine.is_dir():
            return []
        found = [
            d
            for d in quarantine.iterdir()
            if d.name.startswith("database-") and (d / DB_NAME).is_file()
        ]
        return sorted(found, key=lambda d: d.stat().st_mtime, reverse=True)

    def _recover_folders(
        self,
        roots: Sequence[Path],
        sources: Sequence[Path],
        *,
        restore_rows_without_folder: bool = False,
    ) -> RecoveryReport:
        known = {r[0] for r in self._conn.execute("SELECT client_uuid FROM dossiers")}
        candidates: dict[str, Path] = {}
        for folder in self._layout.dossier_folders(*roots):
            # "<uuid>-<time>" when a folder was moved to quarantine twice.
            candidates.setdefault(folder.name[:36], folder)
        already = sum(1 for name in candidates if name in known)
        wanted = [name for name in candidates if name not in known]
        salvaged: dict[str, recovery.SalvagedDossier] = {}
        for source in sources:  # newest first: the first to know a dossier wins
            readable = recovery.salvage(
                source,
                DB_NAME,
                [u for u in wanted if u not in salvaged],
                everything=restore_rows_without_folder,
            )
            for client_uuid, dossier in readable.items():
                if client_uuid in known or client_uuid in salvaged:
                    continue
                salvaged[client_uuid] = dossier
                if client_uuid not in wanted:
                    wanted.append(client_uuid)
        report = RecoveryReport([], [], [], {}, already)
        for name in wanted:
            found = candidates.get(name)
            old = salvaged.get(name)
            if found is None:
                if old is not None and self._restore_record(old):
                    report.restored_from_database.append(str(old.row.get("receipt_number")))
                elif old is not None and old.row.get("erased_at") is None:
                    report.unreadable[name] = (
                        f"{old.row.get('receipt_number')}: only the old database knew it; its "
                        "folder (pages and key) is gone"
                    )
                continue
            if old is not None and old.row.get("erased_at") is not None:
                # Delivered and crypto-erased; the folder is what a crash left before removal.
                shutil.rmtree(found, ignore_errors=True)
                continue
            try:
                manifest = recovery.read_manifest(found, self._master)
            except CryptoError as exc:
                report.unreadable[name] = str(exc)
                continue
            self._adopt(found, manifest, old)
            report.recovered.append(manifest.receipt_number)
            if old is not None:
                report.with_salvaged_state.append(manifest.receipt_number)
        return report

    def _adopt(
        self,
        folder: Path,
        manifest: recovery.FolderManifest,
        old: recovery.SalvagedDossier | None,
    ) -> None:
        """Insert the rows of a dossier rebuilt from its folder (moved back into the outbox)."""
        client_uuid = manifest.client_uuid
        target = self._layout.folder(client_uuid)
        if folder != target:
            shutil.move(str(folder), str(target))
            fsync_directory(self._layout.files_root)
        state = old.row if old is not None else {}
        status = _salvaged_status(manifest, old)
        if status is QueueStatus.QUEUED:
            # Nothing of the salvaged progress is trusted: the idempotent create answers with
            # the gateway's ids, which files it holds, and the official code if it has one.
            state = {k: v for k, v in state.items() if k in ("rating", "rating_synced")}
        gateway_id = state.get("gateway_dossier_id")
        rating = recovery.read_rating(target)
        if rating is None and isinstance(state.get("rating"), bytes):
            rating = state["rating"]
        now = self._db.now()
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO dossiers (client_uuid, receipt_number, procedure_code, enqueued_at, "
                "status, attempts, next_attempt_at, wrapped_key, body, gateway_dossier_id, "
                "official_code, appointment_date, submitted_at, rating, rating_synced) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    client_uuid,
                    manifest.receipt_number,
                    manifest.procedure_code,
                    manifest.enqueued_at,
                    status.value,
                    int(state.get("attempts") or 0),
                    now,
                    manifest.wrapped_key,
                    crypto.seal(
                        self._master.unwrap(manifest.wrapped_key, f"key:{client_uuid}"),
                        json.dumps(manifest.body).encode(),
                        f"body:{client_uuid}",
                    ),
                    gateway_id if status is not QueueStatus.QUEUED else None,
                    state.get("official_code"),
                    state.get("appointment_date"),
                    state.get("submitted_at"),
                    rating,
                    0 if rating is not None and not state.get("rating_synced") else 1,
                ),
            )
            for entry in manifest.files:
                old_file = old.files.get(entry.idx, {}) if old is not None else {}
                same = old_file.get("sha256") == entry.sha256
                keep = same and status is not QueueStatus.QUEUED
                conn.execute(
                    "INSERT INTO files (client_uuid, idx, document_code, name, media_type, size, "
                    "sha256, path, gateway_file_id, upload_url, complete) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        client_uuid,
                        entry.idx,
                        entry.document_code,
                        entry.name,
                        entry.media_type,
                        entry.size,
                        entry.sha256,
                        entry.path,
                        old_file.get("gateway_file_id") if keep else None,
                        old_file.get("upload_url") if keep else None,
                        int(bool(old_file.get("complete"))) if keep else 0,
                    ),
                )
            self._db.event(
                client_uuid,
                EventKind.RECOVERED.value,
                "from its folder" + (" and the old database" if old is not None else ""),
            )

    def _restore_record(self, old: recovery.SalvagedDossier) -> bool:
        """A delivered dossier without a folder: bring back its record (code, dates) alone."""
        row = old.row
        if row.get("status") != QueueStatus.SUBMITTED.value or not row.get("client_uuid"):
            return False
        columns = (
            "client_uuid",
            "receipt_number",
            "procedure_code",
            "enqueued_at",
            "status",
            "next_attempt_at",
            "gateway_dossier_id",
            "official_code",
            "appointment_date",
            "submitted_at",
            "erased_at",
        )
        if any(row.get(c) is None for c in columns[:6]):
            return False
        # Without its folder there is no key and no body: the record stands as erased.
        values = [row.get(c) for c in columns[:-1]] + [row.get("erased_at") or self._db.now()]
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT OR IGNORE INTO dossiers ({', '.join(columns)}) "  # noqa: S608
                f"VALUES ({', '.join('?' * len(columns))})",
                values,
            )
        return True

    # --- retention --------------------------------------------------------------------------

    def erase_delivered(self, retention_s: float) -> int:
        """Crypto-erase dossiers the gateway acknowledged more than ``retention_s`` ago."""
        cutoff = self._db.now() - retention_s
        rows = self._conn.execute(
            "SELECT client_uuid FROM dossiers WHERE status = ? AND submitted_at <= ? "
            "AND erased_at IS NULL AND (rating_synced = 1 OR rating IS NULL)",
            (QueueStatus.SUBMITTED.value, cutoff),
        ).fetchall()
        for (client_uuid,) in rows:
            folder = self._layout.folder(client_uuid)
            # The folder's own copies of the key go first (durably): a crash later leaves a
            # row that still has its key, never a copy of a key the row says is destroyed.
            for name in (recovery.MANIFEST_NAME, recovery.RATING_NAME):
                (folder / name).unlink(missing_ok=True)
            if folder.is_dir():
                fsync_directory(folder)
            with self._db.transaction() as conn:
                conn.execute(
                    "UPDATE dossiers SET wrapped_key = NULL, body = NULL, rating = NULL, "
                    "erased_at = ? WHERE client_uuid = ?",
                    (self._db.now(), client_uuid),
                )
                self._db.event(client_uuid, EventKind.ERASED.value, "retention period over")
            # The key is gone, so what remains is noise; removing the files frees the space.
            # What a crash leaves, check() removes.
            shutil.rmtree(folder, ignore_errors=True)
        self._expire_quarantine(cutoff)
        return len(rows)

    def _expire_quarantine(self, cutoff: float) -> None:
        """Quarantined databases and orphan folders hold sealed personal data and a copy of
        dossier keys: they are kept for a technician for the retention period, then deleted.
        A quarantined database is kept while its rows may still be rebuilt."""
        quarantine = self._layout.quarantine
        if not quarantine.is_dir() or self._db.recovery_pending():
            return
        for entry in quarantine.iterdir():
            if entry.name.startswith("database-"):
                try:
                    moved_at = float(entry.name.split("-")[1])
                except (IndexError, ValueError):
                    continue
                if moved_at <= cutoff:
                    shutil.rmtree(entry, ignore_errors=True)
        orphans = self._layout.orphans
        if orphans.is_dir():
            for entry in orphans.iterdir():
                try:
                    if entry.stat().st_mtime <= cutoff:
                        shutil.rmtree(entry, ignore_errors=True)
                except OSError:
                    continue


def _salvaged_status(
    manifest: recovery.FolderManifest, old: recovery.SalvagedDossier | None
) -> QueueStatus:
    """How far a rebuilt dossier may resume: only from progress the old database states whole.

    A gateway dossier id without every file's gateway id (the files table was damaged) would
    stop the engine on "file not registered" for ever; a submitted row without its id would
    drop the rating. Anything partial starts again as queued, and the gateway's idempotency
    makes that safe.
    """
    if old is None:
        return QueueStatus.QUEUED
    try:
        status = QueueStatus(str(old.row.get("status")))
    except ValueError:
        return QueueStatus.QUEUED
    if status is QueueStatus.QUEUED or not old.row.get("gateway_dossier_id"):
        return QueueStatus.QUEUED
    for entry in manifest.files:
        salvaged = old.files.get(entry.idx)
        if (
            salvaged is None
            or salvaged.get("sha256") != entry.sha256
            or not salvaged.get("gateway_file_id")
        ):
            return QueueStatus.QUEUED
    if status is QueueStatus.SUBMITTED and not old.row.get("official_code"):
        return QueueStatus.QUEUED
    if status is QueueStatus.NEEDS_ATTENTION:
        # Whatever parked it will be met again; a technician sees the history.
        return QueueStatus.UPLOADING
    return status
