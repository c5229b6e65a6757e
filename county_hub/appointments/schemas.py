"""Schemas of 预约 and 巡查 (the API documents them; the services check every rule)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from county_hub.appointments.models import FINDING_CATEGORIES, SEVERITIES, AppointmentStatus

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
