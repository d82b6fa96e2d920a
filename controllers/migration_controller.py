"""Page logic of the Migration Engine: choose a config, test its two connections, turn the
reviewed choices into a job's options, queue it, and read back what the run left behind (its
log file, a test run's report).

Errors are the services' `HisError` subclasses and propagate unchanged; the view shows them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from annotated_types import Ge, Le

from controllers.job_controller import JobController, JobView
from models.migration_config import ErrorPolicy, MigrationConfig
from models.test_run import TestRunReport
from services import datasources, mapping, pipelines
from services.context import ServiceContext
from services.datasources import ConnectionTestResult
from services.errors import ConfigNotFound

#: What a run does when an earlier run of the config stopped part-way, as JobOptions says it.
IF_INTERRUPTED = ("refuse", "resume", "restart")


@dataclass(frozen=True, slots=True)
class ConfigOverview:
    """A config as the page reviews it: where from, where to, how, and its JSON."""

    name: str
    version: int
    source: str  # the source datasource's name
    target: str
    reads: str  # the source table, or "an SQL query"
    writes: str  # the target table
    load_mode: str
    batch_size: int
    error_policy: str
    json: str  # the config as exported: datasources by name


@dataclass(frozen=True, slots=True)
class UploadCheck:
    """An uploaded config that validates, and what importing it will do."""

    name: str
    source: str
    target: str
    reads: str
    writes: str
    saved_version: int | None  # the saved config of that name's version; None: a new config


@dataclass(frozen=True, slots=True)
class RunChoices:
    """The run's options as the review step sets them."""

    batch_size: int
    error_policy: str
    test: bool = False
    test_rows: int | None = None  # None: one batch
    again: bool = False
    if_interrupted: str = IF_INTERRUPTED[0]  # refuse to start over an interrupted run


@dataclass(frozen=True, slots=True)
class RunLog:
    """A run's log file, offered for download."""

    file_name: str
    path: Path


class MigrationController:
    """Everything the Migration Engine page does, as calls on the shared service context."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.jobs = JobController(ctx)

    def config_names(self) -> list[str]:
        """Names of the saved (live) configs, by name."""
        return [record.name for record in mapping.list_configs(self.ctx)]

    def overview(self, name: str) -> ConfigOverview:
        """The saved config `name` as the page reviews it.

        Raises:
            ConfigNotFound: no live config has that name.
        """
        record = mapping.get_config_record(self.ctx, name)
        config = mapping.load_config(self.ctx, record.id)
        source, target = self._datasource_names(config)
        return ConfigOverview(
            name=config.name,
            version=record.version,
            source=source,
            target=target,
            reads=_reads(config),
            writes=config.target_table,
            load_mode=str(config.load_mode),
            batch_size=config.batch_size,
            error_policy=str(config.error_policy),
            json=mapping.export_config(self.ctx, config.name),
        )

    def check_upload(self, text: str) -> UploadCheck:
        """What an uploaded config JSON holds, validated as an import validates it.

        Raises:
            InvalidConfig: not JSON, or not a valid config (one line).
        """
        config = mapping.check_config_text(self.ctx, text)
        source, target = self._datasource_names(config)
        try:
            saved: int | None = mapping.get_config_record(self.ctx, config.name).version
        except ConfigNotFound:
            saved = None
        return UploadCheck(config.name, source, target, _reads(config), config.target_table, saved)

    def import_upload(self, text: str) -> tuple[str, int]:
        """Save an uploaded config (a new config, or the next version of the one of its name);
        returns its name and the version saved.

        Raises:
            InvalidConfig, LiveCheckUnavailable, Conflict: as `import_config`.
        """
        saved = mapping.import_config(self.ctx, text, summary="uploaded in the dashboard")
        return saved.config_name, saved.version

    def test_datasource(self, name: str) -> ConnectionTestResult:
        """Connect to one of the config's datasources: the server's version and how long.

        Raises:
            DatasourceNotFound, ConnectionFailed (and its subclasses), SecretKeyError.
        """
        return datasources.test_datasource(self.ctx, name)

    def error_policies(self) -> list[str]:
        """What a run may do with a bad row, as the config model defines the choices."""
        return [policy.value for policy in ErrorPolicy]

    def batch_size_bounds(self) -> tuple[int, int]:
        """The smallest and largest batch size a config accepts (from the config model)."""
        metadata = MigrationConfig.model_fields["batch_size"].metadata
        low = next(item.ge for item in metadata if isinstance(item, Ge))
        high = next(item.le for item in metadata if isinstance(item, Le))
        return int(low), int(high)

    def start(self, overview: ConfigOverview, choices: RunChoices) -> str:
        """Queue the config's migration as a job with `choices`; returns the job's id.

        Raises:
            InvalidInput: a bad option value (naming it); ConfigNotFound: the config is gone.
        """
        return self.jobs.start("migration", overview.name, job_options(overview, choices))

    def test_report(self, job: JobView) -> TestRunReport | None:
        """A test job's report (preview rows, grouped would-be rejects), once it has one."""
        stored = job.summary.get("test_report")
        return TestRunReport.from_json(stored) if stored else None

    def run_log(self, run_id: str | None) -> RunLog | None:
        """The log file of a run (a job's `run_id`), when it is a file of this installation's
        data folder that still exists: a path outside it is never offered.

        Raises:
            NotFound: no run has that id.
        """
        if run_id is None:
            return None
        view = pipelines.get_run(self.ctx, run_id)
        data_dir = self.ctx.settings.data_dir.resolve()
        for step in view.run.summary.get("steps", {}).values():
            stored = step.get("log_path")
            if not stored:
                continue
            path = Path(stored).resolve()
            if path.is_relative_to(data_dir) and path.is_file():
                return RunLog(path.name, path)
        return None

    def _datasource_names(self, config: MigrationConfig) -> tuple[str, str]:
        names = {ds.id: ds.name for ds in datasources.list_datasources(self.ctx)}
        return _named(names, config.source_datasource_id), _named(
            names, config.target_datasource_id
        )


def job_options(overview: ConfigOverview, choices: RunChoices) -> dict[str, object]:
    """The job options for `choices`: only what differs from the config and the defaults, so
    the job record says what this run changed."""
    options: dict[str, object] = {}
    if choices.batch_size != overview.batch_size:
        options["batch_size"] = choices.batch_size
    if choices.error_policy != overview.error_policy:
        options["error_policy"] = choices.error_policy
    if choices.test:
        options["test"] = True
        if choices.test_rows is not None:
            options["test_rows"] = choices.test_rows
    if choices.again:
        options["again"] = True
    if choices.if_interrupted in ("resume", "restart"):
        options[choices.if_interrupted] = True
    return options


def _reads(config: MigrationConfig) -> str:
    return config.source_table or "an SQL query"


def _named(names: dict[uuid.UUID, str], datasource_id: uuid.UUID | None) -> str:
    if datasource_id is None:
        return "(none)"
    return names.get(datasource_id, f"(deleted datasource {datasource_id})")
