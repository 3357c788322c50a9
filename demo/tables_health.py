"""Record-level health tables: hospital admissions and medicine prescriptions (ICD-10, ATC)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from demo.columns import (
    DATE,
    FLOAT,
    INT,
    STR,
    birth_dates,
    days,
    ids,
    money,
    national_ids,
    nulls,
    pick,
    table,
)
from demo.geo import sample_places

HOSPITALS = (
    ("Centre Hospitalier de Luxembourg", 30),
    ("Centre Hospitalier Emile Mayrisch", 25),
    ("Hôpitaux Robert Schuman", 30),
    ("Centre Hospitalier du Nord", 15),
)
# ICD-10 code: (weight, base cost EUR); the last few are rare, so they form small groups per canton
ICD10 = {
    "I10": (9, 2100),
    "J18.9": (8, 4800),
    "I21.9": (5, 9800),
    "K35.8": (5, 4200),
    "S72.0": (4, 8900),
    "O80": (9, 3100),
    "C50.9": (4, 7600),
    "C34.9": (3, 8800),
    "E11.9": (6, 2600),
    "F32.9": (5, 5200),
    "J44.1": (5, 5100),
    "N39.0": (5, 2300),
    "I50.9": (5, 6900),
    "K80.2": (4, 3900),
    "M17.1": (4, 7200),
    "I63.9": (4, 9100),
    "U07.1": (3, 6400),
    "G12.2": (0.08, 12500),
    "E84.0": (0.06, 11800),
    "Q90.9": (0.07, 5400),
    "D66": (0.05, 15200),
    "A39.0": (0.04, 13900),
}
ATC = {
    "N02BE01": 12,
    "C10AA05": 9,
    "A02BC01": 9,
    "C07AB07": 7,
    "A10BA02": 7,
    "N06AB04": 5,
    "J01CA04": 8,
    "R03AC02": 5,
    "B01AC06": 6,
    "H03AA01": 5,
    "L04AA23": 0.05,
    "A16AB02": 0.03,
    "L01FA01": 0.08,
}


def admissions(g: np.random.Generator, n: int, start: date, end: date) -> pa.Table:
    pool = max(100, int(n * 0.7))
    who = g.integers(0, pool, n)
    dob = birth_dates(g, pool, start, 56, 22)
    sex, (canton, commune) = pick(g, ("F", "M"), pool, (51, 49)), sample_places(g, pool)
    codes = list(ICD10)
    diag = pick(g, codes, n, [ICD10[c][0] for c in codes])
    stay = 1 + g.poisson(g.gamma(1.3, 3.2, n))
    stay = np.where(diag == "O80", 1 + g.poisson(2.5, n), stay)
    base = np.array([ICD10[c][1] for c in diag.tolist()], dtype=float)
    admitted = days(g, n, start, end)
    return table(
        {
            "patient_id": (ids("LU-P-", who + 1, 6), None, STR),
            "national_id": (national_ids(g, dob)[who], nulls(g, n, 0.04), STR),
            "date_of_birth": (dob[who], None, DATE),
            "sex": (sex[who], nulls(g, n, 0.003), STR),
            "canton": (canton[who], None, STR),
            "commune": (commune[who], nulls(g, n, 0.01), STR),
            "hospital": (pick(g, [h for h, _ in HOSPITALS], n, [w for _, w in HOSPITALS]), None, STR),
            "diagnosis_icd10": (diag, None, STR),
            "admission_date": (admitted, None, DATE),
            "discharge_date": (admitted + stay.astype("timedelta64[D]"), nulls(g, n, 0.005), DATE),
            "length_of_stay": (stay, None, INT),
            "cost_eur": (money(base + stay * 950 * g.lognormal(0, 0.25, n)), nulls(g, n, 0.02), FLOAT),
        }
    )


def prescriptions(g: np.random.Generator, n: int, start: date, end: date) -> pa.Table:
    pool = max(100, int(n * 0.4))
    who = g.integers(0, pool, n)
    dob = birth_dates(g, pool, start, 50, 24)
    sex, (canton, commune) = pick(g, ("F", "M"), pool, (52, 48)), sample_places(g, pool)
    codes = list(ATC)
    atc = pick(g, codes, n, [ATC[c] for c in codes])
    packs = 1 + g.poisson(0.4, n)
    return table(
        {
            "patient_id": (ids("LU-P-", who + 1, 6), None, STR),
            "date_of_birth": (dob[who], None, DATE),
            "sex": (sex[who], nulls(g, n, 0.002), STR),
            "canton": (canton[who], None, STR),
            "commune": (commune[who], nulls(g, n, 0.01), STR),
            "atc_code": (atc, None, STR),
            "prescriber_id": (ids("MED-", g.integers(1, 1400, n), 5), nulls(g, n, 0.03), STR),
            "dispensed_date": (days(g, n, start, end), None, DATE),
            "packs": (packs, None, INT),
            "reimbursed_eur": (money(packs * g.lognormal(2.6, 0.9, n)), nulls(g, n, 0.03), FLOAT),
        }
    )
