"""How a dossier enters the gateway, whichever way it came: created from its ``DossierCreate``
body under its client UUID, then registered under an official code once its files are in.

The network endpoints (``POST /api/v1/dossiers`` and ``…/finalize`` in ``gateway.app``) and the
import of a USB export (``gateway.imports``) both go through ``DossierIntake``, so a dossier that
arrives both ways, in either order, is checked by the same rules and stored once: its client
UUID is the idempotency key either way, and the same body under the same key is the same
dossier.

``register`` and the other methods without ``async`` are blocking (they call the store): a
handler runs them off the event loop (``gateway.offload``). ``finalize`` does that itself.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time
from typing import Any

from dvc_common.catalog import Catalog
from dvc_common.clock import VIETNAM
from dvc_common.workdays import WorkingCalendar
from gateway.models import DossierCreate, canonical_uuid, validate
from gateway.offload import Offloader
from gateway.problems import FieldProblem, ProblemError, ProblemType
from gateway.settings import GatewaySettings
from gateway.store import (
    DossierRecord,
    Finalization,
    NewFile,
    ReceiptNumberTakenError,
    Store,
)
from gateway.tus import TusService

log = logging.getLogger(__name__)


def canonical_json(value: Any) -> str:
    """One text per JSON value: key order, whitespace and 5 versus 5.0 do not matter."""
    return json.dumps(
        _integral_numbers(value), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


def _integral_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_numbers(v) for v in value]
    return value


class DossierIntake:
    """Creating and registering dossiers; every refusal is a ``ProblemError``, as the network
    answers it."""

    def __init__(
        self,
        *,
        store: Store,
        settings: GatewaySettings,
        catalog: Catalog,
        calendar: WorkingCalendar,
        tus: TusService,
        offload: Offloader,
    ) -> None:
        self.store = store
        self.offload = offload
        self.settings = settings
        self.catalog = catalog
        self.calendar = calendar
        self.tus = tus

    def register(self, key: str, kiosk_id: str, raw: Any) -> tuple[DossierRecord, bool]:
        """The dossier of idempotency key ``key`` (a canonical client UUID) from ``kiosk_id``,
        created now from the parsed body ``raw`` if there was none (True if so).

        The same key again with the same body and kiosk is the same dossier, whatever became of
        it since; with another body, ``409`` (``idempotency-conflict``). A new dossier is held to
        every rule of the protocol, and nothing is stored if one fails.
        """
        body = canonical_json(raw)
        existing = self.store.dossier_by_uuid(key)
        if existing is not None:
            self._same(existing, body, kiosk_id)
            return existing, False
        dossier = validate(DossierCreate, raw)
        problems = []
        if canonical_uuid(dossier.client_uuid) != key:
            problems.append(FieldProblem("client_uuid", "must equal the Idempotency-Key header"))
        if dossier.kiosk_id != kiosk_id:
            problems.append(FieldProblem("kiosk_id", "is not the kiosk the token belongs to"))
        unknown_procedure = FieldProblem("procedure_code", "is not in the gateway's catalog")
        if dossier.procedure_code not in self.catalog:
            problems.append(unknown_procedure)
        if problems == [unknown_procedure]:
            raise ProblemError(
                400,
                ProblemType.UNKNOWN_PROCEDURE,
                f"The gateway's catalog has no procedure {dossier.procedure_code}.",
                errors=problems,
            )
        if problems:
            raise ProblemError(
                400, ProblemType.INVALID_BODY, "Some fields are not valid.", errors=problems
            )
        files = [
            NewFile(doc.code, f.name, f.size, f.sha256, f.media_type)
            for doc in dossier.documents
            for f in doc.files
        ]
        try:
            record, created = self.store.create_dossier(
                client_uuid=key,
                kiosk_id=kiosk_id,
                receipt_number=dossier.receipt_number,
                procedure_code=dossier.procedure_code,
                body=body,
                files=files,
                now=self.settings.now(),
            )
        except ReceiptNumberTakenError:
            raise ProblemError(
                409,
                ProblemType.RECEIPT_NUMBER_TAKEN,
                "Another dossier already has this receipt number.",
                errors=[FieldProblem("receipt_number", "already used by another dossier")],
            ) from None
        if not created:
            # Created by a concurrent request between the look-up and the insert.
            self._same(record, body, kiosk_id)
        return record, created

    @staticmethod
    def _same(existing: DossierRecord, body: str, kiosk_id: str) -> None:
        if existing.body != body or existing.kiosk_id != kiosk_id:
            raise ProblemError(
                409,
                ProblemType.IDEMPOTENCY_CONFLICT,
                "This Idempotency-Key was already used with a different body.",
            )

    def appointment_for(self, dossier: DossierRecord) -> date:
        body = json.loads(dossier.body)
        received = datetime.fromisoformat(body["received_at"])
        try:
            procedure = self.catalog.get(dossier.procedure_code)
        except KeyError:
            # The catalog changed since the dossier was accepted: the date the kiosk promised
            # is the best there is.
            return date.fromisoformat(body["due_date"])
        cutoff: time | None = procedure.cutoff
        return self.calendar.due_date(received, procedure.processing_days, cutoff)

    def unit_of(self, dossier: DossierRecord) -> str:
        """The unit an official code is issued in: the commune whose kiosk took the dossier
        (``KioskRecord.unit_code``), or the gateway's own unit for a kiosk never given one."""
        kiosk = self.store.kiosk(dossier.kiosk_id)
        return (kiosk.unit_code if kiosk is not None else None) or self.settings.unit_code

    def _register_code(self, dossier: DossierRecord, note: str) -> Finalization:
        """The store's registration of the dossier (blocking: its unit, then the store)."""
        now = self.settings.now()
        return self.store.finalize(
            dossier.dossier_id,
            now=now,
            day=now.astimezone(VIETNAM).date(),
            unit_code=self.unit_of(dossier),
            appointment_date=self.appointment_for(dossier),
            note=note,
        )

    async def finalize(self, dossier: DossierRecord, note: str) -> DossierRecord:
        """Register the dossier under its official code (the one it has, if registered).

        ``409`` (``files-incomplete``) naming the files still missing, or ``503`` when an upload
        of the dossier is being written or completed right now. ``note`` goes into the
        dossier's history with its first status.
        """
        examined = True
        if dossier.dossier_code is None:
            # A file whose bytes all arrived but whose completion a crash interrupted would
            # otherwise be "missing" for ever: the kiosk has nothing more to send.
            examined = await self.tus.settle_dossier(dossier.dossier_id)
        outcome = await self.offload(self._register_code, dossier, note)
        if outcome.missing and not examined:
            # An upload of this dossier is being written or completed right now: "missing"
            # would make the kiosk send the whole file again (and count it against the dossier).
            raise ProblemError(
                503,
                ProblemType.UNAVAILABLE,
                "An upload of this dossier is still being completed; try again shortly.",
                headers={"Retry-After": "2"},
            )
        if outcome.missing:
            raise ProblemError(
                409,
                ProblemType.FILES_INCOMPLETE,
                f"{len(outcome.missing)} file(s) of the dossier have not been uploaded.",
                errors=[FieldProblem(file_id, "not uploaded yet") for file_id in outcome.missing],
            )
        registered = outcome.dossier
        if dossier.dossier_code is None:
            log.info("dossier %s registered as %s", dossier.dossier_id, registered.dossier_code)
        return registered
