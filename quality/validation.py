"""`fedcat quality validate`: run a dataset's suite with Great Expectations 1.x on its hosted data.

The data reach GX as a pandas frame read by DuckDB (reading.py), never through GX's SQL datasource. Results
keep counts and percentages only: GX is asked for no unexpected values (`partial_unexpected_count: 0`) and
whatever value lists it returns anyway are dropped field by field, by an allow-list, before anything is
stored. `import great_expectations` takes seconds, so it starts on a thread while DuckDB reads the file
(gx_loading.py).
"""

from __future__ import annotations

import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from catalogue.clock import now_iso
from catalogue.config import Settings
from catalogue.errors import NotFound
from quality.drift import Drift, column_statistics, compare
from quality.gx_loading import preload_gx, wait_for_gx
from quality.hosted import HostedFile
from quality.reading import connect, read_frame, table_stats
from quality.suites import Suite, SuiteError, is_active

KEEP_RESULTS = 20
POSITION = "fedcat_position"  # meta key carrying an expectation's place in the suite file
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0}
# The only result fields that leave GX: counts and percentages (plus `observed_value` where safe, below).
COUNT_FIELDS = (
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "missing_count",
    "missing_percent",
)
# Expectations whose observed value describes the table or schema, never a row.
SCHEMA_OBSERVED = {
    "expect_table_row_count_to_be_between",
    "expect_table_row_count_to_equal",
    "expect_table_column_count_to_be_between",
    "expect_table_column_count_to_equal",
    "expect_column_values_to_be_in_type_list",
    "expect_column_values_to_be_of_type",
}
# Column aggregates: published only for non-identifying columns of row-level data.
AGGREGATE_OBSERVED = {
    "expect_column_mean_to_be_between",
    "expect_column_median_to_be_between",
    "expect_column_stdev_to_be_between",
    "expect_column_min_to_be_between",
    "expect_column_max_to_be_between",
    "expect_column_sum_to_be_between",
    "expect_column_unique_value_count_to_be_between",
    "expect_column_proportion_of_unique_values_to_be_between",
}


def gx_version() -> str:
    """The installed GX version (read from package metadata: does not import GX)."""
    from importlib.metadata import version

    return version("great_expectations")


