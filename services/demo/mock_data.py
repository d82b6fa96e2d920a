"""Use cases for mock data: fill a datasource with the mini_his hospital database."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from dialects.bulk import BulkLoadError
from mini_his.schema import TABLE_NAMES
from models.progress import ProgressEvent, ProgressKind
from protocols.progress import ProgressSink, ignore_progress
from services.context import ServiceContext
from services.datasources import open_endpoint
from services.errors import InvalidInput, WriteFailed
from utils.text import first_line

log = logging.getLogger(__name__)

MAX_PATIENTS = 10_000_000


def generate_mock_his(
    ctx: ServiceContext,
    *,
    datasource: str | uuid.UUID,
    patients: int,
    visits: int | None = None,
    seed: int = 42,
    progress: ProgressSink = ignore_progress,
) -> dict[str, int]:
    """Create the mini_his tables in a datasource (replacing them) and fill them.

    The same seed gives the same rows. Tables go into the datasource's schema, or the
    connection's default one. `progress` gets an ADVANCED event (table, rows written, rows
    the table will get) after every chunk.

    Raises:
        DatasourceNotFound: no such datasource.
        InvalidInput: a count or the seed is out of range.
        ConnectionFailed: the database cannot be reached (subclasses say why).
        WriteFailed: the database refused the tables or the rows; nothing half-loaded is kept
            for the table that failed.

    Returns:
        Rows written per table, in load order.
    """
    # The generator (numpy with it) loads only to generate: every command start need not pay.
    from mini_his.gen_mini_his import generate

    _check_counts(patients, visits, seed)
    endpoint = open_endpoint(ctx, datasource)
    schema = endpoint.schema
    with endpoint.connect() as connection:
        try:
            counts = generate(
                connection, patients=patients, visits=visits, seed=seed, schema=schema,
                progress=lambda table, done, total: progress(
                    ProgressEvent(ProgressKind.ADVANCED, table, done, total)
                ),
            )  # fmt: skip
        except (SQLAlchemyError, BulkLoadError) as error:
            # First line only: a COPY error's context quotes the whole row (HN, CID…).
            log.warning("mock data into %r failed: %s", endpoint.name, first_line(error))
            raise WriteFailed(
                f"Writing the mock HIS into {endpoint.name!r} failed: {first_line(error)}"
            ) from error
    log.info("mock HIS (%d patients, seed %d) written to %r", patients, seed, endpoint.name)
    return counts


def planned_mock_rows(
    *, patients: int, visits: int | None = None, seed: int = 42
) -> dict[str, int]:
    """Rows per table (in load order) that `generate_mock_his` with these arguments writes.

    Read from the plan the generator itself draws for the seed, so the counts are exact; no
    database is touched. Drawing the plan takes about a quarter of a second per 100,000
    patients.

    Raises:
        InvalidInput: a count or the seed is out of range.
    """
    from mini_his.data import MiniHisData

    _check_counts(patients, visits, seed)
    return MiniHisData(patients, visits, seed).row_counts()


def existing_mock_tables(ctx: ServiceContext, *, datasource: str | uuid.UUID) -> list[str]:
    """The mini_his table names that already exist in the datasource (they would be replaced)."""
    endpoint = open_endpoint(ctx, datasource)
    with endpoint.connect() as connection:
        present = set(inspect(connection).get_table_names(schema=endpoint.schema))
    return [name for name in TABLE_NAMES if name in present]


def _check_counts(patients: int, visits: int | None, seed: int) -> None:
    from mini_his.plan import MAX_VISITS

    if not 1 <= patients <= MAX_PATIENTS:
        raise InvalidInput(
            f"Patients must be between 1 and {MAX_PATIENTS:,}, not {patients}.", field="patients"
        )
    if visits is not None and not 0 <= visits <= MAX_VISITS:
        raise InvalidInput(
            f"Visits must be between 0 and {MAX_VISITS:,}, not {visits}.", field="visits"
        )
    if visits is None and 5 * patients > MAX_VISITS:
        raise InvalidInput(
            f"{patients:,} patients make {5 * patients:,} visits, more than {MAX_VISITS:,}: "
            "give a smaller visit count.",
            field="visits",
        )
    if seed < 0:
        raise InvalidInput(f"The seed must be 0 or more, not {seed}.", field="seed")
