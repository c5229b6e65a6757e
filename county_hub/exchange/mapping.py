"""The mapping between sanji and the national exchange layout, one table per data set.

Pure functions over plain data (no database, no Flask): the services hand in a case's
folded state, an item version's record or a province row, and get back exchange rows or
a sanji item record. Each exchange table has its field list here (:data:`FIELDS`: column
→ meaning, source in sanji, code list); ``docs/exchange.md`` prints the same lists and a
test keeps the two and the tables in step.

Code lists follow GB/T 39046-2020 (事项类型, 行使层级, 权力来源, 办件类型, 办理形式,
材料必要性, 时限单位) and the usual values of the national exchange tables where the
standard leaves them to the platform (办结结果, 环节代码, 特别程序种类, 评价渠道).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table

from county_hub.catalog.schemas import EXERCISE_LEVELS, ITEM_TYPES, POWER_SOURCES
from county_hub.exchange.models import (
    CASE_TABLES,
    TASK_TABLES,
)
from shared.clock import to_china
from shared.errors import InvalidParam
from shared.ids.masking import mask_phone

# --------------------------------------------------------------------------- code lists

CodeList = Mapping[str, str]

TASK_TYPES: CodeList = dict(ITEM_TYPES)  # 事项类型: the same codes in sanji
USE_LEVELS: CodeList = {str(k): v for k, v in EXERCISE_LEVELS.items()}  # 行使层级
POWER_SOURCE_CODES: CodeList = {str(k): v for k, v in POWER_SOURCES.items()}  # 权力来源
PROJECT_TYPES: CodeList = {"1": "即办件", "2": "承诺件"}  # 办件类型
TIME_UNITS: CodeList = {"1": "工作日", "2": "自然日"}  # 时限单位
HANDLE_FORMS: CodeList = {  # 办理形式 (GB/T 39046 A.5)
    "1": "窗口办理",
    "2": "电脑端网上办理",
    "3": "移动端网上申请",
    "4": "快递申请",
    "9": "其他",
}
NECESSITIES: CodeList = {"1": "必要", "2": "非必要", "3": "容缺后补"}  # 材料必要性
MATERIAL_FORMS: CodeList = {"1": "纸质", "2": "电子", "3": "纸质和电子"}
MATERIAL_TYPES: CodeList = {"1": "证件证照", "2": "申请表格文书", "3": "其他"}
SOURCE_TYPES: CodeList = {"1": "申请人自备", "2": "政府部门核发", "3": "其他"}
DEPT_TYPES: CodeList = {"1": "法定机关", "2": "授权组织", "3": "受委托组织"}
TASK_STATES: CodeList = {"1": "在用", "2": "暂停", "3": "取消"}
YES_NO: CodeList = {"0": "否", "1": "是"}
ONLINE_LEVELS: CodeList = {"0": "不可网办", "1": "一级", "2": "二级", "3": "三级", "4": "四级"}
CARD_TYPES: CodeList = {"111": "居民身份证", "001": "统一社会信用代码"}
APPLY_TYPES: CodeList = {"1": "自然人", "2": "法人及其他组织"}
ACCEPT_RESULTS: CodeList = {"1": "受理", "2": "不予受理"}
RESULT_CODES: CodeList = {  # 办结结果
    "1": "准予",
    "2": "不予",
    "3": "不予受理",
    "4": "撤回",
    "5": "终止",
    "6": "作废",
}
NODE_CODES: CodeList = {  # 环节代码
    "01": "受理",
    "02": "补正告知",
    "03": "补齐补正",
    "04": "延长期限",
    "05": "审查决定",
    "06": "送达",
}
SPECIAL_TYPES: CodeList = {  # 特别程序种类 (行政许可法 art. 45)
    "1": "听证",
    "2": "招标",
    "3": "拍卖",
    "4": "检验检测检疫",
    "5": "鉴定",
    "6": "专家评审",
    "9": "其他",
}
SPECIAL_STAGES: CodeList = {"1": "开始", "2": "结束"}
EVALUATE_LEVELS: CodeList = {
    "1": "非常满意",
    "2": "满意",
    "3": "基本满意",
    "4": "不满意",
    "5": "非常不满意",
}
EVALUATE_CHANNELS: CodeList = {  # 评价渠道
    "1": "PC端",
    "2": "移动端",
    "3": "二维码",
    "4": "政务服务大厅平板电脑",
    "6": "电话",
    "7": "短信",
}
RATER_TYPES: CodeList = {"1": "申请人", "2": "帮代办员或窗口代录"}
RECTIFY_STATUSES: CodeList = {"1": "已整改并公开", "2": "申诉成立（不计差评）"}
SYNC_STATUSES: CodeList = {"0": "未读取", "1": "已接收", "2": "已拒收"}

#: Every code list by the name the field lists and docs use.
CODE_LISTS: dict[str, CodeList] = {
    "事项类型": TASK_TYPES,
    "行使层级": USE_LEVELS,
    "权力来源": POWER_SOURCE_CODES,
    "办件类型": PROJECT_TYPES,
    "时限单位": TIME_UNITS,
    "办理形式": HANDLE_FORMS,
    "材料必要性": NECESSITIES,
    "材料形式": MATERIAL_FORMS,
    "材料类型": MATERIAL_TYPES,
    "来源渠道": SOURCE_TYPES,
    "实施主体性质": DEPT_TYPES,
    "事项状态": TASK_STATES,
    "是否": YES_NO,
    "网办深度": ONLINE_LEVELS,
    "证件类型": CARD_TYPES,
    "申请人类型": APPLY_TYPES,
    "受理结果": ACCEPT_RESULTS,
    "办结结果": RESULT_CODES,
    "环节代码": NODE_CODES,
    "特别程序种类": SPECIAL_TYPES,
    "特别程序阶段": SPECIAL_STAGES,
    "评价等级": EVALUATE_LEVELS,
    "评价渠道": EVALUATE_CHANNELS,
    "评价人类型": RATER_TYPES,
    "整改结果": RECTIFY_STATUSES,
    "读取状态": SYNC_STATUSES,
}

# sanji's own values ↔ exchange codes
UNIT_TO_CODE = {"W": "1", "N": "2"}
CODE_TO_UNIT = {v: k for k, v in UNIT_TO_CODE.items()}
#: How sanji's handling_forms text names each 办理形式 (the county writes 网上办理).
FORM_LABELS = {
    "1": "窗口办理",
    "2": "网上办理",
    "3": "移动端网上申请",
    "4": "快递申请",
    "9": "其他",
}
_FORM_ALIASES = {
    **{label: code for code, label in FORM_LABELS.items()},
    **{label: code for code, label in HANDLE_FORMS.items()},
}
CHANNEL_CODES = {"pc": "1", "mobile": "2", "qrcode": "3", "tablet": "4", "phone": "6", "sms": "7"}
_SPECIAL_BY_KIND = {
    "听证": "1",
    "招标": "2",
    "拍卖": "3",
    "检验": "4",
    "检测": "4",
    "检疫": "4",
    "鉴定": "5",
    "专家评审": "6",
}

# --------------------------------------------------------------------------- field lists


@dataclass(frozen=True)
class Field:
    """One column of an exchange table: where its value comes from, and its code list."""

    source: str
    codes: str = ""  # a key of CODE_LISTS, or '' for free values


_BOOKKEEPING = {
    "unid": Field("uuid5(表名/事件编号/序号)：同一事件重发时不变"),
    "source_id": Field("事件编号 (case_events.id)，整改记录为 rectification-<任务号>"),
    "push_time": Field("写入交换库的时间（县级时钟）"),
    "sync_status": Field("写入时为 0；省级读取后回写 1 或 2", "读取状态"),
    "sync_error": Field("省级回写的拒收原因"),
    "sync_time": Field("省级回写时间"),
}
_TASK_BOOKKEEPING = {
    "rowguid": Field("省级记录标识（县级不使用）"),
    "task_code": Field("→ service_items.code（实施编码）"),
    "task_version": Field("→ exchange_catalog_changes.task_version（省级版本号）"),
    "update_time": Field("省级更新时间（仅显示）"),
    "sync_status": Field("县级回写：拉取时 2（拒收），确认发布后 1", "读取状态"),
    "sync_error": Field("县级回写的拒收原因（与待核查列表相同）"),
    "sync_time": Field("县级回写时间"),
}

FIELDS: dict[str, dict[str, Field]] = {
    "up_task_general_basic": {
        **_TASK_BOOKKEEPING,
        "task_name": Field("→ name（事项名称），必填"),
        "catalog_code": Field("→ basic_code（基本编码），必填"),
        "task_type": Field("→ item_type，必填", "事项类型"),
        "task_state": Field("1 在用；2、3 → 县级暂停该事项（从不删除），必填", "事项状态"),
        "use_level": Field("→ exercise_level，必填", "行使层级"),
        "power_source": Field("→ power_source，必填", "权力来源"),
        "dept_name": Field("→ implementing_body，必填"),
        "dept_code": Field("→ implementing_body_uscc；按 departments.uscc 找到主管部门，必填"),
        "dept_type": Field("→ body_nature（中文名称）", "实施主体性质"),
        "by_law": Field("→ legal_basis"),
        "law_time_limit": Field("→ statutory_limit，必填"),
        "law_time_unit": Field("→ statutory_unit（1→W，2→N），必填", "时限单位"),
        "promise_time_limit": Field("→ promised_limit，必填"),
        "promise_time_unit": Field("→ promised_unit（1→W，2→N），必填", "时限单位"),
        "project_type": Field("→ case_kind，必填", "办件类型"),
        "handle_type": Field(
            "→ handling_forms（代码换成名称，县级自有的如“镇(街道)就近办理”保留）；"
            "含 2 或 3 时 online = 是",
            "办理形式",
        ),
        "online_level": Field("→ online_depth", "网办深度"),
    },
    "up_task_general_extend": {
        **_TASK_BOOKKEEPING,
        "accept_condition": Field("→ conditions"),
        "handle_flow": Field("→ procedure"),
        "joint_dept": Field("→ joint_departments"),
        "is_charge": Field("→ fee", "是否"),
        "charge_basis": Field("→ fee_basis"),
        "service_object": Field("→ service_objects"),
        "visit_times": Field("→ visits"),
        "is_appoint": Field("→ appointment", "是否"),
        "is_express": Field("→ express", "是否"),
        "is_pay_online": Field("→ online_payment", "是否"),
        "is_promise": Field("→ promise_allowed", "是否"),
        "result_name": Field("→ result_name"),
    },
    "up_task_general_material": {
        **_TASK_BOOKKEEPING,
        "order_num": Field("→ item_materials.position（排序）"),
        "material_name": Field("→ item_materials.name，必填"),
        "source_type": Field("→ item_materials.source（中文名称）", "来源渠道"),
        "material_form": Field("→ item_materials.form", "材料形式"),
        "material_type": Field("→ item_materials.type", "材料类型"),
        "page_num": Field("→ item_materials.originals"),
        "copy_num": Field("→ item_materials.copies"),
        "necessity": Field("→ item_materials.necessity，必填", "材料必要性"),
    },
    "up_pro_accept": {
        **_BOOKKEEPING,
        "projid": Field("case_no（办件编号），每件一行"),
        "task_code": Field("submitted.item_code"),
        "task_version": Field("submitted.item_version（办件锁定的版本）"),
        "task_name": Field("submitted.item_name"),
        "catalog_code": Field("该版本的 basic_code"),
        "project_type": Field("submitted.case_kind", "办件类型"),
        "apply_type": Field("证件类型 111 → 1，001 → 2", "申请人类型"),
        "apply_name": Field("submitted.applicant.name"),
        "apply_cardtype": Field("submitted.applicant.id_type", "证件类型"),
        "apply_cardnumber": Field(
            "submitted.applicant.id_number（完整：省级据此归集到申请人空间，格式要求必填）"
        ),
        "contact_phone": Field("submitted.applicant.phone，脱敏（138****5678）"),
        "handle_form": Field("窗口或村代办收件为 1", "办理形式"),
        "is_agent": Field("submitted.agent 不为空（村帮代办）为 1；代办员姓名不报送", "是否"),
        "accept_org_code": Field("submitted.accepting_node"),
        "handle_org_code": Field("submitted.handled_by"),
        "dept_name": Field("submitted.in_name_of，否则该版本的 implementing_body"),
        "dept_code": Field("该版本的 implementing_body_uscc"),
        "accept_result": Field("accepted → 1，not_accepted → 2", "受理结果"),
        "accept_opinion": Field("not_accepted.reason"),
        "accept_time": Field("accepted / not_accepted 事件的 at（北京时间）"),
        "handle_user": Field("该事件的 actor（工作人员账号）"),
        "promise_time_limit": Field("submitted.promised_limit"),
        "promise_time_unit": Field("submitted.promised_unit（W→1，N→2）", "时限单位"),
        "is_tolerance": Field("submitted.tolerance", "是否"),
        "is_promise": Field("submitted.promise（告知承诺）", "是否"),
        "area_code": Field("收件节点区划代码补足 12 位"),
    },
    "up_pro_material": {
        **_BOOKKEEPING,
        "projid": Field("case_no"),
        "order_num": Field("材料在 submitted.materials 中的序号（从 1 起）"),
        "material_name": Field("submitted.materials[].name"),
        "necessity": Field("submitted.materials[].necessity", "材料必要性"),
        "is_submit": Field("submitted.materials[].provided", "是否"),
        "is_share": Field("submitted.materials[].waived（电子证照免提交）", "是否"),
        "is_tolerance": Field("材料在 submitted.tolerance_missing 中", "是否"),
    },
    "up_pro_process": {
        **_BOOKKEEPING,
        "projid": Field("case_no"),
        "sn": Field("exchange_rows.sn：本办件报送记录的顺序"),
        "node_code": Field(
            "accepted 01、supplement_requested 02、supplied 03、extended 04、decided 05、"
            "delivered 06",
            "环节代码",
        ),
        "node_name": Field("环节代码的名称"),
        "node_time": Field("事件的 at（北京时间）"),
        "handle_user": Field("事件的 actor"),
        "handle_org_code": Field("事件的 origin（写入节点）"),
        "handle_opinion": Field("reason / note / 补正材料清单（按事件类型）"),
        "extend_days": Field("extended.days"),
        "delivery_method": Field("delivered.method"),
    },
    "up_pro_special_procedure": {
        **_BOOKKEEPING,
        "projid": Field("case_no"),
        "sn": Field("exchange_rows.sn"),
        "special_type": Field("suspended.kind（听证、检测、鉴定……）换成代码", "特别程序种类"),
        "special_name": Field("suspended.kind 原文"),
        "stage": Field("suspended → 1，resumed → 2", "特别程序阶段"),
        "special_time": Field("事件的 at（北京时间）"),
        "special_reason": Field("suspended.reason / resumed.note"),
        "handle_user": Field("事件的 actor"),
    },
    "up_pro_result": {
        **_BOOKKEEPING,
        "projid": Field("case_no"),
        "result_code": Field(
            "decided.approve 真 1 / 假 2；not_accepted 3；withdrawn 4；terminated 5；voided 6",
            "办结结果",
        ),
        "result_opinion": Field("事件的 reason"),
        "result_time": Field("事件的 at（北京时间）"),
        "handle_user": Field("事件的 actor"),
        "handle_org_code": Field("submitted.handled_by"),
    },
    "up_evaluation": {
        **_BOOKKEEPING,
        "projid": Field("case_no"),
        "task_code": Field("submitted.item_code"),
        "evaluate_level": Field("rated.level", "评价等级"),
        "evaluate_channel": Field(
            "rated.channel：pc 1、mobile 2、qrcode 3、tablet 4、phone 6、sms 7", "评价渠道"
        ),
        "evaluate_content": Field("rated.comment"),
        "rater_type": Field("rated.rater 为 applicant → 1，否则 2（账号不报送）", "评价人类型"),
        "evaluate_time": Field("rated 事件的 at（北京时间）"),
        "handle_org_code": Field("submitted.handled_by（被评价单位）"),
        "area_code": Field("收件节点区划代码补足 12 位"),
    },
    "up_evaluation_rectify": {
        **_BOOKKEEPING,
        "projid": Field("rectification_tasks.case_no"),
        "evaluate_unid": Field("对应 up_evaluation 记录的 unid"),
        "rectify_status": Field("closed → 1，appeal_upheld → 2", "整改结果"),
        "rectify_result": Field(
            "rectification_tasks.outcome（向社会公开的整改结果）或申诉审核意见"
        ),
        "callback_time": Field("rectification_tasks.callback.on"),
        "callback_content": Field("rectification_tasks.callback.said"),
        "rectify_time": Field("rectification_tasks.closed_on，申诉成立时为审核时间"),
        "handle_org_code": Field("rectification_tasks.unit"),
    },
}

# --------------------------------------------------------------------------- helpers


def exchange_time(iso: str | datetime | None) -> datetime | None:
    """China local time without a zone, as the 前置库 keeps it."""
    if iso is None or iso == "":
        return None
    if isinstance(iso, str) and iso.endswith("+08:00"):
        return datetime.fromisoformat(iso[:-6])  # already China time (events keep +08:00)
    moment = datetime.fromisoformat(iso) if isinstance(iso, str) else iso
    if moment.tzinfo is None:
        return moment
    return to_china(moment).replace(tzinfo=None)


def area_code(node: str) -> str:
    """A 6-, 9- or 12-digit region code as the 12 digits of the national layout."""
    return (node + "000000000000")[:12] if node.isdigit() else ""


_NAMESPACE = uuid.UUID("6d0a4c3e-3b2f-5c39-9a57-610727000016").bytes


def unid(target: str, source_id: str, n: int = 0) -> str:
    """The key of an exchange row: the same event and table always give the same key.

    A UUIDv5 (RFC 9562) of ``table/event/n`` — built by hand: ``uuid.uuid5`` costs more
    than the rest of a row and the backfill makes two million of them.
    """
    digest = bytearray(hashlib.sha1(_NAMESPACE + f"{target}/{source_id}/{n}".encode()).digest())  # noqa: S324 - RFC 9562 v5 is SHA-1 by definition
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest[:16].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _flag(value: object) -> str:
    return "1" if value else "0"


# --------------------------------------------------------------------------- cases out

#: Event types that start the province's record of a case (受理 or 不予受理).
OPENING = frozenset({"accepted", "not_accepted"})
#: Steps before the opening that are reported once the case has an accept record.
EARLY_STEPS = frozenset({"supplement_requested", "supplied"})
#: Results that the province only takes for a case it has an accept record of.
LATE_RESULTS = frozenset({"withdrawn", "terminated", "voided"})

#: Which exchange tables each event type is written to, in writing order.
TARGETS: dict[str, tuple[str, ...]] = {
    "accepted": ("up_pro_accept", "up_pro_material", "up_pro_process"),
    "not_accepted": ("up_pro_accept", "up_pro_result"),
    "supplement_requested": ("up_pro_process",),
    "supplied": ("up_pro_process",),
    "extended": ("up_pro_process",),
    "suspended": ("up_pro_special_procedure",),
    "resumed": ("up_pro_special_procedure",),
    "decided": ("up_pro_process", "up_pro_result"),
    "delivered": ("up_pro_process",),
    "withdrawn": ("up_pro_result",),
    "terminated": ("up_pro_result",),
    "voided": ("up_pro_result",),
    "rated": ("up_evaluation",),
}
RECTIFY_TARGET = "up_evaluation_rectify"
#: Event types the exchange needs at all (the planner reads only these).
RELEVANT_TYPES = frozenset(TARGETS)

_PROCESS_NODES = {
    "accepted": "01",
    "supplement_requested": "02",
    "supplied": "03",
    "extended": "04",
    "decided": "05",
    "delivered": "06",
}
_RESULTS = {"not_accepted": "3", "withdrawn": "4", "terminated": "5", "voided": "6"}


@dataclass(frozen=True)
class ItemFacts:
    """What the case rows need from the item version a case pinned."""

    basic_code: str = ""
    implementing_body: str = ""
    implementing_body_uscc: str = ""


@dataclass(frozen=True)
class Planned:
    """One (event, table) record to write: its bookkeeping and its exchange rows."""

    source_id: str
    target: str
    case_id: str
    case_no: str
    event_type: str
    sn: int
    rows: tuple[dict[str, Any], ...]


def submitted_entry(case: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``submitted`` history entry of a folded case (its payload has the application)."""
    for entry in case.get("history") or ():
        if entry["type"] == "submitted":
            found: Mapping[str, Any] = entry
            return found
    return {"payload": {}}


