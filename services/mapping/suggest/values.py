"""What a column's sample values look like: dates in which calendar and layout, citizen IDs
that pass the checksum, ICD-10 shapes, numbers in which range, JSON, TIS-620 mojibake…

Each finding counts the samples it holds for, so a reason can say "25xx years in 8/8 samples".
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from models.mapping_suggestion import ColumnSpec
from services.mapping.suggest.names import THAI

_CLOCK = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
#: Date layouts, each with the name a reason shows.
DATE_LAYOUTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("YYYY-MM-DD", re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _CLOCK + "$")),
    ("DD/MM/YYYY", re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})" + _CLOCK + "$")),
    ("DD-MM-YYYY", re.compile(r"^(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})" + _CLOCK + "$")),
    ("DD.MM.YYYY", re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})" + _CLOCK + "$")),
    ("YYYY/MM/DD", re.compile(r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})" + _CLOCK + "$")),
    ("YYYYMMDD", re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")),
    (
        "D Thai-month YYYY",
        re.compile(r"^(?P<d>\d{1,2})\s*[\u0e00-\u0e7f.]+\s*(?P<y>\d{4})" + _CLOCK + "$"),
    ),
)
ZERO_DATE = re.compile(r"^0000-00-00" + _CLOCK + "$")
TIME = re.compile(r"^(?:[01]?\d|2[0-3])[:.][0-5]\d(?::[0-5]\d(?:\.\d+)?)?$")
ICD10 = re.compile(r"^[A-Za-z]\d{2}(?:\.?[0-9A-Za-z]{1,4})?$")
ICD10_CANONICAL = re.compile(r"^[A-Z]\d{2}(?:\.[0-9A-Z]{1,4})?$")
INTEGER = re.compile(r"^[+-]?\d+$")
FLOAT_INT = re.compile(r"^[+-]?\d+\.0+$")
NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")
CID_SEPARATORS = re.compile(r"[\s-]")
# Thai TIS-620 bytes read as latin-1 land in U+00A1–U+00FB; real Thai is U+0E00–U+0E7F.
MOJIBAKE = re.compile(r"[\u00a1-\u00fb]")
SEX_WORDS = frozenset({"m", "f", "male", "female", "ช", "ญ", "ชาย", "หญิง", "man", "woman"})
#: A small code set: this many distinct values or fewer.
SMALL_CODE_SET = 20  # the one bound: source, target and evidence alike


@dataclass(slots=True)
class ValueFindings:
    """Counts over a column's samples (`n` of them), and what they add up to."""

    n: int = 0
    buddhist_dates: int = 0
    christian_dates: int = 0
    date_layouts: dict[str, int] = field(default_factory=dict)
    with_clock: int = 0
    zero_dates: int = 0
    times: int = 0
    citizen_ids: int = 0
    citizen_ids_with_separators: int = 0
    icd10: int = 0
    icd10_messy: int = 0
    integers: int = 0
    float_ints: int = 0
    numbers: int = 0
    low: float | None = None
    high: float | None = None
    json_values: int = 0
    mojibake: int = 0
    padded: int = 0
    sex_words: int = 0
    distinct: int = 0
    digit_lengths: frozenset[int] = frozenset()
    code_values: tuple[str, ...] = ()
    all_empty: bool = False
    phi_kind: str | None = None

    def share(self, count: int) -> float:
        """`count` as a share of the samples (0 when there are none)."""
        return count / self.n if self.n else 0.0

    def of(self, count: int) -> str:
        """'8/8 samples'."""
        return f"{count}/{self.n} samples"

    @property
    def main_layout(self) -> str | None:
        """The date layout most samples have."""
        if not self.date_layouts:
            return None
        return max(self.date_layouts.items(), key=lambda item: item[1])[0]

    @property
    def dates(self) -> int:
        """Samples that are dates (either calendar) or zero dates."""
        return self.buddhist_dates + self.christian_dates + self.zero_dates

    def kind(self) -> str | None:
        """The value kind most samples share (a dictionary kind), or None."""
        if self.phi_kind in {"cid", "hn", "name", "phone", "address", "email"}:
            return {"cid": "citizen_id"}.get(self.phi_kind, self.phi_kind)
        if not self.n:
            return None
        ranked = (
            (self.citizen_ids, "citizen_id"),
            (self.dates, "datetime" if self.with_clock > self.n / 2 else "date"),
            (self.times, "time"),
            (self.json_values, "json"),
            (self.icd10, "icd10"),
        )
        count, kind = max(ranked, key=lambda item: item[0])
        if count and count >= 0.6 * self.n:
            return kind
        if self.numbers >= 0.8 * self.n:
            return "number"
        return "text"


