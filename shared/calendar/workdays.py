"""Working-day arithmetic for promised deadlines (承诺办结时限) on the official calendar."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date

from shared.calendar.builtin import builtin_schedule, builtin_years
from shared.calendar.schedule import YearSchedule, require_plain_date
from shared.errors import CalendarYearUnknown, InvalidInput, InvalidParam

_SATURDAY = 5


class WorkCalendar:
    """Answers working-day questions from published schedules first, then the bundled data.

    A published schedule replaces the bundled one for its whole year. A year known to
    neither raises ``CalendarYearUnknown``: falling back to weekends-only would give
    citizens wrong statutory deadlines around every holiday.
    """

    def __init__(self, published: Iterable[YearSchedule] = (), *, builtin: bool = True) -> None:
        self._published: dict[int, YearSchedule] = {}
        for s in published:
            if s.year in self._published:
                # Two notices for one year is a data error at the hub; picking one would be a guess.
                raise InvalidInput(
                    detail=f"{s.year} 年有两份节假日安排，无法确定以哪份为准。",
                    invalid_params=[InvalidParam("published", f"{s.year} 年重复发布")],
                )
            self._published[s.year] = s
        self._builtin = builtin
        # Sorted ordinals of each year's working days, for bisect; nothing here ever changes them.
        self._ordinals: dict[int, tuple[int, ...]] = {}

    def schedule(self, year: int) -> YearSchedule:
        """The schedule in force for ``year``: a published one beats the built-in one."""
        published = self._published.get(year)
        if published is not None:
            return published
        if self._builtin and year in builtin_years():
            return builtin_schedule(year)
        raise CalendarYearUnknown(year=year)

    def known_years(self) -> list[int]:
        """Every year a schedule is available for, ascending."""
        years = set(self._published)
        if self._builtin:
            years.update(builtin_years())
        return sorted(years)

    def is_workday(self, d: date) -> bool:
        """Whether government offices work on ``d``."""
        require_plain_date(d)
        return self.schedule(d.year).is_workday(d)

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start``, which itself is not counted.

        ``days == 0`` returns ``start`` unchanged (即办件, settled on the spot) without
        consulting any schedule, matching ``working_days_between(start, start) == 0``.
        """
        require_plain_date(start, "start")
        if days < 0:
            raise InvalidInput(
                detail="工作日天数不能为负数。",
                invalid_params=[InvalidParam("days", f"须为非负整数，收到 {days}")],
            )
        if days == 0:
            return start

        after = start.toordinal()
        year = _first_year_after(start)
        remaining = days
        while True:
            ordinals = self._working_ordinals(year)
            first = bisect_right(ordinals, after)
            available = len(ordinals) - first
            if remaining <= available:
                return date.fromordinal(ordinals[first + remaining - 1])
            remaining -= available
            # Ending at an unknown year raises in _working_ordinals, so this loop always terminates.
            year += 1

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days fall in the half-open interval ``(start, end]``."""
        require_plain_date(start, "start")
        require_plain_date(end, "end")
        if end < start:
            raise InvalidInput(
                detail="结束日期不能早于开始日期。",
                invalid_params=[
                    InvalidParam(
                        "end", f"结束日期 {end.isoformat()} 早于开始日期 {start.isoformat()}"
                    )
                ],
            )
        if end == start:
            return 0

        start_ord, end_ord = start.toordinal(), end.toordinal()
        total = 0
        for year in range(_first_year_after(start), end.year + 1):
            ordinals = self._working_ordinals(year)
            lo = bisect_right(ordinals, start_ord) if year == start.year else 0
            hi = bisect_right(ordinals, end_ord) if year == end.year else len(ordinals)
            total += hi - lo
        return total

    def next_workday(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self.add_working_days(d, 1)

    def _working_ordinals(self, year: int) -> tuple[int, ...]:
        cached = self._ordinals.get(year)
        if cached is not None:
            return cached
        schedule = self.schedule(year)
        off = {d.toordinal() for d in schedule.holidays}
        extra = {d.toordinal() for d in schedule.workdays}
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        # Plain ints instead of dates: building every known year stays a few milliseconds.
        # Ordinal 1 (0001-01-01) is a Monday, so (o - 1) % 7 is date.weekday().
        ordinals = [
            o
            for o in range(first, last + 1)
            if o in extra or ((o - 1) % 7 < _SATURDAY and o not in off)
        ]
        result = tuple(ordinals)
        self._ordinals[year] = result
        return result


def _first_year_after(d: date) -> int:
    """The year of the day after ``d``: the first day an interval starting at ``d`` can touch."""
    # No date arithmetic, so date.max gives the unknown year 10000 rather than OverflowError.
    return d.year + 1 if (d.month, d.day) == (12, 31) else d.year
