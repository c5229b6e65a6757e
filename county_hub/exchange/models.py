"""Tables of the provincial exchange: the hub's bookkeeping and the exchange layout itself.

Two sets of tables live here:

* hub tables (:class:`ExchangeRow`, :class:`CatalogChange`) on the hub's ``Base``, covered
  by the hub's Alembic history: what was written to the exchange, with the province's
  verdict, and what came in from the provincial item library;
* the exchange layout (:data:`EXCHANGE_METADATA`), tables of the front-end exchange
  database (前置交换库) in the national exchange layout. They are not in the hub's
  database and not in its migrations: the province owns that database, and
  :func:`county_hub.exchange.services.ensure_exchange_schema` creates what is missing
  (for the demo, tests and a new 前置库).

Every exchange table carries the same bookkeeping columns: ``unid`` (the row's key,
derived from the sanji event so a re-send hits the same row), ``source_id`` (the sanji
event or task it came from), ``push_time`` (when the county wrote it) and
``sync_status`` / ``sync_error`` / ``sync_time``, which the reading side writes back
(``0`` not yet read, ``1`` taken, ``2`` refused with the reason) as real 前置库 do.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from county_hub.db import Base
from shared.db import NAMING_CONVENTION, UTCDateTime, enum_column, utcnow

# --------------------------------------------------------------------------- hub tables


class RowStatus(enum.StrEnum):
    """Where one exchange record of an event stands."""

    PENDING = "pending"  # planned, not yet in the exchange database
    SENT = "sent"  # written; the province has not answered yet
    ACCEPTED = "accepted"  # the province took it (sync_status 1)
    REFUSED = "refused"  # the province refused it (sync_status 2), with its reason

    @property
    def label(self) -> str:
        return ROW_STATUS_LABELS[self]


ROW_STATUS_LABELS = {
    RowStatus.PENDING: "待发送",
    RowStatus.SENT: "已发送",
    RowStatus.ACCEPTED: "省级已接收",
    RowStatus.REFUSED: "省级已拒收",
}


class ExchangeRow(Base):
    """One (event, exchange table) pair: written exactly once, in order per case.

    The unique key on (source_id, target) is what makes the exchange exactly-once from
    the hub's side; the exchange tables' own keys (``unid``) make a re-send after a crash
    land on the same rows.
    """

    __tablename__ = "exchange_rows"
    __table_args__ = (
        UniqueConstraint("source_id", "target"),
        Index("ix_exchange_rows_status_id", "status", "id"),
        Index("ix_exchange_rows_case_id_sn", "case_id", "sn"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(
        String(64), comment="event id, or rectification-<task id> for 整改 outcomes"
    )
    target: Mapped[str] = mapped_column(String(40), comment="exchange table, e.g. up_pro_accept")
    case_id: Mapped[str] = mapped_column(String(36))
    case_no: Mapped[str] = mapped_column(String(40), index=True)
    event_type: Mapped[str] = mapped_column(String(32), comment="sanji event type (or rectified)")
    sn: Mapped[int] = mapped_column(Integer, comment="order of this record within its case")
    rows: Mapped[int] = mapped_column(Integer, default=1, comment="exchange rows (materials: n)")
    status: Mapped[RowStatus] = mapped_column(enum_column(RowStatus))
    reason: Mapped[str] = mapped_column(Text, default="", comment="the province's refusal reason")
    attempts: Mapped[int] = mapped_column(Integer, default=0, comment="times written")
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), comment="when the hub saw the province's verdict"
    )


class ChangeStatus(enum.StrEnum):
    """Where one item version from the provincial library stands at the county."""

    PENDING = "pending"  # drafted (or a suspension prepared); waits for a county admin
    PUBLISHED = "published"  # confirmed: published (or suspended) at the county
    REFUSED = "refused"  # could not be applied: in the review list with the reason
    UNCHANGED = "unchanged"  # nothing differs from what the county already has
    SUPERSEDED = "superseded"  # a later version arrived before this one was confirmed

    @property
    def label(self) -> str:
        return CHANGE_STATUS_LABELS[self]


CHANGE_STATUS_LABELS = {
    ChangeStatus.PENDING: "待确认",
    ChangeStatus.PUBLISHED: "已确认发布",
    ChangeStatus.REFUSED: "待核查（未导入）",
    ChangeStatus.UNCHANGED: "无变化",
    ChangeStatus.SUPERSEDED: "已被新版本取代",
}


class ChangeKind(enum.StrEnum):
    NEW = "new"  # an item the county does not have
    CHANGE = "change"  # new content for an existing item
    SUSPEND = "suspend"  # the province paused or retired it: suspended here, never deleted

    @property
    def label(self) -> str:
        return {"new": "新增事项", "change": "事项变更", "suspend": "省级暂停/取消（县级暂停）"}[
            self.value
        ]


class CatalogChange(Base):
    """One item version read from the provincial library (or an export file of its layout)."""

    __tablename__ = "exchange_catalog_changes"
    __table_args__ = (
        UniqueConstraint("task_code", "task_version"),
        Index("ix_exchange_catalog_changes_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_code: Mapped[str] = mapped_column(String(50), comment="实施编码 as the province has it")
    task_version: Mapped[int] = mapped_column(Integer, comment="the province's version number")
    task_name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(200), comment="'exchange' or the file's name")
    kind: Mapped[ChangeKind | None] = mapped_column(enum_column(ChangeKind))
    status: Mapped[ChangeStatus] = mapped_column(enum_column(ChangeStatus))
    problems: Mapped[list[Any]] = mapped_column(
        JSON, default=list, comment="[{name, reason}] why it was refused"
    )
    diff: Mapped[list[Any]] = mapped_column(
        JSON, default=list, comment="[{field, label, before, after}] against the county's item"
    )
    draft_version: Mapped[int | None] = mapped_column(
        Integer, comment="the county draft version made from it"
    )
    pulled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    pulled_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str] = mapped_column(String(64), default="")


# --------------------------------------------------------------------------- exchange layout

#: The exchange database's tables (not the hub's: see the module docstring).
EXCHANGE_METADATA = MetaData(naming_convention=NAMING_CONVENTION)


def _s(name: str, length: int, comment: str, **kw: Any) -> Column[Any]:
    return Column(name, String(length), comment=comment, **kw)


def _i(name: str, comment: str, **kw: Any) -> Column[Any]:
    return Column(name, Integer, comment=comment, **kw)


def _t(name: str, comment: str, **kw: Any) -> Column[Any]:
    return Column(name, Text, comment=comment, **kw)


def _dt(name: str, comment: str, **kw: Any) -> Column[Any]:
    # The 前置库 layout keeps China local time without a zone; so do we.
    return Column(name, DateTime(timezone=False), comment=comment, **kw)


def _status_columns() -> list[Column[Any]]:
    return [
        _dt("push_time", "县级写入时间"),
        _s("sync_status", 1, "读取状态：0 未读取，1 已接收，2 已拒收（由读取方回写）"),
        _t("sync_error", "拒收原因（由读取方回写）"),
        _dt("sync_time", "读取方回写时间"),
    ]


def _case_table(name: str, comment: str, *columns: Column[Any]) -> Table:
    return Table(
        name,
        EXCHANGE_METADATA,
        _s("unid", 40, "记录标识（由办件事件导出，重发时不变）", primary_key=True),
        _s("source_id", 64, "sanji 事件编号", nullable=False, index=True),
        *columns,
        *_status_columns(),
        Index(f"ix_{name}_sync_status", "sync_status"),
        comment=comment,
    )


def _task_table(name: str, comment: str, *columns: Column[Any]) -> Table:
    return Table(
        name,
        EXCHANGE_METADATA,
        _s("rowguid", 50, "省级记录标识", primary_key=True),
        _s("task_code", 50, "实施编码", nullable=False, index=True),
        _i("task_version", "事项版本号", nullable=False),
        *columns,
        _dt("update_time", "省级更新时间"),
        _s("sync_status", 1, "县级读取状态：0 未读取，1 已采用，2 已拒收（县级回写）"),
        _t("sync_error", "县级拒收原因（县级回写）"),
        _dt("sync_time", "县级回写时间"),
        comment=comment,
    )


# Catalog in: the provincial item library (省级事项库) → the county.

UP_TASK_GENERAL_BASIC = _task_table(
    "up_task_general_basic",
    "实施清单基本信息",
    _s("task_name", 200, "事项名称"),
    _s("catalog_code", 50, "基本编码"),
    _s("task_type", 2, "事项类型"),
    _s("task_state", 1, "事项状态：1 在用，2 暂停，3 取消"),
    _s("use_level", 1, "行使层级"),
    _s("power_source", 1, "权力来源"),
    _s("dept_name", 200, "实施主体"),
    _s("dept_code", 18, "实施主体统一社会信用代码"),
    _s("dept_type", 1, "实施主体性质：1 法定机关，2 授权组织，3 受委托组织"),
    _t("by_law", "设定依据"),
    _i("law_time_limit", "法定办结时限"),
    _s("law_time_unit", 1, "法定时限单位"),
    _i("promise_time_limit", "承诺办结时限"),
    _s("promise_time_unit", 1, "承诺时限单位"),
    _s("project_type", 1, "办件类型"),
    _s("handle_type", 20, "办理形式（多个以英文逗号分隔）"),
    _i("online_level", "网上办理深度：0 不可网办，1–4 一级至四级"),
)

UP_TASK_GENERAL_EXTEND = _task_table(
    "up_task_general_extend",
    "实施清单扩展信息",
    _t("accept_condition", "受理条件"),
    _t("handle_flow", "办理流程"),
    _s("joint_dept", 500, "联办机构"),
    _s("is_charge", 1, "是否收费：0 否，1 是"),
    _t("charge_basis", "收费依据"),
    _s("service_object", 200, "服务对象"),
    _i("visit_times", "到办事现场次数"),
    _s("is_appoint", 1, "是否支持预约：0 否，1 是"),
    _s("is_express", 1, "是否支持物流快递：0 否，1 是"),
    _s("is_pay_online", 1, "是否支持网上支付：0 否，1 是"),
    _s("is_promise", 1, "是否实行告知承诺制：0 否，1 是"),
    _s("result_name", 200, "审批结果名称"),
)

UP_TASK_GENERAL_MATERIAL = _task_table(
    "up_task_general_material",
    "实施清单申请材料",
    _i("order_num", "材料序号"),
    _s("material_name", 300, "材料名称"),
    _s("source_type", 1, "来源渠道：1 申请人自备，2 政府部门核发，3 其他"),
    _s("material_form", 1, "材料形式"),
    _s("material_type", 1, "材料类型：1 证件证照，2 申请表格文书，3 其他"),
    _i("page_num", "原件份数"),
    _i("copy_num", "复印件份数"),
    _s("necessity", 1, "材料必要性"),
)

# Cases out (办件汇聚): the county → the province.

UP_PRO_ACCEPT = _case_table(
    "up_pro_accept",
    "办件受理信息",
    _s("projid", 40, "办件编号", nullable=False, unique=True),
    _s("task_code", 50, "实施编码"),
    _i("task_version", "事项版本号"),
    _s("task_name", 200, "事项名称"),
    _s("catalog_code", 50, "基本编码"),
    _s("project_type", 1, "办件类型"),
    _s("apply_type", 1, "申请人类型：1 自然人，2 法人及其他组织"),
    _s("apply_name", 100, "申请人名称"),
    _s("apply_cardtype", 3, "申请人证件类型：111 居民身份证，001 统一社会信用代码"),
    _s("apply_cardnumber", 18, "申请人证件号码"),
    _s("contact_phone", 20, "联系电话（脱敏）"),
    _s("handle_form", 1, "办理形式"),
    _s("is_agent", 1, "是否帮代办：0 否，1 是"),
    _s("accept_org_code", 12, "收件节点区划代码"),
    _s("handle_org_code", 32, "办理单位（镇街道区划代码或部门代码）"),
    _s("dept_name", 200, "实施主体"),
    _s("dept_code", 18, "实施主体统一社会信用代码"),
    _s("accept_result", 1, "受理结果：1 受理，2 不予受理"),
    _t("accept_opinion", "不予受理理由"),
    _dt("accept_time", "受理（或不予受理）时间"),
    _s("handle_user", 64, "受理人账号"),
    _i("promise_time_limit", "承诺办结时限"),
    _s("promise_time_unit", 1, "承诺时限单位"),
    _s("is_tolerance", 1, "是否容缺受理：0 否，1 是"),
    _s("is_promise", 1, "是否告知承诺：0 否，1 是"),
    _s("area_code", 12, "行政区划代码（12位）"),
)

UP_PRO_MATERIAL = _case_table(
    "up_pro_material",
    "办件申请材料",
    _s("projid", 40, "办件编号", nullable=False, index=True),
    _i("order_num", "材料序号"),
    _s("material_name", 300, "材料名称"),
    _s("necessity", 1, "材料必要性"),
    _s("is_submit", 1, "是否已提交：0 否，1 是"),
    _s("is_share", 1, "是否以电子证照免提交：0 否，1 是"),
    _s("is_tolerance", 1, "是否容缺后补：0 否，1 是"),
)

UP_PRO_PROCESS = _case_table(
    "up_pro_process",
    "办件办理环节",
    _s("projid", 40, "办件编号", nullable=False, index=True),
    _i("sn", "环节序号（办件内递增）"),
    _s("node_code", 2, "环节代码"),
    _s("node_name", 40, "环节名称"),
    _dt("node_time", "环节时间"),
    _s("handle_user", 64, "办理人账号"),
    _s("handle_org_code", 12, "办理节点区划代码"),
    _t("handle_opinion", "办理意见或说明"),
    _i("extend_days", "延长天数（仅延长期限）"),
    _s("delivery_method", 20, "送达方式（仅送达）"),
)

UP_PRO_SPECIAL_PROCEDURE = _case_table(
    "up_pro_special_procedure",
    "办件特别程序",
    _s("projid", 40, "办件编号", nullable=False, index=True),
    _i("sn", "环节序号（办件内递增）"),
    _s("special_type", 1, "特别程序种类"),
    _s("special_name", 40, "特别程序名称"),
    _s("stage", 1, "1 开始（计时中止），2 结束（计时恢复）"),
    _dt("special_time", "开始或结束时间"),
    _t("special_reason", "特别程序原因或结果说明"),
    _s("handle_user", 64, "办理人账号"),
)

UP_PRO_RESULT = _case_table(
    "up_pro_result",
    "办件办结信息",
    _s("projid", 40, "办件编号", nullable=False, index=True),
    _s("result_code", 1, "办结结果"),
    _t("result_opinion", "办结意见"),
    _dt("result_time", "办结时间"),
    _s("handle_user", 64, "办理人账号"),
    _s("handle_org_code", 32, "办理单位"),
)

# Ratings out (好差评): the county → the province.

UP_EVALUATION = _case_table(
    "up_evaluation",
    "好差评评价信息",
    _s("projid", 40, "办件编号", nullable=False, index=True),
    _s("task_code", 50, "实施编码"),
    _s("evaluate_level", 1, "评价等级"),
    _s("evaluate_channel", 1, "评价渠道"),
    _t("evaluate_content", "评价内容"),
    _s("rater_type", 1, "评价人类型：1 申请人，2 帮代办员或窗口代录"),
    _dt("evaluate_time", "评价时间"),
    _s("handle_org_code", 32, "被评价单位"),
    _s("area_code", 12, "行政区划代码（12位）"),
)

UP_EVALUATION_RECTIFY = _case_table(
    "up_evaluation_rectify",
    "差评整改信息",
    _s("projid", 40, "办件编号", nullable=False, index=True),
    _s("evaluate_unid", 40, "对应评价记录标识"),
    _s("rectify_status", 1, "整改结果：1 已整改并公开，2 申诉成立（不计差评）"),
    _t("rectify_result", "整改情况（向社会公开）"),
    _dt("callback_time", "回访日期"),
    _t("callback_content", "回访评价人意见"),
    _dt("rectify_time", "办结日期"),
    _s("handle_org_code", 32, "整改单位"),
)

#: Case-out tables in the order a case's records are written.
CASE_TABLES: tuple[Table, ...] = (
    UP_PRO_ACCEPT,
    UP_PRO_MATERIAL,
    UP_PRO_PROCESS,
    UP_PRO_SPECIAL_PROCEDURE,
    UP_PRO_RESULT,
    UP_EVALUATION,
    UP_EVALUATION_RECTIFY,
)
TASK_TABLES: tuple[Table, ...] = (
    UP_TASK_GENERAL_BASIC,
    UP_TASK_GENERAL_EXTEND,
    UP_TASK_GENERAL_MATERIAL,
)
