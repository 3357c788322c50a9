"""Quality results as W3C DQV in the graph: one metadata and one data quality graph per record.

Each graph is replaced whole on every run and carries the markers the rest of the node relies on:
`fq:ofRecord` (the public snapshot drops the graph unless that record is public), `fedcat:visibility`
(copied from the record: the export includes public graphs), `fq:datasetId` and `fq:assessment`.
Measurements are `dqv:QualityMeasurement`s of metrics declared in `vocabularies/data/quality.ttl`, attached
with `dqv:hasQualityMeasurement` to the dataset (metadata) or to the hosted distribution (data).

What never gets here: row values. Data results carry counts and percentages; min / max only of columns not
marked identifying, and only for row-level data; no value sets, no unexpected values, no samples.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from catalogue.config import Settings
from catalogue.records import lines_to_nquads
from catalogue.store import GraphStore
from quality.lookup import RecordRef
from quality.metadata import DIMENSION_METRICS, Assessment
from quality.terms import (
    FQ,
    SH,
    data_quality_graph,
    hosted_distribution,
    metadata_quality_graph,
    outcome_graph,
    outcome_node,
)
from quality.validation import ValidationOutcome
from vocabularies.namespaces import DCT, DQV, FEDCAT, PROV, RDF, RDFS, XSD

if TYPE_CHECKING:  # SHACL brings rdflib and pyshacl (half a second to import): data validation never needs them
    from quality.shacl import Report, ShaclProfile

GX_AGENT = "https://pypi.org/project/great-expectations/{version}/"
Lines = list[str]  # N-Triples lines without the final " ."


def lines_of(triples: Iterable[ox.Triple]) -> Lines:
    """N-Triples lines (without the final dot) of `triples`."""
    return [str(t) for t in triples]


def literal(value: Any) -> ox.Literal:
    """A typed literal for a measurement value."""
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=XSD.boolean)
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=XSD.integer)
    if isinstance(value, float):
        return ox.Literal(f"{round(value, 6):.6f}".rstrip("0").rstrip(".") or "0", datatype=XSD.decimal)
    return ox.Literal(str(value))


def _marker(graph: ox.NamedNode, ref: RecordRef, assessment: str, at: str, run: str) -> list[ox.Triple]:
    return [
        ox.Triple(graph, RDF.type, FQ.QualityGraph),
        ox.Triple(graph, FQ.ofRecord, ox.NamedNode(ref.graph)),
        ox.Triple(graph, FQ.datasetId, ox.Literal(ref.dataset_id)),
        ox.Triple(graph, FQ.assessment, ox.Literal(assessment)),
        ox.Triple(graph, FEDCAT.visibility, ox.Literal(ref.visibility)),
        ox.Triple(graph, PROV.generatedAtTime, ox.Literal(at, datatype=XSD.dateTime)),
        ox.Triple(graph, PROV.wasGeneratedBy, ox.NamedNode(run)),
    ]


def measurement(node: ox.NamedNode, on: ox.NamedNode, metric: ox.NamedNode, value: Any) -> list[ox.Triple]:
    """One `dqv:QualityMeasurement`, linked with `dqv:hasQualityMeasurement` from what it was computed on."""
    return [
        ox.Triple(node, RDF.type, DQV.QualityMeasurement),
        ox.Triple(node, DQV.computedOn, on),
        ox.Triple(node, DQV.isMeasurementOf, metric),
        ox.Triple(node, DQV.value, literal(value)),
        ox.Triple(on, DQV.hasQualityMeasurement, node),
    ]


def _iri(value: str) -> str:
    return f"<{value}>"


_TYPED: dict[tuple[type, Any], str] = {}


def _typed(value: Any) -> str:
    # Measurement values come from a small set (criterion and dimension points), so each is rendered once.
    key = (type(value), value)
    found = _TYPED.get(key)
    if found is None:
        found = str(literal(value))
        if len(_TYPED) < 10_000:
            _TYPED[key] = found
    return found


TYPE, COMPUTED_ON, MEASURES, VALUE, HAS = (
    _iri(RDF.type.value),
    _iri(DQV.computedOn.value),
    _iri(DQV.isMeasurementOf.value),
    _iri(DQV.value.value),
    _iri(DQV.hasQualityMeasurement.value),
)
VISIBILITY = _iri(FEDCAT.visibility.value)
MEASUREMENT, COMMENT, CHECKED = _iri(DQV.QualityMeasurement.value), _iri(RDFS.comment.value), _iri(FQ.checked.value)
QUALITY_GRAPH, OF_RECORD, BAND = _iri(FQ.QualityGraph.value), _iri(FQ.ofRecord.value), _iri(FEDCAT.qualityBand.value)
ASSESSMENT, URLS_CHECKED, MQA = _iri(FQ.assessment.value), _iri(FQ.urlsChecked.value), _iri(FQ.mqaScore.value)
GENERATED_AT, GENERATED_BY = _iri(PROV.generatedAtTime.value), _iri(PROV.wasGeneratedBy.value)
DIGEST = _iri(FQ.resultDigest.value)
OUTCOME, SHORTFALL, CRITERION, POINTS, DIMENSION_SCORE = (
    _iri(FQ[n].value) for n in ("outcome", "shortfall", "criterion", "points", "dimensionScore")
)
OUTCOME_GRAPH, MQA_OUTCOME, SHORTFALL_CLASS = (_iri(FQ[n].value) for n in ("OutcomeGraph", "MqaOutcome", "Shortfall"))
DIMENSION_IRIS = {name: _iri(FQ[metric].value) for name, metric in DIMENSION_METRICS.items()}
_METRICS: dict[str, str] = {}  # criterion id -> rendered metric IRI
_LITERALS: dict[tuple[str, str | None], str] = {}  # (text, language) -> rendered literal


def _text(value: str, language: str | None = None) -> str:
    # Visibilities, bands and shortfall details repeat across records: render each once.
    key = (value, language)
    found = _LITERALS.get(key)
    if found is None:
        found = str(ox.Literal(value, language=language))
        if len(_LITERALS) < 10_000:
            _LITERALS[key] = found
    return found


def _measurement_lines(node: str, on: str, metric: str, value: Any) -> Lines:
    """`measurement` as N-Triples lines."""
    return [
        f"{node} {COMPUTED_ON} {on}",
        f"{node} {MEASURES} {metric}",
        f"{node} {VALUE} {_typed(value)}",
        f"{node} {TYPE} {MEASUREMENT}",
        f"{on} {HAS} {node}",
    ]


@dataclass(frozen=True)
class Outcome:
    """The criteria outcome of an assessment: its node, its graph and the graph's N-Quads."""

    node: str
    graph: str
    text: str


