"""Read hosted Parquet / CSV files through DuckDB: format checks, schema, column statistics and data frames.

GX's SQL datasource gives wrong results on DuckDB (great_expectations issue 11579), so GX never sees DuckDB:
statistics come from DuckDB SQL, and GX validates a pandas frame that DuckDB produced.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb

from catalogue.errors import ParseError

Kind = Literal["parquet", "csv"]
PARQUET_MAGIC = b"PAR1"
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
INTEGER = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
FLOAT = {"FLOAT", "DOUBLE", "REAL"}
# pandas cannot hold datetimes outside about 1677..2262 at nanosecond precision, which GX's fast path needs.
SAFE_YEARS = (1678, 2261)


class UnreadableData(ParseError):
    """A file that is not Parquet or CSV, or that DuckDB cannot read."""

    type, title = "unreadable-data", "Data file cannot be read"


@dataclass(frozen=True)
class Column:
    """One column: its name, DuckDB type and the coarse kind quality rules use."""

    name: str
    type: str

    @property
    def kind(self) -> str:
        """integer, float, boolean, date, timestamp, string or other."""
        base = self.type.split("(")[0].upper()
        if base in INTEGER:
            return "integer"
        if base in FLOAT or base == "DECIMAL":
            return "float"
        if base == "BOOLEAN":
            return "boolean"
        if base == "DATE":
            return "date"
        if base.startswith("TIMESTAMP"):
            return "timestamp"
        if base == "VARCHAR":
            return "string"
        return "other"

    @property
    def ordered(self) -> bool:
        """True when min / max mean something (numbers and points in time)."""
        return self.kind in ("integer", "float", "date", "timestamp")


@dataclass
class ColumnStats:
    """Aggregate statistics of one column: no row values, except min / max of ordered columns."""

    column: Column
    rows: int
    nulls: int
    distinct: int  # approximate (HyperLogLog) unless `exact` is set
    minimum: Any = None
    maximum: Any = None
    exact: bool = False
    values: list[Any] | None = None  # the distinct values, for low-cardinality columns only

    @property
    def null_rate(self) -> float:
        """Share of null values (0..1)."""
        return self.nulls / self.rows if self.rows else 0.0


@dataclass
class TableStats:
    """Row count and per-column statistics of one file."""

    rows: int
    columns: list[Column]
    stats: dict[str, ColumnStats] = field(default_factory=dict)


def detect_kind(path: Path) -> Kind:
    """Parquet by its magic bytes, CSV by its extension and text content; `UnreadableData` otherwise."""
    if not path.is_file():
        raise UnreadableData(f"{path} is not a file")
    with path.open("rb") as fh:
        head = fh.read(65536)
        if head[:4] == PARQUET_MAGIC:
            fh.seek(-4, 2)
            if fh.read(4) == PARQUET_MAGIC:
                return "parquet"
            raise UnreadableData(f"{path.name} starts like Parquet but is truncated or damaged")
    if path.suffix.lower() == ".parquet":
        raise UnreadableData(f"{path.name} is named .parquet but is not a Parquet file")
    if path.suffix.lower() not in CSV_SUFFIXES:
        raise UnreadableData(f"{path.name}: only Parquet files and CSV files (.csv, .tsv, .txt) can be hosted")
    if b"\x00" in head:
        raise UnreadableData(f"{path.name} holds binary data, not CSV text")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a cut at the buffer end may split a character; anything else is not UTF-8
            raise UnreadableData(f"{path.name} is not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    return "csv"


def sql_string(value: str) -> str:
    """A SQL string literal (DuckDB table functions take the path as a constant)."""
    return "'" + value.replace("'", "''") + "'"


def source_sql(path: Path, kind: Kind) -> str:
    """The DuckDB table function reading `path`."""
    if kind == "parquet":
        return f"read_parquet({sql_string(str(path))})"
    # Scanning the whole file for types (sample_size=-1) avoids a late row failing an early guess.
    return f"read_csv({sql_string(str(path))}, header=true, auto_detect=true, sample_size=-1)"


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that will not autoload or install extensions."""
    return duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})


