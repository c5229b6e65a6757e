"""case figures: acceptance and decision dates, on-time flag, indexes for figures

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:00:00

The same revision in the hub, town and village histories: ``cases`` is a shared table.
Existing rows are filled from their folded state (``cases.state``), so figures count
cases projected before this migration too.
"""

from collections.abc import Sequence
from shared.schema import common_0003

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    common_0003.upgrade()


def downgrade() -> None:
    """Downgrade schema."""
    common_0003.downgrade()
