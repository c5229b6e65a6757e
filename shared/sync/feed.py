"""The master feed: signed changes of master data, appended at the hub, relayed by towns."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from shared.clock import Clock, to_china
from shared.sync.crypto import NodeKey, change_payload, verify
from shared.sync.models import MasterChange

ENTITIES = (
    "region",
    "department",
    "certificate_type",
    "item",
    "batch",
    "account",
    "calendar_year",
    "issuer_key",
    "cert_status",
)

#: PostgreSQL advisory lock that serialises appends to the feed: the bytes "sanji-mf" as
#: a (positive) 64-bit number. Any fixed key would do; it only has to be the same for
#: every process writing to one database, and unlikely to be used by another program.
FEED_LOCK = int.from_bytes(b"sanji-mf", "big")


def jsonable(value: Any) -> Any:
    """Dates, enums and nested containers in their JSON form."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return to_china(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    return value


def signer_of(session: Session) -> NodeKey:
    """The hub key bound to this session's factory (see shared.web.app)."""
    key = session.info.get("signer")
    if not isinstance(key, NodeKey):
        raise RuntimeError("this session cannot sign master changes (not the hub's session)")
    return key


def record_change(
    session: Session, entity: str, key: str, data: Any, *, clock: Clock, op: str = "upsert"
) -> MasterChange:
    """Append one signed change to the master feed, in the caller's transaction."""
    if entity not in ENTITIES:
        raise ValueError(f"unknown master entity {entity!r}")
    if session.get_bind().dialect.name == "postgresql":
        # Web workers may publish at the same moment; seq must stay gap-free and ordered.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})
    seq = (session.scalar(select(func.max(MasterChange.seq))) or 0) + 1
    at = to_china(clock.now()).isoformat()
    body = jsonable(data)
    change = MasterChange(
        seq=seq,
        entity=entity,
        key=key,
        op=op,
        data=body,
        at=datetime.fromisoformat(at),
        sig=signer_of(session).sign(change_payload(seq, entity, key, op, body, at)),
    )
    session.add(change)
    session.flush()
    return change


def change_wire(change: MasterChange) -> dict[str, Any]:
    return {
        "seq": change.seq,
        "entity": change.entity,
        "key": change.key,
        "op": change.op,
        "data": change.data,
        "at": to_china(change.at).isoformat(),
        "sig": change.sig,
    }


@dataclass(frozen=True)
class FeedPage:
    changes: list[dict[str, Any]]
    next: int
    more: bool
    last_seq: int


def account_for(node: str, data: Any) -> bool:
    """Whether the account change ``data`` may be sent to ``node``: accounts of the node
    or of a node below it (a town relays its villages' agents whole, so it must hold
    their changes). County-wide and department accounts never leave the hub, so a stolen
    node gives no hash of them to crack offline."""
    region = data.get("region_code") if isinstance(data, dict) else None
    return isinstance(region, str) and bool(region) and region.startswith(node)


def logs_in_at(node: str, data: Any) -> bool:
    """Whether the account change ``data`` is of an account that logs in at ``node``
    (least privilege: a town keeps its staff's accounts, a village its agents')."""
    return isinstance(data, dict) and data.get("region_code") == node


def _sent_to(node: str | None, change: MasterChange) -> bool:
    return node is None or change.entity != "account" or account_for(node, change.data)


def read_page(session: Session, after: int, limit: int, *, peer: str | None = None) -> FeedPage:
    """Changes after ``after`` in sequence order; for ``peer``, only those it may have.

    Changes are left out whole, never edited, so the hub's signature of each one still
    verifies at the village; ``next`` passes the skipped ones.
    """
    kept: list[MasterChange] = []
    scanned, more = after, False
    while not more:
        rows: Sequence[MasterChange] = session.scalars(
            select(MasterChange)
            .where(MasterChange.seq > scanned)
            .order_by(MasterChange.seq)
            .limit(limit + 1)
        ).all()
        if not rows:
            break
        for row in rows:
            if not _sent_to(peer, row):
                scanned = row.seq
                continue
            if len(kept) == limit:
                more = True
                break
            kept.append(row)
            scanned = row.seq
    last = session.scalar(select(func.max(MasterChange.seq))) or 0
    return FeedPage(changes=[change_wire(c) for c in kept], next=scanned, more=more, last_seq=last)


def prune_accounts(session: Session, me: str) -> int:
    """Remove the account changes a node may not hold (kept by releases before accounts
    were filtered per node); returns how many. The replica's account rows are pruned by
    the caller, which knows that table."""
    doomed = [
        seq
        for seq, data in session.execute(
            select(MasterChange.seq, MasterChange.data).where(MasterChange.entity == "account")
        )
        if not account_for(me, data)
    ]
    for start in range(0, len(doomed), 500):
        session.execute(
            delete(MasterChange).where(MasterChange.seq.in_(doomed[start : start + 500]))
        )
    return len(doomed)


class BadChange(Exception):
    """A change whose signature does not verify with the hub's key."""


def verify_change(hub_key: str, change: dict[str, Any]) -> None:
    """Raise BadChange unless the hub signed exactly this change."""
    try:
        payload = change_payload(
            int(change["seq"]), str(change["entity"]), str(change["key"]), str(change["op"]),
            change["data"], str(change["at"]),
        )  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        raise BadChange(f"变更记录格式错误：{exc}") from exc
    if not verify(hub_key, payload, str(change.get("sig", ""))):
        raise BadChange(f"第 {change.get('seq')} 条主数据变更的签名无效")
