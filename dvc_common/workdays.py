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

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from dvc_common.calendar import CalendarOverrides, load_overrides, parse_overrides
from dvc_common.clock import VIETNAM

__all__ = ["CalendarOverrides", "WorkingCalendar", "load_overrides", "parse_overrides"]

_SATURDAY = 5


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
