"""Settings every node has, town or village (their tiers add their environment prefix).

Common settings (DATA_DIR, DATABASE_URL, SECRET_KEY, NODE_CODE, TOKEN_MAX_AGE, LOG_LEVEL,
MAX_CONTENT_LENGTH) are listed in shared/config.py.

A node has no county setting: the county is the hub's (its COUNTY_CODE). The upstream
names it in the reply to ``join`` and the node keeps it with its sync state; before the
join the node's own code says it, since region codes are fixed-width prefixes (a town or
village lies in the county of its first six digits), so a node never runs without one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

from shared.config import Setting
from shared.ids import county_code_of, is_valid_region_code
from shared.sync import state
from shared.sync.models import SyncState

NODE_SETTINGS: tuple[Setting, ...] = (
    Setting("SYNC_INTERVAL", 10, "int: seconds between sync cycles while the upstream answers"),
    Setting("SYNC_BATCH", 1000, "int: events per push (one round trip each; the hub takes ≤ 5000)"),
    Setting(
        "UPSTREAM_CA_BUNDLE",
        "",
        "str: PEM file of the county's private CA that the upstream's TLS certificate must "
        "chain to (passed to requests as verify=); '' = the system's CAs / REQUESTS_CA_BUNDLE",
    ),
)


def identity(config: Mapping[str, Any], sessions: sessionmaker[Session]) -> tuple[str, str]:
    """This node's code (NODE_CODE) and its county: as stored at join, else from the code."""
    node = str(config["NODE_CODE"])
    # An unset or malformed NODE_CODE is reported by `init` (shared.tiercli), not here.
    own = county_code_of(node) if is_valid_region_code(node) else ""
    return node, stored_county(sessions) or own


def stored_county(sessions: sessionmaker[Session]) -> str | None:
    """The county the upstream named when this node joined (None before, or before init)."""
    with sessions() as session:
        # `init` builds the app before it creates the tables; nothing is stored then.
        if not inspect(session.connection()).has_table(SyncState.__tablename__):
            return None
        county = state.get(session, "county")
    return str(county) if county else None
