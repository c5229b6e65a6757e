"""The hub's accounts are the shared ``Account`` table (every tier has the same one)."""

from shared.accounts.models import Account

__all__ = ["Account"]
