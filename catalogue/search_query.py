"""User query text to a tantivy query: words, "phrases", prefix*, -exclusions; every language at once.

Each word must match (AND), in any field and any language: the word is analysed with each field's own
analyzer, exactly as the index was, and the BM25 scores of every field it matches add up, weighted by the
family boosts (title > keyword > description > publisher). A word written the same in several languages
(a name, a year) counts in each of them; a dis-max over the languages would avoid that, but nested queries
keep tantivy from skipping blocks (block-max WAND) and measured 1.6-2.7x slower on broad words at 1M.

Prefixes and typos are expanded into real words before searching, so their matches are ranked by BM25 like
any other (tantivy's automaton queries would give every match the same score): a prefix into the most frequent
title and keyword words it begins, a typo (only tried when the exact query found nothing) into the title
words within one or two edits of it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import tantivy
from tantivy import Occur, Query

from catalogue.index_docs import read_payload
from catalogue.index_schema import ANALYZERS, BOOSTS, FIELD_LANGS, TEXT_KINDS, VISIBILITIES, analyzer_name, text_field

_CLAUSE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
MIN_PREFIX = 2  # "a*" would expand to half the dictionary
PREFIX_EXPANSIONS = 50  # most frequent words per field a prefix stands for (as Elasticsearch's max_expansions)
MIN_FUZZY = 4  # one edit away from a three-letter word is almost any three-letter word
_FOLD = ANALYZERS["fedcat_fold"]


@dataclass(frozen=True)
class Clause:
    """One part of the query text."""

    kind: str  # "word", "phrase" or "prefix"
    text: str
    negated: bool = False


def parse(text: str) -> list[Clause]:
    """Split query text into clauses; never fails (unbalanced quotes close at the end)."""
    clauses: list[Clause] = []
    for match in _CLAUSE.finditer(text):
        if match.group(2) is not None:
            if match.group(2).strip():
                clauses.append(Clause("phrase", match.group(2), bool(match.group(1))))
            continue
        word = match.group(3)
        negated = word.startswith("-") and len(word) > 1
        word = word[1:] if negated else word
        stem = _FOLD.analyze(word.rstrip("*")) if word.endswith("*") else []
        if len(stem) == 1 and len(stem[0]) >= MIN_PREFIX:
            clauses.append(Clause("prefix", stem[0], negated))
        else:
            clauses.append(Clause("word", word, negated))
    return [c for c in clauses if _FOLD.analyze(c.text)]


def fuzzable(clause: Clause) -> str | None:
    """The folded word a typo-tolerant match may replace, if the clause has one (long enough, no digits)."""
    if clause.kind != "word" or clause.negated:
        return None
    words = _FOLD.analyze(clause.text)
    if len(words) == 1 and len(words[0]) >= MIN_FUZZY and not any(ch.isdigit() for ch in words[0]):
        return str(words[0])
    return None


def can_fuzz(clauses: list[Clause]) -> bool:
    """True when typo tolerance could change the result."""
    return any(fuzzable(c) for c in clauses)


def typo_distance(word: str) -> int:
    """Edits allowed for a word: one from four letters, two from eight."""
    return 2 if len(word) >= 8 else 1


def within_edits(a: str, b: str, limit: int) -> bool:
    """True when `a` and `b` are at most `limit` edits apart (optimal string alignment: insertions, deletions,
    substitutions and adjacent swaps), stopping at the first row of the table past `limit`.

    No later row can come back under it: each cell is at least its diagonal predecessor, and a swap adds one to
    the cell two rows up, which is at least the one above minus one. Most title words are far from the typo, so
    most comparisons stop after a row or two (the full table cost up to 3.5 ms per typo search at 1M records).
    """
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


class QueryBuilder:
    """Builds tantivy queries against one searcher's index."""

    def __init__(self, schema: tantivy.Schema, searcher: tantivy.Searcher) -> None:
        self.schema = schema
        self.searcher = searcher

    def _in_field(self, field: str, tokens: list[str], phrase: bool) -> Query:
        if len(tokens) == 1:
            return Query.term_query(self.schema, field, tokens[0])
        if phrase:
            return Query.phrase_query(self.schema, field, list[str | tuple[int, str]](tokens))
        return Query.boolean_query([(Occur.Must, Query.term_query(self.schema, field, t)) for t in tokens])

    def words(self, text: str, phrase: bool = False) -> Query | None:
        """Text matched in every family and language, scored by BM25 with the family boosts.

        A quoted `phrase` must match its words in order in one field. An unquoted word the analyzer splits
        (`MyGuichet.lu`, `Online-Verfahren`) needs its parts in one field, in any order, as Lucene and
        Elasticsearch read it by default: checking their positions in every field measured 3-4x slower at 1M
        records (11.5 against 3.3 ms for `MyGuichet.lu`, whose parts are common).
        """
        subs: list[tuple[Occur, Query]] = []
        analysed: dict[str, list[str]] = {}
        for kind in (*TEXT_KINDS, "publisher"):
            fields = [text_field(kind, lang) for lang in FIELD_LANGS] if kind != "publisher" else ["publisher_text"]
            for field in fields:
                name = analyzer_name(field.rsplit("_", 1)[1]) if kind != "publisher" else "fedcat_fold"
                tokens = analysed.get(name)
                if tokens is None:
                    tokens = analysed[name] = ANALYZERS[name].analyze(text)
                if tokens:
                    query = self._in_field(field, tokens, phrase)
                    subs.append((Occur.Should, Query.boost_query(query, BOOSTS[kind])))
        # One flat disjunction of boosted term queries: tantivy can then skip blocks that cannot reach the
        # top hits (block-max WAND), which it cannot do through nested dis-max queries.
        return Query.boolean_query(subs) if subs else None

    def prefix(self, stem: str) -> Query:
        """The title and keyword words beginning with `stem` (the most frequent ones), scored by BM25."""
        subs = []
        for kind in ("title", "keyword"):
            field = f"{kind}_words"
            for term, _ in self.searcher.terms_with_prefix(field, stem, limit=PREFIX_EXPANSIONS):
                subs.append(Query.boost_query(Query.term_query(self.schema, field, term), BOOSTS[kind]))
        return Query.boolean_query([(Occur.Should, q) for q in subs]) if subs else Query.empty_query()

    def corrections(self, word: str, hidden: Query | None, sample: int = 30) -> list[str]:
        """Title words within `typo_distance` edits of `word`, read from titles the caller may see."""
        distance = typo_distance(word)
        near = Query.fuzzy_term_query(self.schema, "title_words", word, distance=distance)
        query = combine(near, [], hidden)
        seen: set[str] = set()
        for _, address in self.searcher.search(query, sample, count=False).hits:
            payload = read_payload(self.searcher.doc(address).get_first("payload"))
            for title in payload.get("title", {}).values():
                seen.update(str(w) for w in _FOLD.analyze(title))
        # Titles repeat words a lot: compare each distinct word once.
        return sorted(w for w in seen if within_edits(w, word, distance))

    def text_query(self, clauses: list[Clause], corrected: dict[str, list[str]] | None = None) -> Query | None:
        """All clauses combined (AND, minus the negated ones); None for no searchable text.

        With `corrected`, a word found there stands for any of its corrections instead.
        """
        parts: list[tuple[Occur, Query]] = []
        for clause in clauses:
            word = fuzzable(clause) if corrected is not None else None
            query: Query | None
            if clause.kind == "prefix":
                query = self.prefix(clause.text)
            elif corrected is not None and word in corrected:
                options = [q for c in corrected[word] if (q := self.words(c))]
                query = Query.boolean_query([(Occur.Should, q) for q in options]) if options else Query.empty_query()
            else:
                query = self.words(clause.text, phrase=clause.kind == "phrase")
            if query is not None:
                parts.append((Occur.MustNot if clause.negated else Occur.Must, query))
        if not parts:
            return None
        if all(occur == Occur.MustNot for occur, _ in parts):
            parts.insert(0, (Occur.Must, Query.all_query()))
        return Query.boolean_query(parts)

    def any_of(self, field: str, values: list[str]) -> Query:
        """A filter: the field holds one of `values`; it does not change scores."""
        terms = [Query.term_query(self.schema, field, v) for v in values]
        query = terms[0] if len(terms) == 1 else Query.boolean_query([(Occur.Should, t) for t in terms])
        return Query.const_score_query(query, 0.0)


def hidden_from(schema: tantivy.Schema, visibility: Collection[str]) -> Query | None:
    """The records a caller allowed to see `visibility` must not see (None: all of them are visible).

    Excluding the few restricted records costs far less than intersecting every query with the many public
    ones; it is exact because every document holds one of VISIBILITIES (anything else is indexed restricted).
    """
    hidden = [v for v in VISIBILITIES if v not in visibility]
    if not hidden:
        return None
    terms = [Query.term_query(schema, "visibility", v) for v in hidden]
    return terms[0] if len(terms) == 1 else Query.boolean_query([(Occur.Should, t) for t in terms])


def combine(base: Query | None, filters: list[Query], hidden: Query | None = None) -> Query:
    """`base` (or everything) restricted by every filter and without the `hidden` records."""
    parts = [(Occur.Must, base or Query.all_query()), *((Occur.Must, f) for f in filters)]
    if hidden is not None:
        parts.append((Occur.MustNot, hidden))
    return parts[0][1] if len(parts) == 1 else Query.boolean_query(parts)
