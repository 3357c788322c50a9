"""Rebuild the derived vocabulary files in `vocabularies/data/` from the pinned EU Named Authority Lists.

Run from the repository root: `python -m vocabularies.build_vocabularies`. It reads the EU Publications
Office NALs copied under `../shared/reference` (or `$FEDCAT_REFERENCE`) and writes compact Turtle with only
what fedcat uses at run time: concept IRIs, authority codes, labels in en/fr/de/lb, notations (media types,
file extensions) and exact matches. The curated `*-curated.ttl` files, `licences.ttl`, `access-rights.ttl`
and `fedcat.ttl` are written by hand and never touched here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from vocabularies.namespaces import EU_AUTHORITY, EU_FILE_TYPE, EU_FREQUENCY, EU_LANGUAGE, EU_THEME

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("FEDCAT_REFERENCE", ROOT.parent / "shared" / "reference"))
DATA = Path(__file__).resolve().parent / "data"
SEMIC = REFERENCE / "SEMICeu-dcat-ap_shacl" / "resources"
DCATAPIT = REFERENCE / "ckanext-dcatapit" / "vocabularies"

LANGS = ("en", "fr", "de", "lb")
AT = "http://publications.europa.eu/ontology/authority/"
EUVOC = "http://publications.europa.eu/ontology/euvoc#"
NOTATION_TYPE = EU_AUTHORITY + "notation-type/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
DC = "http://purl.org/dc/elements/1.1/"
DCT = "http://purl.org/dc/terms/"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")

# Notation types worth keeping: the IANA media type and the file extension. The Cellar/EUDOR codes
# are internal to the Publications Office and PUB_FREQ letters are too terse to match anything safely.
KEPT_NOTATIONS = ("IANA_MT", "FILE_EXT")
# "Provisional data": a placeholder concept every NAL carries; it is nobody's real value.
PLACEHOLDER = "OP_DATPRO"

PREFIXES = {
    "dc": DC,
    "owl": OWL,
    "skos": SKOS,
    "nt": NOTATION_TYPE,
    "ft": str(EU_FILE_TYPE),
    "theme": str(EU_THEME),
    "freq": str(EU_FREQUENCY),
    "lang": str(EU_LANGUAGE),
    "cldfreq": "http://purl.org/cld/freq/",
}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _load(path: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.RDF_XML)
    return store


Object = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _objects(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list[Object]:
    return [q.object for q in store.quads_for_pattern(subject, _n(predicate), None)]


def _concepts(store: ox.Store, namespace: str) -> list[ox.NamedNode]:
    found = {q.subject for q in store.quads_for_pattern(None, RDF_TYPE, _n(SKOS + "Concept"))}
    return sorted(
        (c for c in found if isinstance(c, ox.NamedNode) and c.value.startswith(namespace)),
        key=lambda c: c.value,
    )


def _code(concept: ox.NamedNode) -> str:
    return concept.value.rsplit("/", 1)[1]


def _values(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list[str]:
    """The lexical values of `subject`'s IRI and literal `predicate` objects."""
    objects = _objects(store, subject, predicate)
    return [o.value for o in objects if isinstance(o, (ox.NamedNode, ox.Literal))]


def _deprecated(store: ox.Store, concept: ox.NamedNode) -> bool:
    """Whether the NAL marks `concept` deprecated (at:deprecated "true")."""
    return "true" in _values(store, concept, AT + "deprecated")


def _labels(store: ox.Store, concept: ox.NamedNode | ox.BlankNode, predicate: str) -> list[ox.Literal]:
    """The `predicate` literals of `concept` in the languages fedcat keeps."""
    return [o for o in _objects(store, concept, predicate) if isinstance(o, ox.Literal) and o.language in LANGS]