def targets_of(history: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], str]]:
    """Every (history entry, table) the exchange needs for a folded case, in writing order.

    The province's record of a case opens with 受理 or 不予受理: steps before it (补正) are
    written right after it, and a 撤回/终止/作废 of a case never accepted is not reported.
    """
    out: list[tuple[Mapping[str, Any], str]] = []
    early: list[Mapping[str, Any]] = []
    opened = False
    for entry in history:
        kind = entry["type"]
        if kind not in TARGETS:
            continue
        if not opened and kind in EARLY_STEPS:
            early.append(entry)
            continue
        if not opened and kind in LATE_RESULTS:
            continue
        if kind in OPENING and not opened:
            opened = True
            out.extend((entry, t) for t in TARGETS[kind] if t != "up_pro_process")
            out.extend((e, t) for e in early for t in TARGETS[e["type"]])
            out.extend((entry, t) for t in TARGETS[kind] if t == "up_pro_process")
            continue
        if kind in OPENING:
            continue  # a second opening cannot pass the fold; never a second accept record
        out.extend((entry, t) for t in TARGETS[kind])
    return out


def _common(target: str, source_id: str, n: int, now: datetime) -> dict[str, Any]:
    return {
        "unid": unid(target, source_id, n),
        "source_id": source_id,
        "push_time": now if now.tzinfo is None else exchange_time(now),
        "sync_status": "0",
        "sync_error": None,
        "sync_time": None,
    }


