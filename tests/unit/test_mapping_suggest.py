"""The suggester's parts without the model: names, the dictionary, expansion, the assignment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.mapping_suggestion import ColumnSpec, ColumnStats, TableSpec
from services.errors import InvalidInput
from services.mapping.suggest import load_dictionary, suggest
from services.mapping.suggest.assign import assign
from services.mapping.suggest.dictionary import DICTIONARY_DIR, KINDS
from services.mapping.suggest.expand import expand_name
from services.mapping.suggest.names import name_key, split_name

SMALL = Path(__file__).resolve().parents[1] / "data" / "mapping_dictionary"


@pytest.fixture(scope="module")
def small():
    return load_dictionary(SMALL)


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("vstdate", ["vstdate"]),
        ("birthDate", ["birth", "date"]),
        ("DATE_SERV", ["date", "serv"]),
        ("HNNumber", ["hn", "number"]),
        ("wan-koet 2", ["wan", "koet", "2"]),
        ("ชื่อ_ผู้ป่วย", ["ชื่อ", "ผู้ป่วย"]),
        ("person.birth_datetime", ["person", "birth", "datetime"]),
    ],
)
def test_names_split_into_lower_case_tokens_whatever_the_style(name, tokens) -> None:
    assert split_name(name) == tokens
    assert name_key(name) == "_".join(tokens)


def test_the_shipped_dictionary_has_300_concepts_with_names_of_every_style() -> None:
    dictionary = load_dictionary(DICTIONARY_DIR)
    assert len(dictionary.concepts) >= 300
    assert all(c.kind in KINDS and c.names for c in dictionary.concepts.values())
    # One name of each style the issue names, each found as the concept a user would expect.
    expected = {
        "vstdate": "date", "BIRTH": "date", "birth_datetime": "datetime", "birthDate": "date",
        "wan_koet": "date", "วันเกิด": "date", "cid": "citizen_id", "hn": "hn", "bps": "quantity",
    }  # fmt: skip
    for name, kind in expected.items():
        concept = dictionary.concept_of_name(name)
        assert concept is not None, name
        assert concept.kind == kind, (name, concept)
    assert dictionary.concept_of_name("bps") != dictionary.concept_of_name("bpd")
    lexicon = dictionary.lexicon
    assert len(lexicon.abbreviations) >= 100 and len(lexicon.thai) >= 40
    assert "name" in lexicon.generic


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[[concept]]\nid = "a"\nlabel = "a"\nkind = "colour"\nnames = ["x"]\n', "unknown kind"),
        ('[[concept]]\nid = "a"\nkind = "date"\nnames = ["x"]\n', "has no 'label'"),
        (
            '[[concept]]\nid = "a"\nlabel = "a"\nkind = "date"\nnames = ["x"]\n'
            '[[concept]]\nid = "b"\nlabel = "b"\nkind = "date"\nnames = ["X"]\n',
            "name 'x' of 'b' is also a name of 'a'",
        ),
        ('[[concept]]\nid = "a"\nlabel = "a"\nkind = "quantity"\nrange = [5, 1]\n', "range"),
        ('[[concept]]\nid = "a"\nlabel = "a"\nkind = "datetime"\nparts = ["b"]\n', "unknown parts"),
        ("[[concept]\n", "cannot be read"),
    ],
)
def test_a_malformed_dictionary_file_is_refused_in_one_line(tmp_path, content, message) -> None:
    (tmp_path / "bad.toml").write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        load_dictionary(tmp_path)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("name", "table", "words"),
    [
        ("vstdate", "ovst", "visit date"),  # a compound split into known pieces
        ("regdate", "ipt", "registration date"),
        ("wan_koet", "khon", "birth date"),  # romanized Thai, two tokens
        ("วันเกิด", "patient", "birth date"),  # Thai script
        ("birthDate", "Patient", "birth date"),
        ("name", "drugitems", "drug name"),  # a generic word takes its table's meaning
        ("ovst_vstdate", "ovst", "visit date"),  # the table's prefix goes
    ],
)
def test_names_expand_into_english_words(small, name, table, words) -> None:
    assert expand_name(small, name, table).words == words


def test_the_assignment_is_one_to_one_and_leaves_weak_pairs_unmapped() -> None:
    confidence = np.array(
        [
            [0.95, 0.90, 0.0],  # both sources like target 0 best…
            [0.97, 0.20, 0.0],  # …the second more, so the first takes its next best
            [0.30, 0.35, 0.1],  # nothing good enough: no match
        ]
    )
    assert assign(confidence, threshold=0.4) == [1, 0, None]
    # Maximising the total, not greedy: the greedy pick (0.97) would cost the first source.
    assert assign(np.array([[0.9, 0.8], [0.85, 0.1]]), threshold=0.4) == [1, 0]
    assert assign(np.zeros((0, 3))) == []
    assert assign(np.full((2, 0), 0.0)) == [None, None]


def _table(name, *columns):
    return TableSpec(name, tuple(columns))


def test_without_the_model_the_dictionary_and_the_values_decide_and_say_why(small) -> None:
    source = _table(
        "patient",
        ColumnSpec("hn", "int", ("1234", "56789", "7")),
        ColumnSpec("birthday", "varchar(10)", ("2530-01-02", "2541-12-31")),
        ColumnSpec("chue", "varchar(50)", ("สมชาย", "สมหญิง")),
        ColumnSpec("bps", "int", ("120", "135", "90")),
        ColumnSpec("queue_no", "int", ("1", "2", "3")),
        ColumnSpec("old_flag", "char(1)", (), ColumnStats(rows=100, nulls=60, empties=40)),
    )
    target = _table(
        "person",
        ColumnSpec("HN", "varchar(15)"),
        ColumnSpec("BIRTH", "date"),
        ColumnSpec("given_name", "varchar(100)"),
        ColumnSpec("SBP", "int"),
        ColumnSpec("weight", "decimal(5,1)"),
    )
    found = {s.source_column: s for s in suggest(source, target, dictionary=small)}
    assert {k: s.target_column for k, s in found.items()} == {
        "hn": "HN", "birthday": "BIRTH", "chue": "given_name", "bps": "SBP",
        "queue_no": None, "old_flag": None,
    }  # fmt: skip
    birthday = found["birthday"]
    assert birthday.reasons[0] == "dictionary: birthday ≈ birth date"
    assert "25xx (Buddhist) years in 2/2 samples" in birthday.reasons
    assert [t.name for t in birthday.transformers] == ["BUDDHIST_TO_ISO"]
    assert [t.name for t in found["hn"].transformers] == ["HN_PAD"]
    assert found["old_flag"].reasons == ("empty (NULL or '') in all 100 rows",)
    assert all(0 <= s.confidence <= 1 for s in found.values())
    assert found["birthday"].confidence > 0.9


def test_a_date_and_a_time_go_together_into_one_datetime(small) -> None:
    source = _table(
        "ovst",
        ColumnSpec("vstdate", "date", ("2023-01-01", "2023-02-03")),
        ColumnSpec("vsttime", "time", ("08:15:00", "13:40:00")),
    )
    target = _table("visit", ColumnSpec("visit_start_datetime", "datetime"))
    found = {s.source_column: s for s in suggest(source, target, dictionary=small)}
    assert (
        found["vstdate"].target_column == found["vsttime"].target_column == "visit_start_datetime"
    )
    assert found["vstdate"].combined_with == "vsttime"
    assert found["vsttime"].combined_with == "vstdate"
    # A target with its own date column takes the date alone: nothing is combined.
    target = _table(
        "service", ColumnSpec("DATE_SERV", "date"), ColumnSpec("visit_start_datetime", "datetime")
    )
    found = {s.source_column: s for s in suggest(source, target, dictionary=small)}
    assert found["vstdate"].target_column == "DATE_SERV"
    assert found["vstdate"].combined_with is None


def test_values_outside_a_concepts_range_lower_the_pair(small) -> None:
    # 'weight' by name, but the values are blood pressures: the range evidence says no.
    source = _table("screen", ColumnSpec("bw", "int", ("120", "135", "180", "95")))
    target = _table("vitals", ColumnSpec("weight", "int"), ColumnSpec("SBP", "int"))
    fits = {s.source_column: s for s in suggest(source, target, dictionary=small)}["bw"]
    odd = _table("screen", ColumnSpec("bw", "int", ("1200", "1350", "1800")))
    wrong = {s.source_column: s for s in suggest(odd, target, dictionary=small)}["bw"]
    assert fits.target_column == "weight"
    assert wrong.confidence < fits.confidence


def test_cardinality_tells_a_key_from_a_code_set(small) -> None:
    from services.mapping.suggest.evidence import value_fit, view_column

    def view(name, stats, table="t"):
        return view_column(small, ColumnSpec(name, "varchar(9)", ("a1", "b2"), stats), table)

    unique = ColumnStats(rows=1000, nulls=0, empties=0, distinct=1000)
    few = ColumnStats(rows=1000, nulls=10, empties=0, distinct=3)
    key, code = view("HN", None), view("SEX", None)
    assert value_fit(view("x", unique), key) == (0.4, "unique in 1,000 rows")
    assert value_fit(view("x", few), code) == (0.4, "3 distinct values in 990 rows: a code set")
    assert value_fit(view("x", unique), code)[0] < 0
    assert value_fit(view("x", ColumnStats(rows=20, distinct=20)), key) == (0.0, None)


def test_a_column_that_loses_its_target_says_to_which_column(small) -> None:
    source = _table(
        "patient",
        ColumnSpec("hn", "varchar(9)", ("000001234",)),
        ColumnSpec("hosp_no", "varchar(9)", ("000001234",)),
    )
    target = _table("person", ColumnSpec("HN", "varchar(15)"))
    found = {s.source_column: s for s in suggest(source, target, dictionary=small)}
    winner, loser = sorted(found.values(), key=lambda s: s.target_column is None)
    assert winner.target_column == "HN" and loser.target_column is None
    (reason,) = loser.reasons
    assert reason.startswith("no target column fits well enough (best: HN, ")
    assert reason.endswith(f", taken by {winner.source_column})")
