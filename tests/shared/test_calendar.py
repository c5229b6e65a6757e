"""Tests of shared.calendar; the 2026 expectations are worked out by hand from the notice."""

from __future__ import annotations

import pickle
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calendar import (
    WorkCalendar,
    YearSchedule,
    builtin_schedule,
    builtin_years,
    from_json,
    to_json,
)
from shared.errors import CalendarYearUnknown, InvalidInput

# No example database, so a run never depends on what an earlier run happened to find.
laws = settings(database=None, max_examples=300, deadline=None)

D = date


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def made_up_2027() -> YearSchedule:
    """MADE UP for the tests: the real 2027 notice is not out yet. Weekdays checked by hand."""
    return YearSchedule(
        year=2027,
        holidays=frozenset(
            [D(2027, 1, 1)]  # Fri
            + [D(2027, 2, d) for d in range(8, 13)]  # Mon 8 – Fri 12
        ),
        workdays=frozenset([D(2027, 2, 20)]),  # Sat
        source="测试用虚构安排（非真实通知）",
        names={D(2027, 1, 1): "元旦", D(2027, 2, 8): "春节", D(2027, 2, 20): "春节调休上班"},
    )


# --- the 2026 facts, as chinese_calendar 1.11.0 holds them -------------------------------


def test_builtin_covers_2004_to_2026() -> None:
    assert builtin_years() == range(2004, 2027)
    assert WorkCalendar().known_years() == list(range(2004, 2027))


def test_builtin_agrees_with_chinese_calendar_every_day() -> None:
    import chinese_calendar  # type: ignore[import-untyped, unused-ignore]

    cal = WorkCalendar()
    day = D(2004, 1, 1)
    while day.year <= 2026:
        assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # New Year: Thu 1 – Sat 3 off, Sun 4 works.
        (D(2025, 12, 31), True),
        (D(2026, 1, 1), False),
        (D(2026, 1, 2), False),
        (D(2026, 1, 3), False),
        (D(2026, 1, 4), True),
        # Spring Festival: Sat 14 works, Sun 15 – Mon 23 off, Sat 28 works, Sun 1 Mar off.
        (D(2026, 2, 13), True),
        (D(2026, 2, 14), True),
        (D(2026, 2, 15), False),
        (D(2026, 2, 16), False),
        (D(2026, 2, 20), False),
        (D(2026, 2, 23), False),
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),
        (D(2026, 3, 1), False),
        # Qingming: Sat 4 – Mon 6 Apr.
        (D(2026, 4, 6), False),
        # May Day: Fri 1 – Tue 5 off, Sat 9 works, Sun 10 off.
        (D(2026, 5, 1), False),
        (D(2026, 5, 5), False),
        (D(2026, 5, 6), True),
        (D(2026, 5, 9), True),
        (D(2026, 5, 10), False),
        # Dragon Boat: Fri 19 Jun.
        (D(2026, 6, 19), False),
        # Sun 20 Sep works; Mid-Autumn Fri 25 – Sun 27 off; National Day Thu 1 – Wed 7 Oct off.
        (D(2026, 9, 19), False),
        (D(2026, 9, 20), True),
        (D(2026, 9, 25), False),
        (D(2026, 10, 1), False),
        (D(2026, 10, 7), False),
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),
        (D(2026, 10, 11), False),
        # An ordinary weekend and weekday.
        (D(2026, 3, 7), False),
        (D(2026, 3, 9), True),
    ],
)
def test_is_workday_2026(cal: WorkCalendar, day: date, expected: bool) -> None:
    assert cal.is_workday(day) is expected


def test_builtin_2026_schedule_contents() -> None:
    s = builtin_schedule(2026)
    assert s.year == 2026
    assert s.source == "chinese-calendar 1.11.0"
    assert s.workdays == {
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    }
    assert {d for d in s.holidays if d.month == 2} == {D(2026, 2, d) for d in range(15, 24)}
    assert s.names[D(2026, 2, 17)] == "春节"
    assert s.names[D(2026, 10, 1)] == "国庆节"
    assert s.names[D(2026, 2, 14)] == "春节调休上班"


