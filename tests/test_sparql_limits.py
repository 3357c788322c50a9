"""The SPARQL endpoint under abuse: timeouts that really stop work, caps, refusals, no outbound connections.

Most tests talk real HTTP to `fedcat serve` running a harvested node with small limits (2 s timeout, 50 rows,
4 KiB queries, 2 workers + 1 waiting); a few use the app in-process to look at the worker processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import platform
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from catalogue.api import create_app
from catalogue.cli import app as fedcat
from catalogue.config import SparqlLimits, load_settings
from catalogue.nodehome import init_home
from catalogue.snapshots import current
from catalogue.sparql_pool import QueryPool
from catalogue.sparql_protocol import ServiceRefused, UpdateRefused, guard_query
from catalogue.sparql_results import TRUNCATED_LINK, Job
from tests.servers import LoopbackServer
from tests.test_sparql_protocol import LiveNode, free_port, serve_node, store_digest

DCAT = "http://www.w3.org/ns/dcat#"
PREFIXES = "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>\n"
COUNT_DATASETS = PREFIXES + "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a dcat:Dataset }"
ALL_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
# A three-way cross product of a couple of thousand quads: billions of rows, minutes of work.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LIMITS = {
    "FEDCAT_SPARQL__TIMEOUT_SECONDS": "2",
    "FEDCAT_SPARQL__MAX_ROWS": "50",
    "FEDCAT_SPARQL__MAX_QUERY_BYTES": "4096",
    "FEDCAT_SPARQL__WORKERS": "2",
    "FEDCAT_SPARQL__QUEUE": "1",
    "FEDCAT_SPARQL__WORKER_MEMORY_MB": "1024",
}


def catalogue_ttl(n: int, host: str = "data.example.lu", title: str = "Dataset") -> str:
    head = "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
    return head + "\n".join(
        f'<https://{host}/ds/{i:03d}> a dcat:Dataset ; dct:title "{title} {i}"@en ; dct:description "About {i}"@en ; '
        f'dct:identifier "{host}-{i}" ; dcat:keyword "k{i % 7}"@en ; '
        f"dcat:distribution <https://{host}/ds/{i:03d}/csv> .\n"
        f"<https://{host}/ds/{i:03d}/csv> a dcat:Distribution ; "
        f"dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ."
        for i in range(n)
    )


def harvest_node(root: Path) -> Path:
    """A node with 150 public datasets and 3 restricted ones ("Secret register"), harvested through the CLI."""
    home = root / "node"
    init_home(home)
    (root / "home.ttl").write_text(catalogue_ttl(150))
    (root / "secret.ttl").write_text(catalogue_ttl(3, "secret.example.lu", "Secret register"))
    runner = CliRunner()
    for args in (
        ["sources", "add", "home", "--kind", "dcat", "--url", (root / "home.ttl").as_uri()],
        ["sources", "add", "secret", "--kind", "dcat", "--url", (root / "secret.ttl").as_uri(), "--restricted"],
        ["harvest"],
    ):
        result = runner.invoke(fedcat, [*args, "--home", str(home)])
        assert result.exit_code == 0, result.output
    return home


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    live = serve_node(harvest_node(tmp_path_factory.mktemp("limits")), free_port(), **LIMITS)
    yield live
    live.stop()


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    """A server that records every request: proof that the endpoint connected nowhere."""
    srv = LoopbackServer().start()
    srv.route("/sparql", '{"head":{"vars":["x"]},"results":{"bindings":[]}}', "application/sparql-results+json")
    srv.route("/data", "<http://a> <http://b> <http://c> .", "application/n-triples")
    yield srv
    srv.stop()


def query(node: LiveNode, text: str, accept: str | None = None) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return httpx.get(node.sparql, params={"query": text}, headers=headers, timeout=30)


def solutions(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    body = response.json()
    return [{k: v["value"] for k, v in row.items()} for row in body["results"]["bindings"]]


# --- timeout ---------------------------------------------------------------------------------------------


def test_timeout_stops_the_query_with_503_while_other_queries_are_served(node: LiveNode) -> None:
    outcome: dict[str, Any] = {}

    def endless() -> None:
        started = time.monotonic()
        outcome["response"] = httpx.post(
            node.sparql, content=ENDLESS, headers={"Content-Type": "application/sparql-query"}, timeout=60
        )
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=endless)
    thread.start()
    time.sleep(0.3)
    served = 0
    while thread.is_alive():  # the other worker keeps answering while the first one grinds
        assert solutions(query(node, COUNT_DATASETS)) == [{"n": "150"}]
        served += 1
        time.sleep(0.1)
    thread.join()
    response: httpx.Response = outcome["response"]
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    problem = response.json()
    assert problem["type"] == "query-timeout" and "2 s" in problem["detail"]
    assert 2.0 <= outcome["seconds"] < 5.0
    assert served >= 1  # how many depends on the machine's load; that any is served is the point
    assert solutions(query(node, COUNT_DATASETS)) == [{"n": "150"}]  # the replacement worker answers


def test_timed_out_worker_is_killed_and_replaced(tmp_path: Path) -> None:
    home = harvest_node(tmp_path)
    settings = load_settings(home)
    settings = settings.model_copy(update={"sparql": SparqlLimits(timeout_seconds=1, workers=1, queue=0)})
    app = create_app(settings)
    with TestClient(app) as client:
        pool = app.state.sparql.pool
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        [before] = pool.pids
        started = time.monotonic()
        response = client.get("/sparql", params={"query": ENDLESS})
        assert response.status_code == 503 and time.monotonic() - started < 4
        with pytest.raises(ProcessLookupError):  # killed and reaped: no CPU is burnt on the abandoned query
            os.kill(before, 0)
        [after] = pool.pids
        assert after != before
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def _workers_of(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"catalogue.sparql_worker" in cmdline:
                found.append(int(entry.name))
    return found


def test_workers_spend_their_address_space_cap_on_queries_not_on_malloc_arenas(node: LiveNode) -> None:
    """Under a 1 GB address-space cap, glibc's per-thread arenas (64 MB each) once took 650 MB of a worker that had
    only opened the store, and a plain query could abort it: workers run with two arenas."""
    for _ in range(4):  # enough queries for both workers to have opened the snapshot and answered
        assert solutions(query(node, COUNT_DATASETS)) == [{"n": "150"}]
    workers = _workers_of(node.process.pid)
    assert len(workers) == 2
    for pid in workers:
        assert b"MALLOC_ARENA_MAX=2" in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        peak = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmPeak"))
        assert int(peak.split()[1]) < 512 * 1024, peak  # kB: half the cap, with room to spare


def test_a_memory_bomb_kills_only_its_worker(tmp_path: Path) -> None:
    """Strings doubling 40 times would need a terabyte: the worker hits its address-space cap and is replaced."""
    # A long timeout, so that on a loaded machine the memory cap, not the clock, is what stops the query.
    live = serve_node(harvest_node(tmp_path), free_port(), **{**LIMITS, "FEDCAT_SPARQL__TIMEOUT_SECONDS": "120"})
    try:
        binds = " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(40))
        response = query(live, f'SELECT (STRLEN(?s40) AS ?n) WHERE {{ BIND("{"x" * 1000}" AS ?s0) {binds} }}')
        assert response.status_code == 503 and response.json()["type"] == "sparql-unavailable"
        assert solutions(query(live, COUNT_DATASETS)) == [{"n": "150"}]
    finally:
        live.stop()


def children(pid: int) -> set[int]:
    """The child processes of `pid`, from /proc."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:  # a thread that ended since the listing (tantivy's and RocksDB's come and go)
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_workers_die_with_the_web_process(tmp_path: Path) -> None:
    live = serve_node(harvest_node(tmp_path), free_port(), FEDCAT_SPARQL__TIMEOUT_SECONDS="60")
    try:
        workers = children(live.process.pid)
        assert len(workers) == 2

        def grind() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server dies under it
                query(live, ENDLESS)

        threading.Thread(target=grind, daemon=True).start()  # one worker grinds
        time.sleep(0.5)
    finally:
        live.process.kill()  # no shutdown, no cleanup: only the kernel can stop the workers now
        live.process.wait()
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{w}").exists() for w in workers)


