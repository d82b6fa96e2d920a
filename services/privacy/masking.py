"""Mask identifier columns (found by `detection`) in profiles, rejects and previews."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from models.profile import ColumnProfile, DatabaseProfile, ValueCount
from services.privacy.detection import PHI_KINDS, is_valid_cid, phi_kind, present, share

#: The masking rules in words, for the report's documentation tab.
MASKING_RULES: tuple[str, ...] = (
    "Column names are split into lower-case words at '_', '-', spaces and camelCase (a Thai "
    "name is one word); a column "
    "is an identifier when one word (or two neighbouring words) is on the list below. Whole "
    "words only: 'hn' is masked, 'hname' (hospital name) is not; 'cid' is, 'uric_acid' is not.",
    "cid (citizen ID): cid, citizen_id, national_id, id_card, passport, passport_no, "
    "father_cid… — masked as 1-2345-xxxxx-xx-3 (the card's first group, the next four digits "
    "and the check digit kept); anything not 13 digits becomes one 'x' per character.",
    "hn (hospital number): hn, pid, mrn, person_id, patient_id — all but the last 2 "
    "characters become 'x'.",
    "name: fname, lname, mname, first_name, surname, fullname, informname, fathername, "
    "ชื่อ, นามสกุล, ชื่อผู้ป่วย… — the first character is kept, then 'xxx'. A bare 'name' is "
    "decided by its table and values: not a person's next to a word such as drug, ward, form, "
    "clinic or icd, nor in a table named after a thing (drugitems, pttype, lab_form) unless "
    "most values begin with a title (นาย, นาง, น.ส., ด.ช., นพ.…); with values, a person's "
    "name when most are a given + family name in letters ('สมชาย ใจดี'), so drug names "
    "('Paracetamol 500 mg'), insurance schemes and lab forms are not masked. The title "
    "(pname: นาย, นาง) is not masked: it identifies nobody and shows the sex and age-group "
    "split.",
    "phone: tel, phone, mobile, hometel, informtel, worktel… — only the last 2 digits kept.",
    "address: addr, address, addrpart (house number), moopart (village number), road, soi, "
    "street, informaddr… — replaced by 'xxx'. Sub-district, district and province codes "
    "(tmbpart, amppart, chwpart) are kept: they locate thousands of people, not one.",
    "email: email, mail, e_mail — the part before '@' becomes 'xxx', the domain is kept.",
    "Values decide too: when most (at least 90 %) of a column's non-empty sample values are "
    "valid Thai citizen IDs (13 digits whose last digit is the checksum (11 − Σ dᵢ×(13−i)) "
    "mod 11 mod 10), the column is a cid column whatever its name; likewise for e-mail "
    "addresses and Thai phone numbers (0 followed by 8–9 digits, or +66…). A few passing "
    "values do not make a cid column: a random 13-digit number, such as a visit number (vn), "
    "passes the checksum one time in ten.",
    "Safety net: in every column, masked or not, any 13-digit run that passes the citizen-ID "
    "checksum (also written 1-2345-67890-12-3) is masked as a cid inside the text — except a "
    "bare 13-digit value in a column of 13-digit numbers of which fewer than half pass: there "
    "a pass is chance (visit numbers), not an ID.",
    "Masking applies to sample values, top-5 values, minimum and maximum; counts are kept.",
)

# A citizen ID in free text: 13 digits, optionally grouped 1-2345-67890-12-3, not part of a
# longer number.
_CID_IN_TEXT = re.compile(r"(?<!\d)\d[- ]?\d{4}[- ]?\d{5}[- ]?\d{2}[- ]?\d(?!\d)")
_MASKED_CID = re.compile(r"^\d-\d{4}-xxxxx-xx-\d$")
_SEPARATORS = re.compile(r"[\s\-().]")
_BARE_NUMBER = re.compile(r"^\d{13}$")


def mask_value(kind: str, value: str) -> str:
    """`value` with the identifying part replaced by 'x', the way `kind` is masked.

    An empty value stays empty (so "empty" still reads as empty in a masked report), and
    masking an already masked value changes nothing.

    Raises:
        ValueError: `kind` is not one of `PHI_KINDS`.
    """
    if not value.strip():
        return value
    if kind == "cid":
        if _MASKED_CID.match(value):
            return value  # masking twice must not destroy the first mask
        digits = _SEPARATORS.sub("", value.strip())
        if len(digits) == 13 and digits.isascii() and digits.isdigit():
            return f"{digits[0]}-{digits[1:5]}-xxxxx-xx-{digits[12]}"
        return "x" * len(value)
    if kind == "hn":
        kept = value.strip()
        return "x" * len(kept) if len(kept) <= 2 else "x" * (len(kept) - 2) + kept[-2:]
    if kind == "name":
        return value.strip()[0] + "xxx"
    if kind == "phone":
        digits = re.sub(r"[^0-9x]", "", value)  # 'x' too: a masked number stays as it is
        return "x" * len(digits) if len(digits) <= 2 else "x" * (len(digits) - 2) + digits[-2:]
    if kind == "address":
        return "xxx"
    if kind == "email":
        _, at, domain = value.strip().rpartition("@")
        return f"xxx@{domain}" if at else "xxx"
    raise ValueError(f"Unknown identifier kind {kind!r}; expected one of {', '.join(PHI_KINDS)}.")


def scrub_cids(text: str) -> str:
    """`text` with every checksum-valid citizen ID in it masked (the safety net)."""
    while True:
        # Repeat until nothing changes: a kept first or last digit can form a new ID with the
        # digits next to it ("…xx-1-300223514590"), which one pass would leave behind.
        scrubbed = _CID_IN_TEXT.sub(
            lambda match: mask_value("cid", match[0]) if is_valid_cid(match[0]) else match[0],
            text,
        )
        if scrubbed == text:
            return text
        text = scrubbed


@dataclass(frozen=True, slots=True)
class ColumnMask:
    """How the values of one column are masked, decided once from the whole column.

    Attributes:
        kind: The identifier the column holds (`PHI_KINDS`), or None.
        bare_numbers_are_ids: Whether a value that is a bare 13-digit number passing the
            checksum is a citizen ID. False in a column of 13-digit numbers that pass no more
            often than chance (visit numbers: one in ten), where a pass is a coincidence.
    """

    kind: str | None
    bare_numbers_are_ids: bool = True

    def __call__(self, value: str) -> str:
        """`value` masked: by the column's kind, then the citizen-ID safety net."""
        # The safety net runs after a kind's mask too: an e-mail keeps its domain, which
        # could itself hold an ID.
        masked = mask_value(self.kind, value) if self.kind else value
        if not self.bare_numbers_are_ids and _BARE_NUMBER.match(masked.strip()):
            return masked
        return scrub_cids(masked)


