"""Tables of the metadata store, declared once; Alembic migrations create them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.common import new_id, utc_now
from models.job import JobEventType, JobKind
from models.status import RunStatus
from repositories.types import JsonType, UtcDateTime

# Stable constraint names, so migrations can refer to them on every engine.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _stored_as_value(enum_class: type, length: int = 20) -> Enum:
    # Strings in the store, checked by the model: an old reader meets no unknown enum type.
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda enum: [member.value for member in enum],
    )


JOB_KIND_TYPE = _stored_as_value(JobKind, length=50)
EVENT_TYPE_TYPE = _stored_as_value(JobEventType)
# SQLite numbers its rows itself only for an INTEGER PRIMARY KEY.
EVENT_ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")

STATUS_TYPE = _stored_as_value(RunStatus)


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    """created_at / updated_at columns, UTC."""

    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


class DatasourceRow(Timestamped, Base):
    __tablename__ = "datasources"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    db_type: Mapped[str] = mapped_column(String(30))
    host: Mapped[str | None] = mapped_column(String(255))
    port: Mapped[int | None] = mapped_column(Integer)
    database: Mapped[str] = mapped_column(String(1000))
    username: Mapped[str | None] = mapped_column(String(200))
    password_encrypted: Mapped[str | None] = mapped_column(Text)
    schema: Mapped[str | None] = mapped_column(String(200))
    options: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class ConfigRow(Timestamped, Base):
    __tablename__ = "configs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # A datasource can be removed while configs still name it; the config keeps its JSON.
    source_datasource_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("datasources.id", ondelete="SET NULL")
    )
    target_datasource_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("datasources.id", ondelete="SET NULL")
    )
    source_table: Mapped[str | None] = mapped_column(String(500))
    target_table: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)
    content: Mapped[dict[str, Any]] = mapped_column(JsonType)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ConfigHistoryRow(Base):
    __tablename__ = "config_histories"
    __table_args__ = (
        UniqueConstraint("config_name", "version", name="uq_config_histories_version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # History outlives its config: a purged config leaves its versions, restorable by name.
    config_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("configs.id", ondelete="SET NULL"), index=True
    )
    config_name: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JsonType)
    change_summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class PipelineRow(Timestamped, Base):
    __tablename__ = "pipelines"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


class PipelineNodeRow(Base):
    __tablename__ = "pipeline_nodes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pipelines.id", ondelete="CASCADE"), index=True
    )
    # A config in use by a pipeline step cannot be purged from under it.
    config_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("configs.id", ondelete="RESTRICT")
    )
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    position_x: Mapped[float] = mapped_column(Float, default=0.0)
    position_y: Mapped[float] = mapped_column(Float, default=0.0)


class PipelineEdgeRow(Base):
    __tablename__ = "pipeline_edges"
    __table_args__ = (
        UniqueConstraint(
            "pipeline_id", "source_node_id", "target_node_id", name="uq_pipeline_edges_link"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pipelines.id", ondelete="CASCADE"), index=True
    )
    source_node_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pipeline_nodes.id", ondelete="CASCADE")
    )
    target_node_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pipeline_nodes.id", ondelete="CASCADE")
    )


class PipelineRunRow(Base):
    __tablename__ = "pipeline_runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # Runs are the audit trail: they stay, with the pipeline's name, after it is deleted.
    pipeline_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("pipelines.id", ondelete="SET NULL"), index=True
    )
    pipeline_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[RunStatus] = mapped_column(STATUS_TYPE, default=RunStatus.PENDING)
    summary: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[JobKind] = mapped_column(JOB_KIND_TYPE)
    name: Mapped[str] = mapped_column(String(200), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    status: Mapped[RunStatus] = mapped_column(STATUS_TYPE, default=RunStatus.PENDING, index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    pipeline_run_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("pipeline_runs.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class JobEventRow(Base):
    __tablename__ = "job_events"
    __table_args__ = (UniqueConstraint("job_id", "seq", name="uq_job_events_seq"),)

    # An integer key: the relay reads every job's new events in the order they were stored.
    id: Mapped[int] = mapped_column(EVENT_ID_TYPE, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("jobs.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[JobEventType] = mapped_column(EVENT_TYPE_TYPE)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class MappingPairRow(Base):
    __tablename__ = "mapping_pairs"
    __table_args__ = (
        # Source column first: the constraint's index is also the one every lookup uses
        # (by source column, any source table, optionally one target table).
        UniqueConstraint(
            "source_column_key",
            "target_table_key",
            "source_table_key",
            "target_column_key",
            name="uq_mapping_pairs_pair",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    source_table: Mapped[str] = mapped_column(String(500))
    source_column: Mapped[str] = mapped_column(String(200))
    target_table: Mapped[str] = mapped_column(String(500))
    target_column: Mapped[str] = mapped_column(String(200))
    # The names lower-cased (models.mapping_knowledge.name_key), stored rather than an index on
    # lower(...): a plain UNIQUE constraint is what ON CONFLICT names on both SQLite and
    # PostgreSQL, its index serves the lookups on both, and Alembic compares it like any other.
    source_table_key: Mapped[str] = mapped_column(String(500))
    source_column_key: Mapped[str] = mapped_column(String(200))
    target_table_key: Mapped[str] = mapped_column(String(500))
    target_column_key: Mapped[str] = mapped_column(String(200))
    transformers: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    config_name: Mapped[str | None] = mapped_column(String(200))
    config_version: Mapped[int | None] = mapped_column(Integer)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


class MappingOfferRow(Base):
    __tablename__ = "mapping_offers"
    __table_args__ = (
        # Table pair first: offers are read and cleared by (source table, target table).
        UniqueConstraint(
            "source_table_key",
            "target_table_key",
            "source_column_key",
            name="uq_mapping_offers_offer",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    source_table: Mapped[str] = mapped_column(String(500))
    source_column: Mapped[str] = mapped_column(String(200))
    target_table: Mapped[str] = mapped_column(String(500))
    target_column: Mapped[str | None] = mapped_column(String(200))  # None: "no match" offered
    # Lower-cased, for the reason given on MappingPairRow.
    source_table_key: Mapped[str] = mapped_column(String(500))
    source_column_key: Mapped[str] = mapped_column(String(200))
    target_table_key: Mapped[str] = mapped_column(String(500))
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
