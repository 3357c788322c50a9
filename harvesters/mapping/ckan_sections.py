"""Dataset sections of the CKAN mapping that read several fields at once: temporal and spatial
coverage, DCAT qualified relations with the HealthDCAT-AP structures, and CKAN groups."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from harvesters.mapping.ckan_fields import (
    boolean_literal,
    decimal_literal,
    duration_literal,
    iri,
    raw,
    records,
    site_iri,
    text,
    values,
)
from harvesters.mapping.ckan_geometry import geometry_literal
from harvesters.mapping.ckan_parts import Out, Subject, location, period
from harvesters.mapping.ckan_terms import DCAT, DCT, DQV, HEALTH, OA, RDF, SKOS

_EXTENSION_KEYS = frozenset(
    ("qualified_relation", "publisher_type", "trusted_data_holder", "retention_period", "quality_annotation")
)


def coverage(out: Out, ds: Subject, f: dict[str, Any]) -> None:
    """Temporal and spatial coverage, from scheming lists and from legacy extras."""
    if "temporal_coverage" in f:
        for item in records(f["temporal_coverage"]):
            period(out, ds, DCT.temporal, item.get("start"), item.get("end"))
    start, end = f.get("temporal_start"), f.get("temporal_end")
    if start is None and end is None and "temporal_coverage-from" in f:
        # INSPIRE harvests (ckanext-spatial) keep one-item JSON lists under "temporal_coverage-from/-to".
        start = next(iter(values(f["temporal_coverage-from"])), None)
        end = next(iter(values(f.get("temporal_coverage-to"))), None)
    if start is not None or end is not None:
        period(out, ds, DCT.temporal, start, end)
    if "temporal_resolution" in f:
        out.literal(ds, DCAT.temporalResolution, duration_literal(f["temporal_resolution"]))

    for item in records(f["spatial_coverage"]) if "spatial_coverage" in f else ():
        location(
            out,
            ds,
            item.get("uri"),
            item.get("text"),
            item.get("geom"),
            item.get("bbox"),
            item.get("centroid"),
        )
    geom, label, uri = f.get("spatial"), f.get("spatial_text"), f.get("spatial_uri")
    bbox, centroid = f.get("spatial_bbox"), f.get("spatial_centroid")
    if geom is not None or label is not None or uri is not None or bbox is not None or centroid is not None:
        if isinstance(geom, str) and label is None and geom[0] not in "{[" and geometry_literal(geom) is None:
            geom, label = None, geom  # some portals put a place name in "spatial"
        location(out, ds, uri, label, geom, bbox, centroid)
    if "spatial_resolution_in_meters" in f:
        for v in values(f["spatial_resolution_in_meters"]):
            out.literal(ds, DCAT.spatialResolutionInMeters, decimal_literal(v))


def extensions(out: Out, ds: Subject, f: dict[str, Any]) -> None:
    """DCAT qualified relations and the HealthDCAT-AP structures (retention, quality annotations)."""
    if _EXTENSION_KEYS.isdisjoint(f):
        return
    for item in records(f.get("qualified_relation")):
        related = raw(item.get("relation"))
        if related is None:
            continue
        node: Subject = iri(item.get("uri")) or ox.BlankNode()
        out.add(ds, DCAT.qualifiedRelation, node)
        out.add(node, RDF.type, DCAT.Relationship)
        out.add(node, DCT.relation, related)
        out.raw(node, DCAT.hadRole, item.get("role"))
    publisher_type = f.get("publisher_type")
    if isinstance(publisher_type, list):  # HealthDCAT-AP's; a string is the legacy publisher's dct:type
        out.raws(ds, HEALTH.publisherType, publisher_type)
    out.literal(ds, HEALTH.trustedDataHolder, boolean_literal(f.get("trusted_data_holder")))
    for item in records(f.get("retention_period")):
        period(out, ds, HEALTH.retentionPeriod, item.get("start"), item.get("end"))
    for item in records(f.get("quality_annotation")):
        body, target = iri(item.get("body")), iri(item.get("target"))
        if body is None or target is None:
            continue  # as in ckanext-dcat: an annotation needs both
        node = ox.BlankNode()
        out.add(ds, DQV.hasQualityAnnotation, node)
        out.add(node, RDF.type, OA.Annotation)
        out.add(node, OA.hasBody, body)
        out.add(node, OA.hasTarget, target)
        out.raw(node, OA.motivatedBy, item.get("motivated_by"))


def groups(out: Out, ds: Subject, items: Any, site: str) -> None:
    """CKAN groups as dct:subject skos:Concepts named by the source's group page. ckanext-dcat drops
    them; dcat:theme stays for the `theme` field, which normalisation maps to EU data themes."""
    if not isinstance(items, list):
        return
    for g in items:
        if not isinstance(g, dict):
            continue
        name = text(g.get("name"))
        title = text(g.get("title")) or text(g.get("display_name")) or name
        if name is None:
            if title is not None:
                out.add(ds, DCT.subject, ox.Literal(title))
            continue
        node = site_iri(site, "group", name)
        out.add(ds, DCT.subject, node)
        out.add(node, RDF.type, SKOS.Concept)
        if title is not None:
            out.add(node, SKOS.prefLabel, ox.Literal(title))
