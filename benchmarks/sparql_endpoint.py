"""SPARQL endpoint benchmark: `/sparql` over real HTTP beside pyoxigraph called directly on the same snapshot.

Run: `python benchmarks/sparql_endpoint.py --size smoke` (2,000 datasets, CI) or `--size 100k`.

The node is built like a harvested one (one named graph per dataset record, with its marker triples),
published as a snapshot, and served by `fedcat serve` in its own process. "Direct" is what a Python program
with the snapshot open would do: `Store.query(...)` over the union of graphs, serialised to SPARQL JSON (or
Turtle for DESCRIBE) by pyoxigraph. "Endpoint" is a keep-alive HTTP GET of the same query, body read in full:
HTTP, the query guard, the hop to a worker process, the row cap and the transfer back.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import PREFIXES, dcat_dataset  # noqa: E402
from catalogue.config import load_settings  # noqa: E402
from catalogue.nodehome import init_home  # noqa: E402
from catalogue.snapshots import current, publish  # noqa: E402
from catalogue.store import open_store  # noqa: E402

SIZES = {"smoke": 2_000, "20k": 20_000, "100k": 100_000}
P = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
QUERIES = {
    "datasets per publisher": P + "SELECT ?publisher (COUNT(?d) AS ?n) WHERE { ?d a dcat:Dataset ; dct:publisher "
    "?publisher } GROUP BY ?publisher ORDER BY DESC(?n)",
    "datasets with a CSV distribution": P + "SELECT DISTINCT ?d ?title WHERE { ?d a dcat:Dataset ; dct:title ?title ; "
    "dcat:distribution ?dist . ?dist dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> } "
    "LIMIT 1000",
    "titles matching a keyword": P + "SELECT ?d ?title WHERE { ?d a dcat:Dataset ; dct:title ?title . "
    'FILTER(CONTAINS(LCASE(STR(?title)), "climate")) } LIMIT 100',
    "describe a dataset": "DESCRIBE <https://rdf.example.org/dataset/42>",
    "latest modified 20": P + "SELECT ?d ?title ?modified WHERE { ?d a dcat:Dataset ; dct:title ?title ; "
    "dct:modified ?modified } ORDER BY DESC(?modified) LIMIT 20",
}
RECORD = "https://w3id.org/fedcat/ns#"


def build_node(home: Path, total: int, base_url: str) -> Path:
    """A node home whose store holds `total` synthetic DCAT-AP datasets as record graphs; the public snapshot."""
    init_home(home)
    os.environ["FEDCAT_BASE_URL"] = base_url
    settings = load_settings(home)
    store = open_store(settings)
    rng = random.Random(7)
    batch: list[str] = []
    for i in range(total):
        graph = f"<{base_url}/graph/record/bench/{i}>"
        for quad in ox.parse(PREFIXES + dcat_dataset(i, rng), format=ox.RdfFormat.TURTLE):
            batch.append(f"{quad.subject} {quad.predicate} {quad.object} {graph} .\n")
        batch.append(f'{graph} <{RECORD}visibility> "public" {graph} .\n')
        batch.append(
            f"{graph} <http://xmlns.com/foaf/0.1/primaryTopic> <https://rdf.example.org/dataset/{i}> {graph} .\n"
        )
        if len(batch) > 200_000:
            store.bulk_load("".join(batch).encode())
            batch = []
    store.bulk_load("".join(batch).encode())
    publish(settings, store)
    store.close()
    snapshot = current(settings, public=True)
    assert snapshot is not None
    return snapshot


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(home: Path, port: int) -> subprocess.Popen[bytes]:
    """`fedcat serve` for the node, once it answers."""
    env = {**os.environ, "FEDCAT_SPARQL__TIMEOUT_SECONDS": "120"}
    cmd = [sys.executable, "-m", "catalogue", "serve", "--home", str(home), "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/version", timeout=1).status_code == 200:  # no index: healthz 503
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("fedcat serve did not start")


def direct(store: ox.Store, query: str) -> bytes:
    """The query as a Python program would run it on the open snapshot."""
    result = store.query(query, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryTriples):
        body = result.serialize(format=ox.RdfFormat.TURTLE)
    else:
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
    assert body is not None
    return body


def endpoint(client: httpx.Client, url: str, query: str) -> bytes:
    """The same query through `/sparql`."""
    accept = "text/turtle" if query.startswith("DESCRIBE") else "application/sparql-results+json"
    response = client.get(url, params={"query": query}, headers={"Accept": accept})
    response.raise_for_status()
    return response.content


def measure(repeats: int, store: ox.Store, client: httpx.Client, url: str, query: str) -> tuple[float, float, int]:
    """p50 milliseconds direct and through the endpoint, interleaved so both see the same machine load."""
    for _ in range(2):  # warm caches on both sides
        direct(store, query)
        endpoint(client, url, query)
    direct_s, endpoint_s = [], []
    size = 0
    for _ in range(repeats):
        started = time.perf_counter()
        size = len(direct(store, query))
        direct_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        endpoint(client, url, query)
        endpoint_s.append(time.perf_counter() - started)
    return statistics.median(direct_s) * 1000, statistics.median(endpoint_s) * 1000, size


def main() -> None:
    """Build the node, serve it, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="smoke")
    parser.add_argument("--repeats", type=int, default=0, help="timed runs per query (default: by size)")
    args = parser.parse_args()
    total = SIZES[args.size]
    repeats = args.repeats or (30 if total <= 20_000 else 10)
    console = Console(width=120)
    with tempfile.TemporaryDirectory(prefix="fedcat-sparql-bench-") as tmp:
        port = free_port()
        started = time.perf_counter()
        snapshot = build_node(Path(tmp) / "node", total, f"http://127.0.0.1:{port}")
        console.print(f"built {total:,} datasets in {time.perf_counter() - started:.1f} s")
        server = serve(Path(tmp) / "node", port)
        store = ox.Store.read_only(str(snapshot))
        table = Table(title=f"SPARQL endpoint vs pyoxigraph direct, {total:,} datasets, p50 of {repeats}")
        for column in ("query", "answer bytes", "direct p50 ms", "endpoint p50 ms", "ratio", "overhead ms"):
            table.add_column(column, justify="left" if column == "query" else "right")
        try:
            with httpx.Client(timeout=300) as client:
                for name, query in QUERIES.items():
                    d, e, size = measure(repeats, store, client, f"http://127.0.0.1:{port}/sparql", query)
                    table.add_row(name, f"{size:,}", f"{d:.2f}", f"{e:.2f}", f"{e / d:.2f}x", f"{e - d:.2f}")
        finally:
            server.terminate()
            server.wait(10)
        console.print(table)


if __name__ == "__main__":
    main()
