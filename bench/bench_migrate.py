"""Migration of the mini_his `ovst` from MariaDB into PostgreSQL: ours against pgloader and pandas.

Prints, measured in the same run: our engine on the full table (1,000,000 rows) and on its
first `--small` rows, with three transformers (TRIM, BUDDHIST_TO_ISO, HN_PAD), the target
table created with the source's key and indexes; the naive approach (pandas `read_sql` in
chunks of 1,000 + `to_sql(if_exists='append')`) on the `--small` rows; pgloader on the full
table when it is installed. Rows/s, peak RSS of each process, and the ratios.

    python bench/bench_migrate.py [--visits 1000000] [--small 100000] [--keep]
                                  [--reuse-source DATABASE]
                                  [--bad-rows PERCENT | --kill-series N]

--bad-rows: the same table with PERCENT % bad rows (five kinds) under quarantine into a
prepared target, against the clean table into the same kind of target (rows/s of both).
--kill-series: the 1M-row run as the real CLI, SIGKILLed at N random moments and resumed each
time; count and an independent checksum of the target against a clean run's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import Settings  # noqa: E402
from services.bootstrap import bootstrap  # noqa: E402
from tests.factories import register_server  # noqa: E402
from tests.servers import MYSQL_URL, PG_URL, create_database, drop_database, unique_name  # noqa: E402

# fmt: off
COLUMNS = ["vn", "hn", "an", "vstdate", "vsttime", "vstdate_th", "doctor", "pttype", "spclty",
           "hospmain", "main_dep", "pt_priority", "income", "paid_money", "staff", "last_dttm"]
# fmt: on
TRANSFORMERS = {
    "hn": [{"name": "TRIM"}, {"name": "HN_PAD", "params": {"width": 9}}],
    "staff": [{"name": "TRIM"}],
    "vstdate_th": [{"name": "BUDDHIST_TO_ISO"}],
}
SMALL_TABLE = "ovst_small"
TYPED_COLUMNS = ("vsttime", "income", "paid_money")  # the types pandas changes on the way
PGLOADER_USER, PGLOADER_PASSWORD = "his_bench_pgl", "pgl"  # made only if pgloader needs it


def context(data_dir: Path):
    return bootstrap(Settings(data_dir=data_dir, secret_key="bench", _env_file=None))


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: ru_maxrss carries the parent's over exec)."""
    return read_hwm_mb(Path("/proc/self/status")) or 0.0


def read_hwm_mb(status: Path) -> float | None:
    try:
        lines = status.read_text().splitlines()
    except OSError:  # the process has just exited
        return None
    return next((int(line.split()[1]) / 1024 for line in lines if line.startswith("VmHWM:")), None)


def measure_ours(source: str, target: str, table: str, overrides: dict | None = None) -> dict:
    """Child process: one run of our engine, so that its peak RSS is the run's alone;
    `overrides` are config fields laid over the bench's (policy, an existing target…)."""
    from services import mapping
    from services.migration import run_migration

    with tempfile.TemporaryDirectory() as data_dir:
        ctx = context(Path(data_dir))
        src = register_server(ctx, "source", make_url(source))
        dst = register_server(ctx, "target", make_url(target))
        mappings = [
            {"source": c, "target": c, "transformers": TRANSFORMERS.get(c, [])} for c in COLUMNS
        ]
        mapping.save_config(
            ctx,
            {
                "name": "ovst",
                "source_datasource_id": str(src.id),
                "target_datasource_id": str(dst.id),
                "source_table": table,
                "target_table": "ovst",
                "create_target_table": True,
                "batch_size": 10_000,
                "mappings": mappings,
            }
            | (overrides or {}),
        )
        started = time.perf_counter()
        result = run_migration(ctx, "ovst", log_dir=Path(data_dir) / "logs")
        seconds = time.perf_counter() - started
        ctx.close()
    ok = result.reconciliation is not None and result.reconciliation.ok
    return {
        "rows": result.rows_loaded,
        "seconds": seconds,
        "reconciled": ok,
        "rejected": result.rows_rejected,
        "peak_rss_mb": peak_rss_mb(),
    }


