"""Index documents from record graphs: one SPARQL query per batch of records, then plain Python.

A record's searchable and displayed values are read from its named graph: the provenance markers on the
graph (`fedcat:source`, `datasetId`, `visibility`, ...) and the dataset's own properties, with its
distributions' formats and licences and its publisher's names. Everything a hit shows is stored in the
document's JSON payload, so a search never goes back to the graph store.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
import pyoxigraph as ox
import tantivy

from catalogue.index_schema import (
    ANALYZERS,
    FACETS,
    GROUP_FIELD,
    GROUP_SEP,
    GROUPED,
    LANGS,
    SAMPLE_BUCKETS,
    TEXT_KINDS,
    keyword_field,
    sample_terms,
    sort_title_field,
    text_field,
)
from catalogue.search_terms import hashed_field, term_hash
from catalogue.store import GraphStore, OxigraphStore
from quality.terms import FQ
from vocabularies.namespaces import DCAT, DCT, FEDCAT, FOAF, RDF, RDFS, SKOS, XSD, Namespace

DPV = Namespace("https://w3id.org/dpv#")
UNTAGGED = ""  # the language key of literals without a language tag
DISPLAY_ORDER = ("en", "fr", "de", "lb")  # fallback after the requested language, then untagged, then any
SKOLEM = "/.well-known/genid/"
GROUP_HASHED, PUBLISHER_HASHED = hashed_field(GROUP_FIELD), hashed_field(FACETS["publisher"])
KEYWORD_HASHED = {lang: hashed_field(keyword_field(lang)) for lang in LANGS}

# What the query reads, by subject: each predicate is bound to a short code, because projecting a short
# literal is much cheaper for Oxigraph than decoding a long IRI on every row (as is `?n` instead of `?g`).
_ON_GRAPH = {
    "iri": FOAF.primaryTopic,
    "source": FEDCAT.source,
    "id": FEDCAT.datasetId,
    "visibility": FEDCAT.visibility,
    "changed": FEDCAT.lastChanged,
}
_ON_DATASET = {
    "title": DCT["title"],
    "description": DCT.description,
    "keyword": DCAT.keyword,
    "theme": DCAT.theme,
    "publisher": DCT.publisher,
    "language": DCT.language,
    "access": DCT.accessRights,
    "modified": DCT.modified,
    "issued": DCT.issued,
    "licence": DCT.license,
    "protection": DPV.hasData,
}
_ON_DISTRIBUTION = {"format": DCT["format"], "licence": DCT.license}
# Read only from the record's quality graphs (quality/terms.py), which name their record with `fq:ofRecord`: the
# hosted-data marker from the hosted-data graph, the MQA band from the metadata quality graph. Never from the
# record graph, which holds what a source sent: a source cannot claim a band or data hosted here.
_ON_QUALITY = {"hosted": FEDCAT.hostedData, "band": FEDCAT.qualityBand}


def _branches(subject: str, table: dict[str, ox.NamedNode]) -> str:
    return " UNION ".join(f'{{ {subject} {p} ?v BIND("{code}" AS ?k) }}' for code, p in table.items())


def _filtered(subject: str, table: dict[str, ox.NamedNode]) -> str:
    """The rows of `_branches(subject, table)` from one pattern: the predicate filtered, its code bound by IF."""
    code = '""'
    for name, p in reversed(table.items()):
        code = f'IF(?p = {p}, "{name}", {code})'
    return f"{{ {subject} ?p ?v FILTER(?p IN ({', '.join(str(p) for p in table.values())})) BIND({code} AS ?k) }}"


# One VALUES block, joined once to one GRAPH ?g pattern: the quality graphs are reached by a GRAPH ?q nested in
# it (the inner GRAPH names the graph its patterns match in), so every branch starts from a bound ?g. Moving
# the quality branch beside GRAPH ?g instead makes Oxigraph evaluate the whole union unbound, over every graph
# of the store, and join afterwards; a second copy of the VALUES block would cost a remote store twice.
# The graph's own values come from one filtered pattern, not a union of one branch per predicate: Virtuoso
# evaluates such a union with the graph as subject 10x slower (16.4 s for 1,000 records at 10,000, against 1.5
# s); Oxigraph takes the same time either way (0.43 s of CPU); the other unions cost Virtuoso no such penalty.
BATCH_QUERY = f"""
SELECT ?n ?k ?v ?x WHERE {{
  VALUES (?g ?n) {{ $GRAPHS$ }}
  GRAPH ?g {{
    {_filtered("?g", _ON_GRAPH)}
    UNION {{ ?g {FOAF.primaryTopic} ?d . {_branches("?d", _ON_DATASET)} }}
    UNION {{ ?g {FOAF.primaryTopic} ?d . ?d {DCAT.distribution} ?dist . {_branches("?dist", _ON_DISTRIBUTION)} }}
    UNION {{ ?g {FOAF.primaryTopic} ?d . ?d {DCT.publisher} ?x . ?x {FOAF.name} ?v BIND("publisher_name" AS ?k) }}
    UNION {{ ?g {FOAF.primaryTopic} ?d . ?d {DPV.hasData} ?x . ?x {SKOS.prefLabel}|{RDFS.label} ?v
             BIND("protection_label" AS ?k) }}
    UNION {{ GRAPH ?q {{ ?q {FQ.ofRecord} ?g . {_branches("?y", _ON_QUALITY)} }} }}
  }}
}}"""

RECORD_GRAPHS_QUERY = f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g {FEDCAT.datasetId} ?id }} }}"


_PRIMARY: dict[str | None, str] = {}


def lang_of(literal: ox.Literal) -> str:
    """The primary language subtag of a literal ("fr-LU" -> "fr"), or "" when untagged."""
    tag = literal.language
    primary = _PRIMARY.get(tag)
    if primary is None:
        if len(_PRIMARY) >= 4096:  # tags come from sources: keep the cache bounded
            _PRIMARY.clear()
        primary = _PRIMARY[tag] = (tag or "").split("-")[0].lower()
    return primary


V = TypeVar("V")


def pick(values: dict[str, V], prefs: Iterable[str] = ()) -> tuple[str, V] | None:
    """The (language, value) to show: preferred languages, then en, fr, de, lb, untagged, then any."""
    for lang in (*prefs, *DISPLAY_ORDER, UNTAGGED):
        if lang in values:
            return lang, values[lang]
    return (min(values), values[min(values)]) if values else None


@dataclass(slots=True)
class IndexRecord:
    """The values of one record that the index needs, gathered from its graph."""

    graph: str
    id: str = ""
    iri: str = ""
    source: str = ""
    visibility: str = "restricted"  # until the record's marker says "public": fail closed
    last_changed: str = ""
    modified: str = ""
    issued: str = ""
    titles: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    descriptions: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    keywords: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    publishers: list[str] = field(default_factory=list)
    publisher_names: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    themes: set[str] = field(default_factory=set)
    formats: set[str] = field(default_factory=set)
    licences: set[str] = field(default_factory=set)
    access_rights: set[str] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)
    protection: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    hosted: bool = False
    quality_band: str = ""

    def take(self, code: str, value: ox.NamedNode | ox.BlankNode | ox.Literal, about: str | None) -> None:
        """Add one (code, value) row of the batch query."""
        text = value.value
        if code in _TEXT:
            if isinstance(value, ox.Literal):
                getattr(self, _TEXT[code])[lang_of(value)].append(text)
        elif code in _SETS:
            getattr(self, _SETS[code]).add(text)
        elif code == "visibility":
            self.visibility = "public" if text == "public" else "restricted"
        elif code in _SCALARS:
            setattr(self, _SCALARS[code], text)
        elif code == "modified":
            self.modified = max(self.modified, text)
        elif code == "issued":
            self.issued = min(self.issued, text) if self.issued else text
        elif code == "publisher":
            if text not in self.publishers:
                self.publishers.append(text)
        elif code == "publisher_name" and about is not None and isinstance(value, ox.Literal):
            _keep_least(self.publisher_names[about], lang_of(value), text)
        elif code == "protection_label" and about is not None and isinstance(value, ox.Literal):
            _keep_least(self.protection[about], lang_of(value), text)
        elif code == "protection":
            self.protection.setdefault(text, {})
        elif code == "hosted":
            self.hosted = text.lower() in ("true", "1", "yes")
        elif code == "band":
            self.quality_band = text

    def first_publisher(self) -> str:
        """The publisher shown: the least IRI, so a record with several shows the same one however it is read."""
        return min(self.publishers) if self.publishers else ""

    def publisher_key(self) -> str:
        """The publisher facet value: its IRI, or its name when the IRI is a per-record skolem IRI."""
        if not self.publishers:
            return ""
        iri = self.first_publisher()
        if SKOLEM in iri:
            best = pick(self.publisher_names.get(iri, {}))
            return best[1] if best else ""
        return iri


def _keep_least(labels: dict[str, str], lang: str, text: str) -> None:
    # Several names in one language: keep the least, so the choice does not depend on the order rows arrive in.
    old = labels.get(lang)
    labels[lang] = text if old is None else min(old, text)


_TEXT = {"title": "titles", "description": "descriptions", "keyword": "keywords"}
_SETS = {
    "theme": "themes",
    "format": "formats",
    "licence": "licences",
    "access": "access_rights",
    "language": "languages",
}
_SCALARS = {"iri": "iri", "source": "source", "id": "id", "changed": "last_changed"}


def fetch_records(store: GraphStore, graphs: list[str]) -> list[IndexRecord]:
    """The index records of `graphs` (one query); graphs without a provenance marker are left out."""
    if not graphs:
        return []
    records = [IndexRecord(g) for g in graphs]
    pairs = " ".join(f"(<{g}> {n})" for n, g in enumerate(graphs))
    rows = list(store.select(BATCH_QUERY.replace("$GRAPHS$", pairs, 1)))
    canonical: dict[int, ox.Literal] = {}
    if not isinstance(store, OxigraphStore):
        # A remote server renders typed literals its own way (Virtuoso pads fractional seconds: "...54.4839"
        # comes back as "...54.483900"): read them in the form Oxigraph stores them in, as a harvest's records
        # built from the triples in hand have them, so both give the same documents. The rows hold the values.
        canonical = _canonical(row["v"] for row in rows)
    for row in rows:
        about, value = row.get("x"), row["v"]
        value = canonical.get(id(value), value)
        records[int(row["n"].value)].take(row["k"].value, value, about.value if about is not None else None)
    return [r for r in records if r.id and r.iri]


# BATCH_QUERY's tables by predicate, for building the same rows from triples in hand.
_GRAPH_CODES = {p: code for code, p in _ON_GRAPH.items()}
_DATASET_CODES = {p: code for code, p in _ON_DATASET.items()}
_DISTRIBUTION_CODES = {p: code for code, p in _ON_DISTRIBUTION.items()}
_TOPIC, _NAME = FOAF.primaryTopic, FOAF.name
_LABELS = {SKOS.prefLabel, RDFS.label}
_LINKS = {DCAT.distribution: "distribution", DCT.publisher: "publisher", DPV.hasData: "protection"}
_WANTED = {*_GRAPH_CODES, *_DATASET_CODES, *_DISTRIBUTION_CODES, *_LINKS, _NAME, *_LABELS}
_PLAIN = frozenset((XSD.string.value, RDF.langString.value))
Row = tuple[str, ox.NamedNode | ox.BlankNode | ox.Literal, str | None]


def records_from_triples(graphs: Iterable[tuple[str, list[ox.Triple]]]) -> list[IndexRecord]:
    """Index records built from record graphs' triples in hand (content and markers), without a store read.

    The same values `fetch_records` reads with BATCH_QUERY from the stored graphs, typed literals in the lexical
    form Oxigraph stores them in (its canonical one: "1.50"^^xsd:decimal reads back as "1.5"). Quality values
    are not in a record graph: `add_quality` fills them. Records without a provenance marker are kept (with an
    empty id), as the caller may need to tell them apart.
    """
    records: list[IndexRecord] = []
    rows: list[list[Row]] = []
    for graph, triples in graphs:
        records.append(IndexRecord(graph))
        rows.append(_rows(graph, triples))
    canonical = _canonical(value for found in rows for _, value, _ in found)
    for record, found in zip(records, rows, strict=True):
        for code, value, about in found:
            record.take(code, canonical.get(id(value), value), about)
    return records


def _rows(graph: str, triples: list[ox.Triple]) -> list[Row]:
    """The (code, value, about) rows BATCH_QUERY would give for one record graph holding `triples`."""
    by_subject: dict[object, list[tuple[ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]]] = {}
    for t in triples:
        p = t.predicate
        if p in _WANTED:  # most of a record's triples are of no interest to the index: skip them early
            by_subject.setdefault(t.subject, []).append((p, t.object))  # type: ignore[arg-type]
    found: list[Row] = []
    datasets = []
    for p, v in by_subject.get(ox.NamedNode(graph), ()):
        code = _GRAPH_CODES.get(p)
        if code is not None:
            found.append((code, v, None))
        if p == _TOPIC:
            datasets.append(v)
    for d in datasets:
        for p, v in by_subject.get(d, ()):
            code = _DATASET_CODES.get(p)
            if code is not None:
                found.append((code, v, None))
            link = _LINKS.get(p)
            if link is None or v not in by_subject:
                continue
            if link == "distribution":
                for p2, v2 in by_subject[v]:
                    code = _DISTRIBUTION_CODES.get(p2)
                    if code is not None:
                        found.append((code, v2, None))
            elif link == "publisher":
                found += [("publisher_name", v2, v.value) for p2, v2 in by_subject[v] if p2 == _NAME]
            else:
                found += [("protection_label", v2, v.value) for p2, v2 in by_subject[v] if p2 in _LABELS]
    return found


def _canonical(values: Iterable[object]) -> dict[int, ox.Literal]:
    """Each typed literal among `values` as Oxigraph stores it, by the `id()` of the value (held by the caller).

    Typed literals whose lexical form is one Oxigraph keeps as it is (`_KEPT`: the dates, times and integers
    sources mostly send) are left out, as are plain strings and language-tagged text; the rest go through a round
    trip through an in-memory store, so their form is exact ("1.50"^^xsd:decimal reads back as "1.5").
    """
    pending: dict[ox.Literal, list[int]] = {}
    literal, plain, kept = ox.Literal, _PLAIN, _KEPT
    for v in values:
        if type(v) is not literal:
            continue
        datatype = v.datatype.value
        if datatype in plain:
            continue
        form = kept.get(datatype)
        if form is not None and form.fullmatch(v.value):
            continue
        pending.setdefault(v, []).append(id(v))
    if not pending:
        return {}
    literals = list(pending)
    store = ox.Store()
    p = ox.NamedNode("urn:fedcat:value")
    store.extend(ox.Quad(ox.NamedNode(f"urn:fedcat:{i}"), p, v) for i, v in enumerate(literals))
    out: dict[int, ox.Literal] = {}
    for q in store.quads_for_pattern(None, p, None, None):
        subject, value = q.subject, q.object
        if isinstance(subject, ox.NamedNode) and isinstance(value, ox.Literal):
            for key in pending[literals[int(subject.value[11:])]]:
                out[key] = value
    return out


# Lexical forms Oxigraph stores unchanged for their datatype (checked against the round trip in the tests): a
# four-digit year without leading zero, months 01-12, days 01-28 (every month has them), hours 00-23, seconds
# without trailing zeros in the fraction, "Z" or no time zone; integers that fit 64 bits, without "+" or zeros in
# front; "true" and "false". Anything else takes the round trip.
_DATE = r"[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]*[1-9])?"
_KEPT = {
    XSD.dateTime.value: re.compile(f"{_DATE}T{_TIME}Z?"),
    XSD.date.value: re.compile(f"{_DATE}Z?"),
    XSD.gYear.value: re.compile(r"[1-9][0-9]{3}"),
    XSD.integer.value: re.compile(r"0|-?[1-9][0-9]{0,17}"),
    XSD.boolean.value: re.compile(r"true|false"),
}


QUALITY_ANY_QUERY = f"SELECT ?q WHERE {{ GRAPH ?q {{ ?q {FQ.ofRecord} ?r }} }} LIMIT 1"
QUALITY_QUERY = f"""
SELECT ?n ?k ?v WHERE {{
  VALUES (?g ?n) {{ $GRAPHS$ }}
  GRAPH ?q {{ ?q {FQ.ofRecord} ?g . {_branches("?y", _ON_QUALITY)} }}
}}"""


def add_quality(store: GraphStore, records: list[IndexRecord]) -> bool:
    """Fill the quality values (hosted data, MQA band) of `records` from their quality graphs in `store`; False
    when the store holds no quality graph at all (a first harvest), which a caller may remember."""
    if not records:
        return True
    if not store.select(QUALITY_ANY_QUERY):
        return False
    pairs = " ".join(f"(<{r.graph}> {n})" for n, r in enumerate(records))
    for row in store.select(QUALITY_QUERY.replace("$GRAPHS$", pairs, 1)):
        records[int(row["n"].value)].take(row["k"].value, row["v"], None)
    return True


def record_graphs(store: GraphStore) -> list[str]:
    """Every complete record graph in the store (those with their provenance marker), sorted."""
    return sorted(r["g"].value for r in store.select(RECORD_GRAPHS_QUERY))


def epoch_seconds(value: str) -> int | None:
    """Seconds since the epoch of an xsd:dateTime / xsd:date / gYear lexical form; None if unparseable."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        match = re.match(r"^(\d{4})(?:-(\d{2}))?", text)
        if not match:
            return None
        parsed = datetime(int(match.group(1)), int(match.group(2) or 1), 1)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def _first_per_lang(values: dict[str, list[str]]) -> dict[str, str]:
    return {lang: sorted(texts)[0] for lang, texts in values.items() if texts}


