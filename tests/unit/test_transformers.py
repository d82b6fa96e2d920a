"""The data transformers: every plugin's examples, failure reporting, and mini_his dirt."""

from __future__ import annotations

import json
import re
from datetime import date

import pandas as pd
import pytest
from pydantic import ValidationError

from config import transformer_options
from data_transformers.base import WHITESPACE, Example, Transformer
from data_transformers.registry import get_transformer, run_transformer, transformers
from mini_his import vocab
from mini_his.data import MiniHisData
from utils.registry import UnknownPluginError
from utils.thai_cid import cid_checksum_ok


def plain(series: pd.Series) -> list[object]:
    """Series values as Python objects, any kind of missing as None."""
    return [None if pd.isna(value) else value for value in series.tolist()]


EXAMPLES = [
    pytest.param(plugin, example, id=f"{plugin.name}-{number}")
    for plugin in transformers
    for number, example in enumerate(plugin.examples)
]


@pytest.mark.parametrize(("plugin", "example"), EXAMPLES)
def test_example_gives_its_documented_output(plugin: type[Transformer], example: Example) -> None:
    outcome = run_transformer(plugin.name, pd.Series(example.input, dtype=object), example.params)
    assert plain(outcome.values) == example.output
    assert len(outcome.failed) == len(outcome.reasons) == len(example.input)
    # A reason exactly where a value failed, and nowhere else.
    assert outcome.reasons.notna().tolist() == outcome.failed.tolist()


@pytest.mark.parametrize("plugin", list(transformers), ids=lambda plugin: plugin.name)
def test_plugin_documents_itself(plugin: type[Transformer]) -> None:
    assert plugin.name == plugin.name.upper()
    assert plugin.family in {"text", "dates", "healthcare", "names", "data_type", "lookup"}
    assert plugin.description and "\n" not in plugin.description
    assert plugin.examples, "every plugin needs an example: it is its test"
    for field_name, field in plugin.Params.model_fields.items():
        assert field.description, f"{plugin.name}.{field_name} has no description"
    assert plugin.Params.model_json_schema()["type"] == "object"  # renderable as a form


def test_options_list_every_registered_transformer_by_its_name() -> None:
    assert "BUDDHIST_TO_ISO" in transformer_options()
    assert len(transformer_options()) == len(transformers)


def test_unknown_transformer_suggests_the_closest_name() -> None:
    with pytest.raises(UnknownPluginError, match="Did you mean 'buddhist_to_iso'"):
        get_transformer("BUDHIST_TO_ISO")


def test_names_are_case_insensitive() -> None:
    assert get_transformer("trim") is get_transformer("TRIM")


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(ValidationError, match="widht"):
        run_transformer("HN_PAD", pd.Series(["1"]), {"widht": 7})


def test_missing_required_parameter_is_refused() -> None:
    with pytest.raises(ValidationError, match="format"):
        run_transformer("DATE_FORMAT", pd.Series(["2023-03-14"]))


def test_bad_on_error_value_is_refused() -> None:
    with pytest.raises(ValidationError):
        run_transformer("TRIM", pd.Series(["a"]), {"on_error": "raise"})


# --- failure reporting -------------------------------------------------------------------------


def test_batch_with_bad_dates_reports_each_one_and_keeps_the_good_ones() -> None:
    values = pd.Series(["2566-03-14", "2566-02-30", None, "not a date", "14/03/2566", ""])
    outcome = run_transformer("BUDDHIST_TO_ISO", values)
    assert plain(outcome.values) == ["2023-03-14", None, None, None, "2023-03-14", None]
    assert outcome.failed.tolist() == [False, True, False, True, False, False]
    assert plain(outcome.reasons) == [
        None,
        "not a date: '2566-02-30'",
        None,
        "not a date: 'not a date'",
        None,
        None,
    ]
    assert outcome.failure_count == 2


def test_on_error_keep_returns_the_input_of_failed_values() -> None:
    values = pd.Series(["E119", "??", None])
    outcome = run_transformer("ICD10_NORMALIZE", values, {"on_error": "keep"})
    assert plain(outcome.values) == ["E11.9", "??", None]
    assert outcome.failed.tolist() == [False, True, False]


def test_blank_stays_a_failure_when_blanks_are_not_null() -> None:
    outcome = run_transformer("TO_NUMERIC", pd.Series(["1", " "]), {"blank_as_null": False})
    assert outcome.failed.tolist() == [False, True]


def test_christian_era_year_is_flagged_as_such() -> None:
    outcome = run_transformer("BUDDHIST_TO_ISO", pd.Series(["2023-03-14"]))
    assert outcome.reasons[0].startswith("year before 2400 B.E.")


def test_citizen_id_is_never_quoted_in_a_reason() -> None:
    outcome = run_transformer(
        "CID_FORMAT", pd.Series(["110170020345", "1101700203451"]), {"validate_checksum": True}
    )
    assert plain(outcome.reasons) == ["not 13 digits", "check digit is wrong"]