def build_rows(
    target: str,
    entry: Mapping[str, Any],
    case: Mapping[str, Any],
    item: ItemFacts,
    *,
    sn: int,
    now: datetime,
    app: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], ...]:
    """The exchange rows of one history entry of a folded case for one table.

    ``app`` is the case's ``submitted`` payload when the caller already has it.
    """
    if app is None:
        app = submitted_entry(case)["payload"]
    payload = entry.get("payload") or {}
    kind = entry["type"]
    source = entry["id"]
    base = _common(target, source, 0, now)
    base["projid"] = case["case_no"]
    at = exchange_time(entry["at"])
    actor = entry.get("actor", "")
    if target == "up_pro_accept":
        applicant = app.get("applicant") or {}
        card = str(applicant.get("id_type", ""))
        return (
            {
                **base,
                "task_code": app.get("item_code", case.get("item_code", "")),
                "task_version": app.get("item_version"),
                "task_name": app.get("item_name", ""),
                "catalog_code": item.basic_code,
                "project_type": str(app.get("case_kind", "")),
                "apply_type": "2" if card == "001" else "1",
                "apply_name": applicant.get("name", ""),
                "apply_cardtype": card,
                "apply_cardnumber": applicant.get("id_number", ""),
                "contact_phone": mask_phone(str(applicant.get("phone") or "")) or None,
                "handle_form": "1",
                "is_agent": _flag(app.get("agent")),
                "accept_org_code": app.get("accepting_node", ""),
                "handle_org_code": app.get("handled_by", ""),
                "dept_name": app.get("in_name_of") or item.implementing_body,
                "dept_code": item.implementing_body_uscc,
                "accept_result": "1" if kind == "accepted" else "2",
                "accept_opinion": payload.get("reason") if kind == "not_accepted" else None,
                "accept_time": at,
                "handle_user": actor,
                "promise_time_limit": app.get("promised_limit"),
                "promise_time_unit": UNIT_TO_CODE.get(str(app.get("promised_unit", "")), ""),
                "is_tolerance": _flag(app.get("tolerance")),
                "is_promise": _flag(app.get("promise")),
                "area_code": area_code(str(app.get("accepting_node", ""))),
            },
        )
    if target == "up_pro_material":
        owed = set(app.get("tolerance_missing") or ())
        rows = []
        for n, material in enumerate(app.get("materials") or (), start=1):
            rows.append(
                {
                    **_common(target, source, n, now),
                    "projid": case["case_no"],
                    "order_num": n,
                    "material_name": material.get("name", ""),
                    "necessity": str(material.get("necessity", "")),
                    "is_submit": _flag(material.get("provided")),
                    "is_share": _flag(material.get("waived")),
                    "is_tolerance": _flag(material.get("name") in owed),
                }
            )
        return tuple(rows)
    if target == "up_pro_process":
        node = _PROCESS_NODES[kind]
        opinion = payload.get("reason") or payload.get("note") or ""
        if kind == "supplement_requested":
            opinion = "；".join(
                filter(None, ["需补正：" + "、".join(payload.get("missing") or ()), opinion])
            )
        elif kind == "supplied":
            opinion = "已补齐：" + "、".join(payload.get("materials") or ())
        elif kind == "decided":
            opinion = opinion or ("准予" if payload.get("approve") else "不予")
        return (
            {
                **base,
                "sn": sn,
                "node_code": node,
                "node_name": NODE_CODES[node],
                "node_time": at,
                "handle_user": actor,
                "handle_org_code": entry.get("origin", ""),
                "handle_opinion": opinion or None,
                "extend_days": payload.get("days", 10) if kind == "extended" else None,
                "delivery_method": payload.get("method") if kind == "delivered" else None,
            },
        )
    if target == "up_pro_special_procedure":
        name = str(payload.get("kind") or "")
        if kind == "resumed":
            name = _last_stop_kind(case, entry)
        return (
            {
                **base,
                "sn": sn,
                "special_type": special_type(name),
                "special_name": name or "其他",
                "stage": "1" if kind == "suspended" else "2",
                "special_time": at,
                "special_reason": payload.get("reason") or payload.get("note") or None,
                "handle_user": actor,
            },
        )
    if target == "up_pro_result":
        code = ("1" if payload.get("approve") else "2") if kind == "decided" else _RESULTS[kind]
        return (
            {
                **base,
                "result_code": code,
                "result_opinion": payload.get("reason") or None,
                "result_time": at,
                "handle_user": actor,
                "handle_org_code": app.get("handled_by", ""),
            },
        )
    if target == "up_evaluation":
        return (
            {
                **base,
                "task_code": app.get("item_code", ""),
                "evaluate_level": str(payload.get("level", "")),
                "evaluate_channel": CHANNEL_CODES.get(str(payload.get("channel")), ""),
                "evaluate_content": payload.get("comment") or None,
                "rater_type": "1" if payload.get("rater") == "applicant" else "2",
                "evaluate_time": at,
                "handle_org_code": app.get("handled_by", ""),
                "area_code": area_code(str(app.get("accepting_node", ""))),
            },
        )
    raise ValueError(f"no case mapping for table {target}")


