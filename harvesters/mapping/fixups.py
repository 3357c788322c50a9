"""DCAT-AP profile fix-ups after normalisation: literals where the profile wants a resource.

DCAT-AP gives properties such as dct:license or dct:format a class range. A source that wrote a literal we
could not map to a vocabulary IRI keeps its text, as the label of a resource of that class, so the record
conforms and nothing is lost. Values that mean "no licence" are dropped; `fedcat:original*` keeps them.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox

from catalogue.records import Statement
from vocabularies.namespaces import ADMS, DCAT, DCATAP, DCT, FEDCAT, FOAF, RDF, RDFS, SKOS, XSD

RANGES: dict[ox.NamedNode, tuple[ox.NamedNode, ox.NamedNode | None]] = {
    DCT.license: (DCT.LicenseDocument, FEDCAT.originalLicense),
    DCT["format"]: (DCT.MediaTypeOrExtent, FEDCAT.originalFormat),
    DCAT.mediaType: (DCT.MediaType, FEDCAT.originalMediaType),
    DCT.language: (DCT.LinguisticSystem, FEDCAT.originalLanguage),
    DCT.accrualPeriodicity: (DCT.Frequency, FEDCAT.originalFrequency),
    DCT.accessRights: (DCT.RightsStatement, FEDCAT.originalAccessRights),
    DCAT.theme: (SKOS.Concept, FEDCAT.originalTheme),
    DCT.rights: (DCT.RightsStatement, None),
    DCT.conformsTo: (DCT.Standard, None),
    DCT.spatial: (DCT.Location, None),
    DCAT.endpointDescription: (RDFS.Resource, None),
    DCT.isReferencedBy: (RDFS.Resource, None),
    DCT.provenance: (DCT.ProvenanceStatement, None),
    DCT.type: (SKOS.Concept, None),
    ADMS.identifier: (ADMS.Identifier, None),
}
# Classes whose DCAT-AP shape asks for skos:prefLabel rather than any label.
PREF_LABELLED = {SKOS.Concept, DCT.Location}
LABEL_BY_CLASS = {ADMS.Identifier: SKOS.notation}
# Properties whose value must be a resource: an absolute IRI written as a literal becomes that IRI.
IRI_VALUED = {
    DCAT.accessURL,
    DCAT.downloadURL,
    DCAT.landingPage,
    FOAF.page,
    FOAF.homepage,
    DCT.isReferencedBy,
    DCAT.endpointURL,
    DCAT.compressFormat,
    DCAT.packageFormat,
    DCATAP.availability,
    DCT.relation,
    DCT.source,
    DCT.hasVersion,
    DCT.isVersionOf,
    DCT.references,
    DCT.conformsTo,
}
NO_LICENCE = {"notspecified", "not specified", "none", "other", "unknown", "license not specified"}


_RESOURCE_VALUED = set(RANGES) | IRI_VALUED  # includes dcat:downloadURL


def _as_iri(value: str) -> ox.NamedNode | None:
    value = value.strip()
    if not value.startswith(("http://", "https://", "urn:", "mailto:")) or any(c in value for c in ' <>"{}|\\^`'):
        return None
    try:
        return ox.NamedNode(value)
    except ValueError:
        return None


def fix_profile(triples: list[Statement], prefix: str) -> list[Statement]:
    """All DCAT-AP fix-ups: IRIs written as literals, literal class values, missing access URLs."""
    literal, resource_valued, download, size = ox.Literal, _RESOURCE_VALUED, DCAT.downloadURL, DCAT.byteSize
    # One pass tells which fix-ups have work; most records need none or one.
    ranges = downloads = sizes = False
    for _, p, o in triples:
        if p in resource_valued:
            if type(o) is literal:
                ranges = True
            if p == download:
                downloads = True
        elif p == size:
            sizes = True
    if ranges:
        triples = _ranges(triples, prefix)
    if downloads:
        triples = _access_urls(triples)
    return _byte_sizes(triples) if sizes else triples


def _byte_sizes(triples: list[Statement]) -> list[Statement]:
    """dcat:byteSize as xsd:nonNegativeInteger when the source wrote a whole number in another type."""
    size, whole = DCAT.byteSize, XSD.nonNegativeInteger
    out = triples
    for i, (s, p, o) in enumerate(triples):
        if p != size:
            continue
        if type(o) is ox.Literal and o.datatype != whole:
            text = o.value.strip().removesuffix(".0")
            if text.isdigit():
                if out is triples:
                    out = list(triples)
                out[i] = Statement(s, size, ox.Literal(str(int(text)), datatype=whole))
    return out


def _access_urls(triples: list[Statement]) -> list[Statement]:
    """DCAT: a distribution with a download URL but no access URL gets the download URL as access URL."""
    download_url, access_url = DCAT.downloadURL, DCAT.accessURL
    download = {s: o for s, p, o in triples if p == download_url}
    if not download:
        return triples
    have = {s for s, p, _ in triples if p == access_url}
    return triples + [Statement(s, access_url, o) for s, o in download.items() if s not in have]


def resource_ranges(triples: list[Statement], prefix: str) -> list[Statement]:
    """Replace literal values of resource-valued properties by IRIs or by labelled resources under `prefix`."""
    if not any(p in _RESOURCE_VALUED and type(o) is ox.Literal for _, p, o in triples):
        return triples
    return _ranges(triples, prefix)


def _ranges(triples: list[Statement], prefix: str) -> list[Statement]:
    literal, iri_valued, ranges, licence = ox.Literal, IRI_VALUED, RANGES, DCT.license
    out: list[Statement] = []
    for t in triples:
        s, p, o = t
        if type(o) is not literal:
            out.append(t)
            continue
        value = o.value
        if p in iri_valued:
            iri = _as_iri(value)
            if iri is not None:
                out.append(Statement(s, p, iri))
                continue
        rng = ranges.get(p)
        if rng is None:
            out.append(t)
            continue
        cls, original = rng
        if original is not None:
            out.append(Statement(s, original, o))
        if p == licence and value.strip().lower() in NO_LICENCE:
            continue
        digest = hashlib.blake2b(f"{p.value}\x00{value}".encode(), digest_size=8).hexdigest()
        node = ox.NamedNode(f"{prefix}value-{digest}")
        label = LABEL_BY_CLASS.get(cls) or (SKOS.prefLabel if cls in PREF_LABELLED else RDFS.label)
        out += [Statement(s, p, node), Statement(node, RDF.type, cls), Statement(node, label, o)]
    return list(dict.fromkeys(out))
