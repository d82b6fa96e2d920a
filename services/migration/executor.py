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

from models.migration_config import MigrationConfig
from models.migration_run import MigrationOptions, MigrationResult
from models.progress import ProgressEvent, ProgressKind
from models.status import RunStatus
from protocols.progress import ProgressSink, StopCheck, ignore_progress, never_stop
from services.context import ServiceContext
from services.errors import Conflict, HisError, MigrationFailed, RunCancelled
from services.mapping import load_config
from services.migration.history import last_run
from services.migration.run_log import MigrationLogger
from services.migration.run_record import RunRecord
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
    stop: StopCheck = never_stop,
) -> MigrationResult:
    """Move one config's rows from its source to its target.

    Args:
        ctx: The service context.
        config: A saved config's name or id, or a config object.
        options: resume / restart / test mode, batch size and error policy overrides.
        progress: Receives STARTED, ADVANCED (per batch, with rows/s) and FINISHED/FAILED.
        record: Store the run (with its reconciliation) in the metadata store's run history;
            a pipeline passes False and stores one record for all its steps.
        log_dir: Where the run log goes (default: `logs` in the data folder).
        stop: Asked after every committed batch; True stops the run there (a job cancelled),
            its checkpoint kept, and raises RunCancelled; the run is recorded `interrupted`.

    Raises:
        InvalidConfig: the config cannot run (bad SQL, no key to resume with, missing table).
        Conflict: an interrupted run exists and neither resume nor restart was asked.
        RunCancelled: `stop` said so; `resume` continues from the last committed batch.
        MigrationFailed: a batch failed under the stop policy, or the counts or checksums of
            the target do not match what was sent; `error.result` says how far it got.
        ConnectionFailed: a datasource cannot be reached.
    """
    migration = config if isinstance(config, MigrationConfig) else load_config(ctx, config)
    history = RunRecord(ctx, migration, enabled=record and not options.test)
    previous = None if options.test else last_run(ctx, migration.name)
    run = StepRun(ctx, migration, options, record=history, previous=previous, stop=stop)
    directory = log_dir or ctx.settings.log_dir
    with MigrationLogger(directory, migration.name) as run_log:

        def failed(
            message: str,
            status: RunStatus = RunStatus.FAILED,
            outcome: MigrationResult | None = None,
            *,
            refused: bool = False,
        ) -> MigrationResult:
            outcome = outcome or run.result(status)
            outcome.status, outcome.error, outcome.log_path = status, message, str(run_log.path)
            run_log.error("run %s: %s", status, message)
            progress(ProgressEvent(ProgressKind.FAILED, migration.name, message=message))
            run.forget_if_unstarted()
            if run.started or not refused:
                history.ended(outcome)  # a run refused at its start never ran: no entry
            return outcome

        try:
            result = run.run(progress, run_log)
        except MigrationFailed as error:
            failed(error.message, outcome=error.result)
            raise
        except RunCancelled as error:
            failed(error.message, RunStatus.INTERRUPTED)
            raise
        except HisError as error:
            failed(error.message, refused=isinstance(error, Conflict))
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
            message = f"Step {migration.name!r} interrupted; --resume continues."
            failed(message, RunStatus.INTERRUPTED)
            raise
        except Exception as error:
            # A fault of ours: resuming would only meet it again, so say where to look.
            run_log.error(f"unexpected error ({type(error).__name__})", exc=error)
            message = (
                f"Step {migration.name!r} failed on an unexpected error "
                f"({type(error).__name__}); the details are in the run log. "
                f"{run.state.rows_loaded:,} rows loaded before it stay."
            )
            raise MigrationFailed(message, failed(message)) from error
        result.log_path = str(run_log.path)
    history.ended(result)
    return result