def special_type(kind: str) -> str:
    """特别程序种类 of sanji's free ``kind`` text (检测 → 4 …); anything else is 9 其他."""
    for word, code in _SPECIAL_BY_KIND.items():
        if word in kind:
            return code
    return "9"


def _last_stop_kind(case: Mapping[str, Any], resumed: Mapping[str, Any]) -> str:
    kind = ""
    for entry in case.get("history") or ():
        if entry is resumed or entry.get("id") == resumed.get("id"):
            break
        if entry["type"] == "suspended":
            kind = str((entry.get("payload") or {}).get("kind") or "")
    return kind


@dataclass(frozen=True)
class Rectified:
    """A closed rectification task, as the rectify row needs it."""

    task_id: int
    case_id: str
    case_no: str
    rating_event_id: str
    status: str  # closed | appeal_upheld
    outcome: str
    callback: Mapping[str, Any] | None
    closed_on: str | None  # ISO date or time
    unit: str


def rectify_source(task_id: int) -> str:
    return f"rectification-{task_id}"


def build_rectify_row(task: Rectified, *, now: datetime) -> dict[str, Any]:
    """The 差评整改 row of a closed task."""
    source = rectify_source(task.task_id)
    callback = task.callback or {}
    return {
        **_common(RECTIFY_TARGET, source, 0, now),
        "projid": task.case_no,
        "evaluate_unid": unid("up_evaluation", task.rating_event_id),
        "rectify_status": "1" if task.status == "closed" else "2",
        "rectify_result": task.outcome or None,
        "callback_time": _date_time(callback.get("on")),
        "callback_content": callback.get("said") or None,
        "rectify_time": _date_time(task.closed_on),
        "handle_org_code": task.unit,
    }


