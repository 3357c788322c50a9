"""Output checks ("safe outputs" of the Five Safes) for datasets a steward released as aggregates only.

Two steps, both on DuckDB's syntax tree and the query's own result, never on guesses from the SQL text:

1. `plan_aggregate` decides whether a query over aggregate-only data returns aggregates at all, and refuses it
   (`row-level-refused`) otherwise. It then adds hidden columns to the query that measure every output cell:
   how many records the group has, how many contribute to each aggregate, the largest two contributions and
   whether all contributions are equal. The user never sees those columns.
2. `apply_checks` reads the measurements, suppresses every cell that fails a rule (the value becomes null and
   the response lists the cell, the rule and why), optionally rounds counts, and drops the hidden columns.

The rules are those of ACRO (SACRO project, `acro/default.yaml`) with OpenSAFELY's additions; `docs/output-
checks.md` says which and why:

* threshold: a group, or an aggregate's contributors, under `threshold` records (ACRO `safe_threshold` 10;
  OpenSAFELY redacts 7 or fewer). Small groups are masked whole, keys included, because the key values of a
  tiny group (a rare diagnosis in a small commune) identify people by themselves; zero counts fall under the
  same rule, as ACRO treats zeros as disclosive.
* nk-dominance: for sums and means, the largest `nk_n` contributions make up `nk_k` or more of the total (ACRO
  `safe_nk_n` 2, `safe_nk_k` 0.9).
* p-ratio: for sums and means, what is left after the largest two is under `p_ratio` of the largest (ACRO
  `safe_pratio_p` 0.1), so the second largest contributor could estimate the largest.
* all-values-same: a mean, median, spread or sum over values that are all equal reveals each member's value.
* rounding (off by default): counts rounded to a multiple of `rounding_base` (OpenSAFELY rounds to 5).

Dominance rules use absolute values, so negative values (bus delays) are measured rather than waved through.

Query shape for aggregate-only data: one SELECT over one view, aggregated (GROUP BY, or aggregates alone),
with WHERE / HAVING / ORDER BY / LIMIT. Joins, subqueries, CTEs, set operations, DISTINCT and window functions
are refused because they can inflate a group's record count (a self-join multiplies every person into ten
"records") and so defeat the threshold. Aggregates that return one member's value (min, max, mode, quantiles,
string_agg, ...) are refused outright.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from access.sandbox_sql import (
    AGGREGATES,
    SAFE_AGGREGATES,
    SqlGate,
    arguments,
    canonical,
    function_name,
    walk_expressions,
)
from catalogue.errors import FedcatError


class RowLevelRefused(FedcatError):
    """A query over aggregate-only data that would return rows, or aggregates that reveal a member's value."""

    status, type, title = 403, "row-level-refused", "Only aggregates may leave this dataset"


@dataclass(frozen=True)
class DisclosureRules:
    """The thresholds of the output checks (defaults: ACRO's `default.yaml`)."""

    threshold: int = 10
    nk_n: int = 2
    nk_k: float = 0.9
    p_ratio: float = 0.1
    rounding_base: int = 0  # 0: counts are exact; 5 follows OpenSAFELY's rounding


@dataclass(frozen=True)
class AggregateCheck:
    """The hidden columns that measure one aggregate call inside an output cell."""

    name: str
    contributors: int
    abs_total: int | None = None  # sum(abs(x)): the total the dominance rules compare against
    top: int | None = None  # max(abs(x), nk_n): the largest contributions
    lowest: int | None = None  # min(x) and max(x): equal means every contribution is the same
    highest: int | None = None


@dataclass(frozen=True)
class CellCheck:
    """How one visible output column is checked."""

    index: int
    aggregates: tuple[AggregateCheck, ...] = ()
    is_count: bool = False  # exactly count(...) / count(*): rounded when rounding is on


@dataclass(frozen=True)
class AggregatePlan:
    """A query over aggregate-only data, rewritten to measure its cells."""

    sql: str
    visible: int
    group_size: int
    cells: tuple[CellCheck, ...] = field(default_factory=tuple)


