"""`map suggest`, `config new --suggest` and `map coverage`, run as a user would on the real
MariaDB (source) and PostgreSQL (target) servers; coverage counted again with plain SQL."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from config import Settings
from services import mapping
from services.bootstrap import bootstrap
from services.context import ServiceContext
from services.mapping.suggest import suggest_mapping
from services.migration import run_migration
from tests.integration.mapping_fixtures import (
    EXPECTED_TARGETS,
    EXPECTED_TRANSFORMERS,
    register_hosxp_and_hdc,
    targets_of,
)
from tests.integration.migration_fixtures import execute, fetch

Cli = Callable[..., subprocess.CompletedProcess[str]]
SUGGEST = ("--source", "hosxp.patient", "--target", "hdc.person")

#: pttype of 100 visits: upper and lower case, blanks around, empty, NULL.
PTTYPES = ["10"] * 40 + ["20"] * 21 + [" 30"] * 6 + ["A7"] * 9 + ["a7"] * 4
PTTYPES += ["99"] * 7 + ["89"] * 3 + [""] * 2 + [None] * 8
MAPPING = {"10": "UC", "20": "SSS", "30": "OFC", "A7": "SSS-A"}
CONFIRMED = "confirmed in config people v1"


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables wide enough that no reason wraps inside its cell (set before `cli` copies the
    environment: autouse fixtures come first)."""
    monkeypatch.setenv("COLUMNS", "400")


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[ServiceContext]:
    """The service context of the installation the `cli` fixture runs in (what the command
    would do to set things up, without a process per step)."""
    context = bootstrap(Settings(data_dir=tmp_path / "data", secret_key="cli-test", _env_file=None))
    yield context
    context.close()


@pytest.fixture
def servers(installation: ServiceContext, mysql_database: URL, pg_database: URL) -> dict[str, URL]:
    """`hosxp` (MariaDB: patient, ovst) and `hdc` (PostgreSQL: person, visits)."""
    register_hosxp_and_hdc(installation, mysql_database, pg_database)
    rows = ", ".join(
        f"({vn}, {'NULL' if code is None else repr(code)})" for vn, code in enumerate(PTTYPES)
    )
    execute(
        mysql_database,
        "CREATE TABLE ovst (vn INT PRIMARY KEY, pttype VARCHAR(3))",
        f"INSERT INTO ovst VALUES {rows}",
    )
    execute(pg_database, "CREATE TABLE visits (vn INT PRIMARY KEY, pttype VARCHAR(10))")
    return {"source": mysql_database, "target": pg_database}


def one_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    return line


def table_rows(printed: str) -> dict[str, list[str]]:
    """The cells of each row of a printed suggestion table, by source column."""
    rows = [line.split("│")[1:-1] for line in printed.splitlines() if line.startswith("│ ")]
    return {cells[0].strip(): [cell.strip() for cell in cells] for cells in rows}


def test_map_suggest_prints_each_column_its_target_and_why(
    cli: Cli, servers: dict[str, URL], installation: ServiceContext
) -> None:
    shown = cli("map", "suggest", *SUGGEST, "--no-semantic")
    service = suggest_mapping(
        installation, source="hosxp.patient", target="hdc.person", semantic=False, remember=False
    )

    assert shown.returncode == 0, shown.stderr
    rows = table_rows(shown.stdout)
    assert list(rows) == [s.source_column for s in service.suggestions]
    for source, target in EXPECTED_TARGETS.items():
        assert rows[source][1] == (target or "— (unmapped)")
        if source in EXPECTED_TRANSFORMERS:
            assert rows[source][3].split(", ")[0] == EXPECTED_TRANSFORMERS[source]
    for s in service.suggestions:
        assert rows[s.source_column][2] == f"{s.confidence:.0%}"
        why = "; ".join([*s.reasons, *(t.reason for t in s.transformers)])
        assert rows[s.source_column][4] == why
    mapped = sum(target is not None for target in targets_of(service.suggestions).values())
    assert shown.stdout.splitlines()[-1].startswith(
        f"{mapped} of {len(service.suggestions)} columns mapped (without the semantic model, "
    )


def test_map_suggest_json_matches_the_service(
    cli: Cli, servers: dict[str, URL], installation: ServiceContext
) -> None:
    shown = cli("map", "suggest", *SUGGEST, "--no-semantic", "--json")
    assert shown.returncode == 0, shown.stderr
    printed = json.loads(shown.stdout)
    service = suggest_mapping(
        installation, source="hosxp.patient", target="hdc.person", semantic=False, remember=False
    )

    assert (printed["source"], printed["target"]) == ("hosxp.patient", "hdc.person")
    assert printed["semantic"] is False
    targets = {s["source_column"]: s["target_column"] for s in printed["suggestions"]}
    assert targets == {s.source_column: s.target_column for s in service.suggestions}
    assert {column: targets[column] for column in EXPECTED_TARGETS} == EXPECTED_TARGETS
    for suggestion in printed["suggestions"]:
        assert set(suggestion) >= {"confidence", "reasons", "transformers", "validators"}


def test_config_new_suggest_prints_a_config_that_config_save_takes(
    cli: Cli, servers: dict[str, URL], tmp_path: Path
) -> None:
    drafted = cli("config", "new", "people", *SUGGEST, "--suggest")
    assert drafted.returncode == 0, drafted.stderr
    data = json.loads(drafted.stdout)  # only the config is on stdout
    assert {m["source"]: m.get("target") for m in data["mappings"]}.items() >= (
        EXPECTED_TARGETS.items()
    )
    assert table_rows(drafted.stderr)["hn"][1:2] == ["HN"]
    assert "HN_PAD" in table_rows(drafted.stderr)["hn"][3]
    assert "columns mapped (with the semantic model, " in drafted.stderr

    (tmp_path / "people.json").write_text(drafted.stdout, encoding="utf-8")
    saved = cli("config", "save", str(tmp_path / "people.json"))
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.strip() == "Config 'people' saved as v1."


