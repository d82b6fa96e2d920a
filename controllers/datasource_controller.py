"""Page logic of the Settings page's Datasources tab: rows, add / edit forms, tests, browsing.

Errors are the services' `HisError` subclasses and propagate unchanged; the view shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.datasource import Datasource
from models.schema import TableDetail
from services import datasources
from services.context import ServiceContext
from services.datasources import KEEP, ConnectionTestResult
from services.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class DatasourceRow:
    """One line of the datasource table: where and as whom, never the password itself."""

    name: str
    type: str
    location: str
    database: str
    user: str
    password: str


@dataclass(frozen=True, slots=True)
class DatasourceForm:
    """The add / edit form's values as the widgets return them (blank means "not given").

    In the edit form a blank password keeps the stored one; `remove_password` clears it.
    """

    name: str
    db_type: str
    database: str
    host: str = ""
    port: float | int | None = None
    username: str = ""
    password: str = field(default="", repr=False)
    schema: str = ""
    remove_password: bool = False


@dataclass(frozen=True, slots=True)
class TableRow:
    """One table of a datasource, with the engine's row estimate (None when unknown)."""

    name: str
    row_estimate: int | None


@dataclass(frozen=True, slots=True)
class ColumnRow:
    """One column of a browsed table."""

    column: str
    type: str
    nullable: bool
    default: str
    primary_key: bool


class DatasourceController:
    """Everything the Datasources tab does, as calls on the shared service context."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def db_types(self) -> list[str]:
        """Database types a datasource may use, servers first (MariaDB / MySQL leads)."""
        return [kind.name for kind in datasources.database_types()]

    def db_type_label(self, name: str) -> str:
        """How a database type is shown to people ("MariaDB / MySQL" for "mysql")."""
        labels = {kind.name: kind.display_name for kind in datasources.database_types()}
        return labels.get(name, name)

    def rows(self) -> list[DatasourceRow]:
        """Every datasource as a table row, by name."""
        return [_row(datasource) for datasource in datasources.list_datasources(self.ctx)]

    def names(self) -> list[str]:
        """Names of every datasource, in the table's order."""
        return [datasource.name for datasource in datasources.list_datasources(self.ctx)]

    def add(self, form: DatasourceForm) -> Datasource:
        """Register the datasource the form describes.

        Raises:
            InvalidInput, PluginNotFound, Conflict: as `datasources.create_datasource`.
        """
        return datasources.create_datasource(
            self.ctx,
            name=form.name,
            db_type=form.db_type,
            database=form.database,
            host=form.host,
            port=_port(form.port),
            username=form.username.strip() or None,
            # Passwords are taken verbatim: leading or trailing spaces can be part of one.
            password=form.password or None,
            schema=form.schema.strip() or None,
        )

    def form_of(self, name: str) -> DatasourceForm:
        """The stored fields of a datasource as the edit form starts from (password blank).

        Raises:
            DatasourceNotFound: it was deleted since the list was read.
        """
        stored = datasources.get_datasource(self.ctx, name)
        return DatasourceForm(
            name=stored.name,
            db_type=stored.db_type,
            database=stored.database,
            host=stored.host or "",
            port=stored.port,
            username=stored.username or "",
            schema=stored.schema or "",
        )

    def update(self, name: str, form: DatasourceForm) -> Datasource:
        """Replace every field of datasource `name` with the form's; the password as the form
        says: a new one typed, removed when `remove_password`, otherwise kept.

        Raises:
            InvalidInput: both a new password and `remove_password` were given, or a field is
                invalid; DatasourceNotFound, PluginNotFound, Conflict: as `update_datasource`.
        """
        password: Any = KEEP
        if form.remove_password and form.password:
            raise InvalidInput(
                "Type a new password or remove the stored one, not both.", field="password"
            )
        if form.remove_password:
            password = None
        elif form.password:
            password = form.password  # verbatim, as when adding
        return datasources.update_datasource(
            self.ctx,
            name,
            password=password,
            name=form.name,
            db_type=form.db_type,
            database=form.database,
            host=form.host,
            port=_port(form.port),
            username=form.username.strip() or None,
            schema=form.schema.strip() or None,
        )

    def usage(self, name: str) -> str:
        """What deleting the datasource would leave without one, in words ("config visits and
        pipeline nightly"); empty when nothing uses it.

        Raises:
            DatasourceNotFound: it was deleted since the list was read.
        """
        return datasources.datasource_usage(self.ctx, name).describe()

    def test(self, name: str) -> ConnectionTestResult:
        """Connect to the datasource; the server's version and how long it took.

        Raises:
            DatasourceNotFound, ConnectionFailed (and its subclasses), SecretKeyError.
        """
        return datasources.test_datasource(self.ctx, name)

    def delete(self, name: str, *, force: bool = False) -> None:
        """Remove the datasource and close its pooled connections.

        Raises:
            DatasourceNotFound; Conflict: configs or pipelines use it and `force` is not set.
        """
        datasources.delete_datasource(self.ctx, name, force=force)

    def tables(self, name: str) -> list[TableRow]:
        """Tables of the datasource's default schema, with row estimates."""
        return [
            TableRow(table.name, table.row_estimate)
            for table in datasources.list_tables(self.ctx, name)
        ]

    def columns(self, name: str, table: str) -> list[ColumnRow]:
        """Columns of one table: type, nullable, default and whether it is in the primary key.

        Raises:
            TableNotFound: the table is gone (dropped since the list was read).
        """
        return column_rows(datasources.describe_table(self.ctx, name, table))


def column_rows(table: TableDetail) -> list[ColumnRow]:
    """A table's columns as the pages list them: type, nullable, default, primary key."""
    return [
        ColumnRow(
            column=column.name,
            type=column.type,
            nullable=column.nullable,
            default=column.default or "",
            primary_key=column.primary_key,
        )
        for column in table.columns
    ]


def _port(port: float | int | None) -> int | None:
    # number_input hands back a float when its step is not an int; ports are ints.
    return None if port is None else int(port)


def _row(datasource: Datasource) -> DatasourceRow:
    # Built field by field on purpose: copying the model would carry password_encrypted along.
    if datasource.host:
        location = f"{datasource.host}:{datasource.port}" if datasource.port else datasource.host
    else:
        location = "local file"
    return DatasourceRow(
        name=datasource.name,
        type=datasource.db_type,
        location=location,
        database=datasource.database,
        user=datasource.username or "",
        password="yes" if datasource.has_password else "no",
    )