def quote(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


_recent: dict[tuple[str, int, int], TableStats] = {}


def table_stats(path: Path, kind: Kind, con: duckdb.DuckDBPyConnection | None = None) -> TableStats:
    """Schema, row count, null counts, approximate distinct counts and min / max in one scan.

    The last result is remembered by path, size and mtime: profiling then validating the same file in one
    process (`fedcat data add`, the demo build) scans it once. Callers get a copy they may refine.
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _recent:
        return copy.deepcopy(_recent[key])
    found = _table_stats(path, kind, con)
    _recent.clear()
    _recent[key] = copy.deepcopy(found)
    return found


def _table_stats(path: Path, kind: Kind, con: duckdb.DuckDBPyConnection | None) -> TableStats:
    con = con or connect()
    source = source_sql(path, kind)
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        columns = [Column(str(row[0]), str(row[1])) for row in described]
        if not columns:
            raise UnreadableData(f"{path.name} has no columns")
        parts = ["count(*)"]
        for col in columns:
            q = quote(col.name)
            parts += [f"count({q})", f"approx_count_distinct({q})"]
            if col.ordered:
                parts += [f"min({q})", f"max({q})"]
        row = con.execute(f"SELECT {', '.join(parts)} FROM {source}").fetchone()
    except duckdb.Error as exc:
        raise UnreadableData(f"{path.name} cannot be read as {kind.upper()}: {exc}") from exc
    assert row is not None
    rows = int(row[0])
    stats: dict[str, ColumnStats] = {}
    k = 1
    for col in columns:
        s = ColumnStats(col, rows, rows - int(row[k]), int(row[k + 1]))
        k += 2
        if col.ordered:
            s.minimum, s.maximum = row[k], row[k + 1]
            k += 2
        stats[col.name] = s
    return TableStats(rows, columns, stats)


def refine(
    path: Path,
    kind: Kind,
    table: TableStats,
    exact: list[str],
    listed: list[str],
    con: duckdb.DuckDBPyConnection | None = None,
) -> None:
    """Exact distinct counts for `exact` columns and the distinct values of `listed` ones, in one scan."""
    if not exact and not listed:
        return
    con = con or connect()
    parts = [f"count(DISTINCT {quote(c)})" for c in exact] + [f"list(DISTINCT {quote(c)})" for c in listed]
    try:
        row = con.execute(f"SELECT {', '.join(parts)} FROM {source_sql(path, kind)}").fetchone()
    except duckdb.Error as exc:
        raise UnreadableData(f"{path.name} cannot be read as {kind.upper()}: {exc}") from exc
    assert row is not None
    for name, value in zip(exact, row[: len(exact)], strict=True):
        table.stats[name].distinct = int(value)
        table.stats[name].exact = True
    for name, value in zip(listed, row[len(exact) :], strict=True):
        table.stats[name].values = sorted(v for v in value if v is not None)


def read_frame(path: Path, kind: Kind, con: duckdb.DuckDBPyConnection | None = None) -> Any:
    """The whole file as a pandas DataFrame, with dtypes GX validates on its vectorised paths.

    GX compares values in Python, row by row, unless a column is exactly int64 / float64 / datetime64[ns]
    (expectations/metrics/column_map_metrics/column_values_between.py); DuckDB's int32, date32 or
    microsecond timestamps would cost ~10x. So narrower numbers are widened, datetimes set to ns and text
    put in pandas' NA-backed string dtype.
    """
    import pandas as pd

    con = con or connect()
    try:
        arrow = con.sql(f"SELECT * FROM {source_sql(path, kind)}").to_arrow_table()
    except duckdb.Error as exc:
        raise UnreadableData(f"{path.name} cannot be read as {kind.upper()}: {exc}") from exc
    frame = arrow.to_pandas(date_as_object=False, self_destruct=True, split_blocks=True)
    del arrow
    for name in frame.columns:
        dtype = frame[name].dtype
        kind_code = getattr(dtype, "kind", "O")
        if kind_code in "iu" and dtype != "int64":
            frame[name] = frame[name].astype("int64")
        elif kind_code == "f" and dtype != "float64":
            frame[name] = frame[name].astype("float64")
        elif kind_code == "M" and str(dtype) != "datetime64[ns]":
            # Out of the ns range the column stays as it is: profiling gave it no range expectation (SAFE_YEARS).
            with contextlib.suppress(pd.errors.OutOfBoundsDatetime, OverflowError, ValueError):
                frame[name] = frame[name].astype("datetime64[ns]")
        elif isinstance(dtype, pd.StringDtype) and dtype.na_value is not pd.NA:
            # pandas 3's default "str" dtype matches no GX type name; the NA-backed StringDtype matches
            # "StringDtype" and keeps GX on its vectorised paths (the cast is free: same Arrow storage).
            frame[name] = frame[name].astype(pd.StringDtype())
        elif kind_code == "O" and len(frame) and _is_decimal(frame[name]):
            frame[name] = frame[name].astype("float64")
    return frame


def _is_decimal(series: Any) -> bool:
    from decimal import Decimal

    first = series.dropna().head(1)
    return bool(len(first)) and isinstance(first.iloc[0], Decimal)