_OUTCOMES: dict[tuple[int, str], tuple[Assessment, Outcome]] = {}  # (assessment, visibility)
_NODE = "\x03"  # placeholder for the outcome's own IRI, which names a digest of its content


def outcome(settings: Settings, assessment: Assessment, visibility: str) -> Outcome:
    """The points per dimension and the shortfalls of `assessment` with their explanations, as a graph shared by
    every record that scored alike. An outcome is public only when public records use it, so its graph name
    carries the visibility."""
    key = (id(assessment), visibility)
    found = _OUTCOMES.get(key)
    if found is not None and found[0] is assessment:
        return found[1]
    head = f"<{_NODE}>"
    lines = [f"{head} {TYPE} {MQA_OUTCOME}"]
    for dimension, points in assessment.dimensions.items():
        node = f"<{_NODE}#{dimension}>"
        lines += (
            f"{head} {DIMENSION_SCORE} {node}",
            f"{node} {CRITERION} {DIMENSION_IRIS[dimension]}",
            f"{node} {POINTS} {_typed(float(points))}",
        )
    for r in assessment.results:
        if r.checked and r.lost <= 0:
            continue  # full marks: nothing to explain
        criterion = r.criterion
        node = f"<{_NODE}#{criterion.id}>"
        metric = _METRICS.get(criterion.id)
        if metric is None:
            metric = _METRICS[criterion.id] = _iri(criterion.metric_iri.value)
        lines += (
            f"{head} {SHORTFALL} {node}",
            f"{node} {TYPE} {SHORTFALL_CLASS}",
            f"{node} {CRITERION} {metric}",
            f"{node} {POINTS} {_typed(float(r.points))}",
        )
        if r.detail:
            lines.append(f"{node} {COMMENT} {_text(r.detail, 'en')}")
        if not r.checked:
            lines.append(f"{node} {CHECKED} {_typed(False)}")
    name = hashlib.blake2b(f"{visibility}\n{chr(10).join(sorted(lines))}".encode(), digest_size=12).hexdigest()
    node, graph = outcome_node(settings.base, name), outcome_graph(settings.base, name)
    lines += [f"<{graph}> {TYPE} {OUTCOME_GRAPH}", f"<{graph}> {VISIBILITY} {_text(visibility)}"]
    text = lines_to_nquads(lines, graph).replace(_NODE, node)
    made = Outcome(node, graph, text)
    if len(_OUTCOMES) >= 10_000:
        _OUTCOMES.clear()
    _OUTCOMES[key] = (assessment, made)  # holding the assessment keeps its id from being reused meanwhile
    return made


