"""A mapping config: which source columns go to which target columns, and how (pydantic, no I/O)."""

from __future__ import annotations

import enum
import uuid
from typing import Annotated, Any, Protocol

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError


class PluginRegistry(Protocol):
    """What validation needs from a plugin registry: `get(name)` or `UnknownPluginError`."""

    kind: str

    def get(self, name: str) -> Any: ...


class LoadMode(enum.StrEnum):
    """How rows reach the target table."""

    APPEND = "append"
    TRUNCATE = "truncate"  # empty the target first, then append
    UPSERT = "upsert"  # insert or update on `key_columns`


class ErrorPolicy(enum.StrEnum):
    """What a migration step does with a row that fails a transformer, a validator or the load."""

    STOP = "stop"  # roll the batch back and stop, naming the key range and the reason
    QUARANTINE = "quarantine"  # write the row to the reject table and go on


class PluginCall(BaseModel):
    """One transformer or validator applied to a column, with its parameters."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)


class MappingItem(BaseModel):
    """One target column: where its value comes from and what happens to it on the way."""

    model_config = ConfigDict(extra="forbid")

    source: str | None = None  # a source column or an SQL expression
    target: str | None = None
    transformers: list[PluginCall] = Field(default_factory=list)
    validators: list[PluginCall] = Field(default_factory=list)
    ignore: bool = False
    default: str | int | float | bool | None = None

    @field_validator("default", mode="wrap")
    @classmethod
    def _one_default_error(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # Without this, a wrong default reports once per member of the union (four lines).
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError(
                "default_type", "must be text, a number, true/false or null"
            ) from None

    @model_validator(mode="wrap")
    @classmethod
    def _check_item(
        cls, data: Any, handler: ModelWrapValidatorHandler[MappingItem], info: ValidationInfo
    ) -> MappingItem:
        item = handler(data)
        problems: list[InitErrorDetails] = []
        if not item.ignore and not (item.target or "").strip():
            problems.append(
                _problem(("target",), "target_required", "a target column is required", data)
            )
        context = info.context or {}
        for family in ("transformers", "validators"):
            registry = context.get(family)
            if registry is None:
                continue  # no registry given: structure only (e.g. reading a stored snapshot)
            for index, call in enumerate(getattr(item, family)):
                problems.extend(_check_call(call, registry, (family, index)))
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)
        return item

    def reads_column(self) -> bool:
        """True when `source` is a plain column name, which a run selects as is; any other
        source is an SQL expression (and no source at all leaves the column to `default`)."""
        return bool(self.source) and str(self.source).isidentifier()


class MigrationConfig(BaseModel):
    """Everything one pipeline step needs to move one table."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    source_datasource_id: uuid.UUID | None = None
    source_table: str | None = None
    generate_sql: str | None = None  # a SELECT to read from instead of a table
    target_datasource_id: uuid.UUID | None = None
    target_table: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    load_mode: LoadMode = LoadMode.APPEND
    key_columns: list[str] = Field(default_factory=list)
    batch_size: int = Field(default=5000, ge=1, le=1_000_000)
    # Source columns that order the rows and say how far a run got (resume); default: the
    # source table's primary key. A generate_sql source without one cannot be resumed.
    source_key: list[str] = Field(default_factory=list)
    error_policy: ErrorPolicy = ErrorPolicy.STOP
    # Create the target table from the source table's columns when it does not exist yet.
    create_target_table: bool = False
    mappings: list[MappingItem] = Field(default_factory=list)

    @model_validator(mode="wrap")
    @classmethod
    def _check_config(
        cls, data: Any, handler: ModelWrapValidatorHandler[MigrationConfig]
    ) -> MigrationConfig:
        config = handler(data)
        problems = _source_problems(config, data)
        targets: dict[str, int] = {}
        for index, item in enumerate(config.mappings):
            if item.ignore or not item.target:
                continue
            first = targets.setdefault(item.target, index)
            if first != index:
                problems.append(
                    _problem(
                        ("mappings", index, "target"),
                        "duplicate_target",
                        f"{item.target!r} is already the target of mappings[{first}]",
                        item.target,
                    )
                )
        problems.extend(_key_problems(config, set(targets), data))
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)
        return config

    def mapped_items(self) -> list[MappingItem]:
        """The mappings that fill a target column, in order (ignored ones left out)."""
        return [item for item in self.mappings if not item.ignore and item.target]

    def target_columns(self) -> list[str]:
        """The target columns the config writes, in mapping order."""
        return [str(item.target) for item in self.mapped_items()]

    def snapshot(self) -> dict[str, Any]:
        """The config as plain JSON data, every field present (what history stores)."""
        return self.model_dump(mode="json")


def _source_problems(config: MigrationConfig, data: Any) -> list[InitErrorDetails]:
    has_table = bool((config.source_table or "").strip())
    has_sql = bool((config.generate_sql or "").strip())
    if has_table and has_sql:
        message = "give source_table or generate_sql, not both"
        return [_problem(("generate_sql",), "ambiguous_source", message, data)]
    if not has_table and not has_sql:
        message = "a source_table or a generate_sql query is required"
        return [_problem(("source_table",), "source_required", message, data)]
    return []


def _key_problems(config: MigrationConfig, targets: set[str], data: Any) -> list[InitErrorDetails]:
    if config.load_mode is not LoadMode.UPSERT:
        return []
    if not config.key_columns:
        message = "load_mode 'upsert' needs at least one key column"
        return [_problem(("key_columns",), "key_required", message, data)]
    return [
        _problem(
            ("key_columns", index),
            "key_not_mapped",
            f"{column!r} is not the target of any mapping",
            column,
        )
        for index, column in enumerate(config.key_columns)
        if column not in targets
    ]


def _check_call(
    call: PluginCall, registry: PluginRegistry, loc: tuple[str | int, ...]
) -> list[InitErrorDetails]:
    """Problems with one plugin call; on success the call's name and params are normalised."""
    kind = getattr(registry, "kind", "plugin")
    try:
        plugin = registry.get(call.name)
    except LookupError as error:
        # The registry's suggestion is its lower-cased key; show the plugin's own spelling.
        suggestion = getattr(error, "suggestion", None)
        hint = ""
        if suggestion:
            hint = f"; did you mean {getattr(registry.get(suggestion), 'name', suggestion)!r}?"
        message = f"unknown {kind} {call.name!r}{hint}"
        return [_problem((*loc, "name"), "unknown_plugin", message, call.name)]
    params_model = getattr(plugin, "Params", None)
    call.name = getattr(plugin, "name", call.name)
    if params_model is None:
        return []
    try:
        params = params_model.model_validate(call.params)
    except ValidationError as error:
        return [
            _problem(
                (*loc, "params", *detail["loc"]), detail["type"], detail["msg"], detail["input"]
            )
            for detail in error.errors()
        ]
    # Stored as given, minus what the user left out, with types coerced ("8" -> 8).
    call.params = params.model_dump(mode="json", exclude_unset=True)
    return []


def _problem(loc: tuple[str | int, ...], kind: str, message: str, value: Any) -> InitErrorDetails:
    # The message goes in as a template argument, so braces in user text are not formatted.
    error = PydanticCustomError(kind, "{message}", {"message": message})
    return {"type": error, "loc": loc, "input": value}
