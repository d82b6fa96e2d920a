"""The API's error mapping: domain errors and bad requests become JSON:API error documents."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.base.documents import MEDIA_TYPE
from api.main import create_app
from config import Settings
from services.bootstrap import bootstrap
from services.context import ServiceContext
from services.errors import DatasourceNotFound, MigrationFailed
from tests.factories import API_KEY, AUTHORIZATION, keyed_ctx
from utils.thai_cid import cid_check_digit

DATASOURCES = "/api/v1/datasources"


@pytest.fixture
def app(ctx: ServiceContext) -> FastAPI:
    return create_app(keyed_ctx(ctx))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, headers=AUTHORIZATION) as test_client:
        yield test_client


def new_datasource(**attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "datasources", "attributes": attributes}}


def sqlite_datasource(tmp_path: Path, name: str = "clinic", **extra: Any) -> dict[str, Any]:
    return new_datasource(
        name=name, db_type="sqlite", database=str(tmp_path / "clinic.db"), **extra
    )


def only_error(response: Any) -> dict[str, Any]:
    """The single error object of a JSON:API error response."""
    assert response.headers["content-type"] == MEDIA_TYPE
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]


def test_unknown_datasource_is_404_with_its_code(client: TestClient) -> None:
    response = client.get(DATASOURCES + "/no-such-thing")

    assert response.status_code == 404
    assert only_error(response) == {
        "status": "404",
        "code": "datasource_not_found",
        "title": "Not Found",
        "detail": DatasourceNotFound("no-such-thing").message,
    }


def test_missing_database_is_422_pointing_at_the_attribute(client: TestClient) -> None:
    response = client.post(DATASOURCES, json=new_datasource(name="x", db_type="sqlite"))

    assert response.status_code == 422
    error = only_error(response)
    assert error["code"] == "invalid_input"
    assert error["source"] == {"pointer": "/data/attributes/database"}
    assert "Field required" in error["detail"]


def test_blank_database_refused_by_the_service_points_at_the_attribute(
    client: TestClient,
) -> None:
    response = client.post(
        DATASOURCES, json=new_datasource(name="x", db_type="sqlite", database=" ")
    )

    assert response.status_code == 422
    error = only_error(response)
    assert error["code"] == "invalid_input"
    assert "database name" in error["detail"]  # the service's own one-line message
    assert error["source"] == {"pointer": "/data/attributes/database"}


def test_unknown_db_type_is_422_with_a_suggestion(client: TestClient, tmp_path: Path) -> None:
    body = new_datasource(name="x", db_type="postgress", database="his", host="db")

    response = client.post(DATASOURCES, json=body)

    assert response.status_code == 422
    error = only_error(response)
    assert error["code"] == "plugin_not_found"
    assert "Did you mean 'postgresql'?" in error["detail"]
    assert error["source"] == {"pointer": "/data/attributes/db_type"}


def test_duplicate_name_is_409(client: TestClient, tmp_path: Path) -> None:
    assert client.post(DATASOURCES, json=sqlite_datasource(tmp_path)).status_code == 201

    response = client.post(DATASOURCES, json=sqlite_datasource(tmp_path))

    assert response.status_code == 409
    error = only_error(response)
    assert error["code"] == "conflict"
    assert "'clinic'" in error["detail"]


def test_validation_errors_list_every_problem_without_echoing_input(client: TestClient) -> None:
    body = {"data": {"type": "pipelines", "attributes": {"name": "x", "password": ["S3cret"]}}}

    response = client.post(DATASOURCES, json=body)

    assert response.status_code == 422
    pointers = {error["source"]["pointer"] for error in response.json()["errors"]}
    assert pointers == {
        "/data/type",
        "/data/attributes/db_type",
        "/data/attributes/database",
        "/data/attributes/password",
    }
    assert all(error["status"] == "422" for error in response.json()["errors"])
    assert "S3cret" not in response.text


def test_malformed_json_is_422_invalid_json(client: TestClient) -> None:
    response = client.post(DATASOURCES, content=b'{"data": ', headers={"content-type": MEDIA_TYPE})

    assert response.status_code == 422
    error = only_error(response)
    assert error["code"] == "invalid_json"
    assert error["detail"].startswith("The request body is not valid JSON")


def test_bad_query_parameter_names_the_parameter(client: TestClient, app: FastAPI) -> None:
    @app.get("/probe")
    def probe(limit: int) -> dict[str, int]:
        return {"limit": limit}

    response = client.get("/probe", params={"limit": "many"})

    assert response.status_code == 422
    assert only_error(response)["source"] == {"parameter": "limit"}


def test_patch_cannot_null_a_required_attribute(client: TestClient, tmp_path: Path) -> None:
    client.post(DATASOURCES, json=sqlite_datasource(tmp_path))

    response = client.patch(DATASOURCES + "/clinic", json=new_datasource(options=None))

    assert response.status_code == 422
    error = only_error(response)
    assert error["source"] == {"pointer": "/data/attributes/options"}
    assert "Cannot be null" in error["detail"]


def test_unreachable_datasource_is_502_with_the_cause_code(
    client: TestClient, tmp_path: Path
) -> None:
    client.post(DATASOURCES, json=sqlite_datasource(tmp_path))  # the file was never created

    response = client.post(DATASOURCES + "/clinic/test")

    assert response.status_code == 502
    error = only_error(response)
    assert error["code"] == "unknown_database"
    assert str(tmp_path / "clinic.db") in error["detail"]


def test_changed_secret_key_is_500_with_its_message(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    client.post(DATASOURCES, json=sqlite_datasource(tmp_path, password="pw"))
    rekeyed = bootstrap(
        settings.model_copy(
            update={"api_keys": [API_KEY], "secret_key": SecretStr("a-different-key")}
        )
    )
    try:
        with TestClient(create_app(rekeyed), headers=AUTHORIZATION) as rekeyed_client:
            response = rekeyed_client.post(DATASOURCES + "/clinic/test")
    finally:
        rekeyed.close()

    assert response.status_code == 500
    error = only_error(response)
    assert error["code"] == "secret_key_error"
    assert error["detail"].startswith("A stored password cannot be decrypted")


def test_failed_migration_is_409_in_one_line_without_password_or_citizen_id(
    client: TestClient, app: FastAPI
) -> None:
    cid = "110170020345" + str(cid_check_digit("110170020345"))
    password = "S3cret-pw"
    message = (
        f"Step 'patients' stopped at batch 3: row {cid}: login password={password} refused.\n"
        "Traceback (most recent call last): the driver's own lines"
    )

    @app.post("/probe-migration")
    def stopped() -> None:
        raise MigrationFailed(message, result={"last_key": cid})

    response = client.post("/probe-migration")

    assert response.status_code == 409
    error = only_error(response)
    assert error["code"] == "migration_failed"
    assert error["title"] == "Conflict"
    assert error["detail"].startswith("Step 'patients' stopped at batch 3: row ")
    assert "\n" not in error["detail"]
    assert "Traceback" not in response.text
    assert cid not in response.text
    assert password not in response.text


def test_unexpected_error_is_a_generic_500_and_the_traceback_is_logged(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("internal detail nobody should see")

    # Starlette re-raises after the handler answered (so servers can log it); don't raise here.
    with (
        TestClient(app, raise_server_exceptions=False) as client,
        caplog.at_level(logging.ERROR),
    ):
        response = client.get("/boom")

    assert response.status_code == 500
    error = only_error(response)
    assert error["code"] == "internal_error"
    assert "internal detail" not in response.text
    assert "\n" not in error["detail"]
    logged = [record for record in caplog.records if record.exc_info]
    assert logged and "internal detail nobody should see" in str(logged[0].exc_info[1])


def test_unknown_path_is_a_json_api_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert only_error(response)["code"] == "not_found"


def test_configured_keys_are_required_on_api_routes_but_not_on_health(
    ctx: ServiceContext,
) -> None:
    app = create_app(keyed_ctx(ctx, api_keys=["key-one", "key-two"]))
    with TestClient(app) as client:
        missing = client.get(DATASOURCES)
        wrong = client.get(DATASOURCES, headers={"Authorization": "Bearer key-three"})
        not_ascii = client.get(DATASOURCES, headers={"Authorization": "Bearer clé".encode()})
        right = client.get(DATASOURCES, headers={"Authorization": "Bearer key-two"})
        health = client.get("/health")

    for refused in (missing, wrong, not_ascii):
        assert refused.status_code == 401
        assert only_error(refused)["code"] == "unauthorized"
        assert refused.headers["www-authenticate"] == "Bearer"
    assert right.status_code == 200
    assert right.json()["data"] == []
    assert right.json()["meta"] == {"count": 0, "total": 0, "page": 1, "page_size": 50}
    assert health.status_code == 200
