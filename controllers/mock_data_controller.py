"""Page logic of the Mock Data Generator page: where mini_his may go, what a volume writes, and
the generation itself, refused for the built-in demo and, unconfirmed, over existing tables.

Errors are the services' `HisError` subclasses and propagate unchanged; the view shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from protocols.progress import ProgressSink, ignore_progress
from services import demo
from services.context import ServiceContext
from services.datasources import list_datasources
from services.errors import Conflict, InvalidInput

#: Patient counts the volume slider offers. Bigger databases are a job for the command line:
#: the page waits while it writes (100,000 patients are about 2.6 million rows).
VOLUMES: tuple[int, ...] = (
    20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000,
)  # fmt: skip
DEFAULT_VOLUME = 1_000
DEFAULT_SEED = 42


@dataclass(frozen=True, slots=True)
class MockTarget:
    """A datasource the page offers, and whether it is the demo's own (never written to)."""

    name: str
    is_demo: bool


@dataclass(frozen=True, slots=True)
class TableCount:
    """Rows of one mini_his table: planned, or written."""

    table: str
    rows: int


@dataclass(frozen=True, slots=True)
class MockVolume:
    """Rows per table a number of patients and a seed make, in load order."""

    patients: int
    seed: int
    tables: tuple[TableCount, ...]

    @property
    def total(self) -> int:
        """Rows in all tables together."""
        return sum(count.rows for count in self.tables)

    def rows_of(self, table: str) -> int:
        """Rows of one table (0 for a table mini_his does not have)."""
        return next((count.rows for count in self.tables if count.table == table), 0)


@dataclass(frozen=True, slots=True)
class MockResult:
    """What one generation wrote, and where."""

    datasource: str
    written: MockVolume


class MockDataController:
    """Everything the Mock Data Generator page does, as calls on the shared service context."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def targets(self) -> list[MockTarget]:
        """Every datasource by name, each marked when it is one of the demo's own databases."""
        return [
            MockTarget(datasource.name, demo.is_demo_database(self.ctx, datasource.id))
            for datasource in list_datasources(self.ctx)
        ]

    def volume(self, patients: int, seed: int) -> MockVolume:
        """The rows each table will get for `patients` and `seed` (exact: the generator's plan).

        Raises:
            InvalidInput: the count or the seed is out of range.
        """
        return _planned(patients, seed)

    def existing_tables(self, datasource: str) -> list[str]:
        """The mini_his tables the datasource already has: a generation replaces them.

        Raises:
            DatasourceNotFound, ConnectionFailed (and its subclasses), SecretKeyError.
        """
        return demo.existing_mock_tables(self.ctx, datasource=datasource)

    def generate(
        self,
        datasource: str,
        *,
        patients: int,
        seed: int,
        replace: bool = False,
        progress: ProgressSink = ignore_progress,
    ) -> MockResult:
        """Write mini_his into the datasource; `progress` gets an event per chunk of each table.

        Args:
            datasource: the datasource to fill.
            patients: how many patients (visits: the generator's usual five per patient).
            seed: the same seed writes the same rows.
            replace: the user confirmed that existing mini_his tables may be dropped.
            progress: a ProgressSink (ADVANCED events: table, rows written, rows planned).

        Raises:
            InvalidInput: it is a demo database, or a count or the seed is out of range.
            Conflict: mini_his tables exist there and `replace` was not confirmed.
            DatasourceNotFound, ConnectionFailed, WriteFailed: as `generate_mock_his`.
        """
        if demo.is_demo_database(self.ctx, datasource):
            # The service writes wherever it is told; the demo's examples need its rows as
            # they are (the demo source's five visits), so the page never writes there.
            raise InvalidInput(demo_refusal(datasource), field="datasource")
        # Checked again at the click: the tables may have appeared since the page was drawn.
        existing = demo.existing_mock_tables(self.ctx, datasource=datasource)
        if existing and not replace:
            raise Conflict(
                f"{datasource!r} already has mini_his tables ({', '.join(existing)}): confirm "
                "that they may be replaced, then generate again."
            )
        counts = demo.generate_mock_his(
            self.ctx, datasource=datasource, patients=patients, seed=seed, progress=progress
        )
        written = tuple(TableCount(table, rows) for table, rows in counts.items())
        return MockResult(datasource, MockVolume(patients, seed, written))


def demo_refusal(datasource: str) -> str:
    """Why nothing is generated into the demo datasource `datasource`, in one line."""
    return (
        f"{datasource!r} is a built-in demo database, which the examples rely on: mock data is "
        "never written there. Choose another datasource, or add one in Settings."
    )


@lru_cache(maxsize=64)
def _planned(patients: int, seed: int) -> MockVolume:
    # Moving the slider reruns the page; the plan of a volume already seen is not drawn again.
    counts = demo.planned_mock_rows(patients=patients, seed=seed)
    return MockVolume(patients, seed, tuple(TableCount(t, rows) for t, rows in counts.items()))