# --- caps ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_row_cap_is_flagged_in_header_and_body(node: LiveNode, accept: str) -> None:
    response = query(node, ALL_TRIPLES, accept)
    assert response.status_code == 200
    assert response.headers["fedcat-results-truncated"] == "true"
    assert "Fedcat-Results-Truncated" in response.headers["access-control-expose-headers"]
    fmt = ox.QueryResultsFormat.from_media_type(accept)
    assert fmt is not None
    rows = ox.parse_query_results(response.content, fmt)
    assert isinstance(rows, ox.QuerySolutions) and len(list(rows)) == 50
    if "json" in accept:
        assert json.loads(response.content)["head"]["link"] == [TRUNCATED_LINK]
    else:
        assert f'<link href="{TRUNCATED_LINK}"/>' in response.text


def test_row_cap_applies_to_every_format(node: LiveNode) -> None:
    response = query(node, ALL_TRIPLES, "text/csv")
    assert len(list(csv.reader(io.StringIO(response.text)))) == 51 and response.headers["fedcat-results-truncated"]
    response = query(node, ALL_TRIPLES, "text/tab-separated-values")
    assert len(response.text.splitlines()) == 51 and response.headers["fedcat-results-truncated"]
    response = query(node, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    assert len(list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))) == 50
    assert response.headers["fedcat-results-truncated"] == "true"


