"""Facet counts from tantivy's terms aggregations: exact for ordinary result sets, estimated for large ones.

Counting facets costs time in proportion to the matching documents and to the values each holds. Up to
`EXACT_FACETS` matches the counts are exact. Beyond that they are counted on a uniform sample of the matches
(the documents whose `sample`, a hash of the id kept as an indexed term, is below a cut-off chosen for about
`SAMPLE_TARGET` documents) and scaled to the exact total; the result says so (`facets_exact: false`), as
search engines do for broad queries. The sample is the same for every query, so estimates are repeatable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

import tantivy
from tantivy import Occur, Query

from catalogue.index_schema import GROUP_FIELD, GROUP_SEP, GROUPED, SAMPLE_BUCKETS, SAMPLE_LEVELS
from catalogue.search_query import combine
from catalogue.search_terms import Names, hashed_field

EXACT_FACETS = 3_000
SAMPLE_TARGET = 2_000
PROBE_CUT = SAMPLE_BUCKETS // 16  # `probe_total` counts the matches in 1/16 of the documents
FACET_LIMIT = 50  # values per facet, most frequent first
# Facets with many distinct values: fewer shown, and a short per-segment list (resolving a value's text
# costs a term-dictionary lookup, and 500 per segment measured 5 ms for keywords at 1M). Counts near the
# cut-off may then miss a few documents of a segment where the value ranked lower (as in Elasticsearch).
LONG_TAIL = {"keyword": 20, "publisher": 30}
Counts = dict[str, list[tuple[str, int]]]


def sample_query(schema: tantivy.Schema, cut: int) -> Query:
    """The uniform sample of about `cut / SAMPLE_BUCKETS` of the documents: those whose bucket is below `cut`.

    The union of the aligned blocks of buckets that make up [0, cut), one per bit of `cut` (`_cut` picks powers
    of two: one block), each one `sample` term (`index_schema.sample_terms`). Documents are stored in bucket
    order, so each segment's sample is a run of documents at its start: the intersection with the matches stops
    at the end of the run, and reads about as many matches as the sample holds, however many there are. (A
    range over the `bucket` fast field checked every match instead, and a range of single-bucket terms is first
    gathered into a bitset of every sampled document: both cost about as much as counting the matches, 1.5-2 ms
    at 1M documents; one term took 0.2 ms.)
    """
    terms, start = [], 0
    for k in reversed(range(SAMPLE_LEVELS)):
        if cut & (1 << k):
            terms.append(Query.term_query(schema, "sample", f"{k}:{start >> k}"))
            start += 1 << k
    return terms[0] if len(terms) == 1 else Query.boolean_query([(Occur.Should, t) for t in terms])


def count(searcher: tantivy.Searcher, query: Query) -> int:
    """How many documents match `query`."""
    return int(searcher.aggregate(query, {"n": {"value_count": {"field": "tiekey"}}})["n"]["value"])


def _terms(name: str, field_name: str, names: Mapping[str, Names]) -> dict[str, Any]:
    size = LONG_TAIL.get(name, FACET_LIMIT)
    counted = hashed_field(field_name) if field_name in names else field_name
    return {"terms": {"field": counted, "size": size, "segment_size": 2 * size}}


def _aggregations(fields: dict[str, str], names: Mapping[str, Names]) -> dict[str, Any]:
    """The terms aggregations of `fields`, on the hash column of each field `names` has a dictionary for."""
    aggs = {name: _terms(name, field, names) for name, field in fields.items() if name not in GROUPED}
    if any(name in GROUPED for name in fields):
        # Every grouped value together is a few hundred at most: ask for all of them.
        counted = hashed_field(GROUP_FIELD) if GROUP_FIELD in names else GROUP_FIELD
        aggs[GROUP_FIELD] = {"terms": {"field": counted, "size": 10_000, "segment_size": 10_000}}
    return aggs


def _split(result: dict[str, Any], fields: dict[str, str], scale: float, names: Mapping[str, Names]) -> Counts:
    """Per-facet counts from an aggregation result (grouped facets come out of one "name<SEP>value" list)."""
    counts: Counts = {name: [] for name in fields}
    for key, n in _buckets(result.get(GROUP_FIELD, {}), scale, names.get(GROUP_FIELD)):
        name, _, value = key.partition(GROUP_SEP)
        if name in counts and len(counts[name]) < FACET_LIMIT:
            counts[name].append((value, n))
    for name, field_name in fields.items():
        if name not in GROUPED:
            counts[name] = _buckets(result[name], scale, names.get(field_name))
    return counts


def _buckets(result: dict[str, Any], scale: float = 1.0, names: Names | None = None) -> list[tuple[str, int]]:
    raw = result.get("buckets", [])
    if names is None:
        buckets = [(str(b["key"]), int(b["doc_count"])) for b in raw]
    else:
        # A hash the dictionary lacks (a term the inverted index dropped: over 65,530 bytes) cannot be shown.
        buckets = [(key, int(b["doc_count"])) for b in raw if (key := names.get(int(b["key"]))) is not None]
    if scale != 1.0:
        buckets = [(key, max(1, round(n * scale))) for key, n in buckets]
    # Most frequent first, ties by value: two stable sorts on plain keys (a lambda key cost a fifth of a
    # millisecond per search at 1M records, over a few hundred buckets).
    buckets.sort(key=itemgetter(0))
    buckets.sort(key=itemgetter(1), reverse=True)
    return buckets


@dataclass(frozen=True)
class Aggregation:
    """One facet aggregation's answer, before its counts are scaled (`counts`, once the total is known)."""

    result: dict[str, Any]
    fields: dict[str, str]
    exact: bool
    seen: int = 0  # sampled matches, scaled to the total of the matches
    rate: float = 0.0  # a fixed sampling rate instead (`_estimate`: the total was not known)
    total: int | None = None  # the total it counted itself (browsing everything)
    names: Mapping[str, Names] = field(default_factory=dict)  # the dictionaries of the fields counted as hashes

    def counts(self, total: int) -> Counts:
        """Each facet's counts, for `total` matches (the number given as `total` to `aggregate_facets`)."""
        if self.exact:
            scale = 1.0
        elif self.rate:
            scale = self.rate
        else:
            own = self.total if self.total is not None else total
            scale = own / self.seen if self.seen else 0.0
        return _split(self.result, self.fields, scale, self.names)


