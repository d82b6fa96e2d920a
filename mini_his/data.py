"""Deterministic mini_his rows for a seed: reference tables, patients and visits (ovst).

`MiniHisData(patients=..., seed=...).chunks("ovst")` yields lists of row tuples (values in the
schema's column order) built column-wise with numpy, a chunk at a time; children of visits are
built in `mini_his.clinical`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from mini_his import clinical, vocab
from mini_his.clinical import drug_prices
from mini_his.dirty import (
    blank_some,
    buddhist_text,
    decimals,
    digits_text,
    floatify_some,
    pad_some,
    pick,
    rows_of,
    thai_cids,
    times,
)
from mini_his.plan import FIRST_VISIT_DAY, MAX_VISITS, REFERENCE_DAY, Plan, make_plan, rng_for
from mini_his.schema import TABLE_NAMES, metadata

Rows = list[tuple]
#: Rows (or parent rows, for child tables) per chunk.
CHUNK_ROWS = 100_000
_HOSPITALS = ("10669", "10670", "11251", "05656", "10954")


class MiniHisData:
    """The rows of one mini_his database, fixed by (patients, visits, seed)."""

    def __init__(self, patients: int, visits: int | None = None, seed: int = 42) -> None:
        visits = 5 * patients if visits is None else visits
        if patients < 1 or visits < 0 or seed < 0:
            raise ValueError("patients must be at least 1, visits and seed at least 0")
        if visits > MAX_VISITS or patients > 999_999_999:
            raise ValueError(f"at most {MAX_VISITS:,} visits and 999,999,999 patients")
        self.plan: Plan = make_plan(patients, visits, seed)

    def row_counts(self) -> dict[str, int]:
        """Rows each table will get, in load order."""
        counts = self.plan.row_counts()
        return {name: counts[name] for name in TABLE_NAMES}

    @staticmethod
    def columns(table: str) -> tuple[str, ...]:
        """The column names of `table`, in the order row values come in."""
        return tuple(column.name for column in metadata.tables[table].columns)

    def chunks(self, table: str) -> Iterator[Rows]:
        """The rows of `table`, a chunk at a time; each chunk has its own random stream."""
        build, parents = self._builders()[table]
        table_id = TABLE_NAMES.index(table) + 1
        step = CHUNK_ROWS if parents > 1 else 1
        for number, start in enumerate(range(0, parents, step)):
            rng = rng_for(self.plan.seed, table_id, number)
            yield build(self.plan, rng, start, min(start + step, parents))

    def _builders(
        self,
    ) -> dict[str, tuple[Callable[[Plan, np.random.Generator, int, int], Rows], int]]:
        plan = self.plan
        # (builder, how many parent units to split into chunks: patients, visits, admissions...)
        return {
            "pttype": (_pttype, 1),
            "doctor": (_doctor, 1),
            "drugitems": (_drugitems, 1),
            "patient": (_patient, plan.patients),
            "ovst": (_ovst, plan.visits),
            "opdscreen": (clinical.opdscreen, plan.visits),
            "ovstdiag": (clinical.ovstdiag, plan.visits),
            "opitemrece": (clinical.opitemrece, plan.visits),
            "ipt": (clinical.ipt, len(plan.admitted)),
            "iptadm": (clinical.iptadm, len(plan.admitted)),
            "lab_head": (clinical.lab_head, len(plan.lab_visits)),
            "lab_order": (clinical.lab_order, len(plan.lab_visits)),
        }


def _pttype(plan: Plan, rng: np.random.Generator, start: int, stop: int) -> Rows:
    return [(code, name, pcode, hipdata, "Y") for code, name, pcode, hipdata in vocab.PTTYPES]


def _doctor(plan: Plan, rng: np.random.Generator, start: int, stop: int) -> Rows:
    count = plan.doctors
    female = rng.random(count) < 0.5
    first = np.where(
        female, pick(rng, vocab.FEMALE_FIRST, count), pick(rng, vocab.MALE_FIRST, count)
    )
    prefix = np.where(female, vocab.DOCTOR_PREFIXES[1], vocab.DOCTOR_PREFIXES[0])
    names = [
        f"{p}{f} {last}"
        for p, f, last in zip(prefix, first, pick(rng, vocab.LAST, count), strict=True)
    ]
    license_no = blank_some(
        rng, np.char.add("ว", digits_text(rng.integers(0, 10**5, count), 5)), 0.0, 0.1
    )
    active = np.where(rng.random(count) < 0.9, "Y", "N")
    return rows_of(plan.doctor_code, names, license_no, rng.integers(1, 4, count), active)


def _drugitems(plan: Plan, rng: np.random.Generator, start: int, stop: int) -> Rows:
    items = [
        (f"{generic} {strength}", strength, units, form)
        for generic, strengths, units, form, _ in vocab.DRUGS
        for strength in strengths
    ]
    count = len(items)
    icode = digits_text(1_000_001 + np.arange(count), 7)
    did = floatify_some(rng, digits_text(rng.integers(10**5, 10**6, count), 6), 0.15)
    did[rng.random(count) < 0.1] = None
    name, strength, units, form = zip(*items, strict=True)
    return rows_of(
        icode, list(name), list(strength), list(units), decimals(drug_prices(), 2), list(form), did
    )


def _patient(plan: Plan, rng: np.random.Generator, start: int, stop: int) -> Rows:
    count = stop - start
    sex = plan.sex[start:stop]
    birthday = plan.birthday[start:stop]
    male = sex == 1
    child = (REFERENCE_DAY - birthday).astype(np.int64) < 15 * 365
    married = rng.random(count) < 0.6
    pname = np.where(
        child,
        np.where(male, "ด.ช.", "ด.ญ."),
        np.where(male, "นาย", np.where(married, "นาง", "น.ส.")),
    )
    fname = np.where(male, pick(rng, vocab.MALE_FIRST, count), pick(rng, vocab.FEMALE_FIRST, count))
    birthday_out = birthday.astype(object)
    birthday_out[rng.random(count) < 0.01] = None
    house = np.char.add(
        rng.integers(1, 400, count).astype(str), np.where(rng.random(count) < 0.3, "/1", "")
    )
    phone = blank_some(
        rng, np.char.add("0", digits_text(rng.integers(6 * 10**8, 10**9, count), 9)), 0.2, 0.2
    )
    allergy = np.where(rng.random(count) < 0.05, pick(rng, vocab.ALLERGIES, count), None)
    allergy[rng.random(count) < 0.03] = ""
    firstday = birthday + (
        rng.random(count) * (FIRST_VISIT_DAY - birthday).astype(np.int64)
    ).astype(np.int64)
    last_update = firstday.astype("datetime64[s]") + rng.integers(0, 5 * 365 * 86_400, count)
    return rows_of(
        plan.hn[start:stop],
        blank_some(rng, pname, 0.01, 0.0),
        pad_some(rng, fname, 0.03),
        pad_some(rng, pick(rng, vocab.LAST, count), 0.03),
        np.where(male, "1", "2"),
        birthday_out,
        blank_some(rng, thai_cids(rng, count, invalid_share=0.03), 0.02, 0.02),
        np.array([code for code, *_ in vocab.PTTYPES])[plan.pttype[start:stop]],
        house,
        floatify_some(rng, rng.integers(1, 16, count).astype(str), 0.05),
        pick(rng, ("40", "44", "45", "46", "30"), count),
        phone,
        allergy,
        firstday,
        last_update,
    )


def _ovst(plan: Plan, rng: np.random.Generator, start: int, stop: int) -> Rows:
    count = stop - start
    day = plan.visit_day[start:stop]
    seconds = plan.visit_seconds[start:stop]
    an = np.full(count, None, dtype=object)
    admitted = plan.admitted[(plan.admitted >= start) & (plan.admitted < stop)]
    an[admitted - start] = clinical.an_text(plan, admitted)
    pttype_codes = np.array([code for code, *_ in vocab.PTTYPES])[plan.visit_pttype[start:stop]]
    income = (rng.lognormal(5.5, 1.0, count) * 4).astype(np.int64) * 25  # satang, 0.25 steps
    self_pay = pttype_codes == "10"
    paid = np.where(self_pay, income, np.where(rng.random(count) < 0.2, 3000, 0))
    return rows_of(
        clinical.vn_text(plan, np.arange(start, stop)),
        plan.hn[plan.visit_patient[start:stop]],
        an,
        day,
        times(seconds),
        blank_some(rng, buddhist_text(day), 0.01, 0.02),
        plan.doctor_code[plan.visit_doctor[start:stop]],
        pttype_codes,
        digits_text(rng.integers(1, 11, count), 2),
        blank_some(rng, floatify_some(rng, pick(rng, _HOSPITALS, count), 0.04), 0.03, 0.03),
        digits_text(rng.integers(1, 13, count), 3),
        blank_some(rng, rng.integers(0, 4, count), 0.0, 0.05),
        decimals(income, 2),
        decimals(paid, 2),
        pad_some(rng, pick(rng, vocab.STAFF, count), 0.05),
        day.astype("datetime64[s]") + seconds + rng.integers(300, 4 * 3600, count),
    )
