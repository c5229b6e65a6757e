"""Every village model, imported in one place so metadata and migrations see them all."""

from __future__ import annotations

import shared.certwork.models
import shared.replica.models
import shared.sync.models  # noqa: F401  (registers the case and sync tables)
from shared.accounts.models import Account
from shared.calendar_store import CalendarYear
from shared.db import CommonBase, ReplicaBase
from village_portal.db import Base

#: Everything this tier's migrations cover: shared tables, the replica, its own.
METADATA = [CommonBase.metadata, ReplicaBase.metadata, Base.metadata]

__all__ = ["METADATA", "Account", "Base", "CalendarYear"]