def _date_time(value: object) -> datetime | None:
    if not value:
        return None
    text = str(value)
    if len(text) == 10:
        text += "T00:00:00"
    return exchange_time(text)


# --------------------------------------------------------------------------- catalog in

#: Item fields the province's layout carries; everything else is the county's own.
PROVINCE_FIELDS: frozenset[str] = frozenset(
    {
        "name",
        "basic_code",
        "item_type",
        "legal_basis",
        "exercise_level",
        "power_source",
        "implementing_body",
        "implementing_body_uscc",
        "body_nature",
        "statutory_limit",
        "statutory_unit",
        "promised_limit",
        "promised_unit",
        "case_kind",
        "handling_forms",
        "online",
        "online_depth",
        "conditions",
        "procedure",
        "joint_departments",
        "fee",
        "fee_basis",
        "service_objects",
        "visits",
        "appointment",
        "express",
        "online_payment",
        "promise_allowed",
        "result_name",
    }
)
#: Material fields the province carries; a material's certificate type and note are local.
PROVINCE_MATERIAL_FIELDS: frozenset[str] = frozenset(
    {"name", "source", "form", "type", "originals", "copies", "necessity"}
)

_REQUIRED_BASIC = {
    "task_code": "实施编码",
    "task_version": "事项版本号",
    "task_name": "事项名称",
    "catalog_code": "基本编码",
    "task_type": "事项类型",
    "task_state": "事项状态",
    "use_level": "行使层级",
    "power_source": "权力来源",
    "dept_name": "实施主体",
    "dept_code": "实施主体统一社会信用代码",
    "law_time_limit": "法定办结时限",
    "law_time_unit": "法定时限单位",
    "promise_time_limit": "承诺办结时限",
    "promise_time_unit": "承诺时限单位",
    "project_type": "办件类型",
}
_REQUIRED_MATERIAL = {"material_name": "材料名称", "necessity": "材料必要性"}

