"""audit log: entries, per-node heads, sealed segments, alerts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 14:00:00

The same tables as the nodes' revision 0005 (``shared.schema.common_0005``).
"""

from collections.abc import Sequence

from shared.schema import common_0005

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    common_0005.upgrade()


def downgrade() -> None:
    """Downgrade schema."""
    common_0005.downgrade()
