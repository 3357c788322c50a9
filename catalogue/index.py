"""The search index on disk: rebuilt from the graph, updated incrementally by harvests, read by the web process.

Layout under `<home>/index/`: one directory per build generation (`g<nanoseconds>/`, a tantivy index plus
`fedcat.json` with the schema version), `CURRENT` naming the generation in use, and `PENDING` while a writer
has changed records that the index may not have seen yet. A rebuild fills a fresh generation and then flips
`CURRENT` atomically, so readers never see a half-built index and a crash mid-rebuild loses nothing. A harvest
marks the index `PENDING` before it writes records and clears the mark after its index commit; a mark left
behind by a crash makes the next harvest rebuild. One process writes (the harvest, or `fedcat index
rebuild`); any number read. Quality runs do the same for the records whose quality band or hosted data
they changed (facts that live in the record's quality graphs, not in its record graph).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import tantivy

from catalogue.config import Settings
from catalogue.errors import FedcatError
from catalogue.index_docs import IndexRecord, add_quality, record_graphs, to_document
from catalogue.index_read import BATCH, iter_records
from catalogue.index_schema import SCHEMA_VERSION, new_index, register_analyzers
from catalogue.search_facets import count
from catalogue.search_terms import TermNames
from catalogue.store import GraphStore

# Deleted documents linger until segments merge and still count in BM25 statistics, so scores drift from
# a fresh build's; once many have piled up an update rebuilds instead (cheap compared with the churn).
COMPACT_SHARE, COMPACT_MIN = 0.25, 5_000
REBUILD_HEAP = 256_000_000
UPDATE_HEAP = 64_000_000
T = TypeVar("T")
Progress = Callable[[int, int], None]


class IndexUnavailable(FedcatError):
    """There is no usable search index yet."""

    status, type, title = 503, "index-unavailable", "Search index unavailable"


class IndexBusy(FedcatError):
    """Another process held the index's writer lock for longer than a writer waits."""

    status, type, title = 503, "index-busy", "Search index busy"


def _current_file(settings: Settings) -> Path:
    return settings.index_path / "CURRENT"


def pending_file(settings: Settings) -> Path:
    """The marker of an index update begun and not yet committed (the next harvest then rebuilds)."""
    return settings.index_path / "PENDING"


def current_generation(settings: Settings) -> Path | None:
    """The generation directory in use, if there is one with this build's schema version."""
    try:
        path = settings.index_path / _current_file(settings).read_text().strip()
        meta = json.loads((path / "fedcat.json").read_text())
    except (OSError, ValueError):
        return None
    return path if meta.get("schema_version") == SCHEMA_VERSION else None


def index_status(settings: Settings) -> str:
    """ "missing", "outdated" (another schema version), "pending" (a writer died mid-update) or "ok"."""
    if not _current_file(settings).exists():
        return "missing"
    if current_generation(settings) is None:
        return "outdated"
    return "pending" if pending_file(settings).exists() else "ok"


def open_tantivy(path: Path) -> tantivy.Index:
    """An index generation opened with fedcat's analyzers registered (tantivy forgets them between opens)."""
    index = tantivy.Index.open(str(path))
    register_analyzers(index)
    return index


def add_records(
    writer: tantivy.IndexWriter,
    store: GraphStore,
    graphs: list[str],
    scratch: Path,
    on_progress: Progress | None,
    in_hand: Iterable[list[IndexRecord]] | None = None,
) -> int:
    """Add a document per record of `graphs` to `writer`: those in the `in_hand` batches as they are, the rest
    read from the store (`scratch` holds its temporary checkpoint); how many were added."""
    added = done = 0
    if in_hand is not None:
        # Records the caller built from the triples it just wrote: only their quality values are read.
        wanted, taken = set(graphs), set()
        for batch in in_hand:
            chunk = [r for r in batch if r.graph in wanted and r.graph not in taken]
            add_quality(store, chunk)
            for record in chunk:
                taken.add(record.graph)
                if record.id and record.iri:
                    writer.add_document(to_document(record))
                    added += 1
        graphs = [g for g in graphs if g not in taken]
    for records in iter_records(store, graphs, scratch):
        for record in records:
            writer.add_document(to_document(record))
        added += len(records)
        done = min(len(graphs), done + BATCH)
        if on_progress:
            on_progress(done, len(graphs))
    return added


