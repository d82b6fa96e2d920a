"""One transaction over every repository of the metadata store."""

from __future__ import annotations

from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from repositories.config_repo import SqlConfigRepository
from repositories.datasource_repo import SqlDatasourceRepository
from repositories.job_repo import SqlJobRepository
from repositories.mapping_knowledge_repo import SqlMappingKnowledgeRepository
from repositories.pipeline_repo import SqlPipelineRepository, SqlPipelineRunRepository


class SqlAlchemyUnitOfWork:
    """`with uow: ...; uow.commit()` — leaving the block without commit rolls back."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    @classmethod
    def for_engine(cls, engine: Engine) -> SqlAlchemyUnitOfWork:
        """A unit of work on `engine`, with objects usable after commit."""
        return cls(sessionmaker(bind=engine, expire_on_commit=False))

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        self.datasources = SqlDatasourceRepository(self._session)
        self.configs = SqlConfigRepository(self._session)
        self.pipelines = SqlPipelineRepository(self._session)
        self.pipeline_runs = SqlPipelineRunRepository(self._session)
        self.jobs = SqlJobRepository(self._session)
        self.mapping_knowledge = SqlMappingKnowledgeRepository(self._session)
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._session is not None
        self.rollback()
        self._session.close()
        self._session = None

    def commit(self) -> None:
        """Make everything done in this block permanent."""
        assert self._session is not None, "commit() outside `with uow:`"
        self._session.commit()

    def rollback(self) -> None:
        """Undo everything not yet committed."""
        assert self._session is not None, "rollback() outside `with uow:`"
        self._session.rollback()
