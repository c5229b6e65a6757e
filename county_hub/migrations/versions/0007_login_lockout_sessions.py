"""login lockout, revocable sessions, password history, login attempts per address

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:30:00

The same change in the hub and node histories: ``accounts`` is a shared table
(shared/schema/common_0004.py, ADR 0012).
"""

from collections.abc import Sequence

from shared.schema import common_0004

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    common_0004.upgrade()


def downgrade() -> None:
    """Downgrade schema."""
    common_0004.downgrade()
