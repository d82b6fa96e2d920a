"""The profiles routes: the report folders of real profile runs, listed and downloaded."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from services import datasources
from services.context import ServiceContext
from services.profiling import analyze_datasource
from tests.factories import AUTHORIZATION, keyed_ctx

PROFILES = "/api/v1/profiles"


@pytest.fixture
def client(ctx: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(keyed_ctx(ctx)), headers=AUTHORIZATION) as test_client:
        yield test_client


@pytest.fixture
def profiled(ctx: ServiceContext, tmp_path: Path) -> Path:
    """One real profile run of a small SQLite clinic, written under the reports directory."""
    database = tmp_path / "clinic.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE ward (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        connection.executemany("INSERT INTO ward VALUES (?, ?)", [(1, "ER"), (2, "ICU")])
    connection.close()
    datasources.create_datasource(ctx, name="clinic", db_type="sqlite", database=str(database))
    result = analyze_datasource(ctx, "clinic", out_dir=ctx.settings.reports_dir)
    return result.paths.run_dir


def test_a_profile_run_lists_its_report_files(client: TestClient, profiled: Path) -> None:
    listed = client.get(PROFILES)
    detail = client.get(f"{PROFILES}/{profiled.name}")

    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["data"]] == [profiled.name]
    assert detail.status_code == 200
    attributes = detail.json()["data"]["attributes"]
    files = {file["name"]: file for file in attributes["files"]}
    assert set(files) == {
        "data_profile/data_profile.csv",
        "data_profile/data_profile.html",
        "ddl_schema/schema.sql",
        "process.log",
    }
    assert {name: file["kind"] for name, file in files.items()} == {
        "data_profile/data_profile.csv": "csv",
        "data_profile/data_profile.html": "html",
        "ddl_schema/schema.sql": "ddl",
        "process.log": "log",
    }
    for name, file in files.items():
        assert file["size"] == (profiled / name).stat().st_size
    assert attributes["file_count"] == 4
    assert attributes["total_size"] == sum(file["size"] for file in files.values())


def test_a_report_file_downloads_as_an_attachment(client: TestClient, profiled: Path) -> None:
    html = client.get(f"{PROFILES}/{profiled.name}/files/data_profile/data_profile.html")
    ddl = client.get(f"{PROFILES}/{profiled.name}/files/ddl_schema/schema.sql")

    assert html.status_code == 200
    assert html.content == (profiled / "data_profile" / "data_profile.html").read_bytes()
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["content-disposition"] == 'attachment; filename="data_profile.html"'
    assert ddl.headers["content-type"].startswith("application/sql")
    assert b"CREATE TABLE" in ddl.content


def test_runs_are_listed_newest_first(client: TestClient, ctx: ServiceContext) -> None:
    for name in ("20240101_0900", "20240101_0900_2", "20240101_0900_10", "20231231_2359"):
        (ctx.settings.reports_dir / name).mkdir(parents=True)
    (ctx.settings.reports_dir / "not a run").mkdir()

    listed = client.get(PROFILES, params={"page[size]": 2})

    assert [item["id"] for item in listed.json()["data"]] == [
        "20240101_0900_10",
        "20240101_0900_2",
    ]
    assert listed.json()["meta"]["total"] == 4


@pytest.mark.parametrize(
    "path",
    [
        "/files/../../secret.key",
        "/files/..%2F..%2Fsecret.key",
        "/files/%2e%2e/%2e%2e/api.key",
        "/files/data_profile",
        "/files/nothing.html",
    ],
)
def test_paths_outside_the_run_or_not_listed_are_404(
    client: TestClient, profiled: Path, path: str
) -> None:
    response = client.get(f"{PROFILES}/{profiled.name}{path}")

    assert response.status_code == 404
    assert b"gAAAA" not in response.content


def test_a_link_out_of_the_run_folder_is_not_served(
    client: TestClient, profiled: Path, ctx: ServiceContext
) -> None:
    (profiled / "key.log").symlink_to(ctx.settings.secret_key_file)

    listed = client.get(f"{PROFILES}/{profiled.name}").json()["data"]["attributes"]["files"]
    response = client.get(f"{PROFILES}/{profiled.name}/files/key.log")

    assert "key.log" not in {file["name"] for file in listed}
    assert response.status_code == 404


@pytest.mark.parametrize("run_id", ["..", "20240101_0900", "x"])
def test_unknown_run_is_404(client: TestClient, run_id: str) -> None:
    response = client.get(f"{PROFILES}/{run_id}")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] in ("profile_not_found", "not_found")
