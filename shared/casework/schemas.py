"""Schemas of case intake and actions (the API and the pages use the same ones), of the
case as every tier answers it, and of the catalog search."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from shared.cases import RATING_CHANNELS, RATING_LEVELS, CaseStatus, EventType, Outcome
from shared.items import ItemStatus
from shared.schemas import OpenSchema, PageSchema, as_written, http_date, iso_date, iso_time

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


# --------------------------------------------------------------------------- the case (answers)

_STATUSES = "、".join(f"{s.value} {s.label}" for s in CaseStatus)
_OUTCOMES = "、".join(f"{o.value} {o.label}" for o in Outcome)


class CaseApplicantSchema(OpenSchema):
    """申请人 as filed (ID and phone numbers masked for staff)."""

    name = as_written("string", "姓名或名称")
    id_type = as_written("string", "111 居民身份证，001 统一社会信用代码")
    id_number = as_written("string", "证件号码（已脱敏）")
    phone = as_written("string", "联系电话（已脱敏）")


class CaseAgentSchema(OpenSchema):
    """村代办员 who filed for the applicant."""

    username = as_written("string")
    name = as_written("string", nullable=True)


class CaseMaterialSchema(OpenSchema):
    """One material of the item as filed: provided, waived by a certificate (免提交), or not."""

    name = as_written("string")
    necessity = as_written("integer", "1 必要，2 非必要，3 容缺后补")
    provided = as_written("boolean")
    waived = as_written("boolean", "以电子证照免提交")
    certificate_type = as_written("string", nullable=True)
    certificate = as_written("string", "免提交所用证照标识", nullable=True)


class StopSchema(ma.Schema):
    """特别程序: the clock stopped from ``from`` (and resumed on ``to``)."""

    from_ = iso_date("起始日", data_key="from", attribute="from")
    to = iso_date("结束日（尚未结束为 null）", allow_none=True)


class CaseCertificateSchema(ma.Schema):
    """A result certificate issued for the case."""

    identifier = ma.fields.String(metadata={"description": "证照标识（GB/T 36904）"})
    name = ma.fields.String()
    number = ma.fields.String(metadata={"description": "证照编号"})
    valid_from = iso_date(allow_none=True)
    valid_to = iso_date("长期有效为 null", allow_none=True)
    payload = ma.fields.String(metadata={"description": "二维码内容（SJC1.…，离线核验）"})


class CaseRatingSchema(ma.Schema):
    """好差评 of the case."""

    level = ma.fields.Integer(
        metadata={"description": "、".join(f"{k} {v}" for k, v in RATING_LEVELS.items())}
    )
    level_label = ma.fields.String()
    channel = ma.fields.String(
        metadata={"description": "、".join(f"{k} {v}" for k, v in RATING_CHANNELS.items())}
    )
    channel_label = ma.fields.String()
    comment = ma.fields.String()
    rater = ma.fields.String(metadata={"description": "applicant（本人）或代录人员账号"})
    bad = ma.fields.Boolean(metadata={"description": "差评（4、5 级）"})
    at = iso_time()
    origin = ma.fields.String(metadata={"description": "评价写入的节点"})
    actor = ma.fields.String()
    event_id = ma.fields.String()


class CaseEventSchema(ma.Schema):
    """One event of the case's history, oldest first."""

    id = ma.fields.String()
    type = ma.fields.String(metadata={"description": "、".join(t.value for t in EventType)})
    label = ma.fields.String(metadata={"description": "事件名称（中文）"})
    at = iso_time()
    actor = ma.fields.String()
    origin = ma.fields.String(metadata={"description": "写入事件的节点"})
    lamport = ma.fields.Integer()
    payload = ma.fields.Raw(metadata={"type": "object", "description": "事件内容，随事件类型而定"})


class CaseAnomalySchema(ma.Schema):
    """An event the fold refused: kept on the case with the reason."""

    id = ma.fields.String()
    type = ma.fields.String()
    label = ma.fields.String()
    origin = ma.fields.String()
    lamport = ma.fields.Integer()
    at = iso_time()
    actor = ma.fields.String()
    code = ma.fields.String(metadata={"description": "拒绝原因代码"})
    reason = ma.fields.String(metadata={"description": "拒绝原因（中文）"})


class TimeLimitSchema(ma.Schema):
    """How the due date is reached, step by step, and where the case stands today."""

    as_of = iso_date("计算日")
    level = ma.fields.String(metadata={"description": "green、yellow、red；无时限为空"})
    level_label = ma.fields.String()
    working_days_left = ma.fields.Integer(
        allow_none=True, metadata={"description": "剩余工作日（超期为负）；无时限为 null"}
    )
    trace = ma.fields.List(ma.fields.String(), metadata={"description": "时限计算过程（中文）"})


