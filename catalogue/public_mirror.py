"""The public SPARQL endpoint on a remote store: a local Oxigraph mirror of the remote store's public graphs.

The node's `/sparql` runs queries in sandboxed worker processes over a published Oxigraph snapshot that holds no
restricted record, so no query, however written, can reveal one (`catalogue.sparql`). Passing queries on to a
remote server instead would need either a rewrite proven leak-free for every SPARQL form or the server's own
graph-level security, which the SPARQL 1.1 protocols cannot configure. So a node on a remote store keeps
`<home>/mirror/`, an Oxigraph store with the remote's public graphs, and publishes checkpoints of it exactly as
an embedded node publishes its public snapshots: the endpoint, its limits (timeout, row cap, no `SERVICE`) and
its conformance are then the same on both backends.

Publishing syncs the mirror incrementally: record graphs carry their content hash and quality graphs their
result digest, so only graphs whose version differs (or that have none: a source's description, the
duplicates) are read again, and graphs gone or restricted at the remote are dropped. A harvest also copies what
it writes to the remote into the mirror as it goes (`MirrorCopy`), so the sync after it finds those versions
already there instead of reading every record back.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from catalogue.config import Settings, SourceConfig
from catalogue.errors import StoreBusy
from catalogue.harvest_lock import flock_until, locks_path
from catalogue.store import GraphStore, OxigraphStore
from catalogue.store_sparql import SparqlStore

log = logging.getLogger("fedcat.mirror")
BATCH = 200  # graphs read in one query: a few thousand rows, well under a server's row cap per page
VERSIONS = """SELECT ?g ?v WHERE {
  VALUES ?p { <https://w3id.org/fedcat/ns#contentHash> <https://w3id.org/fedcat/quality#resultDigest> }
  GRAPH ?g { ?g ?p ?v }
}"""


def mirror_path(settings: Settings) -> Path:
    """Where a node on a remote store keeps its public mirror."""
    return settings.home / "mirror"


@contextlib.contextmanager
def open_mirror(settings: Settings, wait: float = 600.0) -> Iterator[OxigraphStore]:
    """The public mirror, for one publisher at a time.

    Writers of a remote store do not share a store lock the way writers of an embedded one do (a quality run
    may publish while a harvest does), so publishers queue on a lock file, for up to `wait` seconds.
    """
    locks_path(settings).mkdir(parents=True, exist_ok=True)
    with (locks_path(settings) / "mirror.lock").open("a+") as handle:
        if not flock_until(handle, time.monotonic() + wait):
            raise StoreBusy(f"another process kept the public mirror busy for {wait:.0f} s")
        mirror = OxigraphStore(mirror_path(settings))
        try:
            yield mirror
        finally:
            mirror.close()
            fcntl.flock(handle, fcntl.LOCK_UN)


def versions(store: GraphStore) -> dict[str, str]:
    """The version (content hash or result digest) of every named graph that states one."""
    return {g: v for g, v in store.select_text(VERSIONS)}


def sync_mirror(
    remote: SparqlStore, mirror: OxigraphStore, restricted: set[str], graphs: set[str] | None = None
) -> tuple[int, int]:
    """Make `mirror` hold exactly the remote's graphs outside `restricted`; returns (graphs copied, dropped).

    `graphs` is the remote's list of named graphs when the caller has just read it.
    """
    public = (set(remote.named_graphs()) if graphs is None else graphs) - restricted
    held = set(mirror.named_graphs())
    theirs, ours = versions(remote), versions(mirror)
    stale = sorted(held - public)
    changed = sorted(g for g in public if g not in held or g not in theirs or theirs[g] != ours.get(g))
    mirror.drop_graphs(stale)
    for start in range(0, len(changed), BATCH):
        chunk = changed[start : start + BATCH]
        quads = remote.graph_quads(chunk)
        mirror.drop_graphs(chunk)
        mirror.bulk_load(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
    mirror.flush()
    if mirror.path is not None:
        synced_path(mirror.path).write_text(uuid.uuid4().hex)  # tells a harvest's copy that a sync came between
    return len(changed), len(stale)


def synced_path(mirror: Path) -> Path:
    """The file each sync of the mirror at `mirror` rewrites with a fresh token."""
    return mirror.with_name(mirror.name + ".synced")


def _sync_token(mirror: OxigraphStore) -> str:
    try:
        return synced_path(mirror.path).read_text() if mirror.path is not None else ""
    except FileNotFoundError:
        return ""


class MirrorCopy:
    """Loads into the public mirror what a harvest has just loaded into the remote store, in the same order.

    The mirror then holds each record in the form the harvest wrote it (the form an embedded node serves), and
    the next sync skips it, its content hash being the remote's. Restricted records reach the mirror too, as
    they reach an embedded node's store: the sync that precedes every publication drops them, under the same lock.
    A copy must never be taken for a graph's content it does not hold, since a copied content hash would stop the
    sync from reading that graph: so the first batch not copied (the mirror busy, or an error) ends the copying
    for the run, and the sync reads back whatever came after. So does a sync between two copies (another
    publisher's, while this harvest runs): it drops the records whose markers have not come yet (their visibility
    is unknown), and copying those markers next would leave them marked without their content.
    """

    WAIT = 5.0  # seconds a batch waits for another publisher's sync before the run stops copying

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.active = True
        self._token: str | None = None  # the mirror's sync token when this run first copied

    def __call__(self, drop: list[str], nquads: BinaryIO) -> None:
        """Drop `drop` and bulk-load the N-Quads file `nquads` into the mirror, as was done at the remote."""
        if not self.active:
            return
        try:
            with open_mirror(self.settings, wait=self.WAIT) as mirror:
                token = _sync_token(mirror)
                if self._token is not None and token != self._token:
                    raise StoreBusy("another publication synced the mirror during this harvest")
                self._token = token
                mirror.drop_graphs(drop)
                mirror.bulk_load_file(nquads)
        except Exception as exc:  # the copy only saves reading back: the sync reads whatever it did not copy
            self.active = False
            log.warning("stopped copying this harvest into the public mirror (%s); the sync reads it back", exc)


def mirror_copy(settings: Settings, store: GraphStore, source: SourceConfig) -> MirrorCopy | None:
    """A `MirrorCopy` for a harvest of `source` into a remote store; None where there is no mirror to keep."""
    if not isinstance(store, SparqlStore) or source.visibility == "restricted":
        return None  # nothing of a restricted source is public: the sync would only drop it again
    return MirrorCopy(settings)
