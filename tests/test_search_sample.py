"""The facet sample: the indexed `sample` terms select exactly the documents of the `bucket` cut-off, in order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tantivy
from tantivy import FieldType, Query

from catalogue import search_facets
from catalogue.config import load_settings
from catalogue.index import IndexUnavailable, SearchIndex, current_generation, index_status
from catalogue.index_schema import FACETS, SAMPLE_BUCKETS, SCHEMA_VERSION
from catalogue.search_facets import facet_counts, sample_query
from catalogue.search_query import QueryBuilder, combine, hidden_from, parse
from tests.synthetic_index import synthetic_index

RECORDS = 600


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tantivy.Index:
    """600 synthetic records in three commits (three segments), some deleted after indexing."""
    return synthetic_index(tmp_path_factory.mktemp("index"), RECORDS, 200, 11)


def _addresses(searcher: tantivy.Searcher, query: Query) -> set[tuple[int, int]]:
    hits = searcher.search(query, RECORDS, count=False).hits
    return {(address.segment_ord, address.doc) for _, address in hits}


def _bucket_range(schema: tantivy.Schema, cut: int) -> Query:
    return Query.range_query(schema, "bucket", FieldType.Unsigned, 0, cut - 1)


@pytest.mark.parametrize("cut", [1, 2, 17, 128, 255, SAMPLE_BUCKETS])
def test_the_sample_terms_select_the_same_documents_as_the_bucket_cut_off(indexed, cut):
    searcher = indexed.searcher()
    sample = _addresses(searcher, sample_query(indexed.schema, cut))
    assert sample == _addresses(searcher, _bucket_range(indexed.schema, cut))
    everything = _addresses(searcher, Query.all_query())
    if cut == SAMPLE_BUCKETS:
        assert sample == everything
    else:
        assert 0 < len(sample) < len(everything)


def test_every_live_document_has_its_sample_term(indexed):
    searcher = indexed.searcher()
    whole = sample_query(indexed.schema, SAMPLE_BUCKETS)
    assert searcher.search(whole, 1, count=True).count == searcher.num_docs == RECORDS - len(range(0, RECORDS, 11))


def test_segments_keep_their_documents_in_bucket_order(indexed):
    searcher = indexed.searcher()
    hits = searcher.search(Query.all_query(), RECORDS, count=False).hits
    by_segment: dict[int, list[tuple[int, int]]] = {}
    addresses = [address for _, address in hits]
    for address, bucket in zip(addresses, searcher.fast_field_values("bucket", addresses), strict=True):
        by_segment.setdefault(address.segment_ord, []).append((address.doc, bucket))
    assert searcher.num_segments >= 2
    for docs in by_segment.values():
        buckets = [bucket for _, bucket in sorted(docs)]
        assert buckets == sorted(buckets) and len(set(buckets)) > 1


@pytest.mark.parametrize("text", ["", "data", "donnees statistik"])
def test_sampled_facet_counts_equal_those_of_the_bucket_cut_off(indexed, monkeypatch, text):
    """The estimate is the same as before the sample became a term: same documents, same counts, same scale."""
    monkeypatch.setattr(search_facets, "EXACT_FACETS", 10)
    monkeypatch.setattr(search_facets, "SAMPLE_TARGET", 60)
    searcher, schema = indexed.searcher(), indexed.schema
    base = QueryBuilder(schema, searcher).text_query(parse(text))
    hidden = hidden_from(schema, ("public",))
    fields = {name: FACETS[name] for name in ("theme", "publisher", "format", "keyword")}
    counts, exact = facet_counts(searcher, schema, base, [], hidden, fields)
    total = searcher.search(combine(base, [], hidden), 1, count=True).count
    assert total > 10 and exact is False
    monkeypatch.setattr(search_facets, "sample_query", _bucket_range)
    assert facet_counts(searcher, schema, base, [], hidden, fields) == (counts, False)
    assert counts["theme"] and all(n >= 1 for _, n in counts["theme"])


def test_an_index_of_the_previous_schema_version_is_outdated(tmp_path: Path):
    settings = load_settings(tmp_path)
    generation = settings.index_path / "g1"
    generation.mkdir(parents=True)
    (settings.index_path / "CURRENT").write_text("g1")
    (generation / "fedcat.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION - 1}))
    assert current_generation(settings) is None and index_status(settings) == "outdated"
    with pytest.raises(IndexUnavailable, match=f"another fedcat version .index schema {SCHEMA_VERSION} expected"):
        SearchIndex(settings)  # searches answer 503 and say what to do, until a rebuild
    (generation / "fedcat.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION}))
    assert current_generation(settings) == generation and index_status(settings) == "ok"


def test_a_filtered_facet_above_the_threshold_is_estimated_without_counting_its_matches(indexed, monkeypatch):
    """The own counts of a filtered facet (its filter dropped: a superset of the results) come from the sample."""
    searcher, schema = indexed.searcher(), indexed.schema
    hidden = hidden_from(schema, ("public",))
    theme = "http://publications.europa.eu/resource/authority/data-theme/"
    fields = {"theme": FACETS["theme"]}
    exact, is_exact = facet_counts(searcher, schema, None, [], hidden, fields)
    assert is_exact is True
    themes = dict(exact["theme"])
    biggest = max(themes, key=lambda v: themes[v])
    results = themes[biggest]  # the results with that theme selected: every own count is of a superset of them
    counted: list[str] = []
    real_count = search_facets.count

    def counting(searcher: tantivy.Searcher, query: Query) -> int:
        counted.append("count")
        return real_count(searcher, query)

    monkeypatch.setattr(search_facets, "EXACT_FACETS", results - 1)
    monkeypatch.setattr(search_facets, "SAMPLE_TARGET", 300)
    monkeypatch.setattr(search_facets, "count", counting)
    everything = QueryBuilder(schema, searcher).text_query(parse("-qwertzuiop"))  # words: not the browse path
    estimated, is_exact = facet_counts(searcher, schema, everything, [], hidden, fields, at_least=results)
    assert is_exact is False and counted == ["count"]  # only the sample was counted, to size it
    # The sample's counts scaled by the sampling rate, for the cut that leaves about SAMPLE_TARGET documents.
    visible = real_count(searcher, combine(None, [], hidden))
    cut = search_facets._cut(visible)
    in_sample, _ = facet_counts(searcher, schema, everything, [sample_query(schema, cut)], hidden, fields, total=1)
    scale = SAMPLE_BUCKETS / cut
    assert estimated["theme"] == [(v, max(1, round(n * scale))) for v, n in in_sample["theme"]]
    assert biggest.startswith(theme) and dict(estimated["theme"]).keys() <= themes.keys()
    top, n = estimated["theme"][0]
    assert abs(n - themes[top]) <= 0.5 * themes[top]
    # At or below the threshold the caller's lower bound changes nothing: the counts stay exact.
    monkeypatch.setattr(search_facets, "EXACT_FACETS", 3_000)
    assert facet_counts(searcher, schema, everything, [], hidden, fields, at_least=results) == (exact, True)
    # Browsing (no words, no other filter) counts the visible records cheaply: exact whatever the bound says.
    monkeypatch.setattr(search_facets, "EXACT_FACETS", results - 1)
    counted.clear()
    browsed, _ = facet_counts(searcher, schema, None, [], hidden, fields, at_least=results)
    assert counted == ["count"] and browsed == facet_counts(searcher, schema, None, [], hidden, fields)[0]
