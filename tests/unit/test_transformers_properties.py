"""Properties of the data transformers, checked on generated values (hypothesis)."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_transformers.base import Transformer
from data_transformers.registry import run_transformer, transformers
from utils.thai_cid import cid_checksum_ok

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
DATETIMES = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31))
DIGITS_13 = st.text(alphabet="0123456789", min_size=13, max_size=13)
# Text a HIS column may hold: Thai, Latin, digits, punctuation, spaces of every kind.
HIS_TEXT = st.text(
    alphabet=st.sampled_from("0123456789.-/: \t\nabcXYZ กขนางสาวมี.ค.\u00a0é\u00e0\u00ca"),
    max_size=20,
)


def plain(series: pd.Series) -> list[object]:
    return [None if pd.isna(value) else value for value in series.tolist()]


@given(st.lists(DATES, min_size=1, max_size=30))
def test_buddhist_to_iso_undoes_iso_to_buddhist(days: list[date]) -> None:
    iso = pd.Series([day.isoformat() for day in days])
    buddhist = run_transformer("ISO_TO_BUDDHIST", iso)
    back = run_transformer("BUDDHIST_TO_ISO", buddhist.values)
    assert not buddhist.failed.any() and not back.failed.any()
    assert back.values.tolist() == iso.tolist()
    assert [int(text[:4]) for text in buddhist.values] == [day.year + 543 for day in days]


@given(st.lists(DATETIMES, min_size=1, max_size=30))
def test_round_trip_keeps_the_time_of_day(stamps: list[datetime]) -> None:
    iso = pd.Series([stamp.strftime("%Y-%m-%d %H:%M:%S") for stamp in stamps])
    back = run_transformer("BUDDHIST_TO_ISO", run_transformer("ISO_TO_BUDDHIST", iso).values)
    assert back.values.tolist() == iso.tolist()


@given(DATES)
def test_every_legacy_shape_of_a_day_reads_the_same(day: date) -> None:
    year = day.year + 543
    shapes = [
        f"{year}-{day:%m-%d}",
        f"{day:%d/%m}/{year}",
        f"{day.day}/{day.month}/{year}",
        f"{day:%d-%m}-{year}",
        f"{year}{day:%m%d}",
    ]
    outcome = run_transformer("BUDDHIST_TO_ISO", pd.Series(shapes))
    assert outcome.values.tolist() == [day.isoformat()] * len(shapes)


@given(st.lists(DIGITS_13, min_size=1, max_size=20))
def test_cid_format_keeps_the_digits(cids: list[str]) -> None:
    outcome = run_transformer("CID_FORMAT", pd.Series(cids))
    assert not outcome.failed.any()
    assert [text.replace("-", "") for text in outcome.values] == cids
    assert outcome.values.str.fullmatch(r"\d-\d{4}-\d{5}-\d{2}-\d").all()


@given(st.lists(DIGITS_13, min_size=1, max_size=20))
def test_cid_format_with_checksum_accepts_exactly_the_valid_ids(cids: list[str]) -> None:
    outcome = run_transformer("CID_FORMAT", pd.Series(cids), {"validate_checksum": True})
    assert (~outcome.failed).tolist() == [cid_checksum_ok(cid) for cid in cids]


@given(st.lists(HIS_TEXT.filter(lambda t: len("".join(c for c in t if c.isdigit())) != 13)))
def test_cid_format_refuses_anything_but_thirteen_digits(texts: list[str]) -> None:
    outcome = run_transformer("CID_FORMAT", pd.Series(texts, dtype=object))
    assert plain(outcome.values) == [None] * len(texts)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("HN_PAD", {"on_error": "keep"}),
        ("TRIM", {}),
        ("NORMALIZE_WHITESPACE", {}),
        ("ICD10_NORMALIZE", {"on_error": "keep"}),
        ("FLOAT_TO_INT", {"on_error": "keep"}),
        ("UPPER", {}),
    ],
)
@given(texts=st.lists(HIS_TEXT | st.from_regex(r"\A ?\d{1,9}(\.0)? ?\Z"), max_size=20))
@settings(max_examples=50)
def test_transformer_is_idempotent(name: str, params: dict, texts: list[str]) -> None:
    once = run_transformer(name, pd.Series(texts, dtype=object), params).values
    twice = run_transformer(name, once, params).values
    assert plain(twice) == plain(once)


def _params_for(plugin: type[Transformer]) -> dict:
    """Parameters that make the plugin runnable (its first example's, which fill required ones)."""
    return dict(plugin.examples[0].params)


@pytest.mark.parametrize("plugin", list(transformers), ids=lambda plugin: plugin.name)
def test_nulls_stay_null(plugin: type[Transformer]) -> None:
    for on_error in ("null", "keep"):
        values = pd.Series([None, np.nan, pd.NA, None], index=[5, 6, 7, 8], dtype=object)
        params = _params_for(plugin) | {"on_error": on_error}
        outcome = run_transformer(plugin.name, values, params)
        assert outcome.values.isna().all()
        assert not outcome.failed.any()
        assert outcome.values.index.equals(values.index)


@pytest.mark.parametrize("plugin", list(transformers), ids=lambda plugin: plugin.name)
@given(texts=st.lists(st.none() | HIS_TEXT | st.text(max_size=8), max_size=20))
@settings(max_examples=40)
def test_no_text_makes_a_transformer_raise(plugin: type[Transformer], texts: list) -> None:
    values = pd.Series(texts, dtype=object)
    outcome = run_transformer(plugin.name, values, _params_for(plugin))
    assert len(outcome.values) == len(values)
    assert outcome.reasons.notna().tolist() == outcome.failed.tolist()
    assert plain(outcome.values[values.isna()]) == [None] * int(values.isna().sum())
    kept = run_transformer(plugin.name, values, _params_for(plugin) | {"on_error": "keep"})
    assert plain(kept.values[kept.failed]) == plain(values[kept.failed])