def _xl_alt_labels(store: ox.Store, concept: ox.NamedNode) -> list[ox.Literal]:
    """SKOS-XL alternative labels (e.g. "Comma-Separated Values"), flattened to plain literals."""
    out: list[ox.Literal] = []
    for label in _objects(store, concept, SKOSXL + "altLabel"):
        if isinstance(label, ox.BlankNode):
            out += _labels(store, label, SKOSXL + "literalForm")
    return out


def _notations(store: ox.Store, concept: ox.NamedNode) -> Iterator[tuple[str, str]]:
    """(notation type, value) pairs from the euvoc:xlNotation nodes, source order."""
    for node in _objects(store, concept, EUVOC + "xlNotation"):
        if not isinstance(node, ox.BlankNode):
            continue
        kinds = [v.rsplit("/", 1)[1] for v in _values(store, node, DCT + "type")]
        values = _values(store, node, EUVOC + "xlCodification")
        for kind in kinds:
            if kind in KEPT_NOTATIONS:
                for value in values:
                    # One source value is ".gml .xml" and some extensions lack their dot.
                    for part in value.split():
                        yield kind, ("." + part.lstrip(".") if kind == "FILE_EXT" else part)


def _concept_header(concept: ox.NamedNode, code: str, deprecated: bool) -> list[ox.Triple]:
    # No skos:inScheme: the scheme is the IRI's namespace, and the line would double the files' size.
    triples = [
        ox.Triple(concept, RDF_TYPE, _n(SKOS + "Concept")),
        ox.Triple(concept, _n(DC + "identifier"), ox.Literal(code)),
    ]
    if deprecated:
        triples.append(ox.Triple(concept, _n(OWL + "deprecated"), ox.Literal("true", datatype=XSD_BOOLEAN)))
    return triples


def build_file_types() -> list[ox.Triple]:
    """EU file types: the 2017 SEMIC copy (with media types and extensions) plus concepts added by 2021."""
    old = _load(SEMIC / "filetypes-skos-ap-act.rdf")
    new = _load(DCATAPIT / "filetypes-filtered.rdf")
    triples: list[ox.Triple] = []
    known = set()
    for c in _concepts(old, str(EU_FILE_TYPE)):
        code = _code(c)
        if code == PLACEHOLDER:
            continue
        known.add(c.value)
        triples += _concept_header(c, code, _deprecated(old, c) or _deprecated(new, c))
        triples += [ox.Triple(c, _n(SKOS + "prefLabel"), o) for o in _labels(old, c, SKOS + "prefLabel")]
        triples += [ox.Triple(c, _n(SKOS + "altLabel"), o) for o in _xl_alt_labels(old, c)]
        triples += [
            ox.Triple(c, _n(SKOS + "notation"), ox.Literal(v, datatype=_n(NOTATION_TYPE + k)))
            for k, v in _notations(old, c)
        ]
    for c in _concepts(new, str(EU_FILE_TYPE)):
        code = _code(c)
        if c.value in known or code == PLACEHOLDER:
            continue
        triples += _concept_header(c, code, _deprecated(new, c))
        # dcatapit copied the English label into every language; only English is real.
        english = [o for o in _labels(new, c, SKOS + "prefLabel") if o.language == "en"]
        triples += [ox.Triple(c, _n(SKOS + "prefLabel"), o) for o in english]
    return triples


def build_themes() -> list[ox.Triple]:
    """The 13 EU data themes with their en/fr/de labels."""
    store = _load(SEMIC / "data-theme-skos-ap-act.rdf")
    triples: list[ox.Triple] = []
    for c in _concepts(store, str(EU_THEME)):
        code = _code(c)
        if code == PLACEHOLDER:
            continue
        triples += _concept_header(c, code, _deprecated(store, c))
        triples += [ox.Triple(c, _n(SKOS + "prefLabel"), o) for o in _labels(store, c, SKOS + "prefLabel")]
    return triples


