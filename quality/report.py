"""Quality results as JSON, read back from the graph: what the API and the dataset page show.

Reads only the store it is given (the web process hands it the public snapshot), imports neither pandas nor
Great Expectations, and never touches the files under the node's home.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph as ox

from catalogue.config import Settings
from catalogue.errors import NotFound
from catalogue.records import source_graph
from catalogue.store import GraphStore
from quality.metadata import BY_METRIC, DIMENSION_METRICS, DIMENSIONS, MAX_SCORE, band
from quality.summary import read_summary
from quality.terms import FQ, SH, data_quality_graph, hosted_graph, metadata_quality_graph, outcome_graph_of, text
from vocabularies.namespaces import DCAT, DCT, DQV, FEDCAT, PROV, RDF, RDFS

VISIBLE_RECORD = """PREFIX fedcat: <https://w3id.org/fedcat/ns#>
SELECT ?g WHERE { GRAPH ?g { ?g fedcat:datasetId $ID$ ; fedcat:visibility "public" } } LIMIT 1"""
DIMENSION_BY_METRIC = {m: d for d, m in DIMENSION_METRICS.items()}


def _value(term: Any) -> Any:
    """A literal as a Python value (numbers, booleans), anything else as text."""
    if not isinstance(term, ox.Literal):
        return text(term)
    kind = term.datatype.value.rsplit("#", 1)[-1]
    if kind == "boolean":
        return term.value == "true"
    if kind in ("integer", "nonNegativeInteger", "int", "long"):
        return int(term.value)
    if kind in ("decimal", "double", "float"):
        number = float(term.value)
        return int(number) if number.is_integer() and kind != "decimal" else number
    return term.value


def _index(triples: list[ox.Triple]) -> dict[str, dict[str, list[Any]]]:
    by_subject: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        by_subject[text(t.subject)][t.predicate.value].append(t.object)
    return by_subject


def _one(node: dict[str, list[Any]], predicate: ox.NamedNode) -> Any:
    values = node.get(predicate.value)
    return _value(values[0]) if values else None


def _measurements(index: dict[str, dict[str, list[Any]]]) -> list[tuple[str, dict[str, list[Any]]]]:
    # Measurements are what dqv:isMeasurementOf a metric (dimensions leave their rdf:type implied).
    return [(s, p) for s, p in index.items() if DQV.isMeasurementOf.value in p]


def metadata_section(store: GraphStore, graph: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(mqa, shacl) from a record's metadata quality graph."""
    triples = store.graph_triples(graph)
    if not triples:
        return None, {}
    # Shortfalls live in the criteria outcome the record shares with those that scored alike.
    for shared in {text(t.object) for t in triples if t.predicate == FQ.outcome}:
        triples += store.graph_triples(outcome_graph_of(shared))
    index = _index(triples)
    marker = index.get(graph, {})
    score, dimensions, missing = None, dict.fromkeys(DIMENSIONS, 0.0), []
    band_value = None
    for node in index.values():
        if FEDCAT.qualityBand.value in node:
            band_value = _one(node, FEDCAT.qualityBand)
    shacl: dict[str, Any] = {}
    for node in index.values():
        metric = node.get(FQ.criterion.value)
        local = metric[0].value.rsplit("#", 1)[-1] if metric else ""
        if local in DIMENSION_BY_METRIC:
            dimensions[DIMENSION_BY_METRIC[local]] = _one(node, FQ.points)
        elif (c := BY_METRIC.get(local)) is not None:
            value = _one(node, FQ.points)
            missing.append(
                {
                    "criterion": c.id,
                    "label": c.label,
                    "dimension": c.dimension,
                    "property": c.rdf_property,
                    "points": value,
                    "max": c.points,
                    "lost": round(c.points - value, 2),
                    "detail": _one(node, RDFS.comment),
                    "checked": _one(node, FQ.checked) is not False,
                }
            )
    for _subject, node in _measurements(index):
        metric = node[DQV.isMeasurementOf.value][0].value
        local = metric.rsplit("#", 1)[-1]
        value = _one(node, DQV.value)
        if local == "mqaScore":
            score = value
        elif local in DIMENSION_BY_METRIC:
            dimensions[DIMENSION_BY_METRIC[local]] = value
        elif local == "shaclViolations":
            shacl[_one(node, FQ.profile)] = _shacl(index, node, value)
    missing.sort(key=lambda m: (-m["lost"], m["criterion"]))
    mqa = {
        "score": score,
        "max": MAX_SCORE,
        "band": band_value or (band(score) if score is not None else None),
        "dimensions": {d: {"score": dimensions[d], "max": DIMENSIONS[d]} for d in DIMENSIONS},
        "missing": [m for m in missing if m["lost"] > 0],
        "assumed": [m for m in missing if m["lost"] <= 0 and not m["checked"]],
        "urls_checked": bool(_one(marker, FQ.urlsChecked)),
        "assessed_at": _one(marker, PROV.generatedAtTime),
        "run": _one(marker, PROV.wasGeneratedBy),
    }
    return mqa, shacl


