"""In-memory fakes of the metadata store's repositories and unit of work, for unit tests."""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy import create_engine

from config import Settings
from models.common import utc_now
from models.config_record import ConfigRecord, ConfigVersion
from models.datasource import Datasource
from models.job import QUEUED, Job, JobEvent, JobEventType
from models.mapping_knowledge import ColumnPair, KnownPair, OfferedPair, name_key
from models.pipeline import Pipeline, PipelineEdge, PipelineNode, PipelineRun
from models.status import RunStatus
from services.connections import ConnectionManager
from services.context import ServiceContext
from services.secret_box import SecretBox
from tests.fake_store import FakeStore, Transaction
from utils.ids import as_uuid


class _FakeRepository:
    """What every fake repository shares: its unit of work's transaction."""

    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def _all(
        self, table: str, *, where: Callable[[Any], bool] = lambda _: True, order: str = "name"
    ) -> list[Any]:
        found = [copy.deepcopy(model) for model in self._tx.select(table) if where(model)]
        newest_first = order.startswith("-")
        return sorted(found, key=lambda m: getattr(m, order.lstrip("-")), reverse=newest_first)

    def _first(self, table: str, where: Callable[[Any], bool]) -> Any:
        return next(iter(self._all(table, where=where, order="id")), None)

    def _by_name_or_id(self, table: str, key: str | uuid.UUID) -> Any:
        # The same rule as NamedSqlRepository: the name first, then the id.
        found = self._first(table, lambda m: m.name == str(key))
        if found is None and (item_id := as_uuid(key)) is not None:
            found = self._tx.get(table, item_id)
        return found


class FakeDatasourceRepository(_FakeRepository):
    """`protocols.repository.DatasourceRepository` in memory."""

    def add(self, datasource: Datasource) -> None:
        self._tx.insert("datasources", datasource)

    def get(self, datasource_id: uuid.UUID) -> Datasource | None:
        return self._tx.get("datasources", datasource_id)

    def get_by_name(self, name: str) -> Datasource | None:
        return self._first("datasources", lambda d: d.name == name)

    def get_by_name_or_id(self, key: str | uuid.UUID) -> Datasource | None:
        return self._by_name_or_id("datasources", key)

    def list(self) -> list[Datasource]:
        return self._all("datasources")

    def update(self, datasource: Datasource) -> None:
        self._tx.update("datasources", datasource)

    def delete(self, datasource_id: uuid.UUID) -> None:
        self._tx.delete("datasources", datasource_id)


class FakeConfigRepository(_FakeRepository):
    """`protocols.repository.ConfigRepository` in memory (soft-deleted configs included)."""

    def add(self, config: ConfigRecord) -> None:
        self._tx.insert("configs", config)

    def get(self, config_id: uuid.UUID) -> ConfigRecord | None:
        return self._tx.get("configs", config_id)

    def get_by_name(self, name: str, *, include_deleted: bool = False) -> ConfigRecord | None:
        config = self._first("configs", lambda c: c.name == name)
        if config is not None and config.deleted_at is not None and not include_deleted:
            return None
        return config

    def get_by_name_or_id(self, key: str | uuid.UUID) -> ConfigRecord | None:
        return self._by_name_or_id("configs", key)

    def list(self, *, include_deleted: bool = False) -> list[ConfigRecord]:
        return self._all("configs", where=lambda c: include_deleted or c.deleted_at is None)

    def update(self, config: ConfigRecord) -> None:
        self._tx.update("configs", config)

    def delete(self, config_id: uuid.UUID) -> None:
        self._tx.delete("configs", config_id)

    def add_version(self, version: ConfigVersion) -> None:
        self._tx.insert("config_histories", version)

    def list_versions(self, config_name: str) -> list[ConfigVersion]:
        named = lambda v: v.config_name == config_name  # noqa: E731 - a one-line filter
        return self._all("config_histories", where=named, order="version")

    def get_version(self, config_name: str, version: int) -> ConfigVersion | None:
        return self._first(
            "config_histories", lambda v: (v.config_name, v.version) == (config_name, version)
        )


