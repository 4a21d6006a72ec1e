"""Calendar override data: extra days off and make-up working days, as a validated file.

Technicians edit it and the gateway syncs it; ``dvc_common.workdays`` applies it on top of the
statutory calendar.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dvc_common import BUNDLED_CALENDAR_OVERRIDES
from dvc_common.datafile import ConfigError, FieldProblem

OVERRIDES_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class CalendarOverrides:
    """Days that differ from the statutory calendar, each with the reason a person gave."""

    days_off: dict[date, str] = field(default_factory=dict)
    working_days: dict[date, str] = field(default_factory=dict)


def _entries(raw: dict[str, Any], key: str, source: str) -> dict[date, str]:
    items = raw.get(key, [])
    if not isinstance(items, list):
        raise ConfigError(source, [FieldProblem(key, "must be an array of tables")])
    out: dict[date, str] = {}
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        if not isinstance(item, dict) or set(item) - {"date", "reason"}:
            raise ConfigError(source, [FieldProblem(where, "needs only 'date' and 'reason'")])
        day, reason = item.get("date"), item.get("reason")
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ConfigError(source, [FieldProblem(f"{where}.date", "must be a TOML date")])
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(source, [FieldProblem(f"{where}.reason", "must be a sentence")])
        if day in out:
            raise ConfigError(source, [FieldProblem(f"{where}.date", f"{day} is listed twice")])
        out[day] = reason
    return out


def parse_overrides(text: str, source: str = "<text>") -> CalendarOverrides:
    """Validate override-file text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [FieldProblem("", f"not valid TOML: {exc}")]) from None
    unknown = set(raw) - {"schema_version", "day_off", "working_day"}
    if unknown:
        raise ConfigError(source, [FieldProblem(k, "unknown key") for k in sorted(unknown)])
    version = raw.get("schema_version")
    if type(version) is not int or version != OVERRIDES_SCHEMA_VERSION:
        raise ConfigError(
            source, [FieldProblem("schema_version", f"must be {OVERRIDES_SCHEMA_VERSION}")]
        )
    overrides = CalendarOverrides(
        days_off=_entries(raw, "day_off", source),
        working_days=_entries(raw, "working_day", source),
    )
    both = overrides.days_off.keys() & overrides.working_days.keys()
    if both:
        day = min(both)
        raise ConfigError(source, [FieldProblem("day_off", f"{day} is also a working_day")])
    return overrides


def load_overrides(path: Path | None = None) -> CalendarOverrides:
    """The override file at ``path`` (the bundled one by default)."""
    path = path or BUNDLED_CALENDAR_OVERRIDES
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [FieldProblem("", f"cannot read: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), [FieldProblem("", "not UTF-8 text")]) from None
    return parse_overrides(text, str(path))
