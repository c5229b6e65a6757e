"""Schemas of the hub's certificate registry API (the registry record is every tier's:
``shared.certwork.schemas.CertificateRecordSchema``)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from shared.schemas import iso_date, iso_time


class RevokeSchema(ma.Schema):
    reason = ma.fields.String(
        required=True, validate=v.Length(min=2, max=500, error="请写明吊销或注销的原因")
    )


class RatesArgsSchema(ma.Schema):
    by = ma.fields.String(load_default="department", validate=v.OneOf(["department", "item"]))
    month = ma.fields.String(
        load_default=None,
        validate=v.Regexp(r"^20\d\d-(0[1-9]|1[0-2])$", error="月份应为 YYYY-MM，如 2026-11"),
    )


class RotateSchema(ma.Schema):
    department = ma.fields.String(required=True, validate=v.Length(min=1, max=32))
    usage = ma.fields.String(
        load_default="certificate", validate=v.OneOf(["certificate", "status"])
    )


# --------------------------------------------------------------------------- answers


class IssuerKeySchema(ma.Schema):
    """The department's new signing key (its public half goes out with the master feed)."""

    kid = ma.fields.String(metadata={"description": "密钥编号"})
    department = ma.fields.String()
    active_from = iso_date("启用日期")


class UseSchema(ma.Schema):
    """One look-up or verification of the holder's certificates, at any node."""

    at = iso_time()
    node = ma.fields.String(metadata={"description": "用证节点"})
    actor = ma.fields.String(metadata={"description": "用证人账号"})
    action = ma.fields.String(metadata={"description": "lookup 调用，verify 核验"})
    case_no = ma.fields.String(allow_none=True, metadata={"description": "所服务的办件"})
    purpose = ma.fields.String(metadata={"description": "用证事由"})
    certificate = ma.fields.String(allow_none=True, metadata={"description": "证照标识"})


class UsageSchema(ma.Schema):
    """Who used a holder's certificates, newest first (at most 500)."""

    holder = ma.fields.String(metadata={"description": "持证主体代码（已脱敏）"})
    items = ma.fields.List(ma.fields.Nested(UseSchema))


class UsageAlertSchema(ma.Schema):
    """A usage log that failed its chain check."""

    node = ma.fields.String()
    seq = ma.fields.Integer(metadata={"description": "出问题的日志序号"})
    problem = ma.fields.String(
        metadata={"description": "gap 缺号、rewritten 改写、broken_link 断链、fork 分叉"}
    )
    reason = ma.fields.String()
    at = iso_time()


class WaiverRateSchema(ma.Schema):
    """免提交率 of a department or an item."""

    key = ma.fields.String(metadata={"description": "部门代码或事项编码"})
    name = ma.fields.String()
    required = ma.fields.Integer(metadata={"description": "应交材料数"})
    waived = ma.fields.Integer(metadata={"description": "以证照免提交的材料数"})
    rate = ma.fields.Float(
        allow_none=True, metadata={"description": "0–1，四位小数；无材料为 null"}
    )
