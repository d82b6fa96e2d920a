"""Background jobs and their events: the metadata store is the job queue."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from models.job import QUEUED, Job, JobEvent
from models.status import RunStatus
from repositories.base import SqlRepository, row_to_model
from repositories.orm import JobEventRow, JobRow


class SqlJobRepository(SqlRepository[Job, JobRow]):
    """Jobs, newest first; claims and state changes are compare-and-set, so two runners
    (threads, processes or machines sharing a store) never take the same job."""

    row_type = JobRow
    model_type = Job

    def list(
        self, *, statuses: Collection[RunStatus] | None = None, owner: str | None = None
    ) -> list[Job]:
        """Jobs, newest first; only those in `statuses` / of `owner` when given."""
        query = select(JobRow).order_by(JobRow.created_at.desc())
        if statuses is not None:
            query = query.where(JobRow.status.in_(list(statuses)))
        if owner is not None:
            query = query.where(JobRow.owner == owner)
        return [row_to_model(row, Job) for row in self.session.scalars(query)]

    def claim_next(self, owner: str, now: datetime) -> Job | None:
        """Take the oldest queued job for `owner`: RUNNING, heartbeat now, one more attempt."""
        query = select(JobRow.id).where(JobRow.status == QUEUED).order_by(JobRow.created_at)
        if self.session.get_bind().dialect.name == "postgresql":
            # Concurrent runners skip the row another one is taking instead of queueing on it.
            query = query.with_for_update(skip_locked=True)
        for job_id in self.session.scalars(query.limit(20)).all():
            claimed = self.change_if(
                job_id,
                statuses=[QUEUED],
                status=RunStatus.RUNNING,
                owner=owner,
                heartbeat_at=now,
                attempts=JobRow.attempts + 1,
                started_at=func.coalesce(JobRow.started_at, now),
                finished_at=None,
            )
            if claimed:
                return self.get(job_id)
        return None

    def change_if(
        self,
        job_id: uuid.UUID,
        *,
        statuses: Collection[RunStatus],
        owned_by: str | None = None,
        **values: Any,
    ) -> bool:
        """Set `values` on the job only while its status is one of `statuses` (and, with
        `owned_by`, while that runner owns it); True if it did."""
        query = update(JobRow).where(JobRow.id == job_id, JobRow.status.in_(list(statuses)))
        if owned_by is not None:
            query = query.where(JobRow.owner == owned_by)
        changed = self.session.execute(
            query.values(**values).execution_options(synchronize_session=False)
        )
        self.session.expire_all()
        return changed.rowcount == 1

    def heartbeat(self, owner: str, now: datetime) -> None:
        """Say that `owner` is alive, on every job it runs."""
        self.session.execute(
            update(JobRow)
            .where(JobRow.owner == owner, JobRow.status == RunStatus.RUNNING)
            .values(heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )

    def cancel_requested(self, owner: str) -> set[uuid.UUID]:
        """The jobs `owner` runs that someone asked to stop."""
        query = select(JobRow.id).where(
            JobRow.owner == owner,
            JobRow.status == RunStatus.RUNNING,
            JobRow.cancel_requested.is_(True),
        )
        return set(self.session.scalars(query))

    def add_event(self, event: JobEvent) -> JobEvent:
        """Store an event (its `seq` must be the job's next) and return it with its id."""
        row = JobEventRow(
            job_id=event.job_id,
            seq=event.seq,
            type=event.type,
            data=event.data,
            created_at=event.created_at,
        )
        self.session.add(row)
        self.session.flush()
        self.session.execute(
            update(JobRow)
            .where(JobRow.id == event.job_id)
            .values(last_seq=event.seq)
            .execution_options(synchronize_session=False)
        )
        return replace(event, id=row.id)

    def list_events(
        self, job_id: uuid.UUID, *, after: int = 0, limit: int = 1000
    ) -> list[JobEvent]:
        """The job's events with a sequence number above `after`, in order."""
        query = (
            select(JobEventRow)
            .where(JobEventRow.job_id == job_id, JobEventRow.seq > after)
            .order_by(JobEventRow.seq)
            .limit(limit)
        )
        return [_event(row) for row in self.session.scalars(query)]

    def events_since(self, after_id: int, *, limit: int = 1000) -> list[JobEvent]:
        """Every job's events stored after the one numbered `after_id`, in store order."""
        query = (
            select(JobEventRow)
            .where(JobEventRow.id > after_id)
            .order_by(JobEventRow.id)
            .limit(limit)
        )
        return [_event(row) for row in self.session.scalars(query)]

    def last_event_id(self) -> int:
        """The store's newest event number (0 when there is none)."""
        return self.session.scalar(select(func.max(JobEventRow.id))) or 0


def _event(row: JobEventRow) -> JobEvent:
    return JobEvent(
        job_id=row.job_id,
        seq=row.seq,
        type=row.type,
        data=dict(row.data or {}),
        created_at=row.created_at,
        id=row.id,
    )
