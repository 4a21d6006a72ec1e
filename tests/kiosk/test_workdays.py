"""The working-day calendar: days off, the cut-off hour, appointment dates and override files."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dvc_common import BUNDLED_CALENDAR_OVERRIDES
from dvc_common.clock import VIETNAM
from dvc_common.datafile import ConfigError
from dvc_common.workdays import (
    CalendarOverrides,
    WorkingCalendar,
    load_overrides,
    parse_overrides,
)

CUTOFF = time(15, 0)
CAL = WorkingCalendar()


def at(day: date, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    """A naive local time on ``day`` (naive means kiosk-local)."""
    return datetime(day.year, day.month, day.day, hour, minute, second)  # noqa: DTZ001


@cache
def _vn(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def statutory_working(day: date) -> bool:
    """Independent oracle straight from the holidays package (no overrides)."""
    calendar = _vn(day.year)
    if day in calendar.weekend_workdays:
        return True
    return day.weekday() < 5 and day not in calendar


# --- the statutory calendar ----------------------------------------------------------------


def test_package_knows_the_2026_days_this_file_relies_on() -> None:
    vn = _vn(2026)
    assert all(date(2026, 2, d) in vn for d in range(16, 21)), "Tết 2026 is 16-20 Feb"
    assert date(2026, 2, 13) not in vn
    assert date(2026, 2, 23) not in vn
    assert date(2026, 4, 27) in vn  # Hùng Kings' day observed (26 Apr is a Sunday)
    assert date(2026, 8, 22) in vn.weekend_workdays
    assert date(2026, 8, 31) in vn
    assert date(2026, 11, 24) in vn


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 3, 7),  # Saturday
        date(2026, 3, 8),  # Sunday
        date(2026, 1, 1),
        date(2027, 1, 1),
        *(date(2026, 2, d) for d in range(16, 21)),  # Tết 2026
        date(2026, 4, 27),  # Hùng Kings' day, compensatory Monday
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 8, 31),  # swapped for Saturday 22 Aug
        date(2026, 9, 1),
        date(2026, 9, 2),
        date(2025, 9, 1),  # the day adjacent to 2 Sep in 2025
        date(2025, 9, 2),
        date(2026, 11, 24),  # Vietnam Cultural Day
    ],
)
def test_days_off(day: date) -> None:
    assert not CAL.is_working_day(day)
    assert CAL.day_off_reason(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 3, 6),  # an ordinary Friday
        date(2026, 3, 9),  # an ordinary Monday
        date(2026, 1, 2),
        date(2026, 2, 13),  # the Friday before Tết
        date(2026, 2, 23),  # the Monday after Tết
        date(2026, 4, 28),
        date(2026, 5, 4),
        date(2026, 8, 22),  # make-up Saturday
        date(2026, 9, 3),
        date(2026, 11, 23),
        date(2026, 11, 25),
        date(2025, 4, 26),  # make-up Saturday in 2025
    ],
)
def test_working_days(day: date) -> None:
    assert CAL.is_working_day(day)
    assert CAL.day_off_reason(day) is None


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 3, 7), "Thứ Bảy"),
        (date(2026, 3, 8), "Chủ nhật"),
        (date(2026, 1, 1), "Tết Dương lịch"),
        (date(2026, 2, 17), "Tết Nguyên Đán"),
        (date(2026, 4, 27), "Hùng Vương"),
        (date(2026, 4, 30), "Chiến thắng"),
        (date(2026, 5, 1), "Lao động"),
        (date(2026, 9, 2), "Quốc khánh"),
        (date(2026, 11, 24), "Văn hóa Việt Nam"),
    ],
)
def test_day_off_reason_is_vietnamese(day: date, words: str) -> None:
    reason = CAL.day_off_reason(day)
    assert reason is not None
    assert words in reason


def test_holiday_on_a_weekend_is_named_as_the_holiday() -> None:
    # 26 Apr 2026 is a Sunday and Hùng Kings' day: the holiday's name is the better reason.
    reason = CAL.day_off_reason(date(2026, 4, 26))
    assert reason is not None
    assert "Hùng Vương" in reason


# --- appointment dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "n", "due"),
    [
        # Friday before a weekend.
        (at(date(2026, 3, 6)), 0, date(2026, 3, 6)),
        (at(date(2026, 3, 6)), 1, date(2026, 3, 9)),
        (at(date(2026, 3, 6)), 3, date(2026, 3, 11)),
        (at(date(2026, 3, 6)), 5, date(2026, 3, 13)),
        # Ordinary mid-week.
        (at(date(2026, 3, 4)), 2, date(2026, 3, 6)),
        (at(date(2026, 3, 4)), 3, date(2026, 3, 9)),
        # Friday after the cut-off: counts as received on Monday.
        (at(date(2026, 3, 6), 15, 30), 0, date(2026, 3, 9)),
        (at(date(2026, 3, 6), 15, 30), 1, date(2026, 3, 10)),
        # Saturday and Sunday receipt: counts as received on Monday.
        (at(date(2026, 3, 7), 9), 0, date(2026, 3, 9)),
        (at(date(2026, 3, 7), 9), 1, date(2026, 3, 10)),
        (at(date(2026, 3, 8), 8), 2, date(2026, 3, 11)),
        # 1 January (Thursday 2026): across the year boundary.
        (at(date(2025, 12, 31)), 1, date(2026, 1, 2)),
        (at(date(2025, 12, 31), 16), 0, date(2026, 1, 2)),
        (at(date(2025, 12, 31), 16), 1, date(2026, 1, 5)),
        (at(date(2026, 1, 1)), 0, date(2026, 1, 2)),
        # Tết 2026: 16-20 Feb off, so the Friday before jumps to the Monday after.
        (at(date(2026, 2, 13)), 1, date(2026, 2, 23)),
        (at(date(2026, 2, 13), 15, 1), 0, date(2026, 2, 23)),
        (at(date(2026, 2, 17)), 0, date(2026, 2, 23)),
        (at(date(2026, 2, 17)), 2, date(2026, 2, 25)),
        # Hùng Kings' day 2026 (Sunday 26 Apr, observed Monday 27), then 30 Apr + 1 May.
        (at(date(2026, 4, 24)), 1, date(2026, 4, 28)),
        (at(date(2026, 4, 24)), 2, date(2026, 4, 29)),
        (at(date(2026, 4, 24)), 3, date(2026, 5, 4)),
        (at(date(2026, 4, 29)), 1, date(2026, 5, 4)),
        (at(date(2026, 4, 30)), 0, date(2026, 5, 4)),
        # 2 Sep 2026 and its adjacent day, with Monday 31 Aug swapped for Saturday 22 Aug.
        (at(date(2026, 8, 21)), 1, date(2026, 8, 22)),
        (at(date(2026, 8, 22)), 0, date(2026, 8, 22)),
        (at(date(2026, 8, 22), 16), 0, date(2026, 8, 24)),
        (at(date(2026, 8, 28)), 1, date(2026, 9, 3)),
        (at(date(2026, 8, 31)), 0, date(2026, 9, 3)),
        # 2 Sep 2025 and the Monday before it.
        (at(date(2025, 8, 29)), 1, date(2025, 9, 3)),
        # Vietnam Cultural Day, Tuesday 24 Nov 2026.
        (at(date(2026, 11, 23)), 1, date(2026, 11, 25)),
        (at(date(2026, 11, 20)), 2, date(2026, 11, 25)),
    ],
)
def test_due_date(received: datetime, n: int, due: date) -> None:
    assert CAL.due_date(received, n, CUTOFF) == due


def test_receipt_exactly_at_cutoff_is_on_time() -> None:
    thursday = date(2026, 3, 5)
    assert CAL.effective_receipt_day(at(thursday, 15, 0, 0), CUTOFF) == thursday
    assert CAL.due_date(at(thursday, 15, 0, 0), 1, CUTOFF) == date(2026, 3, 6)


def test_receipt_one_second_after_cutoff_is_late() -> None:
    thursday = date(2026, 3, 5)
    assert CAL.effective_receipt_day(at(thursday, 15, 0, 1), CUTOFF) == date(2026, 3, 6)
    assert CAL.due_date(at(thursday, 15, 0, 1), 1, CUTOFF) == date(2026, 3, 9)


def test_receipt_a_microsecond_after_cutoff_is_late() -> None:
    late = datetime(2026, 3, 5, 15, 0, 0, 1)  # noqa: DTZ001
    assert CAL.effective_receipt_day(late, CUTOFF) == date(2026, 3, 6)


def test_no_cutoff_means_the_whole_working_day_counts() -> None:
    friday = date(2026, 3, 6)
    assert CAL.effective_receipt_day(at(friday, 23, 59, 59), None) == friday
    assert CAL.due_date(at(friday, 23, 59, 59), 0, None) == friday
    assert CAL.due_date(at(friday, 23, 59, 59), 1, None) == date(2026, 3, 9)


def test_no_cutoff_still_moves_a_day_off_to_the_next_working_day() -> None:
    assert CAL.effective_receipt_day(at(date(2026, 3, 7), 8), None) == date(2026, 3, 9)


def test_other_cutoff_times_are_respected() -> None:
    friday = date(2026, 3, 6)
    assert CAL.effective_receipt_day(at(friday, 16, 30), time(16, 30)) == friday
    assert CAL.effective_receipt_day(at(friday, 16, 31), time(16, 30)) == date(2026, 3, 9)
    assert CAL.effective_receipt_day(at(friday, 11, 1), time(11, 0)) == date(2026, 3, 9)


def test_utc_time_is_converted_to_vietnam_time() -> None:
    # 09:30 UTC is 16:30 in Hà Nội: after the cut-off on Friday 20 Nov 2026, so effective
    # Monday 23 Nov; one working day later skips Vietnam Cultural Day (Tuesday 24 Nov).
    received = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert CAL.effective_receipt_day(received, CUTOFF) == date(2026, 11, 23)
    assert CAL.due_date(received, 1, CUTOFF) == date(2026, 11, 25)


def test_utc_time_before_cutoff_in_local_time() -> None:
    received = datetime(2026, 11, 20, 7, 59, tzinfo=UTC)  # 14:59 local
    assert CAL.effective_receipt_day(received, CUTOFF) == date(2026, 11, 20)
    assert CAL.due_date(received, 1, CUTOFF) == date(2026, 11, 23)


def test_utc_time_on_the_previous_utc_day_is_the_next_local_day() -> None:
    # 20:00 UTC on Thursday 5 Mar is 03:00 on Friday 6 Mar in Vietnam.
    received = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)
    assert CAL.effective_receipt_day(received, CUTOFF) == date(2026, 3, 6)
    # 18:00 UTC on Friday is 01:00 on Saturday in Vietnam: a day off.
    received = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    assert CAL.effective_receipt_day(received, CUTOFF) == date(2026, 3, 9)


def test_other_aware_time_zones_are_converted() -> None:
    tokyo = timezone(timedelta(hours=9))
    # 17:30 in Tokyo is 15:30 in Vietnam: late.
    received = datetime(2026, 3, 5, 17, 30, tzinfo=tokyo)
    assert CAL.effective_receipt_day(received, CUTOFF) == date(2026, 3, 6)
    received = datetime(2026, 3, 5, 17, 0, tzinfo=tokyo)  # 15:00 local: on time
    assert CAL.effective_receipt_day(received, CUTOFF) == date(2026, 3, 5)


def test_aware_vietnam_time_is_taken_as_is() -> None:
    received = datetime(2026, 3, 5, 15, 0, tzinfo=VIETNAM)
    assert CAL.effective_receipt_day(received, CUTOFF) == date(2026, 3, 5)


def test_naive_time_is_local_not_utc() -> None:
    # The same wall-clock numbers as the UTC test above, but naive: 09:30 local, on time.
    assert CAL.effective_receipt_day(at(date(2026, 11, 20), 9, 30), CUTOFF) == date(2026, 11, 20)
    assert CAL.effective_receipt_day(at(date(2026, 11, 20), 16, 30), CUTOFF) == date(2026, 11, 23)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CAL.due_date(at(date(2026, 3, 5)), -1, CUTOFF)


def test_next_working_day_is_strictly_after() -> None:
    assert CAL.next_working_day(date(2026, 3, 5)) == date(2026, 3, 6)
    assert CAL.next_working_day(date(2026, 3, 6)) == date(2026, 3, 9)
    assert CAL.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)


def test_a_calendar_without_working_days_raises_instead_of_hanging() -> None:
    start = date(2026, 3, 5)
    every_day = {start + timedelta(days=i): "Nghỉ thử" for i in range(1, 500)}
    calendar = WorkingCalendar(CalendarOverrides(days_off=every_day))
    with pytest.raises(ValueError, match="no working day"):
        calendar.next_working_day(start)


# --- overrides ----------------------------------------------------------------------------

OVERRIDES_2027 = """
schema_version = 1

