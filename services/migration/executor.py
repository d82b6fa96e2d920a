"""Runs one migration step: extract → transform → validate → load, batch by batch, exactly once.

Every batch is loaded by one target transaction that also writes the step's checkpoint (the
source key of its last row) and its rejected rows. A run killed at any moment therefore leaves
the target holding exactly the batches its checkpoint names; `resume` reads the source again
from that key, so no row is lost and none is loaded twice.

The step's SQL is checked before any connection is opened; the target table is created (keys
and indexes after the load, as pgloader does) when the config asks for it; at the end, counts
and per-column checksums of the target are compared with the stream that was sent.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from models.common import utc_now
from models.migration_config import MigrationConfig
from models.migration_run import MigrationOptions, MigrationResult
from models.pipeline import PipelineRun
from models.progress import ProgressEvent, ProgressKind
from models.status import RunStatus
from protocols.progress import ProgressSink, ignore_progress
from services.context import ServiceContext
from services.errors import HisError, MigrationFailed
from services.mapping import load_config
from services.migration.run_log import MigrationLogger
from services.migration.step_run import StepRun
from services.privacy import scrub_cids
from utils.text import first_line


def run_migration(
    ctx: ServiceContext,
    config: str | uuid.UUID | MigrationConfig,
    *,
    options: MigrationOptions = MigrationOptions(),  # noqa: B008 - frozen, never mutated
    progress: ProgressSink = ignore_progress,
    record: bool = True,
    log_dir: Path | None = None,
) -> MigrationResult:
    """Move one config's rows from its source to its target.

    Args:
        ctx: The service context.
        config: A saved config's name or id, or a config object.
        options: resume / restart / test mode, batch size and error policy overrides.
        progress: Receives STARTED, ADVANCED (per batch, with rows/s) and FINISHED/FAILED.
        record: Store the run (with its reconciliation) in the metadata store's run history;
            a pipeline passes False and stores one record for all its steps.
        log_dir: Where the run log goes (default: `migration_logs` in the data folder).

    Raises:
        InvalidConfig: the config cannot run (bad SQL, no key to resume with, missing table).
        Conflict: an interrupted run exists and neither resume nor restart was asked.
        MigrationFailed: a batch failed under the stop policy, or the counts or checksums of
            the target do not match what was sent; `error.result` says how far it got.
        ConnectionFailed: a datasource cannot be reached.
    """
    migration = config if isinstance(config, MigrationConfig) else load_config(ctx, config)
    run = StepRun(ctx, migration, options)
    directory = log_dir or ctx.settings.data_dir / "migration_logs"
    record_of_run = _start_record(ctx, migration) if record and not options.test else None
    with MigrationLogger(directory, migration.name) as run_log:

        def failed(
            message: str,
            status: RunStatus = RunStatus.FAILED,
            outcome: MigrationResult | None = None,
        ) -> MigrationResult:
            outcome = outcome or run.result(status)
            outcome.status, outcome.error, outcome.log_path = status, message, str(run_log.path)
            run_log.error("run %s: %s", status, message)
            progress(ProgressEvent(ProgressKind.FAILED, migration.name, message=message))
            if record_of_run is not None:
                _finish_record(ctx, record_of_run, outcome)
            return outcome

        try:
            result = run.run(progress, run_log)
        except MigrationFailed as error:
            failed(error.message, outcome=error.result)
            raise
        except HisError as error:
            failed(error.message)
            raise
        except SQLAlchemyError as error:
            # A server gone mid-run, a lock timeout…: the committed batches stay, and so does
            # their checkpoint, so resuming continues where it stopped.
            message = (
                f"Step {migration.name!r} failed after {run.state.rows_loaded:,} rows: "
                f"{scrub_cids(first_line(error))}. Loaded batches stay; --resume continues."
            )
            run_log.error("database error", exc=error)
            raise MigrationFailed(message, failed(message)) from error
        except (KeyboardInterrupt, SystemExit):
            run_log.error("interrupted")
            failed(f"Step {migration.name!r} interrupted; --resume continues.", RunStatus.CANCELLED)
            raise
        except Exception as error:
            # A fault of ours or of a plugin: resuming would only meet it again.
            run_log.error(f"unexpected error ({type(error).__name__})", exc=error)
            message = (
                f"Step {migration.name!r} failed on an unexpected error "
                f"({type(error).__name__}); the details are in the run log. "
                f"{run.state.rows_loaded:,} rows loaded before it stay."
            )
            raise MigrationFailed(message, failed(message)) from error
        result.log_path = str(run_log.path)
    if record_of_run is not None:
        _finish_record(ctx, record_of_run, result)
    return result


def _start_record(ctx: ServiceContext, config: MigrationConfig) -> PipelineRun:
    # A single-config run is stored like a one-step pipeline run (no pipeline id).
    run = PipelineRun(
        pipeline_id=None, pipeline_name=config.name, status=RunStatus.RUNNING, started_at=utc_now()
    )
    run.summary = {"kind": "migration", "steps": {}}
    with ctx.uow() as uow:
        uow.pipeline_runs.add(run)
        uow.commit()
    return run


def _finish_record(ctx: ServiceContext, run: PipelineRun, result: MigrationResult) -> None:
    run.status = result.status
    run.error = result.error
    run.finished_at = utc_now()
    run.summary = {"kind": "migration", "steps": {result.step: result.to_dict()}}
    with ctx.uow() as uow:
        uow.pipeline_runs.update(run)
        uow.commit()
