"""Transformers and validators called so that a plugin's crash costs rows, never the run.

A plugin that raises on a batch (a bug, or a value it was not written for) is called again on
halves of the batch until the values it raises on are known: those become failed rows with the
plugin's name and the exception in their reason (quarantined, or the one-line stop naming the
plugin and column), and every other value keeps the plugin's real output. k bad values cost
about 2·k·log2(n) extra calls; a plugin that raises on every value costs 2·n.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
from pydantic import ValidationError

from data_transformers.base import TransformOutcome
from data_transformers.registry import run_transformer
from services.errors import InvalidConfig
from utils.text import first_problem, one_line
from validators.base import CheckResult
from validators.registry import run_validator

log = logging.getLogger(__name__)

Outcome = TypeVar("Outcome", TransformOutcome, CheckResult)


def transform(name: str, values: pd.Series, params: dict) -> TransformOutcome:
    """`run_transformer`, with the values the plugin raises on failed instead of raised."""

    def crashed(part: pd.Series, reason: str) -> TransformOutcome:
        none = pd.Series([None] * len(part), index=part.index, dtype=object)
        return TransformOutcome(
            values=none,
            failed=pd.Series(True, index=part.index),
            reasons=pd.Series(reason, index=part.index, dtype=object),
        )

    return _isolated(name, values, lambda part: run_transformer(name, part, params), crashed)


def check(name: str, values: pd.Series, params: dict) -> CheckResult:
    """`run_validator`, with the values the plugin raises on failed instead of raised."""

    def crashed(part: pd.Series, reason: str) -> CheckResult:
        return CheckResult(
            name=name,
            passed=False,
            failed=pd.Series(True, index=part.index),
            reasons=pd.Series(reason, index=part.index, dtype=object),
            message=reason,
            column=None if part.name is None else str(part.name),
        )

    return _isolated(name, values, lambda part: run_validator(name, part, params), crashed)


def _isolated(
    name: str,
    values: pd.Series,
    call: Callable[[pd.Series], Outcome],
    crashed: Callable[[pd.Series, str], Outcome],
) -> Outcome:
    try:
        return call(values)
    except ValidationError as error:
        # Parameters are checked when a config is saved; a lookup resolved at run time can
        # still give ones the plugin refuses: that is the config's fault, not the rows'.
        where, problem = first_problem(error.errors(include_url=False), count_more=False)
        raise InvalidConfig(f"{name}: {where or 'params'}: {problem}", field="mappings") from None
    except Exception as error:  # noqa: BLE001 - any plugin bug becomes failed rows
        if len(values) <= 1:
            # Only the exception's type and first line: a plugin's message may quote the value.
            reason = f"the plugin raised {type(error).__name__}: {one_line(error)}"
            log.warning("plugin %s raised %s on one value", name, type(error).__name__)
            return crashed(values, reason)
        middle = len(values) // 2
        first = _isolated(name, values.iloc[:middle], call, crashed)
        second = _isolated(name, values.iloc[middle:], call, crashed)
        return _joined(first, second)


def _joined(first: Outcome, second: Outcome) -> Outcome:
    """Two outcomes over consecutive parts of one Series, as one over the whole."""
    fields = {}
    for field in dataclasses.fields(first):
        a, b = getattr(first, field.name), getattr(second, field.name)
        if isinstance(a, pd.Series):
            fields[field.name] = pd.concat([a.astype(object), b.astype(object)])
        elif isinstance(a, bool):
            fields[field.name] = a and b
        else:
            fields[field.name] = a
    joined = type(first)(**fields)
    joined.failed = joined.failed.astype(bool)
    if isinstance(joined, CheckResult) and not joined.passed:
        joined.message = f"{int(joined.failed.sum())} of {len(joined.failed)} values failed"
    return joined
