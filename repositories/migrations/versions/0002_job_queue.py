"""jobs become a queue: owner, heartbeat, cancel flag, attempts, result; their events

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Frozen copies of the column types: a migration must not change when the models do.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIMESTAMP = sa.DateTime(timezone=True)
EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite alters a table by copying it, the others in place.
    with op.batch_alter_table("jobs") as jobs:
        jobs.add_column(sa.Column("name", sa.String(200), nullable=False, server_default=""))
        jobs.add_column(sa.Column("owner", sa.String(200), nullable=True))
        jobs.add_column(sa.Column("heartbeat_at", UTC_TIMESTAMP, nullable=True))
        jobs.add_column(
            sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        jobs.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        jobs.add_column(sa.Column("last_seq", sa.Integer(), nullable=False, server_default="0"))
        jobs.add_column(sa.Column("result", JSON_TYPE, nullable=True))
        jobs.create_index("ix_jobs_created_at", ["created_at"])
    # JSON has no server default every engine shares: fill the column, then require it.
    op.execute("UPDATE jobs SET result = '{}'")
    with op.batch_alter_table("jobs") as jobs:
        jobs.alter_column("result", existing_type=JSON_TYPE, nullable=False)
    op.create_table(
        "job_events",
        sa.Column("id", EVENT_ID, autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("data", JSON_TYPE, nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_events_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_events")),
        sa.UniqueConstraint("job_id", "seq", name="uq_job_events_seq"),
    )
    op.create_index(op.f("ix_job_events_job_id"), "job_events", ["job_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_job_events_job_id"), table_name="job_events")
    op.drop_table("job_events")
    with op.batch_alter_table("jobs") as jobs:
        jobs.drop_index("ix_jobs_created_at")
        for column in ("result", "last_seq", "attempts", "cancel_requested"):
            jobs.drop_column(column)
        for column in ("heartbeat_at", "owner", "name"):
            jobs.drop_column(column)
