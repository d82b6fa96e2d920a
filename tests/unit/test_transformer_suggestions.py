"""Transformer and validator suggestions read from sample values, each with its reason; the
suggested calls are valid configs and do to the samples what their reasons say."""

from __future__ import annotations

import pytest

from data_transformers.registry import run_transformer
from models.mapping_suggestion import ColumnSpec, ColumnStats
from services.mapping.suggest import analyze_column

TIS620_NAME = "สมชาย ใจดี".encode("cp874").decode("latin-1")


def _advise(samples, source_type="varchar(20)", target_type="varchar(20)", **kwargs):
    source = ColumnSpec("col", source_type, tuple(samples))
    target = ColumnSpec("target", target_type, values=tuple(kwargs.pop("values", ())))
    return analyze_column(source, target, **kwargs)


@pytest.mark.parametrize(
    ("samples", "layout", "converted"),
    [
        (["2566-03-14", "2565-12-31"], "YYYY-MM-DD", ["2023-03-14", "2022-12-31"]),
        (["14/03/2566", "1/1/2565"], "DD/MM/YYYY", ["2023-03-14", "2022-01-01"]),
        (["25660314", "25651231"], "YYYYMMDD", ["2023-03-14", "2022-12-31"]),
        (["2566-03-14 08:15:00"], "YYYY-MM-DD", ["2023-03-14 08:15:00"]),
    ],
)
def test_buddhist_dates_in_each_layout_get_buddhist_to_iso(samples, layout, converted) -> None:
    advice = _advise(samples, target_type="date", target_kind="date")
    (step,) = advice.transformers
    assert step.name == "BUDDHIST_TO_ISO"
    assert f"in {len(samples)}/{len(samples)} samples" in step.reason
    assert f"layout {layout}" in step.reason
    outcome = run_transformer(step.name, _series(samples), step.params)
    assert outcome.values.tolist() == converted


def test_christian_dates_need_no_conversion_and_zero_dates_become_null() -> None:
    assert _advise(["2023-03-14", "2022-01-01"], "date", "date").transformers == ()
    advice = _advise(["2023-03-14", "0000-00-00", "2022-01-01"], "date", "date")
    assert [t.name for t in advice.transformers] == ["ZERO_DATE_TO_NULL"]
    assert "1/3 samples" in advice.transformers[0].reason
    both = _advise(["2566-03-14", "0000-00-00"], target_type="date")
    assert [t.name for t in both.transformers] == ["ZERO_DATE_TO_NULL", "BUDDHIST_TO_ISO"]
    # A zero date the profile counted, though no sample shows one.
    column = ColumnSpec("d", "date", ("2023-01-01",), ColumnStats(rows=9, zero_dates=3))
    advice = analyze_column(column, ColumnSpec("d", "date"))
    assert [t.name for t in advice.transformers] == ["ZERO_DATE_TO_NULL"]


def test_hn_pad_keeps_leading_zeros_only_where_they_were_lost() -> None:
    advice = _advise(["1234", "56789", "7"], "int", "varchar(15)", target_kind="hn")
    (step,) = advice.transformers
    assert (step.name, step.params) == ("HN_PAD", {"width": 9})
    assert "leading zeros lost" in step.reason
    outcome = run_transformer(step.name, _series(["1234", "7"]), step.params)
    assert outcome.values.tolist() == ["000001234", "000000007"]
    # Zero-padded text of one width is already right.
    assert _advise(["000001234", "000056789"], target_kind="hn").transformers == ()
    # A padded sample tells the width the hospital uses.
    wide = _advise(["0001234567", "1234"], target_kind="hn").transformers[0]
    assert wide.params == {"width": 10}


def test_citizen_ids_with_dashes_get_cid_format_and_every_cid_the_checksum() -> None:
    dashed = ["1-1017-00123-45-6", "3-1005-01234-56-3"]
    advice = _advise(dashed, target_kind="citizen_id")
    (step,) = advice.transformers
    assert (step.name, step.params) == ("CID_FORMAT", {"dashes": False})
    assert [v.name for v in advice.validators] == ["cid_checksum"]
    outcome = run_transformer(step.name, _series(dashed), step.params)
    assert outcome.values.tolist() == ["1101700123456", "3100501234563"]
    bare = _advise(["1101700123456", "3100501234563"], target_kind="citizen_id")
    assert bare.transformers == ()
    assert [v.name for v in bare.validators] == ["cid_checksum"]


def test_other_shapes_each_get_their_transformer_with_a_reason() -> None:
    floats = _advise(["123.0", "45.0"], "varchar(10)", "int").transformers
    assert [(t.name, t.reason) for t in floats] == [
        ("FLOAT_TO_INT", "whole numbers written as '123.0' in 2/2 samples")
    ]
    json_steps = _advise(['{"a": 1}', '["x"]'], "text", "jsonb").transformers
    assert [t.name for t in json_steps] == ["PARSE_JSON"]
    icd = _advise(["e119", "I10 ", "J00"], target_kind="icd10").transformers
    assert [t.name for t in icd] == ["ICD10_NORMALIZE"]
    assert _advise(["E11.9", "J00"], target_kind="icd10").transformers == ()
    thai = _advise([TIS620_NAME, "ÊÁËÞÔ§"]).transformers
    assert [t.name for t in thai] == ["REPAIR_THAI_ENCODING"]
    assert run_transformer(thai[0].name, _series([TIS620_NAME])).values.tolist() == ["สมชาย ใจดี"]
    padded = _advise(["  สมชาย ", "A01   "]).transformers
    assert [(t.name, t.reason) for t in padded] == [("TRIM", "spaces around 2/2 samples")]


def test_code_sets_get_sex_code_or_a_value_map_that_never_guesses() -> None:
    sex = _advise(["M", "F", "F"], target_type="char(1)", values=["1", "2"])
    assert [t.name for t in sex.transformers] == ["SEX_CODE"]
    assert run_transformer("SEX_CODE", _series(["M", "F"])).values.tolist() == ["1", "2"]
    assert _advise(["1", "2"], target_type="char(1)", values=["1", "2"]).transformers == ()
    marital = _advise(["โสด", "สมรส", "หม้าย", "1"], values=["1", "2", "3"])
    (step,) = marital.transformers
    assert step.name == "VALUE_MAP"
    # Only the obvious pair is filled in; the rest fail at run time, never mapped silently.
    assert step.params == {"mapping": {"1": "1"}}
    assert "โสด" in step.reason
    assert _advise(["1", "2"], values=["1", "2", "3"]).transformers == ()


def test_an_all_empty_column_is_ignored_with_the_row_count() -> None:
    empty = ColumnSpec("old", "varchar(5)", (), ColumnStats(rows=1200, nulls=1000, empties=200))
    advice = analyze_column(empty, ColumnSpec("x", "varchar(5)"))
    assert advice.ignore_reason == "empty (NULL or '') in all 1,200 rows"
    assert advice.transformers == ()
    sparse = ColumnSpec("old", "varchar(5)", ("x",), ColumnStats(rows=1200, nulls=1199))
    assert analyze_column(sparse, ColumnSpec("x", "varchar(5)")).ignore_reason is None


def _series(values):
    import pandas as pd

    return pd.Series(values, dtype=object)
