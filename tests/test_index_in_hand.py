"""Search documents a harvest builds from the triples it wrote equal those read back from the store.

The harvest indexes the records it changed from the triples in hand (catalogue/index_docs.py
`records_from_triples`) instead of reading them back with BATCH_QUERY; the values must be the same, typed
literals in the form the store keeps them in, and the quality values (from the quality graphs) still read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from catalogue.api import create_app
from catalogue.config import load_settings
from catalogue.index_docs import IndexRecord, add_quality, fetch_records, payload, record_graphs
from catalogue.records import dataset_id, record_graph
from catalogue.store import open_store
from demo.generate import generate
from harvesters.harvest import harvest_all
from harvesters.run import harvest_source
from quality.terms import hosted_graph, metadata_quality_graph

HEAD = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dpv: <https://w3id.org/dpv#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""
# Values whose stored form differs from what the source sent or whose choice depends on row order: typed
# literals in non-canonical lexical forms, several publishers, names and issued dates, blank-node publishers,
# personal-data categories with labels, values in no language and an odd one.
ODD = (
    HEAD
    + """
<https://odd.example.lu/ds/1> a dcat:Dataset ;
  dct:title "Tide gauges"@en, "Marégraphes"@fr-LU, "Pegel"@DE, "untagged title" ;
  dct:description "Sea level every 0.50 hours."@en ;
  dct:modified "2024-01-05T10:00:00.500000Z"^^xsd:dateTime, "2023-12-31"^^xsd:date ;
  dct:issued "2020-06-01T00:00:00.000Z"^^xsd:dateTime, "2019-01-01"^^xsd:date ;
  dct:publisher <https://odd.example.lu/org/b>, <https://odd.example.lu/org/a> ;
  dcat:keyword "tide"@en, "sea"@en, "0042"^^xsd:integer, "marée"@fr ;
  dpv:hasData <https://w3id.org/dpv/pd#Location> ;
  dcat:distribution [ a dcat:Distribution ;
                      dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;
                      dct:license <http://publications.europa.eu/resource/authority/licence/CC_BY_4_0> ],
                    [ a dcat:Distribution ; dct:format "1.50"^^xsd:decimal ] .
<https://odd.example.lu/org/a> foaf:name "Agency A"@en, "Agence A"@fr, "A agency"@en .
<https://odd.example.lu/org/b> foaf:name "Agency B"@en .
<https://w3id.org/dpv/pd#Location> skos:prefLabel "Location"@en ; rdfs:label "Place"@en, "Lieu"@fr .
<https://odd.example.lu/ds/2> a dcat:Dataset ;
  dct:title "Weather stations"@en ; dct:description "Stations."@en ;
  dct:publisher [ a foaf:Agent ; foaf:name "Blank weather office"@en, "Service météo"@fr ] ;
  dct:modified "2024"^^xsd:gYear .
"""
)


def comparable(record: IndexRecord) -> dict[str, Any]:
    """Everything a document is built from, with lists in a fixed order (row order is not significant)."""
    return {
        "graph": record.graph,
        "payload": payload(record),
        "texts": {
            kind: {lang: sorted(texts) for lang, texts in by_lang.items()}
            for kind, by_lang in (("t", record.titles), ("d", record.descriptions), ("k", record.keywords))
        },
        "publishers": sorted(record.publishers),
        "publisher_names": {k: dict(v) for k, v in record.publisher_names.items()},
        "dates": (record.modified, record.issued, record.last_changed),
    }


def _node(home: Path, tmp_path: Path, cli, restricted: bool = True) -> None:
    generate(tmp_path / "demo", datasets=60, partner_datasets=25)
    (tmp_path / "odd.ttl").write_text(ODD)
    cli("sources", "add", "home", "--kind", "dcat", "--url", (tmp_path / "demo/home/catalog.ttl").as_uri())
    cli("sources", "add", "partner", "--kind", "ckan", "--url", (tmp_path / "demo/partner/ckan-dump.jsonl").as_uri())
    odd = ["sources", "add", "odd", "--kind", "dcat", "--url", (tmp_path / "odd.ttl").as_uri()]
    cli(*odd, *(["--restricted"] if restricted else []))


def _quality(settings, record: IndexRecord, band: str) -> bytes:
    """A hosted-data and a metadata quality graph about `record`, as quality/ writes them."""
    graph, key, iri = record.graph, record.id, record.iri
    of_record, fedcat = "<https://w3id.org/fedcat/quality#ofRecord>", "https://w3id.org/fedcat/ns#"
    true = '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
    hosted, quality = hosted_graph(settings.base, key), metadata_quality_graph(settings.base, key)
    return (
        f"<{hosted}> {of_record} <{graph}> <{hosted}> .\n"
        f"<{iri}> <{fedcat}hostedData> {true} <{hosted}> .\n"
        f"<{quality}> {of_record} <{graph}> <{quality}> .\n"
        f'<{iri}> <{fedcat}qualityBand> "{band}" <{quality}> .\n'
    ).encode()


def test_records_built_in_hand_equal_those_read_from_the_store(home, tmp_path, cli):
    _node(home, tmp_path, cli)
    settings = load_settings(home)
    store = open_store(settings)
    try:
        # The runs themselves (harvest_all indexes their spooled records and then closes the spools).
        runs = [harvest_source(settings, store, source) for source in settings.sources]
        assert all(run.succeeded for run in runs)
        in_hand = {g: r for run in runs if run.records for g, r in run.records.items()}
        graphs = record_graphs(store)
        assert sorted(in_hand) == graphs and len(graphs) > 80
        # Quality graphs for a DCAT, a CKAN and the odd record: read for records built in hand too.
        odd = "https://odd.example.lu/ds/1"
        store.load(_quality(settings, in_hand[record_graph(settings.base, "odd", odd)], "Good"))
        partner = next(r for r in in_hand.values() if r.source == "partner")
        store.load(_quality(settings, partner, "Sufficient"))
        add_quality(store, list(in_hand.values()))
        read = {r.graph: r for r in fetch_records(store, graphs)}
        assert sorted(read) == graphs
        for graph in graphs:
            assert comparable(in_hand[graph]) == comparable(read[graph]), graph
        shown = payload(in_hand[record_graph(settings.base, "odd", odd)])
        assert shown["quality_band"] == "Good" and shown["hosted"] is True and shown["visibility"] == "restricted"
        assert shown["modified"] == "2024-01-05T10:00:00.5Z"  # as the store keeps it, not as the source sent it
        assert shown["publisher"]["key"] == "https://odd.example.lu/org/a"
        assert shown["publisher"]["names"] == {"en": "A agency", "fr": "Agence A"}
        assert payload(in_hand[partner.graph])["quality_band"] == "Sufficient"
    finally:
        store.close()


def test_a_changed_record_keeps_its_quality_values_in_the_index(home, tmp_path, cli):
    """Quality graphs are not touched by a harvest: a re-harvested record keeps its band and hosted marker."""
    _node(home, tmp_path, cli, restricted=False)
    assert cli("harvest").exit_code == 0
    settings = load_settings(home)
    odd = "https://odd.example.lu/ds/1"
    store = open_store(settings)
    try:
        (record,) = fetch_records(store, [record_graph(settings.base, "odd", odd)])
        store.load(_quality(settings, record, "Good"))
    finally:
        store.close()
    (tmp_path / "odd.ttl").write_text(ODD.replace("Tide gauges", "Tide gauges renamed"))
    result = cli("harvest")
    assert result.exit_code == 0, result.output
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/datasets", params={"q": "renamed"})
    assert response.status_code == 200, response.text
    (hit,) = response.json()["items"]
    assert hit["id"] == dataset_id("odd", odd) and hit["title"] == "Tide gauges renamed"
    assert hit["quality_band"] == "Good" and hit["hosted"] is True


def test_a_page_repeating_a_shared_node_gives_each_record_its_triples_once(home, tmp_path, cli):
    """Turtle that repeats a publisher's description per dataset: every record graph holds each triple once,
    and the run leaves nothing frozen out of the garbage collector."""
    import gc

    from catalogue.records import content_hash
    from catalogue.records import record_graph as graph_of

    body = HEAD + "".join(
        f'<https://rep.example.lu/ds/{i}> a dcat:Dataset ; dct:title "Repeat {i}"@en ;'
        f" dct:publisher <https://rep.example.lu/org> .\n"
        f'<https://rep.example.lu/org> a foaf:Agent ; foaf:name "Shared office"@en .\n'
        for i in range(3)
    )
    (tmp_path / "rep.ttl").write_text(body)
    cli("sources", "add", "rep", "--kind", "dcat", "--url", (tmp_path / "rep.ttl").as_uri())
    settings = load_settings(home)
    store = open_store(settings)
    try:
        report = harvest_all(settings, store, settings.sources)
        assert report.succeeded and report.runs[0].counts["new"] == 3
        assert gc.get_freeze_count() == 0
        graph = graph_of(settings.base, "rep", "https://rep.example.lu/ds/1")
        triples = store.graph_triples(graph)
        content = [t for t in triples if t.subject.value != graph]
        (stored_hash,) = [t.object.value for t in triples if t.predicate.value.endswith("#contentHash")]
        assert stored_hash == content_hash(content)  # the hash of the set, not of the page's repeated copies
        again = harvest_all(settings, store, settings.sources)
        assert again.runs[0].counts["unchanged"] == 3  # the hash of the set is stable
    finally:
        store.close()
