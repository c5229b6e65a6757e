"""Time limits as clerks check them: a readable calculation trace and the warning level.

Pure functions over a folded case and a :class:`~shared.calendar.WorkCalendar`; the fold
computes the due date, this module explains it and says how it stands on a given day.
The same :func:`warning_level` colours the case lists, the supervision tables, the
monthly report and — through :func:`deadline_level` — the deadlines of rectification
tasks and complaint answers, so nothing is yellow on one page and green on another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from shared.calendar import WorkCalendar
from shared.cases.events import CaseStatus
from shared.cases.fold import CaseState
from shared.clock import CHINA_TZ
from shared.errors import DomainError

#: Working days left at or below which an open case turns yellow (hub WARN_WORKING_DAYS).
DEFAULT_WARN_WORKING_DAYS = 2

#: Statuses whose clock runs or is stopped: the only ones a warning applies to.
TIMED_STATUSES = frozenset({CaseStatus.ACCEPTED, CaseStatus.SUSPENDED})

Level = Literal["green", "yellow", "red", ""]

LEVEL_LABELS: dict[str, str] = {"green": "正常", "yellow": "预警", "red": "超期", "": "—"}

_WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class TimeLimit:
    """Where a case stands against its limit on ``as_of``.

    ``working_days_left`` is negative when overdue (−N: N working days past the due date)
    and ``None`` when there is no running limit (not accepted, clock stopped, closed).
    """

    as_of: date
    level: Level
    working_days_left: int | None
    trace: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "level": self.level,
            "level_label": LEVEL_LABELS[self.level],
            "working_days_left": self.working_days_left,
            "trace": list(self.trace),
        }


def days_left(due: date, today: date, calendar: WorkCalendar | None) -> int | None:
    """Working days from ``today`` to ``due`` (0: due today; −N: N working days overdue).

    ``None`` when the calendar cannot answer (a year not published yet).
    """
    if calendar is None:
        return None
    try:
        if due >= today:
            return calendar.working_days_between(today, due)
        return -calendar.working_days_between(due, today)
    except DomainError:
        return None
    except OverflowError:
        return None


def warning_level(
    due: date | None,
    today: date,
    calendar: WorkCalendar | None,
    *,
    warn_days: int = DEFAULT_WARN_WORKING_DAYS,
) -> Level:
    """green; yellow when ≤ ``warn_days`` working days are left (due today included); red
    once the due date has passed; "" without a due date.

    A day past the due date is red whatever the calendar says; when the calendar cannot
    count the days left (an unpublished year) the case is green, since the due date is
    then at least in the next year.
    """
    if due is None:
        return ""
    if due < today:
        return "red"
    left = days_left(due, today, calendar)
    if left is None:
        return "green"
    return "yellow" if left <= warn_days else "green"


def deadline_level(
    deadline: date | None,
    today: date,
    calendar: WorkCalendar | None,
    *,
    warn_days: int,
    done: bool = False,
    escalated: bool = False,
) -> Level:
    """The colour of a piece of work with a deadline (a rectification, a complaint's answer).

    :func:`warning_level` on the deadline, in working days on the official calendar; ""
    once the work is done; red once it was escalated (督办), whatever the date says; green
    while no deadline could be fixed (an unpublished year): the work is still open.
    """
    if done:
        return ""
    if escalated:
        return "red"
    return warning_level(deadline, today, calendar, warn_days=warn_days) or "green"


def concluded_on(state: CaseState) -> date | None:
    """The China date of the decision, if there was one."""
    if state.concluded_at is None:
        return None
    return state.concluded_at.astimezone(CHINA_TZ).date()


def on_time(state: CaseState) -> bool | None:
    """Whether a concluded case was decided by its due date (stopped time excluded).

    ``None`` when not concluded or no due date could be computed.
    """
    done = concluded_on(state)
    if done is None or state.due_date is None:
        return None
    return done <= state.due_date


def time_limit(
    state: CaseState,
    calendar: WorkCalendar | None,
    today: date,
    *,
    warn_days: int = DEFAULT_WARN_WORKING_DAYS,
) -> TimeLimit:
    """The calculation of ``state``'s due date step by step, in Chinese, and its level today."""
    trace: list[str] = []
    if state.accepted_on is None:
        trace.append(f"尚未计时：{state.due_note or '尚未受理'}")
        return TimeLimit(today, "", None, trace)
    trace.append(f"受理日期：{_day(state.accepted_on)}（当日不计入）")
    instant = state.case_kind == 1 or state.promised_limit == 0
    limit = 0 if state.case_kind == 1 else state.promised_limit
    natural = state.promised_unit == "N" and not instant
    if instant:
        trace.append("承诺时限：即办件，受理当日办结")
    elif natural:
        natural_end = state.accepted_on + timedelta(days=limit)
        trace.append(f"承诺时限：{limit} 个自然日，自然日期满 {_day(natural_end)}")
    else:
        trace.append(f"承诺时限：{limit} 个工作日（周末、法定节假日不计，调休上班日计入）")
    stopped_total = 0
    for number, (start, end) in enumerate(state.stops, start=1):
        if end is None:
            trace.append(f"特别程序 {number}：{_day(start)} 起，尚未结束，计时中止")
            continue
        counted = _between(calendar, start, end)
        if counted is None:
            trace.append(f"特别程序 {number}：{_day(start)} 至 {_day(end)}，工作日无法计算")
        else:
            stopped_total += counted
            trace.append(
                f"特别程序 {number}：{_day(start)} 至 {_day(end)}，{counted} 个工作日不计入时限"
            )
    if state.extension_days:
        trace.append(f"延长期限：{state.extension_days} 个工作日（经负责人批准）")
    if state.due_date is None:
        trace.append(f"办结期限：暂无（{state.due_note or '无法计算'}）")
        return TimeLimit(today, "", None, trace)
    terms: list[tuple[int, str]] = []
    if not instant and not natural:
        terms.append((limit, ""))
    if stopped_total:
        terms.append((stopped_total, "（特别程序）"))
    if state.extension_days:
        terms.append((state.extension_days, "（延长）"))
    if terms:
        base = "自然日期满" if natural else "受理日期"
        total = sum(n for n, _ in terms)
        sums = " + ".join(f"{n}{why}" for n, why in terms)
        trace.append(f"办结期限：{base}后第 {total} 个工作日（{sums}）＝ {_day(state.due_date)}")
    else:
        trace.append(f"办结期限：{_day(state.due_date)}")
    done = concluded_on(state)
    if done is not None:
        verdict = "按期办结" if done <= state.due_date else "超期办结"
        trace.append(f"已于 {_day(done)} 作出决定：{verdict}")
        return TimeLimit(today, "", None, trace)
    if state.status not in TIMED_STATUSES:
        return TimeLimit(today, "", None, trace)
    left = days_left(state.due_date, today, calendar)
    level = warning_level(state.due_date, today, calendar, warn_days=warn_days)
    if left is None:
        trace.append(f"截至 {_day(today)}：剩余工作日无法计算（日历未发布）")
    elif left > 0:
        trace.append(f"截至 {_day(today)}：剩余 {left} 个工作日")
    elif state.due_date == today:
        trace.append(f"截至 {_day(today)}：今日到期")
    elif state.due_date < today and left < 0:
        trace.append(f"截至 {_day(today)}：已超期 {-left} 个工作日")
    elif state.due_date < today:
        trace.append(f"截至 {_day(today)}：已过办结期限（期限后尚无工作日）")
    else:
        trace.append(f"截至 {_day(today)}：期限当日之前无剩余工作日")
    return TimeLimit(today, level, left, trace)


def _between(calendar: WorkCalendar | None, start: date, end: date) -> int | None:
    if calendar is None:
        return None
    try:
        return calendar.working_days_between(start, end)
    except (DomainError, OverflowError):
        return None


def _day(d: date) -> str:
    return f"{d.isoformat()}（星期{_WEEKDAYS[d.weekday()]}）"
