"""The sorted list of public dataset IRIs the catalogue's Hydra pages slice, read once per store version.

Each `/catalog` page used to read every public record to find its slice: 2.7 s a page at 100,000 records on
Oxigraph, whatever the page, so a partner portal paging through a 1M-record node would have spent hours on it.
The list is kept until the store changes: for a snapshot (the web process's embedded store) until a newer
snapshot is served, for a remote store for `ttl` seconds (a remote server has no version to ask for cheaply).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from catalogue.store import GraphStore

PUBLIC_DATASET_IRIS = """PREFIX fedcat: <https://w3id.org/fedcat/ns#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?d WHERE { GRAPH ?g { ?g fedcat:visibility "public" ; foaf:primaryTopic ?d . FILTER(isIRI(?d)) } }"""
REMOTE_TTL = 300.0  # seconds a remote store's list is kept: a page may lag a harvest by this much


def public_dataset_iris(store: GraphStore) -> list[str]:
    """Every public record's dataset IRI, once each, sorted (a dataset in two sources is one item)."""
    # No DISTINCT: Virtuoso is much slower at it than a set is here.
    return sorted({d for (d,) in store.select_text(PUBLIC_DATASET_IRIS)})


class PublicDatasets:
    """`public_dataset_iris` of a store, read again only when its snapshot changed or, remote, after `ttl`."""

    def __init__(self, ttl: float = REMOTE_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self.reads = 0  # how many times the list was read from a store
        self._lock = threading.Lock()
        self._key: object = None
        self._read_at = 0.0
        self._iris: list[str] = []

    def get(self, store: GraphStore) -> list[str]:
        """The sorted public dataset IRIs of `store`, from the last read while it is current."""
        with self._lock:  # concurrent first pages read the store once, not once each
            version = _version(store)
            now = self.clock()
            fresh = self._key is not None and self._key == (id(store), version)
            if fresh and (version is not None or now - self._read_at < self.ttl):
                return self._iris
            iris = public_dataset_iris(store)
            self.reads += 1
            # A snapshot that changed during the read may have given either version's list: keep it for this
            # page only, and read again for the next.
            self._key = (id(store), version) if _version(store) == version else None
            self._iris, self._read_at = iris, now
            return iris


def _version(store: GraphStore) -> object:
    # A `SnapshotStore` names the snapshot it serves; other stores have no version to tell.
    refresh = getattr(store, "refresh", None)
    if callable(refresh):
        refresh()
    return getattr(store, "snapshot", None)
