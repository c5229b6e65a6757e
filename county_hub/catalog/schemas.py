"""Marshmallow schemas of the catalog: one item record, used by the API, pages and import."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from shared.items import ItemStatus

ITEM_TYPES = {
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他行政权力",
    "20": "公共服务",
}
EXERCISE_LEVELS = {
    1: "国家级",
    2: "省级",
    3: "市级",
    4: "县级",
    5: "镇(乡、街道)级",
    6: "村(社区)级",
    7: "分级管理",
}
POWER_SOURCES = {
    1: "法定本级行使",
    2: "上级下放",
    3: "上级授权",
    4: "同级授权",
    5: "上级委托",
    6: "同级委托",
}
UNITS = {"W": "工作日", "N": "自然日"}
CASE_KINDS = {1: "即办件", 2: "承诺件"}
MATERIAL_FORMS = {1: "纸质", 2: "电子", 3: "纸质和电子"}
MATERIAL_TYPES = {1: "证件证照", 2: "申请表格文书", 3: "其他"}
NECESSITY = {1: "必要", 2: "非必要", 3: "容缺后补"}

_MSG_CHOICE = "取值必须是 {choices} 之一"


class Flag(ma.fields.Boolean):
    """A yes/no flag that also reads the 是/否 of spreadsheets typed by county staff."""

    truthy = ma.fields.Boolean.truthy | {"是", "Y", "y"}
    falsy = ma.fields.Boolean.falsy | {"否", "N", "n"}


class OptionalCode(ma.fields.String):
    """A reference code that may be left empty; empty means none (never an empty key)."""

    def _deserialize(  # type: ignore[override]  # empty becomes None by design
        self, value: object, attr: str | None, data: object, **kwargs: object
    ) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        return text.strip() or None if text is not None else None


def _choice(values: object) -> v.OneOf:
    return v.OneOf(list(values), error=_MSG_CHOICE)  # type: ignore[call-overload]


class MaterialSchema(ma.Schema):
    """申请材料."""

    name = ma.fields.String(required=True, validate=v.Length(min=1, max=300))
    source = ma.fields.String(load_default="申请人自备", validate=v.Length(max=50))
    form = ma.fields.Integer(load_default=1, validate=_choice(MATERIAL_FORMS))
    type = ma.fields.Integer(load_default=3, validate=_choice(MATERIAL_TYPES))
    originals = ma.fields.Integer(load_default=1, validate=v.Range(min=0, max=99))
    copies = ma.fields.Integer(load_default=0, validate=v.Range(min=0, max=99))
    necessity = ma.fields.Integer(load_default=1, validate=_choice(NECESSITY))
    necessity_label = ma.fields.Method("_necessity_label", dump_only=True)
    certificate_type = OptionalCode(load_default=None, allow_none=True)
    note = ma.fields.String(load_default="", validate=v.Length(max=500))

    def _necessity_label(self, obj: object) -> str:
        value = obj.get("necessity") if isinstance(obj, dict) else getattr(obj, "necessity", 1)
        return NECESSITY.get(int(value or 1), "")


class ItemDataSchema(ma.Schema):
    """Everything a county editor enters for an item (a new version's content)."""

    code = ma.fields.String(required=True, validate=v.Length(min=1, max=50))
    department = ma.fields.String(required=True, validate=v.Length(min=1, max=32))
    name = ma.fields.String(required=True, validate=v.Length(min=2, max=200))
    basic_code = ma.fields.String(required=True, validate=v.Length(min=1, max=50))
    item_type = ma.fields.String(required=True, validate=_choice(ITEM_TYPES))
    legal_basis = ma.fields.String(load_default="")
    exercise_level = ma.fields.Integer(load_default=4, validate=_choice(EXERCISE_LEVELS))
    power_source = ma.fields.Integer(load_default=1, validate=_choice(POWER_SOURCES))
    implementing_body = ma.fields.String(required=True, validate=v.Length(min=2, max=200))
    implementing_body_uscc = ma.fields.String(required=True, validate=v.Length(equal=18))
    body_nature = ma.fields.String(load_default="法定机关", validate=v.Length(max=50))
    statutory_limit = ma.fields.Integer(required=True, validate=v.Range(min=0, max=3650))
    statutory_unit = ma.fields.String(load_default="W", validate=_choice(UNITS))
    promised_limit = ma.fields.Integer(required=True, validate=v.Range(min=0, max=3650))
    promised_unit = ma.fields.String(load_default="W", validate=_choice(UNITS))
    case_kind = ma.fields.Integer(required=True, validate=_choice(CASE_KINDS))
    conditions = ma.fields.String(load_default="")
    procedure = ma.fields.String(load_default="")
    joint_departments = ma.fields.String(load_default="", validate=v.Length(max=500))
    fee = Flag(load_default=False)
    fee_basis = ma.fields.String(load_default="")
    service_objects = ma.fields.String(load_default="", validate=v.Length(max=200))
    handling_forms = ma.fields.String(load_default="", validate=v.Length(max=200))
    online = Flag(load_default=False)
    online_depth = ma.fields.Integer(load_default=0, validate=v.Range(min=0, max=4))
    online_payment = Flag(load_default=False)
    appointment = Flag(load_default=False)
    express = Flag(load_default=False)
    nearby = Flag(load_default=False)
    in_hall = Flag(load_default=True)
    visits = ma.fields.Integer(load_default=1, validate=v.Range(min=0, max=9))
    place = ma.fields.String(load_default="", validate=v.Length(max=300))
    hours = ma.fields.String(load_default="", validate=v.Length(max=300))
    phone = ma.fields.String(load_default="", validate=v.Length(max=100))
    faq = ma.fields.String(load_default="")
    result_name = ma.fields.String(load_default="", validate=v.Length(max=200))
    result_certificate_type = OptionalCode(load_default=None, allow_none=True)
    tolerance_allowed = Flag(load_default=False)
    promise_allowed = Flag(load_default=False)
    source = ma.fields.String(load_default="")
    note = ma.fields.String(load_default="")
    materials = ma.fields.List(ma.fields.Nested(MaterialSchema), load_default=list)


#: Version fields (everything but code, department and materials), in export order.
VERSION_FIELDS: tuple[str, ...] = tuple(
    name for name in ItemDataSchema().fields if name not in {"code", "department", "materials"}
)


class ItemQueryArgsSchema(ma.Schema):
    q = ma.fields.String(
        load_default="",
        validate=v.Length(max=100),
        metadata={"description": "中文名称、全拼或拼音首字母，如 spjyxk"},
    )
    department = ma.fields.String(load_default=None, validate=v.Length(max=32))
    status = ma.fields.Enum(ItemStatus, by_value=True, load_default=None)
    nearby = ma.fields.Boolean(load_default=None, metadata={"description": "仅就近办事项"})
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=v.Range(min=1, max=200))


