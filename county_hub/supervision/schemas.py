"""Schemas of the supervision API: query arguments and the answers (for OpenAPI)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

BY = v.OneOf(["department", "town", "village"], error="统计口径应为 department、town 或 village")


class WarningsQueryArgsSchema(ma.Schema):
    by = ma.fields.String(
        load_default="department",
        validate=BY,
        metadata={"description": "department（办理部门）、town（办理镇街）或 village（收件村）"},
    )


class OverdueQueryArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=v.Range(min=1, max=200))
    department = ma.fields.String(
        load_default=None,
        validate=v.Length(min=1, max=32),
        metadata={"description": "办理单位代码（部门代码或 9 位镇街代码）"},
    )


class FiguresQueryArgsSchema(ma.Schema):
    month = ma.fields.String(
        load_default=None,
        validate=v.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="月份应为 YYYY-MM 格式，如 2026-11"),
        metadata={"description": "统计月份 YYYY-MM（默认本月）"},
    )
    by = ma.fields.String(load_default="department", validate=BY)


class WarningUnitSchema(ma.Schema):
    unit = ma.fields.String()
    unit_name = ma.fields.String()
    running = ma.fields.Integer(metadata={"description": "在办（已受理、计时中或特别程序中）"})
    red = ma.fields.Integer(metadata={"description": "超期（红）"})
    yellow = ma.fields.Integer(metadata={"description": "临近到期（黄）"})
    green = ma.fields.Integer(metadata={"description": "正常（绿）"})
    stopped = ma.fields.Integer(metadata={"description": "特别程序中，计时中止"})


class WarningTotalsSchema(ma.Schema):
    running = ma.fields.Integer()
    red = ma.fields.Integer()
    yellow = ma.fields.Integer()
    green = ma.fields.Integer()
    stopped = ma.fields.Integer()


class WarningsSchema(ma.Schema):
    by = ma.fields.String()
    as_of = ma.fields.Date()
    warn_working_days = ma.fields.Integer(metadata={"description": "剩余工作日不超过此数为黄"})
    units = ma.fields.List(ma.fields.Nested(WarningUnitSchema))
    totals = ma.fields.Nested(WarningTotalsSchema)


class OverdueCaseSchema(ma.Schema):
    case_no = ma.fields.String()
    item_name = ma.fields.String()
    handled_by = ma.fields.String()
    unit_name = ma.fields.String(metadata={"description": "办理单位名称"})
    accepting_node = ma.fields.String()
    accepting_node_name = ma.fields.String()
    applicant_name = ma.fields.String()
    applicant_id = ma.fields.String(metadata={"description": "已打码的证件号码"})
    accepted_on = ma.fields.Date(allow_none=True)
    due_date = ma.fields.Date()
    overdue_working_days = ma.fields.Integer(
        allow_none=True, metadata={"description": "超期工作日数（日历未发布时为 null）"}
    )
    overdue_days = ma.fields.Integer(metadata={"description": "超期自然日数"})


class OverdueListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OverdueCaseSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    as_of = ma.fields.Date()


class FigureRateSchema(ma.Schema):
    count = ma.fields.Integer()
    of = ma.fields.Integer()
    rate = ma.fields.Float(allow_none=True, metadata={"description": "无分母时为 null"})
    percent = ma.fields.String(metadata={"description": "如 95.00%；无数据时为 —"})


class FigureRowSchema(ma.Schema):
    unit = ma.fields.String()
    unit_name = ma.fields.String()
    accepted = ma.fields.Integer(metadata={"description": "本月受理件数"})
    concluded = ma.fields.Integer(metadata={"description": "本月办结件数"})
    on_time = ma.fields.Integer(metadata={"description": "本月按时办结件数"})
    overdue = ma.fields.Integer(metadata={"description": "月末（或今日）超期件"})
    completion_rate = ma.fields.Nested(FigureRateSchema, metadata={"description": "办结率"})
    on_time_rate = ma.fields.Nested(FigureRateSchema, metadata={"description": "按时办结率"})
    good_rating_rate = ma.fields.Nested(
        FigureRateSchema, metadata={"description": "好评率（待接入）"}
    )
    bad_review_fixed_rate = ma.fields.Nested(
        FigureRateSchema, metadata={"description": "差评整改率（待接入）"}
    )
    waiver_rate = ma.fields.Nested(FigureRateSchema, metadata={"description": "免提交率（待接入）"})


class FigureHookSchema(ma.Schema):
    key = ma.fields.String()
    label = ma.fields.String()
    definition = ma.fields.String()
    available = ma.fields.Boolean(metadata={"description": "是否已有数据来源"})


class FiguresSchema(ma.Schema):
    month = ma.fields.String()
    label = ma.fields.String()
    by = ma.fields.String()
    as_of = ma.fields.Date(metadata={"description": "超期件的统计日"})
    labels = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    hooks = ma.fields.List(ma.fields.Nested(FigureHookSchema))
    no_value = ma.fields.String()
    units = ma.fields.List(ma.fields.Nested(FigureRowSchema))
    total = ma.fields.Nested(FigureRowSchema)
