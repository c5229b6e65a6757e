"""Frozen DDL of the tables both schemas share (the CommonBase tables), revision 0002.

The hub's history (``county_hub/migrations``) and the node schema's
(``shared/node/migrations``) both create these tables; this module is the one copy both
revisions 0002 call. Never edit it: a later change to a shared table is a new module here,
called by a new revision in both histories.
"""

import sqlalchemy as sa
from alembic import op

import shared.db


def upgrade() -> None:
    """Create the shared tables of revision 0002."""
    op.create_table(
        "cert_usage",
        sa.Column("node", sa.String(length=12), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("case_no", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("certificate", sa.String(length=120), nullable=True),
        sa.Column("holder_ref", sa.String(length=64), nullable=True),
        sa.Column("holder_masked", sa.String(length=32), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("acked", sa.Boolean(), nullable=False, comment="accepted upstream"),
        sa.Column("received_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("node", "seq", name=op.f("pk_cert_usage")),
    )
    with op.batch_alter_table("cert_usage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cert_usage_case_no"), ["case_no"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cert_usage_certificate"), ["certificate"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cert_usage_holder_ref"), ["holder_ref"], unique=False)

    op.create_table(
        "cert_usage_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(length=12), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False, comment="first entry that does not fit"),
        sa.Column(
            "problem",
            sa.String(length=16),
            nullable=False,
            comment="gap | rewritten | broken_link | fork",
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cert_usage_alerts")),
    )
    with op.batch_alter_table("cert_usage_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cert_usage_alerts_node"), ["node"], unique=False)


def downgrade() -> None:
    """Drop the shared tables of revision 0002."""
    with op.batch_alter_table("cert_usage_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cert_usage_alerts_node"))

    op.drop_table("cert_usage_alerts")
    with op.batch_alter_table("cert_usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cert_usage_holder_ref"))
        batch_op.drop_index(batch_op.f("ix_cert_usage_certificate"))
        batch_op.drop_index(batch_op.f("ix_cert_usage_case_no"))

    op.drop_table("cert_usage")
