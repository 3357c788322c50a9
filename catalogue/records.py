"""Record graphs: one named graph per harvested record, its IRIs, content hash and provenance marker."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pyoxigraph as ox

from vocabularies.namespaces import FEDCAT, FOAF, PROV, RDF, XSD

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Subject = ox.NamedNode | ox.BlankNode


class Statement(NamedTuple):
    """One triple of a record as a plain tuple of pyoxigraph terms, read like an `ox.Triple`.

    The harvest builds and rewrites tens of triples per record: an `ox.Triple` whose object is a literal costs
    microseconds to build (pyoxigraph tries the other term types first), its fields a new object at each read.
    A tuple costs a tenth of that, unpacks for free and prints the same N-Triples line.
    """

    subject: Subject | ox.Triple
    predicate: ox.NamedNode
    object: Term

    def __str__(self) -> str:
        s, p, o = self
        if type(o) is ox.Triple or type(s) is ox.Triple:  # a quoted triple prints otherwise as a term
            return str(ox.Triple(s, p, o))
        return f"{s} {p} {o}"


def statements(triples: Iterable[ox.Triple | Statement]) -> list[Statement]:
    """`triples` (pyoxigraph's or ours) as statements."""
    new = tuple.__new__
    # Three attribute reads cost a third of unpacking an ox.Triple through the sequence protocol.
    return [t if type(t) is Statement else new(Statement, (t.subject, t.predicate, t.object)) for t in triples]


def printed_statements(triples: Iterable[ox.Triple]) -> tuple[list[Statement], dict[int, tuple[Statement, str]]]:
    """`triples` as statements, with the N-Triples line of each as `ntriples_lines` takes it (`known`).

    Parsed triples bring new term objects each, so `ntriples_lines` could reuse no printed term; pyoxigraph prints
    a whole triple for the price of one term. The entries hold their statements, so no id is reused meanwhile.
    """
    new = tuple.__new__
    out: list[Statement] = []
    known: dict[int, tuple[Statement, str]] = {}
    for t in triples:
        st = new(Statement, (t.subject, t.predicate, t.object))
        out.append(st)
        known[id(st)] = (st, str(t))
    return out, known


def ntriples_lines(triples: list[Statement], known: dict[int, tuple[Statement, str]] | None = None) -> list[str]:
    """The N-Triples line (without the final dot) of each statement, the same as `str(statement)`.

    Printing a pyoxigraph term costs about as much as building it, and hashing one nearly half that: a record's
    subjects and IRIs recur over its triples, its predicates over all records, so each is printed once and looked
    up by `id()`. Every term met here is held by `triples` (or, for predicates, by the cache itself) while its
    id is a key, so no id can be reused by another term meanwhile. Lines already `known` (`printed_statements`)
    are taken as they are.
    """
    predicates, literal, quoted = _PREDICATE_TEXT, ox.Literal, ox.Triple
    texts: dict[int, str] = {}
    out: list[str] = []
    append = out.append
    for t in triples:
        if known:
            line = known.get(id(t))
            if line is not None:
                append(line[1])
                continue
        s, p, o = t
        entry = predicates.get(id(p))
        if entry is None:
            if len(predicates) >= 4096:  # parsed pages bring a new object per predicate: keep the cache bounded
                predicates.clear()
            entry = predicates[id(p)] = (p, str(p))
        ss = texts.get(id(s))
        if ss is None:
            ss = texts[id(s)] = str(s) if type(s) is not quoted else ""
        kind = type(o)
        if kind is literal:
            os = str(o)
        elif kind is quoted or not ss:  # quoted triples print differently as terms: let pyoxigraph print the line
            append(str(t))
            continue
        else:
            text = texts.get(id(o))
            if text is None:
                text = texts[id(o)] = str(o)
            os = text
        append(f"{ss} {entry[1]} {os}")
    return out


_PREDICATE_TEXT: dict[int, tuple[ox.NamedNode, str]] = {}


def terms(triples: Iterable[Statement | ox.Triple]) -> list[ox.Triple]:
    """`triples` as pyoxigraph triples, for its serialisers and stores."""
    return [t if type(t) is ox.Triple else ox.Triple(*t) for t in triples]


@dataclass
class Record:
    """One harvested record, mapped to DCAT-AP 3, before it is stored."""

    key: str
    dataset: ox.NamedNode
    triples: list[Statement]
    original_url: str | None = None
    restricted: bool = False
    match_keys: set[str] = field(default_factory=set)
    # N-Triples lines of some statements, when the mapping had them for free (`printed_statements`).
    known_lines: dict[int, tuple[Statement, str]] | None = field(default=None, repr=False)


def _digest(*parts: str, size: int = 16) -> str:
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=size // 2).hexdigest()


RECORD_GRAPHS = "/graph/record/"  # in the IRI of every record graph, after the node's base


def record_graph(base: str, source: str, key: str) -> str:
    """The named graph that holds `key` of `source`: stable across re-harvests."""
    return f"{base}{RECORD_GRAPHS}{source}/{_digest(key, size=24)}"


def source_graph(base: str, source: str) -> str:
    """The graph with a source's description and its harvest runs."""
    return f"{base}/graph/source/{source}"


def source_iri(base: str, source: str) -> str:
    """The IRI naming a source (a `dcat:Catalog` harvested by this node)."""
    return f"{base}/source/{source}"


def dataset_id(source: str, dataset_iri: str) -> str:
    """The stable public id of a dataset record: derived from its source and IRI, so re-harvests keep it."""
    return _digest(source, dataset_iri, size=16)


def content_hash(triples: Iterable[ox.Triple]) -> str:
    """A hash of the record's triples, independent of their order (blank nodes must be skolemised first)."""
    return lines_hash([str(t) for t in triples])


def lines_hash(lines: list[str]) -> str:
    """`content_hash` of triples already written as N-Triples lines (without the final dot)."""
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def lines_to_nquads(lines: list[str], graph: str) -> str:
    """N-Quads text placing N-Triples lines (without the final dot) in `graph`."""
    suffix = f" <{graph}> .\n"
    return suffix.join(lines) + suffix if lines else ""


def skolemize(triples: list[Statement], prefix: str) -> list[Statement]:
    """Replace blank nodes by IRIs under `prefix`, named by their content, so equal records hash equal."""
    blank = ox.BlankNode
    # (position, subject, predicate, object) of each triple with a blank node; positions, not the triples
    # themselves, key everything below, as hashing a triple costs more than the rest of the work on it.
    touching = [(i, s, p, o) for i, (s, p, o) in enumerate(triples) if type(s) is blank or type(o) is blank]
    if not touching:
        return triples
    out_edges: dict[ox.BlankNode, list[tuple[str, ox.BlankNode | None, str]]] = defaultdict(list)
    in_edges: dict[ox.BlankNode, list[tuple[str, ox.BlankNode | None, str]]] = defaultdict(list)
    for _, s, p, o in touching:
        pt = str(p)
        s_blank, o_blank = type(s) is blank, type(o) is blank
        if s_blank:
            out_edges[s].append((pt, o if o_blank else None, "" if o_blank else str(o)))  # type: ignore[index, arg-type]
        if o_blank:
            in_edges[o].append((pt, s if s_blank else None, "" if s_blank else str(s)))  # type: ignore[index, arg-type]
    bnodes = set(out_edges) | set(in_edges)
    # Signature refinement (as in canonical labelling): a node's label depends on its own
    # triples and, after each round, on its neighbours' labels.
    labels = {b: "" for b in bnodes}
    for _ in range(2):
        new: dict[ox.BlankNode, str] = {}
        for b in bnodes:
            parts = [f">{pt}|{labels[n] if n is not None else text}" for pt, n, text in out_edges.get(b, ())]
            parts += [f"<{pt}|{labels[n] if n is not None else text}" for pt, n, text in in_edges.get(b, ())]
            new[b] = _digest(*sorted(parts), size=16)
        labels = new
    taken: dict[str, int] = {}
    names: dict[Any, ox.NamedNode] = {}
    for b in sorted(bnodes, key=lambda n: labels[n]):
        n = taken.get(labels[b], 0)
        taken[labels[b]] = n + 1
        names[b] = ox.NamedNode(f"{prefix}{labels[b]}" + (f"-{n}" if n else ""))
    out = list(triples)
    make = tuple.__new__
    for i, s, p, o in touching:
        out[i] = make(Statement, (names.get(s, s), p, names.get(o, o)))
    return out


def genid_prefix(graph: str) -> str:
    """Where skolem IRIs of one record graph live (RDF 1.1 `.well-known/genid`)."""
    return f"{graph}/.well-known/genid/"


def nquads(triples: Iterable[ox.Triple], graph: str) -> str:
    """N-Quads text of `triples` placed in `graph`."""
    return lines_to_nquads([str(t) for t in triples], graph)


@dataclass(frozen=True)
class StoredRecord:
    """What the store knows about a record from an earlier run."""

    graph: str
    key: str
    content_hash: str
    first_harvested: str
    dataset_id: str


def marker_triples(
    graph: str,
    *,
    source: str,
    record: Record,
    chash: str,
    first_harvested: str,
    changed_at: str,
    run: str,
) -> list[ox.Triple]:
    """The provenance triples about a record graph, written last so a half-written graph has none."""
    g = ox.NamedNode(graph)
    dt = XSD.dateTime
    triples = [
        ox.Triple(g, RDF.type, FEDCAT.Record),
        ox.Triple(g, FEDCAT.source, ox.Literal(source)),
        ox.Triple(g, FEDCAT.recordKey, ox.Literal(record.key)),
        ox.Triple(g, FEDCAT.datasetId, ox.Literal(dataset_id(source, record.dataset.value))),
        ox.Triple(g, FOAF.primaryTopic, record.dataset),
        ox.Triple(g, FEDCAT.contentHash, ox.Literal(chash)),
        ox.Triple(g, FEDCAT.firstHarvested, ox.Literal(first_harvested, datatype=dt)),
        ox.Triple(g, FEDCAT.lastChanged, ox.Literal(changed_at, datatype=dt)),
        ox.Triple(g, PROV.wasGeneratedBy, ox.NamedNode(run)),
        ox.Triple(g, FEDCAT.visibility, ox.Literal("restricted" if record.restricted else "public")),
    ]
    if record.original_url:
        try:
            triples.append(ox.Triple(g, PROV.wasDerivedFrom, ox.NamedNode(record.original_url)))
        except ValueError:  # an unusable URL from the source is kept as text, not lost
            triples.append(ox.Triple(g, PROV.wasDerivedFrom, ox.Literal(record.original_url)))
    triples += [ox.Triple(g, FEDCAT.matchKey, ox.Literal(k)) for k in sorted(record.match_keys)]
    return triples


_TOPIC, _SOURCE, _DATASET_ID = FOAF.primaryTopic, FEDCAT.source, FEDCAT.datasetId
_VISIBILITY, _LAST_CHANGED = FEDCAT.visibility, FEDCAT.lastChanged
_FEDCAT_NS, _RDF_TYPE, _TOPIC_IRI = str(FEDCAT), RDF.type.value, FOAF.primaryTopic.value
_GENERATED_BY, _DERIVED_FROM, _DATE_TIME = PROV.wasGeneratedBy.value, PROV.wasDerivedFrom.value, XSD.dateTime


class MarkerWriter:
    """Writes the provenance markers of a run's record graphs as N-Quads text, the same as `marker_triples`.

    Text templates instead of terms: building a dozen `Triple`s per record and printing them cost more than
    the rest of a record's write. The terms that vary are printed by pyoxigraph, so escaping is its own.
    """

    def __init__(self, source: str, run: str) -> None:
        self.source = source
        self._source_literal = ox.Literal(source)
        self._source = str(self._source_literal)
        self._run = str(ox.NamedNode(run))
        self._literals: dict[str, str] = {}

    def _literal(self, value: str) -> str:
        # Only two values recur (public, restricted): print each once.
        text = self._literals.get(value)
        if text is None:
            text = self._literals[value] = str(ox.Literal(value))
        return text

    def markers(
        self, graph: str, record: Record, chash: str, first_harvested: str, changed_at: str
    ) -> tuple[str, list[Statement]]:
        """The N-Quads of `marker_triples(graph, ...)` (same lines, same order), and the marker triples the
        search index reads (`catalogue.index_docs`), for building its record from the triples in hand."""
        g, ns = f"<{graph}>", _FEDCAT_NS
        ident = dataset_id(self.source, record.dataset.value)
        visibility = "restricted" if record.restricted else "public"
        changed = ox.Literal(changed_at, datatype=_DATE_TIME)
        first = changed if first_harvested == changed_at else ox.Literal(first_harvested, datatype=_DATE_TIME)
        lines = [
            f"{g} <{_RDF_TYPE}> <{ns}Record>",
            f"{g} <{ns}source> {self._source}",
            f"{g} <{ns}recordKey> {ox.Literal(record.key)}",
            f'{g} <{ns}datasetId> "{ident}"',
            f"{g} <{_TOPIC_IRI}> {record.dataset}",
            f'{g} <{ns}contentHash> "{chash}"',
            f"{g} <{ns}firstHarvested> {first}",
            f"{g} <{ns}lastChanged> {changed}",
            f"{g} <{_GENERATED_BY}> {self._run}",
            f"{g} <{ns}visibility> {self._literal(visibility)}",
        ]
        if record.original_url:
            try:
                url = str(ox.NamedNode(record.original_url))
            except ValueError:  # an unusable URL from the source is kept as text, not lost
                url = str(ox.Literal(record.original_url))
            lines.append(f"{g} <{_DERIVED_FROM}> {url}")
        lines += [f"{g} <{ns}matchKey> {ox.Literal(k)}" for k in sorted(record.match_keys)]
        node = ox.NamedNode(graph)
        wanted = [
            Statement(node, _TOPIC, record.dataset),
            Statement(node, _SOURCE, self._source_literal),
            Statement(node, _DATASET_ID, ox.Literal(ident)),
            Statement(node, _VISIBILITY, ox.Literal(visibility)),
            Statement(node, _LAST_CHANGED, changed),
        ]
        return lines_to_nquads(lines, graph), wanted


STORED_RECORDS_QUERY = """
PREFIX fedcat: <https://w3id.org/fedcat/ns#>
SELECT ?g ?key ?hash ?first ?id WHERE {
  GRAPH ?g { ?g fedcat:source %s ; fedcat:recordKey ?key ; fedcat:contentHash ?hash ;
                fedcat:firstHarvested ?first ; fedcat:datasetId ?id }
}"""
