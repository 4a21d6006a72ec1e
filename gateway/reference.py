"""Reference data the gateway hands out: the procedure catalog, the calendar overrides and the
old → current administrative units table, as JSON documents with strong entity tags so a kiosk
re-downloads them only when they change.

The catalog and the calendar overrides are the province's to change: the console publishes new
versions (``gateway.publications``), and ``ReferenceSource`` serves the newest one, or the files
loaded at start when nothing was published. Every replica asks the store for the newest version
number on each request (one indexed look-up) and reads and parses a body only when that number
moved, so a publication made through one replica is served by all of them without a restart.
``FollowingCatalog`` and ``FollowingCalendar`` give the dossier intake the same documents in
force: a procedure published a minute ago is accepted, and an appointment date counts the days
off the province published.

A published document is checked with the kiosk's own schema (``dvc_common.catalog``,
``dvc_common.calendar``) before it is stored (``check_catalog``, ``check_overrides``), with
every problem named in plain Vietnamese with where it is, since a province's staff read them.

``ReferenceData`` holds what is loaded once per process: those, the units table, the limits and
the protocol document; the composition root (``gateway.app``) builds it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from dvc_common.calendar import OVERRIDES_SCHEMA_VERSION
from dvc_common.catalog import (
    CATALOG_SCHEMA_VERSION,
    Catalog,
    CatalogIndex,
    Procedure,
)
from dvc_common.datafile import ConfigError
from dvc_common.workdays import CalendarOverrides, WorkingCalendar, parse_overrides
from gateway.publications import PublicationInfo, PublicationKind, PublicationStore

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 1024 * 1024
"""The largest catalog or calendar document published: a kiosk refuses a larger answer
(``offline_queue.transport.MAX_RESPONSE_BYTES``), so a bigger one would never reach a kiosk."""

MAX_REASON_CHARS = 200
"""The longest reason a day of the calendar takes: it is shown on the kiosk's screen."""


@dataclass(frozen=True)
class Tagged:
    """A reference document served with a strong entity tag."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, data: Any) -> Tagged:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return cls(body, etag_of(body))

    def response(self, request: Request) -> Response:
        if _etag_matches(request.headers.get("if-none-match"), self.etag):
            return Response(status_code=304, headers={"ETag": self.etag})
        return Response(self.body, media_type="application/json", headers={"ETag": self.etag})


def etag_of(body: bytes) -> str:
    """The strong entity tag of a document's bytes (quoted, as the header carries it)."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


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
        "schema_version": OVERRIDES_SCHEMA_VERSION,
        "day_off": [
            {"date": d.isoformat(), "reason": r} for d, r in sorted(overrides.days_off.items())
        ],
        "working_day": [
            {"date": d.isoformat(), "reason": r} for d, r in sorted(overrides.working_days.items())
        ],
    }


# --- checking a document with the kiosk's schema, in words a province's staff read ---------------


@dataclass(frozen=True)
class DocumentProblem:
    """One reason a document was refused: where it is (a path into the JSON, list items named
    by their code or name), and what is wrong, in Vietnamese."""

    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text}" if self.where else self.text


