"""Schemas of 一件事一次办 (the API and the pages share them)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from shared.casework.schemas import ApplicantSchema, ProvidedMaterialSchema
from shared.schemas import PageSchema, http_date


class PackageQueryArgsSchema(ma.Schema):
    batch = ma.fields.Integer(
        load_default=None, validate=v.Range(min=1, max=99), metadata={"description": "批次"}
    )


class NewApplicationSchema(ma.Schema):
    applicant = ma.fields.Nested(ApplicantSchema, required=True)
    materials = ma.fields.List(
        ma.fields.Nested(ProvidedMaterialSchema),
        load_default=list,
        metadata={"description": "合并后的材料清单，同名材料只填一次，用于列出它的每个事项"},
    )
    consent = ma.fields.Boolean(
        load_default=False, metadata={"description": "群众已授权代办（村代办员必填 true）"}
    )


class ApplicationQueryArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=v.Range(min=1, max=200))


# --------------------------------------------------------------------------- answers


class PackageSummarySchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    batch = ma.fields.Integer(metadata={"description": "批次"})
    description = ma.fields.String()
    is_demo = ma.fields.Boolean(metadata={"description": "演示数据"})
    item_count = ma.fields.Integer(metadata={"description": "包含的事项数"})


class PackageListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PackageSummarySchema))
    total = ma.fields.Integer()


class PackageItemSchema(ma.Schema):
    """An item of the package, at its current published version."""

    code = ma.fields.String()
    version = ma.fields.Integer()
    status = ma.fields.String()
    name = ma.fields.String()
    department = ma.fields.String()
    department_name = ma.fields.String()
    case_kind = ma.fields.Integer(metadata={"description": "1 即办件，2 承诺件"})
    promised_limit = ma.fields.Integer()
    promised_unit = ma.fields.String(metadata={"description": "W 工作日，N 自然日"})


class ItemRefSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()


class MergedMaterialSchema(ma.Schema):
    """A material asked once for every item that lists it (by name)."""

    name = ma.fields.String()
    necessity = ma.fields.Integer(
        metadata={"description": "各事项中最严的：1 必要，3 容缺后补，2 非必要"}
    )
    certificate_type = ma.fields.String(allow_none=True)
    items = ma.fields.List(
        ma.fields.Nested(ItemRefSchema), metadata={"description": "需要它的事项"}
    )
    shared = ma.fields.Boolean(metadata={"description": "多个事项共用"})


class PackageSchema(ma.Schema):
    """A package's guide: its items and the merged material list."""

    code = ma.fields.String()
    name = ma.fields.String()
    batch = ma.fields.Integer()
    description = ma.fields.String()
    is_demo = ma.fields.Boolean()
    items = ma.fields.List(ma.fields.Nested(PackageItemSchema))
    materials = ma.fields.List(ma.fields.Nested(MergedMaterialSchema))


class ChildCaseSchema(ma.Schema):
    """One child case of an application (one per item)."""

    case_no = ma.fields.String()
    item_code = ma.fields.String()
    item_name = ma.fields.String()
    item_version = ma.fields.Integer(allow_none=True)
    status = ma.fields.String()
    status_label = ma.fields.String()
    outcome = ma.fields.String(allow_none=True)
    handled_by = ma.fields.String()
    due_date = http_date("办结期限；null：无", allow_none=True)


class ChildCountsSchema(ma.Schema):
    total = ma.fields.Integer()
    open = ma.fields.Integer(metadata={"description": "办理中的子办件"})
    done = ma.fields.Integer(metadata={"description": "已办结或已送达的子办件"})


class ApplicationSchema(ma.Schema):
    """An application with its children; ``status`` is read from them, never stored."""

    id = ma.fields.Integer()
    package_code = ma.fields.String()
    package_name = ma.fields.String()
    applicant_name = ma.fields.String()
    applicant_id = ma.fields.String(metadata={"description": "证件号码（已脱敏）"})
    node = ma.fields.String(metadata={"description": "收件节点"})
    actor = ma.fields.String(metadata={"description": "收件人账号"})
    created_at = http_date("申请时间")
    status = ma.fields.String(metadata={"description": "办理中、已办结、已结束（部分事项未办结）"})
    counts = ma.fields.Nested(ChildCountsSchema)
    children = ma.fields.List(ma.fields.Nested(ChildCaseSchema))


class ApplicationListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ApplicationSchema))
