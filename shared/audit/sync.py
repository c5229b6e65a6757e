"""Audit logs travel upstream with the sync; each receiving tier checks the chain.

The same rule as the certificate usage log (``shared.certwork.sync``): a node sends its
unconfirmed entries and those it relays from below; the receiver checks each node's
entries against the head it holds for that node and keeps them only if the chain holds.
A bad batch is refused whole for that node and raised as an alert on the node board.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.audit.entry import AuditEntry
from shared.audit.models import AuditAlert, AuditHead, AuditRow
from shared.audit.services import set_head, to_entry, to_row
from shared.chain import ChainAnchor, check_chain
from shared.clock import Clock
from shared.errors import InvalidInput, InvalidParam, PermissionDenied
from shared.log import get_logger
from shared.sync import chained

log = get_logger(__name__)

AUDIT_PATH = "/api/v1/sync/audit"
BATCH = 500


def unsent(session: Session, limit: int = BATCH) -> list[AuditRow]:
    return chained.unsent(session, AuditRow, limit)


def mark_sent(session: Session, accepted: dict[str, int]) -> int:
    return chained.mark_sent(session, AuditRow, accepted)


def _parse(peer: str, body: Any) -> dict[str, list[AuditEntry]]:
    if not isinstance(body, dict) or not isinstance(body.get("entries"), list):
        raise InvalidInput(
            detail="审计日志格式有误", invalid_params=[InvalidParam("entries", "应为列表")]
        )
    by_node: dict[str, list[AuditEntry]] = defaultdict(list)
    for index, raw in enumerate(body["entries"]):
        try:
            entry = AuditEntry.from_dict(raw)
        except InvalidInput as err:
            raise InvalidInput(
                detail=f"第 {index + 1} 条审计日志有误：{err.detail}",
                invalid_params=[InvalidParam(f"entries.{index}", err.detail)],
            ) from err
        if not entry.node.startswith(peer):
            raise PermissionDenied(detail=f"节点 {peer} 不能上报节点 {entry.node} 的审计日志")
        by_node[entry.node].append(entry)
    return by_node


def receive(session: Session, peer: str, body: Any, *, acked: bool, clock: Clock) -> dict[str, Any]:
    """Check and keep a batch of audit entries from ``peer``; per node, the last seq kept
    or why the chain was refused (the alert is recorded)."""
    accepted: dict[str, int] = {}
    refused: dict[str, str] = {}
    for node, entries in _parse(peer, body).items():
        entries.sort(key=lambda e: e.seq)
        head = session.scalar(select(AuditHead).where(AuditHead.node == node).with_for_update())
        anchor = ChainAnchor(head.seq, head.hash) if head else None
        report = check_chain(entries, anchor)
        if not report.ok:
            refused[node] = report.reason
            session.add(
                AuditAlert(
                    node=node,
                    seq=report.first_bad_seq or 0,
                    problem=report.problem or "gap",
                    reason=report.reason,
                    at=clock.now(),
                )
            )
            log.warning("audit_chain_refused", node=node, reason=report.reason)
            continue
        new = [e for e in entries if anchor is None or e.seq > anchor.seq]
        session.add_all(to_row(e, acked=acked, received_at=clock.now()) for e in new)
        if new and report.head is not None:
            set_head(session, node, report.head, current=head)
        accepted[node] = entries[-1].seq
    session.flush()
    return {"accepted": accepted, "refused": refused}


def push(session: Session, call: Any) -> dict[str, int]:
    """Send unconfirmed entries with ``call(path, body) -> reply``; returns counts."""
    rows = unsent(session)
    if not rows:
        return {"audit_sent": 0, "audit_refused": 0}
    reply = call(AUDIT_PATH, {"entries": [to_entry(r).to_dict() for r in rows]})
    mark_sent(session, reply.get("accepted", {}))
    refused = reply.get("refused", {})
    for node, reason in refused.items():
        log.warning("audit_refused_upstream", node=node, reason=reason)
    return {"audit_sent": len(rows), "audit_refused": len(refused)}


def alerts(session: Session) -> Sequence[AuditAlert]:
    return session.scalars(
        select(AuditAlert).where(AuditAlert.resolved.is_(False)).order_by(AuditAlert.id)
    ).all()
