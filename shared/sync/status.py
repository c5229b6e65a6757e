"""A node's own sync status and the board of the nodes below it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.audit.sync import alerts as audit_alerts
from shared.sync import state
from shared.sync.models import CaseEventRow, MasterChange, Peer, QuarantinedEvent
from shared.tier import Tier


def node_status(session: Session, tier: Tier) -> dict[str, Any]:
    """Last success, lag, queue depth and quarantine of this node."""
    last = state.get(session, "last_success")
    lag = None
    if last:
        lag = int((tier.clock.now() - datetime.fromisoformat(last)).total_seconds())
    upstream = state.get(session, "upstream")
    queue = session.scalar(
        select(func.count()).select_from(CaseEventRow).where(CaseEventRow.acked.is_(False))
    )
    quarantined = session.scalar(
        select(func.count())
        .select_from(QuarantinedEvent)
        .where(QuarantinedEvent.resolved.is_(False))
    )
    return {
        "node": tier.node_code,
        "tier": tier.name,
        "upstream": upstream["url"] if upstream else None,
        "joined": upstream is not None or tier.name == "hub",
        "last_success": last,
        "lag_seconds": lag,
        "queue_depth": queue or 0,
        "quarantined": quarantined or 0,
        "last_error": state.get(session, "last_error"),
        "failures": state.get(session, "failures", 0),
        "next_attempt": state.get(session, "next_attempt"),
        "sync_requested": state.get(session, "sync_requested"),
        "master_cursor": state.get(session, "master_cursor", 0),
        "master_last": session.scalar(select(func.max(MasterChange.seq))) or 0,
    }


def _expected_children(session: Session, me: str) -> list[dict[str, Any]]:
    """Nodes that should report here: towns and village rooms (hub), or a town's rooms."""
    latest: dict[str, dict[str, Any]] = {}
    rows = session.execute(
        select(MasterChange.key, MasterChange.data)
        .where(MasterChange.entity == "region")
        .order_by(MasterChange.seq)
    )
    for key, data in rows:
        latest[key] = data
    wanted = []
    for code, data in sorted(latest.items()):
        if code == me or not code.startswith(me):
            continue
        if data.get("level") == "town" or (
            data.get("level") == "village" and data.get("service_room")
        ):
            wanted.append(data)
    return wanted


def node_board(session: Session, tier: Tier) -> list[dict[str, Any]]:
    """Every node below this one: enrolled or not, last sync, lag, queue, quarantine."""
    from shared.certwork.sync import alerts

    peers = {p.node: p for p in session.scalars(select(Peer).where(Peer.role != "upstream"))}
    board = []
    for region in _expected_children(session, tier.node_code):
        peer = peers.pop(region["code"], None)
        board.append(_row(region["code"], region.get("name", ""), region.get("level", ""), peer))
    board.extend(_row(code, "", "", peer) for code, peer in sorted(peers.items()))
    # A usage log that failed its chain check is raised on the row of the node it came
    # through (a village's shows on its town's row, with the village named).
    raised: dict[str, list[str]] = {}
    for alert in alerts(session):
        row_code = next((r["node"] for r in board if alert.node.startswith(r["node"])), alert.node)
        raised.setdefault(row_code, []).append(f"{alert.node} 第 {alert.seq} 条：{alert.reason}")
    audit_raised: dict[str, list[str]] = {}
    for found in audit_alerts(session):
        row_code = next((r["node"] for r in board if found.node.startswith(r["node"])), found.node)
        audit_raised.setdefault(row_code, []).append(
            f"{found.node} 第 {found.seq} 条：{found.reason}"
        )
    for row in board:
        row["usage_alerts"] = raised.get(row["node"], [])
        if row["usage_alerts"]:
            row["state"] = "用证日志异常"
        row["audit_alerts"] = audit_raised.get(row["node"], [])
        if row["audit_alerts"]:
            row["state"] = "审计日志异常"
    return board


def _row(code: str, name: str, level: str, peer: Peer | None) -> dict[str, Any]:
    status = peer.status if peer else {}
    return {
        "node": code,
        "name": name,
        "level": level,
        "enrolled": peer is not None and peer.role == "downstream",
        "reported_via": status.get("via"),
        "last_seen": peer.last_seen.isoformat() if peer and peer.last_seen else None,
        "last_success": status.get("last_success"),
        "lag_seconds": status.get("lag_seconds"),
        "queue_depth": status.get("queue_depth"),
        "quarantined": status.get("quarantined"),
        "last_error": status.get("last_error"),
        "state": "未接入"
        if peer is None
        else ("正常" if status.get("last_success") else "已接入，尚未同步"),
    }
