"""Request and response shapes of the certificate API (every tier)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v


class VerifySchema(ma.Schema):
    payload = ma.fields.String(
        required=True,
        validate=v.Length(min=1, max=8000, error="请粘贴或扫描证照二维码内容"),
        metadata={"description": "the QR payload (SJC1.…)"},
    )
    case_no = ma.fields.String(load_default=None, allow_none=True, validate=v.Length(max=40))
    purpose = ma.fields.String(load_default=None, allow_none=True, validate=v.Length(max=200))


class LookupArgsSchema(ma.Schema):
    holder = ma.fields.String(
        required=True,
        validate=v.Regexp(r"^[0-9A-Za-z]{18}$", error="应为 18 位身份证号码或统一社会信用代码"),
        metadata={"description": "the holder's ID number or USCC"},
    )
    case_no = ma.fields.String(
        required=True,
        validate=v.Length(min=1, max=40, error="用证须写明本节点办理的办件编号"),
    )
    purpose = ma.fields.String(
        required=True, validate=v.Length(min=2, max=200, error="请写明用证事由")
    )
    certificate_type = ma.fields.String(load_default=None, validate=v.Length(max=32))


class UsageArgsSchema(ma.Schema):
    holder = ma.fields.String(
        required=True,
        validate=v.Regexp(r"^[0-9A-Za-z]{18}$", error="应为 18 位身份证号码或统一社会信用代码"),
    )
    holder_type = ma.fields.String(load_default="111", validate=v.OneOf(["111", "001"]))