def test_answers_under_the_cap_are_not_flagged(node: LiveNode) -> None:
    response = query(node, PREFIXES + "SELECT ?d WHERE { ?d a dcat:Dataset } LIMIT 50")
    assert len(solutions(response)) == 50 and "fedcat-results-truncated" not in response.headers
    assert "link" not in response.json()["head"]


def test_literals_that_look_like_row_separators_do_not_cut_answers(node: LiveNode) -> None:
    """JSON counts `,{` as a possible row start; a literal full of them must still come back whole."""
    text = 'SELECT ?x WHERE { VALUES ?x { "' + ",{" * 100 + '" } }'
    response = query(node, text)
    assert solutions(response) == [{"x": ",{" * 100}] and "fedcat-results-truncated" not in response.headers


def test_query_size_cap_is_413(node: LiveNode) -> None:
    big = "ASK { }" + " " * 5000
    for response in (
        httpx.post(node.sparql, content=big, headers={"Content-Type": "application/sparql-query"}),
        httpx.post(node.sparql, data={"query": big}),
        httpx.get(node.sparql, params={"query": big}),
    ):
        assert response.status_code == 413 and response.json()["type"] == "payload-too-large"
    assert query(node, "ASK { }" + " " * 3000).status_code == 200


def test_burst_beyond_workers_and_queue_gets_429(node: LiveNode) -> None:
    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as client:
            return await asyncio.gather(*(client.get(node.sparql, params={"query": ENDLESS}) for _ in range(6)))

    statuses = sorted(r.status_code for r in asyncio.run(burst()))
    # 2 run and time out, 1 waits and times out waiting (or runs after); the other 3 are refused at once.
    assert statuses.count(429) == 3 and set(statuses) == {429, 503}, statuses
    refused = [r for r in asyncio.run(burst()) if r.status_code == 429]
    assert refused and all(r.headers["retry-after"] == "1" for r in refused)
    assert refused[0].json()["type"] == "too-many-requests"
    assert solutions(query(node, COUNT_DATASETS)) == [{"n": "150"}]


