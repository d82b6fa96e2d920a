"""The running API against its own OpenAPI document, with schemathesis: whatever a client
sends, no server error, and every answer is one the document declares (status, media type,
body). And no /api/v1 route answers without a key.

Generic on purpose: every route the server mounts is covered, including ones added later.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.test_api_server import API_KEY, ApiServer, running_api_server

pytestmark = pytest.mark.e2e

AUTHORIZATION = {"Authorization": f"Bearer {API_KEY}"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Per operation: enough to reach every parameter and body shape, small enough that the whole
# module stays under a minute on a two-core machine.
MAX_EXAMPLES = 12
_PATH_PARAMETER = re.compile(r"\{[^}]+\}")
RUN_ID = "20240101_0900"
# Random path parameters only ever meet a 404: half of the cases name what the server holds.
KNOWN_NAMES = {
    "key": "clinic",
    "table": "ward",
    "run_id": RUN_ID,
}
KNOWN_BY_COLLECTION = {
    "transformers": "TRIM",
    "validators": "not_null",
    "dialects": "sqlite",
    "files": "data_profile/data_profile.html",
}


@pytest.fixture(scope="module")
def schema_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """An API server of its own: generated requests create and delete what they like."""
    workdir = tmp_path_factory.mktemp("api_schema")
    with running_api_server(workdir) as server:
        run = server.data_dir / "reports" / RUN_ID
        (run / "data_profile").mkdir(parents=True)
        (run / "data_profile" / "data_profile.html").write_text("<html></html>")
        (run / "process.log").write_text("[    0.00s] analysis finished\n")
        with sqlite3.connect(workdir / "clinic.db") as connection:
            connection.execute("CREATE TABLE ward (id INTEGER PRIMARY KEY, name TEXT)")
        connection.close()
        yield server


def _seed(server: ApiServer) -> None:
    # Again before each operation: a generated DELETE or PATCH may have removed or renamed it.
    attributes = {
        "name": KNOWN_NAMES["key"],
        "db_type": "sqlite",
        "database": str(server.data_dir.parent / "clinic.db"),
    }
    body = {"data": {"type": "datasources", "attributes": attributes}}
    response = httpx.post(server.base_url + "/api/v1/datasources", json=body, headers=AUTHORIZATION)
    assert response.status_code in (201, 409), response.text


def _known_names(operation: Any) -> Any:
    parts = operation.path.split("/")

    def fill(case: Any) -> Any:
        for name in list(case.path_parameters or {}):
            collection = parts[parts.index("{" + name + "}") - 1]
            value = KNOWN_BY_COLLECTION.get(collection, KNOWN_NAMES.get(name))
            if value is not None:
                case.path_parameters[name] = value
        return case

    return fill


def test_every_operation_answers_as_documented(schema_server: ApiServer) -> None:
    # One hypothesis run per operation, driven here rather than by schemathesis' pytest
    # plugin (its lazy fixture loader does not run on the pytest this project uses).
    api_schema = schemathesis.openapi.from_url(schema_server.base_url + "/openapi.json")
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        _seed(schema_server)
        strategy = operation.as_strategy()
        try:
            _exercise(st.one_of(strategy, strategy.map(_known_names(operation))))
        except Exception as error:  # noqa: BLE001 — every operation's failure is reported
            failures[operation.label] = _first_lines(error)

    assert len(operations) >= 10
    assert failures == {}


def _exercise(strategy: Any) -> None:
    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        case.call_and_validate(headers=AUTHORIZATION, checks=CHECKS, timeout=30)

    call()


def _first_lines(error: BaseException, count: int = 12) -> str:
    return "\n".join(str(error).strip().splitlines()[:count])


def test_every_api_route_refuses_a_request_without_a_key(
    schema_server: ApiServer, tmp_path: Path
) -> None:
    spec = httpx.get(schema_server.base_url + "/openapi.json").json()
    answers = {}
    with httpx.Client(base_url=schema_server.base_url, timeout=30) as client:
        for path, item in spec["paths"].items():
            if not path.startswith("/api/v1/"):
                continue
            url = _PATH_PARAMETER.sub("dummy", path)
            for method in item:
                response = client.request(method.upper(), url, json={})
                answers[f"{method.upper()} {path}"] = response.status_code

    assert len(answers) >= 10
    assert {name: status for name, status in answers.items() if status != 401} == {}
