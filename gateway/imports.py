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
nothing behind. Decrypting, reading and hashing run on a worker thread, a dossier at a time,
and the store's calls on the store's own threads (``gateway.offload``): the event loop only
moves files.

Every import is logged (``PublicationStore.add_import``), whichever way the file came (the
console's page, ``POST /api/v1/imports``, ``dvc-gateway import``), a file refused whole
included: who brought it, its name, size and SHA-256, the kiosk, and each dossier's outcome.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from starlette.concurrency import run_in_threadpool

from dvc_common.export_format import ExportManifest
from gateway.export_reader import ExportReader, ExportRefusedError, FoundDossier
from gateway.intake import DossierIntake
from gateway.problems import ProblemError
from gateway.publications import (
    ImportChannel,
    ImportLine,
    ImportOutcome,
    ImportRecord,
    NewImport,
    PublicationStore,
)
from gateway.store import Store
from gateway.tus import TusService

__all__ = [
    "DossierImport",
    "ExportOutOfScopeError",
    "ExportRefusedError",
    "ImportOutcome",
    "ImportReport",
    "Importer",
]

log = logging.getLogger(__name__)

DossierImport = ImportLine
"""One dossier's outcome; the import log keeps the same lines."""

SYSTEM_ACTOR = "(hệ thống)"
"""Who the log names for an import made without a named person (the administrator's token)."""


class ExportOutOfScopeError(ExportRefusedError):
    """The export is from a kiosk outside the units of the person importing it."""


@dataclass(frozen=True)
class _Checked:
    manifest: ExportManifest
    unit_code: str | None


@dataclass(frozen=True)
class ImportReport:
    """One export file's import: from which kiosk, made when, and each dossier's outcome."""

    kiosk_id: str
    exported_at: datetime
    dossiers: tuple[DossierImport, ...]
    import_id: int | None = field(default=None, compare=False)
    """Its entry in the import log, when the importer keeps one."""

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
        records: PublicationStore | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.intake = intake
        self.tus = tus
        self.key = key
        self.staging_dir = staging_dir
        self.records = records
        self.now = now or intake.settings.now
        # Two imports of the same stick at once would race to upload the same files; in turn,
        # the second finds the first's dossiers registered.
        self._one_at_a_time = asyncio.Lock()

    async def import_file(
        self,
        path: Path,
        *,
        actor: str = SYSTEM_ACTOR,
        channel: ImportChannel = ImportChannel.API,
        file_name: str | None = None,
        may_import: Callable[[str | None], bool] | None = None,
    ) -> ImportReport:
        """Import the export at ``path``; ExportRefusedError (nothing stored) if it is damaged,
        not sealed to this gateway, not an export, or from a kiosk never enrolled here, and
        ExportOutOfScopeError when ``may_import`` refuses the kiosk's unit (the units of the
        person importing). The import is logged either way, under ``actor`` and ``file_name``
        (the path's name by default)."""
        name = file_name or path.name
        async with self._one_at_a_time:
            sha256, size = await run_in_threadpool(_digest, path)
            try:
                checked = await run_in_threadpool(self._check, path, may_import)
            except ExportRefusedError as exc:
                await self._log(
                    NewImport(
                        at=self.now(), actor=actor, channel=channel, file_name=name,
                        sha256=sha256, size=size, kiosk_id=None, unit_code=None,
                        exported_at=None, refused=str(exc),
                    )
                )  # fmt: skip
                raise
            report = await self._store_all(path, checked.manifest)
            record = await self._log(
                NewImport(
                    at=self.now(), actor=actor, channel=channel, file_name=name, sha256=sha256,
                    size=size, kiosk_id=report.kiosk_id, unit_code=checked.unit_code,
                    exported_at=report.exported_at, refused=None, lines=report.dossiers,
                )
            )  # fmt: skip
        if record is not None:
            report = ImportReport(
                report.kiosk_id, report.exported_at, report.dossiers, record.import_id
            )
        log.info(
            "import from kiosk %s: %d imported, %d already present, %d refused",
            report.kiosk_id,
            report.count(ImportOutcome.IMPORTED),
            report.count(ImportOutcome.ALREADY_PRESENT),
            report.count(ImportOutcome.REFUSED),
        )
        return report

    async def _log(self, new: NewImport) -> ImportRecord | None:
        if self.records is None:
            return None
        return await run_in_threadpool(self.records.add_import, new)

    def _check(self, path: Path, may_import: Callable[[str | None], bool] | None) -> _Checked:
        """The first pass: read the whole file, store nothing."""
        with path.open("rb") as source:
            reader = ExportReader(source, self.key)
            for _ in reader.dossiers():
                pass
        assert reader.manifest is not None  # read through without a refusal
        kiosk = self.store.kiosk(reader.manifest.kiosk_id)
        if kiosk is None:
            raise ExportRefusedError(
                f"the export is from kiosk {reader.manifest.kiosk_id}, which is not enrolled at "
                "this gateway"
            )
        if may_import is not None and not may_import(kiosk.unit_code):
            raise ExportOutOfScopeError(
                f"the export is from kiosk {kiosk.kiosk_id}, which is not in your units"
            )
        return _Checked(reader.manifest, kiosk.unit_code)

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
            record, _ = await self.intake.offload(
                self.intake.register, found.client_uuid, kiosk_id, found.body
            )
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
            files = await self.intake.offload(self.store.files, record.dossier_id)
            for file, exported in zip(files, found.files, strict=True):
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


def _digest(path: Path) -> tuple[str, int]:
    """The file's SHA-256 and size, read in blocks (an export may be gigabytes)."""
    with path.open("rb") as source:
        digest = hashlib.file_digest(source, "sha256")
        return digest.hexdigest(), source.tell()


def _next(dossiers: Generator[FoundDossier, None, None]) -> FoundDossier | None:
    return next(dossiers, None)
