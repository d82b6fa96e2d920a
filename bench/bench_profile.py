"""Deep profile of the 1,000,000-row mini_his `ovst` on MariaDB and PostgreSQL.

Prints, per server and measured in the same run: our deep profile (seconds, rows/s, peak RSS
of the profiling process), (a) one full-scan aggregate of the same table, and (b) the plain
approach — one count/count-distinct/min/max query and one top-5 GROUP BY query per column,
run one after another — with the ratios; and (c) the Bash analyzer
(analysis_report/unified_db_analyzer.sh, deep mode, through the native clients) on the same
table, whole run including its report.

    python bench/bench_profile.py [--visits 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import Settings  # noqa: E402
from dialects.registry import get_dialect  # noqa: E402
from models.profile import ProfileMode  # noqa: E402
from services.bootstrap import bootstrap  # noqa: E402
from services.profiling import profile_datasource  # noqa: E402
from tests.factories import register_server  # noqa: E402
from tests.servers import MYSQL_URL, PG_URL, create_database, drop_database  # noqa: E402

SERVERS = {"MariaDB": MYSQL_URL, "PostgreSQL": PG_URL}
TABLE = "ovst"


def context(data_dir: Path):
    return bootstrap(Settings(data_dir=data_dir, secret_key="bench", _env_file=None))


def generate(url: URL, visits: int) -> float:
    from services.demo import generate_mock_his

    with tempfile.TemporaryDirectory() as data_dir:
        ctx = context(Path(data_dir))
        register_server(ctx, "bench", url)
        started = time.perf_counter()
        generate_mock_his(ctx, datasource="bench", patients=max(1, visits // 5), visits=visits)
        elapsed = time.perf_counter() - started
        ctx.close()
    engine = create_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        analyze = f"ANALYZE TABLE {TABLE}" if url.get_backend_name() == "mysql" else "ANALYZE"
        connection.execute(text(analyze))
    engine.dispose()
    return elapsed


def measure_profile(url: str) -> dict:
    """Run in a child process so that its peak RSS is the profile's alone."""
    with tempfile.TemporaryDirectory() as data_dir:
        ctx = context(Path(data_dir))
        register_server(ctx, "bench", make_url(url))
        started = time.perf_counter()
        (table,) = profile_datasource(ctx, "bench", tables=[TABLE], mode=ProfileMode.DEEP).tables
        elapsed = time.perf_counter() - started
        ctx.close()
    if table.error:
        raise SystemExit(f"profile failed: {table.error}")
    peak_mb = peak_rss_mb()
    return {"seconds": elapsed, "rows": table.rows_profiled, "columns": table.column_count,
            "peak_rss_mb": peak_mb}  # fmt: skip


def bash_analyzer(url: URL) -> float:
    """Seconds of the Bash analyzer's deep run of TABLE (its whole run: queries, DDL, report)."""
    sampling = json.loads((ROOT / "analysis_report" / "config.json").read_text())["sampling"]
    database = {
        "type": "mysql" if url.get_backend_name() == "mysql" else "postgresql",
        "host": url.host, "port": str(url.port), "name": url.database,
        "user": url.username or "", "password": url.password or "", "schema": "", "tables": [],
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as work:
        config = Path(work) / "config.json"
        config.write_text(json.dumps({"database": database, "sampling": sampling}))
        config.chmod(0o600)
        started = time.perf_counter()
        subprocess.run(
            [str(ROOT / "analysis_report" / "unified_db_analyzer.sh"), "--config", str(config),
             "--out", str(Path(work) / "out"), "--tables", TABLE],
            check=True, capture_output=True, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        return time.perf_counter() - started


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    from the parent across fork and exec, so a child would report the generator's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quote(url: URL, name: str) -> str:
    return f"`{name}`" if url.get_backend_name() == "mysql" else f'"{name}"'


def full_scan_aggregate(url: URL, columns: list[str]) -> float:
    counts = ", ".join(f"COUNT({quote(url, c)})" for c in columns)
    engine = create_engine(url)
    with engine.connect() as connection:
        started = time.perf_counter()
        connection.execute(text(f"SELECT COUNT(*), {counts} FROM {TABLE}")).all()
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def plain_approach(url: URL, columns: list[str], *, tuned: bool = False) -> float:
    engine = create_engine(url)
    with engine.connect() as connection:
        if tuned:  # the same session settings our profile uses, for a like-for-like figure
            get_dialect("mysql").prepare_profiling_session(connection)
        started = time.perf_counter()
        for column in columns:
            ref = quote(url, column)
            connection.execute(
                text(f"SELECT COUNT({ref}), COUNT(DISTINCT {ref}), MIN({ref}), MAX({ref}) "
                     f"FROM {TABLE}")
            ).all()  # fmt: skip
            connection.execute(
                text(f"SELECT {ref}, COUNT(*) FROM {TABLE} GROUP BY {ref} "
                     "ORDER BY COUNT(*) DESC LIMIT 5")
            ).all()  # fmt: skip
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument(
        "--reuse", action="store_true", help="profile databases kept by --keep, no generation"
    )
    parser.add_argument("--measure-profile", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_profile:
        print(json.dumps(measure_profile(args.measure_profile)))
        return
    name = f"his_bench_profile_{args.visits}"
    for label, server_text in SERVERS.items():
        server = make_url(server_text)
        try:
            if args.reuse:
                url = server.set(database=name)
                print(f"\n== {label}: reusing {name}")
            else:
                drop_database(server, name)  # a database left by an earlier --keep
                url = create_database(server, name)
                seconds = generate(url, args.visits)
                print(f"\n== {label}: {args.visits:,} ovst rows generated in {seconds:.1f} s")
            engine = create_engine(url)
            columns = [c["name"] for c in inspect(engine).get_columns(TABLE)]
            engine.dispose()
            child = subprocess.run(
                [sys.executable, __file__, "--measure-profile",
                 url.render_as_string(hide_password=False)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            ours = json.loads(child.stdout.strip().splitlines()[-1])
            scan = full_scan_aggregate(url, columns)
            plain = plain_approach(url, columns)
            rate = ours["rows"] / ours["seconds"]
            print(f"deep profile      : {ours['seconds']:7.2f} s  {rate:12,.0f} rows/s  "
                  f"{ours['columns']} columns  peak RSS {ours['peak_rss_mb']:.0f} MB")  # fmt: skip
            ratio = ours["seconds"] / scan
            print(f"(a) full-scan agg : {scan:7.2f} s   (deep profile = {ratio:.1f}x)")
            print(f"(b) plain approach: {plain:7.2f} s   (plain / deep profile = "
                  f"{plain / ours['seconds']:.1f}x)")  # fmt: skip
            analyzer = bash_analyzer(url)
            print(f"(c) Bash analyzer : {analyzer:7.2f} s   (Bash / deep profile = "
                  f"{analyzer / ours['seconds']:.2f}x)")  # fmt: skip
            if url.get_backend_name() == "mysql":
                tuned = plain_approach(url, columns, tuned=True)
                print(f"(b') plain, same session settings: {tuned:7.2f} s   (plain / deep "
                      f"profile = {tuned / ours['seconds']:.1f}x)")  # fmt: skip
        finally:
            if not (args.keep or args.reuse):
                drop_database(server, name)


if __name__ == "__main__":
    main()
