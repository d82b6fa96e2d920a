"""Recognising identifier columns and masking them: no full citizen ID ever survives."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.profile import ColumnProfile, DatabaseProfile, ProfileMode, TableProfile, ValueCount
from services.privacy import (
    PHI_KINDS,
    is_valid_cid,
    mask_profile,
    mask_value,
    phi_kind,
    scrub_cids,
)
from tests.unit.test_report_writer import CID_1, CID_2, CID_3, build_profile, with_check_digit
from utils.thai_cid import cid_checksum_ok

valid_cids = st.text(alphabet="0123456789", min_size=12, max_size=12).map(with_check_digit)


def cid_runs(text: str) -> list[str]:
    """Every run of exactly 13 digits in `text` that passes the citizen-ID checksum."""
    return [run for run in re.findall(r"(?<!\d)\d{13}(?!\d)", text) if cid_checksum_ok(run)]


@pytest.mark.parametrize(
    ("column_name", "kind"),
    [
        ("cid", "cid"),
        ("CID", "cid"),
        ("father_cid", "cid"),
        ("citizen_id", "cid"),
        ("passport_no", "cid"),
        ("hn", "hn"),
        ("HN", "hn"),
        ("person_id", "hn"),
        ("pid", "hn"),
        ("fname", "name"),
        ("lname", "name"),
        ("name", "name"),
        ("PatientName", "name"),
        ("informname", "name"),
        ("hometel", "phone"),
        ("informtel", "phone"),
        ("mobile_phone_number", "phone"),
        ("addrpart", "address"),
        ("moopart", "address"),
        ("road", "address"),
        ("informaddr", "address"),
        ("email", "email"),
        ("e_mail", "email"),
        # Whole words only, and things that merely have a name.
        ("hname", None),
        ("hcode", None),
        ("uric_acid", None),
        ("drug_name", None),
        ("ward_name", None),
        ("pname", None),
        ("tmbpart", None),
        ("vstdate", None),
        ("vn", None),
        ("an", None),
    ],
)
def test_kind_from_the_column_name(column_name: str, kind: str | None) -> None:
    assert phi_kind(column_name) == kind


def test_kind_from_the_values() -> None:
    assert phi_kind("ref_no", [CID_1, CID_2, "", None]) == "cid"  # type: ignore[list-item]
    assert phi_kind("pid", [CID_1, CID_2]) == "cid"  # an hn-named column full of CIDs
    assert phi_kind("contact", ["081-234-5678", "02 123 4567", "+66812345678"]) == "phone"
    assert phi_kind("contact", ["somchai@moph.go.th", "x@y.co.th"]) == "email"
    # One citizen ID among dirty values does not make a column; names stay by name.
    assert phi_kind("ref_no", [CID_1, "A12", "B77", "C03"]) is None
    assert phi_kind("vn", ["660314080001", "660314080002"]) is None
    assert phi_kind("fname", [CID_1, CID_2]) == "name"


def test_checksum() -> None:
    assert cid_checksum_ok(CID_1) and cid_checksum_ok(CID_3)
    wrong = CID_1[:12] + str((int(CID_1[12]) + 1) % 10)
    assert not cid_checksum_ok(wrong)
    assert not cid_checksum_ok(CID_1[:12])
    assert not cid_checksum_ok("๑๑๐๑๗๐๐๒๐๓๔๕๑")  # Thai digits are not ASCII digits
    assert is_valid_cid(f"{CID_1[0]}-{CID_1[1:5]}-{CID_1[5:10]}-{CID_1[10:12]}-{CID_1[12]}")


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("cid", "1101700203451", "1-1017-xxxxx-xx-1"),
        ("cid", "1-1017-00203-45-1", "1-1017-xxxxx-xx-1"),
        ("cid", "11017002", "xxxxxxxx"),
        ("cid", "AA1234567", "xxxxxxxxx"),
        ("hn", "000123", "xxxx23"),
        ("hn", "12", "xx"),
        ("name", "สมศักดิ์", "สxxx"),
        ("name", " มาลี ", "มxxx"),
        ("phone", "081-234-5678", "xxxxxxxx78"),
        ("phone", "+66 81 234 5678", "xxxxxxxxx78"),
        ("address", "99/1 ม.4 ถ.สุขุมวิท", "xxx"),
        ("email", "somchai.j@moph.go.th", "xxx@moph.go.th"),
        ("email", "not an address", "xxx"),
        ("name", "", ""),
        ("cid", "   ", "   "),
    ],
)
def test_mask_value(kind: str, value: str, masked: str) -> None:
    assert mask_value(kind, value) == masked


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown identifier kind 'ssn'"):
        mask_value("ssn", "123")


@given(cid=valid_cids)
def test_a_masked_cid_never_shows_its_13_digits(cid: str) -> None:
    grouped = f"{cid[0]}-{cid[1:5]}-{cid[5:10]}-{cid[10:12]}-{cid[12]}"
    for value in (cid, grouped, f" {cid} "):
        masked = mask_value("cid", value)
        assert cid not in re.sub(r"\D", "", masked)
        assert masked == f"{cid[0]}-{cid[1:5]}-xxxxx-xx-{cid[12]}"


@given(cid=valid_cids, before=st.text(max_size=20), after=st.text(max_size=20))
def test_the_safety_net_finds_a_cid_anywhere_in_text(cid: str, before: str, after: str) -> None:
    text = f"{before} {cid}-{after}"  # separated, so the CID is a 13-digit run of its own

    scrubbed = scrub_cids(text)

    assert cid_runs(scrubbed) == []
    assert scrub_cids(scrubbed) == scrubbed


@given(kind=st.sampled_from(PHI_KINDS), value=st.text(max_size=30))
def test_masking_twice_changes_nothing(kind: str, value: str) -> None:
    once = mask_value(kind, value)
    assert mask_value(kind, once) == once


@given(cids=st.lists(valid_cids, min_size=1, max_size=5))
def test_cids_in_top_values_and_samples_are_masked_everywhere(cids: list[str]) -> None:
    columns = [
        ColumnProfile(
            name,
            "VARCHAR(200)",
            position,
            min_value=cids[0],
            max_value=f"เลข {cids[-1]}",
            top_values=[ValueCount(cid, 2) for cid in cids],
            sample_values=[f"บัตร {cid} หาย" for cid in cids] + [f"x@{cids[0]}.com"],
        )
        for position, name in enumerate(("cid", "ref_no", "note", "hn", "email"), start=1)
    ]
    profile = DatabaseProfile(
        "hosxp",
        "mysql",
        "10.11",
        ProfileMode.DEEP,
        tables=[TableProfile("patient", None, 5, None, columns=columns, rows_profiled=5)],
        masked=False,
    )

    masked = mask_profile(profile)

    for column in masked.tables[0].columns:
        values = [column.min_value, column.max_value, *column.sample_values]
        values += [top.value for top in column.top_values]
        assert cid_runs(" ".join(value or "" for value in values)) == []
        assert column.masked and column.phi_kind is not None
    assert profile.tables[0].columns[0].min_value == cids[0]  # the original is untouched


def test_mask_profile_masks_identifier_columns_and_leaves_the_rest() -> None:
    profile = build_profile()

    masked = mask_profile(profile)

    patient, ovst = masked.tables
    hn, fname, cid, note = patient.columns
    assert masked.masked is True
    assert (hn.phi_kind, fname.phi_kind, cid.phi_kind) == ("hn", "name", "cid")
    assert hn.sample_values == ["xxxx01", "xxxx17"]
    assert fname.top_values == [ValueCount("สxxx", 41), ValueCount("มxxx", 37), ValueCount("", 12)]
    assert cid.min_value == f"1-1017-xxxxx-xx-{CID_1[-1]}"
    assert cid.max_value == f"5-7001-xxxxx-xx-{CID_3[-1]}"
    # Free text keeps its words; only the citizen ID inside is masked.
    assert note.max_value == f"บัตร 5-7001-xxxxx-xx-{CID_3[-1]} หาย"
    assert note.min_value == "<script>alert(1)</script>"
    assert (note.masked, note.phi_kind) == (True, "cid")
    # Visit numbers, money and doctor codes are not identifiers.
    assert [column.masked for column in ovst.columns] == [False, False, False]
    assert ovst.columns == profile.tables[1].columns
    assert mask_profile(masked) == masked  # idempotent
