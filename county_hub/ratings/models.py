"""Hub tables of supervision: ratings, rectification tasks and complaints."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from county_hub.db import Base
from shared.db import UTCDateTime, enum_column


class Rating(Base):
    """One case's 好差评 as the hub's fold sees it (one per case; a projection of events).

    Denormalised on purpose: the figures of DOMAIN §7 are plain SQL aggregates over it.
    """

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_month_level", "rated_month", "level"),)

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_no: Mapped[str] = mapped_column(String(40), unique=True)
    event_id: Mapped[str] = mapped_column(String(36), comment="the rated event that counts")
    level: Mapped[int] = mapped_column(Integer, comment="1 非常满意 … 5 非常不满意; 4–5 差评")
    channel: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    rater: Mapped[str] = mapped_column(String(64), comment="'applicant' or the agent's username")
    origin: Mapped[str] = mapped_column(String(12), comment="node where the rating was given")
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rated_on: Mapped[date] = mapped_column(Date, comment="China date of the rating")
    rated_month: Mapped[str] = mapped_column(String(7), comment="YYYY-MM of rated_on")
    item_code: Mapped[str] = mapped_column(String(50))
    handled_by: Mapped[str] = mapped_column(String(32), index=True, comment="department or town")
    town_code: Mapped[str] = mapped_column(String(9), index=True, comment="town where filed")
    village_code: Mapped[str | None] = mapped_column(
        String(12), index=True, comment="village where filed (null: filed at a town or the hub)"
    )


class TaskStatus(enum.StrEnum):
    """Where a rectification task stands."""

    OPEN = "open"
    VERIFIED = "verified"
    FIXED = "fixed"
    LOGGED = "logged"
    CALLED_BACK = "called_back"
    CLOSED = "closed"
    APPEALED = "appealed"
    APPEAL_UPHELD = "appeal_upheld"
    APPEAL_REJECTED = "appeal_rejected"

    @property
    def label(self) -> str:
        return TASK_STATUS_LABELS[self]


TASK_STATUS_LABELS = {
    TaskStatus.OPEN: "待核实",
    TaskStatus.VERIFIED: "已核实",
    TaskStatus.FIXED: "已立行立改",
    TaskStatus.LOGGED: "已登记限期整改",
    TaskStatus.CALLED_BACK: "已回访",
    TaskStatus.CLOSED: "已办结（结果已公开）",
    TaskStatus.APPEALED: "申诉审核中",
    TaskStatus.APPEAL_UPHELD: "申诉成立（不计差评）",
    TaskStatus.APPEAL_REJECTED: "申诉不成立（继续整改）",
}

#: Statuses in which nothing is left to do.
TASK_DONE = frozenset({TaskStatus.CLOSED, TaskStatus.APPEAL_UPHELD})


class RectificationTask(Base):
    """差评整改: opened for the unit that handled a case rated 4 or 5."""

    __tablename__ = "rectification_tasks"
    __table_args__ = (Index("ix_rectification_tasks_unit_status", "unit", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("ratings.case_id"), unique=True)
    case_no: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(32), comment="handled_by: department or town code")
    level: Mapped[int] = mapped_column(Integer)
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[date | None] = mapped_column(
        Date, comment="rating date + RECTIFY_WORKING_DAYS; null while the year is unknown"
    )
    deadline_note: Mapped[str] = mapped_column(String(200), default="")
    escalated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), comment="set by the escalation job once the deadline has passed"
    )
    callback: Mapped[dict[str, Any] | None] = mapped_column(JSON, comment="回访: {by, on, said}")
    outcome: Mapped[str] = mapped_column(Text, default="", comment="published outcome")
    closed_on: Mapped[date | None] = mapped_column(Date)
    history: Mapped[list[Any]] = mapped_column(
        JSON, default=list, comment="[{action, label, at, by, note}] in order"
    )


class ComplaintStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"

    @property
    def label(self) -> str:
        return "办理中" if self is ComplaintStatus.OPEN else "已答复"


class Complaint(Base):
    """办不成事反映: a ticket routed to the responsible department, answered by a deadline."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_department_status", "department_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(20))
    item_code: Mapped[str | None] = mapped_column(String(50))
    item_name: Mapped[str] = mapped_column(String(200), default="")
    department_code: Mapped[str] = mapped_column(
        ForeignKey("departments.code"), comment="responsible department (routed)"
    )
    text: Mapped[str] = mapped_column(Text)
    filed_node: Mapped[str] = mapped_column(String(12), comment="node where it was received")
    filed_by: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ComplaintStatus] = mapped_column(enum_column(ComplaintStatus))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply: Mapped[str] = mapped_column(Text, default="", comment="outcome told to the complainant")
    reply_method: Mapped[str] = mapped_column(String(20), default="")
    replied_on: Mapped[date | None] = mapped_column(Date)
    replied_by: Mapped[str] = mapped_column(String(64), default="")
