"""MariaDB and MySQL, through PyMySQL."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import sqltypes
from sqlalchemy.types import TypeEngine

from dialects._load_data import LOCAL_INFILE_REFUSED, check_loaded, load_data_sql, write_parts
from dialects._mysql_values import result_column, storable
from dialects._sql import error_code, for_paramstyle, non_key_columns
from dialects.base import Dialect
from dialects.column_types import MYSQL_TYPES
from dialects.registry import register_dialect
from dialects.result_column import ResultColumn
from models.connection_error import ConnectionErrorKind
from models.datasource import ConnectionSpec
from models.migration_run import ChecksumHash
from models.migration_run import ColumnMeasure as M

# MySQL client/server error numbers that tell the causes apart.
_AUTH_ERRORS = {1045, 1698, 1251}
_UNKNOWN_DATABASE = 1049
_NO_DATABASE_RIGHTS = 1044
#: In-memory temporary table size a profiling session asks for (the server's own memory).
PROFILE_TEMP_TABLE_BYTES = 256 * 1024 * 1024
_UNREACHABLE_ERRORS = {2002, 2003, 2005, 2006, 2013}

log = logging.getLogger(__name__)


#: Server errors about a row's values (PyMySQL files some of them as OperationalError):
#: incorrect value, truncated, out of range, too long, NULL into NOT NULL, duplicate key,
#: missing foreign key, failed CHECK.
_ROW_ERROR_CODES = frozenset({1048, 1062, 1264, 1265, 1292, 1366, 1406, 1452, 3819, 4025})

# The column a refused row names, in a server error or a LOAD DATA warning:
# "Data too long for column 'code' at row 1", "Incorrect date value: '2024-02-30' for column
# `db`.`t`.`d` at row 1", "Column 'doctor' cannot be null", "NULL supplied to NOT NULL column
# 'doctor' at row 1".
_REFUSED_COLUMN = re.compile(
    r"for column (?:`[^`]*`\.)*(?:`(?P<quoted>[^`]*)`|'(?P<plain>[^']*)')"
    r"|column '(?P<null>[^']*)' cannot be null"
    r"|NOT NULL column '(?P<loaded>[^']*)'",
    re.IGNORECASE,
)

#: Characters of a TEXT or BLOB column a plain index covers: 191 × 4 bytes fits every InnoDB
#: row format.
INDEX_PREFIX_CHARS = 191

# MariaDB's JSON is LONGTEXT with a CHECK (json_valid(`column`)): that check marks it as JSON.
_JSON_CHECK = re.compile(r"^\s*json_valid\(\s*`((?:[^`]|``)+)`\s*\)\s*$", re.IGNORECASE)


def _hashed(text_sql: str) -> str:
    # CRC-32 of the UTF-8 bytes: MD5() costs ~0.7 us a value here, CRC32() next to nothing.
    # 32 bits catch any change of up to 4 neighbouring bytes in a value, others but 1 in 2^32.
    return f"SUM(CRC32(CONVERT({text_sql} USING utf8mb4)))"


@register_dialect("mysql")
class MySQLDialect(Dialect):
    display_name = "MariaDB / MySQL"
    sqlglot_dialect = "mysql"
    driver = "mysql+pymysql"
    driver_module = "pymysql"
    default_port = 3306
    system_schemas = frozenset({"information_schema", "mysql", "performance_schema", "sys"})
    quote_chars = ("`", "`")
    version_sql = "SELECT VERSION()"
    concat_function = True  # || is OR unless PIPES_AS_CONCAT is set
    text_cast_type = "CHAR"
    schema_is_database = True
    foreign_keys_create_indexes = True
    # Transactional tables, and 4-byte UTF-8 for Thai and emoji.
    table_options = {
        "mysql_engine": "InnoDB",
        "mysql_charset": "utf8mb4",
        "mysql_collate": "utf8mb4_unicode_ci",
    }
    type_rules = MYSQL_TYPES
    arrow_scheme = "mysql"
    time_holds_durations = True
    checksum_hash = ChecksumHash.CRC32
    # Counted only: FLOAT/DOUBLE (CAST(... AS CHAR) writes shortest digits in a notation of its
    # own, '1e15', '0.00001', and SQL cannot reach the IEEE bytes) and MySQL 8's JSON type
    # (stored parsed, numbers re-rendered). MariaDB's JSON is LONGTEXT, hashed as text.
    checksum_sql = {
        M.TEXT: ("SUM(CHAR_LENGTH({c}))", _hashed("{c}")),
        # RTRIM: CHAR(n) reads back without its padding unless PAD_CHAR_TO_FULL_LENGTH is set.
        M.CHAR: (_hashed("RTRIM({c})"),),
        M.BYTES: (_hashed("LOWER(HEX({c}))"),),
        M.BOOLEAN: ("SUM({c})",),
        M.DATE: ("SUM(TO_DAYS({c}) - 719528)",),
        # The sign apart, then whole seconds and microseconds of the magnitude: MariaDB's
        # TIME_TO_SEC keeps the fraction and MySQL's drops it, and FLOOR of a negative fraction
        # (-00:00:00.000001) would be a second off.
        M.TIME: (
            "SUM((CASE WHEN {c} < TIME '00:00:00' THEN -1 ELSE 1 END)"
            " * (FLOOR(ABS(TIME_TO_SEC({c}))) * 1000000 + MICROSECOND({c})))",
        ),
        M.DATETIME: ("SUM((TO_SECONDS({c}) - 62167219200) * 1000000 + MICROSECOND({c}))",),
    }
    # As build_url does for PyMySQL: a legacy server's default character set may be latin1 or
    # 3-byte utf8, and Thai text and 4-byte characters must arrive intact either way.
    arrow_session_sql = "SET NAMES utf8mb4"

    def build_url(self, spec: ConnectionSpec) -> URL:
        url = super().build_url(spec)
        # Thai text needs 4-byte-safe UTF-8 unless the datasource says otherwise.
        return url if "charset" in url.query else url.update_query_dict({"charset": "utf8mb4"})

    def connect_args(self, spec: ConnectionSpec) -> dict[str, Any]:
        args = super().connect_args(spec)
        if spec.password:
            # PyMySQL encodes a text password as latin-1 and fails on Thai; the server hashed
            # the UTF-8 bytes the password was created with, so send exactly those.
            args["password"] = spec.password.encode("utf-8")
        # bulk_load streams files with LOAD DATA LOCAL INFILE, which the client must announce
        # when it connects; prepare_engine then keeps it off except during our own loads.
        args["local_infile"] = True
        return args

    def prepare_engine(self, engine: Engine) -> None:
        # PyMySQL sends whatever file the server names once LOCAL INFILE is on, so a rogue or
        # compromised server could read our key file. It stays off on every connection and is
        # switched on only while bulk_load runs its own LOAD DATA (see local_infile_enabled).
        event.listen(engine, "connect", _refuse_local_files)

    def result_columns(self, description: Sequence[Sequence[Any]]) -> list[ResultColumn]:
        return [result_column(entry) for entry in description]

    def row_estimate_sql(self) -> str:
        return (
            "SELECT table_name, table_rows FROM information_schema.tables "
            "WHERE table_schema = :schema AND table_type = 'BASE TABLE'"
        )

    def repeatable_sample_sql(
        self, qualified_table: str, percent: float, key_columns: Sequence[str]
    ) -> str | None:
        if not key_columns:
            return None
        # A hash of the primary key picks the same rows in every pass, and needs no right to
        # create temporary tables (read-only hospital accounts often lack it).
        key = ", ".join(self.quote(column) for column in key_columns)
        threshold = int(percent * 10_000)
        return (
            f"(SELECT * FROM {qualified_table} "
            f"WHERE CRC32(CONCAT_WS(0x1F, {key})) MOD 1000000 < {threshold}) s"
        )

    def zero_date_predicate(self, expression: str) -> str | None:
        # As text: '0000-00-00' and '0000-00-00 00:00:00' alike, and no comparison of a date
        # with a zero-date literal, which a strict sql_mode warns about.
        return f"CAST({expression} AS CHAR) LIKE '0000-00-00%'"

    def exact_text_key(self, expression: str) -> str:
        # The usual collations (utf8mb4_general_ci…) ignore case and pad with spaces: bytes
        # do neither.
        return f"CAST({expression} AS BINARY)"

    def drop_temporary_sql(self, name: str) -> str:
        return f"DROP TEMPORARY TABLE {self.quote(name)}"

    def prepare_profiling_session(self, connection: Connection) -> None:
        # A GROUP BY over a million distinct values overflows the default 16 MB in-memory
        # temporary table onto disk and runs ten times slower; this session may use more.
        connection.exec_driver_sql(
            f"SET SESSION tmp_table_size = {PROFILE_TEMP_TABLE_BYTES}, "
            f"max_heap_table_size = {PROFILE_TEMP_TABLE_BYTES}"
        )

    def table_size_mb(self, connection: Connection, table: str, schema: str | None) -> float | None:
        size = connection.execute(
            text(
                "SELECT data_length + index_length FROM information_schema.tables "
                "WHERE table_schema = COALESCE(:schema, DATABASE()) AND table_name = :table"
            ),
            {"schema": schema, "table": table},
        ).scalar()
        return None if size is None else float(size) / 1_048_576

    def current_schema(self, connection: Connection) -> str | None:
        # In MySQL a schema is a database; the current one is the connection's database.
        return connection.execute(text("SELECT DATABASE()")).scalar()

    def refused_rows(self, error: BaseException) -> bool:
        return super().refused_rows(error) or error_code(error) in _ROW_ERROR_CODES

    def refused_column(self, error: BaseException) -> str | None:
        match = _REFUSED_COLUMN.search(str(getattr(error, "orig", None) or error))
        if match is None:
            return None
        return next(name for name in match.groups() if name is not None)

    def json_columns(
        self, connection: Connection, table: str, schema: str | None
    ) -> frozenset[str]:
        # MySQL reflects its JSON type; MariaDB's JSON is LONGTEXT known only by its CHECK.
        if not getattr(connection.dialect, "is_mariadb", False):
            return frozenset()
        rows = connection.execute(
            text(
                "SELECT check_clause FROM information_schema.check_constraints "
                "WHERE constraint_schema = COALESCE(:schema, DATABASE()) AND table_name = :table"
            ),
            {"schema": schema, "table": table},
        )
        found = (_JSON_CHECK.match(clause or "") for (clause,) in rows)
        return frozenset(match[1].replace("``", "`") for match in found if match)

    def index_options(self, columns: Sequence[Column[Any]], *, unique: bool) -> dict[str, Any]:
        if unique:
            # A unique index on a prefix would refuse rows that differ only after it.
            return {}
        prefixes = {
            column.name: length
            for column in columns
            if (length := self.index_prefix_length(column.type)) is not None
        }
        return {"mysql_length": prefixes or None}

    @staticmethod
    def index_prefix_length(column_type: TypeEngine) -> int | None:
        """Characters of a column of `column_type` a plain index covers; None for all of it.

        MySQL indexes a TEXT or BLOB column (a string or bytes type without a length) only by
        a prefix of it.
        """
        unbounded = isinstance(column_type, sqltypes.String | sqltypes._Binary) and not getattr(
            column_type, "length", None
        )
        return INDEX_PREFIX_CHARS if unbounded else None

    def classify_error(self, error: BaseException) -> ConnectionErrorKind:
        code = error_code(error)
        if code in _AUTH_ERRORS:
            return ConnectionErrorKind.AUTHENTICATION
        if code == _NO_DATABASE_RIGHTS:
            return ConnectionErrorKind.PERMISSION
        if code == _UNKNOWN_DATABASE:
            return ConnectionErrorKind.UNKNOWN_DATABASE
        if code in _UNREACHABLE_ERRORS:
            return ConnectionErrorKind.UNREACHABLE
        return ConnectionErrorKind.OTHER

    @staticmethod
    @contextlib.contextmanager
    def local_infile_enabled(connection: Connection) -> Iterator[None]:
        """LOCAL INFILE switched on for this connection for the duration of the block."""
        raw = connection.connection.dbapi_connection
        raw._local_infile = True  # type: ignore[union-attr]
        try:
            yield
        finally:
            raw._local_infile = False  # type: ignore[union-attr]

    def bulk_load(
        self,
        connection: Connection,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
    ) -> int:
        # LOAD DATA LOCAL INFILE from a temporary file written (and loaded) in parts; INSERT
        # batches when the server or the client has LOCAL INFILE switched off.
        with tempfile.TemporaryDirectory(prefix="his_load_") as folder:
            path = os.path.join(folder, "rows.tsv")
            with self.local_infile_enabled(connection):
                if not self._local_infile_allowed(connection, table, schema, columns, path):
                    return super().bulk_load(connection, table, schema, columns, rows)
                rows = self.bindable_rows(rows)
                written = 0
                for count, hex_columns in write_parts(rows, path):
                    sql = load_data_sql(self, table, schema, columns, hex_columns)
                    loaded = connection.exec_driver_sql(sql, (path,)).rowcount
                    check_loaded(connection, table, loaded, count)
                    written += count
        return written

    def bindable_rows(self, rows: Iterable[Sequence[object]]) -> Iterable[Sequence[object]]:
        return storable(rows)

    # truncate: the base class's DELETE. TRUNCATE TABLE would commit the caller's transaction
    # implicitly, so a load failing after it could no longer bring the old rows back.

    def upsert_sql(
        self,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        key_columns: Sequence[str],
        paramstyle: str,
    ) -> str:
        # PyMySQL's executemany still folds INSERT … VALUES (…) ON DUPLICATE KEY UPDATE into
        # multi-row statements. The server matches ANY unique key, not only `key_columns`.
        # VALUES(c) rather than MySQL 8's row alias, which MariaDB does not know.
        updates = non_key_columns(columns, key_columns)
        if updates:
            sets = ", ".join(f"{name} = VALUES({name})" for name in map(self.quote, updates))
        else:
            # A no-op assignment keeps the row; INSERT IGNORE would also swallow bad values.
            key = self.quote(key_columns[0])
            sets = f"{key} = {key}"
        suffix = for_paramstyle(f" ON DUPLICATE KEY UPDATE {sets}", paramstyle)
        return self.insert_sql(table, schema, columns, paramstyle) + suffix

    def _local_infile_allowed(
        self,
        connection: Connection,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        path: str,
    ) -> bool:
        # Asked once per pooled connection, by loading an empty file: refusal costs no rows.
        info = connection.connection.info
        if "his_local_infile" not in info:
            with open(path, "wb"):
                pass
            try:
                connection.exec_driver_sql(load_data_sql(self, table, schema, columns), (path,))
                info["his_local_infile"] = True
            except DBAPIError as error:
                if error_code(error) not in LOCAL_INFILE_REFUSED:
                    raise
                log.warning(
                    "LOAD DATA LOCAL INFILE refused (error %s); bulk loads on this connection "
                    "use INSERT batches instead",
                    error_code(error),
                )
                info["his_local_infile"] = False
        return bool(info["his_local_infile"])


def _refuse_local_files(dbapi_connection: object, _record: object) -> None:
    dbapi_connection._local_infile = False  # type: ignore[attr-defined]
