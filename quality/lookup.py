"""Find records by public dataset id in the writer's store (restricted ones included: quality covers them too)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from catalogue.errors import NotFound
from catalogue.store import GraphStore

_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
RECORDS_QUERY = """PREFIX fedcat: <https://w3id.org/fedcat/ns#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?g ?id ?d ?source ?vis ?hash WHERE {
  GRAPH ?g { ?g fedcat:datasetId ?id ; foaf:primaryTopic ?d ; fedcat:source ?source ;
                fedcat:visibility ?vis ; fedcat:contentHash ?hash }
  %s
}"""

# The same, as five predicate scans joined by hash: for every record at once, a nested join seeks five times each.
ALL_RECORDS_QUERY = " ".join(
    ["PREFIX fedcat: <https://w3id.org/fedcat/ns#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>"]
    + ["SELECT ?g ?id ?d ?source ?vis ?hash WHERE {"]
    + [
        f"{{ SELECT ?g ?{v} WHERE {{ GRAPH ?g {{ ?g {p} ?{v} }} }} }}"
        for v, p in (
            ("id", "fedcat:datasetId"),
            ("d", "foaf:primaryTopic"),
            ("source", "fedcat:source"),
            ("vis", "fedcat:visibility"),
            ("hash", "fedcat:contentHash"),
        )
    ]
    + ["}"]
)


@dataclass(frozen=True)
class RecordRef:
    """What quality needs to know about one record."""

    dataset_id: str
    graph: str
    dataset: str
    source: str
    visibility: str
    content_hash: str

    @property
    def public(self) -> bool:
        """True when anonymous readers may see the record."""
        return self.visibility == "public"


def _refs(store: GraphStore, where: str = "", query: str = RECORDS_QUERY) -> list[RecordRef]:
    text = query % where if where else query.replace("%s", "")
    raw = getattr(store, "raw", None)
    if isinstance(raw, ox.Store):  # an embedded store: its solutions unpack without a dict per row
        solutions = raw.query(text, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        rows: Iterable[tuple[Any, ...]] = (tuple(s) for s in solutions)
    else:
        rows = ((r["g"], r["id"], r["d"], r["source"], r["vis"], r["hash"]) for r in store.select(text))
    refs = {
        g.value: RecordRef(i.value, g.value, d.value, source.value, vis.value, hash_.value)
        for g, i, d, source, vis, hash_ in rows
        if isinstance(d, ox.NamedNode)
    }
    return sorted(refs.values(), key=lambda ref: ref.dataset_id)


def find_record(store: GraphStore, dataset_id: str) -> RecordRef:
    """The record with public id `dataset_id`; `NotFound` (a clear CLI error) when there is none."""
    if _ID.fullmatch(dataset_id):
        found = _refs(store, f"FILTER(?id = {ox.Literal(dataset_id)})")
        if found:
            return found[0]
    raise NotFound(f"no dataset with id {dataset_id!r} in this node; `fedcat search` or the API list the ids")


def all_records(store: GraphStore) -> list[RecordRef]:
    """Every complete record graph in the store, by dataset id."""
    return _refs(store, query=ALL_RECORDS_QUERY)
