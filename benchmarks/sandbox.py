"""Sandbox benchmark: sandboxed queries against the same queries on a raw DuckDB connection, same Parquet files.

Run: `python benchmarks/sandbox.py --size full` (1,000,000 hospital admissions and 1,000,000 prescriptions) or
`--size smoke` (CI). `--readme` rewrites the "## Sandbox" section of `benchmarks/README.md`.

*Raw* is `duckdb.connect()` in the benchmark process with views selecting the same columns from the same Parquet
files, results fetched as Python rows. *Sandbox* is `Sandbox.query(..., fmt="json")`: the SQL gate, the hop to
the project's worker process (hardened, locked, seccomp-confined connection), Arrow IPC back, JSON rows. Both use
the same number of DuckDB threads. Runs are interleaved so both see the same machine load; medians are reported.

Also measured: approval (`materialise`) to first answered query, 4 projects querying at once, and, for
information, the cost of the features that have no raw twin (pseudonymised identifiers, output checks).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from access.sandbox import ApprovedDataset, Entitlement, Sandbox, SandboxLimits  # noqa: E402
from catalogue.nodehome import init_home  # noqa: E402
from demo.tables_health import admissions, prescriptions  # noqa: E402

SIZES = {"smoke": 20_000, "full": 1_000_000}
REPEATS = {"smoke": 7, "full": 31}
TARGET_RATIO = 1.15
TARGET_APPROVAL_SECONDS = 1.0
ADMISSION_COLUMNS = (
    "patient_id",
    "sex",
    "canton",
    "commune",
    "hospital",
    "diagnosis_icd10",
    "admission_date",
    "length_of_stay",
    "cost_eur",
)
PRESCRIPTION_COLUMNS = ("patient_id", "sex", "canton", "atc_code", "dispensed_date", "packs", "reimbursed_eur")
QUERIES = {
    "scan": "SELECT count(*) AS n, sum(cost_eur) AS cost, avg(length_of_stay) AS stay, "
    "min(admission_date) AS first, max(admission_date) AS last FROM admissions",
    "filter": "SELECT * FROM admissions WHERE diagnosis_icd10 = 'G12.2' AND sex = 'F' ORDER BY admission_date",
    "group-by": "SELECT canton, diagnosis_icd10, count(*) AS n, avg(cost_eur) AS cost FROM admissions "
    "GROUP BY ALL ORDER BY n DESC, canton, diagnosis_icd10",
    "join": "SELECT a.canton, p.atc_code, count(*) AS n, sum(p.reimbursed_eur) AS spent FROM admissions a "
    "JOIN prescriptions p ON a.patient_id = p.patient_id AND p.dispensed_date >= a.admission_date "
    "GROUP BY ALL ORDER BY n DESC, a.canton, p.atc_code",
}
# No raw twin: what the sandbox's own features cost, reported for information.
EXTRA = {
    "pseudonymised scan": ("pseudo", "SELECT count(DISTINCT patient_id) AS patients FROM admissions"),
    "aggregate-only group-by": (
        "checked",
        "SELECT canton, diagnosis_icd10, count(*) AS n, avg(cost_eur) AS cost FROM admissions GROUP BY ALL",
    ),
}


def write_data(data: Path, rows: int) -> tuple[Path, Path]:
    """Two realistic record-level health tables (the demo generator's), `rows` rows each, as Parquet."""
    data.mkdir(parents=True, exist_ok=True)
    start, end = date(2019, 1, 1), date(2024, 12, 31)
    files = []
    for name, kind in (("admissions", admissions), ("prescriptions", prescriptions)):
        table = kind(np.random.default_rng([2026, len(name)]), rows, start, end)
        path = data / f"{name}.parquet"
        pq.write_table(table, path, compression="zstd", row_group_size=122_880)
        files.append(path)
    return files[0], files[1]


def raw_connection(adm: Path, rx: Path, threads: int) -> duckdb.DuckDBPyConnection:
    """The comparison: plain DuckDB, views with the same columns over the same files."""
    con = duckdb.connect(config={"threads": threads})
    con.execute(f"CREATE VIEW admissions AS SELECT {', '.join(ADMISSION_COLUMNS)} FROM read_parquet('{adm}')")
    con.execute(f"CREATE VIEW prescriptions AS SELECT {', '.join(PRESCRIPTION_COLUMNS)} FROM read_parquet('{rx}')")
    return con


def entitlement(project: str, adm: Path, rx: Path, **admission: object) -> Entitlement:
    fields: dict[str, object] = {"columns": ADMISSION_COLUMNS, **admission}
    return Entitlement(
        project_id=project,
        datasets=(
            ApprovedDataset("admissions", "admissions", (adm,), **fields),  # type: ignore[arg-type]
            ApprovedDataset("prescriptions", "prescriptions", (rx,), columns=PRESCRIPTION_COLUMNS),
        ),
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


@dataclass
class Compared:
    """One query kind's timings, seconds."""

    kind: str
    rows: int
    raw: list[float]
    sandbox: list[float]
    raw_cpu: float  # CPU seconds per query: the benchmark process
    sandbox_cpu: float  # CPU seconds per query: the service side and the worker process together

    @property
    def ratio(self) -> float:
        """Median against median: the target."""
        return statistics.median(self.sandbox) / statistics.median(self.raw)

    @property
    def cpu_ratio(self) -> float:
        """CPU time against CPU time: what the sandbox costs, whatever else the machine does."""
        return self.sandbox_cpu / self.raw_cpu

    def cells(self) -> list[str]:
        raw, box = statistics.median(self.raw), statistics.median(self.sandbox)
        return [
            self.kind,
            f"{self.rows:,}",
            f"{raw * 1e3:.1f}",
            f"{box * 1e3:.1f}",
            f"{self.ratio:.2f}x",
            f"{(box - raw) * 1e3:+.1f}",
            f"{self.raw_cpu * 1e3:.1f}",
            f"{self.sandbox_cpu * 1e3:.1f}",
            f"{self.cpu_ratio:.2f}x",
        ]


COLUMNS: tuple[str, ...] = ("query", "rows out", "raw ms", "sandbox ms", "ratio", "overhead ms")
COLUMNS += ("raw CPU ms", "sandbox CPU ms", "CPU ratio")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def compare(sb: Sandbox, raw: duckdb.DuckDBPyConnection, repeats: int) -> list[Compared]:
    """Seconds per query kind, sandbox and raw interleaved; results checked equal."""
    return [measure(sb, raw, kind, sql, repeats) for kind, sql in QUERIES.items()]


def measure(sb: Sandbox, raw: duckdb.DuckDBPyConnection, kind: str, sql: str, repeats: int) -> Compared:
    sandboxed = sb.query("bench", sql, actor="bench")
    direct = raw.execute(sql).fetchall()
    assert sandboxed.row_count == len(direct), f"{kind}: {sandboxed.row_count} rows vs {len(direct)}"
    for _ in range(2):  # warm both: file cache, worker, parquet metadata
        sb.query("bench", sql, actor="bench")
        raw.execute(sql).fetchall()
    worker = sb.worker_pid("bench")
    assert worker is not None
    box: list[float] = []
    plain: list[float] = []
    cpu = {"box": 0.0, "plain": 0.0}

    def sandboxed_run() -> None:
        here, there = time.process_time(), process_cpu(worker)
        box.append(timed(lambda: sb.query("bench", sql, actor="bench")))
        cpu["box"] += time.process_time() - here + process_cpu(worker) - there

    def raw_run() -> None:
        here = time.process_time()
        plain.append(timed(lambda: raw.execute(sql).fetchall()))
        cpu["plain"] += time.process_time() - here

    for i in range(repeats):  # alternate which goes first, so neither always runs on a warmer machine
        for run in (sandboxed_run, raw_run) if i % 2 == 0 else (raw_run, sandboxed_run):
            run()
    return Compared(kind, len(direct), plain, box, cpu["plain"] / repeats, cpu["box"] / repeats)


def extras(sb: Sandbox, repeats: int) -> list[tuple[str, float, int]]:
    out = []
    for label, (project, sql) in EXTRA.items():
        sb.query(project, sql, actor="bench")
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            sb.query(project, sql, actor="bench")
            runs.append(time.perf_counter() - started)
        seconds = statistics.median(runs)
        out.append((label, seconds, sb.query(project, sql, actor="bench").row_count))
    return out


def approval_to_first_query(sb: Sandbox, adm: Path, rx: Path, times: int) -> list[float]:
    """Seconds from `materialise` to the first answered query, each time a new project (its own worker).

    Approvals arrive at a running service, which keeps one worker process started ahead of them; the pause
    before each lets that spare start, as it has between two real approvals.
    """
    seconds = []
    for k in range(times):
        time.sleep(1.0)
        started = time.perf_counter()
        sb.materialise(entitlement(f"approval-{k}", adm, rx, pseudonymise=("patient_id",)))
        sb.query(f"approval-{k}", "SELECT count(*) FROM admissions WHERE sex = 'F'", actor="bench")
        seconds.append(time.perf_counter() - started)
        sb.revoke(f"approval-{k}")
    return seconds


def cold_approval(home: Path, adm: Path, rx: Path) -> float:
    """The same without a spare: the worker's interpreter starts after the approval."""
    with Sandbox(home, SandboxLimits(warm_spare=False)) as sb:
        started = time.perf_counter()
        sb.materialise(entitlement("cold", adm, rx, pseudonymise=("patient_id",)))
        sb.query("cold", "SELECT count(*) FROM admissions WHERE sex = 'F'", actor="bench")
        return time.perf_counter() - started


def concurrent(sb: Sandbox, adm: Path, rx: Path, per_project: int) -> tuple[int, int, float, list[str]]:
    """4 projects, one thread each, every query kind in turn: (queries, errors, wall seconds, error types)."""
    for k in range(4):
        sb.materialise(entitlement(f"four-{k}", adm, rx))
    errors: list[str] = []
    done = [0]
    lock = threading.Lock()

    def work(k: int) -> None:
        for i in range(per_project):
            sql = list(QUERIES.values())[(i + k) % len(QUERIES)]
            try:
                sb.query(f"four-{k}", sql, actor=f"analyst-{k}")
                with lock:
                    done[0] += 1
            except Exception as exc:
                with lock:
                    errors.append(type(exc).__name__)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0], len(errors), time.perf_counter() - started, errors


def update_readme(section: str) -> None:
    """Replace (or add) the "## Sandbox" section of benchmarks/README.md, keeping every other section."""
    readme = ROOT / "benchmarks" / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "## Sandbox"), None)
    if start is None:
        text = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        text = "\n".join(
            [*lines[:start], *section.rstrip("\n").splitlines(), *([""] if end < len(lines) else []), *lines[end:]]
        )
        text = text.rstrip("\n") + "\n"
    readme.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="smoke")
    parser.add_argument("--readme", action="store_true", help="write the figures into benchmarks/README.md")
    args = parser.parse_args()
    n, repeats = SIZES[args.size], REPEATS[args.size]
    console = Console(width=150)
    load = os.getloadavg()
    limits = SandboxLimits(max_rows=10_000, timeout_seconds=60)
    with tempfile.TemporaryDirectory(prefix="fedcat-sandbox-bench-") as tmp:
        home = Path(tmp) / "node"
        init_home(home)
        made = timed(lambda: write_data(home / "data", n))
        adm, rx = home / "data" / "admissions.parquet", home / "data" / "prescriptions.parquet"
        console.print(f"{n:,} admissions and {n:,} prescriptions written in {made:.1f} s")
        raw = raw_connection(adm, rx, limits.threads)
        with Sandbox(home, limits) as sb:
            sb.materialise(entitlement("bench", adm, rx))
            sb.materialise(entitlement("pseudo", adm, rx, pseudonymise=("patient_id",)))
            sb.materialise(entitlement("checked", adm, rx, access_mode="aggregate-only"))
            time.sleep(2)  # let the spare worker started by the last approval finish importing before timing
            compared = compare(sb, raw, repeats)
            extra = extras(sb, repeats)
            approvals = approval_to_first_query(sb, adm, rx, 5)
            cold = cold_approval(home, adm, rx)
            queries, errors, wall, kinds = concurrent(sb, adm, rx, per_project=2 * len(QUERIES))

    table = Table(title=f"sandbox vs raw DuckDB, {n:,} rows, median of {repeats}")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column == "query" else "right")
    for row in compared:
        table.add_row(*row.cells())
    console.print(table)
    worst = max(row.ratio for row in compared)
    for label, seconds, out in extra:
        console.print(f"{label}: {seconds * 1e3:.1f} ms ({out:,} rows out)")
    approval = f"median {statistics.median(approvals):.3f} s, max {max(approvals):.3f} s"
    console.print(f"approval to first query: {approval}; without a warm spare worker {cold:.3f} s")
    console.print(f"4 projects at once: {queries} queries, {errors} errors {sorted(set(kinds))} in {wall:.2f} s")
    console.print(f"load average before and after: {load[0]:.1f}, {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")

    if args.readme:
        lines = [
            "## Sandbox",
            "",
            f"`python benchmarks/sandbox.py --size {args.size}` ({n:,} hospital admissions and {n:,} prescriptions,",
            "the demo generator's record-level health tables, as zstd Parquet) or `--size smoke` (CI, 20,000 rows);",
            "`--readme` writes this section.",
            "",
            "*Raw* is a plain `duckdb.connect()` in the benchmark process with views selecting the same columns from",
            "the same files, rows fetched with `fetchall()`. *Sandbox* is `Sandbox.query(..., fmt='json')`: the SQL",
            "gate (DuckDB parser + tree walk), the pipe to the project's worker process (read-only, locked,",
            "seccomp-confined connection), Arrow IPC back and JSON-ready rows. Same DuckDB thread count (2);",
            f"interleaved runs, median of {repeats}. Queries: *scan* aggregates every row; *filter* returns the",
            "admissions of a rare diagnosis; *group-by* counts and averages per canton and diagnosis; *join* matches",
            "every admission with the same patient's later prescriptions (1M x 1M).",
            "",
            "| " + " | ".join(COLUMNS) + " |",
            "|---|" + "---:|" * (len(COLUMNS) - 1),
            *("| " + " | ".join(row.cells()) + " |" for row in compared),
            "",
            f"Target: at most {TARGET_RATIO}x on each, median against median; worst here {worst:.2f}x. The load",
            f"average went from {load[0]:.1f} to {os.getloadavg()[0]:.1f} on {os.cpu_count()} shared cores while "
            "this ran (other work on",
            "the machine), so wall clocks are noisy: on a busy machine every hop between processes waits for a time",
            "slice, and the sandbox has two per query (service to worker, worker to service) where raw DuckDB has",
            "none; between runs the medians of the 30 to 100 ms queries move by 10 ms or more. CPU time does not",
            "depend on the load: *sandbox CPU* is the service side (gate, JSON) plus the worker process, *raw CPU*",
            "the benchmark process, per query. The sandbox's own cost is about 2 ms of CPU a query (parse and walk,",
            "pipes, Arrow IPC, JSON rows), so it shows only on queries DuckDB answers in a few milliseconds.",
            "",
            "Features without a raw twin, for information (sandbox, median):",
            "",
            *(f"* {label}: {seconds * 1e3:.1f} ms ({out:,} rows out)" for label, seconds, out in extra),
            "  (the first hashes a million identifiers with the project key; the second adds the output checks'",
            "  measurements to the same group-by as above)",
            "* approval (`materialise`: key, definer connection, views, worker set-up) to first answered query:",
            f"  {approval} over {len(approvals)} new projects (target under {TARGET_APPROVAL_SECONDS:g} s); the",
            "  service keeps one worker process started ahead of approvals, without it (`warm_spare=False`) "
            f"{cold:.3f} s;",
            f"* 4 projects querying at once (a thread each, the four query kinds in turn): {queries} queries, "
            f"{errors} errors, {wall:.2f} s wall.",
            "",
        ]
        update_readme("\n".join(lines))
        console.print("benchmarks/README.md updated")

    failed = errors > 0 or (
        args.size == "full" and (worst > TARGET_RATIO or statistics.median(approvals) > TARGET_APPROVAL_SECONDS)
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
