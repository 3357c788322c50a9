"""Discovery benchmark: search latency in-process and over HTTP, beside a SPARQL `CONTAINS` baseline.

Run: `python benchmarks/discovery.py --size smoke|100k|1m`. It builds a synthetic multilingual catalogue of
that size (see `discovery_data`) as record graphs in an Oxigraph store, indexes it (through the real
`rebuild_index` up to 100k; at 1m the same documents are written directly from the generator, skipping the
SPARQL read), then times a mix of queries: in-process `search()` with and without facet counts; the same
queries as SPARQL `CONTAINS` filters over the store (all matches, first 20); over HTTP one at a time against
`uvicorn` on loopback; and requests/s from a concurrent load generator.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.discovery_data import EU, BenchQuery, Generator, index_record, nquads, query_mix  # noqa: E402
from catalogue.config import Settings, load_settings  # noqa: E402
from catalogue.index import SearchIndex, rebuild_index  # noqa: E402
from catalogue.nodehome import init_home  # noqa: E402
from catalogue.search import SearchQuery, search  # noqa: E402
from catalogue.store import OxigraphStore  # noqa: E402

SIZES = {"smoke": 3_000, "100k": 100_000, "1m": 1_000_000}
QUERIES = 240
BASELINE_QUERIES = {"smoke": QUERIES, "100k": 40, "1m": 12}  # CONTAINS scans every literal: sample it
# At 1m one CONTAINS query takes minutes: the sample stops once this many seconds are spent (at least 3 run).
BASELINE_BUDGET = {"smoke": float("inf"), "100k": float("inf"), "1m": 420.0}
BASELINE_MIN = 3
LOAD_SECONDS = {"smoke": 4.0, "100k": 10.0, "1m": 10.0}
CONCURRENCY = 16
console = Console(width=140)
Load = tuple[int, int, float, list[float]]  # requests ok, failed, seconds, latencies


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


def build(home: Path, n: int, direct: bool) -> dict[str, float]:
    """Generate `n` records into the node's store and index them; returns the timings."""
    init_home(home)
    settings = load_settings(home)
    gen = Generator()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    dump = home / "records.nq"
    with dump.open("w", encoding="utf-8") as out:
        for rec in gen.records(0, n):
            out.write(nquads(rec))
    timings["generate"] = time.perf_counter() - started
    started = time.perf_counter()
    store = OxigraphStore(settings.store_path)
    store.raw.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    store.flush()
    dump.unlink()
    timings["bulk load"] = time.perf_counter() - started
    started = time.perf_counter()
    if direct:
        index_directly(settings, gen, n)
    else:
        rebuild_index(settings, store)
    timings["index"] = time.perf_counter() - started
    store.close()
    return timings


