"""The public catalogue as DCAT-AP 3: the node's own `dcat:Catalog` plus every public record."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pyoxigraph as ox

from catalogue.config import Settings
from catalogue.datatypes import restore_datatypes
from catalogue.errors import UnsupportedFormat
from catalogue.public_datasets import PublicDatasets, public_dataset_iris
from catalogue.ranges import range_types
from catalogue.store import GraphStore, Row
from vocabularies.namespaces import DCAT, DCT, FOAF, HYDRA, PREFIXES, RDF, XSD

FORMATS: dict[str, tuple[ox.RdfFormat, str]] = {
    "ttl": (ox.RdfFormat.TURTLE, "text/turtle"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
    "rdf": (ox.RdfFormat.RDF_XML, "application/rdf+xml"),
    "nt": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
}

PUBLIC_RECORDS = """PREFIX fedcat: <https://w3id.org/fedcat/ns#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
CONSTRUCT { ?s ?p ?o } WHERE {
  GRAPH ?g { ?g fedcat:visibility "public" . ?s ?p ?o . FILTER(?s != ?g) }
}"""
PAGE_RECORDS = """PREFIX fedcat: <https://w3id.org/fedcat/ns#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?g ?d ?id WHERE {
  GRAPH ?g { VALUES ?d { $DATASETS$ } ?g foaf:primaryTopic ?d ; fedcat:visibility "public" .
             OPTIONAL { ?d dct:identifier ?id } }
}"""  # the VALUES inside GRAPH: outside, Oxigraph joins it after reading every public record (1 s at 100k)
PUBLIC_DATASETS = """PREFIX fedcat: <https://w3id.org/fedcat/ns#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?g ?d ?id WHERE {
  GRAPH ?g { ?g fedcat:visibility "public" ; foaf:primaryTopic ?d .
             OPTIONAL { ?d dct:identifier ?id } }
}"""


def catalog_triples(settings: Settings, datasets: list[ox.NamedNode]) -> list[ox.Triple]:
    """The node's own catalogue description, with what DCAT-AP and DCAT-AP-LU make mandatory."""
    cat = ox.NamedNode(f"{settings.base}/catalog")
    publisher = ox.NamedNode(settings.node.publisher_uri or f"{settings.base}/publisher")
    lang = settings.node.language
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    triples = [
        ox.Triple(cat, RDF.type, DCAT.Catalog),
        ox.Triple(cat, DCT.title, ox.Literal(settings.node.title, language=lang)),
        ox.Triple(cat, DCT.description, ox.Literal(settings.node.description, language=lang)),
        ox.Triple(cat, DCT.publisher, publisher),
        ox.Triple(cat, DCT.identifier, ox.Literal(f"{settings.base}/catalog")),
        ox.Triple(cat, DCT.modified, ox.Literal(now, datatype=XSD.dateTime)),
        ox.Triple(cat, FOAF.homepage, ox.NamedNode(settings.base + "/")),
        ox.Triple(publisher, RDF.type, FOAF.Agent),
        ox.Triple(publisher, RDF.type, FOAF.Organization),
        ox.Triple(publisher, FOAF.name, ox.Literal(settings.node.publisher_name, language=lang)),
    ]
    triples += [ox.Triple(cat, DCAT.dataset, d) for d in datasets]
    return triples


def public_triples(settings: Settings, store: GraphStore) -> Iterator[ox.Triple]:
    """Every triple of the public export: catalogue description first, then the records."""
    rows = store.select(PUBLIC_DATASETS)
    datasets = sorted({r["d"] for r in rows if isinstance(r["d"], ox.NamedNode)}, key=str)
    with_id = {r["d"] for r in rows if "id" in r}
    yield from catalog_triples(settings, datasets)
    # DCAT-AP-LU makes dct:identifier mandatory: records that lack one get their IRI.
    for d in datasets:
        if d not in with_id:
            yield ox.Triple(d, DCT.identifier, ox.Literal(d.value))
    records = store.construct(PUBLIC_RECORDS)
    yield from records
    # DCAT-AP-LU checks class ranges with sh:class and no inference: state the types the ranges entail.
    yield from range_types(records)


