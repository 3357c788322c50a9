"""Normalise a harvested record's coded values to the EU vocabularies, keeping what the source wrote.

For dct:format (of distributions), dcat:mediaType, dct:license, dct:language, dcat:theme,
dct:accrualPeriodicity and dct:accessRights: a literal or non-canonical IRI that `vocabularies.normalise`
recognises is replaced by the canonical EU (or IANA) IRI, and the original value is kept, unchanged, under
the matching `fedcat:original*` property. Canonical IRIs, blank nodes and unrecognised values stay as they
are. Nothing is invented: a distribution without dcat:mediaType gets none, whatever its format.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from vocabularies import normalise as vocab
from vocabularies.namespaces import DCAT, DCT, FEDCAT, RDF

Normaliser = Callable[[str], str | None]

# DCT["format"], not DCT.format: a Namespace is a str, and `.format` is str.format.
DCT_FORMAT = DCT["format"]

RULES: dict[ox.NamedNode, tuple[Normaliser, ox.NamedNode]] = {
    DCT_FORMAT: (vocab.file_type, FEDCAT.originalFormat),
    DCAT.mediaType: (vocab.media_type, FEDCAT.originalMediaType),
    DCT.license: (vocab.licence, FEDCAT.originalLicense),
    DCT.language: (vocab.language, FEDCAT.originalLanguage),
    DCAT.theme: (vocab.theme, FEDCAT.originalTheme),
    DCT.accrualPeriodicity: (vocab.frequency, FEDCAT.originalFrequency),
    DCT.accessRights: (vocab.access_right, FEDCAT.originalAccessRights),
}


def normalise_record(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The record's triples with coded values normalised and their originals kept; idempotent."""
    rdf_type, distribution, has_distribution, fmt = RDF.type, DCAT.Distribution, DCAT.distribution, DCT_FORMAT
    # dct:format means a file type only on a distribution; elsewhere (e.g. on a dct:Standard) leave it.
    distributions = {t.object for t in triples if t.predicate == has_distribution}
    distributions.update(t.subject for t in triples if t.predicate == rdf_type and t.object == distribution)
    out: list[ox.Triple] = []
    changed = False
    for t in triples:
        rule = RULES.get(t.predicate)
        obj = t.object
        if rule is None or not isinstance(obj, (ox.NamedNode, ox.Literal)):
            out.append(t)
            continue
        if t.predicate == fmt and t.subject not in distributions:
            out.append(t)
            continue
        canonical = rule[0](obj.value)
        if canonical is None or (isinstance(obj, ox.NamedNode) and obj.value == canonical):
            out.append(t)
            continue
        out.append(ox.Triple(t.subject, t.predicate, ox.NamedNode(canonical)))
        out.append(ox.Triple(t.subject, rule[1], obj))
        changed = True
    # Two spellings of one value ("CSV", "csv") become one triple; a graph holds each triple once.
    return list(dict.fromkeys(out)) if changed else out
