"""Dataset search: BM25 over every language, facet counts and filters, sorting and paging.

The API, the CLI and the benchmark all call `search()`. Facets are disjunctive: a facet's counts ignore
that facet's own filter (so the other values stay visible to OR in) but apply every other filter; each
facet value's count is the number of results that selecting it (alone) gives; above
`search_facets.EXACT_FACETS` matches they are estimated from a sample (`facets_exact: false`). `visibility`
says which records the caller may see; anonymous callers see "public" only, and it filters hits, totals,
counts, facet labels and typo corrections alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any, NamedTuple, cast

import orjson
import tantivy
from tantivy import Order, Query

from catalogue.config import Settings
from catalogue.errors import FedcatError
from catalogue.index import SearchIndex, open_index
from catalogue.index_docs import pick, read_payload
from catalogue.index_schema import FACETS, GROUP_FIELD, counted_fields, keyword_field, sort_title_field
from catalogue.search_facets import (
    Aggregation,
    Counts,
    Matches,
    aggregate_facets,
    count,
    facet_plan,
    probe_total,
)
from catalogue.search_passes import SharedPasses
from catalogue.search_query import QueryBuilder, can_fuzz, combine, fuzzable, hidden_from, parse
from catalogue.search_terms import Names
from vocabularies import normalise

SORTS = ("relevance", "modified", "title")
MAX_QUERY_CHARS = 500
MAX_CLAUSES = 32
MAX_PAGE_SIZE = 100
MAX_WINDOW = 10_000  # deepest result reachable by paging, as in Elasticsearch
TIE_LOOKAHEAD = 32  # hits read beyond the page, to see equal scores at its end
PRELOAD_PUBLISHERS = 20_000  # publishers whose names are read ahead after each commit, most records first
MAX_TIES = 256  # hits read beyond the page when they do: a larger group of equal scores is cut by tantivy
PUBLIC = ("public",)
_LANG = re.compile(r"^[a-z]{2,3}$")
_YES_NO = {
    "en": ("yes", "no"),
    "fr": ("oui", "non"),
    "de": ("ja", "nein"),
    "lb": ("jo", "neen"),
}
_NORMALISE = {
    "theme": normalise.theme,
    "format": normalise.file_type,
    "licence": normalise.licence,
    "access_rights": normalise.access_right,
    "language": normalise.language,
}


class InvalidSearch(FedcatError):
    """A search request that cannot be answered as asked."""

    status, type, title = 422, "invalid-search", "Invalid search"


class UnknownFacet(InvalidSearch):
    """A filter on a facet that does not exist."""

    type, title = "unknown-facet", "Unknown facet"


class QueryTooLong(InvalidSearch):
    """Query text beyond the limits."""

    type, title = "query-too-long", "Query too long"


class InvalidSort(InvalidSearch):
    """A sort order other than relevance, modified or title."""

    type, title = "invalid-sort", "Invalid sort order"


class ResultWindowExceeded(InvalidSearch):
    """A page deeper than the result window."""

    type, title = "result-window-exceeded", "Page too deep"


@dataclass(frozen=True)
class SearchQuery:
    """What to search: text, facet filters (AND across facets, OR within one), languages, order and page."""

    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    languages: tuple[str, ...] = ("en",)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    facets: bool = True  # False skips the counts (cheaper when paging through results)

    def __post_init__(self) -> None:
        if len(self.text) > MAX_QUERY_CHARS:
            raise QueryTooLong(f"the query has {len(self.text)} characters; at most {MAX_QUERY_CHARS} are allowed")
        if len(self.text.split()) > MAX_CLAUSES:
            raise QueryTooLong(f"the query has more than {MAX_CLAUSES} words")
        unknown = sorted(set(self.filters) - set(FACETS))
        if unknown:
            raise UnknownFacet(f"unknown facet {', '.join(unknown)}; facets are {', '.join(FACETS)}")
        if self.sort not in SORTS:
            raise InvalidSort(f"sort must be one of {', '.join(SORTS)}, not {self.sort!r}")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise InvalidSearch(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        if self.page < 1:
            raise InvalidSearch("page starts at 1")
        if not self.languages or not all(_LANG.match(lang) for lang in self.languages):
            raise InvalidSearch(f"languages must be ISO 639 codes, not {self.languages!r}")


@dataclass
class FacetValue:
    """One value of a facet, its label in the requested language and how many results have it."""

    value: str
    label: str
    count: int


@dataclass
class SearchResult:
    """One page of results with the total and the facet counts."""

    total: int
    page: int
    page_size: int
    lang: str
    match: str  # "exact", or "fuzzy" when the words were taken as typos of title words
    corrections: dict[str, list[str]]  # with "fuzzy": the title words each query word stood for
    items: list[dict[str, Any]]
    facets: dict[str, list[FacetValue]]
    facets_exact: bool = True  # False: counted on a sample of a large result set, then scaled
    _body: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the API (and of `fedcat search --json`)."""
        return {
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
            "lang": self.lang,
            "match": self.match,
            "corrections": self.corrections,
            "items": self.items,
            "facets": {
                name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
                for name, values in self.facets.items()
            },
            "facets_exact": self.facets_exact,
        }

    def json_body(self) -> bytes:
        """`to_dict()` as the API's JSON bytes (the bytes Starlette's JSONResponse would send), encoded once.

        The result cache hands the same answer to every repeat of a popular search: encoding it again each
        time cost about a fifth of such a request. orjson encodes a page of 20 results in 0.05 ms where the
        standard library took 0.29.
        """
        if self._body is None:
            self._body = orjson.dumps(self.to_dict())
        return self._body


