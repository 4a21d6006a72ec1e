"""Importing a kiosk's USB export: the dossiers a technician carried on a stick enter the
gateway exactly as if the kiosk had synced them.

Each dossier goes through the network's own steps (``gateway.intake`` and the tus service):
created under its client UUID, which is its idempotency key over the network too; each file
taken as a tus upload and checked against its manifest; then finalized. So an import is
idempotent, and a dossier that arrives both by stick and by sync, in either order, is one
dossier: the kiosk's later create is answered with the registered dossier and its code.

The file is read twice. The first pass only checks it (the seal authenticates every segment,
the archive's structure is the format's, every file matches its body) and stores nothing, so a
damaged file is refused as a whole. The second stores, one dossier at a time: its files are
staged and checked before the dossier is created, so a dossier refused for its content leaves
nothing behind. Decrypting, reading and hashing run on a worker thread, a dossier at a time;
the event loop only moves files and talks to the store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from starlette.concurrency import run_in_threadpool

from dvc_common.export_format import ExportManifest
from gateway.export_reader import ExportReader, ExportRefusedError, FoundDossier
from gateway.intake import DossierIntake
from gateway.problems import ProblemError
from gateway.store import Store
from gateway.tus import TusService

__all__ = ["DossierImport", "ExportRefusedError", "ImportOutcome", "ImportReport", "Importer"]

log = logging.getLogger(__name__)


class ImportOutcome(StrEnum):
    """What became of one dossier of an export."""

    IMPORTED = "imported"  # the gateway registered it now (or completed what a sync began)
    ALREADY_PRESENT = "already_present"  # registered before (an earlier import or a sync)
    REFUSED = "refused"  # not stored; ``reason`` says why


@dataclass(frozen=True)
class DossierImport:
    client_uuid: str
    receipt_number: str
    outcome: ImportOutcome
    reason: str | None = None
    dossier_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "client_uuid": self.client_uuid,
            "receipt_number": self.receipt_number,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "dossier_code": self.dossier_code,
        }


@dataclass(frozen=True)
class ImportReport:
    """One export file's import: from which kiosk, made when, and each dossier's outcome."""

    kiosk_id: str
    exported_at: datetime
    dossiers: tuple[DossierImport, ...]

    def count(self, outcome: ImportOutcome) -> int:
        return sum(1 for d in self.dossiers if d.outcome is outcome)

    def to_json(self) -> dict[str, Any]:
        return {
            "kiosk_id": self.kiosk_id,
            "exported_at": self.exported_at.isoformat(),
            **{outcome.value: self.count(outcome) for outcome in ImportOutcome},
            "dossiers": [d.to_json() for d in self.dossiers],
        }


def _reason(problem: ProblemError) -> str:
    fields = "; ".join(f"{e.field}: {e.message}" for e in problem.errors)
    return f"{problem.detail} ({fields})" if fields else problem.detail


class Importer:
    """Imports export files into the gateway; one at a time per process."""

    def __init__(
        self,
        *,
        store: Store,
        intake: DossierIntake,
        tus: TusService,
        key: X25519PrivateKey,
        staging_dir: Path,
    ) -> None:
        self.store = store
        self.intake = intake
        self.tus = tus
        self.key = key
        self.staging_dir = staging_dir
        # Two imports of the same stick at once would race to upload the same files; in turn,
        # the second finds the first's dossiers registered.
        self._one_at_a_time = asyncio.Lock()

    async def import_file(self, path: Path) -> ImportReport:
        """Import the export at ``path``; ExportRefusedError (nothing stored) if it is damaged,
        not sealed to this gateway, not an export, or from a kiosk never enrolled here."""
        async with self._one_at_a_time:
            manifest = await run_in_threadpool(self._check, path)
            report = await self._store_all(path, manifest)
        log.info(
            "import from kiosk %s: %d imported, %d already present, %d refused",
            report.kiosk_id,
            report.count(ImportOutcome.IMPORTED),
            report.count(ImportOutcome.ALREADY_PRESENT),
            report.count(ImportOutcome.REFUSED),
        )
        return report

    def _check(self, path: Path) -> ExportManifest:
        """The first pass: read the whole file, store nothing."""
        with path.open("rb") as source:
            reader = ExportReader(source, self.key)
            for _ in reader.dossiers():
                pass
        assert reader.manifest is not None  # read through without a refusal
        if self.store.kiosk(reader.manifest.kiosk_id) is None:
            raise ExportRefusedError(
                f"the export is from kiosk {reader.manifest.kiosk_id}, which is not enrolled at "
                "this gateway"
            )
        return reader.manifest

    def _wanted(self, client_uuid: str) -> bool:
        """Whether a dossier's files are to be staged: not when it is registered already."""
        existing = self.store.dossier_by_uuid(client_uuid)
        return existing is None or existing.dossier_code is None

    async def _store_all(self, path: Path, manifest: ExportManifest) -> ImportReport:
        """The second pass: each dossier as it is read."""
        outcomes = []
        with path.open("rb") as source:
            reader = ExportReader(
                source, self.key, staging_dir=self.staging_dir, stage=self._wanted
            )
            dossiers = reader.dossiers()
            try:
                while (found := await run_in_threadpool(_next, dossiers)) is not None:
                    try:
                        if reader.manifest != manifest:
                            raise ExportRefusedError("the file changed while it was imported")
                        outcomes.append(await self._store_one(found, manifest.kiosk_id))
                    finally:
                        found.discard()
            finally:
                dossiers.close()
        return ImportReport(manifest.kiosk_id, manifest.created_at, tuple(outcomes))

    async def _store_one(self, found: FoundDossier, kiosk_id: str) -> DossierImport:
        def refused(reason: str) -> DossierImport:
            log.warning("import of dossier %s refused: %s", found.client_uuid, reason)
            return DossierImport(
                found.client_uuid, found.receipt_number, ImportOutcome.REFUSED, reason
            )

        if found.problem is not None:
            return refused(found.problem)
        try:
            record, _ = self.intake.register(found.client_uuid, kiosk_id, found.body)
        except ProblemError as problem:
            return refused(_reason(problem))
        if record.dossier_code is not None:
            return DossierImport(
                found.client_uuid,
                found.receipt_number,
                ImportOutcome.ALREADY_PRESENT,
                dossier_code=record.dossier_code,
            )
        try:
            for file, exported in zip(
                self.store.files(record.dossier_id), found.files, strict=True
            ):
                if file.complete:
                    continue  # the kiosk's sync brought it already
                if exported.staged is None or (file.name, file.sha256) != (
                    exported.name,
                    exported.sha256,
                ):
                    return refused("its files do not match the dossier the gateway holds")
                await self.tus.take_file(file, kiosk_id, exported.staged)
            registered = await self.intake.finalize(
                record, f"Tiếp nhận hồ sơ từ kiosk {kiosk_id} (qua USB)"
            )
        except ProblemError as problem:
            return refused(_reason(problem))
        return DossierImport(
            found.client_uuid,
            found.receipt_number,
            ImportOutcome.IMPORTED,
            dossier_code=registered.dossier_code,
        )


def _next(dossiers: Generator[FoundDossier, None, None]) -> FoundDossier | None:
    return next(dossiers, None)
