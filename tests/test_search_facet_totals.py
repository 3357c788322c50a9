"""Facet counts while browsing count the visible records without scanning the whole catalogue: same answer."""

from __future__ import annotations

import pytest
import tantivy

from benchmarks.discovery_data import Generator, index_record
from catalogue import search_facets
from catalogue.index_docs import to_document
from catalogue.index_schema import FACETS, build_schema, register_analyzers
from catalogue.search_facets import count, facet_counts
from catalogue.search_query import combine, hidden_from


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[tantivy.Searcher, tantivy.Schema]:
    """400 synthetic records (about 5% restricted), some of them deleted after indexing."""
    index = tantivy.Index(build_schema(), path=str(tmp_path_factory.mktemp("index")))
    register_analyzers(index)
    writer = index.writer(50_000_000, 1)
    records = [index_record(rec) for rec in Generator().records(0, 400)]
    for record in records:
        writer.add_document(to_document(record))
    writer.commit()
    for record in records[::7]:  # deleted documents still sit in the segments: they must not be counted
        writer.delete_documents_by_term("graph", record.graph)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index.searcher(), index.schema


@pytest.mark.parametrize("exact_up_to", [3_000, 10])
def test_browsing_counts_equal_counting_every_visible_record(indexed, monkeypatch, exact_up_to):
    monkeypatch.setattr(search_facets, "EXACT_FACETS", exact_up_to)  # 10: the sampled path, scaled by the total
    monkeypatch.setattr(search_facets, "SAMPLE_TARGET", 50)
    searcher, schema = indexed
    fields = {"theme": FACETS["theme"], "publisher": FACETS["publisher"]}
    for visibility in (("public",), ("public", "restricted")):
        hidden = hidden_from(schema, visibility)
        visible = count(searcher, combine(None, [], hidden))
        assert 0 < visible < 400
        counted = facet_counts(searcher, schema, None, [], hidden, fields, total=visible)
        assert facet_counts(searcher, schema, None, [], hidden, fields) == counted
        assert counted[1] is (exact_up_to >= visible)
