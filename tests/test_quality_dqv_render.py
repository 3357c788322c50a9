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
from quality.scoring import HOSTED_QUERY, read_facts
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
    shared = dqv.outcome(settings, assessment, "public")
    written = [(shared.graph, shared.text)]
    for n in range(3):
        r = ref(n)
        graph = metadata_quality_graph(settings.base, r.dataset_id)
        text, digest = dqv.metadata_nquads(settings, r, assessment, {}, {}, checked_urls=False)
        stamps = dqv.stamp_lines(graph, run="https://node.test/run/quality/x", at="2026-11-27T17:00:00Z", digest=digest)
        written.append((graph, text + lines_to_nquads(stamps, graph)))
    assert dqv.replace_texts(store, written, batch=2) == 4, "two batches: one on the writer thread, one at the end"
    assert (
        dqv.stored_digests(store)[written[2][0]]
        == dqv.metadata_nquads(settings, ref(1), assessment, {}, {}, checked_urls=False)[1]
    )
    assert dqv.stored_outcomes(store) == {shared.graph}
    mqa, _ = metadata_section(store, written[2][0])
    assert mqa is not None
    assert (mqa["score"], mqa["band"]) == (assessment.score, assessment.band)
    assert {d: v["score"] for d, v in mqa["dimensions"].items()} == assessment.dimensions and len(DIMENSIONS) == 5
    assert [(m["criterion"], m["points"], m["detail"]) for m in mqa["missing"]] == [
        (r.criterion.id, r.points, r.detail) for r in assessment.missing
    ]
    assert all(m["detail"] for m in mqa["missing"]), "every shortfall is explained"
    assert mqa["run"] == "https://node.test/run/quality/x" and mqa["assessed_at"] == "2026-11-27T17:00:00Z"
    dataset = ox.NamedNode(ref(1).dataset)
    g = ox.NamedNode(written[2][0])
    measured = {q.subject for q in store.raw.quads_for_pattern(None, ox.NamedNode(DQV + "computedOn"), dataset, g)}
    assert len(measured) == 1, "the score: a measurement on the dataset"
    explained = [r for r in assessment.results if r.lost > 0 or not r.checked]  # shortfalls and assumptions
    assert [m["criterion"] for m in mqa["assumed"]] == [r.criterion.id for r in explained if r.lost <= 0]
    # The points per dimension and each shortfall are stated once, in the outcome the records that scored alike
    # refer to.
    fq = "https://w3id.org/fedcat/quality#"
    refers = {q.object for q in store.raw.quads_for_pattern(None, ox.NamedNode(fq + "outcome"), None, None)}
    assert refers == {ox.NamedNode(shared.node)}
    node = ox.NamedNode(shared.node)
    assert len(list(store.raw.quads_for_pattern(node, ox.NamedNode(fq + "shortfall"), None, None))) == len(explained)
    dimensions = store.raw.quads_for_pattern(node, ox.NamedNode(fq + "dimensionScore"), None, None)
    assert len(list(dimensions)) == len(DIMENSIONS)
    per_record = len(list(store.raw.quads_for_pattern(None, None, None, g)))
    assert per_record == 14, f"a record's graph holds {per_record} quads"
    typed = {
        q.subject
        for q in store.raw.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(DQV + "QualityMeasurement"), g)
    }
    linked = {
        q.object for q in store.raw.quads_for_pattern(dataset, ox.NamedNode(DQV + "hasQualityMeasurement"), None, g)
    }
    assert typed == linked == measured == {ox.NamedNode(written[2][0] + "#mqa")}
    for node in measured:
        metrics = list(store.raw.quads_for_pattern(node, ox.NamedNode(DQV + "isMeasurementOf"), None, None))
        values = list(store.raw.quads_for_pattern(node, ox.NamedNode(DQV + "value"), None, None))
        assert len(metrics) == 1 and len(values) == 1
    for graph in (written[2][0], shared.graph):
        shapes_conform = shacl.validate_one(
            [q.triple for q in store.raw.quads_for_pattern(None, None, None, ox.NamedNode(graph))], shacl.DCAT_AP
        )
        assert shapes_conform.conforms, "a quality graph adds nothing the DCAT-AP shapes object to"


def test_outcomes_follow_visibility_and_a_full_pass_drops_those_no_record_uses(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, base_url="https://node.test")
    partial = assess(facts([FULL_DISTRIBUTION, {}]))
    public, restricted = dqv.outcome(settings, partial, "public"), dqv.outcome(settings, partial, "restricted")
    assert public.graph != restricted.graph, "an outcome only restricted records use is restricted too"
    assert '"restricted"' in restricted.text and '"restricted"' not in public.text
    assert dqv.outcome(settings, partial, "public") == public
    other = dqv.outcome(settings, assess(facts([FULL_DISTRIBUTION])), "public")
    assert other.node != public.node


