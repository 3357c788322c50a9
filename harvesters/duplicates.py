"""Cross-source duplicate detection: records of different sources sharing an IRI, identifier or URL."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from catalogue.records import Record
from catalogue.store import GraphStore
from vocabularies.namespaces import DCAT, DCT, FEDCAT

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def normalise_url(value: str) -> str:
    """Compare URLs loosely: no scheme, no `www.`, no fragment, no trailing slash, lower-case host."""
    rest = _SCHEME.sub("", value.strip().split("#", 1)[0])
    host, sep, path = rest.partition("/")
    return (host.lower().removeprefix("www.") + sep + path).rstrip("/")


def match_keys(record: Record) -> set[str]:
    """The keys by which two records are the same dataset."""
    dataset = record.dataset
    keys = {"iri:" + normalise_url(dataset.value)}
    identifier, landing, distribution, urls = DCT.identifier, DCAT.landingPage, DCAT.distribution, _URL_PREDICATES
    named, literal = ox.NamedNode, ox.Literal
    # One pass over the triples; URLs are kept until the distributions are known.
    dist_nodes = set()
    candidates = []
    for s, p, o in record.triples:
        if p in urls:
            candidates.append((s, p, o))
        elif p == distribution:
            if s == dataset:
                dist_nodes.add(o)
        elif p in (identifier, landing) and s == dataset:
            kind = type(o)
            if p == identifier:
                if kind is literal or kind is named:
                    value = o.value.strip()  # type: ignore[union-attr]
                    if value:
                        keys.add("id:" + value.lower())
            elif kind is named:
                keys.add("url:" + normalise_url(o.value))  # type: ignore[union-attr]
    download = DCAT.downloadURL
    for s, p, o in candidates:
        if type(o) is named and s in dist_nodes and (p == download or _names_file(o.value)):
            keys.add("url:" + normalise_url(o.value))
    return keys


_URL_PREDICATES = {DCAT.downloadURL, DCAT.accessURL}


def _names_file(url: str) -> bool:
    """An access URL naming a file counts, as a download URL does: shared API endpoints would match everything."""
    last = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return "." in last and not last.endswith((".html", ".htm", ".php", ".asp", ".aspx", ".jsp"))


@dataclass
class Duplicate:
    """Two records of different sources that describe the same dataset."""

    graph: str
    source: str
    other_graph: str
    other_source: str
    matched_on: list[str]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for the run report."""
        return self.__dict__.copy()


# Let the store find the shared keys: only clusters come back to Python, not every record's keys.
DUPLICATE_KEYS_QUERY = """
PREFIX fedcat: <https://w3id.org/fedcat/ns#>
SELECT ?g ?source ?key WHERE {
  { SELECT ?key WHERE { GRAPH ?h { ?h fedcat:source ?s ; fedcat:matchKey ?key } }
    GROUP BY ?key HAVING (COUNT(DISTINCT ?s) > 1) }
  GRAPH ?g { ?g fedcat:source ?source ; fedcat:matchKey ?key }
}"""


# Duplicates need records of two sources: with one source in the store (the usual first harvest) the grouping of
# every match key above (0.6-0.8 s of CPU at 20,000 records) can only find nothing, and this stops at the second.
TWO_SOURCES_QUERY = """
PREFIX fedcat: <https://w3id.org/fedcat/ns#>
SELECT DISTINCT ?s WHERE { GRAPH ?h { ?h fedcat:source ?s } } LIMIT 2"""


def find_duplicates(store: GraphStore) -> list[Duplicate]:
    """Every cross-source pair sharing a match key, each pair once per direction."""
    if len(store.select(TWO_SOURCES_QUERY)) < 2:
        return []
    by_key: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in store.select(DUPLICATE_KEYS_QUERY):
        by_key[row["key"].value].add((row["g"].value, row["source"].value))
    pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    sources: dict[str, str] = {}
    for key, members in by_key.items():
        if len({s for _, s in members}) < 2:
            continue
        for g, s in members:
            sources[g] = s
            for g2, s2 in members:
                if s2 != s:
                    pairs[(g, g2)].add(key)
    return [Duplicate(g, sources[g], g2, sources[g2], sorted(keys)) for (g, g2), keys in sorted(pairs.items())]


def duplicates_graph(base: str) -> str:
    """The graph holding the duplicate links, rebuilt after every harvest."""
    return f"{base}/graph/duplicates"


def write_duplicates(store: GraphStore, base: str, duplicates: list[Duplicate]) -> None:
    """Replace the duplicate links; records themselves are never touched."""
    graph = duplicates_graph(base)
    lines = []
    g = ox.NamedNode(graph)
    for d in duplicates:
        a, b = ox.NamedNode(d.graph), ox.NamedNode(d.other_graph)
        lines.append(f"{ox.Quad(a, FEDCAT.alsoListedIn, b, g)} .\n")
        lines += [f"{ox.Quad(a, FEDCAT.matchedOn, ox.Literal(k), g)} .\n" for k in d.matched_on]
    store.drop_graphs([graph])
    store.load("".join(lines).encode())
