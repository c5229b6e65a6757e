"""Warning levels, the overdue list and the monthly figures, as SQL aggregates over ``cases``.

The ``cases`` projection carries what the figures need (``accepted_on``, ``concluded_on``,
``on_time``, ``due_date``), filled by the fold, so nothing here reads events or JSON.
Units: a case belongs to the department or town in ``handled_by`` (who must meet the
limit), and to the village where it was filed (``accepting_node``, 12 digits).

Every service here is for county staff (admin, supervisor) and raises PermissionDenied
for anyone else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from county_hub.org.models import Department, Region, RegionLevel
from county_hub.supervision.figures import (
    HOOKS,
    NO_VALUE,
    Period,
    hooked_figures,
    rate,
)
from shared.accounts.models import Role
from shared.accounts.services import Actor, require_role
from shared.calendar import WorkCalendar
from shared.cases.limits import DEFAULT_WARN_WORKING_DAYS, days_left
from shared.errors import DomainError, InvalidInput, InvalidParam
from shared.sync.models import CaseRow

#: Only an accepted case has a running due date: a suspended one has its clock stopped
#: (no due date until it resumes), and one not yet accepted has no limit at all.
RUNNING = "accepted"
TIMED = ("accepted", "suspended")
BY_VALUES = ("department", "town", "village")


def require_supervisor(actor: Actor, action: str) -> None:
    """County staff who supervise: the admin and 督查人员."""
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, action=action)


def check_by(by: str) -> str:
    if by not in BY_VALUES:
        raise InvalidInput(
            detail=f"不支持的统计口径：{by}",
            invalid_params=[InvalidParam("by", "应为 department、town 或 village")],
        )
    return by


def unit_names(session: Session) -> dict[str, str]:
    names = dict(session.execute(select(Region.code, Region.name)).all())
    names.update(session.execute(select(Department.code, Department.name)).all())
    return names


def _is_town(code: str) -> bool:
    return len(code) == 9 and code.isascii() and code.isdigit()


def _key(by: str) -> Any:
    return CaseRow.accepting_node if by == "village" else CaseRow.handled_by


def _scope(by: str) -> list[ColumnElement[bool]]:
    return [func.length(CaseRow.accepting_node) == 12] if by == "village" else []


def _keep(by: str, code: str) -> bool:
    if by == "department":
        return not _is_town(code)
    if by == "town":
        return _is_town(code)
    return True


def _units(session: Session, by: str, seen: Iterable[str]) -> list[str]:
    """Every department or town (even without cases), and the villages that have any."""
    if by == "department":
        listed = set(session.scalars(select(Department.code)))
    elif by == "town":
        listed = set(session.scalars(select(Region.code).where(Region.level == RegionLevel.TOWN)))
    else:
        listed = set()
    return sorted(listed | {code for code in seen if _keep(by, code)})


def yellow_before(today: date, calendar: WorkCalendar | None, warn_days: int) -> date:
    """The first due date that is green today: due dates in [today, this) are yellow.

    Same rule as :func:`shared.cases.limits.warning_level`, turned into a date bound so
    the database can count it. An unknown year: only a case due today is yellow.
    """
    if calendar is None:
        return today + timedelta(days=1)
    try:
        return calendar.add_working_days(today, warn_days + 1)
    except (DomainError, OverflowError):
        return today + timedelta(days=1)


# --------------------------------------------------------------------------- warnings


def warnings_by(
    session: Session,
    actor: Actor,
    by: str,
    *,
    today: date,
    calendar: WorkCalendar | None,
    warn_days: int = DEFAULT_WARN_WORKING_DAYS,
) -> dict[str, Any]:
    """Red, yellow and green counts of running cases per department, town or village."""
    require_supervisor(actor, "查看时限预警")
    check_by(by)
    bound = yellow_before(today, calendar, warn_days)
    key = _key(by)
    due = CaseRow.due_date
    counts = (
        func.count(),
        func.sum(case((due < today, 1), else_=0)),
        func.sum(case(((due >= today) & (due < bound), 1), else_=0)),
        func.sum(case((due >= bound, 1), else_=0)),
        func.sum(case((CaseRow.status == "suspended", 1), else_=0)),
    )
    stmt = select(key, *counts).where(CaseRow.status.in_(TIMED), *_scope(by)).group_by(key)
    found = {row[0]: [int(v or 0) for v in row[1:]] for row in session.execute(stmt)}
    names = unit_names(session)
    rows: list[dict[str, Any]] = []
    for code in _units(session, by, found):
        running, red, yellow, green, stopped = found.get(code, [0, 0, 0, 0, 0])
        rows.append(
            {
                "unit": code,
                "unit_name": names.get(code, code),
                "running": running,
                "red": red,
                "yellow": yellow,
                "green": green,
                "stopped": stopped,
            }
        )
    rows.sort(key=lambda r: (-r["red"], -r["yellow"], r["unit"]))
    totals = {k: sum(r[k] for r in rows) for k in ("running", "red", "yellow", "green", "stopped")}
    return {
        "by": by,
        "as_of": today,
        "warn_working_days": warn_days,
        "units": rows,
        "totals": totals,
    }


# --------------------------------------------------------------------------- overdue


def overdue_cases(
    session: Session,
    actor: Actor,
    *,
    today: date,
    calendar: WorkCalendar | None,
    page: int = 1,
    per_page: int = 20,
    department: str | None = None,
) -> dict[str, Any]:
    """Running cases past their due date, longest overdue first (applicant IDs masked).

    ``department`` keeps one handling unit (a department code, or a town's 9 digits).
    """
    require_supervisor(actor, "查看超期办件")
    where = [CaseRow.status == RUNNING, CaseRow.due_date < today]
    if department:
        where.append(CaseRow.handled_by == department)
    total = session.scalar(select(func.count()).select_from(CaseRow).where(*where)) or 0
    rows = session.execute(
        select(
            CaseRow.case_no,
            CaseRow.item_name,
            CaseRow.handled_by,
            CaseRow.accepting_node,
            CaseRow.applicant_name,
            CaseRow.applicant_id_masked,
            CaseRow.accepted_on,
            CaseRow.due_date,
        )
        .where(*where)
        .order_by(CaseRow.due_date, CaseRow.case_no)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    names = unit_names(session)
    items = []
    for r in rows:
        left = days_left(r.due_date, today, calendar)
        items.append(
            {
                "case_no": r.case_no,
                "item_name": r.item_name,
                "handled_by": r.handled_by,
                "unit_name": names.get(r.handled_by, r.handled_by),
                "accepting_node": r.accepting_node,
                "accepting_node_name": names.get(r.accepting_node, r.accepting_node),
                "applicant_name": r.applicant_name,
                "applicant_id": r.applicant_id_masked,
                "accepted_on": r.accepted_on,
                "due_date": r.due_date,
                "overdue_working_days": -left if left is not None else None,
                "overdue_days": (today - r.due_date).days,
            }
        )
    return {"items": items, "total": total, "page": page, "per_page": per_page, "as_of": today}


# --------------------------------------------------------------------------- figures


def _grouped(session: Session, by: str, *conditions: ColumnElement[bool]) -> dict[str, int]:
    key = _key(by)
    stmt = select(key, func.count()).where(*conditions, *_scope(by)).group_by(key)
    return {code: int(n) for code, n in session.execute(stmt)}


def case_figures(session: Session, period: Period, by: str) -> dict[str, dict[str, int]]:
    """{unit: {accepted, concluded, on_time, overdue}} for ``period`` (no permission check).

    - accepted: accepted within the month; concluded: decided within the month;
    - on_time: of those decided, decided by their due date (stopped time excluded);
    - overdue (超期件): running at the end of the month (``period.as_of``) past the due
      date — still running now, or decided only after that day. Cases withdrawn or
      terminated since are not counted (the projection keeps no date for those exits).
    """
    check_by(by)
    c = CaseRow
    accepted = _grouped(session, by, c.accepted_on >= period.start, c.accepted_on < period.end)
    concluded = _grouped(session, by, c.concluded_on >= period.start, c.concluded_on < period.end)
    on_time = _grouped(
        session,
        by,
        c.concluded_on >= period.start,
        c.concluded_on < period.end,
        c.on_time.is_(True),
    )
    overdue_open = _grouped(session, by, c.status == RUNNING, c.due_date < period.as_of)
    overdue_closed = _grouped(
        session,
        by,
        c.concluded_on > period.as_of,
        c.due_date < period.as_of,
        c.accepted_on <= period.as_of,
    )
    figures: dict[str, dict[str, int]] = defaultdict(
        lambda: {"accepted": 0, "concluded": 0, "on_time": 0, "overdue": 0}
    )
    for name, counts in (("accepted", accepted), ("concluded", concluded), ("on_time", on_time)):
        for code, n in counts.items():
            figures[code][name] += n
    for counts in (overdue_open, overdue_closed):
        for code, n in counts.items():
            figures[code]["overdue"] += n
    return dict(figures)


def _row(code: str, name: str, counts: dict[str, int], hooks: dict[str, Any]) -> dict[str, Any]:
    return {
        "unit": code,
        "unit_name": name,
        **counts,
        "completion_rate": rate(counts["concluded"], counts["accepted"]),
        "on_time_rate": rate(counts["on_time"], counts["concluded"]),
        **{h.key: hooks.get(h.key, {}).get(code, rate(0, 0)) for h in HOOKS},
    }


def figures(session: Session, actor: Actor, period: Period, by: str) -> dict[str, Any]:
    """DOMAIN §7 case figures per unit for one month, with the county's totals.

    办结率 = decided in the month ÷ accepted in the month (a flow, so it may pass 100 %);
    按时办结率 = decided by the due date ÷ decided; 超期件 as in :func:`case_figures`.
    Hooked figures (好评率, 差评整改率, 免提交率) are "—" until a provider is registered.
    Raises PermissionDenied unless admin or supervisor.
    """
    require_supervisor(actor, "查看办件统计")
    return figure_table(session, period, by)


def figure_table(session: Session, period: Period, by: str) -> dict[str, Any]:
    """:func:`figures` without the permission check (the operator's report command)."""
    found = case_figures(session, period, by)
    hooks = hooked_figures(session, period, by)
    names = unit_names(session)
    empty = {"accepted": 0, "concluded": 0, "on_time": 0, "overdue": 0}
    units = [
        _row(code, names.get(code, code), found.get(code, empty), hooks)
        for code in _units(session, by, found)
    ]
    totals = {k: sum(r[k] for r in units) for k in empty}
    county_hooks = {
        key: {
            "total": rate(sum(v["count"] for v in per.values()), sum(v["of"] for v in per.values()))
        }
        for key, per in hooks.items()
    }
    total_row = _row(
        "total", "全县合计", totals, {k: {"total": v["total"]} for k, v in county_hooks.items()}
    )
    return {
        "month": period.month,
        "label": period.label,
        "by": by,
        "as_of": period.as_of,
        "labels": {
            "accepted": "受理件数",
            "concluded": "办结件数",
            "on_time": "按时办结件数",
            "overdue": "超期件",
            "completion_rate": "办结率",
            "on_time_rate": "按时办结率",
            **{h.key: h.label for h in HOOKS},
        },
        "hooks": [
            {
                "key": h.key,
                "label": h.label,
                "definition": h.definition,
                "available": h.key in hooks,
            }
            for h in HOOKS
        ],
        "no_value": NO_VALUE,
        "units": units,
        "total": total_row,
    }


def overdue_at(session: Session, as_of: date) -> list[CaseRow]:
    """Every case counted as 超期件 on ``as_of`` (see :func:`case_figures`), by unit and age."""
    c = CaseRow
    running = (c.status == RUNNING) & (c.due_date < as_of)
    decided_later = (c.concluded_on > as_of) & (c.due_date < as_of) & (c.accepted_on <= as_of)
    return list(
        session.scalars(
            select(c).where(running | decided_later).order_by(c.handled_by, c.due_date, c.case_no)
        )
    )