def column_mask(
    column_name: str,
    values: Iterable[object],
    table_name: str | None = None,
    kind: str | None = None,
) -> ColumnMask:
    """The mask of a column, from its name, table and values (`phi_kind`), the same in the
    profile, the reject table and the test preview.

    Args:
        column_name: The column's name.
        values: Its values, or a sample of them (None and blanks are ignored).
        table_name: Its table, when known.
        kind: The kind already known (a profile's `phi_kind`), used as it is.
    """
    seen = present(values)
    kind = kind or phi_kind(column_name, seen, table_name)
    numbers = [value for value in seen if _BARE_NUMBER.match(value)]
    # At least half passing is far above the one in ten of random numbers: those are IDs.
    chance = kind != "cid" and bool(numbers) and share(numbers, is_valid_cid) < 0.5
    return ColumnMask(kind, bare_numbers_are_ids=not chance)


def mask_profile(profile: DatabaseProfile) -> DatabaseProfile:
    """A copy of `profile` with identifier columns' values masked and `masked=True` set.

    Identifier columns (see `phi_kind`; a `phi_kind` the profiler already set is used as it
    is) get `phi_kind` and `masked=True`; every other column still has any citizen ID inside
    its values masked. Columns already `masked` are left as they are, so masking a masked
    profile changes nothing. The original profile is not changed.
    """
    masked = copy.deepcopy(profile)
    for table in masked.tables:
        for column in table.columns:
            _mask_column(column, table.name)
    masked.masked = True
    return masked


def _mask_column(column: ColumnProfile, table_name: str) -> None:
    if column.masked:
        # Masked before: masking again would blur the mask (a scrubbed note column would be
        # taken for a cid column). The safety net still runs; it changes nothing twice.
        _apply(column, scrub_cids)
        return
    evidence = [*column.sample_values, *(top.value for top in column.top_values)]
    mask = column_mask(column.name, evidence, table_name, column.phi_kind)
    before = _values_of(column)
    _apply(column, mask)
    kind = mask.kind
    if kind is None and _values_of(column) != before:
        kind = "cid"  # free text that carried citizen IDs: say so in the report
    if kind is not None:
        column.phi_kind = kind
        column.masked = True


def _apply(column: ColumnProfile, mask: Callable[[str], str]) -> None:
    column.sample_values = [mask(value) for value in column.sample_values]
    column.top_values = [ValueCount(mask(top.value), top.count) for top in column.top_values]
    column.min_value = None if column.min_value is None else mask(column.min_value)
    column.max_value = None if column.max_value is None else mask(column.max_value)


def _values_of(column: ColumnProfile) -> Sequence[object]:
    return (column.sample_values, column.top_values, column.min_value, column.max_value)
