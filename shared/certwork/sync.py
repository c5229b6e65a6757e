"""Usage logs travel upstream with the sync; each receiving tier checks the chain.

A node sends its unconfirmed entries (and those it relays from below) to its upstream;
the upstream checks every node's entries against the last entry it already holds for
that node (the anchor) and keeps them only if the chain holds. A gap, a rewritten entry,
a broken link or a fork is refused and raised as an alert on the node board.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.certs import ChainAnchor, UsageEntry, check_chain
from shared.certwork.models import CertUsageRow, UsageAlert
from shared.certwork.services import to_entry, to_row
from shared.errors import InvalidInput, InvalidParam, PermissionDenied
from shared.log import get_logger
from shared.sync import chained

log = get_logger(__name__)

USAGE_PATH = "/api/v1/sync/usage"
BATCH = 500


def unsent(session: Session, limit: int = BATCH) -> list[CertUsageRow]:
    return chained.unsent(session, CertUsageRow, limit)


def mark_sent(session: Session, accepted: dict[str, int]) -> int:
    return chained.mark_sent(session, CertUsageRow, accepted)


def _anchor(session: Session, node: str) -> ChainAnchor | None:
    row = session.scalar(
        select(CertUsageRow)
        .where(CertUsageRow.node == node)
        .order_by(CertUsageRow.seq.desc())
        .limit(1)
    )
    return ChainAnchor(row.seq, row.hash) if row is not None else None


def _parse(peer: str, body: Any) -> dict[str, list[UsageEntry]]:
    if not isinstance(body, dict) or not isinstance(body.get("entries"), list):
        raise InvalidInput(
            detail="用证记录格式有误", invalid_params=[InvalidParam("entries", "应为列表")]
        )
    by_node: dict[str, list[UsageEntry]] = defaultdict(list)
    for index, raw in enumerate(body["entries"]):
        try:
            entry = UsageEntry.from_dict(raw)
        except InvalidInput as err:
            raise InvalidInput(
                detail=f"第 {index + 1} 条用证记录有误：{err.detail}",
                invalid_params=[InvalidParam(f"entries.{index}", err.detail)],
            ) from err
        if not entry.node.startswith(peer):
            raise PermissionDenied(detail=f"节点 {peer} 不能上报节点 {entry.node} 的用证记录")
        by_node[entry.node].append(entry)
    return by_node


def receive(session: Session, peer: str, body: Any, *, acked: bool) -> dict[str, Any]:
    """Check and keep a batch of usage entries from ``peer``; the reply says per node
    the last seq kept and, for a chain that fails, why (the alert is recorded)."""
    accepted: dict[str, int] = {}
    refused: dict[str, str] = {}
    for node, entries in _parse(peer, body).items():
        entries.sort(key=lambda e: e.seq)
        anchor = _anchor(session, node)
        report = check_chain(entries, anchor)
        if not report.ok:
            refused[node] = report.reason
            session.add(
                UsageAlert(
                    node=node,
                    seq=report.first_bad_seq or 0,
                    problem=report.problem or "gap",
                    reason=report.reason,
                )
            )
            log.warning("usage_chain_refused", node=node, reason=report.reason)
            continue
        for entry in entries:
            if anchor is None or entry.seq > anchor.seq:
                session.add(to_row(entry, acked=acked))
        accepted[node] = entries[-1].seq
    session.flush()
    return {"accepted": accepted, "refused": refused}


def push(session: Session, call: Any) -> dict[str, int]:
    """Send unconfirmed entries with ``call(path, body) -> reply``; returns counts."""
    rows = unsent(session)
    if not rows:
        return {"usage_sent": 0, "usage_refused": 0}
    reply = call(USAGE_PATH, {"entries": [to_entry(r).to_dict() for r in rows]})
    mark_sent(session, reply.get("accepted", {}))
    refused = reply.get("refused", {})
    for node, reason in refused.items():
        log.warning("usage_refused_upstream", node=node, reason=reason)
    return {"usage_sent": len(rows), "usage_refused": len(refused)}


def alerts(session: Session) -> Sequence[UsageAlert]:
    return session.scalars(
        select(UsageAlert).where(UsageAlert.resolved.is_(False)).order_by(UsageAlert.id)
    ).all()
