"""Scoring inputs of every record of an embedded store, computed inside Oxigraph by one aggregate query.

Reading a record's values into Python costs a store lookup per term decoded (about 10-20 µs here), and a record
has dozens: reading them was most of a full scoring's time. The MQA needs far less than the values: whether
the dataset has each property, and per distribution which criteria it meets. So the store evaluates that on its
encoded terms (predicate scans joined by hash, vocabulary membership as `VALUES` lookups) and returns one row
per record and distinct distribution profile: a record graph, a bit mask and a count. The rules are the ones
`quality.scoring.read_facts` + `quality.metadata.inputs_of` apply to values; a test holds the two equal.

Used without URL checks only: reachability needs the URLs themselves.
"""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox

from quality.metadata import MACHINE_READABLE, NON_PROPRIETARY, PRESENT_PREDICATES, MqaInputs, concepts
from quality.terms import FQ
from vocabularies.namespaces import DCAT, DCT, EU_FILE_TYPE, FEDCAT, FOAF, IANA_MEDIA_TYPE, RDF

RIGHTS_BIT = len(PRESENT_PREDICATES) + 1  # dataset bits 1..9 are PRESENT_PREDICATES, then the vocabulary flag
DISTRIBUTION_BIT = 20  # distribution bits: 20.. the `MqaInputs.counts` in order
COUNTS = 12  # len(MqaInputs.counts)
REACHABLE = 2  # the count of reachable download URLs: without checks, every download URL is assumed reachable
EMPTY_DATASET = (False,) * len(PRESENT_PREDICATES)
Publisher = tuple[str, str]  # (key, label), as quality.scoring.Facts.publisher gives it


def _values(items: frozenset[str] | set[str]) -> str:
    # IRIs, and literals spelling one: the value rules compare lexical forms.
    return " ".join(f'<{v}> "{v}"' for v in sorted(items))


def _branch(subject: str, predicate: ox.NamedNode, bit: int, restrict: str = "") -> str:
    return f"{{ {restrict} {subject} {predicate} ?v . BIND({1 << bit} AS ?bit) }}"


RECORDS = f"{{ SELECT ?g ?d WHERE {{ GRAPH ?g {{ ?g {FOAF.primaryTopic} ?d }} }} }}"  # each record graph's dataset


@cache
def inputs_queries() -> tuple[str, str]:
    """The aggregate queries: datasets, distributions (vocabularies are read once, on first use)."""
    file_types, licences, rights = concepts("file-type"), concepts("licence"), concepts("access-right")
    eu = str(EU_FILE_TYPE)
    dataset = [_branch("?d", ox.NamedNode(p), n + 1) for n, p in enumerate(PRESENT_PREDICATES)]
    dataset.append(_branch("?d", DCT.accessRights, RIGHTS_BIT, f"VALUES ?v {{ {_values(rights)} }}"))
    fmt, media, licence = DCT["format"], DCAT.mediaType, DCT.license
    b = DISTRIBUTION_BIT
    distribution = [
        _branch("?x", DCAT.accessURL, b),
        _branch("?x", DCAT.downloadURL, b + 1),
        _branch("?x", fmt, b + 3),
        _branch("?x", media, b + 4),
        _branch("?x", fmt, b + 5, f"VALUES ?v {{ {_values(file_types)} }}"),
        f'{{ ?x {media} ?v . FILTER(STRSTARTS(STR(?v), "{IANA_MEDIA_TYPE}")) BIND({1 << (b + 5)} AS ?bit) }}',
        _branch("?x", fmt, b + 6, f"VALUES ?v {{ {_values({eu + c for c in NON_PROPRIETARY})} }}"),
        _branch("?x", fmt, b + 7, f"VALUES ?v {{ {_values({eu + c for c in MACHINE_READABLE})} }}"),
        _branch("?x", licence, b + 8),
        _branch("?x", licence, b + 9, f"VALUES ?v {{ {_values(licences)} }}"),
        _branch("?x", DCT.rights, b + 10),
        _branch("?x", DCAT.byteSize, b + 11),
    ]
    # Sub-selects keep each part a scan joined by hash: a nested join would seek the store once per record. No
    # DISTINCT before the sums: SUM(DISTINCT) drops the repeats, and a set of every flag row costs more (at 100k,
    # 5.7 s instead of 9.8 s for the distributions).
    listed = (
        f"{{ {{ SELECT ?g ?gg ?x WHERE {{ {RECORDS} "
        f"{{ SELECT ?g ?d ?x WHERE {{ GRAPH ?g {{ ?d {DCAT.distribution} ?x }} }} }} BIND(?g AS ?gg) }} }} "
        f"UNION {{ SELECT ?g ?gg ?x WHERE {{ GRAPH ?gg {{ ?gg {RDF.type} {FQ.HostedDataGraph} ; {FQ.ofRecord} ?g . "
        f"?dd {DCAT.distribution} ?x }} }} }} }}"
    )
    # Two queries: a record's dataset row, then one row per distinct distribution profile with its count.
    dataset_rows = f"""SELECT ?g ?mask WHERE {{ {RECORDS}
  {{ SELECT ?g ?d (SUM(DISTINCT ?bit) AS ?mask) WHERE {{ GRAPH ?g {{ {" UNION ".join(dataset)} }} }} GROUP BY ?g ?d }}
}}"""
    distribution_rows = f"""SELECT ?g ?mask (COUNT(*) AS ?n) WHERE {{
  {{ SELECT ?g ?x (SUM(DISTINCT ?bit) AS ?mask) WHERE {{
    {listed}
    OPTIONAL {{ SELECT ?gg ?x ?bit WHERE {{ GRAPH ?gg {{ {" UNION ".join(distribution)} }} }} }}
  }} GROUP BY ?g ?x }}
}} GROUP BY ?g ?mask"""
    return dataset_rows, distribution_rows


