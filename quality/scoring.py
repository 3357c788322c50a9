"""`fedcat quality score`: SHACL reports and MQA scores for every record, written as DQV, plus summaries.

Many records of an embedded store are reduced to their scoring inputs by the store itself (quality/facts_query.py);
few records, a remote store's, or a run checking URLs are read by SPARQL, one query per batch. A writer thread
stores the DQV graphs while the next ones are made. SHACL validates the record as the
node publishes it (the export's view: declared datatypes restored, range types stated, the hosted distribution
included) and caches reports by record content and shapes, so a re-score only validates what changed. The
search index is updated for the records whose band moved (the band is a search facet), as a harvest updates it.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from catalogue.clock import now_iso
from catalogue.config import Settings
from catalogue.datatypes import restore_datatypes
from catalogue.index import prepare_index, update_index
from catalogue.ranges import range_types
from catalogue.records import lines_to_nquads
from catalogue.store import GraphStore
from quality import dqv, shacl
from quality.facts_query import empty_inputs, read_inputs, read_publishers
from quality.lookup import RecordRef, all_records, find_record
from quality.metadata import (
    DATASET_PREDICATES,
    DISTRIBUTION_PREDICATES,
    Assessment,
    MqaInputs,
    RecordFacts,
    assess,
    assess_inputs,
    bands,
)
from quality.summary import Group, Scored, latest_harvest_run, snapshot_triples
from quality.terms import FQ, metadata_quality_graph, publisher_id, text
from vocabularies.namespaces import DCAT, DCT, FOAF, RDF

BATCH = 1000
INDEXED_FROM = 500  # records from which whole-store index scans beat one SPARQL join per batch
PARALLEL_FROM = 200  # records to validate before SHACL spreads over worker processes
WRITE_BATCH = 20_000  # quality graphs per bulk load
SKOLEM = "/.well-known/genid/"
Progress = Callable[[str, int, int], None]


def _values(terms: tuple[ox.NamedNode, ...]) -> str:
    return " ".join(str(t) for t in terms)


FACTS_QUERY = f"""SELECT ?g ?k ?v ?x WHERE {{
  VALUES ?g {{ $GRAPHS$ }}
  {{ GRAPH ?g {{ ?g {FOAF.primaryTopic} ?d .
      {{ VALUES ?k {{ {_values(DATASET_PREDICATES)} }} ?d ?k ?v }}
      UNION {{ ?d {DCAT.distribution} ?x . OPTIONAL {{ VALUES ?k {{ {_values(DISTRIBUTION_PREDICATES)} }} ?x ?k ?v }} }}
      UNION {{ ?d {DCT.publisher} ?x . ?x {FOAF.name} ?v . BIND({FOAF.name} AS ?k) }} }} }}
  UNION
  {{ GRAPH ?h {{ ?h {FQ.ofRecord} ?g ; a {FQ.HostedDataGraph} . ?dd {DCAT.distribution} ?x .
      OPTIONAL {{ VALUES ?k {{ {_values(DISTRIBUTION_PREDICATES)} }} ?x ?k ?v }} }} }}
}}"""
HOSTED_QUERY = f"SELECT ?h ?r WHERE {{ GRAPH ?h {{ ?h {FQ.ofRecord} ?r ; a {FQ.HostedDataGraph} }} }}"


@dataclass
class Facts:
    """What scoring read about one record."""

    facts: RecordFacts = field(default_factory=RecordFacts)
    publishers: list[str] = field(default_factory=list)
    publisher_names: dict[str, list[ox.Literal]] = field(default_factory=dict)

    def publisher(self) -> tuple[str, str] | None:
        """(publisher key, label): the IRI, or the name when the IRI is a per-record skolem IRI."""
        if not self.publishers:
            return None
        iri = sorted(self.publishers)[0]
        names = self.publisher_names.get(iri, [])
        name = next((n.value for n in names if n.language == "en"), names[0].value if names else iri)
        return (name if SKOLEM in iri else iri), name


@dataclass
class ScoreRun:
    """What a scoring pass did."""

    run: str
    started: str
    ended: str = ""
    records: int = 0
    bands: dict[str, int] = field(default_factory=dict)
    shacl_validated: int = 0
    shacl_cached: int = 0
    urls_checked: int = 0
    urls_unreachable: int = 0
    written: int = 0  # metadata quality graphs written
    outcomes: int = 0  # criteria outcomes written (shared by the records that scored alike)
    unchanged: int = 0  # records whose results equal the stored ones
    reindexed: int = 0  # search index documents rewritten because their record's band changed
    seconds: dict[str, float] = field(default_factory=dict)


def read_facts(store: GraphStore, graphs: list[str], *, indexed: bool | None = None) -> dict[str, Facts]:
    """Scoring facts of `graphs` (record graph IRIs).

    Many records are read from an embedded store by scanning its predicate index once per property scoring
    needs (`indexed`, the default from INDEXED_FROM records on); few records, or a remote store, by SPARQL.
    """
    raw = getattr(store, "raw", None)
    if indexed is None:
        indexed = len(graphs) >= INDEXED_FROM
    if indexed and isinstance(raw, ox.Store):
        return _read_indexed(raw, graphs)
    return _read_sparql(store, graphs)


def _read_sparql(store: GraphStore, graphs: list[str]) -> dict[str, Facts]:
    """Scoring facts by SPARQL, one query per batch of record graphs."""
    out: dict[str, Facts] = {g: Facts() for g in graphs}
    dist_keys = {p.value for p in DISTRIBUTION_PREDICATES}
    for start in range(0, len(graphs), BATCH):
        chunk = graphs[start : start + BATCH]
        query = FACTS_QUERY.replace("$GRAPHS$", " ".join(f"<{g}>" for g in chunk), 1)
        for row in store.select(query):
            f = out[row["g"].value]
            k, v, x = row.get("k"), row.get("v"), row.get("x")
            key = k.value if k is not None else None
            if key == FOAF.name.value and x is not None and isinstance(v, ox.Literal):
                f.publisher_names.setdefault(x.value, []).append(v)
            elif x is not None and (key is None or key in dist_keys):
                f.facts.add_distribution(x.value, key, v.value if v is not None else None)
            elif key is not None and v is not None:
                f.facts.add_dataset(key, v.value)
                if key == DCT.publisher.value and v.value not in f.publishers:
                    f.publishers.append(v.value)
    return out


def _graph_of(quad: ox.Quad) -> str:
    return quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""


def _dataset_values(raw: ox.Store, p: ox.NamedNode) -> Iterator[tuple[str, str, str]]:
    """(graph, subject, value) of every `p` statement in a named graph."""
    if p == DCAT.keyword:
        # Keywords come nine or so a dataset: a join in the store decodes the graph and the value only, half
        # the work of decoding whole quads (for one value a subject, the plain scan is the cheaper one).
        solutions = raw.query(f"SELECT ?g ?d ?v WHERE {{ GRAPH ?g {{ ?g {FOAF.primaryTopic} ?d . ?d {p} ?v }} }}")
        assert isinstance(solutions, ox.QuerySolutions)
        for g, d, v in solutions:
            yield text(g), text(d), text(v)
        return
    for q in raw.quads_for_pattern(None, p, None, None):
        yield _graph_of(q), text(q.subject), text(q.object)


def _read_indexed(raw: ox.Store, graphs: list[str]) -> dict[str, Facts]:
    """Scoring facts by predicate-index scans: ten-odd scans instead of a join per record.

    Each scan goes through the whole store, so a value counts only where it belongs: dataset properties on
    the record's `foaf:primaryTopic` in its graph, distribution properties on the distributions its dataset
    (or its hosted-data graph) lists.
    """
    wanted = {g: Facts() for g in graphs}
    topic: dict[str, str] = {}
    for q in raw.quads_for_pattern(None, FOAF.primaryTopic, None, None):
        g = _graph_of(q)
        if g in wanted and text(q.subject) == g:
            topic[g] = text(q.object)
    hosted_graphs = {text(q.subject) for q in raw.quads_for_pattern(None, RDF.type, FQ.HostedDataGraph, None)}
    hosted_of = {
        text(q.subject): text(q.object)
        for q in raw.quads_for_pattern(None, FQ.ofRecord, None, None)
        if text(q.subject) in hosted_graphs and text(q.object) in wanted
    }
    owner_of: dict[tuple[str, str], str] = {}  # (graph, distribution) -> record graph
    for q in raw.quads_for_pattern(None, DCAT.distribution, None, None):
        g = _graph_of(q)
        owner = g if g in wanted and text(q.subject) == topic.get(g) else hosted_of.get(g)
        if owner is not None:
            owner_of[(g, text(q.object))] = owner
            wanted[owner].facts.add_distribution(text(q.object), None, None)
    publishers: dict[str, set[str]] = {}
    for p in DATASET_PREDICATES:
        key = p.value
        for g, subject, value in _dataset_values(raw, p):
            if g in wanted and subject == topic.get(g):
                f = wanted[g]
                f.facts.add_dataset(key, value)
                if p == DCT.publisher and value not in f.publishers:
                    f.publishers.append(value)
                    publishers.setdefault(g, set()).add(value)
    for p in DISTRIBUTION_PREDICATES:
        key = p.value
        for q in raw.quads_for_pattern(None, p, None, None):
            owner = owner_of.get((_graph_of(q), text(q.subject)))
            if owner is not None:
                wanted[owner].facts.add_distribution(text(q.subject), key, text(q.object))
    for q in raw.quads_for_pattern(None, FOAF.name, None, None):
        g = _graph_of(q)
        if isinstance(q.object, ox.Literal) and text(q.subject) in publishers.get(g, ()):
            wanted[g].publisher_names.setdefault(text(q.subject), []).append(q.object)
    return wanted


def published_view(store: GraphStore, ref: RecordRef, hosted: str | None) -> list[ox.Triple]:
    """The record as the export publishes it: content, hosted distribution, identifier, range types."""
    node = ox.NamedNode(ref.graph)
    triples = [t for t in store.graph_triples(ref.graph) if t.subject != node]
    if hosted:
        h = ox.NamedNode(hosted)
        triples += [t for t in store.graph_triples(hosted) if t.subject != h]
    dataset = ox.NamedNode(ref.dataset)
    if not any(t.subject == dataset and t.predicate == DCT.identifier for t in triples):
        triples.append(ox.Triple(dataset, DCT.identifier, ox.Literal(ref.dataset)))  # as export.py does
    triples += range_types(triples)
    return list(restore_datatypes(triples))


def run_shacl(
    settings: Settings,
    store: GraphStore,
    refs: list[RecordRef],
    hosted: dict[str, str],
    profiles: list[shacl.ShaclProfile],
    run: ScoreRun,
    on_progress: Progress | None = None,
) -> dict[str, dict[str, shacl.Report]]:
    """Reports per record graph and profile: from the cache when the record is unchanged, else validated."""
    cache = shacl.ReportCache(settings.home / "quality" / "shacl.sqlite")
    reports: dict[str, dict[str, shacl.Report]] = defaultdict(dict)
    todo: dict[str, dict[str, list[ox.Triple]]] = defaultdict(dict)
    content = {
        ref.graph: ref.content_hash + "|" + (hosted_hash(store, hosted[ref.graph]) if ref.graph in hosted else "")
        for ref in refs
    }
    try:
        for n, ref in enumerate(refs, 1):
            view: list[ox.Triple] | None = None
            for profile in profiles:
                cached = cache.get(ref.graph, profile, content[ref.graph])
                if cached is not None:
                    run.shacl_cached += 1
                    if cached.applies:
                        reports[ref.graph][profile.name] = cached
                    continue
                view = view if view is not None else published_view(store, ref, hosted.get(ref.graph))
                if profile.applies(view):
                    todo[profile.name][ref.graph] = view
                else:  # remembered too, so an unchanged record is not re-read just to learn this again
                    cache.put(ref.graph, profile, content[ref.graph], shacl.Report(profile.name, applies=False))
            if on_progress and n % 500 == 0:
                on_progress("reading records", n, len(refs))
        total = sum(len(t) for t in todo.values())
        done = 0

        def step(name: str, k: int) -> None:
            nonlocal done
            done += k
            if on_progress:
                on_progress("SHACL", done, total)

        # Worker processes pay off once there is more than a few seconds of validation to share.
        workers = min(2, os.cpu_count() or 1) if total >= PARALLEL_FROM else 1
        for name, found in shacl.validate_profiles(todo, workers=workers, on_batch=step).items():
            profile = next(p for p in profiles if p.name == name)
            for graph, report in found.items():
                reports[graph][name] = report
                cache.put(graph, profile, content[graph], report)
                run.shacl_validated += 1
        cache.commit()
    finally:
        cache.close()
    return reports


def hosted_hash(store: GraphStore, graph: str) -> str:
    """The hosted graph's content, for the SHACL cache key (a new file changes byte size and checksum)."""
    import hashlib

    lines = sorted(str(t) for t in store.graph_triples(graph))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def score(
    settings: Settings,
    store: GraphStore,
    dataset_ids: list[str] | None = None,
    *,
    with_shacl: bool = True,
    check_urls: bool = False,
    max_urls: int = 1000,
    url_options: dict[str, object] | None = None,
    on_progress: Progress | None = None,
) -> ScoreRun:
    """Score records (all of them unless `dataset_ids`), write their metadata quality graphs and summaries."""
    clock = time.monotonic()
    run = ScoreRun(f"{settings.base}/run/quality/{uuid.uuid4().hex}", now_iso())
    dqv.sync_visibility(store)
    refs = [find_record(store, i) for i in dataset_ids] if dataset_ids else all_records(store)
    hosted = {r["r"].value: r["h"].value for r in store.select(HOSTED_QUERY)}
    # Marked pending before anything is written, so a run that dies half-way makes the next writer rebuild.
    indexed = prepare_index(settings, store, create=False)
    stored_bands = bands(store) if indexed else {}
    # Many records of an embedded store: the store itself reduces them to scoring inputs (quality/facts_query.py),
    # one aggregate query instead of decoding every value. Checking URLs needs the URLs, so it reads the values.
    # (No reference to the pyoxigraph store is kept in this frame: closing `store` must release it.)
    fast = isinstance(getattr(store, "raw", None), ox.Store) and not check_urls and len(refs) >= INDEXED_FROM
    facts: dict[str, Facts] = {}
    inputs: dict[str, MqaInputs] = {}
    publishers: dict[str, tuple[str, str]] = {}
    if fast:
        inputs = read_inputs(store.raw)  # type: ignore[attr-defined]  # an OxigraphStore (`fast`)
        publishers = read_publishers(store.raw, SKOLEM)  # type: ignore[attr-defined]
    else:
        facts = read_facts(store, [r.graph for r in refs])
    run.seconds["read"] = round(time.monotonic() - clock, 3)
    profiles = shacl.profiles()
    reports: dict[str, dict[str, shacl.Report]] = {}
    if with_shacl:
        tick = time.monotonic()
        reports = run_shacl(settings, store, refs, hosted, profiles, run, on_progress)
        run.seconds["shacl"] = round(time.monotonic() - tick, 3)
    reachable: dict[str, bool] | None = None
    if check_urls:
        from quality.urls import check_urls as check

        tick = time.monotonic()
        urls = [
            u
            for f in facts.values()
            for props in f.facts.distributions.values()
            for p in (DCAT.accessURL.value, DCAT.downloadURL.value)
            for u in props.get(p, [])
        ]
        checks = check(urls, max_urls=max_urls, **(url_options or {}))  # type: ignore[arg-type]
        reachable = {u: c.reachable for u, c in checks.items()}
        run.urls_checked = len(checks)
        run.urls_unreachable = sum(1 for c in checks.values() if not c.reachable)
        run.seconds["urls"] = round(time.monotonic() - tick, 3)
    tick = time.monotonic()
    at = now_iso()
    by_name = {p.name: p for p in profiles}
    band_counts: Counter[str] = Counter()
    new_bands: dict[str, str] = {}
    groups: dict[tuple[str, str], Group] = {}
    computing = [0.0]  # seconds spent scoring, as opposed to writing (the generator is consumed by the writer)
    empty = empty_inputs()
    # Per assessment and per publisher, made once: records alike share them (the entry holds the assessment, so
    # its id is not reused while the entry lives).
    shortfalls: dict[int, tuple[Assessment, list[str]]] = {}
    publisher_ids: dict[str, str] = {}

    def graphs() -> Iterator[tuple[str, str]]:
        for ref in refs:
            started = time.monotonic()
            mine = reports.get(ref.graph, {})
            base_report = mine.get(shacl.DCAT_AP.name)
            dcat_ap = (base_report.conforms, len(base_report.real)) if base_report else None
            if fast:
                assessment = assess_inputs(inputs.get(ref.graph, empty), dcat_ap=dcat_ap)
                publisher = publishers.get(ref.graph)
            else:
                f = facts[ref.graph]
                assessment = assess(f.facts, dcat_ap=dcat_ap, reachable=reachable)
                publisher = f.publisher()
            band_counts[assessment.band] += 1
            new_bands[ref.graph] = assessment.band
            if ref.public:
                missing = shortfalls.get(id(assessment))
                if missing is None or missing[0] is not assessment:
                    missing = shortfalls[id(assessment)] = (assessment, [r.criterion.id for r in assessment.missing])
                scored = Scored(
                    ref.dataset_id,
                    assessment.score,
                    assessment.band,
                    assessment.dimensions,
                    missing[1],
                    [(name, v.path or "", v.component) for name, rep in mine.items() for v in rep.real],
                )
                group = groups.get(("source", ref.source))
                if group is None:
                    group = groups[("source", ref.source)] = Group("source", ref.source, ref.source)
                group.records.append(scored)
                if publisher:
                    pid = publisher_ids.get(publisher[0])
                    if pid is None:
                        pid = publisher_ids[publisher[0]] = publisher_id(publisher[0])
                    group = groups.get(("publisher", pid))
                    if group is None:
                        group = groups[("publisher", pid)] = Group("publisher", pid, publisher[1])
                    group.records.append(scored)
            graph = metadata_quality_graph(settings.base, ref.dataset_id)
            shared = dqv.outcome(settings, assessment, ref.visibility)
            referenced.add(shared.graph)
            if shared.graph not in outcomes:  # written before (or with) the first record that refers to it
                outcomes.add(shared.graph)
                run.outcomes += 1
                computing[0] += time.monotonic() - started
                yield shared.graph, shared.text
                started = time.monotonic()
            text, found = dqv.metadata_nquads(settings, ref, assessment, mine, by_name, checked_urls=check_urls)
            # Results equal to the stored ones are not rewritten: a re-score of an unchanged catalogue writes
            # nothing, and the stored graph keeps the time its results were first computed.
            done = sum(band_counts.values())
            if on_progress and done % 1000 == 0:
                on_progress("scoring", done, len(refs))
            if digests.get(graph) == found:
                run.unchanged += 1
                computing[0] += time.monotonic() - started
            else:
                text += lines_to_nquads(dqv.stamp_lines(graph, run=run.run, at=at, digest=found), graph)
                computing[0] += time.monotonic() - started
                yield graph, text

    digests = dqv.stored_digests(store)
    outcomes = dqv.stored_outcomes(store)
    referenced: set[str] = set()
    # Few large loads: each adds files the store later merges (at 100k, 20 loads of 5,000 graphs cost about a third
    # more CPU than 5 of 20,000); a batch of 20,000 quality graphs is about 30 MB of text.
    run.written = dqv.replace_texts(store, graphs(), batch=WRITE_BATCH) - run.outcomes
    if not dataset_ids:  # only a full pass knows which outcomes no record refers to any more
        store.drop_graphs(sorted(outcomes - referenced))
    run.seconds["score"] = round(computing[0], 3)
    run.seconds["write"] = round(time.monotonic() - tick - computing[0], 3)
    if not dataset_ids:  # a summary describes a whole source or publisher, so only a full pass writes one
        history = []
        harvest_runs = {s: latest_harvest_run(store, settings.base, s) for s in {ref.source for ref in refs}}
        for (kind, _), group in sorted(groups.items()):
            history.append(
                snapshot_triples(
                    settings.base,
                    group,
                    run=run.run,
                    at=at,
                    harvest_run=harvest_runs.get(group.key) if kind == "source" else None,
                )
            )
        from catalogue.records import nquads

        store.bulk_load("".join(nquads(t, g) for g, t in history).encode())  # append-only history points
        store.flush()
    if indexed:
        tick = time.monotonic()
        moved = [g for g, b in new_bands.items() if stored_bands.get(g) != b]
        run.reindexed = update_index(settings, store, moved, [])
        run.seconds["index"] = round(time.monotonic() - tick, 3)
    run.records = sum(band_counts.values())
    run.bands = dict(band_counts)
    run.ended = now_iso()
    run.seconds["total"] = round(time.monotonic() - clock, 3)
    return run


__all__ = ["ScoreRun", "published_view", "read_facts", "score"]
