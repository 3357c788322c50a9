"""The sorted list of public dataset IRIs the catalogue's Hydra pages slice, read once per store version.

Each `/catalog` page used to read every public record to find its slice: 2.7 s a page at 100,000 records on
Oxigraph, whatever the page, so a partner portal paging through a 1M-record node would have spent hours on it.
The list is kept until the store changes: for a snapshot (the web process's embedded store) until a newer
snapshot is served, for a remote store for `ttl` seconds (a remote server has no version to ask for cheaply); then
it is read again in the background while pages keep using the list held.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from catalogue.store import GraphStore

PUBLIC_DATASET_IRIS = """PREFIX fedcat: <https://w3id.org/fedcat/ns#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?d WHERE { GRAPH ?g { ?g fedcat:visibility "public" ; foaf:primaryTopic ?d . FILTER(isIRI(?d)) } }"""
# A public snapshot holds no record graph not marked public (`snapshots.restricted_graphs` dropped them), so the
# marker naming the dataset is enough there: 7.8-9.6 s against 27 s for the query above at 1,000,000 records.
PUBLIC_SNAPSHOT_DATASET_IRIS = """PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?d WHERE { GRAPH ?g { ?g foaf:primaryTopic ?d . FILTER(isIRI(?d)) } }"""
log = logging.getLogger("fedcat.catalog")
REMOTE_TTL = 300.0  # seconds a remote store's list is kept: a page may lag a harvest by this much
PATIENCE = 5.0  # seconds a page waits for a list being read again before it slices the one held


def public_dataset_iris(store: GraphStore) -> list[str]:
    """Every public record's dataset IRI, once each, sorted (a dataset in two sources is one item)."""
    # No DISTINCT: Virtuoso is much slower at it than a set is here.
    query = PUBLIC_SNAPSHOT_DATASET_IRIS if getattr(store, "public", False) is True else PUBLIC_DATASET_IRIS
    return sorted({d for (d,) in store.select_text(query)})


class PublicDatasets:
    """`public_dataset_iris` of a store, kept per store version and read again on a background thread.

    The first read blocks (concurrent first pages read the store once). Once a list is held, a newer snapshot, or
    a remote store's list older than `ttl`, starts one read on a background thread, and a page waits for it at
    most `patience` seconds before slicing the list held: at 1,000,000 records the read took 25 s (8-10 s since,
    on a public snapshot), which every page request arriving after a harvest used to wait for. Pages leave out
    datasets gone since the list was read (`export.catalogue_page`); new ones appear once the read ends.
    """

    def __init__(
        self, ttl: float = REMOTE_TTL, clock: Callable[[], float] = time.monotonic, patience: float = PATIENCE
    ) -> None:
        self.ttl, self.clock, self.patience = ttl, clock, patience
        self.reads = 0  # how many times the list was read from a store
        self._lock = threading.Lock()  # held while a first list is read, and to swap lists
        self._key: object = None
        self._read_at = 0.0
        self._iris: list[str] | None = None
        self._refresh: threading.Thread | None = None

    def get(self, store: GraphStore) -> list[str]:
        """The sorted public dataset IRIs of `store`: read now when no list is held, else the newest one."""
        refresh = self._refresh
        if self._iris is None and refresh is not None:
            refresh.join()  # a warm-up under way: wait for its list rather than read a second one
        with self._lock:
            if self._iris is None:
                self._read(store)
            if not self._stale(store):
                return self._list()
            refresh = self._start_refresh(store)
        refresh.join(self.patience)
        with self._lock:
            return self._list()

    def warm(self, store: GraphStore) -> None:
        """Read the list in the background now, so that no page waits for it (a server starting)."""
        with self._lock:
            self._start_refresh(store)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background read to end (tests, shutdown)."""
        refresh = self._refresh
        if refresh is not None:
            refresh.join(timeout)

    def _list(self) -> list[str]:
        assert self._iris is not None, "no list read yet"
        return self._iris

    def _stale(self, store: GraphStore) -> bool:
        version = _version(store)
        if self._key != (id(store), version):
            return True
        return version is None and self.clock() - self._read_at >= self.ttl

    def _start_refresh(self, store: GraphStore) -> threading.Thread:
        if self._refresh is None or not self._refresh.is_alive():
            self._refresh = threading.Thread(
                target=self._refresh_from, args=(store,), name="fedcat-catalog-list", daemon=True
            )
            self._refresh.start()
        return self._refresh

    def _refresh_from(self, store: GraphStore) -> None:
        try:
            read = self._fetch(store)
            with self._lock:
                self._keep(store, *read)
        except Exception:  # the list held keeps serving; the next page asks again
            log.exception("reading the public dataset list failed")

    def _read(self, store: GraphStore) -> None:
        self._keep(store, *self._fetch(store))

    def _fetch(self, store: GraphStore) -> tuple[object, float, list[str]]:
        # The version and time before the read: a snapshot published during it makes the list stale at once.
        version, now = _version(store), self.clock()
        return version, now, public_dataset_iris(store)

    def _keep(self, store: GraphStore, version: object, now: float, iris: list[str]) -> None:
        self.reads += 1
        # A snapshot that changed during the read may have given either version's list: keep it, but as stale.
        self._key = (id(store), version) if _version(store) == version else None
        self._iris, self._read_at = iris, now


def _version(store: GraphStore) -> object:
    # A `SnapshotStore` names the snapshot it serves; other stores have no version to tell.
    refresh = getattr(store, "refresh", None)
    if callable(refresh):
        refresh()
    return getattr(store, "snapshot", None)
