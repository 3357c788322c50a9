"""The search index's schema, its per-language analyzers and the names of its fields.

Every language-tagged literal goes into the field of its language (`title_fr`, ...), analysed for that
language; untagged and other-language text goes into `*_und`. All analyzers fold accents *before* stemming,
so a query typed with or without accents ("donnees", "données") reaches the same term. Luxembourgish has no
stemmer in tantivy: it is folded and left unstemmed. The unstemmed `*_words` fields serve prefix and typo
(fuzzy) matching, which must compare what the user typed with the words as written, not with stems.
"""

from __future__ import annotations

import tantivy
from tantivy import Filter, TextAnalyzerBuilder, Tokenizer

from catalogue.search_terms import hashed_field

# Bump whenever the schema, an analyzer, the document mapping or the document order changes: the harvest then
# rebuilds. 2: the `sample` terms, documents stored in `bucket` order (SORT_FIELD). 3: the hashed facet columns.
SCHEMA_VERSION = 3

LANGS = ("en", "fr", "de", "lb")  # languages with their own analysed fields; others go to "und"
FIELD_LANGS = (*LANGS, "und")
TEXT_KINDS = ("title", "keyword", "description")
# BM25 field boosts: a title match outranks a keyword match, which outranks the description and publisher.
BOOSTS = {"title": 4.0, "keyword": 2.5, "description": 1.0, "publisher": 0.8}
STEMMERS = {"en": "english", "fr": "french", "de": "german", "lb": None, "und": None}
MAX_TOKEN = 40  # longer "words" are hashes, URLs or base64: they never help a search
SAMPLE_BUCKETS = 256
SAMPLE_LEVELS = SAMPLE_BUCKETS.bit_length()  # blocks of 1, 2, 4, ... 256 buckets (see `sample_terms`)
# Every segment keeps its documents in `bucket` order: a facet sample ("bucket below a cut-off") is then a run of
# consecutive documents at the start of each segment, so intersecting it with the matches stops at the end of
# that run instead of walking every match, and its fast-field values are read in order.
SORT_FIELD = "bucket"
VISIBILITIES = ("public", "restricted")  # a record without a known visibility is indexed as restricted

# Facet name (as in the API) -> raw field for filters. `keyword` is per display language (`keyword_field`).
FACETS = {
    "theme": "theme",
    "publisher": "publisher",
    "format": "format",
    "licence": "licence",
    "access_rights": "access_rights",
    "keyword": "keyword_en_raw",
    "language": "language",
    "source": "source",
    "protection_type": "protection_type",
    "hosted": "hosted",
    "quality_band": "quality_band",
}
# The facets with few distinct values are also counted together, from one multi-valued fast field holding
# "name<SEP>value" pairs: counting a sparse result set costs a random memory access per column and
# document, so one column instead of nine made facet counts several times faster at 1M documents.
GROUPED = frozenset(
    ("theme", "format", "licence", "access_rights", "language", "source", "protection_type", "hosted", "quality_band")
)
GROUP_FIELD, GROUP_SEP = "facet_values", "\x1f"


def counted_fields() -> tuple[str, ...]:
    """The text fields facet counts aggregate, each with a twin column of value hashes (`search_terms`)."""
    return (FACETS["publisher"], *(keyword_field(lang) for lang in LANGS), GROUP_FIELD)


def analyzer_name(lang: str) -> str:
    """The registered analyzer for a field language (`fedcat_fr`, ...; `fedcat_fold` for lb/und/words)."""
    return f"fedcat_{lang}" if STEMMERS.get(lang) else "fedcat_fold"


def build_analyzer(stemmer: str | None) -> tantivy.TextAnalyzer:
    """Split on non-alphanumerics, drop very long tokens, lower-case, fold accents, then stem (if any)."""
    builder = (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(MAX_TOKEN))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
    )
    if stemmer:
        builder = builder.filter(Filter.stemmer(stemmer))
    return builder.build()


ANALYZERS: dict[str, tantivy.TextAnalyzer] = {
    "fedcat_fold": build_analyzer(None),
    **{analyzer_name(lang): build_analyzer(stem) for lang, stem in STEMMERS.items() if stem},
}


