"""Request and response shapes of the certificate API (every tier)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from shared.certs import VerdictCode
from shared.schemas import OpenSchema, iso_date


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


# --------------------------------------------------------------------------- answers

_VERDICTS = "、".join(code.value for code in VerdictCode)


class VerifiedCertificateSchema(ma.Schema):
    """The certificate a payload names (holder code masked), also when a check failed."""

    name = ma.fields.String()
    number = ma.fields.String(metadata={"description": "证照编号"})
    issuer_name = ma.fields.String(metadata={"description": "发证机关"})
    holder_name = ma.fields.String(metadata={"description": "持证主体"})
    holder_code = ma.fields.String(metadata={"description": "持证主体代码（已脱敏）"})
    issue_date = iso_date("发证日期")
    valid_from = iso_date("有效期起")
    valid_to = iso_date("有效期止；长期有效为 null", allow_none=True)


class VerdictSchema(ma.Schema):
    """核验结果: signature, issuer key, status list, validity — checked offline."""

    ok = ma.fields.Boolean(metadata={"description": "证照有效、可用"})
    code = ma.fields.String(metadata={"description": _VERDICTS})
    message = ma.fields.String(metadata={"description": "核验结论（中文）"})
    as_of = iso_date("所依据的证照状态名单日期（尚未查名单为 null）", allow_none=True)
    identifier = ma.fields.String(allow_none=True, metadata={"description": "证照标识"})
    certificate = ma.fields.Nested(VerifiedCertificateSchema, allow_none=True)


class CertificateRecordSchema(ma.Schema):
    """A certificate of the county's registry (holder code masked in every answer)."""

    identifier = ma.fields.String(metadata={"description": "证照标识（GB/T 36904）"})
    certificate_type = ma.fields.String(metadata={"description": "证照类型代码"})
    name = ma.fields.String()
    number = ma.fields.String(metadata={"description": "证照编号"})
    version = ma.fields.Integer(metadata={"description": "版本（换发时加 1）"})
    issuer_name = ma.fields.String(metadata={"description": "发证机关"})
    department = ma.fields.String(metadata={"description": "发证部门代码"})
    holder_name = ma.fields.String()
    holder_code = ma.fields.String(metadata={"description": "持证主体代码（已脱敏）"})
    issue_date = iso_date()
    valid_from = iso_date()
    valid_to = iso_date("长期有效为 null", allow_none=True)
    status = ma.fields.String(
        metadata={"description": "valid 有效、revoked 吊销、superseded 已换发"}
    )
    status_label = ma.fields.String()
    status_reason = ma.fields.String(metadata={"description": "状态变更原因"})
    superseded_by = ma.fields.String(allow_none=True, metadata={"description": "换发后的证照标识"})
    case_no = ma.fields.String(allow_none=True, metadata={"description": "签发所依据的办件"})
    payload = ma.fields.String(metadata={"description": "二维码内容（SJC1.…）"})


class LookupRowSchema(CertificateRecordSchema, OpenSchema):
    """A certificate found by a look-up; on a node it is the county's answer, passed on."""

    usable = ma.fields.Boolean(metadata={"description": "今日可用于免提交（有效且在有效期内）"})


class LookupSchema(ma.Schema):
    """The holder's certificates found for a case at this node (the look-up is logged)."""

    items = ma.fields.List(ma.fields.Nested(LookupRowSchema))
    case_no = ma.fields.String(metadata={"description": "用证所服务的办件"})
