"""The gateway's catalog and calendar overrides, fetched with ETags and installed atomically."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from config.calendar import load_overrides
from config.catalog import load_catalog
from config.settings import GatewaySection, PathsSection, Settings
from gateway.process import GatewayProcess
from kiosk.app import build_kiosk, catalog_dir, reference_dir
from offline_queue.reference import ReferenceData, installed_catalog
from offline_queue.store import QueueStore
from offline_queue.transport import GatewayError, HttpTransport


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(tmp_path / "gateway")
    yield process
    process.stop()


@pytest.fixture
def reference(tmp_path: Path, gateway: GatewayProcess) -> ReferenceData:
    store = QueueStore(tmp_path / "queue", tmp_path / "master.key")
    return ReferenceData(store, HttpTransport(gateway.url, gateway.token), tmp_path / "reference")


def test_catalog_and_calendar_are_installed_then_not_refetched(
    reference: ReferenceData, tmp_path: Path
) -> None:
    first = reference.refresh()
    assert (first.catalog_updated, first.calendar_updated) == (True, True)
    installed = installed_catalog(tmp_path / "reference")
    assert installed is not None
    catalog = load_catalog(installed)
    assert {p.code for p in catalog} == {p.code for p in load_catalog()}
    assert load_overrides(tmp_path / "reference" / "calendar_overrides.toml").days_off == {}
    # Unchanged at the gateway: a 304 each, nothing rewritten.
    before = (installed / "catalog.toml").stat().st_mtime_ns
    second = reference.refresh()
    assert (second.catalog_updated, second.calendar_updated) == (False, False)
    assert (installed / "catalog.toml").stat().st_mtime_ns == before


def test_garbage_keeps_the_installed_catalog(
    reference: ReferenceData, gateway: GatewayProcess, tmp_path: Path
) -> None:
    reference.refresh()
    installed = installed_catalog(tmp_path / "reference")
    assert installed is not None
    gateway.set_faults(garbage="malformed_json")
    # A fresh engine state (no stored ETag) forces a full fetch, which comes back as garbage.
    reference._store.publish_status("reference_etags", {})
    with pytest.raises(GatewayError, match="not JSON"):
        reference.refresh()
    assert len(load_catalog(installed)) == 7


def test_the_kiosk_prefers_the_synced_catalog(tmp_path: Path, gateway: GatewayProcess) -> None:
    settings = Settings(
        paths=PathsSection(data_dir=tmp_path / "data", scratch_dir=tmp_path / "scratch"),
        gateway=GatewaySection(url=gateway.url),
    )
    assert catalog_dir(settings) is None  # nothing synced yet: the bundled sample
    store = QueueStore(tmp_path / "data" / "queue", settings.master_key_path)
    ReferenceData(
        store, HttpTransport(gateway.url, gateway.token), reference_dir(settings)
    ).refresh()
    assert catalog_dir(settings) == reference_dir(settings) / "catalog"
    kiosk = build_kiosk(settings)
    assert len(kiosk.catalog) == 7