def preferred_languages(lang: str | None = None, accept_language: str | None = None) -> tuple[str, ...]:
    """Languages to show, best first: `lang` if given, else the Accept-Language header by q; default en."""
    if lang:
        return (lang.strip().lower().split("-")[0],)
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if _LANG.match(code) and q > 0:
            ranked.append((-q, position, code))
    langs = tuple(dict.fromkeys(code for _, _, code in sorted(ranked)))
    return langs or ("en",)


def search(index: SearchIndex | Settings, query: SearchQuery, *, visibility: Collection[str] = PUBLIC) -> SearchResult:
    """Run `query` against the node's index for a caller allowed to see records of `visibility`."""
    if isinstance(index, Settings):
        index = open_index(index)
    index.index  # noqa: B018 - looks for a newer commit first, so the cache key names the version searched
    filters = tuple(sorted(query.filters.items()))
    key: tuple[Any, ...] = (index.version, tuple(sorted(visibility)), query.text, filters, query.languages)
    key += (query.sort, query.page, query.page_size, query.facets)
    found = index.cached(key)
    if found is None:
        if query.facets:
            index.warm(lambda: read_labels_ahead(cast(SearchIndex, index)))
        with index.searching():
            found = _Search(index).search(query, visibility=visibility)
        index.remember(key, found)
    return cast(SearchResult, found)


def read_labels_ahead(index: SearchIndex, visibility: Collection[str] = PUBLIC, most: int = PRELOAD_PUBLISHERS) -> int:
    """Read the names of the `most` largest publishers into the index's label cache; how many were read.

    Started once per commit (`SearchIndex.warm`): a search shows up to 30 publishers, and each one not seen since
    the last commit costs a search and a record read (half a millisecond per search at 1M records, 2,400
    publishers, until most had been seen). Reading them all ahead takes about 0.1 s in the background.
    """
    search = _Search(index)
    tindex = index.index
    searcher = tindex.searcher()
    for column in counted_fields():  # every search counts through these: read them before the publishers
        search.names.get(searcher, column)
    builder = QueryBuilder(tindex.schema, searcher)
    hidden = hidden_from(tindex.schema, visibility)
    search.visibility = ",".join(sorted(visibility))
    agg = {"p": {"terms": {"field": FACETS["publisher"], "size": most, "segment_size": most}}}
    buckets = searcher.aggregate(combine(None, [], hidden), agg)["p"]["buckets"]
    for bucket in buckets:
        if search.labels is not index.labels:  # a newer commit was loaded: its searches read their own
            break
        search.names_from_records(searcher, builder, hidden, "publisher", str(bucket["key"]))
    return len(buckets)


class FacetScope(NamedTuple):
    """What one search counts facets over: its words, filters (facet -> values) and hidden records."""

    builder: QueryBuilder  # holds the searcher
    text: Query | None
    hidden: Query | None
    filters: dict[str, list[str]]
    fields: dict[str, str]  # facet -> the index field counted (the keyword field is per language)
    by_facet: dict[str, Query]  # facet -> its filter as a query (`QueryBuilder.any_of`), built once per search
    names: dict[str, Names]  # field -> the dictionary of its hash column (`search_terms`)


