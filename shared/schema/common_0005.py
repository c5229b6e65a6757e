"""Frozen DDL of the audit log's shared tables, revision 0005 (node) / 0008 (hub).

Both histories call this one copy (see ``common_0001``). Never edit it.
"""

import sqlalchemy as sa
from alembic import op

import shared.db


def upgrade() -> None:
    """Create the audit log, its per-node heads, sealed segments and alerts."""
    op.create_table(
        "audit_log",
        sa.Column("node", sa.String(length=12), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "actor",
            sa.String(length=64),
            nullable=False,
            comment="username (the one tried, for a failed login)",
        ),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column(
            "target",
            sa.String(length=120),
            nullable=False,
            comment="case number, item code, account …",
        ),
        sa.Column(
            "subject_ref",
            sa.String(length=64),
            nullable=True,
            comment="HMAC of the person whose data was used",
        ),
        sa.Column("outcome", sa.String(length=8), nullable=False, comment="ok | failed"),
        sa.Column("detail", sa.Text(), nullable=False, comment="masked free text"),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("acked", sa.Boolean(), nullable=False, comment="accepted upstream"),
        sa.Column("received_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("node", "seq", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_actor_at", ["actor", "at"], unique=False)
        batch_op.create_index("ix_audit_log_at_node", ["at", "node"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_log_subject_ref"), ["subject_ref"], unique=False
        )

    op.create_table(
        "audit_heads",
        sa.Column("node", sa.String(length=12), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("node", name=op.f("pk_audit_heads")),
    )
    op.create_table(
        "audit_segments",
        sa.Column("node", sa.String(length=12), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "period",
            sa.String(length=7),
            nullable=False,
            comment="YYYY-MM (China time) of its entries",
        ),
        sa.Column(
            "until",
            shared.db.UTCDateTime(timezone=True),
            nullable=False,
            comment="end of the period",
        ),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("pruned", sa.Boolean(), nullable=False, comment="entries deleted"),
        sa.PrimaryKeyConstraint("node", "seq", name=op.f("pk_audit_segments")),
    )
    op.create_table(
        "audit_alerts",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_alerts")),
    )
    with op.batch_alter_table("audit_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_alerts_node"), ["node"], unique=False)


def downgrade() -> None:
    """Drop the audit tables."""
    with op.batch_alter_table("audit_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_alerts_node"))
    op.drop_table("audit_alerts")
    op.drop_table("audit_segments")
    op.drop_table("audit_heads")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_subject_ref"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))
        batch_op.drop_index("ix_audit_log_at_node")
        batch_op.drop_index("ix_audit_log_actor_at")
    op.drop_table("audit_log")
