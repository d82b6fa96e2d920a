"""Rows of the tables that hang off visits: screening, diagnoses, dispensed items, admissions,
lab orders. Each builder takes a range of parent units (visits, admissions, lab heads)."""

from __future__ import annotations

import functools
import json
from itertools import combinations

import numpy as np

from mini_his import vocab
from mini_his.dirty import blank_some, decimals, digits_text, pick, rows_of, times, zipf_weights
from mini_his.plan import REFERENCE_DAY, Plan, rng_for

Rows = list[tuple]
#: Random stream shared by ipt and iptadm, so an admission's ward and time agree in both.
_ADMISSION_STREAM = 100


def _be_year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[Y]").astype(np.int64) + 1970 + 543


def vn_text(plan: Plan, visits: np.ndarray) -> np.ndarray:
    """HOSxP-style vn of visits: Buddhist yymmdd + a 7-digit running number ('6603140000123')."""
    days = plan.visit_day[visits]
    month_start = days.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (days - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    yymmdd = (_be_year(days) % 100) * 10_000 + month * 100 + day
    return digits_text(yymmdd * 10**7 + visits + 1, 13)


def an_text(plan: Plan, visits: np.ndarray) -> np.ndarray:
    """an of admitted visits: Buddhist yy + the admission's 7-digit running number."""
    number = np.searchsorted(plan.admitted, visits) + 1
    return digits_text((_be_year(plan.visit_day[visits]) % 100) * 10**7 + number, 9)


def _expand(counts: np.ndarray, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(parent of each child row, position within its parent, global index of the first row)."""
    local = counts[start:stop]
    parents = np.repeat(np.arange(start, stop), local)
    firsts = np.repeat(np.cumsum(local) - local, local)
    return parents, np.arange(len(parents)) - firsts, int(counts[:start].sum())


@functools.cache
def _symptom_json() -> np.ndarray:
    # Every JSON text once, by (symptom set, pain score, onset days): picked, never re-dumped.
    sets = (
        [[]]
        + [list(pair) for pair in combinations(vocab.SYMPTOMS[:5], 2)]
        + [[s] for s in vocab.SYMPTOMS]
    )
    texts = [
        json.dumps(
            {"symptoms": chosen, "pain_score": pain, "onset_days": onset}, ensure_ascii=False
        )
        for chosen in sets
        for pain in range(11)
        for onset in range(1, 15)
    ]
    return np.array(texts, dtype=object)


def opdscreen(plan: Plan, rng: np.random.Generator, start: int, stop: int) -> Rows:
    visits = start + np.flatnonzero(plan.screened[start:stop])
    count = len(visits)
    json_texts = _symptom_json()
    symptom = json_texts[rng.integers(0, len(json_texts), count)]
    symptom[rng.random(count) < 0.1] = None
    return rows_of(
        vn_text(plan, visits),
        plan.hn[plan.visit_patient[visits]],
        plan.visit_day[visits],
        rng.integers(90, 181, count),
        rng.integers(50, 111, count),
        rng.integers(50, 121, count),
        decimals(rng.integers(355, 396, count), 1),
        decimals(rng.integers(30, 1200, count), 1),
        decimals(rng.integers(500, 1900, count), 1),
        blank_some(rng, pick(rng, vocab.COMPLAINTS, count), 0.02, 0.05),
        symptom,
    )


def ovstdiag(plan: Plan, rng: np.random.Generator, start: int, stop: int) -> Rows:
    visits, position, first_id = _expand(plan.diag_count, start, stop)
    count = len(visits)
    codes = rng.choice(len(vocab.ICD10), count, p=zipf_weights(len(vocab.ICD10), 1.1))
    plain = np.array(vocab.ICD10, dtype=object)
    dotted = np.array([f"{c[:3]}.{c[3:]}" if len(c) > 3 else c for c in vocab.ICD10], dtype=object)
    return rows_of(
        np.arange(first_id + 1, first_id + count + 1),
        vn_text(plan, visits),
        plan.hn[plan.visit_patient[visits]],
        np.where(rng.random(count) < 0.35, dotted[codes], plain[codes]),  # 'E11.9' beside 'E119'
        np.where(position == 0, "1", np.where(rng.random(count) < 0.7, "4", "2")),
        plan.doctor_code[plan.visit_doctor[visits]],
        plan.visit_day[visits],
    )


def opitemrece(plan: Plan, rng: np.random.Generator, start: int, stop: int) -> Rows:
    visits, _, first_id = _expand(plan.item_count, start, stop)
    count = len(visits)
    prices = drug_prices()
    item = rng.choice(len(prices), count, p=zipf_weights(len(prices), 1.2))
    qty = rng.integers(1, 31, count)
    return rows_of(
        np.arange(first_id + 1, first_id + count + 1),
        vn_text(plan, visits),
        plan.hn[plan.visit_patient[visits]],
        digits_text(1_000_001 + item, 7),
        qty,
        decimals(prices[item], 2),
        decimals(prices[item] * qty, 2),
        plan.visit_day[visits],
        times(plan.visit_seconds[visits] + rng.integers(600, 7200, count)),
        blank_some(rng, pick(rng, vocab.DRUG_USAGE, count), 0.0, 0.05),
    )


def drug_prices() -> np.ndarray:
    """Unit price of each drug item in satang, in icode order (the i-th strength costs more)."""
    return np.array(
        [
            price * (2 + k) // 2
            for _, strengths, _, _, price in vocab.DRUGS
            for k in range(len(strengths))
        ]
    )


def _admission(
    plan: Plan, start: int, stop: int
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]:
    visits = plan.admitted[start:stop]
    count = len(visits)
    regdate = plan.visit_day[visits]
    rng = rng_for(plan.seed, _ADMISSION_STREAM, start)
    # Admitted within hours of the visit, by the end of that day.
    regseconds = np.minimum(
        plan.visit_seconds[visits] + rng.integers(1800, 3 * 3600, count), 86_399
    )
    ward = pick(rng, vocab.WARDS, count)
    return visits, count, regdate, regseconds, ward


def ipt(plan: Plan, rng: np.random.Generator, start: int, stop: int) -> Rows:
    visits, count, regdate, regseconds, ward = _admission(plan, start, stop)
    dchdate = regdate + rng.integers(1, 15, count)
    still_in = dchdate > REFERENCE_DAY
    dchdate_out = dchdate.astype(object)
    dchdate_out[still_in] = None
    dchtime = times(rng.integers(9 * 3600, 17 * 3600, count))
    dchtime[still_in] = None
    return rows_of(
        an_text(plan, visits),
        plan.hn[plan.visit_patient[visits]],
        vn_text(plan, visits),
        regdate,
        times(regseconds),
        dchdate_out,
        dchtime,
        ward,
        np.array([code for code, *_ in vocab.PTTYPES])[plan.visit_pttype[visits]],
        plan.doctor_code[plan.visit_doctor[visits]],
        pick(rng, ("02", "03", "04", "09"), count, p=[0.85, 0.08, 0.05, 0.02]),
        decimals(rng.integers(2000, 40000, count), 4),
    )


def iptadm(plan: Plan, rng: np.random.Generator, start: int, stop: int) -> Rows:
    visits, count, regdate, regseconds, ward = _admission(plan, start, stop)
    return rows_of(
        an_text(plan, visits),
        ward,
        digits_text(rng.integers(100, 400, count), 3),
        blank_some(rng, rng.integers(1, 30, count).astype(str), 0.05, 0.0),
        regdate,
        times(regseconds),
    )


def lab_head(plan: Plan, rng: np.random.Generator, start: int, stop: int) -> Rows:
    visits = plan.lab_visits[start:stop]
    count = len(visits)
    ordered = plan.visit_day[visits].astype("datetime64[s]") + plan.visit_seconds[visits]
    ordered = ordered + rng.integers(600, 3600, count)
    confirmed = rng.random(count) < 0.9
    report = (ordered + rng.integers(3600, 6 * 3600, count)).astype(object)
    report[~confirmed] = None
    return rows_of(
        np.arange(start + 1, stop + 1),
        vn_text(plan, visits),
        plan.hn[plan.visit_patient[visits]],
        ordered.astype("datetime64[D]"),
        times((ordered - ordered.astype("datetime64[D]")).astype(np.int64)),
        pick(rng, vocab.LAB_FORMS, count),
        plan.doctor_code[plan.visit_doctor[visits]],
        np.where(confirmed, "Y", "N"),
        report,
    )


def lab_order(plan: Plan, rng: np.random.Generator, start: int, stop: int) -> Rows:
    heads, position, _ = _expand(plan.lab_item_count, start, stop)
    count = len(heads)
    items = len(vocab.LAB_ITEMS)
    # Consecutive items from a random start: distinct within an order, as the key demands.
    first_item = rng.integers(0, items, stop - start)
    item = (first_item[heads - start] + position) % items
    kinds = np.array([kind for *_, kind in vocab.LAB_ITEMS])[item]
    numbers = np.round(rng.lognormal(1.5, 0.8, count), 1).astype(str)
    posneg = pick(rng, ("Negative", "Positive", "Trace", "neg"), count, p=[0.7, 0.15, 0.1, 0.05])
    texts = pick(rng, vocab.LAB_TEXT_RESULTS, count)
    result = np.where(kinds == "num", numbers, np.where(kinds == "posneg", posneg, texts))
    return rows_of(
        heads + 1,
        np.array([code for code, *_ in vocab.LAB_ITEMS])[item],
        blank_some(rng, result, 0.03, 0.02),
        np.array([normal for _, _, normal, _ in vocab.LAB_ITEMS], dtype=object)[item],
        np.where(rng.random(count) < 0.95, "Y", "N"),
    )
