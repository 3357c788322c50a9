"""The SQL gate: DuckDB's own parser decides what a sandboxed query may do, never a regular expression.

Every query is parsed with `json_serialize_sql` (the same parser, same version, as the worker that runs it) and
its syntax tree is walked completely. A query passes only when it is

* exactly one statement, and a `SELECT` (so no `COPY`, `ATTACH`, `INSTALL`, `LOAD`, `SET`, `RESET`, `PRAGMA`,
  `EXPLAIN`, `CREATE`, ...);
* over the project's own views (or its own CTEs) by their bare names: no catalog or schema qualifier, no table
  functions (`read_parquet`, `read_csv`, `read_text`, `glob`, `sniff_csv`, `query`, `duckdb_views()`, ...), no
  file names as tables (`FROM 'x.parquet'`), no system views (`duckdb_settings`, `information_schema.*`), no
  `DESCRIBE` / `SUMMARIZE`, `PIVOT` or time travel;
* built from an allow-list of expression kinds and functions: ordinary arithmetic, string, date, conditional,
  aggregate and window functions. Anything else (`getenv`, `current_setting`, the pseudonym macro, lambdas,
  prepared parameters, unknown node kinds) is refused.

This gate is what keeps a project inside its views: the worker's connection may read the approved files (the
views need that), so a bare `read_parquet('<approved file>')` would otherwise bypass the approved columns, rows
and pseudonyms. The DuckDB configuration and the worker's seccomp filter are the second line behind it for
everything else (other files, writes, extensions, settings, the network).

CTE names are scoped the way DuckDB binds them: a CTE sees only the CTEs defined before it (and itself when it
is recursive), so `WITH a AS (FROM duckdb_views), duckdb_views AS (SELECT 1) FROM a` cannot smuggle a system
view in under a later CTE's name.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb

from access.pseudonyms import MACRO_NAME
from catalogue.errors import FedcatError


class InvalidSql(FedcatError):
    """The text is not valid DuckDB SQL, or is empty."""

    status, type, title = 400, "invalid-sql", "Invalid SQL"


class SeveralStatements(FedcatError):
    """More than one statement in one request."""

    status, type, title = 400, "several-statements", "One statement per request"


class ForbiddenSql(FedcatError):
    """A statement, function or construct the sandbox does not allow."""

    status, type, title = 403, "forbidden-sql", "SQL not allowed in the sandbox"


class UnknownView(FedcatError):
    """A table name that is not one of the project's views (whether or not another project has it)."""

    status, type, title = 404, "unknown-view", "Unknown view"


class SqlTooLarge(FedcatError):
    """The SQL text is longer than the sandbox accepts."""

    status, type, title = 413, "sql-too-large", "SQL too large"


