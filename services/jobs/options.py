"""A job's options: the run choices of the CLI's flags, checked when the job is submitted."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from models.migration_config import ErrorPolicy
from models.migration_run import MigrationOptions
from models.profile import ProfileMode
from services.errors import InvalidInput

_MAX_WORKERS = 16


@dataclass(frozen=True, slots=True)
class JobOptions:
    """How a job runs; every field has the CLI's default.

    Attributes:
        test: Migration: load inside a transaction that is rolled back and report.
        test_rows: Migration test: how many source rows to read.
        replay_rejects: Migration: read again only the rows of the outstanding rejects.
        resume: Continue from the checkpoint (set by a resume of the job).
        restart: Forget an interrupted run's checkpoint and start over.
        again: Append although the config's last run succeeded.
        batch_size: Overrides the config's batch size.
        error_policy: Overrides the config's error policy (stop, skip, quarantine).
        max_workers: Pipeline: how many steps may run at the same time.
        tables: Profile: only these tables (all when empty).
        schema: Profile: the schema to profile (the datasource's default when unset).
        mode: Profile: basic or deep.
    """

    test: bool = False
    test_rows: int | None = None
    replay_rejects: bool = False
    resume: bool = False
    restart: bool = False
    again: bool = False
    batch_size: int | None = None
    error_policy: str | None = None
    max_workers: int = 2
    tables: tuple[str, ...] = ()
    schema: str | None = None
    mode: str = ProfileMode.DEEP.value

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> JobOptions:
        """Options from a request or the store; an unknown option or a bad value is refused.

        Raises:
            InvalidInput: naming the option (`field` "options.<name>").
        """
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        for name in data:
            if name not in known:
                raise InvalidInput(
                    f"Unknown job option {name!r} (options: {', '.join(sorted(known))}).",
                    field=f"options.{name}",
                )
        if "tables" in data:
            data["tables"] = tuple(data["tables"] or ())
        options = cls(**data)
        options.check()
        return options

    def to_json(self) -> dict[str, Any]:
        """The stored form (only what differs from the defaults)."""
        default = JobOptions()
        stored = {k: v for k, v in asdict(self).items() if getattr(default, k) != v}
        if "tables" in stored:
            stored["tables"] = list(stored["tables"])
        return stored

    def check(self) -> None:
        """Refuse values no run could use, naming the option."""
        for name in ("test", "replay_rejects", "resume", "restart", "again"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidInput(
                    f"Option {name!r} must be true or false.", field=f"options.{name}"
                )
        for name in ("batch_size", "test_rows"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise InvalidInput(
                    f"Option {name!r} must be a whole number.", field=f"options.{name}"
                )
            if value is not None and not 1 <= value <= 10_000_000:
                raise InvalidInput(
                    f"Option {name!r} must be between 1 and 10,000,000.", field=f"options.{name}"
                )
        if not isinstance(self.max_workers, int) or not 1 <= self.max_workers <= _MAX_WORKERS:
            raise InvalidInput(
                f"Option 'max_workers' must be between 1 and {_MAX_WORKERS}.",
                field="options.max_workers",
            )
        if self.error_policy is not None and self.error_policy not in _choices(ErrorPolicy):
            raise InvalidInput(
                f"Option 'error_policy' must be one of {', '.join(_choices(ErrorPolicy))}.",
                field="options.error_policy",
            )
        if self.mode not in _choices(ProfileMode):
            raise InvalidInput(
                f"Option 'mode' must be one of {', '.join(_choices(ProfileMode))}.",
                field="options.mode",
            )
        if self.resume and self.restart:
            raise InvalidInput("Choose one: resume or restart.", field="options.restart")
        if self.test and self.replay_rejects:
            raise InvalidInput(
                "Choose one: a test, or a replay of the rejects.", field="options.replay_rejects"
            )
        if not all(isinstance(table, str) and table for table in self.tables):
            raise InvalidInput(
                "Option 'tables' must be a list of table names.", field="options.tables"
            )

    def resumed(self) -> JobOptions:
        """The same options for a resume: continue from the checkpoint, never start over."""
        return replace(self, resume=True, restart=False)

    def migration(self) -> MigrationOptions:
        """The engine's options for a migration or a pipeline's steps."""
        return MigrationOptions(
            resume=self.resume,
            restart=self.restart,
            test=self.test,
            test_rows=self.test_rows,
            batch_size=self.batch_size,
            error_policy=ErrorPolicy(self.error_policy) if self.error_policy else None,
            again=self.again,
            replay_rejects=self.replay_rejects,
        )


def _choices(enum_class: type) -> list[str]:
    return [member.value for member in enum_class]
