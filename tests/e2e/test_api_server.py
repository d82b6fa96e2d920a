"""The REST API as deployed: a real uvicorn process, real MariaDB and PostgreSQL servers."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.e2e.live_server import API_KEY, ApiProcess, api_process

pytestmark = pytest.mark.e2e

DATASOURCES = "/api/v1/datasources"


# The server process these tests (and the docs and schema tests) run against.
ApiServer = ApiProcess
running_api_server = api_process


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """The API server the module's tests share."""
    with running_api_server(tmp_path_factory.mktemp("api_server")) as server:
        yield server


@pytest.fixture
def api(api_server: ApiServer) -> Iterator[httpx.Client]:
    """A client that sends the API key."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=api_server.base_url, headers=headers, timeout=30) as client:
        yield client


def server_datasource(name: str, url: URL, db_type: str, **extra: Any) -> dict[str, Any]:
    """A datasource document for the server at `url` (its host, port, user and database)."""
    attributes = {"host": url.host, "port": url.port, "username": url.username, **extra}
    attributes |= {"name": name, "db_type": db_type, "database": url.database}
    return {"data": {"type": "datasources", "attributes": attributes}}


def server_version(url: URL) -> str:
    """What the server itself says its version is."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SELECT VERSION()")).scalar_one())
    finally:
        engine.dispose()


def only_error(response: httpx.Response) -> dict[str, Any]:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]


def test_the_access_log_leaves_query_strings_out(api: httpx.Client, api_server: ApiServer) -> None:
    # A filter value in a URL can be a patient's HN or citizen ID.
    response = api.get("/api/v1/pipeline-runs", params={"filter[pipeline_name]": "HN000123987"})
    assert response.status_code == 200
    deadline = time.monotonic() + 5
    while "GET /api/v1/pipeline-runs?…" not in api_server.log() and time.monotonic() < deadline:
        time.sleep(0.05)  # the line is written after the answer
    assert "GET /api/v1/pipeline-runs?…" in api_server.log()
    assert "HN000123987" not in api_server.log()


def test_health_answers_without_a_key(api_server: ApiServer) -> None:
    response = httpx.get(api_server.base_url + "/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "store": "sqlite",
        "version": version("his-analyzer"),
    }


def test_api_routes_refuse_a_missing_or_wrong_key(api_server: ApiServer) -> None:
    missing = httpx.get(api_server.base_url + DATASOURCES)
    wrong = httpx.get(
        api_server.base_url + DATASOURCES, headers={"Authorization": "Bearer not-the-key"}
    )

    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/vnd.api+json"
        assert only_error(response)["code"] == "unauthorized"


def test_connection_tests_report_the_real_server_versions(
    api: httpx.Client, mysql_server: URL, pg_server: URL
) -> None:
    for name, url, db_type in (
        ("his mariadb", mysql_server, "mysql"),
        ("his postgres", pg_server, "postgresql"),
    ):
        created = api.post(DATASOURCES, json=server_datasource(name, url, db_type))
        assert created.status_code == 201, created.text
        datasource = created.json()["data"]
        assert api.get(created.headers["location"]).json()["data"] == datasource

        response = api.post(f"{DATASOURCES}/{name}/test")

        assert response.status_code == 200, response.text
        result = response.json()["data"]
        assert result["type"] == "connection-tests"
        assert result["id"] == datasource["id"]
        assert result["attributes"]["ok"] is True
        assert result["attributes"]["server_version"] == server_version(url)
        assert result["attributes"]["elapsed_ms"] >= 0


def test_wrong_mariadb_password_is_502_authentication_failed(
    api: httpx.Client, api_server: ApiServer, mysql_server: URL
) -> None:
    password = "Wr0ng-pw-7c1e"
    body = server_datasource("mariadb wrong pw", mysql_server, "mysql", password=password)
    assert api.post(DATASOURCES, json=body).status_code == 201

    response = api.post(DATASOURCES + "/mariadb wrong pw/test")

    assert response.status_code == 502
    error = only_error(response)
    assert error["code"] == "authentication_failed"
    assert "\n" not in error["detail"]
    assert "wrong user name or password" in error["detail"]
    assert password not in response.text
    assert password not in api_server.log()


def test_duplicate_name_is_409(api: httpx.Client, pg_server: URL) -> None:
    body = server_datasource("twice", pg_server, "postgresql")
    assert api.post(DATASOURCES, json=body).status_code == 201

    response = api.post(DATASOURCES, json=body)

    assert response.status_code == 409
    assert only_error(response)["code"] == "conflict"


