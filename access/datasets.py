"""Datasets as the workflow sees them: looked up by public id in the full graph (restricted records too).

Datasets need an access request when their record is restricted (`fedcat:visibility "restricted"`) or their
access rights say RESTRICTED or NON_PUBLIC, even when the metadata itself is public;
the publisher (`dct:publisher`, its IRI and `foaf:name`s) says which stewards decide, and the metadata's DUO
codes and ODRL policies are the machine-readable conditions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from access.conditions import Conditions, from_triples
from catalogue.errors import NotFound
from catalogue.store import GraphStore

_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
QUERY = """PREFIX fedcat: <https://w3id.org/fedcat/ns#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?g ?d ?visibility WHERE {
  GRAPH ?g { ?g fedcat:datasetId %s ; foaf:primaryTopic ?d ; fedcat:visibility ?visibility }
} ORDER BY ?g LIMIT 1"""
DCT = "http://purl.org/dc/terms/"
FOAF_NAME = "http://xmlns.com/foaf/0.1/name"


@dataclass(frozen=True)
class DatasetInfo:
    """What a request needs to know about one dataset."""

    dataset_id: str
    iri: str
    title: str | None
    restricted: bool
    publisher_iri: str | None
    publisher_names: tuple[str, ...]
    conditions: Conditions

    @property
    def publisher_name(self) -> str | None:
        return self.publisher_names[0] if self.publisher_names else None


# Public metadata can still describe data that is not public: access rights say so.
_GUARDED = {
    "http://publications.europa.eu/resource/authority/access-right/RESTRICTED",
    "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC",
}


def _access_restricted(about: list[ox.Triple]) -> bool:
    return any(
        t.predicate.value == DCT + "accessRights" and isinstance(t.object, ox.NamedNode) and t.object.value in _GUARDED
        for t in about
    )


def _pick(literals: list[ox.Literal]) -> list[str]:
    # English first, then untagged, then the rest: the first one is what lists show.
    def rank(lit: ox.Literal) -> tuple[int, str]:
        lang = lit.language or ""
        return (0 if lang.startswith("en") else 1 if not lang else 2, lit.value)

    return [lit.value for lit in sorted(literals, key=rank)]


def lookup(store: GraphStore, dataset_id: str) -> DatasetInfo:
    """The dataset with public id `dataset_id`; `NotFound` when there is none."""
    if not _ID.match(dataset_id):
        raise NotFound(f"no dataset with id {dataset_id!r}")
    rows = store.select(QUERY % ox.Literal(dataset_id))
    if not rows or not isinstance(rows[0]["d"], ox.NamedNode):
        raise NotFound(f"no dataset with id {dataset_id!r}")
    graph, dataset = rows[0]["g"].value, rows[0]["d"].value
    triples = store.graph_triples(graph)
    node = ox.NamedNode(dataset)
    about = [t for t in triples if t.subject == node]
    titles = _pick([t.object for t in about if t.predicate.value == DCT + "title" and isinstance(t.object, ox.Literal)])
    publishers = [t.object for t in about if t.predicate.value == DCT + "publisher"]
    publisher_iri = None
    names: list[str] = []
    if publishers:
        agent = publishers[0]
        if isinstance(agent, ox.NamedNode) and "/.well-known/genid/" not in agent.value:
            publisher_iri = agent.value  # a skolemised blank node is no real identifier of the publisher
        names = _pick(
            [
                t.object
                for t in triples
                if t.subject == agent and t.predicate.value == FOAF_NAME and isinstance(t.object, ox.Literal)
            ]
        )
    return DatasetInfo(
        dataset_id=dataset_id,
        iri=dataset,
        title=titles[0] if titles else None,
        restricted=rows[0]["visibility"].value == "restricted" or _access_restricted(about),
        publisher_iri=publisher_iri,
        publisher_names=tuple(dict.fromkeys(names)),
        conditions=from_triples(dataset, triples),
    )
