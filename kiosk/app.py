"""Composition root: the one place that builds the kiosk's objects from the settings.

Nothing here runs at import time; nothing opens a device or starts a thread until asked.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Container
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings
from dvc_common.catalog import Catalog, load_catalog
from dvc_common.clock import Clock, SystemClock
from dvc_common.workdays import WorkingCalendar, load_overrides
from kiosk.journey import Journey, JourneySettings
from kiosk.outbox import Outbox
from kiosk.ports import ConfirmationProvider, DossierQueue, QueueError, ScreenConfirmation
from kiosk.receipts import ReceiptNumbers
from kiosk.scratch import ScratchSpace
from offline_queue.crypto import CryptoError
from offline_queue.limits import load_installed
from offline_queue.reference import installed_catalog, installed_overrides
from offline_queue.store import QueueError as StoreError
from offline_queue.store import QueueStore

RECEIPTS_DB = "receipts.sqlite3"
QUEUE_DIR = "queue"
REFERENCE_DIR = "reference"


def open_queue_store(
    settings: Settings,
    *,
    now: Callable[[], float] = time.time,
    catalog: Catalog | None = None,
) -> QueueStore:
    """The encrypted outbox shared by the app and the sync process.

    Enqueue refuses what the gateway would: the limits the gateway published (installed by the
    sync process beside the catalog, read at each enqueue so a new document applies at once) and
    the procedures of ``catalog`` (the one the app offers; loaded here when not given).
    """
    known = catalog
    references = reference_dir(settings)

    def procedures() -> Container[str]:
        nonlocal known
        if known is None:
            known = load_catalog(catalog_dir(settings))
        return known

    return QueueStore(
        settings.paths.data_dir / QUEUE_DIR,
        settings.master_key_path,
        now=now,
        min_free_bytes=settings.queue.min_free_mb * 1024 * 1024,
        limits=lambda: load_installed(references),
        known_procedures=procedures,
    )


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


def reference_dir(settings: Settings) -> Path:
    """Where the sync process installs the gateway's catalog and calendar overrides."""
    return settings.paths.data_dir / REFERENCE_DIR


def catalog_dir(settings: Settings) -> Path | None:
    """The configured catalog, else the one synced from the gateway, else the bundled sample."""
    return settings.paths.catalog_dir or installed_catalog(reference_dir(settings))


def load_calendar(settings: Settings) -> WorkingCalendar:
    path = settings.paths.calendar_overrides or installed_overrides(reference_dir(settings))
    return WorkingCalendar(load_overrides(path))


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
        ),
        clock=clock,
        catalog=catalog,
        calendar=calendar,
        queue=queue,
        receipts=receipts,
        scratch=scratch,
        confirmation=confirmation or ScreenConfirmation(),
    )
    return Kiosk(settings, clock, catalog, calendar, receipts, scratch, queue, journey)
