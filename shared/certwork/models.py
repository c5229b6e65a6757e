"""The usage log every tier keeps (its own entries and those relayed from below)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import CommonBase, UTCDateTime, utcnow


class CertUsageRow(CommonBase):
    """One entry of a node's hash-chained usage log (never updated but for ``acked``).

    The holder is kept as a keyed hash and a masked code only (shared.certs.usage_log).
    """

    __tablename__ = "cert_usage"

    node: Mapped[str] = mapped_column(String(12), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    case_no: Mapped[str] = mapped_column(String(40), index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    certificate: Mapped[str | None] = mapped_column(String(120), index=True)
    holder_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    holder_masked: Mapped[str | None] = mapped_column(String(32))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    acked: Mapped[bool] = mapped_column(Boolean, default=False, comment="accepted upstream")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UsageAlert(CommonBase):
    """A usage log from below that failed the check (a gap, a rewrite, a fork).

    Its entries are refused (kept out of this tier's log) and the alert stays on the node
    board until an administrator has looked into it.
    """

    __tablename__ = "cert_usage_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node: Mapped[str] = mapped_column(String(12), index=True)
    seq: Mapped[int] = mapped_column(Integer, comment="first entry that does not fit")
    problem: Mapped[str] = mapped_column(String(16), comment="gap | rewritten | broken_link | fork")
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