def _fold(text: str) -> str:
    # The sort key: case- and accent-insensitive, so "Émissions" sorts with "emissions".
    return " ".join(ANALYZERS["fedcat_fold"].analyze(text))[:120]


def read_payload(raw: bytes | None) -> dict[str, Any]:
    """A document's stored `payload` (JSON, written by orjson, which reads it in a third of the stdlib's time)."""
    data: dict[str, Any] = orjson.loads(raw or b"{}")
    return data


def payload(record: IndexRecord) -> dict[str, object]:
    """What a hit shows, in every language the record has (the search picks one per request)."""
    modified = record.modified or record.issued or record.last_changed
    publisher = record.first_publisher()
    return {
        "id": record.id,
        "iri": record.iri,
        "source": record.source,
        "visibility": record.visibility,
        "title": _first_per_lang(record.titles),
        "description": _first_per_lang(record.descriptions),
        "keywords": {lang: sorted(set(words)) for lang, words in record.keywords.items()},
        "publisher": {
            "key": record.publisher_key(),
            "iri": "" if SKOLEM in publisher else publisher,
            "names": dict(record.publisher_names.get(publisher, {})),
        },
        "themes": sorted(record.themes),
        "formats": sorted(record.formats),
        "licences": sorted(record.licences),
        "access_rights": sorted(record.access_rights),
        "languages": sorted(record.languages),
        "protection": {iri: dict(labels) for iri, labels in sorted(record.protection.items())},
        "modified": modified,
        "hosted": record.hosted,
        "quality_band": record.quality_band,
    }


