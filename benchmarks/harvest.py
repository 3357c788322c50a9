"""Harvest benchmark: CKAN and DCAT sources on loopback into an empty on-disk store, beside the raw floor.

Run: `python benchmarks/harvest.py --size full` (100,000 datasets per kind) or `--size smoke` (CI).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, TypeVar

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.process_tree import TreeRssSampler  # noqa: E402
from benchmarks.synthetic import write_dcat_pages  # noqa: E402
from catalogue.store import wait_for_compaction  # noqa: E402

T = TypeVar("T")
SIZES = {"smoke": 2_000, "medium": 20_000, "full": 100_000}
MERGE_TIMEOUT = 600.0  # the floor's merges are timed to the end (a harvest waits at most 60 s for its own)


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds (all threads, its helper processes included), peak RSS in MB (the process with
    its helpers, `TreeRssSampler`) and exit code of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sampler = TreeRssSampler(proc.pid)
    _, status, usage = os.wait4(proc.pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    rss = max(sampler.stop(), usage.ru_maxrss / 1024)
    return time.perf_counter() - started, cpu, rss, os.waitstatus_to_exitcode(status)


def start_static(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_port(port)
    return proc, f"http://127.0.0.1:{port}"


def _wait_port(port: int) -> None:
    import socket

    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on {port} did not start")


def start_ckan(total: int, work: Path) -> tuple[subprocess.Popen[bytes], str]:
    port_file = work / "ckan.url"
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.serve_ckan", str(total), str(port_file)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        if port_file.exists() and port_file.read_text():
            return proc, port_file.read_text()
        time.sleep(0.1)
    raise RuntimeError("CKAN server did not start")


class Floor(NamedTuple):
    """The raw bulk load's wall and CPU seconds, the same until its merges are done, and the records loaded."""

    wall: float
    cpu: float
    merged_wall: float
    merged_cpu: float
    records: int


def floor_bulk_load(home: Path, work: Path, markers: bool = False) -> Floor:
    """A raw pyoxigraph bulk load of the harvested records' quads (one graph per dataset): its time, and its time
    until RocksDB has merged what it loaded, which a harvest waits for before closing the store (`settle`).

    The floor loads the records' content; with `markers`, every quad of their graphs, the provenance markers a
    harvest writes with each record included (16 a DCAT record, besides its 26 of content): what the store alone
    costs a harvest at the least, before any fetching, mapping or indexing."""
    store = ox.Store.read_only(str(home / "store"))
    name = "stored" if markers else "floor"
    nq = work / f"{name}.nq"
    records = 0
    with nq.open("wb") as f:
        graphs = [g for g in store.named_graphs() if "/graph/record/" in g.value]
        records = len(graphs)
        for g in graphs:
            quads = [q for q in store.quads_for_pattern(None, None, None, g) if markers or q.subject != g]
            ox.serialize(quads, f, format=ox.RdfFormat.N_QUADS)
    del store
    target = ox.Store(str(work / f"{name}-store"))
    started, cpu = time.perf_counter(), time.process_time()
    target.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    target.flush()
    wall, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    wait_for_compaction(timeout=MERGE_TIMEOUT)
    return Floor(wall, cpu_s, time.perf_counter() - started, time.process_time() - cpu, records)


def in_fresh_process(func: Callable[..., T], *args: object) -> T:
    """`func(*args)` run in a new interpreter: a child inherits its parent's peak RSS at exec (Linux folds the
    parent's high-water mark into the child's `ru_maxrss`), so the floor's memory must never be in this process."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(func, args)


def bench_kind(kind: str, url: str, n: int, work: Path) -> list[list[str]]:
    home = work / f"home-{kind}"
    env = {**os.environ, "FEDCAT_HOME": str(home)}
    fedcat = [sys.executable, "-m", "catalogue"]
    subprocess.run([*fedcat, "init"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*fedcat, "sources", "add", kind, "--kind", kind, "--url", url, "--allow-private-network"],
        env=env,
        check=True,
        capture_output=True,
    )
    first, cpu1, rss1, code1 = run_measured([*fedcat, "harvest"], env)
    again, cpu2, rss2, code2 = run_measured([*fedcat, "harvest"], env)
    raw = in_fresh_process(floor_bulk_load, home, work / kind)
    floor, records = raw.wall, raw.records
    if code1 or code2 or records != n:
        raise SystemExit(f"{kind}: harvest failed (exit {code1}/{code2}, {records} of {n} records)")
    stored = in_fresh_process(floor_bulk_load, home, work / kind, True)
    return [
        _row(kind, "first harvest", n, first, cpu1, f"{rss1:,.0f}", f"{first / floor:.2f}x"),
        _row(kind, "unchanged re-harvest", n, again, cpu2, f"{rss2:,.0f}", f"{first / again:.1f}x faster"),
        _row(kind, "floor: raw bulk load", records, floor, raw.cpu, "", "1.00x"),
        _row(
            kind,
            "floor + its merges",
            records,
            raw.merged_wall,
            raw.merged_cpu,
            "",
            f"harvest {first / raw.merged_wall:.2f}x",
        ),
        _row(
            kind,
            "all it stores: one bulk load",
            records,
            stored.wall,
            stored.cpu,
            "",
            f"{stored.wall / floor:.2f}x floor",
        ),
        _row(
            kind,
            "all it stores + merges",
            records,
            stored.merged_wall,
            stored.merged_cpu,
            "",
            f"{stored.merged_wall / floor:.2f}x floor",
        ),
    ]


def _row(kind: str, run: str, records: int, seconds: float, cpu: float, rss: str, versus: str) -> list[str]:
    """One table row: the run's records, wall and CPU seconds, datasets per second, peak RSS and comparison."""
    return [kind, run, f"{records}", f"{seconds:.1f}", f"{cpu:.1f}", f"{records / seconds:,.0f}", rss, versus]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="smoke")
    parser.add_argument("--kinds", default="dcat,ckan")
    args = parser.parse_args()
    n = SIZES[args.size]
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="fedcat-bench-") as tmp:
        work = Path(tmp)
        for kind in args.kinds.split(","):
            (work / kind).mkdir()
            if kind == "dcat":
                pages = work / "pages"
                pages.mkdir()
                server, base = start_static(pages)
                write_dcat_pages(pages, n, 1000, base)
                url = f"{base}/page-1.ttl"
            else:
                server, url = start_ckan(n, work)
            try:
                rows += bench_kind(kind, url, n, work)
            finally:
                server.terminate()
    table = Table(
        "source",
        "run",
        "datasets",
        "seconds",
        "CPU s",
        "datasets/s",
        "peak RSS MB",
        "vs floor",
        title=f"harvest benchmark ({args.size}, {n:,} datasets per kind, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end; this process's own peak RSS, which every child's "
        f"includes, {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)",
    )
    for row in rows:
        table.add_row(*row)
    Console(width=130).print(table)


if __name__ == "__main__":
    main()
