"""Writing, reading and verifying the audit log (the rules; the web layer calls them).

Writing is one INSERT plus one UPDATE of the node's head row per audited request, in the
caller's transaction, so no audited change commits without its entry. The previous hash is
cached per process; the UPDATE is conditional on the cached head, so it both takes the lock
(SQLite's write lock, PostgreSQL's row lock) and checks the cache: when another worker
appended meanwhile it matches no row, and the head is read again under ``FOR UPDATE``. Two
workers therefore never fork the chain.

Reading is for the auditors only (separation of duties, 等保 2.0): at the hub the county
administrator and the supervisors, on a node the staff of that node (its town clerks or
its village agent; nodes have no administrator role of their own). No function here, and
no endpoint, edits or deletes an entry; only pruning after the retention does
(``shared.audit.retention``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.audit.entry import ACTION_LABELS, OUTCOME_LABELS, AuditEntry, Seal
from shared.audit.models import AuditHead, AuditRow, AuditSegment
from shared.certs import HOLDER_CODE_TYPES, holder_ref
from shared.certs.usage_log import ACTION_LABELS as USAGE_LABELS
from shared.certwork.models import CertUsageRow
from shared.certwork.services import holder_key
from shared.chain import ChainAnchor, ChainReport, check_chain
from shared.clock import CHINA_TZ, Clock, to_china
from shared.errors import InvalidInput, InvalidParam, PermissionDenied
from shared.ids.masking import mask_id_number, mask_text
from shared.tier import Tier

#: Entries read per query while verifying (memory stays flat for a long log).
VERIFY_CHUNK = 5000
MAX_PER_PAGE = 200

#: (database, node) -> the last entry this process appended: saves a SELECT per write.
_HEADS: dict[tuple[str, str], ChainAnchor] = {}

# Built once: constructing ORM statements per write cost more than executing them.
_HEAD = cast(Table, AuditHead.__table__)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.node == bindparam("h_node"))
    .where(_HEAD.c.seq == bindparam("old_seq"), _HEAD.c.hash == bindparam("old_hash"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_INSERT_ROW = insert(cast(Table, AuditRow.__table__))


def subject_ref(id_type: str, id_number: str, *, county: str) -> str:
    """The keyed hash that stands for a person in the log (the usage log's holder_ref)."""
    return holder_ref(str(id_type), str(id_number).strip().upper(), key=holder_key(county))


# --------------------------------------------------------------------------- write


def _db_key(session: Session) -> str:
    return str(session.get_bind().engine.url)


def record(
    session: Session,
    *,
    node: str,
    clock: Clock,
    actor: str,
    role: str,
    action: str,
    target: str = "",
    subject: str | None = None,
    outcome: str = "ok",
    detail: str = "",
    acked: bool = False,
) -> AuditEntry:
    """Append one entry to this node's log in the caller's transaction.

    ``subject`` is a :func:`subject_ref`, never an ID number; ``actor``, ``target`` and
    ``detail`` are masked here all the same (an ID typed as a username, a phone in a note).
    Raises InvalidInput for an unknown action or outcome.
    """
    if action not in ACTION_LABELS or outcome not in OUTCOME_LABELS:
        raise InvalidInput(detail=f"未知的审计事项 {action!r} 或结果 {outcome!r}")
    fields: dict[str, Any] = {
        "node": node,
        "at": clock.now().replace(microsecond=0),
        "actor": mask_text(actor)[:64],
        "role": role[:16],
        "action": action,
        "target": mask_text(target)[:120],
        "subject_ref": subject,
        "outcome": outcome,
        "detail": mask_text(detail)[:500],
    }
    key = (_db_key(session), node)
    cached = _HEADS.get(key)
    entry = None
    connection = session.connection()
    if cached is not None:
        entry = AuditEntry.following(cached, **fields)
        moved = connection.execute(
            _MOVE_HEAD,
            {"h_node": node, "old_seq": cached.seq, "old_hash": cached.hash}
            | {"new_seq": entry.seq, "new_hash": entry.hash},
        )
        if moved.rowcount != 1:
            entry = None  # another worker appended (or our last write was rolled back)
    if entry is None:
        entry = _append_after_locked_head(session, node, fields)
    connection.execute(
        _INSERT_ROW, {**_row_values(entry), "acked": acked, "received_at": fields["at"]}
    )
    _HEADS[key] = ChainAnchor(entry.seq, entry.hash)
    return entry


def _append_after_locked_head(session: Session, node: str, fields: dict[str, Any]) -> AuditEntry:
    head = session.scalar(select(AuditHead).where(AuditHead.node == node).with_for_update())
    entry = AuditEntry.following(ChainAnchor(head.seq, head.hash) if head else None, **fields)
    set_head(session, node, ChainAnchor(entry.seq, entry.hash), current=head)
    return entry


def set_head(
    session: Session, node: str, anchor: ChainAnchor, *, current: AuditHead | None
) -> None:
    """Move ``node``'s head row (creating it for a node's first entry)."""
    if current is None:
        session.add(AuditHead(node=node, seq=anchor.seq, hash=anchor.hash))
    else:
        current.seq, current.hash = anchor.seq, anchor.hash
    session.flush()


def _row_values(entry: AuditEntry) -> dict[str, Any]:
    return {
        "node": entry.node,
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "target": entry.target,
        "subject_ref": entry.subject_ref,
        "outcome": entry.outcome,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def to_row(entry: AuditEntry, *, acked: bool, received_at: datetime) -> AuditRow:
    return AuditRow(**_row_values(entry), acked=acked, received_at=received_at)


def to_entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        node=row.node,
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        role=row.role,
        action=row.action,
        target=row.target,
        subject_ref=row.subject_ref,
        outcome=row.outcome,
        detail=row.detail,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


# --------------------------------------------------------------------------- read


def require_reader(actor: Actor, tier: Tier) -> None:
    """Who may read this tier's audit log; raises PermissionDenied for anyone else.

    Hub: the county administrator and supervisors. A node: the same county roles, and the
    node's own staff (town clerks of this town, the agent of this village).
    """
    if actor.role in (Role.ADMIN, Role.SUPERVISOR):
        return
    own = {"town": Role.TOWN_STAFF, "village": Role.VILLAGE_AGENT}.get(tier.name)
    if actor.role is own and actor.region_code == tier.node_code:
        return
    raise PermissionDenied(
        detail="查阅审计日志需要县级管理员或督查人员（在节点上：本节点工作人员）；"
        f"当前账号角色为{actor.role.label}"
    )


def parse_moment(text: str, *, end_of_day: bool = False) -> datetime:
    """A date (China day start, or its end) or an aware ISO time; InvalidInput otherwise."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end_of_day else time.min, CHINA_TZ)
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise InvalidInput(
            detail=f"时间格式错误：{text}",
            invalid_params=[InvalidParam("since", "应为 YYYY-MM-DD 或带时区的 ISO 8601 时间")],
        ) from err
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


def search_args(args: dict[str, Any]) -> dict[str, Any]:
    """:func:`search`'s arguments from a query string's (dates parsed; InvalidInput)."""
    out = dict(args)
    out["since"] = parse_moment(args["since"]) if args.get("since") else None
    out["until"] = parse_moment(args["until"], end_of_day=True) if args.get("until") else None
    return out


def entry_record(row: AuditRow) -> dict[str, Any]:
    """An entry as the API and the page show it (the subject's hash is left out)."""
    return {
        "node": row.node,
        "seq": row.seq,
        "at": to_china(row.at).isoformat(),
        "actor": row.actor,
        "role": row.role,
        "action": row.action,
        "action_label": ACTION_LABELS.get(row.action, row.action),
        "target": row.target,
        "outcome": row.outcome,
        "outcome_label": OUTCOME_LABELS.get(row.outcome, row.outcome),
        "detail": row.detail,
    }


def search(
    session: Session,
    *,
    actor: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    node: str = "",
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """Entries held here, newest first; ``node`` takes that node and the nodes below it."""
    query = select(AuditRow)
    if actor:
        query = query.where(AuditRow.actor == actor)
    if action:
        # "case" takes every case action; "case.view" only that one.
        query = query.where(
            (AuditRow.action == action) | AuditRow.action.startswith(action.rstrip(".") + ".")
        )
    if since is not None:
        query = query.where(AuditRow.at >= since)
    if until is not None:
        query = query.where(AuditRow.at <= until)
    if node:
        query = query.where(AuditRow.node.startswith(node))
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditRow.at.desc(), AuditRow.node, AuditRow.seq.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return {
        "items": [entry_record(r) for r in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
    }


# --------------------------------------------------------------------------- verify


def _entries(session: Session, node: str, after: int) -> Iterator[list[AuditEntry]]:
    while True:
        rows = session.scalars(
            select(AuditRow)
            .where(AuditRow.node == node, AuditRow.seq > after)
            .order_by(AuditRow.seq)
            .limit(VERIFY_CHUNK)
        ).all()
        if not rows:
            return
        yield [to_entry(r) for r in rows]
        after = rows[-1].seq


def seal_anchor(session: Session, node: str) -> tuple[ChainAnchor | None, ChainReport]:
    """Where ``node``'s remaining entries start (the last pruned seal) and the seals' check."""
    segments = session.scalars(
        select(AuditSegment).where(AuditSegment.node == node).order_by(AuditSegment.seq)
    ).all()
    # Seals form a chain of their own, checked by the same rule as the entries.
    report = check_chain([segment_entry(s) for s in segments])
    pruned = [s for s in segments if s.pruned]
    anchor = ChainAnchor(pruned[-1].last_seq, pruned[-1].last_hash) if pruned else None
    return anchor, report


def verify_node(session: Session, node: str) -> dict[str, Any]:
    """Check ``node``'s chain as held here: from its last seal, up to its head row."""
    anchor, seals = seal_anchor(session, node)
    if not seals.ok:
        return _verdict(node, seals.checked, seals, prefix="封存段")
    checked = 0
    report = ChainReport(True, "没有条目", head=anchor)
    for chunk in _entries(session, node, anchor.seq if anchor else 0):
        report = check_chain(chunk, report.head)
        checked += report.checked
        if not report.ok:
            return _verdict(node, checked, report)
    if report.head is None and anchor is None and checked == 0:
        report = ChainReport(True, "没有条目")
    head = session.get(AuditHead, node)
    end = report.head
    if head is not None and (end is None or (end.seq, end.hash) != (head.seq, head.hash)):
        last = end.seq if end else 0
        report = ChainReport(
            False,
            f"第 {last + 1} 条：日志只到第 {last} 条，与记录的末条（第 {head.seq} 条）不符，"
            "条目被删除或改写",
            "fork",
            last + 1,
            checked,
        )
    return _verdict(node, checked, report)


def _verdict(node: str, checked: int, report: ChainReport, *, prefix: str = "") -> dict[str, Any]:
    return {
        "node": node,
        "intact": report.ok,
        "checked": checked,
        "first_bad": report.first_bad_seq,
        "problem": report.problem,
        "reason": f"{prefix}{report.reason}",
    }


def verify(session: Session) -> dict[str, Any]:
    """Every node's chain held here; ``first_bad`` is the first bad seq of the first bad node."""
    nodes = sorted(
        set(session.scalars(select(AuditHead.node)))
        | set(session.scalars(select(AuditRow.node).distinct()))
    )
    results = [verify_node(session, node) for node in nodes]
    bad = next((r for r in results if not r["intact"]), None)
    return {
        "intact": bad is None,
        "checked": sum(r["checked"] for r in results),
        "first_bad": bad["first_bad"] if bad else None,
        "first_bad_node": bad["node"] if bad else None,
        "nodes": results,
    }


# --------------------------------------------------------------------------- who looked


def who_looked(session: Session, holder_code: str, *, county: str) -> dict[str, Any]:
    """Who used a person's data: certificate uses and views of their cases, every node.

    Both logs keep the person only as a keyed hash; this computes it for each kind of
    holder code and reads both. The answer is masked (the holder code, any free text).
    """
    code = holder_code.strip().upper()
    if not code:
        raise InvalidInput(
            detail="请填写身份证号或统一社会信用代码",
            invalid_params=[InvalidParam("holder", "不能为空")],
        )
    refs = [subject_ref(kind, code, county=county) for kind in HOLDER_CODE_TYPES]
    uses = session.scalars(
        select(CertUsageRow).where(CertUsageRow.holder_ref.in_(refs)).limit(1000)
    ).all()
    views = session.scalars(
        select(AuditRow).where(AuditRow.subject_ref.in_(refs)).limit(1000)
    ).all()
    items = [
        {
            "at": to_china(u.at).isoformat(),
            "node": u.node,
            "actor": u.actor,
            "source": "cert_usage",
            "action": u.action,
            "action_label": f"证照{USAGE_LABELS.get(u.action, u.action)}",
            "case_no": u.case_no,
            "purpose": mask_text(u.purpose),
        }
        for u in uses
    ] + [
        {
            "at": to_china(v.at).isoformat(),
            "node": v.node,
            "actor": v.actor,
            "source": "audit",
            "action": v.action,
            "action_label": ACTION_LABELS.get(v.action, v.action),
            "case_no": v.target,
            "purpose": v.detail,
        }
        for v in views
    ]
    items.sort(key=lambda i: i["at"], reverse=True)
    return {"holder": mask_id_number(code), "items": items}


def segment_entry(segment: AuditSegment) -> Seal:
    """A stored seal as a chain entry."""
    return Seal(
        node=segment.node,
        seq=segment.seq,
        period=segment.period,
        until=segment.until,
        first_seq=segment.first_seq,
        last_seq=segment.last_seq,
        last_hash=segment.last_hash,
        prev_hash=segment.prev_hash,
        hash=segment.hash,
    )
