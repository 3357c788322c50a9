"""Store backends: one synthetic DCAT harvest into Oxigraph and into Virtuoso, the same commands, side by side.

Run: `python benchmarks/store_backends.py --size 10k` (or `smoke`, 2,000 datasets). Starts its own Virtuoso with
`scripts/virtuoso.sh` (installed when missing) and stops it at the end.

Per backend: `fedcat harvest` (first run and an unchanged re-run), `fedcat export --format nt`, `fedcat index
rebuild`, each a fresh process, wall time and peak RSS of the fedcat process (Virtuoso's own memory is not in
it). Then the ways of writing the harvested records' quads into Virtuoso, each into an empty set of graphs:
`SparqlStore.bulk_load` (batched `INSERT DATA`, what the harvest uses), one Graph Store Protocol PUT per record
graph, and Virtuoso's bulk loader (`ld_dir` + `rdf_loader_run` on a file in the server's own directory: the
fastest, but it needs the server's disk and its SQL port, so it is not a protocol a remote store offers).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harvest import start_static  # noqa: E402
from benchmarks.process_tree import TreeRssSampler  # noqa: E402
from benchmarks.synthetic import write_dcat_pages  # noqa: E402
from catalogue.store_sparql import SparqlStore  # noqa: E402

SIZES = {"smoke": 2_000, "10k": 10_000, "50k": 50_000}
SCRIPT = ROOT / "scripts" / "virtuoso.sh"


def start_virtuoso(folder: Path, max_rows: int, checkpoint_minutes: int | None = None) -> dict[str, str]:
    """A private Virtuoso in `folder`; its `KEY=VALUE` endpoints. `checkpoint_minutes` (0: none until asked)
    overrides the script's `VIRTUOSO_CHECKPOINT_MINUTES`."""
    env = {**os.environ, "VIRTUOSO_MAX_ROWS": str(max_rows)}
    if checkpoint_minutes is not None:
        env["VIRTUOSO_CHECKPOINT_MINUTES"] = str(checkpoint_minutes)
    done = subprocess.run(["bash", str(SCRIPT), "start", str(folder)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"could not start Virtuoso:\n{done.stderr}")
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


def run_logged(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB (with its helper processes, `TreeRssSampler`) and exit code of one command, its
    output kept in `log` for a failure."""
    started = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeRssSampler(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
    rss = max(sampler.stop(), usage.ru_maxrss / 1024)
    return time.perf_counter() - started, rss, os.waitstatus_to_exitcode(status)


def fedcat_steps(home: Path, url: str, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Seconds and peak RSS (MB) of each fedcat command on a fresh node harvesting `url`."""
    fedcat = [sys.executable, "-m", "catalogue"]
    env = {**env, "FEDCAT_HOME": str(home)}
    subprocess.run([*fedcat, "init"], env=env, check=True, capture_output=True)
    add = [*fedcat, "sources", "add", "dcat", "--kind", "dcat", "--url", url, "--allow-private-network"]
    subprocess.run(add, env=env, check=True, capture_output=True)
    out: dict[str, tuple[float, float]] = {}
    for name, args in (
        ("first harvest", ["harvest"]),
        ("unchanged re-harvest", ["harvest"]),
        ("export (N-Triples)", ["export", "--format", "nt", "--output", str(home / "export.nt")]),
        ("index rebuild", ["index", "rebuild"]),
    ):
        log = home / "step.log"
        seconds, rss, code = run_logged([*fedcat, *args], env, log)
        if code:
            tail = log.read_text(errors="replace")[-2000:]
            raise SystemExit(f"`fedcat {' '.join(args)}` failed (exit {code}) in {home}:\n{tail}")
        out[name] = (seconds, rss)
    return out


def record_quads(home: Path) -> list[ox.Quad]:
    """The harvested record graphs of an Oxigraph node, with their markers."""
    store = ox.Store.read_only(str(home / "store"))
    quads = [q for q in store if isinstance(q.graph_name, ox.NamedNode) and "/graph/record/" in q.graph_name.value]
    del store
    return quads


def write_methods(quads: list[ox.Quad], vt: dict[str, str], work: Path) -> list[tuple[str, float]]:
    """Triples per second of each way of writing `quads` into Virtuoso (each into its own fresh graphs)."""
    results: list[tuple[str, float]] = []
    auth = httpx.DigestAuth(vt["FEDCAT_STORE__USERNAME"], vt["FEDCAT_STORE__PASSWORD"])

    def renamed(tag: str) -> list[ox.Quad]:
        return [
            ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(q.graph_name.value + tag))  # type: ignore[union-attr]
            for q in quads
        ]

    store = SparqlStore(
        vt["FEDCAT_STORE__QUERY_URL"],
        vt["FEDCAT_STORE__UPDATE_URL"],
        username=vt["FEDCAT_STORE__USERNAME"],
        password=vt["FEDCAT_STORE__PASSWORD"],
    )
    text = "".join(f"{q} .\n" for q in renamed("/insert-data")).encode()
    started = time.perf_counter()
    store.bulk_load(text)
    results.append(("SparqlStore.bulk_load: batched INSERT DATA", len(quads) / (time.perf_counter() - started)))

    by_graph: dict[str, list[str]] = {}
    for q in renamed("/gsp"):
        by_graph.setdefault(q.graph_name.value, []).append(f"{q.triple} .\n")  # type: ignore[union-attr]
    client = httpx.Client(timeout=120, auth=auth)

    def put(item: tuple[str, list[str]]) -> None:
        graph, lines = item
        response = client.put(
            vt["FEDCAT_STORE__GRAPH_STORE_URL"],
            params={"graph-uri": graph},
            content="".join(lines).encode(),
            headers={"Content-Type": "application/n-triples"},
        )
        response.raise_for_status()

    for threads in (1, 2):
        items = list(by_graph.items())[threads - 1 :: 2]  # a different half of the graphs for each run
        count = sum(len(lines) for _, lines in items)
        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(put, items))
        results.append(
            (f"Graph Store PUT per record graph, {threads} thread(s)", count / (time.perf_counter() - started))
        )
    client.close()

    load_file = Path(vt["VIRTUOSO_LOAD_DIR"]) / "records.nq"
    load_file.write_text("".join(f"{q} .\n" for q in renamed("/bulk-loader")))
    isql = ["isql-vt", f"127.0.0.1:{vt['VIRTUOSO_ISQL_PORT']}", "dba", vt["VIRTUOSO_DBA_PASSWORD"]]
    started = time.perf_counter()
    sql = f"ld_dir('{load_file.parent}', 'records.nq', 'http://unused/'); rdf_loader_run(); checkpoint;"
    done = subprocess.run([*isql, f"EXEC={sql}"], capture_output=True, text=True)
    if done.returncode != 0 or "*** Error" in done.stdout:
        raise SystemExit(f"bulk loader failed: {done.stdout}{done.stderr}")
    results.append(("Virtuoso bulk loader (file on the server's disk)", len(quads) / (time.perf_counter() - started)))

    target = ox.Store(str(work / "floor-store"))
    started = time.perf_counter()
    target.bulk_load("".join(f"{q} .\n" for q in quads).encode(), format=ox.RdfFormat.N_QUADS)
    target.flush()
    results.append(("pyoxigraph Store.bulk_load (embedded, for scale)", len(quads) / (time.perf_counter() - started)))
    del target
    store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES, key=SIZES.__getitem__), default="smoke")
    parser.add_argument("--max-rows", type=int, default=10_000, help="Virtuoso's ResultSetMaxRows (as shipped)")
    args = parser.parse_args()
    n = SIZES[args.size]
    console = Console(width=140)
    with tempfile.TemporaryDirectory(prefix="fedcat-bench-stores-") as tmp:
        work = Path(tmp)
        pages = work / "pages"
        pages.mkdir()
        server, base = start_static(pages)
        write_dcat_pages(pages, n, 1000, base)
        url = f"{base}/page-1.ttl"
        vt_dir = work / "virtuoso"
        vt = start_virtuoso(vt_dir, args.max_rows)
        try:
            clean = {k: v for k, v in os.environ.items() if not k.startswith("FEDCAT_")}
            steps = {
                "Oxigraph": fedcat_steps(work / "home-oxigraph", url, clean),
                "Virtuoso": fedcat_steps(work / "home-virtuoso", url, {**clean, **vt}),
            }
            methods = write_methods(record_quads(work / "home-oxigraph"), vt, work)
        finally:
            server.terminate()
            subprocess.run(["bash", str(SCRIPT), "stop", str(vt_dir)], capture_output=True)
    table = Table(
        "step",
        "Oxigraph s",
        "Virtuoso s",
        "Virtuoso / Oxigraph",
        "Oxigraph RSS MB",
        "Virtuoso RSS MB",
        title=(
            f"store backends: {n:,} synthetic DCAT datasets, {os.cpu_count()} cores, ResultSetMaxRows {args.max_rows:,}"
        ),
    )
    for name, (ox_s, ox_rss) in steps["Oxigraph"].items():
        vt_s, vt_rss = steps["Virtuoso"][name]
        table.add_row(name, f"{ox_s:.1f}", f"{vt_s:.1f}", f"{vt_s / ox_s:.1f}x", f"{ox_rss:,.0f}", f"{vt_rss:,.0f}")
    console.print(table)
    first_ox, first_vt = steps["Oxigraph"]["first harvest"][0], steps["Virtuoso"]["first harvest"][0]
    console.print(f"first harvest: Oxigraph {n / first_ox:,.0f} datasets/s, Virtuoso {n / first_vt:,.0f} datasets/s")
    writes = Table("write method (harvested record graphs)", "triples/s", title="writing into Virtuoso")
    for name, rate in methods:
        writes.add_row(name, f"{rate:,.0f}")
    console.print(writes)


if __name__ == "__main__":
    main()
