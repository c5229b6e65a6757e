"""Complaints that towns and villages file over the signed sync channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from county_hub.ratings.services import file_complaint
from shared.accounts.models import Role
from shared.accounts.services import Actor


def file_complaint_for_node(
    session: Session, peer: Any, body: Mapping[str, Any], *, tier: Any
) -> dict[str, Any]:
    """A complaint a town or village filed (the signed request names the node and clerk)."""
    del peer  # the sync endpoint already checked that filed_node is in its subtree
    on_behalf = Actor(
        username=f"{body.get('filed_node')}/{body.get('actor') or '?'}"[:64],
        role=Role.TOWN_STAFF,
        region_code=str(body.get("filed_node")),
        department_code=None,
    )
    return file_complaint(
        session,
        on_behalf,
        body,
        clock=tier.clock,
        working_days=int(current_app.config["COMPLAINT_WORKING_DAYS"]),
        county=tier.county,
        warn_days=int(current_app.config["COMPLAINT_WARN_WORKING_DAYS"]),
    )
