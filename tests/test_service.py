"""The HTTP service: health, version, the paged DCAT-AP catalogue, errors, and serving while harvesting."""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from catalogue.api import create_app
from catalogue.config import load_settings
from tests.shacl_check import DCAT_AP_301_BASE, violations

HYDRA = "http://www.w3.org/ns/hydra/core#"


def catalogue_ttl(n: int) -> str:
    head = "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
    return head + "\n".join(
        f'<https://data.example.lu/ds/{i:03d}> a dcat:Dataset ; dct:title "Dataset {i}"@en ; '
        f'dct:description "About {i}"@en .'
        for i in range(n)
    )


def harvest_catalogue(cli, folder):
    """A DCAT file of 25 records in `folder`, added as source `home` and harvested; its path."""
    source = folder / "catalogue.ttl"
    source.write_text(catalogue_ttl(25))
    cli("sources", "add", "home", "--kind", "dcat", "--url", source.as_uri())
    assert cli("harvest").exit_code == 0
    return source


@pytest.fixture
def node(cli, home, tmp_path):
    return harvest_catalogue(cli, tmp_path)


@pytest.fixture
def client(node, home):
    with TestClient(create_app(load_settings(home))) as c:
        yield c


def test_health_and_version(client):
    assert client.get("/healthz").json()["store"]["status"] == "ok"
    assert client.get("/api/version").json()["name"] == "fedcat"
    assert client.get("/docs").status_code == 200


def test_catalogue_pages_with_hydra(client):
    seen = set()
    url = "/catalog.ttl?page=1&page_size=10"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
        triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
        seen |= {t.subject.value for t in triples if t.object.value == "http://www.w3.org/ns/dcat#Dataset"}
        nxt = [t.object.value for t in triples if t.predicate.value == HYDRA + "next"]
        total = [t.object.value for t in triples if t.predicate.value == HYDRA + "totalItems"]
        assert total == ["25"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
        pages += 1
    assert pages == 3 and len(seen) == 25


def test_catalogue_page_conforms(client, reference):
    body = client.get("/catalog.ttl?page=2&page_size=10").content
    assert violations(body, reference / DCAT_AP_301_BASE) == []


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-triples", "application/n-triples"),
        ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
        ("*/*", "text/turtle"),
    ],
)
def test_catalogue_content_negotiation(client, accept, media):
    response = client.get("/catalog", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)


def test_errors_have_one_json_shape(client):
    for url, status, slug in [
        ("/catalog", 406, "not-acceptable"),
        ("/catalog.xls", 406, "not-acceptable"),
        ("/catalog.ttl?page_size=5000", 422, "invalid-request"),
        ("/nope", 404, "not-found"),
    ]:
        response = client.get(url, headers={"Accept": "image/png"} if url == "/catalog" else {})
        assert response.status_code == status
        body = response.json()
        assert body["type"] == slug and body["status"] == status and body["detail"]


def test_harvest_while_serving_shows_up_after_the_next_snapshot(node, home, cli):
    settings = load_settings(home)
    with TestClient(create_app(settings)) as client:
        client.app.state.store.check_every = 0
        before = client.get("/catalog.nt?page_size=1000").text
        node.write_text(catalogue_ttl(30))
        assert cli("harvest").exit_code == 0  # the writer is not blocked by the server
        time.sleep(0.01)
        after = client.get("/catalog.nt?page_size=1000").text
    assert "ds/029" not in before and "ds/029" in after


def test_restricted_records_never_reach_anonymous_callers(cli, home, tmp_path):
    secret = tmp_path / "secret.ttl"
    secret.write_text(catalogue_ttl(3).replace('"Dataset ', '"Secret register '))
    public = tmp_path / "public.ttl"
    public.write_text(catalogue_ttl(2).replace("data.example.lu", "open.example.lu"))
    cli("sources", "add", "secret", "--kind", "dcat", "--url", secret.as_uri(), "--restricted")
    cli("sources", "add", "open", "--kind", "dcat", "--url", public.as_uri())
    assert cli("harvest").exit_code == 0
    with TestClient(create_app(load_settings(home))) as client:
        for fmt in ("ttl", "nt", "jsonld", "rdf"):
            body = client.get(f"/catalog.{fmt}?page_size=1000").text
            assert "Secret register" not in body and "open.example.lu" in body
        sparql = client.get(
            "/sparql", params={"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"}
        ).text
        assert "Secret register" not in sparql and "/source/secret" not in sparql
        assert "Secret register" in "".join(
            str(t) for t in client.app.state.full_store.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        )
    out = tmp_path / "export.ttl"
    assert cli("export", "--output", str(out)).exit_code == 0
    assert "Secret register" not in out.read_text()


def test_a_restricted_source_stays_hidden_after_the_base_url_changes(cli, home, tmp_path):
    """Graphs harvested under the old base keep their old IRIs: the public snapshot must still drop them."""
    secret = tmp_path / "secret.ttl"
    secret.write_text(catalogue_ttl(2).replace('"Dataset ', '"Secret register '))
    public = tmp_path / "public.ttl"
    public.write_text(catalogue_ttl(2).replace("data.example.lu", "open.example.lu"))
    cli("sources", "add", "secret", "--kind", "dcat", "--url", secret.as_uri(), "--restricted")
    cli("sources", "add", "open", "--kind", "dcat", "--url", public.as_uri())
    assert cli("harvest").exit_code == 0
    toml = home / "fedcat.toml"
    toml.write_text(
        toml.read_text().replace('base_url = "http://127.0.0.1:8000"', 'base_url = "https://new.example.lu"')
    )
    assert load_settings(home).base == "https://new.example.lu"
    assert cli("harvest", "open").exit_code == 0  # publishes a new snapshot under the new base
    with TestClient(create_app(load_settings(home))) as client:
        sparql = client.get(
            "/sparql",
            params={"query": "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "text/csv"},
        ).text
    assert "open.example.lu" in sparql
    assert "Secret register" not in sparql and "/source/secret" not in sparql and "secret" not in sparql


def test_openapi_document_has_one_operation_id_per_operation(home) -> None:
    """Generated clients key methods on operationId: FastAPI only warns about a duplicate, so check here."""
    import warnings

    app = create_app(load_settings(home))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Duplicate Operation ID" is a UserWarning
        spec = app.openapi()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values() if "operationId" in op]
    assert len(ids) > 30 and len(ids) == len(set(ids))
    assert set(spec["paths"]["/oauth/userinfo"]) == {"get", "post"}