def test_index_is_kept() -> None:
    values = pd.Series(["2566-03-14", "2566-02-30"], index=[10, 20])
    outcome = run_transformer("BUDDHIST_TO_ISO", values)
    for series in (outcome.values, outcome.failed, outcome.reasons):
        assert series.index.tolist() == [10, 20]


def test_many_repeated_dates_take_the_distinct_value_path_correctly() -> None:
    values = pd.Series(["2566-03-14", "2566-02-30", None, "14 มี.ค. 2566"] * 50, index=range(1, 201))
    outcome = run_transformer("BUDDHIST_TO_ISO", values)
    assert plain(outcome.values) == ["2023-03-14", None, None, "2023-03-14"] * 50
    assert outcome.failed.tolist() == [False, True, False, False] * 50
    assert outcome.values.index.equals(values.index)


def test_date_values_convert_to_buddhist_text() -> None:
    days = pd.Series([date(2023, 3, 14), None, date(2024, 2, 29)], dtype=object)
    assert plain(run_transformer("ISO_TO_BUDDHIST", days).values) == [
        "2566-03-14",
        None,
        "2567-02-29",
    ]
    stamps = pd.Series(pd.to_datetime(["2023-03-14 08:15:00", None]))
    assert plain(run_transformer("ISO_TO_BUDDHIST", stamps).values) == [
        "2566-03-14 08:15:00",
        None,
    ]


def test_date_format_reads_a_datetime_column() -> None:
    stamps = pd.Series(pd.to_datetime(["2023-03-14", None]))
    outcome = run_transformer("DATE_FORMAT", stamps, {"format": "%d/%m/%Y"})
    assert plain(outcome.values) == ["14/03/2023", None]
    assert not outcome.failed.any()


def test_thai_digits_and_buddhist_era_word_are_read() -> None:
    values = pd.Series(["๑๔ มี.ค. ๒๕๖๖", "14 มีนาคม พ.ศ. 2566", "1/3/2566 8:05"])
    assert plain(run_transformer("BUDDHIST_TO_ISO", values).values) == [
        "2023-03-14",
        "2023-03-14",
        "2023-03-01 08:05:00",
    ]


# --- the dirt mini_his generates ---------------------------------------------------------------


@pytest.fixture(scope="module")
def mini_his() -> dict[str, pd.DataFrame]:
    data = MiniHisData(patients=50, seed=1)
    tables = ("patient", "ovst", "ovstdiag", "opdscreen", "drugitems")
    return {
        table: pd.DataFrame(
            [row for chunk in data.chunks(table) for row in chunk],
            columns=list(MiniHisData.columns(table)),
            dtype=object,
        )
        for table in tables
    }


def test_buddhist_visit_dates_match_the_real_visit_dates(mini_his: dict[str, pd.DataFrame]) -> None:
    ovst = mini_his["ovst"]
    outcome = run_transformer("BUDDHIST_TO_ISO", ovst["vstdate_th"])
    assert not outcome.failed.any()
    blank = ovst["vstdate_th"].isna() | (ovst["vstdate_th"] == "")
    assert blank.any() and (~blank).sum() > 200
    assert outcome.values[blank].isna().all()
    expected = ovst["vstdate"][~blank].map(date.isoformat)
    assert outcome.values[~blank].tolist() == expected.tolist()


def test_birthdays_survive_a_round_trip_through_the_buddhist_era(
    mini_his: dict[str, pd.DataFrame],
) -> None:
    birthday = mini_his["patient"]["birthday"]
    buddhist = run_transformer("ISO_TO_BUDDHIST", birthday)
    back = run_transformer("BUDDHIST_TO_ISO", buddhist.values)
    assert not buddhist.failed.any() and not back.failed.any()
    assert plain(back.values) == [None if d is None else d.isoformat() for d in birthday]


def test_codes_that_went_through_a_float_get_their_digits_back(
    mini_his: dict[str, pd.DataFrame],
) -> None:
    hospmain = mini_his["ovst"]["hospmain"]
    assert hospmain.str.endswith(".0").any()  # the dirt is there
    outcome = run_transformer("FLOAT_TO_INT", hospmain)
    assert not outcome.failed.any()
    hospitals = {"10669", "10670", "11251", "05656", "10954"}
    # A spreadsheet trip also ate the leading zero of '05656' ('5656.0'): digits come back,
    # the zero only through padding to the code's width.
    assert set(outcome.values.dropna()) == hospitals | {"5656"}
    padded = run_transformer("HN_PAD", hospmain, {"width": 5})
    assert set(padded.values.dropna()) == hospitals
    did = run_transformer("FLOAT_TO_INT", mini_his["drugitems"]["did"], {"output": "integer"})
    assert not did.failed.any()
    assert did.values.dropna().between(10**5, 10**6 - 1).all()
    moo = run_transformer("FLOAT_TO_INT", mini_his["patient"]["moopart"], {"output": "integer"})
    assert moo.values.between(1, 15).all()


