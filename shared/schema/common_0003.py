"""Frozen DDL of the shared ``cases`` table, revision 0003: figure columns and indexes.

Both histories' revision 0003 call this one copy (see ``common_0001``). Never edit it.
Existing rows are filled from their folded state (``cases.state``), so figures count
cases projected before this migration too.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

_CHINA = ZoneInfo("Asia/Shanghai")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("accepted_on", sa.Date(), nullable=True, comment="China date of acceptance")
        )
        batch_op.add_column(
            sa.Column(
                "concluded_on",
                sa.Date(),
                nullable=True,
                comment="China date of the decision (办结)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "on_time",
                sa.Boolean(),
                nullable=True,
                comment="concluded by its due date, stopped time excluded (按时办结)",
            )
        )
        batch_op.create_index(
            "ix_cases_accepted_on_handled_by", ["accepted_on", "handled_by"], unique=False
        )
        batch_op.create_index(
            "ix_cases_concluded_on_handled_by",
            ["concluded_on", "handled_by", "on_time", "due_date", "accepted_on"],
            unique=False,
        )
        batch_op.create_index(
            "ix_cases_due_date_concluded_on",
            ["due_date", "concluded_on", "accepted_on", "handled_by"],
            unique=False,
        )
        batch_op.create_index(
            "ix_cases_status_due_date", ["status", "due_date", "handled_by"], unique=False
        )
    _backfill()


def _backfill() -> None:
    cases = sa.table(
        "cases",
        sa.column("case_id", sa.String()),
        sa.column("state", sa.JSON()),
        sa.column("due_date", sa.Date()),
        sa.column("accepted_on", sa.Date()),
        sa.column("concluded_on", sa.Date()),
        sa.column("on_time", sa.Boolean()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(cases.c.case_id, cases.c.state, cases.c.due_date)).all()
    updates = []
    for case_id, state, due in rows:
        accepted = (state or {}).get("accepted_on")
        concluded_at = (state or {}).get("concluded_at")
        concluded = (
            datetime.fromisoformat(concluded_at).astimezone(_CHINA).date() if concluded_at else None
        )
        updates.append(
            {
                "key": case_id,
                "accepted_on": date.fromisoformat(accepted) if accepted else None,
                "concluded_on": concluded,
                "on_time": (concluded <= due) if concluded and due else None,
            }
        )
    if updates:
        bind.execute(
            cases.update()
            .where(cases.c.case_id == sa.bindparam("key"))
            .values(
                accepted_on=sa.bindparam("accepted_on"),
                concluded_on=sa.bindparam("concluded_on"),
                on_time=sa.bindparam("on_time"),
            ),
            updates,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_status_due_date")
        batch_op.drop_index("ix_cases_due_date_concluded_on")
        batch_op.drop_index("ix_cases_concluded_on_handled_by")
        batch_op.drop_index("ix_cases_accepted_on_handled_by")
        batch_op.drop_column("on_time")
        batch_op.drop_column("concluded_on")
        batch_op.drop_column("accepted_on")
