"""Delegation batches: create, publish, withdraw; and the authority question at the hub."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from county_hub.catalog.models import ServiceItem
from county_hub.delegation.models import BatchItem, BatchTown, DelegationBatch
from county_hub.delegation.schemas import BatchSchema, WithdrawSchema
from county_hub.org.models import Department, Region, RegionLevel
from shared.accounts.models import Role
from shared.accounts.services import Actor, require_role
from shared.authority import (
    Authority,
    BatchRule,
    BatchStatus,
    Scope,
    decide_authority,
)
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput, InvalidParam, NotFound, flatten_messages
from shared.items import ItemStatus
from shared.sync.feed import record_change


def get_batch(session: Session, number: int) -> DelegationBatch:
    """The batch with this number, or NotFound."""
    batch = session.get(
        DelegationBatch,
        number,
        options=[selectinload(DelegationBatch.towns), selectinload(DelegationBatch.items)],
    )
    if batch is None:
        raise NotFound(detail=f"下放批次 {number} 不存在")
    return batch


def list_batches(session: Session) -> Sequence[DelegationBatch]:
    """All batches, by number."""
    stmt = (
        select(DelegationBatch)
        .options(selectinload(DelegationBatch.towns), selectinload(DelegationBatch.items))
        .order_by(DelegationBatch.number)
    )
    return session.scalars(stmt).all()


def batch_record(batch: DelegationBatch) -> dict[str, Any]:
    """A batch in the public form (ARCHITECTURE.md §8)."""
    return {
        "number": batch.number,
        "title": batch.title,
        "doc_no": batch.doc_no,
        "doc_date": batch.doc_date,
        "mode": batch.mode,
        "entrusting_department": batch.entrusting_department_code,
        "towns": "all" if batch.all_towns else sorted(t.town_code for t in batch.towns),
        "items": sorted(i.item_code for i in batch.items),
        "item_count": len(batch.items),
        "scope": [s for s in batch.scope.split(",") if s],
        "term_from": batch.term_from,
        "term_to": batch.term_to,
        "status": batch.status,
        "status_label": batch.status.label,
        "withdrawn_on": batch.withdrawn_on,
        "withdrawal_reason": batch.withdrawal_reason,
        "is_demo": batch.is_demo,
    }


def _rule(batch: DelegationBatch) -> BatchRule:
    return BatchRule(
        number=batch.number,
        mode=batch.mode,
        towns=None if batch.all_towns else frozenset(t.town_code for t in batch.towns),
        items=frozenset(i.item_code for i in batch.items),
        scope=frozenset(Scope(s) for s in batch.scope.split(",") if s),
        status=batch.status,
        term_from=batch.term_from,
        term_to=batch.term_to,
        withdrawn_on=batch.withdrawn_on,
        entrusting_department=batch.entrusting_department_code,
    )


def batch_rules(session: Session) -> list[BatchRule]:
    """Every batch reduced to the data the authority function needs."""
    return [_rule(b) for b in list_batches(session) if b.status is not BatchStatus.DRAFT]


def authority(session: Session, *, node: str, item_code: str, on: date) -> Authority:
    """Who handles ``item_code`` accepted at ``node`` on ``on`` (shared.authority rules).

    Raises NotFound for an unknown item or node.
    """
    item = session.get(ServiceItem, item_code)
    if item is None:
        raise NotFound(detail=f"事项 {item_code} 不存在")
    if session.get(Region, node) is None and session.get(Department, node) is None:
        raise NotFound(detail=f"节点 {node} 不是本县的行政区划或部门代码")
    return decide_authority(
        batch_rules(session),
        node=node,
        item_code=item_code,
        item_department=item.department_code,
        on=on,
    )


# --------------------------------------------------------------------------- editing


def _load(schema: ma.Schema, raw: Mapping[str, Any], detail: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = schema.load(raw)
    except ma.ValidationError as err:
        raise InvalidInput(detail=detail, invalid_params=flatten_messages(err.messages)) from err
    return data


def parse_batch_data(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Schema check of a batch as typed (the API's schema); InvalidInput names each field."""
    return _load(BatchSchema(), raw, "下放批次数据有误")


