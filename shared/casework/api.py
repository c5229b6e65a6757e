"""POST/GET /cases and POST /cases/{case_no}/actions — the same on every tier."""

from __future__ import annotations

from typing import Any

from shared.calendar_store import load_calendar
from shared.cases.limits import time_limit
from shared.casework import services
from shared.casework.context import acked, after_change, catalog, warn_days
from shared.casework.schemas import (
    ActionSchema,
    CaseListSchema,
    CaseQueryArgsSchema,
    CaseSchema,
    NewCaseSchema,
)
from shared.sync.store import refresh_projections
from shared.web.audit import audit, subject_of
from shared.web.context import current_actor, current_tier, db_session
from shared.web.smorest import Blueprint

blp = Blueprint("cases", __name__, description="办件：受理、补正、审查、决定、送达")


def _out(state: Any) -> dict[str, Any]:
    data: dict[str, Any] = state.to_dict(masked=True)
    # Written here but not yet confirmed upstream: shown to staff as "待上传".
    data["queued_events"] = services.queued_events(db_session(), state.case_id)
    data["queued"] = data["queued_events"] > 0 and current_tier().name != "hub"
    return data


@blp.route("", methods=["POST"])
@blp.auth_required
@blp.arguments(NewCaseSchema)
@blp.response(201, CaseSchema)
@blp.alt_response(403, description="本账号不能在本节点受理")
@blp.alt_response(422, description="申请人、材料或授权信息有误")
def file_case(data: dict[str, Any]) -> dict[str, Any]:
    """File a case; missing required materials give status supplement_requested"""
    session = db_session()
    tier = current_tier()
    state = services.file_case(
        session,
        current_actor(),
        data,
        node=tier.node_code,
        county=tier.county,
        catalog=catalog(),
        clock=tier.clock,
        acked=acked(),
    )
    audit("case.file", state.case_no, subject=subject_of(state.applicant))
    session.commit()
    return _out(state)


@blp.route("")
@blp.auth_required
@blp.arguments(CaseQueryArgsSchema, location="query")
@blp.response(200, CaseListSchema)
def list_cases(args: dict[str, Any]) -> dict[str, Any]:
    """Cases held at this node that the caller may read (ID numbers masked)"""
    actor = current_actor()
    session = db_session()
    tier = current_tier()
    # The projection is a cache of the log: bring it up to date before listing from it.
    if refresh_projections(session, clock=tier.clock, county=tier.county, limit=500):
        session.commit()
    overdue = args.pop("overdue", False)
    # A list shows masked rows only: it is no view of anyone's personal data and is not
    # audited (opening a case is) — a list stays a read with no write transaction.
    return services.list_cases(
        session, actor=actor, **args, overdue_on=tier.clock.today() if overdue else None
    )


@blp.route("/<string:case_no>")
@blp.auth_required
@blp.response(200, CaseSchema)
def get_case(case_no: str) -> dict[str, Any]:
    """A case with its status, outcome, handler, due date and event history

    ``time_limit`` explains the due date: ``trace`` (the calculation in Chinese: acceptance
    day, promised limit, each 特别程序 stop, extension, due date, days left today),
    ``level`` (green, yellow, red or "" when no limit runs) and ``working_days_left``
    (negative when overdue).
    """
    actor = current_actor()
    session = db_session()
    calendar = load_calendar(session)
    state = services.readable_state(
        session, actor, case_no, calendar=calendar, county=current_tier().county
    )
    data = _out(state)
    data["time_limit"] = time_limit(
        state, calendar, current_tier().clock.today(), warn_days=warn_days()
    ).to_dict()
    audit("case.view", state.case_no, subject=subject_of(state.applicant), commit=True)
    return data


@blp.route("/<string:case_no>/actions", methods=["POST"])
@blp.auth_required
@blp.arguments(ActionSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(403, description="本节点或本账号无权执行该操作")
@blp.alt_response(409, description="当前状态不允许该操作")
def act(data: dict[str, Any], case_no: str) -> dict[str, Any]:
    """Accept, request supplements, suspend/resume, extend, decide, deliver, withdraw, void"""
    session = db_session()
    tier = current_tier()
    state = services.act(
        session,
        current_actor(),
        case_no,
        data,
        node=tier.node_code,
        county=tier.county,
        clock=tier.clock,
        acked=acked(),
    )
    state = after_change(session, state)
    audit("case.act", case_no, subject=subject_of(state.applicant), detail=data["action"])
    session.commit()
    return _out(state)
