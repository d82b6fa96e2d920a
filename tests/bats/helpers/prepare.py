"""Databases for the bats tests of the Bash analyzer, and the Python profiler's reports on them.

    python tests/bats/helpers/prepare.py setup WORK_DIR     # prints `export NAME=value` lines
    python tests/bats/helpers/prepare.py teardown WORK_DIR  # drops what setup created

setup creates a MariaDB and a PostgreSQL database with unique names, fills both with mini_his,
creates a MariaDB user with a password (SELECT on its database only), profiles both databases
with the Python profiler (deep, deep masked, basic) into WORK_DIR/python/, writes the
analyzer's config.json files into WORK_DIR/config/ and the source's identifiers (names,
citizen IDs, visit numbers) into WORK_DIR/source/<engine>/. It exits 3 with one line when a
server is not reachable, so the suite can skip (or fail under HIS_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import json
import secrets
import shlex
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import URL, make_url  # noqa: E402

from tests.servers import MYSQL_URL, PG_URL, create_database, drop_database  # noqa: E402

PATIENTS = 30
SEED = 15
#: The sampling block every config carries (the Python profiler reads the same one):
#: a default and two per-column exceptions, one of them below the default.
SAMPLING = {
    "default_limit": 10,
    "max_text_length": 300,
    "deep_analysis": True,
    "exceptions": [
        {"table": "opdscreen", "column": "cc", "limit": 3},
        {"table": "patient", "column": "fname", "limit": 2},
    ],
}
#: (report folder name, deep mode, masked) of each Python profiler run.
VARIANTS = (("deep", True, False), ("masked", True, True), ("basic", False, False))
ENGINES = ("mysql", "postgresql")


def main(argv: list[str]) -> int:
    """`setup WORK_DIR` or `teardown WORK_DIR`."""
    if len(argv) != 2 or argv[0] not in ("setup", "teardown"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    work = Path(argv[1])
    if argv[0] == "teardown":
        teardown(work)
        return 0
    servers = {"mysql": make_url(MYSQL_URL), "postgresql": make_url(PG_URL)}
    for engine, url in servers.items():
        problem = unreachable(url)
        if problem:
            print(f"{engine} at {url.host}:{url.port} is not reachable: {problem}")
            return 3
    for name, value in setup(work, servers).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def unreachable(url: URL) -> str | None:
    """Why the server at `url` cannot be used, or None."""
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return str(error).strip().splitlines()[0]
    finally:
        engine.dispose()
    return None


def setup(work: Path, servers: dict[str, URL]) -> dict[str, str]:
    """Create and fill the databases, profile them, write the configs; the variables to export."""
    token = secrets.token_hex(6)
    database = f"his_bats_{token}"
    user, password = f"his_bats_{token}", f"Bats#{secrets.token_hex(8)}"
    work.mkdir(parents=True, exist_ok=True)
    state = {"database": database, "user": user, "servers": {}}
    urls: dict[str, URL] = {}
    for engine, server in servers.items():
        urls[engine] = create_database(server, database)
        state["servers"][engine] = server.render_as_string(hide_password=False)
        (work / "state.json").write_text(json.dumps(state))  # teardown drops what exists
    fill(urls)
    create_reader(servers["mysql"], database, user, password)
    state["reader"] = user
    (work / "state.json").write_text(json.dumps(state))
    for engine, url in urls.items():
        write_source(work / "source" / engine, url)
    write_configs(work / "config", urls, user, password)
    profile_with_python(work, urls)
    return {
        "HIS_BATS_DATABASE": database,
        "HIS_BATS_READER": user,
        "HIS_BATS_SECRET": password,
        "HIS_BATS_MYSQL_URL": urls["mysql"].render_as_string(hide_password=False),
        "HIS_BATS_PG_URL": urls["postgresql"].render_as_string(hide_password=False),
    }


def fill(urls: dict[str, URL]) -> None:
    """mini_his in every database, the same rows in each (same seed)."""
    from mini_his.gen_mini_his import engine_for_url, generate

    for url in urls.values():
        engine = engine_for_url(url)
        try:
            generate(engine, patients=PATIENTS, seed=SEED)
        finally:
            engine.dispose()


def create_reader(server: URL, database: str, user: str, password: str) -> None:
    """A MariaDB user with a password and SELECT on `database` only, as a read-only HIS login."""
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY :password"), {
            "password": password
        })  # fmt: skip
        connection.execute(text(f"GRANT SELECT ON `{database}`.* TO '{user}'@'%'"))
    engine.dispose()


def write_source(folder: Path, url: URL) -> None:
    """The identifiers stored in the source, one per line, for the masking tests to look for."""
    queries = {
        "first_names": "SELECT DISTINCT fname FROM patient WHERE fname <> ''",
        "last_names": "SELECT DISTINCT lname FROM patient WHERE lname <> ''",
        "cids": "SELECT DISTINCT cid FROM patient WHERE cid IS NOT NULL",
        "vns": "SELECT vn FROM ovst",
    }
    folder.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    with engine.connect() as connection:
        for name, sql in queries.items():
            values = [str(value).strip() for (value,) in connection.execute(text(sql))]
            (folder / f"{name}.txt").write_text("".join(f"{v}\n" for v in values if v))
    engine.dispose()


def closed_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (just released by the kernel)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_configs(folder: Path, urls: dict[str, URL], user: str, password: str) -> None:
    """The analyzer's config.json files, in the seed's format, one per case the tests run."""
    folder.mkdir(parents=True, exist_ok=True)

    def database(url: URL, kind: str, **changes: object) -> dict:
        block = {
            "type": kind,
            "host": url.host,
            "port": str(url.port or (3306 if kind == "mysql" else 5432)),
            "name": url.database,
            "user": url.username,
            "password": url.password or "",
            "schema": "",
            "tables": [],
        }
        return block | changes

    mysql, pg = urls["mysql"], urls["postgresql"]
    configs = {
        "mysql": database(mysql, "mysql"),
        "mysql-reader": database(mysql, "mysql", user=user, password=password),
        "mysql-wrong-password": database(mysql, "mysql", user=user, password=password + "x"),
        "mysql-closed-port": database(mysql, "mysql", port=str(closed_port())),
        "mysql-config-tables": database(mysql, "mysql", tables=["patient"]),
        "postgresql": database(pg, "postgresql"),
        # The server trusts local logins: the password goes unchecked, but must not show.
        "postgresql-secret": database(pg, "postgresql", password=password),
    }
    for name, block in configs.items():
        document = {"database": block, "sampling": SAMPLING}
        (folder / f"{name}.json").write_text(json.dumps(document, indent=2))
    untyped = {key: value for key, value in configs["mysql"].items() if key != "type"}
    (folder / "no-type.json").write_text(json.dumps({"database": untyped, "sampling": SAMPLING}))
    # A config cut short after a comma, as an editor leaves it: not JSON.
    whole = json.dumps({"database": configs["mysql"], "sampling": SAMPLING}, indent=2)
    (folder / "broken.json").write_text(whole[: whole.index('"sampling"')])
    for path in folder.iterdir():
        path.chmod(0o600)


def profile_with_python(work: Path, urls: dict[str, URL]) -> None:
    """The Python profiler's report per engine and variant: WORK_DIR/python/ENGINE/VARIANT/."""
    from config import Settings
    from models.profile import ProfileMode
    from services import datasources
    from services.bootstrap import bootstrap
    from services.profiling import analyze_datasource, load_sampling_settings

    settings = Settings(
        data_dir=work / "his-data", secret_key=secrets.token_hex(16), _env_file=None
    )
    ctx = bootstrap(settings)
    sampling = load_sampling_settings(work / "config" / "mysql.json")
    try:
        for engine, url in urls.items():
            datasources.create_datasource(
                ctx, name=f"bats-{engine}", db_type=engine, host=url.host, port=url.port,
                database=url.database, username=url.username,
            )  # fmt: skip
            for variant, deep, masked in VARIANTS:
                analyze_datasource(
                    ctx, f"bats-{engine}", out_dir=work / "python" / engine / variant,
                    mode=ProfileMode.DEEP if deep else ProfileMode.BASIC, mask=masked,
                    sampling=sampling,
                )  # fmt: skip
    finally:
        ctx.close()


def teardown(work: Path) -> None:
    """Drop the databases and the user `setup` recorded in WORK_DIR/state.json."""
    state_file = work / "state.json"
    if not state_file.exists():
        return
    state = json.loads(state_file.read_text())
    for engine, server in state["servers"].items():
        url = make_url(server)
        drop_database(url, state["database"])
        if engine == "mysql" and state.get("reader"):
            database = create_engine(url, isolation_level="AUTOCOMMIT")
            with database.connect() as connection:
                connection.execute(text(f"DROP USER IF EXISTS '{state['reader']}'@'%'"))
            database.dispose()
    state_file.unlink()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
