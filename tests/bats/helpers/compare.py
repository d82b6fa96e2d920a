"""Checks the bats tests make on report folders: the Bash analyzer's against the Python profiler's.

    compare.py same PYTHON_RUN SCRIPT_RUN [--tables a,b] [--db-url URL] [--counts-only]
    compare.py masked SCRIPT_CSV SOURCE_DIR    # no name, no citizen ID of the source in it
    compare.py clear SCRIPT_CSV SOURCE_DIR     # names and citizen IDs of the source are in it
    compare.py limits SCRIPT_CSV CONFIG_JSON   # samples within config.json's sampling limits

A run is a report folder (YYYYMMDD_HHMM) or its data_profile.csv. Each problem is printed on a
line of its own (at most 40); the exit status is 1 when there is one.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from services.reports.rows import CSV_HEADER, parse_top_values  # noqa: E402
from utils.thai_cid import cid_checksum_ok  # noqa: E402

#: Cells that must be equal, character for character, in both reports.
EXACT = (
    "schema", "table_rows", "rows_profiled", "sampled", "position", "nullable", "primary_key",
    "null_count", "empty_count", "zero_count", "zero_dates", "distinct_count", "valid_pct",
    "null_pct", "empty_pct", "zero_pct", "min_value", "max_value", "avg_length", "max_length",
    "masked", "phi_kind",
)  # fmt: skip
#: The ones that are counts: the only cells compared with --counts-only (another masking).
COUNTS = ("table_rows", "rows_profiled", "null_count", "empty_count", "zero_count",
          "zero_dates", "distinct_count")  # fmt: skip
_CID_RUN = re.compile(r"(?<!\d)\d{13}(?!\d)")
LIMIT = 40

Rows = dict[tuple[str, str], dict[str, str]]


def csv_path(run: str) -> Path:
    """The data_profile.csv of a run folder, or the file itself."""
    path = Path(run)
    return path / "data_profile" / "data_profile.csv" if path.is_dir() else path


def read_csv(path: Path) -> tuple[list[str], Rows, list[str]]:
    """(header, rows by (table, column), problems with the file's encoding)."""
    raw = path.read_bytes()
    problems = [] if raw.startswith(b"\xef\xbb\xbf") else [f"{path.name}: no UTF-8 byte-order mark"]
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    rows = {(row["table"], row["column"]): row for row in reader}
    return list(reader.fieldnames or []), rows, problems


def compare_runs(args: argparse.Namespace) -> list[str]:
    """Every difference between the Python profiler's CSV and the script's."""
    py_header, python, _ = read_csv(csv_path(args.python_run))
    sh_header, script, problems = read_csv(csv_path(args.script_run))
    if sh_header != py_header:
        problems.append(f"header differs:\n  python {py_header}\n  script {sh_header}")
    expected_header = list(CSV_HEADER)
    if "zero_dates" in py_header:
        expected_header.insert(expected_header.index("zero_count") + 1, "zero_dates")
    if sh_header != expected_header:
        problems.append("script header is not CSV_COLUMNS (+ zero_dates after zero_count)")
    if args.tables:
        chosen = set(args.tables.split(","))
        python = {key: row for key, row in python.items() if key[0] in chosen}
    for key in sorted(python.keys() - script.keys()):
        problems.append(f"{'.'.join(key)}: missing from the script's CSV")
    for key in sorted(script.keys() - python.keys()):
        problems.append(f"{'.'.join(key)}: in the script's CSV, not in the Python profiler's")
    fields = COUNTS if args.counts_only else EXACT
    for key in sorted(python.keys() & script.keys()):
        where = ".".join(key)
        py, sh = python[key], script[key]
        for field in fields:
            if field in py and py[field] != sh.get(field):
                problems.append(f"{where}: {field} python={py[field]!r} script={sh.get(field)!r}")
        if not args.counts_only:
            problems += compare_top_values(where, py, sh, args.db_url)
            problems += compare_samples(where, py, sh)
    return problems


def compare_top_values(where: str, py: dict[str, str], sh: dict[str, str], url: str | None):
    """Top-5 values: the same counts in the same order; within a count the same values, except
    in the last (cut) group of equal counts, where the script may pick other values of the same
    count (checked against the database when `url` is given)."""
    ours, theirs = parse_top_values(py["top_5_values"]), parse_top_values(sh["top_5_values"])
    if py["top_5_values"] == sh["top_5_values"]:
        return []
    if [c for _, c in ours] != [c for _, c in theirs]:
        return [
            f"{where}: top_5_values python={py['top_5_values']!r} script={sh['top_5_values']!r}"
        ]
    groups: dict[int, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for (value, count), (other, _) in zip(ours, theirs, strict=True):
        groups[count][0].add(value)
        groups[count][1].add(other)
    cut = min(groups) if len(ours) == 5 else None
    problems = []
    for count, (expected, got) in groups.items():
        if expected == got:
            continue
        if count != cut:
            problems.append(f"{where}: values counted {count} python={expected} script={got}")
        elif url and sh["masked"] != "true":
            problems += [
                f"{where}: top value {value!r} is counted {count} but occurs {actual} times"
                for value in got - expected
                if (actual := occurrences(url, sh["table"], sh["column"], value)) != count
            ]
    return problems


def occurrences(url: str, table: str, column: str, value: str) -> int:
    """How many rows of `table` hold `value` in `column`, by the database's own comparison."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect() as connection:
        sql = f"SELECT COUNT(*) FROM {quote(table)} WHERE {quote(column)} = :value"
        found = connection.execute(text(sql), {"value": value}).scalar_one()
    engine.dispose()
    return int(found)


def compare_samples(where: str, py: dict[str, str], sh: dict[str, str]) -> list[str]:
    """The smart sample: as many values as the Python profiler took, none of them blank."""
    ours = py["sample_values"].split(" | ") if py["sample_values"] else []
    theirs = sh["sample_values"].split(" | ") if sh["sample_values"] else []
    problems = []
    if len(ours) != len(theirs):
        problems.append(f"{where}: {len(theirs)} sample values, Python has {len(ours)}")
    if any(not value.strip() for value in theirs):
        problems.append(f"{where}: a blank sample value in {sh['sample_values']!r}")
    return problems


def value_pieces(rows: Rows) -> set[str]:
    """Every value shown in a report: min, max, top-5 values and samples, one piece each."""
    pieces: set[str] = set()
    for row in rows.values():
        pieces.update(value for value, _ in parse_top_values(row.get("top_5_values", "")))
        pieces.update(row.get("sample_values", "").split(" | "))
        pieces.update((row.get("min_value", ""), row.get("max_value", "")))
    return {piece.strip() for piece in pieces if piece.strip()}


def source_lines(folder: Path, name: str) -> set[str]:
    """The values of the source listed in folder/name.txt (written by prepare.py)."""
    return set((folder / f"{name}.txt").read_text(encoding="utf-8").splitlines())


def check_masked(args: argparse.Namespace) -> list[str]:
    """No patient name and no citizen ID of the source in the report; a 13-digit value that
    passes the checksum may only be a visit number (one in ten passes by chance)."""
    _, rows, problems = read_csv(csv_path(args.csv))
    folder = Path(args.source)
    shown = value_pieces(rows)
    names = source_lines(folder, "first_names") | source_lines(folder, "last_names")
    cids = {cid for cid in source_lines(folder, "cids") if cid_checksum_ok(cid)}
    vns = source_lines(folder, "vns")
    problems += [f"patient name {name!r} is in the masked report" for name in sorted(names & shown)]
    text = csv_path(args.csv).read_text(encoding="utf-8-sig")
    for run in sorted(set(_CID_RUN.findall(text))):
        if run in cids:
            problems.append(f"citizen ID {run[:1]}-{run[1:5]}-… of a patient is in the report")
        elif cid_checksum_ok(run) and run not in vns:
            problems.append(f"a 13-digit value passing the checksum is in the report: {run[:5]}…")
    return problems


def check_clear(args: argparse.Namespace) -> list[str]:
    """The unmasked report shows the source's values: some patient names and citizen IDs."""
    _, rows, problems = read_csv(csv_path(args.csv))
    folder = Path(args.source)
    shown = value_pieces(rows)
    names = source_lines(folder, "first_names") | source_lines(folder, "last_names")
    cids = {cid for cid in source_lines(folder, "cids") if cid_checksum_ok(cid)}
    if not names & shown:
        problems.append("no patient name of the source is in the --no-mask report")
    if not cids & shown:
        problems.append("no valid citizen ID of the source is in the --no-mask report")
    return problems


def check_limits(args: argparse.Namespace) -> list[str]:
    """Every sample within its limit (config.json's default or its column's exception), no
    blank sample value, and each exception applied where the column has more values."""
    from models.profile_settings import SamplingSettings

    config = json.loads(Path(args.config).read_text(encoding="utf-8"))
    sampling = SamplingSettings.model_validate(config["sampling"])
    _, rows, problems = read_csv(csv_path(args.csv))
    excepted = {(e["table"], e["column"]) for e in config["sampling"]["exceptions"]}
    for (table, column), row in sorted(rows.items()):
        samples = row["sample_values"].split(" | ") if row["sample_values"] else []
        limit = sampling.limit_for(table, column)
        if len(samples) > limit:
            problems.append(f"{table}.{column}: {len(samples)} samples, the limit is {limit}")
        if any(not value.strip() for value in samples):
            problems.append(f"{table}.{column}: a blank sample in {row['sample_values']!r}")
        many = int(row["distinct_count"] or 0) > limit + 1  # one may be blank
        if (table, column) in excepted and many and len(samples) != limit:
            problems.append(f"{table}.{column}: {len(samples)} samples, its exception says {limit}")
    missing = excepted - rows.keys()
    problems += [f"{'.'.join(key)}: the excepted column is not in the CSV" for key in missing]
    return problems


def main(argv: list[str]) -> int:
    """Run one check; print its problems; 1 when there is any."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    same = commands.add_parser("same")
    same.add_argument("python_run")
    same.add_argument("script_run")
    same.add_argument("--tables")
    same.add_argument("--db-url")
    same.add_argument("--counts-only", action="store_true")
    for name in ("masked", "clear"):
        check = commands.add_parser(name)
        check.add_argument("csv")
        check.add_argument("source")
    limits = commands.add_parser("limits")
    limits.add_argument("csv")
    limits.add_argument("config")
    args = parser.parse_args(argv)
    run = {
        "same": compare_runs,
        "masked": check_masked,
        "clear": check_clear,
        "limits": check_limits,
    }[args.command]
    problems = run(args)
    for problem in problems[:LIMIT]:
        print(problem)
    if len(problems) > LIMIT:
        print(f"… and {len(problems) - LIMIT} more")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