def register_analyzers(index: tantivy.Index) -> None:
    """Register the custom analyzers: tantivy does not persist them, so this follows every `Index.open()`."""
    for name, analyzer in ANALYZERS.items():
        index.register_tokenizer(name, analyzer)


def text_field(kind: str, lang: str) -> str:
    """The analysed field for text of `kind` in `lang` (`title_fr`, `description_und`)."""
    return f"{kind}_{lang if lang in LANGS else 'und'}"


def keyword_field(lang: str) -> str:
    """The raw keyword-facet field for a display language (keywords shown in that language, with fallback)."""
    return f"keyword_{lang}_raw" if lang in LANGS else "keyword_en_raw"


def sort_title_field(lang: str) -> str:
    """The fast field holding the folded title in `lang` (with fallback) and the id, for sorting by title."""
    return f"sort_title_{lang}" if lang in LANGS else "sort_title_en"


def field_analyzers() -> dict[str, tantivy.TextAnalyzer]:
    """Every full-text field with the analyzer that indexes it (queries must analyse the same way)."""
    fields = {text_field(kind, lang): ANALYZERS[analyzer_name(lang)] for kind in TEXT_KINDS for lang in FIELD_LANGS}
    fold = ANALYZERS["fedcat_fold"]
    fields.update({"title_words": fold, "keyword_words": fold, "publisher_text": fold})
    return fields


def sample_terms(bucket: int) -> list[str]:
    """The `sample` terms of a document in `bucket`: "k:p" for the block p of 2^k buckets holding it, k = 0..8.

    Any sample "bucket below a cut-off" is then the union of at most 9 blocks, one per bit of the cut-off, and
    one block for the powers of two the facet counts use (`search_facets.sample_query`): one posting list read
    lazily, where a range of up to 256 single-bucket terms is first gathered into a bitset of every sampled
    document.
    """
    return [f"{k}:{bucket >> k}" for k in range(SAMPLE_LEVELS)]


def new_index(path: str) -> tantivy.Index:
    """A new, empty index at `path` with this schema, its document order and the analyzers registered."""
    index = tantivy.Index(build_schema(), path=path, sort_by_field=SORT_FIELD, sort_order=tantivy.Order.Asc)
    register_analyzers(index)
    return index


def build_schema() -> tantivy.Schema:
    """The index schema (see the module docstring for the field families)."""
    sb = tantivy.SchemaBuilder()

    def raw(name: str, fast: bool = False) -> None:
        # One untokenised term per value: for keys, filters, facet counts and sort keys.
        sb.add_text_field(name, fast=fast, tokenizer_name="raw", index_option="basic")

    raw("graph")  # the record graph IRI: the key for deletes
    raw("id")
    raw("visibility")
    sb.add_unsigned_field("tiekey", fast=True)  # the id as an integer: a stable order for ties
    sb.add_unsigned_field("bucket", fast=True)  # the id modulo SAMPLE_BUCKETS: uniform samples, for estimates
    raw("sample")  # the bucket as aligned blocks of buckets (`sample_terms`): a sample is a few posting lists
    sb.add_integer_field("modified", fast=True, indexed=True)  # seconds since the epoch
    sb.add_integer_field("modified_key", fast=True)  # the same, times 2^16, plus 16 bits of the id: a sort key
    sb.add_bytes_field("payload", stored=True)  # what a hit displays, as JSON
    for kind in TEXT_KINDS:
        for lang in FIELD_LANGS:
            sb.add_text_field(text_field(kind, lang), tokenizer_name=analyzer_name(lang))
    for name in ("title_words", "keyword_words", "publisher_text"):
        sb.add_text_field(name, tokenizer_name="fedcat_fold")
    for name, field in FACETS.items():
        if name != "keyword":  # one field per display language instead
            raw(field, fast=name not in GROUPED)
    for lang in LANGS:
        raw(keyword_field(lang), fast=True)
    raw(GROUP_FIELD, fast=True)
    for field in counted_fields():
        sb.add_unsigned_field(hashed_field(field), fast=True)
    for lang in LANGS:
        raw(sort_title_field(lang), fast=True)
    return sb.build()
