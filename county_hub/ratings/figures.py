"""好评率 and 差评整改率 (DOMAIN §7) as SQL aggregates, per unit and month.

``by`` chooses the grouping: ``handled_by`` (the department or town that handled the
case), ``town`` (the town where the case was filed, its villages included), ``village``
(filed at a village portal; other cases are left out). ``month`` is ``"YYYY-MM"`` (the
month of the rating); ``None`` gives one row per unit and month.

A rating whose appeal was upheld (mistaken or malicious) counts in neither figure.
差评整改率: bad reviews whose task was closed (outcome published) by its deadline ÷ bad
reviews.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Integer, and_, case, func, or_, select
from sqlalchemy.orm import Session

from county_hub.ratings.models import Rating, RectificationTask, TaskStatus
from shared.errors import InvalidInput, InvalidParam

Grouping = Literal["handled_by", "town", "village"]
GROUPINGS: tuple[str, ...] = ("handled_by", "town", "village")


def _unit_column(by: str) -> Any:
    if by == "handled_by":
        return Rating.handled_by
    if by == "town":
        return Rating.town_code
    if by == "village":
        return Rating.village_code
    raise InvalidInput(
        detail="统计口径有误",
        invalid_params=[InvalidParam("by", "应为 handled_by、town 或 village")],
    )


def _check_month(month: str | None) -> None:
    if month is None:
        return
    ok = len(month) == 7 and month[4] == "-" and month.replace("-", "").isdigit()
    if not ok or not 1 <= int(month[5:]) <= 12:
        raise InvalidInput(
            detail="月份有误", invalid_params=[InvalidParam("month", "格式应为 YYYY-MM")]
        )


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def good_rating_rate(session: Session, month: str | None, by: Grouping) -> list[dict[str, Any]]:
    """Rows ``{unit, month, ratings, good, bad, rate}``; rate = good ÷ ratings (None if 0)."""
    _check_month(month)
    unit = _unit_column(by).label("unit")
    upheld = (
        select(RectificationTask.case_id)
        .where(RectificationTask.status == TaskStatus.APPEAL_UPHELD)
        .scalar_subquery()
    )
    stmt = (
        select(
            unit,
            Rating.rated_month,
            func.count().label("ratings"),
            func.sum(case((Rating.level <= 3, 1), else_=0)).label("good"),
        )
        .where(Rating.case_id.not_in(upheld), unit.is_not(None))
        .group_by(unit, Rating.rated_month)
        .order_by(Rating.rated_month, unit)
    )
    if month is not None:
        stmt = stmt.where(Rating.rated_month == month)
    return [
        {
            "unit": row.unit,
            "month": row.rated_month,
            "ratings": int(row.ratings),
            "good": int(row.good or 0),
            "bad": int(row.ratings) - int(row.good or 0),
            "rate": _rate(int(row.good or 0), int(row.ratings)),
        }
        for row in session.execute(stmt)
    ]


def rectification_rate(session: Session, month: str | None, by: Grouping) -> list[dict[str, Any]]:
    """Rows ``{unit, month, bad, fixed_in_time, rate}``; rate = fixed_in_time ÷ bad."""
    _check_month(month)
    unit = _unit_column(by).label("unit")
    in_time = and_(
        RectificationTask.status == TaskStatus.CLOSED,
        RectificationTask.closed_on.is_not(None),
        RectificationTask.deadline.is_not(None),
        RectificationTask.closed_on <= RectificationTask.deadline,
    )
    stmt = (
        select(
            unit,
            Rating.rated_month,
            func.count().label("bad"),
            func.sum(case((in_time, 1), else_=0).cast(Integer)).label("fixed"),
        )
        .select_from(Rating)
        .outerjoin(RectificationTask, RectificationTask.case_id == Rating.case_id)
        .where(
            Rating.level >= 4,
            unit.is_not(None),
            or_(
                RectificationTask.id.is_(None),
                RectificationTask.status != TaskStatus.APPEAL_UPHELD,
            ),
        )
        .group_by(unit, Rating.rated_month)
        .order_by(Rating.rated_month, unit)
    )
    if month is not None:
        stmt = stmt.where(Rating.rated_month == month)
    return [
        {
            "unit": row.unit,
            "month": row.rated_month,
            "bad": int(row.bad),
            "fixed_in_time": int(row.fixed or 0),
            "rate": _rate(int(row.fixed or 0), int(row.bad)),
        }
        for row in session.execute(stmt)
    ]


def _grouping(by: str) -> Grouping:
    # The monthly figures group departments and towns by the unit that handled the case.
    return "village" if by == "village" else "handled_by"


def _good_provider(session: Session, period: Any, by: str) -> dict[str, tuple[int, int]]:
    return {
        r["unit"]: (r["good"], r["ratings"])
        for r in good_rating_rate(session, period.month, _grouping(by))
    }


def _fixed_provider(session: Session, period: Any, by: str) -> dict[str, tuple[int, int]]:
    return {
        r["unit"]: (r["fixed_in_time"], r["bad"])
        for r in rectification_rate(session, period.month, _grouping(by))
    }


def register() -> None:
    """Fill the monthly figures' 好评率 and 差评整改率 hooks (county_hub.supervision)."""
    from county_hub.supervision.figures import register_figure

    register_figure("good_rating_rate", _good_provider)
    register_figure("bad_review_fixed_rate", _fixed_provider)
