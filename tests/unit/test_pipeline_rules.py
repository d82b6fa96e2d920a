"""The pipeline service's rules (definition, checks, lookup, delete) on the in-memory store."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from models.pipeline import PipelineRun
from services import mapping
from services.context import ServiceContext
from services.errors import ConfigNotFound, Conflict, InvalidInput, NotFound
from services.pipelines import (
    StepSpec,
    create_pipeline,
    delete_pipeline,
    get_pipeline,
    list_pipeline_runs,
    list_pipelines,
)
from tests.fakes import FakeStore, RivalFirstUnitOfWork, fake_context

DIAMOND = [
    StepSpec("a", "cfg_a"),
    StepSpec("b", "cfg_b", ["a"], {"error_policy": "quarantine", "batch_size": 250}),
    StepSpec("c", "cfg_c", ["a"]),
    StepSpec("d", "cfg_d", ["b", "c"]),
]


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def ctx(tmp_path: Path, store: FakeStore) -> ServiceContext:
    """A service context with five saved configs, cfg_a to cfg_e, on an in-memory store."""
    context = fake_context(tmp_path, store=store)
    for name in ("cfg_a", "cfg_b", "cfg_c", "cfg_d", "cfg_e"):
        mapping.save_config(
            context,
            {"name": name, "source_table": f"src_{name}", "target_table": f"dst_{name}"},
        )
    return context


def config_id(ctx: ServiceContext, name: str) -> str:
    with ctx.uow() as uow:
        record = uow.configs.get_by_name(name)
    assert record is not None
    return str(record.id)


def test_create_stores_the_steps_their_settings_and_dependencies(ctx: ServiceContext) -> None:
    created = create_pipeline(ctx, "nightly", DIAMOND, description="HOSxP → new HIS")
    view = get_pipeline(ctx, "nightly")
    assert view.pipeline == created.pipeline
    assert view.pipeline.description == "HOSxP → new HIS"
    assert [node.name for node in view.nodes] == ["a", "b", "c", "d"]
    assert view.dependencies == {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}
    assert [[node.name for node in level] for level in view.levels] == [["a"], ["b", "c"], ["d"]]
    assert view.config_names == {"a": "cfg_a", "b": "cfg_b", "c": "cfg_c", "d": "cfg_d"}
    by_name = {node.name: node for node in view.nodes}
    assert by_name["b"].settings == {"error_policy": "quarantine", "batch_size": 250}
    assert by_name["a"].settings == {}
    # Each step starts on a grid: column = level, row = rank within the level.
    assert {n.name: (n.position_x, n.position_y) for n in view.nodes} == {
        "a": (0.0, 0.0),
        "b": (1.0, 0.0),
        "c": (1.0, 1.0),
        "d": (2.0, 0.0),
    }
    assert str(by_name["d"].config_id) == config_id(ctx, "cfg_d")


def test_get_by_name_or_by_id(ctx: ServiceContext) -> None:
    created = create_pipeline(ctx, " nightly ", [StepSpec("only", "cfg_a")])
    assert created.pipeline.name == "nightly"
    for key in ("nightly", str(created.pipeline.id), created.pipeline.id):
        assert get_pipeline(ctx, key).pipeline == created.pipeline
    with pytest.raises(NotFound) as caught:
        get_pipeline(ctx, "weekly")
    assert caught.value.message == "No pipeline called 'weekly'."


def test_a_step_may_name_its_config_by_id(ctx: ServiceContext) -> None:
    cfg_e = config_id(ctx, "cfg_e")
    view = create_pipeline(ctx, "single", [StepSpec("only", f" {cfg_e} ")])
    assert view.config_names == {"only": "cfg_e"}
    assert [str(node.config_id) for node in view.nodes] == [cfg_e]


def test_pipelines_are_listed_by_name(ctx: ServiceContext) -> None:
    create_pipeline(ctx, "weekly", [StepSpec("x", "cfg_e")])
    create_pipeline(ctx, "nightly", DIAMOND)
    listed = list_pipelines(ctx)
    assert [view.pipeline.name for view in listed] == ["nightly", "weekly"]
    assert [len(view.nodes) for view in listed] == [4, 1]


@pytest.mark.parametrize(
    ("steps", "error", "message"),
    [
        (
            [StepSpec("a", "cfg_a"), StepSpec("b", "no_such_config", ["a"])],
            ConfigNotFound,
            "Step 'b': no mapping config called 'no_such_config'.",
        ),
        (
            [
                StepSpec("patients", "cfg_a"),
                StepSpec("visits", "cfg_b", ["patients", "diagnoses"]),
                StepSpec("diagnoses", "cfg_c", ["visits"]),
            ],
            InvalidInput,
            "Pipeline 'nightly' has a cycle: diagnoses → visits → diagnoses.",
        ),
        (
            [
                StepSpec("a", "cfg_a", ["c"]),
                StepSpec("b", "cfg_b", ["a"]),
                StepSpec("c", "cfg_c", ["b"]),
            ],
            InvalidInput,
            "Pipeline 'nightly' has a cycle: a → b → c → a.",
        ),
        ([StepSpec("a", "cfg_a", ["a"])], InvalidInput, "Pipeline 'nightly' has a cycle: a → a."),
        (
            [StepSpec("a", "cfg_a"), StepSpec("b", "cfg_b", ["z"])],
            InvalidInput,
            "Step 'b' depends on 'z', which is not a step of pipeline 'nightly' (steps: a, b).",
        ),
        (
            [StepSpec("a", "cfg_a"), StepSpec("a", "cfg_b")],
            InvalidInput,
            "Pipeline 'nightly' has two steps called 'a'.",
        ),
        (
            [StepSpec("a", "cfg_a", [], {"batch_sise": 10})],
            InvalidInput,
            "Step 'a': unknown setting 'batch_sise' (known: batch_size, error_policy). "
            "Did you mean 'batch_size'?",
        ),
        ([], InvalidInput, "Pipeline 'nightly' has no steps."),
    ],
    ids=[
        "unknown-config",
        "cycle",
        "long-cycle",
        "self-loop",
        "unknown-dependency",
        "duplicate-step",
        "unknown-setting",
        "no-steps",
    ],
)
def test_a_bad_pipeline_is_refused_with_its_reason_and_nothing_is_saved(
    ctx: ServiceContext, store: FakeStore, steps: list[StepSpec], error: type, message: str
) -> None:
    with pytest.raises(error) as caught:
        create_pipeline(ctx, "nightly", steps)
    assert caught.value.message == message
    assert list_pipelines(ctx) == []
    assert store.rows["pipeline_nodes"] == store.rows["pipeline_edges"] == {}


def test_a_deleted_config_cannot_be_a_step(ctx: ServiceContext) -> None:
    mapping.delete_config(ctx, "cfg_a")
    with pytest.raises(ConfigNotFound) as caught:
        create_pipeline(ctx, "nightly", [StepSpec("a", "cfg_a")])
    assert caught.value.message == "Step 'a': mapping config 'cfg_a' was deleted."


def test_a_taken_name_is_a_conflict_and_the_first_pipeline_stays(ctx: ServiceContext) -> None:
    create_pipeline(ctx, "nightly", DIAMOND)
    with pytest.raises(Conflict) as caught:
        create_pipeline(ctx, "nightly", [StepSpec("x", "cfg_e")])
    assert caught.value.message == "A pipeline called 'nightly' already exists."
    assert [node.name for node in get_pipeline(ctx, "nightly").nodes] == ["a", "b", "c", "d"]


def test_two_creations_at_once_the_second_is_told(ctx: ServiceContext, store: FakeStore) -> None:
    rival = lambda: create_pipeline(ctx, "nightly", [StepSpec("rival", "cfg_e")])  # noqa: E731
    racing = dataclasses.replace(ctx, uow_factory=lambda: RivalFirstUnitOfWork(store, rival))
    with pytest.raises(Conflict) as caught:
        create_pipeline(racing, "nightly", DIAMOND)
    assert caught.value.message == "A pipeline called 'nightly' was just created by someone else."
    assert [node.name for node in get_pipeline(ctx, "nightly").nodes] == ["rival"]


def test_delete_removes_the_steps_and_keeps_the_runs(ctx: ServiceContext, store: FakeStore) -> None:
    created = create_pipeline(ctx, "nightly", DIAMOND)
    create_pipeline(ctx, "weekly", [StepSpec("x", "cfg_e")])
    run = PipelineRun(pipeline_id=created.pipeline.id, pipeline_name="nightly")
    with ctx.uow() as uow:
        uow.pipeline_runs.add(run)
        uow.commit()

    delete_pipeline(ctx, str(created.pipeline.id))
    assert [view.pipeline.name for view in list_pipelines(ctx)] == ["weekly"]
    with pytest.raises(NotFound, match="No pipeline called 'nightly'."):
        get_pipeline(ctx, "nightly")
    with pytest.raises(NotFound, match="No pipeline called 'nightly'."):
        delete_pipeline(ctx, "nightly")
    remaining = {node.name for node in store.rows["pipeline_nodes"].values()}
    assert remaining == {"x"} and len(store.rows["pipeline_edges"]) == 0
    # The run is the audit trail: still found by the pipeline's name, no longer by its id.
    [kept] = list_pipeline_runs(ctx, "nightly")
    assert (kept.id, kept.pipeline_id, kept.pipeline_name) == (run.id, None, "nightly")
    # Its configs are free again: nothing refers to cfg_a any more.
    with ctx.uow() as uow:
        uow.configs.delete(uow.configs.get_by_name("cfg_a").id)  # type: ignore[union-attr]
        uow.commit()
