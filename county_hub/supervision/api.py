"""Supervision API: warning levels, overdue cases and the monthly figures (county staff)."""

from __future__ import annotations

from typing import Any

from county_hub.supervision import services
from county_hub.supervision.figures import parse_month
from county_hub.supervision.schemas import (
    FiguresQueryArgsSchema,
    FiguresSchema,
    OverdueListSchema,
    OverdueQueryArgsSchema,
    WarningsQueryArgsSchema,
    WarningsSchema,
)
from shared.calendar_store import load_calendar
from shared.casework.context import warn_days
from shared.web.context import current_actor, current_tier, db_session
from shared.web.smorest import Blueprint

blp = Blueprint("supervision", __name__, description="督查：时限预警与超期办件")
reports = Blueprint("reports", __name__, description="统计：办结率、按时办结率、超期件")


@blp.route("/warnings")
@blp.auth_required
@blp.arguments(WarningsQueryArgsSchema, location="query")
@blp.response(200, WarningsSchema)
@blp.alt_response(403, description="仅县级管理员和督查人员")
def warnings(args: dict[str, Any]) -> dict[str, Any]:
    """Red, yellow and green counts of running cases per department, town or village

    Yellow: at most WARN_WORKING_DAYS working days left (due today included); red: past
    the due date. Departments and towns by handling unit, villages by where the case was filed.
    """
    session = db_session()
    return services.warnings_by(
        session,
        current_actor(),
        args["by"],
        today=current_tier().clock.today(),
        calendar=load_calendar(session),
        warn_days=warn_days(),
    )


@blp.route("/overdue")
@blp.auth_required
@blp.arguments(OverdueQueryArgsSchema, location="query")
@blp.response(200, OverdueListSchema)
@blp.alt_response(403, description="仅县级管理员和督查人员")
def overdue(args: dict[str, Any]) -> dict[str, Any]:
    """Running cases past their due date, longest overdue first, with days overdue"""
    session = db_session()
    return services.overdue_cases(
        session,
        current_actor(),
        today=current_tier().clock.today(),
        calendar=load_calendar(session),
        **args,
    )


@reports.route("/figures")
@reports.auth_required
@reports.arguments(FiguresQueryArgsSchema, location="query")
@reports.response(200, FiguresSchema)
@reports.alt_response(403, description="仅县级管理员和督查人员")
def figures(args: dict[str, Any]) -> dict[str, Any]:
    """办结率, 按时办结率 and 超期件 of one month per department, town or village

    好评率, 差评整改率 and 免提交率 are "—" until their providers are registered.
    """
    period = parse_month(args["month"], current_tier().clock.today())
    return services.figures(db_session(), current_actor(), period, args["by"])