# Injected measurements, parsed once per gate; `__fedcat_arg__` is replaced by the aggregate's argument.
_PLACEHOLDER = "__fedcat_arg__"
_TEMPLATES = {
    "group": "count(*)",
    "count_star": "count(*)",
    "count": f"count({_PLACEHOLDER})",
    "abs_total": f"sum(abs(TRY_CAST({_PLACEHOLDER} AS DOUBLE)))",
    "top": f"max(abs(TRY_CAST({_PLACEHOLDER} AS DOUBLE)), {{n}})",
    # min = max says "all the same" at a fraction of what count(DISTINCT x) costs on a million rows.
    "lowest": f"min({_PLACEHOLDER})",
    "highest": f"max({_PLACEHOLDER})",
}
_DOMINANCE = frozenset({"sum", "avg", "mean"})
_SAME_VALUE = frozenset({"sum", "avg", "mean", "median", "stddev", "stddev_samp", "stddev_pop"})
_SAME_VALUE |= {"variance", "var_samp", "var_pop"}
_SHAPE = (
    "aggregate-only data can be queried with one SELECT ... GROUP BY over a single view (WHERE, HAVING, "
    "ORDER BY and LIMIT are fine)"
)


def plan_aggregate(gate: SqlGate, node: dict[str, Any], rules: DisclosureRules) -> AggregatePlan:
    """Check that `node` aggregates and add the hidden measurement columns; `RowLevelRefused` otherwise."""
    _require_shape(node)
    select: list[dict[str, Any]] = node["select_list"]
    keys = _GroupKeys(node)
    has_aggregate = any(_aggregate_calls(item) for item in select)
    if not has_aggregate and not node.get("group_expressions") and node.get("aggregate_handling") != "FORCE_AGGREGATES":
        raise RowLevelRefused(
            "this query would return row-level data, but the dataset is released as aggregates only: "
            f"{_SHAPE}, e.g. SELECT canton, count(*) FROM view GROUP BY canton"
        )
    for tree in (select, node.get("having"), node.get("modifiers")):
        for call in _aggregate_calls(tree):
            _require_safe(call)
    hidden: list[dict[str, Any]] = []
    templates = _templates(gate, rules.nk_n)

    def add(template: str, call: dict[str, Any] | None = None) -> int:
        expr = copy.deepcopy(templates[template])
        if call is not None:
            args = arguments(call)
            if args:
                expr = _substitute(expr, args[0])
            # The measurement counts the same records as the aggregate: same FILTER clause.
            expr["filter"] = copy.deepcopy(call.get("filter"))
        expr["alias"] = f"__fedcat_check_{len(hidden)}"
        hidden.append(expr)
        return len(select) + len(hidden) - 1

    group_size = add("group")
    cells: list[CellCheck] = []
    for index, item in enumerate(select):
        calls = _aggregate_calls(item)
        if not calls:
            keys.require_key(item, index)
            cells.append(CellCheck(index=index))
            continue
        keys.require_grouped_outside_aggregates(item)
        checks = []
        for call in calls:
            name = function_name(call)
            args = arguments(call)
            contributors = add("count_star", call) if name == "count_star" or not args else add("count", call)
            abs_total = top = lowest = highest = None
            if name in _DOMINANCE and args:
                abs_total, top = add("abs_total", call), add("top", call)
            if name in _SAME_VALUE and args and _mentions_column(args[0]):
                lowest, highest = add("lowest", call), add("highest", call)
            checks.append(AggregateCheck(name, contributors, abs_total, top, lowest, highest))
        is_count = item.get("class") == "FUNCTION" and function_name(item) in {"count", "count_star"}
        cells.append(CellCheck(index=index, aggregates=tuple(checks), is_count=is_count))
    rewritten = copy.deepcopy(node)
    rewritten["select_list"] = select + hidden
    return AggregatePlan(sql=gate.to_sql(rewritten), visible=len(select), group_size=group_size, cells=tuple(cells))


