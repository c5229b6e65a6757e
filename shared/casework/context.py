"""What the case API and the case pages both take from the request's tier.

The tier's catalog (hub tables or a node's replica), its after-change hook (the hub
issues result certificates) and its warning threshold. No blueprint here, so the API and
the pages import this and never each other.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from shared.cases.limits import DEFAULT_WARN_WORKING_DAYS
from shared.casework.catalog import CatalogView
from shared.web.context import current_tier, db_session


def catalog() -> CatalogView:
    """This tier's catalog view, bound to the request's session."""
    view: CatalogView = current_app.extensions["sanji.catalog"](db_session())
    return view


def acked() -> bool:
    """Whether what this tier writes needs no confirmation (the hub has no upstream)."""
    return current_tier().name == "hub"


def after_change(session: Any, state: Any) -> Any:
    """Let the tier react to a case change in the same transaction (the hub issues the
    result certificate of an approval)."""
    hook = current_app.extensions.get("sanji.after_case_change")
    if hook is None:
        return state
    tier = current_tier()
    return hook(session, state, clock=tier.clock, county=tier.county)


def warn_days() -> int:
    """The hub's WARN_WORKING_DAYS (nodes that do not set it use the default)."""
    return int(current_app.config.get("WARN_WORKING_DAYS", DEFAULT_WARN_WORKING_DAYS))
