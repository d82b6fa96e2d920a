"""MigrationController on a real (SQLite) store and the demo datasources: an uploaded config
checked without being saved, and a run's log file offered only from the data folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from controllers.migration_controller import MigrationController
from services.context import ServiceContext
from services.demo import DEMO_SOURCE, DEMO_TARGET, ensure_demo
from services.errors import InvalidConfig
from services.mapping import check_config_text, list_configs, save_config
from services.migration import run_migration

CONFIG = {
    "name": "doctors",
    "source": DEMO_SOURCE,
    "target": DEMO_TARGET,
    "source_table": "doctor",
    "target_table": "doctor",
    "create_target_table": True,
    "mappings": [{"source": c, "target": c} for c in ("code", "name", "licenseno")],
}


@pytest.fixture
def controller(ctx: ServiceContext) -> MigrationController:
    ensure_demo(ctx)
    return MigrationController(ctx)


def test_an_upload_is_checked_as_an_import_would_and_nothing_is_saved(
    controller: MigrationController, ctx: ServiceContext
) -> None:
    check = controller.check_upload(json.dumps(CONFIG))
    assert (check.name, check.source, check.reads, check.target, check.writes) == (
        "doctors", DEMO_SOURCE, "doctor", DEMO_TARGET, "doctor",
    )  # fmt: skip
    assert check.saved_version is None and list_configs(ctx) == []

    save_config(ctx, CONFIG)
    assert controller.check_upload(json.dumps(CONFIG)).saved_version == 1

    with pytest.raises(InvalidConfig, match="no datasource called 'demo sourse'"):
        check_config_text(ctx, json.dumps({**CONFIG, "source": "demo sourse"}))
    with pytest.raises(InvalidConfig, match="^Not valid JSON: line 1, column 2"):
        check_config_text(ctx, "{")


def test_a_runs_log_file_is_offered_only_from_the_installations_data_folder(
    controller: MigrationController, ctx: ServiceContext, tmp_path: Path
) -> None:
    save_config(ctx, CONFIG)
    save_config(ctx, {**CONFIG, "name": "doctors again", "target_table": "doctor_copy"})
    inside = run_migration(ctx, "doctors")
    outside = run_migration(ctx, "doctors again", log_dir=tmp_path / "elsewhere")
    assert outside.log_path and Path(outside.log_path).is_file()

    offered = controller.run_log(str(inside.run_id))
    assert offered is not None and offered.path == Path(inside.log_path or "").resolve()
    assert offered.path.is_relative_to(ctx.settings.data_dir.resolve())
    assert controller.run_log(str(outside.run_id)) is None
    assert controller.run_log(None) is None
