"""The plugin routes list what the registries hold: transformers, validators, dialects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from data_transformers.registry import transformers
from dialects.registry import dialects
from services.context import ServiceContext
from tests.factories import AUTHORIZATION, keyed_ctx
from validators.registry import validators


@pytest.fixture
def client(ctx: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(keyed_ctx(ctx)), headers=AUTHORIZATION) as test_client:
        yield test_client


def every_page(client: TestClient, path: str) -> list[dict[str, Any]]:
    response = client.get(path, params={"page[size]": 200})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_transformers_are_the_registered_ones_with_schema_and_examples(
    client: TestClient,
) -> None:
    listed = every_page(client, "/api/v1/plugins/transformers")

    assert [item["id"] for item in listed] == [plugin.name for plugin in transformers]
    trim = next(item for item in listed if item["id"] == "TRIM")
    assert trim["type"] == "transformers"
    assert trim["attributes"]["family"] == "text"
    assert trim["attributes"]["parameters"]["properties"]["on_error"]["enum"] == ["null", "keep"]
    assert trim["attributes"]["examples"][0] == {
        "input": [" HN001 ", "a\t", None, ""],
        "params": {},
        "output": ["HN001", "a", None, ""],
    }


def test_transformer_examples_hold_dates_as_iso_text(client: TestClient) -> None:
    response = client.get("/api/v1/plugins/transformers/buddhist_to_iso")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == "BUDDHIST_TO_ISO"
    outputs = [value for example in data["attributes"]["examples"] for value in example["output"]]
    assert any(isinstance(value, str) and value[:2] in ("19", "20") for value in outputs)


def test_transformers_filter_by_family(client: TestClient) -> None:
    response = client.get("/api/v1/plugins/transformers", params={"filter[family]": "text"})

    families = {item["attributes"]["family"] for item in response.json()["data"]}
    assert families == {"text"}


def test_validators_are_the_registered_ones(client: TestClient) -> None:
    listed = every_page(client, "/api/v1/plugins/validators")

    assert [item["id"] for item in listed] == validators.names()
    not_null = client.get("/api/v1/plugins/validators/not_null").json()["data"]
    assert not_null["type"] == "validators"
    assert not_null["attributes"]["description"] == validators.get("not_null").description
    assert "failing_positions" in not_null["attributes"]["examples"][0]


def test_dialects_show_port_and_capability_flags(client: TestClient) -> None:
    listed = every_page(client, "/api/v1/dialects")

    assert [item["id"] for item in listed] == dialects.names()
    by_name = {item["id"]: item["attributes"] for item in listed}
    assert by_name["postgresql"]["default_port"] == 5432
    assert by_name["mysql"]["capabilities"]["schema_is_database"] is True
    assert by_name["sqlite"]["default_port"] is None
    assert by_name["sqlite"]["capabilities"]["needs_server"] is False
    assert by_name["mysql"]["display_name"] == "MariaDB / MySQL"


@pytest.mark.parametrize(
    ("path", "suggestion"),
    [
        ("/api/v1/plugins/transformers/TRIMM", "TRIM"),
        ("/api/v1/plugins/validators/not_nul", "not_null"),
        ("/api/v1/dialects/postgress", "postgresql"),
    ],
)
def test_unknown_plugin_is_404_with_a_suggestion(
    client: TestClient, path: str, suggestion: str
) -> None:
    response = client.get(path)

    assert response.status_code == 404
    [error] = response.json()["errors"]
    assert error["code"] == "plugin_not_found"
    assert error["detail"].endswith(f"Did you mean {suggestion!r}?")
