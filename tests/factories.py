"""Small factories for test data."""

from __future__ import annotations

from typing import Any

from models.datasource import Datasource


def make_datasource(**overrides: Any) -> Datasource:
    """A valid MariaDB datasource model; override any field."""
    fields: dict[str, Any] = {
        "name": "hosxp",
        "db_type": "mysql",
        "host": "127.0.0.1",
        "port": 3306,
        "database": "hos",
        "username": "his",
    }
    fields.update(overrides)
    return Datasource(**fields)
