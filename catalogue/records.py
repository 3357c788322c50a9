"""Record graphs: one named graph per harvested record, its IRIs, content hash and provenance marker."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from vocabularies.namespaces import FEDCAT, FOAF, PROV, RDF, XSD

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass
class Record:
    """One harvested record, mapped to DCAT-AP 3, before it is stored."""

    key: str
    dataset: ox.NamedNode
    triples: list[ox.Triple]
    original_url: str | None = None
    restricted: bool = False
    match_keys: set[str] = field(default_factory=set)


def _digest(*parts: str, size: int = 16) -> str:
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=size // 2).hexdigest()


def record_graph(base: str, source: str, key: str) -> str:
    """The named graph that holds `key` of `source`: stable across re-harvests."""
    return f"{base}/graph/record/{source}/{_digest(key, size=24)}"


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


def skolemize(triples: list[ox.Triple], prefix: str) -> list[ox.Triple]:
    """Replace blank nodes by IRIs under `prefix`, named by their content, so equal records hash equal."""
    blank = ox.BlankNode
    # (position, subject, predicate, object) of each triple with a blank node; positions, not the triples
    # themselves, key everything below, as hashing a triple costs more than the rest of the work on it.
    touching = []
    for i, t in enumerate(triples):
        s, o = t.subject, t.object
        if type(s) is blank or type(o) is blank:
            touching.append((i, s, t.predicate, o))
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
    names: dict[ox.BlankNode, ox.NamedNode] = {}
    for b in sorted(bnodes, key=lambda n: labels[n]):
        n = taken.get(labels[b], 0)
        taken[labels[b]] = n + 1
        names[b] = ox.NamedNode(f"{prefix}{labels[b]}" + (f"-{n}" if n else ""))
    out = list(triples)
    for i, s, p, o in touching:
        out[i] = ox.Triple(names.get(s, s), p, names.get(o, o))  # type: ignore[arg-type]
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


class MarkerWriter:
    """Writes the provenance markers of a run's record graphs as N-Quads text, the same as `marker_triples`.

    Text templates instead of terms: building a dozen `Triple`s per record and printing them cost more than
    the rest of a record's write. The terms that vary are printed by pyoxigraph, so escaping is its own.
    """

    def __init__(self, source: str, run: str) -> None:
        self.source = source
        self._source = str(ox.Literal(source))
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
    ) -> tuple[str, list[ox.Triple]]:
        """The N-Quads of `marker_triples(graph, ...)` (same lines, same order), and the marker triples the
        search index reads (`catalogue.index_docs`), for building its record from the triples in hand."""
        g, ns = f"<{graph}>", str(FEDCAT)
        ident = dataset_id(self.source, record.dataset.value)
        visibility = "restricted" if record.restricted else "public"
        changed = ox.Literal(changed_at, datatype=XSD.dateTime)
        first = changed if first_harvested == changed_at else ox.Literal(first_harvested, datatype=XSD.dateTime)
        lines = [
            f"{g} <{RDF.type.value}> <{ns}Record>",
            f"{g} <{ns}source> {self._source}",
            f"{g} <{ns}recordKey> {ox.Literal(record.key)}",
            f'{g} <{ns}datasetId> "{ident}"',
            f"{g} <{FOAF.primaryTopic.value}> {record.dataset}",
            f'{g} <{ns}contentHash> "{chash}"',
            f"{g} <{ns}firstHarvested> {first}",
            f"{g} <{ns}lastChanged> {changed}",
            f"{g} <{PROV.wasGeneratedBy.value}> {self._run}",
            f"{g} <{ns}visibility> {self._literal(visibility)}",
        ]
        if record.original_url:
            try:
                url = str(ox.NamedNode(record.original_url))
            except ValueError:  # an unusable URL from the source is kept as text, not lost
                url = str(ox.Literal(record.original_url))
            lines.append(f"{g} <{PROV.wasDerivedFrom.value}> {url}")
        lines += [f"{g} <{ns}matchKey> {ox.Literal(k)}" for k in sorted(record.match_keys)]
        node = ox.NamedNode(graph)
        wanted = [
            ox.Triple(node, FOAF.primaryTopic, record.dataset),
            ox.Triple(node, FEDCAT.source, ox.Literal(self.source)),
            ox.Triple(node, FEDCAT.datasetId, ox.Literal(ident)),
            ox.Triple(node, FEDCAT.visibility, ox.Literal(visibility)),
            ox.Triple(node, FEDCAT.lastChanged, changed),
        ]
        return lines_to_nquads(lines, graph), wanted


STORED_RECORDS_QUERY = """
PREFIX fedcat: <https://w3id.org/fedcat/ns#>
SELECT ?g ?key ?hash ?first ?id WHERE {
  GRAPH ?g { ?g fedcat:source %s ; fedcat:recordKey ?key ; fedcat:contentHash ?hash ;
                fedcat:firstHarvested ?first ; fedcat:datasetId ?id }
}"""
