"""Metadata quality: MQA dimensions, weights and bands; explanations; URL checks; the SEMIC examples."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from catalogue.store import GraphStore, OxigraphStore, open_store
from demo.model import DemoManifest
from quality import shacl
from quality.metadata import BANDS, CRITERIA, DIMENSIONS, MAX_SCORE, RecordFacts, assess, band
from quality.scoring import read_facts
from quality.terms import metadata_quality_graph
from quality.urls import check_urls
from tests.conftest import Cli, node_copy
from tests.test_quality_hosted import ADMISSIONS, Node, facet, hit_ids, home_id, quality_template

__all__ = ["quality_template"]
# The node tests run on Oxigraph and on Virtuoso (tests/conftest.py).
pytestmark = pytest.mark.store_backends(
    oxigraph_only={
        "test_index_scans_read_what_sparql_reads": "index scans are Oxigraph's; remote stores read by SPARQL"
    }
)


class BackendNode(Node):
    """A `Node` whose store is the one its settings name (Oxigraph or the session's Virtuoso)."""

    def store(self) -> GraphStore:  # type: ignore[override]
        return open_store(self.settings)  # whichever backend the node is on


@pytest.fixture
def quality_node(
    quality_template: tuple[Path, Path, DemoManifest],
    tmp_path: Path,
    store_backend: str,
    request: pytest.FixtureRequest,
) -> Node:
    """The shared demo node (tests/test_quality_hosted.py), copied onto the backend the test runs on."""
    home, demo, manifest = quality_template
    copy = node_copy(home, tmp_path / "node", store_backend, request)
    return BackendNode(copy, demo, manifest, Cli(copy))


DCAT, DCT = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/"
EU = "http://publications.europa.eu/resource/authority/"
FULL_DATASET = {
    DCAT + "keyword": ["bees"],
    DCAT + "theme": [EU + "data-theme/AGRI"],
    DCT + "spatial": [EU + "country/GRC"],
    DCT + "temporal": ["_:t"],
    DCT + "accessRights": [EU + "access-right/PUBLIC"],
    DCAT + "contactPoint": ["_:c"],
    DCT + "publisher": ["https://example.org/agency"],
    DCT + "issued": ["2024-01-01"],
    DCT + "modified": ["2024-02-01"],
}
FULL_DISTRIBUTION = {
    DCAT + "accessURL": ["https://example.org/a"],
    DCAT + "downloadURL": ["https://example.org/a.csv"],
    DCT + "format": [EU + "file-type/CSV"],
    DCAT + "mediaType": ["http://www.iana.org/assignments/media-types/text/csv"],
    DCT + "license": [EU + "licence/CC_BY_4_0"],
    DCT + "rights": ["_:r"],
    DCAT + "byteSize": ["100"],
}


def facts(distributions: list[dict[str, list[str]]]) -> RecordFacts:
    """A record with every dataset-level property the MQA looks at, and the given distributions."""
    f = RecordFacts(dataset=dict(FULL_DATASET))
    for n, props in enumerate(distributions):
        f.distributions[f"https://example.org/d{n}"] = dict(props)
    return f


def test_weights_bands_and_vocabulary_agree_with_the_mqa() -> None:
    assert DIMENSIONS == {
        "findability": 100,
        "accessibility": 100,
        "interoperability": 110,
        "reusability": 75,
        "contextuality": 20,
    }
    assert MAX_SCORE == 405
    for dimension, points in DIMENSIONS.items():
        assert sum(c.points for c in CRITERIA if c.dimension == dimension) == points
    assert [(band(s), s) for s in (405, 351, 350, 221, 220, 121, 120, 0)] == [
        ("Excellent", 405),
        ("Excellent", 351),
        ("Good", 350),
        ("Good", 221),
        ("Sufficient", 220),
        ("Sufficient", 121),
        ("Bad", 120),
        ("Bad", 0),
    ]
    assert [name for name, _ in BANDS] == ["Excellent", "Good", "Sufficient", "Bad"]
    # Every metric the code writes is declared in the vocabulary file, with the same points and dimension.
    store = ox.Store()
    store.load(path=Path("vocabularies/data/quality.ttl"), format=ox.RdfFormat.TURTLE)
    rows = store.query(
        "PREFIX fq: <https://w3id.org/fedcat/quality#> PREFIX dqv: <http://www.w3.org/ns/dqv#> "
        "SELECT ?m ?points ?dim WHERE { ?m a dqv:Metric ; fq:maxPoints ?points ; dqv:inDimension ?dim }"
    )
    declared = {
        r["m"].value.rsplit("#", 1)[1]: (int(r["points"].value), r["dim"].value.rsplit("#", 1)[1]) for r in rows
    }
    for c in CRITERIA:
        assert declared[c.metric] == (c.points, c.dimension), c.id
    assert declared["mqaScore"] == (405, "mqa")


def test_a_complete_record_scores_405_and_an_empty_one_0() -> None:
    full = assess(facts([FULL_DISTRIBUTION]), dcat_ap=(True, 0), reachable={})
    assert full.score == 405 and full.band == "Excellent" and full.missing == []
    empty = assess(RecordFacts(), dcat_ap=(False, 3), reachable={})
    assert empty.score == 0 and empty.band == "Bad"
    assert {m.criterion.id for m in empty.missing} == {c.id for c in CRITERIA}
    assert dict(empty.dimensions) == dict.fromkeys(DIMENSIONS, 0.0)


def test_distribution_criteria_score_in_proportion_and_explain() -> None:
    no_licence = {k: v for k, v in FULL_DISTRIBUTION.items() if k != DCT + "license"}
    pdf = {**FULL_DISTRIBUTION, DCT + "format": [EU + "file-type/PDF"]}
    result = assess(facts([FULL_DISTRIBUTION, no_licence, pdf]), dcat_ap=(True, 0), reachable=None)
    lost = {m.criterion.id: (m.lost, m.detail) for m in result.missing}
    assert lost["licence"] == (pytest.approx(20 / 3, abs=0.01), "1 of 3 distributions have no dct:license")
    assert lost["licence_vocabulary"][0] == pytest.approx(10 / 3, abs=0.01)
    assert lost["machine_readable"] == (
        pytest.approx(20 / 3, abs=0.01),
        "1 of 3 distributions use no machine-readable format",
    )
    assert "non_proprietary" not in lost  # PDF is an open standard
    assert result.score == round(405 - 20 / 3 - 10 / 3 - 20 / 3)
    # Without --check-urls, present URLs are assumed reachable and say so.
    assumed = {r.criterion.id: r for r in result.results if not r.checked}
    assert set(assumed) == {"access_url", "download_url_reachable"}
    assert all("not checked" in (r.detail or "") for r in assumed.values())


def test_unreachable_urls_cost_points_and_dcat_ap_needs_shacl() -> None:
    reachable = {"https://example.org/a": False, "https://example.org/a.csv": True}
    result = assess(facts([FULL_DISTRIBUTION]), dcat_ap=None, reachable=reachable)
    lost = {m.criterion.id: m for m in result.missing}
    assert (
        lost["access_url"].lost == 50
        and lost["access_url"].detail == "1 of 1 distributions have no reachable access URL"
    )
    assert lost["dcat_ap"].lost == 30 and "not assessed" in (lost["dcat_ap"].detail or "")
    assert "download_url_reachable" not in lost


def test_url_checks_are_guarded_and_bounded() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == "/gone":
            return httpx.Response(404)
        if request.url.path == "/moved":
            return httpx.Response(302, headers={"location": "http://internal.example/secret"})
        if request.url.path == "/big":
            return httpx.Response(200, stream=httpx.ByteStream(b"x" * 1_000_000))
        return httpx.Response(200, stream=httpx.ByteStream(b"ok"))

    addresses = {"public.example": "93.184.216.34", "internal.example": "10.0.0.5", "localhost": "127.0.0.1"}

    def resolver(host: str, port: int) -> list[str]:
        return [addresses[host]]

    urls = [
        "https://public.example/ok",
        "https://public.example/gone",
        "https://public.example/moved",
        "https://public.example/big",
        "http://localhost:8000/admin",
        "file:///etc/passwd",
        "mailto:someone@example.org",
        "https://public.example/ok",  # a duplicate is fetched once
    ]
    checks = check_urls(urls, transport=httpx.MockTransport(handler), resolver=resolver)
    assert {u: (c.reachable, c.reason) for u, c in checks.items()} == {
        "https://public.example/ok": (True, "ok"),
        "https://public.example/gone": (False, "http-404"),
        "https://public.example/moved": (False, "forbidden-address"),
        "https://public.example/big": (True, "ok"),
        "http://localhost:8000/admin": (False, "forbidden-address"),
        "file:///etc/passwd": (False, "forbidden-scheme"),
        "mailto:someone@example.org": (False, "forbidden-scheme"),
    }
    assert not any("internal" in u or "localhost" in u for u in seen), "nothing non-public was contacted"
    assert seen.count("https://public.example/ok") == 1
    bounded = check_urls(
        [f"https://public.example/{n}" for n in range(50)],
        max_urls=7,
        transport=httpx.MockTransport(handler),
        resolver=resolver,
    )
    assert len(bounded) == 7


def test_score_explains_the_demos_deliberate_defects(quality_node: Node) -> None:
    from quality import dqv
    from quality.report import metadata_section

    node = quality_node
    result = node.cli("quality", "score")
    assert result.exit_code == 0, result.output
    assert re.search(r"SHACL: \d+ reports computed, 0 reused", result.output)
    stale = f"{node.settings.base}/graph/quality-outcome/stale"
    store = node.store()
    try:
        for entry in node.manifest.datasets:
            if not entry.defects:
                continue
            mqa, _ = metadata_section(store, metadata_quality_graph(node.settings.base, home_id(entry.iri)))
            assert mqa is not None
            comments = {m["criterion"]: m["detail"] for m in mqa["missing"]}
            if "no-description" in entry.defects:
                assert comments["dcat_ap"] == "1 violations of the DCAT-AP 3.0.1 base shapes"
            if "no-licence" in entry.defects:
                assert comments["licence"].endswith("distributions have no dct:license")
        outcomes = dqv.stored_outcomes(store)
        records = len(node.manifest.datasets)
        assert 1 < len(outcomes) < records, "records that scored alike share their outcome"
        # An outcome no record refers to any more (say, every record using it improved) goes on the next full pass.
        store.load(f"<{stale}> <{dqv.TYPE[1:-1]}> <{dqv.OUTCOME_GRAPH[1:-1]}> <{stale}> .\n".encode())
        store.flush()
    finally:
        store.close()
    some = node.cli("quality", "score", home_id(node.manifest.datasets[0].iri))
    assert some.exit_code == 0, some.output
    store = node.store()
    try:
        assert stale in dqv.stored_outcomes(store), "a partial pass cannot know what the others use"
    finally:
        store.close()
    again = node.cli("quality", "score")
    assert re.search(r"SHACL: 0 reports computed, \d+ reused", again.output), "unchanged records are not re-validated"
    store = node.store()
    try:
        assert dqv.stored_outcomes(store) == outcomes, "the unused outcome is gone, the used ones stay"
    finally:
        store.close()


SEMIC = "SEMICeu-DCAT-AP/releases/3.0.0/html/examples"


@pytest.mark.parametrize(
    ("example", "conforms", "score"),
    [
        # conforms=True in the baseline: DCAT-AP compliance (30) and a publisher (10); nothing else is stated
        ("example-bee-population.ttl", True, 40),
        ("example-bee-population-2022-2023.ttl", True, 40),
        # conforms=False (no description): spatial 20, date of issue 5, and no compliance points
        ("example-bee-population-dataset-series-life-count.ttl", False, 25),
    ],
)
def test_semic_examples_score_as_their_baseline_says(reference: Path, example: str, conforms: bool, score: int) -> None:
    path = reference / SEMIC / example
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE)]
    report = shacl.validate_one(triples, shacl.DCAT_AP)
    baseline = next(
        line
        for line in (reference / "BASELINE_pyshacl_0.40.1.txt").read_text().splitlines()
        if line.startswith(f"3.0.0/html/examples/{example} | dcatap30base")
    )
    assert f"conforms={conforms}" in baseline and report.conforms is conforms
    store = OxigraphStore(None)
    datasets = sorted({t.subject.value for t in triples if t.object.value == DCAT + "Dataset"})  # type: ignore[union-attr]
    graphs = []
    for n, dataset in enumerate(datasets):
        graph = f"https://node.example/graph/record/semic/{n}"
        marker = ox.Triple(
            ox.NamedNode(graph), ox.NamedNode("http://xmlns.com/foaf/0.1/primaryTopic"), ox.NamedNode(dataset)
        )
        store.load("".join(f"{t} <{graph}> .\n" for t in [*triples, marker]).encode())
        graphs.append(graph)
    for graph, found in read_facts(store, graphs).items():
        assessment = assess(found.facts, dcat_ap=(report.conforms, len(report.real)), reachable=None)
        assert assessment.score == score, (graph, [(m.criterion.id, m.lost) for m in assessment.missing])
        assert (assessment.results[12].criterion.id, assessment.results[12].points) == (
            "dcat_ap",
            30.0 if conforms else 0.0,
        )
    assert graphs, "the example describes at least one dataset"


