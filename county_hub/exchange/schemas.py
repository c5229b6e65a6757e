"""Marshmallow schemas of the provincial exchange API (records, status, catalog changes)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from county_hub.exchange.mapping import tables
from county_hub.exchange.models import ChangeKind, ChangeStatus, RowStatus


class RowSchema(ma.Schema):
    """One (event, exchange table) record and the province's verdict."""

    id = ma.fields.Integer()
    source_id = ma.fields.String(
        metadata={"description": "事件编号（整改记录为 rectification-<任务号>）"}
    )
    target = ma.fields.String(metadata={"description": "交换表，如 up_pro_accept"})
    case_no = ma.fields.String()
    event_type = ma.fields.String()
    sn = ma.fields.Integer(metadata={"description": "本办件报送记录的顺序"})
    rows = ma.fields.Integer(metadata={"description": "写入的交换表行数（材料为多行）"})
    status = ma.fields.Enum(RowStatus, by_value=True)
    status_label = ma.fields.Function(lambda r: r.status.label)
    reason = ma.fields.String(metadata={"description": "省级拒收原因（重新报送后为上次的原因）"})
    attempts = ma.fields.Integer()
    planned_at = ma.fields.DateTime()
    sent_at = ma.fields.DateTime(allow_none=True)
    answered_at = ma.fields.DateTime(allow_none=True)


class RowListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RowSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


class RowQueryArgsSchema(ma.Schema):
    status = ma.fields.Enum(RowStatus, by_value=True, load_default=None)
    target = ma.fields.String(
        load_default=None,
        validate=v.OneOf(sorted(tables()), error="target 应为交换表名之一：{choices}"),
    )
    case_no = ma.fields.String(load_default=None, validate=v.Length(max=40))
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=50, validate=v.Range(min=1, max=500))


class TargetCountSchema(ma.Schema):
    target = ma.fields.String()
    status = ma.fields.String()
    count = ma.fields.Integer()


class StatusSchema(ma.Schema):
    """The exchange at a glance."""

    enabled = ma.fields.Boolean(metadata={"description": "是否设置了 EXCHANGE_DATABASE_URL"})
    cursor = ma.fields.Integer(metadata={"description": "已规划到的 case_events.seq"})
    lag_seconds = ma.fields.Float(metadata={"description": "落后于枢纽的秒数"})
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    by_target = ma.fields.List(ma.fields.Nested(TargetCountSchema))
    last_success = ma.fields.String(allow_none=True)
    last_error = ma.fields.String()
    failures = ma.fields.Integer()
    next_attempt = ma.fields.String(allow_none=True)


class ChangeProblemSchema(ma.Schema):
    name = ma.fields.String()
    reason = ma.fields.String()


class ChangeSchema(ma.Schema):
    """One item version from the provincial library and what the county did with it."""

    id = ma.fields.Integer()
    task_code = ma.fields.String(metadata={"description": "实施编码"})
    task_version = ma.fields.Integer(metadata={"description": "省级版本号"})
    task_name = ma.fields.String()
    source = ma.fields.String()
    kind = ma.fields.Enum(ChangeKind, by_value=True, allow_none=True)
    status = ma.fields.Enum(ChangeStatus, by_value=True)
    status_label = ma.fields.Function(lambda c: c.status.label)
    problems = ma.fields.List(ma.fields.Nested(ChangeProblemSchema))
    diff = ma.fields.List(ma.fields.Dict())
    draft_version = ma.fields.Integer(allow_none=True)
    pulled_at = ma.fields.DateTime()
    pulled_by = ma.fields.String()
    decided_at = ma.fields.DateTime(allow_none=True)
    decided_by = ma.fields.String()


class ChangeQueryArgsSchema(ma.Schema):
    status = ma.fields.Enum(ChangeStatus, by_value=True, load_default=None)


class PullReportSchema(ma.Schema):
    read = ma.fields.Integer(metadata={"description": "读到的新版本或此前未导入的版本"})
    drafted = ma.fields.Integer()
    suspended = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    refused = ma.fields.Integer()
    changes = ma.fields.List(ma.fields.Nested(ChangeSchema))


class ConfirmedSchema(ma.Schema):
    confirmed = ma.fields.Integer()
    changes = ma.fields.List(ma.fields.Nested(ChangeSchema))
