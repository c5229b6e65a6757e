"""The hub's table of published calendar years."""

from __future__ import annotations

from county_hub.db import Base
from shared.calendar_store import CalendarYearMixin


class CalendarYear(CalendarYearMixin, Base):
    """A year's holidays and make-up days as published by the county."""