def index_directly(settings: Settings, gen: Generator, n: int) -> None:
    """The documents `rebuild_index` would write, from the generator instead of the store (for 1m)."""
    import json

    from catalogue.index_docs import to_document
    from catalogue.index_schema import SCHEMA_VERSION, new_index

    generation = settings.index_path / f"g{time.time_ns()}"
    generation.mkdir(parents=True)
    index = new_index(str(generation))
    writer = index.writer(512_000_000, 2)
    for rec in gen.records(0, n):
        writer.add_document(to_document(index_record(rec)))
    writer.commit()
    writer.wait_merging_threads()
    (generation / "fedcat.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION, "records": n}))
    (settings.index_path / "CURRENT").write_text(generation.name)


def to_search(q: BenchQuery, facets: bool = True) -> SearchQuery:
    filters = {name: (value,) for name, value in q.filters.items()}
    return SearchQuery(text=q.text, filters=filters, languages=(q.lang,), sort=q.sort, facets=facets)


class Timed:
    """Seconds per query: wall clock, and CPU time of this process (all threads: a search counts its facets on
    the index's helper thread while the calling thread ranks the hits).

    The machine is shared: the CPU time is what a query costs; the wall time adds the waits for a core.
    """

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []


def time_each(queries: list[BenchQuery], run: Callable[[BenchQuery], Any]) -> Timed:
    """Run each query once and time it."""
    timed = Timed()
    for q in queries:
        wall, cpu = time.perf_counter(), time.process_time()
        run(q)
        timed.cpu.append(time.process_time() - cpu)
        timed.wall.append(time.perf_counter() - wall)
    return timed


def _sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def contains_query(q: BenchQuery) -> str:
    """The baseline: every word a case-insensitive substring of a title, description or keyword."""
    words = [w.strip('"*').lower() for w in ([q.text.strip('"')] if q.text.startswith('"') else q.text.split())]
    lines = []
    for i, word in enumerate(w for w in words if w):
        lines.append(
            f"?d <http://purl.org/dc/terms/title>|<http://purl.org/dc/terms/description>|"
            f"<http://www.w3.org/ns/dcat#keyword> ?t{i} . FILTER(CONTAINS(LCASE(STR(?t{i})), {_sparql_string(word)}))"
        )
    for name, value in q.filters.items():
        if name == "theme":
            lines.append(f"?d <http://www.w3.org/ns/dcat#theme> <{EU}data-theme/{value}> .")
        elif name == "format":
            path = "<http://www.w3.org/ns/dcat#distribution>/<http://purl.org/dc/terms/format>"
            lines.append(f"?d {path} <{EU}file-type/{value}> .")
        elif name == "publisher":
            lines.append(f"?d <http://purl.org/dc/terms/publisher> <{value}> .")
    body = "\n    ".join(lines)
    return (
        "SELECT DISTINCT ?d WHERE { GRAPH ?g { "
        '?g <https://w3id.org/fedcat/ns#visibility> "public" ; <http://xmlns.com/foaf/0.1/primaryTopic> ?d .\n'
        f"    {body} }} }}"
    )


def run_baseline(store: OxigraphStore, q: BenchQuery) -> list[str]:
    """All matches of the CONTAINS query; a page shows the first 20."""
    matches = [row["d"].value for row in store.select(contains_query(q))]
    return matches[:20]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app() -> Any:
    """The uvicorn factory: the real app on the benchmark's node (search reads the index, not the store)."""
    from catalogue.api import create_app

    application = create_app(load_settings(os.environ["FEDCAT_HOME"]), store=OxigraphStore(None))
    application.state.search_cache_size = int(os.environ.get("DISCOVERY_CACHE", "512"))
    return application


def start_servers(home: Path, count: int, cache: int) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    """`count` single-process uvicorn servers on loopback ports, all serving the node at `home`.

    Separate processes rather than `uvicorn --workers`: with --workers, uvicorn hands the listening socket
    to its workers in a way that leaves TCP_NODELAY off, and every keep-alive response then waits ~40 ms for
    a delayed ACK. The load generator spreads its clients over the servers instead.
    """
    procs: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    env = {**os.environ, "FEDCAT_HOME": str(home), "DISCOVERY_CACHE": str(cache)}
    for _ in range(count):
        port = free_port()
        cmd = [sys.executable, "-m", "uvicorn", "benchmarks.discovery:app", "--factory", "--host", "127.0.0.1"]
        cmd += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        bases.append(f"http://127.0.0.1:{port}")
    for proc, base in zip(procs, bases, strict=True):
        for _ in range(600):
            try:
                if httpx.get(f"{base}/api/datasets?page_size=1", timeout=30).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                stop(procs)
                raise RuntimeError(f"uvicorn exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.1)
    return procs, bases


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=30)


async def load(bases: list[str], queries: list[BenchQuery], seconds: float) -> Load:
    """`CONCURRENCY` keep-alive connections loop over the queries for `seconds`; (ok, failed, elapsed, latencies).

    A minimal HTTP/1.1 client on asyncio streams: httpx's AsyncClient peaked below 100 requests/s here even
    for /api/version, so it measured itself, not the server.
    """
    ok = failed = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    paths = ["/api/datasets?" + urlencode(q.params()) for q in queries]

    async def client(k: int) -> None:
        nonlocal ok, failed
        host, port = bases[k % len(bases)].removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        i = k * 7
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(f"GET {paths[i % len(paths)]} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                i += 1
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                length = next(int(h.split(":", 1)[1]) for h in head if h.lower().startswith("content-length:"))
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                if head[0].split()[1] == "200":
                    ok += 1
                else:
                    failed += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(CONCURRENCY)))
    return ok, failed, time.perf_counter() - started, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="smoke")
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the node here instead of a temporary folder.")
    parser.add_argument("--workers", type=int, default=2, help="Server processes (one uvicorn each).")
    readme = ROOT / "benchmarks" / "README.md"
    parser.add_argument("--readme", type=Path, default=readme, help="Where the size's table goes (a Markdown file).")
    args = parser.parse_args()
    n = SIZES[args.size]
    tmp = None if args.keep else tempfile.mkdtemp(prefix="fedcat-discovery-")
    home = args.keep or Path(tmp or ".") / "node"
    try:
        timings = {} if (home / "fedcat.toml").exists() else build(home, n, direct=args.size == "1m")
        report(args.size, n, home, timings, args.workers, args.readme)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def in_process(settings: Settings, queries: list[BenchQuery]) -> tuple[Timed, Timed, list[int]]:
    """Per-query seconds with facet counts, without them, and the totals (result cache off: engine time)."""
    index = SearchIndex(settings, check_every=3600, cache_size=0)
    for q in queries[:20]:  # warm the page cache and the label caches, as a running server would be
        search(index, to_search(q))
    full = time_each(queries, lambda q: search(index, to_search(q)))
    hits_only = time_each(queries, lambda q: search(index, to_search(q, facets=False)))
    totals = [search(index, to_search(q, facets=False)).total for q in queries]
    return full, hits_only, totals


