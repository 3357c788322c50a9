"""The W3C SPARQL 1.1 Protocol and Service Description tests, run over real HTTP against `fedcat serve`.

Each `mf:ProtocolTest` of `sparql11/protocol/manifest.ttl` is a list of HTTP requests with expectations; they
are sent as written (the manifest's `/sparql/` path mapped to our `/sparql`) to a node holding the tests' own
data under their graph names. Query tests must pass as the W3C wrote them, every `bad_*` test must get its 4xx,
and every update test must be refused (fedcat's endpoint is read-only) with the store unchanged: the follow-up
ASK that would show the update's effect answers false instead of true.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from catalogue.config import load_settings
from catalogue.nodehome import init_home
from catalogue.snapshots import current, publish
from catalogue.store import open_store
from tests.conftest import REFERENCE

SPARQL11 = REFERENCE / "w3c-rdf-tests" / "sparql" / "sparql11"
PROTOCOL = SPARQL11 / "protocol"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SD = "http://www.w3.org/ns/sparql-service-description#"
STATUS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
RESULT_MEDIA = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_MEDIA = RESULT_MEDIA | {"text/csv", "text/tab-separated-values"}
RDF_MEDIA = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"}


# --- a live node -----------------------------------------------------------------------------------------


@dataclass
class LiveNode:
    """`fedcat serve` in its own process on 127.0.0.1, for one node home."""

    home: Path
    url: str
    process: subprocess.Popen[bytes]

    @property
    def sparql(self) -> str:
        return f"{self.url}/sparql"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_node(home: Path, port: int, **env: str) -> LiveNode:
    """Serve `home` with `fedcat serve` (base URL = the live URL, `FEDCAT_*` overrides in `env`) once it answers."""
    url = f"http://127.0.0.1:{port}"
    environ = {**os.environ, "FEDCAT_BASE_URL": url, **env}
    cmd = [sys.executable, "-m", "catalogue", "serve", "--home", str(home), "--port", str(port)]
    process = subprocess.Popen(cmd, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"fedcat serve exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"{url}/api/version", timeout=1).status_code == 200:
                return LiveNode(home, url, process)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("fedcat serve did not start")


def store_digest(home: Path) -> str:
    """A hash of every quad of the node: the writer's store and the current snapshots (full and public)."""
    settings = load_settings(home)
    digest = hashlib.sha256()
    paths = [settings.store_path, current(settings, public=False), current(settings, public=True)]
    for path in paths:
        assert path is not None
        store = ox.Store.read_only(str(path))
        digest.update("\n".join(sorted(str(q) for q in store)).encode())
        digest.update(str(path).encode())
    return digest.hexdigest()


# --- the manifest ----------------------------------------------------------------------------------------


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]  # "2xx", "3xx", "4xx", ...
    boolean: bool | None
    format: str | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    requests: list[HttpRequest]
    graphs: dict[str, Path] = field(default_factory=dict)  # graph name -> data file


def _one(graph: ox.Store, s: Any, p: str) -> Any:
    """The object of `s p ?o` (terms are `Any`: manifest nodes are known by their shape, not their type)."""
    for quad in graph.quads_for_pattern(s, ox.NamedNode(p), None):
        return quad.object
    return None


def _all(graph: ox.Store, s: Any, p: str) -> list[Any]:
    return [q.object for q in graph.quads_for_pattern(s, ox.NamedNode(p), None)]


def _list(graph: ox.Store, head: Any) -> list[Any]:
    items = []
    while isinstance(head, ox.NamedNode | ox.BlankNode) and head != ox.NamedNode(RDF + "nil"):
        items.append(_one(graph, head, RDF + "first"))
        head = _one(graph, head, RDF + "rest")
    return items


