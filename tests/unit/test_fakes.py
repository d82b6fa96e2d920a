"""The in-memory fakes keep the repository Protocols and the real store's transaction rules."""

from __future__ import annotations

import inspect
import typing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError, StatementError

from models.config_record import ConfigRecord, ConfigVersion
from models.job import Job, JobKind
from models.pipeline import Pipeline, PipelineEdge, PipelineNode, PipelineRun
from models.status import RunStatus
from protocols import repository as protocols
from repositories.config_repo import SqlConfigRepository
from repositories.datasource_repo import SqlDatasourceRepository
from repositories.job_repo import SqlJobRepository
from repositories.mapping_knowledge_repo import SqlMappingKnowledgeRepository
from repositories.pipeline_repo import SqlPipelineRepository, SqlPipelineRunRepository
from repositories.unit_of_work import SqlAlchemyUnitOfWork
from services.context import ServiceContext
from tests.factories import make_datasource
from tests.fakes import (
    FakeConfigRepository,
    FakeDatasourceRepository,
    FakeJobRepository,
    FakeMappingKnowledgeRepository,
    FakePipelineRepository,
    FakePipelineRunRepository,
    FakeStore,
    FakeUnitOfWork,
    fake_context,
)

# Protocol → (fake, SQLAlchemy implementation)
IMPLEMENTATIONS: dict[type, tuple[type, type]] = {
    protocols.DatasourceRepository: (FakeDatasourceRepository, SqlDatasourceRepository),
    protocols.ConfigRepository: (FakeConfigRepository, SqlConfigRepository),
    protocols.PipelineRepository: (FakePipelineRepository, SqlPipelineRepository),
    protocols.PipelineRunRepository: (FakePipelineRunRepository, SqlPipelineRunRepository),
    protocols.JobRepository: (FakeJobRepository, SqlJobRepository),
    protocols.MappingKnowledgeRepository: (
        FakeMappingKnowledgeRepository,
        SqlMappingKnowledgeRepository,
    ),
    protocols.UnitOfWork: (FakeUnitOfWork, SqlAlchemyUnitOfWork),
}
PROTOCOLS = list(IMPLEMENTATIONS)


def protocol_methods(protocol: type) -> dict[str, typing.Any]:
    """The methods a Protocol declares itself (its dunders included, its attributes not)."""
    return {
        name: member
        for name, member in vars(protocol).items()
        if inspect.isfunction(member)
        and (not name.startswith("_") or name in ("__enter__", "__exit__"))
    }