def rebuild_index(settings: Settings, store: GraphStore, on_progress: Progress | None = None) -> int:
    """Index every record of `store` into a fresh generation and make it current; returns the record count."""
    root = settings.index_path
    root.mkdir(parents=True, exist_ok=True)
    generation = root / f"g{time.time_ns()}"
    generation.mkdir()
    index = new_index(str(generation))
    writer = index.writer(REBUILD_HEAP, 2)
    graphs = record_graphs(store)
    if on_progress:
        on_progress(0, len(graphs))
    added = add_records(writer, store, graphs, root, on_progress)
    writer.commit()
    writer.wait_merging_threads()
    (generation / "fedcat.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION, "records": added}))
    tmp = root / "CURRENT.tmp"
    tmp.write_text(generation.name)
    os.replace(tmp, _current_file(settings))
    pending_file(settings).unlink(missing_ok=True)
    # Readers still on an older generation keep their open files (unlinked files stay readable).
    for old in root.iterdir():
        if old.is_dir() and old != generation:
            shutil.rmtree(old, ignore_errors=True)
    return added


def prepare_index(settings: Settings, store: GraphStore, *, create: bool = True) -> bool:
    """Before a writer changes records: rebuild a missing, outdated or crash-stale index, then mark it pending.

    With `create` False (quality runs) a node without a usable index is left without one: the next harvest or
    `fedcat index rebuild` reads everything anyway. Returns whether the writer must update the index after.
    """
    status = index_status(settings)
    if not create and status in ("missing", "outdated"):
        return False
    if status != "ok":
        rebuild_index(settings, store)
    pending_file(settings).write_text(str(os.getpid()))
    return True


def update_index(
    settings: Settings,
    store: GraphStore,
    changed: Iterable[str],
    removed: Iterable[str],
    *,
    wait: float = 30.0,
    records: Iterable[list[IndexRecord]] | None = None,
) -> int:
    """Re-index `changed` record graphs and drop `removed` ones (IRIs), in one commit; idempotent.

    Returns how many documents were (re)written. A missing or outdated index is rebuilt instead. The writer
    lock is waited for up to `wait` seconds (another writer of a remote store may hold it), then `IndexBusy`.
    `records` (batches) are index records of changed graphs the caller already has (a harvest builds them from
    the triples it wrote and spools them to disk, `catalogue.index_spool`), so they are not read back: their
    typed literals are in the form Oxigraph stores them in, which is also how `fetch_records` reads them from a
    remote store (`index_docs.records_from_triples`).
    """
    generation = current_generation(settings)
    if generation is None:
        return rebuild_index(settings, store)
    changed = sorted(set(changed))
    gone = sorted(set(removed) - set(changed))
    index = open_tantivy(generation)
    if rebuild_pays(generation, index, [*changed, *gone]):
        # So many documents would be replaced (a first quality scoring, a full re-harvest) that a rebuild would
        # follow the update anyway: rebuild at once.
        rebuild_index(settings, store)
        return len(changed)
    added = 0
    if changed or gone:  # nothing to commit otherwise: a quality run that moved no band opens no writer
        writer = _writer(index, wait)
        for graph in (*changed, *gone):
            writer.delete_documents_by_term("graph", graph)
        added = add_records(writer, store, changed, settings.index_path, None, records)
        writer.commit()
        writer.wait_merging_threads()
    if worth_compacting(*deleted_documents(generation)):
        rebuild_index(settings, store)
    pending_file(settings).unlink(missing_ok=True)
    return added


def rebuild_pays(generation: Path, index: tantivy.Index, replaced: list[str]) -> bool:
    """True when replacing the documents of `replaced` graphs would leave so many deleted ones that a rebuild
    would follow the update anyway (a first quality scoring, a full re-harvest)."""
    if len(replaced) < COMPACT_MIN:
        return False
    deleted, total = deleted_documents(generation)
    return worth_compacting(deleted + count_indexed(index, replaced), total)


def worth_compacting(deleted: int, total: int) -> bool:
    """True when enough of the documents are deleted ones for a rewrite of the index to pay."""
    return deleted >= COMPACT_MIN and deleted >= COMPACT_SHARE * total


def count_indexed(index: tantivy.Index, graphs: list[str]) -> int:
    """How many of `graphs` have a document in the index (new records have none to replace)."""
    index.reload()
    return count(index.searcher(), tantivy.Query.term_set_query(index.schema, "graph", graphs))


def _writer(index: tantivy.Index, wait: float) -> tantivy.IndexWriter:
    deadline = time.monotonic() + wait
    pause = 0.05
    while True:
        try:
            return index.writer(UPDATE_HEAP, 1)
        except ValueError as exc:
            if "LockBusy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise IndexBusy(
                    "another process kept the search index locked; what was written to the store is kept: "
                    "run `fedcat index rebuild` once it is done"
                ) from exc
            time.sleep(pause)
            pause = min(1.0, pause * 2)


def deleted_documents(generation: Path) -> tuple[int, int]:
    """(deleted, all) documents in the index's segments, from tantivy's meta.json."""
    segments = json.loads((generation / "meta.json").read_text()).get("segments", [])
    deleted = sum((s.get("deletes") or {}).get("num_deleted_docs", 0) for s in segments)
    return deleted, sum(s.get("max_doc", 0) for s in segments)


