"""Schemas of a node's catalog API, answered from its replica of the master feed."""

from __future__ import annotations

import marshmallow as ma

from shared.schemas import OpenSchema

_INT, _STR, _BOOL = ma.fields.Integer, ma.fields.String, ma.fields.Boolean


class ItemQueryArgsSchema(ma.Schema):
    q = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=100),
        metadata={"description": "中文名称、全拼或拼音首字母，如 spjyxk"},
    )
    department = ma.fields.String(load_default=None, validate=ma.validate.Length(max=32))
    nearby = ma.fields.Boolean(load_default=None)
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=200))


class VersionArgsSchema(ma.Schema):
    version = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=100000))


class GuideMaterialSchema(OpenSchema):
    """申请材料 as the county published it."""

    name = _STR()
    source = _STR(metadata={"description": "资料来源"})
    form = _INT(metadata={"description": "1 纸质，2 电子，3 纸质和电子"})
    type = _INT(metadata={"description": "1 证件证照，2 申请表格文书，3 其他"})
    originals = _INT(metadata={"description": "原件份数"})
    copies = _INT(metadata={"description": "复印件份数"})
    necessity = _INT(metadata={"description": "1 必要，2 非必要，3 容缺后补"})
    certificate_type = _STR(allow_none=True, metadata={"description": "可免提交的证照类型"})
    note = _STR()


class GuideItemSchema(OpenSchema):
    """An item's guide (办事指南) at this node: the county's record of the version, with
    limits and flags; fields the county adds later pass through."""

    code = _STR(metadata={"description": "实施编码"})
    department = _STR(metadata={"description": "主管部门代码"})
    department_name = _STR()
    status = _STR(metadata={"description": "draft、published、suspended、retired"})
    version = _INT(metadata={"description": "版本"})
    name = _STR()
    basic_code = _STR(metadata={"description": "基本编码"})
    item_type = _STR(metadata={"description": "事项类型代码"})
    legal_basis = _STR(metadata={"description": "设定依据"})
    exercise_level = _INT(metadata={"description": "行使层级"})
    power_source = _INT(metadata={"description": "权力来源"})
    implementing_body = _STR(metadata={"description": "实施主体"})
    implementing_body_uscc = _STR()
    body_nature = _STR(metadata={"description": "实施主体性质"})
    statutory_limit = _INT(metadata={"description": "法定办结时限"})
    statutory_unit = _STR(metadata={"description": "W 工作日，N 自然日"})
    promised_limit = _INT(metadata={"description": "承诺办结时限"})
    promised_unit = _STR(metadata={"description": "W 工作日，N 自然日"})
    case_kind = _INT(metadata={"description": "1 即办件，2 承诺件"})
    conditions = _STR(metadata={"description": "受理条件"})
    procedure = _STR(metadata={"description": "办理流程"})
    joint_departments = _STR(metadata={"description": "联办机构"})
    fee = _BOOL(metadata={"description": "是否收费"})
    fee_basis = _STR()
    service_objects = _STR(metadata={"description": "服务对象"})
    handling_forms = _STR(metadata={"description": "办理形式"})
    online = _BOOL(metadata={"description": "网上办理"})
    online_depth = _INT(metadata={"description": "网办深度"})
    online_payment = _BOOL()
    appointment = _BOOL(metadata={"description": "预约办理"})
    express = _BOOL(metadata={"description": "物流快递"})
    nearby = _BOOL(metadata={"description": "就近办理"})
    in_hall = _BOOL(metadata={"description": "进驻大厅"})
    visits = _INT(metadata={"description": "到办事现场次数"})
    place = _STR(metadata={"description": "办理地点"})
    hours = _STR(metadata={"description": "办理时间"})
    phone = _STR(metadata={"description": "咨询电话"})
    faq = _STR(metadata={"description": "常见问题"})
    result_name = _STR(metadata={"description": "审批结果名称"})
    result_certificate_type = _STR(allow_none=True, metadata={"description": "结果证照类型"})
    tolerance_allowed = _BOOL(metadata={"description": "容缺受理"})
    promise_allowed = _BOOL(metadata={"description": "告知承诺制"})
    source = _STR()
    note = _STR()
    materials = ma.fields.List(ma.fields.Nested(GuideMaterialSchema))
    limits = ma.fields.Dict(
        metadata={"description": "statutory、promised：{value, unit}（法定、承诺时限）"}
    )
    flags = ma.fields.Dict(metadata={"description": "online、appointment、nearby 等是否"})
