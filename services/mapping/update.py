"""A partial change to a config: the fields given replace the latest version's, saved anew."""

from __future__ import annotations

from typing import Any

from models.config_record import ConfigVersion
from services.context import ServiceContext
from services.errors import InvalidConfig
from services.mapping.configs import get_config, save_config
from services.mapping.datasource_refs import REFERENCES


def update_config(
    ctx: ServiceContext,
    name: str,
    changes: dict[str, Any],
    *,
    summary: str | None = None,
    check_live: bool = True,
) -> ConfigVersion:
    """Save the next version of config `name`: its latest version with `changes` applied.

    Each field given replaces the stored one whole (`mappings` is the whole new list);
    `source` / `target` name a datasource in place of the stored `*_datasource_id`.

    Raises:
        ConfigNotFound: no such config, or it was deleted.
        InvalidConfig: `changes` renames the config, or the result does not validate (or
            disagrees with a live schema, with `check_live`).
        LiveCheckUnavailable: a datasource could not be reached for the live check.
        Conflict: the result is identical to the latest version.
    """
    new_name = changes.get("name", name)
    if not isinstance(new_name, str) or new_name.strip() != name:
        # A rename would silently start a second config with a history of its own.
        raise InvalidConfig(
            f"Config {name!r} cannot be renamed; save it under the new name and delete this one.",
            field="name",
        )
    current = get_config(ctx, name)
    for role, field in REFERENCES.items():
        if role in changes and field not in changes:
            current.pop(field, None)  # the name given replaces the stored id
    return save_config(ctx, {**current, **changes}, summary=summary, check_live=check_live)
