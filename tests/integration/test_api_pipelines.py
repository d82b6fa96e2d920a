"""The pipelines routes in-process: define a pipeline over saved configs through HTTP, read it
back as a compound document (nodes, edges, configs), and the errors a definition can meet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from services.context import ServiceContext
from tests.factories import AUTHORIZATION, keyed_ctx
from tests.integration.migration_fixtures import mapping, register, save

PIPELINES = "/api/v1/pipelines"


@pytest.fixture
def client(ctx: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(keyed_ctx(ctx)), headers=AUTHORIZATION) as test_client:
        yield test_client


@pytest.fixture
def configs(ctx: ServiceContext, tmp_path: Path) -> dict[str, str]:
    """Three saved configs (offline: the pipeline's shape is what is tested); name → table."""
    source = register(ctx, "old", tmp_path / "old.sqlite")
    target = register(ctx, "new", tmp_path / "new.sqlite")
    tables = {"cfg_patients": "patient", "cfg_visits": "ovst", "cfg_labs": "lab"}
    for name, table in tables.items():
        save(ctx, source, target, name=name, source_table=table, target_table=f"new_{table}",
             mappings=mapping("id"), check_live=False)  # fmt: skip
    return tables


def pipeline(name: str, *steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    attributes = {"name": name, "steps": list(steps), **extra}
    return {"data": {"type": "pipelines", "attributes": attributes}}


def step(name: str, config: str, *depends_on: str, **settings: Any) -> dict[str, Any]:
    return {"name": name, "config": config, "depends_on": list(depends_on), "settings": settings}


def three_steps(name: str = "nightly") -> dict[str, Any]:
    """Patients, then visits, then labs (which waits for both)."""
    return pipeline(
        name,
        step("patients", "cfg_patients"),
        step("visits", "cfg_visits", "patients", error_policy="quarantine", batch_size=500),
        step("labs", "cfg_labs", "patients", "visits"),
        description="HOSxP to the new HIS",
    )


NIGHTLY = three_steps()


def only_error(response: Any) -> dict[str, Any]:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]


def test_a_created_pipeline_reads_back_with_its_nodes_edges_and_configs(
    client: TestClient, configs: dict[str, str]
) -> None:
    created = client.post(PIPELINES, json=NIGHTLY)
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert created.headers["location"].endswith(f"{PIPELINES}/{data['id']}")
    assert data["attributes"]["name"] == "nightly"
    assert data["attributes"]["step_count"] == 3
    assert "included" not in created.json()

    document = client.get(f"{PIPELINES}/nightly", params={"include": "nodes,edges,configs"})
    assert document.status_code == 200, document.text
    body = document.json()
    assert body["data"]["id"] == data["id"]
    included = body["included"]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for item in included:
        by_type.setdefault(item["type"], []).append(item)
    assert set(by_type) == {"pipeline-nodes", "pipeline-edges", "configs"}

    nodes = {node["attributes"]["name"]: node for node in by_type["pipeline-nodes"]}
    assert {name: n["attributes"]["depends_on"] for name, n in nodes.items()} == {
        "patients": [],
        "visits": ["patients"],
        "labs": ["patients", "visits"],
    }
    assert {name: n["attributes"]["level"] for name, n in nodes.items()} == {
        "patients": 0,
        "visits": 1,
        "labs": 2,
    }
    assert nodes["visits"]["attributes"]["config_name"] == "cfg_visits"
    assert nodes["visits"]["attributes"]["settings"] == {
        "error_policy": "quarantine",
        "batch_size": 500,
    }
    node_ids = {node["id"]: name for name, node in nodes.items()}
    edges = {
        (e["attributes"]["source"], e["attributes"]["target"]) for e in by_type["pipeline-edges"]
    }
    assert edges == {("patients", "visits"), ("patients", "labs"), ("visits", "labs")}
    for edge in by_type["pipeline-edges"]:
        assert node_ids[edge["attributes"]["source_node_id"]] == edge["attributes"]["source"]

    found_configs = {c["attributes"]["name"]: c["attributes"] for c in by_type["configs"]}
    assert found_configs == {
        name: {"name": name, "version": 1, "source_table": table, "target_table": f"new_{table}"}
        for name, table in configs.items()
    }
    # The relationships name exactly the included resources.
    relationships = body["data"]["relationships"]
    for name, kind in (("nodes", "pipeline-nodes"), ("edges", "pipeline-edges")):
        assert sorted(r["id"] for r in relationships[name]["data"]) == sorted(
            item["id"] for item in by_type[kind]
        )
        assert {r["type"] for r in relationships[name]["data"]} == {kind}
    assert sorted(r["id"] for r in relationships["configs"]["data"]) == sorted(
        c["id"] for c in by_type["configs"]
    )


def test_without_include_the_document_has_relationships_and_no_included(
    client: TestClient, configs: dict[str, str]
) -> None:
    assert client.post(PIPELINES, json=NIGHTLY).status_code == 201
    only_nodes = client.get(f"{PIPELINES}/nightly", params={"include": "nodes"}).json()
    plain = client.get(f"{PIPELINES}/nightly").json()

    assert "included" not in plain
    assert len(plain["data"]["relationships"]["nodes"]["data"]) == 3
    assert {item["type"] for item in only_nodes["included"]} == {"pipeline-nodes"}


def test_an_unknown_include_is_a_400_naming_the_parameter(
    client: TestClient, configs: dict[str, str]
) -> None:
    assert client.post(PIPELINES, json=NIGHTLY).status_code == 201
    response = client.get(f"{PIPELINES}/nightly", params={"include": "nodes,secrets"})

    assert response.status_code == 400
    error = only_error(response)
    assert error["source"] == {"parameter": "include"}
    assert "secrets" in error["detail"]


def test_a_cycle_is_a_422_naming_it_and_pointing_at_a_step(
    client: TestClient, configs: dict[str, str]
) -> None:
    loop = pipeline(
        "loop",
        step("a", "cfg_patients"),
        step("b", "cfg_visits", "a", "c"),
        step("c", "cfg_labs", "b"),
    )
    response = client.post(PIPELINES, json=loop)

    assert response.status_code == 422
    error = only_error(response)
    assert "cycle" in error["detail"]
    assert "b → c → b" in error["detail"] or "c → b → c" in error["detail"]
    assert error["source"]["pointer"] in {
        "/data/attributes/steps/1/depends_on",
        "/data/attributes/steps/2/depends_on",
    }
    assert client.get(f"{PIPELINES}/loop").status_code == 404  # nothing was saved


def test_an_unknown_setting_points_at_the_steps_settings(
    client: TestClient, configs: dict[str, str]
) -> None:
    wrong = pipeline("wrong", step("a", "cfg_patients"), step("b", "cfg_visits", batchsize=10))
    error = only_error(client.post(PIPELINES, json=wrong))

    assert error["status"] == "422"
    assert error["source"] == {"pointer": "/data/attributes/steps/1/settings/batchsize"}
    assert "batch_size" in error["detail"]  # the suggestion


def test_a_duplicate_name_is_a_409_and_an_unknown_config_a_404(
    client: TestClient, configs: dict[str, str]
) -> None:
    assert client.post(PIPELINES, json=NIGHTLY).status_code == 201
    again = client.post(PIPELINES, json=NIGHTLY)
    no_config = client.post(PIPELINES, json=pipeline("other", step("a", "cfg_nothing")))

    assert again.status_code == 409
    assert "nightly" in only_error(again)["detail"]
    assert no_config.status_code == 404
    assert "cfg_nothing" in only_error(no_config)["detail"]


def test_the_list_is_sorted_by_name_and_a_deleted_pipeline_is_gone(
    client: TestClient, configs: dict[str, str]
) -> None:
    for name in ("weekly", "nightly"):
        created = client.post(PIPELINES, json=three_steps(name))
        assert created.status_code == 201, created.text
    listed = client.get(PIPELINES).json()
    assert [item["attributes"]["name"] for item in listed["data"]] == ["nightly", "weekly"]
    assert listed["meta"]["total"] == 2

    weekly_id = listed["data"][1]["id"]
    deleted = client.delete(f"{PIPELINES}/{weekly_id}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get(f"{PIPELINES}/weekly").status_code == 404
    assert client.delete(f"{PIPELINES}/weekly").status_code == 404
    assert [item["attributes"]["name"] for item in client.get(PIPELINES).json()["data"]] == [
        "nightly"
    ]
