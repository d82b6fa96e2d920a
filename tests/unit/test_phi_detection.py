"""PHI detection that hits patients, not drugs: the ≥ 90 % citizen-ID rule, people's names
told from things' names by table and values, Thai column names, and the column mask that
leaves visit numbers alone."""

from __future__ import annotations

import numpy as np
import pytest

from services.privacy import column_mask, phi_kind
from utils.thai_cid import cid_check_digit, cid_checksum_ok


def valid_cids(count: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    heads = ["".join(map(str, rng.integers(0, 10, 12))) for _ in range(count)]
    return [head + str(cid_check_digit(head)) for head in heads]


def invalid(cid: str) -> str:
    return cid[:12] + str((int(cid[12]) + 1) % 10)


@pytest.mark.parametrize(("passing", "total", "kind"), [(9, 10, "cid"), (90, 100, "cid")])
def test_a_column_is_cid_when_90_percent_pass(passing: int, total: int, kind: str) -> None:
    cids = valid_cids(total)
    values = cids[:passing] + [invalid(cid) for cid in cids[passing:]]
    assert sum(map(cid_checksum_ok, values)) == passing
    assert phi_kind("ref_no", values) == kind


def test_89_percent_passing_is_not_a_cid_column() -> None:
    cids = valid_cids(100)
    values = cids[:89] + [invalid(cid) for cid in cids[89:]]
    assert sum(map(cid_checksum_ok, values)) == 89
    assert phi_kind("ref_no", values) is None
    # Blanks and NULLs are not values: 9 valid of 10 present is still 90 %.
    assert phi_kind("ref_no", [*cids[:9], invalid(cids[9]), "", "  ", None]) == "cid"  # type: ignore[list-item]


def visit_numbers(count: int, seed: int = 7) -> list[str]:
    """13-digit visit numbers as HOSxP writes them: Buddhist yymmdd + a 7-digit counter."""
    rng = np.random.default_rng(seed)
    return [f"660{rng.integers(101, 1232):04d}{number:06d}" for number in range(1, count + 1)]


def test_visit_numbers_are_not_cids_though_some_pass_the_checksum() -> None:
    vns = visit_numbers(300)
    passing = [vn for vn in vns if cid_checksum_ok(vn)]
    assert 0.05 < len(passing) / len(vns) < 0.2  # the look-alike: about one in ten passes
    assert phi_kind("vn", vns, "ovst") is None
    mask = column_mask("vn", vns, "ovst")
    assert mask.kind is None
    assert [mask(vn) for vn in vns] == vns  # the chance passes are left clear too
    # Free text still has its citizen IDs masked: the safety net stays for text.
    cid = valid_cids(1)[0]
    assert mask(f"ref {cid}") == f"ref {cid[0]}-{cid[1:5]}-xxxxx-xx-{cid[12]}"


def test_a_number_column_where_half_pass_is_masked_value_by_value() -> None:
    cids = valid_cids(10)
    values = cids[:5] + [invalid(cid) for cid in cids[5:]]
    mask = column_mask("ref", values)
    assert mask.kind is None  # not "most": no cid column
    assert mask(cids[0]) == f"{cids[0][0]}-{cids[0][1:5]}-xxxxx-xx-{cids[0][12]}"


@pytest.mark.parametrize(
    "values",
    [
        ["นายสมชาย ใจดี", "นางมาลี ศรีสุข", "น.ส.สุดา ทองดี", "ด.ช.ภูมิ แสงทอง"],
        ["นพ.วิชัย รักษา", "พญ.นภา บุญมา"],
        ["สมชาย ใจดี", "มาลี ศรีสุข", "Somchai Jaidee"],  # given + family, no title
    ],
)
def test_a_bare_name_of_people_by_its_values(values: list[str]) -> None:
    assert phi_kind("name", values, "opduser") == "name"


@pytest.mark.parametrize(
    ("table", "values"),
    [
        ("drugitems", ["Paracetamol 500 mg", "Amoxicillin 250 mg", "ORS sachet"]),
        ("formulary", ["Paracetamol 500 mg", "Amoxicillin 250 mg", "Metformin 850 mg"]),
        ("pttype", ["UC สิทธิบัตรทอง", "ประกันสังคม", "ข้าราชการ อปท.", "ชำระเงินเอง"]),
        ("lab_form", ["เคมีคลินิก", "โลหิตวิทยา", "จุลทรรศน์ศาสตร์"]),
        ("forms", ["เคมีคลินิก", "โลหิตวิทยา", "จุลทรรศน์ศาสตร์"]),  # single words: things
    ],
)
def test_a_bare_name_of_things_is_not_a_person(table: str, values: list[str]) -> None:
    assert phi_kind("name", values, table) is None


def test_a_title_makes_a_person_even_in_a_thing_table_and_no_values_stay_cautious() -> None:
    assert phi_kind("name", ["นพ.วิชัย รักษา", "พญ.นภา บุญมา"], "ward_doctor_group") == "name"
    assert phi_kind("name") == "name"  # nothing to go by: masked
    assert phi_kind("name", table_name="drugitems") is None
    assert phi_kind("form_name", ["เคมีคลินิก"], "lab_head") is None


@pytest.mark.parametrize("column", ["first_name", "last_name", "firstName"])
def test_first_and_last_name_columns_hold_names_whatever_their_values(column: str) -> None:
    # A mapping's target names reach the test preview: given names alone must stay masked.
    assert phi_kind(column, ["สมศักดิ์", "มาลี", "กาญจนา"], "person") == "name"
    assert phi_kind(column, ["Somchai"], "patient") == "name"
    assert phi_kind("drug_first_name", ["Paracetamol"], "drugitems") is None


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("ชื่อ", "name"),
        ("นามสกุล", "name"),
        ("ชื่อผู้ป่วย", "name"),
        ("ชื่อ-นามสกุล", "name"),
        ("เลขบัตรประชาชน", "cid"),
        ("ที่อยู่", "address"),
        ("เบอร์โทร", "phone"),
        ("ชื่อยา", None),  # a drug's name
        ("วันที่รับบริการ", None),
    ],
)
def test_thai_column_names(column: str, kind: str | None) -> None:
    assert phi_kind(column) == kind


@pytest.mark.parametrize("column", ["hospital_number", "hospital_no", "patient_number", "hn"])
def test_a_new_schemas_names_for_the_hn_are_hn_columns(column: str) -> None:
    # A mapping's target names reach the test preview: the HN must stay masked there too.
    assert phi_kind(column, ["000000478"]) == "hn"


@pytest.mark.parametrize("column", ["visit_number", "hospital_code", "number"])
def test_other_numbers_are_not_hn_columns(column: str) -> None:
    visit_number = "6201010000002"
    assert not cid_checksum_ok(visit_number)  # one value that passed would make it a cid column
    assert phi_kind(column, [visit_number]) is None
