"""The harvest's batch writer: markers only after their content, growing batches, nothing marked after a failed load.

A real (in-memory) Oxigraph store records what each bulk load carried; one that fails a chosen load stands for a
disk or remote-store error mid-run.
"""

from __future__ import annotations

from typing import BinaryIO

import pyoxigraph as ox
import pytest

from catalogue.index_spool import IndexSpool
from catalogue.records import MarkerWriter, Record, lines_to_nquads, record_graph
from catalogue.store import OxigraphStore
from harvesters.run import _Writer, stored_records
from vocabularies.namespaces import DCT, FEDCAT

BASE = "http://node.example"


class RecordingStore(OxigraphStore):
    """An in-memory store that remembers, per bulk load, which graphs got content and which got markers."""

    def __init__(self, fail_on: int | None = None) -> None:
        super().__init__(None)
        self.loads: list[tuple[set[str], set[str]]] = []
        self.fail_on = fail_on

    def bulk_load(self, nquads: bytes) -> None:
        if self.fail_on is not None and len(self.loads) + 1 == self.fail_on:
            self.loads.append((set(), set()))
            raise OSError("disk full")
        quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
        marked = {q.graph_name.value for q in quads if q.predicate == FEDCAT.contentHash}
        content = {q.graph_name.value for q in quads if q.predicate == DCT["title"]}
        self.loads.append((content, marked))
        super().bulk_load(nquads)

    def bulk_load_file(self, file: BinaryIO) -> None:
        file.flush()
        file.seek(0)
        self.bulk_load(file.read())


def _feed(writer: _Writer, n: int) -> list[str]:
    markers = MarkerWriter("s", f"{BASE}/run/s/1")
    graphs = []
    for i in range(n):
        dataset = ox.NamedNode(f"http://example.org/d/{i}")
        triples = [ox.Triple(dataset, DCT["title"], ox.Literal(f"Dataset {i}"))]
        record = Record(f"k{i}", dataset, triples)
        graph = record_graph(BASE, "s", record.key)
        text, indexed = markers.markers(graph, record, f"hash{i}", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")
        writer.add(graph, lines_to_nquads([str(t) for t in triples], graph), triples, text, indexed, replace=False)
        graphs.append(graph)
    return graphs


def test_markers_are_loaded_after_their_content_and_batches_grow():
    store = RecordingStore()
    writer = _Writer(store, 2, IndexSpool())
    graphs = _feed(writer, 40)
    writer.flush()
    writer.close()
    content_load = {g: i for i, (content, _) in enumerate(store.loads) for g in content}
    marker_load = {g: i for i, (_, marked) in enumerate(store.loads) for g in marked}
    assert set(content_load) == set(marker_load) == set(graphs)
    assert all(marker_load[g] > content_load[g] for g in graphs)
    # Batches of 2, 4, 8, 16 (eight times the configured size at most), then the rest; last, the markers alone.
    assert [len(content) for content, _ in store.loads] == [2, 4, 8, 16, 10, 0]
    assert len(stored_records(store, "s")) == 40
    assert len(writer.records) == 40 and all(r.id and r.source == "s" for r in writer.records.values())
    assert sorted(g for g, _ in writer.records.items()) == sorted(graphs)


# Loads of 12 records in batches of 2: content 1-2; markers 1-2 + content 3-6; markers 3-6 + content 7-12; markers.
@pytest.mark.parametrize(("fail_on", "marked"), [(1, 0), (2, 0), (3, 2), (4, 6)])
def test_a_failed_load_leaves_no_marker_on_content_it_may_not_have_written(fail_on, marked):
    store = RecordingStore(fail_on=fail_on)
    writer = _Writer(store, 2, IndexSpool())
    with pytest.raises(OSError, match="disk full"):
        graphs = _feed(writer, 12)
        writer.flush()
    writer.flush()  # what harvest_source does after a failure: write what is buffered, and mark only what is whole
    writer.close()
    complete = {r.graph for r in stored_records(store, "s").values()}
    query = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?d {DCT['title']} ?t }} }}"
    with_content = {row["g"].value for row in store.select(query)}
    assert len(complete) == marked
    assert complete <= with_content  # no graph is marked complete without its content
    if fail_on == 4:  # only the last markers were lost: all content is there, unmarked graphs get rewritten
        assert with_content == set(graphs)


def test_a_store_settles_after_bulk_loads_and_stays_readable(tmp_path):
    """`settle` waits for RocksDB's merges of the loads' files (an abort at close would be redone by the next
    writer) and returns, the store whole; compaction threads are found by name."""
    from catalogue.store import _compaction_ticks

    store = OxigraphStore(tmp_path / "store")
    try:
        for batch in range(6):  # enough loads for RocksDB to start merging
            lines = [
                f'<http://example.org/d/{batch}/{i}> {DCT["title"]} "t{i}" <http://g/{batch}> .\n' for i in range(2000)
            ]
            store.bulk_load("".join(lines).encode())
        store.settle(timeout=30)
        assert isinstance(_compaction_ticks(), int)
        assert store.quad_count() == 12_000
    finally:
        store.close()


def test_spooled_batches_load_from_unlinked_files_and_leave_nothing_behind(tmp_path):
    """The on-disk store reads each spooled batch itself (through /proc/self/fd); the spool files are unlinked
    from the start, so the folder holds only the store afterwards, and every record is whole and marked."""
    store = OxigraphStore(tmp_path / "store")
    spools = tmp_path / "home"
    spools.mkdir()
    try:
        writer = _Writer(store, 2, IndexSpool(), spools)
        graphs = _feed(writer, 40)
        assert list(spools.iterdir()) == []
        writer.flush()
        writer.close()
        assert {r.graph for r in stored_records(store, "s").values()} == set(graphs)
        assert store.quad_count() == 40 * 11  # a title and ten marker triples per record
    finally:
        store.close()
    assert list(spools.iterdir()) == []
