"""The composition root: settings → store engine → migrations → services' context."""

from __future__ import annotations

import logging

from sqlalchemy.orm import sessionmaker

from config import Settings, get_settings
from repositories.database import create_store_engine, upgrade_schema
from repositories.unit_of_work import SqlAlchemyUnitOfWork
from services.connections import ConnectionManager
from services.context import ServiceContext
from services.privacy import QueryStringFilter, RedactingFormatter
from services.secret_box import SecretBox

log = logging.getLogger(__name__)


def bootstrap(settings: Settings | None = None, *, migrate: bool = True) -> ServiceContext:
    """Build everything services need; the API, dashboard, CLI and tests all start here.

    Args:
        settings: defaults to the environment's (`get_settings()`).
        migrate: bring the metadata store's tables up to date first (Alembic).
    """
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_store_engine(settings.metadata_url)
    if migrate:
        upgrade_schema(engine)
    log.info("metadata store ready (%s)", engine.url.get_backend_name())
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)
    return ServiceContext(
        settings=settings,
        uow_factory=lambda: SqlAlchemyUnitOfWork(session_factory),
        secrets=_secret_box(settings),
        connections=ConnectionManager(),
        store_engine=engine,
    )


def _secret_box(settings: Settings) -> SecretBox:
    if settings.secret_key is not None:
        return SecretBox.from_passphrase(settings.secret_key.get_secret_value())
    return SecretBox.from_key_file(settings.secret_key_file)


def configure_logging(settings: Settings | None = None) -> None:
    """One log format for every entry point; level from HIS_LOG_LEVEL."""
    settings = settings or get_settings()
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter())
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
    # uvicorn writes its access lines with a handler of its own, past the formatter above.
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QueryStringFilter) for f in access.filters):
        access.addFilter(QueryStringFilter())
