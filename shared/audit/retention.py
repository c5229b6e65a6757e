"""Sealing the audit log in monthly segments and pruning whole segments after the retention.

网络安全法 art. 21 asks for six months: ``AUDIT_RETENTION_DAYS`` may not be below 180.
A month's entries are sealed once the month is over (China time); a seal is pruned only
when its whole month is older than the retention and, on a node, every entry in it has
been accepted upstream. Pruning keeps the seal, so verification continues from it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from shared.audit.entry import Seal
from shared.audit.models import AuditHead, AuditRow, AuditSegment
from shared.chain import ChainAnchor
from shared.clock import CHINA_TZ, Clock, to_china
from shared.errors import InvalidInput

MIN_RETENTION_DAYS = 180


def check_retention(days: int) -> int:
    """``days`` if it keeps the log six months or more; InvalidInput otherwise."""
    if int(days) < MIN_RETENTION_DAYS:
        raise InvalidInput(
            detail=f"审计日志保存期不得少于 {MIN_RETENTION_DAYS} 天（网络安全法第二十一条），"
            f"设置为 {days} 天"
        )
    return int(days)


def _month_start(moment: datetime) -> datetime:
    local = to_china(moment)
    return datetime(local.year, local.month, 1, tzinfo=CHINA_TZ)


def _next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=CHINA_TZ)


def seal(session: Session, *, clock: Clock) -> int:
    """Seal every finished month of every node's entries held here; returns seals made."""
    made = 0
    this_month = _month_start(clock.now())
    for node in session.scalars(select(AuditHead.node).order_by(AuditHead.node)).all():
        last = session.scalar(
            select(AuditSegment)
            .where(AuditSegment.node == node)
            .order_by(AuditSegment.seq.desc())
            .limit(1)
        )
        while True:
            after = last.last_seq if last else 0
            first = session.scalar(
                select(AuditRow)
                .where(AuditRow.node == node, AuditRow.seq > after)
                .order_by(AuditRow.seq)
                .limit(1)
            )
            if first is None or first.at >= this_month:
                break
            start = _month_start(first.at)
            until = _next_month(start)
            end = session.scalar(
                select(AuditRow)
                .where(AuditRow.node == node, AuditRow.seq > after, AuditRow.at < until)
                .order_by(AuditRow.seq.desc())
                .limit(1)
            )
            assert end is not None  # ``first`` itself qualifies
            made_seal = Seal.following(
                ChainAnchor(last.seq, last.hash) if last else None,
                node=node,
                period=start.strftime("%Y-%m"),
                until=until,
                first_seq=first.seq,
                last_seq=end.seq,
                last_hash=end.hash,
            )
            last = AuditSegment(
                node=node,
                seq=made_seal.seq,
                period=made_seal.period,
                until=until,
                first_seq=first.seq,
                last_seq=end.seq,
                last_hash=end.hash,
                sealed_at=clock.now(),
                prev_hash=made_seal.prev_hash,
                hash=made_seal.hash,
                pruned=False,
            )
            session.add(last)
            session.flush()
            made += 1
    return made


def prune(session: Session, *, clock: Clock, retention_days: int) -> int:
    """Delete the entries of sealed segments older than the retention; returns entries deleted.

    Oldest first, and a segment holding an entry not yet accepted upstream stops that
    node's pruning: nothing leaves a node before the tier above has it.
    """
    cutoff = clock.now() - timedelta(days=check_retention(retention_days))
    deleted = 0
    segments = session.scalars(
        select(AuditSegment)
        .where(AuditSegment.pruned.is_(False))
        .order_by(AuditSegment.node, AuditSegment.seq)
    ).all()
    stopped: set[str] = set()
    for segment in segments:
        if segment.node in stopped:
            continue
        in_range = (
            AuditRow.node == segment.node,
            AuditRow.seq >= segment.first_seq,
            AuditRow.seq <= segment.last_seq,
        )
        unsent = session.scalar(
            select(func.count()).select_from(AuditRow).where(*in_range, AuditRow.acked.is_(False))
        )
        if segment.until > cutoff or unsent:
            stopped.add(segment.node)
            continue
        result = session.execute(delete(AuditRow).where(*in_range))
        deleted += int(getattr(result, "rowcount", 0) or 0)
        segment.pruned = True
    session.flush()
    return deleted
