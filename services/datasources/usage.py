"""Which configs and pipelines use a datasource: what removing it would leave without one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from protocols.repository import UnitOfWork
from services.errors import Conflict


@dataclass(frozen=True)
class Usage:
    """Names of the live configs that read from or write to a datasource, and of the pipelines
    with a step running one of them; both sorted."""

    configs: list[str] = field(default_factory=list)
    pipelines: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.configs or self.pipelines)

    def describe(self) -> str:
        """E.g. "configs ovst, patient and pipeline nightly" (empty when nothing uses it)."""
        parts = [
            _named("config", self.configs),
            _named("pipeline", self.pipelines),
        ]
        return " and ".join(part for part in parts if part)

    def refusal(self, datasource_name: str) -> Conflict:
        """The one-line error of removing a datasource this uses."""
        return Conflict(
            f"Datasource {datasource_name!r} is used by {self.describe()}; "
            "remove them first or use --force."
        )


def find_usage(uow: UnitOfWork, datasource_id: uuid.UUID) -> Usage:
    """What uses the datasource, read in the caller's unit of work.

    Deleted configs are left out: they cannot run, and a restore finds the datasource gone.
    A pipeline counts when one of its steps runs a config that uses the datasource.
    """
    using = {
        config.id: config.name
        for config in uow.configs.list()
        if datasource_id in (config.source_datasource_id, config.target_datasource_id)
    }
    pipelines = [
        pipeline.name
        for pipeline in uow.pipelines.list()
        if any(node.config_id in using for node in uow.pipelines.list_nodes(pipeline.id))
    ]
    return Usage(configs=sorted(using.values()), pipelines=sorted(pipelines))


def _named(kind: str, names: list[str]) -> str:
    if not names:
        return ""
    return f"{kind}{'s' if len(names) > 1 else ''} {', '.join(names)}"