#: Columns checked against a code list: column → code list name.
_CODED_BASIC = {
    "task_type": "事项类型",
    "task_state": "事项状态",
    "use_level": "行使层级",
    "power_source": "权力来源",
    "dept_type": "实施主体性质",
    "law_time_unit": "时限单位",
    "promise_time_unit": "时限单位",
    "project_type": "办件类型",
    "online_level": "网办深度",
}
_CODED_EXTEND = {
    "is_charge": "是否",
    "is_appoint": "是否",
    "is_express": "是否",
    "is_pay_online": "是否",
    "is_promise": "是否",
}
_CODED_MATERIAL = {
    "source_type": "来源渠道",
    "material_form": "材料形式",
    "material_type": "材料类型",
    "necessity": "材料必要性",
}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _blank(value: object) -> bool:
    return _text(value) == ""


def _int(value: object, name: str, label: str, problems: list[InvalidParam]) -> int:
    text = _text(value)
    try:
        return int(text)
    except ValueError:
        problems.append(InvalidParam(name, f"{label}应为整数，收到 {text!r}"))
        return 0


def _coded(
    row: Mapping[str, Any], coded: Mapping[str, str], where: str, problems: list[InvalidParam]
) -> None:
    for column, list_name in coded.items():
        value = _text(row.get(column))
        if value and value not in CODE_LISTS[list_name]:
            allowed = "、".join(f"{k} {v}" for k, v in CODE_LISTS[list_name].items())
            problems.append(
                InvalidParam(
                    f"{where}{column}",
                    f"{list_name}代码 {value!r} 不在 GB/T 39046 代码表中（应为 {allowed}）",
                )
            )


