"""A stored mapping config and its saved versions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.common import new_id, utc_now


@dataclass(slots=True)
class ConfigRecord:
    """The current version of a named mapping config; `content` is its full JSON."""

    name: str
    content: dict[str, Any]
    source_datasource_id: uuid.UUID | None = None
    target_datasource_id: uuid.UUID | None = None
    source_table: str | None = None
    target_table: str | None = None
    version: int = 1
    id: uuid.UUID = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    deleted_at: datetime | None = None


@dataclass(slots=True)
class ConfigVersion:
    """One saved snapshot of a config; kept even after the config is deleted."""

    config_name: str
    version: int
    snapshot: dict[str, Any]
    config_id: uuid.UUID | None = None
    change_summary: str | None = None
    id: uuid.UUID = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utc_now)
