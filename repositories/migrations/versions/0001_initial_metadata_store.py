"""initial metadata store

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Frozen copies of the column types: a migration must not change when the models do.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIMESTAMP = sa.DateTime(timezone=True)
STATUS = sa.Enum(
    "pending",
    "running",
    "succeeded",
    "failed",
    "cancelled",
    name="runstatus",
    native_enum=False,
    length=20,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasources",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("db_type", sa.String(length=30), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("database", sa.String(length=1000), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=True),
        sa.Column("password_encrypted", sa.Text(), nullable=True),
        sa.Column("schema", sa.String(length=200), nullable=True),
        sa.Column("options", JSON_TYPE, nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasources")),
        sa.UniqueConstraint("name", name=op.f("uq_datasources_name")),
    )
    op.create_table(
        "pipelines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipelines")),
        sa.UniqueConstraint("name", name=op.f("uq_pipelines_name")),
    )
    op.create_table(
        "configs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source_datasource_id", sa.Uuid(), nullable=True),
        sa.Column("target_datasource_id", sa.Uuid(), nullable=True),
        sa.Column("source_table", sa.String(length=500), nullable=True),
        sa.Column("target_table", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", JSON_TYPE, nullable=False),
        sa.Column("deleted_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_datasource_id"],
            ["datasources.id"],
            name=op.f("fk_configs_source_datasource_id_datasources"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_datasource_id"],
            ["datasources.id"],
            name=op.f("fk_configs_target_datasource_id_datasources"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_configs")),
        sa.UniqueConstraint("name", name=op.f("uq_configs_name")),
    )
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pipeline_id", sa.Uuid(), nullable=True),
        sa.Column("pipeline_name", sa.String(length=200), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("summary", JSON_TYPE, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("started_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("finished_at", UTC_TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pipeline_runs_pipeline_id_pipelines"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_runs")),
    )
    op.create_index(op.f("ix_pipeline_runs_pipeline_id"), "pipeline_runs", ["pipeline_id"])

    op.create_table(
        "config_histories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("config_id", sa.Uuid(), nullable=True),
        sa.Column("config_name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", JSON_TYPE, nullable=False),
        sa.Column("change_summary", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["config_id"],
            ["configs.id"],
            name=op.f("fk_config_histories_config_id_configs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_histories")),
        sa.UniqueConstraint("config_name", "version", name="uq_config_histories_version"),
    )
    op.create_index(op.f("ix_config_histories_config_id"), "config_histories", ["config_id"])
    op.create_index(op.f("ix_config_histories_config_name"), "config_histories", ["config_name"])

    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("params", JSON_TYPE, nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("pipeline_run_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("started_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("finished_at", UTC_TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["pipeline_run_id"],
            ["pipeline_runs.id"],
            name=op.f("fk_jobs_pipeline_run_id_pipeline_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_status"), "jobs", ["status"])

    op.create_table(
        "pipeline_nodes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("config_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("settings", JSON_TYPE, nullable=False),
        sa.Column("position_x", sa.Float(), nullable=False),
        sa.Column("position_y", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["config_id"],
            ["configs.id"],
            name=op.f("fk_pipeline_nodes_config_id_configs"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pipeline_nodes_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_nodes")),
    )
    op.create_index(op.f("ix_pipeline_nodes_pipeline_id"), "pipeline_nodes", ["pipeline_id"])

    op.create_table(
        "pipeline_edges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("source_node_id", sa.Uuid(), nullable=False),
        sa.Column("target_node_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pipeline_edges_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_node_id"],
            ["pipeline_nodes.id"],
            name=op.f("fk_pipeline_edges_source_node_id_pipeline_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_node_id"],
            ["pipeline_nodes.id"],
            name=op.f("fk_pipeline_edges_target_node_id_pipeline_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_edges")),
        sa.UniqueConstraint(
            "pipeline_id", "source_node_id", "target_node_id", name="uq_pipeline_edges_link"
        ),
    )
    op.create_index(op.f("ix_pipeline_edges_pipeline_id"), "pipeline_edges", ["pipeline_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pipeline_edges_pipeline_id"), table_name="pipeline_edges")

    op.drop_table("pipeline_edges")
    op.drop_index(op.f("ix_pipeline_nodes_pipeline_id"), table_name="pipeline_nodes")

    op.drop_table("pipeline_nodes")
    op.drop_index(op.f("ix_jobs_status"), table_name="jobs")

    op.drop_table("jobs")
    op.drop_index(op.f("ix_config_histories_config_name"), table_name="config_histories")
    op.drop_index(op.f("ix_config_histories_config_id"), table_name="config_histories")

    op.drop_table("config_histories")
    op.drop_index(op.f("ix_pipeline_runs_pipeline_id"), table_name="pipeline_runs")

    op.drop_table("pipeline_runs")
    op.drop_table("configs")
    op.drop_table("pipelines")
    op.drop_table("datasources")