@dataclass(frozen=True)
class Passes:
    """A search's facet aggregations, and the `facet_plan` they were made for."""

    plan: int
    unfiltered: Aggregation
    own: dict[str, Aggregation]  # per filtered facet: its counts without its own filter


class _Search:
    """One search against one `SearchIndex` (whose label cache it shares)."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self.visibility = ""
        # This version's cache: a commit loaded meanwhile replaces the index's, and must not get this one's labels.
        self.labels, self.names = index.labels, index.term_names

    def search(self, query: SearchQuery, *, visibility: Collection[str] = PUBLIC) -> SearchResult:
        """Run `query` for a caller allowed to see records of `visibility`."""
        tindex = self.index.index
        searcher = tindex.searcher()
        builder = QueryBuilder(tindex.schema, searcher)
        langs = query.languages
        filters = {name: self._filter_values(name, values) for name, values in query.filters.items() if values}
        fields = {name: keyword_field(langs[0]) if name == "keyword" else f for name, f in FACETS.items()}
        hidden = hidden_from(tindex.schema, visibility)
        self.visibility = ",".join(sorted(visibility))
        clauses = parse(query.text)
        offset = (query.page - 1) * query.page_size
        want = min(offset + query.page_size, MAX_WINDOW)
        match, corrected = "exact", {}
        text = builder.text_query(clauses)
        by_facet = {name: builder.any_of(fields[name], values) for name, values in filters.items()}
        full = combine(text, list(by_facet.values()), hidden)
        # One pass ranks the first page and counts every match; the facets take others, started on the helper
        # thread when it is free (this thread takes the ones left once its hits are read), planned for a probed
        # total and redone here if the exact total plans otherwise.
        counted = {*fields.values(), GROUP_FIELD}.intersection(counted_fields())
        names = self.names.for_fields(searcher, counted) if query.facets else {}
        scope = FacetScope(builder, text, hidden, filters, fields, by_facet, names)
        planned = self._plan_beside(scope, full) if query.facets else None
        hits, total = self._top(searcher, full, query, text is not None, want)
        # Typo tolerance only when the words themselves found nothing (not when the filters excluded it all).
        nothing = total == 0 and can_fuzz(clauses)
        if nothing and (not filters or count(searcher, combine(text, [], hidden)) == 0):
            words = {w for c in clauses if (w := fuzzable(c))}
            corrected = {w: builder.corrections(w, hidden) for w in sorted(words)}
            text, match = builder.text_query(clauses, corrected), "fuzzy"
            scope = scope._replace(text=text)
            full = combine(text, list(by_facet.values()), hidden)
            # The first plan counted nothing (its words matched nothing): the corrected words get their own.
            planned = self._plan_beside(scope, full) if query.facets else None
            hits, total = self._top(searcher, full, query, True, want)
        if offset < total and offset + query.page_size > MAX_WINDOW:
            raise ResultWindowExceeded(
                f"results beyond the first {MAX_WINDOW} cannot be paged to; add words or filters"
            )
        items = [self._item(searcher, address, score, langs) for score, address in hits[offset:]]
        counts: Counts = {}
        exact = True
        if query.facets:
            ahead = self._collect(planned)
            counts, exact = self._facets(scope, total, ahead)
        labelled = {
            name: [
                FacetValue(value, self._label(searcher, builder, hidden, name, value, langs), n) for value, n in values
            ]
            for name, values in counts.items()
        }
        return SearchResult(
            total, query.page, query.page_size, langs[0], match, corrected, items, labelled, facets_exact=exact
        )

    @staticmethod
    def _filter_values(name: str, values: tuple[str, ...]) -> list[str]:
        # Vocabulary facets take codes and labels too: theme=HEAL, format=csv, language=fr.
        normaliser = _NORMALISE.get(name)
        return sorted({(normaliser(v) if normaliser else None) or v for v in values})

    def _browse_key(self, scope: FacetScope) -> tuple[Any, ...]:
        filters = sorted(scope.filters.items())
        return (self.visibility, scope.fields["keyword"], *((n, *v) for n, v in filters))

    def _plan_beside(self, scope: FacetScope, full: Query) -> SharedPasses[str | None, Aggregation] | None:
        """The facet passes started on the index's helper thread, planned for the total a sample suggests; the
        caller takes the ones left (`_collect`) once its hits are ranked."""
        if scope.text is None and self._browse_key(scope) in self.index.browse:
            return None
        shared: SharedPasses[str | None, Aggregation] = SharedPasses()

        def work() -> None:
            try:
                total = probe_total(scope.builder.searcher, scope.builder.schema, full)
            except BaseException as error:
                shared.fail(error)
                raise
            shared.start(facet_plan(total), [None, *scope.filters], lambda name: self._pass(scope, name, total))

        future = self.index.beside(work)
        if future is None:
            return None
        future.add_done_callback(lambda _: shared.helper_gone())
        return shared

    @staticmethod
    def _collect(shared: SharedPasses[str | None, Aggregation] | None) -> Passes | None:
        done = shared.finish() if shared is not None else None
        if shared is None or done is None:
            return None
        return Passes(shared.plan, done.pop(None), cast(dict[str, Aggregation], done))

    def _facets(self, scope: FacetScope, total: int, ahead: Passes | None = None) -> tuple[Counts, bool]:
        """Every facet's counts: one aggregation for the unfiltered facets, one per filtered facet. `ahead` holds
        aggregations made for another total: used when they are the ones `total` needs (same `facet_plan`)."""
        # Browsing without words aggregates over the whole catalogue: the same few answers, worth keeping.
        key = self._browse_key(scope)
        if scope.text is None and key in self.index.browse:
            return cast(tuple[Counts, bool], self.index.browse[key])
        if ahead is None or ahead.plan != facet_plan(total):
            ahead = self._aggregate(scope, total)
        counts, exact = ahead.unfiltered.counts(total), ahead.unfiltered.exact
        for name, own in ahead.own.items():
            counts[name], exact = own.counts(total)[name], exact and own.exact
        answer = {name: counts[name] for name in FACETS}, exact
        if scope.text is None:
            self.index.browse[key] = answer
        return answer

    @classmethod
    def _aggregate(cls, scope: FacetScope, total: int) -> Passes:
        """The aggregations the facets of `total` matches need (they depend on it through `facet_plan`)."""
        own = {name: cls._pass(scope, name, total) for name in scope.filters}
        return Passes(facet_plan(total), cls._pass(scope, None, total), own)

    @staticmethod
    def _pass(scope: FacetScope, name: str | None, total: int) -> Aggregation:
        """One facet aggregation for `total` matches: the unfiltered facets (`name` None), or a filtered facet's
        counts without its own filter."""
        searcher, schema, fields = scope.builder.searcher, scope.builder.schema, scope.fields
        by_facet = scope.by_facet
        if name is None:
            unfiltered = {facet: fields[facet] for facet in FACETS if facet not in scope.filters}
            matches = Matches(scope.text, list(by_facet.values()), scope.hidden)
            return aggregate_facets(searcher, schema, matches, unfiltered, total=total, names=scope.names)
        # A facet's own counts drop its filter: they count a superset of the `total` results.
        others = Matches(scope.text, [q for facet, q in by_facet.items() if facet != name], scope.hidden)
        return aggregate_facets(searcher, schema, others, {name: fields[name]}, at_least=total, names=scope.names)

    def _top(
        self, searcher: tantivy.Searcher, full: Query, query: SearchQuery, scored: bool, want: int
    ) -> tuple[list[tuple[Any, tantivy.DocAddress]], int]:
        """The first `want` hits in order, and how many match in all.

        Ties (equal score or sort key) are ordered by id, so every build of the index agrees on the order.
        """
        if query.sort == "title":
            order_field: str | None = sort_title_field(query.languages[0])
            order = Order.Asc
        elif query.sort == "modified" or not scored:
            order_field, order = "modified_key", Order.Desc
        else:
            order_field, order = None, Order.Desc
        # A few hits beyond the page show whether equal scores straddle its end; only then read up to MAX_TIES
        # more (one more pass, not one per doubling: each pass scores every match again).
        limit = want + TIE_LOOKAHEAD
        result = searcher.search(full, limit, count=True, order_by_field=order_field, order=order)
        hits, total = result.hits, int(getattr(result, "count", 0) or 0)
        if len(hits) == limit and hits[want - 1][0] == hits[-1][0]:
            hits = searcher.search(full, want + MAX_TIES, count=False, order_by_field=order_field, order=order).hits
        head = hits[: want + 1]
        if all(a[0] != b[0] for a, b in pairwise(head)):
            return hits[:want], total  # no equal scores or keys on the page or at its end: nothing to order by id
        keys = searcher.fast_field_values("tiekey", [address for _, address in hits])
        reverse = order == Order.Desc
        ranked = sorted(
            zip(hits, keys, strict=True),
            key=lambda item: (_neg(item[0][0]) if reverse else item[0][0], item[1] or 0),
        )
        return [hit for hit, _ in ranked][:want], total

    def _item(
        self, searcher: tantivy.Searcher, address: tantivy.DocAddress, score: Any, langs: tuple[str, ...]
    ) -> dict[str, Any]:
        data = _payload(searcher, address)
        lang = langs[0]
        title = pick(data["title"], langs)
        description = pick(data["description"], langs)
        keywords = pick(data["keywords"], langs)
        publisher = data["publisher"]
        name = pick(publisher["names"], langs)
        return {
            "id": data["id"],
            "iri": data["iri"],
            "title": title[1] if title else "",
            "title_lang": title[0] if title else "",
            "description": description[1] if description else "",
            "publisher": name[1] if name else "",
            "publisher_iri": publisher["iri"],
            "formats": [_vocab_label(v, lang) for v in data["formats"]],
            "themes": [_vocab_label(v, lang) for v in data["themes"]],
            "keywords": keywords[1] if keywords else [],
            "access_rights": [_vocab_label(v, lang) for v in data["access_rights"]],
            "licences": [_vocab_label(v, lang) for v in data["licences"]],
            "modified": data["modified"],
            "source": data["source"],
            "quality_band": data.get("quality_band") or None,
            "hosted": bool(data.get("hosted")),
            "score": round(score, 4) if isinstance(score, float) else None,
        }

    def _label(
        self,
        searcher: tantivy.Searcher,
        builder: QueryBuilder,
        hidden: Query | None,
        facet: str,
        value: str,
        langs: tuple[str, ...],
    ) -> str:
        lang = langs[0]
        if facet in ("source", "keyword", "quality_band"):
            return value
        if facet == "hosted":
            yes, no = _YES_NO.get(lang, _YES_NO["en"])
            return yes if value == "yes" else no
        if facet not in ("publisher", "protection_type"):
            return _vocab_label(value, lang)
        key = (facet, value, lang, self.visibility)
        label = self.labels.get(key)
        if label is None:
            best = pick(self.names_from_records(searcher, builder, hidden, facet, value), langs)
            label = self.labels[key] = best[1] if best else _vocab_label(value, lang)
        return label

    def names_from_records(
        self, searcher: tantivy.Searcher, builder: QueryBuilder, hidden: Query | None, facet: str, value: str
    ) -> dict[str, str]:
        """A publisher's names or a protection type's labels by language, as a record the caller may see gives them.

        Kept (as JSON, beside the labels) for every display language: the record to read is the same for all.
        """
        key = ("names", facet, value, self.visibility)
        found = self.labels.get(key)
        if found is None:
            names: dict[str, str] = {}
            hits = searcher.search(combine(builder.any_of(FACETS[facet], [value]), [], hidden), 1, count=False).hits
            if hits:
                data = _payload(searcher, hits[0][1])
                names = data["publisher"]["names"] if facet == "publisher" else data["protection"].get(value, {})
            found = self.labels[key] = json.dumps(names)
        return cast(dict[str, str], json.loads(found))


def _payload(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> dict[str, Any]:
    return read_payload(searcher.doc(address).get_first("payload"))


def _neg(key: Any) -> Any:
    return -key if isinstance(key, int | float) else key


@lru_cache(maxsize=8192)
def _vocab_label(value: str, lang: str) -> str:
    """A vocabulary concept's label in `lang` (with the vocabulary's fallback), else its IRI's last segment."""
    found = normalise.label(value, lang) if "://" in value else None
    return found or re.split(r"[/#]", value.rstrip("/"))[-1]
