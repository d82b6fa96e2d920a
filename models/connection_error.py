"""Why a connection attempt failed, as a dialect reads it from its driver's error."""

from __future__ import annotations

from enum import StrEnum


class ConnectionErrorKind(StrEnum):
    """The causes a hospital IT person can act on differently."""

    AUTHENTICATION = "authentication"
    UNREACHABLE = "unreachable"
    UNKNOWN_DATABASE = "unknown_database"
    PERMISSION = "permission"
    DRIVER_MISSING = "driver_missing"
    OTHER = "other"
