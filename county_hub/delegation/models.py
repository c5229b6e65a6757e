"""Delegation batches, their towns and items (DOMAIN.md §2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from county_hub.db import Base
from shared.authority import BatchStatus, DelegationMode
from shared.db import UTCDateTime, enum_column, utcnow


class DelegationBatch(Base):
    """One published list of items moved (下放) or entrusted (委托) to towns."""

    __tablename__ = "delegation_batches"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(200))
    doc_no: Mapped[str] = mapped_column(String(100), comment="文号")
    doc_date: Mapped[date] = mapped_column(Date)
    mode: Mapped[DelegationMode] = mapped_column(enum_column(DelegationMode))
    entrusting_department_code: Mapped[str | None] = mapped_column(
        ForeignKey("departments.code"),
        comment="委托: the entrusting department; NULL = each item's own department",
    )
    all_towns: Mapped[bool] = mapped_column(default=False)
    scope: Mapped[str] = mapped_column(String(20), comment="comma list of 受理,审查,决定")
    term_from: Mapped[date] = mapped_column(Date, comment="in force from")
    term_to: Mapped[date | None] = mapped_column(Date, comment="last day in force; NULL = open")
    status: Mapped[BatchStatus] = mapped_column(enum_column(BatchStatus))
    withdrawn_on: Mapped[date | None] = mapped_column(
        Date, comment="withdrawal takes effect on this day; cases accepted before finish there"
    )
    withdrawal_reason: Mapped[str] = mapped_column(String(500), default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(String(64))

    towns: Mapped[list[BatchTown]] = relationship(cascade="all, delete-orphan")
    items: Mapped[list[BatchItem]] = relationship(cascade="all, delete-orphan")


class BatchTown(Base):
    """A receiving town of a batch that is not for all towns."""

    __tablename__ = "delegation_batch_towns"

    batch_number: Mapped[int] = mapped_column(
        ForeignKey("delegation_batches.number", ondelete="CASCADE"), primary_key=True
    )
    town_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)


class BatchItem(Base):
    """An item on a batch's list."""

    __tablename__ = "delegation_batch_items"

    batch_number: Mapped[int] = mapped_column(
        ForeignKey("delegation_batches.number", ondelete="CASCADE"), primary_key=True
    )
    item_code: Mapped[str] = mapped_column(
        ForeignKey("service_items.code"), primary_key=True, index=True
    )
