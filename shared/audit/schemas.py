"""Request and response schemas of the audit API."""

from __future__ import annotations

import marshmallow as ma


class AuditQueryArgsSchema(ma.Schema):
    actor = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))
    action = ma.fields.String(load_default="", validate=ma.validate.Length(max=32))
    since = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=40),
        metadata={"description": "YYYY-MM-DD（北京时间当日零时起）或带时区的 ISO 8601 时间"},
    )
    until = ma.fields.String(load_default="", validate=ma.validate.Length(max=40))
    node = ma.fields.String(
        load_default="",
        validate=ma.validate.Regexp(r"^[0-9]{0,12}$", error="节点代码应为数字"),
        metadata={"description": "节点代码；含其下级节点"},
    )
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class AuditEntrySchema(ma.Schema):
    node = ma.fields.String(required=True)
    seq = ma.fields.Integer(required=True)
    at = ma.fields.String(required=True, metadata={"description": "ISO 8601, +08:00"})
    actor = ma.fields.String(required=True)
    role = ma.fields.String()
    action = ma.fields.String(required=True)
    action_label = ma.fields.String()
    target = ma.fields.String(required=True)
    outcome = ma.fields.String()
    outcome_label = ma.fields.String()
    detail = ma.fields.String()


class AuditPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AuditEntrySchema), required=True)
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()


class AuditNodeVerdictSchema(ma.Schema):
    node = ma.fields.String()
    intact = ma.fields.Boolean()
    checked = ma.fields.Integer()
    first_bad = ma.fields.Integer(allow_none=True)
    problem = ma.fields.String(allow_none=True)
    reason = ma.fields.String()


class AuditVerifySchema(ma.Schema):
    intact = ma.fields.Boolean(required=True)
    checked = ma.fields.Integer(required=True)
    first_bad = ma.fields.Integer(
        allow_none=True, metadata={"description": "第一个出错节点的第一条出错序号"}
    )
    first_bad_node = ma.fields.String(allow_none=True)
    nodes = ma.fields.List(ma.fields.Nested(AuditNodeVerdictSchema))


class AuditWhoLookedRequestSchema(ma.Schema):
    holder = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=15, max=18),
        metadata={"description": "身份证号或统一社会信用代码（放在请求体里，不进 URL）"},
    )


class AuditWhoLookedItemSchema(ma.Schema):
    at = ma.fields.String()
    node = ma.fields.String()
    actor = ma.fields.String()
    source = ma.fields.String(metadata={"description": "cert_usage（用证日志）或 audit"})
    action = ma.fields.String()
    action_label = ma.fields.String()
    case_no = ma.fields.String()
    purpose = ma.fields.String()


class AuditWhoLookedSchema(ma.Schema):
    holder = ma.fields.String(metadata={"description": "脱敏后的代码"})
    items = ma.fields.List(ma.fields.Nested(AuditWhoLookedItemSchema))