class FakePipelineRepository(_FakeRepository):
    """`protocols.repository.PipelineRepository` in memory."""

    def add(self, pipeline: Pipeline) -> None:
        self._tx.insert("pipelines", pipeline)

    def get(self, pipeline_id: uuid.UUID) -> Pipeline | None:
        return self._tx.get("pipelines", pipeline_id)

    def get_by_name(self, name: str) -> Pipeline | None:
        return self._first("pipelines", lambda p: p.name == name)

    def get_by_name_or_id(self, key: str | uuid.UUID) -> Pipeline | None:
        return self._by_name_or_id("pipelines", key)

    def list(self) -> list[Pipeline]:
        return self._all("pipelines")

    def update(self, pipeline: Pipeline) -> None:
        self._tx.update("pipelines", pipeline)

    def delete(self, pipeline_id: uuid.UUID) -> None:
        self._tx.delete("pipelines", pipeline_id)

    def add_node(self, node: PipelineNode) -> None:
        self._tx.insert("pipeline_nodes", node)

    def list_nodes(self, pipeline_id: uuid.UUID) -> list[PipelineNode]:
        return self._all("pipeline_nodes", where=lambda n: n.pipeline_id == pipeline_id)

    def delete_node(self, node_id: uuid.UUID) -> None:
        self._tx.delete("pipeline_nodes", node_id)

    def add_edge(self, edge: PipelineEdge) -> None:
        self._tx.insert("pipeline_edges", edge)

    def list_edges(self, pipeline_id: uuid.UUID) -> list[PipelineEdge]:
        # The real query has no ORDER BY; ids are random, so no order can be relied upon here.
        return self._all("pipeline_edges", where=lambda e: e.pipeline_id == pipeline_id, order="id")

    def delete_edge(self, edge_id: uuid.UUID) -> None:
        self._tx.delete("pipeline_edges", edge_id)


class FakePipelineRunRepository(_FakeRepository):
    """`protocols.repository.PipelineRunRepository` in memory, newest first."""

    def add(self, run: PipelineRun) -> None:
        self._tx.insert("pipeline_runs", run)

    def get(self, run_id: uuid.UUID) -> PipelineRun | None:
        return self._tx.get("pipeline_runs", run_id)

    def list(self, *, pipeline_id: uuid.UUID | None = None) -> list[PipelineRun]:
        mine = lambda r: pipeline_id is None or r.pipeline_id == pipeline_id  # noqa: E731
        return self._all("pipeline_runs", where=mine, order="-created_at")

    def update(self, run: PipelineRun) -> None:
        self._tx.update("pipeline_runs", run)


class FakeJobRepository(_FakeRepository):
    """`protocols.repository.JobRepository` in memory, newest first."""

    def add(self, job: Job) -> None:
        self._tx.insert("jobs", job)

    def get(self, job_id: uuid.UUID) -> Job | None:
        return self._tx.get("jobs", job_id)

    def list(
        self, *, statuses: Collection[RunStatus] | None = None, owner: str | None = None
    ) -> list[Job]:
        def wanted(job: Job) -> bool:
            return (statuses is None or job.status in statuses) and (
                owner is None or job.owner == owner
            )

        return self._all("jobs", where=wanted, order="-created_at")

    def update(self, job: Job) -> None:
        self._tx.update("jobs", job)

    def claim_next(self, owner: str, now: datetime) -> Job | None:
        for job in reversed(self.list(statuses=[QUEUED])):  # the oldest first
            job.status, job.owner, job.heartbeat_at = RunStatus.RUNNING, owner, now
            job.attempts += 1
            job.started_at = job.started_at or now
            job.finished_at = None
            self.update(job)
            return job
        return None

    def change_if(
        self,
        job_id: uuid.UUID,
        *,
        statuses: Collection[RunStatus],
        owned_by: str | None = None,
        **values: Any,
    ) -> bool:
        job = self.get(job_id)
        if job is None or job.status not in statuses:
            return False
        if owned_by is not None and job.owner != owned_by:
            return False
        for name, value in values.items():
            setattr(job, name, value)
        self.update(job)
        return True

    def heartbeat(self, owner: str, now: datetime) -> None:
        for job in self.list(statuses=[RunStatus.RUNNING], owner=owner):
            job.heartbeat_at = now
            self.update(job)

    def cancel_requested(self, owner: str) -> set[uuid.UUID]:
        running = self.list(statuses=[RunStatus.RUNNING], owner=owner)
        return {job.id for job in running if job.cancel_requested}

    def add_event(self, event: JobEvent) -> JobEvent:
        stored = _StoredEvent(self.last_event_id() + 1, **_event_fields(event))
        self._tx.insert("job_events", stored)
        job = self.get(event.job_id)
        if job is not None:
            job.last_seq = event.seq
            self.update(job)
        return dataclasses.replace(event, id=stored.id)

    def list_events(
        self, job_id: uuid.UUID, *, after: int = 0, limit: int = 1000
    ) -> list[JobEvent]:
        mine = self._all("job_events", where=lambda e: e.job_id == job_id and e.seq > after)
        return [_as_event(row) for row in sorted(mine, key=lambda e: e.seq)[:limit]]

    def events_since(self, after_id: int, *, limit: int = 1000) -> list[JobEvent]:
        newer = self._all("job_events", where=lambda e: e.id > after_id, order="id")
        return [_as_event(row) for row in newer[:limit]]

    def last_event_id(self) -> int:
        return max((row.id for row in self._tx.select("job_events")), default=0)


