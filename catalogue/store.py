"""The graph store: a narrow interface with the on-disk Oxigraph backend as the embedded default.

The interface speaks graphs and SPARQL, nothing Oxigraph-specific, so a remote SPARQL 1.1
Query / Update / Graph Store server can sit behind it without the harvesters noticing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

import pyoxigraph as ox

from catalogue.config import Settings
from catalogue.errors import ConfigError, StoreBusy

Row = dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]


class GraphStore(Protocol):
    """What fedcat needs from a quad store."""

    def bulk_load(self, nquads: bytes) -> None:
        """Add N-Quads as fast as the backend can; not atomic."""

    def bulk_load_file(self, file: BinaryIO) -> None:
        """Add the N-Quads of an open file, read from its start, as `bulk_load` does."""

    def load(self, nquads: bytes) -> None:
        """Add N-Quads atomically: all or nothing."""

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        """Remove whole named graphs (missing ones are ignored)."""

    def named_graphs(self, prefix: str = "") -> Iterator[str]:
        """IRIs of the named graphs starting with `prefix`."""

    def select(self, query: str) -> list[Row]:
        """Run a SELECT over the union of all graphs; rows map variable names to terms."""

    def select_text(self, query: str) -> list[tuple[str, ...]]:
        """Run a SELECT whose variables are all bound to IRIs or plain strings; rows of their values, in order."""

    def construct(self, query: str) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE over the union of all graphs."""

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        """All triples of one named graph."""

    def graph_quads(self, graphs: list[str]) -> list[ox.Quad]:
        """All quads of several named graphs (a remote store reads them in one query, not one per graph)."""

    def quad_count(self) -> int:
        """How many quads the store holds."""

    def flush(self) -> None:
        """Make everything written so far durable."""

    def close(self) -> None:
        """Release the store."""


# RocksDB merges what each bulk load adds in the background, and at a node's scale those merges compete with the
# harvest for the same cores: in a 1M harvest they took three quarters of the CPU of its main thread. Merging is
# never urgent (reads see every loaded file meanwhile) and it does less work in all when it runs less often (each
# merge rewrites the level below, so merging more files at once rewrites it fewer times): at 300,000 records the
# merges' CPU fell by a third and the harvest took 10-14% less time with them at the lowest priority, both ending
# with a merged store. They still get every cycle the harvest leaves, and all of it while it waits for them
# (`settle`); a 1M first harvest ends before they do (docs/operations.md, "Disk").
COMPACTION_NICENESS = 19
_YIELDED: set[int] = set()


