"""/api/v1/supervision/rectifications and /api/v1/complaints."""

from __future__ import annotations

from typing import Any

from flask import current_app

from county_hub.ratings import services
from county_hub.ratings.schemas import (
    ComplaintAnswerSchema,
    ComplaintListSchema,
    ComplaintQueryArgsSchema,
    ComplaintSchema,
    NewComplaintSchema,
    TaskActionSchema,
    TaskListSchema,
    TaskQueryArgsSchema,
    TaskSchema,
)
from shared.web.context import current_actor, current_tier, db_session
from shared.web.smorest import Blueprint

rectifications_blp = Blueprint(
    "rectifications", __name__, description="差评整改：核实、整改、回访、公开结果、申诉"
)
complaints_blp = Blueprint("complaints", __name__, description="办不成事反映：登记、转办、答复")


def task_warn_days() -> int:
    """RECTIFY_WARN_WORKING_DAYS: when an open rectification task turns yellow."""
    return int(current_app.config["RECTIFY_WARN_WORKING_DAYS"])


def complaint_warn_days() -> int:
    """COMPLAINT_WARN_WORKING_DAYS: when an unanswered complaint turns yellow."""
    return int(current_app.config["COMPLAINT_WARN_WORKING_DAYS"])


@rectifications_blp.route("")
@rectifications_blp.auth_required
@rectifications_blp.arguments(TaskQueryArgsSchema, location="query")
@rectifications_blp.response(200, TaskListSchema)
def list_tasks(args: dict[str, Any]) -> dict[str, Any]:
    """Rectification tasks of bad reviews (the unit's own; all for admin and supervisors)

    Reads only: a rating written at the hub opened its task in the same request, one
    that came by sync gets it from the scheduler's ``supervision.record_ratings`` job.
    """
    return services.list_tasks(
        db_session(),
        current_actor(),
        today=current_tier().clock.today(),
        warn_days=task_warn_days(),
        **args,
    )


@rectifications_blp.route("/<int:task_id>")
@rectifications_blp.auth_required
@rectifications_blp.response(200, TaskSchema)
def get_task(task_id: int) -> dict[str, Any]:
    """One task with its rating, history and the actions open to this account"""
    return services.get_task(
        db_session(),
        current_actor(),
        task_id,
        today=current_tier().clock.today(),
        warn_days=task_warn_days(),
    )


@rectifications_blp.route("/<int:task_id>/actions", methods=["POST"])
@rectifications_blp.auth_required
@rectifications_blp.arguments(TaskActionSchema)
@rectifications_blp.response(200, TaskSchema)
@rectifications_blp.alt_response(403, description="不是本单位的任务，或申诉须由督查人员审核")
@rectifications_blp.alt_response(409, description="当前状态不允许该操作")
def act(data: dict[str, Any], task_id: int) -> dict[str, Any]:
    """Verify, fix, log, call_back, close; appeal; uphold or reject an appeal"""
    session = db_session()
    result = services.act_on_task(
        session,
        current_actor(),
        task_id,
        data,
        clock=current_tier().clock,
        warn_days=task_warn_days(),
    )
    session.commit()
    return result


@complaints_blp.route("", methods=["POST"])
@complaints_blp.auth_required
@complaints_blp.arguments(NewComplaintSchema)
@complaints_blp.response(201, ComplaintSchema)
@complaints_blp.alt_response(422, description="缺少联系人、问题或责任单位")
def file_complaint(data: dict[str, Any]) -> dict[str, Any]:
    """File a 办不成事反映 (routed to the item's department, else the chosen one)"""
    session = db_session()
    result = services.file_complaint(
        session,
        current_actor(),
        data,
        clock=current_tier().clock,
        working_days=int(current_app.config["COMPLAINT_WORKING_DAYS"]),
        county=current_tier().county,
        warn_days=complaint_warn_days(),
    )
    session.commit()
    return result


@complaints_blp.route("")
@complaints_blp.auth_required
@complaints_blp.arguments(ComplaintQueryArgsSchema, location="query")
@complaints_blp.response(200, ComplaintListSchema)
def list_complaints(args: dict[str, Any]) -> dict[str, Any]:
    """Complaints this account may see (phones masked)"""
    return services.list_complaints(
        db_session(),
        current_actor(),
        today=current_tier().clock.today(),
        warn_days=complaint_warn_days(),
        **args,
    )


@complaints_blp.route("/<int:complaint_id>")
@complaints_blp.auth_required
@complaints_blp.response(200, ComplaintSchema)
def get_complaint(complaint_id: int) -> dict[str, Any]:
    """One complaint with its deadline and reply"""
    return services.get_complaint(
        db_session(),
        current_actor(),
        complaint_id,
        today=current_tier().clock.today(),
        warn_days=complaint_warn_days(),
    )


@complaints_blp.route("/<int:complaint_id>/answer", methods=["POST"])
@complaints_blp.auth_required
@complaints_blp.arguments(ComplaintAnswerSchema)
@complaints_blp.response(200, ComplaintSchema)
@complaints_blp.alt_response(403, description="只有责任部门或督查人员可以答复")
@complaints_blp.alt_response(409, description="已答复")
def answer(data: dict[str, Any], complaint_id: int) -> dict[str, Any]:
    """Record the reply told to the complainant (content, method, date)"""
    session = db_session()
    result = services.answer_complaint(
        session,
        current_actor(),
        complaint_id,
        data,
        clock=current_tier().clock,
        warn_days=complaint_warn_days(),
    )
    session.commit()
    return result
