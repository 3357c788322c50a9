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
    rules, named, literal = RULES, ox.NamedNode, ox.Literal
    # One pass reads each triple's terms once (every read builds a new Python object): the distributions,
    # and the triples a rule may apply to; most records need no change and are returned as they are.
    distributions = set()
    candidates: list[tuple[int, ox.Triple, ox.NamedNode, tuple[Normaliser, ox.NamedNode]]] = []
    for i, t in enumerate(triples):
        p = t.predicate
        rule = rules.get(p)
        if rule is not None:
            candidates.append((i, t, p, rule))
        elif p == has_distribution:
            distributions.add(t.object)
        elif p == rdf_type and t.object == distribution:
            distributions.add(t.subject)
    replaced: dict[int, tuple[ox.Triple, ox.Triple]] = {}
    for i, t, p, rule in candidates:
        obj = t.object
        kind = type(obj)
        if not isinstance(obj, named | literal):  # blank nodes (and quoted triples) are left as they are
            continue
        # dct:format means a file type only on a distribution; elsewhere (e.g. on a dct:Standard) leave it.
        if p == fmt and t.subject not in distributions:
            continue
        canonical = rule[0](obj.value)
        if canonical is None or (kind is named and obj.value == canonical):
            continue
        replaced[i] = (ox.Triple(t.subject, p, named(canonical)), ox.Triple(t.subject, rule[1], obj))
    if not replaced:
        return triples
    out: list[ox.Triple] = []
    for i, t in enumerate(triples):
        pair = replaced.get(i)
        if pair is None:
            out.append(t)
        else:
            out += pair
    # Two spellings of one value ("CSV", "csv") become one triple; a graph holds each triple once.
    return list(dict.fromkeys(out))
