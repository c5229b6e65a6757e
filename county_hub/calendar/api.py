"""The county publishes a year's holidays and make-up days (e.g. next year's notice)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from county_hub.calendar.services import publish_year
from shared.web.context import current_actor, current_tier, db_session
from shared.web.smorest import Blueprint

blp = Blueprint("calendar_admin", __name__, description="工作日历维护（县级）")


class MovedCaseSchema(ma.Schema):
    case_no = ma.fields.String()
    due_before = ma.fields.Date(allow_none=True)
    due_after = ma.fields.Date(allow_none=True)


class RecheckSchema(ma.Schema):
    cases = ma.fields.Integer(metadata={"description": "重新计算期限的在办办件数"})
    moved = ma.fields.Integer(metadata={"description": "办结期限因此改变的办件数"})
    moved_cases = ma.fields.List(ma.fields.Nested(MovedCaseSchema))


class YearScheduleSchema(ma.Schema):
    year = ma.fields.Integer(dump_only=True)
    source = ma.fields.String(
        required=True, metadata={"description": "通知文号，如 国办发明电〔2026〕X号"}
    )
    holidays = ma.fields.List(ma.fields.Date(), required=True, metadata={"description": "放假日期"})
    workdays = ma.fields.List(
        ma.fields.Date(), required=True, metadata={"description": "调休上班日（周末）"}
    )
    names = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), load_default=dict)
    recheck = ma.fields.Nested(RecheckSchema, dump_only=True)


@blp.route("/years/<int:year>", methods=["PUT"])
@blp.auth_required
@blp.arguments(YearScheduleSchema)
@blp.response(200, YearScheduleSchema)
def put_year(data: dict[str, Any], year: int) -> dict[str, Any]:
    """Publish (or replace) a year's official holiday schedule

    Running cases are refolded on the new calendar; ``recheck`` says how many due dates moved.
    """
    session = db_session()
    tier = current_tier()
    published = publish_year(
        session, current_actor(), year, data, clock=tier.clock, county=tier.county
    )
    session.commit()
    schedule, recheck = published.schedule, published.recheck
    return {
        "year": schedule.year,
        "source": schedule.source,
        "holidays": sorted(schedule.holidays),
        "workdays": sorted(schedule.workdays),
        "names": {d.isoformat(): n for d, n in sorted(schedule.names.items())},
        "recheck": {
            "cases": recheck.cases,
            "moved": len(recheck.moved),
            "moved_cases": [
                {"case_no": no, "due_before": before, "due_after": after}
                for no, before, after in recheck.moved
            ],
        },
    }