def catalogue_page(
    settings: Settings,
    store: GraphStore,
    page: int,
    page_size: int,
    page_url: str,
    datasets: PublicDatasets | None = None,
) -> list[ox.Triple]:
    """One Hydra page of the public catalogue: `page_size` datasets with their whole records.

    The datasets are the sorted public dataset IRIs (`datasets` keeps them between pages); only the page's own
    records are read.
    """
    iris = datasets.get(store) if datasets is not None else public_dataset_iris(store)
    total = len(iris)
    last = max(1, -(-total // page_size))
    chosen = [ox.NamedNode(d) for d in iris[(page - 1) * page_size : page * page_size]]
    rows = _page_records(store, chosen)
    # A list kept from before a harvest may name a dataset that is gone or private by now: leave it out.
    listed = {row["d"] for row in rows}
    triples = catalog_triples(settings, [d for d in chosen if d in listed])
    with_id = {row["d"] for row in rows if "id" in row}
    triples += [ox.Triple(d, DCT.identifier, ox.Literal(d.value)) for d in chosen if d in listed and d not in with_id]
    triples += _records_triples(store, sorted({row["g"].value for row in rows}))
    triples += range_types(triples)
    cat = ox.NamedNode(f"{settings.base}/catalog")
    view = ox.NamedNode(f"{page_url}?page={page}&page_size={page_size}")
    triples += [
        ox.Triple(cat, RDF.type, HYDRA.Collection),
        ox.Triple(cat, HYDRA.totalItems, ox.Literal(str(total), datatype=XSD.integer)),
        ox.Triple(cat, HYDRA.view, view),
        ox.Triple(view, RDF.type, HYDRA.PartialCollectionView),
        ox.Triple(view, HYDRA.first, ox.NamedNode(f"{page_url}?page=1&page_size={page_size}")),
        ox.Triple(view, HYDRA.last, ox.NamedNode(f"{page_url}?page={last}&page_size={page_size}")),
    ]
    if page < last:
        triples.append(ox.Triple(view, HYDRA.next, ox.NamedNode(f"{page_url}?page={page + 1}&page_size={page_size}")))
    if page > 1:
        triples.append(
            ox.Triple(view, HYDRA.previous, ox.NamedNode(f"{page_url}?page={page - 1}&page_size={page_size}"))
        )
    return triples


def _page_records(store: GraphStore, datasets: list[ox.NamedNode]) -> list[Row]:
    """The public record graphs of `datasets`, with their `dct:identifier` where they have one."""
    if not datasets:
        return []
    return store.select(PAGE_RECORDS.replace("$DATASETS$", " ".join(str(d) for d in datasets), 1))


def _records_triples(store: GraphStore, graphs: list[str]) -> list[ox.Triple]:
    """The triples of record graphs, without those about the graph itself (its provenance markers)."""
    # One query on a remote store, not one request per graph (a page of 1,000 took 12 s at 10,000 that way).
    return [q.triple for q in store.graph_quads(graphs) if q.subject != q.graph_name]


def serialize(triples: Iterator[ox.Triple] | list[ox.Triple], fmt: str) -> bytes:
    """Triples in one of `FORMATS` (ttl, jsonld, rdf, nt)."""
    if fmt not in FORMATS:
        raise UnsupportedFormat(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    rdf_format = FORMATS[fmt][0]
    triples = list(restore_datatypes(triples))
    prefixes = dict(PREFIXES) if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    if prefixes is not None:
        out = ox.serialize(triples, format=rdf_format, prefixes=prefixes)
    else:
        out = ox.serialize(triples, format=rdf_format)
    assert out is not None
    return out


def export_catalogue(settings: Settings, store: GraphStore, fmt: str) -> bytes:
    """The whole public catalogue serialised as `fmt`."""
    return serialize(list(public_triples(settings, store)), fmt)
