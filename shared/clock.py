"""The injected clock: services ask it for 'now' so tests never sleep or patch time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

#: Every date a clerk sees (acceptance day, due date) is a Beijing-time calendar date.
CHINA_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """Something that knows the current time."""

    def now(self) -> datetime:
        """Aware current time."""
        ...

    def today(self) -> date:
        """Current calendar date in China (UTC+8)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(CHINA_TZ).date()


@dataclass
class FixedClock:
    """A clock for tests and demos: stands still until moved."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 27, 1, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.astimezone(CHINA_TZ).date()

    def advance(self, **kwargs: float) -> None:
        """Move the clock forward by ``timedelta(**kwargs)``."""
        self.current += timedelta(**kwargs)


def to_china(moment: datetime) -> datetime:
    """Render an aware timestamp in +08:00 (the form used on the wire and on pages)."""
    return moment.astimezone(CHINA_TZ)
