"""Schemas of rectification tasks and complaints (the API and the pages share them)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from county_hub.ratings.models import ComplaintStatus, TaskStatus
from county_hub.ratings.services import REPLY_METHODS, TASK_ACTIONS
from shared.schemas import PageSchema, iso_date, iso_time

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


# --------------------------------------------------------------------------- answers

_COLOUR = "green；yellow：剩余工作日不多（见设置）；red：已超期或已督办；已办结为空"


class TaskStepSchema(ma.Schema):
    """One step taken on a task."""

    action = ma.fields.String()
    label = ma.fields.String()
    at = iso_time()
    by = ma.fields.String(metadata={"description": "办理人账号"})
    note = ma.fields.String()


class CallbackSchema(ma.Schema):
    """回访: who called the rater back, when, and what they said."""

    by = ma.fields.String()
    on = iso_date()
    said = ma.fields.String()


class TaskRatingSchema(ma.Schema):
    level = ma.fields.Integer(metadata={"description": "4 不满意，5 非常不满意"})
    channel = ma.fields.String()
    comment = ma.fields.String()
    rater = ma.fields.String()
    rated_on = iso_date()
    origin = ma.fields.String(metadata={"description": "评价写入的节点"})


class TaskActionLinkSchema(ma.Schema):
    action = ma.fields.String()
    label = ma.fields.String()


class TaskSchema(ma.Schema):
    """A rectification task of a bad review."""

    id = ma.fields.Integer()
    case_no = ma.fields.String()
    unit = ma.fields.String(metadata={"description": "整改单位：办理单位代码"})
    level = ma.fields.Integer(metadata={"description": "差评等级"})
    status = ma.fields.String(metadata={"description": "、".join(s.value for s in TaskStatus)})
    status_label = ma.fields.String()
    opened_at = iso_time()
    deadline = iso_date("整改期限（工作日）；无法计算为 null", allow_none=True)
    deadline_note = ma.fields.String(metadata={"description": "期限无法计算时的说明"})
    overdue = ma.fields.Boolean(metadata={"description": "colour 为 red"})
    escalated = ma.fields.Boolean(metadata={"description": "已超期督办"})
    escalated_at = iso_time(allow_none=True)
    colour = ma.fields.String(metadata={"description": _COLOUR})
    callback = ma.fields.Nested(CallbackSchema, allow_none=True)
    outcome = ma.fields.String(allow_none=True, metadata={"description": "向社会公开的整改结果"})
    closed_on = iso_date(allow_none=True)
    history = ma.fields.List(ma.fields.Nested(TaskStepSchema))
    rating = ma.fields.Nested(TaskRatingSchema, allow_none=True)
    actions = ma.fields.List(
        ma.fields.Nested(TaskActionLinkSchema),
        metadata={"description": "本账号现在可做的操作（列表中没有此项）"},
    )


class TaskListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(TaskSchema))


class ComplaintSchema(ma.Schema):
    """A 办不成事反映 with its deadline and reply."""

    id = ma.fields.Integer()
    contact_name = ma.fields.String()
    contact_phone = ma.fields.String(metadata={"description": "列表中已脱敏"})
    item_code = ma.fields.String(allow_none=True)
    item_name = ma.fields.String()
    department_code = ma.fields.String(metadata={"description": "责任部门"})
    text = ma.fields.String()
    filed_node = ma.fields.String(metadata={"description": "收件节点"})
    filed_by = ma.fields.String()
    filed_at = iso_time()
    deadline = iso_date("答复期限（工作日）；无法计算为 null", allow_none=True)
    status = ma.fields.String(metadata={"description": "、".join(s.value for s in ComplaintStatus)})
    status_label = ma.fields.String()
    escalated = ma.fields.Boolean()
    colour = ma.fields.String(metadata={"description": _COLOUR})
    reply = ma.fields.String(allow_none=True)
    reply_method = ma.fields.String(allow_none=True)
    replied_on = iso_date(allow_none=True)
    replied_by = ma.fields.String(allow_none=True)
    may_answer = ma.fields.Boolean(metadata={"description": "本账号可以答复（仅单个反映）"})


class ComplaintListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ComplaintSchema))
