"""Benchmark: mini_his (200,000 patients, 1,000,000 visits) into fresh MariaDB and PostgreSQL
databases; prints seconds and rows/s per table, the index/key phase and the total per server.

    python bench/bench_generate.py [--patients N] [--visits N] [--servers mysql,postgresql]

Servers come from HIS_TEST_MYSQL_URL and HIS_TEST_PG_URL (the test suite's defaults).
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:
    # Run as a file: make the project's packages importable without installing it.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: E402
import time  # noqa: E402

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from mini_his.gen_mini_his import engine_for_url, generate  # noqa: E402
from tests.servers import MYSQL_URL, PG_URL, create_database, drop_database, unique_name  # noqa: E402

SERVERS = {"mysql": MYSQL_URL, "postgresql": PG_URL}


def bench_server(label: str, server_url: str, patients: int, visits: int) -> float:
    """Generate into a fresh database on one server; returns the total seconds."""
    server = make_url(server_url)
    name = unique_name("his_bench")
    url = create_database(server, name)
    engine = engine_for_url(url)
    marks: dict[str, list[float]] = {}

    def progress(table: str, done: int, total: int) -> None:
        now = time.perf_counter()
        marks.setdefault(table, [now, now])[1] = now

    try:
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version()")).scalar_one()
        print(f"\n== {label}: {version.split(' on ')[0]} (database {name})")
        started = time.perf_counter()
        counts = generate(engine, patients=patients, visits=visits, seed=42, progress=progress)
        total = time.perf_counter() - started
    finally:
        engine.dispose()
        drop_database(server, name)
    print(f"{'table':<12} {'rows':>10} {'seconds':>8} {'rows/s':>10}")
    for table, rows in counts.items():
        seconds = marks[table][1] - marks[table][0]
        rate = f"{rows / seconds:10,.0f}" if seconds > 0 else f"{'-':>10}"
        print(f"{table:<12} {rows:>10,} {seconds:8.2f} {rate}")
    loaded = max(end for _, end in marks.values())
    print(f"{'indexes+FKs':<12} {'':>10} {started + total - loaded:8.2f}")
    all_rows = sum(counts.values())
    print(f"{'total':<12} {all_rows:>10,} {total:8.2f} {all_rows / total:10,.0f}")
    ovst = marks["ovst"][1] - marks["ovst"][0]
    print(
        f"ovst alone: {counts['ovst']:,} rows in {ovst:.2f} s ({counts['ovst'] / ovst:,.0f} rows/s)"
    )
    return total


def main() -> int:
    """Parse the arguments and benchmark each chosen server in turn."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--servers", default="mysql,postgresql", help="Comma-separated.")
    args = parser.parse_args()
    print(f"mini_his: {args.patients:,} patients, {args.visits:,} visits, seed 42")
    for label in args.servers.split(","):
        bench_server(label, SERVERS[label], args.patients, args.visits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
