"""The provenance markers a harvest writes as text templates equal those built from terms (`marker_triples`)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from catalogue.index_docs import records_from_triples
from catalogue.records import MarkerWriter, Record, marker_triples, nquads, record_graph

AWKWARD = [
    Record("plain-1", ox.NamedNode("http://example.org/d/1"), [], original_url="http://example.org/page-1.ttl"),
    Record(
        'k "quoted"\\ back\nslash\ttab é 🚀',
        ox.NamedNode("http://example.org/d/ü?x=1#f"),
        [],
        original_url="not a url, with spaces",
        restricted=True,
        match_keys={'id:"x"', "iri:example.org/d/1", "url:\u0007bell"},
    ),
    Record("no-url", ox.NamedNode("urn:x:2"), [], match_keys={"id:2"}),
]


@pytest.mark.parametrize("record", AWKWARD, ids=["plain", "awkward", "no-url"])
@pytest.mark.parametrize("first", ["2026-11-27T16:00:00.000001Z", "2026-11-27T16:22:41.500000Z"])
def test_marker_text_equals_marker_triples(record, first):
    graph = record_graph("http://node.example", "src-1", record.key)
    changed = "2026-11-27T16:22:41.500000Z"
    run = "http://node.example/run/src/abc"
    text, indexed = MarkerWriter("src-1", run).markers(graph, record, "ab" * 32 + "r", first, changed)
    terms = marker_triples(
        graph, source="src-1", record=record, chash="ab" * 32 + "r", first_harvested=first, changed_at=changed, run=run
    )
    assert text == nquads(terms, graph)  # the very same lines, in the same order
    assert {q.triple for q in ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS)} == set(terms)
    # The triples handed to the index give the index record all the markers would.
    assert {ox.Triple(*t) for t in indexed} <= set(terms)
    assert records_from_triples([(graph, indexed)]) == records_from_triples([(graph, terms)])