OUTCOMES_QUERY = f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g a {FQ.OutcomeGraph} }} }}"
REFERENCED_QUERY = f"SELECT DISTINCT ?o WHERE {{ GRAPH ?g {{ ?m {FQ.outcome} ?o }} }}"


def stored_outcomes(store: GraphStore) -> set[str]:
    """The outcome graphs in the store."""
    return {r["g"].value for r in store.select(OUTCOMES_QUERY)}


def metadata_lines(
    settings: Settings,
    ref: RecordRef,
    assessment: Assessment,
    reports: dict[str, Report],
    profiles: dict[str, ShaclProfile],
    *,
    checked_urls: bool,
) -> Lines:
    """The metadata quality graph of one record, as N-Triples lines: MQA score, dimensions, shortfalls and
    SHACL reports, without the run's stamps (`stamp_lines`), so equal results give equal lines.

    Written as text rather than through term objects, with every constant term rendered once: scoring 100k
    records spends much of its time here.
    """
    g = metadata_quality_graph(settings.base, ref.dataset_id)
    graph, dataset = _iri(g), _iri(ref.dataset)
    # The graph IRI names the dataset id; source and publisher live in the record graph. Every line counts:
    # scoring 100k records writes millions of quads, and the store's write speed sets the pace.
    lines = [
        f"{graph} {TYPE} {QUALITY_GRAPH}",
        f"{graph} {OF_RECORD} {_iri(ref.graph)}",
        f'{graph} {ASSESSMENT} "metadata"',
        f"{graph} {VISIBILITY} {_text(ref.visibility)}",
        f"{dataset} {BAND} {_text(assessment.band)}",
    ]
    if checked_urls:
        lines.append(f"{graph} {URLS_CHECKED} {_typed(True)}")
    lines += _measurement_lines(f"<{g}#mqa>", dataset, MQA, assessment.score)
    # The points per dimension, each shortfall and its explanation are the same for every record that scored
    # alike: they live once in the outcome those records share. At 100k records every quad a record adds counts.
    lines.append(f"<{g}#mqa> {OUTCOME} <{outcome(settings, assessment, ref.visibility).node}>")
    if reports:
        subject = ox.NamedNode(ref.dataset)
        for name, report in sorted(reports.items()):
            lines += lines_of(shacl_triples(g, subject, report, profiles[name]))
    return lines


# Placeholders for what differs between records with equal results: control characters, which no IRI holds.
_ID, _DATASET, _RECORD = "\x00", "\x01", "\x02"
_TEMPLATES: dict[tuple[int, str, bool], tuple[Assessment, str, str]] = {}  # (assessment, visibility, urls checked)


def metadata_nquads(
    settings: Settings,
    ref: RecordRef,
    assessment: Assessment,
    reports: dict[str, Report],
    profiles: dict[str, ShaclProfile],
    *,
    checked_urls: bool,
) -> tuple[str, str]:
    """(N-Quads, digest) of a record's metadata quality graph, without the run's stamps: `metadata_lines` placed
    in the graph, and a digest that changes whenever they do.

    Records with equal results (the scoring shares one Assessment between them) and no SHACL reports differ only
    in their ids and IRIs: their graph is rendered once, with placeholders, and filled in per record.
    """
    graph = metadata_quality_graph(settings.base, ref.dataset_id)
    if reports:
        lines = metadata_lines(settings, ref, assessment, reports, profiles, checked_urls=checked_urls)
        return lines_to_nquads(lines, graph), digest(lines)
    key = (id(assessment), ref.visibility, checked_urls)
    found = _TEMPLATES.get(key)
    if found is None or found[0] is not assessment:
        blank = RecordRef(_ID, _RECORD, _DATASET, "", ref.visibility, "")
        lines = metadata_lines(settings, blank, assessment, {}, profiles, checked_urls=checked_urls)
        if len(_TEMPLATES) >= 10_000:
            _TEMPLATES.clear()
        # The template holds the assessment, so its id cannot be reused by another while the entry lives.
        found = _TEMPLATES[key] = (
            assessment,
            lines_to_nquads(lines, metadata_quality_graph(settings.base, _ID)),
            digest(lines),
        )
    _, template, template_digest = found
    text = template.replace(_ID, ref.dataset_id).replace(_DATASET, ref.dataset).replace(_RECORD, ref.graph)
    keyed = f"{template_digest}{_ID}{ref.dataset_id}{_DATASET}{ref.dataset}{_RECORD}{ref.graph}"
    return text, hashlib.blake2b(keyed.encode(), digest_size=16).hexdigest()