@dataclasses.dataclass
class _StoredEvent:
    """A job_events row as the fake keeps it (JobEvent is frozen; the store sets columns)."""

    id: int
    job_id: uuid.UUID
    seq: int
    type: JobEventType
    data: dict[str, Any]
    created_at: datetime


def _event_fields(event: JobEvent) -> dict[str, Any]:
    return {
        "job_id": event.job_id,
        "seq": event.seq,
        "type": event.type,
        "data": event.data,
        "created_at": event.created_at,
    }


def _as_event(row: _StoredEvent) -> JobEvent:
    return JobEvent(row.job_id, row.seq, row.type, dict(row.data), row.created_at, row.id)


class FakeMappingKnowledgeRepository(_FakeRepository):
    """`protocols.repository.MappingKnowledgeRepository` in memory.

    It counts as one writer at a time would: two units of work creating one pair at the same
    moment clash at commit here, where the real store counts both (tested on the real stores).
    """

    def upsert_confirmed(
        self,
        pair: ColumnPair,
        *,
        transformers: list[dict[str, Any]],
        config_name: str,
        config_version: int,
    ) -> None:
        latest = {
            **pair.names(),
            "transformers": transformers,
            "config_name": config_name,
            "config_version": config_version,
            "updated_at": utc_now(),
        }
        found = self._stored_pair(pair)
        if found is None:
            self._tx.insert("mapping_pairs", _StoredPair(**latest, confirmed=1, **pair.keys()))
            return
        found = dataclasses.replace(found, **latest, confirmed=found.confirmed + 1)
        self._tx.update("mapping_pairs", found)

    def add_rejection(self, pair: ColumnPair) -> None:
        found = self._stored_pair(pair)
        if found is None:
            self._tx.insert("mapping_pairs", _StoredPair(**pair.names(), rejected=1, **pair.keys()))
            return
        found = dataclasses.replace(found, rejected=found.rejected + 1, updated_at=utc_now())
        self._tx.update("mapping_pairs", found)

    def pairs_for_columns(
        self, source_columns: Collection[str], *, target_table: str | None = None
    ) -> list[KnownPair]:
        columns = {name_key(column) for column in source_columns}
        table = None if target_table is None else name_key(target_table)

        def wanted(row: _StoredPair) -> bool:
            return row.source_column_key in columns and table in (None, row.target_table_key)

        found = self._all("mapping_pairs", where=wanted, order="id")
        found.sort(
            key=lambda r: (
                r.source_column_key,
                r.target_table_key,
                r.target_column_key,
                r.source_table_key,
            )
        )
        return [_as(KnownPair, row) for row in found]

    def replace_offers(
        self, source_table: str, target_table: str, offers: list[OfferedPair]
    ) -> None:
        self.clear_offers(source_table, target_table)
        for offer in offers:
            keys = {
                "source_table_key": name_key(offer.source_table),
                "target_table_key": name_key(offer.target_table),
                "source_column_key": name_key(offer.source_column),
            }
            self._tx.insert("mapping_offers", _StoredOffer(**dataclasses.asdict(offer), **keys))

    def offers_for(self, source_table: str, target_table: str) -> list[OfferedPair]:
        mine = _of_tables(source_table, target_table)
        found = self._all("mapping_offers", where=mine, order="id")
        found.sort(key=lambda row: row.source_column_key)
        return [_as(OfferedPair, row) for row in found]

    def clear_offers(self, source_table: str, target_table: str) -> None:
        mine = _of_tables(source_table, target_table)
        for row in self._all("mapping_offers", where=mine, order="id"):
            self._tx.delete("mapping_offers", row.id)

    def _stored_pair(self, pair: ColumnPair) -> _StoredPair | None:
        keys = pair.keys()
        return self._first(
            "mapping_pairs", lambda row: all(getattr(row, k) == v for k, v in keys.items())
        )


