"""Vectorised building blocks: fixed-width codes, Thai citizen IDs, Buddhist dates, and the dirt
a legacy HIS collects (blanks beside NULLs, stray spaces, codes that went through a float)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import time
from decimal import Decimal

import numpy as np

BUDDHIST_OFFSET = 543
_CID_WEIGHTS = np.arange(13, 1, -1)  # digit i (0-based) of the first twelve weighs 13 - i


def rows_of(*columns: np.ndarray | list) -> list[tuple]:
    """Row tuples from equally long columns (numpy arrays become Python values)."""
    return list(
        zip(*(c.tolist() if isinstance(c, np.ndarray) else c for c in columns), strict=True)
    )


def digits_text(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded text of `width` digits ('000123')."""
    values = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = ((values[:, None] // powers) % 10 + ord("0")).astype(np.uint8)
    return np.ascontiguousarray(digits).view(f"S{width}").ravel().astype(f"U{width}")


def cid_check_digit(first_twelve: np.ndarray) -> np.ndarray:
    """The thirteenth digit of Thai citizen IDs: (11 - sum(d_i * (13 - i)) mod 11) mod 10."""
    return (11 - (first_twelve * _CID_WEIGHTS).sum(axis=1) % 11) % 10


def thai_cids(rng: np.random.Generator, count: int, invalid_share: float) -> np.ndarray:
    """`count` 13-digit citizen IDs; about `invalid_share` of them fail the checksum."""
    digits = np.empty((count, 13), dtype=np.int64)
    digits[:, 0] = rng.integers(1, 9, count)  # the first digit (person type) is 1-8
    digits[:, 1:12] = rng.integers(0, 10, (count, 11))
    digits[:, 12] = cid_check_digit(digits[:, :12])
    invalid = rng.random(count) < invalid_share
    digits[invalid, 12] = (digits[invalid, 12] + rng.integers(1, 10, invalid.sum())) % 10
    codes = (digits + ord("0")).astype(np.uint8)
    return np.ascontiguousarray(codes).view("S13").ravel().astype("U13")


def buddhist_text(days: np.ndarray) -> np.ndarray:
    """datetime64[D] days as Buddhist-era text: 2023-03-14 -> '2566-03-14' (29 Feb stays)."""
    iso = np.datetime_as_string(days.astype("datetime64[D]"), unit="D").astype("S10")
    chars = iso.view(np.uint8).reshape(-1, 10).copy()
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970 + BUDDHIST_OFFSET
    chars[:, :4] = (years[:, None] // np.array([1000, 100, 10, 1]) % 10 + ord("0")).astype(np.uint8)
    return chars.view("S10").ravel().astype("U10")


def pick(rng: np.random.Generator, choices: Sequence[object], count: int, p=None) -> np.ndarray:
    """`count` draws from `choices` as an object array (values keep their Python types)."""
    table = np.empty(len(choices), dtype=object)
    table[:] = list(choices)
    return table[rng.choice(len(choices), count, p=p)]


def zipf_weights(count: int, exponent: float) -> np.ndarray:
    """Probabilities proportional to 1 / rank**exponent: a few ranks take most draws."""
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return weights / weights.sum()


def as_objects(values: np.ndarray) -> np.ndarray:
    """An object array of Python values (str, int...), ready for dirt and `tolist()`."""
    objects = np.empty(len(values), dtype=object)
    objects[:] = values.tolist()
    return objects


def blank_some(
    rng: np.random.Generator, values: np.ndarray, empty_share: float, null_share: float
) -> np.ndarray:
    """Some values replaced by '' and some by NULL, in the same column."""
    values = as_objects(values) if values.dtype != object else values.copy()
    draw = rng.random(len(values))
    values[draw < empty_share] = ""
    values[(draw >= empty_share) & (draw < empty_share + null_share)] = None
    return values


def pad_some(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    """Some text values with a leading or trailing space (or both), as typed at a counter."""
    values = as_objects(values) if values.dtype != object else values.copy()
    chosen = np.flatnonzero(rng.random(len(values)) < share)
    pads = rng.integers(0, 3, len(chosen))
    for index, pad in zip(chosen.tolist(), pads.tolist(), strict=True):  # only the few chosen
        text = values[index]
        if isinstance(text, str):
            values[index] = (" " + text if pad != 1 else text) + (" " if pad != 0 else "")
    return values


def floatify_some(rng: np.random.Generator, codes: np.ndarray, share: float) -> np.ndarray:
    """Some numeric codes written as floats ('10669' -> '10669.0'), as after an Excel import."""
    codes = as_objects(codes) if codes.dtype != object else codes.copy()
    chosen = np.flatnonzero(rng.random(len(codes)) < share)
    codes[chosen] = [f"{int(code)}.0" for code in codes[chosen]]
    return codes


def decimals(units: np.ndarray, scale: int) -> np.ndarray:
    """Integers counted in 10**-scale (satang, tenths) as Decimal objects: 12345 -> 123.45.

    Builds one Decimal per distinct value, so a million prices cost a few thousand objects.
    """
    distinct, inverse = np.unique(np.asarray(units, dtype=np.int64), return_inverse=True)
    table = np.empty(len(distinct), dtype=object)
    table[:] = [Decimal(int(value)).scaleb(-scale) for value in distinct]
    return table[inverse]


@functools.cache
def _times_of_day() -> np.ndarray:
    table = np.empty(86_400, dtype=object)
    table[:] = [time(s // 3600, s // 60 % 60, s % 60) for s in range(86_400)]
    return table


def times(seconds: np.ndarray) -> np.ndarray:
    """Seconds after midnight (wrapped into one day) as datetime.time objects."""
    return _times_of_day()[np.asarray(seconds, dtype=np.int64) % 86_400]
