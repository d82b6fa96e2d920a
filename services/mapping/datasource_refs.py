"""A config's datasources by name: `"source": "his"` resolves to the datasource's id when the
config is saved, and exports name them again, so a config moves between installations whose
datasources share names but not ids."""

from __future__ import annotations

import uuid
from typing import Any

from protocols.repository import UnitOfWork
from services.errors import InvalidConfig
from utils.text import did_you_mean

#: The config keys that name a datasource, and the stored fields they resolve to.
REFERENCES = {"source": "source_datasource_id", "target": "target_datasource_id"}


def resolve_datasource_names(uow: UnitOfWork, data: Any) -> Any:
    """`data` with each `source`/`target` (a datasource name or id) turned into its
    `*_datasource_id`; data that names no datasource is returned as given.

    Raises:
        InvalidConfig: no datasource has that name or id (with the closest name), or the
            name and the id given beside it are two different datasources.
    """
    if not isinstance(data, dict) or not any(key in data for key in REFERENCES):
        return data
    resolved: dict[str, Any] = {}
    for key, value in data.items():
        field = REFERENCES.get(key)
        if field is None:
            resolved.setdefault(key, value)
        elif value is not None:
            resolved[field] = str(_resolve(uow, key, value, data.get(field)))
    return resolved


def with_datasource_names(uow: UnitOfWork, snapshot: dict[str, Any]) -> dict[str, Any]:
    """`snapshot` with each datasource id replaced by the datasource's name, in its place
    (`null` stays `null`). An id whose datasource has gone stays an id: the name it had is
    not known any more.
    """
    named: dict[str, Any] = {}
    for key, value in snapshot.items():
        role = next((role for role, field in REFERENCES.items() if field == key), None)
        if role is None:
            named[key] = value
            continue
        datasource = None if value is None else uow.datasources.get(uuid.UUID(str(value)))
        if value is None:
            named[role] = None
            continue
        if datasource is None:
            named[key] = value
        else:
            named[role] = datasource.name
    return named


def _resolve(uow: UnitOfWork, role: str, reference: Any, given_id: Any) -> uuid.UUID:
    if not isinstance(reference, str) or not reference.strip():
        raise InvalidConfig(f"Invalid config: {role}: must be a datasource name or id.", field=role)
    reference = reference.strip()
    datasource = uow.datasources.get_by_name_or_id(reference)
    if datasource is None:
        hint = did_you_mean(reference, [known.name for known in uow.datasources.list()])
        raise InvalidConfig(
            f"Invalid config: {role}: no datasource called {reference!r}{hint}", field=role
        )
    if given_id is not None and _as_uuid(given_id) != datasource.id:
        field = REFERENCES[role]
        raise InvalidConfig(
            f"Invalid config: {role} is datasource {datasource.name!r} but {field} is "
            f"{given_id}, another one; give only one of them.",
            field=role,
        )
    return datasource.id


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        return None
