"""Request and response shapes of the datasources resource (JSON:API envelopes included)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

RESOURCE_TYPE = "datasources"


# `schema` shadows a BaseModel attribute, so the Python name is `schema_` and the JSON one `schema`.
def _schema_field() -> Any:
    return Field(default=None, alias="schema", description="Default schema for discovery.")


class DatasourceCreate(BaseModel):
    """Attributes of a new datasource."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)

    name: str
    db_type: str = Field(description="mysql, postgresql, mssql or sqlite.")
    database: str = Field(description="Database name, or the file path for SQLite.")
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = Field(default=None, description="Stored encrypted; never returned.")
    schema_: str | None = _schema_field()
    options: dict[str, Any] = Field(default_factory=dict, description="Extra driver options.")


class DatasourceUpdate(BaseModel):
    """Attributes to change; an absent attribute keeps its value, `password: null` removes it."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)

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


class DatasourceOut(BaseModel):
    """A datasource as the API shows it: never the password, nor its ciphertext."""

    model_config = ConfigDict(from_attributes=True, validate_by_name=True, validate_by_alias=True)

    id: uuid.UUID
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


class _CreateData(BaseModel):
    type: Literal["datasources"]
    attributes: DatasourceCreate


class _UpdateData(BaseModel):
    type: Literal["datasources"]
    id: str | None = Field(default=None, description="Optional; the URL names the datasource.")
    attributes: DatasourceUpdate


class DatasourceCreateDocument(BaseModel):
    """`{"data": {"type": "datasources", "attributes": {...}}}`."""

    data: _CreateData


class DatasourceUpdateDocument(BaseModel):
    """`{"data": {"type": "datasources", "attributes": {...}}}` with only what changes."""

    data: _UpdateData