[[day_off]]
date = 2027-02-12
reason = "Nghỉ bù Tết Nguyên Đán theo thông báo của Chính phủ"

[[working_day]]
date = 2027-02-20
reason = "Làm bù cho ngày 12/02/2027"
"""


def test_parse_overrides_reads_both_kinds() -> None:
    overrides = parse_overrides(OVERRIDES_2027)
    assert overrides.days_off == {
        date(2027, 2, 12): "Nghỉ bù Tết Nguyên Đán theo thông báo của Chính phủ"
    }
    assert overrides.working_days == {date(2027, 2, 20): "Làm bù cho ngày 12/02/2027"}


def test_overrides_win_over_the_statutory_calendar() -> None:
    plain = WorkingCalendar()
    swapped = WorkingCalendar(parse_overrides(OVERRIDES_2027))
    friday, saturday = date(2027, 2, 12), date(2027, 2, 20)
    assert plain.is_working_day(friday)
    assert not plain.is_working_day(saturday)
    assert not swapped.is_working_day(friday)
    assert swapped.day_off_reason(friday) == "Nghỉ bù Tết Nguyên Đán theo thông báo của Chính phủ"
    assert swapped.is_working_day(saturday)
    assert swapped.day_off_reason(saturday) is None
    # Thursday 11 Feb 2027, one working day: Friday is now off, so Monday 15 Feb.
    assert plain.due_date(at(date(2027, 2, 11)), 1, CUTOFF) == friday
    assert swapped.due_date(at(date(2027, 2, 11)), 1, CUTOFF) == date(2027, 2, 15)
    # Received on the override day off: counts as received on Monday.
    assert swapped.effective_receipt_day(at(friday), CUTOFF) == date(2027, 2, 15)
    # Friday 19 Feb 2027, one working day: the make-up Saturday 20 Feb instead of Monday.
    assert plain.due_date(at(date(2027, 2, 19)), 1, CUTOFF) == date(2027, 2, 22)
    assert swapped.due_date(at(date(2027, 2, 19)), 1, CUTOFF) == saturday
    # Received on the make-up Saturday: it counts as itself.
    assert plain.effective_receipt_day(at(saturday), CUTOFF) == date(2027, 2, 22)
    assert swapped.effective_receipt_day(at(saturday), CUTOFF) == saturday


def test_override_working_day_beats_a_statutory_holiday() -> None:
    text = """
