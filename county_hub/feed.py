"""Putting the whole of the hub's master data in the feed (after seeding an empty hub).

Each domain announces its own changes as they happen (``announce`` in its services);
this module only walks everything once, in dependency order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from county_hub.accounts import services as accounts
from county_hub.catalog import services as catalog
from county_hub.catalog.models import CertificateType, ItemVersion, ServiceItem
from county_hub.delegation import services as delegation
from county_hub.delegation.models import DelegationBatch
from county_hub.org.models import Department, Region
from shared.accounts.models import Account
from shared.authority import BatchStatus
from shared.calendar_store import CalendarYear
from shared.clock import Clock
from shared.sync.feed import record_change


def region_data(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "kind": region.kind,
        "parent_code": region.parent_code,
        "service_room": region.service_room,
    }


def department_data(dept: Department) -> dict[str, Any]:
    return {"code": dept.code, "name": dept.name, "short_name": dept.short_name, "uscc": dept.uscc}


def certificate_type_data(cert: CertificateType) -> dict[str, Any]:
    return {
        "code": cert.code,
        "name": cert.name,
        "issuing_department_code": cert.issuing_department_code,
        "type_code": cert.type_code,
    }


def publish_everything(session: Session, *, clock: Clock) -> int:
    """Announce every region, department, certificate type, calendar year, published
    item, published batch, account, certificate key and the certificate status list;
    returns how many changes were written."""
    count = 0
    for region in session.scalars(select(Region).order_by(Region.code)):
        record_change(session, "region", region.code, region_data(region), clock=clock)
        count += 1
    for dept in session.scalars(select(Department).order_by(Department.code)):
        record_change(session, "department", dept.code, department_data(dept), clock=clock)
        count += 1
    for cert in session.scalars(select(CertificateType).order_by(CertificateType.code)):
        record_change(
            session, "certificate_type", cert.code, certificate_type_data(cert), clock=clock
        )
        count += 1
    for row in session.scalars(select(CalendarYear).order_by(CalendarYear.year)):
        record_change(session, "calendar_year", str(row.year), row.schedule, clock=clock)
        count += 1
    items = session.scalars(
        select(ServiceItem)
        .order_by(ServiceItem.code)
        .options(selectinload(ServiceItem.versions).selectinload(ItemVersion.materials))
    )
    for item in items:
        if item.current_version is not None:
            catalog.announce(session, item, clock=clock)
            count += 1
    for batch in session.scalars(select(DelegationBatch).order_by(DelegationBatch.number)):
        if batch.status is not BatchStatus.DRAFT:
            delegation.announce(session, batch, clock=clock)
            count += 1
    for account in session.scalars(select(Account).order_by(Account.username)):
        accounts.announce(session, account, clock=clock)
        count += 1
    from county_hub.certs import services as certs
    from county_hub.certs.models import IssuerKeyRow

    for key in session.scalars(select(IssuerKeyRow).order_by(IssuerKeyRow.created_at)):
        certs.announce_key(session, key, clock=clock)
        count += 1
    if count:  # every node needs a signed status list to verify, even an empty one
        certs.publish_status_list(session, clock=clock)
        count += 1
    return count