def _calendar_year(match: re.Match[str]) -> int | None:
    groups = match.groupdict()
    # A Thai month name has no number: the pattern only accepts Thai letters there.
    month = int(groups["m"]) if groups.get("m") else 1
    day, year = int(match["d"]), int(match["y"])
    return year if 1 <= month <= 12 and 1 <= day <= 31 else None


def _is_citizen_id(text: str) -> bool:
    digits = CID_SEPARATORS.sub("", text)
    if len(digits) != 13 or not digits.isdigit():
        return False
    total = sum(int(digits[i]) * (13 - i) for i in range(12))
    return (11 - total % 11) % 10 == int(digits[12])


def _is_mojibake(text: str) -> bool:
    if THAI.search(text) or not MOJIBAKE.search(text):
        return False
    try:
        repaired = text.encode("latin-1").decode("cp874")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return bool(THAI.search(repaired))


def _is_json(text: str) -> bool:
    if text[:1] not in "{[":
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def find_values(column: ColumnSpec) -> ValueFindings:
    """What `column`'s samples (and its statistics) show."""
    samples: Sequence[str] = [s for s in column.samples if s is not None and str(s) != ""]
    found = ValueFindings(n=len(samples))
    stats = column.stats
    if stats is not None:
        found.all_empty = stats.all_empty and not samples
        found.phi_kind = stats.phi_kind
    digit_lengths: set[int] = set()
    for raw in samples:
        text = str(raw)
        value = text.strip()
        if value != text:
            found.padded += 1
        _read_one(found, value, digit_lengths)
    found.digit_lengths = frozenset(digit_lengths)
    distinct_values = sorted({str(s).strip() for s in samples})
    found.distinct = len(distinct_values)
    if stats is not None and stats.top_values:
        distinct_values = sorted(
            {value.strip() for value, _ in stats.top_values} | set(distinct_values)
        )
    known_distinct = stats.distinct if stats is not None and stats.distinct is not None else None
    if (known_distinct if known_distinct is not None else found.distinct) <= SMALL_CODE_SET:
        found.code_values = tuple(distinct_values)
    return found


def _read_one(found: ValueFindings, value: str, digit_lengths: set[int]) -> None:
    if ZERO_DATE.match(value):
        found.zero_dates += 1
        return
    for layout, pattern in DATE_LAYOUTS:
        match = pattern.match(value)
        if match is None:
            continue
        year = _calendar_year(match)
        if year is None:
            continue
        if 2400 <= year <= 2700:
            found.buddhist_dates += 1
        elif 1800 <= year <= 2200:
            found.christian_dates += 1
        else:
            break
        found.date_layouts[layout] = found.date_layouts.get(layout, 0) + 1
        if len(value) > 10 and ":" in value:
            found.with_clock += 1
        return
    if TIME.match(value):
        found.times += 1
        return
    if _is_citizen_id(value):
        found.citizen_ids += 1
        found.citizen_ids_with_separators += bool(CID_SEPARATORS.search(value))
        return
    if INTEGER.match(value) or FLOAT_INT.match(value):
        digit_lengths.add(len(value.lstrip("+-").split(".")[0]))
    if ICD10.match(value) and not INTEGER.match(value):
        found.icd10 += 1
        found.icd10_messy += not ICD10_CANONICAL.match(value)
    if NUMBER.match(value):
        found.numbers += 1
        found.integers += bool(INTEGER.match(value))
        found.float_ints += bool(FLOAT_INT.match(value))
        number = float(value)
        found.low = number if found.low is None else min(found.low, number)
        found.high = number if found.high is None else max(found.high, number)
    if _is_json(value):
        found.json_values += 1
    if _is_mojibake(value):
        found.mojibake += 1
    if value.lower() in SEX_WORDS:
        found.sex_words += 1