# --- adding working days ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # The Friday before the break: the make-up Saturday is the next working day.
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        # From the make-up Saturday the whole break (15–23 Feb) is jumped.
        (D(2026, 2, 14), 1, D(2026, 2, 24)),
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        (D(2026, 2, 12), 3, D(2026, 2, 24)),
        # 14, 24, 25, 26, 27, 28 (Sat, works), then Mon 2 Mar.
        (D(2026, 2, 13), 6, D(2026, 2, 28)),
        (D(2026, 2, 13), 7, D(2026, 3, 2)),
        # Starting inside the break.
        (D(2026, 2, 18), 1, D(2026, 2, 24)),
        # May Day: 6, 7, 8, 9 (Sat, works), then Mon 11.
        (D(2026, 4, 30), 4, D(2026, 5, 9)),
        (D(2026, 4, 30), 5, D(2026, 5, 11)),
        # 20 working days from Fri 18 Sep: 20 Sep, 21–24, 28–30, 8–10 Oct, 12–16, 19–22.
        (D(2026, 9, 18), 20, D(2026, 10, 22)),
        # Across New Year 2025→2026: 29, 30, 31 Dec, Sun 4 Jan (works), Mon 5 Jan.
        (D(2025, 12, 31), 1, D(2026, 1, 4)),
        (D(2025, 12, 26), 4, D(2026, 1, 4)),
        (D(2025, 12, 26), 5, D(2026, 1, 5)),
        # 即办件: zero days is the start itself, even on a holiday.
        (D(2026, 2, 13), 0, D(2026, 2, 13)),
        (D(2026, 10, 1), 0, D(2026, 10, 1)),
    ],
)
def test_add_working_days(cal: WorkCalendar, start: date, days: int, due: date) -> None:
    assert cal.add_working_days(start, days) == due
    if days:
        assert cal.working_days_between(start, due) == days


@pytest.mark.parametrize(
    ("day", "following"),
    [
        (D(2026, 2, 13), D(2026, 2, 14)),
        (D(2026, 2, 14), D(2026, 2, 24)),
        (D(2026, 9, 30), D(2026, 10, 8)),
        (D(2026, 10, 9), D(2026, 10, 10)),
        (D(2025, 12, 31), D(2026, 1, 4)),
        (D(2026, 3, 6), D(2026, 3, 9)),
    ],
)
def test_next_workday(cal: WorkCalendar, day: date, following: date) -> None:
    assert cal.next_workday(day) == following


def test_whole_known_range_in_one_call(cal: WorkCalendar) -> None:
    total = cal.working_days_between(D(2003, 12, 31), D(2026, 12, 31))
    assert cal.add_working_days(D(2003, 12, 31), total) == D(2026, 12, 31)


# --- counting working days ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (D(2026, 2, 13), D(2026, 2, 13), 0),
        (D(2026, 2, 13), D(2026, 2, 14), 1),
        (D(2026, 2, 14), D(2026, 2, 23), 0),
        (D(2026, 2, 13), D(2026, 2, 28), 6),
        (D(2026, 9, 30), D(2026, 10, 7), 0),
        (D(2026, 9, 30), D(2026, 10, 11), 3),
        (D(2025, 12, 31), D(2026, 1, 4), 1),
        # 2026 (Thu to Thu) has 261 weekdays − 19 weekday holidays + 6 make-up days.
        (D(2025, 12, 31), D(2026, 12, 31), 248),
    ],
)
def test_working_days_between(cal: WorkCalendar, start: date, end: date, count: int) -> None:
    assert cal.working_days_between(start, end) == count


def test_2026_weekday_holiday_count_behind_the_248() -> None:
    s = builtin_schedule(2026)
    # Jan 1–2, Feb 16–20 and 23, Apr 6, May 1, 4–5, Jun 19, Sep 25, Oct 1–2, 5–7.
    assert len([d for d in s.holidays if d.weekday() < 5]) == 19
    assert len(s.workdays) == 6


# --- unknown years ------------------------------------------------------------------------


def test_2027_unpublished_is_unknown(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarYearUnknown) as exc:
        cal.is_workday(D(2027, 3, 1))
    assert exc.value.year == 2027
    assert "2027" in exc.value.detail
    assert exc.value.status == 422


