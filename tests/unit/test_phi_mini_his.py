"""PHI detection measured: precision and recall on every mini_his column against the
generator's own truth (`mini_his.phi.PHI_COLUMNS`), and verdicts on look-alike columns."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from mini_his.data import MiniHisData
from mini_his.phi import PHI_COLUMNS
from mini_his.schema import TABLE_NAMES
from services.privacy import column_mask
from utils.thai_cid import cid_check_digit, cid_checksum_ok

SEEDS = (1, 2, 3)
# What the profiler hands the masking: the 10 most frequent non-blank values and the top 5.
SAMPLE, TOP = 10, 5


def profiler_evidence(values: list[object]) -> list[str]:
    counts = Counter(str(value) for value in values if value is not None)
    ranked = [value for value, _ in counts.most_common()]
    return [value for value in ranked if value.strip()][:SAMPLE] + ranked[:TOP]


def verdicts(seed: int) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(table, column) → (truth, detected kind) for every column of one generated mini_his."""
    data = MiniHisData(patients=300, seed=seed)
    found = {}
    for table in TABLE_NAMES:
        rows = [row for chunk in data.chunks(table) for row in chunk]
        for position, column in enumerate(data.columns(table)):
            evidence = profiler_evidence([row[position] for row in rows])
            detected = column_mask(column, evidence, table).kind
            found[(table, column)] = (PHI_COLUMNS.get((table, column)), detected)
    return found


def test_precision_and_recall_on_every_mini_his_column() -> None:
    pairs = [pair for seed in SEEDS for pair in verdicts(seed).values()]
    assert not {key for key in PHI_COLUMNS if key not in verdicts(SEEDS[0])}  # truth is real
    flagged = sum(1 for _, detected in pairs if detected)
    phi = sum(1 for truth, _ in pairs if truth)
    right = sum(1 for truth, detected in pairs if truth and truth == detected)
    precision, recall = right / flagged, right / phi
    wrong = sorted({str(pair) for pair in pairs if pair[0] != pair[1]})
    summary = f"precision {precision:.3f}, recall {recall:.3f} over {len(pairs)} columns"
    assert precision >= 0.95 and recall >= 0.95, f"{summary}; wrong: {wrong}"
    print(summary)


def random_visit_numbers(count: int) -> list[str]:
    rng = np.random.default_rng(5)
    days = rng.integers(101, 1231, count)
    return [f"66{int(day):04d}{number:07d}" for number, day in enumerate(days)]


def valid_cids(count: int) -> list[str]:
    rng = np.random.default_rng(9)
    heads = ["".join(map(str, rng.integers(0, 10, 12))) for _ in range(count)]
    return [head + str(cid_check_digit(head)) for head in heads]


# (table, column, values): none of them holds a person's identifier.
NOT_PHI = [
    ("ovst", "vn", random_visit_numbers(200)),
    ("visit_log", "visit_no", random_visit_numbers(200)),
    ("drugitems", "name", ["Paracetamol 500 mg", "Amoxicillin 250 mg", "Metformin 850 mg"]),
    ("drug", "name", ["Paracetamol 500 mg", "Ibuprofen 400 mg", "NSS 0.9% 1000 ml"]),
    ("pttype", "name", ["UC สิทธิบัตรทอง", "ประกันสังคม", "ข้าราชการ/เบิกได้", "ชำระเงินเอง"]),
    ("lab_form", "name", ["เคมีคลินิก", "โลหิตวิทยา", "จุลทรรศน์ศาสตร์", "ภูมิคุ้มกันวิทยา"]),
    ("lab_head", "form_name", ["เคมีคลินิก", "โลหิตวิทยา"]),
    ("ward", "name", ["อายุรกรรมชาย", "ศัลยกรรมหญิง", "ICU"]),
]
# (table, column, values, kind): all of them do.
PHI = [
    ("ผู้ป่วย", "ชื่อ", ["สมชาย", "มาลี", "สุดา", "วิชัย"], "name"),
    ("ผู้ป่วย", "นามสกุล", ["ใจดี", "ศรีสุข", "ทองดี"], "name"),
    ("ผู้ป่วย", "ชื่อผู้ป่วย", ["นายสมชาย ใจดี", "นางมาลี ศรีสุข"], "name"),
    ("ผู้ป่วย", "เลขบัตรประชาชน", valid_cids(50), "cid"),
    ("ผู้ป่วย", "เบอร์โทร", ["081-234-5678", "0891234567", "02 123 4567"], "phone"),
    ("ผู้ป่วย", "ที่อยู่", ["123 หมู่ 4 ต.ในเมือง", "55/1 ถ.มิตรภาพ"], "address"),
    ("opduser", "name", ["สมชาย ใจดี", "มาลี ศรีสุข", "สุดา ทองดี"], "name"),
    ("doctor", "name", ["นพ.วิชัย รักษา", "พญ.นภา บุญมา"], "name"),
    ("contacts", "ref", valid_cids(20), "cid"),  # by values alone
]


def test_the_visit_number_look_alikes_pass_the_checksum_by_chance() -> None:
    vns = random_visit_numbers(200)
    assert 0.05 < sum(map(cid_checksum_ok, vns)) / len(vns) < 0.2


@pytest.mark.parametrize(("table", "column", "values"), NOT_PHI)
def test_look_alikes_that_are_not_phi_are_not_flagged(
    table: str, column: str, values: list[str]
) -> None:
    mask = column_mask(column, values, table)
    assert mask.kind is None
    assert [mask(value) for value in values] == values


@pytest.mark.parametrize(("table", "column", "values", "kind"), PHI)
def test_look_alikes_that_are_phi_are_flagged(
    table: str, column: str, values: list[str], kind: str
) -> None:
    mask = column_mask(column, values, table)
    assert mask.kind == kind
    assert all(mask(value) != value for value in values)
