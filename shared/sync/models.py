"""Tables every tier keeps for cases and sync: the event log, projections, peers, cursors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import CommonBase, UTCDateTime, utcnow


class CaseEventRow(CommonBase):
    """One case event as written by its origin node; never changed afterwards.

    ``seq`` is this tier's arrival order: the cursor of the event pull it serves.
    ``acked`` says whether the upstream tier has confirmed it (the outbox).
    """

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_outbox", "acked", "seq"),
        Index("ix_case_events_case_lamport", "case_id", "lamport"),
        Index("ix_case_events_projected", "projected"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, comment="UUIDv7 of the event")
    case_id: Mapped[str] = mapped_column(String(36))
    case_no: Mapped[str] = mapped_column(String(40), index=True)
    origin: Mapped[str] = mapped_column(String(12), comment="region code of the writing node")
    lamport: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    v: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    received_from: Mapped[str] = mapped_column(
        String(12), comment="node it came from (self: written here)"
    )
    acked: Mapped[bool] = mapped_column(Boolean, default=False, comment="confirmed by upstream")
    projected: Mapped[bool] = mapped_column(
        Boolean, default=True, comment="folded into the cases projection (ingest defers it)"
    )


class CaseRow(CommonBase):
    """The folded state of a case (a projection, rebuilt from events on every change)."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_handled_by_status", "handled_by", "status"),
        Index("ix_cases_accepting_node", "accepting_node"),
        # Figures by month (DOMAIN §7): index-only range scans grouped by unit. Cases
        # overdue at a month's end but decided later are found from whichever bound is
        # narrower: decided after that day (recent months) or due before it (old ones).
        Index("ix_cases_accepted_on_handled_by", "accepted_on", "handled_by"),
        Index(
            "ix_cases_concluded_on_handled_by",
            "concluded_on",
            "handled_by",
            "on_time",
            "due_date",
            "accepted_on",
        ),
        Index(
            "ix_cases_due_date_concluded_on",
            "due_date",
            "concluded_on",
            "accepted_on",
            "handled_by",
        ),
        # Overdue lists and counts: running cases, oldest due date first.
        Index("ix_cases_status_due_date", "status", "due_date", "handled_by"),
    )

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_no: Mapped[str] = mapped_column(String(40), unique=True)
    item_code: Mapped[str] = mapped_column(String(50), index=True)
    item_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(16))
    accepting_node: Mapped[str] = mapped_column(String(12))
    accept_by: Mapped[str] = mapped_column(String(32))
    handled_by: Mapped[str] = mapped_column(String(32))
    applicant_name: Mapped[str] = mapped_column(String(100))
    applicant_id_masked: Mapped[str] = mapped_column(String(32))
    due_date: Mapped[date | None] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date, comment="China date of acceptance")
    concluded_on: Mapped[date | None] = mapped_column(
        Date, comment="China date of the decision (办结)"
    )
    on_time: Mapped[bool | None] = mapped_column(
        Boolean, comment="concluded by its due date, stopped time excluded (按时办结)"
    )
    anomalies: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, comment="CaseState.to_dict()")


class QuarantinedEvent(CommonBase):
    """An event refused by a peer (or by us); kept with the reason and shown to staff."""

    __tablename__ = "quarantined_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    case_no: Mapped[str] = mapped_column(String(40), default="")
    direction: Mapped[str] = mapped_column(
        String(16), comment="received: we refused it; sent: upstream refused ours"
    )
    peer: Mapped[str] = mapped_column(String(12), comment="the node it came from or went to")
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    event: Mapped[Any] = mapped_column(JSON, comment="the event as received, even if malformed")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseCounter(CommonBase):
    """Daily case-number sequence per node: numbers are unique without coordination."""

    __tablename__ = "case_counters"

    node: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class SyncState(CommonBase):
    """Small named values of this node's sync: cursors, last success, errors, requests."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Peer(CommonBase):
    """A node this one talks to: its upstream, or an enrolled downstream node."""

    __tablename__ = "peers"

    node: Mapped[str] = mapped_column(String(12), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), comment="upstream or downstream")
    public_key: Mapped[str] = mapped_column(String(64), comment="Ed25519, base64")
    url: Mapped[str] = mapped_column(String(300), default="")
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, comment="last reported sync status"
    )


class EnrollToken(CommonBase):
    """A one-time, expiring token that lets a new node exchange keys with us."""

    __tablename__ = "enroll_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    node: Mapped[str] = mapped_column(String(12), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64), default="")


class SeenNonce(CommonBase):
    """Nonces of signed requests inside the clock window: a replay is refused."""

    __tablename__ = "seen_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    node: Mapped[str] = mapped_column(String(12))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class MasterChange(CommonBase):
    """One change of master data, signed by the hub; the hub writes, nodes keep and relay."""

    __tablename__ = "master_changes"
    __table_args__ = (Index("ix_master_changes_entity_key", "entity", "key"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(8), comment="upsert or retire")
    data: Mapped[Any] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    sig: Mapped[str] = mapped_column(String(100), comment="hub's Ed25519 signature, base64")