PUBLISHERS_QUERY = f"""SELECT ?g ?p WHERE {{
  {RECORDS}
  {{ SELECT ?g ?d ?p WHERE {{ GRAPH ?g {{ ?d {DCT.publisher} ?p }} }} }}
}}"""
# Names as public records state them, each (publisher, name) pair once: the choice among them is made in Python,
# on a few thousand rows (an aggregate here compared literals by their text, row by row: twice as long at 100k).
NAMES_QUERY = f"""SELECT DISTINCT ?p ?name WHERE {{
  {{ SELECT ?g WHERE {{ GRAPH ?g {{ ?g {FEDCAT.visibility} "public" ; {FOAF.primaryTopic} ?d }} }} }}
  {{ SELECT ?g ?p ?name WHERE {{ GRAPH ?g {{ ?p {FOAF.name} ?name FILTER(isLiteral(?name)) }} }} }}
}}"""


def read_inputs(raw: ox.Store) -> dict[str, MqaInputs]:
    """The MQA inputs of every record graph of the store (records without any value are left out: their
    inputs are `empty_inputs()`)."""
    dataset: dict[str, str] = {}
    profiles: dict[str, list[tuple[str, str]]] = {}  # graph -> (distribution mask, how many), as the store gives
    dataset_rows, distribution_rows = inputs_queries()
    solutions = raw.query(dataset_rows)
    assert isinstance(solutions, ox.QuerySolutions)
    for g, mask in solutions:
        dataset[g.value] = mask.value
    solutions = raw.query(distribution_rows)
    assert isinstance(solutions, ox.QuerySolutions)
    for g, mask, n in solutions:
        profiles.setdefault(g.value, []).append((mask.value, n.value))
    # Records alike give equal rows: each distinct combination is decoded once and its inputs shared.
    made: dict[tuple[str, tuple[tuple[str, str], ...]], MqaInputs] = {}
    out: dict[str, MqaInputs] = {}
    for graph in dataset.keys() | profiles.keys():
        key = (dataset.get(graph, "0"), tuple(sorted(profiles.get(graph, ()))))
        found = made.get(key)
        if found is None:
            found = made[key] = _decode(int(key[0]), [(int(m), int(n)) for m, n in key[1]])
        out[graph] = found
    return out


def _decode(bits: int, profiles: list[tuple[int, int]]) -> MqaInputs:
    counts = [0] * COUNTS
    for mask, number in profiles:
        for k in range(COUNTS):
            if mask >> (DISTRIBUTION_BIT + k) & 1:
                counts[k] += number
        if mask >> (DISTRIBUTION_BIT + 1) & 1:
            counts[REACHABLE] += number
    return MqaInputs(
        tuple(bool(bits >> (n + 1) & 1) for n in range(len(PRESENT_PREDICATES))),
        bool(bits >> RIGHTS_BIT & 1),
        tuple(counts),
        sum(number for _, number in profiles),
        False,
    )


def empty_inputs() -> MqaInputs:
    """The inputs of a record with no value scoring reads."""
    return MqaInputs(EMPTY_DATASET, False, (0,) * COUNTS, 0, False)


def read_publishers(raw: ox.Store, skolem: str) -> dict[str, Publisher]:
    """Every record's publisher (key, label): the first of its dataset's publishers, labelled with its English
    name, else another of its names, as public records state them (a summary never shows what only a restricted
    record says). A publisher with a per-record skolem IRI (containing `skolem`) is keyed by its label."""
    first: dict[str, str] = {}
    solutions = raw.query(PUBLISHERS_QUERY)
    assert isinstance(solutions, ox.QuerySolutions)
    for g, p in solutions:
        graph, publisher = g.value, p.value
        if graph not in first or publisher < first[graph]:
            first[graph] = publisher
    best: dict[str, tuple[bool, str]] = {}  # publisher -> (not English, name): English first, then by text
    solutions = raw.query(NAMES_QUERY)
    assert isinstance(solutions, ox.QuerySolutions)
    for p, name in solutions:
        assert isinstance(name, ox.Literal)
        key = (name.language != "en", name.value)
        if p.value not in best or key < best[p.value]:
            best[p.value] = key
    labels = {iri: name for iri, (_, name) in best.items()}
    out: dict[str, Publisher] = {}
    for graph, iri in first.items():
        label = labels.get(iri, iri)
        out[graph] = (label if skolem in iri else iri, label)
    return out


__all__ = ["empty_inputs", "inputs_queries", "read_inputs", "read_publishers"]
