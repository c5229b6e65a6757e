"""The master feed: signed changes of master data, appended at the hub, relayed by towns."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text
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


def read_page(session: Session, after: int, limit: int) -> FeedPage:
    """Changes after ``after`` in sequence order."""
    rows: Sequence[MasterChange] = session.scalars(
        select(MasterChange)
        .where(MasterChange.seq > after)
        .order_by(MasterChange.seq)
        .limit(limit + 1)
    ).all()
    last = session.scalar(select(func.max(MasterChange.seq))) or 0
    page = [change_wire(c) for c in rows[:limit]]
    return FeedPage(
        changes=page, next=page[-1]["seq"] if page else after, more=len(rows) > limit, last_seq=last
    )


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
