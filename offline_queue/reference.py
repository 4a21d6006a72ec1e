"""Reference data from the gateway: the province's procedure catalog, calendar overrides, the
protocol limits a dossier must stay within (``offline_queue.limits``) and the old → current
administrative units table (``dvc_common.admin_units``).

Fetched with ETags (a 304 costs a few hundred bytes on a weak link), validated with the same
schema the kiosk uses before anything is replaced, and installed atomically, so a kiosk always
has a complete, valid catalog: the new one, or the one it had. The app reads the installed copy
at start-up and never waits for this.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from dvc_common.admin_units import PROVINCES_FILE, units_files
from dvc_common.atomic import fsync_directory, write_atomic
from dvc_common.calendar import parse_overrides
from dvc_common.catalog import INDEX_FILE, CatalogIndex, Procedure
from dvc_common.datafile import ConfigError
from dvc_common.protocol import ProtocolLimits
from offline_queue.limits import LIMITS_FILE
from offline_queue.store import ErrorKind, QueueStore
from offline_queue.transport import GatewayError, HttpTransport

log = logging.getLogger(__name__)

CATALOG_DIR = "catalog"
OVERRIDES_FILE = "calendar_overrides.toml"
ADMIN_UNITS_DIR = "admin_units"
_ETAG_KEY = "reference_etags"


@dataclass(frozen=True)
class RefreshResult:
    catalog_updated: bool
    calendar_updated: bool
    limits_updated: bool = False
    units_updated: bool = False


def installed_catalog(reference_dir: Path) -> Path | None:
    """The downloaded catalog directory, if one was installed."""
    path = reference_dir / CATALOG_DIR
    return path if (path / INDEX_FILE).is_file() else None


def installed_overrides(reference_dir: Path) -> Path | None:
    path = reference_dir / OVERRIDES_FILE
    return path if path.is_file() else None


def installed_admin_units(reference_dir: Path) -> Path | None:
    """The downloaded units table directory, if one was installed."""
    path = reference_dir / ADMIN_UNITS_DIR
    return path if (path / PROVINCES_FILE).is_file() else None


class ReferenceData:
    """Keeps ``reference_dir`` in step with the gateway."""

    def __init__(self, store: QueueStore, transport: HttpTransport, reference_dir: Path) -> None:
        self._store = store
        self._http = transport
        self._dir = reference_dir

    def refresh(self) -> RefreshResult:
        """Fetch what changed; raises GatewayError when the gateway answered nonsense."""
        etags: dict[str, str] = self._store.read_status(_ETAG_KEY) or {}
        catalog = self._fetch("api/v1/catalog", etags.get("catalog"))
        calendar = self._fetch("api/v1/calendar/overrides", etags.get("calendar"))
        if catalog is not None:
            self._install_catalog(catalog[0])
            etags["catalog"] = catalog[1]
        if calendar is not None:
            self._install_calendar(calendar[0])
            etags["calendar"] = calendar[1]
        limits = self._fetch_optional("api/v1/limits", etags.get("limits"))
        if limits is not None:
            self._install_limits(limits[0])
            etags["limits"] = limits[1]
        units = self._fetch_optional("api/v1/admin-units", etags.get("units"))
        if units is not None:
            self._install_units(units[0])
            etags["units"] = units[1]
        if any(doc is not None for doc in (catalog, calendar, limits, units)):
            self._store.publish_status(_ETAG_KEY, etags)
        return RefreshResult(
            catalog is not None, calendar is not None, limits is not None, units is not None
        )

    def _fetch_optional(self, path: str, etag: str | None) -> tuple[dict[str, Any], str] | None:
        """A document newer than the protocol's first version; None when unchanged, or when
        the gateway predates it (404): what the kiosk has (the defaults, the bundled table)
        then stays in force."""
        try:
            return self._fetch(path, etag)
        except GatewayError as exc:
            if exc.status == 404:
                return None
            raise

    def _install_units(self, data: dict[str, Any]) -> None:
        try:
            files = units_files(data)
        except ConfigError as exc:
            raise GatewayError(ErrorKind.PERMANENT, f"gateway admin units refused: {exc}") from None
        self._install_directory(
            ADMIN_UNITS_DIR,
            {name: tomli_w.dumps(raw) for name, raw in files.items()},
        )
        log.info("installed the gateway's administrative units table (%d files)", len(files))

    def _install_limits(self, data: dict[str, Any]) -> None:
        try:
            limits = ProtocolLimits.from_document(data)
        except ValueError as exc:
            raise GatewayError(ErrorKind.PERMANENT, f"gateway limits refused: {exc}") from None
        write_atomic(
            self._dir / LIMITS_FILE, json.dumps(limits.to_document(), indent=2).encode("utf-8")
        )
        log.info("installed the gateway's limits")

    def _fetch(self, path: str, etag: str | None) -> tuple[dict[str, Any], str] | None:
        headers = {"If-None-Match": etag} if etag else {}
        response = self._http.call("GET", path, headers=headers, ok=(200, 304))
        if response.status == 304:
            return None
        return response.json_object(), response.headers.get("etag", "")

    def _install_catalog(self, data: dict[str, Any]) -> None:
        try:
            index = CatalogIndex.model_validate({k: data.get(k) for k in CatalogIndex.model_fields})
            procedures = [Procedure.model_validate(p) for p in data.get("procedures", [])]
        except ValidationError as exc:
            raise GatewayError(
                ErrorKind.PERMANENT, f"gateway catalog refused: {exc.error_count()} problem(s)"
            ) from None
        if not procedures:
            raise GatewayError(ErrorKind.PERMANENT, "gateway catalog has no procedures")
        files = {INDEX_FILE: tomli_w.dumps(index.model_dump(mode="json"))}
        for procedure in procedures:
            text = tomli_w.dumps(procedure.model_dump(mode="json", exclude_none=True))
            files[f"{procedure.slug}.toml"] = text
        self._install_directory(CATALOG_DIR, files)
        log.info("installed the gateway's catalog (%d procedures)", len(procedures))

    def _install_directory(self, name: str, files: dict[str, str]) -> None:
        """Replace ``name`` under the reference directory with ``files`` as one step: the app
        reads the old set or the new one, never a mixture."""
        self._dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=self._dir))
        try:
            for file_name, text in files.items():
                (staging / file_name).write_text(text, encoding="utf-8")
            target = self._dir / name
            old = self._dir / f".{name}-old"
            shutil.rmtree(old, ignore_errors=True)
            if target.exists():
                target.replace(old)
            staging.replace(target)
            fsync_directory(self._dir)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _install_calendar(self, data: dict[str, Any]) -> None:
        entries: dict[str, list[dict[str, Any]]] = {}
        for key in ("day_off", "working_day"):
            items = data.get(key, [])
            if not isinstance(items, list):
                raise GatewayError(ErrorKind.PERMANENT, f"calendar {key} is not a list")
            try:
                entries[key] = [
                    {"date": date.fromisoformat(str(i["date"])), "reason": str(i["reason"])}
                    for i in items
                ]
            except (KeyError, TypeError, ValueError):
                raise GatewayError(ErrorKind.PERMANENT, f"calendar {key} entry malformed") from None
        text = tomli_w.dumps({"schema_version": 1, **entries})
        try:
            # The kiosk's own parser checks it exactly as it will be read at start-up.
            parse_overrides(text, "gateway calendar")
        except ConfigError as exc:
            raise GatewayError(ErrorKind.PERMANENT, str(exc)) from None
        write_atomic(self._dir / OVERRIDES_FILE, text.encode("utf-8"))
        log.info("installed the gateway's calendar overrides")