def versus_baseline(settings: Settings, sample: list[BenchQuery], budget: float) -> tuple[Timed, Timed]:
    """Per-query seconds of the CONTAINS baseline and of `search()` on the same queries.

    The baseline runs the sample in order until `budget` seconds are spent (at least `BASELINE_MIN` queries);
    `search()` then runs exactly the queries the baseline ran.
    """
    store = OxigraphStore(settings.store_path, read_only=True)
    baseline = Timed()
    started = time.perf_counter()
    ran: list[BenchQuery] = []
    for q in sample:
        if len(ran) >= BASELINE_MIN and time.perf_counter() - started >= budget:
            break
        one = time_each([q], lambda q: run_baseline(store, q))
        baseline.wall += one.wall
        baseline.cpu += one.cpu
        ran.append(q)
    index = SearchIndex(settings, check_every=3600, cache_size=0)
    return baseline, time_each(ran, lambda q: search(index, to_search(q)))


def over_http(home: Path, queries: list[BenchQuery], workers: int, seconds: float) -> tuple[Timed, Load, Load, Load]:
    """Per-query seconds one at a time, then concurrent loads: result cache off; on (as deployed), from servers
    just started; and on again, once those servers have answered the queries (a server's steady state)."""
    procs, bases = start_servers(home, workers, cache=0)
    try:
        with httpx.Client(base_url=bases[0], timeout=30) as client:
            for q in queries[-20:]:
                client.get("/api/datasets", params=q.params())
            http = time_each(queries, lambda q: client.get("/api/datasets", params=q.params()).raise_for_status())
        uncached = asyncio.run(load(bases, queries, seconds))
    finally:
        stop(procs)
    procs, bases = start_servers(home, workers, cache=512)
    try:
        cached = asyncio.run(load(bases, queries, seconds))
        warm = asyncio.run(load(bases, queries, seconds))
    finally:
        stop(procs)
    return http, uncached, cached, warm


