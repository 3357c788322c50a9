"""The search page's state and presentation: the URL holds the whole search, snippets show why a hit matched.

`SearchState` reads the query string (`q`, facet filters, `sort`, `page`, `lang`) into a `SearchQuery` and
builds every link of the page from itself, so any state of the page (a facet picked, page 3, in French) is
a URL that can be bookmarked and shared. Parameters it does not know are dropped from the links it makes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from catalogue.index_schema import FACETS
from catalogue.search import MAX_PAGE_SIZE, MAX_WINDOW, SORTS, SearchQuery
from catalogue.search_query import parse

PAGE_SIZE = 20
SNIPPET_CHARS = 260
LEAD_CHARS = 70  # context kept before the first match when the snippet has to start later
_WORD = re.compile(r"\w+", re.UNICODE)
Segment = tuple[str, bool]  # (text, matched): the template marks the matched ones


@dataclass(frozen=True)
class SearchState:
    """Everything a search page shows, as read from (and written back to) its URL."""

    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    lang: str | None = None  # only when the URL chose one; otherwise Accept-Language decides

    @classmethod
    def from_params(cls, params: Sequence[tuple[str, str]]) -> SearchState:
        """The state a query string describes; out-of-range values fall back to the defaults."""
        values: dict[str, list[str]] = {}
        for key, value in params:
            values.setdefault(key, []).append(value)
        filters = {name: tuple(dict.fromkeys(v for v in values[name] if v)) for name in FACETS if values.get(name)}
        sort = (values.get("sort") or ["relevance"])[0]
        try:
            page = max(1, min(int((values.get("page") or ["1"])[0]), MAX_WINDOW // PAGE_SIZE))
        except ValueError:
            page = 1
        lang = (values.get("lang") or [""])[0].strip().lower() or None
        return cls(
            text=(values.get("q") or [""])[0].strip(),
            filters={k: v for k, v in filters.items() if v},
            sort=sort if sort in SORTS else "relevance",
            page=page,
            lang=lang if lang and re.fullmatch(r"[a-z]{2,3}", lang) else None,
        )

    def query(self, languages: tuple[str, ...]) -> SearchQuery:
        """The search to run for this state, in `languages`."""
        return SearchQuery(
            text=self.text,
            filters=dict(self.filters),
            languages=languages,
            sort=self.sort,
            page=self.page,
            page_size=min(PAGE_SIZE, MAX_PAGE_SIZE),
        )

    def params(self) -> list[tuple[str, str]]:
        """The query string of this state, in a stable order (so equal states have equal URLs)."""
        out: list[tuple[str, str]] = []
        if self.text:
            out.append(("q", self.text))
        for name in FACETS:
            out += [(name, value) for value in self.filters.get(name, ())]
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if self.page > 1:
            out.append(("page", str(self.page)))
        if self.lang:
            out.append(("lang", self.lang))
        return out

    def url(self) -> str:
        """This state's URL."""
        query = urlencode(self.params())
        return f"/search?{query}" if query else "/search"

    def with_page(self, page: int) -> str:
        """The URL of another page of the same results."""
        return replace(self, page=page).url()

    def with_sort(self, sort: str) -> str:
        """The URL of the same search in another order (from its first page)."""
        return replace(self, sort=sort, page=1).url()

    def with_lang(self, lang: str) -> str:
        """The URL of the same page in another language."""
        return replace(self, lang=lang).url()

    def selected(self, facet: str, value: str) -> bool:
        """True when the filter `facet=value` is on."""
        return value in self.filters.get(facet, ())

    def toggle(self, facet: str, value: str) -> str:
        """The URL with the filter `facet=value` switched (from the first page: the results change)."""
        current = self.filters.get(facet, ())
        values = tuple(v for v in current if v != value) if value in current else (*current, value)
        filters = {**self.filters, facet: values}
        return replace(self, filters={k: v for k, v in filters.items() if v}, page=1).url()

    def cleared(self) -> str:
        """The URL of the same words without any filter."""
        return replace(self, filters={}, page=1).url()


def fold(text: str) -> str:
    """Lower case without accents, as the index compares words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def query_words(text: str) -> list[str]:
    """The folded words a query looks for (negated words excluded: they are not in any hit)."""
    words: list[str] = []
    for clause in parse(text):
        if not clause.negated:
            words += [fold(w) for w in _WORD.findall(clause.text)]
    return [w for w in dict.fromkeys(words) if w]


def _matches(token: str, words: list[str]) -> bool:
    # Stemming makes "admissions" find "admission" and "hospitalier" find "hospital": a shared beginning of at
    # least four letters (or the whole word) is close enough to show the reader why the hit came up.
    for word in words:
        if token == word:
            return True
        shorter = min(len(token), len(word))
        if shorter >= 4 and (token.startswith(word) or word.startswith(token)):
            return True
    return False


def snippet(text: str, query: str, limit: int = SNIPPET_CHARS) -> list[Segment]:
    """A window of `text` around its first match of `query`, cut into (text, matched) segments."""
    text = " ".join(text.split())
    words = query_words(query)
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text) if words and _matches(fold(m.group()), words)]
    start = 0
    if spans and spans[0][0] > limit - LEAD_CHARS:
        start = text.rfind(" ", 0, spans[0][0] - LEAD_CHARS) + 1
    end = len(text) if len(text) - start <= limit else text.rfind(" ", start, start + limit)
    if end <= start:
        end = min(len(text), start + limit)
    segments: list[Segment] = [("… ", False)] if start > 0 else []
    position = start
    for s, e in spans:
        if s < start or e > end:
            continue
        if s > position:
            segments.append((text[position:s], False))
        segments.append((text[s:e], True))
        position = e
    if position < end:
        segments.append((text[position:end], False))
    if end < len(text):
        segments.append((" …", False))
    return segments