@cache
def _batch_definition() -> Any:
    """One ephemeral GX context per process, with a pandas dataframe asset and progress bars off."""
    wait_for_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every frame under 1 GB for its batch markers (pandas row hashes, then MD5: 2.5 s of a
    # 1M x 20 validation). fedcat never reads that marker (the file's SHA-256 names the data), so it is off.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("fedcat").add_dataframe_asset("hosted")
    return asset.add_batch_definition_whole_dataframe("whole")


def gx_suite(name: str, expectations: list[tuple[int, dict[str, Any]]]) -> Any:
    """GX objects for (position in the suite file, expectation) pairs; `SuiteError` naming the first one GX
    refuses. Each carries its position in `meta` so results can be put back in the file's order."""
    _batch_definition()
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
    from great_expectations.expectations.registry import get_expectation_impl

    built = []
    for n, e in expectations:
        try:
            get_expectation_impl(e["type"])  # GX would only log an unknown type and drop it
            meta = {**(e.get("meta") or {}), POSITION: n}
            conf = ExpectationConfiguration(type=e["type"], kwargs=e.get("kwargs", {}), meta=meta)
            built.append(conf.to_domain_obj())
        except Exception as exc:  # GX raises pydantic, marshmallow and its own errors here
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SuiteError(f"expectation #{n} ({e['type']}) is not valid: {message}") from exc
    return gx.ExpectationSuite(name=name, expectations=built)


def _column_of(expectation: dict[str, Any], columns: Any) -> str | None:
    """The one column an expectation looks at, when nothing else (other columns, row conditions) matters."""
    kwargs = expectation.get("kwargs") or {}
    column = kwargs.get("column")
    others = ("column_A", "column_B", "column_list", "row_condition")
    if isinstance(column, str) and column in columns and not any(k in kwargs for k in others):
        return column
    return None


def run_suite(frame: Any, name: str, expectations: list[tuple[int, dict[str, Any]]]) -> list[Any]:
    """GX results in suite order. Single-column expectations run on a one-column frame each: GX filters the
    whole batch frame by the column's non-null mask before every map expectation, copying all 20 columns of
    a wide table ~40 times; a one-column frame makes that copy one column wide (30 % less time at 1M x 20)."""
    groups: dict[str | None, list[tuple[int, dict[str, Any]]]] = {}
    for n, e in expectations:
        groups.setdefault(_column_of(e, frame.columns), []).append((n, e))
    suites = {key: gx_suite(f"{name}:{key or '*'}", members) for key, members in groups.items()}  # all checked first
    found: dict[int, Any] = {}
    for key, gx_objects in suites.items():
        part = frame if key is None else frame[[key]]
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": part})
        for result in batch.validate(gx_objects, result_format=RESULT_FORMAT).results:
            found[result.expectation_config.meta[POSITION]] = result
    return [found[n] for n, _ in expectations]


@dataclass
class ExpectationOutcome:
    """One expectation's result with no row values in it."""

    type: str
    column: str | None
    success: bool
    counts: dict[str, float | int] = field(default_factory=dict)
    observed: Any = None  # only when publishable (schema facts, or aggregates of non-identifying columns)
    error: bool = False


@dataclass
class ValidationOutcome:
    """A validation run of one dataset."""

    dataset_id: str
    run: str
    started: str
    ended: str
    gx_version: str
    sha256: str
    access_mode: str
    success: bool
    evaluated: int
    successful: int
    results: list[ExpectationOutcome]
    statistics: dict[str, Any]
    drift: list[Drift]
    identifier_columns: list[str]
    errors: list[str] = field(default_factory=list)  # GX exception messages: kept under the home, never published

    @property
    def success_ratio(self) -> float:
        """Share of expectations met (1.0 when there were none)."""
        return self.successful / self.evaluated if self.evaluated else 1.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form, for `<home>/quality/results/`."""
        data = asdict(self)
        data["drift"] = [d.to_dict() for d in self.drift]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationOutcome:
        """Read back a stored run."""
        data = dict(data)
        data["results"] = [ExpectationOutcome(**r) for r in data["results"]]
        data["drift"] = [Drift(**d) for d in data["drift"]]
        return cls(**data)


def results_dir(settings: Settings, dataset_id: str) -> Path:
    """`<home>/quality/results/<dataset-id>/`: one JSON file per run."""
    return settings.home / "quality" / "results" / dataset_id


def stored_results(settings: Settings, dataset_id: str) -> list[ValidationOutcome]:
    """The stored runs of a dataset, newest first (damaged files are skipped)."""
    folder = results_dir(settings, dataset_id)
    runs = sorted(folder.glob("run-*.json"), reverse=True) if folder.is_dir() else []
    found = []
    for path in runs:
        try:
            found.append(ValidationOutcome.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError, KeyError):
            continue  # a damaged old run only loses its drift baseline
    return found


def latest_result(settings: Settings, dataset_id: str) -> ValidationOutcome | None:
    """The newest stored run of a dataset, if any."""
    runs = stored_results(settings, dataset_id)
    return runs[0] if runs else None


def _outcome(result: Any, identifiers: set[str], row_level: bool) -> ExpectationOutcome:
    config = result.expectation_config
    column = config.kwargs.get("column")
    raw = result.result or {}
    counts = {k: raw[k] for k in COUNT_FIELDS if isinstance(raw.get(k), int | float) and not isinstance(raw[k], bool)}
    observed = raw.get("observed_value")
    publishable = config.type in SCHEMA_OBSERVED or (
        config.type in AGGREGATE_OBSERVED and row_level and column not in identifiers
    )
    if not publishable or not isinstance(observed, int | float | str | bool):
        observed = None
    return ExpectationOutcome(config.type, column, bool(result.success), counts, observed, bool(_errors(result)))


def _errors(result: Any) -> list[str]:
    """The exception messages of one result: GX files them flat, or per metric when a metric failed."""
    info = result.exception_info or {}
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    return [str(e.get("exception_message") or "error")[:500] for e in entries if e.get("raised_exception")]


def validate(settings: Settings, hosted: HostedFile, suite: Suite, *, base_url: str | None = None) -> ValidationOutcome:
    """Run the suite on the hosted file, compare with the previous run, store the run; returns it."""
    path = hosted.path(settings)
    if not path.is_file():
        raise NotFound(f"the hosted file of {hosted.dataset_id} is missing at {path}; run `fedcat data add` again")
    preload_gx()
    started = now_iso()
    meta = (suite.get("meta") or {}).get("fedcat") or {}
    identifiers = set(meta.get("identifier_columns") or [])
    active = [(n, e) for n, e in enumerate(suite["expectations"], 1) if is_active(e)]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fedcat-stats") as pool:
        frame = read_frame(path, hosted.kind)
        # DuckDB computes the drift statistics while GX (Python, holding the GIL) validates the frame.
        stats_job = pool.submit(table_stats, path, hosted.kind, connect())
        results = run_suite(frame, suite.get("name") or f"fedcat-{hosted.dataset_id}", active)
        del frame
        table = stats_job.result()
    row_level = hosted.access_mode == "row-level"
    outcomes = [_outcome(r, identifiers, row_level) for r in results]
    errors = [f"{r.expectation_config.type}: {m}" for r in results for m in _errors(r)]
    statistics = column_statistics(table, identifiers)
    # Drift is measured against the last run on different bytes: validating the same file twice keeps the
    # drift its arrival showed, instead of reporting "no change" against itself.
    baseline = next((r for r in stored_results(settings, hosted.dataset_id) if r.sha256 != hosted.sha256), None)
    drift = compare(baseline.statistics if baseline else None, statistics)
    successful = sum(1 for o in outcomes if o.success)
    outcome = ValidationOutcome(
        dataset_id=hosted.dataset_id,
        run=f"{base_url or settings.base}/run/quality/{uuid.uuid4().hex}",
        started=started,
        ended=now_iso(),
        gx_version=gx_version(),
        sha256=hosted.sha256,
        access_mode=hosted.access_mode,
        success=successful == len(outcomes),
        evaluated=len(outcomes),
        successful=successful,
        results=outcomes,
        statistics=statistics,
        drift=drift,
        identifier_columns=sorted(identifiers),
        errors=errors,
    )
    _store(settings, outcome)
    return outcome


def _store(settings: Settings, outcome: ValidationOutcome) -> None:
    folder = results_dir(settings, outcome.dataset_id)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = outcome.started.replace("-", "").replace(":", "").replace(".", "")
    path = folder / f"run-{stamp}-{outcome.sha256[:12]}.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(outcome.to_dict(), indent=1, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    runs = sorted(folder.glob("run-*.json"))
    # Keep the newest runs, and always the newest run on other bytes: it is the drift baseline.
    baseline = next((p for p in reversed(runs) if not p.stem.endswith(outcome.sha256[:12])), None)
    for old in runs[:-KEEP_RESULTS]:
        if old != baseline:
            old.unlink(missing_ok=True)
