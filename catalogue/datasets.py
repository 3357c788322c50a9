"""Dataset records by public id: the record graph, its provenance, where else it is listed, and its RDF.

A record is found through the `fedcat:datasetId` marker on its graph. Anonymous callers read the public
snapshot, which holds no restricted graph; the visibility filter here is a second lock on the same door, for
stores that hold everything (a remote backend, or a test store handed to the app).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from catalogue.config import Settings
from catalogue.errors import NotFound
from catalogue.ranges import range_types
from catalogue.records import source_graph
from catalogue.store import GraphStore
from harvesters.duplicates import duplicates_graph
from vocabularies.namespaces import DCAT, DCT, FEDCAT, FOAF, PROV, RDF, XSD

_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_PREFIXES = """PREFIX fedcat: <https://w3id.org/fedcat/ns#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
RECORD_QUERY = (
    _PREFIXES
    + """SELECT ?g ?d ?source ?first ?changed ?run ?derived WHERE {
  GRAPH ?g { ?g fedcat:datasetId %(id)s ; foaf:primaryTopic ?d ; fedcat:source ?source ;
                fedcat:firstHarvested ?first ; fedcat:lastChanged ?changed ; fedcat:visibility ?visibility .
             OPTIONAL { ?g prov:wasGeneratedBy ?run } OPTIONAL { ?g prov:wasDerivedFrom ?derived } }
  %(visible)s
} ORDER BY ?g LIMIT 1"""
)
LAST_HARVEST_QUERY = (
    _PREFIXES
    + """SELECT (MAX(?end) AS ?last) WHERE {
  GRAPH <%(graph)s> { ?run a prov:Activity ; fedcat:status "succeeded" ; prov:endedAtTime ?end }
}"""
)
# One row per title and per match key of each other listing (a UNION, not a cross product of the two).
LISTINGS_QUERY = (
    _PREFIXES
    + """SELECT ?other ?id ?source ?d ?title ?key WHERE {
  GRAPH <%(duplicates)s> { <%(graph)s> fedcat:alsoListedIn ?other }
  GRAPH ?other { ?other fedcat:datasetId ?id ; fedcat:source ?source ; foaf:primaryTopic ?d ;
                        fedcat:visibility ?visibility .
                 { ?d dct:title ?title } UNION { ?other fedcat:matchKey ?key } }
  %(visible)s
}"""
)
PUBLIC_ONLY = 'FILTER(?visibility = "public")'


@dataclass(frozen=True)
class Listing:
    """The same dataset as harvested through another source: "also listed in"."""

    graph: str
    dataset_id: str
    source: str
    dataset: str
    titles: list[ox.Literal]
    matched_on: list[str]


@dataclass(frozen=True)
class DatasetRecord:
    """One harvested record as stored: its content triples and what fedcat knows about it."""

    dataset_id: str
    graph: str
    dataset: ox.NamedNode
    source: str
    triples: list[ox.Triple]
    first_harvested: str
    last_changed: str
    last_harvested: str | None = None
    run: str | None = None
    original_url: str | None = None
    match_keys: list[str] = field(default_factory=list)
    also_listed_in: list[Listing] = field(default_factory=list)


def page_path(dataset_id: str) -> str:
    """The path of a dataset's page on this node."""
    return f"/datasets/{dataset_id}"


def load_dataset(
    store: GraphStore, settings: Settings, dataset_id: str, *, include_restricted: bool = False
) -> DatasetRecord:
    """The record with public id `dataset_id`; `NotFound` when there is none visible to the caller.

    A restricted record raises exactly what a missing one raises, so anonymous callers cannot tell them apart.
    """
    missing = NotFound(f"no dataset with id {dataset_id!r}")
    if not _ID.fullmatch(dataset_id):
        raise missing
    visible = "" if include_restricted else PUBLIC_ONLY
    rows = store.select(RECORD_QUERY % {"id": ox.Literal(dataset_id), "visible": visible})
    if not rows:
        raise missing
    row = rows[0]
    graph = row["g"].value
    dataset = row["d"]
    if not isinstance(dataset, ox.NamedNode):
        raise missing
    node = ox.NamedNode(graph)
    stored = store.graph_triples(graph)
    content = [t for t in stored if t.subject != node]
    keys = sorted(
        t.object.value
        for t in stored
        if t.subject == node and t.predicate == FEDCAT.matchKey and isinstance(t.object, ox.Literal)
    )
    source = row["source"].value
    return DatasetRecord(
        dataset_id=dataset_id,
        graph=graph,
        dataset=dataset,
        source=source,
        triples=content,
        first_harvested=row["first"].value,
        last_changed=row["changed"].value,
        last_harvested=last_harvested(store, settings, source),
        run=row["run"].value if "run" in row else None,
        original_url=row["derived"].value if "derived" in row else None,
        match_keys=keys,
        also_listed_in=listings(store, settings, graph, keys, include_restricted=include_restricted),
    )