def facet_counts(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    base: Query | None,
    filters: list[Query],
    hidden: Query | None,
    fields: dict[str, str],
    total: int | None = None,
    at_least: int = 0,
    names: Mapping[str, Names] | None = None,
) -> tuple[Counts, bool]:
    """The counts of each facet's values (facet name -> field) among the matches, and if they are exact.

    The matches are those of `combine(base, filters, hidden)`; `total` is their number when the caller knows
    it already. `at_least` is a number they are known to reach (they hold every match of a narrower query):
    above `EXACT_FACETS` it spares counting them, see `_estimate`. The fields `names` has dictionaries for
    (`search_terms.TermNames`) are counted on their hash columns, the others on their text columns.
    """
    matches = Matches(base, filters, hidden)
    found = aggregate_facets(searcher, schema, matches, fields, total=total, at_least=at_least, names=names)
    return found.counts(total or 0), found.exact


def facet_plan(total: int) -> int:
    """What the aggregations for `total` matches depend on: 0 (exact counts), else the sample's cut-off."""
    return 0 if total <= EXACT_FACETS else _cut(total)


def probe_total(searcher: tantivy.Searcher, schema: tantivy.Schema, query: Query) -> int:
    """About how many documents match `query`: its matches in a 1/16 sample, times 16 (a few hundred µs)."""
    return count(searcher, combine(query, [sample_query(schema, PROBE_CUT)])) * (SAMPLE_BUCKETS // PROBE_CUT)


class Matches(NamedTuple):
    """The matches facets are counted over: `combine(base, filters, hidden)`."""

    base: Query | None
    filters: list[Query]
    hidden: Query | None


def aggregate_facets(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    matches: Matches,
    fields: dict[str, str],
    *,
    total: int | None = None,
    at_least: int = 0,
    names: Mapping[str, Names] | None = None,
) -> Aggregation:
    """`facet_counts`' aggregation, unscaled. Which aggregation runs depends on `total` and `at_least` only
    through `facet_plan` of each: an answer aggregated for another number with the same plan scales to the
    same counts (`Aggregation.counts`)."""
    base, filters, hidden = matches
    query = combine(base, filters, hidden)
    named = {f: names[f] for f in (*fields.values(), GROUP_FIELD) if names and f in names}
    aggs = _aggregations(fields, named)
    own_total = None
    if total is None and base is None and not filters:
        # Every record the caller may see (a filtered facet while browsing): the few hidden ones are far
        # cheaper to count than the whole catalogue.
        total = own_total = searcher.num_docs - (count(searcher, hidden) if hidden is not None else 0)
    elif total is None and at_least > EXACT_FACETS:
        result, rate = _estimate(searcher, schema, matches, aggs, at_least)
        return Aggregation(result, fields, False, rate=rate, names=named)
    elif total is None:
        total = own_total = count(searcher, query)
    if total <= EXACT_FACETS:
        return Aggregation(searcher.aggregate(query, aggs), fields, True, total=own_total, names=named)
    # It joins the other required clauses in one boolean query: nesting the query in another measured 15% slower.
    sample = sample_query(schema, _cut(total))
    aggs["__n"] = {"value_count": {"field": "tiekey"}}
    result = searcher.aggregate(combine(base, [*filters, sample], hidden), aggs)
    return Aggregation(result, fields, False, seen=int(result["__n"]["value"]), total=own_total, names=named)


def _cut(total: int) -> int:
    """The sample cut-off that leaves about SAMPLE_TARGET of `total` matches (0.71-1.41 times as many).

    A power of two, so the sample is one `sample` term: a union of several, however short, is read in
    windows of 4,096 documents, every sampled one among them, and measured 1 ms at 1M where one term took 0.2.
    """
    ideal = SAMPLE_BUCKETS * SAMPLE_TARGET / max(total, 1)
    return 1 << max(0, min(SAMPLE_LEVELS - 1, round(math.log2(ideal)) if ideal > 0 else 0))


def _estimate(
    searcher: tantivy.Searcher, schema: tantivy.Schema, matches: Matches, aggs: dict[str, Any], at_least: int
) -> tuple[dict[str, Any], float]:
    """Counts estimated from a sample without counting every match first (there are more than EXACT_FACETS).

    Counting a broad query's matches walks all of them; counting its sample does not. The sample cut for
    `at_least` matches tells about how many there are, which sets the cut of the sample counted; the counts
    are scaled by the sampling rate (SAMPLE_BUCKETS / cut, returned with the answer), as the total is not known.
    """
    base, filters, hidden = matches
    first = _cut(at_least)
    seen = count(searcher, combine(base, [*filters, sample_query(schema, first)], hidden))
    cut = min(first, _cut(max(at_least, seen * SAMPLE_BUCKETS // first)))
    result = searcher.aggregate(combine(base, [*filters, sample_query(schema, cut)], hidden), aggs)
    return result, SAMPLE_BUCKETS / cut
