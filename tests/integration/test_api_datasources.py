"""The datasources routes end to end in-process, on a SQLite datasource (no server needed)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from services import mapping
from services.context import ServiceContext
from tests.factories import AUTHORIZATION, keyed_ctx

DATASOURCES = "/api/v1/datasources"


@pytest.fixture
def client(ctx: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(keyed_ctx(ctx)), headers=AUTHORIZATION) as test_client:
        yield test_client


@pytest.fixture
def clinic_db(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            """
            CREATE TABLE ward (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            CREATE TABLE patient (
                hn TEXT PRIMARY KEY,
                ward_id INTEGER NOT NULL REFERENCES ward(id)
            );
            CREATE INDEX ix_patient_ward ON patient(ward_id);
            INSERT INTO ward VALUES (1, 'ER'), (2, 'ICU');
            """
        )
    connection.close()
    return path


def document(**attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "datasources", "attributes": attributes}}


def create_clinic(client: TestClient, clinic_db: Path, **extra: Any) -> dict[str, Any]:
    response = client.post(
        DATASOURCES,
        json=document(name="clinic", db_type="sqlite", database=str(clinic_db), **extra),
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]


def test_created_datasource_is_found_by_name_and_in_the_list(
    client: TestClient, clinic_db: Path
) -> None:
    created = create_clinic(client, clinic_db, password="pw-123")

    by_name = client.get(DATASOURCES + "/clinic").json()["data"]
    listed = client.get(DATASOURCES).json()["data"]

    assert created["type"] == "datasources"
    assert created["attributes"]["has_password"] is True
    assert "password" not in created["attributes"]
    assert by_name == created
    assert listed == [created]


def test_location_header_points_at_the_new_datasource(client: TestClient, clinic_db: Path) -> None:
    response = client.post(
        DATASOURCES, json=document(name="clinic", db_type="sqlite", database=str(clinic_db))
    )

    fetched = client.get(response.headers["location"])

    assert fetched.status_code == 200
    assert fetched.json()["data"]["id"] == response.json()["data"]["id"]


def test_patch_keeps_an_absent_password_and_removes_a_null_one(
    client: TestClient, clinic_db: Path
) -> None:
    create_clinic(client, clinic_db, password="pw-123")

    renamed = client.patch(DATASOURCES + "/clinic", json=document(name="ward records"))
    cleared = client.patch(DATASOURCES + "/ward records", json=document(password=None))
    set_again = client.patch(DATASOURCES + "/ward records", json=document(password="pw-456"))

    assert renamed.status_code == 200
    assert renamed.json()["data"]["attributes"]["name"] == "ward records"
    assert renamed.json()["data"]["attributes"]["has_password"] is True
    assert cleared.json()["data"]["attributes"]["has_password"] is False
    assert set_again.json()["data"]["attributes"]["has_password"] is True


def test_connection_test_returns_the_engine_version(client: TestClient, clinic_db: Path) -> None:
    datasource = create_clinic(client, clinic_db)

    response = client.post(DATASOURCES + "/clinic/test")

    assert response.status_code == 200
    result = response.json()["data"]
    assert result["type"] == "connection-tests"
    assert result["id"] == datasource["id"]
    assert result["attributes"]["ok"] is True
    assert result["attributes"]["server_version"] == sqlite3.sqlite_version
    assert result["attributes"]["elapsed_ms"] >= 0


def test_discovery_lists_tables_and_describes_one(client: TestClient, clinic_db: Path) -> None:
    create_clinic(client, clinic_db)

    tables = client.get(DATASOURCES + "/clinic/tables").json()["data"]
    patient = client.get(DATASOURCES + "/clinic/tables/patient").json()["data"]

    assert [(t["attributes"]["name"], t["attributes"]["row_estimate"]) for t in tables] == [
        ("patient", 0),
        ("ward", 2),
    ]
    attributes = patient["attributes"]
    assert [(c["name"], c["primary_key"]) for c in attributes["columns"]] == [
        ("hn", True),
        ("ward_id", False),
    ]
    assert attributes["primary_key"] == ["hn"]
    assert attributes["indexes"] == [
        {"name": "ix_patient_ward", "columns": ["ward_id"], "unique": False}
    ]
    assert [(fk["columns"], fk["referred_table"]) for fk in attributes["foreign_keys"]] == [
        (["ward_id"], "ward")
    ]


def test_deleted_datasource_is_gone(client: TestClient, clinic_db: Path) -> None:
    datasource = create_clinic(client, clinic_db)

    deleted = client.delete(f"{DATASOURCES}/{datasource['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get(DATASOURCES + "/clinic").status_code == 404


def test_deleting_a_datasource_a_config_uses_is_409_unless_forced(
    client: TestClient, clinic_db: Path, ctx: ServiceContext
) -> None:
    datasource = create_clinic(client, clinic_db)
    mapping.save_config(
        ctx,
        {
            "name": "wards",
            "source_datasource_id": datasource["id"],
            "source_table": "ward",
            "target_table": "ward",
            "mappings": [{"source": "id", "target": "id"}],
        },
    )

    refused = client.delete(f"{DATASOURCES}/clinic")

    assert refused.status_code == 409
    [error] = refused.json()["errors"]
    assert error["code"] == "conflict"
    assert error["detail"] == (
        "Datasource 'clinic' is used by config wards; remove them first or use --force."
    )
    assert client.get(f"{DATASOURCES}/clinic").status_code == 200
    assert client.delete(f"{DATASOURCES}/clinic", params={"force": "true"}).status_code == 204
    assert client.get(f"{DATASOURCES}/clinic").status_code == 404
