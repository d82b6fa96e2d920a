"""Reading Buddhist-era dates in the shapes a legacy HIS stores them (shared by `dates`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

BUDDHIST_OFFSET = 543
NOT_A_DATE = "not a date"

# The dominant shape, handled by slicing: '2566-03-14', '2566-03-14 08:15:00', '...T08:15'.
ISO_SHAPE = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$"
_CLOCK = r"(?:[ T]+(?P<clock>\d{1,2}:\d{2}(?::\d{2})?))?"
# Everything else, tried in turn on the rows still unread (a handful in a real column).
_OTHER_SHAPES = (
    r"^(?P<day>\d{1,2})[/.\-](?P<month>\d{1,2})[/.\-](?P<year>\d{4})" + _CLOCK + "$",
    r"^(?P<year>\d{4})[/.\-](?P<month>\d{1,2})[/.\-](?P<day>\d{1,2})" + _CLOCK + "$",
    r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$",
    r"^(?P<day>\d{1,2})\s*(?P<month>[\u0e00-\u0e7f.]+)\s*(?:พ\.?\s?ศ\.?\s*)?(?P<year>\d{4})"
    + _CLOCK
    + "$",
)
_THAI_MONTHS = (
    ("มกราคม", "มค"),
    ("กุมภาพันธ์", "กพ"),
    ("มีนาคม", "มีค"),
    ("เมษายน", "เมย"),
    ("พฤษภาคม", "พค"),
    ("มิถุนายน", "มิย"),
    ("กรกฎาคม", "กค"),
    ("สิงหาคม", "สค"),
    ("กันยายน", "กย"),
    ("ตุลาคม", "ตค"),
    ("พฤศจิกายน", "พย"),
    ("ธันวาคม", "ธค"),
)
#: Month name or abbreviation (dots removed: 'มี.ค.' → 'มีค') to its two-digit number.
MONTH_NUMBERS = {
    name: f"{number:02d}" for number, names in enumerate(_THAI_MONTHS, start=1) for name in names
}
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_VALID_CLOCK = r"^(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d$"


def shift_iso_shaped(text: pd.Series, years: int) -> tuple[pd.Series, pd.Series]:
    """Rows of ISO shape with the year moved by `years`: ('YYYY-MM-DD', 'HH:MM:SS' or '')."""
    year = text.str.slice(0, 4).astype("int64") + years
    date = (year.astype("str").str.zfill(4) + text.str.slice(4, 10)).astype("str")
    return date, text.str.slice(11).astype("str")


def read_other_shapes(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rows of any other known shape as (Buddhist 'YYYY-MM-DD', clock); NaN where unread."""
    text = text.str.translate(_THAI_DIGITS)
    date = pd.Series(np.nan, index=text.index, dtype="str")
    clock = pd.Series("", index=text.index, dtype="str")
    todo = pd.Series(True, index=text.index)
    for shape in _OTHER_SHAPES:
        if not todo.any():
            break
        parts = text[todo].str.extract(shape)
        month = parts["month"].str.replace(".", "", regex=False).str.replace(" ", "")
        month = month.where(month.str.isdigit(), month.map(MONTH_NUMBERS))
        found = parts["year"] + "-" + month.str.zfill(2) + "-" + parts["day"].str.zfill(2)
        found = found.dropna()
        date[found.index] = found
        if "clock" in parts:
            clock[found.index] = parts.loc[found.index, "clock"].fillna("")
        todo[found.index] = False
    return date, clock


def tidy_clock(clock: pd.Series) -> pd.Series:
    """'8:15' → '08:15:00': the clock as HH:MM:SS ('' stays '')."""
    clock = clock.where(clock.str.len() != 4, "0" + clock)  # '8:15' read from a DMY shape
    return clock.where(clock.str.len() != 5, clock + ":00")


def check(date: pd.Series, clock: pd.Series) -> pd.Series:
    """True where `date` (Christian era, 'YYYY-MM-DD') is a real day and `clock` a real time."""
    real_day = pd.to_datetime(date, format="%Y-%m-%d", errors="coerce").notna()
    real_time = (clock == "") | clock.str.fullmatch(_VALID_CLOCK).fillna(False).astype(bool)
    return real_day & real_time


def join(date: pd.Series, clock: pd.Series) -> pd.Series:
    """'YYYY-MM-DD', with ' HH:MM:SS' appended where there is a clock."""
    return date.where(clock == "", date + " " + clock)
