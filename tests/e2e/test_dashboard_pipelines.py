"""The Pipelines page through Streamlit's AppTest: a pipeline put together from two saved configs
on the demo, a cycle refused, a run as a real job, and delete behind a confirmation."""

from __future__ import annotations

import re
import sqlite3

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from services import mapping
from services.context import ServiceContext
from services.demo import DEMO_SOURCE, DEMO_TARGET
from services.demo.service import demo_files
from services.jobs import JobRunner
from services.pipelines import StepSpec, create_pipeline, list_pipeline_runs, list_pipelines
from tests.e2e.dashboard import open_page, rerun_until

pytestmark = pytest.mark.e2e

# Each config copies one demo table into a new table of the demo target.
COPIES = {
    "doctors": ("doctor", ("code", "name", "licenseno")),
    "patients": ("patient", ("hn", "fname", "lname", "sex")),
}
GREEN = "#81c784"  # succeeded
GREY = "#d0d0d0"  # not run yet
RED = "#e57373"  # failed
AMBER = "#ffb74d"  # skipped
NODE = re.compile(r'^\s*"(?P<id>[^"]+)" \[(?P<attributes>.*)\];$', re.MULTILINE)
EDGE = re.compile(r'^\s*"(?P<source>[^"]+)" -> "(?P<target>[^"]+)"', re.MULTILINE)


@pytest.fixture
def demo_configs(installation: ServiceContext) -> ServiceContext:
    """The installation with two saved configs between the demo datasources, each appending
    to a table of the target without a key (so appending again is possible)."""
    target = sqlite3.connect(demo_files(installation.settings)[1])
    for name, (table, columns) in COPIES.items():
        target.execute(f"CREATE TABLE {table}_copy ({', '.join(f'{c} TEXT' for c in columns)})")
        mapping.save_config(
            installation,
            {
                "name": name,
                "source": DEMO_SOURCE,
                "target": DEMO_TARGET,
                "source_table": table,
                "target_table": f"{table}_copy",
                "mappings": [{"source": column, "target": column} for column in columns],
            },
        )
    target.close()
    return installation


def _graph(at: AppTest) -> str:
    charts = at.get("graphviz_chart")
    assert len(charts) == 1, f"expected one graph, found {len(charts)}"
    return charts[0].proto.spec


def _fills(dot: str) -> dict[str, str]:
    fills = {}
    for node in NODE.finditer(dot):
        found = re.search(r'fillcolor="([^"]+)"', node["attributes"])
        fills[node["id"]] = found[1] if found else ""
    return fills


def _edges(dot: str) -> set[tuple[str, str]]:
    return {(edge["source"], edge["target"]) for edge in EDGE.finditer(dot)}


def _table_with(at: AppTest, *columns: str) -> pd.DataFrame:
    # AppTest keeps no key on a dataframe: a table is told apart by its columns.
    tables = [frame.value for frame in at.dataframe if set(columns) <= set(frame.value.columns)]
    assert len(tables) == 1, f"expected one table with {columns}, found {len(tables)}"
    return tables[0]


def _run_statuses(at: AppTest) -> list[str]:
    # The past runs' statuses, newest first (none before the first run is recorded).
    tables = [frame.value for frame in at.dataframe if {"run", "rows_loaded"} <= set(frame.value)]
    return list(tables[0]["status"]) if tables else []


def _count(table: str, database: str) -> int:
    connection = sqlite3.connect(database)
    try:
        return connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
    finally:
        connection.close()


def _choose_steps(at: AppTest, *, name: str, waits: dict[str, list[str]]) -> AppTest:
    at.text_input(key="pl_new_name").input(name)
    steps = at.multiselect(key="pl_new_steps")
    for step in COPIES:
        steps.select(step)
    at.run()
    for step, parents in waits.items():
        box = at.multiselect(key=f"pl_new_after_{step}")
        for parent in parents:
            box.select(parent)
        at.run()
    return at


def test_create_form_stores_two_steps_and_the_graph_shows_both_and_their_edge(
    demo_configs: ServiceContext,
) -> None:
    at = open_page("pipelines")
    assert [info.value for info in at.info] == [
        "No pipeline yet — create one below from saved configs."
    ]
    _choose_steps(at, name="nightly", waits={"patients": ["doctors"]})
    draft = _graph(at)  # the graph is drawn while the pipeline is put together
    assert _edges(draft) == {("doctors", "patients")}

    at.button(key="pl_create").click().run()

    assert not at.exception
    assert [success.value for success in at.success] == [
        "Pipeline 'nightly' created: 2 steps in 2 levels."
    ]
    stored = {view.pipeline.name: view for view in list_pipelines(demo_configs)}
    assert list(stored) == ["nightly"]
    assert stored["nightly"].dependencies == {"doctors": [], "patients": ["doctors"]}
    assert stored["nightly"].config_names == {"doctors": "doctors", "patients": "patients"}
    table = _table_with(at, "name", "last_run")
    assert list(table["name"]) == ["nightly"]
    assert list(table["steps"]) == [2]
    assert list(table["last_run"]) == ["never"]
    dot = _graph(at)
    assert _fills(dot) == {"doctors": GREY, "patients": GREY}
    assert _edges(dot) == {("doctors", "patients")}
    assert at.multiselect(key="pl_new_steps").value == []  # the form starts afresh


