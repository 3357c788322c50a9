"""SHACL validation of records against pinned profile shapes (`vocabularies/shapes/`), with pyshacl.

Profiles: DCAT-AP 3.0.1 base shapes for every record; DCAT-AP-LU (v0.0.1-rc.1) for Luxembourg publishers;
HealthDCAT-AP for health datasets (with the DCAT-AP base shapes its `owl:imports` names, resolved locally).

Speed. pyshacl re-parses the text of every SPARQL-based constraint for every focus node (DCAT-AP-LU has 55),
which made LU ~0.3 s per record; the data graph here prepares each query once and reuses it, ~10x faster
with identical results (tests compare against upstream's expected counts). Records are validated in batches
of many records per pyshacl call; a record joins a batch only if every node it shares with records already
there has exactly the same description, so a batch cannot raise or hide a violation the record alone would
not (cardinality and class checks see the same triples). Results go back to each record by focus node.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import pyoxigraph as ox
import rdflib
from rdflib.plugins.sparql import prepareQuery

from quality.terms import SH
from vocabularies.namespaces import DCAT, DCT, FOAF, RDF, VCARD

SHAPES = Path(__file__).resolve().parents[1] / "vocabularies" / "shapes"
HEALTH_NS = "http://healthdataportal.eu/ns/health#"
HEAL_THEME = "http://publications.europa.eu/resource/authority/data-theme/HEAL"
DATATYPE_NAMESPACES = ("http://www.w3.org/2001/XMLSchema#", str(RDF))
BATCH_TRIPLES = 10_000  # per pyshacl call: amortises its set-up, and gives worker processes work to share
KEEP_VIOLATIONS = 50  # per record and profile in the graph; the count is always exact
SH_RDFLIB = rdflib.Namespace(str(SH))


@dataclass(frozen=True)
class ShaclProfile:
    """A set of shapes and the records it applies to."""

    name: str
    title: str
    files: tuple[str, ...]
    conforms_to: str
    applies: Callable[[list[ox.Triple]], bool]

    @property
    def digest(self) -> str:
        """A hash of the shapes: cached reports of other shapes are not reused."""
        return _digest(self.files)

    def shapes(self) -> rdflib.Graph:
        """The parsed shapes graph (cached per process)."""
        return _shapes(self.files)


@cache
def _digest(files: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in files:
        digest.update((SHAPES / name).read_bytes())
    return digest.hexdigest()[:16]


@cache
def _shapes(files: tuple[str, ...]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for name in files:
        graph.parse(SHAPES / name, format="turtle")
    return graph


def _host(iri: str) -> str:
    from urllib.parse import urlsplit

    try:
        return (urlsplit(iri).hostname or "").lower()
    except ValueError:
        return ""


def is_luxembourgish(triples: list[ox.Triple]) -> bool:
    """A Luxembourg publisher: its IRI or homepage, the contact e-mail or the landing page is under `.lu`."""
    publishers = {t.object for t in triples if t.predicate == DCT.publisher}
    contacts = {t.object for t in triples if t.predicate == DCAT.contactPoint}
    for t in triples:
        value = t.object.value if isinstance(t.object, ox.NamedNode) else ""
        if t.predicate == DCT.publisher and _host(value).endswith(".lu"):
            return True
        if t.subject in publishers and t.predicate == FOAF.homepage and _host(value).endswith(".lu"):
            return True
        if t.subject in contacts and t.predicate == VCARD.hasEmail and value.lower().endswith(".lu"):
            return True
        if t.predicate == DCAT.landingPage and _host(value).endswith(".lu"):
            return True
    return False


def is_health(triples: list[ox.Triple]) -> bool:
    """A health dataset: the EU HEAL theme, or any HealthDCAT-AP property."""
    return any(
        (t.predicate == DCAT.theme and isinstance(t.object, ox.NamedNode) and t.object.value == HEAL_THEME)
        or t.predicate.value.startswith(HEALTH_NS)
        for t in triples
    )


DCAT_AP = ShaclProfile(
    "dcat-ap",
    "DCAT-AP 3.0.1 (base shapes)",
    ("dcat-ap-3.0.1-shapes.ttl",),
    "https://semiceu.github.io/DCAT-AP/releases/3.0.1/",
    lambda triples: True,
)
DCAT_AP_LU = ShaclProfile(
    "dcat-ap-lu",
    "DCAT-AP-LU 0.0.1-rc.1",
    ("dcat-ap-lu-0.0.1-rc.1-shapes.ttl",),
    "https://mindig_lu.gitlab.io/DCAT-AP-LU",
    is_luxembourgish,
)
# HealthDCAT-AP's shapes owl:import the DCAT-AP 3.0.0 base shapes; 3.0.1 is that release with its
# dcat:byteSize datatype corrected (xsd:nonNegativeInteger), and gives upstream's baseline counts.
HEALTHDCAT_AP = ShaclProfile(
    "healthdcat-ap",
    "HealthDCAT-AP (with DCAT-AP 3.0.1 base shapes)",
    ("healthdcat-ap-shapes.ttl", "dcat-ap-3.0.1-shapes.ttl"),
    "https://healthdcat-ap.github.io/",
    is_health,
)
BUILTIN: dict[str, ShaclProfile] = {p.name: p for p in (DCAT_AP, DCAT_AP_LU, HEALTHDCAT_AP)}


def profiles() -> list[ShaclProfile]:
    """The built-in profiles and any a plug-in registered (entry point group `fedcat.profiles`)."""
    from catalogue import registry

    found = dict(BUILTIN)
    for name in registry.names("profile"):
        if name not in found:
            obj = registry.get("profile", name)
            if isinstance(obj, ShaclProfile):
                found[name] = obj
    return list(found.values())


@dataclass(frozen=True)
class Violation:
    """One SHACL result."""

    focus: str
    path: str | None
    component: str
    severity: str
    message: str | None = None
    shape_defect: bool = False  # a known defect of the shapes, not of the record (see `_is_shape_defect`)


@dataclass
class Report:
    """A record's result for one profile."""

    profile: str
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None  # the validator itself failed
    applies: bool = True  # False: the profile does not apply to the record (kept in the cache only)

    @property
    def real(self) -> list[Violation]:
        """Violations that are the record's (not shape defects), of severity Violation."""
        return [v for v in self.violations if not v.shape_defect and v.severity == "Violation"]

    @property
    def conforms(self) -> bool:
        """True when the record has no violation of its own."""
        return self.error is None and not self.real

    @property
    def shape_defects(self) -> int:
        """How many results come from defects of the shapes."""
        return sum(1 for v in self.violations if v.shape_defect)

    def to_json(self) -> str:
        """Serialised for the cache."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Report:
        """Read back from the cache."""
        data = json.loads(text)
        violations = [Violation(**v) for v in data["violations"]]
        return cls(data["profile"], violations, data.get("error"), data.get("applies", True))


class _PreparedQueries(rdflib.Graph):
    """An rdflib graph that parses each SPARQL text once (pyshacl sends the same text per focus node)."""

    _prepared: ClassVar[dict[tuple[str, tuple[tuple[str, str], ...]], Any]] = {}  # shared: shapes are few

    def query(
        self,
        query_object: Any,
        processor: Any = "sparql",
        result: Any = "sparql",
        initNs: Mapping[str, Any] | None = None,
        initBindings: Mapping[str, Any] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Any:
        if isinstance(query_object, str):
            namespaces = tuple(sorted((str(k), str(v)) for k, v in (initNs or {}).items()))
            key = (query_object, namespaces)
            prepared = self._prepared.get(key)
            if prepared is None:
                prepared = self._prepared[key] = prepareQuery(query_object, initNs=dict(namespaces))
            query_object, initNs = prepared, None
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


def _term(term: Any, cache: dict[Any, Any]) -> Any:
    found = cache.get(term)
    if found is None:
        if isinstance(term, ox.NamedNode):
            found = rdflib.URIRef(term.value)
        elif isinstance(term, ox.BlankNode):
            found = rdflib.BNode(term.value)
        elif term.language:
            found = rdflib.Literal(term.value, lang=term.language)
        elif term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            found = rdflib.Literal(term.value)
        else:
            found = rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
        cache[term] = found
    return found


def to_rdflib(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """An rdflib graph (with prepared-query caching) holding `triples`."""
    graph = _PreparedQueries()
    cache: dict[Any, Any] = {}
    add = graph.add
    for t in triples:
        add((_term(t.subject, cache), _term(t.predicate, cache), _term(t.object, cache)))
    return graph


@contextlib.contextmanager
def _quiet_literals() -> Any:
    """rdflib logs a traceback for every literal whose lexical form does not parse ("2021"^^xsd:date); such
    values are the records' problem, which SHACL reports as datatype violations, so the noise is muted."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _local(node: Any) -> str:
    return str(node).rsplit("#", 1)[-1]


