"""How a profile samples values: the `sampling` block of analysis_report/config.json."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SampleException(BaseModel):
    """A per-column override of how many sample values to keep."""

    model_config = ConfigDict(extra="forbid")

    table: str
    column: str
    limit: int = Field(ge=0, le=1000)


class SamplingSettings(BaseModel):
    """Sample sizes and text truncation for the smart sample of each column."""

    model_config = ConfigDict(extra="ignore")

    default_limit: int = Field(default=10, ge=0, le=1000)
    max_text_length: int = Field(default=300, ge=10, le=100_000)
    deep_analysis: bool = True
    exceptions: list[SampleException] = Field(default_factory=list)

    def limit_for(self, table: str, column: str) -> int:
        """How many sample values `table.column` keeps."""
        for rule in self.exceptions:
            if rule.table.lower() == table.lower() and rule.column.lower() == column.lower():
                return rule.limit
        return self.default_limit