# Aggregates that describe a group without revealing any one member's value (aggregate-only data allows these).
SAFE_AGGREGATES = frozenset(
    {"count", "count_star", "sum", "avg", "mean", "median", "stddev", "stddev_samp", "stddev_pop"}
    | {"variance", "var_samp", "var_pop"}
)
# Aggregates that can return one member's value (min, max, mode, ...) or list values: row-level data only.
OTHER_AGGREGATES = frozenset(
    {"min", "max", "any_value", "first", "last", "arg_min", "arg_max", "argmin", "argmax", "min_by", "max_by"}
    | {"mode", "quantile", "quantile_cont", "quantile_disc", "approx_count_distinct", "approx_quantile"}
    | {"bool_and", "bool_or", "string_agg", "group_concat", "list", "array_agg", "count_if", "countif"}
    | {"corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept", "regr_r2", "regr_count"}
    | {"entropy", "kurtosis", "skewness", "product", "fsum", "favg", "sumkahan", "kahan_sum", "histogram"}
)
AGGREGATES = SAFE_AGGREGATES | OTHER_AGGREGATES
WINDOW_FUNCTIONS = frozenset(
    {"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead"}
    | {"first_value", "last_value", "nth_value"}
)
SCALAR_FUNCTIONS = frozenset(
    # numbers
    {"abs", "round", "round_even", "floor", "ceil", "ceiling", "trunc", "sqrt", "cbrt", "exp", "ln", "log"}
    | {"log2", "log10", "pow", "power", "sign", "greatest", "least", "mod", "fmod", "pi", "radians", "degrees"}
    | {"isnan", "isinf", "isfinite", "even", "gcd", "lcm"}
    # text
    | {"lower", "upper", "lcase", "ucase", "length", "len", "char_length", "strlen", "substr", "substring"}
    | {"trim", "ltrim", "rtrim", "concat", "concat_ws", "replace", "left", "right", "starts_with", "ends_with"}
    | {"prefix", "suffix", "contains", "strpos", "position", "instr", "lpad", "rpad", "reverse", "split_part"}
    | {"regexp_matches", "regexp_replace", "regexp_extract", "regexp_full_match", "format", "printf"}
    # dates and times
    | {"date_trunc", "datetrunc", "date_part", "datepart", "year", "month", "day", "dayofmonth", "quarter"}
    | {"week", "weekofyear", "yearweek", "dayofweek", "isodow", "dayofyear", "hour", "minute", "second"}
    | {"epoch", "epoch_ms", "strftime", "strptime", "make_date", "make_timestamp", "make_time", "date_diff"}
    | {"datediff", "date_sub", "datesub", "date_add", "age", "last_day", "monthname", "dayname", "time_bucket"}
    | {"current_date", "today", "to_days", "to_months", "to_years", "to_hours", "to_minutes", "to_seconds"}
    | {"to_weeks"}
    # conditionals and constructors the parser itself produces ([1, 2], {'a': 1}, ROW(...), a[1], s.f)
    | {"nullif", "if", "list_value", "struct_pack", "row", "array_extract", "list_extract"}
    | {"struct_extract", "typeof"}
)
OPERATORS = frozenset(
    {"+", "-", "*", "/", "//", "%", "**", "^", "||", "@", "&", "|", "<<", ">>"}
    | {"~~", "!~~", "~~*", "!~~*", "~~~", "^@"}  # LIKE, NOT LIKE, ILIKE, NOT ILIKE, GLOB (on text), starts with
)
OPERATOR_TYPES = frozenset(
    {"OPERATOR_NOT", "OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL", "COMPARE_IN", "COMPARE_NOT_IN"}
    | {"OPERATOR_COALESCE", "ARRAY_EXTRACT", "ARRAY_SLICE", "STRUCT_EXTRACT", "ARRAY_CONSTRUCTOR"}
)
EXPRESSION_CLASSES = frozenset(
    {"COLUMN_REF", "CONSTANT", "FUNCTION", "WINDOW", "CAST", "CASE", "COMPARISON", "CONJUNCTION", "OPERATOR"}
    | {"BETWEEN", "COLLATE", "STAR", "SUBQUERY", "POSITIONAL_REFERENCE", "TYPE"}
)
QUERY_NODES = frozenset({"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE"})
TABLE_REFS = frozenset({"BASE_TABLE", "JOIN", "SUBQUERY", "EXPRESSION_LIST", "EMPTY", "EMPTY_FROM"})
# Every FROM-clause kind DuckDB has: the allowed ones above and those refused with a specific message.
ANY_TABLE_REF = TABLE_REFS | {"TABLE_FUNCTION", "SHOW_REF", "PIVOT", "COLUMN_DATA", "DELIM_GET", "BOUND_REF"}
FILTER_CLASSES = frozenset({"COLUMN_REF", "CONSTANT", "COMPARISON", "CONJUNCTION", "OPERATOR", "BETWEEN", "CAST"})
FILTER_OPERATOR_TYPES = frozenset(
    {"OPERATOR_NOT", "OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL", "COMPARE_IN", "COMPARE_NOT_IN"}
)
VIEW_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Names DuckDB keeps for its own catalog: a view must never shadow (or be confused with) one of them.
RESERVED_PREFIXES = ("duckdb_", "pg_", "sqlite_", "pragma_", "information_schema", "fedcat_")
# Position fields differ between two parses of the same tree; they are not part of its meaning.
_NOISE = frozenset({"query_location", "query_location_length", "alias"})


def valid_view_name(name: str) -> bool:
    """A lower-case SQL identifier that cannot collide with DuckDB's catalog or the sandbox's own objects."""
    return bool(VIEW_NAME.match(name)) and not name.startswith(RESERVED_PREFIXES)


def quote_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """`text` as a single-quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def canonical(tree: Any) -> str:
    """A stable text for a syntax (sub)tree, ignoring positions and aliases: equal text means the same meaning."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in _NOISE}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(tree), sort_keys=True, separators=(",", ":"))


def function_name(node: dict[str, Any]) -> str:
    """The lower-case name of a FUNCTION or WINDOW node."""
    return str(node.get("function_name", "")).lower()


