"""Working days and appointment dates.

The appointment date for a procedure of N working days counts N working days starting from the
working day after the (effective) day of receipt. A dossier received after the procedure's cut-off
hour, or on a day off, counts as received on the next working day; a same-day procedure is due on
the effective day of receipt.

Days off are Saturdays, Sundays and the public holidays of the ``holidays`` package's Vietnam
calendar (Labour Code 2019 art. 112 with compensatory days, and the yearly swaps it knows). The
government decides further swaps each year, so an override file (technicians edit it; the gateway
syncs it) wins over everything: extra days off, and make-up working days on weekends.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from config import BUNDLED_CALENDAR_OVERRIDES
from config.settings import ConfigError, FieldProblem
from kiosk.clock import VIETNAM

OVERRIDES_SCHEMA_VERSION = 1
_SATURDAY = 5


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


@lru_cache(maxsize=64)
def _statutory_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    calendar = holidays.country_holidays("VN", years=year, language="vi")
    weekend_workdays = frozenset(d for d in calendar.weekend_workdays if d.year == year)
    return {d: str(name) for d, name in calendar.items()}, weekend_workdays


class WorkingCalendar:
    """Which days a commune office works, and appointment dates derived from that."""

    def __init__(self, overrides: CalendarOverrides | None = None, tz: ZoneInfo = VIETNAM) -> None:
        self._overrides = overrides or CalendarOverrides()
        self._tz = tz

    def day_off_reason(self, day: date) -> str | None:
        """Why ``day`` is not worked (Vietnamese), or None for a working day."""
        if day in self._overrides.working_days:
            return None
        if day in self._overrides.days_off:
            return self._overrides.days_off[day]
        holidays_of_year, weekend_workdays = _statutory_year(day.year)
        if day in weekend_workdays:
            return None
        if day in holidays_of_year:
            return holidays_of_year[day]
        if day.weekday() >= _SATURDAY:
            return "Thứ Bảy" if day.weekday() == _SATURDAY else "Chủ nhật"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.day_off_reason(day) is None

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += timedelta(days=1)
        # A year holds at most a few weeks of consecutive days off; 400 is a safe bound that
        # turns a broken override file into an error instead of a hang.
        for _ in range(400):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day within 400 days: check the calendar overrides")

    def effective_receipt_day(self, received: datetime, cutoff: time | None) -> date:
        """The working day a dossier counts as received on."""
        local = self._localize(received)
        day = local.date()
        if not self.is_working_day(day):
            return self.next_working_day(day)
        if cutoff is not None and local.time().replace(tzinfo=None) > cutoff:
            return self.next_working_day(day)
        return day

    def due_date(self, received: datetime, working_days: int, cutoff: time | None) -> date:
        """Appointment date for a result due ``working_days`` after receipt (0 = same day)."""
        if working_days < 0:
            raise ValueError("working_days must not be negative")
        day = self.effective_receipt_day(received, cutoff)
        for _ in range(working_days):
            day = self.next_working_day(day)
        return day

    def _localize(self, moment: datetime) -> datetime:
        # A naive time is the kiosk's local time; an aware one is converted to it.
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self._tz)
        return moment.astimezone(self._tz)