# --- no connection anywhere ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ sErViCe <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE ?svc {{ ?s ?p ?o }} VALUES ?svc {{ <{url}> }} }}",
        "SELECT * WHERE {{ ?a ?b ?c . FILTER(?a<?c)SERVICE#>\n<{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?a ?b trueSERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?a ?b 'x'SERVICE<{url}>{{ ?s ?p ?o }} }}",
        "PREFIX ex: <http://e/> SELECT * WHERE {{ ?a ?b ex:a\\'b SERVICE <{url}> {{ ?s ?p ?o }} }} #'",
    ],
)
def test_service_is_refused_and_nothing_is_fetched(node: LiveNode, loopback: LoopbackServer, template: str) -> None:
    response = query(node, template.format(url=f"{loopback.url}/sparql"))
    assert response.status_code == 403 and response.json()["type"] == "service-refused"
    assert loopback.hits == []


@pytest.mark.parametrize(
    "text",
    [
        'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:1/> { }" AS ?x) }',
        "SELECT ?x WHERE { BIND('''a\nservice''' AS ?x) } # SERVICE <http://127.0.0.1:1/> {}",
        PREFIXES + "SELECT ?x WHERE { ?x a dcat:DataService ; dcat:servesDataset ?d }",
        "SELECT ?service WHERE { ?service ?p <http://example.org/service/1> }",
        "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> SELECT * WHERE { ?s sd:endpoint ?e }",
    ],
)
def test_service_in_strings_comments_and_names_is_not_refused(node: LiveNode, text: str) -> None:
    assert query(node, text).status_code == 200


def test_guard_knows_updates_and_dataset_clauses() -> None:
    assert guard_query("SELECT * FROM <http://x/g> WHERE { ?s ?p ?o }").has_dataset_clause
    assert guard_query("select * from named <http://x/g> { graph ?g { ?s ?p ?o } }").has_dataset_clause
    assert not guard_query("SELECT ?from WHERE { ?from ?p 'FROM' }").has_dataset_clause
    for update in ("PREFIX x: <y> INSERT DATA { x:a x:b x:c }", "delete where { ?s ?p ?o }", "WITH <g> CLEAR ALL"):
        with pytest.raises(UpdateRefused):
            guard_query(update)
    with pytest.raises(ServiceRefused):
        guard_query("SELECT * { ?s ?p ?o FILTER(?s<?o)SERVICE?v#>\n{ } }")


@pytest.mark.skipif(platform.machine() not in ("x86_64", "aarch64"), reason="seccomp filter written for these")
def test_a_service_the_guard_missed_still_cannot_connect(node: LiveNode, loopback: LoopbackServer) -> None:
    """The second line: workers run under a seccomp filter that refuses IP sockets."""
    settings = load_settings(node.home)
    snapshot = str(current(settings))
    pool = QueryPool(SparqlLimits(timeout_seconds=10, workers=1))

    async def bypass_the_guard() -> list[str]:
        statuses = []
        for silent in ("", "SILENT"):
            text = f"SELECT * WHERE {{ SERVICE {silent} <{loopback.url}/sparql> {{ ?s ?p ?o }} }}"
            job = Job(snapshot, text, node.sparql, True, None, None, "json", "json", "ttl", 50, 1 << 20)
            answer, _ = await pool.run(job)
            statuses.append(answer.status)
        return statuses

    pool.start()
    try:
        assert asyncio.run(bypass_the_guard()) == ["failed", "ok"]  # SILENT: an empty answer, no data
        assert pool.network_denied is True
    finally:
        pool.close()
    assert loopback.hits == []