def measure_naive(source: str, target: str, table: str) -> dict:
    """Child process: pandas read_sql in chunks, the same transforms by hand, to_sql append."""
    import pandas as pd

    source_engine, target_engine = create_engine(source), create_engine(target)
    started, rows = time.perf_counter(), 0
    with source_engine.connect() as connection:
        query = f"SELECT {', '.join(COLUMNS)} FROM {table} ORDER BY vn"
        for chunk in pd.read_sql(text(query), connection, chunksize=1000):
            chunk["hn"] = chunk["hn"].str.strip().str.zfill(9)
            chunk["staff"] = chunk["staff"].str.strip()
            thai = chunk["vstdate_th"].str.strip()
            iso_shaped = thai.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
            year = pd.to_numeric(thai.str.slice(0, 4), errors="coerce") - 543
            converted = year.astype("Int64").astype("string") + thai.str.slice(4, 10)
            chunk["vstdate_th"] = converted.where(iso_shaped)
            chunk.to_sql("ovst", target_engine, if_exists="append", index=False)
            rows += len(chunk)
    seconds = time.perf_counter() - started
    source_engine.dispose()
    target_engine.dispose()
    return {"rows": rows, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def in_child(
    kind: str, source: URL, target: URL, table: str, overrides: dict | None = None
) -> dict:
    """Run one measurement in a fresh interpreter; its JSON answer is the last line it prints."""
    job = {
        "kind": kind,
        "source": source.render_as_string(hide_password=False),
        "target": target.render_as_string(hide_password=False),
        "table": table,
        "overrides": overrides,
    }
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(job)], capture_output=True, text=True
    )
    if child.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{child.stderr[-3000:]}")
    answer = json.loads(child.stdout.strip().splitlines()[-1])
    return answer | {"process_seconds": time.perf_counter() - started}


def target_facts(url: URL) -> tuple[int, int, dict[str, str]]:
    """Rows, indexes and the types of TIME/DECIMAL columns of public.ovst in a target database."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT COUNT(*) FROM public.ovst")).scalar_one()
        indexes = connection.execute(
            text(
                "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'ovst'"
            )
        ).scalar_one()
        types = dict(
            connection.execute(
                text(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE "
                    "table_schema = 'public' AND table_name = 'ovst' AND column_name IN :names"
                ).bindparams(names=TYPED_COLUMNS)
            ).all()
        )
    engine.dispose()
    return rows, indexes, types


def pgloader_address(url: URL, scheme: str, login: URL | None = None) -> str:
    """A connection string in pgloader's form; `login` gives another user and password."""
    who = login or url
    secret = f":{who.password}" if who.password else ""
    return f"{scheme}://{who.username}{secret}@{url.host}:{url.port}/{url.database}"