def report(size: str, n: int, home: Path, timings: dict[str, float], workers: int, readme: Path) -> None:
    settings = load_settings(home)
    queries = query_mix(Generator(), n, QUERIES)
    load_before = os.getloadavg()[0]
    full, hits_only, totals = in_process(settings, queries)
    sample = random.Random(9).sample(queries, min(BASELINE_QUERIES[size], len(queries)))
    baseline, ours_on_sample = versus_baseline(settings, sample, BASELINE_BUDGET[size])
    http, *loads = over_http(home, queries, workers, LOAD_SECONDS[size])
    rows = table_rows(full, hits_only, baseline, ours_on_sample, http, loads, len(baseline.wall))
    title = (
        f"{size}: {n:,} datasets, {len(queries)} mixed queries (median {statistics.median(totals):,.0f} matches); "
        f"{os.cpu_count()} cores, {workers} server processes; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after"
    )
    table = Table("measure", "p50 ms", "p99 ms", "CPU p50", "CPU p99", "note", title=title)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    kinds = by_kind(queries, full, totals)
    console.print(", ".join(f"{kind} {stat}" for kind, stat in kinds))
    if timings:
        console.print("build: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    write_readme(readme, size, title, rows, kinds, timings)


def by_kind(queries: list[BenchQuery], full: Timed, totals: list[int]) -> list[tuple[str, str]]:
    """Per kind of query: CPU p50 ms with facets, and the median number of matches."""
    kinds: dict[str, list[int]] = {}
    for i, q in enumerate(queries):
        kinds.setdefault(q.kind, []).append(i)
    return [
        (
            kind,
            f"{statistics.median(full.cpu[i] for i in idx) * 1000:.1f} ms "
            f"({statistics.median(totals[i] for i in idx):,.0f} matches)",
        )
        for kind, idx in kinds.items()
    ]


def table_rows(
    full: Timed,
    hits_only: Timed,
    baseline: Timed,
    ours_on_sample: Timed,
    http: Timed,
    loads: list[Load],
    sampled: int,
) -> list[list[str]]:
    def cells(t: Timed, digits: int = 2) -> list[str]:
        w50, w99 = percentiles(t.wall)
        c50, c99 = percentiles(t.cpu)
        return [f"{w50:.{digits}f}", f"{w99:.{digits}f}", f"{c50:.{digits}f}", f"{c99:.{digits}f}"]

    b50 = percentiles(baseline.wall)[0]
    s50 = percentiles(ours_on_sample.wall)[0]
    w50, w99 = percentiles(http.wall)
    rows = [
        ["search + facet counts, in-process", *cells(full), "11 facets, page of 20"],
        ["search, hits and total only", *cells(hits_only), "facets=false"],
        ["SPARQL CONTAINS baseline", *cells(baseline, 1), f"{sampled} of the queries, all matches, first 20"],
        ["search + facets, same queries", *cells(ours_on_sample), f"x{b50 / s50:,.0f} faster than CONTAINS (p50)"],
        ["HTTP, one request at a time", f"{w50:.2f}", f"{w99:.2f}", "", "", "uvicorn on loopback, keep-alive"],
    ]
    names = ("result cache off", "result cache on", "result cache on, warm")
    for name, (ok, failed, elapsed, latencies) in zip(names, loads, strict=True):
        l50, l99 = percentiles(latencies)
        note = f"**{ok / elapsed:,.0f} requests/s** ({failed} failed)"
        rows.append([f"HTTP, {CONCURRENCY} clients, {name}", f"{l50:.2f}", f"{l99:.2f}", "", "", note])
    return rows


def write_readme(
    path: Path, size: str, title: str, rows: list[list[str]], kinds: list[tuple[str, str]], timings: dict[str, float]
) -> None:
    """Put this size's table under "## Discovery" in the Markdown file at `path`, keeping everything else."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    head = "## Discovery"
    marker = f"### {size}"
    lines = [marker, "", title, "", "| measure | p50 ms | p99 ms | CPU p50 ms | CPU p99 ms | note |"]
    lines += ["|---|---:|---:|---:|---:|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    lines += ["", "CPU p50 with facets by kind of query: " + "; ".join(f"{k} {v}" for k, v in kinds) + "."]
    if timings:
        lines += ["", "Build: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()) + "."]
    block = "\n".join(lines) + "\n"
    if head not in text:
        text = text.rstrip("\n") + f"\n\n{head}\n\n`python benchmarks/discovery.py --size smoke|100k|1m`\n\n"
    start = text.index(head)
    end = text.find("\n## ", start + len(head))
    section = text[start : end if end != -1 else len(text)]
    if marker in section:
        s = section.index(marker)
        e = section.find("\n### ", s + len(marker))
        section = section[:s] + block + ("\n" + section[e + 1 :] if e != -1 else "")
    else:
        section = section.rstrip("\n") + "\n\n" + block
    text = text[:start] + section.rstrip("\n") + "\n" + (text[end:] if end != -1 else "")
    path.write_text(text)


if __name__ == "__main__":
    main()
