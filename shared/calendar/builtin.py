"""Year schedules built from the bundled ``chinese_calendar`` data, for the years it covers only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from shared.calendar.schedule import YearSchedule
from shared.errors import CalendarYearUnknown


@dataclass(frozen=True)
class _BundledData:
    holidays: dict[date, str]
    workdays: dict[date, str]
    version: str


@cache
def _load_chinese_calendar() -> _BundledData:
    # The only place that touches the untyped package, so Any never leaks past this function.
    # Only its dicts are read: its is_workday cannot honour schedules the hub publishes.
    # unused-ignore too: the project config ignores missing imports, a bare --strict run does not.
    import chinese_calendar  # type: ignore[import-untyped, unused-ignore]

    def chinese_name(english: object) -> str:
        try:
            return str(chinese_calendar.Holiday(english).chinese)
        except ValueError:
            return str(english)

    def plain(days: Mapping[object, object]) -> dict[date, str]:
        result: dict[date, str] = {}
        for d, name in days.items():
            if not isinstance(d, date) or isinstance(d, datetime):
                raise TypeError(f"chinese_calendar data holds a non-date key: {d!r}")
            result[d] = chinese_name(name)
        return result

    return _BundledData(
        holidays=plain(chinese_calendar.holidays),
        workdays=plain(chinese_calendar.workdays),
        version=str(chinese_calendar.__version__),
    )


@cache
def builtin_years() -> range:
    """The years the bundled ``chinese_calendar`` data covers (2004–2026 in version 1.11.0)."""
    data = _load_chinese_calendar()
    years = {d.year for d in data.holidays}
    if not years:
        return range(0)
    # The package itself treats min..max of its holiday dates as supported, so do the same.
    return range(min(years), max(years) + 1)


@cache
def builtin_schedule(year: int) -> YearSchedule:
    """The bundled schedule for ``year``; ``CalendarYearUnknown`` outside :func:`builtin_years`.

    Services want ``WorkCalendar.schedule`` instead, which lets a published schedule win.
    """
    if year not in builtin_years():
        raise CalendarYearUnknown(year=year)
    data = _load_chinese_calendar()
    holidays = {d: n for d, n in data.holidays.items() if d.year == year}
    workdays = {d: n for d, n in data.workdays.items() if d.year == year}
    names = dict(holidays)
    names.update({d: f"{n}调休上班" for d, n in workdays.items()})
    return YearSchedule(
        year=year,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        source=f"chinese-calendar {data.version}",
        names=names,
    )
