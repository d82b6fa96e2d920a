"""The shape of one mini_his database, fixed by its seed: sizes, patients and the visit timeline.

Every table's rows are derived from these arrays, so a child row always points at a parent
that exists, and any chunk of any table can be built on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mini_his import vocab
from mini_his.dirty import digits_text, zipf_weights

REFERENCE_DAY = np.datetime64("2024-12-31")
FIRST_VISIT_DAY = np.datetime64("2019-01-01")
#: vn is yymmdd + a 7-digit running number, an is yy + the same: both cap the counts.
MAX_VISITS = 9_999_999
#: Zipf exponent of visits per doctor: the busiest tenth of doctors sees most patients.
DOCTOR_SKEW = 1.5


def rng_for(seed: int, *path: int) -> np.random.Generator:
    """An independent random stream for (seed, table, chunk): chunks need not run in order."""
    return np.random.default_rng([seed, *path])


@dataclass(frozen=True)
class Plan:
    """Sizes plus the per-patient and per-visit arrays the tables are built from."""

    seed: int
    patients: int
    visits: int
    doctors: int
    hn: np.ndarray  # patient hn text ('000123'), by patient index
    sex: np.ndarray  # 1 male, 2 female
    birthday: np.ndarray  # datetime64[D]
    pttype: np.ndarray  # index into vocab.PTTYPES
    doctor_code: np.ndarray  # doctor code text, by doctor index
    visit_patient: np.ndarray  # every array below is by visit, in vn order (date, time)
    visit_day: np.ndarray
    visit_seconds: np.ndarray
    visit_doctor: np.ndarray
    visit_pttype: np.ndarray
    diag_count: np.ndarray  # ovstdiag rows per visit (1-3)
    item_count: np.ndarray  # opitemrece rows per visit (0-6)
    screened: np.ndarray  # bool: has an opdscreen row
    admitted: np.ndarray  # visit indexes that became admissions (ipt), ascending
    lab_visits: np.ndarray  # visit indexes with a lab order (lab_head), ascending
    lab_item_count: np.ndarray  # lab_order rows per lab_head row (1-4)

    def row_counts(self) -> dict[str, int]:
        """Rows per table, known before any row is built (progress bars need totals)."""
        return {
            "pttype": len(vocab.PTTYPES),
            "doctor": self.doctors,
            "drugitems": sum(len(drug[1]) for drug in vocab.DRUGS),
            "patient": self.patients,
            "ovst": self.visits,
            "opdscreen": int(self.screened.sum()),
            "ovstdiag": int(self.diag_count.sum()),
            "opitemrece": int(self.item_count.sum()),
            "ipt": len(self.admitted),
            "iptadm": len(self.admitted),
            "lab_head": len(self.lab_visits),
            "lab_order": int(self.lab_item_count.sum()),
        }


def make_plan(patients: int, visits: int, seed: int) -> Plan:
    """Draw the patients and the visit timeline for `seed`."""
    rng = rng_for(seed, 0)
    doctors = int(np.clip(patients // 500, 20, 400))
    sex = rng.integers(1, 3, patients)
    # Everyone is born before the first visit day, so no visit predates its patient.
    age_days = (rng.gamma(2.2, 14.0, patients) * 365.25).astype(np.int64) + 6 * 366
    birthday = FIRST_VISIT_DAY - np.minimum(age_days, 99 * 365)
    pttype = rng.choice(len(vocab.PTTYPES), patients, p=_normalised(vocab.PTTYPE_WEIGHTS))

    # Chronic patients come back often: visits per patient follow a gamma-shaped weight.
    weights = rng.gamma(0.6, 1.0, patients)
    visit_patient = rng.choice(patients, visits, p=weights / weights.sum())
    span = int((REFERENCE_DAY - FIRST_VISIT_DAY).astype(np.int64)) + 1
    visit_day = FIRST_VISIT_DAY + rng.integers(0, span, visits)
    in_clinic_hours = rng.random(visits) < 0.85
    visit_seconds = np.where(
        in_clinic_hours, rng.integers(8 * 3600, 16 * 3600, visits), rng.integers(0, 86_400, visits)
    )
    order = np.lexsort((visit_seconds, visit_day))
    visit_patient, visit_day, visit_seconds = (
        visit_patient[order],
        visit_day[order],
        visit_seconds[order],
    )
    busiest_first = rng.permutation(doctors)
    visit_doctor = busiest_first[rng.choice(doctors, visits, p=zipf_weights(doctors, DOCTOR_SKEW))]
    switched = rng.random(visits) < 0.1  # rights change between visits
    visit_pttype = np.where(
        switched, rng.integers(0, len(vocab.PTTYPES), visits), pttype[visit_patient]
    )

    lab_visits = np.flatnonzero(rng.random(visits) < 0.15)
    return Plan(
        seed=seed,
        patients=patients,
        visits=visits,
        doctors=doctors,
        hn=digits_text(np.arange(1, patients + 1), max(6, len(str(patients)))),
        sex=sex,
        birthday=birthday,
        pttype=pttype,
        doctor_code=digits_text(np.arange(1, doctors + 1), 4),
        visit_patient=visit_patient,
        visit_day=visit_day,
        visit_seconds=visit_seconds,
        visit_doctor=visit_doctor,
        visit_pttype=visit_pttype,
        diag_count=1 + rng.binomial(2, 0.2, visits),
        item_count=np.minimum(rng.poisson(1.5, visits), 6),
        screened=rng.random(visits) < 0.6,
        admitted=np.flatnonzero(rng.random(visits) < 0.02),
        lab_visits=lab_visits,
        lab_item_count=1 + rng.binomial(3, 0.4, len(lab_visits)),
    )


def _normalised(weights: tuple[int, ...]) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()