def test_count_running_from_2026_into_2027_is_unknown(cal: WorkCalendar) -> None:
    # Stays inside 2026: fine. December 2026 after Tue 1st has 22 working days.
    assert cal.add_working_days(D(2026, 12, 1), 22) == D(2026, 12, 31)
    with pytest.raises(CalendarYearUnknown) as exc:
        cal.add_working_days(D(2026, 12, 1), 23)
    assert exc.value.year == 2027
    with pytest.raises(CalendarYearUnknown) as exc:
        cal.next_workday(D(2026, 12, 31))
    assert exc.value.year == 2027
    with pytest.raises(CalendarYearUnknown) as exc:
        cal.working_days_between(D(2026, 12, 1), D(2027, 1, 5))
    assert exc.value.year == 2027


def test_years_before_the_data_are_unknown_too(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarYearUnknown) as exc:
        cal.add_working_days(D(2003, 12, 1), 1)
    assert exc.value.year == 2003
    # The interval (31 Dec 2003, …] touches no 2003 day.
    assert cal.add_working_days(D(2003, 12, 31), 1) == D(2004, 1, 2)


def test_builtin_off_knows_nothing() -> None:
    cal = WorkCalendar(builtin=False)
    assert cal.known_years() == []
    with pytest.raises(CalendarYearUnknown) as exc:
        cal.add_working_days(D(2026, 5, 6), 1)
    assert exc.value.year == 2026
    with pytest.raises(CalendarYearUnknown):
        builtin_schedule(2027)


def test_end_of_time_is_unknown_not_overflow() -> None:
    with pytest.raises(CalendarYearUnknown) as exc:
        WorkCalendar().next_workday(date.max)
    assert exc.value.year == 10000


# --- published schedules ------------------------------------------------------------------


def test_published_2027_makes_2027_work() -> None:
    cal = WorkCalendar([made_up_2027()])
    assert cal.known_years() == list(range(2004, 2028))
    # 1 Jan (Fri) off, 2–3 weekend, Mon 4 Jan.
    assert cal.next_workday(D(2026, 12, 31)) == D(2027, 1, 4)
    assert cal.add_working_days(D(2026, 12, 1), 23) == D(2027, 1, 4)
    # Fri 5 Feb, then 8–12 off, Mon 15.
    assert cal.add_working_days(D(2027, 2, 4), 2) == D(2027, 2, 15)
    assert cal.is_workday(D(2027, 2, 20))
    assert not cal.is_workday(D(2027, 2, 21))
    assert cal.working_days_between(D(2026, 12, 31), D(2027, 1, 4)) == 1
    assert cal.schedule(2027).source == "测试用虚构安排（非真实通知）"
    with pytest.raises(CalendarYearUnknown) as exc:
        cal.next_workday(D(2027, 12, 31))
    assert exc.value.year == 2028


def test_published_year_replaces_builtin_year_wholesale() -> None:
    builtin = builtin_schedule(2026)
    # FICTIONAL: an extra holiday on Mon 2 Mar 2026 added to the real schedule.
    extra = YearSchedule(
        year=2026,
        holidays=builtin.holidays | {D(2026, 3, 2)},
        workdays=builtin.workdays,
        source="测试用虚构通知（增加 3 月 2 日放假）",
        names={**builtin.names, D(2026, 3, 2): "虚构假日"},
    )
    cal = WorkCalendar([extra])
    assert cal.schedule(2026) is extra
    assert not cal.is_workday(D(2026, 3, 2))
    # 28 Feb (Sat, works), 2 Mar now off, Tue 3 Mar.
    assert cal.add_working_days(D(2026, 2, 27), 2) == D(2026, 3, 3)
    assert WorkCalendar().add_working_days(D(2026, 2, 27), 2) == D(2026, 3, 2)
    # Other years still come from the bundled data.
    assert cal.schedule(2025) == builtin_schedule(2025)

    # Not merged: a published 2026 without make-up days has none.
    bare = YearSchedule(2026, builtin.holidays, frozenset(), source="测试用虚构通知")
    assert not WorkCalendar([bare]).is_workday(D(2026, 2, 14))


def test_two_schedules_for_one_year_are_rejected() -> None:
    with pytest.raises(InvalidInput) as exc:
        WorkCalendar([made_up_2027(), made_up_2027()])
    assert exc.value.invalid_params[0].name == "published"


