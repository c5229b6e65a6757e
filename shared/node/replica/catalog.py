"""A node's catalog as case handling and the catalog API see it: its replica."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from shared.authority import BatchRule, BatchStatus, DelegationMode, Scope
from shared.casework.catalog import (
    ItemColumns,
    ItemInfo,
    ItemSummary,
    SearchPage,
    item_summary,
    search_catalog,
)
from shared.errors import NotFound
from shared.node.replica.models import (
    ReplicaBatch,
    ReplicaCertificateType,
    ReplicaDepartment,
    ReplicaItem,
    ReplicaItemVersion,
    ReplicaRegion,
)


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

    def search(self, q: str, *, page: int, per_page: int) -> SearchPage:
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


#: Where the replica keeps what the catalog search filters and ranks on.
_COLUMNS = ItemColumns(
    code=ReplicaItem.code,
    name=ReplicaItem.name,
    pinyin=ReplicaItem.name_pinyin,
    initials=ReplicaItem.name_initials,
    department=ReplicaItem.department_code,
    status=ReplicaItem.status,
    nearby=ReplicaItem.nearby,
)


def search(
    session: Session,
    *,
    q: str = "",
    department: str | None = None,
    nearby: bool | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """Published items matching Chinese text, full pinyin or initials (the hub's search)."""
    stmt = select(ReplicaItem, func.coalesce(ReplicaDepartment.name, "")).outerjoin(
        ReplicaDepartment, ReplicaDepartment.code == ReplicaItem.department_code
    )
    return search_catalog(
        session,
        stmt,
        _COLUMNS,
        _summary,
        q=q,
        department=department,
        nearby=nearby,
        page=page,
        per_page=per_page,
    )


def _summary(row: Row[*tuple[Any, ...]]) -> ItemSummary:
    item, department_name = row
    record = item.record
    return item_summary(
        code=item.code,
        name=item.name,
        department=item.department_code,
        department_name=department_name,
        status=item.status,
        version=item.version,
        item_type=record.get("item_type"),
        case_kind=record.get("case_kind"),
        promised_limit=record.get("promised_limit"),
        promised_unit=record.get("promised_unit"),
        online=record.get("online"),
        visits=record.get("visits"),
        nearby=item.nearby,
    )


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
