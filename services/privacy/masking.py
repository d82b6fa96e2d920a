"""Recognise columns that hold personal identifiers and mask their values in a profile."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Sequence

from models.profile import ColumnProfile, DatabaseProfile, ValueCount
from utils.thai_cid import cid_checksum_ok

#: The kinds of identifier recognised, each with how its values are masked.
PHI_KINDS = ("cid", "hn", "name", "phone", "address", "email")

# Whole-token column names per kind. HOSxP glues words together ("informtel", "addrpart"), so
# the common compounds are listed as tokens of their own rather than guessed by substring: a
# substring rule would take `hname` (hospital name) for `hn` and `uric_acid` for `cid`.
_NAME_TOKENS: dict[str, frozenset[str]] = {
    "cid": frozenset({"cid", "citizenid", "nationalid", "idcard", "passport", "passportno"}),
    "hn": frozenset({"hn", "pid", "mrn", "personid", "patientid"}),
    "name": frozenset(
        {"name", "fname", "lname", "mname", "firstname", "lastname", "middlename", "surname"}
        | {"fullname", "ptname", "patientname", "informname", "spsname", "spousename"}
        | {"fathername", "mothername", "couplename", "fatherlname", "motherlname"}
    ),
    "phone": frozenset(
        {"tel", "phone", "mobile", "telephone", "cellphone", "telno", "phoneno", "mobileno"}
        | {"hometel", "informtel", "worktel", "officetel", "mobilephone", "contacttel"}
    ),
    "address": frozenset(
        {"addr", "address", "addrpart", "moopart", "road", "soi", "street", "houseno"}
        | {"informaddr", "workaddr", "homeaddr", "homeaddress", "workaddress"}
    ),
    "email": frozenset({"email", "mail"}),
}
# Two-token spellings: `citizen_id`, `person_id`, `phone_no`…
_NAME_PAIRS: dict[tuple[str, str], str] = {
    ("citizen", "id"): "cid",
    ("national", "id"): "cid",
    ("id", "card"): "cid",
    ("passport", "no"): "cid",
    ("person", "id"): "hn",
    ("patient", "id"): "hn",
    ("first", "name"): "name",
    ("last", "name"): "name",
    ("e", "mail"): "email",
}
# `name` next to one of these words names a thing, not a person (`drug_name`, `ward_name`).
_THING_WORDS = frozenset(
    {"drug", "icd", "ward", "hosp", "hospital", "dept", "department", "clinic", "lab", "item"}
    | {"test", "unit", "table", "file", "db", "database", "schema", "column", "field", "host"}
    | {"server", "computer", "printer", "room", "bed", "group", "type", "province", "district"}
    | {"amphur", "tambon", "changwat", "country", "nation", "religion", "occupation", "company"}
    | {"product", "service", "pttype", "spclty", "diag", "procedure", "operation", "report"}
)

#: The masking rules in words, for the report's documentation tab.
MASKING_RULES: tuple[str, ...] = (
    "Column names are split into lower-case words at '_', '-', spaces and camelCase; a column "
    "is an identifier when one word (or two neighbouring words) is on the list below. Whole "
    "words only: 'hn' is masked, 'hname' (hospital name) is not; 'cid' is, 'uric_acid' is not.",
    "cid (citizen ID): cid, citizen_id, national_id, id_card, passport, passport_no, "
    "father_cid… — masked as 1-2345-xxxxx-xx-3 (the card's first group, the next four digits "
    "and the check digit kept); anything not 13 digits becomes one 'x' per character.",
    "hn (hospital number): hn, pid, mrn, person_id, patient_id — all but the last 2 "
    "characters become 'x'.",
    "name: name, fname, lname, mname, first_name, surname, fullname, informname, fathername… "
    "— the first character is kept, then 'xxx'. A bare 'name' counts as a person's name "
    "(HOSxP keeps doctors' and users' names there) unless a word such as drug, ward, "
    "clinic, icd or hospital stands next to it. The title (pname: นาย, นาง) is not masked: "
    "it identifies nobody and shows the sex and age-group split.",
    "phone: tel, phone, mobile, hometel, informtel, worktel… — only the last 2 digits kept.",
    "address: addr, address, addrpart (house number), moopart (village number), road, soi, "
    "street, informaddr… — replaced by 'xxx'. Sub-district, district and province codes "
    "(tmbpart, amppart, chwpart) are kept: they locate thousands of people, not one.",
    "email: email, mail, e_mail — the part before '@' becomes 'xxx', the domain is kept.",
    "Values decide too: when at least half of a column's sample values are valid Thai citizen "
    "IDs (13 digits whose last digit is the checksum (11 − Σ dᵢ×(13−i)) mod 11 mod 10), the "
    "column is a cid column whatever its name; likewise for e-mail addresses and Thai phone "
    "numbers (0 followed by 8–9 digits, or +66…).",
    "Safety net: in every column, masked or not, any 13-digit run that passes the citizen-ID "
    "checksum (also written 1-2345-67890-12-3) is masked as a cid inside the text.",
    "Masking applies to sample values, top-5 values, minimum and maximum; counts are kept.",
)

_WORD_SPLIT = re.compile(r"[^0-9A-Za-z]+|(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s\-().]")
# A citizen ID in free text: 13 digits, optionally grouped 1-2345-67890-12-3, not part of a
# longer number.
_CID_IN_TEXT = re.compile(r"(?<!\d)\d[- ]?\d{4}[- ]?\d{5}[- ]?\d{2}[- ]?\d(?!\d)")
_MASKED_CID = re.compile(r"^\d-\d{4}-xxxxx-xx-\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_THAI_PHONE = re.compile(r"^(?:0[1-9]\d{7,8}|\+66[1-9]\d{7,8})$")


def is_valid_cid(value: str) -> bool:
    """Whether `value` is a Thai citizen ID (dashes and spaces between groups allowed)."""
    return cid_checksum_ok(_SEPARATORS.sub("", value.strip()))


def name_words(column_name: str) -> list[str]:
    """`informTel_2` → ['inform', 'tel', '2']: the lower-case words a column name is made of."""
    return [word.lower() for word in _WORD_SPLIT.split(column_name) if word]


def phi_kind(column_name: str, sample_values: Iterable[str] = ()) -> str | None:
    """Which kind of personal identifier a column holds ("cid", "hn", "name", "phone",
    "address", "email"), or None. See `MASKING_RULES` for the rules.

    Args:
        column_name: The column's name as the database spells it.
        sample_values: Some of its values (samples, top values); None and empty ones are ignored.
    """
    by_name = _kind_from_name(column_name)
    by_values = _kind_from_values(sample_values)
    # A column named like an HN but filled with citizen IDs is reported (and masked) as cid.
    if by_values == "cid" and by_name in (None, "hn"):
        return "cid"
    return by_name or by_values


def _kind_from_name(column_name: str) -> str | None:
    words = name_words(column_name)
    for kind, tokens in _NAME_TOKENS.items():
        for word in words:
            if word in tokens and not (word == "name" and _THING_WORDS.intersection(words)):
                return kind
    for pair in zip(words, words[1:], strict=False):
        if pair in _NAME_PAIRS and not (pair[1] == "name" and _THING_WORDS.intersection(words)):
            return _NAME_PAIRS[pair]
    return None


def _kind_from_values(values: Iterable[str]) -> str | None:
    seen = [value.strip() for value in values if value is not None and value.strip()]
    if not seen:
        return None
    # "At least half" tolerates the odd dirty value without letting one stray number decide.
    for kind, test in (("cid", is_valid_cid), ("email", _EMAIL.match), ("phone", _is_phone)):
        if 2 * sum(1 for value in seen if test(value)) >= len(seen):
            return kind
    return None


def _is_phone(value: str) -> bool:
    return bool(_THAI_PHONE.match(_SEPARATORS.sub("", value)))


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
            _mask_column(column)
    masked.masked = True
    return masked


def _mask_column(column: ColumnProfile) -> None:
    if column.masked:
        # Masked before: masking again would blur the mask (a scrubbed note column would be
        # taken for a cid column). The safety net still runs; it changes nothing twice.
        _apply(column, scrub_cids)
        return
    evidence = [*column.sample_values, *(top.value for top in column.top_values)]
    kind = column.phi_kind or phi_kind(column.name, evidence)
    # The safety net runs after a kind's mask too: an e-mail keeps its domain, which could
    # itself hold an ID.
    mask = (lambda value: scrub_cids(mask_value(kind, value))) if kind else scrub_cids
    before = _values_of(column)
    _apply(column, mask)
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