class CaseSchema(ma.Schema):
    """A case as folded from its events (ARCHITECTURE §8), ID numbers masked."""

    case_id = ma.fields.String()
    case_no = ma.fields.String(metadata={"description": "办件编号：受理节点代码-日期-序号"})
    status = ma.fields.String(allow_none=True, metadata={"description": _STATUSES})
    status_label = ma.fields.String()
    outcome = ma.fields.String(allow_none=True, metadata={"description": _OUTCOMES})
    outcome_label = ma.fields.String()
    item_code = ma.fields.String()
    item_version = ma.fields.Integer(metadata={"description": "受理时锁定的事项版本"})
    item_name = ma.fields.String()
    case_kind = ma.fields.Integer(metadata={"description": "1 即办件，2 承诺件"})
    promised_limit = ma.fields.Integer()
    promised_unit = ma.fields.String(metadata={"description": "W 工作日，N 自然日"})
    applicant = ma.fields.Nested(CaseApplicantSchema)
    agent = ma.fields.Nested(CaseAgentSchema, allow_none=True)
    consent = ma.fields.Boolean(metadata={"description": "群众已授权代办"})
    materials = ma.fields.List(ma.fields.Nested(CaseMaterialSchema))
    missing = ma.fields.List(
        ma.fields.String(), metadata={"description": "一次性告知：需补正的材料"}
    )
    tolerance = ma.fields.Boolean(metadata={"description": "容缺受理"})
    tolerance_outstanding = ma.fields.List(
        ma.fields.String(), metadata={"description": "容缺后补、尚未补齐的材料"}
    )
    tolerance_deadline = iso_date("容缺材料补交期限", allow_none=True)
    promise = ma.fields.Boolean(metadata={"description": "告知承诺制"})
    accepting_node = ma.fields.String(metadata={"description": "收件节点"})
    accept_by = ma.fields.String(metadata={"description": "受理单位（镇代码或部门代码）"})
    handled_by = ma.fields.String(metadata={"description": "办理（决定）单位：镇代码或部门代码"})
    batch = ma.fields.Integer(allow_none=True, metadata={"description": "赋权批次号"})
    in_name_of = ma.fields.String(metadata={"description": "以谁的名义作出决定"})
    submitted_at = iso_time(allow_none=True)
    accepted_on = iso_date(allow_none=True)
    due_date = iso_date("办结期限", allow_none=True)
    due_note = ma.fields.String(metadata={"description": "无办结期限时的说明"})
    stops = ma.fields.List(ma.fields.Nested(StopSchema))
    stopped_working_days = ma.fields.Integer(metadata={"description": "特别程序不计入的工作日"})
    extension_days = ma.fields.Integer(metadata={"description": "延长的工作日"})
    concluded_at = iso_time(allow_none=True)
    delivered = ma.fields.Boolean()
    certificates = ma.fields.List(ma.fields.Nested(CaseCertificateSchema))
    rating = ma.fields.Nested(CaseRatingSchema, allow_none=True)
    history = ma.fields.List(ma.fields.Nested(CaseEventSchema))
    anomalies = ma.fields.List(ma.fields.Nested(CaseAnomalySchema))
    lamport = ma.fields.Integer()
    event_ids = ma.fields.List(ma.fields.String())
    queued_events = ma.fields.Integer(metadata={"description": "本节点尚待上传的事件数"})
    queued = ma.fields.Boolean(metadata={"description": "有待上传的事件（县级为 false）"})
    time_limit = ma.fields.Nested(
        TimeLimitSchema, metadata={"description": "仅 GET /cases/{case_no}：时限计算"}
    )


class CaseSummarySchema(ma.Schema):
    """A case in a list (applicant's ID number masked)."""

    case_no = ma.fields.String()
    item_code = ma.fields.String()
    item_name = ma.fields.String()
    status = ma.fields.String(metadata={"description": _STATUSES})
    status_label = ma.fields.String()
    outcome = ma.fields.String(allow_none=True)
    accepting_node = ma.fields.String()
    handled_by = ma.fields.String()
    applicant_name = ma.fields.String()
    applicant_id = ma.fields.String(metadata={"description": "证件号码（已脱敏）"})
    due_date = http_date("办结期限；null：无", allow_none=True)
    anomalies = ma.fields.Integer(metadata={"description": "被拒事件数"})
    submitted_at = http_date("提交时间", allow_none=True)


class CaseListSchema(PageSchema):
    """Cases at this node, newest first."""

    items = ma.fields.List(ma.fields.Nested(CaseSummarySchema))


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
