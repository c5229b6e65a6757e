"""Every hub model, imported in one place so metadata and migrations see them all."""

from county_hub.accounts.models import Account
from county_hub.calendar.models import CalendarYear
from county_hub.catalog.models import CertificateType, ItemMaterial, ItemVersion, ServiceItem
from county_hub.db import Base
from county_hub.delegation.models import BatchItem, BatchTown, DelegationBatch
from county_hub.org.models import Department, Region

__all__ = [
    "Account",
    "Base",
    "BatchItem",
    "BatchTown",
    "CalendarYear",
    "CertificateType",
    "DelegationBatch",
    "Department",
    "ItemMaterial",
    "ItemVersion",
    "Region",
    "ServiceItem",
]