# --- schedule validation ------------------------------------------------------------------


def _reasons(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {p.name: p.reason for p in exc.value.invalid_params}


def test_make_up_day_on_a_wednesday_is_rejected() -> None:
    with pytest.raises(InvalidInput) as exc:
        YearSchedule(2027, frozenset(), frozenset([D(2027, 2, 17)]), source="x")
    assert "周三" in _reasons(exc)["workdays"]
    assert exc.value.status == 422


def test_date_outside_the_year_is_rejected() -> None:
    with pytest.raises(InvalidInput) as exc:
        YearSchedule(2027, frozenset([D(2026, 12, 31)]), frozenset(), source="x")
    assert "不在 2027 年内" in _reasons(exc)["holidays"]


def test_date_in_both_sets_is_rejected() -> None:
    with pytest.raises(InvalidInput) as exc:
        YearSchedule(2027, frozenset([D(2027, 2, 20)]), frozenset([D(2027, 2, 20)]), source="x")
    assert "同时" in _reasons(exc)["workdays"]


def test_other_schedule_problems_are_rejected() -> None:
    with pytest.raises(InvalidInput) as exc:
        YearSchedule(2027, frozenset(), frozenset(), source=" ")
    assert set(_reasons(exc)) == {"source"}
    with pytest.raises(InvalidInput) as exc:
        YearSchedule(2027, frozenset(), frozenset(), source="x", names={D(2028, 1, 1): "元旦"})
    assert set(_reasons(exc)) == {"names"}
    with pytest.raises(InvalidInput) as exc:
        YearSchedule(2027, frozenset([datetime(2027, 1, 1)]), frozenset(), source="x")  # noqa: DTZ001
    assert set(_reasons(exc)) == {"holidays"}


def test_schedule_is_immutable_and_hashable() -> None:
    holidays = {D(2027, 1, 1)}
    names = {D(2027, 1, 1): "元旦"}
    s = YearSchedule(2027, frozenset(holidays), frozenset(), source="x", names=names)
    names[D(2027, 1, 2)] = "后加"
    assert D(2027, 1, 2) not in s.names
    twin = YearSchedule(2027, frozenset(holidays), frozenset(), source="x", names={**s.names})
    assert s == twin
    assert len({s, twin}) == 1
    assert pickle.loads(pickle.dumps(s)) == s  # noqa: S301 - our own bytes


# --- bad arguments ------------------------------------------------------------------------


def test_negative_days_are_rejected(cal: WorkCalendar) -> None:
    with pytest.raises(InvalidInput) as exc:
        cal.add_working_days(D(2026, 3, 2), -1)
    assert "负" in exc.value.detail
    assert _reasons(exc)["days"]


def test_end_before_start_is_rejected(cal: WorkCalendar) -> None:
    with pytest.raises(InvalidInput) as exc:
        cal.working_days_between(D(2026, 3, 2), D(2026, 3, 1))
    assert "早于" in _reasons(exc)["end"]


def test_datetimes_are_refused(cal: WorkCalendar) -> None:
    # A datetime would miss the make-up Saturday (it never equals a date).
    with pytest.raises(TypeError):
        cal.is_workday(datetime(2026, 2, 14, 9))  # noqa: DTZ001
    with pytest.raises(TypeError):
        cal.add_working_days(datetime(2026, 2, 13, 9), 1)  # noqa: DTZ001


# --- JSON for the master feed -------------------------------------------------------------


def test_json_round_trip() -> None:
    s = made_up_2027()
    data = to_json(s)
    assert data == {
        "year": 2027,
        "source": "测试用虚构安排（非真实通知）",
        "holidays": [
            "2027-01-01",
            "2027-02-08",
            "2027-02-09",
            "2027-02-10",
            "2027-02-11",
            "2027-02-12",
        ],
        "workdays": ["2027-02-20"],
        "names": {"2027-01-01": "元旦", "2027-02-08": "春节", "2027-02-20": "春节调休上班"},
    }
    assert from_json(data) == s
    assert from_json(to_json(builtin_schedule(2026))) == builtin_schedule(2026)


def test_from_json_names_is_optional_and_extra_keys_ignored() -> None:
    s = from_json(
        {"year": 2027, "source": "x", "holidays": [], "workdays": [], "published_by": "hub"}
    )
    assert s.names == {}


def _json_error(data: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as exc:
        from_json(data)
    return _reasons(exc)


def _valid() -> dict[str, object]:
    return to_json(made_up_2027())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"year": "2027"}, "year"),
        ({"year": True}, "year"),
        ({"source": None}, "source"),
        ({"holidays": "2027-01-01"}, "holidays"),
        ({"holidays": ["2027-01-01", "2027-13-01"]}, "holidays[1]"),
        ({"holidays": ["20270101"]}, "holidays[0]"),
        ({"workdays": [20270220]}, "workdays[0]"),
        ({"names": ["元旦"]}, "names"),
        ({"names": {"2027-1-1": "元旦"}}, "names.2027-1-1"),
        ({"names": {"2027-01-01": ""}}, "names.2027-01-01"),
        # Well-formed but against the rules: reported by the schedule's own validation.
        ({"workdays": ["2027-02-17"]}, "workdays"),
        ({"holidays": ["2026-12-31"]}, "holidays"),
    ],
)
def test_from_json_rejects_malformed_field(change: dict[str, object], field: str) -> None:
    assert field in _json_error({**_valid(), **change})


