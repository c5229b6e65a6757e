"""Schemas of delegation batches and the authority answer."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate as v

from shared.authority import BatchStatus, DelegationMode


class TownsField(ma.fields.Field):  # type: ignore[type-arg]
    """``"all"`` or a list of 9-digit town codes."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value == "all":
            return "all"
        if isinstance(value, list) and all(isinstance(c, str) for c in value):
            return value
        raise ma.ValidationError('应为 "all" 或镇(街道)代码列表')


class BatchSchema(ma.Schema):
    number = ma.fields.Integer(required=True, validate=v.Range(min=1, max=9999))
    title = ma.fields.String(required=True, validate=v.Length(min=2, max=200))
    doc_no = ma.fields.String(
        required=True, validate=v.Length(min=2, max=100), metadata={"description": "文号"}
    )
    doc_date = ma.fields.Date(required=True)
    mode = ma.fields.Enum(
        DelegationMode, by_value=True, required=True, metadata={"description": "下放 或 委托"}
    )
    entrusting_department = ma.fields.String(load_default=None, allow_none=True)
    towns = TownsField(required=True, metadata={"description": '"all" 或镇(街道)代码列表'})
    scope = ma.fields.List(
        ma.fields.String(
            validate=v.OneOf(["受理", "审查", "决定"], error="权限范围只能是 受理、审查、决定")
        ),
        required=True,
    )
    term_from = ma.fields.Date(required=True)
    term_to = ma.fields.Date(load_default=None, allow_none=True)
    items = ma.fields.List(ma.fields.String(validate=v.Length(min=1, max=50)), required=True)
    status = ma.fields.Enum(BatchStatus, by_value=True, dump_only=True)
    status_label = ma.fields.String(dump_only=True)
    item_count = ma.fields.Integer(dump_only=True)
    withdrawn_on = ma.fields.Date(dump_only=True, allow_none=True)
    withdrawal_reason = ma.fields.String(dump_only=True)
    is_demo = ma.fields.Boolean(dump_only=True)


class WithdrawSchema(ma.Schema):
    effective_on = ma.fields.Date(required=True, metadata={"description": "收回生效日期"})
    reason = ma.fields.String(required=True, validate=v.Length(min=1, max=500))


class AuthorityQueryArgsSchema(ma.Schema):
    node = ma.fields.String(
        required=True,
        validate=v.Length(min=1, max=32),
        metadata={"description": "受理节点：村12位、镇9位、县6位或部门代码"},
    )
    item = ma.fields.String(required=True, validate=v.Length(min=1, max=50))
    on = ma.fields.Date(load_default=None, metadata={"description": "受理日期，默认今天"})


class AuthoritySchema(ma.Schema):
    may_decide = ma.fields.Boolean()
    handled_by = ma.fields.String(metadata={"description": "决定机关：镇9位代码或部门代码"})
    batch = ma.fields.Integer(allow_none=True)
    mode = ma.fields.Enum(DelegationMode, by_value=True, allow_none=True)
    in_name_of = ma.fields.String()
    accepting_town = ma.fields.String(allow_none=True)
    node = ma.fields.String()
    item = ma.fields.String()
    on = ma.fields.Date()
