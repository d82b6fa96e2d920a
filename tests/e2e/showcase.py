"""An installation with something on every page: the demo, a mini_his hospital in SQLite, two
saved configs (one with a second version), a pipeline that has run, and a profile report.

The browser tests draw every page on it, and `make screenshots` photographs it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from config import Settings
from services.bootstrap import bootstrap
from services.datasources import create_datasource
from services.demo import DEMO_TARGET, ensure_demo, generate_mock_his
from services.mapping import save_config, update_config
from services.mapping.suggest.service import suggest_config
from services.pipelines import StepSpec, create_pipeline, run_pipeline
from services.profiling import analyze_datasource

HOSPITAL = "hospital (mini_his)"
PATIENTS_CONFIG, VISITS_CONFIG = "patients", "visits"
PIPELINE = "nightly"
PATIENTS = 200


def prepare_showcase(data_dir: Path, secret: str) -> None:
    """Fill `data_dir` (a new installation) with the showcase's datasources, configs, runs and
    report; the dashboard started on it then finds them."""
    ctx = bootstrap(Settings(data_dir=data_dir, secret_key=secret, _env_file=None))
    try:
        ensure_demo(ctx)
        hospital_file = data_dir / "hospital.sqlite"
        sqlite3.connect(hospital_file).close()  # SQLite datasources name an existing file
        create_datasource(ctx, name=HOSPITAL, db_type="sqlite", database=str(hospital_file))
        generate_mock_his(ctx, datasource=HOSPITAL, patients=PATIENTS)
        for name, table in ((PATIENTS_CONFIG, "patient"), (VISITS_CONFIG, "ovst")):
            config, _ = suggest_config(
                ctx, name, source=f"{HOSPITAL}.{table}", target=DEMO_TARGET, semantic=False
            )
            save_config(ctx, config, summary="first draft")
        update_config(ctx, PATIENTS_CONFIG, {"batch_size": 500}, summary="smaller batches")
        create_pipeline(
            ctx,
            PIPELINE,
            [
                StepSpec(PATIENTS_CONFIG, PATIENTS_CONFIG),
                StepSpec(VISITS_CONFIG, VISITS_CONFIG, depends_on=[PATIENTS_CONFIG]),
            ],
            description="Patients first, then their visits.",
        )
        run_pipeline(ctx, PIPELINE)
        analyze_datasource(ctx, HOSPITAL, out_dir=ctx.settings.reports_dir)
    finally:
        ctx.close()
