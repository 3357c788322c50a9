"""Operating a node: /metrics (harvests, records, latency, errors, access, sandbox), JSON request logs with a
request id, and /healthz per component, against real harvests, a real database and real HTTP on 127.0.0.1."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pyoxigraph as ox
import pytest
import tomlkit
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from access.sandbox import SandboxLimits
from access.sandbox_service import SandboxService
from catalogue.api import create_app
from catalogue.config import load_settings
from catalogue.errors import ConfigError
from catalogue.observability.logs import JsonFormatter
from tests.access_support import build_node, cli, live
from tests.test_sparql_protocol import free_port

TOKEN = "metrics-token-0123456789abcdef"
# A six-way cross product of the node's few dozen public quads: far more work than the 1 s timeout allows.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus exposition, keyed by (name, labels)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(metrics: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return metrics[(name, frozenset(labels.items()))]


def set_toml(home: Path, table: str, **values: Any) -> None:
    path = home / "fedcat.toml"
    doc = tomlkit.parse(path.read_text())
    section = doc.get(table) or tomlkit.table()
    for key, val in values.items():
        section[key] = val
    doc[table] = section
    path.write_text(tomlkit.dumps(doc))


def census_data(path: Path) -> None:
    # Diekirch has 4 rows: a cell under the suppression threshold of an aggregate-only dataset.
    communes = ["Esch"] * 60 + ["Luxembourg"] * 36 + ["Diekirch"] * 4
    table = pa.table(
        {
            "patient_id": [f"P{i:04d}" for i in range(100)],
            "commune": communes,
            "age": [20 + i % 60 for i in range(100)],
        }
    )
    pq.write_table(table, path)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A harvested node (two sources) with hosted census data, served over HTTP on 127.0.0.1."""
    home = tmp_path_factory.mktemp("observability") / "node"
    ids = build_node(home)
    census_data(home / "census.parquet")
    added = cli(home, "data", "add", ids["census"], str(home / "census.parquet"), "--access", "aggregate-only")
    assert added.exit_code == 0, added.output
    set_toml(home, "sparql", timeout_seconds=1, workers=1)
    with live(home) as served:
        served.ids = ids  # type: ignore[attr-defined]
        served.home = home  # type: ignore[attr-defined]
        served.app.state.sandbox_service = SandboxService(served.runtime, SandboxLimits(warm_spare=False))
        yield served


