"""Graph semantics: duplicates are linked not merged, a kill mid-harvest is survivable, the export conforms."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from catalogue.config import load_settings
from catalogue.store import open_store
from tests.servers import CkanApi, LoopbackServer

pytestmark = pytest.mark.store_backends  # every test on Oxigraph and on Virtuoso (tests/conftest.py)

HOME_TTL = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://data.home.lu/dataset/air> a dcat:Dataset ; dct:title "Air quality"@en ; dct:identifier "AIR-1" ;
  dct:description "Hourly air quality"@en ; dcat:landingPage <https://data.home.lu/air> .
<https://data.home.lu/dataset/bus> a dcat:Dataset ; dct:title "Bus stops"@en ; dct:description "Stops"@en ;
  dcat:distribution <https://data.home.lu/dataset/bus/csv> .
<https://data.home.lu/dataset/bus/csv> a dcat:Distribution ; dcat:accessURL <https://files.home.lu/bus.csv> ;
  dcat:downloadURL <https://files.home.lu/bus.csv> .
<https://data.home.lu/dataset/solo> a dcat:Dataset ; dct:title "Only here"@en ; dct:description "x"@en .
"""


def partner_packages() -> list[dict]:
    return [
        {
            "id": "p-air",
            "name": "air",
            "title": "Air quality (mirror)",
            "notes": "mirror",
            "metadata_modified": "2024-01-01T00:00:00",
            "url": "http://www.data.home.lu/air/",
            "extras": [{"key": "identifier", "value": "air-1"}],
            "resources": [],
        },
        {
            "id": "p-bus",
            "name": "bus",
            "title": "Bus stops (mirror)",
            "notes": "mirror",
            "metadata_modified": "2024-01-02T00:00:00",
            "resources": [{"id": "r1", "url": "https://files.home.lu/bus.csv", "format": "CSV"}],
        },
        {
            "id": "p-other",
            "name": "other",
            "title": "Something else",
            "notes": "n",
            "metadata_modified": "2024-01-03T00:00:00",
            "resources": [],
        },
    ]


def rows(home: Path, query: str) -> list[dict[str, str]]:
    store = open_store(load_settings(home))
    out = [{k: v.value for k, v in r.items()} for r in store.select(query)]
    store.close()
    return out


def test_duplicates_across_sources_are_linked_not_merged(cli, server: LoopbackServer, home):
    server.route("/home.ttl", HOME_TTL)
    CkanApi(partner_packages()).mount(server, "/partner")
    cli(
        "sources",
        "add",
        "home",
        "--kind",
        "dcat",
        "--url",
        f"{server.url}/home.ttl",
        "--allow-private-network",
    )
    cli(
        "sources",
        "add",
        "partner",
        "--kind",
        "ckan",
        "--url",
        f"{server.url}/partner",
        "--allow-private-network",
    )
    result = cli("harvest")
    assert result.exit_code == 0, result.output
    report = json.loads(sorted((home / "runs").glob("harvest-*.json"))[-1].read_text())
    pairs = {(d["source"], d["other_source"], tuple(d["matched_on"])) for d in report["duplicates"]}
    assert ("home", "partner", ("id:air-1", "url:data.home.lu/air")) in pairs
    assert any(p[0] == "home" and "url:files.home.lu/bus.csv" in p[2] for p in pairs)
    assert len(report["duplicates"]) == 4  # two clusters, linked both ways
    links = rows(home, "SELECT ?a ?b WHERE { GRAPH ?g { ?a <https://w3id.org/fedcat/ns#alsoListedIn> ?b } }")
    assert len(links) == 4
    # neither record lost anything: both titles still there, each in its own graph
    titles = rows(
        home,
        "SELECT ?g ?t WHERE { GRAPH ?g { ?d a <http://www.w3.org/ns/dcat#Dataset> ; "
        "<http://purl.org/dc/terms/title> ?t } }",
    )
    assert {"Air quality", "Air quality (mirror)", "Bus stops", "Bus stops (mirror)"} <= {t["t"] for t in titles}
    assert len({t["g"] for t in titles}) == 6


