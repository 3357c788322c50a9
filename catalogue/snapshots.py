"""Consistent read-only snapshots of the graph store for the web process.

Oxigraph allows one writer per directory, and reading a directory another process writes is undefined. So
writers (`fedcat harvest`, the worker, quality runs) publish a RocksDB checkpoint (hard links: cheap) after
each batch of changes, and `fedcat serve` reads the newest checkpoint, reopening when a newer one appears.

Each publication has two checkpoints: `<n>` with everything, and `<n>-public` without any record not marked
public (restricted ones, and any a harvest has not marked yet). Anonymous readers (search, pages, export,
SPARQL) only ever open the public one, so restricted metadata cannot reach them whatever query they send.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from catalogue.config import Settings
from catalogue.records import RECORD_GRAPHS
from catalogue.store import GraphStore, OxigraphStore, Row, open_store

log = logging.getLogger("fedcat.mirror")
SOURCE_NAME = "https://w3id.org/fedcat/ns#sourceName"
KEEP = 6  # three publications (full + public): readers may still hold an older one for a moment
PUBLIC_RECORDS = 'SELECT ?g WHERE { GRAPH ?g { ?g <https://w3id.org/fedcat/ns#visibility> "public" } }'
# Quality / hosted-data graphs (fq:ofRecord) unless their record is public now.
NOT_PUBLIC_ABOUT = """SELECT ?g WHERE { GRAPH ?g { ?g <https://w3id.org/fedcat/quality#ofRecord> ?r } FILTER NOT EXISTS { GRAPH ?r { ?r <https://w3id.org/fedcat/ns#visibility> "public" } } }"""  # noqa: E501


def snapshots_dir(settings: Settings) -> Path:
    """Where snapshots live: `<home>/snapshots/`."""
    return settings.home / "snapshots"


def publish(settings: Settings, store: GraphStore) -> Path | None:
    """Checkpoint the writer's store and make it the current snapshot; returns its path.

    On a remote store only the public projection is published, from the node's public mirror
    (`catalogue.public_mirror`): the web process reads the server itself for everything but `/sparql`.
    """
    from catalogue.store_sparql import SparqlStore

    folder = snapshots_dir(settings)
    name = f"{time.time_ns()}"
    if isinstance(store, SparqlStore):
        from catalogue.public_mirror import open_mirror, sync_mirror

        with open_mirror(settings) as mirror:
            # One list of the remote's graphs for both steps: on a server with a row cap it is the costly read.
            graphs = set(store.named_graphs())
            restricted = set(restricted_graphs(settings, store, graphs))
            read, dropped = sync_mirror(store, mirror, restricted, graphs)
            log.info("public mirror synced: %d graphs read from the remote store, %d dropped", read, dropped)
            # The harvest's copies opened and closed the mirror batch by batch, and closing aborts RocksDB's merges:
            # let them finish, or the snapshot would link an unmerged mirror (more files, slower lookups), and the
            # merges the next writer resumes would leave the old files on disk for the snapshot alone.
            mirror.settle()
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{time.time_ns()}"  # after the wait: publications are named in the order they were made
            mirror.raw.backup(str(folder / f"{name}-public"))
    elif isinstance(store, OxigraphStore) and store.path is not None:
        folder.mkdir(parents=True, exist_ok=True)
        store.flush()
        store.raw.backup(str(folder / name))
        store.raw.backup(str(folder / f"{name}-public"))
        public = OxigraphStore(folder / f"{name}-public")
        try:
            public.drop_graphs(restricted_graphs(settings, public))
        finally:
            public.close()
    else:
        return None
    tmp = folder / "CURRENT.tmp"
    tmp.write_text(name)
    os.replace(tmp, folder / "CURRENT")
    old = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: int(p.name.split("-")[0]))[:-KEEP]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    return folder / name


def restricted_graphs(settings: Settings, store: GraphStore, graphs: Iterable[str] | None = None) -> list[str]:
    """Graphs anonymous readers must not see: every record graph not marked public, quality and hosted-data
    graphs of records that are not public, and the descriptions of restricted sources.

    `graphs` is the store's list of named graphs when the caller has just read it.
    """
    # Hidden unless marked public (not shown unless marked restricted): a harvest loads a record's content before
    # its markers, so a record between the two (a harvest under way on a remote store, or one killed anywhere)
    # has no visibility yet, and a publication meanwhile must not show it.
    # Read after the list (when given): a record marked public meanwhile is complete by then, one that lost the
    # mark is hidden, and one not in the list yet is not shown by the caller either.
    public = {g for (g,) in store.select_text(PUBLIC_RECORDS)}
    listed = store.named_graphs() if graphs is None else graphs
    restricted = [g for g in listed if RECORD_GRAPHS in g and g not in public]
    restricted += [g for (g,) in store.select_text(NOT_PUBLIC_ABOUT)]
    # A restricted source's own description and run counts would tell how many records it hides.
    hidden = [s.name for s in settings.sources if s.visibility == "restricted"]
    if hidden:
        # Found by the source's name, not by today's base URL: graphs harvested under an earlier base too.
        names = " ".join(str(ox.Literal(name)) for name in hidden)
        query = f"SELECT DISTINCT ?g WHERE {{ VALUES ?n {{ {names} }} GRAPH ?g {{ ?s <{SOURCE_NAME}> ?n }} }}"
        restricted += [g for (g,) in store.select_text(query)]
    return restricted


def current(settings: Settings, public: bool = True) -> Path | None:
    """The current snapshot (its public projection unless `public` is False), if any was published."""
    pointer = snapshots_dir(settings) / "CURRENT"
    try:
        path = snapshots_dir(settings) / (pointer.read_text().strip() + ("-public" if public else ""))
    except OSError:
        return None
    return path if path.is_dir() else None


def ensure_snapshot(settings: Settings, public: bool = True) -> Path:
    """The current snapshot, publishing one from the store first when there is none yet."""
    if current(settings, public) is None:
        store = open_store(settings)
        try:
            publish(settings, store)
        finally:
            store.close()
    path = current(settings, public)
    assert path is not None
    return path


def serving_store(settings: Settings, *, public: bool = True) -> GraphStore:
    """What the web process reads: the newest snapshot of the embedded store, or the remote store itself.

    A remote server serves concurrent readers on its own and holds every record, so callers of a remote store
    must filter restricted records in their queries (the datasets, export and search code all do).
    """
    if settings.store.backend != "oxigraph":
        return open_store(settings, read_only=True)
    return SnapshotStore(settings, public=public)


class SnapshotStore:
    """A read-only `GraphStore` over the newest snapshot; `refresh()` switches to a newer one."""

    def __init__(self, settings: Settings, *, public: bool = True, check_every: float = 1.0) -> None:
        self.settings = settings
        self.public = public
        self.check_every = check_every
        self._lock = threading.Lock()
        self._path = ensure_snapshot(settings, public)
        self._store = OxigraphStore(self._path, read_only=True)
        self._checked = time.monotonic()

    @property
    def snapshot(self) -> Path:
        """The snapshot being served."""
        return self._path

    def refresh(self) -> bool:
        """Reopen on the newest snapshot if one appeared since the last check; True when it switched."""
        now = time.monotonic()
        if now - self._checked < self.check_every:
            return False
        self._checked = now
        newest = current(self.settings, self.public)
        if newest is None or newest == self._path:
            return False
        with self._lock:
            self._store = OxigraphStore(newest, read_only=True)
            self._path = newest
        return True

    @property
    def current_store(self) -> OxigraphStore:
        """The store of the snapshot served now (hold on to it for one request)."""
        self.refresh()
        return self._store

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store of the current snapshot."""
        return self.current_store.raw

    def bulk_load(self, nquads: bytes) -> None:
        raise PermissionError("the serving store is read-only")

    def bulk_load_file(self, file: BinaryIO) -> None:
        raise PermissionError("the serving store is read-only")

    def load(self, nquads: bytes) -> None:
        raise PermissionError("the serving store is read-only")

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        raise PermissionError("the serving store is read-only")

    def named_graphs(self, prefix: str = "") -> Iterator[str]:
        return self.current_store.named_graphs(prefix)

    def select(self, query: str) -> list[Row]:
        return self.current_store.select(query)

    def select_text(self, query: str) -> list[tuple[str, ...]]:
        return self.current_store.select_text(query)

    def construct(self, query: str) -> list[ox.Triple]:
        return self.current_store.construct(query)

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        return self.current_store.graph_triples(graph)

    def graph_quads(self, graphs: list[str]) -> list[ox.Quad]:
        return self.current_store.graph_quads(graphs)

    def quad_count(self) -> int:
        return self.current_store.quad_count()

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass
