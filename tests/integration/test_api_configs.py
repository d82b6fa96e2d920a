"""The configs routes end to end in-process: SQLite datasources checked live, and MariaDB."""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from api.base.documents import MEDIA_TYPE
from api.main import create_app
from services import datasources
from services.context import ServiceContext
from tests.factories import AUTHORIZATION, keyed_ctx, register_server

CONFIGS = "/api/v1/configs"

OPD: dict[str, Any] = {
    "name": "opd_visits",
    "source": "his",
    "source_table": "ovst",
    "target": "warehouse",
    "target_table": "visits",
    "load_mode": "upsert",
    "key_columns": ["vn"],
    "mappings": [
        {"source": "vn", "target": "vn"},
        {"source": "hn", "target": "hn"},
        {"source": "vstdate", "target": "visit_date"},
    ],
}


def keyed_client(ctx: ServiceContext) -> TestClient:
    return TestClient(create_app(keyed_ctx(ctx)), headers=AUTHORIZATION)


@pytest.fixture
def client(ctx: ServiceContext) -> Iterator[TestClient]:
    with keyed_client(ctx) as test_client:
        yield test_client


def sqlite_file(path: Path, script: str) -> Path:
    with sqlite3.connect(path) as connection:
        connection.executescript(script)
    connection.close()
    return path


@pytest.fixture
def his_and_warehouse(ctx: ServiceContext, tmp_path: Path) -> dict[str, str]:
    """Two SQLite datasources, `his` (table ovst) and `warehouse` (table visits); their ids."""
    return register_his_and_warehouse(ctx, tmp_path)


def register_his_and_warehouse(ctx: ServiceContext, tmp_path: Path) -> dict[str, str]:
    his = sqlite_file(
        tmp_path / "his.db",
        "CREATE TABLE ovst (vn TEXT PRIMARY KEY, hn TEXT, vstdate TEXT, cid TEXT);",
    )
    warehouse = sqlite_file(
        tmp_path / "warehouse.db",
        "CREATE TABLE visits (vn TEXT PRIMARY KEY, hn TEXT, visit_date TEXT, cid TEXT);",
    )
    return {
        name: str(
            datasources.create_datasource(ctx, name=name, db_type="sqlite", database=str(p)).id
        )
        for name, p in (("his", his), ("warehouse", warehouse))
    }


def document(type_: str = "configs", **attributes: Any) -> dict[str, Any]:
    return {"data": {"type": type_, "attributes": attributes}}


def create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post(CONFIGS, json=document(**{**copy.deepcopy(OPD), **overrides}))
    assert response.status_code == 201, response.text
    return response.json()["data"]


