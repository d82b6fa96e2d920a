"""The mapping action routes in-process on the real servers: POST /mapping/suggest and
/mapping/coverage answer JSON:API documents, refuse bad bodies and keyless requests, and
never send a sample's citizen ID or HN."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from api.base.documents import MEDIA_TYPE
from api.main import create_app
from services import mapping
from services.context import ServiceContext
from services.mapping.suggest import suggest_mapping
from tests.factories import AUTHORIZATION, keyed_ctx
from tests.integration.mapping_fixtures import (
    EXPECTED_TARGETS,
    PATIENTS,
    dashed,
    register_hosxp_and_hdc,
    targets_of,
)
from tests.integration.migration_fixtures import fetch

SUGGEST, COVERAGE = "/api/v1/mapping/suggest", "/api/v1/mapping/coverage"
PAIR = {"source": "hosxp.patient", "target": "hdc.person"}


@pytest.fixture
def client(ctx: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(keyed_ctx(ctx)), headers=AUTHORIZATION) as test_client:
        yield test_client


@pytest.fixture
def servers(ctx: ServiceContext, mysql_database: URL, pg_database: URL) -> dict[str, URL]:
    register_hosxp_and_hdc(ctx, mysql_database, pg_database)
    return {"source": mysql_database, "target": pg_database}


def document(type_: str, **attributes: Any) -> dict[str, Any]:
    return {"data": {"type": type_, "attributes": attributes}}


def only_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    [error] = response.json()["errors"]
    assert error["status"] == str(status)
    assert "\n" not in error["detail"]
    return error


def test_suggest_answers_the_services_suggestions_as_a_document(
    client: TestClient, ctx: ServiceContext, servers: dict[str, URL]
) -> None:
    response = client.post(SUGGEST, json=document("mapping-suggestions", **PAIR))
    service = suggest_mapping(ctx, **PAIR, remember=False)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    data = response.json()["data"]
    assert data["type"] == "mapping-suggestions"
    attributes = data["attributes"]
    assert (attributes["source_table"], attributes["target_table"]) == ("patient", "person")
    assert attributes["semantic"] is True
    suggestions = attributes["suggestions"]
    for suggestion in suggestions:
        assert set(suggestion) >= {
            "source_column", "target_column", "confidence", "reasons", "transformers",
        }  # fmt: skip
        assert all(set(step) == {"name", "params", "reason"} for step in suggestion["transformers"])
    targets = {s["source_column"]: s["target_column"] for s in suggestions}
    assert targets == targets_of(service.suggestions)
    assert {column: targets[column] for column in EXPECTED_TARGETS} == EXPECTED_TARGETS


@pytest.mark.parametrize(
    "existing",
    [
        30,
        2,
    ],
    ids=["thirty-target-rows", "two-target-rows"],
)
def test_suggestions_never_carry_a_sample_citizen_id_or_hn(
    client: TestClient, ctx: ServiceContext, mysql_database: URL, pg_database: URL, existing: int
) -> None:
    register_hosxp_and_hdc(ctx, mysql_database, pg_database, existing=existing)

    response = client.post(SUGGEST, json=document("mapping-suggestions", **PAIR, semantic=False))

    assert response.status_code == 200, response.text
    body = response.text
    assert re.search(r"\d{13}|\d-\d{4}-\d{5}-\d{2}-\d", body) is None
    for hn, cid, *_ in PATIENTS:
        assert cid not in body and dashed(cid) not in body
        assert f"{hn:09d}" not in body
        if hn >= 1000:  # shorter numbers occur in any count
            assert f'"{hn}' not in body and f" {hn}," not in body


def test_coverage_answers_the_counts_of_the_source(
    client: TestClient, ctx: ServiceContext, servers: dict[str, URL]
) -> None:
    mapping.save_config(
        ctx,
        {
            "name": "sexes", "source": "hosxp", "source_table": "patient", "target": "hdc",
            "target_table": "person", "source_key": ["hn"], "key_columns": ["HN"],
            "mappings": [{"source": "sex", "target": "SEX", "transformers": [
                {"name": "VALUE_MAP", "params": {"mapping": {"M": "1"}}}]}],
        },
    )  # fmt: skip
    counts = dict(fetch(servers["source"], "SELECT sex, COUNT(*) FROM patient GROUP BY sex"))

    response = client.post(
        COVERAGE, json=document("value-map-coverage", config_id="sexes", column="SEX")
    )

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["type"] == "value-map-coverage"
    attributes = data["attributes"]
    assert (attributes["rows"], attributes["covered_rows"]) == (sum(counts.values()), counts["M"])
    assert attributes["unmapped"] == [{"value": "F", "count": counts["F"]}]
    assert (attributes["null_rows"], attributes["basis"]) == (0, "group_by")
    missing = client.post(
        COVERAGE, json=document("value-map-coverage", config_id="sexs", column="SEX")
    )
    assert only_error(missing, 404)["detail"] == "No mapping config called 'sexs'."


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (document("mapping-suggestions", source="hosxp.patient"), "/data/attributes/target"),
        (document("configs", **PAIR), "/data/type"),
        (document("mapping-suggestions", **PAIR, sample=True), "/data/attributes/sample"),
        (document("value-map-coverage", config_id="x"), "/data/attributes/column"),
    ],
    ids=["missing-target", "wrong-type", "unknown-attribute", "missing-column"],
)
def test_a_malformed_body_is_a_422_naming_the_member(
    client: TestClient, body: dict[str, Any], pointer: str
) -> None:
    route = COVERAGE if body["data"]["type"] == "value-map-coverage" else SUGGEST
    error = only_error(client.post(route, json=body), 422)
    assert error["source"]["pointer"] == pointer


def test_an_unknown_table_or_datasource_is_one_line(
    client: TestClient, servers: dict[str, URL]
) -> None:
    table = client.post(
        SUGGEST, json=document("mapping-suggestions", source="hosxp.patinet", target="hdc.person")
    )
    datasource = client.post(
        SUGGEST, json=document("mapping-suggestions", source="hosxq.patient", target="hdc.person")
    )

    error = only_error(table, 422)
    assert error["detail"] == "Datasource 'hosxp' has no table 'patinet'; did you mean 'patient'?"
    assert error["source"]["pointer"] == "/data/attributes/source"
    assert datasource.status_code in (404, 422)
    assert only_error(datasource, datasource.status_code)["detail"].startswith(
        "No datasource called 'hosxq'"
    )


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong-key"}], ids=["no-key", "wrong-key"]
)
def test_requests_without_the_api_key_are_refused(
    ctx: ServiceContext, servers: dict[str, URL], headers: dict[str, str]
) -> None:
    with TestClient(create_app(keyed_ctx(ctx)), headers=headers) as anonymous:
        suggest = anonymous.post(SUGGEST, json=document("mapping-suggestions", **PAIR))
        coverage = anonymous.post(
            COVERAGE, json=document("value-map-coverage", config_id="x", column="y")
        )
        listed = anonymous.get("/api/v1/configs")

    assert suggest.status_code == coverage.status_code == listed.status_code == 401
    assert suggest.json() == listed.json()
