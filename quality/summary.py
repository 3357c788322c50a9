"""Quality per source and per publisher: score distribution, most common shortfalls and violations, and a
trend with one point per scoring run (each tagged with the source's harvest run it scored).

Summaries are computed at scoring time over public records only, so a summary never reveals anything about
a restricted record, and appended to `<base>/graph/quality-summary/{source|publisher}/<key>`: a history.
They carry no `fedcat:visibility`, so the DCAT-AP export leaves them out; the API reads them.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from catalogue.records import source_graph
from catalogue.store import GraphStore
from quality.metadata import BANDS, DIMENSIONS
from quality.terms import FQ, summary_graph, text
from vocabularies.namespaces import PROV, RDF, RDFS, XSD

TOP = 10
HISTOGRAM = [(0, 120), (121, 220), (221, 350), (351, 405)]  # the bands, low to high
RDF_JSON = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON")


@dataclass
class Scored:
    """One public record's scoring outcome, as summaries need it."""

    dataset_id: str
    score: int
    band: str
    dimensions: dict[str, float]
    missing: list[str]  # criterion ids not fully met
    violations: list[tuple[str, str, str]]  # (profile, path, component), own violations only


@dataclass
class Group:
    """The records of one source or publisher."""

    kind: str
    key: str
    label: str
    records: list[Scored] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Distribution, dimensions, common shortfalls and violations."""
        scores = [r.score for r in self.records]
        bands = Counter(r.band for r in self.records)
        missing = Counter(c for r in self.records for c in r.missing)
        violations = Counter(v for r in self.records for v in r.violations)
        return {
            "records": len(scores),
            "score": {
                "mean": round(statistics.fmean(scores), 1) if scores else None,
                "median": statistics.median(scores) if scores else None,
                "min": min(scores) if scores else None,
                "max": max(scores) if scores else None,
            },
            "bands": {name: bands.get(name, 0) for name, _ in BANDS},
            "histogram": [
                {"from": lo, "to": hi, "records": sum(1 for s in scores if lo <= s <= hi)} for lo, hi in HISTOGRAM
            ],
            "dimensions": {
                d: round(statistics.fmean(r.dimensions[d] for r in self.records), 1) if self.records else None
                for d in DIMENSIONS
            },
            "missing": [{"criterion": c, "records": n} for c, n in missing.most_common(TOP)],
            "violations": [
                {"profile": p, "path": path, "component": comp, "count": n}
                for (p, path, comp), n in violations.most_common(TOP)
            ],
        }


def latest_harvest_run(store: GraphStore, base: str, source: str) -> str | None:
    """The newest harvest run of a source (the run a scoring pass scored)."""
    query = (
        f"SELECT ?run ?end WHERE {{ GRAPH <{source_graph(base, source)}> {{ ?run a {PROV.Activity} ; "
        f"{PROV.endedAtTime} ?end }} }} ORDER BY DESC(?end) LIMIT 1"
    )
    rows = store.select(query)
    return rows[0]["run"].value if rows else None


def snapshot_triples(
    base: str, group: Group, *, run: str, at: str, harvest_run: str | None
) -> tuple[str, list[ox.Triple]]:
    """One history point of a group, to append to its summary graph."""
    graph = summary_graph(base, group.kind, group.key)
    node = ox.NamedNode(f"{graph}#{run.rsplit('/', 1)[-1]}")
    data = group.summary()
    triples = [
        ox.Triple(ox.NamedNode(graph), RDF.type, FQ.SummaryGraph),
        ox.Triple(ox.NamedNode(graph), RDFS.label, ox.Literal(group.label)),
        ox.Triple(ox.NamedNode(graph), FQ.groupKind, ox.Literal(group.kind)),
        ox.Triple(node, RDF.type, FQ.QualitySnapshot),
        ox.Triple(node, FQ.snapshotOf, ox.NamedNode(graph)),
        ox.Triple(node, PROV.generatedAtTime, ox.Literal(at, datatype=XSD.dateTime)),
        ox.Triple(node, PROV.wasGeneratedBy, ox.NamedNode(run)),
        ox.Triple(node, FQ.recordCount, ox.Literal(str(data["records"]), datatype=XSD.integer)),
        # The full summary as JSON: the API serves it as is, and nobody queries inside it with SPARQL.
        ox.Triple(node, FQ.details, ox.Literal(json.dumps(data, sort_keys=True), datatype=RDF_JSON)),
    ]
    if data["score"]["mean"] is not None:
        triples.append(ox.Triple(node, FQ.meanScore, ox.Literal(str(data["score"]["mean"]), datatype=XSD.decimal)))
    if harvest_run:
        triples.append(ox.Triple(node, FQ.harvestRun, ox.NamedNode(harvest_run)))
    return graph, triples


def read_summary(store: GraphStore, base: str, kind: str, key: str) -> dict[str, Any] | None:
    """The latest summary of a group with its trend (one point per harvest run, newest scoring of each)."""
    graph = summary_graph(base, kind, key)
    triples = store.graph_triples(graph)
    if not triples:
        return None
    label = next((text(t.object) for t in triples if t.predicate == RDFS.label), key)
    points: dict[str, dict[str, Any]] = {}
    for t in triples:
        if t.predicate in (PROV.generatedAtTime, FQ.details, FQ.harvestRun, PROV.wasGeneratedBy):
            points.setdefault(text(t.subject), {})[t.predicate.value] = text(t.object)
    ordered = sorted(points.values(), key=lambda p: p.get(PROV.generatedAtTime.value, ""))
    if not ordered:
        return None
    latest = json.loads(ordered[-1][FQ.details.value])
    per_run: dict[str, dict[str, Any]] = {}
    for p in ordered:
        details = json.loads(p[FQ.details.value])
        harvest = p.get(FQ.harvestRun.value) or p.get(PROV.wasGeneratedBy.value, "")
        per_run[harvest] = {
            "harvest_run": p.get(FQ.harvestRun.value),
            "scored_at": p.get(PROV.generatedAtTime.value),
            "scoring_run": p.get(PROV.wasGeneratedBy.value),
            "records": details["records"],
            "mean": details["score"]["mean"],
            "bands": details["bands"],
        }
    return {
        kind: key,
        "label": label,
        "scored_at": ordered[-1].get(PROV.generatedAtTime.value),
        **latest,
        "trend": sorted(per_run.values(), key=lambda p: p["scored_at"] or ""),
    }
