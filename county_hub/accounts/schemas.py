"""Schemas of staff accounts (the hash is never shown)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from shared.accounts.models import Role


class AccountSchema(ma.Schema):
    username = ma.fields.String()
    display_name = ma.fields.String()
    role = ma.fields.Enum(Role, by_value=True)
    role_label = ma.fields.Function(lambda a: a.role.label)
    region_code = ma.fields.String(allow_none=True)
    department_code = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean()
    locked_until = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "锁定截止时间（本级）；空 = 未锁定"}
    )
    failed_logins = ma.fields.Integer(metadata={"description": "本级连续输错密码次数"})


class AccountCreateSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=v.Length(min=2, max=64))
    display_name = ma.fields.String(required=True, validate=v.Length(min=1, max=100))
    role = ma.fields.Enum(Role, by_value=True, required=True)
    region_code = ma.fields.String(load_default=None, allow_none=True)
    department_code = ma.fields.String(load_default=None, allow_none=True)
    password = ma.fields.String(required=True, load_only=True, validate=v.Length(max=256))


class AccountUpdateSchema(ma.Schema):
    display_name = ma.fields.String(validate=v.Length(min=1, max=100))
    password = ma.fields.String(load_only=True, validate=v.Length(max=256))
    active = ma.fields.Boolean()


class AccountQueryArgsSchema(ma.Schema):
    role = ma.fields.Enum(Role, by_value=True, load_default=None)
    region = ma.fields.String(load_default=None, validate=v.Length(max=12))
