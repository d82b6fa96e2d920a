"""bench_migrate.py --kill-series N: the 1M-row run killed N times and resumed, against clean.

The run is the real `his-analyzer migrate` in a subprocess. Kill points are N random row
counts over the table, in order: the run is SIGKILLed once its checkpoint (read from the
target, not from the engine) has passed each, and `migrate --resume` carries on; the last
resume finishes. The target is then compared with a clean run's: row count, and an
order-independent checksum of every row computed by PostgreSQL itself.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

ROWS_CHECKSUM = (
    "SELECT COUNT(*), SUM(('x' || SUBSTR(MD5(t::text), 1, 15))::BIT(60)::BIGINT)::TEXT "
    "FROM public.ovst t"
)


def bench_kill_series(
    source: URL,
    kills: int,
    fresh_target: Callable[[], URL],
    ours: Callable[[URL, str, dict], dict],
    config: dict,
) -> None:
    """Print the kill points, each resume, and whether the target equals a clean run's."""
    clean_target = fresh_target()
    clean = ours(clean_target, "ovst", {})
    total = clean["rows"]
    target = fresh_target()
    points = sorted(random.Random(kills).sample(range(total // 20, total - total // 20), kills))
    with tempfile.TemporaryDirectory() as home:
        env = installation(Path(home), source, target, config)
        started = time.perf_counter()
        for number, point in enumerate(points, 1):
            args = ["migrate", "ovst"] + (["--resume"] if number > 1 else [])
            reached = kill_after(env, args, target, point)
            print(f"kill {number}: SIGKILL after {reached:,} rows (point {point:,})")
        finished = subprocess.run(
            [command(), "migrate", "ovst", "--resume"], env=env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"the last resume failed:\n{finished.stderr}")
    print(finished.stdout.strip().splitlines()[0])
    ours_sum, clean_sum = checksum(target), checksum(clean_target)
    print(
        f"after {kills} kills and resumes ({seconds:.1f} s in all, interpreter starts included): "
        f"rows {ours_sum[0]:,} vs clean {clean_sum[0]:,}; row checksum "
        f"{'IDENTICAL' if ours_sum == clean_sum else 'DIFFERENT'} ({ours_sum[1]})"
    )


def installation(home: Path, source: URL, target: URL, config: dict) -> dict[str, str]:
    """An isolated installation with the two datasources and the bench's config saved."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from config import Settings
    from services import mapping
    from services.bootstrap import bootstrap
    from tests.factories import register_server

    ctx = bootstrap(Settings(data_dir=home / "data", secret_key="bench", _env_file=None))
    src, dst = register_server(ctx, "source", source), register_server(ctx, "target", target)
    mapping.save_config(
        ctx,
        {
            "name": "ovst",
            "source_datasource_id": str(src.id),
            "target_datasource_id": str(dst.id),
            "source_table": "ovst",
            "target_table": "ovst",
            "create_target_table": True,
            "batch_size": 10_000,
        }
        | config,
    )
    ctx.close()
    env = {**os.environ, "HIS_DATA_DIR": str(home / "data"), "HIS_SECRET_KEY": "bench"}
    env.pop("HIS_DATABASE_URL", None)
    return env


def kill_after(env: dict[str, str], args: list[str], target: URL, rows: int) -> int:
    """Run the CLI and SIGKILL it once the target's checkpoint has passed `rows` rows."""
    process = subprocess.Popen(
        [command(), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    engine = create_engine(target)
    try:
        while (done := rows_done(engine)) < rows:
            if process.poll() is not None:
                raise SystemExit(f"the run ended (status {process.returncode}) before {rows:,}")
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return rows_done(engine) or done
    finally:
        engine.dispose()


def rows_done(engine) -> int:  # noqa: ANN001 - an Engine
    with engine.connect() as connection:
        exists = connection.execute(text("SELECT to_regclass('his_migration_checkpoints')"))
        if exists.scalar() is None:
            return 0
        done = connection.execute(
            text("SELECT rows_done FROM his_migration_checkpoints WHERE step = 'ovst'")
        ).scalar()
    return int(done or 0)


def checksum(target: URL) -> tuple[int, str]:
    engine = create_engine(target)
    with engine.connect() as connection:
        count, total = connection.execute(text(ROWS_CHECKSUM)).one()
    engine.dispose()
    return int(count), str(total)


def command() -> str:
    return str(Path(sys.executable).with_name("his-analyzer"))