def parse_withdrawal(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Schema check of a withdrawal (effective date and reason) as typed."""
    return _load(WithdrawSchema(), raw, "收回数据有误")


def _check_batch_data(session: Session, data: Mapping[str, Any]) -> list[InvalidParam]:
    problems: list[InvalidParam] = []
    items = list(dict.fromkeys(data["items"]))
    known = set(session.scalars(select(ServiceItem.code).where(ServiceItem.code.in_(items))))
    for index, code in enumerate(items):
        if code not in known:
            problems.append(InvalidParam(f"items.{index}", f"事项 {code} 不存在"))
    if not items:
        problems.append(InvalidParam("items", "批次至少要包含一个事项"))
    towns = data.get("towns")
    if towns != "all":
        if not towns:
            problems.append(InvalidParam("towns", "请选择承接的镇(街道)，或填写 all 表示全部"))
        else:
            found = set(
                session.scalars(
                    select(Region.code).where(
                        Region.code.in_(towns), Region.level == RegionLevel.TOWN
                    )
                )
            )
            problems.extend(
                InvalidParam(f"towns.{i}", f"{code} 不是本县的镇(街道)代码")
                for i, code in enumerate(towns)
                if code not in found
            )
    dept = data.get("entrusting_department")
    if dept and session.get(Department, dept) is None:
        problems.append(InvalidParam("entrusting_department", f"部门代码 {dept} 不存在"))
    if data.get("term_to") and data["term_to"] < data["term_from"]:
        problems.append(InvalidParam("term_to", "期限截止日不能早于起始日"))
    if not data["scope"]:
        problems.append(InvalidParam("scope", "请至少选择一项权限范围（受理、审查、决定）"))
    return problems


def save_batch(
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    *,
    clock: Clock,
    is_demo: bool = False,
    replace: bool = True,
) -> DelegationBatch:
    """Create a batch, or replace a draft batch with the same number.

    With ``replace=False`` (the page's 新建 form) a number already taken is refused, so
    a new batch never silently overwrites someone's draft. Raises InvalidInput listing
    every problem, Conflict when the number belongs to a batch that is already published
    (a published list is changed by a new batch).
    """
    require_role(actor, Role.ADMIN, action="编辑下放批次")
    problems = _check_batch_data(session, data)
    if not replace and session.get(DelegationBatch, data["number"]) is not None:
        problems.insert(
            0, InvalidParam("number", f"第 {data['number']} 批已存在，请打开该批次修改或换一个批号")
        )
    if problems:
        raise InvalidInput(detail="下放批次数据未通过校验", invalid_params=problems)
    batch = session.get(DelegationBatch, data["number"])
    if batch is not None and batch.status is not BatchStatus.DRAFT:
        raise Conflict(detail=f"第 {data['number']} 批已经发布，不能修改；请新建批次或收回")
    if batch is None:
        batch = DelegationBatch(
            number=data["number"], status=BatchStatus.DRAFT, created_at=clock.now()
        )
        session.add(batch)
    batch.title = data["title"]
    batch.doc_no = data["doc_no"]
    batch.doc_date = data["doc_date"]
    batch.mode = data["mode"]
    batch.entrusting_department_code = data.get("entrusting_department")
    batch.all_towns = data["towns"] == "all"
    batch.scope = ",".join(s for s in ("受理", "审查", "决定") if s in data["scope"])
    batch.term_from = data["term_from"]
    batch.term_to = data.get("term_to")
    batch.is_demo = is_demo
    batch.towns = (
        [] if batch.all_towns else [BatchTown(town_code=c) for c in dict.fromkeys(data["towns"])]
    )
    batch.items = [BatchItem(item_code=c) for c in dict.fromkeys(data["items"])]
    session.flush()
    return batch


def publish_batch(session: Session, actor: Actor, number: int, *, clock: Clock) -> DelegationBatch:
    """Put a draft batch in force. Every listed item must be published."""
    require_role(actor, Role.ADMIN, action="发布下放批次")
    batch = get_batch(session, number)
    if batch.status is not BatchStatus.DRAFT:
        raise Conflict(detail=f"第 {number} 批当前状态为「{batch.status.label}」，不能发布")
    codes = [i.item_code for i in batch.items]
    unpublished = session.scalars(
        select(ServiceItem.code).where(
            ServiceItem.code.in_(codes), ServiceItem.status != ItemStatus.PUBLISHED
        )
    ).all()
    if unpublished:
        raise Conflict(
            detail="批次中有未发布或已暂停的事项：" + "、".join(sorted(unpublished)[:10]),
        )
    batch.status = BatchStatus.IN_FORCE
    batch.published_at, batch.published_by = clock.now(), actor.username
    session.flush()
    announce(session, batch, clock=clock)
    return batch


def withdraw_batch(
    session: Session, actor: Actor, number: int, *, effective_on: date, reason: str, clock: Clock
) -> DelegationBatch:
    """Withdraw a batch from ``effective_on``; cases accepted before finish where accepted."""
    require_role(actor, Role.ADMIN, action="收回下放批次")
    batch = get_batch(session, number)
    if batch.status not in (BatchStatus.IN_FORCE, BatchStatus.SUSPENDED):
        raise Conflict(detail=f"第 {number} 批当前状态为「{batch.status.label}」，不能收回")
    if effective_on < batch.term_from:
        raise InvalidInput(
            detail="收回生效日期不能早于批次生效日期",
            invalid_params=[InvalidParam("effective_on", f"应不早于 {batch.term_from}")],
        )
    if not reason.strip():
        raise InvalidInput(detail="请填写收回原因", invalid_params=[InvalidParam("reason", "必填")])
    batch.status = BatchStatus.WITHDRAWN
    batch.withdrawn_on = effective_on
    batch.withdrawal_reason = reason.strip()
    session.flush()
    announce(session, batch, clock=clock)
    return batch


def announce(session: Session, batch: DelegationBatch, *, clock: Clock) -> None:
    """Tell every node (master feed) about a published batch's current state."""
    record_change(session, "batch", str(batch.number), batch_record(batch), clock=clock)
