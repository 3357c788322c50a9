"""DCAT-AP profile fix-ups after normalisation: literals where the profile wants a resource.

DCAT-AP gives properties such as dct:license or dct:format a class range. A source that wrote a literal we
could not map to a vocabulary IRI keeps its text, as the label of a resource of that class, so the record
conforms and nothing is lost. Values that mean "no licence" are dropped; `fedcat:original*` keeps them.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox

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


_TOUCHED = set(RANGES) | IRI_VALUED | {DCAT.downloadURL, DCAT.byteSize}


def _as_iri(value: str) -> ox.NamedNode | None:
    value = value.strip()
    if not value.startswith(("http://", "https://", "urn:", "mailto:")) or any(c in value for c in ' <>"{}|\\^`'):
        return None
    try:
        return ox.NamedNode(value)
    except ValueError:
        return None


def fix_profile(triples: list[ox.Triple], prefix: str) -> list[ox.Triple]:
    """All DCAT-AP fix-ups: IRIs written as literals, literal class values, missing access URLs."""
    predicates = {t.predicate for t in triples}
    if predicates.isdisjoint(_TOUCHED):
        return triples
    if not (predicates.isdisjoint(RANGES) and predicates.isdisjoint(IRI_VALUED)):
        triples = resource_ranges(triples, prefix)
    if DCAT.downloadURL in predicates:
        triples = _access_urls(triples)
    return _byte_sizes(triples) if DCAT.byteSize in predicates else triples


def _byte_sizes(triples: list[ox.Triple]) -> list[ox.Triple]:
    """dcat:byteSize as xsd:nonNegativeInteger when the source wrote a whole number in another type."""
    size, whole = DCAT.byteSize, XSD.nonNegativeInteger
    out = list(triples)
    for i, t in enumerate(triples):
        if t.predicate != size:
            continue
        obj = t.object
        if isinstance(obj, ox.Literal) and obj.datatype != whole:
            text = obj.value.strip().removesuffix(".0")
            if text.isdigit():
                out[i] = ox.Triple(t.subject, size, ox.Literal(str(int(text)), datatype=whole))
    return out


def _access_urls(triples: list[ox.Triple]) -> list[ox.Triple]:
    """DCAT: a distribution with a download URL but no access URL gets the download URL as access URL."""
    download = {t.subject: t.object for t in triples if t.predicate == DCAT.downloadURL}
    if not download:
        return triples
    have = {t.subject for t in triples if t.predicate == DCAT.accessURL}
    return triples + [ox.Triple(s, DCAT.accessURL, o) for s, o in download.items() if s not in have]


def resource_ranges(triples: list[ox.Triple], prefix: str) -> list[ox.Triple]:
    """Replace literal values of resource-valued properties by IRIs or by labelled resources under `prefix`."""
    if not any(
        (t.predicate in RANGES or t.predicate in IRI_VALUED) and isinstance(t.object, ox.Literal) for t in triples
    ):
        return triples
    out: list[ox.Triple] = []
    for t in triples:
        if not isinstance(t.object, ox.Literal):
            out.append(t)
            continue
        if t.predicate in IRI_VALUED:
            iri = _as_iri(t.object.value)
            if iri is not None:
                out.append(ox.Triple(t.subject, t.predicate, iri))
                continue
        rng = RANGES.get(t.predicate)
        if rng is None:
            out.append(t)
            continue
        cls, original = rng
        if original is not None:
            out.append(ox.Triple(t.subject, original, t.object))
        if t.predicate == DCT.license and t.object.value.strip().lower() in NO_LICENCE:
            continue
        digest = hashlib.blake2b(f"{t.predicate.value}\x00{t.object.value}".encode(), digest_size=8).hexdigest()
        node = ox.NamedNode(f"{prefix}value-{digest}")
        label = LABEL_BY_CLASS.get(cls) or (SKOS.prefLabel if cls in PREF_LABELLED else RDFS.label)
        out += [
            ox.Triple(t.subject, t.predicate, node),
            ox.Triple(node, RDF.type, cls),
            ox.Triple(node, label, t.object),
        ]
    return list(dict.fromkeys(out))
