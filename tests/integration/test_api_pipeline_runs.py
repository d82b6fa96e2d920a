"""The pipeline-runs routes in-process, over real runs from MariaDB into PostgreSQL: a
pipeline whose first step quarantines rows, and a config migrated on its own; their counts,
filters, and a run's rejects counted by column and reason, paged, and masked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from api.main import create_app
from models.status import RunStatus
from services.context import ServiceContext
from services.migration import run_migration
from services.pipelines import StepSpec, create_pipeline, run_pipeline
from tests.factories import AUTHORIZATION, keyed_ctx
from tests.integration.migration_fixtures import execute, register, save

RUNS = "/api/v1/pipeline-runs"
PEOPLE = 30
BAD_CID = {4, 9, 17}  # a citizen ID whose check digit is wrong
NO_NAME = {12, 25}  # NULL where a name is required
VISITS = 20
BAD_CODE = {7}  # a visit code the archive's validator refuses


def check_digit(twelve: str) -> int:
    # The Thai citizen-ID rule, written out here independently of the code under test.
    return (11 - sum(int(d) * (13 - i) for i, d in enumerate(twelve)) % 11) % 10


def cid(number: int) -> str:
    twelve = f"11017{number:07d}"
    digit = check_digit(twelve)
    return twelve + str((digit + 1) % 10 if number in BAD_CID else digit)


def masked_cid(value: str) -> str:
    return f"{value[0]}-{value[1:5]}-xxxxx-xx-{value[12]}"


@pytest.fixture
def client(ctx: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(keyed_ctx(ctx)), headers=AUTHORIZATION) as test_client:
        yield test_client


@pytest.fixture
def runs(ctx: ServiceContext, mysql_database: URL, pg_database: URL) -> dict[str, str]:
    """A two-step pipeline run (people quarantines 5 rows, then visits) and a single migration
    of the visits into an archive (1 row refused); the runs' ids by kind."""
    execute(
        mysql_database,
        "CREATE TABLE people (cid CHAR(13) PRIMARY KEY, name VARCHAR(20))",
        "INSERT INTO people VALUES "
        + ", ".join(
            f"('{cid(n)}', {'NULL' if n in NO_NAME else repr(f'name {n}')})"
            for n in range(1, PEOPLE + 1)
        ),
        "CREATE TABLE visits (id INT PRIMARY KEY, code VARCHAR(10))",
        "INSERT INTO visits VALUES "
        + ", ".join(
            f"({i}, '{'BAD' if i in BAD_CODE else f'V{i}'}')" for i in range(1, VISITS + 1)
        ),
    )
    execute(
        pg_database,
        "CREATE TABLE people (cid CHAR(13) PRIMARY KEY, name VARCHAR(20))",
        "CREATE TABLE visits (id INT PRIMARY KEY, code VARCHAR(10))",
        "CREATE TABLE visits_archive (id INT PRIMARY KEY, code VARCHAR(10))",
    )
    source, target = register(ctx, "old", mysql_database), register(ctx, "new", pg_database)
    quarantine = {"error_policy": "quarantine", "batch_size": 10}
    save(ctx, source, target, name="people", source_table="people", target_table="people",
         mappings=[
             {"source": "cid", "target": "cid", "validators": [{"name": "cid_checksum"}]},
             {"source": "name", "target": "name", "validators": [{"name": "not_null"}]},
         ], **quarantine)  # fmt: skip
    save(ctx, source, target, name="visits", source_table="visits", target_table="visits",
         mappings=[{"source": c, "target": c} for c in ("id", "code")], **quarantine)  # fmt: skip
    save(ctx, source, target, name="visits_archive", source_table="visits",
         target_table="visits_archive", mappings=[
             {"source": "id", "target": "id"},
             {"source": "code", "target": "code",
              "validators": [{"name": "regex", "params": {"pattern": r"V\d+"}}]},
         ], **quarantine)  # fmt: skip
    create_pipeline(
        ctx,
        "nightly",
        [StepSpec("patients", "people"), StepSpec("visits", "visits", depends_on=["patients"])],
    )
    pipeline_run = run_pipeline(ctx, "nightly")
    assert pipeline_run.status is RunStatus.SUCCEEDED, pipeline_run.error
    single = run_migration(ctx, "visits_archive", log_dir=ctx.settings.data_dir)
    assert single.status is RunStatus.SUCCEEDED, single.error
    return {"pipeline": str(pipeline_run.id)}