def last_harvested(store: GraphStore, settings: Settings, source: str) -> str | None:
    """When the source's latest successful harvest run ended; None if none succeeded."""
    rows = store.select(LAST_HARVEST_QUERY % {"graph": source_graph(settings.base, source)})
    return rows[0]["last"].value if rows and "last" in rows[0] else None


def listings(
    store: GraphStore, settings: Settings, graph: str, keys: list[str], *, include_restricted: bool = False
) -> list[Listing]:
    """The other records of the same dataset that the caller may see, with the match keys they share."""
    visible = "" if include_restricted else PUBLIC_ONLY
    query = LISTINGS_QUERY % {"duplicates": duplicates_graph(settings.base), "graph": graph, "visible": visible}
    found: dict[str, dict[str, object]] = {}
    titles: dict[str, list[ox.Literal]] = {}
    other_keys: dict[str, set[str]] = {}
    for row in store.select(query):
        other = row["other"].value
        found.setdefault(other, {"id": row["id"].value, "source": row["source"].value, "d": row["d"].value})
        if isinstance(row.get("title"), ox.Literal):
            titles.setdefault(other, []).append(row["title"])  # type: ignore[arg-type]
        if "key" in row:
            other_keys.setdefault(other, set()).add(row["key"].value)
    mine = set(keys)
    out = [
        Listing(
            graph=other,
            dataset_id=str(info["id"]),
            source=str(info["source"]),
            dataset=str(info["d"]),
            titles=titles.get(other, []),
            # Pairs are linked because they share keys (harvesters/duplicates.py): the shared keys say why.
            matched_on=sorted(mine & other_keys.get(other, set())),
        )
        for other, info in found.items()
    ]
    return sorted(out, key=lambda listing: (listing.source, listing.dataset_id))


def dataset_rdf(settings: Settings, record: DatasetRecord) -> list[ox.Triple]:
    """The record's RDF for the dataset page: its content plus a `dcat:CatalogRecord` with its provenance.

    Our marker triples about the graph stay out (they are bookkeeping); what a reader needs of them, when
    the record was first listed, last changed, and where it came from, is said with DCAT and PROV terms.
    """
    triples = list(record.triples)
    dataset = record.dataset
    if not any(t.subject == dataset and t.predicate == DCT.identifier for t in triples):
        triples.append(ox.Triple(dataset, DCT.identifier, ox.Literal(dataset.value)))  # DCAT-AP-LU: mandatory
    page = ox.NamedNode(settings.base + page_path(record.dataset_id))
    triples += [
        ox.Triple(page, RDF.type, DCAT.CatalogRecord),
        ox.Triple(page, FOAF.primaryTopic, dataset),
        # DCAT-AP-LU wants the topic to be a dcat:Resource, which every dcat:Dataset is (DCAT 3); a validator
        # without inference needs it said.
        ox.Triple(dataset, RDF.type, DCAT.Resource),
        ox.Triple(page, DCT.identifier, ox.Literal(record.dataset_id)),
        ox.Triple(page, DCT.issued, ox.Literal(record.first_harvested, datatype=XSD.dateTime)),
        ox.Triple(page, DCT.modified, ox.Literal(record.last_changed, datatype=XSD.dateTime)),
    ]
    if record.original_url:
        with contextlib.suppress(ValueError):  # kept as text in the store: not an IRI we can state here
            triples.append(ox.Triple(page, PROV.wasDerivedFrom, ox.NamedNode(record.original_url)))
    if record.run:
        triples.append(ox.Triple(page, PROV.wasGeneratedBy, ox.NamedNode(record.run)))
    for listing in record.also_listed_in:
        other = ox.NamedNode(settings.base + page_path(listing.dataset_id))
        triples.append(ox.Triple(page, FEDCAT.alsoListedIn, other))
    return triples + range_types(triples)
