"""What only a town does: serve its villages' sync and pass their requests to the county.

A town is the upstream of its villages. It serves them the sync protocol's peer endpoints
(enroll, master feed relayed as signed by the hub, event push and pull, usage logs) and
passes on, signed with its own key, the certificate look-ups and 办不成事反映 they cannot
answer themselves. Deciding delegated items needs no code of its own: the authority
function (``shared.authority``) names the town as ``handled_by``, and the common case
work lets the town's staff decide the cases it handles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from shared.certwork.forward import ask_county, forward_lookup
from shared.feedback.services import send_complaint
from shared.node.app import register_node
from shared.node.replica.catalog import ReplicaCatalog
from shared.sync.api import peers_blp
from shared.sync.models import Peer
from shared.tier import Tier
from shared.web.common import TierHooks
from shared.web.smorest import Api


def relay_lookup(session: Session, peer: Peer, body: Mapping[str, Any], *, tier: Tier) -> Any:
    """A village's look-up, passed on to the hub (each hop has logged its own use)."""
    del session, peer
    return ask_county(tier, body)


def relay_complaint(session: Session, peer: Peer, body: dict[str, Any], *, tier: Tier) -> Any:
    """A village's complaint, passed on to the county, which registers and routes it."""
    del session, peer
    return send_complaint(tier, body)


TOWN_HOOKS = TierHooks(
    catalog=ReplicaCatalog,
    cert_lookup=forward_lookup,
    cert_lookup_peer=relay_lookup,
    complaint_peer=relay_complaint,
)


def register_town(app: Flask, api: Api) -> None:
    """The node application plus the town's service to its villages."""
    register_node(app, api, TOWN_HOOKS)
    api.register_blueprint(peers_blp, url_prefix="/api/v1/sync")
