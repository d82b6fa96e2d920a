"""Column types translated between engines named by their registered names ("postgresql").

The type tables live in `column_types`; this module adds the lookup by name, which needs the
registry (and so every dialect) — the dialects themselves import only `column_types`.
"""

from __future__ import annotations

from sqlalchemy.types import TypeEngine

from dialects.column_types import PortableType, logical_portable, portable_type
from dialects.registry import get_dialect
from utils.registry import UnknownPluginError


def translate_type(
    source_type: TypeEngine,
    target: str,
    *,
    source_dialect: str | None = None,
    keyed: bool = False,
) -> TypeEngine:
    """The type a column of `source_type` gets on the `target` engine.

    Args:
        source_type: A type as SQLAlchemy reflects it from MySQL/MariaDB, PostgreSQL, SQLite
            or SQL Server.
        target: A registered dialect's name: "postgresql", "mysql", "sqlite", "mssql"...
        source_dialect: The source engine's dialect name, when known. SQLite needs it: its
            integers and floats are all 8 bytes whatever the declared name.
        keyed: The column is part of the primary key or an index. MySQL cannot index a TEXT
            or BLOB whole, so such a column keeps VARCHAR/VARBINARY while the key allows.

    Raises:
        ValueError: no rules for `target`.
    """
    return render(portable_type(source_type, source_dialect), target, keyed=keyed)


def logical_type(
    name: str, target: str, *, length: int | None = None, keyed: bool = False
) -> TypeEngine:
    """The `target` type of a logical type a transformer declares (see LOGICAL_TYPES).

    "text" is a VARCHAR of `length` characters when given, otherwise unbounded text; "integer"
    is 64-bit; "numeric" is an unconstrained exact decimal; "datetime" and "time" keep
    microseconds.

    Raises:
        ValueError: an unknown logical type or target.
    """
    return render(logical_portable(name, length=length), target, keyed=keyed)


def render(portable: PortableType, target: str, *, keyed: bool = False) -> TypeEngine:
    """The type of the registered dialect `target` for `portable` (`keyed` as in translate_type).

    Raises:
        ValueError: no dialect of that name, or one without type rules.
    """
    try:
        dialect = get_dialect(target)
    except UnknownPluginError:
        raise ValueError(f"no column type rules for database type {target!r}") from None
    return dialect.column_type(portable, keyed=keyed)