def by_kind(listed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {item["attributes"]["kind"]: item for item in listed["data"]}
    assert len(found) == len(listed["data"])
    return found


def test_the_list_holds_both_kinds_with_their_counts(
    client: TestClient, runs: dict[str, str]
) -> None:
    listed = client.get(RUNS).json()

    assert listed["meta"]["total"] == 2
    found = by_kind(listed)
    # Newest first: the single migration ran after the pipeline.
    assert [item["attributes"]["kind"] for item in listed["data"]] == ["migration", "pipeline"]
    pipeline = found["pipeline"]["attributes"]
    assert found["pipeline"]["id"] == runs["pipeline"]
    assert (pipeline["pipeline_name"], pipeline["config_name"]) == ("nightly", None)
    assert pipeline["status"] == "succeeded"
    bad = len(BAD_CID | NO_NAME)
    assert (pipeline["rows_read"], pipeline["rows_loaded"], pipeline["rows_rejected"]) == (
        PEOPLE + VISITS,
        PEOPLE - bad + VISITS,
        bad,
    )
    assert pipeline["reconciled"] is True
    steps = {s["name"]: s for s in pipeline["steps"]}
    assert [s["name"] for s in pipeline["steps"]] == ["patients", "visits"]
    patients = steps["patients"]
    assert (patients["config_name"], patients["status"]) == ("people", "succeeded")
    assert (steps["patients"]["rows_loaded"], steps["patients"]["rows_rejected"]) == (
        PEOPLE - bad,
        bad,
    )
    assert steps["visits"]["depends_on"] == ["patients"]
    assert steps["visits"]["started_at"] >= steps["patients"]["finished_at"]
    assert pipeline["seconds"] > 0

    single = found["migration"]["attributes"]
    assert (single["pipeline_name"], single["config_name"]) == (None, "visits_archive")
    assert (single["rows_read"], single["rows_loaded"], single["rows_rejected"]) == (
        VISITS,
        VISITS - len(BAD_CODE),
        len(BAD_CODE),
    )
    assert [s["name"] for s in single["steps"]] == ["visits_archive"]
    assert single["steps"][0]["reconciled"] is True

    one = client.get(f"{RUNS}/{runs['pipeline']}").json()["data"]
    assert one == found["pipeline"]


def test_filters_keep_one_kind_one_pipeline_one_status(
    client: TestClient, runs: dict[str, str]
) -> None:
    migrations = client.get(RUNS, params={"filter[kind]": "migration"}).json()
    nightly = client.get(RUNS, params={"filter[pipeline_name]": "nightly"}).json()
    failed = client.get(RUNS, params={"filter[status]": "failed"}).json()
    oldest_first = client.get(RUNS, params={"sort": "created_at"}).json()

    assert [item["attributes"]["config_name"] for item in migrations["data"]] == ["visits_archive"]
    assert [item["id"] for item in nightly["data"]] == [runs["pipeline"]]
    assert failed["data"] == [] and failed["meta"]["total"] == 0
    assert [item["attributes"]["kind"] for item in oldest_first["data"]] == [
        "pipeline",
        "migration",
    ]
    unknown = client.get(RUNS, params={"filter[colour]": "red"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["source"] == {"parameter": "filter[colour]"}


def test_a_runs_rejects_are_counted_by_column_and_reason_and_paged(
    client: TestClient, runs: dict[str, str]
) -> None:
    url = f"{RUNS}/{runs['pipeline']}/rejects"
    first = client.get(url, params={"page[size]": 2})
    assert first.status_code == 200, first.text
    body = first.json()

    bad = sorted(BAD_CID | NO_NAME)
    meta = body["meta"]
    assert (meta["total"], meta["rows"], meta["count"], meta["page"]) == (len(bad), len(bad), 2, 1)
    groups = {(g["step"], g["column"], g["stage"]): g["rejects"] for g in meta["groups"]}
    assert groups == {
        ("patients", "cid", "validate"): len(BAD_CID),
        ("patients", "name", "validate"): len(NO_NAME),
    }
    assert all(g["reason"] for g in meta["groups"])

    pages = [body["data"]]
    while "next" in body["links"]:
        body = client.get(body["links"]["next"]).json()
        pages.append(body["data"])
    assert [len(page) for page in pages] == [2, 2, 1]
    rows = [item["attributes"] for page in pages for item in page]
    # In cid order, as the rows were read; each bad row found by its reference.
    assert [(r["column"], r["batch"], r["row"]) for r in rows] == [
        ("cid" if n in BAD_CID else "name", (n - 1) // 10 + 1, (n - 1) % 10 + 1) for n in bad
    ]
    assert [r["source_key"] for r in rows] == [masked_cid(cid(n)) for n in bad]
    assert [r["value"] for r in rows if r["column"] == "cid"] == [
        masked_cid(cid(n)) for n in sorted(BAD_CID)
    ]
    assert len({item["id"] for page in pages for item in page}) == len(bad)


def test_reject_rows_never_carry_a_citizen_id_in_clear(
    client: TestClient, runs: dict[str, str]
) -> None:
    response = client.get(f"{RUNS}/{runs['pipeline']}/rejects", params={"page[size]": 200})
    assert response.status_code == 200
    assert response.json()["meta"]["count"] == len(BAD_CID | NO_NAME)
    for n in range(1, PEOPLE + 1):
        assert cid(n) not in response.text
        assert cid(n)[1:12] not in response.text  # nor the digits that would identify one


def test_a_single_migrations_rejects_and_a_clean_one(
    client: TestClient, runs: dict[str, str]
) -> None:
    listed = client.get(RUNS, params={"filter[kind]": "migration"}).json()
    single = listed["data"][0]["id"]

    rejects = client.get(f"{RUNS}/{single}/rejects").json()

    assert rejects["meta"]["total"] == len(BAD_CODE)
    (row,) = rejects["data"]
    assert row["attributes"]["step"] == "visits_archive"
    assert (row["attributes"]["column"], row["attributes"]["value"]) == ("code", "BAD")
    assert row["attributes"]["source_key"] == str(sorted(BAD_CODE)[0])
    assert row["attributes"]["run_id"] == single


def test_an_unknown_run_is_a_404_and_rejects_take_no_sort(
    client: TestClient, runs: dict[str, str]
) -> None:
    assert client.get(f"{RUNS}/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get(f"{RUNS}/not-a-run/rejects").status_code == 404
    sorted_rejects = client.get(f"{RUNS}/{runs['pipeline']}/rejects", params={"sort": "column"})
    assert sorted_rejects.status_code == 400
    assert sorted_rejects.json()["errors"][0]["source"] == {"parameter": "sort"}
