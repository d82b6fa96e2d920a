"""Pipelines, their nodes and edges, and their runs."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from models.pipeline import Pipeline, PipelineEdge, PipelineNode, PipelineRun
from repositories.base import NamedSqlRepository, SqlRepository, row_to_model
from repositories.orm import PipelineEdgeRow, PipelineNodeRow, PipelineRow, PipelineRunRow


class SqlPipelineRepository(NamedSqlRepository[Pipeline, PipelineRow]):
    """Pipelines by name or id, with their DAG of nodes and edges."""

    row_type = PipelineRow
    model_type = Pipeline

    def add_node(self, node: PipelineNode) -> None:
        """Add one step to a pipeline."""
        self._insert(PipelineNodeRow, node)

    def list_nodes(self, pipeline_id: uuid.UUID) -> list[PipelineNode]:
        """A pipeline's steps, by name."""
        query = (
            select(PipelineNodeRow)
            .where(PipelineNodeRow.pipeline_id == pipeline_id)
            .order_by(PipelineNodeRow.name)
        )
        return [row_to_model(row, PipelineNode) for row in self.session.scalars(query)]

    def delete_node(self, node_id: uuid.UUID) -> None:
        """Remove a step (its edges go with it)."""
        self._remove(PipelineNodeRow, node_id)

    def add_edge(self, edge: PipelineEdge) -> None:
        """Make `edge.target_node_id` depend on `edge.source_node_id`."""
        self._insert(PipelineEdgeRow, edge)

    def list_edges(self, pipeline_id: uuid.UUID) -> list[PipelineEdge]:
        """A pipeline's dependencies."""
        query = select(PipelineEdgeRow).where(PipelineEdgeRow.pipeline_id == pipeline_id)
        return [row_to_model(row, PipelineEdge) for row in self.session.scalars(query)]

    def delete_edge(self, edge_id: uuid.UUID) -> None:
        """Remove one dependency."""
        self._remove(PipelineEdgeRow, edge_id)


class SqlPipelineRunRepository(SqlRepository[PipelineRun, PipelineRunRow]):
    """Pipeline runs, newest first."""

    row_type = PipelineRunRow
    model_type = PipelineRun

    def list(self, *, pipeline_id: uuid.UUID | None = None) -> list[PipelineRun]:
        """Runs, newest first; only one pipeline's when `pipeline_id` is given."""
        query = select(PipelineRunRow).order_by(PipelineRunRow.created_at.desc())
        if pipeline_id is not None:
            query = query.where(PipelineRunRow.pipeline_id == pipeline_id)
        return [row_to_model(row, PipelineRun) for row in self.session.scalars(query)]