class ItemDetailSchema(ItemDataSchema):
    """An item with one version's full content."""

    class Meta:
        ordered = True

    status = ma.fields.Enum(ItemStatus, by_value=True)
    status_label = ma.fields.String()
    version = ma.fields.Integer()
    current_version = ma.fields.Integer(allow_none=True)
    latest_version = ma.fields.Integer()
    published = ma.fields.Boolean()
    published_at = ma.fields.DateTime(allow_none=True)
    department_name = ma.fields.String()
    item_type_label = ma.fields.String()
    case_kind_label = ma.fields.String()
    limits = ma.fields.Dict()
    flags = ma.fields.Dict()
    is_demo = ma.fields.Boolean()


class VersionSummarySchema(ma.Schema):
    version = ma.fields.Integer()
    name = ma.fields.String()
    published = ma.fields.Boolean()
    published_at = ma.fields.DateTime(allow_none=True)
    published_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    created_by = ma.fields.String(allow_none=True)
    current = ma.fields.Boolean()


class DiffEntrySchema(ma.Schema):
    field = ma.fields.String()
    label = ma.fields.String()
    before = ma.fields.Raw(allow_none=True)
    after = ma.fields.Raw(allow_none=True)


class DiffSchema(ma.Schema):
    code = ma.fields.String()
    from_version = ma.fields.Integer(data_key="from")
    to_version = ma.fields.Integer(data_key="to")
    changes = ma.fields.List(ma.fields.Nested(DiffEntrySchema))


class DiffQueryArgsSchema(ma.Schema):
    from_version = ma.fields.Integer(
        required=True, data_key="from", validate=v.Range(min=1, max=100000)
    )
    to_version = ma.fields.Integer(
        required=True, data_key="to", validate=v.Range(min=1, max=100000)
    )


class VersionQueryArgsSchema(ma.Schema):
    version = ma.fields.Integer(load_default=None, validate=v.Range(min=1, max=100000))


class RateSchema(ma.Schema):
    count = ma.fields.Integer()
    of = ma.fields.Integer()
    rate = ma.fields.Float(metadata={"description": "0–1, four decimals"})
    percent = ma.fields.String(metadata={"description": "e.g. 92.35%"})


class CatalogStatsSchema(ma.Schema):
    items_total = ma.fields.Integer()
    online = ma.fields.Nested(RateSchema, metadata={"description": "网办率"})
    at_most_one_visit = ma.fields.Nested(RateSchema, metadata={"description": "最多跑一次比例"})
    on_the_spot = ma.fields.Nested(RateSchema, metadata={"description": "即办率 (大厅事项)"})
    in_hall = ma.fields.Integer()
    by_department = ma.fields.List(ma.fields.Dict())
    labels = ma.fields.Dict()


class CertificateTypeSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    issuing_department = ma.fields.String(attribute="issuing_department_code", allow_none=True)
    note = ma.fields.String()
