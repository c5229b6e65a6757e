"""The county publishes a year's holidays and make-up days (e.g. next year's notice)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from county_hub.calendar.services import publish_year
from shared.web.app import current_tier, db_session
from shared.web.auth import current_actor
from shared.web.smorest import Blueprint

blp = Blueprint("calendar_admin", __name__, description="工作日历维护（县级）")


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


@blp.route("/years/<int:year>", methods=["PUT"])
@blp.auth_required
@blp.arguments(YearScheduleSchema)
@blp.response(200, YearScheduleSchema)
def put_year(data: dict[str, Any], year: int) -> dict[str, Any]:
    """Publish (or replace) a year's official holiday schedule"""
    session = db_session()
    schedule = publish_year(session, current_actor(), year, data, clock=current_tier().clock)
    session.commit()
    return {
        "year": schedule.year,
        "source": schedule.source,
        "holidays": sorted(schedule.holidays),
        "workdays": sorted(schedule.workdays),
        "names": {d.isoformat(): n for d, n in sorted(schedule.names.items())},
    }
