"""What every database engine must tell us; a dialect overrides only what differs."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from sqlalchemy import BigInteger, Column, Connection, Engine, Table, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.types import TypeEngine

from dialects._sql import execute_batches, execute_plain, for_paramstyle, markers, non_key_columns
from dialects._text_rows import BulkLoadError
from dialects.column_types import (
    PortableType,
    Renderer,
    logical_portable,
    portable_type,
    render_with,
)
from dialects.result_column import ResultColumn
from models.connection_error import ConnectionErrorKind
from models.datasource import ConnectionSpec
from models.migration_run import ChecksumHash, ColumnMeasure

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True, slots=True)
class SampledSource:
    """A FROM item reading a sample; `shared` when other connections can read it too."""

    sql: str
    shared: bool = True


class Dialect:
    """Base class: documents each capability once; subclasses are short and declarative.

    Capability flags are lower-case booleans (`needs_server`, `supports_grouping_sets`...);
    services read the flag or call the hook, never the dialect's name.
    """

    name: ClassVar[str] = ""
    #: Name shown to people ("MariaDB / MySQL").
    display_name: ClassVar[str] = ""
    #: The dialect's name in sqlglot, which parses and checks SQL written for this engine.
    sqlglot_dialect: ClassVar[str] = ""
    #: SQLAlchemy driver name used in URLs ("postgresql+psycopg2").
    driver: ClassVar[str] = ""
    #: Python module that must be importable for the driver to work.
    driver_module: ClassVar[str] = ""
    #: Port used when a datasource gives none; None for file databases.
    default_port: ClassVar[int | None] = None
    #: Schema used when a datasource gives none; None means "the connection's own".
    default_schema: ClassVar[str | None] = None
    #: Whether the engine runs as a server reached by host and port (SQLite does not).
    needs_server: ClassVar[bool] = True
    #: Schemas that belong to the engine itself and are hidden from discovery.
    system_schemas: ClassVar[frozenset[str]] = frozenset()
    #: Opening and closing identifier quote characters.
    quote_chars: ClassVar[tuple[str, str]] = ('"', '"')
    #: SQL that returns one row with the server's version string.
    version_sql: ClassVar[str] = "SELECT version()"
    #: Seconds to wait for a server before calling it unreachable.
    connect_timeout: ClassVar[int] = 10
    #: GROUP BY GROUPING SETS: value counts of every column in one table scan (profiling).
    supports_grouping_sets: ClassVar[bool] = False
    #: Function counting the characters (not bytes) of a text value.
    char_length_function: ClassVar[str] = "CHAR_LENGTH"
    #: Type values are cast to when shown as text.
    text_cast_type: ClassVar[str] = "VARCHAR(4000)"
    concat_function: ClassVar[bool] = False  # joins text with CONCAT() rather than SQL's ||
    #: What else to install when the driver is missing, told to the user ("" for nothing).
    driver_install_hint: ClassVar[str] = ""

    # Schemas and tables (target tables, DDL export).
    #: A schema is a database (MySQL): DDL never names it, or running the DDL elsewhere would
    #: create the tables back in the source database.
    schema_is_database: ClassVar[bool] = False
    #: A missing schema is created (CREATE SCHEMA IF NOT EXISTS) before tables go into it, and
    #: exported DDL starts with it. Off where a schema is a database or does not exist, and on
    #: SQL Server, whose CREATE SCHEMA has no IF NOT EXISTS and must run alone in its batch.
    creates_schemas: ClassVar[bool] = False
    #: ALTER TABLE ... ADD PRIMARY KEY works on a filled table. Where it does not (SQLite), a
    #: unique index on the key columns stands in: same lookups, duplicate check, upsert target.
    supports_adding_primary_key: ClassVar[bool] = True
    #: The engine adds an index named after each foreign key (InnoDB); reflection shows it as
    #: an ordinary index, which exported DDL must not create a second time.
    foreign_keys_create_indexes: ClassVar[bool] = False
    #: SQLAlchemy keyword arguments of every table a migration creates (engine, charset...).
    table_options: ClassVar[Mapping[str, str]] = {}
    #: The engine's column type for each kind of `PortableType` (dialects/column_types.py).
    type_rules: ClassVar[Mapping[str, Renderer]] = {}
    # What the target's columns refuse, checked before a load (services/migration/target_checks).
    #: Column types are enforced: a VARCHAR(n) refuses longer text, a number column text.
    #: SQLite stores any value in any column, so only NOT NULL is checked there.
    enforces_column_types: ClassVar[bool] = True
    #: Text columns can hold the NUL character (U+0000); PostgreSQL's cannot.
    text_holds_nul: ClassVar[bool] = True
    #: A TIME column holds durations (MySQL: -838:59:59 to 838:59:59), not just a time of day.
    time_holds_durations: ClassVar[bool] = False
    #: The type of a bookkeeping table's numbered key (reject ids): BIGINT with an identity.
    row_id_type: ClassVar[type[TypeEngine[int]]] = BigInteger

    # The fast reader (connectorx, Arrow).
    #: connectorx's URL scheme for this engine; None when connectorx cannot read it.
    arrow_scheme: ClassVar[str | None] = None
    #: SQL the fast reader runs on its connection before the query; None for nothing.
    arrow_session_sql: ClassVar[str | None] = None

    # Reconciliation (services/migration/checksums.py).
    #: The hash of a value's canonical text that `checksum_sql` computes (ChecksumHash); the
    #: migration computes the same hash of every value it sends.
    checksum_hash: ClassVar[ChecksumHash] = ChecksumHash.MD5
    #: The aggregates of each ColumnMeasure beyond SUM and SUM_LENGTH, one SQL expression per
    #: part of the measure (`ColumnMeasure.parts`), `{c}` standing for the quoted column; the
    #: canonical forms they render are described in services/migration/canonical_text.py and
    #: canonical_numbers.py. A measure left out, the engine cannot render identically: such
    #: columns are only counted.
    checksum_sql: ClassVar[Mapping[ColumnMeasure, tuple[str, ...]]] = {}

    def build_url(self, spec: ConnectionSpec) -> URL:
        """The SQLAlchemy URL for `spec`; extra options become query parameters."""
        return URL.create(
            self.driver,
            username=spec.username,
            password=spec.password,
            host=spec.host,
            port=spec.port or self.default_port,
            database=spec.database,
            query=dict(spec.options),
        )

    def engine_options(self, spec: ConnectionSpec) -> dict[str, Any]:
        """Keyword arguments for `create_engine` (pool sizing, connect timeout)."""
        return {
            "pool_pre_ping": True,
            "pool_size": 5,
            "max_overflow": 5,
            "pool_recycle": 3600,
            "connect_args": self.connect_args(spec),
        }

    def prepare_engine(self, engine: Engine) -> None:
        """Hook run once on every new engine (event listeners, for instance); nothing here."""

    def connect_args(self, spec: ConnectionSpec) -> dict[str, Any]:
        """Driver keyword arguments; by default only the connect timeout."""
        return {"connect_timeout": self.connect_timeout}

    def quote(self, identifier: str) -> str:
        """Quote one identifier, doubling any closing quote inside it."""
        opening, closing = self.quote_chars
        return f"{opening}{identifier.replace(closing, closing * 2)}{closing}"

    def qualified(self, table: str, schema: str | None) -> str:
        """`schema.table`, both quoted; just the table when no schema is given."""
        return f"{self.quote(schema)}.{self.quote(table)}" if schema else self.quote(table)

    def server_version(self, connection: Connection) -> str:
        """The server's own version string."""
        return str(connection.execute(text(self.version_sql)).scalar_one())

    def row_estimate_sql(self) -> str | None:
        """SQL giving (table_name, row_estimate) for the schema bound as :schema; None if the
        engine keeps no statistics (then tables are counted)."""
        return None

    def row_estimates(self, connection: Connection, schema: str | None) -> dict[str, int | None]:
        """Estimated row counts of the tables of `schema`, from the engine's statistics."""
        sql = self.row_estimate_sql()
        if sql is None:
            return {}
        rows = connection.execute(text(sql), {"schema": schema or self.current_schema(connection)})
        return {
            name: (int(count) if count is not None and count >= 0 else None) for name, count in rows
        }

    def current_schema(self, connection: Connection) -> str | None:
        """The schema unqualified names resolve to on this connection."""
        return connection.dialect.default_schema_name

    def classify_error(self, error: BaseException) -> ConnectionErrorKind:
        """Why a connection attempt failed, read from the driver's exception."""
        return ConnectionErrorKind.OTHER

    # --- profiling hooks ----------------------------------------------------------------------

    def char_length(self, expression: str) -> str:
        """SQL counting the characters of `expression`."""
        return f"{self.char_length_function}({expression})"

    def is_empty(self, expression: str) -> str:
        """SQL true when a text value is the empty string (not blanks: they count as text)."""
        return f"{self.char_length(expression)} = 0"

    def zero_date_predicate(self, expression: str) -> str | None:
        """SQL true when a date or datetime value is a zero date ('0000-00-00'); None where the
        engine cannot hold one (everywhere but MariaDB/MySQL), so nothing is counted."""
        return None

    def as_text(self, expression: str) -> str:
        """SQL casting `expression` to text for display."""
        return f"CAST({expression} AS {self.text_cast_type})"

    def exact_text_key(self, expression: str) -> str:
        """SQL of a text `expression` that only identical values share: grouped on it, 'A', 'a'
        and 'A ' stay apart, as a Python dict lookup (VALUE_MAP) tells them apart. The SQL
        standard's text comparison already does here; engines whose usual collations ignore
        case or trailing blanks compare bytes instead."""
        return expression

    def limit(self, select_sql: str, rows: int) -> str:
        """`select_sql` (ending in ORDER BY) limited to its first `rows` rows."""
        return f"{select_sql} LIMIT {int(rows)}"

    def first_rows(self, select_sql: str, rows: int) -> str:
        """`select_sql` (no ORDER BY) limited to whichever `rows` rows come first: a glance
        at a table's values that stops reading early."""
        return f"{select_sql} LIMIT {int(rows)}"

    def concat_text(self, expressions: Sequence[str], separator: str = " ") -> str:
        """SQL joining `expressions` as text with `separator` between them."""
        texts = [self.as_text(expression) for expression in expressions]
        if self.concat_function:
            return "CONCAT(" + f", '{separator}', ".join(texts) + ")"
        return f" || '{separator}' || ".join(texts)

    @contextlib.contextmanager
    def sample_of(
        self,
        connection: Connection,
        qualified_table: str,
        percent: float,
        key_columns: Sequence[str] = (),
    ) -> Iterator[SampledSource]:
        """A FROM item holding about `percent` % of the table's rows — the SAME rows for every
        query run inside the block, so the profile's passes agree with each other.

        Uses `repeatable_sample_sql` when the dialect has one (any connection can read it);
        otherwise copies a random sample into a temporary table that only `connection` sees,
        and drops it after.
        """
        repeatable = self.repeatable_sample_sql(qualified_table, percent, key_columns)
        if repeatable is not None:
            yield SampledSource(repeatable)
            return
        name = f"his_sample_{uuid.uuid4().hex[:12]}"
        connection.execute(
            text(
                f"CREATE TEMPORARY TABLE {self.quote(name)} AS SELECT * FROM {qualified_table} "
                f"WHERE {self.random_fraction()} < {percent / 100}"
            )
        )
        try:
            yield SampledSource(self.quote(name), shared=False)
        finally:
            connection.execute(text(self.drop_temporary_sql(name)))

    def repeatable_sample_sql(
        self, qualified_table: str, percent: float, key_columns: Sequence[str]
    ) -> str | None:
        """A FROM item that reads the same ~`percent` % sample every time, or None."""
        return None

    def drop_temporary_sql(self, name: str) -> str:
        """SQL dropping the temporary table `name`."""
        return f"DROP TABLE {self.quote(name)}"

    def random_fraction(self) -> str:
        """SQL for a random number in [0, 1)."""
        return "RAND()"

    def prepare_profiling_session(self, connection: Connection) -> None:
        """Session settings that make the profile's big GROUP BYs efficient; none by default."""

    def table_size_mb(self, connection: Connection, table: str, schema: str | None) -> float | None:
        """Size on disk of a table with its indexes, in MB; None when the engine cannot say."""
        return None

    # --- column types and target tables -------------------------------------------------------

    def portable_type(self, source_type: TypeEngine) -> PortableType:
        """What a column of `source_type`, reflected from this engine, can hold."""
        return portable_type(source_type, self.name)

    def column_type(self, portable: PortableType, *, keyed: bool = False) -> TypeEngine:
        """This engine's type for `portable`; `keyed` when the column is in a key or index.

        Raises:
            ValueError: the dialect declares no `type_rules`.
        """
        if not self.type_rules:
            raise ValueError(f"no column type rules for database type {self.name!r}")
        return render_with(self.type_rules, portable, keyed=keyed)

    def logical_column_type(
        self, name: str, *, length: int | None = None, keyed: bool = False
    ) -> TypeEngine:
        """This engine's type for a transformer's logical type (column_types.LOGICAL_TYPES).

        Raises:
            ValueError: an unknown logical type.
        """
        return self.column_type(logical_portable(name, length=length), keyed=keyed)

    def json_columns(
        self, connection: Connection, table: str, schema: str | None
    ) -> frozenset[str]:
        """Columns of a source table that hold JSON although reflection gives another type;
        none by default (reflection already knows JSON columns)."""
        return frozenset()

    def index_options(self, columns: Sequence[Column[Any]], *, unique: bool) -> dict[str, Any]:
        """SQLAlchemy keyword arguments of an `Index` on `columns`; none by default."""
        return {}

    def export_prelude(
        self, tables: Sequence[Table], creates: Sequence[str]
    ) -> list[ExecutableDDLElement | str]:
        """What exported DDL must create before its tables (types, sequences), given the
        tables and their compiled CREATE TABLE statements; strings are used as written.
        Nothing by default."""
        return []

    # --- fast reader --------------------------------------------------------------------------

    def arrow_url(self, spec: ConnectionSpec) -> str | None:
        """The connectorx URL of `spec` (it holds the password: never log it); None when the
        fast reader cannot read this engine, so the driver reads instead."""
        if self.arrow_scheme is None:
            return None
        user = quote(spec.username or "", safe="")
        password = f":{quote(spec.password, safe='')}" if spec.password else ""
        port = spec.port or self.default_port
        database = quote(spec.database, safe="")
        return f"{self.arrow_scheme}://{user}{password}@{spec.host}:{port}/{database}"

    def result_columns(self, description: Sequence[Sequence[Any]]) -> list[ResultColumn]:
        """What the migration stream must know of each column of a result, read from the
        driver's DB-API `description` (name, type code, sizes, precision, scale): which hold
        durations, which decimals have a declared scale, which connectorx would alter.
        By default only the names: every value is taken as the driver gives it."""
        return [ResultColumn(str(entry[0])) for entry in description]

    # --- bulk load ----------------------------------------------------------------------------

    def encode_batch(self, batch: pa.RecordBatch) -> bytes | None:
        """`batch` encoded ahead of the load for `load_encoded`, where the engine loads bytes
        faster than Python rows; None (the default) sends the rows through `bulk_load`.

        Called on the thread that transforms the next batches, so the loading thread only
        sends bytes. Also None for column types the encoding cannot carry faithfully.
        """
        return None

    def load_encoded(
        self,
        connection: Connection,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        data: bytes,
        rows: int,
    ) -> int:
        """Append `rows` rows that `encode_batch` encoded as `data`, inside the caller's
        transaction; returns `rows`. Only dialects whose `encode_batch` encodes have it."""
        raise NotImplementedError(f"{self.display_name} loads no pre-encoded batches")

    def bindable_rows(self, rows: Iterable[Sequence[object]]) -> Iterable[Sequence[object]]:
        """`rows` with the values the driver cannot bind as they are replaced by what the
        engine stores for them; the default `bulk_load` and `upsert` send rows through it.
        Unchanged by default."""
        return rows

    def bulk_load(
        self,
        connection: Connection,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
    ) -> int:
        """Append `rows` (values in `columns` order) to `table` inside the caller's transaction.

        The default sends a parameterised INSERT through the driver's executemany, a chunk at a
        time (PyMySQL folds it into multi-row INSERTs; pyodbc uses fast_executemany).

        Returns:
            The number of rows written.
        """
        sql = self.insert_sql(table, schema, columns, connection.dialect.paramstyle)
        return execute_batches(connection, sql, self.bindable_rows(rows))

    def insert_sql(
        self, table: str, schema: str | None, columns: Sequence[str], paramstyle: str
    ) -> str:
        """A positional INSERT for the DB-API `paramstyle` (qmark, format, pyformat, numeric)."""
        names = ", ".join(self.quote(name) for name in columns)
        target = self.qualified(table, schema)
        head = for_paramstyle(f"INSERT INTO {target} ({names}) VALUES", paramstyle)
        return f"{head} ({', '.join(markers(len(columns), paramstyle))})"

    # --- load modes ---------------------------------------------------------------------------

    def refused_rows(self, error: BaseException) -> bool:
        """True when a failed load says the target refused the ROWS (a value it cannot store,
        a broken constraint, a partial bulk load) — not that the connection or the server
        failed, which must stop a run rather than send healthy rows to the reject table."""
        return isinstance(error, DataError | IntegrityError | BulkLoadError)

    def refused_column(self, error: BaseException) -> str | None:
        """The column a refused load names (a value too long, NULL into NOT NULL, a date that
        does not exist), when the engine's error says which; None when it does not."""
        return None

    def relax_commit(self, connection: Connection) -> None:
        """Let the current transaction commit without waiting for its WAL flush, where the
        engine allows it per transaction; nothing by default.

        Safe for migration batches: a crash of the target server may lose the last few
        commits, but each batch and its checkpoint commit together, so they are lost together
        and a resumed run simply loads those batches again.
        """

    def truncate(self, connection: Connection, table: str, schema: str | None) -> None:
        """Empty the table inside the caller's transaction where the engine allows it.

        DELETE by default, because TRUNCATE cannot be rolled back everywhere: MariaDB/MySQL
        commit the open transaction before it (a failed load would leave the table empty),
        SQL Server refuses it on a table a foreign key points at, SQLite has none.
        """
        execute_plain(connection, f"DELETE FROM {self.qualified(table, schema)}")

    def upsert(
        self,
        connection: Connection,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        key_columns: Sequence[str],
        rows: Iterable[Sequence[object]],
    ) -> int:
        """Insert rows, updating the non-key columns of rows whose key already exists.

        `key_columns` (a subset of `columns`) must be the target's primary key or a unique
        constraint (MariaDB/MySQL match any unique key of the table). Runs inside the caller's
        transaction. A key sent twice in one call keeps its last row; when every column is a
        key, rows already there are left as they are.

        Returns:
            The number of rows processed (inserted or updated).
        """
        sql = self.upsert_sql(table, schema, columns, key_columns, connection.dialect.paramstyle)
        return execute_batches(connection, sql, self.bindable_rows(rows))

    def upsert_sql(
        self,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        key_columns: Sequence[str],
        paramstyle: str,
    ) -> str:
        """A positional upsert of one row; by default INSERT … ON CONFLICT (PostgreSQL, SQLite)."""
        updates = non_key_columns(columns, key_columns)
        keys = ", ".join(self.quote(name) for name in key_columns)
        if updates:
            sets = ", ".join(f"{name} = excluded.{name}" for name in map(self.quote, updates))
            action = f"DO UPDATE SET {sets}"
        else:
            action = "DO NOTHING"
        suffix = for_paramstyle(f" ON CONFLICT ({keys}) {action}", paramstyle)
        return self.insert_sql(table, schema, columns, paramstyle) + suffix

    # --- reconciliation -----------------------------------------------------------------------

    def prepare_checksum_session(self, connection: Connection) -> None:
        """Hook run before the target's checksums are read; nothing by default."""

    def checksum_sum(self, expression: str) -> str:
        """SQL summing a numeric column exactly: no float on the way, no overflow."""
        return f"SUM({expression})"

    def checksum_length(self, expression: str) -> str:
        """SQL summing the characters of a text column, trailing blanks included."""
        return f"SUM({self.char_length(expression)})"

    def checksum_measure(self, column_type: TypeEngine) -> ColumnMeasure | None:
        """The measure of a target column of `column_type` where the engine stores it unlike
        what its portable type says (PostgreSQL's jsonb); None: the usual one."""
        return None

    def checksum_aggregates(
        self, measure: ColumnMeasure, expression: str
    ) -> tuple[str, ...] | None:
        """SQL aggregates of `measure` over the column `expression`, one per part of the
        measure; None when the engine cannot compute it."""
        if measure is ColumnMeasure.COUNT:
            return ()
        if measure is ColumnMeasure.SUM:
            return (self.checksum_sum(expression),)
        if measure is ColumnMeasure.SUM_LENGTH:
            return (self.checksum_length(expression),)
        templates = self.checksum_sql.get(measure)
        return None if templates is None else tuple(sql.format(c=expression) for sql in templates)