def _shacl(index: dict[str, dict[str, list[Any]]], node: dict[str, list[Any]], count: int) -> dict[str, Any]:
    violations = []
    for result in node.get(SH.result.value, []):
        r = index.get(result.value, {})
        violations.append(
            {
                "focus": _one(r, SH.focusNode),
                "path": _one(r, SH.resultPath),
                "component": (_one(r, SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1],
                "severity": (_one(r, SH.resultSeverity) or "").rsplit("#", 1)[-1],
                "message": _one(r, SH.resultMessage),
            }
        )
    return {
        "conforms": _one(node, SH.conforms),
        "violation_count": count,
        "violations": sorted(violations, key=lambda v: (v["path"] or "", v["focus"] or "", v["component"])),
        "shape_defects": _one(node, FQ.shapeDefects) or 0,
        "conforms_to": _one(node, DCT.conformsTo),
        "error": _one(node, FQ.error),
    }


def data_section(store: GraphStore, settings: Settings, dataset_id: str) -> dict[str, Any] | None:
    """The latest data validation from the data quality graph, with the hosted distribution's description."""
    graph = data_quality_graph(settings.base, dataset_id)
    index = _index(store.graph_triples(graph))
    if not index:
        return None
    marker = index.get(graph, {})
    summary: dict[str, Any] = {}
    expectations, columns = [], []
    for subject, node in _measurements(index):
        local = node[DQV.isMeasurementOf.value][0].value.rsplit("#", 1)[-1]
        fragment = subject.rsplit("#", 1)[-1]
        value = _one(node, DQV.value)
        if fragment.startswith("expectation-"):
            expectations.append(
                (
                    int(fragment.split("-")[1]),
                    {
                        "expectation": _one(node, FQ.expectationType),
                        "column": _one(node, FQ.column),
                        "success": _one(node, FQ.success),
                        "unexpected_percent": value,
                        "unexpected_count": _one(node, FQ.unexpectedCount),
                        "missing_percent": _one(node, FQ.missingPercent),
                        "observed": _one(node, FQ.observedValue),
                        "error": bool(_one(node, FQ.error)),
                    },
                )
            )
        elif fragment.startswith("column-"):
            entry = {"column": _one(node, FQ.column), "type": _one(node, FQ.columnType), "null_percent": value}
            if FQ.observedMinimum.value in node:
                entry["min"], entry["max"] = _one(node, FQ.observedMinimum), _one(node, FQ.observedMaximum)
            columns.append((int(fragment.split("-")[1]), entry))
        elif fragment != "dataset-ratio":
            summary[local] = value
    run = _one(marker, PROV.wasGeneratedBy)
    run_node = index.get(run or "", {})
    drift = [
        {"kind": _one(n, FQ.driftKind), "column": _one(n, FQ.column), "detail": _one(n, RDFS.comment)}
        for n in index.values()
        if any(o == FQ.DriftNote for o in n.get(RDF.type.value, []))
    ]
    return {
        "validated_at": _one(marker, PROV.generatedAtTime),
        "run": run,
        "gx_version": _one(run_node, FQ.gxVersion),
        "success": summary.get("dataValidationSuccess"),
        "success_ratio": summary.get("expectationSuccessRatio"),
        "expectations": summary.get("expectationCount"),
        "failed": summary.get("failedExpectationCount"),
        "rows": summary.get("rowCount"),
        "columns_count": summary.get("columnCount"),
        "completeness": summary.get("completeness"),
        "drift": sorted(drift, key=lambda d: (d["kind"] or "", d["column"] or "")),
        "results": [e for _, e in sorted(expectations, key=lambda x: x[0])],
        "columns": [c for _, c in sorted(columns, key=lambda x: x[0])],
        "distribution": hosted_section(store, settings, dataset_id),
    }


def hosted_section(store: GraphStore, settings: Settings, dataset_id: str) -> dict[str, Any] | None:
    """The hosted distribution as described in the graph."""
    index = _index(store.graph_triples(hosted_graph(settings.base, dataset_id)))
    for subject, node in index.items():
        if any(o == DCAT.Distribution for o in node.get(RDF.type.value, [])):
            return {
                "iri": subject,
                "access_mode": _one(node, FEDCAT.accessMode),
                "byte_size": _one(node, DCAT.byteSize),
                "format": _one(node, DCT["format"]),
                "media_type": _one(node, DCAT.mediaType),
                "modified": _one(node, DCT.modified),
            }
    return None


def dataset_quality(store: GraphStore, settings: Settings, dataset_id: str) -> dict[str, Any]:
    """`GET /api/datasets/{id}/quality`: `NotFound` unless the record is visible in `store`."""
    if not store.select(VISIBLE_RECORD.replace("$ID$", str(ox.Literal(dataset_id)))):
        raise NotFound(f"no dataset with id {dataset_id!r}")
    mqa, shacl = metadata_section(store, metadata_quality_graph(settings.base, dataset_id))
    return {"dataset_id": dataset_id, "mqa": mqa, "shacl": shacl, "data": data_section(store, settings, dataset_id)}


def group_quality(store: GraphStore, settings: Settings, kind: str, key: str) -> dict[str, Any]:
    """`GET /api/sources/{name}/quality` and `GET /api/publishers/{id}/quality`."""
    found = read_summary(store, settings.base, kind, key)
    if found is not None:
        return found
    if kind == "source" and store.graph_triples(source_graph(settings.base, key)):
        return {"source": key, "label": key, "scored_at": None, "records": 0, "trend": []}
    raise NotFound(f"no {kind} {key!r} with quality results; run `fedcat quality score` first")


def publishers(store: GraphStore, settings: Settings) -> list[dict[str, Any]]:
    """Every publisher with a quality summary: id and name (to find the ids the publisher endpoint takes)."""
    prefix = f"{settings.base}/graph/quality-summary/publisher/"
    out = []
    for graph in store.named_graphs(prefix):
        label = next((text(t.object) for t in store.graph_triples(graph) if t.predicate == RDFS.label), None)
        out.append({"id": graph[len(prefix) :], "name": label})
    return sorted(out, key=lambda p: (p["name"] or "", p["id"]))
