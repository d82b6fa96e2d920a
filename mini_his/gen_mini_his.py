"""Create the mini_his tables in a database and fill them through the dialects' bulk loaders.

python mini_his/gen_mini_his.py --url mysql+pymysql://user@host/db --patients 10000 --seed 42
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # Run as a file: make the project's packages importable without installing it.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine  # noqa: E402
from sqlalchemy.engine import URL, make_url  # noqa: E402
from sqlalchemy.exc import SQLAlchemyError  # noqa: E402
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable  # noqa: E402

from dialects.base import Dialect  # noqa: E402
from dialects.bulk import BulkLoadError  # noqa: E402
from dialects.registry import get_dialect  # noqa: E402
from mini_his.data import MiniHisData  # noqa: E402
from mini_his.schema import TABLES, metadata  # noqa: E402
from models.datasource import ConnectionSpec  # noqa: E402

#: Called as (table, rows written so far, rows the table will get).
ProgressCallback = Callable[[str, int, int], None]
#: Foreign keys declared in CREATE TABLE. SQLite cannot add one later. InnoDB can, but copies
#: the table once per key: 28 s against 15 s with per-row checks for 100,000 visits.
#: PostgreSQL adds them after the load, like the secondary indexes: one validating join each.
_INLINE_FOREIGN_KEYS = frozenset({"sqlite", "mysql"})


def dialect_of(connection: Connection | Engine) -> Dialect:
    """The project's dialect for a SQLAlchemy connection or engine."""
    name = connection.dialect.name
    return get_dialect("mysql" if name == "mariadb" else name)


def engine_for_url(url: str | URL) -> Engine:
    """An engine for `url` with the dialect's own options (LOCAL INFILE for MariaDB/MySQL)."""
    url = make_url(url)
    dialect = dialect_of(create_engine(url))
    if not dialect.needs_server:
        return create_engine(url)  # a new SQLite file is created, unlike a datasource's
    spec = ConnectionSpec(
        db_type=dialect.name,
        database=url.database or "",
        host=url.host,
        port=url.port,
        username=url.username,
        password=url.password if isinstance(url.password, str) else None,
        options=tuple((key, str(value)) for key, value in url.query.items()),
    )
    return create_engine(dialect.build_url(spec), **dialect.engine_options(spec))


def tables_in(schema: str | None) -> tuple[Table, ...]:
    """The mini_his tables, parents first, placed in `schema` (None: the connection's own)."""
    if schema is None:
        return TABLES
    target = MetaData(naming_convention=metadata.naming_convention)
    for table in TABLES:
        table.to_metadata(target, schema=schema)
    return tuple(target.sorted_tables)


def generate(
    target: Engine | Connection,
    *,
    patients: int,
    visits: int | None = None,
    seed: int = 42,
    schema: str | None = None,
    replace: bool = True,
    progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """Create the mini_his tables in `target` and bulk-load `patients` patients into them.

    Tables are created with their primary keys, loaded parents first (one transaction per
    table), then given their secondary indexes and foreign keys.

    Args:
        target: an engine, or a connection not inside a transaction the caller wants kept open.
        patients: patients to create; visits default to five per patient.
        visits: ovst rows; other tables are proportional to visits.
        seed: the same seed gives the same rows, byte for byte.
        schema: where to put the tables (default: the connection's default schema).
        replace: drop existing mini_his tables first; otherwise an existing table is an error.
        progress: called as (table, rows written, rows in total) after every chunk.

    Returns:
        Rows written per table, in load order.
    """
    if isinstance(target, Engine):
        with target.connect() as connection:
            return generate(
                connection, patients=patients, visits=visits, seed=seed, schema=schema,
                replace=replace, progress=progress,
            )  # fmt: skip
    data = MiniHisData(patients, visits, seed)
    dialect = dialect_of(target)
    tables = tables_in(schema)
    inline_keys = dialect.name in _INLINE_FOREIGN_KEYS
    counts = data.row_counts()
    written: dict[str, int] = {}
    try:
        if replace:
            for table in reversed(tables):
                table.drop(target, checkfirst=True)
        for table in tables:
            target.execute(
                CreateTable(table, include_foreign_key_constraints=None if inline_keys else [])
            )
        target.commit()
        for table in tables:
            written[table.name] = _load(target, dialect, data, table, counts[table.name], progress)
            target.commit()
        for table in tables:
            for index in sorted(table.indexes, key=lambda index: str(index.name)):
                target.execute(CreateIndex(index))
            if not inline_keys:
                for key in sorted(table.foreign_key_constraints, key=lambda fk: str(fk.name)):
                    # Not isolated: the shared Table objects must still declare the key inline
                    # in CREATE TABLE the next time they go to an engine that does (MariaDB).
                    target.execute(AddConstraint(key, isolate_from_table=False))
        target.commit()
    except BaseException:
        target.rollback()
        raise
    return written


def _load(
    connection: Connection,
    dialect: Dialect,
    data: MiniHisData,
    table: Table,
    total: int,
    progress: ProgressCallback | None,
) -> int:
    columns = data.columns(table.name)
    done = 0
    if progress:
        progress(table.name, 0, total)
    for chunk in data.chunks(table.name):
        done += dialect.bulk_load(connection, table.name, table.schema, columns, chunk)
        if progress:
            progress(table.name, done, total)
    if done != total:
        raise RuntimeError(f"{table.name}: wrote {done} rows, expected {total}")
    return done


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate mini_his into the database at --url and print rows and times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the target database.")
    parser.add_argument("--patients", type=int, required=True, help="Patients to create.")
    parser.add_argument("--visits", type=int, help="ovst rows (default: 5 per patient).")
    parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
    parser.add_argument("--schema", help="Target schema (default: the connection's).")
    parser.add_argument("--keep", action="store_true", help="Fail instead of replacing tables.")
    args = parser.parse_args(argv)
    started: dict[str, float] = {}

    def report(table: str, done: int, total: int) -> None:
        started.setdefault(table, time.perf_counter())
        if done == total:
            seconds = time.perf_counter() - started[table]
            print(f"{table:<12} {total:>10,} rows {seconds:8.2f} s", flush=True)

    engine = engine_for_url(args.url)
    try:
        counts = generate(
            engine, patients=args.patients, visits=args.visits, seed=args.seed,
            schema=args.schema, replace=not args.keep, progress=report,
        )  # fmt: skip
    except (SQLAlchemyError, BulkLoadError, ValueError) as error:
        message = str(getattr(error, "orig", None) or error).strip().splitlines()
        print(f"error: {message[0] if message else type(error).__name__}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"{'total':<12} {sum(counts.values()):>10,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
