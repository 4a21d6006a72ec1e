"""The kiosk's core built from the settings: catalog, calendar, scratch space, receipt numbers,
the outbox behind the journey's queue port, the old → current administrative units table, and the
journey. A factory for the composition roots that need the core (the touchscreen app's
``ui/app.py``, the text demo); it builds nothing else.

Nothing here runs at import time; nothing opens a device or starts a thread until asked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from config.settings import Settings
from dvc_common.admin_units import AdminUnits, load_admin_units
from dvc_common.catalog import Catalog, load_catalog
from dvc_common.clock import Clock, SystemClock
from dvc_common.workdays import WorkingCalendar, load_overrides
from kiosk.journey import AddressSuggestion, Journey, JourneySettings
from kiosk.outbox import Outbox
from kiosk.ports import ConfirmationProvider, DossierQueue, QueueError, ScreenConfirmation
from kiosk.receipts import ReceiptNumbers
from kiosk.scratch import ScratchSpace
from offline_queue.crypto import CryptoError
from offline_queue.errors import StoreError
from offline_queue.opening import catalog_dir, open_queue_store, reference_dir
from offline_queue.reference import installed_admin_units, installed_overrides

RECEIPTS_DB = "receipts.sqlite3"


@dataclass(frozen=True)
class Kiosk:
    settings: Settings
    clock: Clock
    catalog: Catalog
    calendar: WorkingCalendar
    receipts: ReceiptNumbers
    scratch: ScratchSpace
    queue: DossierQueue
    journey: Journey


def load_calendar(settings: Settings) -> WorkingCalendar:
    path = settings.paths.calendar_overrides or installed_overrides(reference_dir(settings))
    return WorkingCalendar(load_overrides(path))


def admin_units_dir(settings: Settings) -> Path | None:
    """The old → current administrative units table the sync process installed from the
    gateway, else the bundled one (None)."""
    return installed_admin_units(reference_dir(settings))


def current_address(units: AdminUnits, card_address: str) -> AddressSuggestion | None:
    """The card's address brought up to the 1 July 2025 units, for the citizen to confirm."""
    update = units.update_address(card_address)
    if update is None:
        return None
    return AddressSuggestion(card_address, update.updated, update.commune_checked)


def build_kiosk(
    settings: Settings,
    *,
    clock: Clock | None = None,
    queue: DossierQueue | None = None,
    confirmation: ConfirmationProvider | None = None,
) -> Kiosk:
    """Build and wire every object; raises ConfigError if a data file is broken."""
    clock = clock or SystemClock()
    catalog = load_catalog(catalog_dir(settings))
    calendar = load_calendar(settings)
    units = load_admin_units(admin_units_dir(settings))
    scratch = ScratchSpace(settings.paths.scratch_dir)
    # A session left over from a crash or power cut is abandoned: its scans must not linger.
    scratch.wipe_all()
    taken: Callable[[str], bool] | None = None
    if queue is None:
        try:
            store = open_queue_store(settings, now=lambda: clock.now().timestamp(), catalog=catalog)
            store.check()
        except (StoreError, CryptoError, sqlite3.Error, OSError) as exc:
            # Locked, disk full, key missing: nothing was moved; the caller says why and stops.
            raise QueueError(f"the outbox cannot be opened: {exc}") from exc
        queue = Outbox(store)
        taken = store.receipt_number_taken
    receipts = ReceiptNumbers(settings.paths.data_dir / RECEIPTS_DB, settings.kiosk.id, taken=taken)
    journey = Journey(
        settings=JourneySettings(
            kiosk_id=settings.kiosk.id,
            idle_warning_after_s=settings.session.idle_warning_after_s,
            idle_countdown_s=settings.session.idle_countdown_s,
            help_wait_s=settings.session.help_wait_s,
            reading_idle_s=settings.session.reading_idle_s,
        ),
        clock=clock,
        catalog=catalog,
        calendar=calendar,
        queue=queue,
        receipts=receipts,
        scratch=scratch,
        confirmation=confirmation or ScreenConfirmation(),
        addresses=partial(current_address, units),
    )
    return Kiosk(settings, clock, catalog, calendar, receipts, scratch, queue, journey)
