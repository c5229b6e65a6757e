"""Hub tables of 预约 (appointment slots, bookings) and 巡查 (inspections, findings)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from county_hub.db import Base
from shared.db import UTCDateTime, enum_column


class AppointmentSchedule(Base):
    """A venue's own opening periods and capacity; venues without a row use the defaults."""

    __tablename__ = "appointment_schedules"

    venue: Mapped[str] = mapped_column(
        String(32), primary_key=True, comment="department code (hall window) or 9-digit town"
    )
    periods: Mapped[list[Any]] = mapped_column(
        JSON, comment='[["08:30", "12:00"], ["14:30", "18:00"]]: 30-minute slots inside each'
    )
    capacity: Mapped[int] = mapped_column(Integer, comment="places per slot")


class AppointmentSlot(Base):
    """One 30-minute slot of a venue, created the first time somebody books it.

    The row exists so that a booking can lock it (SELECT … FOR UPDATE) and count the
    places taken without two bookings slipping past the capacity together.
    """

    __tablename__ = "appointment_slots"
    __table_args__ = (UniqueConstraint("venue", "day", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    venue: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[str] = mapped_column(String(5), comment="HH:MM, China time")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AppointmentStatus(enum.StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return APPOINTMENT_STATUS_LABELS[self]


APPOINTMENT_STATUS_LABELS = {
    AppointmentStatus.BOOKED: "已预约",
    AppointmentStatus.CANCELLED: "已取消",
    AppointmentStatus.ATTENDED: "已到场",
    AppointmentStatus.NO_SHOW: "未到场",
}


class Appointment(Base):
    """预约: a citizen's place in a slot; only a cancelled one gives the place back."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_venue_day", "venue", "day"),
        # One booked appointment per person, venue and day, also against concurrent
        # requests for two different slots (which lock different slot rows).
        Index(
            "uq_appointments_person_day",
            "venue",
            "day",
            "id_number",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id"), index=True)
    venue: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[str] = mapped_column(String(5))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(18), comment="full ID (PIPL: never listed)")
    id_masked: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str] = mapped_column(String(20))
    item_code: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[AppointmentStatus] = mapped_column(enum_column(AppointmentStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    marked_by: Mapped[str] = mapped_column(
        String(64), default="", comment="who cancelled it or marked attended / no_show"
    )


class InspectionStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return "整改中" if self is InspectionStatus.OPEN else "已闭环"


FINDING_CATEGORIES = ("纪律作风", "服务态度", "环境秩序", "制度执行", "其他")
SEVERITIES = ("一般", "严重")


class Inspection(Base):
    """巡查: a supervisor's visit to a hall window or a town center, with its findings."""

    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_venue_month", "venue", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspected_on: Mapped[date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7), comment="YYYY-MM of inspected_on")
    inspector: Mapped[str] = mapped_column(String(64), comment="supervisor or admin username")
    venue: Mapped[str] = mapped_column(String(32), comment="department code or 9-digit town")
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[InspectionStatus] = mapped_column(enum_column(InspectionStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InspectionFinding(Base):
    """One problem found, to be put right by ``rectify_by`` and closed with a note."""

    __tablename__ = "inspection_findings"
    __table_args__ = (UniqueConstraint("inspection_id", "n"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    n: Mapped[int] = mapped_column(Integer, comment="1-based number within the inspection")
    category: Mapped[str] = mapped_column(String(10), comment="纪律作风 / 服务态度 / …")
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(4), comment="一般 / 严重")
    rectify_by: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_note: Mapped[str] = mapped_column(Text, default="")
    closed_by: Mapped[str] = mapped_column(String(64), default="")