@dataclasses.dataclass(slots=True)
class _StoredPair(KnownPair):
    """A mapping_pairs row as the fake keeps it: the pair and its lower-cased keys."""

    source_table_key: str = ""
    source_column_key: str = ""
    target_table_key: str = ""
    target_column_key: str = ""


@dataclasses.dataclass(slots=True)
class _StoredOffer(OfferedPair):
    """A mapping_offers row as the fake keeps it: the offer and its lower-cased keys."""

    source_table_key: str = ""
    source_column_key: str = ""
    target_table_key: str = ""


def _of_tables(source_table: str, target_table: str) -> Callable[[_StoredOffer], bool]:
    tables = (name_key(source_table), name_key(target_table))
    return lambda row: (row.source_table_key, row.target_table_key) == tables


def _as(model_type: type[Any], row: Any) -> Any:
    """The model of a stored row, without the columns only the store keeps."""
    return model_type(**{f.name: getattr(row, f.name) for f in dataclasses.fields(model_type)})


class FakeUnitOfWork:
    """`with uow: ...; uow.commit()` on a `FakeStore`; leaving without commit rolls back.

    Each block works on its own copy of the committed rows; `commit()` publishes what it
    changed (checked again against what others committed meanwhile) and starts afresh.
    """

    datasources: FakeDatasourceRepository
    configs: FakeConfigRepository
    pipelines: FakePipelineRepository
    pipeline_runs: FakePipelineRunRepository
    jobs: FakeJobRepository
    mapping_knowledge: FakeMappingKnowledgeRepository

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self._tx: Transaction | None = None

    def __enter__(self) -> Self:
        self._tx = Transaction(self.store)
        self.datasources = FakeDatasourceRepository(self._tx)
        self.configs = FakeConfigRepository(self._tx)
        self.pipelines = FakePipelineRepository(self._tx)
        self.pipeline_runs = FakePipelineRunRepository(self._tx)
        self.jobs = FakeJobRepository(self._tx)
        self.mapping_knowledge = FakeMappingKnowledgeRepository(self._tx)
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._tx is not None
        self.rollback()
        self._tx.open = False
        self._tx = None

    def commit(self) -> None:
        """Publish this block's changes (`IntegrityError` if they clash with a commit since)."""
        assert self._tx is not None, "commit() outside `with uow:`"
        try:
            self.store.apply(self._tx.rows, self._tx.changed)
        finally:
            # Committed or refused, the next statement sees the latest committed rows.
            self._tx.begin()

    def rollback(self) -> None:
        """Drop this block's changes: back to what is committed now."""
        assert self._tx is not None, "rollback() outside `with uow:`"
        self._tx.begin()


class RivalFirstUnitOfWork(FakeUnitOfWork):
    """A unit of work that lets `rival` run, and commit elsewhere, just before its own commit.

    For the races services guard against (two saves of one name at the same moment): each
    such unit of work runs `rival` once, before its first commit.
    """

    def __init__(self, store: FakeStore, rival: Callable[[], object]) -> None:
        super().__init__(store)
        self._rival: Callable[[], object] | None = rival

    def commit(self) -> None:
        rival, self._rival = self._rival, None
        if rival is not None:
            rival()
        super().commit()


def fake_context(data_dir: Path, *, store: FakeStore | None = None) -> ServiceContext:
    """A service context whose metadata store is in memory (a new, empty one unless given).

    The password box is real; the connection manager is real but has nothing to connect to,
    and the store engine is an in-memory SQLite engine that nothing ever connects with.
    """
    store = store if store is not None else FakeStore()
    settings = Settings(data_dir=data_dir, secret_key="test", _env_file=None)
    assert settings.secret_key is not None
    return ServiceContext(
        settings=settings,
        uow_factory=lambda: FakeUnitOfWork(store),
        secrets=SecretBox.from_passphrase(settings.secret_key.get_secret_value()),
        connections=ConnectionManager(),
        store_engine=create_engine("sqlite://"),
    )
