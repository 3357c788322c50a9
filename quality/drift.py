"""Drift between two validation runs of the same dataset: schema changes, null-rate jumps, range shifts.

Works on the column statistics a run keeps (`column_statistics`), never on rows. Details say how much
something moved in relative terms only, so a drift note never carries a value from the data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from quality.profiling import json_value
from quality.reading import TableStats

NULL_JUMP = 0.05  # five percentage points more nulls
NULL_FROM_ZERO = 0.01  # or any nulls above 1 % in a column that had none
RANGE_SHIFT = 0.10  # an end of the range moved by more than 10 % of the previous span
ROW_BAND = (0.5, 2.0)


@dataclass(frozen=True)
class Drift:
    """One change worth a steward's look."""

    kind: str  # schema-change | null-rate-jump | range-shift | row-count-change
    column: str | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


def column_statistics(table: TableStats, identifiers: set[str]) -> dict[str, Any]:
    """Per-run statistics kept for drift: type and null rate of every column, min / max of non-identifying
    ordered ones (stored under the node's home only; what is published is decided in dqv.py)."""
    columns: dict[str, Any] = {}
    for c in table.columns:
        s = table.stats[c.name]
        entry: dict[str, Any] = {"type": c.type, "kind": c.kind, "null_rate": round(s.null_rate, 6)}
        if c.ordered and c.name not in identifiers and s.minimum is not None:
            entry["min"], entry["max"] = json_value(s.minimum), json_value(s.maximum)
        columns[c.name] = entry
    return {"rows": table.rows, "columns": columns}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed.timestamp() if parsed.tzinfo else (parsed - datetime(1970, 1, 1)).total_seconds()
    if isinstance(value, date):
        return float(value.toordinal() * 86400)
    return None


def compare(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[Drift]:
    """What changed since the previous run (nothing for the first run)."""
    if not previous:
        return []
    found: list[Drift] = []
    old_cols, new_cols = previous.get("columns", {}), current.get("columns", {})
    for name in new_cols.keys() - old_cols.keys():
        found.append(Drift("schema-change", name, f"column added ({new_cols[name]['type']})"))
    for name in old_cols.keys() - new_cols.keys():
        found.append(Drift("schema-change", name, "column removed"))
    for name in sorted(old_cols.keys() & new_cols.keys()):
        old, new = old_cols[name], new_cols[name]
        if old["type"] != new["type"]:
            found.append(Drift("schema-change", name, f"type {old['type']} -> {new['type']}"))
        before, after = old.get("null_rate", 0.0), new.get("null_rate", 0.0)
        if after - before >= NULL_JUMP or (before == 0 and after >= NULL_FROM_ZERO):
            found.append(Drift("null-rate-jump", name, f"null rate {before:.1%} -> {after:.1%}"))
        found += _range_shift(name, old, new)
    rows_before, rows_after = previous.get("rows") or 0, current.get("rows") or 0
    if rows_before and not ROW_BAND[0] <= rows_after / rows_before <= ROW_BAND[1]:
        found.append(Drift("row-count-change", None, f"row count x{rows_after / rows_before:.2f}"))
    return sorted(found, key=lambda d: (d.kind, d.column or ""))


def _range_shift(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Drift]:
    lo0, hi0, lo1, hi1 = (
        _number(old.get("min")),
        _number(old.get("max")),
        _number(new.get("min")),
        _number(new.get("max")),
    )
    if None in (lo0, hi0, lo1, hi1):
        return []
    assert lo0 is not None and hi0 is not None and lo1 is not None and hi1 is not None
    span = (hi0 - lo0) or max(abs(hi0), 1.0)
    moves = []
    if lo1 < lo0 - RANGE_SHIFT * span:
        moves.append(f"minimum down by {(lo0 - lo1) / span:.0%} of the previous range")
    if hi1 > hi0 + RANGE_SHIFT * span:
        moves.append(f"maximum up by {(hi1 - hi0) / span:.0%} of the previous range")
    if lo1 > lo0 + RANGE_SHIFT * span and hi1 > hi0 + RANGE_SHIFT * span:
        moves = [f"range moved up by {(lo1 - lo0) / span:.0%} of its previous span"]
    if hi1 < hi0 - RANGE_SHIFT * span and lo1 < lo0 - RANGE_SHIFT * span:
        moves = [f"range moved down by {(hi0 - hi1) / span:.0%} of its previous span"]
    return [Drift("range-shift", name, "; ".join(moves))] if moves else []