class SearchIndex:
    """The read side: the current generation, reloaded at most every `check_every` seconds to see new commits."""

    def __init__(
        self, settings: Settings, check_every: float = 1.0, cache_size: int = 512, *, parallel: bool = True
    ) -> None:
        self.settings = settings
        self.check_every = check_every
        self.cache_size = cache_size
        self._lock = threading.Lock()
        # One helper thread counts a search's facets while the calling thread ranks its hits (tantivy releases the
        # GIL while it searches): taken only when idle, so a busy server does not queue work behind it.
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fedcat-facets") if parallel else None
        self._helper_free = threading.Lock()
        self._searching = 0  # searches in progress: with others running, every core has work already
        self._warmed = -1  # the version `warm` last ran for
        self.warming: threading.Thread | None = None
        self._index: tantivy.Index | None = None
        self._generation: Path | None = None
        self._checked = 0.0
        self._stamp: tuple[str, int, int] = ("", 0, 0)
        self.version = 0  # bumped whenever a new commit or generation is loaded, which empties the caches:
        self.labels: dict[tuple[str, ...], str] = {}  # facet labels read from records
        self.browse: dict[tuple[Any, ...], Any] = {}  # facet counts of searches without words
        self.term_names = TermNames()  # the names of the hashes facet counts return
        # Whole answers, least recently used first: popular searches (the landing page, the top queries)
        # repeat, and until the next commit their answer cannot change (as Solr's queryResultCache).
        self._results: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._open_current()

    def _open_current(self) -> None:
        generation = current_generation(self.settings)
        if generation is None:
            if index_status(self.settings) == "outdated":
                raise IndexUnavailable(
                    f"the search index at {self.settings.index_path} was built by another fedcat version (index "
                    f"schema {SCHEMA_VERSION} expected): run `fedcat index rebuild`, or a harvest"
                )
            raise IndexUnavailable(
                f"no search index at {self.settings.index_path}: run a harvest or `fedcat index rebuild`"
            )
        # tantivy replaces meta.json atomically on every commit: its stat is a cheap "anything new?" check.
        try:
            stat = (generation / "meta.json").stat()
            stamp = (generation.name, stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = (generation.name, 0, 0)
        if generation != self._generation:
            index = open_tantivy(generation)
            index.config_reader("Manual")
            self._index, self._generation = index, generation
            self._changed()
        elif stamp != self._stamp:
            assert self._index is not None
            self._index.reload()
            self._changed()
        self._stamp = stamp
        self._checked = time.monotonic()

    def _changed(self) -> None:
        self.version += 1
        self.labels, self.browse, self._results = {}, {}, OrderedDict()
        self.term_names = TermNames()

    def cached(self, key: tuple[Any, ...]) -> Any:
        """The remembered answer for `key` (which must include `version`), or None."""
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
            return found

    def remember(self, key: tuple[Any, ...], answer: Any) -> None:
        """Keep an answer for `cached`, dropping the least recently used beyond `cache_size`."""
        if self.cache_size <= 0:
            return
        with self._lock:
            self._results[key] = answer
            while len(self._results) > self.cache_size:
                self._results.popitem(last=False)

    @property
    def index(self) -> tantivy.Index:
        """The tantivy index, after a reload if the last check is older than `check_every`."""
        if time.monotonic() - self._checked >= self.check_every:
            with self._lock:
                if time.monotonic() - self._checked >= self.check_every:
                    self._open_current()
        assert self._index is not None
        return self._index

    def searcher(self) -> tantivy.Searcher:
        """A searcher over the newest commit seen (hold it for one request)."""
        return self.index.searcher()

    @contextmanager
    def searching(self) -> Iterator[None]:
        """Counts a search in progress (see `beside`)."""
        with self._lock:
            self._searching += 1
        try:
            yield
        finally:
            with self._lock:
                self._searching -= 1

    def beside(self, work: Callable[[], T]) -> Future[T] | None:
        """`work` started on the helper thread, or None (the caller does it itself) when the helper is off or busy,
        or other searches are in progress."""
        if self._helper is None or self._searching > 1 or not self._helper_free.acquire(blocking=False):
            return None

        def run() -> T:
            try:
                return work()
            finally:
                self._helper_free.release()

        try:
            return self._helper.submit(run)
        except RuntimeError:  # the interpreter is shutting down
            self._helper_free.release()
            return None

    def warm(self, work: Callable[[], object]) -> None:
        """`work` started on a background thread once per loaded version, to read ahead what searches will need
        (not with `parallel` off, whose searches use no other thread)."""
        if self._warmed == self.version:  # every search asks: most need not take the lock to learn it is done
            return
        with self._lock:
            if self._helper is None or self._warmed == self.version:
                return
            self._warmed = self.version
            self.warming = threading.Thread(target=work, name="fedcat-warm", daemon=True)
        self.warming.start()


def open_index(settings: Settings, cache_size: int = 512) -> SearchIndex:
    """A reader of the node's search index; `IndexUnavailable` when none was built yet."""
    return SearchIndex(settings, cache_size=cache_size)
