"""Harvesting DCAT RDF endpoints: real udata / ckanext-dcat captures served from 127.0.0.1, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalogue.cli_harvest import ProgressLines
from catalogue.config import load_settings
from catalogue.store import open_store
from tests.servers import LoopbackServer

pytestmark = pytest.mark.store_backends  # every test on Oxigraph and on Virtuoso (tests/conftest.py)
UDATA = "udata/udata/harvest/tests/dcat"


def _serve_paged(server: LoopbackServer, reference: Path, stem: str) -> str:
    """Serve udata's two-page Hydra capture with its page links pointed at our server."""
    server.route("/catalog.jsonld", _page_router(server, reference, stem))
    return f"{server.url}/catalog.jsonld"


def _page_router(server: LoopbackServer, reference: Path, stem: str):  # type: ignore[no-untyped-def]
    def handle(request):  # type: ignore[no-untyped-def]
        page = request.query.get("page", ["1"])[0]
        body = (reference / UDATA / f"{stem}-{page}.jsonld").read_text()
        body = body.replace("http://data.test.org/catalog.jsonld", f"{server.url}/catalog.jsonld")
        return 200, {"Content-Type": "application/ld+json"}, body.encode()

    return handle


def _select(home: Path, query: str) -> list[dict[str, str]]:
    """Rows of a query over the node's store, whichever backend it is on."""
    store = open_store(load_settings(home))
    try:
        rows = store.select(
            "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/> "
            "PREFIX fedcat: <https://w3id.org/fedcat/ns#> " + query
        )
    finally:
        store.close()
    return [{k: v.value for k, v in r.items()} for r in rows]


def _datasets(home: Path) -> dict[str, str]:
    return {r["d"]: r["t"] for r in _select(home, "SELECT ?d ?t WHERE { ?d a dcat:Dataset ; dct:title ?t }")}


def test_hydra_partial_collection_view_is_followed(cli, server, reference, home):
    url = _serve_paged(server, reference, "partial-collection")
    assert cli("sources", "add", "udata", "--kind", "dcat", "--url", url, "--allow-private-network").exit_code == 0
    result = cli("harvest")
    assert result.exit_code == 0, result.output
    # off a terminal (here, as under cron or the worker) the live bar shows nothing until the end: plain lines do
    assert result.output.startswith("udata: 3 of 4 records\n")
    datasets = _datasets(home)
    assert len(datasets) == 4  # 3 on page 1, 1 on page 2; hydra:totalItems says 4
    assert any("?page=2" in h for h in server.hits)
    report = json.loads(sorted((home / "runs").glob("harvest-*.json"))[-1].read_text())
    run = report["runs"][0]
    assert run["status"] == "succeeded" and run["complete"] is True
    assert run["counts"]["new"] == 4


def test_older_hydra_paged_collection_is_followed(cli, server, reference, home):
    url = _serve_paged(server, reference, "paged-collection")
    cli("sources", "add", "udata", "--kind", "dcat", "--url", url, "--allow-private-network")
    assert cli("harvest").exit_code == 0
    assert len(_datasets(home)) == 4


def test_rdfxml_and_turtle_by_content_type_and_extension(cli, server, reference, home):
    server.route("/catalog", (reference / UDATA / "catalog.xml").read_bytes(), content_type="application/rdf+xml")
    server.route(
        "/dataset.ttl",
        (reference / "ckanext-dcat/examples/dcat/dataset_health.ttl").read_bytes(),
        content_type="application/octet-stream",
    )
    cli("sources", "add", "xml", "--kind", "dcat", "--url", f"{server.url}/catalog", "--allow-private-network")
    cli(
        "sources",
        "add",
        "ttl",
        "--kind",
        "dcat",
        "--url",
        f"{server.url}/dataset.ttl",
        "--allow-private-network",
    )
    result = cli("harvest")
    assert result.exit_code == 0, result.output
    titles = set(_datasets(home).values())
    assert {"Dataset 1", "Dataset 2", "Dataset 3", "Dataset 4"} <= titles
    assert "HealthDCAT-AP test dataset" in titles
    # catalog.xml names a distribution by a relative IRI: it resolves against the URL we fetched
    dists = {r["x"] for r in _select(home, "SELECT ?x WHERE { ?d dcat:distribution ?x }")}
    assert f"{server.url}/datasets/3/resources/1" in dists


