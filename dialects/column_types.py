"""Column types translated from one engine to another: faithful, never narrower than the source.

A reflected source type is first described engine-neutrally (`PortableType`: what values the
column can hold), then rendered for the target engine. The rules, in short:

- Integers keep their width. UNSIGNED widens to the next signed size where the target has no
  unsigned types (INT UNSIGNED → BIGINT, BIGINT UNSIGNED → NUMERIC(20,0)); MySQL keeps it.
  TINYINT(1) stays a small integer: HIS flags hold 0/1/2, not booleans.
- DECIMAL/NUMERIC keep precision and scale; FLOAT/DOUBLE/REAL stay floats of the same size.
- Dates and times keep their fractional seconds; time-zone-aware timestamps stay aware where
  the target can (PostgreSQL, SQL Server); MySQL has no such type and gets DATETIME, holding
  the instant's UTC time.
- MySQL TIME is a duration (-838:59:59 to 838:59:59), not a time of day: PostgreSQL gets
  INTERVAL, and a PostgreSQL INTERVAL gets MySQL TIME back, with the same fractional seconds.
  An interval MySQL TIME cannot hold (days, months, beyond 838 hours) is refused by the
  target, row by row, never rewritten; YEAR/MONTH intervals, which never fit, stay text.
- Strings keep their length in characters; MySQL gets utf8mb4 and a TEXT type for anything
  that could break its 65,535-byte row limit; ENUM/SET become VARCHAR of their longest value.
- Whatever the rules do not know becomes unbounded text (the same type on the same engine).

Where a target cannot be exact, the approximation is named here once: MySQL DECIMAL has at
most 65 digits (30 after the point) and SQL Server at most 38, so wider decimals — and an
unconstrained NUMERIC — are clamped; SQLite stores decimals as 8-byte floats.

Each engine's rendering rules are one table here (`POSTGRESQL_TYPES`, `MYSQL_TYPES`...) that its
dialect declares as `Dialect.type_rules`; a new engine's module builds its own from
`SHARED_TYPES`, so nothing here lists the engines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.dialects import mssql, mysql, postgresql, sqlite
from sqlalchemy.sql import sqltypes
from sqlalchemy.types import TypeEngine

#: The logical types a transformer can declare as its output (`Transformer.output_type`).
LOGICAL_TYPES = ("text", "date", "datetime", "time", "integer", "numeric", "boolean", "json")

#: Bytes a utf8mb4 character can take: MySQL sizes VARCHAR and TEXT limits in bytes.
_MYSQL_BYTES_PER_CHAR = 4
#: Longest VARCHAR kept as VARCHAR on MySQL; longer ones could break its row-size limit.
_MYSQL_VARCHAR_MAX = 255
#: Longest VARCHAR an InnoDB index can hold whole (3,072 key bytes / 4 bytes per character).
_MYSQL_KEYED_VARCHAR_MAX = 768
_MYSQL_KEY_BYTES = 3072
_MYSQL_TEXT_FAMILY = (
    (255, mysql.TINYTEXT),
    (65_535, mysql.TEXT),
    (16_777_215, mysql.MEDIUMTEXT),
    (4_294_967_295, mysql.LONGTEXT),
)
_MYSQL_TEXT_BYTES = {type_: size for size, type_ in _MYSQL_TEXT_FAMILY}
_MSSQL_NVARCHAR_MAX = 4000
_MSSQL_BINARY_MAX = 8000
#: Characters of an interval written as text ('-178000000 years -11 mons ...' fits).
_INTERVAL_TEXT_LENGTH = 100
_UUID_TEXT_LENGTH = 36
_LOGICAL_NAMES = {"year": "integer", "decimal": "numeric", "float": "numeric"} | {
    kind: kind for kind in ("integer", "boolean", "date", "datetime", "time", "json")
}


@dataclass(frozen=True, slots=True)
class PortableType:
    """What a column can hold, independent of any engine.

    `kind` is one of integer, decimal, float, boolean, date, time (of day), duration (MySQL
    TIME), datetime, interval, year, string, text, binary, json, uuid or unknown; the other
    fields apply to some kinds only.
    """

    kind: str
    size: int | None = None  # integer: bytes; string: characters; text, binary: bytes
    precision: int | None = None  # decimal: digits; float: mantissa bits (24 or 53)
    scale: int | None = None  # decimal: digits after the point
    unsigned: bool = False
    fixed: bool = False  # CHAR(n) / BINARY(n) rather than VARCHAR / VARBINARY
    fraction: int | None = None  # time, datetime: digits of fractional seconds
    timezone: bool = False
    native: TypeEngine | None = None  # the source type, reused on the same engine


def logical_portable(name: str, *, length: int | None = None) -> PortableType:
    """What a column of logical type `name` holds (`length` as in logical_type).

    Raises:
        ValueError: an unknown logical type.
    """
    portable = {
        "text": PortableType("string", size=length) if length else PortableType("text"),
        "date": PortableType("date"),
        "datetime": PortableType("datetime", fraction=6),
        "time": PortableType("time", fraction=6),
        "integer": PortableType("integer", size=8),
        "numeric": PortableType("decimal"),
        "boolean": PortableType("boolean"),
        "json": PortableType("json"),
    }.get(name)
    if portable is None:
        raise ValueError(f"unknown logical type {name!r}; expected one of {LOGICAL_TYPES}")
    return portable


def logical_name(portable: PortableType) -> str:
    """The logical type (see LOGICAL_TYPES) closest to what `portable` holds."""
    return _LOGICAL_NAMES.get(portable.kind, "text")


def portable_type(source_type: TypeEngine, source_dialect: str | None = None) -> PortableType:
    """Describe a reflected type engine-neutrally (`source_dialect` as in translate_type)."""
    t = source_type
    if isinstance(t, sqltypes.Boolean):  # SQL Server's BIT too
        return PortableType("boolean")
    if isinstance(t, mysql.YEAR):
        return PortableType("year")
    if isinstance(t, mysql.BIT):
        # BIT(n) arrives as an unsigned number of n bits.
        bits = t.length or 1
        size = next(b for b in (1, 2, 4, 8) if bits <= b * 8)
        return PortableType("integer", size=size, unsigned=True)
    if isinstance(t, sqltypes.Integer):
        return _integer(t, source_dialect)
    if isinstance(t, mssql.MONEY):
        return PortableType("decimal", precision=19, scale=4)
    if isinstance(t, mssql.SMALLMONEY):
        return PortableType("decimal", precision=10, scale=4)
    if isinstance(t, sqltypes.Float):
        return PortableType("float", precision=_float_bits(t, source_dialect))
    if isinstance(t, sqltypes.Numeric):
        return PortableType("decimal", precision=t.precision, scale=t.scale)
    if isinstance(t, (sqltypes.Interval, postgresql.INTERVAL)):
        return PortableType("interval", fraction=_fraction(t, source_dialect), native=t)
    if isinstance(t, sqltypes.DateTime):
        timezone = bool(getattr(t, "timezone", False)) or isinstance(t, mssql.DATETIMEOFFSET)
        fraction = _fraction(t, source_dialect)
        return PortableType("datetime", fraction=fraction, timezone=timezone)
    if isinstance(t, sqltypes.Date):
        return PortableType("date")
    if isinstance(t, mysql.TIME):
        return PortableType("duration", fraction=_fraction(t, source_dialect))
    if isinstance(t, sqltypes.Time):
        timezone = bool(getattr(t, "timezone", False))
        return PortableType("time", fraction=_fraction(t, source_dialect), timezone=timezone)
    if isinstance(t, sqltypes.JSON):
        return PortableType("json")
    if isinstance(t, sqltypes.Uuid):
        return PortableType("uuid")
    if isinstance(t, sqltypes.Enum):
        return PortableType("string", size=max((len(v) for v in t.enums), default=1))
    if isinstance(t, mysql.SET):
        # A SET value is its members joined by commas: the longest is all of them.
        return PortableType("string", size=max(sum(len(v) + 1 for v in t.values) - 1, 1))
    if isinstance(t, sqltypes._Binary):
        return PortableType("binary", size=t.length, fixed=isinstance(t, sqltypes.BINARY))
    if isinstance(t, sqltypes.String):
        if isinstance(t, sqltypes.Text) or not t.length:
            return PortableType("text", size=_MYSQL_TEXT_BYTES.get(type(t)))
        fixed = isinstance(t, (sqltypes.CHAR, sqltypes.NCHAR))
        return PortableType("string", size=t.length, fixed=fixed)
    return PortableType("unknown", native=None if isinstance(t, sqltypes.NullType) else t)


def render_with(
    rules: Mapping[str, Renderer], portable: PortableType, *, keyed: bool = False
) -> TypeEngine:
    """The type `rules` (one engine's table, e.g. POSTGRESQL_TYPES) give `portable`."""
    return rules[portable.kind](portable, keyed)


# --- reading source types -----------------------------------------------------------------------


def _integer(t: sqltypes.Integer, source_dialect: str | None) -> PortableType:
    if source_dialect == "sqlite":
        return PortableType("integer", size=8)  # every SQLite integer is 64-bit
    if isinstance(t, mssql.TINYINT):
        return PortableType("integer", size=1, unsigned=True)  # 0..255 on SQL Server
    size = next(
        size
        for classes, size in (
            (mysql.TINYINT, 1),
            (mysql.MEDIUMINT, 3),
            (sqltypes.SmallInteger, 2),
            (sqltypes.BigInteger, 8),
            (sqltypes.Integer, 4),
        )
        if isinstance(t, classes)
    )
    return PortableType("integer", size=size, unsigned=bool(getattr(t, "unsigned", False)))


def _float_bits(t: sqltypes.Float, source_dialect: str | None) -> int:
    if source_dialect == "sqlite" or isinstance(t, sqltypes.Double):
        return 53
    if isinstance(t, (sqltypes.REAL, mysql.FLOAT)):
        # MySQL's FLOAT(M,D) counts display digits, not bits; its FLOAT is always 4 bytes.
        return 24
    return 24 if t.precision is not None and t.precision <= 24 else 53


def _fraction(t: TypeEngine, source_dialect: str | None) -> int:
    """Digits of fractional seconds the source keeps (at most 6: microseconds)."""
    if isinstance(t, (mysql.DATETIME, mysql.TIMESTAMP, mysql.TIME)):
        return t.fsp or 0  # MySQL's default is whole seconds
    if isinstance(t, mssql.SMALLDATETIME):
        return 0
    precision = getattr(t, "precision", None)
    if precision is not None:
        return min(precision, 6)
    if source_dialect == "mssql" and type(t) is sqltypes.DATETIME:
        return 3  # the legacy DATETIME: 1/300 s
    return 6  # PostgreSQL's default, SQL Server's 7 digits cut to what Python keeps, SQLite


def _signed_size(portable: PortableType) -> int:
    """Bytes of the smallest signed integer holding `portable`; 16 means beyond BIGINT."""
    size = (portable.size or 4) * (2 if portable.unsigned else 1)
    return next(b for b in (1, 2, 4, 8, 16) if size <= b)


# --- rendering ----------------------------------------------------------------------------------

#: Gives a target type for a portable type; the flag says the column is keyed (translate_type).
Renderer = Callable[[PortableType, bool], TypeEngine]


def _integer_type(p: PortableType, _keyed: bool) -> TypeEngine:
    size = _signed_size(p)
    if size == 16:
        return sqltypes.NUMERIC(20, 0)
    return (
        sqltypes.SMALLINT if size <= 2 else sqltypes.INTEGER if size == 4 else sqltypes.BIGINT
    )()


def _numeric_type(p: PortableType, _keyed: bool) -> TypeEngine:
    return sqltypes.NUMERIC(p.precision, p.scale) if p.precision else sqltypes.NUMERIC()


def _string_type(p: PortableType, _keyed: bool) -> TypeEngine:
    return sqltypes.CHAR(p.size) if p.fixed else sqltypes.VARCHAR(p.size)


def _pg_precision(p: PortableType) -> int | None:
    # 6 digits is PostgreSQL's default; name fewer only when the source had fewer.
    return p.fraction if p.fraction and p.fraction < 6 else None


#: What most engines agree on; each engine's table starts from it and overrides what differs.
SHARED_TYPES: dict[str, Renderer] = {
    "integer": _integer_type,
    "decimal": _numeric_type,
    "boolean": lambda p, _: sqltypes.BOOLEAN(),
    "year": lambda p, _: sqltypes.SMALLINT(),  # 1901..2155, and 0000
    "date": lambda p, _: sqltypes.DATE(),
    "string": _string_type,
    "text": lambda p, _: sqltypes.TEXT(),
    "unknown": lambda p, _: sqltypes.TEXT(),
}

POSTGRESQL_TYPES: dict[str, Renderer] = {
    **SHARED_TYPES,
    "float": lambda p, _: sqltypes.REAL() if p.precision == 24 else postgresql.DOUBLE_PRECISION(),
    "time": lambda p, _: postgresql.TIME(timezone=p.timezone, precision=_pg_precision(p)),
    "datetime": lambda p, _: postgresql.TIMESTAMP(timezone=p.timezone, precision=_pg_precision(p)),
    "interval": lambda p, _: (
        p.native if isinstance(p.native, postgresql.INTERVAL) else postgresql.INTERVAL()
    ),
    "duration": lambda p, _: postgresql.INTERVAL(precision=_pg_precision(p)),
    "binary": lambda p, _: postgresql.BYTEA(),
    "json": lambda p, _: postgresql.JSONB(),
    "uuid": lambda p, _: sqltypes.UUID(),
    # Types only PostgreSQL has (INET, arrays, MONEY...) stay as they are on PostgreSQL.
    "unknown": lambda p, _: (
        p.native if isinstance(p.native, _POSTGRESQL_NATIVE) else sqltypes.TEXT()
    ),
}


def _mysql_integer(p: PortableType, _keyed: bool) -> TypeEngine:
    size = next(b for b in (1, 2, 3, 4, 8) if (p.size or 4) <= b)
    integer = {1: mysql.TINYINT, 2: mysql.SMALLINT, 3: mysql.MEDIUMINT, 4: mysql.INTEGER}
    return integer.get(size, mysql.BIGINT)(unsigned=p.unsigned)


def _mysql_decimal(p: PortableType, _keyed: bool) -> TypeEngine:
    if not p.precision:
        return mysql.DECIMAL(65, 30)  # the widest MySQL has
    precision = min(p.precision, 65)
    return mysql.DECIMAL(precision, min(p.scale or 0, 30, precision))


def _mysql_string(p: PortableType, keyed: bool) -> TypeEngine:
    size = p.size or 1
    if p.fixed and size <= _MYSQL_VARCHAR_MAX:
        return mysql.CHAR(size)
    if size <= (_MYSQL_KEYED_VARCHAR_MAX if keyed else _MYSQL_VARCHAR_MAX):
        return mysql.VARCHAR(size)
    return _mysql_text(size * _MYSQL_BYTES_PER_CHAR)


def _mysql_text(needed_bytes: int | None) -> TypeEngine:
    for size, text_type in _MYSQL_TEXT_FAMILY:
        if needed_bytes is not None and needed_bytes <= size:
            return text_type()
    return mysql.LONGTEXT()


def _mysql_binary(p: PortableType, keyed: bool) -> TypeEngine:
    if p.fixed and p.size and p.size <= 255:
        return mysql.BINARY(p.size)
    if keyed and p.size and p.size <= _MYSQL_KEY_BYTES:
        return mysql.VARBINARY(p.size)
    return mysql.LONGBLOB()


def _mysql_interval(p: PortableType, _keyed: bool) -> TypeEngine:
    fields = (getattr(p.native, "fields", None) or "").lower()
    if "year" in fields or "month" in fields:
        return mysql.VARCHAR(_INTERVAL_TEXT_LENGTH)  # months are no duration TIME can hold
    return mysql.TIME(fsp=p.fraction or None)


MYSQL_TYPES: dict[str, Renderer] = {
    **SHARED_TYPES,
    "integer": _mysql_integer,
    "decimal": _mysql_decimal,
    "float": lambda p, _: mysql.FLOAT() if p.precision == 24 else mysql.DOUBLE(),
    "boolean": lambda p, _: mysql.TINYINT(display_width=1),
    "time": lambda p, _: mysql.TIME(fsp=p.fraction or None),
    "datetime": lambda p, _: mysql.DATETIME(fsp=p.fraction or None),  # no zone-aware type
    "interval": _mysql_interval,
    "duration": lambda p, _: mysql.TIME(fsp=p.fraction or None),
    "string": _mysql_string,
    # A source's byte limit may hold as many single-byte characters (latin1, tis620), each up
    # to 4 bytes in utf8mb4; an unknown limit (PostgreSQL TEXT) needs LONGTEXT.
    "text": lambda p, _: _mysql_text(p.size * _MYSQL_BYTES_PER_CHAR if p.size else None),
    "binary": _mysql_binary,
    "json": lambda p, _: mysql.JSON(),
    "uuid": lambda p, _: mysql.CHAR(_UUID_TEXT_LENGTH),
    "unknown": lambda p, _: mysql.LONGTEXT(),
}

SQLITE_TYPES: dict[str, Renderer] = {
    **SHARED_TYPES,
    "float": lambda p, _: sqltypes.REAL() if p.precision == 24 else sqltypes.DOUBLE(),
    "time": lambda p, _: sqltypes.TIME(),
    "datetime": lambda p, _: sqltypes.DATETIME(),
    "interval": lambda p, _: sqltypes.VARCHAR(_INTERVAL_TEXT_LENGTH),
    "duration": lambda p, _: sqltypes.TIME(),  # SQLite keeps the text: 838:59:59 too
    "binary": lambda p, _: sqltypes.BLOB(),
    "json": lambda p, _: sqlite.JSON(),
    "uuid": lambda p, _: sqltypes.CHAR(_UUID_TEXT_LENGTH),
}


def _mssql_integer(p: PortableType, keyed: bool) -> TypeEngine:
    if p.size == 1 and p.unsigned:
        return mssql.TINYINT()  # SQL Server's TINYINT is 0..255
    return _integer_type(p, keyed)


def _mssql_decimal(p: PortableType, _keyed: bool) -> TypeEngine:
    if not p.precision:
        return mssql.DECIMAL(38, 10)
    precision = min(p.precision, 38)
    return mssql.DECIMAL(precision, min(p.scale or 0, precision))


def _mssql_string(p: PortableType, _keyed: bool) -> TypeEngine:
    # N-types: Thai text needs Unicode whatever the database's code page.
    if p.size and p.size <= _MSSQL_NVARCHAR_MAX:
        return mssql.NCHAR(p.size) if p.fixed else mssql.NVARCHAR(p.size)
    return mssql.NVARCHAR(None)  # NVARCHAR(max)


def _mssql_binary(p: PortableType, _keyed: bool) -> TypeEngine:
    if p.size and p.size <= _MSSQL_BINARY_MAX:
        return mssql.BINARY(p.size) if p.fixed else mssql.VARBINARY(p.size)
    return mssql.VARBINARY(None)  # VARBINARY(max)


MSSQL_TYPES: dict[str, Renderer] = {
    **SHARED_TYPES,
    "integer": _mssql_integer,
    "decimal": _mssql_decimal,
    "float": lambda p, _: mssql.REAL() if p.precision == 24 else mssql.FLOAT(53),
    "boolean": lambda p, _: mssql.BIT(),
    "time": lambda p, _: mssql.TIME(precision=p.fraction),
    "datetime": lambda p, _: (
        mssql.DATETIMEOFFSET(precision=p.fraction)
        if p.timezone
        else mssql.DATETIME2(precision=p.fraction)
    ),
    "interval": lambda p, _: mssql.NVARCHAR(_INTERVAL_TEXT_LENGTH),
    # SQL Server's TIME holds a day at most: a longer MySQL TIME is refused there.
    "duration": lambda p, _: mssql.TIME(precision=p.fraction),
    "string": _mssql_string,
    "text": lambda p, _: mssql.NVARCHAR(None),
    "binary": _mssql_binary,
    "json": lambda p, _: mssql.NVARCHAR(None),
    "uuid": lambda p, _: mssql.UNIQUEIDENTIFIER(),
    "unknown": lambda p, _: (
        p.native if isinstance(p.native, mssql.SQL_VARIANT) else mssql.NVARCHAR(None)
    ),
}

# PostgreSQL-only types a PostgreSQL target keeps (elsewhere they become text).
_POSTGRESQL_NATIVE = tuple(
    getattr(postgresql, name)
    for name in ("ARRAY", "INET", "CIDR", "MACADDR", "MONEY", "TSVECTOR", "BIT", "HSTORE")
)
