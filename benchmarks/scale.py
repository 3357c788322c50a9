"""Scale benchmark: one synthetic catalogue harvested into Oxigraph and into Virtuoso, then searched and queried.

Run: `python benchmarks/scale.py --size 10k|100k|1m [--backends oxigraph,virtuoso]` (`2k` for a quick check).

The catalogue is the discovery benchmark's multilingual generator (`discovery_data`), served as DCAT Turtle
pages with Hydra `next` links from `python -m http.server` on 127.0.0.1, so the search figures are comparable
with the discovery issue's and the query mix can match. Per backend, in one run and all under a temporary
folder: `fedcat harvest` into an empty node in a subprocess (wall time, datasets/s, peak RSS from `wait4`;
search indexing included); the disk used by the store (RocksDB for Oxigraph, the checkpointed database for
Virtuoso), its snapshots and the search index; search with facets and without, in-process on the index the
harvest built (the discovery harness, result cache off) and over HTTP against `fedcat serve`; the p50 of four
SPARQL queries (Q1-Q4, after `benchmarks/sparql_endpoint.py`) through the node's `/sparql`, which on the
Virtuoso node serves the public mirror's snapshot (`catalogue.public_mirror`); there the same queries also go
to Virtuoso's own `/sparql`, to compare the engines; `/catalog` pages of 100 (the first asked as the server
starts, so it waits for the sorted dataset list the server reads then; later pages use the list held). On
Oxigraph, last, the floor: every quad the harvest stored, dumped and bulk-loaded by pyoxigraph into an empty
store in one call, in a subprocess, timed to the end of the load and again once RocksDB has merged it (the
harvest's own wait for the merges stops after 60 s). Any failed step exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import tantivy
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.discovery import QUERIES as SEARCH_QUERIES  # noqa: E402
from benchmarks.discovery import Timed, in_process, percentiles, time_each  # noqa: E402
from benchmarks.discovery_data import Generator, nquads, query_mix  # noqa: E402
from benchmarks.harvest import start_static  # noqa: E402
from benchmarks.sparql_endpoint import QUERIES as SPARQL_QUERIES  # noqa: E402
from benchmarks.sparql_endpoint import endpoint  # noqa: E402
from benchmarks.store_backends import SCRIPT, run_logged, start_virtuoso  # noqa: E402
from benchmarks.synthetic import PREFIXES  # noqa: E402
from catalogue.config import load_settings  # noqa: E402
from catalogue.index import current_generation, index_status  # noqa: E402

SIZES = {"2k": 2_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
# Above the graphs of a 1M node: at the shipped 10,000, a read of every graph comes in pages that each run the whole
# query again (at 100,000 graphs: 8.0 s in 11 pages, 1.9 s in one answer; the gap grows with the catalogue).
VIRTUOSO_MAX_ROWS = 10_000_000
BACKENDS = ("oxigraph", "virtuoso")
PER_PAGE = 1_000
SPARQL_REPEATS = {"2k": 10, "10k": 10, "100k": 5, "1m": 3}
TITLE_WORD = "population"  # in about 1 title of 20 in the generator's catalogue
console = Console(width=150)


def sparql_queries(gen: Generator) -> dict[str, str]:
    """Q1-Q4: the endpoint benchmark's catalogue queries, pointed at this catalogue's words and IRIs."""
    return {
        "Q1 datasets per publisher, GROUP BY": SPARQL_QUERIES["datasets per publisher"],
        "Q2 CSV distributions, LIMIT 1000": SPARQL_QUERIES["datasets with a CSV distribution"],
        "Q3 title word FILTER, LIMIT 100": SPARQL_QUERIES["titles matching a keyword"].replace(
            '"climate"', f'"{TITLE_WORD}"'
        ),
        "Q4 describe a dataset": f"DESCRIBE <{gen.record(42).dataset}>",
    }


def dataset_turtle(text: str, graph: str) -> str:
    """A record's N-Quads (from `discovery_data.nquads`) as the triples a publisher would put in a page.

    The record graph's marker triples are fedcat's own and the graph name is where fedcat keeps the record: a
    source has neither.
    """
    suffix = f" <{graph}> .\n"
    return "".join(
        line[: -len(suffix)] + " .\n"
        for line in text.splitlines(keepends=True)
        if line.endswith(suffix) and not line.startswith(f"<{graph}> ")
    )


def write_pages(folder: Path, total: int, base_url: str) -> int:
    """The generator's records `0..total-1` as Turtle pages `page-N.ttl` with Hydra `next` links; bytes written."""
    gen = Generator()
    pages = (total + PER_PAGE - 1) // PER_PAGE
    written = 0
    for p in range(pages):
        body = [PREFIXES]
        nxt = f" ; hydra:next <{base_url}/page-{p + 2}.ttl>" if p + 1 < pages else ""
        body.append(f"<{base_url}/page-{p + 1}.ttl> a hydra:PartialCollectionView{nxt} .\n")
        body.append(
            f'<{base_url}/catalog> a dcat:Catalog, hydra:Collection ; hydra:totalItems {total} ; dct:title "Scale" .\n'
        )
        for rec in gen.records(p * PER_PAGE, min(total, (p + 1) * PER_PAGE)):
            body.append(dataset_turtle(nquads(rec), rec.graph))
        data = "".join(body).encode()
        (folder / f"page-{p + 1}.ttl").write_bytes(data)
        written += len(data)
    return written


