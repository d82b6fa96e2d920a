"""Domain errors: each carries a one-line message a hospital IT person can act on."""

from __future__ import annotations

from models.migration_run import MigrationResult


class HisError(Exception):
    """Base of every error HIS Analyzer reports to a user."""

    #: Short machine-readable code; the API puts it in the JSON:API error object.
    code = "his_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(HisError):
    """Something asked for by name or id does not exist."""

    code = "not_found"


class DatasourceNotFound(NotFound):
    """No datasource has that name or id."""

    code = "datasource_not_found"

    def __init__(self, key: str) -> None:
        super().__init__(f"No datasource called {key!r}.")
        self.key = key


class ConfigNotFound(NotFound):
    """No mapping config (or no such version of it) has that name; `message` says which."""

    code = "config_not_found"

    def __init__(self, name: str, message: str | None = None) -> None:
        super().__init__(message or f"No mapping config called {name!r}.")
        self.name = name


class SchemaNotFound(NotFound):
    """The datasource has no schema (MySQL: database) of that name."""

    code = "schema_not_found"

    def __init__(self, schema: str) -> None:
        super().__init__(f"No schema {schema!r}.")
        self.schema = schema


class TableNotFound(NotFound):
    """The datasource has no such table (in the given schema)."""

    code = "table_not_found"

    def __init__(self, table: str, schema: str | None) -> None:
        where = f" in schema {schema!r}" if schema else ""
        super().__init__(f"No table {table!r}{where}.")
        self.table = table
        self.schema = schema


class JobNotFound(NotFound):
    """No background job has that id."""

    code = "job_not_found"

    def __init__(self, key: str) -> None:
        super().__init__(f"No job {key!r}.")
        self.key = key


class PluginNotRegistered(NotFound):
    """A dialect, transformer or validator asked for by name (in a URL) is not registered."""

    code = "plugin_not_found"


class ReportRunNotFound(NotFound):
    """No profile run's report folder has that id."""

    code = "profile_not_found"

    def __init__(self, run_id: str) -> None:
        super().__init__(f"No profile run {run_id!r}.")
        self.run_id = run_id


class ReportFileNotFound(NotFound):
    """The profile run holds no file of that name."""

    code = "profile_file_not_found"

    def __init__(self, run_id: str, name: str) -> None:
        super().__init__(f"Profile run {run_id!r} has no file {name!r}.")
        self.run_id = run_id
        self.name = name


class Conflict(HisError):
    """The change clashes with what is stored (a name taken, a row in use)."""

    code = "conflict"


class InvalidInput(HisError):
    """The request itself is malformed; `field` names the culprit when known."""

    code = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidQuery(InvalidInput):
    """A query parameter (sort, filter, include, page) asks for what the resource cannot do."""

    code = "invalid_query"

    def __init__(self, message: str, *, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class InvalidConfig(InvalidInput):
    """A mapping config or setting does not validate."""

    code = "invalid_config"


class PluginNotFound(InvalidInput):
    """A dialect, transformer or validator name is not registered."""

    code = "plugin_not_found"


class ConnectionFailed(HisError):
    """A database could not be reached or refused us; subclasses say why."""

    code = "connection_failed"


class AuthenticationFailed(ConnectionFailed):
    """The server answered but refused the user name or password."""

    code = "authentication_failed"


class HostUnreachable(ConnectionFailed):
    """Nothing answered at host:port (down, firewalled, wrong port or host name)."""

    code = "host_unreachable"


class UnknownDatabase(ConnectionFailed):
    """The server answered but has no database of that name."""

    code = "unknown_database"


class AccessDenied(ConnectionFailed):
    """The login worked but the user has no rights on that database."""

    code = "access_denied"


class DriverMissing(ConnectionFailed):
    """The Python driver or ODBC driver for this engine is not installed."""

    code = "driver_missing"


class SecretKeyError(HisError):
    """Stored passwords cannot be decrypted with the configured key."""

    code = "secret_key_error"


class WriteFailed(HisError):
    """A database refused rows being written (or stored only part of them); nothing was kept."""

    code = "write_failed"


class MigrationFailed(HisError):
    """A migration step stopped: a batch was rolled back, or what was moved did not reconcile.

    `result` holds what the run did up to that point (counts, the last committed key), when it
    got far enough to have one.
    """

    code = "migration_failed"

    def __init__(self, message: str, result: MigrationResult | None = None) -> None:
        super().__init__(message)
        self.result = result


class RunCancelled(HisError):
    """Someone asked a running job to stop: it stopped between two batches, every committed
    batch and its checkpoint kept, so a resume continues from there."""

    code = "run_cancelled"


class ModelUnavailable(HisError):
    """The semantic model (HIS_MODEL) is not on this machine or cannot be read; nothing is
    downloaded to make up for it."""

    code = "model_unavailable"