def test_config_new_suggest_save_then_a_renamed_copy_shows_the_confirmed_pairs(
    cli: Cli, servers: dict[str, URL]
) -> None:
    saved = cli("config", "new", "people", *SUGGEST, "--suggest", "--save")
    assert saved.returncode == 0, saved.stderr
    assert table_rows(saved.stdout)["birthday"][1] == "BIRTH"
    assert "BUDDHIST_TO_ISO" in table_rows(saved.stdout)["birthday"][3]
    assert saved.stdout.strip().splitlines()[-1] == "Config 'people' saved as v1."
    execute(servers["source"], "CREATE TABLE patient_copy AS SELECT * FROM patient")

    shown = cli("map", "suggest", "--source", "hosxp.patient_copy", "--target", "hdc.person",
                "--no-semantic")  # fmt: skip

    assert shown.returncode == 0, shown.stderr
    confirmed = [c for c, cells in table_rows(shown.stdout).items() if CONFIRMED in cells[4]]
    mapped = [column for column, target in EXPECTED_TARGETS.items() if target]
    assert sorted(confirmed) == sorted([*mapped, "pname"])


def save_coverage_config(ctx: ServiceContext, value_map: dict[str, Any]) -> None:
    mapping.save_config(
        ctx,
        {
            "name": "visits", "source": "hosxp", "source_table": "ovst", "target": "hdc",
            "target_table": "visits", "key_columns": ["vn"], "source_key": ["vn"],
            "error_policy": "quarantine",
            "mappings": [
                {"source": "vn", "target": "vn"},
                {"source": "pttype", "target": "pttype",
                 "transformers": [{"name": "VALUE_MAP", "params": value_map}]},
            ],
        },
    )  # fmt: skip


def counted_independently(source: URL) -> dict[str, Any]:
    """Coverage worked out from the rows themselves: plain SQL, then Python's exact lookup."""
    values = Counter(value for (value,) in fetch(source, "SELECT pttype FROM ovst"))
    nulls = values.pop(None, 0)
    covered = sum(count for value, count in values.items() if value.strip() in MAPPING)
    unmapped = sorted(
        ((v, c) for v, c in values.items() if v.strip() not in MAPPING), key=lambda p: (-p[1], p[0])
    )
    return {
        "rows": sum(values.values()),
        "covered_rows": covered,
        "null_rows": nulls,
        "distinct_values": len(values),
        "unmapped": [{"value": v, "count": c} for v, c in unmapped],
    }


LOOKUP = {"datasource": "hdc", "table": "pttype_map", "key_column": "code", "value_column": "hdc"}


@pytest.mark.parametrize(
    "value_map", [{"mapping": MAPPING}, {"lookup": LOOKUP}], ids=["inline", "lookup"]
)
def test_map_coverage_counts_what_the_value_map_covers(
    cli: Cli,
    installation: ServiceContext,
    servers: dict[str, URL],
    tmp_path: Path,
    value_map: dict[str, Any],
) -> None:
    rows = ", ".join(f"('{code}', '{hdc}')" for code, hdc in MAPPING.items())
    execute(
        servers["target"],
        "CREATE TABLE pttype_map (code VARCHAR(3) PRIMARY KEY, hdc VARCHAR(10))",
        f"INSERT INTO pttype_map VALUES {rows}",
    )
    save_coverage_config(installation, value_map)
    expected = counted_independently(servers["source"])

    measured = cli("map", "coverage", "visits", "pttype", "--json")
    shown = cli("map", "coverage", "visits", "pttype")

    assert measured.returncode == 0, measured.stderr
    coverage = json.loads(measured.stdout)
    assert {key: coverage[key] for key in expected} == expected
    assert expected["unmapped"][0] == {"value": "99", "count": 7}  # the data is what we think
    assert coverage["share"] == round(expected["covered_rows"] / expected["rows"], 4)
    assert coverage["basis"] == "group_by"
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(
        f"pttype → pttype: {expected['covered_rows']} of {expected['rows']} rows covered ("
    )
    # What it predicts is what a migration does: the covered rows load, the others are refused.
    run_migration(installation, "visits", log_dir=tmp_path)
    loaded = fetch(servers["target"], "SELECT count(*) FROM visits WHERE pttype IS NOT NULL")
    assert loaded == [(expected["covered_rows"],)]


def test_map_coverage_errors_are_one_line(
    cli: Cli, installation: ServiceContext, servers: dict[str, URL]
) -> None:
    save_coverage_config(installation, {"mapping": MAPPING})

    assert one_error(cli("map", "coverage", "visits", "vn")) == (
        "error: Column 'vn' of config 'visits' has no VALUE_MAP transformer."
    )
    assert one_error(cli("map", "coverage", "visits", "pttpye")) == (
        "error: Config 'visits' maps no column 'pttpye'."
    )
    assert one_error(cli("map", "coverage", "vists", "pttype")) == (
        "error: No mapping config called 'vists'."
    )


def test_map_suggest_errors_are_one_line(cli: Cli, servers: dict[str, URL]) -> None:
    table = cli("map", "suggest", "--source", "hosxp.patinet", "--target", "hdc.person")
    datasource = cli("map", "suggest", "--source", "hosxq.patient", "--target", "hdc.person")

    assert (
        one_error(table)
        == "error: Datasource 'hosxp' has no table 'patinet'; did you mean 'patient'?"
    )
    assert one_error(datasource).startswith("error: No datasource called 'hosxq'")