def only_error(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"] == MEDIA_TYPE
    [error] = response.json()["errors"]
    return error


def content_of(attributes: dict[str, Any]) -> dict[str, Any]:
    """A config's content: its attributes without the version and the dates."""
    return {
        key: value
        for key, value in attributes.items()
        if key not in {"version", "deleted", "created_at", "updated_at"}
    }


def test_created_config_is_found_by_name_and_id_and_in_the_list(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    response = client.post(CONFIGS, json=document(**OPD))

    created = response.json()["data"]
    by_location = client.get(response.headers["location"]).json()["data"]
    by_name = client.get(f"{CONFIGS}/opd_visits").json()["data"]
    listed = client.get(CONFIGS).json()

    assert response.status_code == 201
    assert created["type"] == "configs"
    attributes = created["attributes"]
    assert (attributes["version"], attributes["deleted"]) == (1, False)
    assert attributes["source_datasource_id"] == his_and_warehouse["his"]
    assert attributes["target_datasource_id"] == his_and_warehouse["warehouse"]
    assert attributes["mappings"][2] == {
        "source": "vstdate",
        "target": "visit_date",
        "transformers": [],
        "validators": [],
        "ignore": False,
        "default": None,
    }
    assert attributes["batch_size"] == 5000  # the config's default, filled in by the service
    assert by_location == by_name == created
    assert listed["data"] == [created]
    assert listed["meta"]["total"] == 1


def test_list_pages_sorts_and_filters_on_attributes(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    create(client, name="b_visits")
    create(client, name="a_visits", load_mode="append", key_columns=[])
    create(client, name="c_visits")

    first = client.get(CONFIGS, params={"page[size]": 1}).json()
    descending = client.get(CONFIGS, params={"sort": "-name"}).json()
    upserts = client.get(CONFIGS, params={"filter[load_mode]": "upsert"}).json()

    assert [item["attributes"]["name"] for item in first["data"]] == ["a_visits"]
    assert first["meta"] == {"count": 1, "total": 3, "page": 1, "page_size": 1}
    assert "page%5Bnumber%5D=2" in first["links"]["next"]
    assert "page%5Bnumber%5D=3" in first["links"]["last"]
    names = [item["attributes"]["name"] for item in descending["data"]]
    assert names == ["c_visits", "b_visits", "a_visits"]
    assert [item["attributes"]["name"] for item in upserts["data"]] == ["b_visits", "c_visits"]


def test_unknown_sort_attribute_is_400_naming_the_parameter(client: TestClient) -> None:
    response = client.get(CONFIGS, params={"sort": "-password"})

    assert response.status_code == 400
    error = only_error(response)
    assert error["code"] == "invalid_query"
    assert error["source"] == {"parameter": "sort"}


def test_page_beyond_the_end_is_empty_and_page_size_is_capped(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    create(client)

    beyond = client.get(CONFIGS, params={"page[number]": 5, "page[size]": 10})
    too_big = client.get(CONFIGS, params={"page[size]": 500})

    assert beyond.status_code == 200
    assert beyond.json()["data"] == []
    assert beyond.json()["meta"]["total"] == 1
    assert too_big.status_code == 422
    assert only_error(too_big)["source"] == {"parameter": "page[size]"}


def test_patch_history_version_and_diff(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    v1 = create(client)
    mappings = copy.deepcopy(OPD["mappings"])
    mappings[1]["transformers"] = [{"name": "TRIM"}]

    patched = client.patch(
        f"{CONFIGS}/opd_visits",
        params={"summary": "trim hn"},
        json=document(mappings=mappings, batch_size=1000),
    )
    histories = client.get(f"{CONFIGS}/opd_visits/histories").json()
    old = client.get(f"{CONFIGS}/{v1['id']}/versions/1").json()["data"]
    diff = client.get(f"{CONFIGS}/opd_visits/diff", params={"from": 1, "to": 2}).json()["data"]

    assert patched.status_code == 200, patched.text
    v2 = patched.json()["data"]
    assert (v2["id"], v2["attributes"]["version"], v2["attributes"]["batch_size"]) == (
        v1["id"],
        2,
        1000,
    )
    assert v2["attributes"]["load_mode"] == "upsert"  # not sent: kept
    summaries = [
        (item["attributes"]["version"], item["attributes"]["change_summary"])
        for item in histories["data"]
    ]
    assert summaries == [(2, "trim hn"), (1, None)]
    assert old["type"] == "config-versions"
    assert old["attributes"]["content"] == content_of(v1["attributes"])
    assert diff["id"] == "opd_visits:1..2"
    assert diff["attributes"]["is_empty"] is False
    assert diff["attributes"]["fields"] == [{"field": "batch_size", "old": 5000, "new": 1000}]
    assert (diff["attributes"]["added"], diff["attributes"]["removed"]) == ([], [])
    assert diff["attributes"]["modified"] == [
        {
            "key": "hn",
            "changes": [
                {"field": "transformers", "old": [], "new": [{"name": "TRIM", "params": {}}]}
            ],
        }
    ]


def test_rollback_saves_the_old_content_as_the_next_version(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    v1 = create(client)
    client.patch(f"{CONFIGS}/opd_visits", json=document(batch_size=10))

    rolled = client.post(f"{CONFIGS}/opd_visits/rollback", params={"version": 1})
    again = client.post(f"{CONFIGS}/opd_visits/rollback", params={"version": 1})

    assert rolled.status_code == 200, rolled.text
    v3 = rolled.json()["data"]["attributes"]
    assert v3["version"] == 3
    assert content_of(v3) == content_of(v1["attributes"])
    history = client.get(f"{CONFIGS}/opd_visits/histories").json()["data"]
    assert history[0]["attributes"]["change_summary"] == "rollback to v1"
    assert again.status_code == 409  # v3 is v1 already: nothing to save


def test_delete_hides_the_config_and_restore_brings_it_back(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    created = create(client)

    deleted = client.delete(f"{CONFIGS}/opd_visits")
    gone = client.get(f"{CONFIGS}/opd_visits")
    live = client.get(CONFIGS).json()["data"]
    shown = client.get(CONFIGS, params={"filter[deleted]": "true"}).json()["data"]
    history = client.get(f"{CONFIGS}/opd_visits/histories").json()["data"]
    restored = client.post(f"{CONFIGS}/{created['id']}/restore")
    restored_twice = client.post(f"{CONFIGS}/opd_visits/restore")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert gone.status_code == 404
    assert only_error(gone)["code"] == "config_not_found"
    assert "was deleted" in only_error(gone)["detail"]
    assert live == []
    assert [(item["id"], item["attributes"]["deleted"]) for item in shown] == [
        (created["id"], True)
    ]
    assert [item["attributes"]["version"] for item in history] == [1]
    assert restored.status_code == 200, restored.text
    assert restored.json()["data"]["attributes"]["version"] == 2
    assert restored.json()["data"]["attributes"]["deleted"] is False
    assert client.get(f"{CONFIGS}/opd_visits").status_code == 200
    assert restored_twice.status_code == 409


def test_export_downloads_json_and_typescript(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    create(client)

    as_json = client.get(f"{CONFIGS}/opd_visits/export")
    as_ts = client.get(f"{CONFIGS}/opd_visits/export", params={"format": "ts"})
    unknown = client.get(f"{CONFIGS}/opd_visits/export", params={"format": "yaml"})

    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.headers["content-disposition"].startswith(
        'attachment; filename="opd_visits.json"'
    )
    exported = json.loads(as_json.text)
    # Datasources by name, so the file imports into another installation.
    assert (exported["source"], exported["target"]) == ("his", "warehouse")
    assert exported["mappings"][2]["target"] == "visit_date"
    assert as_ts.headers["content-type"].startswith("application/typescript")
    assert 'filename="opd_visits.ts"' in as_ts.headers["content-disposition"]
    assert "export const opdVisitsConfig: MigrationConfig = {" in as_ts.text
    assert '"target_table": "visits"' in as_ts.text
    assert unknown.status_code == 422
    assert only_error(unknown)["source"] == {"parameter": "format"}


def test_export_of_a_thai_name_sends_it_percent_encoded(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    create(client, name="ผู้ป่วยนอก")

    response = client.get(f"{CONFIGS}/ผู้ป่วยนอก/export")

    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=\"config.json\"; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == "ผู้ป่วยนอก.json"
    assert json.loads(response.text)["name"] == "ผู้ป่วยนอก"


def test_exported_json_imports_as_a_new_config(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    create(client)
    exported = json.loads(client.get(f"{CONFIGS}/opd_visits/export").text)

    copied = client.post(CONFIGS, json=document(**{**exported, "name": "opd_copy"}))

    assert copied.status_code == 201, copied.text
    original = client.get(f"{CONFIGS}/opd_visits").json()["data"]["attributes"]
    assert content_of(copied.json()["data"]["attributes"]) == {
        **content_of(original),
        "name": "opd_copy",
    }


def test_draft_from_a_live_sqlite_table_saves_as_drafted(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    response = client.post(
        f"{CONFIGS}/new",
        json=document(
            "config-drafts", name="drafted", source="his.ovst", target="warehouse.visits"
        ),
    )

    assert response.status_code == 200, response.text
    draft = response.json()["data"]
    assert (draft["type"], draft["id"]) == ("config-drafts", "drafted")
    attributes = draft["attributes"]
    assert (attributes["source"], attributes["target"]) == ("his", "warehouse")
    # visits has no `vstdate`: the draft ignores it rather than inventing a target.
    assert [(m["source"], m["target"], m["ignore"]) for m in attributes["mappings"]] == [
        ("vn", "vn", False),
        ("hn", "hn", False),
        ("vstdate", None, True),
        ("cid", "cid", False),
    ]
    assert (attributes["key_columns"], attributes["source_key"]) == (["vn"], ["vn"])
    saved = client.post(CONFIGS, json=document(**attributes))
    assert saved.status_code == 201, saved.text
    assert saved.json()["data"]["attributes"]["mappings"] == attributes["mappings"]


def test_draft_from_a_live_mariadb_table_creates_its_target(
    client: TestClient, ctx: ServiceContext, mysql_database: URL, tmp_path: Path
) -> None:
    engine = create_engine(mysql_database)
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE patient (hn VARCHAR(9) PRIMARY KEY, pname VARCHAR(20), birth DATE)")
        )
    engine.dispose()
    register_server(ctx, "hosxp", mysql_database)
    dw = sqlite_file(tmp_path / "dw.db", "")  # an empty warehouse: no patient table yet
    datasources.create_datasource(ctx, name="dw", db_type="sqlite", database=str(dw))

    response = client.post(
        f"{CONFIGS}/new",
        json=document("config-drafts", name="patients", source="hosxp.patient", target="dw"),
    )

    assert response.status_code == 200, response.text
    attributes = response.json()["data"]["attributes"]
    assert attributes["target_table"] == "patient"
    assert attributes["create_target_table"] is True
    assert [m["target"] for m in attributes["mappings"]] == ["hn", "pname", "birth"]
    assert attributes["key_columns"] == ["hn"]


def test_draft_from_an_unknown_table_is_422_naming_the_closest(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    response = client.post(
        f"{CONFIGS}/new",
        json=document("config-drafts", name="x", source="his.ovs", target="warehouse"),
    )

    assert response.status_code == 422
    error = only_error(response)
    assert error["source"] == {"pointer": "/data/attributes/source"}
    assert "did you mean 'ovst'?" in error["detail"]


def test_duplicate_name_is_409(client: TestClient, his_and_warehouse: dict[str, str]) -> None:
    create(client)

    response = client.post(CONFIGS, json=document(**{**OPD, "batch_size": 7}))

    assert response.status_code == 409
    assert "'opd_visits' already exists" in only_error(response)["detail"]
    assert client.get(f"{CONFIGS}/opd_visits").json()["data"]["attributes"]["batch_size"] == 5000


def test_malformed_configs_are_422_pointing_at_the_member(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    wrong_type = client.post(CONFIGS, json=document(**{**OPD, "batch_size": "lots"}))
    unknown_member = client.post(CONFIGS, json=document(**{**OPD, "batch": 10}))
    no_target = client.post(
        CONFIGS, json=document(**{**OPD, "mappings": [{"source": "vn"}], "key_columns": []})
    )
    no_datasource = client.post(CONFIGS, json=document(**{**OPD, "source": "hiss"}))

    assert wrong_type.status_code == 422
    assert only_error(wrong_type)["source"] == {"pointer": "/data/attributes/batch_size"}
    assert only_error(unknown_member)["source"] == {"pointer": "/data/attributes/batch"}
    error = only_error(no_target)
    assert (no_target.status_code, error["code"]) == (422, "invalid_config")
    assert "a target column is required" in error["detail"]
    assert error["source"] == {"pointer": "/data/attributes/mappings/0/target"}
    error = only_error(no_datasource)
    assert error["source"] == {"pointer": "/data/attributes/source"}
    assert "did you mean 'his'?" in error["detail"]
    assert client.get(CONFIGS).json()["data"] == []  # nothing was saved


def test_live_check_refuses_a_missing_column_unless_turned_off(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    misspelt = {**OPD, "mappings": [*OPD["mappings"], {"source": "cidd", "target": "cid"}]}

    checked = client.post(CONFIGS, json=document(**misspelt))
    unchecked = client.post(CONFIGS, params={"check_live": "false"}, json=document(**misspelt))

    assert checked.status_code == 422
    error = only_error(checked)
    assert error["code"] == "invalid_config"
    assert error["detail"] == (
        "Config 'opd_visits' does not match the live schemas (1 problem): "
        "mappings[3].source: no source column 'cidd'; did you mean 'cid'?"
    )
    assert unchecked.status_code == 201, unchecked.text


def test_patch_refuses_a_rename_and_an_unchanged_config(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    create(client)

    renamed = client.patch(f"{CONFIGS}/opd_visits", json=document(name="ipd_visits"))
    unchanged = client.patch(f"{CONFIGS}/opd_visits", json=document(batch_size=5000))

    assert renamed.status_code == 422
    assert only_error(renamed)["source"] == {"pointer": "/data/attributes/name"}
    assert unchanged.status_code == 409
    assert "nothing changed since v1" in only_error(unchanged)["detail"]


def test_unknown_config_or_version_is_404(
    client: TestClient, his_and_warehouse: dict[str, str]
) -> None:
    create(client)

    responses = [
        client.get(f"{CONFIGS}/no_such_config"),
        client.patch(f"{CONFIGS}/no_such_config", json=document(batch_size=1)),
        client.delete(f"{CONFIGS}/no_such_config"),
        client.get(f"{CONFIGS}/no_such_config/export"),
        client.get(f"{CONFIGS}/opd_visits/versions/9"),
        client.get(f"{CONFIGS}/opd_visits/diff", params={"from": 1, "to": 9}),
    ]

    assert [r.status_code for r in responses] == [404] * 6
    assert [only_error(r)["code"] for r in responses] == ["config_not_found"] * 6
    assert "has no version 9 (it has v1 to v1)" in only_error(responses[4])["detail"]


def test_openapi_documents_the_config_bodies_and_the_download(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    created = paths[CONFIGS]["post"]["responses"]
    export_responses = paths[CONFIGS + "/{key}/export"]["get"]["responses"]
    export = export_responses["200"]["content"]

    assert "Location" in created["201"]["headers"]
    assert {"404", "409", "422", "502"} <= set(created)
    assert set(export) == {"application/json", "application/typescript"}
    # The download's errors are JSON:API documents like every other route's.
    assert set(export_responses["404"]["content"]) == {MEDIA_TYPE}
    assert "ConfigDiffOut" in json.dumps(paths[CONFIGS + "/{key}/diff"]["get"])


def test_history_round_trip_on_each_metadata_store(
    store_ctx: ServiceContext, tmp_path: Path
) -> None:
    register_his_and_warehouse(store_ctx, tmp_path)
    with keyed_client(store_ctx) as client:
        v1 = create(client)
        client.patch(f"{CONFIGS}/opd_visits", json=document(batch_size=10))
        client.post(f"{CONFIGS}/opd_visits/rollback", params={"version": 1})
        diff = client.get(f"{CONFIGS}/opd_visits/diff", params={"from": 2, "to": 3})
        latest = client.get(f"{CONFIGS}/{v1['id']}").json()["data"]["attributes"]

    assert latest["version"] == 3
    assert content_of(latest) == content_of(v1["attributes"])
    assert diff.json()["data"]["attributes"]["fields"] == [
        {"field": "batch_size", "old": 10, "new": 5000}
    ]