def test_same_iri_from_two_sources_keeps_both_records(cli, server, home):
    server.route("/a.ttl", HOME_TTL)
    server.route("/b.ttl", HOME_TTL.replace('"Only here"@en', '"Only here, per b"@en'))
    for name in ("a", "b"):
        cli(
            "sources",
            "add",
            name,
            "--kind",
            "dcat",
            "--url",
            f"{server.url}/{name}.ttl",
            "--allow-private-network",
        )
    assert cli("harvest").exit_code == 0
    per_graph = rows(
        home,
        "SELECT ?g ?t WHERE { GRAPH ?g { <https://data.home.lu/dataset/solo> <http://purl.org/dc/terms/title> ?t } }",
    )
    assert sorted(r["t"] for r in per_graph) == ["Only here", "Only here, per b"]
    report = json.loads(sorted((home / "runs").glob("harvest-*.json"))[-1].read_text())
    assert any("iri:data.home.lu/dataset/solo" in d["matched_on"] for d in report["duplicates"])


def test_kill_during_harvest_then_next_run_completes(server: LoopbackServer, home):
    packages = [
        {
            "id": f"pkg-{i:03d}",
            "name": f"pkg-{i}",
            "title": f"Package {i}",
            "notes": "n",
            "metadata_modified": f"2024-01-01T00:00:{i % 60:02d}",
            "resources": [],
        }
        for i in range(60)
    ]
    api = CkanApi(packages)
    slow = api.package_search

    def delayed(request):  # type: ignore[no-untyped-def]
        time.sleep(0.15)
        return slow(request)

    server.route("/api/action/package_search", delayed)
    with (home / "fedcat.toml").open("a") as f:
        f.write(
            f'\n[[sources]]\nname = "p"\nkind = "ckan"\nurl = "{server.url}"\nallow_private_network = true\n'
            "page_size = 2\n"
        )
    (home / "fedcat.toml").write_text((home / "fedcat.toml").read_text().replace("batch_size = 2000", "batch_size = 1"))
    env = {**os.environ, "FEDCAT_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "catalogue", "harvest"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while len(server.hits) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    half = rows(home, "SELECT ?g WHERE { GRAPH ?g { ?g <https://w3id.org/fedcat/ns#contentHash> ?h } }")
    assert 0 < len(half) < 60  # it was killed part-way, and the store still opens and answers
    done = subprocess.run([sys.executable, "-m", "catalogue", "harvest"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(sorted((home / "runs").glob("harvest-*.json"))[-1].read_text())["runs"][0]
    assert report["counts"]["new"] + report["counts"]["unchanged"] == 60
    titles = rows(
        home,
        "SELECT ?t WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> ?t }",
    )
    assert sorted(t["t"] for t in titles) == sorted(p["title"] for p in packages)


def test_export_formats_round_trip(cli, server, home, tmp_path):
    server.route("/home.ttl", HOME_TTL)
    cli(
        "sources",
        "add",
        "home",
        "--kind",
        "dcat",
        "--url",
        f"{server.url}/home.ttl",
        "--allow-private-network",
    )
    assert cli("harvest").exit_code == 0
    for fmt, rdf_format in (
        ("ttl", ox.RdfFormat.TURTLE),
        ("nt", ox.RdfFormat.N_TRIPLES),
        ("rdf", ox.RdfFormat.RDF_XML),
        ("jsonld", ox.RdfFormat.JSON_LD),
    ):
        out = tmp_path / f"export.{fmt}"
        assert cli("export", "--format", fmt, "--output", str(out)).exit_code == 0
        triples = list(ox.parse(path=str(out), format=rdf_format))
        datasets = {str(t.subject) for t in triples if t.object == ox.NamedNode("http://www.w3.org/ns/dcat#Dataset")}
        assert len(datasets) == 3
    assert cli("export", "--format", "xls").exit_code == 2
