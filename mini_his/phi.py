"""Which mini_his columns hold personal identifiers, and of which kind: the generator's own
truth, written from what `mini_his.data` and `mini_his.clinical` put in each column (not
computed by any detector), so masking can be measured against it.

Kinds are those of the masking: cid, hn, name, phone, address, email. Every column of the
schema not listed here holds no personal identifier: codes, dates, amounts, free-text notes,
the name title (pname: นาย, นาง), visit and admission numbers (vn, an), drug names,
insurance schemes, lab forms and staff logins.
"""

from __future__ import annotations

from typing import Literal

PhiKind = Literal["cid", "hn", "name", "phone", "address", "email"]

_PATIENT: dict[str, PhiKind] = {
    "hn": "hn",
    "fname": "name",  # a given name from vocab.MALE_FIRST / FEMALE_FIRST
    "lname": "name",  # a family name from vocab.LAST
    "cid": "cid",  # thai_cids(): 3 % fail the checksum, some blank
    "addrpart": "address",  # house number '123/1'
    "moopart": "address",  # village number
    "hometel": "phone",  # '0' + 9 digits, some blank
}

#: (table, column) → kind, for every column that holds a personal identifier.
PHI_COLUMNS: dict[tuple[str, str], PhiKind] = {
    **{("patient", column): kind for column, kind in _PATIENT.items()},
    # The patient's hn, carried by every table of visits and admissions.
    **{
        (table, "hn"): "hn"
        for table in ("ovst", "opdscreen", "ovstdiag", "opitemrece", "ipt", "lab_head")
    },
    ("doctor", "name"): "name",  # 'นพ.' or 'พญ.' + given + family name
}
