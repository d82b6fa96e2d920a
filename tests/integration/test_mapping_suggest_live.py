"""Mapping suggestions on the real servers: a HOSxP-like `patient` table in MariaDB onto a
43-file-like `person` table in PostgreSQL, read live or from a profile run; the suggested
config saved and run, its rows read back from PostgreSQL with plain SQL."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from services import mapping
from services.context import ServiceContext
from services.errors import DatasourceNotFound, InvalidInput
from services.mapping.suggest import suggest_config, suggest_mapping
from services.migration import run_migration
from services.profiling import analyze_datasource
from tests.integration.mapping_fixtures import (
    EXPECTED_PERSONS,
    EXPECTED_TARGETS,
    EXPECTED_TRANSFORMERS,
    PATIENTS,
    citizen_id,
    dashed,
    register_hosxp_and_hdc,
    targets_of,
    transformers_of,
)
from tests.integration.migration_fixtures import execute, fetch

SOURCE, TARGET = "hosxp.patient", "hdc.person"
MIGRATED_ROWS = 'SELECT "HN", "CID", "SEX", "BIRTH" FROM person WHERE "HN" LIKE \'0%\' ORDER BY 1'


@pytest.fixture
def servers(ctx: ServiceContext, mysql_database: URL, pg_database: URL) -> dict[str, URL]:
    """`hosxp` (MariaDB, table patient) and `hdc` (PostgreSQL, table person with 30 rows)."""
    register_hosxp_and_hdc(ctx, mysql_database, pg_database)
    return {"source": mysql_database, "target": pg_database}


@pytest.mark.parametrize("semantic", [True, False], ids=["semantic", "dictionary-only"])
def test_live_tables_get_the_clear_targets_with_their_transformers(
    ctx: ServiceContext, servers: dict[str, URL], semantic: bool
) -> None:
    found = suggest_mapping(ctx, source=SOURCE, target=TARGET, semantic=semantic)

    assert (found.source_table, found.target_table) == ("patient", "person")
    assert found.semantic is semantic
    assert [s.source_column for s in found.suggestions] == [
        "hn", "cid", "pname", "fname", "lname", "sex", "birthday", "old_flag", "queue_no",
    ]  # fmt: skip
    targets = targets_of(found.suggestions)
    assert {column: targets[column] for column in EXPECTED_TARGETS} == EXPECTED_TARGETS
    steps = transformers_of(found.suggestions)
    assert {column: steps[column] for column in EXPECTED_TRANSFORMERS} == {
        column: [name] for column, name in EXPECTED_TRANSFORMERS.items()
    }
    by_column = {s.source_column: s for s in found.suggestions}
    assert by_column["hn"].transformers[0].params == {"width": 9}
    assert [v.name for v in by_column["cid"].validators] == ["cid_checksum"]
    for suggestion in found.suggestions:
        assert suggestion.reasons and all(reason.strip() for reason in suggestion.reasons)
        assert all(step.reason.strip() for step in suggestion.transformers)
        assert 0.0 <= suggestion.confidence <= 1.0
    assert by_column["old_flag"].reasons == (f"empty (NULL or '') in all {len(PATIENTS)} rows",)


def saved_and_migrated(ctx: ServiceContext, data: dict[str, Any], log_dir: Path) -> None:
    mapping.save_config(ctx, data)
    run_migration(ctx, data["name"], log_dir=log_dir)


def test_the_suggested_config_saves_and_moves_the_rows_as_suggested(
    ctx: ServiceContext, servers: dict[str, URL], tmp_path: Path
) -> None:
    data, found = suggest_config(ctx, "people", source=SOURCE, target=TARGET, semantic=False)
    assert found is not None and data["create_target_table"] is False
    assert (data["source"], data["target"], data["target_table"]) == ("hosxp", "hdc", "person")
    assert data["source_key"] == ["hn"] and data["key_columns"] == ["HN"]
    by_source = {m["source"]: m for m in data["mappings"]}
    assert {s: m.get("target") for s, m in by_source.items()} == targets_of(found.suggestions)
    assert [t["name"] for t in by_source["sex"]["transformers"]] == ["SEX_CODE"]
    cid = by_source["cid"]
    assert cid["transformers"] == [{"name": "CID_FORMAT", "params": {"dashes": False}}]
    assert cid["validators"] == [{"name": "cid_checksum", "params": {}}]

    saved_and_migrated(ctx, data, tmp_path)

    assert fetch(servers["target"], MIGRATED_ROWS) == EXPECTED_PERSONS
    names = fetch(
        servers["target"], 'SELECT "NAME", "LNAME" FROM person WHERE "HN" = :hn', hn="000000023"
    )
    assert names == [(PATIENTS[1][3], PATIENTS[1][4])]
    assert fetch(servers["target"], "SELECT count(*) FROM person") == [(30 + len(PATIENTS),)]


def test_a_target_with_two_rows_has_code_sets_only_where_values_are_codes(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL
) -> None:
    register_hosxp_and_hdc(ctx, mysql_database, pg_database, existing=2)
    found = suggest_mapping(ctx, source=SOURCE, target=TARGET, semantic=False)
    steps = transformers_of(found.suggestions)
    assert {column: steps[column] for column in EXPECTED_TRANSFORMERS} == {
        column: [name] for column, name in EXPECTED_TRANSFORMERS.items()
    }
    assert steps["fname"] == steps["lname"] == []


def test_a_profile_run_gives_the_same_targets(ctx: ServiceContext, servers: dict[str, URL]) -> None:
    run = analyze_datasource(ctx, "hosxp", out_dir=ctx.settings.reports_dir)
    with (run.paths.run_dir / "data_profile" / "data_profile.csv").open(encoding="utf-8-sig") as f:
        profiled = {row["column"]: row for row in csv.DictReader(f)}
    assert {profiled[c]["masked"] for c in ("hn", "cid")} == {"true"}  # no sample to read

    by_name = suggest_mapping(
        ctx, source="patient", target=TARGET, run_id=run.paths.run_dir.name, semantic=False
    )
    by_reference = suggest_mapping(
        ctx, source=SOURCE, target=TARGET, run_id=run.paths.run_dir.name, semantic=False
    )

    assert by_name.source == f"run {run.paths.run_dir.name}: patient"
    for found in (by_name, by_reference):
        targets = targets_of(found.suggestions)
        assert {column: targets[column] for column in EXPECTED_TARGETS} == EXPECTED_TARGETS
        cid = next(s for s in found.suggestions if s.source_column == "cid")
        assert [v.name for v in cid.validators] == ["cid_checksum"]  # from the masked kind
        birthday = next(s for s in found.suggestions if s.source_column == "birthday")
        assert [t.name for t in birthday.transformers] == ["BUDDHIST_TO_ISO"]


def test_a_column_empty_in_the_first_rows_is_sampled_further(
    ctx: ServiceContext, servers: dict[str, URL]
) -> None:
    # 520 visits: the first 510 (more than the 500-row glance) without a citizen ID.
    ids = [dashed(citizen_id(f"1100{n:08d}")) for n in range(10)]
    execute(
        servers["source"],
        "CREATE TABLE visit (vn INT PRIMARY KEY, cid VARCHAR(17))",
        "INSERT INTO visit VALUES "
        + ", ".join(f"({n}, {'NULL' if n <= 510 else repr(ids[n - 511])})" for n in range(1, 521)),
    )
    found = suggest_mapping(ctx, source="hosxp.visit", target=TARGET, semantic=False)
    cid = next(s for s in found.suggestions if s.source_column == "cid")
    assert cid.target_column == "CID"
    assert [t.name for t in cid.transformers] == ["CID_FORMAT"]  # the dashes were seen


def test_an_unknown_table_names_itself_and_the_nearest_one(
    ctx: ServiceContext, servers: dict[str, URL]
) -> None:
    with pytest.raises(InvalidInput) as source:
        suggest_mapping(ctx, source="hosxp.patinet", target=TARGET, semantic=False)
    with pytest.raises(InvalidInput) as target:
        suggest_mapping(ctx, source=SOURCE, target="hdc.persn", semantic=False)
    with pytest.raises(InvalidInput) as bare:
        suggest_mapping(ctx, source="hosxp", target=TARGET, semantic=False)

    assert (
        source.value.message == "Datasource 'hosxp' has no table 'patinet'; did you mean 'patient'?"
    )
    assert source.value.field == "source"
    assert target.value.message == "Datasource 'hdc' has no table 'persn'; did you mean 'person'?"
    assert target.value.field == "target"
    assert bare.value.message == "'hosxp': give the source as DATASOURCE.TABLE, e.g. his.patient."


def test_an_unknown_datasource_is_one_line(ctx: ServiceContext, servers: dict[str, URL]) -> None:
    with pytest.raises((DatasourceNotFound, InvalidInput)) as source:
        suggest_mapping(ctx, source="hosxq.patient", target=TARGET, semantic=False)
    with pytest.raises((DatasourceNotFound, InvalidInput)) as target:
        suggest_mapping(ctx, source=SOURCE, target="hcd.person", semantic=False)

    for error, name in ((source.value, "hosxq"), (target.value, "hcd")):
        assert error.message.startswith(f"No datasource called {name!r}")
        assert "\n" not in error.message


def test_an_unknown_datasource_suggests_the_nearest_one(
    ctx: ServiceContext, servers: dict[str, URL]
) -> None:
    with pytest.raises(InvalidInput) as source:
        suggest_mapping(ctx, source="hosxq.patient", target=TARGET, semantic=False)
    assert source.value.message == "No datasource called 'hosxq'; did you mean 'hosxp'?"


def test_a_saved_config_teaches_the_suggestions_for_a_renamed_copy(
    ctx: ServiceContext, servers: dict[str, URL]
) -> None:
    data, offered = suggest_config(ctx, "people", source=SOURCE, target=TARGET, semantic=False)
    assert offered is not None
    first = {s.source_column: s for s in offered.suggestions}
    assert first["pname"].target_column == "PRENAME"
    for item in data["mappings"]:
        if item["source"] == "pname":  # the user does not want the prefix moved
            item.clear()
            item.update(source="pname", ignore=True)
    assert mapping.save_config(ctx, data).version == 1
    execute(servers["source"], "CREATE TABLE patient_copy AS SELECT * FROM patient")

    again = suggest_mapping(ctx, source="hosxp.patient_copy", target=TARGET, semantic=False)

    second = {s.source_column: s for s in again.suggestions}
    confirmed = [column for column, target in EXPECTED_TARGETS.items() if target]
    assert [m["source"] for m in data["mappings"] if not m["ignore"]] == confirmed
    for column in confirmed:
        assert second[column].target_column == EXPECTED_TARGETS[column]
        assert "confirmed in config people v1" in second[column].reasons
    assert [t.name for t in second["hn"].transformers] == ["HN_PAD"]
    for column in ("pname", "old_flag", "queue_no"):
        assert not any(r.startswith("confirmed") for r in second[column].reasons)
    lowered = second["pname"]  # the offer the user turned down: lower, or gone
    if lowered.target_column == "PRENAME":
        assert lowered.confidence < first["pname"].confidence
        assert "changed by the user before saving (1×)" in lowered.reasons
    [prefix] = mapping.known_pairs(ctx, source_columns=["pname"], target_table="person")
    assert (prefix.source_table, prefix.target_column) == ("patient", "PRENAME")
    assert (prefix.confirmed, prefix.rejected, prefix.config_name) == (0, 1, None)
    [hn] = mapping.known_pairs(ctx, source_columns=["HN"], target_table="person")
    assert (hn.target_column, hn.confirmed, hn.rejected) == ("HN", 1, 0)
    assert (hn.config_name, hn.config_version) == ("people", 1)
    assert hn.transformers == [{"name": "HN_PAD", "params": {"width": 9}}]
