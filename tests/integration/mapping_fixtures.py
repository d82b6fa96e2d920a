"""A HOSxP-like `patient` table (MariaDB) and a 43-file-like `person` table (PostgreSQL) for the
mapping-suggestion tests, and the values a migration between them must write, worked out here
independently of the transformers."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from sqlalchemy.engine import URL

from models.mapping_suggestion import Suggestion
from services.context import ServiceContext
from tests.factories import register_server
from tests.integration.migration_fixtures import execute


def citizen_id(first_twelve: str) -> str:
    """A valid 13-digit Thai citizen ID: the check digit is (11 - Σ dᵢ·(13-i) mod 11) mod 10."""
    total = sum(int(digit) * (13 - i) for i, digit in enumerate(first_twelve))
    return first_twelve + str((11 - total % 11) % 10)


def dashed(cid: str) -> str:
    """'1101700203450' → '1-1017-00203-45-0', as HOSxP screens store it."""
    return f"{cid[0]}-{cid[1:5]}-{cid[5:10]}-{cid[10:12]}-{cid[12]}"


#: (hn, cid, pname, fname, lname, sex, birthday in the Buddhist era, queue_no)
PATIENTS = [
    (1, citizen_id("110170020345"), "นาย", "สมชาย", "ใจดี", "M", "2530-01-02", 17),
    (23, citizen_id("310050012237"), "นาง", "มาลี", "ศรีสุข", "F", "2518-12-01", 4),
    (456, citizen_id("150990034561"), "นางสาว", "นิรันดร์", "รักไทย", "F", "2545-06-30", 9),
    (7890, citizen_id("120010000876"), "นาย", "ประเสริฐ", "มั่นคง", "M", "2500-02-28", 31),
    (12345, citizen_id("340010045672"), "นาง", "สุดา", "พรหมมา", "F", "2522-11-15", 2),
    (678901, citizen_id("170030009871"), "นาย", "วิชัย", "แก้วมณี", "M", "2563-07-07", 12),
    (2345678, citizen_id("510060078345"), "นางสาว", "อรุณี", "ทองดี", "F", "2540-03-21", 25),
    (99, citizen_id("110020034512"), "ด.ช.", "ภูมิ", "สายชล", "M", "2560-09-09", 8),
]


def create_patient(url: URL, table: str = "patient") -> None:
    """`table` as HOSxP keeps it: an integer HN (its leading zeros lost), dashed citizen IDs,
    sex as M/F, Buddhist-era birthdays as text, a column nobody filled, a queue number."""
    rows = ", ".join(
        f"({hn}, '{dashed(cid)}', '{pname}', '{fname}', '{lname}', '{sex}', '{birthday}', "
        f"NULL, {queue})"
        for hn, cid, pname, fname, lname, sex, birthday, queue in PATIENTS
    )
    execute(
        url,
        f"CREATE TABLE {table} (hn INT PRIMARY KEY, cid VARCHAR(17), pname VARCHAR(25), "
        "fname VARCHAR(100), lname VARCHAR(100), sex CHAR(1), birthday VARCHAR(10), "
        "old_flag VARCHAR(1), queue_no INT)",
        f"INSERT INTO {table} VALUES {rows}",
    )


#: Prefixes the target's rows already use (every one the source has: no VALUE_MAP is needed).
PRENAMES = ("นาย", "นาง", "นางสาว", "ด.ช.")
#: Rows the target already holds, more than a code set has values, except SEX ('1', '2') and
#: PRENAME: those two are code sets.
EXISTING_PERSONS = [
    (
        f"9000000{n:02d}",
        citizen_id(f"3609900{n:05d}"),
        PRENAMES[n % len(PRENAMES)],
        f"ชื่อ{n}",
        f"สกุล{n}",
        "12"[n % 2],
        datetime.date(1950 + n, 1 + n % 12, 1 + n % 28),
    )
    for n in range(30)  # more values than a code set holds (20)
]


def create_person(url: URL, existing: int = len(EXISTING_PERSONS)) -> None:
    """The 43-file PERSON table (upper-case names, as the standard spells them) holding the
    first `existing` rows of EXISTING_PERSONS."""
    rows = ", ".join(
        f"('{hn}', '{cid}', '{prename}', '{name}', '{lname}', '{sex}', '{birth.isoformat()}')"
        for hn, cid, prename, name, lname, sex, birth in EXISTING_PERSONS[:existing]
    )
    execute(
        url,
        'CREATE TABLE person ("HN" VARCHAR(15) PRIMARY KEY, "CID" VARCHAR(13), '
        '"PRENAME" VARCHAR(25), "NAME" VARCHAR(100), "LNAME" VARCHAR(100), "SEX" CHAR(1), '
        '"BIRTH" DATE)',
        f"INSERT INTO person VALUES {rows}",
    )


def christian(birthday: str) -> datetime.date:
    """'2530-01-02' (Buddhist era) → date(1987, 1, 2)."""
    year, month, day = (int(part) for part in birthday.split("-"))
    return datetime.date(year - 543, month, day)


#: What the migrated PERSON rows must hold: (HN, CID, SEX, BIRTH), HN order.
EXPECTED_PERSONS = sorted(
    (f"{hn:09d}", cid, {"M": "1", "F": "2"}[sex], christian(birthday))
    for hn, cid, _, _, _, sex, birthday, _ in PATIENTS
)

#: The clear columns' targets, and what the suggester must say about the rest.
EXPECTED_TARGETS = {
    "hn": "HN",
    "cid": "CID",
    "fname": "NAME",
    "lname": "LNAME",
    "sex": "SEX",
    "birthday": "BIRTH",
    "old_flag": None,
    "queue_no": None,
}
EXPECTED_TRANSFORMERS = {
    "hn": "HN_PAD",
    "cid": "CID_FORMAT",
    "sex": "SEX_CODE",
    "birthday": "BUDDHIST_TO_ISO",
}


def targets_of(suggestions: Iterable[Suggestion]) -> dict[str, str | None]:
    """Each source column's suggested target."""
    return {s.source_column: s.target_column for s in suggestions}


def transformers_of(suggestions: Iterable[Suggestion]) -> dict[str, list[str]]:
    """Each source column's suggested transformers, by name, in the order they run."""
    return {s.source_column: [t.name for t in s.transformers] for s in suggestions}


def register_hosxp_and_hdc(ctx: ServiceContext, mysql: URL, pg: URL, *, existing: int = 30) -> None:
    """`patient` in MariaDB as datasource `hosxp`, `person` in PostgreSQL as `hdc`."""
    create_patient(mysql)
    create_person(pg, existing)
    register_server(ctx, "hosxp", mysql)
    register_server(ctx, "hdc", pg)
