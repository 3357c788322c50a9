"""Series read when Prometheus scrapes: the facts live in files and databases other processes write.

* Harvest runs, from the JSON reports `fedcat harvest` (and the worker) write to `<home>/runs/`. A report
  never changes once written, so each file is read once and its summary kept; a scrape only lists the
  directory and reads the new files. Summaries of deleted reports are kept too, so the counters only grow
  while the process lives.
* Records per source and visibility, from the search index (term counts: cheap at any size), once per
  index commit.
* Access requests per state and sandbox queries (outcome, suppressed cells), from the workflow database.
  The audit log is append-only with increasing `seq`, so sandbox totals are summed incrementally. Read
  through `ObservedDatabase` (never migrates, never creates the SQLite file).

Each part that fails reports `fedcat_scrape_part_up{part} 0` instead of failing the scrape, and the database
part is bounded in time like the health checks.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from tantivy import Occur, Query

from access.models import AccessRequest, AuditEvent
from catalogue.config import Settings
from catalogue.index import SearchIndex, open_index
from catalogue.index_schema import VISIBILITIES
from catalogue.observability.bounded import BoundedCall
from catalogue.observability.database import ObservedDatabase
from catalogue.search_facets import count

log = logging.getLogger("fedcat.metrics")
COUNTS = ("new", "updated", "unchanged", "withdrawn", "failed")  # as harvesters.run.COUNTS
RUN_STATUSES = ("succeeded", "failed")
REQUEST_STATES = ("draft", "submitted", "returned", "approved", "rejected", "withdrawn", "revoked")
SANDBOX_KIND = "sandbox.query"  # as access.sandbox_service.AUDIT_KIND (not imported: it pulls in DuckDB)
# A harvest of a big source takes minutes to an hour.
HARVEST_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0)
PARTIAL_GRACE_SECONDS = 60.0  # an unreadable report younger than this may still be being written


@dataclass(frozen=True)
class RunSummary:
    """What the metrics need of one source run in a report."""

    source: str
    status: str
    duration: float
    ended: float | None  # seconds since the epoch
    counts: dict[str, int]


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def summarise(report: Any) -> list[RunSummary]:
    """The runs of one parsed report (entries of another shape are skipped)."""
    runs = report.get("runs") if isinstance(report, dict) else None
    out = []
    for run in runs if isinstance(runs, list) else []:
        if not isinstance(run, dict) or not isinstance(run.get("source"), str):
            continue
        counts = run.get("counts")
        counts = counts if isinstance(counts, dict) else {}
        duration = run.get("duration_seconds")
        out.append(
            RunSummary(
                source=run["source"],
                status=str(run.get("status") or "unknown"),
                duration=float(duration) if isinstance(duration, int | float) else 0.0,
                ended=_timestamp(run.get("ended")),
                counts={k: int(v) for k, v in counts.items() if k in COUNTS and isinstance(v, int)},
            )
        )
    return out


class HarvestReports:
    """The run summaries of every report seen in `<home>/runs/`, oldest report first."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen: dict[str, list[RunSummary]] = {}
        self._lock = threading.Lock()

    def runs(self) -> list[RunSummary]:
        """Every run, in the order they happened (report names carry their UTC time)."""
        with self._lock:
            try:
                entries = list(os.scandir(self.folder))
            except FileNotFoundError:
                entries = []
            for entry in entries:
                name = entry.name
                if name in self._seen or not (name.startswith("harvest-") and name.endswith(".json")):
                    continue
                try:
                    self._seen[name] = summarise(json.loads(Path(entry.path).read_bytes()))
                except (OSError, ValueError):
                    try:
                        fresh = time.time() - entry.stat().st_mtime < PARTIAL_GRACE_SECONDS
                    except OSError:
                        fresh = False
                    if not fresh:  # not being written: unreadable for good, remember it as empty
                        log.warning("unreadable harvest report %s", entry.path)
                        self._seen[name] = []
            return [run for name in sorted(self._seen) for run in self._seen[name]]


@dataclass
class SandboxTotals:
    """Sandbox queries summed from the audit log up to event `seq`."""

    seq: int = 0
    queries: dict[str, int] = field(default_factory=dict)  # by outcome
    suppressed_cells: int = 0
    with_suppressions: int = 0


