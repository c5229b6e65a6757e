"""Schemas of regions and departments."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from county_hub.org.models import RegionLevel


class RegionSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    level = ma.fields.Enum(RegionLevel, by_value=True)
    kind = ma.fields.String()
    parent_code = ma.fields.String(allow_none=True)
    service_room = ma.fields.Boolean(metadata={"description": "村(社区)便民服务室已开通"})
    is_demo = ma.fields.Boolean()


class RegionQueryArgsSchema(ma.Schema):
    level = ma.fields.Enum(RegionLevel, by_value=True, load_default=None)
    parent = ma.fields.String(
        load_default=None, validate=v.Regexp(r"^\d{6}(\d{3})?$", error="上级代码应为6位或9位数字")
    )
    service_room = ma.fields.Boolean(load_default=None)


class DepartmentSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "部门代码（账号 dept-<代码>）"})
    name = ma.fields.String()
    short_name = ma.fields.String()
    kind = ma.fields.String()
    uscc = ma.fields.String()
    uscc_is_demo = ma.fields.Boolean()
    item_count = ma.fields.Integer()
