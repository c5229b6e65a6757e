"""audit log: entries, per-node heads, sealed segments, alerts

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-28 14:00:00

The same tables as the hub's revision 0008 (``shared.schema.common_0005``). Revises 0003
for now: node revision 0004 is being written on another branch, and whoever merges both
re-chains this one onto it.
"""

from collections.abc import Sequence

from shared.schema import common_0005

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    common_0005.upgrade()


def downgrade() -> None:
    """Downgrade schema."""
    common_0005.downgrade()