def scrape(node: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """/metrics over real HTTP from 127.0.0.1 (loopback: no token needed when none is configured)."""
    with node.client() as client:
        response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(response.text)


def call(node: Any, user: str, method: str, path: str, body: Any = None) -> httpx.Response:
    with node.client(node.token(user)) as client:
        return client.request(method, path, json=body)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


# --- harvests ---------------------------------------------------------------------------------------------------


def test_harvest_series_follow_the_run_reports(node: Any) -> None:
    before = scrape(node)
    reports = sorted((node.home / "runs").glob("harvest-*.json"))
    first = {run["source"]: run for run in json.loads(reports[-1].read_text())["runs"]}
    assert value(before, "fedcat_harvest_runs_total", source="open", status="succeeded") == 1
    assert (
        value(before, "fedcat_harvest_last_run_records", source="secret", state="new")
        == first["secret"]["counts"]["new"]
        == 2
    )
    assert value(before, "fedcat_harvest_last_run_duration_seconds", source="open") == pytest.approx(
        first["open"]["duration_seconds"]
    )
    assert value(before, "fedcat_harvest_last_run_succeeded", source="open") == 1
    # The index holds the records by source and visibility: the restricted source's are restricted.
    assert value(before, "fedcat_records", source="secret", visibility="restricted") == 2
    assert value(before, "fedcat_records", source="secret", visibility="public") == 0
    assert value(before, "fedcat_records", source="open", visibility="public") == 1

    # Another harvest, in another "process" (the CLI), while the node serves; plus a source that fails.
    missing = (node.home / "never-there.ttl").as_uri()
    assert cli(node.home, "sources", "add", "gone", "--kind", "dcat", "--url", missing).exit_code == 0
    assert cli(node.home, "harvest").exit_code == 1  # "gone" failed
    after = scrape(node)
    assert value(after, "fedcat_harvest_runs_total", source="open", status="succeeded") == 2
    assert value(after, "fedcat_harvest_last_run_records", source="open", state="unchanged") == 1
    assert value(after, "fedcat_harvest_last_run_records", source="open", state="new") == 0
    assert value(after, "fedcat_harvest_records_total", source="open", state="new") == 1
    assert value(after, "fedcat_harvest_records_total", source="open", state="unchanged") == 1
    assert value(after, "fedcat_harvest_duration_seconds_count", source="open") == 2
    # The served app was configured before "gone" existed: the reports alone name it.
    assert value(after, "fedcat_harvest_runs_total", source="gone", status="failed") == 1
    assert value(after, "fedcat_harvest_last_run_succeeded", source="gone") == 0
    assert ("fedcat_harvest_last_success_timestamp_seconds", frozenset({("source", "gone")})) not in after
    assert value(after, "fedcat_harvest_last_success_timestamp_seconds", source="open") > value(
        before, "fedcat_harvest_last_success_timestamp_seconds", source="open"
    )
    for part in ("harvest_reports", "index", "database"):
        assert value(after, "fedcat_scrape_part_up", part=part) == 1


def test_a_half_written_report_is_skipped_until_complete(node: Any) -> None:
    runs = scrape(node)[("fedcat_harvest_runs_total", frozenset({("source", "open"), ("status", "succeeded")}))]
    partial = node.home / "runs" / "harvest-29991231T235959000000Z.json"
    partial.write_text('{"runs": [{"source": "open", "status": "succeeded", "dur')
    try:
        assert value(scrape(node), "fedcat_harvest_runs_total", source="open", status="succeeded") == runs
        partial.write_text(json.dumps({"runs": [{"source": "open", "status": "succeeded", "duration_seconds": 2.5}]}))
        assert value(scrape(node), "fedcat_harvest_runs_total", source="open", status="succeeded") == runs + 1
    finally:
        partial.unlink()


# --- access requests and the sandbox ----------------------------------------------------------------------------


def test_access_requests_and_sandbox_queries_come_from_the_database(node: Any) -> None:
    before = scrape(node)
    body = {"title": "Census study", "purpose": "Counts by commune.", "members": ["bob"]}
    project = ok(call(node, "alice", "POST", "/api/projects", body), 201)["id"]
    census = node.ids["census"]
    request = {
        "project_id": project,
        "datasets": [census],
        "columns": {census: ["commune", "age"]},
        "purpose": "Counts by commune.",
        "duo_codes": ["DS", "NCU"],
        "legal_basis": "GDPR Art. 9(2)(j) scientific research",
        "accept_terms": True,
        "duration_days": 90,
    }
    approved = ok(call(node, "alice", "POST", "/api/access-requests", request), 201)["id"]
    ok(call(node, "bob", "POST", "/api/access-requests", {**request, "purpose": "A draft."}), 201)
    ok(call(node, "alice", "POST", f"/api/access-requests/{approved}/submit"))
    decision = {
        "decision": "approve",
        "reason": "aggregates only",
        "columns": ["commune", "age"],
        "end_date": (date.today() + timedelta(days=30)).isoformat(),
    }
    ok(call(node, "sue", "POST", f"/api/access-requests/{approved}/decision", decision))
    view = ok(call(node, "alice", "GET", f"/api/projects/{project}/views"))["views"][0]["name"]
    sql = f"SELECT commune, count(*) AS n FROM {view} GROUP BY commune ORDER BY commune"
    result = ok(call(node, "alice", "POST", f"/api/projects/{project}/query", {"sql": sql}))
    assert result["suppressed"], result
    refused = call(node, "alice", "POST", f"/api/projects/{project}/query", {"sql": f"SELECT * FROM {view}"})
    assert refused.status_code == 403
    refusal = refused.json()["type"]

    after = scrape(node)
    for state, n in (("approved", 1), ("draft", 1), ("submitted", 0)):
        assert (
            value(after, "fedcat_access_requests", state=state) - value(before, "fedcat_access_requests", state=state)
            == n
        ), state

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - before.get((name, frozenset(labels.items())), 0.0)

    assert grew("fedcat_sandbox_queries_total", outcome="ok") == 1
    assert grew("fedcat_sandbox_queries_total", outcome=refusal) == 1
    assert grew("fedcat_sandbox_suppressed_cells_total") == len(result["suppressed"])
    assert grew("fedcat_sandbox_queries_with_suppressions_total") == 1
    # The refusal also counts as an error response of its type.
    assert grew("fedcat_error_responses_total", type=refusal, status="403") == 1


# --- latency, errors, request ids --------------------------------------------------------------------------------


def test_latency_histograms_and_error_types(node: Any) -> None:
    before = scrape(node)
    with node.client() as client:
        for words in ("stays", "parks", "census"):
            assert client.get("/api/datasets", params={"q": words}).status_code == 200
        assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
        refused = client.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://x.example/> { ?s ?p ?o } }"})
        assert refused.status_code == 403
        timed_out = client.post("/sparql", content=ENDLESS, headers={"Content-Type": "application/sparql-query"})
        assert timed_out.status_code == 503 and timed_out.json()["type"] == "query-timeout"
        missing = client.get("/api/datasets/not-a-dataset", headers={"X-Request-ID": "trace-42.a:b"})
    assert missing.status_code == 404
    # The caller's id comes back in the header and in the one error shape (which keeps its fields).
    assert missing.headers["x-request-id"] == "trace-42.a:b"
    problem = missing.json()
    assert problem["request_id"] == "trace-42.a:b"
    assert {"type", "title", "status", "detail"} <= set(problem) and problem["type"] == "not-found"
    assert refused.json()["request_id"] == refused.headers["x-request-id"]
    assert refused.headers["access-control-allow-origin"] == "*"  # the SPARQL router's own headers survive
    assert int(refused.headers["content-length"]) == len(refused.content)

    after = scrape(node)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - before.get((name, frozenset(labels.items())), 0.0)

    assert grew("fedcat_search_duration_seconds_count", route="/api/datasets") == 3
    assert grew("fedcat_sparql_duration_seconds_count", route="/sparql", method="GET") == 2
    assert grew("fedcat_sparql_duration_seconds_count", route="/sparql", method="POST") == 1
    # The timed-out query took at least the 1 s timeout: it is in no bucket below 1 s.
    assert grew("fedcat_sparql_duration_seconds_bucket", route="/sparql", method="POST", le="0.5") == 0
    assert grew("fedcat_sparql_duration_seconds_sum", route="/sparql", method="POST") >= 1.0
    assert grew("fedcat_error_responses_total", type="service-refused", status="403") == 1
    assert grew("fedcat_error_responses_total", type="query-timeout", status="503") == 1
    assert grew("fedcat_error_responses_total", type="not-found", status="404") == 1
    # Requests are labelled by route template, never by raw path.
    assert grew("fedcat_http_requests_total", route="/api/datasets/{dataset_id}", method="GET", status="404") == 1
    assert not any("not-a-dataset" in str(labels) for _, labels in after)


def test_request_log_is_one_json_line_with_the_request_id(node: Any) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("fedcat.request")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        with node.client() as client:
            given = client.get("/api/datasets?q=parks", headers={"X-Request-ID": "abc-123"})
            forged = client.get("/api/version", headers={"X-Request-ID": "evil id<script>" + "x" * 100})
            client.get("/healthz")  # polled endpoints log at DEBUG: not in an INFO log
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2, lines
    first, second = lines
    assert first["request_id"] == "abc-123" == given.headers["x-request-id"]
    assert first["method"] == "GET" and first["path"] == "/api/datasets" and first["status"] == 200
    assert first["level"] == "info" and first["client"] == "127.0.0.1" and first["duration_ms"] > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["ts"])
    assert "q=parks" not in json.dumps(first)  # query strings can carry secrets: not logged
    # An unsafe id is replaced by a fresh one, the same in the response and the log.
    assert (
        re.fullmatch(r"[0-9a-f]{32}", second["request_id"]) and forged.headers["x-request-id"] == second["request_id"]
    )