@lru_cache(maxsize=16)
def _datetime(at: str) -> str:
    return str(ox.Literal(at, datatype=XSD.dateTime))  # one run stamps 100k graphs with the same time


def stamp_lines(graph: str, *, run: str, at: str, digest: str) -> Lines:
    """When and by which run a graph's results were computed, and their digest."""
    return [
        f"<{graph}> {GENERATED_AT} {_datetime(at)}",
        f"<{graph}> {GENERATED_BY} <{run}>",
        f'<{graph}> {DIGEST} "{digest}"',  # a hex digest: nothing to escape
    ]


def shacl_triples(g: str, dataset: ox.NamedNode, report: Report, profile: ShaclProfile) -> list[ox.Triple]:
    """A trimmed `sh:ValidationReport` for one profile and a measurement of its violation count."""
    from quality.shacl import KEEP_VIOLATIONS

    node = ox.NamedNode(f"{g}#shacl-{profile.name}")
    triples = measurement(node, dataset, FQ.shaclViolations, len(report.real))
    triples += [
        ox.Triple(node, RDF.type, SH.ValidationReport),
        ox.Triple(node, SH.conforms, literal(report.conforms)),
        ox.Triple(node, FQ.profile, ox.Literal(profile.name)),
        ox.Triple(node, DCT.conformsTo, ox.NamedNode(profile.conforms_to)),
        ox.Triple(node, FQ.shapeDefects, literal(report.shape_defects)),
    ]
    if report.error:
        triples.append(ox.Triple(node, FQ.error, ox.Literal(report.error[:300])))
    for n, v in enumerate(report.real[:KEEP_VIOLATIONS]):
        result = ox.NamedNode(f"{g}#shacl-{profile.name}-{n}")
        triples += [
            ox.Triple(node, SH.result, result),
            ox.Triple(result, RDF.type, SH.ValidationResult),
            ox.Triple(result, SH.resultSeverity, SH[v.severity]),
            ox.Triple(result, SH.sourceConstraintComponent, SH[v.component]),
            ox.Triple(result, SH.focusNode, _node(v.focus)),
        ]
        if v.path:
            triples.append(ox.Triple(result, SH.resultPath, ox.NamedNode(v.path)))
        if v.message:
            triples.append(ox.Triple(result, SH.resultMessage, ox.Literal(v.message[:500])))
    return triples


def _node(text: str) -> ox.NamedNode | ox.Literal:
    try:
        return ox.NamedNode(text)
    except ValueError:  # a blank node label: its identity means nothing outside the report
        return ox.Literal(text)


