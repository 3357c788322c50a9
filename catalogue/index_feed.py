"""The search index update of a harvest, fed the records it writes while it writes them (`harvest_all`).

`update_index` after a harvest built every document only once the store writes were done, with tantivy's
indexing threads idle until then; fed record by record, the documents are built while the store loads earlier
batches, and indexed meanwhile. Readers see nothing before the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from catalogue.config import Settings
from catalogue.index import (
    current_generation,
    deleted_documents,
    open_tantivy,
    pending_file,
    rebuild_index,
    rebuild_pays,
    worth_compacting,
)
from catalogue.index_docs import IndexRecord, add_quality
from catalogue.index_feed_process import FeedProcess, IndexFeedFailed
from catalogue.index_read import iter_records
from catalogue.store import GraphStore

log = logging.getLogger("fedcat.index")

# A first harvest may feed a million records. tantivy writes a segment whenever the writer's memory is full and
# merges eight of like size into one: with 64 MB a 1M harvest left 7 segments (193,000 documents at most), with
# 256 MB a 1M build leaves 3 (850,000, 106,000, 44,000), and every search pays per segment (1M search + facets p50
# 4.8 ms against 3.9). The memory is taken as documents arrive, so a small harvest uses little of it; the large
# merge maps its input files, which shows in the RSS (a 1M harvest peaked at 3.4 GB instead of 2.4, mostly mapped
# files: anonymous memory peaked at 0.5 GB in a 1M build).
FEED_HEAP = 256_000_000


class IndexFeed:
    """An index update fed the records a harvest writes, committed once at its end.

    The harvest commits once the store holds every record it fed; the commit ends as `update_index` would (the
    same compaction rules). The documents are built and written by a process of their own (`FeedProcess`),
    which holds the writer lock from the start. Should it fail (killed, out of memory), the harvest goes on
    writing the store and the commit rebuilds the index from it instead. A feed closed without a commit leaves
    the index `PENDING`: the next writer rebuilds it.
    """

    def __init__(self, settings: Settings, store: GraphStore, generation: Path, writer: FeedProcess) -> None:
        self.settings, self.store, self.generation = settings, store, generation
        self._writer: FeedProcess | None = writer
        self._fed: set[str] = set()
        self._failure: IndexFeedFailed | None = None
        self.added = 0
        # No quality graph in the store when the feed began (a first harvest): the check runs once, not once per
        # chunk (a 1M harvest into Virtuoso failed when one of its thousand checks met the server's hourly
        # checkpoint and timed out after 120 s). The records this harvest writes first cannot have quality graphs
        # yet: a quality run scores only records complete in the store, which the feed indexed before writing them.
        # A record it re-writes while a quality run on a remote store scores it gets its band from that run's own
        # index update, which waits for this harvest's index lock or, past 30 s, asks for `fedcat index rebuild`.
        self._no_quality = False

    def add(self, records: Iterable[IndexRecord]) -> None:
        """Replace the documents of `records` (built from the triples just written), quality values read."""
        assert self._writer is not None, "the feed was committed or closed"
        chunk = list(records)
        if not chunk:
            return
        if not self._no_quality:
            self._no_quality = not add_quality(self.store, chunk)
        graphs = [record.graph for record in chunk]
        self._fed.update(graphs)
        documents = [record for record in chunk if record.id and record.iri]
        self.added += len(documents)
        if self._failure is None:
            try:
                self._writer.add(graphs, documents)
            except IndexFeedFailed as exc:
                log.warning("%s; the harvest goes on and rebuilds the search index at its end", exc)
                self._failure = exc

    def commit(self, changed: Iterable[str], removed: Iterable[str]) -> int:
        """Index what `changed` holds beyond the records fed, drop `removed`, commit; as `update_index` returns."""
        writer, self._writer = self._writer, None
        assert writer is not None, "the feed was committed or closed"
        changed = sorted(set(changed))
        gone = sorted(set(removed) - set(changed))
        if self._failure or rebuild_pays(self.generation, open_tantivy(self.generation), [*changed, *gone]):
            writer.rollback()  # a rebuild would follow the update anyway, as in `update_index`; releases the lock
            rebuild_index(self.settings, self.store)
            return len(changed)
        rest = [g for g in changed if g not in self._fed]
        if not (self._fed or rest or gone):  # an unchanged re-harvest: no commit, so readers keep their caches
            writer.rollback()
            pending_file(self.settings).unlink(missing_ok=True)
            return 0
        added = self.added
        try:
            writer.add([*rest, *gone], [])
            for records in iter_records(self.store, rest, self.settings.index_path):
                writer.add([], records)
                added += len(records)
            writer.commit()
        except IndexFeedFailed as exc:
            writer.rollback()
            log.warning("%s; rebuilding the search index from the store", exc)
            rebuild_index(self.settings, self.store)
            return len(changed)
        except BaseException:
            writer.rollback()
            raise
        if worth_compacting(*deleted_documents(self.generation)):
            rebuild_index(self.settings, self.store)
        pending_file(self.settings).unlink(missing_ok=True)
        return added

    def close(self) -> None:
        """Drop what was fed without a commit (after a crash mid-harvest); the index stays `PENDING`."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.rollback()


def open_feed(settings: Settings, store: GraphStore) -> IndexFeed | None:
    """A feed for a harvest, after `prepare_index`; None when another writer holds the index or the writer
    process cannot start (the harvest then updates it at its end, waiting as `update_index` does)."""
    generation = current_generation(settings)
    if generation is None:
        return None
    try:
        writer = FeedProcess.start(generation, FEED_HEAP)
    except IndexFeedFailed as exc:  # the harvest indexes its records at its end instead
        log.warning("%s; the search index is updated after the harvest instead", exc)
        return None
    return None if writer is None else IndexFeed(settings, store, generation, writer)