def test_misspelt_db_type_is_422_with_a_suggestion(api: httpx.Client, pg_server: URL) -> None:
    response = api.post(DATASOURCES, json=server_datasource("typo", pg_server, "postgres"))

    assert response.status_code == 422
    error = only_error(response)
    assert error["code"] == "plugin_not_found"
    assert "Did you mean 'postgresql'" in error["detail"]
    assert error["source"] == {"pointer": "/data/attributes/db_type"}


def test_password_and_its_ciphertext_never_leave_the_server(
    api: httpx.Client, api_server: ApiServer, pg_server: URL
) -> None:
    password = "S3cret-pw!"
    body = server_datasource("with password", pg_server, "postgresql", password=password)
    created = api.post(DATASOURCES, json=body)
    tested = api.post(DATASOURCES + "/with password/test")  # trust auth takes any password
    listed = api.get(DATASOURCES)
    ciphertext = _stored_ciphertext(api_server.data_dir, "with password")

    assert tested.status_code == 200
    assert listed.status_code == 200
    assert created.json()["data"]["attributes"]["has_password"] is True
    assert ciphertext.startswith("gAAAA")  # a Fernet token: the stored form really is encrypted
    for response in (created, tested, listed):
        assert password not in response.text
        assert ciphertext not in response.text
        assert "password_encrypted" not in response.text
    assert password not in api_server.log()


def _stored_ciphertext(data_dir: Path, name: str) -> str:
    # Read the store file directly: the API must not be the witness of its own secrecy.
    with sqlite3.connect(data_dir / "his_analyzer.sqlite") as connection:
        row = connection.execute(
            "SELECT password_encrypted FROM datasources WHERE name = ?", (name,)
        ).fetchone()
    connection.close()
    return row[0]


def test_discovery_reports_the_table_as_created(api: httpx.Client, pg_database: URL) -> None:
    engine = create_engine(pg_database)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE ward (id integer PRIMARY KEY, name text NOT NULL)"))
        connection.execute(
            text(
                "CREATE TABLE admission ("
                " an varchar(12) PRIMARY KEY,"
                " ward_id integer NOT NULL,"
                " admitted_at date,"
                " CONSTRAINT fk_admission_ward FOREIGN KEY (ward_id) REFERENCES ward (id))"
            )
        )
        connection.execute(text("CREATE INDEX ix_admission_ward ON admission (ward_id)"))
    engine.dispose()
    body = server_datasource("fresh db", pg_database, "postgresql")
    assert api.post(DATASOURCES, json=body).status_code == 201

    schemas = api.get(DATASOURCES + "/fresh db/schemas").json()["data"]
    tables = api.get(DATASOURCES + "/fresh db/tables", params={"schema": "public"}).json()["data"]
    default_schema_tables = api.get(DATASOURCES + "/fresh db/tables").json()["data"]
    detail = api.get(DATASOURCES + "/fresh db/tables/admission", params={"schema": "public"})
    missing = api.get(DATASOURCES + "/fresh db/tables/nothing", params={"schema": "public"})

    assert [schema["id"] for schema in schemas] == ["public"]
    assert [(table["id"], table["attributes"]["name"]) for table in tables] == [
        ("public.admission", "admission"),
        ("public.ward", "ward"),
    ]
    assert default_schema_tables == tables  # PostgreSQL datasources default to "public"
    assert detail.status_code == 200, detail.text
    attributes = detail.json()["data"]["attributes"]
    column_keys = ("name", "type", "nullable", "default", "primary_key")
    assert [tuple(column[key] for key in column_keys) for column in attributes["columns"]] == [
        ("an", "VARCHAR(12)", False, None, True),
        ("ward_id", "INTEGER", False, None, False),
        ("admitted_at", "DATE", True, None, False),
    ]
    assert all(set(column) == set(column_keys) for column in attributes["columns"])
    assert attributes["primary_key"] == ["an"]
    assert attributes["indexes"] == [
        {"name": "ix_admission_ward", "columns": ["ward_id"], "unique": False}
    ]
    assert attributes["foreign_keys"] == [
        {
            "name": "fk_admission_ward",
            "columns": ["ward_id"],
            "referred_table": "ward",
            "referred_columns": ["id"],
            "referred_schema": "public",
        }
    ]
    assert missing.status_code == 404
    assert only_error(missing)["code"] == "table_not_found"