def data_triples(settings: Settings, ref: RecordRef, outcome: ValidationOutcome) -> list[ox.Triple]:
    """The data quality graph of one record: the latest GX validation of its hosted data."""
    g = data_quality_graph(settings.base, ref.dataset_id)
    graph = ox.NamedNode(g)
    dataset = ox.NamedNode(ref.dataset)
    dist = ox.NamedNode(hosted_distribution(settings.base, ref.dataset_id))
    run = ox.NamedNode(outcome.run)
    agent = ox.NamedNode(GX_AGENT.format(version=outcome.gx_version))
    dt = XSD.dateTime
    triples = _marker(graph, ref, "data", outcome.ended, outcome.run)
    triples += [
        ox.Triple(run, RDF.type, PROV.Activity),
        ox.Triple(run, RDF.type, FQ.ValidationRun),
        ox.Triple(run, PROV.startedAtTime, ox.Literal(outcome.started, datatype=dt)),
        ox.Triple(run, PROV.endedAtTime, ox.Literal(outcome.ended, datatype=dt)),
        ox.Triple(run, PROV.wasAssociatedWith, agent),
        ox.Triple(run, FQ.gxVersion, ox.Literal(outcome.gx_version)),
        ox.Triple(agent, RDF.type, PROV.SoftwareAgent),
        ox.Triple(agent, RDFS.label, ox.Literal(f"Great Expectations {outcome.gx_version}")),
    ]
    columns = outcome.statistics.get("columns", {})
    nulls = [c["null_rate"] for c in columns.values()]
    summary: list[tuple[str, ox.NamedNode, Any]] = [
        ("success", FQ.dataValidationSuccess, outcome.success),
        ("ratio", FQ.expectationSuccessRatio, float(outcome.success_ratio)),
        ("expectations", FQ.expectationCount, outcome.evaluated),
        ("failed", FQ.failedExpectationCount, outcome.evaluated - outcome.successful),
        ("rows", FQ.rowCount, int(outcome.statistics.get("rows", 0))),
        ("columns", FQ.columnCount, len(columns)),
        ("completeness", FQ.completeness, float(1 - sum(nulls) / len(nulls)) if nulls else 1.0),
        ("drift", FQ.driftCount, len(outcome.drift)),
    ]
    for name, metric, value in summary:
        triples += measurement(ox.NamedNode(f"{g}#{name}"), dist, metric, value)
    # The dataset's own rollup, so a reader of the dataset finds the data verdict without the distribution.
    triples += measurement(
        ox.NamedNode(f"{g}#dataset-ratio"), dataset, FQ.expectationSuccessRatio, outcome.success_ratio
    )
    for n, r in enumerate(outcome.results):
        node = ox.NamedNode(f"{g}#expectation-{n}")
        percent = r.counts.get("unexpected_percent")
        triples += measurement(
            node, dist, FQ.unexpectedPercent, float(percent if percent is not None else (0 if r.success else 100))
        )
        triples += [
            ox.Triple(node, FQ.expectationType, ox.Literal(r.type)),
            ox.Triple(node, FQ.success, literal(r.success)),
        ]
        if r.column:
            triples.append(ox.Triple(node, FQ.column, ox.Literal(r.column)))
        for key, metric in (("unexpected_count", FQ.unexpectedCount), ("missing_percent", FQ.missingPercent)):
            if key in r.counts:
                triples.append(ox.Triple(node, metric, literal(r.counts[key])))
        if r.observed is not None:
            triples.append(ox.Triple(node, FQ.observedValue, literal(r.observed)))
        if r.error:
            triples.append(ox.Triple(node, FQ.error, literal(True)))
    identifiers = set(outcome.identifier_columns)
    for n, (name, col) in enumerate(columns.items()):
        node = ox.NamedNode(f"{g}#column-{n}")
        triples += measurement(node, dist, FQ.nullPercent, float(col["null_rate"] * 100))
        triples += [
            ox.Triple(node, FQ.column, ox.Literal(name)),
            ox.Triple(node, FQ.columnType, ox.Literal(col["type"])),
        ]
        if outcome.access_mode == "row-level" and name not in identifiers and "min" in col:
            triples.append(ox.Triple(node, FQ.observedMinimum, literal(col["min"])))
            triples.append(ox.Triple(node, FQ.observedMaximum, literal(col["max"])))
    for n, d in enumerate(outcome.drift):
        node = ox.NamedNode(f"{g}#drift-{n}")
        triples += [
            ox.Triple(dist, FQ.drift, node),
            ox.Triple(node, RDF.type, FQ.DriftNote),
            ox.Triple(node, FQ.driftKind, ox.Literal(d.kind)),
            ox.Triple(node, RDFS.comment, ox.Literal(d.detail, language="en")),
        ]
        if d.column:
            triples.append(ox.Triple(node, FQ.column, ox.Literal(d.column)))
    return triples


def replace_graphs(store: GraphStore, graphs: Iterable[tuple[str, Lines]], batch: int = 5000) -> int:
    """Replace named graphs whole, given as N-Triples lines; returns how many were written (see `replace_texts`)."""
    return replace_texts(store, ((graph, lines_to_nquads(lines, graph)) for graph, lines in graphs), batch)


