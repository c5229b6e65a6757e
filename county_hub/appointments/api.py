"""/api/v1/appointments and /api/v1/inspections."""

from __future__ import annotations

from typing import Any

from flask import current_app

from county_hub.appointments import services
from county_hub.appointments.schemas import (
    AppointmentListSchema,
    AppointmentQueryArgsSchema,
    AppointmentSchema,
    AttendSchema,
    CancelSchema,
    CloseFindingSchema,
    DaySlotsSchema,
    InspectionListSchema,
    InspectionQueryArgsSchema,
    InspectionSchema,
    InspectionSummarySchema,
    NewAppointmentSchema,
    NewInspectionSchema,
    SlotQueryArgsSchema,
    SummaryQueryArgsSchema,
)
from shared.web.context import current_actor, current_tier, db_session
from shared.web.smorest import Blueprint

appointments_blp = Blueprint(
    "appointments", __name__, description="预约：县政务大厅窗口和镇（街道）便民服务中心"
)
inspections_blp = Blueprint(
    "inspections", __name__, description="巡查：问题登记、整改销号、按月汇总"
)


def _capacity() -> int:
    return int(current_app.config["APPOINTMENT_CAPACITY"])


@appointments_blp.route("/slots")
@appointments_blp.auth_required
@appointments_blp.arguments(SlotQueryArgsSchema, location="query")
@appointments_blp.response(200, DaySlotsSchema)
@appointments_blp.alt_response(422, description="没有这个地点，或该年度节假日安排尚未发布")
def slots(args: dict[str, Any]) -> dict[str, Any]:
    """Slots of a venue on a day with the free places (none on a day off)"""
    return services.list_slots(
        db_session(), args["venue"], args["date"], clock=current_tier().clock, capacity=_capacity()
    )


@appointments_blp.route("", methods=["POST"])
@appointments_blp.auth_required
@appointments_blp.arguments(NewAppointmentSchema)
@appointments_blp.response(201, AppointmentSchema)
@appointments_blp.alt_response(409, description="该时段已约满，或此人当天在该地点已有预约")
@appointments_blp.alt_response(422, description="信息缺失，地点或时段不存在，非工作日或时段已过")
def book(data: dict[str, Any]) -> dict[str, Any]:
    """Book a place in a slot for a citizen"""
    session = db_session()
    result = services.book(
        session, current_actor(), data, clock=current_tier().clock, capacity=_capacity()
    )
    session.commit()
    return result


@appointments_blp.route("")
@appointments_blp.auth_required
@appointments_blp.arguments(AppointmentQueryArgsSchema, location="query")
@appointments_blp.response(200, AppointmentListSchema)
@appointments_blp.alt_response(403, description="只能查看本窗口（本中心）的预约")
def list_appointments(args: dict[str, Any]) -> dict[str, Any]:
    """Bookings of a venue and day (phones and ID numbers masked)"""
    args["day"] = args.pop("date")
    return services.list_appointments(db_session(), current_actor(), **args)


@appointments_blp.route("/<int:appointment_id>/cancel", methods=["POST"])
@appointments_blp.auth_required
@appointments_blp.arguments(CancelSchema)
@appointments_blp.response(200, AppointmentSchema)
@appointments_blp.alt_response(409, description="已取消、已办结或时段已过")
def cancel(data: dict[str, Any], appointment_id: int) -> dict[str, Any]:
    """Cancel a booking with a reason (the place becomes free)"""
    session = db_session()
    result = services.cancel(
        session, current_actor(), appointment_id, data["reason"], clock=current_tier().clock
    )
    session.commit()
    return result


@appointments_blp.route("/<int:appointment_id>/attend", methods=["POST"])
@appointments_blp.auth_required
@appointments_blp.arguments(AttendSchema)
@appointments_blp.response(200, AppointmentSchema)
@appointments_blp.alt_response(403, description="不是本窗口（本中心）人员")
@appointments_blp.alt_response(409, description="不是已预约状态，或预约日期未到")
def attend(data: dict[str, Any], appointment_id: int) -> dict[str, Any]:
    """Record whether the citizen came (attended or no_show)"""
    session = db_session()
    result = services.mark(
        session, current_actor(), appointment_id, data["outcome"], clock=current_tier().clock
    )
    session.commit()
    return result


@inspections_blp.route("", methods=["POST"])
@inspections_blp.auth_required
@inspections_blp.arguments(NewInspectionSchema)
@inspections_blp.response(201, InspectionSchema)
@inspections_blp.alt_response(403, description="只有督查人员和管理员可以登记巡查")
@inspections_blp.alt_response(422, description="地点、日期或问题信息有误")
def create(data: dict[str, Any]) -> dict[str, Any]:
    """Record an inspection of a window or town center with its findings"""
    session = db_session()
    result = services.create_inspection(session, current_actor(), data, clock=current_tier().clock)
    session.commit()
    return result


@inspections_blp.route("")
@inspections_blp.auth_required
@inspections_blp.arguments(InspectionQueryArgsSchema, location="query")
@inspections_blp.response(200, InspectionListSchema)
def list_inspections(args: dict[str, Any]) -> dict[str, Any]:
    """Inspections with their findings (the venue's own; all for admin and supervisors)"""
    return services.list_inspections(
        db_session(), current_actor(), today=current_tier().clock.today(), **args
    )


@inspections_blp.route("/summary")
@inspections_blp.auth_required
@inspections_blp.arguments(SummaryQueryArgsSchema, location="query")
@inspections_blp.response(200, InspectionSummarySchema)
def summary(args: dict[str, Any]) -> dict[str, Any]:
    """Per venue in a month: findings, serious ones, closed and closed in time"""
    return services.inspection_summary(
        db_session(), current_actor(), month=args["month"], today=current_tier().clock.today()
    )


@inspections_blp.route("/<int:inspection_id>/findings/<int:n>/close", methods=["POST"])
@inspections_blp.auth_required
@inspections_blp.arguments(CloseFindingSchema)
@inspections_blp.response(200, InspectionSchema)
@inspections_blp.alt_response(409, description="该问题已整改销号")
def close_finding(data: dict[str, Any], inspection_id: int, n: int) -> dict[str, Any]:
    """Close a finding with what was done (the inspection closes with its last one)"""
    session = db_session()
    result = services.close_finding(
        session, current_actor(), inspection_id, n, data, clock=current_tier().clock
    )
    session.commit()
    return result