def parameters(method: typing.Any) -> list[tuple[str, typing.Any, typing.Any]]:
    """Each parameter's name, kind and default (types are compared once resolved)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(method).parameters.values()]


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
def test_each_fake_has_every_protocol_method_with_its_exact_signature(protocol: type) -> None:
    fake = IMPLEMENTATIONS[protocol][0]
    methods = protocol_methods(protocol)
    assert methods, f"{protocol.__name__} declares no methods?"
    for name, declared in methods.items():
        implemented = getattr(fake, name, None)
        assert implemented is not None, f"{fake.__name__} lacks {name}()"
        assert parameters(implemented) == parameters(declared), (
            f"{fake.__name__}.{name}{inspect.signature(implemented)} differs from "
            f"{protocol.__name__}.{name}{inspect.signature(declared)}"
        )
        assert typing.get_type_hints(implemented) == typing.get_type_hints(declared), name


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
def test_each_sql_implementation_has_every_protocol_method(protocol: type) -> None:
    sql = IMPLEMENTATIONS[protocol][1]
    for name, declared in protocol_methods(protocol).items():
        implemented = getattr(sql, name, None)
        assert implemented is not None, f"{sql.__name__} lacks {name}()"
        # Callers pass the id positionally, so only keyword-only names have to agree here.
        keywords = {
            param.name
            for param in inspect.signature(declared).parameters.values()
            if param.kind is inspect.Parameter.KEYWORD_ONLY
        }
        given = set(inspect.signature(implemented).parameters)
        assert keywords <= given, f"{sql.__name__}.{name} lacks {keywords - given}"


def test_the_fake_unit_of_work_offers_a_fake_of_every_repository() -> None:
    declared = typing.get_type_hints(protocols.UnitOfWork)
    offered = typing.get_type_hints(FakeUnitOfWork)
    assert set(declared) <= set(offered)
    for attribute, protocol in declared.items():
        assert offered[attribute] is IMPLEMENTATIONS[protocol][0], attribute


# --- transactions -----------------------------------------------------------------------------


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    """A service context on an empty in-memory store (not the SQLite one of conftest)."""
    return fake_context(tmp_path)


def test_commit_makes_changes_visible_and_leaving_without_it_rolls_back(
    ctx: ServiceContext,
) -> None:
    kept, dropped = make_datasource(name="kept"), make_datasource(name="dropped")
    with ctx.uow() as uow:
        uow.datasources.add(kept)
        uow.commit()
        uow.datasources.add(dropped)
        assert [d.name for d in uow.datasources.list()] == ["dropped", "kept"]
    with ctx.uow() as uow:
        assert uow.datasources.list() == [kept]
        uow.datasources.delete(kept.id)
        uow.rollback()
        assert uow.datasources.get(kept.id) == kept


def test_callers_get_copies_and_cannot_change_what_is_stored(ctx: ServiceContext) -> None:
    datasource = make_datasource(options={"charset": "tis620"})
    with ctx.uow() as uow:
        uow.datasources.add(datasource)
        uow.commit()
        datasource.options["charset"] = "utf8"  # after add: the store kept its own copy
        loaded = uow.datasources.get(datasource.id)
        assert loaded is not None
        loaded.host = "changed without update"
        loaded.options["charset"] = "latin1"
    with ctx.uow() as uow:
        stored = uow.datasources.get_by_name("hosxp")
    assert stored is not None and (stored.host, stored.options) == (
        "127.0.0.1",
        {"charset": "tis620"},
    )


def test_a_taken_name_raises_the_stores_integrity_error_and_changes_nothing(
    ctx: ServiceContext,
) -> None:
    with ctx.uow() as uow:
        uow.datasources.add(make_datasource())
        uow.commit()
    with ctx.uow() as uow, pytest.raises(IntegrityError, match="datasources.name"):
        uow.datasources.add(make_datasource())
    with ctx.uow() as uow:
        other = make_datasource(name="other")
        uow.datasources.add(other)
        other.name = "hosxp"
        with pytest.raises(IntegrityError, match="UNIQUE constraint failed: datasources.name"):
            uow.datasources.update(other)
        assert [d.name for d in uow.datasources.list()] == ["hosxp", "other"]


def test_two_units_of_work_taking_one_name_the_second_commit_fails(ctx: ServiceContext) -> None:
    with ctx.uow() as first, ctx.uow() as second:
        first.pipelines.add(Pipeline(name="nightly"))
        second.pipelines.add(Pipeline(name="nightly", description="the loser"))
        first.commit()
        with pytest.raises(IntegrityError, match="pipelines.name"):
            second.commit()
    with ctx.uow() as uow:
        assert [(p.name, p.description) for p in uow.pipelines.list()] == [("nightly", None)]


def test_a_foreign_key_must_point_at_a_row(ctx: ServiceContext) -> None:
    with ctx.uow() as uow, pytest.raises(IntegrityError, match="FOREIGN KEY"):
        uow.pipelines.add_node(PipelineNode(pipeline_id=Pipeline(name="unsaved").id, name="a"))


def test_the_store_keeps_json_and_utc_as_the_real_one_does(ctx: ServiceContext) -> None:
    job = Job(kind="profile", params={"tables": ("ovst", "opd")}, status="running")  # type: ignore[arg-type]
    with ctx.uow() as uow:
        uow.jobs.add(job)
        uow.commit()
        stored = uow.jobs.get(job.id)
        assert stored is not None
        assert (stored.params, stored.status) == ({"tables": ["ovst", "opd"]}, RunStatus.RUNNING)
        job.started_at = datetime(2024, 1, 1)  # naive: the store refuses it
        with pytest.raises(StatementError, match="naive datetime"):
            uow.jobs.update(job)


def test_a_name_that_looks_like_an_id_wins_over_the_id(ctx: ServiceContext) -> None:
    target = Pipeline(name="target")
    impostor = Pipeline(name=str(target.id))
    with ctx.uow() as uow:
        uow.pipelines.add(target)
        uow.pipelines.add(impostor)
        uow.commit()
        assert uow.pipelines.get_by_name_or_id(str(target.id)) == impostor
        assert uow.pipelines.get_by_name_or_id(target.id) == impostor
        assert uow.pipelines.get_by_name_or_id(str(impostor.id)) == impostor
        assert uow.pipelines.get_by_name_or_id("target") == target
        assert uow.pipelines.get_by_name_or_id("nope") is None


# --- ON DELETE rules (repositories/orm.py) ----------------------------------------------------


def _config(name: str, **fields: typing.Any) -> ConfigRecord:
    return ConfigRecord(name=name, content={"name": name}, **fields)


def test_deleting_a_datasource_and_a_config_sets_their_references_to_null(
    ctx: ServiceContext,
) -> None:
    source = make_datasource()
    config = _config("visits", source_datasource_id=source.id, target_datasource_id=source.id)
    with ctx.uow() as uow:
        uow.datasources.add(source)
        uow.configs.add(config)
        uow.configs.add_version(ConfigVersion("visits", 1, {"v": 1}, config_id=config.id))
        uow.commit()
        uow.datasources.delete(source.id)
        uow.commit()
        kept = uow.configs.get(config.id)
        assert kept is not None
        assert (kept.source_datasource_id, kept.target_datasource_id) == (None, None)
        uow.configs.delete(config.id)
        uow.commit()
        assert [(v.version, v.config_id) for v in uow.configs.list_versions("visits")] == [
            (1, None)
        ]


def _pipeline_with_a_run(ctx: ServiceContext) -> tuple[Pipeline, ConfigRecord, PipelineRun]:
    config, pipeline = _config("patients"), Pipeline(name="nightly")
    a, b = (PipelineNode(pipeline.id, name, config_id=config.id) for name in "ab")
    run = PipelineRun(pipeline_id=pipeline.id, pipeline_name="nightly")
    with ctx.uow() as uow:
        uow.configs.add(config)
        uow.pipelines.add(pipeline)
        uow.pipelines.add_node(a)
        uow.pipelines.add_node(b)
        uow.pipelines.add_edge(PipelineEdge(pipeline.id, a.id, b.id))
        uow.pipeline_runs.add(run)
        uow.jobs.add(Job(kind=JobKind.PIPELINE, pipeline_run_id=run.id))
        uow.commit()
    return pipeline, config, run


def test_a_config_used_by_a_step_cannot_be_deleted(ctx: ServiceContext) -> None:
    _, config, _ = _pipeline_with_a_run(ctx)
    with ctx.uow() as uow:
        with pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"):
            uow.configs.delete(config.id)
        assert uow.configs.get(config.id) == config


def test_deleting_a_pipeline_takes_its_steps_and_edges_and_keeps_its_runs(
    ctx: ServiceContext,
) -> None:
    pipeline, config, run = _pipeline_with_a_run(ctx)
    with ctx.uow() as uow:
        [a, _] = uow.pipelines.list_nodes(pipeline.id)
        uow.pipelines.delete_node(a.id)  # its edge goes with it
        assert uow.pipelines.list_edges(pipeline.id) == []
        uow.pipelines.delete(pipeline.id)
        uow.commit()
    with ctx.uow() as uow:
        assert uow.pipelines.list_nodes(pipeline.id) == []
        kept = uow.pipeline_runs.get(run.id)
        assert kept is not None and (kept.pipeline_id, kept.pipeline_name) == (None, "nightly")
        assert [job.pipeline_run_id for job in uow.jobs.list()] == [run.id]
        uow.configs.delete(config.id)  # no step uses it any more
        uow.commit()
        assert uow.configs.list(include_deleted=True) == []


def test_runs_and_jobs_are_listed_newest_first(ctx: ServiceContext) -> None:
    early, late = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC)
    with ctx.uow() as uow:
        for when in (early, late):
            uow.pipeline_runs.add(PipelineRun(None, "gone", created_at=when))
            uow.jobs.add(Job(kind="profile", created_at=when))
        uow.commit()
        assert [r.created_at for r in uow.pipeline_runs.list()] == [late, early]
        assert [j.created_at for j in uow.jobs.list()] == [late, early]


def test_a_repository_cannot_be_used_after_its_block(tmp_path: Path) -> None:
    store = FakeStore()
    ctx = fake_context(tmp_path, store=store)
    with ctx.uow() as uow:
        repository = uow.datasources
    with pytest.raises(AssertionError, match="outside `with uow:`"):
        repository.add(make_datasource())
    assert store.rows["datasources"] == {}
