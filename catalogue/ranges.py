"""State the classes DCAT-AP's property ranges entail, for validators that run without inference.

DCAT-AP gives properties such as `dct:language` or `dcat:theme` a class range, and DCAT-AP-LU checks them
with `sh:class`. A source that writes `dct:language <.../language/ENG>` has thereby said (by RDFS) that the
value is a `dct:LinguisticSystem`, but a SHACL engine without inference does not know it. Output adds those
`rdf:type` triples, and a `skos:prefLabel` for concepts (both profiles make it mandatory), so records conform
without changing anything a source said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox

from vocabularies.namespaces import ADMS, DCAT, DCATAP, DCT, FOAF, ODRL, PROV, RDF, SKOS, VCARD, Namespace
from vocabularies.normalise import labels

ELI = Namespace("http://data.europa.eu/eli/ontology#")
DPV = Namespace("https://w3id.org/dpv#")

# Range classes whose DCAT-AP 3 shapes ask nothing we cannot supply (foaf:Agent asks for foaf:name, which
# every harvested publisher carries; skos:Concept asks for skos:prefLabel, which we add). Ranges such as
# dcat:Dataset, dcat:Distribution, dcat:DataService or dcat:DatasetSeries are left out on purpose: typing a
# value with them would hold it to shapes (title, access URL, endpoint URL) its source never meant it to meet.
RANGE_CLASSES: dict[ox.NamedNode, ox.NamedNode] = {
    DCT.publisher: FOAF.Agent,
    DCT.creator: FOAF.Agent,
    DCAT.contactPoint: VCARD.Kind,
    DCAT.landingPage: FOAF.Document,
    FOAF.page: FOAF.Document,
    DCAT.theme: SKOS.Concept,
    DCT.type: SKOS.Concept,
    ADMS.status: SKOS.Concept,
    DCATAP.availability: SKOS.Concept,
    DCT.language: DCT.LinguisticSystem,
    DCT.license: DCT.LicenseDocument,
    DCT.rights: DCT.RightsStatement,
    DCT.accessRights: DCT.RightsStatement,
    DCT.accrualPeriodicity: DCT.Frequency,
    DCT["format"]: DCT.MediaTypeOrExtent,
    DCAT.mediaType: DCT.MediaType,
    DCAT.compressFormat: DCT.MediaType,
    DCAT.packageFormat: DCT.MediaType,
    DCT.spatial: DCT.Location,
    DCT.temporal: DCT.PeriodOfTime,
    DCT.conformsTo: DCT.Standard,
    DCT.provenance: DCT.ProvenanceStatement,
    DCATAP.applicableLegislation: ELI.LegalResource,
    PROV.qualifiedAttribution: PROV.Attribution,
    PROV.wasGeneratedBy: PROV.Activity,
    ODRL.hasPolicy: ODRL.Policy,
    ADMS.identifier: ADMS.Identifier,
    DPV.hasData: DPV.Data,
}

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
Node = ox.NamedNode | ox.BlankNode


def code_label(iri: str) -> str:
    """A readable label from an IRI's last segment ("NationalAuthority" -> "National authority")."""
    code = re.split(r"[/#]", iri.rstrip("/#"))[-1]
    words = _CAMEL.sub(" ", code).replace("_", " ").strip()
    return words[:1].upper() + words[1:].lower() if words else iri


def concept_labels(node: Node) -> list[ox.Literal]:
    """`skos:prefLabel`s for a concept: the pinned vocabulary's labels, else one made from its code.

    The code fallback (no language tag: a code is in no language) covers vocabularies fedcat does not pin,
    such as the ADMS publisher types or the EU dataset types, whose codes are readable words.
    """
    if isinstance(node, ox.BlankNode):
        return []
    found = labels(node.value)
    if found:
        return [ox.Literal(text, language=lang) for lang, text in sorted(found.items())]
    return [ox.Literal(code_label(node.value))]


def range_types(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """The `rdf:type` (and concept label) triples that DCAT-AP's ranges entail and `triples` do not state."""
    typed: set[tuple[Node, ox.NamedNode]] = set()
    labelled: set[Node] = set()
    needed: dict[Node, set[ox.NamedNode]] = {}
    for t in triples:
        if t.predicate == RDF.type and isinstance(t.object, ox.NamedNode):
            typed.add((t.subject, t.object))  # type: ignore[arg-type]
        elif t.predicate == SKOS.prefLabel:
            labelled.add(t.subject)  # type: ignore[arg-type]
        else:
            cls = RANGE_CLASSES.get(t.predicate)
            if cls is not None and isinstance(t.object, ox.NamedNode | ox.BlankNode):
                needed.setdefault(t.object, set()).add(cls)
    out: list[ox.Triple] = []
    for node in sorted(needed, key=str):
        classes = sorted(needed[node], key=str)
        out += [ox.Triple(node, RDF.type, cls) for cls in classes if (node, cls) not in typed]
        if SKOS.Concept in needed[node] and node not in labelled:
            out += [ox.Triple(node, SKOS.prefLabel, label) for label in concept_labels(node)]
    return out