@dataclass
class TaskRecord:
    """One item version from the provincial library, mapped; ``problems`` lists what is wrong."""

    task_code: str
    task_version: int
    task_name: str
    task_state: str
    dept_code: str
    record: dict[str, Any]  # province fields in sanji's item record form
    problems: list[InvalidParam]


def map_task(
    basic: Mapping[str, Any],
    extend: Mapping[str, Any] | None,
    materials: Iterable[Mapping[str, Any]],
) -> TaskRecord:
    """A province item (basic + extend + materials rows) as the fields of a sanji record.

    Every unknown code-list value and missing required element is listed (all at once);
    the item's own rules (code, USCC, limits) are the catalog's and checked by the caller.
    """
    problems: list[InvalidParam] = []
    for column, label in _REQUIRED_BASIC.items():
        if _blank(basic.get(column)):
            problems.append(InvalidParam(column, f"缺少必填要素：{label}（{column}）"))
    _coded(basic, _CODED_BASIC, "", problems)
    forms = [f.strip() for f in _text(basic.get("handle_type")).split(",") if f.strip()]
    for form in forms:
        if form not in HANDLE_FORMS:
            problems.append(
                InvalidParam(
                    "handle_type",
                    f"办理形式代码 {form!r} 不在 GB/T 39046 代码表中（应为 1、2、3、4、9）",
                )
            )
    extend = extend or {}
    _coded(extend, _CODED_EXTEND, "extend.", problems)
    record: dict[str, Any] = {
        "code": _text(basic.get("task_code")),
        "name": _text(basic.get("task_name")),
        "basic_code": _text(basic.get("catalog_code")),
        "item_type": _text(basic.get("task_type")),
        "legal_basis": _text(basic.get("by_law")),
        "implementing_body": _text(basic.get("dept_name")),
        "implementing_body_uscc": _text(basic.get("dept_code")),
        "body_nature": DEPT_TYPES.get(_text(basic.get("dept_type")) or "1", "法定机关"),
        "statutory_unit": CODE_TO_UNIT.get(_text(basic.get("law_time_unit")), "W"),
        "promised_unit": CODE_TO_UNIT.get(_text(basic.get("promise_time_unit")), "W"),
        "handling_forms": "、".join(FORM_LABELS[f] for f in forms if f in FORM_LABELS),
        "online": any(f in ("2", "3") for f in forms),
        "conditions": _text(extend.get("accept_condition")),
        "procedure": _text(extend.get("handle_flow")),
        "joint_departments": _text(extend.get("joint_dept")),
        "fee": _text(extend.get("is_charge")) == "1",
        "fee_basis": _text(extend.get("charge_basis")),
        "service_objects": _text(extend.get("service_object")),
        "appointment": _text(extend.get("is_appoint")) == "1",
        "express": _text(extend.get("is_express")) == "1",
        "online_payment": _text(extend.get("is_pay_online")) == "1",
        "promise_allowed": _text(extend.get("is_promise")) == "1",
        "result_name": _text(extend.get("result_name")),
    }
    numbers = {
        "exercise_level": ("use_level", "行使层级", basic),
        "power_source": ("power_source", "权力来源", basic),
        "statutory_limit": ("law_time_limit", "法定办结时限", basic),
        "promised_limit": ("promise_time_limit", "承诺办结时限", basic),
        "case_kind": ("project_type", "办件类型", basic),
        "online_depth": ("online_level", "网办深度", basic),
        "visits": ("visit_times", "到办事现场次数", extend),
    }
    for field, (column, label, row) in numbers.items():
        if not _blank(row.get(column)):
            record[field] = _int(row.get(column), column, label, problems)
    record["materials"] = []
    ordered = sorted(materials, key=lambda m: _text(m.get("order_num")).zfill(6))
    for index, row in enumerate(ordered):
        where = f"materials.{index}."
        for column, label in _REQUIRED_MATERIAL.items():
            if _blank(row.get(column)):
                problems.append(InvalidParam(where + column, f"缺少必填要素：{label}（{column}）"))
        _coded(row, _CODED_MATERIAL, where, problems)
        material: dict[str, Any] = {
            "name": _text(row.get("material_name")),
            "source": SOURCE_TYPES.get(_text(row.get("source_type")) or "1", "申请人自备"),
        }
        for field, column in (
            ("form", "material_form"),
            ("type", "material_type"),
            ("necessity", "necessity"),
            ("originals", "page_num"),
            ("copies", "copy_num"),
        ):
            if not _blank(row.get(column)):
                material[field] = _int(row.get(column), where + column, column, problems)
        record["materials"].append(material)
    version_text = _text(basic.get("task_version"))
    return TaskRecord(
        task_code=record["code"],
        task_version=int(version_text) if version_text.isdigit() else 0,
        task_name=record["name"],
        task_state=_text(basic.get("task_state")) or "1",
        dept_code=record["implementing_body_uscc"],
        record=record,
        problems=problems,
    )


