"""Request and response attributes of the mapping actions: suggest, coverage."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from api.base.documents import Attributes

_REFERENCE = {"min_length": 1, "max_length": 400}


class SuggestionRequest(Attributes):
    """Which tables to map: a live source (or a report run's table) onto a live target."""

    resource_type: ClassVar[str] = "mapping-suggestions"
    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        description="DATASOURCE.TABLE, or TABLE of `run_id`.",
        examples=["his.patient"],
        **_REFERENCE,
    )
    target: str = Field(description="DATASOURCE.TABLE.", examples=["hdc.person"], **_REFERENCE)
    run_id: str | None = Field(
        default=None, max_length=100, description="Read the source from this report run."
    )
    semantic: bool = Field(default=True, description="Use the semantic model.")


class PluginSuggestionOut(BaseModel):
    """A transformer or validator the mapping needs, with why."""

    name: str
    params: dict = Field(default_factory=dict)
    reason: str


class TargetScoreOut(BaseModel):
    """Another target the column could go to."""

    target_column: str
    confidence: float


class SuggestionOut(BaseModel):
    """One source column's suggested target (null: no counterpart)."""

    source_column: str
    target_column: str | None
    confidence: float = Field(description="Calibrated: about this share of such pairs is right.")
    reasons: list[str] = Field(description="Why, in words a user can check.")
    transformers: list[PluginSuggestionOut]
    validators: list[PluginSuggestionOut]
    combined_with: str | None = Field(
        default=None, description="The other source column filling the same target."
    )
    alternatives: list[TargetScoreOut]


class SuggestionsOut(Attributes):
    """The suggestions for one table pair; its id is `source→target`."""

    resource_type: ClassVar[str] = "mapping-suggestions"

    source: str
    target: str
    source_table: str
    target_table: str
    semantic: bool = Field(description="Whether the semantic model took part.")
    elapsed_seconds: float
    suggestions: list[SuggestionOut]


class CoverageRequest(Attributes):
    """Which VALUE_MAP to measure: a config and the column it maps."""

    resource_type: ClassVar[str] = "value-map-coverage"
    model_config = ConfigDict(extra="forbid")

    config_id: str = Field(description="The config's name or id.", **_REFERENCE)
    column: str = Field(
        description="The target (or source) column with the VALUE_MAP.", **_REFERENCE
    )
    run_id: str | None = Field(
        default=None, max_length=100, description="Count from this report run's top values."
    )


class UnmappedValueOut(BaseModel):
    """A source value the map does not know, and its rows."""

    value: str
    count: int


class CoverageOut(Attributes):
    """How much of the source column the map covers; its id is `config:column`."""

    resource_type: ClassVar[str] = "value-map-coverage"

    config: str
    source: str
    target: str
    rows: int = Field(description="Non-null rows of the source column.")
    covered_rows: int
    share: float = Field(description="covered_rows / rows.")
    null_rows: int
    distinct_values: int
    mapped_values: int
    unmapped: list[UnmappedValueOut] = Field(description="Most frequent first (up to 50).")
    default: str | None = Field(description="What unmapped values become, if the map says.")
    basis: str = Field(description="group_by: every row counted; profile: its top values only.")