def arguments(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The argument expressions of a FUNCTION or WINDOW node."""
    return [arg["expression"] for arg in node.get("arguments", []) if isinstance(arg, dict) and "expression" in arg]


def walk_expressions(tree: Any) -> Iterator[dict[str, Any]]:
    """Every expression node in `tree` (pre-order, without descending into subqueries)."""
    stack = [tree]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(reversed(value))
        elif isinstance(value, dict):
            if value.get("class") == "SUBQUERY":
                yield value
                continue
            if "class" in value:
                yield value
            stack.extend(reversed(list(value.values())))


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the gate: its text, its parsed statement and the project views it reads."""

    sql: str
    node: dict[str, Any]
    views: tuple[str, ...]


class SqlGate:
    """Parses and checks sandbox SQL with an in-memory DuckDB that can touch nothing (thread-safe)."""

    def __init__(self, max_sql_bytes: int = 65_536) -> None:
        self.max_sql_bytes = max_sql_bytes
        self._lock = threading.Lock()
        self._con = duckdb.connect(
            ":memory:",
            config={"autoload_known_extensions": False, "autoinstall_known_extensions": False, "threads": 1},
        )
        # The parser connection only parses; it is locked down anyway so a parser surprise cannot reach out.
        for statement in (
            "SET enable_external_access = false",
            "SET allow_community_extensions = false",
            "SET max_expression_depth = 250",  # deeper trees are refused before they reach the tree walk
            "SET lock_configuration = true",
        ):
            self._con.execute(statement)

    def close(self) -> None:
        """Release the parser connection."""
        with self._lock:
            self._con.close()

    # -- parsing -----------------------------------------------------------------------------------------------

    def parse(self, sql: str) -> dict[str, Any]:
        """The single SELECT statement in `sql` as DuckDB's syntax tree; refuses everything else."""
        if not isinstance(sql, str) or not sql.strip():
            raise InvalidSql("the query is empty")
        if len(sql.encode()) > self.max_sql_bytes:
            raise SqlTooLarge(f"the query is longer than {self.max_sql_bytes} bytes")
        with self._lock:
            raw = self._con.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone()
        parsed: dict[str, Any] = json.loads(raw[0]) if raw else {"error": True}
        if parsed.get("error"):
            if parsed.get("error_type") == "parser":
                raise InvalidSql(f"the query is not valid SQL: {parsed.get('error_message', 'syntax error')}")
            # Not a SELECT: say which statement kinds were sent.
            kinds = self._statement_kinds(sql)
            if len(kinds) > 1:
                raise SeveralStatements(f"send one statement per request (this request has {len(kinds)})")
            raise ForbiddenSql(
                f"only SELECT queries are allowed in the sandbox (this is {', '.join(kinds) or 'not a query'})"
            )
        statements = parsed.get("statements", [])
        if len(statements) != 1:
            raise SeveralStatements(f"send one statement per request (this request has {len(statements)})")
        node = statements[0].get("node")
        if not isinstance(node, dict):
            raise InvalidSql("the query could not be parsed")
        return node

    def _statement_kinds(self, sql: str) -> list[str]:
        try:
            with self._lock:
                statements = self._con.extract_statements(sql)
        except duckdb.Error as exc:
            raise InvalidSql(f"the query is not valid SQL: {exc}") from None
        return [str(s.type).rsplit(".", 1)[-1] for s in statements]

    def to_sql(self, node: dict[str, Any]) -> str:
        """SQL text for a (possibly rewritten) SELECT tree, printed by DuckDB itself."""
        document = json.dumps({"error": False, "statements": [{"node": node, "named_param_map": []}]})
        with self._lock:
            row = self._con.execute("SELECT json_deserialize_sql(?::JSON)", [document]).fetchone()
        if not row or not isinstance(row[0], str):
            raise InvalidSql("the query could not be printed back")
        return row[0]

    # -- checking ----------------------------------------------------------------------------------------------

    def check(self, sql: str, views: Collection[str]) -> CheckedQuery:
        """Parse `sql` and walk all of it; `views` are the project's view names (lower case)."""
        node = self.parse(sql)
        used = _Walker(frozenset(v.lower() for v in views)).run(node)
        return CheckedQuery(sql=sql, node=node, views=tuple(sorted(used)))

    def check_tree(self, node: dict[str, Any], views: Collection[str]) -> tuple[str, ...]:
        """Walk an already parsed tree (a rewrite of a checked one); the views it reads."""
        return tuple(sorted(_Walker(frozenset(v.lower() for v in views)).run(node)))

    def filter_sql(self, expression: str, columns: Collection[str]) -> tuple[str, dict[str, Any]]:
        """A steward's row filter, validated and printed canonically; also its tree for later comparison.

        Only column references (to `columns`), literals, casts, comparisons (including IN, BETWEEN, LIKE,
        IS NULL) and AND / OR / NOT are accepted: a row filter restricts rows, it computes nothing.
        """
        node = self.parse(f"SELECT 1 WHERE {expression}")
        where = node.get("where_clause")
        # Nothing but the WHERE may differ from `SELECT 1 WHERE true`: no GROUP BY, LIMIT, ... tucked behind it.
        template = self.parse("SELECT 1 WHERE true")
        template["where_clause"] = where
        if not isinstance(where, dict) or canonical(template) != canonical(node):
            raise ForbiddenSql("a row filter is one boolean expression over the dataset's columns")
        known = {c.lower() for c in columns}
        for expr in walk_expressions(where):
            kind = expr.get("class")
            if kind == "FUNCTION" and expr.get("is_operator") and function_name(expr) in {"~~", "!~~", "~~*", "!~~*"}:
                continue
            if kind == "TYPE":
                continue
            if kind not in FILTER_CLASSES:
                raise ForbiddenSql(f"a row filter may not use {str(kind).lower()} expressions")
            if kind == "OPERATOR" and expr.get("type") not in FILTER_OPERATOR_TYPES:
                raise ForbiddenSql(f"a row filter may not use {expr.get('type')}")
            if kind == "COLUMN_REF":
                names = expr.get("column_names", [])
                if len(names) != 1 or str(names[0]).lower() not in known:
                    raise ForbiddenSql(f"the row filter names an unknown column {'.'.join(map(str, names))!r}")
        text = self.to_sql(node)
        prefix = "SELECT 1 WHERE "
        if not text.startswith(prefix):
            raise InvalidSql("the row filter could not be printed back")
        return text[len(prefix) :], where


class _Walker:
    """One pass over a statement tree: refuses anything off the allow-lists, collects the views read."""

    def __init__(self, views: frozenset[str]) -> None:
        self.views = views
        self.used: set[str] = set()

    def run(self, node: dict[str, Any]) -> set[str]:
        try:
            self._query(node, frozenset())
        except RecursionError:
            raise InvalidSql("the query is nested too deeply") from None
        return self.used

    # Query nodes carry the CTE scopes; everything below them is walked iteratively in `_values`.
    def _query(self, node: Any, scope: frozenset[str]) -> None:
        if not isinstance(node, dict) or node.get("type") not in QUERY_NODES:
            raise ForbiddenSql(f"unsupported query construct {_kind(node)}")
        entries = node.get("cte_map", {}).get("map", [])
        for entry in entries:
            name = str(entry.get("key", "")).lower()
            body = entry.get("value", {})
            # A CTE sees the ones before it; itself only when recursive (then DuckDB parses a RECURSIVE_CTE_NODE).
            self._query(body.get("query_node"), scope)
            self._values([v for k, v in body.items() if k != "query_node"], scope)
            scope = scope | {name}
        kind = node["type"]
        if kind == "RECURSIVE_CTE_NODE":
            own = scope | {str(node.get("cte_name", "")).lower()}
            self._query(node.get("left"), scope)
            self._query(node.get("right"), own)
            rest = {k: v for k, v in node.items() if k not in {"left", "right", "cte_map"}}
        elif kind == "SET_OPERATION_NODE":
            children = [c for c in [node.get("left"), node.get("right"), *node.get("children", [])] if c is not None]
            for child in children:
                self._query(child, scope)
            rest = {k: v for k, v in node.items() if k not in {"left", "right", "children", "cte_map"}}
        else:
            self._table(node.get("from_table"), scope)
            rest = {k: v for k, v in node.items() if k not in {"from_table", "cte_map"}}
        self._values(list(rest.values()), scope)

    def _table(self, ref: Any, scope: frozenset[str]) -> None:
        if not isinstance(ref, dict):
            raise ForbiddenSql("unsupported FROM clause")
        kind = ref.get("type")
        if kind == "TABLE_FUNCTION":
            name = function_name(ref.get("function", {})) or "table function"
            raise ForbiddenSql(
                f"{name}() is not allowed: the sandbox reads only the project's views, never files or catalog "
                "functions; GET /api/projects/{id}/views lists the views"
            )
        if kind == "SHOW_REF":
            raise ForbiddenSql("DESCRIBE / SUMMARIZE are not allowed; GET /api/projects/{id}/views lists the columns")
        if kind == "PIVOT":
            raise ForbiddenSql("PIVOT is not allowed in the sandbox; use GROUP BY")
        if kind not in TABLE_REFS:
            raise ForbiddenSql(f"unsupported FROM clause {kind}")
        if kind == "BASE_TABLE":
            self._base_table(ref, scope)
            self._values([ref.get("sample")], scope)
        elif kind == "JOIN":
            self._table(ref.get("left"), scope)
            self._table(ref.get("right"), scope)
            self._values([ref.get("condition"), ref.get("ranking_expression")], scope)
        elif kind == "SUBQUERY":
            self._query(ref.get("subquery", {}).get("node"), scope)
        elif kind == "EXPRESSION_LIST":
            self._values(ref.get("values", []), scope)

    def _base_table(self, ref: dict[str, Any], scope: frozenset[str]) -> None:
        name = str(ref.get("table_name", ""))
        if ref.get("catalog_name") or ref.get("schema_name"):
            qualified = ".".join(str(p) for p in (ref.get("catalog_name"), ref.get("schema_name"), name) if p)
            raise ForbiddenSql(f"name views without a catalog or schema ({qualified!r} is not allowed)")
        if ref.get("at_clause"):
            raise ForbiddenSql("time travel (AT ...) is not allowed")
        lowered = name.lower()
        if lowered in scope:
            return
        if lowered in self.views:
            self.used.add(lowered)
            return
        if "/" in name or "\\" in name or "." in name:
            raise ForbiddenSql(f"reading files is not allowed ({name!r}); query the project's views by name")
        raise UnknownView(
            f"no view named {name!r} in this project; GET /api/projects/{{id}}/views lists the views",
            view=name,
        )

    def _values(self, values: list[Any], scope: frozenset[str]) -> None:
        # Iterative so that a long chain of expressions cannot exhaust Python's recursion limit.
        stack = list(values)
        while stack:
            value = stack.pop()
            if isinstance(value, list):
                stack.extend(value)
                continue
            if not isinstance(value, dict):
                continue
            kind = value.get("type")
            if "class" not in value and isinstance(kind, str) and kind in QUERY_NODES:
                self._query(value, scope)
                continue
            if "class" not in value and ((isinstance(kind, str) and kind in ANY_TABLE_REF) or "table_name" in value):
                # A table reference wherever it sits: its name is checked, never skipped.
                self._table(value, scope)
                continue
            if "class" in value:
                self._expression(value)
                if value["class"] == "SUBQUERY":
                    self._query(value.get("subquery", {}).get("node"), scope)
                    stack.append(value.get("child"))
                    continue
            stack.extend(value.values())

    def _expression(self, expr: dict[str, Any]) -> None:
        kind = expr.get("class")
        if kind not in EXPRESSION_CLASSES:
            if kind == "PARAMETER":
                raise ForbiddenSql("prepared-statement parameters are not allowed; write the values in the query")
            if kind == "LAMBDA":
                raise ForbiddenSql("lambda functions are not allowed in the sandbox")
            raise ForbiddenSql(f"{str(kind).lower()} expressions are not allowed in the sandbox")
        if kind == "OPERATOR" and expr.get("type") not in OPERATOR_TYPES:
            raise ForbiddenSql(f"the operator {expr.get('type')} is not allowed in the sandbox")
        if kind in {"FUNCTION", "WINDOW"}:
            self._function(expr, window=kind == "WINDOW")

    def _function(self, expr: dict[str, Any], *, window: bool) -> None:
        name = function_name(expr)
        if expr.get("schema") or expr.get("catalog"):
            raise ForbiddenSql(f"call functions without a catalog or schema ({name}() is qualified)")
        if expr.get("export_state"):
            raise ForbiddenSql("EXPORT_STATE is not allowed")
        if expr.get("is_operator"):
            allowed = name in OPERATORS
        elif window:
            allowed = name in WINDOW_FUNCTIONS or name in AGGREGATES
        else:
            allowed = name in SCALAR_FUNCTIONS or name in AGGREGATES
        if not allowed or name == MACRO_NAME:
            raise ForbiddenSql(
                f"the function {name}() is not allowed in the sandbox (allowed: arithmetic, text, date, "
                "conditional, aggregate and window functions)",
                function=name,
            )


def _kind(node: Any) -> str:
    return str(node.get("type")) if isinstance(node, dict) else type(node).__name__
