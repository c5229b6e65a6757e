"""Published holiday schedules as rows, and the WorkCalendar built from them.

The hub stores the schedules that county staff enter (e.g. the State Council notice
for next year); nodes hold copies received with the master data. Pure date arithmetic
stays in :mod:`shared.calendar`, which knows nothing of databases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.calendar import WorkCalendar, YearSchedule, from_json, to_json
from shared.db import CommonBase, UTCDateTime, utcnow


class CalendarYear(CommonBase):
    """One published year: holidays, 调休 make-up days, the notice it comes from."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200), comment="e.g. 国办发明电〔2026〕X号")
    schedule: Mapped[dict[str, Any]] = mapped_column(
        JSON, comment="shared.calendar.to_json form: holidays, workdays, names"
    )
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(64))


def load_calendar(session: Session) -> WorkCalendar:
    """The working-day calendar: chinese-calendar's years, overridden by published ones."""
    rows = session.scalars(select(CalendarYear).order_by(CalendarYear.year)).all()
    return WorkCalendar(published=[from_json(row.schedule) for row in rows])


def store_schedule(session: Session, schedule: YearSchedule, *, by: str | None) -> CalendarYear:
    """Insert or replace the published schedule of ``schedule.year``."""
    row = session.get(CalendarYear, schedule.year)
    if row is None:
        row = CalendarYear()
        row.year = schedule.year
        session.add(row)
    row.source = schedule.source
    row.schedule = to_json(schedule)
    row.published_at = utcnow()
    row.published_by = by
    return row
