"""Attributes of the plugin resources: transformers, validators and dialects."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from api.base.documents import Attributes


class _PluginAttributes(Attributes):
    name: str = Field(description="What a mapping config names it by.")
    description: str
    parameters: dict[str, Any] = Field(
        description="JSON schema of the parameters a mapping config may give it."
    )
    examples: list[dict[str, Any]] = Field(
        description="Worked examples: `input` with `params` gives the documented outcome."
    )


class TransformerOut(_PluginAttributes):
    """A transformer; its id is its name. Examples hold `input`, `params` and `output`."""

    resource_type: ClassVar[str] = "transformers"

    family: str = Field(examples=["dates"])


class ValidatorOut(_PluginAttributes):
    """A validator; its id is its name. Examples hold `input`, `params` and the
    `failing_positions` of the values that fail."""

    resource_type: ClassVar[str] = "validators"


class DialectOut(Attributes):
    """A database engine; its id is its name (the `db_type` of a datasource)."""

    resource_type: ClassVar[str] = "dialects"

    name: str = Field(examples=["postgresql"])
    display_name: str = Field(examples=["PostgreSQL"])
    default_port: int | None = Field(description="None for file databases (SQLite).")
    capabilities: dict[str, bool] = Field(
        description="The engine's capability flags, by name.",
        examples=[{"needs_server": True, "supports_grouping_sets": True}],
    )