def apply_checks(table: pa.Table, plan: AggregatePlan, rules: DisclosureRules) -> tuple[pa.Table, list[dict[str, Any]]]:
    """Suppress the cells that fail a rule, round counts if asked; the visible table and the suppressed cells."""
    names = table.column_names[: plan.visible]
    group = table.column(plan.group_size).to_pylist()
    measured: dict[int, list[Any]] = {}

    def column(index: int | None) -> list[Any]:
        assert index is not None
        if index not in measured:
            measured[index] = table.column(index).to_pylist()
        return measured[index]

    masks = [[False] * table.num_rows for _ in range(plan.visible)]
    suppressed: list[dict[str, Any]] = []
    for row in range(table.num_rows):
        size = group[row] or 0
        if size < rules.threshold:
            reason = (
                f"the group has fewer than {rules.threshold} records; its keys and values are withheld "
                "because a group this small can identify people"
            )
            for cell in plan.cells:
                masks[cell.index][row] = True
                suppressed.append(_entry(row, names[cell.index], "threshold", reason))
            continue
        for cell in plan.cells:
            verdict = _cell_verdict(cell, row, column, rules)
            if verdict is not None:
                masks[cell.index][row] = True
                suppressed.append(_entry(row, names[cell.index], *verdict))
    columns = []
    for cell in plan.cells:
        values = table.column(cell.index)
        if any(masks[cell.index]):
            values = pc.if_else(pa.array(masks[cell.index]), pa.nulls(table.num_rows, values.type), values)
        if cell.is_count and rules.rounding_base > 1:
            values = _round_counts(values, rules.rounding_base)
        columns.append(values)
    return pa.Table.from_arrays(columns, names=names), suppressed


def _cell_verdict(cell: CellCheck, row: int, column: Any, rules: DisclosureRules) -> tuple[str, str] | None:
    for check in cell.aggregates:
        contributors = column(check.contributors)[row] or 0
        if contributors < rules.threshold:
            return "threshold", (
                f"{check.name}() summarises {contributors} records, fewer than the threshold of {rules.threshold}"
            )
        if check.abs_total is not None and check.top is not None:
            total = column(check.abs_total)[row] or 0.0
            top = sorted((v for v in (column(check.top)[row] or []) if v is not None), reverse=True)
            if total > 0 and sum(top[: rules.nk_n]) >= rules.nk_k * total:
                return "nk-dominance", (
                    f"the largest {rules.nk_n} contributions make up {sum(top[: rules.nk_n]) / total:.0%} of "
                    f"{check.name}(), at least {rules.nk_k:.0%}: the value would reveal them"
                )
            if top and top[0] > 0:
                rest = total - sum(top[:2])
                if rest < rules.p_ratio * top[0]:
                    return "p-ratio", (
                        f"after the two largest contributions, the rest of {check.name}() is under "
                        f"{rules.p_ratio:.0%} of the largest: the second largest contributor could estimate it"
                    )
        if check.lowest is not None and check.highest is not None:
            lowest, highest = column(check.lowest)[row], column(check.highest)[row]
            if lowest is not None and lowest == highest:
                return "all-values-same", (
                    f"every record in the group has the same value, which {check.name}() reveals"
                )
    return None


def _entry(row: int, column: str, rule: str, reason: str) -> dict[str, Any]:
    return {"row": row, "column": column, "rule": rule, "reason": reason}


def _round_counts(values: pa.ChunkedArray | pa.Array, base: int) -> pa.Array:
    rounded = [None if v is None else math.floor(v / base + 0.5) * base for v in values.to_pylist()]
    return pa.array(rounded, type=values.type)


# -- query shape ---------------------------------------------------------------------------------------------


def _require_shape(node: dict[str, Any]) -> None:
    if node.get("type") != "SELECT_NODE":
        raise RowLevelRefused(f"set operations (UNION, EXCEPT, ...) are refused for aggregate-only data: {_SHAPE}")
    if node.get("cte_map", {}).get("map"):
        raise RowLevelRefused(f"CTEs (WITH ...) are refused for aggregate-only data: {_SHAPE}")
    source = node.get("from_table", {})
    if source.get("type") != "BASE_TABLE":
        raise RowLevelRefused(
            f"joins and subqueries in FROM are refused for aggregate-only data, as they can inflate the record "
            f"counts the output checks rely on: {_SHAPE}"
        )
    if source.get("sample") or node.get("sample"):
        raise RowLevelRefused(f"sampling is refused for aggregate-only data: {_SHAPE}")
    if node.get("qualify") is not None:
        raise RowLevelRefused(f"QUALIFY is refused for aggregate-only data: {_SHAPE}")
    for modifier in node.get("modifiers", []):
        if modifier.get("type") == "DISTINCT_MODIFIER":
            raise RowLevelRefused(f"SELECT DISTINCT is refused for aggregate-only data; use GROUP BY: {_SHAPE}")
    for expr in walk_expressions([node.get(k) for k in ("select_list", "where_clause", "having", "modifiers")]):
        if expr.get("class") == "SUBQUERY":
            raise RowLevelRefused(f"subqueries are refused for aggregate-only data: {_SHAPE}")
        if expr.get("class") == "WINDOW":
            raise RowLevelRefused(f"window functions are refused for aggregate-only data: {_SHAPE}")
        if expr.get("class") == "STAR":
            raise RowLevelRefused(f"SELECT * would return row-level data: name the grouped columns. {_SHAPE}")


