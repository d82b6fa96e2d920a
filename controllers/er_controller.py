"""Page logic of the ER Diagram page: a datasource's tables and foreign keys, and one table's
CREATE statement, columns and neighbours.

Errors are the services' `HisError` subclasses and propagate unchanged; the view shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.schema import ForeignKeyInfo, TableDetail
from services import datasources
from services.context import ServiceContext
from services.profiling import export_ddl


@dataclass(frozen=True, slots=True)
class Relation:
    """One foreign key as an arrow: from the referencing table to the one it refers to."""

    table: str
    columns: tuple[str, ...]
    referred_table: str  # qualified ("lab.lab_head") when it lives in another schema
    referred_columns: tuple[str, ...]

    @property
    def label(self) -> str:
        """The columns the arrow carries: "hn", or "doctor → code" when the names differ."""
        own = ", ".join(self.columns)
        if self.columns == self.referred_columns:
            return own
        return f"{own} → {', '.join(self.referred_columns)}"


@dataclass(frozen=True, slots=True)
class SchemaMap:
    """What the diagram is drawn from: every table of one schema and every foreign key."""

    datasource: str
    schema: str | None
    tables: tuple[TableDetail, ...]
    relations: tuple[Relation, ...]

    @property
    def table_names(self) -> list[str]:
        """The tables of the schema, by name."""
        return [table.name for table in self.tables]

    @property
    def outside_tables(self) -> list[str]:
        """Tables of other schemas that foreign keys refer to (qualified), by name."""
        own = set(self.table_names)
        return sorted({r.referred_table for r in self.relations} - own)

    def table(self, name: str) -> TableDetail:
        """The table called `name` (KeyError when the schema has none)."""
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A table next to the chosen one: which way the foreign key points, and through what."""

    direction: str  # "references" (the chosen table refers to it) or "referenced by"
    table: str
    columns: str


REFERENCES = "references"
REFERENCED_BY = "referenced by"


class ErController:
    """Everything the ER Diagram page does, as calls on the shared service context."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def datasource_names(self) -> list[str]:
        """Names of every datasource, by name."""
        return [datasource.name for datasource in datasources.list_datasources(self.ctx)]

    def schema_map(self, datasource: str) -> SchemaMap:
        """Every table and foreign key of the datasource's default schema, on one connection.

        Raises:
            DatasourceNotFound, SchemaNotFound, ConnectionFailed (and its subclasses),
            SecretKeyError.
        """
        details = datasources.describe_schema(self.ctx, datasource)
        schema = details[0].schema if details else None
        relations = tuple(
            _relation(table.name, fk, schema) for table in details for fk in table.foreign_keys
        )
        return SchemaMap(datasource, schema, tuple(details), relations)

    def create_statement(self, datasource: str, table: str) -> str:
        """The table's CREATE TABLE (and its CREATE INDEX) statements, in the engine's SQL.

        Raises:
            TableNotFound: the table is gone since the schema was read; as `schema_map`.
        """
        lines = export_ddl(self.ctx, datasource, tables=[table]).splitlines()
        # The export opens with comment lines about the whole file (datasource, server, order);
        # on this page only the statements after them are news.
        while lines and (lines[0].startswith("--") or not lines[0].strip()):
            lines.pop(0)
        return "\n".join(lines).strip()


def neighbours(schema_map: SchemaMap, table: str) -> list[Neighbour]:
    """Tables the chosen one refers to, then tables referring to it, each by name."""
    outgoing = [
        Neighbour(REFERENCES, relation.referred_table, relation.label)
        for relation in schema_map.relations
        if relation.table == table
    ]
    incoming = [
        Neighbour(REFERENCED_BY, relation.table, relation.label)
        for relation in schema_map.relations
        if relation.referred_table == table
    ]
    return sorted(outgoing, key=_by_table) + sorted(incoming, key=_by_table)


def neighbourhood(schema_map: SchemaMap, table: str) -> set[str]:
    """The chosen table and every table one foreign key away from it, either way."""
    near = {table}
    for relation in schema_map.relations:
        if table in (relation.table, relation.referred_table):
            near |= {relation.table, relation.referred_table}
    return near


def _relation(table: str, fk: ForeignKeyInfo, schema: str | None) -> Relation:
    # Engines name the referred schema even when it is the table's own (PostgreSQL "public",
    # MariaDB the database): only another schema's table is shown qualified.
    referred = fk.referred_table
    if fk.referred_schema not in (None, schema):
        referred = f"{fk.referred_schema}.{referred}"
    return Relation(table, fk.columns, referred, fk.referred_columns)


def _by_table(neighbour: Neighbour) -> tuple[str, str]:
    return (neighbour.table, neighbour.columns)
