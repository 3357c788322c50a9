"""Facet values counted through their hash columns: the same counts as the text columns, named again exactly."""

from __future__ import annotations

from hashlib import blake2b

import pytest
import tantivy

from catalogue import search_facets, search_terms
from catalogue.index_schema import FACETS, GROUP_FIELD, LANGS, counted_fields, keyword_field
from catalogue.search_facets import facet_counts
from catalogue.search_query import QueryBuilder, hidden_from, parse
from catalogue.search_terms import HASH_BITS, TermNames, hashed_field, name_terms, term_hash
from tests.synthetic_index import synthetic_index

RECORDS = 900


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tantivy.Index:
    """900 synthetic records in three commits (three segments), some deleted after indexing."""
    return synthetic_index(tmp_path_factory.mktemp("index"), RECORDS, 300, 7)


def test_the_hash_is_the_documented_53_bit_prefix_of_blake2b():
    # Stored in every index: changing it without a schema version bump would misname the counts of old indexes.
    for value in ("health", "Gesondheet", "theme\x1fhttp://publications.europa.eu/resource/authority/data-theme/HEAL"):
        digest = blake2b(value.encode(), digest_size=8).digest()
        assert term_hash(value) == int.from_bytes(digest, "big") >> 11 < 2**HASH_BITS


def test_colliding_or_too_many_terms_get_no_dictionary():
    assert name_terms(["a", "bb", "cc"], hash_of=len) is None  # "bb" and "cc" collide: count the text column
    assert name_terms(["a", "bb", "ccc"], hash_of=len) == {1: "a", 2: "bb", 3: "ccc"}
    assert name_terms(["a", "bb", "ccc"], most=2) is None
    assert name_terms(["a", "a"], hash_of=len) == {1: "a"}  # the same term twice is no collision


def test_a_dictionary_names_every_indexed_term_of_its_field(indexed):
    searcher = indexed.searcher()
    names = TermNames()
    for field in counted_fields():
        terms = [term for term, _ in searcher.terms_with_prefix(field, "")]
        found = names.get(searcher, field)
        assert found is not None and len(terms) > 3
        assert sorted(found.values()) == sorted(terms)
        assert all(found[term_hash(term)] == term for term in terms)
    kept = names.get(searcher, FACETS["publisher"])
    assert kept is not None and names.get(searcher, FACETS["publisher"]) is kept  # built once per commit
    assert set(names.for_fields(searcher, [GROUP_FIELD, keyword_field("fr")])) == {GROUP_FIELD, "keyword_fr_raw"}


def test_a_field_with_too_many_values_is_counted_on_its_text_column(indexed, monkeypatch):
    searcher = indexed.searcher()
    keywords = len(searcher.terms_with_prefix(keyword_field("en"), ""))
    monkeypatch.setattr(search_terms, "MAX_NAMED", keywords - 1)
    names = TermNames()
    assert names.get(searcher, keyword_field("en")) is None
    assert set(names.for_fields(searcher, [keyword_field("en"), GROUP_FIELD])) == {GROUP_FIELD}
    monkeypatch.setattr(search_terms, "MAX_NAMED", keywords)
    assert len(TermNames().get(searcher, keyword_field("en")) or {}) == keywords


def test_only_fields_with_a_dictionary_are_counted_on_their_hash_column():
    names = {keyword_field("de"): {1: "x"}}
    fields = {"keyword": keyword_field("de"), "publisher": FACETS["publisher"], "theme": FACETS["theme"]}
    aggs = search_facets._aggregations(fields, names)
    assert aggs["keyword"]["terms"]["field"] == hashed_field(keyword_field("de"))
    assert aggs["publisher"]["terms"]["field"] == FACETS["publisher"]
    assert aggs[GROUP_FIELD]["terms"]["field"] == GROUP_FIELD


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("text", ["", "data", "donnees statistik", "energy"])
@pytest.mark.parametrize("sampled", [False, True])
def test_hash_columns_count_what_the_text_columns_count(indexed, monkeypatch, lang, text, sampled):
    # Every value of every facet, so that no cut-off applies: among values tied at a cut-off tantivy keeps
    # those first in its column's order, alphabetical for text and by hash for numbers.
    monkeypatch.setattr(search_facets, "FACET_LIMIT", 10_000)
    monkeypatch.setattr(search_facets, "LONG_TAIL", {})
    if sampled:  # facet counts estimated on a sample of the matches, scaled to their total
        monkeypatch.setattr(search_facets, "EXACT_FACETS", 10)
        monkeypatch.setattr(search_facets, "SAMPLE_TARGET", 60)
    searcher, schema = indexed.searcher(), indexed.schema
    base = QueryBuilder(schema, searcher).text_query(parse(text))
    hidden = hidden_from(schema, ("public",))
    fields = {name: keyword_field(lang) if name == "keyword" else field for name, field in FACETS.items()}
    names = TermNames().for_fields(searcher, counted_fields())
    assert set(names) == set(counted_fields())
    by_text = facet_counts(searcher, schema, base, [], hidden, fields)
    by_hash = facet_counts(searcher, schema, base, [], hidden, fields, names=names)
    assert by_hash == by_text
    assert by_hash[1] is not sampled
    assert len(by_hash[0]["keyword"]) > 5 and by_hash[0]["publisher"] and by_hash[0]["theme"]
    estimated = facet_counts(searcher, schema, base, [], hidden, fields, at_least=40, names=names)
    assert estimated == facet_counts(searcher, schema, base, [], hidden, fields, at_least=40)


def test_with_the_usual_cut_offs_both_columns_show_as_many_values(indexed):
    searcher, schema = indexed.searcher(), indexed.schema
    hidden = hidden_from(schema, ("public",))
    names = TermNames().for_fields(searcher, counted_fields())
    by_text, _ = facet_counts(searcher, schema, None, [], hidden, dict(FACETS))
    by_hash, _ = facet_counts(searcher, schema, None, [], hidden, dict(FACETS), names=names)
    assert {k: len(v) for k, v in by_hash.items()} == {k: len(v) for k, v in by_text.items()}
    assert by_hash["publisher"][:8] == by_text["publisher"][:8]  # the large publishers: no ties
