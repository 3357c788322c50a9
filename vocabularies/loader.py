"""The pinned vocabulary files, parsed once into lookup tables (labels, codes, aliases, notations)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from vocabularies.keys import iri_key, text_key
from vocabularies.namespaces import (
    EU_ACCESS_RIGHT,
    EU_FILE_TYPE,
    EU_FREQUENCY,
    EU_LANGUAGE,
    EU_LICENCE,
    EU_THEME,
    OWL,
    SKOS,
    Namespace,
)

DATA = Path(__file__).resolve().parent / "data"
DC_IDENTIFIER = ox.NamedNode("http://purl.org/dc/elements/1.1/identifier")

# Which files make up each vocabulary. Curated files come first: their notations are preferred.
FILES: dict[str, tuple[Namespace, tuple[str, ...]]] = {
    "file-type": (EU_FILE_TYPE, ("file-types-curated.ttl", "file-types.ttl")),
    "data-theme": (EU_THEME, ("data-themes-curated.ttl", "data-themes.ttl")),
    "frequency": (EU_FREQUENCY, ("frequencies-curated.ttl", "frequencies.ttl")),
    "language": (EU_LANGUAGE, ("languages-curated.ttl", "languages.ttl")),
    "licence": (EU_LICENCE, ("licences.ttl",)),
    "access-right": (EU_ACCESS_RIGHT, ("access-rights.ttl",)),
}


class Level(IntEnum):
    """How strongly a key names a concept; a key resolves at its strongest level, if unambiguous there."""

    CODE = 0
    PREF_LABEL = 1
    HIDDEN_LABEL = 2  # the curated aliases, and tie-breaks for notations shared by several concepts
    ALT_LABEL = 3
    NOTATION = 4


# Notations that are codes in their own right: ISO 639 "ga" must beat a language labelled "Ga".
CODE_NOTATIONS = frozenset({"ISO_639_1", "ISO_639_2B", "ISO_639_3"})

LEVELS = {
    DC_IDENTIFIER: Level.CODE,
    SKOS.prefLabel: Level.PREF_LABEL,
    SKOS.hiddenLabel: Level.HIDDEN_LABEL,
    SKOS.altLabel: Level.ALT_LABEL,
    SKOS.notation: Level.NOTATION,
}


@dataclass(frozen=True)
class Vocabulary:
    """One EU vocabulary as lookup tables; every value is a concept IRI string."""

    name: str
    namespace: str
    namespace_key: str  # iri_key of the namespace plus "/": where this vocabulary's codes live
    concepts: frozenset[str]
    deprecated: frozenset[str]
    by_key: dict[str, str]  # text_key of a code, label, alias or notation
    by_iri: dict[str, str]  # iri_key of the concept IRI or of an exact match
    ambiguous: frozenset[str]  # text keys several concepts claim at the same level
    notations: dict[str, dict[str, tuple[str, ...]]]  # concept -> notation type (local name) -> values
    curated_notations: frozenset[tuple[str, str]]  # (concept, notation type) given by a curated file
    labels: dict[str, dict[str, str]]  # concept -> language -> preferred label


def parse(path: Path) -> list[ox.Quad]:
    """The statements of one data file (all in the default graph)."""
    return list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


def _build(name: str, namespace: str, files: tuple[str, ...]) -> Vocabulary:
    """Parse `files`; index every code, label, alias, notation and exact match of the concepts."""
    candidates: dict[str, dict[Level, set[str]]] = defaultdict(lambda: defaultdict(set))
    concepts: set[str] = set()
    deprecated: set[str] = set()
    by_iri: dict[str, str] = {}
    notations: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    curated: set[tuple[str, str]] = set()
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    statements = [
        (f, q.subject.value, q.predicate, q.object)
        for f in files
        for q in parse(DATA / f)
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(namespace)
    ]
    for _, s, p, o in statements:
        if p == OWL.deprecated and isinstance(o, ox.Literal) and o.value == "true":
            deprecated.add(s)
    for file, s, p, o in statements:
        concepts.add(s)
        if p == SKOS.exactMatch and isinstance(o, ox.NamedNode):
            by_iri.setdefault(iri_key(o.value), s)
            continue
        level = LEVELS.get(p)
        if level is None or not isinstance(o, ox.Literal):
            continue
        if p == SKOS.prefLabel and o.language:
            labels[s].setdefault(o.language, o.value)
        if p == SKOS.notation:
            kind = o.datatype.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            notations[s][kind].append(o.value)
            if file.endswith("-curated.ttl"):
                curated.add((s, kind))
            if kind in CODE_NOTATIONS:
                level = Level.CODE
        # A deprecated concept keeps its own code, but no label or alias may lead anyone to it.
        if s not in deprecated or level is Level.CODE:
            candidates[text_key(o.value)][level].add(s)
    for concept in concepts:
        by_iri[iri_key(concept)] = concept
    by_key: dict[str, str] = {}
    ambiguous = set()
    for key, levels in candidates.items():
        found = levels[min(levels)]
        if len(found) == 1:
            by_key[key] = next(iter(found))
        else:
            ambiguous.add(key)
    return Vocabulary(
        name=name,
        namespace=namespace,
        namespace_key=iri_key(namespace) + "/",
        concepts=frozenset(concepts),
        deprecated=frozenset(deprecated),
        by_key=by_key,
        by_iri=by_iri,
        ambiguous=frozenset(ambiguous),
        notations={c: {k: tuple(dict.fromkeys(vs)) for k, vs in ks.items()} for c, ks in notations.items()},
        curated_notations=frozenset(curated),
        labels=dict(labels),
    )


@cache
def vocabulary(name: str) -> Vocabulary:
    """The vocabulary called `name` (a key of `FILES`), loaded on first use."""
    namespace, files = FILES[name]
    return _build(name, str(namespace), files)


@cache
def all_labels() -> dict[str, dict[str, str]]:
    """Labels of every concept of every vocabulary, by concept IRI."""
    out: dict[str, dict[str, str]] = {}
    for name in FILES:
        out.update(vocabulary(name).labels)
    return out


@cache
def concept_by_iri() -> dict[str, str]:
    """Every concept of every vocabulary by its `iri_key`."""
    out: dict[str, str] = {}
    for name in FILES:
        v = vocabulary(name)
        out.update({iri_key(c): c for c in v.concepts})
    return out
