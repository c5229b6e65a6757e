"""The receiving side of sync v1 (hub for towns, town for villages): one code path for both.

Authenticates signed requests, takes pushed events in one round trip (accepted,
duplicates, rejected-into-quarantine), serves the caller's subtree of events and the
master feed, and enrolls new downstream nodes with one-time tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from shared.cases import CaseState, Event, EventType, InvalidEvent, allowed_origins
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput, InvalidParam, Unauthenticated
from shared.ids import is_valid_region_code
from shared.log import get_logger
from shared.sync.crypto import CLOCK_WINDOW, check_request, read_signed_headers
from shared.sync.models import (
    CaseEventRow,
    EnrollToken,
    MasterChange,
    Peer,
    QuarantinedEvent,
    SeenNonce,
)
from shared.sync.store import append_events, known_ids, payload_json, quarantine, row_to_event

log = get_logger(__name__)

#: Versions this node serves: the current one last (what the client sends) and the one
#: before. 2: every reply to a signed request carries the serving node's signature
#: (``X-Sanji-Reply-Signature``); a v1 client just ignores the header.
PROTOCOL_VERSIONS = (1, 2)
MAX_BATCH = 5000
TOKEN_TTL = timedelta(hours=24)


def is_child(me: str, node: str) -> bool:
    """Whether ``node`` is directly below ``me`` (county → town → village)."""
    if not is_valid_region_code(node):
        return False
    return (len(me), len(node)) in ((6, 9), (9, 12)) and node.startswith(me)


# --------------------------------------------------------------------------- identity


def authenticate_peer(
    session: Session,
    headers: Any,
    *,
    method: str,
    path: str,
    query: str,
    body: bytes,
    clock: Clock,
) -> Peer:
    """The enrolled downstream node that signed this request.

    Raises Unauthenticated (unknown node, bad signature, clock skew) or Conflict (a
    replayed nonce). Nothing is applied before this passes.
    """
    signed = read_signed_headers(headers)
    peer = session.get(Peer, signed.node)
    if peer is None or peer.role != "downstream":
        raise Unauthenticated(detail=f"节点 {signed.node} 未在本节点登记，请先完成接入（enroll）")
    now = clock.now()
    check_request(signed, peer.public_key, method, path, query, body, now=now)
    if session.get(SeenNonce, signed.nonce) is not None:
        raise Conflict(detail="重复的同步请求（随机数已使用），已拒绝以防重放")
    session.add(
        SeenNonce(
            nonce=signed.nonce, node=peer.node, expires_at=now + timedelta(seconds=2 * CLOCK_WINDOW)
        )
    )
    session.execute(delete(SeenNonce).where(SeenNonce.expires_at < now))
    peer.last_seen = now
    return peer


def create_enroll_token(session: Session, me: str, node: str, *, by: str, clock: Clock) -> str:
    """A one-time token, valid 24 hours, that lets ``node`` join below ``me``."""
    if not is_child(me, node) or not _known_region(session, node):
        raise InvalidInput(
            detail=f"{node} 不是本节点 {me} 的下级节点（或不在县级下发的区划中），不能在此接入",
            invalid_params=[
                InvalidParam("node", "应为本县的镇(街道)代码或本镇已开通服务室的村(社区)代码")
            ],
        )
    token = secrets.token_urlsafe(24)
    session.add(
        EnrollToken(
            token_hash=_hash(token), node=node, created_by=by, expires_at=clock.now() + TOKEN_TTL
        )
    )
    return token


def _known_region(session: Session, code: str) -> bool:
    """A town, or a village with a service room, in the master data (hub and towns keep it)."""
    data = session.scalar(
        select(MasterChange.data)
        .where(MasterChange.entity == "region", MasterChange.key == code)
        .order_by(MasterChange.seq.desc())
        .limit(1)
    )
    if not isinstance(data, dict):
        return False
    return data.get("level") == "town" or bool(data.get("service_room"))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def enroll(
    session: Session,
    *,
    me: str,
    node: str,
    token: str,
    public_key: str,
    url: str,
    clock: Clock,
) -> Peer:
    """Exchange keys with a new downstream node that holds a valid one-time token."""
    row = session.get(EnrollToken, _hash(token))
    now = clock.now()
    if row is None or row.node != node:
        raise Unauthenticated(detail="接入令牌无效或与节点代码不符")
    if row.used_at is not None:
        raise Unauthenticated(detail="接入令牌已经使用过，请重新生成")
    if row.expires_at < now:
        raise Unauthenticated(detail="接入令牌已过期，请重新生成")
    from shared.sync.crypto import unb64

    try:
        if len(unb64(public_key)) != 32:
            raise ValueError
    except ValueError as exc:
        raise InvalidInput(
            detail="公钥格式错误",
            invalid_params=[InvalidParam("public_key", "应为 Ed25519 公钥的 base64")],
        ) from exc
    row.used_at = now
    peer = session.get(Peer, node)
    if peer is None:
        peer = Peer(
            node=node, role="downstream", public_key=public_key, url=url, enrolled_at=now, status={}
        )
        session.add(peer)
    else:  # re-enrolment after a reinstall: the new key replaces the old one
        peer.public_key, peer.url, peer.enrolled_at = public_key, url, now
    log.info("node_enrolled", node=node, by=me)
    return peer


# --------------------------------------------------------------------------- events up


@dataclass
class PushReply:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)
    cursor: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "cursor": self.cursor,
        }


class _SubmittedIndex:
    """Each case's state right after its 'submitted' event — enough to know who may write —
    folded only for the cases that need it (most batches are mostly new cases)."""

    def __init__(self, session: Session, case_ids: Sequence[str]) -> None:
        self.events: dict[str, Event] = {}
        self.states: dict[str, CaseState] = {}
        for start in range(0, len(case_ids), 500):
            rows = session.scalars(
                select(CaseEventRow).where(
                    CaseEventRow.case_id.in_(case_ids[start : start + 500]),
                    CaseEventRow.type == EventType.SUBMITTED.value,
                )
            )
            for row in rows:
                self.events[row.case_id] = row_to_event(row)

    def add(self, event: Event) -> None:
        self.events.setdefault(event.case_id, event)

    def state(self, case_id: str) -> CaseState | None:
        if case_id not in self.states:
            submitted = self.events.get(case_id)
            if submitted is None:
                return None
            # Who may write depends on three fields of 'submitted' only; no fold needed.
            p = submitted.payload
            self.states[case_id] = CaseState(
                case_id=case_id,
                case_no=submitted.case_no,
                accepting_node=str(p.get("accepting_node", "")),
                accept_by=str(p.get("accept_by", "")),
                handled_by=str(p.get("handled_by", "")),
            )
        return self.states[case_id]


def _authority_problem(event: Event, index: _SubmittedIndex, county: str) -> tuple[str, str] | None:
    if event.type is EventType.SUBMITTED:
        payload = event.payload
        handled_by = str(payload.get("handled_by", ""))
        town = event.origin[:9] if len(event.origin) == 12 else event.origin
        if payload.get("accepting_node") != event.origin:
            return "authority_invalid", "申请事件的受理节点与写入节点不一致"
        if handled_by.isdigit() and handled_by != town:
            return "authority_invalid", f"办件不能由其他镇 {handled_by} 办理"
        return None
    state = index.state(event.case_id)
    if state is None:
        return None  # its 'submitted' has not reached us yet; the fold will say so
    if event.origin not in allowed_origins(state, event.type, county=county):
        return (
            "not_authorised",
            f"节点 {event.origin} 无权对办件 {event.case_no} 写入「{event.type.label}」",
        )
    return None


def _case_owners(session: Session, numbers: Sequence[str]) -> dict[str, str]:
    """Which case each known case number belongs to."""
    owners: dict[str, str] = {}
    for start in range(0, len(numbers), 500):
        rows = session.execute(
            select(CaseEventRow.case_no, CaseEventRow.case_id)
            .where(CaseEventRow.case_no.in_(numbers[start : start + 500]))
            .distinct()
        )
        for case_no, case_id in rows:
            owners.setdefault(case_no, case_id)
    return owners


@dataclass
class PreparedBatch:
    """A pushed batch parsed and checked without the database (outside the write lock)."""

    peer: str
    events: list[tuple[Any, Event]] = field(default_factory=list)
    refused: list[tuple[Any, str, str]] = field(default_factory=list)  # (raw, code, reason)
    payloads: dict[str, str] = field(default_factory=dict)  # id -> stored JSON, encoded early


def prepare(peer: str, body: Any, *, plain_json: bool = False) -> PreparedBatch:
    """Parse ``{node, batch_id, events[], status}``: envelope checks and origin rules.

    Raises InvalidInput when the batch itself is malformed; single bad events are
    collected as refused, to be quarantined by :func:`ingest`.
    """
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise InvalidInput(
            detail="同步批次格式错误", invalid_params=[InvalidParam("events", "应为事件列表")]
        )
    if body.get("node") != peer:
        raise InvalidInput(
            detail="批次中的节点代码与签名节点不一致", invalid_params=[InvalidParam("node", peer)]
        )
    raw_events: list[Any] = body["events"]
    if len(raw_events) > MAX_BATCH:
        raise InvalidInput(
            detail=f"一批最多 {MAX_BATCH} 条事件", invalid_params=[InvalidParam("events", "过多")]
        )
    batch = PreparedBatch(peer=peer)
    for raw in raw_events:
        try:
            event = Event.from_wire(raw, plain_json=plain_json)
        except InvalidEvent as err:
            batch.refused.append((raw, err.code, err.detail))
            continue
        if not (
            event.origin == peer
            or (len(event.origin) > len(peer) and event.origin.startswith(peer))
        ):
            batch.refused.append(
                (raw, "origin_outside_sender", f"事件来源 {event.origin} 不属于节点 {peer}")
            )
            continue
        batch.events.append((raw, event))
        batch.payloads[event.id] = payload_json(event)
    return batch


def ingest(
    session: Session,
    peer: str,
    body: Any,
    *,
    acked: bool,
    clock: Clock,
    county: str,
    prepared: PreparedBatch | None = None,
) -> PushReply:
    """Take a pushed batch in one transaction.

    Each event is accepted, recognised as a duplicate (same id, same content), or
    rejected into quarantine with a code and reason; the rest of the batch is unaffected.
    Accepted events are stored at once; the cases' projections catch up in
    :func:`shared.sync.store.refresh_projections` (ADR 0008). Pass ``prepared`` when the
    batch was parsed before the transaction began.
    """
    batch = prepared if prepared is not None else prepare(peer, body)
    reply = PushReply()
    for raw, code, reason in batch.refused:
        _reject(session, reply, raw, peer, code, reason, clock)
    parsed = batch.events
    existing = known_ids(session, [e.id for _, e in parsed])
    later = [e.case_id for _, e in parsed if e.type is not EventType.SUBMITTED]
    index = _SubmittedIndex(session, list(dict.fromkeys(later)))
    owners = _case_owners(session, list({e.case_no for _, e in parsed}))
    fresh: dict[str, Event] = {}
    for raw, event in parsed:
        old = existing.get(event.id)
        if old is not None or event.id in fresh:
            same = (row_to_event(old) if old is not None else fresh[event.id]) == event
            if same:
                reply.duplicates.append(event.id)
            else:
                _reject(session, reply, raw, peer, "id_conflict", "事件编号已存在但内容不同", clock)
            continue
        problem = _authority_problem(event, index, county)
        if problem is None and owners.setdefault(event.case_no, event.case_id) != event.case_id:
            # One number, one case: a second case under it would block the unique index.
            problem = ("case_no_conflict", f"办件编号 {event.case_no} 已属于另一办件")
        if problem:
            _reject(session, reply, raw, peer, *problem, clock)
            continue
        if event.type is EventType.SUBMITTED:
            index.add(event)
        fresh[event.id] = event
        reply.accepted.append(event.id)
    append_events(
        session,
        fresh.values(),
        received_from=peer,
        acked=acked,
        clock=clock,
        payloads=batch.payloads,
    )
    reply.cursor = session.scalar(select(func.max(CaseEventRow.seq))) or 0
    return reply


def _reject(
    session: Session, reply: PushReply, raw: Any, peer: str, code: str, reason: str, clock: Clock
) -> None:
    event_id = str(raw.get("id", "")) if isinstance(raw, dict) else ""
    reply.rejected.append({"id": event_id, "code": code, "reason": reason})
    quarantine(
        session, event=raw, direction="received", peer=peer, code=code, reason=reason, clock=clock
    )
    log.warning("event_rejected", peer=peer, event_id=event_id, code=code)


def record_status(session: Session, peer: Peer, status: Any, *, clock: Clock) -> None:
    """Keep what a node reports of its own sync (and of its villages) for the node board."""
    if not isinstance(status, dict):
        return
    peer.status = {**_clean_status(status), "reported_at": clock.now().isoformat()}
    children = status.get("children")
    if not isinstance(children, dict):
        return
    # A town reports its villages too, so the hub's board covers all 166 nodes.
    for node, child in children.items():
        if not (isinstance(child, dict) and is_child(peer.node, str(node))):
            continue
        row = session.get(Peer, str(node))
        if row is None:
            row = Peer(node=str(node), role="relayed", public_key="", url="", status={})
            session.add(row)
        if row.role == "relayed":
            row.status = {
                **_clean_status(child),
                "reported_at": clock.now().isoformat(),
                "via": peer.node,
            }
            row.last_seen = _parse_time(child.get("last_seen"))


def _clean_status(status: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "last_success",
        "lag_seconds",
        "queue_depth",
        "quarantined",
        "version",
        "master_cursor",
        "last_error",
    )
    return {k: status[k] for k in keys if k in status}


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- events down


def events_for(
    session: Session, node: str, after: int, limit: int
) -> tuple[list[dict[str, Any]], int, bool]:
    """Events of the cases filed in ``node``'s subtree, after a cursor.

    The case number starts with the code of the node where it was filed, and a town
    handles only cases filed in its own subtree, so the event itself says who gets it:
    no projection is needed, and an event that arrived before its case's 'submitted'
    is still served (never skipped by the cursor).
    """
    stmt = (
        select(CaseEventRow)
        .where(CaseEventRow.seq > after, CaseEventRow.case_no.startswith(node, autoescape=True))
        .order_by(CaseEventRow.seq)
        .limit(limit + 1)
    )
    rows = session.scalars(stmt).all()
    page = rows[:limit]
    events = [row_to_event(r).to_wire() for r in page]
    return events, (page[-1].seq if page else after), len(rows) > limit


# --------------------------------------------------------------------------- staff views


def quarantined(session: Session, *, limit: int = 200) -> list[QuarantinedEvent]:
    stmt = select(QuarantinedEvent).order_by(QuarantinedEvent.id.desc()).limit(limit)
    return list(session.scalars(stmt))
