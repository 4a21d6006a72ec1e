"""Where the outbox and the reference data live under the kiosk's settings, and opening the
outbox as both the touchscreen app and the sync process must (the same limits, the same
catalog), so the two processes cannot disagree about what may be queued."""

from __future__ import annotations

import time
from collections.abc import Callable, Container
from pathlib import Path

from config.settings import Settings
from dvc_common.catalog import Catalog, load_catalog
from offline_queue.limits import load_installed
from offline_queue.reference import installed_catalog
from offline_queue.store import QueueStore

QUEUE_DIR = "queue"
REFERENCE_DIR = "reference"


def queue_dir(settings: Settings) -> Path:
    """The outbox's data directory."""
    return settings.paths.data_dir / QUEUE_DIR


def reference_dir(settings: Settings) -> Path:
    """Where the sync process installs the gateway's catalog and calendar overrides."""
    return settings.paths.data_dir / REFERENCE_DIR


def catalog_dir(settings: Settings) -> Path | None:
    """The configured catalog, else the one synced from the gateway, else the bundled sample."""
    return settings.paths.catalog_dir or installed_catalog(reference_dir(settings))


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
        queue_dir(settings),
        settings.master_key_path,
        now=now,
        min_free_bytes=settings.queue.min_free_mb * 1024 * 1024,
        limits=lambda: load_installed(references),
        known_procedures=procedures,
    )
