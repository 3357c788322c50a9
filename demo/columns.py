"""Vectorised column helpers for the hosted data files (numpy Generator in, pyarrow arrays out)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pyarrow as pa


def nulls(g: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """A null mask with about `rate` nulls."""
    return g.random(n) < rate


def pick(g: np.random.Generator, options: Sequence[str], n: int, weights: Sequence[float] | None = None) -> np.ndarray:
    """`n` draws from `options` (optionally weighted), as an object array of str."""
    p = None if weights is None else np.asarray(weights, dtype=float) / float(np.sum(weights))
    return np.asarray(options, dtype=object)[g.choice(len(options), size=n, p=p)]


def ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Identifiers such as LU-P-000123."""
    return np.array([f"{prefix}{k:0{width}d}" for k in numbers.tolist()], dtype=object)


def days(g: np.random.Generator, n: int, start: date, end: date) -> np.ndarray:
    lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
    return lo + g.integers(0, int((hi - lo).astype(int)) + 1, size=n).astype("timedelta64[D]")


def stamps(g: np.random.Generator, n: int, start: date, end: date, step_s: int = 1) -> np.ndarray:
    """Sorted timestamps (seconds) in [start, end], rounded down to `step_s`."""
    lo = np.datetime64(start, "s")
    span = int((np.datetime64(end, "s") - lo).astype(int)) + 86_399
    offsets = np.sort(g.integers(0, span, size=n)) // step_s * step_s
    return lo + offsets.astype("timedelta64[s]")


def birth_dates(g: np.random.Generator, n: int, ref: date, mean_age: float, sd: float) -> np.ndarray:
    ages = np.clip(g.normal(mean_age, sd, n), 0, 102)
    return np.datetime64(ref, "D") - (ages * 365.25).astype("timedelta64[D]")


def national_ids(g: np.random.Generator, dob: np.ndarray) -> np.ndarray:
    """Luxembourg-matricule-like 13-digit numbers: birth date YYYYMMDD + 5 digits."""
    stems = np.datetime_as_string(dob, unit="D")
    tails = g.integers(0, 100_000, size=len(dob)).tolist()
    return np.array([f"{s.replace('-', '')}{t:05d}" for s, t in zip(stems.tolist(), tails, strict=True)], dtype=object)


def money(values: np.ndarray) -> np.ndarray:
    return np.round(values, 2)


def table(columns: dict[str, tuple[np.ndarray, np.ndarray | None, pa.DataType]]) -> pa.Table:
    """A pyarrow table from {name: (values, null mask or None, type)}."""
    arrays = [pa.array(values, type=kind, mask=mask) for values, mask, kind in columns.values()]
    return pa.Table.from_arrays(arrays, names=list(columns))


STR, INT, FLOAT, BOOL = pa.string(), pa.int32(), pa.float64(), pa.bool_()
DATE, TS = pa.date32(), pa.timestamp("s")
