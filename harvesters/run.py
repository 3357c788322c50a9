"""One harvest run of one source: gather, map, hash, write changed record graphs, withdraw, record PROV."""

from __future__ import annotations

import gc
import shutil
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

import httpx
import pyoxigraph as ox

from catalogue import registry
from catalogue.clock import now_iso
from catalogue.config import Settings, SourceConfig
from catalogue.errors import EmptyGather, FedcatError
from catalogue.index_docs import IndexRecord, records_from_triples
from catalogue.index_spool import IndexSpool
from catalogue.public_mirror import mirror_copy
from catalogue.records import (
    RECORD_GRAPHS,
    STORED_RECORDS_QUERY,
    MarkerWriter,
    Record,
    Statement,
    StoredRecord,
    genid_prefix,
    lines_hash,
    lines_to_nquads,
    nquads,
    ntriples_lines,
    record_graph,
    skolemize,
    source_graph,
)
from catalogue.store import GraphStore
from harvesters.base import HarvestContext, Problem, Progress, Seen
from harvesters.duplicates import match_keys
from harvesters.http import Fetcher, Resolver, system_resolver
from harvesters.mapping.fixups import fix_profile
from harvesters.mapping.normalise import normalise_statements
from harvesters.provenance import run_triples
from harvesters.state import load_state, save_state

ProgressCallback = Callable[[int, int | None], None]
COUNTS = ("new", "updated", "unchanged", "withdrawn", "failed")


class IndexSink(Protocol):
    """Where a run sends the index records of the graphs it writes: a spool for the update after the harvest
    (`catalogue.index_spool`), or the update itself (`catalogue.index_feed.IndexFeed`)."""

    def add(self, records: Iterable[IndexRecord]) -> None:
        """Take one batch of index records."""


