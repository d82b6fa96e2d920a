"""The mini_his rows in memory: deterministic, consistent, and dirty in the promised ways."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date

import numpy as np
import pytest

from mini_his.data import MiniHisData
from mini_his.dirty import buddhist_text, cid_check_digit, digits_text
from mini_his.schema import TABLE_NAMES, metadata

PATIENTS = 300
SEED = 7


def all_rows(data: MiniHisData) -> dict[str, list[tuple]]:
    return {table: [row for chunk in data.chunks(table) for row in chunk] for table in TABLE_NAMES}


def checksum(rows: dict[str, list[tuple]]) -> str:
    digest = hashlib.sha256()
    for table, table_rows in rows.items():
        digest.update(table.encode())
        for row in table_rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def rows() -> dict[str, list[tuple]]:
    return all_rows(MiniHisData(patients=PATIENTS, seed=SEED))


def column(rows: dict[str, list[tuple]], table: str, name: str) -> list[object]:
    index = MiniHisData.columns(table).index(name)
    return [row[index] for row in rows[table]]


def valid_cid(cid: str) -> bool:
    """Thai citizen ID checksum, written independently of the generator."""
    if len(cid) != 13 or not cid.isdigit():
        return False
    total = sum(int(digit) * (13 - position) for position, digit in enumerate(cid[:12]))
    return (11 - total % 11) % 10 == int(cid[12])


def test_same_seed_gives_identical_rows(rows: dict[str, list[tuple]]) -> None:
    assert checksum(all_rows(MiniHisData(patients=PATIENTS, seed=SEED))) == checksum(rows)


def test_different_seed_gives_different_rows(rows: dict[str, list[tuple]]) -> None:
    assert checksum(all_rows(MiniHisData(patients=PATIENTS, seed=SEED + 1))) != checksum(rows)


def test_counts_are_known_up_front_and_visits_default_to_five_per_patient(
    rows: dict[str, list[tuple]],
) -> None:
    data = MiniHisData(patients=PATIENTS, seed=SEED)
    assert data.row_counts() == {table: len(table_rows) for table, table_rows in rows.items()}
    assert len(rows["ovst"]) == 5 * PATIENTS and len(rows["patient"]) == PATIENTS
    assert MiniHisData(patients=10, visits=123, seed=1).row_counts()["ovst"] == 123


def test_every_row_fills_every_column_and_primary_keys_are_unique(
    rows: dict[str, list[tuple]],
) -> None:
    for table in TABLE_NAMES:
        width = len(MiniHisData.columns(table))
        assert {len(row) for row in rows[table]} == {width}, table
        key = [MiniHisData.columns(table).index(c.name) for c in metadata.tables[table].primary_key]
        keys = [tuple(row[i] for i in key) for row in rows[table]]
        assert len(set(keys)) == len(keys), table


def test_every_foreign_key_value_exists_in_its_parent(rows: dict[str, list[tuple]]) -> None:
    checked = 0
    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            parent = set(column(rows, key.column.table.name, key.column.name))
            values = {v for v in column(rows, table.name, key.parent.name) if v is not None}
            assert values <= parent, f"{table.name}.{key.parent.name}"
            checked += 1
    assert checked >= 20
    admissions = {v for v in column(rows, "ovst", "an") if v is not None}
    assert admissions == set(column(rows, "ipt", "an"))  # ovst.an has no declared key


def test_valid_cids_pass_the_checksum_and_a_few_are_invalid(rows: dict[str, list[tuple]]) -> None:
    cids = column(rows, "patient", "cid")
    filled = [cid for cid in cids if cid]
    valid = sum(valid_cid(cid) for cid in filled)
    assert valid / len(filled) > 0.9
    assert valid < len(filled)  # some fail on purpose
    assert "" in cids and None in cids


@pytest.mark.parametrize(
    ("first_twelve", "check"),
    [
        ("110170020345", 0),  # weighted sum 144, 144 % 11 = 1, (11 - 1) % 10 = 0
        ("100000000001", 7),  # 13 + 2 = 15, 15 % 11 = 4, (11 - 4) % 10 = 7
        ("190000000000", 1),  # 13 + 108 = 121, 121 % 11 = 0, (11 - 0) % 10 = 1
    ],
)
def test_check_digit_is_computed_from_the_weighted_sum(first_twelve: str, check: int) -> None:
    digits = np.array([[int(d) for d in first_twelve]])
    assert cid_check_digit(digits).tolist() == [check]


def test_buddhist_text_dates_are_the_visit_dates_plus_543_years(
    rows: dict[str, list[tuple]],
) -> None:
    pairs = zip(column(rows, "ovst", "vstdate"), column(rows, "ovst", "vstdate_th"), strict=True)
    compared = 0
    for day, thai in pairs:
        if thai:
            assert thai == f"{day.year + 543:04d}-{day.month:02d}-{day.day:02d}"
            compared += 1
    assert compared > 0.9 * len(rows["ovst"])
    leap = np.array(["2024-02-29"], dtype="datetime64[D]")
    assert buddhist_text(leap).tolist() == ["2567-02-29"]  # a day 2567 CE would not have


def test_dirt_is_there(rows: dict[str, list[tuple]]) -> None:
    hospmain = column(rows, "ovst", "hospmain")
    assert "" in hospmain and None in hospmain
    assert any(isinstance(code, str) and code.endswith(".0") for code in hospmain)
    names = column(rows, "patient", "fname") + column(rows, "patient", "lname")
    assert any(name != name.strip() for name in names)
    assert set(column(rows, "patient", "pname")) <= {"นาย", "นาง", "น.ส.", "ด.ช.", "ด.ญ.", ""}
    assert all(hn.isdigit() and hn.startswith("000") for hn in column(rows, "patient", "hn"))
    icd10 = column(rows, "ovstdiag", "icd10")
    assert "E119" in icd10 and "E11.9" in icd10
    complaints = [cc for cc in column(rows, "opdscreen", "cc") if cc]
    assert any("\n" in cc for cc in complaints) and any("\t" in cc for cc in complaints)
    for text in column(rows, "opdscreen", "symptom_json"):
        if text is not None:
            assert isinstance(json.loads(text)["symptoms"], list)


def test_a_tenth_of_the_doctors_see_most_visits(rows: dict[str, list[tuple]]) -> None:
    visits = Counter(column(rows, "ovst", "doctor"))
    busiest = sorted(visits.values(), reverse=True)[: max(1, len(rows["doctor"]) // 10)]
    assert sum(busiest) > 0.5 * len(rows["ovst"])


def test_visits_follow_their_patients_birth_and_come_in_vn_order(
    rows: dict[str, list[tuple]],
) -> None:
    born = dict(
        zip(column(rows, "patient", "hn"), column(rows, "patient", "birthday"), strict=True)
    )
    for hn, day in zip(column(rows, "ovst", "hn"), column(rows, "ovst", "vstdate"), strict=True):
        assert born[hn] is None or born[hn] < day
    vns = column(rows, "ovst", "vn")
    assert vns == sorted(vns)
    assert min(column(rows, "ovst", "vstdate")) >= date(2019, 1, 1)


def test_digits_keep_their_leading_zeros() -> None:
    assert digits_text(np.array([0, 7, 123456]), 6).tolist() == ["000000", "000007", "123456"]


@pytest.mark.parametrize(("patients", "visits", "seed"), [(0, None, 1), (5, -1, 1), (5, None, -1)])
def test_impossible_sizes_are_refused(patients: int, visits: int | None, seed: int) -> None:
    with pytest.raises(ValueError):
        MiniHisData(patients=patients, visits=visits, seed=seed)
