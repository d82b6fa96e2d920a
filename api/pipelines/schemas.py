"""Attributes of the pipelines resource and of the resources it includes (steps, dependencies,
configs); the JSON:API envelopes are the generic documents of `api.base.documents`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from api.base.documents import Attributes

RESOURCE_TYPE = "pipelines"
NODE_TYPE, EDGE_TYPE, CONFIG_TYPE = "pipeline-nodes", "pipeline-edges", "configs"


class StepIn(BaseModel):
    """One step of a new pipeline: the config it runs and the steps it waits for."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Unique inside the pipeline.")
    config: str = Field(description="A saved mapping config's name or id.")
    depends_on: list[str] = Field(
        default_factory=list, description="Steps that must succeed before this one starts."
    )
    settings: dict[str, Any] = Field(
        default_factory=dict,
        description="Per-step overrides of the run's options: error_policy, batch_size.",
        examples=[{"error_policy": "quarantine", "batch_size": 10000}],
    )


class PipelineCreate(Attributes):
    """Attributes of a new pipeline; it is checked whole (names, configs, cycles) before saving."""

    resource_type: ClassVar[str] = RESOURCE_TYPE
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str | None = None
    steps: list[StepIn] = Field(min_length=1)


class PipelineOut(Attributes):
    """A pipeline; its steps, dependencies and configs are its relationships."""

    resource_type: ClassVar[str] = RESOURCE_TYPE

    name: str
    description: str | None
    step_count: int = Field(description="How many steps (nodes) it has.")
    created_at: datetime
    updated_at: datetime


class PipelineNodeOut(Attributes):
    """One step of a pipeline: one mapping config, and the steps it waits for."""

    resource_type: ClassVar[str] = NODE_TYPE

    name: str
    config_id: str | None = Field(description="None when its config was removed from the store.")
    config_name: str | None
    depends_on: list[str] = Field(description="Names of the steps it waits for.")
    level: int = Field(description="Its level in the graph, from 0; a level's steps run at once.")
    settings: dict[str, Any]
    position_x: float
    position_y: float


class PipelineEdgeOut(Attributes):
    """A dependency: step `target` starts only after step `source` has succeeded."""

    resource_type: ClassVar[str] = EDGE_TYPE

    source: str = Field(description="The step waited for (its name).")
    target: str = Field(description="The step that waits (its name).")
    source_node_id: str
    target_node_id: str


class PipelineConfigOut(Attributes):
    """A mapping config a step runs, as a pipeline shows it: what it moves, nothing secret."""

    resource_type: ClassVar[str] = CONFIG_TYPE

    name: str
    version: int
    source_table: str | None
    target_table: str | None