def run_pgloader(source: URL, target: URL, login: URL | None = None) -> dict:
    """pgloader on the same table into a fresh database: table created, key and indexes built."""
    # `include drop` on a fresh database: with `include no drop` pgloader 3.6 builds no index.
    command = f"""LOAD DATABASE
  FROM {pgloader_address(source, "mysql", login)}
  INTO {pgloader_address(target, "postgresql")}
WITH include drop, create tables, create indexes, reset sequences, no foreign keys,
     workers = 2, concurrency = 1, batch rows = 10000, prefetch rows = 10000
INCLUDING ONLY TABLE NAMES MATCHING 'ovst'
ALTER SCHEMA '{source.database}' RENAME TO 'public';
"""
    with tempfile.TemporaryDirectory() as work:
        load = Path(work) / "ovst.load"
        load.write_text(command)
        output = (Path(work) / "output.log").open("w+")
        started, peak = time.perf_counter(), 0.0
        process = subprocess.Popen(
            [shutil.which("pgloader") or "pgloader", "--root-dir", work, str(load)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        while process.poll() is None:  # VmHWM only grows: the last reading is the peak
            peak = read_hwm_mb(Path(f"/proc/{process.pid}/status")) or peak
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        output.seek(0)
        log = output.read()
        output.close()
    failed = process.returncode != 0 or "FATAL" in log or "ERROR" in log
    return {
        "seconds": seconds,
        "peak_rss_mb": peak,
        "failed": failed,
        "tail": "\n".join(log.strip().splitlines()[-12:]),
    }


def pgloader_user(server: URL, create: bool) -> None:
    """A MariaDB user with mysql_native_password, which every pgloader build can log in with."""
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP USER IF EXISTS '{PGLOADER_USER}'@'{server.host}'"))
        if create:
            connection.execute(
                text(
                    f"CREATE USER '{PGLOADER_USER}'@'{server.host}' "
                    f"IDENTIFIED VIA mysql_native_password USING PASSWORD('{PGLOADER_PASSWORD}')"
                )
            )
            connection.execute(text(f"GRANT ALL ON *.* TO '{PGLOADER_USER}'@'{server.host}'"))
    engine.dispose()


def prepare_source(server: URL, args: argparse.Namespace) -> URL:
    """The MariaDB source: generated afresh, or reused; plus its first `--small` rows."""
    if args.reuse_source:
        url = server.set(database=args.reuse_source)
        print(f"source: MariaDB database {args.reuse_source} (reused)")
    else:
        from services.demo import generate_mock_his

        url = create_database(server, unique_name("his_bench_migrate"))
        with tempfile.TemporaryDirectory() as data_dir:
            ctx = context(Path(data_dir))
            register_server(ctx, "bench", url)
            started = time.perf_counter()
            generate_mock_his(
                ctx, datasource="bench", patients=max(1, args.visits // 5), visits=args.visits
            )
            ctx.close()
        print(
            f"source: {url.database}, {args.visits:,} visits generated in "
            f"{time.perf_counter() - started:.1f} s"
        )
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {SMALL_TABLE}"))
        connection.execute(text(f"CREATE TABLE {SMALL_TABLE} LIKE ovst"))
        connection.execute(
            text(f"INSERT INTO {SMALL_TABLE} SELECT * FROM ovst ORDER BY vn LIMIT {args.small}")
        )
        # One full read first, so that no approach pays for a cold source more than another.
        connection.execute(text("SELECT COUNT(*), SUM(LENGTH(staff)) FROM ovst")).all()
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="rows of the small runs")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--reuse-source", metavar="DATABASE", help="MariaDB database with mini_his")
    parser.add_argument(
        "--bad-rows",
        type=float,
        metavar="PERCENT",
        help="instead: the same table with PERCENT %% bad rows under quarantine, against clean",
    )
    parser.add_argument(
        "--kill-series",
        type=int,
        metavar="N",
        help="instead: kill the run at N random moments, resume each time, compare with clean",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        job = json.loads(args.child)
        if job["kind"] == "ours":
            answer = measure_ours(job["source"], job["target"], job["table"], job["overrides"])
        else:
            answer = measure_naive(job["source"], job["target"], job["table"])
        print(json.dumps(answer))
        return

    mysql, pg = make_url(MYSQL_URL), make_url(PG_URL)
    targets: list[str] = []
    made_user = False
    source: URL | None = None

    def fresh_target() -> URL:
        targets.append(unique_name("his_bench_migrate"))
        return create_database(pg, targets[-1])

    try:
        source = prepare_source(mysql, args)
        if args.bad_rows is not None or args.kill_series is not None:
            variant(args, source, fresh_target)
            return
        results: dict[str, dict] = {}
        for label, table in (("ours", "ovst"), ("ours_small", SMALL_TABLE)):
            target = fresh_target()
            results[label] = in_child("ours", source, target, table)
            results[label]["facts"] = target_facts(target)
        target = fresh_target()
        results["naive"] = in_child("naive", source, target, SMALL_TABLE)
        results["naive"]["facts"] = target_facts(target)
        if shutil.which("pgloader") is None:
            print("pgloader: not installed (apt-get install pgloader)")
        else:
            target = fresh_target()
            run = run_pgloader(source, target)
            if run["failed"]:  # most often the login: retry with a mysql_native_password user
                print(
                    f"pgloader failed as {mysql.username}, retrying as {PGLOADER_USER}:\n"
                    f"{run['tail']}"
                )
                pgloader_user(mysql, create=True)
                made_user = True
                target = fresh_target()
                login = mysql.set(username=PGLOADER_USER, password=PGLOADER_PASSWORD)
                run = run_pgloader(source, target, login)
            if run["failed"]:
                print(f"pgloader failed; its last lines:\n{run['tail']}")
            else:
                results["pgloader"] = run | {"facts": target_facts(target)}
                results["pgloader"]["rows"] = results["pgloader"]["facts"][0]
        report(results, args)
    finally:
        if not args.keep:
            for name in targets:
                drop_database(pg, name)
            if source is not None and args.reuse_source:
                engine = create_engine(source)
                with engine.begin() as connection:
                    connection.execute(text(f"DROP TABLE IF EXISTS {SMALL_TABLE}"))
                engine.dispose()
            elif source is not None:
                drop_database(mysql, source.database)
        if made_user:
            pgloader_user(mysql, create=False)
        if args.keep:
            print(
                f"kept: MariaDB {source.database if source else '-'}, PostgreSQL "
                f"{', '.join(targets)}"
            )


def variant(args: argparse.Namespace, source: URL, fresh_target: Callable[[], URL]) -> None:
    """--bad-rows / --kill-series: the same 1M-row table under adversity (bench/_*.py)."""

    def ours(target: URL, table: str, overrides: dict) -> dict:
        return in_child("ours", source, target, table, overrides)

    if args.bad_rows is not None:
        from _bad_rows import bench_bad_rows

        bench_bad_rows(source, args.bad_rows, fresh_target, ours)
    if args.kill_series is not None:
        from _kill_series import bench_kill_series

        config = {"mappings": [
            {"source": c, "target": c, "transformers": TRANSFORMERS.get(c, [])} for c in COLUMNS
        ]}  # fmt: skip
        bench_kill_series(source, args.kill_series, fresh_target, ours, config)


def report(results: dict[str, dict], args: argparse.Namespace) -> None:
    names = {
        "ours": "ours, 3 transformers",
        "ours_small": "ours, 3 transformers",
        "naive": "pandas read_sql/to_sql",
        "pgloader": "pgloader, no transforms",
    }
    print(
        f"\n{'approach':<24} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'peak RSS':>9} "
        f"{'indexes':>7}  target types (vsttime, income, paid_money)"
    )
    for key, run in results.items():
        rows, indexes, types = run["facts"]
        kinds = ", ".join(types.get(column, "?") for column in TYPED_COLUMNS)
        print(
            f"{names[key]:<24} {rows:>10,} {run['seconds']:8.2f} {rows / run['seconds']:10,.0f} "
            f"{run['peak_rss_mb']:6.0f} MB {indexes:>7}  {kinds}"
        )
    ours, small = results["ours"], results["ours_small"]
    rate = ours["rows"] / ours["seconds"]
    print(
        f"\nours: reconciliation {'ok' if ours['reconciled'] else 'FAILED'} "
        f"({ours['rejected']} rows rejected); child process {ours['process_seconds']:.2f} s "
        "with interpreter start. Timed: run_migration (read, transform, load, key and "
        "indexes, reconciliation)."
    )
    if "pgloader" in results:
        theirs = results["pgloader"]
        ratio = rate / (theirs["rows"] / theirs["seconds"])
        print(
            f"ours vs pgloader (same {ours['rows']:,} rows, table created, same key and "
            f"indexes; pgloader whole command, no transformations): {ratio:.2f}x "
            f"{'faster' if ratio > 1 else 'SLOWER'}"
        )
    naive = results["naive"]
    ratio = (small["rows"] / small["seconds"]) / (naive["rows"] / naive["seconds"])
    print(
        f"ours vs naive pandas (same {args.small:,} rows; pandas builds no key or index): "
        f"{ratio:.1f}x faster"
    )
    growth = ours["peak_rss_mb"] / small["peak_rss_mb"]
    flat = growth <= 1.5 and ours["peak_rss_mb"] < 500
    print(
        f"peak RSS {ours['rows']:,} / {small['rows']:,} rows: {ours['peak_rss_mb']:.0f} / "
        f"{small['peak_rss_mb']:.0f} MB = {growth:.2f}x (target <= 1.5x and < 500 MB: "
        f"{'met' if flat else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
