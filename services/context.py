"""What every service function needs from the outside world, built once by `bootstrap`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from config import Settings
from protocols.repository import UnitOfWork
from services.connections import ConnectionManager
from services.secret_box import SecretBox


@dataclass(frozen=True)
class ServiceContext:
    """The metadata store (as a unit-of-work factory), the password box and the pools."""

    settings: Settings
    uow_factory: Callable[[], UnitOfWork]
    secrets: SecretBox
    connections: ConnectionManager
    store_engine: Engine

    def uow(self) -> UnitOfWork:
        """A fresh unit of work: `with ctx.uow() as uow: ...; uow.commit()`."""
        return self.uow_factory()

    def close(self) -> None:
        """Release every pooled connection: datasources' and the metadata store's."""
        self.connections.close_all_connections()
        self.store_engine.dispose()
