"""Every hub model, imported in one place so metadata and migrations see them all."""

from county_hub.appointments.models import (
    Appointment,
    AppointmentSchedule,
    AppointmentSlot,
    Inspection,
    InspectionFinding,
)
from county_hub.catalog.models import CertificateType, ItemMaterial, ItemVersion, ServiceItem
from county_hub.certs.models import CertificateRow, IssuerKeyRow
from county_hub.db import Base
from county_hub.delegation.models import BatchItem, BatchTown, DelegationBatch
from county_hub.exchange.models import CatalogChange, ExchangeRow
from county_hub.org.models import Department, Region
from county_hub.packages.models import Package, PackageApplication, PackageChild, PackageItem
from county_hub.ratings.models import Complaint, Rating, RectificationTask
from shared.accounts.models import Account
from shared.audit.models import AuditAlert, AuditHead, AuditRow, AuditSegment
from shared.calendar_store import CalendarYear
from shared.certwork.models import CertUsageRow, UsageAlert
from shared.db import CommonBase
from shared.sync.models import (
    CaseCounter,
    CaseEventRow,
    CaseRow,
    EnrollToken,
    MasterChange,
    Peer,
    QuarantinedEvent,
    SeenNonce,
    SyncState,
)

#: Everything the hub's migrations cover.
METADATA = [CommonBase.metadata, Base.metadata]

__all__ = [
    "METADATA",
    "Account",
    "Appointment",
    "AppointmentSchedule",
    "AppointmentSlot",
    "AuditAlert",
    "AuditHead",
    "AuditRow",
    "AuditSegment",
    "Base",
    "BatchItem",
    "BatchTown",
    "CalendarYear",
    "CaseCounter",
    "CaseEventRow",
    "CaseRow",
    "CatalogChange",
    "CertUsageRow",
    "CertificateRow",
    "CertificateType",
    "Complaint",
    "DelegationBatch",
    "Department",
    "EnrollToken",
    "ExchangeRow",
    "Inspection",
    "InspectionFinding",
    "IssuerKeyRow",
    "ItemMaterial",
    "ItemVersion",
    "MasterChange",
    "Package",
    "PackageApplication",
    "PackageChild",
    "PackageItem",
    "Peer",
    "QuarantinedEvent",
    "Rating",
    "RectificationTask",
    "Region",
    "SeenNonce",
    "ServiceItem",
    "SyncState",
    "UsageAlert",
]
