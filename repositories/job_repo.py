"""Background jobs."""

from __future__ import annotations

from sqlalchemy import select

from models.job import Job
from repositories.base import SqlRepository, row_to_model
from repositories.orm import JobRow


class SqlJobRepository(SqlRepository[Job, JobRow]):
    """Jobs, newest first."""

    row_type = JobRow
    model_type = Job

    def list(self) -> list[Job]:
        """Every job, newest first."""
        query = select(JobRow).order_by(JobRow.created_at.desc())
        return [row_to_model(row, Job) for row in self.session.scalars(query)]
