"""Repositories and the unit of work, on SQLite and on a real PostgreSQL store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from models.config_record import ConfigRecord, ConfigVersion
from models.job import Job, JobKind
from models.pipeline import Pipeline, PipelineEdge, PipelineNode, PipelineRun
from models.status import RunStatus
from repositories.database import HEAD_REVISION, current_revision, head_revision
from repositories.orm import Base
from services.context import ServiceContext
from tests.factories import make_datasource


def test_migrations_reach_head_and_match_the_models(store_ctx: ServiceContext) -> None:
    # HEAD_REVISION lets a start skip Alembic when the store is current: it must be the head.
    assert current_revision(store_ctx.store_engine) == head_revision() == HEAD_REVISION == "0003"
    with store_ctx.store_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_datasource_round_trip(store_ctx: ServiceContext) -> None:
    created = make_datasource(options={"charset": "tis620"}, password_encrypted="token")
    with store_ctx.uow() as uow:
        uow.datasources.add(created)
        uow.commit()
    with store_ctx.uow() as uow:
        loaded = uow.datasources.get(created.id)
        by_name = uow.datasources.get_by_name("hosxp")
    assert loaded == created
    assert by_name == created
    assert loaded is not None and loaded.created_at.tzinfo is not None
    assert loaded.created_at == created.created_at


def test_leaving_without_commit_rolls_back(store_ctx: ServiceContext) -> None:
    with store_ctx.uow() as uow:
        uow.datasources.add(make_datasource(name="never-saved"))
    with store_ctx.uow() as uow:
        assert uow.datasources.list() == []


def test_update_and_delete(store_ctx: ServiceContext) -> None:
    datasource = make_datasource()
    with store_ctx.uow() as uow:
        uow.datasources.add(datasource)
        uow.commit()
    datasource.host = "10.0.0.5"
    with store_ctx.uow() as uow:
        uow.datasources.update(datasource)
        uow.commit()
    with store_ctx.uow() as uow:
        assert uow.datasources.get(datasource.id).host == "10.0.0.5"
        uow.datasources.delete(datasource.id)
        uow.commit()
    with store_ctx.uow() as uow:
        assert uow.datasources.get(datasource.id) is None


def test_duplicate_datasource_name_is_refused_by_the_store(store_ctx: ServiceContext) -> None:
    with store_ctx.uow() as uow:
        uow.datasources.add(make_datasource())
        uow.commit()
    with store_ctx.uow() as uow, pytest.raises(IntegrityError):
        uow.datasources.add(make_datasource())


def _config(name: str, **fields: object) -> ConfigRecord:
    return ConfigRecord(name=name, content={"name": name, "mappings": []}, **fields)


def test_config_history_outlives_the_config(store_ctx: ServiceContext) -> None:
    source = make_datasource()
    config = _config("ovst_to_visit", source_datasource_id=source.id, source_table="ovst")
    with store_ctx.uow() as uow:
        uow.datasources.add(source)
        uow.configs.add(config)
        for number in (1, 2):
            uow.configs.add_version(
                ConfigVersion(
                    config_name=config.name,
                    version=number,
                    snapshot={"version": number},
                    config_id=config.id,
                )
            )
        uow.commit()
    with store_ctx.uow() as uow:
        uow.datasources.delete(source.id)  # ON DELETE SET NULL on the config
        uow.configs.delete(config.id)  # ON DELETE SET NULL on its history
        uow.commit()
    with store_ctx.uow() as uow:
        versions = uow.configs.list_versions("ovst_to_visit")
        assert uow.configs.get(config.id) is None
    assert [(v.version, v.snapshot, v.config_id) for v in versions] == [
        (1, {"version": 1}, None),
        (2, {"version": 2}, None),
    ]


def test_deleted_source_datasource_leaves_the_config_without_it(store_ctx: ServiceContext) -> None:
    source = make_datasource()
    config = _config("c1", source_datasource_id=source.id)
    with store_ctx.uow() as uow:
        uow.datasources.add(source)
        uow.configs.add(config)
        uow.commit()
    with store_ctx.uow() as uow:
        uow.datasources.delete(source.id)
        uow.commit()
    with store_ctx.uow() as uow:
        assert uow.configs.get(config.id).source_datasource_id is None


def test_soft_deleted_config_is_hidden_unless_asked_for(store_ctx: ServiceContext) -> None:
    config = _config("old")
    with store_ctx.uow() as uow:
        uow.configs.add(config)
        uow.configs.add(_config("current"))
        config.deleted_at = datetime.now(UTC)
        uow.configs.update(config)
        uow.commit()
    with store_ctx.uow() as uow:
        assert [c.name for c in uow.configs.list()] == ["current"]
        assert [c.name for c in uow.configs.list(include_deleted=True)] == ["current", "old"]
        assert uow.configs.get_by_name("old") is None
        assert uow.configs.get_by_name("old", include_deleted=True).deleted_at is not None


def test_duplicate_config_version_is_refused(store_ctx: ServiceContext) -> None:
    with store_ctx.uow() as uow:
        uow.configs.add_version(ConfigVersion(config_name="c", version=1, snapshot={}))
        uow.commit()
    with store_ctx.uow() as uow, pytest.raises(IntegrityError):
        uow.configs.add_version(ConfigVersion(config_name="c", version=1, snapshot={}))


def _diamond(store_ctx: ServiceContext) -> tuple[Pipeline, list[PipelineNode], ConfigRecord]:
    config = _config("patients")
    pipeline = Pipeline(name="hosxp-to-new", description="nightly")
    nodes = [
        PipelineNode(pipeline_id=pipeline.id, name=name, config_id=config.id)
        for name in ("a", "b", "c", "d")
    ]
    with store_ctx.uow() as uow:
        uow.configs.add(config)
        uow.pipelines.add(pipeline)
        for node in nodes:
            uow.pipelines.add_node(node)
        for source, target in ((0, 1), (0, 2), (1, 3), (2, 3)):
            uow.pipelines.add_edge(PipelineEdge(pipeline.id, nodes[source].id, nodes[target].id))
        uow.commit()
    return pipeline, nodes, config


def test_pipeline_graph_round_trip(store_ctx: ServiceContext) -> None:
    pipeline, nodes, _ = _diamond(store_ctx)
    with store_ctx.uow() as uow:
        assert uow.pipelines.get_by_name("hosxp-to-new") == pipeline
        assert uow.pipelines.list_nodes(pipeline.id) == nodes
        edges = {
            (e.source_node_id, e.target_node_id) for e in uow.pipelines.list_edges(pipeline.id)
        }
    names = {node.id: node.name for node in nodes}
    assert {(names[s], names[t]) for s, t in edges} == {
        ("a", "b"),
        ("a", "c"),
        ("b", "d"),
        ("c", "d"),
    }


def test_deleting_a_node_removes_its_edges(store_ctx: ServiceContext) -> None:
    pipeline, nodes, _ = _diamond(store_ctx)
    with store_ctx.uow() as uow:
        uow.pipelines.delete_node(nodes[0].id)
        uow.commit()
    with store_ctx.uow() as uow:
        assert len(uow.pipelines.list_edges(pipeline.id)) == 2


def test_config_used_by_a_step_cannot_be_purged(store_ctx: ServiceContext) -> None:
    _, _, config = _diamond(store_ctx)
    with store_ctx.uow() as uow, pytest.raises(IntegrityError):
        uow.configs.delete(config.id)


def test_deleting_a_pipeline_keeps_its_runs_and_jobs(store_ctx: ServiceContext) -> None:
    pipeline, _, _ = _diamond(store_ctx)
    run = PipelineRun(pipeline_id=pipeline.id, pipeline_name=pipeline.name)
    job = Job(
        kind=JobKind.PIPELINE, params={"pipeline_id": str(pipeline.id)}, pipeline_run_id=run.id
    )
    with store_ctx.uow() as uow:
        uow.pipeline_runs.add(run)
        uow.jobs.add(job)
        uow.commit()
    with store_ctx.uow() as uow:
        uow.pipelines.delete(pipeline.id)
        uow.commit()
    with store_ctx.uow() as uow:
        assert uow.pipelines.list_nodes(pipeline.id) == []
        assert uow.pipelines.list_edges(pipeline.id) == []
        kept = uow.pipeline_runs.get(run.id)
        assert kept.pipeline_id is None and kept.pipeline_name == "hosxp-to-new"
        assert uow.jobs.get(job.id).pipeline_run_id == run.id


def test_job_status_and_progress_update(store_ctx: ServiceContext) -> None:
    job = Job(kind=JobKind.PROFILE, params={"datasource_id": "hosxp"})
    with store_ctx.uow() as uow:
        uow.jobs.add(job)
        uow.commit()
    job.status, job.progress, job.started_at = RunStatus.RUNNING, 0.25, datetime.now(UTC)
    with store_ctx.uow() as uow:
        uow.jobs.update(job)
        uow.commit()
    with store_ctx.uow() as uow:
        loaded = uow.jobs.get(job.id)
        listed = uow.jobs.list()
    assert loaded.status is RunStatus.RUNNING
    assert loaded.progress == 0.25
    assert loaded.started_at == job.started_at
    assert listed == [loaded]


def test_runs_are_listed_newest_first_and_by_pipeline(store_ctx: ServiceContext) -> None:
    pipeline, _, _ = _diamond(store_ctx)
    first = PipelineRun(pipeline_id=pipeline.id, pipeline_name=pipeline.name)
    second = PipelineRun(pipeline_id=pipeline.id, pipeline_name=pipeline.name)
    other = PipelineRun(pipeline_id=None, pipeline_name="gone")
    with store_ctx.uow() as uow:
        for run in (first, second, other):
            uow.pipeline_runs.add(run)
        uow.commit()
    with store_ctx.uow() as uow:
        assert [r.id for r in uow.pipeline_runs.list(pipeline_id=pipeline.id)] == [
            second.id,
            first.id,
        ]
        assert len(uow.pipeline_runs.list()) == 3
