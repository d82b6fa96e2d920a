"""The API under load: a live uvicorn server, 2,000 GETs over 50 concurrent connections, then
20 job submissions at once watched over Socket.IO.

Prints the GET latency percentiles (p50/p95/p99/max), the errors (any non-2xx), and for the
jobs the time from each POST to its first `job:batch` event and to `job:completed`. The GETs
come from a Python client (httpx) that shares the machine's cores with the server; when `wrk`
is installed, its figures for the same 50 connections follow (a C client: closer to the
server's own latency).

    python bench/bench_api.py [--gets 2000] [--connections 50] [--jobs 20] [--rows 20000]
                              [--workers 20]

The jobs are SQLite → SQLite migrations (no server needed), `--rows` rows each in batches of
1,000; the server runs `--workers` jobs at once (HIS_JOB_WORKERS).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.live_server import ApiProcess, EventWatcher  # noqa: E402

GET_PATHS = (
    "/api/v1/datasources",
    "/api/v1/configs",
    "/api/v1/jobs?page[size]=20",
    "/api/v1/pipeline-runs?page[size]=20",
    "/health",
)


def document(resource_type: str, **attributes: object) -> dict:
    return {"data": {"type": resource_type, "attributes": attributes}}


def make_source(path: Path, rows: int) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE ovst (vn INTEGER PRIMARY KEY, hn TEXT, income REAL)")
        connection.executemany(
            "INSERT INTO ovst VALUES (?, ?, ?)",
            ((i, f"{i % 9000:09d}", i * 0.5) for i in range(1, rows + 1)),
        )
    connection.close()


def prepare(api: httpx.Client, workdir: Path, jobs: int, rows: int) -> list[str]:
    source = workdir / "source.db"
    make_source(source, rows)
    add_datasource(api, "src", source)
    names = []
    for i in range(jobs):
        # A target file each: one SQLite file takes one writer at a time, a server many.
        target = workdir / f"target_{i}.db"
        sqlite3.connect(target).close()
        add_datasource(api, f"dst_{i}", target)
        attributes = {
            "name": f"visits_{i}", "source": "src", "source_table": "ovst", "target": f"dst_{i}",
            "target_table": f"ovst_{i}", "create_target_table": True, "batch_size": 1000,
            "mappings": [{"source": c, "target": c} for c in ("vn", "hn", "income")],
        }  # fmt: skip
        api.post("/api/v1/configs", json=document("configs", **attributes)).raise_for_status()
        names.append(attributes["name"])
    return names


def add_datasource(api: httpx.Client, name: str, path: Path) -> None:
    made = api.post(
        "/api/v1/datasources",
        json=document("datasources", name=name, db_type="sqlite", database=str(path)),
    )
    made.raise_for_status()


async def hammer(base_url: str, headers: dict, gets: int, connections: int) -> tuple[list, int]:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as client:
        queue: asyncio.Queue[str] = asyncio.Queue()
        for i in range(gets):
            queue.put_nowait(GET_PATHS[i % len(GET_PATHS)])

        async def one_connection() -> None:
            nonlocal errors
            while not queue.empty():
                path = queue.get_nowait()
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code >= 300

        await asyncio.gather(*(one_connection() for _ in range(connections)))
    return latencies, errors


async def submit_all(base_url: str, headers: dict, configs: list[str]) -> list[tuple[str, float]]:
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:

        async def submit(config: str) -> tuple[str, float]:
            sent = time.perf_counter()
            response = await client.post("/api/v1/jobs", json=document("jobs", config_id=config))
            response.raise_for_status()
            return response.json()["data"]["id"], sent

        return await asyncio.gather(*(submit(config) for config in configs))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gets", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="his-bench-api-") as folder:
        workdir = Path(folder)
        server = ApiProcess(workdir, HIS_JOB_WORKERS=str(args.workers), HIS_LOG_LEVEL="WARNING")
        server.start()
        try:
            with server.client() as api:
                configs = prepare(api, workdir, args.jobs, args.rows)
            headers = {"Authorization": f"Bearer {server.settings['HIS_API_KEYS']}"}
            run_gets(server.base_url, headers, args)
            run_wrk(server.base_url, headers, args.connections)
            run_jobs(server, headers, configs)
        finally:
            server.stop()


def run_gets(base_url: str, headers: dict, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    latencies, errors = asyncio.run(hammer(base_url, headers, args.gets, args.connections))
    seconds = time.perf_counter() - started
    ms = [value * 1000 for value in latencies]
    print(f"GET x{len(ms)} over {args.connections} connections in {seconds:.2f} s "
          f"({len(ms) / seconds:,.0f} req/s), errors {errors}")  # fmt: skip
    print(f"  latency ms: p50 {percentile(ms, 0.50):.1f}  p95 {percentile(ms, 0.95):.1f}  "
          f"p99 {percentile(ms, 0.99):.1f}  max {max(ms):.1f}")  # fmt: skip


def run_wrk(base_url: str, headers: dict, connections: int) -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk: not installed (apt-get install wrk), skipped")
        return
    for path in ("/api/v1/jobs?page[size]=20", "/api/v1/datasources"):
        command = [wrk, "-t2", f"-c{connections}", "-d10s", "--latency"]
        command += ["-H", f"Authorization: {headers['Authorization']}", base_url + path]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        wanted = ("50%", "90%", "99%", "Requests/sec", "Non-2xx")
        figures = [line.strip() for line in output.splitlines() if line.strip().startswith(wanted)]
        print(f"wrk GET {path}, {connections} connections, 10 s: " + "; ".join(figures))


def run_jobs(server: ApiProcess, headers: dict, configs: list[str]) -> None:
    watcher = EventWatcher(server.base_url)
    seen: dict[tuple[str, str], float] = {}
    lock = threading.Lock()

    def stamp(payload: dict) -> None:
        with lock:
            seen.setdefault((payload["job_id"], payload["type"]), time.perf_counter())

    for name in ("job:batch", "job:completed", "job:error"):
        watcher.sio.on(name, stamp)
    watcher.subscribe(all=True)
    try:
        submitted = asyncio.run(submit_all(server.base_url, headers, configs))
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with lock:
                if all((job, "job:completed") in seen for job, _ in submitted):
                    break
            time.sleep(0.05)
    finally:
        watcher.close()
    first = [
        seen[(job, "job:batch")] - sent for job, sent in submitted if (job, "job:batch") in seen
    ]
    done = [seen[(job, "job:completed")] - sent for job, sent in submitted
            if (job, "job:completed") in seen]  # fmt: skip
    failed = sum((job, "job:error") in seen for job, _ in submitted)
    print(f"jobs: {len(submitted)} submitted at once, {len(done)} completed, {failed} failed")
    print(f"  POST -> first job:batch s: p50 {statistics.median(first):.2f}  "
          f"p95 {percentile(first, 0.95):.2f}  max {max(first):.2f}")  # fmt: skip
    print(f"  POST -> job:completed s:   p50 {statistics.median(done):.2f}  max {max(done):.2f}")


if __name__ == "__main__":
    main()
