"""Look-ups at a town or village: logged here, answered by the hub's registry upstream.

The node signs the request with its own key (the sync protocol's request signatures); a
town relays its villages' look-ups the same way. Every tier on the way checks that the
case belongs to the node that asks, and keeps its own usage-log entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from shared.accounts.services import Actor
from shared.certwork.services import record_use
from shared.errors import InvalidInput, InvalidParam, PermissionDenied
from shared.sync.models import Peer
from shared.sync.relay import ask_upstream

LOOKUP_PATH = "/api/v1/sync/certificates/lookup"
FIELDS = ("holder", "case_no", "purpose", "certificate_type", "holder_type")


def ask_county(tier: Any, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Send a look-up to the county (through the town for a village); its results."""
    reply = ask_upstream(
        tier, LOOKUP_PATH, body, offline="县级平台暂不可达，离线时只能核验申请人出示的证照二维码"
    )
    items: list[dict[str, Any]] = reply.get("items", [])
    return items


def forward_lookup(
    session: Session, actor: Actor, args: Mapping[str, Any], *, tier: Any
) -> list[dict[str, Any]]:
    """A node's own clerk: log the look-up here, then ask upstream."""
    holder = str(args["holder"]).upper()
    record_use(
        session,
        actor,
        node=tier.node_code,
        clock=tier.clock,
        action="lookup",
        case_no=args["case_no"],
        purpose=args["purpose"],
        holder=(str(args["holder_type"]), holder),
        county=tier.county,
    )
    session.commit()  # the use is on record even if the county cannot answer
    body = {name: args.get(name) for name in FIELDS} | {"actor": actor.username}
    return ask_county(tier, body)


def check_peer_request(peer: Peer, body: Any) -> dict[str, Any]:
    """A look-up a node below sends: well-formed, and for a case filed in its subtree."""
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in FIELDS[:3]):
        raise InvalidInput(
            detail="证照查询请求不完整",
            invalid_params=[InvalidParam("body", "应含 holder、case_no、purpose")],
        )
    if not str(body["case_no"]).startswith(peer.node):
        raise PermissionDenied(
            detail=f"办件 {body['case_no']} 不是节点 {peer.node} 收件的办件，不能为它查询证照"
        )
    return {name: body.get(name) for name in (*FIELDS, "actor")}