def test_index_scans_read_what_sparql_reads(quality_node: Node) -> None:
    """Scoring reads many records by predicate-index scans, few by SPARQL: both must see the same facts."""
    from quality.lookup import all_records

    node = quality_node
    assert node.cli("data", "add", home_id(ADMISSIONS), str(node.file(ADMISSIONS)), "--no-validate").exit_code == 0
    store = node.store()
    try:
        graphs = [r.graph for r in all_records(store)]
        indexed, sparql = read_facts(store, graphs, indexed=True), read_facts(store, graphs, indexed=False)
    finally:
        store.close()
    for graph in graphs:
        a, b = indexed[graph], sparql[graph]
        assert {k: sorted(v) for k, v in a.facts.dataset.items()} == {k: sorted(v) for k, v in b.facts.dataset.items()}
        assert {d: {k: sorted(v) for k, v in p.items()} for d, p in a.facts.distributions.items()} == {
            d: {k: sorted(v) for k, v in p.items()} for d, p in b.facts.distributions.items()
        }
        assert a.publisher() == b.publisher()
    hosted = indexed[next(g for g in graphs if any("#hosted-data" in d for d in indexed[g].facts.distributions))]
    assert len(hosted.facts.distributions) >= 2


def test_bands_for_the_search_facet_and_withdrawn_records(quality_node: Node) -> None:
    from quality.metadata import band_for, bands

    node = quality_node
    assert node.cli("quality", "score", "--no-shacl").exit_code == 0
    store = node.store()
    try:
        by_record = bands(store)
        ident = home_id(node.manifest.datasets[0].iri)
        assert band_for(ident, store, node.settings.base) in {"Excellent", "Good", "Sufficient", "Bad"}
        assert band_for("0000000000000000", store, node.settings.base) is None
        assert len(by_record) == len(node.manifest.datasets) + 18  # home records and the partner's
        record = next(g for g in by_record if "/record/home/" in g)
        store.drop_graphs([record])  # as a harvest withdrawing it would
    finally:
        store.close()
    assert node.cli("quality", "score", "--no-shacl").exit_code == 0
    store = node.store()
    try:
        assert record not in bands(store), "quality graphs of withdrawn records are dropped"
    finally:
        store.close()


