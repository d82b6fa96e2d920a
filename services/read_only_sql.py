"""Whether a config's SQL is exactly one read-only SELECT, parsed in the engine's dialect:
checked before it reaches the hospital's server, by the run and by the save's live check."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from dialects.base import Dialect
from services.errors import InvalidConfig
from utils.text import one_line

if TYPE_CHECKING:  # sqlglot loads on the first check: every command start need not pay it
    from sqlglot import exp


@functools.cache
def _node_kinds() -> tuple[tuple[type[exp.Expression], ...], tuple[type[exp.Expression], ...]]:
    """(what a read-only query may be, what none of its nodes may be)."""
    from sqlglot import exp

    reads = (exp.Select, exp.Union, exp.Intersect, exp.Except)
    # Nodes that write, lock or change schema: none may appear anywhere in a source query,
    # not even inside a CTE ("WITH d AS (DELETE … RETURNING *) SELECT …").
    writes = (
        exp.Insert,
        exp.Update,
        exp.Delete,
        exp.Merge,
        exp.Create,
        exp.Drop,
        exp.Alter,
        exp.TruncateTable,
        exp.Command,
        exp.Into,  # SELECT … INTO new_table creates a table
        exp.Lock,  # SELECT … FOR UPDATE takes row locks on the live HIS
    )
    return reads, writes


def check_read_only_select(sql: str, dialect: Dialect) -> exp.Expression:
    """Parse `sql` in the engine's dialect and make sure it is exactly one read-only SELECT.

    Raises:
        InvalidConfig: (field `generate_sql`) it does not parse, holds several statements, is
            not a SELECT, or writes, locks or changes anything.
    """
    import sqlglot
    from sqlglot.errors import ParseError

    reads, writes = _node_kinds()
    where = f"generate_sql ({dialect.display_name})"
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect.sqlglot_dialect) if s is not None]
    except ParseError as error:
        first = one_line(error) or "syntax error"
        raise InvalidConfig(f"{where} does not parse: {first}", field="generate_sql") from None
    if len(statements) != 1:
        raise InvalidConfig(
            f"{where} must be exactly one SELECT statement, found {len(statements)}.",
            field="generate_sql",
        )
    (statement,) = statements
    if not isinstance(statement, reads):
        kind = statement.key.upper()
        raise InvalidConfig(f"{where} must be a SELECT, not {kind}.", field="generate_sql")
    for node in statement.walk():
        if isinstance(node, writes):
            raise InvalidConfig(
                f"{where} must only read, but it contains {_describe(node)}.", field="generate_sql"
            )
    return statement


def _describe(node: exp.Expression) -> str:
    from sqlglot import exp

    names = {exp.Into: "SELECT … INTO", exp.Lock: "a row lock (FOR UPDATE/SHARE)"}
    for kind, name in names.items():
        if isinstance(node, kind):
            return name
    return node.key.upper()


def tables_read(sql: str, dialect: Dialect) -> list[str]:
    """The tables a read-only SELECT reads, each once, in the order the parser meets them
    (the names of its own CTEs left out): which table a config's query comes from.

    Raises:
        InvalidConfig: as `check_read_only_select`.
    """
    from sqlglot import exp

    statement = check_read_only_select(sql, dialect)
    own = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
    names: list[str] = []
    for table in statement.find_all(exp.Table):
        if table.name and table.name not in own and table.name not in names:
            names.append(table.name)
    return names