def load_manifest() -> list[ProtocolTest]:
    """Every protocol test of the W3C manifest, in manifest order."""
    path = PROTOCOL / "manifest.ttl"
    graph = ox.Store()
    base = path.as_uri()
    graph.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base)
    manifest = ox.NamedNode(base)
    tests = []
    for entry in _list(graph, _one(graph, manifest, MF + "entries")):
        assert isinstance(entry, ox.NamedNode)
        test = ProtocolTest(entry.value.rsplit("#", 1)[1], str(_one(graph, entry, MF + "name").value), [])
        for data in _all(graph, entry, UT + "graphData"):
            file = _one(graph, data, UT + "graph")
            label = _one(graph, data, RDFS + "label")
            assert isinstance(file, ox.NamedNode) and isinstance(label, ox.Literal)
            test.graphs[label.value] = PROTOCOL / file.value.rsplit("/", 1)[1]
        action = _one(graph, entry, MF + "action")
        for request in _list(graph, _one(graph, action, HT + "requests")):
            headers = {
                str(_one(graph, h, HT + "fieldName").value): str(_one(graph, h, HT + "fieldValue").value)
                for h in _list(graph, _one(graph, request, HT + "headers"))
            }
            body = _one(graph, request, HT + "body")
            content = None
            if body is not None:
                chars = _one(graph, body, CNT + "chars")
                encoding = _one(graph, body, CNT + "characterEncoding")
                content = chars.value.encode(encoding.value if encoding else "utf-8")
            response = _one(graph, request, HT + "resp")
            statuses = {s.value.removeprefix(STATUS) for s in _all(graph, response, MF + "expectedStatus")}
            boolean = _one(graph, response, MF + "expectedBoolean")
            fmt = _one(graph, response, MF + "expectedFormat")
            test.requests.append(
                HttpRequest(
                    method=str(_one(graph, request, HT + "methodName").value),
                    path=str(_one(graph, request, HT + "absolutePath").value),
                    headers=headers,
                    body=content,
                    statuses=statuses,
                    boolean=None if boolean is None else boolean.value == "true",
                    format=None if fmt is None else fmt.value,
                )
            )
        tests.append(test)
    return tests


TESTS = load_manifest()
BY_KIND = {
    kind: [pytest.param(t, id=t.name) for t in TESTS if t.name.startswith(kind)]
    for kind in ("query_", "bad_", "update_")
}


# --- fixtures --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def w3c_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A node holding every graph the protocol tests name (data1..3.nt under their kasei.us names), served."""
    home = tmp_path_factory.mktemp("w3c") / "node"
    init_home(home)
    settings = load_settings(home)
    store = open_store(settings)
    graphs = {name: path for test in TESTS for name, path in test.graphs.items()}
    assert len(graphs) == 3
    for name, path in graphs.items():
        triples = ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)
        store.load("".join(f"{q.subject} {q.predicate} {q.object} <{name}> .\n" for q in triples).encode())
    publish(settings, store)
    store.close()
    node = serve_node(home, free_port())
    yield node
    node.stop()


def send(node: LiveNode, request: HttpRequest) -> httpx.Response:
    """One manifest request, sent as written; the manifest's `/sparql/` is our `/sparql`."""
    path = request.path.replace("/sparql/", "/sparql", 1)
    return httpx.request(request.method, node.url + path, headers=request.headers, content=request.body, timeout=30)


