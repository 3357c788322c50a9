"""Quality benchmark: profile and validate a wide Parquet file with fedcat (DuckDB + GX 1.x) beside the floor,
DuckDB alone computing the same statistics in SQL; and the throughput of metadata scoring and SHACL.

Run: `python benchmarks/quality.py --size full` (1,000,000 rows x 20 columns, 100,000 records) or
`--size smoke` (CI); `--only metadata` or `--only data` runs one part, `--records N` overrides the record count.
Each data measurement runs in a fresh process (wall time and peak RSS from wait4),
fedcat and the floor interleaved twice; the best of each is reported.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = {"smoke": (20_000, 2_000, 300), "full": (1_000_000, 100_000, 2_000)}  # rows, records, SHACL records


def write_data(path: Path, rows: int, seed: int = 3) -> None:
    """20 columns as a real table has them: keys, ids, categories, numbers with nulls, dates, free text."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    g = np.random.default_rng(seed)

    def ids(prefix: str, numbers: Any, width: int) -> Any:
        return pa.array([f"{prefix}{k:0{width}d}" for k in numbers.tolist()])

    columns = {
        "record_id": ids("R-", np.arange(rows), 8),
        "patient_id": ids("LU-P-", g.integers(0, max(2, rows // 2), rows), 7),
        "age": pa.array(g.integers(0, 100, rows), pa.int32()),
        "sex": pa.array(g.choice(["F", "M"], rows)),
        "canton": pa.array(g.choice([f"Canton {i}" for i in range(12)], rows)),
        "hospital": pa.array(g.choice(["H1", "H2", "H3", "H4"], rows)),
        "diagnosis": pa.array(g.choice([f"D{i:02d}" for i in range(18)], rows)),
        "cost": pa.array(np.round(g.lognormal(8, 1, rows), 2), mask=g.random(rows) < 0.02),
        "stay_days": pa.array(g.poisson(4, rows).astype(np.int32)),
        "score": pa.array(g.normal(0, 1, rows)),
        "flag": pa.array(g.random(rows) < 0.1),
        "admitted": pa.array(
            np.datetime64("2020-01-01") + g.integers(0, 1500, rows).astype("timedelta64[D]"), pa.date32()
        ),
        "recorded": pa.array(
            np.datetime64("2020-01-01T00:00:00") + g.integers(0, 10**8, rows).astype("timedelta64[s]"),
            pa.timestamp("s"),
        ),
        "ratio": pa.array(g.random(rows)),
        "dose": pa.array(g.random(rows) * 100, mask=g.random(rows) < 0.1),
        "counter": pa.array(g.integers(0, 10**6, rows)),
        "delta": pa.array(g.integers(-50, 50, rows).astype(np.int16)),
        "status": pa.array(g.choice(["ok", "warn", "err"], rows, p=[0.9, 0.08, 0.02])),
        "commune": pa.array(g.choice([f"Commune {i}" for i in range(100)], rows)),
        "note": pa.array(g.choice([f"free text {i}" for i in range(5000)], rows), mask=g.random(rows) < 0.3),
    }
    pq.write_table(pa.table(columns), path, compression="zstd", row_group_size=100_000)


def run_measured(args: list[str]) -> tuple[float, float, dict[str, Any]]:
    """Wall seconds, peak RSS (MB) and the JSON a worker prints."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"worker {args[:2]} failed")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, json.loads(output.decode().strip().splitlines()[-1])


# --- workers (each in its own process) ------------------------------------------------------------------


def worker_floor(path: Path) -> dict[str, Any]:
    """DuckDB alone: the statistics fedcat's profile computes, then the counts its suite checks, in SQL."""
    import duckdb

    tick = time.perf_counter()
    con = duckdb.connect()
    src = f"read_parquet('{path}')"
    cols = [(str(r[0]), str(r[1])) for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
    ordered = {
        n for n, t in cols if t.split("(")[0] in ("INTEGER", "BIGINT", "SMALLINT", "DOUBLE", "DATE", "TIMESTAMP")
    }
    text = {n for n, t in cols if t in ("VARCHAR", "INTEGER", "BIGINT", "SMALLINT")}

    def q(name: str) -> str:
        return '"' + name + '"'

    parts = ["count(*)"]
    for n, _ in cols:
        parts += [f"count({q(n)})", f"approx_count_distinct({q(n)})"] + (
            [f"min({q(n)})", f"max({q(n)})"] if n in ordered else []
        )
    row = con.execute(f"SELECT {', '.join(parts)} FROM {src}").fetchone()
    assert row is not None
    rows, k, stats = row[0], 1, {}
    for n, _ in cols:
        stats[n] = {"nonnull": row[k], "approx": row[k + 1]}
        k += 2
        if n in ordered:
            stats[n]["min"], stats[n]["max"] = row[k], row[k + 1]
            k += 2
    unique = [n for n in text if stats[n]["approx"] >= 0.9 * stats[n]["nonnull"]]
    small = [n for n in text if 0 < stats[n]["approx"] <= 22 and n not in unique]
    refine = [f"count(DISTINCT {q(n)})" for n in unique] + [f"list(DISTINCT {q(n)})" for n in small]
    values = con.execute(f"SELECT {', '.join(refine)} FROM {src}").fetchone()
    assert values is not None
    sets = dict(zip(small, values[len(unique) :], strict=True))
    profiled = time.perf_counter() - tick
    checks = ["count(*)"]
    for n, _ in cols:
        checks.append(f"count(*) - count({q(n)})")
        if n in unique:
            checks.append(f"count({q(n)}) - count(DISTINCT {q(n)})")
        if n in ordered:
            low, high = stats[n]["min"], stats[n]["max"]
            checks.append(f"count(*) FILTER (WHERE {q(n)} < '{low}' OR {q(n)} > '{high}')")
        if n in sets:
            listed = ", ".join("'" + str(v).replace("'", "''") + "'" for v in sets[n] if v is not None)
            checks.append(f"count(*) FILTER (WHERE {q(n)} IS NOT NULL AND {q(n)} NOT IN ({listed}))")
    con.execute(f"SELECT {', '.join(checks)} FROM {src}").fetchone()
    con.execute(f"SELECT {', '.join(parts)} FROM {src}").fetchone()  # the drift statistics of the run
    return {"rows": rows, "profile": profiled, "validate": time.perf_counter() - tick - profiled}


def worker_fedcat(path: Path) -> dict[str, Any]:
    """fedcat's `quality profile` and `quality validate` code paths on the file (GX imported on a thread)."""
    started = time.perf_counter()
    from quality.gx_loading import preload_gx

    preload_gx()
    from catalogue.config import Settings
    from quality import dqv
    from quality.hosted import HostedFile
    from quality.lookup import RecordRef
    from quality.profiling import profile
    from quality.suites import load_suite
    from quality.validation import validate

    home = Path(tempfile.mkdtemp(prefix="fedcat-bench-"))
    settings = Settings(home=home)
    folder = settings.data_path / "bench"
    folder.mkdir(parents=True)
    (folder / "data.parquet").symlink_to(path)
    imported = time.perf_counter()
    result = profile(settings, "bench", folder / "data.parquet", "parquet", "0" * 64)
    profiled = time.perf_counter()
    hosted = HostedFile("bench", "https://bench.test/ds", "data.parquet", "parquet", "0" * 64, 0, "row-level", 0)
    suite = load_suite(settings, "bench")
    assert suite is not None
    outcome = validate(settings, hosted, suite)
    ref = RecordRef("bench", "https://bench.test/graph/record/x", "https://bench.test/ds", "bench", "public", "h")
    triples = dqv.data_triples(settings, ref, outcome)
    done = time.perf_counter()
    return {
        "expectations": result.expectations,
        "passed": outcome.successful,
        "triples": len(triples),
        "startup": imported - started,
        "profile": profiled - imported,
        "validate": done - profiled,
    }


# --- metadata scoring (in process) ------------------------------------------------------------------------


def metadata(records: int, shacl_records: int, work: Path) -> dict[str, Any]:
    """MQA scoring of `records` synthetic harvested records, and SHACL throughput on a sample of them."""
    from benchmarks.discovery_data import BASE, Generator, nquads
    from catalogue.config import Settings
    from catalogue.store import OxigraphStore
    from quality import shacl
    from quality.lookup import all_records
    from quality.scoring import published_view, score

    settings = Settings(home=work / "meta", base_url=BASE)
    store = OxigraphStore(settings.store_path)
    gen = Generator(seed=4)
    fedcat = "https://w3id.org/fedcat/ns#"
    stub = f"<{BASE}/graph/quality/"  # the discovery generator's stand-in for a scored band: this scores for real
    for start in range(0, records, 10_000):
        chunk = []
        for rec in gen.records(start, min(records, start + 10_000)):
            text = "".join(
                line for line in nquads(rec).splitlines(keepends=True) if not line.endswith(f"{stub}{rec.i:016x}> .\n")
            )
            chunk.append(text + f'<{rec.graph}> <{fedcat}contentHash> "h{rec.i}" <{rec.graph}> .\n')
        store.bulk_load("".join(chunk).encode())
    store.flush()
    passes = []
    for label in ("first scoring, writes every record's DQV graph", "re-scoring, records unchanged"):
        load = os.getloadavg()[0]
        tick, cpu = time.perf_counter(), time.process_time()  # process time: every thread, the writer's too
        run = score(settings, store, with_shacl=False)
        passes.append((label, time.perf_counter() - tick, time.process_time() - cpu, run, (load, os.getloadavg()[0])))
    refs = all_records(store)[:shacl_records]
    out: dict[str, Any] = {"records": run.records, "passes": passes, "bands": run.bands, "shacl": {}}
    views = {ref.graph: published_view(store, ref, None) for ref in refs}
    for profile in shacl.BUILTIN.values():
        chosen = {g: v for g, v in views.items() if profile.applies(v)}
        if not chosen:
            continue
        tick = time.perf_counter()
        shacl.validate_records(chosen, profile)
        out["shacl"][profile.name] = (len(chosen), time.perf_counter() - tick)
    tick = time.perf_counter()
    shacl.validate_profiles({shacl.DCAT_AP.name: views}, workers=2)
    out["shacl_parallel"] = (len(views), time.perf_counter() - tick)
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="smoke")
    parser.add_argument("--only", choices=("data", "metadata"), help="run only the data or the metadata part")
    parser.add_argument("--records", type=int, help="records to score (default: the size's count)")
    parser.add_argument("--worker", choices=("floor", "fedcat"), help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        found = worker_floor(args.path) if args.worker == "floor" else worker_fedcat(args.path)
        print(json.dumps(found))
        gc.freeze()  # as `fedcat` does before it exits (catalogue/cli.py)
        return
    rows, records, shacl_records = SIZES[args.size]
    records = args.records or records
    console = Console()
    with tempfile.TemporaryDirectory(prefix="fedcat-quality-bench-") as tmp:
        work = Path(tmp)
        if args.only != "metadata":
            data_part(console, work, rows)
        if args.only != "data":
            metadata_part(console, work, records, shacl_records)


def data_part(console: Console, work: Path, rows: int) -> None:
    """Profile + validate `rows` rows with fedcat and with the DuckDB floor, in fresh processes."""
    data = work / "wide.parquet"
    write_data(data, rows)
    console.print(f"{rows:,} rows x 20 columns, {data.stat().st_size / 1e6:.1f} MB Parquet")
    runs: dict[str, list[tuple[float, float, dict[str, Any]]]] = {"floor": [], "fedcat": []}
    for _ in range(2):
        for name in ("floor", "fedcat"):
            runs[name].append(run_measured(["--worker", name, str(data)]))
    floor, fedcat = (min(runs[n], key=lambda r: r[0]) for n in ("floor", "fedcat"))
    table = Table(title=f"profile + validate {rows:,} rows (best of 2, fresh processes)")
    for column in ("", "wall s", "peak RSS MB", "profile s", "validate s", "x floor"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row(
        "DuckDB SQL (floor)",
        f"{floor[0]:.2f}",
        f"{floor[1]:.0f}",
        f"{floor[2]['profile']:.2f}",
        f"{floor[2]['validate']:.2f}",
        "1.0",
    )
    table.add_row(
        "fedcat (DuckDB + GX 1.x)",
        f"{fedcat[0]:.2f}",
        f"{fedcat[1]:.0f}",
        f"{fedcat[2]['profile']:.2f}",
        f"{fedcat[2]['validate']:.2f}",
        f"{fedcat[0] / floor[0]:.1f}",
    )
    console.print(table)
    console.print(
        f"fedcat: {fedcat[2]['expectations']} expectations ({fedcat[2]['passed']} met), "
        f"{fedcat[2]['triples']} DQV triples; start-up and imports {fedcat[2]['startup']:.2f} s "
        f"(GX itself is imported on a thread, overlapping DuckDB)"
    )


def metadata_part(console: Console, work: Path, records: int, shacl_records: int) -> None:
    """MQA scoring and SHACL throughput on `records` synthetic records."""
    meta = metadata(records, shacl_records, work)
    table = Table(title="metadata quality")
    for column in ("", "records", "seconds", "records/s", "records/CPU s"):
        table.add_column(column, justify="right" if column else "left")
    for label, wall, cpu, run, (before, after) in meta["passes"]:
        n = meta["records"]
        table.add_row(f"MQA: {label}", f"{n:,}", f"{wall:.2f}", f"{n / wall:,.0f}", f"{n / cpu:,.0f}")
        console.print(
            f"{label}: {run.seconds}; {run.written} written, {run.unchanged} unchanged; "
            f"CPU {cpu:.1f} s; load average {before:.1f} before, {after:.1f} after"
        )
    for name, (n, seconds) in meta["shacl"].items():
        table.add_row(f"SHACL {name} (1 process)", f"{n:,}", f"{seconds:.2f}", f"{n / seconds:,.0f}", "")
    n, seconds = meta["shacl_parallel"]
    table.add_row("SHACL dcat-ap (2 processes)", f"{n:,}", f"{seconds:.2f}", f"{n / seconds:,.0f}", "")
    console.print(table)
    console.print(f"bands: {meta['bands']}")


if __name__ == "__main__":
    main()
