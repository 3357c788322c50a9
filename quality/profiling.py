"""`fedcat quality profile`: an expectation suite built from a hosted file's statistics.

Statistics come from DuckDB in two scans (everything approximate first, then exact distinct counts and value
lists only for the columns that need them); GX is not imported. The suite covers column presence and types,
null rates, uniqueness of key-like columns, ranges of numbers and dates, value sets of low-cardinality
columns and a row-count band. Identifier-like columns (ids, names, birth dates, ...) get no range and no
value set: their values must never reach a suite that results are derived from, let alone the graph.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

from catalogue.config import Settings
from quality.reading import SAFE_YEARS, ColumnStats, Kind, TableStats, connect, refine, table_stats
from quality.suites import Expectation, Suite, generated, is_untouched, load_suite, merge, save_suite

VALUE_SET_MAX = 20  # distinct values at most, for a column to get a value-set expectation
UNIQUE_CANDIDATE = 0.9  # approximate distinct / non-null above which a column is checked for exact uniqueness
FREE_TEXT = 0.5  # distinct / non-null above which a text column is treated as identifying (ids, names, notes)
# Name parts that make a column identifying (or quasi-identifying) whatever its values look like.
_IDENTIFYING = (
    "id ids uuid guid key nin ssn matricule iban bic email mail phone telephone mobile name surname "
    "firstname lastname forename address street house postcode zip ip mac birth dob birthdate birthday "
    "passport plate account card"
)
IDENTIFYING = frozenset(_IDENTIFYING.split())
# GX names for the pandas dtypes reading.read_frame produces, by column kind.
TYPE_LISTS = {
    # pandas widens integer columns that hold nulls to float64; the schema check in drift.py sees the real type
    "integer": ["int64", "float64"],
    "float": ["float64"],
    "boolean": ["bool"],  # a boolean column with nulls is "object": GX then checks each value is a bool
    "date": ["datetime64[ns]"],
    "timestamp": ["datetime64[ns]"],
    "string": ["StringDtype"],
}


@dataclass(frozen=True)
class ProfileResult:
    """What profiling wrote."""

    dataset_id: str
    path: Path
    expectations: int
    kept_from_steward: int
    identifier_columns: list[str]


def name_parts(name: str) -> set[str]:
    """The lower-case words of a column name (`patientId`, `date_of_birth` -> {patient, id}, {date, of, birth})."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {p for p in re.split(r"[^0-9A-Za-z]+", spaced.lower()) if p}


def identifying(stats: ColumnStats) -> bool:
    """True for columns whose values could single out a person or a record."""
    if name_parts(stats.column.name) & IDENTIFYING:
        return True
    nonnull = stats.rows - stats.nulls
    if stats.column.kind == "string" and nonnull and stats.distinct > 50 and stats.distinct / nonnull > FREE_TEXT:
        return True
    return stats.column.kind == "integer" and stats.exact and nonnull > 1 and stats.distinct == nonnull