def merge_local(
    province: Mapping[str, Any], local: Mapping[str, Any] | None, defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """The new version: the province's fields over the county's own (kept as they are).

    ``local`` is the county's current record of the item (None for a new item, whose own
    fields take the schema's defaults). Local 办理形式 names not in the code list (such
    as 镇(街道)就近办理) stay after the province's; a material keeps its local
    certificate type and note when the province still lists it by the same name.
    """
    merged: dict[str, Any] = dict(defaults)
    if local:
        merged.update({k: v for k, v in local.items() if k != "materials"})
    merged.update({k: v for k, v in province.items() if k != "materials"})
    own_forms = [
        f
        for f in _split_forms(str((local or {}).get("handling_forms") or ""))
        if f not in _FORM_ALIASES
    ]
    merged["handling_forms"] = "、".join(
        [f for f in str(province.get("handling_forms") or "").split("、") if f] + own_forms
    )
    kept = {m["name"]: m for m in (local or {}).get("materials") or ()}
    materials = []
    for material in province.get("materials") or ():
        before = kept.get(material["name"], {})
        materials.append(
            {
                "certificate_type": before.get("certificate_type"),
                "note": before.get("note", ""),
                **{k: v for k, v in material.items() if k in PROVINCE_MATERIAL_FIELDS},
            }
        )
    merged["materials"] = materials
    return merged


def _split_forms(text: str) -> list[str]:
    return [f.strip() for f in text.replace(",", "、").replace("，", "、").split("、") if f.strip()]


def task_rows(
    record: Mapping[str, Any], *, version: int, state: str = "1", now: datetime | None = None
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """A sanji item record in the province's layout (basic, extend, materials rows).

    The reverse of :func:`map_task` for the province's fields: used to export the county's
    list in the exchange layout and by the tests' stand-in for the province.
    """
    code = str(record["code"])
    forms = [
        _FORM_ALIASES[f]
        for f in _split_forms(str(record.get("handling_forms") or ""))
        if f in _FORM_ALIASES
    ]
    stamp = exchange_time(now) if now else None
    common = {
        "task_code": code,
        "task_version": version,
        "update_time": stamp,
        "sync_status": "0",
        "sync_error": None,
        "sync_time": None,
    }
    nature = {v: k for k, v in DEPT_TYPES.items()}.get(str(record.get("body_nature")), "1")
    basic = {
        "rowguid": f"{code}-{version}",
        **common,
        "task_name": record["name"],
        "catalog_code": record["basic_code"],
        "task_type": record["item_type"],
        "task_state": state,
        "use_level": str(record["exercise_level"]),
        "power_source": str(record["power_source"]),
        "dept_name": record["implementing_body"],
        "dept_code": record["implementing_body_uscc"],
        "dept_type": nature,
        "by_law": record.get("legal_basis", ""),
        "law_time_limit": record["statutory_limit"],
        "law_time_unit": UNIT_TO_CODE[record["statutory_unit"]],
        "promise_time_limit": record["promised_limit"],
        "promise_time_unit": UNIT_TO_CODE[record["promised_unit"]],
        "project_type": str(record["case_kind"]),
        "handle_type": ",".join(dict.fromkeys(forms)),
        "online_level": record.get("online_depth", 0),
    }
    extend = {
        "rowguid": f"{code}-{version}",
        **common,
        "accept_condition": record.get("conditions", ""),
        "handle_flow": record.get("procedure", ""),
        "joint_dept": record.get("joint_departments", ""),
        "is_charge": _flag(record.get("fee")),
        "charge_basis": record.get("fee_basis", ""),
        "service_object": record.get("service_objects", ""),
        "visit_times": record.get("visits", 1),
        "is_appoint": _flag(record.get("appointment")),
        "is_express": _flag(record.get("express")),
        "is_pay_online": _flag(record.get("online_payment")),
        "is_promise": _flag(record.get("promise_allowed")),
        "result_name": record.get("result_name", ""),
    }
    sources = {v: k for k, v in SOURCE_TYPES.items()}
    materials = [
        {
            "rowguid": f"{code}-{version}-{n}",
            **common,
            "order_num": n,
            "material_name": m["name"],
            "source_type": sources.get(str(m.get("source")), "3"),
            "material_form": str(m.get("form", 1)),
            "material_type": str(m.get("type", 3)),
            "page_num": m.get("originals", 1),
            "copy_num": m.get("copies", 0),
            "necessity": str(m.get("necessity", 1)),
        }
        for n, m in enumerate(record.get("materials") or (), start=1)
    ]
    return basic, extend, materials


def tables() -> dict[str, Table]:
    """Every exchange table by name."""
    return {t.name: t for t in (*TASK_TABLES, *CASE_TABLES)}


def field_list_markdown() -> str:
    """The field lists of docs/exchange.md (table, column, meaning, source, code list)."""
    out: list[str] = []
    for name, table in tables().items():
        out.append(f"### `{name}` — {table.comment}\n")
        out.append("| column | meaning | source in sanji | code list |")
        out.append("|---|---|---|---|")
        for column in table.columns:
            spec = FIELDS[name][column.name]
            codes = spec.codes
            if codes:
                values = "、".join(f"{k} {v}" for k, v in CODE_LISTS[codes].items())
                codes = f"{codes}：{values}"
            out.append(f"| `{column.name}` | {column.comment} | {spec.source} | {codes} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # the field lists of docs/exchange.md
    print(field_list_markdown())
