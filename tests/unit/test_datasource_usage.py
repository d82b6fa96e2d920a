"""What uses a datasource, and removing one that is used, on the in-memory store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services import datasources as ds
from services import mapping, pipelines
from services.context import ServiceContext
from services.errors import Conflict, DatasourceNotFound
from services.pipelines.definition import StepSpec
from tests.fakes import FakeStore, fake_context

PG = {"db_type": "postgresql", "host": "10.0.0.7", "port": 5432, "database": "newhis"}


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def ctx(tmp_path: Path, store: FakeStore) -> ServiceContext:
    return fake_context(tmp_path, store=store)


def save(ctx: ServiceContext, name: str, *, source: Any = None, target: Any = None) -> None:
    mapping.save_config(
        ctx,
        {
            "name": name,
            "source_table": name,
            "target_table": name,
            "mappings": [{"source": "id", "target": "id"}],
            "source_datasource_id": str(source.id) if source else None,
            "target_datasource_id": str(target.id) if target else None,
        },
        check_live=False,  # the datasources point at no server: only their use is tested
    )


@pytest.fixture
def used(ctx: ServiceContext) -> dict[str, Any]:
    """src feeds ovst and patient, dst receives both; lab is on its own; nightly runs two."""
    src = ds.create_datasource(ctx, name="src", **PG)
    dst = ds.create_datasource(ctx, name="dst", **PG)
    lab = ds.create_datasource(ctx, name="lab", **PG)
    save(ctx, "patient", source=src, target=dst)
    save(ctx, "ovst", source=src, target=dst)
    save(ctx, "lab_result", source=lab)
    pipelines.create_pipeline(
        ctx, "nightly", [StepSpec("patients", "patient"), StepSpec("visits", "ovst", ["patients"])]
    )
    pipelines.create_pipeline(ctx, "labs", [StepSpec("results", "lab_result")])
    return {"src": src, "dst": dst, "lab": lab}


def test_usage_names_the_configs_either_side_and_their_pipelines(
    ctx: ServiceContext, used: dict[str, Any]
) -> None:
    assert ds.datasource_usage(ctx, "src") == ds.Usage(["ovst", "patient"], ["nightly"])
    assert ds.datasource_usage(ctx, used["dst"].id) == ds.Usage(["ovst", "patient"], ["nightly"])
    assert ds.datasource_usage(ctx, "lab") == ds.Usage(["lab_result"], ["labs"])
    unused = ds.create_datasource(ctx, name="spare", **PG)
    assert not ds.datasource_usage(ctx, unused.id)
    with pytest.raises(DatasourceNotFound):
        ds.datasource_usage(ctx, "nope")


def test_a_deleted_config_does_not_count(ctx: ServiceContext, used: dict[str, Any]) -> None:
    pipelines.delete_pipeline(ctx, "labs")
    mapping.delete_config(ctx, "lab_result")
    assert ds.datasource_usage(ctx, "lab") == ds.Usage([], [])
    ds.delete_datasource(ctx, "lab")  # nothing live uses it: no force needed
    assert [d.name for d in ds.list_datasources(ctx)] == ["dst", "src"]


def test_a_pipeline_counts_through_any_of_its_steps(
    ctx: ServiceContext, used: dict[str, Any]
) -> None:
    pipelines.create_pipeline(ctx, "mixed", [StepSpec("a", "lab_result"), StepSpec("b", "ovst")])
    assert ds.datasource_usage(ctx, "src").pipelines == ["mixed", "nightly"]
    assert ds.datasource_usage(ctx, "lab").pipelines == ["labs", "mixed"]


def test_removing_a_used_datasource_is_refused_naming_what_uses_it(
    ctx: ServiceContext, used: dict[str, Any]
) -> None:
    with pytest.raises(Conflict) as caught:
        ds.delete_datasource(ctx, "src")
    assert caught.value.message == (
        "Datasource 'src' is used by configs ovst, patient and pipeline nightly; "
        "remove them first or use --force."
    )
    pipelines.delete_pipeline(ctx, "labs")
    with pytest.raises(Conflict) as caught:
        ds.delete_datasource(ctx, "lab")
    assert caught.value.message == (
        "Datasource 'lab' is used by config lab_result; remove them first or use --force."
    )
    assert [d.name for d in ds.list_datasources(ctx)] == ["dst", "lab", "src"]


def test_force_removes_it_and_the_configs_keep_its_id_in_their_json(
    ctx: ServiceContext, used: dict[str, Any]
) -> None:
    ds.delete_datasource(ctx, "src", force=True)
    assert [d.name for d in ds.list_datasources(ctx)] == ["dst", "lab"]
    records = {record.name: record for record in mapping.list_configs(ctx)}
    assert records["patient"].source_datasource_id is None  # ON DELETE SET NULL
    assert records["patient"].content["source_datasource_id"] == str(used["src"].id)
    assert records["patient"].target_datasource_id == used["dst"].id


def test_a_rename_keeps_the_id_and_the_configs_that_use_it(
    ctx: ServiceContext, used: dict[str, Any]
) -> None:
    renamed = ds.update_datasource(ctx, "src", name="hosxp")
    assert renamed.id == used["src"].id
    assert ds.get_datasource(ctx, "hosxp").id == used["src"].id
    with pytest.raises(DatasourceNotFound):
        ds.get_datasource(ctx, "src")
    assert mapping.load_config(ctx, "patient").source_datasource_id == used["src"].id
    assert ds.datasource_usage(ctx, "hosxp") == ds.Usage(["ovst", "patient"], ["nightly"])
