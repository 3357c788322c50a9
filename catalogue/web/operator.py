"""The operator's view of the sources: configuration, last run (counts, errors, problems) and quality.

Runs are read from the JSON reports `fedcat harvest` writes to `<home>/runs/` (newest first, a bounded
number of files), the last success from the harvest state, quality from the per-source summaries
`fedcat quality score` stores in the graph.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from catalogue.config import Settings, SourceConfig
from catalogue.errors import NotFound
from catalogue.store import GraphStore
from harvesters.state import load_state
from quality.report import group_quality

REPORTS_READ = 200  # a node harvesting every hour keeps about a week of reports in view
PROBLEMS_SHOWN = 5


@dataclass
class SourceStatus:
    """One source as the operator page shows it."""

    config: SourceConfig
    last_success: str | None
    last_run: dict[str, Any] | None
    report: str | None  # the report file the run is in
    runs_seen: int  # how many of the read reports ran this source
    failures: int  # ... and how many of those failed
    quality: dict[str, Any] | None
    problems: list[dict[str, Any]] = field(default_factory=list)


def _reports(settings: Settings) -> list[tuple[str, dict[str, Any]]]:
    """The newest run reports, newest first."""
    paths = sorted(settings.reports_path.glob("harvest-*.json"), reverse=True)[:REPORTS_READ]
    out = []
    for path in paths:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            out.append((path.name, data))
    return out


def source_statuses(settings: Settings, store: GraphStore) -> list[SourceStatus]:
    """Every configured source with its last run and quality summary."""
    reports = _reports(settings)
    statuses = []
    for source in settings.sources:
        runs = [
            (name, run)
            for name, report in reports
            for run in report.get("runs", [])
            if isinstance(run, dict) and run.get("source") == source.name
        ]
        last_name, last = runs[0] if runs else (None, None)
        try:
            quality: dict[str, Any] | None = group_quality(store, settings, "source", source.name)
        except NotFound:
            quality = None
        statuses.append(
            SourceStatus(
                config=source,
                last_success=load_state(settings.state_path, source.name).get("last_success"),
                last_run=last,
                report=last_name,
                runs_seen=len(runs),
                failures=sum(1 for _, run in runs if run.get("status") != "succeeded"),
                quality=quality,
                problems=list((last or {}).get("problems", []))[:PROBLEMS_SHOWN],
            )
        )
    return statuses
