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
    # One pass over the triples (reading a triple's terms builds new objects each time); URLs are kept until
    # the distributions are known.
    dist_nodes = set()
    candidates = []
    for t in record.triples:
        p = t.predicate
        if p in urls:
            candidates.append(t)
        elif p == distribution:
            if t.subject == dataset:
                dist_nodes.add(t.object)
        elif p in (identifier, landing) and t.subject == dataset:
            obj = t.object
            if p == identifier and isinstance(obj, ox.Literal | ox.NamedNode) and obj.value.strip():
                keys.add("id:" + obj.value.strip().lower())
            elif p == landing and isinstance(obj, ox.NamedNode):
                keys.add("url:" + normalise_url(obj.value))
    for t in candidates:
        obj = t.object
        if isinstance(obj, ox.NamedNode) and t.subject in dist_nodes and _is_file_url(t):
            keys.add("url:" + normalise_url(obj.value))
    return keys


_URL_PREDICATES = {DCAT.downloadURL, DCAT.accessURL}


def _is_file_url(t: ox.Triple) -> bool:
    """A download URL, or an access URL naming a file: shared API endpoints would match everything."""
    if t.predicate == DCAT.downloadURL:
        return True
    if t.predicate != DCAT.accessURL:
        return False
    if not isinstance(t.object, ox.NamedNode):
        return False
    last = t.object.value.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
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


def find_duplicates(store: GraphStore) -> list[Duplicate]:
    """Every cross-source pair sharing a match key, each pair once per direction."""
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
