"""The gateway's catalog, calendar overrides, limits and administrative units table, fetched with
ETags and installed atomically."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import GatewaySection, PathsSection, Settings
from dvc_common.admin_units import (
    BUNDLED_ADMIN_UNITS_DIR,
    load_admin_units,
    units_document,
    units_files,
)
from dvc_common.calendar import load_overrides
from dvc_common.catalog import load_catalog
from dvc_common.datafile import ConfigError
from kiosk.app import admin_units_dir, build_kiosk
from offline_queue.opening import catalog_dir, reference_dir
from offline_queue.reference import ReferenceData, installed_admin_units, installed_catalog
from offline_queue.store import QueueStore
from offline_queue.transport import GatewayError, HttpTransport
from simulators.gateway_process import GatewayProcess


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


def test_the_gateways_limits_are_installed_and_enforced_at_enqueue(
    tmp_path: Path, gateway: GatewayProcess
) -> None:
    from dvc_common.protocol import DEFAULT_LIMITS
    from offline_queue.limits import load_installed
    from offline_queue.opening import open_queue_store
    from tests.offline_queue.conftest import make_body

    # The kiosk's defaults, in force before the first sync, are what the gateway publishes.
    assert DEFAULT_LIMITS.to_document() == DEFAULT_LIMITS.to_document()
    settings = Settings(
        paths=PathsSection(data_dir=tmp_path / "data", scratch_dir=tmp_path / "scratch"),
        gateway=GatewaySection(url=gateway.url),
    )
    store = open_queue_store(settings)
    data = ReferenceData(store, HttpTransport(gateway.url, gateway.token), reference_dir(settings))
    assert data.refresh().limits_updated
    assert load_installed(reference_dir(settings)) == DEFAULT_LIMITS
    assert not data.refresh().limits_updated  # 304 the second time
    # A province that tightens a limit: the next enqueue follows the installed document.
    (reference_dir(settings) / "limits.json").write_text(
        '{"version": 1, "max_form_value_chars": 5}', encoding="utf-8"
    )
    page = tmp_path / "page.png"
    page.write_bytes(b"page")
    client_uuid = "7f1d3c52-8c1e-4f49-9d0e-0a4a6f1f2b11"
    body = make_body(client_uuid, "KIOSK01-261123-0001")
    body["form"] = {"phone": "0912345678"}
    from offline_queue.limits import EnqueueRefusal
    from offline_queue.store import PageInput, QueueRefusedError

    with pytest.raises(QueueRefusedError) as caught:
        store.enqueue(
            client_uuid=client_uuid,
            receipt_number="KIOSK01-261123-0001",
            procedure_code="1.001193",
            body=body,
            pages=[PageInput(page, "birth_certificate", "birth_certificate-1.png", "image/png")],
        )
    assert caught.value.reasons == [EnqueueRefusal.FORM_VALUE_TOO_LONG]


def test_the_kiosks_text_bounds_are_the_protocols() -> None:
    from gateway.models import Applicant, DocumentManifest, DossierCreate, FileManifest
    from offline_queue.limits import (
        DOCUMENT_NAME_MAX,
        MEDIA_TYPE_MAX,
        MEDIA_TYPE_PATTERN,
        TEXT_LIMITS,
    )

    def bound(model: type, field: str, attribute: str) -> object:
        schema = model.model_json_schema()  # type: ignore[attr-defined]
        return schema["properties"][field][attribute]

    models = {"applicant": Applicant}
    for path, limit in TEXT_LIMITS.items():
        model = models.get(path[0], DossierCreate)
        assert bound(model, path[-1], "maxLength") == limit, path
    assert bound(DocumentManifest, "name", "maxLength") == DOCUMENT_NAME_MAX
    assert bound(FileManifest, "media_type", "maxLength") == MEDIA_TYPE_MAX
    assert bound(FileManifest, "media_type", "pattern") == MEDIA_TYPE_PATTERN


def test_the_gateways_units_table_is_installed_and_used_by_the_kiosk(
    tmp_path: Path, gateway: GatewayProcess
) -> None:
    """A province's table (here: a commune the bundled one does not know) reaches the kiosk
    with the reference data, and the card's old address is then offered in its current form."""
    table = tmp_path / "province-units"
    shutil.copytree(BUNDLED_ADMIN_UNITS_DIR, table)
    rows = (table / "da_nang.toml").read_text(encoding="utf-8")
    assert "Bình Thử" not in rows
    (table / "da_nang.toml").write_text(
        rows.replace(
            'communes = [\n',
            'communes = [\n    { old = "xã Bình Thử", new = "xã Thăng Thử" },\n',
            1,
        ),
        encoding="utf-8",
    )
    served = GatewayProcess.start(tmp_path / "province", "--admin-units", str(table))
    try:
        settings = Settings(
            paths=PathsSection(data_dir=tmp_path / "data", scratch_dir=tmp_path / "scratch"),
            gateway=GatewaySection(url=served.url),
        )
        store = QueueStore(tmp_path / "data" / "queue", settings.master_key_path)
        data = ReferenceData(
            store, HttpTransport(served.url, served.token), reference_dir(settings)
        )
        assert data.refresh().units_updated
        assert not data.refresh().units_updated  # 304 the second time
    finally:
        served.stop()
    installed = installed_admin_units(reference_dir(settings))
    assert installed is not None
    update = load_admin_units(installed).update_address(
        "Thôn 1, xã Bình Thử, huyện Thăng Bình, tỉnh Quảng Nam"
    )
    assert update is not None and update.commune_checked
    assert update.updated == "Thôn 1, xã Thăng Thử, thành phố Đà Nẵng"
    # The bundled table does not know that commune: the kiosk uses the gateway's.
    bundled = load_admin_units().update_address(
        "Thôn 1, xã Bình Thử, huyện Thăng Bình, tỉnh Quảng Nam"
    )
    assert bundled is not None and not bundled.commune_checked
    assert admin_units_dir(settings) == installed


def test_a_units_table_the_kiosk_would_refuse_is_not_installed(tmp_path: Path) -> None:
    document = units_document()
    document["provinces"]["province"] = []  # no rows: the schema refuses it
    with pytest.raises(ConfigError, match="province"):
        units_files(document)
    document = units_document()
    document["communes"]["../escape.toml"] = document["communes"]["da_nang.toml"]
    with pytest.raises(ConfigError, match="not a commune file name"):
        units_files(document)