def _is_shape_defect(shapes: rdflib.Graph, shape: Any, component: str, value: Any) -> bool:
    """DCAT-AP-LU rc.1 puts classes (rdfs:Resource, time:Instant) in `sh:datatype` on object properties, so
    every IRI value fails them, as upstream's own `*_valid.ttl` cases show. Such results say nothing about
    the record; they are kept, counted apart, and do not make it non-conforming."""
    if component != "DatatypeConstraintComponent" or isinstance(value, rdflib.Literal):
        return False
    datatype = shapes.value(shape, SH_RDFLIB.datatype)
    return datatype is not None and not str(datatype).startswith(DATATYPE_NAMESPACES)


def validate_graph(data: rdflib.Graph, profile: ShaclProfile) -> list[tuple[Any, tuple[str, ...], Violation]]:
    """pyshacl over one data graph: (focus node, identity, violation) for every result, warnings included.

    The identity (focus, path, component, severity, message, value, source shape; blank node labels are
    stable within one call) tells apart results that differ only in a field a `Violation` leaves out, so a
    batch can count how often each result was raised (see `validate_records`).
    """
    import pyshacl

    shapes = profile.shapes()
    with _quiet_literals():
        _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True, inplace=True)
    assert isinstance(report, rdflib.Graph)
    found = []
    for r in report.subjects(rdflib.RDF.type, SH_RDFLIB.ValidationResult):
        focus = report.value(r, SH_RDFLIB.focusNode)
        path = report.value(r, SH_RDFLIB.resultPath)
        component = _local(report.value(r, SH_RDFLIB.sourceConstraintComponent))
        message = report.value(r, SH_RDFLIB.resultMessage)
        value = report.value(r, SH_RDFLIB.value)
        shape = report.value(r, SH_RDFLIB.sourceShape)
        violation = Violation(
            str(focus),
            str(path) if isinstance(path, rdflib.URIRef) else None,
            component,
            _local(report.value(r, SH_RDFLIB.resultSeverity)),
            str(message) if message is not None else None,
            _is_shape_defect(shapes, shape, component, value),
        )
        identity = (*(str(x) for x in asdict(violation).values()), repr(value), repr(shape))
        found.append((focus, identity, violation))
    return found