def bound(value: Any) -> Any:
    """A range bound for GX: dates as midnight datetimes, since GX turns a bare date string into a `date`,
    which pandas refuses to compare with a datetime64 column."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day).isoformat()
    return json_value(value)


def json_value(value: Any) -> Any:
    """A statistic as a JSON value GX can compare with the column (dates and times as ISO text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def in_safe_range(stats: ColumnStats) -> bool:
    """False for dates pandas cannot hold at ns precision (then GX would fall back to its slow path)."""
    if stats.column.kind not in ("date", "timestamp"):
        return True
    low, high = stats.minimum, stats.maximum
    return isinstance(low, date) and isinstance(high, date) and SAFE_YEARS[0] <= low.year and high.year <= SAFE_YEARS[1]


def gather(path: Path, kind: Kind) -> TableStats:
    """Table statistics, with exact distinct counts for uniqueness candidates and value lists for small sets."""
    con = connect()
    table = table_stats(path, kind, con)
    exact, listed = [], []
    for s in table.stats.values():
        nonnull = s.rows - s.nulls
        if s.column.kind in ("string", "integer") and nonnull > 1 and s.distinct >= UNIQUE_CANDIDATE * nonnull:
            exact.append(s.column.name)
        elif s.column.kind in ("string", "integer") and 0 < s.distinct <= VALUE_SET_MAX + 2:
            listed.append(s.column.name)  # HyperLogLog may be off by a little: the exact list decides
    refine(path, kind, table, exact, listed, con)
    return table


def expectations_for(table: TableStats) -> tuple[list[Expectation], list[str]]:
    """The generated expectations and the identifier-like columns."""
    names = [c.name for c in table.columns]
    out = [
        generated("expect_table_columns_to_match_set", column_set=names, exact_match=True),
        # A band from half to twice today's rows: catches a truncated or duplicated load, not normal growth.
        generated("expect_table_row_count_to_be_between", min_value=table.rows // 2, max_value=table.rows * 2 + 10),
    ]
    identifiers = []
    for name in names:
        s = table.stats[name]
        kind = s.column.kind
        secret = identifying(s)
        if secret:
            identifiers.append(name)
        out.append(generated("expect_column_to_exist", column=name))
        # GX has no name for time-zone-aware pandas dtypes: their type is checked by drift.py only.
        if kind in TYPE_LISTS and "TIME ZONE" not in s.column.type.upper() and in_safe_range(s):
            out.append(generated("expect_column_values_to_be_in_type_list", column=name, type_list=TYPE_LISTS[kind]))
        if s.nulls == 0:
            out.append(generated("expect_column_values_to_not_be_null", column=name))
        else:
            # Allow half as many nulls again as today, plus one point: a jump beyond that fails.
            mostly = math.floor((1 - min(1.0, s.null_rate * 1.5 + 0.01)) * 1000) / 1000
            if mostly > 0:
                out.append(generated("expect_column_values_to_not_be_null", column=name, mostly=mostly))
        nonnull = s.rows - s.nulls
        if s.exact and nonnull > 1 and s.distinct == nonnull:
            out.append(generated("expect_column_values_to_be_unique", column=name))
        if secret:
            continue  # no ranges or value sets: they would be the values themselves
        if s.column.ordered and s.minimum is not None and in_safe_range(s) and kind != "boolean":
            out.append(
                generated(
                    "expect_column_values_to_be_between",
                    column=name,
                    min_value=bound(s.minimum),
                    max_value=bound(s.maximum),
                )
            )
        if s.values is not None and 0 < len(s.values) <= VALUE_SET_MAX and not (s.exact and s.distinct == nonnull):
            out.append(
                generated("expect_column_values_to_be_in_set", column=name, value_set=[json_value(v) for v in s.values])
            )
    return out, identifiers


def build_suite(dataset_id: str, table: TableStats, sha256: str, previous: Suite | None) -> Suite:
    """A GX 1.x suite document for the data, merged with the steward's edits of the previous one."""
    fresh, identifiers = expectations_for(table)
    old_meta = ((previous or {}).get("meta") or {}).get("fedcat") or {}
    if old_meta.get("identifier_columns_pinned"):
        identifiers = list(old_meta.get("identifier_columns", identifiers))
    return {
        "name": f"fedcat-{dataset_id}",
        "expectations": merge(fresh, previous),
        "meta": {
            "great_expectations_version": version("great_expectations"),
            "fedcat": {
                "dataset_id": dataset_id,
                "profiled_at": datetime.now().astimezone().isoformat(timespec="seconds"),
                "sha256": sha256,
                "rows": table.rows,
                # Columns whose values are never published (no min/max, no value sets, no observed values).
                # Set "identifier_columns_pinned": true to keep a hand-edited list across re-profiling.
                "identifier_columns": identifiers,
                "identifier_columns_pinned": bool(old_meta.get("identifier_columns_pinned")),
            },
        },
        "notes": "Generated by `fedcat quality profile`; see README (Quality) for how to pin, loosen or add.",
    }


def profile(settings: Settings, dataset_id: str, path: Path, kind: Kind, sha256: str) -> ProfileResult:
    """Profile the hosted file and write the (merged) suite."""
    previous = load_suite(settings, dataset_id)  # a broken suite stops here, before anything is overwritten
    table = gather(path, kind)
    suite = build_suite(dataset_id, table, sha256, previous)
    written = save_suite(settings, dataset_id, suite)
    kept = sum(1 for e in (previous or {}).get("expectations", []) if not is_untouched(e))
    return ProfileResult(
        dataset_id,
        written,
        len(suite["expectations"]),
        kept,
        list(suite["meta"]["fedcat"]["identifier_columns"]),
    )