_HEX = re.compile(r"[0-9a-f]{1,16}")
# Field names and sample terms worked out once: a document takes some eighty values, and naming their fields
# value by value was about a tenth of the time `to_document` took.
_SAMPLES = [tuple(sample_terms(bucket)) for bucket in range(SAMPLE_BUCKETS)]
_TEXT_FIELDS = {kind: {lang: text_field(kind, lang) for lang in LANGS} for kind in TEXT_KINDS}
_KEYWORD_FIELDS = [(lang, keyword_field(lang), KEYWORD_HASHED[lang], sort_title_field(lang)) for lang in LANGS]


def to_document(record: IndexRecord) -> tantivy.Document:
    """The tantivy document of one record."""
    doc = tantivy.Document()
    add, add_unsigned = doc.add_text, doc.add_unsigned
    add("graph", record.graph)
    add("id", record.id)
    add("visibility", record.visibility)
    tiekey = int(record.id[:16], 16) if _HEX.fullmatch(record.id[:16]) else 0
    add_unsigned("tiekey", tiekey)
    add_unsigned("bucket", tiekey % SAMPLE_BUCKETS)
    for term in _SAMPLES[tiekey % SAMPLE_BUCKETS]:
        add("sample", term)
    modified = record.modified or record.issued or record.last_changed
    seconds = (epoch_seconds(modified) or 0) if modified else 0
    doc.add_integer("modified", seconds)
    # Sort keys carry part of the id so that equal dates or titles still sort the same in any index build.
    doc.add_integer("modified_key", seconds * 65536 + (tiekey & 0xFFFF))
    doc.add_bytes("payload", orjson.dumps(payload(record)))
    for kind, by_lang, words in (
        ("title", record.titles, "title_words"),
        ("description", record.descriptions, None),
        ("keyword", record.keywords, "keyword_words"),
    ):
        fields = _TEXT_FIELDS[kind]
        for lang, texts in by_lang.items():
            name = fields.get(lang) or text_field(kind, lang)
            for text in texts:
                add(name, text)
                if words:
                    add(words, text)
    for names in record.publisher_names.values():
        for name in set(names.values()):
            add("publisher_text", name)
    publisher = record.publisher_key()
    facet_values: dict[str, Iterable[str]] = {
        "theme": record.themes,
        "publisher": [publisher] if publisher else [],
        "format": record.formats,
        "licence": record.licences,
        "access_rights": record.access_rights,
        "language": record.languages,
        "source": [record.source],
        "protection_type": record.protection,
        "hosted": ["yes" if record.hosted else "no"],
        "quality_band": [record.quality_band] if record.quality_band else [],
    }
    for name, values in facet_values.items():
        for value in sorted(set(values)):
            add(name, value)
            if name in GROUPED:
                pair = name + GROUP_SEP + value
                add(GROUP_FIELD, pair)
                add_unsigned(GROUP_HASHED, term_hash(pair))
            elif name == "publisher":
                add_unsigned(PUBLISHER_HASHED, term_hash(value))
    titles = _first_per_lang(record.titles)
    keywords = {lang: sorted(set(words)) for lang, words in record.keywords.items()}
    folded: dict[str, str] = {}  # most records show one title in every language: fold it once
    for lang, keyword_name, hashed_name, sort_name in _KEYWORD_FIELDS:
        shown = pick(keywords, (lang,))
        for word in shown[1] if shown else ():
            add(keyword_name, word)
            add_unsigned(hashed_name, term_hash(word))
        title = pick(titles, (lang,))
        if title and title[1] not in folded:
            folded[title[1]] = _fold(title[1])
        add(sort_name, (folded[title[1]] if title else "") + "\x1f" + record.id)
    return doc