schema_version = 1
[[working_day]]
date = 2026-11-24
reason = "Làm việc theo quyết định của tỉnh"
"""
    calendar = WorkingCalendar(parse_overrides(text))
    assert calendar.is_working_day(date(2026, 11, 24))
    assert calendar.due_date(at(date(2026, 11, 23)), 1, CUTOFF) == date(2026, 11, 24)


def test_override_day_off_beats_a_statutory_make_up_saturday() -> None:
    text = """
schema_version = 1
[[day_off]]
date = 2026-08-22
reason = "Nghỉ theo quyết định của tỉnh"
"""
    calendar = WorkingCalendar(parse_overrides(text))
    assert calendar.day_off_reason(date(2026, 8, 22)) == "Nghỉ theo quyết định của tỉnh"
    assert calendar.due_date(at(date(2026, 8, 21)), 1, CUTOFF) == date(2026, 8, 24)


def test_empty_override_file_changes_nothing() -> None:
    overrides = parse_overrides("schema_version = 1\n")
    assert overrides == CalendarOverrides()


def _problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        parse_overrides(text, "ngay_nghi.toml")
    assert info.value.source == "ngay_nghi.toml"
    assert "ngay_nghi.toml" in str(info.value)
    return [(p.field, p.reason) for p in info.value.problems]


def test_invalid_toml_is_refused() -> None:
    [(field, reason)] = _problems("schema_version = \n[[day_off]\n")
    assert field == ""
    assert "not valid TOML" in reason


def test_missing_schema_version_is_refused() -> None:
    [(field, reason)] = _problems('[[day_off]]\ndate = 2027-02-12\nreason = "Nghỉ"\n')
    assert field == "schema_version"
    assert "1" in reason


def test_wrong_schema_version_is_refused() -> None:
    [(field, _reason)] = _problems("schema_version = 2\n")
    assert field == "schema_version"


def test_unknown_key_is_refused() -> None:
    problems = _problems('schema_version = 1\n[[holiday]]\ndate = 2027-02-12\nreason = "Nghỉ"\n')
    assert problems == [("holiday", "unknown key")]


def test_date_listed_twice_is_refused() -> None:
    [(field, reason)] = _problems(
        """