def disk_bytes(*paths: Path, seen: set[tuple[int, int]] | None = None) -> int:
    """Allocated bytes under `paths`, each inode once (snapshots are RocksDB checkpoints: hard links)."""
    seen = set() if seen is None else seen
    total = 0
    for path in paths:
        for folder, _, files in os.walk(path):
            for name in files:
                st = os.lstat(os.path.join(folder, name))
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_blocks * 512
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(home: Path, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`fedcat serve` for the node (with the backend's environment), once `/healthz` answers; its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "catalogue", "serve", "--home", str(home), "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        if proc.poll() is not None:
            break
        try:
            if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"fedcat serve did not start:\n{log.read_text(errors='replace')[-2000:]}")


def virtuoso_checkpoint(vt: dict[str, str]) -> None:
    """Write Virtuoso's dirty pages and transaction log into its database file, so its size is the data's."""
    isql = ["isql-vt", f"127.0.0.1:{vt['VIRTUOSO_ISQL_PORT']}", "dba", vt["VIRTUOSO_DBA_PASSWORD"], "EXEC=checkpoint;"]
    done = subprocess.run(isql, capture_output=True, text=True)
    if done.returncode != 0 or "*** Error" in done.stdout:
        raise SystemExit(f"Virtuoso checkpoint failed: {done.stdout}{done.stderr}")


def peak_rss_mb(pid: int) -> float:
    """A live process's peak resident set (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmHWM for process {pid}")


@dataclass
class Result:
    """One backend's figures."""

    harvest_s: float = 0.0
    harvest_rss_mb: float = 0.0
    server_rss_mb: float | None = None
    store_bytes: int = 0
    snapshot_bytes: int = 0
    index_bytes: int = 0
    search_full: Timed = field(default_factory=Timed)
    search_hits: Timed = field(default_factory=Timed)
    search_http: Timed = field(default_factory=Timed)
    index_docs: int = 0
    totals: list[int] = field(default_factory=list)  # matches per query of the mix, to compare the backends
    sparql: dict[str, tuple[float, int]] = field(default_factory=dict)  # name -> (p50 ms, answer bytes)
    engine_sparql: dict[str, tuple[float, int]] = field(default_factory=dict)  # the remote server's own endpoint
    catalog_first_ms: float = 0.0  # the first /catalog page, right after the server started: waits for its list
    catalog_page_ms: float = 0.0  # p50 of later pages, from the kept list
    floor: dict[str, float] = field(default_factory=dict)  # Oxigraph: the raw bulk load of the same quads
    load: list[float] = field(default_factory=list)


def harvest(home: Path, url: str, env: dict[str, str], n: int) -> tuple[float, float]:
    """`fedcat init`, `sources add`, then the timed first `fedcat harvest`; (seconds, peak RSS MB)."""
    fedcat = [sys.executable, "-m", "catalogue"]
    for step in (["init"], ["sources", "add", "scale", "--kind", "dcat", "--url", url, "--allow-private-network"]):
        done = subprocess.run([*fedcat, *step], env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"`fedcat {' '.join(step)}` failed:\n{done.stdout}{done.stderr}")
    log = home.parent / f"{home.name}-harvest.log"
    seconds, rss, code = run_logged([*fedcat, "harvest"], env, log)
    if code:
        kept = keep_logs(home.parent)
        tail = log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"`fedcat harvest` failed (exit {code}); the run's logs are kept in {kept}:\n{tail}")
    reports = sorted(load_settings(home).reports_path.glob("harvest-*.json"))
    text = reports[-1].read_text() if reports else ""
    counts = json.loads(text)["runs"][0]["counts"] if text else {}
    if counts.get("new") != n or counts.get("failed"):
        raise SystemExit(f"harvest wrote {counts} instead of {n} new records")
    return seconds, rss


