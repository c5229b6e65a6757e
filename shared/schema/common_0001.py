"""Frozen DDL of the tables both schemas share (the CommonBase tables), revision 0001.

The hub's history (``county_hub/migrations``) and the node schema's
(``shared/node/migrations``) both create these tables; this module is the one copy both
revisions 0001 call. Never edit it: a later change to a shared table is a new module here,
called by a new revision in both histories.
"""

import sqlalchemy as sa
from alembic import op

import shared.db


def upgrade() -> None:
    """Create the shared tables of revision 0001."""
    op.create_table(
        "accounts",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "dept_reviewer",
                "town_staff",
                "village_agent",
                "supervisor",
                name="role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "region_code",
            sa.String(length=12),
            nullable=True,
            comment="county, town or village the account works for",
        ),
        sa.Column(
            "department_code",
            sa.String(length=32),
            nullable=True,
            comment="department of a reviewer (the code after 'dept-')",
        ),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_accounts")),
    )
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "source", sa.String(length=200), nullable=False, comment="e.g. 国办发明电〔2026〕X号"
        ),
        sa.Column(
            "schedule",
            sa.JSON(),
            nullable=False,
            comment="shared.calendar.to_json form: holidays, workdays, names",
        ),
        sa.Column("published_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "case_counters",
        sa.Column("node", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("node", "day", name=op.f("pk_case_counters")),
    )
    op.create_table(
        "case_events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False, comment="UUIDv7 of the event"),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("case_no", sa.String(length=40), nullable=False),
        sa.Column(
            "origin",
            sa.String(length=12),
            nullable=False,
            comment="region code of the writing node",
        ),
        sa.Column("lamport", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("v", sa.Integer(), nullable=False),
        sa.Column("received_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "received_from",
            sa.String(length=12),
            nullable=False,
            comment="node it came from (self: written here)",
        ),
        sa.Column("acked", sa.Boolean(), nullable=False, comment="confirmed by upstream"),
        sa.Column(
            "projected",
            sa.Boolean(),
            nullable=False,
            comment="folded into the cases projection (ingest defers it)",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_case_events")),
        sa.UniqueConstraint("id", name=op.f("uq_case_events_id")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index("ix_case_events_case_lamport", ["case_id", "lamport"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_events_case_no"), ["case_no"], unique=False)
        batch_op.create_index("ix_case_events_outbox", ["acked", "seq"], unique=False)
        batch_op.create_index("ix_case_events_projected", ["projected"], unique=False)

    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("case_no", sa.String(length=40), nullable=False),
        sa.Column("item_code", sa.String(length=50), nullable=False),
        sa.Column("item_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("accepting_node", sa.String(length=12), nullable=False),
        sa.Column("accept_by", sa.String(length=32), nullable=False),
        sa.Column("handled_by", sa.String(length=32), nullable=False),
        sa.Column("applicant_name", sa.String(length=100), nullable=False),
        sa.Column("applicant_id_masked", sa.String(length=32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("anomalies", sa.Integer(), nullable=False),
        sa.Column("submitted_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False, comment="CaseState.to_dict()"),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
        sa.UniqueConstraint("case_no", name=op.f("uq_cases_case_no")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_accepting_node", ["accepting_node"], unique=False)
        batch_op.create_index("ix_cases_handled_by_status", ["handled_by", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_item_code"), ["item_code"], unique=False)

    op.create_table(
        "enroll_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=12), nullable=False),
        sa.Column("expires_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_enroll_tokens")),
    )
    with op.batch_alter_table("enroll_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enroll_tokens_node"), ["node"], unique=False)

    op.create_table(
        "master_changes",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False, comment="upsert or retire"),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "sig", sa.String(length=100), nullable=False, comment="hub's Ed25519 signature, base64"
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_master_changes")),
    )
    with op.batch_alter_table("master_changes", schema=None) as batch_op:
        batch_op.create_index("ix_master_changes_entity_key", ["entity", "key"], unique=False)

    op.create_table(
        "peers",
        sa.Column("node", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False, comment="upstream or downstream"),
        sa.Column("public_key", sa.String(length=64), nullable=False, comment="Ed25519, base64"),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("enrolled_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.JSON(), nullable=False, comment="last reported sync status"),
        sa.PrimaryKeyConstraint("node", name=op.f("pk_peers")),
    )
    op.create_table(
        "quarantined_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("case_no", sa.String(length=40), nullable=False),
        sa.Column(
            "direction",
            sa.String(length=16),
            nullable=False,
            comment="received: we refused it; sent: upstream refused ours",
        ),
        sa.Column(
            "peer", sa.String(length=12), nullable=False, comment="the node it came from or went to"
        ),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "event", sa.JSON(), nullable=False, comment="the event as received, even if malformed"
        ),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_events")),
    )
    with op.batch_alter_table("quarantined_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quarantined_events_event_id"), ["event_id"], unique=False
        )

    op.create_table(
        "seen_nonces",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=12), nullable=False),
        sa.Column("expires_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_seen_nonces")),
    )
    with op.batch_alter_table("seen_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seen_nonces_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_state")),
    )


def downgrade() -> None:
    """Drop the shared tables of revision 0001."""
    op.drop_table("sync_state")
    with op.batch_alter_table("seen_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seen_nonces_expires_at"))

    op.drop_table("seen_nonces")
    with op.batch_alter_table("quarantined_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantined_events_event_id"))

    op.drop_table("quarantined_events")
    op.drop_table("peers")
    with op.batch_alter_table("master_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_master_changes_entity_key")

    op.drop_table("master_changes")
    with op.batch_alter_table("enroll_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enroll_tokens_node"))

    op.drop_table("enroll_tokens")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_item_code"))
        batch_op.drop_index("ix_cases_handled_by_status")
        batch_op.drop_index("ix_cases_accepting_node")

    op.drop_table("cases")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index("ix_case_events_projected")
        batch_op.drop_index("ix_case_events_outbox")
        batch_op.drop_index(batch_op.f("ix_case_events_case_no"))
        batch_op.drop_index("ix_case_events_case_lamport")

    op.drop_table("case_events")
    op.drop_table("case_counters")
    op.drop_table("calendar_years")
    op.drop_table("accounts")