def test_fedcat_serve_logs_json_lines(tmp_path: Path) -> None:
    home = tmp_path / "node"
    build_node(home, users=False)
    port = free_port()
    log = (tmp_path / "serve.log").open("w+b")
    cmd = [sys.executable, "-m", "catalogue", "serve", "--home", str(home), "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDCAT_")}
    process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/version", headers={"X-Request-ID": "from-test-1"})
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "fedcat serve did not start"
                time.sleep(0.2)
        assert response.headers["x-request-id"] == "from-test-1"
        time.sleep(0.5)  # the line is written after the response is sent
    finally:
        process.terminate()
        process.wait(20)
    lines = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines() if line.startswith("{")]
    mine = [entry for entry in lines if entry.get("request_id") == "from-test-1"]
    assert len(mine) == 1 and mine[0]["path"] == "/api/version" and mine[0]["status"] == 200
    assert mine[0]["logger"] == "fedcat.request" and mine[0]["level"] == "info"
    assert any(entry["logger"].startswith("uvicorn") for entry in lines)  # uvicorn's own lines are JSON too
    assert all(not line.startswith("INFO:") for line in (tmp_path / "serve.log").read_text().splitlines())


def test_serve_rejects_an_unknown_log_format(home: Path) -> None:
    result = cli(home, "serve", "--log-format", "xml")
    assert result.exit_code == 2 and "xml" in result.output


# --- who may read /metrics ---------------------------------------------------------------------------------------


def test_metrics_need_loopback_or_the_token(tmp_path: Path) -> None:
    home = tmp_path / "node"
    build_node(home, users=False)
    settings = load_settings(home)
    with TestClient(create_app(settings)) as client:  # the peer is "testclient": not loopback
        refused = client.get("/metrics")
        assert refused.status_code == 403 and refused.json()["type"] == "metrics-loopback-only"
    set_toml(home, "observability", metrics_token=TOKEN)
    with TestClient(create_app(load_settings(home))) as client:
        assert client.get("/metrics").json()["type"] == "metrics-token-required"
        wrong = client.get("/metrics", headers={"Authorization": "Bearer " + TOKEN[:-1] + "X"})
        assert wrong.status_code == 401
        allowed = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert allowed.status_code == 200
        assert value(samples(allowed.text), "fedcat_harvest_runs_total", source="open", status="succeeded") == 1


