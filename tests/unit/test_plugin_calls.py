"""A plugin that raises costs the rows it raises on, never the batch or the run."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from data_transformers.base import Example, Transformer, TransformerParams, TransformOutcome
from data_transformers.registry import register_transformer, transformers
from services.migration import plugin_calls
from validators.base import CheckResult, Validator
from validators.registry import register_validator, validators

BOOM = "boom"


@pytest.fixture
def fragile() -> Iterator[None]:
    """A transformer and a validator that raise on the value 'boom' (registered for one test)."""

    @register_transformer("TEST_FRAGILE_UPPER")
    class FragileUpper(Transformer):
        family = "text"
        description = "Upper-case; raises on 'boom'."
        examples = (Example(["a"], {}, ["A"]),)

        def apply(self, values: pd.Series, params: TransformerParams) -> TransformOutcome:
            if (values == BOOM).any():
                raise ZeroDivisionError("a bug in the plugin")
            upper = values.str.upper()
            none = pd.Series([None] * len(values), index=values.index, dtype=object)
            return TransformOutcome(upper, pd.Series(False, index=values.index), none)

    @register_validator("test_fragile_check")
    class FragileCheck(Validator):
        description = "Passes everything; raises on 'boom'."
        examples = ({"values": ["a"], "params": {}, "failed": [False]},)

        def check(self, values: pd.Series, params: object) -> CheckResult:
            if (values == BOOM).any():
                raise KeyError("a bug in the check")
            passed = pd.Series(False, index=values.index)
            reasons = pd.Series([None] * len(values), index=values.index, dtype=object)
            return CheckResult("test_fragile_check", True, passed, reasons, "all pass", None)

    yield
    transformers.remove("TEST_FRAGILE_UPPER")
    validators.remove("test_fragile_check")


VALUES = ["a", BOOM, "b", "c", BOOM, "d", "e"]


def test_the_rows_a_transformer_raises_on_fail_and_the_rest_are_transformed(fragile: None) -> None:
    outcome = plugin_calls.transform("TEST_FRAGILE_UPPER", pd.Series(VALUES), {})
    assert outcome.failed.tolist() == [value == BOOM for value in VALUES]
    assert [v for v, bad in zip(outcome.values, outcome.failed, strict=True) if not bad] == [
        "A", "B", "C", "D", "E",
    ]  # fmt: skip
    reasons = [reason for reason in outcome.reasons if reason is not None]
    assert reasons == ["the plugin raised ZeroDivisionError: a bug in the plugin"] * 2
    assert outcome.values.index.tolist() == list(range(len(VALUES)))


def test_the_rows_a_validator_raises_on_fail_with_the_plugin_named(fragile: None) -> None:
    result = plugin_calls.check("test_fragile_check", pd.Series(VALUES, name="hn"), {})
    assert result.failed.tolist() == [value == BOOM for value in VALUES]
    assert not result.passed
    assert result.reasons[1].startswith("the plugin raised KeyError")


def test_a_plugin_that_does_not_raise_is_called_once_as_it_is() -> None:
    outcome = plugin_calls.transform("TRIM", pd.Series([" a ", None]), {})
    assert outcome.values.tolist()[0] == "a" and not outcome.failed.any()


def test_bytes_reach_text_transformers_decoded_utf8_else_tis620() -> None:
    tis620 = "สมชาย ใจดี".encode("cp874")
    values = pd.Series([tis620, "ไทย".encode(), b" ascii ", b"\xff\xfe", None], dtype=object)
    outcome = plugin_calls.transform("TRIM", values, {})
    assert outcome.values.tolist()[:3] == ["สมชาย ใจดี", "ไทย", "ascii"]
    # Neither UTF-8 nor TIS-620: that value fails, named, instead of crashing the batch.
    assert outcome.failed.tolist() == [False, False, False, True, False]
    assert outcome.reasons[3].startswith("the plugin raised UnicodeDecodeError")