class OxigraphStore:
    """The embedded default: an Oxigraph (RocksDB) store in `<home>/store`."""

    def __init__(
        self, path: Path | None, read_only: bool = False, compaction_niceness: int = COMPACTION_NICENESS
    ) -> None:
        self.path, self.read_only, self.compaction_niceness = path, read_only, compaction_niceness
        if path is None:
            self._store = ox.Store()
        else:
            try:
                if read_only:
                    self._store = ox.Store.read_only(str(path))
                else:
                    path.mkdir(parents=True, exist_ok=True)
                    self._store = ox.Store(str(path))
            except OSError as exc:
                if "lock" in str(exc).lower():
                    raise StoreBusy(
                        f"the graph store at {path} is in use by another fedcat process "
                        "(a running `fedcat serve` or harvest); stop it or wait for it to finish"
                    ) from exc
                raise

    def bulk_load(self, nquads: bytes) -> None:
        if nquads:
            self._store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
            yield_compaction(self.compaction_niceness)

    def bulk_load_file(self, file: BinaryIO) -> None:
        file.flush()
        proc = Path(f"/proc/self/fd/{file.fileno()}")
        if proc.exists():  # Oxigraph opens it itself: read outside the GIL, never all in memory
            self._store.bulk_load(path=str(proc), format=ox.RdfFormat.N_QUADS)
            yield_compaction(self.compaction_niceness)
        else:
            file.seek(0)
            self.bulk_load(file.read())

    def load(self, nquads: bytes) -> None:
        if nquads:
            self._store.load(nquads, format=ox.RdfFormat.N_QUADS)

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        for graph in graphs:
            node = ox.NamedNode(graph)
            if self._store.contains_named_graph(node):
                self._store.remove_graph(node)

    def named_graphs(self, prefix: str = "") -> Iterator[str]:
        for graph in self._store.named_graphs():
            if isinstance(graph, ox.NamedNode) and graph.value.startswith(prefix):
                yield graph.value

    def select(self, query: str) -> list[Row]:
        result = self._store.query(query, use_default_graph_as_union=True)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("select() takes a SELECT query")
        names = [v.value for v in result.variables]
        # zip over the solution's values is several times faster than indexing it by name
        return [{n: v for n, v in zip(names, s, strict=True) if v is not None} for s in result]

    def select_text(self, query: str) -> list[tuple[str, ...]]:
        result = self._store.query(query, use_default_graph_as_union=True)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("select_text() takes a SELECT query")
        return [tuple("" if v is None else v.value for v in s) for s in result]

    def construct(self, query: str) -> list[ox.Triple]:
        result = self._store.query(query, use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryTriples):
            raise TypeError("construct() takes a CONSTRUCT or DESCRIBE query")
        return list(result)

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        node = ox.NamedNode(graph)
        return [q.triple for q in self._store.quads_for_pattern(None, None, None, node)]

    def graph_quads(self, graphs: list[str]) -> list[ox.Quad]:
        return [q for g in graphs for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(g))]

    def quad_count(self) -> int:
        return len(self._store)

    def settle(self, timeout: float = 60.0, quiet: float = 0.5) -> None:
        """Wait, at most `timeout` seconds, until RocksDB's background compaction has been idle for `quiet` seconds.

        Each bulk load adds files that RocksDB merges in the background; closing the store aborts a merge under
        way, and the next process to open it for writing starts that merge again (a re-harvest right after a first
        harvest of 20,000 CKAN records paid 4 s of CPU for it). A writer about to close after bulk loads waits here
        instead.
        """
        wait_for_compaction(timeout, quiet)

    def flush(self) -> None:
        if self.path is not None and not self.read_only:  # Oxigraph refuses to flush a read-only store
            self._store.flush()

    def close(self) -> None:
        self.flush()
        del self._store

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store, for the SPARQL endpoint and the export."""
        return self._store


def wait_for_compaction(timeout: float = 60.0, quiet: float = 0.5) -> None:
    """Wait, at most `timeout` seconds, until this process's RocksDB compaction threads have been idle for `quiet`
    seconds. They are told by name from /proc (Linux); elsewhere this returns at once."""
    deadline, last, still = time.monotonic() + timeout, _compaction_ticks(), 0.0
    while last is not None and still < quiet and time.monotonic() < deadline:
        time.sleep(0.1)
        now = _compaction_ticks()
        still = still + 0.1 if now == last else 0.0
        last = now


def _compaction_tasks() -> list[int] | None:
    """The thread ids of this process's RocksDB compaction threads; None without /proc (not Linux)."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return None
    found = []
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/comm") as comm:
                if comm.read().strip() == "rocksdb:low":
                    found.append(int(task))
        except OSError:  # the thread ended meanwhile
            continue
    return found


def _compaction_ticks() -> int | None:
    """CPU ticks used so far by this process's RocksDB compaction threads; None without /proc."""
    tasks = _compaction_tasks()
    if tasks is None:
        return None
    total = 0
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def yield_compaction(niceness: int = COMPACTION_NICENESS) -> None:
    """Lower this process's RocksDB compaction threads to CPU `niceness` (0: leave them be; Linux only).

    The threads are the process's (RocksDB shares one pool among its stores), so this holds for every store the
    process opens; a thread met once is not set again.
    """
    if niceness <= 0:
        return
    for task in _compaction_tasks() or ():
        if task in _YIELDED:
            continue
        try:
            os.setpriority(os.PRIO_PROCESS, task, niceness)
        except OSError:  # ended meanwhile, or set lower than the process may (not allowed without privilege)
            continue
        _YIELDED.add(task)


def open_store(settings: Settings, read_only: bool = False) -> GraphStore:
    """The store the settings name: Oxigraph in `<home>/store` (one writer per directory at a time), or a remote
    SPARQL 1.1 server (`[store] backend = "sparql"`, see `catalogue.store_sparql`)."""
    if settings.store.backend == "oxigraph":
        return OxigraphStore(
            settings.store_path, read_only=read_only, compaction_niceness=settings.store.compaction_niceness
        )
    if settings.store.backend == "sparql":
        from catalogue.store_sparql import SparqlStore  # httpx only when a remote store is configured

        return SparqlStore.from_settings(settings, read_only=read_only)
    raise ConfigError(f"store backend {settings.store.backend!r} is not available in this build")