def validate_one(triples: list[ox.Triple], profile: ShaclProfile) -> Report:
    """One record (or any RDF) against one profile."""
    try:
        with _quiet_literals():
            graph = to_rdflib(triples)
        found = validate_graph(graph, profile)
        return Report(profile.name, [v for _, _, v in found])
    except Exception as exc:  # a validator crash is reported on the record, not fatal to the run
        return Report(profile.name, error=f"{type(exc).__name__}: {exc}")


def _descriptions(triples: list[ox.Triple]) -> dict[Any, str]:
    by_subject: dict[Any, list[str]] = defaultdict(list)
    for t in triples:
        by_subject[t.subject].append(str(t))
    return {
        s: hashlib.blake2b("\n".join(sorted(lines)).encode(), digest_size=12).hexdigest()
        for s, lines in by_subject.items()
    }


def plan_batches(records: Mapping[str, list[ox.Triple]], limit: int = BATCH_TRIPLES) -> list[list[str]]:
    """Group records so that, within a group, shared nodes are described identically (see module doc)."""
    pending = list(records)
    described = {key: _descriptions(records[key]) for key in pending}
    batches: list[list[str]] = []
    while pending:
        batch: list[str] = []
        seen: dict[Any, str] = {}
        size = 0
        deferred = []
        for key in pending:
            mine = described[key]
            clash = any(seen.get(s, h) != h for s, h in mine.items())
            if clash or (batch and size + len(records[key]) > limit):
                deferred.append(key)
                continue
            batch.append(key)
            seen.update(mine)
            size += len(records[key])
        batches.append(batch)
        pending = deferred
    return batches


def _fill(
    graph: rdflib.Graph,
    batch: list[str],
    records: Mapping[str, list[ox.Triple]],
    cache: dict[Any, Any],
    subjects: dict[Any, list[str]],
    objects: dict[Any, list[str]],
) -> None:
    """Load a batch into one graph, noting which records state each node as subject and as object."""
    for key in batch:
        for t in records[key]:
            s, p, o = _term(t.subject, cache), _term(t.predicate, cache), _term(t.object, cache)
            graph.add((s, p, o))
            if not subjects[s] or subjects[s][-1] != key:
                subjects[s].append(key)
            if not objects[o] or objects[o][-1] != key:
                objects[o].append(key)