def test_from_and_from_named_never_fetch(node: LiveNode, loopback: LoopbackServer) -> None:
    for text in (
        f"SELECT * FROM <{loopback.url}/data> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{loopback.url}/data> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ):
        response = query(node, text)
        assert solutions(response) == []  # a graph the store does not have is empty
    response = httpx.get(
        node.sparql, params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": f"{loopback.url}/data"}, timeout=30
    )
    assert response.json()["boolean"] is False
    assert loopback.hits == []


def test_from_picks_graphs_of_the_store(node: LiveNode) -> None:
    rows = solutions(query(node, PREFIXES + "SELECT ?g WHERE { GRAPH ?g { <https://data.example.lu/ds/007> a ?t } }"))
    graph = rows[0]["g"]
    text = PREFIXES + f"SELECT (COUNT(DISTINCT ?d) AS ?n) FROM <{graph}> WHERE {{ ?d a dcat:Dataset }}"
    assert solutions(query(node, text)) == [{"n": "1"}]
    assert solutions(query(node, COUNT_DATASETS)) == [{"n": "150"}]  # no FROM: the union of all record graphs


# --- read-only -------------------------------------------------------------------------------------------

UPDATES = [
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 'x' } WHERE { ?s ?p ?o }",
    "LOAD <{url}/data>",
    "LOAD SILENT <{url}/data> INTO GRAPH <http://e/g>",
    "CLEAR ALL",
    "DROP ALL",
    "DROP GRAPH <http://e/g>",
    "CREATE GRAPH <http://e/g>",
    "ADD DEFAULT TO <http://e/g>",
    "PREFIX e: <http://e/> INSERT DATA { e:a e:b e:c }",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_and_the_store_is_unchanged(node: LiveNode, loopback: LoopbackServer, update: str) -> None:
    text = update.replace("{url}", loopback.url)
    before = store_digest(node.home)
    for response in (
        httpx.post(node.sparql, content=text, headers={"Content-Type": "application/sparql-update"}),
        httpx.post(node.sparql, data={"update": text}),
        httpx.get(node.sparql, params={"update": text}),
        httpx.post(node.sparql, data={"query": text}),
        httpx.get(node.sparql, params={"query": text}),
    ):
        assert response.status_code == 403 and response.json()["type"] == "update-refused", response.text
    assert store_digest(node.home) == before
    assert loopback.hits == []
    assert solutions(query(node, COUNT_DATASETS)) == [{"n": "150"}]


# --- what anonymous callers see --------------------------------------------------------------------------


def test_restricted_records_are_invisible(node: LiveNode) -> None:
    for text in (
        "SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'Secret register') || CONTAINS(STR(?s), 'secret.ex')) }",
        "SELECT ?s ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?o), 'secret.example.lu')) }",
        PREFIXES + "SELECT ?d WHERE { ?d a dcat:Dataset FILTER(!STRSTARTS(STR(?d), 'https://data.example.lu/')) }",
        "SELECT ?g WHERE { GRAPH ?g { ?g <https://w3id.org/fedcat/ns#visibility> 'restricted' } }",
        "SELECT ?o WHERE { <https://secret.example.lu/ds/001> ?p ?o }",
    ):
        assert solutions(query(node, text)) == [], text
    response = query(node, "DESCRIBE <https://secret.example.lu/ds/001>", "application/n-triples")
    assert response.status_code == 200 and response.content == b""
    # ... while the full snapshot does hold them: the public projection is what hides them.
    full = ox.Store.read_only(str(current(load_settings(node.home), public=False)))
    assert any("Secret register" in str(q.object) for q in full)


# --- formats, negotiation, base IRI, errors, CORS --------------------------------------------------------


def test_select_results_in_every_format_parse(node: LiveNode) -> None:
    text = PREFIXES + "SELECT ?d ?title WHERE { ?d a dcat:Dataset ; dct:title ?title } ORDER BY ?d LIMIT 3"
    for accept, fmt in (
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ):
        response = query(node, text, accept)
        assert response.headers["content-type"].startswith(accept)
        rows = ox.parse_query_results(response.content, fmt)
        assert isinstance(rows, ox.QuerySolutions)
        assert [str(r["title"]) for r in rows] == ['"Dataset 0"@en', '"Dataset 1"@en', '"Dataset 2"@en']
    response = query(node, text, "text/csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.text)))[1] == ["https://data.example.lu/ds/000", "Dataset 0"]


def test_ask_in_json_and_xml(node: LiveNode) -> None:
    text = PREFIXES + "ASK { ?d a dcat:Dataset }"
    assert query(node, text).json() == {"head": {}, "boolean": True}
    response = query(node, text, "application/sparql-results+xml")
    assert bool(ox.parse_query_results(response.content, ox.QueryResultsFormat.XML)) is True
    assert query(node, text, "text/csv").status_code == 406


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        (None, "text/turtle", ox.RdfFormat.TURTLE),
        ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("text/turtle;q=0.2, application/rdf+xml;q=0.9", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_construct_and_describe_in_every_format_parse(
    node: LiveNode, accept: str | None, media: str, fmt: ox.RdfFormat
) -> None:
    for text in (
        "DESCRIBE <https://data.example.lu/ds/003>",
        PREFIXES + "CONSTRUCT { ?d dct:title ?t } WHERE { ?d dct:title ?t } LIMIT 5",
    ):
        response = query(node, text, accept)
        assert response.status_code == 200 and response.headers["content-type"].startswith(media)
        triples = list(ox.parse(response.content, format=fmt))
        assert triples and all(isinstance(t.subject, ox.NamedNode) for t in triples)


def test_unacceptable_accept_is_406(node: LiveNode) -> None:
    response = query(node, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "image/png")
    assert response.status_code == 406 and response.json()["type"] == "not-acceptable"


def test_base_iri_is_the_endpoint_url(node: LiveNode) -> None:
    rows = solutions(query(node, "SELECT ?x WHERE { BIND(<relative/thing> AS ?x) }"))
    assert rows == [{"x": urljoin(node.sparql, "relative/thing")}]
    rows = solutions(query(node, "BASE <http://other.example/> SELECT ?x WHERE { BIND(<y> AS ?x) }"))
    assert rows == [{"x": "http://other.example/y"}]  # the query's own BASE wins


def test_malformed_query_is_400_with_the_parser_message(node: LiveNode) -> None:
    response = query(node, "SELECT ?x WHERE { ?x ?p }")
    problem = response.json()
    assert response.status_code == 400 and problem["type"] == "malformed-query"
    assert problem["detail"].startswith("error at 1:") and problem["status"] == 400 and problem["title"]


def test_cors_on_answers_errors_and_preflight(node: LiveNode) -> None:
    origin = {"Origin": "https://partner.example.org"}
    for response in (
        httpx.get(node.sparql, params={"query": "ASK {}"}, headers=origin),
        httpx.get(node.sparql, params={"query": "ASK {"}, headers=origin),
        httpx.get(node.sparql, headers=origin),
    ):
        assert response.headers["access-control-allow-origin"] == "*"
    response = httpx.options(
        node.sparql,
        headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()


def test_a_new_snapshot_is_picked_up_by_the_workers(tmp_path: Path) -> None:
    home = harvest_node(tmp_path)
    app = create_app(load_settings(home))
    with TestClient(app) as client:
        app.state.store.check_every = 0
        assert (
            client.get("/sparql", params={"query": COUNT_DATASETS}).json()["results"]["bindings"][0]["n"]["value"]
            == "150"
        )
        (tmp_path / "home.ttl").write_text(catalogue_ttl(160))
        result = CliRunner().invoke(fedcat, ["harvest", "home", "--home", str(home)])
        assert result.exit_code == 0, result.output
        answer = client.get("/sparql", params={"query": COUNT_DATASETS}).json()
        assert answer["results"]["bindings"][0]["n"]["value"] == "160"