class NodeCollector(Collector):
    """The scrape-time series of one node."""

    def __init__(self, settings: Settings, app_state: Any) -> None:
        self.settings = settings
        self.state = app_state
        self.reports = HarvestReports(settings.reports_path)
        self.timeout = settings.observability.health_timeout_seconds
        self._index: SearchIndex | None = None
        self._records: tuple[tuple[object, ...], list[tuple[str, str, int]]] | None = None
        self._sandbox = SandboxTotals()
        self.database = ObservedDatabase(settings, self.timeout)
        self._database = BoundedCall("metrics-database", self._read_database)

    def describe(self) -> list[Metric]:
        # Nothing up front: collecting reads files and the database, which registering must not do.
        return []

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "fedcat_scrape_part_up", "1 when this part of the scrape could be read.", labels=["part"]
        )
        for part, read in (("harvest_reports", self._harvest), ("index", self._index_records)):
            try:
                yield from read()
                up.add_metric([part], 1)
            except Exception:
                log.exception("metrics: reading %s failed", part)
                up.add_metric([part], 0)
        try:
            yield from self._database(self.timeout)
            up.add_metric(["database"], 1)
        except Exception as exc:
            log.warning("metrics: reading the database failed: %s", exc)
            up.add_metric(["database"], 0)
        yield up

    # -- harvests --------------------------------------------------------------------------------------------

    def _harvest(self) -> Iterable[Metric]:
        runs = self.reports.runs()
        sources = sorted({s.name for s in self.settings.sources} | {r.source for r in runs})
        total = CounterMetricFamily(
            "fedcat_harvest_runs",
            "Harvest runs per source and outcome (from <home>/runs/).",
            labels=["source", "status"],
        )
        records = CounterMetricFamily(
            "fedcat_harvest_records", "Records per source and state over all runs.", labels=["source", "state"]
        )
        duration = HistogramMetricFamily(
            "fedcat_harvest_duration_seconds", "Harvest run durations per source.", labels=["source"]
        )
        last_records = GaugeMetricFamily(
            "fedcat_harvest_last_run_records",
            "Records per state in the last run of a source.",
            labels=["source", "state"],
        )
        last_duration = GaugeMetricFamily(
            "fedcat_harvest_last_run_duration_seconds", "Duration of the last run of a source.", labels=["source"]
        )
        last_ok = GaugeMetricFamily(
            "fedcat_harvest_last_run_succeeded", "1 when the last run of a source succeeded.", labels=["source"]
        )
        last_end = GaugeMetricFamily(
            "fedcat_harvest_last_run_end_timestamp_seconds", "When the last run of a source ended.", labels=["source"]
        )
        last_success = GaugeMetricFamily(
            "fedcat_harvest_last_success_timestamp_seconds",
            "When the last successful run of a source ended.",
            labels=["source"],
        )
        for source in sources:
            mine = [r for r in runs if r.source == source]
            statuses = {s: 0 for s in RUN_STATUSES}
            sums = dict.fromkeys(COUNTS, 0)
            buckets = [0] * len(HARVEST_BUCKETS)
            for run in mine:
                statuses[run.status] = statuses.get(run.status, 0) + 1
                for state, n in run.counts.items():
                    sums[state] += n
                for i, bound in enumerate(HARVEST_BUCKETS):
                    if run.duration <= bound:
                        buckets[i] += 1
            for status, n in statuses.items():
                total.add_metric([source, status], n)
            for state, n in sums.items():
                records.add_metric([source, state], n)
            cumulative = [(floatToGoString(b), n) for b, n in zip(HARVEST_BUCKETS, buckets, strict=True)]
            duration.add_metric([source], [*cumulative, ("+Inf", len(mine))], sum(r.duration for r in mine))
            if not mine:
                continue
            last = mine[-1]
            for state in COUNTS:
                last_records.add_metric([source, state], last.counts.get(state, 0))
            last_duration.add_metric([source], last.duration)
            last_ok.add_metric([source], 1 if last.status == "succeeded" else 0)
            if last.ended is not None:
                last_end.add_metric([source], last.ended)
            succeeded = [r.ended for r in mine if r.status == "succeeded" and r.ended is not None]
            if succeeded:
                last_success.add_metric([source], succeeded[-1])
        return [total, records, duration, last_records, last_duration, last_ok, last_end, last_success]

    # -- the search index ------------------------------------------------------------------------------------

    def _index_records(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(
            "fedcat_records", "Records in the search index per source and visibility.", labels=["source", "visibility"]
        )
        index = getattr(self.state, "search_index", None) or self._index
        if index is None:
            index = self._index = open_index(self.settings, cache_size=0)
        tindex = index.index  # reloads when a harvest committed
        searcher = tindex.searcher()
        sources = tuple(sorted(s.name for s in self.settings.sources))
        key = (id(tindex), index.version, searcher.num_docs, sources)
        if self._records is None or self._records[0] != key:
            rows = []
            schema = tindex.schema
            for source in sources:
                for visibility in VISIBILITIES:
                    query = Query.boolean_query(
                        [
                            (Occur.Must, Query.term_query(schema, "source", source)),
                            (Occur.Must, Query.term_query(schema, "visibility", visibility)),
                        ]
                    )
                    rows.append((source, visibility, count(searcher, query)))
            self._records = (key, rows)
        for source, visibility, n in self._records[1]:
            gauge.add_metric([source, visibility], n)
        documents = GaugeMetricFamily("fedcat_index_documents", "Documents in the search index.")
        documents.add_metric([], searcher.num_docs)
        return [gauge, documents]

    # -- the workflow database -------------------------------------------------------------------------------

    def _read_database(self) -> list[Metric]:
        requests = GaugeMetricFamily("fedcat_access_requests", "Access requests per state.", labels=["state"])
        counts = dict.fromkeys(REQUEST_STATES, 0)
        totals = self._sandbox
        if self.database.exists():  # else a node nobody requested access from yet: all zero
            with self.database.engine.connect() as connection:
                rows = connection.execute(sa.select(AccessRequest.state, sa.func.count()).group_by(AccessRequest.state))
                for state, n in rows:
                    counts[state] = int(n)
                totals = self._sandbox_totals(connection)
        for state, n in counts.items():
            requests.add_metric([state], n)
        queries = CounterMetricFamily(
            "fedcat_sandbox_queries", "Sandbox queries by outcome (ok, or the refusal's type).", labels=["outcome"]
        )
        for outcome, n in sorted({"ok": 0, **totals.queries}.items()):
            queries.add_metric([outcome], n)
        cells = CounterMetricFamily("fedcat_sandbox_suppressed_cells", "Result cells held back by disclosure control.")
        cells.add_metric([], totals.suppressed_cells)
        suppressing = CounterMetricFamily(
            "fedcat_sandbox_queries_with_suppressions", "Sandbox queries that had cells held back."
        )
        suppressing.add_metric([], totals.with_suppressions)
        return [requests, queries, cells, suppressing]

    def _sandbox_totals(self, connection: sa.Connection) -> SandboxTotals:
        """The totals so far, adding only the audit events after the last one counted."""
        event = AuditEvent
        top = connection.execute(sa.select(sa.func.max(event.seq))).scalar() or 0
        totals = self._sandbox
        if top < totals.seq:  # the database was restored from an older copy: count again
            totals = SandboxTotals()
        outcome = event.data["outcome"].as_string()
        suppressed = sa.func.coalesce(event.data["suppressed_cells"].as_integer(), 0)
        rows = connection.execute(
            sa.select(
                outcome,
                sa.func.count(),
                sa.func.sum(suppressed),
                sa.func.sum(sa.case((suppressed > 0, 1), else_=0)),
            )
            .where(event.kind == SANDBOX_KIND, event.seq > totals.seq, event.seq <= top)
            .group_by(outcome)
        )
        queries = dict(totals.queries)
        cells, suppressing = totals.suppressed_cells, totals.with_suppressions
        for name, n, cell_sum, with_cells in rows:
            key = name or "unknown"
            queries[key] = queries.get(key, 0) + int(n)
            cells += int(cell_sum or 0)
            suppressing += int(with_cells or 0)
        self._sandbox = SandboxTotals(top, queries, cells, suppressing)
        return self._sandbox
