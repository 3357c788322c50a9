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

from catalogue.records import Statement, statements, terms
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
    return terms(normalise_statements(statements(triples)))


def normalise_statements(triples: list[Statement]) -> list[Statement]:
    """`normalise_record` on statements (the harvest's form); most records come back as they are."""
    rdf_type, distribution, has_distribution, fmt = RDF.type, DCAT.Distribution, DCAT.distribution, DCT_FORMAT
    rules, named, literal, make = RULES, ox.NamedNode, ox.Literal, tuple.__new__
    # One pass: the distributions, and the triples a rule may apply to.
    distributions = set()
    candidates: list[tuple[int, Statement, tuple[Normaliser, ox.NamedNode]]] = []
    for i, t in enumerate(triples):
        s, p, o = t
        rule = rules.get(p)
        if rule is not None:
            candidates.append((i, t, rule))
        elif p == has_distribution:
            distributions.add(o)
        elif p == rdf_type and o == distribution:
            distributions.add(s)
    replaced: dict[int, tuple[Statement, Statement]] = {}
    for i, (s, p, obj), rule in candidates:
        kind = type(obj)
        if kind is not named and kind is not literal:  # blank nodes (and quoted triples) are left as they are
            continue
        # dct:format means a file type only on a distribution; elsewhere (e.g. on a dct:Standard) leave it.
        if p == fmt and s not in distributions:
            continue
        value = obj.value  # type: ignore[union-attr]
        canonical = rule[0](value)
        if canonical is None or (kind is named and value == canonical):
            continue
        node = _NODES.get(canonical)
        if node is None:
            node = _NODES[canonical] = named(canonical)
        replaced[i] = (make(Statement, (s, p, node)), make(Statement, (s, rule[1], obj)))
    if not replaced:
        return triples
    out: list[Statement] = []
    for i, t in enumerate(triples):
        pair = replaced.get(i)
        if pair is None:
            out.append(t)
        else:
            out += pair
    # Two spellings of one value ("CSV", "csv") become one triple; a graph holds each triple once.
    return list(dict.fromkeys(out))


# The canonical IRIs as terms, built once: a vocabulary has a few hundred, records repeat them endlessly.
_NODES: dict[str, ox.NamedNode] = {}