def media(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip()


def boolean_of(response: httpx.Response) -> bool:
    """The boolean of an ASK answer in SPARQL JSON or XML results, read by pyoxigraph's parser."""
    fmt = ox.QueryResultsFormat.from_media_type(media(response))
    assert fmt is not None
    result = ox.parse_query_results(response.content, fmt)
    assert isinstance(result, ox.QueryBoolean)
    return bool(result)


def check_format(response: httpx.Response, expected: str) -> None:
    """`boolean`, `tabular` or `RDF`, as the manifest means them, and parseable as such."""
    kind = media(response)
    if expected == "boolean":
        assert kind in RESULT_MEDIA
        boolean_of(response)
    elif expected == "tabular":
        assert kind in TABULAR_MEDIA
        if kind != "text/csv":  # pyoxigraph reads JSON, XML and TSV results
            fmt = ox.QueryResultsFormat.from_media_type(kind)
            assert fmt is not None
            assert isinstance(ox.parse_query_results(response.content, fmt), ox.QuerySolutions)
    else:
        assert expected == "RDF" and kind in RDF_MEDIA
        rdf_format = ox.RdfFormat.from_media_type(kind)
        assert rdf_format is not None
        list(ox.parse(response.content, format=rdf_format))


def status_class(response: httpx.Response) -> str:
    return f"{str(response.status_code)[0]}xx"


# --- the tests -------------------------------------------------------------------------------------------


def test_the_manifest_is_read_whole():
    # 13 query, 14 bad_* and 7 update tests (reference/SOURCES.md says 13 bad_*: the manifest has 14).
    assert [len(BY_KIND[k]) for k in ("query_", "bad_", "update_")] == [13, 14, 7]
    assert len(TESTS) == 34


@pytest.mark.parametrize("test", BY_KIND["query_"])
def test_w3c_query(w3c_node: LiveNode, test: ProtocolTest) -> None:
    """Every W3C query test passes as written."""
    for request in test.requests:
        response = send(w3c_node, request)
        assert status_class(response) in request.statuses, (test.title, response.status_code, response.text)
        assert response.headers["access-control-allow-origin"] == "*"
        if request.format is not None:
            check_format(response, request.format)
        if request.boolean is not None:
            assert boolean_of(response) is request.boolean, test.title


@pytest.mark.parametrize("test", BY_KIND["bad_"])
def test_w3c_bad_request(w3c_node: LiveNode, test: ProtocolTest) -> None:
    """Every W3C `bad_*` request gets its 4xx, in fedcat's one JSON error shape."""
    before = store_digest(w3c_node.home)
    for request in test.requests:
        response = send(w3c_node, request)
        assert "4xx" in request.statuses
        assert status_class(response) == "4xx", (test.title, response.status_code, response.text)
        problem = response.json()
        assert problem["status"] == response.status_code and problem["type"] and problem["detail"]
    assert store_digest(w3c_node.home) == before


@pytest.mark.parametrize("test", BY_KIND["update_"])
def test_w3c_update_is_refused(w3c_node: LiveNode, test: ProtocolTest) -> None:
    """Every W3C update test is refused with 403, and nothing changes: the follow-up ASK answers false."""
    before = store_digest(w3c_node.home)
    update, *checks = test.requests
    response = send(w3c_node, update)
    assert response.status_code == 403, (test.title, response.status_code, response.text)
    assert response.json()["type"] == "update-refused"
    for check in checks:  # the ASKs the W3C uses to see the update's effect
        response = send(w3c_node, check)
        assert response.status_code == 200 and check.boolean is True
        assert boolean_of(response) is False, f"{test.name}: the refused update left a trace"
    assert store_digest(w3c_node.home) == before


# --- Service Description (sparql11/service-description: returns-rdf, has-endpoint-triple, conforms-to-schema)


def service_description(node: LiveNode, accept: str | None = None) -> tuple[httpx.Response, ox.Store]:
    response = httpx.get(node.sparql, headers={"Accept": accept} if accept else {}, timeout=30)
    graph = ox.Store()
    rdf_format = ox.RdfFormat.from_media_type(media(response))
    assert rdf_format is not None
    graph.load(response.content, format=rdf_format)
    return response, graph


def test_sd_manifest_lists_three_tests():
    text = (SPARQL11 / "service-description" / "manifest.ttl").read_text()
    assert all(f":{name}" in text for name in ("has-endpoint-triple", "returns-rdf", "conforms-to-schema"))


@pytest.mark.parametrize(
    "accept", [None, "text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples", "*/*"]
)
def test_sd_returns_rdf(w3c_node: LiveNode, accept: str | None) -> None:
    response, graph = service_description(w3c_node, accept)
    assert response.status_code == 200 and len(graph) > 10
    assert media(response) == (accept if accept and accept != "*/*" else "text/turtle")


def test_sd_has_endpoint_triple(w3c_node: LiveNode) -> None:
    _, graph = service_description(w3c_node)
    endpoints = [q.object for q in graph.quads_for_pattern(None, ox.NamedNode(SD + "endpoint"), None)]
    assert endpoints == [ox.NamedNode(w3c_node.sparql)]


def test_sd_conforms_to_schema(w3c_node: LiveNode) -> None:
    """The shape the SD vocabulary gives: a typed sd:Service, a language, result formats, a default dataset."""
    _, graph = service_description(w3c_node)
    services = [
        q.subject for q in graph.quads_for_pattern(None, ox.NamedNode(RDF + "type"), ox.NamedNode(SD + "Service"))
    ]
    assert len(services) == 1
    service = services[0]
    assert _all(graph, service, SD + "supportedLanguage") == [ox.NamedNode(SD + "SPARQL11Query")]
    formats = {f.value for f in _all(graph, service, SD + "resultFormat")}
    assert {"http://www.w3.org/ns/formats/SPARQL_Results_JSON", "http://www.w3.org/ns/formats/Turtle"} <= formats
    dataset = _one(graph, service, SD + "defaultDataset")
    assert ox.NamedNode(SD + "Dataset") in _all(graph, dataset, RDF + "type")
    default = _one(graph, dataset, SD + "defaultGraph")
    assert ox.NamedNode(SD + "Graph") in _all(graph, default, RDF + "type")
    assert ox.NamedNode(SD + "UnionDefaultGraph") in _all(graph, service, SD + "feature")
    fedcat = "https://w3id.org/fedcat/ns#"
    limits = {
        q.predicate.value.removeprefix(fedcat): str(getattr(q.object, "value", ""))
        for q in graph.quads_for_pattern(service, None, None)
        if q.predicate.value.startswith(fedcat)
    }
    assert limits["maxResultRows"] == "10000" and limits["queryTimeoutSeconds"] == "10"


def test_sd_json_ld_is_json(w3c_node: LiveNode) -> None:
    response = httpx.get(w3c_node.sparql, headers={"Accept": "application/ld+json"}, timeout=30)
    assert isinstance(json.loads(response.text), list | dict)


# --- the dataset, beyond what the W3C tests can tell apart from "every graph" --------------------------

KASEI = "http://kasei.us/2009/09/sparql/data/"


def ask(node: LiveNode, text: str, **dataset: list[str]) -> bool:
    params = httpx.QueryParams([("query", text)])
    for key, values in dataset.items():
        for value in values:
            params = params.add(key.replace("_", "-"), value)
    response = httpx.get(node.sparql, params=params, timeout=30)
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


@pytest.mark.parametrize(
    ("text", "dataset", "expected"),
    [
        # No dataset anywhere: the default graph is the union of every graph.
        (f"ASK {{ <{KASEI}data1.rdf> a ?t . <{KASEI}data3.rdf> a ?t }}", {}, True),
        # The protocol's default graph is exactly the graphs it names ...
        (f"ASK {{ <{KASEI}data2.rdf> a ?t }}", {"default_graph_uri": [KASEI + "data1.rdf"]}, False),
        (f"ASK {{ <{KASEI}data1.rdf> a ?t }}", {"default_graph_uri": [KASEI + "data1.rdf"]}, True),
        # ... and then no named graph is there unless named too.
        ("ASK { GRAPH ?g { ?s ?p ?o } }", {"default_graph_uri": [KASEI + "data1.rdf"]}, False),
        # Named graphs only: an empty default graph, and only the named graphs for GRAPH.
        ("ASK { ?s ?p ?o }", {"named_graph_uri": [KASEI + "data1.rdf"]}, False),
        (f"ASK {{ GRAPH ?g {{ <{KASEI}data2.rdf> a ?t }} }}", {"named_graph_uri": [KASEI + "data1.rdf"]}, False),
        # FROM and FROM NAMED pick graphs of the store; the protocol's dataset overrides them.
        (f"ASK FROM <{KASEI}data3.rdf> {{ <{KASEI}data1.rdf> a ?t }}", {}, False),
        (f"ASK FROM <{KASEI}data3.rdf> {{ <{KASEI}data3.rdf> a ?t }}", {}, True),
        (f"ASK FROM NAMED <{KASEI}data2.rdf> {{ GRAPH ?g {{ <{KASEI}data1.rdf> a ?t }} }}", {}, False),
        (
            f"ASK FROM <{KASEI}data3.rdf> {{ <{KASEI}data1.rdf> a ?t }}",
            {"default_graph_uri": [KASEI + "data1.rdf"]},
            True,
        ),
    ],
)
def test_dataset_semantics(w3c_node: LiveNode, text: str, dataset: dict[str, list[str]], expected: bool) -> None:
    assert ask(w3c_node, text, **dataset) is expected


def test_a_bad_graph_iri_is_400(w3c_node: LiveNode) -> None:
    response = httpx.get(w3c_node.sparql, params={"query": "ASK {}", "default-graph-uri": "not an iri"}, timeout=30)
    assert response.status_code == 400 and "not a graph IRI" in response.json()["detail"]