schema_version = 1
[[day_off]]
date = 2027-02-12
reason = "Nghỉ bù"
[[day_off]]
date = 2027-02-12
reason = "Nghỉ bù lần nữa"
"""
    )
    assert field == "day_off[1].date"
    assert "2027-02-12" in reason
    assert "twice" in reason


def test_day_both_off_and_working_is_refused() -> None:
    [(field, reason)] = _problems(
        """
schema_version = 1
[[day_off]]
date = 2027-02-12
reason = "Nghỉ bù"
[[working_day]]
date = 2027-02-12
reason = "Làm bù"
"""
    )
    assert field == "day_off"
    assert "2027-02-12" in reason
    assert "working_day" in reason


@pytest.mark.parametrize(
    "value",
    ['"2027-02-12"', "2027-02-12T08:00:00", "2027-02-12T08:00:00+07:00", "08:00:00", "20270212"],
)
def test_non_date_value_is_refused(value: str) -> None:
    [(field, reason)] = _problems(
        f'schema_version = 1\n[[working_day]]\ndate = {value}\nreason = "Làm bù"\n'
    )
    assert field == "working_day[0].date"
    assert "date" in reason


@pytest.mark.parametrize("reason_value", ['""', '"   "', "5"])
def test_empty_reason_is_refused(reason_value: str) -> None:
    [(field, _reason)] = _problems(
        f"schema_version = 1\n[[day_off]]\ndate = 2027-02-12\nreason = {reason_value}\n"
    )
    assert field == "day_off[0].reason"


def test_missing_reason_is_refused() -> None:
    [(field, _reason)] = _problems("schema_version = 1\n[[day_off]]\ndate = 2027-02-12\n")
    assert field == "day_off[0].reason"


def test_extra_key_in_an_entry_is_refused() -> None:
    [(field, reason)] = _problems(
        'schema_version = 1\n[[day_off]]\ndate = 2027-02-12\nreason = "Nghỉ"\nnote = "x"\n'
    )
    assert field == "day_off[0]"
    assert "date" in reason
    assert "reason" in reason


def test_entries_not_an_array_are_refused() -> None:
    [(field, reason)] = _problems('schema_version = 1\nday_off = "2027-02-12"\n')
    assert field == "day_off"
    assert "array" in reason


def test_bundled_override_file_loads() -> None:
    assert BUNDLED_CALENDAR_OVERRIDES.is_file()
    overrides = load_overrides()
    assert overrides == load_overrides(BUNDLED_CALENDAR_OVERRIDES)
    for entries in (overrides.days_off, overrides.working_days):
        for day, reason in entries.items():
            assert isinstance(day, date)
            assert reason.strip()


def test_load_overrides_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "calendar_overrides.toml"
    path.write_text(OVERRIDES_2027, encoding="utf-8")
    assert load_overrides(path) == parse_overrides(OVERRIDES_2027)


def test_load_overrides_names_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    with pytest.raises(ConfigError) as info:
        load_overrides(path)
    assert info.value.source == str(path)
    assert "cannot read" in str(info.value)


def test_load_overrides_refuses_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"schema_version = 1\n# Ng\xe0y ngh\xec\n")  # latin-1, not UTF-8
    with pytest.raises(ConfigError, match="UTF-8"):
        load_overrides(path)


def test_load_overrides_names_the_file_of_a_broken_entry(tmp_path: Path) -> None:
    path = tmp_path / "calendar_overrides.toml"
    path.write_text('schema_version = 1\n[[day_off]]\ndate = "mai"\nreason = "x"\n', "utf-8")
    with pytest.raises(ConfigError) as info:
        load_overrides(path)
    assert info.value.source == str(path)
    assert info.value.problems[0].field == "day_off[0].date"


# --- property -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, database=None)
@given(
    received=st.datetimes(
        min_value=datetime(2025, 1, 1),  # noqa: DTZ001
        max_value=datetime(2027, 12, 31, 23, 59, 59),  # noqa: DTZ001
        timezones=st.sampled_from([None, UTC, VIETNAM]),
    ),
    n=st.integers(min_value=0, max_value=30),
    cutoff=st.sampled_from([None, time(15, 0), time(11, 30), time(16, 30)]),
)
def test_due_date_counts_exactly_n_working_days(
    received: datetime, n: int, cutoff: time | None
) -> None:
    local_day = (received.astimezone(VIETNAM) if received.tzinfo else received).date()
    effective = CAL.effective_receipt_day(received, cutoff)
    due = CAL.due_date(received, n, cutoff)

    assert statutory_working(effective)
    assert effective >= local_day
    assert statutory_working(due)
    assert due >= local_day
    assert due >= effective
    counted = sum(
        statutory_working(effective + timedelta(days=i))
        for i in range(1, (due - effective).days + 1)
    )
    assert counted == n
    # Nothing is skipped needlessly: every day strictly between the local day of receipt and
    # the effective day is a day off, and without a cut-off a working day counts as itself.
    assert all(
        not statutory_working(local_day + timedelta(days=i))
        for i in range(1, (effective - local_day).days)
    )
    if cutoff is None and statutory_working(local_day):
        assert effective == local_day


@pytest.mark.parametrize("version", ["true", "1.0", '"1"'])
def test_schema_version_must_be_the_integer_one(version: str) -> None:
    with pytest.raises(ConfigError, match="schema_version"):
        parse_overrides(f"schema_version = {version}\n")