class DocumentRefusedError(Exception):
    """The document cannot be published; ``problems`` says every reason found."""

    def __init__(self, problems: list[DocumentProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


MAX_PROBLEMS = 50
"""Problems listed at most; a file that is wrong everywhere is one to fix at its source."""

_PLAIN: Mapping[str, str] = {
    "missing": "thiếu mục này",
    "extra_forbidden": (
        "mục này không có trong mẫu danh mục (viết sai tên, hay của phiên bản khác?)"
    ),
    "string_type": "phải là một chuỗi chữ",
    "string_too_short": "quá ngắn: cần ít nhất {min_length} ký tự",
    "string_too_long": "quá dài: tối đa {max_length} ký tự",
    "string_pattern_mismatch": "không đúng định dạng (mẫu {pattern})",
    "int_type": "phải là một số nguyên",
    "int_parsing": "phải là một số nguyên",
    "int_from_float": "phải là một số nguyên",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "greater_than": "phải lớn hơn {gt}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "less_than": "phải nhỏ hơn {lt}",
    "enum": "phải là một trong các giá trị {expected}",
    "literal_error": "phải là một trong các giá trị {expected}",
    "too_short": "cần ít nhất {min_length} mục",
    "too_long": "nhiều nhất {max_length} mục",
    "tuple_type": "phải là một danh sách",
    "list_type": "phải là một danh sách",
    "model_type": "phải là một nhóm mục (đối tượng JSON)",
    "model_attributes_type": "phải là một nhóm mục (đối tượng JSON)",
    "dict_type": "phải là một nhóm mục (đối tượng JSON)",
    "time_parsing": "giờ không hợp lệ (viết dạng 16:30)",
    "time_type": "giờ không hợp lệ (viết dạng 16:30)",
}


def _where(loc: tuple[int | str, ...], raw: Any) -> str:
    """``('procedures', 2, 'fee', 'amount_vnd')`` → ``procedures[1.001193].fee.amount_vnd``: a
    list item is named by its code (or name) when it has one, else by its position from 1."""
    parts: list[str] = []
    node = raw
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            name = (item.get("code") or item.get("name")) if isinstance(item, dict) else None
            label = str(name) if isinstance(name, str | int) and name != "" else f"#{part + 1}"
            previous = parts.pop() if parts else ""
            parts.append(f"{previous}[{label}]")
            node = item
        else:
            parts.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)


def _plain(error: Any) -> str:
    template = _PLAIN.get(error["type"])
    context = error.get("ctx") or {}
    if template is not None:
        try:
            text = template.format(**context)
        except (KeyError, IndexError):
            text = template
        value = error.get("input")
        # The value found, when it is a short one: "phải lớn hơn hoặc bằng 0 (trong tệp: -1)".
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            shown = repr(value) if isinstance(value, str) else str(value)
            if len(shown) <= 60 and error["type"] != "missing":
                text += f" (trong tệp: {shown})"
        return text
    # The schema's own rules (a scanned document without titles, a fee that does not match its
    # kind …) explain themselves in the schema's words; they are quoted after a plain lead.
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"không đúng quy tắc của danh mục: {message}"


def _validate(model: type[BaseModel], data: Any, raw: Any, prefix: tuple[int | str, ...],
              problems: list[DocumentProblem]) -> Any:  # fmt: skip
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(
            DocumentProblem(_where(prefix + tuple(error["loc"]), raw), _plain(error))
            for error in exc.errors()
        )
        return None


def parse_json_document(data: bytes) -> Any:
    """A JSON document's bytes as parsed JSON; DocumentRefusedError (in Vietnamese, with the
    line and column) when they are not JSON in UTF-8."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentRefusedError(
            [DocumentProblem("", f"tệp không phải văn bản UTF-8 (byte thứ {exc.start + 1})")]
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentRefusedError(
            [DocumentProblem(
                f"dòng {exc.lineno}, cột {exc.colno}", f"tệp không phải JSON hợp lệ ({exc.msg})"
            )]
        ) from None  # fmt: skip


def check_catalog(raw: Any) -> Catalog:
    """The catalog document ``raw`` (parsed JSON, as ``GET /api/v1/catalog`` serves it) checked
    as a kiosk checks it before installing it; DocumentRefusedError naming every problem."""
    if not isinstance(raw, dict):
        raise DocumentRefusedError(
            [DocumentProblem("", "tệp phải là một đối tượng JSON có các mục schema_version, "
                                 "sample, source, updated và procedures")]
        )  # fmt: skip
    problems: list[DocumentProblem] = []
    unknown = sorted(set(raw) - {*CatalogIndex.model_fields, "procedures"})
    problems.extend(DocumentProblem(name, _PLAIN["extra_forbidden"]) for name in unknown)
    index_fields = {k: raw[k] for k in CatalogIndex.model_fields if k in raw}
    index = _validate(CatalogIndex, index_fields, raw, (), problems)
    if index is not None and index.schema_version != CATALOG_SCHEMA_VERSION:
        problems.append(
            DocumentProblem(
                "schema_version",
                f"phiên bản danh mục {index.schema_version} không được hỗ trợ (kiosk đọc phiên "
                f"bản {CATALOG_SCHEMA_VERSION})",
            )
        )
    items = raw.get("procedures")
    procedures: list[Procedure] = []
    if not isinstance(items, list):
        problems.append(DocumentProblem("procedures", "phải là một danh sách các thủ tục"))
    elif not items:
        problems.append(DocumentProblem("procedures", "danh mục chưa có thủ tục nào"))
    else:
        seen: dict[str, int] = {}
        for position, item in enumerate(items):
            procedure = _validate(Procedure, item, raw, ("procedures", position), problems)
            if procedure is None:
                continue
            for key in (procedure.code, procedure.slug):
                if key in seen:
                    problems.append(
                        DocumentProblem(
                            _where(("procedures", position), raw),
                            f"{key} đã dùng cho thủ tục thứ {seen[key] + 1}",
                        )
                    )
                seen[key] = position
            procedures.append(procedure)
    if problems:
        raise DocumentRefusedError(problems[:MAX_PROBLEMS])
    assert index is not None
    return Catalog(index, procedures)


def check_overrides(raw: Any) -> CalendarOverrides:
    """The calendar overrides document ``raw`` (parsed JSON, as ``GET /api/v1/calendar/
    overrides`` serves it) checked as a kiosk checks it: turned into the override file's TOML
    and read by the kiosk's own parser; DocumentRefusedError naming every problem."""
    if not isinstance(raw, dict):
        raise DocumentRefusedError([DocumentProblem("", "phải là một đối tượng JSON")])
    problems: list[DocumentProblem] = []
    unknown = sorted(set(raw) - {"schema_version", "day_off", "working_day"})
    problems.extend(DocumentProblem(name, "mục này không có trong mẫu lịch") for name in unknown)
    if raw.get("schema_version") != OVERRIDES_SCHEMA_VERSION:
        problems.append(DocumentProblem("schema_version", f"phải là {OVERRIDES_SCHEMA_VERSION}"))
    entries: dict[str, list[dict[str, Any]]] = {}
    dates: dict[date, str] = {}
    for key in ("day_off", "working_day"):
        items = raw.get(key, [])
        if not isinstance(items, list):
            problems.append(DocumentProblem(key, "phải là một danh sách ngày"))
            continue
        entries[key] = []
        for position, item in enumerate(items):
            where = f"{key}[#{position + 1}]"
            if not isinstance(item, dict) or set(item) != {"date", "reason"}:
                problems.append(DocumentProblem(where, "mỗi ngày cần đúng hai mục date và reason"))
                continue
            try:
                day = date.fromisoformat(str(item["date"]))
            except ValueError:
                problems.append(
                    DocumentProblem(f"{where}.date", "ngày không hợp lệ (viết dạng 2026-12-31)")
                )
                continue
            where = f"{key}[{day.isoformat()}]"
            reason = item["reason"]
            if not isinstance(reason, str) or not reason.strip():
                problems.append(DocumentProblem(f"{where}.reason", "cần ghi lý do"))
                continue
            if len(reason) > MAX_REASON_CHARS:
                problems.append(
                    DocumentProblem(f"{where}.reason", f"quá dài: tối đa {MAX_REASON_CHARS} ký tự")
                )
                continue
            if day in dates:
                problems.append(
                    DocumentProblem(
                        where, f"ngày {day:%d/%m/%Y} đã có trong danh sách {dates[day]}"
                    )
                )
                continue
            dates[day] = key
            entries[key].append({"date": day, "reason": reason})
    if problems:
        raise DocumentRefusedError(problems[:MAX_PROBLEMS])
    text = tomli_w.dumps({"schema_version": OVERRIDES_SCHEMA_VERSION, **entries})
    try:
        # The kiosk's own parser, on the very text the kiosk will write and read.
        return parse_overrides(text, "lịch")
    except ConfigError as exc:
        raise DocumentRefusedError(
            [DocumentProblem(p.field, f"lịch không hợp lệ: {p.reason}") for p in exc.problems]
        ) from None


# --- what changes when a catalog replaces another ------------------------------------------------


@dataclass(frozen=True)
class ProcedureChange:
    code: str
    name: str
    fields: tuple[str, ...] = ()
    """The procedure's top-level fields that differ (for a changed procedure)."""


@dataclass(frozen=True)
class CatalogChanges:
    added: tuple[ProcedureChange, ...]
    removed: tuple[ProcedureChange, ...]
    changed: tuple[ProcedureChange, ...]
    index_fields: tuple[str, ...]
    """Fields of the catalog's heading that differ (source, updated, sample)."""

    @property
    def none(self) -> bool:
        return not (self.added or self.removed or self.changed or self.index_fields)


def catalog_changes(old: Catalog, new: Catalog) -> CatalogChanges:
    """What publishing ``new`` in place of ``old`` changes, procedure by procedure (by code)."""
    before = {p.code: p for p in old}
    after = {p.code: p for p in new}
    changed = []
    for code in sorted(before.keys() & after.keys()):
        a = before[code].model_dump(mode="json")
        b = after[code].model_dump(mode="json")
        fields = tuple(name for name in b if a.get(name) != b.get(name))
        if fields:
            changed.append(ProcedureChange(code, after[code].name, fields))
    old_index = old.index.model_dump(mode="json")
    new_index = new.index.model_dump(mode="json")
    return CatalogChanges(
        added=tuple(
            ProcedureChange(c, after[c].name) for c in sorted(after.keys() - before.keys())
        ),
        removed=tuple(
            ProcedureChange(c, before[c].name) for c in sorted(before.keys() - after.keys())
        ),
        changed=tuple(changed),
        index_fields=tuple(k for k in new_index if old_index.get(k) != new_index.get(k)),
    )


# --- the documents in force ----------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogInForce:
    catalog: Catalog
    doc: Tagged
    publication: PublicationInfo | None
    """None: the catalog the gateway was started with (no publication yet)."""


@dataclass(frozen=True)
class CalendarInForce:
    overrides: CalendarOverrides
    calendar: WorkingCalendar
    doc: Tagged
    publication: PublicationInfo | None


@dataclass
class _Cached:
    version: int | None
    value: Any


class ReferenceSource:
    """The catalog and calendar overrides in force: the newest publication of each, or the ones
    the gateway was started with. Blocking (it asks the store): call it off the event loop.

    A publication whose body no longer parses (stored by a newer gateway with a schema this one
    does not read) is logged and the previous document stays in force: kiosks keep what works.
    """

    def __init__(
        self, publications: PublicationStore, *, catalog: Catalog, overrides: CalendarOverrides
    ) -> None:
        self.publications = publications
        self._started = {
            PublicationKind.CATALOG: CatalogInForce(
                catalog, Tagged.of(catalog_document(catalog)), None
            ),
            PublicationKind.CALENDAR: CalendarInForce(
                overrides,
                WorkingCalendar(overrides),
                Tagged.of(overrides_document(overrides)),
                None,
            ),
        }
        self._cache: dict[PublicationKind, _Cached] = {
            kind: _Cached(None, value) for kind, value in self._started.items()
        }
        self._lock = threading.Lock()

    def catalog(self) -> CatalogInForce:
        value = self._current(PublicationKind.CATALOG)
        assert isinstance(value, CatalogInForce)
        return value

    def calendar(self) -> CalendarInForce:
        value = self._current(PublicationKind.CALENDAR)
        assert isinstance(value, CalendarInForce)
        return value

    def _current(self, kind: PublicationKind) -> Any:
        version = self.publications.latest_version(kind)
        cached = self._cache[kind]
        if cached.version == version:
            return cached.value
        with self._lock:
            cached = self._cache[kind]
            if cached.version == version:
                return cached.value
            publication = self.publications.latest(kind) if version is not None else None
            if publication is None:
                value: Any = self._started[kind]
                found: int | None = None
            else:
                found = publication.version
                try:
                    value = self._load(kind, publication.body, publication)
                except DocumentRefusedError as exc:
                    log.error("published %s version %d cannot be read (%s); kept the one in force",
                              kind.value, publication.version, exc)  # fmt: skip
                    value = cached.value
            self._cache[kind] = _Cached(found, value)
            return value

    @staticmethod
    def _load(kind: PublicationKind, body: bytes, info: PublicationInfo) -> Any:
        raw = parse_json_document(body)
        # The stored bytes and tag are served as they are: every replica serves the same.
        tagged = Tagged(body, info.etag)
        meta = PublicationInfo(**{k: v for k, v in vars(info).items() if k != "body"})
        if kind is PublicationKind.CATALOG:
            return CatalogInForce(check_catalog(raw), tagged, meta)
        overrides = check_overrides(raw)
        return CalendarInForce(overrides, WorkingCalendar(overrides), tagged, meta)


class FollowingCatalog(Catalog):
    """The catalog in force, asked again at each use: the dossier intake's catalog, so a
    procedure published a minute ago is accepted. ``index`` is the started catalog's (the intake
    does not read it)."""

    def __init__(self, source: ReferenceSource) -> None:
        started = source.catalog().catalog
        super().__init__(started.index, list(started))
        self._source = source

    def _now(self) -> Catalog:
        return self._source.catalog().catalog

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self._now())

    def __len__(self) -> int:
        return len(self._now())

    def __contains__(self, code: object) -> bool:
        return code in self._now()

    def get(self, code: str) -> Procedure:
        return self._now().get(code)

    @property
    def is_sample(self) -> bool:
        return self._now().is_sample