@dataclass
class SourceRun:
    """The outcome of harvesting one source: counts, problems and, when it failed, why."""

    source: str
    kind: str
    run: str
    started: str
    ended: str = ""
    status: str = "running"
    complete: bool = False
    duration_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    problems: list[Problem] = field(default_factory=list)
    error: dict[str, Any] | None = None
    # Record graphs this run wrote or dropped: what the search index must update (not in the JSON report).
    changed: list[str] = field(default_factory=list, repr=False)
    withdrawn: list[str] = field(default_factory=list, repr=False)
    # Index records of the changed graphs, built from the triples written, so indexing need not read them back;
    # on disk until then (`harvest_all` closes it).
    records: IndexSpool | None = field(default=None, repr=False)

    @property
    def succeeded(self) -> bool:
        """True when the whole source was gathered without a fatal error."""
        return self.status == "succeeded"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the run report."""
        data = {k: v for k, v in self.__dict__.items() if k not in ("problems", "changed", "withdrawn", "records")}
        data["problems"] = [p.to_dict() for p in self.problems]
        return data


class _Writer:
    """Spools changed records to files and bulk-loads them in batches on a background thread.

    Each batch: drop replaced graphs, then one bulk load of a file holding the batch's content together with the
    provenance markers of the batch before it; the last markers follow in `flush`. A record's markers thus reach
    the store only after the bulk load holding its content has returned, so a kill at any point leaves graphs
    without markers, which the next run drops and rewrites. Oxigraph releases the GIL while loading, so mapping
    the next batch overlaps writing this one; at most one batch waits.

    Batches double from `batch_size` up to `GROWTH` times it. Every bulk load adds files with overlapping key
    ranges to RocksDB's first level, and the background compaction merging them into the levels below rewrites
    those levels each time, so fewer, larger loads cost less: 100,000 CKAN records took 62-74 s of compaction CPU in
    loads of at most 8,000 records, 54 s at 16,000, 48 s at 32,000 (where the loader's own memory grew by 500 MB).
    The batches are spooled to unlinked temporary files, which Oxigraph reads itself, so their text costs disk
    cache, not memory (300 MB less peak RSS at 8,000). A failed load discards the markers waiting for it, so
    content it may have lost is never marked complete.
    """

    GROWTH = 8
    INDEX_CHUNK = 1000  # records whose index values are taken at once (one typed-literal round trip)

    def __init__(
        self,
        store: GraphStore,
        batch_size: int,
        records: IndexSink,
        folder: Path | None = None,
        copy: Callable[[list[str], BinaryIO], None] | None = None,
    ) -> None:
        self.store = store
        self.copy = copy  # told each load the store has taken (a remote store's public mirror)
        self.batch_size = batch_size
        self.max_batch = batch_size * self.GROWTH
        self.folder = folder
        self.drop: list[str] = []
        self.triples: list[tuple[str, list[Statement]]] = []
        self.records = records
        self._count = 0
        self._content, self._markers = self._spool(), self._spool()
        self._written_markers: BinaryIO | None = None  # markers of the batch last loaded, go with the next batch
        self._pending: Future[None] | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fedcat-writer")

    def _spool(self) -> BinaryIO:
        # Unlinked at once: nothing is left behind, whether the run ends, fails or is killed.
        spool = tempfile.TemporaryFile("w+b", buffering=1 << 20, prefix="fedcat-load-", suffix=".nq", dir=self.folder)  # noqa: SIM115 - closed after its load
        return cast(BinaryIO, spool)

    def add(
        self, graph: str, content: str, triples: list[Statement], markers: str, indexed: list[Statement], replace: bool
    ) -> None:
        """Spool one record: its content, its markers' N-Quads and the marker triples the index reads."""
        if replace:
            self.drop.append(graph)
        self._content.write(content.encode())
        self._markers.write(markers.encode())
        self._count += 1
        self.triples.append((graph, triples + indexed))
        if len(self.triples) >= self.INDEX_CHUNK:
            self._take_index_records()
        if self._count >= self.batch_size:
            self._submit()
            self.batch_size = min(self.max_batch, self.batch_size * 2)

    def _submit(self) -> None:
        if not self._count:
            return
        content, markers, drop = self._content, self._markers, self.drop
        self._take_index_records()
        self._content, self._markers, self.drop, self._count = self._spool(), self._spool(), [], 0
        # What a run keeps until its end (stored records, index records) would otherwise be traversed by
        # every full garbage collection, about a third of the mapping time; `harvest_all` unfreezes it. It also
        # turns automatic collections off: cycles made since the last batch are collected here, once per batch.
        gc.collect()
        gc.freeze()
        try:
            self.wait()  # one batch in flight at a time keeps writes in order
        except BaseException:
            content.close()
            markers.close()
            raise
        # The markers of the previous batch go with this content: that batch's content is in the store by now.
        earlier, self._written_markers = self._written_markers, markers
        if earlier is not None:
            earlier.seek(0)
            shutil.copyfileobj(earlier, content)
            earlier.close()
        self._pending = self._pool.submit(self._write, drop, content)

    def _take_index_records(self) -> None:
        # As records come, not per batch: a batch's triples as terms would take much more memory than its text.
        # Statements read like the `ox.Triple`s records_from_triples is typed for (subject, predicate, object).
        self.records.add(records_from_triples(cast(list[tuple[str, list[ox.Triple]]], self.triples)))
        self.triples = []

    def _write(self, drop: list[str], spool: BinaryIO) -> None:
        try:
            self.store.drop_graphs(drop)
            self.store.bulk_load_file(spool)
            if self.copy is not None:
                self.copy(drop, spool)
        finally:
            spool.close()

    def _write_markers(self) -> None:
        markers, self._written_markers = self._written_markers, None
        if markers is not None:
            try:
                self.store.bulk_load_file(markers)
                if self.copy is not None:
                    self.copy([], markers)
            finally:
                markers.close()

    def wait(self) -> None:
        """Wait for the batch in flight; re-raises its error."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            try:
                pending.result()
            except BaseException:
                if self._written_markers is not None:  # their content may be missing: never mark it complete
                    self._written_markers.close()
                    self._written_markers = None
                raise

    def flush(self) -> None:
        """Write everything spooled and wait until it is durable."""
        self._submit()
        self.wait()
        self._write_markers()
        self.store.flush()

    def close(self) -> None:
        """Stop the writer thread (after `flush`) and drop what is still spooled."""
        self._pool.shutdown(wait=True)
        for spool in (self._content, self._markers, self._written_markers):
            if spool is not None:  # markers still waiting after a failed run are never loaded
                spool.close()
        self._written_markers = None


def stored_records(store: GraphStore, source: str) -> dict[str, StoredRecord]:
    """What the store holds for `source`, keyed by record key."""
    rows = store.select(STORED_RECORDS_QUERY % ox.Literal(source))
    return {
        r["key"].value: StoredRecord(r["g"].value, r["key"].value, r["hash"].value, r["first"].value, r["id"].value)
        for r in rows
    }


def harvest_source(
    settings: Settings,
    store: GraphStore,
    source: SourceConfig,
    *,
    full: bool = False,
    on_progress: ProgressCallback | None = None,
    transport: httpx.BaseTransport | None = None,
    resolver: Resolver = system_resolver,
    index: IndexSink | None = None,
) -> SourceRun:
    """Harvest one source into `store`; never raises for source problems, they go into the returned run.

    The index records of the graphs written go to `index` when given (the harvest's index update), else to
    `run.records` for an update after the run.
    """
    base = settings.base
    started_clock = time.monotonic()
    run = SourceRun(source.name, source.kind, f"{base}/run/{source.name}/{uuid.uuid4().hex}", now_iso())
    state = load_state(settings.state_path, source.name)
    fetcher = Fetcher(
        settings.harvest,
        allow_private_network=source.allow_private_network,
        allow_file=True,  # sources come from the operator's own configuration
        transport=transport,
        resolver=resolver,
    )
    ctx = HarvestContext(
        source=source,
        limits=settings.harvest,
        fetcher=fetcher,
        since=None if full else state.get("last_success"),
        state={} if full else dict(state.get("harvester", {})),
        base=base,
    )
    stored = stored_records(store, source.name)
    ctx.known = set(stored)
    _drop_half_written(store, base, source.name, {s.graph for s in stored.values()})
    if index is None:
        index = run.records = IndexSpool(settings.home)
    writer = _Writer(store, settings.harvest.batch_size, index, settings.home, mirror_copy(settings, store, source))
    markers = MarkerWriter(source.name, run.run)
    seen: set[str] = set()
    harvester: Any = None
    try:
        harvester = registry.get("harvester", source.kind)(ctx)
        for event in harvester.harvest():
            if isinstance(event, Record):
                _take(event, run, stored, seen, writer, base, source, markers)
            elif isinstance(event, Seen):
                if event.key in stored:
                    seen.add(event.key)
                    run.counts["unchanged"] += 1
            elif isinstance(event, Problem):
                run.problems.append(event)
                if event.type not in ("repeated-page",):
                    run.counts["failed"] += 1
            elif isinstance(event, Progress) and on_progress:
                on_progress(event.done, event.total)
        writer.flush()
        run.complete = bool(harvester.complete)
        run.status = "succeeded"
    except FedcatError as exc:
        run.status, run.error = "failed", exc.to_dict()
    except Exception as exc:  # a bug must not take the other sources down; it is reported, not hidden
        run.status = "failed"
        run.error = {
            "type": "internal-error",
            "title": "Harvester crashed",
            "status": 500,
            "detail": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(limit=8),
        }
    finally:
        fetcher.close()
    if run.status == "failed":
        try:
            writer.flush()  # records from the pages that did succeed are valid and newer
        except Exception as exc:
            run.problems.append(Problem("write-error", "Could not write records", str(exc)))
    writer.close()
    if run.succeeded and run.complete and stored and not seen:
        # Zero records from a source that had some is far likelier a broken portal than an emptied one.
        run.status = "failed"
        run.error = EmptyGather(
            f"{source.name} listed no records at all, but {len(stored)} are stored; "
            "nothing was withdrawn (remove the source to withdraw them)"
        ).to_dict()
    if run.succeeded and run.complete:
        gone = [s.graph for k, s in stored.items() if k not in seen]
        store.drop_graphs(gone)
        run.counts["withdrawn"] = len(gone)
        run.withdrawn = gone
    run.ended = now_iso()
    run.duration_seconds = round(time.monotonic() - started_clock, 3)
    extra = getattr(harvester, "source_triples", [])
    graph = source_graph(base, source.name)
    store.load(nquads(run_triples(base, source, run, extra), graph).encode())
    store.flush()
    new_state: dict[str, Any] = dict(state)
    if run.succeeded:
        new_state["last_success"] = run.started
        new_state["harvester"] = ctx.state
    save_state(settings.state_path, source.name, new_state)
    return run


def _take(
    record: Record,
    run: SourceRun,
    stored: dict[str, StoredRecord],
    seen: set[str],
    writer: _Writer,
    base: str,
    source: SourceConfig,
    marker_writer: MarkerWriter,
) -> None:
    if record.key in seen:
        run.problems.append(
            Problem(
                "duplicate-in-source",
                "Record listed twice",
                f"record {record.key} appeared twice in one run; the first was kept",
                record=record.key,
            )
        )
        return
    seen.add(record.key)
    graph = record_graph(base, source.name, record.key)
    prefix = genid_prefix(graph)
    record.triples = fix_profile(normalise_statements(skolemize(record.triples, prefix)), prefix)
    record.restricted = record.restricted or source.visibility == "restricted"
    lines = ntriples_lines(record.triples, record.known_lines)
    unique = list(dict.fromkeys(lines))
    if len(unique) < len(lines):  # a graph holds each triple once; the hash and the index see it so too
        lines, record.triples = unique, list(dict.fromkeys(record.triples))
    chash = lines_hash(lines) + ("r" if record.restricted else "")
    old = stored.get(record.key)
    if old is not None and old.content_hash == chash:
        run.counts["unchanged"] += 1
        return
    record.match_keys = match_keys(record)
    changed = now_iso()
    markers, indexed = marker_writer.markers(graph, record, chash, old.first_harvested if old else changed, changed)
    writer.add(graph, lines_to_nquads(lines, graph), record.triples, markers, indexed, replace=old is not None)
    run.changed.append(graph)
    run.counts["updated" if old else "new"] += 1


def _drop_half_written(store: GraphStore, base: str, source: str, complete: set[str]) -> None:
    """Graphs of this source without a marker were cut short by a crash: drop them so they are rewritten."""
    prefix = f"{base}{RECORD_GRAPHS}{source}/"
    store.drop_graphs([g for g in store.named_graphs(prefix) if g not in complete])
