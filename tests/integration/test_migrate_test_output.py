"""`his-analyzer migrate CONFIG --test`, set up and run as a user would: a MariaDB table whose
rows fail in two columns is tried against PostgreSQL, and the printed report is compared with
counts, values and rows worked out here from the rows inserted."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from sqlalchemy.engine import URL

from tests.integration.migration_fixtures import execute, fetch

ROWS = 500
BAD_HN = {i for i in range(1, ROWS + 1) if i % 10 in (1, 2, 3)}  # 11 digits: HN_PAD width 9
BAD_DATE = {i for i in range(1, ROWS + 1) if i % 10 in (3, 4, 5)}  # month 13: not a date
GROUP_LINE = re.compile(
    r"^  ([\d,]+) rows?  (.+?) \((transform|validate|load)\) (.+); first: (.+)$"
)
VALUES_LINE = re.compile(r"^      values: (.+?)( and more \(the first \d+ distinct\))?$")
PREVIEW_ID = re.compile(r"^│\s*(\d+)\s*│")

Cli = Callable[..., CompletedProcess[str]]


def hn(id_: int) -> str:
    return f"7{id_:010d}" if id_ in BAD_HN else f"5{id_:05d}"


def visit_date(id_: int) -> str:
    return f"2566-13-{id_ % 28 + 1:02d}" if id_ in BAD_DATE else "2566-03-14"


def masked_hn(clear: str) -> str:
    # The HN rule written out here: every character but the last two becomes 'x'.
    return "x" * (len(clear) - 2) + clear[-2:]


@pytest.fixture
def tried(cli: Cli, tmp_path: Path, mysql_database: URL, pg_database: URL) -> Cli:
    """A saved config 'visits' (MariaDB -> PostgreSQL); runs `migrate visits --test ARGS`."""
    execute(
        mysql_database,
        "CREATE TABLE visits (id INT PRIMARY KEY, hn VARCHAR(20), visit_date VARCHAR(20))",
        "INSERT INTO visits VALUES "
        + ", ".join(f"({i}, '{hn(i)}', '{visit_date(i)}')" for i in range(1, ROWS + 1)),
    )
    ids = {}
    for side, url in (("source", mysql_database), ("target", pg_database)):
        kind = "mysql" if side == "source" else "postgresql"
        fields = {"--name": side, "--type": kind, "--host": url.host, "--port": str(url.port)}
        fields |= {"--database": url.database, "--user": url.username}
        added = cli("datasource", "add", *[part for pair in fields.items() for part in pair])
        assert added.returncode == 0, added.stderr
        shown = cli("datasource", "show", side).stdout
        ids[f"{side}_datasource_id"] = re.search(r"│ id\s+│ ([0-9a-f-]{36})", shown).group(1)  # type: ignore[union-attr]
    config = {
        "name": "visits",
        **ids,
        "source_table": "visits",
        "target_table": "visits_new",
        "create_target_table": True,
        "error_policy": "quarantine",
        "mappings": [
            {"source": "id", "target": "id"},
            {"source": "hn", "target": "hn", "transformers": [{"name": "HN_PAD"}]},
            {"source": "visit_date", "target": "visit_date",
             "transformers": [{"name": "BUDDHIST_TO_ISO"}]},
        ],
    }  # fmt: skip
    path = tmp_path / "visits.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    assert cli("config", "save", str(path)).returncode == 0

    def run(*args: str) -> CompletedProcess[str]:
        done = cli("migrate", "visits", "--test", *args)
        assert done.returncode == 0, done.stderr
        assert fetch(pg_database, "SELECT to_regclass('visits_new')") == [(None,)]  # rolled back
        return done

    return run


def groups_of(stdout: str) -> dict[tuple[str, str], tuple[int, str, list[str], bool]]:
    """(column, reason) -> (rejects, first reference, values shown, more values), as printed."""
    lines = stdout.splitlines()
    found = {}
    for number, line in enumerate(lines):
        if match := GROUP_LINE.match(line):
            values = VALUES_LINE.match(lines[number + 1])
            assert values, lines[number + 1]
            shown = re.findall(r"'([^']*)'", values.group(1))
            key = (match.group(2), match.group(4))
            found[key] = (
                int(match.group(1).replace(",", "")),
                match.group(5),
                shown,
                bool(values.group(2)),
            )
    return found  # fmt: skip


def test_the_report_groups_rejects_by_column_and_reason_with_masked_values(tried: Cli) -> None:
    shown = tried("--show", "7")
    bad = BAD_HN | BAD_DATE
    assert (
        f"TEST of 'visits' (rolled back): {ROWS} rows read, {ROWS - len(bad)} would load, "
        f"{len(bad)} would be rejected." in shown.stdout
    )
    groups = groups_of(shown.stdout)
    assert set(groups) == {
        ("hn", "HN_PAD: longer than 9 digits"),
        ("visit_date", "BUDDHIST_TO_ISO: not a date"),
    }
    count, first, values, more = groups["hn", "HN_PAD: longer than 9 digits"]
    assert (count, first) == (len(BAD_HN), f"batch 1, row {min(BAD_HN)}")
    masked = {masked_hn(hn(i)) for i in BAD_HN}
    assert len(values) == len(set(values)) == 10 and set(values) <= masked and more
    count, first, values, more = groups["visit_date", "BUDDHIST_TO_ISO: not a date"]
    assert (count, first) == (len(BAD_DATE), f"batch 1, row {min(BAD_DATE)}")
    assert len(values) == len(set(values)) == 10 and more
    assert set(values) <= {visit_date(i) for i in BAD_DATE}
    # No HN in clear, neither a rejected one nor a loaded one (padded to nine digits).
    for i in range(1, ROWS + 1):
        assert hn(i) not in shown.stdout and hn(i).zfill(9) not in shown.stdout
    loaded = sorted(set(range(1, ROWS + 1)) - bad)
    assert preview_ids(shown.stdout) == loaded[:7]
    assert len(shown.stdout.splitlines()) < 60  # 300 rejects, never a line each


def test_show_sets_the_preview_rows_and_rows_the_rows_read(tried: Cli) -> None:
    default = tried()
    loaded = sorted(set(range(1, ROWS + 1)) - BAD_HN - BAD_DATE)
    assert preview_ids(default.stdout) == loaded[:20]
    none = tried("--show", "0", "--rows", "100")
    bad = {i for i in BAD_HN | BAD_DATE if i <= 100}
    assert f"100 rows read, {100 - len(bad)} would load, {len(bad)} would be rejected" in (
        none.stdout
    )
    assert preview_ids(none.stdout) == [] and "transformed rows" not in none.stdout
    hn_group = groups_of(none.stdout)["hn", "HN_PAD: longer than 9 digits"]
    assert hn_group[0] == len({i for i in BAD_HN if i <= 100})


def preview_ids(stdout: str) -> list[int]:
    """The id column of the printed preview table, row by row."""
    return [
        int(match.group(1)) for line in stdout.splitlines() if (match := PREVIEW_ID.match(line))
    ]
