"""Frozen DDL of revision 0004 of the shared tables: login lockout, session versions, history.

Both histories (hub 0007, nodes 0004) call this one copy (see ``common_0001``). Never edit
it. ``accounts`` gains the lockout state and the session version (existing accounts start
unlocked at version 1, so tokens issued before the upgrade end once: they carry no
version); ``login_attempts`` counts login attempts per client address and window.
"""

import sqlalchemy as sa
from alembic import op

import shared.db


def upgrade() -> None:
    """Add the lockout and session columns and the per-address attempts table."""
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "failed_logins",
                sa.Integer(),
                server_default=sa.text("0"),
                nullable=False,
                comment="wrong passwords in a row, here",
            )
        )
        batch_op.add_column(
            sa.Column(
                "locked_until",
                shared.db.UTCDateTime(timezone=True),
                nullable=True,
                comment="no login on this tier before this moment (lockout)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "session_version",
                sa.Integer(),
                server_default=sa.text("1"),
                nullable=False,
                comment="set by the hub, fed to nodes; in every token and page session: "
                "raising it ends them on every tier",
            )
        )
        batch_op.add_column(
            sa.Column(
                "session_epoch",
                sa.Integer(),
                server_default=sa.text("0"),
                nullable=False,
                comment="this tier's own 'log out everywhere' count (never fed): ends sessions here",
            )
        )
        batch_op.add_column(
            sa.Column(
                "password_history",
                sa.JSON(),
                server_default=sa.text("'[]'"),
                nullable=False,
                comment="hashes of the previous passwords, newest first (no reuse of the last 5)",
            )
        )
    op.create_table(
        "login_attempts",
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("window_start", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("address", "window_start", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_window_start", ["window_start"], unique=False)


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_window_start")
    op.drop_table("login_attempts")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("password_history")
        batch_op.drop_column("session_epoch")
        batch_op.drop_column("session_version")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
