"""Attributes of the datasources resource and of what its routes report (discovery, tests).

The JSON:API envelopes around them are the generic documents of `api.base.documents`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from api.base.documents import Attributes

RESOURCE_TYPE = "datasources"


# `schema` shadows a BaseModel attribute, so the Python name is `schema_` and the JSON one `schema`.
def _schema_field(description: str = "Default schema for discovery.") -> Any:
    return Field(default=None, alias="schema", description=description)


_BY_NAME_AND_ALIAS = ConfigDict(validate_by_name=True, validate_by_alias=True)


class DatasourceCreate(Attributes):
    """Attributes of a new datasource."""

    resource_type: ClassVar[str] = RESOURCE_TYPE
    model_config = ConfigDict(extra="forbid", **_BY_NAME_AND_ALIAS)

    name: str
    db_type: str = Field(description="mysql, postgresql, mssql or sqlite.")
    database: str = Field(description="Database name, or the file path for SQLite.")
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = Field(default=None, description="Stored encrypted; never returned.")
    schema_: str | None = _schema_field()
    options: dict[str, Any] = Field(default_factory=dict, description="Extra driver options.")


class DatasourceUpdate(Attributes):
    """Attributes to change; an absent attribute keeps its value, `password: null` removes it."""

    resource_type: ClassVar[str] = RESOURCE_TYPE
    model_config = ConfigDict(extra="forbid", **_BY_NAME_AND_ALIAS)

    name: str | None = None
    db_type: str | None = None
    database: str | None = None
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = None
    schema_: str | None = _schema_field()
    options: dict[str, Any] | None = None

    @field_validator("name", "db_type", "database", "options", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Only present attributes reach a validator; these four cannot be cleared.
        if value is None:
            raise PydanticCustomError(
                "not_null", "Cannot be null; leave the attribute out to keep its value."
            )
        return value

    def changes(self) -> dict[str, Any]:
        """The attributes sent, except the password, keyed by the service's field names."""
        sent = self.model_dump(exclude_unset=True, exclude={"password"})
        if "schema_" in sent:
            sent["schema"] = sent.pop("schema_")
        return sent


class DatasourceOut(Attributes):
    """A datasource as the API shows it: never the password, nor its ciphertext."""

    resource_type: ClassVar[str] = RESOURCE_TYPE
    model_config = _BY_NAME_AND_ALIAS

    name: str
    db_type: str
    host: str | None
    port: int | None
    database: str
    username: str | None
    schema_: str | None = _schema_field()
    options: dict[str, Any]
    has_password: bool
    created_at: datetime
    updated_at: datetime


class ConnectionTestOut(Attributes):
    """A successful connection test; its id is the datasource's."""

    resource_type: ClassVar[str] = "connection-tests"

    ok: bool = Field(default=True, description="Always true: a failed test answers 502.")
    server_version: str = Field(description="What the server says its version is.")
    elapsed_ms: float = Field(description="Time to connect and ask, in milliseconds.")


class SchemaOut(Attributes):
    """A user schema of the datasource's database (MySQL: a database); its id is its name."""

    resource_type: ClassVar[str] = "schemas"

    name: str


class TableOut(Attributes):
    """A table with its estimated row count; its id is `schema.name` (or `name`)."""

    resource_type: ClassVar[str] = "tables"
    model_config = _BY_NAME_AND_ALIAS

    name: str
    schema_: str | None = _schema_field("The table's schema.")
    row_estimate: int | None = Field(description="Engine statistics, not an exact count.")


class ColumnOut(BaseModel):
    """One column of a table."""

    name: str
    type: str = Field(description="As the engine spells it.", examples=["VARCHAR(12)"])
    nullable: bool
    default: str | None
    primary_key: bool


class IndexOut(BaseModel):
    """One index (the primary key is reported by its columns' `primary_key`)."""

    name: str | None
    columns: list[str]
    unique: bool


class ForeignKeyOut(BaseModel):
    """One foreign key from this table's columns to another table's."""

    name: str | None
    columns: list[str]
    referred_table: str
    referred_columns: list[str]
    referred_schema: str | None


class TableDetailOut(Attributes):
    """The structure of one table; its id is `schema.name` (or `name`), as in the table list."""

    resource_type: ClassVar[str] = "tables"
    model_config = _BY_NAME_AND_ALIAS

    name: str
    schema_: str | None = _schema_field("The table's schema.")
    columns: list[ColumnOut]
    primary_key: list[str]
    indexes: list[IndexOut]
    foreign_keys: list[ForeignKeyOut]