def build_frequencies() -> list[ox.Triple]:
    """EU frequencies: the SEMIC copy (labels, alt labels, Dublin Core matches) plus the 2019 additions."""
    old = _load(SEMIC / "frequencies-skos-ap-act.rdf")
    new = _load(DCATAPIT / "frequencies-filtered.rdf")
    triples: list[ox.Triple] = []
    known = set()
    for c in _concepts(old, str(EU_FREQUENCY)):
        code = _code(c)
        if code == PLACEHOLDER:
            continue
        known.add(c.value)
        triples += _concept_header(c, code, _deprecated(old, c))
        triples += [ox.Triple(c, _n(SKOS + "prefLabel"), o) for o in _labels(old, c, SKOS + "prefLabel")]
        triples += [ox.Triple(c, _n(SKOS + "altLabel"), o) for o in _labels(old, c, SKOS + "altLabel")]
        triples += [
            ox.Triple(c, _n(SKOS + "exactMatch"), o)
            for o in _objects(old, c, SKOS + "exactMatch")
            if isinstance(o, ox.NamedNode)
        ]
    for c in _concepts(new, str(EU_FREQUENCY)):
        code = _code(c)
        if c.value in known or code == PLACEHOLDER:
            continue
        triples += _concept_header(c, code, _deprecated(new, c))
        triples += [ox.Triple(c, _n(SKOS + "prefLabel"), o) for o in _labels(new, c, SKOS + "prefLabel")]
    return triples


def build_languages() -> list[ox.Triple]:
    """The (current) languages of the dcatapit-trimmed EU language NAL with en/fr/de labels."""
    store = _load(DCATAPIT / "languages-filtered.rdf")
    triples: list[ox.Triple] = []
    for c in _concepts(store, str(EU_LANGUAGE)):
        code = _code(c)
        # Deprecated languages (Serbo-Croatian, Moldavian, two internal codes) are no target for anyone.
        if code == PLACEHOLDER or _deprecated(store, c):
            continue
        triples += _concept_header(c, code, False)
        triples += [ox.Triple(c, _n(SKOS + "prefLabel"), o) for o in _labels(store, c, SKOS + "prefLabel")]
    return triples


def render(triples: Iterable[ox.Triple], source: str) -> bytes:
    """`triples` as sorted, prefixed Turtle behind a "generated from `source`" header."""
    ordered = sorted(set(triples), key=lambda t: (str(t.subject), t.predicate != RDF_TYPE, str(t)))
    body = ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    assert body is not None
    header = f"# Generated by vocabularies/build_vocabularies.py from {source}; do not edit by hand.\n"
    return header.encode() + _drop_unused_prefixes(body)


def generated_files() -> dict[str, bytes]:
    """Every generated data file's name and content, built from the pinned reference copies."""
    return {
        "file-types.ttl": render(build_file_types(), "EU file-type NAL 20170427-0 (SEMIC) + 20211208-0 (dcatapit)"),
        "data-themes.ttl": render(build_themes(), "EU data-theme NAL (SEMIC copy)"),
        "frequencies.ttl": render(build_frequencies(), "EU frequency NAL (SEMIC copy) + 20190619-0 (dcatapit)"),
        "languages.ttl": render(build_languages(), "EU language NAL 20211208-0 (dcatapit trimmed copy)"),
    }


def _drop_unused_prefixes(body: bytes) -> bytes:
    text = body.decode()
    lines = text.splitlines(keepends=True)
    rest = "".join(line for line in lines if not line.startswith("@prefix"))
    used = [
        line
        for line in lines
        if line.startswith("@prefix") and re.search(rf"(?<![\w-]){re.escape(line.split()[1])}", rest)
    ]
    return ("".join(used) + rest).encode()


def main() -> None:
    """Regenerate every derived data file and print its size."""
    DATA.mkdir(exist_ok=True)
    for name, content in generated_files().items():
        (DATA / name).write_bytes(content)
        print(f"vocabularies/data/{name}: {len(content)} bytes")


if __name__ == "__main__":
    main()
