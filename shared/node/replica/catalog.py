"""A node's catalog as case handling and the catalog API see it: its replica."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.authority import BatchRule, BatchStatus, DelegationMode, Scope
from shared.casework.catalog import ItemInfo
from shared.errors import NotFound
from shared.node.replica.models import (
    ReplicaBatch,
    ReplicaCertificateType,
    ReplicaDepartment,
    ReplicaItem,
    ReplicaItemVersion,
    ReplicaRegion,
)
from shared.search import name_match


class ReplicaCatalog:
    """CatalogView over the replica tables (works offline)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def item(self, code: str, version: int | None = None) -> ItemInfo:
        item = self.session.get(ReplicaItem, code)
        if item is None:
            raise NotFound(detail=f"事项 {code} 不存在（或本节点尚未从县级同步到该事项）")
        if version is None or version == item.version:
            record = item.record
        else:
            row = self.session.get(ReplicaItemVersion, (code, version))
            if row is None:
                raise NotFound(detail=f"事项 {code} 没有第 {version} 版")
            record = row.record
        return ItemInfo(
            code=code,
            version=version or item.version,
            status=item.status,
            department=item.department_code,
            record=record,
        )

    def rules(self) -> list[BatchRule]:
        return [_rule(b.record) for b in self.session.scalars(select(ReplicaBatch))]

    def search(self, q: str, *, page: int, per_page: int) -> dict[str, Any]:
        return search(self.session, q=q, page=page, per_page=per_page)

    def detail(self, code: str) -> dict[str, Any]:
        return detail(self.session, code)

    def certificate_type_codes(self) -> dict[str, str]:
        rows = self.session.execute(
            select(ReplicaCertificateType.type_code, ReplicaCertificateType.code)
        ).all()
        return {type_code: code for type_code, code in rows if type_code}

    def unit_names(self) -> dict[str, str]:
        names = dict(self.session.execute(select(ReplicaRegion.code, ReplicaRegion.name)).all())
        names.update(
            self.session.execute(select(ReplicaDepartment.code, ReplicaDepartment.name)).all()
        )
        return names


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _rule(record: dict[str, Any]) -> BatchRule:
    towns = record["towns"]
    return BatchRule(
        number=int(record["number"]),
        mode=DelegationMode(record["mode"]),
        towns=None if towns == "all" else frozenset(towns),
        items=frozenset(record["items"]),
        scope=frozenset(Scope(s) for s in record["scope"]),
        status=BatchStatus(record["status"]),
        term_from=date.fromisoformat(record["term_from"]),
        term_to=_day(record.get("term_to")),
        withdrawn_on=_day(record.get("withdrawn_on")),
        entrusting_department=record.get("entrusting_department"),
    )


def search(
    session: Session,
    *,
    q: str = "",
    department: str | None = None,
    nearby: bool | None = None,
    page: int = 1,
    per_page: int = 20,
) -> dict[str, Any]:
    """Published items matching Chinese text, full pinyin or initials (as at the hub)."""
    stmt = select(ReplicaItem).where(ReplicaItem.status == "published")
    order: list[Any] = []
    match = name_match(
        q, name=ReplicaItem.name, pinyin=ReplicaItem.name_pinyin, initials=ReplicaItem.name_initials
    )
    if match is not None:
        stmt = stmt.where(match.where)
        order = match.order
    if department:
        stmt = stmt.where(ReplicaItem.department_code == department)
    if nearby is not None:
        stmt = stmt.where(ReplicaItem.nearby.is_(nearby))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(*order, ReplicaItem.code).offset((page - 1) * per_page).limit(per_page)
    )
    names = dict(session.execute(select(ReplicaDepartment.code, ReplicaDepartment.name)).all())
    items = [
        {
            "code": r.code,
            "name": r.name,
            "department": r.department_code,
            "department_name": names.get(r.department_code, ""),
            "status": r.status,
            "version": r.version,
            "item_type": r.record.get("item_type"),
            "case_kind": r.record.get("case_kind"),
            "promised_limit": r.record.get("promised_limit"),
            "promised_unit": r.record.get("promised_unit"),
            "online": r.record.get("online"),
            "visits": r.record.get("visits"),
            "nearby": r.nearby,
        }
        for r in rows
    ]
    pages = max(1, -(-total // per_page))
    return {"items": items, "total": total, "page": page, "per_page": per_page, "pages": pages}


def detail(session: Session, code: str, version: int | None = None) -> dict[str, Any]:
    info = ReplicaCatalog(session).item(code, version)
    dept = session.get(ReplicaDepartment, info.department)
    record = dict(info.record)
    record.update(
        status=info.status,
        version=info.version,
        department_name=dept.name if dept else "",
        limits={
            "statutory": {
                "value": record.get("statutory_limit"),
                "unit": record.get("statutory_unit"),
            },
            "promised": {
                "value": record.get("promised_limit"),
                "unit": record.get("promised_unit"),
            },
        },
        flags={
            k: record.get(k)
            for k in (
                "online",
                "online_payment",
                "appointment",
                "express",
                "nearby",
                "in_hall",
                "fee",
                "tolerance_allowed",
                "promise_allowed",
            )
        },
    )
    return record