def test_a_short_metrics_token_is_a_config_error(home: Path) -> None:
    set_toml(home, "observability", metrics_token="short")
    with pytest.raises(ConfigError, match="metrics_token"):
        load_settings(home)


def test_each_app_has_its_own_registry(tmp_path: Path) -> None:
    home = tmp_path / "node"
    build_node(home, users=False)
    set_toml(home, "observability", metrics_token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(load_settings(home))) as one, TestClient(create_app(load_settings(home))) as two:
        assert one.get("/api/datasets").status_code == 200
        counted = samples(one.get("/metrics", headers=auth).text)
        other = samples(two.get("/metrics", headers=auth).text)
    assert value(counted, "fedcat_search_duration_seconds_count", route="/api/datasets") == 1
    assert ("fedcat_search_duration_seconds_count", frozenset({("route", "/api/datasets")})) not in other


# --- /healthz ------------------------------------------------------------------------------------------------------


def test_healthz_reports_each_component(node: Any) -> None:
    deadline = time.monotonic() + 30
    with node.client() as client:
        while True:  # the quads of a new snapshot are counted in a child process: null until then
            response = client.get("/healthz")
            assert response.status_code == 200, response.text
            body = response.json()
            if body["store"]["quads"] is not None or time.monotonic() > deadline:
                break
            assert body["store"]["quads_detail"].startswith("still counting")
            time.sleep(0.2)
    assert body["status"] == "ok"
    assert body["store"]["status"] == "ok" and body["store"]["backend"] == "oxigraph"
    snapshot = node.home / "snapshots" / body["store"]["snapshot"]
    assert body["store"]["quads"] == len(ox.Store.read_only(str(snapshot)))
    assert body["index"] == {"status": "ok", "documents": 3, "generation": body["index"]["generation"]}
    assert body["database"]["status"] == "ok" and body["database"]["dialect"] == "sqlite"


def test_healthz_is_503_naming_the_missing_index(tmp_path: Path) -> None:
    home = tmp_path / "node"
    build_node(home, users=False)
    settings = load_settings(home)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        for path in sorted(settings.index_path.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        settings.index_path.rmdir()
        response = client.get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "error" and body["index"]["status"] == "error"
        assert body["store"]["status"] == "ok" and body["database"]["status"] == "ok"
        assert "failed" in body["index"]["detail"] and "index rebuild" not in body["index"]["detail"]  # not loopback


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when this returns: connections are refused


def test_healthz_is_503_naming_an_unreachable_database(tmp_path: Path) -> None:
    home = tmp_path / "node"
    build_node(home, users=False)
    set_toml(home, "access", database_url=f"postgresql://fedcat:secret@127.0.0.1:{_closed_port()}/fedcat")
    set_toml(home, "observability", metrics_token=TOKEN)
    with TestClient(create_app(load_settings(home))) as client:
        response = client.get("/healthz", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 503
        body = response.json()
        assert body["database"]["status"] == "error" and body["database"]["dialect"] == "postgresql"
        assert "refused" in body["database"]["detail"].lower()
        assert "secret" not in response.text  # the password stays out
        assert body["store"]["status"] == "ok" and body["index"]["status"] == "ok"
        # The metrics still answer, with the database part marked down.
        metrics = samples(client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text)
        assert value(metrics, "fedcat_scrape_part_up", part="database") == 0
        assert value(metrics, "fedcat_scrape_part_up", part="harvest_reports") == 1


def test_healthz_does_not_hang_on_a_silent_database(tmp_path: Path) -> None:
    home = tmp_path / "node"
    build_node(home, users=False)
    with socket.socket() as silent:  # accepts connections (the kernel does) but never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        set_toml(home, "access", database_url=f"postgresql://fedcat:secret@127.0.0.1:{port}/fedcat")
        set_toml(home, "observability", metrics_token=TOKEN, health_timeout_seconds=1)
        with TestClient(create_app(load_settings(home))) as client:
            started = time.monotonic()
            response = client.get("/healthz", headers={"Authorization": f"Bearer {TOKEN}"})
            took = time.monotonic() - started
            assert response.status_code == 503 and response.json()["database"]["status"] == "error"
            assert took < 3, took
            started = time.monotonic()
            scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert scraped.status_code == 200 and time.monotonic() - started < 3
            assert value(samples(scraped.text), "fedcat_scrape_part_up", part="database") == 0
