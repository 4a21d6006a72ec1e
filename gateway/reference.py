"""Reference data the gateway hands out: the procedure catalog, the calendar overrides and the
old → current administrative units table, as JSON documents with strong entity tags so a kiosk
re-downloads them only when they change.

``ReferenceData`` holds them, with the working calendar and the protocol document, once loaded
by the composition root (``gateway.app.create_app``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dvc_common.catalog import Catalog
from dvc_common.workdays import CalendarOverrides, WorkingCalendar


@dataclass(frozen=True)
class Tagged:
    """A reference document served with a strong entity tag."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, data: Any) -> Tagged:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return cls(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')

    def response(self, request: Request) -> Response:
        if _etag_matches(request.headers.get("if-none-match"), self.etag):
            return Response(status_code=304, headers={"ETag": self.etag})
        return Response(self.body, media_type="application/json", headers={"ETag": self.etag})


def _etag_matches(header: str | None, etag: str) -> bool:
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/ is ignored.
    if header is None:
        return False
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def catalog_document(catalog: Catalog) -> dict[str, Any]:
    return {
        "schema_version": catalog.index.schema_version,
        "sample": catalog.index.sample,
        "source": catalog.index.source,
        "updated": catalog.index.updated,
        "procedures": [p.model_dump(mode="json") for p in catalog],
    }


def overrides_document(overrides: CalendarOverrides) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "day_off": [
            {"date": d.isoformat(), "reason": r} for d, r in sorted(overrides.days_off.items())
        ],
        "working_day": [
            {"date": d.isoformat(), "reason": r} for d, r in sorted(overrides.working_days.items())
        ],
    }


@dataclass(frozen=True)
class ReferenceData:
    """What the handlers consult and publish, loaded once per process."""

    catalog: Catalog
    calendar: WorkingCalendar
    catalog_doc: Tagged
    overrides_doc: Tagged
    limits_doc: Tagged
    units_doc: Tagged
    """The old → current administrative units table (``dvc_common.admin_units``)."""
    specification: bytes
    """The bundled ``openapi.yaml``, served as is."""
