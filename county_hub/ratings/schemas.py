"""Schemas of rectification tasks and complaints (the API and the pages share them)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from county_hub.ratings.models import ComplaintStatus, TaskStatus
from county_hub.ratings.services import REPLY_METHODS, TASK_ACTIONS

_PAGE = {"page": ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))}


class TaskQueryArgsSchema(ma.Schema):
    status = ma.fields.String(
        load_default=None,
        validate=v.OneOf([s.value for s in TaskStatus], error="没有这个整改状态"),
    )
    unit = ma.fields.String(
        load_default=None, validate=v.Length(max=32), metadata={"description": "办理单位代码"}
    )
    overdue = ma.fields.Boolean(load_default=False, metadata={"description": "只看已超期"})
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=v.Range(min=1, max=200))


class TaskActionSchema(ma.Schema):
    action = ma.fields.String(
        required=True, validate=v.OneOf(list(TASK_ACTIONS), error="未知的整改操作：{input}")
    )
    note = ma.fields.String(
        load_default="",
        validate=v.Length(max=2000),
        metadata={"description": "核实情况、整改措施、申诉理由或审核意见"},
    )
    called_by = ma.fields.String(
        load_default="", validate=v.Length(max=64), metadata={"description": "call_back: 回访人"}
    )
    called_on = ma.fields.Date(
        load_default=None, allow_none=True, metadata={"description": "call_back: 回访日期"}
    )
    rater_said = ma.fields.String(
        load_default="",
        validate=v.Length(max=2000),
        metadata={"description": "call_back: 评价人的意见"},
    )
    outcome = ma.fields.String(
        load_default="",
        validate=v.Length(max=2000),
        metadata={"description": "close: 向社会公开的整改结果"},
    )


class ComplaintQueryArgsSchema(ma.Schema):
    status = ma.fields.String(
        load_default=None,
        validate=v.OneOf([s.value for s in ComplaintStatus], error="没有这个状态"),
    )
    department_code = ma.fields.String(load_default=None, validate=v.Length(max=32))
    overdue = ma.fields.Boolean(load_default=False)
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=v.Range(min=1, max=200))


class NewComplaintSchema(ma.Schema):
    # Not required at the schema level: the service names every missing part in Chinese.
    contact_name = ma.fields.String(load_default="", validate=v.Length(max=100))
    contact_phone = ma.fields.String(load_default="", validate=v.Length(max=20))
    item_code = ma.fields.String(load_default=None, allow_none=True, validate=v.Length(max=50))
    department_code = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=v.Length(max=32),
        metadata={"description": "责任部门（未选事项时必填；选了事项则按目录转该事项的部门）"},
    )
    text = ma.fields.String(load_default="", validate=v.Length(max=4000))
    filed_node = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "收件节点区划代码（默认：登记人所在节点）"},
    )


class ComplaintAnswerSchema(ma.Schema):
    reply = ma.fields.String(load_default="", validate=v.Length(max=4000))
    reply_method = ma.fields.String(
        load_default="",
        metadata={"description": "答复方式：" + "、".join(REPLY_METHODS)},
    )
    replied_on = ma.fields.Date(load_default=None, allow_none=True)