def test_diagnosis_codes_come_out_dotted(mini_his: dict[str, pd.DataFrame]) -> None:
    icd10 = mini_his["ovstdiag"]["icd10"]
    dotted_in = icd10.str.contains(".", regex=False)
    assert dotted_in.any() and (~dotted_in).any()  # 'E11.9' beside 'E119' in the source
    outcome = run_transformer("ICD10_NORMALIZE", icd10)
    assert not outcome.failed.any()
    dotted = {f"{c[:3]}.{c[3:]}" if len(c) > 3 else c for c in vocab.ICD10}
    assert set(outcome.values) <= dotted
    undotted = run_transformer("ICD10_NORMALIZE", outcome.values, {"dot": False})
    assert set(undotted.values) <= set(vocab.ICD10)


def test_citizen_ids_with_a_bad_check_digit_are_the_failures(
    mini_his: dict[str, pd.DataFrame],
) -> None:
    cid = mini_his["patient"]["cid"]
    outcome = run_transformer("CID_FORMAT", cid, {"validate_checksum": True})
    present = cid.notna() & (cid != "")
    expected_failed = present & ~cid.where(present, "").map(cid_checksum_ok)
    assert outcome.failed.tolist() == expected_failed.tolist()
    good = outcome.values.dropna()
    assert good.str.fullmatch(r"\d-\d{4}-\d{5}-\d{2}-\d").all()
    assert (good.str.replace("-", "") == cid[good.index]).all()


def test_patient_names_prefixes_and_sex(mini_his: dict[str, pd.DataFrame]) -> None:
    patient = mini_his["patient"]
    fname = run_transformer("TRIM", patient["fname"]).values
    assert not (fname.str.startswith(" ") | fname.str.endswith(" ")).any()
    prename = run_transformer("PRENAME_NORMALIZE", patient["pname"])
    assert not prename.failed.any()  # '' is a blank, hence NULL, not a failure
    assert set(prename.values.dropna()) <= {"นาย", "นาง", "นางสาว", "เด็กชาย", "เด็กหญิง"}
    sex = run_transformer("SEX_CODE", patient["sex"], {"male": "M", "female": "F"})
    assert set(sex.values) == {"M", "F"}
    full = patient["pname"].fillna("") + fname + " " + patient["lname"].str.strip()
    first = run_transformer("SPLIT_THAI_NAME", full, {"part": "first"})
    last = run_transformer("SPLIT_THAI_NAME", full, {"part": "last"})
    assert first.values.tolist() == fname.tolist()
    assert last.values.tolist() == patient["lname"].str.strip().tolist()


def test_symptom_json_is_canonical_and_allergy_text_one_line(
    mini_his: dict[str, pd.DataFrame],
) -> None:
    symptom = mini_his["opdscreen"]["symptom_json"]
    outcome = run_transformer("PARSE_JSON", symptom)
    assert not outcome.failed.any()
    for raw, canonical in zip(symptom.dropna(), outcome.values.dropna(), strict=True):
        assert json.loads(canonical) == json.loads(raw)
        assert ": " not in canonical
    allergy = run_transformer("NORMALIZE_WHITESPACE", mini_his["patient"]["drugallergy"]).values
    assert not allergy.dropna().str.contains(r"[\n\t]").any()


@pytest.mark.parametrize(
    "declared",
    [{"examples": (Example(["a"], {}, ["a"]),)}, {"description": "Does nothing."}],
    ids=["no-description", "no-examples"],
)
def test_a_transformer_without_description_or_examples_is_refused(declared: dict) -> None:
    from data_transformers.registry import register_transformer

    plugin = type("Undocumented", (Transformer,), {"family": "text", **declared})
    with pytest.raises(TypeError, match="must declare a description and examples"):
        register_transformer("UNDOCUMENTED_TEST")(plugin)
    assert "UNDOCUMENTED_TEST" not in transformers.names()


def test_whitespace_is_every_character_pythons_whitespace_class_matches() -> None:
    # HN_PAD spells \s out so that pyarrow runs it; the set must stay Python's exactly.
    python = {chr(point) for point in range(0x110000) if re.fullmatch(r"\s", chr(point))}
    assert set(WHITESPACE) == python


@pytest.mark.parametrize("space", list(WHITESPACE))
def test_hn_pad_drops_every_kind_of_whitespace_as_pythons_regex_does(space: str) -> None:
    raw = [f"{space}12{space}3{space}", f"45.0{space}", "ไทย", f"{space}", "12.00", None]
    by_hand = [re.sub(r"\.0+$", "", re.sub(r"\s+", "", v)) if v else None for v in raw]
    expected = [v.zfill(9) if v and v.isdigit() and v.isascii() else None for v in by_hand]
    outcome = run_transformer("HN_PAD", pd.Series(raw, dtype=object).astype("str"), {})
    assert expected == ["000000123", "000000045", None, None, "000000012", None]
    assert plain(outcome.values) == expected
    assert outcome.failed.tolist() == [False, False, True, False, False, False]


def test_hn_pad_without_spaces_or_dots_pads_and_fails_as_before() -> None:
    raw = pd.Series(["1", "123456789", "1234567890", "12A", None], dtype=object)
    outcome = run_transformer("HN_PAD", raw, {"width": 9})
    assert plain(outcome.values) == ["000000001", "123456789", None, None, None]
    assert plain(outcome.reasons) == [None, None, "longer than 9 digits", "not all digits", None]
