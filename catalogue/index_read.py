"""Reading index records out of the graph store, a batch per SPARQL query, in parallel when it pays off.

Reading the record graphs is most of a rebuild's time (Oxigraph decodes every literal), and pyoxigraph
holds the GIL while it does, so threads do not help. For a big embedded store the records are read by
worker processes from a RocksDB checkpoint (hard links: instant, and immutable, so the readers are safe
while the caller keeps its store open for writing). The main process builds the documents meanwhile.
"""

from __future__ import annotations

import os
import shutil
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

from catalogue.index_docs import IndexRecord, fetch_records
from catalogue.store import GraphStore, OxigraphStore

BATCH = 1000  # record graphs per SPARQL query
PARALLEL_MIN = 20_000  # below this, starting worker processes costs more than it saves
_worker_store: OxigraphStore | None = None


def _open_checkpoint(path: str) -> None:
    global _worker_store
    _worker_store = OxigraphStore(Path(path), read_only=True)


def _fetch_in_worker(graphs: list[str]) -> list[IndexRecord]:
    assert _worker_store is not None
    return fetch_records(_worker_store, graphs)


def _chunks(graphs: list[str]) -> list[list[str]]:
    return [graphs[i : i + BATCH] for i in range(0, len(graphs), BATCH)]


def workers_for(store: GraphStore, count: int) -> int:
    """How many reader processes to use for `count` records of `store` (0: read in this process)."""
    if count < PARALLEL_MIN or not isinstance(store, OxigraphStore) or store.path is None:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores if cores > 1 else 0


def iter_records(store: GraphStore, graphs: list[str], scratch: Path) -> Iterator[list[IndexRecord]]:
    """The index records of `graphs`, one list per batch, in order; `scratch` holds a temporary checkpoint."""
    workers = workers_for(store, len(graphs))
    if not workers:
        for chunk in _chunks(graphs):
            yield fetch_records(store, chunk)
        return
    assert isinstance(store, OxigraphStore)
    chunks = _chunks(graphs)
    done = 0
    checkpoint = scratch / f"checkpoint-{time.time_ns()}"
    store.flush()
    store.raw.backup(str(checkpoint))
    context = get_context("spawn")  # never fork a process that holds RocksDB and tantivy threads
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_open_checkpoint, initargs=(str(checkpoint),)
        ) as pool:
            pending: deque[Future[list[IndexRecord]]] = deque()
            # A bounded window of batches in flight: results must not pile up faster than they are indexed.
            for chunk in chunks:
                pending.append(pool.submit(_fetch_in_worker, chunk))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
                    done += 1
            while pending:
                yield pending.popleft().result()
                done += 1
    except BrokenProcessPool:
        # Workers could not start (e.g. a caller script without a `__main__` guard): read here instead.
        for chunk in chunks[done:]:
            yield fetch_records(store, chunk)
    finally:
        shutil.rmtree(checkpoint, ignore_errors=True)
