"""One year's official holiday schedule, its validation and its JSON form for the master feed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, date, datetime

from shared.errors import InvalidInput, InvalidParam

_SATURDAY = 5
# Since 3.11 date.fromisoformat also takes "20270101" and week dates; the feed promises YYYY-MM-DD.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class YearSchedule:
    """The working-day rules of one calendar year, as published by the State Council.

    ``holidays`` are days off that would otherwise be working days (weekend days of a
    holiday break may be listed too; they change nothing). ``workdays`` are the 调休
    make-up days: weekend days declared working days. Every other day follows the
    plain rule: Monday to Friday work, Saturday and Sunday off.
    """

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str
    # Excluded from the hash so schedules stay hashable although a mapping is not.
    names: Mapping[date, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        # Own copies, so a caller mutating the set or dict it passed in cannot change a
        # schedule that calendars have already cached working days from. A plain dict
        # (not a MappingProxyType) keeps schedules picklable; the Mapping type is read-only.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "names", dict(self.names))

        problems = self._problems()
        if problems:
            raise InvalidInput(
                detail=f"{self.year} 年节假日安排有误，未予采用。",
                invalid_params=problems,
            )

    def _problems(self) -> list[InvalidParam]:
        problems: list[InvalidParam] = []
        if (
            isinstance(self.year, bool)
            or not isinstance(self.year, int)
            or not MINYEAR <= self.year <= MAXYEAR
        ):
            problems.append(InvalidParam("year", f"年份须为 {MINYEAR}–{MAXYEAR} 之间的整数"))
            return problems
        if not isinstance(self.source, str) or not self.source.strip():
            problems.append(InvalidParam("source", "须注明来源（如国务院办公厅通知文号）"))

        problems += _date_problems("holidays", self.holidays, self.year)
        problems += _date_problems("workdays", self.workdays, self.year)
        for d in sorted(_dates_only(self.holidays & self.workdays)):
            problems.append(
                InvalidParam("workdays", f"{d.isoformat()} 同时被列为放假日和调休上班日")
            )
        for d in sorted(_dates_only(self.workdays)):
            if d.weekday() < _SATURDAY:
                problems.append(
                    InvalidParam(
                        "workdays",
                        f"{d.isoformat()} 是{_weekday_zh(d)}，调休上班日只能是周六或周日",
                    )
                )

        problems += _date_problems("names", self.names.keys(), self.year)
        for d, name in self.names.items():
            if not isinstance(name, str) or not name.strip():
                key = d.isoformat() if isinstance(d, date) else repr(d)
                problems.append(InvalidParam(f"names.{key}", "名称须为非空字符串"))
        return problems

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` (which must lie in this year) is a working day under this schedule."""
        require_plain_date(d)
        if d in self.workdays:
            return True
        return d.weekday() < _SATURDAY and d not in self.holidays


def require_plain_date(d: date, name: str = "d") -> None:
    """Reject a ``datetime`` where a calendar date is meant.

    A datetime never equals its date (so make-up days would be missed), and an aware UTC
    one may fall on another Beijing calendar day; callers convert with ``Clock.today()``
    or ``shared.clock.to_china(...).date()`` first.
    """
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"{name} must be a datetime.date, not {type(d).__name__}")


def _dates_only(values: Iterable[object]) -> list[date]:
    return [v for v in values if isinstance(v, date) and not isinstance(v, datetime)]


def _date_problems(field_name: str, values: Iterable[object], year: int) -> list[InvalidParam]:
    problems: list[InvalidParam] = []
    for v in values:
        # A datetime never equals the date it falls on, so it would silently miss every lookup.
        if not isinstance(v, date) or isinstance(v, datetime):
            problems.append(InvalidParam(field_name, f"{v!r} 不是日期"))
        elif v.year != year:
            problems.append(InvalidParam(field_name, f"{v.isoformat()} 不在 {year} 年内"))
    return problems


def _weekday_zh(d: date) -> str:
    return "周" + "一二三四五六日"[d.weekday()]


def to_json(schedule: YearSchedule) -> dict[str, object]:
    """The master-feed form of ``schedule``; sorted, so equal schedules serialise identically."""
    return {
        "year": schedule.year,
        "source": schedule.source,
        "holidays": [d.isoformat() for d in sorted(schedule.holidays)],
        "workdays": [d.isoformat() for d in sorted(schedule.workdays)],
        "names": {d.isoformat(): schedule.names[d] for d in sorted(schedule.names)},
    }


def from_json(data: object) -> YearSchedule:
    """Parse a master-feed schedule; malformed input raises ``InvalidInput`` naming the field.

    Keys other than the five known ones are ignored so the hub can add metadata
    without breaking older nodes; ``names`` may be omitted.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput(
            detail="节假日安排数据格式有误。",
            invalid_params=[InvalidParam("", "须为 JSON 对象")],
        )

    problems: list[InvalidParam] = []

    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int):
        problems.append(InvalidParam("year", "缺少年份或年份不是整数"))

    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(InvalidParam("source", "缺少来源或来源不是非空字符串"))

    holidays = _parse_date_list(data, "holidays", problems)
    workdays = _parse_date_list(data, "workdays", problems)
    names = _parse_names(data.get("names", {}), problems)

    if problems or not isinstance(year, int) or not isinstance(source, str):
        raise InvalidInput(detail="节假日安排数据格式有误。", invalid_params=problems)
    return YearSchedule(
        year=year,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        source=source,
        names=names,
    )


def _parse_iso_date(value: object) -> date | None:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _parse_date_list(
    data: Mapping[object, object], key: str, problems: list[InvalidParam]
) -> list[date]:
    # Required although it may be empty: a missing list must not read as "no holidays that year".
    raw = data.get(key)
    if not isinstance(raw, list):
        problems.append(InvalidParam(key, "缺少该字段或其不是日期字符串数组"))
        return []
    dates: list[date] = []
    for i, item in enumerate(raw):
        parsed = _parse_iso_date(item)
        if parsed is None:
            problems.append(InvalidParam(f"{key}[{i}]", f"{item!r} 不是 YYYY-MM-DD 格式的有效日期"))
        else:
            dates.append(parsed)
    return dates


def _parse_names(raw: object, problems: list[InvalidParam]) -> dict[date, str]:
    if not isinstance(raw, Mapping):
        problems.append(InvalidParam("names", "须为以日期为键、名称为值的对象"))
        return {}
    names: dict[date, str] = {}
    for key, value in raw.items():
        parsed = _parse_iso_date(key)
        if parsed is None:
            problems.append(InvalidParam(f"names.{key}", f"{key!r} 不是 YYYY-MM-DD 格式的有效日期"))
        elif not isinstance(value, str) or not value.strip():
            problems.append(InvalidParam(f"names.{key}", "名称须为非空字符串"))
        else:
            names[parsed] = value
    return names
