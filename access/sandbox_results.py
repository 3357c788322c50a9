"""Query results out of the sandbox: JSON-ready rows, or CSV / Parquet / Arrow bytes."""

from __future__ import annotations

import io
import math
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any, cast

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc as paipc
import pyarrow.parquet as pq

from access.sandbox_errors import QueryFailed
from access.sandbox_model import FORMATS, Format, QueryResult


def query_result(
    table: pa.Table,
    columns: list[dict[str, str]],
    truncated: bool,
    suppressed: list[dict[str, Any]],
    datasets: tuple[str, ...],
    fmt: str,
) -> QueryResult:
    """The result of a checked query in the format asked for: rows for JSON, encoded bytes otherwise."""
    rows: list[list[Any]] = []
    data: bytes | None = None
    if fmt == "json":
        rows = [[_json_value(v) for v in row] for row in zip(*(c.to_pylist() for c in table.columns), strict=True)]
    else:
        data = encode(table, fmt)
    return QueryResult(
        columns=columns,
        rows=rows,
        row_count=table.num_rows,
        truncated=truncated,
        suppressed=suppressed,
        datasets=datasets,
        format=cast(Format, fmt),
        data=data,
        media_type=FORMATS[fmt],
    )


def encode(table: pa.Table, fmt: str) -> bytes:
    """A table as CSV, Parquet or an Arrow IPC stream; a type the format cannot hold is a `QueryFailed`."""
    sink = io.BytesIO()
    try:
        if fmt == "csv":
            pacsv.write_csv(table, sink)
        elif fmt == "parquet":
            pq.write_table(table, sink)
        else:
            with paipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise QueryFailed(f"the result cannot be written as {fmt}: {exc}; try json or arrow") from exc
    return sink.getvalue()


def _json_value(value: Any) -> Any:
    """A JSON-ready value: ISO dates and times, finite floats, text for what JSON has no type for."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date | clock_time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):  # a MAP: (key, value) pairs
            return {str(k): _json_value(v) for k, v in value}
        return [_json_value(v) for v in value]
    return str(value)