def test_a_cycle_is_refused_in_one_line_and_nothing_is_stored(
    demo_configs: ServiceContext,
) -> None:
    at = open_page("pipelines")
    _choose_steps(at, name="loop", waits={"patients": ["doctors"], "doctors": ["patients"]})

    at.button(key="pl_create").click().run()

    assert not at.exception
    assert not at.success
    errors = [error.value for error in at.error]
    assert len(errors) == 1
    assert errors[0].startswith("Pipeline 'loop' has a cycle: ")
    assert "\n" not in errors[0]
    assert {"doctors", "patients"} <= set(re.findall(r"\w+", errors[0]))
    assert list_pipelines(demo_configs) == []
    # What was chosen is kept, to be corrected.
    assert at.text_input(key="pl_new_name").value == "loop"
    assert at.multiselect(key="pl_new_after_doctors").value == ["patients"]


def test_a_run_as_a_job_colours_the_steps_green_and_lists_the_rows_the_targets_hold(
    demo_configs: ServiceContext, job_runner: JobRunner
) -> None:
    steps = [StepSpec("doctors", "doctors"), StepSpec("patients", "patients", ["doctors"])]
    create_pipeline(demo_configs, "nightly", steps)
    at = open_page("pipelines")
    assert [info.value for info in at.info] == ["Never run yet — press Run pipeline above."]

    at.button(key="pl_run").click().run()
    assert at.success[0].value.startswith("Pipeline 'nightly' queued as job ")
    rerun_until(at, lambda page: any(s.value.startswith("Job completed") for s in page.success))

    assert not at.error
    assert _fills(_graph(at)) == {"doctors": GREEN, "patients": GREEN}
    # Counted in the target and the source with plain SQLite, not through the engine.
    source, target = (str(path) for path in demo_files(demo_configs.settings))
    loaded = {step: _count(f"{table}_copy", target) for step, (table, _) in COPIES.items()}
    read = {step: _count(table, source) for step, (table, _) in COPIES.items()}
    assert loaded == {"doctors": 3, "patients": 4}
    runs = _table_with(at, "run", "rows_loaded")
    assert len(runs) == 1
    run = runs.iloc[0]
    assert run["status"] == "succeeded"
    assert (run["rows_read"], run["rows_loaded"], run["rows_rejected"]) == (
        sum(read.values()),
        sum(loaded.values()),
        0,
    )
    assert run["run"] == str(list_pipeline_runs(demo_configs, "nightly")[0].id)
    per_step = _table_with(at, "step", "rows_loaded").set_index("step")
    assert per_step["rows_loaded"].to_dict() == loaded
    assert per_step["rows_read"].to_dict() == read
    assert set(per_step["status"]) == {"succeeded"}


def test_append_again_runs_a_succeeded_pipeline_once_more_and_shows_the_new_run(
    demo_configs: ServiceContext, job_runner: JobRunner
) -> None:
    steps = [StepSpec("doctors", "doctors"), StepSpec("patients", "patients", ["doctors"])]
    create_pipeline(demo_configs, "nightly", steps)
    at = open_page("pipelines")
    at.button(key="pl_run").click().run()
    # The run record ends a moment before its job does; Run stays disabled until the job has.
    rerun_until(
        at,
        lambda page: (
            _run_statuses(page) == ["succeeded"] and not page.button(key="pl_run").disabled
        ),
    )

    at.checkbox(key="pl_again").check()
    at.button(key="pl_run").click().run()
    rerun_until(at, lambda page: _run_statuses(page) == ["succeeded", "succeeded"])

    target = str(demo_files(demo_configs.settings)[1])
    assert (_count("doctor_copy", target), _count("patient_copy", target)) == (6, 8)
    runs = _table_with(at, "run", "rows_loaded")
    assert list(runs["rows_loaded"]) == [7, 7]
    newest = str(list_pipeline_runs(demo_configs, "nightly")[0].id)
    assert runs.iloc[0]["run"] == newest
    assert at.selectbox(key="pl_run_selected").value == newest  # the new run is the one shown


def test_a_failed_step_is_red_its_dependant_amber_and_the_job_fails_in_one_line(
    demo_configs: ServiceContext, job_runner: JobRunner
) -> None:
    steps = [StepSpec("doctors", "doctors"), StepSpec("patients", "patients", ["doctors"])]
    create_pipeline(demo_configs, "nightly", steps)
    source = str(demo_files(demo_configs.settings)[0])
    connection = sqlite3.connect(source)
    connection.execute("DROP TABLE doctor")  # the first step's source is gone
    connection.close()
    at = open_page("pipelines")

    at.button(key="pl_run").click().run()
    rerun_until(at, lambda page: bool(page.error))

    assert not at.exception
    errors = [error.value for error in at.error]
    assert len(errors) == 1
    assert errors[0].startswith("Job failed: ")
    assert "\n" not in errors[0].strip()
    assert _fills(_graph(at)) == {"doctors": RED, "patients": AMBER}
    per_step = _table_with(at, "step", "rows_loaded").set_index("step")
    assert per_step["status"].to_dict() == {"doctors": "failed", "patients": "skipped"}
    assert list(_table_with(at, "run", "rows_loaded")["status"]) == ["failed"]
    target = str(demo_files(demo_configs.settings)[1])
    assert (_count("doctor_copy", target), _count("patient_copy", target)) == (0, 0)


def test_delete_needs_confirmation_and_keeps_the_configs(demo_configs: ServiceContext) -> None:
    create_pipeline(demo_configs, "nightly", [StepSpec("doctors", "doctors")])
    at = open_page("pipelines")
    assert at.button(key="pl_delete").disabled

    at.checkbox(key="pl_delete_confirm").check().run()
    at.button(key="pl_delete").click().run()

    assert not at.exception
    assert [success.value for success in at.success] == [
        "Pipeline 'nightly' deleted (its configs and past runs are kept)."
    ]
    assert list_pipelines(demo_configs) == []
    assert {record.name for record in mapping.list_configs(demo_configs)} == set(COPIES)
    assert [info.value for info in at.info] == [
        "No pipeline yet — create one below from saved configs."
    ]