def validate_batch(
    records: Mapping[str, list[ox.Triple]], batch: list[str], profile: ShaclProfile
) -> dict[str, Report]:
    """One pyshacl call over a batch of records (see `plan_batches`), its results split back per record."""
    subjects: dict[Any, list[str]] = defaultdict(list)
    objects: dict[Any, list[str]] = defaultdict(list)
    graph = _PreparedQueries()
    with _quiet_literals():
        _fill(graph, batch, records, {}, subjects, objects)
    reports = {key: Report(profile.name) for key in batch}
    try:
        found = validate_graph(graph, profile)
    except Exception as exc:  # the whole batch failed: one record at a time tells which one
        if len(batch) == 1:
            return {batch[0]: Report(profile.name, error=f"{type(exc).__name__}: {exc}")}
        return {key: validate_one(records[key], profile) for key in batch}
    # pyshacl reports a result once per way the focus node is reached; a node shared by n records of the
    # batch is reached n times as often as by one record alone, so each of them gets its share.
    counts: dict[tuple[str, ...], list[Any]] = {}
    for focus, identity, violation in found:
        counts.setdefault(identity, [focus, violation, 0])[2] += 1
    for focus, violation, count in counts.values():
        owners = subjects.get(focus) or objects.get(focus) or batch
        share = max(1, round(count / len(owners)))
        for key in owners:
            reports[key].violations.extend([violation] * share)
    return reports


def validate_records(
    records: Mapping[str, list[ox.Triple]],
    profile: ShaclProfile,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, Report]:
    """Reports for many records (keyed as given), validated in batches in this process."""
    reports: dict[str, Report] = {}
    for batch in plan_batches(records):
        reports.update(validate_batch(records, batch, profile))
        if on_batch:
            on_batch(len(batch))
    return reports


def _remote_batch(profile_name: str, lines: dict[str, str]) -> dict[str, str]:
    """A worker process's share: N-Triples per record in, report JSON per record out."""
    records = {
        key: [
            ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES)
        ]
        for key, text in lines.items()
    }
    reports = validate_batch(records, list(records), BUILTIN[profile_name])
    return {key: report.to_json() for key, report in reports.items()}


def validate_profiles(
    work: Mapping[str, Mapping[str, list[ox.Triple]]],
    *,
    workers: int = 1,
    on_batch: Callable[[str, int], None] | None = None,
) -> dict[str, dict[str, Report]]:
    """Reports per profile name and record for `work` ({profile name: {key: triples}}).

    With `workers` > 1 the batches of every profile share a pool of fresh (spawned, not forked: the parent
    holds the open graph store) processes, since pyshacl is pure Python and one core is its limit.
    Profiles registered at run time, which a fresh process cannot know, stay in this process.
    """
    by_name = {p.name: p for p in profiles()}
    out: dict[str, dict[str, Report]] = {name: {} for name in work}
    jobs = [(name, batch) for name, records in work.items() for batch in plan_batches(records)]
    remote = [(n, b) for n, b in jobs if n in BUILTIN] if workers > 1 and len(jobs) > 1 else []
    local = [job for job in jobs if job not in remote]
    if remote:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {
                pool.submit(_remote_batch, name, {k: "".join(f"{t} .\n" for t in work[name][k]) for k in batch}): (
                    name,
                    batch,
                )
                for name, batch in remote
            }
            for name, batch in local:  # meanwhile, this process takes the batches only it can run
                out[name].update(validate_batch(work[name], batch, by_name[name]))
                if on_batch:
                    on_batch(name, len(batch))
            for future in as_completed(futures):
                name, batch = futures[future]
                out[name].update({k: Report.from_json(v) for k, v in future.result().items()})
                if on_batch:
                    on_batch(name, len(batch))
        return out
    for name, batch in local:
        out[name].update(validate_batch(work[name], batch, by_name[name]))
        if on_batch:
            on_batch(name, len(batch))
    return out


class ReportCache:
    """SHACL reports by record graph and profile, reused while the record and the shapes are unchanged."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS reports (graph TEXT, profile TEXT, content TEXT, shapes TEXT, report TEXT, "
            "PRIMARY KEY (graph, profile))"
        )

    def get(self, graph: str, profile: ShaclProfile, content: str) -> Report | None:
        """The cached report, if it is for this content and these shapes."""
        row = self.db.execute(
            "SELECT content, shapes, report FROM reports WHERE graph = ? AND profile = ?", (graph, profile.name)
        ).fetchone()
        if row is None or row[0] != content or row[1] != profile.digest:
            return None
        return Report.from_json(row[2])

    def put(self, graph: str, profile: ShaclProfile, content: str, report: Report) -> None:
        """Store a report (committed by `commit`)."""
        self.db.execute(
            "INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?, ?)",
            (graph, profile.name, content, profile.digest, report.to_json()),
        )

    def commit(self) -> None:
        """Make the stored reports durable."""
        self.db.commit()

    def close(self) -> None:
        """Commit and close."""
        self.db.commit()
        self.db.close()
