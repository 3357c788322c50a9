"""CKAN resources to dcat:Distribution (and their dcat:DataService access services), following
ckanext-dcat's DCAT-AP 3 profile. Formats, media types, licences and languages stay raw: the
normalisation pass maps them to EU vocabularies later."""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox

from harvesters.mapping.ckan_fields import (
    count_literal,
    decimal_literal,
    duration_literal,
    iri,
    literals,
    raw,
    records,
    segment,
    text,
    values,
)
from harvesters.mapping.ckan_parts import (
    Object,
    Out,
    Subject,
    agent,
    checksum,
    contact_point,
    period,
    statement,
)
from harvesters.mapping.ckan_terms import ADMS, DCAT, DCATAP, DCT, FOAF, HEALTH, RDF

# "text/csv" in a CKAN format field is a media type, not a format name.
_MEDIA_TYPE = re.compile(r"[a-z]+/[a-z0-9][a-z0-9!#$&^_.+-]*\Z", re.IGNORECASE)

# Resource fields whose items are kept as written (IRI or literal), one triple each.
_RAW_LISTS = (
    ("language", DCT.language),
    ("conforms_to", DCT.conformsTo),
    ("documentation", FOAF.page),
    ("applicable_legislation", DCATAP.applicableLegislation),
)
_RAW_SINGLE = (
    ("status", ADMS.status),
    ("availability", DCATAP.availability),
    ("compress_format", DCAT.compressFormat),
    ("package_format", DCAT.packageFormat),
)


def distribution(out: Out, dataset: Subject, res: Any, base: str, licence: Object | None) -> None:
    """Add one resource as a dcat:Distribution of `dataset`. `base` is the package's IRI on its CKAN
    site (`{site}/dataset/{id}`), under which resources are named as ckanext-dcat names them;
    `licence` is the package's, used when the resource has none. Deleted and malformed resources
    are skipped."""
    if not isinstance(res, dict) or res.get("state") == "deleted":
        return
    get = res.get
    rid = text(get("id"))
    node: Subject | None = iri(get("uri"))
    if node is None:
        # No id (hand-made dicts): a blank node, which skolemisation names by its content.
        node = ox.NamedNode(f"{base}/resource/{segment(rid)}") if rid else ox.BlankNode()
    out.add(dataset, DCAT.distribution, node)
    out.add(node, RDF.type, DCAT.Distribution)
    out.texts(node, DCT.title, get("name"), get("name_translated"))
    out.texts(node, DCT.description, get("description"), get("description_translated"))

    url = _url(get("url"), res, base, rid)
    access = iri(get("access_url"), web=True) or url
    if access is not None:
        out.add(node, DCAT.accessURL, access)
    download = iri(get("download_url"), web=True)
    if download is None and get("url_type") == "upload":
        download = url  # an uploaded file: the URL is the file itself
    if download is not None:
        out.add(node, DCAT.downloadURL, download)

    fmt = text(get("format"))
    mimetype = text(get("mimetype"))
    if fmt is not None:
        out.raw(node, DCT.format, fmt)
        if mimetype is None and _MEDIA_TYPE.match(fmt):
            mimetype = fmt
    if mimetype is not None:
        out.raw(node, DCAT.mediaType, mimetype)
    value = get("size")
    if value is not None:
        out.literal(node, DCAT.byteSize, count_literal(value))
    value = get("hash")
    if value:
        checksum(out, node, value, get("hash_algorithm"))
    out.date(node, DCT.issued, get("issued"), get("created"))
    out.date(node, DCT.modified, get("modified"), get("last_modified"))

    value = get("license")
    if value:
        licence = raw(value) or licence
    if licence is not None:
        out.add(node, DCT.license, licence)
    value = get("rights")
    if value:
        statement(out, node, DCT.rights, value, DCT.RightsStatement)
    for key, predicate in _RAW_LISTS:
        value = get(key)
        if value:
            out.raws(node, predicate, value)
    for key, predicate in _RAW_SINGLE:
        value = get(key)
        if value:
            out.raw(node, predicate, value)
    value = get("temporal_resolution")
    if value:
        out.literal(node, DCAT.temporalResolution, duration_literal(value))
    value = get("spatial_resolution_in_meters")
    if value:
        for v in values(value):
            out.literal(node, DCAT.spatialResolutionInMeters, decimal_literal(v))
    value = get("retention_period")
    if value:
        for item in records(value):
            period(out, node, HEALTH.retentionPeriod, item.get("start"), item.get("end"))
    value = get("access_services")
    if value:
        for item in records(value):
            access_service(out, node, item)


def _url(value: Any, res: dict[str, Any], base: str, rid: str | None) -> ox.NamedNode | None:
    u = iri(value, web=True)
    if u is not None or rid is None:
        return u
    name = text(value)
    if name is not None and res.get("url_type") == "upload" and "/" not in name and ":" not in name:
        # Older CKANs (and some dumps) keep only the file name of an upload; CKAN serves it here.
        return ox.NamedNode(f"{base}/resource/{segment(rid)}/download/{segment(name)}")
    return None


def access_service(out: Out, distribution: Subject, d: dict[str, Any]) -> None:
    """A dcat:accessService dcat:DataService, unless every field of it is empty."""
    node = iri(d.get("uri"))
    titles = literals(d.get("title"), d.get("title_translated"))
    endpoints = [e for e in map(iri, values(d.get("endpoint_url"))) if e is not None]
    if node is None and not titles and not endpoints:
        return
    ref: Subject = node if node is not None else ox.BlankNode()
    out.add(distribution, DCAT.accessService, ref)
    out.add(ref, RDF.type, DCAT.DataService)
    out.all(ref, DCT.title, titles)
    out.texts(ref, DCT.description, d.get("description"), d.get("description_translated"))
    out.all(ref, DCAT.endpointURL, endpoints)
    out.raw(ref, DCAT.endpointDescription, d.get("endpoint_description"))
    out.raws(ref, DCAT.servesDataset, d.get("serves_dataset"))
    out.raw(ref, DCT.accessRights, d.get("access_rights"))
    out.raw(ref, DCT.license, d.get("license"))
    out.raw(ref, DCATAP.availability, d.get("availability"))
    for key, predicate in (
        ("conforms_to", DCT.conformsTo),
        ("format", DCT.format),
        ("language", DCT.language),
        ("theme", DCAT.theme),
        ("landing_page", DCAT.landingPage),
        ("applicable_legislation", DCATAP.applicableLegislation),
    ):
        out.raws(ref, predicate, d.get(key))
    for keyword in values(d.get("keyword")):
        out.texts(ref, DCAT.keyword, keyword)
    for rights in values(d.get("rights")):
        statement(out, ref, DCT.rights, rights, DCT.RightsStatement)
    identifier = text(d.get("identifier"))
    if identifier is not None:
        out.add(ref, DCT.identifier, ox.Literal(identifier))
    out.date(ref, DCT.modified, d.get("modified"))
    for c in records(d.get("contact")):
        contact_point(out, ref, c)
    for p in records(d.get("publisher"))[:1]:
        agent(out, ref, DCT.publisher, p, organization=True)
    for c in records(d.get("creator")):
        agent(out, ref, DCT.creator, c)
