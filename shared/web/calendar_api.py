"""GET /calendar/due-date and the list of years the calendar knows."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma

from shared.calendar_store import load_calendar
from shared.web.context import db_session
from shared.web.smorest import Blueprint

blp = Blueprint("calendar", __name__, description="工作日历与办理时限")


class DueDateQuerySchema(ma.Schema):
    start = ma.fields.Date(required=True, metadata={"description": "起算日（当日不计入）"})
    days = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=0, max=3650),
        metadata={"description": "工作日天数；0 表示即办（当日）"},
    )


class DueDateSchema(ma.Schema):
    start = ma.fields.Date()
    days = ma.fields.Integer()
    due_date = ma.fields.Date(metadata={"description": "起算日后第 N 个工作日"})


class CalendarYearsSchema(ma.Schema):
    years = ma.fields.List(ma.fields.Integer(), metadata={"description": "已知节假日安排的年份"})


@blp.route("/due-date")
@blp.arguments(DueDateQuerySchema, location="query")
@blp.response(200, DueDateSchema)
def due_date(args: dict[str, Any]) -> dict[str, object]:
    """The N-th working day after start, on the official calendar"""
    start: date = args["start"]
    days: int = args["days"]
    calendar = load_calendar(db_session())
    return {"start": start, "days": days, "due_date": calendar.add_working_days(start, days)}


@blp.route("/years")
@blp.response(200, CalendarYearsSchema)
def years() -> dict[str, object]:
    """Years whose holiday schedule is known (built in or published by the hub)"""
    calendar = load_calendar(db_session())
    return {"years": calendar.known_years()}
