"""The metadata quality graph as scoring writes it: records with equal results share a rendering filled in per
record, and what lands in the store says what the one-record rendering says (score, band, every dimension, every
shortfall with its explanation), as DQV the API reads back."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from catalogue.config import Settings
from catalogue.records import lines_to_nquads
from catalogue.store import OxigraphStore
from quality import dqv, shacl
from quality.lookup import RecordRef
from quality.metadata import DIMENSIONS, RecordFacts, assess
from quality.report import metadata_section
from quality.scoring import HOSTED_QUERY, read_facts, read_graphs
from quality.terms import metadata_quality_graph
from tests.test_quality_hosted import ADMISSIONS, home_id, quality_template
from tests.test_quality_mqa import FULL_DISTRIBUTION, BackendNode, facts, quality_node

__all__ = ["quality_node", "quality_template"]

DQV = "http://www.w3.org/ns/dqv#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def ref(n: int, visibility: str = "public") -> RecordRef:
    """A record of the synthetic node."""
    return RecordRef(
        f"ds-{n}", f"https://node.test/graph/record/src/{n}", f"https://src.test/dataset/{n}", "src", visibility, "h"
    )


def quads(text: str) -> set[ox.Quad]:
    """The quads of an N-Quads text."""
    return set(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS))


def test_equal_inputs_share_one_assessment_and_different_ones_do_not() -> None:
    half = dict(FULL_DISTRIBUTION, **{"http://purl.org/dc/terms/license": []})
    a, b = assess(facts([FULL_DISTRIBUTION, half])), assess(facts([FULL_DISTRIBUTION, half]))
    assert a is b, "records alike share the (read-only) assessment"
    c = assess(facts([FULL_DISTRIBUTION, FULL_DISTRIBUTION]))
    assert c is not a and c.score > a.score
    assert assess(facts([FULL_DISTRIBUTION, half]), dcat_ap=(True, 0)) is not a, "the SHACL verdict is an input"
    assert assess(RecordFacts()).score == 0


def test_the_shared_rendering_is_the_records_own_graph(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, base_url="https://node.test")
    empty = assess(RecordFacts())
    partial = assess(facts([FULL_DISTRIBUTION, {}]))
    seen: dict[str, str] = {}
    for n, (assessment, visibility, checked) in enumerate(
        [
            (empty, "public", False),
            (partial, "public", False),
            (partial, "restricted", True),
            (partial, "public", False),
        ]
    ):
        r = ref(n, visibility)
        graph = metadata_quality_graph(settings.base, r.dataset_id)
        text, digest = dqv.metadata_nquads(settings, r, assessment, {}, {}, checked_urls=checked)
        lines = dqv.metadata_lines(settings, r, assessment, {}, {}, checked_urls=checked)
        assert quads(text) == quads(lines_to_nquads(lines, graph)), "filled in, it is the record's own rendering"
        assert f"ds-{n}" in text and "\x00" not in text and "\x01" not in text and "\x02" not in text
        again, same = dqv.metadata_nquads(settings, r, assessment, {}, {}, checked_urls=checked)
        assert (again, same) == (text, digest), "equal results, equal digest: a re-score rewrites nothing"
        seen[digest] = graph
    assert len(seen) == 4, "a digest names one record's results"


def test_what_is_written_reads_back_as_dqv_with_every_shortfall_explained(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, base_url="https://node.test")
    store = OxigraphStore(None)
    assessment = assess(facts([FULL_DISTRIBUTION, {}]), dcat_ap=(False, 2))
    written = []
    for n in range(3):
        r = ref(n)
        graph = metadata_quality_graph(settings.base, r.dataset_id)
        text, digest = dqv.metadata_nquads(settings, r, assessment, {}, {}, checked_urls=False)
        stamps = dqv.stamp_lines(graph, run="https://node.test/run/quality/x", at="2026-11-27T17:00:00Z", digest=digest)
        written.append((graph, text + lines_to_nquads(stamps, graph)))
    assert dqv.replace_texts(store, written, batch=2) == 3, "two batches: one on the writer thread, one at the end"
    assert (
        dqv.stored_digests(store)[written[1][0]]
        == dqv.metadata_nquads(settings, ref(1), assessment, {}, {}, checked_urls=False)[1]
    )
    mqa, _ = metadata_section(store, written[1][0])
    assert mqa is not None
    assert (mqa["score"], mqa["band"]) == (assessment.score, assessment.band)
    assert {d: v["score"] for d, v in mqa["dimensions"].items()} == assessment.dimensions and len(DIMENSIONS) == 5
    assert [(m["criterion"], m["points"], m["detail"]) for m in mqa["missing"]] == [
        (r.criterion.id, r.points, r.detail) for r in assessment.missing
    ]
    assert all(m["detail"] for m in mqa["missing"]), "every shortfall is explained"
    assert mqa["run"] == "https://node.test/run/quality/x" and mqa["assessed_at"] == "2026-11-27T17:00:00Z"
    dataset = ox.NamedNode(ref(1).dataset)
    measured = {
        q.subject
        for q in store.raw.quads_for_pattern(None, ox.NamedNode(DQV + "computedOn"), dataset, None)
        if q.graph_name == ox.NamedNode(written[1][0])
    }
    explained = [r for r in assessment.results if r.lost > 0 or not r.checked]  # shortfalls and assumptions
    assert len(measured) == 1 + len(DIMENSIONS) + len(explained), "each a measurement on the dataset"
    assert [m["criterion"] for m in mqa["assumed"]] == [r.criterion.id for r in explained if r.lost <= 0]
    g = ox.NamedNode(written[1][0])
    typed = {
        q.subject
        for q in store.raw.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(DQV + "QualityMeasurement"), g)
    }
    linked = {
        q.object for q in store.raw.quads_for_pattern(dataset, ox.NamedNode(DQV + "hasQualityMeasurement"), None, g)
    }
    # The score is the typed entry point linked from the dataset; the others' type is what dqv:isMeasurementOf
    # (domain dqv:QualityMeasurement) entails, and dqv:computedOn attaches them to the dataset.
    assert typed == linked == {ox.NamedNode(written[1][0] + "#mqa")}
    for node in measured:
        metrics = list(store.raw.quads_for_pattern(node, ox.NamedNode(DQV + "isMeasurementOf"), None, None))
        values = list(store.raw.quads_for_pattern(node, ox.NamedNode(DQV + "value"), None, None))
        assert len(metrics) == 1 and len(values) == 1
    shapes_conform = shacl.validate_one(
        [q.triple for q in store.raw.quads_for_pattern(None, None, None, ox.NamedNode(written[1][0]))], shacl.DCAT_AP
    )
    assert shapes_conform.conforms, "a quality graph adds nothing the DCAT-AP shapes object to"


def test_reading_a_slice_of_records_reads_what_the_whole_store_scans_read(quality_node: BackendNode) -> None:
    """Scoring an embedded store reads records a slice at a time, each graph whole (and its hosted-data graph):
    the same facts as the predicate scans and the SPARQL query."""
    from quality.lookup import all_records

    node = quality_node
    assert node.cli("data", "add", home_id(ADMISSIONS), str(node.file(ADMISSIONS)), "--no-validate").exit_code == 0
    store = node.store()
    try:
        graphs = [r.graph for r in all_records(store)]
        hosted = {r["r"].value: r["h"].value for r in store.select(HOSTED_QUERY)}
        indexed, sparql = read_facts(store, graphs, indexed=True), read_facts(store, graphs, indexed=False)
        sliced = {}
        for start in range(0, len(graphs), 7):
            sliced.update(read_graphs(store.raw, graphs[start : start + 7], hosted))  # type: ignore[attr-defined]
    finally:
        store.close()
    assert hosted and len(graphs) > 50
    for graph in graphs:
        a, b, c = indexed[graph], sparql[graph], sliced[graph]
        for other in (b, c):
            assert {k: sorted(v) for k, v in a.facts.dataset.items()} == {
                k: sorted(v) for k, v in other.facts.dataset.items()
            }
            assert {d: {k: sorted(v) for k, v in p.items()} for d, p in a.facts.distributions.items()} == {
                d: {k: sorted(v) for k, v in p.items()} for d, p in other.facts.distributions.items()
            }
            assert a.publisher() == other.publisher()
            assert sorted(a.publishers) == sorted(other.publishers)
            assert {k: sorted(map(str, v)) for k, v in a.publisher_names.items()} == {
                k: sorted(map(str, v)) for k, v in other.publisher_names.items()
            }
    assert any(len(sliced[g].facts.distributions) >= 2 and g in hosted for g in graphs), "hosted data is read too"
