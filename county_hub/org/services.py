"""Reading regions and departments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county_hub.catalog.models import ServiceItem
from county_hub.org.models import Department, Region, RegionLevel
from shared.errors import NotFound
from shared.items import ItemStatus


def list_regions(
    session: Session,
    *,
    level: RegionLevel | None = None,
    parent: str | None = None,
    service_room: bool | None = None,
) -> Sequence[Region]:
    """Regions filtered by level, parent and whether a service room is open."""
    stmt = select(Region).order_by(Region.code)
    if level is not None:
        stmt = stmt.where(Region.level == level)
    if parent is not None:
        stmt = stmt.where(Region.parent_code == parent)
    if service_room is not None:
        stmt = stmt.where(Region.service_room.is_(service_room))
    return session.scalars(stmt).all()


def get_region(session: Session, code: str) -> Region:
    region = session.get(Region, code)
    if region is None:
        raise NotFound(detail=f"行政区划 {code} 不存在")
    return region


def list_departments(session: Session) -> list[dict[str, Any]]:
    """Departments with the number of published items each owns."""
    counts = dict(
        session.execute(
            select(ServiceItem.department_code, func.count())
            .where(ServiceItem.status == ItemStatus.PUBLISHED)
            .group_by(ServiceItem.department_code)
        ).all()
    )
    return [
        {
            "code": d.code,
            "name": d.name,
            "short_name": d.short_name,
            "kind": d.kind,
            "uscc": d.uscc,
            "uscc_is_demo": d.uscc_is_demo,
            "item_count": counts.get(d.code, 0),
        }
        for d in session.scalars(select(Department).order_by(Department.code))
    ]


def get_department(session: Session, code: str) -> Department:
    dept = session.get(Department, code)
    if dept is None:
        raise NotFound(detail=f"部门 {code} 不存在")
    return dept
