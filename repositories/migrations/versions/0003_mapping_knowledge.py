"""mapping knowledge: column pairs confirmed or rejected by saved configs, the suggester's offers

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Frozen copies of the column types: a migration must not change when the models do.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIMESTAMP = sa.DateTime(timezone=True)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mapping_pairs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_table", sa.String(length=500), nullable=False),
        sa.Column("source_column", sa.String(length=200), nullable=False),
        sa.Column("target_table", sa.String(length=500), nullable=False),
        sa.Column("target_column", sa.String(length=200), nullable=False),
        sa.Column("source_table_key", sa.String(length=500), nullable=False),
        sa.Column("source_column_key", sa.String(length=200), nullable=False),
        sa.Column("target_table_key", sa.String(length=500), nullable=False),
        sa.Column("target_column_key", sa.String(length=200), nullable=False),
        sa.Column("transformers", JSON_TYPE, nullable=False),
        sa.Column("config_name", sa.String(length=200), nullable=True),
        sa.Column("config_version", sa.Integer(), nullable=True),
        sa.Column("confirmed", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_pairs")),
        sa.UniqueConstraint(
            "source_column_key",
            "target_table_key",
            "source_table_key",
            "target_column_key",
            name="uq_mapping_pairs_pair",
        ),
    )
    op.create_table(
        "mapping_offers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_table", sa.String(length=500), nullable=False),
        sa.Column("source_column", sa.String(length=200), nullable=False),
        sa.Column("target_table", sa.String(length=500), nullable=False),
        sa.Column("target_column", sa.String(length=200), nullable=True),
        sa.Column("source_table_key", sa.String(length=500), nullable=False),
        sa.Column("source_column_key", sa.String(length=200), nullable=False),
        sa.Column("target_table_key", sa.String(length=500), nullable=False),
        sa.Column("offered_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_offers")),
        sa.UniqueConstraint(
            "source_table_key",
            "target_table_key",
            "source_column_key",
            name="uq_mapping_offers_offer",
        ),
    )


def downgrade() -> None:
    op.drop_table("mapping_offers")
    op.drop_table("mapping_pairs")