def test_unchanged_reharvest_writes_nothing_and_conditional_get(cli, server, reference, home):
    body = (reference / "ckanext-dcat/examples/dcat/dataset_afs.ttl").read_bytes()
    server.route(
        "/c.ttl",
        lambda req: (
            (304, {}, b"")
            if req.headers.get("If-None-Match") == '"v1"'
            else (200, {"Content-Type": "text/turtle", "ETag": '"v1"'}, body)
        ),
    )
    cli("sources", "add", "cond", "--kind", "dcat", "--url", f"{server.url}/c.ttl", "--allow-private-network")
    assert cli("harvest").exit_code == 0
    changed = "SELECT ?g ?c ?h WHERE { GRAPH ?g { ?g fedcat:lastChanged ?c ; fedcat:contentHash ?h } }"
    before = _select(home, changed)
    assert len(before) == 1
    result = cli("harvest")
    assert result.exit_code == 0
    report = json.loads(sorted((home / "runs").glob("harvest-*.json"))[-1].read_text())
    counts = report["runs"][0]["counts"]
    assert counts == {"new": 0, "updated": 0, "unchanged": 1, "withdrawn": 0, "failed": 0}
    assert _select(home, changed) == before  # the record graph was not rewritten
    assert server.hits.count("/c.ttl") == 2  # the second fetch was a conditional GET answered 304
    # --full ignores the ETag and re-parses, still finding nothing changed
    result = cli("harvest", "--full")
    report = json.loads(sorted((home / "runs").glob("harvest-*.json"))[-1].read_text())
    assert report["runs"][0]["counts"]["unchanged"] == 1 and report["runs"][0]["counts"]["updated"] == 0


def test_file_urls_for_a_file_and_a_directory(cli, reference, home, tmp_path):
    folder = tmp_path / "rdf"
    folder.mkdir()
    for name in ("dataset_afs.ttl", "dataset.rdf", "dataset_deri.ttl"):
        (folder / name).write_bytes((reference / "ckanext-dcat/examples/dcat" / name).read_bytes())
    cli("sources", "add", "dir", "--kind", "dcat", "--url", folder.as_uri())
    cli("sources", "add", "one", "--kind", "dcat", "--url", (reference / UDATA / "udata.xml").as_uri())
    result = cli("harvest")
    assert result.exit_code == 0, result.output
    report = json.loads(sorted((home / "runs").glob("harvest-*.json"))[-1].read_text())
    by_source = {r["source"]: r["counts"]["new"] for r in report["runs"]}
    assert by_source["dir"] == 3 and by_source["one"] == 2


def test_real_malformed_turtle_fails_with_line_number(cli, reference, home):
    """ckanext-dcat's own dataset.ttl uses an undeclared prefix: a real malformed document."""
    cli(
        "sources",
        "add",
        "bad",
        "--kind",
        "dcat",
        "--url",
        (reference / "ckanext-dcat/examples/dcat/dataset.ttl").as_uri(),
    )
    result = cli("harvest")
    assert result.exit_code == 1
    run = json.loads(sorted((home / "runs").glob("harvest-*.json"))[-1].read_text())["runs"][0]
    assert run["error"]["type"] == "parse-error"
    assert "line 149" in run["error"]["detail"] and "healthdcatap" in run["error"]["detail"]


def test_progress_lines_for_a_log_come_at_most_once_per_interval(capsys):
    now = [100.0]
    lines = ProgressLines(30.0, clock=lambda: now[0])
    for at, done in ((100.0, 1000), (110.0, 2000), (131.0, 9000), (150.0, 12000), (161.5, 18000)):
        now[0] = at
        lines("ckan", done, 50000 if done > 5000 else None)
    now[0] = 140.0
    lines("udata", 3, None)  # each source has its own clock
    assert capsys.readouterr().err.splitlines() == [
        "ckan: 1,000 records",
        "ckan: 9,000 of 50,000 records after 31 s (290/s)",
        "ckan: 18,000 of 50,000 records after 62 s (293/s)",
        "udata: 3 records",
    ]
