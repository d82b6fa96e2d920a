"""The Migration Engine's review choices become job options that name only what the run
changes: the config's own batch size and error policy are not repeated."""

from __future__ import annotations

import pytest

from controllers.migration_controller import ConfigOverview, RunChoices, job_options
from services.jobs import JobOptions

OVERVIEW = ConfigOverview(
    name="visits", version=3, source="hosxp", target="new his", reads="ovst", writes="visits",
    load_mode="append", batch_size=5000, error_policy="stop", json="{}",
)  # fmt: skip


@pytest.mark.parametrize(
    ("choices", "options"),
    [
        (RunChoices(batch_size=5000, error_policy="stop"), {}),
        (
            RunChoices(batch_size=10, error_policy="quarantine"),
            {"batch_size": 10, "error_policy": "quarantine"},
        ),
        (RunChoices(5000, "stop", test=True), {"test": True}),
        (RunChoices(5000, "stop", test=True, test_rows=50), {"test": True, "test_rows": 50}),
        (RunChoices(5000, "stop", test_rows=50), {}),  # rows to try mean nothing without a test
        (RunChoices(5000, "stop", again=True), {"again": True}),
        (RunChoices(5000, "stop", if_interrupted="resume"), {"resume": True}),
        (RunChoices(5000, "stop", if_interrupted="restart"), {"restart": True}),
    ],
)
def test_choices_become_the_options_that_differ(choices: RunChoices, options: dict) -> None:
    assert job_options(OVERVIEW, choices) == options
    JobOptions.from_json(options)  # and the job queue accepts them as they are
