"""A datasource: where a database lives and how to log in to it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.common import new_id, utc_now


@dataclass(slots=True)
class Datasource:
    """A registered database. The password is kept only in encrypted form."""

    name: str
    db_type: str
    database: str
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password_encrypted: str | None = field(default=None, repr=False)
    schema: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    id: uuid.UUID = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)

    @property
    def has_password(self) -> bool:
        """Whether a password is stored (never what it is)."""
        return bool(self.password_encrypted)


@dataclass(frozen=True, slots=True)
class ConnectionSpec:
    """Everything a dialect needs to build a connection URL, password in plain text.

    Lives only in memory for the moment a connection is opened; `repr` hides the password.
    """

    db_type: str
    database: str
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    options: tuple[tuple[str, str], ...] = ()

    @property
    def pool_key(self) -> tuple[str, str | None, int | None, str, str | None]:
        """Connections are pooled per (type, host, port, database, user)."""
        return (self.db_type, self.host, self.port, self.database, self.username)
