"""免提交率 (DOMAIN.md §7): materials waived by a shared certificate ÷ materials required,
per item and per department, over the cases filed in a month (or all time)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from county_hub.catalog.models import ServiceItem
from county_hub.org.models import Department
from shared.clock import CHINA_TZ
from shared.sync.models import CaseRow

REQUIRED = 1  # necessity 1: 必要 (3 = 容缺后补 is also required, counted too)


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    first = date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (
        datetime.combine(first, time.min, tzinfo=CHINA_TZ),
        datetime.combine(following, time.min, tzinfo=CHINA_TZ),
    )


def waiver_rates(
    session: Session, *, by: str = "department", month: str | None = None
) -> list[dict[str, Any]]:
    """Rows ``{key, name, required, waived, rate}`` sorted by key; rate None when nothing
    was required."""
    stmt = select(
        CaseRow.item_code, CaseRow.handled_by, CaseRow.accepting_node, CaseRow.state["materials"]
    )
    if month:
        start, end = _month_bounds(month)
        stmt = stmt.where(CaseRow.submitted_at >= start, CaseRow.submitted_at < end)
    items = dict(session.execute(select(ServiceItem.code, ServiceItem.department_code)).all())
    names: dict[str, str] = {}
    if by == "department":
        names = dict(session.execute(select(Department.code, Department.name)).all())
    required: dict[str, int] = defaultdict(int)
    waived: dict[str, int] = defaultdict(int)
    for item_code, handled_by, filed_at, materials in session.execute(stmt):
        key = {
            "department": items.get(item_code, "?"),
            "item": item_code,
            "town": handled_by if len(handled_by) == 9 else "",
            "village": filed_at if len(filed_at) == 12 else "",
        }[by]
        if not key:
            continue
        for material in materials or []:
            if material.get("necessity") in (REQUIRED, 3):
                required[key] += 1
                waived[key] += 1 if material.get("waived") else 0
    return [
        {
            "key": key,
            "name": names.get(key, key),
            "required": required[key],
            "waived": waived[key],
            "rate": round(waived[key] / required[key], 4) if required[key] else None,
        }
        for key in sorted(required)
    ]


def _provider(session: Session, period: Any, by: str) -> dict[str, tuple[int, int]]:
    """免提交率 for the monthly figures (county_hub.supervision.figures hook)."""
    return {
        row["key"]: (row["waived"], row["required"])
        for row in waiver_rates(session, by=by, month=period.month)
    }


def register() -> None:
    from county_hub.supervision.figures import register_figure

    register_figure("waiver_rate", _provider)