# Awkward records the demo lacks: literals spelling vocabulary IRIs, IANA media types, several publishers (one a
# blank node named in French only), a distribution listed twice, a dataset without distributions, and values
# on subjects that are not the record's dataset or distributions (which must not count).
EU = "http://publications.europa.eu/resource/authority/"
DC, DCATNS, FOAFNS = "http://purl.org/dc/terms/", "http://www.w3.org/ns/dcat#", "http://xmlns.com/foaf/0.1/"
AWKWARD = f"""
<urn:g1> <{FOAFNS}primaryTopic> <urn:d1> ; <https://w3id.org/fedcat/ns#visibility> "public" .
<urn:d1> <{DCATNS}keyword> "k" ; <{DC}accessRights> "{EU}access-right/PUBLIC" ; <{DC}publisher> <urn:p2>, _:p1 ;
  <{DCATNS}distribution> <urn:x1>, <urn:x2> .
_:p1 <{FOAFNS}name> "Ministère"@fr .
<urn:p2> <{FOAFNS}name> "Zentrale"@de, "Central"@en .
<urn:x1> <{DC}format> "{EU}file-type/CSV", <{EU}file-type/PDF> ;
  <{DCATNS}mediaType> <https://www.iana.org/assignments/media-types/text/csv> ;
  <{DC}license> <{EU}licence/CC_BY_4_0>, "no licence" ; <{DCATNS}downloadURL> <https://x.test/1> .
<urn:x2> <{DCATNS}mediaType> <urn:not-iana> ; <{DCATNS}byteSize> 12 ; <{DC}rights> <urn:r> .
<urn:other> <{DCATNS}theme> <urn:t> ; <{DCATNS}distribution> <urn:x3> .
<urn:x3> <{DC}format> <{EU}file-type/CSV> .
<urn:g2> <{FOAFNS}primaryTopic> <urn:d2> ; <https://w3id.org/fedcat/ns#visibility> "public" .
<urn:d2> <{DC}publisher> "A literal publisher" ; <{DC}modified> "2026-01-01" ;
  <{DCATNS}distribution> <urn:x4>, <urn:x4> .
<urn:x4> <{DCATNS}accessURL> <https://x.test/4> .
<urn:g3> <{FOAFNS}primaryTopic> <urn:d3> .
<urn:d3> <{DC}title> "Nothing scoring reads" .
"""


def test_the_store_computes_the_inputs_that_reading_the_values_gives(quality_node: BackendNode) -> None:
    """Many records of an embedded store are reduced to MQA inputs by one aggregate query: for every record
    (hosted data and awkward values included) they equal what the values read by SPARQL and by index scans
    give, and so does the publisher."""
    from quality.facts_query import empty_inputs, read_inputs, read_publishers
    from quality.lookup import all_records
    from quality.metadata import inputs_of
    from quality.scoring import SKOLEM

    node = quality_node
    assert node.cli("data", "add", home_id(ADMISSIONS), str(node.file(ADMISSIONS)), "--no-validate").exit_code == 0
    store = node.store()
    try:
        awkward = ox.Store()
        awkward.load(AWKWARD.encode(), format=ox.RdfFormat.TURTLE)
        markers = (ox.NamedNode("urn:g1"), ox.NamedNode("urn:g2"))  # each record graph's own statements
        text = "".join(
            f"{q.subject} {q.predicate} {q.object} <urn:g{g}> .\n"
            for g in (1, 2, 3)
            for q in awkward.quads_for_pattern(None, None, None, None)
            if q.subject not in markers or q.subject == ox.NamedNode(f"urn:g{g}")
        )
        store.load(text.encode())
        refs = all_records(store)
        graphs = [r.graph for r in refs] + ["urn:g1", "urn:g2", "urn:g3"]
        public = {r.graph for r in refs if r.public} | {"urn:g1", "urn:g2"}
        hosted = {r["r"].value for r in store.select(HOSTED_QUERY)}
        indexed, sparql = read_facts(store, graphs, indexed=True), read_facts(store, graphs, indexed=False)
        computed, publishers = read_inputs(store.raw), read_publishers(store.raw, SKOLEM)  # type: ignore[attr-defined]
    finally:
        store.close()
    assert hosted and len(graphs) > 50
    for graph in graphs:
        expected = inputs_of(sparql[graph].facts)
        assert inputs_of(indexed[graph].facts) == expected, graph
        assert computed.get(graph, empty_inputs()) == expected, graph
        assert sparql[graph].publisher() == indexed[graph].publisher(), graph
        if graph in public:  # summaries group public records only, and label them as public records do
            assert publishers.get(graph) == sparql[graph].publisher(), graph
        else:
            assert (publishers.get(graph) or ("",))[0] == (sparql[graph].publisher() or ("",))[0] or (
                SKOLEM in (sparql[graph].publishers or [""])[0]
            ), graph
    assert public and len(public) < len(graphs), "restricted records are read too"
    assert any(computed[g].total >= 2 for g in hosted), "hosted data counts as a distribution"
    awkward_one = computed["urn:g1"]
    assert (awkward_one.total, awkward_one.rights_vocabulary, awkward_one.counts[5]) == (2, True, 1)
    # The first publisher by its text (the blank node's label sorts before "urn:"), named in French only.
    assert publishers["urn:g1"][1] == "Ministère" and publishers["urn:g2"] == ("A literal publisher",) * 2
    assert "urn:g3" not in computed and computed["urn:g2"].total == 1
