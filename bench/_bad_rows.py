"""bench_migrate.py --bad-rows PERCENT: quarantine speed with many bad rows, against clean.

The source is a copy of mini_his `ovst` whose columns are widened the way legacy tables are
(text where the new system wants numbers, longer text, NULL allowed), with PERCENT % of its
rows spoiled in five ways, one fifth each: a too-long `staff`, a NULL `doctor` (NOT NULL in
the target), an `income` that is no number, a `pt_priority` beyond INT, and an impossible
Buddhist date. Both runs load into a target table made beforehand with the same columns,
key and indexes (doctor NOT NULL), under the quarantine policy; the clean run reads `ovst`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

BAD_TABLE = "ovst_bad"
KINDS = 5


def bench_bad_rows(
    source: URL,
    percent: float,
    fresh_target: Callable[[], URL],
    ours: Callable[[URL, str, dict], dict],
) -> None:
    """Print rows/s of the clean and the spoiled table, and their ratio."""
    every = max(1, round(100 * KINDS / percent))  # rows per spoiled row of one kind
    spoiled = spoil(source, every)
    ddl = target_schema(fresh_target, ours)
    overrides = {"create_target_table": False, "error_policy": "quarantine"}
    clean = ours(prepared_target(ddl, fresh_target), "ovst", overrides)
    bad = ours(prepared_target(ddl, fresh_target), BAD_TABLE, overrides)
    clean_rate = clean["rows"] / clean["seconds"]
    read = bad["rows"] + bad["rejected"]
    bad_rate = read / bad["seconds"]
    print(
        f"\n{'run (quarantine)':<34} {'read':>10} {'loaded':>10} {'rejected':>9} "
        f"{'seconds':>8} {'rows/s':>10}  reconciled"
    )
    runs = (("clean ovst", clean, clean_rate), (f"{percent:g} % bad rows", bad, bad_rate))
    for label, run, rate in runs:
        print(
            f"{label:<34} {run['rows'] + run['rejected']:>10,} {run['rows']:>10,} "
            f"{run['rejected']:>9,} {run['seconds']:8.2f} {rate:10,.0f}  "
            f"{'ok' if run['reconciled'] else 'FAILED'}"
        )
    share = bad_rate / clean_rate
    print(
        f"spoiled rows: {spoiled:,} ({KINDS} kinds); bad-rows rate = {share:.0%} of the clean "
        f"rate (target >= 50 %: {'met' if share >= 0.5 else 'MISSED'}); rejected as expected: "
        f"{'yes' if bad['rejected'] == spoiled else 'NO'}"
    )


def spoil(source: URL, every: int) -> int:
    """Make `ovst_bad`: `ovst` with legacy-wide columns and one row in `every` of each kind
    spoiled; returns how many rows are spoiled."""
    engine = create_engine(source, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {BAD_TABLE}"))
        connection.execute(text(f"CREATE TABLE {BAD_TABLE} LIKE ovst"))
        connection.execute(
            text(
                f"ALTER TABLE {BAD_TABLE} MODIFY staff VARCHAR(60), MODIFY income VARCHAR(20), "
                "MODIFY pt_priority BIGINT"
            )
        )
        connection.execute(text(f"INSERT INTO {BAD_TABLE} SELECT * FROM ovst"))
        # One kind per residue of the row number, so no row is spoiled twice.
        position = "CAST(SUBSTRING(vn, 7) AS UNSIGNED)"
        spoils = (
            "staff = REPEAT('x', 40)",
            "doctor = NULL",
            "income = 'n/a'",
            "pt_priority = 99999999999",
            "vstdate_th = '2566-02-30'",
        )
        spoiled = 0
        for kind, change in enumerate(spoils):
            done = connection.execute(
                text(f"UPDATE {BAD_TABLE} SET {change} WHERE {position} % {every} = {kind}")
            )
            spoiled += done.rowcount
    engine.dispose()
    return spoiled


def target_schema(fresh_target: Callable[[], URL], ours: Callable[[URL, str, dict], dict]) -> str:
    """The DDL of the `ovst` our engine creates (types, key, indexes), taken by pg_dump from a
    target it made from the small table."""
    template = fresh_target()
    ours(template, "ovst_small", {"create_target_table": True})
    dump = subprocess.run(
        [
            "pg_dump", "--schema-only", "--no-owner", "--table", "public.ovst",
            "-h", str(template.host), "-p", str(template.port), "-U", str(template.username),
            str(template.database),
        ],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    # psql meta-commands (\restrict in newer pg_dump) are not SQL.
    return "\n".join(line for line in dump.stdout.splitlines() if not line.startswith("\\"))


def prepared_target(ddl: str, fresh_target: Callable[[], URL]) -> URL:
    """A fresh PostgreSQL database holding an empty `ovst` made by `ddl`, with `doctor`
    NOT NULL as the new system wants it."""
    target = fresh_target()
    engine = create_engine(target)
    with engine.begin() as connection:
        connection.exec_driver_sql(ddl)
        connection.exec_driver_sql("ALTER TABLE public.ovst ALTER COLUMN doctor SET NOT NULL")
    engine.dispose()
    return target
