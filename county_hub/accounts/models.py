"""The hub's account table."""

from __future__ import annotations

from county_hub.db import Base
from shared.accounts.models import AccountMixin


class Account(AccountMixin, Base):
    """A staff account (admin, reviewer, town staff, village agent, supervisor)."""
