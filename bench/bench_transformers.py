"""Throughput of every registered data transformer on a realistic 1,000,000-value column.

Prints, per transformer, the best of three runs of `run_transformer` in values per second, and
whether TRIM and BUDDHIST_TO_ISO reach a million values per second.

    python bench/bench_transformers.py [--size 1000000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data_transformers.registry import run_transformer, transformers  # noqa: E402
from mini_his import vocab  # noqa: E402
from mini_his.dirty import buddhist_text, digits_text, pick, thai_cids  # noqa: E402

TARGET = 1_000_000  # values per second
Column = tuple[pd.Series, dict]


def _days(rng: np.random.Generator, size: int) -> np.ndarray:
    """Visit-like days over 1950-2025."""
    return np.datetime64("1950-01-01") + rng.integers(0, 27_000, size).astype("timedelta64[D]")


def _pad(rng: np.random.Generator, texts: np.ndarray, share: float) -> np.ndarray:
    """A share of the texts with spaces around them, as typed at a counter."""
    return np.where(
        rng.random(len(texts)) < share, np.char.add(np.char.add(" ", texts), " "), texts
    )


def _floatify(rng: np.random.Generator, codes: np.ndarray, share: float) -> np.ndarray:
    return np.where(rng.random(len(codes)) < share, np.char.add(codes, ".0"), codes)


def _columns(rng: np.random.Generator, size: int) -> dict[str, Callable[[], Column]]:
    """How to build each transformer's column (built lazily: one in memory at a time)."""
    words = np.array([*vocab.STAFF, *vocab.LAST, "Paracetamol 500 mg", "ไข้ ไอ\tน้ำมูก"])
    thai = np.array([f"{f} {last}" for f in vocab.MALE_FIRST for last in vocab.LAST])
    broken = np.array([t.encode("cp874").decode("latin-1") for t in thai])
    icd = np.array([*vocab.ICD10, *(f"{c[:3]}.{c[3:]}" for c in vocab.ICD10 if len(c) > 3)])
    pnames = np.array(["นาย", "นาง", "น.ส.", "ด.ช.", "ด.ญ."])
    jsons = np.array(
        [
            json.dumps({"symptoms": list(vocab.SYMPTOMS[:n]), "pain_score": p})
            for n in range(6)
            for p in range(11)
        ]  # fmt: skip
    )
    iso_days = lambda: np.datetime_as_string(_days(rng, size), unit="D")  # noqa: E731
    text = lambda values: pd.Series(values, dtype="str")  # noqa: E731
    return {
        "TRIM": lambda: (text(_pad(rng, pick(rng, words, size).astype(str), 0.05)), {}),
        "UPPER": lambda: (text(pick(rng, words, size).astype(str)), {}),
        "LOWER": lambda: (text(pick(rng, words, size).astype(str)), {}),
        "NORMALIZE_WHITESPACE": lambda: (text(pick(rng, words, size).astype(str)), {}),
        "REPAIR_THAI_ENCODING": lambda: (
            text(np.where(rng.random(size) < 0.5, pick(rng, broken, size), pick(rng, thai, size))),
            {},
        ),
        "BUDDHIST_TO_ISO": lambda: (text(buddhist_text(_days(rng, size))), {}),
        "ISO_TO_BUDDHIST": lambda: (text(iso_days()), {}),
        "DATE_FORMAT": lambda: (text(iso_days()), {"format": "%d/%m/%Y"}),
        "CID_FORMAT": lambda: (text(thai_cids(rng, size, invalid_share=0.03)), {}),
        "HN_PAD": lambda: (
            text(_floatify(rng, rng.integers(1, 10**6, size).astype(str), 0.05)),
            {},
        ),
        "ICD10_NORMALIZE": lambda: (text(pick(rng, icd, size).astype(str)), {}),
        "SEX_CODE": lambda: (text(pick(rng, ("1", "2", "ชาย", "หญิง", "M", "F"), size)), {}),
        "SPLIT_THAI_NAME": lambda: (
            text(
                np.char.add(pick(rng, pnames, size).astype(str), pick(rng, thai, size).astype(str))
            ),
            {"part": "last"},
        ),
        "PRENAME_NORMALIZE": lambda: (text(pick(rng, pnames, size).astype(str)), {}),
        "FLOAT_TO_INT": lambda: (
            text(
                _floatify(
                    rng, pick(rng, ("10669", "10670", "11251", "10954"), size).astype(str), 0.05
                )
            ),
            {},
        ),
        "TO_NUMERIC": lambda: (
            text(np.char.mod("%.2f", rng.lognormal(5.5, 1.0, size))),
            {},
        ),
        "TO_BOOLEAN": lambda: (text(pick(rng, ("Y", "N", "1", "0"), size)), {}),
        "PARSE_JSON": lambda: (text(pick(rng, jsons, size).astype(str)), {}),
        "VALUE_MAP": lambda: (
            text(pick(rng, [code for code, *_ in vocab.PTTYPES], size).astype(str)),
            {"mapping": {code: f"T{code}" for code, *_ in vocab.PTTYPES}},
        ),
    }


def _extra_columns(rng: np.random.Generator, size: int) -> dict[str, Callable[[], Column]]:
    """Harder shapes of the Buddhist-date column: object input, mostly distinct values."""
    seconds = rng.integers(0, 86_400, size).astype("timedelta64[s]")
    stamps = _days(rng, size).astype("datetime64[s]") + seconds
    clock = np.datetime_as_string(stamps, unit="s").astype("U19")
    be = np.char.add(np.char.add(buddhist_text(stamps.astype("datetime64[D]")), " "),
                     np.char.partition(clock, "T")[:, 2])  # fmt: skip
    return {
        "BUDDHIST_TO_ISO (object dtype, as read by a driver)": lambda: (
            pd.Series(buddhist_text(_days(rng, size)).astype(object), dtype=object),
            {},
        ),
        "BUDDHIST_TO_ISO (datetimes, mostly distinct)": lambda: (pd.Series(be, dtype="str"), {}),
        "BUDDHIST_TO_ISO ('14/03/2566', all slow-shape)": lambda: (
            pd.Series(
                np.char.add(digits_text(rng.integers(1, 29, size), 2), "/03/2566"), dtype="str"
            ),
            {},
        ),
    }


def best_rate(name: str, values: pd.Series, params: dict) -> tuple[float, int]:
    """Values per second of the best of three runs, and the failures of the last."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        outcome = run_transformer(name, values, params)
        best = min(best, time.perf_counter() - start)
    return len(values) / best, outcome.failure_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    size = parser.parse_args().size
    rng = np.random.default_rng(7)
    columns = _columns(rng, size)
    missing = set(transformers.names()) - {name.lower() for name in columns}
    if missing:
        sys.exit(f"no bench column for: {', '.join(sorted(missing))}")
    rates: dict[str, float] = {}
    print(f"{'transformer':<52} {'values/s':>14} {'failed':>9}")
    for label, build in {**columns, **_extra_columns(rng, size)}.items():
        values, params = build()
        rate, failures = best_rate(label.split(" ")[0], values, params)
        rates[label] = rate
        print(f"{label:<52} {rate:>14,.0f} {failures:>9,}")
    for name in ("TRIM", "BUDDHIST_TO_ISO"):
        print(f"{name} ≥ 1M/s: {'yes' if rates[name] >= TARGET else 'no'}")


if __name__ == "__main__":
    main()
