"""The validators: every declared example, each check's edge cases, params errors, the collector."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from config import validator_options
from utils.plugin_docs import ParamDoc, describe_params
from utils.registry import UnknownPluginError
from validators.base import CheckResult, Example, Validator, ValidatorParams
from validators.registry import register_validator, run_validator, validators
from validators.report import RowFailure, collect

EXAMPLES = [
    pytest.param(name, example, id=f"{name}-{number}")
    for name, plugin in validators.items()
    for number, example in enumerate(plugin.examples)
]


def check(name: str, values: list, **params: object) -> CheckResult:
    return run_validator(name, pd.Series(values, dtype=object), params)


def failing(result: CheckResult) -> list[int]:
    return np.flatnonzero(result.failed.to_numpy()).tolist()


# --- every plugin -------------------------------------------------------------------------------


def test_the_built_in_validators_are_registered() -> None:
    expected = ["cid_checksum", "date_range", "not_null", "range_check", "regex", "unique"]
    assert validators.names() == expected
    assert validator_options() == expected


@pytest.mark.parametrize(("name", "example"), EXAMPLES)
def test_example_fails_exactly_at_its_declared_positions(name: str, example: Example) -> None:
    result = check(name, example.input, **example.params)
    assert failing(result) == example.failing_positions
    assert result.passed is (not example.failing_positions)
    # A reason wherever a value fails, and nowhere else.
    assert result.reasons.notna().tolist() == result.failed.tolist()
    assert result.name == name
    count, total = len(example.failing_positions), len(example.input)
    assert result.message.startswith(f"{count} of {total} values " if count else "all ")


@pytest.mark.parametrize("name", validators.names())
def test_every_plugin_declares_what_the_listings_show(name: str) -> None:
    plugin = validators.get(name)
    assert plugin.name == name
    assert plugin.description
    assert issubclass(plugin.Params, ValidatorParams)
    assert plugin.examples


@pytest.mark.parametrize("name", sorted(set(validators.names()) - {"not_null"}))
def test_null_passes_every_validator_but_not_null(name: str) -> None:
    params = validators.get(name).examples[0].params
    result = run_validator(name, pd.Series([None, np.nan, pd.NA, pd.NaT], dtype=object), params)
    assert result.passed
    assert result.message == "all 4 values pass"


@pytest.mark.parametrize("name", validators.names())
def test_result_keeps_the_input_index_even_with_repeated_labels(name: str) -> None:
    example = validators.get(name).examples[0]
    index = pd.Index(["b"] * len(example.input))
    values = pd.Series(example.input, index=index, dtype=object, name="col")
    result = run_validator(name, values, example.params)
    assert result.failed.index.equals(index) and result.reasons.index.equals(index)
    assert failing(result) == example.failing_positions
    assert result.column == "col"


@pytest.mark.parametrize("name", validators.names())
def test_an_empty_batch_passes(name: str) -> None:
    result = run_validator(
        name, pd.Series([], dtype=object), validators.get(name).examples[0].params
    )
    assert result.passed and result.message == "all 0 values pass"


def test_an_unknown_parameter_is_refused_by_name() -> None:
    with pytest.raises(ValidationError) as caught:
        check("not_null", ["a"], treat_blank_as_null=True)
    assert caught.value.errors()[0]["loc"] == ("treat_blank_as_null",)


def test_an_unknown_validator_suggests_the_closest_name() -> None:
    with pytest.raises(UnknownPluginError, match="Did you mean 'not_null'"):
        check("notnull", ["a"])


# --- not_null -----------------------------------------------------------------------------------


def test_not_null_fails_every_kind_of_missing_value() -> None:
    result = check("not_null", ["x", None, np.nan, pd.NaT, pd.NA, "", 0])
    assert failing(result) == [1, 2, 3, 4]
    assert result.reasons[1] == "is NULL"
    assert result.message == "4 of 7 values are NULL"


def test_not_null_can_treat_blank_thai_text_as_null() -> None:
    values = ["สมชาย", "", "   ", "\u200b", "\ufeff ", "\u3000", "ก ", 0, 0.0, None]
    result = check("not_null", values, treat_empty_as_null=True)
    assert failing(result) == [1, 2, 3, 4, 5, 9]
    assert result.reasons[1] == "is empty or blank"
    assert result.message == "6 of 10 values are NULL or blank"


@pytest.mark.parametrize("dtype", ["str", "string", "float64", "Int64"])
def test_not_null_works_on_typed_columns(dtype: str) -> None:
    raw = ["1", None, ""] if "str" in dtype else [1, None, 2]
    result = run_validator("not_null", pd.Series(raw, dtype=dtype), {"treat_empty_as_null": True})
    assert failing(result) == ([1, 2] if "str" in dtype else [1])


# --- unique -------------------------------------------------------------------------------------


def test_unique_fails_later_occurrences_and_ignores_null() -> None:
    result = check("unique", ["ก", "ข", "ก", None, None, "ก", "ข"])
    assert failing(result) == [2, 5, 6]
    assert result.reasons[2] == "value occurs 3 times, first at position 0"
    assert result.reasons[6] == "value occurs 2 times, first at position 1"


def test_unique_can_mark_every_occurrence() -> None:
    result = check("unique", ["1101700203450", "x", "1101700203450"], mark="all")
    assert failing(result) == [0, 2]
    # The reason never repeats the value: it may be a citizen ID.
    assert not result.reasons.str.contains("1101700203450").any()


def test_unique_rejects_an_unknown_mark() -> None:
    with pytest.raises(ValidationError) as caught:
        check("unique", [1], mark="first")
    assert caught.value.errors()[0]["loc"] == ("mark",)


# --- range_check --------------------------------------------------------------------------------


def test_range_check_is_inclusive_and_reads_numeric_text() -> None:
    result = check("range_check", [0, "0.0", " 10 ", 10.5, -1, "ten", "๑๒", True], min=0, max=10)
    assert failing(result) == [3, 4, 5, 6, 7]
    assert result.reasons[3] == "is above the maximum 10"
    assert result.reasons[4] == "is below the minimum 0"
    assert result.reasons[5] == "is not a number"


def test_range_check_with_date_bounds_compares_dates() -> None:
    values = ["2024-01-01", dt.date(2023, 12, 31), "2024-06-30T23:00:00", "2024-07-01", 5]
    result = check("range_check", values, min="2024-01-01", max="2024-06-30")
    assert failing(result) == [1, 3, 4]
    assert result.reasons[1] == "is before 2024-01-01"
    assert result.reasons[4] == "is not an ISO date"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({}, "at least one of min, max"),
        ({"min": 5, "max": 1}, "greater than max"),
        ({"min": 1, "max": "2024-01-01"}, "both be numbers or both be dates"),
    ],
)
def test_range_check_refuses_bounds_that_make_no_range(params: dict, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        check("range_check", [1], **params)


def test_range_check_names_an_ill_typed_bound() -> None:
    with pytest.raises(ValidationError) as caught:
        check("range_check", [1], min="soon")
    assert {error["loc"][0] for error in caught.value.errors()} == {"min"}


# --- regex --------------------------------------------------------------------------------------


def test_regex_must_match_the_whole_value() -> None:
    result = check(
        "regex", ["HN000123", "xHN000123", "HN0001234", 123456, None], pattern=r"HN\d{6}"
    )
    assert failing(result) == [1, 2, 3]
    assert result.reasons[1] == r"does not match the pattern HN\d{6}"


def test_regex_matches_thai_text_and_numbers_as_text() -> None:
    result = check("regex", ["นางสาว", "นาย", "ด.ช.", 42], pattern=r"นาย|นาง|นางสาว|\d+")
    assert failing(result) == [2]


@pytest.mark.parametrize("params", [{"pattern": "HN(\\d+"}, {}])
def test_regex_without_a_valid_pattern_names_the_field(params: dict) -> None:
    with pytest.raises(ValidationError) as caught:
        check("regex", ["x"], **params)
    assert caught.value.errors()[0]["loc"] == ("pattern",)


# --- cid_checksum -------------------------------------------------------------------------------


def thai_check_digit(first12: str) -> int:
    """Written here independently of services.privacy, so both are checked against it."""
    weighted = sum(
        int(digit) * weight for digit, weight in zip(first12, range(13, 1, -1), strict=True)
    )
    return (11 - weighted % 11) % 10


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_cid_checksum_accepts_exactly_the_valid_check_digit(first12: str) -> None:
    valid = thai_check_digit(first12)
    candidates = [f"{first12}{digit}" for digit in range(10)]
    result = check("cid_checksum", candidates)
    assert failing(result) == [digit for digit in range(10) if digit != valid]
    assert set(result.reasons.dropna()) <= {"has a wrong check digit"}


def test_cid_checksum_accepts_the_card_grouping_unless_told_not_to() -> None:
    values = ["1-1017-00203-45-0", "1 1017 00203 45 0", " 1101700203450 ", "1-1017 00203-45-0"]
    assert failing(check("cid_checksum", values)) == [3]
    strict = check("cid_checksum", values, allow_formatted=False)
    assert failing(strict) == [0, 1, 2, 3]
    assert strict.reasons[0] == "is not 13 digits"


def test_cid_checksum_refuses_wrong_shapes_without_quoting_them() -> None:
    values = ["๑๑๐๑๗๐๐๒๐๓๔๕๐", "110170020345", "11017002034500", "1101700203450.0", "ABC", True]
    result = check("cid_checksum", values)
    assert failing(result) == [0, 1, 2, 3, 4, 5]
    assert set(result.reasons) == {"is not 13 digits (or 1-2345-67890-12-3)"}


def test_cid_checksum_reads_a_cid_stored_as_a_number() -> None:
    result = run_validator("cid_checksum", pd.Series([1101700203450, 1101700203451]))
    assert failing(result) == [1]
    assert result.message == "1 of 2 values are not valid citizen IDs"


# --- date_range ---------------------------------------------------------------------------------


def test_date_range_compares_by_calendar_day_as_written() -> None:
    values = [
        "2024-12-31T23:59:59",
        "2025-01-01T03:00:00+07:00",  # would be 2024-12-31 in UTC: the written day counts
        dt.datetime(2024, 1, 1, 0, 0),
        pd.Timestamp("2023-12-31T10:00", tz="Asia/Bangkok"),
        "2024-02-30",
        "31/12/2024",
    ]
    result = check("date_range", values, min="2024-01-01", max="2024-12-31")
    assert failing(result) == [1, 3, 4, 5]
    assert result.reasons[1] == "is after 2024-12-31"
    assert result.reasons[3] == "is before 2024-01-01"
    assert result.reasons[4] == "is not an ISO date"


def test_date_range_flags_buddhist_era_years() -> None:
    result = check("date_range", ["2567-05-01", "2024-05-01"], max="2100-12-31")
    assert failing(result) == [0]


def test_date_range_reads_a_datetime_column() -> None:
    values = pd.Series(pd.to_datetime(["2024-01-01", None, "2030-01-01"]).tz_localize("UTC"))
    result = run_validator("date_range", values, {"max": "2025-01-01"})
    assert failing(result) == [2]


def test_date_range_refuses_min_after_max() -> None:
    with pytest.raises(ValidationError, match="is after max"):
        check("date_range", [], min="2025-01-01", max="2024-01-01")


# --- registration -------------------------------------------------------------------------------


@pytest.fixture
def scratch_name() -> str:
    yield "scratch_check"
    validators.remove("scratch_check")


def test_a_new_validator_registers_by_decorator(scratch_name: str) -> None:
    @register_validator(scratch_name)
    class Scratch(Validator):
        description = "Everything fails."
        examples = (Example(input=[1], params={}, failing_positions=[0]),)

        def check(self, values: pd.Series, params: ValidatorParams) -> CheckResult:
            return self.result(values, np.full(len(values), "always", dtype=object), "fail")

    assert failing(run_validator(scratch_name, pd.Series([1, 2]))) == [0, 1]


def test_a_validator_without_description_is_refused(scratch_name: str) -> None:
    with pytest.raises(TypeError, match="description and examples"):

        @register_validator(scratch_name)
        class Bare(Validator):
            pass

    assert scratch_name not in validators


# --- parameter docs -----------------------------------------------------------------------------


def test_parameters_are_described_from_the_params_model() -> None:
    assert describe_params(validators.get("unique").Params) == [
        ParamDoc(
            "mark",
            "'later' | 'all'",
            "'later'",
            "'later': every occurrence after the first fails; 'all': every occurrence.",
        )
    ]
    (pattern,) = describe_params(validators.get("regex").Params)
    assert pattern[:3] == ("pattern", "str", "required")
    assert describe_params(validators.get("range_check").Params)[0].type == "float | date | None"


# --- the collector ------------------------------------------------------------------------------


def test_collect_gathers_failures_per_row_with_keys() -> None:
    batch = pd.DataFrame(
        {"hn": ["H1", "H2", "H3", "H4"], "cid": ["1101700203450", None, "1101700203451", "x"]},
        index=[10, 11, 12, 13],
    )
    results = [
        run_validator("not_null", batch["cid"]),
        run_validator("cid_checksum", batch["cid"]),
    ]
    report = collect(results, keys=batch["hn"])
    assert report.rows == 4 and not report.passed
    assert report.failures == [
        RowFailure(1, "H2", "not_null", "cid", "is NULL"),
        RowFailure(2, "H3", "cid_checksum", "cid", "has a wrong check digit"),
        RowFailure(3, "H4", "cid_checksum", "cid", "is not 13 digits (or 1-2345-67890-12-3)"),
    ]
    assert report.failed_positions == [1, 2, 3]
    assert report.messages == [
        "not_null(cid): 1 of 4 values are NULL",
        "cid_checksum(cid): 2 of 4 values are not valid citizen IDs",
    ]
    frame = report.to_frame()
    assert frame.columns.tolist() == ["position", "key", "validator", "column", "reason"]
    assert frame["key"].tolist() == ["H2", "H3", "H4"]


def test_collect_uses_index_labels_and_lists_a_row_once_per_failed_check() -> None:
    values = pd.Series(["", None, "a"], index=[7, 8, 9])
    results = [
        run_validator("not_null", values, {"treat_empty_as_null": True}),
        run_validator("regex", values, {"pattern": "a"}),
    ]
    report = collect(results)
    assert [(f.position, f.key, f.validator) for f in report.failures] == [
        (0, 7, "not_null"),
        (0, 7, "regex"),
        (1, 8, "not_null"),
    ]
    assert report.failed_positions == [0, 1]
    assert report.messages[0].startswith("not_null: ")


def test_collect_of_passing_results_is_a_clean_report() -> None:
    report = collect([run_validator("unique", pd.Series([1, 2, 3]))])
    assert report.passed and report.failures == [] and report.rows == 3
    assert report.to_frame().empty
    assert collect([]).rows == 0


def test_collect_refuses_results_of_different_batches() -> None:
    results = [run_validator("unique", pd.Series([1, 2])), run_validator("unique", pd.Series([1]))]
    with pytest.raises(ValueError, match="different numbers of rows"):
        collect(results)
    with pytest.raises(ValueError, match="different numbers of rows"):
        collect(results[:1], keys=pd.Series(["a"]))
