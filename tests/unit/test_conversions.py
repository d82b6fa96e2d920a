"""A declared conversion (ZERO_DATE_TO_NULL) is counted from the transformer to the run's
result, its checkpoint and the CLI: never silent, and only for the rows that were loaded."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pyarrow as pa

from cli_commands.common import out
from cli_commands.migrate import print_result
from data_transformers.registry import run_transformer
from models.migration_config import MigrationConfig
from models.migration_run import MigrationResult
from models.status import RunStatus
from services.migration.processor import BatchProcessor
from services.migration.state import StepState


def test_zero_dates_are_marked_converted_and_real_nulls_are_not() -> None:
    text = pd.Series(
        pa.array(["0000-00-00", "2024-02-29", None, "0000-00-00 00:00:00"]).to_pandas()
    )
    outcome = run_transformer("ZERO_DATE_TO_NULL", text)
    assert outcome.converted is not None
    assert outcome.converted.tolist() == [True, False, False, True]
    assert (outcome.conversion_count, outcome.failure_count) == (2, 0)

    dates = pd.Series([date(2024, 1, 1), None, datetime(2024, 1, 1, 8)], dtype=object)
    untouched = run_transformer("ZERO_DATE_TO_NULL", dates)
    assert untouched.conversion_count == 0
    assert untouched.values.tolist() == dates.tolist()


def test_a_batch_counts_conversions_of_loaded_rows_only() -> None:
    config = MigrationConfig.model_validate(
        {
            "name": "step",
            "source_table": "s",
            "target_table": "t",
            "mappings": [
                {"source": "id", "target": "id"},
                {"source": "d", "target": "d", "transformers": [{"name": "ZERO_DATE_TO_NULL"}]},
            ],
        }
    )
    batch = pa.RecordBatch.from_pydict(
        {"id": [1, 2, 3, 4], "d": ["0000-00-00", "2024-01-02", "0000-00-00", None]}
    )
    processed = BatchProcessor(config, ["id"]).process(batch)

    assert processed.batch.column(1).to_pylist() == [None, "2024-01-02", None, None]
    assert processed.converted == {"d: ZERO_DATE_TO_NULL": [0, 2]}
    assert processed.conversions_in([0, 1, 2, 3]) == {"d: ZERO_DATE_TO_NULL": 2}
    assert processed.conversions_in([1, 2]) == {"d: ZERO_DATE_TO_NULL": 1}  # row 0 refused
    assert processed.conversions_in([1]) == {}


def test_conversions_add_up_and_survive_a_checkpoint() -> None:
    state = StepState()
    state.count_batch(read=4, loaded=4, rejected=0, last_key=(4,), conversions={"d: Z": 2})
    state.count_batch(read=4, loaded=3, rejected=1, last_key=(8,), conversions={"d: Z": 1})

    resumed = StepState.from_json(state.to_json(), batches=2)

    assert resumed.conversions == {"d: Z": 3}
    result = resumed.result("step", RunStatus.SUCCEEDED)
    assert result.conversions == {"d: Z": 3} and result.to_dict()["conversions"] == {"d: Z": 3}


def test_the_cli_prints_what_was_converted() -> None:
    result = MigrationResult(
        "visits", RunStatus.SUCCEEDED, rows_read=10, rows_loaded=10, conversions={"d: Z": 7}
    )
    with out.capture() as captured:
        print_result(result)
    assert "converted (values replaced as configured): d: Z 7" in captured.get()