def test_from_json_rejects_missing_lists_and_non_objects() -> None:
    data = _valid()
    del data["workdays"]
    assert "workdays" in _json_error(data)
    assert "" in _json_error(["not", "an", "object"])


# --- the laws -----------------------------------------------------------------------------

# The next working day after the last days of 2026 lies in 2027, which is not published.
dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2026, 12, 30))
# Early enough that 100 working days never leave 2026 (H2 2026 has ~125).
starts = st.dates(min_value=D(2020, 1, 1), max_value=D(2026, 6, 30))
counts = st.integers(min_value=1, max_value=100)


@laws
@given(start=starts, days=counts)
def test_law_add_then_count_is_identity(start: date, days: int) -> None:
    cal = WorkCalendar()
    due = cal.add_working_days(start, days)
    assert due > start
    assert cal.is_workday(due)
    assert cal.working_days_between(start, due) == days
    # No working day is skipped: the day before the due date holds one fewer.
    assert cal.working_days_between(start, due - timedelta(days=1)) == days - 1


@laws
@given(start=starts, a=counts, b=counts)
def test_law_add_is_monotonic(start: date, a: int, b: int) -> None:
    cal = WorkCalendar()
    lo, hi = sorted((a, b))
    assert cal.add_working_days(start, lo) <= cal.add_working_days(start, hi)
    if lo < hi:
        assert cal.add_working_days(start, lo) < cal.add_working_days(start, hi)


@laws
@given(start=starts, a=counts, b=counts)
def test_law_add_composes(start: date, a: int, b: int) -> None:
    cal = WorkCalendar()
    a, b = a // 2, b // 2  # a + b stays within the 100 working days that `starts` allows
    assert cal.add_working_days(cal.add_working_days(start, a), b) == cal.add_working_days(
        start, a + b
    )


@laws
@given(picks=st.lists(dates, min_size=3, max_size=3))
def test_law_count_is_additive(picks: list[date]) -> None:
    cal = WorkCalendar()
    a, b, c = sorted(picks)
    assert cal.working_days_between(a, c) == cal.working_days_between(
        a, b
    ) + cal.working_days_between(b, c)


@laws
@given(start=dates, end=dates)
def test_law_count_matches_day_by_day(start: date, end: date) -> None:
    cal = WorkCalendar()
    start, end = min(start, end), max(start, end)
    end = min(end, start + timedelta(days=120))
    expected = sum(
        cal.is_workday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
    )
    assert cal.working_days_between(start, end) == expected


@laws
@given(day=dates)
def test_law_next_workday_is_first_workday_after(day: date) -> None:
    cal = WorkCalendar()
    following = cal.next_workday(day)
    assert cal.is_workday(following)
    gap = (following - day).days
    assert gap >= 1
    assert not any(cal.is_workday(day + timedelta(days=i)) for i in range(1, gap))
