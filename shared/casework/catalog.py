"""What case handling needs of the catalog, whichever tier holds it, and the one search.

The hub searches its own tables and a node its replica, but both through
:func:`search_catalog`: the same matching (Chinese text, full pinyin, pinyin initials:
:func:`shared.search.name_match`), the same order and the same result keys
(:class:`ItemSummary`), so a village agent finds the same items in the same order as the
county.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from shared.authority import BatchRule
from shared.items import ItemStatus
from shared.search import name_match


@dataclass(frozen=True)
class ItemInfo:
    """One version of an item in the import/export record shape."""

    code: str
    version: int
    status: str
    department: str
    record: dict[str, Any]


class ItemSummary(TypedDict):
    """An item in a search result: the same keys on every tier."""

    code: str
    name: str
    department: str  # the owning department's code
    department_name: str
    status: ItemStatus
    status_label: str
    version: int | None  # the published version cases are accepted under (None: never)
    item_type: str
    case_kind: int
    promised_limit: int
    promised_unit: str
    online: bool
    visits: int
    nearby: bool


class SearchPage(TypedDict):
    """One page of a search (ADR 0004): ``items`` best matches first."""

    items: list[ItemSummary]
    total: int
    page: int
    per_page: int
    pages: int


class CatalogView(Protocol):
    """The hub reads its own tables; nodes read their replica of the master feed."""

    def item(self, code: str, version: int | None = None) -> ItemInfo:
        """The item's current published version (or ``version``); NotFound otherwise."""
        ...

    def rules(self) -> list[BatchRule]:
        """The delegation batches as authority rules."""
        ...

    def search(self, q: str, *, page: int, per_page: int) -> SearchPage:
        """Published items by Chinese name, pinyin or initials, best matches first.

        ``{items, total, page, per_page, pages}``; each item has exactly the keys of
        :class:`ItemSummary` (code, name, department, department_name, status,
        status_label, version, item_type, case_kind, promised_limit, promised_unit,
        online, visits, nearby), built by :func:`search_catalog` on every tier.
        """
        ...

    def detail(self, code: str) -> dict[str, Any]:
        """The item's guide: materials, limits, flags, with Chinese labels."""
        ...

    def certificate_type_codes(self) -> dict[str, str]:
        """GB/T 36904 type code → the catalog's certificate type code (for 免提交)."""
        ...

    def unit_names(self) -> dict[str, str]:
        """Region and department codes to their Chinese names (for pages and notices)."""
        ...


def item_summary(
    *,
    code: str,
    name: str,
    department: str,
    department_name: str,
    status: str,
    version: int | None,
    item_type: str,
    case_kind: int,
    promised_limit: int,
    promised_unit: str,
    online: bool,
    visits: int,
    nearby: bool,
) -> ItemSummary:
    """The search result record of one item (the status label comes with it)."""
    item_status = ItemStatus(status)
    return ItemSummary(
        code=code,
        name=name,
        department=department,
        department_name=department_name,
        status=item_status,
        status_label=item_status.label,
        version=version,
        item_type=item_type,
        case_kind=case_kind,
        promised_limit=promised_limit,
        promised_unit=promised_unit,
        online=online,
        visits=visits,
        nearby=nearby,
    )


@dataclass(frozen=True)
class ItemColumns:
    """Where a tier's item table keeps what the search filters and ranks on."""

    code: Any
    name: Any
    pinyin: Any
    initials: Any
    department: Any
    status: Any
    nearby: Any


def search_catalog(
    session: Session,
    stmt: Select[*tuple[Any, ...]],
    columns: ItemColumns,
    summary: Callable[[Row[*tuple[Any, ...]]], ItemSummary],
    *,
    q: str = "",
    department: str | None = None,
    status: str | None = ItemStatus.PUBLISHED,
    nearby: bool | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """Items of ``stmt`` matching ``q``, best matches first, one page of them.

    ``q`` matches the name in Chinese and, when it is ASCII, the full pinyin and the
    initials; names starting with it come first, shorter first, then by code.
    ``summary`` turns a row of ``stmt`` into the :class:`ItemSummary` every tier returns.
    """
    order: list[Any] = []
    match = name_match(q, name=columns.name, pinyin=columns.pinyin, initials=columns.initials)
    if match is not None:
        stmt = stmt.where(match.where)
        order = match.order
    if department:
        stmt = stmt.where(columns.department == department)
    if status is not None:
        stmt = stmt.where(columns.status == status)
    if nearby is not None:
        stmt = stmt.where(columns.nearby.is_(nearby))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows: Sequence[Row[*tuple[Any, ...]]] = session.execute(
        stmt.order_by(*order, columns.code).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return SearchPage(
        items=[summary(row) for row in rows],
        total=total,
        page=page,
        per_page=per_page,
        pages=max(1, math.ceil(total / per_page)),
    )