def _require_safe(call: dict[str, Any]) -> None:
    name = function_name(call)
    if name not in SAFE_AGGREGATES:
        raise RowLevelRefused(
            f"{name}() can return a single person's value and is refused for aggregate-only data; "
            f"allowed: {', '.join(sorted(SAFE_AGGREGATES - {'count_star'}))}"
        )


def _aggregate_calls(tree: Any) -> list[dict[str, Any]]:
    """The outermost aggregate calls in `tree` (an aggregate's own arguments cannot hold another)."""
    found: list[dict[str, Any]] = []
    stack = [tree]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(reversed(value))
        elif isinstance(value, dict):
            if value.get("class") == "FUNCTION" and not value.get("is_operator") and function_name(value) in AGGREGATES:
                found.append(value)
                continue
            stack.extend(reversed(list(value.values())))
    return found


def _mentions_column(expr: dict[str, Any]) -> bool:
    return any(e.get("class") == "COLUMN_REF" for e in walk_expressions(expr))


class _GroupKeys:
    """What the query groups by: expressions, positions and select-list aliases."""

    def __init__(self, node: dict[str, Any]) -> None:
        self.select = node["select_list"]
        self.all = node.get("aggregate_handling") == "FORCE_AGGREGATES"  # GROUP BY ALL
        self.exprs: set[str] = set()
        self.positions: set[int] = set()
        self.names: set[str] = set()
        aliases = {str(item.get("alias", "")).lower(): i for i, item in enumerate(self.select) if item.get("alias")}
        for expr in node.get("group_expressions", []):
            if expr.get("class") == "CONSTANT" and expr.get("literal", {}).get("kind") == "INTEGER":
                self.positions.add(int(expr["literal"]["text"]) - 1)
                continue
            self.exprs.add(canonical(expr))
            if expr.get("class") == "COLUMN_REF":
                name = str(expr["column_names"][-1]).lower()
                self.names.add(name)
                if name in aliases:
                    self.positions.add(aliases[name])

    def _is_key_column(self, expr: dict[str, Any]) -> bool:
        return canonical(expr) in self.exprs or str(expr["column_names"][-1]).lower() in self.names

    def require_key(self, item: dict[str, Any], index: int) -> None:
        """A select item without aggregates must be a group key (or computed from keys and constants only)."""
        if self.all or index in self.positions or canonical(item) in self.exprs:
            return
        self._require_grouped(item)

    def require_grouped_outside_aggregates(self, item: dict[str, Any]) -> None:
        """Columns used next to an aggregate (`canton || count(*)`) must be group keys too."""
        if not self.all:
            self._require_grouped(item)

    def _require_grouped(self, item: dict[str, Any]) -> None:
        for expr in _columns_outside_aggregates(item):
            if not self._is_key_column(expr):
                raise RowLevelRefused(
                    f"the column {'.'.join(map(str, expr['column_names']))!r} is neither grouped nor aggregated, so "
                    f"the query would return row-level data: {_SHAPE}"
                )


def _columns_outside_aggregates(tree: Any) -> list[dict[str, Any]]:
    """Column references in `tree` that are not inside an aggregate call."""
    found: list[dict[str, Any]] = []
    stack = [tree]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            if value.get("class") == "COLUMN_REF":
                found.append(value)
            elif not (value.get("class") == "FUNCTION" and _aggregate_calls(value) == [value]):
                stack.extend(value.values())
    return found


@functools.lru_cache(maxsize=8)
def _templates(gate: SqlGate, n: int) -> dict[str, dict[str, Any]]:
    """The measurement expressions as syntax trees, parsed once per gate (callers copy before changing them)."""
    return {key: gate.parse(f"SELECT {sql.format(n=n)}")["select_list"][0] for key, sql in _TEMPLATES.items()}


def _substitute(tree: Any, replacement: dict[str, Any]) -> Any:
    if isinstance(tree, dict):
        if tree.get("class") == "COLUMN_REF" and tree.get("column_names") == [_PLACEHOLDER]:
            return copy.deepcopy(replacement)
        return {k: _substitute(v, replacement) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_substitute(v, replacement) for v in tree]
    return tree
