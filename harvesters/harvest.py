"""Harvest several sources in one go: each source's run, then duplicates, then the JSON run report."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from catalogue.config import Settings, SourceConfig
from catalogue.index import prepare_index, update_index
from catalogue.index_feed import IndexFeed, open_feed
from catalogue.snapshots import publish
from catalogue.store import GraphStore, OxigraphStore
from harvesters.duplicates import Duplicate, find_duplicates, write_duplicates
from harvesters.http import Resolver, system_resolver
from harvesters.run import SourceRun, harvest_source, now_iso


@dataclass
class HarvestReport:
    """All runs of one `fedcat harvest`, as written to `<home>/runs/`."""

    started: str
    runs: list[SourceRun] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    path: Path | None = None

    @property
    def succeeded(self) -> bool:
        """True when every source succeeded."""
        return all(r.succeeded for r in self.runs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "started": self.started,
            "ended": now_iso(),
            "succeeded": self.succeeded,
            "runs": [r.to_dict() for r in self.runs],
            "duplicates": [d.to_dict() for d in self.duplicates],
        }


def harvest_all(
    settings: Settings,
    store: GraphStore,
    sources: list[SourceConfig],
    *,
    full: bool = False,
    on_progress: Callable[[str, int, int | None], None] | None = None,
    transport: httpx.BaseTransport | None = None,
    resolver: Resolver = system_resolver,
) -> HarvestReport:
    """Harvest `sources` one after another (one writer per store), then link duplicates and save the report."""
    # Automatic collections would walk every object a run holds, thousands of times over a source (5-6 s of CPU
    # in a 20,000-record DCAT harvest of 30); the runs collect once per write batch instead (run.py _Writer).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _harvest_all(settings, store, sources, full, on_progress, transport, resolver)
    finally:
        gc.unfreeze()  # the runs freeze what they keep to the end (harvesters/run.py _Writer)
        if collecting:
            gc.enable()


def _harvest_all(
    settings: Settings,
    store: GraphStore,
    sources: list[SourceConfig],
    full: bool,
    on_progress: Callable[[str, int, int | None], None] | None,
    transport: httpx.BaseTransport | None,
    resolver: Resolver,
) -> HarvestReport:
    report = HarvestReport(started=now_iso())
    prepare_index(settings, store)  # rebuilds a missing or outdated index; marks it pending until updated
    feed = open_feed(settings, store)
    try:
        for source in sources:

            def progress(done: int, total: int | None, name: str = source.name) -> None:
                if on_progress:
                    on_progress(name, done, total)

            report.runs.append(
                harvest_source(
                    settings,
                    store,
                    source,
                    full=full,
                    on_progress=progress,
                    transport=transport,
                    resolver=resolver,
                    index=feed,
                )
            )
        report.duplicates = find_duplicates(store)
        write_duplicates(store, settings.base, report.duplicates)
        _update_index(settings, store, report, feed)
    finally:
        if feed is not None:
            feed.close()  # after a commit, nothing; after a crash, drops what was fed (the index stays pending)
    if isinstance(store, OxigraphStore) and any(run.changed for run in report.runs):
        # Let the merges of the last bulk loads finish rather than be aborted at close, and before the snapshot:
        # a snapshot links the store's files, so files merged away after it stay on disk for the snapshot alone.
        store.settle()
    publish(settings, store)
    settings.reports_path.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    report.path = settings.reports_path / f"harvest-{stamp}.json"
    report.path.write_text(json.dumps(report.to_dict(), indent=2))
    return report


def _update_index(settings: Settings, store: GraphStore, report: HarvestReport, feed: IndexFeed | None) -> None:
    """Commit what the runs fed the index (`feed`), or index their spooled records now."""
    changed = [graph for run in report.runs for graph in run.changed]
    withdrawn = [g for run in report.runs for g in run.withdrawn]
    if feed is not None:
        feed.commit(changed, withdrawn)  # every record fed is in the store by now
        return
    spools = [run.records for run in report.runs if run.records is not None]
    gc.freeze()  # kept until indexed: no garbage collection need traverse them again
    try:
        records = (batch for spool in spools for batch in spool.batches())
        update_index(settings, store, changed, withdrawn, records=records)
    finally:
        for spool in spools:
            spool.close()