def replace_texts(store: GraphStore, graphs: Iterable[tuple[str, str]], batch: int = 5000) -> int:
    """Replace named graphs whole, given as N-Quads text, in batches (one drop of those that exist, then one bulk
    load); returns how many were written. Few large loads: each bulk load adds files the store later merges, so
    many small ones cost more than their quads.

    A writer thread stores batch k while the caller makes batch k+1: a bulk load runs in the store without the
    GIL, so on two cores making and storing the graphs overlap. At most one batch waits, so memory stays bounded.
    """
    written = 0
    names: list[str] = []
    texts: list[str] = []
    pending: Future[None] | None = None

    def write(names: list[str], texts: list[str]) -> None:
        store.drop_graphs(names)
        data = "".join(texts).encode()
        raw = getattr(store, "raw", None)
        if isinstance(raw, ox.Store) and data:
            # Lenient: the text is made here from terms the store or the settings already validated, and
            # re-checking every IRI costs a tenth of the load.
            raw.bulk_load(data, format=ox.RdfFormat.N_QUADS, lenient=True)
        else:
            store.bulk_load(data)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dqv-writer") as writer:
        for graph, text in graphs:
            names.append(graph)
            texts.append(text)
            written += 1
            if len(names) >= batch:
                if pending is not None:
                    pending.result()  # the previous batch is stored (and its error, if any, raised) first
                pending = writer.submit(write, names, texts)
                names, texts = [], []
        if pending is not None:
            pending.result()
        if names:
            write(names, texts)
    store.flush()
    return written


def digest(lines: Lines) -> str:
    """A digest of a graph's content (order-free), to skip rewriting results that did not change."""
    return hashlib.blake2b("\n".join(sorted(lines)).encode(), digest_size=16).hexdigest()


DIGESTS_QUERY = f"SELECT ?g ?d WHERE {{ GRAPH ?g {{ ?g {FQ.resultDigest} ?d }} }}"


def stored_digests(store: GraphStore) -> dict[str, str]:
    """The result digest of every quality graph that has one."""
    return {r["g"].value: r["d"].value for r in store.select(DIGESTS_QUERY)}


# Only graphs out of line with their record come back (hash joins of three scans: a nested join seeks per graph).
VISIBILITY_QUERY = """PREFIX fedcat: <https://w3id.org/fedcat/ns#>
PREFIX fq: <https://w3id.org/fedcat/quality#>
SELECT ?g ?mine ?theirs WHERE {
  { SELECT ?g ?r WHERE { GRAPH ?g { ?g fq:ofRecord ?r } } }
  OPTIONAL { SELECT ?g ?mine WHERE { GRAPH ?g { ?g fedcat:visibility ?mine } } }
  OPTIONAL { SELECT ?r ?theirs WHERE { GRAPH ?r { ?r fedcat:visibility ?theirs } } }
  FILTER(!BOUND(?theirs) || !BOUND(?mine) || ?mine != ?theirs)
}"""


def sync_visibility(store: GraphStore) -> tuple[int, int]:
    """Bring quality and hosted graphs in line with their records after harvests: drop the graphs of withdrawn
    records, copy a changed visibility. Returns (dropped, updated)."""
    rows = store.select(VISIBILITY_QUERY)
    gone = sorted({r["g"].value for r in rows if "theirs" not in r})
    stated = {r["g"].value for r in rows if "mine" in r}
    changed = {
        r["g"].value: r["theirs"].value
        for r in rows
        if "theirs" in r and ("mine" not in r or r["mine"].value != r["theirs"].value)
    }
    store.drop_graphs(gone)
    # A graph without a visibility yet only needs the one quad added; rewriting it whole (drop + reload) costs a
    # thousand times more, and a harvest leaves one such graph per hosted or side graph it writes.
    added = {g: v for g, v in changed.items() if g not in stated}
    if added:
        store.bulk_load("".join(f"<{g}> {VISIBILITY} {ox.Literal(v)} <{g}> .\n" for g, v in added.items()).encode())
    updates = []
    for g, visibility in changed.items():
        if g in added:
            continue
        node = ox.NamedNode(g)
        kept = [t for t in store.graph_triples(g) if not (t.subject == node and t.predicate == FEDCAT.visibility)]
        kept.append(ox.Triple(node, FEDCAT.visibility, ox.Literal(visibility)))
        updates.append((g, kept))
    replace_graphs(store, [(g, lines_of(t)) for g, t in updates])
    return len(gone), len(changed)
