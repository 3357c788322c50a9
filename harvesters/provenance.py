"""PROV-O description of harvest runs and of the sources they harvest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyoxigraph as ox

from catalogue.config import SourceConfig
from catalogue.records import Statement, source_iri
from vocabularies.namespaces import DCAT, DCT, FEDCAT, FOAF, PROV, RDF, XSD

if TYPE_CHECKING:
    from harvesters.run import SourceRun


def run_triples(
    base: str, source: SourceConfig, run: SourceRun, catalog: Sequence[Statement | ox.Triple]
) -> list[ox.Triple]:
    """The run as a `prov:Activity` plus the source as a `dcat:Catalog` (with what its own catalogue said)."""
    src = ox.NamedNode(source_iri(base, source.name))
    act = ox.NamedNode(run.run)
    dt = XSD.dateTime
    triples = [
        ox.Triple(src, RDF.type, DCAT.Catalog),
        ox.Triple(src, RDF.type, PROV.Entity),
        ox.Triple(src, FEDCAT.sourceName, ox.Literal(source.name)),
        ox.Triple(src, FEDCAT.harvesterKind, ox.Literal(source.kind)),
        ox.Triple(act, RDF.type, PROV.Activity),
        ox.Triple(act, RDF.type, FEDCAT.HarvestRun),
        ox.Triple(act, PROV.used, src),
        ox.Triple(act, PROV.startedAtTime, ox.Literal(run.started, datatype=dt)),
        ox.Triple(act, PROV.endedAtTime, ox.Literal(run.ended, datatype=dt)),
        ox.Triple(act, FEDCAT.status, ox.Literal(run.status)),
        ox.Triple(act, FEDCAT.complete, ox.Literal(str(run.complete).lower(), datatype=XSD.boolean)),
    ]
    try:
        triples.append(ox.Triple(src, FOAF.homepage, ox.NamedNode(source.url)))
    except ValueError:
        triples.append(ox.Triple(src, DCT.source, ox.Literal(source.url)))
    for name, value in run.counts.items():
        prop = FEDCAT["records" + name.capitalize()]
        triples.append(ox.Triple(act, prop, ox.Literal(str(value), datatype=XSD.integer)))
    if run.error:
        triples.append(ox.Triple(act, FEDCAT.error, ox.Literal(str(run.error.get("detail", "")))))
    # The source's own catalogue description, re-attached to our source node.
    for t in catalog:
        if isinstance(t.subject, ox.NamedNode) and t.predicate != RDF.type and isinstance(t.object, ox.Literal):
            triples.append(ox.Triple(src, t.predicate, t.object))
    return triples
