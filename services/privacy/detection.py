"""Which columns hold personal identifiers: decided by the column's name, its table and its
values, so that patients' names and citizen IDs are found and drug names and visit numbers
are not."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from utils.thai_cid import cid_checksum_ok
from utils.thai_names import title_spellings

#: The kinds of identifier recognised, each with how its values are masked.
PHI_KINDS = ("cid", "hn", "name", "phone", "address", "email")
#: Share of a column's values that must pass a value test (the citizen-ID checksum, the shape
#: of an e-mail address or a Thai phone number) for the values alone to make it an identifier.
#: "Most", not "a few": a random 13-digit number such as a visit number passes the checksum
#: one time in ten, so a visit-number column has about 10 % of "citizen IDs".
MOST = 0.9

# Whole-token column names per kind. HOSxP glues words together ("informtel", "addrpart"), so
# the common compounds are listed as tokens of their own rather than guessed by substring: a
# substring rule would take `hname` (hospital name) for `hn` and `uric_acid` for `cid`. Thai
# names are tokens too: Thai is written without spaces, so a Thai word is a whole compound.
_NAME_TOKENS: dict[str, frozenset[str]] = {
    "cid": frozenset({"cid", "citizenid", "nationalid", "idcard", "passport", "passportno"})
    | frozenset({"เลขบัตรประชาชน", "บัตรประชาชน", "เลขประจำตัวประชาชน", "เลขที่บัตรประชาชน"}),
    "hn": frozenset({"hn", "pid", "mrn", "personid", "patientid", "เลขประจำตัวผู้ป่วย"}),
    "name": frozenset(
        {"name", "fname", "lname", "mname", "firstname", "lastname", "middlename", "surname"}
        | {"fullname", "ptname", "patientname", "informname", "spsname", "spousename"}
        | {"fathername", "mothername", "couplename", "fatherlname", "motherlname"}
        | {"ชื่อ", "นามสกุล", "ชื่อผู้ป่วย", "ชื่อสกุล", "ชื่อจริง", "ชื่อเต็ม"}
    ),
    "phone": frozenset(
        {"tel", "phone", "mobile", "telephone", "cellphone", "telno", "phoneno", "mobileno"}
        | {"hometel", "informtel", "worktel", "officetel", "mobilephone", "contacttel"}
        | {"เบอร์โทร", "เบอร์โทรศัพท์", "โทรศัพท์", "เบอร์มือถือ", "มือถือ"}
    ),
    "address": frozenset(
        {"addr", "address", "addrpart", "moopart", "road", "soi", "street", "houseno"}
        | {"informaddr", "workaddr", "homeaddr", "homeaddress", "workaddress"}
        | {"ที่อยู่", "บ้านเลขที่"}
    ),
    "email": frozenset({"email", "mail", "อีเมล", "อีเมล์"}),
}
# Two-token spellings: `citizen_id`, `person_id`, `phone_no`…
_NAME_PAIRS: dict[tuple[str, str], str] = {
    ("citizen", "id"): "cid",
    ("national", "id"): "cid",
    ("id", "card"): "cid",
    ("passport", "no"): "cid",
    ("person", "id"): "hn",
    ("patient", "id"): "hn",
    # What an HN is called in new schemas (a mapping's target names reach the test preview).
    ("hospital", "number"): "hn",
    ("hospital", "no"): "hn",
    ("patient", "number"): "hn",
    ("patient", "no"): "hn",
    ("first", "name"): "name",
    ("last", "name"): "name",
    ("e", "mail"): "email",
}
# Name words that say nothing about what is named: `name` is a drug's in `drugitems`, a
# person's in `doctor`. The other name tokens (fname, surname, ชื่อ…) name people.
_AMBIGUOUS_NAMES = frozenset({"name"})
# `name` next to one of these words names a thing, not a person (`drug_name`, `ward_name`);
# so does `name` in a table named after one (`drugitems`, `pttype`, `lab_form`).
_THING_WORDS = frozenset(
    {"drug", "icd", "ward", "hosp", "hospital", "dept", "department", "clinic", "lab", "item"}
    | {"test", "unit", "table", "file", "db", "database", "schema", "column", "field", "host"}
    | {"server", "computer", "printer", "room", "bed", "group", "type", "province", "district"}
    | {"amphur", "tambon", "changwat", "country", "nation", "religion", "occupation", "company"}
    | {"product", "service", "pttype", "spclty", "diag", "procedure", "operation", "report"}
    | {"items", "form", "scheme", "insurance", "inscl", "med", "medicine", "stock", "vaccine"}
)
# Tables of people: their `name` is a person's whatever other word the table name carries.
_PERSON_WORDS = frozenset(
    {"patient", "person", "doctor", "user", "staff", "officer", "employee", "member"}
    | {"relative", "informant", "nurse", "people", "spouse"}
)

_WORD_SPLIT = re.compile(r"[^0-9A-Za-z\u0E00-\u0E7F]+|(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s\-().]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_THAI_PHONE = re.compile(r"^(?:0[1-9]\d{7,8}|\+66[1-9]\d{7,8})$")
# A person's name: words of letters only (Thai, Latin; an apostrophe or a hyphen inside).
_NAME_WORD = re.compile(r"^[\u0E00-\u0E7FA-Za-z][\u0E00-\u0E7FA-Za-z'.\-]*$")
_TITLES = tuple(title_spellings())


def is_valid_cid(value: str) -> bool:
    """Whether `value` is a Thai citizen ID (dashes and spaces between groups allowed)."""
    return cid_checksum_ok(_SEPARATORS.sub("", value.strip()))


def is_phone(value: str) -> bool:
    """Whether `value` is a Thai phone number (0 and 8–9 digits, or +66…; separators allowed)."""
    return bool(_THAI_PHONE.match(_SEPARATORS.sub("", value)))


def name_words(column_name: str) -> list[str]:
    """`informTel_2` → ['inform', 'tel', '2']: the lower-case words a column name is made of."""
    return [word.lower() for word in _WORD_SPLIT.split(column_name) if word]


def phi_kind(
    column_name: str, sample_values: Iterable[str] = (), table_name: str | None = None
) -> str | None:
    """Which kind of personal identifier a column holds ("cid", "hn", "name", "phone",
    "address", "email"), or None. See `MASKING_RULES` for the rules.

    Args:
        column_name: The column's name as the database spells it.
        sample_values: Some of its values (samples, top values); None and empty ones are ignored.
        table_name: The column's table, which tells a person's `name` from a drug's.
    """
    values = present(sample_values)
    by_name = _kind_from_name(column_name, table_name, values)
    by_values = _kind_from_values(values)
    # A column named like an HN but filled with citizen IDs is reported (and masked) as cid.
    if by_values == "cid" and by_name in (None, "hn"):
        return "cid"
    return by_name or by_values


def present(values: Iterable[object]) -> list[str]:
    """The values that carry something, as stripped text (None and blanks left out)."""
    texts = (
        value if isinstance(value, str) else str(value) for value in values if value is not None
    )
    return [text.strip() for text in texts if text.strip()]


def share(values: Sequence[str], test: Callable[[str], object]) -> float:
    """The fraction of `values` that pass `test` (0 when there are none)."""
    return sum(1 for value in values if test(value)) / len(values) if values else 0.0


def _kind_from_name(column_name: str, table_name: str | None, values: list[str]) -> str | None:
    words = name_words(column_name)
    for kind, tokens in _NAME_TOKENS.items():
        for word in words:
            if word in tokens and (
                kind != "name" or _names_people(word, words, table_name, values)
            ):
                return kind
    for pair in zip(words, words[1:], strict=False):
        # Judged as the compound it spells ("firstname"), not as its bare last word: a
        # `first_name` holding given names alone ("สมศักดิ์") is a person's name all the same.
        if pair in _NAME_PAIRS and (
            _NAME_PAIRS[pair] != "name" or _names_people("".join(pair), words, table_name, values)
        ):
            return _NAME_PAIRS[pair]
    return None


def _names_people(word: str, words: list[str], table_name: str | None, values: list[str]) -> bool:
    """Whether a column whose name says "name" holds people's names, by its table and values."""
    if _THING_WORDS.intersection(words):
        return False  # drug_name, ward_name, form_name
    if word not in _AMBIGUOUS_NAMES:
        return True  # fname, surname, ชื่อ: people's names whatever their values
    if values and share(values, _titled) >= 0.5:
        return True  # 'นพ.สมชาย ใจดี': a title is a person's, whatever the table
    if table_name is not None and _is_thing_table(table_name):
        return False  # pttype.name 'ประกันสังคม', drugitems.name 'ORS sachet'
    if values:
        # A bare `name` of a person holds the whole name, given + family, in letters; single
        # words and words with digits name things (a lab form 'เคมีคลินิก', a scheme
        # 'ชำระเงินเอง', a drug 'Paracetamol 500 mg').
        return share(values, _given_and_family) >= 0.5
    return True  # no values to go by: a person's name is the cautious guess


def _kind_from_values(values: list[str]) -> str | None:
    for kind, test in (("cid", is_valid_cid), ("email", _EMAIL.match), ("phone", is_phone)):
        if values and share(values, test) >= MOST:
            return kind
    return None


def _is_thing_table(table_name: str) -> bool:
    words = name_words(table_name)

    # Table names glue words too (`drugitems`, `opduser`): a word counts when it begins or ends
    # with a listed one of four letters or more.
    def has(listed: frozenset[str], word: str) -> bool:
        return word in listed or any(
            len(item) >= 4 and (word.startswith(item) or word.endswith(item)) for item in listed
        )

    if any(has(_PERSON_WORDS, word) for word in words):
        return False
    return any(has(_THING_WORDS, word) for word in words)


def _titled(value: str) -> bool:
    return value.startswith(_TITLES)


def _given_and_family(value: str) -> bool:
    for title in _TITLES:
        if value.startswith(title):
            value = value[len(title) :]
            break
    words = value.split()
    return 2 <= len(words) <= 4 and all(_NAME_WORD.match(word) for word in words)
