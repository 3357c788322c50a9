"""The sandbox's interface types: an approval as the sandbox receives it, the views it exposes, query results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

AccessMode = Literal["row-level", "aggregate-only"]
Format = Literal["json", "csv", "parquet", "arrow"]
FORMATS: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "arrow": "application/vnd.apache.arrow.stream",
}


@dataclass(frozen=True)
class ApprovedDataset:
    """One dataset of an approval, as the steward decided it."""

    dataset_id: str  # public dataset id
    view_name: str  # SQL identifier derived from the dataset (slug), never a path
    files: tuple[Path, ...]  # hosted Parquet/CSV files under <home>/data/... (absolute, or relative to home)
    columns: tuple[str, ...] = ()  # approved columns; () = all
    row_filter: str | None = None  # boolean SQL over the file's columns: column refs, literals, comparisons
    pseudonymise: tuple[str, ...] = ()  # columns replaced by the project's keyed hash
    access_mode: AccessMode = "row-level"


@dataclass(frozen=True)
class Entitlement:
    """An approved project's datasets and the end of its access."""

    project_id: str
    datasets: tuple[ApprovedDataset, ...]
    expires_at: datetime  # UTC; a naive datetime is taken as UTC


@dataclass(frozen=True)
class ColumnInfo:
    """A view column: its name, DuckDB type, and whether it holds the project's pseudonyms of an identifier."""

    name: str
    type: str
    pseudonymised: bool = False


@dataclass(frozen=True)
class ViewInfo:
    """What a project sees of one approved dataset."""

    name: str
    dataset_id: str
    columns: tuple[ColumnInfo, ...]
    access_mode: AccessMode

    def to_dict(self) -> dict[str, Any]:
        """JSON shape for `GET /api/projects/{id}/views`."""
        return {
            "name": self.name,
            "dataset_id": self.dataset_id,
            "access_mode": self.access_mode,
            "columns": [{"name": c.name, "type": c.type, "pseudonymised": c.pseudonymised} for c in self.columns],
        }


@dataclass(frozen=True)
class QueryResult:
    """A checked, capped query result; `rows` for JSON, `data` for CSV / Parquet / Arrow."""

    columns: list[dict[str, str]]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    suppressed: list[dict[str, Any]]
    datasets: tuple[str, ...]
    format: Format = "json"
    data: bytes | None = None
    media_type: str = FORMATS["json"]

    def to_json(self) -> dict[str, Any]:
        """The JSON body of `POST /api/projects/{id}/query` with `format: json`."""
        return {
            "columns": self.columns,
            "rows": self.rows,
            "row_count": self.row_count,
            "truncated": self.truncated,
            "suppressed": self.suppressed,
            "datasets": list(self.datasets),
        }
