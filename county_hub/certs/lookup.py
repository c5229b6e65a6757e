"""The hub's answer to look-ups: its own clerks' and those nodes forward (signed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from county_hub.certs.models import CertificateRow, CertStatus
from county_hub.certs.services import find_by_holder, record
from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.certwork.services import record_use
from shared.sync.models import Peer


def _usable(cert: CertificateRow, on: date) -> bool:
    return (
        cert.status is CertStatus.VALID
        and cert.valid_from <= on
        and (cert.valid_to is None or on <= cert.valid_to)
    )


def rows(session: Session, args: Mapping[str, Any], *, on: date) -> list[dict[str, Any]]:
    """The holder's certificates with whether each can stand in for a paper copy today."""
    found = find_by_holder(
        session, str(args["holder"]), certificate_type=args.get("certificate_type")
    )
    return [{**record(cert), "usable": _usable(cert, on)} for cert in found]


def _log(session: Session, actor: Actor, args: Mapping[str, Any], tier: Any) -> None:
    record_use(
        session,
        actor,
        node=tier.node_code,
        clock=tier.clock,
        action="lookup",
        case_no=str(args["case_no"]),
        purpose=str(args["purpose"]),
        holder=(str(args.get("holder_type") or "111"), str(args["holder"])),
        county=tier.county,
        acked=True,
    )


def hub_lookup(
    session: Session, actor: Actor, args: Mapping[str, Any], *, tier: Any
) -> list[dict[str, Any]]:
    """A hub clerk's look-up (the case check was done by the API)."""
    _log(session, actor, args, tier)
    return rows(session, args, on=tier.clock.today())


def peer_lookup(session: Session, peer: Peer, body: Mapping[str, Any], *, tier: Any) -> Any:
    """A node's look-up: the hub keeps its own entry too, where the node cannot erase it."""
    on_behalf = Actor(
        username=f"{peer.node}/{body.get('actor') or '?'}"[:64],
        role=Role.TOWN_STAFF,
        region_code=peer.node,
        department_code=None,
    )
    _log(session, on_behalf, body, tier)
    return rows(session, body, on=tier.clock.today())