class FollowingCalendar(WorkingCalendar):
    """The working calendar in force, asked again at each use: appointment dates count the
    days off the province published."""

    def __init__(self, source: ReferenceSource) -> None:
        super().__init__()
        self._source = source

    def _now(self) -> WorkingCalendar:
        return self._source.calendar().calendar

    def day_off_reason(self, day: date) -> str | None:
        return self._now().day_off_reason(day)

    def is_working_day(self, day: date) -> bool:
        return self._now().is_working_day(day)

    def next_working_day(self, day: date) -> date:
        return self._now().next_working_day(day)

    def effective_receipt_day(self, received: datetime, cutoff: time | None) -> date:
        return self._now().effective_receipt_day(received, cutoff)

    def due_date(self, received: datetime, working_days: int, cutoff: time | None) -> date:
        return self._now().due_date(received, working_days, cutoff)


@dataclass(frozen=True)
class ReferenceData:
    """What the handlers consult and publish, loaded once per process."""

    catalog: Catalog
    """The catalog the settings name (the bundled sample by default), in force until the
    console publishes one."""
    overrides: CalendarOverrides
    """The calendar overrides the settings name, likewise."""
    limits_doc: Tagged
    units_doc: Tagged
    """The old → current administrative units table (``dvc_common.admin_units``)."""
    specification: bytes
    """The bundled ``openapi.yaml``, served as is."""
