"""Every town model, imported in one place so metadata and migrations see them all."""

from __future__ import annotations

from shared.accounts.models import AccountMixin
from shared.calendar_store import CalendarYearMixin
from town_node.db import Base


class Account(AccountMixin, Base):
    """A staff account copied from the hub (password hash only)."""


class CalendarYear(CalendarYearMixin, Base):
    """A holiday schedule published by the hub."""


__all__ = ["Account", "Base", "CalendarYear"]
