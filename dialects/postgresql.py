"""PostgreSQL, through psycopg2."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, event, text
from sqlalchemy.dialects.postgresql import ENUM, JSONB, CreateEnumType
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.types import TypeEngine

from dialects._sql import error_text, execute_plain, non_key_columns
from dialects._text_rows import TextRowStream
from dialects.base import Dialect
from dialects.column_types import POSTGRESQL_TYPES
from dialects.registry import register_dialect
from dialects.result_column import ResultColumn
from models.connection_error import ConnectionErrorKind
from models.datasource import ConnectionSpec
from models.migration_run import ChecksumHash
from models.migration_run import ColumnMeasure as M

if TYPE_CHECKING:
    import pyarrow as pa

_AUTH_PHRASES = (
    "password authentication failed",
    "no password supplied",
    "authentication failed",
    'role "',  # role "x" does not exist
)
_UNREACHABLE_PHRASES = (
    "connection refused",
    "could not connect",
    "could not translate host name",
    "timeout expired",
    "no route to host",
    "network is unreachable",
    "server closed the connection",
)
#: The temporary table an upsert copies its rows into (one per session, dropped at commit).
UPSERT_STAGING = "his_upsert_staging"
# A column default that draws from a sequence the exported DDL must create first.
_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'(?:::regclass)?\)")
# COPY's CONTEXT line names the column of a value it cannot store:
# 'COPY visits, line 3, column code: "TOO-LONG"' (or ': null input').
_COPY_COLUMN = re.compile(r"^COPY .*?, line \d+, column (.+?): (?:\"|null input)", re.MULTILINE)

# Type OIDs of the result columns the fast reader must not read (pg_type).
_JSON_OIDS = frozenset({114, 199, 3802, 3807})  # json, json[], jsonb, jsonb[]
_NUMERIC_OID = 1700
_INTERVAL_OID, _INTERVAL_ARRAY_OID = 1186, 1187
#: Types psycopg2 would turn into Python objects that lose or respell their value: interval
#: (months folded into 30 days) and the built-in ranges (NumericRange(1, 5, '[)')), with
#: their arrays. Read as the server's text, which is also what connectorx gives for ranges.
_SERVER_TEXT = {
    _INTERVAL_OID: _INTERVAL_ARRAY_OID,
    3904: 3905,  # int4range
    3906: 3907,  # numrange
    3908: 3909,  # tsrange
    3910: 3911,  # tstzrange
    3912: 3913,  # daterange
    3926: 3927,  # int8range
}
#: Decimals connectorx keeps: it reads every NUMERIC as decimal128(38, 10), rounding the rest.
_FAST_READER_SCALE = 10
#: psycopg2 reports this precision and scale for a NUMERIC declared without them.
_UNCONSTRAINED = 65535


def _hashed(text_sql: str) -> str:
    # PostgreSQL's own 64-bit hash of the text's bytes (the database must be UTF8): twenty
    # times cheaper than md5(), which costs ~0.5 us a value. COLLATE "C": a nondeterministic
    # collation would hash a sort key instead.
    return f'SUM(hashtextextended(({text_sql}) COLLATE "C", 0))'


# EXTRACT(EPOCH ...) is numeric, exact to the microsecond, since PostgreSQL 14 (a double
# before: sums then drift and show as mismatches); scaled once, after the sum, it costs a
# third less. A timestamp without time zone counts as UTC wall time, as the stream does.
_MICROSECONDS = "SUM(EXTRACT(EPOCH FROM {c})) * 1000000"


@register_dialect("postgresql")
class PostgreSQLDialect(Dialect):
    display_name = "PostgreSQL"
    sqlglot_dialect = "postgres"
    driver = "postgresql+psycopg2"
    driver_module = "psycopg2"
    default_port = 5432
    default_schema = "public"
    system_schemas = frozenset({"information_schema", "pg_catalog", "pg_toast"})
    supports_grouping_sets = True
    text_cast_type = "TEXT"
    creates_schemas = True
    type_rules = POSTGRESQL_TYPES
    arrow_scheme = "postgresql"
    text_holds_nul = False  # "invalid byte sequence for encoding UTF8: 0x00"

    def engine_options(self, spec: ConnectionSpec) -> dict[str, Any]:
        # SQLAlchemy would have psycopg2 turn hstore into dicts: its text is the value.
        return {**super().engine_options(spec), "use_native_hstore": False}

    def prepare_engine(self, engine: Engine) -> None:
        # JSON, intervals and ranges arrive as the server's own text, on our connections only.
        event.listen(engine, "connect", _read_as_server_text)

    def result_columns(self, description: Sequence[Sequence[object]]) -> list[ResultColumn]:
        return [_result_column(entry) for entry in description]

    checksum_hash = ChecksumHash.LOOKUP3
    # ::text reads enums and CHAR(n) too (the latter without its padding); floats are hashed
    # as their IEEE-754 bytes (float8send), not as decimal text; + 0 turns -0 into 0.
    checksum_sql = {
        M.TEXT: ("SUM(CHAR_LENGTH({c}::text))", _hashed("{c}::text")),
        M.CHAR: (_hashed("rtrim({c}::text, ' ')"),),
        M.JSON: (_hashed("{c}::text"),),
        M.JSONB: (_hashed("{c}::text"),),
        M.BYTES: (_hashed("encode({c}, 'hex')"),),
        M.UUID: (_hashed("{c}::text"),),
        M.FLOAT: (_hashed("encode(float8send({c}::float8 + 0), 'hex')"),),
        M.REAL: (_hashed("encode(float4send({c}::float4 + 0::float4), 'hex')"),),
        M.BOOLEAN: ("SUM({c}::int)",),
        M.DATE: ("SUM({c} - DATE '1970-01-01')",),
        M.TIME: (_MICROSECONDS,),
        M.DATETIME: (_MICROSECONDS,),
        M.INSTANT: (_MICROSECONDS,),
    }

    def row_estimate_sql(self) -> str:
        # reltuples is -1 for a table never analysed (PostgreSQL 14+); reported as unknown.
        return (
            "SELECT c.relname, c.reltuples::bigint FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p')"
        )

    def repeatable_sample_sql(
        self, qualified_table: str, percent: float, key_columns: Sequence[str]
    ) -> str | None:
        # SYSTEM reads only the chosen pages, the point of sampling a huge table; REPEATABLE
        # makes every pass of the profile pick the same pages.
        return f"{qualified_table} TABLESAMPLE SYSTEM ({float(percent)}) REPEATABLE (42)"

    def random_fraction(self) -> str:
        return "random()"

    def table_size_mb(self, connection: Connection, table: str, schema: str | None) -> float | None:
        size = connection.execute(
            text("SELECT pg_total_relation_size(CAST(:name AS regclass))"),
            {"name": self.qualified(table, schema or self.default_schema)},
        ).scalar()
        return None if size is None else size / 1_048_576

    def classify_error(self, error: BaseException) -> ConnectionErrorKind:
        message = error_text(error)
        if 'database "' in message and "does not exist" in message:
            return ConnectionErrorKind.UNKNOWN_DATABASE
        if "permission denied for database" in message:
            return ConnectionErrorKind.PERMISSION
        if any(phrase in message for phrase in _AUTH_PHRASES):
            return ConnectionErrorKind.AUTHENTICATION
        if any(phrase in message for phrase in _UNREACHABLE_PHRASES):
            return ConnectionErrorKind.UNREACHABLE
        return ConnectionErrorKind.OTHER

    def export_prelude(
        self, tables: Sequence[Table], creates: Sequence[str]
    ) -> list[ExecutableDDLElement | str]:
        # A column of an ENUM type needs CREATE TYPE before its table. SERIAL columns compile
        # to SERIAL; any other nextval() default names a sequence that must exist first.
        enums: dict[tuple[str | None, str], ENUM] = {}
        for table in tables:
            for column in table.columns:
                kind = column.type
                if isinstance(kind, ENUM) and kind.name:
                    enums.setdefault((kind.schema, kind.name), kind)
        found = (match[1].replace("''", "'") for sql in creates for match in _NEXTVAL.finditer(sql))
        sequences = [f"CREATE SEQUENCE IF NOT EXISTS {name}" for name in dict.fromkeys(found)]
        return [*(CreateEnumType(kind) for kind in enums.values()), *sequences]

    def bulk_load(
        self,
        connection: Connection,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
    ) -> int:
        # COPY FROM STDIN, fed by a file-like object that encodes rows as psycopg2 reads it.
        stream = TextRowStream(rows)
        self._copy(connection, table, schema, columns, stream)
        return stream.rows

    def encode_batch(self, batch: pa.RecordBatch) -> bytes | None:
        # COPY text encoded column-wise in Arrow's C++ kernels: ten times cheaper than the
        # Python rows bulk_load encodes. Imported here: pyarrow is needed only by migrations.
        from dialects._arrow_text import can_encode, copy_text

        return copy_text(batch) if can_encode(batch.schema) else None

    def load_encoded(
        self,
        connection: Connection,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        data: bytes,
        rows: int,
    ) -> int:
        self._copy(connection, table, schema, columns, io.BytesIO(data))
        return rows

    def _copy(
        self,
        connection: Connection,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        stream: IO[bytes],
    ) -> None:
        names = ", ".join(self.quote(name) for name in columns)
        sql = (
            f"COPY {self.qualified(table, schema)} ({names}) FROM STDIN "
            "WITH (FORMAT text, ENCODING 'UTF8')"
        )
        if not connection.in_transaction():
            # The raw cursor bypasses SQLAlchemy: begin its transaction as autobegin would, so
            # the caller's commit() covers the COPY.
            connection.begin()
        driver_error = connection.dialect.loaded_dbapi.Error
        cursor = connection.connection.cursor()
        try:
            cursor.copy_expert(sql, stream, size=1 << 20)
        except driver_error as error:
            # Raise what SQLAlchemy would (DataError, IntegrityError...), as the other paths do.
            raise DBAPIError.instance(sql, None, error, driver_error) from error
        finally:
            cursor.close()

    def refused_column(self, error: BaseException) -> str | None:
        # psycopg2's diagnostics: a NOT NULL violation names its column; a value COPY
        # cannot store (too long, not a date) is named only by the CONTEXT line.
        diag = getattr(getattr(error, "orig", None) or error, "diag", None)
        if diag is None:
            return None
        if diag.column_name:
            return str(diag.column_name)
        match = _COPY_COLUMN.search(diag.context or "")
        return match[1] if match else None

    def checksum_measure(self, column_type: TypeEngine) -> M | None:
        # jsonb keeps the parsed document, not the text sent: its text is normalised.
        return M.JSONB if isinstance(column_type, JSONB) else None

    def relax_commit(self, connection: Connection) -> None:
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")

    def truncate(self, connection: Connection, table: str, schema: str | None) -> None:
        # TRUNCATE is transactional here and frees the pages at once, but PostgreSQL refuses it
        # on a table another table's foreign key points at, even an empty one: DELETE then.
        target = self.qualified(table, schema)
        referenced = connection.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE contype = 'f' "
                "AND confrelid = CAST(:name AS regclass) AND conrelid <> confrelid)"
            ),
            {"name": target},
        ).scalar_one()
        execute_plain(connection, f"{'DELETE FROM' if referenced else 'TRUNCATE TABLE'} {target}")

    def upsert(
        self,
        connection: Connection,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        key_columns: Sequence[str],
        rows: Iterable[Sequence[object]],
    ) -> int:
        # COPY into a staging table, then one INSERT … ON CONFLICT: row-by-row upserts through
        # executemany are an order of magnitude slower than COPY.
        updates = non_key_columns(columns, key_columns)
        target = self.qualified(table, schema)
        staging = self.quote(UPSERT_STAGING)
        names = ", ".join(self.quote(name) for name in columns)
        keys = ", ".join(self.quote(name) for name in key_columns)
        # A previous call in this transaction left its staging table behind (ON COMMIT DROP).
        execute_plain(connection, f"DROP TABLE IF EXISTS pg_temp.{staging}")
        # The loaded columns' types only: LIKE would also copy NOT NULL of columns not loaded.
        execute_plain(
            connection,
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
            f"SELECT {names} FROM {target} WITH NO DATA",
        )
        count = self.bulk_load(connection, UPSERT_STAGING, None, columns, rows)
        if updates:
            sets = ", ".join(f"{name} = EXCLUDED.{name}" for name in map(self.quote, updates))
            action = f"DO UPDATE SET {sets}"
        else:
            action = "DO NOTHING"
        # ON CONFLICT refuses to touch one row twice; a key sent twice keeps its last row, as
        # on the other engines. A table filled by one COPY holds its rows in COPY order (ctid).
        execute_plain(
            connection,
            f"INSERT INTO {target} ({names}) SELECT DISTINCT ON ({keys}) {names} "
            f"FROM {staging} ORDER BY {keys}, ctid DESC ON CONFLICT ({keys}) {action}",
        )
        return count


def _result_column(entry: Sequence[object]) -> ResultColumn:
    name, oid, precision, scale = str(entry[0]), entry[1], entry[4], entry[5]
    if oid in _JSON_OIDS:
        # connectorx re-serialises JSON and rounds its numbers (1.000000000000000000001 -> 1.0).
        return ResultColumn(name, fast_refusal=f"column {name} is JSON, which connectorx rewrites")
    if oid in (_INTERVAL_OID, _INTERVAL_ARRAY_OID):
        return ResultColumn(
            name, fast_refusal=f"column {name} is an interval, which connectorx cannot read"
        )
    if oid != _NUMERIC_OID:
        return ResultColumn(name)
    if not isinstance(scale, int) or not isinstance(precision, int) or scale >= _UNCONSTRAINED:
        # Without a declared scale each value keeps its own digits, which the driver gives.
        return ResultColumn(
            name, fast_refusal=f"column {name} is NUMERIC without a scale, which connectorx rounds"
        )
    column = ResultColumn(name, scale=scale, precision=precision)
    if scale > _FAST_READER_SCALE:
        refusal = f"column {name} has {scale} decimals; connectorx keeps {_FAST_READER_SCALE}"
        return dataclasses.replace(column, fast_refusal=refusal)
    return column


def _as_is(text: str) -> str:
    return text


def _read_as_server_text(dbapi_connection: object, _record: object) -> None:
    """psycopg2 decodes json into dict/list/None (a JSON null turning into SQL NULL), folds
    an interval's months into 30 days and makes range objects; told so per connection, it
    hands over the server's text instead."""
    import psycopg2.extensions
    import psycopg2.extras

    psycopg2.extras.register_default_json(dbapi_connection, loads=_as_is)
    psycopg2.extras.register_default_jsonb(dbapi_connection, loads=_as_is)
    for oid, array_oid in _SERVER_TEXT.items():
        single = psycopg2.extensions.new_type((oid,), f"HIS_TEXT_{oid}", _text_cast)
        array = psycopg2.extensions.new_array_type((array_oid,), f"HIS_TEXT_{array_oid}", single)
        psycopg2.extensions.register_type(single, dbapi_connection)
        psycopg2.extensions.register_type(array, dbapi_connection)


def _text_cast(value: str | None, _cursor: object) -> str | None:
    return value
