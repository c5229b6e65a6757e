"""The node schema: every table a town node and a village portal hold, in one metadata.

Towns and villages run the same node application on the same schema, so they share one
Alembic history (``shared/node/migrations``), applied by ``sanji town init`` and
``sanji village init`` alike.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

import shared.audit.models
import shared.certwork.models
import shared.node.replica.models
import shared.sync.models  # noqa: F401  (registers the case and sync tables)
from shared.accounts.models import Account
from shared.calendar_store import CalendarYear
from shared.db import TYPE_ANNOTATION_MAP, CommonBase, ReplicaBase, new_metadata


class NodeBase(DeclarativeBase):
    """Tables only nodes have (none yet beyond the shared ones; kept for their history)."""

    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


#: Everything the node migrations cover: shared tables, the replica, node-only tables.
METADATA = [CommonBase.metadata, ReplicaBase.metadata, NodeBase.metadata]

__all__ = ["METADATA", "Account", "CalendarYear", "NodeBase"]
