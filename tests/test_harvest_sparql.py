"""Harvesting a partner's SPARQL endpoint, and the remaining DCAT paging behaviours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.servers import LoopbackServer, SparqlEndpoint

pytestmark = pytest.mark.store_backends  # every test on Oxigraph and on Virtuoso (tests/conftest.py)


def last_run(home: Path) -> dict:
    return json.loads(sorted((home / "runs").glob("harvest-*.json"))[-1].read_text())["runs"][0]


def test_sparql_source_pages_construct(cli, server: LoopbackServer, reference, home):
    turtle = (reference / "ckanext-dcat/examples/dcat/dataset_multilingual.ttl").read_bytes()
    extra = "\n".join(
        f"<https://lod.example.org/ds/{i}> a <http://www.w3.org/ns/dcat#Dataset> ; "
        f'<http://purl.org/dc/terms/title> "LOD dataset {i}" ; <http://www.w3.org/ns/dcat#distribution> '
        f"[ a <http://www.w3.org/ns/dcat#Distribution> ; <http://www.w3.org/ns/dcat#accessURL> "
        f"<https://lod.example.org/files/{i}.csv> ] ."
        for i in range(5)
    ).encode()
    endpoint = SparqlEndpoint(turtle + b"\n" + extra)
    endpoint.mount(server)
    with (home / "fedcat.toml").open("a") as f:
        f.write(
            f'\n[[sources]]\nname = "lod"\nkind = "sparql"\nurl = "{server.url}/sparql"\n'
            "allow_private_network = true\npage_size = 2\n"
        )
    result = cli("harvest")
    assert result.exit_code == 0, result.output
    run = last_run(home)
    assert run["counts"]["new"] == 6 and run["complete"]
    assert sum("SELECT" in q for q in endpoint.queries) == 4  # pages of 2, 2, 2 and an empty one
    assert not any("SERVICE" in q.upper() for q in endpoint.queries)
    # the blank-node distributions came along with their dataset, skolemised
    out = home / "export.nt"
    assert cli("export", "--format", "nt", "--output", str(out)).exit_code == 0
    assert "<https://lod.example.org/files/3.csv>" in out.read_text()
    assert "_:" not in out.read_text()


def test_dcat_repeated_page_stops_paging(cli, server, home):
    page = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    @prefix hydra: <http://www.w3.org/ns/hydra/core#> .
    <{u}/p{n}> a hydra:PartialCollectionView ; hydra:next <{u}/p{m}> .
    <https://x.example/ds/{n}> a dcat:Dataset ; dct:title "Dataset {n}" ."""
    for n, m in ((1, 2), (2, 1)):  # page 2 points back at page 1
        server.route(f"/p{n}", page.format(u=server.url, n=n, m=m))
    cli("sources", "add", "loop", "--kind", "dcat", "--url", f"{server.url}/p1", "--allow-private-network")
    assert cli("harvest").exit_code == 0
    run = last_run(home)
    assert run["counts"]["new"] == 2
    assert [p["type"] for p in run["problems"]] == ["repeated-page"]
    assert server.hits.count("/p1") == 1


def test_dcat_last_modified_conditional_get(cli, server, home):
    body = b'<https://x.example/ds/1> a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> "A" .'
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"

    def handle(request):  # type: ignore[no-untyped-def]
        if request.headers.get("If-Modified-Since") == stamp:
            return 304, {}, b""
        return 200, {"Content-Type": "text/turtle", "Last-Modified": stamp}, body

    server.route("/c.ttl", handle)
    cli("sources", "add", "lm", "--kind", "dcat", "--url", f"{server.url}/c.ttl", "--allow-private-network")
    assert cli("harvest").exit_code == 0
    assert cli("harvest").exit_code == 0
    assert last_run(home)["counts"] == {"new": 0, "updated": 0, "unchanged": 1, "withdrawn": 0, "failed": 0}