def keep_logs(work: Path) -> Path:
    """Copy the run's logs (harvest, servers, Virtuoso's own) out of the temporary folder, which is removed."""
    kept = Path(tempfile.gettempdir()) / f"fedcat-scale-logs-{time.strftime('%Y%m%dT%H%M%S')}"
    kept.mkdir(parents=True, exist_ok=True)
    for log in [*work.glob("*.log"), *work.glob("virtuoso/*.log"), *work.glob("virtuoso/db/*.log")]:
        shutil.copy2(log, kept / f"{log.parent.name}-{log.name}")
    return kept


def run_backend(backend: str, n: int, size: str, url: str, work: Path, vt: dict[str, str] | None) -> Result:
    """Harvest, measure disk, search and SPARQL on one backend."""
    result = Result()
    home = work / f"home-{backend}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FEDCAT_")}
    env = {**clean, **(vt or {}), "FEDCAT_HOME": str(home), "FEDCAT_SPARQL__TIMEOUT_SECONDS": "300"}
    result.load.append(os.getloadavg()[0])
    console.print(f"[bold]{backend}[/]: harvesting {n:,} datasets ...")
    result.harvest_s, result.harvest_rss_mb = harvest(home, url, env, n)
    console.print(f"  harvested in {result.harvest_s:.1f} s ({n / result.harvest_s:,.0f} datasets/s)")
    result.load.append(os.getloadavg()[0])
    settings = load_settings(home)
    if vt is None:
        result.store_bytes = disk_bytes(settings.store_path)
        result.snapshot_bytes = disk_bytes(settings.store_path, home / "snapshots") - result.store_bytes
    else:
        virtuoso_checkpoint(vt)
        result.store_bytes = disk_bytes(work / "virtuoso" / "db")
        result.server_rss_mb = peak_rss_mb(int((work / "virtuoso" / "virtuoso.pid").read_text().strip()))
        result.snapshot_bytes = disk_bytes(home / "mirror", home / "snapshots")  # the public mirror, for /sparql
    result.index_bytes = disk_bytes(settings.index_path)
    generation = current_generation(settings)
    if generation is None or index_status(settings) != "ok":
        raise SystemExit(f"{backend}: the search index is {index_status(settings)} after the harvest")
    result.index_docs = tantivy.Index.open(str(generation)).searcher().num_docs
    if result.index_docs != n:
        raise SystemExit(f"{backend}: {result.index_docs:,} documents in the search index for {n:,} records")

    queries = query_mix(Generator(), n, SEARCH_QUERIES)
    result.search_full, result.search_hits, result.totals = in_process(settings, queries)
    if sum(1 for t in result.totals if t) < len(queries) // 2:
        raise SystemExit(f"{backend}: most searches found nothing: the index is not the catalogue")
    server, base = serve(home, env, work / f"serve-{backend}.log")
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            # First, before the timings it would share the cores with: the server reads the list as it starts.
            result.catalog_first_ms = time_catalog_page(client, 1)
            for q in queries[:20]:
                client.get("/api/datasets", params=q.params()).raise_for_status()
            result.search_http = time_each(
                queries, lambda q: client.get("/api/datasets", params=q.params()).raise_for_status()
            )
            for name, query in sparql_queries(Generator()).items():
                result.sparql[name] = time_sparql(client, f"{base}/sparql", query, SPARQL_REPEATS[size])
                console.print(f"  {name}: {result.sparql[name][0]:.1f} ms")
                if vt is not None:
                    engine = time_sparql(client, vt["FEDCAT_STORE__QUERY_URL"], query, SPARQL_REPEATS[size])
                    result.engine_sparql[name] = engine
                    console.print(f"  {name} on Virtuoso's own endpoint: {engine[0]:.1f} ms")
            result.catalog_page_ms = time_catalog_pages(client, n)
            first, later = result.catalog_first_ms, result.catalog_page_ms
            console.print(f"  /catalog pages of 100: {first:,.1f} ms the first, {later:,.1f} ms p50 after")
    finally:
        server.terminate()
        server.wait(30)
    if vt is None:
        result.floor = f = floor(settings.store_path, work)
        console.print(
            f"  floor: {f['quads']:,.0f} quads loaded in {f['loaded_s']:,.1f} s, merged {f['settled_s']:,.1f} s"
        )
    result.load.append(os.getloadavg()[0])
    return result


