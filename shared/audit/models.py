"""The audit log's tables, the same on every tier (its own rows and those relayed from below)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import CommonBase, UTCDateTime, utcnow


class AuditRow(CommonBase):
    """One entry of a node's hash-chained audit log; never updated but for ``acked``.

    No personal data in clear: ID and phone numbers are masked before they get here, and
    the person whose data was viewed is kept only as ``subject_ref`` (a keyed hash, as the
    usage log's ``holder_ref``), so "who looked at my data" can be answered.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at_node", "at", "node"),
        Index("ix_audit_log_actor_at", "actor", "at"),
    )

    node: Mapped[str] = mapped_column(String(12), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(
        String(64), comment="username (the one tried, for a failed login)"
    )
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(120), comment="case number, item code, account …")
    subject_ref: Mapped[str | None] = mapped_column(
        String(64), index=True, comment="HMAC of the person whose data was used"
    )
    outcome: Mapped[str] = mapped_column(String(8), comment="ok | failed")
    detail: Mapped[str] = mapped_column(Text, comment="masked free text")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    acked: Mapped[bool] = mapped_column(Boolean, default=False, comment="accepted upstream")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditHead(CommonBase):
    """The last entry of each node's chain held here.

    Writers lock this row (SQLite: the write lock; PostgreSQL: the row) to append, so two
    workers never fork the chain; verification compares the chain's end with it, so a
    truncated log is found too.
    """

    __tablename__ = "audit_heads"

    node: Mapped[str] = mapped_column(String(12), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditSegment(CommonBase):
    """A sealed run of a node's entries (one per month), itself chained per node.

    Pruning deletes a segment's entries but keeps the seal, so the rest of the chain is
    still checked from it (``last_seq``, ``last_hash``).
    """

    __tablename__ = "audit_segments"

    node: Mapped[str] = mapped_column(String(12), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(7), comment="YYYY-MM (China time) of its entries")
    until: Mapped[datetime] = mapped_column(UTCDateTime(), comment="end of the period")
    first_seq: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    pruned: Mapped[bool] = mapped_column(Boolean, default=False, comment="entries deleted")


class AuditAlert(CommonBase):
    """An audit log from below that failed the chain check; shown on the node board."""

    __tablename__ = "audit_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node: Mapped[str] = mapped_column(String(12), index=True)
    seq: Mapped[int] = mapped_column(Integer, comment="first entry that does not fit")
    problem: Mapped[str] = mapped_column(String(16), comment="gap | rewritten | broken_link | fork")
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