def reindexed(output: str) -> int:
    """How many records `fedcat quality score` says it re-indexed."""
    found = re.search(r"search index: (\d+) records updated", output)
    assert found, output
    return int(found.group(1))


def public_bands(node: Node) -> tuple[dict[str, str], dict[str, str]]:
    """Every record's band by record graph, and the public records' bands by dataset id, from the store."""
    from quality.lookup import all_records
    from quality.metadata import bands

    store = node.store()
    try:
        by_graph = bands(store)
        return by_graph, {ref.dataset_id: by_graph[ref.graph] for ref in all_records(store) if ref.public}
    finally:
        store.close()


def assert_search_shows(node: Node, public: dict[str, str]) -> None:
    """The band facet counts, and each band's filter finds, exactly the bands the store holds."""
    present = sorted(set(public.values()))
    everything, *by_band = node.search({}, *({"quality_band": name} for name in present))
    assert facet(everything, "quality_band") == Counter(public.values())
    for name, body in zip(present, by_band, strict=True):
        assert hit_ids(body) == {key for key, b in public.items() if b == name}


def test_a_score_run_reindexes_exactly_the_records_whose_band_moved(quality_node: Node) -> None:
    node = quality_node
    first = node.cli("quality", "score", "--no-shacl")  # DCAT-AP compliance scores 0 without SHACL
    assert first.exit_code == 0, first.output
    before, public = public_bands(node)
    assert reindexed(first.output) == len(before) == len(node.manifest.datasets) + 18  # every record's band is new
    assert_search_shows(node, public)
    second = node.cli("quality", "score")
    assert second.exit_code == 0, second.output
    after, public = public_bands(node)
    moved = {graph for graph, now in after.items() if before[graph] != now}
    assert moved and len(moved) < len(after)
    assert reindexed(second.output) == len(moved)
    assert_search_shows(node, public)
    again = node.cli("quality", "score")
    assert again.exit_code == 0 and reindexed(again.output) == 0


def test_scoring_a_node_without_a_search_index_builds_none_and_a_rebuild_shows_the_bands(quality_node: Node) -> None:
    from catalogue.index import index_status

    node = quality_node
    (node.settings.index_path / "CURRENT").unlink()
    result = node.cli("quality", "score", "--no-shacl")
    assert result.exit_code == 0, result.output
    assert reindexed(result.output) == 0 and index_status(node.settings) == "missing"
    assert node.cli("index", "rebuild").exit_code == 0
    assert_search_shows(node, public_bands(node)[1])
