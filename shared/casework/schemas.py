"""Schemas of case intake and actions (the API and the pages use the same ones), and of
the catalog search every tier answers."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from shared.cases import RATING_CHANNELS, CaseStatus
from shared.items import ItemStatus

ACTIONS = {
    "accept": "accepted",
    "request_supplement": "supplement_requested",
    "supply": "supplied",
    "not_accept": "not_accepted",
    "suspend": "suspended",
    "resume": "resumed",
    "extend": "extended",
    "decide": "decided",
    "deliver": "delivered",
    "withdraw": "withdrawn",
    "terminate": "terminated",
    "void": "voided",
    "rate": "rated",
}


class ApplicantSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=v.Length(min=1, max=100))
    id_type = ma.fields.String(
        required=True,
        validate=v.OneOf(
            ["111", "001"], error="证件类型应为 111（居民身份证）或 001（统一社会信用代码）"
        ),
    )
    id_number = ma.fields.String(required=True, validate=v.Length(min=1, max=32))
    phone = ma.fields.String(required=True, validate=v.Length(min=1, max=20))


class ProvidedMaterialSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=v.Length(min=1, max=300))
    provided = ma.fields.Boolean(required=True)


class NewCaseSchema(ma.Schema):
    item_code = ma.fields.String(required=True, validate=v.Length(min=1, max=50))
    applicant = ma.fields.Nested(ApplicantSchema, required=True)
    materials = ma.fields.List(ma.fields.Nested(ProvidedMaterialSchema), load_default=list)
    tolerance = ma.fields.Boolean(load_default=False, metadata={"description": "申请容缺受理"})
    tolerance_deadline = ma.fields.Date(
        load_default=None, allow_none=True, metadata={"description": "容缺材料承诺补交日期"}
    )
    promise = ma.fields.Boolean(load_default=False, metadata={"description": "告知承诺制"})
    consent = ma.fields.Boolean(
        load_default=False, metadata={"description": "群众已授权代办（村代办员必填 true）"}
    )
    certificates = ma.fields.List(
        ma.fields.String(validate=v.Length(min=1, max=8000)),
        load_default=list,
        validate=v.Length(max=10),
        metadata={"description": "申请人的电子证照二维码内容：有效的证照可免提交对应材料"},
    )


class ActionSchema(ma.Schema):
    action = ma.fields.String(
        required=True, validate=v.OneOf(list(ACTIONS), error="未知的操作：{input}")
    )
    reason = ma.fields.String(load_default="", validate=v.Length(max=1000))
    approve = ma.fields.Boolean(load_default=None, allow_none=True)
    missing = ma.fields.List(ma.fields.String(validate=v.Length(min=1, max=300)), load_default=list)
    materials = ma.fields.List(
        ma.fields.String(validate=v.Length(min=1, max=300)), load_default=list
    )
    kind = ma.fields.String(
        load_default="", validate=v.Length(max=50), metadata={"description": "特别程序种类"}
    )
    days = ma.fields.Integer(load_default=10, validate=v.Range(min=1, max=30))
    method = ma.fields.String(load_default="窗口领取", validate=v.Length(max=50))
    level = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=v.Range(min=1, max=5, error="评价等级应为 1 到 5"),
        metadata={"description": "rate: 1 非常满意, 2 满意, 3 基本满意, 4 不满意, 5 非常不满意"},
    )
    channel = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=v.OneOf(list(RATING_CHANNELS), error="评价渠道应为 {choices} 之一"),
        metadata={
            "description": "rate: "
            + ", ".join(f"{code} {label}" for code, label in RATING_CHANNELS.items())
        },
    )
    comment = ma.fields.String(
        load_default="", validate=v.Length(max=500), metadata={"description": "rate: 评价意见"}
    )
    rater = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=v.OneOf(["applicant"], error="rater 只能为 applicant（申请人本人评价）"),
        metadata={
            "description": "rate: 'applicant' when the applicant rated in person;"
            " default: the logged-in agent or clerk who enters the rating"
        },
    )
    expected_status = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "页面看到的状态；不一致时拒绝（防止误操作）"},
    )


class CaseQueryArgsSchema(ma.Schema):
    status = ma.fields.String(
        load_default=None,
        validate=v.OneOf([s.value for s in CaseStatus], error="没有这个办件状态"),
    )
    handled_by = ma.fields.String(load_default=None)
    filed_under = ma.fields.String(
        load_default=None,
        validate=v.Regexp(r"^\d{6}(\d{3}){0,2}$", error="应为 6、9 或 12 位行政区划代码"),
        metadata={"description": "cases filed at this county, town or village (or below it)"},
    )
    overdue = ma.fields.Boolean(
        load_default=False, metadata={"description": "only open cases past their due date"}
    )
    q = ma.fields.String(load_default="", validate=v.Length(max=100))
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=v.Range(min=1, max=200))


# --------------------------------------------------------------------------- catalog search


class ItemSummarySchema(ma.Schema):
    """An item in a search result (shared.casework.catalog.ItemSummary), on every tier."""

    code = ma.fields.String(metadata={"description": "实施编码"})
    name = ma.fields.String(metadata={"description": "事项名称"})
    department = ma.fields.String(metadata={"description": "主管部门代码"})
    department_name = ma.fields.String(metadata={"description": "主管部门名称"})
    status = ma.fields.Enum(ItemStatus, by_value=True)
    status_label = ma.fields.String(metadata={"description": "状态（中文）"})
    version = ma.fields.Integer(
        allow_none=True, metadata={"description": "现行（已发布）版本；从未发布为 null"}
    )
    item_type = ma.fields.String(metadata={"description": "事项类型代码，如 01 行政许可"})
    case_kind = ma.fields.Integer(metadata={"description": "1 即办件，2 承诺件"})
    promised_limit = ma.fields.Integer(metadata={"description": "承诺办结时限"})
    promised_unit = ma.fields.String(metadata={"description": "W 工作日，N 自然日"})
    online = ma.fields.Boolean(metadata={"description": "网上办理"})
    visits = ma.fields.Integer(metadata={"description": "到办事现场次数"})
    nearby = ma.fields.Boolean(metadata={"description": "就近办理"})


class ItemListSchema(ma.Schema):
    """One page of a catalog search, best matches first (ADR 0004)."""

    items = ma.fields.List(ma.fields.Nested(ItemSummarySchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    pages = ma.fields.Integer()
