"""Schemas of 预约 and 巡查 (the API documents them; the services check every rule)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from county_hub.appointments.models import (
    FINDING_CATEGORIES,
    SEVERITIES,
    AppointmentStatus,
    InspectionStatus,
)
from shared.schemas import PageSchema, iso_date, iso_time

_MONTH = v.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="应为月份，格式 YYYY-MM")


class SlotQueryArgsSchema(ma.Schema):
    venue = ma.fields.String(
        required=True,
        validate=v.Length(max=32),
        metadata={"description": "部门代码（县政务大厅窗口）或 9 位镇（街道）代码"},
    )
    date = ma.fields.Date(required=True)


class NewAppointmentSchema(ma.Schema):
    # Not required at the schema level: the service names every missing part in Chinese.
    venue = ma.fields.String(load_default="", validate=v.Length(max=32))
    date = ma.fields.Date(load_default=None, allow_none=True)
    start = ma.fields.String(
        load_default="", validate=v.Length(max=5), metadata={"description": "时段开始 HH:MM"}
    )
    name = ma.fields.String(load_default="", validate=v.Length(max=100))
    id_number = ma.fields.String(load_default="", validate=v.Length(max=20))
    phone = ma.fields.String(load_default="", validate=v.Length(max=20))
    item_code = ma.fields.String(load_default=None, allow_none=True, validate=v.Length(max=50))


class AppointmentQueryArgsSchema(ma.Schema):
    venue = ma.fields.String(load_default=None, validate=v.Length(max=32))
    date = ma.fields.Date(load_default=None)
    status = ma.fields.String(
        load_default=None,
        validate=v.OneOf([s.value for s in AppointmentStatus], error="没有这个预约状态"),
    )
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=50, validate=v.Range(min=1, max=200))


class CancelSchema(ma.Schema):
    reason = ma.fields.String(load_default="", validate=v.Length(max=500))


class AttendSchema(ma.Schema):
    outcome = ma.fields.String(
        required=True,
        validate=v.OneOf(
            ["attended", "no_show"], error="应为 attended（已到场）或 no_show（未到场）"
        ),
    )


class FindingSchema(ma.Schema):
    category = ma.fields.String(
        load_default="", metadata={"description": "、".join(FINDING_CATEGORIES)}
    )
    description = ma.fields.String(load_default="", validate=v.Length(max=2000))
    severity = ma.fields.String(
        load_default="一般", metadata={"description": "、".join(SEVERITIES)}
    )
    rectify_by = ma.fields.Date(
        load_default=None, allow_none=True, metadata={"description": "整改期限"}
    )


class NewInspectionSchema(ma.Schema):
    venue = ma.fields.String(load_default="", validate=v.Length(max=32))
    inspected_on = ma.fields.Date(load_default=None, allow_none=True)
    note = ma.fields.String(load_default="", validate=v.Length(max=2000))
    findings = ma.fields.List(
        ma.fields.Nested(FindingSchema), load_default=list, validate=v.Length(max=50)
    )


class InspectionQueryArgsSchema(ma.Schema):
    venue = ma.fields.String(load_default=None, validate=v.Length(max=32))
    month = ma.fields.String(load_default=None, validate=_MONTH)
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=v.Range(min=1, max=200))


class SummaryQueryArgsSchema(ma.Schema):
    month = ma.fields.String(required=True, validate=_MONTH)


class CloseFindingSchema(ma.Schema):
    note = ma.fields.String(load_default="", validate=v.Length(max=2000))
    closed_on = ma.fields.Date(load_default=None, allow_none=True)


# --------------------------------------------------------------------------- answers


class SlotSchema(ma.Schema):
    """A 30-minute slot with its places."""

    start = ma.fields.String(metadata={"description": "HH:MM"})
    end = ma.fields.String(metadata={"description": "HH:MM"})
    capacity = ma.fields.Integer(metadata={"description": "名额"})
    booked = ma.fields.Integer(metadata={"description": "已预约"})
    free = ma.fields.Integer(metadata={"description": "剩余名额"})
    past = ma.fields.Boolean(metadata={"description": "时段已过"})


class DaySlotsSchema(ma.Schema):
    """A venue's slots on a day; none on a day off (the note says why)."""

    venue = ma.fields.String()
    venue_name = ma.fields.String()
    date = iso_date()
    working_day = ma.fields.Boolean(metadata={"description": "工作日（法定节假日和周末不开放）"})
    note = ma.fields.String(metadata={"description": "不开放的原因"})
    slots = ma.fields.List(ma.fields.Nested(SlotSchema))


class AppointmentSchema(ma.Schema):
    """A booking (ID number masked; the phone too in lists)."""

    id = ma.fields.Integer()
    venue = ma.fields.String(metadata={"description": "部门窗口代码或镇（街道）代码"})
    venue_name = ma.fields.String()
    date = iso_date()
    start = ma.fields.String(metadata={"description": "时段开始 HH:MM"})
    starts_at = iso_time()
    name = ma.fields.String()
    id_number = ma.fields.String(metadata={"description": "身份证号码（已脱敏）"})
    phone = ma.fields.String()
    item_code = ma.fields.String(allow_none=True)
    status = ma.fields.String(
        metadata={"description": "、".join(f"{s.value} {s.label}" for s in AppointmentStatus)}
    )
    status_label = ma.fields.String()
    created_at = iso_time()
    created_by = ma.fields.String()
    cancel_reason = ma.fields.String()


class AppointmentListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(AppointmentSchema))


class FindingStateSchema(ma.Schema):
    """A finding of an inspection and its rectification."""

    n = ma.fields.Integer(metadata={"description": "问题序号"})
    category = ma.fields.String()
    description = ma.fields.String()
    severity = ma.fields.String()
    rectify_by = iso_date("整改期限")
    closed_on = iso_date("销号日期", allow_none=True)
    close_note = ma.fields.String()
    closed_by = ma.fields.String()
    overdue = ma.fields.Boolean(metadata={"description": "未销号且已过期限"})
    in_time = ma.fields.Boolean(metadata={"description": "按期销号"})


class InspectionSchema(ma.Schema):
    """An inspection with its findings."""

    id = ma.fields.Integer()
    inspected_on = iso_date()
    month = ma.fields.String(metadata={"description": "YYYY-MM"})
    inspector = ma.fields.String()
    venue = ma.fields.String()
    venue_name = ma.fields.String()
    note = ma.fields.String()
    status = ma.fields.String(
        metadata={"description": "、".join(f"{s.value} {s.label}" for s in InspectionStatus)}
    )
    status_label = ma.fields.String()
    may_close = ma.fields.Boolean(metadata={"description": "本账号可以销号"})
    findings = ma.fields.List(ma.fields.Nested(FindingStateSchema))


class InspectionListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(InspectionSchema))


class VenueMonthSchema(ma.Schema):
    venue = ma.fields.String()
    venue_name = ma.fields.String()
    inspections = ma.fields.Integer()
    findings = ma.fields.Integer(metadata={"description": "发现问题"})
    serious = ma.fields.Integer(metadata={"description": "严重问题"})
    closed = ma.fields.Integer(metadata={"description": "已销号"})
    closed_in_time = ma.fields.Integer(metadata={"description": "按期销号"})
    overdue_open = ma.fields.Integer(metadata={"description": "超期未销号"})


class InspectionSummarySchema(ma.Schema):
    """Per venue in a month."""

    month = ma.fields.String(metadata={"description": "YYYY-MM"})
    items = ma.fields.List(ma.fields.Nested(VenueMonthSchema))