FLOOR = """
import json, resource, sys, time
import pyoxigraph as ox
from catalogue.store import wait_for_compaction
source, dump, target = sys.argv[1:4]
ox.Store.read_only(source).dump(dump, format=ox.RdfFormat.N_QUADS)
with open(dump, "rb") as lines:
    quads = sum(1 for _ in lines)
store = ox.Store(target)
cpu = lambda: (lambda r: r.ru_utime + r.ru_stime)(resource.getrusage(resource.RUSAGE_SELF))
started, cpu0 = time.perf_counter(), cpu()
store.bulk_load(path=dump, format=ox.RdfFormat.N_QUADS)
loaded, loaded_cpu = time.perf_counter() - started, cpu() - cpu0
wait_for_compaction(timeout=3600.0, quiet=2.0)
settled = time.perf_counter() - started - 2.0  # less the quiet time that told the merges were over
print(json.dumps({"quads": quads, "loaded_s": loaded, "loaded_cpu_s": loaded_cpu, "settled_s": settled,
                  "settled_cpu_s": cpu() - cpu0}))
"""


def floor(store_path: Path, work: Path) -> dict[str, float]:
    """The floor: every quad of the harvested store bulk-loaded into an empty store (seconds, CPU seconds)."""
    dump, target = work / "floor.nq", work / "floor-store"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", FLOOR, str(store_path), str(dump), str(target)], env=env, capture_output=True, text=True
    )
    dump.unlink(missing_ok=True)
    shutil.rmtree(target, ignore_errors=True)
    if done.returncode:
        raise SystemExit(f"the floor's bulk load failed:\n{done.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def time_catalog_page(client: httpx.Client, page: int) -> float:
    """Milliseconds of one `/catalog` page of 100; fails on a page without its datasets."""
    started = time.perf_counter()
    body = client.get("/catalog.nt", params={"page": page, "page_size": 100}).raise_for_status().text
    if body.count("<http://www.w3.org/ns/dcat#dataset>") != 100:
        raise SystemExit(f"/catalog page {page} does not list 100 datasets")
    return (time.perf_counter() - started) * 1000


def time_catalog_pages(client: httpx.Client, n: int) -> float:
    """The p50 of eight `/catalog` pages of 100 across the catalogue, from the list the server holds."""
    pages = max(1, n // 100)
    return statistics.median(time_catalog_page(client, 1 + pages * i // 8) for i in range(8))


def time_sparql(client: httpx.Client, url: str, query: str, repeats: int) -> tuple[float, int]:
    """p50 milliseconds of `repeats` runs after one warm-up, and the answer's size; fails on an empty answer."""
    size = len(endpoint(client, url, query))
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        endpoint(client, url, query)
        samples.append(time.perf_counter() - started)
    if size < 200:
        raise SystemExit(f"SPARQL answer of {size} bytes for {query!r}: the catalogue is not in the store")
    return statistics.median(samples) * 1000, size


def report(size: str, n: int, pages_bytes: int, results: dict[str, Result]) -> Table:
    """The Rich table: one column per backend."""
    loads = [x for r in results.values() for x in r.load]
    title = (
        f"scale: {n:,} datasets ({pages_bytes / 1e6:,.0f} MB of Turtle pages), {os.cpu_count()} cores, "
        f"load average {min(loads):.1f}-{max(loads):.1f}"
    )
    table = Table("measure", *results, "target (1M, Oxigraph)", title=title)

    def row(name: str, cells: list[str], target: str = "") -> None:
        table.add_row(name, *cells, target)

    rs = list(results.values())
    mb = lambda b: f"{b / 1e6:,.0f}"  # noqa: E731
    row("harvest s", [f"{r.harvest_s:,.1f}" for r in rs], "< 900 s")
    row("harvest datasets/s", [f"{n / r.harvest_s:,.0f}" for r in rs], ">= 1,111")
    row("harvest peak RSS MB (fedcat and its index writer)", [f"{r.harvest_rss_mb:,.0f}" for r in rs], "< 4,096")
    if any(r.floor for r in rs):
        row(
            "floor: raw bulk load of the stored quads s (CPU s)",
            [f"{r.floor['loaded_s']:,.1f} ({r.floor['loaded_cpu_s']:,.0f})" if r.floor else "" for r in rs],
        )
        row("floor + its merges s (CPU s); the harvest's time over it", [_merged_floor(r) for r in rs])
    row("server peak RSS MB (Virtuoso)", ["" if r.server_rss_mb is None else f"{r.server_rss_mb:,.0f}" for r in rs])
    row("store on disk MB", [mb(r.store_bytes) for r in rs])
    snapshots = [mb(r.snapshot_bytes) if r.snapshot_bytes else "" for r in rs]
    row("snapshots on disk MB (beyond the store; Virtuoso: the public mirror)", snapshots)
    row("search index on disk MB", [mb(r.index_bytes) for r in rs])
    for label, attr, target in (
        ("search + facets in-process p50 / p99 ms", "search_full", "<= 5 / <= 30"),
        ("search, hits only, in-process p50 / p99 ms", "search_hits", ""),
        ("search + facets over HTTP p50 / p99 ms", "search_http", ""),
    ):
        cells = []
        for r in rs:
            p50, p99 = percentiles(getattr(r, attr).wall)
            cells.append(f"{p50:.1f} / {p99:.1f}")
        row(label, cells, target)
    row(
        "search + facets in-process CPU p50 / p99 ms",
        ["{:.1f} / {:.1f}".format(*percentiles(r.search_full.cpu)) for r in rs],
    )
    row("documents in the search index", [f"{r.index_docs:,}" for r in rs])
    row("median matches per query", [f"{statistics.median(r.totals):,.0f}" for r in rs])
    if len(rs) > 1:
        differ = [sum(a != b for a, b in zip(rs[0].totals, r.totals, strict=True)) for r in rs]
        row(f"queries whose total differs from {next(iter(results))}", [f"{d} of {len(rs[0].totals)}" for d in differ])
    for name in rs[0].sparql:
        row(f"{name} p50 ms (fedcat /sparql)", [f"{r.sparql[name][0]:,.1f}" for r in rs])
    row(
        "/catalog page of 100 ms: the first, at server start / p50 of 8 more",
        [f"{r.catalog_first_ms:,.1f} / {r.catalog_page_ms:,.1f}" for r in rs],
    )
    if any(r.engine_sparql for r in rs):
        for name in rs[0].sparql:
            cells = [f"{r.engine_sparql[name][0]:,.1f}" if name in r.engine_sparql else "" for r in rs]
            row(f"{name} p50 ms (Virtuoso's own /sparql)", cells)
    return table


def _merged_floor(r: Result) -> str:
    f = r.floor
    return f"{f['settled_s']:,.1f} ({f['settled_cpu_s']:,.0f}); {r.harvest_s / f['settled_s']:.2f}x" if f else ""


def show_differences(n: int, results: dict[str, Result]) -> None:
    """The first queries of the mix whose number of matches is not the same on every backend."""
    queries = query_mix(Generator(), n, SEARCH_QUERIES)
    shown = 0
    for i, q in enumerate(queries):
        totals = {name: r.totals[i] for name, r in results.items()}
        if len(set(totals.values())) > 1 and shown < 8:
            console.print(f"  differs: {q.kind} {q.text!r} lang={q.lang} {q.filters or ''} -> {totals}")
            shown += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=list(SIZES), default="10k")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="Comma-separated: oxigraph,virtuoso")
    parser.add_argument(
        "--virtuoso-max-rows",
        type=int,
        default=VIRTUOSO_MAX_ROWS,
        help="Virtuoso's ResultSetMaxRows (shipped: 10,000; raised as docs/operations.md advises for a catalogue)",
    )
    parser.add_argument(
        "--virtuoso-checkpoint-minutes",
        type=int,
        default=0,
        help="Virtuoso's CheckpointInterval during the harvest (default 0: none, one checkpoint after it, as "
        "docs/operations.md advises for a big first load; shipped: 60)",
    )
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown or not backends:
        parser.error(f"unknown backend(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(BACKENDS)}")
    n = SIZES[args.size]
    started = time.perf_counter()
    results: dict[str, Result] = {}
    failure: SystemExit | None = None
    pages_bytes = 0
    with tempfile.TemporaryDirectory(prefix="fedcat-bench-scale-") as tmp:
        work = Path(tmp)
        pages = work / "pages"
        pages.mkdir()
        server, base = start_static(pages)
        vt_dir = work / "virtuoso"
        vt: dict[str, str] | None = None
        try:
            pages_bytes = write_pages(pages, n, base)
            console.print(f"wrote {n:,} datasets as {pages_bytes / 1e6:,.0f} MB of Turtle pages")
            for backend in backends:
                try:
                    if backend == "virtuoso":
                        vt = start_virtuoso(vt_dir, args.virtuoso_max_rows, args.virtuoso_checkpoint_minutes)
                    results[backend] = run_backend(
                        backend, n, args.size, f"{base}/page-1.ttl", work, vt if backend == "virtuoso" else None
                    )
                except SystemExit as exc:  # the backends measured before it still get their table
                    failure = exc
                    break
        finally:
            server.terminate()
            if vt is not None:
                subprocess.run(["bash", str(SCRIPT), "stop", str(vt_dir)], capture_output=True)
    if results:
        console.print(report(args.size, n, pages_bytes, results))
        show_differences(n, results)
    console.print(f"whole run {time.perf_counter() - started:,.0f} s")
    if failure is not None:
        raise failure


if __name__ == "__main__":
    main()
